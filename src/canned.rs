//! Canned responses and macros (issue 6): reply templates with placeholders, personal or
//! shared, found by a search from the composer; a template may carry macro actions (status,
//! priority, assignee, tags) applied in one ticket change.
//!
//! Templates: `{{customer.name}}`, `{{ ticket.number }}` (whitespace inside the braces and
//! ASCII case do not matter) and `{{customer.first_name | there}}` (after `|`: the text used
//! when the value is missing). [`Placeholder::ALL`] lists every placeholder.
//!
//! Invariants:
//! - pure: no I/O, no clock; the values come in through a [`Context`];
//! - a draft that passed [`CannedDraft::validate`] has a title of 1–[`MAX_TITLE_CHARS`]
//!   characters, a body of at most [`MAX_BODY_CHARS`] characters (empty only when the macro
//!   has actions), only known placeholders and no unclosed `{{`; a bad placeholder is the
//!   field error `body` / `unknown_placeholder:<name as written>` (or `unclosed_placeholder`);
//! - [`render`] never fails: a missing value renders as its fallback, else as empty text (a
//!   customer without a name is not "customer" in someone's reply unless the template says
//!   so); text that is not a known placeholder (only possible for templates stored before a
//!   placeholder was retired) and an unclosed `{{` stay as written;
//! - a normalized draft ([`CannedDraft::normalize`]) has a trimmed title and body, a
//!   lowercase shortcut without the leading `/`, and lowercase, trimmed, de-duplicated tags;
//! - search ([`search`]) is case-insensitive for every script (Russian included, `ё` = `е`)
//!   and ranks shortcut matches first, then titles, then bodies.

use crate::contact::{Contact, Handle};
use crate::error::FieldErrors;
use crate::ids::{AgentId, CannedId, Lang};
use crate::team::{Agent, Group};
use crate::ticket::{MAX_TAG_CHARS, Priority, Status, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest title (characters).
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest body (characters): a reply's limit.
pub const MAX_BODY_CHARS: usize = crate::message::MAX_BODY_CHARS;
/// Longest shortcut (characters).
pub const MAX_SHORTCUT_CHARS: usize = 32;
/// Most tags a macro adds or removes (each list).
pub const MAX_MACRO_TAGS: usize = 20;

/// A value a template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// The customer's name as known (`Анна Петрова`).
    CustomerName,
    /// The first word of the customer's name (`Анна`).
    CustomerFirstName,
    /// The customer's first email address.
    CustomerEmail,
    /// The customer's first phone number (E.164).
    CustomerPhone,
    /// The ticket's number (`LL-1042`).
    TicketNumber,
    /// The ticket's subject.
    TicketSubject,
    /// The replying agent's name.
    AgentName,
    /// The first word of the replying agent's name.
    AgentFirstName,
    /// The replying agent's sign-in address.
    AgentEmail,
    /// The ticket's group.
    GroupName,
}

impl Placeholder {
    /// Every placeholder, in the order the editor's help lists them.
    pub const ALL: [Placeholder; 10] = [
        Placeholder::CustomerName,
        Placeholder::CustomerFirstName,
        Placeholder::CustomerEmail,
        Placeholder::CustomerPhone,
        Placeholder::TicketNumber,
        Placeholder::TicketSubject,
        Placeholder::AgentName,
        Placeholder::AgentFirstName,
        Placeholder::AgentEmail,
        Placeholder::GroupName,
    ];

    /// The name written between the braces.
    pub fn key(self) -> &'static str {
        match self {
            Placeholder::CustomerName => "customer.name",
            Placeholder::CustomerFirstName => "customer.first_name",
            Placeholder::CustomerEmail => "customer.email",
            Placeholder::CustomerPhone => "customer.phone",
            Placeholder::TicketNumber => "ticket.number",
            Placeholder::TicketSubject => "ticket.subject",
            Placeholder::AgentName => "agent.name",
            Placeholder::AgentFirstName => "agent.first_name",
            Placeholder::AgentEmail => "agent.email",
            Placeholder::GroupName => "group.name",
        }
    }

    /// The placeholder a name means (ASCII case ignored); `None` for an unknown name.
    pub fn parse(key: &str) -> Option<Self> {
        let key = key.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.key().eq_ignore_ascii_case(key))
    }

    /// `{{key}}`, as the editor inserts it.
    pub fn token(self) -> String {
        format!("{{{{{}}}}}", self.key())
    }
}

