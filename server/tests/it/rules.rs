//! Rules running for real (issue 4): tickets created through the services, the job worker
//! run round by round on a fixed clock, the store on both databases. Assignment strategies
//! (fairness, capacity, presence, returning customers), keyword rules, the loop guard, timed
//! rules and exactly-once application.

use crate::support::{SqlStore, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::ids::{AgentId, GroupId, Lang, RuleId, TicketId};
use lossless::intake::RawRequest;
use lossless::ports::{Clock, FixedClock, QueueQuery, QueueView, Store as _};
use lossless::rules::condition::{Condition, Predicate, TextField, TicketTime};
use lossless::rules::{Action, Activator, AssignTo, NotifyTarget, RuleDraft, WatchedField};
use lossless::services::{self, Ports, TicketChange};
use lossless::team::{AgentStatus, AssignStrategy, GroupRouting, Presence};
use lossless::ticket::{Channel, Priority, Status, Ticket, TicketEvent};
use lossless_server::worker;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Monday 2 Nov 2026, 09:00 UTC.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().unwrap()
}

struct World {
    store: SqlStore,
    p: Ports,
    clock: Arc<FixedClock>,
}

async fn world(url: &str) -> World {
    let store = SqlStore::connect(url).await.expect("connect");
    let (p, clock) =
        crate::support::fixed_ports(&store, t0(), lossless::ids::NumberPrefix::default());
    World { store, p, clock }
}

impl World {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs the worker until no due job is left.
    async fn drain(&self) {
        for _ in 0..10_000 {
            if worker::round(&self.p, None, "rules-test").await == 0 {
                return;
            }
        }
        panic!("the worker never ran out of jobs (a rule loop?)");
    }

    async fn agent(&self, name: &str, role: Role) -> AgentId {
        let lang = if name.starts_with("en") {
            Lang::En
        } else {
            Lang::Ru
        };
        crate::support::new_agent(&self.store, name, role, lang).await
    }

    /// An agent with a profile and presence, member of `group`.
    async fn member(&self, group: GroupId, name: &str, capacity: i32, online: bool) -> AgentId {
        let id = self.agent(name, Role::Agent).await;
        self.store.add_group_member(group, id).await.unwrap();
        self.store
            .save_agent_profile(AgentStatus {
                agent: id,
                presence: Presence::Offline,
                last_seen_at: None,
                capacity,
                languages: BTreeSet::new(),
                skills: BTreeSet::new(),
            })
            .await
            .unwrap();
        if online {
            self.store
                .set_presence(id, Presence::Online, self.now())
                .await
                .unwrap();
        }
        id
    }

    async fn group(&self, name: &str, strategy: AssignStrategy) -> GroupId {
        let g = self.store.create_group(name).await.unwrap().id;
        self.store
            .save_group_routing(GroupRouting {
                strategy,
                ..GroupRouting::manual(g)
            })
            .await
            .unwrap();
        g
    }

    async fn rule(&self, draft: RuleDraft) -> RuleId {
        services::rules::save_rule(&self.p, &lossless::actor::Actor::System, None, draft)
            .await
            .unwrap()
            .id
    }

    async fn ticket_from(&self, email: &str, subject: &str, body: &str) -> Ticket {
        let raw = RawRequest {
            name: "Клиент".into(),
            email: email.into(),
            subject: subject.into(),
            message: body.into(),
            ..Default::default()
        };
        let valid = raw.validate(Channel::Api, Lang::Ru).unwrap();
        services::submit_request(
            &self.p,
            valid,
            None,
            lossless_server::http::new_portal_token(),
        )
        .await
        .unwrap()
        .ticket
    }

    async fn ticket(&self, subject: &str) -> Ticket {
        self.ticket_from("client@example.ru", subject, "Текст обращения")
            .await
    }

    async fn reload(&self, t: &Ticket) -> Ticket {
        self.store.ticket(t.id).await.unwrap().unwrap()
    }

    async fn mine(&self, a: AgentId) -> usize {
        self.store
            .queue(&QueueQuery {
                view: QueueView::Mine(a),
                statuses: vec![],
                priorities: vec![],
                limit: 5000,
            })
            .await
            .unwrap()
            .len()
    }

    async fn fired(&self, t: TicketId) -> Vec<(ActorRef, RuleId)> {
        self.store
            .history(t)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|h| match h.event {
                TicketEvent::RuleFired { rule, .. } => Some((h.actor, rule)),
                _ => None,
            })
            .collect()
    }
}

