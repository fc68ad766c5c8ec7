//! Customer notices (issue 7, point 6) on both databases: "taken into work" once per ticket,
//! "waiting for you" when set to pending with reminders every 48 hours (at most two, none
//! after the customer answered), "resolved"; all as public system messages in the thread
//! (portal, widget chat), by email through the real Postfix/Dovecot for email tickets and
//! other tickets whose contact has an address; a widget site's switched-off notices are not
//! sent. Time moves on a fixed clock; the worker runs the due jobs.

use crate::email_intake::ensure_mail_servers;
use crate::email_outbound::{customer_mails, email_out, wait_for_mails};
use crate::support::{self, SqlStore, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use lossless::actor::{Actor, ActorRef, Role};
use lossless::email::{DeliveryState, EmailSettings};
use lossless::ids::{AgentId, Lang, NumberPrefix, VisitorToken};
use lossless::intake::RawRequest;
use lossless::job::{JobKind, JobStatus};
use lossless::notices::{CustomerNotice, MAX_REMINDERS, REMINDER_AFTER};
use lossless::ports::{FixedClock, Store as _};
use lossless::services::{self, EmailOut, Ports, TicketChange};
use lossless::ticket::{Channel, Status, Ticket};
use lossless::widget::{CustomerNotices, SiteInput};
use lossless_server::worker;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

struct World {
    store: SqlStore,
    p: Ports,
    clock: Arc<FixedClock>,
    boss: Actor,
    ann: AgentId,
    bob: AgentId,
    email: Option<EmailOut>,
}

async fn world(url: &str, email: Option<EmailOut>) -> World {
    let store = SqlStore::connect(url).await.expect("connect");
    let (p, clock) = support::fixed_ports(&store, t0(), NumberPrefix::default());
    let boss_id = support::new_agent(&store, "Boss", Role::Admin, Lang::En).await;
    let ann = support::new_agent(&store, "Ann", Role::Agent, Lang::En).await;
    let bob = support::new_agent(&store, "Bob", Role::Agent, Lang::En).await;
    World {
        store,
        p,
        clock,
        boss: Actor::Agent {
            id: boss_id,
            role: Role::Admin,
        },
        ann,
        bob,
        email,
    }
}

impl World {
    /// Runs every due job (sending email when the world has a mailer).
    async fn drain(&self) {
        for _ in 0..1000 {
            if worker::round(&self.p, self.email.as_ref(), "notices-test").await == 0 {
                return;
            }
        }
        panic!("the worker never ran out of jobs");
    }

    /// A web-form ticket of a customer reachable by `email` or, when empty, by phone only.
    async fn web_ticket(&self, email: &str, subject: &str) -> Ticket {
        let raw = RawRequest {
            name: "Клиент".into(),
            email: email.into(),
            phone: if email.is_empty() {
                "+7 912 000 11 22".into()
            } else {
                String::new()
            },
            subject: subject.into(),
            message: "Где мой заказ?".into(),
            ..Default::default()
        };
        let valid = raw.validate(Channel::WebForm, Lang::Ru).unwrap();
        let t = services::submit_request(
            &self.p,
            valid,
            None,
            lossless_server::http::new_portal_token(),
        )
        .await
        .unwrap()
        .ticket;
        self.drain().await;
        t
    }

    async fn fresh(&self, t: &Ticket) -> Ticket {
        self.store.ticket(t.id).await.unwrap().unwrap()
    }

    async fn change(&self, t: &Ticket, change: TicketChange) {
        let fresh = self.fresh(t).await;
        services::change_ticket(&self.p, &self.boss, t.id, fresh.version, &change)
            .await
            .unwrap();
        self.drain().await;
    }

    async fn assign(&self, t: &Ticket, to: AgentId) {
        self.change(
            t,
            TicketChange {
                assignee: Some(Some(to)),
                ..TicketChange::default()
            },
        )
        .await;
    }

    async fn set_status(&self, t: &Ticket, s: Status) {
        self.change(
            t,
            TicketChange {
                status: Some(s),
                ..TicketChange::default()
            },
        )
        .await;
    }

    /// Moves the clock on, then runs what became due.
    async fn wait(&self, d: Duration) {
        self.clock.advance(d);
        self.drain().await;
    }

    /// The texts of the notices in the ticket's public thread, oldest first.
    async fn notices(&self, t: &Ticket) -> Vec<String> {
        let t = self.fresh(t).await;
        self.store
            .messages(t.id, false)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| {
                m.author == ActorRef::System
                    && lossless::notices::is_notice_text(&m.body, t.lang, &t.number)
            })
            .map(|m| m.body)
            .collect()
    }

    /// The notice texts of `kinds` for ticket `t`, in its language.
    async fn texts(&self, t: &Ticket, kinds: &[CustomerNotice]) -> Vec<String> {
        let t = self.fresh(t).await;
        kinds.iter().map(|k| k.text(t.lang, &t.number)).collect()
    }

    /// Notice jobs of ticket `t` still waiting to run.
    async fn queued_notices(&self, t: &Ticket) -> Vec<String> {
        self.store
            .jobs(None, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| {
                j.status == JobStatus::Queued
                    && matches!(j.kind, JobKind::CustomerNotice { ticket_id, .. } if ticket_id == t.id)
            })
            .map(|j| j.key)
            .collect()
    }
}

