//! Assignment strategies: which group member gets a ticket ([`choose`]).
//!
//! Order of decisions (pure; `now` from the caller):
//! 1. [`AssignStrategy::Manual`] picks nobody and raises no alert: agents take tickets from
//!    the queue themselves ([`AssignChoice::Manual`]). A rule's "assign by group strategy"
//!    on a manual group therefore leaves the ticket in the queue, quietly.
//! 2. Eligible: members whose effective presence at `now` is online (idle agents count as
//!    away, see [`AgentStatus::effective`]) and who have room (capacity 0 = no limit, else
//!    open tickets < capacity). Nobody eligible → [`AssignChoice::NobodyAvailable`] (the
//!    caller records it and alerts managers).
//! 3. A returning customer's previous agent, when `prefer_previous_agent` and eligible.
//! 4. Narrowing, each only when it leaves somebody: by language (`match_language`; an agent
//!    with no languages speaks any), then by skills (`match_skills`; a skill equal to one of
//!    the ticket's tags).
//! 5. Round robin: the smallest `last_assigned_seq` (never assigned first), ties by agent id.
//!    Least loaded: the lowest open/capacity ratio (no limit counts as
//!    [`DEFAULT_CAPACITY`]), ties by fewer open tickets, then round-robin order.

use crate::ids::{AgentId, Lang};
use crate::team::{
    AgentStatus, AssignStrategy, Candidate, DEFAULT_CAPACITY, GroupRouting, Presence,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Why an agent was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignReason {
    /// The customer's previous agent.
    PreviousAgent,
    /// Their turn.
    RoundRobin,
    /// The lightest load.
    LeastLoaded,
}

/// The outcome of [`choose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum AssignChoice {
    /// Give it to this agent.
    Agent {
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: AssignReason,
    },
    /// The group assigns manually: leave it in the queue, no alert.
    Manual,
    /// Nobody is online with room: leave it in the queue and alert managers.
    NobodyAvailable,
}

/// Has the agent room for one more ticket?
pub fn has_room(c: &Candidate) -> bool {
    c.status.capacity <= 0 || c.open_tickets < i64::from(c.status.capacity)
}

fn speaks(s: &AgentStatus, lang: Lang) -> bool {
    s.languages.is_empty() || s.languages.contains(&lang)
}

fn skilled(s: &AgentStatus, tags: &BTreeSet<String>) -> bool {
    s.skills.iter().any(|k| tags.contains(k))
}

/// Keeps only the candidates passing `keep`, unless that would leave nobody.
fn narrow(list: Vec<&Candidate>, keep: impl Fn(&Candidate) -> bool) -> Vec<&Candidate> {
    let narrowed: Vec<&Candidate> = list.iter().copied().filter(|c| keep(c)).collect();
    if narrowed.is_empty() { list } else { narrowed }
}

fn rr_order(a: &Candidate, b: &Candidate) -> Ordering {
    // None (never assigned) sorts before any sequence value.
    a.last_assigned_seq
        .cmp(&b.last_assigned_seq)
        .then(a.status.agent.cmp(&b.status.agent))
}

fn load_order(a: &Candidate, b: &Candidate) -> Ordering {
    let cap = |c: &Candidate| {
        i128::from(if c.status.capacity > 0 {
            c.status.capacity
        } else {
            DEFAULT_CAPACITY
        })
    };
    // a.open / a.cap vs b.open / b.cap, exactly.
    let lhs = i128::from(a.open_tickets) * cap(b);
    let rhs = i128::from(b.open_tickets) * cap(a);
    lhs.cmp(&rhs)
        .then(a.open_tickets.cmp(&b.open_tickets))
        .then_with(|| rr_order(a, b))
}

