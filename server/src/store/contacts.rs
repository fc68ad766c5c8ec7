//! The issue 6 contact queries of the store: the full profile (contact, profile, notes), a
//! contact's tickets across channels, editing a contact with its handles, and merging a
//! duplicate contact into another.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers, pools, transactions, history writer and
//! search index writer.
//!
//! What references a contact (all of it is kept right by [`merge_contacts`]):
//! - `tickets.contact_id` (foreign key, no cascade: a contact with tickets cannot be deleted
//!   by accident) — moved to the target, version bumped, a history row each;
//! - `contact_handles.contact_id` (cascade) — moved, so intake on any of the source's handles
//!   finds the target from the commit on;
//! - `search_contacts` (rowid / `contact_id`) — the source's entry deleted, the target
//!   reindexed with its new handles;
//! - `messages.author_id` and `history.actor_id` of kind `contact` (no foreign key) —
//!   rewritten to the target, so authorship never names a contact that is gone;
//! - rule conditions naming the contact (JSON in `rules.condition`) — rewritten by the core
//!   and stored here;
//! - portal tokens belong to tickets, not contacts, so a customer's links keep working.
//!
//! Invariants kept here:
//! - an edit or a merge is one transaction; a handle another contact owns fails the edit
//!   with `Duplicate("handles")` before anything is written (the unique index on
//!   `(kind, value)` catches a concurrent owner);
//! - on PostgreSQL both contacts of a merge are locked (`FOR UPDATE`, lower id first) so
//!   concurrent merges or edits of them serialise; SQLite writers are serial anyway.

use super::super::super::{db_err, db_err_dup};
use super::super::FOR_UPDATE;
use super::{Conn, DbPool, begin, codec, insert_history, reader, search, ticket_from_row};
use lossless::contact::{
    ContactCard, ContactEdit, ContactMerge, ContactProfile, ContactTickets, Handle,
};
use lossless::ids::ContactId;
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::ticket::{Ticket, TicketEvent};
use sqlx::Row as _;

/// A profile name as stored: trimmed, empty as `None`.
fn name_or_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(crate) async fn contact_card(pool: &DbPool, id: ContactId) -> StoreResult<Option<ContactCard>> {
    let Some(contact) = super::contact(pool, id).await? else {
        return Ok(None);
    };
    let Some(row) =
        sqlx::query("SELECT organisation, vip, region, notes FROM contacts WHERE id = $1")
            .bind(id.0)
            .fetch_optional(reader(pool))
            .await
            .map_err(db_err)?
    else {
        return Ok(None);
    };
    Ok(Some(ContactCard {
        contact,
        profile: ContactProfile {
            organisation: row.try_get("organisation").map_err(db_err)?,
            vip: row.try_get("vip").map_err(db_err)?,
            region: row.try_get("region").map_err(db_err)?,
        },
        notes: row.try_get("notes").map_err(db_err)?,
    }))
}

pub(crate) async fn contact_tickets(
    pool: &DbPool,
    id: ContactId,
    limit: i64,
) -> StoreResult<ContactTickets> {
    let rows = sqlx::query(
        "SELECT * FROM tickets WHERE contact_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2",
    )
    .bind(id.0)
    .bind(limit.max(0))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    let tickets = rows
        .iter()
        .map(ticket_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    let counts = sqlx::query(
        "SELECT COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN status IN ('new', 'open', 'pending') THEN 1 ELSE 0 END), 0) \
         AS open FROM tickets WHERE contact_id = $1",
    )
    .bind(id.0)
    .fetch_one(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(ContactTickets {
        tickets,
        open: counts.try_get("open").map_err(db_err)?,
        total: counts.try_get("total").map_err(db_err)?,
    })
}

/// A contact other than `me` owning a handle, if any — as intake finds it: the normalized
/// value, an email address in any letter case (see `lossless::contact`).
async fn other_owner_of(c: &mut Conn, h: &Handle, me: ContactId) -> StoreResult<Option<i64>> {
    let sql = if matches!(h, Handle::Email(_)) {
        "SELECT contact_id FROM contact_handles \
         WHERE kind = $1 AND lower(value) = lower($2) AND contact_id <> $3 LIMIT 1"
    } else {
        "SELECT contact_id FROM contact_handles \
         WHERE kind = $1 AND value = $2 AND contact_id <> $3 LIMIT 1"
    };
    sqlx::query_scalar(sql)
        .bind(h.kind())
        .bind(h.value())
        .bind(me.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)
}

/// Locks a contact row for the rest of the transaction (PostgreSQL); `NotFound` when gone.
async fn lock_contact(c: &mut Conn, id: ContactId) -> StoreResult<String> {
    let name: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM contacts WHERE id = $1{FOR_UPDATE}"
    )))
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)?;
    name.ok_or(StoreError::NotFound)
}

