//! `/manage/sla` (SLA policies) and `/manage/calendars` (business calendars, holiday imports,
//! each group's calendar), for managers.
//!
//! Invariants:
//! - Like the rules page: the editors exist only after a click (never in the server render),
//!   so hydration covers only the lists; the policy list is the rules' [`OrderedList`] and the
//!   policy's conditions are the rules' condition rows ([`condition_rows`]).
//! - A policy whose condition is deeper than the form is never flattened (the page says it
//!   cannot be edited here).
//! - Field errors of a refused save (`name`, `targets`, `targets.<t>`, `warn_at`,
//!   `calendar`, `move_to_group`, `cond.<i>`; `name`, `tz`, `week.<i>`,
//!   `overrides.<date>`; `file` of an import) show next to their field; anything else as one
//!   notice. Weekday and override spans are checked in the browser before sending (the
//!   same parser as the server's, [`crate::api::sla::parse_spans`]).
//! - User text (names, time zones, files) is rendered as text nodes only.

use super::rules::{Entry, ListWords, OrderedList, condition_rows};
use crate::agent::use_directory;
use crate::api::rules::RuleForm;
use crate::api::sla::{
    COMMON_ZONES, CalendarForm, CalendarRow, IMPORT_FORMATS, ImportHolidays, OverrideRow,
    PolicyForm, SaveCalendar, SavePolicy, SetGroupCalendar, delete_calendar, delete_policy,
    group_calendars, list_calendars, list_policies, reorder_policies, set_policy_enabled,
    target_field,
};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::dto::Directory;
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::{GroupId, SlaCalendarId, SlaPolicyId};
use lossless::sla::{Policy, Target};

/// Field names of the weekdays, Monday first.
const WEEK_FIELDS: [&str; 7] = [
    "week.0", "week.1", "week.2", "week.3", "week.4", "week.5", "week.6",
];

/// The target fields, in order.
const TARGET_FIELDS: [(Target, &str); 3] = [
    (Target::FirstResponse, "targets.first_response"),
    (Target::NextResponse, "targets.next_response"),
    (Target::Resolution, "targets.resolution"),
];

fn is_invalid(errors: RwSignal<Option<AppError>>, field: &'static str) -> bool {
    errors.with(|e| e.as_ref().is_some_and(|e| e.field_code(field).is_some()))
}

/// A refusal that names no field of the form: shown as one notice.
fn general_error(errors: RwSignal<Option<AppError>>, testid: &'static str) -> impl IntoView {
    move || {
        errors
            .get()
            .filter(|e| !matches!(e, AppError::Invalid(_)))
            .map(|e| view! { <div class="flash" data-testid=testid><ErrorNote error=e/></div> })
    }
}

/// Reads and writes one string of a form.
type Lens<F> = (fn(&F) -> &String, fn(&mut F) -> &mut String);

/// A labelled text input bound to a string of the form.
fn text_field<F: Send + Sync + 'static>(
    form: RwSignal<F>,
    lens: Lens<F>,
    errors: RwSignal<Option<AppError>>,
    field: &'static str,
    label: &'static str,
    kind: &'static str,
) -> AnyView {
    let (get, set) = lens;
    view! {
        <label class="field" class:invalid=move || is_invalid(errors, field)>
            <span>{label}</span>
            <input
                type=kind
                name=field
                data-testid=format!("f-{field}")
                autocomplete="off"
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| form.update(|f| *set(f) = event_target_value(&ev))
            />
            {field_error(errors, field)}
        </label>
    }
    .into_any()
}

