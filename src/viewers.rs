//! Collision detection (issue 6): who else has a ticket open, and who is typing on it.
//!
//! Viewer state is ephemeral but must be the same on every node sharing one database, so it
//! lives in a tiny table (one [`ViewerRecord`] per ticket and agent) that open ticket pages
//! keep fresh with reports: [`ViewerReport::Viewing`] every [`HEARTBEAT_SECS`] while the page
//! is open, [`ViewerReport::Typing`] while a composer's text changes (at most every
//! [`TYPING_REPORT_SECS`]), [`ViewerReport::Idle`] after [`TYPING_IDLE_SECS`] without a
//! keystroke (or once the draft is sent), and [`ViewerReport::Left`] when the page goes away.
//! This module holds the pure rules; the store applies [`ViewerRecord::next`] inside its
//! transaction ([`crate::ports::Store::report_viewer`]) and the service publishes
//! [`crate::live::LiveEvent::ViewersChanged`] only when [`shows_differently`] says others
//! would see something new.
//!
//! Invariants:
//! - A record not refreshed for [`VIEWER_TTL_SECS`] (compared with the passed-in `now`)
//!   counts as gone: a tab that crashed or lost its network disappears without a `Left`.
//! - A typing mark older than [`TYPING_TTL_SECS`] counts as viewing only; it is kept fresh by
//!   the typing reports, so it outlives the gap between two of them.
//! - A `Viewing` report (the heartbeat) keeps a fresh typing mark — it does not interrupt
//!   someone typing; `Idle` clears it; `Left` removes the record.
//! - Time is an input; nothing here reads a clock.

use crate::ids::AgentId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Seconds between two `Viewing` reports of an open ticket page.
pub const HEARTBEAT_SECS: u64 = 10;
/// A record older than this counts as gone (three missed heartbeats).
pub const VIEWER_TTL_SECS: i64 = 30;
/// While keys keep coming, a `Typing` report goes out at most this often.
pub const TYPING_REPORT_SECS: u64 = 3;
/// Without a keystroke for this long, the page reports `Idle`.
pub const TYPING_IDLE_SECS: u64 = 5;
/// A typing mark older than this counts as viewing only (outlives the gap between two
/// typing reports; covers a page that vanished mid-sentence).
pub const TYPING_TTL_SECS: i64 = 10;

/// Which composer someone types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Draft {
    /// The public reply.
    Reply,
    /// The internal note.
    Note,
}

impl Draft {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Draft::Reply => "reply",
            Draft::Note => "note",
        }
    }
    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reply" => Some(Draft::Reply),
            "note" => Some(Draft::Note),
            _ => None,
        }
    }
}

/// What an open ticket page reports about its agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewerReport {
    /// The page is open (heartbeat).
    Viewing,
    /// The agent is typing into a composer.
    Typing(Draft),
    /// The agent stopped typing (or sent the draft).
    Idle,
    /// The page was left.
    Left,
}

impl ViewerReport {
    /// Every report, for parsers and tests.
    pub const ALL: [ViewerReport; 5] = [
        ViewerReport::Viewing,
        ViewerReport::Typing(Draft::Reply),
        ViewerReport::Typing(Draft::Note),
        ViewerReport::Idle,
        ViewerReport::Left,
    ];
    /// Stable text (what the page sends).
    pub fn as_str(self) -> &'static str {
        match self {
            ViewerReport::Viewing => "viewing",
            ViewerReport::Typing(Draft::Reply) => "typing_reply",
            ViewerReport::Typing(Draft::Note) => "typing_note",
            ViewerReport::Idle => "idle",
            ViewerReport::Left => "left",
        }
    }
    /// Parses [`ViewerReport::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A typing mark: which composer, and the last keystroke report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typing {
    /// The composer.
    pub draft: Draft,
    /// When the agent was last reported typing.
    pub at: DateTime<Utc>,
}

/// One agent's stored state on one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerRecord {
    /// The agent.
    pub agent: AgentId,
    /// The last report of any kind.
    pub seen_at: DateTime<Utc>,
    /// The typing mark, if the agent typed and did not go idle since.
    pub typing: Option<Typing>,
}

/// What others see of a viewer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Has the ticket open.
    Viewing,
    /// Is typing into this composer.
    Typing(Draft),
}

/// A viewer as others see them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The agent.
    pub agent: AgentId,
    /// What they do.
    pub activity: Activity,
}

