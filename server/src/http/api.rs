//! The public REST intake: `POST /api/v1/requests` (JSON).
//!
//! Contract: `201 Created` with `{number, status, portal_url, replayed:false}` only after the
//! ticket is committed; a retry carrying the same `Idempotency-Key` returns `200` with the
//! same ticket and `replayed:true` (never a second ticket). Invalid input → `422` with
//! per-field `{field, code, message}` and nothing stored; body over [`MAX_BODY`] → `413`;
//! non-JSON → `415`; over the per-IP rate → `429`; storage failure → `500` with a reference
//! that appears in the logs (never the database's text).

use super::{AppState, client_ip, new_portal_token};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lossless::error::{DomainError, FieldErrors};
use lossless::ids::Lang;
use lossless::intake::RawRequest;
use lossless::ports::IntakeKey;
use lossless::services::submit_request;
use lossless::ticket::Channel;
use serde_json::json;

/// Largest accepted request body (bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON error response.
pub fn error(status: StatusCode, code: &str, fields: Option<&FieldErrors>, lang: Lang) -> Response {
    let mut body = json!({ "error": code });
    if let Some(f) = fields {
        body["fields"] = f
            .0
            .iter()
            .map(|e| json!({ "field": e.field, "code": e.code, "message": field_message(lang, &e.code) }))
            .collect();
    }
    (status, Json(body)).into_response()
}

/// A short human message for a field error code.
pub fn field_message(lang: Lang, code: &str) -> &'static str {
    let t = lossless_app::i18n::texts(lang);
    match code {
        "required" => t.field_required,
        "too_long" => t.field_too_long,
        "taken" => t.field_taken,
        _ => t.field_invalid,
    }
}

/// Logs an internal failure under a new reference and returns the reference.
pub fn log_internal(e: &DomainError) -> String {
    let reference = crate::random_hex(6);
    tracing::error!(reference, error = %e, "request failed");
    reference
}

/// An internal failure: log the cause under a reference, send only the reference.
pub fn internal(e: &DomainError) -> Response {
    let reference = log_internal(e);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "internal", "ref": reference })),
    )
        .into_response()
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ()> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v.to_str().map_err(|_| ())?.trim();
    if s.is_empty() || s.len() > 255 {
        return Err(());
    }
    Ok(Some(s.to_owned()))
}

/// `POST /api/v1/requests`.
pub async fn create_request(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request<Body>,
) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::En);
    if !s.limiter.allow(client_ip(&req), std::time::Instant::now()) {
        return error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", None, lang);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
            lang,
        );
    }
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), MAX_BODY).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            None,
            lang,
        );
    };
    let raw: RawRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(_) => {
            let mut f = FieldErrors::default();
            f.push("body", "invalid");
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                Some(&f),
                lang,
            );
        }
    };
    let key = match idempotency_key(&headers) {
        Ok(k) => k.map(|key| IntakeKey {
            source: "api".into(),
            key,
        }),
        Err(()) => {
            let mut f = FieldErrors::default();
            f.push("idempotency-key", "invalid");
            return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(&f), lang);
        }
    };
    let valid = match raw.validate(Channel::Api, lang) {
        Ok(v) => v,
        Err(f) => return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(&f), lang),
    };
    match submit_request(&s.ports, valid, key, new_portal_token()).await {
        Ok(c) => {
            let status = if c.replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let body = json!({
                "number": c.ticket.number.to_string(),
                "status": c.ticket.status.as_str(),
                "portal_url": s.portal_url(&c.ticket.portal_token),
                "replayed": c.replayed,
            });
            (status, Json(body)).into_response()
        }
        Err(DomainError::Invalid(f)) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(&f), lang)
        }
        Err(e) => internal(&e),
    }
}
