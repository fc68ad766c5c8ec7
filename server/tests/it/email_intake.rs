//! IMAP intake against the real mail servers (`scripts/mail.sh`: Postfix on 127.0.0.1:2525,
//! Dovecot IMAP on 127.0.0.1:1143): mails sent over SMTP to support@lossless.test become
//! tickets, replies thread, strangers quoting a number get their own ticket, auto-replies
//! are not acknowledged, and nothing is ever ingested twice.
//!
//! The support mailbox is shared with other tests and runs, so one test walks every
//! scenario in order, tags its mails with a unique token, asserts only about its own mails
//! and deletes them from the server at the end. A UIDVALIDITY change made by the server
//! itself (doveadm) is tested on the bench mailbox, which no other test uses.

use crate::support;
use lossless::contact::Handle;
use lossless::email::EmailSettings;
use lossless::email::admin::TransportSecurity;
use lossless::ids::EmailAddress;
use lossless::ports::{QueueQuery, QueueView, Store};
use lossless::services::Ports;
use lossless::ticket::{Channel, Status, Ticket};
use lossless_server::email::imap::{FetchReport, ImapAccount, fetch_once};
use lossless_server::store::SqlStore;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

const SMTP: (&str, u16) = ("127.0.0.1", 2525);
const IMAP: (&str, u16) = ("127.0.0.1", 1143);

/// Starts the mail servers unless IMAP already answers.
pub(crate) async fn ensure_mail_servers() {
    if TcpStream::connect(IMAP).await.is_ok() {
        return;
    }
    start_mail_servers();
}

/// Runs `scripts/mail.sh start` (starts the servers, or brings a running setup up to date).
pub(crate) fn start_mail_servers() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = std::process::Command::new("bash")
        .arg("scripts/mail.sh")
        .arg("start")
        .current_dir(root)
        .status()
        .expect("run scripts/mail.sh start");
    assert!(status.success(), "scripts/mail.sh start failed");
}

/// Reads one (possibly multi-line) SMTP reply; returns its code.
async fn smtp_reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> u16 {
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert!(line.len() >= 4, "short SMTP reply {line:?}");
        if line.as_bytes()[3] != b'-' {
            return line[..3].parse().unwrap();
        }
    }
}

/// Sends one mail over SMTP (RFC 5321), dot-stuffing the data.
pub(crate) async fn send_mail(from: &str, to: &str, message: &str) {
    send_mail_to(from, &[to], message).await;
}

