//! Service levels: business calendars and business-time arithmetic ([`calendar`]) and
//! calendar imports ([`import`]). Policies, clocks and escalation build on these.
//!
//! Invariants: pure (no clock reads, no I/O); every time is UTC in and out, local time only
//! inside a calendar's own zone.

pub mod calendar;
pub mod clock;
pub mod import;
pub mod policy;

pub use calendar::{Calendar, DayRule, Span};
