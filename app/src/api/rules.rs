//! Automation rules for managers (`/manage/rules`): list, save, delete, reorder, switch on
//! and off, and "try it" over recent tickets. Each call authenticates a manager or admin,
//! parses the editor's form at the edge ([`RuleForm::to_draft`]) and calls one
//! `lossless::services::rules` function.
//!
//! The editor is a form of rows, never JSON: [`RuleForm`] is what the page edits and sends,
//! with one row per condition ([`CondRow`]) and per action ([`ActionRow`]). A rule's
//! condition is a top-level "all" or "any" over rows, each row a single test, optionally
//! negated.
//!
//! Invariants:
//! - `RuleForm::from_draft(d).to_draft() == d` for every draft the form can express
//!   ([`RuleForm::from_draft`] answers `None` for deeper condition trees, which the page then
//!   refuses to edit instead of flattening them).
//! - Parsing errors name the row: `cond.<i>` and `action.<i>` (0-based), plus `name`,
//!   `activator`, `condition` and `actions` from the core's validation — every refusal is
//!   `Invalid` (422) and the page shows each next to its field.
//! - Agents without the manager or admin role get `Forbidden`, signed-out callers
//!   `Unauthenticated`; storage failures reach the browser only as `Internal(ref)`.
//! - Drafts travel as JSON (`input = Json`): the nested rows do not fit a URL-encoded form.
//!   The server's CSRF guard covers every POST whatever its encoding.

use crate::error::AppError;
use leptos::prelude::*;
use lossless::error::FieldErrors;
use lossless::ids::{AgentId, ContactId, GroupId, Lang, RuleId};
use lossless::rules::condition::{Condition, Predicate, TextField, TicketTime};
use lossless::rules::rule::{
    Action, Activator, AssignTo, NotifyTarget, Rule, RuleDraft, WatchedField,
};
use lossless::ticket::{Channel, Priority, Status, TicketEvent};
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use std::collections::BTreeSet;

/// How many recent tickets "try it" looks at.
pub const TRY_LIMIT: usize = 200;

/// One condition row of the editor. `value` and `extra` mean what the row's `kind` says (see
/// [`COND_KINDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CondRow {
    /// Stable key while the row is on screen (not part of the rule).
    #[serde(default)]
    pub key: u32,
    /// Predicate kind (`keywords`, `channel`, …).
    pub kind: String,
    /// Negated ("not").
    #[serde(default)]
    pub not: bool,
    /// The main input.
    #[serde(default)]
    pub value: String,
    /// The second input (text field, minutes, confidence, custom-field value).
    #[serde(default)]
    pub extra: String,
}

/// One action row of the editor (see [`ACTION_KINDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActionRow {
    /// Stable key while the row is on screen (not part of the rule).
    #[serde(default)]
    pub key: u32,
    /// Action kind (`set_priority`, `assign`, …).
    pub kind: String,
    /// The main input.
    #[serde(default)]
    pub value: String,
    /// The second input (notification text).
    #[serde(default)]
    pub extra: String,
}

/// The rule editor's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleForm {
    /// Name.
    pub name: String,
    /// Runs only when enabled.
    pub enabled: bool,
    /// `created`, `updated`, `customer_replied` or `timed`.
    pub activator: String,
    /// With `updated`: the watched fields (`status`, `priority`, `group`, `assignee`,
    /// `tags`); none = any of them.
    #[serde(default)]
    pub watch: Vec<String>,
    /// With `timed`: the event the time counts from.
    #[serde(default)]
    pub timed_after: String,
    /// With `timed`: minutes.
    #[serde(default)]
    pub timed_minutes: String,
    /// The rows combine with "any" (else "all").
    #[serde(default)]
    pub match_any: bool,
    /// Condition rows.
    #[serde(default)]
    pub conditions: Vec<CondRow>,
    /// Action rows, in order.
    #[serde(default)]
    pub actions: Vec<ActionRow>,
}

impl Default for RuleForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            enabled: true,
            activator: "created".to_owned(),
            watch: Vec::new(),
            timed_after: "created".to_owned(),
            timed_minutes: "15".to_owned(),
            match_any: false,
            conditions: Vec::new(),
            actions: Vec::new(),
        }
    }
}

/// Condition kinds, in the order the editor offers them.
pub const COND_KINDS: [&str; 23] = [
    "keywords",
    "phrase",
    "channel",
    "mailbox",
    "sender",
    "organisation",
    "vip",
    "language",
    "region",
    "tag",
    "custom_field",
    "priority_is",
    "priority_at_least",
    "status",
    "group",
    "no_group",
    "owner",
    "unowned",
    "business_hours",
    "older_than",
    "category",
    "contact",
    "sender_domain",
];