/// The values a template is rendered with; a placeholder without a (non-empty) value
/// renders as its fallback or as empty text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    values: BTreeMap<Placeholder, String>,
}

impl Context {
    /// Sets a value (trimmed; an empty value counts as missing).
    pub fn set(&mut self, p: Placeholder, value: impl Into<String>) {
        let v: String = value.into();
        let v = v.trim();
        if v.is_empty() {
            self.values.remove(&p);
        } else {
            self.values.insert(p, v.to_owned());
        }
    }

    /// The value of `p`, if known.
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        self.values.get(&p).map(String::as_str)
    }

    /// The values for an agent's reply on `ticket`: its customer, the agent replying and the
    /// ticket's group (each may be unknown).
    pub fn for_ticket(
        ticket: &Ticket,
        contact: Option<&Contact>,
        agent: Option<&Agent>,
        group: Option<&Group>,
    ) -> Self {
        let mut cx = Context::default();
        cx.set(Placeholder::TicketNumber, ticket.number.to_string());
        cx.set(Placeholder::TicketSubject, ticket.subject.clone());
        if let Some(c) = contact {
            cx.set(Placeholder::CustomerName, c.name.clone());
            cx.set(Placeholder::CustomerFirstName, first_name(&c.name));
            let first = |pick: fn(&Handle) -> Option<&str>| c.handles.iter().find_map(pick);
            if let Some(e) = first(|h| match h {
                Handle::Email(e) => Some(e.as_str()),
                Handle::Phone(_) | Handle::Visitor(_) => None,
            }) {
                cx.set(Placeholder::CustomerEmail, e);
            }
            if let Some(p) = first(|h| match h {
                Handle::Phone(p) => Some(p.as_str()),
                Handle::Email(_) | Handle::Visitor(_) => None,
            }) {
                cx.set(Placeholder::CustomerPhone, p);
            }
        }
        if let Some(a) = agent {
            cx.set(Placeholder::AgentName, a.name.clone());
            cx.set(Placeholder::AgentFirstName, first_name(&a.name));
            cx.set(Placeholder::AgentEmail, a.email.as_str());
        }
        if let Some(g) = group {
            cx.set(Placeholder::GroupName, g.name.clone());
        }
        cx
    }

    /// Made-up values for the editor's preview, in `lang` (the agent's own name and address
    /// are set by the caller).
    pub fn sample(lang: Lang) -> Self {
        let mut cx = Context::default();
        let (name, subject, group) = match lang {
            Lang::Ru => ("Анна Петрова", "Не проходит оплата", "Поддержка"),
            Lang::En => ("Anna Peters", "Payment does not go through", "Support"),
        };
        cx.set(Placeholder::CustomerName, name);
        cx.set(Placeholder::CustomerFirstName, first_name(name));
        cx.set(Placeholder::CustomerEmail, "anna@example.com");
        cx.set(Placeholder::CustomerPhone, "+79161234567");
        cx.set(Placeholder::TicketNumber, "LL-1042");
        cx.set(Placeholder::TicketSubject, subject);
        cx.set(Placeholder::GroupName, group);
        cx
    }
}

