//! Canned responses and macros in the agent area (issue 6): the reply composer's picker
//! ([`CannedComposer`], [`CannedPicker`]) and the management page `/agent/canned`
//! ([`CannedPage`]).
//!
//! The picker opens from its button (`data-shortcut="canned"`, so keyboard shortcuts can
//! press it) or when the reply is nothing but `/` and a word (`/спасибо`); it filters the
//! agent's responses in the browser with the core's search as they type (arrows move,
//! Enter picks, Escape closes). Picking one renders it on the server with the ticket's
//! real values and inserts the text at the textarea's cursor (replacing the selection, or
//! the whole `/word`). A response with actions becomes the *pending macro* shown under the
//! reply: its actions are applied right after the reply is sent, from the version the send
//! returned, or at once with "Apply now" — always through `apply_macro`, one ordinary
//! ticket change (history, jobs, live hints as for a change by hand).
//!
//! Invariants:
//! - the picker never changes the ticket by itself; text goes out only when the agent sends;
//! - a pending macro belongs to the ticket it was picked on (cleared when the page shows
//!   another ticket) and is dropped only once applied or when the agent discards it, so a
//!   refused apply (say, a conflict) can be retried;
//! - the management page renders its list on the server; the editor exists only after a
//!   click; its preview renders the body with made-up values through the core's renderer,
//!   the same one the server uses; user text is only ever rendered as text nodes.

use super::use_directory;
use crate::api::canned::{
    ApplyMacro, CannedForm, CannedRow, RenderedCanned, SaveCanned, delete_canned, list_canned,
    render_canned,
};
use crate::components::{ErrorNote, use_lang, use_texts};
use crate::dto::{Directory, Me, can_manage};
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::canned::{self, AssignTo, Context, MacroActions, Placeholder};
use lossless::ids::{CannedId, TicketId};
use lossless::ticket::{Priority, Status};

/// Most responses the picker lists at once.
const PICKER_LIMIT: usize = 12;

/// A placeholder's description.
fn placeholder_text(t: &Texts, p: Placeholder) -> &'static str {
    match p {
        Placeholder::CustomerName => t.ph_customer_name,
        Placeholder::CustomerFirstName => t.ph_customer_first_name,
        Placeholder::CustomerEmail => t.ph_customer_email,
        Placeholder::CustomerPhone => t.ph_customer_phone,
        Placeholder::TicketNumber => t.ph_ticket_number,
        Placeholder::TicketSubject => t.ph_ticket_subject,
        Placeholder::AgentName => t.ph_agent_name,
        Placeholder::AgentFirstName => t.ph_agent_first_name,
        Placeholder::AgentEmail => t.ph_agent_email,
        Placeholder::GroupName => t.ph_group_name,
    }
}

/// A macro's actions, one short line each.
fn action_lines(t: &Texts, a: &MacroActions, dir: &Directory) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = a.status {
        out.push(fill(t.canned_a_status, t.status(s)));
    }
    if let Some(p) = a.priority {
        out.push(fill(t.canned_a_priority, t.priority(p)));
    }
    match a.assign {
        Some(AssignTo::Me) => out.push(t.canned_a_assign_me.to_owned()),
        Some(AssignTo::Agent(x)) => out.push(fill(t.canned_a_assign, &dir.agent_name(x))),
        Some(AssignTo::Nobody) => out.push(t.canned_a_unassign.to_owned()),
        None => {}
    }
    out.extend(a.add_tags.iter().map(|g| fill(t.canned_a_add_tag, g)));
    out.extend(a.remove_tags.iter().map(|g| fill(t.canned_a_remove_tag, g)));
    out
}

/// The agent area's directory (names in action lines), once loaded; empty before.
fn directory_signal() -> RwSignal<Directory> {
    let dir = RwSignal::new(Directory::default());
    let res = use_directory();
    Effect::new(move |_| {
        if let Some(d) = res
            && let Some(Ok(d)) = d.0.get()
        {
            dir.set(d);
        }
    });
    dir
}

/// The byte index of a UTF-16 offset (what the DOM's selection counts) in `s`.
fn byte_index(s: &str, utf16: Option<u32>) -> usize {
    let Some(target) = utf16.map(|u| u as usize) else {
        return s.len();
    };
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units >= target {
            return i;
        }
        units += c.len_utf16();
    }
    s.len()
}

fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX)
}

