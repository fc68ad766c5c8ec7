//! Group visibility for the services (issue 6, point 1b): loads what [`Sight`] needs and
//! applies it, and lets managers mark a group restricted.
//!
//! Invariants:
//! - every service path that lists, reads or changes a ticket for an actor goes through
//!   [`sight`] / [`require_sees`] / [`ticket_for`]; a ticket the actor may not see is
//!   `NotFound`, indistinguishable from one that does not exist;
//! - with no restricted group (the common case) an agent's sight costs one small query and
//!   hides nothing;
//! - a ticket of a restricted group is assigned only to someone who sees it: anyone else is
//!   `Invalid` on `assignee` with code `not_member` ([`require_may_own`]);
//! - alerts and notifications go only to agents who see the ticket ([`agent_sees`]);
//! - only managers mark groups restricted (`ManageTeam`); an unknown group is `NotFound`.

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, GroupId, TicketId};
use crate::team::Agent;
use crate::ticket::Ticket;
use crate::visibility::{Sight, may_own};

/// What `actor` may see now.
pub async fn sight(p: &Ports, actor: &Actor) -> Result<Sight, DomainError> {
    match actor {
        Actor::Agent { id, role } if !role.is_manager() => {
            let restricted = p.store.restricted_groups().await?;
            if restricted.is_empty() {
                return Ok(Sight::of(actor, &[], &[]));
            }
            let member_of = p.store.agent_groups(*id).await?;
            Ok(Sight::of(actor, &restricted, &member_of))
        }
        _ => Ok(Sight::of(actor, &[], &[])),
    }
}

/// The groups a listing for `actor` leaves out (`Forbidden` for a customer, who lists
/// nothing).
pub async fn hidden_groups(p: &Ports, actor: &Actor) -> Result<Vec<GroupId>, DomainError> {
    sight(p, actor)
        .await?
        .hidden_groups()
        .ok_or(DomainError::Forbidden)
}

/// `NotFound` unless `actor` sees `ticket`.
pub async fn require_sees(p: &Ports, actor: &Actor, ticket: &Ticket) -> Result<(), DomainError> {
    if sight(p, actor).await?.sees(ticket) {
        Ok(())
    } else {
        Err(DomainError::NotFound)
    }
}

/// The ticket, when it exists and `actor` sees it (`NotFound` otherwise).
pub async fn ticket_for(p: &Ports, actor: &Actor, id: TicketId) -> Result<Ticket, DomainError> {
    let t = p.store.ticket(id).await?.ok_or(DomainError::NotFound)?;
    require_sees(p, actor, &t).await?;
    Ok(t)
}

/// Whether `agent` sees `ticket`, given the `restricted` groups (loaded once by the caller
/// for a batch of recipients).
pub async fn agent_sees(
    p: &Ports,
    restricted: &[GroupId],
    agent: &Agent,
    ticket: &Ticket,
) -> Result<bool, DomainError> {
    match ticket.group {
        Some(g) if restricted.contains(&g) && !agent.role.is_manager() => {
            Ok(p.store.agent_groups(agent.id).await?.contains(&g))
        }
        _ => Ok(true),
    }
}

/// `Invalid` (`assignee`: `not_member`) unless `assignee` may own a ticket of `group`.
pub async fn require_may_own(
    p: &Ports,
    assignee: AgentId,
    group: Option<GroupId>,
) -> Result<(), DomainError> {
    let Some(g) = group else {
        return Ok(());
    };
    let restricted = p.store.restricted_groups().await?;
    if !restricted.contains(&g) {
        return Ok(());
    }
    let agent = p.store.agent(assignee).await?.ok_or_else(|| {
        let mut e = FieldErrors::default();
        e.push("assignee", "invalid");
        DomainError::Invalid(e)
    })?;
    let member_of = p.store.agent_groups(assignee).await?;
    if may_own(agent.role, &restricted, &member_of, group) {
        Ok(())
    } else {
        let mut e = FieldErrors::default();
        e.push("assignee", "not_member");
        Err(DomainError::Invalid(e))
    }
}

/// The restricted groups; for managers.
pub async fn restricted_groups(p: &Ports, actor: &Actor) -> Result<Vec<GroupId>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.restricted_groups().await?)
}

/// Marks a group restricted or not; for managers (`NotFound` for no such group).
pub async fn set_group_restricted(
    p: &Ports,
    actor: &Actor,
    group: GroupId,
    restricted: bool,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.set_group_restricted(group, restricted).await?)
}
