//! `make bench`: throughput and latency figures (never assertions).
//!
//! Method:
//! - **Durable intake**: an in-process node (release build, rate limit off, job worker on, so
//!   every ticket also gets its acknowledgement job run) on a fresh SQLite file and on a fresh
//!   PostgreSQL database; `N` valid `POST /api/v1/requests` through real HTTP on loopback by
//!   `C` concurrent clients; every 201 means the ticket was committed. Reports tickets/s and
//!   request latency p50/p99.
//! - **Live latency**: 500 agent websockets connected to the node; one request at a time;
//!   the time from sending the POST to each socket receiving that ticket's hint (p50/p99
//!   over all deliveries) — an upper bound of commit → screen.
//! - **IMAP intake** (with `--imap`): `BENCH_MAILS` (10,000) distinct mails are put into
//!   bench@lossless.test by IMAP APPEND (not timed; the test Dovecot of `scripts/mail.sh`),
//!   then the release `lossless` binary (next to this example) is started on a fresh database
//!   with that mailbox (poll every second, no job worker); the clock runs from its start
//!   until every mail is a committed receipt and a ticket. Reports mails/s, total seconds and
//!   the node's peak RSS (`VmHWM`). The mails are marked unseen again between databases.
//!
//! - **Rule evaluation** (with `--rules` / `--only-rules`): 200 generated rules (keywords and
//!   phrases in Russian and English, sender domains, tags, VIP, language, priority, group,
//!   time since an event, nested all / any / not) are compiled once; then for each of 2,000
//!   generated tickets (Russian and English subjects and bodies of 20–80 words) the time to
//!   build its facts (language detection, stemming of subject and body) and evaluate every
//!   rule's condition is measured, in one thread, no I/O. Reports µs per ticket (mean, p50,
//!   p99) and how many rules matched on average.
//!
//! - **SLA** (with `--sla` / `--only-sla`): the per-ticket recompute of the pure core (5,000
//!   generated tickets with realistic histories: facts, choice among the shipped policies,
//!   replay of the whole history from an empty record on a Moscow office calendar with the
//!   2025 production calendar; µs mean, p50, p99), then on a fresh SQLite file (and the
//!   `--pg` database) holding 100,000 open tickets with SLA records, 1 % due: the sweep
//!   (due query + job enqueue; median and max of 5 rounds) and `services::sla::catch_up` of
//!   every due ticket (µs per ticket). See `support/bench_sla.rs`.
//!
//! - **Agent console at scale** (with `--console` / `--only-console`): the data generator
//!   (`support/bench_console.rs`: 1,000,000 tickets, ~5 M ru/en messages, `BENCH_CONSOLE_TICKETS`
//!   to change) fills a fresh SQLite file and the `--pg` database, then the queue page (200
//!   rows) is timed per view: p50/p95/max of 200 calls through the real store.
//!   The search index of that data is then built by the store's backlog step and the search
//!   page's search is timed for typical queries (`support/bench_search.rs`).
//!   `BENCH_CONSOLE_REUSE=1` times the queue and search again on what an earlier run left in
//!   the `--pg` database (no generating, no indexing: a re-run after a store change).
//!
//! - **Widget chat** (with `--widget` / `--only-widget`): 1,000 visitor websockets on an
//!   in-process node (SQLite, and the `--pg` database), each sending 5 chat messages one
//!   after the other; messages/s and send → ack p50/p99 (`support/bench_widget.rs`).
//!
//! Usage: `bench [--pg URL] [--out FILE] [--imap] [--only-imap] [--rules] [--only-rules]
//! [--sla] [--only-sla] [--console] [--only-console] [--widget] [--only-widget]`; prints a
//! Markdown table.

// A measuring tool, not a request path: a failed setup step should stop it loudly.
#![allow(clippy::expect_used, clippy::print_stdout)]

use futures_util::StreamExt;
use lossless::actor::Role;
use lossless::ids::{EmailAddress, Lang};
use lossless::team::NewAgent;
use lossless_server::config::Config;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/bench_console.rs"]
mod console;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/bench_rules.rs"]
mod rules;
#[path = "support/bench_search.rs"]
mod search;
#[path = "support/bench_sla.rs"]
mod sla;
#[path = "support/bench_widget.rs"]
mod widget;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn node(db: &str) -> lossless_server::Server {
    let kv: HashMap<String, String> = [
        ("addr", "127.0.0.1:0"),
        ("database_url", db),
        ("admin_email", "admin@example.com"),
        ("admin_password", "bench-password"),
        ("rate_limit_per_minute", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    lossless_server::start(Config::from_map(&kv).expect("config"))
        .await
        .expect("start")
}

async fn intake(s: &lossless_server::Server, total: usize, conc: usize) -> (f64, f64, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conc)
        .build()
        .expect("client");
    let url = Arc::new(format!("http://{}/api/v1/requests", s.addr));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return lat;
                }
                let body = json!({"name": "Bench", "email": format!("b{}@example.com", i % 997), "message": format!("Request {i}: не работает оплата")});
                let t = Instant::now();
                let r = client.post(url.as_str()).json(&body).send().await.expect("send");
                assert_eq!(r.status(), 201, "intake failed");
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    (total as f64 / secs, pct(&all, 50.0), pct(&all, 99.0))
}

