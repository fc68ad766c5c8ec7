//! The live client: a WebSocket to `/api/live` (same origin, the session cookie authenticates
//! it) whose frames are hints that a screen is stale — never data.
//!
//! Invariants:
//! - Every ticket frame (`lossless::live::LiveEvent::TicketChanged`) bumps [`LiveHint::seq`];
//!   a `{"type":"resync"}` frame (the server dropped hints for this socket) bumps it with
//!   `ticket: None`. A notification frame (the server sends it only to its recipient) bumps
//!   [`Live::notifications`], a presence frame [`Live::presence`], a viewers frame
//!   (`ViewersChanged`: someone opened, left or types on a ticket) [`Live::viewers`] with its
//!   ticket — never the ticket hint, so typing elsewhere does not refetch pages; unknown frames
//!   (`{"type":"hello"}` and future kinds) are ignored.
//! - Hints can be lost (the server drops them for slow sockets, a reconnect loses whatever was
//!   sent meanwhile), so every (re)connect bumps the hint with `ticket: None`, meaning "resync
//!   everything". Pages refetch through server functions; nothing reloads.
//! - Reconnects back off 1 s → 2 s → … → 10 s and reset after a successful open; a (re)connect
//!   also bumps the notification and presence counters and the viewers hint (`ticket: None`).
//! - Activity: while the tab is visible and its user moved, clicked, scrolled or typed since
//!   the last beat, every [`ACTIVITY_EVERY_SECS`] the client sends [`ACTIVE_FRAME`] on the
//!   socket (or, with the socket down, calls `touch_activity`), so the server keeps the agent
//!   online; an idle tab sends nothing and the agent turns away.
//! - On the server (SSR) this does nothing: the hint stays at zero.

use leptos::prelude::*;
use lossless::ids::TicketId;
use lossless::live::LiveEvent;

/// The latest hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveHint {
    /// Grows by one with every hint.
    pub seq: u64,
    /// The ticket it names; `None` means "anything may have changed" (after a (re)connect).
    pub ticket: Option<TicketId>,
}

/// What pages read: the hint and whether the socket is up.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    /// The latest hint.
    pub hint: ReadSignal<LiveHint>,
    /// `true` while the socket is open.
    pub connected: ReadSignal<bool>,
    /// Grows with every notification hint for this agent (and every (re)connect or resync).
    pub notifications: ReadSignal<u64>,
    /// Grows with every presence hint (and every (re)connect or resync).
    pub presence: ReadSignal<u64>,
    /// The latest viewers hint: whose ticket's viewers changed (`None` after a (re)connect or
    /// resync: any ticket's).
    pub viewers: ReadSignal<LiveHint>,
}

/// What the client sends while its user is active.
pub const ACTIVE_FRAME: &str = r#"{"type":"active"}"#;
/// Seconds between activity beats.
pub const ACTIVITY_EVERY_SECS: u64 = 60;

/// What a frame asks the page to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// A ticket changed.
    Ticket(TicketId),
    /// Hints were lost: refetch everything.
    Resync,
    /// This agent has a new notification (or read them in another tab).
    Notification,
    /// Someone's presence changed.
    Presence,
    /// Who views or types on this ticket changed.
    Viewers(TicketId),
}

/// Reads a frame; `None` for frames to ignore.
pub fn parse_frame(text: &str) -> Option<FrameKind> {
    match serde_json::from_str::<LiveEvent>(text) {
        Ok(LiveEvent::TicketChanged { ticket_id, .. }) => Some(FrameKind::Ticket(ticket_id)),
        Ok(LiveEvent::Notification { .. }) => Some(FrameKind::Notification),
        Ok(LiveEvent::PresenceChanged { .. }) => Some(FrameKind::Presence),
        Ok(LiveEvent::ViewersChanged { ticket_id }) => Some(FrameKind::Viewers(ticket_id)),
        Err(_) => {
            let v = serde_json::from_str::<serde_json::Value>(text).ok()?;
            (v.get("type")?.as_str()? == "resync").then_some(FrameKind::Resync)
        }
    }
}

/// The ticket a frame names, or `None` for frames that name none.
pub fn frame_ticket(text: &str) -> Option<TicketId> {
    match parse_frame(text) {
        Some(FrameKind::Ticket(id)) => Some(id),
        _ => None,
    }
}

