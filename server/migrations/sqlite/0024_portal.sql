-- Issue 7, point 5: the customer portal's sign-in. One-time sign-in links mailed to a
-- contact's address and the customer portal sessions they start (a separate table and cookie
-- from the agents' sessions). Only SHA-256 hashes of the tokens are stored. `email` is the
-- address the link was asked for, lowercased: the hourly limit counts per address.
-- SQLite dialect.
CREATE TABLE portal_links (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE INDEX portal_links_email_idx ON portal_links (email, created_at);
CREATE INDEX portal_links_contact_idx ON portal_links (contact_id);

CREATE TABLE portal_sessions (
    token_hash TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX portal_sessions_contact_idx ON portal_sessions (contact_id);
CREATE INDEX portal_sessions_expires_idx ON portal_sessions (expires_at);
