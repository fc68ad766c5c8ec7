//! Who may see which ticket (issue 6, point 1b): a group can be marked **restricted**; its
//! tickets are then visible only to the group's members and to managers and admins.
//!
//! Invariants:
//! - [`Sight`] is the one decision "may this actor see this ticket". Every service path that
//!   reads or changes a ticket for someone ([`Sight::sees`]) and every store query that lists
//!   tickets ([`Sight::hidden_groups`], a `group_id NOT IN (…)` filter) use it, so the queue,
//!   search, the ticket page and every ticket action agree;
//! - a ticket the actor may not see is answered exactly as a ticket that does not exist
//!   (`NotFound`): nothing about it is revealed, not even that it exists;
//! - managers, admins and the system see every ticket; a customer sees only the ticket their
//!   portal token opens; an agent sees every ticket except those of restricted groups they
//!   are not a member of (a ticket without a group is never restricted);
//! - with no restricted group at all an agent's sight hides nothing, so the store's queries
//!   run unchanged;
//! - a ticket of a restricted group is assigned only to someone who sees it
//!   ([`Sight::sees_group`] of the assignee), so nobody owns a ticket they cannot open.

use crate::actor::{Actor, Role};
use crate::ids::{GroupId, TicketId};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What an actor may see, computed from the restricted groups and the actor's memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sight {
    /// Every ticket (managers, admins, the system).
    Everything,
    /// Every ticket except those of these groups (restricted groups the agent is not in;
    /// empty: every ticket).
    Except(BTreeSet<GroupId>),
    /// Only this ticket (a customer through their portal token).
    Only(TicketId),
}

impl Sight {
    /// The sight of `actor` when `restricted` are the restricted groups and `member_of` the
    /// groups the actor (an agent) belongs to.
    pub fn of(actor: &Actor, restricted: &[GroupId], member_of: &[GroupId]) -> Self {
        match actor {
            Actor::System => Sight::Everything,
            Actor::Customer { ticket, .. } => Sight::Only(*ticket),
            Actor::Agent { role, .. } => Self::of_agent(*role, restricted, member_of),
        }
    }

    /// The sight of an agent with `role` (see [`Sight::of`]).
    pub fn of_agent(role: Role, restricted: &[GroupId], member_of: &[GroupId]) -> Self {
        if role.is_manager() {
            return Sight::Everything;
        }
        Sight::Except(
            restricted
                .iter()
                .filter(|g| !member_of.contains(g))
                .copied()
                .collect(),
        )
    }

    /// Whether a ticket in `group` is visible (for a customer: never by group alone).
    pub fn sees_group(&self, group: Option<GroupId>) -> bool {
        match self {
            Sight::Everything => true,
            Sight::Except(hidden) => group.is_none_or(|g| !hidden.contains(&g)),
            Sight::Only(_) => false,
        }
    }

    /// Whether the ticket is visible.
    pub fn sees(&self, ticket: &Ticket) -> bool {
        match self {
            Sight::Only(id) => *id == ticket.id,
            _ => self.sees_group(ticket.group),
        }
    }

    /// The groups whose tickets a listing must leave out (`group_id NOT IN (…)`); empty when
    /// nothing is hidden. `None` for a customer, who never lists tickets.
    pub fn hidden_groups(&self) -> Option<Vec<GroupId>> {
        match self {
            Sight::Everything => Some(Vec::new()),
            Sight::Except(hidden) => Some(hidden.iter().copied().collect()),
            Sight::Only(_) => None,
        }
    }
}

/// Whether `agent` (with `role`, member of `member_of`) may own a ticket in `group`: only
/// someone who sees it.
pub fn may_own(
    role: Role,
    restricted: &[GroupId],
    member_of: &[GroupId],
    group: Option<GroupId>,
) -> bool {
    Sight::of_agent(role, restricted, member_of).sees_group(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, ContactId};
    use crate::ticket::tests::ticket;

    fn agent(role: Role) -> Actor {
        Actor::Agent {
            id: AgentId(1),
            role,
        }
    }

    #[test]
    fn restricted_groups_hide_their_tickets_from_agents_outside() {
        let vip = GroupId(7);
        let sales = GroupId(8);
        let mut t = ticket();
        t.group = Some(vip);
        let outside = Sight::of(&agent(Role::Agent), &[vip], &[sales]);
        assert!(!outside.sees(&t));
        assert_eq!(outside.hidden_groups(), Some(vec![vip]));
        let member = Sight::of(&agent(Role::Agent), &[vip], &[vip, sales]);
        assert!(member.sees(&t));
        assert_eq!(member.hidden_groups(), Some(vec![]));
        for role in [Role::Manager, Role::Admin] {
            let s = Sight::of(&agent(role), &[vip], &[]);
            assert!(s.sees(&t));
            assert_eq!(s.hidden_groups(), Some(vec![]));
        }
        assert!(Sight::of(&Actor::System, &[vip], &[]).sees(&t));
    }

    #[test]
    fn unrestricted_and_groupless_tickets_are_seen_by_every_agent() {
        let vip = GroupId(7);
        let outside = Sight::of(&agent(Role::Agent), &[vip], &[]);
        let mut t = ticket();
        t.group = None;
        assert!(outside.sees(&t));
        t.group = Some(GroupId(9));
        assert!(outside.sees(&t));
        let nothing_restricted = Sight::of(&agent(Role::Agent), &[], &[]);
        t.group = Some(vip);
        assert!(nothing_restricted.sees(&t));
        assert_eq!(nothing_restricted.hidden_groups(), Some(vec![]));
    }

    #[test]
    fn customers_see_only_their_own_ticket() {
        let t = ticket();
        let mine = Actor::Customer {
            contact: ContactId(1),
            ticket: t.id,
        };
        let other = Actor::Customer {
            contact: ContactId(2),
            ticket: TicketId(t.id.0 + 1),
        };
        assert!(Sight::of(&mine, &[], &[]).sees(&t));
        assert!(!Sight::of(&other, &[], &[]).sees(&t));
        assert_eq!(Sight::of(&mine, &[], &[]).hidden_groups(), None);
    }

    #[test]
    fn only_those_who_see_a_ticket_may_own_it() {
        let vip = GroupId(7);
        assert!(!may_own(Role::Agent, &[vip], &[], Some(vip)));
        assert!(may_own(Role::Agent, &[vip], &[vip], Some(vip)));
        assert!(may_own(Role::Manager, &[vip], &[], Some(vip)));
        assert!(may_own(Role::Agent, &[vip], &[], None));
    }
}