/// Action kinds, in the order the editor offers them.
pub const ACTION_KINDS: [&str; 8] = [
    "set_priority",
    "set_group",
    "add_tags",
    "remove_tags",
    "assign",
    "set_status",
    "reply",
    "notify",
];

/// Activators, in the order the editor offers them.
pub const ACTIVATORS: [&str; 4] = ["created", "updated", "customer_replied", "timed"];

/// Events a time can count from.
pub const TIMES: [TicketTime; 4] = [
    TicketTime::Created,
    TicketTime::LastCustomerReply,
    TicketTime::StatusChanged,
    TicketTime::Assigned,
];

/// Stable text of a watched field.
pub fn watched_str(f: WatchedField) -> &'static str {
    match f {
        WatchedField::Status => "status",
        WatchedField::Priority => "priority",
        WatchedField::Group => "group",
        WatchedField::Assignee => "assignee",
        WatchedField::Tags => "tags",
    }
}

fn parse_watched(s: &str) -> Option<WatchedField> {
    WatchedField::ALL.into_iter().find(|f| watched_str(*f) == s)
}

/// Stable text of a ticket time.
pub fn time_str(t: TicketTime) -> &'static str {
    match t {
        TicketTime::Created => "created",
        TicketTime::LastCustomerReply => "last_customer_reply",
        TicketTime::StatusChanged => "status_changed",
        TicketTime::Assigned => "assigned",
    }
}

fn parse_time(s: &str) -> Option<TicketTime> {
    TIMES.into_iter().find(|t| time_str(*t) == s)
}

/// Stable text of a text field.
pub fn text_field_str(f: TextField) -> &'static str {
    match f {
        TextField::Subject => "subject",
        TextField::Body => "body",
        TextField::Both => "both",
    }
}

fn parse_text_field(s: &str) -> TextField {
    match s {
        "subject" => TextField::Subject,
        "body" => TextField::Body,
        _ => TextField::Both,
    }
}

/// Comma-separated words → trimmed, non-empty entries.
fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Why a row does not parse: `required` (an input is empty) or `invalid`.
type RowError = &'static str;

fn required(s: &str) -> Result<String, RowError> {
    let s = s.trim();
    if s.is_empty() {
        Err("required")
    } else {
        Ok(s.to_owned())
    }
}

fn number<T: std::str::FromStr>(s: &str) -> Result<T, RowError> {
    let s = s.trim();
    if s.is_empty() {
        return Err("required");
    }
    s.parse().map_err(|_| "invalid")
}

fn priority(s: &str) -> Result<Priority, RowError> {
    Priority::parse(s).ok_or("invalid")
}

fn status(s: &str) -> Result<Status, RowError> {
    Status::parse(s).ok_or("invalid")
}

impl CondRow {
    /// A fresh row of `kind` with sensible defaults.
    pub fn new(key: u32, kind: &str) -> Self {
        let (value, extra) = match kind {
            "channel" => ("email", ""),
            "language" => ("ru", ""),
            "priority_is" | "priority_at_least" => ("high", ""),
            "status" => ("new", ""),
            "older_than" => ("created", "60"),
            "category" => ("", "70"),
            "keywords" | "phrase" => ("", "both"),
            _ => ("", ""),
        };
        Self {
            key,
            kind: kind.to_owned(),
            not: false,
            value: value.to_owned(),
            extra: extra.to_owned(),
        }
    }

    /// The row as a condition: one test, negated when `not`. A `status` row may list several
    /// statuses (`new, open`): "any of" them.
    pub fn to_condition(&self) -> Result<Condition, RowError> {
        let statuses = split_list(&self.value);
        let c = if self.kind == "status" && statuses.len() > 1 {
            Condition::Any(
                statuses
                    .iter()
                    .map(|s| {
                        status(s).map(|status| Condition::Leaf(Predicate::StatusIs { status }))
                    })
                    .collect::<Result<_, _>>()?,
            )
        } else {
            Condition::Leaf(self.to_predicate()?)
        };
        Ok(if self.not {
            Condition::Not(Box::new(c))
        } else {
            c
        })
    }

