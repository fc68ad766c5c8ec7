//! `/agent/settings`: the agent's own settings — which alerts also come by email (in-app
//! alerts always arrive), their language and their time zone (issue 6, point 10).
//!
//! Invariants: each checkbox saves on its own as soon as it changes and the page then shows
//! what was stored (a failed save shows the error and the stored value again); the form is
//! rendered from the loaded preferences, on the server too, so nothing shows a guess and
//! hydration agrees. The language form posts to `set_lang` like the header switcher (the
//! page comes back in the new language, with or without WASM); the time zone form shows the
//! zone the page renders with and, once saved, dates rendered afterwards use the new one.

use crate::api::alerts::{SaveEmailPrefs, my_email_prefs};
use crate::api::auth::SetLang;
use crate::api::prefs::SaveTimeZone;
use crate::api::sla::COMMON_ZONES;
use crate::components::{ErrorNote, use_lang, use_texts};
use crate::display::PageZone;
use crate::i18n::fill;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::Lang;
use lossless::notification::EmailPrefs;
use server_fn::ServerFn as _;

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
            <DisplaySettings/>
        </section>
    }
}

/// Language and time zone: the language as a plain form to `set_lang`, the zone through
/// `save_time_zone` (422 `time_zone` for a name the tz database does not know).
#[component]
fn DisplaySettings() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let zone = use_context::<PageZone>().map(|z| z.0);
    let shown_zone = zone.and_then(|z| z.get_untracked()).unwrap_or_default();
    let save = ServerAction::<SaveTimeZone>::new();
    Effect::new(move || {
        if let (Some(Ok(p)), Some(zone)) = (save.value().get(), zone) {
            zone.set(p.time_zone);
        }
    });
    let option = move |l: Lang, label: &'static str| {
        view! { <option value=l.code() selected=lang == l>{label}</option> }
    };
    let zones = COMMON_ZONES
        .into_iter()
        .map(|z| view! { <option value=z></option> })
        .collect_view();
    let error = move || save.value().get().and_then(Result::err);
    view! {
        <fieldset data-testid="display-prefs">
            <legend>{t.settings_display_title}</legend>
            <p class="hint">{t.settings_display_hint}</p>
            <form method="post" action=SetLang::url() class="inline-form">
                <label class="field">
                    <span>{t.language}</span>
                    <select name="lang" data-testid="pref-lang">
                        {option(Lang::Ru, t.lang_ru)}
                        {option(Lang::En, t.lang_en)}
                    </select>
                </label>
                <button type="submit" data-testid="pref-lang-save">{t.settings_save}</button>
            </form>
            <ActionForm action=save attr:class="inline-form">
                <label class="field" class:invalid=move || error().is_some()>
                    <span>{t.settings_time_zone}</span>
                    <input
                        type="text"
                        name="zone"
                        list="my-tz-list"
                        autocomplete="off"
                        placeholder=t.settings_time_zone_placeholder
                        value=shown_zone
                        data-testid="pref-tz"
                    />
                    <datalist id="my-tz-list">{zones}</datalist>
                </label>
                <button type="submit" data-testid="pref-tz-save" disabled=move || save.pending().get()>
                    {t.settings_save}
                </button>
            </ActionForm>
            {move || error().map(|e| view! { <ErrorNote error=e/> })}
            {move || {
                save.value().get().and_then(Result::ok).map(|p| {
                    view! {
                        <p class="banner" role="status" data-testid="tz-saved">
                            {fill(t.settings_time_zone_saved, &p.time_zone.unwrap_or_default())}
                        </p>
                    }
                })
            }}
        </fieldset>
    }
}
