//! Full-text search (issue 6): what is indexed, how a query is read, how hits are shown, and
//! the saved views agents keep.
//!
//! **One normalisation for both databases.** Every indexed text and every query word goes
//! through the rules' tokeniser and stemmer ([`crate::rules::stem`]): `заказ/заказы/заказа`,
//! `возврат/возврата/возвратом`, `оплата/оплатил`, `order/orders`, `refund/refunded` meet.
//! [`index_terms`] turns a text into space-separated terms (stems, numbers kept, words longer
//! than [`MAX_TERM_CHARS`] dropped, at most [`MAX_INDEX_TERMS`], then one extra term per phone
//! number found, its E.164 digits). The store writes exactly those terms: SQLite into FTS5
//! tables with the `ascii` tokenizer (spaces split, nothing else changes a term), PostgreSQL
//! as a `tsvector` literal ([`tsvector_literal`]: lexemes and positions given, no parser or
//! dictionary in between). A query is rendered for each ([`TextQuery::fts5`],
//! [`TextQuery::tsquery`]) from the same terms, so both databases answer the same.
//!
//! **Documents.** A ticket's first message is indexed together with the ticket's subject
//! (subject first); every later message, internal notes included, is a document of its own;
//! a contact is one document of its name, email addresses and phone numbers. A ticket
//! matches when one of its documents holds every clause of the query.
//!
//! **Query language** ([`parse_query`]): words (stemmed; all must match), `"quoted phrases"`
//! (or «…»: the words next to each other in this order), `word*` (terms starting with the
//! word's stem, at least [`MIN_PREFIX_CHARS`] letters), a phone number in any common notation, and
//! filters `status:open,pending`, `priority:high`, `channel:email`, `group:Name` (or
//! `group:"Second line"`), `assignee:me|none|email`, `tag:x`, `from:email|phone` (Russian
//! keys too: `статус:`, `приоритет:`, `канал:`, `группа:`, `исполнитель:`, `тег:`, `от:`).
//! `#1042` or `LL-1042` (this installation's prefix) names a ticket, which the search jumps
//! to. Single words that are Russian or English stop words (`и`, `в`, `the`, …) are ignored
//! unless the query has nothing else.
//!
//! Invariants:
//! - the functions are pure and total; [`parse_query`] refuses with field errors, never
//!   panics: `q` (`required`, `too_long`), `q.<key>` (`unknown` key, `invalid` value);
//! - every term is a non-empty run of lowercase letters and digits without spaces, quotes or
//!   backslashes (what [`crate::rules::stem::words`] yields), so the FTS5 and tsquery texts
//!   need no other escaping than the quoting they get; positions never exceed 16 383
//!   (PostgreSQL's limit), the highest being [`MAX_INDEX_TERMS`] + [`MAX_PHONES`];
//! - highlighting ([`highlight`], [`snippet`]) marks exactly the words whose stem is a query
//!   term or starts with a query prefix; text is never interpreted as markup.
//!
//! Known limits: PostgreSQL keeps at most 256 positions of one lexeme, so a phrase that only
//! occurs past the 256th repetition of one of its words matches on SQLite alone; words of
//! scripts whose letters are neither alphabetic nor numeric to Unicode are separators.

use crate::contact::Handle;
use crate::error::FieldErrors;
use crate::ids::{
    AgentId, ContactId, EmailAddress, GroupId, MessageId, NumberPrefix, PhoneE164, TicketNumber,
};
use crate::message::Visibility;
use crate::rules::stem;
use crate::ticket::{Channel, Priority, Status, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::Range;

/// Words longer than this (in characters) are neither indexed nor searched.
pub const MAX_TERM_CHARS: usize = 64;
/// At most this many words of one document are indexed (the rest is not searchable).
pub const MAX_INDEX_TERMS: usize = 16_000;
/// At most this many phone numbers of one document are indexed.
pub const MAX_PHONES: usize = 64;
/// The longest query (characters).
pub const MAX_QUERY_CHARS: usize = 500;
/// The most clauses (words, phrases, filters) in one query.
pub const MAX_CLAUSES: usize = 24;
/// A prefix (`word*`) needs at least this many letters; shorter ones are plain words.
pub const MIN_PREFIX_CHARS: usize = 2;
/// The longest saved view name (characters).
pub const MAX_VIEW_NAME_CHARS: usize = 80;

// ---------------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------------

/// The terms of a text as the index stores them: space-separated stems in text order, then
/// the E.164 digits of each phone number found (see the module doc).
pub fn index_terms(text: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for w in stem::words(text) {
        if n == MAX_INDEX_TERMS {
            break;
        }
        if w.chars().count() > MAX_TERM_CHARS {
            continue;
        }
        push_term(&mut out, &stem::stem(&w));
        n += 1;
    }
    for p in phones(text) {
        push_term(&mut out, &p);
    }
    out
}

/// The terms of a message: with the ticket's subject first when it is the ticket's first
/// message.
pub fn message_terms(subject: Option<&str>, body: &str) -> String {
    match subject {
        Some(s) => index_terms(&format!("{s}\n{body}")),
        None => index_terms(body),
    }
}

/// The terms of a contact: name, then handles (an email address as its words, so a quoted or
/// typed address matches as a phrase; a phone number as its E.164 digits), then the name's
/// words unstemmed where that differs: a light stemmer cuts `Смирнов` to `смирн` but
/// `Смирнова`, `Смирнову` to `смирнов`, so the whole word lets every case form find the name.
pub fn contact_terms(name: &str, handles: &[Handle]) -> String {
    let mut text = name.to_owned();
    for h in handles {
        text.push('\n');
        text.push_str(h.value());
    }
    let mut out = index_terms(&text);
    for w in stem::words(name) {
        if w.chars().count() <= MAX_TERM_CHARS && stem::stem(&w) != w {
            push_term(&mut out, &w);
        }
    }
    out
}

fn push_term(out: &mut String, t: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(t);
}

/// A PostgreSQL `tsvector` literal of `terms` (space-separated, as [`index_terms`] makes
/// them): each distinct term with its 1-based positions, capped as PostgreSQL caps them
/// (positions up to 16 383, 256 per lexeme), lexemes quoted.
pub fn tsvector_literal(terms: &str) -> String {
    let mut at: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in terms.split(' ').filter(|t| !t.is_empty()).enumerate() {
        let pos = at.entry(t).or_default();
        if pos.len() < 256 {
            pos.push((i + 1).min(16_383));
        }
    }
    let mut out = String::new();
    for (t, pos) in at {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&quote_lexeme(t));
        out.push(':');
        for (k, p) in pos.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            let _ = write!(out, "{p}");
        }
    }
    out
}

