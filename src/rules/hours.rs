//! Business hours: a weekly schedule in one fixed UTC offset (full calendars with holidays
//! come with SLAs).
//!
//! Stored as JSON in the installation setting [`SETTING_KEY`]; a missing or unreadable
//! setting means [`BusinessHours::default`] (Monday–Friday 09:00–18:00 at UTC+3).
//!
//! Invariants: pure; a day is open on `open <= minute < close` (minutes since local
//! midnight, `close` up to 1440); a day without hours, or with `close <= open`, is closed all
//! day (no overnight spans in this simple schedule).

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The installation setting holding the schedule (JSON).
pub const SETTING_KEY: &str = "business_hours";

/// One day's opening hours, in minutes since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    /// Opens at (0..1440).
    pub open: u16,
    /// Closes at (exclusive, up to 1440).
    pub close: u16,
}

/// A weekly schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Offset of local time from UTC, in minutes (Moscow: 180).
    pub utc_offset_minutes: i32,
    /// Monday first; `None` is closed all day.
    pub days: [Option<DayHours>; 7],
}

impl Default for BusinessHours {
    /// Monday–Friday 09:00–18:00 at UTC+3.
    fn default() -> Self {
        let work = Some(DayHours {
            open: 9 * 60,
            close: 18 * 60,
        });
        Self {
            utc_offset_minutes: 180,
            days: [work, work, work, work, work, None, None],
        }
    }
}

impl BusinessHours {
    /// Reads the stored setting (`None` or unreadable → the default).
    pub fn from_setting(raw: Option<&str>) -> Self {
        raw.and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
    /// The JSON to store.
    pub fn to_setting(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    /// Is `now` inside business hours?
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now + Duration::minutes(i64::from(self.utc_offset_minutes));
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        match self.days.get(day).copied().flatten() {
            Some(h) => u32::from(h.open) <= minute && minute < u32::from(h.close).min(1440),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap()
    }

    #[test]
    fn default_is_weekdays_nine_to_six_moscow_time() {
        let b = BusinessHours::default();
        // Monday 2 Nov 2026: 09:00 MSK = 06:00 UTC.
        assert!(!b.is_open(utc(2026, 11, 2, 5, 59)));
        assert!(b.is_open(utc(2026, 11, 2, 6, 0)));
        assert!(b.is_open(utc(2026, 11, 2, 14, 59)));
        assert!(!b.is_open(utc(2026, 11, 2, 15, 0))); // 18:00 MSK: closed
        // Friday evening UTC that is already Saturday in Moscow? 22:00 UTC Fri = 01:00 Sat.
        assert!(!b.is_open(utc(2026, 11, 6, 22, 0)));
        // Saturday noon.
        assert!(!b.is_open(utc(2026, 11, 7, 9, 0)));
        // Sunday 23:30 UTC is Monday 02:30 MSK: closed; Monday 06:30 UTC open.
        assert!(!b.is_open(utc(2026, 11, 8, 23, 30)));
        assert!(b.is_open(utc(2026, 11, 9, 6, 30)));
    }

    #[test]
    fn setting_round_trips_and_bad_input_falls_back() {
        let mut b = BusinessHours {
            utc_offset_minutes: 0,
            ..BusinessHours::default()
        };
        b.days[5] = Some(DayHours {
            open: 10 * 60,
            close: 14 * 60,
        });
        let s = b.to_setting();
        assert_eq!(BusinessHours::from_setting(Some(&s)), b);
        assert!(b.is_open(utc(2026, 11, 7, 10, 0))); // Saturday now open, UTC
        assert_eq!(
            BusinessHours::from_setting(Some("{not json")),
            BusinessHours::default()
        );
        assert_eq!(BusinessHours::from_setting(None), BusinessHours::default());
    }

    #[test]
    fn closed_days_and_inverted_hours_never_open() {
        let mut b = BusinessHours {
            utc_offset_minutes: 0,
            ..BusinessHours::default()
        };
        b.days[0] = Some(DayHours {
            open: 18 * 60,
            close: 9 * 60,
        });
        assert!(!b.is_open(utc(2026, 11, 2, 12, 0)));
        assert!(!b.is_open(utc(2026, 11, 2, 20, 0)));
        b.days[0] = Some(DayHours {
            open: 0,
            close: 1440,
        });
        assert!(b.is_open(utc(2026, 11, 2, 0, 0)));
        assert!(b.is_open(utc(2026, 11, 2, 23, 59)));
    }
}
