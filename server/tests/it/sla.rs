//! SLA running for real (issue 5): tickets created and answered through the services, the
//! job worker run round by round on a fixed clock, the store on both databases. Policy
//! choice, warnings, breach and escalation, pause while waiting for the customer, reopen
//! without an instant breach, exactly-once across two nodes, and the sweep.

use crate::support::{SqlStore, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use lossless::actor::{Actor, Role};
use lossless::ids::{AgentId, Lang, TicketId};
use lossless::intake::RawRequest;
use lossless::ports::{Clock, FixedClock, Store as _};
use lossless::rules::condition::{Condition, Predicate};
use lossless::services::{self, Ports, TicketChange};
use lossless::sla::policy::{OnBreach, Targets};
use lossless::sla::{PolicyDraft, SlaEvent, Target, TicketSla};
use lossless::team::{AssignStrategy, GroupRouting, NewAgent, Presence};
use lossless::ticket::{Channel, Priority, Status, Ticket, TicketEvent};
use lossless_server::worker;
use std::sync::Arc;

/// Monday 23 Nov 2026, 09:00 in Moscow (06:00 UTC): the default calendar is open.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0)
        .single()
        .unwrap()
}

struct World {
    store: SqlStore,
    p: Ports,
    clock: Arc<FixedClock>,
}

async fn world(url: &str) -> World {
    world_with(url, lossless::ids::NumberPrefix::default()).await
}

async fn world_with(url: &str, prefix: lossless::ids::NumberPrefix) -> World {
    let store = SqlStore::connect(url).await.expect("connect");
    let (p, clock) = crate::support::fixed_ports(&store, t0(), prefix);
    assert!(services::sla::install_defaults(&p, "test").await.unwrap());
    assert!(!services::sla::install_defaults(&p, "other").await.unwrap());
    World { store, p, clock }
}

impl World {
    async fn drain(&self) {
        crate::support::drain(&self.p, "sla-test").await;
    }

    async fn at(&self, minutes: i64) {
        self.clock.set(t0() + Duration::minutes(minutes));
        self.drain().await;
    }

    async fn agent(&self, name: &str, role: Role) -> AgentId {
        crate::support::new_agent(&self.store, name, role, Lang::Ru).await
    }

