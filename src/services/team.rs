//! Presence, notifications, routing settings and contact profiles (issue 4).
//!
//! Invariants:
//! - Every entry point authorizes with [`Actor::require`]: agents set their own presence,
//!   read and mark their own notifications and edit contact profiles
//!   ([`Permission::ViewQueue`] / [`Permission::ChangeTicket`]); the team board, group routing
//!   and agent profiles are for managers ([`Permission::ManageTeam`]).
//! - Input is validated completely before anything is stored, so a refused save (422 with
//!   field codes) leaves no partial state.
//! - Presence shown to anyone is the effective one ([`AgentStatus::effective`] as of the
//!   clock's now): an online agent idle for [`crate::team::AWAY_AFTER_IDLE_MINUTES`] is away.
//! - Live hints go out only after the store call returned `Ok`.
//! - Group routing and agent profile saves write their audit entry (before/after) in the
//!   same store transaction (see [`crate::account`]).

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::contact::ContactProfile;
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, ContactId, GroupId, Lang, NotificationId, TicketId, TicketNumber};
use crate::live::LiveEvent;
use crate::notification::Notification;
use crate::ports::to_micros;
use crate::team::{Agent, AgentStatus, Group, GroupRouting, Presence};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Longest organisation or region name of a contact profile (characters).
pub const MAX_PROFILE_CHARS: usize = 100;
/// Most open tickets a capacity may name (0 means no limit).
pub const MAX_CAPACITY: i32 = 1000;
/// Most skills an agent may have.
pub const MAX_SKILLS: usize = 30;
/// Longest skill (characters).
pub const MAX_SKILL_CHARS: usize = 40;
/// Most notifications listed under the bell.
pub const MAX_NOTIFICATIONS: i64 = 100;

fn me(actor: &Actor) -> Result<AgentId, DomainError> {
    actor.agent_id().ok_or(DomainError::Forbidden)
}

// ---- presence ----

/// An agent's own presence: as set, and as others see it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPresence {
    /// As the agent set it.
    pub set: Presence,
    /// As of now (away when online but idle).
    pub effective: Presence,
}

/// Sets the acting agent's presence (counts as activity) and tells team boards.
pub async fn set_my_presence(
    p: &Ports,
    actor: &Actor,
    presence: Presence,
) -> Result<MyPresence, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let agent = me(actor)?;
    let now = to_micros(p.clock.now());
    p.store.set_presence(agent, presence, now).await?;
    p.live.publish(LiveEvent::PresenceChanged { agent });
    Ok(MyPresence {
        set: presence,
        effective: presence,
    })
}

/// The acting agent's presence.
pub async fn my_presence(p: &Ports, actor: &Actor) -> Result<MyPresence, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let agent = me(actor)?;
    let now = p.clock.now();
    let status = status_of(p, agent).await?;
    Ok(MyPresence {
        set: status.presence,
        effective: status.effective(now),
    })
}

async fn status_of(p: &Ports, agent: AgentId) -> Result<AgentStatus, DomainError> {
    p.store
        .agent_statuses()
        .await?
        .into_iter()
        .find(|s| s.agent == agent)
        .ok_or(DomainError::NotFound)
}

/// Records activity of `agent` (live socket heartbeat, the page's activity ping): an online
/// agent stays online while active. Called by adapters that already authenticated the agent.
pub async fn touch(p: &Ports, agent: AgentId) -> Result<(), DomainError> {
    let now = to_micros(p.clock.now());
    Ok(p.store.touch_agent(agent, now).await?)
}

/// The acting agent is active (the page's periodic ping while the user types or moves).
pub async fn touch_me(p: &Ports, actor: &Actor) -> Result<(), DomainError> {
    actor.require(Permission::ViewQueue)?;
    touch(p, me(actor)?).await
}

/// One row of the team board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// The agent.
    pub agent: Agent,
    /// Presence as set, last seen, capacity, languages, skills.
    pub status: AgentStatus,
    /// Presence as of now.
    pub effective: Presence,
    /// Open (new/open/pending) tickets assigned now.
    pub open_tickets: i64,
}