    /// The row showing `c`, if it is one the form can show: a test, possibly negated, or
    /// "any of" several statuses.
    pub fn from_condition(key: u32, c: &Condition) -> Option<Self> {
        let (c, not) = match c {
            Condition::Not(inner) => (inner.as_ref(), true),
            other => (other, false),
        };
        match c {
            Condition::Leaf(p) => Some(Self::from_predicate(key, p, not)),
            Condition::Any(xs) if xs.len() > 1 => {
                let statuses = xs
                    .iter()
                    .map(|x| match x {
                        Condition::Leaf(Predicate::StatusIs { status }) => Some(status.as_str()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(Self {
                    key,
                    kind: "status".to_owned(),
                    not,
                    value: statuses.join(", "),
                    extra: String::new(),
                })
            }
            _ => None,
        }
    }

    /// The row as a single test (`not` aside).
    pub fn to_predicate(&self) -> Result<Predicate, RowError> {
        let v = self.value.trim();
        Ok(match self.kind.as_str() {
            "keywords" => {
                let words = split_list(v);
                if words.is_empty() {
                    return Err("required");
                }
                Predicate::KeywordsAny {
                    words,
                    field: parse_text_field(&self.extra),
                }
            }
            "phrase" => Predicate::Phrase {
                text: required(v)?,
                field: parse_text_field(&self.extra),
            },
            "channel" => Predicate::ChannelIs {
                channel: Channel::parse(v).ok_or("invalid")?,
            },
            "mailbox" => Predicate::MailboxIs {
                mailbox: required(v)?,
            },
            "sender" | "sender_domain" => {
                let p = required(v)?;
                if p.len() < 2 {
                    return Err("invalid");
                }
                let pattern = if self.kind == "sender_domain" && !p.starts_with('@') {
                    format!("@{p}")
                } else {
                    p
                };
                Predicate::SenderMatches { pattern }
            }
            "organisation" => Predicate::OrganisationIs {
                organisation: required(v)?,
            },
            "vip" => Predicate::Vip,
            "language" => Predicate::LanguageIs {
                lang: Lang::from_code(v).ok_or("invalid")?,
            },
            "region" => Predicate::RegionIs {
                region: required(v)?,
            },
            "tag" => Predicate::HasTag { tag: required(v)? },
            "custom_field" => Predicate::CustomFieldEquals {
                field: required(v)?,
                value: self.extra.trim().to_owned(),
            },
            "priority_is" => Predicate::PriorityIs {
                priority: priority(v)?,
            },
            "priority_at_least" => Predicate::PriorityAtLeast {
                priority: priority(v)?,
            },
            "status" => match split_list(v).first() {
                Some(one) => Predicate::StatusIs {
                    status: status(one)?,
                },
                None => return Err("required"),
            },
            "group" => Predicate::GroupIs {
                group: GroupId(number(v)?),
            },
            "no_group" => Predicate::NoGroup,
            "owner" => Predicate::OwnerIs {
                agent: AgentId(number(v)?),
            },
            "unowned" => Predicate::Unowned,
            "business_hours" => Predicate::InBusinessHours,
            "older_than" => {
                let minutes: i64 = number(&self.extra)?;
                if minutes < 0 {
                    return Err("invalid");
                }
                Predicate::OlderThan {
                    event: parse_time(v).ok_or("invalid")?,
                    minutes,
                }
            }
            "category" => {
                let min_confidence: u8 = number(&self.extra)?;
                if min_confidence > 100 {
                    return Err("invalid");
                }
                Predicate::SuggestedCategory {
                    category: required(v)?,
                    min_confidence,
                }
            }
            "contact" => Predicate::ContactIs {
                contact: ContactId(number(v)?),
            },
            _ => return Err("invalid"),
        })
    }

    /// A row showing `p` (negated when `not`).
    pub fn from_predicate(key: u32, p: &Predicate, not: bool) -> Self {
        let s = |x: &str| x.to_owned();
        let (kind, value, extra) = match p {
            Predicate::KeywordsAny { words, field } => {
                ("keywords", words.join(", "), s(text_field_str(*field)))
            }
            Predicate::Phrase { text, field } => {
                ("phrase", text.clone(), s(text_field_str(*field)))
            }
            Predicate::ChannelIs { channel } => ("channel", s(channel.as_str()), String::new()),
            Predicate::MailboxIs { mailbox } => ("mailbox", mailbox.clone(), String::new()),
            Predicate::SenderMatches { pattern } if pattern.starts_with('@') => {
                ("sender_domain", pattern.clone(), String::new())
            }
            Predicate::SenderMatches { pattern } => ("sender", pattern.clone(), String::new()),
            Predicate::ContactIs { contact } => ("contact", contact.to_string(), String::new()),
            Predicate::OrganisationIs { organisation } => {
                ("organisation", organisation.clone(), String::new())
            }
            Predicate::Vip => ("vip", String::new(), String::new()),
            Predicate::LanguageIs { lang } => ("language", s(lang.code()), String::new()),
            Predicate::RegionIs { region } => ("region", region.clone(), String::new()),
            Predicate::HasTag { tag } => ("tag", tag.clone(), String::new()),
            Predicate::CustomFieldEquals { field, value } => {
                ("custom_field", field.clone(), value.clone())
            }
            Predicate::PriorityIs { priority } => {
                ("priority_is", s(priority.as_str()), String::new())
            }
            Predicate::PriorityAtLeast { priority } => {
                ("priority_at_least", s(priority.as_str()), String::new())
            }
            Predicate::StatusIs { status } => ("status", s(status.as_str()), String::new()),
            Predicate::GroupIs { group } => ("group", group.to_string(), String::new()),
            Predicate::NoGroup => ("no_group", String::new(), String::new()),
            Predicate::OwnerIs { agent } => ("owner", agent.to_string(), String::new()),
            Predicate::Unowned => ("unowned", String::new(), String::new()),
            Predicate::InBusinessHours => ("business_hours", String::new(), String::new()),
            Predicate::SuggestedCategory {
                category,
                min_confidence,
            } => ("category", category.clone(), min_confidence.to_string()),
            Predicate::OlderThan { event, minutes } => {
                ("older_than", s(time_str(*event)), minutes.to_string())
            }
        };
        Self {
            key,
            kind: kind.to_owned(),
            not,
            value,
            extra,
        }
    }
}

impl ActionRow {
    /// A fresh row of `kind` with sensible defaults.
    pub fn new(key: u32, kind: &str) -> Self {
        let value = match kind {
            "set_priority" => "high",
            "assign" => "strategy",
            "set_status" => "open",
            "notify" => "managers",
            _ => "",
        };
        Self {
            key,
            kind: kind.to_owned(),
            value: value.to_owned(),
            extra: String::new(),
        }
    }

    /// The row as an action. `assign` takes `strategy`, `nobody` or an agent id; `notify`
    /// takes `managers`, `assignee`, `group:<id>` or `agent:<id>` plus the text in `extra`;
    /// `set_group` takes a group id or nothing (no group).
    pub fn to_action(&self) -> Result<Action, RowError> {
        let v = self.value.trim();
        Ok(match self.kind.as_str() {
            "set_priority" => Action::SetPriority {
                priority: priority(v)?,
            },
            "set_group" => Action::SetGroup {
                group: if v.is_empty() {
                    None
                } else {
                    Some(GroupId(number(v)?))
                },
            },
            "add_tags" | "remove_tags" => {
                let tags = split_list(v);
                if tags.is_empty() {
                    return Err("required");
                }
                if self.kind == "add_tags" {
                    Action::AddTags { tags }
                } else {
                    Action::RemoveTags { tags }
                }
            }
            "assign" => Action::Assign {
                to: match v {
                    "strategy" => AssignTo::GroupStrategy,
                    "nobody" => AssignTo::Nobody,
                    id => AssignTo::Agent(AgentId(number(id)?)),
                },
            },
            "set_status" => Action::SetStatus { status: status(v)? },
            "reply" => Action::Reply {
                text: required(&self.value)?,
            },
            "notify" => {
                let target = match v.split_once(':') {
                    None if v == "managers" => NotifyTarget::Managers,
                    None if v == "assignee" => NotifyTarget::Assignee,
                    Some(("group", id)) => NotifyTarget::Group(GroupId(number(id)?)),
                    Some(("agent", id)) => NotifyTarget::Agent(AgentId(number(id)?)),
                    _ => return Err("invalid"),
                };
                Action::Notify {
                    target,
                    text: required(&self.extra)?,
                }
            }
            _ => return Err("invalid"),
        })
    }

    /// A row showing `a`.
    pub fn from_action(key: u32, a: &Action) -> Self {
        let (kind, value, extra) = match a {
            Action::SetPriority { priority } => {
                ("set_priority", priority.as_str().to_owned(), String::new())
            }
            Action::SetGroup { group } => (
                "set_group",
                group.map(|g| g.to_string()).unwrap_or_default(),
                String::new(),
            ),
            Action::AddTags { tags } => ("add_tags", tags.join(", "), String::new()),
            Action::RemoveTags { tags } => ("remove_tags", tags.join(", "), String::new()),
            Action::Assign { to } => (
                "assign",
                match to {
                    AssignTo::Agent(a) => a.to_string(),
                    AssignTo::GroupStrategy => "strategy".to_owned(),
                    AssignTo::Nobody => "nobody".to_owned(),
                },
                String::new(),
            ),
            Action::SetStatus { status } => {
                ("set_status", status.as_str().to_owned(), String::new())
            }
            Action::Reply { text } => ("reply", text.clone(), String::new()),
            Action::Notify { target, text } => (
                "notify",
                match target {
                    NotifyTarget::Managers => "managers".to_owned(),
                    NotifyTarget::Assignee => "assignee".to_owned(),
                    NotifyTarget::Group(g) => format!("group:{g}"),
                    NotifyTarget::Agent(a) => format!("agent:{a}"),
                },
                text.clone(),
            ),
        };
        Self {
            key,
            kind: kind.to_owned(),
            value,
            extra,
        }
    }
}

impl RuleForm {
    /// Parses the form into a draft; row problems are named `cond.<i>` / `action.<i>`.
    /// The core's own checks ([`RuleDraft::validate`]) run in the service afterwards.
    pub fn to_draft(&self) -> Result<RuleDraft, FieldErrors> {
        let mut e = FieldErrors::default();
        let activator = match self.activator.as_str() {
            "created" => Some(Activator::Created),
            "updated" => {
                let fields: Option<BTreeSet<WatchedField>> =
                    self.watch.iter().map(|w| parse_watched(w)).collect();
                fields.map(|fields| Activator::Updated { fields })
            }
            "customer_replied" => Some(Activator::CustomerReplied),
            "timed" => match (
                parse_time(&self.timed_after),
                self.timed_minutes.trim().parse::<i64>(),
            ) {
                (Some(after), Ok(minutes)) if minutes >= 1 => {
                    Some(Activator::Timed { after, minutes })
                }
                _ => None,
            },
            _ => None,
        };
        if activator.is_none() {
            e.push("activator", "invalid");
        }
        let mut rows = Vec::with_capacity(self.conditions.len());
        for (i, r) in self.conditions.iter().enumerate() {
            match r.to_condition() {
                Ok(c) => rows.push(c),
                Err(code) => e.push(&format!("cond.{i}"), code),
            }
        }
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, r) in self.actions.iter().enumerate() {
            match r.to_action() {
                Ok(a) => actions.push(a),
                Err(code) => e.push(&format!("action.{i}"), code),
            }
        }
        let ok = activator.is_some() && e.is_empty();
        let draft = RuleDraft {
            name: self.name.trim().to_owned(),
            enabled: self.enabled,
            activator: activator.unwrap_or(Activator::Created),
            condition: if self.match_any {
                Condition::Any(rows)
            } else {
                Condition::All(rows)
            },
            actions,
        };
        if ok {
            return Ok(draft);
        }
        // Name and "no actions at all" are reported together with the row problems, so one
        // save shows every mistake (the rest of the core's checks need whole rows).
        if let Err(more) = draft.validate() {
            for f in more.0 {
                if f.field == "name" || (f.field == "actions" && self.actions.is_empty()) {
                    e.push(&f.field, &f.code);
                }
            }
        }
        Err(e)
    }

    /// The form showing `d`, or `None` when its condition is deeper than "all/any of rows"
    /// (see [`CondRow::from_condition`]). Row keys count from 1.
    pub fn from_draft(d: &RuleDraft) -> Option<Self> {
        let (match_any, children): (bool, &[Condition]) = match &d.condition {
            Condition::All(xs) => (false, xs),
            Condition::Any(xs) => (true, xs),
            one @ (Condition::Leaf(_) | Condition::Not(_)) => (false, std::slice::from_ref(one)),
        };
        let mut key = 0u32;
        let mut next = || {
            key += 1;
            key
        };
        let mut conditions = Vec::with_capacity(children.len());
        for c in children {
            conditions.push(CondRow::from_condition(next(), c)?);
        }
        let actions = d
            .actions
            .iter()
            .map(|a| ActionRow::from_action(next(), a))
            .collect();
        let (activator, watch, timed_after, timed_minutes) = match &d.activator {
            Activator::Created => ("created", Vec::new(), "created", "15".to_owned()),
            Activator::Updated { fields } => (
                "updated",
                fields.iter().map(|f| watched_str(*f).to_owned()).collect(),
                "created",
                "15".to_owned(),
            ),
            Activator::CustomerReplied => {
                ("customer_replied", Vec::new(), "created", "15".to_owned())
            }
            Activator::Timed { after, minutes } => {
                ("timed", Vec::new(), time_str(*after), minutes.to_string())
            }
        };
        Some(Self {
            name: d.name.clone(),
            enabled: d.enabled,
            activator: activator.to_owned(),
            watch,
            timed_after: timed_after.to_owned(),
            timed_minutes,
            match_any,
            conditions,
            actions,
        })
    }

    /// The same form with its rows keyed `after + 1`, `after + 2`, … in order.
    pub fn rekeyed(mut self, after: u32) -> Self {
        let mut key = after;
        for r in &mut self.conditions {
            key += 1;
            r.key = key;
        }
        for r in &mut self.actions {
            key += 1;
            r.key = key;
        }
        self
    }

    /// The largest row key in use (new rows take the next one).
    pub fn max_key(&self) -> u32 {
        self.conditions
            .iter()
            .map(|r| r.key)
            .chain(self.actions.iter().map(|r| r.key))
            .max()
            .unwrap_or(0)
    }
}

/// One ticket "try it" matched, with what the rule would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryRow {
    /// Ticket number (`LL-1042`).
    pub number: String,
    /// Subject.
    pub subject: String,
    /// The history rows the rule would write.
    pub changes: Vec<TicketEvent>,
}

/// The answer of "try it".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryOutcome {
    /// Tickets looked at.
    pub checked: usize,
    /// Those that match.
    pub matches: Vec<TryRow>,
}

