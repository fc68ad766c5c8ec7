-- Issue 6, point 4: merged tickets and "related" links. PostgreSQL dialect; same tables and
-- columns as the SQLite dialect.

-- A source ticket merged into a target: its messages moved to the target and it was closed.
-- One row per source (a ticket is merged at most once).
CREATE TABLE ticket_merges (
    source_id  BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    target_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor_id   BIGINT,
    merged_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_merges_target_idx ON ticket_merges (target_id, merged_at);

-- A symmetric "related" link, stored once with the smaller ticket id first.
CREATE TABLE ticket_links (
    a_id       BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    b_id       BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
);
CREATE INDEX ticket_links_b_idx ON ticket_links (b_id);
