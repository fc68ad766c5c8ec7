//! Mailbox administration (issue 3, points 1 and 2): the store's mailbox settings, health,
//! dead letters and replays on both databases, and a real node's [`ChannelAdmin`] against
//! the real mail servers — a mailbox saved in the UI is fetched, restarted on a change and
//! stopped when disabled; "test this mailbox" lists INBOX, sends a probe our intake ignores,
//! and explains a wrong password and a closed port; health shows fetches, errors, lag and
//! counts; a dead letter is listed and replayed exactly once.
//!
//! Uses the sales mailbox for fetching (like `email_poll`), tags its mails with a unique
//! token, asserts only about its own mails and deletes them from the server at the end.

use crate::email_intake::{delete_found, ensure_mail_servers, imap_inbox, send_mail, tagged};
use crate::support::eventually;
use crate::{http, support};
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::email::DeliveryState;
use lossless::email::admin::{
    ChannelAdmin, ChannelError, Endpoint, MailboxSettings, MailboxSource, ProbeReport,
    ProbeStepKind, TransportSecurity,
};
use lossless::email::{ClosedTicketPolicy, IngestEmail, IngestOutcome, MailboxId};
use lossless::ids::{EmailAddress, Lang, NumberPrefix, PortalToken};
use lossless::message::MessageDraft;
use lossless::ports::{Store, StoreError, UpdateTicket};
use lossless::team::NewAgent;
use lossless_server::Server;
use lossless_server::store::SqlStore;
use std::time::Duration;

const SALES: &str = "sales@lossless.test";
const SALES_PW: &str = "sales-pw";

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).single().unwrap()
}

/// UI settings for a mailbox on the test servers (plain IMAP and SMTP on 127.0.0.1).
fn settings(name: &str, address: &str, password: &str) -> MailboxSettings {
    MailboxSettings {
        name: name.into(),
        address: email(address),
        imap: Endpoint {
            host: "127.0.0.1".into(),
            port: 1143,
            security: TransportSecurity::Plain,
            user: address.into(),
        },
        imap_password: Some(password.into()),
        smtp: Some(Endpoint {
            host: "127.0.0.1".into(),
            port: 2525,
            security: TransportSecurity::Plain,
            user: String::new(),
        }),
        smtp_password: None,
        poll_seconds: 1,
        closed_policy: ClosedTicketPolicy::NewLinked,
        enabled: true,
    }
}

fn mail(tag: &str, subject: &str) -> String {
    format!(
        "From: Customer <customer@customer.test>\r\nTo: {SALES}\r\nSubject: {subject} {tag}\r\n\
         Message-ID: <{tag}.{}@customer.test>\r\nX-Lossless-Test: {tag}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello sales.\r\n",
        lossless_server::random_hex(4)
    )
}

/// One mail as a poller would hand it to the store (`replay_of`: as a replay of that dead
/// letter).
fn ingest(
    mailbox: MailboxId,
    uid: i64,
    raw: &[u8],
    now: DateTime<Utc>,
    replay_of: Option<i64>,
) -> IngestEmail {
    use sha2::Digest as _;
    let settings = support::email_settings(
        b"channels-secret-0123456789abcdef",
        &["support@lossless.test"],
    );
    let parsed = support::parse_classified(raw, &settings).map_err(|e| e.to_string());
    IngestEmail {
        mailbox,
        uidvalidity: 7,
        uid,
        raw_sha256: hex::encode(sha2::Sha256::digest(raw)),
        raw: raw.to_vec(),
        parsed,
        settings,
        prefix: NumberPrefix::default(),
        token: PortalToken::from_random(&[uid as u8; 16]).unwrap(),
        now,
        replay_of,
        content: Default::default(),
    }
}

/// [`ingest`] at `t0()` as an older parser failed on the mail: with `error` as its verdict.
fn failed(mailbox: MailboxId, uid: i64, raw: &[u8], error: &str) -> IngestEmail {
    IngestEmail {
        parsed: Err(error.to_owned()),
        ..ingest(mailbox, uid, raw, t0(), None)
    }
}