/// A lexeme in single quotes (quotes doubled, backslashes escaped), for tsvector and tsquery.
fn quote_lexeme(t: &str) -> String {
    format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))
}

/// The E.164 digits (no `+`) of every phone number in `text`: a run of digits with single
/// spaces, `-`, `.`, `(`, `)` and a leading `+`, not glued to a letter, holding 10–15 digits
/// that [`PhoneE164::parse`] accepts (so `8 912 345-67-89` gives `79123456789`).
pub fn phones(text: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_PHONES {
        let (start, c) = chars[i];
        let glued = i > 0 && chars[i - 1].1.is_alphanumeric();
        if glued || !(c == '+' || c == '(' || c.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut digits = 0;
        let mut last_digit = None;
        let mut prev_space = false;
        let mut j = i;
        while j < chars.len() {
            let ch = chars[j].1;
            if ch.is_ascii_digit() {
                digits += 1;
                last_digit = Some(j);
                prev_space = false;
            } else if ch == ' ' {
                if prev_space {
                    break;
                }
                prev_space = true;
            } else if matches!(ch, '-' | '.' | '(' | ')') || (ch == '+' && j == i) {
                prev_space = false;
            } else {
                break;
            }
            j += 1;
        }
        let Some(e) = last_digit else {
            i += 1;
            continue;
        };
        let glued_after = chars.get(e + 1).is_some_and(|(_, c)| c.is_alphanumeric());
        if (10..=15).contains(&digits) && !glued_after {
            let end = chars[e].0 + chars[e].1.len_utf8();
            if let Ok(p) = PhoneE164::parse(&text[start..end]) {
                out.push(p.as_str().trim_start_matches('+').to_owned());
            }
        }
        i = e + 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// Terms that must stand next to each other in this order (one term: a plain word); the last
/// one is a prefix when `prefix` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Phrase {
    /// The terms (stems; a prefix is the stem of the word typed before `*`).
    pub terms: Vec<String>,
    /// The last term is a prefix.
    pub prefix: bool,
}

/// One condition on a document: any of its phrases occurs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Clause {
    /// The alternatives (never empty).
    pub any_of: Vec<Phrase>,
}

/// The full-text part of a query: every clause holds in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextQuery {
    /// The clauses (empty: no full-text condition).
    pub clauses: Vec<Clause>,
}

impl TextQuery {
    /// No full-text condition?
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The FTS5 `MATCH` text: `"a" AND ("7 912" OR "79123") AND "pre"*`.
    pub fn fts5(&self) -> String {
        let phrase = |p: &Phrase| {
            let mut s = format!("\"{}\"", p.terms.join(" ").replace('"', "\"\""));
            if p.prefix {
                s.push('*');
            }
            s
        };
        self.clauses
            .iter()
            .map(|c| match c.any_of.as_slice() {
                [one] => phrase(one),
                many => format!(
                    "({})",
                    many.iter().map(phrase).collect::<Vec<_>>().join(" OR ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The PostgreSQL `tsquery` text (cast with `::tsquery`, no parsing of the terms):
    /// `'a' & ('7' <-> '912' | '79123') & 'pre':*`.
    pub fn tsquery(&self) -> String {
        let phrase = |p: &Phrase| {
            let n = p.terms.len();
            let parts: Vec<String> = p
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut s = quote_lexeme(t);
                    if p.prefix && i + 1 == n {
                        s.push_str(":*");
                    }
                    s
                })
                .collect();
            if n > 1 {
                format!("({})", parts.join(" <-> "))
            } else {
                parts.join("")
            }
        };
        self.clauses
            .iter()
            .map(|c| match c.any_of.as_slice() {
                [one] => phrase(one),
                many => format!(
                    "({})",
                    many.iter().map(phrase).collect::<Vec<_>>().join(" | ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// The stems and prefixes to highlight.
    fn marks(&self) -> Marks {
        let mut m = Marks::default();
        for p in self.clauses.iter().flat_map(|c| &c.any_of) {
            for (i, t) in p.terms.iter().enumerate() {
                if p.prefix && i + 1 == p.terms.len() {
                    m.prefixes.insert(t.clone());
                } else {
                    m.stems.insert(t.clone());
                }
            }
        }
        m
    }
}

/// A ticket named in a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberRef {
    /// `LL-1042`.
    Full(TicketNumber),
    /// `#1042`: the sequence under this installation's prefix.
    Seq(i64),
}

impl NumberRef {
    /// The full number under `prefix`.
    pub fn resolve(&self, prefix: &NumberPrefix) -> TicketNumber {
        match self {
            NumberRef::Full(n) => n.clone(),
            NumberRef::Seq(s) => TicketNumber::new(prefix, *s),
        }
    }
}

/// Whose tickets `assignee:` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeRef {
    /// The agent searching.
    Me,
    /// Nobody (unassigned).
    Nobody,
    /// The agent with this sign-in address.
    Email(EmailAddress),
}

/// A parsed query, before names and addresses are looked up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Words and phrases.
    pub text: TextQuery,
    /// Any of these statuses (empty: any).
    pub statuses: Vec<Status>,
    /// Any of these priorities (empty: any).
    pub priorities: Vec<Priority>,
    /// Any of these channels (empty: any).
    pub channels: Vec<Channel>,
    /// Any of the groups with these names (case-insensitive; empty: any).
    pub groups: Vec<String>,
    /// Any of these owners (empty: anyone or nobody).
    pub assignees: Vec<AssigneeRef>,
    /// Every one of these tags.
    pub tags: Vec<String>,
    /// The customer has any of these handles (empty: any customer).
    pub from: Vec<Handle>,
    /// A ticket named by number.
    pub number: Option<NumberRef>,
}

impl SearchQuery {
    /// Nothing at all to search for?
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && !self.has_filters() && self.number.is_none()
    }
    /// Any filter (status, priority, …, from)?
    pub fn has_filters(&self) -> bool {
        !(self.statuses.is_empty()
            && self.priorities.is_empty()
            && self.channels.is_empty()
            && self.groups.is_empty()
            && self.assignees.is_empty()
            && self.tags.is_empty()
            && self.from.is_empty())
    }
}

/// One piece of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chunk {
    /// A bare word (may hold punctuation: `ivan@example.com`, `covid-19`, `word*`).
    Word(String),
    /// `"a quoted phrase"`.
    Quoted(String),
    /// `key:value` (the value unquoted).
    Filter(String, String),
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '«' => Some('»'),
        '“' => Some('”'),
        '„' => Some('“'),
        _ => None,
    }
}

/// Reads a quoted text starting after `open`; an unterminated quote runs to the end.
fn read_quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, open: char) -> String {
    let close = closing_quote(open).unwrap_or('"');
    let mut s = String::new();
    for c in chars.by_ref() {
        if c == close || (open != '"' && c == '"') {
            break;
        }
        s.push(c);
    }
    s
}

/// Is `key` a filter key shape (letters only)?
fn looks_like_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(char::is_alphabetic)
}

