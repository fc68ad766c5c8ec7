//! The manager dashboard (issue 6, `/manage`): the team's load as it is now — per agent
//! presence, tickets waiting for them and for their customers, and how long the most
//! neglected one has gone untouched; per group the queue and what nobody owns; the oldest
//! unassigned tickets; the tickets whose SLA is breached or due within
//! [`AT_RISK_WITHIN_MINUTES`]. Reassigning from the dashboard is the ordinary ticket change
//! ([`super::change_ticket`] from the row's version), so history, rules, SLA and live hints
//! behave exactly as on the ticket page.
//!
//! Invariants:
//! - For managers and admins only ([`Permission::ManageTeam`]); other agents get `Forbidden`.
//! - Every figure comes from the store's aggregate queries ([`Store::board_load`] once, then
//!   a bounded list per section via [`Store::board_tickets`]); the number of store calls
//!   never depends on the number of agents, groups or tickets, and no ticket is loaded to be
//!   counted.
//! - "Waiting": a ticket in `new` or `open` waits for the team (`pending` waits for the
//!   customer). Tickets do not record when the customer last wrote, so an agent's or group's
//!   `waiting_since` is the earliest *last change* (`updated_at`: a message, note or any
//!   field change) among its new and open tickets — how long the most neglected one has gone
//!   without anything happening. It never overstates a wait (any activity resets it).
//! - Presence shown is the effective one as of the clock's now (idle online agents are away).
//!
//! [`Store::board_load`]: crate::ports::Store::board_load
//! [`Store::board_tickets`]: crate::ports::Store::board_tickets

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::error::DomainError;
use crate::ids::{AgentId, GroupId};
use crate::ports::{BoardList, LoadCell, QueueRow};
use crate::team::{Agent, AgentStatus, DEFAULT_CAPACITY, Group, Presence};
use crate::ticket::Status;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Deadlines within this many minutes count as "at risk" (besides breaches), as in the
/// agents' "SLA at risk" view.
pub const AT_RISK_WITHIN_MINUTES: i64 = 60;
/// Rows per dashboard list.
pub const LIST_LIMIT: i64 = 20;

/// One agent's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLoad {
    /// The agent.
    pub agent: Agent,
    /// Presence as of now.
    pub presence: Presence,
    /// Most working-set tickets at once (0: no limit).
    pub capacity: i32,
    /// Assigned tickets waiting for the team (status new or open).
    pub open: i64,
    /// Assigned tickets waiting for the customer (status pending).
    pub pending: i64,
    /// The earliest last change among their new and open tickets (`None`: none).
    pub waiting_since: Option<DateTime<Utc>>,
}

/// One group's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLoad {
    /// The group (`None`: tickets in no group).
    pub group: Option<Group>,
    /// Working-set tickets (new, open, pending).
    pub queue: i64,
    /// Of those, nobody owns.
    pub unassigned: i64,
    /// The earliest last change among its new and open tickets (`None`: none).
    pub waiting_since: Option<DateTime<Utc>>,
}

/// The whole working set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// New, open and pending tickets.
    pub working: i64,
    /// New and open (waiting for the team).
    pub open: i64,
    /// Pending (waiting for the customer).
    pub pending: i64,
    /// Nobody owns.
    pub unassigned: i64,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The time the figures are as of.
    pub now: DateTime<Utc>,
    /// Every agent, by name.
    pub agents: Vec<AgentLoad>,
    /// Every group by name, then tickets in no group (listed when there are any).
    pub groups: Vec<GroupLoad>,
    /// The working set.
    pub totals: Totals,
    /// The oldest unassigned tickets (at most [`LIST_LIMIT`]).
    pub unassigned: Vec<QueueRow>,
    /// Breached first (oldest ticket first), then the nearest deadlines before
    /// `at_risk_until` (at most [`LIST_LIMIT`]).
    pub at_risk: Vec<QueueRow>,
    /// More breached or due tickets exist than listed.
    pub more_at_risk: bool,
    /// Deadlines before this are listed as at risk.
    pub at_risk_until: DateTime<Utc>,
    /// Agents whose account is not active (listed with their load, never offered as
    /// assignees).
    pub inactive: Vec<AgentId>,
}

fn is_waiting(s: Status) -> bool {
    matches!(s, Status::New | Status::Open)
}

