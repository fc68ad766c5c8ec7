-- Issue 6: full-text search and saved views. PostgreSQL dialect.
--
-- The index holds terms the application computes (lossless::search::index_terms: stems,
-- numbers, phone digits); they are written as tsvector literals (lexemes and positions as
-- given, no text-search parser or dictionary in between), so both dialects store the same
-- terms, and queried with tsquery literals.
-- search_messages: one row per message; a ticket's first message is indexed with its subject.
CREATE TABLE search_messages (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    ticket_id  BIGINT NOT NULL,
    terms      TSVECTOR NOT NULL
);
CREATE INDEX search_messages_terms_idx ON search_messages USING GIN (terms);
-- search_contacts: name, email addresses, phone numbers.
CREATE TABLE search_contacts (
    contact_id BIGINT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    terms      TSVECTOR NOT NULL
);
CREATE INDEX search_contacts_terms_idx ON search_contacts USING GIN (terms);

-- Rows stored before this migration are indexed by the application (the stems are computed
-- in Rust, not SQL): rows of `name` with an id below `below` may still be unindexed; each
-- backlog step indexes the newest batch below it and lowers it, down to 0 (done).
CREATE TABLE search_backlog (
    name  TEXT PRIMARY KEY,
    below BIGINT NOT NULL
);
INSERT INTO search_backlog (name, below) VALUES
    ('messages', (SELECT COALESCE(MAX(id), 0) + 1 FROM messages)),
    ('contacts', (SELECT COALESCE(MAX(id), 0) + 1 FROM contacts));

-- tickets.tags as rows, for the `tag:` filter; every write of a ticket keeps it in step.
CREATE TABLE ticket_tags (
    tag       TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, ticket_id)
);
CREATE INDEX ticket_tags_ticket_idx ON ticket_tags (ticket_id);
INSERT INTO ticket_tags (tag, ticket_id)
    SELECT DISTINCT j.tag, t.id
    FROM tickets t CROSS JOIN LATERAL jsonb_array_elements_text(t.tags::jsonb) AS j (tag);

-- `from:` finds a customer's address whatever its case.
CREATE INDEX contact_handles_lower_idx ON contact_handles (kind, lower(value));

-- Saved searches: the owner's, or shared with a group's members (managers see every shared
-- one). A deleted group leaves the view to its owner.
CREATE TABLE saved_views (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    owner_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    group_id   BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX saved_views_owner_idx ON saved_views (owner_id);
CREATE INDEX saved_views_group_idx ON saved_views (group_id);
