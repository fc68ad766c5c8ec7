//! Search and saved views for agents (issue 6).
//!
//! [`search`] reads a query ([`crate::search::parse_query`]), looks up what it names (groups
//! by name, agents by address, customers by handle, a ticket by number), asks the store and
//! shapes the hits for the screen: the subject and a snippet of the matching message with
//! the matched words marked ([`crate::search::highlight`], [`crate::search::snippet`]).
//!
//! Invariants:
//! - only agents search (`ViewQueue`); a customer gets `Forbidden`. Agents see every ticket
//!   they may see in the queue (restricted groups' tickets only as members or managers, see
//!   [`crate::visibility`]; the named ticket too), internal notes included; nothing else ever
//!   asks the store to search notes;
//! - a query that does not parse is `Invalid` with the field of the filter (`q`,
//!   `q.status`, … ; see [`crate::search::parse_query`]); one that names a group or agent that
//!   does not exist is `Invalid` with `q.group` / `q.assignee` and code `not_found`; nothing
//!   is searched then; a customer address nobody has simply finds nothing;
//! - a named ticket (`#1042`, `LL-1042`) comes back as `exact` whether or not the rest of the
//!   query matches it;
//! - contacts are searched only for a query of words without filters;
//! - saved views: an agent sees their own and those shared with one of their groups, a
//!   manager also every shared one; only the owner or a manager (for shared views) changes or
//!   deletes one; a view the agent cannot see is `NotFound`, one they see but may not change
//!   `Forbidden`; a view's query must parse, its name is 1–[`MAX_VIEW_NAME_CHARS`]
//!   characters, and it is shared only with a group its owner belongs to (managers: any).

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::contact::Contact;
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, GroupId};
use crate::message::Visibility;
use crate::search::{
    AssigneeIs, AssigneeRef, Fragment, MAX_VIEW_NAME_CHARS, SavedView, SavedViewDraft, SavedViewId,
    SearchQuery, TicketSearch, highlight, parse_query, snippet,
};
use crate::team::Group;
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// Tickets shown when the caller asks for none in particular.
pub const DEFAULT_LIMIT: i64 = 25;
/// The most tickets one search returns.
pub const MAX_LIMIT: i64 = 200;
/// Contacts shown with a search.
pub const CONTACT_LIMIT: i64 = 8;
/// Characters of a snippet.
pub const SNIPPET_CHARS: usize = 180;

/// One ticket found, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketResult {
    /// The ticket.
    pub ticket: Ticket,
    /// The customer's name.
    pub contact_name: String,
    /// The subject with matched words marked.
    pub subject: Vec<Fragment>,
    /// Part of the matching message, matched words marked (empty with filters only).
    pub snippet: Vec<Fragment>,
    /// The matching message is an internal note.
    pub internal: bool,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The ticket the query named by number, if it exists.
    pub exact: Option<Ticket>,
    /// Tickets (see [`crate::ports::Store::search_tickets`] for the order).
    pub tickets: Vec<TicketResult>,
    /// More tickets match than were returned.
    pub more: bool,
    /// Contacts matching the words (none when the query has filters).
    pub contacts: Vec<Contact>,
}

fn invalid(field: &str, code: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(field, code);
    DomainError::Invalid(e)
}

/// Looks up the names a query uses; `None` when a customer it names does not exist (nothing
/// can match).
async fn resolve(
    p: &Ports,
    me: Option<AgentId>,
    q: &SearchQuery,
    limit: i64,
) -> Result<Option<TicketSearch>, DomainError> {
    let mut s = TicketSearch {
        text: q.text.clone(),
        statuses: q.statuses.clone(),
        priorities: q.priorities.clone(),
        channels: q.channels.clone(),
        tags: q.tags.clone(),
        include_internal: true,
        limit,
        ..TicketSearch::default()
    };
    if !q.groups.is_empty() {
        let all = p.store.groups().await?;
        for name in &q.groups {
            let g = all
                .iter()
                .find(|g| g.name.to_lowercase() == name.to_lowercase())
                .ok_or_else(|| invalid("q.group", "not_found"))?;
            s.groups.push(g.id);
        }
    }
    for a in &q.assignees {
        s.assignees.push(match a {
            AssigneeRef::Me => AssigneeIs::Agent(me.ok_or(DomainError::Forbidden)?),
            AssigneeRef::Nobody => AssigneeIs::Nobody,
            AssigneeRef::Email(e) => AssigneeIs::Agent(
                p.store
                    .agent_by_email(e)
                    .await?
                    .ok_or_else(|| invalid("q.assignee", "not_found"))?
                    .0
                    .id,
            ),
        });
    }
    for h in &q.from {
        s.contacts.extend(p.store.contacts_by_handle(h).await?);
    }
    if !q.from.is_empty() && s.contacts.is_empty() {
        return Ok(None);
    }
    Ok(Some(s))
}

