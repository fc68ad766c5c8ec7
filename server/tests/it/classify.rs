//! The local classifier against real stores, and the optional OpenAI-compatible endpoint
//! against a local stand-in (issue 4, point 5).
//!
//! - Training on both databases: [`retrain`] learns the labelled tickets once (a second run
//!   learns nothing, tickets added later are learned incrementally, two runs at once never
//!   count a ticket twice) and the stored model equals one learned in memory from the same
//!   tickets; rules' [`suggested_category`] answers from it.
//! - The endpoint: a stand-in axum server implements `POST /v1/chat/completions` with the
//!   documented response shape (`choices[0].message.content`); the ticket suggestion an agent
//!   gets over HTTP comes from it (request shape and `Authorization: Bearer` checked), and
//!   falls back to the local model when the endpoint is down or answers nonsense.

use crate::http::{agent_cookie, node};
use crate::support;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use leptos::server_fn::ServerFn;
use lossless::actor::Actor;
use lossless::classify::{Example, Model};
use lossless::error::DomainError;
use lossless::ids::{GroupId, Lang, PortalToken, TicketId};
use lossless::intake::RawRequest;
use lossless::services::classify::{MODEL_KEY, StoredModel, retrain, suggested_category};
use lossless::services::{Ports, TicketChange, change_ticket};
use lossless::ticket::{Channel, Priority};
use lossless_app::api::classify::TicketSuggestion;
use lossless_server::store::SqlStore;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// One generated request: subject, body, category, tags.
struct Labelled {
    subject: String,
    body: String,
    category: &'static str,
    tags: Vec<String>,
}

const TEXTS: &[(&str, &[&str])] = &[
    (
        "Billing",
        &[
            "Не могу оплатить заказ картой",
            "Списали деньги дважды за подписку",
            "Оплата не проходит, банк отклонил платёж",
            "My card was charged twice",
            "The payment failed at checkout",
            "Пришлите счёт на оплату",
        ],
    ),
    (
        "Delivery",
        &[
            "Где мой заказ, доставка задерживается",
            "Курьер не приехал вчера",
            "Посылка пришла повреждённой",
            "My parcel has not arrived yet",
            "The courier never showed up",
            "Трек-номер посылки не отслеживается",
        ],
    ),
    (
        "Technical",
        &[
            "Приложение вылетает при запуске",
            "Сайт выдаёт ошибку 500",
            "После обновления не работает синхронизация",
            "The app crashes on startup",
            "The dashboard does not load",
            "Экспорт отчёта выдаёт пустой файл",
        ],
    ),
];

fn generate(seed: u64, n: usize) -> Vec<Labelled> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let (category, texts) = TEXTS[i % TEXTS.len()];
            let a = texts[rng.random_range(0..texts.len())];
            let b = texts[rng.random_range(0..texts.len())];
            let refund = rng.random_range(0..4) == 0;
            let tags = if refund {
                vec!["refund".to_owned()]
            } else {
                Vec::new()
            };
            let tail = if refund {
                " Прошу вернуть деньги, оформите возврат."
            } else {
                " Спасибо."
            };
            Labelled {
                subject: a.to_owned(),
                body: format!("Здравствуйте. {b}.{tail}"),
                category,
                tags,
            }
        })
        .collect()
}

fn token() -> PortalToken {
    PortalToken::from_random(&rand::random::<[u8; 16]>()).unwrap()
}

/// Files a request through the intake service; returns the ticket id.
async fn file(p: &Ports, subject: &str, body: &str) -> TicketId {
    let raw = RawRequest {
        name: "Клиент".into(),
        email: "client@example.com".into(),
        subject: subject.into(),
        message: body.into(),
        ..RawRequest::default()
    };
    let req = raw.validate(Channel::Api, Lang::Ru).unwrap();
    lossless::services::submit_request(p, req, None, token())
        .await
        .unwrap()
        .ticket
        .id
}

/// Files the requests and labels them (group, tags) through the service, as an agent would
/// (retrying when the node's worker changed the ticket first).
async fn file_labelled(p: &Ports, groups: &[(String, GroupId)], set: &[Labelled]) -> Vec<TicketId> {
    let mut ids = Vec::new();
    for l in set {
        let id = file(p, &l.subject, &l.body).await;
        let group = groups.iter().find(|(n, _)| n == l.category).unwrap().1;
        let change = TicketChange {
            group: Some(Some(group)),
            add_tags: l.tags.clone(),
            ..TicketChange::default()
        };
        loop {
            let version = p.store.ticket(id).await.unwrap().unwrap().version;
            match change_ticket(p, &Actor::System, id, version, &change).await {
                Ok(_) => break,
                Err(DomainError::Conflict) => continue,
                Err(e) => panic!("{e}"),
            }
        }
        ids.push(id);
    }
    ids
}

