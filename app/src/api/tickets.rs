//! Agent-side tickets: the queue, one ticket, replies, notes, field changes, the team directory.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::dto::{AgentQueue, AgentTicket, Directory, Saved};
use crate::error::AppError;
use leptos::prelude::*;
use lossless::ids::TicketId;

/// The "SLA at risk" view shows deadlines within this many minutes (and breaches).
pub const AT_RISK_MINUTES: i64 = 60;

/// The queue for the given view and filters (query-string values; unknown ones are ignored).
#[server]
pub async fn list_queue(
    view: String,
    status: String,
    priority: String,
) -> Result<AgentQueue, AppError> {
    use crate::dto::{QUEUE_LIMIT, QueueFilter, ViewKey};
    use lossless::ports::{QueueQuery, QueueView};
    with_status(async {
        let (cx, agent, actor) = crate::ssr::require_agent().await?;
        let f = QueueFilter::from_query(&view, &status, &priority);
        let view = match f.view {
            ViewKey::All => QueueView::All,
            ViewKey::Mine => QueueView::Mine(agent.id),
            ViewKey::Unassigned => QueueView::Unassigned,
            ViewKey::Group(g) => QueueView::Group(g),
            ViewKey::AtRisk => QueueView::AtRisk {
                until: cx.ports.clock.now() + chrono::Duration::minutes(AT_RISK_MINUTES),
            },
        };
        let q = QueueQuery {
            view,
            statuses: f.status.into_iter().collect(),
            priorities: f.priority.into_iter().collect(),
            limit: QUEUE_LIMIT,
        };
        let rows = lossless::services::queue(&cx.ports, &actor, &q).await?;
        Ok(AgentQueue::from_rows(rows, cx.ports.clock.now()))
    })
    .await
}

/// One ticket by its number (`LL-1042`), with the merged timeline.
#[server]
pub async fn get_ticket(number: String) -> Result<AgentTicket, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let number = lossless::ids::TicketNumber::parse(&number).map_err(|_| AppError::NotFound)?;
        Ok(lossless::services::agent_ticket(&cx.ports, &actor, &number)
            .await?
            .into())
    })
    .await
}

/// Agents and groups (names, pickers, group views).
#[server]
pub async fn team_directory() -> Result<Directory, AppError> {
    use crate::dto::{AgentRef, GroupRef};
    let (cx, _, actor) = crate::ssr::require_agent().await?;
    let d = lossless::services::team_directory(&cx.ports, &actor).await?;
    Ok(Directory {
        agents: d
            .agents
            .into_iter()
            .map(|a| AgentRef {
                id: a.id,
                name: a.name,
            })
            .collect(),
        groups: d
            .groups
            .into_iter()
            .map(|g| GroupRef {
                id: g.id,
                name: g.name,
            })
            .collect(),
        inactive: d.inactive,
    })
}

/// A public reply, made from `version`.
#[server]
pub async fn reply_ticket(
    ticket_id: TicketId,
    version: i64,
    body: String,
) -> Result<Saved, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let t = lossless::services::reply(&cx.ports, &actor, ticket_id, version, &body).await?;
        Ok(Saved { version: t.version })
    })
    .await
}

/// An internal note, made from `version`.
#[server]
pub async fn add_note(ticket_id: TicketId, version: i64, body: String) -> Result<Saved, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let t = lossless::services::add_note(&cx.ports, &actor, ticket_id, version, &body).await?;
        Ok(Saved { version: t.version })
    })
    .await
}

/// Changes one field, made from `version`. `field` is `status|priority|assignee|group`;
/// `value` is the stable text (`open`, `high`), an id, or empty to clear assignee/group.
#[server]
pub async fn change_ticket(
    ticket_id: TicketId,
    version: i64,
    field: String,
    value: String,
) -> Result<Saved, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let change = parse_change(&field, &value)?;
        let t = lossless::services::change_ticket(&cx.ports, &actor, ticket_id, version, &change)
            .await?;
        Ok(Saved { version: t.version })
    })
    .await
}

/// Parses one field change from the ticket page's controls (parse at the edge).
pub fn parse_change(
    field: &str,
    value: &str,
) -> Result<lossless::services::TicketChange, AppError> {
    use lossless::ids::{AgentId, GroupId};
    use lossless::services::TicketChange;
    use lossless::ticket::{Priority, Status};
    let bad = || AppError::invalid(field, "invalid");
    let id = |v: &str| -> Result<Option<i64>, AppError> {
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse().map(Some).map_err(|_| bad())
        }
    };
    let mut c = TicketChange::default();
    match field {
        "status" => c.status = Some(Status::parse(value).ok_or_else(bad)?),
        "priority" => c.priority = Some(Priority::parse(value).ok_or_else(bad)?),
        "assignee" => c.assignee = Some(id(value)?.map(AgentId)),
        "group" => c.group = Some(id(value)?.map(GroupId)),
        _ => return Err(AppError::invalid("field", "invalid")),
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless::ids::AgentId;
    use lossless::ticket::Status;

    #[test]
    fn changes_parse_at_the_edge() {
        assert_eq!(
            parse_change("status", "resolved").unwrap().status,
            Some(Status::Resolved)
        );
        assert_eq!(parse_change("assignee", "").unwrap().assignee, Some(None));
        assert_eq!(
            parse_change("assignee", "4").unwrap().assignee,
            Some(Some(AgentId(4)))
        );
        assert_eq!(
            parse_change("status", "bogus")
                .unwrap_err()
                .field_code("status"),
            Some("invalid")
        );
        assert!(parse_change("subject", "x").is_err());
    }
}
