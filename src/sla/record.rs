//! A ticket's SLA record and how it catches up with the ticket's history.
//!
//! The clocks are not written by the change that moves them: after a change, a durable job
//! replays the history rows the record has not seen yet ([`catch_up`]), grouping rows of one
//! change (same time and actor) into one [`Change`], then fires what is due now. So SLA
//! bookkeeping never bumps the ticket's version (an agent's open form never conflicts with a
//! timer), a lost or repeated job only replays what is new, and order does not matter.
//!
//! Invariants: pure; `cursor` only grows; replaying the same rows twice is a no-op (rows at
//! or below `cursor` are skipped); `next_at`, `due_at`, `breached`, `paused` are derived
//! from `state` by [`TicketSla::derive`] and never disagree with it.

use super::calendar::Calendar;
use super::clock::{self, CalendarSet, Change, SlaEvent, SlaState};
use super::policy::{Chosen, Target};
use crate::ticket::{HistoryEntry, Status, TicketEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket's SLA record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSla {
    /// The clocks.
    pub state: SlaState,
    /// The last history row applied (0: none).
    pub cursor: i64,
    /// Compare-and-set counter of the stored record (0: never stored).
    pub revision: i64,
    /// The ticket's status as of `cursor`.
    pub status: Status,
    /// Had an agent replied publicly as of `cursor`?
    pub responded: bool,
    /// When the clocks next need a look (warning or breach due), if ever.
    pub next_at: Option<DateTime<Utc>>,
    /// The earliest deadline of a running clock that has not breached.
    pub due_at: Option<DateTime<Utc>>,
    /// Is a running clock breached?
    pub breached: bool,
    /// Are all active clocks paused (waiting for the customer)?
    pub paused: bool,
    /// The highest warning share reached by a running clock that has not breached (0: none).
    pub warned: u8,
}

impl Default for TicketSla {
    fn default() -> Self {
        Self {
            state: SlaState::default(),
            cursor: 0,
            revision: 0,
            status: Status::New,
            responded: false,
            next_at: None,
            due_at: None,
            breached: false,
            paused: false,
            warned: 0,
        }
    }
}

impl TicketSla {
    /// Recomputes the derived columns from `state`.
    pub fn derive(&mut self, cals: &CalendarSet) {
        self.next_at = clock::next_wakeup(&self.state, cals);
        self.due_at = self.state.next_due();
        self.breached = self.state.breached();
        let active: Vec<_> = self
            .state
            .clocks
            .iter()
            .filter(|c| !c.is_stopped())
            .collect();
        self.paused = !active.is_empty() && active.iter().all(|c| c.is_paused());
        self.warned = active
            .iter()
            .filter(|c| c.breached_at.is_none())
            .flat_map(|c| c.warned.iter().copied())
            .max()
            .unwrap_or(0);
    }
}

/// What one catch-up produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaughtUp {
    /// The new record (revision unchanged: the store bumps it).
    pub sla: TicketSla,
    /// What to write to history, each with the instant it happened.
    pub events: Vec<(SlaEvent, DateTime<Utc>)>,
}

