//! Agent alerts (issue 6, deliverable 9) on both databases: "assigned to you" (not when
//! taking it yourself), "the customer replied" to the owner, `@mentions` in internal notes,
//! one in-app notification per alert however often its job runs, and email per the agent's
//! preferences through the real Postfix/Dovecot.

use crate::support::{SqlStore, on_both_databases};
use chrono::{DateTime, TimeZone, Utc};
use lossless::actor::{Actor, Role};
use lossless::ids::{AgentId, Lang, NumberPrefix};
use lossless::intake::RawRequest;
use lossless::notification::EmailPrefs;
use lossless::ports::Store as _;
use lossless::services::{self, Ports, TicketChange};
use lossless::ticket::{Channel, Ticket};
use lossless_server::worker;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

struct World {
    store: SqlStore,
    p: Ports,
}

async fn world(url: &str, prefix: NumberPrefix) -> World {
    let store = SqlStore::connect(url).await.expect("connect");
    let (p, _clock) = crate::support::fixed_ports(&store, t0(), prefix);
    World { store, p }
}

fn as_agent(id: AgentId, role: Role) -> Actor {
    Actor::Agent { id, role }
}

impl World {
    async fn ticket(&self) -> Ticket {
        let raw = RawRequest {
            name: "Клиент".into(),
            email: "client@example.ru".into(),
            subject: "Возврат".into(),
            message: "Верните деньги".into(),
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

    async fn drain(&self) {
        crate::support::drain(&self.p, "alerts-test").await;
    }

    async fn texts(&self, a: AgentId) -> Vec<String> {
        self.store
            .notifications(a, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect()
    }

    async fn assign(&self, by: &Actor, t: &Ticket, to: AgentId) -> Ticket {
        let fresh = self.store.ticket(t.id).await.unwrap().unwrap();
        services::change_ticket(
            &self.p,
            by,
            t.id,
            fresh.version,
            &TicketChange {
                assignee: Some(Some(to)),
                ..TicketChange::default()
            },
        )
        .await
        .unwrap()
    }

    async fn note(&self, by: &Actor, t: &Ticket, text: &str) {
        let fresh = self.store.ticket(t.id).await.unwrap().unwrap();
        services::add_note(&self.p, by, t.id, fresh.version, text)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn assignments_replies_and_mentions_alert_the_right_agent_once() {
    on_both_databases(|url| async move {
        let w = world(&url, NumberPrefix::default()).await;
        let boss = crate::support::new_agent(&w.store, "Boss", Role::Manager, Lang::En).await;
        let ann = w
            .store
            .create_agent(lossless::team::NewAgent {
                email: lossless::ids::EmailAddress::parse("anna@example.ru").unwrap(),
                name: "Анна Петрова".into(),
                role: Role::Agent,
                lang: Lang::Ru,
                password_hash: "x".into(),
            })
            .await
            .unwrap()
            .id;
        let bob = crate::support::new_agent(&w.store, "Bob", Role::Agent, Lang::En).await;
        let boss_a = as_agent(boss, Role::Manager);
        let ann_a = as_agent(ann, Role::Agent);

        // Assigned by the manager: Anna hears of it, in Russian, with the manager's name.
        let t = w.ticket().await;
        w.assign(&boss_a, &t, ann).await;
        w.drain().await;
        let texts = w.texts(ann).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(
            texts[0].starts_with("Boss назначил(а) вам обращение")
                && texts[0].contains(&t.number.to_string()),
            "{texts:?}"
        );

        // Taking a ticket yourself alerts nobody.
        let t2 = w.ticket().await;
        w.assign(&ann_a, &t2, ann).await;
        w.drain().await;
        assert_eq!(w.texts(ann).await.len(), 1);

        // The customer answers in the portal: the owner hears of it.
        services::portal_reply(&w.p, &t.portal_token, "Есть новости?")
            .await
            .unwrap();
        w.drain().await;
        let texts = w.texts(ann).await;
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("Клиент ответил"), "{texts:?}");
        assert!(w.texts(boss).await.is_empty());

        // A note mentioning Bob and Anna by the manager alerts both; the author is never
        // alerted by their own mention; an address is no mention.
        w.note(
            &boss_a,
            &t,
            "@bob @АннаПетрова посмотрите, и @boss тоже; пишите boss@x.ru",
        )
        .await;
        w.drain().await;
        let bob_texts = w.texts(bob).await;
        assert_eq!(bob_texts.len(), 1, "{bob_texts:?}");
        assert!(
            bob_texts[0].starts_with("Boss mentioned you in a note"),
            "{bob_texts:?}"
        );
        assert_eq!(w.texts(ann).await.len(), 3);
        assert!(w.texts(boss).await.is_empty());

        // Handed on before the alert went out: the stale "assigned to you" is dropped.
        let t3 = w.ticket().await;
        w.assign(&boss_a, &t3, bob).await;
        w.assign(&boss_a, &t3, ann).await;
        w.drain().await;
        assert_eq!(
            w.texts(bob).await.len(),
            1,
            "no alert for a ticket no longer Bob's"
        );
        assert_eq!(w.texts(ann).await.len(), 4);

        // A keyed notification is stored once however often its job runs.
        let n = lossless::notification::NewNotification {
            agent: bob,
            ticket: Some(t.id),
            text: "x".into(),
        };
        assert!(
            w.store
                .add_keyed_notification("k1", n.clone(), t0())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            w.store
                .add_keyed_notification("k1", n, t0())
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(w.texts(bob).await.len(), 2);

        // Preferences: defaults on; only the agent sees and changes their own.
        assert_eq!(
            services::alerts::my_email_prefs(&w.p, &ann_a)
                .await
                .unwrap(),
            EmailPrefs::default()
        );
        let off = EmailPrefs {
            assigned: false,
            ..EmailPrefs::default()
        };
        services::alerts::save_my_email_prefs(&w.p, &ann_a, off)
            .await
            .unwrap();
        assert_eq!(w.store.agent_prefs(ann).await.unwrap(), off);
        assert_eq!(
            w.store.agent_prefs(bob).await.unwrap(),
            EmailPrefs::default()
        );
        let customer = Actor::Customer {
            contact: t.contact_id,
            ticket: t.id,
        };
        assert!(matches!(
            services::alerts::my_email_prefs(&w.p, &customer).await,
            Err(lossless::error::DomainError::Forbidden)
        ));
        assert!(matches!(
            services::alerts::save_my_email_prefs(&w.p, &customer, off).await,
            Err(lossless::error::DomainError::Forbidden)
        ));
    })
    .await;
}

#[tokio::test]
async fn alert_emails_follow_each_agents_preferences() {
    crate::email_intake::ensure_mail_servers().await;
    on_both_databases(|url| async move {
        // A unique number prefix puts a unique tag into the alerts' subjects.
        let tag = lossless_server::random_hex(3).to_uppercase();
        let prefix = NumberPrefix::parse(&format!("A{tag}")).unwrap();
        let w = world(&url, prefix).await;
        let boss = crate::support::new_agent(&w.store, "Boss", Role::Manager, Lang::En).await;
        // The test mailbox's address: the agent who reads alerts there.
        let reader = w
            .store
            .create_agent(lossless::team::NewAgent {
                email: lossless::ids::EmailAddress::parse("customer@customer.test").unwrap(),
                name: "Reader".into(),
                role: Role::Agent,
                lang: Lang::En,
                password_hash: "x".into(),
            })
            .await
            .unwrap()
            .id;
        // No email for assignments, email for mentions.
        w.store
            .save_agent_prefs(
                reader,
                EmailPrefs {
                    assigned: false,
                    ..EmailPrefs::default()
                },
            )
            .await
            .unwrap();
        let boss_a = as_agent(boss, Role::Manager);
        let t = w.ticket().await;
        w.assign(&boss_a, &t, reader).await;
        w.note(&boss_a, &t, "@reader please call the customer")
            .await;
        let email = crate::email_outbound::email_out(2525);
        for _ in 0..100 {
            if worker::round(&w.p, Some(&email), "alerts-mail").await == 0 {
                break;
            }
        }
        // Both alerts are in-app; only the mention came by email.
        assert_eq!(w.texts(reader).await.len(), 2);
        crate::email_outbound::wait_for_mails(&format!("A{tag}-"), 1).await;
        // Both sends were accepted before the wait; give a wrongly sent second mail time to
        // be delivered too.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let mails = crate::email_outbound::customer_mails(&format!("A{tag}-"), false).await;
        assert_eq!(mails.len(), 1);
        let raw = String::from_utf8_lossy(&mails[0]).to_string();
        assert!(raw.contains("Boss mentioned you in a note"), "{raw}");
        assert!(!raw.contains("assigned ticket"), "{raw}");
        crate::email_outbound::customer_mails(&format!("A{tag}-"), true).await;
    })
    .await;
}
