//! The site widget's HTTP API (issue 7): what the loader and the widget frame call. All JSON,
//! versioned under `/widget/v1/`:
//!
//! - `GET  /widget/v1/site/{key}` — the loader's bootstrap (colour, label, language), with
//!   `Access-Control-Allow-Origin` only for the site's allowed origins (`Vary: Origin`);
//! - `POST /widget/v1/{key}/session` — begins or resumes a visitor session (mints a token);
//! - `POST /widget/v1/{key}/bot`, `…/messages`, `…/attachments` (multipart `file`),
//!   `…/request` (offline form), `…/callback`;
//! - `GET  /widget/v1/{key}/attachments/{message_id}/{index}` — a file of the visitor's own
//!   conversation;
//! - `GET  /widget/v1/{key}/ws?token=…` — the visitor's websocket.
//!
//! Invariants:
//! - The visitor token travels as `Authorization: Bearer …` (or `?token=` on the socket and on
//!   downloads); no cookie is read or set, which is why the CSRF guard lets these routes
//!   through. A missing or unknown token is `401 {"error":"unauthenticated"}`; what a token
//!   may not see (another visitor's thread or files, an unknown or switched-off site) is
//!   `404 {"error":"not_found"}`.
//! - Errors are stable codes: `422 {"error":"invalid","fields":{"<field>":["<code>",…]}}`,
//!   `413 {"error":"too_large"}`, `429 {"error":"rate_limited"}` (session, messages — also
//!   those sent over the socket —, request and callback are limited per client IP with the
//!   public intake limiter).
//! - The socket pushes data, not hints: on a hint for the visitor's ticket it reads the
//!   public messages after the last one it sent (so each goes out once), the status and
//!   whether an agent types a public reply; internal notes are never read for it. A lost hint
//!   only delays; the frame calls `/session` again after a reconnect. A new ticket's hint
//!   makes a socket look (once, debounced) whether it is its visitor's new conversation.

use super::attachments::{content_disposition, served_type};
use super::{AppState, client_ip, new_portal_token};
use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lossless::error::{DomainError, FieldErrors};
use lossless::ids::{Lang, MessageId, TicketId, VisitorToken};
use lossless::live::LiveEvent;
use lossless::message::AttachmentMeta;
use lossless::services::Ports;
use lossless::services::widget::{
    self as svc, BotAnswerInput, ChatInput, OfflineInput, Session, VisitorReport, WidgetMessage,
    WidgetThread,
};
use lossless::ticket::Status;
use lossless::widget::{self, CallbackInput, Offer, Page, Site, SiteKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// Largest JSON body (bytes).
pub const MAX_JSON: usize = 64 * 1024;
/// Room for the multipart framing on top of the file limit.
const FORM_OVERHEAD: usize = 64 * 1024;
/// How often the socket pings, refreshes the visitor's `seen_at` and rechecks the offer.
const TICK: Duration = Duration::from_secs(30);
/// How long after a new ticket's hint a socket looks whether it is its visitor's.
const REFRESH_DELAY: Duration = Duration::from_millis(300);

/// The widget's routes; an upload may be `max_bytes` (the email attachment limit).
pub fn routes(max_bytes: i64) -> Router<AppState> {
    let limit = usize::try_from(max_bytes.max(0)).unwrap_or(usize::MAX);
    Router::new()
        .route("/widget/v1/site/{key}", get(site_config))
        .route("/widget/v1/{key}/session", post(session))
        .route("/widget/v1/{key}/bot", post(bot))
        .route("/widget/v1/{key}/messages", post(messages))
        .route(
            "/widget/v1/{key}/attachments",
            post(move |s, k, h, m| upload(s, k, h, m, limit))
                .layer(DefaultBodyLimit::max(limit.saturating_add(FORM_OVERHEAD))),
        )
        .route(
            "/widget/v1/{key}/attachments/{message_id}/{index}",
            get(download),
        )
        .route("/widget/v1/{key}/request", post(offline))
        .route("/widget/v1/{key}/callback", post(callback))
        .route("/widget/v1/{key}/ws", get(socket))
}

// ---- answers ----

fn error(status: StatusCode, code: &str) -> Response {
    (status, axum::Json(json!({ "error": code }))).into_response()
}

fn fields_json(f: &FieldErrors) -> Value {
    let mut m = serde_json::Map::new();
    for e in &f.0 {
        let codes = m
            .entry(e.field.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = codes {
            a.push(Value::from(e.code.clone()));
        }
    }
    Value::Object(m)
}

fn invalid(f: &FieldErrors) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({ "error": "invalid", "fields": fields_json(f) })),
    )
        .into_response()
}

