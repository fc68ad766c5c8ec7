//! Request guards: CSRF protection for cookie-authenticated calls and per-IP rate limiting
//! of public intake.
//!
//! CSRF rule (Leptos does none itself): safe methods pass; otherwise the browser must say the
//! request is same-origin (`Sec-Fetch-Site: same-origin|none`) or send an `Origin` whose host
//! equals `Host`; anything else is 403. The public intake endpoints (`/request`,
//! `/api/v1/…`) carry no cookie authority and are exempt — other sites may post to them.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Paths a cross-site POST may reach.
fn exempt(path: &str) -> bool {
    path == "/request" || path.starts_with("/api/v1/") || widget_api(path)
}

// ---- widget (issue 7, widget-backend) ----
/// The widget's JSON API (`/widget/v1/{key}/…`): authenticated by the visitor's bearer
/// token, never by a cookie, so a forged cross-site request carries no authority; the
/// frame that calls it may sit behind privacy settings that strip `Origin` and
/// `Sec-Fetch-Site`. Only that prefix: every other `/widget…` path keeps the rule.
fn widget_api(path: &str) -> bool {
    path.starts_with("/widget/v1/")
}

/// Does this request pass the CSRF rule?
pub fn csrf_ok(req: &Request<Body>) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || exempt(req.uri().path())
    {
        return true;
    }
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| {
            o.split_once("://")
                .map(|(_, rest)| rest.trim_end_matches('/'))
        });
    matches!((host, origin_host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

/// Axum middleware applying [`csrf_ok`].
pub async fn csrf(req: Request<Body>, next: Next) -> Response {
    if csrf_ok(&req) {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

/// Rate-limits sign-in attempts per client IP (the server function's URL is
/// `/api/sign_in<hash>`; see [`limited`] for the others). Over the limit →
/// `429 {"code":"rate_limited"}`, which the UI shows as the localized `rate_limited` message.
pub async fn sign_in_limit(
    axum::extract::State(s): axum::extract::State<super::AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if req.method() == Method::POST
        && limited(req.uri().path())
        && !s
            .sign_in_limiter
            .allow(super::client_ip(&req), Instant::now())
    {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"code":"rate_limited"}"#,
        )
            .into_response();
    }
    next.run(req).await
}

/// The server functions that guess at credentials: the agents' sign-in and (issue 7,
/// point 5) the customer portal's link request and ticket lookup by number and email.
fn limited(path: &str) -> bool {
    path.starts_with("/api/sign_in")
        // ---- customer portal (issue 7, point 5) ----
        || path.starts_with("/api/request_portal_link")
        || path.starts_with("/api/portal_lookup")
}

/// A token bucket per client IP. `per_minute == 0` disables limiting.
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute` sustained, `burst` at once.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip` at `now`; `false` = over the limit.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        if self.per_sec <= 0.0 {
            return true;
        }
        let Ok(mut b) = self.buckets.lock() else {
            return true;
        };
        if b.len() > 100_000 {
            // Forget idle clients rather than grow without bound.
            let per_sec = self.per_sec;
            let burst = self.burst;
            b.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = b.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn req(method: Method, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut b = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn csrf_rule() {
        assert!(csrf_ok(&req(Method::GET, "/agent", &[])));
        assert!(csrf_ok(&req(
            Method::POST,
            "/api/x",
            &[("sec-fetch-site", "same-origin")]
        )));
        assert!(!csrf_ok(&req(
            Method::POST,
            "/api/x",
            &[("sec-fetch-site", "cross-site")]
        )));
        assert!(csrf_ok(&req(
            Method::POST,
            "/api/x",
            &[("host", "h:3000"), ("origin", "http://h:3000")]
        )));
        assert!(!csrf_ok(&req(
            Method::POST,
            "/api/x",
            &[("host", "h:3000"), ("origin", "http://evil")]
        )));
        assert!(!csrf_ok(&req(
            Method::POST,
            "/api/x",
            &[("host", "h:3000")]
        )));
        assert!(csrf_ok(&req(Method::POST, "/api/v1/requests", &[])));
        assert!(csrf_ok(&req(
            Method::POST,
            "/request",
            &[("sec-fetch-site", "cross-site")]
        )));
        // ---- widget (issue 7, widget-backend) ----
        assert!(csrf_ok(&req(Method::POST, "/widget/v1/shop/messages", &[])));
        assert!(!csrf_ok(&req(Method::POST, "/widget-admin", &[])));
    }

    #[test]
    fn bucket_refills() {
        let l = RateLimiter::new(60, 2);
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t = Instant::now();
        assert!(l.allow(ip, t));
        assert!(l.allow(ip, t));
        assert!(!l.allow(ip, t));
        assert!(l.allow(ip, t + Duration::from_millis(1100)));
        assert!(l.allow([127, 0, 0, 2].into(), t));
        assert!(RateLimiter::new(0, 0).allow(ip, t));
    }
}