/// The store's side, on both databases: settings, health, dead letters, replays.
async fn store_story(url: String) {
    let store = SqlStore::connect(&url).await.unwrap();
    let s = settings("help", "help@lossless.test", "pw-1");

    // Saving: create, duplicate, update keeping passwords, config wins, UI cannot touch it.
    let id = store
        .save_mailbox(s.clone(), MailboxSource::Ui, true)
        .await
        .unwrap();
    assert_eq!(
        store.save_mailbox(s.clone(), MailboxSource::Ui, true).await,
        Err(StoreError::Duplicate("name"))
    );
    let mut changed = s.clone();
    changed.imap_password = None;
    changed.poll_seconds = 60;
    changed.closed_policy = ClosedTicketPolicy::Reopen;
    changed.smtp.as_mut().unwrap().user = "sender".into();
    changed.smtp_password = Some("smtp-pw".into());
    assert_eq!(
        store
            .save_mailbox(changed.clone(), MailboxSource::Ui, false)
            .await,
        Ok(id)
    );
    let stored = store.mailbox_settings().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].id, stored[0].source), (id, MailboxSource::Ui));
    let mut want = changed.clone();
    want.imap_password = Some("pw-1".into());
    assert_eq!(
        stored[0].settings, want,
        "a None password keeps the stored one"
    );
    let mut ghost = s.clone();
    ghost.name = "ghost".into();
    assert_eq!(
        store.save_mailbox(ghost, MailboxSource::Ui, false).await,
        Err(StoreError::NotFound)
    );
    let mut cfg = settings("cfg", "cfg@lossless.test", "cfg-pw");
    cfg.smtp = None;
    let cfg_id = store
        .save_mailbox(cfg.clone(), MailboxSource::Config, false)
        .await
        .unwrap();
    cfg.poll_seconds = 5;
    assert_eq!(
        store
            .save_mailbox(cfg.clone(), MailboxSource::Config, false)
            .await,
        Ok(cfg_id),
        "a restart rewrites a config mailbox"
    );
    assert_eq!(
        store
            .save_mailbox(cfg.clone(), MailboxSource::Ui, false)
            .await,
        Err(StoreError::NotFound),
        "the UI never changes a config mailbox"
    );
    // A mailbox the intake created without settings is listed, but not fetched.
    let bare = store
        .ensure_mailbox("bare", &email("bare@lossless.test"))
        .await
        .unwrap();
    let names: Vec<String> = store
        .mailbox_settings()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.settings.name)
        .collect();
    assert_eq!(names, ["cfg", "help"]);

    // Health: a failed pass, then a good one.
    store
        .mailbox_polled(id, Some("imap: login refused"), t0())
        .await
        .unwrap();
    let o = store.mailbox_overview(t0()).await.unwrap();
    assert_eq!(
        o.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["bare", "cfg", "help"]
    );
    let help = &o[2];
    assert_eq!(help.health.last_fetch_at, Some(t0()));
    assert_eq!(
        help.health.last_error.as_deref(),
        Some("imap: login refused")
    );
    assert_eq!(
        (help.health.last_success_at, help.health.lag_seconds),
        (None, None)
    );
    assert_eq!(help.source, MailboxSource::Ui);
    assert_eq!(help.smtp.as_ref().unwrap().user, "sender");
    assert!(
        !o[0].enabled && o[0].imap.host.is_empty(),
        "no settings: not fetched"
    );
    assert_eq!(o[1].source, MailboxSource::Config);
    store
        .mailbox_polled(id, None, t0() + ChronoDuration::seconds(5))
        .await
        .unwrap();
    assert!(
        store
            .lease_mailbox(id, "node-x", t0(), ChronoDuration::seconds(60))
            .await
            .unwrap()
    );
    let later = t0() + ChronoDuration::seconds(95);
    let help = store.mailbox_overview(later).await.unwrap().remove(2);
    assert_eq!(help.health.last_error, None);
    assert_eq!(
        help.health.last_success_at,
        Some(t0() + ChronoDuration::seconds(5))
    );
    assert_eq!(help.health.lag_seconds, Some(90));
    assert_eq!(help.health.fetched_by, None, "the lease ran out at +60 s");
    let help = store.mailbox_overview(t0()).await.unwrap().remove(2);
    assert_eq!(help.health.fetched_by.as_deref(), Some("node-x"));

    // A dead letter whose bytes parse today (an older parser failed on them), one that
    // does not parse at all, and a normal mail.
    let good = b"From: =?utf-8?q?J=C3=BCrgen?= <j@customer.test>\r\nTo: help@lossless.test\r\n\
        Subject: Printer on fire\r\nMessage-ID: <dl-1@customer.test>\r\n\r\nPlease help.\r\n";
    let bad = b"X-Junk: 1\r\n\r\nnot a mail\r\n";
    let normal = b"From: a@customer.test\r\nTo: help@lossless.test\r\nSubject: Hi\r\n\
        Message-ID: <n-1@customer.test>\r\n\r\nHi.\r\n";
    let d1 = store
        .ingest_email(failed(bare.id, 1, good, "simulated parser bug"))
        .await
        .unwrap();
    assert_eq!(d1.outcome, IngestOutcome::DeadLetter);
    let d2 = store
        .ingest_email(ingest(bare.id, 2, bad, t0(), None))
        .await
        .unwrap();
    assert_eq!(d2.outcome, IngestOutcome::DeadLetter);
    let n = store
        .ingest_email(ingest(bare.id, 3, normal, t0(), None))
        .await
        .unwrap();
    assert_eq!(n.outcome, IngestOutcome::Created);
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead[0].receipt > dead[1].receipt, "newest first");
    let (second, first) = (&dead[0], &dead[1]);
    assert_eq!(first.mailbox, "bare");
    assert_eq!(first.error, "simulated parser bug");
    assert_eq!(first.from, "Jürgen <j@customer.test>");
    assert_eq!(first.subject, "Printer on fire");
    assert_eq!(first.size, good.len() as i64);
    assert_eq!(first.received_at, t0());
    assert_eq!(first.replayed, None);
    assert!(
        second.error.contains("no message header"),
        "{}",
        second.error
    );
    assert_eq!((second.from.as_str(), second.subject.as_str()), ("", ""));
    assert_eq!(store.dead_letters(1).await.unwrap().len(), 1);
    let bare_health = store.mailbox_overview(t0()).await.unwrap().remove(0).health;
    assert_eq!((bare_health.received_24h, bare_health.dead_letters), (3, 2));
    let in_two_days = store
        .mailbox_overview(t0() + ChronoDuration::days(2))
        .await
        .unwrap()
        .remove(0)
        .health;
    assert_eq!(in_two_days.received_24h, 0);

    // The source of a replay; none for a receipt that is no dead letter.
    let src = store
        .dead_letter_source(first.receipt)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (src.mailbox, src.uid, src.raw.as_slice()),
        (bare.id, 1, &good[..])
    );
    assert_eq!(src.mailbox_name, "bare");
    assert_eq!(src.replayed, None);
    let all_receipts = first.receipt.max(second.receipt) + 1;
    assert_eq!(store.dead_letter_source(all_receipts).await.unwrap(), None);

    // Replaying the one that parses now: one ticket, however often.
    let replay = async |uid: i64, raw: &[u8], at: DateTime<Utc>, receipt: i64| {
        store
            .ingest_email(ingest(bare.id, uid, raw, at, Some(receipt)))
            .await
    };
    let r1 = replay(1, good, t0() + ChronoDuration::minutes(1), first.receipt)
        .await
        .unwrap();
    assert_eq!((r1.outcome, r1.duplicate), (IngestOutcome::Created, false));
    let ticket = r1.ticket.unwrap();
    let r2 = replay(1, good, t0() + ChronoDuration::minutes(2), first.receipt)
        .await
        .unwrap();
    assert_eq!(
        (r2.outcome, r2.duplicate, r2.ticket),
        (IngestOutcome::Created, true, Some(ticket))
    );
    assert_eq!(
        store.ticket_count().await.unwrap(),
        2,
        "the normal mail's and the replay's"
    );
    assert_eq!(
        store.ticket_mailbox(ticket).await.unwrap().as_deref(),
        Some("bare")
    );
    // A refetch of the same UID still finds the receipt (no second ticket).
    let again = store
        .ingest_email(ingest(bare.id, 1, good, t0(), None))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(store.ticket_count().await.unwrap(), 2);

    // Replaying the one that still does not parse: still a dead letter, replay recorded.
    let r3 = replay(2, bad, t0() + ChronoDuration::minutes(3), second.receipt)
        .await
        .unwrap();
    assert_eq!(r3.outcome, IngestOutcome::DeadLetter);
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(
        dead[0].replayed,
        Some((t0() + ChronoDuration::minutes(3), IngestOutcome::DeadLetter))
    );
    assert!(dead[0].error.contains("no message header"));
    assert_eq!(
        dead[1].replayed,
        Some((t0() + ChronoDuration::minutes(1), IngestOutcome::Created)),
        "the time of the replay that placed it"
    );
    assert_eq!(
        dead[1].error, "simulated parser bug",
        "the original reason stays"
    );
    let bare_health = store.mailbox_overview(t0()).await.unwrap().remove(0).health;
    assert_eq!(bare_health.dead_letters, 1, "only the one still unreadable");
    // A replay of a receipt that is not a dead letter: not found.
    assert_eq!(
        replay(3, normal, t0(), all_receipts).await.map(|_| ()),
        Err(StoreError::NotFound)
    );
    assert_eq!(store.ticket_count().await.unwrap(), 2);

    // Two replays at once: one places the mail, the other reads what it did.
    let good2 = b"From: k@customer.test\r\nTo: help@lossless.test\r\nSubject: Twice\r\n\
        Message-ID: <dl-2@customer.test>\r\n\r\nHello.\r\n";
    store
        .ingest_email(failed(bare.id, 4, good2, "old parser"))
        .await
        .unwrap();
    let d4 = store.dead_letters(1).await.unwrap()[0].receipt;
    let at = t0() + ChronoDuration::minutes(4);
    let (x, y) = tokio::join!(replay(4, good2, at, d4), replay(4, good2, at, d4));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(
        (x.outcome, y.outcome),
        (IngestOutcome::Created, IngestOutcome::Created)
    );
    assert_eq!(x.ticket, y.ticket);
    assert!(x.duplicate != y.duplicate, "exactly one placed it");
    assert_eq!(store.ticket_count().await.unwrap(), 3);

    // Outbound health: a reply on the replayed ticket leaves through its mailbox.
    let agent = store
        .create_agent(NewAgent {
            email: email("agent@lossless.test"),
            name: "Agent".into(),
            role: Role::Agent,
            lang: Lang::En,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let actor = ActorRef::Agent(agent.id);
    let before = store.ticket(ticket).await.unwrap().unwrap();
    let mut after = before.clone();
    let at = t0() + ChronoDuration::minutes(10);
    let events = after.agent_replied(at).unwrap();
    store
        .update_ticket(UpdateTicket {
            expected_version: before.version,
            ticket: after,
            actor,
            events,
            messages: vec![MessageDraft::reply(actor, "On it.".into())],
            jobs: Vec::new(),
            notifications: Vec::new(),
            completes: None,
            now: at,
        })
        .await
        .unwrap();
    let outbound = |o: Vec<lossless::email::admin::MailboxOverview>| {
        let h = &o[0].health;
        (h.outbound_pending, h.outbound_failed)
    };
    assert_eq!(outbound(store.mailbox_overview(at).await.unwrap()), (1, 0));
    let reply = store.deliveries(ticket).await.unwrap()[0].message_id;
    store
        .mark_delivery(reply, DeliveryState::Failed, Some("bounced"), None)
        .await
        .unwrap();
    let o = store.mailbox_overview(at).await.unwrap();
    assert_eq!(outbound(o.clone()), (0, 1));
    assert!(
        o[1..].iter().all(|m| m.health.outbound_failed == 0),
        "only the ticket's mailbox counts it"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_admin_store_on_both_databases() {
    support::on_both_databases(store_story).await;
}

/// The outcomes of the receipts of `node` whose raw bytes contain `needle`.
async fn outcomes_with(url: &str, needle: &str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT r.outcome, w.bytes FROM email_receipts r JOIN raw_emails w ON w.sha256 = r.sha256",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.into_iter()
        .filter(|(_, b)| String::from_utf8_lossy(b).contains(needle))
        .map(|(o, _)| o)
        .collect()
}

/// Deletes the sales mails whose `header` contains `value`.
async fn cleanup(header: &str, value: &str) {
    delete_found(SALES, SALES_PW, &format!("HEADER {header} \"{value}\"")).await;
}

/// Waits up to `secs` seconds for `what`: an error of a pass over mailbox `name` on `node`;
/// returns it.
async fn pass_error(node: &Server, name: &str, secs: u64, what: &str) -> String {
    eventually(secs, what, || async { health(node, name).await.last_error }).await
}

/// The detail of the last step of `report`, asserted to be a failed `kind`.
fn failed_last(report: &ProbeReport, kind: ProbeStepKind) -> &str {
    let last = report.steps.last().unwrap();
    assert_eq!((last.kind, last.ok), (kind, false), "{report:?}");
    &last.detail
}

async fn health(node: &Server, name: &str) -> lossless::email::admin::MailboxHealth {
    node.channels
        .overview()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
        .health
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailboxes_from_the_ui_are_fetched_probed_and_replayed() {
    ensure_mail_servers().await;
    let tag = format!("chan-{}", lossless_server::random_hex(6));
    let (url, _dir) = support::fresh_sqlite();
    let node = http::node(&url, &[("node_id", "chan-node"), ("worker", "0")]).await;
    let admin = node.channels.clone();
    assert!(
        admin.overview().await.unwrap().is_empty(),
        "no config mailboxes"
    );
    assert!(admin.supervisor().fetching().await.is_empty());

    // Saved in the UI: fetched at once, and its mail becomes a ticket.
    let s = settings("sales", SALES, SALES_PW);
    let mut bad = s.clone();
    bad.imap.host = "mail.example.com".into();
    assert!(matches!(
        admin.save(None, bad, true).await,
        Err(ChannelError::Invalid(_))
    ));
    admin.save(None, s.clone(), true).await.unwrap();
    match admin.save(None, s.clone(), true).await {
        Err(ChannelError::Invalid(f)) => {
            assert_eq!(
                (f.0[0].field.as_str(), f.0[0].code.as_str()),
                ("name", "taken")
            );
        }
        other => panic!("{other:?}"),
    }
    eventually(5, "fetching starts promptly", || async {
        (admin.supervisor().fetching().await == ["sales"]).then_some(())
    })
    .await;
    send_mail("customer@customer.test", SALES, &mail(&tag, "UI mailbox")).await;
    eventually(10, "the UI mailbox's mail becomes a ticket", || async {
        (tagged(&node.store, &tag).await.len() == 1).then_some(())
    })
    .await;
    let h = health(&node, "sales").await;
    assert!(
        h.last_fetch_at.is_some() && h.last_success_at.is_some(),
        "{h:?}"
    );
    assert_eq!(h.last_error, None);
    assert!(h.lag_seconds.is_some_and(|l| (0..60).contains(&l)), "{h:?}");
    assert!(h.received_24h >= 1, "{h:?}");
    assert_eq!(h.fetched_by.as_deref(), Some("chan-node"));

    // The probe with the stored password: connect, login, INBOX, probe mail.
    let mut stored_pw = s.clone();
    stored_pw.imap_password = None;
    let report = admin.probe(stored_pw).await.unwrap();
    all_four_steps_passed(&report);
    assert!(report.steps[2].detail.contains("INBOX"), "{report:?}");
    let sent = &report.steps[3].detail;
    let probe_subject = sent
        .split('"')
        .nth(1)
        .unwrap_or_else(|| panic!("no subject in {sent:?}"))
        .to_owned();
    // It arrives, and the intake ignores it (our own address: a loop), making no ticket.
    eventually(15, "the probe mail is taken in", || async {
        let o = outcomes_with(&url, &probe_subject).await;
        (!o.is_empty()).then_some(o)
    })
    .await
    .iter()
    .for_each(|o| assert_eq!(o, "ignored"));
    assert!(tagged(&node.store, &probe_subject).await.is_empty());
    cleanup("Subject", &probe_subject).await;

    // A wrong password and a closed port: a failing step that says why.
    let mut wrong = s.clone();
    wrong.imap_password = Some("wrong-pw".into());
    let report = admin.probe(wrong.clone()).await.unwrap();
    assert!(!report.ok());
    let detail = failed_last(&report, ProbeStepKind::ImapLogin);
    let refused_login = "the server refused the login for sales@lossless.test";
    assert!(detail.contains(refused_login), "{detail}");
    let mut closed = s.clone();
    closed.imap.port = 1;
    let report = admin.probe(closed).await.unwrap();
    assert_eq!(report.steps.len(), 1, "{report:?}");
    let refused = "could not connect to 127.0.0.1:1: connection refused";
    let detail = failed_last(&report, ProbeStepKind::ImapConnect);
    assert!(detail.starts_with(refused), "{detail}");
    let mut smtp_closed = s.clone();
    smtp_closed.smtp.as_mut().unwrap().port = 1;
    let report = admin.probe(smtp_closed).await.unwrap();
    let detail = failed_last(&report, ProbeStepKind::SmtpSend);
    assert!(detail.starts_with(refused), "{detail}");

    // Saving a wrong password restarts fetching with it: health shows the error.
    admin.save(None, wrong, false).await.unwrap();
    let error = pass_error(&node, "sales", 15, "the failed pass shows").await;
    assert!(error.contains("imap"), "readable enough for logs");
    admin.save(None, s.clone(), false).await.unwrap();
    eventually(15, "the error clears", || async {
        health(&node, "sales")
            .await
            .last_error
            .is_none()
            .then_some(())
    })
    .await;

    // A mail our parser rejects: listed as a dead letter; a replay keeps it one.
    let junk = format!("X-Lossless-Test: {tag}\r\nX-Junk: {tag}\r\n\r\nnot a mail\r\n");
    {
        let mut imap = imap_inbox(SALES, SALES_PW).await;
        imap.append("INBOX", None, None, junk.as_bytes())
            .await
            .unwrap();
        imap.logout().await.unwrap();
    }
    let dead = eventually(15, "the dead letter is listed", || async {
        let list = admin.dead_letters(50).await.unwrap();
        list.into_iter()
            .find(|d| d.size == junk.len() as i64 && d.mailbox == "sales")
    })
    .await;
    assert!(dead.error.contains("no message header"), "{}", dead.error);
    assert!(health(&node, "sales").await.dead_letters >= 1);
    assert_eq!(
        admin.replay(dead.receipt).await,
        Ok(IngestOutcome::DeadLetter)
    );
    let listed = admin
        .dead_letters(50)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.receipt == dead.receipt)
        .unwrap();
    assert_eq!(
        listed.replayed.map(|r| r.1),
        Some(IngestOutcome::DeadLetter)
    );
    assert_eq!(admin.replay(i64::MAX).await, Err(ChannelError::NotFound));

    // A dead letter that parses today (stored as an older parser failed on it): replayed
    // twice, one ticket.
    let archive = node
        .store
        .ensure_mailbox("archive", &email("archive@lossless.test"))
        .await
        .unwrap();
    let raw = mail(&tag, "Replayed");
    let receipt = node
        .store
        .ingest_email(failed(archive.id, 1, raw.as_bytes(), "old parser"))
        .await
        .unwrap();
    assert_eq!(receipt.outcome, IngestOutcome::DeadLetter);
    let id = admin
        .dead_letters(50)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.mailbox == "archive")
        .unwrap()
        .receipt;
    assert_eq!(admin.replay(id).await, Ok(IngestOutcome::Created));
    assert_eq!(admin.replay(id).await, Ok(IngestOutcome::Created));
    let replayed: Vec<_> = tagged(&node.store, &tag)
        .await
        .into_iter()
        .filter(|t| t.subject.contains("Replayed"))
        .collect();
    assert_eq!(replayed.len(), 1, "one ticket however often replayed");

    // A configuration-file mailbox is read-only here.
    let mut cfg = settings("cfg", "cfg@lossless.test", "cfg-pw");
    cfg.enabled = false;
    node.store
        .save_mailbox(cfg.clone(), MailboxSource::Config, false)
        .await
        .unwrap();
    assert_eq!(
        admin.save(None, cfg, false).await,
        Err(ChannelError::ReadOnly)
    );

    // Disabled: fetching stops, new mail stays on the server.
    let mut off = s.clone();
    off.enabled = false;
    off.imap_password = None;
    admin.save(None, off, false).await.unwrap();
    eventually(5, "fetching stops promptly", || async {
        admin.supervisor().fetching().await.is_empty().then_some(())
    })
    .await;
    let late = format!("{tag}-late");
    send_mail(
        "customer@customer.test",
        SALES,
        &mail(&late, "After disabling"),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        tagged(&node.store, &late).await.is_empty(),
        "a disabled mailbox is not fetched"
    );
    assert!(
        !admin
            .overview()
            .await
            .unwrap()
            .iter()
            .any(|m| m.name == "sales" && m.enabled)
    );

    node.stop().await;
    cleanup("X-Lossless-Test", &tag).await;
    cleanup("X-Lossless-Test", &late).await;
}

// Two nodes on one PostgreSQL: a mailbox saved on one is fetched by the other's supervisor
// within its refresh period (no wake-up crosses nodes), and disabling stops it there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_picks_up_a_saved_mailbox() {
    let Some(url) = support::fresh_pg().await else {
        return;
    };
    let a = http::node(&url, &[("node_id", "chan-a"), ("worker", "0")]).await;
    let b = http::node(&url, &[("node_id", "chan-b"), ("worker", "0")]).await;
    // Nothing listens on port 1: the tasks run (and fail their passes) without touching mail.
    let mut s = settings("remote", "remote@lossless.test", "pw");
    s.imap.port = 1;
    a.channels.save(None, s.clone(), true).await.unwrap();
    let wait = lossless_server::email::supervisor::REFRESH.as_secs() + 5;
    eventually(wait, "the other node starts fetching", || async {
        (b.channels.supervisor().fetching().await == ["remote"]).then_some(())
    })
    .await;
    let error = pass_error(&b, "remote", wait, "a failed pass shows on the other node").await;
    assert!(error.contains("onnection refused"), "the pass's own error");
    s.enabled = false;
    s.imap_password = None;
    a.channels.save(None, s, false).await.unwrap();
    eventually(wait, "the other node stops fetching", || async {
        b.channels
            .supervisor()
            .fetching()
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    assert!(a.channels.supervisor().fetching().await.is_empty());
    a.stop().await;
    b.stop().await;
    support::drop_pg(&url).await;
}

/// Asserts a probe ran all four steps (connect, login, folders, probe mail) and each passed.
pub(crate) fn all_four_steps_passed(report: &ProbeReport) {
    assert!(report.ok(), "{report:?}");
    let kinds: Vec<ProbeStepKind> = report.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            ProbeStepKind::ImapConnect,
            ProbeStepKind::ImapLogin,
            ProbeStepKind::ImapFolders,
            ProbeStepKind::SmtpSend
        ]
    );
}
