//! `/manage/rules`: the automation rules in the order they run — switch on/off, move up and
//! down, edit, delete (after a confirmation), add — and the rule editor: a form of rows (name,
//! activator, "all"/"any" of condition rows, ordered action rows) with "Try it" over the last
//! tickets.
//!
//! Invariants:
//! - The editor exists only after a click (never in the server render), so hydration of the
//!   page only covers the list, which renders the same on both sides.
//! - The form is the only state of the editor; each row keeps a stable key while on screen,
//!   so typing in one row never rebuilds another, and a row's inputs are rebuilt only when
//!   its kind changes.
//! - A rule whose condition is deeper than the form can express is never flattened: the page
//!   says it cannot be edited here ([`RuleForm::from_draft`] answers `None`).
//! - Field errors of a refused save or try (`name`, `activator`, `condition`, `actions`,
//!   `cond.<i>`, `action.<i>`) show next to their field or row; anything else shows as one
//!   notice above the buttons.
//! - User text (names, keywords, templates, subjects) is rendered as text nodes only.

use crate::agent::{describe_event, use_directory};
use crate::api::rules::{
    ACTION_KINDS, ACTIVATORS, ActionRow, COND_KINDS, CondRow, RuleForm, SaveRule, TIMES,
    TryOutcome, TryRule, delete_rule, list_rules, reorder_rules, set_rule_enabled, time_str,
    watched_str,
};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::dto::Directory;
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::{Lang, RuleId};
use lossless::rules::rule::{Activator, Rule, WatchedField};
use lossless::ticket::{Channel, Priority, Status};

/// What the editor is doing: `None` closed, `Some(None)` a new rule, `Some(Some(id))` that rule.
type Editing = Option<Option<RuleId>>;

