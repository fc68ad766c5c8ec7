//! Service levels: business calendars and business-time arithmetic ([`calendar`]) and
//! calendar imports ([`import`]). Policies, clocks and escalation build on these.
//!
//! Invariants: pure (no clock reads, no I/O); every time is UTC in and out, local time only
//! inside a calendar's own zone.

pub mod calendar;
pub mod clock;
pub mod import;
pub mod policy;
pub mod record;

pub use calendar::{Calendar, DayRule, Span};
/// IANA time zones (`"Europe/Moscow".parse::<Tz>()`).
pub use chrono_tz::Tz;
pub use clock::{CalendarSet, SlaEvent, SlaState};
pub use policy::{Policy, PolicyDraft, Target};
pub use record::TicketSla;

use crate::ids::{SlaCalendarId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One measurement kept for reports: a target met (with the time it took) or breached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measurement {
    /// The target.
    pub target: Target,
    /// The policy it belonged to.
    pub policy_name: String,
    /// `true`: breached (at `at`); `false`: met at `at`.
    pub breach: bool,
    /// Business seconds taken (met only).
    pub business_secs: Option<i64>,
    /// Calendar seconds taken (met only).
    pub calendar_secs: Option<i64>,
    /// Met after a breach.
    pub late: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// A stored business calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCalendar {
    /// Id.
    pub id: SlaCalendarId,
    /// Name shown to managers.
    pub name: String,
    /// The calendar.
    pub calendar: Calendar,
    /// The installation's default (exactly one calendar is, once any exists).
    pub is_default: bool,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// What a queue row shows of a ticket's SLA (`None` on the row: no clocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaBadge {
    /// The earliest deadline of a running clock that has not breached.
    pub due_at: Option<DateTime<Utc>>,
    /// A running clock is breached.
    pub breached: bool,
    /// All active clocks wait for the customer.
    pub paused: bool,
    /// The highest warning share reached by a running clock (0: none).
    pub warned: u8,
}

/// One SLA write (see `Store::save_sla`).
#[derive(Debug, Clone, PartialEq)]
pub struct SaveSla {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The record's revision the write was computed from (0: no record yet); the store
    /// refuses the write with `Conflict` if the stored revision differs.
    pub expected_revision: i64,
    /// The new record (its `revision` is ignored: the store stores `expected_revision + 1`).
    pub sla: TicketSla,
    /// History rows to append (actor: the system), each at its instant.
    pub events: Vec<(SlaEvent, DateTime<Utc>)>,
    /// In-app notifications.
    pub notifications: Vec<crate::notification::NewNotification>,
    /// Jobs (timers, breach actions); duplicate keys are skipped.
    pub jobs: Vec<crate::job::NewJob>,
    /// The job whose effect this is (completed in the same transaction, or `Conflict`).
    pub completes: Option<crate::ports::JobClaim>,
    /// When.
    pub now: DateTime<Utc>,
}