use CustomerNotice::{Reminder, Resolved, Taken, Waiting};

#[tokio::test]
async fn status_changes_tell_the_customer_once_each_and_reminders_stop_at_two() {
    on_both_databases(|url| async move {
        let w = world(&url, None).await;
        let t = w.web_ticket("", "Заказ 1").await;
        assert!(
            w.notices(&t).await.is_empty(),
            "a new ticket: no notice yet"
        );

        // Taken into work on the first assignment; a hand-over says nothing more.
        w.assign(&t, w.ann).await;
        assert_eq!(w.notices(&t).await, w.texts(&t, &[Taken]).await);
        w.assign(&t, w.bob).await;
        w.set_status(&t, Status::Open).await;
        assert_eq!(w.notices(&t).await, w.texts(&t, &[Taken]).await);

        // Waiting for the customer, then a reminder 48 hours later, and one more; no third.
        w.set_status(&t, Status::Pending).await;
        assert_eq!(w.notices(&t).await, w.texts(&t, &[Taken, Waiting]).await);
        w.wait(REMINDER_AFTER - Duration::minutes(1)).await;
        assert_eq!(w.notices(&t).await.len(), 2, "not before 48 hours");
        w.wait(Duration::minutes(1)).await;
        assert_eq!(
            w.notices(&t).await,
            w.texts(&t, &[Taken, Waiting, Reminder { n: 1 }]).await
        );
        w.wait(REMINDER_AFTER).await;
        w.wait(REMINDER_AFTER * 3).await;
        let all = w.notices(&t).await;
        assert_eq!(all.len(), 2 + MAX_REMINDERS as usize, "{all:?}");
        assert!(w.queued_notices(&t).await.is_empty());

        // Resolved: the last word, public, from the system, in the portal too.
        w.set_status(&t, Status::Resolved).await;
        let resolved = w.texts(&t, &[Resolved]).await.remove(0);
        assert_eq!(w.notices(&t).await.last(), Some(&resolved));
        let portal = services::portal_ticket(&w.p, &w.fresh(&t).await.portal_token)
            .await
            .unwrap();
        assert!(portal.messages.iter().any(|m| m.body == resolved));
        assert!(
            w.store.deliveries(t.id).await.unwrap().is_empty(),
            "no address: nothing is mailed"
        );
        // Every notice is there once, however often the worker looks again.
        w.wait(Duration::hours(1)).await;
        assert_eq!(w.notices(&t).await.len(), 5);
    })
    .await;
}