/// Puts `text` into `draft` in place of the textarea's selection (its cursor when nothing is
/// selected; the end without a textarea), then focuses it with the caret after the text.
/// `replace_all` replaces the whole draft instead.
fn insert_text(
    draft: RwSignal<String>,
    area: NodeRef<html::Textarea>,
    text: &str,
    replace_all: bool,
) {
    let current = draft.get_untracked();
    let el = area.get_untracked();
    let (start, end) = if replace_all {
        (0, current.len())
    } else {
        match &el {
            Some(el) => {
                let a = byte_index(&current, el.selection_start().ok().flatten());
                let b = byte_index(&current, el.selection_end().ok().flatten());
                (a.min(b), a.max(b))
            }
            None => (current.len(), current.len()),
        }
    };
    let next = format!("{}{text}{}", &current[..start], &current[end..]);
    let caret = utf16_len(&current[..start]) + utf16_len(text);
    draft.set(next.clone());
    if let Some(el) = el {
        el.set_value(&next);
        let _ = el.focus();
        let _ = el.set_selection_range(caret, caret);
    }
}

/// How the picker was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// By its button: it has its own search field.
    Button,
    /// By typing `/word` as the whole reply: the word is the search.
    Slash,
}

/// The `/word` a draft consists of, if it is one.
fn slash_query(draft: &str) -> Option<&str> {
    draft
        .strip_prefix('/')
        .filter(|rest| !rest.contains(char::is_whitespace))
}

/// A rendered response and whether it replaces a `/word` draft.
type Rendering = (bool, Result<RenderedCanned, AppError>);

/// The reply composer's canned-response state (see the module doc). Made once per ticket
/// page; `Copy`, so handlers share it.
#[derive(Clone, Copy)]
pub(crate) struct CannedComposer {
    draft: RwSignal<String>,
    /// The ticket shown and its version.
    ticket: Signal<Option<(TicketId, i64)>>,
    /// The reply textarea (`node_ref` of the ticket page's reply box).
    pub(crate) area: NodeRef<html::Textarea>,
    open: RwSignal<Option<Mode>>,
    /// Escape closed the `/word` picker: stay closed until the draft is no `/word`.
    dismissed: RwSignal<bool>,
    query: RwSignal<String>,
    highlight: RwSignal<usize>,
    rows: Action<(), Result<Vec<CannedRow>, AppError>>,
    matches: Memo<Vec<CannedRow>>,
    render: Action<(TicketId, CannedId, bool), Rendering>,
    pending: RwSignal<Option<RenderedCanned>>,
    applied: RwSignal<Option<String>>,
    error: RwSignal<Option<AppError>>,
    /// Applies the pending macro; the ticket page refetches on its completions.
    pub(crate) apply: ServerAction<ApplyMacro>,
}

impl CannedComposer {
    /// The state for the reply `draft` of the ticket `ticket` shows (id, version).
    pub(crate) fn new(draft: RwSignal<String>, ticket: Signal<Option<(TicketId, i64)>>) -> Self {
        let open = RwSignal::new(None::<Mode>);
        let query = RwSignal::new(String::new());
        let rows = Action::new(|_: &()| list_canned(String::new()));
        let matches = Memo::new(move |_| {
            let q = query.get();
            rows.value().with(|v| match v {
                Some(Ok(all)) => canned::search(all, &q)
                    .into_iter()
                    .take(PICKER_LIMIT)
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            })
        });
        let render = Action::new(|(ticket, id, slash): &(TicketId, CannedId, bool)| {
            let (ticket, id, slash) = (*ticket, *id, *slash);
            async move { (slash, render_canned(ticket, id).await) }
        });
        let c = Self {
            draft,
            ticket,
            area: NodeRef::new(),
            open,
            dismissed: RwSignal::new(false),
            query,
            highlight: RwSignal::new(0),
            rows,
            matches,
            render,
            pending: RwSignal::new(None),
            applied: RwSignal::new(None),
            error: RwSignal::new(None),
            apply: ServerAction::<ApplyMacro>::new(),
        };
        c.watch();
        c
    }

