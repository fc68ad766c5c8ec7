//! One mail, two mailboxes, two nodes at the same instant (issue 3, point 7): a reply-all that
//! reached support@ and sales@ is ingested by two concurrent store transactions (two
//! connection pools on one database, as two nodes would be). The arrival key's claim
//! (`email_arrivals`, migration 0007) serializes them: every round ends with exactly one
//! ticket, one message, one `created` receipt and one `duplicate` receipt pointing at it —
//! on PostgreSQL (READ COMMITTED, where a plain lookup let both create a ticket) and SQLite.
//!
//! No mail server is involved: the two copies differ only in their delivery header, as the
//! copies of two mailboxes do.

use crate::support;
use lossless::email::{EmailSettings, IngestOutcome, Ingested, MailboxId};
use lossless::ids::TicketId;
use lossless::ports::Store;
use lossless::services::Ports;
use lossless_server::store::SqlStore;

const ROUNDS: u32 = 25;

fn settings() -> EmailSettings {
    support::email_settings(
        b"arrivals-test-secret-0123456789",
        &["support@lossless.test", "sales@lossless.test"],
    )
}

/// The copy of round `n`'s mail delivered to `to` (only `Delivered-To` differs).
fn copy(n: u32, to: &str) -> Vec<u8> {
    format!(
        "Delivered-To: {to}\r\nFrom: Customer <customer@customer.test>\r\n\
         To: support@lossless.test, sales@lossless.test\r\nSubject: Race {n}\r\n\
         Date: Mon, 2 Nov 2026 09:00:{:02} +0000\r\nMessage-ID: <race-{n}@customer.test>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nBoth of you, round {n}.\r\n",
        n % 60
    )
    .into_bytes()
}

async fn ingest(p: &Ports, mailbox: MailboxId, n: u32, raw: Vec<u8>) -> Ingested {
    support::ingest_raw(p, &settings(), mailbox, i64::from(n), raw).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_ingesting_two_copies_at_once_make_one_ticket() {
    support::on_both_databases(|url| async move { race(&url).await }).await;
}

async fn race(url: &str) {
    // Two stores on one database: two nodes with their own pools.
    let a = SqlStore::connect(url).await.unwrap();
    let (b, pa) = if url.starts_with("postgres") {
        let b = SqlStore::connect(url).await.unwrap();
        (b, support::ports(&a))
    } else {
        // One process per SQLite file: the second "node" shares the store.
        (a.clone(), support::ports(&a))
    };
    let pb = support::ports(&b);
    let support_box = support::mailbox(&a, "support", "support@lossless.test")
        .await
        .id;
    let sales_box = support::mailbox(&b, "sales", "sales@lossless.test")
        .await
        .id;

    let mut tickets: Vec<TicketId> = Vec::new();
    for n in 1..=ROUNDS {
        let (x, y) = tokio::join!(
            ingest(&pa, support_box, n, copy(n, "support@lossless.test")),
            ingest(&pb, sales_box, n, copy(n, "sales@lossless.test")),
        );
        let mut outcomes = [x.outcome, y.outcome];
        outcomes.sort_by_key(|o| o.as_str());
        assert_eq!(
            outcomes,
            [IngestOutcome::Created, IngestOutcome::Duplicate],
            "round {n}: {x:?} / {y:?}"
        );
        assert!(
            !x.duplicate && !y.duplicate,
            "round {n}: both are new arrivals"
        );
        assert_eq!(
            x.ticket, y.ticket,
            "round {n}: the duplicate points at the ticket"
        );
        assert_eq!(x.message, y.message, "round {n}: … and at its message");
        let (first, dup) = if x.outcome == IngestOutcome::Created {
            (&x, &y)
        } else {
            (&y, &x)
        };
        assert!(
            dup.reason["duplicate_of"].as_i64().is_some(),
            "round {n}: {:?}",
            dup.reason
        );
        let t = first.ticket.unwrap();
        assert_eq!(
            a.messages(t, true).await.unwrap().len(),
            1,
            "round {n}: one message"
        );
        tickets.push(t);
    }
    tickets.dedup();
    assert_eq!(tickets.len(), ROUNDS as usize, "one ticket per round");
    assert_eq!(a.ticket_count().await.unwrap(), i64::from(ROUNDS));

    // A third copy later (another mailbox fetching late) is still a duplicate.
    let late = ingest(&pb, sales_box, 1000, copy(1, "late@lossless.test")).await;
    assert_eq!(late.outcome, IngestOutcome::Duplicate);
    assert_eq!(late.ticket, Some(tickets[0]));
    if url.starts_with("postgres") {
        b.close().await;
    }
    a.close().await;
}