    async fn ticket(&self, subject: &str, body: &str) -> Ticket {
        let raw = RawRequest {
            name: "Клиент".into(),
            email: "client@example.ru".into(),
            subject: subject.into(),
            message: body.into(),
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

    async fn reload(&self, id: TicketId) -> Ticket {
        self.store.ticket(id).await.unwrap().unwrap()
    }

    async fn sla(&self, id: TicketId) -> TicketSla {
        self.store
            .ticket_sla(id)
            .await
            .unwrap()
            .expect("an SLA record")
    }

    async fn due(&self, id: TicketId, t: Target) -> Option<DateTime<Utc>> {
        self.sla(id).await.state.clock(t).and_then(|c| c.due_at)
    }

    async fn sla_events(&self, id: TicketId) -> Vec<SlaEvent> {
        self.store
            .history(id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|h| match h.event {
                TicketEvent::Sla { event } => Some(event),
                _ => None,
            })
            .collect()
    }

    async fn change(&self, who: &Actor, id: TicketId, c: TicketChange) {
        let v = self.reload(id).await.version;
        services::change_ticket(&self.p, who, id, v, &c)
            .await
            .unwrap();
    }

    async fn reply(&self, who: &Actor, id: TicketId) {
        let v = self.reload(id).await.version;
        services::reply(&self.p, who, id, v, "Ответ").await.unwrap();
    }

    async fn policy(&self, draft: PolicyDraft) {
        services::sla::save_policy(&self.p, &Actor::System, None, draft)
            .await
            .unwrap();
    }

    /// The agent's SLA notifications.
    async fn texts(&self, a: AgentId) -> Vec<String> {
        self.store
            .notifications(a, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .filter(|t| t.contains("SLA"))
            .collect()
    }
}

fn m(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn manager(id: AgentId) -> Actor {
    Actor::Agent {
        id,
        role: Role::Manager,
    }
}

fn agent(id: AgentId) -> Actor {
    Actor::Agent {
        id,
        role: Role::Agent,
    }
}

#[tokio::test]
async fn policies_choose_deadlines_in_business_time() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        // Any new request: first response 30 min, resolution 3 business days.
        let plain = w.ticket("Вопрос", "Здравствуйте, у меня вопрос").await;
        assert_eq!(w.due(plain.id, Target::FirstResponse).await, Some(m(30)));
        // 3 × 9 business hours from Monday 09:00 → Wednesday 18:00 Moscow.
        assert_eq!(
            w.due(plain.id, Target::Resolution).await,
            Some(m(2 * 24 * 60 + 9 * 60))
        );
        // A price request is more urgent; a technical problem has a 24-hour resolution.
        let price = w
            .ticket("Цена", "Какая цена тарифа? У вас ошибка в счёте")
            .await;
        assert_eq!(w.due(price.id, Target::FirstResponse).await, Some(m(15)));
        // 24 business hours = 2 days 6 hours of 9-hour days → Wednesday 15:00 Moscow.
        assert_eq!(
            w.due(price.id, Target::Resolution).await,
            Some(m(2 * 24 * 60 + 6 * 60))
        );
        // The queue shows the nearest deadline on each row.
        let rows = w
            .store
            .queue(&lossless::ports::QueueQuery {
                view: lossless::ports::QueueView::All,
                statuses: vec![],
                priorities: vec![],
                limit: 10,
            })
            .await
            .unwrap();
        let badge = rows
            .iter()
            .find(|r| r.ticket.id == price.id)
            .and_then(|r| r.sla.clone())
            .expect("badge");
        assert_eq!(badge.due_at, Some(m(15)));
        assert!(!badge.breached && !badge.paused);
        // After business hours the clock waits for the morning: Monday 18:30 → Tuesday 09:30
        // (meanwhile the first two tickets' first-response targets ran out).
        w.clock.set(m(9 * 60 + 30));
        let late = w.ticket("Вопрос", "Вечерний вопрос").await;
        assert_eq!(
            w.due(late.id, Target::FirstResponse).await,
            Some(m(24 * 60 + 30))
        );
        assert!(w.sla(price.id).await.breached);
    })
    .await;
}

#[tokio::test]
async fn warnings_then_breach_notify_once_and_escalate() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        let ann = w.agent("ann", Role::Agent).await;
        let seniors = w.store.create_group("Seniors").await.unwrap().id;
        let support = w.store.create_group("Support").await.unwrap().id;
        w.store.add_group_member(support, ann).await.unwrap();
        w.store.add_group_member(support, boss).await.unwrap();
        w.policy(PolicyDraft {
            name: "Support".into(),
            enabled: true,
            condition: Condition::Leaf(Predicate::GroupIs { group: support }),
            targets: Targets {
                first_response: Some(20),
                ..Targets::default()
            },
            calendar: None,
            warn_at: vec![75, 90],
            on_breach: OnBreach {
                raise_priority: true,
                move_to_group: Some(seniors),
                reassign: false,
            },
        })
        .await;
        let t = w.ticket("Вопрос", "Помогите").await;
        w.change(
            &manager(boss),
            t.id,
            TicketChange {
                group: Some(Some(support)),
                assignee: Some(Some(ann)),
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        assert_eq!(w.due(t.id, Target::FirstResponse).await, Some(m(20)));
        // 75 % at 15 min: the assignee is warned, once.
        w.at(14).await;
        assert!(w.texts(ann).await.is_empty());
        w.at(15).await;
        w.at(16).await;
        let warned: Vec<SlaEvent> = w.sla_events(t.id).await;
        assert!(
            matches!(
                warned.as_slice(),
                [SlaEvent::Warned {
                    target: Target::FirstResponse,
                    percent: 75,
                    ..
                }]
            ),
            "{warned:?}"
        );
        assert_eq!(w.texts(ann).await.len(), 1);
        assert!(w.sla(t.id).await.warned >= 75);
        // 90 % at 18 min, breach at 20 min: the group's manager and the assignee hear of it.
        w.at(18).await;
        w.at(20).await;
        w.at(25).await;
        let events = w.sla_events(t.id).await;
        let breaches: Vec<&SlaEvent> = events
            .iter()
            .filter(|e| matches!(e, SlaEvent::Breached { .. }))
            .collect();
        assert_eq!(breaches.len(), 1, "{events:?}");
        assert!(matches!(breaches[0], SlaEvent::Breached { at, .. } if *at == m(20)));
        assert_eq!(w.texts(ann).await.len(), 3, "75 %, 90 %, breach");
        let boss_texts = w.texts(boss).await;
        assert_eq!(boss_texts.len(), 1, "{boss_texts:?}");
        assert!(boss_texts[0].contains("SLA"), "{boss_texts:?}");
        // Escalation: priority up one step, moved to Seniors (unassigned there).
        let after = w.reload(t.id).await;
        assert_eq!(after.priority, Priority::High);
        assert_eq!(after.group, Some(seniors));
        assert_eq!(after.assignee, None);
        let sla = w.sla(t.id).await;
        assert!(sla.breached);
        let measured = w.store.sla_measurements(t.id).await.unwrap();
        assert_eq!(measured.iter().filter(|x| x.breach).count(), 1);
        // The late first reply is measured as met late, and the badge is no longer red.
        w.clock.set(m(40));
        w.reply(&agent(ann), t.id).await;
        w.drain().await;
        let measured = w.store.sla_measurements(t.id).await.unwrap();
        let met = measured.iter().find(|x| !x.breach).expect("met row");
        assert_eq!(met.target, Target::FirstResponse);
        assert!(met.late);
        assert_eq!(met.business_secs, Some(40 * 60));
        assert!(!w.sla(t.id).await.breached);
    })
    .await;
}

