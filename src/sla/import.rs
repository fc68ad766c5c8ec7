//! Calendar imports: the Russian production calendar (the `xmlcalendar` XML format that
//! Consultant/Garant-derived feeds publish, one file per year) and iCal (RFC 5545) holiday
//! feeds. Both parse into dated [`DayKind`]s that [`apply`] merges into a [`Calendar`].
//!
//! Invariants: pure and total (any input gives a list or a clear [`ImportError`], never a
//! panic); inputs are bounded ([`MAX_IMPORT_BYTES`], [`MAX_IMPORT_DAYS`]); a date appears at
//! most once in a result (the last mention wins); nothing is applied on error.
//!
//! Production calendar format (`<calendar year="2025">…<days><day d="MM.DD" t="1|2|3"/>`):
//! `t="1"` a day off (holiday or transferred weekend), `t="2"` a shortened working day (one
//! hour shorter), `t="3"` a working day on a weekend; `f="MM.DD"` names the day a working
//! day was moved from. iCal: every `VEVENT`'s all-day `DTSTART` (to `DTEND`, exclusive) is a
//! day off; `RRULE:FREQ=YEARLY` repeats it up to `COUNT`/`UNTIL` or the years asked for.

use super::calendar::{Calendar, DayRule, Span};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

/// Largest import accepted (bytes).
pub const MAX_IMPORT_BYTES: usize = 1 << 20;
/// Most dated days one import may yield.
pub const MAX_IMPORT_DAYS: usize = 5_000;
/// How much shorter a shortened pre-holiday day is (Labour Code art. 95), in minutes.
pub const SHORTENED_BY_MINUTES: u16 = 60;

/// What an imported date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// Closed (holiday, transferred day off); the name if the source gives one.
    DayOff(Option<String>),
    /// A working day one hour shorter.
    Shortened,
    /// A working day although it falls on a weekend.
    Working,
}

/// Why an import was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Larger than [`MAX_IMPORT_BYTES`] or more than [`MAX_IMPORT_DAYS`] days.
    #[error("the file is too large")]
    TooLarge,
    /// Not the expected format at all.
    #[error("not a {0} file")]
    NotFormat(&'static str),
    /// A malformed entry (what, and where).
    #[error("line {line}: {what}")]
    Bad {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
}

/// Parses one year of the Russian production calendar (XML, see the module doc).
pub fn production_calendar(xml: &str) -> Result<BTreeMap<NaiveDate, DayKind>, ImportError> {
    if xml.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    let root = tags(xml, "calendar")
        .next()
        .ok_or(ImportError::NotFormat("production calendar"))?;
    let year: i32 = attr(root.1, "year")
        .and_then(|y| y.parse().ok())
        .filter(|y| (1990..=2200).contains(y))
        .ok_or(ImportError::Bad {
            line: root.0,
            what: "the calendar has no valid year".into(),
        })?;
    let names: BTreeMap<String, String> = tags(xml, "holiday")
        .filter_map(|(_, a)| Some((attr(a, "id")?.to_owned(), unescape(attr(a, "title")?))))
        .collect();
    let mut out = BTreeMap::new();
    for (line, a) in tags(xml, "day") {
        let bad = |what: &str| ImportError::Bad {
            line,
            what: what.to_owned(),
        };
        let d = attr(a, "d").ok_or_else(|| bad("a day without d=\"MM.DD\""))?;
        let date = month_day(year, d).ok_or_else(|| bad(&format!("bad date \"{d}\"")))?;
        let kind = match attr(a, "t") {
            Some("1") => DayKind::DayOff(attr(a, "h").and_then(|h| names.get(h)).cloned()),
            Some("2") => DayKind::Shortened,
            Some("3") => DayKind::Working,
            other => return Err(bad(&format!("unknown day type {other:?}"))),
        };
        out.insert(date, kind);
        if out.len() > MAX_IMPORT_DAYS {
            return Err(ImportError::TooLarge);
        }
    }
    Ok(out)
}

/// Parses the all-day events of an iCal feed as days off, expanding yearly repeats within
/// `years` (inclusive).
pub fn ical_holidays(
    ics: &str,
    years: std::ops::RangeInclusive<i32>,
) -> Result<BTreeMap<NaiveDate, DayKind>, ImportError> {
    if ics.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    // Unfold (RFC 5545 §3.1): a line starting with a space or tab continues the previous.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in ics.lines().enumerate() {
        match raw.strip_prefix([' ', '\t']) {
            Some(rest) if !lines.is_empty() => {
                if let Some((_, last)) = lines.last_mut() {
                    last.push_str(rest);
                }
            }
            _ => lines.push((i + 1, raw.to_owned())),
        }
    }
    if !lines
        .iter()
        .any(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(ImportError::NotFormat("iCal"));
    }
    let mut out = BTreeMap::new();
    let mut event: Option<Event> = None;
    for (line, l) in &lines {
        let l = l.trim_end();
        let (name_params, value) = l.split_once(':').unwrap_or((l, ""));
        let name = name_params
            .split(';')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match (name.as_str(), value) {
            ("BEGIN", v) if v.eq_ignore_ascii_case("VEVENT") => event = Some(Event::new(*line)),
            ("END", v) if v.eq_ignore_ascii_case("VEVENT") => {
                if let Some(e) = event.take() {
                    e.expand(&years, &mut out)?;
                }
            }
            ("DTSTART", v) => {
                if let Some(e) = event.as_mut() {
                    e.start = Some(ical_date(v).ok_or_else(|| ImportError::Bad {
                        line: *line,
                        what: format!("bad DTSTART \"{v}\""),
                    })?);
                }
            }
            ("DTEND", v) => {
                if let Some(e) = event.as_mut() {
                    e.end = Some(ical_date(v).ok_or_else(|| ImportError::Bad {
                        line: *line,
                        what: format!("bad DTEND \"{v}\""),
                    })?);
                }
            }
            ("SUMMARY", v) => {
                if let Some(e) = event.as_mut() {
                    e.summary = Some(ical_text(v));
                }
            }
            ("RRULE", v) => {
                if let Some(e) = event.as_mut() {
                    e.rrule = Some(v.to_owned());
                }
            }
            _ => {}
        }
        if out.len() > MAX_IMPORT_DAYS {
            return Err(ImportError::TooLarge);
        }
    }
    Ok(out)
}

