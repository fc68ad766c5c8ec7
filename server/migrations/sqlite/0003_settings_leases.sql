-- Installation settings generated once and shared by every node (e.g. the email secret).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Mailbox leases: on a shared database exactly one node fetches a mailbox at a time.
ALTER TABLE mailboxes ADD COLUMN lease_owner TEXT;
ALTER TABLE mailboxes ADD COLUMN lease_until TEXT;
