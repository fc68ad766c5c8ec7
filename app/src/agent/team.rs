//! The agent's own team controls (issue 4): the presence selector and the notification bell
//! in the header, and the customer's profile in the ticket page's side panel.
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
//! - The profile form shows field errors (422) next to their fields and keeps what was typed;
//!   a save replaces the form with what was stored (trimmed).

use crate::api::team::{
    ContactProfileView, MarkNotificationsRead, SaveContactProfile, SetPresence, contact_profile,
    my_notifications, my_presence,
};
use crate::components::{field_error, use_texts};
use crate::dto::format_time;
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::prelude::*;
use lossless::ids::TicketId;
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

/// The customer's profile (VIP, organisation, region) in the ticket's side panel.
#[component]
pub fn ContactProfilePanel(ticket: TicketId) -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveContactProfile>::new();
    let form = RwSignal::new(None::<ContactProfileView>);
    let errors = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let loaded = LocalResource::new(move || contact_profile(ticket));
    Effect::new(move |_| match loaded.get() {
        Some(Ok(p)) => form.set(Some(p)),
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => {
            form.set(Some(p));
            errors.set(None);
            saved.set(true);
        }
        Some(Err(e)) => {
            errors.set(Some(e));
            saved.set(false);
        }
        None => {}
    });
    let edit = move |f: fn(&mut ContactProfileView, String), v: String| {
        saved.set(false);
        form.update(|p| {
            if let Some(p) = p {
                f(p, v);
            }
        });
    };
    let text = move |get: fn(&ContactProfileView) -> String| {
        move || form.with(|p| p.as_ref().map(get).unwrap_or_default())
    };
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .filter(|e| e.field_code("organisation").is_none() && e.field_code("region").is_none())
                .map(|e| view! { <p class="error" role="alert" data-code=e.code()>{e.message(t)}</p> })
        })
    };
    view! {
        <form
            class="contact-profile"
            data-testid="contact-profile"
            on:submit=move |ev| {
                ev.prevent_default();
                if let Some(p) = form.get_untracked() {
                    save.dispatch(SaveContactProfile {
                        ticket_id: ticket,
                        organisation: p.organisation,
                        vip: p.vip,
                        region: p.region,
                    });
                }
            }
        >
            <h3>{t.profile_title}</h3>
            <label class="check">
                <input
                    type="checkbox"
                    name="vip"
                    data-testid="profile-vip"
                    prop:checked=move || form.with(|p| p.as_ref().is_some_and(|p| p.vip))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        saved.set(false);
                        form.update(|p| if let Some(p) = p { p.vip = on; });
                    }
                />
                <span>{t.profile_vip}</span>
            </label>
            <label>
                <span>{t.profile_organisation}</span>
                <input
                    type="text"
                    name="organisation"
                    maxlength="100"
                    data-testid="profile-organisation"
                    prop:value=text(|p| p.organisation.clone())
                    on:input=move |ev| edit(|p, v| p.organisation = v, event_target_value(&ev))
                />
                {field_error(errors, "organisation")}
            </label>
            <label>
                <span>{t.profile_region}</span>
                <input
                    type="text"
                    name="region"
                    maxlength="100"
                    data-testid="profile-region"
                    prop:value=text(|p| p.region.clone())
                    on:input=move |ev| edit(|p, v| p.region = v, event_target_value(&ev))
                />
                {field_error(errors, "region")}
            </label>
            {general}
            <div class="row">
                <button
                    type="submit"
                    class="secondary"
                    data-testid="profile-save"
                    disabled=move || form.with(Option::is_none) || save.pending().get()
                >
                    {t.profile_save}
                </button>
                <span class="saved" data-testid="profile-saved" class:hidden=move || !saved.get()>{t.saved}</span>
            </div>
        </form>
    }
}
