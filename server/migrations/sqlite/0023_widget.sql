-- Issue 7: the site widget. SQLite dialect; same tables and columns as the PostgreSQL one.
-- Times are RFC 3339 TEXT as everywhere else; JSON columns are serde JSON (TEXT).

-- A site the widget is embedded on. site_key is public (it sits in the host page);
-- settings is lossless::widget::SiteSettings.
CREATE TABLE widget_sites (
    id         INTEGER PRIMARY KEY,
    site_key   TEXT NOT NULL UNIQUE,
    settings   TEXT NOT NULL,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- A visitor of a site, known by the sha-256 hex of their token (the token is never
-- stored). ticket_id is the current conversation; bot is lossless::widget::BotRun.
CREATE TABLE widget_visitors (
    token_hash   TEXT PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES widget_sites (id) ON DELETE CASCADE,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ticket_id    INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    lang         TEXT NOT NULL,
    bot          TEXT NOT NULL,
    page_url     TEXT,
    page_title   TEXT,
    typing_until TEXT,
    seen_at      TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX widget_visitors_ticket_idx ON widget_visitors (ticket_id, seen_at);

-- Files a visitor uploaded (bytes in attachment_blobs), until a message carries them;
-- only their uploader may attach them.
CREATE TABLE widget_uploads (
    token_hash   TEXT NOT NULL REFERENCES widget_visitors (token_hash) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (token_hash, sha256)
) STRICT;

-- The site a ticket came from (NULL: not from the widget).
ALTER TABLE tickets ADD COLUMN site_id INTEGER REFERENCES widget_sites (id);
