//! The site widget (issue 7) on both databases: the store's widget methods (sites, visitors,
//! uploads, the widget ticket with its visitor link in one transaction, email delivery only
//! for contacts with an address), and the real server's widget API — site administration and
//! the loader's CORS, sessions that mint and resume tokens, chat both ways over the visitor's
//! websocket (never an internal note), the bot's pre-filled ticket, the offline form, the
//! callback request, uploads (413) and another visitor's token (404).

use crate::http::node;
use crate::support;
use crate::support::SqlStore;
use futures_util::{SinkExt, StreamExt};
use lossless::actor::{Actor, Role};
use lossless::contact::{ContactDraft, Handle};
use lossless::error::DomainError;
use lossless::ids::{Lang, NumberPrefix, PortalToken, SiteId, TicketId};
use lossless::message::AttachmentMeta;
use lossless::ports::{CreateTicket, IntakeKey, Store as _, StoreError};
use lossless::services::widget as svc;
use lossless::team::Presence;
use lossless::ticket::{Channel, Priority, TicketDraft};
use lossless::viewers::{Draft, ViewerReport};
use lossless::widget::{
    BotStepInput, NewWidgetTicket, Page, SiteInput, SiteKey, VisitorHandle, VisitorLink,
    VisitorToken, VisitorUpdate, token_hash,
};
use lossless_server::Server;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn site_input(name: &str) -> SiteInput {
    SiteInput {
        name: name.into(),
        colour: "#0a0".into(),
        greeting_ru: "Здравствуйте!".into(),
        greeting_en: "Hello!".into(),
        languages: vec!["en".into(), "ru".into()],
        calendar: None,
        allowed_origins: "https://shop.example".into(),
        group: None,
        chat: true,
        callback: true,
        bot: vec![
            BotStepInput {
                key: "problem".into(),
                ask: "text".into(),
                prompt_ru: "Что случилось?".into(),
                prompt_en: "What happened?".into(),
                required: true,
            },
            BotStepInput {
                key: "order".into(),
                ask: "order_number".into(),
                prompt_ru: "Номер заказа?".into(),
                prompt_en: "Order number?".into(),
                required: false,
            },
            BotStepInput {
                key: "shot".into(),
                ask: "screenshot".into(),
                prompt_ru: "Скриншот?".into(),
                prompt_en: "Screenshot?".into(),
                required: false,
            },
        ],
        notices: Default::default(),
    }
}

fn token(n: u8) -> VisitorToken {
    VisitorToken::from_random(&[n; 16]).unwrap()
}

fn portal() -> PortalToken {
    let bytes: [u8; 16] = rand::random();
    PortalToken::from_random(&bytes).unwrap()
}

fn meta(name: &str, sha: &str) -> AttachmentMeta {
    AttachmentMeta {
        filename: name.into(),
        content_type: "image/png".into(),
        size: 3,
        sha256: sha.into(),
        stored: true,
        inline: false,
    }
}

fn chat_ticket(
    site: SiteId,
    hash: &str,
    key: &str,
    expected: Option<TicketId>,
    now: chrono::DateTime<chrono::Utc>,
) -> NewWidgetTicket {
    NewWidgetTicket {
        ticket: CreateTicket {
            draft: TicketDraft {
                subject: "Help".into(),
                priority: Priority::Normal,
                channel: Channel::Widget,
                group: None,
                portal_token: portal(),
                lang: Lang::En,
                now,
            },
            prefix: NumberPrefix::default(),
            contact: ContactDraft {
                name: String::new(),
                handles: vec![Handle::Visitor(VisitorHandle::of(hash))],
            },
            body: "Help me".into(),
            intake_key: Some(IntakeKey {
                source: "widget".into(),
                key: key.into(),
            }),
            custom_fields: BTreeMap::from([("order_number".to_owned(), "A-1".to_owned())]),
        },
        site,
        tags: BTreeSet::from(["vip".to_owned()]),
        attachments: vec![meta("a.png", &"ab".repeat(32))],
        dedupe_key: Some("widget:c1".into()),
        link: Some(VisitorLink {
            token_hash: hash.into(),
            expected,
        }),
    }
}