/// Merges imported days into `cal`'s overrides: a day off closes the date; a shortened
/// day gets its usual hours (a weekend's: Monday's) minus [`SHORTENED_BY_MINUTES`] at the
/// end; a working weekend day gets Monday's hours (or 09:00–18:00 if Monday is closed).
pub fn apply(cal: &mut Calendar, days: &BTreeMap<NaiveDate, DayKind>) {
    let monday = if cal.week[0].is_empty() {
        vec![Span::hm(9, 0, 18, 0)]
    } else {
        cal.week[0].clone()
    };
    for (date, kind) in days {
        let usual = {
            let s = &cal.week[date.weekday().num_days_from_monday() as usize];
            if s.is_empty() {
                monday.clone()
            } else {
                s.clone()
            }
        };
        let rule = match kind {
            DayKind::DayOff(_) => DayRule::Closed,
            DayKind::Working => DayRule::Hours { spans: usual },
            DayKind::Shortened => {
                let mut spans = usual;
                if let Some(last) = spans.last_mut() {
                    last.close = last
                        .close
                        .saturating_sub(SHORTENED_BY_MINUTES)
                        .max(last.open + 1);
                }
                DayRule::Hours { spans }
            }
        };
        cal.overrides.insert(*date, rule);
    }
}

struct Event {
    line: usize,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    summary: Option<String>,
    rrule: Option<String>,
}

impl Event {
    fn new(line: usize) -> Self {
        Self {
            line,
            start: None,
            end: None,
            summary: None,
            rrule: None,
        }
    }

    fn expand(
        self,
        years: &std::ops::RangeInclusive<i32>,
        out: &mut BTreeMap<NaiveDate, DayKind>,
    ) -> Result<(), ImportError> {
        let bad = |what: &str| ImportError::Bad {
            line: self.line,
            what: what.to_owned(),
        };
        let start = self.start.ok_or_else(|| bad("an event without DTSTART"))?;
        let end = self
            .end
            .unwrap_or(start + Duration::days(1))
            .max(start + Duration::days(1));
        let len = (end - start).num_days();
        if len > 366 {
            return Err(bad("an event longer than a year"));
        }
        let mut starts = vec![start];
        if let Some(rule) = &self.rrule {
            let parts: BTreeMap<String, String> = rule
                .split(';')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_ascii_uppercase(), v.to_owned()))
                .collect();
            match parts.get("FREQ").map(String::as_str) {
                Some(f) if f.eq_ignore_ascii_case("YEARLY") => {
                    let count: Option<usize> = parts.get("COUNT").and_then(|c| c.parse().ok());
                    let until = parts.get("UNTIL").and_then(|u| ical_date(u));
                    starts = (start.year()..=*years.end())
                        .filter_map(|y| start.with_year(y))
                        .take_while(|d| until.is_none_or(|u| *d <= u))
                        .take(count.unwrap_or(usize::MAX))
                        .collect();
                }
                _ => return Err(bad(&format!("unsupported RRULE \"{rule}\""))),
            }
        }
        for s in starts.into_iter().filter(|s| years.contains(&s.year())) {
            for k in 0..len {
                out.insert(s + Duration::days(k), DayKind::DayOff(self.summary.clone()));
                if out.len() > MAX_IMPORT_DAYS {
                    return Err(ImportError::TooLarge);
                }
            }
        }
        Ok(())
    }
}

