//! The managers' area (`/manage…`): the dashboard (`/manage`: team load, group queues,
//! unassigned and SLA-at-risk tickets, live), the channel screen (`/manage/channels`), the
//! automation rules (`/manage/rules`), SLA policies (`/manage/sla`), business calendars
//! (`/manage/calendars`), the team screen (`/manage/team`) and the widget sites
//! (`/manage/widget`).
//!
//! Invariants: every page below [`ManageLayout`] renders only for a signed-in manager or admin.
//! Signed-out visitors are redirected to `/agent/login` (a real 302 on the server); other
//! agents get the forbidden notice with HTTP 403. The server functions check the role again
//! on every call, so the layout is a courtesy, not the guard. The layout reuses the agent
//! header (same navigation, live socket and directory).

mod channels;
mod dashboard;
mod rules;
mod sla;
mod team;
// ---- accounts (issue 6, point 1) ----
mod audit;
mod users;
pub use audit::AuditPage;
pub use users::UsersPage;
// ---- widget sites admin (issue 7, notices) ----
mod widget;
pub use widget::WidgetSitesPage;

pub use channels::ChannelsPage;
pub use dashboard::DashboardPage;
pub use rules::RulesPage;
pub use sla::{CalendarsPage, SlaPoliciesPage};
pub use team::TeamPage;

use crate::agent::SignedIn;
use leptos::prelude::*;

/// Checks the session and the role, then shows the agent header and the page.
#[component]
pub fn ManageLayout() -> impl IntoView {
    view! { <SignedIn managers_only=true/> }
}

/// `/manage`: the dashboard.
#[component]
pub fn ManageIndex() -> impl IntoView {
    view! { <DashboardPage/> }
}
