//! The customer portal: a ticket by its portal token and the customer's reply (no session:
//! the unguessable token is the key); and (issue 7, point 5) the magic-link sign-in by email,
//! the signed-in contact's tickets, one of them by number, sign-out, and the lookup of a
//! ticket by number and email. Each call parses at the edge and calls one
//! `lossless::services::portal` function.
//!
//! Invariants:
//! - any bad token or number reads as `NotFound` (reveals nothing); a link request answers the
//!   same for known and unknown addresses; the lookup answers one neutral `NotFound`;
//! - sign-in tokens and portal session tokens are 256 random bits made here; the link is built
//!   on the configured `public_url`, never on the request's `Host`;
//! - the portal session is its own cookie ([`session::PORTAL_COOKIE`]: `HttpOnly`,
//!   `SameSite=Lax`, `Secure` when configured, `Path=/`, [`lossless::portal::SESSION_DAYS`]),
//!   separate from the agents' session; the store keeps only its SHA-256;
//! - the functions that need a session answer `Unauthenticated` (401) without a live one;
//! - uploads and downloads go through plain HTTP routes of the server
//!   (`lossless_server::http::portal`), which use [`session::from_headers`] too.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::dto::PortalTicket;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ticket::{Channel, Status};
use serde::{Deserialize, Serialize};

/// The customer's view of the ticket the token opens.
#[server]
pub async fn get_portal_ticket(token: String) -> Result<PortalTicket, AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = lossless::ids::PortalToken::parse(&token).map_err(|_| AppError::NotFound)?;
        Ok(lossless::services::portal_ticket(&cx.ports, &token)
            .await?
            .into())
    })
    .await
}

/// The customer's reply; reopens a pending or resolved ticket. Closed tickets refuse it.
#[server]
pub async fn portal_reply(token: String, body: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = lossless::ids::PortalToken::parse(&token).map_err(|_| AppError::NotFound)?;
        lossless::services::portal_reply(&cx.ports, &token, &body).await?;
        Ok(())
    })
    .await
}

// ---- customer portal (issue 7, point 5) ----

/// One of the signed-in contact's tickets on `/portal/tickets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalTicketRow {
    /// Human number (opens `/portal/tickets/<number>`).
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Where it came from.
    pub channel: Channel,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The portal session cookie and the session it names (server only).
#[cfg(feature = "ssr")]
pub mod session {
    use crate::error::{AppError, internal};
    use axum::http::HeaderMap;
    use axum::http::header::COOKIE;
    use lossless::services::Ports;
    use lossless::services::portal::{self, PortalSession};

    /// Name of the customer portal session cookie.
    pub const PORTAL_COOKIE: &str = "lossless_portal";

    /// The `Set-Cookie` value of a portal session cookie (`max_age_secs` 0 deletes it).
    pub fn portal_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        format!(
            "{PORTAL_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        )
    }

    /// The portal session token the request carries, if any.
    pub fn portal_token(headers: &HeaderMap) -> Option<&str> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| crate::ssr::cookie_value(v, PORTAL_COOKIE))
            .filter(|t| !t.is_empty())
    }

    /// The live portal session of the request's cookie, if any.
    pub async fn from_headers(ports: &Ports, headers: &HeaderMap) -> Option<PortalSession> {
        let token = portal_token(headers)?;
        match portal::session(ports, token).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "portal session lookup failed");
                None
            }
        }
    }

    /// The signed-in customer of this server function call, or `Unauthenticated`.
    pub async fn require() -> Result<(crate::ssr::AppContext, PortalSession), AppError> {
        let cx = crate::ssr::app_context()?;
        let headers = crate::ssr::request_headers().await?;
        let s = from_headers(&cx.ports, &headers)
            .await
            .ok_or(AppError::Unauthenticated)?;
        Ok((cx, s))
    }

    /// Starts a portal session through the sign-in link `token` and sets its cookie.
    pub async fn start(cx: &crate::ssr::AppContext, token: &str) -> Result<(), AppError> {
        let session_token = crate::ssr::new_session_token();
        portal::sign_in(&cx.ports, token, &session_token).await?;
        crate::ssr::set_cookie(&portal_cookie(
            &session_token,
            lossless::portal::SESSION_DAYS * 86_400,
            cx.secure_cookies,
        ));
        Ok(())
    }

    /// Ends the request's portal session (if any) and deletes its cookie.
    pub async fn end(cx: &crate::ssr::AppContext) -> Result<(), AppError> {
        let headers = crate::ssr::request_headers().await?;
        if let Some(token) = portal_token(&headers) {
            portal::sign_out(&cx.ports, token)
                .await
                .map_err(|e| internal(&e))?;
        }
        crate::ssr::set_cookie(&portal_cookie("", 0, cx.secure_cookies));
        Ok(())
    }
}

/// Asks for a sign-in link mailed to `email`, in the page's language; the same answer
/// whether or not the address belongs to a contact (422 only for a malformed address).
#[server]
pub async fn request_portal_link(email: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let headers = crate::ssr::request_headers().await?;
        let lang = crate::ssr::lang_from_headers(&headers);
        let token = crate::ssr::new_session_token();
        lossless::services::portal::request_link(&cx.ports, &email, lang, &token, &cx.public_url)
            .await?;
        Ok(())
    })
    .await
}

/// Whether a sign-in link is live (the confirmation page); `NotFound` otherwise.
#[server]
pub async fn portal_link_state(token: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        Ok(lossless::services::portal::check_link(&cx.ports, &token).await?)
    })
    .await
}

/// Uses a sign-in link: starts the portal session (cookie) and redirects to
/// `/portal/tickets`. `NotFound` for an unknown, used or expired link.
#[server]
pub async fn portal_sign_in(token: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        session::start(&cx, &token).await?;
        leptos_axum::redirect("/portal/tickets");
        Ok(())
    })
    .await
}

/// Ends the portal session and redirects to `/portal`.
#[server]
pub async fn portal_sign_out() -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        session::end(&cx).await?;
        leptos_axum::redirect("/portal");
        Ok(())
    })
    .await
}

/// The signed-in contact's tickets across channels, last activity first.
#[server]
pub async fn my_portal_tickets() -> Result<Vec<PortalTicketRow>, AppError> {
    with_status(async {
        let (cx, s) = session::require().await?;
        Ok(lossless::services::portal::my_tickets(&cx.ports, &s)
            .await?
            .into_iter()
            .map(|t| PortalTicketRow {
                number: t.number.to_string(),
                subject: t.subject,
                status: t.status,
                channel: t.channel,
                updated_at: t.updated_at,
            })
            .collect())
    })
    .await
}

/// One of the signed-in contact's tickets by number; `NotFound` for any other.
#[server]
pub async fn get_my_portal_ticket(number: String) -> Result<PortalTicket, AppError> {
    with_status(async {
        let (cx, s) = session::require().await?;
        let number = lossless::ids::TicketNumber::parse(&number).map_err(|_| AppError::NotFound)?;
        let access = lossless::services::portal::Access::Session(&s, &number);
        Ok(lossless::services::portal::view(&cx.ports, &access)
            .await?
            .into())
    })
    .await
}

/// Opens a ticket by its number and its contact's email: redirects to the ticket's portal
/// page. One neutral `NotFound` otherwise (rate-limited per IP with the sign-in attempts).
#[server]
pub async fn portal_lookup(number: String, email: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = lossless::services::portal::lookup(&cx.ports, &number, &email).await?;
        leptos_axum::redirect(&format!("/portal/t/{}", token.as_str()));
        Ok(())
    })
    .await
}
