//! The issue 6 (point 1b) group-visibility queries: which groups are restricted, and whether
//! an attachment is held by a ticket an agent may see.
//!
//! Compiled as a child of `ops.rs` (once per dialect) and re-exported from it. The queue's
//! and search's `group_id NOT IN (…)` filters live with those queries (`ops.rs`,
//! `search.rs`) and are added only when an agent has hidden groups, so with no restricted
//! group their SQL is unchanged.
//!
//! Invariants: `groups.restricted` is the only stored fact; marking an unknown group is
//! `NotFound`; only placeholders are formatted into SQL text, every value is bound.

use super::super::super::db_err;
use super::{DbPool, begin, reader};
use lossless::ids::{GroupId, MessageId, TicketId};
use lossless::ports::{StoreError, StoreResult};

pub(crate) async fn restricted_groups(pool: &DbPool) -> StoreResult<Vec<GroupId>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM groups WHERE restricted ORDER BY id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    Ok(ids.into_iter().map(GroupId).collect())
}

pub(crate) async fn set_group_restricted(
    pool: &DbPool,
    group: GroupId,
    restricted: bool,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = sqlx::query("UPDATE groups SET restricted = $2 WHERE id = $1")
        .bind(group.0)
        .bind(restricted)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    if done.rows_affected() != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn message_ticket(
    pool: &DbPool,
    message: MessageId,
) -> StoreResult<Option<TicketId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT ticket_id FROM messages WHERE id = $1")
        .bind(message.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    Ok(id.map(TicketId))
}

/// `$from, $from+1, …` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) async fn attachment_seen_outside(
    pool: &DbPool,
    sha256: String,
    hidden: Vec<GroupId>,
) -> StoreResult<bool> {
    // Stored attachment metadata is JSON text holding the hex sha-256; hex has no LIKE
    // wildcards.
    let pattern = format!("%{sha256}%");
    if hidden.is_empty() {
        return Ok(true);
    }
    let list = placeholders(2, hidden.len());
    // Cheap first: tickets of the hidden groups (their group index, then each one's
    // messages). An attachment none of them holds is not theirs to hide.
    let in_hidden = format!(
        "SELECT 1 FROM tickets t JOIN messages m ON m.ticket_id = t.id \
         WHERE t.group_id IN ({list}) AND m.attachments LIKE $1 LIMIT 1"
    );
    let mut q = sqlx::query_scalar::<_, i32>(sqlx::AssertSqlSafe(in_hidden)).bind(&pattern);
    for g in &hidden {
        q = q.bind(g.0);
    }
    if q.fetch_optional(reader(pool))
        .await
        .map_err(db_err)?
        .is_none()
    {
        return Ok(true);
    }
    let outside = format!(
        "SELECT 1 FROM messages m JOIN tickets t ON t.id = m.ticket_id \
         WHERE (t.group_id IS NULL OR t.group_id NOT IN ({list})) \
         AND m.attachments LIKE $1 LIMIT 1"
    );
    let mut q = sqlx::query_scalar::<_, i32>(sqlx::AssertSqlSafe(outside)).bind(&pattern);
    for g in &hidden {
        q = q.bind(g.0);
    }
    Ok(q.fetch_optional(reader(pool))
        .await
        .map_err(db_err)?
        .is_some())
}
