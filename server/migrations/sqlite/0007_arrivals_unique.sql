-- One claim per arrival key (issue 3, point 7): the first ingest of a mail claims its key in
-- its own transaction (INSERT … ON CONFLICT DO NOTHING); a concurrent ingest of another copy
-- (reply-all reaching support@ and sales@ on two nodes at once) waits on the unique key
-- until the first commits, then finds the claim and writes a `duplicate` receipt pointing
-- at the first. `receipt_id` is set in the claiming transaction, once the receipt exists.

CREATE TABLE email_arrivals (
    arrival_key TEXT PRIMARY KEY,
    receipt_id  INTEGER REFERENCES email_receipts (id)
);

-- Arrivals ingested before this migration: the first non-duplicate receipt of each key.
INSERT INTO email_arrivals (arrival_key, receipt_id)
SELECT arrival_key, MIN(id) FROM email_receipts
WHERE arrival_key IS NOT NULL AND outcome <> 'duplicate'
GROUP BY arrival_key;
