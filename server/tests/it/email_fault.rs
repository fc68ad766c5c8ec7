//! Email fault tests against the real mail servers (`scripts/mail.sh`):
//!
//! - **kill -9 during intake**: 2,000 distinct mails are put into bulk@lossless.test by IMAP
//!   APPEND; the real `lossless` binary polls that mailbox and is SIGKILLed again and again
//!   while it ingests (the first kill within the first second of ingestion, one during
//!   start-up), restarted each time, then left to finish. Afterwards, read from the database
//!   with the process gone: every mail is exactly one receipt, one ticket and one message
//!   (matched by the unique token in each mail), and every mail is `\Seen` on the server.
//!   On SQLite, then on PostgreSQL (one after the other: they share the bulk mailbox).
//! - **SMTP outage under 200 replies**: a node sends through a small TCP proxy in front of
//!   Postfix; the proxy refuses service (closes every connection, including open ones) while
//!   200 agent replies on email tickets are queued, so for the node the SMTP server is down;
//!   the replies stay `pending` with the error; when the proxy forwards again, all 200 are
//!   delivered, each exactly once in the customer's INBOX (matched by unique tags). The node
//!   runs with `job_max_backoff_seconds = 2`, so its retries come at most 2 s apart and the
//!   test does not wait out an exponential backoff that grew during the outage.
//!
//! The bulk mailbox belongs to this module alone (so 2,000 mails never slow the tests that
//! poll support@/sales@); it is emptied before and after. The customer mailbox is shared:
//! mails are found by a unique tag and deleted at the end.

use crate::email_intake::{
    delete_uids, ensure_mail_servers, imap_inbox, start_mail_servers, tagged, uid_set,
};
use crate::{http, support};
use futures_util::StreamExt as _;
use lossless::actor::{Actor, Role};
use lossless::email::DeliveryState;
use lossless::ids::AgentId;
use lossless::ports::Store;
use lossless::services;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const BULK: &str = "bulk@lossless.test";
const BULK_PW: &str = "bulk-pw";
/// Mails in the kill -9 test.
const MAILS: usize = 2000;

/// Makes sure the mail servers run and know the bulk user (an instance started by an older
/// `scripts/mail.sh` does not: `start` adds it without a restart).
async fn bulk_user_ready() {
    ensure_mail_servers().await;
    if login(BULK, BULK_PW).await.is_ok() {
        return;
    }
    start_mail_servers();
    login(BULK, BULK_PW)
        .await
        .expect("bulk@lossless.test can log in after scripts/mail.sh start");
}

async fn login(user: &str, pw: &str) -> Result<async_imap::Session<TcpStream>, String> {
    let tcp = TcpStream::connect(("127.0.0.1", 1143))
        .await
        .map_err(|e| e.to_string())?;
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.map_err(|e| e.to_string())?;
    let mut s = client
        .login(user, pw)
        .await
        .map_err(|(e, _)| e.to_string())?;
    s.select("INBOX").await.map_err(|e| e.to_string())?;
    Ok(s)
}

/// Deletes everything in the bulk INBOX.
async fn empty_bulk() {
    let mut s = imap_inbox(BULK, BULK_PW).await;
    let all = s.uid_search("ALL").await.unwrap();
    if !all.is_empty() {
        let mut uids: Vec<u32> = all.into_iter().collect();
        uids.sort_unstable();
        delete_uids(&mut s, &uid_set(&uids)).await;
    }
    s.logout().await.unwrap();
}

/// The token of mail `i` of a run tagged `tag`.
fn token(tag: &str, i: usize) -> String {
    format!("{tag}-{i:05}")
}