/// The rules page.
#[component]
pub fn RulesPage() -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveRule>::new();
    let try_it = ServerAction::<TryRule>::new();
    let remove = Action::new(|id: &RuleId| delete_rule(*id));
    let reorder = Action::new(|order: &Vec<RuleId>| reorder_rules(order.clone()));
    let toggle = Action::new(|(id, on): &(RuleId, bool)| set_rule_enabled(*id, *on));
    let rules = Resource::new(
        move || {
            (
                save.version().get(),
                remove.version().get(),
                reorder.version().get(),
                toggle.version().get(),
            )
        },
        |_| list_rules(),
    );

    let form = RwSignal::new(RuleForm::default());
    let editing = RwSignal::new(None::<Option<RuleId>>);
    let next_key = RwSignal::new(0u32);
    let form_error = RwSignal::new(None::<AppError>);
    let list_error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let not_editable = RwSignal::new(None::<String>);

    // The directory (agents and groups) for the editor's selects.
    let dir = RwSignal::new(Directory::default());
    let dir_res = use_directory();
    Effect::new(move |_| {
        if let Some(d) = dir_res
            && let Some(Ok(d)) = d.0.get()
        {
            dir.set(d);
        }
    });

    Effect::new(move |_| match save.value().get() {
        Some(Ok(rule)) => {
            form_error.set(None);
            editing.set(Some(Some(rule.id)));
            saved.set(true);
        }
        Some(Err(e)) => {
            saved.set(false);
            form_error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| match try_it.value().get() {
        Some(Err(e)) => form_error.set(Some(e)),
        Some(Ok(_)) => form_error.set(None),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = remove.value().get() {
            list_error.set(Some(e));
        }
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = reorder.value().get() {
            list_error.set(Some(e));
        }
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = toggle.value().get() {
            list_error.set(Some(e));
        }
    });

    // Rows get keys never used before on this page, so an editor that stays open while
    // another rule is loaded rebuilds every row.
    let open = move |f: RuleForm, id: Option<RuleId>| {
        let f = f.rekeyed(next_key.get_untracked());
        next_key.set(f.max_key());
        form.set(f);
        editing.set(Some(id));
        form_error.set(None);
        saved.set(false);
        not_editable.set(None);
        try_it.clear();
        scroll_to_editor();
    };
    let on_edit = Callback::new(move |rule: Rule| match RuleForm::from_draft(&rule.draft) {
        Some(f) => open(f, Some(rule.id)),
        None => {
            editing.set(None);
            not_editable.set(Some(rule.draft.name));
        }
    });
    let on_new = move |_| {
        let mut f = RuleForm::default();
        f.actions.push(ActionRow::new(1, "set_priority"));
        open(f, None);
    };
    let on_delete = Callback::new(move |id: RuleId| {
        list_error.set(None);
        if editing.get_untracked() == Some(Some(id)) {
            editing.set(None);
        }
        remove.dispatch(id);
    });
    let on_move = Callback::new(move |order: Vec<RuleId>| {
        list_error.set(None);
        reorder.dispatch(order);
    });
    let on_toggle = Callback::new(move |(id, on): (RuleId, bool)| {
        list_error.set(None);
        toggle.dispatch((id, on));
    });

    // Saving a new rule turns `Some(None)` into `Some(Some(id))`: the editor stays as it is.
    let is_open = Memo::new(move |_| editing.with(Option::is_some));
    let list = move || {
        Suspend::new(async move {
            match rules.await {
                Ok(rs) => {
                    Either::Left(view! { <RuleList rs on_edit on_delete on_move on_toggle/> })
                }
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };

    view! {
        <Title text=t.rules_title/>
        <main class="manage rules">
            <div class="page-head">
                <h1>{t.rules_title}</h1>
                <span class="spacer"></span>
                <button type="button" data-testid="rule-new" on:click=on_new>{t.rules_new}</button>
            </div>
            <p class="hint">{t.rules_intro}</p>
            {move || list_error.get().map(|e| view! { <div class="flash" data-testid="rules-error"><ErrorNote error=e/></div> })}
            {move || not_editable.get().map(|name| view! { <p class="flash" data-testid="rule-not-editable">{fill(t.rules_not_editable, &name)}</p> })}
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{list}</Transition>
            {move || is_open.get().then(|| view! { <RuleEditor form next_key form_error saved save try_it dir editing/> })}
        </main>
    }
    .into_any()
}

/// Brings the editor into view (its Edit buttons are in the list above it).
fn scroll_to_editor() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        if let Some(e) = document().get_element_by_id("rule-editor") {
            e.scroll_into_view();
        }
    });
}

/// A one-line summary of when a rule runs.
fn activator_text(a: &Activator, t: &Texts) -> String {
    match a {
        Activator::Created => t.rules_on_created.to_owned(),
        Activator::Updated { fields } if fields.is_empty() => t.rules_on_updated.to_owned(),
        Activator::Updated { fields } => format!(
            "{}: {}",
            t.rules_on_updated,
            fields
                .iter()
                .map(|f| watched_label(*f, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Activator::CustomerReplied => t.rules_on_customer_replied.to_owned(),
        Activator::Timed { after, minutes } => format!(
            "{} {} ({})",
            t.rules_on_timed,
            t.duration(minutes.saturating_mul(60)),
            time_label(*after, t)
        ),
    }
}

fn watched_label(f: WatchedField, t: &Texts) -> &'static str {
    match f {
        WatchedField::Status => t.status,
        WatchedField::Priority => t.priority,
        WatchedField::Group => t.group,
        WatchedField::Assignee => t.assignee,
        WatchedField::Tags => t.tags,
    }
}

fn time_label(e: lossless::rules::condition::TicketTime, t: &Texts) -> &'static str {
    use lossless::rules::condition::TicketTime as T;
    match e {
        T::Created => t.rules_time_created,
        T::LastCustomerReply => t.rules_time_customer_reply,
        T::StatusChanged => t.rules_time_status_changed,
        T::Assigned => t.rules_time_assigned,
    }
}

/// The rules in order, each with its controls.
#[component]
fn RuleList(
    rs: Vec<Rule>,
    on_edit: Callback<Rule>,
    on_delete: Callback<RuleId>,
    on_move: Callback<Vec<RuleId>>,
    on_toggle: Callback<(RuleId, bool)>,
) -> impl IntoView {
    let t = use_texts();
    let entries = rs
        .iter()
        .map(|r| Entry {
            id: r.id.0,
            name: r.draft.name.clone(),
            summary: format!(
                "{} · {}",
                activator_text(&r.draft.activator, t),
                fill(t.rules_n_actions, &r.draft.actions.len().to_string())
            ),
            enabled: r.draft.enabled,
        })
        .collect();
    let words = ListWords {
        prefix: "rule",
        empty_testid: "rules-empty",
        empty: t.rules_empty,
        column: t.rules_col_rule,
        confirm: t.rules_delete_confirm,
    };
    view! {
        <OrderedList
            entries
            words
            on_edit=Callback::new(move |id: i64| {
                if let Some(r) = rs.iter().find(|r| r.id.0 == id) {
                    on_edit.run(r.clone());
                }
            })
            on_delete=Callback::new(move |id| on_delete.run(RuleId(id)))
            on_move=Callback::new(move |o: Vec<i64>| on_move.run(o.into_iter().map(RuleId).collect()))
            on_toggle=Callback::new(move |(id, on)| on_toggle.run((RuleId(id), on)))
        />
    }
}

/// One entry of an ordered list (rules, SLA policies).
pub(super) struct Entry {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// One line under the name.
    pub summary: String,
    /// Switched on.
    pub enabled: bool,
}

/// What differs between ordered lists: test-id prefix and words.
pub(super) struct ListWords {
    /// `rule` gives `rule-row`, `rule-up`, …
    pub prefix: &'static str,
    /// Test id of the "nothing yet" line.
    pub empty_testid: &'static str,
    /// The "nothing yet" line.
    pub empty: &'static str,
    /// Heading of the name column.
    pub column: &'static str,
    /// The delete question.
    pub confirm: &'static str,
}

/// An ordered list, each entry with its switch, ↑/↓, edit and delete (after a confirmation).
#[component]
pub(super) fn OrderedList(
    entries: Vec<Entry>,
    words: ListWords,
    on_edit: Callback<i64>,
    on_delete: Callback<i64>,
    on_move: Callback<Vec<i64>>,
    on_toggle: Callback<(i64, bool)>,
) -> impl IntoView {
    let t = use_texts();
    if entries.is_empty() {
        return view! { <p class="empty" data-testid=words.empty_testid>{words.empty}</p> }
            .into_any();
    }
    let p = words.prefix;
    let id_of = move |what: &str| format!("{p}-{what}");
    let confirming = RwSignal::new(None::<i64>);
    let order: Vec<i64> = entries.iter().map(|r| r.id).collect();
    let last = entries.len() - 1;
    let rows = entries
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id;
            let moved = |from: usize, to: usize| {
                let mut o = order.clone();
                o.swap(from, to);
                o
            };
            let up = (i > 0).then(|| moved(i, i - 1));
            let down = (i < last).then(|| moved(i, i + 1));
            let up_disabled = up.is_none();
            let down_disabled = down.is_none();
            let enabled = r.enabled;
            let confirm = words.confirm;
            let name = r.name.clone();
            view! {
                <tr data-testid=id_of("row") data-name=name data-enabled=if enabled { "true" } else { "false" }>
                    <td class="nowrap">{i + 1}</td>
                    <td>
                        <strong data-testid=id_of("name")>{r.name}</strong>
                        <span class="hint rule-summary">{r.summary}</span>
                    </td>
                    <td>
                        <label class="check">
                            <input
                                type="checkbox"
                                data-testid=id_of("enabled")
                                checked=enabled
                                on:change=move |ev| on_toggle.run((id, event_target_checked(&ev)))
                            />
                            <span>{t.rules_enabled}</span>
                        </label>
                    </td>
                    <td class="nowrap rule-actions">
                        <button
                            type="button"
                            class="secondary"
                            title=t.rules_up
                            aria-label=t.rules_up
                            data-testid=id_of("up")
                            disabled=up_disabled
                            on:click=move |_| if let Some(o) = up.clone() { on_move.run(o) }
                        >
                            "↑"
                        </button>
                        <button
                            type="button"
                            class="secondary"
                            title=t.rules_down
                            aria-label=t.rules_down
                            data-testid=id_of("down")
                            disabled=down_disabled
                            on:click=move |_| if let Some(o) = down.clone() { on_move.run(o) }
                        >
                            "↓"
                        </button>
                        <button type="button" class="link" data-testid=id_of("edit") on:click=move |_| on_edit.run(id)>
                            {t.rules_edit}
                        </button>
                        {move || if confirming.get() == Some(id) {
                            Either::Left(view! {
                                <span class="confirm" data-testid=id_of("confirm")>
                                    {confirm}" "
                                    <button type="button" class="danger" data-testid=id_of("delete-yes") on:click=move |_| { confirming.set(None); on_delete.run(id) }>
                                        {t.rules_delete_yes}
                                    </button>
                                    " "
                                    <button type="button" class="link" data-testid=id_of("delete-no") on:click=move |_| confirming.set(None)>
                                        {t.rules_cancel}
                                    </button>
                                </span>
                            })
                        } else {
                            Either::Right(view! {
                                <button type="button" class="link" data-testid=id_of("delete") on:click=move |_| confirming.set(Some(id))>
                                    {t.rules_delete}
                                </button>
                            })
                        }}
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <table class="data-table rule-table" data-testid=id_of("table")>
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>{words.column}</th>
                    <th>{t.rules_enabled}</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Which input of a row.
#[derive(Clone, Copy)]
enum Slot {
    Value,
    Extra,
}

/// Condition and action rows, bound the same way.
trait Row: Clone + Send + Sync + 'static {
    fn key(&self) -> u32;
    fn kind(&self) -> &str;
    fn list(f: &RuleForm) -> &Vec<Self>;
    fn list_mut(f: &mut RuleForm) -> &mut Vec<Self>;
    fn slot(&self, s: Slot) -> &String;
    fn slot_mut(&mut self, s: Slot) -> &mut String;
    fn fresh(key: u32, kind: &str) -> Self;
    /// Field-error prefix (`cond`, `action`).
    const PREFIX: &'static str;
    /// The kinds offered, in order.
    const KINDS: &'static [&'static str];
    /// A kind's name.
    fn label(kind: &str, t: &'static Texts) -> &'static str;
    /// The inputs of a row of `kind`.
    fn inputs(
        kind: &str,
        form: RwSignal<RuleForm>,
        key: u32,
        dir: RwSignal<Directory>,
        t: &'static Texts,
    ) -> AnyView;
}

/// Both row types bind the same way; only their list, prefix, kinds and inputs differ.
macro_rules! impl_row {
    ($row:ident, $list:ident, $prefix:literal, $kinds:expr, $label:ident, $inputs:ident) => {
        impl Row for $row {
            fn key(&self) -> u32 {
                self.key
            }
            fn kind(&self) -> &str {
                &self.kind
            }
            fn list(f: &RuleForm) -> &Vec<Self> {
                &f.$list
            }
            fn list_mut(f: &mut RuleForm) -> &mut Vec<Self> {
                &mut f.$list
            }
            fn slot(&self, s: Slot) -> &String {
                match s {
                    Slot::Value => &self.value,
                    Slot::Extra => &self.extra,
                }
            }
            fn slot_mut(&mut self, s: Slot) -> &mut String {
                match s {
                    Slot::Value => &mut self.value,
                    Slot::Extra => &mut self.extra,
                }
            }
            fn fresh(key: u32, kind: &str) -> Self {
                $row::new(key, kind)
            }
            const PREFIX: &'static str = $prefix;
            const KINDS: &'static [&'static str] = &$kinds;
            fn label(kind: &str, t: &'static Texts) -> &'static str {
                $label(kind, t)
            }
            fn inputs(
                kind: &str,
                form: RwSignal<RuleForm>,
                key: u32,
                dir: RwSignal<Directory>,
                t: &'static Texts,
            ) -> AnyView {
                $inputs(kind, form, key, dir, t)
            }
        }
    };
}

impl_row!(
    CondRow,
    conditions,
    "cond",
    COND_KINDS,
    cond_label,
    cond_inputs
);
impl_row!(
    ActionRow,
    actions,
    "action",
    ACTION_KINDS,
    action_label,
    action_inputs
);

fn row_get<R: Row>(form: RwSignal<RuleForm>, key: u32, s: Slot) -> String {
    form.with(|f| {
        R::list(f)
            .iter()
            .find(|r| r.key() == key)
            .map(|r| r.slot(s).clone())
            .unwrap_or_default()
    })
}

fn row_set<R: Row>(form: RwSignal<RuleForm>, key: u32, s: Slot, v: String) {
    form.update(|f| {
        if let Some(r) = R::list_mut(f).iter_mut().find(|r| r.key() == key) {
            *r.slot_mut(s) = v;
        }
    });
}

/// The field-error code of the row with `key`, by its current index.
fn row_error<R: Row>(
    form: RwSignal<RuleForm>,
    errors: RwSignal<Option<AppError>>,
    key: u32,
) -> Option<&'static str> {
    let t = use_texts();
    let i = form.with(|f| R::list(f).iter().position(|r| r.key() == key))?;
    let field = format!("{}.{i}", R::PREFIX);
    errors.with(|e| {
        e.as_ref()
            .and_then(|e| e.field_code(&field))
            .map(|c| t.field_error(c))
    })
}

fn text_in<R: Row>(
    form: RwSignal<RuleForm>,
    key: u32,
    s: Slot,
    testid: &'static str,
    placeholder: &'static str,
    kind: &'static str,
) -> AnyView {
    view! {
        <input
            type=kind
            data-testid=testid
            placeholder=placeholder
            aria-label=placeholder
            value={row_get::<R>(form, key, s)}
            prop:value={move || row_get::<R>(form, key, s)}
            on:input={move |ev| row_set::<R>(form, key, s, event_target_value(&ev))}
        />
    }
    .into_any()
}

fn area_in<R: Row>(
    form: RwSignal<RuleForm>,
    key: u32,
    s: Slot,
    testid: &'static str,
    placeholder: &'static str,
) -> AnyView {
    let initial = row_get::<R>(form, key, s);
    view! {
        <textarea
            data-testid=testid
            rows="3"
            placeholder=placeholder
            aria-label=placeholder
            prop:value={move || row_get::<R>(form, key, s)}
            on:input={move |ev| row_set::<R>(form, key, s, event_target_value(&ev))}
        >
            {initial}
        </textarea>
    }
    .into_any()
}

/// A select over `options` (`(value, label)`), rebuilt when they change (the directory loads
/// late).
fn select_in<R: Row>(
    form: RwSignal<RuleForm>,
    key: u32,
    s: Slot,
    testid: &'static str,
    options: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
) -> AnyView {
    // Rebuilt only when the options change (not on every keystroke in the form).
    let opts = move || {
        let current = untrack(|| row_get::<R>(form, key, s));
        options()
            .into_iter()
            .map(|(value, label)| {
                let selected = value == current;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <select
            data-testid=testid
            prop:value={move || row_get::<R>(form, key, s)}
            on:change={move |ev| row_set::<R>(form, key, s, event_target_value(&ev))}
        >
            {opts}
        </select>
    }
    .into_any()
}

fn fixed(list: Vec<(String, String)>) -> impl Fn() -> Vec<(String, String)> + Send + Sync {
    move || list.clone()
}

fn priority_options(t: &'static Texts) -> Vec<(String, String)> {
    Priority::ALL
        .into_iter()
        .rev()
        .map(|p| (p.as_str().to_owned(), t.priority(p).to_owned()))
        .collect()
}

fn status_options(t: &'static Texts) -> Vec<(String, String)> {
    Status::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), t.status(s).to_owned()))
        .collect()
}

fn time_options(t: &'static Texts) -> Vec<(String, String)> {
    TIMES
        .into_iter()
        .map(|e| (time_str(e).to_owned(), time_label(e, t).to_owned()))
        .collect()
}

fn text_field_options(t: &'static Texts) -> Vec<(String, String)> {
    vec![
        ("both".to_owned(), t.rules_in_both.to_owned()),
        ("subject".to_owned(), t.rules_in_subject.to_owned()),
        ("body".to_owned(), t.rules_in_body.to_owned()),
    ]
}

fn cond_label(kind: &str, t: &'static Texts) -> &'static str {
    match kind {
        "keywords" => t.rules_c_keywords,
        "phrase" => t.rules_c_phrase,
        "channel" => t.rules_c_channel,
        "mailbox" => t.rules_c_mailbox,
        "sender" => t.rules_c_sender,
        "sender_domain" => t.rules_c_sender_domain,
        "organisation" => t.rules_c_organisation,
        "vip" => t.rules_c_vip,
        "language" => t.rules_c_language,
        "region" => t.rules_c_region,
        "tag" => t.rules_c_tag,
        "custom_field" => t.rules_c_custom_field,
        "priority_is" => t.rules_c_priority_is,
        "priority_at_least" => t.rules_c_priority_at_least,
        "status" => t.rules_c_status,
        "group" => t.rules_c_group,
        "no_group" => t.rules_c_no_group,
        "owner" => t.rules_c_owner,
        "unowned" => t.rules_c_unowned,
        "business_hours" => t.rules_c_business_hours,
        "older_than" => t.rules_c_older_than,
        "category" => t.rules_c_category,
        "contact" => t.rules_c_contact,
        _ => "?",
    }
}

fn action_label(kind: &str, t: &'static Texts) -> &'static str {
    match kind {
        "set_priority" => t.rules_a_priority,
        "set_group" => t.rules_a_group,
        "add_tags" => t.rules_a_add_tags,
        "remove_tags" => t.rules_a_remove_tags,
        "assign" => t.rules_a_assign,
        "set_status" => t.rules_a_status,
        "reply" => t.rules_a_reply,
        "notify" => t.rules_a_notify,
        _ => "?",
    }
}

/// The inputs of a condition row of `kind`.
fn cond_inputs(
    kind: &str,
    form: RwSignal<RuleForm>,
    key: u32,
    dir: RwSignal<Directory>,
    t: &'static Texts,
) -> AnyView {
    type C = CondRow;
    let v = Slot::Value;
    let x = Slot::Extra;
    match kind {
        "keywords" => view! {
            {text_in::<C>(form, key, v, "cond-value", t.rules_ph_keywords, "text")}
            {select_in::<C>(form, key, x, "cond-extra", fixed(text_field_options(t)))}
            <span class="hint">{t.rules_keywords_hint}</span>
        }
        .into_any(),
        "phrase" => view! {
            {text_in::<C>(form, key, v, "cond-value", t.rules_ph_phrase, "text")}
            {select_in::<C>(form, key, x, "cond-extra", fixed(text_field_options(t)))}
            <span class="hint">{t.rules_keywords_hint}</span>
        }
        .into_any(),
        "channel" => select_in::<C>(
            form,
            key,
            v,
            "cond-value",
            fixed(
                Channel::ALL
                    .into_iter()
                    .map(|c| (c.as_str().to_owned(), t.channel(c).to_owned()))
                    .collect(),
            ),
        ),
        "mailbox" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_mailbox, "text"),
        "sender" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_sender, "text"),
        "sender_domain" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_domain, "text"),
        "organisation" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_organisation, "text"),
        "language" => select_in::<C>(
            form,
            key,
            v,
            "cond-value",
            fixed(vec![
                (Lang::Ru.code().to_owned(), t.rules_lang_ru.to_owned()),
                (Lang::En.code().to_owned(), t.rules_lang_en.to_owned()),
            ]),
        ),
        "region" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_region, "text"),
        "tag" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_tag, "text"),
        "custom_field" => view! {
            {text_in::<C>(form, key, v, "cond-value", t.rules_ph_field, "text")}
            {text_in::<C>(form, key, x, "cond-extra", t.rules_ph_field_value, "text")}
        }
        .into_any(),
        "priority_is" | "priority_at_least" => {
            select_in::<C>(form, key, v, "cond-value", fixed(priority_options(t)))
        }
        "status" => status_checks(form, key, t),
        "group" => select_in::<C>(form, key, v, "cond-value", move || {
            let mut o = vec![(String::new(), t.rules_choose.to_owned())];
            o.extend(dir.with(|d| {
                d.groups
                    .iter()
                    .map(|g| (g.id.to_string(), g.name.clone()))
                    .collect::<Vec<_>>()
            }));
            o
        }),
        "owner" => select_in::<C>(form, key, v, "cond-value", move || {
            let mut o = vec![(String::new(), t.rules_choose.to_owned())];
            o.extend(agent_options(dir, true));
            o
        }),
        "older_than" => view! {
            {select_in::<C>(form, key, v, "cond-value", fixed(time_options(t)))}
            {text_in::<C>(form, key, x, "cond-extra", t.rules_ph_minutes, "number")}
            <span class="hint">{t.rules_minutes}</span>
        }
        .into_any(),
        "category" => view! {
            {text_in::<C>(form, key, v, "cond-value", t.rules_ph_category, "text")}
            <span class="hint">"≥"</span>
            {text_in::<C>(form, key, x, "cond-extra", t.rules_ph_confidence, "number")}
            <span class="hint">"%"</span>
        }
        .into_any(),
        "contact" => text_in::<C>(form, key, v, "cond-value", t.rules_ph_contact, "number"),
        // vip, no_group, unowned, business_hours: nothing to fill in.
        _ => ().into_any(),
    }
}

