//! How an agent sees the UI (issue 6, point 10): their language and IANA time zone, and the
//! one date-and-time format of the UI.
//!
//! Invariants:
//! - a [`TimeZoneName`] is always a zone the tz database (chrono-tz) knows: it is parsed at
//!   the edge, and an unknown name is a field error `time_zone: invalid`;
//! - an instant is converted with the zone's rules at that instant (daylight saving
//!   included), never with a fixed offset ([`local_time`]);
//! - [`format_local`] is the only date format of the UI, 24-hour in both languages:
//!   Russian `23.11.2026 14:05`, English `23 Nov 2026 14:05`; a time shown without a known
//!   zone is UTC and says so (`23 Nov 2026 14:05 UTC`, [`format_in`]);
//! - [`DisplayPrefs`] fields are `None` until the agent (or their first sign-in / first
//!   visit) chose them; the UI then falls back to the request's language and to UTC.
//!
//! The browser converts with `Intl.DateTimeFormat` instead of chrono-tz (so the WASM bundle
//! never links the tz database) and formats the result with the same [`format_local`].

use crate::error::{DomainError, FieldErrors};
use crate::ids::Lang;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

/// The longest zone name accepted (the longest IANA name is 32 characters).
pub const MAX_ZONE_LEN: usize = 64;

/// An IANA time zone the tz database knows (`Europe/Moscow`, `UTC` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZoneName(Tz);

impl TimeZoneName {
    /// Parses an IANA name (surrounding blanks ignored; case as in the database);
    /// `Invalid` with field `time_zone` for anything else.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let invalid = |code: &str| {
            let mut e = FieldErrors::default();
            e.push("time_zone", code);
            DomainError::Invalid(e)
        };
        if raw.is_empty() {
            return Err(invalid("required"));
        }
        if raw.len() > MAX_ZONE_LEN {
            return Err(invalid("too_long"));
        }
        raw.parse::<Tz>().map(Self).map_err(|_| invalid("invalid"))
    }

    /// The zone's name as the database spells it.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// The zone itself.
    pub fn tz(&self) -> Tz {
        self.0
    }
}

impl std::fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An agent's display preferences; `None` = not chosen yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisplayPrefs {
    /// UI language.
    pub lang: Option<Lang>,
    /// Time zone of every date and time the agent sees.
    pub time_zone: Option<TimeZoneName>,
}

/// The wall-clock time of instant `t` in `zone`.
pub fn local_time(t: DateTime<Utc>, zone: TimeZoneName) -> NaiveDateTime {
    t.with_timezone(&zone.tz()).naive_local()
}

/// Short month names in English (the Russian format is all digits).
const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A wall-clock time in the language's format (see the module docs).
pub fn format_local(local: NaiveDateTime, lang: Lang) -> String {
    let (y, mo, d, h, mi) = (
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
    );
    match lang {
        Lang::Ru => format!("{d:02}.{mo:02}.{y} {h:02}:{mi:02}"),
        Lang::En => {
            let month = EN_MONTHS
                .get(mo.saturating_sub(1) as usize)
                .copied()
                .unwrap_or("?");
            format!("{d} {month} {y} {h:02}:{mi:02}")
        }
    }
}

/// Instant `t` for an agent: in `zone` when known, else in UTC marked ` UTC`.
pub fn format_in(t: DateTime<Utc>, zone: Option<TimeZoneName>, lang: Lang) -> String {
    match zone {
        Some(z) => format_local(local_time(t, z), lang),
        None => format!("{} UTC", format_local(t.naive_utc(), lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn zone(s: &str) -> Option<TimeZoneName> {
        Some(TimeZoneName::parse(s).unwrap())
    }

    #[test]
    fn both_languages_have_their_format() {
        let t = utc(2026, 11, 23, 14, 5);
        assert_eq!(format_in(t, zone("UTC"), Lang::Ru), "23.11.2026 14:05");
        assert_eq!(format_in(t, zone("UTC"), Lang::En), "23 Nov 2026 14:05");
        assert_eq!(format_in(t, None, Lang::Ru), "23.11.2026 14:05 UTC");
        assert_eq!(format_in(t, None, Lang::En), "23 Nov 2026 14:05 UTC");
        let early = utc(2027, 1, 2, 3, 4);
        assert_eq!(format_in(early, None, Lang::Ru), "02.01.2027 03:04 UTC");
        assert_eq!(format_in(early, None, Lang::En), "2 Jan 2027 03:04 UTC");
    }

    #[test]
    fn moscow_has_no_daylight_saving() {
        let msk = zone("Europe/Moscow");
        // +3 all year round.
        assert_eq!(
            format_in(utc(2026, 1, 15, 21, 30), msk, Lang::Ru),
            "16.01.2026 00:30"
        );
        assert_eq!(
            format_in(utc(2026, 7, 15, 21, 30), msk, Lang::En),
            "16 Jul 2026 00:30"
        );
    }

    #[test]
    fn berlin_follows_daylight_saving_across_the_boundary() {
        let ber = zone("Europe/Berlin");
        // Summer time starts on 29 March 2026 at 01:00 UTC (02:00 CET → 03:00 CEST).
        assert_eq!(
            format_in(utc(2026, 3, 29, 0, 59), ber, Lang::Ru),
            "29.03.2026 01:59"
        );
        assert_eq!(
            format_in(utc(2026, 3, 29, 1, 0), ber, Lang::Ru),
            "29.03.2026 03:00"
        );
        // And ends on 25 October 2026 at 01:00 UTC (03:00 CEST → 02:00 CET): 02:30 shows twice.
        assert_eq!(
            format_in(utc(2026, 10, 25, 0, 30), ber, Lang::En),
            "25 Oct 2026 02:30"
        );
        assert_eq!(
            format_in(utc(2026, 10, 25, 1, 30), ber, Lang::En),
            "25 Oct 2026 02:30"
        );
        assert_eq!(
            format_in(utc(2026, 11, 23, 14, 5), ber, Lang::En),
            "23 Nov 2026 15:05"
        );
    }

    #[test]
    fn zones_are_parsed_at_the_edge() {
        assert_eq!(
            TimeZoneName::parse(" Asia/Tokyo ").unwrap().as_str(),
            "Asia/Tokyo"
        );
        assert_eq!(TimeZoneName::parse("UTC").unwrap().to_string(), "UTC");
        let field = |raw: &str| match TimeZoneName::parse(raw) {
            Err(DomainError::Invalid(e)) => (e.0[0].field.clone(), e.0[0].code.clone()),
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(
            field("Mars/Olympus"),
            ("time_zone".into(), "invalid".into())
        );
        assert_eq!(field("+03:00"), ("time_zone".into(), "invalid".into()));
        assert_eq!(field(""), ("time_zone".into(), "required".into()));
        assert_eq!(
            field(&"A".repeat(65)),
            ("time_zone".into(), "too_long".into())
        );
        // The new year starts ten hours earlier in Vladivostok (+10).
        assert_eq!(
            format_in(utc(2026, 12, 31, 14, 0), zone("Asia/Vladivostok"), Lang::Ru),
            "01.01.2027 00:00"
        );
    }
}
