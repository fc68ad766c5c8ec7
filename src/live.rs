//! Live hints: "your screen is stale". Sent after commit, best effort, never data — clients
//! refetch through server functions and resync on reconnect. Small enough for a PostgreSQL
//! NOTIFY payload (< 8000 bytes).

use crate::ids::{AgentId, GroupId, TicketId};
use serde::{Deserialize, Serialize};

/// A hint that something changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A ticket was created or changed (any field, thread or history).
    TicketChanged {
        /// Which.
        ticket_id: TicketId,
        /// Its version after the change.
        version: i64,
        /// Its group (for fan-out filtering).
        group: Option<GroupId>,
        /// Its owner.
        assignee: Option<AgentId>,
    },
    /// An agent has a new in-app notification (only that agent's sockets get it).
    Notification {
        /// The recipient.
        agent: AgentId,
    },
    /// An agent's presence changed (team boards refresh).
    PresenceChanged {
        /// The agent.
        agent: AgentId,
    },
    /// Who views or types on a ticket changed (its open pages refetch the viewers).
    ViewersChanged {
        /// Which.
        ticket_id: TicketId,
    },
}

impl LiveEvent {
    /// The hint for a ticket's new state.
    pub fn for_ticket(t: &crate::ticket::Ticket) -> Self {
        LiveEvent::TicketChanged {
            ticket_id: t.id,
            version: t.version,
            group: t.group,
            assignee: t.assignee,
        }
    }
}
