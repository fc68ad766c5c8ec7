//! HTTP wiring: the Leptos app (SSR pages and server functions), the public intake routes,
//! the agents' websocket, health, and static files — behind the CSRF guard.
//!
//! Server functions are private RPC for our own UI; everything a third party calls is an
//! explicit, versioned route here (`/api/v1/…`, `/request`).

pub mod api;
pub mod attachments;
pub mod form;
pub mod guard;
pub mod live_ws;
// ---- customer portal (issue 7, point 5) ----
pub mod portal;
// ---- widget frame (issue 7, widget-frame) ----
pub mod widget_frame;
// ---- widget API (issue 7, widget-backend) ----
pub mod widget;

use crate::live::Hub;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use guard::RateLimiter;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use lossless::ids::PortalToken;
use lossless::services::Ports;
use lossless_app::ssr::AppContext;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Core ports.
    pub ports: Ports,
    /// This node's live hub.
    pub hub: Hub,
    /// Leptos site options.
    pub leptos: LeptosOptions,
    /// Public intake limiter.
    pub limiter: Arc<RateLimiter>,
    /// Sign-in attempts limiter.
    pub sign_in_limiter: Arc<RateLimiter>,
    /// Base of customer links, no trailing slash.
    pub public_url: Arc<str>,
    /// What the app's server functions get.
    pub app: AppContext,
    // ---- customer portal (issue 7, point 5) ----
    /// The largest attachment stored (`attachment_max_bytes`): customer uploads over it are
    /// refused with 413, the same limit email intake keeps attachments under.
    pub attachment_max_bytes: i64,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

impl AppState {
    /// The customer's tracking link.
    pub fn portal_url(&self, t: &PortalToken) -> String {
        format!("{}/portal/t/{}", self.public_url, t.as_str())
    }
}

/// A fresh portal token (128 random bits).
pub fn new_portal_token() -> PortalToken {
    let bytes: [u8; 16] = rand::random();
    // 16 bytes always satisfy the 128-bit minimum.
    PortalToken::from_random(&bytes)
        .unwrap_or_else(|_| unreachable!("16 random bytes make a valid token"))
}

/// The client address of a request (unspecified when unknown).
pub fn client_ip(req: &Request<Body>) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

async fn health(State(s): State<AppState>) -> impl IntoResponse {
    match s.ports.store.ticket_count().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

#[derive(serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// `GET /lang/{code}?back=/path`: remembers the UI language in a cookie and goes back
/// (only to a local path, never to another site).
async fn set_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<Back>,
) -> axum::response::Response {
    let Some(lang) = lossless::ids::Lang::from_code(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    (
        [(axum::http::header::SET_COOKIE, cookie)],
        axum::response::Redirect::to(&back),
    )
        .into_response()
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    let ctx = state.app.clone();
    let context = move || provide_context(ctx.clone());
    let opts = state.leptos.clone();
    let shell = move || lossless_app::shell(opts.clone());
    let routes = generate_route_list(lossless_app::App);
    // The WASM, JS and CSS bundles: brotli or gzip copies made at build time are sent to
    // browsers that accept them; names are not hashed, so browsers revalidate
    // (Last-Modified) instead of caching blindly.
    let pkg = tower::ServiceBuilder::new()
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-cache"),
        ))
        .service(
            tower_http::services::ServeDir::new(format!(
                "{}/{}",
                state.leptos.site_root, state.leptos.site_pkg_dir
            ))
            .precompressed_br()
            .precompressed_gzip(),
        );
    Router::new()
        .nest_service("/pkg", pkg)
        .route("/healthz", get(health))
        .route("/request", get(form::page).post(form::submit))
        .route("/lang/{code}", get(set_lang))
        .route("/api/v1/requests", post(api::create_request))
        .route("/api/live", get(live_ws::handler))
        .route(
            "/agent/attachments/{sha256}/{filename}",
            get(attachments::attachment),
        )
        .route(
            "/agent/messages/{id}/original.eml",
            get(attachments::original),
        )
        // ---- widget frame (issue 7, widget-frame) ----
        .merge(widget_frame::routes())
        // ---- customer portal (issue 7, point 5) ----
        .merge(portal::routes(state.attachment_max_bytes))
        // ---- widget API (issue 7, widget-backend) ----
        .merge(widget::routes(state.attachment_max_bytes))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context,
            lossless_app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::sign_in_limit,
        ))
        .layer(axum::middleware::from_fn(guard::csrf))
        // ---- display preferences (issue 6, point 10) ----
        .layer(axum::middleware::from_fn_with_state(
            state.app.clone(),
            lossless_app::display::prefs_layer,
        ))
        .with_state(state)
}
