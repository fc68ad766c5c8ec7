//! Business calendars and business-time arithmetic for SLA clocks.
//!
//! A [`Calendar`] says when the team works: opening spans per weekday in local time of an
//! IANA time zone, per-date overrides (holidays, transferred working days, shortened days —
//! see [`super::import`] for the Russian production calendar and iCal), or 24/7.
//!
//! The arithmetic works on exact sets of instants: an instant `t` is *open* when its local
//! date and time of day (in the calendar's zone, at `t`'s own UTC offset) fall inside a span
//! of that date ([`Calendar::is_open`]). [`Calendar::business_between`] measures the open
//! time in `[a, b)`; [`Calendar::add_business`] finds the earliest instant by which a given
//! amount of open time has passed since a start.
//!
//! Invariants:
//! - pure and total: no clock reads, no panics for any calendar that passed [`Calendar::validate`];
//! - DST-exact: the open intervals of a local date are computed per UTC-offset segment, so a
//!   local hour that happens twice (autumn) counts twice and a skipped one (spring) not at
//!   all — exactly what minute-by-minute evaluation of [`Calendar::is_open`] gives (the
//!   property test in this module checks that against random calendars and zones);
//! - `business_between(a, add_business(a, d)) == d` and the result is the earliest such
//!   instant; a calendar that is never open within [`SEARCH_DAYS`] gives `None`;
//! - 24/7 calendars ignore spans and overrides (always open, no holidays).

use crate::error::FieldErrors;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far [`Calendar::add_business`] searches for open time before giving up.
pub const SEARCH_DAYS: i64 = 5 * 366;
/// At most this many spans per day.
pub const MAX_SPANS_PER_DAY: usize = 8;
/// At most this many dated overrides per calendar.
pub const MAX_OVERRIDES: usize = 5_000;
/// Minutes in a day (a span closes at most here).
pub const DAY_MINUTES: u16 = 1440;

/// An opening span in minutes since local midnight: open on `open <= minute < close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// Opens at (0..1440).
    pub open: u16,
    /// Closes at (exclusive, `open < close <= 1440`).
    pub close: u16,
}

impl Span {
    /// A span from hours and minutes, e.g. `Span::hm(9, 0, 18, 0)`.
    pub const fn hm(oh: u16, om: u16, ch: u16, cm: u16) -> Self {
        Self {
            open: oh * 60 + om,
            close: ch * 60 + cm,
        }
    }
}

/// What a dated override makes of one local date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayRule {
    /// Closed all day (a holiday).
    Closed,
    /// Open during these spans (a transferred working day, a shortened day).
    Hours {
        /// Sorted, non-overlapping spans.
        spans: Vec<Span>,
    },
}

/// A business calendar (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// IANA time zone the spans are in (e.g. `Europe/Moscow`).
    pub tz: Tz,
    /// Open around the clock (spans and overrides are ignored).
    pub always_open: bool,
    /// Spans per weekday, Monday first; empty is closed.
    pub week: [Vec<Span>; 7],
    /// Per-date exceptions in local dates.
    pub overrides: BTreeMap<NaiveDate, DayRule>,
}

impl Default for Calendar {
    /// Monday–Friday 09:00–18:00, Europe/Moscow, no holidays.
    fn default() -> Self {
        Self::office(chrono_tz::Europe::Moscow, Span::hm(9, 0, 18, 0))
    }
}

impl Calendar {
    /// Open around the clock.
    pub fn always(tz: Tz) -> Self {
        Self {
            tz,
            always_open: true,
            week: Default::default(),
            overrides: BTreeMap::new(),
        }
    }
    /// One span Monday to Friday, weekends closed.
    pub fn office(tz: Tz, hours: Span) -> Self {
        let day = vec![hours];
        Self {
            tz,
            always_open: false,
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            overrides: BTreeMap::new(),
        }
    }