    fn watch(self) {
        // `/word` as the whole reply opens the picker on that word; anything else closes it.
        Effect::new(move |_| {
            let d = self.draft.get();
            match (slash_query(&d), self.open.get_untracked()) {
                (Some(q), Some(Mode::Slash)) => {
                    self.query.set(q.to_owned());
                    self.highlight.set(0);
                }
                (Some(q), None) if !self.dismissed.get_untracked() => {
                    self.query.set(q.to_owned());
                    self.show(Mode::Slash);
                }
                (None, open) => {
                    self.dismissed.set(false);
                    if open == Some(Mode::Slash) {
                        self.open.set(None);
                    }
                }
                _ => {}
            }
        });
        Effect::new(move |_| match self.render.value().get() {
            Some((slash, Ok(r))) => {
                if slash || !r.body.is_empty() {
                    insert_text(self.draft, self.area, &r.body, slash);
                }
                self.error.set(None);
                self.applied.set(None);
                self.pending.set((!r.actions.is_empty()).then_some(r));
            }
            Some((_, Err(e))) => self.error.set(Some(e)),
            None => {}
        });
        Effect::new(move |_| match self.apply.value().get() {
            Some(Ok(_)) => {
                let title = self.pending.get_untracked().map(|m| m.title);
                self.pending.set(None);
                self.applied.set(title);
                self.error.set(None);
            }
            Some(Err(e)) => self.error.set(Some(e)),
            None => {}
        });
        // A macro picked on one ticket never applies to the next one shown.
        let shown = Memo::new(move |_| self.ticket.get().map(|(id, _)| id));
        Effect::new(move |prev: Option<Option<TicketId>>| {
            let now = shown.get();
            if prev.is_some_and(|p| p != now) {
                self.pending.set(None);
                self.applied.set(None);
                self.open.set(None);
            }
            now
        });
    }

    fn show(self, mode: Mode) {
        self.highlight.set(0);
        self.open.set(Some(mode));
        self.rows.dispatch(());
    }

    fn close(self) {
        if self.open.get_untracked() == Some(Mode::Slash) {
            self.dismissed.set(true);
        }
        self.open.set(None);
    }

    fn choose(self, id: CannedId) {
        let Some((ticket, _)) = self.ticket.get_untracked() else {
            return;
        };
        let slash = self.open.get_untracked() == Some(Mode::Slash);
        self.open.set(None);
        self.render.dispatch((ticket, id, slash));
    }

    /// Keys while the picker is open (the reply box's and the picker's search field's
    /// `keydown`): arrows move, Enter picks, Escape closes. Other keys pass.
    pub(crate) fn keydown(self, ev: &leptos::ev::KeyboardEvent) {
        if self.open.get_untracked().is_none() {
            return;
        }
        let n = self.matches.with_untracked(Vec::len);
        let h = self.highlight.get_untracked();
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                self.highlight.set((h + 1) % n);
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                self.highlight.set((h + n - 1) % n);
            }
            "Enter" if n > 0 => {
                ev.prevent_default();
                if let Some(id) = self
                    .matches
                    .with_untracked(|m| m.get(h.min(n - 1)).map(|r| r.id))
                {
                    self.choose(id);
                }
            }
            "Escape" => {
                ev.prevent_default();
                self.close();
                if let Some(el) = self.area.get_untracked() {
                    let _ = el.focus();
                }
            }
            _ => {}
        }
    }

    /// After the reply was sent (the ticket now at `version`): applies the pending macro.
    pub(crate) fn after_reply(self, version: i64) {
        if let (Some(m), Some((ticket, _))) =
            (self.pending.get_untracked(), self.ticket.get_untracked())
        {
            self.apply.dispatch(ApplyMacro {
                ticket_id: ticket,
                id: m.id,
                version,
            });
        }
    }

    fn apply_now(self) {
        if let (Some(m), Some((ticket, version))) =
            (self.pending.get_untracked(), self.ticket.get_untracked())
        {
            self.apply.dispatch(ApplyMacro {
                ticket_id: ticket,
                id: m.id,
                version,
            });
        }
    }
}

