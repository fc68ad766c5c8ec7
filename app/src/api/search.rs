//! Search and saved views for agents (issue 6): the search page (`/agent/search?q=…`) and the
//! saved searches of the queue. Each call authenticates the agent and calls one
//! `lossless::services::search` function.
//!
//! Invariants:
//! - only signed-in agents call these (`Unauthenticated`, 401, otherwise; the portal has no
//!   session and so no search); a query that does not parse is `Invalid` (422) naming `q`
//!   or the filter (`q.status`, `q.group`, …), and so is a saved view with a bad `name`,
//!   query or `group`;
//! - the DTOs carry no message ids, authors or anything beyond what the result list shows;
//!   highlighted text travels as [`Fragment`]s and is rendered as text (marked by `<mark>`),
//!   never as HTML.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::{AgentId, GroupId};
use lossless::search::{Fragment, SavedViewId};
use lossless::ticket::{Priority, Status};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::with_status;

/// One ticket found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchTicketRow {
    /// Human number (`LL-1042`).
    pub number: String,
    /// The subject, matched words marked.
    pub subject: Vec<Fragment>,
    /// Part of the matching message, matched words marked (empty with filters only).
    pub snippet: Vec<Fragment>,
    /// The match is in an internal note.
    pub internal: bool,
    /// The customer's name (may be empty).
    pub contact_name: String,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Owner.
    pub assignee: Option<AgentId>,
    /// Seconds since the last change, by the server's clock.
    pub changed_secs: i64,
}

/// One contact found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchContactRow {
    /// Display name (may be empty).
    pub name: String,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Phone numbers (E.164).
    pub phones: Vec<String>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    /// The number of the ticket the query named, if it exists.
    pub exact: Option<String>,
    /// The query was only that ticket's number (the page opens the ticket).
    pub jump: bool,
    /// Tickets, by their newest matching message (filters only: newest first).
    pub tickets: Vec<SearchTicketRow>,
    /// More tickets match.
    pub more: bool,
    /// Contacts matching the words.
    pub contacts: Vec<SearchContactRow>,
    /// The server's time of this page.
    pub now: DateTime<Utc>,
}

/// A saved search as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedViewRow {
    /// Id.
    pub id: SavedViewId,
    /// Name.
    pub name: String,
    /// The query.
    pub query: String,
    /// Shared with this group (`None`: private).
    pub group: Option<GroupId>,
    /// The agent made it.
    pub mine: bool,
    /// The agent may change or delete it.
    pub editable: bool,
}

/// The saved searches an agent sees, and the groups they may share one with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedViews {
    /// The views, by name.
    pub views: Vec<SavedViewRow>,
    /// Groups to share with (the agent's own; a manager's: all), by name.
    pub groups: Vec<crate::dto::GroupRef>,
}

/// `/agent/search?q=…&view=…&limit=…`: the link to a search (and the saved view it shows).
pub fn search_href(q: &str, view: Option<SavedViewId>, limit: Option<i64>) -> String {
    let mut s = format!("/agent/search?q={}", encode_component(q));
    if let Some(v) = view {
        s.push_str(&format!("&view={v}"));
    }
    if let Some(l) = limit {
        s.push_str(&format!("&limit={l}"));
    }
    s
}

/// Percent-encodes a query-string value (everything but unreserved ASCII, as UTF-8 bytes).
pub fn encode_component(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(feature = "ssr")]
impl SavedViewRow {
    fn of(v: lossless::search::SavedView, me: &lossless::team::Agent) -> Self {
        Self {
            id: v.id,
            mine: v.owner == me.id,
            editable: v.editable_by(me.id, me.role.is_manager()),
            name: v.name,
            query: v.query,
            group: v.group,
        }
    }
}

/// Searches tickets and contacts (`limit`: tickets at most, default
/// [`lossless::services::search::DEFAULT_LIMIT`]).
#[server]
pub async fn search(q: String, limit: Option<i64>) -> Result<SearchPage, AppError> {
    use lossless::contact::Handle;
    use lossless::services::search::{DEFAULT_LIMIT, search};
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let r = search(&cx.ports, &actor, &q, limit.unwrap_or(DEFAULT_LIMIT)).await?;
        let now = cx.ports.clock.now();
        let jump = r.exact.is_some() && q.split_whitespace().count() == 1;
        Ok(SearchPage {
            exact: r.exact.map(|t| t.number.to_string()),
            jump,
            tickets: r
                .tickets
                .into_iter()
                .map(|h| SearchTicketRow {
                    number: h.ticket.number.to_string(),
                    subject: h.subject,
                    snippet: h.snippet,
                    internal: h.internal,
                    contact_name: h.contact_name,
                    status: h.ticket.status,
                    priority: h.ticket.priority,
                    assignee: h.ticket.assignee,
                    changed_secs: (now - h.ticket.updated_at).num_seconds().max(0),
                })
                .collect(),
            more: r.more,
            contacts: r
                .contacts
                .into_iter()
                .map(|c| SearchContactRow {
                    name: c.name,
                    emails: c
                        .handles
                        .iter()
                        .filter(|h| matches!(h, Handle::Email(_)))
                        .map(|h| h.value().to_owned())
                        .collect(),
                    phones: c
                        .handles
                        .iter()
                        .filter(|h| matches!(h, Handle::Phone(_)))
                        .map(|h| h.value().to_owned())
                        .collect(),
                })
                .collect(),
            now,
        })
    })
    .await
}

/// The saved searches the agent sees, and whom they may share with.
#[server]
pub async fn list_saved_views() -> Result<SavedViews, AppError> {
    use lossless::services::search::{list_views, sharable_groups};
    with_status(async {
        let (cx, me, actor) = crate::ssr::require_agent().await?;
        let views = list_views(&cx.ports, &actor).await?;
        let groups = sharable_groups(&cx.ports, &actor).await?;
        Ok(SavedViews {
            views: views
                .into_iter()
                .map(|v| SavedViewRow::of(v, &me))
                .collect(),
            groups: groups
                .into_iter()
                .map(|g| crate::dto::GroupRef {
                    id: g.id,
                    name: g.name,
                })
                .collect(),
        })
    })
    .await
}

/// Saves the search `query` as a new view (`id` none) or changes one; `group`: share it.
#[server]
pub async fn save_search_view(
    id: Option<SavedViewId>,
    name: String,
    query: String,
    group: Option<GroupId>,
) -> Result<SavedViewRow, AppError> {
    with_status(async {
        let (cx, me, actor) = crate::ssr::require_agent().await?;
        let v = lossless::services::search::save_view(&cx.ports, &actor, id, &name, &query, group)
            .await?;
        Ok(SavedViewRow::of(v, &me))
    })
    .await
}

/// Deletes a saved search.
#[server]
pub async fn delete_search_view(id: SavedViewId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::search::delete_view(&cx.ports, &actor, id).await?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_links_encode_the_query() {
        assert_eq!(
            search_href("tag:vip возврат", Some(SavedViewId(3)), Some(50)),
            "/agent/search?q=tag%3Avip%20%D0%B2%D0%BE%D0%B7%D0%B2%D1%80%D0%B0%D1%82&view=3&limit=50"
        );
        assert_eq!(search_href("#1042", None, None), "/agent/search?q=%231042");
    }
}
