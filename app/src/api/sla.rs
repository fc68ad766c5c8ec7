//! Service levels (issue 5) for managers and agents: SLA policies (`/manage/sla`), business
//! calendars with holiday imports and each group's calendar (`/manage/calendars`), and a
//! ticket's clocks for the ticket page. Each call authenticates, parses the editor's form at
//! the edge ([`PolicyForm::to_draft`], [`CalendarForm::to_parts`]) and calls one
//! `lossless::services::sla` function.
//!
//! Invariants:
//! - `PolicyForm::from_draft(d).to_draft() == d` for every draft the form can express (the
//!   condition is the rules editor's "all/any of rows", [`CondRow`]; deeper trees answer
//!   `None` and are never flattened); `CalendarForm::from_calendar` / `to_parts` round-trip
//!   likewise (spans are written `09:00-13:00, 14:00-18:00`).
//! - Parsing errors name the field: `name`, `targets`, `targets.<target>`, `warn_at`,
//!   `calendar`, `move_to_group`, `cond.<i>` for policies; `name`, `tz`, `week.<0..6>`
//!   (Monday first), `overrides.<date as typed>` for calendars; `format` and `file` for
//!   imports. Every refusal is `Invalid` (422) and nothing is stored.
//! - Policy and calendar functions are for managers and admins (`Forbidden`, 403, for other
//!   agents); the ticket's SLA is for any signed-in agent.
//! - Calendars cross the wire as forms (time zone as text), so the browser never links the
//!   time-zone database; [`parse_spans`] is the one span parser of both sides.

use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use lossless::error::FieldErrors;
use lossless::ids::{GroupId, SlaCalendarId, SlaPolicyId};
use lossless::rules::condition::Condition;
use lossless::sla::policy::{OnBreach, Targets};
use lossless::sla::{Measurement, Policy, PolicyDraft, SlaBadge, Span, Target};
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

pub use crate::api::rules::CondRow;

/// Time zones offered in the calendar editor (any IANA name is accepted).
pub const COMMON_ZONES: [&str; 12] = [
    "Europe/Moscow",
    "Europe/Kaliningrad",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "UTC",
    "Europe/Berlin",
    "America/New_York",
];

/// Import formats offered (`format` of [`import_holidays`]).
pub const IMPORT_FORMATS: [&str; 2] = ["production_calendar", "ical"];

/// The policy editor's form (targets in minutes as typed; empty = not set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyForm {
    /// Name.
    pub name: String,
    /// Chosen only when enabled.
    pub enabled: bool,
    /// The rows combine with "any" (else "all").
    #[serde(default)]
    pub match_any: bool,
    /// Condition rows (no rows: every ticket).
    #[serde(default)]
    pub conditions: Vec<CondRow>,
    /// First response, minutes.
    #[serde(default)]
    pub first_response: String,
    /// Next response, minutes.
    #[serde(default)]
    pub next_response: String,
    /// Resolution, minutes.
    #[serde(default)]
    pub resolution: String,
    /// Calendar id, or empty: the group's, else the default.
    #[serde(default)]
    pub calendar: String,
    /// Warning shares, comma-separated percents.
    #[serde(default)]
    pub warn_at: String,
    /// On breach: raise the priority one step.
    #[serde(default)]
    pub raise_priority: bool,
    /// On breach: move to this group id (empty: stay).
    #[serde(default)]
    pub move_to_group: String,
    /// On breach: hand the ticket to another agent by the group's strategy.
    #[serde(default)]
    pub reassign: bool,
}

impl Default for PolicyForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            enabled: true,
            match_any: false,
            conditions: Vec::new(),
            first_response: String::new(),
            next_response: String::new(),
            resolution: String::new(),
            calendar: String::new(),
            warn_at: "75, 90".to_owned(),
            raise_priority: false,
            move_to_group: String::new(),
            reassign: false,
        }
    }
}

/// Comma-separated entries, trimmed, empty ones dropped.
fn split_list(s: &str) -> Vec<&str> {
    s.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
}

