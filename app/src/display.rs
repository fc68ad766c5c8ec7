//! Dates and times as the reader sees them (issue 6, point 10): in the signed-in agent's time
//! zone, in the format of the page's language ([`lossless::display::format_local`]:
//! `23.11.2026 14:05` / `23 Nov 2026 14:05`); without a known zone (visitors, customers, an
//! agent whose zone is not known yet) in UTC marked `UTC`.
//!
//! How both renders agree (no hydration mismatch):
//! - on the server, [`prefs_layer`] looks up the session's agent before rendering a page and
//!   puts their saved language and zone into the request ([`SavedPrefs`]); the page's
//!   language ([`request_lang`]: saved, else cookie, else browser) and zone ([`page_zone`])
//!   come from there, and the shell writes them into `<html lang data-tz>`;
//! - in the browser, [`page_zone`] reads `data-tz` back, like the language from `lang`; the
//!   `lang` cookie is kept equal to the saved language (at sign-in, and by [`prefs_layer`]
//!   on every page), so a page reached by client-side navigation from the visitors' sign-in
//!   page sees the difference and loads again ([`follow_saved_lang`]);
//! - [`format_time`] is the one conversion: chrono-tz on the server, `Intl.DateTimeFormat`
//!   in the browser (the WASM never links the tz database), both producing the wall-clock
//!   time that [`lossless::display::format_local`] formats.
//!
//! An agent without a saved zone gets the browser's (`Intl…resolvedOptions().timeZone`),
//! saved once from the agent area ([`adopt_browser_zone`]); times already on that page stay
//! in UTC, every later render uses the zone.

use crate::components::use_lang;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::Lang;

/// What the server knows about the signed-in agent of a page request before rendering it
/// (a request extension set by [`prefs_layer`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SavedPrefs(pub lossless::display::DisplayPrefs);

/// The time zone of this page's dates (provided by [`crate::App`]); the signal changes when
/// the agent saves a zone, for everything rendered afterwards.
#[derive(Debug, Clone, Copy)]
pub struct PageZone(pub RwSignal<Option<String>>);

impl PageZone {
    /// The zone this page was rendered with.
    pub fn new() -> Self {
        Self(RwSignal::new(page_zone()))
    }
}

impl Default for PageZone {
    fn default() -> Self {
        Self::new()
    }
}

/// The language of a page request: the signed-in agent's saved one, else the `lang` cookie,
/// else `Accept-Language`, else Russian.
#[cfg(feature = "ssr")]
pub fn request_lang(parts: &axum::http::request::Parts) -> Lang {
    parts
        .extensions
        .get::<SavedPrefs>()
        .and_then(|p| p.0.lang)
        .unwrap_or_else(|| crate::i18n::lang_from_headers(&parts.headers))
}

/// The zone this page renders its times in: the signed-in agent's saved zone on the server,
/// `<html data-tz>` in the browser; `None`: UTC.
pub fn page_zone() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<SavedPrefs>().copied())
            .and_then(|p| p.0.time_zone)
            .map(|z| z.as_str().to_owned())
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("data-tz"))
            .filter(|z| !z.is_empty())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

/// Instant `t` for the reader of this page: the page's zone and language (see the module
/// docs). Call it while rendering (it reads the page's context).
pub fn format_time(t: DateTime<Utc>) -> String {
    let zone = use_context::<PageZone>().and_then(|z| z.0.try_get_untracked().flatten());
    format_at(t, zone.as_deref(), use_lang())
}

/// Instant `t` in `zone` (an IANA name; `None` or unknown: UTC, marked) for `lang`.
pub fn format_at(t: DateTime<Utc>, zone: Option<&str>, lang: Lang) -> String {
    #[cfg(feature = "ssr")]
    {
        let zone = zone.and_then(|z| lossless::display::TimeZoneName::parse(z).ok());
        lossless::display::format_in(t, zone, lang)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        match zone.and_then(|z| browser::local_time(t, z)) {
            Some(local) => lossless::display::format_local(local, lang),
            None => lossless::display::format_in(t, None, lang),
        }
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        let _ = zone;
        lossless::display::format_in(t, None, lang)
    }
}