fn earliest(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Working-set tickets assigned per agent (any status of the working set, any group).
pub fn assigned_counts(cells: &[LoadCell]) -> BTreeMap<AgentId, i64> {
    let mut out = BTreeMap::new();
    for c in cells {
        if let Some(a) = c.assignee {
            *out.entry(a).or_insert(0) += c.tickets;
        }
    }
    out
}

/// Folds the working set's cells into per-agent and per-group figures and totals (pure):
/// agents in the order given (with their statuses' effective presence at `now`; agents
/// without a stored status are offline with the default capacity), the groups in the order
/// given, then a `None` group for tickets in no group when there are any. Cells of a group
/// not in `groups` count in the totals only.
pub fn summarize(
    cells: &[LoadCell],
    agents: Vec<Agent>,
    statuses: Vec<AgentStatus>,
    groups: Vec<Group>,
    now: DateTime<Utc>,
) -> (Vec<AgentLoad>, Vec<GroupLoad>, Totals) {
    let mut totals = Totals::default();
    let mut per_agent: BTreeMap<AgentId, (i64, i64, Option<DateTime<Utc>>)> = BTreeMap::new();
    let mut per_group: BTreeMap<Option<GroupId>, GroupLoad> = BTreeMap::new();
    for c in cells {
        let waiting = is_waiting(c.status);
        totals.working += c.tickets;
        if waiting {
            totals.open += c.tickets;
        } else {
            totals.pending += c.tickets;
        }
        let g = per_group.entry(c.group).or_insert(GroupLoad {
            group: None,
            queue: 0,
            unassigned: 0,
            waiting_since: None,
        });
        g.queue += c.tickets;
        if waiting {
            g.waiting_since = earliest(g.waiting_since, c.oldest_change);
        }
        match c.assignee {
            None => {
                totals.unassigned += c.tickets;
                g.unassigned += c.tickets;
            }
            Some(a) => {
                let e = per_agent.entry(a).or_insert((0, 0, None));
                if waiting {
                    e.0 += c.tickets;
                    e.2 = earliest(e.2, c.oldest_change);
                } else {
                    e.1 += c.tickets;
                }
            }
        }
    }
    let mut statuses: BTreeMap<AgentId, AgentStatus> =
        statuses.into_iter().map(|s| (s.agent, s)).collect();
    let agents = agents
        .into_iter()
        .map(|agent| {
            let (open, pending, waiting_since) =
                per_agent.get(&agent.id).copied().unwrap_or((0, 0, None));
            let (presence, capacity) = match statuses.remove(&agent.id) {
                Some(s) => (s.effective(now), s.capacity),
                None => (Presence::Offline, DEFAULT_CAPACITY),
            };
            AgentLoad {
                agent,
                presence,
                capacity,
                open,
                pending,
                waiting_since,
            }
        })
        .collect();
    let mut out_groups: Vec<GroupLoad> = groups
        .into_iter()
        .map(|g| {
            let load = per_group.remove(&Some(g.id));
            GroupLoad {
                queue: load.as_ref().map_or(0, |l| l.queue),
                unassigned: load.as_ref().map_or(0, |l| l.unassigned),
                waiting_since: load.and_then(|l| l.waiting_since),
                group: Some(g),
            }
        })
        .collect();
    if let Some(none) = per_group.remove(&None) {
        out_groups.push(none);
    }
    (agents, out_groups, totals)
}

/// The dashboard as of the clock's now; for managers and admins.
pub async fn dashboard(p: &Ports, actor: &Actor) -> Result<Dashboard, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let now = p.clock.now();
    let at_risk_until = now + Duration::minutes(AT_RISK_WITHIN_MINUTES);
    let cells = p.store.board_load().await?;
    let (agents, groups, totals) = summarize(
        &cells,
        p.store.agents().await?,
        p.store.agent_statuses().await?,
        p.store.groups().await?,
        now,
    );
    let unassigned = p
        .store
        .board_tickets(BoardList::Unassigned, LIST_LIMIT)
        .await?;
    // One row more than shown tells whether there are more.
    let mut at_risk = p
        .store
        .board_tickets(BoardList::Breached, LIST_LIMIT + 1)
        .await?;
    let room = LIST_LIMIT + 1 - i64::try_from(at_risk.len()).unwrap_or(LIST_LIMIT + 1);
    if room > 0 {
        let due = BoardList::DueBefore {
            until: at_risk_until,
        };
        at_risk.extend(p.store.board_tickets(due, room).await?);
    }
    let shown = usize::try_from(LIST_LIMIT).unwrap_or(usize::MAX);
    let more_at_risk = at_risk.len() > shown;
    at_risk.truncate(shown);
    Ok(Dashboard {
        now,
        agents,
        groups,
        totals,
        unassigned,
        at_risk,
        more_at_risk,
        at_risk_until,
        inactive: p.store.inactive_agents().await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::ids::{EmailAddress, Lang};
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
            .single()
            .unwrap()
            + Duration::minutes(min)
    }

    fn agent(id: i64, name: &str) -> Agent {
        Agent {
            id: AgentId(id),
            email: EmailAddress::parse(&format!("a{id}@team.test")).unwrap(),
            name: name.into(),
            role: Role::Agent,
            lang: Lang::Ru,
        }
    }

    fn cell(
        status: Status,
        group: Option<i64>,
        assignee: Option<i64>,
        n: i64,
        at: i64,
    ) -> LoadCell {
        LoadCell {
            status,
            group: group.map(GroupId),
            assignee: assignee.map(AgentId),
            tickets: n,
            oldest_change: t(at),
        }
    }

    #[test]
    fn cells_fold_into_agents_groups_and_totals() {
        let cells = vec![
            cell(Status::New, None, None, 2, 5),
            cell(Status::New, Some(1), None, 3, 1),
            cell(Status::Open, Some(1), Some(7), 4, 10),
            cell(Status::Open, Some(2), Some(7), 1, 3),
            cell(Status::Pending, Some(1), Some(7), 5, -100),
            cell(Status::Pending, Some(2), Some(8), 1, 0),
        ];
        let agents = vec![agent(8, "Ann"), agent(7, "Bob"), agent(9, "Eve")];
        let statuses = vec![AgentStatus {
            agent: AgentId(7),
            presence: Presence::Online,
            last_seen_at: Some(t(55)),
            capacity: 5,
            languages: BTreeSet::new(),
            skills: BTreeSet::new(),
        }];
        let groups = vec![
            Group {
                id: GroupId(2),
                name: "Billing".into(),
            },
            Group {
                id: GroupId(1),
                name: "Support".into(),
            },
            Group {
                id: GroupId(3),
                name: "Quiet".into(),
            },
        ];
        let (a, g, totals) = summarize(&cells, agents, statuses, groups, t(60));
        let rows: Vec<_> = a
            .iter()
            .map(|x| {
                (
                    x.agent.name.as_str(),
                    x.presence,
                    x.capacity,
                    x.open,
                    x.pending,
                    x.waiting_since,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Ann", Presence::Offline, DEFAULT_CAPACITY, 0, 1, None),
                // Pending tickets never make an agent's wait (the customer owes the answer).
                ("Bob", Presence::Online, 5, 5, 5, Some(t(3))),
                ("Eve", Presence::Offline, DEFAULT_CAPACITY, 0, 0, None),
            ]
        );
        let rows: Vec<_> = g
            .iter()
            .map(|x| {
                (
                    x.group.as_ref().map(|g| g.name.as_str()),
                    x.queue,
                    x.unassigned,
                    x.waiting_since,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (Some("Billing"), 2, 0, Some(t(3))),
                (Some("Support"), 12, 3, Some(t(1))),
                (Some("Quiet"), 0, 0, None),
                (None, 2, 2, Some(t(5))),
            ]
        );
        assert_eq!(
            totals,
            Totals {
                working: 16,
                open: 10,
                pending: 6,
                unassigned: 5
            }
        );
        assert_eq!(
            assigned_counts(&cells).into_iter().collect::<Vec<_>>(),
            [(AgentId(7), 10), (AgentId(8), 1)]
        );
    }

    #[test]
    fn an_idle_online_agent_shows_as_away_and_no_tickets_means_no_none_group() {
        let statuses = vec![AgentStatus {
            agent: AgentId(1),
            presence: Presence::Online,
            last_seen_at: Some(t(0)),
            capacity: 0,
            languages: BTreeSet::new(),
            skills: BTreeSet::new(),
        }];
        let (a, g, totals) = summarize(&[], vec![agent(1, "Ann")], statuses, vec![], t(30));
        assert_eq!(a[0].presence, Presence::Away);
        assert!(g.is_empty());
        assert_eq!(totals, Totals::default());
    }
}
