//! The issue 6 queries of the store: who has a ticket open and who types on it
//! (`ticket_viewers`, one row per ticket and agent), for collision detection.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same pools and transactions.
//!
//! Invariants kept here:
//! - a report is one transaction: it deletes every row that expired by its `now` (so the
//!   table holds only the viewers of the last [`VIEWER_TTL_SECS`], whatever pages vanished
//!   without saying so), reads the agent's row (locked on PostgreSQL), applies the core's
//!   [`ViewerRecord::next`] and upserts or deletes the row; what it returns is exactly what
//!   it read and wrote;
//! - the rows are shared by every node on the database, which is what makes the viewers
//!   the same whichever node a page talks to; the live hint about them goes out from the
//!   service after commit;
//! - a report about a missing ticket or agent is `NotFound` (foreign keys), except `Left`,
//!   which only deletes;
//! - every time written is truncated to microseconds.

use super::super::super::{db_err, db_err_ref};
use super::super::FOR_UPDATE;
use super::{DbPool, DbRow, begin, reader};
use chrono::{DateTime, Duration, Utc};
use lossless::ids::{AgentId, TicketId};
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::viewers::{Draft, Typing, VIEWER_TTL_SECS, ViewerChange, ViewerRecord, ViewerReport};
use sqlx::Row as _;

const COLUMNS: &str = "v.ticket_id, v.agent_id, v.typing, v.typing_at, v.seen_at";

/// A viewer row (`COLUMNS`); `None` for the all-`NULL` side of a `LEFT JOIN`.
fn record_from_row(r: &DbRow) -> StoreResult<Option<(TicketId, ViewerRecord)>> {
    let Some(agent) = r.try_get::<Option<i64>, _>("agent_id").map_err(db_err)? else {
        return Ok(None);
    };
    let ticket: i64 = r.try_get("ticket_id").map_err(db_err)?;
    let typing: Option<String> = r.try_get("typing").map_err(db_err)?;
    let typing_at: Option<DateTime<Utc>> = r.try_get("typing_at").map_err(db_err)?;
    let typing = match (typing, typing_at) {
        (Some(d), Some(at)) => Some(Typing {
            draft: Draft::parse(&d)
                .ok_or_else(|| StoreError::Backend(format!("corrupt row: bad typing {d:?}")))?,
            at,
        }),
        _ => None,
    };
    Ok(Some((
        TicketId(ticket),
        ViewerRecord {
            agent: AgentId(agent),
            seen_at: r.try_get("seen_at").map_err(db_err)?,
            typing,
        },
    )))
}

pub(crate) async fn report_viewer(
    pool: &DbPool,
    ticket: TicketId,
    agent: AgentId,
    report: ViewerReport,
    now: DateTime<Utc>,
) -> StoreResult<ViewerChange> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    // Expired rows go first: a stale row of this agent is then no row (as the core counts
    // it), and nobody's vanished tab lingers in the table.
    sqlx::query("DELETE FROM ticket_viewers WHERE seen_at <= $1")
        .bind(now - Duration::seconds(VIEWER_TTL_SECS))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let before = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ticket_viewers v \
         WHERE v.ticket_id = $1 AND v.agent_id = $2{FOR_UPDATE}"
    )))
    .bind(ticket.0)
    .bind(agent.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?
    .map(|r| record_from_row(&r))
    .transpose()?
    .flatten()
    .map(|(_, rec)| rec);
    let after = ViewerRecord::next(before.as_ref(), agent, report, now);
    match &after {
        None => {
            sqlx::query("DELETE FROM ticket_viewers WHERE ticket_id = $1 AND agent_id = $2")
                .bind(ticket.0)
                .bind(agent.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        Some(rec) => {
            sqlx::query(
                "INSERT INTO ticket_viewers (ticket_id, agent_id, typing, typing_at, seen_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (ticket_id, agent_id) DO UPDATE SET typing = excluded.typing, \
                 typing_at = excluded.typing_at, seen_at = excluded.seen_at",
            )
            .bind(ticket.0)
            .bind(agent.0)
            .bind(rec.typing.map(|t| t.draft.as_str()))
            .bind(rec.typing.map(|t| to_micros(t.at)))
            .bind(to_micros(rec.seen_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err_ref)?;
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(ViewerChange { before, after })
}

pub(crate) async fn ticket_viewers(
    pool: &DbPool,
    ticket: TicketId,
) -> StoreResult<Vec<ViewerRecord>> {
    // One query answers both "is there such a ticket" (no row) and "who views it".
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.id AS tid, {COLUMNS} FROM tickets t \
         LEFT JOIN ticket_viewers v ON v.ticket_id = t.id \
         WHERE t.id = $1 ORDER BY v.agent_id"
    )))
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    let mut out = Vec::new();
    for r in &rows {
        if let Some((_, rec)) = record_from_row(r)? {
            out.push(rec);
        }
    }
    Ok(out)
}

pub(crate) async fn viewers_of(
    pool: &DbPool,
    tickets: Vec<TicketId>,
) -> StoreResult<Vec<(TicketId, ViewerRecord)>> {
    let mut out = Vec::new();
    for chunk in tickets.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        // Only placeholders are formatted into the text; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM ticket_viewers v WHERE v.ticket_id IN ({})",
            list.join(", ")
        )));
        for id in chunk {
            q = q.bind(id.0);
        }
        for r in q.fetch_all(reader(pool)).await.map_err(db_err)? {
            if let Some(pair) = record_from_row(&r)? {
                out.push(pair);
            }
        }
    }
    out.sort_by_key(|(t, r)| (*t, r.agent));
    out.dedup_by_key(|(t, r)| (*t, r.agent));
    Ok(out)
}