/// The composer's canned-response button, its popover, and the pending macro.
#[component]
pub(crate) fn CannedPicker(c: CannedComposer) -> impl IntoView {
    let t = use_texts();
    let dir = directory_signal();
    let search = NodeRef::<html::Input>::new();
    // The search field takes the focus when the button opened the picker.
    Effect::new(move |_| {
        if c.open.get() == Some(Mode::Button)
            && let Some(el) = search.get()
        {
            let _ = el.focus();
        }
    });
    let toggle = move |_| {
        if c.open.get_untracked().is_some() {
            c.close();
        } else {
            c.query.set(String::new());
            c.show(Mode::Button);
        }
    };
    let options = move || {
        let loading = c.rows.pending().get() && c.rows.value().with(Option::is_none);
        let all_empty = c
            .rows
            .value()
            .with(|v| matches!(v, Some(Ok(all)) if all.is_empty()));
        let list = c.matches.get();
        if loading {
            return Either::Left(view! { <p class="canned-note">{t.loading}</p> });
        }
        if list.is_empty() {
            let text = if all_empty {
                t.canned_empty
            } else {
                t.canned_no_match
            };
            return Either::Left(
                view! { <p class="canned-note" data-testid="canned-none">{text}</p> },
            );
        }
        let items = list
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let id = r.id;
                let shortcut = (!r.shortcut.is_empty())
                    .then(|| view! { <span class="shortcut">{format!("/{}", r.shortcut)}</span> });
                let is_macro = (!r.actions.is_empty())
                    .then(|| view! { <span class="source macro">{t.canned_macro}</span> });
                let excerpt: String = r.body.chars().take(90).collect();
                view! {
                    <li
                        role="option"
                        class="canned-option"
                        class:active=move || c.highlight.get() == i
                        aria-selected=move || (c.highlight.get() == i).to_string()
                        data-testid="canned-option"
                        data-id=id.0
                        on:mousedown=move |ev| ev.prevent_default()
                        on:mouseenter=move |_| c.highlight.set(i)
                        on:click=move |_| c.choose(id)
                    >
                        <span class="title">{r.title}</span>
                        {shortcut}
                        {is_macro}
                        <span class="excerpt">{excerpt}</span>
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! {
            <ul class="canned-options" role="listbox" aria-label=t.canned_title data-testid="canned-options">
                {items}
            </ul>
        })
    };
    let popover = move || {
        c.open.get().map(|mode| {
            let field = (mode == Mode::Button).then(|| {
                view! {
                    <input
                        type="search"
                        class="canned-search"
                        node_ref=search
                        placeholder=t.canned_search
                        aria-label=t.canned_search
                        autocomplete="off"
                        data-testid="canned-search-input"
                        prop:value=move || c.query.get()
                        on:input=move |ev| {
                            c.query.set(event_target_value(&ev));
                            c.highlight.set(0);
                        }
                        on:keydown=move |ev| c.keydown(&ev)
                    />
                }
            });
            view! {
                <div class="canned-backdrop" on:click=move |_| c.close()></div>
                <div class="canned-popover" data-testid="canned-popover" data-mode=if mode == Mode::Slash { "slash" } else { "button" }>
                    {field}
                    {options}
                    <p class="canned-foot"><a href="/agent/canned">{t.canned_manage_link}</a></p>
                </div>
            }
        })
    };
    let pending = move || {
        c.pending.get().map(|m| {
            let lines = dir.with(|d| action_lines(t, &m.actions, d)).join(" · ");
            view! {
                <div class="canned-pending" data-testid="canned-pending" data-id=m.id.0>
                    <strong>{fill(t.canned_pending, &m.title)}</strong>
                    <span class="lines" data-testid="canned-pending-actions">{lines}</span>
                    <span class="when">{t.canned_on_send}</span>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="canned-apply-now"
                        disabled=move || c.apply.pending().get()
                        on:click=move |_| c.apply_now()
                    >
                        {t.canned_apply_now}
                    </button>
                    <button type="button" class="link" data-testid="canned-discard" on:click=move |_| c.pending.set(None)>
                        {t.canned_discard}
                    </button>
                </div>
            }
        })
    };
    view! {
        <div class="canned-tools">
            <button
                type="button"
                class="secondary canned-button"
                data-testid="canned-button"
                data-shortcut="canned"
                title=t.canned_button_title
                aria-haspopup="listbox"
                aria-expanded=move || c.open.get().is_some().to_string()
                on:click=toggle
            >
                {t.canned_button}
            </button>
            {popover}
        </div>
        {pending}
        {move || c.applied.get().map(|title| view! {
            <p class="canned-applied" data-testid="canned-applied" role="status">{fill(t.canned_applied, &title)}</p>
        })}
        {move || c.error.get().map(|e| view! {
            <div class="flash" data-testid="canned-error"><ErrorNote error=e/></div>
        })}
    }
}

// ---- the management page ----

