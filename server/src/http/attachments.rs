//! Agent downloads of stored mail content (issue 3, point 3): attachments by content hash
//! and the raw original of a message that came by email.
//!
//! - `GET /agent/attachments/{sha256}/{filename}`: the bytes stored under that hex sha-256
//!   (`filename` only names the download);
//! - `GET /agent/messages/{id}/original.eml`: the mail exactly as fetched (`message/rfc822`).
//!
//! Invariants: an agent session is required; without one, for a malformed or unknown hash and
//! for a message that did not come by email the answer is the same bare 404 (reveals
//! nothing). Every answer is `Content-Disposition: attachment` ([RFC 6266], UTF-8 name as
//! `filename*`), `X-Content-Type-Options: nosniff`, `Cache-Control: private`, and a
//! `Content-Security-Policy: sandbox` so nothing served here can run script in our origin;
//! content types outside a small allow-list of passive formats are sent as
//! `application/octet-stream` (HTML, SVG, XML, JavaScript never go out as themselves).
//!
//! [RFC 6266]: https://www.rfc-editor.org/rfc/rfc6266

use super::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lossless::actor::Actor;
use lossless::ids::MessageId;

/// Types sent as themselves (passive formats a browser renders without running code).
const PASSIVE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "audio/mpeg",
    "video/mp4",
    "application/zip",
];

/// The content type to serve for a file of this name: a passive type guessed from the
/// extension, else `application/octet-stream`.
pub fn served_type(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let guessed = match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    };
    if PASSIVE_TYPES.contains(&guessed) {
        guessed
    } else {
        "application/octet-stream"
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback `filename` and the exact name as
/// `filename*=UTF-8''…` ([RFC 6266 §4.3](https://www.rfc-editor.org/rfc/rfc6266#section-4.3)).
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let fallback = if fallback.trim().is_empty() {
        "download".to_owned()
    } else {
        fallback
    };
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        crate::email::html::percent_encode(filename)
    )
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// The acting agent of the request's session, if any.
async fn agent(s: &AppState, headers: &HeaderMap) -> Option<Actor> {
    let agent = lossless_app::ssr::agent_from_headers(&s.ports, headers).await?;
    Some(Actor::Agent {
        id: agent.id,
        role: agent.role,
    })
}

fn download(bytes: Vec<u8>, filename: &str, content_type: &'static str) -> Response {
    let disposition = HeaderValue::from_str(&content_disposition(filename))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
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

/// `GET /agent/attachments/{sha256}/{filename}`.
pub async fn attachment(
    State(s): State<AppState>,
    Path((sha256, filename)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return not_found();
    }
    let Some(actor) = agent(&s, &headers).await else {
        return not_found();
    };
    match lossless::services::attachment_bytes(&s.ports, &actor, &sha256).await {
        Ok(bytes) => download(bytes, &filename, served_type(&filename)),
        Err(lossless::error::DomainError::NotFound | lossless::error::DomainError::Forbidden) => {
            not_found()
        }
        Err(e) => {
            tracing::error!(error = %e, "attachment download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /agent/messages/{id}/original.eml`.
pub async fn original(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(actor) = agent(&s, &headers).await else {
        return not_found();
    };
    match lossless::services::raw_email(&s.ports, &actor, MessageId(id)).await {
        Ok(bytes) => download(bytes, &format!("message-{id}.eml"), "message/rfc822"),
        Err(lossless::error::DomainError::NotFound | lossless::error::DomainError::Forbidden) => {
            not_found()
        }
        Err(e) => {
            tracing::error!(error = %e, "original download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_capable_types_are_served_as_octet_stream() {
        for name in [
            "a.html", "a.HTM", "a.svg", "a.xml", "a.js", "a.xhtml", "noext",
        ] {
            assert_eq!(served_type(name), "application/octet-stream", "{name}");
        }
        assert_eq!(served_type("photo.JPG"), "image/jpeg");
        assert_eq!(served_type("doc.pdf"), "application/pdf");
    }

    #[test]
    fn disposition_is_rfc_6266_with_a_utf8_name() {
        assert_eq!(
            content_disposition("Счёт №1.pdf"),
            "attachment; filename=\"____ _1.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%961.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }
}