/// Splits the input into words, quoted phrases and `key:value` filters.
fn chunks(input: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if closing_quote(c).is_some() {
            chars.next();
            out.push(Chunk::Quoted(read_quoted(&mut chars, c)));
            continue;
        }
        let mut run = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || closing_quote(c).is_some() {
                break;
            }
            run.push(c);
            chars.next();
        }
        match run.split_once(':') {
            Some((key, "")) if looks_like_key(key) => {
                match chars
                    .peek()
                    .copied()
                    .filter(|q| closing_quote(*q).is_some())
                {
                    Some(q) => {
                        chars.next();
                        let value = read_quoted(&mut chars, q);
                        out.push(Chunk::Filter(key.to_owned(), value));
                    }
                    // "Re:" and the like: a word.
                    None => out.push(Chunk::Word(run)),
                }
            }
            Some((key, value)) if looks_like_key(key) && !value.starts_with('/') => {
                out.push(Chunk::Filter(key.to_owned(), value.to_owned()));
            }
            _ => out.push(Chunk::Word(run)),
        }
    }
    out
}

/// The filter keys, with their Russian names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Status,
    Priority,
    Channel,
    Group,
    Assignee,
    Tag,
    From,
}

impl Key {
    fn parse(raw: &str) -> Option<Key> {
        Some(match raw.to_lowercase().as_str() {
            "status" | "статус" => Key::Status,
            "priority" | "приоритет" => Key::Priority,
            "channel" | "канал" => Key::Channel,
            "group" | "группа" => Key::Group,
            "assignee" | "owner" | "исполнитель" | "ответственный" => {
                Key::Assignee
            }
            "tag" | "тег" | "метка" => Key::Tag,
            "from" | "от" => Key::From,
            _ => return None,
        })
    }
    fn field(self) -> &'static str {
        match self {
            Key::Status => "q.status",
            Key::Priority => "q.priority",
            Key::Channel => "q.channel",
            Key::Group => "q.group",
            Key::Assignee => "q.assignee",
            Key::Tag => "q.tag",
            Key::From => "q.from",
        }
    }
}

/// Does `value` name one of `aliases` (compared by stem, so word forms count)?
fn alias(value: &str, aliases: &[&str]) -> bool {
    let v = stem::stems(value);
    aliases.iter().any(|a| stem::stems(a) == v)
}

fn parse_status(v: &str) -> Option<Status> {
    Status::parse(v).or_else(|| {
        [
            (Status::New, &["новый", "новая", "новые"][..]),
            (
                Status::Open,
                &["открыт", "открытый", "открытые", "открыто"][..],
            ),
            (Status::Pending, &["ожидает", "ожидание", "ожидающие"][..]),
            (
                Status::Resolved,
                &["решен", "решена", "решено", "решенные"][..],
            ),
            (
                Status::Closed,
                &["закрыт", "закрытый", "закрытые", "закрыто"][..],
            ),
        ]
        .into_iter()
        .find(|(_, a)| alias(v, a))
        .map(|(s, _)| s)
    })
}

fn parse_priority(v: &str) -> Option<Priority> {
    Priority::parse(v).or_else(|| {
        [
            (Priority::Low, &["низкий"][..]),
            (Priority::Normal, &["обычный", "нормальный"][..]),
            (Priority::High, &["высокий"][..]),
            (Priority::Urgent, &["срочный"][..]),
        ]
        .into_iter()
        .find(|(_, a)| alias(v, a))
        .map(|(p, _)| p)
    })
}

fn parse_channel(v: &str) -> Option<Channel> {
    let alias = match v {
        "web" | "form" | "webform" | "форма" | "сайт" => Some(Channel::WebForm),
        "mail" | "почта" => Some(Channel::Email),
        "агент" => Some(Channel::Agent),
        _ => None,
    };
    Channel::parse(v).or(alias)
}

/// Single words ignored in a query that has anything else.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "the", "to", "was", "with", "а", "без", "бы", "в", "во", "вот", "да", "для", "до", "же",
    "за", "и", "из", "или", "к", "как", "ко", "ли", "мы", "на", "над", "не", "нет", "ни", "но",
    "о", "об", "от", "по", "под", "при", "про", "с", "со", "так", "то", "у", "уже", "что", "я",
];