fn draft(
    name: &str,
    activator: Activator,
    condition: Condition,
    actions: Vec<Action>,
) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        activator,
        condition,
        actions,
    }
}

fn route_to(g: GroupId) -> RuleDraft {
    draft(
        "route",
        Activator::Created,
        Condition::All(vec![]),
        vec![
            Action::SetGroup { group: Some(g) },
            Action::Assign {
                to: AssignTo::GroupStrategy,
            },
        ],
    )
}

#[tokio::test]
async fn round_robin_is_fair_over_a_thousand_tickets() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let g = w.group("Поддержка", AssignStrategy::RoundRobin).await;
        let mut agents = Vec::new();
        for n in ["anna", "boris", "vera"] {
            agents.push(w.member(g, n, 0, true).await);
        }
        w.rule(route_to(g)).await;
        for i in 0..1000 {
            w.ticket_from(&format!("c{i}@example.ru"), &format!("Вопрос {i}"), "Текст")
                .await;
            if i % 50 == 49 {
                w.drain().await;
            }
        }
        w.drain().await;
        let mut counts = Vec::new();
        for a in &agents {
            counts.push(w.mine(*a).await);
        }
        counts.sort_unstable();
        assert_eq!(counts, vec![333, 333, 334], "{url}");
    })
    .await;
}

#[tokio::test]
async fn least_loaded_respects_capacity_and_alerts_managers_when_all_are_full() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let g = w.group("Оплата", AssignStrategy::LeastLoaded).await;
        let a = w.member(g, "anna", 2, true).await;
        let b = w.member(g, "boris", 1, true).await;
        let boss = w.agent("en-boss", Role::Manager).await;
        let admin = w.agent("admin", Role::Admin).await;
        let rule = w.rule(route_to(g)).await;
        let mut owners = Vec::new();
        let mut tickets = Vec::new();
        for i in 0..4 {
            let t = w
                .ticket_from(&format!("c{i}@example.ru"), &format!("Оплата {i}"), "Текст")
                .await;
            w.drain().await;
            let t = w.reload(&t).await;
            owners.push(t.assignee);
            tickets.push(t);
        }
        // 0/2 vs 0/1: a tie, the turn order (id) → anna; then boris (0 < 1/2); then anna
        // (boris is full); then nobody.
        assert_eq!(owners, vec![Some(a), Some(b), Some(a), None], "{url}");
        let last = &tickets[3];
        let history = w.store.history(last.id).await.unwrap();
        let none = history
            .iter()
            .find(|h| matches!(h.event, TicketEvent::NoAgentAvailable { group } if group == g))
            .expect("NoAgentAvailable recorded");
        assert_eq!(none.actor, ActorRef::Rule(rule));
        assert!(
            history
                .iter()
                .any(|h| h.event == TicketEvent::RuleNotified { count: 2 })
        );
        let for_boss = w.store.notifications(boss, 10).await.unwrap();
        assert_eq!(for_boss.len(), 1);
        assert_eq!(for_boss[0].ticket, Some(last.id));
        assert!(
            for_boss[0].text.contains("nobody in “Оплата” is available"),
            "{}",
            for_boss[0].text
        );
        let for_admin = w.store.notifications(admin, 10).await.unwrap();
        assert_eq!(for_admin.len(), 1);
        assert!(for_admin[0].text.contains("нет свободных агентов"));
        // Anna hears only of the two tickets she was given (issue 6 alerts), not of the
        // shortage.
        let for_a = w.store.notifications(a, 10).await.unwrap();
        assert_eq!(for_a.len(), 2, "{for_a:?}");
        let mut about: Vec<_> = for_a.iter().map(|n| n.ticket).collect();
        about.sort();
        assert_eq!(about, vec![Some(tickets[0].id), Some(tickets[2].id)]);
        assert!(
            for_a
                .iter()
                .all(|n| !n.text.contains("свободных") && !n.text.contains("nobody"))
        );
    })
    .await;
}

