//! SLA clocks: per ticket, one clock per [`Target`] that runs in business time, pauses while
//! the ticket waits for the customer, and reports warnings, breaches and measurements.
//!
//! [`step`] advances a ticket's [`SlaState`] over one stored change (its events and status
//! move) with the targets that apply after it ([`Chosen`]); [`check`] fires the warnings
//! and breaches that are due at `now`; [`next_wakeup`] says when `check` has something to do
//! next (the durable timer's `run_at`).
//!
//! Rules:
//! - creation starts the first-response and resolution clocks; a public agent reply stops
//!   the first-response and next-response clocks (met); a customer message after the first
//!   reply starts a next-response clock unless one already runs (the oldest unanswered
//!   message counts);
//! - status `pending` (waiting for the customer) pauses every running clock; leaving it
//!   resumes them; `resolved`/`closed` stops the resolution clock (met) and ends the others;
//!   a reopen resumes the resolution clock from the business time it had used — time spent
//!   resolved never counts, so a reopen never breaches at once;
//! - when the applicable policy changes (priority, group, tags…) an active clock keeps the
//!   time it used and takes the new target; a target no policy sets any more is dropped; a
//!   target that newly applies starts as if it had run since creation;
//! - a clock breaches once (`breached_at` is the exact instant the target ran out) and each
//!   warning share fires at most once per clock; a warning never fires after the breach.
//!
//! Invariants: pure; `due_at` is `Some` exactly for running clocks of a calendar that opens
//! again within [`super::calendar::SEARCH_DAYS`]; consumed time only grows while a clock runs.

use super::calendar::Calendar;
use super::policy::{Chosen, ChosenTarget, OnBreach, Target};
use crate::ids::SlaCalendarId;
use crate::ticket::{Status, TicketEvent};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The calendars clocks may run on: by id, with the installation default for `None` and
/// unknown ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarSet {
    /// The installation's default calendar.
    pub default: Calendar,
    /// Named calendars.
    pub by_id: BTreeMap<SlaCalendarId, Calendar>,
}

impl CalendarSet {
    /// The calendar for `id` (the default for `None` or an unknown id).
    pub fn get(&self, id: Option<SlaCalendarId>) -> &Calendar {
        id.and_then(|i| self.by_id.get(&i)).unwrap_or(&self.default)
    }
}

/// One target's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// What it measures.
    pub target: Target,
    /// The applicable target, whence it comes, its calendar, warnings and breach actions.
    pub chosen: ChosenTarget,
    /// When it started (calendar time is measured from here).
    pub started_at: DateTime<Utc>,
    /// Business seconds used before `running_since` (or in total, when not running).
    pub consumed_secs: i64,
    /// Running since (`None`: paused or stopped).
    pub running_since: Option<DateTime<Utc>>,
    /// When the target runs out, while running.
    pub due_at: Option<DateTime<Utc>>,
    /// Stopped at (met, or ended by resolving).
    pub stopped_at: Option<DateTime<Utc>>,
    /// The instant the target ran out, if it did.
    pub breached_at: Option<DateTime<Utc>>,
    /// Warning shares already sent.
    pub warned: Vec<u8>,
}

