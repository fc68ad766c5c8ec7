-- Stored content of inbound mail (issue 3, point 3). Attachment and inline-image bytes,
-- content-addressed by the hex sha-256 of the decoded bytes: the same file in two mails is
-- stored once. Files over the configured `attachment_max_bytes` are not stored here (their
-- metadata on the message says so; the raw mail in raw_emails still holds them).
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL,
    size   INTEGER NOT NULL
);

-- An inbound mail's HTML part, sanitized at ingest for display (NULL: no HTML part).
ALTER TABLE messages ADD COLUMN body_html TEXT;