/// Searches tickets (and contacts) for an agent; `limit` tickets at most (clamped to
/// 1–[`MAX_LIMIT`]).
pub async fn search(
    p: &Ports,
    actor: &Actor,
    input: &str,
    limit: i64,
) -> Result<SearchResults, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let q = parse_query(input, &p.prefix).map_err(DomainError::Invalid)?;
    let limit = limit.clamp(1, MAX_LIMIT);
    let sight = super::visibility::sight(p, actor).await?;
    let exact = match &q.number {
        Some(n) => p
            .store
            .ticket_by_number(&n.resolve(&p.prefix))
            .await?
            .filter(|t| sight.sees(t)),
        None => None,
    };
    let mut results = SearchResults {
        exact,
        tickets: Vec::new(),
        more: false,
        contacts: Vec::new(),
    };
    if q.text.is_empty() && !q.has_filters() {
        return Ok(results);
    }
    let Some(mut s) = resolve(p, actor.agent_id(), &q, limit + 1).await? else {
        return Ok(results);
    };
    s.hidden_groups = sight.hidden_groups().ok_or(DomainError::Forbidden)?;
    let mut hits = p.store.search_tickets(s).await?;
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    results.more = hits.len() > max;
    hits.truncate(max);
    results.tickets = hits
        .into_iter()
        .map(|h| TicketResult {
            subject: highlight(&h.ticket.subject, &q.text),
            snippet: h
                .message
                .as_ref()
                .map(|m| snippet(&m.body, &q.text, SNIPPET_CHARS))
                .unwrap_or_default(),
            internal: h
                .message
                .as_ref()
                .is_some_and(|m| m.visibility == Visibility::Internal),
            ticket: h.ticket,
            contact_name: h.contact_name,
        })
        .collect();
    if !q.text.is_empty() && !q.has_filters() {
        results.contacts = p
            .store
            .search_contacts(q.text.clone(), CONTACT_LIMIT)
            .await?;
    }
    Ok(results)
}

/// The agent acting, with whether they manage and their groups.
async fn who(p: &Ports, actor: &Actor) -> Result<(AgentId, bool, Vec<GroupId>), DomainError> {
    actor.require(Permission::ViewQueue)?;
    let Actor::Agent { id, role } = actor else {
        return Err(DomainError::Forbidden);
    };
    Ok((*id, role.is_manager(), p.store.agent_groups(*id).await?))
}

/// The saved views an agent sees, by name.
pub async fn list_views(p: &Ports, actor: &Actor) -> Result<Vec<SavedView>, DomainError> {
    let (me, manager, groups) = who(p, actor).await?;
    Ok(p.store
        .saved_views()
        .await?
        .into_iter()
        .filter(|v| v.visible_to(me, manager, &groups))
        .collect())
}

/// The groups an agent may share a view with: their own groups (managers: every group), by
/// name.
pub async fn sharable_groups(p: &Ports, actor: &Actor) -> Result<Vec<Group>, DomainError> {
    let (_, manager, groups) = who(p, actor).await?;
    Ok(p.store
        .groups()
        .await?
        .into_iter()
        .filter(|g| manager || groups.contains(&g.id))
        .collect())
}

/// A saved view the agent may change: `NotFound` when they cannot see it, `Forbidden` when
/// they see it but may not change it.
async fn editable(
    p: &Ports,
    id: SavedViewId,
    (me, manager, groups): (AgentId, bool, &[GroupId]),
) -> Result<SavedView, DomainError> {
    let v = p
        .store
        .saved_view(id)
        .await?
        .filter(|v| v.visible_to(me, manager, groups))
        .ok_or(DomainError::NotFound)?;
    if v.editable_by(me, manager) {
        Ok(v)
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Saves a new view (`id` none; the actor owns it) or changes one (name, query, sharing).
pub async fn save_view(
    p: &Ports,
    actor: &Actor,
    id: Option<SavedViewId>,
    name: &str,
    query: &str,
    share_with: Option<GroupId>,
) -> Result<SavedView, DomainError> {
    let (me, manager, groups) = who(p, actor).await?;
    let owner = match id {
        Some(id) => editable(p, id, (me, manager, &groups)).await?.owner,
        None => me,
    };
    let mut errs = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() {
        errs.push("name", "required");
    } else if name.chars().count() > MAX_VIEW_NAME_CHARS {
        errs.push("name", "too_long");
    }
    let query = query.trim();
    if let Err(e) = parse_query(query, &p.prefix) {
        errs.0.extend(e.0);
    }
    if let Some(g) = share_with {
        let exists = p.store.groups().await?.iter().any(|x| x.id == g);
        let owner_groups = if owner == me {
            groups.clone()
        } else {
            p.store.agent_groups(owner).await?
        };
        if !exists || !(manager || owner_groups.contains(&g)) {
            errs.push("group", "invalid");
        }
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let draft = SavedViewDraft {
        name: name.to_owned(),
        query: query.to_owned(),
        owner,
        group: share_with,
    };
    let now = crate::ports::to_micros(p.clock.now());
    Ok(p.store.save_view(id, draft, now).await?)
}

/// Deletes a view (its owner, or a manager for a shared one).
pub async fn delete_view(p: &Ports, actor: &Actor, id: SavedViewId) -> Result<(), DomainError> {
    let (me, manager, groups) = who(p, actor).await?;
    editable(p, id, (me, manager, &groups)).await?;
    Ok(p.store.delete_view(id).await?)
}

/// Indexes rows stored before the search index existed, `batch` per step, until none are
/// left; returns how many were indexed. Safe on several nodes at once (see
/// [`crate::ports::Store::index_backlog`]).
pub async fn index_backlog(p: &Ports, batch: i64) -> Result<u64, DomainError> {
    let mut total = 0;
    loop {
        let n = p.store.index_backlog(batch).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}
