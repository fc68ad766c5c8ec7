//! Who may own tickets, and sign-in refusals (issue 6 follow-up), on both databases.
//!
//! Only agents whose account is active are offered as assignees (the team directory and the
//! manager dashboard mark the others) and accepted as new owners: the ticket page's change,
//! bulk changes, macros and rules (at save time, field `actions`) refuse an invited or
//! switched-off agent with 422 `inactive`; a rule that moves a ticket into a restricted
//! group and assigns it to someone outside that group is refused (`not_member`); a rule
//! whose agent is switched off after it was saved skips the assignment when it runs; group
//! strategies never pick an inactive member. Sign-in with a wrong password, an unknown
//! address or a switched-off account is the same neutral 401.

use crate::support::{self, SqlStore, call_form, field_codes, on_both_databases};
use chrono::{DateTime, TimeZone, Utc};
use leptos::server_fn::ServerFn as _;
use lossless::account::{AccountStatus, AuditAction, NewAuditEntry};
use lossless::actor::{Actor, Role};
use lossless::canned::{CannedDraft, MacroActions};
use lossless::error::DomainError;
use lossless::ids::{AgentId, EmailAddress, GroupId, Lang};
use lossless::intake::RawRequest;
use lossless::ports::Store as _;
use lossless::rules::condition::Condition;
use lossless::rules::{Action, Activator, AssignTo, RuleDraft};
use lossless::services::{self, Ports, TicketChange};
use lossless::team::{AgentStatus, AssignStrategy, GroupRouting, NewAgent, Presence};
use lossless::ticket::{Channel, Priority, Ticket};
use lossless_app::api::auth::SignIn;
use lossless_app::api::tickets::ChangeTicket;
use std::collections::BTreeSet;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|x| (x.field, x.code)).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

fn pair(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

/// Sets an account's status straight in the store (the admin screens are tested in
/// `accounts`).
async fn set_status(store: &SqlStore, agent: AgentId, status: AccountStatus) {
    let audit = NewAuditEntry::agent(
        t0(),
        None,
        AuditAction::AgentDeactivated,
        agent,
        serde_json::Value::Null,
        serde_json::Value::Null,
    );
    assert!(
        store
            .set_account_status(agent, status, audit)
            .await
            .unwrap()
    );
}

/// An invited agent: no password yet (making it "active" again leaves it invited).
async fn invited(store: &SqlStore, name: &str) -> AgentId {
    let id = store
        .create_agent(NewAgent {
            email: EmailAddress::parse(&format!("{name}@team.test")).unwrap(),
            name: name.into(),
            role: Role::Agent,
            lang: Lang::En,
            password_hash: String::new(),
        })
        .await
        .unwrap()
        .id;
    set_status(store, id, AccountStatus::Active).await;
    id
}

async fn ticket(p: &Ports, subject: &str) -> Ticket {
    let raw = RawRequest {
        name: "Client".into(),
        email: "client@example.com".into(),
        subject: subject.into(),
        message: "Please help".into(),
        ..Default::default()
    };
    let valid = raw.validate(Channel::Api, Lang::En).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
}

async fn online_member(store: &SqlStore, g: GroupId, a: AgentId) {
    store.add_group_member(g, a).await.unwrap();
    store
        .save_agent_profile(AgentStatus {
            agent: a,
            presence: Presence::Offline,
            last_seen_at: None,
            capacity: 0,
            languages: BTreeSet::new(),
            skills: BTreeSet::new(),
        })
        .await
        .unwrap();
    store.set_presence(a, Presence::Online, t0()).await.unwrap();
}

async fn drain(p: &Ports) {
    for _ in 0..1000 {
        if lossless_server::worker::round(p, None, "assignable-test").await == 0 {
            return;
        }
    }
    panic!("the worker never ran out of jobs");
}

fn assign_rule(name: &str, actions: Vec<Action>) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        activator: Activator::Created,
        condition: Condition::All(vec![]),
        actions,
    }
}

#[tokio::test]
async fn only_active_agents_are_offered_and_accepted_as_assignees() {
    on_both_databases(|url| async move { scenario(&url).await }).await;
}

