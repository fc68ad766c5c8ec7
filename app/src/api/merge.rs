//! Bulk actions, merging and related links (issue 6, point 4) for agents. Each call
//! authenticates, parses the form at the edge ([`BulkForm::to_change`]) and calls one
//! `lossless::services::merge` function.
//!
//! Invariants:
//! - every ticket is sent with the version the page showed: a bulk action reports a lost
//!   race per ticket (`conflict`), a merge refuses it as a whole (`Conflict`, 409);
//! - a batch holds at most [`lossless::merge::MAX_BULK`] tickets (more: 422 `tickets`);
//! - refusals are the service's: 422 with the field named (`sources`/`other_contact` until a
//!   manager confirms, `ticket`/`unknown` for a number that names no ticket), 404 for a
//!   ticket the agent may not see, 409 for a stale version.

use crate::error::AppError;
use leptos::prelude::*;
use lossless::ids::{AgentId, TicketId};
use lossless::ticket::Status;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::with_status;

/// A ticket as the page saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The ticket.
    pub id: TicketId,
    /// The version shown.
    pub version: i64,
}

/// The bulk bar's fields, as typed (empty: leave as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkForm {
    /// `me`, `nobody`, an agent id, or empty.
    pub assign: String,
    /// A status (`resolved`), or empty.
    pub status: String,
    /// A tag to add, or empty.
    pub add_tag: String,
    /// A tag to remove, or empty.
    pub remove_tag: String,
}

impl BulkForm {
    /// The field change it asks for, `me` being the signed-in agent (422 naming the field
    /// for a value that does not parse).
    pub fn to_change(&self, me: AgentId) -> Result<lossless::services::TicketChange, AppError> {
        let assignee = match self.assign.trim() {
            "" => None,
            "me" => Some(Some(me)),
            "nobody" => Some(None),
            id => Some(Some(AgentId(
                id.parse()
                    .map_err(|_| AppError::invalid("assign", "invalid"))?,
            ))),
        };
        let status = match self.status.trim() {
            "" => None,
            s => Some(Status::parse(s).ok_or_else(|| AppError::invalid("status", "invalid"))?),
        };
        let tag = |t: &str| {
            let t = t.trim();
            (!t.is_empty()).then(|| t.to_owned()).into_iter().collect()
        };
        Ok(lossless::services::TicketChange {
            assignee,
            status,
            add_tags: tag(&self.add_tag),
            remove_tags: tag(&self.remove_tag),
            ..Default::default()
        })
    }
}

/// One ticket's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRow {
    /// The ticket.
    pub id: TicketId,
    /// `ok`, `conflict`, `not_found`, `forbidden`, `refused` or `failed`.
    pub outcome: String,
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSummary {
    /// Tickets changed.
    pub changed: usize,
    /// Tickets skipped (every outcome but `ok`).
    pub skipped: usize,
    /// Per ticket, in the order sent.
    pub rows: Vec<BulkRow>,
}

impl BulkSummary {
    /// The summary of the service's results.
    pub fn of(results: &[lossless::merge::BulkResult]) -> Self {
        let changed = results
            .iter()
            .filter(|r| r.outcome == lossless::merge::BulkOutcome::Ok)
            .count();
        Self {
            changed,
            skipped: results.len() - changed,
            rows: results
                .iter()
                .map(|r| BulkRow {
                    id: r.ticket,
                    outcome: r.outcome.as_str().to_owned(),
                })
                .collect(),
        }
    }
}

/// Applies the bulk bar's change to the selected tickets.
#[server(input = server_fn::codec::Json)]
pub async fn bulk_update(tickets: Vec<Seen>, form: BulkForm) -> Result<BulkSummary, AppError> {
    with_status(async {
        let (cx, agent, actor) = crate::ssr::require_agent().await?;
        let change = form.to_change(agent.id)?;
        let items: Vec<(TicketId, i64)> = tickets.iter().map(|s| (s.id, s.version)).collect();
        let r = lossless::services::merge::bulk_change(&cx.ports, &actor, &items, &change).await?;
        Ok(BulkSummary::of(&r))
    })
    .await
}