fn invalid_field(field: &str, code: &str) -> Response {
    let mut f = FieldErrors::default();
    f.push(field, code);
    invalid(&f)
}

/// A service error as the widget API answers it.
fn refused(e: &DomainError) -> Response {
    match e {
        DomainError::Invalid(f) => invalid(f),
        DomainError::NotFound => error(StatusCode::NOT_FOUND, "not_found"),
        DomainError::Forbidden => error(StatusCode::UNAUTHORIZED, "unauthenticated"),
        DomainError::Conflict | DomainError::TransitionNotAllowed => {
            error(StatusCode::CONFLICT, "conflict")
        }
        DomainError::Storage(_) | DomainError::Unavailable(_) => {
            let reference = super::api::log_internal(e);
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({ "error": "internal", "reference": reference })),
            )
                .into_response()
        }
    }
}

fn rate_limited(s: &AppState, ip: std::net::IpAddr) -> Option<Response> {
    (!s.limiter.allow(ip, Instant::now()))
        .then(|| error(StatusCode::TOO_MANY_REQUESTS, "rate_limited"))
}

/// A request refused before any service ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    NotFound,
    Unauthenticated,
    TooLarge,
    BadRequest,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotFound => error(StatusCode::NOT_FOUND, "not_found"),
            Refused::Unauthenticated => error(StatusCode::UNAUTHORIZED, "unauthenticated"),
            Refused::TooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Refused::BadRequest => error(StatusCode::BAD_REQUEST, "bad_request"),
        }
    }
}

fn site_key(raw: &str) -> Result<SiteKey, Refused> {
    SiteKey::parse(raw).map_err(|_| Refused::NotFound)
}

/// The bearer token of a request (`None`: absent or malformed).
fn bearer(headers: &HeaderMap) -> Option<VisitorToken> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))?;
    VisitorToken::parse(t.trim()).ok()
}

fn need_token(headers: &HeaderMap) -> Result<VisitorToken, Refused> {
    bearer(headers).ok_or(Refused::Unauthenticated)
}

/// Reads a JSON body of at most [`MAX_JSON`] bytes (413 over it, 400 when not JSON).
async fn json_body<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, Refused> {
    let bytes = axum::body::to_bytes(body, MAX_JSON)
        .await
        .map_err(|_| Refused::TooLarge)?;
    serde_json::from_slice(&bytes).map_err(|_| Refused::BadRequest)
}

fn fresh_visitor_token() -> VisitorToken {
    let bytes: [u8; 16] = rand::random();
    // 16 bytes always satisfy the 128-bit minimum.
    VisitorToken::from_random(&bytes)
        .unwrap_or_else(|_| unreachable!("16 random bytes make a valid token"))
}

fn lang_param(raw: Option<&str>) -> Option<Lang> {
    raw.and_then(Lang::from_code)
}

// ---- JSON shapes ----

fn attachment_url(key: &SiteKey, message: MessageId, index: usize) -> String {
    format!(
        "/widget/v1/{}/attachments/{}/{index}",
        key.as_str(),
        message.0
    )
}

/// A message as the frame shows it (`Msg` of the contract).
pub fn message_json(key: &SiteKey, m: &WidgetMessage) -> Value {
    json!({
        "id": m.id.0,
        "from_visitor": m.from_visitor,
        "author": m.author,
        "body": m.body,
        "at": m.at.to_rfc3339(),
        "attachments": m.attachments.iter().enumerate().map(|(i, a)| json!({
            "name": a.filename,
            "size": a.size,
            "url": attachment_url(key, m.id, i),
        })).collect::<Vec<_>>(),
    })
}

fn thread_json(key: &SiteKey, t: &WidgetThread) -> Value {
    json!({
        "number": t.ticket.number.to_string(),
        "status": t.ticket.status.as_str(),
        "messages": t.messages.iter().map(|m| message_json(key, m)).collect::<Vec<_>>(),
    })
}

fn offer_json(o: &Offer) -> Value {
    json!({ "chat": o.chat, "offline": o.offline, "callback": o.callback })
}

