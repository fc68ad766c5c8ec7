//! The mailbox poller on a real node: a mail sent over SMTP to sales@lossless.test becomes
//! a ticket without anyone calling `fetch_once` (SQLite), and two nodes polling the same
//! mailbox on one PostgreSQL make exactly one ticket, with one lease owner.
//!
//! Uses the sales mailbox (email_intake.rs owns support@), tags its mails with a unique
//! token, asserts only about its own mails and deletes them from the server at the end.

use crate::email_intake::{delete_found, ensure_mail_servers, send_mail, tagged};
use crate::{http, support};
use lossless::email::admin::ChannelAdmin as _;
use lossless_server::Server;
use std::time::Duration;

const ADDRESS: &str = "sales@lossless.test";
const PASSWORD: &str = "sales-pw";

/// A node on `db` polling the sales mailbox every `poll_seconds` as `node_id`, without a job
/// worker (acknowledgements are not these tests' business).
pub(crate) async fn polling_node(db: &str, node_id: &str, poll_seconds: &str) -> Server {
    http::node(
        db,
        &[
            ("node_id", node_id),
            ("worker", "0"),
            ("mailboxes", "sales"),
            ("mailbox.sales.address", ADDRESS),
            ("mailbox.sales.imap_host", "127.0.0.1"),
            ("mailbox.sales.imap_port", "1143"),
            ("mailbox.sales.imap_security", "plain"),
            ("mailbox.sales.imap_user", ADDRESS),
            ("mailbox.sales.imap_password", PASSWORD),
            ("mailbox.sales.poll_seconds", poll_seconds),
        ],
    )
    .await
}

/// Sends one tagged mail to the sales mailbox; returns its subject.
async fn send_tagged(tag: &str) -> String {
    let subject = format!("Poller test {tag}");
    let message = format!(
        "From: Customer <customer@customer.test>\nTo: {ADDRESS}\nSubject: {subject}\n\
         Message-ID: <{tag}@customer.test>\nX-Lossless-Test: {tag}\n\
         Content-Type: text/plain; charset=utf-8\n\nHello sales.\n"
    );
    send_mail("customer@customer.test", ADDRESS, &message).await;
    subject
}

/// Waits (≤ 10 s) until `node` has a ticket with `tag`; returns how many it has.
async fn wait_for_ticket(node: &Server, tag: &str) -> usize {
    for _ in 0..100 {
        let n = tagged(&node.store, tag).await.len();
        if n > 0 {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no ticket for {tag} within 10 s: the poller did not ingest the mail");
}

/// Deletes this run's mails from the sales mailbox.
async fn cleanup(tag: &str) {
    delete_found(ADDRESS, PASSWORD, &format!("HEADER X-Lossless-Test {tag}")).await;
}

// One test, both databases one after the other, so one run's cleanup never races the
// other's poller on the shared mailbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_mailboxes_are_polled_by_one_node() {
    ensure_mail_servers().await;
    let tag = format!("poll-{}", lossless_server::random_hex(6));

    // SQLite: the node's own poller ingests the mail.
    let (url, _dir) = support::fresh_sqlite();
    let node = polling_node(&url, "poll-sqlite", "1").await;
    let sqlite_tag = format!("{tag}-s");
    send_tagged(&sqlite_tag).await;
    assert_eq!(wait_for_ticket(&node, &sqlite_tag).await, 1);
    node.stop().await;
    cleanup(&sqlite_tag).await;

    // Taken out of the configuration: the next start keeps its history but stops fetching it.
    let node = http::node(&url, &[("node_id", "poll-sqlite"), ("worker", "0")]).await;
    let sales = node
        .channels
        .overview()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == "sales")
        .expect("the mailbox stays known");
    assert!(!sales.enabled, "no longer configured, so no longer fetched");
    assert!(sales.health.received_24h >= 1, "its receipts stay");
    assert!(node.channels.supervisor().fetching().await.is_empty());
    node.stop().await;

    // PostgreSQL: two nodes, one mailbox, one lease owner, one ticket.
    if let Some(url) = support::fresh_pg().await {
        let a = polling_node(&url, "poll-a", "1").await;
        let b = polling_node(&url, "poll-b", "1").await;
        let pg_tag = format!("{tag}-p");
        send_tagged(&pg_tag).await;
        assert_eq!(wait_for_ticket(&a, &pg_tag).await, 1);
        // Both nodes keep polling for a few more intervals: still one ticket.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(tagged(&b.store, &pg_tag).await.len(), 1);
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let owners: Vec<(Option<String>,)> =
            sqlx::query_as("SELECT lease_owner FROM mailboxes WHERE name = 'sales'")
                .fetch_all(&pool)
                .await
                .unwrap();
        pool.close().await;
        assert_eq!(owners.len(), 1);
        let owner = owners[0].0.clone().unwrap_or_default();
        assert!(owner == "poll-a" || owner == "poll-b", "{owner:?}");
        let receipts = tagged(&a.store, &pg_tag).await;
        assert_eq!(receipts.len(), 1, "exactly one ticket for the mail");
        a.stop().await;
        b.stop().await;
        cleanup(&pg_tag).await;
        support::drop_pg(&url).await;
    }
}
