//! Canned responses and macros in the running system (issue 6): listing and searching what
//! an agent may use, managing them, rendering one for a ticket, and applying a macro's
//! actions.
//!
//! Who sees and manages what:
//! - every agent sees the shared responses and their own personal ones; another agent's
//!   personal response does not exist for anyone else, managers included (`NotFound`);
//! - every agent creates, edits and deletes their own personal responses;
//! - shared responses are created, edited, deleted (and made personal or shared) only by
//!   managers and admins ([`crate::actor::Role::is_manager`]); other agents get `Forbidden`;
//! - a change that touches a shared response (creating, editing, deleting, sharing or
//!   unsharing one) writes its audit entry in the same store transaction ([`crate::audit`]);
//!   personal responses are not audited.
//!
//! Applying a macro: the composer inserts the rendered text ([`render_for_ticket`]) and the
//! reply goes out through the ordinary reply path; the actions are applied by
//! [`apply_macro`] as one ordinary field change ([`super::change_ticket`]) made from the
//! version the agent saw, so permissions, history rows, jobs (rules, SLA) and live hints are
//! exactly those of the same change made by hand, and a stale version is a `Conflict`.

use super::{Ports, TicketChange};
use crate::actor::{Actor, Permission, Role};
use crate::canned::{self, AssignTo, CannedDraft, CannedResponse, Context, MacroActions};
use crate::error::DomainError;
use crate::ids::{AgentId, CannedId, TicketId};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// The agent acting (only agents have canned responses).
fn agent_of(actor: &Actor) -> Result<(AgentId, Role), DomainError> {
    actor.require(Permission::ViewQueue)?;
    match actor {
        Actor::Agent { id, role } => Ok((*id, *role)),
        _ => Err(DomainError::Forbidden),
    }
}

/// The response `id` if `me` may see it (else `NotFound`, whether or not it exists).
async fn visible(p: &Ports, me: AgentId, id: CannedId) -> Result<CannedResponse, DomainError> {
    p.store
        .canned_response(id)
        .await?
        .filter(|c| c.visible_to(me))
        .ok_or(DomainError::NotFound)
}

/// The responses the agent may use that match `query` (empty: all), best first (see
/// [`canned::search`]).
pub async fn list(
    p: &Ports,
    actor: &Actor,
    query: &str,
) -> Result<Vec<CannedResponse>, DomainError> {
    let (me, _) = agent_of(actor)?;
    let all = p.store.canned_responses(Some(me)).await?;
    Ok(canned::search(&all, query).into_iter().cloned().collect())
}

/// One response the agent may see.
pub async fn get(p: &Ports, actor: &Actor, id: CannedId) -> Result<CannedResponse, DomainError> {
    let (me, _) = agent_of(actor)?;
    visible(p, me, id).await
}

