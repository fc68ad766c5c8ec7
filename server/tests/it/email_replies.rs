//! Replies by email against the real mail servers (`scripts/mail.sh`):
//!
//! - **Participants are copied** (issue 3, point 7): customer@ writes to support@ with
//!   other@ in Cc; the agent's reply reaches both INBOXes with `Cc: other@`, the automatic
//!   acknowledgement only the customer; other@'s follow-up quoting the ticket number threads
//!   into the same ticket.
//! - **Replies to closed tickets follow the mailbox's policy**: under `new_linked` (the
//!   default) a reply starts a new ticket and both histories record the link; under `reopen`
//!   the reply reopens the ticket with a history event saying so, while an automatic reply
//!   never reopens it.
//!
//! Mailboxes are shared with other tests and runs: mails carry a unique tag and are deleted
//! at the end; assertions only look at tagged mail.

use crate::email_intake::{
    delete_uids, ensure_mail_servers, imap_account, imap_inbox, send_mail, send_mail_to, tagged,
    uid_set,
};
use crate::support;
use lossless::actor::{Actor, ActorRef, Role};
use lossless::email::admin::TransportSecurity;
use lossless::email::{ClosedTicketPolicy, DeliveryState, EmailSettings, InboundEmail};
use lossless::ids::{AgentId, EmailAddress};
use lossless::ports::Store;
use lossless::services::{self, EmailOut, Ports, TicketChange};
use lossless::ticket::{Status, Ticket, TicketEvent};
use lossless_server::email::imap::{ImapAccount, fetch_once};
use lossless_server::email::smtp::{SmtpAccount, SmtpMailer};
use lossless_server::store::SqlStore;
use lossless_server::worker;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &[u8] = b"replies-test-secret-0123456789";
const SUPPORT: &str = "support@lossless.test";
const CUSTOMER: &str = "customer@customer.test";
const OTHER: &str = "other@customer.test";

fn settings(policy: ClosedTicketPolicy) -> EmailSettings {
    EmailSettings {
        closed_policy: policy,
        ..support::email_settings(SECRET, &[SUPPORT, "sales@lossless.test"])
    }
}

fn account(policy: ClosedTicketPolicy) -> ImapAccount {
    imap_account("support", SUPPORT, "support-pw", settings(policy))
}

fn email_out() -> EmailOut {
    let mailer = SmtpMailer::new(&SmtpAccount {
        from: EmailAddress::parse(SUPPORT).unwrap(),
        host: "127.0.0.1".into(),
        port: 2525,
        security: TransportSecurity::Plain,
        user: None,
        password: String::new(),
    })
    .unwrap();
    EmailOut {
        settings: settings(ClosedTicketPolicy::default()),
        mailer: Arc::new(mailer),
    }
}

fn admin() -> Actor {
    Actor::Agent {
        id: AgentId(1),
        role: Role::Admin,
    }
}

