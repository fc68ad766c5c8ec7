//! The issue 6 queries of the store: the manager dashboard's figures — the working set
//! (tickets new, open or pending) counted by status, group and assignee, the oldest
//! unassigned tickets, and the tickets whose SLA is breached or due soon.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers and pools.
//!
//! Invariants kept here (they keep the dashboard instant at a million tickets):
//! - no query loads tickets to count them, and the number of queries never depends on how
//!   many agents, groups or tickets there are: the counts are one `COUNT`/`MIN … GROUP BY`
//!   over the working set that reads only the covering partial index `tickets_board_idx`
//!   (migration 0015), so its cost grows with the working set, never with the history of
//!   resolved and closed tickets;
//! - every list walks one index in its own order and stops at its limit: unassigned tickets
//!   along `tickets_unassigned_idx` (PostgreSQL) / `tickets_working_assignee_idx` (SQLite),
//!   breached records along `ticket_sla_breached_idx`, deadlines along `ticket_sla_due_idx`;
//!   the SLA lists start from `ticket_sla` (`CROSS JOIN`, which SQLite takes as the join
//!   order and PostgreSQL plans freely) and look each candidate ticket up by id;
//! - the working-set predicate is written as the literal `status IN ('new', 'open',
//!   'pending')` the partial indexes are declared with (a bound parameter would not prove
//!   the index's condition to SQLite's planner); only the limit and times are bound.

use super::super::super::db_err;
use super::{DbPool, DbRow, reader, sla_badge_from_row, ticket_from_row};
use lossless::ids::{AgentId, GroupId};
use lossless::ports::{BoardList, LoadCell, QueueRow, StoreError, StoreResult, to_micros};
use lossless::ticket::Status;
use sqlx::Row as _;

/// The counts of the working set per (status, group, assignee); reads `tickets_board_idx`.
const LOAD_SQL: &str = "SELECT status, group_id, assignee_id, COUNT(*) AS tickets, \
     MIN(updated_at) AS oldest_change FROM tickets \
     WHERE status IN ('new', 'open', 'pending') \
     GROUP BY status, group_id, assignee_id";

/// The columns of a dashboard row: the ticket, its contact's name and its SLA badge (the
/// same names `queue` reads, so the same row helpers apply).
macro_rules! row_columns {
    () => {
        "SELECT t.*, c.name AS contact_name, s.ticket_id AS sla_ticket_id, \
         s.due_at AS sla_due_at, s.breached AS sla_breached, s.paused AS sla_paused, \
         s.warned AS sla_warned "
    };
}

/// Unassigned working-set tickets, oldest first.
const UNASSIGNED_SQL: &str = concat!(
    row_columns!(),
    "FROM tickets t JOIN contacts c ON c.id = t.contact_id \
     LEFT JOIN ticket_sla s ON s.ticket_id = t.id \
     WHERE t.assignee_id IS NULL AND t.status IN ('new', 'open', 'pending') \
     ORDER BY t.created_at, t.id LIMIT $1"
);

/// Working-set tickets with a breached running clock, by ticket id.
const BREACHED_SQL: &str = concat!(
    row_columns!(),
    "FROM ticket_sla s CROSS JOIN tickets t JOIN contacts c ON c.id = t.contact_id \
     WHERE t.id = s.ticket_id AND s.breached AND t.status IN ('new', 'open', 'pending') \
     ORDER BY s.ticket_id LIMIT $1"
);

/// Working-set tickets not breached whose earliest running deadline is before `$1`, nearest
/// first.
const DUE_SQL: &str = concat!(
    row_columns!(),
    "FROM ticket_sla s CROSS JOIN tickets t JOIN contacts c ON c.id = t.contact_id \
     WHERE t.id = s.ticket_id AND NOT s.breached AND s.due_at < $1 \
     AND t.status IN ('new', 'open', 'pending') \
     ORDER BY s.due_at, s.ticket_id LIMIT $2"
);

fn load_cell(r: &DbRow) -> StoreResult<LoadCell> {
    let status: String = r.try_get("status").map_err(db_err)?;
    Ok(LoadCell {
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("corrupt row: bad status {status:?}")))?,
        group: r
            .try_get::<Option<i64>, _>("group_id")
            .map_err(db_err)?
            .map(GroupId),
        assignee: r
            .try_get::<Option<i64>, _>("assignee_id")
            .map_err(db_err)?
            .map(AgentId),
        tickets: r.try_get("tickets").map_err(db_err)?,
        oldest_change: r.try_get("oldest_change").map_err(db_err)?,
    })
}

pub(crate) async fn board_load(pool: &DbPool) -> StoreResult<Vec<LoadCell>> {
    let rows = sqlx::query(LOAD_SQL)
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    let mut cells = rows
        .iter()
        .map(load_cell)
        .collect::<StoreResult<Vec<_>>>()?;
    // Sorted here rather than in SQL: the databases order NULLs differently.
    cells.sort_by_key(|c| (c.status, c.group, c.assignee));
    Ok(cells)
}

pub(crate) async fn board_tickets(
    pool: &DbPool,
    list: BoardList,
    limit: i64,
) -> StoreResult<Vec<QueueRow>> {
    let limit = limit.max(0);
    let q = match list {
        BoardList::Unassigned => sqlx::query(UNASSIGNED_SQL).bind(limit),
        BoardList::Breached => sqlx::query(BREACHED_SQL).bind(limit),
        BoardList::DueBefore { until } => sqlx::query(DUE_SQL).bind(to_micros(until)).bind(limit),
    };
    let rows = q.fetch_all(reader(pool)).await.map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(QueueRow {
                ticket: ticket_from_row(r)?,
                contact_name: r.try_get("contact_name").map_err(db_err)?,
                sla: sla_badge_from_row(r)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::super::{FOR_UPDATE, MIGRATIONS};
    use super::*;

    /// SQLite's plan of `sql` on a migrated, empty database: SQLite plans without
    /// statistics exactly as on a large database the store never ran `ANALYZE` on.
    async fn sqlite_plan(sql: &str) -> String {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        super::super::super::super::migrator(MIGRATIONS)
            .run(&pool)
            .await
            .unwrap();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .bind(0_i64)
            .bind(0_i64)
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The dashboard stays instant at a million tickets only if each query walks its index
    /// (no full scan, no sort of the candidates); the SQLite build checks the plans.
    #[tokio::test]
    async fn every_dashboard_query_walks_its_index_on_sqlite() {
        if !FOR_UPDATE.is_empty() {
            return; // The PostgreSQL build of this module: its plans depend on statistics.
        }
        let load = sqlite_plan(LOAD_SQL).await;
        assert!(load.contains("COVERING INDEX tickets_board_idx"), "{load}");
        assert!(!load.contains("TEMP B-TREE"), "{load}");
        for (sql, index) in [
            (UNASSIGNED_SQL, "tickets_working_assignee_idx"),
            (BREACHED_SQL, "ticket_sla_breached_idx"),
            (DUE_SQL, "ticket_sla_due_idx"),
        ] {
            let plan = sqlite_plan(sql).await;
            let first = plan.lines().next().unwrap_or_default();
            assert!(first.contains(index), "{index}:\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{index}:\n{plan}");
            assert!(
                !plan
                    .lines()
                    .any(|l| l.starts_with("SCAN ") && !l.contains(" USING ")),
                "a full table scan in {index}:\n{plan}"
            );
        }
    }
}
