//! In-app notifications for agents (rules' "notify", unassigned alerts; SLA warnings later):
//! written in the same transaction as the change that caused them, pushed as a live hint,
//! listed under the bell until read.
//!
//! Invariant: a notification's text is rendered in its recipient's language when it is
//! created, so showing it never needs the rule that made it.

use crate::ids::{AgentId, NotificationId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest notification text (characters; longer texts are cut).
pub const MAX_NOTIFICATION_CHARS: usize = 500;

/// A notification to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotification {
    /// Recipient.
    pub agent: AgentId,
    /// The ticket it is about, if any.
    pub ticket: Option<TicketId>,
    /// The text, in the recipient's language.
    pub text: String,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id (grows with time).
    pub id: NotificationId,
    /// Recipient.
    pub agent: AgentId,
    /// The ticket it is about, if any.
    pub ticket: Option<TicketId>,
    /// The text.
    pub text: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the recipient read it.
    pub read_at: Option<DateTime<Utc>>,
}
