//! The agent's own team controls (issue 4): the presence selector and the notification bell
//! in the header. (The customer's profile beside a ticket is [`super::contact`].)
//!
//! Invariants:
//! - Header data loads in the browser only ([`LocalResource`]) and is read only once the
//!   component is mounted ([`use_mounted`]): reading a local resource during the server render
//!   would suspend the whole page, so the server renders the controls empty, hydration agrees
//!   with that, and no page waits for them.
//! - The bell refetches on every notification hint for this agent (and on reconnects), the
//!   presence selector on presence hints; both after their own actions.
//! - The selector shows the presence the agent set; when that is "online" but the server sees
//!   the agent as idle (effective "away"), it is marked `idle` with an explanation.

use crate::api::team::{MarkNotificationsRead, SetPresence, my_notifications, my_presence};
use crate::components::use_texts;
use crate::dto::format_time;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::prelude::*;
use lossless::team::Presence;

/// `true` once the component runs in the browser after hydration (effects never run on the
/// server), so browser-only data is read only from then on.
pub(crate) fn use_mounted() -> ReadSignal<bool> {
    let (mounted, set_mounted) = signal(false);
    Effect::new(move |_| set_mounted.set(true));
    mounted
}

/// A presence's name.
pub(crate) fn presence_text(t: &Texts, p: Presence) -> &'static str {
    match p {
        Presence::Online => t.presence_online,
        Presence::Away => t.presence_away,
        Presence::Offline => t.presence_offline,
    }
}

/// The header's presence selector.
#[component]
pub fn PresenceSelect() -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let set = ServerAction::<SetPresence>::new();
    let current = LocalResource::new(move || {
        live.presence.track();
        set.version().track();
        my_presence()
    });
    let mounted = use_mounted();
    let shown = move || {
        if mounted.get() {
            current.get().and_then(Result::ok)
        } else {
            None
        }
    };
    let idle = move || {
        shown().is_some_and(|p| p.set == Presence::Online && p.effective != Presence::Online)
    };
    let options = Presence::ALL
        .into_iter()
        .map(|p| view! { <option value=p.as_str()>{presence_text(t, p)}</option> })
        .collect_view();
    view! {
        <label
            class="presence"
            class:idle=idle
            data-testid="presence"
            data-effective=move || shown().map(|p| p.effective.as_str()).unwrap_or_default()
            title=move || if idle() { t.presence_idle } else { t.presence_label }
        >
            <span class="presence-dot" data-presence=move || shown().map(|p| p.effective.as_str()).unwrap_or_default()></span>
            <span class="sr-only">{t.presence_label}</span>
            <select
                data-testid="presence-select"
                disabled=move || shown().is_none() || set.pending().get()
                prop:value=move || shown().map(|p| p.set.as_str()).unwrap_or_default()
                on:change=move |ev| {
                    set.dispatch(SetPresence { presence: event_target_value(&ev) });
                }
            >
                {options}
            </select>
        </label>
    }
}

/// The header's notification bell: unread count, the list, "mark all read".
#[component]
pub fn NotificationBell() -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let bell = LocalResource::new(move || {
        live.notifications.track();
        mark.version().track();
        my_notifications()
    });
    let mounted = use_mounted();
    let data = move || {
        if mounted.get() {
            bell.get().and_then(Result::ok).unwrap_or_default()
        } else {
            Default::default()
        }
    };
    let open = RwSignal::new(false);
    let unread = move || data().unread;
    let list = move || {
        let b = data();
        if b.items.is_empty() {
            return view! { <p class="bell-empty">{t.bell_empty}</p> }.into_any();
        }
        let items = b
            .items
            .into_iter()
            .map(|n| {
                let link = n.ticket_number.map(|num| {
                    let href = format!("/agent/t/{num}");
                    view! {
                        <a href=href on:click=move |_| open.set(false)>{fill(t.bell_open_ticket, &num)}</a>
                    }
                });
                view! {
                    <li class:unread=!n.read data-testid="notification" data-read=n.read.to_string()>
                        <span class="text">{n.text}</span>
                        <span class="meta">
                            <time datetime=n.at.to_rfc3339()>{format_time(n.at)}</time>
                            {link}
                        </span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="bell-list">{items}</ul> }.into_any()
    };
    let mark_all = move |_| {
        if let Some(newest) = data().items.first() {
            mark.dispatch(MarkNotificationsRead { up_to: newest.id });
        }
    };
    view! {
        <div class="bell" data-testid="bell">
            <button
                type="button"
                class="bell-button"
                data-testid="bell-button"
                aria-expanded=move || open.get().to_string()
                title=t.bell_title
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <svg class="bell-icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
                    <path
                        fill="currentColor"
                        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"
                    />
                </svg>
                <span class="sr-only">{t.bell_title}</span>
                <span
                    class="bell-count"
                    data-testid="bell-count"
                    class:hidden=move || unread() == 0
                    aria-label=move || fill(t.bell_unread, &unread().to_string())
                >
                    {unread}
                </span>
            </button>
            <div class="bell-panel" data-testid="bell-panel" hidden=move || !open.get()>
                <div class="bell-head">
                    <strong>{t.bell_title}</strong>
                    <button
                        type="button"
                        class="link"
                        data-testid="bell-mark-read"
                        disabled=move || unread() == 0 || mark.pending().get()
                        on:click=mark_all
                    >
                        {t.bell_mark_read}
                    </button>
                </div>
                {list}
            </div>
        </div>
    }
}
