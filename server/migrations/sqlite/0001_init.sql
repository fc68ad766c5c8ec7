-- Lossless schema, SQLite dialect. Never edit once released: add 0002_… instead.
-- Timestamps are TEXT in sqlx's RFC 3339 form (always '+00:00', at most microseconds),
-- which sorts and compares correctly as text. Tables are STRICT: a wrong type is an error.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
-- Ticket numbers start at 1001 (the store adds one before use).
INSERT INTO counters (name, value) VALUES ('ticket_number', 1000);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'manager', 'admin')),
    lang          TEXT NOT NULL,
    password_hash TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX agents_email_key ON agents (lower(email));
CREATE INDEX agents_name_idx ON agents (name);

CREATE TABLE groups (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, agent_id)
) STRICT;
CREATE INDEX group_members_agent_idx ON group_members (agent_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_agent_idx ON sessions (agent_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- A handle belongs to at most one contact.
CREATE TABLE contact_handles (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    UNIQUE (kind, value)
) STRICT;
CREATE INDEX contact_handles_contact_idx ON contact_handles (contact_id);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    number_seq        INTEGER NOT NULL UNIQUE,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    priority          TEXT NOT NULL,
    priority_rank     INTEGER NOT NULL,
    channel           TEXT NOT NULL,
    contact_id        INTEGER NOT NULL REFERENCES contacts (id),
    assignee_id       INTEGER REFERENCES agents (id),
    group_id          INTEGER REFERENCES groups (id),
    tags              TEXT NOT NULL DEFAULT '[]',
    portal_token      TEXT NOT NULL UNIQUE,
    lang              TEXT NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at       TEXT
) STRICT;
CREATE INDEX tickets_queue_idx ON tickets (status, priority_rank DESC, created_at, id);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, status, priority_rank DESC, created_at);
CREATE INDEX tickets_group_idx ON tickets (group_id, status, priority_rank DESC, created_at);
CREATE INDEX tickets_contact_idx ON tickets (contact_id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    author_kind TEXT NOT NULL,
    author_id   INTEGER,
    body        TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    dedupe_key  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (ticket_id, dedupe_key)
) STRICT;
CREATE INDEX messages_thread_idx ON messages (ticket_id, created_at, id);

CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER,
    kind       TEXT NOT NULL,
    event      TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX history_ticket_idx ON history (ticket_id, at, id);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       TEXT NOT NULL,
    lease_until  TEXT,
    locked_by    TEXT,
    last_error   TEXT,
    done_at      TEXT
) STRICT;
CREATE INDEX jobs_due_idx ON jobs (status, run_at);
CREATE INDEX jobs_lease_idx ON jobs (status, lease_until);

-- Idempotency receipts of intake sources; ticket_id is set before commit.
CREATE TABLE intake_receipts (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
) STRICT;