/// Reads a query (see the module doc). `prefix` is this installation's ticket number prefix.
pub fn parse_query(input: &str, prefix: &NumberPrefix) -> Result<SearchQuery, FieldErrors> {
    let mut errs = FieldErrors::default();
    if input.chars().count() > MAX_QUERY_CHARS {
        errs.push("q", "too_long");
        return Err(errs);
    }
    let mut q = SearchQuery::default();
    // (clause, is a lone stop word)
    let mut clauses: Vec<(Clause, bool)> = Vec::new();
    let mut pieces = chunks(input).into_iter().peekable();
    let mut count = 0;
    while let Some(chunk) = pieces.next() {
        count += 1;
        match chunk {
            Chunk::Filter(key, value) => {
                let Some(k) = Key::parse(&key) else {
                    errs.push(&format!("q.{}", key.to_lowercase()), "unknown");
                    continue;
                };
                filter(&mut q, &mut errs, k, value.trim());
            }
            Chunk::Quoted(text) => {
                let terms: Vec<String> = stem::words(&text)
                    .iter()
                    .filter(|w| w.chars().count() <= MAX_TERM_CHARS)
                    .map(|w| stem::stem(w))
                    .collect();
                if !terms.is_empty() {
                    clauses.push((one(terms, false), false));
                }
            }
            Chunk::Word(w) => {
                if let Some(n) = number(&w, prefix) {
                    q.number = Some(n);
                    continue;
                }
                if phoneish(&w) {
                    // Consecutive number groups may spell one phone number: `+7 912 345-67-89`.
                    let mut group = vec![w];
                    while let Some(Chunk::Word(next)) = pieces.peek() {
                        if !phoneish(next) {
                            break;
                        }
                        if let Some(Chunk::Word(next)) = pieces.next() {
                            group.push(next);
                        }
                    }
                    let joined = group.join(" ");
                    match phones(&joined).as_slice() {
                        [p] if phones_span_all(&joined) => {
                            let words = word_terms(&joined);
                            let mut any_of = vec![Phrase {
                                terms: vec![p.clone()],
                                prefix: false,
                            }];
                            if !words.is_empty() && words != [p.clone()] {
                                any_of.push(Phrase {
                                    terms: words,
                                    prefix: false,
                                });
                            }
                            clauses.push((Clause { any_of }, false));
                        }
                        _ => {
                            for g in group {
                                if let Some(c) = word_clause(&g) {
                                    clauses.push(c);
                                }
                            }
                        }
                    }
                    continue;
                }
                if let Some(c) = word_clause(&w) {
                    clauses.push(c);
                }
            }
        }
    }
    if count > MAX_CLAUSES {
        errs.push("q", "too_long");
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let any_real = clauses.iter().any(|(_, stop)| !stop);
    let mut seen = BTreeSet::new();
    q.text.clauses = clauses
        .into_iter()
        .filter(|(_, stop)| !stop || !any_real)
        .map(|(c, _)| c)
        .filter(|c| seen.insert(c.clone()))
        .collect();
    if q.is_empty() {
        errs.push("q", "required");
        return Err(errs);
    }
    Ok(q)
}

/// A one-phrase clause.
fn one(terms: Vec<String>, prefix: bool) -> Clause {
    Clause {
        any_of: vec![Phrase { terms, prefix }],
    }
}

/// The stems of a text's words (too long ones dropped).
fn word_terms(text: &str) -> Vec<String> {
    stem::words(text)
        .iter()
        .filter(|w| w.chars().count() <= MAX_TERM_CHARS)
        .map(|w| stem::stem(w))
        .collect()
}

/// A bare word's clause (a phrase when it holds several words, a prefix with `*`), with
/// whether it is a lone stop word; `None` when it holds no word.
fn word_clause(w: &str) -> Option<(Clause, bool)> {
    let (body, star) = match w.strip_suffix('*') {
        Some(b) => (b, true),
        None => (w, false),
    };
    let words: Vec<String> = stem::words(body)
        .into_iter()
        .filter(|w| w.chars().count() <= MAX_TERM_CHARS)
        .collect();
    let (last, _) = words.split_last()?;
    let terms: Vec<String> = words.iter().map(|w| stem::stem(w)).collect();
    let prefix = star
        && terms
            .last()
            .is_some_and(|t| t.chars().count() >= MIN_PREFIX_CHARS);
    let stop = !prefix && words.len() == 1 && STOP_WORDS.contains(&last.as_str());
    Some((one(terms, prefix), stop))
}

/// Only digits and phone punctuation, with a digit.
fn phoneish(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')'))
}

/// Does the one phone number found in `text` cover all of its digits?
fn phones_span_all(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (10..=15).contains(&digits)
}

/// `#1042`, `#LL-1042` or `LL-1042` (this installation's prefix).
fn number(w: &str, prefix: &NumberPrefix) -> Option<NumberRef> {
    if let Some(d) = w.strip_prefix('#')
        && !d.is_empty()
        && d.bytes().all(|b| b.is_ascii_digit())
    {
        return d.parse().ok().filter(|s| *s > 0).map(NumberRef::Seq);
    }
    let n = TicketNumber::parse(w).ok()?;
    let wanted = format!("{}-", prefix.as_str());
    n.to_string()
        .starts_with(&wanted)
        .then_some(NumberRef::Full(n))
}

