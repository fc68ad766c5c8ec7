//! The real server on `127.0.0.1:0` with a fresh database per test: public intake (201,
//! 422, 413, 415, idempotency, rate limit), the acknowledgement job, the portal's 404, CSRF,
//! and the agents' websocket receiving a hint for a ticket created over HTTP.

use crate::support;
use futures_util::StreamExt;
use lossless::actor::Role;
use lossless::ids::{AgentId, EmailAddress, Lang};
use lossless::team::NewAgent;
use lossless_server::config::Config;
use lossless_server::{Server, start};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// Starts a node on a free port with the given database and config overrides.
pub async fn node(db: &str, extra: &[(&str, &str)]) -> Server {
    let mut kv: HashMap<String, String> = [
        ("addr", "127.0.0.1:0"),
        ("database_url", db),
        ("admin_email", "admin@example.com"),
        ("admin_password", "admin-password"),
        ("rate_limit_per_minute", "0"),
        ("site_root", "target/site"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        kv.insert((*k).to_owned(), (*v).to_owned());
    }
    start(Config::from_map(&kv).unwrap()).await.unwrap()
}

/// A signed-in agent's cookie header value, made straight in the store.
pub async fn agent_cookie(s: &Server, email: &str) -> (AgentId, String) {
    role_cookie(s, email, Role::Agent).await
}

/// The agent with `email` (made with `role` unless there is one) and its session cookie
/// header value, made straight in the store.
pub async fn role_cookie(s: &Server, email: &str, role: Role) -> (AgentId, String) {
    let agent = match s.store_agent_by_email(email).await {
        Some(a) => a,
        None => {
            s.ports
                .store
                .create_agent(NewAgent {
                    email: EmailAddress::parse(email).unwrap(),
                    name: email.into(),
                    role,
                    lang: Lang::En,
                    password_hash: "x".into(),
                })
                .await
                .unwrap()
                .id
        }
    };
    let token = format!("tok{}", lossless_server::random_hex(16));
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let now = s.ports.clock.now();
    s.ports
        .store
        .create_session(&hash, agent, now + chrono::Duration::hours(1))
        .await
        .unwrap();
    (
        agent,
        format!("{}={token}", lossless_app::ssr::SESSION_COOKIE),
    )
}

trait AgentLookup {
    async fn store_agent_by_email(&self, email: &str) -> Option<AgentId>;
}
impl AgentLookup for Server {
    async fn store_agent_by_email(&self, email: &str) -> Option<AgentId> {
        let e = EmailAddress::parse(email).ok()?;
        self.ports
            .store
            .agent_by_email(&e)
            .await
            .unwrap()
            .map(|(a, _)| a.id)
    }
}

fn url(s: &Server, path: &str) -> String {
    format!("http://{}{path}", s.addr)
}

fn valid() -> Value {
    json!({"name": "Иван Петров", "email": "ivan@example.ru", "message": "Не работает оплата", "priority": "high"})
}

async fn post(s: &Server, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(url(s, "/api/v1/requests"))
        .json(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.send().await.unwrap()
}

/// Creates a ticket through the public API of `s` and reads it back from the store.
pub async fn submit(s: &Server, body: &Value) -> lossless::ticket::Ticket {
    let r = post(s, body, None).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let n = lossless::ids::TicketNumber::parse(created["number"].as_str().unwrap()).unwrap();
    s.ports.store.ticket_by_number(&n).await.unwrap().unwrap()
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn api_intake_commits_validates_and_is_idempotent() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;

    let r = post(&s, &valid(), None).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let number = body["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("LL-"), "{body}");
    assert_eq!(body["status"], "new");
    let portal = body["portal_url"].as_str().unwrap();
    assert!(portal.starts_with(&format!("http://{}/portal/t/", s.addr)));
    let token = portal.rsplit('/').next().unwrap();
    assert!(token.len() >= 32, "token carries at least 128 bits");
    // Committed before the 2xx: the ticket is readable right away.
    let t = s
        .ports
        .store
        .ticket_by_number(&lossless::ids::TicketNumber::parse(&number).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.priority, lossless::ticket::Priority::High);
    assert_eq!(s.ports.store.ticket_count().await.unwrap(), 1);

    // 422 with per-field messages, nothing stored.
    let r = post(
        &s,
        &json!({"name": "", "email": "nope", "message": ""}),
        None,
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "email", "message"]);
    assert!(e["fields"][0]["message"].as_str().unwrap().len() > 3);
    let r = reqwest::Client::new()
        .post(url(&s, "/api/v1/requests"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = reqwest::Client::new()
        .post(url(&s, "/api/v1/requests"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // 413 for an oversize body.
    let big = json!({"name": "x", "email": "a@b.ru", "message": "я".repeat(70_000)});
    assert_eq!(post(&s, &big, None).await.status(), 413);
    assert_eq!(s.ports.store.ticket_count().await.unwrap(), 1);

    // Idempotency-Key: retries (also concurrent ones) return the same ticket.
    let first: Value = post(&s, &valid(), Some("order-77"))
        .await
        .json()
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let u = url(&s, "/api/v1/requests");
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(u)
                .header("Idempotency-Key", "order-77")
                .json(&valid())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }));
    }
    for t in tasks {
        let again = t.await.unwrap();
        assert_eq!(again["number"], first["number"]);
        assert_eq!(again["replayed"], true);
    }
    assert_eq!(s.ports.store.ticket_count().await.unwrap(), 2);
    s.stop().await;
}

#[tokio::test]
async fn acknowledgement_job_adds_one_public_message() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let t = submit(
        &s,
        &json!({"name": "A", "email": "a@example.com", "message": "hello", "lang": "en"}),
    )
    .await;
    let n = t.number.clone();
    let store = s.ports.store.clone();
    eventually("the acknowledgement", || {
        let store = store.clone();
        async move { store.messages(t.id, false).await.unwrap().len() == 2 }
    })
    .await;
    let msgs = s.ports.store.messages(t.id, false).await.unwrap();
    assert!(
        msgs[1]
            .body
            .starts_with(&format!("Your request #{n} has been received")),
        "{}",
        msgs[1].body
    );
    // One acknowledgement job, done (the ticket's rules job runs beside it).
    let jobs = s
        .ports
        .store
        .jobs(Some(lossless::job::JobStatus::Done), 10)
        .await
        .unwrap();
    let acks: Vec<_> = jobs
        .iter()
        .filter(|j| j.kind.name() == "send_acknowledgement")
        .collect();
    assert_eq!(acks.len(), 1, "{jobs:?}");
    s.stop().await;
}

#[tokio::test]
async fn web_form_without_js_redirects_to_the_portal() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(url(&s, "/request"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"email\""));
    let key = page
        .split("name=\"form_key\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = [
        ("name", "Ann <b>"),
        ("email", "ann@example.com"),
        ("message", "Help"),
        ("form_key", key.as_str()),
    ];
    let r = client
        .post(url(&s, "/request"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.starts_with("/portal/t/") && loc.ends_with("?new=1"),
        "{loc}"
    );
    // A double submit of the same form lands on the same ticket.
    let r2 = client
        .post(url(&s, "/request"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r2.headers()["location"].to_str().unwrap(), loc);
    assert_eq!(s.ports.store.ticket_count().await.unwrap(), 1);
    // Invalid → 422, values kept and escaped, nothing stored.
    let r = client
        .post(url(&s, "/request"))
        .form(&[("name", "<script>x</script>"), ("email", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>x"));
    assert_eq!(s.ports.store.ticket_count().await.unwrap(), 1);
    s.stop().await;
}

#[tokio::test]
async fn unknown_portal_tokens_and_cross_site_posts_are_refused() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let c = reqwest::Client::new();
    for path in [
        "/portal/t/0123456789abcdef0123456789abcdef",
        "/portal/t/short",
        "/agent/t/LL-999999",
    ] {
        let r = c.get(url(&s, path)).send().await.unwrap();
        if path.starts_with("/portal") {
            assert_eq!(r.status(), 404, "{path}");
        }
    }
    let r = c
        .post(url(&s, "/api/anything"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(url(&s, "/api/anything"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    s.stop().await;
}

#[tokio::test]
async fn public_intake_is_rate_limited_per_client() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(
        &db,
        &[("rate_limit_per_minute", "6"), ("rate_limit_burst", "3")],
    )
    .await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(post(&s, &valid(), None).await.status().as_u16());
    }
    assert_eq!(codes, vec![201, 201, 201, 429, 429]);
    s.stop().await;
}

/// Reads frames until one names `ticket` or the timeout passes.
pub async fn wait_for_hint<S>(ws: &mut S, ticket: i64) -> Value
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("hint in time")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["ticket_id"] == ticket {
                return v;
            }
        }
    }
}

/// Opens the agents' websocket with a session cookie.
pub async fn live_socket(
    s: &Server,
    cookie: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}/api/live", s.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

#[tokio::test]
async fn agent_socket_hears_new_tickets_and_strangers_are_refused() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[]).await;
    let r = tokio_tungstenite::connect_async(format!("ws://{}/api/live", s.addr)).await;
    assert!(r.is_err(), "no cookie, no socket");
    let (_, cookie) = agent_cookie(&s, "agent@example.com").await;
    let mut ws = live_socket(&s, &cookie).await;
    let t = submit(&s, &valid()).await;
    let hint = wait_for_hint(&mut ws, t.id.0).await;
    assert_eq!(hint["type"], "ticket_changed");
    s.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_client() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("sign_in_per_minute", "2")]).await;
    let c = reqwest::Client::new();
    let mut codes = Vec::new();
    for _ in 0..3 {
        let r = c
            .post(url(&s, "/api/sign_in12345"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("email", "admin@example.com"), ("password", "wrong")])
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
    }
    assert_ne!(codes[0], 429);
    assert_ne!(codes[1], 429);
    assert_eq!(codes[2], 429);
    s.stop().await;
}

#[tokio::test]
async fn bundles_are_served_precompressed_when_accepted() {
    let (db, guard) = support::fresh_sqlite();
    let site = guard.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/lossless.js"), "console.log(1)").unwrap();
    std::fs::write(site.join("pkg/lossless.js.br"), "BR").unwrap();
    std::fs::write(site.join("pkg/lossless.js.gz"), "GZ").unwrap();
    let s = node(&db, &[("site_root", site.to_str().unwrap())]).await;
    let c = reqwest::Client::new();
    let get = |enc: &'static str| {
        c.get(url(&s, "/pkg/lossless.js"))
            .header("accept-encoding", enc)
            .send()
    };
    let r = get("gzip, deflate, br").await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let r = get("gzip").await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = get("identity").await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.text().await.unwrap(), "console.log(1)");
    s.stop().await;
}