async fn live_latency(
    s: &lossless_server::Server,
    sockets: usize,
    rounds: usize,
) -> (f64, f64, usize) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let agent = s
        .ports
        .store
        .create_agent(NewAgent {
            email: EmailAddress::parse("live@example.com").expect("email"),
            name: "Live".into(),
            role: Role::Agent,
            lang: Lang::En,
            password_hash: "x".into(),
        })
        .await
        .expect("agent");
    let token = lossless_server::random_hex(16);
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    s.ports
        .store
        .create_session(
            &hash,
            agent.id,
            s.ports.clock.now() + chrono::Duration::hours(1),
        )
        .await
        .expect("session");
    let cookie = format!("{}={token}", lossless_app::ssr::SESSION_COOKIE);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    for _ in 0..sockets {
        let mut req = format!("ws://{}/api/live", s.addr)
            .into_client_request()
            .expect("req");
        req.headers_mut()
            .insert("cookie", cookie.parse().expect("cookie"));
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws");
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = m
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(&t)
                    && let Some(id) = v["ticket_id"].as_i64()
                {
                    let _ = tx.send((id, Instant::now()));
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    while rx.try_recv().is_ok() {}
    let client = reqwest::Client::new();
    let mut lat = Vec::new();
    for i in 0..rounds {
        let t0 = Instant::now();
        let r: serde_json::Value = client
            .post(format!("http://{}/api/v1/requests", s.addr))
            .json(
                &json!({"name": "Live", "email": "l@example.com", "message": format!("live {i}")}),
            )
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        let n = lossless::ids::TicketNumber::parse(r["number"].as_str().expect("number"))
            .expect("parse");
        let id = s
            .ports
            .store
            .ticket_by_number(&n)
            .await
            .expect("db")
            .expect("ticket")
            .id
            .0;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while got < sockets && Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some((tid, at))) if tid == id => {
                    got += 1;
                    lat.push(at - t0);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        // Let the acknowledgement job's own hint drain before the next round.
        tokio::time::sleep(Duration::from_millis(30)).await;
        while rx.try_recv().is_ok() {}
    }
    lat.sort();
    (pct(&lat, 50.0), pct(&lat, 99.0), lat.len())
}

const BENCH_USER: &str = "bench@lossless.test";
const BENCH_PW: &str = "bench-pw";

async fn bench_session() -> async_imap::Session<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", 1143))
        .await
        .expect("IMAP 127.0.0.1:1143 (scripts/mail.sh start)");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    let mut s = client
        .login(BENCH_USER, BENCH_PW)
        .await
        .map_err(|(e, _)| e)
        .expect("login bench@lossless.test (scripts/mail.sh start adds it)");
    s.select("INBOX").await.expect("select");
    s
}

/// Empties the bench INBOX.
async fn empty_bench_mailbox() {
    let mut s = bench_session().await;
    if !s.uid_search("ALL").await.expect("search").is_empty() {
        {
            let mut st = s
                .uid_store("1:*", "+FLAGS.SILENT (\\Deleted)")
                .await
                .expect("store");
            while let Some(r) = st.next().await {
                r.expect("store");
            }
        }
        s.expunge()
            .await
            .expect("expunge")
            .for_each(|_| async {})
            .await;
    }
    s.logout().await.expect("logout");
}

/// Marks every mail of the bench INBOX unseen again (for the next database's run).
async fn unsee_bench_mailbox() {
    let mut s = bench_session().await;
    {
        let mut st = s
            .uid_store("1:*", "-FLAGS.SILENT (\\Seen)")
            .await
            .expect("store");
        while let Some(r) = st.next().await {
            r.expect("store");
        }
    }
    s.logout().await.expect("logout");
}

