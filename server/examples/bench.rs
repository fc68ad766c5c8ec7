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
//!
//! Usage: `bench [--pg URL] [--out FILE]`; prints a Markdown table.

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
    for (name, db) in &dbs {
        for conc in [1usize, 32] {
            let s = node(db).await;
            let total = if conc == 1 { n / 4 } else { n };
            let (tps, p50, p99) = intake(&s, total, conc).await;
            rows.push(format!("| durable intake, {name}, concurrency {conc} ({total} tickets) | {tps:.0} tickets/s | p50 {p50:.2} ms, p99 {p99:.2} ms |"));
            println!("{}", rows.last().map_or("", String::as_str));
            s.stop().await;
        }
    }
    let s = node(&dbs[0].1).await;
    let (p50, p99, deliveries) = live_latency(&s, 500, 100).await;
    rows.push(format!("| request sent → hint on 500 agent websockets (SQLite, {deliveries} deliveries) | — | p50 {p50:.2} ms, p99 {p99:.2} ms |"));
    println!("{}", rows.last().map_or("", String::as_str));
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(out) = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
    {
        let _ = std::fs::write(out, rows.join("\n") + "\n");
    }
}
