//! `/agent/settings`: the agent's own settings — which alerts also come by email (in-app
//! alerts always arrive).
//!
//! Invariants: each checkbox saves on its own as soon as it changes and the page then shows
//! what was stored (a failed save shows the error and the stored value again); the form is
//! rendered from the loaded preferences, on the server too, so nothing shows a guess and
//! hydration agrees.

use crate::api::alerts::{SaveEmailPrefs, my_email_prefs};
use crate::components::{ErrorNote, use_texts};
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::notification::EmailPrefs;

type Field = (fn(&EmailPrefs) -> bool, fn(&mut EmailPrefs, bool));

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_texts();
    let stored = Resource::new(|| (), |()| my_email_prefs());
    let save = ServerAction::<SaveEmailPrefs>::new();
    // What the page shows: the last save's answer, else the stored preferences (so the
    // server renders the same form the browser hydrates).
    let prefs = RwSignal::new(None::<EmailPrefs>);
    let current = move || prefs.get().or_else(|| stored.get().and_then(Result::ok));
    Effect::new(move || match save.value().get() {
        Some(Ok(p)) => prefs.set(Some(p)),
        Some(Err(_)) => {
            prefs.set(None);
            stored.refetch();
        }
        None => {}
    });
    let fields: [(&'static str, &'static str, Field); 4] = [
        (
            "pref-assigned",
            t.pref_assigned,
            (|p| p.assigned, |p, v| p.assigned = v),
        ),
        (
            "pref-customer-replied",
            t.pref_customer_replied,
            (|p| p.customer_replied, |p, v| p.customer_replied = v),
        ),
        (
            "pref-mentioned",
            t.pref_mentioned,
            (|p| p.mentioned, |p, v| p.mentioned = v),
        ),
        ("pref-sla", t.pref_sla, (|p| p.sla, |p, v| p.sla = v)),
    ];
    let form = move || {
        current().map(|_| {
            fields
                .into_iter()
                .map(|(id, label, (get, set))| {
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                data-testid=id
                                prop:checked=move || current().is_some_and(|p| get(&p))
                                on:change=move |ev| {
                                    if let Some(mut p) = untrack(current) {
                                        set(&mut p, event_target_checked(&ev));
                                        prefs.set(Some(p));
                                        save.dispatch(SaveEmailPrefs { prefs: p });
                                    }
                                }
                            />
                            {label}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <Title text=t.settings_title/>
        <section class="settings">
            <h1>{t.settings_title}</h1>
            <fieldset>
                <legend>{t.settings_email_title}</legend>
                <p class="hint">{t.settings_email_hint}</p>
                <Transition fallback=move || view! { <p>{t.loading}</p> }>
                    {move || stored.get().map(|r| r.err().map(|e| view! { <ErrorNote error=e/> }))}
                    {form}
                </Transition>
                {move || save.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e/> })}
                {move || {
                    matches!(save.value().get(), Some(Ok(_)))
                        .then(|| view! { <p class="banner" role="status" data-testid="prefs-saved">{t.saved}</p> })
                }}
            </fieldset>
        </section>
    }
}