/// Empties the bench INBOX, then puts `n` distinct unseen mails into it over a raw IMAP
/// connection: MULTIAPPEND (RFC 3502) of 500 mails per command with non-synchronizing
/// literals (`LITERAL+`, RFC 7888), one round trip per batch.
async fn fill_bench_mailbox(n: usize) {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    async fn tagged_ok(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, tag: &str) {
        loop {
            let mut line = String::new();
            assert!(
                r.read_line(&mut line).await.expect("read IMAP") > 0,
                "IMAP closed"
            );
            if let Some(rest) = line.strip_prefix(tag) {
                assert!(rest.starts_with(" OK"), "{tag}: {line}");
                return;
            }
        }
    }
    empty_bench_mailbox().await;
    let run = lossless_server::random_hex(4);
    let (rd, mut w) = tokio::net::TcpStream::connect(("127.0.0.1", 1143))
        .await
        .expect("IMAP")
        .into_split();
    let mut r = BufReader::new(rd);
    let mut greeting = String::new();
    r.read_line(&mut greeting).await.expect("greeting");
    w.write_all(format!("a0 LOGIN \"{BENCH_USER}\" \"{BENCH_PW}\"\r\n").as_bytes())
        .await
        .expect("login");
    tagged_ok(&mut r, "a0").await;
    let ids: Vec<usize> = (0..n).collect();
    for (k, batch) in ids.chunks(500).enumerate() {
        let tag = format!("a{}", k + 1);
        let mut cmd = format!("{tag} APPEND INBOX").into_bytes();
        for i in batch {
            let mail = format!(
                "From: Customer {c} <customer{c}@bench.example>\r\nTo: {BENCH_USER}\r\n\
                 Subject: Order {run}-{i} has not arrived\r\n\
                 Message-ID: <{run}-{i}@bench.example>\r\n\
                 Date: Mon, 2 Nov 2026 09:00:00 +0000\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n\
                 Hello,\r\n\r\nmy order {run}-{i} was due last week and has not arrived.\r\n\
                 Could you please check where it is? Заказ не пришёл.\r\n\r\n\
                 Thanks,\r\nCustomer {c}\r\n",
                c = i % 500
            );
            cmd.extend_from_slice(format!(" {{{}+}}\r\n", mail.len()).as_bytes());
            cmd.extend_from_slice(mail.as_bytes());
        }
        cmd.extend_from_slice(b"\r\n");
        w.write_all(&cmd).await.expect("append");
        tagged_ok(&mut r, &tag).await;
    }
    w.write_all(b"z LOGOUT\r\n").await.expect("logout");
}

/// Runs the one-row count `$sql` on a freshly connected pool and closes it (either dialect).
macro_rules! count_on {
    ($connected:expr, $sql:expr) => {
        match $connected {
            Ok(pool) => {
                let r = sqlx::query_as(sqlx::AssertSqlSafe($sql))
                    .fetch_one(&pool)
                    .await;
                pool.close().await;
                r
            }
            Err(e) => Err(e),
        }
    };
}

/// `SELECT COUNT(*)` of `table` behind the node's back (0 before the schema exists).
async fn count(db: &str, table: &str) -> usize {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let n: Result<(i64,), sqlx::Error> = if let Some(path) = db.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            return 0;
        }
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true);
        count_on!(sqlx::SqlitePool::connect_with(opts).await, sql)
    } else {
        count_on!(sqlx::PgPool::connect(db).await, sql)
    };
    n.map_or(0, |(n,)| usize::try_from(n).unwrap_or(0))
}

