//! Canned responses and macros (issue 6): who sees and manages which responses, drafts
//! refused with their fields named, rendering with a real ticket's values, and a macro's
//! actions applied as one ordinary change (history rows by the agent, jobs, live hint) —
//! through the services on both databases, and through the server functions over HTTP the
//! way the browser calls them.

use crate::http::{agent_cookie, node, role_cookie, submit};
use crate::support::{self, SqlStore, call_form, call_json, field_codes, get_page};
use leptos::server_fn::ServerFn;
use lossless::actor::{Actor, ActorRef, Role};
use lossless::canned::{AssignTo, CannedDraft, MacroActions};
use lossless::error::DomainError;
use lossless::ids::{AgentId, CannedId, Lang, NumberPrefix};
use lossless::intake::RawRequest;
use lossless::job::JobStatus;
use lossless::ports::Store as _;
use lossless::services::{self, Ports};
use lossless::ticket::{Channel, Priority, Status, Ticket, TicketEvent};
use lossless_app::api::canned::{
    ApplyMacro, CannedForm, CannedRow, DeleteCanned, ListCanned, RenderCanned, RenderedCanned,
    SaveCanned,
};
use lossless_server::live::{Hub, LocalBus};
use serde_json::json;
use std::sync::Arc;

fn agent(id: AgentId, role: Role) -> Actor {
    Actor::Agent { id, role }
}

fn draft(title: &str, body: &str) -> CannedDraft {
    CannedDraft {
        title: title.into(),
        body: body.into(),
        ..CannedDraft::default()
    }
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

fn titles(list: &[lossless::canned::CannedResponse]) -> Vec<&str> {
    list.iter().map(|c| c.title.as_str()).collect()
}

#[tokio::test]
async fn who_sees_and_manages_which_responses_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        let ann = agent(
            support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await,
            Role::Agent,
        );
        let bob = agent(
            support::new_agent(&store, "bob", Role::Agent, Lang::Ru).await,
            Role::Agent,
        );
        let mia = agent(
            support::new_agent(&store, "mia", Role::Manager, Lang::En).await,
            Role::Manager,
        );

        // Ann's personal response: hers alone, managers included.
        let mine = services::canned::save(
            &p,
            &ann,
            None,
            draft(
                "  Возврат денег ",
                "Деньги вернутся за 10 дней, {{ customer.first_name }}.",
            ),
        )
        .await
        .unwrap();
        assert_eq!(mine.owner, ann.agent_id());
        assert_eq!(mine.title, "Возврат денег", "trimmed at the edge");
        for other in [&bob, &mia] {
            assert!(
                services::canned::list(&p, other, "")
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(
                services::canned::get(&p, other, mine.id).await,
                Err(DomainError::NotFound)
            );
            assert_eq!(
                services::canned::save(&p, other, Some(mine.id), draft("x", "y")).await,
                Err(DomainError::NotFound)
            );
            assert_eq!(
                services::canned::delete(&p, other, mine.id).await,
                Err(DomainError::NotFound)
            );
        }

        // Shared responses: only managers create, change and delete them.
        let mut shared = draft("Спасибо", "Спасибо за обращение {{ticket.number}}!");
        shared.shared = true;
        assert_eq!(
            services::canned::save(&p, &ann, None, shared.clone()).await,
            Err(DomainError::Forbidden)
        );
        let team = services::canned::save(&p, &mia, None, shared.clone())
            .await
            .unwrap();
        assert_eq!(team.owner, None);
        assert_eq!(
            titles(&services::canned::list(&p, &ann, "").await.unwrap()),
            ["Возврат денег", "Спасибо"]
        );
        assert_eq!(
            titles(&services::canned::list(&p, &bob, "").await.unwrap()),
            ["Спасибо"]
        );
        assert_eq!(
            services::canned::save(&p, &bob, Some(team.id), draft("Мой", "текст")).await,
            Err(DomainError::Forbidden),
            "an agent cannot take a shared response over"
        );
        assert_eq!(
            services::canned::delete(&p, &bob, team.id).await,
            Err(DomainError::Forbidden)
        );
        // Ann cannot share her own either.
        let mut share_mine = mine.draft();
        share_mine.shared = true;
        assert_eq!(
            services::canned::save(&p, &ann, Some(mine.id), share_mine).await,
            Err(DomainError::Forbidden)
        );
        shared.title = "Спасибо!".into();
        let team = services::canned::save(&p, &mia, Some(team.id), shared)
            .await
            .unwrap();
        assert_eq!((team.title.as_str(), team.owner), ("Спасибо!", None));

        // Search: case-insensitive in Russian, title, shortcut and body.
        let found = services::canned::list(&p, &ann, "ДЕНЬГИ").await.unwrap();
        assert_eq!(titles(&found), ["Возврат денег"]);
        assert!(
            services::canned::list(&p, &bob, "деньги")
                .await
                .unwrap()
                .is_empty()
        );

        // Bad drafts: every field named, nothing stored.
        let before = services::canned::list(&p, &ann, "").await.unwrap();
        let e = services::canned::save(&p, &ann, None, draft(" ", "")).await;
        assert_eq!(
            codes(e.unwrap_err()),
            [
                ("title".to_owned(), "required".to_owned()),
                ("body".to_owned(), "required".to_owned())
            ]
        );
        let e = services::canned::save(
            &p,
            &ann,
            None,
            draft("Возраст", "Вам {{ customer.age }} лет, {{customer.name}"),
        )
        .await;
        assert_eq!(
            codes(e.unwrap_err()),
            [
                (
                    "body".to_owned(),
                    "unknown_placeholder:customer.age".to_owned()
                ),
                ("body".to_owned(), "unclosed_placeholder".to_owned())
            ]
        );
        let mut ghost = draft("Передать", "");
        ghost.actions.assign = Some(AssignTo::Agent(AgentId(9_999)));
        let e = services::canned::save(&p, &ann, None, ghost).await;
        assert_eq!(
            codes(e.unwrap_err()),
            [("actions.assign".to_owned(), "invalid".to_owned())]
        );
        assert_eq!(services::canned::list(&p, &ann, "").await.unwrap(), before);

        // Deleting: own personal ones, and shared ones by a manager.
        services::canned::delete(&p, &ann, mine.id).await.unwrap();
        services::canned::delete(&p, &mia, team.id).await.unwrap();
        assert!(
            services::canned::list(&p, &ann, "")
                .await
                .unwrap()
                .is_empty()
        );
        store.close().await;
    })
    .await;
}

