-- Issue 6, point 10: each agent's UI language and IANA time zone (NULL: not chosen yet; the
-- UI then uses the request's language and UTC). SQLite dialect.
ALTER TABLE agent_prefs ADD COLUMN lang TEXT CHECK (lang IN ('ru', 'en'));
ALTER TABLE agent_prefs ADD COLUMN time_zone TEXT CHECK (length(time_zone) BETWEEN 1 AND 64);
