//! Collision detection (issue 6): who else views or types on a ticket.
//!
//! - Over a real store on both databases with a fixed clock: a report shows the agent to
//!   others (never to themselves), typing shows and stops (idle, or its own expiry), a page
//!   that stops reporting drops out after the TTL, leaving removes at once; a live hint goes
//!   out exactly for the changes others would see; customers and the system are refused,
//!   unknown tickets are not found; the queue's "open by someone" marks.
//! - Over a real node: the server functions refuse strangers (401) and bad reports (422), a
//!   report reaches another agent's socket as a `viewers_changed` hint and their list, and
//!   the tab-close beacon (plain-text body) is understood.
//! - Two nodes on one PostgreSQL: a report made through node A is seen by an agent whose
//!   page and socket are on node B.

use crate::http::{agent_cookie, live_socket, node, submit};
use crate::support::{self, SqlStore};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::StreamExt;
use leptos::server_fn::ServerFn as _;
use lossless::actor::{Actor, Role};
use lossless::contact::{ContactDraft, Handle};
use lossless::error::DomainError;
use lossless::ids::{AgentId, ContactId, EmailAddress, Lang, NumberPrefix, PortalToken, TicketId};
use lossless::live::LiveEvent;
use lossless::ports::{Clock as _, CreateTicket, FixedClock, LiveBus, Store as _};
use lossless::services::Ports;
use lossless::services::viewers::{self, TicketViewer};
use lossless::team::NewAgent;
use lossless::ticket::{Channel, Priority, TicketDraft};
use lossless::viewers::{Activity, Draft, TYPING_TTL_SECS, VIEWER_TTL_SECS, ViewerReport};
use lossless_app::api::viewers::{ReportViewing, TicketViewers};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 5, 10, 0, 0)
        .single()
        .unwrap()
}

/// A live bus that keeps what was published.
#[derive(Default)]
struct Recorder(Mutex<Vec<LiveEvent>>);

impl LiveBus for Recorder {
    fn publish(&self, ev: LiveEvent) {
        self.0.lock().unwrap().push(ev);
    }
}

