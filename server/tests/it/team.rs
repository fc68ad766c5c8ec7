//! The team (issue 4) over a real store on both databases: presence set by the agent and
//! turned away after idling (fixed clock), activity keeping an agent online, the team board
//! for managers only, notifications listed newest first with unread counts and marked read
//! per agent, group routing and agent profiles saved by managers only with refused input
//! leaving nothing half-saved, contact profiles trimmed and bounded; and over a real node: a
//! notification hint reaches only its agent's socket, and an open socket counts as activity.

use crate::http::{agent_cookie, live_socket, node, role_cookie};
use crate::support::{self, SqlStore};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::{SinkExt, StreamExt};
use lossless::actor::{Actor, Role};
use lossless::contact::{ContactDraft, ContactProfile, Handle};
use lossless::error::DomainError;
use lossless::ids::{AgentId, EmailAddress, GroupId, Lang, NumberPrefix, PortalToken, TicketId};
use lossless::live::LiveEvent;
use lossless::notification::NewNotification;
use lossless::ports::{CreateTicket, FixedClock, Store as _};
use lossless::services::Ports;
use lossless::services::team::{self, AgentProfileInput, ContactProfileInput, MAX_PROFILE_CHARS};
use lossless::team::{AWAY_AFTER_IDLE_MINUTES, AssignStrategy, GroupRouting, NewAgent, Presence};
use lossless::ticket::{Channel, Priority, TicketDraft};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).single().unwrap()
}

struct World {
    store: SqlStore,
    clock: Arc<FixedClock>,
    ports: Ports,
    agent: Actor,
    agent_id: AgentId,
    other: Actor,
    other_id: AgentId,
    manager: Actor,
}

async fn add_agent(store: &SqlStore, email: &str, role: Role) -> AgentId {
    store
        .create_agent(NewAgent {
            email: EmailAddress::parse(email).unwrap(),
            name: email.split('@').next().unwrap().to_owned(),
            role,
            lang: Lang::En,
            password_hash: "x".into(),
        })
        .await
        .unwrap()
        .id
}

async fn world(url: &str) -> World {
    let store = SqlStore::connect(url).await.unwrap();
    let clock = Arc::new(FixedClock::new(t0()));
    let mut ports = support::ports(&store);
    ports.clock = clock.clone();
    let agent_id = add_agent(&store, "anna@example.com", Role::Agent).await;
    let other_id = add_agent(&store, "boris@example.com", Role::Agent).await;
    let manager_id = add_agent(&store, "maria@example.com", Role::Manager).await;
    World {
        store,
        clock,
        ports,
        agent: Actor::Agent {
            id: agent_id,
            role: Role::Agent,
        },
        agent_id,
        other: Actor::Agent {
            id: other_id,
            role: Role::Agent,
        },
        other_id,
        manager: Actor::Agent {
            id: manager_id,
            role: Role::Manager,
        },
    }
}

async fn ticket(w: &World, subject: &str) -> lossless::ticket::Ticket {
    let mut bytes = [0x3c_u8; 16];
    bytes[..subject.len().min(16)].copy_from_slice(&subject.as_bytes()[..subject.len().min(16)]);
    w.store
        .create_ticket(CreateTicket {
            draft: TicketDraft {
                subject: subject.to_owned(),
                priority: Priority::Normal,
                channel: Channel::WebForm,
                group: None,
                portal_token: PortalToken::from_random(&bytes).unwrap(),
                lang: Lang::Ru,
                now: w.clock.now_micros(),
            },
            prefix: NumberPrefix::default(),
            contact: ContactDraft {
                name: "Иван".into(),
                handles: vec![Handle::Email(
                    EmailAddress::parse(&format!("{subject}@example.ru")).unwrap(),
                )],
            },
            body: format!("Body of {subject}"),
            intake_key: None,
            custom_fields: Default::default(),
        })
        .await
        .unwrap()
        .ticket
}

trait Micros {
    fn now_micros(&self) -> DateTime<Utc>;
}
impl Micros for FixedClock {
    fn now_micros(&self) -> DateTime<Utc> {
        use lossless::ports::Clock as _;
        lossless::ports::to_micros(self.now())
    }
}

