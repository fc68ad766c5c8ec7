//! Small shared components: language context and switcher, status pills, priority badges,
//! error notes, the landing and not-found pages.
//!
//! Invariant: user-supplied text is only ever rendered as text nodes or attribute values
//! (escaped by Leptos); nothing here uses `inner_html`.

use crate::api::auth::SetLang;
use crate::error::AppError;
use crate::i18n::{Texts, texts};
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::Lang;
use lossless::ticket::{Priority, Status};
use server_fn::ServerFn;

/// The UI language of this page (provided by [`crate::App`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiLang(pub Lang);

/// The language of this page.
pub fn use_lang() -> Lang {
    use_context::<UiLang>().map(|l| l.0).unwrap_or_default()
}

/// The texts of this page's language.
pub fn use_texts() -> &'static Texts {
    texts(use_lang())
}

/// Two buttons (RU / EN) posting a plain form to `set_lang`; the server sets the cookie and
/// redirects back, so the whole page re-renders in the new language (with or without WASM).
#[component]
pub fn LangSwitch() -> impl IntoView {
    let t = use_texts();
    let current = use_lang();
    let button = move |lang: Lang, label: &'static str| {
        view! {
            <button
                type="submit"
                name="lang"
                value=lang.code()
                class="lang-btn"
                class:active=current == lang
                aria-pressed=if current == lang { "true" } else { "false" }
            >
                {label}
            </button>
        }
    };
    view! {
        <form class="lang-switch" method="post" action=SetLang::url() aria-label=t.language>
            {button(Lang::Ru, "RU")}
            {button(Lang::En, "EN")}
        </form>
    }
}

/// A status pill (agents' wording).
#[component]
pub fn StatusPill(status: Status) -> impl IntoView {
    let t = use_texts();
    view! { <span class=format!("pill status-{}", status.as_str())>{t.status(status)}</span> }
}

/// A priority badge.
#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let t = use_texts();
    view! { <span class=format!("badge prio-{}", priority.as_str())>{t.priority(priority)}</span> }
}

/// An error sentence for the user.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let t = use_texts();
    view! {
        <p class="error" role="alert" data-code=error.code()>
            {error.message(t)}
        </p>
    }
}

/// Sets the response status during server rendering (no-op in the browser).
pub fn set_http_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The public header (portal, sign-in, landing): product name and language switch.
#[component]
pub fn PublicHeader() -> impl IntoView {
    let t = use_texts();
    view! {
        <header class="topbar">
            <a class="brand" href="/">{t.app_name}</a>
            <span class="spacer"></span>
            <LangSwitch/>
        </header>
    }
}

/// `/`: where to go.
#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_texts();
    view! {
        <Title text=t.app_name/>
        <PublicHeader/>
        <main class="narrow home">
            <h1>{t.app_name}</h1>
            <p>{t.home_intro}</p>
            <p class="home-links">
                <a class="button" href="/request" rel="external">{t.home_request_link}</a>
                // ---- customer portal (issue 7, point 5) ----
                <a class="button secondary" href="/portal" data-testid="home-portal-link">{t.pt_home_title}</a>
                <a class="button secondary" href="/agent/login">{t.home_agent_link}</a>
            </p>
        </main>
    }
}

/// Any unknown address (HTTP 404).
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let t = use_texts();
    set_http_status(404);
    view! {
        <Title text=t.not_found_title/>
        <PublicHeader/>
        <main class="narrow">
            <h1>{t.not_found_title}</h1>
            <p>{t.not_found_text}</p>
        </main>
    }
}

/// The message of `field` in the last refusal (a 422's field errors), if it named it.
pub(crate) fn field_error(errors: RwSignal<Option<AppError>>, field: &'static str) -> AnyView {
    let t = use_texts();
    (move || {
        errors.with(|e| {
            e.as_ref().and_then(|e| e.field_code(field)).map(|code| {
                view! {
                    <span class="field-error" data-testid="field-error" data-field=field>
                        {t.field_error(code)}
                    </span>
                }
            })
        })
    })
    .into_any()
}