impl Clock {
    fn new(target: Target, chosen: &ChosenTarget, started_at: DateTime<Utc>) -> Self {
        Self {
            target,
            chosen: chosen.clone(),
            started_at,
            consumed_secs: 0,
            running_since: None,
            due_at: None,
            stopped_at: None,
            breached_at: None,
            warned: Vec::new(),
        }
    }
    /// Is it stopped (met or ended)?
    pub fn is_stopped(&self) -> bool {
        self.stopped_at.is_some()
    }
    /// Is it paused (neither running nor stopped)?
    pub fn is_paused(&self) -> bool {
        self.running_since.is_none() && self.stopped_at.is_none()
    }
    fn target_secs(&self) -> i64 {
        i64::from(self.chosen.minutes) * 60
    }
    /// Business seconds used up to `now`.
    pub fn used_secs(&self, now: DateTime<Utc>, cals: &CalendarSet) -> i64 {
        self.consumed_secs
            + self.running_since.map_or(0, |since| {
                cals.get(self.chosen.calendar)
                    .business_between(since, now)
                    .num_seconds()
            })
    }
    fn run(&mut self, now: DateTime<Utc>, cals: &CalendarSet) {
        self.running_since = Some(now);
        self.stopped_at = None;
        self.refresh_due(cals);
    }
    fn pause(&mut self, now: DateTime<Utc>, cals: &CalendarSet) {
        if self.running_since.is_some() {
            self.consumed_secs = self.used_secs(now, cals);
            self.running_since = None;
            self.due_at = None;
        }
    }
    fn stop(&mut self, now: DateTime<Utc>, cals: &CalendarSet) {
        self.pause(now, cals);
        self.stopped_at = Some(now);
    }
    fn refresh_due(&mut self, cals: &CalendarSet) {
        self.due_at = self.running_since.and_then(|since| {
            let left = (self.target_secs() - self.consumed_secs).max(0);
            cals.get(self.chosen.calendar)
                .add_business(since, Duration::seconds(left))
        });
    }
    /// The instant `share` percent of the target is used, while running.
    fn share_at(&self, share: u8, cals: &CalendarSet) -> Option<DateTime<Utc>> {
        let since = self.running_since?;
        // Rounded up: the first whole second at which `used * 100 >= target * share`.
        let at = (self.target_secs() * i64::from(share) + 99) / 100;
        let left = (at - self.consumed_secs).max(0);
        cals.get(self.chosen.calendar)
            .add_business(since, Duration::seconds(left))
    }
}

/// A ticket's clocks (at most one per target).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaState {
    /// The clocks.
    pub clocks: Vec<Clock>,
}

impl SlaState {
    /// The clock of `t`, if any.
    pub fn clock(&self, t: Target) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.target == t)
    }
    fn clock_mut(&mut self, t: Target) -> Option<&mut Clock> {
        self.clocks.iter_mut().find(|c| c.target == t)
    }
    /// The earliest due instant of a running clock that has not breached (for sorting and
    /// badges).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.breached_at.is_none())
            .filter_map(|c| c.due_at)
            .min()
    }
    /// Is any running clock breached?
    pub fn breached(&self) -> bool {
        self.clocks
            .iter()
            .any(|c| c.breached_at.is_some() && !c.is_stopped())
    }
}

/// What the SLA clocks report; written to the ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "sla", rename_all = "snake_case")]
pub enum SlaEvent {
    /// A share of a target is used.
    Warned {
        /// Which target.
        target: Target,
        /// Percent used.
        percent: u8,
        /// When it runs out.
        due_at: Option<DateTime<Utc>>,
    },
    /// A target ran out.
    Breached {
        /// Which target.
        target: Target,
        /// The policy.
        policy_name: String,
        /// The instant it ran out.
        at: DateTime<Utc>,
        /// What the policy does now.
        on_breach: OnBreach,
    },
    /// A clock stopped because its target was met (in time or late).
    Met {
        /// Which target.
        target: Target,
        /// Business seconds it took.
        business_secs: i64,
        /// Calendar seconds it took.
        calendar_secs: i64,
        /// Did it breach first?
        late: bool,
    },
}

/// One stored change as the clocks see it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// Its events.
    pub events: &'a [TicketEvent],
    /// Status before (for a created ticket: its initial status).
    pub before: Status,
    /// Status after.
    pub after: Status,
    /// The targets that apply after it, calendars resolved.
    pub chosen: &'a Chosen,
    /// The ticket's creation time.
    pub created_at: DateTime<Utc>,
    /// Has an agent replied publicly (after this change)?
    pub responded: bool,
    /// When it happened.
    pub now: DateTime<Utc>,
}

fn done(s: Status) -> bool {
    matches!(s, Status::Resolved | Status::Closed)
}