/// The first word of a name (`Анна Петрова` → `Анна`).
pub fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// One part of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// Plain text.
    Text(&'a str),
    /// `{{inner}}`.
    Slot(&'a str),
    /// `{{…` with no `}}` after it, to the end.
    Unclosed(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                out.push(Piece::Slot(&after[..close]));
                rest = &after[close + 2..];
            }
            None => {
                out.push(Piece::Unclosed(&rest[open..]));
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// A slot's name and fallback (`customer.name | there` → (`customer.name`, `there`)).
fn split_slot(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once('|') {
        Some((key, fallback)) => (key.trim(), Some(fallback.trim())),
        None => (inner.trim(), None),
    }
}

/// What is wrong with a template's placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateProblems {
    /// Unknown names as written (trimmed), each once, in order of appearance.
    pub unknown: Vec<String>,
    /// A `{{` has no `}}` after it.
    pub unclosed: bool,
}

impl TemplateProblems {
    /// No problems?
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && !self.unclosed
    }
}

/// Checks a template's placeholders.
pub fn check(template: &str) -> TemplateProblems {
    let mut out = TemplateProblems::default();
    for piece in pieces(template) {
        match piece {
            Piece::Text(_) => {}
            Piece::Slot(inner) => {
                let (key, _) = split_slot(inner);
                if Placeholder::parse(key).is_none() && !out.unknown.iter().any(|k| k == key) {
                    out.unknown.push(key.to_owned());
                }
            }
            Piece::Unclosed(_) => out.unclosed = true,
        }
    }
    out
}

/// The placeholders a template uses, each once, in order of appearance.
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    for piece in pieces(template) {
        if let Piece::Slot(inner) = piece
            && let Some(p) = Placeholder::parse(split_slot(inner).0)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// Fills a template's placeholders from `cx` (see the module doc for missing values and
/// text that is not a placeholder).
pub fn render(template: &str, cx: &Context) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) | Piece::Unclosed(t) => out.push_str(t),
            Piece::Slot(inner) => {
                let (key, fallback) = split_slot(inner);
                match Placeholder::parse(key) {
                    Some(p) => out.push_str(cx.get(p).or(fallback).unwrap_or_default()),
                    None => {
                        out.push_str("{{");
                        out.push_str(inner);
                        out.push_str("}}");
                    }
                }
            }
        }
    }
    out
}

/// Whom a macro assigns the ticket to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", content = "agent", rename_all = "snake_case")]
pub enum AssignTo {
    /// The agent applying the macro.
    Me,
    /// This agent.
    Agent(AgentId),
    /// Nobody (unassign).
    Nobody,
}

/// What a macro changes on the ticket, in one change (nothing by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroActions {
    /// New status.
    #[serde(default)]
    pub status: Option<Status>,
    /// New priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// New owner.
    #[serde(default)]
    pub assign: Option<AssignTo>,
    /// Tags to add.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Tags to remove.
    #[serde(default)]
    pub remove_tags: Vec<String>,
}

impl MacroActions {
    /// Changes nothing?
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.assign.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
    }

    fn normalize(&mut self) {
        for list in [&mut self.add_tags, &mut self.remove_tags] {
            let mut seen: Vec<String> = Vec::with_capacity(list.len());
            for t in list.drain(..) {
                let t = t.trim().to_lowercase();
                if !t.is_empty() && !seen.contains(&t) {
                    seen.push(t);
                }
            }
            *list = seen;
        }
    }

    fn validate(&self, errs: &mut FieldErrors) {
        // Nothing moves a ticket back to `new`.
        if self.status == Some(Status::New) {
            errs.push("actions.status", "invalid");
        }
        for (field, list) in [
            ("actions.add_tags", &self.add_tags),
            ("actions.remove_tags", &self.remove_tags),
        ] {
            if list.len() > MAX_MACRO_TAGS {
                errs.push(field, "too_long");
            } else if list
                .iter()
                .any(|t| t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control))
            {
                errs.push(field, "invalid");
            }
        }
        if self.add_tags.iter().any(|t| self.remove_tags.contains(t)) {
            errs.push("actions.remove_tags", "invalid");
        }
    }
}

/// A canned response as edited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedDraft {
    /// What the picker shows.
    pub title: String,
    /// The template (may be empty for a macro that only changes the ticket).
    pub body: String,
    /// Typed after `/` in the composer to find it (`thanks`); empty: none.
    #[serde(default)]
    pub shortcut: String,
    /// Shared with the whole team (managed by managers) rather than personal.
    #[serde(default)]
    pub shared: bool,
    /// Applied with it.
    #[serde(default)]
    pub actions: MacroActions,
}

impl CannedDraft {
    /// Trims, lowercases the shortcut and the tags, drops a leading `/` of the shortcut and
    /// duplicate tags.
    pub fn normalize(&mut self) {
        self.title = self.title.trim().to_owned();
        self.body = self.body.trim().to_owned();
        self.shortcut = self
            .shortcut
            .trim()
            .trim_start_matches('/')
            .trim()
            .to_lowercase();
        self.actions.normalize();
    }