/// A tagged mail (`headers` are extra header lines, each ending in `\n`).
fn mail(from: &str, headers: &str, subject: &str, id: &str, tag: &str, body: &str) -> String {
    format!(
        "From: Test <{from}>\nTo: {SUPPORT}\n{headers}Subject: {subject}\nMessage-ID: <{id}>\n\
         X-Lossless-Test: {tag}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

/// Fetches the support mailbox with `policy` until `done` holds (≤ 10 s).
async fn fetch_until<F>(
    what: &str,
    p: &Ports,
    store: &SqlStore,
    policy: ClosedTicketPolicy,
    mut done: F,
) where
    F: AsyncFnMut(&SqlStore) -> bool,
{
    for _ in 0..200 {
        fetch_once(p, &account(policy)).await.unwrap();
        if done(store).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not there within 20 s");
}

/// The mails in `user`'s INBOX with `tag` in the subject, parsed (deleting them when
/// `delete`).
async fn inbox(user: &str, password: &str, tag: &str, delete: bool) -> Vec<InboundEmail> {
    use futures_util::StreamExt as _;
    let mut s = imap_inbox(user, password).await;
    let uids: Vec<u32> = s
        .uid_search(format!("SUBJECT {tag}"))
        .await
        .unwrap()
        .into_iter()
        .collect();
    let mut out = Vec::new();
    if !uids.is_empty() {
        let set = uid_set(&uids);
        {
            let mut st = s.uid_fetch(&set, "(UID BODY.PEEK[])").await.unwrap();
            while let Some(f) = st.next().await {
                let raw = f.unwrap().body().map(<[u8]>::to_vec).unwrap_or_default();
                out.push(lossless_server::email::parse::parse(&raw).unwrap());
            }
        }
        if delete {
            delete_uids(&mut s, &set).await;
        }
    }
    s.logout().await.unwrap();
    out
}

/// Waits (≤ 10 s) for a mail from us with `text` in `user`'s INBOX.
async fn wait_for_ours(user: &str, password: &str, tag: &str, text: &str) -> InboundEmail {
    for _ in 0..100 {
        let found = inbox(user, password, tag, false)
            .await
            .into_iter()
            .find(|m| from_us(m) && m.text.contains(text));
        if let Some(m) = found {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail with {text:?} reached {user}");
}

fn from_us(m: &InboundEmail) -> bool {
    m.from
        .as_ref()
        .is_some_and(|f| f.address.as_str() == SUPPORT)
}

async fn delete_tagged(user: &str, password: &str, tag: &str) {
    inbox(user, password, tag, true).await;
}

async fn events(store: &SqlStore, t: &Ticket) -> Vec<(ActorRef, TicketEvent)> {
    store
        .history(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.actor, h.event))
        .collect()
}

async fn close(p: &Ports, store: &SqlStore, t: &Ticket) -> Ticket {
    for status in [Status::Resolved, Status::Closed] {
        let now = store.ticket(t.id).await.unwrap().unwrap();
        let change = TicketChange {
            status: Some(status),
            ..TicketChange::default()
        };
        services::change_ticket(p, &admin(), t.id, now.version, &change)
            .await
            .unwrap();
    }
    let closed = store.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(closed.status, Status::Closed);
    closed
}

// One test walks both scenarios on each database: they share the support mailbox, and one
// run's cleanup must not race the other's fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_copy_participants_and_closed_tickets_follow_the_policy() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        skip_backlog(&url, &store).await;
        participants_are_copied(&p, &store).await;
        closed_ticket_policies(&p, &store).await;
        store.close().await;
    })
    .await;
}

/// Starts the support mailbox's cursor at the server's current end: mail other tests and runs
/// left there is not this test's (and must not get acknowledgements from its worker).
async fn skip_backlog(url: &str, store: &SqlStore) {
    let mut s = imap_inbox(SUPPORT, "support-pw").await;
    let mb = s.examine("INBOX").await.unwrap();
    s.logout().await.unwrap();
    let (validity, next) = (mb.uid_validity.unwrap(), mb.uid_next.unwrap());
    support::mailbox(store, "support", SUPPORT).await;
    let sql = format!(
        "UPDATE mailboxes SET uidvalidity = {validity}, last_uid = {} WHERE name = 'support'",
        next.saturating_sub(1)
    );
    support::with_pool!(url, |pool| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    });
}

/// Runs worker rounds until `ticket` has `n` outbound deliveries, all sent (≤ 20 s).
async fn deliver(p: &Ports, store: &SqlStore, ticket: &Ticket, n: usize) {
    let out = email_out();
    for _ in 0..200 {
        worker::round(p, Some(&out), "replies-node").await;
        let d = store.deliveries(ticket.id).await.unwrap();
        if d.len() == n && d.iter().all(|d| d.state == DeliveryState::Sent) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "deliveries of {}: {:?}",
        ticket.number,
        store.deliveries(ticket.id).await.unwrap()
    );
}