impl Recorder {
    /// The hints published since the last call.
    fn take(&self) -> Vec<LiveEvent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct World {
    store: SqlStore,
    clock: Arc<FixedClock>,
    hints: Arc<Recorder>,
    ports: Ports,
    anna: Actor,
    anna_id: AgentId,
    boris: Actor,
    boris_id: AgentId,
}

async fn add_agent(store: &SqlStore, name: &str) -> AgentId {
    store
        .create_agent(NewAgent {
            email: EmailAddress::parse(&format!("{name}@viewers.test")).unwrap(),
            name: name.to_owned(),
            role: Role::Agent,
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
    let hints = Arc::new(Recorder::default());
    let ports = Ports {
        store: Arc::new(store.clone()),
        clock: clock.clone(),
        live: hints.clone(),
        prefix: NumberPrefix::default(),
    };
    let anna_id = add_agent(&store, "Anna").await;
    let boris_id = add_agent(&store, "Boris").await;
    World {
        store,
        clock,
        hints,
        ports,
        anna: Actor::Agent {
            id: anna_id,
            role: Role::Agent,
        },
        anna_id,
        boris: Actor::Agent {
            id: boris_id,
            role: Role::Manager,
        },
        boris_id,
    }
}

async fn ticket(w: &World, subject: &str) -> TicketId {
    let mut bytes = [0x7e_u8; 16];
    let n = subject.len().min(16);
    bytes[..n].copy_from_slice(&subject.as_bytes()[..n]);
    w.store
        .create_ticket(CreateTicket {
            draft: TicketDraft {
                subject: subject.to_owned(),
                priority: Priority::Normal,
                channel: Channel::WebForm,
                group: None,
                portal_token: PortalToken::from_random(&bytes).unwrap(),
                lang: Lang::Ru,
                now: lossless::ports::to_micros(w.clock.now()),
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
        .id
}

fn changed(t: TicketId) -> Vec<LiveEvent> {
    vec![LiveEvent::ViewersChanged { ticket_id: t }]
}

async fn report(w: &World, who: &Actor, t: TicketId, r: ViewerReport) -> Vec<TicketViewer> {
    viewers::report_viewing(&w.ports, who, t, r).await.unwrap()
}

async fn seen_by(w: &World, who: &Actor, t: TicketId) -> Vec<(String, Activity)> {
    viewers::ticket_viewers(&w.ports, who, t)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.name, v.activity))
        .collect()
}

async fn scenario(url: String) {
    let w = world(&url).await;
    let t = ticket(&w, "collision").await;
    let anna = || ("Anna".to_owned(), Activity::Viewing);

    // Anna opens the ticket: Boris sees her, she does not see herself; one hint.
    assert!(
        report(&w, &w.anna, t, ViewerReport::Viewing)
            .await
            .is_empty()
    );
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(seen_by(&w, &w.boris, t).await, vec![anna()]);
    assert_eq!(seen_by(&w, &w.anna, t).await, vec![]);

    // Boris opens it too: each sees the other (the report answers with the others).
    let answer = report(&w, &w.boris, t, ViewerReport::Viewing).await;
    assert_eq!(
        answer,
        vec![TicketViewer {
            agent: w.anna_id,
            name: "Anna".into(),
            activity: Activity::Viewing,
        }]
    );
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(
        seen_by(&w, &w.anna, t).await,
        vec![("Boris".to_owned(), Activity::Viewing)]
    );

    // A heartbeat changes nothing others see: no hint.
    w.clock.advance(Duration::seconds(10));
    report(&w, &w.anna, t, ViewerReport::Viewing).await;
    assert_eq!(w.hints.take(), vec![]);

    // Anna types a reply: shown, with one hint; more keystrokes send none.
    report(&w, &w.anna, t, ViewerReport::Typing(Draft::Reply)).await;
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(
        seen_by(&w, &w.boris, t).await,
        vec![("Anna".to_owned(), Activity::Typing(Draft::Reply))]
    );
    w.clock.advance(Duration::seconds(3));
    report(&w, &w.anna, t, ViewerReport::Typing(Draft::Reply)).await;
    report(&w, &w.anna, t, ViewerReport::Viewing).await;
    assert_eq!(w.hints.take(), vec![]);
    // She stops (idle): back to viewing, with a hint.
    report(&w, &w.anna, t, ViewerReport::Idle).await;
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(seen_by(&w, &w.boris, t).await, vec![anna()]);

    // Typing a note, then the page goes quiet: the typing mark runs out on its own, and
    // after the viewer TTL she is gone — by the clock, without any report.
    report(&w, &w.anna, t, ViewerReport::Typing(Draft::Note)).await;
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(
        seen_by(&w, &w.boris, t).await,
        vec![("Anna".to_owned(), Activity::Typing(Draft::Note))]
    );
    w.clock.advance(Duration::seconds(TYPING_TTL_SECS));
    assert_eq!(seen_by(&w, &w.boris, t).await, vec![anna()]);
    w.clock
        .advance(Duration::seconds(VIEWER_TTL_SECS - TYPING_TTL_SECS));
    assert_eq!(seen_by(&w, &w.boris, t).await, vec![]);
    assert_eq!(seen_by(&w, &w.anna, t).await, vec![]);

    // Both come back; Anna leaves: gone at once, with a hint.
    report(&w, &w.anna, t, ViewerReport::Viewing).await;
    report(&w, &w.boris, t, ViewerReport::Viewing).await;
    w.hints.take();
    assert!(report(&w, &w.anna, t, ViewerReport::Left).await.is_empty());
    assert_eq!(w.hints.take(), changed(t));
    assert_eq!(seen_by(&w, &w.boris, t).await, vec![]);
    // Leaving twice is harmless and tells nobody.
    report(&w, &w.anna, t, ViewerReport::Left).await;
    assert_eq!(w.hints.take(), vec![]);

    // The queue's marks: tickets someone else has open, never the asker's own.
    let quiet = ticket(&w, "quiet").await;
    let marks = viewers::viewed_tickets(&w.ports, &w.anna, vec![t, quiet])
        .await
        .unwrap();
    let marked: Vec<(TicketId, Vec<AgentId>)> = marks
        .into_iter()
        .map(|(t, list)| (t, list.into_iter().map(|v| v.agent).collect()))
        .collect();
    assert_eq!(marked, vec![(t, vec![w.boris_id])]);
    let marks = viewers::viewed_tickets(&w.ports, &w.boris, vec![t, quiet])
        .await
        .unwrap();
    assert!(marks.is_empty(), "{marks:?}");

    // Customers (a portal token holder) and the system neither report nor read viewers;
    // an unknown ticket is not found.
    let customer = Actor::Customer {
        contact: ContactId(1),
        ticket: t,
    };
    for who in [customer, Actor::System] {
        assert_eq!(
            viewers::ticket_viewers(&w.ports, &who, t)
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        assert_eq!(
            viewers::report_viewing(&w.ports, &who, t, ViewerReport::Viewing)
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        assert_eq!(
            viewers::viewed_tickets(&w.ports, &who, vec![t])
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
    }
    let missing = TicketId(i64::MAX);
    assert_eq!(
        viewers::ticket_viewers(&w.ports, &w.anna, missing)
            .await
            .unwrap_err(),
        DomainError::NotFound
    );
    assert_eq!(
        viewers::report_viewing(&w.ports, &w.anna, missing, ViewerReport::Viewing)
            .await
            .unwrap_err(),
        DomainError::NotFound
    );
    assert_eq!(w.hints.take(), vec![], "refusals publish nothing");
    w.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_show_type_expire_and_leave_on_both_databases() {
    support::on_both_databases(scenario).await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads frames until a `viewers_changed` hint for `ticket` arrives (10 s at most).
async fn viewers_hint(ws: &mut Socket, ticket: TicketId) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("viewers hint in time")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "viewers_changed" && v["ticket_id"] == ticket.0 {
                return;
            }
        }
    }
}

async fn call(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: &[(&str, &str)],
) -> (u16, Value) {
    let (status, text) = support::call_form(s, path, cookie, body).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The names in a viewers answer, with their activity.
fn names(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_owned(),
                x["activity"].to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn viewers_over_http_reach_other_agents_and_refuse_strangers() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let t = submit(
        &s,
        &json!({"name": "N", "email": "viewers@example.com", "message": "who is here"}),
    )
    .await;
    let id = t.id.0.to_string();
    let (_, anna) = agent_cookie(&s, "anna@example.com").await;
    let (_, boris) = agent_cookie(&s, "boris@example.com").await;
    let mut boris_ws = live_socket(&s, &boris).await;

    // No session, no viewers (a portal visitor has none); a bad report stores nothing.
    for path in [ReportViewing::PATH, TicketViewers::PATH] {
        let (status, _) = call(&s, path, None, &[("ticket_id", &id), ("report", "viewing")]).await;
        assert_eq!(status, 401, "{path}");
    }
    let (status, err) = call(
        &s,
        ReportViewing::PATH,
        Some(&anna),
        &[("ticket_id", &id), ("report", "peeking")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0][0], "report", "{err}");
    let (status, _) = call(
        &s,
        ReportViewing::PATH,
        Some(&anna),
        &[("ticket_id", "999999"), ("report", "viewing")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, list) = call(&s, TicketViewers::PATH, Some(&boris), &[("ticket_id", &id)]).await;
    assert_eq!((status, names(&list)), (200, vec![]));

    // Anna types: Boris's socket hears it and his list names her.
    let (status, _) = call(
        &s,
        ReportViewing::PATH,
        Some(&anna),
        &[("ticket_id", &id), ("report", "typing_reply")],
    )
    .await;
    assert_eq!(status, 200);
    viewers_hint(&mut boris_ws, t.id).await;
    let (_, list) = call(&s, TicketViewers::PATH, Some(&boris), &[("ticket_id", &id)]).await;
    assert_eq!(
        names(&list),
        vec![(
            "anna@example.com".to_owned(),
            json!({"typing": "reply"}).to_string()
        )]
    );

    // The tab-close beacon: the same form fields in a text/plain body, no JSON accepted.
    let r = support::http_client()
        .post(format!("http://{}{}", s.addr, ReportViewing::PATH))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "text/plain;charset=UTF-8")
        .header("cookie", &anna)
        .body(format!("ticket_id={id}&report=left"))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    viewers_hint(&mut boris_ws, t.id).await;
    let (_, list) = call(&s, TicketViewers::PATH, Some(&boris), &[("ticket_id", &id)]).await;
    assert_eq!(names(&list), vec![]);
    s.stop().await;
}

#[tokio::test]
async fn a_viewer_on_one_node_is_seen_from_another() {
    let Some(db) = support::fresh_pg().await else {
        return;
    };
    let a = node(&db, &[("node_id", "node-a")]).await;
    let b = node(&db, &[("node_id", "node-b")]).await;
    let t = submit(
        &a,
        &json!({"name": "N", "email": "nodes@example.com", "message": "two nodes"}),
    )
    .await;
    let id = t.id.0.to_string();
    let (_, anna) = agent_cookie(&a, "anna@example.com").await;
    let (_, boris) = agent_cookie(&b, "boris@example.com").await;
    let mut boris_ws = live_socket(&b, &boris).await;

    let (status, _) = call(
        &a,
        ReportViewing::PATH,
        Some(&anna),
        &[("ticket_id", &id), ("report", "viewing")],
    )
    .await;
    assert_eq!(status, 200);
    viewers_hint(&mut boris_ws, t.id).await;
    let (_, list) = call(&b, TicketViewers::PATH, Some(&boris), &[("ticket_id", &id)]).await;
    assert_eq!(
        names(&list),
        vec![("anna@example.com".to_owned(), json!("viewing").to_string())]
    );
    // Leaving through node A empties node B's answer.
    call(
        &a,
        ReportViewing::PATH,
        Some(&anna),
        &[("ticket_id", &id), ("report", "left")],
    )
    .await;
    viewers_hint(&mut boris_ws, t.id).await;
    let (_, list) = call(&b, TicketViewers::PATH, Some(&boris), &[("ticket_id", &id)]).await;
    assert_eq!(names(&list), vec![]);
    a.stop().await;
    b.stop().await;
    support::drop_pg(&db).await;
}
