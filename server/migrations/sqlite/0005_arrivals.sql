-- Several mailboxes (issue 3, point 7): one mail that reached two of our mailboxes (reply-all
-- to support@ and sales@, a Cc) is one message. `arrival_key` is the Message-ID with the
-- sender and the Date (never the Message-ID alone); NULL when the mail has no Message-ID.

ALTER TABLE email_receipts ADD COLUMN arrival_key TEXT;
CREATE INDEX email_receipts_arrival_idx ON email_receipts (arrival_key);

-- People on a ticket besides its contact: addresses in Cc, and in To that are not ours. The
-- subject-number threading rule accepts their mail (issue 3, point 7). Lowercase addresses.
CREATE TABLE ticket_participants (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    address   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, address)
);