/// Ports with a hub the test listens to.
fn listening_ports(
    store: &SqlStore,
) -> (
    Ports,
    tokio::sync::broadcast::Receiver<lossless_server::live::Routed>,
) {
    let hub = Hub::default();
    let rx = hub.subscribe();
    let p = Ports {
        store: Arc::new(store.clone()),
        clock: Arc::new(lossless_server::SystemClock),
        live: Arc::new(LocalBus(hub)),
        prefix: NumberPrefix::default(),
    };
    (p, rx)
}

async fn ticket(p: &Ports, name: &str) -> Ticket {
    let raw = RawRequest {
        name: name.into(),
        email: "anna.petrova@example.ru".into(),
        subject: "Не проходит оплата".into(),
        message: "Карта отклонена.".into(),
        ..Default::default()
    };
    let valid = raw.validate(Channel::WebForm, Lang::Ru).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
}

#[tokio::test]
async fn rendering_and_macros_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let (p, mut live) = listening_ports(&store);
        let ann_id = store
            .create_agent(lossless::team::NewAgent {
                email: lossless::ids::EmailAddress::parse("ann@team.test").unwrap(),
                name: "Ann Smirnova".into(),
                role: Role::Agent,
                lang: Lang::Ru,
                password_hash: "x".into(),
            })
            .await
            .unwrap()
            .id;
        let bob_id = support::new_agent(&store, "bob", Role::Agent, Lang::Ru).await;
        let ann = agent(ann_id, Role::Agent);
        let bob = agent(bob_id, Role::Agent);
        let group = store.create_group("Оплата").await.unwrap();
        let t = ticket(&p, "Анна Петрова").await;
        let t = services::change_ticket(
            &p,
            &ann,
            t.id,
            t.version,
            &services::TicketChange {
                group: Some(Some(group.id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        // Rendering with the ticket's real values.
        let greeting = services::canned::save(
            &p,
            &ann,
            None,
            draft(
                "Приветствие",
                "Здравствуйте, {{customer.first_name}}! По обращению {{ ticket.number }} \
                 ({{ticket.subject}}, {{customer.email}}) ответит группа «{{group.name}}». \
                 Телефон: {{customer.phone | не указан}}. — {{agent.first_name}}, {{agent.email}}",
            ),
        )
        .await
        .unwrap();
        let r = services::canned::render_for_ticket(&p, &ann, t.id, greeting.id)
            .await
            .unwrap();
        assert_eq!(
            r.body,
            format!(
                "Здравствуйте, Анна! По обращению {} (Не проходит оплата, \
                 anna.petrova@example.ru) ответит группа «Оплата». Телефон: не указан. — Ann, \
                 ann@team.test",
                t.number
            )
        );
        assert_eq!(
            services::canned::render_for_ticket(&p, &bob, t.id, CannedId(9_999)).await,
            Err(DomainError::NotFound)
        );
        assert_eq!(
            services::canned::render_for_ticket(&p, &bob, t.id, greeting.id).await,
            Err(DomainError::NotFound),
            "another agent's personal response"
        );

        // The text goes out as an ordinary reply.
        let replied = services::reply(&p, &ann, t.id, t.version, &r.body)
            .await
            .unwrap();

        // A macro: pending, high, assigned to whoever applies it, tags — one change.
        let mut m = draft("Ждём клиента", "");
        m.actions = MacroActions {
            status: Some(Status::Pending),
            priority: Some(Priority::High),
            assign: Some(AssignTo::Me),
            add_tags: vec!["Ждём-Ответа".into(), "оплата".into()],
            remove_tags: vec![],
        };
        let m = services::canned::save(&p, &ann, None, m).await.unwrap();
        assert_eq!(m.actions.add_tags, ["ждём-ответа", "оплата"], "normalized");
        assert_eq!(
            services::canned::apply_macro(&p, &ann, t.id, m.id, replied.version - 1).await,
            Err(DomainError::Conflict),
            "made from a stale version"
        );
        assert_eq!(
            services::canned::apply_macro(&p, &bob, t.id, m.id, replied.version).await,
            Err(DomainError::NotFound),
            "bob cannot use ann's macro"
        );
        while live.try_recv().is_ok() {}
        let after = services::canned::apply_macro(&p, &ann, t.id, m.id, replied.version)
            .await
            .unwrap();
        assert_eq!(after.version, replied.version + 1, "one change");
        assert_eq!(after.status, Status::Pending);
        assert_eq!(after.priority, Priority::High);
        assert_eq!(after.assignee, Some(ann_id));
        assert_eq!(
            after.tags.iter().map(String::as_str).collect::<Vec<_>>(),
            ["ждём-ответа", "оплата"]
        );
        let history = store.history(t.id).await.unwrap();
        let last: Vec<_> = history
            .iter()
            .filter(|h| h.at == after.updated_at)
            .map(|h| (h.actor, h.event.clone()))
            .collect();
        let me = ActorRef::Agent(ann_id);
        assert_eq!(
            last,
            [
                (
                    me,
                    TicketEvent::Assigned {
                        from: None,
                        to: Some(ann_id)
                    }
                ),
                (
                    me,
                    TicketEvent::PriorityChanged {
                        from: Priority::Normal,
                        to: Priority::High
                    }
                ),
                (
                    me,
                    TicketEvent::StatusChanged {
                        from: Status::Open,
                        to: Status::Pending
                    }
                ),
                (
                    me,
                    TicketEvent::Tagged {
                        tag: "ждём-ответа".into()
                    }
                ),
                (
                    me,
                    TicketEvent::Tagged {
                        tag: "оплата".into()
                    }
                ),
            ]
        );
        // The jobs of a change by hand: rules and SLA, keyed by the version it stored.
        let keys: Vec<String> = store
            .jobs(Some(JobStatus::Queued), 500)
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.key)
            .collect();
        for key in [
            format!("rules:{}:{}", t.id, after.version),
            format!("sla:{}:{}", t.id, after.version),
        ] {
            assert!(keys.contains(&key), "{key} in {keys:?}");
        }
        // And the live hint after commit.
        let frame = live.try_recv().unwrap();
        let hint: serde_json::Value = serde_json::from_str(frame.frame.as_str()).unwrap();
        assert_eq!(
            (hint["ticket_id"].as_i64(), hint["version"].as_i64()),
            (Some(t.id.0), Some(after.version))
        );

        // A macro the state machine refuses changes nothing at all.
        let mut reopen = draft("Открыть и снять метку", "");
        reopen.actions = MacroActions {
            status: Some(Status::Closed),
            remove_tags: vec!["оплата".into()],
            ..MacroActions::default()
        };
        let reopen = services::canned::save(&p, &ann, None, reopen)
            .await
            .unwrap();
        assert_eq!(
            services::canned::apply_macro(&p, &ann, t.id, reopen.id, after.version).await,
            Err(DomainError::TransitionNotAllowed),
            "pending → closed is not a move"
        );
        let still = store.ticket(t.id).await.unwrap().unwrap();
        assert_eq!((still.version, still.tags.len()), (after.version, 2));
        // A macro without actions changes nothing either.
        let text_only = services::canned::save(&p, &ann, None, draft("Текст", "Просто текст"))
            .await
            .unwrap();
        let same = services::canned::apply_macro(&p, &ann, t.id, text_only.id, after.version)
            .await
            .unwrap();
        assert_eq!(same.version, after.version);
        store.close().await;
    })
    .await;
}