/// The messages of `body`'s field errors (placeholders named).
fn body_errors(t: &Texts, e: &AppError) -> Vec<String> {
    let AppError::Invalid(fields) = e else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|(f, _)| f == "body")
        .map(
            |(_, code)| match code.strip_prefix("unknown_placeholder:") {
                Some(name) => fill(t.canned_unknown_placeholder, &format!("{{{{{name}}}}}")),
                None if code == "unclosed_placeholder" => t.canned_unclosed_placeholder.to_owned(),
                None => t.field_error(code).to_owned(),
            },
        )
        .collect()
}

/// The same problems the server would name, found while typing.
fn live_body_problems(t: &Texts, body: &str) -> Vec<String> {
    let p = canned::check(body);
    let mut out: Vec<String> = p
        .unknown
        .iter()
        .map(|n| fill(t.canned_unknown_placeholder, &format!("{{{{{n}}}}}")))
        .collect();
    if p.unclosed {
        out.push(t.canned_unclosed_placeholder.to_owned());
    }
    out
}

/// Forgets the refusal's errors of `field` (it was edited since).
fn clear_field(errors: RwSignal<Option<AppError>>, field: &str) {
    if errors.with_untracked(|e| e.as_ref().is_some_and(|e| e.field_code(field).is_some())) {
        errors.update(|e| {
            if let Some(AppError::Invalid(fields)) = e {
                fields.retain(|(f, _)| f != field);
                if fields.is_empty() {
                    *e = None;
                }
            }
        });
    }
}

fn field_message(errors: RwSignal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let t = use_texts();
    move || {
        errors.with(|e| {
            e.as_ref().and_then(|e| e.field_code(field)).map(|code| {
                view! {
                    <span class="field-error" data-testid="field-error" data-field=field>
                        {t.field_error(code)}
                    </span>
                }
            })
        })
    }
}

