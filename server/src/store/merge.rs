//! The issue 6 (point 4) queries of the store: merging tickets and "related" links.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect) and re-exported from it; it
//! uses the same row helpers, compare-and-set update, message, history and job writers.
//!
//! Invariants kept here:
//! - a merge is one transaction: the target and every source compare-and-set on their
//!   versions (any stale one refuses everything with `Conflict`), a source gets one
//!   `ticket_merges` row (its primary key: merged at most once), and every message of a
//!   source moves to the target by changing its `ticket_id` — rows are moved, never copied,
//!   so nothing is lost or duplicated; body, HTML view, attachments (the JSON on the row,
//!   blobs are content-addressed), visibility, author and time stay as they were, and the
//!   thread's `ORDER BY created_at, id` interleaves them in time order;
//! - a moved message's dedupe key gets the prefix `merged:<source id>:` so the target's own
//!   keys (e.g. its acknowledgement) never collide;
//! - what hangs on a moved message follows it: its Message-IDs (`email_ids`, so a
//!   customer's reply to an old mail threads into the target), its intake receipts and, on
//!   PostgreSQL, the `ticket_id` copy in `search_messages` (SQLite's index joins `messages`);
//!   the source's Cc participants are added to the target's; the `deliver_email` job of a
//!   moved reply still waiting for delivery is rewritten to name the target;
//! - the notice to the customer is inserted last (after the moved messages) through the same
//!   path as any public reply: an email ticket's notice is marked `pending` and gets its
//!   `deliver_email` job in the same transaction;
//! - a link is stored once as `(a, b)` with `a < b`; adding or removing it writes a history
//!   row on both tickets in the same transaction; links never bump a ticket's version.

use super::super::super::{db_err, db_err_ref};
use super::search::sqlite;
use super::{Conn, DbPool, DbRow, begin, cas_update_ticket, codec, reader, ticket_from_row};
use super::{insert_history, insert_jobs, insert_message};
use chrono::{DateTime, Utc};
use lossless::actor::ActorRef;
use lossless::email::outbound;
use lossless::ids::{MessageId, TicketId};
use lossless::job::NewJob;
use lossless::merge::{MergePlan, RelatedTicket, Relations};
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::ticket::{Ticket, TicketEvent};
use sqlx::Row as _;

