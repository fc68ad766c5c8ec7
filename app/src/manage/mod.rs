//! The managers' area (`/manage…`): for now the channel screen (`/manage/channels`).
//!
//! Invariants: every page below [`ManageLayout`] renders only for a signed-in manager or admin.
//! Signed-out visitors are redirected to `/agent/login` (a real 302 on the server); other
//! agents get the forbidden notice with HTTP 403. The server functions check the role again
//! on every call, so the layout is a courtesy, not the guard. The layout reuses the agent
//! header (same navigation, live socket and directory).

mod channels;

pub use channels::ChannelsPage;

use crate::agent::AgentShell;
use crate::api::auth::current_agent;
use crate::components::{ErrorNote, PublicHeader, set_http_status, use_texts};
use crate::dto::can_manage;
use crate::error::AppError;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Checks the session and the role, then shows the agent header and the page.
#[component]
pub fn ManageLayout() -> impl IntoView {
    let t = use_texts();
    let me = Resource::new(|| (), |_| current_agent());
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if can_manage(me.role) => EitherOf4::A(view! { <AgentShell me/> }),
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

/// `/manage`: the only page so far.
#[component]
pub fn ManageIndex() -> impl IntoView {
    view! { <Redirect path="/manage/channels"/> }
}

/// An agent without the manager role (HTTP 403).
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