async fn make_groups(p: &Ports) -> Vec<(String, GroupId)> {
    let mut out = Vec::new();
    for (name, _) in TEXTS {
        let g = p.store.create_group(name).await.unwrap();
        out.push(((*name).to_owned(), g.id));
    }
    out
}

async fn stored_model(p: &Ports) -> StoredModel {
    let json = p.store.setting(MODEL_KEY).await.unwrap().unwrap();
    serde_json::from_str(&json).unwrap()
}

fn model_of(set: &[Labelled]) -> Model {
    let mut m = Model::new();
    for l in set {
        m.learn(Example {
            subject: &l.subject,
            body: &l.body,
            category: Some(l.category),
            tags: &l.tags,
            priority: Priority::Normal,
        });
    }
    m
}

#[tokio::test]
async fn retrain_is_incremental_idempotent_and_feeds_rules() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        // Nothing labelled: nothing learned, no suggestion.
        assert_eq!(retrain(&p).await.unwrap(), 0);
        assert_eq!(suggested_category(&p, "Оплата не проходит", "").await, None);

        let groups = make_groups(&p).await;
        let set = generate(11, 48);
        let (first, second) = set.split_at(36);
        // An unlabelled ticket is not learned.
        file(&p, "Просто вопрос", "Без группы и меток").await;
        file_labelled(&p, &groups, first).await;
        assert_eq!(retrain(&p).await.unwrap(), 36);
        assert_eq!(retrain(&p).await.unwrap(), 0, "nothing new");
        let s = stored_model(&p).await;
        assert_eq!(s.model.examples, 36);
        assert_eq!(s.model, model_of(first));

        let ids = file_labelled(&p, &groups, second).await;
        // Two nodes training at once never count a ticket twice.
        let (a, b) = tokio::join!(retrain(&p), retrain(&p));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a == 12 || b == 12, "{a} {b}");
        let s = stored_model(&p).await;
        assert_eq!(s.upto, *ids.last().unwrap());
        assert_eq!(s.model.examples, 48);
        assert_eq!(s.model, model_of(&set), "incremental = all at once");

        let (cat, conf) = suggested_category(&p, "Списали деньги с карты дважды", "")
            .await
            .unwrap();
        eprintln!("rules see: {cat} ({conf} %)");
        assert_eq!(cat, "Billing");
        assert!(conf >= 50);
        assert_eq!(
            suggested_category(&p, "Курьер не приехал, где посылка", "")
                .await
                .unwrap()
                .0,
            "Delivery"
        );

        // A rule testing the suggestion sees it when it runs from the job table.
        // A real account: saving a rule writes an audit row naming who saved it.
        let manager = Actor::Agent {
            id: support::new_agent(
                &store,
                "classify-boss",
                lossless::actor::Role::Manager,
                lossless::ids::Lang::En,
            )
            .await,
            role: lossless::actor::Role::Manager,
        };
        lossless::services::rules::save_rule(
            &p,
            &manager,
            None,
            lossless::rules::RuleDraft {
                name: "Billing is high".into(),
                enabled: true,
                activator: lossless::rules::Activator::Created,
                condition: lossless::rules::Condition::Leaf(
                    lossless::rules::Predicate::SuggestedCategory {
                        category: "billing".into(),
                        min_confidence: 50,
                    },
                ),
                actions: vec![lossless::rules::Action::SetPriority {
                    priority: Priority::High,
                }],
            },
        )
        .await
        .unwrap();
        let billing = file(&p, "Списали деньги с карты дважды", "Верните деньги").await;
        let delivery = file(&p, "Курьер не приехал, где посылка", "Жду с утра").await;
        while lossless_server::worker::round(&p, None, "classify-test").await > 0 {}
        let priority = |id| {
            let store = store.clone();
            async move {
                use lossless::ports::Store as _;
                store.ticket(id).await.unwrap().unwrap().priority
            }
        };
        assert_eq!(priority(billing).await, Priority::High, "{url}");
        assert_eq!(priority(delivery).await, Priority::Normal, "{url}");
        store.close().await;
    })
    .await;
}

