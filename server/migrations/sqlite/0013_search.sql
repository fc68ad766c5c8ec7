-- Issue 6: full-text search and saved views. SQLite dialect.
--
-- The index holds terms the application computes (lossless::search::index_terms: stems,
-- numbers, phone digits), space-separated; FTS5's `ascii` tokenizer splits them at the spaces
-- and changes nothing else, so both dialects store the same terms. The tables are
-- contentless (the text lives in messages and contacts) and allow deleting a row.
-- search_messages: rowid = messages.id; a ticket's first message is indexed with its subject.
CREATE VIRTUAL TABLE search_messages USING fts5(
    terms, content = '', contentless_delete = 1, tokenize = 'ascii'
);
-- search_contacts: rowid = contacts.id; name, email addresses, phone numbers.
CREATE VIRTUAL TABLE search_contacts USING fts5(
    terms, content = '', contentless_delete = 1, tokenize = 'ascii'
);

-- Rows stored before this migration are indexed by the application (the stems are computed
-- in Rust, not SQL): rows of `name` with an id below `below` may still be unindexed; each
-- backlog step indexes the newest batch below it and lowers it, down to 0 (done).
CREATE TABLE search_backlog (
    name  TEXT PRIMARY KEY,
    below INTEGER NOT NULL
) STRICT;
INSERT INTO search_backlog (name, below) VALUES
    ('messages', (SELECT COALESCE(MAX(id), 0) + 1 FROM messages)),
    ('contacts', (SELECT COALESCE(MAX(id), 0) + 1 FROM contacts));

-- tickets.tags as rows, for the `tag:` filter; every write of a ticket keeps it in step.
CREATE TABLE ticket_tags (
    tag       TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, ticket_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticket_tags_ticket_idx ON ticket_tags (ticket_id);
INSERT INTO ticket_tags (tag, ticket_id)
    SELECT DISTINCT j.value, t.id FROM tickets t, json_each(t.tags) j WHERE j.type = 'text';

-- `from:` finds a customer's address whatever its case.
CREATE INDEX contact_handles_lower_idx ON contact_handles (kind, lower(value));

-- Saved searches: the owner's, or shared with a group's members (managers see every shared
-- one). A deleted group leaves the view to its owner.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    group_id   INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX saved_views_owner_idx ON saved_views (owner_id);
CREATE INDEX saved_views_group_idx ON saved_views (group_id);