/// Writes name, profile and notes of a contact.
async fn write_fields(
    c: &mut Conn,
    id: ContactId,
    name: &str,
    p: &ContactProfile,
    notes: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE contacts SET name = $2, organisation = $3, vip = $4, region = $5, notes = $6 \
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(name.trim())
    .bind(name_or_none(p.organisation.clone()))
    .bind(p.vip)
    .bind(name_or_none(p.region.clone()))
    .bind(notes)
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn save_contact(
    pool: &DbPool,
    id: ContactId,
    edit: ContactEdit,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    lock_contact(&mut tx, id).await?;
    for h in &edit.handles {
        if other_owner_of(&mut tx, h, id).await?.is_some() {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Duplicate("handles"));
        }
    }
    write_fields(&mut tx, id, &edit.name, &edit.profile, &edit.notes).await?;
    let rows = sqlx::query("SELECT id, kind, value FROM contact_handles WHERE contact_id = $1")
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut kept = Vec::new();
    for r in &rows {
        let row_id: i64 = r.try_get("id").map_err(db_err)?;
        let kind: String = r.try_get("kind").map_err(db_err)?;
        let value: String = r.try_get("value").map_err(db_err)?;
        let h = codec::handle(&kind, &value)?;
        if edit.handles.contains(&h) {
            kept.push(h);
        } else {
            sqlx::query("DELETE FROM contact_handles WHERE id = $1")
                .bind(row_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
    }
    for h in edit.handles.iter().filter(|h| !kept.contains(h)) {
        sqlx::query("INSERT INTO contact_handles (contact_id, kind, value) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(h.kind())
            .bind(h.value())
            .execute(&mut *tx)
            .await
            .map_err(db_err_dup("handles"))?;
    }
    search::index_contact(&mut tx, id).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(crate) async fn merge_contacts(pool: &DbPool, m: ContactMerge) -> StoreResult<Vec<Ticket>> {
    if m.source == m.target {
        return Err(StoreError::Conflict);
    }
    let now = to_micros(m.now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    // Lower id first, so two merges of the same pair cannot deadlock.
    let (first, second) = if m.source.0 < m.target.0 {
        (m.source, m.target)
    } else {
        (m.target, m.source)
    };
    let a = lock_contact(&mut tx, first).await?;
    let b = lock_contact(&mut tx, second).await?;
    let source_name = if first == m.source { a } else { b };

    // Tickets: the contact changes, so the version moves (stale writes get a conflict).
    let rows = sqlx::query(
        "UPDATE tickets SET contact_id = $2, version = version + 1 WHERE contact_id = $1 \
         RETURNING *",
    )
    .bind(m.source.0)
    .bind(m.target.0)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let mut moved = rows
        .iter()
        .map(ticket_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    moved.sort_by_key(|t| t.id);
    let event = [TicketEvent::ContactMerged {
        from: m.source,
        from_name: source_name,
        into: m.target,
    }];
    for t in &moved {
        insert_history(&mut tx, t.id, m.actor, &event, now).await?;
    }

    // Handles: intake on any of them finds the target from the commit on.
    sqlx::query("UPDATE contact_handles SET contact_id = $2 WHERE contact_id = $1")
        .bind(m.source.0)
        .bind(m.target.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;

    // Authorship of messages and history rows (no foreign key to contacts).
    for sql in [
        "UPDATE messages SET author_id = $2 WHERE author_kind = 'contact' AND author_id = $1",
        "UPDATE history SET actor_id = $2 WHERE actor_kind = 'contact' AND actor_id = $1",
    ] {
        sqlx::query(sql)
            .bind(m.source.0)
            .bind(m.target.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }

    // Rules that named the source (the core rewrote their conditions).
    for (rule, condition) in &m.rules {
        sqlx::query("UPDATE rules SET condition = $2, updated_at = $3 WHERE id = $1")
            .bind(rule.0)
            .bind(codec::to_json(condition)?)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }

    write_fields(&mut tx, m.target, &m.name, &m.profile, &m.notes).await?;

    // The source goes, with its search entry (PostgreSQL cascades; FTS5 needs a delete).
    if <super::Db as sqlx::Database>::NAME == "SQLite" {
        sqlx::query("DELETE FROM search_contacts WHERE rowid = $1")
            .bind(m.source.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(m.source.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    search::index_contact(&mut tx, m.target).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(moved)
}
