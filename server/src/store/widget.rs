//! The issue 7 queries of the store: widget sites, visitors, their uploads, and the widget
//! ticket (created together with the visitor's link to it).
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers, pools and transactions.
//!
//! Invariants kept here:
//! - a visitor row is keyed by the sha-256 hex of the token (never the token); creating a
//!   visitor creates its anonymous contact (handle `visitor`) in the same transaction, and a
//!   second create with the same hash returns the first row;
//! - a widget ticket is written in one transaction: the intake receipt first (a replay of
//!   the key writes nothing more), the visitor row's current ticket compared with what the
//!   caller expected (`Conflict`, nothing written, when it moved on; the row is locked on
//!   PostgreSQL, and SQLite's `BEGIN IMMEDIATE` serializes writers), the ticket with its
//!   site and tags, its first message with files and dedupe key, history, jobs, custom
//!   fields, and the visitor's link;
//! - an outbound public message of a widget ticket is delivered by email exactly when the
//!   ticket's contact has an email address (see [`emails_reply`]);
//! - settings and bot state are stored as serde JSON; every time written is truncated to
//!   microseconds.

use super::super::super::{db_err, db_err_dup, db_err_ref};
use super::{
    Conn, DbPool, DbRow, begin, claim_intake_key, codec, find_or_create_contact, insert_history,
    insert_jobs, insert_message_of, insert_ticket, message_from_row, reader, replay, search,
    settle_intake_key,
};
use chrono::{DateTime, Utc};
use lossless::contact::{ContactDraft, Handle};
use lossless::ids::{ContactId, Lang, SiteId, TicketId};
use lossless::job::jobs_for;
use lossless::message::{AttachmentMeta, Direction, Message, MessageDraft, Visibility};
use lossless::ports::{Created, StoreError, StoreResult, to_micros};
use lossless::ticket::{Channel, Ticket};
use lossless::widget::{
    NewWidgetTicket, Page, Site, SiteKey, SiteSettings, Visitor, VisitorHandle, VisitorUpdate,
};
use sqlx::Row as _;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt row: bad {what}: {e}"))
}

