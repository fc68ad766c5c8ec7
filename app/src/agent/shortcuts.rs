//! Keyboard shortcuts of the agent area (issue 6) and their help overlay.
//!
//! One keydown listener for the whole signed-in area (installed by [`provide_shortcuts`] in
//! the agent shell, removed with it). What a key does is decided by the pure [`Keymap`] from
//! the key, the page ([`Page`], from the path) and where the focus is; performing it touches
//! the page only through stable hooks, so pages need no code of their own:
//! - queue: `j`/`k` (or ↓/↑) move the selection ([`row_selected`] marks the row), `Enter`/`o`
//!   opens the selected ticket, `/` focuses `[data-shortcut=search]`;
//! - ticket: `r` focuses the reply (`[data-testid=reply-body]`), `n` the note
//!   (`[data-testid=note-body]`), `a` presses `[data-shortcut=assign-me]`, `s` focuses the
//!   status control (`[data-testid=status-select]`), `c` opens `[data-shortcut=canned]`,
//!   `u` goes back to the queue;
//! - anywhere: `g` then `q` goes to the queue (the last queue view, filters kept), `?` shows
//!   the help ([`ShortcutHelp`]), `Escape` closes it or leaves the text field.
//!
//! Invariants:
//! - While the focus is in an input, textarea, select or contenteditable element only
//!   `Escape` acts, so typing is never taken over; with Ctrl, Alt or Meta held nothing acts
//!   (browser and system shortcuts stay); Shift only for `?`.
//! - Letters are read by their physical key (`KeyboardEvent.code`), so they work the same on
//!   a Russian layout; `/` and `?` by the character typed, falling back to the physical key.
//! - A handled key's default is prevented (the `r` that focuses the reply is not typed into
//!   it); a key whose target is missing on the page (no canned picker yet, a closed ticket's
//!   hidden reply) does nothing and keeps its default.
//! - While the help is open only `Escape` and `?` act (both close it).

// The key map and the reporter run only in the browser; the server build renders the help
// and keeps the rest for the unit tests.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::components::use_texts;
use crate::i18n::Texts;
use leptos::prelude::*;

/// How long after `g` a `q` still completes the sequence (milliseconds).
pub const SEQUENCE_MS: f64 = 1500.0;

/// Where the agent is, as far as shortcuts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/agent`: the queue.
    Queue,
    /// `/agent/t/…`: a ticket.
    Ticket,
    /// Anywhere else in the signed-in area.
    Other,
}

impl Page {
    /// The page a location path shows.
    pub fn of_path(path: &str) -> Self {
        match path.trim_end_matches('/') {
            "/agent" => Page::Queue,
            p if p.starts_with("/agent/t/") => Page::Ticket,
            _ => Page::Other,
        }
    }
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Select the next queue row.
    Down,
    /// Select the previous queue row.
    Up,
    /// Open the selected queue row.
    Open,
    /// Focus the search box.
    Search,
    /// Go to the queue (`g` `q`).
    GoQueue,
    /// Focus the reply composer.
    Reply,
    /// Focus the note composer.
    Note,
    /// Assign the ticket to me.
    AssignMe,
    /// Focus the status control.
    Status,
    /// Open the canned-response picker.
    Canned,
    /// Back to the queue (`u`).
    Back,
    /// Close the help, or leave the text field.
    Escape,
    /// Toggle the help.
    Help,
}

/// One key press as the layer sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Press<'a> {
    /// `KeyboardEvent.key` (the character or key name).
    pub key: &'a str,
    /// `KeyboardEvent.code` (the physical key).
    pub code: &'a str,
    /// Shift held.
    pub shift: bool,
    /// Ctrl, Alt or Meta held.
    pub other_modifier: bool,
    /// The focus is in a text field, select or contenteditable element.
    pub in_field: bool,
    /// The focus is on a link or button (`Enter` activates it natively).
    pub on_control: bool,
    /// The event's time stamp (milliseconds).
    pub at_ms: f64,
}

/// The key map: pure, with the one piece of state a sequence needs (`g` pressed at).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Keymap {
    g_at: Option<f64>,
}

