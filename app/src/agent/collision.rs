//! Collision detection on the ticket page (issue 6): the bar naming who else has the ticket
//! open or is typing on it, and the reports this page sends about its own agent.
//!
//! Invariants (the times are `lossless::viewers`' constants):
//! - While a ticket is shown the page reports `viewing` at once and every `HEARTBEAT_SECS`;
//!   the answer (who else is there) replaces the bar's list, so the bar is right within one
//!   heartbeat even if every live hint is lost.
//! - A composer's keystroke reports `typing_reply`/`typing_note` at once, then at most every
//!   `TYPING_REPORT_SECS` while keys keep coming, and `idle` after `TYPING_IDLE_SECS` without
//!   one (or at once when the draft was sent); switching composers reports at once.
//! - Leaving the ticket (another ticket shown, the page left inside the app) reports `left`
//!   for it; closing the tab sends `left` with `navigator.sendBeacon`, which outlives the
//!   page. A page that vanishes without either drops out after
//!   [`lossless::viewers::VIEWER_TTL_SECS`].
//! - A hidden tab counts as gone: hiding it reports `left` and stops the heartbeat, showing
//!   it reports `viewing` at once (browsers throttle hidden tabs' timers to about a beat a
//!   minute, which would make the agent blink in and out for others).
//! - A `viewers_changed` hint for this ticket, or a resync, refetches the list; an answer
//!   about a ticket no longer shown is dropped.
//! - The queue marks rows someone else has open ([`ViewedMark`]); the marks are refetched
//!   when the rows change, on every viewers hint and every [`VIEWED_REFRESH_SECS`] (a page
//!   that vanished expires without a hint).
//! - On the server nothing is reported; the bar and the marks render empty and fill after
//!   hydration.

// The reporting runs only in the browser; the server build renders the empty bar.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::api::viewers::{ViewedTicket, ViewerView};
use crate::components::use_texts;
use crate::i18n::fill;
use leptos::prelude::*;
use lossless::ids::TicketId;
use lossless::viewers::{Activity, Draft};
#[cfg(feature = "hydrate")]
use lossless::viewers::{HEARTBEAT_SECS, TYPING_IDLE_SECS, TYPING_REPORT_SECS};

/// Seconds between two refreshes of the queue's marks without a hint.
pub const VIEWED_REFRESH_SECS: u64 = 15;

/// What the page knows about its own typing.
#[derive(Debug, Default)]
struct TypingState {
    /// The composer last reported as typed into (`None`: idle).
    draft: Option<Draft>,
    /// A typing report went out less than `TYPING_REPORT_SECS` ago.
    throttled: bool,
    /// Fires `idle` after `TYPING_IDLE_SECS` without a keystroke.
    #[cfg(feature = "hydrate")]
    idle_timer: Option<TimeoutHandle>,
}

/// The ticket page's collision state: who else is on the shown ticket, and the reporter its
/// composers call on every keystroke. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Collision {
    ticket: Memo<Option<TicketId>>,
    viewers: RwSignal<Vec<ViewerView>>,
    typing: StoredValue<TypingState>,
}

impl Collision {
    /// Starts reporting for whichever ticket `ticket` names (in the browser; on the server
    /// this only makes the empty state).
    pub fn start(ticket: Memo<Option<TicketId>>) -> Self {
        let c = Collision {
            ticket,
            viewers: RwSignal::new(Vec::new()),
            typing: StoredValue::new(TypingState::default()),
        };
        #[cfg(feature = "hydrate")]
        client::start(c);
        c
    }

    /// The agent typed into `draft`'s composer.
    pub fn typed(self, draft: Draft) {
        #[cfg(feature = "hydrate")]
        client::typed(self, draft);
        #[cfg(not(feature = "hydrate"))]
        let _ = (self, draft);
    }

    /// The agent's draft was sent: they stopped typing (reported at once, not after
    /// `TYPING_IDLE_SECS`).
    pub fn stopped(self) {
        #[cfg(feature = "hydrate")]
        client::stopped(self);
        #[cfg(not(feature = "hydrate"))]
        let _ = self;
    }
}