/// `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]` → its date.
fn ical_date(v: &str) -> Option<NaiveDate> {
    let d = v.get(..8)?;
    NaiveDate::parse_from_str(d, "%Y%m%d").ok()
}

/// Undoes iCal text escapes (`\,` `\;` `\n` `\\`).
fn ical_text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// `MM.DD` of `year`.
fn month_day(year: i32, d: &str) -> Option<NaiveDate> {
    let (m, day) = d.trim().split_once('.')?;
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, day.parse().ok()?)
}

/// The start tags `<name …>` in `xml`, with their 1-based line and attribute text.
fn tags<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let open = format!("<{name}");
    let mut rest = xml;
    let mut consumed = 0usize;
    std::iter::from_fn(move || {
        loop {
            let at = rest.find(&open)?;
            let after = &rest[at + open.len()..];
            let end = after.find('>')?;
            let here = consumed + at;
            consumed += at + open.len() + end + 1;
            rest = &after[end + 1..];
            // `<days` is not `<day`: the name must end at whitespace, `/` or `>`.
            let attrs = &after[..end];
            if attrs.is_empty() || attrs.starts_with([' ', '\t', '\r', '\n', '/']) {
                let line = xml[..here].matches('\n').count() + 1;
                return Some((line, attrs.trim_end_matches('/')));
            }
        }
    })
}

/// The value of attribute `name` in a tag's attribute text (double or single quotes).
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    loop {
        let at = rest.find(name)?;
        let before_ok = at == 0
            || rest[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let q = v.chars().next()?;
            if q == '"' || q == '\'' {
                let body = &v[1..];
                return body.find(q).map(|e| &body[..e]);
            }
        }
        rest = &rest[at + name.len()..];
    }
}