/// One report's effect on the stored record (what [`crate::ports::Store::report_viewer`]
/// returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerChange {
    /// The record before the report (`None`: there was none, or it had expired).
    pub before: Option<ViewerRecord>,
    /// The record after it (`None`: the agent left).
    pub after: Option<ViewerRecord>,
}

fn within(t: DateTime<Utc>, secs: i64, now: DateTime<Utc>) -> bool {
    now - t < Duration::seconds(secs)
}

impl ViewerRecord {
    /// Whether the record still counts at `now`.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        within(self.seen_at, VIEWER_TTL_SECS, now)
    }

    /// What others see of this agent at `now` (`None`: gone).
    pub fn activity(&self, now: DateTime<Utc>) -> Option<Activity> {
        if !self.is_fresh(now) {
            return None;
        }
        Some(match self.typing {
            Some(t) if within(t.at, TYPING_TTL_SECS, now) => Activity::Typing(t.draft),
            _ => Activity::Viewing,
        })
    }

    /// The record after `report` at `now`, from the stored one (`None`: the agent left).
    /// A stale previous record counts as none.
    pub fn next(
        prev: Option<&ViewerRecord>,
        agent: AgentId,
        report: ViewerReport,
        now: DateTime<Utc>,
    ) -> Option<ViewerRecord> {
        let fresh_typing = prev
            .filter(|p| p.is_fresh(now))
            .and_then(|p| p.typing)
            .filter(|t| within(t.at, TYPING_TTL_SECS, now));
        let typing = match report {
            ViewerReport::Left => return None,
            ViewerReport::Viewing => fresh_typing,
            ViewerReport::Typing(draft) => Some(Typing { draft, at: now }),
            ViewerReport::Idle => None,
        };
        Some(ViewerRecord {
            agent,
            seen_at: now,
            typing,
        })
    }
}

/// What others see of an optional record at `now`.
pub fn activity_of(r: Option<&ViewerRecord>, now: DateTime<Utc>) -> Option<Activity> {
    r.and_then(|r| r.activity(now))
}

/// Whether a change alters what others see at `now` (then a live hint goes out).
pub fn shows_differently(change: &ViewerChange, now: DateTime<Utc>) -> bool {
    activity_of(change.before.as_ref(), now) != activity_of(change.after.as_ref(), now)
}