impl Keymap {
    /// What `p` asks for on `page` (with the help open or not); remembers a `g`.
    pub fn press(&mut self, p: &Press<'_>, page: Page, help_open: bool) -> Option<Action> {
        let after_g = self
            .g_at
            .take()
            .is_some_and(|t| p.at_ms >= t && p.at_ms - t <= SEQUENCE_MS);
        if p.key == "Escape" {
            return Some(Action::Escape);
        }
        if p.other_modifier || p.in_field {
            return None;
        }
        if p.key == "?" || (p.code == "Slash" && p.shift) {
            return Some(Action::Help);
        }
        if help_open || p.shift {
            return None;
        }
        if after_g {
            return (p.code == "KeyQ").then_some(Action::GoQueue);
        }
        if p.key == "/" || p.code == "Slash" {
            return Some(Action::Search);
        }
        if p.code == "KeyG" {
            self.g_at = Some(p.at_ms);
            return None;
        }
        match (page, p.code) {
            (Page::Queue, "KeyJ" | "ArrowDown") => Some(Action::Down),
            (Page::Queue, "KeyK" | "ArrowUp") => Some(Action::Up),
            (Page::Queue, "KeyO") => Some(Action::Open),
            (Page::Queue, "Enter" | "NumpadEnter") if !p.on_control => Some(Action::Open),
            (Page::Ticket, "KeyR") => Some(Action::Reply),
            (Page::Ticket, "KeyN") => Some(Action::Note),
            (Page::Ticket, "KeyA") => Some(Action::AssignMe),
            (Page::Ticket, "KeyS") => Some(Action::Status),
            (Page::Ticket, "KeyC") => Some(Action::Canned),
            (Page::Ticket, "KeyU") => Some(Action::Back),
            _ => None,
        }
    }
}

