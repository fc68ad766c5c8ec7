//! `/manage/widget`: the sites that embed the chat widget (issue 7), for managers and admins.
//! The list shows each site's state and embed snippet (with a copy button) and switches a
//! site on or off; the editor creates or changes a site with every setting of
//! [`lossless::widget::SiteInput`]: name, colour, greetings, languages (default first),
//! working hours (a business calendar), allowed origins, group, chat and callback, the bot
//! questions (added, removed, reordered as rows) and the four customer notice switches.
//!
//! Invariants:
//! - A refused save (422) keeps what was typed and shows each code next to its field
//!   (`bot.<i>.key` etc. next to bot row `i`); a refusal naming no field shows as one notice.
//! - The editor edits a copy: the list changes only after a successful save (it refetches on
//!   every save and switch).
//! - The snippet is the server's ([`crate::api::widget::embed_snippet`]); the page never
//!   builds URLs itself.

use crate::agent::use_directory;
use crate::api::sla::list_calendars;
use crate::api::widget::{
    SaveWidgetSite, SiteRow, list_widget_sites, new_site_input, set_widget_site_active,
};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::SiteId;
use lossless::widget::{BotStepInput, SiteInput};

/// Whether the last refusal names `field`.
fn is_invalid(errors: RwSignal<Option<AppError>>, field: &str) -> bool {
    errors.with(|e| e.as_ref().is_some_and(|e| e.field_code(field).is_some()))
}

/// The message of a field known only at run time (bot rows), if the last refusal named it.
fn row_error(errors: RwSignal<Option<AppError>>, field: String) -> impl IntoView {
    let t = use_texts();
    move || {
        errors.with(|e| {
            e.as_ref().and_then(|e| e.field_code(&field)).map(|code| {
                view! {
                    <span class="field-error" data-testid="field-error" data-field=field.clone()>
                        {t.field_error(code)}
                    </span>
                }
            })
        })
    }
}

/// Reads and writes one string of the form.
type Lens = (fn(&SiteInput) -> &String, fn(&mut SiteInput) -> &mut String);

/// A labelled text input bound to a string of the form.
fn text_field(
    form: RwSignal<SiteInput>,
    lens: Lens,
    errors: RwSignal<Option<AppError>>,
    field: &'static str,
    label: &'static str,
) -> impl IntoView {
    let (get, set) = lens;
    view! {
        <label class="field" class:invalid=move || is_invalid(errors, field)>
            <span>{label}</span>
            <input
                type="text"
                name=field
                data-testid=format!("f-{field}")
                autocomplete="off"
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| form.update(|f| *set(f) = event_target_value(&ev))
            />
            {field_error(errors, field)}
        </label>
    }
}

/// A labelled checkbox bound to a flag of the form.
fn check_field(
    form: RwSignal<SiteInput>,
    get: fn(&SiteInput) -> bool,
    set: fn(&mut SiteInput, bool),
    testid: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_checked(&ev)))
            />
            <span>{label}</span>
        </label>
    }
}

/// Copies `text` to the clipboard (the browser may refuse silently).
#[cfg(feature = "hydrate")]
fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        // The promise only reports whether the browser allowed it; nothing to do either way.
        let _ = w.navigator().clipboard().write_text(text);
    }
}

#[cfg(not(feature = "hydrate"))]
fn copy_text(_: &str) {}

/// A snippet in a read-only box with a copy button.
#[component]
fn Snippet(text: String) -> impl IntoView {
    let t = use_texts();
    let copied = RwSignal::new(false);
    let to_copy = text.clone();
    view! {
        <div class="widget-snippet">
            <code data-testid="widget-snippet">{text}</code>
            " "
            <button
                type="button"
                class="secondary"
                data-testid="widget-copy"
                on:click=move |_| {
                    copy_text(&to_copy);
                    copied.set(true);
                }
            >
                {t.ws_copy}
            </button>
            <span class="saved" class:hidden=move || !copied.get()>{t.ws_copied}</span>
        </div>
    }
}