/// Advances the clocks over one change, then fires what is due (see the module doc).
pub fn step(state: &SlaState, c: &Change<'_>, cals: &CalendarSet) -> (SlaState, Vec<SlaEvent>) {
    let mut st = state.clone();
    let mut out = Vec::new();
    let now = c.now;
    let created = c
        .events
        .iter()
        .any(|e| matches!(e, TicketEvent::Created { .. }));
    let customer = c
        .events
        .iter()
        .any(|e| matches!(e, TicketEvent::CustomerReplied));
    let agent = c
        .events
        .iter()
        .any(|e| matches!(e, TicketEvent::AgentReplied));

    if created {
        st.clocks.clear();
        for t in [Target::FirstResponse, Target::Resolution] {
            if let Some(ch) = c.chosen.get(t) {
                let mut clock = Clock::new(t, ch, now);
                clock.run(now, cals);
                st.clocks.push(clock);
            }
        }
    }
    if agent {
        for t in [Target::FirstResponse, Target::NextResponse] {
            if let Some(clock) = st.clock_mut(t).filter(|k| !k.is_stopped()) {
                clock.stop(now, cals);
                out.push(met(clock, now));
            }
        }
    }
    if customer && !created && c.responded {
        let running = st
            .clock(Target::NextResponse)
            .is_some_and(|k| !k.is_stopped());
        if let (false, Some(ch)) = (running, c.chosen.get(Target::NextResponse)) {
            st.clocks.retain(|k| k.target != Target::NextResponse);
            let mut clock = Clock::new(Target::NextResponse, ch, now);
            clock.run(now, cals);
            st.clocks.push(clock);
        }
    }
    // Status moves.
    if done(c.after) && !done(c.before) {
        for clock in st.clocks.iter_mut().filter(|k| !k.is_stopped()) {
            clock.stop(now, cals);
            if clock.target == Target::Resolution {
                out.push(met(clock, now));
            }
        }
    } else if done(c.before)
        && !done(c.after)
        && let Some(clock) = st.clock_mut(Target::Resolution)
    {
        clock.stopped_at = None;
    }
    let waiting = c.after == Status::Pending;
    for clock in st.clocks.iter_mut().filter(|k| !k.is_stopped()) {
        match (waiting, clock.running_since.is_some()) {
            (true, true) => clock.pause(now, cals),
            (false, false) => clock.run(now, cals),
            _ => {}
        }
    }
    // The applicable targets may have changed.
    if !created {
        retarget(&mut st, c, cals);
    }
    out.extend(check(&mut st, now, cals));
    (st, out)
}

/// Takes the targets that apply now (see the module doc).
fn retarget(st: &mut SlaState, c: &Change<'_>, cals: &CalendarSet) {
    let now = c.now;
    st.clocks
        .retain(|k| k.is_stopped() || c.chosen.get(k.target).is_some());
    for clock in st.clocks.iter_mut().filter(|k| !k.is_stopped()) {
        if let Some(ch) = c.chosen.get(clock.target)
            && *ch != clock.chosen
        {
            let running = clock.running_since.is_some();
            clock.pause(now, cals);
            clock.chosen = ch.clone();
            clock.warned.retain(|p| ch.warn_at.contains(p));
            if running {
                clock.run(now, cals);
            }
        }
    }
    // Targets that apply now but have no clock, and would be running had they applied.
    let open = !done(c.after);
    let wanted = [
        (Target::FirstResponse, open && !c.responded),
        (Target::Resolution, open),
    ];
    for (t, should) in wanted {
        if let (true, None, Some(ch)) = (should, st.clock(t), c.chosen.get(t)) {
            let mut clock = Clock::new(t, ch, c.created_at);
            clock.consumed_secs = cals
                .get(ch.calendar)
                .business_between(c.created_at, now)
                .num_seconds();
            if c.after != Status::Pending {
                clock.run(now, cals);
            }
            st.clocks.push(clock);
        }
    }
    st.clocks.sort_by_key(|k| k.target);
}

fn met(clock: &Clock, now: DateTime<Utc>) -> SlaEvent {
    SlaEvent::Met {
        target: clock.target,
        business_secs: clock.consumed_secs,
        calendar_secs: (now - clock.started_at).num_seconds(),
        late: clock.breached_at.is_some(),
    }
}

