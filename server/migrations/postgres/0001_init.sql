-- Lossless schema, PostgreSQL dialect. Never edit once released: add 0002_… instead.
-- Same tables and columns as the SQLite dialect; ids are identities, times TIMESTAMPTZ.

-- Ticket numbers: never reused (a rolled-back transaction leaves a gap, which is fine).
CREATE SEQUENCE ticket_number_seq AS BIGINT START WITH 1001;

CREATE TABLE agents (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'manager', 'admin')),
    lang          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE UNIQUE INDEX agents_email_key ON agents (lower(email));
CREATE INDEX agents_name_idx ON agents (name);

CREATE TABLE groups (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, agent_id)
);
CREATE INDEX group_members_agent_idx ON group_members (agent_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_agent_idx ON sessions (agent_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE contacts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A handle belongs to at most one contact.
CREATE TABLE contact_handles (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX contact_handles_contact_idx ON contact_handles (contact_id);

CREATE TABLE tickets (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    number_seq        BIGINT NOT NULL UNIQUE,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    priority          TEXT NOT NULL,
    priority_rank     BIGINT NOT NULL,
    channel           TEXT NOT NULL,
    contact_id        BIGINT NOT NULL REFERENCES contacts (id),
    assignee_id       BIGINT REFERENCES agents (id),
    group_id          BIGINT REFERENCES groups (id),
    tags              TEXT NOT NULL DEFAULT '[]',
    portal_token      TEXT NOT NULL UNIQUE,
    lang              TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at       TIMESTAMPTZ
);
CREATE INDEX tickets_queue_idx ON tickets (status, priority_rank DESC, created_at, id);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, status, priority_rank DESC, created_at);
CREATE INDEX tickets_group_idx ON tickets (group_id, status, priority_rank DESC, created_at);
CREATE INDEX tickets_contact_idx ON tickets (contact_id);

CREATE TABLE messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    author_kind TEXT NOT NULL,
    author_id   BIGINT,
    body        TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    dedupe_key  TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (ticket_id, dedupe_key)
);
CREATE INDEX messages_thread_idx ON messages (ticket_id, created_at, id);

CREATE TABLE history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor_id   BIGINT,
    kind       TEXT NOT NULL,
    event      TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX history_ticket_idx ON history (ticket_id, at, id);

CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    lease_until  TIMESTAMPTZ,
    locked_by    TEXT,
    last_error   TEXT,
    done_at      TIMESTAMPTZ
);
CREATE INDEX jobs_due_idx ON jobs (status, run_at);
CREATE INDEX jobs_lease_idx ON jobs (status, lease_until);

-- Idempotency receipts of intake sources; ticket_id is set before commit.
CREATE TABLE intake_receipts (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, key)
);
