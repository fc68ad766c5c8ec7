//! Collision detection (issue 6): an agent's open ticket page reports that it views the
//! ticket, types on it or left it, and reads who else is there.
//!
//! Invariants:
//! - Only agents report and read viewers ([`Permission::ViewQueue`] and an agent's own id
//!   from the session, never from the browser): customers and the system are `Forbidden`.
//! - A [`LiveEvent::ViewersChanged`] hint goes out only after the store call returned `Ok`,
//!   and only when the report changed what others see ([`viewers::shows_differently`]): an
//!   arrival, a departure, typing starting, stopping or switching composers — never a plain
//!   heartbeat or another keystroke. Hints travel between nodes over the live bus; the state
//!   itself is in the shared store, so every node answers the same.
//! - The viewers listed never include the asking agent, and only those that count at the
//!   clock's now ([`viewers::current`]).
//! - A ticket the agent may not see ([`crate::visibility`]) is `NotFound` for reports and
//!   reads, and left out of [`viewed_tickets`].

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::error::DomainError;
use crate::ids::{AgentId, TicketId};
use crate::live::LiveEvent;
use crate::ports::to_micros;
use crate::viewers::{self, Activity, ViewerReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most tickets asked about in one [`viewed_tickets`] call (a queue page).
pub const MAX_VIEWED_TICKETS: usize = 500;

/// Someone else on a ticket, as the ticket page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketViewer {
    /// The agent.
    pub agent: AgentId,
    /// Their display name.
    pub name: String,
    /// Viewing, or typing into which composer.
    pub activity: Activity,
}

fn me(actor: &Actor) -> Result<AgentId, DomainError> {
    actor.require(Permission::ViewQueue)?;
    actor.agent_id().ok_or(DomainError::Forbidden)
}

/// Records what the acting agent's page reports about `ticket`, tells the ticket's other
/// pages when that changes what they show, and returns who else is on it (empty after
/// [`ViewerReport::Left`]). `NotFound` for no such ticket.
pub async fn report_viewing(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
    report: ViewerReport,
) -> Result<Vec<TicketViewer>, DomainError> {
    let agent = me(actor)?;
    super::visibility::ticket_for(p, actor, ticket).await?;
    let now = to_micros(p.clock.now());
    let change = p.store.report_viewer(ticket, agent, report, now).await?;
    if viewers::shows_differently(&change, now) {
        p.live
            .publish(LiveEvent::ViewersChanged { ticket_id: ticket });
    }
    if report == ViewerReport::Left {
        return Ok(Vec::new());
    }
    others(p, agent, ticket).await
}

/// Who else views or types on `ticket` now. `NotFound` for no such ticket.
pub async fn ticket_viewers(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
) -> Result<Vec<TicketViewer>, DomainError> {
    let agent = me(actor)?;
    super::visibility::ticket_for(p, actor, ticket).await?;
    others(p, agent, ticket).await
}

async fn others(
    p: &Ports,
    agent: AgentId,
    ticket: TicketId,
) -> Result<Vec<TicketViewer>, DomainError> {
    let now = p.clock.now();
    let records = p.store.ticket_viewers(ticket).await?;
    let mut names = Names::default();
    let mut out = Vec::new();
    for v in viewers::current(&records, now, agent) {
        out.push(TicketViewer {
            agent: v.agent,
            name: names.of(p, v.agent).await?,
            activity: v.activity,
        });
    }
    Ok(out)
}

/// Agents' names, each read once per call.
#[derive(Default)]
struct Names(BTreeMap<AgentId, String>);

impl Names {
    async fn of(&mut self, p: &Ports, agent: AgentId) -> Result<String, DomainError> {
        if let Some(n) = self.0.get(&agent) {
            return Ok(n.clone());
        }
        // An agent deleted meanwhile takes their rows with them; `#id` covers the race.
        let name = p
            .store
            .agent(agent)
            .await?
            .map_or_else(|| format!("#{agent}"), |a| a.name);
        self.0.insert(agent, name.clone());
        Ok(name)
    }
}

/// Which of `tickets` someone other than the acting agent has open now (queue rows), with
/// who (by agent id); tickets nobody else views are absent. At most [`MAX_VIEWED_TICKETS`]
/// tickets are looked at.
pub async fn viewed_tickets(
    p: &Ports,
    actor: &Actor,
    mut tickets: Vec<TicketId>,
) -> Result<BTreeMap<TicketId, Vec<TicketViewer>>, DomainError> {
    let agent = me(actor)?;
    tickets.truncate(MAX_VIEWED_TICKETS);
    let now = p.clock.now();
    let mut names = Names::default();
    let mut out: BTreeMap<TicketId, Vec<TicketViewer>> = BTreeMap::new();
    for (ticket, record) in p.store.viewers_of(tickets).await? {
        if record.agent == agent {
            continue;
        }
        if let Some(activity) = record.activity(now) {
            out.entry(ticket).or_default().push(TicketViewer {
                agent: record.agent,
                name: names.of(p, record.agent).await?,
                activity,
            });
        }
    }
    // Tickets the agent may not see (a restricted group) are left out; only rows someone
    // views are looked at, and only when something is hidden.
    let sight = super::visibility::sight(p, actor).await?;
    if sight.hidden_groups().is_none_or(|h| !h.is_empty()) {
        let mut seen = BTreeMap::new();
        for (id, list) in out {
            if let Some(t) = p.store.ticket(id).await?
                && sight.sees(&t)
            {
                seen.insert(id, list);
            }
        }
        return Ok(seen);
    }
    Ok(out)
}