/// All rules in the order they run.
#[server]
pub async fn list_rules() -> Result<Vec<Rule>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::rules::list_rules(&cx.ports, &actor).await?)
    })
    .await
}

/// Saves a new rule (`id` none) or changes one; returns it as stored.
#[server(input = Json)]
pub async fn save_rule(id: Option<RuleId>, form: RuleForm) -> Result<Rule, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let draft = form.to_draft().map_err(invalid)?;
        Ok(lossless::services::rules::save_rule(&cx.ports, &actor, id, draft).await?)
    })
    .await
}

/// Deletes a rule (its history rows stay).
#[server]
pub async fn delete_rule(id: RuleId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::rules::delete_rule(&cx.ports, &actor, id).await?)
    })
    .await
}

/// Puts the rules in this order; returns them as stored.
#[server(input = Json)]
pub async fn reorder_rules(order: Vec<RuleId>) -> Result<Vec<Rule>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::rules::reorder_rules(&cx.ports, &actor, order).await?)
    })
    .await
}

/// Switches a rule on or off.
#[server]
pub async fn set_rule_enabled(id: RuleId, enabled: bool) -> Result<Rule, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::rules::set_rule_enabled(&cx.ports, &actor, id, enabled).await?)
    })
    .await
}

/// Runs the form's rule (unsaved) over the last [`TRY_LIMIT`] tickets without changing
/// anything; answers which would match and what would change.
#[server(input = Json)]
pub async fn try_rule(form: RuleForm) -> Result<TryOutcome, AppError> {
    with_status(try_rule_inner(form)).await
}

