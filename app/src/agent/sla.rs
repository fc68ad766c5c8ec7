//! SLA for agents: the badge of a queue row or a clock ([`SlaBadgeView`]) and the ticket
//! page's SLA panel ([`SlaPanelView`]).
//!
//! Invariants:
//! - A badge's state (`data-state`): `breach` when a clock breached or its deadline has
//!   passed, else `paused` while waiting for the customer, else `warn` once a warning of
//!   75 % or more went out, else `ok`. Its text counts down to the deadline (or up from it).
//! - Countdowns start from the server's time of the data ([`crate::dto::AgentQueue::now`],
//!   [`SlaPanel::now`]), so the server render and hydration print the same text; only once
//!   mounted does the page's [`SlaClock`] switch to the browser's clock, every 30 seconds.
//!   A refetch (live hints) renders the badges again from the new data.

use crate::api::sla::{ClockView, SlaPanel};
use crate::components::use_texts;
use crate::dto::format_time;
use crate::i18n::{Texts, fill};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::sla::{Measurement, SlaBadge};

/// Seconds between countdown refreshes in the browser.
pub const TICK_SECS: u64 = 30;

/// A warning share at or above this makes the badge amber.
pub const WARN_SHARE: u8 = 75;

/// The time countdowns show against: `None` until the page runs in the browser.
#[derive(Clone, Copy)]
pub(crate) struct SlaClock(RwSignal<Option<DateTime<Utc>>>);

/// Provides the page's [`SlaClock`]: the browser's time once mounted, every [`TICK_SECS`].
pub(crate) fn provide_sla_clock() {
    let now = RwSignal::new(None::<DateTime<Utc>>);
    provide_context(SlaClock(now));
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let tick = move || {
                // Milliseconds since the epoch, a whole number well inside `i64`.
                let ms = web_sys::js_sys::Date::now() as i64;
                now.set(DateTime::from_timestamp_millis(ms));
            };
            tick();
            if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_secs(TICK_SECS))
            {
                on_cleanup(move || h.clear());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (now, TICK_SECS);
    });
}

/// A duration for countdowns: `12 min`, `3 h 20 min`, `2 d 4 h` (at least one minute;
/// `up` rounds partial minutes up).
pub fn span_text(t: &Texts, secs: i64, up: bool) -> String {
    let m = if up { (secs + 59) / 60 } else { secs / 60 }.max(1);
    let (d, h, min) = (m / 1440, m % 1440 / 60, m % 60);
    let part = |tpl: &str, n: i64| fill(tpl, &n.to_string());
    match (d, h, min) {
        (0, 0, m) => part(t.age_minutes, m),
        (0, h, 0) => part(t.age_hours, h),
        (0, h, m) => format!("{} {}", part(t.age_hours, h), part(t.age_minutes, m)),
        (d, 0, _) => part(t.age_days, d),
        (d, h, _) => format!("{} {}", part(t.age_days, d), part(t.age_hours, h)),
    }
}

/// A badge's state and text at `now` (see the module doc).
pub fn badge_state(
    b: &SlaBadge,
    breached_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    t: &Texts,
) -> (&'static str, String) {
    let overdue = |since: DateTime<Utc>| {
        fill(
            t.sla_overdue,
            &span_text(t, (now - since).num_seconds(), false),
        )
    };
    if b.breached {
        let text = breached_at.map_or_else(|| t.sla_breached.to_owned(), overdue);
        return ("breach", text);
    }
    if b.paused {
        return ("paused", t.sla_paused.to_owned());
    }
    match b.due_at {
        Some(due) if due <= now => ("breach", overdue(due)),
        Some(due) => (
            if b.warned >= WARN_SHARE { "warn" } else { "ok" },
            fill(t.sla_in, &span_text(t, (due - now).num_seconds(), true)),
        ),
        None => ("ok", t.sla_no_deadline.to_owned()),
    }
}

/// An SLA badge: coloured by state, counting down to the deadline.
#[component]
pub(crate) fn SlaBadgeView(
    badge: SlaBadge,
    /// The server's time of the data.
    served: DateTime<Utc>,
    /// The breach instant, when known (the ticket page).
    breached_at: Option<DateTime<Utc>>,
) -> impl IntoView {
    let t = use_texts();
    let clock = use_context::<SlaClock>();
    let due = badge.due_at.map(|d| d.to_rfc3339());
    // The deadline itself, in the reader's zone (the badge counts down to it).
    let due_title = badge.due_at.map(format_time);
    let shown = Memo::new(move |_| {
        let now = clock.and_then(|c| c.0.get()).unwrap_or(served);
        badge_state(&badge, breached_at, now, t)
    });
    view! {
        <span
            class=move || format!("sla-badge sla-{}", shown.get().0)
            data-testid="sla-badge"
            data-state=move || shown.get().0
            data-due=due
            title=due_title
        >
            {move || shown.get().1}
        </span>
    }
}

