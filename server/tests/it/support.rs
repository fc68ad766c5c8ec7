//! Test support: a fresh database per test, and the wiring tests share.
//!
//! - [`fresh_sqlite`]: a new SQLite file in a temporary directory (removed with the guard).
//! - [`fresh_pg`]: a new `t_<random>` database on the server named by
//!   `LOSSLESS_TEST_PG_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`; `make pg`
//!   prints one). Without that variable PostgreSQL tests are skipped loudly — or fail when
//!   `CI` or `LOSSLESS_REQUIRE_PG` is set, so CI can never pass without PostgreSQL.
//! - [`with_pool!`]: a pool on the test database behind the store's back, either dialect.
//! - [`eventually`]: polls until something holds, with a deadline.
//! - [`ports`], [`email_settings`], [`mailbox`], [`ingest_raw`], [`parse_classified`]: a
//!   store wired as a node wires it, and mail taken in as the IMAP adapter would.

#![allow(dead_code, clippy::expect_used)]

pub use lossless_server::store::{Backend, SqlStore};

use lossless::email::{
    Classification, EmailSettings, InboundEmail, Ingested, MailboxId, MailboxState, OurIdentity,
    classify,
};
use lossless::ids::{EmailAddress, NumberPrefix};
use lossless::ports::Store as _;
use lossless::services::{self, FetchedEmail, Ports};
use lossless_server::email::parse::ParseFailure;
use lossless_server::live::{Hub, LocalBus};
use sqlx::Connection as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A URL for a new SQLite database file, and the directory guard that removes it.
pub fn fresh_sqlite() -> (String, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix("lossless-test-")
        .tempdir()
        .expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("lossless.db").display());
    (url, dir)
}

/// The server URL from `LOSSLESS_TEST_PG_URL`; `None` (with a loud skip line) when unset,
/// a panic when unset but `CI` or `LOSSLESS_REQUIRE_PG` demands PostgreSQL.
pub fn pg_server_url() -> Option<String> {
    match std::env::var("LOSSLESS_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ => {
            let required = ["CI", "LOSSLESS_REQUIRE_PG"]
                .iter()
                .any(|v| std::env::var(v).is_ok_and(|x| !x.is_empty() && x != "0" && x != "false"));
            assert!(
                !required,
                "LOSSLESS_TEST_PG_URL is not set, but CI/LOSSLESS_REQUIRE_PG requires the PostgreSQL tests \
                 (run `make pg` and export LOSSLESS_TEST_PG_URL=$(scripts/pg.sh | tail -n1))"
            );
            eprintln!(
                "\n!!!!! SKIPPED: PostgreSQL test — LOSSLESS_TEST_PG_URL is not set \
                 (e.g. postgres://postgres@127.0.0.1:5432/test; `make pg` prints one) !!!!!\n"
            );
            None
        }
    }
}

/// Creates a new, empty database `t_<random>` on the test server and returns its URL.
/// `None` when PostgreSQL tests are skipped (see [`pg_server_url`]).
pub async fn fresh_pg() -> Option<String> {
    let server = pg_server_url()?;
    let name = unique_name();
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to LOSSLESS_TEST_PG_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    Some(with_database(&server, &name))
}

/// Drops a database made by [`fresh_pg`] (call after closing every pool on it).
pub async fn drop_pg(url: &str) {
    let Some(server) = pg_server_url() else {
        return;
    };
    let name = database_of(url);
    assert!(
        name.starts_with("t_"),
        "refusing to drop {name}: not a test database"
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to LOSSLESS_TEST_PG_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop test database");
    admin.close().await.ok();
}

/// A tag no other run (process, test, time) uses: `<prefix><pid>x<nanos>`. Tests that share
/// the real mail servers mark their mails with it.
pub fn unique_tag(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos:x}", std::process::id())
}

/// Runs `scenario` on a fresh SQLite database, then on a fresh PostgreSQL database (dropped
/// afterwards), one after the other.
pub async fn on_both_databases<F, Fut>(scenario: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (url, _dir) = fresh_sqlite();
    scenario(url).await;
    if let Some(url) = fresh_pg().await {
        scenario(url.clone()).await;
        drop_pg(&url).await;
    }
}

/// Runs `$body` with `$pool` bound to a new pool on the test database at `$url` (SQLite or
/// PostgreSQL: the body is compiled for each), closes the pool, and yields the body's value.
macro_rules! with_pool {
    ($url:expr, |$pool:ident| $body:expr) => {{
        let url: &str = $url;
        if url.starts_with("sqlite:") {
            let $pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let out = $body;
            $pool.close().await;
            out
        } else {
            let $pool = sqlx::PgPool::connect(url).await.unwrap();
            let out = $body;
            $pool.close().await;
            out
        }
    }};
}
pub(crate) use with_pool;

/// Polls `f` every 100 ms for up to `secs` seconds until it returns `Some`; panics naming
/// `what` when it never does.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..secs * 10 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {secs} s");
}

/// The ports of `store` as a node wires them: the system clock, a local live bus, the
/// default number prefix.
pub fn ports(store: &SqlStore) -> Ports {
    Ports {
        store: Arc::new(store.clone()),
        clock: Arc::new(lossless_server::SystemClock),
        live: Arc::new(LocalBus(Hub::default())),
        prefix: NumberPrefix::default(),
    }
}