/// The bar above the timeline: one line per other agent on the ticket ("Anna is viewing",
/// "Boris is typing a reply…"), inside a polite live region that is always there (screen
/// readers announce changes); the bar itself is absent while nobody else is there.
#[component]
pub fn CollisionBar(collision: Collision) -> impl IntoView {
    let t = use_texts();
    let viewers = collision.viewers;
    let bar = move || {
        let list = viewers.get();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|v| {
                    let (text, kind) = match v.activity {
                        Activity::Viewing => (t.collision_viewing, "viewing"),
                        Activity::Typing(Draft::Reply) => {
                            (t.collision_typing_reply, "typing_reply")
                        }
                        Activity::Typing(Draft::Note) => (t.collision_typing_note, "typing_note"),
                    };
                    let typing = matches!(v.activity, Activity::Typing(_));
                    view! {
                        <li
                            data-testid="collision-viewer"
                            data-agent=v.agent.to_string()
                            data-activity=kind
                            class:typing=typing
                        >
                            {fill(text, &v.name)}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="collision" data-testid="collision">
                    <EyeIcon/>
                    <span class="sr-only">{t.collision_label}</span>
                    <ul>{items}</ul>
                </div>
            }
        })
    };
    view! { <div class="collision-region" role="status" aria-live="polite">{bar}</div> }
}

/// An eye (inline SVG: no emoji font needed), decorative.
#[component]
fn EyeIcon() -> impl IntoView {
    view! {
        <svg
            class="eye"
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z"></path>
            <circle cx="12" cy="12" r="3"></circle>
        </svg>
    }
}

/// The queue's marks: which of its rows someone else has open.
#[derive(Clone, Copy)]
struct QueueViewed(RwSignal<Vec<ViewedTicket>>);

/// Keeps the marks of the queue rows `rows` (ticket ids in page order) fresh for the
/// [`ViewedMark`]s below the calling page.
pub fn provide_queue_viewed(rows: Memo<Vec<TicketId>>) {
    let marks = RwSignal::new(Vec::new());
    provide_context(QueueViewed(marks));
    #[cfg(feature = "hydrate")]
    client::watch_queue(rows, marks);
    #[cfg(not(feature = "hydrate"))]
    let _ = rows;
}