/// A labelled select bound to a string of the form, over `(value, label)` options.
fn select_field<F: Send + Sync + 'static>(
    form: RwSignal<F>,
    lens: Lens<F>,
    errors: RwSignal<Option<AppError>>,
    field: &'static str,
    label: &'static str,
    options: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
) -> AnyView {
    let (get, set) = lens;
    let opts = move || {
        let current = form.with_untracked(|f| get(f).clone());
        options()
            .into_iter()
            .map(|(value, label)| {
                let selected = value == current;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <label class="field" class:invalid=move || is_invalid(errors, field)>
            <span>{label}</span>
            <select
                name=field
                data-testid=format!("f-{field}")
                prop:value=move || form.with(|f| get(f).clone())
                on:change=move |ev| form.update(|f| *set(f) = event_target_value(&ev))
            >
                {opts}
            </select>
            {field_error(errors, field)}
        </label>
    }
    .into_any()
}

/// A checkbox bound to a flag of the form.
fn check_field<F: Send + Sync + 'static>(
    form: RwSignal<F>,
    get: fn(&F) -> bool,
    set: fn(&mut F, bool),
    testid: &'static str,
    label: &'static str,
) -> AnyView {
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
    .into_any()
}

/// Field errors as the wire carries them.
fn as_error(e: lossless::error::FieldErrors) -> AppError {
    AppError::Invalid(e.0.into_iter().map(|f| (f.field, f.code)).collect())
}

/// Options of a calendar select: the fallback first, then every calendar.
fn calendar_options(
    cals: RwSignal<Vec<CalendarRow>>,
    fallback: &'static str,
) -> impl Fn() -> Vec<(String, String)> + Send + Sync + 'static {
    move || {
        let mut o = vec![(String::new(), fallback.to_owned())];
        cals.with(|cs| {
            o.extend(cs.iter().map(|c| (c.id.to_string(), c.form.name.clone())));
        });
        o
    }
}

/// Loads the calendars into a signal (for selects).
fn calendars_signal(refresh: impl Fn() + Send + Sync + 'static) -> RwSignal<Vec<CalendarRow>> {
    let cals = RwSignal::new(Vec::new());
    let res = LocalResource::new(move || {
        refresh();
        list_calendars()
    });
    Effect::new(move |_| {
        if let Some(Ok(cs)) = res.get() {
            cals.set(cs);
        }
    });
    cals
}

/// The agent area's directory (groups for selects), once loaded.
fn directory_signal() -> RwSignal<Directory> {
    let dir = RwSignal::new(Directory::default());
    let dir_res = use_directory();
    Effect::new(move |_| {
        if let Some(d) = dir_res
            && let Some(Ok(d)) = d.0.get()
        {
            dir.set(d);
        }
    });
    dir
}

/// A one-line summary of a policy's targets.
fn targets_text(p: &Policy, t: &Texts) -> String {
    let parts: Vec<String> = Target::ALL
        .into_iter()
        .filter_map(|x| {
            p.draft.targets.get(x).map(|m| {
                format!(
                    "{} {}",
                    t.sla_target(x),
                    crate::agent::sla_span_text(t, i64::from(m) * 60, true)
                )
            })
        })
        .collect();
    parts.join(" · ")
}

/// What the policy editor is doing: `None` closed, `Some(None)` new, `Some(Some(id))` that one.
type Editing<Id> = Option<Option<Id>>;