/// A status row: one checkbox per status ("any of" the ticked ones).
fn status_checks(form: RwSignal<RuleForm>, key: u32, t: &'static Texts) -> AnyView {
    let ticked = move |s: Status| {
        row_get::<CondRow>(form, key, Slot::Value)
            .split(',')
            .any(|x| x.trim() == s.as_str())
    };
    Status::ALL
        .into_iter()
        .map(|s| {
            view! {
                <label class="check inline">
                    <input
                        type="checkbox"
                        data-testid=format!("cond-status-{}", s.as_str())
                        prop:checked=move || ticked(s)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let value = Status::ALL
                                .into_iter()
                                .filter(|x| if *x == s { on } else { ticked(*x) })
                                .map(Status::as_str)
                                .collect::<Vec<_>>()
                                .join(", ");
                            row_set::<CondRow>(form, key, Slot::Value, value);
                        }
                    />
                    <span>{t.status(s)}</span>
                </label>
            }
        })
        .collect_view()
        .into_any()
}

/// Agents for a select: every agent (`all`, e.g. "owner is"), or only those a ticket may be
/// assigned to (active accounts).
fn agent_options(dir: RwSignal<Directory>, all: bool) -> Vec<(String, String)> {
    dir.with(|d| {
        d.agents
            .iter()
            .filter(|a| all || !d.inactive.contains(&a.id))
            .map(|a| (a.id.to_string(), a.name.clone()))
            .collect()
    })
}