fn site_from_row(r: &DbRow) -> StoreResult<Site> {
    let key: String = r.try_get("site_key").map_err(db_err)?;
    let settings: String = r.try_get("settings").map_err(db_err)?;
    Ok(Site {
        id: SiteId(r.try_get("id").map_err(db_err)?),
        key: SiteKey::parse(&key).map_err(|e| corrupt("site key", e))?,
        settings: serde_json::from_str::<SiteSettings>(&settings)
            .map_err(|e| corrupt("settings", e))?,
        active: r.try_get("active").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

fn visitor_from_row(r: &DbRow) -> StoreResult<Visitor> {
    let lang: String = r.try_get("lang").map_err(db_err)?;
    let bot: String = r.try_get("bot").map_err(db_err)?;
    Ok(Visitor {
        token_hash: r.try_get("token_hash").map_err(db_err)?,
        site: SiteId(r.try_get("site_id").map_err(db_err)?),
        contact: ContactId(r.try_get("contact_id").map_err(db_err)?),
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .map_err(db_err)?
            .map(TicketId),
        lang: Lang::from_code(&lang).ok_or_else(|| corrupt("lang", &lang))?,
        bot: serde_json::from_str(&bot).map_err(|e| corrupt("bot", e))?,
        page: Page {
            url: r.try_get("page_url").map_err(db_err)?,
            title: r.try_get("page_title").map_err(db_err)?,
        },
        typing_until: r.try_get("typing_until").map_err(db_err)?,
        seen_at: r.try_get("seen_at").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

pub(crate) async fn widget_sites(pool: &DbPool) -> StoreResult<Vec<Site>> {
    let rows = sqlx::query("SELECT * FROM widget_sites ORDER BY id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(site_from_row).collect()
}

pub(crate) async fn widget_site(pool: &DbPool, id: SiteId) -> StoreResult<Option<Site>> {
    let row = sqlx::query("SELECT * FROM widget_sites WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(site_from_row).transpose()
}

pub(crate) async fn widget_site_by_key(pool: &DbPool, key: SiteKey) -> StoreResult<Option<Site>> {
    let row = sqlx::query("SELECT * FROM widget_sites WHERE site_key = $1")
        .bind(key.as_str())
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(site_from_row).transpose()
}

pub(crate) async fn save_widget_site(
    pool: &DbPool,
    id: Option<SiteId>,
    key: SiteKey,
    settings: SiteSettings,
    now: DateTime<Utc>,
) -> StoreResult<Site> {
    let now = to_micros(now);
    let json = codec::to_json(&settings)?;
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = match id {
        None => sqlx::query(
            "INSERT INTO widget_sites (site_key, settings, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING *",
        )
        .bind(key.as_str())
        .bind(&json)
        .bind(true)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err_dup("key"))?,
        Some(id) => sqlx::query(
            "UPDATE widget_sites SET settings = $2, updated_at = $3 WHERE id = $1 RETURNING *",
        )
        .bind(id.0)
        .bind(&json)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?,
    };
    let site = site_from_row(&row)?;
    tx.commit().await.map_err(db_err)?;
    Ok(site)
}

pub(crate) async fn set_widget_site_active(
    pool: &DbPool,
    id: SiteId,
    active: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = sqlx::query("UPDATE widget_sites SET active = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(active)
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn widget_visitor(
    pool: &DbPool,
    token_hash: String,
) -> StoreResult<Option<Visitor>> {
    let row = sqlx::query("SELECT * FROM widget_visitors WHERE token_hash = $1")
        .bind(&token_hash)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(visitor_from_row).transpose()
}

pub(crate) async fn create_widget_visitor(
    pool: &DbPool,
    token_hash: String,
    site: SiteId,
    lang: Lang,
    page: Page,
    now: DateTime<Utc>,
) -> StoreResult<Visitor> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let existing = sqlx::query("SELECT * FROM widget_visitors WHERE token_hash = $1")
        .bind(&token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    if let Some(r) = existing {
        tx.rollback().await.map_err(db_err)?;
        return visitor_from_row(&r);
    }
    let draft = ContactDraft {
        name: String::new(),
        handles: vec![Handle::Visitor(VisitorHandle::of(&token_hash))],
    };
    let contact = find_or_create_contact(&mut tx, &draft, now).await?;
    let row = sqlx::query(
        "INSERT INTO widget_visitors (token_hash, site_id, contact_id, ticket_id, lang, bot, \
         page_url, page_title, typing_until, seen_at, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, NULL, $8, $8) RETURNING *",
    )
    .bind(&token_hash)
    .bind(site.0)
    .bind(contact.0)
    .bind(lang.code())
    .bind(codec::to_json(&lossless::widget::BotRun::default())?)
    .bind(page.url.as_deref())
    .bind(page.title.as_deref())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err_ref)?;
    let v = visitor_from_row(&row)?;
    tx.commit().await.map_err(db_err)?;
    Ok(v)
}

pub(crate) async fn update_widget_visitor(
    pool: &DbPool,
    token_hash: String,
    u: VisitorUpdate,
    now: DateTime<Utc>,
) -> StoreResult<Visitor> {
    let bot = u.bot.as_ref().map(codec::to_json).transpose()?;
    let (set_page, url, title) = match &u.page {
        Some(p) => (true, p.url.clone(), p.title.clone()),
        None => (false, None, None),
    };
    let (set_typing, typing) = match u.typing_until {
        Some(t) => (true, t.map(to_micros)),
        None => (false, None),
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "UPDATE widget_visitors SET lang = COALESCE($2, lang), bot = COALESCE($3, bot), \
         page_url = CASE WHEN $4 THEN $5 ELSE page_url END, \
         page_title = CASE WHEN $4 THEN $6 ELSE page_title END, \
         typing_until = CASE WHEN $7 THEN $8 ELSE typing_until END, seen_at = $9 \
         WHERE token_hash = $1 RETURNING *",
    )
    .bind(&token_hash)
    .bind(u.lang.map(Lang::code))
    .bind(bot)
    .bind(set_page)
    .bind(url)
    .bind(title)
    .bind(set_typing)
    .bind(typing)
    .bind(to_micros(now))
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    let v = visitor_from_row(&row)?;
    tx.commit().await.map_err(db_err)?;
    Ok(v)
}

pub(crate) async fn create_widget_ticket(
    pool: &DbPool,
    w: NewWidgetTicket,
) -> StoreResult<Created> {
    let NewWidgetTicket {
        ticket: c,
        site,
        tags,
        attachments,
        dedupe_key,
        link,
    } = w;
    let mut draft = c.draft;
    draft.now = to_micros(draft.now);
    let now = draft.now;
    let mut tx = begin(pool).await.map_err(db_err)?;
    if let Some(k) = &c.intake_key
        && !claim_intake_key(&mut tx, k, now).await?
    {
        tx.rollback().await.map_err(db_err)?;
        return replay(pool, k).await;
    }
    if let Some(l) = &link {
        let sql = if search::sqlite() {
            "SELECT ticket_id FROM widget_visitors WHERE token_hash = $1"
        } else {
            "SELECT ticket_id FROM widget_visitors WHERE token_hash = $1 FOR UPDATE"
        };
        let current: Option<i64> = sqlx::query(sql)
            .bind(&l.token_hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?
            .try_get(0)
            .map_err(db_err)?;
        if current != l.expected.map(|t| t.0) {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Conflict);
        }
    }
    let contact_id = find_or_create_contact(&mut tx, &c.contact, now).await?;
    let (mut ticket, events) = insert_ticket(&mut tx, &draft, &c.prefix, contact_id).await?;
    ticket.tags = tags;
    sqlx::query("UPDATE tickets SET site_id = $2, tags = $3, custom_fields = $4 WHERE id = $1")
        .bind(ticket.id.0)
        .bind(site.0)
        .bind(codec::to_json(&ticket.tags)?)
        .bind(codec::to_json(&c.custom_fields)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err_ref)?;
    if !ticket.tags.is_empty() {
        search::sync_tags(&mut tx, &ticket).await?;
    }
    let author = lossless::actor::ActorRef::Contact(contact_id);
    let mut first = MessageDraft::from_customer(author, c.body);
    first.attachments = attachments;
    first.dedupe_key = dedupe_key;
    insert_message_of(&mut tx, ticket.id, Some(&ticket.subject), &first, now).await?;
    insert_history(&mut tx, ticket.id, author, &events, now).await?;
    insert_jobs(&mut tx, &jobs_for(&ticket, &events, now)).await?;
    if let Some(k) = &c.intake_key {
        settle_intake_key(&mut tx, k, ticket.id).await?;
    }
    if let Some(l) = &link {
        sqlx::query(
            "UPDATE widget_visitors SET ticket_id = $2, contact_id = $3, seen_at = $4 \
             WHERE token_hash = $1",
        )
        .bind(&l.token_hash)
        .bind(ticket.id.0)
        .bind(contact_id.0)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Created {
        ticket,
        replayed: false,
    })
}

pub(crate) async fn message_by_key(
    pool: &DbPool,
    ticket: TicketId,
    dedupe_key: String,
) -> StoreResult<Option<Message>> {
    let row = sqlx::query("SELECT * FROM messages WHERE ticket_id = $1 AND dedupe_key = $2")
        .bind(ticket.0)
        .bind(&dedupe_key)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(message_from_row).transpose()
}

pub(crate) async fn ticket_site(pool: &DbPool, ticket: TicketId) -> StoreResult<Option<SiteId>> {
    let row = sqlx::query("SELECT site_id FROM tickets WHERE id = $1")
        .bind(ticket.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>(0).map_err(db_err))
        .transpose()?
        .flatten()
        .map(SiteId))
}

pub(crate) async fn ticket_visitor(
    pool: &DbPool,
    ticket: TicketId,
) -> StoreResult<Option<Visitor>> {
    let row = sqlx::query(
        "SELECT * FROM widget_visitors WHERE ticket_id = $1 ORDER BY seen_at DESC LIMIT 1",
    )
    .bind(ticket.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    row.as_ref().map(visitor_from_row).transpose()
}

pub(crate) async fn save_widget_upload(
    pool: &DbPool,
    token_hash: String,
    meta: AttachmentMeta,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "INSERT INTO widget_uploads (token_hash, sha256, filename, content_type, size, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (token_hash, sha256) DO NOTHING",
    )
    .bind(&token_hash)
    .bind(&meta.sha256)
    .bind(&meta.filename)
    .bind(&meta.content_type)
    .bind(meta.size)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .map_err(db_err_ref)?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn widget_uploads(
    pool: &DbPool,
    token_hash: String,
    sha256s: Vec<String>,
) -> StoreResult<Vec<AttachmentMeta>> {
    let rows = sqlx::query(
        "SELECT u.sha256, u.filename, u.content_type, u.size, \
         (SELECT COUNT(*) FROM attachment_blobs b WHERE b.sha256 = u.sha256) AS stored \
         FROM widget_uploads u WHERE u.token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    let mut all = Vec::with_capacity(rows.len());
    for r in &rows {
        let stored: i64 = r.try_get("stored").map_err(db_err)?;
        all.push(AttachmentMeta {
            filename: r.try_get("filename").map_err(db_err)?,
            content_type: r.try_get("content_type").map_err(db_err)?,
            size: r.try_get("size").map_err(db_err)?,
            sha256: r.try_get("sha256").map_err(db_err)?,
            stored: stored > 0,
            inline: false,
        });
    }
    Ok(sha256s
        .iter()
        .filter_map(|s| all.iter().find(|m| &m.sha256 == s).cloned())
        .collect())
}

/// Whether storing `m` on widget ticket `t` delivers it by email: an outbound public message
/// of a widget ticket whose contact has an email address (an anonymous chat visitor has
/// none, so their conversation stays in the widget).
pub(super) async fn emails_reply(c: &mut Conn, t: &Ticket, m: &MessageDraft) -> StoreResult<bool> {
    if t.channel != Channel::Widget
        || m.direction != Direction::Outbound
        || m.visibility != Visibility::Public
    {
        return Ok(false);
    }
    let row = sqlx::query(
        "SELECT COUNT(*) FROM contact_handles WHERE contact_id = $1 AND kind = 'email'",
    )
    .bind(t.contact_id.0)
    .fetch_one(&mut *c)
    .await
    .map_err(db_err)?;
    let n: i64 = row.try_get(0).map_err(db_err)?;
    Ok(n > 0)
}