/// APPENDs `mails` to `user`'s INBOX over a raw IMAP connection: MULTIAPPEND
/// ([RFC 3502](https://www.rfc-editor.org/rfc/rfc3502)) of up to 500 mails per command with
/// non-synchronizing literals (`LITERAL+`, RFC 7888), so a batch is one round trip and one
/// Dovecot transaction instead of 500 (async-imap sends one mail per APPEND).
pub(crate) async fn multiappend(user: &str, pw: &str, mails: &[Vec<u8>]) {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let (rd, mut w) = TcpStream::connect(("127.0.0.1", 1143))
        .await
        .unwrap()
        .into_split();
    let mut r = BufReader::new(rd);
    async fn tagged_ok(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, tag: &str) {
        loop {
            let mut line = String::new();
            assert!(r.read_line(&mut line).await.unwrap() > 0, "IMAP closed");
            if let Some(rest) = line.strip_prefix(tag) {
                assert!(rest.starts_with(" OK"), "{tag}: {line}");
                return;
            }
        }
    }
    let mut greeting = String::new();
    r.read_line(&mut greeting).await.unwrap();
    w.write_all(format!("a0 LOGIN \"{user}\" \"{pw}\"\r\n").as_bytes())
        .await
        .unwrap();
    tagged_ok(&mut r, "a0").await;
    for (k, batch) in mails.chunks(500).enumerate() {
        let tag = format!("a{}", k + 1);
        let mut cmd = format!("{tag} APPEND INBOX").into_bytes();
        for m in batch {
            cmd.extend_from_slice(format!(" {{{}+}}\r\n", m.len()).as_bytes());
            cmd.extend_from_slice(m);
        }
        cmd.extend_from_slice(b"\r\n");
        w.write_all(&cmd).await.unwrap();
        tagged_ok(&mut r, &tag).await;
    }
    w.write_all(b"z LOGOUT\r\n").await.unwrap();
}

/// Empties the bulk INBOX, then puts `n` distinct unseen mails into it, each carrying its
/// token in the subject, the Message-ID and the body; from 50 different senders.
async fn fill_bulk(tag: &str, n: usize) {
    empty_bulk().await;
    let mails: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let t = token(tag, i);
            format!(
                "From: Sender {s} <sender{s}.{tag}@customer.test>\r\nTo: {BULK}\r\n\
                 Subject: Order {t} is late\r\nMessage-ID: <{t}@customer.test>\r\n\
                 Date: Mon, 2 Nov 2026 09:00:00 +0000\r\nX-Lossless-Test: {tag}\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n\
                 Hello, my order {t} has not arrived yet. Спасибо!\r\n",
                s = i % 50
            )
            .into_bytes()
        })
        .collect();
    multiappend(BULK, BULK_PW, &mails).await;
}

/// Marks every mail in the bulk INBOX unseen again (the next database starts from scratch).
async fn unsee_bulk() {
    let mut s = imap_inbox(BULK, BULK_PW).await;
    {
        let mut st = s.uid_store("1:*", "-FLAGS.SILENT (\\Seen)").await.unwrap();
        while let Some(r) = st.next().await {
            r.unwrap();
        }
    }
    s.logout().await.unwrap();
}

/// `(seen, unseen)` counts of the bulk INBOX.
async fn bulk_flags() -> (usize, usize) {
    let mut s = imap_inbox(BULK, BULK_PW).await;
    let seen = s.uid_search("SEEN").await.unwrap().len();
    let unseen = s.uid_search("UNSEEN").await.unwrap().len();
    s.logout().await.unwrap();
    (seen, unseen)
}

