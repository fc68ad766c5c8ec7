-- Email intake (issue 3): mailboxes with their IMAP cursor, one receipt per fetched mail,
-- the raw originals (content-addressed) and the Message-IDs used for threading.

CREATE TABLE mailboxes (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    address       TEXT NOT NULL,
    uidvalidity   INTEGER,
    last_uid      INTEGER NOT NULL DEFAULT 0,
    last_fetch_at TEXT,
    last_error    TEXT
);

-- The original bytes of every fetched mail, by hex sha-256 (replay, audit).
CREATE TABLE raw_emails (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL,
    size   INTEGER NOT NULL
);

-- One row per mail taken from a mailbox: the dedupe key and what became of it.
CREATE TABLE email_receipts (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes (id),
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    sha256      TEXT NOT NULL REFERENCES raw_emails (sha256),
    ticket_id   INTEGER REFERENCES tickets (id),
    message_id  INTEGER REFERENCES messages (id),
    outcome     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (mailbox_id, uidvalidity, uid)
);
CREATE INDEX email_receipts_sha_idx ON email_receipts (mailbox_id, sha256);
CREATE INDEX email_receipts_ticket_idx ON email_receipts (ticket_id);

-- Message-IDs of stored messages (threading step 2); not unique in the wild.
CREATE TABLE email_ids (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    msg_row_id INTEGER REFERENCES messages (id) ON DELETE CASCADE
);
CREATE INDEX email_ids_message_id_idx ON email_ids (message_id);