/// Every agent with presence (effective as of now), open tickets and routing profile, by
/// name; for managers.
pub async fn team_board(p: &Ports, actor: &Actor) -> Result<Vec<TeamMember>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let now = p.clock.now();
    let agents = p.store.agents().await?;
    let mut statuses: BTreeMap<AgentId, AgentStatus> = p
        .store
        .agent_statuses()
        .await?
        .into_iter()
        .map(|s| (s.agent, s))
        .collect();
    // One aggregate over the working set counts everyone's tickets (any group).
    let open = super::board::assigned_counts(&p.store.board_load().await?);
    let mut out = Vec::with_capacity(agents.len());
    for agent in agents {
        let open_tickets = open.get(&agent.id).copied().unwrap_or(0);
        let status = statuses
            .remove(&agent.id)
            .unwrap_or_else(|| default_status(agent.id));
        out.push(TeamMember {
            effective: status.effective(now),
            agent,
            status,
            open_tickets,
        });
    }
    Ok(out)
}

fn default_status(agent: AgentId) -> AgentStatus {
    AgentStatus {
        agent,
        presence: Presence::Offline,
        last_seen_at: None,
        capacity: crate::team::DEFAULT_CAPACITY,
        languages: BTreeSet::new(),
        skills: BTreeSet::new(),
    }
}

// ---- notifications ----

/// One notification under the bell, with the number of the ticket it is about (for its link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// The notification.
    pub notification: Notification,
    /// The number of its ticket (`None`: about no ticket, or the ticket is gone).
    pub ticket_number: Option<TicketNumber>,
}

/// The bell: the newest notifications and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Newest first.
    pub items: Vec<InboxItem>,
    /// Unread, of all (not only the listed ones).
    pub unread: i64,
}

/// The acting agent's newest notifications (at most `limit`, capped at
/// [`MAX_NOTIFICATIONS`]) and unread count.
pub async fn my_notifications(p: &Ports, actor: &Actor, limit: i64) -> Result<Inbox, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let agent = me(actor)?;
    let limit = limit.clamp(1, MAX_NOTIFICATIONS);
    let list = p.store.notifications(agent, limit).await?;
    let unread = p.store.unread_notifications(agent).await?;
    let mut numbers: BTreeMap<TicketId, Option<TicketNumber>> = BTreeMap::new();
    let mut items = Vec::with_capacity(list.len());
    for n in list {
        let ticket_number = match n.ticket {
            Some(id) => match numbers.get(&id) {
                Some(num) => num.clone(),
                None => {
                    let num = p.store.ticket(id).await?.map(|t| t.number);
                    numbers.insert(id, num.clone());
                    num
                }
            },
            None => None,
        };
        items.push(InboxItem {
            notification: n,
            ticket_number,
        });
    }
    Ok(Inbox { items, unread })
}

/// Marks the acting agent's notifications up to and including `up_to` read (only their own).
pub async fn mark_read(p: &Ports, actor: &Actor, up_to: NotificationId) -> Result<(), DomainError> {
    actor.require(Permission::ViewQueue)?;
    let agent = me(actor)?;
    let now = to_micros(p.clock.now());
    p.store.mark_notifications_read(agent, up_to, now).await?;
    // The agent's other tabs update their bell.
    p.live.publish(LiveEvent::Notification { agent });
    Ok(())
}

// ---- group routing ----

/// Every group with its assignment settings, by name; for managers.
pub async fn group_routings(
    p: &Ports,
    actor: &Actor,
) -> Result<Vec<(Group, GroupRouting)>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let mut out = Vec::new();
    for g in p.store.groups().await? {
        let r = p.store.group_routing(g.id).await?;
        out.push((g, r));
    }
    Ok(out)
}

/// One group's assignment settings; for managers.
pub async fn group_routing(
    p: &Ports,
    actor: &Actor,
    group: GroupId,
) -> Result<GroupRouting, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.group_routing(group).await?)
}