/// The real `lossless` binary on `db`, polling the bulk mailbox every second as one fixed
/// node (so a restarted process renews its own mailbox lease), without a job worker
/// (acknowledgements are not this test's business). Logs go to `log`.
fn spawn_node(db: &str, log: &Path) -> Node {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let err = out.try_clone().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lossless"));
    for (k, _) in std::env::vars() {
        if k.starts_with("LOSSLESS_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs([
        ("LOSSLESS_ADDR", "127.0.0.1:0"),
        ("LOSSLESS_DATABASE_URL", db),
        ("LOSSLESS_ADMIN_EMAIL", "admin@example.com"),
        ("LOSSLESS_ADMIN_PASSWORD", "admin-password"),
        ("LOSSLESS_NODE_ID", "fault-node"),
        ("LOSSLESS_WORKER", "0"),
        ("LOSSLESS_EMAIL_SECRET", "fault-test-secret-0123456789"),
        ("LOSSLESS_MAILBOXES", "bulk"),
        ("LOSSLESS_MAILBOX_BULK_ADDRESS", BULK),
        ("LOSSLESS_MAILBOX_BULK_IMAP_HOST", "127.0.0.1"),
        ("LOSSLESS_MAILBOX_BULK_IMAP_PORT", "1143"),
        ("LOSSLESS_MAILBOX_BULK_IMAP_SECURITY", "plain"),
        ("LOSSLESS_MAILBOX_BULK_IMAP_PASSWORD", BULK_PW),
        ("LOSSLESS_MAILBOX_BULK_POLL_SECONDS", "1"),
        ("RUST_LOG", "warn,lossless_server=info"),
    ])
    .stdin(Stdio::null())
    .stdout(out)
    .stderr(err)
    .spawn()
    .map(Node)
    .expect("start the lossless binary")
}

/// A running `lossless` process; SIGKILLed (`Child::kill` on Unix) and reaped when dropped,
/// so a failing assertion never leaves a node polling the bulk mailbox behind.
struct Node(Child);

impl Node {
    fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// SIGKILL and reap.
fn kill9(node: Node) {
    drop(node);
}

/// Rows of `sql` (two columns: an id and a text) from the database, read behind the
/// node's back; empty while the schema does not exist yet.
async fn rows(url: &str, sql: &'static str) -> Vec<(i64, String)> {
    let got = if url.starts_with("sqlite:") {
        let path = url.trim_start_matches("sqlite://");
        if !Path::new(path).exists() {
            return Vec::new();
        }
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let r = sqlx::query_as(sql).fetch_all(&pool).await;
        pool.close().await;
        r
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let r = sqlx::query_as(sql).fetch_all(&pool).await;
        pool.close().await;
        r
    };
    got.unwrap_or_default()
}

/// How many receipts the database holds (0 before the schema exists).
async fn receipts(url: &str) -> usize {
    rows(url, "SELECT COUNT(*), '' FROM email_receipts")
        .await
        .first()
        .map_or(0, |(n, _)| usize::try_from(*n).unwrap_or(0))
}

/// When to kill a run.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after the process was started (start-up, migrations, first pass).
    AfterSpawn(u64),
    /// This long after the run committed its first mail.
    AfterProgress(u64),
}

