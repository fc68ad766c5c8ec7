//! Permanent and temporary SMTP failures (issue 6 follow-up) on both databases, against the
//! real Postfix of `scripts/mail.sh` (it answers `550 5.1.1 … User unknown in virtual mailbox
//! table` for an unknown user of its domains): an email ticket's acknowledgement to such an
//! address and an invitation mail to one fail their job at once — `failed`, one attempt, the
//! server's reply in `last_error`, the message's delivery `failed` with that reply — instead
//! of being retried for hours. A `451` reply (from a local stand-in: Postfix has no switch
//! for it) and a refused connection keep the job queued for a retry with backoff.

use crate::email_intake::ensure_mail_servers;
use crate::email_outbound::email_out;
use crate::support;
use lossless::actor::{Actor, Role};
use lossless::email::DeliveryState;
use lossless::ids::Lang;
use lossless::job::{Job, JobKind, JobStatus};
use lossless::ports::Store as _;
use lossless::services::{self, EmailOut, Ports};
use lossless_server::store::SqlStore;
use lossless_server::worker;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// A local SMTP stand-in that greets, accepts the sender and answers every recipient with
/// `451 4.3.0` (a temporary refusal); returns its port.
async fn smtp_451() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                if w.write_all(b"220 fake.test ESMTP\r\n").await.is_err() {
                    return;
                }
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 fake.test\r\n",
                        "RCPT" => b"451 4.3.0 Temporary lookup failure\r\n",
                        "QUIT" => {
                            let _ = w.write_all(b"221 2.0.0 Bye\r\n").await;
                            return;
                        }
                        _ => b"250 2.0.0 Ok\r\n",
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

async fn job_where(store: &SqlStore, f: impl Fn(&JobKind) -> bool) -> Job {
    store
        .jobs(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .find(|j| f(&j.kind))
        .expect("the job exists")
}

async fn invite(p: &Ports, admin: &Actor, email: &str) {
    services::accounts::invite(
        p,
        admin,
        services::accounts::InviteDraft {
            email: email.into(),
            name: "Someone".into(),
            role: Role::Agent,
            groups: Vec::new(),
            lang: Lang::En,
        },
        &lossless_server::random_hex(16),
        "http://desk.test",
    )
    .await
    .unwrap();
}

fn account_mail_to(to: &str) -> impl Fn(&JobKind) -> bool + '_ {
    move |k| matches!(k, JobKind::AccountMail { to: t, .. } if t.as_str() == to)
}

async fn rounds(p: &Ports, email: &EmailOut, n: usize) {
    for _ in 0..n {
        worker::round(p, Some(email), "smtp-reject").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_smtp_refusals_fail_at_once_and_temporary_ones_are_retried() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move { scenario(&url).await }).await;
}

async fn scenario(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let p = support::ports(&store);
    let tag = support::unique_tag("llrej").to_ascii_lowercase();
    let admin = Actor::Agent {
        id: support::new_agent(&store, "admin", Role::Admin, Lang::En).await,
        role: Role::Admin,
    };
    let postfix = email_out(2525);

    // An email ticket from an address Postfix does not know: its acknowledgement is refused
    // with 550 and fails at once.
    let ghost = format!("ghost-{tag}@customer.test");
    let raw = format!(
        "From: Ghost <{ghost}>\r\nTo: support@lossless.test\r\nSubject: {tag} hello\r\n\
         Message-ID: <{tag}-1@customer.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Anyone there?\r\n"
    )
    .into_bytes();
    let mailbox = support::mailbox(&store, "support", "support@lossless.test").await;
    let settings =
        support::email_settings(b"reject-test-secret-0123456789", &["support@lossless.test"]);
    let ticket = support::ingest_raw(&p, &settings, mailbox.id, 1, raw)
        .await
        .ticket
        .unwrap();
    rounds(&p, &postfix, 3).await;
    let deliveries = store.deliveries(ticket).await.unwrap();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let d = &deliveries[0];
    assert_eq!(d.state, DeliveryState::Failed, "{d:?}");
    let error = d.error.clone().unwrap_or_default();
    assert!(
        error.contains("550") && error.contains("User unknown"),
        "{error}"
    );
    let job = job_where(
        &store,
        |k| matches!(k, JobKind::DeliverEmail { ticket_id, .. } if *ticket_id == ticket),
    )
    .await;
    assert_eq!(
        (job.status, job.attempts),
        (JobStatus::Failed, 1),
        "{job:?}"
    );
    assert_eq!(job.last_error.as_deref(), Some(error.as_str()));
    // Visible among the failed jobs (the operators' dead letters).
    assert!(
        store
            .jobs(Some(JobStatus::Failed), 1000)
            .await
            .unwrap()
            .iter()
            .any(|j| j.id == job.id)
    );

    // An invitation to an unknown user of our own domain: failed at once too.
    let nobody = format!("nobody-{tag}@lossless.test");
    invite(&p, &admin, &nobody).await;
    rounds(&p, &postfix, 2).await;
    let job = job_where(&store, account_mail_to(&nobody)).await;
    assert_eq!(
        (job.status, job.attempts),
        (JobStatus::Failed, 1),
        "{job:?}"
    );
    let last = job.last_error.unwrap_or_default();
    assert!(last.contains("550") && last.contains("5.1.1"), "{last}");

    // A temporary refusal (451): queued again with backoff, the reply kept.
    let later = format!("later-{tag}@lossless.test");
    invite(&p, &admin, &later).await;
    let flaky = email_out(smtp_451().await);
    let before = p.clock.now();
    rounds(&p, &flaky, 1).await;
    let job = job_where(&store, account_mail_to(&later)).await;
    assert_eq!(
        (job.status, job.attempts),
        (JobStatus::Queued, 1),
        "{job:?}"
    );
    assert!(job.run_at > before, "retried later, not now: {job:?}");
    let last = job.last_error.unwrap_or_default();
    assert!(last.contains("451"), "{last}");

    // No connection at all: retried as well.
    let down_to = format!("down-{tag}@lossless.test");
    invite(&p, &admin, &down_to).await;
    rounds(&p, &email_out(1), 1).await;
    let job = job_where(&store, account_mail_to(&down_to)).await;
    assert_eq!(
        (job.status, job.attempts),
        (JobStatus::Queued, 1),
        "{job:?}"
    );
    assert!(job.last_error.is_some());
    store.close().await;
}
