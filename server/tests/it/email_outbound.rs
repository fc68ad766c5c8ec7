//! Outbound email against the real mail servers (`scripts/mail.sh`: Postfix on
//! 127.0.0.1:2525, Dovecot IMAP on 127.0.0.1:1143): a mail from customer@customer.test
//! becomes an email ticket; the acknowledgement and an agent's reply leave through the job
//! table and the SMTP adapter and land in the customer's INBOX threaded under the customer's
//! mail (signed Message-ID, In-Reply-To, `[#LL-N]` in the subject); an SMTP outage fails the
//! job visibly, keeps the message pending with the error, and a later attempt delivers it.
//!
//! The customer mailbox is shared with other tests and runs: mails are found by a unique tag
//! in the subject and deleted at the end.

use crate::email_intake::{delete_uids, ensure_mail_servers, imap_inbox, uid_set};
use crate::support;
use lossless::actor::{Actor, Role};
use lossless::email::admin::TransportSecurity;
use lossless::email::{
    DeliveryState, EmailSettings, InboundEmail, find_body_marker, parse_our_message_id,
};
use lossless::ids::{AgentId, EmailAddress};
use lossless::job::{JobKind, JobStatus};
use lossless::ports::Store;
use lossless::services::{self, EmailOut};
use lossless_server::email::smtp::{SmtpAccount, SmtpMailer};
use lossless_server::store::SqlStore;
use lossless_server::worker;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &[u8] = b"outbound-test-secret-0123456789";

fn settings() -> EmailSettings {
    support::email_settings(SECRET, &["support@lossless.test"])
}

pub(crate) fn email_out(port: u16) -> EmailOut {
    let mailer = SmtpMailer::new(&SmtpAccount {
        from: EmailAddress::parse("support@lossless.test").unwrap(),
        host: "127.0.0.1".into(),
        port,
        security: TransportSecurity::Plain,
        user: None,
        password: String::new(),
    })
    .unwrap();
    EmailOut {
        settings: settings(),
        mailer: Arc::new(mailer),
    }
}

/// The raw mails in the customer's INBOX whose subject holds `tag` (deleting them when
/// `delete`).
pub(crate) async fn customer_mails(tag: &str, delete: bool) -> Vec<Vec<u8>> {
    use futures_util::StreamExt as _;
    let mut s = imap_inbox("customer@customer.test", "customer-pw").await;
    let uids = s.uid_search(format!("SUBJECT {tag}")).await.unwrap();
    let mut uids: Vec<u32> = uids.into_iter().collect();
    uids.sort_unstable();
    let mut out = Vec::new();
    if !uids.is_empty() {
        let set = uid_set(&uids);
        {
            let mut st = s.uid_fetch(&set, "(UID BODY.PEEK[])").await.unwrap();
            while let Some(f) = st.next().await {
                let f = f.unwrap();
                out.push(f.body().map(<[u8]>::to_vec).unwrap_or_default());
            }
        }
        if delete {
            delete_uids(&mut s, &set).await;
        }
    }
    s.logout().await.unwrap();
    out
}

/// Polls the customer's INBOX until `n` mails with `tag` arrived.
pub(crate) async fn wait_for_mails(tag: &str, n: usize) -> Vec<Vec<u8>> {
    for _ in 0..100 {
        let got = customer_mails(tag, false).await;
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} mails tagged {tag} did not arrive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_leave_by_email_and_an_outage_loses_nothing() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move { scenario(&url).await }).await;
}

