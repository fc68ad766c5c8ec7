//! Server functions: private RPC for our own UI, grouped by resource. Each one is a thin
//! adapter (~10 lines): authenticate, build the `Actor`, call one `lossless::services`
//! function (or the session helpers in [`crate::ssr`]), map the result to a DTO.
//!
//! Invariants: every function returns `Result<_, AppError>`; mutations use the default POST
//! encoding (the server's CSRF check covers them); agent functions fail with
//! `Unauthenticated` without a live session; ticket mutations carry the `version` the page
//! was rendered from, so a lost race is a `Conflict`, never a silent overwrite.

// ---- accounts (issue 6, point 1) ----
pub mod accounts;
pub mod alerts;
pub mod auth;
pub mod board;
pub mod canned;
pub mod channels;
pub mod classify;
pub mod portal;
pub mod rules;
pub mod search;
pub mod sla;
pub mod team;
pub mod tickets;
pub mod viewers;
// ---- bulk, merge, links (issue 6, point 4) ----
pub mod merge;
// ---- display preferences (issue 6, point 10) ----
pub mod prefs;
// ---- contacts (issue 6, point 6) ----
pub mod contacts;
// ---- widget visitor on the ticket page (issue 7, widget-frame) ----
pub mod visitor;
// ---- widget sites admin (issue 7, notices) ----
pub mod widget;

/// Runs a server function's body and gives a refusal its HTTP status (401, 403, 404, 422,
/// 429, 500), so the wire says what the JSON code says.
///
/// Not for a form posted without JavaScript (a POST accepting `text/html`): the server-function
/// handler answers it with a redirect back to the page, the error carried in the URL for the
/// page to show, and a status here would turn that redirect into a bare error body.
#[cfg(feature = "ssr")]
pub(crate) async fn with_status<T>(
    body: impl std::future::Future<Output = Result<T, crate::AppError>>,
) -> Result<T, crate::AppError> {
    let plain_form =
        leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|p| {
            p.method == axum::http::Method::POST
                && p.headers
                    .get(axum::http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        });
    let r = body.await;
    if plain_form {
        return r;
    }
    if let Err(e) = &r {
        crate::components::set_http_status(match e {
            crate::AppError::Unauthenticated => 401,
            crate::AppError::Forbidden => 403,
            crate::AppError::NotFound => 404,
            crate::AppError::Invalid(_) => 422,
            crate::AppError::Conflict => 409,
            crate::AppError::RateLimited => 429,
            crate::AppError::Internal(_) => 500,
            crate::AppError::Unavailable => 503,
        });
    }
    r
}