/// Holds the bulk mailbox for this process: runs of this test in other processes (a second
/// `cargo test`, another checkout sharing the mail servers) wait for it.
async fn lock_bulk() -> std::fs::File {
    tokio::task::spawn_blocking(|| {
        let file = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::env::temp_dir().join("lossless-bulk-mailbox.lock"))
            .unwrap();
        file.lock().unwrap();
        file
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_intake_loses_and_duplicates_nothing() {
    bulk_user_ready().await;
    let _held = lock_bulk().await;
    let tag = support::unique_tag("LLK");
    let t = Instant::now();
    fill_bulk(&tag, MAILS).await;
    eprintln!("appended {MAILS} mails in {:?}", t.elapsed());
    let (url, _dir) = support::fresh_sqlite();
    kill_scenario(&url, &tag).await;
    if let Some(url) = support::fresh_pg().await {
        unsee_bulk().await;
        kill_scenario(&url, &tag).await;
        support::drop_pg(&url).await;
    }
    empty_bulk().await;
}

/// Ingests the bulk mailbox (all unseen, tagged `tag`) into a fresh database at `url`
/// under repeated SIGKILLs, then checks the database and the flags.
async fn kill_scenario(url: &str, tag: &str) {
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("node.log");

    let schedule = [
        KillAt::AfterProgress(300),
        KillAt::AfterSpawn(250),
        KillAt::AfterProgress(0),
        KillAt::AfterProgress(700),
        KillAt::AfterProgress(50),
        KillAt::AfterProgress(1200),
        KillAt::AfterProgress(150),
    ];
    let started = Instant::now();
    let mut kills = Vec::new();
    for at in schedule {
        let before = receipts(url).await;
        if before >= MAILS {
            break;
        }
        let mut child = spawn_node(url, &log);
        let spawned = Instant::now();
        match at {
            KillAt::AfterSpawn(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            KillAt::AfterProgress(ms) => {
                while receipts(url).await <= before {
                    assert!(
                        spawned.elapsed() < Duration::from_secs(300),
                        "no progress within 300 s; log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                    assert!(
                        child.try_wait().is_none(),
                        "the node exited; log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        }
        kill9(child);
        let after = receipts(url).await;
        kills.push((at, before, after));
    }
    eprintln!("{url}: kills (when, receipts before, receipts at kill): {kills:?}");
    assert!(
        kills.len() >= 5,
        "at least 5 kills during intake: {kills:?}"
    );

    // The last run finishes: every mail in, every mail flagged.
    let child = spawn_node(url, &log);
    let last = Instant::now();
    loop {
        let n = receipts(url).await;
        if n >= MAILS && bulk_flags().await == (MAILS, 0) {
            break;
        }
        assert!(
            // A liveness bound, not a timing: 2,000 mails take ~20 s unloaded (debug build).
            last.elapsed() < Duration::from_secs(600),
            "{n} of {MAILS} receipts, flags {:?} after 600 s; log:\n{}",
            bulk_flags().await,
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill9(child);
    eprintln!(
        "{url}: {MAILS} mails ingested under {} kills in {:?}",
        kills.len(),
        started.elapsed()
    );

    // From the database, the process gone.
    let tickets = rows(url, "SELECT id, subject FROM tickets").await;
    let messages = rows(
        url,
        "SELECT ticket_id, body FROM messages WHERE direction = 'inbound'",
    )
    .await;
    let receipt_rows = rows(
        url,
        "SELECT COALESCE(message_id, -1), outcome FROM email_receipts",
    )
    .await;
    let message_ids = rows(
        url,
        "SELECT id, '' FROM messages WHERE direction = 'inbound'",
    )
    .await;

    let token_of = |text: &str| -> Option<String> {
        let at = text.find(tag)?;
        Some(text[at..at + tag.len() + 6].to_owned())
    };
    let mut by_token: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut ticket_of_token: HashMap<String, i64> = HashMap::new();
    for (id, subject) in &tickets {
        let t = token_of(subject).expect("every ticket is one of this run's mails");
        by_token.entry(t.clone()).or_default().0 += 1;
        ticket_of_token.insert(t, *id);
    }
    let mut per_ticket: HashMap<i64, usize> = HashMap::new();
    for (ticket, body) in &messages {
        let t = token_of(body).expect("every message is one of this run's mails");
        by_token.entry(t.clone()).or_default().1 += 1;
        assert_eq!(
            ticket_of_token.get(&t),
            Some(ticket),
            "{t} is in its own ticket"
        );
        *per_ticket.entry(*ticket).or_default() += 1;
    }
    for i in 0..MAILS {
        let t = token(tag, i);
        assert_eq!(
            by_token.get(&t),
            Some(&(1, 1)),
            "{t}: (tickets, messages) must be exactly (1, 1)"
        );
    }
    assert_eq!(by_token.len(), MAILS, "nothing else was ingested");
    assert!(
        per_ticket.values().all(|&n| n == 1),
        "one message per ticket"
    );
    assert_eq!(receipt_rows.len(), MAILS, "exactly one receipt per mail");
    let mut per_message: HashMap<i64, usize> = HashMap::new();
    for (m, outcome) in &receipt_rows {
        assert_eq!(outcome, "created", "receipt outcomes: {m}");
        *per_message.entry(*m).or_default() += 1;
    }
    for (id, _) in &message_ids {
        assert_eq!(
            per_message.get(id),
            Some(&1),
            "message {id} has one receipt"
        );
    }
    assert_eq!(bulk_flags().await, (MAILS, 0), "every mail is \\Seen");
}

/// A TCP proxy in front of Postfix (127.0.0.1:2525) that can play a dead SMTP server:
/// while down it closes every new connection at once and cuts the open ones.
struct SmtpProxy {
    port: u16,
    up: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpProxy {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, up_rx) = tokio::sync::watch::channel(true);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let mut up_rx = up_rx.clone();
                if !*up_rx.borrow() {
                    drop(inbound);
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", 2525)).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = up_rx.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { port, up, task }
    }

    fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

impl Drop for SmtpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Tickets in the outage test, and replies per ticket (200 in all).
const OUTAGE_TICKETS: usize = 20;
const REPLIES_PER_TICKET: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_outage_under_200_replies_delivers_each_once_after() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move { outage_scenario(&url).await }).await;
}

/// The raw mails in the customer's INBOX whose subject holds `tag`.
async fn customer_mails(tag: &str) -> Vec<(u32, Vec<u8>)> {
    let mut s = imap_inbox("customer@customer.test", "customer-pw").await;
    let mut uids: Vec<u32> = s
        .uid_search(format!("SUBJECT {tag}"))
        .await
        .unwrap()
        .into_iter()
        .collect();
    uids.sort_unstable();
    let mut out = Vec::new();
    if !uids.is_empty() {
        let mut st = s
            .uid_fetch(uid_set(&uids), "(UID BODY.PEEK[])")
            .await
            .unwrap();
        while let Some(f) = st.next().await {
            let f = f.unwrap();
            out.push((
                f.uid.unwrap_or(0),
                f.body().map(<[u8]>::to_vec).unwrap_or_default(),
            ));
        }
    }
    drop(s);
    out
}

async fn outage_scenario(url: &str) {
    let proxy = SmtpProxy::start().await;
    let port = proxy.port.to_string();
    let node = http::node(
        url,
        &[
            ("node_id", "outage-node"),
            ("email_poll", "0"),
            ("email_secret", "outage-test-secret-0123456789"),
            ("mailboxes", "support"),
            ("mailbox.support.address", "support@lossless.test"),
            ("mailbox.support.imap_host", "127.0.0.1"),
            ("mailbox.support.imap_port", "1143"),
            ("mailbox.support.imap_security", "plain"),
            ("mailbox.support.imap_password", "support-pw"),
            ("mailbox.support.smtp_host", "127.0.0.1"),
            ("mailbox.support.smtp_port", &port),
            ("mailbox.support.smtp_security", "plain"),
            ("mailbox.support.smtp_user", "-"),
            // Retries at most 2 s apart, so the test does not wait out a long backoff.
            ("job_max_backoff_seconds", "2"),
        ],
    )
    .await;
    let p = node.ports.clone();
    let store = node.store.clone();
    let tag = support::unique_tag("LLX");

    // The SMTP server goes away; then customers write and agents answer.
    proxy.set_up(false);
    let settings =
        support::email_settings(b"outage-test-secret-0123456789", &["support@lossless.test"]);
    let mailbox = support::mailbox(&store, "support", "support@lossless.test").await;
    for t in 0..OUTAGE_TICKETS {
        let raw = format!(
            "From: Customer <customer@customer.test>\r\nTo: support@lossless.test\r\n\
             Subject: {tag} question {t}\r\nMessage-ID: <{tag}-{t}@customer.test>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nQuestion {t}?\r\n"
        )
        .into_bytes();
        let uid = i64::try_from(t).unwrap() + 1;
        support::ingest_raw(&p, &settings, mailbox.id, uid, raw).await;
    }
    let tickets = tagged(&store, &tag).await;
    assert_eq!(tickets.len(), OUTAGE_TICKETS);
    let agent = Actor::Agent {
        id: AgentId(1),
        role: Role::Agent,
    };
    let mut replies = Vec::new();
    for (t, ticket) in tickets.iter().enumerate() {
        for r in 0..REPLIES_PER_TICKET {
            let reply = format!("Answer {tag}-r{t:02}{r:02}.");
            // The worker touches the ticket too (acknowledgement): retry on a lost race.
            let mut tries = 0;
            loop {
                let now = store.ticket(ticket.id).await.unwrap().unwrap();
                match services::reply(&p, &agent, now.id, now.version, &reply).await {
                    Ok(_) => break,
                    Err(e) => {
                        tries += 1;
                        assert!(tries < 20, "reply failed: {e:?}");
                    }
                }
            }
            replies.push(format!("{tag}-r{t:02}{r:02}"));
        }
    }
    assert_eq!(replies.len(), 200);

    // While it is down: every reply is pending with the error, none is lost or sent.
    let reply_state = async || {
        let mut states = Vec::new();
        for ticket in &tickets {
            let msgs = store.messages(ticket.id, false).await.unwrap();
            for d in store.deliveries(ticket.id).await.unwrap() {
                let body = msgs
                    .iter()
                    .find(|m| m.id == d.message_id)
                    .map(|m| m.body.clone())
                    .unwrap_or_default();
                if body.starts_with("Answer ") {
                    states.push((d.state, d.error.clone()));
                }
            }
        }
        states
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states = reply_state().await;
        assert_eq!(states.len(), 200, "every reply has a delivery");
        assert!(
            states.iter().all(|(s, _)| *s == DeliveryState::Pending),
            "nothing is sent or given up while the server is down: {states:?}"
        );
        if states.iter().all(|(_, e)| e.is_some()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every reply was attempted within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        customer_mails(&tag).await.is_empty(),
        "nothing arrived during the outage"
    );

    // The server is back: all 200 are delivered (after their backoff), each once.
    proxy.set_up(true);
    let back = Instant::now();
    loop {
        let states = reply_state().await;
        if states
            .iter()
            .all(|(s, e)| *s == DeliveryState::Sent && e.is_none())
        {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(60),
            "not all sent 60 s after the server returned: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{url}: 200 replies sent {:?} after the server returned",
        back.elapsed()
    );
    // Every reply arrives; then a little more time, so a late duplicate would show.
    // (Acknowledgements come too, as many as the acknowledgement policy allows; not counted.)
    let reply_count = |mails: &[(u32, Vec<u8>)]| {
        let mut count: HashMap<String, usize> = HashMap::new();
        for (_, raw) in mails {
            let m = lossless_server::email::parse::parse(raw).unwrap();
            if let Some(at) = m.text.find(&format!("{tag}-r")) {
                let key = m.text[at..at + tag.len() + 6].to_owned();
                *count.entry(key).or_default() += 1;
            }
        }
        count
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while reply_count(&customer_mails(&tag).await).len() < replies.len() {
        assert!(
            Instant::now() < deadline,
            "not all replies arrived within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = customer_mails(&tag).await;
    let count = reply_count(&mails);
    for r in &replies {
        assert_eq!(count.get(r), Some(&1), "reply {r} arrived exactly once");
    }
    assert_eq!(count.len(), replies.len());

    let uids: Vec<u32> = mails.iter().map(|(u, _)| *u).collect();
    let mut s = imap_inbox("customer@customer.test", "customer-pw").await;
    delete_uids(&mut s, &uid_set(&uids)).await;
    s.logout().await.unwrap();
    node.stop().await;
    drop(proxy);
}