/// Undoes the five predefined XML entities.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const RU_2025: &str = include_str!("fixtures/production_calendar_ru_2025.xml");
    const RU_HOLIDAYS_ICS: &str = include_str!("fixtures/ru_holidays.ics");

    #[test]
    fn russian_production_calendar_2025_golden() {
        let days = production_calendar(RU_2025).unwrap_or_default();
        // 2025: New Year holidays 1–8 Jan, 23 Feb, 8 Mar, 1–2 and 8 May, 12–13 June, 3–4 Nov,
        // 31 Dec off; shortened 7 Mar, 30 Apr, 11 Jun and Saturday 1 Nov (a working day).
        let off: Vec<NaiveDate> = days
            .iter()
            .filter(|(_, k)| matches!(k, DayKind::DayOff(_)))
            .map(|(d, _)| *d)
            .collect();
        assert_eq!(off.len(), 18, "{off:?}");
        assert_eq!(
            days.get(&date(2025, 1, 7)),
            Some(&DayKind::DayOff(Some("Рождество Христово".into())))
        );
        assert_eq!(
            days.get(&date(2025, 1, 3)),
            Some(&DayKind::DayOff(Some("Новогодние каникулы".into())))
        );
        assert_eq!(days.get(&date(2025, 5, 2)), Some(&DayKind::DayOff(None)));
        assert_eq!(days.get(&date(2025, 3, 7)), Some(&DayKind::Shortened));
        assert_eq!(days.get(&date(2025, 11, 1)), Some(&DayKind::Shortened));
        assert_eq!(days.get(&date(2025, 12, 31)), Some(&DayKind::DayOff(None)));

        let mut cal = Calendar::default();
        apply(&mut cal, &days);
        assert!(cal.validate().is_ok());
        // Friday 7 March and Saturday 1 November: 09:00–17:00 MSK; 3 November is off.
        assert_eq!(cal.spans_on(date(2025, 3, 7)), [Span::hm(9, 0, 17, 0)]);
        assert_eq!(cal.spans_on(date(2025, 11, 1)), [Span::hm(9, 0, 17, 0)]);
        assert!(cal.spans_on(date(2025, 11, 3)).is_empty());
        // Business time over the New Year break: Tuesday 31 Dec 2024 (not in this file, so
        // a working day) 17:00 MSK + 2 h → Thursday 9 Jan 2025 10:00 MSK.
        let start = chrono::Utc
            .with_ymd_and_hms(2024, 12, 31, 14, 0, 0)
            .single()
            .unwrap_or_default();
        let due = chrono::Utc
            .with_ymd_and_hms(2025, 1, 9, 7, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(cal.add_business(start, Duration::hours(2)), Some(due));
    }

    #[test]
    fn ical_feed_golden_with_yearly_repeats() {
        let days = ical_holidays(RU_HOLIDAYS_ICS, 2026..=2027).unwrap_or_default();
        assert_eq!(
            days.get(&date(2026, 1, 1)),
            Some(&DayKind::DayOff(Some("Новый год, каникулы".into())))
        );
        // DTEND is exclusive: 1–8 January, both years (RRULE yearly).
        assert!(days.contains_key(&date(2027, 1, 8)));
        assert!(!days.contains_key(&date(2027, 1, 9)));
        // A folded SUMMARY line is unfolded.
        assert_eq!(
            days.get(&date(2026, 6, 12)),
            Some(&DayKind::DayOff(Some(
                "День России (государственный праздник)".into()
            )))
        );
        // A one-off event (2026 only) and a timed DTSTART (date part used).
        assert!(days.contains_key(&date(2026, 11, 4)));
        assert!(!days.contains_key(&date(2027, 11, 4)));
        assert!(days.contains_key(&date(2026, 3, 9)));
        // COUNT=1 stops the repeat after its first year.
        assert!(days.contains_key(&date(2026, 5, 11)));
        assert!(!days.contains_key(&date(2027, 5, 11)));
        assert_eq!(days.len(), 8 + 8 + 1 + 1 + 1 + 1 + 1, "{days:?}");
    }

    #[test]
    fn a_working_weekend_day_gets_mondays_hours() {
        let xml = "<calendar year=\"2027\"><days><day d=\"01.09\" t=\"3\" f=\"01.04\"/></days></calendar>";
        let days = production_calendar(xml).unwrap_or_default();
        assert_eq!(days.get(&date(2027, 1, 9)), Some(&DayKind::Working));
        let mut cal = Calendar::default();
        cal.week[0] = vec![Span::hm(8, 0, 12, 0), Span::hm(13, 0, 17, 0)];
        apply(&mut cal, &days);
        assert_eq!(cal.spans_on(date(2027, 1, 9)), cal.week[0].as_slice());
    }

    #[test]
    fn bad_inputs_are_refused_with_a_reason() {
        assert_eq!(
            production_calendar("<html/>"),
            Err(ImportError::NotFormat("production calendar"))
        );
        assert!(matches!(
            production_calendar("<calendar year=\"2025\">\n<days>\n<day d=\"02.30\" t=\"1\"/>"),
            Err(ImportError::Bad { line: 3, .. })
        ));
        assert!(matches!(
            production_calendar("<calendar year=\"2025\"><day d=\"01.01\" t=\"9\"/>"),
            Err(ImportError::Bad { line: 1, .. })
        ));
        assert!(matches!(
            production_calendar("<calendar>"),
            Err(ImportError::Bad { .. })
        ));
        assert_eq!(
            ical_holidays("hello", 2026..=2026),
            Err(ImportError::NotFormat("iCal"))
        );
        assert!(matches!(
            ical_holidays(
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026-01-01\nEND:VEVENT",
                2026..=2026
            ),
            Err(ImportError::Bad { line: 3, .. })
        ));
        assert!(matches!(
            ical_holidays(
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=WEEKLY\nEND:VEVENT",
                2026..=2026
            ),
            Err(ImportError::Bad { .. })
        ));
        let huge = "x".repeat(MAX_IMPORT_BYTES + 1);
        assert_eq!(production_calendar(&huge), Err(ImportError::TooLarge));
        assert_eq!(
            ical_holidays(&huge, 2026..=2026),
            Err(ImportError::TooLarge)
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".{0,400}") {
            let _ = production_calendar(&s);
            let _ = production_calendar(&format!("<calendar year=\"2025\"><days><day {s}/></days>"));
            let _ = ical_holidays(&s, 2026..=2027);
            let _ = ical_holidays(&format!("BEGIN:VCALENDAR\nBEGIN:VEVENT\n{s}\nEND:VEVENT"), 2026..=2027);
        }
    }
}
