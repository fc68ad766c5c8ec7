//! Bulk actions, merging tickets and "related" links in the running system (issue 6,
//! point 4). The rules are in [`crate::merge`].
//!
//! - [`bulk_change`] applies one field change to each ticket through the ordinary change
//!   path ([`super::change_ticket`]), from the version the agent saw, each in its own
//!   transaction: permissions, history rows, rules and SLA jobs, alerts and live hints are
//!   exactly those of the same change made by hand; a ticket that fails does not stop the
//!   others, and each reports its [`BulkOutcome`].
//! - [`merge`] needs `ChangeTicket`; it loads the target and the sources, refuses stale
//!   versions (`Conflict`) and unknown tickets (`NotFound`), plans the merge in the core and
//!   stores it in one transaction with the jobs its events imply (the sources' closing runs
//!   rules and SLA bookkeeping; alerts as for any change), then publishes live hints for
//!   every ticket it touched.
//! - [`link`] / [`unlink`] need `ChangeTicket`; [`relations`] needs `ViewQueue`. A linked
//!   ticket is named by what the agent typed (`#1042`, `LL-1042`); a number that names no
//!   ticket is the field error `ticket`/`unknown`.

use super::{Ports, TicketChange};
use crate::actor::{Actor, Permission};
use crate::error::{DomainError, FieldErrors};
use crate::ids::TicketId;
use crate::live::LiveEvent;
use crate::merge::{self, BulkOutcome, BulkResult, MergeAsk, MergeSource, Relations, plan_merge};
use crate::ports::StoreError;
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

fn field(name: &str, code: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(name, code);
    DomainError::Invalid(e)
}

/// A ticket the actor may see (`NotFound` otherwise, whether or not it exists; see
/// [`crate::visibility`]).
async fn visible(p: &Ports, actor: &Actor, id: TicketId) -> Result<Ticket, DomainError> {
    super::visibility::ticket_for(p, actor, id).await
}

/// `r` without the tickets the actor may not see.
async fn seen_relations(p: &Ports, actor: &Actor, r: Relations) -> Result<Relations, DomainError> {
    let sight = super::visibility::sight(p, actor).await?;
    Ok(Relations {
        merged_into: r.merged_into.filter(|t| sight.sees_group(t.group)),
        merged_from: r
            .merged_from
            .into_iter()
            .filter(|t| sight.sees_group(t.group))
            .collect(),
        links: r
            .links
            .into_iter()
            .filter(|t| sight.sees_group(t.group))
            .collect(),
    })
}

/// Applies `change` to every ticket of `items` (id and the version the agent saw); see the
/// module doc. 422 for an empty or too large batch (`tickets`) or an empty change
/// (`change`/`required`).
pub async fn bulk_change(
    p: &Ports,
    actor: &Actor,
    items: &[(TicketId, i64)],
    change: &TicketChange,
) -> Result<Vec<BulkResult>, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let items = merge::check_bulk(items)?;
    if *change == TicketChange::default() {
        return Err(field("change", "required"));
    }
    // A switched-off or invited agent refuses the whole batch (422 `assignee`: `inactive`).
    if let Some(Some(agent)) = change.assignee {
        super::accounts::require_assignable(p, agent, "assignee").await?;
    }
    let mut out = Vec::with_capacity(items.len());
    for (id, version) in items {
        let r = super::change_ticket(p, actor, id, version, change).await;
        out.push(BulkResult {
            ticket: id,
            outcome: BulkOutcome::of(&r),
            version: r.ok().map(|t| t.version),
        });
    }
    Ok(out)
}

/// What an agent asks to merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRequest {
    /// The target and the version the agent saw.
    pub target: (TicketId, i64),
    /// The sources and the versions the agent saw.
    pub sources: Vec<(TicketId, i64)>,
    /// The agent confirmed merging tickets of different customers (managers only).
    pub confirm_other_contacts: bool,
}