fn session_json(s: &Session) -> Value {
    let lang = s.visitor.lang;
    let settings = &s.site.settings;
    json!({
        "token": s.token.as_str(),
        "lang": lang.code(),
        "site": {
            "name": settings.name,
            "colour": settings.colour.as_str(),
            "text_colour": settings.colour.text_colour(),
            "greeting": settings.greeting.get(lang),
            "languages": settings.languages.iter().map(|l| l.code()).collect::<Vec<_>>(),
            "callback": settings.callback,
        },
        "offer": offer_json(&s.offer),
        "bot": {
            "steps": settings.bot.steps.iter().map(|st| json!({
                "key": st.key,
                "ask": st.ask,
                "prompt": st.prompt.get(lang),
                "required": st.required,
            })).collect::<Vec<_>>(),
            "done": s.bot_done,
        },
        "thread": s.thread.as_ref().map(|t| thread_json(&s.site.key, t)),
    })
}

// ---- handlers ----

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// `GET /widget/v1/site/{key}`: the loader's bootstrap.
async fn site_config(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let site = match svc::site_public(&s.ports, &key).await {
        Ok(site) => site,
        Err(e) => return refused(&e),
    };
    let lang = widget::visitor_lang(&site.settings, lang_param(q.lang.as_deref()));
    let body = json!({
        "colour": site.settings.colour.as_str(),
        "text_colour": site.settings.colour.text_colour(),
        "label": site.settings.name,
        "lang": lang.code(),
    });
    let mut resp = (StatusCode::OK, axum::Json(body)).into_response();
    cors(&site, &headers, resp.headers_mut());
    resp
}

/// Adds `Access-Control-Allow-Origin` for an allowed `Origin` (always `Vary: Origin`).
fn cors(site: &Site, req: &HeaderMap, out: &mut HeaderMap) {
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    let origin = req.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if widget::origin_allowed(&site.settings.allowed_origins, origin)
        && let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok())
    {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
}

#[derive(serde::Deserialize)]
struct PageInput {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
}

#[derive(serde::Deserialize)]
struct SessionInput {
    token: Option<String>,
    lang: Option<String>,
    page: Option<PageInput>,
}