/// An optional number: empty is `Ok(None)`, anything unreadable `Err`.
fn optional<T: std::str::FromStr>(s: &str) -> Result<Option<T>, ()> {
    match s.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| ()),
    }
}

fn text<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The field of a target (`targets.first_response`, …).
pub fn target_field(t: Target) -> String {
    format!("targets.{}", t.as_str())
}

impl PolicyForm {
    /// The typed minutes of `t`.
    pub fn target(&self, t: Target) -> &String {
        match t {
            Target::FirstResponse => &self.first_response,
            Target::NextResponse => &self.next_response,
            Target::Resolution => &self.resolution,
        }
    }
    /// The typed minutes of `t`, to edit.
    pub fn target_mut(&mut self, t: Target) -> &mut String {
        match t {
            Target::FirstResponse => &mut self.first_response,
            Target::NextResponse => &mut self.next_response,
            Target::Resolution => &mut self.resolution,
        }
    }

    /// Parses the form; every problem is named (see the module doc), together with the
    /// core's checks ([`PolicyDraft::validate`]) of the fields that did parse.
    pub fn to_draft(&self) -> Result<PolicyDraft, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut rows = Vec::with_capacity(self.conditions.len());
        for (i, r) in self.conditions.iter().enumerate() {
            match r.to_condition() {
                Ok(c) => rows.push(c),
                Err(code) => e.push(&format!("cond.{i}"), code),
            }
        }
        let mut minutes = |t: Target| {
            optional::<u32>(self.target(t)).unwrap_or_else(|()| {
                e.push(&target_field(t), "invalid");
                None
            })
        };
        let targets = Targets {
            first_response: minutes(Target::FirstResponse),
            next_response: minutes(Target::NextResponse),
            resolution: minutes(Target::Resolution),
        };
        let calendar = optional::<i64>(&self.calendar).unwrap_or_else(|()| {
            e.push("calendar", "invalid");
            None
        });
        let move_to_group = optional::<i64>(&self.move_to_group).unwrap_or_else(|()| {
            e.push("move_to_group", "invalid");
            None
        });
        let warn_at = split_list(&self.warn_at)
            .into_iter()
            .map(str::parse::<u8>)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|_| {
                e.push("warn_at", "invalid");
                Vec::new()
            });
        let draft = PolicyDraft {
            name: self.name.trim().to_owned(),
            enabled: self.enabled,
            condition: if self.match_any {
                Condition::Any(rows)
            } else {
                Condition::All(rows)
            },
            targets,
            calendar: calendar.map(SlaCalendarId),
            warn_at,
            on_breach: OnBreach {
                raise_priority: self.raise_priority,
                move_to_group: move_to_group.map(GroupId),
                reassign: self.reassign,
            },
        };
        if e.is_empty() {
            return Ok(draft);
        }
        // One save shows every mistake: the core's checks of fields that did parse.
        if let Err(more) = draft.validate() {
            for f in more.0 {
                let flagged = e.0.iter().any(|x| x.field == f.field);
                if !flagged && f.field != "condition" {
                    e.push(&f.field, &f.code);
                }
            }
        }
        Err(e)
    }

    /// The form showing `d`, or `None` when its condition is deeper than "all/any of rows".
    /// Row keys count from 1.
    pub fn from_draft(d: &PolicyDraft) -> Option<Self> {
        let (match_any, children): (bool, &[Condition]) = match &d.condition {
            Condition::All(xs) => (false, xs),
            Condition::Any(xs) => (true, xs),
            one @ (Condition::Leaf(_) | Condition::Not(_)) => (false, std::slice::from_ref(one)),
        };
        let conditions = children
            .iter()
            .zip(1u32..)
            .map(|(c, key)| CondRow::from_condition(key, c))
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            name: d.name.clone(),
            enabled: d.enabled,
            match_any,
            conditions,
            first_response: text(d.targets.first_response),
            next_response: text(d.targets.next_response),
            resolution: text(d.targets.resolution),
            calendar: text(d.calendar),
            warn_at: d
                .warn_at
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            raise_priority: d.on_breach.raise_priority,
            move_to_group: text(d.on_breach.move_to_group),
            reassign: d.on_breach.reassign,
        })
    }
}

