-- Issue 6: canned responses and macros. PostgreSQL dialect; same table and columns as the
-- SQLite dialect. actions is the serde JSON of lossless::canned::MacroActions (TEXT).

-- A reply template with placeholders. owner_id NULL: shared with the team (managers edit
-- it); otherwise one agent's personal response (gone with the agent). shortcut '' : none.
CREATE TABLE canned_responses (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id   BIGINT REFERENCES agents (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    shortcut   TEXT NOT NULL,
    actions    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX canned_responses_owner_idx ON canned_responses (owner_id);