/// `POST /widget/v1/{key}/session`.
async fn session(
    State(s): State<AppState>,
    Path(key): Path<String>,
    req: axum::extract::Request<Body>,
) -> Response {
    if let Some(r) = rate_limited(&s, client_ip(&req)) {
        return r;
    }
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let input: SessionInput = match json_body(req.into_body()).await {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let page = input.page.map(|p| Page::parse(&p.url, &p.title));
    match svc::begin_session(
        &s.ports,
        &key,
        input.token.as_deref(),
        fresh_visitor_token(),
        lang_param(input.lang.as_deref()),
        page,
    )
    .await
    {
        Ok(session) => (StatusCode::OK, axum::Json(session_json(&session))).into_response(),
        Err(e) => refused(&e),
    }
}

#[derive(serde::Deserialize)]
struct BotAnswerWire {
    key: String,
    kind: String,
    #[serde(default)]
    value: Value,
}

#[derive(serde::Deserialize)]
struct BotInput {
    #[serde(default)]
    answers: Vec<BotAnswerWire>,
    #[serde(default)]
    handed_over: bool,
}

/// `POST /widget/v1/{key}/bot`.
async fn bot(
    State(s): State<AppState>,
    Path(key): Path<String>,
    req: axum::extract::Request<Body>,
) -> Response {
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let token = match need_token(req.headers()) {
        Ok(t) => t,
        Err(r) => return r.into_response(),
    };
    let input: BotInput = match json_body(req.into_body()).await {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let answers: Vec<BotAnswerInput> = input
        .answers
        .into_iter()
        .map(|a| BotAnswerInput {
            key: a.key,
            kind: a.kind,
            value: match a.value {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => Some(other.to_string()),
            },
        })
        .collect();
    match svc::finish_bot(
        &s.ports,
        &key,
        &token,
        &answers,
        input.handed_over,
        new_portal_token(),
    )
    .await
    {
        Ok(t) => (StatusCode::OK, axum::Json(thread_json(&key, &t))).into_response(),
        Err(e) => refused(&e),
    }
}

/// `POST /widget/v1/{key}/messages`.
async fn messages(
    State(s): State<AppState>,
    Path(key): Path<String>,
    req: axum::extract::Request<Body>,
) -> Response {
    if let Some(r) = rate_limited(&s, client_ip(&req)) {
        return r;
    }
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let token = match need_token(req.headers()) {
        Ok(t) => t,
        Err(r) => return r.into_response(),
    };
    let input: ChatWire = match json_body(req.into_body()).await {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    match svc::send_message(&s.ports, &key, &token, &input.into(), new_portal_token()).await {
        Ok(m) => (StatusCode::CREATED, axum::Json(message_json(&key, &m))).into_response(),
        Err(e) => refused(&e),
    }
}

#[derive(serde::Deserialize)]
struct ChatWire {
    #[serde(default)]
    body: String,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    client_id: String,
}

impl From<ChatWire> for ChatInput {
    fn from(w: ChatWire) -> Self {
        ChatInput {
            body: w.body,
            attachments: w.attachments,
            client_id: w.client_id,
        }
    }
}

/// `POST /widget/v1/{key}/attachments` (multipart, field `file`).
async fn upload(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
    limit: usize,
) -> Response {
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let token = match need_token(&headers) {
        Ok(t) => t,
        Err(r) => return r.into_response(),
    };
    if let Err(e) = svc::authenticate(&s.ports, &key, &token).await {
        return refused(&e);
    }
    let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let mut file = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return error(StatusCode::BAD_REQUEST, "bad_request"),
        };
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("file").trim().to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return error(StatusCode::BAD_REQUEST, "bad_request"),
        };
        file = Some((filename, content_type, bytes));
        break;
    }
    let Some((filename, content_type, bytes)) = file else {
        return invalid_field("file", "required");
    };
    if bytes.len() > limit {
        return too_large();
    }
    if bytes.is_empty() {
        return invalid_field("file", "required");
    }
    let filename: String = if filename.is_empty() {
        "file".to_owned()
    } else {
        filename.chars().take(200).collect()
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let meta = AttachmentMeta {
        filename,
        content_type,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: sha256.clone(),
        stored: true,
        inline: false,
    };
    if let Err(e) = s.ports.store.put_blob(&sha256, bytes.to_vec()).await {
        return refused(&e.into());
    }
    match svc::upload(&s.ports, &key, &token, meta).await {
        Ok(m) => (
            StatusCode::CREATED,
            axum::Json(json!({ "id": m.sha256, "name": m.filename, "size": m.size })),
        )
            .into_response(),
        Err(e) => refused(&e),
    }
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
    after: Option<i64>,
}

/// `GET /widget/v1/{key}/attachments/{message_id}/{index}` (bearer or `?token=`).
async fn download(
    State(s): State<AppState>,
    Path((key, message, index)): Path<(String, i64, usize)>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let token =
        bearer(&headers).or_else(|| q.token.as_deref().and_then(|t| VisitorToken::parse(t).ok()));
    let Some(token) = token else {
        return error(StatusCode::UNAUTHORIZED, "unauthenticated");
    };
    match svc::attachment(&s.ports, &key, &token, MessageId(message), index).await {
        Ok((meta, bytes)) => {
            let disposition = HeaderValue::from_str(&content_disposition(&meta.filename))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(served_type(&meta.filename)),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                    (
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("private")),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static("sandbox; default-src 'none'"),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => refused(&e),
    }
}

#[derive(serde::Deserialize)]
struct OfflineWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    body: String,
    page: Option<PageInput>,
    lang: Option<String>,
}

/// What the public forms share: the rate limit, the site key, the language (the form's, else
/// the known visitor's) and the JSON body.
async fn public_form<W: serde::de::DeserializeOwned>(
    s: &AppState,
    key: &str,
    req: axum::extract::Request<Body>,
) -> Result<(SiteKey, Option<Lang>, W), Response> {
    if let Some(r) = rate_limited(s, client_ip(&req)) {
        return Err(r);
    }
    let key = site_key(key).map_err(IntoResponse::into_response)?;
    let lang = visitor_lang(&s.ports, &key, req.headers()).await;
    let input = json_body(req.into_body())
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((key, lang, input))
}

/// 201 with the new ticket's number, or the refusal.
fn created_number(r: Result<lossless::ticket::Ticket, DomainError>) -> Response {
    match r {
        Ok(t) => (
            StatusCode::CREATED,
            axum::Json(json!({ "number": t.number.to_string() })),
        )
            .into_response(),
        Err(e) => refused(&e),
    }
}

/// `POST /widget/v1/{key}/request`: the offline form.
async fn offline(
    State(s): State<AppState>,
    Path(key): Path<String>,
    req: axum::extract::Request<Body>,
) -> Response {
    let (key, lang, input): (_, _, OfflineWire) = match public_form(&s, &key, req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let lang = lang_param(input.lang.as_deref()).or(lang);
    let form = OfflineInput {
        name: input.name,
        email: input.email,
        body: input.body,
        page: input.page.map(|p| Page::parse(&p.url, &p.title)),
    };
    created_number(svc::offline_request(&s.ports, &key, &form, lang, new_portal_token()).await)
}

/// The language of the request's visitor (when it carries a token this site knows).
async fn visitor_lang(p: &Ports, key: &SiteKey, headers: &HeaderMap) -> Option<Lang> {
    let token = bearer(headers)?;
    svc::authenticate(p, key, &token)
        .await
        .ok()
        .map(|(_, v)| v.lang)
}

#[derive(serde::Deserialize)]
struct CallbackWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    preferred_time: String,
    #[serde(default)]
    topic: String,
    lang: Option<String>,
}

/// `POST /widget/v1/{key}/callback`.
async fn callback(
    State(s): State<AppState>,
    Path(key): Path<String>,
    req: axum::extract::Request<Body>,
) -> Response {
    let (key, lang, input): (_, _, CallbackWire) = match public_form(&s, &key, req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let lang = lang_param(input.lang.as_deref()).or(lang);
    let form = CallbackInput {
        name: input.name,
        phone: input.phone,
        preferred_time: input.preferred_time,
        topic: input.topic,
    };
    created_number(svc::request_callback(&s.ports, &key, &form, lang, new_portal_token()).await)
}

// ---- the visitor's socket ----

/// `GET /widget/v1/{key}/ws?token=…[&after=<message id>]`: upgrades a visitor whose token
/// this site knows (401 otherwise). With `after`, public messages after that id are sent
/// first (what arrived between `/session` and the socket).
async fn socket(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<TokenQuery>,
    req: axum::extract::Request<Body>,
) -> Response {
    use axum::extract::FromRequest as _;
    let ip = client_ip(&req);
    let ws = match WebSocketUpgrade::from_request(req, &s).await {
        Ok(ws) => ws,
        Err(r) => return r.into_response(),
    };
    let key = match site_key(&key) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let Some(token) = q.token.as_deref().and_then(|t| VisitorToken::parse(t).ok()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthenticated");
    };
    let (site, visitor) = match svc::authenticate(&s.ports, &key, &token).await {
        Ok(x) => x,
        Err(e) => return refused(&e),
    };
    let ticket = match svc::conversation(&s.ports, &visitor).await {
        Ok(t) => t,
        Err(e) => return refused(&e),
    };
    let after = q.after.map(MessageId);
    ws.on_upgrade(move |socket| async move {
        let mut v = VisitorSocket {
            s,
            ip,
            key,
            site,
            token,
            ticket,
            last: None,
            status: None,
            typing: false,
            offer: None,
            refresh_at: None,
        };
        v.serve(socket, after).await;
    })
}

/// One visitor's socket: what it already sent, so every message goes out once.
struct VisitorSocket {
    s: AppState,
    /// The client's address (chat messages count against the public intake limit).
    ip: std::net::IpAddr,
    key: SiteKey,
    site: Site,
    token: VisitorToken,
    ticket: Option<TicketId>,
    last: Option<MessageId>,
    status: Option<Status>,
    typing: bool,
    offer: Option<Offer>,
    /// When to look whether a new ticket is this visitor's (debounced).
    refresh_at: Option<tokio::time::Instant>,
}

/// What the visitor's frame sends.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    Send {
        #[serde(default)]
        body: String,
        #[serde(default)]
        client_id: String,
        #[serde(default)]
        attachments: Vec<String>,
    },
    Typing,
    Page {
        #[serde(default)]
        url: String,
        #[serde(default)]
        title: String,
    },
    Seen,
}