#[tokio::test]
async fn offline_away_and_idle_agents_get_nothing() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let g = w.group("Поддержка", AssignStrategy::RoundRobin).await;
        let offline = w.member(g, "anna", 0, false).await;
        let idle = w.member(g, "boris", 0, true).await;
        let away = w.member(g, "gleb", 0, true).await;
        w.store
            .set_presence(away, Presence::Away, w.now())
            .await
            .unwrap();
        w.clock.advance(Duration::minutes(11));
        let active = w.member(g, "vera", 0, true).await;
        w.rule(route_to(g)).await;
        for i in 0..3 {
            w.ticket(&format!("Вопрос {i}")).await;
        }
        w.drain().await;
        assert_eq!(w.mine(active).await, 3, "{url}");
        for x in [offline, idle, away] {
            assert_eq!(w.mine(x).await, 0, "{url}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_returning_customer_goes_back_to_their_previous_agent() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let g = w.group("Поддержка", AssignStrategy::RoundRobin).await;
        let a = w.member(g, "anna", 0, true).await;
        let b = w.member(g, "boris", 0, true).await;
        w.rule(route_to(g)).await;
        let first = w
            .ticket_from("ivan@example.ru", "Первый вопрос", "Текст")
            .await;
        w.drain().await;
        assert_eq!(w.reload(&first).await.assignee, Some(a));
        // Round robin would now pick boris; ivan returns to anna.
        let again = w.ticket_from("ivan@example.ru", "Снова я", "Текст").await;
        w.drain().await;
        assert_eq!(w.reload(&again).await.assignee, Some(a), "{url}");
        let other = w.ticket_from("olga@example.ru", "Вопрос", "Текст").await;
        w.drain().await;
        assert_eq!(w.reload(&other).await.assignee, Some(b), "{url}");
    })
    .await;
}

#[tokio::test]
async fn a_keyword_rule_catches_word_forms_and_history_names_the_rule() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let rule = w
            .rule(draft(
                "Срочно",
                Activator::Created,
                Condition::Leaf(Predicate::KeywordsAny {
                    words: vec!["срочно".into()],
                    field: TextField::Both,
                }),
                vec![Action::SetPriority {
                    priority: Priority::Urgent,
                }],
            ))
            .await;
        let hit = w.ticket("Срочный вопрос по оплате").await;
        let miss = w.ticket("Сроки доставки").await;
        w.drain().await;
        assert_eq!(w.reload(&hit).await.priority, Priority::Urgent, "{url}");
        assert_eq!(w.reload(&miss).await.priority, Priority::Normal, "{url}");
        let history = w.store.history(hit.id).await.unwrap();
        let at = history
            .iter()
            .position(|h| {
                h.event
                    == TicketEvent::RuleFired {
                        rule,
                        name: "Срочно".into(),
                    }
            })
            .expect("RuleFired recorded");
        assert_eq!(history[at].actor, ActorRef::Rule(rule));
        let change = &history[at + 1];
        assert_eq!(
            change.event,
            TicketEvent::PriorityChanged {
                from: Priority::Normal,
                to: Priority::Urgent
            }
        );
        assert_eq!(change.actor, ActorRef::Rule(rule));
        assert!(w.fired(miss.id).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_rule_tests_custom_fields_given_at_intake() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let rule = w
            .rule(draft(
                "Pro plan",
                Activator::Created,
                Condition::Leaf(Predicate::CustomFieldEquals {
                    field: "plan".into(),
                    value: "pro".into(),
                }),
                vec![Action::SetPriority {
                    priority: Priority::High,
                }],
            ))
            .await;
        let submit = |plan: &str| {
            let raw = RawRequest {
                name: "Клиент".into(),
                email: "pro@example.ru".into(),
                message: "Вопрос по тарифу".into(),
                custom_fields: [(" Plan ".to_owned(), plan.to_owned())].into(),
                ..Default::default()
            };
            raw.validate(Channel::Api, Lang::Ru).unwrap()
        };
        let pro = services::submit_request(
            &w.p,
            submit("PRO"),
            None,
            lossless_server::http::new_portal_token(),
        )
        .await
        .unwrap()
        .ticket;
        let basic = services::submit_request(
            &w.p,
            submit("basic"),
            None,
            lossless_server::http::new_portal_token(),
        )
        .await
        .unwrap()
        .ticket;
        w.drain().await;
        assert_eq!(w.reload(&pro).await.priority, Priority::High, "{url}");
        assert_eq!(w.reload(&basic).await.priority, Priority::Normal, "{url}");
        assert_eq!(w.fired(pro.id).await, vec![(ActorRef::Rule(rule), rule)]);
        let fields = w.store.custom_fields(pro.id).await.unwrap();
        assert_eq!(fields.get("plan").map(String::as_str), Some("PRO"));
        let ctx = w.store.ticket_context(basic.id).await.unwrap().unwrap();
        assert_eq!(
            ctx.custom_fields.get("plan").map(String::as_str),
            Some("basic")
        );
    })
    .await;
}