/// In the agent area: when the agent has no saved zone yet, saves the browser's (only while
/// still unset, so a zone chosen meanwhile stays) and uses it from then on. Browser only.
pub fn adopt_browser_zone() {
    #[cfg(feature = "hydrate")]
    {
        let Some(PageZone(zone)) = use_context::<PageZone>() else {
            return;
        };
        Effect::new(move || {
            if zone.get_untracked().is_some() {
                return;
            }
            let Some(browser) = browser::time_zone() else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(p) = crate::api::prefs::adopt_time_zone(browser).await {
                    zone.set(p.time_zone);
                }
            });
        });
    }
}

/// In the agent area: when the language cookie (which the server keeps equal to the agent's
/// saved language: at sign-in and on every page load) names another language than this
/// page was rendered in — it came by client-side navigation from the sign-in page, rendered
/// for a visitor — loads the page again, so it renders in the saved language. Browser only.
pub fn follow_saved_lang() {
    #[cfg(feature = "hydrate")]
    {
        let shown = use_lang();
        Effect::new(move || {
            let cookie = web_sys::js_sys::Reflect::get(
                &document(),
                &wasm_bindgen::JsValue::from_str("cookie"),
            )
            .ok()
            .and_then(|c| c.as_string())
            .unwrap_or_default();
            let wanted = cookie
                .split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| *k == crate::i18n::LANG_COOKIE)
                .and_then(|(_, v)| Lang::from_code(v));
            if wanted.is_some_and(|l| l != shown) {
                let _ = window().location().reload();
            }
        });
    }
}

/// The `Intl` side of the conversion (browser only).
#[cfg(feature = "hydrate")]
mod browser {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use std::cell::RefCell;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::js_sys::{Array, Date, Function, Intl, Object, Reflect};

    thread_local! {
        /// The last zone's formatter (building one is slow; pages use one zone).
        static FORMATTER: RefCell<Option<(String, Intl::DateTimeFormat)>> =
            const { RefCell::new(None) };
    }

