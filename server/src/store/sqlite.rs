//! SQLite dialect: connecting (WAL, busy timeout, foreign keys, one process per file via a
//! lock file), migrations, `BEGIN IMMEDIATE` write transactions, the ticket number and
//! assignment counters and job claiming. The business queries come from the shared `ops.rs`, compiled here as
//! [`ops`].
//!
//! Invariants: every write transaction runs on the one writer connection and starts with
//! `BEGIN IMMEDIATE`, so it holds the write lock from its first statement; hence the counter
//! row and the claim `UPDATE … RETURNING` are atomic. Writers queue for that connection in
//! the pool (FIFO, async) instead of sleeping in SQLite's busy handler, which under load
//! costs throughput and tail latency; reads run concurrently on a read-only pool (WAL).

use self::ops::job_from_row;
use super::db_err;
use chrono::{DateTime, Utc};
use lossless::job::Job;
use lossless::ports::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row as _, Sqlite, SqlitePool, Transaction};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database the shared queries run on here.
type Db = sqlx::Sqlite;

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
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "email",
        include_str!("../../migrations/sqlite/0002_email.sql"),
    ),
    (
        3,
        "settings_leases",
        include_str!("../../migrations/sqlite/0003_settings_leases.sql"),
    ),
    (
        4,
        "outbound",
        include_str!("../../migrations/sqlite/0004_outbound.sql"),
    ),
    (
        5,
        "arrivals",
        include_str!("../../migrations/sqlite/0005_arrivals.sql"),
    ),
    (
        6,
        "mailbox_admin",
        include_str!("../../migrations/sqlite/0006_mailbox_admin.sql"),
    ),
    (
        7,
        "arrivals_unique",
        include_str!("../../migrations/sqlite/0007_arrivals_unique.sql"),
    ),
    (
        8,
        "attachments",
        include_str!("../../migrations/sqlite/0008_attachments.sql"),
    ),
    (
        9,
        "rules",
        include_str!("../../migrations/sqlite/0009_rules.sql"),
    ),
    (
        10,
        "custom_fields",
        include_str!("../../migrations/sqlite/0010_custom_fields.sql"),
    ),
    (
        11,
        "sla",
        include_str!("../../migrations/sqlite/0011_sla.sql"),
    ),
    (
        12,
        "canned",
        include_str!("../../migrations/sqlite/0012_canned.sql"),
    ),
    (
        13,
        "search",
        include_str!("../../migrations/sqlite/0013_search.sql"),
    ),
    (
        14,
        "ticket_viewers",
        include_str!("../../migrations/sqlite/0014_ticket_viewers.sql"),
    ),
    (
        15,
        "board",
        include_str!("../../migrations/sqlite/0015_board.sql"),
    ),
    (
        16,
        "alerts",
        include_str!("../../migrations/sqlite/0016_alerts.sql"),
    ),
    (
        17,
        "queue",
        include_str!("../../migrations/sqlite/0017_queue.sql"),
    ),
    // ---- bulk, merge, links (issue 6, point 4) ----
    (
        18,
        "merge",
        include_str!("../../migrations/sqlite/0018_merge.sql"),
    ),
    // ---- contacts (issue 6) ----
    (
        19,
        "contacts",
        include_str!("../../migrations/sqlite/0019_contacts.sql"),
    ),
    // ---- accounts (issue 6, point 1) ----
    (
        20,
        "accounts",
        include_str!("../../migrations/sqlite/0020_accounts.sql"),
    ),
    // ---- group visibility (issue 6, 1b) ----
    (
        21,
        "restricted_groups",
        include_str!("../../migrations/sqlite/0021_restricted_groups.sql"),
    ),
    // ---- display preferences (issue 6, point 10) ----
    (
        22,
        "display_prefs",
        include_str!("../../migrations/sqlite/0022_display_prefs.sql"),
    ),
    // ---- widget (issue 7, widget-backend) ----
    (
        23,
        "widget",
        include_str!("../../migrations/sqlite/0023_widget.sql"),
    ),
    // ---- customer portal (issue 7, point 5) ----
    (
        24,
        "portal",
        include_str!("../../migrations/sqlite/0024_portal.sql"),
    ),
];

/// The SQLite pools: concurrent read-only connections and one writer connection.
#[derive(Debug, Clone)]
pub(crate) struct DbPool {
    read: SqlitePool,
    write: SqlitePool,
}

