//! The visitor-facing side of the site widget (issue 7): `GET /widget/v1/frame/{key}` (the
//! page inside the loader's iframe) and the widget's static files (`/widget.js`,
//! `/widget-frame.js`, `/widget-frame.css`) with their cache headers.
//!
//! The frame is plain server-rendered HTML plus a small vanilla script, not the Leptos app:
//! it must be interactive within a fraction of a second on a visitor's first page view.
//!
//! Invariants:
//! - Only the site's allowed origins may embed the frame:
//!   `Content-Security-Policy: frame-ancestors <origins>` (and no `X-Frame-Options`). The
//!   script accepts `postMessage` only from its parent when the parent's origin is listed in
//!   `data-origins`, and answers only to that origin.
//! - An unknown or inactive key is a plain 404 page that says nothing about why.
//! - The page carries no visitor data: the visitor token arrives from the loader by
//!   `postMessage` and travels as a bearer header; the page itself is the same for every
//!   visitor of a site and language.
//! - Every text the visitor reads comes from [`lossless_app::i18n`] (the `wf_` fields),
//!   handed to the script as JSON in `data-t`; all values are HTML-escaped.
//! - `/widget-frame.{js,css}` are referenced as `?v=<content hash>`: with the current hash they
//!   are cached for a year (`immutable`), otherwise revalidated. `/widget.js` sits in hosts'
//!   HTML under a fixed URL, so it is cached only briefly and revalidated (`Last-Modified`).
//!   Brotli/gzip copies made by `scripts/build-site.sh` are sent to browsers that accept them.

use super::AppState;
use super::form::esc;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use lossless::error::DomainError;
use lossless::ids::Lang;
use lossless::widget::SiteKey;
use lossless_app::i18n::texts;
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

/// The routes of this module (merged into the main router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/widget/v1/frame/{key}", get(frame))
        .route("/widget.js", get(loader))
        .route("/widget-frame.js", get(frame_script))
        .route("/widget-frame.css", get(frame_style))
}

#[derive(serde::Deserialize)]
struct FrameQuery {
    lang: Option<String>,
}

/// `GET /widget/v1/frame/{key}?lang=xx`.
async fn frame(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<FrameQuery>,
) -> Response {
    let asked = q.lang.as_deref().and_then(Lang::from_code);
    let Ok(key) = SiteKey::parse(&key) else {
        return not_found(asked.unwrap_or_default());
    };
    let site = match lossless::services::widget::site_public(&s.ports, &key).await {
        Ok(site) => site,
        Err(DomainError::NotFound) => return not_found(asked.unwrap_or_default()),
        Err(e) => {
            let reference = super::api::log_internal(&e);
            let lang = asked.unwrap_or_default();
            let text = texts(lang).err_internal.replace("{n}", &reference);
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, "no-store")],
                Html(plain_page(lang, &text)),
            )
                .into_response();
        }
    };
    let settings = &site.settings;
    let lang = asked
        .filter(|l| settings.languages.contains(l))
        .or_else(|| settings.languages.first().copied())
        .unwrap_or_default();
    let origins: Vec<&str> = settings
        .allowed_origins
        .iter()
        .map(|o| o.as_str())
        .collect();
    let version = asset_version(&s).await;
    let html = render(&FramePage {
        key: key.as_str(),
        lang,
        name: &settings.name,
        colour: settings.colour.as_str(),
        ink: settings.colour.text_colour(),
        greeting: settings.greeting.get(lang),
        origins: &origins,
        version: &version,
    });
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp(&origins)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// The frame's policy: our own script, style and connections only (inline `style` attributes
/// for the site's colour), and embedding only by the site's origins.
pub fn csp(origins: &[&str]) -> String {
    let ancestors = if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors {ancestors}"
    )
}

/// What the frame page shows before its script runs.
pub struct FramePage<'a> {
    /// The site key.
    pub key: &'a str,
    /// The page language.
    pub lang: Lang,
    /// The site's name (header).
    pub name: &'a str,
    /// Accent colour `#rrggbb`.
    pub colour: &'a str,
    /// Text colour on the accent.
    pub ink: &'a str,
    /// The greeting in `lang`.
    pub greeting: &'a str,
    /// Origins that may embed the frame (and talk to it by `postMessage`).
    pub origins: &'a [&'a str],
    /// Content hash of the frame's script and style.
    pub version: &'a str,
}