/// The SLA policies page.
#[component]
pub fn SlaPoliciesPage() -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SavePolicy>::new();
    let remove = Action::new(|id: &SlaPolicyId| delete_policy(*id));
    let reorder = Action::new(|o: &Vec<SlaPolicyId>| reorder_policies(o.clone()));
    let toggle = Action::new(|(id, on): &(SlaPolicyId, bool)| set_policy_enabled(*id, *on));
    let policies = Resource::new(
        move || {
            (
                save.version().get(),
                remove.version().get(),
                reorder.version().get(),
                toggle.version().get(),
            )
        },
        |_| list_policies(),
    );
    let form = RwSignal::new(PolicyForm::default());
    let cond = RwSignal::new(RuleForm::default());
    let editing = RwSignal::new(None::<Option<SlaPolicyId>>);
    let next_key = RwSignal::new(0u32);
    let form_error = RwSignal::new(None::<AppError>);
    let list_error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let not_editable = RwSignal::new(None::<String>);
    let dir = directory_signal();
    let cals = calendars_signal(|| ());

    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => {
            form_error.set(None);
            editing.set(Some(Some(p.id)));
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            form_error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| {
        let failed = [
            remove.value().get().and_then(Result::err),
            reorder.value().get().and_then(Result::err),
            toggle.value().get().and_then(Result::err),
        ];
        if let Some(e) = failed.into_iter().flatten().next() {
            list_error.set(Some(e));
        }
    });

    let open = move |f: PolicyForm, id: Option<SlaPolicyId>| {
        // Condition rows take keys never used on this page (see the rules page).
        let rows = RuleForm {
            match_any: f.match_any,
            conditions: f.conditions.clone(),
            ..RuleForm::default()
        }
        .rekeyed(next_key.get_untracked());
        next_key.set(rows.max_key());
        cond.set(rows);
        form.set(f);
        editing.set(Some(id));
        form_error.set(None);
        saved.set(false);
        not_editable.set(None);
    };
    let on_new = move |_| open(PolicyForm::default(), None);
    let list = move || {
        Suspend::new(async move {
            match policies.await {
                Ok(ps) => {
                    let entries = ps
                        .iter()
                        .map(|p| Entry {
                            id: p.id.0,
                            name: p.draft.name.clone(),
                            summary: targets_text(p, t),
                            enabled: p.draft.enabled,
                        })
                        .collect();
                    let words = ListWords {
                        prefix: "policy",
                        empty_testid: "policies-empty",
                        empty: t.sla_policies_empty,
                        column: t.sla_col_policy,
                        confirm: t.sla_policy_delete_confirm,
                    };
                    let on_edit = Callback::new(move |id: i64| {
                        if let Some(p) = ps.iter().find(|p| p.id.0 == id) {
                            match PolicyForm::from_draft(&p.draft) {
                                Some(f) => open(f, Some(p.id)),
                                None => {
                                    editing.set(None);
                                    not_editable.set(Some(p.draft.name.clone()));
                                }
                            }
                        }
                    });
                    let on_delete = Callback::new(move |id: i64| {
                        list_error.set(None);
                        if editing.get_untracked() == Some(Some(SlaPolicyId(id))) {
                            editing.set(None);
                        }
                        remove.dispatch(SlaPolicyId(id));
                    });
                    let on_move = Callback::new(move |o: Vec<i64>| {
                        list_error.set(None);
                        reorder.dispatch(o.into_iter().map(SlaPolicyId).collect());
                    });
                    let on_toggle = Callback::new(move |(id, on): (i64, bool)| {
                        list_error.set(None);
                        toggle.dispatch((SlaPolicyId(id), on));
                    });
                    Either::Left(
                        view! { <OrderedList entries words on_edit on_delete on_move on_toggle/> },
                    )
                }
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };
    let is_open = Memo::new(move |_| editing.with(Option::is_some));
    view! {
        <Title text=t.sla_policies_title/>
        <main class="manage sla-policies">
            <div class="page-head">
                <h1>{t.sla_policies_title}</h1>
                <span class="spacer"></span>
                <button type="button" data-testid="policy-new" on:click=on_new>{t.sla_policy_new}</button>
            </div>
            <p class="hint">{t.sla_policies_intro}</p>
            {move || list_error.get().map(|e| view! { <div class="flash" data-testid="policies-error"><ErrorNote error=e/></div> })}
            {move || not_editable.get().map(|name| view! { <p class="flash" data-testid="policy-not-editable">{fill(t.rules_not_editable, &name)}</p> })}
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{list}</Transition>
            {move || is_open.get().then(|| view! { <PolicyEditor form cond next_key form_error saved save dir cals editing/> })}
        </main>
    }
}

/// Add or edit a policy.
#[component]
fn PolicyEditor(
    form: RwSignal<PolicyForm>,
    cond: RwSignal<RuleForm>,
    next_key: RwSignal<u32>,
    form_error: RwSignal<Option<AppError>>,
    saved: RwSignal<bool>,
    save: ServerAction<SavePolicy>,
    dir: RwSignal<Directory>,
    cals: RwSignal<Vec<CalendarRow>>,
    editing: RwSignal<Editing<SlaPolicyId>>,
) -> impl IntoView {
    let t = use_texts();
    let heading = move || match editing.get().flatten() {
        Some(_) => fill(
            t.sla_policy_edit_title,
            &form.with_untracked(|f| f.name.clone()),
        ),
        None => t.sla_policy_new.to_owned(),
    };
    let targets = TARGET_FIELDS
        .into_iter()
        .map(|(target, field)| {
            let lens: Lens<PolicyForm> = match target {
                Target::FirstResponse => (|f| &f.first_response, |f| &mut f.first_response),
                Target::NextResponse => (|f| &f.next_response, |f| &mut f.next_response),
                Target::Resolution => (|f| &f.resolution, |f| &mut f.resolution),
            };
            debug_assert_eq!(field, target_field(target));
            text_field(
                form,
                lens,
                form_error,
                field,
                t.sla_target(target),
                "number",
            )
        })
        .collect_view();
    let groups = move || {
        let mut o = vec![(String::new(), t.sla_no_move.to_owned())];
        dir.with(|d| o.extend(d.groups.iter().map(|g| (g.id.to_string(), g.name.clone()))));
        o
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut f = form.get_untracked();
        cond.with_untracked(|c| {
            f.match_any = c.match_any;
            f.conditions = c.conditions.clone();
        });
        save.dispatch(SavePolicy {
            id: editing.get_untracked().flatten(),
            form: f,
        });
    };
    view! {
        <section class="rule-editor" id="policy-editor" data-testid="policy-editor">
            <h2 data-testid="policy-form-title">{heading}</h2>
            <form class="rule-form" novalidate on:submit=submit>
                {text_field(form, (|f| &f.name, |f| &mut f.name), form_error, "name", t.rules_name, "text")}
                {check_field(form, |f| f.enabled, |f, v| f.enabled = v, "policy-enabled-input", t.rules_enabled)}
                {condition_rows(cond, form_error, dir, next_key)}
                <fieldset class="sla-targets">
                    <legend>{t.sla_targets}</legend>
                    <p class="hint">{t.sla_targets_hint}</p>
                    {targets}
                    {field_error(form_error, "targets")}
                </fieldset>
                <fieldset>
                    <legend>{t.sla_timing}</legend>
                    {select_field(form, (|f| &f.calendar, |f| &mut f.calendar), form_error, "calendar", t.cal_title, calendar_options(cals, t.sla_calendar_fallback))}
                    {text_field(form, (|f| &f.warn_at, |f| &mut f.warn_at), form_error, "warn_at", t.sla_warn_at, "text")}
                </fieldset>
                <fieldset>
                    <legend>{t.sla_on_breach}</legend>
                    <p class="hint">{t.sla_on_breach_hint}</p>
                    {check_field(form, |f| f.raise_priority, |f, v| f.raise_priority = v, "policy-raise", t.sla_raise_priority)}
                    {select_field(form, (|f| &f.move_to_group, |f| &mut f.move_to_group), form_error, "move_to_group", t.sla_move_to_group, groups)}
                    {check_field(form, |f| f.reassign, |f, v| f.reassign = v, "policy-reassign", t.sla_reassign)}
                </fieldset>
                {general_error(form_error, "policy-form-error")}
                {move || saved.get().then(|| view! { <p class="banner" role="status" data-testid="policy-saved">{t.saved}</p> })}
                <div class="buttons">
                    <button type="submit" data-testid="policy-save" disabled=move || save.pending().get()>{t.rules_save}</button>
                    <button type="button" class="link" data-testid="policy-close" on:click=move |_| editing.set(None)>{t.rules_cancel}</button>
                </div>
            </form>
        </section>
    }
}

// ---- calendars ----

fn weekday(t: &Texts, i: usize) -> &'static str {
    [
        t.day_mon, t.day_tue, t.day_wed, t.day_thu, t.day_fri, t.day_sat, t.day_sun,
    ]
    .get(i)
    .copied()
    .unwrap_or("?")
}

/// The message of an import's `file` error code.
fn import_error(t: &Texts, code: &str) -> String {
    match code {
        "too_large" => t.cal_import_too_large.to_owned(),
        "format" => t.cal_import_bad_format.to_owned(),
        other => other.strip_prefix("line:").map_or_else(
            || t.field_error(other).to_owned(),
            |n| fill(t.cal_import_bad_line, n),
        ),
    }
}

/// Fills `into` with the text of the file chosen in the input of `ev`.
#[cfg(feature = "hydrate")]
fn read_file(ev: &leptos::ev::Event, into: RwSignal<String>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r = reader.clone();
    let done = Closure::once_into_js(move || {
        if let Some(text) = r.result().ok().and_then(|v| v.as_string()) {
            into.set(text);
        }
    });
    reader.set_onload(Some(done.unchecked_ref()));
    let _ = reader.read_as_text(&file);
}

#[cfg(not(feature = "hydrate"))]
fn read_file(_: &leptos::ev::Event, _: RwSignal<String>) {}

/// The calendars page.
#[component]
pub fn CalendarsPage() -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveCalendar>::new();
    let import = ServerAction::<ImportHolidays>::new();
    let remove = Action::new(|id: &SlaCalendarId| delete_calendar(*id));
    let calendars = Resource::new(
        move || {
            (
                save.version().get(),
                import.version().get(),
                remove.version().get(),
            )
        },
        |_| list_calendars(),
    );
    let form = RwSignal::new(CalendarForm::default());
    let editing = RwSignal::new(None::<Option<SlaCalendarId>>);
    let next_key = RwSignal::new(0u32);
    let form_error = RwSignal::new(None::<AppError>);
    let list_error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let confirming = RwSignal::new(None::<SlaCalendarId>);

    let open = move |mut f: CalendarForm, id: Option<SlaCalendarId>| {
        for r in &mut f.overrides {
            next_key.update(|k| *k += 1);
            r.key = next_key.get_untracked();
        }
        form.set(f);
        editing.set(Some(id));
        form_error.set(None);
        saved.set(false);
        import.clear();
    };
    Effect::new(move |_| match save.value().get() {
        Some(Ok(c)) => {
            form_error.set(None);
            editing.set(Some(Some(c.id)));
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            form_error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(done)) = import.value().get() {
            let id = done.calendar.id;
            open(done.calendar.form, Some(id));
        }
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = remove.value().get() {
            list_error.set(Some(e));
        }
    });
    let list = move || {
        Suspend::new(async move {
            match calendars.await {
                Ok(cs) if cs.is_empty() => Either::Left(Either::Left(
                    view! { <p class="empty" data-testid="calendars-empty">{t.cal_empty}</p> },
                )),
                Ok(cs) => {
                    let rows = cs
                        .into_iter()
                        .map(|c| {
                            let id = c.id;
                            let name = c.form.name.clone();
                            let data_name = name.clone();
                            let summary = if c.form.always_open {
                                t.cal_always_open.to_owned()
                            } else {
                                fill(t.cal_n_overrides, &c.form.overrides.len().to_string())
                            };
                            let default = c.form.is_default.then_some(t.cal_default_mark);
                            let form_of = c.form;
                            let tz = form_of.tz.clone();
                            view! {
                                <tr data-testid="calendar-row" data-name=data_name>
                                    <td>
                                        <strong>{name}</strong>" "
                                        <span class="badge">{default}</span>
                                        <span class="hint rule-summary">{tz}" · "{summary}</span>
                                    </td>
                                    <td class="nowrap rule-actions">
                                        <button type="button" class="link" data-testid="calendar-edit" on:click=move |_| open(form_of.clone(), Some(id))>
                                            {t.rules_edit}
                                        </button>
                                        {move || if confirming.get() == Some(id) {
                                            Either::Left(view! {
                                                <span class="confirm">
                                                    {t.cal_delete_confirm}" "
                                                    <button type="button" class="danger" data-testid="calendar-delete-yes" on:click=move |_| {
                                                        confirming.set(None);
                                                        list_error.set(None);
                                                        if editing.get_untracked() == Some(Some(id)) { editing.set(None); }
                                                        remove.dispatch(id);
                                                    }>{t.rules_delete_yes}</button>
                                                    " "
                                                    <button type="button" class="link" on:click=move |_| confirming.set(None)>{t.rules_cancel}</button>
                                                </span>
                                            })
                                        } else {
                                            Either::Right(view! {
                                                <button type="button" class="link" data-testid="calendar-delete" on:click=move |_| confirming.set(Some(id))>
                                                    {t.rules_delete}
                                                </button>
                                            })
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view();
                    Either::Left(Either::Right(view! {
                        <table class="data-table rule-table" data-testid="calendar-table"><tbody>{rows}</tbody></table>
                    }))
                }
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };
    let is_open = Memo::new(move |_| editing.with(Option::is_some));
    view! {
        <Title text=t.cal_title/>
        <main class="manage calendars">
            <div class="page-head">
                <h1>{t.cal_title}</h1>
                <span class="spacer"></span>
                <button type="button" data-testid="calendar-new" on:click=move |_| open(CalendarForm::default(), None)>
                    {t.cal_new}
                </button>
            </div>
            <p class="hint">{t.cal_intro}</p>
            {move || list_error.get().map(|e| view! { <div class="flash" data-testid="calendars-error"><ErrorNote error=e/></div> })}
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{list}</Transition>
            {move || is_open.get().then(|| view! { <CalendarEditor form next_key form_error saved save import editing/> })}
            <GroupCalendars refresh=Signal::derive(move || (save.version().get(), remove.version().get()))/>
        </main>
    }
}

/// Add or edit a calendar; import holidays into a saved one.
#[component]
fn CalendarEditor(
    form: RwSignal<CalendarForm>,
    next_key: RwSignal<u32>,
    form_error: RwSignal<Option<AppError>>,
    saved: RwSignal<bool>,
    save: ServerAction<SaveCalendar>,
    import: ServerAction<ImportHolidays>,
    editing: RwSignal<Editing<SlaCalendarId>>,
) -> impl IntoView {
    let t = use_texts();
    let heading = move || match editing.get().flatten() {
        Some(_) => fill(t.cal_edit_title, &form.with_untracked(|f| f.name.clone())),
        None => t.cal_new.to_owned(),
    };
    let always = Memo::new(move |_| form.with(|f| f.always_open));
    let zones = COMMON_ZONES
        .into_iter()
        .map(|z| view! { <option value=z></option> })
        .collect_view();
    let week = WEEK_FIELDS
        .into_iter()
        .enumerate()
        .map(|(i, field)| {
            view! {
                <label class="field day" class:invalid=move || is_invalid(form_error, field)>
                    <span>{weekday(t, i)}</span>
                    <input
                        type="text"
                        data-testid=format!("f-{field}")
                        placeholder=t.cal_closed
                        prop:value=move || form.with(|f| f.week.get(i).cloned().unwrap_or_default())
                        on:input=move |ev| form.update(|f| if let Some(d) = f.week.get_mut(i) { *d = event_target_value(&ev) })
                    />
                    {field_error(form_error, field)}
                </label>
            }
        })
        .collect_view();
    let override_keys =
        move || form.with(|f| f.overrides.iter().map(|r| r.key).collect::<Vec<_>>());
    let edit_row = move |key: u32, change: &dyn Fn(&mut OverrideRow)| {
        form.update(|f| {
            if let Some(r) = f.overrides.iter_mut().find(|r| r.key == key) {
                change(r);
            }
        });
    };
    let row_of = move |key: u32| {
        form.with(|f| f.overrides.iter().find(|r| r.key == key).cloned())
            .unwrap_or_default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let f = form.get_untracked();
        let bad = f.span_errors();
        if !bad.is_empty() {
            form_error.set(Some(as_error(bad)));
            return;
        }
        save.dispatch(SaveCalendar {
            id: editing.get_untracked().flatten(),
            form: f,
        });
    };
    let format = RwSignal::new(IMPORT_FORMATS[0].to_owned());
    let file_text = RwSignal::new(String::new());
    let import_result = move || {
        match import.value().get() {
        Some(Ok(done)) => Some(
            view! { <p class="banner" role="status" data-testid="import-done">{fill(t.cal_imported, &done.count.to_string())}</p> }
                .into_any(),
        ),
        Some(Err(e)) => Some(match e.field_code("file").map(|c| import_error(t, c)) {
            Some(m) => view! { <p class="field-error" data-testid="field-error" data-field="file">{m}</p> }.into_any(),
            None => view! { <ErrorNote error=e/> }.into_any(),
        }),
        None => None,
    }
    };
    let import_box = move || {
        let Some(id) = editing.get().flatten() else {
            return Either::Left(view! { <p class="hint">{t.cal_import_save_first}</p> });
        };
        Either::Right(view! {
            <div class="import-box" data-testid="import-box">
                <label class="field">
                    <span>{t.cal_import_format}</span>
                    <select data-testid="import-format" prop:value=move || format.get() on:change=move |ev| format.set(event_target_value(&ev))>
                        <option value="production_calendar">{t.cal_format_production}</option>
                        <option value="ical">{t.cal_format_ical}</option>
                    </select>
                </label>
                <input type="file" data-testid="import-file" accept=".xml,.ics,text/xml,text/calendar" on:change=move |ev| read_file(&ev, file_text)/>
                <textarea
                    rows="5"
                    data-testid="import-text"
                    aria-label=t.cal_import_text
                    placeholder=t.cal_import_text
                    prop:value=move || file_text.get()
                    on:input=move |ev| file_text.set(event_target_value(&ev))
                ></textarea>
                <button
                    type="button"
                    class="secondary"
                    data-testid="import-run"
                    disabled=move || import.pending().get()
                    on:click=move |_| {
                        import.dispatch(ImportHolidays { id, format: format.get_untracked(), text: file_text.get_untracked() });
                    }
                >
                    {t.cal_import_run}
                </button>
                {import_result}
            </div>
        })
    };
    view! {
        <section class="rule-editor" id="calendar-editor" data-testid="calendar-editor">
            <h2 data-testid="calendar-form-title">{heading}</h2>
            <form class="rule-form calendar-form" novalidate on:submit=submit>
                {text_field(form, (|f| &f.name, |f| &mut f.name), form_error, "name", t.rules_name, "text")}
                <label class="field" class:invalid=move || is_invalid(form_error, "tz")>
                    <span>{t.cal_tz}</span>
                    <input
                        type="text"
                        list="tz-list"
                        data-testid="f-tz"
                        prop:value=move || form.with(|f| f.tz.clone())
                        on:input=move |ev| form.update(|f| f.tz = event_target_value(&ev))
                    />
                    <datalist id="tz-list">{zones}</datalist>
                    {field_error(form_error, "tz")}
                </label>
                {check_field(form, |f| f.always_open, |f, v| f.always_open = v, "calendar-always", t.cal_always_open)}
                {check_field(form, |f| f.is_default, |f, v| f.is_default = v, "calendar-default", t.cal_is_default)}
                <fieldset class="week" class:hidden=move || always.get()>
                    <legend>{t.cal_week}</legend>
                    <p class="hint">{t.cal_spans_hint}</p>
                    {week}
                </fieldset>
                <fieldset class="overrides" class:hidden=move || always.get()>
                    <legend>{t.cal_overrides}</legend>
                    <ul class="rule-rows">
                        <For each=override_keys key=|k| *k let:key>
                            {
                                let field = move || row_of(key).field();
                                let err = move || form_error.with(|e| e.as_ref().and_then(|e| e.field_code(&field()).map(|c| t.field_error(c))));
                                view! {
                                    <li class="rule-row" class:invalid=move || err().is_some() data-testid="override-row">
                                        <input
                                            type="date"
                                            data-testid="override-date"
                                            aria-label=t.cal_date
                                            prop:value=move || row_of(key).date
                                            on:input=move |ev| { let v = event_target_value(&ev); edit_row(key, &|r| r.date = v.clone()) }
                                        />
                                        <label class="check inline">
                                            <input
                                                type="checkbox"
                                                data-testid="override-closed"
                                                prop:checked=move || row_of(key).closed
                                                on:change=move |ev| { let v = event_target_checked(&ev); edit_row(key, &|r| r.closed = v) }
                                            />
                                            <span>{t.cal_closed}</span>
                                        </label>
                                        <input
                                            type="text"
                                            data-testid="override-hours"
                                            aria-label=t.cal_hours
                                            placeholder="10:00-15:00"
                                            class:hidden=move || row_of(key).closed
                                            prop:value=move || row_of(key).hours
                                            on:input=move |ev| { let v = event_target_value(&ev); edit_row(key, &|r| r.hours = v.clone()) }
                                        />
                                        <button type="button" class="link remove" on:click=move |_| form.update(|f| f.overrides.retain(|r| r.key != key))>
                                            {t.rules_remove}
                                        </button>
                                        {move || err().map(|m| view! { <span class="field-error" data-testid="field-error" data-field="overrides">{m}</span> })}
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="override-add"
                        on:click=move |_| {
                            next_key.update(|k| *k += 1);
                            let key = next_key.get_untracked();
                            form.update(|f| f.overrides.push(OverrideRow { key, closed: true, ..OverrideRow::default() }));
                        }
                    >
                        {t.cal_add_override}
                    </button>
                </fieldset>
                {general_error(form_error, "calendar-form-error")}
                {move || saved.get().then(|| view! { <p class="banner" role="status" data-testid="calendar-saved">{t.saved}</p> })}
                <div class="buttons">
                    <button type="submit" data-testid="calendar-save" disabled=move || save.pending().get()>{t.rules_save}</button>
                    <button type="button" class="link" on:click=move |_| editing.set(None)>{t.rules_cancel}</button>
                </div>
            </form>
            <fieldset class="import">
                <legend>{t.cal_import}</legend>
                {import_box}
            </fieldset>
        </section>
    }
}

/// Each group's calendar (saved on change).
#[component]
fn GroupCalendars(refresh: Signal<(usize, usize)>) -> impl IntoView {
    let t = use_texts();
    let set = ServerAction::<SetGroupCalendar>::new();
    let dir = directory_signal();
    let cals = calendars_signal(move || {
        refresh.track();
    });
    let current = LocalResource::new(move || {
        set.version().track();
        group_calendars()
    });
    let chosen = RwSignal::new(Vec::<(GroupId, SlaCalendarId)>::new());
    Effect::new(move |_| {
        if let Some(Ok(c)) = current.get() {
            chosen.set(c);
        }
    });
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match set.value().get() {
        Some(Err(e)) => error.set(Some(e)),
        Some(Ok(())) => error.set(None),
        None => {}
    });
    let rows = move || {
        let chosen = chosen.get();
        let options = calendar_options(cals, t.cal_group_default);
        dir.with(|d| {
            d.groups
                .iter()
                .map(|g| {
                    let group = g.id;
                    let now = chosen
                        .iter()
                        .find(|(x, _)| *x == group)
                        .map(|(_, c)| c.to_string())
                        .unwrap_or_default();
                    let opts = options()
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = v == now;
                            view! { <option value=v selected=selected>{l}</option> }
                        })
                        .collect_view();
                    view! {
                        <tr data-testid="group-calendar-row" data-group=group.0>
                            <td>{g.name.clone()}</td>
                            <td>
                                <select
                                    data-testid="group-calendar"
                                    prop:value=now.clone()
                                    on:change=move |ev| {
                                        let calendar = event_target_value(&ev).parse().ok().map(SlaCalendarId);
                                        set.dispatch(SetGroupCalendar { group, calendar });
                                    }
                                >
                                    {opts}
                                </select>
                            </td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="group-calendars" data-testid="group-calendars">
            <h2>{t.cal_groups}</h2>
            <p class="hint">{t.cal_groups_hint}</p>
            {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
            <table class="data-table"><tbody>{rows}</tbody></table>
        </section>
    }
}