/// Replays `rows` (history rows with their ids, ascending) over `sla`, then fires what is
/// due at `now`. `chosen` is what applies to the ticket as it is now.
pub fn catch_up(
    sla: &TicketSla,
    rows: &[(i64, HistoryEntry)],
    chosen: &Chosen,
    created_at: DateTime<Utc>,
    cals: &CalendarSet,
    now: DateTime<Utc>,
) -> CaughtUp {
    let mut out = sla.clone();
    let mut events = Vec::new();
    let fresh: Vec<&(i64, HistoryEntry)> = rows.iter().filter(|(id, _)| *id > sla.cursor).collect();
    let mut i = 0;
    while i < fresh.len() {
        // One change: consecutive rows with the same time and actor.
        let (_, first) = fresh[i];
        let mut j = i;
        while j < fresh.len() && fresh[j].1.at == first.at && fresh[j].1.actor == first.actor {
            j += 1;
        }
        let group: Vec<TicketEvent> = fresh[i..j].iter().map(|(_, h)| h.event.clone()).collect();
        let before = out.status;
        let mut after = before;
        for e in &group {
            match e {
                TicketEvent::StatusChanged { to, .. } => after = *to,
                TicketEvent::Created { .. } => after = Status::New,
                _ => {}
            }
        }
        if group.iter().any(|e| matches!(e, TicketEvent::AgentReplied)) {
            out.responded = true;
        }
        let relevant = group.iter().any(|e| {
            !matches!(
                e,
                TicketEvent::Sla { .. }
                    | TicketEvent::NoteAdded
                    | TicketEvent::Acknowledged
                    | TicketEvent::RuleFired { .. }
                    | TicketEvent::RuleNotified { .. }
                    | TicketEvent::NoAgentAvailable { .. }
            )
        });
        if relevant {
            let change = Change {
                events: &group,
                before,
                after,
                chosen,
                created_at,
                responded: out.responded,
                now: first.at,
            };
            let (state, fired) = clock::step(&out.state, &change, cals);
            out.state = state;
            events.extend(fired.into_iter().map(|e| (e, first.at)));
        }
        out.status = after;
        out.cursor = fresh[j - 1].0;
        i = j;
    }
    // Nothing may have moved, but the policy may have (edited policies, calendars).
    if fresh.is_empty() && !out.state.clocks.is_empty() {
        let change = Change {
            events: &[],
            before: out.status,
            after: out.status,
            chosen,
            created_at,
            responded: out.responded,
            now,
        };
        let (state, fired) = clock::step(&out.state, &change, cals);
        out.state = state;
        events.extend(fired.into_iter().map(|e| (e, now)));
    }
    events.extend(
        clock::check(&mut out.state, now, cals)
            .into_iter()
            .map(|e| {
                let at = match &e {
                    SlaEvent::Breached { at, .. } => *at,
                    _ => now,
                };
                (e, at)
            }),
    );
    out.derive(cals);
    CaughtUp { sla: out, events }
}

/// The calendar a target runs on is the policy's, else `group_calendar`, else the
/// installation default: fills in `None` calendars of `chosen` with `group_calendar`.
pub fn with_group_calendar(
    mut chosen: Chosen,
    group_calendar: Option<crate::ids::SlaCalendarId>,
) -> Chosen {
    for t in [
        &mut chosen.first_response,
        &mut chosen.next_response,
        &mut chosen.resolution,
    ]
    .into_iter()
    .flatten()
    {
        if t.calendar.is_none() {
            t.calendar = group_calendar;
        }
    }
    chosen
}

/// The calendar set with only a default (for tests and installations without calendars).
pub fn single(default: Calendar) -> CalendarSet {
    CalendarSet {
        default,
        by_id: Default::default(),
    }
}

