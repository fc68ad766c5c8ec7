-- Mailbox administration (issue 3, points 1 and 2): a mailbox's settings live here, whether
-- they came from the configuration file (`source = 'config'`, rewritten at every start) or
-- from `/manage/channels` (`source = 'ui'`). A row without `imap_host` has no settings yet
-- (created by an older version, or only by the intake) and is not fetched.
--
-- Passwords are stored as given (the IMAP/SMTP servers need them in the clear to log in);
-- they never leave the server: no screen, DTO or log line carries them. Protect the
-- database file (and its backups) like the configuration file that held them before.

ALTER TABLE mailboxes ADD COLUMN imap_host TEXT;
ALTER TABLE mailboxes ADD COLUMN imap_port BIGINT NOT NULL DEFAULT 993;
ALTER TABLE mailboxes ADD COLUMN imap_security TEXT NOT NULL DEFAULT 'tls'
    CHECK (imap_security IN ('tls', 'starttls', 'plain'));
ALTER TABLE mailboxes ADD COLUMN imap_user TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN imap_password TEXT NOT NULL DEFAULT '';
-- NULL `smtp_host`: the mailbox sends nothing. An empty `smtp_user` sends without login.
ALTER TABLE mailboxes ADD COLUMN smtp_host TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_port BIGINT NOT NULL DEFAULT 587;
ALTER TABLE mailboxes ADD COLUMN smtp_security TEXT NOT NULL DEFAULT 'starttls'
    CHECK (smtp_security IN ('tls', 'starttls', 'plain'));
ALTER TABLE mailboxes ADD COLUMN smtp_user TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN smtp_password TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN poll_seconds BIGINT NOT NULL DEFAULT 30;
ALTER TABLE mailboxes ADD COLUMN closed_policy TEXT NOT NULL DEFAULT 'new_linked'
    CHECK (closed_policy IN ('new_linked', 'reopen'));
ALTER TABLE mailboxes ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE mailboxes ADD COLUMN source TEXT NOT NULL DEFAULT 'config'
    CHECK (source IN ('config', 'ui'));
-- When the last pass that succeeded ended (health: lag).
ALTER TABLE mailboxes ADD COLUMN last_success_at TIMESTAMPTZ;

-- Replaying a dead letter: the receipt keeps `outcome = 'dead_letter'` (how the mail
-- arrived) and records the last replay; a replay that placed the mail also sets the
-- receipt's `ticket_id`/`message_id`. A dead letter counts as open until a replay placed it.
ALTER TABLE email_receipts ADD COLUMN replayed_at TIMESTAMPTZ;
ALTER TABLE email_receipts ADD COLUMN replay_outcome TEXT;
CREATE INDEX email_receipts_dead_idx ON email_receipts (outcome, id);
CREATE INDEX email_receipts_created_idx ON email_receipts (mailbox_id, created_at);

-- Health: outbound mail not yet accepted, or failed for good.
CREATE INDEX messages_delivery_idx ON messages (delivery)
    WHERE delivery IN ('pending', 'failed');