/// `HH:MM` → minutes since midnight (`24:00` allowed).
fn parse_hm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Parses `09:00-13:00, 14:00-18:00` (empty: closed) into sorted, non-overlapping spans;
/// `None` when malformed, empty-length or overlapping.
pub fn parse_spans(s: &str) -> Option<Vec<Span>> {
    let mut spans = split_list(s)
        .into_iter()
        .map(|part| {
            let (a, b) = part.split_once(['-', '–'])?;
            let (open, close) = (parse_hm(a)?, parse_hm(b)?);
            (open < close).then_some(Span { open, close })
        })
        .collect::<Option<Vec<_>>>()?;
    spans.sort_unstable();
    spans
        .windows(2)
        .all(|w| w[0].close <= w[1].open)
        .then_some(spans)
}

/// Spans as the editor writes them.
pub fn spans_text(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            format!(
                "{:02}:{:02}-{:02}:{:02}",
                s.open / 60,
                s.open % 60,
                s.close / 60,
                s.close % 60
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One dated override of the calendar editor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRow {
    /// Stable key while the row is on screen (not part of the calendar).
    #[serde(default)]
    pub key: u32,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Closed all day (else open during `hours`).
    pub closed: bool,
    /// Spans when open.
    #[serde(default)]
    pub hours: String,
}

impl OverrideRow {
    /// Its field name (`overrides.<date as typed>`), also the core's for a bad day.
    pub fn field(&self) -> String {
        format!("overrides.{}", self.date.trim())
    }
}

/// The calendar editor's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarForm {
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub tz: String,
    /// Open around the clock.
    pub always_open: bool,
    /// Spans per weekday, Monday first (7 entries).
    pub week: Vec<String>,
    /// Dated overrides.
    #[serde(default)]
    pub overrides: Vec<OverrideRow>,
    /// The installation's default calendar.
    #[serde(default)]
    pub is_default: bool,
}

impl Default for CalendarForm {
    fn default() -> Self {
        let day = "09:00-18:00".to_owned();
        let mut week = vec![day; 5];
        week.extend([String::new(), String::new()]);
        Self {
            name: String::new(),
            tz: "Europe/Moscow".to_owned(),
            always_open: false,
            week,
            overrides: Vec::new(),
            is_default: false,
        }
    }
}

/// Reads a value through its `serde` form (the time zone, whose crate the app does not
/// name): `None` when the text is not one.
fn from_text<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s)).ok()
}

impl CalendarForm {
    /// The span problems only (`week.<i>`, `overrides.<date>`): what the browser checks
    /// before sending.
    pub fn span_errors(&self) -> FieldErrors {
        let mut e = FieldErrors::default();
        if self.always_open {
            return e;
        }
        for (i, day) in self.week.iter().enumerate() {
            if parse_spans(day).is_none() {
                e.push(&format!("week.{i}"), "invalid");
            }
        }
        for r in &self.overrides {
            if !r.closed && parse_spans(&r.hours).is_none_or(|s| s.is_empty()) {
                e.push(&r.field(), "invalid");
            }
        }
        e
    }

