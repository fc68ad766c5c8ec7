//! Issue 6 search measurements on the console bench's generated database (1,000,000 tickets,
//! ~5 M ru/en messages; see `bench_console.rs`):
//!
//! - [`index`]: the generator writes rows behind the store's back, so nothing is indexed yet
//!   — exactly the state of an installation upgraded from before migration 0013. The index is
//!   built by the store's own backlog step (`Store::index_backlog`, what every node runs at
//!   start): the marks are set to cover every generated message and contact, then batches of
//!   [`INDEX_BATCH`] until none are left; reports rows/s (then `ANALYZE` on PostgreSQL, as
//!   autovacuum would after such a load). `ticket_tags` (the `tag:` filter's mirror of
//!   `tickets.tags`, kept by every store write) is filled from the generated tags first.
//! - [`bench_search`]: the search the agent's search page runs (`services::search::search`:
//!   parse, name lookups, 25 tickets + contacts from the store, highlighting and snippets)
//!   for typical queries — a very common word in another form, two words, a phrase, English
//!   forms, a prefix, a word no message holds, one order number, words with filters, filters
//!   alone, a customer's name; p50/p95/max over [`SEARCH_RUNS`] calls each after 10 warm-up
//!   calls, through the real store on one connection pool.

use super::console::{Generated, now};
use super::raw::Raw;
use lossless::actor::{Actor, Role};
use lossless::ids::NumberPrefix;
use lossless::ports::{FixedClock, Store as _};
use lossless::services::Ports;
use lossless_server::live::{Hub, LocalBus};
use lossless_server::store::SqlStore;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

/// Timed calls per query.
pub const SEARCH_RUNS: usize = 100;
/// Rows per backlog step.
pub const INDEX_BATCH: i64 = 5_000;

/// Indexes every generated message and contact with the backlog step; (rows, seconds).
pub async fn index(store: &SqlStore, url: &str) -> (u64, f64) {
    let mut raw = Raw::open(url).await;
    for (name, table) in [("messages", "messages"), ("contacts", "contacts")] {
        raw.exec(
            &format!(
                "UPDATE search_backlog SET below = (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}) \
                 WHERE name = '{name}'"
            ),
            &[],
        )
        .await;
    }
    // The `tag:` filter's mirror of `tickets.tags`, which every store write keeps.
    let tags = if raw.is_pg() {
        "INSERT INTO ticket_tags (tag, ticket_id) SELECT DISTINCT j.tag, t.id FROM tickets t \
         CROSS JOIN LATERAL jsonb_array_elements_text(t.tags::jsonb) AS j (tag) \
         ON CONFLICT DO NOTHING"
    } else {
        "INSERT INTO ticket_tags (tag, ticket_id) SELECT DISTINCT j.value, t.id \
         FROM tickets t, json_each(t.tags) j WHERE j.type = 'text' ON CONFLICT DO NOTHING"
    };
    raw.exec(tags, &[]).await;
    let started = Instant::now();
    let mut rows = 0;
    loop {
        let n = store
            .index_backlog(INDEX_BATCH)
            .await
            .expect("index backlog");
        if n == 0 {
            break;
        }
        rows += n;
    }
    let secs = started.elapsed().as_secs_f64();
    if raw.is_pg() {
        raw.exec("ANALYZE search_messages", &[]).await;
        raw.exec("ANALYZE search_contacts", &[]).await;
    }
    raw.close().await;
    (rows, secs)
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
        ms[rank.saturating_sub(1).min(ms.len() - 1)]
    };
    (at(50.0), at(95.0), ms[ms.len() - 1])
}

/// An order number some message of the generated data holds (five digits or more).
async fn some_order_number(store: &SqlStore, g: &Generated) -> String {
    for id in (1..=g.tickets).rev().step_by(997) {
        let messages = store
            .messages(lossless::ids::TicketId(id), true)
            .await
            .expect("messages");
        for m in messages {
            if let Some(n) = m
                .body
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() >= 5)
            {
                return n.to_owned();
            }
        }
    }
    "12345".to_owned()
}

/// Times the search page's search for each query; one table row per query.
pub async fn bench_search(name: &str, store: &SqlStore, g: &Generated) -> Vec<String> {
    let ports = Ports {
        store: Arc::new(store.clone()),
        clock: Arc::new(FixedClock::new(now())),
        live: Arc::new(LocalBus(Hub::default())),
        prefix: NumberPrefix::default(),
    };
    let agent = Actor::Agent {
        id: g.agents[3 % g.agents.len()],
        role: Role::Agent,
    };
    let order = some_order_number(store, g).await;
    let queries: Vec<(&str, String)> = vec![
        ("a very common word, another form", "заказы".into()),
        ("two words", "возврат денег".into()),
        ("a phrase", "\"двойное списание\"".into()),
        ("English forms", "refunded payments".into()),
        ("a prefix", "промокод*".into()),
        ("no message holds it", "телепортация".into()),
        ("one order number", order),
        ("words + status", "курьер status:open".into()),
        (
            "words + one agent",
            "доставка assignee:agent3@bench.example".into(),
        ),
        ("filters only", "status:pending priority:high".into()),
        ("a tag only", "tag:vip".into()),
        ("a customer's name", "Смирнова".into()),
    ];
    let mut rows = Vec::new();
    for (label, q) in &queries {
        let mut ms = Vec::with_capacity(SEARCH_RUNS);
        let (mut shown, mut contacts, mut more) = (0, 0, false);
        for i in 0..SEARCH_RUNS + 10 {
            let t = Instant::now();
            let r = lossless::services::search::search(&ports, &agent, black_box(q), 25)
                .await
                .unwrap_or_else(|e| panic!("{q}: {e:?}"));
            let el = t.elapsed().as_secs_f64() * 1000.0;
            (shown, contacts, more) = (r.tickets.len(), r.contacts.len(), r.more);
            black_box(r);
            // The first calls warm the caches, as a running server's are.
            if i >= 10 {
                ms.push(el);
            }
        }
        let (p50, p95, max) = percentiles(ms);
        let more = if more { "+" } else { "" };
        rows.push(format!(
            "| search, {name}, {} tickets / {} messages: {label} `{q}` ({shown}{more} tickets, {contacts} contacts) | — | p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.1} ms |",
            g.tickets, g.messages
        ));
        println!("{}", rows.last().map_or("", String::as_str));
    }
    rows
}

/// Builds the index of the generated data, then times the searches; their table rows.
pub async fn bench(name: &str, store: &SqlStore, url: &str, g: &Generated) -> Vec<String> {
    let (indexed, secs) = index(store, url).await;
    let mut rows = vec![format!(
        "| search index built by the backlog step, {name}: {indexed} messages and contacts | {:.0} rows/s | {secs:.0} s |",
        indexed as f64 / secs.max(1e-9)
    )];
    println!("{}", rows[0]);
    rows.extend(bench_search(name, store, g).await);
    rows
}
