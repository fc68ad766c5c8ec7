//! Server-only glue for the UI: the context the server provides, agent sessions, passwords,
//! and helpers the server functions share.
//!
//! Sessions: a random 256-bit token lives only in the browser's cookie (`HttpOnly`,
//! `SameSite=Lax`, `Secure` when configured, `Path=/`, 30 days); the store keeps its SHA-256
//! hex, so a leaked database cannot be replayed as cookies. Passwords are argon2id PHC strings;
//! hashing and verifying are CPU-heavy and always run on `spawn_blocking` from async code.
//! Sign-in answers the same way for an unknown email and a wrong password (and spends the
//! same work on both).

use crate::error::{AppError, internal};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use chrono::Duration;
use leptos::prelude::*;
use lossless::actor::Actor;
use lossless::ids::EmailAddress;
use lossless::services::Ports;
use lossless::team::Agent;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub use crate::i18n::lang_from_headers;

/// What the server provides to every render and server function (as Leptos context).
#[derive(Clone)]
pub struct AppContext {
    /// The core's ports.
    pub ports: Ports,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Mailbox administration (`/manage/channels`): the server's channel adapter.
    pub channels: std::sync::Arc<dyn lossless::email::admin::ChannelAdmin>,
    /// The remote model for ticket suggestions (`llm_endpoint`; `None`: local model only).
    pub classifier: Option<std::sync::Arc<dyn lossless::services::classify::RemoteClassifier>>,
    /// The configured public base URL (`public_url`) of links mailed to people (invitations,
    /// password resets); never taken from the request's `Host`.
    pub public_url: std::sync::Arc<str>,
}

/// Name of the agent session cookie.
pub const SESSION_COOKIE: &str = "lossless_session";

/// How long a session lives.
pub const SESSION_DAYS: i64 = 30;

/// The value of cookie `name` in one `Cookie` header value.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The session token the request carries, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie_value(v, SESSION_COOKIE))
        .filter(|t| !t.is_empty())
}

/// What the store keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh session token: 256 random bits, hex.
pub fn new_session_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The agent of the request's session cookie, if it names a live session.
pub async fn agent_from_headers(ports: &Ports, headers: &HeaderMap) -> Option<Agent> {
    let token = session_token(headers)?;
    let now = ports.clock.now();
    match ports.store.session_agent(&token_hash(token), now).await {
        Ok(agent) => agent,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// Hashes a password (argon2id, random salt, PHC string). CPU-heavy: call it on a blocking thread.
pub fn hash_password(pw: &str) -> Result<String, argon2::password_hash::Error> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    Ok(argon2::Argon2::default()
        .hash_password(pw.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a PHC hash; `false` for a malformed hash. CPU-heavy.
pub fn verify_password(hash: &str, pw: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(pw.as_bytes(), &h)
            .is_ok()
    })
}

/// A valid hash of nothing anyone knows, verified against for unknown emails so both failures
/// cost the same.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_session_token()).unwrap_or_default())
}

/// The agent with this email and password, or `Unauthenticated` (same for both failures).
pub async fn check_credentials(
    ports: &Ports,
    email: &str,
    password: &str,
) -> Result<Agent, AppError> {
    let found = match EmailAddress::parse(email) {
        Ok(e) => ports
            .store
            .active_agent_by_email(&e)
            .await
            .map_err(|e| internal(&e))?,
        Err(_) => None,
    };
    let (agent, hash) = match found {
        Some((a, h)) => (Some(a), h),
        None => (None, String::new()),
    };
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = if hash.is_empty() {
            dummy_hash()
        } else {
            hash.as_str()
        };
        verify_password(hash, &pw)
    })
    .await
    .map_err(|e| internal(&e))?;
    match agent {
        Some(a) if ok => Ok(a),
        _ => Err(AppError::Unauthenticated),
    }
}

/// The `Set-Cookie` value of a session cookie (`max_age_secs` 0 deletes it).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

/// The `Set-Cookie` value of the language cookie (one year).
pub fn lang_cookie(lang: lossless::ids::Lang, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
        crate::i18n::LANG_COOKIE,
        lang.code()
    )
}

/// The context the server provided.
pub fn app_context() -> Result<AppContext, AppError> {
    use_context::<AppContext>().ok_or_else(|| internal(&"AppContext not provided"))
}

/// The request headers of the current render or server-function call.
pub async fn request_headers() -> Result<HeaderMap, AppError> {
    leptos_axum::extract::<HeaderMap>()
        .await
        .map_err(|e| internal(&e))
}

/// The signed-in agent as an [`Actor`], or `Unauthenticated`.
pub async fn require_agent() -> Result<(AppContext, Agent, Actor), AppError> {
    let cx = app_context()?;
    let headers = request_headers().await?;
    let agent = agent_from_headers(&cx.ports, &headers)
        .await
        .ok_or(AppError::Unauthenticated)?;
    let actor = Actor::Agent {
        id: agent.id,
        role: agent.role,
    };
    Ok((cx, agent, actor))
}

/// The signed-in agent if they are a manager or an admin (the channel screen):
/// `Unauthenticated` without a session, `Forbidden` for other agents.
pub async fn require_manager() -> Result<(AppContext, Agent, Actor), AppError> {
    let (cx, agent, actor) = require_agent().await?;
    if crate::dto::can_manage(agent.role) {
        Ok((cx, agent, actor))
    } else {
        Err(AppError::Forbidden)
    }
}

/// Creates a session for `agent` and sets its cookie on the response.
pub async fn start_session(cx: &AppContext, agent: &Agent) -> Result<(), AppError> {
    let token = new_session_token();
    let expires = cx.ports.clock.now() + Duration::days(SESSION_DAYS);
    cx.ports
        .store
        .create_session(&token_hash(&token), agent.id, expires)
        .await
        .map_err(|e| internal(&e))?;
    set_cookie(&session_cookie(
        &token,
        SESSION_DAYS * 86_400,
        cx.secure_cookies,
    ));
    Ok(())
}

/// Ends the request's session (if any) and deletes its cookie.
pub async fn end_session(cx: &AppContext) -> Result<(), AppError> {
    let headers = request_headers().await?;
    if let Some(token) = session_token(&headers) {
        cx.ports
            .store
            .delete_session(&token_hash(token))
            .await
            .map_err(|e| internal(&e))?;
    }
    set_cookie(&session_cookie("", 0, cx.secure_cookies));
    Ok(())
}

/// Appends a `Set-Cookie` header to the response.
pub fn set_cookie(value: &str) {
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        res.append_header(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn session_cookie_reads_back() {
        let mut h = HeaderMap::new();
        assert_eq!(session_token(&h), None);
        h.insert(
            COOKIE,
            HeaderValue::from_static("lang=en; lossless_session=abc123"),
        );
        assert_eq!(session_token(&h), Some("abc123"));
        let c = session_cookie("t", 60, true);
        assert!(
            c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Secure")
                && c.contains("Path=/")
        );
        assert!(!session_cookie("t", 60, false).contains("Secure"));
        assert_eq!(new_session_token().len(), 64);
        assert_eq!(token_hash("abc").len(), 64);
    }
}
