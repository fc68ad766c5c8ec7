//! The agent area (`/agent…`): sign-in, the live queue and the ticket page; the header with
//! the agent's presence and notification bell ([`team`]).
//!
//! Invariants: every page below [`AgentLayout`] renders only for a signed-in agent (otherwise
//! it redirects to `/agent/login`, on the server with a 302 or in the browser); the layout owns
//! the one live socket of the tab and the team directory, which the pages read from context;
//! pages refetch on live hints and never reload.

mod canned;
mod collision;
// ---- contacts (issue 6, point 6) ----
mod contact;
mod login;
// ---- bulk, merge, links (issue 6, point 4) ----
mod merge;
mod queue;
mod search;
mod settings;
mod shortcuts;
mod sla;
mod suggest;
mod team;
mod ticket;
// ---- widget visitor on the ticket page (issue 7, widget-frame) ----
mod visitor;

pub use canned::CannedPage;
pub use contact::ContactPage;
pub use login::LoginPage;
pub use queue::QueuePage;
pub use search::SearchPage;
pub use settings::SettingsPage;
pub(crate) use sla::span_text as sla_span_text;
pub(crate) use sla::{SlaBadgeView, provide_sla_clock};
pub(crate) use team::presence_text;
pub use ticket::TicketPage;
pub(crate) use ticket::describe as describe_event;

use crate::api::auth::{SignOut, current_agent};
use crate::api::tickets::team_directory;
use crate::components::{ErrorNote, LangSwitch, PublicHeader, set_http_status, use_texts};
use crate::dto::{Directory, Me, can_manage};
use crate::error::AppError;
use crate::live::provide_live;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

/// The team directory, loaded once per visit of the agent area.
#[derive(Clone, Copy)]
pub struct DirectoryResource(pub Resource<Result<Directory, AppError>>);

/// The directory resource of the agent area (read it synchronously in the component body).
pub fn use_directory() -> Option<DirectoryResource> {
    use_context::<DirectoryResource>()
}

/// The directory once loaded (empty on error: names then fall back to `#id`).
pub async fn directory(d: Option<DirectoryResource>) -> Directory {
    match d {
        Some(DirectoryResource(r)) => r.await.unwrap_or_default(),
        None => Directory::default(),
    }
}

/// Checks the session, then shows the agent header and the page.
#[component]
pub fn AgentLayout() -> impl IntoView {
    view! { <SignedIn managers_only=false/> }
}

/// The gate of the signed-in areas: a signed-out visitor is redirected to `/agent/login` (a
/// real 302 on the server); with `managers_only`, an agent without the manager or admin role
/// gets the forbidden notice with HTTP 403; everyone else gets the agent header and the page.
#[component]
pub(crate) fn SignedIn(managers_only: bool) -> impl IntoView {
    let t = use_texts();
    let me = Resource::new(|| (), |_| current_agent());
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if !managers_only || can_manage(me.role) => {
                        EitherOf4::A(view! { <AgentShell me/> })
                    }
                    Ok(Some(_)) | Err(AppError::Forbidden) => EitherOf4::B(view! { <Forbidden/> }),
                    Ok(None) | Err(AppError::Unauthenticated) => {
                        EitherOf4::C(view! { <Redirect path="/agent/login"/> })
                    }
                    Err(e) => EitherOf4::D(view! { <main class="narrow"><ErrorNote error=e/></main> }),
                }
            })}
        </Suspense>
    }
}

/// An agent without the role a page needs (HTTP 403).
#[component]
fn Forbidden() -> impl IntoView {
    let t = use_texts();
    set_http_status(403);
    view! {
        <PublicHeader/>
        <main class="narrow" data-testid="forbidden">
            <ErrorNote error=AppError::Forbidden/>
            <p><a href="/agent">{t.back_to_queue}</a></p>
        </main>
    }
}

/// The agent header (navigation, live dot, sign-out) above the page of a signed-in agent;
/// owns the tab's live socket and the team directory. Also used by the managers' area.
#[component]
pub(crate) fn AgentShell(me: Me) -> impl IntoView {
    let t = use_texts();
    let live = provide_live();
    shortcuts::provide_shortcuts();
    crate::display::adopt_browser_zone();
    crate::display::follow_saved_lang();
    provide_context(DirectoryResource(Resource::new(
        || (),
        |_| team_directory(),
    )));
    let sign_out = ServerAction::<SignOut>::new();
    let name = me.name.clone();
    let manager = can_manage(me.role);
    let admin = me.role == lossless::actor::Role::Admin;
    provide_context(me);
    view! {
        <header class="topbar agent">
            <a class="brand" href="/agent">{t.app_name}</a>
            <nav class="mainnav">
                <a href="/agent">{t.nav_queue}</a>
                <a href="/agent/canned" data-testid="nav-canned">{t.canned_title}</a>
                <a href="/agent/settings" data-testid="nav-settings">{t.settings_title}</a>
                {manager.then(|| view! { <a href="/manage" data-testid="nav-dashboard">{t.nav_dashboard}</a> })}
                {manager.then(|| view! { <a href="/manage/channels" data-testid="nav-channels">{t.nav_channels}</a> })}
                {manager.then(|| view! { <a href="/manage/rules" data-testid="nav-rules">{t.rules_title}</a> })}
                {manager.then(|| view! { <a href="/manage/sla" data-testid="nav-sla">{t.sla_policies_title}</a> })}
                {manager.then(|| view! { <a href="/manage/calendars" data-testid="nav-calendars">{t.cal_title}</a> })}
                {manager.then(|| view! { <a href="/manage/team" data-testid="nav-team">{t.nav_team}</a> })}
                // ---- accounts (issue 6, point 1) ----
                {admin.then(|| view! { <a href="/manage/users" data-testid="nav-users">{t.users_title}</a> })}
                {manager.then(|| view! { <a href="/manage/audit" data-testid="nav-audit">{t.audit_title}</a> })}
                // ---- widget sites admin (issue 7, notices) ----
                {manager.then(|| view! { <a href="/manage/widget" data-testid="nav-widget">{t.ws_title}</a> })}
            </nav>
            <span
                class="live-dot"
                class:on=move || live.connected.get()
                data-testid="live-status"
                data-connected=move || if live.connected.get() { "true" } else { "false" }
                title=move || if live.connected.get() { t.live_on } else { t.live_off }
            ></span>
            <span class="spacer"></span>
            <team::PresenceSelect/>
            <team::NotificationBell/>
            <span class="me" data-testid="me">{name}</span>
            <LangSwitch/>
            <ActionForm action=sign_out>
                <button type="submit" class="link" data-testid="sign-out">{t.sign_out}</button>
            </ActionForm>
        </header>
        <shortcuts::ShortcutHelp/>
        <Outlet/>
    }
}