    /// Parses the form into the service's name, calendar and default flag.
    pub fn to_parts(&self) -> Result<(String, lossless::sla::Calendar, bool), FieldErrors> {
        use lossless::sla::{Calendar, DayRule};
        let mut e = self.span_errors();
        if self.week.len() != 7 {
            e.push("week", "invalid");
        }
        let tz = from_text(self.tz.trim());
        if tz.is_none() {
            e.push("tz", "invalid");
        }
        let mut week: [Vec<Span>; 7] = Default::default();
        for (slot, day) in week.iter_mut().zip(&self.week) {
            *slot = parse_spans(day).unwrap_or_default();
        }
        let mut overrides = std::collections::BTreeMap::new();
        for r in &self.overrides {
            let Ok(d) = NaiveDate::parse_from_str(r.date.trim(), "%Y-%m-%d") else {
                e.push(&r.field(), "invalid");
                continue;
            };
            let rule = if r.closed {
                DayRule::Closed
            } else {
                DayRule::Hours {
                    spans: parse_spans(&r.hours).unwrap_or_default(),
                }
            };
            if overrides.insert(d, rule).is_some() {
                e.push(&r.field(), "taken");
            }
        }
        if self.name.trim().is_empty() {
            e.push("name", "required");
        }
        match tz {
            Some(tz) if e.is_empty() => Ok((
                self.name.trim().to_owned(),
                Calendar {
                    tz,
                    always_open: self.always_open,
                    week,
                    overrides,
                },
                self.is_default,
            )),
            _ => Err(e),
        }
    }

    /// The form showing a stored calendar (override keys count from 1).
    pub fn from_calendar(name: &str, c: &lossless::sla::Calendar, is_default: bool) -> Self {
        use lossless::sla::DayRule;
        Self {
            name: name.to_owned(),
            tz: c.tz.to_string(),
            always_open: c.always_open,
            week: c.week.iter().map(|s| spans_text(s)).collect(),
            overrides: c
                .overrides
                .iter()
                .zip(1u32..)
                .map(|((d, rule), key)| OverrideRow {
                    key,
                    date: d.format("%Y-%m-%d").to_string(),
                    closed: *rule == DayRule::Closed,
                    hours: match rule {
                        DayRule::Closed => String::new(),
                        DayRule::Hours { spans } => spans_text(spans),
                    },
                })
                .collect(),
            is_default,
        }
    }
}

/// A stored calendar, for managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRow {
    /// Id.
    pub id: SlaCalendarId,
    /// The calendar as the editor shows it (name and default flag included).
    pub form: CalendarForm,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

#[cfg(feature = "ssr")]
impl From<lossless::sla::StoredCalendar> for CalendarRow {
    fn from(c: lossless::sla::StoredCalendar) -> Self {
        Self {
            id: c.id,
            form: CalendarForm::from_calendar(&c.name, &c.calendar, c.is_default),
            updated_at: c.updated_at,
        }
    }
}

/// The answer of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// How many dates the file set.
    pub count: usize,
    /// The calendar with the dates merged.
    pub calendar: CalendarRow,
}

/// One clock of a ticket, for the ticket page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    /// What it measures.
    pub target: Target,
    /// The policy it comes from.
    pub policy_name: String,
    /// The target, business minutes.
    pub minutes: u32,
    /// While active (not stopped): the badge of this clock.
    pub badge: Option<SlaBadge>,
    /// When it breached, if it did.
    pub breached_at: Option<DateTime<Utc>>,
    /// When it stopped, if it did.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Stopped because its target was met (else ended by resolving).
    pub met: bool,
}

/// A ticket's SLA for the ticket page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPanel {
    /// The server's time of this answer (countdowns start from it until the page runs).
    pub now: DateTime<Utc>,
    /// The clocks, in target order.
    pub clocks: Vec<ClockView>,
    /// Met and breached targets so far, oldest first.
    pub measurements: Vec<Measurement>,
}