/// Every widget store method, on one database.
async fn store_story(store: &SqlStore) {
    let p = support::ports(store);
    let now = lossless::ports::to_micros(p.clock.now());
    let settings = lossless::widget::check_site(&site_input("Shop")).unwrap();
    let key = SiteKey::parse("shop-key").unwrap();
    let site = store
        .save_widget_site(None, key.clone(), settings.clone(), now)
        .await
        .unwrap();
    assert!(site.active);
    assert_eq!(site.settings, settings);
    assert_eq!(
        store
            .save_widget_site(None, key.clone(), settings.clone(), now)
            .await,
        Err(StoreError::Duplicate("key"))
    );
    let mut changed = settings.clone();
    changed.name = "Shop 2".into();
    let saved = store
        .save_widget_site(Some(site.id), key.clone(), changed.clone(), now)
        .await
        .unwrap();
    assert_eq!(saved.settings.name, "Shop 2");
    assert_eq!(
        store
            .save_widget_site(Some(SiteId(999_999)), key.clone(), changed, now)
            .await,
        Err(StoreError::NotFound)
    );
    store
        .set_widget_site_active(site.id, false, now)
        .await
        .unwrap();
    assert!(!store.widget_site(site.id).await.unwrap().unwrap().active);
    store
        .set_widget_site_active(site.id, true, now)
        .await
        .unwrap();
    assert_eq!(
        store
            .set_widget_site_active(SiteId(999_999), true, now)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.widget_site_by_key(&key).await.unwrap().unwrap().id,
        site.id
    );
    assert_eq!(store.widget_sites().await.unwrap().len(), 1);

    // Visitors: one row and one anonymous contact per token hash.
    let hash = token_hash(&token(1));
    let v = store
        .create_widget_visitor(
            &hash,
            site.id,
            Lang::En,
            Page::parse("https://shop.example/a", "A"),
            now,
        )
        .await
        .unwrap();
    let again = store
        .create_widget_visitor(&hash, site.id, Lang::Ru, Page::default(), now)
        .await
        .unwrap();
    assert_eq!(again, v);
    assert_eq!(v.ticket, None);
    assert_eq!(v.page.url.as_deref(), Some("https://shop.example/a"));
    let contact = store.contact(v.contact).await.unwrap().unwrap();
    assert_eq!(
        contact.handles,
        [Handle::Visitor(VisitorHandle::of(&hash))],
        "the contact is known by a handle derived from the hash"
    );
    let later = now + chrono::Duration::seconds(5);
    let u = store
        .update_widget_visitor(
            &hash,
            VisitorUpdate {
                typing_until: Some(Some(later)),
                page: Some(Page::parse("https://shop.example/b", "")),
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(u.typing_until, Some(later));
    assert_eq!(u.page.url.as_deref(), Some("https://shop.example/b"));
    assert_eq!(u.page.title, None);
    assert_eq!(u.lang, Lang::En, "untouched");
    assert_eq!(u.seen_at, later);
    let u = store
        .update_widget_visitor(&hash, VisitorUpdate::default(), later)
        .await
        .unwrap();
    assert_eq!(u.typing_until, Some(later), "kept when not named");
    assert_eq!(
        store
            .update_widget_visitor("nobody", VisitorUpdate::default(), later)
            .await,
        Err(StoreError::NotFound)
    );

    // Uploads belong to their visitor.
    let sha = "ab".repeat(32);
    store.put_blob(&sha, b"png".to_vec()).await.unwrap();
    store
        .save_widget_upload(&hash, meta("a.png", &sha), now)
        .await
        .unwrap();
    store
        .save_widget_upload(&hash, meta("again.png", &sha), now)
        .await
        .unwrap();
    let mine = store
        .widget_uploads(&hash, vec![sha.clone(), "cd".repeat(32)])
        .await
        .unwrap();
    assert_eq!(mine, [meta("a.png", &sha)]);
    let other = token_hash(&token(2));
    store
        .create_widget_visitor(&other, site.id, Lang::En, Page::default(), now)
        .await
        .unwrap();
    assert!(
        store
            .widget_uploads(&other, vec![sha.clone()])
            .await
            .unwrap()
            .is_empty()
    );

    // The widget ticket: refused when the visitor's conversation moved on, else one
    // transaction with the link; a resend replays it.
    let stale = chat_ticket(site.id, &hash, "k1", Some(TicketId(424_242)), now);
    assert_eq!(
        store.create_widget_ticket(stale).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.widget_visitor(&hash).await.unwrap().unwrap().ticket,
        None
    );
    let created = store
        .create_widget_ticket(chat_ticket(site.id, &hash, "k2", None, now))
        .await
        .unwrap();
    assert!(!created.replayed);
    let t = created.ticket;
    assert_eq!(t.channel, Channel::Widget);
    assert_eq!(t.contact_id, v.contact);
    assert!(t.tags.contains("vip"));
    assert_eq!(store.ticket(t.id).await.unwrap().unwrap().tags, t.tags);
    assert_eq!(store.ticket_site(t.id).await.unwrap(), Some(site.id));
    assert_eq!(
        store.custom_fields(t.id).await.unwrap()["order_number"],
        "A-1"
    );
    let linked = store.widget_visitor(&hash).await.unwrap().unwrap();
    assert_eq!(linked.ticket, Some(t.id));
    assert_eq!(
        store
            .ticket_visitor(t.id)
            .await
            .unwrap()
            .unwrap()
            .token_hash,
        hash
    );
    let first = store
        .message_by_key(t.id, "widget:c1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.body, "Help me");
    assert_eq!(first.attachments, [meta("a.png", &sha)]);
    assert_eq!(store.message_by_key(t.id, "widget:zz").await.unwrap(), None);
    let jobs = store.jobs(None, 100).await.unwrap();
    assert!(jobs.iter().any(|j| j.key == format!("ack:{}", t.id)));
    let replay = store
        .create_widget_ticket(chat_ticket(site.id, &hash, "k2", Some(TicketId(1)), now))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.ticket.id, t.id);
    assert_eq!(store.ticket_site(TicketId(999_999)).await.unwrap(), None);
    assert_eq!(store.ticket_visitor(TicketId(999_999)).await.unwrap(), None);

    // An agent's reply on an anonymous chat is not mailed; on a ticket whose contact has an
    // address it is.
    let agent = support::new_agent(store, "wanda", Role::Agent, Lang::En).await;
    let actor = Actor::Agent {
        id: agent,
        role: Role::Agent,
    };
    let t = store.ticket(t.id).await.unwrap().unwrap();
    lossless::services::reply(&p, &actor, t.id, t.version, "Hi!")
        .await
        .unwrap();
    assert!(store.deliveries(t.id).await.unwrap().is_empty());
    let mut mailed = chat_ticket(site.id, &other, "k3", None, now);
    mailed.ticket.contact = ContactDraft {
        name: "Mia".into(),
        handles: vec![Handle::Email(
            lossless::ids::EmailAddress::parse("mia@example.org").unwrap(),
        )],
    };
    mailed.link = None;
    let m = store.create_widget_ticket(mailed).await.unwrap().ticket;
    lossless::services::reply(&p, &actor, m.id, m.version, "Hello Mia")
        .await
        .unwrap();
    assert_eq!(store.deliveries(m.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn widget_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        store_story(&store).await;
        store.close().await;
    })
    .await;
}

// ---- the server ----

fn url(s: &Server, path: &str) -> String {
    format!("http://{}{path}", s.addr)
}

async fn admin(s: &Server) -> Actor {
    let (a, _) = crate::http::role_cookie(s, "boss@team.test", Role::Admin).await;
    Actor::Agent {
        id: a,
        role: Role::Admin,
    }
}

async fn new_site(s: &Server, input: &SiteInput) -> lossless::widget::Site {
    let admin = admin(s).await;
    svc::save_site(&s.ports, &admin, None, input).await.unwrap()
}

async fn post_json(s: &Server, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = support::http_client().post(url(s, path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })),
    )
}

