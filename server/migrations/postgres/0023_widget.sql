-- Issue 7: the site widget. PostgreSQL dialect; same tables and columns as the SQLite one.
-- JSON columns are serde JSON (TEXT).

-- A site the widget is embedded on. site_key is public (it sits in the host page);
-- settings is lossless::widget::SiteSettings.
CREATE TABLE widget_sites (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_key   TEXT NOT NULL UNIQUE,
    settings   TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A visitor of a site, known by the sha-256 hex of their token (the token is never
-- stored). ticket_id is the current conversation; bot is lossless::widget::BotRun.
CREATE TABLE widget_visitors (
    token_hash   TEXT PRIMARY KEY,
    site_id      BIGINT NOT NULL REFERENCES widget_sites (id) ON DELETE CASCADE,
    contact_id   BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ticket_id    BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
    lang         TEXT NOT NULL,
    bot          TEXT NOT NULL,
    page_url     TEXT,
    page_title   TEXT,
    typing_until TIMESTAMPTZ,
    seen_at      TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX widget_visitors_ticket_idx ON widget_visitors (ticket_id, seen_at);

-- Files a visitor uploaded (bytes in attachment_blobs), until a message carries them;
-- only their uploader may attach them.
CREATE TABLE widget_uploads (
    token_hash   TEXT NOT NULL REFERENCES widget_visitors (token_hash) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_hash, sha256)
);

-- The site a ticket came from (NULL: not from the widget).
ALTER TABLE tickets ADD COLUMN site_id BIGINT REFERENCES widget_sites (id);
