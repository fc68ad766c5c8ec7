//! Agent-side classifier suggestions for one ticket (issue 4): the category, tags and priority
//! the local classifier (or the configured OpenAI-compatible endpoint) proposes.
//!
//! Invariants: agents only (`Unauthenticated` without a session); the answer carries labels
//! and confidences only, never the ticket's text; no suggestion is an empty DTO, not an error.

use crate::error::AppError;
use leptos::prelude::*;
use lossless::ids::TicketId;
use lossless::ticket::Priority;
use serde::{Deserialize, Serialize};

/// What the classifier suggests for a ticket (confidences in percent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SuggestionView {
    /// Category (group name) and confidence.
    pub category: Option<(String, u8)>,
    /// Tags and confidences, most confident first.
    pub tags: Vec<(String, u8)>,
    /// Priority and confidence.
    pub priority: Option<(Priority, u8)>,
}

impl SuggestionView {
    /// Nothing to show?
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.tags.is_empty() && self.priority.is_none()
    }
}

/// The suggestion for a ticket.
#[server]
pub async fn ticket_suggestion(ticket_id: TicketId) -> Result<SuggestionView, AppError> {
    let (cx, _, actor) = crate::ssr::require_agent().await?;
    let remote = cx.classifier.as_deref();
    let s = lossless::services::classify::suggest_for_ticket(&cx.ports, &actor, ticket_id, remote)
        .await?;
    Ok(SuggestionView {
        category: s.category,
        tags: s.tags,
        priority: s.priority,
    })
}
