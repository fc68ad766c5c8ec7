//! Who is acting, and what they may do. Authorization lives here and in the services, so
//! UI, API, email and webhooks all obey the same rules.
//!
//! Invariant: every service entry point names the [`Permission`] it needs and calls
//! [`Actor::require`] before touching state.

use crate::error::DomainError;
use crate::ids::{AgentId, ContactId, RuleId, TicketId};
use serde::{Deserialize, Serialize};

/// An agent's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works tickets.
    Agent,
    /// Works tickets and manages the team's queues.
    Manager,
    /// Everything, including the organisation's setup.
    Admin,
}

impl Role {
    /// Managers and admins: they manage the team, rules and SLA, and get managers' alerts.
    pub fn is_manager(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(Role::Agent),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Something an actor may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See the team queue and any ticket with its internal notes.
    ViewQueue,
    /// Send a public reply.
    ReplyTicket,
    /// Add an internal note.
    AddNote,
    /// Change status, priority, group or tags.
    ChangeTicket,
    /// Assign a ticket to oneself.
    TakeTicket,
    /// Assign a ticket to anyone (hand-over).
    AssignTicket,
    /// Manage agents and groups.
    ManageTeam,
    /// Customer: see and answer one ticket (the one the token opens).
    CustomerReply,
    // ---- accounts ----
    /// Invite agents, change roles, (de)activate accounts (admins only).
    ManageUsers,
    /// Read the audit log of administrative changes (managers and admins).
    ViewAudit,
}

/// The one acting in a service call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// A signed-in agent.
    Agent {
        /// Their id.
        id: AgentId,
        /// Their role.
        role: Role,
    },
    /// A customer holding the portal token of one ticket.
    Customer {
        /// The contact.
        contact: ContactId,
        /// The only ticket they may see.
        ticket: TicketId,
    },
    /// The system itself (intake, jobs).
    System,
}

impl Actor {
    /// Allows the action or explains why not.
    pub fn require(&self, p: Permission) -> Result<(), DomainError> {
        let ok = match self {
            Actor::System => true,
            Actor::Agent { role, .. } => match p {
                Permission::ManageTeam => role.is_manager(),
                Permission::ManageUsers => *role == Role::Admin,
                Permission::ViewAudit => role.is_manager(),
                Permission::CustomerReply => false,
                _ => true,
            },
            Actor::Customer { .. } => matches!(p, Permission::CustomerReply),
        };
        if ok {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// Allows a customer action only on their own ticket.
    pub fn require_customer_of(&self, ticket: TicketId) -> Result<(), DomainError> {
        match self {
            Actor::Customer { ticket: t, .. } if *t == ticket => Ok(()),
            Actor::System => Ok(()),
            _ => Err(DomainError::Forbidden),
        }
    }

    /// The agent id, when an agent acts.
    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Actor::Agent { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// How history records this actor.
    pub fn as_ref(&self) -> ActorRef {
        match self {
            Actor::Agent { id, .. } => ActorRef::Agent(*id),
            Actor::Customer { contact, .. } => ActorRef::Contact(*contact),
            Actor::System => ActorRef::System,
        }
    }
}

/// The durable reference to who did something (history rows, message authors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ActorRef {
    /// An agent.
    Agent(AgentId),
    /// A customer contact.
    Contact(ContactId),
    /// The system.
    System,
    /// An automation rule (its effects in history read "rule 'VIP' set priority high").
    Rule(RuleId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_only_reply_to_their_ticket() {
        let c = Actor::Customer {
            contact: ContactId(1),
            ticket: TicketId(5),
        };
        assert!(c.require(Permission::CustomerReply).is_ok());
        assert!(c.require(Permission::ViewQueue).is_err());
        assert!(c.require_customer_of(TicketId(5)).is_ok());
        assert!(c.require_customer_of(TicketId(6)).is_err());
    }

    #[test]
    fn only_managers_manage_the_team() {
        let a = Actor::Agent {
            id: AgentId(1),
            role: Role::Agent,
        };
        let m = Actor::Agent {
            id: AgentId(2),
            role: Role::Manager,
        };
        assert!(a.require(Permission::ManageTeam).is_err());
        assert!(m.require(Permission::ManageTeam).is_ok());
        assert!(a.require(Permission::ReplyTicket).is_ok());
        assert!(a.require(Permission::CustomerReply).is_err());
    }
}
