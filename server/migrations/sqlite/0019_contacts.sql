-- Issue 6: the full customer profile. SQLite dialect.
--
-- Free-text notes about a contact, for agents only (no customer view reads this column).
ALTER TABLE contacts ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- A contact's tickets across channels, by last activity (the profile's list walks it).
CREATE INDEX tickets_contact_activity_idx ON tickets (contact_id, updated_at DESC, id DESC);
