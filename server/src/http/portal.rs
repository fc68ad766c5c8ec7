//! The customer portal's plain HTTP routes (issue 7, point 5): the reply with files and the
//! downloads of files, for a ticket opened by its portal token or by a signed-in contact.
//!
//! - `POST /portal/t/{token}/reply`, `POST /portal/tickets/{number}/reply`
//!   (`multipart/form-data`: `body`, any number of `files` up to the service's limit) →
//!   `303 See Other` back to the ticket page;
//! - `GET /portal/t/{token}/files/{sha256}`, `GET /portal/tickets/{number}/files/{sha256}` →
//!   the bytes of a file of one of the ticket's public messages.
//!
//! Invariants: the `/portal/tickets/…` routes need the customer portal session cookie (never
//! the agents' session: agents download through `/agent/attachments/…`); what the customer
//! may not see — another contact's ticket, an unknown token or number, a file only a note
//! carries, no session — is one bare 404 (for downloads) or the neutral "not found" page (for
//! replies). A refused reply answers with its status and a small page in the reader's
//! language with a link back: 413 when the files are over `attachment_max_bytes` (checked
//! while reading, the body is never buffered past the limit), 422 for a missing text or too
//! many files, 409 for a closed ticket. Downloads are served like the agents' ones
//! (`attachment` disposition, `nosniff`, a sandboxing CSP, passive types only).

use super::AppState;
use super::attachments::{content_disposition, served_type};
use super::form::esc;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use lossless::error::DomainError;
use lossless::ids::{Lang, PortalToken, TicketNumber};
use lossless::services::portal::{self, Access, PortalSession, Upload};
use lossless_app::i18n::texts;

/// Room for the text and the multipart framing on top of the files' limit.
const FORM_OVERHEAD: usize = 1 << 20;

/// The portal's routes; a request body may be `max_bytes` of files plus the form's text.
pub fn routes(max_bytes: i64) -> Router<AppState> {
    let limit = usize::try_from(max_bytes.max(0))
        .unwrap_or(usize::MAX)
        .saturating_add(FORM_OVERHEAD);
    Router::new()
        .route("/portal/t/{token}/reply", post(token_reply))
        .route("/portal/t/{token}/files/{sha256}", get(token_file))
        .route("/portal/tickets/{number}/reply", post(session_reply))
        .route("/portal/tickets/{number}/files/{sha256}", get(session_file))
        .layer(DefaultBodyLimit::max(limit))
}