    /// Field errors (`week.<0..6>` for Monday..Sunday, `overrides.<date>`, `overrides`).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::default();
        for (i, spans) in self.week.iter().enumerate() {
            if !spans_ok(spans) {
                errs.push(&format!("week.{i}"), "invalid");
            }
        }
        if self.overrides.len() > MAX_OVERRIDES {
            errs.push("overrides", "too_long");
        }
        for (d, rule) in &self.overrides {
            if let DayRule::Hours { spans } = rule
                && (spans.is_empty() || !spans_ok(spans))
            {
                errs.push(&format!("overrides.{d}"), "invalid");
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    /// The spans of a local date (override first, else its weekday).
    pub fn spans_on(&self, d: NaiveDate) -> &[Span] {
        match self.overrides.get(&d) {
            Some(DayRule::Closed) => &[],
            Some(DayRule::Hours { spans }) => spans,
            None => &self.week[d.weekday().num_days_from_monday() as usize],
        }
    }

    /// Is the instant `t` inside business time?
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        if self.always_open {
            return true;
        }
        let local = t.with_timezone(&self.tz).naive_local();
        let secs = i64::from(chrono::Timelike::num_seconds_from_midnight(&local.time()));
        self.spans_on(local.date())
            .iter()
            .any(|s| i64::from(s.open) * 60 <= secs && secs < i64::from(s.close) * 60)
    }

    /// The open intervals inside `[a, b)`, sorted and disjoint.
    pub fn open_in(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if b <= a {
            return Vec::new();
        }
        if self.always_open {
            return vec![(a, b)];
        }
        // Every local date an instant of [a, b) can have (offsets are within ±1 day), and
        // the UTC-offset segments around all of them, found once.
        let first = (a - Duration::days(1)).date_naive();
        let last = (b + Duration::days(1)).date_naive();
        let segs = segments(
            &self.tz,
            midnight_utc(first) - Duration::hours(26),
            midnight_utc(last) + Duration::hours(50),
        );
        let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .flat_map(|d| self.day_intervals(d, &segs))
            .filter_map(|(s, e)| {
                let (s, e) = (s.max(a), e.min(b));
                (s < e).then_some((s, e))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Open time in `[a, b)` (zero when `b <= a`).
    pub fn business_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b <= a {
            return Duration::zero();
        }
        if self.always_open {
            return b - a;
        }
        let mut total = Duration::zero();
        let mut from = a;
        while from < b {
            let to = (from + Duration::days(WINDOW_DAYS)).min(b);
            total += self
                .open_in(from, to)
                .iter()
                .fold(Duration::zero(), |acc, (s, e)| acc + (*e - *s));
            from = to;
        }
        total
    }

    /// The earliest instant `t >= start` with `business_between(start, t) == amount`
    /// (`start` itself for a zero or negative amount); `None` if the calendar does not
    /// have that much open time within [`SEARCH_DAYS`].
    pub fn add_business(&self, start: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        if amount <= Duration::zero() {
            return Some(start);
        }
        if self.always_open {
            return start.checked_add_signed(amount);
        }
        let mut left = amount;
        let mut from = start;
        let horizon = start + Duration::days(SEARCH_DAYS);
        // Short targets end within a day: windows of 1, 2, 4, then 7 days.
        let mut days = 1;
        while from < horizon {
            let to = from + Duration::days(days);
            days = (days * 2).min(WINDOW_DAYS);
            for (s, e) in self.open_in(from, to) {
                let len = e - s;
                if left <= len {
                    return Some(s + left);
                }
                left -= len;
            }
            from = to;
        }
        None
    }

    /// The exact UTC intervals whose instants have local date `d` and a local time inside
    /// one of its spans: per span, per UTC-offset segment of that date.
    /// `segs` must cover `d`'s midnight (read as UTC) from 26 hours before to 50 after.
    fn day_intervals(
        &self,
        d: NaiveDate,
        segs: &[(DateTime<Utc>, DateTime<Utc>, Duration)],
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let spans = self.spans_on(d);
        if spans.is_empty() {
            return Vec::new();
        }
        let midnight = NaiveDateTime::new(d, NaiveTime::MIN);
        // Instants with local date d lie within a day of its midnight read as UTC.
        let lo = midnight.and_utc() - Duration::hours(26);
        let hi = midnight.and_utc() + Duration::hours(50);
        let mut out = Vec::new();
        for &(seg_start, seg_end, offset) in segs.iter().filter(|(s, e, _)| *s < hi && *e > lo) {
            for span in spans {
                let open = midnight + Duration::minutes(i64::from(span.open));
                let close = midnight + Duration::minutes(i64::from(span.close));
                let s = (open - offset).and_utc().max(seg_start);
                let e = (close - offset).and_utc().min(seg_end);
                if s < e {
                    out.push((s, e));
                }
            }
        }
        out
    }
}

/// Days per window when walking long ranges (bounds the intervals held at once).
const WINDOW_DAYS: i64 = 7;

fn spans_ok(spans: &[Span]) -> bool {
    spans.len() <= MAX_SPANS_PER_DAY
        && spans
            .iter()
            .all(|s| s.open < s.close && s.close <= DAY_MINUTES)
        && spans.windows(2).all(|w| w[0].close <= w[1].open)
}

/// The UTC offset of `tz` at `t`.
fn offset_at(tz: &Tz, t: DateTime<Utc>) -> Duration {
    Duration::seconds(i64::from(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    ))
}

/// Midnight of `d` read as UTC.
fn midnight_utc(d: NaiveDate) -> DateTime<Utc> {
    NaiveDateTime::new(d, NaiveTime::MIN).and_utc()
}

/// Splits `[a, b)` into pieces of constant UTC offset: `(start, end, offset)`. The offset is
/// sampled every day; where two samples differ, the transition is found by bisection to the
/// second (zones never change twice and back within one day).
fn segments(
    tz: &Tz,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, Duration)> {
    let mut out = Vec::new();
    if b <= a {
        return out;
    }
    let one = Duration::seconds(1);
    // Whole seconds (zone transitions are), so the bisection ends on the exact second.
    let whole = |t: DateTime<Utc>| DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    let last = whole(b - one);
    let mut start = a;
    let mut off = offset_at(tz, a);
    let mut probe = whole(a);
    while probe < last {
        let next = (probe + Duration::days(1)).min(last);
        let next_off = offset_at(tz, next);
        if next_off != off {
            // Invariant: offset at lo is `off`, at hi it differs.
            let (mut lo, mut hi) = (probe, next);
            while hi - lo > one {
                let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
                if offset_at(tz, mid) == off {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((start, hi, off));
            start = hi;
            off = offset_at(tz, hi);
            probe = hi;
            continue;
        }
        probe = next;
    }
    out.push((start, b, off));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0)
            .single()
            .unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// Minute-stepping reference: open minutes in [a, b) (a, b on whole minutes).
    fn ref_between(c: &Calendar, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        let mut n = 0;
        let mut t = a;
        while t < b {
            if c.is_open(t) {
                n += 1;
            }
            t += Duration::minutes(1);
        }
        n
    }

    /// Minute-stepping reference for `add_business` (minutes), searching `limit` minutes.
    fn ref_add(
        c: &Calendar,
        start: DateTime<Utc>,
        minutes: i64,
        limit: i64,
    ) -> Option<DateTime<Utc>> {
        if minutes <= 0 {
            return Some(start);
        }
        let mut left = minutes;
        let mut t = start;
        for _ in 0..limit {
            if c.is_open(t) {
                left -= 1;
                if left == 0 {
                    return Some(t + Duration::minutes(1));
                }
            }
            t += Duration::minutes(1);
        }
        None
    }

    #[test]
    fn office_hours_in_moscow() {
        let c = Calendar::default();
        // Friday 2026-11-20 17:00 MSK = 14:00 UTC; 2 business hours → Monday 10:00 MSK.
        let fri = utc(2026, 11, 20, 14, 0);
        assert_eq!(
            c.add_business(fri, Duration::hours(2)),
            Some(utc(2026, 11, 23, 7, 0))
        );
        assert_eq!(
            c.business_between(fri, utc(2026, 11, 23, 7, 0)),
            Duration::hours(2)
        );
        assert!(c.is_open(fri));
        assert!(!c.is_open(utc(2026, 11, 21, 10, 0)));
        // Exactly at closing: the deadline is the closing instant, not the next opening.
        assert_eq!(
            c.add_business(fri, Duration::hours(1)),
            Some(utc(2026, 11, 20, 15, 0))
        );
        assert_eq!(c.add_business(fri, Duration::zero()), Some(fri));
    }

    #[test]
    fn holidays_and_transferred_days() {
        let mut c = Calendar::default();
        c.overrides.insert(date(2027, 1, 1), DayRule::Closed);
        c.overrides.insert(
            date(2027, 1, 2),
            DayRule::Hours {
                spans: vec![Span::hm(10, 0, 14, 0)],
            },
        );
        // Thursday 2026-12-31 17:30 MSK, 2 h: 30 min on Thursday, Friday is a holiday,
        // Saturday is a working day from 10:00 → 11:30 MSK = 08:30 UTC.
        let start = utc(2026, 12, 31, 14, 30);
        assert_eq!(
            c.add_business(start, Duration::hours(2)),
            Some(utc(2027, 1, 2, 8, 30))
        );
        assert_eq!(
            ref_add(&c, start, 120, 5 * 1440),
            Some(utc(2027, 1, 2, 8, 30))
        );
    }

    #[test]
    fn dst_spring_and_autumn_in_new_york() {
        // Open 01:00–04:00 every day; 2026-03-08 skips 02:00–03:00, 2026-11-01 repeats 01:00–02:00.
        let mut c = Calendar::always(chrono_tz::America::New_York);
        c.always_open = false;
        c.week = std::array::from_fn(|_| vec![Span::hm(1, 0, 4, 0)]);
        let spring = c.business_between(utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0));
        let autumn = c.business_between(utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0));
        assert_eq!(spring, Duration::hours(2));
        assert_eq!(autumn, Duration::hours(4));
        assert_eq!(
            spring.num_minutes(),
            ref_between(&c, utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0))
        );
        assert_eq!(
            autumn.num_minutes(),
            ref_between(&c, utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0))
        );
    }