/// For display: the target whose deadline is nearest, if any.
pub fn nearest(sla: &TicketSla) -> Option<(Target, DateTime<Utc>)> {
    sla.state
        .clocks
        .iter()
        .filter(|c| c.breached_at.is_none())
        .filter_map(|c| c.due_at.map(|d| (c.target, d)))
        .min_by_key(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::ActorRef;
    use crate::ids::{AgentId, SlaPolicyId, TicketId};
    use crate::sla::calendar::Span;
    use crate::sla::policy::{ChosenTarget, OnBreach};
    use crate::ticket::{Channel, Priority};
    use chrono::{Duration, TimeZone as _};

    fn t0() -> DateTime<Utc> {
        // Monday 2026-11-23 09:00 Moscow.
        Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn chosen() -> Chosen {
        let t = |m| ChosenTarget {
            minutes: m,
            policy: SlaPolicyId(1),
            policy_name: "Any".into(),
            calendar: None,
            warn_at: vec![75, 90],
            on_breach: OnBreach::default(),
        };
        Chosen {
            first_response: Some(t(60)),
            next_response: Some(t(30)),
            resolution: Some(t(480)),
        }
    }

    fn cals() -> CalendarSet {
        single(Calendar::office(
            chrono_tz::Europe::Moscow,
            Span::hm(9, 0, 18, 0),
        ))
    }

    fn row(id: i64, min: i64, actor: ActorRef, event: TicketEvent) -> (i64, HistoryEntry) {
        (
            id,
            HistoryEntry {
                ticket_id: TicketId(1),
                actor,
                event,
                at: t0() + Duration::minutes(min),
            },
        )
    }

    fn rows() -> Vec<(i64, HistoryEntry)> {
        let agent = ActorRef::Agent(AgentId(2));
        vec![
            row(
                1,
                0,
                ActorRef::System,
                TicketEvent::Created {
                    channel: Channel::Email,
                    priority: Priority::Normal,
                },
            ),
            row(2, 0, ActorRef::System, TicketEvent::Acknowledged),
            row(3, 20, agent, TicketEvent::AgentReplied),
            row(
                4,
                20,
                agent,
                TicketEvent::StatusChanged {
                    from: Status::New,
                    to: Status::Pending,
                },
            ),
        ]
    }

    #[test]
    fn replays_changes_in_groups_and_is_idempotent() {
        let now = t0() + Duration::minutes(30);
        let a = catch_up(
            &TicketSla::default(),
            &rows(),
            &chosen(),
            t0(),
            &cals(),
            now,
        );
        assert_eq!(a.sla.cursor, 4);
        assert_eq!(a.sla.status, Status::Pending);
        assert!(a.sla.responded);
        assert!(a.sla.paused);
        assert_eq!(a.sla.next_at, None);
        assert_eq!(a.events.len(), 1, "{:?}", a.events);
        assert!(matches!(
            a.events[0].0,
            SlaEvent::Met {
                target: Target::FirstResponse,
                business_secs: 1200,
                ..
            }
        ));
        // The same rows again: nothing new.
        let b = catch_up(&a.sla, &rows(), &chosen(), t0(), &cals(), now);
        assert_eq!(b.sla, a.sla);
        assert!(b.events.is_empty());
        // Rows split over two catch-ups give the same record as one.
        let part = catch_up(
            &TicketSla::default(),
            &rows()[..2],
            &chosen(),
            t0(),
            &cals(),
            now,
        );
        let whole = catch_up(&part.sla, &rows(), &chosen(), t0(), &cals(), now);
        assert_eq!(whole.sla, a.sla);
    }

    #[test]
    fn a_late_catch_up_reports_the_breach_at_its_instant() {
        let created = &rows()[..1];
        let now = t0() + Duration::minutes(75);
        let a = catch_up(
            &TicketSla::default(),
            created,
            &chosen(),
            t0(),
            &cals(),
            now,
        );
        let breach = a
            .events
            .iter()
            .find(|(e, _)| matches!(e, SlaEvent::Breached { .. }));
        assert_eq!(
            breach.map(|(_, at)| *at),
            Some(t0() + Duration::minutes(60))
        );
        assert!(a.sla.breached);
        assert_eq!(a.sla.due_at, Some(t0() + Duration::minutes(480)));
        assert_eq!(nearest(&a.sla).map(|(t, _)| t), Some(Target::Resolution));
        // The resolution warning at 75 % is the next look.
        assert_eq!(a.sla.next_at, Some(t0() + Duration::minutes(360)));
    }

    #[test]
    fn the_group_calendar_fills_in_only_unset_calendars() {
        let mut c = chosen();
        if let Some(r) = c.resolution.as_mut() {
            r.calendar = Some(crate::ids::SlaCalendarId(9));
        }
        let g = with_group_calendar(c, Some(crate::ids::SlaCalendarId(4)));
        assert_eq!(
            g.first_response.map(|t| t.calendar),
            Some(Some(crate::ids::SlaCalendarId(4)))
        );
        assert_eq!(
            g.resolution.map(|t| t.calendar),
            Some(Some(crate::ids::SlaCalendarId(9)))
        );
    }
}