/// Fires the warnings and breaches due at `now` (each once) and records them on the clocks.
pub fn check(st: &mut SlaState, now: DateTime<Utc>, cals: &CalendarSet) -> Vec<SlaEvent> {
    let mut out = Vec::new();
    for clock in st.clocks.iter_mut().filter(|k| k.running_since.is_some()) {
        if clock.breached_at.is_some() {
            continue;
        }
        // Business time never exceeds calendar time: when even the calendar time since the
        // clock (re)started cannot reach the next threshold, nothing is due (no calendar
        // arithmetic needed).
        let next_threshold = clock
            .chosen
            .warn_at
            .iter()
            .filter(|p| !clock.warned.contains(p))
            .map(|p| (clock.target_secs() * i64::from(*p) + 99) / 100)
            .chain(std::iter::once(clock.target_secs()))
            .min()
            .unwrap_or(0);
        let upper = clock.consumed_secs
            + clock
                .running_since
                .map_or(0, |since| (now - since).num_seconds().max(0));
        if upper < next_threshold {
            continue;
        }
        let used = clock.used_secs(now, cals);
        if used >= clock.target_secs() {
            let at = clock.due_at.unwrap_or(now).min(now);
            clock.breached_at = Some(at);
            // No warning after the breach.
            clock.warned = clock.chosen.warn_at.clone();
            out.push(SlaEvent::Breached {
                target: clock.target,
                policy_name: clock.chosen.policy_name.clone(),
                at,
                on_breach: clock.chosen.on_breach.clone(),
            });
            continue;
        }
        // Only the highest share reached is announced (a late look does not send both).
        let reached = clock
            .chosen
            .warn_at
            .iter()
            .copied()
            .filter(|p| used * 100 >= clock.target_secs() * i64::from(*p))
            .filter(|p| !clock.warned.contains(p))
            .max();
        if let Some(p) = reached {
            for q in clock.chosen.warn_at.iter().copied().filter(|q| *q <= p) {
                if !clock.warned.contains(&q) {
                    clock.warned.push(q);
                }
            }
            out.push(SlaEvent::Warned {
                target: clock.target,
                percent: p,
                due_at: clock.due_at,
            });
        }
    }
    out
}