/// The ports of `store` on a fixed clock at `t0` (tests move it), with `prefix`.
pub fn fixed_ports(
    store: &SqlStore,
    t0: chrono::DateTime<chrono::Utc>,
    prefix: NumberPrefix,
) -> (Ports, Arc<lossless::ports::FixedClock>) {
    let clock = Arc::new(lossless::ports::FixedClock::new(t0));
    let p = Ports {
        store: Arc::new(store.clone()),
        clock: clock.clone(),
        live: Arc::new(LocalBus(Hub::default())),
        prefix,
    };
    (p, clock)
}

/// Runs the job worker as `node` until no due job is left (panics after 10,000 rounds:
/// jobs that keep making jobs).
pub async fn drain(p: &Ports, node: &str) {
    for _ in 0..10_000 {
        if lossless_server::worker::round(p, None, node).await == 0 {
            return;
        }
    }
    panic!("the worker never ran out of jobs");
}

/// A new agent `name@team.test` with `role` and `lang`.
pub async fn new_agent(
    store: &SqlStore,
    name: &str,
    role: lossless::actor::Role,
    lang: lossless::ids::Lang,
) -> lossless::ids::AgentId {
    store
        .create_agent(lossless::team::NewAgent {
            email: EmailAddress::parse(&format!("{name}@team.test")).unwrap(),
            name: name.into(),
            role,
            lang,
            password_hash: "x".into(),
        })
        .await
        .unwrap()
        .id
}

/// Email settings of a test: its own `secret`, Message-IDs at `lossless.test`, `ours` as our
/// addresses, the rest default.
pub fn email_settings(secret: &[u8], ours: &[&str]) -> EmailSettings {
    EmailSettings {
        secret: secret.to_vec(),
        message_id_domain: "lossless.test".into(),
        our_addresses: ours
            .iter()
            .map(|a| EmailAddress::parse(a).expect("an email address"))
            .collect(),
        ..EmailSettings::default()
    }
}

/// The mailbox `name` receiving at `address` (made on first use).
pub async fn mailbox(store: &SqlStore, name: &str, address: &str) -> MailboxState {
    let address = EmailAddress::parse(address).expect("an email address");
    store
        .ensure_mailbox(name, &address)
        .await
        .expect("ensure the mailbox")
}

/// `raw` parsed and classified against `settings`' addresses, as the IMAP adapter hands a
/// mail to the store.
pub fn parse_classified(
    raw: &[u8],
    settings: &EmailSettings,
) -> Result<(InboundEmail, Classification), ParseFailure> {
    let ours = OurIdentity {
        addresses: settings.our_addresses.clone(),
        message_id_domain: settings.message_id_domain.clone(),
    };
    lossless_server::email::parse::parse(raw).map(|m| {
        let c = classify(&m, &ours);
        (m, c)
    })
}

/// Takes `raw` in through the service as the IMAP adapter would: message `uid` of
/// UIDVALIDITY 1 in `mailbox`.
pub async fn ingest_raw(
    p: &Ports,
    settings: &EmailSettings,
    mailbox: MailboxId,
    uid: i64,
    raw: Vec<u8>,
) -> Ingested {
    use sha2::Digest as _;
    let parsed = lossless_server::email::parse::parse(&raw).map_err(|e| e.to_string());
    let fetched = FetchedEmail {
        mailbox,
        uidvalidity: 1,
        uid,
        raw_sha256: hex::encode(sha2::Sha256::digest(&raw)),
        raw,
    };
    services::ingest_email(
        p,
        settings,
        fetched,
        parsed,
        lossless::email::MailContent::default(),
        lossless_server::http::new_portal_token(),
    )
    .await
    .expect("ingest the mail")
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t_{}_{nanos:x}_{n}", std::process::id())
}

/// `url` with its database name replaced (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((host, _)) => format!("{scheme}://{host}/{name}"),
            None => format!("{scheme}://{rest}/{name}"),
        },
        None => panic!("not a URL: {url}"),
    };
    match query {
        Some(q) => format!("{base}?{q}"),
        None => base,
    }
}

fn database_of(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    base.rsplit('/').next().unwrap_or_default().to_owned()
}

#[test]
fn urls_get_a_new_database_name() {
    assert_eq!(
        with_database("postgres://u@h:5432/test", "t_1"),
        "postgres://u@h:5432/t_1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "t_1"),
        "postgres://u:p@h/t_1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t_1"), "postgres://h/t_1");
    assert_eq!(database_of("postgres://h/t_1?x=y"), "t_1");
}

/// An HTTP client that does not follow redirects (tests look at the 302s themselves).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Calls a server function the way a browser form does (same origin, form-encoded POST);
/// returns the status and the body text.
pub async fn call_form<T: serde::Serialize + ?Sized>(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: &T,
) -> (u16, String) {
    let mut r = http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .form(body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// GETs a page as a browser asking for English HTML; returns the status, the `Location`
/// header (empty when none) and the body.
pub async fn get_page(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
) -> (u16, String, String) {
    let mut r = http_client()
        .get(format!("http://{}{path}", s.addr))
        .header("accept", "text/html")
        .header("accept-language", "en");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// The body of a server function without arguments.
pub const NO_ARGS: &[(&str, &str)] = &[];

/// Calls a JSON-input server function at `path` the way the browser does (same-origin
/// `POST`); returns the status and the body text.
pub async fn call_json(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: serde_json::Value,
) -> (u16, String) {
    let mut r = http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .json(&body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Parses a JSON answer (panics with the body when it is not JSON).
pub fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

/// The `(field, code)` pairs of a 422 answer.
pub fn field_codes(body: &str) -> Vec<(String, String)> {
    let v = json_of(body);
    assert_eq!(v["code"], "invalid", "{body}");
    v["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