#[tokio::test]
async fn a_customer_answer_stops_the_reminders_and_a_new_wait_starts_afresh() {
    on_both_databases(|url| async move {
        let w = world(&url, None).await;
        let t = w.web_ticket("", "Заказ 2").await;
        w.assign(&t, w.ann).await;
        w.set_status(&t, Status::Pending).await;
        w.wait(Duration::hours(10)).await;
        let token = w.fresh(&t).await.portal_token;
        services::portal_reply(&w.p, &token, "Вот номер заказа: 12345")
            .await
            .unwrap();
        w.drain().await;
        assert_eq!(w.fresh(&t).await.status, Status::Open);
        w.wait(REMINDER_AFTER * 3).await;
        assert_eq!(
            w.notices(&t).await,
            w.texts(&t, &[Taken, Waiting]).await,
            "no reminder after the customer answered"
        );

        // Pending again: a new "waiting" and this spell's own reminder.
        w.set_status(&t, Status::Pending).await;
        w.wait(REMINDER_AFTER).await;
        assert_eq!(
            w.notices(&t).await,
            w.texts(&t, &[Taken, Waiting, Waiting, Reminder { n: 1 }])
                .await
        );
        // Resolved before the second reminder: it is not sent.
        w.set_status(&t, Status::Resolved).await;
        w.wait(REMINDER_AFTER * 2).await;
        assert_eq!(
            w.notices(&t).await,
            w.texts(&t, &[Taken, Waiting, Waiting, Reminder { n: 1 }, Resolved])
                .await
        );
        assert!(w.queued_notices(&t).await.is_empty());
    })
    .await;
}

fn mail_settings() -> EmailSettings {
    support::email_settings(
        b"notices-test-secret-0123456789ab",
        &["support@lossless.test"],
    )
}