/// What a merge answers: the target's number (`LL-1042`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    /// The target's number.
    pub number: String,
    /// The target's new version.
    pub version: i64,
}

/// Merges `sources` into `target`.
#[server(input = server_fn::codec::Json)]
pub async fn merge_tickets(
    target: Seen,
    sources: Vec<Seen>,
    confirm_other_contacts: bool,
) -> Result<Merged, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let req = lossless::services::merge::MergeRequest {
            target: (target.id, target.version),
            sources: sources.iter().map(|s| (s.id, s.version)).collect(),
            confirm_other_contacts,
        };
        let t = lossless::services::merge::merge(&cx.ports, &actor, &req).await?;
        Ok(Merged {
            number: t.number.to_string(),
            version: t.version,
        })
    })
    .await
}

/// A related ticket as the ticket page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedView {
    /// Id.
    pub id: TicketId,
    /// Number (`LL-1042`).
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
}

/// A ticket's merge markers and links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationsView {
    /// The ticket it was merged into.
    pub merged_into: Option<RelatedView>,
    /// The tickets merged into it.
    pub merged_from: Vec<RelatedView>,
    /// Related tickets.
    pub links: Vec<RelatedView>,
}

impl From<lossless::merge::Relations> for RelationsView {
    fn from(r: lossless::merge::Relations) -> Self {
        let v = |t: lossless::merge::RelatedTicket| RelatedView {
            id: t.id,
            number: t.number.to_string(),
            subject: t.subject,
            status: t.status,
        };
        Self {
            merged_into: r.merged_into.map(v),
            merged_from: r.merged_from.into_iter().map(v).collect(),
            links: r.links.into_iter().map(v).collect(),
        }
    }
}

/// A ticket's merge markers and links.
#[server]
pub async fn ticket_relations(ticket_id: TicketId) -> Result<RelationsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let r = lossless::services::merge::relations(&cx.ports, &actor, ticket_id).await?;
        Ok(r.into())
    })
    .await
}

/// Links a ticket with the one named by `other` (`#1042`, `LL-1042`).
#[server]
pub async fn link_ticket(ticket_id: TicketId, other: String) -> Result<RelationsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let r = lossless::services::merge::link(&cx.ports, &actor, ticket_id, &other).await?;
        Ok(r.into())
    })
    .await
}

/// Removes the link between two tickets.
#[server]
pub async fn unlink_ticket(
    ticket_id: TicketId,
    other: TicketId,
) -> Result<RelationsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let r = lossless::services::merge::unlink(&cx.ports, &actor, ticket_id, other).await?;
        Ok(r.into())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_form_parses_at_the_edge() {
        let me = AgentId(4);
        let f = |assign: &str, status: &str| BulkForm {
            assign: assign.into(),
            status: status.into(),
            add_tag: " vip ".into(),
            remove_tag: String::new(),
        };
        let c = f("me", "resolved").to_change(me).unwrap();
        assert_eq!(c.assignee, Some(Some(me)));
        assert_eq!(c.status, Some(Status::Resolved));
        assert_eq!(c.add_tags, vec!["vip".to_owned()]);
        assert!(c.remove_tags.is_empty());
        assert_eq!(f("nobody", "").to_change(me).unwrap().assignee, Some(None));
        assert_eq!(
            f("7", "").to_change(me).unwrap().assignee,
            Some(Some(AgentId(7)))
        );
        assert_eq!(f("", "").to_change(me).unwrap().assignee, None);
        assert_eq!(
            f("x", "").to_change(me).unwrap_err().field_code("assign"),
            Some("invalid")
        );
        assert_eq!(
            f("", "bogus")
                .to_change(me)
                .unwrap_err()
                .field_code("status"),
            Some("invalid")
        );
    }
}