/// Creates (`None`) or replaces a response; personal ones are the acting agent's. 422 with
/// field errors for a bad draft (see [`CannedDraft::validate`]; `actions.assign` for an
/// agent that does not exist), 403 for shared ones unless a manager acts, 404 for another
/// agent's personal one.
pub async fn save(
    p: &Ports,
    actor: &Actor,
    id: Option<CannedId>,
    mut draft: CannedDraft,
) -> Result<CannedResponse, DomainError> {
    let (me, role) = agent_of(actor)?;
    let before = match id {
        Some(id) => Some(visible(p, me, id).await?),
        None => None,
    };
    if before.as_ref().is_some_and(CannedResponse::is_shared) && !role.is_manager() {
        return Err(DomainError::Forbidden);
    }
    if draft.shared && !role.is_manager() {
        return Err(DomainError::Forbidden);
    }
    draft.normalize();
    let mut errs = draft.validate().err().unwrap_or_default();
    if let Some(AssignTo::Agent(a)) = draft.actions.assign {
        match super::accounts::require_assignable(p, a, "actions.assign").await {
            Ok(()) => {}
            Err(DomainError::Invalid(e)) => errs.0.extend(e.0),
            Err(e) => return Err(e),
        }
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let owner = (!draft.shared).then_some(me);
    let now = crate::ports::to_micros(p.clock.now());
    if !draft.shared && !before.as_ref().is_some_and(CannedResponse::is_shared) {
        return Ok(p.store.save_canned_response(id, owner, draft, now).await?);
    }
    let audit = crate::audit::entry(
        now,
        Some(me),
        crate::audit::Target::Canned,
        id.map(|i| i.0.to_string()).unwrap_or_default(),
        &draft.title,
        before
            .as_ref()
            .map(|b| crate::audit::canned_summary(&as_draft(b))),
        Some(crate::audit::canned_summary(&draft)),
    );
    Ok(p.store
        .save_canned_response_audited(id, owner, draft, now, audit)
        .await?)
}

/// A stored response as the draft it was saved from (for its audit summary).
fn as_draft(c: &CannedResponse) -> CannedDraft {
    CannedDraft {
        title: c.title.clone(),
        body: c.body.clone(),
        shortcut: c.shortcut.clone(),
        shared: c.is_shared(),
        actions: c.actions.clone(),
    }
}

/// Deletes a response (same permissions as [`save`]); a shared one is audited.
pub async fn delete(p: &Ports, actor: &Actor, id: CannedId) -> Result<(), DomainError> {
    let (me, role) = agent_of(actor)?;
    let before = visible(p, me, id).await?;
    if !before.is_shared() {
        return Ok(p.store.delete_canned_response(id).await?);
    }
    if !role.is_manager() {
        return Err(DomainError::Forbidden);
    }
    let audit = crate::audit::entry(
        crate::ports::to_micros(p.clock.now()),
        Some(me),
        crate::audit::Target::Canned,
        id.0.to_string(),
        &before.title,
        Some(crate::audit::canned_summary(&as_draft(&before))),
        None,
    );
    Ok(p.store.delete_canned_response_audited(id, audit).await?)
}

/// A response rendered for a reply on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// The response.
    pub canned: CannedResponse,
    /// Its text with the ticket's values filled in (empty for a macro without text).
    pub body: String,
}

/// Renders a response for the acting agent's reply on `ticket`: its customer, number and
/// subject, the agent and the ticket's group (`NotFound` for an unknown ticket or a response
/// the agent may not see).
pub async fn render_for_ticket(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
    id: CannedId,
) -> Result<Rendered, DomainError> {
    let (me, _) = agent_of(actor)?;
    actor.require(Permission::ReplyTicket)?;
    let canned = visible(p, me, id).await?;
    let t = super::visibility::ticket_for(p, actor, ticket).await?;
    let contact = p.store.contact(t.contact_id).await?;
    let agent = p.store.agent(me).await?;
    let group = match t.group {
        Some(g) => p.store.groups().await?.into_iter().find(|x| x.id == g),
        None => None,
    };
    let cx = Context::for_ticket(&t, contact.as_ref(), agent.as_ref(), group.as_ref());
    Ok(Rendered {
        body: canned::render(&canned.body, &cx),
        canned,
    })
}

/// The field change a macro's actions make when `me` applies them.
pub fn change_for(actions: &MacroActions, me: AgentId) -> TicketChange {
    TicketChange {
        status: actions.status,
        priority: actions.priority,
        assignee: actions.assign.map(|a| match a {
            AssignTo::Me => Some(me),
            AssignTo::Agent(x) => Some(x),
            AssignTo::Nobody => None,
        }),
        group: None,
        add_tags: actions.add_tags.clone(),
        remove_tags: actions.remove_tags.clone(),
    }
}

/// Applies a macro's actions to `ticket` as one change made from `version` (see the module
/// doc). A macro without actions changes nothing. An action the ticket refuses (say, a
/// status move the state machine forbids) refuses the whole change.
pub async fn apply_macro(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
    id: CannedId,
    version: i64,
) -> Result<Ticket, DomainError> {
    let (me, _) = agent_of(actor)?;
    let canned = visible(p, me, id).await?;
    let change = change_for(&canned.actions, me);
    super::change_ticket(p, actor, ticket, version, &change).await
}