#[tokio::test]
async fn a_breach_hands_the_ticket_on_by_the_group_strategy() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        let ann = w.agent("ann", Role::Agent).await;
        let bob = w.agent("bob", Role::Agent).await;
        let carl = w.agent("carl", Role::Agent).await;
        let support = w.store.create_group("Support").await.unwrap().id;
        let seniors = w.store.create_group("Seniors").await.unwrap().id;
        for (g, a) in [(support, ann), (support, bob), (seniors, carl)] {
            w.store.add_group_member(g, a).await.unwrap();
        }
        for g in [support, seniors] {
            w.store
                .save_group_routing(GroupRouting {
                    strategy: AssignStrategy::RoundRobin,
                    ..GroupRouting::manual(g)
                })
                .await
                .unwrap();
        }
        let policy = |name: &str, tag: &str, move_to_group| PolicyDraft {
            name: name.into(),
            enabled: true,
            condition: Condition::Leaf(Predicate::HasTag { tag: tag.into() }),
            targets: Targets {
                first_response: Some(20),
                ..Targets::default()
            },
            calendar: None,
            warn_at: vec![],
            on_breach: OnBreach {
                raise_priority: false,
                move_to_group,
                reassign: true,
            },
        };
        w.policy(policy("Inside", "inside", None)).await;
        w.policy(policy("Up", "up", Some(seniors))).await;
        let inside = w.ticket("Вопрос", "Помогите").await;
        let up = w.ticket("Вопрос", "Ещё вопрос").await;
        for (t, tag) in [(&inside, "inside"), (&up, "up")] {
            w.change(
                &manager(boss),
                t.id,
                TicketChange {
                    group: Some(Some(support)),
                    assignee: Some(Some(ann)),
                    add_tags: vec![tag.to_owned()],
                    ..TicketChange::default()
                },
            )
            .await;
        }
        w.drain().await;
        // Everyone is at work just before the breach (presence goes away after 10 idle minutes).
        w.at(19).await;
        for a in [ann, bob, carl] {
            w.store
                .set_presence(a, Presence::Online, w.clock.now())
                .await
                .unwrap();
        }
        w.at(20).await;
        w.at(21).await;
        // Inside the group: the strategy picks someone other than the owner who missed it.
        let inside = w.reload(inside.id).await;
        assert_eq!(inside.group, Some(support));
        assert_eq!(inside.assignee, Some(bob));
        // Moved up: the new group's strategy picks its member.
        let up = w.reload(up.id).await;
        assert_eq!(up.group, Some(seniors));
        assert_eq!(up.assignee, Some(carl));
        let history = w.store.history(up.id).await.unwrap();
        assert!(
            history.iter().any(|h| matches!(
                h.event,
                TicketEvent::Assigned { to: Some(a), .. } if a == carl
            )),
            "{history:?}"
        );
        // Nobody else available: a reassign inside the group keeps the owner and says so.
        let alone = w.ticket("Вопрос", "Третий").await;
        w.change(
            &manager(boss),
            alone.id,
            TicketChange {
                group: Some(Some(support)),
                assignee: Some(Some(ann)),
                add_tags: vec!["inside".to_owned()],
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        w.store
            .set_presence(bob, Presence::Offline, w.clock.now())
            .await
            .unwrap();
        w.at(41).await;
        w.at(42).await;
        let alone_now = w.reload(alone.id).await;
        assert!(w.sla(alone.id).await.breached);
        assert_eq!(alone_now.assignee, Some(ann));
        let history = w.store.history(alone.id).await.unwrap();
        assert!(
            history.iter().any(
                |h| matches!(h.event, TicketEvent::NoAgentAvailable { group } if group == support)
            ),
            "{history:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn waiting_for_the_customer_pauses_and_a_reopen_never_breaches_at_once() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let ann = w.agent("ann", Role::Agent).await;
        let t = w.ticket("Вопрос", "Помогите").await;
        w.clock.set(m(10));
        w.reply(&agent(ann), t.id).await;
        w.change(
            &agent(ann),
            t.id,
            TicketChange {
                status: Some(Status::Pending),
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        let sla = w.sla(t.id).await;
        assert!(sla.paused);
        assert_eq!(sla.next_at, None);
        // A week later the customer answers in the portal: resolution resumes with what
        // was left (27 business hours − 10 min), a next-response clock starts.
        let week = 7 * 24 * 60;
        w.clock.set(m(week));
        let token = w.reload(t.id).await.portal_token;
        services::portal_reply(&w.p, &token, "Спасибо, но не работает")
            .await
            .unwrap();
        w.drain().await;
        let sla = w.sla(t.id).await;
        assert!(!sla.paused);
        assert!(!sla.breached);
        assert_eq!(
            sla.state.clock(Target::NextResponse).and_then(|c| c.due_at),
            Some(m(week + 60))
        );
        let res = sla.state.clock(Target::Resolution).unwrap();
        assert_eq!(res.consumed_secs, 10 * 60);
        // Resolved, then reopened a month later: no instant breach.
        w.reply(&agent(ann), t.id).await;
        w.change(
            &agent(ann),
            t.id,
            TicketChange {
                status: Some(Status::Resolved),
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        let month = 30 * 24 * 60;
        w.clock.set(m(month));
        let token = w.reload(t.id).await.portal_token;
        services::portal_reply(&w.p, &token, "Снова не работает")
            .await
            .unwrap();
        w.drain().await;
        assert!(
            !w.sla_events(t.id)
                .await
                .iter()
                .any(|e| matches!(e, SlaEvent::Breached { .. })),
            "a reopen must not breach at once"
        );
        let sla = w.sla(t.id).await;
        assert!(sla.state.clock(Target::Resolution).unwrap().due_at > Some(m(month)));
    })
    .await;
}

#[tokio::test]
async fn a_breach_is_written_once_across_two_nodes_and_the_sweep() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let t = w.ticket("Вопрос", "Помогите").await;
        // Past the deadline, nobody ran the timer yet; the sweep adds its own job, and two
        // nodes work the queue at once.
        w.clock.set(m(45));
        assert_eq!(services::sla::sweep(&w.p, 100).await.unwrap(), 1);
        let (a, b) = tokio::join!(
            worker::round(&w.p, None, "node-a"),
            worker::round(&w.p, None, "node-b")
        );
        assert!(a + b >= 1);
        w.drain().await;
        let breaches = w
            .sla_events(t.id)
            .await
            .into_iter()
            .filter(|e| {
                matches!(
                    e,
                    SlaEvent::Breached {
                        target: Target::FirstResponse,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(breaches, 1);
        // Nothing is due any more until the resolution warning.
        assert_eq!(services::sla::sweep(&w.p, 100).await.unwrap(), 0);
        let at_risk = w
            .store
            .queue(&lossless::ports::QueueQuery {
                view: lossless::ports::QueueView::AtRisk {
                    until: w.clock.now() + Duration::hours(1),
                },
                statuses: vec![],
                priorities: vec![],
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(at_risk.len(), 1);
        assert!(at_risk[0].sla.as_ref().unwrap().breached);
    })
    .await;
}

#[tokio::test]
async fn a_group_calendar_and_a_policy_change_recompute_deadlines() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        let night = w.store.create_group("Night").await.unwrap().id;
        let cal = services::sla::save_calendar(
            &w.p,
            &manager(boss),
            None,
            "24/7",
            lossless::sla::Calendar::always("Europe/Moscow".parse::<lossless::sla::Tz>().unwrap()),
            false,
        )
        .await
        .unwrap();
        services::sla::set_group_calendar(&w.p, &manager(boss), night, Some(cal.id))
            .await
            .unwrap();
        // Saturday 03:00 Moscow: the office calendar would wait until Monday.
        let sat = Utc
            .with_ymd_and_hms(2026, 11, 28, 0, 0, 0)
            .single()
            .unwrap();
        w.clock.set(sat);
        let t = w.ticket("Вопрос", "Ночной вопрос").await;
        let monday = Utc
            .with_ymd_and_hms(2026, 11, 30, 6, 30, 0)
            .single()
            .unwrap();
        assert_eq!(w.due(t.id, Target::FirstResponse).await, Some(monday));
        w.clock.set(sat + Duration::minutes(5));
        w.change(
            &manager(boss),
            t.id,
            TicketChange {
                group: Some(Some(night)),
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        // Now on the group's 24/7 calendar: the 5 closed minutes on the office calendar
        // were not business time, so the whole 30 minutes run from the move.
        assert_eq!(
            w.due(t.id, Target::FirstResponse).await,
            Some(sat + Duration::minutes(35))
        );
        // Five minutes later a tag makes it a price request: the 15-minute target keeps the
        // 5 minutes already used.
        w.clock.set(sat + Duration::minutes(10));
        w.change(
            &manager(boss),
            t.id,
            TicketChange {
                add_tags: vec!["price".into()],
                ..TicketChange::default()
            },
        )
        .await;
        w.drain().await;
        assert_eq!(
            w.due(t.id, Target::FirstResponse).await,
            Some(sat + Duration::minutes(20))
        );
    })
    .await;
}

/// Breach alerts also leave by email, through the job table and the real Postfix, to the
/// manager's mailbox (the test Dovecot's customer@customer.test stands for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breach_alerts_reach_the_managers_mailbox() {
    crate::email_intake::ensure_mail_servers().await;
    on_both_databases(|url| async move {
        // A unique number prefix puts a unique tag into the alert's subject.
        let tag = lossless_server::random_hex(3).to_uppercase();
        let prefix = lossless::ids::NumberPrefix::parse(&format!("S{tag}")).unwrap();
        let w = world_with(&url, prefix).await;
        let boss = w
            .store
            .create_agent(NewAgent {
                email: lossless::ids::EmailAddress::parse("customer@customer.test").unwrap(),
                name: "Boss".into(),
                role: Role::Manager,
                lang: Lang::En,
                password_hash: "x".into(),
            })
            .await
            .unwrap()
            .id;
        let t = w.ticket("Question", "Please help").await;
        let email = crate::email_outbound::email_out(2525);
        w.clock.set(m(31));
        for _ in 0..100 {
            if worker::round(&w.p, Some(&email), "sla-mail").await == 0 {
                break;
            }
        }
        let texts = w.texts(boss).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        let mails = crate::email_outbound::wait_for_mails(&format!("S{tag}-"), 1).await;
        assert_eq!(mails.len(), 1);
        let raw = String::from_utf8_lossy(&mails[0]).to_string();
        assert!(raw.contains("SLA breached"), "{raw}");
        assert!(raw.contains(&t.number.to_string()), "{raw}");
        assert!(
            raw.to_ascii_lowercase().contains("auto-submitted: auto-"),
            "{raw}"
        );
        crate::email_outbound::customer_mails(&format!("S{tag}-"), true).await;
    })
    .await;
}