#[cfg(feature = "ssr")]
impl SlaPanel {
    /// Maps the service's view.
    pub fn new(v: lossless::services::sla::TicketSlaView, now: DateTime<Utc>) -> Self {
        let mut clocks: Vec<ClockView> = v
            .sla
            .map(|s| s.state.clocks)
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let met = c.stopped_at.is_some_and(|at| {
                    v.measurements
                        .iter()
                        .any(|m| m.target == c.target && !m.breach && m.at == at)
                });
                ClockView {
                    badge: (!c.is_stopped()).then(|| SlaBadge {
                        due_at: c.due_at.filter(|_| c.breached_at.is_none()),
                        breached: c.breached_at.is_some(),
                        paused: c.is_paused(),
                        warned: c.warned.iter().copied().max().unwrap_or(0),
                    }),
                    target: c.target,
                    policy_name: c.chosen.policy_name,
                    minutes: c.chosen.minutes,
                    breached_at: c.breached_at,
                    stopped_at: c.stopped_at,
                    met,
                }
            })
            .collect();
        clocks.sort_by_key(|c| c.target);
        Self {
            now,
            clocks,
            measurements: v.measurements,
        }
    }
}

#[cfg(feature = "ssr")]
use super::with_status;

/// Form problems are the core's field errors (422 with the fields named).
#[cfg(feature = "ssr")]
fn invalid(e: FieldErrors) -> AppError {
    lossless::error::DomainError::Invalid(e).into()
}

/// Every policy in order.
#[server]
pub async fn list_policies() -> Result<Vec<Policy>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::list_policies(&cx.ports, &actor).await?)
    })
    .await
}

/// Saves a new policy (`id` none) or changes one; returns it as stored.
#[server(input = Json)]
pub async fn save_policy(id: Option<SlaPolicyId>, form: PolicyForm) -> Result<Policy, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let draft = form.to_draft().map_err(invalid)?;
        Ok(lossless::services::sla::save_policy(&cx.ports, &actor, id, draft).await?)
    })
    .await
}

/// Switches a policy on or off.
#[server]
pub async fn set_policy_enabled(id: SlaPolicyId, enabled: bool) -> Result<Policy, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::set_policy_enabled(&cx.ports, &actor, id, enabled).await?)
    })
    .await
}

/// Deletes a policy (running clocks keep their targets until the ticket changes).
#[server]
pub async fn delete_policy(id: SlaPolicyId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::delete_policy(&cx.ports, &actor, id).await?)
    })
    .await
}

/// Puts the policies in this order (ties between equally specific ones).
#[server(input = Json)]
pub async fn reorder_policies(order: Vec<SlaPolicyId>) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::reorder_policies(&cx.ports, &actor, order).await?)
    })
    .await
}

/// Every calendar.
#[server]
pub async fn list_calendars() -> Result<Vec<CalendarRow>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let all = lossless::services::sla::list_calendars(&cx.ports, &actor).await?;
        Ok(all.into_iter().map(CalendarRow::from).collect())
    })
    .await
}

/// Saves a new calendar (`id` none) or changes one; returns it as stored.
#[server(input = Json)]
pub async fn save_calendar(
    id: Option<SlaCalendarId>,
    form: CalendarForm,
) -> Result<CalendarRow, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let (name, calendar, is_default) = form.to_parts().map_err(invalid)?;
        let c = lossless::services::sla::save_calendar(
            &cx.ports, &actor, id, &name, calendar, is_default,
        )
        .await?;
        Ok(c.into())
    })
    .await
}

/// Deletes a calendar (the default one: `Conflict`).
#[server]
pub async fn delete_calendar(id: SlaCalendarId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::delete_calendar(&cx.ports, &actor, id).await?)
    })
    .await
}

/// Merges a holiday file (`format`: one of [`IMPORT_FORMATS`]) into a calendar.
#[server(input = Json)]
pub async fn import_holidays(
    id: SlaCalendarId,
    format: String,
    text: String,
) -> Result<Imported, AppError> {
    with_status(async {
        use lossless::services::sla::ImportFormat;
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let format = match format.as_str() {
            "production_calendar" => ImportFormat::ProductionCalendar,
            "ical" => ImportFormat::Ical,
            _ => return Err(AppError::invalid("format", "invalid")),
        };
        let (c, count) =
            lossless::services::sla::import_holidays(&cx.ports, &actor, id, format, &text).await?;
        Ok(Imported {
            count,
            calendar: c.into(),
        })
    })
    .await
}