impl VisitorSocket {
    async fn serve(&mut self, mut socket: WebSocket, after: Option<MessageId>) {
        let mut rx = self.s.hub.subscribe();
        let mut tick = tokio::time::interval(TICK);
        tick.tick().await;
        // Where the thread stands now: the session delivered it, or `after` says what the
        // frame has.
        if let Err(e) = self.sync().await {
            tracing::warn!(error = %e, "widget socket not started");
            return;
        }
        let mut out = Vec::new();
        if let Some(a) = after {
            self.last = Some(a);
            out.extend(self.push().await.unwrap_or_default());
        } else {
            out.extend(self.typing_frame().await.ok().flatten());
        }
        self.report(VisitorReport::Seen).await;
        if !send_all(&mut socket, out).await {
            return;
        }
        loop {
            let refresh_at = self.refresh_at;
            let frames = tokio::select! {
                () = tokio::time::sleep_until(refresh_at.unwrap_or_else(tokio::time::Instant::now)),
                    if refresh_at.is_some() =>
                {
                    self.refresh_at = None;
                    self.refreshed().await
                }
                h = rx.recv() => match h {
                    Ok(routed) => self.on_hint(routed.frame.as_str()).await,
                    Err(RecvError::Lagged(_)) => self.refreshed().await,
                    Err(RecvError::Closed) => return,
                },
                _ = tick.tick() => {
                    if socket.send(WsMessage::Ping(Vec::new().into())).await.is_err() {
                        return;
                    }
                    self.report(VisitorReport::Seen).await;
                    self.offer_frame().await
                }
                msg = socket.recv() => match msg {
                    Some(Ok(WsMessage::Text(t))) => self.on_client(t.as_str()).await,
                    Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => Vec::new(),
                },
            };
            if !send_all(&mut socket, frames).await {
                return;
            }
        }
    }