/// When [`check`] next has something to fire (`None`: nothing is running towards a
/// warning or a breach).
pub fn next_wakeup(st: &SlaState, cals: &CalendarSet) -> Option<DateTime<Utc>> {
    st.clocks
        .iter()
        .filter(|k| k.running_since.is_some() && k.breached_at.is_none())
        .flat_map(|k| {
            let warnings = k
                .chosen
                .warn_at
                .iter()
                .filter(|p| !k.warned.contains(p))
                .filter_map(|p| k.share_at(*p, cals));
            warnings.chain(k.due_at)
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SlaPolicyId;
    use crate::sla::calendar::Span;
    use crate::ticket::{Channel, Priority};
    use chrono::TimeZone as _;

    /// Monday 2026-11-23 09:00 Moscow.
    fn mon9() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn target(name: &str, minutes: u32) -> ChosenTarget {
        ChosenTarget {
            minutes,
            policy: SlaPolicyId(1),
            policy_name: name.into(),
            calendar: None,
            warn_at: vec![75, 90],
            on_breach: OnBreach::default(),
        }
    }

    fn chosen() -> Chosen {
        Chosen {
            first_response: Some(target("Any", 60)),
            next_response: Some(target("Any", 30)),
            resolution: Some(target("Any", 8 * 60)),
        }
    }

    fn cals() -> CalendarSet {
        CalendarSet {
            default: Calendar::office(chrono_tz::Europe::Moscow, Span::hm(9, 0, 18, 0)),
            by_id: BTreeMap::new(),
        }
    }

    struct T {
        st: SlaState,
        status: Status,
        responded: bool,
        chosen: Chosen,
        log: Vec<SlaEvent>,
    }

    impl T {
        fn new() -> Self {
            let mut t = Self {
                st: SlaState::default(),
                status: Status::New,
                responded: false,
                chosen: chosen(),
                log: vec![],
            };
            t.apply(
                mon9(),
                &[TicketEvent::Created {
                    channel: Channel::Email,
                    priority: Priority::Normal,
                }],
                Status::New,
            );
            t
        }
        fn apply(&mut self, now: DateTime<Utc>, events: &[TicketEvent], after: Status) {
            if events
                .iter()
                .any(|e| matches!(e, TicketEvent::AgentReplied))
            {
                self.responded = true;
            }
            let change = Change {
                events,
                before: self.status,
                after,
                chosen: &self.chosen,
                created_at: mon9(),
                responded: self.responded,
                now,
            };
            let (st, ev) = step(&self.st, &change, &cals());
            self.st = st;
            self.status = after;
            self.log.extend(ev);
        }
        fn tick(&mut self, now: DateTime<Utc>) {
            let ev = check(&mut self.st, now, &cals());
            self.log.extend(ev);
        }
        fn due(&self, t: Target) -> Option<DateTime<Utc>> {
            self.st.clock(t).and_then(|c| c.due_at)
        }
    }

    fn m(min: i64) -> DateTime<Utc> {
        mon9() + Duration::minutes(min)
    }

    #[test]
    fn creation_starts_first_response_and_resolution() {
        let t = T::new();
        assert_eq!(t.due(Target::FirstResponse), Some(m(60)));
        assert_eq!(t.due(Target::Resolution), Some(m(8 * 60)));
        assert!(t.st.clock(Target::NextResponse).is_none());
        assert_eq!(next_wakeup(&t.st, &cals()), Some(m(45)));
        assert_eq!(t.st.next_due(), Some(m(60)));
    }

    #[test]
    fn warnings_then_breach_each_once_and_the_late_reply_is_measured() {
        let mut t = T::new();
        t.tick(m(44));
        assert!(t.log.is_empty());
        t.tick(m(45));
        t.tick(m(46));
        assert_eq!(t.log.len(), 1);
        assert!(matches!(
            t.log[0],
            SlaEvent::Warned {
                target: Target::FirstResponse,
                percent: 75,
                ..
            }
        ));
        assert_eq!(next_wakeup(&t.st, &cals()), Some(m(54)));
        t.tick(m(70));
        // Past the deadline: the breach (at the exact instant), no 90 % warning after it.
        assert_eq!(t.log.len(), 2);
        assert!(
            matches!(&t.log[1], SlaEvent::Breached { target: Target::FirstResponse, at, .. } if *at == m(60))
        );
        t.tick(m(80));
        assert_eq!(t.log.len(), 2);
        t.apply(m(90), &[TicketEvent::AgentReplied], Status::Open);
        assert_eq!(
            t.log[2],
            SlaEvent::Met {
                target: Target::FirstResponse,
                business_secs: 90 * 60,
                calendar_secs: 90 * 60,
                late: true
            }
        );
        assert!(!t.st.breached(), "a met clock is no longer breached");
    }

    #[test]
    fn a_late_look_sends_only_the_highest_warning() {
        let mut t = T::new();
        t.tick(m(55));
        assert_eq!(t.log.len(), 1);
        assert!(matches!(t.log[0], SlaEvent::Warned { percent: 90, .. }));
        t.tick(m(56));
        assert_eq!(t.log.len(), 1);
    }

    #[test]
    fn business_hours_stretch_deadlines_over_the_night_and_weekend() {
        let mut t = T::new();
        // Friday 17:30 Moscow: 30 minutes left today, 30 on Monday.
        t.chosen.first_response = Some(target("Any", 60));
        let fri = Utc
            .with_ymd_and_hms(2026, 11, 27, 14, 30, 0)
            .single()
            .unwrap_or_default();
        t.st = SlaState::default();
        t.status = Status::New;
        t.apply(
            fri,
            &[TicketEvent::Created {
                channel: Channel::Email,
                priority: Priority::Normal,
            }],
            Status::New,
        );
        let monday = Utc
            .with_ymd_and_hms(2026, 11, 30, 6, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(t.due(Target::FirstResponse), Some(monday));
    }

    #[test]
    fn waiting_for_the_customer_pauses_and_their_answer_resumes() {
        let mut t = T::new();
        t.apply(m(20), &[TicketEvent::AgentReplied], Status::Pending);
        // First response met; resolution paused with 20 minutes used.
        assert!(matches!(
            t.log[0],
            SlaEvent::Met {
                target: Target::FirstResponse,
                business_secs: 1200,
                late: false,
                ..
            }
        ));
        let res =
            t.st.clock(Target::Resolution)
                .cloned()
                .unwrap_or_else(|| Clock::new(Target::Resolution, &target("x", 1), m(0)));
        assert!(res.is_paused());
        assert_eq!(res.consumed_secs, 20 * 60);
        assert_eq!(next_wakeup(&t.st, &cals()), None);
        // Two days later the customer answers: the ticket reopens, resolution resumes with
        // 7 h 40 min left, and a next-response clock starts.
        let later = m(2 * 24 * 60);
        t.apply(
            later,
            &[
                TicketEvent::CustomerReplied,
                TicketEvent::StatusChanged {
                    from: Status::Pending,
                    to: Status::Open,
                },
            ],
            Status::Open,
        );
        assert_eq!(
            t.due(Target::Resolution),
            Some(later + Duration::minutes(460))
        );
        assert_eq!(
            t.due(Target::NextResponse),
            Some(later + Duration::minutes(30))
        );
        t.tick(later + Duration::minutes(1));
        assert!(
            t.log
                .iter()
                .all(|e| !matches!(e, SlaEvent::Breached { .. }))
        );
    }

    #[test]
    fn reopening_a_resolved_ticket_never_breaches_at_once() {
        let mut t = T::new();
        t.apply(m(10), &[TicketEvent::AgentReplied], Status::Open);
        t.apply(m(400), &[], Status::Resolved);
        assert!(matches!(
            t.log.last(),
            Some(SlaEvent::Met {
                target: Target::Resolution,
                business_secs: 24000,
                late: false,
                ..
            })
        ));
        // A week later the customer writes again: resolution continues from 400 minutes.
        let later = m(7 * 24 * 60);
        t.apply(later, &[TicketEvent::CustomerReplied], Status::Open);
        t.tick(later);
        assert!(!t.log.iter().any(|e| matches!(e, SlaEvent::Breached { .. })));
        assert_eq!(
            t.due(Target::Resolution),
            Some(later + Duration::minutes(80))
        );
        assert_eq!(
            t.due(Target::NextResponse),
            Some(later + Duration::minutes(30))
        );
    }

    #[test]
    fn a_next_response_keeps_the_oldest_unanswered_message() {
        let mut t = T::new();
        t.apply(m(5), &[TicketEvent::AgentReplied], Status::Open);
        t.apply(m(10), &[TicketEvent::CustomerReplied], Status::Open);
        t.apply(m(25), &[TicketEvent::CustomerReplied], Status::Open);
        assert_eq!(t.due(Target::NextResponse), Some(m(40)));
        t.apply(m(30), &[TicketEvent::AgentReplied], Status::Open);
        assert!(matches!(
            t.log.last(),
            Some(SlaEvent::Met {
                target: Target::NextResponse,
                business_secs: 1200,
                ..
            })
        ));
        // Before the first reply, customer messages start no next-response clock.
        let mut u = T::new();
        u.apply(m(5), &[TicketEvent::CustomerReplied], Status::New);
        assert!(u.st.clock(Target::NextResponse).is_none());
    }

    #[test]
    fn a_policy_change_keeps_used_time_and_takes_the_new_target() {
        let mut t = T::new();
        t.chosen.first_response = Some(ChosenTarget {
            minutes: 15,
            policy: SlaPolicyId(2),
            policy_name: "Price".into(),
            ..target("Price", 15)
        });
        t.apply(
            m(10),
            &[TicketEvent::Tagged {
                tag: "price".into(),
            }],
            Status::New,
        );
        assert_eq!(t.due(Target::FirstResponse), Some(m(15)));
        // Dropping the resolution target drops its clock; bringing it back starts it as if
        // it had run since creation.
        t.chosen.resolution = None;
        t.apply(m(11), &[], Status::New);
        assert!(t.st.clock(Target::Resolution).is_none());
        t.chosen.resolution = Some(target("Any", 60));
        t.apply(m(12), &[], Status::New);
        assert_eq!(t.due(Target::Resolution), Some(m(60)));
    }

    #[test]
    fn a_calendar_that_never_opens_has_no_deadline() {
        let mut cs = cals();
        cs.default.week = Default::default();
        let mut c = Clock::new(Target::FirstResponse, &target("x", 10), mon9());
        c.run(mon9(), &cs);
        assert_eq!(c.due_at, None);
        let mut st = SlaState { clocks: vec![c] };
        assert!(check(&mut st, mon9() + Duration::days(30), &cs).is_empty());
    }
}