async fn scenario(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let p = support::ports(&store);
    let tag = support::unique_tag("LLO");
    let customer_id = format!("{tag}-1@customer.test");

    // The customer's mail, taken in as the IMAP adapter would.
    let raw = format!(
        "From: Customer <customer@customer.test>\r\nTo: support@lossless.test\r\n\
         Subject: {tag} invoice\r\nMessage-ID: <{customer_id}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is my invoice?\r\n"
    )
    .into_bytes();
    let mailbox = support::mailbox(&store, "support", "support@lossless.test").await;
    let got = support::ingest_raw(&p, &settings(), mailbox.id, 1, raw).await;
    let ticket_id = got.ticket.unwrap();

    // The worker acknowledges (a system message), then delivers the acknowledgement.
    let good = email_out(2525);
    for _ in 0..3 {
        worker::round(&p, Some(&good), "test-node").await;
    }
    let ticket = store.ticket(ticket_id).await.unwrap().unwrap();
    let agent = Actor::Agent {
        id: AgentId(1),
        role: Role::Agent,
    };
    services::reply(&p, &agent, ticket.id, ticket.version, "It is attached.")
        .await
        .unwrap();
    for _ in 0..3 {
        worker::round(&p, Some(&good), "test-node").await;
    }
    let deliveries = store.deliveries(ticket.id).await.unwrap();
    assert_eq!(
        deliveries.len(),
        2,
        "acknowledgement and reply: {deliveries:?}"
    );
    assert!(
        deliveries.iter().all(|d| d.state == DeliveryState::Sent),
        "{deliveries:?}"
    );

    let mails: Vec<InboundEmail> = wait_for_mails(&tag, 2)
        .await
        .iter()
        .map(|raw| lossless_server::email::parse::parse(raw).unwrap())
        .collect();
    let number = format!("[#{}]", ticket.number);
    let reply = mails
        .iter()
        .find(|m| m.text.contains("It is attached."))
        .expect("the reply arrived");
    let ack = mails
        .iter()
        .find(|m| !m.text.contains("It is attached."))
        .expect("the acknowledgement arrived");
    assert!(reply.subject.contains(&number), "{}", reply.subject);
    assert_eq!(reply.in_reply_to, vec![customer_id.clone()]);
    assert!(reply.references.contains(&customer_id));
    let our_id = reply.message_id.clone().unwrap();
    let (t, m) = parse_our_message_id(&our_id, SECRET, "lossless.test").expect("our signed id");
    assert_eq!(t, ticket.id);
    let sent = deliveries.iter().find(|d| d.message_id == m).unwrap();
    assert_eq!(sent.email_message_id.as_deref(), Some(our_id.as_str()));
    assert!(
        find_body_marker(&reply.text, SECRET) == Some(ticket.id),
        "{}",
        reply.text
    );
    assert_eq!(reply.auto.auto_submitted, None);
    assert_eq!(ack.auto.auto_submitted.as_deref(), Some("auto-replied"));
    assert!(ack.subject.contains(&number), "{}", ack.subject);

    // SMTP outage: the job fails, is retried later, the message stays pending with the error.
    let ticket = store.ticket(ticket.id).await.unwrap().unwrap();
    services::reply(&p, &agent, ticket.id, ticket.version, "Second answer.")
        .await
        .unwrap();
    let down = email_out(1);
    worker::round(&p, Some(&down), "test-node").await;
    let msg = store
        .messages(ticket.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.body == "Second answer.")
        .expect("the message is not lost");
    let job = store
        .jobs(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .find(|j| {
            j.kind
                == JobKind::DeliverEmail {
                    ticket_id: ticket.id,
                    message_id: msg.id,
                }
        })
        .unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 1));
    assert!(job.last_error.is_some());
    let d = store.deliveries(ticket.id).await.unwrap();
    let d = d.iter().find(|d| d.message_id == msg.id).unwrap();
    assert_eq!(d.state, DeliveryState::Pending);
    assert!(d.error.as_deref().unwrap_or("").contains("smtp"), "{d:?}");

    // The server is back: after the backoff (2 s) the next attempt delivers it.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    worker::round(&p, Some(&good), "test-node").await;
    let d = store.deliveries(ticket.id).await.unwrap();
    let d = d.iter().find(|d| d.message_id == msg.id).unwrap();
    assert_eq!((d.state, d.error.as_deref()), (DeliveryState::Sent, None));
    let mails = wait_for_mails(&tag, 3).await;
    assert_eq!(mails.len(), 3);

    customer_mails(&tag, true).await;
    store.close().await;
}
