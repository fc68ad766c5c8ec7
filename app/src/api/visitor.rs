//! The site-widget visitor behind a ticket (issue 7), as the agent's ticket page shows it:
//! the page they are on and whether they are typing. Calls
//! `lossless::services::widget::visitor_presence`.
//!
//! Invariants: only signed-in agents who may see the ticket get an answer (401 without a
//! session, 404 for a ticket they may not see); tickets without a widget visitor answer
//! `None`. Only an `http(s)` page address is handed to the page as a link.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::TicketId;
use serde::{Deserialize, Serialize};

/// The widget visitor of a ticket, right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorView {
    /// The page the visitor's browser last reported (`http(s)` only).
    pub page_url: Option<String>,
    /// That page's title.
    pub page_title: Option<String>,
    /// When the widget last talked to us.
    pub seen_at: DateTime<Utc>,
    /// The visitor is typing a message.
    pub typing: bool,
    /// The visitor's widget is connected.
    pub online: bool,
}

/// Keeps only `http://` and `https://` addresses (a link the agent clicks).
pub fn safe_url(raw: Option<String>) -> Option<String> {
    raw.filter(|u| {
        let l = u.trim_start().to_ascii_lowercase();
        l.starts_with("https://") || l.starts_with("http://")
    })
}

#[cfg(feature = "ssr")]
impl From<lossless::services::widget::VisitorPresence> for VisitorView {
    fn from(v: lossless::services::widget::VisitorPresence) -> Self {
        Self {
            page_url: safe_url(v.page_url),
            page_title: v.page_title.filter(|t| !t.trim().is_empty()),
            seen_at: v.seen_at,
            typing: v.typing,
            online: v.online,
        }
    }
}

/// The widget visitor of a ticket, if it came through the site widget.
#[server]
pub async fn get_visitor(ticket_id: TicketId) -> Result<Option<VisitorView>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let v = lossless::services::widget::visitor_presence(&cx.ports, &actor, ticket_id).await?;
        Ok(v.map(VisitorView::from))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_url;

    #[test]
    fn only_web_links() {
        assert_eq!(
            safe_url(Some("https://shop.example/a".into())).as_deref(),
            Some("https://shop.example/a")
        );
        assert!(safe_url(Some("javascript:alert(1)".into())).is_none());
        assert!(safe_url(Some("data:text/html,x".into())).is_none());
        assert!(safe_url(None).is_none());
    }
}