/// The inputs of an action row of `kind`.
fn action_inputs(
    kind: &str,
    form: RwSignal<RuleForm>,
    key: u32,
    dir: RwSignal<Directory>,
    t: &'static Texts,
) -> AnyView {
    type A = ActionRow;
    let v = Slot::Value;
    let x = Slot::Extra;
    match kind {
        "set_priority" => select_in::<A>(form, key, v, "action-value", fixed(priority_options(t))),
        "set_group" => select_in::<A>(form, key, v, "action-value", move || {
            let mut o = vec![(String::new(), t.no_group.to_owned())];
            o.extend(dir.with(|d| {
                d.groups
                    .iter()
                    .map(|g| (g.id.to_string(), g.name.clone()))
                    .collect::<Vec<_>>()
            }));
            o
        }),
        "add_tags" | "remove_tags" => {
            text_in::<A>(form, key, v, "action-value", t.rules_ph_tags, "text")
        }
        "assign" => select_in::<A>(form, key, v, "action-value", move || {
            let mut o = vec![
                ("strategy".to_owned(), t.rules_assign_strategy.to_owned()),
                ("nobody".to_owned(), t.rules_assign_nobody.to_owned()),
            ];
            o.extend(agent_options(dir, false));
            o
        }),
        "set_status" => select_in::<A>(form, key, v, "action-value", fixed(status_options(t))),
        "reply" => view! {
            {area_in::<A>(form, key, v, "action-value", t.rules_ph_reply)}
            <span class="hint">{t.rules_reply_hint}</span>
        }
        .into_any(),
        "notify" => view! {
            {select_in::<A>(form, key, v, "action-value", move || {
                let mut o = vec![
                    ("managers".to_owned(), t.rules_notify_managers.to_owned()),
                    ("assignee".to_owned(), t.rules_notify_assignee.to_owned()),
                ];
                dir.with(|d| {
                    o.extend(d.groups.iter().map(|g| (format!("group:{}", g.id), fill(t.rules_notify_group, &g.name))));
                    o.extend(d.agents.iter().map(|a| (format!("agent:{}", a.id), a.name.clone())));
                });
                o
            })}
            {text_in::<A>(form, key, x, "action-extra", t.rules_ph_notify, "text")}
            <span class="hint">{t.rules_notify_hint}</span>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// One condition or action row: kind select, ("not"), inputs, remove, its error.
fn row_view<R: Row>(
    form: RwSignal<RuleForm>,
    errors: RwSignal<Option<AppError>>,
    key: u32,
    dir: RwSignal<Directory>,
    not: Option<AnyView>,
) -> AnyView {
    let t = use_texts();
    let kind = Memo::new(move |_| {
        form.with(|f| {
            R::list(f)
                .iter()
                .find(|r| r.key() == key)
                .map(|r| r.kind().to_owned())
                .unwrap_or_default()
        })
    });
    let kind_opts = R::KINDS
        .iter()
        .map(|k| {
            let k = *k;
            view! { <option value=k selected=move || kind.get() == k>{R::label(k, t)}</option> }
        })
        .collect_view();
    let set_kind = move |ev| {
        let k = event_target_value(&ev);
        form.update(|f| {
            if let Some(r) = R::list_mut(f).iter_mut().find(|r| r.key() == key) {
                *r = R::fresh(key, &k);
            }
        });
    };
    let remove = move |_| form.update(|f| R::list_mut(f).retain(|r| r.key() != key));
    let error = move || {
        row_error::<R>(form, errors, key)
            .map(|m| view! { <span class="field-error" data-testid="field-error" data-field=R::PREFIX>{m}</span> })
    };
    let testid = format!("{}-row", R::PREFIX);
    view! {
        <li class="rule-row" class:invalid={move || row_error::<R>(form, errors, key).is_some()} data-testid=testid>
            <select
                class="kind"
                data-testid=format!("{}-kind", R::PREFIX)
                aria-label=t.rules_kind
                prop:value=move || kind.get()
                on:change=set_kind
            >
                {kind_opts}
            </select>
            {not}
            <span class="inputs">{move || R::inputs(&kind.get(), form, key, dir, t)}</span>
            <button type="button" class="link remove" data-testid=format!("{}-remove", R::PREFIX) on:click=remove>
                {t.rules_remove}
            </button>
            {error}
        </li>
    }
    .into_any()
}

/// The "if" part of an editor: "all" or "any" of condition rows, each with "not" (shared
/// with the SLA policy editor, whose conditions are the same rows).
pub(super) fn condition_rows(
    form: RwSignal<RuleForm>,
    form_error: RwSignal<Option<AppError>>,
    dir: RwSignal<Directory>,
    next_key: RwSignal<u32>,
) -> AnyView {
    let t = use_texts();
    let fresh_key = move || {
        next_key.update(|k| *k += 1);
        next_key.get_untracked()
    };
    let cond_keys = move || form.with(|f| f.conditions.iter().map(|r| r.key).collect::<Vec<_>>());
    view! {
        <fieldset class="rule-if">
            <legend>{t.rules_if}</legend>
            <select
                data-testid="rule-match"
                prop:value=move || if form.with(|f| f.match_any) { "any" } else { "all" }
                on:change=move |ev| form.update(|f| f.match_any = event_target_value(&ev) == "any")
            >
                <option value="all" selected=move || !form.with(|f| f.match_any)>{t.rules_match_all}</option>
                <option value="any" selected=move || form.with(|f| f.match_any)>{t.rules_match_any}</option>
            </select>
            <p class="hint" class:hidden=move || form.with(|f| !f.conditions.is_empty())>{t.rules_no_conditions}</p>
            <ul class="rule-rows">
                <For each=cond_keys key=|k| *k let:key>
                    {
                        let not = view! {
                            <label class="check inline">
                                <input
                                    type="checkbox"
                                    data-testid="cond-not"
                                    prop:checked=move || form.with(|f| f.conditions.iter().any(|r| r.key == key && r.not))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        form.update(|f| {
                                            if let Some(r) = f.conditions.iter_mut().find(|r| r.key == key) {
                                                r.not = on;
                                            }
                                        });
                                    }
                                />
                                <span>{t.rules_not}</span>
                            </label>
                        }
                        .into_any();
                        row_view::<CondRow>(form, form_error, key, dir, Some(not))
                    }
                </For>
            </ul>
            <button
                type="button"
                class="secondary"
                data-testid="cond-add"
                on:click=move |_| {
                    let k = fresh_key();
                    form.update(|f| f.conditions.push(CondRow::new(k, "keywords")));
                }
            >
                {t.rules_add_condition}
            </button>
            {field_error(form_error, "condition")}
        </fieldset>
    }
    .into_any()
}

/// Add or edit a rule, try it, save it.
#[component]
fn RuleEditor(
    form: RwSignal<RuleForm>,
    next_key: RwSignal<u32>,
    form_error: RwSignal<Option<AppError>>,
    saved: RwSignal<bool>,
    save: ServerAction<SaveRule>,
    try_it: ServerAction<TryRule>,
    dir: RwSignal<Directory>,
    editing: RwSignal<Editing>,
) -> impl IntoView {
    let t = use_texts();
    let heading = move || match editing.get().flatten() {
        Some(_) => fill(t.rules_edit_title, &form.with_untracked(|f| f.name.clone())),
        None => t.rules_new_title.to_owned(),
    };
    let fresh_key = move || {
        next_key.update(|k| *k += 1);
        next_key.get_untracked()
    };
    let general_error = move || {
        form_error.get().filter(|e| match e {
            AppError::Invalid(fs) => fs.iter().all(|(f, _)| f == "_"),
            _ => true,
        })
    };
    let activator = Memo::new(move |_| form.with(|f| f.activator.clone()));

    let name = view! {
        <label class="field" class:invalid=move || form_error.with(|e| e.as_ref().is_some_and(|e| e.field_code("name").is_some()))>
            <span>{t.rules_name}</span>
            <input
                type="text"
                name="name"
                data-testid="rule-name-input"
                autocomplete="off"
                value=form.with_untracked(|f| f.name.clone())
                prop:value=move || form.with(|f| f.name.clone())
                on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))
            />
            {field_error(form_error, "name")}
        </label>
        <label class="check">
            <input
                type="checkbox"
                data-testid="rule-enabled-input"
                checked=form.with_untracked(|f| f.enabled)
                prop:checked=move || form.with(|f| f.enabled)
                on:change=move |ev| form.update(|f| f.enabled = event_target_checked(&ev))
            />
            <span>{t.rules_enabled}</span>
        </label>
    }
    .into_any();

    let activator_opts = ACTIVATORS
        .iter()
        .map(|a| {
            let a = *a;
            let label = match a {
                "created" => t.rules_on_created,
                "updated" => t.rules_on_updated,
                "customer_replied" => t.rules_on_customer_replied,
                _ => t.rules_on_timed,
            };
            view! { <option value=a selected=move || activator.get() == a>{label}</option> }
        })
        .collect_view();
    let watch_boxes = WatchedField::ALL
        .into_iter()
        .map(|w| {
            let name = watched_str(w);
            view! {
                <label class="check inline">
                    <input
                        type="checkbox"
                        data-testid=format!("rule-watch-{name}")
                        prop:checked=move || form.with(|f| f.watch.iter().any(|x| x == name))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            form.update(|f| {
                                f.watch.retain(|x| x != name);
                                if on {
                                    f.watch.push(name.to_owned());
                                }
                            });
                        }
                    />
                    <span>{watched_label(w, t)}</span>
                </label>
            }
        })
        .collect_view();
    let time_opts = time_options(t)
        .into_iter()
        .map(|(v, l)| {
            let v2 = v.clone();
            view! { <option value=v selected=move || form.with(|f| f.timed_after == v2)>{l}</option> }
        })
        .collect_view();
    let when = view! {
        <fieldset class="rule-when">
            <legend>{t.rules_when}</legend>
            <select
                data-testid="rule-activator"
                prop:value=move || activator.get()
                on:change=move |ev| form.update(|f| f.activator = event_target_value(&ev))
            >
                {activator_opts}
            </select>
            <div class="watch" class:hidden=move || activator.get() != "updated">
                <span class="hint">{t.rules_watch_hint}</span>
                {watch_boxes}
            </div>
            <div class="timed" class:hidden=move || activator.get() != "timed">
                <input
                    type="number"
                    min="1"
                    data-testid="rule-timed-minutes"
                    aria-label=t.rules_minutes
                    prop:value=move || form.with(|f| f.timed_minutes.clone())
                    on:input=move |ev| form.update(|f| f.timed_minutes = event_target_value(&ev))
                />
                <span>{t.rules_minutes_after}</span>
                <select
                    data-testid="rule-timed-after"
                    prop:value=move || form.with(|f| f.timed_after.clone())
                    on:change=move |ev| form.update(|f| f.timed_after = event_target_value(&ev))
                >
                    {time_opts}
                </select>
            </div>
            {field_error(form_error, "activator")}
        </fieldset>
    }
    .into_any();

    let conditions = condition_rows(form, form_error, dir, next_key);

    let action_keys = move || form.with(|f| f.actions.iter().map(|r| r.key).collect::<Vec<_>>());
    let actions = view! {
        <fieldset class="rule-then">
            <legend>{t.rules_then}</legend>
            <ol class="rule-rows">
                <For each=action_keys key=|k| *k let:key>
                    {row_view::<ActionRow>(form, form_error, key, dir, None)}
                </For>
            </ol>
            <button
                type="button"
                class="secondary"
                data-testid="action-add"
                on:click=move |_| {
                    let k = fresh_key();
                    form.update(|f| f.actions.push(ActionRow::new(k, "set_priority")));
                }
            >
                {t.rules_add_action}
            </button>
            {field_error(form_error, "actions")}
        </fieldset>
    }
    .into_any();

    let feedback = view! {
        {move || general_error().map(|e| view! { <div class="flash" data-testid="rule-form-error"><ErrorNote error=e/></div> })}
        {move || saved.get().then(|| view! { <p class="banner" role="status" data-testid="rule-saved">{t.rules_saved}</p> })}
    }
    .into_any();
    let buttons = view! {
        <div class="buttons">
            <button type="submit" data-testid="rule-save" disabled=move || save.pending().get()>{t.rules_save}</button>
            <button
                type="button"
                class="secondary"
                data-testid="rule-try"
                disabled=move || try_it.pending().get()
                on:click=move |_| {
                    saved.set(false);
                    try_it.dispatch(TryRule { form: form.get_untracked() });
                }
            >
                {move || if try_it.pending().get() { t.rules_trying } else { t.rules_try }}
            </button>
            <button type="button" class="link" data-testid="rule-close" on:click=move |_| editing.set(None)>
                {t.rules_cancel}
            </button>
        </div>
    }
    .into_any();
    let form_view = view! {
            <form
                class="rule-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    saved.set(false);
                    save.dispatch(SaveRule { id: editing.get_untracked().flatten(), form: form.get_untracked() });
                }
            >
                {name}
                {when}
                {conditions}
                {actions}
                {feedback}
                {buttons}
            </form>
    }
    .into_any();
    let try_view = (move || {
        try_it
            .value()
            .get()
            .and_then(Result::ok)
            .map(|r| view! { <TryResult r dir/> }.into_any())
    })
    .into_any();
    let heading = view! { <h2 data-testid="rule-form-title">{heading}</h2> }.into_any();
    view! {
        <section class="rule-editor" id="rule-editor" data-testid="rule-editor">
            {heading}
            {form_view}
            {try_view}
        </section>
    }
    .into_any()
}