/// Applies one filter to the query, or records why it is refused.
fn filter(q: &mut SearchQuery, errs: &mut FieldErrors, k: Key, value: &str) {
    let bad = |errs: &mut FieldErrors| errs.push(k.field(), "invalid");
    if value.is_empty() {
        bad(errs);
        return;
    }
    let list = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
    match k {
        Key::Status => {
            for v in list() {
                match parse_status(&v.to_lowercase()) {
                    Some(s) if !q.statuses.contains(&s) => q.statuses.push(s),
                    Some(_) => {}
                    None => return bad(errs),
                }
            }
        }
        Key::Priority => {
            for v in list() {
                match parse_priority(&v.to_lowercase()) {
                    Some(p) if !q.priorities.contains(&p) => q.priorities.push(p),
                    Some(_) => {}
                    None => return bad(errs),
                }
            }
        }
        Key::Channel => {
            for v in list() {
                match parse_channel(&v.to_lowercase()) {
                    Some(c) if !q.channels.contains(&c) => q.channels.push(c),
                    Some(_) => {}
                    None => return bad(errs),
                }
            }
        }
        Key::Group => q.groups.push(value.to_owned()),
        Key::Assignee => {
            let a = match value.to_lowercase().as_str() {
                "me" | "я" | "мне" | "мои" => AssigneeRef::Me,
                "none" | "nobody" | "никто" | "нет" => AssigneeRef::Nobody,
                _ => match EmailAddress::parse(value) {
                    Ok(e) => AssigneeRef::Email(e),
                    Err(_) => return bad(errs),
                },
            };
            if !q.assignees.contains(&a) {
                q.assignees.push(a);
            }
        }
        Key::Tag => {
            let tag = value.to_lowercase();
            if tag.chars().count() > crate::ticket::MAX_TAG_CHARS
                || tag.chars().any(char::is_control)
            {
                return bad(errs);
            }
            if !q.tags.contains(&tag) {
                q.tags.push(tag);
            }
        }
        Key::From => {
            let h = if let Ok(e) = EmailAddress::parse(value) {
                Handle::Email(e)
            } else if let Ok(p) = PhoneE164::parse(value) {
                Handle::Phone(p)
            } else {
                return bad(errs);
            };
            if !q.from.contains(&h) {
                q.from.push(h);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the store answers
// ---------------------------------------------------------------------------------------------

/// An owner a ticket search asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeIs {
    /// This agent.
    Agent(AgentId),
    /// Nobody.
    Nobody,
}

/// A ticket search with every name looked up, as the store runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSearch {
    /// Words and phrases (empty: filters only, newest tickets first).
    pub text: TextQuery,
    /// Any of these statuses (empty: any).
    pub statuses: Vec<Status>,
    /// Any of these priorities (empty: any).
    pub priorities: Vec<Priority>,
    /// Any of these channels (empty: any).
    pub channels: Vec<Channel>,
    /// Any of these groups (empty: any).
    pub groups: Vec<GroupId>,
    /// Any of these owners (empty: any).
    pub assignees: Vec<AssigneeIs>,
    /// Every one of these tags.
    pub tags: Vec<String>,
    /// Any of these customers (empty: any).
    pub contacts: Vec<ContactId>,
    /// Search internal notes too.
    pub include_internal: bool,
    /// At most this many tickets.
    pub limit: i64,
    /// Leave out the tickets of these groups (restricted groups the searching agent is not
    /// in; see [`crate::visibility`]).
    #[serde(default)]
    pub hidden_groups: Vec<GroupId>,
}

/// The message a ticket was found by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitMessage {
    /// Id.
    pub id: MessageId,
    /// Its text.
    pub body: String,
    /// Public, or an internal note.
    pub visibility: Visibility,
}

/// One ticket found. With words, tickets come by their newest matching message, newest
/// first; with filters only, newest ticket first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketHit {
    /// The ticket.
    pub ticket: Ticket,
    /// The customer's name.
    pub contact_name: String,
    /// Its newest message holding every clause (`None` with filters only).
    pub message: Option<HitMessage>,
}

// ---------------------------------------------------------------------------------------------
// Highlighting
// ---------------------------------------------------------------------------------------------

/// A piece of shown text; `hit` pieces are what the query matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    /// The text.
    pub text: String,
    /// Matched by the query.
    pub hit: bool,
}

#[derive(Debug, Default)]
struct Marks {
    stems: BTreeSet<String>,
    prefixes: BTreeSet<String>,
}

impl Marks {
    fn hits(&self, word: &str) -> bool {
        stem::words(word).iter().any(|w| {
            let s = stem::stem(w);
            self.stems.contains(&s) || self.prefixes.iter().any(|p| s.starts_with(p.as_str()))
        })
    }
}

/// Is `c` part of a word for [`stem::words`] (alone; a combining mark never starts one)?
fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' => true,
        c if c.is_ascii() => false,
        c => c
            .to_lowercase()
            .all(|l| l.is_alphanumeric() || ('\u{0300}'..='\u{036f}').contains(&l)),
    }
}

/// Byte ranges of the words of `text` (the same words [`stem::words`] finds).
fn word_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// The ranges of `text` the query matches.
fn hit_spans(text: &str, q: &TextQuery) -> Vec<Range<usize>> {
    let marks = q.marks();
    word_spans(text)
        .into_iter()
        .filter(|r| marks.hits(&text[r.clone()]))
        .collect()
}

/// Cuts `text[window]` into fragments at `hits` (whitespace runs shown as one space).
fn fragments(text: &str, window: Range<usize>, hits: &[Range<usize>]) -> Vec<Fragment> {
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |s: &str, hit: bool| {
        let t = collapse_ws(s);
        if t.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&t),
            _ => out.push(Fragment { text: t, hit }),
        }
    };
    let mut at = window.start;
    for h in hits {
        let (s, e) = (h.start.max(window.start), h.end.min(window.end));
        if s >= e || s < at {
            continue;
        }
        push(&text[at..s], false);
        push(&text[s..e], true);
        at = e;
    }
    push(&text[at..window.end], false);
    out
}

fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !ws {
                out.push(' ');
            }
            ws = true;
        } else {
            out.push(c);
            ws = false;
        }
    }
    out
}

/// All of `text` with the words the query matches marked (a subject line).
pub fn highlight(text: &str, q: &TextQuery) -> Vec<Fragment> {
    fragments(text, 0..text.len(), &hit_spans(text, q))
}

/// About `width` characters of `text` around its first match (its start when nothing
/// matches), cut at word boundaries, `…` where text was left out, matches marked.
pub fn snippet(text: &str, q: &TextQuery, width: usize) -> Vec<Fragment> {
    let text = text.trim();
    let hits = hit_spans(text, q);
    let total = text.chars().count();
    if total <= width {
        return fragments(text, 0..text.len(), &hits);
    }
    let center = hits.first().map_or(0, |h| h.start);
    // Start about a third of the width before the match, at a word start.
    let before: Vec<usize> = text[..center].char_indices().map(|(i, _)| i).collect();
    let back = width / 3;
    let mut start = if before.len() > back {
        before[before.len() - back]
    } else {
        0
    };
    if start > 0
        && let Some(p) = text[start..center].find(char::is_whitespace)
    {
        start += p;
    }
    let mut end = text[start..]
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(i, _)| start + i);
    if end < text.len()
        && let Some(p) = text[start..end].rfind(char::is_whitespace)
        && start + p > center
    {
        end = start + p;
    }
    let mut out = fragments(text, start..end, &hits);
    if start > 0 {
        match out.first_mut() {
            Some(f) if !f.hit => f.text = format!("…{}", f.text.trim_start()),
            _ => out.insert(
                0,
                Fragment {
                    text: "…".to_owned(),
                    hit: false,
                },
            ),
        }
    }
    if end < text.len() {
        match out.last_mut() {
            Some(f) if !f.hit => f.text = format!("{}…", f.text.trim_end()),
            _ => out.push(Fragment {
                text: "…".to_owned(),
                hit: false,
            }),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Saved views
// ---------------------------------------------------------------------------------------------

/// Database id of a saved view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SavedViewId(pub i64);

impl std::fmt::Display for SavedViewId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A search an agent keeps, for themself or shared with a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    /// Id.
    pub id: SavedViewId,
    /// Name (trimmed, 1–[`MAX_VIEW_NAME_CHARS`] characters).
    pub name: String,
    /// The query text as typed (it parses).
    pub query: String,
    /// Who made it.
    pub owner: AgentId,
    /// Shared with this group's members (`None`: the owner's alone).
    pub group: Option<GroupId>,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
}

/// What is stored of a saved view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedViewDraft {
    /// Name.
    pub name: String,
    /// Query text.
    pub query: String,
    /// Owner.
    pub owner: AgentId,
    /// Shared with this group.
    pub group: Option<GroupId>,
}