/// One request the stand-in received: its `Authorization` header and its JSON body.
type Seen = (Option<String>, Value);

/// What the stand-in saw and what it answers.
#[derive(Clone, Default)]
struct StandIn {
    requests: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<Mutex<String>>,
}

async fn chat_completions(
    State(s): State<StandIn>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    s.requests.lock().unwrap().push((auth, body.clone()));
    let content = s.answer.lock().unwrap().clone();
    // The documented response shape of POST /v1/chat/completions.
    Json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    }))
}

async fn start_stand_in(s: StandIn) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .with_state(s);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// The agent's suggestion for a ticket over HTTP, as the page asks for it.
async fn suggestion_over_http(s: &lossless_server::Server, cookie: &str, id: TicketId) -> Value {
    let r = reqwest::Client::new()
        .post(format!("http://{}{}", s.addr, TicketSuggestion::PATH))
        .header("sec-fetch-site", "same-origin")
        .header("cookie", cookie)
        .form(&[("ticket_id", id.0.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn ticket_suggestions_come_from_the_endpoint_and_fall_back_to_the_local_model() {
    let stand_in = StandIn::default();
    *stand_in.answer.lock().unwrap() =
        "```json\n{\"category\": \"delivery\", \"tags\": [\"refund\", \
         \"made-up\"], \"priority\": \"urgent\", \"confidence\": 0.91}\n```"
            .into();
    let llm = start_stand_in(stand_in.clone()).await;
    let (db, _dir) = support::fresh_sqlite();
    let endpoint = format!("http://{llm}/v1");
    let s = node(
        &db,
        &[
            ("llm_endpoint", endpoint.as_str()),
            ("llm_model", "test-model"),
            ("llm_api_key", "sk-test-123"),
            ("classifier_retrain_seconds", "0"),
        ],
    )
    .await;
    let groups = make_groups(&s.ports).await;
    file_labelled(&s.ports, &groups, &generate(5, 40)).await;
    assert_eq!(retrain(&s.ports).await.unwrap(), 40);
    let (_, cookie) = agent_cookie(&s, "agent@example.com").await;
    let id = file(&s.ports, "Списали деньги дважды", "Оплата прошла два раза").await;

    // From the endpoint, restricted to known categories and tags (spelled as known).
    let v = suggestion_over_http(&s, &cookie, id).await;
    assert_eq!(v["category"], json!(["Delivery", 91]), "{v}");
    assert_eq!(v["tags"], json!([["refund", 91]]), "{v}");
    assert_eq!(v["priority"], json!(["urgent", 91]), "{v}");
    let seen = stand_in.requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (auth, body) = &seen[0];
    assert_eq!(auth.as_deref(), Some("Bearer sk-test-123"));
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["temperature"], 0);
    assert_eq!(body["messages"][0]["role"], "system");
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("\"Billing\"") && system.contains("\"refund\""),
        "{system}"
    );
    assert_eq!(body["messages"][1]["role"], "user");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("Списали деньги дважды") && user.contains("Оплата прошла два раза"));

    // A nonsense answer: the local model answers instead.
    *stand_in.answer.lock().unwrap() = "I would say billing, probably.".into();
    let v = suggestion_over_http(&s, &cookie, id).await;
    assert_eq!(v["category"][0], "Billing", "{v}");
    assert_eq!(stand_in.requests.lock().unwrap().len(), 2);
    s.stop().await;

    // The endpoint down: the local model answers.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let endpoint = format!("http://{closed}/v1");
    let s = node(
        &db,
        &[
            ("llm_endpoint", endpoint.as_str()),
            ("classifier_retrain_seconds", "0"),
        ],
    )
    .await;
    let (_, cookie) = agent_cookie(&s, "agent@example.com").await;
    let v = suggestion_over_http(&s, &cookie, id).await;
    assert_eq!(v["category"][0], "Billing", "{v}");
    assert!(v["category"][1].as_u64().unwrap() >= 50, "{v}");
    // Strangers get nothing.
    let r = reqwest::Client::new()
        .post(format!("http://{}{}", s.addr, TicketSuggestion::PATH))
        .header("sec-fetch-site", "same-origin")
        .form(&[("ticket_id", id.0.to_string())])
        .send()
        .await
        .unwrap();
    assert!(!r.status().is_success());
    assert!(
        r.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("unauthenticated")
    );
    s.stop().await;
}