async fn participants_are_copied(p: &Ports, store: &SqlStore) {
    let tag = support::unique_tag("LLC");
    let first = mail(
        CUSTOMER,
        &format!("Cc: Other <{OTHER}>\n"),
        &format!("{tag} shared question"),
        &format!("{tag}-1@customer.test"),
        &tag,
        "Please answer both of us.",
    );
    send_mail_to(CUSTOMER, &[SUPPORT, OTHER], &first).await;
    let policy = ClosedTicketPolicy::default();
    fetch_until(
        "the customer's mail with Cc",
        p,
        store,
        policy,
        async |s: &SqlStore| tagged(s, &tag).await.len() == 1,
    )
    .await;
    let ticket = tagged(store, &tag).await[0].clone();
    assert_eq!(
        store.ticket_participants(ticket.id).await.unwrap(),
        vec![OTHER.to_owned()]
    );

    // The acknowledgement (automatic: the customer only), then the agent's reply (copied).
    deliver(p, store, &ticket, 1).await;
    services::reply(
        p,
        &admin(),
        ticket.id,
        store.ticket(ticket.id).await.unwrap().unwrap().version,
        "Answer for both.",
    )
    .await
    .unwrap();
    deliver(p, store, &ticket, 2).await;
    let to_customer = wait_for_ours(CUSTOMER, "customer-pw", &tag, "Answer for both.").await;
    let to_other = wait_for_ours(OTHER, "other-pw", &tag, "Answer for both.").await;
    for m in [&to_customer, &to_other] {
        let to: Vec<&str> = m.to.iter().map(|a| a.address.as_str()).collect();
        let cc: Vec<&str> = m.cc.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(to, [CUSTOMER]);
        assert_eq!(cc, [OTHER], "the reply shows other@ in Cc");
        assert!(
            m.subject.contains(&format!("[#{}]", ticket.number)),
            "{}",
            m.subject
        );
    }
    assert_eq!(
        to_customer.message_id, to_other.message_id,
        "one mail, two recipients"
    );
    // The customer got the acknowledgement and the reply; other@ only the reply.
    let mut ours_at_customer = 0;
    for _ in 0..100 {
        ours_at_customer = inbox(CUSTOMER, "customer-pw", &tag, false)
            .await
            .into_iter()
            .filter(from_us)
            .count();
        if ours_at_customer >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ours_at_customer, 2);
    let ours_at_other = inbox(OTHER, "other-pw", &tag, false)
        .await
        .into_iter()
        .filter(from_us)
        .count();
    assert_eq!(ours_at_other, 1);

    // other@ answers with the number in the subject (no thread headers): same ticket.
    let follow = mail(
        OTHER,
        "",
        &format!("Re: [#{}] {tag} shared question", ticket.number),
        &format!("{tag}-2@customer.test"),
        &tag,
        "Thanks, that works for me too.",
    );
    send_mail(OTHER, SUPPORT, &follow).await;
    let id = ticket.id;
    fetch_until(
        "other@'s follow-up",
        p,
        store,
        policy,
        async |s: &SqlStore| {
            s.messages(id, true)
                .await
                .unwrap()
                .iter()
                .any(|m| m.body == "Thanks, that works for me too.")
        },
    )
    .await;
    assert_eq!(tagged(store, &tag).await.len(), 1, "no new ticket");
    let thread = store.messages(id, true).await.unwrap();
    assert_eq!(thread.len(), 4, "mail, acknowledgement, reply, follow-up");

    delete_tagged(CUSTOMER, "customer-pw", &tag).await;
    delete_tagged(OTHER, "other-pw", &tag).await;
    delete_tagged(SUPPORT, "support-pw", &tag).await;
}