#[cfg(feature = "ssr")]
async fn try_rule_inner(form: RuleForm) -> Result<TryOutcome, AppError> {
    let (cx, _, actor) = crate::ssr::require_manager().await?;
    let draft = form.to_draft().map_err(invalid)?;
    let report = lossless::services::rules::try_rule(&cx.ports, &actor, draft).await?;
    Ok(TryOutcome {
        checked: report.checked,
        matches: report
            .matches
            .into_iter()
            .map(|m| TryRow {
                number: m.number.to_string(),
                subject: m.subject,
                changes: m.changes,
            })
            .collect(),
    })
}

#[cfg(feature = "ssr")]
use super::with_status;

/// Form problems are the core's field errors (422 with the fields named).
#[cfg(feature = "ssr")]
fn invalid(e: FieldErrors) -> AppError {
    lossless::error::DomainError::Invalid(e).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(condition: Condition, actions: Vec<Action>, activator: Activator) -> RuleDraft {
        RuleDraft {
            name: "VIP".to_owned(),
            enabled: true,
            activator,
            condition,
            actions,
        }
    }

    fn leaf(p: Predicate) -> Condition {
        Condition::Leaf(p)
    }

    #[test]
    fn every_condition_kind_round_trips() {
        let preds = vec![
            Predicate::KeywordsAny {
                words: vec!["срочно".into(), "refund please".into()],
                field: TextField::Subject,
            },
            Predicate::Phrase {
                text: "не работает".into(),
                field: TextField::Both,
            },
            Predicate::ChannelIs {
                channel: Channel::Email,
            },
            Predicate::MailboxIs {
                mailbox: "support".into(),
            },
            Predicate::SenderMatches {
                pattern: "ivan@example.ru".into(),
            },
            Predicate::SenderMatches {
                pattern: "@example.ru".into(),
            },
            Predicate::ContactIs {
                contact: ContactId(7),
            },
            Predicate::OrganisationIs {
                organisation: "ООО Ромашка".into(),
            },
            Predicate::Vip,
            Predicate::LanguageIs { lang: Lang::En },
            Predicate::RegionIs {
                region: "EU".into(),
            },
            Predicate::HasTag { tag: "vip".into() },
            Predicate::CustomFieldEquals {
                field: "plan".into(),
                value: "gold".into(),
            },
            Predicate::PriorityIs {
                priority: Priority::Low,
            },
            Predicate::PriorityAtLeast {
                priority: Priority::High,
            },
            Predicate::StatusIs {
                status: Status::Pending,
            },
            Predicate::GroupIs { group: GroupId(3) },
            Predicate::NoGroup,
            Predicate::OwnerIs { agent: AgentId(2) },
            Predicate::Unowned,
            Predicate::InBusinessHours,
            Predicate::SuggestedCategory {
                category: "billing".into(),
                min_confidence: 80,
            },
            Predicate::OlderThan {
                event: TicketTime::LastCustomerReply,
                minutes: 90,
            },
        ];
        let kinds: BTreeSet<String> = preds
            .iter()
            .map(|p| CondRow::from_predicate(1, p, false).kind)
            .collect();
        // Every kind the editor offers is covered by this test.
        assert_eq!(kinds, COND_KINDS.iter().map(|k| (*k).to_owned()).collect());
        let rows: Vec<Condition> = preds
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                if i % 3 == 0 {
                    Condition::Not(Box::new(leaf(p)))
                } else {
                    leaf(p)
                }
            })
            .collect();
        for (cond, any) in [
            (Condition::All(rows.clone()), false),
            (Condition::Any(rows), true),
        ] {
            let d = draft(
                cond,
                vec![Action::SetPriority {
                    priority: Priority::Urgent,
                }],
                Activator::Created,
            );
            let form = RuleForm::from_draft(&d).unwrap();
            assert_eq!(form.match_any, any);
            assert_eq!(form.conditions.len(), 23);
            assert!(form.conditions[0].not && !form.conditions[1].not);
            assert_eq!(form.to_draft().unwrap(), d);
        }
    }

    #[test]
    fn every_action_and_activator_round_trips() {
        let actions = vec![
            Action::SetPriority {
                priority: Priority::Urgent,
            },
            Action::SetGroup {
                group: Some(GroupId(4)),
            },
            Action::SetGroup { group: None },
            Action::AddTags {
                tags: vec!["vip".into(), "billing".into()],
            },
            Action::RemoveTags {
                tags: vec!["spam".into()],
            },
            Action::Assign {
                to: AssignTo::Agent(AgentId(1)),
            },
            Action::Assign {
                to: AssignTo::GroupStrategy,
            },
            Action::Assign {
                to: AssignTo::Nobody,
            },
            Action::SetStatus {
                status: Status::Open,
            },
            Action::Reply {
                text: "Got {number}: {subject}, {name}".into(),
            },
            Action::Notify {
                target: NotifyTarget::Managers,
                text: "VIP {number}".into(),
            },
            Action::Notify {
                target: NotifyTarget::Group(GroupId(2)),
                text: "g".into(),
            },
            Action::Notify {
                target: NotifyTarget::Agent(AgentId(5)),
                text: "a".into(),
            },
            Action::Notify {
                target: NotifyTarget::Assignee,
                text: "o".into(),
            },
        ];
        let activators = vec![
            Activator::Created,
            Activator::Updated {
                fields: BTreeSet::new(),
            },
            Activator::Updated {
                fields: [WatchedField::Priority, WatchedField::Tags]
                    .into_iter()
                    .collect(),
            },
            Activator::CustomerReplied,
            Activator::Timed {
                after: TicketTime::StatusChanged,
                minutes: 4320,
            },
        ];
        for activator in activators {
            let d = draft(Condition::All(vec![]), actions.clone(), activator);
            let form = RuleForm::from_draft(&d).unwrap();
            assert_eq!(form.to_draft().unwrap(), d);
            let kinds: BTreeSet<&str> = form.actions.iter().map(|a| a.kind.as_str()).collect();
            assert_eq!(kinds, ACTION_KINDS.into_iter().collect());
        }
    }

    #[test]
    fn rows_keep_distinct_keys_and_a_single_leaf_reads_as_all() {
        let d = draft(
            leaf(Predicate::Vip),
            vec![Action::Assign {
                to: AssignTo::Nobody,
            }],
            Activator::Created,
        );
        let form = RuleForm::from_draft(&d).unwrap();
        assert!(!form.match_any);
        assert_eq!(form.conditions[0].kind, "vip");
        assert_ne!(form.conditions[0].key, form.actions[0].key);
        assert_eq!(form.max_key(), 2);
        let again = form.clone().rekeyed(10);
        assert_eq!((again.conditions[0].key, again.actions[0].key), (11, 12));
        assert_eq!(again.max_key(), 12);
        assert_eq!(again.to_draft(), form.to_draft());
        assert_eq!(
            form.to_draft().unwrap().condition,
            Condition::All(vec![leaf(Predicate::Vip)])
        );
    }

    #[test]
    fn several_statuses_are_one_row() {
        let st = |status| leaf(Predicate::StatusIs { status });
        // The seeded "unassigned 15 min" rule: unowned and (new or open).
        let cond = Condition::All(vec![
            leaf(Predicate::Unowned),
            Condition::Any(vec![st(Status::New), st(Status::Open)]),
            Condition::Not(Box::new(Condition::Any(vec![
                st(Status::Pending),
                st(Status::Resolved),
            ]))),
        ]);
        let d = draft(
            cond,
            vec![Action::Notify {
                target: NotifyTarget::Managers,
                text: "{number}".into(),
            }],
            Activator::Timed {
                after: TicketTime::Created,
                minutes: 15,
            },
        );
        let form = RuleForm::from_draft(&d).unwrap();
        assert_eq!(form.conditions[1].kind, "status");
        assert_eq!(form.conditions[1].value, "new, open");
        assert!(form.conditions[2].not);
        assert_eq!(form.to_draft().unwrap(), d);
        // One status stays a single test; a bad one names the row.
        let one = CondRow {
            value: "open,".into(),
            ..CondRow::new(1, "status")
        };
        assert_eq!(one.to_condition().unwrap(), st(Status::Open));
        let bad = CondRow {
            value: "open, later".into(),
            ..CondRow::new(1, "status")
        };
        assert_eq!(bad.to_condition(), Err("invalid"));
        // "Any" of other tests is deeper than the form.
        let mixed = Condition::Any(vec![st(Status::New), leaf(Predicate::Vip)]);
        assert!(CondRow::from_condition(1, &mixed).is_none());
    }

    #[test]
    fn deeper_trees_are_not_flattened() {
        let nested = Condition::All(vec![Condition::Any(vec![leaf(Predicate::Vip)])]);
        assert!(RuleForm::from_draft(&draft(nested, vec![], Activator::Created)).is_none());
        let double_not = Condition::Not(Box::new(Condition::Not(Box::new(leaf(Predicate::Vip)))));
        assert!(RuleForm::from_draft(&draft(double_not, vec![], Activator::Created)).is_none());
    }

    #[test]
    fn form_input_is_parsed_with_row_errors() {
        let mut form = RuleForm {
            name: "  Urgent words  ".into(),
            ..RuleForm::default()
        };
        form.conditions = vec![
            CondRow {
                value: " срочно, , ASAP ".into(),
                ..CondRow::new(1, "keywords")
            },
            CondRow {
                value: "example.ru".into(),
                ..CondRow::new(2, "sender_domain")
            },
        ];
        form.actions = vec![ActionRow::new(3, "set_priority")];
        let d = form.to_draft().unwrap();
        assert_eq!(d.name, "Urgent words");
        assert_eq!(
            d.condition,
            Condition::All(vec![
                leaf(Predicate::KeywordsAny {
                    words: vec!["срочно".into(), "ASAP".into()],
                    field: TextField::Both,
                }),
                leaf(Predicate::SenderMatches {
                    pattern: "@example.ru".into()
                }),
            ])
        );
        assert_eq!(
            d.actions,
            vec![Action::SetPriority {
                priority: Priority::High
            }]
        );

        form.activator = "timed".into();
        form.timed_minutes = "0".into();
        form.conditions.push(CondRow::new(4, "keywords"));
        form.conditions.push(CondRow {
            extra: "many".into(),
            ..CondRow::new(5, "older_than")
        });
        form.actions.push(ActionRow::new(6, "reply"));
        form.name = " ".into();
        form.actions.push(ActionRow {
            value: "agent:x".into(),
            extra: "hi".into(),
            ..ActionRow::new(7, "notify")
        });
        let e = form.to_draft().unwrap_err();
        let got: Vec<(&str, &str)> =
            e.0.iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect();
        assert_eq!(
            got,
            vec![
                ("activator", "invalid"),
                ("cond.2", "required"),
                ("cond.3", "invalid"),
                ("action.1", "required"),
                ("action.2", "invalid"),
                ("name", "required"),
            ]
        );
        form.actions.clear();
        let e = form.to_draft().unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.field == "actions" && f.code == "required")
        );
    }

    #[test]
    fn new_rows_parse_or_ask_for_input() {
        for kind in COND_KINDS {
            let row = CondRow::new(1, kind);
            match row.to_predicate() {
                Ok(_) => {}
                Err(code) => assert_eq!(code, "required", "{kind}"),
            }
        }
        for kind in ACTION_KINDS {
            let row = ActionRow::new(1, kind);
            match row.to_action() {
                Ok(_) => {}
                Err(code) => assert_eq!(code, "required", "{kind}"),
            }
        }
        assert!(CondRow::new(1, "bogus").to_predicate().is_err());
        assert!(ActionRow::new(1, "bogus").to_action().is_err());
    }
}