/// Merges the sources into the target (see the module doc and [`crate::merge`]); returns
/// the stored target.
pub async fn merge(p: &Ports, actor: &Actor, req: &MergeRequest) -> Result<Ticket, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let (target_id, target_version) = req.target;
    let target = visible(p, actor, target_id).await?;
    let mut sources = Vec::with_capacity(req.sources.len());
    for (id, _) in req.sources.iter().take(merge::MAX_MERGE_SOURCES + 1) {
        sources.push(MergeSource {
            ticket: visible(p, actor, *id).await?,
            merged: p.store.merged_into(*id).await?.is_some(),
        });
    }
    let stale = target.version != target_version
        || sources
            .iter()
            .zip(&req.sources)
            .any(|(s, (_, v))| s.ticket.version != *v);
    if stale {
        return Err(DomainError::Conflict);
    }
    let target_merged = p.store.merged_into(target_id).await?.is_some();
    let ask = MergeAsk {
        manager: match actor {
            Actor::Agent { role, .. } => role.is_manager(),
            Actor::System => true,
            Actor::Customer { .. } => false,
        },
        confirm_other_contacts: req.confirm_other_contacts,
    };
    let now = crate::ports::to_micros(p.clock.now());
    let plan = plan_merge(&target, target_merged, &sources, ask, now)?;
    // The jobs each side's events imply, keyed by the version the store will give it.
    let mut jobs = Vec::new();
    let mut touched: Vec<Ticket> = Vec::new();
    let mut stored_target = plan.target.clone();
    stored_target.version = plan.target_version + 1;
    jobs.extend(crate::job::jobs_for(
        &stored_target,
        &plan.target_events,
        now,
    ));
    let mut alerts =
        crate::job::alert_jobs(&stored_target, &plan.target_events, actor.as_ref(), now);
    for s in &plan.sources {
        let mut after = s.after.clone();
        after.version = s.expected_version + 1;
        jobs.extend(crate::job::jobs_for(&after, &s.events, now));
        alerts.extend(crate::job::alert_jobs(
            &after,
            &s.events,
            actor.as_ref(),
            now,
        ));
        touched.push(after);
    }
    jobs.extend(super::alerts::named(p, actor.as_ref(), alerts).await?);
    let stored = p
        .store
        .merge_tickets(plan, actor.as_ref(), jobs, now)
        .await?;
    p.live.publish(LiveEvent::for_ticket(&stored));
    for t in &touched {
        p.live.publish(LiveEvent::for_ticket(t));
    }
    Ok(stored)
}

/// A ticket's merge markers and related tickets.
pub async fn relations(p: &Ports, actor: &Actor, id: TicketId) -> Result<Relations, DomainError> {
    actor.require(Permission::ViewQueue)?;
    visible(p, actor, id).await?;
    let r = p.store.ticket_relations(id).await?;
    seen_relations(p, actor, r).await
}

/// The other ticket of a link, by what the agent typed (`ticket`/`invalid` when it is no
/// ticket number, `ticket`/`unknown` when no ticket the actor sees has it).
async fn named(p: &Ports, actor: &Actor, raw: &str) -> Result<Ticket, DomainError> {
    let number =
        merge::parse_ticket_ref(raw, &p.prefix).ok_or_else(|| field("ticket", "invalid"))?;
    let t = p
        .store
        .ticket_by_number(&number)
        .await?
        .ok_or_else(|| field("ticket", "unknown"))?;
    visible(p, actor, t.id)
        .await
        .map_err(|_| field("ticket", "unknown"))
}

/// Links ticket `id` with the ticket the agent named (`#1042`); returns `id`'s relations.
pub async fn link(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    other: &str,
) -> Result<Relations, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let a = visible(p, actor, id).await?;
    let b = named(p, actor, other).await?;
    let (first, _) = merge::link_pair(a.id, b.id)?;
    let (x, y) = if first == a.id { (&a, &b) } else { (&b, &a) };
    let now = crate::ports::to_micros(p.clock.now());
    match p.store.link_tickets(x, y, actor.as_ref(), now).await {
        Err(StoreError::Duplicate(_)) => return Err(field("ticket", "taken")),
        other => other?,
    }
    p.live.publish(LiveEvent::for_ticket(&a));
    p.live.publish(LiveEvent::for_ticket(&b));
    let r = p.store.ticket_relations(id).await?;
    seen_relations(p, actor, r).await
}

/// Removes the link between `id` and `other` (`NotFound` when there is none); returns
/// `id`'s relations.
pub async fn unlink(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    other: TicketId,
) -> Result<Relations, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let a = visible(p, actor, id).await?;
    let b = visible(p, actor, other).await?;
    let (first, _) = merge::link_pair(a.id, b.id)?;
    let (x, y) = if first == a.id { (&a, &b) } else { (&b, &a) };
    let now = crate::ports::to_micros(p.clock.now());
    p.store.unlink_tickets(x, y, actor.as_ref(), now).await?;
    p.live.publish(LiveEvent::for_ticket(&a));
    p.live.publish(LiveEvent::for_ticket(&b));
    let r = p.store.ticket_relations(id).await?;
    seen_relations(p, actor, r).await
}
