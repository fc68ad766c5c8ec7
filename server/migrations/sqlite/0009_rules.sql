-- Issue 4: automation rules, presence and routing profiles, group assignment settings, the
-- assignment sequence, contact profiles and in-app notifications. SQLite dialect.
-- Booleans are INTEGER 0/1 (tables are STRICT); JSON values are TEXT.

-- Rules run in ascending position (ties by id). activator, condition and actions are the
-- serde JSON of lossless::rules::{Activator, Condition, Vec<Action>}.
CREATE TABLE rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    activator  TEXT NOT NULL,
    condition  TEXT NOT NULL,
    actions    TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX rules_order_idx ON rules (position, id);

-- Presence as set by the agent (the effective one also looks at last_seen_at) and the
-- routing profile. capacity 0 means no limit; 20 is lossless::team::DEFAULT_CAPACITY.
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline'
    CHECK (presence IN ('online', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN last_seen_at TEXT;
ALTER TABLE agents ADD COLUMN capacity INTEGER NOT NULL DEFAULT 20;
ALTER TABLE agents ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';

-- A group's assignment settings (lossless::team::GroupRouting; defaults = manual()).
ALTER TABLE groups ADD COLUMN strategy TEXT NOT NULL DEFAULT 'manual'
    CHECK (strategy IN ('manual', 'round_robin', 'least_loaded'));
ALTER TABLE groups ADD COLUMN match_language INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN match_skills INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN prefer_previous_agent INTEGER NOT NULL DEFAULT 1;

-- The global assignment sequence: every stored assignment of a ticket that has a group to
-- a member of that group takes the next value and records it on (group, agent); round
-- robin picks the member with the smallest (NULL: never assigned).
INSERT INTO counters (name, value) VALUES ('assignment', 0);
ALTER TABLE group_members ADD COLUMN last_assigned_seq INTEGER;

-- A contact's profile (lossless::contact::ContactProfile).
ALTER TABLE contacts ADD COLUMN organisation TEXT;
ALTER TABLE contacts ADD COLUMN vip INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN region TEXT;

-- In-app notifications; ids grow with time, the bell lists an agent's newest first.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
) STRICT;
CREATE INDEX notifications_agent_idx ON notifications (agent_id, id);

-- Ticket contexts for rules: a ticket's last history time of a kind (status changes,
-- assignments), and the most recently created tickets ("try it" over the last 200).
CREATE INDEX history_kind_idx ON history (ticket_id, kind, at, id);
CREATE INDEX tickets_created_idx ON tickets (created_at, id);
