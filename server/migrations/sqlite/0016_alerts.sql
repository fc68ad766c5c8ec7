-- Issue 6: agent alerts. An alert's in-app notification carries its job's key, so a job run
-- twice stores it once; each agent's email preferences (JSON of `EmailPrefs`; no row: every
-- kind on). SQLite dialect.
ALTER TABLE notifications ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX notifications_dedupe_idx ON notifications (dedupe_key)
    WHERE dedupe_key IS NOT NULL;

CREATE TABLE agent_prefs (
    agent_id    INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    email_prefs TEXT NOT NULL
) STRICT;