/// Starts the release binary on `db` with the bench mailbox and measures until `n` mails
/// are receipts and tickets; returns (seconds, peak RSS in KiB).
async fn imap_intake(db: &str, n: usize, dir: &std::path::Path) -> (f64, u64) {
    let bin = std::env::current_exe()
        .expect("current exe")
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("lossless"))
        .expect("target dir");
    std::fs::create_dir_all(dir).expect("bench dir");
    let db = if db.starts_with("sqlite:") {
        format!(
            "sqlite://{}/imap-{}.db",
            dir.display(),
            lossless_server::random_hex(4)
        )
    } else {
        db.to_owned()
    };
    let log = std::fs::File::create(dir.join("imap-node.log")).expect("log");
    let mut child = std::process::Command::new(&bin)
        .envs([
            ("LOSSLESS_ADDR", "127.0.0.1:0"),
            ("LOSSLESS_DATABASE_URL", db.as_str()),
            ("LOSSLESS_ADMIN_EMAIL", "admin@example.com"),
            ("LOSSLESS_ADMIN_PASSWORD", "bench-password"),
            ("LOSSLESS_WORKER", "0"),
            ("LOSSLESS_MAILBOXES", "bench"),
            ("LOSSLESS_MAILBOX_BENCH_ADDRESS", BENCH_USER),
            ("LOSSLESS_MAILBOX_BENCH_IMAP_HOST", "127.0.0.1"),
            ("LOSSLESS_MAILBOX_BENCH_IMAP_PORT", "1143"),
            ("LOSSLESS_MAILBOX_BENCH_IMAP_SECURITY", "plain"),
            ("LOSSLESS_MAILBOX_BENCH_IMAP_PASSWORD", BENCH_PW),
            ("LOSSLESS_MAILBOX_BENCH_POLL_SECONDS", "1"),
            ("RUST_LOG", "warn"),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let start = Instant::now();
    let status = format!("/proc/{}/status", child.id());
    let hwm = || {
        std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    loop {
        if count(&db, "email_receipts").await >= n && count(&db, "tickets").await >= n {
            break;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the node exited; see {}",
            dir.join("imap-node.log").display()
        );
        assert!(
            start.elapsed() < Duration::from_secs(1800),
            "no result after 30 min"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let rss = hwm();
    let _ = child.kill();
    let _ = child.wait();
    (secs, rss)
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pg = args
        .iter()
        .position(|a| a == "--pg")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let dir =
        std::env::temp_dir().join(format!("lossless-bench-{}", lossless_server::random_hex(4)));
    let mut rows = Vec::new();
    let mut dbs = vec![(
        "SQLite".to_owned(),
        format!("sqlite://{}/bench.db", dir.display()),
    )];
    if let Some(url) = pg {
        dbs.push(("PostgreSQL".to_owned(), url));
    }
    let only_rules = args.iter().any(|a| a == "--only-rules");
    if only_rules || args.iter().any(|a| a == "--rules") {
        rows.push(rules::bench_rules());
        println!("{}", rows.last().map_or("", String::as_str));
    }
    let only_sla = args.iter().any(|a| a == "--only-sla");
    if only_sla || args.iter().any(|a| a == "--sla") {
        rows.push(sla::bench_recompute());
        println!("{}", rows.last().map_or("", String::as_str));
        for (name, db) in &dbs {
            for row in sla::bench_sweep(name, db, &dir).await {
                println!("{row}");
                rows.push(row);
            }
        }
    }
    let only_console = args.iter().any(|a| a == "--only-console");
    if only_console || args.iter().any(|a| a == "--console") {
        for (name, db) in &dbs {
            for row in console::bench_console(name, db, &dir).await {
                rows.push(row);
            }
        }
    }
    let only_widget = args.iter().any(|a| a == "--only-widget");
    if only_widget || args.iter().any(|a| a == "--widget") {
        for (name, db) in &dbs {
            let s = node(db).await;
            rows.push(widget::bench_widget(name, &s).await);
            println!("{}", rows.last().map_or("", String::as_str));
            s.stop().await;
        }
    }
    // `--only-rules` / `--only-sla` / `--only-console` / `--only-widget` skip the IMAP and
    // intake measurements.
    let only_other = only_rules || only_sla || only_console || only_widget;
    let imap = !only_other && args.iter().any(|a| a == "--imap" || a == "--only-imap");
    let only_imap = only_other || args.iter().any(|a| a == "--only-imap");
    if imap {
        let mails: usize = std::env::var("BENCH_MAILS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        let t = Instant::now();
        fill_bench_mailbox(mails).await;
        println!(
            "appended {mails} mails in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        for (name, db) in &dbs {
            let (secs, rss_kib) = imap_intake(db, mails, &dir).await;
            rows.push(format!(
                "| IMAP intake, {name}: {mails} mails fetched → tickets (one node, poll 1 s) | {:.0} mails/s | {secs:.1} s total, peak RSS {} MiB |",
                mails as f64 / secs,
                rss_kib / 1024
            ));
            println!("{}", rows.last().map_or("", String::as_str));
            unsee_bench_mailbox().await;
        }
        empty_bench_mailbox().await;
    }
    for (name, db) in dbs.iter().filter(|_| !only_imap) {
        for conc in [1usize, 32] {
            let s = node(db).await;
            let total = if conc == 1 { n / 4 } else { n };
            let (tps, p50, p99) = intake(&s, total, conc).await;
            rows.push(format!("| durable intake, {name}, concurrency {conc} ({total} tickets) | {tps:.0} tickets/s | p50 {p50:.2} ms, p99 {p99:.2} ms |"));
            println!("{}", rows.last().map_or("", String::as_str));
            s.stop().await;
        }
    }
    if !only_imap {
        let s = node(&dbs[0].1).await;
        let (p50, p99, deliveries) = live_latency(&s, 500, 100).await;
        rows.push(format!("| request sent → hint on 500 agent websockets (SQLite, {deliveries} deliveries) | — | p50 {p50:.2} ms, p99 {p99:.2} ms |"));
        println!("{}", rows.last().map_or("", String::as_str));
        s.stop().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(out) = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
    {
        let _ = std::fs::write(out, rows.join("\n") + "\n");
    }
}