    #[test]
    fn always_open_and_never_open() {
        let c = Calendar::always(chrono_tz::UTC);
        let t = utc(2026, 1, 1, 0, 0);
        assert_eq!(
            c.add_business(t, Duration::minutes(90)),
            Some(t + Duration::minutes(90))
        );
        assert_eq!(
            c.business_between(t, t + Duration::days(2)),
            Duration::days(2)
        );
        let closed = Calendar {
            week: Default::default(),
            ..Calendar::default()
        };
        assert_eq!(closed.add_business(t, Duration::minutes(1)), None);
        assert_eq!(
            closed.business_between(t, t + Duration::days(30)),
            Duration::zero()
        );
    }

    #[test]
    fn validation_names_the_bad_day() {
        let mut c = Calendar::default();
        c.week[2] = vec![Span::hm(10, 0, 9, 0)];
        c.week[4] = vec![Span::hm(9, 0, 13, 0), Span::hm(12, 0, 18, 0)];
        c.overrides
            .insert(date(2027, 3, 8), DayRule::Hours { spans: vec![] });
        let errs = c.validate().err().map(|e| e.0).unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["week.2", "week.4", "overrides.2027-03-08"]);
        assert!(Calendar::default().validate().is_ok());
        let json = serde_json::to_string(&Calendar::default()).unwrap_or_default();
        assert!(json.contains("\"Europe/Moscow\""), "{json}");
        let back: Calendar =
            serde_json::from_str(&json).unwrap_or_else(|_| Calendar::always(chrono_tz::UTC));
        assert_eq!(back, Calendar::default());
    }

    const ZONES: &[Tz] = &[
        chrono_tz::UTC,
        chrono_tz::Europe::Moscow,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::America::Havana,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kathmandu,
        chrono_tz::Pacific::Apia,
        chrono_tz::Asia::Tehran,
        chrono_tz::America::Santiago,
    ];

    fn arb_spans() -> impl Strategy<Value = Vec<Span>> {
        // Up to 3 spans from sorted cut points on a 15-minute grid (and sometimes odd minutes).
        proptest::collection::btree_set(0u16..=96, 0..=6).prop_flat_map(|cuts| {
            let cuts: Vec<u16> = cuts.into_iter().collect();
            proptest::collection::vec(0u16..15, cuts.len()).prop_map(move |jitter| {
                let pts: Vec<u16> = cuts
                    .iter()
                    .zip(jitter)
                    .map(|(c, j)| (c * 15 + if j < 3 { j } else { 0 }).min(DAY_MINUTES))
                    .collect();
                let mut spans: Vec<Span> = pts
                    .chunks(2)
                    .filter_map(|w| match w {
                        [o, c] if o < c => Some(Span {
                            open: *o,
                            close: *c,
                        }),
                        _ => None,
                    })
                    .collect();
                spans.dedup_by(|b, a| b.open < a.close);
                spans
            })
        })
    }

    fn arb_calendar() -> impl Strategy<Value = Calendar> {
        (
            0..ZONES.len(),
            proptest::collection::vec(arb_spans(), 7),
            proptest::collection::btree_map(
                0i64..60,
                prop_oneof![Just(None), arb_spans().prop_map(Some)],
                0..6,
            ),
            0i64..(16 * 365),
        )
            .prop_map(|(z, week, ov, base)| {
                let mut c = Calendar::always(ZONES[z]);
                c.always_open = false;
                for (i, s) in week.into_iter().enumerate() {
                    c.week[i] = s;
                }
                let base = date(2010, 1, 1) + Duration::days(base);
                for (k, v) in ov {
                    let rule = match v {
                        Some(spans) if !spans.is_empty() => DayRule::Hours { spans },
                        _ => DayRule::Closed,
                    };
                    c.overrides.insert(base + Duration::days(k), rule);
                }
                c
            })
    }

    /// Instants in 2010–2026, half of them in the weeks where DST transitions cluster
    /// (March–early April, late September–early November).
    fn arb_start() -> impl Strategy<Value = DateTime<Utc>> {
        prop_oneof![
            (0i64..(16 * 365), 0i64..1440).prop_map(|(d, m)| {
                utc(2010, 1, 1, 0, 0) + Duration::days(d) + Duration::minutes(m)
            }),
            (2010i32..2027, any::<bool>(), 0i64..50, 0i64..1440).prop_map(|(y, spring, d, m)| {
                let base = if spring {
                    utc(y, 2, 25, 0, 0)
                } else {
                    utc(y, 9, 20, 0, 0)
                };
                base + Duration::days(d) + Duration::minutes(m)
            }),
        ]
    }

    #[test]
    fn every_transition_of_the_test_zones_matches_minute_stepping() {
        // Open around midnight and in the small hours, where transitions happen.
        let spans = vec![
            Span::hm(0, 0, 3, 30),
            Span::hm(4, 0, 4, 1),
            Span::hm(22, 30, 24, 0),
        ];
        let mut transitions = 0;
        for tz in ZONES {
            let mut c = Calendar::always(*tz);
            c.always_open = false;
            c.week = std::array::from_fn(|_| spans.clone());
            // Month-long windows: no zone changes twice and back within one.
            let found: Vec<DateTime<Utc>> = (0..16 * 13)
                .flat_map(|k| {
                    let from = utc(2011, 1, 1, 0, 0) + Duration::days(28 * k);
                    segments(tz, from, from + Duration::days(28))
                        .into_iter()
                        .skip(1)
                })
                .map(|(seg_start, _, _)| seg_start)
                .collect();
            for seg_start in found {
                transitions += 1;
                let (a, b) = (
                    seg_start - Duration::hours(36),
                    seg_start + Duration::hours(36),
                );
                assert_eq!(
                    c.business_between(a, b).num_minutes(),
                    ref_between(&c, a, b),
                    "{tz} at {seg_start}"
                );
                let want = ref_add(&c, a, 300, 3 * 1440);
                assert_eq!(
                    c.add_business(a, Duration::minutes(300)),
                    want,
                    "{tz} at {seg_start}"
                );
            }
        }
        // Berlin, New York, Havana, Lord Howe, Tehran, Santiago, Moscow (2011, 2014), Apia…
        assert!(transitions > 150, "{transitions}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

        #[test]
        fn business_time_matches_minute_stepping(
            cal in arb_calendar(),
            start in arb_start(),
            span_minutes in 0i64..(5 * 1440),
            amount in 0i64..(2 * 1440),
        ) {
            prop_assert!(cal.validate().is_ok());
            let end = start + Duration::minutes(span_minutes);
            let between = cal.business_between(start, end);
            prop_assert_eq!(between.num_minutes(), ref_between(&cal, start, end));
            prop_assert_eq!(between.num_seconds() % 60, 0);
            let limit = 12 * 1440;
            let got = cal.add_business(start, Duration::minutes(amount));
            let want = ref_add(&cal, start, amount, limit);
            if let Some(w) = want {
                prop_assert_eq!(got, Some(w));
                prop_assert_eq!(cal.business_between(start, w), Duration::minutes(amount));
            } else {
                // Not found within the reference's horizon: ours is later or none.
                prop_assert!(got.is_none_or(|g| g >= start + Duration::minutes(limit)));
            }
        }

        #[test]
        fn open_intervals_agree_with_is_open(cal in arb_calendar(), start in arb_start()) {
            let end = start + Duration::days(3);
            let ivs = cal.open_in(start, end);
            for w in ivs.windows(2) {
                prop_assert!(w[0].1 <= w[1].0);
            }
            for (s, e) in &ivs {
                prop_assert!(cal.is_open(*s));
                prop_assert!(cal.is_open(*e - Duration::seconds(1)));
            }
        }
    }
}
