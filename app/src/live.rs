//! The live client: a WebSocket to `/api/live` (same origin, the session cookie authenticates
//! it) whose frames are hints that a screen is stale — never data.
//!
//! Invariants:
//! - Every known frame (`lossless::live::LiveEvent`) bumps [`LiveHint::seq`]; unknown frames
//!   (`{"type":"hello"}` and future kinds) are ignored.
//! - Hints can be lost (the server drops them for slow sockets, a reconnect loses whatever was
//!   sent meanwhile), so every (re)connect bumps the hint with `ticket: None`, meaning "resync
//!   everything". Pages refetch through server functions; nothing reloads.
//! - Reconnects back off 1 s → 2 s → … → 10 s and reset after a successful open.
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
}

/// The ticket a frame names, or `None` for frames to ignore.
pub fn frame_ticket(text: &str) -> Option<TicketId> {
    match serde_json::from_str::<LiveEvent>(text) {
        Ok(LiveEvent::TicketChanged { ticket_id, .. }) => Some(ticket_id),
        Ok(LiveEvent::Notification { .. } | LiveEvent::PresenceChanged { .. }) | Err(_) => None,
    }
}

/// Starts the live client (in the browser) for the current owner and provides [`Live`] as
/// context. The socket closes when the owner is cleaned up (leaving the agent area).
pub fn provide_live() -> Live {
    let (hint, set_hint) = signal(LiveHint::default());
    let (connected, set_connected) = signal(false);
    #[cfg(feature = "hydrate")]
    client::start(set_hint, set_connected);
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_hint, set_connected);
    let live = Live { hint, connected };
    provide_context(live);
    live
}

/// The [`Live`] of the agent area; outside it, a hint that never changes.
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(|| {
        let (hint, _) = signal(LiveHint::default());
        let (connected, _) = signal(false);
        Live { hint, connected }
    })
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{LiveHint, frame_ticket};
    use leptos::prelude::*;
    use lossless::ids::TicketId;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    const MIN_BACKOFF_MS: u64 = 1_000;
    const MAX_BACKOFF_MS: u64 = 10_000;

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
        set_hint: WriteSignal<LiveHint>,
        set_connected: WriteSignal<bool>,
    }

    type Shared = Rc<RefCell<State>>;

    pub(super) fn start(set_hint: WriteSignal<LiveHint>, set_connected: WriteSignal<bool>) {
        let state: Shared = Rc::new(RefCell::new(State {
            conn: None,
            backoff_ms: MIN_BACKOFF_MS,
            stopped: false,
            set_hint,
            set_connected,
        }));
        connect(&state);
        let guard = send_wrapper::SendWrapper::new(state);
        on_cleanup(move || stop(&guard));
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

    fn connect(state: &Shared) {
        if state.borrow().stopped {
            return;
        }
        let Some(ws) = url().and_then(|u| WebSocket::new(&u).ok()) else {
            schedule_reconnect(state);
            return;
        };
        let (set_hint, set_connected) = {
            let s = state.borrow();
            (s.set_hint, s.set_connected)
        };
        let open = {
            let state = Rc::clone(state);
            Closure::<dyn FnMut()>::new(move || {
                state.borrow_mut().backoff_ms = MIN_BACKOFF_MS;
                set_connected.try_set(true);
                // Resync: anything sent before this socket existed is lost.
                bump(set_hint, None);
            })
        };
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(ticket) = ev.data().as_string().as_deref().and_then(frame_ticket) {
                bump(set_hint, Some(ticket));
            }
        });
        let close = {
            let state = Rc::clone(state);
            Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
                set_connected.try_set(false);
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
}