    /// Takes in where the thread stands (last message, status, offer) without sending it;
    /// the typing mark starts off, so a colleague typing now is announced.
    async fn sync(&mut self) -> Result<(), DomainError> {
        let p = &self.s.ports;
        if let Some(t) = self.ticket {
            let messages = svc::public_messages(p, t, None).await?;
            self.last = messages.last().map(|m| m.id);
            if let Some(ticket) = p.store.ticket(t).await? {
                self.status = Some(ticket.status);
            }
        }
        self.offer = Some(svc::current_offer(p, &self.site).await?);
        Ok(())
    }

    /// New public messages, a changed status and typing mark of the visitor's ticket.
    async fn push(&mut self) -> Result<Vec<Value>, DomainError> {
        let Some(t) = self.ticket else {
            return Ok(Vec::new());
        };
        let p = &self.s.ports;
        let mut frames = Vec::new();
        for m in svc::public_messages(p, t, self.last).await? {
            self.last = Some(m.id);
            frames.push(json!({ "type": "message", "message": message_json(&self.key, &m) }));
        }
        if let Some(ticket) = p.store.ticket(t).await?
            && self.status != Some(ticket.status)
        {
            self.status = Some(ticket.status);
            frames.push(json!({ "type": "status", "status": ticket.status.as_str() }));
        }
        frames.extend(self.typing_frame().await?);
        Ok(frames)
    }

    async fn typing_frame(&mut self) -> Result<Option<Value>, DomainError> {
        let Some(t) = self.ticket else {
            return Ok(None);
        };
        let on = svc::agent_typing(&self.s.ports, t).await?;
        if on == self.typing {
            return Ok(None);
        }
        self.typing = on;
        Ok(Some(json!({ "type": "typing", "on": on })))
    }