/// Starts the live client (in the browser) for the current owner and provides [`Live`] as
/// context. The socket closes when the owner is cleaned up (leaving the agent area).
pub fn provide_live() -> Live {
    let (hint, set_hint) = signal(LiveHint::default());
    let (connected, set_connected) = signal(false);
    let (notifications, set_notifications) = signal(0u64);
    let (presence, set_presence) = signal(0u64);
    let (viewers, set_viewers) = signal(LiveHint::default());
    #[cfg(feature = "hydrate")]
    client::start(client::Setters {
        hint: set_hint,
        connected: set_connected,
        notifications: set_notifications,
        presence: set_presence,
        viewers: set_viewers,
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (
        set_hint,
        set_connected,
        set_notifications,
        set_presence,
        set_viewers,
    );
    let live = Live {
        hint,
        connected,
        notifications,
        presence,
        viewers,
    };
    provide_context(live);
    live
}

/// The [`Live`] of the agent area; outside it, a hint that never changes.
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(|| {
        let (hint, _) = signal(LiveHint::default());
        let (connected, _) = signal(false);
        let (notifications, _) = signal(0);
        let (presence, _) = signal(0);
        let (viewers, _) = signal(LiveHint::default());
        Live {
            hint,
            connected,
            notifications,
            presence,
            viewers,
        }
    })
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{ACTIVE_FRAME, ACTIVITY_EVERY_SECS, FrameKind, LiveHint, parse_frame};
    use leptos::prelude::*;
    use lossless::ids::TicketId;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    const MIN_BACKOFF_MS: u64 = 1_000;
    const MAX_BACKOFF_MS: u64 = 10_000;
    /// What counts as the user being at the page.
    const ACTIVITY_EVENTS: [&str; 5] = [
        "pointermove",
        "pointerdown",
        "keydown",
        "wheel",
        "touchstart",
    ];

    /// The signals the client writes.
    #[derive(Clone, Copy)]
    pub(super) struct Setters {
        pub hint: WriteSignal<LiveHint>,
        pub connected: WriteSignal<bool>,
        pub notifications: WriteSignal<u64>,
        pub presence: WriteSignal<u64>,
        pub viewers: WriteSignal<LiveHint>,
    }

    /// One socket and the callbacks it holds (dropped together).
    struct Conn {
        ws: WebSocket,
        _open: Closure<dyn FnMut()>,
        _message: Closure<dyn FnMut(MessageEvent)>,
        _close: Closure<dyn FnMut(CloseEvent)>,
    }

    struct State {
        conn: Option<Conn>,
        backoff_ms: u64,
        stopped: bool,
        set: Setters,
    }

    type Shared = Rc<RefCell<State>>;

    pub(super) fn start(set: Setters) {
        let state: Shared = Rc::new(RefCell::new(State {
            conn: None,
            backoff_ms: MIN_BACKOFF_MS,
            stopped: false,
            set,
        }));
        connect(&state);
        let activity = watch_activity(&state);
        let guard = send_wrapper::SendWrapper::new(state);
        on_cleanup(move || {
            stop(&guard);
            for l in activity.listeners {
                l.remove();
            }
            if let Some(i) = activity.interval {
                i.clear();
            }
        });
    }

    struct Activity {
        listeners: Vec<WindowListenerHandle>,
        interval: Option<IntervalHandle>,
    }

    /// Notes user activity and sends a beat every [`ACTIVITY_EVERY_SECS`] while there was some
    /// and the tab is visible.
    fn watch_activity(state: &Shared) -> Activity {
        let active = Rc::new(Cell::new(false));
        let listeners = ACTIVITY_EVENTS
            .into_iter()
            .map(|name| {
                let active = Rc::clone(&active);
                window_event_listener_untyped(name, move |_| active.set(true))
            })
            .collect();
        let state = Rc::clone(state);
        let interval = set_interval_with_handle(
            move || {
                let hidden = document().hidden();
                if hidden || !active.replace(false) {
                    return;
                }
                let sent = state.borrow().conn.as_ref().is_some_and(|c| {
                    c.ws.ready_state() == WebSocket::OPEN
                        && c.ws.send_with_str(ACTIVE_FRAME).is_ok()
                });
                if !sent {
                    leptos::task::spawn_local(async {
                        // Best effort: a failed beat only lets the agent turn away sooner.
                        let _ = crate::api::team::touch_activity().await;
                    });
                }
            },
            Duration::from_secs(ACTIVITY_EVERY_SECS),
        )
        .ok();
        Activity {
            listeners,
            interval,
        }
    }

    fn url() -> Option<String> {
        let loc = window().location();
        let scheme = if loc.protocol().ok()? == "https:" {
            "wss:"
        } else {
            "ws:"
        };
        Some(format!("{scheme}//{}/api/live", loc.host().ok()?))
    }

    fn bump(set_hint: WriteSignal<LiveHint>, ticket: Option<TicketId>) {
        set_hint.try_update(|h| {
            h.seq += 1;
            h.ticket = ticket;
        });
    }

    fn bump_count(s: WriteSignal<u64>) {
        s.try_update(|n| *n += 1);
    }

    /// Anything may have changed: every counter moves.
    fn resync(set: Setters) {
        bump(set.hint, None);
        bump_count(set.notifications);
        bump_count(set.presence);
        bump(set.viewers, None);
    }

    fn connect(state: &Shared) {
        if state.borrow().stopped {
            return;
        }
        let Some(ws) = url().and_then(|u| WebSocket::new(&u).ok()) else {
            schedule_reconnect(state);
            return;
        };
        let set = state.borrow().set;
        let open = {
            let state = Rc::clone(state);
            Closure::<dyn FnMut()>::new(move || {
                state.borrow_mut().backoff_ms = MIN_BACKOFF_MS;
                set.connected.try_set(true);
                // Resync: anything sent before this socket existed is lost.
                resync(set);
            })
        };
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            match ev.data().as_string().as_deref().and_then(parse_frame) {
                Some(FrameKind::Ticket(id)) => bump(set.hint, Some(id)),
                Some(FrameKind::Resync) => resync(set),
                Some(FrameKind::Notification) => bump_count(set.notifications),
                Some(FrameKind::Presence) => bump_count(set.presence),
                Some(FrameKind::Viewers(id)) => bump(set.viewers, Some(id)),
                None => {}
            }
        });
        let close = {
            let state = Rc::clone(state);
            Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
                set.connected.try_set(false);
                schedule_reconnect(&state);
            })
        };
        ws.set_onopen(Some(open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(close.as_ref().unchecked_ref()));
        // Replacing the previous connection drops its callbacks; this runs from a timer, never
        // from inside those callbacks.
        state.borrow_mut().conn = Some(Conn {
            ws,
            _open: open,
            _message: message,
            _close: close,
        });
    }

    fn schedule_reconnect(state: &Shared) {
        let delay = {
            let mut s = state.borrow_mut();
            if s.stopped {
                return;
            }
            let d = s.backoff_ms;
            s.backoff_ms = (d * 2).min(MAX_BACKOFF_MS);
            d
        };
        let state = Rc::clone(state);
        set_timeout(move || connect(&state), Duration::from_millis(delay));
    }

    fn stop(state: &Shared) {
        let conn = {
            let mut s = state.borrow_mut();
            s.stopped = true;
            s.conn.take()
        };
        if let Some(c) = conn {
            c.ws.set_onopen(None);
            c.ws.set_onmessage(None);
            c.ws.set_onclose(None);
            let _ = c.ws.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_name_tickets_or_are_ignored() {
        let f =
            r#"{"type":"ticket_changed","ticket_id":5,"version":2,"group":null,"assignee":null}"#;
        assert_eq!(frame_ticket(f), Some(TicketId(5)));
        assert_eq!(frame_ticket(r#"{"type":"hello"}"#), None);
        assert_eq!(frame_ticket("not json"), None);
    }

    #[test]
    fn notification_presence_and_resync_frames_are_told_apart() {
        assert_eq!(
            parse_frame(r#"{"type":"notification","agent":3}"#),
            Some(FrameKind::Notification)
        );
        assert_eq!(
            parse_frame(r#"{"type":"presence_changed","agent":3}"#),
            Some(FrameKind::Presence)
        );
        assert_eq!(parse_frame(r#"{"type":"resync"}"#), Some(FrameKind::Resync));
        assert_eq!(
            parse_frame(r#"{"type":"viewers_changed","ticket_id":4}"#),
            Some(FrameKind::Viewers(TicketId(4)))
        );
        assert_eq!(
            frame_ticket(r#"{"type":"viewers_changed","ticket_id":4}"#),
            None
        );
        assert_eq!(parse_frame(r#"{"type":"hello"}"#), None);
        assert_eq!(frame_ticket(r#"{"type":"notification","agent":3}"#), None);
        // The frames the server sends are the core's own serialization.
        let ev = LiveEvent::Notification {
            agent: lossless::ids::AgentId(9),
        };
        assert_eq!(
            parse_frame(&serde_json::to_string(&ev).unwrap()),
            Some(FrameKind::Notification)
        );
    }
}