    /// Field errors: `title`, `body` (`required`, `too_long`, `unknown_placeholder:<name>`,
    /// `unclosed_placeholder`), `shortcut`, `actions.status`, `actions.add_tags`,
    /// `actions.remove_tags`. Call on a normalized draft.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::default();
        if self.title.trim().is_empty() {
            errs.push("title", "required");
        } else if self.title.chars().count() > MAX_TITLE_CHARS {
            errs.push("title", "too_long");
        }
        if self.body.trim().is_empty() {
            if self.actions.is_empty() {
                errs.push("body", "required");
            }
        } else if self.body.chars().count() > MAX_BODY_CHARS {
            errs.push("body", "too_long");
        } else {
            let problems = check(&self.body);
            for name in &problems.unknown {
                errs.push("body", &format!("unknown_placeholder:{name}"));
            }
            if problems.unclosed {
                errs.push("body", "unclosed_placeholder");
            }
        }
        if self.shortcut.chars().count() > MAX_SHORTCUT_CHARS {
            errs.push("shortcut", "too_long");
        } else if !self
            .shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            errs.push("shortcut", "invalid");
        }
        self.actions.validate(&mut errs);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

/// A stored canned response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponse {
    /// Id.
    pub id: CannedId,
    /// Whose personal response it is; `None`: shared with the team.
    pub owner: Option<AgentId>,
    /// What the picker shows.
    pub title: String,
    /// The template.
    pub body: String,
    /// Composer shortcut (empty: none).
    pub shortcut: String,
    /// Macro actions (empty: text only).
    pub actions: MacroActions,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

impl CannedResponse {
    /// Shared with the team?
    pub fn is_shared(&self) -> bool {
        self.owner.is_none()
    }

    /// May `agent` see (and use) it: shared, or their own.
    pub fn visible_to(&self, agent: AgentId) -> bool {
        self.owner.is_none_or(|o| o == agent)
    }

    /// The draft it was saved from.
    pub fn draft(&self) -> CannedDraft {
        CannedDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            shortcut: self.shortcut.clone(),
            shared: self.is_shared(),
            actions: self.actions.clone(),
        }
    }
}

