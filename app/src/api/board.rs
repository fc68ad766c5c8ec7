//! The manager dashboard (`/manage`, issue 6): one server function that reads the team's
//! load, the group queues, the oldest unassigned tickets and the tickets at SLA risk, mapped
//! to the DTOs below. Reassigning from the dashboard uses the agents' own field change
//! ([`crate::api::tickets::change_ticket`] with the row's version), so it is the same path,
//! history and conflict handling as on the ticket page.
//!
//! Invariants: for managers and admins only (`Forbidden`, 403, for other agents; the service
//! checks again); ages and waits are whole seconds measured by the server's clock at
//! [`BoardView::now`], so the server render and hydration print the same text.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::{AgentId, GroupId, TicketId};
use lossless::sla::SlaBadge;
use lossless::team::Presence;
use lossless::ticket::{Priority, Status};
use serde::{Deserialize, Serialize};

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BoardAgentRow {
    /// The agent.
    pub agent: AgentId,
    /// Name.
    pub name: String,
    /// Presence as of now.
    pub presence: Presence,
    /// Assigned tickets new or open (waiting for the team).
    pub open: i64,
    /// Assigned tickets pending (waiting for the customer).
    pub pending: i64,
    /// Most working-set tickets at once (0: no limit).
    pub capacity: i32,
    /// Seconds since the last change of their least recently touched new or open ticket.
    pub waiting_secs: Option<i64>,
}

/// One group's row (`group: None`: tickets in no group).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BoardGroupRow {
    /// The group.
    pub group: Option<GroupId>,
    /// Its name (empty for no group).
    pub name: String,
    /// Working-set tickets.
    pub queue: i64,
    /// Of those, nobody owns.
    pub unassigned: i64,
    /// Seconds since the last change of its least recently touched new or open ticket.
    pub waiting_secs: Option<i64>,
}

/// One ticket of a dashboard list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardTicketRow {
    /// Id (the change is made on it).
    pub id: TicketId,
    /// The version shown (the change is made from it).
    pub version: i64,
    /// Human number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// The contact's display name (may be empty).
    pub contact_name: String,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Owner.
    pub assignee: Option<AgentId>,
    /// Group.
    pub group: Option<GroupId>,
    /// Seconds since creation.
    pub age_secs: i64,
    /// The SLA badge (`None`: no clocks).
    pub sla: Option<SlaBadge>,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    /// The server's time of the figures.
    pub now: DateTime<Utc>,
    /// Agents by name.
    pub agents: Vec<BoardAgentRow>,
    /// Groups by name, then no group.
    pub groups: Vec<BoardGroupRow>,
    /// New, open and pending tickets.
    pub working: i64,
    /// New and open.
    pub open: i64,
    /// Pending.
    pub pending: i64,
    /// Nobody owns.
    pub unassigned_total: i64,
    /// The oldest unassigned tickets.
    pub unassigned: Vec<BoardTicketRow>,
    /// Breached, then due soonest.
    pub at_risk: Vec<BoardTicketRow>,
    /// More at risk than listed.
    pub more_at_risk: bool,
    /// Deadlines within this many minutes are listed.
    pub at_risk_minutes: i64,
    /// Rows per list.
    pub list_limit: i64,
    /// Agents not offered in the reassign picker (invited or switched off).
    #[serde(default)]
    pub inactive: Vec<AgentId>,
}

#[cfg(feature = "ssr")]
impl BoardView {
    /// Maps the service's dashboard; waits and ages are measured at its `now`.
    pub fn from_dashboard(d: lossless::services::board::Dashboard) -> Self {
        use lossless::services::board::{AT_RISK_WITHIN_MINUTES, LIST_LIMIT};
        let now = d.now;
        let secs = |t: DateTime<Utc>| (now - t).num_seconds().max(0);
        let ticket = |r: lossless::ports::QueueRow| BoardTicketRow {
            id: r.ticket.id,
            version: r.ticket.version,
            number: r.ticket.number.to_string(),
            subject: r.ticket.subject,
            contact_name: r.contact_name,
            status: r.ticket.status,
            priority: r.ticket.priority,
            assignee: r.ticket.assignee,
            group: r.ticket.group,
            age_secs: secs(r.ticket.created_at),
            sla: r.sla,
        };
        Self {
            now,
            agents: d
                .agents
                .into_iter()
                .map(|a| BoardAgentRow {
                    agent: a.agent.id,
                    name: a.agent.name,
                    presence: a.presence,
                    open: a.open,
                    pending: a.pending,
                    capacity: a.capacity,
                    waiting_secs: a.waiting_since.map(secs),
                })
                .collect(),
            groups: d
                .groups
                .into_iter()
                .map(|g| BoardGroupRow {
                    group: g.group.as_ref().map(|g| g.id),
                    name: g.group.map(|g| g.name).unwrap_or_default(),
                    queue: g.queue,
                    unassigned: g.unassigned,
                    waiting_secs: g.waiting_since.map(secs),
                })
                .collect(),
            working: d.totals.working,
            open: d.totals.open,
            pending: d.totals.pending,
            unassigned_total: d.totals.unassigned,
            unassigned: d.unassigned.into_iter().map(ticket).collect(),
            at_risk: d.at_risk.into_iter().map(ticket).collect(),
            more_at_risk: d.more_at_risk,
            at_risk_minutes: AT_RISK_WITHIN_MINUTES,
            list_limit: LIST_LIMIT,
            inactive: d.inactive,
        }
    }
}

/// The dashboard (managers).
#[server]
pub async fn manager_board() -> Result<BoardView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let d = lossless::services::board::dashboard(&cx.ports, &actor).await?;
        Ok(BoardView::from_dashboard(d))
    })
    .await
}