/// [`cas_update_ticket`] that tells a stale version (`Conflict`) from a missing ticket.
async fn cas_or_refuse(c: &mut Conn, t: &Ticket, expected: i64) -> StoreResult<Ticket> {
    if let Some(stored) = cas_update_ticket(&mut *c, t, expected).await? {
        return Ok(stored);
    }
    let exists = sqlx::query("SELECT id FROM tickets WHERE id = $1")
        .bind(t.id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
    Err(if exists.is_some() {
        StoreError::Conflict
    } else {
        StoreError::NotFound
    })
}

/// Moves everything of `source`'s thread to `target` (see the module doc).
async fn move_thread(
    c: &mut Conn,
    source: TicketId,
    target: TicketId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let exec = |sql: &'static str| sqlx::query(sql).bind(target.0).bind(source.0);
    // Replies still waiting for their email delivery: their job now names the target (a
    // run that read the old payload fails, is retried and reads this one).
    let pending: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE ticket_id = $1 AND delivery = 'pending'")
            .bind(source.0)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
    for id in pending {
        let job = outbound::deliver_job(target, MessageId(id), now);
        sqlx::query("UPDATE jobs SET payload = $1 WHERE key = $2 AND status <> 'done'")
            .bind(codec::to_json(&job.kind)?)
            .bind(&job.key)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
    }
    sqlx::query(
        "UPDATE messages SET ticket_id = $1, \
         dedupe_key = CASE WHEN dedupe_key IS NULL THEN NULL ELSE $3 || dedupe_key END \
         WHERE ticket_id = $2",
    )
    .bind(target.0)
    .bind(source.0)
    .bind(format!("merged:{source}:"))
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    exec("UPDATE email_ids SET ticket_id = $1 WHERE ticket_id = $2")
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    exec(
        "UPDATE email_receipts SET ticket_id = $1 WHERE ticket_id = $2 AND message_id IS NOT NULL",
    )
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    exec(
        "INSERT INTO ticket_participants (ticket_id, address) \
         SELECT $1, address FROM ticket_participants WHERE ticket_id = $2 \
         ON CONFLICT (ticket_id, address) DO NOTHING",
    )
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    if !sqlite() {
        exec("UPDATE search_messages SET ticket_id = $1 WHERE ticket_id = $2")
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn merge_tickets(
    pool: &DbPool,
    plan: MergePlan,
    actor: ActorRef,
    jobs: Vec<NewJob>,
    now: DateTime<Utc>,
) -> StoreResult<Ticket> {
    let now = to_micros(now);
    let (actor_kind, actor_id) = codec::actor_parts(actor);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let target = cas_or_refuse(&mut tx, &plan.target, plan.target_version).await?;
    let mut jobs = jobs;
    for s in &plan.sources {
        let stored = cas_or_refuse(&mut tx, &s.after, s.expected_version).await?;
        let marked = sqlx::query(
            "INSERT INTO ticket_merges (source_id, target_id, actor_kind, actor_id, merged_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id) DO NOTHING RETURNING source_id",
        )
        .bind(stored.id.0)
        .bind(target.id.0)
        .bind(actor_kind)
        .bind(actor_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err_ref)?;
        if marked.is_none() {
            // Merged by someone else in the meantime.
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Conflict);
        }
        move_thread(&mut tx, stored.id, target.id, now).await?;
        insert_history(&mut tx, stored.id, actor, &s.events, now).await?;
    }
    if let Some(id) = insert_message(&mut tx, target.id, &plan.notice, now).await?
        && outbound::delivers_by_email(&target, &plan.notice)
    {
        sqlx::query("UPDATE messages SET delivery = 'pending' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        jobs.push(outbound::deliver_job(target.id, MessageId(id), now));
    }
    insert_history(&mut tx, target.id, actor, &plan.target_events, now).await?;
    insert_jobs(&mut tx, &jobs).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(target)
}

pub(crate) async fn merged_into(pool: &DbPool, ticket: TicketId) -> StoreResult<Option<TicketId>> {
    let row = sqlx::query("SELECT target_id FROM ticket_merges WHERE source_id = $1")
        .bind(ticket.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.map(|r| r.try_get("target_id").map(TicketId).map_err(db_err))
        .transpose()
}

fn related(r: &DbRow) -> StoreResult<RelatedTicket> {
    Ok(RelatedTicket::of(&ticket_from_row(r)?))
}

pub(crate) async fn ticket_relations(pool: &DbPool, ticket: TicketId) -> StoreResult<Relations> {
    let into = sqlx::query(
        "SELECT t.* FROM ticket_merges m JOIN tickets t ON t.id = m.target_id \
         WHERE m.source_id = $1",
    )
    .bind(ticket.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    let from = sqlx::query(
        "SELECT t.* FROM ticket_merges m JOIN tickets t ON t.id = m.source_id \
         WHERE m.target_id = $1 ORDER BY m.merged_at, m.source_id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    let links = sqlx::query(
        "SELECT t.* FROM ticket_links l JOIN tickets t \
         ON t.id = CASE WHEN l.a_id = $1 THEN l.b_id ELSE l.a_id END \
         WHERE l.a_id = $1 OR l.b_id = $1 ORDER BY t.number_seq",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(Relations {
        merged_into: into.as_ref().map(related).transpose()?,
        merged_from: from.iter().map(related).collect::<StoreResult<_>>()?,
        links: links.iter().map(related).collect::<StoreResult<_>>()?,
    })
}

/// History rows for a link change, on both tickets.
async fn link_history(
    c: &mut Conn,
    a: &Ticket,
    b: &Ticket,
    actor: ActorRef,
    linked: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for (this, other) in [(a, b), (b, a)] {
        let (ticket, number) = (other.id, other.number.clone());
        let ev = if linked {
            TicketEvent::Linked { ticket, number }
        } else {
            TicketEvent::Unlinked { ticket, number }
        };
        insert_history(&mut *c, this.id, actor, &[ev], now).await?;
    }
    Ok(())
}

pub(crate) async fn link_tickets(
    pool: &DbPool,
    a: Ticket,
    b: Ticket,
    actor: ActorRef,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "INSERT INTO ticket_links (a_id, b_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (a_id, b_id) DO NOTHING RETURNING a_id",
    )
    .bind(a.id.0)
    .bind(b.id.0)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err_ref)?;
    if row.is_none() {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::Duplicate("ticket"));
    }
    link_history(&mut tx, &a, &b, actor, true, now).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(crate) async fn unlink_tickets(
    pool: &DbPool,
    a: Ticket,
    b: Ticket,
    actor: ActorRef,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = sqlx::query("DELETE FROM ticket_links WHERE a_id = $1 AND b_id = $2")
        .bind(a.id.0)
        .bind(b.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if done != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    link_history(&mut tx, &a, &b, actor, false, now).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}