/// Saves a group's assignment settings; for managers. An unknown group is `NotFound`.
pub async fn save_group_routing(
    p: &Ports,
    actor: &Actor,
    routing: GroupRouting,
) -> Result<GroupRouting, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let before = p.store.group_routing(routing.group).await?;
    let audit = crate::account::NewAuditEntry {
        at: to_micros(p.clock.now()),
        actor: actor.agent_id(),
        action: crate::account::AuditAction::GroupRoutingChanged,
        target_kind: "group".to_owned(),
        target_id: routing.group.0.to_string(),
        details: serde_json::json!({ "before": before, "after": routing }),
    };
    p.store
        .save_group_routing_audited(routing.clone(), audit)
        .await?;
    Ok(routing)
}

// ---- agent profiles ----

/// An agent's routing profile as a manager edits it (before validation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfileInput {
    /// The agent.
    pub agent: AgentId,
    /// Most open tickets at once; 0 means no limit.
    pub capacity: i32,
    /// Languages the agent answers in.
    pub languages: BTreeSet<Lang>,
    /// Skills as typed: comma separated.
    pub skills: String,
}

/// Parses comma-separated skills: trimmed, lowercase, empty pieces dropped, duplicates merged.
/// Errors are field codes: `too_long` for a skill over [`MAX_SKILL_CHARS`] or more than
/// [`MAX_SKILLS`] skills.
pub fn parse_skills(raw: &str) -> Result<BTreeSet<String>, &'static str> {
    let mut out = BTreeSet::new();
    for piece in raw.split(',') {
        let s = piece.trim().to_lowercase();
        if s.is_empty() {
            continue;
        }
        if s.chars().count() > MAX_SKILL_CHARS {
            return Err("too_long");
        }
        out.insert(s);
    }
    if out.len() > MAX_SKILLS {
        return Err("too_long");
    }
    Ok(out)
}

/// Saves an agent's capacity, languages and skills (presence is the agent's own); for
/// managers. Field codes: `capacity` `invalid` (below 0 or over [`MAX_CAPACITY`]), `skills`
/// `too_long`; an unknown agent is `NotFound`. Returns the stored status.
pub async fn save_agent_profile(
    p: &Ports,
    actor: &Actor,
    input: AgentProfileInput,
) -> Result<AgentStatus, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let mut errs = FieldErrors::default();
    if !(0..=MAX_CAPACITY).contains(&input.capacity) {
        errs.push("capacity", "invalid");
    }
    let skills = match parse_skills(&input.skills) {
        Ok(s) => s,
        Err(code) => {
            errs.push("skills", code);
            BTreeSet::new()
        }
    };
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    p.store
        .agent(input.agent)
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut status = p
        .store
        .agent_statuses()
        .await?
        .into_iter()
        .find(|s| s.agent == input.agent)
        .unwrap_or_else(|| default_status(input.agent));
    let profile = |s: &AgentStatus| serde_json::json!({ "capacity": s.capacity, "languages": s.languages, "skills": s.skills });
    let before = profile(&status);
    status.capacity = input.capacity;
    status.languages = input.languages;
    status.skills = skills;
    let audit = crate::account::NewAuditEntry::agent(
        to_micros(p.clock.now()),
        actor.agent_id(),
        crate::account::AuditAction::AgentProfileChanged,
        input.agent,
        before,
        profile(&status),
    );
    p.store
        .save_agent_profile_audited(status.clone(), audit)
        .await?;
    Ok(status)
}

// ---- contact profiles ----

/// A contact profile as an agent types it (before trimming and validation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProfileInput {
    /// Organisation as typed.
    pub organisation: String,
    /// VIP.
    pub vip: bool,
    /// Region as typed.
    pub region: String,
}