#[tokio::test]
async fn the_loop_guard_stops_self_triggering_and_ping_pong_rules() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let on_priority = || Activator::Updated {
            fields: [WatchedField::Priority].into_iter().collect(),
        };
        let is = |p| Condition::Leaf(Predicate::PriorityIs { priority: p });
        let up = w
            .rule(draft(
                "high → urgent",
                on_priority(),
                is(Priority::High),
                vec![Action::SetPriority {
                    priority: Priority::Urgent,
                }],
            ))
            .await;
        let down = w
            .rule(draft(
                "urgent → high",
                on_priority(),
                is(Priority::Urgent),
                vec![Action::SetPriority {
                    priority: Priority::High,
                }],
            ))
            .await;
        // A rule reacting to its own kind of change: tags on every priority change.
        let tagger = w
            .rule(draft(
                "tag on priority",
                on_priority(),
                Condition::All(vec![]),
                vec![Action::AddTags {
                    tags: vec!["touched".into()],
                }],
            ))
            .await;
        let t = w.ticket("Вопрос").await;
        w.drain().await;
        let agent = w.agent("anna", Role::Agent).await;
        let actor = lossless::actor::Actor::Agent {
            id: agent,
            role: Role::Agent,
        };
        let t = w.reload(&t).await;
        services::change_ticket(
            &w.p,
            &actor,
            t.id,
            t.version,
            &TicketChange {
                priority: Some(Priority::High),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        w.drain().await;
        let fired: Vec<RuleId> = w.fired(t.id).await.into_iter().map(|(_, r)| r).collect();
        // Each rule fired exactly once in the chain: up (agent's change), tagger (same
        // round), down (up's change); up and tagger never again.
        assert_eq!(fired.iter().filter(|r| **r == up).count(), 1, "{fired:?}");
        assert_eq!(fired.iter().filter(|r| **r == down).count(), 1, "{fired:?}");
        assert_eq!(
            fired.iter().filter(|r| **r == tagger).count(),
            1,
            "{fired:?}"
        );
        let t = w.reload(&t).await;
        assert_eq!(t.priority, Priority::High, "{url}");
        assert!(t.tags.contains("touched"));
        let queued = w
            .store
            .jobs(Some(lossless::job::JobStatus::Queued), 100)
            .await
            .unwrap();
        assert!(queued.is_empty(), "{queued:?}");
    })
    .await;
}

fn unassigned_alert() -> RuleDraft {
    draft(
        "Unassigned 15 min",
        Activator::Timed {
            after: TicketTime::Created,
            minutes: 15,
        },
        Condition::All(vec![
            Condition::Leaf(Predicate::Unowned),
            Condition::Any(vec![
                Condition::Leaf(Predicate::StatusIs {
                    status: Status::New,
                }),
                Condition::Leaf(Predicate::StatusIs {
                    status: Status::Open,
                }),
            ]),
        ]),
        vec![Action::Notify {
            target: NotifyTarget::Managers,
            text: "{number} без ответственного".into(),
        }],
    )
}

