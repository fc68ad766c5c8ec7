//! IMAP IDLE against the real Dovecot (which offers it): a mailbox loop ([`poll::run`]) with
//! a five-minute interval still turns a mail into a ticket within seconds, because after its
//! pass it waits in IDLE and the server's `EXISTS` wakes it; it goes back to IDLE after each
//! pass, and a stop ends it promptly even mid-IDLE; the same holds on a whole node.
//!
//! Uses the sales mailbox (shared with other tests: they only ever see mails tagged for them,
//! and this test deletes its own at the end).

use crate::email_intake::{delete_found, ensure_mail_servers, imap_account, send_mail, tagged};
use crate::email_poll::polling_node;
use crate::support;
use lossless_server::email::imap::ImapAccount;
use lossless_server::email::poll;
use lossless_server::store::SqlStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADDRESS: &str = "sales@lossless.test";

fn account() -> ImapAccount {
    let settings = support::email_settings(b"idle-test-secret-0123456789", &[ADDRESS]);
    imap_account("sales", ADDRESS, "sales-pw", settings)
}

async fn send_tagged(tag: &str, n: u32) {
    let message = format!(
        "From: Customer <customer@customer.test>\nTo: {ADDRESS}\nSubject: IDLE test {tag} {n}\n\
         Message-ID: <{tag}-{n}@customer.test>\nX-Lossless-Test: {tag}\n\
         Content-Type: text/plain; charset=utf-8\n\nWake up, number {n}.\n"
    );
    send_mail("customer@customer.test", ADDRESS, &message).await;
}

/// Waits (≤ 10 s) until the store has `n` tickets tagged `tag`; returns how long it took.
async fn wait_for(store: &SqlStore, tag: &str, n: usize) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if tagged(store, tag).await.len() >= n {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ticket {n} of {tag} not there within 10 s: IDLE did not wake the loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_wakes_the_mailbox_loop_and_a_stop_ends_it() {
    ensure_mail_servers().await;
    let (url, _dir) = support::fresh_sqlite();
    let store = SqlStore::connect(&url).await.unwrap();
    let ports = support::ports(&store);
    let tag = support::unique_tag("LLI");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(poll::run(
        ports.clone(),
        account(),
        "idle-node".into(),
        300,
        stop_rx,
    ));

    // The first pass is recorded before the wait in IDLE begins.
    let start = Instant::now();
    loop {
        let mb = support::mailbox(&store, "sales", ADDRESS).await;
        if mb.last_fetch_at.is_some() {
            assert_eq!(mb.last_error, None);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no first pass");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Interval 300 s, yet each mail is a ticket within seconds: IDLE woke the loop, and it
    // went back to IDLE after the pass.
    for n in 1..=2 {
        send_tagged(&tag, n).await;
        let took = wait_for(&store, &tag, n as usize).await;
        assert!(took < Duration::from_secs(10), "{took:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(tagged(&store, &tag).await.len(), 2);

    // Stop while in IDLE: the task ends promptly.
    let stopping = Instant::now();
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the mailbox loop ends promptly on stop")
        .unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(5));
    store.close().await;

    // The same on a whole node configured with a 300 s interval: the mail is a ticket within
    // seconds, and stopping the node is prompt.
    let (url, _dir) = support::fresh_sqlite();
    let node = polling_node(&url, "idle-node", "300").await;
    let start = Instant::now();
    loop {
        let mb = support::mailbox(&node.store, "sales", ADDRESS).await;
        if mb.last_fetch_at.is_some() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no first pass");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A tag of its own: the node's first pass took this test's earlier mails in too.
    let node_tag = format!("{tag}n");
    send_tagged(&node_tag, 3).await;
    wait_for(&node.store, &node_tag, 1).await;
    let stopping = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), node.stop())
        .await
        .expect("the node stops promptly");
    assert!(stopping.elapsed() < Duration::from_secs(10));

    delete_found(
        ADDRESS,
        "sales-pw",
        &format!("HEADER X-Lossless-Test {tag}"),
    )
    .await;
}

/// A minimal IMAP server for the fallback: an empty INBOX; CAPABILITY lists `IDLE` only when
/// `offers_idle`, and an `IDLE` command is refused with `BAD`. Counts connections and IDLEs.
async fn fake_imap(
    offers_idle: bool,
) -> (
    u16,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let idles = Arc::new(AtomicUsize::new(0));
    let (c, i) = (connections.clone(), idles.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let idles = i.clone();
            tokio::spawn(async move {
                let (rd, mut w) = tcp.into_split();
                let mut r = BufReader::new(rd);
                w.write_all(b"* OK fake IMAP ready\r\n").await.ok();
                let mut line = String::new();
                while r.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let mut words = line.split_whitespace();
                    let tag = words.next().unwrap_or("*").to_owned();
                    let cmd = words.next().unwrap_or("").to_ascii_uppercase();
                    let sub = words.next().unwrap_or("").to_ascii_uppercase();
                    let reply = match (cmd.as_str(), sub.as_str()) {
                        ("SELECT" | "EXAMINE", _) => format!(
                            "* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n\
                             * OK [UIDNEXT 1] ok\r\n{tag} OK [READ-WRITE] done\r\n"
                        ),
                        ("UID", "SEARCH") | ("SEARCH", _) => {
                            format!("* SEARCH\r\n{tag} OK done\r\n")
                        }
                        ("CAPABILITY", _) if offers_idle => {
                            format!("* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK done\r\n")
                        }
                        ("CAPABILITY", _) => format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
                        ("IDLE", _) => {
                            idles.fetch_add(1, Ordering::SeqCst);
                            format!("{tag} BAD not today\r\n")
                        }
                        ("LOGOUT", _) => format!("* BYE\r\n{tag} OK done\r\n"),
                        _ => format!("{tag} OK done\r\n"),
                    };
                    if w.write_all(reply.as_bytes()).await.is_err() || cmd == "LOGOUT" {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    (port, connections, idles)
}

// Without IDLE, or when IDLE fails, the loop polls every `poll_seconds`: neither stuck nor
// spinning. (Counts over a few seconds; bounds wide enough for a loaded machine.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_idle_or_when_it_fails_the_loop_polls_on_the_interval() {
    use std::sync::atomic::Ordering;
    for offers_idle in [false, true] {
        let (port, connections, idles) = fake_imap(offers_idle).await;
        let (url, _dir) = support::fresh_sqlite();
        let store = SqlStore::connect(&url).await.unwrap();
        let ports = support::ports(&store);
        let mut acct = account();
        acct.port = port;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(poll::run(ports, acct, "fake-node".into(), 1, stop_rx));
        tokio::time::sleep(Duration::from_millis(3500)).await;
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("stops promptly")
            .unwrap();
        let passes = connections.load(Ordering::SeqCst);
        assert!(
            (2..=8).contains(&passes),
            "offers IDLE: {offers_idle}: {passes} passes in 3.5 s at a 1 s interval"
        );
        let mb = support::mailbox(&store, "sales", ADDRESS).await;
        assert_eq!(mb.last_error, None, "the passes themselves succeeded");
        if offers_idle {
            assert!(idles.load(Ordering::SeqCst) >= 1, "IDLE was tried");
        } else {
            assert_eq!(idles.load(Ordering::SeqCst), 0, "IDLE is not offered");
        }
        store.close().await;
    }
}