/// The viewers of a ticket at `now` besides `except` (the asking agent), by agent id.
pub fn current(records: &[ViewerRecord], now: DateTime<Utc>, except: AgentId) -> Vec<Viewer> {
    let mut out: Vec<Viewer> = records
        .iter()
        .filter(|r| r.agent != except)
        .filter_map(|r| {
            r.activity(now).map(|activity| Viewer {
                agent: r.agent,
                activity,
            })
        })
        .collect();
    out.sort_by_key(|v| v.agent);
    out.dedup_by_key(|v| v.agent);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 4, 10, 0, 0)
            .single()
            .unwrap()
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + Duration::seconds(n)
    }

    const ANNA: AgentId = AgentId(1);
    const BORIS: AgentId = AgentId(2);

    fn step(prev: Option<ViewerRecord>, report: ViewerReport, at: i64) -> Option<ViewerRecord> {
        ViewerRecord::next(prev.as_ref(), ANNA, report, secs(at))
    }

    #[test]
    fn reports_round_trip_as_text() {
        for r in ViewerReport::ALL {
            assert_eq!(ViewerReport::parse(r.as_str()), Some(r));
        }
        assert_eq!(ViewerReport::parse("typing"), None);
        assert_eq!(ViewerReport::parse(""), None);
        for d in [Draft::Reply, Draft::Note] {
            assert_eq!(Draft::parse(d.as_str()), Some(d));
        }
        assert_eq!(Draft::parse("email"), None);
    }

    #[test]
    fn a_viewer_is_gone_after_the_ttl_without_a_report() {
        let r = step(None, ViewerReport::Viewing, 0).unwrap();
        assert_eq!(r.activity(secs(0)), Some(Activity::Viewing));
        assert_eq!(
            r.activity(secs(VIEWER_TTL_SECS - 1)),
            Some(Activity::Viewing)
        );
        assert_eq!(r.activity(secs(VIEWER_TTL_SECS)), None);
        // A heartbeat keeps them.
        let r = step(Some(r), ViewerReport::Viewing, 25).unwrap();
        assert_eq!(r.activity(secs(50)), Some(Activity::Viewing));
    }

    #[test]
    fn typing_shows_until_idle_or_its_own_ttl() {
        let r = step(None, ViewerReport::Typing(Draft::Reply), 0).unwrap();
        assert_eq!(r.activity(secs(1)), Some(Activity::Typing(Draft::Reply)));
        // The heartbeat does not interrupt typing.
        let r = step(Some(r), ViewerReport::Viewing, 4).unwrap();
        assert_eq!(r.activity(secs(5)), Some(Activity::Typing(Draft::Reply)));
        // Without further typing reports the mark runs out, the viewer stays.
        assert_eq!(r.activity(secs(TYPING_TTL_SECS)), Some(Activity::Viewing));
        // Idle clears it at once.
        let r = step(Some(r), ViewerReport::Idle, 6).unwrap();
        assert_eq!(r.activity(secs(6)), Some(Activity::Viewing));
        assert_eq!(r.typing, None);
        // Switching composers shows the new one.
        let r = step(Some(r), ViewerReport::Typing(Draft::Note), 7).unwrap();
        assert_eq!(r.activity(secs(7)), Some(Activity::Typing(Draft::Note)));
    }

    #[test]
    fn a_stale_typing_mark_is_not_carried_by_the_heartbeat() {
        let r = step(None, ViewerReport::Typing(Draft::Note), 0).unwrap();
        let r = step(Some(r), ViewerReport::Viewing, TYPING_TTL_SECS + 1).unwrap();
        assert_eq!(r.typing, None);
        // A stale record is no record: nothing of it survives.
        let old = step(None, ViewerReport::Typing(Draft::Reply), 0);
        let r = step(old, ViewerReport::Viewing, VIEWER_TTL_SECS + 5).unwrap();
        assert_eq!(r.typing, None);
        assert_eq!(r.seen_at, secs(VIEWER_TTL_SECS + 5));
    }

    #[test]
    fn leaving_removes_the_record() {
        let r = step(None, ViewerReport::Viewing, 0);
        assert_eq!(step(r, ViewerReport::Left, 1), None);
        assert_eq!(step(None, ViewerReport::Left, 1), None);
    }

    #[test]
    fn only_visible_changes_ask_for_a_hint() {
        let now = secs(3);
        let change = |before, after| ViewerChange { before, after };
        let viewing = step(None, ViewerReport::Viewing, 0);
        let typing = step(viewing, ViewerReport::Typing(Draft::Reply), 2);
        // Arriving, starting to type, stopping, leaving: each shows.
        assert!(shows_differently(&change(None, viewing), now));
        assert!(shows_differently(&change(viewing, typing), now));
        assert!(shows_differently(&change(typing, viewing), now));
        assert!(shows_differently(&change(viewing, None), now));
        // Heartbeats and further keystrokes do not.
        let beat = step(viewing, ViewerReport::Viewing, 3);
        assert!(!shows_differently(&change(viewing, beat), now));
        let more = step(typing, ViewerReport::Typing(Draft::Reply), 3);
        assert!(!shows_differently(&change(typing, more), now));
        // Coming back after expiring shows again; leaving when already expired does not.
        let stale = step(None, ViewerReport::Viewing, -VIEWER_TTL_SECS);
        assert!(shows_differently(&change(stale, beat), now));
        assert!(!shows_differently(&change(stale, None), now));
        // Typing into the other composer shows.
        let note = step(typing, ViewerReport::Typing(Draft::Note), 3);
        assert!(shows_differently(&change(typing, note), now));
    }

    #[test]
    fn current_viewers_leave_out_the_asker_and_the_gone() {
        let now = secs(40);
        let records = [
            ViewerRecord {
                agent: BORIS,
                seen_at: secs(35),
                typing: Some(Typing {
                    draft: Draft::Note,
                    at: secs(39),
                }),
            },
            ViewerRecord {
                agent: ANNA,
                seen_at: secs(39),
                typing: None,
            },
            ViewerRecord {
                agent: AgentId(3),
                seen_at: secs(5),
                typing: None,
            },
            ViewerRecord {
                agent: AgentId(4),
                seen_at: secs(20),
                typing: None,
            },
        ];
        assert_eq!(
            current(&records, now, ANNA),
            vec![
                Viewer {
                    agent: BORIS,
                    activity: Activity::Typing(Draft::Note)
                },
                Viewer {
                    agent: AgentId(4),
                    activity: Activity::Viewing
                },
            ]
        );
        assert_eq!(current(&records, secs(100), ANNA), vec![]);
    }
}