#[tokio::test]
async fn an_unassigned_ticket_alerts_managers_once_after_fifteen_minutes() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        let anna = w.agent("anna", Role::Agent).await;
        let rule = w.rule(unassigned_alert()).await;
        let lonely = w.ticket("Никто не взял").await;
        let taken = w.ticket("Взяли").await;
        w.drain().await;
        w.clock.advance(Duration::minutes(5));
        let t = w.reload(&taken).await;
        services::change_ticket(
            &w.p,
            &lossless::actor::Actor::Agent {
                id: anna,
                role: Role::Agent,
            },
            t.id,
            t.version,
            &TicketChange {
                assignee: Some(Some(anna)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        w.drain().await;
        w.clock.advance(Duration::minutes(9)); // minute 14
        w.drain().await;
        assert!(
            w.store.notifications(boss, 10).await.unwrap().is_empty(),
            "{url}"
        );
        w.clock.advance(Duration::minutes(1)); // minute 15
        w.drain().await;
        let n = w.store.notifications(boss, 10).await.unwrap();
        assert_eq!(n.len(), 1, "{url}: {n:?}");
        assert_eq!(n[0].ticket, Some(lonely.id));
        assert_eq!(n[0].text, format!("{} без ответственного", lonely.number));
        assert_eq!(w.fired(lonely.id).await, vec![(ActorRef::Rule(rule), rule)]);
        assert!(w.fired(taken.id).await.is_empty());
        // Later rounds never repeat it.
        w.clock.advance(Duration::hours(3));
        w.drain().await;
        w.drain().await;
        assert_eq!(w.store.notifications(boss, 10).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn raising_a_timed_rules_minutes_re_arms_its_timer() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        let rule = w.rule(unassigned_alert()).await;
        w.ticket("Никто не взял").await;
        w.drain().await;
        let mut longer = unassigned_alert();
        longer.activator = Activator::Timed {
            after: TicketTime::Created,
            minutes: 30,
        };
        services::rules::save_rule(&w.p, &lossless::actor::Actor::System, Some(rule), longer)
            .await
            .unwrap();
        w.clock.advance(Duration::minutes(15));
        w.drain().await;
        assert!(
            w.store.notifications(boss, 10).await.unwrap().is_empty(),
            "{url}"
        );
        w.clock.advance(Duration::minutes(15));
        w.drain().await;
        assert_eq!(
            w.store.notifications(boss, 10).await.unwrap().len(),
            1,
            "{url}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_rules_job_run_again_applies_nothing_twice() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        let boss = w.agent("boss", Role::Manager).await;
        w.rule(draft(
            "notify",
            Activator::Created,
            Condition::All(vec![]),
            vec![
                Action::AddTags {
                    tags: vec!["seen".into()],
                },
                Action::Notify {
                    target: NotifyTarget::Managers,
                    text: "новое {number}".into(),
                },
                Action::Reply {
                    text: "Получили {number}".into(),
                },
            ],
        ))
        .await;
        let t = w.ticket("Вопрос").await;
        w.drain().await;
        w.drain().await;
        let history = w.store.history(t.id).await.unwrap();
        let messages = w.store.messages(t.id, true).await.unwrap();
        assert_eq!(w.store.notifications(boss, 10).await.unwrap().len(), 1);
        // Every finished rules job, run once more (as after a lost lease): refused or a
        // no-op, never a second effect.
        let done = w
            .store
            .jobs(Some(lossless::job::JobStatus::Done), 100)
            .await
            .unwrap();
        let rules_jobs: Vec<_> = done
            .iter()
            .filter(|j| j.kind.name() == "run_rules")
            .collect();
        assert!(!rules_jobs.is_empty());
        for job in rules_jobs {
            let _ = services::run_job(&w.p, job, "rules-test").await;
        }
        w.drain().await;
        assert_eq!(w.store.history(t.id).await.unwrap(), history, "{url}");
        assert_eq!(w.store.messages(t.id, true).await.unwrap(), messages);
        assert_eq!(w.store.notifications(boss, 10).await.unwrap().len(), 1);
        let replies = messages
            .iter()
            .filter(|m| m.body == format!("Получили {}", t.number))
            .count();
        assert_eq!(replies, 1);
    })
    .await;
}

#[tokio::test]
async fn default_rules_install_once_and_route_english_requests() {
    on_both_databases(|url| async move {
        let w = world(&url).await;
        lossless_server::seed::install_default_rules(&w.p)
            .await
            .unwrap();
        lossless_server::seed::install_default_rules(&w.p)
            .await
            .unwrap();
        let rules = w.store.rules().await.unwrap();
        assert_eq!(rules.len(), 4, "{url}");
        let english = w
            .store
            .groups()
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.name == "English")
            .expect("English group");
        let en = w
            .ticket_from(
                "john@example.com",
                "Cannot log in",
                "Hello, the page says ASAP error",
            )
            .await;
        let ru = w.ticket("Не могу войти").await;
        w.drain().await;
        let en = w.reload(&en).await;
        assert_eq!(en.group, Some(english.id));
        assert_eq!(en.priority, Priority::Urgent); // "ASAP"
        assert_eq!(w.reload(&ru).await.group, None);
        // Deleting a default rule is final: installing again does not bring it back.
        services::rules::delete_rule(&w.p, &lossless::actor::Actor::System, rules[0].id)
            .await
            .unwrap();
        lossless_server::seed::install_default_rules(&w.p)
            .await
            .unwrap();
        assert_eq!(w.store.rules().await.unwrap().len(), 3);
    })
    .await;
}