/// Every group's calendar (groups without one are absent).
#[server]
pub async fn group_calendars() -> Result<Vec<(GroupId, SlaCalendarId)>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let m = lossless::services::sla::group_calendars(&cx.ports, &actor).await?;
        Ok(m.into_iter().collect())
    })
    .await
}

/// Sets (or clears, with none) a group's calendar.
#[server(input = Json)]
pub async fn set_group_calendar(
    group: GroupId,
    calendar: Option<SlaCalendarId>,
) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::sla::set_group_calendar(&cx.ports, &actor, group, calendar).await?)
    })
    .await
}

/// A ticket's clocks and measurements, by its number (`LL-1042`).
#[server]
pub async fn ticket_sla(number: String) -> Result<SlaPanel, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let number = lossless::ids::TicketNumber::parse(&number).map_err(|_| AppError::NotFound)?;
        let ticket = cx
            .ports
            .store
            .ticket_by_number(&number)
            .await
            .map_err(lossless::error::DomainError::from)?
            .ok_or(AppError::NotFound)?;
        let v = lossless::services::sla::ticket_sla(&cx.ports, &actor, ticket.id).await?;
        Ok(SlaPanel::new(v, cx.ports.clock.now()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless::rules::condition::{Predicate, TextField};
    use lossless::ticket::Channel;

    fn codes(e: FieldErrors) -> Vec<(String, String)> {
        e.0.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn shipped_policies_round_trip_through_the_form() {
        for mut d in lossless::sla::policy::defaults() {
            let form = PolicyForm::from_draft(&d).unwrap_or_else(|| panic!("{d:?}"));
            // A lone test reads back as "all of" that one test (same match, same specificity).
            if matches!(d.condition, Condition::Leaf(_) | Condition::Not(_)) {
                d.condition = Condition::All(vec![d.condition]);
            }
            assert_eq!(form.to_draft().unwrap(), d);
        }
        let d = PolicyDraft {
            name: "VIP email".into(),
            enabled: false,
            condition: Condition::All(vec![
                Condition::Leaf(Predicate::Vip),
                Condition::Not(Box::new(Condition::Leaf(Predicate::ChannelIs {
                    channel: Channel::Email,
                }))),
                Condition::Leaf(Predicate::KeywordsAny {
                    words: vec!["срочно".into()],
                    field: TextField::Subject,
                }),
            ]),
            targets: Targets {
                first_response: Some(30),
                next_response: None,
                resolution: Some(480),
            },
            calendar: Some(SlaCalendarId(3)),
            warn_at: vec![50, 80, 95],
            on_breach: OnBreach {
                raise_priority: true,
                move_to_group: Some(GroupId(2)),
                reassign: true,
            },
        };
        let form = PolicyForm::from_draft(&d).unwrap();
        assert_eq!(form.warn_at, "50, 80, 95");
        assert_eq!(form.to_draft().unwrap(), d);
        let nested = PolicyDraft {
            condition: Condition::All(vec![Condition::Any(vec![Condition::Leaf(Predicate::Vip)])]),
            ..d
        };
        assert!(PolicyForm::from_draft(&nested).is_none());
    }

    #[test]
    fn bad_policy_fields_are_named_together() {
        let form = PolicyForm {
            name: " ".into(),
            first_response: "soon".into(),
            warn_at: "75, lots".into(),
            calendar: "x".into(),
            move_to_group: "y".into(),
            conditions: vec![CondRow::new(1, "keywords")],
            ..PolicyForm::default()
        };
        let got = codes(form.to_draft().unwrap_err());
        for want in [
            ("cond.0", "required"),
            ("targets.first_response", "invalid"),
            ("calendar", "invalid"),
            ("move_to_group", "invalid"),
            ("warn_at", "invalid"),
            ("name", "required"),
            ("targets", "required"),
        ] {
            assert!(
                got.contains(&(want.0.to_owned(), want.1.to_owned())),
                "{want:?} in {got:?}"
            );
        }
        // The core's range checks come from the service when everything parses.
        let form = PolicyForm {
            name: "x".into(),
            resolution: "0".into(),
            warn_at: "90, 75".into(),
            ..PolicyForm::default()
        };
        let d = form.to_draft().unwrap();
        let got = codes(d.validate().unwrap_err());
        assert!(got.contains(&("targets.resolution".into(), "invalid".into())));
        assert!(got.contains(&("warn_at".into(), "invalid".into())));
    }

    #[test]
    fn spans_parse_and_print() {
        assert_eq!(parse_spans(""), Some(vec![]));
        assert_eq!(
            parse_spans(" 14:00-18:00 , 09:00 – 13:00"),
            Some(vec![Span::hm(9, 0, 13, 0), Span::hm(14, 0, 18, 0)])
        );
        assert_eq!(
            parse_spans("00:00-24:00"),
            Some(vec![Span::hm(0, 0, 24, 0)])
        );
        for bad in [
            "9-18",
            "09:00",
            "18:00-09:00",
            "09:00-09:00",
            "09:00-12:00, 11:00-13:00",
            "25:00-26:00",
            "09:60-10:00",
            "24:30-24:40",
        ] {
            assert_eq!(parse_spans(bad), None, "{bad}");
        }
        let s = vec![Span::hm(9, 0, 13, 0), Span::hm(14, 30, 18, 0)];
        assert_eq!(spans_text(&s), "09:00-13:00, 14:30-18:00");
        assert_eq!(parse_spans(&spans_text(&s)), Some(s));
    }

    #[test]
    fn calendars_round_trip_and_name_bad_days() {
        let mut form = CalendarForm {
            name: " Office ".into(),
            tz: "Asia/Novosibirsk".into(),
            ..CalendarForm::default()
        };
        form.week[5] = "10:00-14:00".into();
        form.overrides = vec![
            OverrideRow {
                key: 1,
                date: "2026-01-01".into(),
                closed: true,
                hours: String::new(),
            },
            OverrideRow {
                key: 2,
                date: "2026-02-21".into(),
                closed: false,
                hours: "09:00-17:00".into(),
            },
        ];
        let (name, cal, default) = form.to_parts().unwrap();
        assert_eq!((name.as_str(), default), ("Office", false));
        assert!(cal.validate().is_ok());
        assert_eq!(cal.week[5], vec![Span::hm(10, 0, 14, 0)]);
        assert!(cal.week[6].is_empty());
        let back = CalendarForm::from_calendar(&name, &cal, default);
        assert_eq!(back.tz, "Asia/Novosibirsk");
        assert_eq!(back.to_parts().unwrap(), (name, cal, default));

        form.tz = "Mars/Olympus".into();
        form.week[2] = "9 to 5".into();
        form.overrides[1].hours = String::new();
        form.overrides.push(OverrideRow {
            key: 3,
            date: "2026-13-01".into(),
            closed: true,
            hours: String::new(),
        });
        form.name = String::new();
        let got = codes(form.span_errors());
        assert_eq!(
            got,
            vec![
                ("week.2".to_owned(), "invalid".to_owned()),
                ("overrides.2026-02-21".to_owned(), "invalid".to_owned())
            ]
        );
        let got = codes(form.to_parts().unwrap_err());
        for want in [
            ("week.2", "invalid"),
            ("overrides.2026-02-21", "invalid"),
            ("tz", "invalid"),
            ("overrides.2026-13-01", "invalid"),
            ("name", "required"),
        ] {
            assert!(
                got.contains(&(want.0.to_owned(), want.1.to_owned())),
                "{want:?} in {got:?}"
            );
        }
        // 24/7 ignores spans.
        let all = CalendarForm {
            name: "24/7".into(),
            always_open: true,
            week: vec!["junk".into(); 7],
            ..CalendarForm::default()
        };
        assert!(all.to_parts().unwrap().1.always_open);
    }
}