/// The widget sites page.
#[component]
pub fn WidgetSitesPage() -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveWidgetSite>::new();
    let toggle = Action::new(|(id, on): &(SiteId, bool)| set_widget_site_active(*id, *on));
    let sites = Resource::new(
        move || (save.version().get(), toggle.version().get()),
        |_| list_widget_sites(),
    );
    let form = RwSignal::new(SiteInput::default());
    let editing = RwSignal::new(None::<Option<SiteId>>);
    let snippet = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<AppError>);
    let list_error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);

    let open = move |f: SiteInput, id: Option<SiteId>, snip: Option<String>| {
        form.set(f);
        editing.set(Some(id));
        snippet.set(snip);
        form_error.set(None);
        saved.set(false);
    };
    Effect::new(move |_| match save.value().get() {
        Some(Ok(row)) => {
            form_error.set(None);
            editing.set(Some(Some(row.id)));
            snippet.set(Some(row.snippet));
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            form_error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = toggle.value().get() {
            list_error.set(Some(e));
        }
    });
    let site_row = move |s: SiteRow| {
        let id = s.id;
        let active = s.active;
        let name = s.form.name.clone();
        let data_name = name.clone();
        let origins = s.form.allowed_origins.replace('\n', ", ");
        let form_of = s.form;
        let snip = s.snippet.clone();
        view! {
            <tr data-testid="widget-site-row" data-name=data_name data-active=if active { "true" } else { "false" }>
                <td>
                    <strong>{name}</strong>
                    <span class="hint rule-summary">{origins}</span>
                </td>
                <td><code data-testid="widget-site-key">{s.key}</code></td>
                <td data-testid="widget-site-state">{if active { t.ws_active } else { t.ws_inactive }}</td>
                <td class="nowrap rule-actions">
                    <button type="button" class="link" data-testid="widget-site-edit" on:click=move |_| open(form_of.clone(), Some(id), Some(snip.clone()))>
                        {t.ws_edit}
                    </button>
                    " "
                    <button
                        type="button"
                        class="link"
                        data-testid="widget-site-toggle"
                        disabled=move || toggle.pending().get()
                        on:click=move |_| {
                            list_error.set(None);
                            toggle.dispatch((id, !active));
                        }
                    >
                        {if active { t.ws_deactivate } else { t.ws_activate }}
                    </button>
                </td>
            </tr>
            <tr class="snippet-row">
                <td colspan="4"><Snippet text=s.snippet/></td>
            </tr>
        }
    };
    let list = move || {
        Suspend::new(async move {
            match sites.await {
                Ok(ss) if ss.is_empty() => Either::Left(Either::Left(
                    view! { <p class="empty" data-testid="widget-sites-empty">{t.ws_empty}</p> },
                )),
                Ok(ss) => Either::Left(Either::Right(view! {
                    <table class="data-table rule-table" data-testid="widget-sites">
                        <thead>
                            <tr>
                                <th>{t.ws_name}</th>
                                <th>{t.ws_key}</th>
                                <th>{t.ws_status}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>{ss.into_iter().map(site_row).collect_view()}</tbody>
                    </table>
                })),
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };
    let is_open = Memo::new(move |_| editing.with(Option::is_some));
    view! {
        <Title text=t.ws_title/>
        <main class="manage widget-sites" data-testid="widget-page">
            <div class="page-head">
                <h1>{t.ws_title}</h1>
                <span class="spacer"></span>
                <button type="button" data-testid="widget-site-new" on:click=move |_| open(new_site_input(), None, None)>
                    {t.ws_new}
                </button>
            </div>
            <p class="hint">{t.ws_intro}</p>
            {move || list_error.get().map(|e| view! { <div class="flash" data-testid="widget-sites-error"><ErrorNote error=e/></div> })}
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{list}</Transition>
            {move || is_open.get().then(|| view! { <SiteEditor form form_error saved save editing snippet/> })}
        </main>
    }
}

/// The languages part: which are offered and which comes first.
fn languages_field(form: RwSignal<SiteInput>, errors: RwSignal<Option<AppError>>) -> impl IntoView {
    let t = use_texts();
    let has = move |code: &'static str| form.with(|f| f.languages.iter().any(|l| l == code));
    let toggle = move |code: &'static str, on: bool| {
        form.update(|f| {
            f.languages.retain(|l| l != code);
            if on {
                f.languages.push(code.to_owned());
            }
        });
    };
    let first = move || form.with(|f| f.languages.first().cloned().unwrap_or_default());
    let set_first = move |code: String| {
        form.update(|f| {
            f.languages.retain(|l| *l != code);
            f.languages.insert(0, code);
        });
    };
    view! {
        <fieldset class="field" class:invalid=move || is_invalid(errors, "languages")>
            <legend>{t.ws_languages}</legend>
            <label class="check inline">
                <input type="checkbox" data-testid="widget-lang-ru" prop:checked=move || has("ru") on:change=move |ev| toggle("ru", event_target_checked(&ev))/>
                <span>{t.lang_ru}</span>
            </label>
            <label class="check inline">
                <input type="checkbox" data-testid="widget-lang-en" prop:checked=move || has("en") on:change=move |ev| toggle("en", event_target_checked(&ev))/>
                <span>{t.lang_en}</span>
            </label>
            <label class="field inline">
                <span>{t.ws_lang_default}</span>
                <select data-testid="widget-lang-default" prop:value=first on:change=move |ev| set_first(event_target_value(&ev))>
                    <option value="ru">{t.lang_ru}</option>
                    <option value="en">{t.lang_en}</option>
                </select>
            </label>
            {field_error(errors, "languages")}
        </fieldset>
    }
}

/// Picks an optional id from `options` (`""`: none).
fn id_select(
    label: &'static str,
    testid: &'static str,
    none: &'static str,
    options: impl Fn() -> Vec<(i64, String)> + Send + Sync + 'static,
    get: impl Fn() -> Option<i64> + Copy + Send + Sync + 'static,
    set: impl Fn(Option<i64>) + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <select
                data-testid=testid
                prop:value=move || get().map(|v| v.to_string()).unwrap_or_default()
                on:change=move |ev| set(event_target_value(&ev).parse().ok())
            >
                <option value="">{none}</option>
                {move || {
                    let current = get();
                    options()
                        .into_iter()
                        .map(|(id, name)| view! { <option value=id.to_string() selected=current == Some(id)>{name}</option> })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

/// One bot question row.
fn bot_row(
    form: RwSignal<SiteInput>,
    errors: RwSignal<Option<AppError>>,
    i: usize,
    count: usize,
) -> impl IntoView {
    let t = use_texts();
    let get = move |f: fn(&BotStepInput) -> String| {
        form.with(|s| s.bot.get(i).map(f).unwrap_or_default())
    };
    let edit = move |change: &dyn Fn(&mut BotStepInput)| {
        form.update(|s| {
            if let Some(b) = s.bot.get_mut(i) {
                change(b);
            }
        });
    };
    let swap = move |j: usize| {
        form.update(|s| {
            if j < s.bot.len() {
                s.bot.swap(i, j)
            }
        })
    };
    let asks = [
        ("text", t.ws_ask_text),
        ("order_number", t.ws_ask_order),
        ("screenshot", t.ws_ask_screenshot),
    ];
    view! {
        <li class="rule-row bot-row" data-testid="bot-row" class:invalid=move || ["key", "ask", "prompt"].iter().any(|p| is_invalid(errors, &format!("bot.{i}.{p}")))>
            <input
                type="text"
                class="narrow-input"
                data-testid="bot-key"
                aria-label=t.ws_bot_key
                placeholder=t.ws_bot_key
                prop:value=move || get(|b| b.key.clone())
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|b| b.key = v.clone()) }
            />
            <select
                data-testid="bot-ask"
                aria-label=t.ws_bot_ask
                prop:value=move || get(|b| b.ask.clone())
                on:change=move |ev| { let v = event_target_value(&ev); edit(&|b| b.ask = v.clone()) }
            >
                {asks.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
            <input
                type="text"
                data-testid="bot-prompt-ru"
                aria-label=t.ws_bot_prompt_ru
                placeholder=t.ws_bot_prompt_ru
                prop:value=move || get(|b| b.prompt_ru.clone())
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|b| b.prompt_ru = v.clone()) }
            />
            <input
                type="text"
                data-testid="bot-prompt-en"
                aria-label=t.ws_bot_prompt_en
                placeholder=t.ws_bot_prompt_en
                prop:value=move || get(|b| b.prompt_en.clone())
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|b| b.prompt_en = v.clone()) }
            />
            <label class="check inline">
                <input
                    type="checkbox"
                    data-testid="bot-required"
                    prop:checked=move || form.with(|s| s.bot.get(i).is_some_and(|b| b.required))
                    on:change=move |ev| { let v = event_target_checked(&ev); edit(&|b| b.required = v) }
                />
                <span>{t.ws_bot_required}</span>
            </label>
            <button type="button" class="link" data-testid="bot-up" disabled={i == 0} on:click=move |_| { if i > 0 { swap(i - 1) } }>{t.ws_bot_up}</button>
            <button type="button" class="link" data-testid="bot-down" disabled={i + 1 >= count} on:click=move |_| swap(i + 1)>{t.ws_bot_down}</button>
            <button type="button" class="link remove" data-testid="bot-remove" on:click=move |_| form.update(|s| { if i < s.bot.len() { s.bot.remove(i); } })>
                {t.ws_bot_remove}
            </button>
            {row_error(errors, format!("bot.{i}.key"))}
            {row_error(errors, format!("bot.{i}.ask"))}
            {row_error(errors, format!("bot.{i}.prompt"))}
        </li>
    }
}

