-- Issue 4: automation rules, presence and routing profiles, group assignment settings, the
-- assignment sequence, contact profiles and in-app notifications. PostgreSQL dialect; same
-- tables and columns as the SQLite dialect.

-- Rules run in ascending position (ties by id). activator, condition and actions are the
-- serde JSON of lossless::rules::{Activator, Condition, Vec<Action>}.
CREATE TABLE rules (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    position   BIGINT NOT NULL,
    activator  TEXT NOT NULL,
    condition  TEXT NOT NULL,
    actions    TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rules_order_idx ON rules (position, id);

-- Presence as set by the agent (the effective one also looks at last_seen_at) and the
-- routing profile. capacity 0 means no limit; 20 is lossless::team::DEFAULT_CAPACITY.
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline'
    CHECK (presence IN ('online', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN last_seen_at TIMESTAMPTZ;
ALTER TABLE agents ADD COLUMN capacity BIGINT NOT NULL DEFAULT 20;
ALTER TABLE agents ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';

-- A group's assignment settings (lossless::team::GroupRouting; defaults = manual()).
ALTER TABLE groups ADD COLUMN strategy TEXT NOT NULL DEFAULT 'manual'
    CHECK (strategy IN ('manual', 'round_robin', 'least_loaded'));
ALTER TABLE groups ADD COLUMN match_language BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE groups ADD COLUMN match_skills BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE groups ADD COLUMN prefer_previous_agent BOOLEAN NOT NULL DEFAULT TRUE;

-- The global assignment sequence: every stored assignment of a ticket that has a group to
-- a member of that group takes the next value and records it on (group, agent) (never
-- lowering it: a transaction that took an older value may commit later); round robin picks
-- the member with the smallest (NULL: never assigned).
CREATE SEQUENCE assignment_seq AS BIGINT START WITH 1;
ALTER TABLE group_members ADD COLUMN last_assigned_seq BIGINT;

-- A contact's profile (lossless::contact::ContactProfile).
ALTER TABLE contacts ADD COLUMN organisation TEXT;
ALTER TABLE contacts ADD COLUMN vip BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts ADD COLUMN region TEXT;

-- In-app notifications; ids grow with time, the bell lists an agent's newest first.
CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    ticket_id  BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notifications_agent_idx ON notifications (agent_id, id);

-- Ticket contexts for rules: a ticket's last history time of a kind (status changes,
-- assignments), and the most recently created tickets ("try it" over the last 200).
CREATE INDEX history_kind_idx ON history (ticket_id, kind, at, id);
CREATE INDEX tickets_created_idx ON tickets (created_at, id);
