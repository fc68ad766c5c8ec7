-- Issue 6: collision detection. Who has a ticket open and who types on it, one row per
-- ticket and agent, kept fresh by the open pages' reports (lossless::viewers). PostgreSQL
-- dialect; same table and columns as the SQLite dialect. Ephemeral: a row not refreshed for
-- 30 s counts as gone and is deleted by the next report; it is shared through the database
-- so every node sees the same viewers. typing is NULL (not typing), 'reply' or 'note', with
-- the time of the last keystroke report in typing_at.
CREATE TABLE ticket_viewers (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    agent_id  BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    typing    TEXT CHECK (typing IN ('reply', 'note')),
    typing_at TIMESTAMPTZ,
    seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, agent_id),
    CHECK ((typing IS NULL) = (typing_at IS NULL))
);
-- Expired rows are found by age.
CREATE INDEX ticket_viewers_seen_idx ON ticket_viewers (seen_at);
-- Cascades from agents.
CREATE INDEX ticket_viewers_agent_idx ON ticket_viewers (agent_id);