/// Create or change a site.
#[component]
fn SiteEditor(
    form: RwSignal<SiteInput>,
    form_error: RwSignal<Option<AppError>>,
    saved: RwSignal<bool>,
    save: ServerAction<SaveWidgetSite>,
    editing: RwSignal<Option<Option<SiteId>>>,
    snippet: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let heading = move || match editing.get().flatten() {
        Some(_) => t.ws_edit_title,
        None => t.ws_new,
    };
    let calendars = LocalResource::new(list_calendars);
    let calendar_options = move || {
        calendars
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.id.0, c.form.name))
            .collect::<Vec<_>>()
    };
    let directory = use_directory();
    let group_options = move || {
        directory
            .and_then(|d| d.0.get())
            .and_then(Result::ok)
            .map(|d| d.groups.into_iter().map(|g| (g.id.0, g.name)).collect())
            .unwrap_or_default()
    };
    let bot_count = Memo::new(move |_| form.with(|f| f.bot.len()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        save.dispatch(SaveWidgetSite {
            id: editing.get_untracked().flatten(),
            input: form.get_untracked(),
        });
    };
    let general = move || {
        form_error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid(_)))
            .map(|e| view! { <div class="flash" data-testid="widget-form-error"><ErrorNote error=e/></div> })
    };
    view! {
        <section class="rule-editor" id="widget-editor" data-testid="widget-editor">
            <h2 data-testid="widget-form-title">{heading}</h2>
            <form class="rule-form widget-form" novalidate on:submit=submit>
                {text_field(form, (|f| &f.name, |f| &mut f.name), form_error, "name", t.ws_name)}
                <label class="field" class:invalid=move || is_invalid(form_error, "colour")>
                    <span>{t.ws_colour}</span>
                    <input
                        type="text"
                        name="colour"
                        data-testid="f-colour"
                        placeholder="#2563eb"
                        prop:value=move || form.with(|f| f.colour.clone())
                        on:input=move |ev| form.update(|f| f.colour = event_target_value(&ev))
                    />
                    <span class="colour-swatch" style=move || format!("background:{}", form.with(|f| f.colour.clone()))></span>
                    {field_error(form_error, "colour")}
                </label>
                {text_field(form, (|f| &f.greeting_ru, |f| &mut f.greeting_ru), form_error, "greeting_ru", t.ws_greeting_ru)}
                {text_field(form, (|f| &f.greeting_en, |f| &mut f.greeting_en), form_error, "greeting_en", t.ws_greeting_en)}
                {languages_field(form, form_error)}
                {id_select(t.ws_calendar, "f-calendar", t.ws_calendar_none, calendar_options, move || form.with(|f| f.calendar), move |v| form.update(|f| f.calendar = v))}
                <label class="field" class:invalid=move || is_invalid(form_error, "allowed_origins")>
                    <span>{t.ws_origins}</span>
                    <textarea
                        rows="3"
                        name="allowed_origins"
                        data-testid="f-allowed_origins"
                        placeholder="https://shop.example"
                        prop:value=move || form.with(|f| f.allowed_origins.clone())
                        on:input=move |ev| form.update(|f| f.allowed_origins = event_target_value(&ev))
                    ></textarea>
                    <span class="hint">{t.ws_origins_hint}</span>
                    {field_error(form_error, "allowed_origins")}
                </label>
                {id_select(t.ws_group, "f-group", t.ws_group_none, group_options, move || form.with(|f| f.group), move |v| form.update(|f| f.group = v))}
                {check_field(form, |f| f.chat, |f, v| f.chat = v, "widget-chat", t.ws_chat)}
                {check_field(form, |f| f.callback, |f, v| f.callback = v, "widget-callback", t.ws_callback)}
                <fieldset class="bot" class:invalid=move || is_invalid(form_error, "bot")>
                    <legend>{t.ws_bot}</legend>
                    <p class="hint">{t.ws_bot_hint}</p>
                    <ul class="rule-rows">
                        {move || {
                            let n = bot_count.get();
                            (0..n).map(|i| bot_row(form, form_error, i, n)).collect_view()
                        }}
                    </ul>
                    {field_error(form_error, "bot")}
                    <button
                        type="button"
                        class="secondary"
                        data-testid="bot-add"
                        on:click=move |_| form.update(|f| f.bot.push(BotStepInput { ask: "text".to_owned(), ..BotStepInput::default() }))
                    >
                        {t.ws_bot_add}
                    </button>
                </fieldset>
                <fieldset class="notices">
                    <legend>{t.ws_notices}</legend>
                    {check_field(form, |f| f.notices.taken, |f, v| f.notices.taken = v, "notice-taken", t.ws_notice_taken)}
                    {check_field(form, |f| f.notices.waiting, |f, v| f.notices.waiting = v, "notice-waiting", t.ws_notice_waiting)}
                    {check_field(form, |f| f.notices.resolved, |f, v| f.notices.resolved = v, "notice-resolved", t.ws_notice_resolved)}
                    {check_field(form, |f| f.notices.reminder, |f, v| f.notices.reminder = v, "notice-reminder", t.ws_notice_reminder)}
                </fieldset>
                {general}
                {move || saved.get().then(|| view! { <p class="banner" role="status" data-testid="widget-saved">{t.ws_saved}</p> })}
                <div class="buttons">
                    <button type="submit" data-testid="widget-save" disabled=move || save.pending().get()>{t.ws_save}</button>
                    <button type="button" class="link" on:click=move |_| editing.set(None)>{t.ws_close}</button>
                </div>
            </form>
            {move || snippet.get().map(|s| view! {
                <fieldset class="snippet" data-testid="widget-editor-snippet">
                    <legend>{t.ws_snippet}</legend>
                    <p class="hint">{t.ws_snippet_hint}</p>
                    <Snippet text=s/>
                </fieldset>
            })}
        </section>
    }
}
