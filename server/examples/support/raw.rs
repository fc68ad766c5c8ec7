//! One database connection behind the store's back, for the benches' bulk loads (either
//! dialect): plain SQL on the real schema (the store's `connect` runs the migrations first),
//! parameters bound the way the store binds them (times as `DateTime<Utc>`, so SQLite gets
//! the same text encoding the store writes and reads back).
//!
//! Invariant: a failed statement panics with its SQL — a measuring tool must stop loudly
//! rather than measure a half-loaded database.

use chrono::{DateTime, Utc};
use sqlx::Connection as _;

/// The database a bench run fills: for SQLite (`db` starts with `sqlite:`) a fresh file
/// `<stem>-<random>.db` in `dir` (created); for PostgreSQL `db` itself, an empty database.
pub fn fresh_url(db: &str, dir: &std::path::Path, stem: &str) -> String {
    if db.starts_with("sqlite:") {
        std::fs::create_dir_all(dir).expect("bench dir");
        format!(
            "sqlite://{}/{stem}-{}.db",
            dir.display(),
            lossless_server::random_hex(4)
        )
    } else {
        db.to_owned()
    }
}

/// A parameter.
#[derive(Debug, Clone)]
pub enum Bind {
    /// An integer.
    Int(i64),
    /// An integer or NULL.
    OptInt(Option<i64>),
    /// A text.
    Text(String),
    /// An instant.
    Time(DateTime<Utc>),
    /// An instant or NULL.
    OptTime(Option<DateTime<Utc>>),
}

/// The connection.
pub enum Raw {
    /// SQLite.
    Sqlite(sqlx::SqliteConnection),
    /// PostgreSQL.
    Pg(sqlx::PgConnection),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::OptInt(v) => q.bind(*v),
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Time(t) => q.bind(*t),
                Bind::OptTime(t) => q.bind(*t),
            };
        }
        q
    }};
}

impl Raw {
    /// Opens `url` (`sqlite://path` or a PostgreSQL URL).
    pub async fn open(url: &str) -> Raw {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .busy_timeout(std::time::Duration::from_secs(30));
            Raw::Sqlite(
                sqlx::SqliteConnection::connect_with(&opts)
                    .await
                    .expect("open the SQLite file"),
            )
        } else {
            Raw::Pg(sqlx::PgConnection::connect(url).await.expect("connect"))
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_pg(&self) -> bool {
        matches!(self, Raw::Pg(_))
    }

    /// Runs `sql` with parameters; returns the rows affected.
    pub async fn exec(&mut self, sql: &str, binds: &[Bind]) -> u64 {
        macro_rules! run {
            ($conn:expr) => {
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())), binds)
                    .execute(&mut *$conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .rows_affected()
            };
        }
        match self {
            Raw::Sqlite(c) => run!(c),
            Raw::Pg(c) => run!(c),
        }
    }

    /// One integer (`COALESCE`d to 0).
    pub async fn int(&mut self, sql: &str, binds: &[Bind]) -> i64 {
        macro_rules! run {
            ($conn:expr) => {
                bind_all!(
                    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql.to_owned())),
                    binds
                )
                .fetch_one(&mut *$conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .unwrap_or(0)
            };
        }
        match self {
            Raw::Sqlite(c) => run!(c),
            Raw::Pg(c) => run!(c),
        }
    }

    /// The columns of `table`, in order.
    pub async fn columns(&mut self, table: &str) -> Vec<String> {
        let cols: Vec<String> = match self {
            Raw::Sqlite(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            )))
            .fetch_all(&mut *c)
            .await
            .expect("columns"),
            Raw::Pg(c) => sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("columns"),
        };
        assert!(!cols.is_empty(), "no table {table}");
        cols
    }

    /// Inserts `rows` (each as many values as `cols`) into `table` in multi-row statements
    /// of at most `per` rows; returns the rows inserted.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        cols: &[&str],
        rows: Vec<Vec<Bind>>,
        per: usize,
    ) -> u64 {
        let mut done = 0;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Bind>> = rows.by_ref().take(per).collect();
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                assert_eq!(row.len(), cols.len(), "{table}: row width");
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 0..row.len() {
                    n += 1;
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                sql.push(')');
            }
            let binds: Vec<Bind> = chunk.into_iter().flatten().collect();
            done += self.exec(&sql, &binds).await;
        }
        done
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = match self {
            Raw::Sqlite(c) => c.close().await,
            Raw::Pg(c) => c.close().await,
        };
    }
}
