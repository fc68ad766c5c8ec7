//! # Lossless UI (`lossless-app`)
//!
//! Leptos components for the agent area (`/agent…`), the managers' area (`/manage…`) and the
//! customer portal (`/portal/t/:token`), per-audience DTOs ([`dto`]), the wire error [`AppError`], thin server
//! functions grouped by resource ([`api`]), UI texts in Russian and English ([`i18n`]) and the
//! live client ([`live`]).
//!
//! Built either with `ssr` (native, linked into the server) or `hydrate` (wasm32, loaded by
//! `lossless-frontend`), never both. The server renders [`shell`] through `leptos_axum` with an
//! [`ssr::AppContext`] in context; the browser hydrates [`App`].
//!
//! Invariants: no SQL, no channel code, no business decisions here — server functions
//! authenticate, call one `lossless::services` function and map the result to a DTO; user
//! text is always rendered escaped (no `inner_html`); every route renders fully on the server
//! (`SsrMode::Async`), so status codes and redirects are real HTTP ones and the sign-in form
//! and the portal work without WASM.

pub mod api;
pub mod display;
pub mod dto;
pub mod error;
pub mod i18n;
pub mod live;

// ---- accounts (issue 6, point 1) ----
mod account;
mod agent;
mod components;
mod manage;
mod portal;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use error::AppError;

use components::{HomePage, NotFoundPage, UiLang};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};
use lossless::ids::Lang;

/// The language this page renders in: from the request on the server (the signed-in agent's
/// saved language first, [`display::request_lang`]), from `<html lang>` in the browser (the
/// server wrote it there), so both renders agree.
fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|p| display::request_lang(&p))
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::from_code(&l))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// The whole HTML document the server sends for every UI route.
pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    let lang = page_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code() data-tz=display::page_zone()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="stylesheet" href="/pkg/lossless.css"/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: language context and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = page_lang();
    provide_context(UiLang(lang));
    provide_context(display::PageZone::new());
    let t = i18n::texts(lang);
    view! {
        <Title formatter=move |page: String| if page.is_empty() { t.app_name.to_owned() } else { format!("{page} · {}", t.app_name) }/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/agent/login") view=agent::LoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/agent") view=agent::AgentLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=agent::QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("t/:number") view=agent::TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("search") view=agent::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("canned") view=agent::CannedPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=agent::SettingsPage ssr=SsrMode::Async/>
                    // ---- contacts (issue 6, point 6) ----
                    <Route path=path!("contacts/:id") view=agent::ContactPage ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("/manage") view=manage::ManageLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=manage::ManageIndex ssr=SsrMode::Async/>
                    <Route path=path!("channels") view=manage::ChannelsPage ssr=SsrMode::Async/>
                    <Route path=path!("rules") view=manage::RulesPage ssr=SsrMode::Async/>
                    <Route path=path!("sla") view=manage::SlaPoliciesPage ssr=SsrMode::Async/>
                    <Route path=path!("calendars") view=manage::CalendarsPage ssr=SsrMode::Async/>
                    <Route path=path!("team") view=manage::TeamPage ssr=SsrMode::Async/>
                    // ---- accounts (issue 6, point 1) ----
                    <Route path=path!("users") view=manage::UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=manage::AuditPage ssr=SsrMode::Async/>
                    // ---- widget sites admin (issue 7, notices) ----
                    <Route path=path!("widget") view=manage::WidgetSitesPage ssr=SsrMode::Async/>
                </ParentRoute>
                <Route path=path!("/portal/t/:token") view=portal::PortalPage ssr=SsrMode::Async/>
                // ---- customer portal (issue 7, point 5) ----
                <Route path=path!("/portal") view=portal::signin::PortalHome ssr=SsrMode::Async/>
                <Route path=path!("/portal/login/:token") view=portal::signin::PortalLoginPage ssr=SsrMode::Async/>
                <Route path=path!("/portal/tickets") view=portal::tickets::PortalTicketsPage ssr=SsrMode::Async/>
                <Route path=path!("/portal/tickets/:number") view=portal::tickets::PortalMyTicketPage ssr=SsrMode::Async/>
                // ---- accounts (issue 6, point 1) ----
                <Route path=path!("/invite/:token") view=account::InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/reset") view=account::ResetRequestPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=account::ResetPasswordPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
