//! The manager dashboard (issue 6) for real: tickets created and changed through the
//! services on a fixed clock with the shipped SLA defaults, the job worker run so a
//! first-response target breaches, then the dashboard read by a manager on both databases —
//! counts per agent and group, the oldest unassigned in order, the breached and soon-due
//! tickets at risk, agents refused, and a reassignment from a dashboard row (the ordinary
//! change, with history, and a conflict on a stale row). Over HTTP: the server function is
//! 403 for agents, and `/manage` renders the dashboard on the server for a manager.

use crate::http::{agent_cookie, node, role_cookie};
use crate::support::{self, NO_ARGS, SqlStore, call_form, get_page, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use leptos::server_fn::ServerFn;
use lossless::actor::{Actor, ActorRef, Role};
use lossless::error::DomainError;
use lossless::ids::{AgentId, GroupId, Lang, TicketId};
use lossless::intake::RawRequest;
use lossless::ports::{FixedClock, Store as _};
use lossless::services::board::{AgentLoad, Dashboard, GroupLoad, Totals, dashboard};
use lossless::services::{self, Ports, TicketChange};
use lossless::team::Presence;
use lossless::ticket::{Channel, Status, Ticket, TicketEvent};
use lossless_app::api::board::{BoardView, ManagerBoard};
use std::sync::Arc;

/// Monday 23 Nov 2026, 09:00 in Moscow (06:00 UTC): the default calendar is open.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0)
        .single()
        .unwrap()
}