    /// `new Intl.DateTimeFormat(locales, options)`, `None` when it throws (unknown zone).
    fn formatter(args: &Array) -> Option<Intl::DateTimeFormat> {
        let intl = Reflect::get(&web_sys::js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let ctor: Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
            .ok()?
            .dyn_into()
            .ok()?;
        Reflect::construct(&ctor, args)
            .ok()
            .map(JsCast::unchecked_into)
    }

    /// A formatter giving the numeric wall-clock parts of an instant in `zone`.
    fn zone_formatter(zone: &str) -> Option<Intl::DateTimeFormat> {
        let options = Object::new();
        for (k, v) in [
            ("timeZone", zone),
            ("hourCycle", "h23"),
            ("numberingSystem", "latn"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
        ] {
            Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
        }
        formatter(&Array::of2(&JsValue::from_str("en-US"), &options))
    }

    /// The wall-clock time of `t` in `zone`, `None` when the browser does not know the zone.
    pub(super) fn local_time(t: DateTime<Utc>, zone: &str) -> Option<NaiveDateTime> {
        let dtf = FORMATTER.with_borrow_mut(|cache| match cache {
            Some((z, f)) if z == zone => Some(f.clone()),
            _ => {
                let f = zone_formatter(zone)?;
                *cache = Some((zone.to_owned(), f.clone()));
                Some(f)
            }
        })?;
        let ms = t.timestamp_millis() as f64;
        let parts = dtf.format_to_parts(&Date::new(&JsValue::from_f64(ms)));
        let (mut y, mut mo, mut d, mut h, mut mi) = (None, None, None, None, None);
        for part in parts.iter() {
            let get = |k: &str| {
                Reflect::get(&part, &JsValue::from_str(k))
                    .ok()
                    .and_then(|v| v.as_string())
            };
            let (Some(kind), Some(value)) = (get("type"), get("value")) else {
                continue;
            };
            let n = value.parse::<u32>().ok();
            match kind.as_str() {
                "year" => y = n,
                "month" => mo = n,
                "day" => d = n,
                "hour" => h = n,
                "minute" => mi = n,
                _ => {}
            }
        }
        NaiveDate::from_ymd_opt(i32::try_from(y?).ok()?, mo?, d?)?.and_hms_opt(h?, mi?, 0)
    }

    /// The browser's own time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
    pub(super) fn time_zone() -> Option<String> {
        let options = formatter(&Array::new())?.resolved_options();
        Reflect::get(&options, &JsValue::from_str("timeZone"))
            .ok()?
            .as_string()
            .filter(|z| !z.is_empty())
    }
}

/// Axum middleware for page requests carrying a session cookie: puts the agent's saved
/// display preferences into the request ([`SavedPrefs`]) before the page renders. Assets,
/// server functions and downloads pass untouched.
#[cfg(feature = "ssr")]
pub async fn prefs_layer(
    axum::extract::State(cx): axum::extract::State<crate::ssr::AppContext>,
    mut req: axum::http::Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = req.uri().path();
    let page = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) && ![
        "/pkg/",
        "/api/",
        "/healthz",
        "/agent/attachments/",
        "/agent/messages/",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    let cookie_lang = req
        .headers()
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| crate::ssr::cookie_value(v, crate::i18n::LANG_COOKIE))
        .and_then(Lang::from_code);
    let mut saved_lang = None;
    // No session cookie: no lookup at all (`agent_from_headers` answers `None` at once).
    if page && let Some(agent) = crate::ssr::agent_from_headers(&cx.ports, req.headers()).await {
        match cx.ports.store.display_prefs(agent.id).await {
            Ok(p) => {
                saved_lang = p.lang;
                req.extensions_mut().insert(SavedPrefs(p));
            }
            Err(e) => tracing::error!(error = %e, "display preferences lookup failed"),
        }
    }
    let mut res = next.run(req).await;
    // The cookie follows the saved language, so the browser knows what the server renders
    // ([`follow_saved_lang`]).
    if let Some(lang) = saved_lang.filter(|l| cookie_lang != Some(*l))
        && let Ok(v) =
            axum::http::HeaderValue::from_str(&crate::ssr::lang_cookie(lang, cx.secure_cookies))
    {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    res
}

/// At sign-in: stores the language the agent signed in with (cookie, else browser) unless
/// they chose one before, and sets the language cookie to the stored one, so the pages after
/// signing out keep it too. A failure is logged: it never stops a sign-in.
#[cfg(feature = "ssr")]
pub async fn adopt_lang_at_sign_in(cx: &crate::ssr::AppContext, agent: &lossless::team::Agent) {
    let current = match crate::ssr::request_headers().await {
        Ok(h) => crate::i18n::lang_from_headers(&h),
        Err(_) => Lang::default(),
    };
    match lossless::services::prefs::adopt_defaults(&cx.ports, agent.id, current).await {
        Ok(p) => {
            let lang = p.lang.unwrap_or(current);
            crate::ssr::set_cookie(&crate::ssr::lang_cookie(lang, cx.secure_cookies));
        }
        Err(e) => tracing::error!(error = %e, "storing the language at sign-in failed"),
    }
}

/// The language switcher of a signed-in agent: stores `lang` as their language (nothing for
/// visitors, whose cookie is all there is).
#[cfg(feature = "ssr")]
pub async fn save_signed_in_lang(lang: Lang) -> Result<(), crate::AppError> {
    let cx = crate::ssr::app_context()?;
    let headers = crate::ssr::request_headers().await?;
    if let Some(agent) = crate::ssr::agent_from_headers(&cx.ports, &headers).await {
        let actor = lossless::actor::Actor::Agent {
            id: agent.id,
            role: agent.role,
        };
        lossless::services::prefs::save_my_lang(&cx.ports, &actor, lang).await?;
    }
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_server_formats_in_the_zone_and_falls_back_to_utc() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 14, 5, 0).unwrap();
        assert_eq!(
            format_at(t, Some("Asia/Tokyo"), Lang::Ru),
            "23.11.2026 23:05"
        );
        assert_eq!(
            format_at(t, Some("Europe/Berlin"), Lang::En),
            "23 Nov 2026 15:05"
        );
        assert_eq!(format_at(t, None, Lang::En), "23 Nov 2026 14:05 UTC");
        assert_eq!(
            format_at(t, Some("Nowhere/Else"), Lang::Ru),
            "23.11.2026 14:05 UTC"
        );
    }

    #[test]
    fn a_saved_language_wins_over_cookie_and_browser() {
        let req = axum::http::Request::builder()
            .header("cookie", "lang=ru")
            .header("accept-language", "ru")
            .body(())
            .unwrap();
        let (mut parts, ()) = req.into_parts();
        assert_eq!(request_lang(&parts), Lang::Ru);
        parts
            .extensions
            .insert(SavedPrefs(lossless::display::DisplayPrefs {
                lang: Some(Lang::En),
                time_zone: None,
            }));
        assert_eq!(request_lang(&parts), Lang::En);
    }
}