/// Picks the member who gets a ticket (see the module docs for the order of decisions).
pub fn choose(
    routing: &GroupRouting,
    candidates: &[Candidate],
    lang: Lang,
    tags: &BTreeSet<String>,
    previous: Option<AgentId>,
    now: DateTime<Utc>,
) -> AssignChoice {
    if routing.strategy == AssignStrategy::Manual {
        return AssignChoice::Manual;
    }
    let mut eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.status.effective(now) == Presence::Online && has_room(c))
        .collect();
    if eligible.is_empty() {
        return AssignChoice::NobodyAvailable;
    }
    if routing.prefer_previous_agent
        && let Some(prev) = previous
        && eligible.iter().any(|c| c.status.agent == prev)
    {
        return AssignChoice::Agent {
            agent: prev,
            reason: AssignReason::PreviousAgent,
        };
    }
    if routing.match_language {
        eligible = narrow(eligible, |c| speaks(&c.status, lang));
    }
    if routing.match_skills && !tags.is_empty() {
        eligible = narrow(eligible, |c| skilled(&c.status, tags));
    }
    let (best, reason) = match routing.strategy {
        AssignStrategy::LeastLoaded => (
            eligible.into_iter().min_by(|a, b| load_order(a, b)),
            AssignReason::LeastLoaded,
        ),
        AssignStrategy::RoundRobin | AssignStrategy::Manual => (
            eligible.into_iter().min_by(|a, b| rr_order(a, b)),
            AssignReason::RoundRobin,
        ),
    };
    match best {
        Some(c) => AssignChoice::Agent {
            agent: c.status.agent,
            reason,
        },
        None => AssignChoice::NobodyAvailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GroupId;
    use crate::ticket::tests::t0;
    use chrono::Duration;

    fn cand(id: i64, open: i64, cap: i32, seq: Option<i64>) -> Candidate {
        Candidate {
            status: AgentStatus {
                agent: AgentId(id),
                presence: Presence::Online,
                last_seen_at: Some(t0()),
                capacity: cap,
                languages: BTreeSet::new(),
                skills: BTreeSet::new(),
            },
            open_tickets: open,
            last_assigned_seq: seq,
        }
    }

    fn routing(strategy: AssignStrategy) -> GroupRouting {
        GroupRouting {
            strategy,
            ..GroupRouting::manual(GroupId(1))
        }
    }

    fn pick(r: &GroupRouting, c: &[Candidate]) -> AssignChoice {
        choose(r, c, Lang::Ru, &BTreeSet::new(), None, t0())
    }

    fn agent(a: AssignChoice) -> Option<i64> {
        match a {
            AssignChoice::Agent { agent, .. } => Some(agent.0),
            _ => None,
        }
    }

    #[test]
    fn manual_leaves_it_in_the_queue_even_with_agents_online() {
        let c = [cand(1, 0, 5, None)];
        assert_eq!(
            choose(
                &routing(AssignStrategy::Manual),
                &c,
                Lang::Ru,
                &BTreeSet::new(),
                Some(AgentId(1)),
                t0()
            ),
            AssignChoice::Manual
        );
    }

    #[test]
    fn round_robin_takes_the_least_recently_assigned_never_first_ties_by_id() {
        let r = routing(AssignStrategy::RoundRobin);
        let c = [
            cand(3, 0, 5, Some(10)),
            cand(2, 0, 5, None),
            cand(1, 0, 5, None),
        ];
        assert_eq!(
            pick(&r, &c),
            AssignChoice::Agent {
                agent: AgentId(1),
                reason: AssignReason::RoundRobin
            }
        );
        let c = [cand(3, 9, 20, Some(10)), cand(2, 0, 20, Some(11))];
        assert_eq!(agent(pick(&r, &c)), Some(3));
        // Simulated turns: each pick gets the next sequence value → fair rotation.
        let mut c = vec![
            cand(1, 0, 0, None),
            cand(2, 0, 0, None),
            cand(3, 0, 0, None),
        ];
        let mut counts = [0usize; 3];
        for seq in 0..300 {
            let a = agent(pick(&r, &c)).unwrap_or_default();
            counts[usize::try_from(a - 1).unwrap_or(0)] += 1;
            if let Some(x) = c.iter_mut().find(|x| x.status.agent.0 == a) {
                x.last_assigned_seq = Some(seq);
            }
        }
        assert_eq!(counts, [100, 100, 100]);
    }

    #[test]
    fn least_loaded_uses_ratio_then_fewer_open_then_turn() {
        let r = routing(AssignStrategy::LeastLoaded);
        // 5/10 = 0.5 vs 3/4 = 0.75 → agent 1 despite more tickets.
        let c = [cand(1, 5, 10, None), cand(2, 3, 4, None)];
        assert_eq!(
            pick(&r, &c),
            AssignChoice::Agent {
                agent: AgentId(1),
                reason: AssignReason::LeastLoaded
            }
        );
        // Equal ratio 0.5: fewer open wins.
        let c = [cand(1, 5, 10, None), cand(2, 2, 4, None)];
        assert_eq!(agent(pick(&r, &c)), Some(2));
        // Equal everything: round-robin order.
        let c = [cand(1, 2, 4, Some(7)), cand(2, 2, 4, Some(3))];
        assert_eq!(agent(pick(&r, &c)), Some(2));
        // Unlimited counts as the default capacity: 10/20 vs 4/5.
        let c = [cand(1, 10, 0, None), cand(2, 4, 5, None)];
        assert_eq!(agent(pick(&r, &c)), Some(1));
    }

    #[test]
    fn agents_at_capacity_are_skipped_and_all_full_is_nobody() {
        let r = routing(AssignStrategy::LeastLoaded);
        let c = [cand(1, 4, 4, None), cand(2, 9, 10, None)];
        assert_eq!(agent(pick(&r, &c)), Some(2));
        let c = [cand(1, 4, 4, None), cand(2, 10, 10, None)];
        assert_eq!(pick(&r, &c), AssignChoice::NobodyAvailable);
        // Capacity 0 is unlimited.
        let c = [cand(1, 500, 0, None)];
        assert_eq!(agent(pick(&r, &c)), Some(1));
        assert_eq!(pick(&r, &[]), AssignChoice::NobodyAvailable);
    }

    #[test]
    fn offline_away_and_idle_agents_are_skipped() {
        let r = routing(AssignStrategy::RoundRobin);
        let mut off = cand(1, 0, 5, None);
        off.status.presence = Presence::Offline;
        let mut away = cand(2, 0, 5, None);
        away.status.presence = Presence::Away;
        let mut idle = cand(3, 0, 5, None);
        idle.status.last_seen_at = Some(t0() - Duration::minutes(11));
        let mut never = cand(4, 0, 5, None);
        never.status.last_seen_at = None;
        let ok = cand(5, 0, 5, Some(99));
        let all = [off.clone(), away.clone(), idle.clone(), never.clone(), ok];
        assert_eq!(agent(pick(&r, &all)), Some(5));
        assert_eq!(
            pick(&r, &[off, away, idle, never]),
            AssignChoice::NobodyAvailable
        );
    }

    #[test]
    fn previous_agent_first_when_eligible_and_preferred() {
        let mut r = routing(AssignStrategy::RoundRobin);
        let c = [cand(1, 0, 5, None), cand(2, 3, 5, Some(50))];
        let with = |r: &GroupRouting, prev| choose(r, &c, Lang::Ru, &BTreeSet::new(), prev, t0());
        assert_eq!(
            with(&r, Some(AgentId(2))),
            AssignChoice::Agent {
                agent: AgentId(2),
                reason: AssignReason::PreviousAgent
            }
        );
        // Not a member / not eligible → the strategy decides.
        assert_eq!(agent(with(&r, Some(AgentId(9)))), Some(1));
        let full = [cand(1, 0, 5, None), cand(2, 5, 5, Some(50))];
        assert_eq!(
            agent(choose(
                &r,
                &full,
                Lang::Ru,
                &BTreeSet::new(),
                Some(AgentId(2)),
                t0()
            )),
            Some(1)
        );
        r.prefer_previous_agent = false;
        assert_eq!(agent(with(&r, Some(AgentId(2)))), Some(1));
    }

    #[test]
    fn language_then_skills_narrow_only_when_someone_fits() {
        let mut r = routing(AssignStrategy::RoundRobin);
        let mut ru = cand(1, 0, 5, None);
        ru.status.languages = [Lang::Ru].into_iter().collect();
        let mut en = cand(2, 0, 5, Some(5));
        en.status.languages = [Lang::En].into_iter().collect();
        en.status.skills = ["billing".to_owned()].into_iter().collect();
        let mut any = cand(3, 0, 5, Some(9));
        any.status.skills = ["billing".to_owned()].into_iter().collect();
        let c = [ru.clone(), en.clone(), any.clone()];
        let none = BTreeSet::new();
        // English ticket: agent 1 (Russian only) is out; 2 comes before 3 in turn.
        assert_eq!(agent(choose(&r, &c, Lang::En, &none, None, t0())), Some(2));
        // Russian ticket: 1 and 3 speak it; 1 first.
        assert_eq!(agent(choose(&r, &c, Lang::Ru, &none, None, t0())), Some(1));
        // Russian billing ticket: of 1 and 3 only 3 has the skill.
        let billing: BTreeSet<String> = ["billing".to_owned()].into_iter().collect();
        assert_eq!(
            agent(choose(&r, &c, Lang::Ru, &billing, None, t0())),
            Some(3)
        );
        // Nobody speaks it → everyone stays.
        let only_ru = [ru.clone()];
        assert_eq!(
            agent(choose(&r, &only_ru, Lang::En, &none, None, t0())),
            Some(1)
        );
        // Matching switched off → pure round robin.
        r.match_language = false;
        r.match_skills = false;
        assert_eq!(
            agent(choose(&r, &c, Lang::En, &billing, None, t0())),
            Some(1)
        );
    }
}