fn mailer() -> EmailOut {
    EmailOut {
        settings: mail_settings(),
        ..email_out(2525)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_tickets_and_customers_with_an_address_get_the_notices_by_email() {
    ensure_mail_servers().await;
    on_both_databases(|url| async move {
        let w = world(&url, Some(mailer())).await;
        let tag = support::unique_tag("LLN");

        // An email ticket: the customer's mail, taken in as the IMAP adapter would.
        let raw = format!(
            "From: Customer <customer@customer.test>\r\nTo: support@lossless.test\r\n\
             Subject: {tag} refund\r\nMessage-ID: <{tag}-1@customer.test>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nГде мой возврат?\r\n"
        )
        .into_bytes();
        let mailbox = support::mailbox(&w.store, "support", "support@lossless.test").await;
        let got = support::ingest_raw(&w.p, &mail_settings(), mailbox.id, 1, raw).await;
        let t = w.fresh_id(got.ticket.unwrap()).await;
        assert_eq!(t.channel, Channel::Email);
        w.drain().await;
        w.assign(&t, w.ann).await;
        w.set_status(&t, Status::Pending).await;
        w.set_status(&t, Status::Resolved).await;
        let expected = w.texts(&t, &[Taken, Waiting, Resolved]).await;
        assert_eq!(w.notices(&t).await, expected);
        let deliveries = w.store.deliveries(t.id).await.unwrap();
        assert_eq!(deliveries.len(), 4, "acknowledgement and three notices");
        assert!(
            deliveries.iter().all(|d| d.state == DeliveryState::Sent),
            "{deliveries:?}"
        );

        // A web-form ticket of a customer with an address: mailed too.
        let web = w
            .web_ticket("customer@customer.test", &format!("{tag} web"))
            .await;
        w.assign(&web, w.bob).await;
        let web_taken = w.texts(&web, &[Taken]).await.remove(0);
        assert_eq!(w.notices(&web).await, vec![web_taken.clone()]);

        let mails: Vec<lossless::email::InboundEmail> = wait_for_mails(&tag, 5)
            .await
            .iter()
            .map(|raw| lossless_server::email::parse::parse(raw).unwrap())
            .collect();
        let number = format!("[#{}]", t.number);
        for text in &expected {
            let m = mails
                .iter()
                .find(|m| m.text.contains(text.as_str()))
                .unwrap_or_else(|| panic!("the notice {text:?} arrived"));
            assert!(
                m.subject.starts_with(&format!("Re: {number}")),
                "{}",
                m.subject
            );
            assert!(m.auto.auto_submitted.is_some(), "automatic mail is marked");
        }
        assert!(mails.iter().any(|m| m.text.contains(web_taken.as_str())));
        assert_eq!(
            mails
                .iter()
                .filter(|m| expected.iter().any(|e| m.text.contains(e.as_str())))
                .count(),
            3,
            "each notice once"
        );
        customer_mails(&tag, true).await;
    })
    .await;
}

impl World {
    async fn fresh_id(&self, id: lossless::ids::TicketId) -> Ticket {
        self.store.ticket(id).await.unwrap().unwrap()
    }

    /// A widget site with `notices`, and a chat ticket a visitor (`seed` names them) opened on
    /// it.
    async fn chat_ticket(&self, notices: CustomerNotices, seed: u8) -> Ticket {
        let site = services::widget::save_site(
            &self.p,
            &self.boss,
            None,
            &SiteInput {
                name: "Shop".into(),
                languages: vec!["ru".into()],
                allowed_origins: "https://shop.example".into(),
                chat: true,
                notices,
                ..SiteInput::default()
            },
        )
        .await
        .unwrap();
        let token = VisitorToken::from_random(&[seed; 16]).unwrap();
        services::widget::begin_session(&self.p, &site.key, None, token.clone(), None, None)
            .await
            .unwrap();
        services::widget::send_message(
            &self.p,
            &site.key,
            &token,
            &services::widget::ChatInput {
                body: "Здравствуйте, где мой заказ?".into(),
                attachments: vec![],
                client_id: "c1".into(),
            },
            lossless_server::http::new_portal_token(),
        )
        .await
        .unwrap();
        let session = services::widget::begin_session(
            &self.p,
            &site.key,
            Some(token.as_str()),
            VisitorToken::from_random(&[seed + 100; 16]).unwrap(),
            None,
            None,
        )
        .await
        .unwrap();
        self.drain().await;
        session.thread.expect("the chat's ticket").ticket
    }
}

#[tokio::test]
async fn a_sites_switched_off_notices_are_not_sent_and_chats_get_the_rest_in_the_chat() {
    on_both_databases(|url| async move {
        let w = world(&url, None).await;
        let t = w
            .chat_ticket(
                CustomerNotices {
                    taken: false,
                    waiting: false,
                    resolved: true,
                    reminder: true,
                },
                1,
            )
            .await;
        assert_eq!(t.channel, Channel::Widget);
        w.assign(&t, w.ann).await;
        w.set_status(&t, Status::Pending).await;
        assert!(w.notices(&t).await.is_empty(), "taken and waiting are off");
        w.wait(REMINDER_AFTER).await;
        w.set_status(&t, Status::Resolved).await;
        let expected = w.texts(&t, &[Reminder { n: 1 }, Resolved]).await;
        assert_eq!(w.notices(&t).await, expected);
        // In the visitor's chat, from the system (no agent name), and never by email.
        let chat = services::widget::public_messages(&w.p, t.id, None)
            .await
            .unwrap();
        for text in &expected {
            let m = chat.iter().find(|m| &m.body == text).expect("in the chat");
            assert!(!m.from_visitor && m.author.is_none());
        }
        assert!(w.store.deliveries(t.id).await.unwrap().is_empty());

        // A site with every notice off: nothing at all.
        let quiet = w
            .chat_ticket(
                CustomerNotices {
                    taken: false,
                    waiting: false,
                    resolved: false,
                    reminder: false,
                },
                2,
            )
            .await;
        w.assign(&quiet, w.bob).await;
        w.set_status(&quiet, Status::Pending).await;
        w.wait(REMINDER_AFTER * 3).await;
        w.set_status(&quiet, Status::Resolved).await;
        assert!(w.notices(&quiet).await.is_empty());
        assert!(w.queued_notices(&quiet).await.is_empty());
    })
    .await;
}
