//! The site-widget visitor on the ticket page (issue 7): the page the visitor is on (title
//! and link) and "Visitor is typing…", live, next to the collision bar.
//!
//! Invariants:
//! - Loaded in the browser only ([`LocalResource`]) and read once mounted
//!   ([`super::team::use_mounted`]), like the other side panels: the server render and
//!   hydration see the empty box, and the page never waits for it.
//! - Refetched on every viewers hint for the shown ticket (the widget reports typing and
//!   page changes as `ViewersChanged`), on resyncs, while the visitor types (so "typing"
//!   clears without a hint), and every [`REFRESH_SECS`] (online / last seen).
//! - Nothing renders for tickets without a widget visitor; an answer about a ticket no longer
//!   shown is dropped. The page link is `http(s)` only (see [`crate::api::visitor`]) and
//!   opens in a new tab without a referrer.

use crate::api::visitor::{VisitorView, get_visitor};
use crate::components::use_texts;
use crate::dto::format_time;
use crate::i18n::fill;
use crate::live::use_live;
use leptos::prelude::*;
use lossless::ids::TicketId;

/// Seconds between refreshes without a hint (the timer runs in the browser only).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const REFRESH_SECS: u64 = 30;
/// Seconds until a "typing" answer is checked again.
const TYPING_RECHECK_SECS: u64 = 4;

/// The visitor box for whichever ticket `ticket` names.
#[component]
pub fn VisitorBar(ticket: Signal<Option<TicketId>>) -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let mounted = super::team::use_mounted();
    let tick = RwSignal::new(0u64);
    // Only hints about this ticket (or resyncs) refetch.
    let hint = Memo::new(move |prev: Option<&u64>| {
        let h = live.viewers.get();
        let mine = ticket.get_untracked();
        match (h.ticket, prev) {
            (Some(id), Some(p)) if Some(id) != mine => *p,
            _ => h.seq,
        }
    });
    let loaded = LocalResource::new(move || {
        let id = ticket.get();
        hint.track();
        tick.track();
        async move {
            match id {
                Some(id) => (id, get_visitor(id).await.ok().flatten()),
                None => (TicketId(0), None),
            }
        }
    });
    let shown = RwSignal::new(None::<VisitorView>);
    Effect::new(move |_| {
        if !mounted.get() {
            return;
        }
        let Some((id, v)) = loaded.get() else {
            return;
        };
        if ticket.get_untracked() != Some(id) {
            shown.set(None);
            return;
        }
        let typing = v.as_ref().is_some_and(|v| v.typing);
        shown.set(v);
        if typing {
            set_timeout(
                move || {
                    tick.try_update(|n| *n += 1);
                },
                std::time::Duration::from_secs(TYPING_RECHECK_SECS),
            );
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let timer = set_interval_with_handle(
            move || {
                tick.try_update(|n| *n += 1);
            },
            std::time::Duration::from_secs(REFRESH_SECS),
        )
        .ok();
        on_cleanup(move || {
            if let Some(i) = timer {
                i.clear();
            }
        });
    }
    let body = move || {
        shown.get().map(|v| {
            let state = if v.online {
                t.vis_online.to_owned()
            } else {
                fill(t.vis_seen, &format_time(v.seen_at))
            };
            let page = v.page_url.clone().map(|url| {
                let label = v.page_title.clone().unwrap_or_else(|| url.clone());
                view! {
                    <span class="visitor-page">
                        <span class="label">{t.vis_page}</span>": "
                        <a href=url.clone() title=url target="_blank" rel="noopener noreferrer" data-testid="visitor-page">{label}</a>
                    </span>
                }
            });
            let typing = v.typing.then(|| {
                view! { <span class="visitor-typing" data-testid="visitor-typing">{t.vis_typing}</span> }
            });
            view! {
                <div class="visitor" data-testid="visitor" data-online=v.online.to_string()>
                    <span class="visitor-title">{t.vis_title}</span>
                    " " <span class="visitor-state" class:online=v.online>{state}</span>
                    " " {page}
                    " " {typing}
                </div>
            }
        })
    };
    view! { <div class="visitor-region" role="status" aria-live="polite">{body}</div> }
}