    async fn offer_frame(&mut self) -> Vec<Value> {
        match svc::current_offer(&self.s.ports, &self.site).await {
            Ok(o) if self.offer != Some(o) => {
                self.offer = Some(o);
                vec![json!({ "type": "offer", "offer": offer_json(&o) })]
            }
            Ok(_) => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "widget offer not computed");
                Vec::new()
            }
        }
    }

    /// Re-reads which conversation the visitor is in (a first message sent over HTTP, a bot
    /// run, or a merge may have changed it).
    async fn refresh_ticket(&mut self) -> Result<(), DomainError> {
        let p = &self.s.ports;
        let v = p
            .store
            .widget_visitor(&widget::token_hash(&self.token))
            .await?
            .ok_or(DomainError::Forbidden)?;
        let now = svc::conversation(p, &v).await?;
        if now != self.ticket {
            self.ticket = now;
            self.last = None;
            self.status = None;
            self.typing = false;
        }
        Ok(())
    }

    /// Re-reads the visitor's conversation, then pushes what is new in it.
    async fn refreshed(&mut self) -> Vec<Value> {
        let result = match self.refresh_ticket().await {
            Ok(()) => self.push().await,
            Err(e) => Err(e),
        };
        result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "widget socket update failed");
            Vec::new()
        })
    }

    async fn on_hint(&mut self, frame: &str) -> Vec<Value> {
        match serde_json::from_str::<LiveEvent>(frame) {
            // The visitor's ticket changed (it may also have been merged into another).
            Ok(LiveEvent::TicketChanged { ticket_id, .. }) if Some(ticket_id) == self.ticket => {
                self.refreshed().await
            }
            // A new ticket may be this visitor's new conversation (a bot run or a message
            // sent over HTTP): look once shortly after, however many tickets start meanwhile,
            // so a thousand idle sockets do not each read the store for every new ticket.
            Ok(LiveEvent::TicketChanged { version: 1, .. }) => {
                if self.refresh_at.is_none() {
                    self.refresh_at = Some(tokio::time::Instant::now() + REFRESH_DELAY);
                }
                Vec::new()
            }
            Ok(LiveEvent::ViewersChanged { ticket_id }) if Some(ticket_id) == self.ticket => self
                .typing_frame()
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "widget socket update failed");
                    None
                })
                .into_iter()
                .collect(),
            Ok(_) => Vec::new(),
            // Not an event: the resync hint.
            Err(_) => self.refreshed().await,
        }
    }

    async fn report(&self, r: VisitorReport) {
        if let Err(e) = svc::report(&self.s.ports, &self.key, &self.token, r).await {
            tracing::warn!(error = %e, "visitor report not stored");
        }
    }

    async fn on_client(&mut self, text: &str) -> Vec<Value> {
        let Ok(frame) = serde_json::from_str::<ClientFrame>(text) else {
            return vec![json!({ "type": "error", "client_id": null, "error": "bad_request" })];
        };
        match frame {
            ClientFrame::Send {
                body,
                client_id,
                attachments,
            } => {
                if !self.s.limiter.allow(self.ip, Instant::now()) {
                    return vec![json!({
                        "type": "error",
                        "client_id": client_id,
                        "error": "rate_limited",
                        "fields": {},
                    })];
                }
                let input = ChatInput {
                    body,
                    attachments,
                    client_id: client_id.clone(),
                };
                let p = self.s.ports.clone();
                match svc::send_message(&p, &self.key, &self.token, &input, new_portal_token())
                    .await
                {
                    Ok(m) => {
                        let mut frames = vec![json!({
                            "type": "ack",
                            "client_id": client_id,
                            "message": message_json(&self.key, &m),
                        })];
                        if let Err(e) = self.refresh_ticket().await {
                            tracing::warn!(error = %e, "widget socket update failed");
                        }
                        frames.extend(self.push().await.unwrap_or_default());
                        frames
                    }
                    Err(e) => {
                        let (code, fields) = match &e {
                            DomainError::Invalid(f) => ("invalid", fields_json(f)),
                            DomainError::NotFound => ("not_found", json!({})),
                            DomainError::Forbidden => ("unauthenticated", json!({})),
                            DomainError::Conflict | DomainError::TransitionNotAllowed => {
                                ("conflict", json!({}))
                            }
                            _ => {
                                super::api::log_internal(&e);
                                ("internal", json!({}))
                            }
                        };
                        vec![json!({
                            "type": "error",
                            "client_id": client_id,
                            "error": code,
                            "fields": fields,
                        })]
                    }
                }
            }
            ClientFrame::Typing => {
                self.report(VisitorReport::Typing).await;
                Vec::new()
            }
            ClientFrame::Page { url, title } => {
                self.report(VisitorReport::Page(Page::parse(&url, &title)))
                    .await;
                Vec::new()
            }
            ClientFrame::Seen => {
                self.report(VisitorReport::Seen).await;
                Vec::new()
            }
        }
    }
}

async fn send_all(socket: &mut WebSocket, frames: Vec<Value>) -> bool {
    for f in frames {
        if socket
            .send(WsMessage::Text(f.to_string().into()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}
