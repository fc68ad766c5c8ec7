-- Issue 5: service levels. Business calendars, SLA policies, a group's calendar, each
-- ticket's SLA record (its clocks) and the measurements kept for reports. PostgreSQL
-- dialect; same tables and columns as the SQLite dialect. JSON values are TEXT.

-- Business calendars; calendar is the serde JSON of lossless::sla::Calendar. Exactly one is
-- the default once any exists (the store keeps at least one; this index at most one).
CREATE TABLE sla_calendars (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    calendar   TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sla_calendars_default_idx ON sla_calendars (is_default) WHERE is_default;

-- SLA policies, chosen per target by specificity, then ascending position, then id. draft is
-- the serde JSON of lossless::sla::PolicyDraft; its calendar is the calendar_id column (a
-- deleted calendar leaves the policy on the group's or the default calendar).
CREATE TABLE sla_policies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    position    BIGINT NOT NULL,
    draft       TEXT NOT NULL,
    calendar_id BIGINT REFERENCES sla_calendars (id) ON DELETE SET NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sla_policies_order_idx ON sla_policies (position, id);
CREATE INDEX sla_policies_calendar_idx ON sla_policies (calendar_id);

-- A group's business calendar (NULL: the installation default).
ALTER TABLE groups ADD COLUMN calendar_id BIGINT
    REFERENCES sla_calendars (id) ON DELETE SET NULL;
CREATE INDEX groups_calendar_idx ON groups (calendar_id);

-- A ticket's SLA record (lossless::sla::TicketSla): state is the serde JSON of SlaState;
-- cursor is the last history row applied; revision the compare-and-set counter; next_at,
-- due_at, breached, paused and warned are derived from state (timers, queue badges and
-- the "at risk" view read them).
CREATE TABLE ticket_sla (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    state     TEXT NOT NULL,
    cursor    BIGINT NOT NULL,
    revision  BIGINT NOT NULL,
    status    TEXT NOT NULL,
    responded BOOLEAN NOT NULL,
    next_at   TIMESTAMPTZ,
    due_at    TIMESTAMPTZ,
    breached  BOOLEAN NOT NULL,
    paused    BOOLEAN NOT NULL,
    warned    BIGINT NOT NULL
);
CREATE INDEX ticket_sla_next_idx ON ticket_sla (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX ticket_sla_due_idx ON ticket_sla (due_at);

-- Targets met (with the business and calendar seconds taken) or breached, for reports.
CREATE TABLE sla_measurements (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    target        TEXT NOT NULL
        CHECK (target IN ('first_response', 'next_response', 'resolution')),
    policy_name   TEXT NOT NULL,
    breach        BOOLEAN NOT NULL,
    business_secs BIGINT,
    calendar_secs BIGINT,
    late          BOOLEAN NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX sla_measurements_ticket_idx ON sla_measurements (ticket_id, id);
CREATE INDEX sla_measurements_at_idx ON sla_measurements (at, id);