/// Sends one mail to several recipients in one SMTP transaction (one queued copy).
pub(crate) async fn send_mail_to(from: &str, to: &[&str], message: &str) {
    let (rd, mut w) = TcpStream::connect(SMTP).await.unwrap().into_split();
    let mut r = BufReader::new(rd);
    assert_eq!(smtp_reply(&mut r).await, 220);
    let mut commands = vec![
        ("EHLO test.local".to_owned(), 250),
        (format!("MAIL FROM:<{from}>"), 250),
    ];
    commands.extend(to.iter().map(|t| (format!("RCPT TO:<{t}>"), 250)));
    commands.push(("DATA".to_owned(), 354));
    for (cmd, want) in commands {
        w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
        assert_eq!(smtp_reply(&mut r).await, want, "{cmd}");
    }
    let mut data = String::new();
    for line in message.lines() {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    w.write_all(data.as_bytes()).await.unwrap();
    assert_eq!(smtp_reply(&mut r).await, 250, "end of DATA");
    w.write_all(b"QUIT\r\n").await.unwrap();
}

fn mail(from: &str, subject: &str, id: &str, tag: &str, extra: &str, body: &str) -> String {
    format!(
        "From: Test <{from}>\nTo: support@lossless.test\nSubject: {subject}\n\
         Message-ID: <{id}>\nX-Lossless-Test: {tag}\n{extra}\
         Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

/// The mailbox `name` at `address` on the test Dovecot (plain IMAP, the address as the
/// user name), taking mail in with `settings`.
pub(crate) fn imap_account(
    name: &str,
    address: &str,
    password: &str,
    settings: EmailSettings,
) -> ImapAccount {
    ImapAccount {
        name: name.into(),
        address: EmailAddress::parse(address).unwrap(),
        host: IMAP.0.into(),
        port: IMAP.1,
        security: TransportSecurity::Plain,
        username: address.into(),
        password: password.into(),
        settings,
        tls: Default::default(),
    }
}

fn settings() -> EmailSettings {
    support::email_settings(
        b"intake-test-secret-0123456789",
        &["support@lossless.test", "sales@lossless.test"],
    )
}

fn account() -> ImapAccount {
    imap_account("support", "support@lossless.test", "support-pw", settings())
}

fn sales_account() -> ImapAccount {
    imap_account("sales", "sales@lossless.test", "sales-pw", settings())
}

/// Tickets whose subject carries `tag`, oldest first.
pub(crate) async fn tagged(store: &SqlStore, tag: &str) -> Vec<Ticket> {
    let rows = store
        .queue(&QueueQuery {
            view: QueueView::All,
            statuses: Status::ALL.to_vec(),
            priorities: Vec::new(),
            limit: 100_000,
        })
        .await
        .unwrap();
    let mut out: Vec<Ticket> = rows
        .into_iter()
        .map(|r| r.ticket)
        .filter(|t| t.subject.contains(tag))
        .collect();
    out.sort_by_key(|t| t.id);
    out
}

/// Fetches until `done` holds (mail delivery takes a moment).
async fn fetch_until<F>(p: &Ports, store: &SqlStore, mut done: F) -> Vec<FetchReport>
where
    F: AsyncFnMut(&SqlStore) -> bool,
{
    let mut reports = Vec::new();
    for _ in 0..100 {
        reports.push(fetch_once(p, &account()).await.unwrap());
        if done(store).await {
            return reports;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("mail did not arrive: {reports:?}");
}

/// Runs one statement on the test database behind the store's back.
async fn exec(url: &str, sql: &'static str) {
    support::with_pool!(url, |pool| {
        sqlx::query(sql).execute(&pool).await.unwrap();
    });
}

/// The thread reason kinds of the receipts of `ticket`.
async fn reasons(url: &str, ticket: i64) -> Vec<String> {
    const SQL: &str = "SELECT reason FROM email_receipts WHERE ticket_id = $1 ORDER BY id";
    let rows: Vec<(String,)> = support::with_pool!(url, |pool| sqlx::query_as(SQL)
        .bind(ticket)
        .fetch_all(&pool)
        .await
        .unwrap());
    rows.into_iter()
        .map(|(r,)| {
            let v: serde_json::Value = serde_json::from_str(&r).unwrap();
            v["thread"]["reason"]["kind"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

async fn ack_keys(store: &SqlStore) -> Vec<String> {
    store
        .jobs(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect()
}

/// Checks that every mail of this run was marked `\Seen` (after its commit), then deletes
/// them from the shared mailbox.
async fn seen_then_cleanup(tag: &str, expected: usize) {
    cleanup_in(&account(), tag, Some(expected)).await;
}

/// A logged-in IMAP session on `user`'s INBOX at the test Dovecot.
pub(crate) async fn imap_inbox(user: &str, password: &str) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect(IMAP).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap();
    let mut s = client
        .login(user, password)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    s.select("INBOX").await.unwrap();
    s
}

/// A compact UID set (`1:3,7`) for IMAP commands, in any order (the adapter's own
/// [`uid_set`](lossless_server::email::imap::uid_set) after sorting).
pub(crate) fn uid_set<'a>(uids: impl IntoIterator<Item = &'a u32>) -> String {
    let mut sorted: Vec<u32> = uids.into_iter().copied().collect();
    sorted.sort_unstable();
    lossless_server::email::imap::uid_set(&sorted)
}

/// Deletes and expunges the messages of `set` (other runs share the mailboxes).
pub(crate) async fn delete_uids(s: &mut async_imap::Session<TcpStream>, set: &str) {
    use futures_util::StreamExt as _;
    {
        let mut st = s.uid_store(set, "+FLAGS.SILENT (\\Deleted)").await.unwrap();
        while let Some(r) = st.next().await {
            r.unwrap();
        }
    }
    let ex = s.uid_expunge(set).await.unwrap();
    let mut ex = std::pin::pin!(ex);
    while let Some(r) = ex.next().await {
        r.unwrap();
    }
}

/// Deletes the messages in `user`'s INBOX that the IMAP `search` finds (e.g.
/// `HEADER X-Lossless-Test <tag>`); returns how many there were.
pub(crate) async fn delete_found(user: &str, password: &str, search: &str) -> usize {
    let mut s = imap_inbox(user, password).await;
    let uids = s.uid_search(search).await.unwrap();
    if !uids.is_empty() {
        delete_uids(&mut s, &uid_set(&uids)).await;
    }
    s.logout().await.unwrap();
    uids.len()
}

/// Deletes this run's mails from `acct`'s mailbox; with `expected`, first checks that there
/// are that many and that every one was marked `\Seen`.
async fn cleanup_in(acct: &ImapAccount, tag: &str, expected: Option<usize>) {
    let mut s = imap_inbox(&acct.username, &acct.password).await;
    let uids = s
        .uid_search(format!("HEADER X-Lossless-Test {tag}"))
        .await
        .unwrap();
    let seen = s
        .uid_search(format!("SEEN HEADER X-Lossless-Test {tag}"))
        .await
        .unwrap();
    if let Some(expected) = expected {
        assert_eq!(
            uids.len(),
            expected,
            "all of this run's mails are on the server"
        );
        assert_eq!(seen, uids, "every ingested mail is marked seen");
    }
    if !uids.is_empty() {
        delete_uids(&mut s, &uid_set(&uids)).await;
    }
    s.logout().await.unwrap();
}

// One test, both databases one after the other: the runs share the support mailbox, and
// one run's cleanup (EXPUNGE) must not race the other's fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_intake_loses_nothing_and_duplicates_nothing() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move { scenarios(&url).await }).await;
}

/// Every intake scenario on a fresh database at `url`.
async fn scenarios(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let p = support::ports(&store);
    let tag = support::unique_tag("LLT");
    // A sender of this run's own: acknowledgements are rate-limited per address, and the
    // support mailbox may hold other runs' mail.
    let customer = format!("{}@customer.test", tag.to_lowercase());
    let customer = customer.as_str();

    // 1. Three new mails → three tickets on the email channel, contact = sender.
    for n in 1..=3 {
        let m = mail(
            customer,
            &format!("{tag} question {n}"),
            &format!("{tag}-{n}@customer.test"),
            &tag,
            "",
            &format!("Question number {n}."),
        );
        send_mail(customer, "support@lossless.test", &m).await;
    }
    fetch_until(&p, &store, async |s: &SqlStore| {
        tagged(s, &tag).await.len() >= 3
    })
    .await;
    let tickets = tagged(&store, &tag).await;
    assert_eq!(tickets.len(), 3, "{tickets:?}");
    let acks = ack_keys(&store).await;
    for t in &tickets {
        assert_eq!(t.channel, Channel::Email);
        let c = store.contact(t.contact_id).await.unwrap().unwrap();
        assert!(
            c.handles
                .contains(&Handle::Email(EmailAddress::parse(customer).unwrap()))
        );
        assert_eq!(store.messages(t.id, true).await.unwrap().len(), 1);
        assert!(acks.contains(&format!("ack:{}", t.id)));
    }
    // Postfix may deliver the three in any order.
    let first = tickets
        .iter()
        .find(|t| t.subject.ends_with("question 1"))
        .unwrap()
        .clone();
    assert_eq!(
        store.messages(first.id, true).await.unwrap()[0].body,
        "Question number 1."
    );

    // 2. Fetching again adds nothing of ours (the cursor moved past them).
    let again = fetch_once(&p, &account()).await.unwrap();
    assert!(!again.rescanned);
    assert_eq!(tagged(&store, &tag).await.len(), 3);
    assert_eq!(store.messages(first.id, true).await.unwrap().len(), 1);

    // 3. A reply to the first mail's Message-ID → appended to that ticket.
    let reply = mail(
        customer,
        &format!("Re: {tag} question 1"),
        &format!("{tag}-r@customer.test"),
        &tag,
        &format!("In-Reply-To: <{tag}-1@customer.test>\n"),
        "More details.",
    );
    send_mail(customer, "support@lossless.test", &reply).await;
    let id = first.id;
    fetch_until(&p, &store, async |s: &SqlStore| {
        s.messages(id, true).await.unwrap().len() == 2
    })
    .await;
    assert_eq!(tagged(&store, &tag).await.len(), 3, "no new ticket");
    let thread = store.messages(first.id, true).await.unwrap();
    assert_eq!(thread[1].body, "More details.");
    assert_eq!(
        reasons(url, first.id.0).await,
        ["no_reference", "known_message_id"]
    );

    // 4. A stranger quoting the customer's ticket number → a new ticket.
    let stranger = mail(
        "other@customer.test",
        &format!("[#{}] {tag} stranger", first.number),
        &format!("{tag}-s@customer.test"),
        &tag,
        "",
        "Let me in.",
    );
    send_mail("other@customer.test", "support@lossless.test", &stranger).await;
    fetch_until(&p, &store, async |s: &SqlStore| {
        tagged(s, &tag).await.len() == 4
    })
    .await;
    let st = tagged(&store, &tag).await[3].clone();
    assert!(st.subject.contains("stranger"));
    assert_ne!(st.contact_id, first.contact_id);
    assert_eq!(store.messages(first.id, true).await.unwrap().len(), 2);
    assert_eq!(reasons(url, st.id.0).await, ["subject_number_ignored"]);

    // 5. An auto-reply is stored, but never acknowledged.
    let auto = mail(
        customer,
        &format!("{tag} out of office"),
        &format!("{tag}-a@customer.test"),
        &tag,
        "Auto-Submitted: auto-replied\n",
        "I am away.",
    );
    send_mail(customer, "support@lossless.test", &auto).await;
    fetch_until(&p, &store, async |s: &SqlStore| {
        tagged(s, &tag).await.len() == 5
    })
    .await;
    let at = tagged(&store, &tag).await[4].clone();
    assert!(at.subject.contains("out of office"));
    let acks = ack_keys(&store).await;
    assert!(!acks.contains(&format!("ack:{}", at.id)));
    assert!(acks.contains(&format!("ack:{}", st.id)));

    // 6. The cursor reset (as after a UIDVALIDITY change): a full re-scan duplicates nothing.
    exec(
        url,
        "UPDATE mailboxes SET uidvalidity = uidvalidity + 1, last_uid = 0",
    )
    .await;
    let rescan = fetch_once(&p, &account()).await.unwrap();
    assert!(rescan.rescanned, "{rescan:?}");
    assert!(rescan.duplicates >= 6, "{rescan:?}");
    assert_eq!(tagged(&store, &tag).await.len(), 5);
    assert_eq!(store.messages(first.id, true).await.unwrap().len(), 2);

    // 7. A failed pass is recorded on the mailbox; the next good one clears it.
    let mut broken = account();
    broken.port = 1;
    assert!(fetch_once(&p, &broken).await.is_err());
    let mb = store
        .ensure_mailbox("support", &account().address)
        .await
        .unwrap();
    assert!(mb.last_error.is_some_and(|e| e.starts_with("connect")));
    fetch_once(&p, &account()).await.unwrap();
    let mb = store
        .ensure_mailbox("support", &account().address)
        .await
        .unwrap();
    assert_eq!(mb.last_error, None);
    assert!(mb.last_fetch_at.is_some());

    // 8. One mail to support@ with Cc sales@ (one SMTP transaction, a copy in each
    // mailbox): both mailboxes fetched → one ticket, one message; the sales copy's receipt
    // is a duplicate pointing at it.
    let cc = mail(
        customer,
        &format!("{tag} for both of you"),
        &format!("{tag}-cc@customer.test"),
        &tag,
        "Cc: Sales <sales@lossless.test>\nDate: Mon, 2 Nov 2026 09:00:00 +0000\n",
        "Support and sales, please.",
    );
    send_mail_to(
        customer,
        &["support@lossless.test", "sales@lossless.test"],
        &cc,
    )
    .await;
    fetch_until(&p, &store, async |s: &SqlStore| {
        tagged(s, &tag).await.len() == 6
    })
    .await;
    let both = tagged(&store, &tag).await[5].clone();
    assert!(both.subject.contains("for both of you"));
    let mut dup = false;
    for _ in 0..100 {
        fetch_once(&p, &sales_account()).await.unwrap();
        dup = reasons(url, both.id.0).await.len() == 2;
        if dup {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dup, "the sales copy was fetched and pointed at the ticket");
    assert_eq!(tagged(&store, &tag).await.len(), 6, "no second ticket");
    assert_eq!(store.messages(both.id, true).await.unwrap().len(), 1);
    cleanup_in(&sales_account(), &tag, None).await;

    seen_then_cleanup(&tag, 7).await;
    store.close().await;
}

/// The test mail servers' state directory (`$LOSSLESS_MAIL_DIR`, relative to the workspace,
/// or `/var/tmp/lossless-mail` as `scripts/mail.sh` uses).
pub(crate) fn mail_state_dir() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let state =
        std::env::var("LOSSLESS_MAIL_DIR").unwrap_or_else(|_| "/var/tmp/lossless-mail".into());
    if state.starts_with('/') {
        state
    } else {
        format!("{root}/{state}")
    }
}

// UIDVALIDITY changed by the server itself (`doveadm mailbox update --uid-validity`), not just
// in our cursor: the next pass sees the new value, re-scans from UID 1, recognises the mails
// it already has by their content and takes in only the new one. Uses the bench mailbox,
// which no other test touches.
#[tokio::test]
async fn a_uidvalidity_change_on_the_server_rescans_without_duplicates() {
    ensure_mail_servers().await;
    let (user, pw) = ("bench@lossless.test", "bench-pw");
    delete_found(user, pw, "ALL").await;
    let tag = support::unique_tag("uidv");
    let one = |i: usize| {
        mail(
            "customer@customer.test",
            &format!("{tag} mail {i}"),
            &format!("{tag}-{i}@customer.test"),
            &tag,
            "",
            "Hello.",
        )
        .replace('\n', "\r\n")
        .into_bytes()
    };
    crate::email_fault::multiappend(user, pw, &[one(1), one(2), one(3)]).await;
    let (url, _dir) = support::fresh_sqlite();
    let store = SqlStore::connect(&url).await.unwrap();
    let p = support::ports(&store);
    let account = imap_account("bench", user, pw, settings());
    let first = fetch_once(&p, &account).await.unwrap();
    assert_eq!((first.created, first.rescanned), (3, false), "{first:?}");

    let changed = (first.uidvalidity + 7).to_string();
    let conf = format!("{}/dovecot.conf", mail_state_dir());
    let status = std::process::Command::new("doveadm")
        .args(["-c", &conf, "mailbox", "update", "-u", user])
        .args(["--uid-validity", &changed, "INBOX"])
        .status()
        .expect("run doveadm");
    assert!(status.success(), "doveadm mailbox update failed");
    crate::email_fault::multiappend(user, pw, &[one(4)]).await;

    let second = fetch_once(&p, &account).await.unwrap();
    assert_eq!(second.uidvalidity.to_string(), changed);
    assert!(second.rescanned, "{second:?}");
    assert_eq!((second.duplicates, second.created), (3, 1), "{second:?}");
    let tickets = tagged(&store, &tag).await;
    assert_eq!(tickets.len(), 4, "each mail exactly once");
    // And the pass after that has nothing new.
    let third = fetch_once(&p, &account).await.unwrap();
    assert_eq!((third.fetched, third.rescanned), (0, false), "{third:?}");
    assert_eq!(tagged(&store, &tag).await.len(), 4);
    store.close().await;
    delete_found(user, pw, "ALL").await;
}