/// Validates a typed profile: names trimmed, empty → unknown, at most [`MAX_PROFILE_CHARS`]
/// characters each (`too_long` on `organisation` / `region` otherwise).
pub fn check_contact_profile(input: &ContactProfileInput) -> Result<ContactProfile, FieldErrors> {
    let mut errs = FieldErrors::default();
    let mut name = |field: &str, raw: &str| {
        let v = raw.trim();
        if v.chars().count() > MAX_PROFILE_CHARS {
            errs.push(field, "too_long");
            None
        } else if v.is_empty() {
            None
        } else {
            Some(v.to_owned())
        }
    };
    let organisation = name("organisation", &input.organisation);
    let region = name("region", &input.region);
    if errs.is_empty() {
        Ok(ContactProfile {
            organisation,
            vip: input.vip,
            region,
        })
    } else {
        Err(errs)
    }
}

/// A contact's profile, for an agent.
pub async fn contact_profile(
    p: &Ports,
    actor: &Actor,
    contact: ContactId,
) -> Result<ContactProfile, DomainError> {
    actor.require(Permission::ViewQueue)?;
    Ok(p.store.contact_profile(contact).await?)
}

/// Saves a contact's profile typed by an agent (see [`check_contact_profile`]); returns what
/// was stored.
pub async fn set_contact_profile(
    p: &Ports,
    actor: &Actor,
    contact: ContactId,
    input: &ContactProfileInput,
) -> Result<ContactProfile, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let profile = check_contact_profile(input).map_err(DomainError::Invalid)?;
    p.store
        .set_contact_profile(contact, profile.clone())
        .await?;
    Ok(profile)
}

async fn contact_of(p: &Ports, ticket: TicketId) -> Result<crate::ticket::Ticket, DomainError> {
    p.store.ticket(ticket).await?.ok_or(DomainError::NotFound)
}

/// The profile of a ticket's customer, for an agent (the ticket page's side panel).
pub async fn ticket_contact_profile(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
) -> Result<ContactProfile, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let t = contact_of(p, ticket).await?;
    contact_profile(p, actor, t.contact_id).await
}

/// Saves the profile of a ticket's customer and tells the ticket's viewers (rules and the
/// side panel read it).
pub async fn set_ticket_contact_profile(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
    input: &ContactProfileInput,
) -> Result<ContactProfile, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let t = contact_of(p, ticket).await?;
    let saved = set_contact_profile(p, actor, t.contact_id, input).await?;
    p.live.publish(LiveEvent::for_ticket(&t));
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_trimmed_lowercased_and_deduplicated() {
        let s = parse_skills(" Billing, API ,,billing , ").unwrap();
        assert_eq!(
            s.into_iter().collect::<Vec<_>>(),
            vec!["api".to_owned(), "billing".to_owned()]
        );
        assert!(parse_skills("").unwrap().is_empty());
        assert_eq!(
            parse_skills(&"x".repeat(MAX_SKILL_CHARS + 1)),
            Err("too_long")
        );
        let many = (0..=MAX_SKILLS)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_skills(&many), Err("too_long"));
    }

    #[test]
    fn contact_profiles_are_trimmed_and_bounded() {
        let ok = check_contact_profile(&ContactProfileInput {
            organisation: "  ООО Ромашка ".into(),
            vip: true,
            region: "   ".into(),
        })
        .unwrap();
        assert_eq!(ok.organisation.as_deref(), Some("ООО Ромашка"));
        assert_eq!(ok.region, None);
        assert!(ok.vip);
        // 100 Cyrillic characters are fine (characters, not bytes).
        let exact = "ж".repeat(MAX_PROFILE_CHARS);
        let ok = check_contact_profile(&ContactProfileInput {
            organisation: exact.clone(),
            vip: false,
            region: "EU".into(),
        })
        .unwrap();
        assert_eq!(ok.organisation, Some(exact));
        let errs = check_contact_profile(&ContactProfileInput {
            organisation: "x".repeat(MAX_PROFILE_CHARS + 1),
            vip: false,
            region: "y".repeat(MAX_PROFILE_CHARS + 1),
        })
        .unwrap_err();
        let fields: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![("organisation", "too_long"), ("region", "too_long")]
        );
    }
}