/// The row to select after moving `down` (or up) from `current` over `rows` (ticket
/// numbers in page order): the neighbour, stopping at either end; the first row (down) or
/// the last (up) when nothing on the page is selected; `None` for an empty page.
pub fn step_selection(rows: &[String], current: Option<&str>, down: bool) -> Option<String> {
    let pos = current.and_then(|c| rows.iter().position(|r| r == c));
    let next = match (pos, down) {
        (None, true) => 0,
        (None, false) => rows.len().checked_sub(1)?,
        (Some(i), true) => (i + 1).min(rows.len() - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    rows.get(next).cloned()
}

/// The shortcut state the agent shell shares with its pages.
#[derive(Clone, Copy)]
struct ShortcutState {
    /// The queue row selected with `j`/`k` (its ticket number).
    selected: RwSignal<Option<String>>,
    /// The help overlay is open.
    help: RwSignal<bool>,
}

/// Installs the shortcut layer for the signed-in area (call once, in the agent shell; the
/// listener goes when the shell does) and shares its state with the pages.
pub fn provide_shortcuts() {
    let state = ShortcutState {
        selected: RwSignal::new(None),
        help: RwSignal::new(false),
    };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    client::start(state);
}

/// Whether the queue row of ticket `number` is the one selected with the keyboard.
pub fn row_selected(number: String) -> Signal<bool> {
    let selected = use_context::<ShortcutState>().map(|s| s.selected);
    Signal::derive(move || selected.is_some_and(|s| s.get().as_deref() == Some(number.as_str())))
}

/// How the help shows a shortcut's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// One key.
    One(&'static str),
    /// Either key.
    Either(&'static str, &'static str),
    /// The first key, then the second.
    Then(&'static str, &'static str),
}

/// The keys of the help overlay: `(keys, what they do)` per section.
fn help_sections(t: &'static Texts) -> [(&'static str, Vec<(Keys, &'static str)>); 3] {
    use Keys::{Either, One, Then};
    [
        (
            t.kb_section_queue,
            vec![
                (Either("j", "↓"), t.kb_down),
                (Either("k", "↑"), t.kb_up),
                (Either("Enter", "o"), t.kb_open),
                (One("/"), t.kb_search),
            ],
        ),
        (
            t.kb_section_ticket,
            vec![
                (One("r"), t.kb_reply),
                (One("n"), t.kb_note),
                (One("a"), t.kb_assign),
                (One("s"), t.kb_status),
                (One("c"), t.kb_canned),
                (One("u"), t.kb_back),
            ],
        ),
        (
            t.kb_section_anywhere,
            vec![
                (Then("g", "q"), t.kb_go_queue),
                (One("?"), t.kb_help),
                (One("Esc"), t.kb_escape),
            ],
        ),
    ]
}

fn keys_view(k: Keys, t: &'static Texts) -> AnyView {
    match k {
        Keys::One(a) => view! { <kbd>{a}</kbd> }.into_any(),
        Keys::Either(a, b) => view! { <kbd>{a}</kbd>" "{t.kb_or}" "<kbd>{b}</kbd> }.into_any(),
        Keys::Then(a, b) => view! { <kbd>{a}</kbd>" "{t.kb_then}" "<kbd>{b}</kbd> }.into_any(),
    }
}

/// The help overlay (`?`), and the small button that opens it with the mouse.
#[component]
pub fn ShortcutHelp() -> impl IntoView {
    let t = use_texts();
    let Some(state) = use_context::<ShortcutState>() else {
        return ().into_any();
    };
    let help = state.help;
    let sections = help_sections(t)
        .into_iter()
        .map(|(title, keys)| {
            let rows = keys
                .into_iter()
                .map(|(k, what)| {
                    view! {
                        <tr>
                            <th scope="row">{keys_view(k, t)}</th>
                            <td>{what}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section>
                    <h3>{title}</h3>
                    <table class="keys">
                        <tbody>{rows}</tbody>
                    </table>
                </section>
            }
        })
        .collect_view();
    view! {
        <button
            type="button"
            class="shortcuts-open"
            data-testid="shortcuts-open"
            title=t.kb_open_hint
            aria-label=t.kb_open_hint
            on:click=move |_| help.set(true)
        >
            "?"
        </button>
        <div
            class="shortcuts-backdrop"
            class:hidden=move || !help.get()
            on:click=move |_| help.set(false)
        >
            <div
                class="shortcuts-help"
                role="dialog"
                aria-modal="true"
                aria-labelledby="shortcuts-title"
                data-testid="shortcuts-help"
                on:click=|ev| ev.stop_propagation()
            >
                <header>
                    <h2 id="shortcuts-title">{t.kb_title}</h2>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="shortcuts-close"
                        on:click=move |_| help.set(false)
                    >
                        {t.kb_close}
                    </button>
                </header>
                <div class="sections">{sections}</div>
            </div>
        </div>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{Action, Keymap, Page, Press, ShortcutState, step_selection};
    use leptos::prelude::*;
    use leptos_router::NavigateOptions;
    use leptos_router::hooks::{use_location, use_navigate};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement, KeyboardEvent};

    /// Where focus must be for letters to be typed, not taken as shortcuts.
    const FIELDS: &str = "input, textarea, select, [contenteditable]:not([contenteditable=false])";
    /// Where `Enter` already means something.
    const CONTROLS: &str = "a[href], button, summary, [role=button]";

    pub(super) fn start(state: ShortcutState) {
        let navigate = use_navigate();
        let location = use_location();
        // The last queue view (with its filters), for `u` and `g` `q`.
        let last_queue = Rc::new(RefCell::new(String::from("/agent")));
        {
            let last_queue = Rc::clone(&last_queue);
            Effect::new(move |_| {
                let path = location.pathname.get();
                let search = location.search.get();
                if Page::of_path(&path) == Page::Queue {
                    let q = if search.is_empty() {
                        path
                    } else {
                        format!("{path}?{}", search.trim_start_matches('?'))
                    };
                    *last_queue.borrow_mut() = q;
                }
            });
        }
        let keymap = Rc::new(Cell::new(Keymap::default()));
        let handle = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
            if ev.default_prevented() || ev.is_composing() {
                return;
            }
            let target = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .or_else(|| document().active_element());
            let inside = |sel: &str| {
                target
                    .as_ref()
                    .and_then(|el| el.closest(sel).ok().flatten())
                    .is_some()
            };
            let (key, code) = (ev.key(), ev.code());
            let press = Press {
                key: &key,
                code: &code,
                shift: ev.shift_key(),
                other_modifier: ev.ctrl_key() || ev.alt_key() || ev.meta_key(),
                in_field: inside(FIELDS),
                on_control: inside(CONTROLS),
                at_ms: ev.time_stamp(),
            };
            let page = Page::of_path(&window().location().pathname().unwrap_or_default());
            let mut map = keymap.get();
            let action = map.press(&press, page, state.help.get_untracked());
            keymap.set(map);
            let Some(action) = action else {
                return;
            };
            let go = |to: &str| navigate(to, NavigateOptions::default());
            if perform(action, state, &last_queue.borrow(), go) {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }

    fn find(selector: &str) -> Option<HtmlElement> {
        document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    }

    /// Focuses a field that is shown (a hidden one cannot take focus).
    fn focus(selector: &str) -> bool {
        match find(selector) {
            Some(el) if el.offset_parent().is_some() => el.focus().is_ok(),
            _ => false,
        }
    }

    /// Presses a button (or focuses a field) that is shown.
    fn activate(selector: &str) -> bool {
        let Some(el) = find(selector).filter(|el| el.offset_parent().is_some()) else {
            return false;
        };
        if el.closest(CONTROLS).ok().flatten().is_some() {
            el.click();
            true
        } else {
            el.focus().is_ok()
        }
    }

    fn queue_numbers() -> Vec<String> {
        let Ok(list) = document().query_selector_all("[data-testid=queue-row]") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .filter_map(|e| e.get_attribute("data-number"))
            .collect()
    }

    fn reveal_row(number: &str) {
        let sel = format!("[data-testid=queue-row][data-number=\"{number}\"]");
        if let Ok(Some(row)) = document().query_selector(&sel) {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            row.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    }

    /// Performs `action`; `true` when it did something (the key's default is then
    /// prevented).
    fn perform(action: Action, state: ShortcutState, last_queue: &str, go: impl Fn(&str)) -> bool {
        match action {
            Action::Help => {
                state.help.update(|h| *h = !*h);
                true
            }
            Action::Escape => {
                if state.help.get_untracked() {
                    state.help.set(false);
                    return true;
                }
                match document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                {
                    Some(el) if el.closest(FIELDS).ok().flatten().is_some() => el.blur().is_ok(),
                    _ => false,
                }
            }
            Action::Down | Action::Up => {
                let rows = queue_numbers();
                let current = state.selected.get_untracked();
                match step_selection(&rows, current.as_deref(), action == Action::Down) {
                    Some(n) => {
                        reveal_row(&n);
                        state.selected.set(Some(n));
                        true
                    }
                    None => false,
                }
            }
            Action::Open => {
                let rows = queue_numbers();
                match state.selected.get_untracked() {
                    Some(n) if rows.contains(&n) => {
                        go(&format!("/agent/t/{n}"));
                        true
                    }
                    _ => false,
                }
            }
            Action::Search => focus("[data-shortcut=search]"),
            Action::GoQueue | Action::Back => {
                go(last_queue);
                true
            }
            Action::Reply => focus("[data-testid=reply-body]"),
            Action::Note => focus("[data-testid=note-body]"),
            Action::AssignMe => activate("[data-shortcut=assign-me]"),
            Action::Status => focus("[data-testid=status-select]"),
            Action::Canned => activate("[data-shortcut=canned]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: &'static str) -> Press<'static> {
        let key = match code {
            "Slash" => "/",
            "Enter" => "Enter",
            "Escape" => "Escape",
            "ArrowDown" => "ArrowDown",
            c => c.strip_prefix("Key").unwrap_or(c),
        };
        Press {
            key,
            code,
            shift: false,
            other_modifier: false,
            in_field: false,
            on_control: false,
            at_ms: 1000.0,
        }
    }

    fn run(p: Press<'_>, page: Page) -> Option<Action> {
        Keymap::default().press(&p, page, false)
    }

    #[test]
    fn pages_come_from_the_path() {
        assert_eq!(Page::of_path("/agent"), Page::Queue);
        assert_eq!(Page::of_path("/agent/"), Page::Queue);
        assert_eq!(Page::of_path("/agent/t/LL-1042"), Page::Ticket);
        assert_eq!(Page::of_path("/manage/sla"), Page::Other);
        assert_eq!(Page::of_path("/agent/login"), Page::Other);
    }

    #[test]
    fn each_page_has_its_keys() {
        assert_eq!(run(key("KeyJ"), Page::Queue), Some(Action::Down));
        assert_eq!(run(key("ArrowDown"), Page::Queue), Some(Action::Down));
        assert_eq!(run(key("KeyK"), Page::Queue), Some(Action::Up));
        assert_eq!(run(key("Enter"), Page::Queue), Some(Action::Open));
        assert_eq!(run(key("KeyO"), Page::Queue), Some(Action::Open));
        assert_eq!(run(key("Slash"), Page::Queue), Some(Action::Search));
        assert_eq!(run(key("KeyR"), Page::Ticket), Some(Action::Reply));
        assert_eq!(run(key("KeyN"), Page::Ticket), Some(Action::Note));
        assert_eq!(run(key("KeyA"), Page::Ticket), Some(Action::AssignMe));
        assert_eq!(run(key("KeyS"), Page::Ticket), Some(Action::Status));
        assert_eq!(run(key("KeyC"), Page::Ticket), Some(Action::Canned));
        assert_eq!(run(key("KeyU"), Page::Ticket), Some(Action::Back));
        // Queue keys do nothing on a ticket and ticket keys nothing in the queue.
        assert_eq!(run(key("KeyJ"), Page::Ticket), None);
        assert_eq!(run(key("KeyR"), Page::Queue), None);
        assert_eq!(run(key("KeyR"), Page::Other), None);
    }

    #[test]
    fn letters_are_physical_keys_so_a_russian_layout_works() {
        let p = Press {
            key: "о",
            ..key("KeyJ")
        };
        assert_eq!(run(p, Page::Queue), Some(Action::Down));
        let p = Press {
            key: "к",
            ..key("KeyR")
        };
        assert_eq!(run(p, Page::Ticket), Some(Action::Reply));
    }

    #[test]
    fn typing_and_modifiers_are_left_alone_except_escape() {
        let typing = Press {
            in_field: true,
            ..key("KeyR")
        };
        assert_eq!(run(typing, Page::Ticket), None);
        let slash = Press {
            in_field: true,
            ..key("Slash")
        };
        assert_eq!(run(slash, Page::Queue), None);
        let esc = Press {
            in_field: true,
            ..key("Escape")
        };
        assert_eq!(run(esc, Page::Ticket), Some(Action::Escape));
        let ctrl = Press {
            other_modifier: true,
            ..key("KeyR")
        };
        assert_eq!(run(ctrl, Page::Ticket), None);
        let shift = Press {
            shift: true,
            ..key("KeyR")
        };
        assert_eq!(run(shift, Page::Ticket), None);
        // Enter on a focused link or button keeps its own meaning.
        let on_link = Press {
            on_control: true,
            ..key("Enter")
        };
        assert_eq!(run(on_link, Page::Queue), None);
    }

    #[test]
    fn the_question_mark_toggles_help_and_help_swallows_other_keys() {
        let q = Press {
            key: "?",
            shift: true,
            ..key("Slash")
        };
        assert_eq!(run(q, Page::Queue), Some(Action::Help));
        assert_eq!(run(q, Page::Other), Some(Action::Help));
        let mut m = Keymap::default();
        assert_eq!(m.press(&q, Page::Queue, true), Some(Action::Help));
        assert_eq!(m.press(&key("KeyJ"), Page::Queue, true), None);
        assert_eq!(
            m.press(&key("Escape"), Page::Queue, true),
            Some(Action::Escape)
        );
    }

    #[test]
    fn g_then_q_goes_to_the_queue_within_the_sequence_time() {
        let mut m = Keymap::default();
        assert_eq!(m.press(&key("KeyG"), Page::Ticket, false), None);
        let q = Press {
            at_ms: 1000.0 + SEQUENCE_MS,
            ..key("KeyQ")
        };
        assert_eq!(m.press(&q, Page::Ticket, false), Some(Action::GoQueue));
        // Too late: q alone means nothing.
        let mut m = Keymap::default();
        m.press(&key("KeyG"), Page::Other, false);
        let late = Press {
            at_ms: 1001.0 + SEQUENCE_MS,
            ..key("KeyQ")
        };
        assert_eq!(m.press(&late, Page::Other, false), None);
        // Another key after g ends the sequence and is not taken as itself.
        let mut m = Keymap::default();
        m.press(&key("KeyG"), Page::Ticket, false);
        assert_eq!(m.press(&key("KeyR"), Page::Ticket, false), None);
        assert_eq!(
            m.press(&key("KeyR"), Page::Ticket, false),
            Some(Action::Reply)
        );
        // q without g is nothing.
        assert_eq!(run(key("KeyQ"), Page::Ticket), None);
    }

    #[test]
    fn the_selection_moves_and_stops_at_the_ends() {
        let rows: Vec<String> = ["LL-1", "LL-2", "LL-3"].map(String::from).to_vec();
        assert_eq!(step_selection(&rows, None, true).as_deref(), Some("LL-1"));
        assert_eq!(step_selection(&rows, None, false).as_deref(), Some("LL-3"));
        assert_eq!(
            step_selection(&rows, Some("LL-1"), true).as_deref(),
            Some("LL-2")
        );
        assert_eq!(
            step_selection(&rows, Some("LL-3"), true).as_deref(),
            Some("LL-3")
        );
        assert_eq!(
            step_selection(&rows, Some("LL-1"), false).as_deref(),
            Some("LL-1")
        );
        // A selection no longer on the page starts over.
        assert_eq!(
            step_selection(&rows, Some("LL-9"), true).as_deref(),
            Some("LL-1")
        );
        assert_eq!(step_selection(&[], None, true), None);
        assert_eq!(step_selection(&[], Some("LL-1"), false), None);
    }

    #[test]
    fn the_help_lists_every_key_in_both_languages() {
        for t in [&crate::i18n::RU, &crate::i18n::EN] {
            let sections = help_sections(t);
            let keys: usize = sections.iter().map(|(_, k)| k.len()).sum();
            assert_eq!(keys, 13);
            for (title, keys) in sections {
                assert!(!title.is_empty());
                assert!(keys.iter().all(|(_, what)| !what.is_empty()));
            }
        }
    }
}