/// What a refused reply says.
enum Refusal {
    NotFound,
    TooLarge,
    Invalid(&'static str),
    Closed,
    Internal(String),
}

fn page(lang: Lang, status: StatusCode, title: &str, text: &str, back: Option<&str>) -> Response {
    let t = texts(lang);
    let back = back
        .map(|b| {
            format!(
                "<p><a href=\"{}\" data-testid=\"portal-error-back\">{}</a></p>",
                esc(b),
                esc(t.pt_err_back)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/pkg/lossless.css\"></head>\
         <body class=\"public\"><main class=\"public-card\" data-testid=\"portal-error\">\
         <h1>{}</h1><p>{}</p>{back}</main></body></html>",
        lang.code(),
        esc(title),
        esc(title),
        esc(text)
    );
    (status, Html(html)).into_response()
}

fn refused(lang: Lang, r: Refusal, back: &str) -> Response {
    let t = texts(lang);
    match r {
        Refusal::NotFound => page(
            lang,
            StatusCode::NOT_FOUND,
            t.portal_not_found_title,
            t.portal_not_found_text,
            None,
        ),
        Refusal::TooLarge => page(
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            t.pt_err_title,
            t.pt_err_too_large,
            Some(back),
        ),
        Refusal::Invalid(text) => page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            t.pt_err_title,
            text,
            Some(back),
        ),
        Refusal::Closed => page(
            lang,
            StatusCode::CONFLICT,
            t.pt_err_title,
            t.portal_closed,
            Some(back),
        ),
        Refusal::Internal(reference) => page(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            t.pt_err_title,
            &t.err_internal.replace("{n}", &reference),
            Some(back),
        ),
    }
}

fn refusal_of(lang: Lang, e: &DomainError) -> Refusal {
    let t = texts(lang);
    match e {
        DomainError::NotFound | DomainError::Forbidden => Refusal::NotFound,
        DomainError::TransitionNotAllowed => Refusal::Closed,
        DomainError::Invalid(f) => {
            if f.0
                .iter()
                .any(|x| x.field == "files" && x.code == "too_large")
            {
                Refusal::TooLarge
            } else if f.0.iter().any(|x| x.field == "files") {
                Refusal::Invalid(t.pt_err_too_many)
            } else {
                Refusal::Invalid(t.pt_err_body)
            }
        }
        e => Refusal::Internal(super::api::log_internal(e)),
    }
}

/// Reads the reply form: the text and the files (empty file inputs are skipped).
async fn read_form(mut m: Multipart) -> Result<(String, Vec<Upload>), Refusal> {
    let mut body = String::new();
    let mut uploads = Vec::new();
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(Refusal::TooLarge),
            Err(_) => return Err(Refusal::Invalid("")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(Refusal::TooLarge),
            Err(_) => return Err(Refusal::Invalid("")),
        };
        match (name.as_str(), filename) {
            ("body", _) => body = String::from_utf8_lossy(&bytes).into_owned(),
            ("files", Some(filename)) if !(filename.is_empty() && bytes.is_empty()) => {
                uploads.push(Upload {
                    filename,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
            _ => {}
        }
    }
    Ok((body, uploads))
}

async fn reply(
    s: &AppState,
    lang: Lang,
    access: Option<Access<'_>>,
    form: Multipart,
    back: &str,
) -> Response {
    let Some(access) = access else {
        return refused(lang, Refusal::NotFound, back);
    };
    let (body, uploads) = match read_form(form).await {
        Ok(x) => x,
        Err(Refusal::Invalid(_)) => {
            return refused(lang, Refusal::Invalid(texts(lang).pt_err_body), back);
        }
        Err(r) => return refused(lang, r, back),
    };
    match portal::reply(&s.ports, &access, &body, uploads, s.attachment_max_bytes).await {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => refused(lang, refusal_of(lang, &e), back),
    }
}

fn lang_of(headers: &HeaderMap) -> Lang {
    lossless_app::ssr::lang_from_headers(headers)
}

async fn signed_in(s: &AppState, headers: &HeaderMap) -> Option<PortalSession> {
    lossless_app::api::portal::session::from_headers(&s.ports, headers).await
}

/// `POST /portal/t/{token}/reply`.
async fn token_reply(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let lang = lang_of(&headers);
    let parsed = PortalToken::parse(&token).ok();
    let back = format!("/portal/t/{token}");
    reply(&s, lang, parsed.as_ref().map(Access::Token), form, &back).await
}

/// `POST /portal/tickets/{number}/reply`.
async fn session_reply(
    State(s): State<AppState>,
    Path(number): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let lang = lang_of(&headers);
    let session = signed_in(&s, &headers).await;
    let parsed = TicketNumber::parse(&number).ok();
    let back = parsed
        .as_ref()
        .map_or_else(|| "/portal".to_owned(), |n| format!("/portal/tickets/{n}"));
    let access = match (&session, &parsed) {
        (Some(se), Some(n)) => Some(Access::Session(se, n)),
        _ => None,
    };
    reply(&s, lang, access, form, &back).await
}

fn well_formed_sha(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn file(s: &AppState, access: Option<Access<'_>>, sha256: &str) -> Response {
    let Some(access) = access.filter(|_| well_formed_sha(sha256)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match portal::attachment(&s.ports, &access, sha256).await {
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
        Err(DomainError::NotFound | DomainError::Forbidden) => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "portal download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /portal/t/{token}/files/{sha256}`.
async fn token_file(
    State(s): State<AppState>,
    Path((token, sha256)): Path<(String, String)>,
) -> Response {
    let parsed = PortalToken::parse(&token).ok();
    file(&s, parsed.as_ref().map(Access::Token), &sha256).await
}

/// `GET /portal/tickets/{number}/files/{sha256}`.
async fn session_file(
    State(s): State<AppState>,
    Path((number, sha256)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let session = signed_in(&s, &headers).await;
    let parsed = TicketNumber::parse(&number).ok();
    let access = match (&session, &parsed) {
        (Some(se), Some(n)) => Some(Access::Session(se, n)),
        _ => None,
    };
    file(&s, access, &sha256).await
}