fn m(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn as_role(id: AgentId, role: Role) -> Actor {
    Actor::Agent { id, role }
}

struct World {
    store: SqlStore,
    p: Ports,
    clock: Arc<FixedClock>,
}

impl World {
    async fn new(url: &str) -> World {
        let store = SqlStore::connect(url).await.unwrap();
        let (p, clock) = support::fixed_ports(&store, t0(), lossless::ids::NumberPrefix::default());
        assert!(services::sla::install_defaults(&p, "board").await.unwrap());
        World { store, p, clock }
    }

    async fn at(&self, minutes: i64) {
        self.clock.set(m(minutes));
        support::drain(&self.p, "board-test").await;
    }

    async fn ticket(&self, subject: &str, body: &str) -> Ticket {
        let raw = RawRequest {
            name: format!("Клиент {subject}"),
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
        support::drain(&self.p, "board-test").await;
        self.reload(t.id).await
    }

    async fn reload(&self, id: TicketId) -> Ticket {
        self.store.ticket(id).await.unwrap().unwrap()
    }

    async fn change(&self, who: &Actor, id: TicketId, c: TicketChange) -> Ticket {
        let v = self.reload(id).await.version;
        let t = services::change_ticket(&self.p, who, id, v, &c)
            .await
            .unwrap();
        support::drain(&self.p, "board-test").await;
        t
    }

    async fn board(&self, who: &Actor) -> Dashboard {
        dashboard(&self.p, who).await.unwrap()
    }
}

fn agent_row(d: &Dashboard, id: AgentId) -> &AgentLoad {
    d.agents.iter().find(|a| a.agent.id == id).unwrap()
}

fn group_row(d: &Dashboard, id: Option<GroupId>) -> &GroupLoad {
    d.groups
        .iter()
        .find(|g| g.group.as_ref().map(|g| g.id) == id)
        .unwrap()
}

fn ids(rows: &[lossless::ports::QueueRow]) -> Vec<TicketId> {
    rows.iter().map(|r| r.ticket.id).collect()
}

#[tokio::test]
async fn the_dashboard_counts_the_team_and_reassigns_in_place() {
    on_both_databases(|url| async move {
        let w = World::new(&url).await;
        let boss_id = support::new_agent(&w.store, "boss", Role::Manager, Lang::Ru).await;
        let ann = support::new_agent(&w.store, "ann", Role::Agent, Lang::Ru).await;
        let bob = support::new_agent(&w.store, "bob", Role::Agent, Lang::Ru).await;
        let boss = as_role(boss_id, Role::Manager);
        let support_g = w.store.create_group("Поддержка").await.unwrap().id;
        let sales_g = w.store.create_group("Продажи").await.unwrap().id;

        // Minute 0: a price request (first answer in 15 min); 1 and 2: plain questions
        // (30 min); 3: Ann's open ticket in support; 4: Ann's ticket in sales, pending;
        // 5: Bob's ticket in support, resolved (out of the working set).
        let price = w.ticket("Цена", "Какая цена тарифа?").await;
        w.at(1).await;
        let plain1 = w.ticket("Вопрос 1", "Здравствуйте, у меня вопрос").await;
        w.at(2).await;
        let plain2 = w.ticket("Вопрос 2", "Здравствуйте, ещё вопрос").await;
        w.at(3).await;
        let t3 = w.ticket("Вопрос 3", "Здравствуйте, третий вопрос").await;
        let t3 = w
            .change(
                &boss,
                t3.id,
                TicketChange {
                    group: Some(Some(support_g)),
                    assignee: Some(Some(ann)),
                    ..Default::default()
                },
            )
            .await;
        w.at(4).await;
        let t4 = w.ticket("Вопрос 4", "Здравствуйте, четвёртый вопрос").await;
        w.change(
            &boss,
            t4.id,
            TicketChange {
                group: Some(Some(sales_g)),
                assignee: Some(Some(ann)),
                status: Some(Status::Pending),
                ..Default::default()
            },
        )
        .await;
        w.at(5).await;
        let t5 = w.ticket("Вопрос 5", "Здравствуйте, пятый вопрос").await;
        w.change(
            &boss,
            t5.id,
            TicketChange {
                group: Some(Some(support_g)),
                assignee: Some(Some(bob)),
                status: Some(Status::Resolved),
                ..Default::default()
            },
        )
        .await;
        services::team::set_my_presence(&w.p, &as_role(bob, Role::Agent), Presence::Online)
            .await
            .unwrap();
        // Minute 20: the price request's first answer (due at 15) has breached.
        w.at(20).await;
        services::team::set_my_presence(&w.p, &as_role(ann, Role::Agent), Presence::Online)
            .await
            .unwrap();
        assert!(
            w.store
                .ticket_sla(price.id)
                .await
                .unwrap()
                .unwrap()
                .breached
        );

        let d = w.board(&boss).await;
        assert_eq!(d.now, m(20));
        assert_eq!(
            d.totals,
            Totals {
                working: 5,
                open: 4,
                pending: 1,
                unassigned: 3,
            }
        );
        // Agents by name; Ann online (active now), Bob away (idle since minute 5).
        let names: Vec<&str> = d.agents.iter().map(|a| a.agent.name.as_str()).collect();
        assert_eq!(names, ["ann", "bob", "boss"]);
        let a = agent_row(&d, ann);
        assert_eq!((a.presence, a.open, a.pending), (Presence::Online, 1, 1));
        // Her longest wait: the open ticket untouched since its assignment at minute 3.
        assert_eq!(a.waiting_since, Some(t3.updated_at));
        assert_eq!(t3.updated_at, m(3));
        let b = agent_row(&d, bob);
        assert_eq!((b.presence, b.open, b.pending), (Presence::Away, 0, 0));
        assert_eq!(b.waiting_since, None);
        assert_eq!(agent_row(&d, boss_id).presence, Presence::Offline);
        // Groups by name, then no group.
        let rows: Vec<(Option<GroupId>, i64, i64)> = d
            .groups
            .iter()
            .map(|g| (g.group.as_ref().map(|g| g.id), g.queue, g.unassigned))
            .collect();
        assert_eq!(
            rows,
            [(Some(support_g), 1, 0), (Some(sales_g), 1, 0), (None, 3, 3)]
        );
        assert_eq!(group_row(&d, None).waiting_since, Some(price.updated_at));
        // The oldest unassigned first; at risk: the breach, then the nearest deadlines.
        assert_eq!(ids(&d.unassigned), [price.id, plain1.id, plain2.id]);
        assert_eq!(ids(&d.at_risk), [price.id, plain1.id, plain2.id, t3.id]);
        let badge = d.at_risk[0].sla.clone().unwrap();
        assert!(badge.breached);
        assert_eq!(d.at_risk[1].sla.clone().unwrap().due_at, Some(m(31)));
        assert!(!d.more_at_risk);
        assert_eq!(d.at_risk_until, m(20 + 60));
        // The team screen counts from the same aggregate.
        let team = services::team::team_board(&w.p, &boss).await.unwrap();
        let open = |id| team.iter().find(|x| x.agent.id == id).unwrap().open_tickets;
        assert_eq!((open(ann), open(bob), open(boss_id)), (2, 0, 0));

        // Agents are refused; admins see it too.
        assert_eq!(
            dashboard(&w.p, &as_role(ann, Role::Agent)).await,
            Err(DomainError::Forbidden)
        );
        assert!(
            dashboard(&w.p, &as_role(boss_id, Role::Admin))
                .await
                .is_ok()
        );

        // Reassign in place: the row's version, the ordinary change, with history.
        w.at(21).await;
        let row = d
            .unassigned
            .iter()
            .find(|r| r.ticket.id == plain1.id)
            .unwrap()
            .ticket
            .clone();
        let change = TicketChange {
            assignee: Some(Some(bob)),
            ..Default::default()
        };
        let stored = services::change_ticket(&w.p, &boss, row.id, row.version, &change)
            .await
            .unwrap();
        assert_eq!(stored.assignee, Some(bob));
        assert_eq!(stored.status, Status::Open);
        let last = w.store.history(row.id).await.unwrap();
        assert!(
            last.iter().any(|h| h.actor == ActorRef::Agent(boss_id)
                && h.at == m(21)
                && h.event
                    == TicketEvent::Assigned {
                        from: None,
                        to: Some(bob),
                    }),
            "{last:?}"
        );
        // A second change from the same (now stale) row is a conflict; nothing changes.
        let to_ann = TicketChange {
            assignee: Some(Some(ann)),
            ..Default::default()
        };
        assert_eq!(
            services::change_ticket(&w.p, &boss, row.id, row.version, &to_ann).await,
            Err(DomainError::Conflict)
        );
        assert_eq!(w.reload(row.id).await.assignee, Some(bob));

        support::drain(&w.p, "board-test").await;
        let d = w.board(&boss).await;
        assert_eq!(agent_row(&d, bob).open, 1);
        assert_eq!(agent_row(&d, bob).waiting_since, Some(m(21)));
        assert_eq!(ids(&d.unassigned), [price.id, plain2.id]);
        assert_eq!(d.totals.unassigned, 2);
        assert_eq!(group_row(&d, None).unassigned, 2);
        let moved = d.at_risk.iter().find(|r| r.ticket.id == plain1.id).unwrap();
        assert_eq!(moved.ticket.assignee, Some(bob));
        w.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_at_risk_list_is_bounded_and_says_there_is_more() {
    on_both_databases(|url| async move {
        let w = World::new(&url).await;
        let boss = as_role(
            support::new_agent(&w.store, "boss", Role::Manager, Lang::Ru).await,
            Role::Manager,
        );
        let limit = usize::try_from(lossless::services::board::LIST_LIMIT).unwrap();
        let mut made = Vec::new();
        for i in 0..=limit {
            made.push(w.ticket(&format!("Вопрос {i}"), "Здравствуйте").await.id);
        }
        // Every first answer is due in 30 min, within the hour: all are at risk, by deadline
        // then ticket; the list shows its limit and says there are more.
        let d = w.board(&boss).await;
        assert_eq!(d.at_risk.len(), limit);
        assert!(d.more_at_risk);
        assert_eq!(ids(&d.at_risk), made[..limit]);
        assert_eq!(ids(&d.unassigned), made[..limit]);
        assert_eq!(d.totals.unassigned, i64::try_from(limit + 1).unwrap());
        w.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn only_managers_get_the_dashboard_over_http() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("email_poll", "0")]).await;
    let (_, agent) = agent_cookie(&s, "agent@example.com").await;
    let (_, manager) = role_cookie(&s, "manager@example.com", Role::Manager).await;

    let (status, body) = call_form(&s, ManagerBoard::PATH, Some(&agent), NO_ARGS).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body, r#"{"code":"forbidden"}"#);
    let (status, _, html) = get_page(&s, "/manage", Some(&agent)).await;
    assert_eq!(status, 403, "{html}");

    let (status, body) = call_form(&s, ManagerBoard::PATH, Some(&manager), NO_ARGS).await;
    assert_eq!(status, 200, "{body}");
    let v: BoardView = serde_json::from_str(&body).unwrap();
    assert!(v.agents.iter().any(|a| a.name == "manager@example.com"));
    assert_eq!(v.at_risk_minutes, 60);

    // The page renders on the server with every section, and the navigation leads to it.
    let (status, _, html) = get_page(&s, "/manage", Some(&manager)).await;
    assert_eq!(status, 200, "{html}");
    for section in [
        "board-agents",
        "board-groups",
        "board-unassigned",
        "board-at-risk",
    ] {
        assert!(
            html.contains(&format!(r#"data-testid="{section}""#)),
            "{section}: {html}"
        );
    }
    assert!(html.contains(r#"data-testid="nav-dashboard""#), "{html}");
    assert!(html.contains(r#"data-testid="nav-team""#), "{html}");
}