fn form(title: &str, body: &str) -> CannedForm {
    CannedForm {
        title: title.into(),
        body: body.into(),
        ..CannedForm::default()
    }
}

#[tokio::test]
async fn server_functions_for_canned_responses_and_macros() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("email_poll", "0")]).await;
    let (ann_id, ann) = agent_cookie(&s, "ann@example.com").await;
    let (_, bob) = agent_cookie(&s, "bob@example.com").await;
    let (_, mia) = role_cookie(&s, "mia@example.com", Role::Manager).await;

    // The page renders for any agent, linked from the header.
    let (status, _, html) = get_page(&s, "/agent/canned", Some(&ann)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-testid="canned-new""#), "{html}");
    assert!(html.contains(r#"href="/agent/canned""#), "{html}");
    let (status, location, _) = get_page(&s, "/agent/canned", None).await;
    assert_eq!((status, location.as_str()), (302, "/agent/login"));

    // 422 with the fields named; 403 for sharing as an agent.
    let (status, body) = call_json(
        &s,
        SaveCanned::PATH,
        Some(&ann),
        json!({ "id": null, "form": form("", "Ваш {{customer.age}}") }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let c = field_codes(&body);
    assert!(c.contains(&("title".into(), "required".into())), "{body}");
    assert!(
        c.contains(&("body".into(), "unknown_placeholder:customer.age".into())),
        "{body}"
    );
    let bad_select = CannedForm {
        status: "done".into(),
        ..form("x", "y")
    };
    let (status, body) = call_json(
        &s,
        SaveCanned::PATH,
        Some(&ann),
        json!({ "id": null, "form": bad_select }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("actions.status".to_owned(), "invalid".to_owned())]
    );
    let shared = CannedForm {
        shared: true,
        ..form("Общий", "Текст")
    };
    let (status, body) = call_json(
        &s,
        SaveCanned::PATH,
        Some(&ann),
        json!({ "id": null, "form": shared.clone() }),
    )
    .await;
    assert_eq!((status, body.as_str()), (403, r#"{"code":"forbidden"}"#));
    let (status, body) = call_json(
        &s,
        SaveCanned::PATH,
        Some(&mia),
        json!({ "id": null, "form": shared }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let team: CannedRow = serde_json::from_str(&body).unwrap();
    assert!(team.shared && team.can_edit);

    // Ann's macro with text.
    let mine = CannedForm {
        shortcut: "/Ждём".into(),
        status: "pending".into(),
        assign: "me".into(),
        add_tags: "ждём, оплата".into(),
        ..form(
            "Ждём ответа",
            "{{customer.name}}, ждём ответа по {{ticket.number}}.",
        )
    };
    let (status, body) = call_json(
        &s,
        SaveCanned::PATH,
        Some(&ann),
        json!({ "id": null, "form": mine }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mine: CannedRow = serde_json::from_str(&body).unwrap();
    assert_eq!(mine.shortcut, "ждём");
    assert!(!mine.shared && mine.can_edit);

    // Lists: ann sees both (only hers editable), bob only the shared one; neither may
    // edit the shared one.
    let list = |cookie: String, q: &'static str| {
        let s = &s;
        async move {
            let (status, body) =
                call_form(s, ListCanned::PATH, Some(&cookie), &[("query", q)]).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<Vec<CannedRow>>(&body).unwrap()
        }
    };
    let seen = list(ann.clone(), "").await;
    assert_eq!(
        seen.iter()
            .map(|r| (r.title.as_str(), r.can_edit))
            .collect::<Vec<_>>(),
        [("Ждём ответа", true), ("Общий", false)]
    );
    let seen = list(bob.clone(), "").await;
    assert_eq!(
        seen.iter()
            .map(|r| (r.title.as_str(), r.can_edit))
            .collect::<Vec<_>>(),
        [("Общий", false)]
    );
    assert_eq!(list(ann.clone(), "/ждём").await[0].id, mine.id);

    // Render and apply on a real ticket.
    let t = submit(
        &s,
        &json!({ "name": "Анна Петрова", "email": "anna@example.ru", "subject": "Оплата", "message": "Не проходит" }),
    )
    .await;
    let id = mine.id.0.to_string();
    let tid = t.id.0.to_string();
    let (status, body) = call_form(
        &s,
        RenderCanned::PATH,
        Some(&ann),
        &[("ticket_id", tid.as_str()), ("id", id.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r: RenderedCanned = serde_json::from_str(&body).unwrap();
    assert_eq!(
        r.body,
        format!("Анна Петрова, ждём ответа по {}.", t.number)
    );
    for path in [RenderCanned::PATH, ApplyMacro::PATH] {
        let (status, body) = call_form(
            &s,
            path,
            Some(&bob),
            &[
                ("ticket_id", tid.as_str()),
                ("id", id.as_str()),
                ("version", "1"),
            ],
        )
        .await;
        assert_eq!(
            (status, body.as_str()),
            (404, r#"{"code":"not_found"}"#),
            "{path}"
        );
    }
    // The worker adds the acknowledgement first (version 2); the macro is made from that.
    let seen = support::eventually(10, "the acknowledgement", || async {
        let v = s.ports.store.ticket(t.id).await.unwrap().unwrap().version;
        (v >= 2).then_some(v)
    })
    .await;
    let version = seen.to_string();
    let (status, body) = call_form(
        &s,
        ApplyMacro::PATH,
        Some(&ann),
        &[
            ("ticket_id", tid.as_str()),
            ("id", id.as_str()),
            ("version", version.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let stored = s.ports.store.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(body, format!(r#"{{"version":{}}}"#, stored.version));
    assert_eq!(
        (stored.status, stored.assignee, stored.tags.len()),
        (Status::Pending, Some(ann_id), 2)
    );
    // Applied again from the old version: someone (ann) was first.
    let (status, body) = call_form(
        &s,
        ApplyMacro::PATH,
        Some(&ann),
        &[
            ("ticket_id", tid.as_str()),
            ("id", id.as_str()),
            ("version", version.as_str()),
        ],
    )
    .await;
    assert_eq!((status, body.as_str()), (409, r#"{"code":"conflict"}"#));

    // Deleting: bob cannot delete the shared one or see ann's; mia and ann can.
    let team_id = team.id.0.to_string();
    let (status, _) = call_form(
        &s,
        DeleteCanned::PATH,
        Some(&bob),
        &[("id", team_id.as_str())],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call_form(&s, DeleteCanned::PATH, Some(&bob), &[("id", id.as_str())]).await;
    assert_eq!(status, 404);
    let (status, _) = call_form(
        &s,
        DeleteCanned::PATH,
        Some(&mia),
        &[("id", team_id.as_str())],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call_form(&s, DeleteCanned::PATH, Some(&ann), &[("id", id.as_str())]).await;
    assert_eq!(status, 200);
    assert!(list(ann.clone(), "").await.is_empty());
    s.stop().await;
}