impl SavedView {
    /// May this agent (with `manager` rights, member of `groups`) see it? Their own, those
    /// shared with one of their groups, and for managers every shared view.
    pub fn visible_to(&self, agent: AgentId, manager: bool, groups: &[GroupId]) -> bool {
        self.owner == agent || self.group.is_some_and(|g| manager || groups.contains(&g))
    }
    /// May this agent change or delete it? Its owner and managers (who can see it).
    pub fn editable_by(&self, agent: AgentId, manager: bool) -> bool {
        self.owner == agent || (manager && self.group.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::Status;

    fn p() -> NumberPrefix {
        NumberPrefix::default()
    }

    fn parse(s: &str) -> SearchQuery {
        parse_query(s, &p()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn errs(s: &str) -> Vec<(String, String)> {
        parse_query(s, &p())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    /// The terms of a text as a set (what a document holds).
    fn doc(text: &str) -> BTreeSet<String> {
        index_terms(text).split(' ').map(str::to_owned).collect()
    }

    /// Does a document of `text` match `q` (every clause: one phrase occurs)? The reference
    /// semantics both databases implement.
    fn matches(text: &str, q: &str) -> bool {
        matches_terms(&index_terms(text), q)
    }

    /// Does a document of these terms match `q`?
    fn matches_terms(terms: &str, q: &str) -> bool {
        let terms: Vec<String> = terms.split(' ').map(str::to_owned).collect();
        let tq = parse(q).text;
        tq.clauses.iter().all(|c| {
            c.any_of.iter().any(|ph| {
                (0..terms.len()).any(|i| {
                    ph.terms.iter().enumerate().all(|(k, t)| {
                        terms.get(i + k).is_some_and(|w| {
                            if ph.prefix && k + 1 == ph.terms.len() {
                                w.starts_with(t.as_str())
                            } else {
                                w == t
                            }
                        })
                    })
                })
            })
        })
    }

    #[test]
    fn russian_word_forms_meet() {
        let body = "Здравствуйте! Хочу вернуть деньги за возврата заказа №5512, оплатил картой.";
        for q in [
            "возврат",
            "возвратом",
            "заказ",
            "заказы",
            "оплата",
            "оплатить",
            "деньги",
            "деньгами",
            "возврат деньги",
        ] {
            assert!(matches(body, q), "{q}");
        }
        // Known misses of a light stemmer stay misses (documented in rules::stem).
        assert!(!matches(body, "денег"));
        assert!(!matches(body, "доставка"));
        // Every word must match, in the same document.
        assert!(!matches(body, "возврат доставка"));
    }

    #[test]
    fn english_word_forms_meet() {
        let body = "I ordered two chairs and was charged twice; please refund the payments.";
        for q in [
            "order",
            "orders",
            "ordering",
            "refunded",
            "payment",
            "charge chairs",
        ] {
            assert!(matches(body, q), "{q}");
        }
        assert!(!matches(body, "invoice"));
    }

    #[test]
    fn index_terms_golden() {
        assert_eq!(
            index_terms("Срочно! ОПЛАТА не прошла, Ёлка — order #42 FAILED (twice)."),
            "срочн оплат не прошл елк order 42 fail twice"
        );
        assert_eq!(index_terms(""), "");
        assert_eq!(index_terms("  --- "), "");
        // Emails are their words; phone numbers also get their E.164 digits, at the end.
        assert_eq!(
            index_terms("ivan.petrov@example.com, тел. 8 (912) 345-67-89"),
            "ivan petrov exampl com тел 8 912 345 67 89 79123456789"
        );
        // Too long words are left out; the rest stays in order.
        let long = "x".repeat(MAX_TERM_CHARS + 1);
        assert_eq!(index_terms(&format!("a {long} b")), "a b");
        // The cap.
        let many = "слово ".repeat(MAX_INDEX_TERMS + 10);
        assert_eq!(index_terms(&many).split(' ').count(), MAX_INDEX_TERMS);
        assert_eq!(message_terms(Some("Возврат"), "деньги"), "возврат деньг");
        assert_eq!(message_terms(None, "деньги"), "деньг");
    }

    #[test]
    fn phones_are_found_in_common_notations() {
        assert_eq!(phones("+7 912 345-67-89"), ["79123456789"]);
        assert_eq!(phones("звоните 8(912)3456789!"), ["79123456789"]);
        assert_eq!(
            phones("+1 (415) 555-0100 or +44 20 7946 0958"),
            ["14155550100", "442079460958"]
        );
        // Too few digits, glued to letters, too many.
        assert!(phones("заказ 12345, 2.5 кг").is_empty());
        assert!(phones("id89123456789").is_empty());
        assert!(phones("1234567890123456789").is_empty());
    }

    #[test]
    fn contact_terms_hold_name_email_and_phone() {
        let c = contact_terms(
            "Иван Петров",
            &[
                Handle::Email(EmailAddress::parse("ivan@Example.COM").unwrap()),
                Handle::Phone(PhoneE164::parse("+79123456789").unwrap()),
            ],
        );
        assert_eq!(
            c,
            "ива петр ivan exampl com 79123456789 79123456789 иван петров"
        );
        assert!(matches(
            "Иван Петров\nivan@example.com\n+79123456789",
            "ivan@example.com"
        ));
        assert!(matches(
            "Иван Петров\nivan@example.com\n+79123456789",
            "8 912 345 67 89"
        ));
        assert!(matches(
            "Иван Петров\nivan@example.com\n+79123456789",
            "Ивана"
        ));
    }

    #[test]
    fn contact_names_match_in_every_case_form() {
        let email = Handle::Email(EmailAddress::parse("s@example.com").unwrap());
        let doc = contact_terms("Анна Смирнова", std::slice::from_ref(&email));
        for q in ["Смирнова", "Смирновой", "смирнову", "Анна", "Анны", "Анне"]
        {
            assert!(matches_terms(&doc, q), "{q} in {doc}");
        }
        let doc = contact_terms("Сергей Смирнов", &[email]);
        for q in ["Смирнов", "Смирнова", "Смирнову", "Смирновым", "Сергей"]
        {
            assert!(matches_terms(&doc, q), "{q} in {doc}");
        }
        assert!(!matches_terms(&doc, "Смирновская"));
    }

    #[test]
    fn tsvector_literal_golden() {
        assert_eq!(
            tsvector_literal("возврат деньг возврат 42"),
            "'42':4 'возврат':1,3 'деньг':2"
        );
        assert_eq!(tsvector_literal(""), "");
        let many = vec!["a"; 300].join(" ");
        let lit = tsvector_literal(&many);
        assert_eq!(lit.matches(',').count(), 255);
        assert_eq!(quote_lexeme("o'k\\"), "'o''k\\\\'");
    }

    #[test]
    fn query_renders_for_both_databases() {
        let q = parse("возвраты \"вернуть деньги\" возвр* +7 912 345-67-89");
        assert_eq!(
            q.text.fts5(),
            "\"возврат\" AND \"вернут деньг\" AND \"возвр\"* AND (\"79123456789\" OR \"7 912 345 67 89\")"
        );
        assert_eq!(
            q.text.tsquery(),
            "'возврат' & ('вернут' <-> 'деньг') & 'возвр':* & ('79123456789' | ('7' <-> '912' <-> '345' <-> '67' <-> '89'))"
        );
        // Punctuated words are phrases of their parts.
        let q = parse("ivan.petrov@example.com covid-19");
        assert_eq!(q.text.fts5(), "\"ivan petrov exampl com\" AND \"covid 19\"");
    }

    #[test]
    fn filters_parse() {
        let q = parse(
            "status:open,pending priority:HIGH channel:email group:\"Second line\" assignee:me \
             tag:VIP from:ivan@example.com заказ",
        );
        assert_eq!(q.statuses, [Status::Open, Status::Pending]);
        assert_eq!(q.priorities, [Priority::High]);
        assert_eq!(q.channels, [Channel::Email]);
        assert_eq!(q.groups, ["Second line"]);
        assert_eq!(q.assignees, [AssigneeRef::Me]);
        assert_eq!(q.tags, ["vip"]);
        assert_eq!(
            q.from,
            [Handle::Email(
                EmailAddress::parse("ivan@example.com").unwrap()
            )]
        );
        assert_eq!(q.text.fts5(), "\"заказ\"");
        // Russian keys and values, word forms of the values.
        let q = parse(
            "статус:открытые приоритет:срочный канал:почта исполнитель:никто от:+79123456789",
        );
        assert_eq!(q.statuses, [Status::Open]);
        assert_eq!(q.priorities, [Priority::Urgent]);
        assert_eq!(q.channels, [Channel::Email]);
        assert_eq!(q.assignees, [AssigneeRef::Nobody]);
        assert_eq!(
            q.from,
            [Handle::Phone(PhoneE164::parse("+79123456789").unwrap())]
        );
        assert!(q.text.is_empty());
        assert_eq!(parse("status:решена").statuses, [Status::Resolved]);
        assert_eq!(
            parse("assignee:ann@team.test").assignees,
            [AssigneeRef::Email(
                EmailAddress::parse("ann@team.test").unwrap()
            )]
        );
    }

    #[test]
    fn bad_filters_name_their_field() {
        assert_eq!(errs("status:lost"), [("q.status".into(), "invalid".into())]);
        assert_eq!(
            errs("priority:x заказ"),
            [("q.priority".into(), "invalid".into())]
        );
        assert_eq!(errs("stauts:open"), [("q.stauts".into(), "unknown".into())]);
        assert_eq!(
            errs("assignee:bob"),
            [("q.assignee".into(), "invalid".into())]
        );
        assert_eq!(errs("from:someone"), [("q.from".into(), "invalid".into())]);
        assert_eq!(
            errs("channel:fax"),
            [("q.channel".into(), "invalid".into())]
        );
        assert_eq!(errs("group:\"\""), [("q.group".into(), "invalid".into())]);
        assert_eq!(errs(""), [("q".into(), "required".into())]);
        assert_eq!(errs("  ... "), [("q".into(), "required".into())]);
        assert_eq!(
            errs(&"a".repeat(MAX_QUERY_CHARS + 1)),
            [("q".into(), "too_long".into())]
        );
        assert_eq!(
            errs(&"w ".repeat(MAX_CLAUSES + 1)),
            [("q".into(), "too_long".into())]
        );
        // Not filters: an empty value, a URL, a time.
        assert_eq!(parse("Re: заказ").text.fts5(), "\"re\" AND \"заказ\"");
        assert_eq!(
            parse("https://shop.example/x").text.fts5(),
            "\"http shop exampl x\""
        );
        assert_eq!(parse("10:30").text.fts5(), "\"10 30\"");
    }

    #[test]
    fn ticket_numbers_jump() {
        assert_eq!(parse("#1042").number, Some(NumberRef::Seq(1042)));
        let full = TicketNumber::parse("LL-1042").unwrap();
        assert_eq!(parse("ll-1042").number, Some(NumberRef::Full(full.clone())));
        assert_eq!(
            parse("#LL-1042").number,
            Some(NumberRef::Full(full.clone()))
        );
        assert_eq!(NumberRef::Seq(1042).resolve(&p()), full);
        // Another prefix is just words.
        let q = parse("covid-19");
        assert_eq!(q.number, None);
        assert_eq!(q.text.fts5(), "\"covid 19\"");
        // A number with words: both kept.
        let q = parse("#1042 возврат");
        assert_eq!(q.number, Some(NumberRef::Seq(1042)));
        assert_eq!(q.text.fts5(), "\"возврат\"");
        assert_eq!(parse("#abc").text.fts5(), "\"abc\"");
    }

    #[test]
    fn stop_words_drop_unless_alone() {
        assert_eq!(
            parse("как вернуть деньги за заказ").text.fts5(),
            "\"вернут\" AND \"деньг\" AND \"заказ\""
        );
        assert_eq!(parse("the refund").text.fts5(), "\"refund\"");
        assert_eq!(parse("и").text.fts5(), "\"и\"");
        // Inside a phrase they stay.
        assert_eq!(
            parse("\"деньги за заказ\"").text.fts5(),
            "\"деньг за заказ\""
        );
        // Repeated clauses count once.
        assert_eq!(parse("заказ заказы").text.fts5(), "\"заказ\"");
    }

    #[test]
    fn quotes_and_prefixes() {
        assert_eq!(parse("«вернуть деньги»").text.fts5(), "\"вернут деньг\"");
        assert_eq!(
            parse("\"unterminated phrase").text.fts5(),
            "\"untermin phrase\""
        );
        assert_eq!(parse("a*").text.fts5(), "\"a\"");
        assert_eq!(parse("ре*").text.fts5(), "\"ре\"*");
        assert!(matches("Заказ №5512 возвращён", "возвр*"));
        assert!(!matches("Заказ №5512", "возвр*"));
        assert!(matches("Хочу вернуть деньги", "\"вернуть деньги\""));
        assert!(!matches("деньги хочу вернуть", "\"вернуть деньги\""));
    }

    #[test]
    fn highlight_marks_word_forms() {
        let q = parse("возврат деньги").text;
        let f = highlight("Возвраты и ДЕНЬГАМИ, деньги!", &q);
        let hits: Vec<&str> = f
            .iter()
            .filter(|f| f.hit)
            .map(|f| f.text.as_str())
            .collect();
        assert_eq!(hits, ["Возвраты", "ДЕНЬГАМИ", "деньги"]);
        let all: String = f.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(all, "Возвраты и ДЕНЬГАМИ, деньги!");
        // Prefixes.
        let f = highlight("возвращён", &parse("возвр*").text);
        assert_eq!(
            f,
            [Fragment {
                text: "возвращён".into(),
                hit: true
            }]
        );
        // Markup stays text.
        let f = highlight("<b>заказ</b>", &parse("заказ").text);
        assert_eq!(
            f,
            [
                Fragment {
                    text: "<b>".into(),
                    hit: false
                },
                Fragment {
                    text: "заказ".into(),
                    hit: true
                },
                Fragment {
                    text: "</b>".into(),
                    hit: false
                },
            ]
        );
    }

    #[test]
    fn snippet_windows_the_first_match() {
        let q = parse("возврат").text;
        let long = format!(
            "{} Прошу оформить возврат за заказ. {}",
            "слово ".repeat(100),
            "ещё ".repeat(100)
        );
        let s = snippet(&long, &q, 80);
        let text: String = s.iter().map(|f| f.text.as_str()).collect();
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.chars().count() <= 84, "{text}");
        assert!(s.iter().any(|f| f.hit && f.text == "возврат"), "{s:?}");
        // Short texts whole; newlines collapse.
        let s = snippet("Нужен\n\nвозврат", &q, 80);
        assert_eq!(
            s,
            [
                Fragment {
                    text: "Нужен ".into(),
                    hit: false
                },
                Fragment {
                    text: "возврат".into(),
                    hit: true
                },
            ]
        );
        // No match: the start.
        let s = snippet(&"а ".repeat(200), &q, 20);
        assert!(s[0].text.starts_with('а') && s[0].text.ends_with('…'));
        assert!(snippet("", &q, 20).is_empty());
    }

    #[test]
    fn saved_view_visibility() {
        let v = SavedView {
            id: SavedViewId(1),
            name: "VIP".into(),
            query: "tag:vip".into(),
            owner: AgentId(1),
            group: Some(GroupId(7)),
            updated_at: DateTime::<Utc>::default(),
        };
        assert!(v.visible_to(AgentId(1), false, &[]));
        assert!(v.visible_to(AgentId(2), false, &[GroupId(7)]));
        assert!(!v.visible_to(AgentId(2), false, &[GroupId(8)]));
        assert!(v.visible_to(AgentId(3), true, &[]));
        assert!(v.editable_by(AgentId(1), false));
        assert!(!v.editable_by(AgentId(2), false));
        assert!(v.editable_by(AgentId(3), true));
        let private = SavedView { group: None, ..v };
        assert!(!private.visible_to(AgentId(3), true, &[]));
        assert!(!private.editable_by(AgentId(3), true));
    }

    proptest::proptest! {
        #[test]
        fn spans_find_the_tokenisers_words(text in "\\PC{0,80}") {
            let from_spans: Vec<String> = word_spans(&text)
                .into_iter()
                .flat_map(|r| stem::words(&text[r]))
                .collect();
            proptest::prop_assert_eq!(from_spans, stem::words(&text));
        }

        #[test]
        fn any_input_parses_or_refuses_and_renders_safely(text in "\\PC{0,120}") {
            if let Ok(q) = parse_query(&text, &NumberPrefix::default()) {
                for p in q.text.clauses.iter().flat_map(|c| &c.any_of) {
                    proptest::prop_assert!(!p.terms.is_empty());
                    for t in &p.terms {
                        proptest::prop_assert!(!t.is_empty());
                        proptest::prop_assert!(t.chars().all(char::is_alphanumeric), "{}", t);
                    }
                }
            }
            for t in index_terms(&text).split(' ').filter(|t| !t.is_empty()) {
                proptest::prop_assert!(t.chars().all(char::is_alphanumeric), "{}", t);
            }
            let _ = snippet(&text, &TextQuery::default(), 30);
        }

        #[test]
        fn a_text_matches_its_own_words(text in "[а-яa-z0-9 ,.]{1,60}") {
            let words = stem::words(&text);
            if let Some(w) = words.iter().find(|w| w.chars().count() <= MAX_TERM_CHARS && !STOP_WORDS.contains(&w.as_str())) {
                proptest::prop_assert!(matches(&text, w));
                let _ = doc(&text);
            }
        }
    }
}