async fn scenario(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let (p, _clock) = support::fixed_ports(&store, t0(), Default::default());
    let boss_id = support::new_agent(&store, "boss", Role::Manager, Lang::En).await;
    let boss = Actor::Agent {
        id: boss_id,
        role: Role::Manager,
    };
    let amy = support::new_agent(&store, "amy", Role::Agent, Lang::En).await;
    let dan = support::new_agent(&store, "dan", Role::Agent, Lang::En).await;
    let ivy = invited(&store, "ivy").await;

    // Dan owns a ticket, then is switched off.
    let owned = ticket(&p, "Owned by Dan").await;
    let owned = services::change_ticket(
        &p,
        &boss,
        owned.id,
        owned.version,
        &TicketChange {
            assignee: Some(Some(dan)),
            ..TicketChange::default()
        },
    )
    .await
    .unwrap();
    set_status(&store, dan, AccountStatus::Deactivated).await;
    assert_eq!(store.inactive_agents().await.unwrap(), {
        let mut v = vec![dan, ivy];
        v.sort();
        v
    });

    // The directory still names everyone (history lines) but marks who is not assignable.
    let dir = services::team_directory(&p, &boss).await.unwrap();
    assert_eq!(dir.agents.len(), 4);
    assert!(dir.inactive.contains(&dan) && dir.inactive.contains(&ivy));
    assert!(!dir.inactive.contains(&amy) && !dir.inactive.contains(&boss_id));
    let board = services::board::dashboard(&p, &boss).await.unwrap();
    assert!(board.inactive.contains(&dan) && !board.inactive.contains(&amy));

    // The ticket page (and so the dashboard's picker): 422 `assignee: inactive`.
    let t = ticket(&p, "New one").await;
    for who in [dan, ivy] {
        let e = services::change_ticket(
            &p,
            &boss,
            t.id,
            t.version,
            &TicketChange {
                assignee: Some(Some(who)),
                ..TicketChange::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(codes(e), pair("assignee", "inactive"));
    }
    let e = services::change_ticket(
        &p,
        &boss,
        t.id,
        t.version,
        &TicketChange {
            assignee: Some(Some(AgentId(i64::MAX))),
            ..TicketChange::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(codes(e), pair("assignee", "invalid"));
    let t = services::change_ticket(
        &p,
        &boss,
        t.id,
        t.version,
        &TicketChange {
            assignee: Some(Some(amy)),
            ..TicketChange::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(t.assignee, Some(amy));
    // Dan's own ticket can still be changed (same owner named again is no new assignment).
    let owned = services::change_ticket(
        &p,
        &boss,
        owned.id,
        owned.version,
        &TicketChange {
            assignee: Some(Some(dan)),
            priority: Some(Priority::High),
            ..TicketChange::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (owned.assignee, owned.priority),
        (Some(dan), Priority::High)
    );

    // Bulk: the whole batch is refused.
    let e = services::merge::bulk_change(
        &p,
        &boss,
        &[(t.id, t.version), (owned.id, owned.version)],
        &TicketChange {
            assignee: Some(Some(ivy)),
            ..TicketChange::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(codes(e), pair("assignee", "inactive"));
    assert_eq!(
        store.ticket(t.id).await.unwrap().unwrap().assignee,
        Some(amy)
    );

    // Macros: refused at save time.
    let e = services::canned::save(
        &p,
        &boss,
        None,
        CannedDraft {
            title: "To Dan".into(),
            body: String::new(),
            shortcut: String::new(),
            shared: true,
            actions: MacroActions {
                assign: Some(lossless::canned::AssignTo::Agent(dan)),
                ..MacroActions::default()
            },
        },
    )
    .await
    .unwrap_err();
    assert_eq!(codes(e), pair("actions.assign", "inactive"));

    // Rules: an inactive agent, or someone outside the restricted group the rule moves
    // the ticket to, is refused at save time.
    let to = |a| Action::Assign {
        to: AssignTo::Agent(a),
    };
    let e = services::rules::save_rule(&p, &boss, None, assign_rule("To Dan", vec![to(dan)]))
        .await
        .unwrap_err();
    assert_eq!(codes(e), pair("actions", "inactive"));
    let vip = store.create_group("VIP").await.unwrap().id;
    store.set_group_restricted(vip, true).await.unwrap();
    let into_vip = |a| {
        assign_rule(
            "VIP to one agent",
            vec![Action::SetGroup { group: Some(vip) }, to(a)],
        )
    };
    let e = services::rules::save_rule(&p, &boss, None, into_vip(amy))
        .await
        .unwrap_err();
    assert_eq!(codes(e), pair("actions", "not_member"));
    // Assigning first and moving afterwards is checked against no group: allowed; so are
    // members and managers.
    services::rules::save_rule(
        &p,
        &boss,
        None,
        assign_rule(
            "Amy, then VIP",
            vec![to(amy), Action::SetGroup { group: Some(vip) }],
        ),
    )
    .await
    .map(|_| ())
    .unwrap();
    store.add_group_member(vip, amy).await.unwrap();
    let vip_rule = services::rules::save_rule(&p, &boss, None, into_vip(amy))
        .await
        .unwrap();
    services::rules::save_rule(&p, &boss, None, into_vip(boss_id))
        .await
        .map(|_| ())
        .unwrap();
    for r in store.rules().await.unwrap() {
        services::rules::delete_rule(&p, &boss, r.id).await.unwrap();
    }

    // A rule whose agent is switched off after saving: its other actions run, the
    // assignment is skipped.
    services::rules::save_rule(
        &p,
        &boss,
        None,
        assign_rule(
            "Urgent to Amy",
            vec![
                Action::SetPriority {
                    priority: Priority::Urgent,
                },
                to(amy),
            ],
        ),
    )
    .await
    .unwrap();
    let first = ticket(&p, "While Amy works").await;
    drain(&p).await;
    let first = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!(
        (first.assignee, first.priority),
        (Some(amy), Priority::Urgent)
    );
    set_status(&store, amy, AccountStatus::Deactivated).await;
    let second = ticket(&p, "After Amy left").await;
    drain(&p).await;
    let second = store.ticket(second.id).await.unwrap().unwrap();
    assert_eq!((second.assignee, second.priority), (None, Priority::Urgent));
    assert!(vip_rule.id.0 > 0);

    // Group strategies never pick an inactive member.
    let g = store.create_group("Support").await.unwrap().id;
    store
        .save_group_routing(GroupRouting {
            strategy: AssignStrategy::RoundRobin,
            ..GroupRouting::manual(g)
        })
        .await
        .unwrap();
    let eve = support::new_agent(&store, "eve", Role::Agent, Lang::En).await;
    for a in [amy, dan, eve] {
        online_member(&store, g, a).await;
    }
    let candidates: Vec<AgentId> = store
        .assignment_candidates(g)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.status.agent)
        .collect();
    assert_eq!(candidates, vec![eve]);
}

#[tokio::test]
async fn refused_sign_ins_and_inactive_assignees_over_http() {
    on_both_databases(|url| async move {
        let s = crate::http::node(&url, &[("worker", "0")]).await;
        let pw = "ann-long-password-1";
        let ann = s
            .ports
            .store
            .create_agent(NewAgent {
                email: EmailAddress::parse("ann@example.com").unwrap(),
                name: "Ann".into(),
                role: Role::Agent,
                lang: Lang::En,
                password_hash: lossless_app::ssr::hash_password(pw).unwrap(),
            })
            .await
            .unwrap()
            .id;
        let sign_in = |email: &'static str, password: &'static str| {
            let s = &s;
            async move {
                let r = support::http_client()
                    .post(format!("http://{}{}", s.addr, SignIn::PATH))
                    .header("sec-fetch-site", "same-origin")
                    .form(&[("email", email), ("password", password)])
                    .send()
                    .await
                    .unwrap();
                let cookie = r.headers().get("set-cookie").is_some();
                (r.status().as_u16(), cookie, r.text().await.unwrap())
            }
        };
        let (st, cookie, wrong) = sign_in("ann@example.com", "not-her-password").await;
        assert_eq!((st, cookie), (401, false), "{wrong}");
        assert_eq!(
            support::json_of(&wrong)["code"],
            "unauthenticated",
            "{wrong}"
        );
        let (st, cookie, unknown) = sign_in("nobody@example.com", "not-her-password").await;
        assert_eq!((st, cookie, &unknown), (401, false, &wrong));
        let (st, cookie, body) = sign_in("ann@example.com", "ann-long-password-1").await;
        assert!(st < 400 && cookie, "{st} {body}");
        set_status_on(&s, ann, AccountStatus::Deactivated).await;
        let (st, cookie, off) = sign_in("ann@example.com", "ann-long-password-1").await;
        assert_eq!((st, cookie, &off), (401, false, &wrong));

        // The ticket page's server function: 422 `assignee: inactive`.
        let (_, manager) = crate::http::role_cookie(&s, "boss@example.com", Role::Manager).await;
        let t = ticket(&s.ports, "Over HTTP").await;
        let (st, body) = call_form(
            &s,
            ChangeTicket::PATH,
            Some(&manager),
            &[
                ("ticket_id", t.id.0.to_string()),
                ("version", t.version.to_string()),
                ("field", "assignee".to_owned()),
                ("value", ann.0.to_string()),
            ],
        )
        .await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(field_codes(&body), pair("assignee", "inactive"));
        s.stop().await;
    })
    .await;
}

async fn set_status_on(s: &lossless_server::Server, agent: AgentId, status: AccountStatus) {
    let audit = NewAuditEntry::agent(
        t0(),
        None,
        AuditAction::AgentDeactivated,
        agent,
        serde_json::Value::Null,
        serde_json::Value::Null,
    );
    assert!(
        s.ports
            .store
            .set_account_status(agent, status, audit)
            .await
            .unwrap()
    );
}