async fn closed_ticket_policies(p: &Ports, store: &SqlStore) {
    let tag = support::unique_tag("LLZ");
    let customer = format!("{}@customer.test", tag.to_lowercase());
    let customer = customer.as_str();
    for n in 1..=2 {
        let m = mail(
            customer,
            "",
            &format!("{tag} case {n}"),
            &format!("{tag}-{n}@customer.test"),
            &tag,
            &format!("Case {n}."),
        );
        send_mail(customer, SUPPORT, &m).await;
    }
    let policy = ClosedTicketPolicy::NewLinked;
    fetch_until(
        "the two new cases",
        p,
        store,
        policy,
        async |s: &SqlStore| tagged(s, &tag).await.len() == 2,
    )
    .await;
    let tickets = tagged(store, &tag).await;
    let linked = tickets
        .iter()
        .find(|t| t.subject.ends_with("case 1"))
        .unwrap();
    let reopen = tickets
        .iter()
        .find(|t| t.subject.ends_with("case 2"))
        .unwrap();
    let linked = close(p, store, linked).await;
    let reopen = close(p, store, reopen).await;

    // new_linked: the reply starts a new ticket; both histories record the link.
    let reply = mail(
        customer,
        &format!("In-Reply-To: <{tag}-1@customer.test>\n"),
        &format!("Re: {tag} case 1"),
        &format!("{tag}-1r@customer.test"),
        &tag,
        "Case 1 is back.",
    );
    send_mail(customer, SUPPORT, &reply).await;
    fetch_until(
        "the reply to closed case 1",
        p,
        store,
        ClosedTicketPolicy::NewLinked,
        async |s: &SqlStore| tagged(s, &tag).await.len() == 3,
    )
    .await;
    let new = tagged(store, &tag).await[2].clone();
    assert_eq!(
        store.ticket(linked.id).await.unwrap().unwrap().status,
        Status::Closed
    );
    assert_eq!(
        store.messages(new.id, true).await.unwrap()[0].body,
        "Case 1 is back."
    );
    assert!(events(store, &new).await.contains(&(
        ActorRef::System,
        TicketEvent::FollowUpOf {
            ticket: linked.id,
            number: linked.number.clone()
        }
    )));
    assert!(events(store, &linked).await.contains(&(
        ActorRef::System,
        TicketEvent::ContinuedIn {
            ticket: new.id,
            number: new.number.clone()
        }
    )));

    // reopen: an auto-reply does not reopen (it starts a linked ticket); the customer's
    // reply does, and says so.
    let auto = mail(
        customer,
        &format!("In-Reply-To: <{tag}-2@customer.test>\nAuto-Submitted: auto-replied\n"),
        &format!("Re: {tag} case 2 (away)"),
        &format!("{tag}-2a@customer.test"),
        &tag,
        "I am away.",
    );
    send_mail(customer, SUPPORT, &auto).await;
    fetch_until(
        "the auto-reply to closed case 2",
        p,
        store,
        ClosedTicketPolicy::Reopen,
        async |s: &SqlStore| tagged(s, &tag).await.len() == 4,
    )
    .await;
    assert_eq!(
        store.ticket(reopen.id).await.unwrap().unwrap().status,
        Status::Closed
    );

    let reply = mail(
        customer,
        &format!("In-Reply-To: <{tag}-2@customer.test>\n"),
        &format!("Re: {tag} case 2"),
        &format!("{tag}-2r@customer.test"),
        &tag,
        "Case 2 is back.",
    );
    send_mail(customer, SUPPORT, &reply).await;
    let id = reopen.id;
    fetch_until(
        "the reply to closed case 2",
        p,
        store,
        ClosedTicketPolicy::Reopen,
        async |s: &SqlStore| s.messages(id, true).await.unwrap().len() == 2,
    )
    .await;
    assert_eq!(tagged(store, &tag).await.len(), 4, "no new ticket");
    let now = store.ticket(reopen.id).await.unwrap().unwrap();
    assert_eq!(now.status, Status::Open);
    let history: Vec<TicketEvent> = events(store, &now)
        .await
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert!(
        history.contains(&TicketEvent::ReopenedByReply),
        "{history:?}"
    );
    assert!(history.contains(&TicketEvent::StatusChanged {
        from: Status::Closed,
        to: Status::Open
    }));
    assert_eq!(
        store.messages(reopen.id, true).await.unwrap()[1].body,
        "Case 2 is back."
    );

    // No worker ran for these tickets: nothing was sent to the per-run sender.
    delete_tagged(SUPPORT, "support-pw", &tag).await;
}