impl DbPool {
    /// Closes both pools.
    pub(crate) async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Where reads run.
fn reader(pool: &DbPool) -> &SqlitePool {
    &pool.read
}

/// Opens (creating it if needed) the database of a `sqlite:` URL, locks it for this
/// process and migrates it. Returns the pool and the held lock file (`None` in memory).
pub(super) async fn connect(url: &str) -> StoreResult<(DbPool, Option<std::fs::File>)> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    let base = SqliteConnectOptions::new()
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .synchronous(SqliteSynchronous::Normal);
    if path.is_empty() {
        // Never fall back to memory: a typo in the URL must not silently lose data.
        return Err(StoreError::Backend(format!("no database file in {url:?}")));
    }
    let (pool, lock) = if path == ":memory:" {
        // One connection, kept forever: each in-memory connection is its own database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.in_memory(true))
            .await
            .map_err(db_err)?;
        (
            DbPool {
                read: pool.clone(),
                write: pool,
            },
            None,
        )
    } else {
        let path = PathBuf::from(path);
        let lock = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || lock_file(&path))
                .await
                .map_err(|e| StoreError::Backend(format!("lock task: {e}")))??
        };
        let opts = base
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(db_err)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(db_err)?;
        (DbPool { read, write }, Some(lock))
    };
    super::migrator(MIGRATIONS)
        .run(&pool.write)
        .await
        .map_err(|e| StoreError::Backend(format!("sqlite migrations: {e}")))?;
    // Planner statistics for the partial and composite indexes the queue, board and search
    // rely on: SQLite's recommended start-up call for long-lived connections (it analyses
    // only tables whose statistics are missing or stale, each with a bounded sample).
    sqlx::query("PRAGMA optimize = 0x10002")
        .execute(&pool.write)
        .await
        .map_err(db_err)?;
    Ok((pool, lock))
}

/// Creates the database's directory and takes an exclusive lock on `<db>.lock`.
fn lock_file(db: &Path) -> StoreResult<std::fs::File> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", lock_path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Backend(format!(
            "database {} is in use by another Lossless process (lock {} is held); \
             SQLite allows one process per database file — use PostgreSQL for several nodes",
            db.display(),
            lock_path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Backend(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

/// Starts a write transaction holding the write lock from the start.
async fn begin(pool: &DbPool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.write.begin_with("BEGIN IMMEDIATE").await
}

/// The next ticket number (the counter row is only touched inside `BEGIN IMMEDIATE`).
async fn next_ticket_seq(c: &mut sqlx::SqliteConnection) -> StoreResult<i64> {
    let row = sqlx::query(
        "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value",
    )
    .fetch_one(&mut *c)
    .await
    .map_err(db_err)?;
    row.try_get(0).map_err(db_err)
}

/// The next value of the global assignment sequence (the counter row is only touched
/// inside `BEGIN IMMEDIATE`, so assignments are numbered in commit order).
async fn next_assignment_seq(c: &mut sqlx::SqliteConnection) -> StoreResult<i64> {
    let row = sqlx::query(
        "UPDATE counters SET value = value + 1 WHERE name = 'assignment' RETURNING value",
    )
    .fetch_one(&mut *c)
    .await
    .map_err(db_err)?;
    row.try_get(0).map_err(db_err)
}

/// Row locking for a read that precedes updates: none needed, `BEGIN IMMEDIATE` already
/// holds the write lock.
const FOR_UPDATE: &str = "";

/// Claims due jobs (queued and due, or running with an expired lease) for `worker`.
pub(crate) async fn claim_jobs(
    pool: &DbPool,
    worker: String,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let mut tx = begin(pool).await.map_err(db_err)?;
    let rows = sqlx::query(
        "UPDATE jobs SET status = 'running', locked_by = $2, lease_until = $3, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs \
                      WHERE (status = 'queued' AND run_at <= $1) OR (status = 'running' AND lease_until < $1) \
                      ORDER BY run_at, id LIMIT $4) \
         RETURNING *",
    )
    .bind(now)
    .bind(worker)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    super::sorted_jobs(
        rows.iter()
            .map(job_from_row)
            .collect::<StoreResult<Vec<Job>>>()?,
    )
}