/// Text folded for matching: lowercase, `ё` as `е`.
fn fold(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

/// What [`search`] reads of a response (the stored one, or a screen's row of it).
pub trait Searchable {
    /// Id (the last tie-breaker).
    fn id(&self) -> CannedId;
    /// Title.
    fn title(&self) -> &str;
    /// Shortcut (empty: none).
    fn shortcut(&self) -> &str;
    /// Template.
    fn body(&self) -> &str;
}

impl Searchable for CannedResponse {
    fn id(&self) -> CannedId {
        self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn shortcut(&self) -> &str {
        &self.shortcut
    }
    fn body(&self) -> &str {
        &self.body
    }
}

/// The responses matching `query`, best first: every word of the query must occur in the
/// shortcut, title or body (case-insensitive); ranked by exact shortcut, shortcut prefix,
/// title prefix, words all in the title, then the rest, each rank by title. A leading `/`
/// of the query is ignored; an empty query returns everything by title.
pub fn search<'a, T: Searchable>(list: &'a [T], query: &str) -> Vec<&'a T> {
    let q = fold(query.trim().trim_start_matches('/').trim());
    let words: Vec<&str> = q.split_whitespace().collect();
    let mut hits: Vec<(u8, String, CannedId, &T)> = list
        .iter()
        .filter_map(|c| {
            let title = fold(c.title());
            let shortcut = fold(c.shortcut());
            let body = fold(c.body());
            let all_in = |text: &str| words.iter().all(|w| text.contains(w));
            let rank = if words.is_empty() {
                4
            } else if !shortcut.is_empty() && shortcut == q {
                0
            } else if !shortcut.is_empty() && shortcut.starts_with(&q) {
                1
            } else if title.starts_with(&q) {
                2
            } else if all_in(&title) {
                3
            } else if words
                .iter()
                .all(|w| title.contains(w) || shortcut.contains(w) || body.contains(w))
            {
                4
            } else {
                return None;
            };
            Some((rank, title, c.id(), c))
        })
        .collect();
    hits.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    hits.into_iter().map(|h| h.3).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ContactId, EmailAddress, GroupId, PhoneE164};

    fn cx() -> Context {
        let t = crate::ticket::tests::ticket();
        let contact = Contact {
            id: ContactId(3),
            name: "Анна Петрова".into(),
            handles: vec![
                Handle::Phone(PhoneE164::parse("+79161234567").unwrap()),
                Handle::Email(EmailAddress::parse("anna@example.ru").unwrap()),
            ],
        };
        let agent = Agent {
            id: AgentId(7),
            email: EmailAddress::parse("ivan@team.ru").unwrap(),
            name: "Иван Смирнов".into(),
            role: crate::actor::Role::Agent,
            lang: Lang::Ru,
        };
        let group = Group {
            id: GroupId(2),
            name: "Оплата".into(),
        };
        Context::for_ticket(&t, Some(&contact), Some(&agent), Some(&group))
    }

    #[test]
    fn every_placeholder_renders_from_the_ticket() {
        let body = Placeholder::ALL
            .iter()
            .map(|p| p.token())
            .collect::<Vec<_>>()
            .join("|");
        assert_eq!(
            render(&body, &cx()),
            "Анна Петрова|Анна|anna@example.ru|+79161234567|LL-1001|Не работает оплата|\
             Иван Смирнов|Иван|ivan@team.ru|Оплата"
        );
        for p in Placeholder::ALL {
            assert_eq!(Placeholder::parse(p.key()), Some(p));
        }
    }

    #[test]
    fn whitespace_case_and_repeats() {
        let t = "Здравствуйте, {{ customer.first_name }}! Обращение {{TICKET.NUMBER}} \
                 ({{ticket.number}}), {{customer.first_name}}.";
        assert_eq!(
            render(t, &cx()),
            "Здравствуйте, Анна! Обращение LL-1001 (LL-1001), Анна."
        );
        assert_eq!(
            placeholders(t),
            vec![Placeholder::CustomerFirstName, Placeholder::TicketNumber]
        );
        assert!(check(t).is_empty());
    }

    #[test]
    fn missing_values_are_empty_or_the_fallback() {
        let t = crate::ticket::tests::ticket();
        let bare = Context::for_ticket(&t, None, None, None);
        assert_eq!(
            render("Hi {{customer.name}}, {{group.name}}.", &bare),
            "Hi , ."
        );
        assert_eq!(
            render("Привет, {{ customer.first_name | клиент }}!", &bare),
            "Привет, клиент!"
        );
        // A known value wins over the fallback.
        assert_eq!(
            render("Привет, {{ customer.first_name | клиент }}!", &cx()),
            "Привет, Анна!"
        );
        // A blank name is missing, not a space.
        let mut c = Context::default();
        c.set(Placeholder::CustomerName, "   ");
        assert_eq!(c.get(Placeholder::CustomerName), None);
    }

    #[test]
    fn unknown_and_unclosed_placeholders() {
        let t = "A {{customer.age}} B {{ nope | x }} C {{customer.age}} D {{}}";
        assert_eq!(
            check(t).unknown,
            vec!["customer.age".to_owned(), "nope".to_owned(), String::new()]
        );
        assert!(!check(t).unclosed);
        // Rendering keeps what is not a placeholder as written.
        assert_eq!(render(t, &cx()), t);
        let open = "Номер {{ticket.number}}, имя {{customer.name";
        assert!(check(open).unclosed);
        assert!(check(open).unknown.is_empty());
        assert_eq!(render(open, &cx()), "Номер LL-1001, имя {{customer.name");
        // Single braces are text.
        assert!(check("{customer.name} }} {").is_empty());
        assert_eq!(render("{x} }}", &cx()), "{x} }}");
    }

    fn draft(title: &str, body: &str) -> CannedDraft {
        CannedDraft {
            title: title.into(),
            body: body.into(),
            ..CannedDraft::default()
        }
    }

    fn codes(d: &CannedDraft) -> Vec<(String, String)> {
        d.validate()
            .err()
            .unwrap_or_default()
            .0
            .into_iter()
            .map(|f| (f.field, f.code))
            .collect()
    }

    #[test]
    fn drafts_are_checked_at_the_edge() {
        let ok = draft("Спасибо", "Спасибо, {{customer.first_name}}!");
        assert!(ok.validate().is_ok());
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(&draft("", "")),
            pairs(&[("title", "required"), ("body", "required")])
        );
        assert_eq!(
            codes(&draft(&"я".repeat(121), &"б".repeat(MAX_BODY_CHARS + 1))),
            pairs(&[("title", "too_long"), ("body", "too_long")])
        );
        assert!(
            draft(&"я".repeat(120), &"б".repeat(MAX_BODY_CHARS))
                .validate()
                .is_ok()
        );
        assert_eq!(
            codes(&draft("x", "{{customer.phone_number}} {{customer.name")),
            pairs(&[
                ("body", "unknown_placeholder:customer.phone_number"),
                ("body", "unclosed_placeholder")
            ])
        );
        let mut s = draft("x", "y");
        s.shortcut = " /Спасибо ".into();
        s.normalize();
        assert_eq!(s.shortcut, "спасибо");
        assert!(s.validate().is_ok());
        s.shortcut = "two words".into();
        assert_eq!(codes(&s), pairs(&[("shortcut", "invalid")]));
    }

    #[test]
    fn macros_may_have_no_text_and_tags_normalize() {
        let mut m = draft("Закрыть как спам", "");
        m.actions = MacroActions {
            status: Some(Status::Resolved),
            add_tags: vec![" Спам ".into(), "спам".into(), "".into()],
            ..MacroActions::default()
        };
        m.normalize();
        assert_eq!(m.actions.add_tags, vec!["спам".to_owned()]);
        assert!(m.validate().is_ok());
        m.actions.status = Some(Status::New);
        m.actions.remove_tags = vec!["спам".into()];
        m.actions.add_tags.push("x".repeat(MAX_TAG_CHARS + 1));
        assert_eq!(
            codes(&m)
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>(),
            ["actions.status", "actions.add_tags", "actions.remove_tags"]
        );
        let json = serde_json::to_string(&MacroActions {
            assign: Some(AssignTo::Agent(AgentId(4))),
            ..MacroActions::default()
        })
        .unwrap();
        assert!(
            json.contains(r#""assign":{"to":"agent","agent":4}"#),
            "{json}"
        );
    }

    fn canned(id: i64, title: &str, shortcut: &str, body: &str) -> CannedResponse {
        CannedResponse {
            id: CannedId(id),
            owner: None,
            title: title.into(),
            body: body.into(),
            shortcut: shortcut.into(),
            actions: MacroActions::default(),
            updated_at: crate::ticket::tests::t0(),
        }
    }

    #[test]
    fn search_is_case_insensitive_in_russian_and_ranks() {
        let list = vec![
            canned(
                1,
                "Возврат денег",
                "refund",
                "Деньги вернутся в течение 10 дней.",
            ),
            canned(
                2,
                "Спасибо за обращение",
                "thanks",
                "Рады помочь, {{customer.name}}.",
            ),
            canned(3, "Ещё вопрос", "", "Уточните НОМЕР заказа, пожалуйста."),
            canned(4, "Доставка", "ship", "Заказ в пути; возврат возможен."),
        ];
        let ids = |q: &str| search(&list, q).iter().map(|c| c.id.0).collect::<Vec<_>>();
        assert_eq!(ids(""), [1, 4, 3, 2]);
        assert_eq!(ids("/thanks"), [2]);
        assert_eq!(ids("ВОЗВРАТ"), [1, 4]);
        assert_eq!(ids("номер"), [3]);
        assert_eq!(ids("еще"), [3], "ё folds to е");
        assert_eq!(ids("заказ пожалуйста"), [3]);
        assert_eq!(ids("re"), [1], "shortcut prefix");
        assert!(ids("нет такого").is_empty());
    }

    #[test]
    fn visibility_and_draft_round_trip() {
        let mut c = canned(1, "x", "", "y");
        assert!(c.visible_to(AgentId(1)) && c.draft().shared);
        c.owner = Some(AgentId(2));
        assert!(c.visible_to(AgentId(2)) && !c.visible_to(AgentId(1)));
        assert!(!c.draft().shared);
    }
}
