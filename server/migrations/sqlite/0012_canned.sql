-- Issue 6: canned responses and macros. SQLite dialect. Times are RFC 3339 TEXT as
-- everywhere else; actions is the serde JSON of lossless::canned::MacroActions.

-- A reply template with placeholders. owner_id NULL: shared with the team (managers edit
-- it); otherwise one agent's personal response (gone with the agent). shortcut '' : none.
CREATE TABLE canned_responses (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    shortcut   TEXT NOT NULL,
    actions    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX canned_responses_owner_idx ON canned_responses (owner_id);