/// "N of M tickets match" and what the rule would change on each.
#[component]
fn TryResult(r: TryOutcome, dir: RwSignal<Directory>) -> impl IntoView {
    let t = use_texts();
    let summary = t
        .rules_try_summary
        .replace("{n}", &r.matches.len().to_string())
        .replace("{m}", &r.checked.to_string());
    let empty = r.matches.is_empty();
    let rows = dir.with_untracked(|d| {
        r.matches
            .into_iter()
            .map(|m| {
                let changes = m
                    .changes
                    .iter()
                    .map(|e| describe_event(e, t, d))
                    .filter(|s| !s.is_empty())
                    .map(|s| view! { <li>{s}</li> })
                    .collect_view();
                let href = format!("/agent/t/{}", m.number);
                let number = m.number.clone();
                view! {
                    <tr data-testid="try-row" data-number=number>
                        <td class="nowrap"><a href=href>{m.number}</a></td>
                        <td class="clip">{m.subject}</td>
                        <td><ul class="try-changes">{changes}</ul></td>
                    </tr>
                }
            })
            .collect_view()
    });
    view! {
        <div class="try-result" data-testid="try-result">
            <p class="try-summary" data-testid="try-summary">{summary}</p>
            <table class="data-table try-table" class:hidden=empty>
                <thead>
                    <tr>
                        <th>{t.rules_try_number}</th>
                        <th>{t.col_subject}</th>
                        <th>{t.rules_try_changes}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