/// `/agent/canned`: every response the agent may use, searchable; agents manage their own,
/// managers also the shared ones.
#[component]
pub fn CannedPage() -> impl IntoView {
    let t = use_texts();
    let manager = use_context::<Me>().is_some_and(|m| can_manage(m.role));
    let save = ServerAction::<SaveCanned>::new();
    let remove = Action::new(|id: &CannedId| delete_canned(*id));
    let rows = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| list_canned(String::new()),
    );
    let query = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<Option<CannedId>>);
    let form = RwSignal::new(CannedForm::default());
    let form_error = RwSignal::new(None::<AppError>);
    let list_error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let confirm = RwSignal::new(None::<CannedId>);
    let dir = directory_signal();

    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            form_error.set(None);
            editing.set(None);
            notice.set(Some(t.canned_saved));
        }
        Some(Err(e)) => form_error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => notice.set(Some(t.canned_deleted)),
        Some(Err(e)) => list_error.set(Some(e)),
        None => {}
    });
    let open = move |f: CannedForm, id: Option<CannedId>| {
        form.set(f);
        form_error.set(None);
        notice.set(None);
        editing.set(Some(id));
    };

    let list = move || {
        Suspend::new(async move {
            match rows.await {
                Ok(all) => {
                    let all = StoredValue::new(all);
                    let items = move || {
                        let q = query.get();
                        let shown: Vec<CannedRow> = all
                            .with_value(|a| canned::search(a, &q).into_iter().cloned().collect());
                        if shown.is_empty() {
                            let empty = all.with_value(Vec::is_empty);
                            let text = if empty {
                                t.canned_empty
                            } else {
                                t.canned_no_match
                            };
                            return Either::Left(
                                view! { <p class="empty" data-testid="canned-empty">{text}</p> },
                            );
                        }
                        let items = shown
                            .into_iter()
                            .map(|r| canned_item(r, t, dir, confirm, remove, open))
                            .collect_view();
                        Either::Right(
                            view! { <ul class="canned-list" data-testid="canned-list">{items}</ul> },
                        )
                    };
                    Either::Left(items)
                }
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };
    let is_open = Memo::new(move |_| editing.with(Option::is_some));
    view! {
        <Title text=t.canned_title/>
        <main class="manage canned-page">
            <div class="page-head">
                <h1>{t.canned_title}</h1>
                <span class="spacer"></span>
                <button
                    type="button"
                    data-testid="canned-new"
                    on:click=move |_| open(CannedForm::default(), None)
                >
                    {t.canned_new}
                </button>
            </div>
            <p class="hint">{t.canned_intro}</p>
            {move || notice.get().map(|n| view! { <p class="flash ok" data-testid="canned-notice" role="status">{n}</p> })}
            {move || list_error.get().map(|e| view! { <div class="flash" data-testid="canned-list-error"><ErrorNote error=e/></div> })}
            {move || is_open.get().then(|| view! { <CannedEditor form form_error save editing manager dir/> })}
            <label class="field canned-filter">
                <span>{t.canned_search}</span>
                <input
                    type="search"
                    data-testid="canned-search"
                    autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </label>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{list}</Transition>
        </main>
    }
}

/// One response of the page's list.
fn canned_item(
    r: CannedRow,
    t: &'static Texts,
    dir: RwSignal<Directory>,
    confirm: RwSignal<Option<CannedId>>,
    remove: Action<CannedId, Result<(), AppError>>,
    open: impl Fn(CannedForm, Option<CannedId>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = r.id;
    let (source_class, source_text) = if r.shared {
        ("source shared", t.canned_shared)
    } else {
        ("source personal", t.canned_personal)
    };
    let shortcut = (!r.shortcut.is_empty())
        .then(|| view! { <span class="shortcut" data-testid="canned-shortcut">{format!("/{}", r.shortcut)}</span> });
    let actions = r.actions.clone();
    let macro_line = (!actions.is_empty()).then(|| {
        view! {
            <p class="canned-actions" data-testid="canned-actions">
                <span class="source macro">{t.canned_macro}</span>
                " "
                {move || dir.with(|d| action_lines(t, &actions, d)).join(" · ")}
            </p>
        }
    });
    let excerpt: String = r.body.chars().take(240).collect();
    let title = r.title.clone();
    let form = CannedForm::from_row(&r);
    let buttons = r.can_edit.then(|| {
        let form = form.clone();
        view! {
            <div class="canned-buttons">
                <button type="button" class="link" data-testid="canned-edit" on:click=move |_| open(form.clone(), Some(id))>
                    {t.rules_edit}
                </button>
                <button type="button" class="link danger" data-testid="canned-delete" on:click=move |_| confirm.set(Some(id))>
                    {t.rules_delete}
                </button>
            </div>
        }
    });
    let asking = move || {
        (confirm.get() == Some(id)).then(|| {
            let q = fill(t.canned_delete_confirm, &title);
            view! {
                <div class="confirm" data-testid="canned-confirm">
                    <span>{q}</span>
                    <button type="button" class="danger" data-testid="canned-delete-yes" on:click=move |_| {
                        confirm.set(None);
                        remove.dispatch(id);
                    }>{t.rules_delete_yes}</button>
                    <button type="button" class="secondary" on:click=move |_| confirm.set(None)>{t.rules_cancel}</button>
                </div>
            }
        })
    };
    view! {
        <li class="canned-item" data-testid="canned-row" data-id=id.0 data-shared=r.shared.to_string()>
            <div class="canned-item-head">
                <strong class="title" data-testid="canned-row-title">{r.title}</strong>
                {shortcut}
                <span class=source_class>{source_text}</span>
                <span class="spacer"></span>
                {buttons}
            </div>
            <div class="excerpt body">{excerpt}</div>
            {macro_line}
            {asking}
        </li>
    }
}

/// Add or edit a response.
#[component]
fn CannedEditor(
    form: RwSignal<CannedForm>,
    form_error: RwSignal<Option<AppError>>,
    save: ServerAction<SaveCanned>,
    editing: RwSignal<Option<Option<CannedId>>>,
    manager: bool,
    dir: RwSignal<Directory>,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let body_ref = NodeRef::<html::Textarea>::new();
    let body = RwSignal::new(form.with_untracked(|f| f.body.clone()));
    Effect::new(move |_| {
        let b = body.get();
        form.update(|f| f.body = b);
    });
    let sample = {
        let mut cx = Context::sample(lang);
        if let Some(me) = use_context::<Me>() {
            cx.set(Placeholder::AgentName, me.name.clone());
            cx.set(Placeholder::AgentFirstName, canned::first_name(&me.name));
            cx.set(Placeholder::AgentEmail, me.email.clone());
        }
        cx
    };
    let heading = move || match editing.get().flatten() {
        Some(_) => fill(
            t.canned_edit_title,
            &form.with_untracked(|f| f.title.clone()),
        ),
        None => t.canned_new.to_owned(),
    };
    let invalid = move |field: &'static str| {
        form_error.with(|e| e.as_ref().is_some_and(|e| e.field_code(field).is_some()))
    };
    let chips = Placeholder::ALL
        .into_iter()
        .map(|p| {
            view! {
                <li>
                    <button
                        type="button"
                        class="ph"
                        data-testid="placeholder"
                        data-key=p.key()
                        on:click=move |_| {
                            insert_text(body, body_ref, &p.token(), false);
                            clear_field(form_error, "body");
                        }
                    >
                        {p.token()}
                    </button>
                    <span>{placeholder_text(t, p)}</span>
                </li>
            }
        })
        .collect_view();
    let body_problems = move || {
        let server = form_error.with(|e| e.as_ref().map(|e| body_errors(t, e)).unwrap_or_default());
        let lines = if server.is_empty() {
            body.with(|b| live_body_problems(t, b))
        } else {
            server
        };
        lines
            .into_iter()
            .map(|l| view! { <span class="field-error" data-testid="field-error" data-field="body">{l}</span> })
            .collect_view()
    };
    let preview = move || body.with(|b| canned::render(b, &sample));
    let select = move |field: &'static str,
                       testid: &'static str,
                       label: &'static str,
                       get: fn(&CannedForm) -> String,
                       set: fn(&mut CannedForm, String),
                       options: Vec<(String, String)>| {
        let current = form.with_untracked(get);
        let opts = options
            .into_iter()
            .map(|(v, l)| {
                let selected = v == current;
                view! { <option value=v selected=selected>{l}</option> }
            })
            .collect_view();
        view! {
            <label class="field" class:invalid=move || invalid(field)>
                <span>{label}</span>
                <select
                    name=field
                    data-testid=testid
                    prop:value=move || form.with(get)
                    on:change=move |ev| {
                        form.update(|f| set(f, event_target_value(&ev)));
                        clear_field(form_error, field);
                    }
                >
                    {opts}
                </select>
                {field_message(form_error, field)}
            </label>
        }
    };
    let keep = || vec![(String::new(), t.canned_keep.to_owned())];
    let mut status_opts = keep();
    status_opts.extend(
        Status::ALL
            .into_iter()
            .filter(|s| *s != Status::New)
            .map(|s| (s.as_str().to_owned(), t.status(s).to_owned())),
    );
    let mut priority_opts = keep();
    priority_opts.extend(
        Priority::ALL
            .into_iter()
            .rev()
            .map(|p| (p.as_str().to_owned(), t.priority(p).to_owned())),
    );
    let assign_select = move || {
        let mut o = keep();
        o.push(("me".to_owned(), t.canned_assign_me.to_owned()));
        o.push(("nobody".to_owned(), t.canned_assign_nobody.to_owned()));
        dir.with(|d| {
            o.extend(d.assignable().map(|a| (a.id.to_string(), a.name.clone())));
        });
        select(
            "actions.assign",
            "canned-assign",
            t.assignee,
            |f| f.assign.clone(),
            |f, v| f.assign = v,
            o,
        )
    };
    let text_input = move |field: &'static str,
                           testid: &'static str,
                           label: &'static str,
                           get: fn(&CannedForm) -> String,
                           set: fn(&mut CannedForm, String)| {
        view! {
            <label class="field" class:invalid=move || invalid(field)>
                <span>{label}</span>
                <input
                    type="text"
                    name=field
                    data-testid=testid
                    autocomplete="off"
                    prop:value=move || form.with(get)
                    on:input=move |ev| {
                        form.update(|f| set(f, event_target_value(&ev)));
                        clear_field(form_error, field);
                    }
                />
                {field_message(form_error, field)}
            </label>
        }
    };
    let shared_box = manager.then(|| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="canned-shared"
                    prop:checked=move || form.with(|f| f.shared)
                    on:change=move |ev| form.update(|f| f.shared = event_target_checked(&ev))
                />
                <span>{t.canned_f_shared}</span>
            </label>
        }
    });
    let general = move || {
        form_error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid(_)))
            .map(|e| view! { <div class="flash" data-testid="canned-form-error"><ErrorNote error=e/></div> })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveCanned {
            id: editing.get_untracked().flatten(),
            form: form.get_untracked(),
        });
    };
    view! {
        <section class="rule-editor canned-editor" data-testid="canned-editor">
            <h2>{heading}</h2>
            {general}
            <form on:submit=submit>
                <div class="canned-editor-grid">
                    <div>
                        {text_input("title", "canned-title", t.canned_f_title, |f| f.title.clone(), |f, v| f.title = v)}
                        {text_input("shortcut", "canned-shortcut", t.canned_f_shortcut, |f| f.shortcut.clone(), |f, v| f.shortcut = v)}
                        <p class="hint">{t.canned_shortcut_hint}</p>
                        <label class="field" class:invalid=move || invalid("body")>
                            <span>{t.canned_f_body}</span>
                            <textarea
                                name="body"
                                rows="8"
                                node_ref=body_ref
                                data-testid="canned-body"
                                prop:value=move || body.get()
                                on:input=move |ev| {
                                    body.set(event_target_value(&ev));
                                    clear_field(form_error, "body");
                                }
                            ></textarea>
                            {body_problems}
                        </label>
                        <p class="hint">{t.canned_body_hint}</p>
                        {shared_box}
                    </div>
                    <div>
                        <div class="placeholder-help" data-testid="placeholder-help">
                            <h3>{t.canned_placeholders}</h3>
                            <p class="hint">{t.canned_placeholders_hint}</p>
                            <ul>{chips}</ul>
                        </div>
                        <div class="canned-preview-box">
                            <h3>{t.canned_preview}</h3>
                            <div class="canned-preview body" data-testid="canned-preview">{preview}</div>
                        </div>
                    </div>
                </div>
                <fieldset class="canned-macro">
                    <legend>{t.canned_actions}</legend>
                    <p class="hint">{t.canned_actions_hint}</p>
                    <div class="canned-macro-grid">
                        {select("actions.status", "canned-status", t.status, |f| f.status.clone(), |f, v| f.status = v, status_opts)}
                        {select("actions.priority", "canned-priority", t.priority, |f| f.priority.clone(), |f, v| f.priority = v, priority_opts)}
                        {assign_select}
                        {text_input("actions.add_tags", "canned-add-tags", t.canned_add_tags, |f| f.add_tags.clone(), |f, v| f.add_tags = v)}
                        {text_input("actions.remove_tags", "canned-remove-tags", t.canned_remove_tags, |f| f.remove_tags.clone(), |f, v| f.remove_tags = v)}
                    </div>
                    <p class="hint">{t.canned_tags_hint}</p>
                </fieldset>
                <div class="editor-buttons">
                    <button type="submit" data-testid="canned-save" disabled=move || save.pending().get()>{t.rules_save}</button>
                    <button type="button" class="secondary" data-testid="canned-cancel" on:click=move |_| editing.set(None)>
                        {t.rules_cancel}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_map_to_bytes() {
        let s = "Привет 👋 мир";
        assert_eq!(byte_index(s, Some(0)), 0);
        assert_eq!(byte_index(s, Some(6)), "Привет".len());
        // The emoji is two UTF-16 units.
        assert_eq!(byte_index(s, Some(9)), "Привет 👋".len());
        assert_eq!(byte_index(s, Some(999)), s.len());
        assert_eq!(byte_index(s, None), s.len());
        assert_eq!(utf16_len("👋a"), 3);
    }

    #[test]
    fn only_a_lone_slash_word_opens_the_picker() {
        assert_eq!(slash_query("/"), Some(""));
        assert_eq!(slash_query("/спасибо"), Some("спасибо"));
        assert_eq!(slash_query("/спасибо "), None);
        assert_eq!(slash_query("Hi /x"), None);
        assert_eq!(slash_query(""), None);
    }

    #[test]
    fn body_errors_name_the_placeholder() {
        let t = crate::i18n::texts(lossless::ids::Lang::En);
        let e = AppError::Invalid(vec![
            ("body".into(), "unknown_placeholder:customer.age".into()),
            ("body".into(), "unclosed_placeholder".into()),
            ("title".into(), "required".into()),
        ]);
        assert_eq!(
            body_errors(t, &e),
            [
                "Unknown placeholder {{customer.age}}".to_owned(),
                t.canned_unclosed_placeholder.to_owned()
            ]
        );
        assert_eq!(
            live_body_problems(t, "{{x}} {{customer.name"),
            [
                "Unknown placeholder {{x}}".to_owned(),
                t.canned_unclosed_placeholder.to_owned()
            ]
        );
    }
}
