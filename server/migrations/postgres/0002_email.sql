-- Email intake (issue 3): mailboxes with their IMAP cursor, one receipt per fetched mail,
-- the raw originals (content-addressed) and the Message-IDs used for threading.

CREATE TABLE mailboxes (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    address       TEXT NOT NULL,
    uidvalidity   BIGINT,
    last_uid      BIGINT NOT NULL DEFAULT 0,
    last_fetch_at TIMESTAMPTZ,
    last_error    TEXT
);

-- The original bytes of every fetched mail, by hex sha-256 (replay, audit).
CREATE TABLE raw_emails (
    sha256 TEXT PRIMARY KEY,
    bytes  BYTEA NOT NULL,
    size   BIGINT NOT NULL
);

-- One row per mail taken from a mailbox: the dedupe key and what became of it.
CREATE TABLE email_receipts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id  BIGINT NOT NULL REFERENCES mailboxes (id),
    uidvalidity BIGINT NOT NULL,
    uid         BIGINT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES raw_emails (sha256),
    ticket_id   BIGINT REFERENCES tickets (id),
    message_id  BIGINT REFERENCES messages (id),
    outcome     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (mailbox_id, uidvalidity, uid)
);
CREATE INDEX email_receipts_sha_idx ON email_receipts (mailbox_id, sha256);
CREATE INDEX email_receipts_ticket_idx ON email_receipts (ticket_id);

-- Message-IDs of stored messages (threading step 2); not unique in the wild.
CREATE TABLE email_ids (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id TEXT NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    msg_row_id BIGINT REFERENCES messages (id) ON DELETE CASCADE
);
CREATE INDEX email_ids_message_id_idx ON email_ids (message_id);