/// The frame's HTML. The script builds the views inside `#main`.
pub fn render(p: &FramePage<'_>) -> String {
    let t = texts(p.lang);
    let words: serde_json::Map<String, serde_json::Value> = t
        .entries()
        .into_iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("wf_")
                .map(|k| (k.to_owned(), serde_json::Value::from(v)))
        })
        .collect();
    let words = serde_json::Value::Object(words).to_string();
    let greeting = if p.greeting.is_empty() {
        String::new()
    } else {
        format!("<p class=\"greet\">{}</p>", esc(p.greeting))
    };
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title>\
         <link rel=\"stylesheet\" href=\"/widget-frame.css?v={v}\">\
         <script src=\"/widget-frame.js?v={v}\" defer></script></head>\
         <body style=\"--accent:{colour};--ink:{ink}\" data-key=\"{key}\" data-lang=\"{lang}\" \
         data-origins=\"{origins}\" data-t=\"{words}\">\
         <div class=\"w\"><header class=\"hd\"><h1>{name}</h1>\
         <button type=\"button\" class=\"x\" id=\"close\" aria-label=\"{close}\" title=\"{close}\">\u{00d7}</button>\
         </header>{greeting}\
         <div id=\"status\" class=\"st\" role=\"status\" aria-live=\"polite\">{loading}</div>\
         <main id=\"main\" class=\"main\"></main></div></body></html>",
        lang = p.lang.code(),
        name = esc(p.name),
        v = esc(p.version),
        colour = esc(p.colour),
        ink = esc(p.ink),
        key = esc(p.key),
        origins = esc(&p.origins.join(" ")),
        words = esc(&words),
        close = esc(t.wf_close),
        loading = esc(t.wf_loading),
    )
}

fn plain_page(lang: Lang, text: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{text}</title></head><body><p>{text}</p></body></html>",
        lang.code(),
        text = esc(text)
    )
}

fn not_found(lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        Html(plain_page(lang, texts(lang).wf_not_found)),
    )
        .into_response()
}

/// Content hash of the frame's script and style as served now (first 16 hex digits of
/// SHA-256), computed once per site root and process: the site is built before the server
/// starts.
async fn asset_version(s: &AppState) -> String {
    static VERSIONS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let root = s.leptos.site_root.to_string();
    let known = |versions: &[(String, String)]| {
        versions
            .iter()
            .find(|(r, _)| *r == root)
            .map(|(_, v)| v.clone())
    };
    if let Some(v) = VERSIONS.lock().ok().and_then(|g| known(&g)) {
        return v;
    }
    let mut h = Sha256::new();
    for name in ["widget-frame.js", "widget-frame.css"] {
        let path = format!("{root}/{name}");
        match tokio::fs::read(&path).await {
            Ok(bytes) => h.update(&bytes),
            Err(e) => tracing::warn!(%path, error = %e, "widget asset missing"),
        }
    }
    let v: String = hex::encode(h.finalize()).chars().take(16).collect();
    if let Ok(mut g) = VERSIONS.lock()
        && known(&g).is_none()
    {
        g.push((root, v.clone()));
    }
    v
}

/// How long a static widget file may be cached.
#[derive(Clone, Copy)]
enum Caching {
    /// The loader: a fixed URL in hosts' pages.
    Loader,
    /// A file referenced with its content hash.
    Versioned,
}

async fn loader(State(s): State<AppState>, req: Request) -> Response {
    static_file(&s, "widget.js", Caching::Loader, req).await
}

async fn frame_script(State(s): State<AppState>, req: Request) -> Response {
    static_file(&s, "widget-frame.js", Caching::Versioned, req).await
}

async fn frame_style(State(s): State<AppState>, req: Request) -> Response {
    static_file(&s, "widget-frame.css", Caching::Versioned, req).await
}

async fn static_file(s: &AppState, name: &str, caching: Caching, req: Request) -> Response {
    let current = match caching {
        Caching::Versioned => {
            let wanted = req.uri().query().and_then(|q| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix("v="))
                    .map(str::to_owned)
            });
            let version = asset_version(s).await;
            wanted.is_some_and(|w| w == version)
        }
        Caching::Loader => false,
    };
    let path = format!("{}/{name}", s.leptos.site_root);
    let serve = tower_http::services::ServeFile::new(path)
        .precompressed_br()
        .precompressed_gzip();
    let mut res = match serve.oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if !res.status().is_success() && res.status() != StatusCode::NOT_MODIFIED {
        return res;
    }
    let cache = match caching {
        Caching::Loader => "public, max-age=300",
        Caching::Versioned if current => "public, max-age=31536000, immutable",
        Caching::Versioned => "no-cache",
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Hosts that isolate themselves (COEP) may still load the loader.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_lists_only_the_sites_origins() {
        let p = csp(&["https://shop.example", "http://127.0.0.2:8080"]);
        assert!(p.ends_with("frame-ancestors https://shop.example http://127.0.0.2:8080"));
        assert!(csp(&[]).ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn page_escapes_everything_and_carries_the_texts() {
        let html = render(&FramePage {
            key: "abc",
            lang: Lang::En,
            name: "<Shop & Co>",
            colour: "#112233",
            ink: "#ffffff",
            greeting: "Hi \"there\"",
            origins: &["https://a.example"],
            version: "0123",
        });
        assert!(html.contains("<h1>&lt;Shop &amp; Co&gt;</h1>"));
        assert!(html.contains("Hi &quot;there&quot;"));
        assert!(html.contains("data-origins=\"https://a.example\""));
        assert!(html.contains("/widget-frame.js?v=0123"));
        assert!(html.contains("&quot;send&quot;:&quot;Send&quot;"));
        assert!(!html.contains("<Shop"));
    }
}