#[tokio::test]
async fn presence_turns_away_after_idling_and_activity_keeps_it() {
    support::on_both_databases(|url| async move {
        let w = world(&url).await;
        // Never configured: offline.
        let p = team::my_presence(&w.ports, &w.agent).await.unwrap();
        assert_eq!((p.set, p.effective), (Presence::Offline, Presence::Offline));

        let p = team::set_my_presence(&w.ports, &w.agent, Presence::Online)
            .await
            .unwrap();
        assert_eq!(p.effective, Presence::Online);
        w.clock
            .advance(Duration::minutes(AWAY_AFTER_IDLE_MINUTES) - Duration::seconds(1));
        let p = team::my_presence(&w.ports, &w.agent).await.unwrap();
        assert_eq!((p.set, p.effective), (Presence::Online, Presence::Online));
        w.clock.advance(Duration::seconds(1));
        let p = team::my_presence(&w.ports, &w.agent).await.unwrap();
        assert_eq!(
            (p.set, p.effective),
            (Presence::Online, Presence::Away),
            "idle for {AWAY_AFTER_IDLE_MINUTES} minutes: away"
        );

        // Activity (socket heartbeat) brings the agent back.
        team::touch(&w.ports, w.agent_id).await.unwrap();
        let p = team::my_presence(&w.ports, &w.agent).await.unwrap();
        assert_eq!(p.effective, Presence::Online);
        w.clock
            .advance(Duration::minutes(AWAY_AFTER_IDLE_MINUTES + 1));
        team::touch_me(&w.ports, &w.agent).await.unwrap();
        assert_eq!(
            team::my_presence(&w.ports, &w.agent)
                .await
                .unwrap()
                .effective,
            Presence::Online
        );

        // Away and offline stay as set, activity or not.
        team::set_my_presence(&w.ports, &w.other, Presence::Away)
            .await
            .unwrap();
        team::touch(&w.ports, w.other_id).await.unwrap();

        // The board: managers only, effective presence, open tickets.
        assert_eq!(
            team::team_board(&w.ports, &w.agent).await.unwrap_err(),
            DomainError::Forbidden
        );
        let t = ticket(&w, "board").await;
        let mut assigned = t.clone();
        let now = w.clock.now_micros();
        let events = assigned.assign(Some(w.agent_id), now).unwrap();
        w.store
            .update_ticket(lossless::ports::UpdateTicket {
                expected_version: t.version,
                ticket: assigned,
                actor: lossless::actor::ActorRef::System,
                events,
                messages: Vec::new(),
                jobs: Vec::new(),
                notifications: Vec::new(),
                completes: None,
                now,
            })
            .await
            .unwrap();
        let board = team::team_board(&w.ports, &w.manager).await.unwrap();
        let row = |id: AgentId| board.iter().find(|m| m.agent.id == id).unwrap();
        assert_eq!(row(w.agent_id).effective, Presence::Online);
        assert_eq!(row(w.agent_id).open_tickets, 1);
        assert_eq!(row(w.other_id).effective, Presence::Away);
        assert_eq!(row(w.other_id).open_tickets, 0);
        w.clock.advance(Duration::minutes(AWAY_AFTER_IDLE_MINUTES));
        let board = team::team_board(&w.ports, &w.manager).await.unwrap();
        let anna = board.iter().find(|m| m.agent.id == w.agent_id).unwrap();
        assert_eq!(
            (anna.status.presence, anna.effective),
            (Presence::Online, Presence::Away)
        );
        w.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn notifications_are_listed_per_agent_and_marked_read() {
    support::on_both_databases(|url| async move {
        let w = world(&url).await;
        let t = ticket(&w, "notified").await;
        let now = w.clock.now_micros();
        let stored = w
            .store
            .add_notifications(
                vec![
                    NewNotification {
                        agent: w.agent_id,
                        ticket: Some(t.id),
                        text: "Ticket assigned to you".into(),
                    },
                    NewNotification {
                        agent: w.other_id,
                        ticket: None,
                        text: "For Boris".into(),
                    },
                ],
                now,
            )
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        w.clock.advance(Duration::minutes(1));
        w.store
            .add_notifications(
                vec![NewNotification {
                    agent: w.agent_id,
                    ticket: None,
                    text: "Newer".into(),
                }],
                w.clock.now_micros(),
            )
            .await
            .unwrap();

        let inbox = team::my_notifications(&w.ports, &w.agent, 50)
            .await
            .unwrap();
        assert_eq!(inbox.unread, 2);
        let texts: Vec<_> = inbox
            .items
            .iter()
            .map(|i| i.notification.text.as_str())
            .collect();
        assert_eq!(
            texts,
            ["Newer", "Ticket assigned to you"],
            "newest first, own only"
        );
        assert_eq!(inbox.items[1].ticket_number.as_ref(), Some(&t.number));
        assert_eq!(inbox.items[0].ticket_number, None);
        assert!(inbox.items.iter().all(|i| i.notification.read_at.is_none()));

        // Marking up to the older one leaves the newer unread.
        let older = inbox.items[1].notification.id;
        team::mark_read(&w.ports, &w.agent, older).await.unwrap();
        let inbox = team::my_notifications(&w.ports, &w.agent, 50)
            .await
            .unwrap();
        assert_eq!(inbox.unread, 1);
        assert!(inbox.items[1].notification.read_at.is_some());
        assert!(inbox.items[0].notification.read_at.is_none());

        // Boris's id range does not let Anna touch his notifications.
        let newest = inbox.items[0].notification.id;
        team::mark_read(&w.ports, &w.agent, newest).await.unwrap();
        assert_eq!(
            team::my_notifications(&w.ports, &w.agent, 50)
                .await
                .unwrap()
                .unread,
            0
        );
        let boris = team::my_notifications(&w.ports, &w.other, 50)
            .await
            .unwrap();
        assert_eq!(boris.unread, 1);
        assert_eq!(boris.items.len(), 1);
        assert_eq!(boris.items[0].notification.text, "For Boris");

        // The limit is honoured.
        assert_eq!(
            team::my_notifications(&w.ports, &w.agent, 1)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        // Only agents have a bell.
        assert_eq!(
            team::my_notifications(&w.ports, &Actor::System, 10)
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        w.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn routing_and_profiles_are_saved_by_managers_whole_or_not_at_all() {
    support::on_both_databases(|url| async move {
        let w = world(&url).await;
        let g = w.store.create_group("Billing").await.unwrap();
        let routing = GroupRouting {
            group: g.id,
            strategy: AssignStrategy::LeastLoaded,
            match_language: false,
            match_skills: true,
            prefer_previous_agent: false,
        };
        // A plain agent cannot save routing, and nothing changes.
        assert_eq!(
            team::save_group_routing(&w.ports, &w.agent, routing.clone())
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        assert_eq!(
            team::group_routing(&w.ports, &w.manager, g.id)
                .await
                .unwrap(),
            GroupRouting::manual(g.id)
        );
        team::save_group_routing(&w.ports, &w.manager, routing.clone())
            .await
            .unwrap();
        let all = team::group_routings(&w.ports, &w.manager).await.unwrap();
        assert_eq!(all, vec![(g.clone(), routing.clone())]);
        assert_eq!(
            team::save_group_routing(
                &w.ports,
                &w.manager,
                GroupRouting::manual(GroupId(g.id.0 + 999))
            )
            .await
            .unwrap_err(),
            DomainError::NotFound
        );

        // Agent profiles: refused input names every bad field and stores nothing.
        let before = w.store.agent_statuses().await.unwrap();
        let bad = AgentProfileInput {
            agent: w.agent_id,
            capacity: -1,
            languages: BTreeSet::from([Lang::En]),
            skills: "x".repeat(200),
        };
        let DomainError::Invalid(errs) = team::save_agent_profile(&w.ports, &w.manager, bad)
            .await
            .unwrap_err()
        else {
            panic!("expected field errors")
        };
        let fields: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(fields, [("capacity", "invalid"), ("skills", "too_long")]);
        assert_eq!(w.store.agent_statuses().await.unwrap(), before);

        let good = AgentProfileInput {
            agent: w.agent_id,
            capacity: 5,
            languages: BTreeSet::from([Lang::En, Lang::Ru]),
            skills: " Billing, API,billing ".into(),
        };
        assert_eq!(
            team::save_agent_profile(&w.ports, &w.agent, good.clone())
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        team::set_my_presence(&w.ports, &w.agent, Presence::Online)
            .await
            .unwrap();
        let saved = team::save_agent_profile(&w.ports, &w.manager, good)
            .await
            .unwrap();
        assert_eq!(saved.capacity, 5);
        let stored = w
            .store
            .agent_statuses()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.agent == w.agent_id)
            .unwrap();
        assert_eq!(stored.capacity, 5);
        assert_eq!(stored.languages, BTreeSet::from([Lang::En, Lang::Ru]));
        assert_eq!(
            stored.skills,
            BTreeSet::from(["api".to_owned(), "billing".to_owned()])
        );
        assert_eq!(
            stored.presence,
            Presence::Online,
            "presence is the agent's own"
        );
        assert_eq!(
            team::save_agent_profile(
                &w.ports,
                &w.manager,
                AgentProfileInput {
                    agent: AgentId(999_999),
                    capacity: 1,
                    languages: BTreeSet::new(),
                    skills: String::new(),
                }
            )
            .await
            .unwrap_err(),
            DomainError::NotFound
        );
        w.store.close().await;
    })
    .await;
}

#[tokio::test]
async fn contact_profiles_are_trimmed_and_bounded() {
    support::on_both_databases(|url| async move {
        let w = world(&url).await;
        let t = ticket(&w, "profile").await;
        assert_eq!(
            team::ticket_contact_profile(&w.ports, &w.agent, t.id)
                .await
                .unwrap(),
            ContactProfile::default()
        );
        let too_long = ContactProfileInput {
            organisation: "ООО Ромашка".into(),
            vip: true,
            region: "р".repeat(MAX_PROFILE_CHARS + 1),
        };
        let DomainError::Invalid(errs) =
            team::set_ticket_contact_profile(&w.ports, &w.agent, t.id, &too_long)
                .await
                .unwrap_err()
        else {
            panic!("expected field errors")
        };
        assert_eq!(errs.0.len(), 1);
        assert_eq!(
            (errs.0[0].field.as_str(), errs.0[0].code.as_str()),
            ("region", "too_long")
        );
        assert_eq!(
            w.store.contact_profile(t.contact_id).await.unwrap(),
            ContactProfile::default(),
            "a refused save stores nothing"
        );

        let saved = team::set_ticket_contact_profile(
            &w.ports,
            &w.agent,
            t.id,
            &ContactProfileInput {
                organisation: "  ООО Ромашка  ".into(),
                vip: true,
                region: "   ".into(),
            },
        )
        .await
        .unwrap();
        let expected = ContactProfile {
            organisation: Some("ООО Ромашка".into()),
            vip: true,
            region: None,
        };
        assert_eq!(saved, expected);
        assert_eq!(
            team::contact_profile(&w.ports, &w.other, t.contact_id)
                .await
                .unwrap(),
            expected
        );
        assert_eq!(
            team::ticket_contact_profile(&w.ports, &w.agent, TicketId(t.id.0 + 999))
                .await
                .unwrap_err(),
            DomainError::NotFound
        );
        let customer = Actor::Customer {
            contact: t.contact_id,
            ticket: t.id,
        };
        assert_eq!(
            team::set_ticket_contact_profile(
                &w.ports,
                &customer,
                t.id,
                &ContactProfileInput::default()
            )
            .await
            .unwrap_err(),
            DomainError::Forbidden
        );
        w.store.close().await;
    })
    .await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Text frames until one satisfies `stop` (panics after 10 s); returns all read, in order.
async fn frames_until(ws: &mut Socket, stop: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            let done = stop(&v);
            seen.push(v);
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn a_notification_hint_reaches_only_its_agents_sockets() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let (anna, anna_cookie) = agent_cookie(&s, "anna@example.com").await;
    let (boris, boris_cookie) = role_cookie(&s, "boris@example.com", Role::Manager).await;
    let mut anna_ws = live_socket(&s, &anna_cookie).await;
    let mut boris_ws = live_socket(&s, &boris_cookie).await;
    // Opening the socket is activity.
    let seen = support::eventually(10, "activity recorded on connect", || async {
        s.ports
            .store
            .agent_statuses()
            .await
            .unwrap()
            .into_iter()
            .find(|st| st.agent == anna && st.last_seen_at.is_some())
    })
    .await;
    assert!(seen.last_seen_at.is_some());

    s.ports
        .live
        .publish(LiveEvent::Notification { agent: anna });
    // A hint for everyone after it: Boris reads up to it and must not have seen Anna's.
    s.ports
        .live
        .publish(LiveEvent::PresenceChanged { agent: boris });
    let anna_frames = frames_until(&mut anna_ws, |v| v["type"] == "presence_changed").await;
    assert!(
        anna_frames
            .iter()
            .any(|v| v["type"] == "notification" && v["agent"] == anna.0),
        "{anna_frames:?}"
    );
    let boris_frames = frames_until(&mut boris_ws, |v| v["type"] == "presence_changed").await;
    assert!(
        boris_frames.iter().all(|v| v["type"] != "notification"),
        "Boris got Anna's notification hint: {boris_frames:?}"
    );

    // The page's activity frame is accepted (and the socket stays open).
    anna_ws
        .send(tokio_tungstenite::tungstenite::Message::Text(
            lossless_app::live::ACTIVE_FRAME.into(),
        ))
        .await
        .unwrap();
    s.ports
        .live
        .publish(LiveEvent::Notification { agent: anna });
    let again = frames_until(&mut anna_ws, |v| v["type"] == "notification").await;
    assert_eq!(again.last().unwrap()["agent"], anna.0);
    s.stop().await;
}

/// Calls a server function the way the browser does; the body as JSON when it is JSON.
async fn call(
    s: &lossless_server::Server,
    path: &str,
    cookie: &str,
    body: &[(&str, &str)],
) -> (u16, Value) {
    let (status, text) = support::call_form(s, path, Some(cookie), body).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn team_screen_and_saves_over_http_are_for_managers_with_field_errors() {
    use leptos::server_fn::ServerFn;
    use lossless_app::api::team::{
        MarkNotificationsRead, MyNotifications, SaveAgentProfile, SaveContactProfile,
        SaveGroupRouting, SetPresence, TeamScreen,
    };
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let (anna, agent) = agent_cookie(&s, "anna@example.com").await;
    let (_, manager) = role_cookie(&s, "maria@example.com", Role::Manager).await;
    let g = s.ports.store.create_group("Support").await.unwrap();
    let group = g.id.0.to_string();
    let anna_id = anna.0.to_string();

    // The page and its data: managers only.
    let page = |cookie: String| {
        let url = format!("http://{}/manage/team", s.addr);
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .header("cookie", cookie)
                .header("accept-language", "en")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(page(agent.clone()).await.0, 403);
    let (status, html) = page(manager.clone()).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"team-page\""), "{html}");
    assert!(html.contains("Support"), "the group is listed: {html}");
    assert!(html.contains("data-testid=\"nav-team\""), "{html}");
    // Every agent page's header carries the presence selector and the bell (filled in the
    // browser; the server render must not wait for them).
    let r = reqwest::Client::new()
        .get(format!("http://{}/agent", s.addr))
        .header("cookie", &agent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-testid=\"presence-select\""), "{html}");
    assert!(html.contains("data-testid=\"bell-button\""), "{html}");
    assert!(
        !html.contains("data-testid=\"nav-team\""),
        "agents get no team link"
    );
    let (status, _) = call(&s, TeamScreen::PATH, &agent, &[]).await;
    assert_eq!(status, 403);

    // Routing: a plain agent is refused; a bad strategy is a field error; a good one saves.
    let routing = |strategy: &'static str| {
        vec![
            ("group", group.clone()),
            ("strategy", strategy.to_owned()),
            ("match_language", "true".to_owned()),
            ("match_skills", "false".to_owned()),
            ("prefer_previous_agent", "true".to_owned()),
        ]
    };
    let good = routing("round_robin");
    let body: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(call(&s, SaveGroupRouting::PATH, &agent, &body).await.0, 403);
    let bad = routing("random");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, err) = call(&s, SaveGroupRouting::PATH, &manager, &bad).await;
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0][0], "strategy");
    assert_eq!(
        call(&s, SaveGroupRouting::PATH, &manager, &body).await.0,
        200
    );
    let stored = s.ports.store.group_routing(g.id).await.unwrap();
    assert_eq!(stored.strategy, AssignStrategy::RoundRobin);
    assert!(stored.match_language && !stored.match_skills && stored.prefer_previous_agent);

    // Agent profile: 422 names each bad field; a good save is stored.
    let (status, err) = call(
        &s,
        SaveAgentProfile::PATH,
        &manager,
        &[
            ("agent", &anna_id),
            ("capacity", "lots"),
            ("ru", "true"),
            ("en", "false"),
            ("skills", "billing"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0][0], "capacity");
    let (status, _) = call(
        &s,
        SaveAgentProfile::PATH,
        &manager,
        &[
            ("agent", &anna_id),
            ("capacity", "7"),
            ("ru", "false"),
            ("en", "true"),
            ("skills", "Billing, VIP"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, screen) = call(&s, TeamScreen::PATH, &manager, &[]).await;
    assert_eq!(status, 200);
    let row = screen["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == anna.0)
        .unwrap()
        .clone();
    assert_eq!(row["capacity"], 7);
    assert_eq!(row["en"], true);
    assert_eq!(row["ru"], false);
    assert_eq!(row["skills"], "billing, vip");
    assert_eq!(row["presence"], "offline");

    // Presence: the agent's own; a bad value is a field error.
    let (status, err) = call(&s, SetPresence::PATH, &agent, &[("presence", "busy")]).await;
    assert_eq!(
        (status, err["detail"][0][0].clone()),
        (422, Value::from("presence"))
    );
    let (status, p) = call(&s, SetPresence::PATH, &agent, &[("presence", "online")]).await;
    assert_eq!(status, 200);
    assert_eq!(p["effective"], "online");

    // Contact profile from the ticket page: too long is 422 on that field, then a save.
    let t = crate::http::submit(
        &s,
        &serde_json::json!({"name": "Иван", "email": "ivan@example.ru", "message": "Помогите"}),
    )
    .await;
    let ticket_id = t.id.0.to_string();
    let long = "x".repeat(MAX_PROFILE_CHARS + 1);
    let (status, err) = call(
        &s,
        SaveContactProfile::PATH,
        &agent,
        &[
            ("ticket_id", &ticket_id),
            ("organisation", &long),
            ("vip", "true"),
            ("region", "EU"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0][0], "organisation");
    let (status, saved) = call(
        &s,
        SaveContactProfile::PATH,
        &agent,
        &[
            ("ticket_id", &ticket_id),
            ("organisation", " ООО Ромашка "),
            ("vip", "true"),
            ("region", ""),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(saved["organisation"], "ООО Ромашка");
    assert_eq!(
        s.ports.store.contact_profile(t.contact_id).await.unwrap(),
        ContactProfile {
            organisation: Some("ООО Ромашка".into()),
            vip: true,
            region: None
        }
    );

    // The bell over HTTP: own notifications, marked read.
    s.ports
        .store
        .add_notifications(
            vec![NewNotification {
                agent: anna,
                ticket: Some(t.id),
                text: "Assigned to you".into(),
            }],
            s.ports.clock.now(),
        )
        .await
        .unwrap();
    let (status, bell) = call(&s, MyNotifications::PATH, &agent, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(bell["unread"], 1);
    assert_eq!(bell["items"][0]["ticket_number"], t.number.to_string());
    let newest = bell["items"][0]["id"].to_string();
    let (status, _) = call(
        &s,
        MarkNotificationsRead::PATH,
        &agent,
        &[("up_to", &newest)],
    )
    .await;
    assert_eq!(status, 200);
    let (_, bell) = call(&s, MyNotifications::PATH, &manager, &[]).await;
    assert_eq!(bell["unread"], 0, "the manager has no notifications");
    let (_, bell) = call(&s, MyNotifications::PATH, &agent, &[]).await;
    assert_eq!(bell["unread"], 0);
    s.stop().await;
}
