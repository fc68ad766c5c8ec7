-- Issue 6, point 4: merged tickets and "related" links. SQLite dialect.

-- A source ticket merged into a target: its messages moved to the target and it was closed.
-- One row per source (a ticket is merged at most once).
CREATE TABLE ticket_merges (
    source_id  INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    target_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER,
    merged_at  TEXT NOT NULL
) STRICT;
CREATE INDEX ticket_merges_target_idx ON ticket_merges (target_id, merged_at);

-- A symmetric "related" link, stored once with the smaller ticket id first.
CREATE TABLE ticket_links (
    a_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    b_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
) STRICT;
CREATE INDEX ticket_links_b_idx ON ticket_links (b_id);