async fn session(s: &Server, key: &SiteKey, token: Option<&str>) -> Value {
    let (status, body) = post_json(
        s,
        &format!("/widget/v1/{key}/session"),
        None,
        json!({ "token": token, "lang": "en", "page": { "url": "https://shop.example/cart", "title": "Cart" } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn socket(s: &Server, key: &SiteKey, token: &str) -> Ws {
    tokio_tungstenite::connect_async(format!("ws://{}/widget/v1/{key}/ws?token={token}", s.addr))
        .await
        .unwrap()
        .0
}

/// The next text frame (10 s at most).
async fn next_frame(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("a frame in time")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// The next frame of `kind`, after skipping the others.
async fn frame_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let f = next_frame(ws).await;
        if f["type"] == kind {
            return f;
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        v.to_string().into(),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn sites_are_managed_and_the_loader_sees_them_only_from_allowed_origins() {
    support::on_both_databases(|db| async move {
        let s = node(&db, &[]).await;
        let admin = admin(&s).await;
        let (agent, _) = crate::http::agent_cookie(&s, "plain@team.test").await;
        let agent = Actor::Agent {
            id: agent,
            role: Role::Agent,
        };
        assert_eq!(
            svc::save_site(&s.ports, &agent, None, &site_input("Shop")).await,
            Err(DomainError::Forbidden)
        );
        let mut bad = site_input("");
        bad.allowed_origins = "ftp://x".into();
        bad.calendar = Some(999_999);
        match svc::save_site(&s.ports, &admin, None, &bad).await {
            Err(DomainError::Invalid(f)) => {
                let fields: Vec<_> = f.0.iter().map(|e| e.field.as_str()).collect();
                assert!(fields.contains(&"name"), "{fields:?}");
                assert!(fields.contains(&"allowed_origins"), "{fields:?}");
            }
            other => panic!("expected 422, got {other:?}"),
        }
        let mut unknown = site_input("Shop");
        unknown.calendar = Some(999_999);
        match svc::save_site(&s.ports, &admin, None, &unknown).await {
            Err(DomainError::Invalid(f)) => assert_eq!(f.0[0].field, "calendar"),
            other => panic!("expected 422, got {other:?}"),
        }
        let site = svc::save_site(&s.ports, &admin, None, &site_input("Shop"))
            .await
            .unwrap();
        let other = svc::save_site(&s.ports, &admin, None, &site_input("Blog"))
            .await
            .unwrap();
        assert_ne!(site.key, other.key);
        let edited = svc::save_site(&s.ports, &admin, Some(site.id), &site_input("Shop!"))
            .await
            .unwrap();
        assert_eq!(
            (edited.key.clone(), edited.settings.name.as_str()),
            (site.key.clone(), "Shop!")
        );
        let names: Vec<_> = svc::list_sites(&s.ports, &admin)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.settings.name)
            .collect();
        assert_eq!(names, ["Shop!", "Blog"]);
        assert_eq!(
            svc::list_sites(&s.ports, &agent).await,
            Err(DomainError::Forbidden)
        );

        let get = |origin: &'static str| {
            let u = url(&s, &format!("/widget/v1/site/{}?lang=ru", site.key));
            async move {
                support::http_client()
                    .get(u)
                    .header("origin", origin)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let ok = get("https://shop.example").await;
        assert_eq!(ok.status(), 200);
        assert_eq!(
            ok.headers()["access-control-allow-origin"],
            "https://shop.example"
        );
        assert_eq!(ok.headers()["vary"], "Origin");
        let body: Value = ok.json().await.unwrap();
        assert_eq!(body["label"], "Shop!");
        assert_eq!(body["lang"], "ru");
        assert_eq!(body["colour"], "#00aa00");
        let foreign = get("https://evil.example").await;
        assert_eq!(foreign.status(), 200);
        assert!(
            foreign
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        assert_eq!(foreign.headers()["vary"], "Origin");

        svc::set_site_active(&s.ports, &admin, site.id, false)
            .await
            .unwrap();
        let off = get("https://shop.example").await;
        assert_eq!(off.status(), 404);
        assert_eq!(off.json::<Value>().await.unwrap()["error"], "not_found");
        let (st, body) = post_json(
            &s,
            &format!("/widget/v1/{}/session", site.key),
            None,
            json!({}),
        )
        .await;
        assert_eq!((st, body["error"].as_str()), (404, Some("not_found")));
        s.stop().await;
    })
    .await;
}

#[tokio::test]
async fn chat_runs_both_ways_over_the_visitors_socket() {
    support::on_both_databases(|db| async move {
        let s = node(&db, &[]).await;
        let site = new_site(&s, &site_input("Shop")).await;
        let key = site.key.clone();

        // Nobody online: the form is offered; an agent going online offers chat.
        let first = session(&s, &key, None).await;
        let token = first["token"].as_str().unwrap().to_owned();
        assert_eq!(first["offer"]["chat"], false);
        assert_eq!(first["offer"]["offline"], "nobody_available");
        assert_eq!(first["site"]["greeting"], "Hello!");
        assert_eq!(first["bot"]["steps"][0]["prompt"], "What happened?");
        assert_eq!(first["thread"], Value::Null);
        let (agent_id, _) = crate::http::agent_cookie(&s, "anna@team.test").await;
        let agent = Actor::Agent {
            id: agent_id,
            role: Role::Agent,
        };
        lossless::services::team::set_my_presence(&s.ports, &agent, Presence::Online)
            .await
            .unwrap();
        let resumed = session(&s, &key, Some(&token)).await;
        assert_eq!(resumed["token"], token.as_str(), "the same visitor");
        assert_eq!(resumed["offer"]["chat"], true);
        // A site whose calendar is closed now offers the form, however many are online.
        let closed = lossless::sla::Calendar {
            week: Default::default(),
            ..Default::default()
        };
        let now = s.ports.clock.now();
        let cal = s
            .ports
            .store
            .save_sla_calendar(None, "Never".into(), closed, false, now)
            .await
            .unwrap();
        let mut after_hours = site_input("Night shop");
        after_hours.calendar = Some(cal.id.0);
        let night = new_site(&s, &after_hours).await;
        let night_session = session(&s, &night.key, None).await;
        assert_eq!(night_session["offer"]["chat"], false);
        assert_eq!(night_session["offer"]["offline"], "outside_hours");
        assert_eq!(night_session["offer"]["callback"], true);
        let minted = session(&s, &key, Some(&"0".repeat(32))).await;
        assert_ne!(
            minted["token"],
            token.as_str(),
            "an unknown token mints a new one"
        );

        // The visitor writes over the socket: ack and the message, a widget ticket.
        let mut ws = socket(&s, &key, &token).await;
        send(
            &mut ws,
            json!({"type": "send", "body": "My order is late\nsince Monday", "client_id": "c-1"}),
        )
        .await;
        let ack = frame_of(&mut ws, "ack").await;
        assert_eq!(ack["client_id"], "c-1");
        assert_eq!(ack["message"]["from_visitor"], true);
        let own = frame_of(&mut ws, "message").await;
        assert_eq!(own["message"]["id"], ack["message"]["id"]);
        let hash = token_hash(&VisitorToken::parse(&token).unwrap());
        let visitor = s.ports.store.widget_visitor(&hash).await.unwrap().unwrap();
        let ticket_id = visitor.ticket.unwrap();
        let t = s.ports.store.ticket(ticket_id).await.unwrap().unwrap();
        assert_eq!(t.channel, Channel::Widget);
        assert_eq!(t.subject, "My order is late");
        // A resend of the same client id lands once.
        let (st, again) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&token),
            json!({"body": "My order is late\nsince Monday", "client_id": "c-1"}),
        )
        .await;
        assert_eq!(st, 201, "{again}");
        assert_eq!(again["id"], ack["message"]["id"]);
        let (st, body) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&token),
            json!({"body": "  ", "client_id": "c-2"}),
        )
        .await;
        assert_eq!(
            (st, body["fields"]["body"][0].as_str()),
            (422, Some("required"))
        );
        let (st, _) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            None,
            json!({"body": "x", "client_id": "c-3"}),
        )
        .await;
        assert_eq!(st, 401);

        // The agent types, notes and replies: typing and the reply arrive, the note never.
        lossless::services::viewers::report_viewing(
            &s.ports,
            &agent,
            ticket_id,
            ViewerReport::Typing(Draft::Reply),
        )
        .await
        .unwrap();
        let typing = frame_of(&mut ws, "typing").await;
        assert_eq!(typing["on"], true);
        agent_writes(&s, &agent, ticket_id, "SECRET note", true).await;
        agent_writes(&s, &agent, ticket_id, "We are on it", false).await;
        let reply = message_with(&mut ws, "We are on it").await;
        assert_eq!(reply["message"]["body"], "We are on it");
        assert_eq!(reply["message"]["from_visitor"], false);
        assert_eq!(reply["message"]["author"], "anna@team.test");

        // The visitor types and moves on: the agent sees it.
        send(
            &mut ws,
            json!({"type": "page", "url": "https://shop.example/orders", "title": "Orders"}),
        )
        .await;
        send(&mut ws, json!({"type": "typing"})).await;
        let presence = support::eventually(10, "visitor presence", || {
            let p = s.ports.clone();
            let agent = agent.clone();
            async move {
                let v = svc::visitor_presence(&p, &agent, ticket_id)
                    .await
                    .unwrap()?;
                (v.typing && v.page_url.as_deref() == Some("https://shop.example/orders"))
                    .then_some(v)
            }
        })
        .await;
        assert!(presence.online);
        assert_eq!(presence.page_title.as_deref(), Some("Orders"));

        // Resolved, then the visitor writes again: the ticket reopens (a status frame).
        let mut resolved = false;
        for _ in 0..10 {
            let t = s.ports.store.ticket(ticket_id).await.unwrap().unwrap();
            match lossless::services::change_ticket(
                &s.ports,
                &agent,
                ticket_id,
                t.version,
                &lossless::services::TicketChange {
                    status: Some(lossless::ticket::Status::Resolved),
                    ..Default::default()
                },
            )
            .await
            {
                Ok(_) => {
                    resolved = true;
                    break;
                }
                Err(DomainError::Conflict) => continue,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert!(resolved);
        status_frame(&mut ws, "resolved").await;
        send(
            &mut ws,
            json!({"type": "send", "body": "Still late", "client_id": "c-4"}),
        )
        .await;
        frame_of(&mut ws, "ack").await;
        status_frame(&mut ws, "open").await;
        assert_eq!(
            s.ports
                .store
                .ticket(ticket_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            lossless::ticket::Status::Open
        );
        drop(ws);

        // A reload: the same token resumes the conversation, without the note.
        let reload = session(&s, &key, Some(&token)).await;
        let thread = &reload["thread"];
        assert_eq!(thread["number"], t_number(&s, ticket_id).await);
        let bodies: Vec<_> = thread["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect();
        assert!(bodies.contains(&"We are on it".to_owned()), "{bodies:?}");
        assert!(bodies.contains(&"Still late".to_owned()), "{bodies:?}");
        assert!(!bodies.iter().any(|b| b.contains("SECRET")), "{bodies:?}");
        let mut ws = socket(&s, &key, &token).await;
        agent_writes(&s, &agent, ticket_id, "After reload", false).await;
        message_with(&mut ws, "After reload").await;

        // Another visitor's token opens nothing of it.
        let stranger = session(&s, &key, None).await;
        assert_eq!(stranger["thread"], Value::Null);
        // A first message sent over HTTP reaches the visitor's open socket too.
        let stranger_token = stranger["token"].as_str().unwrap().to_owned();
        let mut sws = socket(&s, &key, &stranger_token).await;
        let (st, _) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&stranger_token),
            json!({"body": "Hello from HTTP", "client_id": "h-1"}),
        )
        .await;
        assert_eq!(st, 201);
        let f = message_with(&mut sws, "Hello from HTTP").await;
        assert_eq!(f["message"]["from_visitor"], true);
        let strangers_ws = tokio_tungstenite::connect_async(format!(
            "ws://{}/widget/v1/{key}/ws?token={}",
            s.addr,
            "f".repeat(32)
        ))
        .await;
        assert!(strangers_ws.is_err(), "an unknown token gets no socket");
        s.stop().await;
    })
    .await;
}

/// Writes as the agent from the ticket's current version (the worker may have moved it on).
async fn agent_writes(s: &Server, agent: &Actor, id: TicketId, body: &str, note: bool) {
    for _ in 0..10 {
        let t = s.ports.store.ticket(id).await.unwrap().unwrap();
        let r = if note {
            lossless::services::add_note(&s.ports, agent, id, t.version, body).await
        } else {
            lossless::services::reply(&s.ports, agent, id, t.version, body).await
        };
        match r {
            Ok(_) => return,
            Err(DomainError::Conflict) => continue,
            Err(e) => panic!("{e:?}"),
        }
    }
    panic!("kept conflicting");
}

/// Reads frames up to the status frame saying `status`.
async fn status_frame(ws: &mut Ws, status: &str) {
    while frame_of(ws, "status").await["status"] != status {}
}

/// Reads frames up to the message with `body`; none of them may carry a note's text.
async fn message_with(ws: &mut Ws, body: &str) -> Value {
    loop {
        let f = next_frame(ws).await;
        assert!(
            !f.to_string().contains("SECRET"),
            "a note reached the visitor: {f}"
        );
        if f["type"] == "message" && f["message"]["body"] == body {
            return f;
        }
    }
}

async fn t_number(s: &Server, id: TicketId) -> String {
    s.ports
        .store
        .ticket(id)
        .await
        .unwrap()
        .unwrap()
        .number
        .to_string()
}

async fn upload(
    s: &Server,
    key: &SiteKey,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let boundary = "XyZbOuNdArY";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let r = support::http_client()
        .post(url(s, &format!("/widget/v1/{key}/attachments")))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_bot_prefills_the_ticket_and_files_stay_with_their_visitor() {
    support::on_both_databases(|db| async move {
        let s = node(&db, &[("attachment_max_bytes", "1000")]).await;
        let site = new_site(&s, &site_input("Shop")).await;
        let key = site.key.clone();
        let token = session(&s, &key, None).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let (st, body) = upload(&s, &key, &token, "big.png", vec![7; 2000]).await;
        assert_eq!((st, body["error"].as_str()), (413, Some("too_large")));
        let (st, file) = upload(&s, &key, &token, "shot.png", b"\x89PNG-bytes".to_vec()).await;
        assert_eq!(st, 201, "{file}");
        assert_eq!(file["name"], "shot.png");
        let sha = file["id"].as_str().unwrap().to_owned();
        let (st, _) = upload(&s, &key, &"e".repeat(32), "x.png", vec![1]).await;
        assert_eq!(st, 401);

        let bot = format!("/widget/v1/{key}/bot");
        let (st, body) = post_json(
            &s,
            &bot,
            Some(&token),
            json!({"answers": [{"key": "problem", "kind": "text", "value": "   "}], "handed_over": false}),
        )
        .await;
        assert_eq!((st, body["fields"]["bot.problem"][0].as_str()), (422, Some("required")), "{body}");
        let (st, body) = post_json(
            &s,
            &bot,
            Some(&token),
            json!({"answers": [
                {"key": "problem", "kind": "text", "value": "Cannot pay"},
                {"key": "order", "kind": "order_number", "value": "bad order!"}
            ], "handed_over": false}),
        )
        .await;
        assert_eq!((st, body["fields"]["bot.order"][0].as_str()), (422, Some("invalid")), "{body}");
        let (st, thread) = post_json(
            &s,
            &bot,
            Some(&token),
            json!({"answers": [
                {"key": "problem", "kind": "text", "value": "Cannot pay\nThe card is refused"},
                {"key": "order", "kind": "order_number", "value": "#A-1042"},
                {"key": "shot", "kind": "screenshot", "value": sha}
            ], "handed_over": false}),
        )
        .await;
        assert_eq!(st, 200, "{thread}");
        let first = &thread["messages"][0];
        assert!(first["body"].as_str().unwrap().contains("The card is refused"));
        assert_eq!(first["attachments"][0]["name"], "shot.png");
        let hash = token_hash(&VisitorToken::parse(&token).unwrap());
        let ticket_id = s
            .ports
            .store
            .widget_visitor(&hash)
            .await
            .unwrap()
            .unwrap()
            .ticket
            .unwrap();
        let t = s.ports.store.ticket(ticket_id).await.unwrap().unwrap();
        assert_eq!(t.subject, "Cannot pay");
        assert_eq!(t.channel, Channel::Widget);
        assert_eq!(
            s.ports.store.custom_fields(ticket_id).await.unwrap()["order_number"],
            "A-1042"
        );
        let again = session(&s, &key, Some(&token)).await;
        assert_eq!(again["bot"]["done"], true);
        // A file alone is a message too.
        let (st, only_file) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&token),
            json!({"body": "", "attachments": [sha], "client_id": "f-1"}),
        )
        .await;
        assert_eq!(st, 201, "{only_file}");
        assert_eq!(only_file["body"], "");
        assert_eq!(only_file["attachments"][0]["name"], "shot.png");

        // The file: for its visitor only.
        let file_url = first["attachments"][0]["url"].as_str().unwrap().to_owned();
        let mine = support::http_client()
            .get(url(&s, &file_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(mine.status(), 200);
        assert_eq!(mine.bytes().await.unwrap().as_ref(), b"\x89PNG-bytes");
        let other = session(&s, &key, None).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let theirs = support::http_client()
            .get(url(&s, &file_url))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(theirs.status(), 404);
        assert_eq!(theirs.json::<Value>().await.unwrap()["error"], "not_found");
        let (st, body) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&other),
            json!({"body": "", "attachments": [sha], "client_id": "steal"}),
        )
        .await;
        assert_eq!(
            (st, body["fields"]["attachments"][0].as_str()),
            (422, Some("invalid")),
            "another visitor's upload cannot be attached"
        );
        let other_thread = session(&s, &key, Some(&other)).await;
        assert_eq!(other_thread["thread"], Value::Null);
        s.stop().await;
    })
    .await;
}

#[tokio::test]
async fn offline_requests_are_answered_by_email_and_callbacks_are_tagged() {
    support::on_both_databases(|db| async move {
        let s = node(&db, &[]).await;
        let site = new_site(&s, &site_input("Shop")).await;
        let key = site.key.clone();
        let path = format!("/widget/v1/{key}/request");
        let (st, body) = post_json(&s, &path, None, json!({"name": "", "email": "nope", "body": ""})).await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(body["error"], "invalid");
        assert_eq!(body["fields"]["name"][0], "required");
        assert_eq!(body["fields"]["email"][0], "invalid");
        assert_eq!(body["fields"]["body"][0], "required");
        let (st, body) = post_json(
            &s,
            &path,
            None,
            json!({"name": "Mia", "email": "mia@example.org", "body": "Call me maybe", "page": {"url": "https://shop.example/x", "title": "X"}}),
        )
        .await;
        assert_eq!(st, 201, "{body}");
        let number = lossless::ids::TicketNumber::parse(body["number"].as_str().unwrap()).unwrap();
        let t = s.ports.store.ticket_by_number(&number).await.unwrap().unwrap();
        assert_eq!(t.channel, Channel::Widget);
        assert_eq!(s.ports.store.ticket_site(t.id).await.unwrap(), Some(site.id));
        let contact = s.ports.store.contact(t.contact_id).await.unwrap().unwrap();
        assert_eq!(contact.name, "Mia");
        assert!(matches!(contact.handles[0], Handle::Email(_)));
        let (agent_id, _) = crate::http::agent_cookie(&s, "anna@team.test").await;
        let agent = Actor::Agent {
            id: agent_id,
            role: Role::Agent,
        };
        agent_writes(&s, &agent, t.id, "We will call", false).await;
        let messages = s.ports.store.messages(t.id, false).await.unwrap();
        let reply = messages.iter().find(|m| m.body == "We will call").unwrap();
        assert!(
            s.ports
                .store
                .deliveries(t.id)
                .await
                .unwrap()
                .iter()
                .any(|d| d.message_id == reply.id),
            "the reply goes out by email"
        );

        let path = format!("/widget/v1/{key}/callback");
        let (st, body) = post_json(&s, &path, None, json!({"name": "Ivan", "phone": "12"})).await;
        assert_eq!((st, body["fields"]["phone"][0].as_str()), (422, Some("invalid")), "{body}");
        let (st, body) = post_json(&s, &path, None, json!({"name": "Ivan"})).await;
        assert_eq!((st, body["fields"]["phone"][0].as_str()), (422, Some("required")));
        let (st, body) = post_json(
            &s,
            &path,
            None,
            json!({"name": "Ivan", "phone": "+7 912 345-67-89", "preferred_time": "after 18", "topic": "Delivery", "lang": "en"}),
        )
        .await;
        assert_eq!(st, 201, "{body}");
        let number = lossless::ids::TicketNumber::parse(body["number"].as_str().unwrap()).unwrap();
        let t = s.ports.store.ticket_by_number(&number).await.unwrap().unwrap();
        assert_eq!(t.channel, Channel::Widget);
        assert!(t.tags.contains("callback"));
        assert_eq!(t.subject, "Please call me back: +79123456789");
        let mut off = site_input("Blog");
        off.callback = false;
        let blog = new_site(&s, &off).await;
        let (st, _) = post_json(
            &s,
            &format!("/widget/v1/{}/callback", blog.key),
            None,
            json!({"phone": "+7 912 345-67-89"}),
        )
        .await;
        assert_eq!(st, 404);
        assert_eq!(
            svc::notice_switches(&s.ports, t.id).await.unwrap(),
            site.settings.notices
        );
        s.stop().await;
    })
    .await;
}

#[tokio::test]
async fn widget_requests_are_limited_per_client_and_in_size() {
    support::on_both_databases(|db| async move {
        let s = node(
            &db,
            &[("rate_limit_per_minute", "1"), ("rate_limit_burst", "2")],
        )
        .await;
        let site = new_site(&s, &site_input("Shop")).await;
        let key = site.key.clone();
        let token = session(&s, &key, None).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let big = "x".repeat(100 * 1024);
        let (st, body) = post_json(
            &s,
            &format!("/widget/v1/{key}/messages"),
            Some(&token),
            json!({"body": big, "client_id": "big"}),
        )
        .await;
        assert_eq!((st, body["error"].as_str()), (413, Some("too_large")));
        let (st, body) = post_json(
            &s,
            &format!("/widget/v1/{key}/callback"),
            None,
            json!({"phone": "+7 912 345-67-89"}),
        )
        .await;
        assert_eq!((st, body["error"].as_str()), (429, Some("rate_limited")));
        s.stop().await;
    })
    .await;
}