/// An eye on a queue row someone else has open (its title names them); nothing otherwise.
#[component]
pub fn ViewedMark(ticket: TicketId) -> impl IntoView {
    let t = use_texts();
    let marks = use_context::<QueueViewed>();
    move || {
        let names = marks?.0.with(|list| {
            list.iter().find(|v| v.ticket == ticket).map(|v| {
                v.viewers
                    .iter()
                    .map(|x| x.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })?;
        let title = fill(t.queue_viewed_by, &names);
        Some(view! {
            <span
                class="viewed"
                data-testid="queue-viewed"
                title=title.clone()
                role="img"
                aria-label=title
            >
                <EyeIcon/>
            </span>
        })
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{
        Collision, HEARTBEAT_SECS, TYPING_IDLE_SECS, TYPING_REPORT_SECS, VIEWED_REFRESH_SECS,
    };
    use crate::api::viewers::{
        ReportViewing, ViewedTicket, report_viewing, ticket_viewers, viewed_tickets,
    };
    use crate::live::use_live;
    use leptos::prelude::*;
    use lossless::ids::TicketId;
    use lossless::viewers::{Draft, ViewerReport};
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    pub(super) fn watch_queue(rows: Memo<Vec<TicketId>>, marks: RwSignal<Vec<ViewedTicket>>) {
        let live = use_live();
        let tick = RwSignal::new(0u64);
        let timer = set_interval_with_handle(
            move || {
                tick.try_update(|n| *n += 1);
            },
            Duration::from_secs(VIEWED_REFRESH_SECS),
        )
        .ok();
        on_cleanup(move || {
            if let Some(i) = timer {
                i.clear();
            }
        });
        Effect::new(move |_| {
            let ids = rows.get();
            live.viewers.track();
            tick.track();
            if ids.is_empty() {
                marks.set(Vec::new());
                return;
            }
            leptos::task::spawn_local(async move {
                if let Ok(list) = viewed_tickets(ids.clone()).await
                    && rows.try_with_untracked(|now| *now == ids) == Some(true)
                {
                    marks.try_set(list);
                }
            });
        });
    }

    pub(super) fn start(c: Collision) {
        // The ticket reported as viewed, for the cleanup and the tab-close beacon (both run
        // outside the reactive graph).
        let current: Rc<Cell<Option<TicketId>>> = Rc::new(Cell::new(None));
        {
            let current = Rc::clone(&current);
            Effect::new(move |_| {
                let now = c.ticket.get();
                let before = current.replace(now);
                if before == now {
                    return;
                }
                if let Some(old) = before {
                    send(c, old, ViewerReport::Left);
                }
                c.viewers.set(Vec::new());
                reset_typing(c);
                if let Some(id) = now
                    && !document().hidden()
                {
                    send(c, id, ViewerReport::Viewing);
                }
            });
        }
        let live = use_live();
        Effect::new(move |_| {
            let hint = live.viewers.get();
            let Some(id) = c.ticket.get_untracked() else {
                return;
            };
            if hint.seq == 0 || hint.ticket.is_some_and(|t| t != id) {
                return;
            }
            leptos::task::spawn_local(async move {
                if let Ok(list) = ticket_viewers(id).await
                    && c.ticket.try_get_untracked() == Some(Some(id))
                {
                    c.viewers.try_set(list);
                }
            });
        });
        let beat = {
            let current = Rc::clone(&current);
            set_interval_with_handle(
                move || {
                    if let Some(id) = current.get()
                        && !document().hidden()
                    {
                        send(c, id, ViewerReport::Viewing);
                    }
                },
                Duration::from_secs(HEARTBEAT_SECS),
            )
            .ok()
        };
        // A hidden tab has left (browsers slow its timers to a beat a minute, which would
        // make it blink in and out for others); shown again, it is back at once.
        let visibility = {
            let current = Rc::clone(&current);
            window_event_listener_untyped("visibilitychange", move |_| {
                let Some(id) = current.get() else {
                    return;
                };
                if document().hidden() {
                    reset_typing(c);
                    send(c, id, ViewerReport::Left);
                } else {
                    send(c, id, ViewerReport::Viewing);
                }
            })
        };
        let pagehide = {
            let current = Rc::clone(&current);
            window_event_listener_untyped("pagehide", move |_| {
                if let Some(id) = current.get() {
                    beacon_left(id);
                }
            })
        };
        let guard = send_wrapper::SendWrapper::new(current);
        on_cleanup(move || {
            if let Some(i) = beat {
                i.clear();
            }
            pagehide.remove();
            visibility.remove();
            if let Some(id) = guard.as_ref().take() {
                // The page is going away inside the app: the server function call is not
                // tied to this component, so it completes.
                leptos::task::spawn_local(async move {
                    let _ = report_viewing(id, ViewerReport::Left.as_str().to_owned()).await;
                });
            }
        });
    }

    /// Sends a report; its answer (the others on the ticket) replaces the list while that
    /// ticket is still the one shown.
    fn send(c: Collision, id: TicketId, report: ViewerReport) {
        leptos::task::spawn_local(async move {
            let answer = report_viewing(id, report.as_str().to_owned()).await;
            if report != ViewerReport::Left
                && let Ok(list) = answer
                && c.ticket.try_get_untracked() == Some(Some(id))
            {
                c.viewers.try_set(list);
            }
        });
    }

    /// `left` for `id` by `navigator.sendBeacon`: the browser delivers it after the page is
    /// gone. The server function takes the form encoding, whatever the content type says.
    fn beacon_left(id: TicketId) {
        use leptos::server_fn::ServerFn as _;
        let body = format!("ticket_id={}&report={}", id.0, ViewerReport::Left.as_str());
        let _ = window()
            .navigator()
            .send_beacon_with_opt_str(ReportViewing::PATH, Some(&body));
    }

    fn reset_typing(c: Collision) {
        c.typing.update_value(|s| {
            if let Some(h) = s.idle_timer.take() {
                h.clear();
            }
            s.draft = None;
            s.throttled = false;
        });
    }

    pub(super) fn stopped(c: Collision) {
        let was_typing = c
            .typing
            .try_update_value(|s| {
                if let Some(h) = s.idle_timer.take() {
                    h.clear();
                }
                s.throttled = false;
                s.draft.take().is_some()
            })
            .unwrap_or(false);
        if was_typing && let Some(Some(id)) = c.ticket.try_get_untracked() {
            send(c, id, ViewerReport::Idle);
        }
    }

    pub(super) fn typed(c: Collision, draft: Draft) {
        let Some(id) = c.ticket.get_untracked() else {
            return;
        };
        let report_now = c
            .typing
            .try_update_value(|s| {
                if let Some(h) = s.idle_timer.take() {
                    h.clear();
                }
                let now = s.draft != Some(draft) || !s.throttled;
                if now {
                    s.draft = Some(draft);
                    s.throttled = true;
                }
                now
            })
            .unwrap_or(false);
        if report_now {
            send(c, id, ViewerReport::Typing(draft));
            set_timeout(
                move || {
                    c.typing.try_update_value(|s| s.throttled = false);
                },
                Duration::from_secs(TYPING_REPORT_SECS),
            );
        }
        // Showing another ticket clears this timer (`reset_typing`), so it fires only for
        // the ticket typed on.
        let idle =
            set_timeout_with_handle(move || stopped(c), Duration::from_secs(TYPING_IDLE_SECS)).ok();
        c.typing.try_update_value(|s| s.idle_timer = idle);
    }
}
