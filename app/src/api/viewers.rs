//! Collision detection (issue 6): the ticket page's reports (viewing, typing, idle, left)
//! and who else is on a ticket; the queue's "someone has this open" marks. Each call
//! authenticates, parses at the edge and calls one `lossless::services::viewers` function.
//!
//! Invariants:
//! - The reporting agent is the session's, never an id from the browser; only signed-in
//!   agents report or read viewers (401 without a session).
//! - A report is the stable text of [`lossless::viewers::ViewerReport`]; anything else is
//!   `Invalid` (422, field `report`) and stores nothing.
//! - [`ReportViewing`] takes the default form encoding, so the page can also send its `left`
//!   report with `navigator.sendBeacon` while the tab closes.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use lossless::ids::{AgentId, TicketId};
use lossless::viewers::Activity;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

/// Someone else on a ticket, as the collision bar shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerView {
    /// The agent.
    pub agent: AgentId,
    /// Their display name.
    pub name: String,
    /// Viewing, or typing into which composer.
    pub activity: Activity,
}

/// A queue row someone else has open: the ticket and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewedTicket {
    /// The ticket.
    pub ticket: TicketId,
    /// Who has it open, by agent id.
    pub viewers: Vec<ViewerView>,
}

#[cfg(feature = "ssr")]
impl From<lossless::services::viewers::TicketViewer> for ViewerView {
    fn from(v: lossless::services::viewers::TicketViewer) -> Self {
        Self {
            agent: v.agent,
            name: v.name,
            activity: v.activity,
        }
    }
}

/// Reports what the signed-in agent does on a ticket (`viewing`, `typing_reply`,
/// `typing_note`, `idle`, `left`); returns who else is on it.
#[server]
pub async fn report_viewing(
    ticket_id: TicketId,
    report: String,
) -> Result<Vec<ViewerView>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let report = lossless::viewers::ViewerReport::parse(&report)
            .ok_or_else(|| AppError::invalid("report", "invalid"))?;
        let list =
            lossless::services::viewers::report_viewing(&cx.ports, &actor, ticket_id, report)
                .await?;
        Ok(list.into_iter().map(ViewerView::from).collect())
    })
    .await
}

/// Who else views or types on a ticket now.
#[server]
pub async fn ticket_viewers(ticket_id: TicketId) -> Result<Vec<ViewerView>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let list =
            lossless::services::viewers::ticket_viewers(&cx.ports, &actor, ticket_id).await?;
        Ok(list.into_iter().map(ViewerView::from).collect())
    })
    .await
}

/// Which of the given tickets (a queue page's rows) someone else has open now.
#[server(input = Json)]
pub async fn viewed_tickets(tickets: Vec<TicketId>) -> Result<Vec<ViewedTicket>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let map = lossless::services::viewers::viewed_tickets(&cx.ports, &actor, tickets).await?;
        Ok(map
            .into_iter()
            .map(|(ticket, list)| ViewedTicket {
                ticket,
                viewers: list.into_iter().map(ViewerView::from).collect(),
            })
            .collect())
    })
    .await
}
