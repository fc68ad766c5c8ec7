//! PostgreSQL dialect: connecting, migrations (sqlx takes an advisory lock, so several
//! nodes may start at once), transactions, the ticket number and assignment sequences and
//! job claiming with `FOR UPDATE SKIP LOCKED`. The business queries come from the shared `ops.rs`,
//! compiled here as [`ops`].
//!
//! Invariants: ticket numbers come from `ticket_number_seq` (never reused); concurrent
//! claimers lock disjoint job rows, and a row another node claimed meanwhile is re-checked
//! against the claim condition before it is updated, so no job is claimed twice.

use self::ops::job_from_row;
use super::db_err;
use chrono::{DateTime, Utc};
use lossless::job::Job;
use lossless::ports::{StoreError, StoreResult};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Row as _, Transaction};

/// The database the shared queries run on here.
type Db = sqlx::Postgres;

/// The shared business queries, compiled for this dialect.
// Deliberately loaded once per dialect: that is how each query is written only once.
#[allow(clippy::duplicate_mod)]
#[path = "ops.rs"]
pub(crate) mod ops;

/// Migrations, in order. Never edit one that was released; append.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "email",
        include_str!("../../migrations/postgres/0002_email.sql"),
    ),
    (
        3,
        "settings_leases",
        include_str!("../../migrations/postgres/0003_settings_leases.sql"),
    ),
    (
        4,
        "outbound",
        include_str!("../../migrations/postgres/0004_outbound.sql"),
    ),
    (
        5,
        "arrivals",
        include_str!("../../migrations/postgres/0005_arrivals.sql"),
    ),
    (
        6,
        "mailbox_admin",
        include_str!("../../migrations/postgres/0006_mailbox_admin.sql"),
    ),
    (
        7,
        "arrivals_unique",
        include_str!("../../migrations/postgres/0007_arrivals_unique.sql"),
    ),
    (
        8,
        "attachments",
        include_str!("../../migrations/postgres/0008_attachments.sql"),
    ),
    (
        9,
        "rules",
        include_str!("../../migrations/postgres/0009_rules.sql"),
    ),
    (
        10,
        "custom_fields",
        include_str!("../../migrations/postgres/0010_custom_fields.sql"),
    ),
    (
        11,
        "sla",
        include_str!("../../migrations/postgres/0011_sla.sql"),
    ),
    (
        12,
        "canned",
        include_str!("../../migrations/postgres/0012_canned.sql"),
    ),
    (
        13,
        "search",
        include_str!("../../migrations/postgres/0013_search.sql"),
    ),
    (
        14,
        "ticket_viewers",
        include_str!("../../migrations/postgres/0014_ticket_viewers.sql"),
    ),
    (
        15,
        "board",
        include_str!("../../migrations/postgres/0015_board.sql"),
    ),
    (
        16,
        "alerts",
        include_str!("../../migrations/postgres/0016_alerts.sql"),
    ),
    (
        17,
        "queue",
        include_str!("../../migrations/postgres/0017_queue.sql"),
    ),
    // ---- bulk, merge, links (issue 6, point 4) ----
    (
        18,
        "merge",
        include_str!("../../migrations/postgres/0018_merge.sql"),
    ),
    // ---- contacts (issue 6) ----
    (
        19,
        "contacts",
        include_str!("../../migrations/postgres/0019_contacts.sql"),
    ),
    // ---- accounts (issue 6, point 1) ----
    (
        20,
        "accounts",
        include_str!("../../migrations/postgres/0020_accounts.sql"),
    ),
    // ---- group visibility (issue 6, 1b) ----
    (
        21,
        "restricted_groups",
        include_str!("../../migrations/postgres/0021_restricted_groups.sql"),
    ),
    // ---- display preferences (issue 6, point 10) ----
    (
        22,
        "display_prefs",
        include_str!("../../migrations/postgres/0022_display_prefs.sql"),
    ),
    // ---- widget (issue 7, widget-backend) ----
    (
        23,
        "widget",
        include_str!("../../migrations/postgres/0023_widget.sql"),
    ),
    // ---- customer portal (issue 7, point 5) ----
    (
        24,
        "portal",
        include_str!("../../migrations/postgres/0024_portal.sql"),
    ),
];

/// Connects to the server of a `postgres://` URL and migrates the database.
pub(super) async fn connect(url: &str) -> StoreResult<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect(url)
        .await
        .map_err(db_err)?;
    super::migrator(MIGRATIONS)
        .run(&pool)
        .await
        .map_err(|e| StoreError::Backend(format!("postgres migrations: {e}")))?;
    Ok(pool)
}

/// The pool the shared queries run on.
pub(crate) type DbPool = PgPool;

/// Where reads run: the one pool (PostgreSQL handles concurrent writers itself).
fn reader(pool: &PgPool) -> &PgPool {
    pool
}

/// Starts a transaction (READ COMMITTED; the queries lock what they rely on).
async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin().await
}

/// The next ticket number.
async fn next_ticket_seq(c: &mut sqlx::PgConnection) -> StoreResult<i64> {
    let row = sqlx::query("SELECT nextval('ticket_number_seq')")
        .fetch_one(&mut *c)
        .await
        .map_err(db_err)?;
    row.try_get(0).map_err(db_err)
}

/// The next value of the global assignment sequence (never reused; values are taken in
/// call order, which may differ from commit order — writers never lower a recorded value).
async fn next_assignment_seq(c: &mut sqlx::PgConnection) -> StoreResult<i64> {
    let row = sqlx::query("SELECT nextval('assignment_seq')")
        .fetch_one(&mut *c)
        .await
        .map_err(db_err)?;
    row.try_get(0).map_err(db_err)
}

/// Row locking for a read that precedes updates of the rows read.
const FOR_UPDATE: &str = " FOR UPDATE";

/// Claims due jobs (queued and due, or running with an expired lease) for `worker`.
pub(crate) async fn claim_jobs(
    pool: &PgPool,
    worker: String,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "WITH c AS ( \
             SELECT id FROM jobs \
             WHERE (status = 'queued' AND run_at <= $1) OR (status = 'running' AND lease_until < $1) \
             ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         UPDATE jobs j SET status = 'running', locked_by = $2, lease_until = $3, attempts = j.attempts + 1 \
         FROM c WHERE j.id = c.id \
         RETURNING j.*",
    )
    .bind(now)
    .bind(worker)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    super::sorted_jobs(
        rows.iter()
            .map(job_from_row)
            .collect::<StoreResult<Vec<Job>>>()?,
    )
}