/// One measurement as a sentence.
fn measurement_text(m: &Measurement, t: &Texts) -> String {
    let what = if m.breach {
        fill(t.sla_m_breached, &format_time(m.at))
    } else {
        let took = span_text(t, m.business_secs.unwrap_or(0), true);
        let met = fill(t.sla_m_met, &took);
        if m.late {
            format!("{met} ({})", t.sla_late)
        } else {
            met
        }
    };
    format!("{} · {}: {what}", m.policy_name, t.sla_target(m.target))
}

/// One clock's line: target, policy, state.
fn clock_item(c: ClockView, served: DateTime<Utc>, t: &'static Texts) -> impl IntoView {
    let state = match (c.badge, c.stopped_at) {
        (Some(badge), _) => {
            view! { <SlaBadgeView badge served breached_at=c.breached_at/> }.into_any()
        }
        (None, Some(at)) => {
            let text = match (c.met, c.breached_at.is_some()) {
                (true, false) => fill(t.sla_met_at, &format_time(at)),
                (true, true) => {
                    format!("{} ({})", fill(t.sla_met_at, &format_time(at)), t.sla_late)
                }
                (false, _) => fill(t.sla_ended_at, &format_time(at)),
            };
            view! { <span class="sla-done" data-testid="sla-done">{text}</span> }.into_any()
        }
        (None, None) => ().into_any(),
    };
    let target_len = span_text(t, i64::from(c.minutes) * 60, true);
    view! {
        <li class="sla-clock" data-testid="sla-clock" data-target=c.target.as_str()>
            <span class="sla-target">{t.sla_target(c.target)}</span>
            {state}
            <span class="hint">{c.policy_name}" · "{fill(t.sla_target_of, &target_len)}</span>
        </li>
    }
}

/// The ticket page's SLA panel.
#[component]
pub(crate) fn SlaPanelView(panel: Result<SlaPanel, crate::AppError>) -> impl IntoView {
    let t = use_texts();
    let body = match panel {
        Err(e) => {
            view! { <p class="hint" data-testid="sla-error" data-code=e.code()>{e.message(t)}</p> }
                .into_any()
        }
        Ok(p) if p.clocks.is_empty() && p.measurements.is_empty() => {
            view! { <p class="hint" data-testid="sla-none">{t.sla_none}</p> }.into_any()
        }
        Ok(p) => {
            let served = p.now;
            let clocks = p
                .clocks
                .into_iter()
                .map(|c| clock_item(c, served, t))
                .collect_view();
            let measurements = p
                .measurements
                .iter()
                .map(|m| {
                    let breach = if m.breach { "true" } else { "false" };
                    view! { <li data-testid="sla-measurement" data-breach=breach>{measurement_text(m, t)}</li> }
                })
                .collect_view();
            view! {
                <ul class="sla-clocks">{clocks}</ul>
                <ul class="sla-measurements">{measurements}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section class="sla-panel" data-testid="sla-panel">
            <h3>{t.sla_title}</h3>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn countdowns_read_in_minutes_hours_and_days() {
        assert_eq!(span_text(&EN, 11 * 60 + 30, true), "12 min");
        assert_eq!(span_text(&EN, 11 * 60 + 30, false), "11 min");
        assert_eq!(span_text(&EN, 5, false), "1 min");
        assert_eq!(span_text(&EN, 3 * 3600, true), "3 h");
        assert_eq!(span_text(&EN, 3 * 3600 + 20 * 60, true), "3 h 20 min");
        assert_eq!(span_text(&EN, 2 * 86400 + 4 * 3600 + 60, false), "2 d 4 h");
        assert_eq!(span_text(&RU, 12 * 60, true), "12 мин");
    }

    #[test]
    fn badge_states_follow_the_clock() {
        let b = |due: Option<i64>, breached, paused, warned| SlaBadge {
            due_at: due.map(at),
            breached,
            paused,
            warned,
        };
        let now = at(0);
        assert_eq!(
            badge_state(&b(Some(12 * 60), false, false, 0), None, now, &EN),
            ("ok", "in 12 min".to_owned())
        );
        assert_eq!(
            badge_state(&b(Some(12 * 60), false, false, 0), None, now, &RU),
            ("ok", "через 12 мин".to_owned())
        );
        assert_eq!(
            badge_state(&b(Some(600), false, false, 75), None, now, &EN).0,
            "warn"
        );
        assert_eq!(
            badge_state(&b(Some(600), false, false, 50), None, now, &EN).0,
            "ok"
        );
        assert_eq!(
            badge_state(&b(None, false, true, 90), None, now, &EN).0,
            "paused"
        );
        assert_eq!(
            badge_state(&b(Some(-5 * 60), false, false, 90), None, now, &EN),
            ("breach", "overdue 5 min".to_owned())
        );
        assert_eq!(
            badge_state(&b(None, true, false, 0), Some(at(-5 * 60)), now, &RU),
            ("breach", "просрочено на 5 мин".to_owned())
        );
        assert_eq!(
            badge_state(&b(None, true, true, 0), None, now, &EN).0,
            "breach"
        );
    }
}
