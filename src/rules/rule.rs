//! Rules as stored and edited: an activator (when to look), a condition tree (whether it
//! applies) and ordered actions (what to do), plus what happened to a ticket ([`Happened`])
//! and the loop guard carried along a chain of rule-made changes ([`RuleChain`]).
//!
//! Invariants:
//! - Rules run in ascending `position` (ties by id); disabled rules never run.
//! - A rule runs at most once per event: the job that runs rules for a stored change is keyed
//!   by the ticket and the version the change was stored at.
//! - Loop guard: changes made by rules trigger a new round with `depth + 1` in which the rules
//!   that already fired in this chain do not run again; no round runs beyond [`MAX_DEPTH`].
//! - A rule's template reply goes at most once per ticket (its message carries the dedupe key
//!   `rule:<id>:reply`), so two automatic systems can never ping-pong by mail.

use super::condition::{Condition, TicketTime};
use crate::error::FieldErrors;
use crate::ids::{AgentId, GroupId, RuleId};
use crate::ticket::{Priority, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Rounds of rule-made changes triggering further rules, at most.
pub const MAX_DEPTH: u8 = 5;
/// Longest rule name (characters).
pub const MAX_RULE_NAME_CHARS: usize = 80;
/// Most actions in one rule.
pub const MAX_ACTIONS: usize = 20;

/// A ticket field whose change can activate a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchedField {
    /// Status.
    Status,
    /// Priority.
    Priority,
    /// Group.
    Group,
    /// Owner.
    Assignee,
    /// Tags.
    Tags,
}

impl WatchedField {
    /// All fields.
    pub const ALL: [WatchedField; 5] = [
        WatchedField::Status,
        WatchedField::Priority,
        WatchedField::Group,
        WatchedField::Assignee,
        WatchedField::Tags,
    ];
}

/// When a rule is considered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Activator {
    /// A ticket was created.
    Created,
    /// A ticket was updated and one of `fields` changed (empty: any of them).
    Updated {
        /// Fields to watch.
        #[serde(default)]
        fields: BTreeSet<WatchedField>,
    },
    /// The customer wrote on an existing ticket.
    CustomerReplied,
    /// `minutes` after an event (e.g. created + 15 min; status changed + 3 days); the
    /// condition is checked at that moment (e.g. "still unowned"). Fires once per occurrence
    /// of the event.
    Timed {
        /// The event the time counts from.
        after: TicketTime,
        /// Minutes (at least 1).
        minutes: i64,
    },
}

/// Who an `Assign` action hands the ticket to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", content = "agent", rename_all = "snake_case")]
pub enum AssignTo {
    /// This agent.
    Agent(AgentId),
    /// Whoever the ticket's group strategy picks (see [`super::assign`]).
    GroupStrategy,
    /// Nobody (back to the queue).
    Nobody,
}

/// Who a `Notify` action tells (in-app notification, live).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "who", content = "id", rename_all = "snake_case")]
pub enum NotifyTarget {
    /// Every manager and admin.
    Managers,
    /// Every member of the group.
    Group(GroupId),
    /// One agent.
    Agent(AgentId),
    /// The ticket's owner (nobody when unowned).
    Assignee,
}

/// One thing a rule does, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Sets the priority.
    SetPriority {
        /// Priority.
        priority: Priority,
    },
    /// Routes to a group (or none).
    SetGroup {
        /// Group.
        group: Option<GroupId>,
    },
    /// Adds tags.
    AddTags {
        /// Tags.
        tags: Vec<String>,
    },
    /// Removes tags.
    RemoveTags {
        /// Tags.
        tags: Vec<String>,
    },
    /// Assigns.
    Assign {
        /// To whom.
        #[serde(flatten)]
        to: AssignTo,
    },
    /// Moves the status (only along allowed moves; otherwise skipped and noted in history).
    SetStatus {
        /// Status.
        status: Status,
    },
    /// Replies publicly with a template; `{number}`, `{subject}` and `{name}` are filled in.
    Reply {
        /// The template.
        text: String,
    },
    /// Notifies agents in the app.
    Notify {
        /// Whom.
        #[serde(flatten)]
        target: NotifyTarget,
        /// The text (`{number}` and `{subject}` are filled in).
        text: String,
    },
}

/// A rule as edited (no id yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDraft {
    /// Name shown in lists and history.
    pub name: String,
    /// Runs only when enabled.
    pub enabled: bool,
    /// When.
    pub activator: Activator,
    /// Whether.
    pub condition: Condition,
    /// What, in order.
    pub actions: Vec<Action>,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Id.
    pub id: RuleId,
    /// Order among rules (ascending).
    pub position: i32,
    /// The rule itself.
    #[serde(flatten)]
    pub draft: RuleDraft,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
}

/// What a stored change did, as rules see it (derived from its events).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Happened {
    /// The ticket was created.
    pub created: bool,
    /// The customer wrote on an existing ticket.
    pub customer_replied: bool,
    /// Fields that changed.
    pub changed: BTreeSet<WatchedField>,
}

/// The loop guard carried from a round of rules to the round its changes trigger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChain {
    /// 0 for a change made by a person or the system; +1 per round of rule-made changes.
    pub depth: u8,
    /// Rules that already fired in this chain (they do not run again in it).
    pub fired: Vec<RuleId>,
}

impl RuleDraft {
    /// Checks a draft before it is stored: a name (≤ [`MAX_RULE_NAME_CHARS`]), 1..=
    /// [`MAX_ACTIONS`] actions, `Timed` minutes ≥ 1, non-empty tags/texts, keyword lists
    /// with at least one word. Field names: `name`, `activator`, `condition`, `actions`.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > MAX_RULE_NAME_CHARS {
            e.push("name", "too_long");
        }
        if let Activator::Timed { minutes, .. } = self.activator
            && minutes < 1
        {
            e.push("activator", "invalid");
        }
        if !self.condition.is_valid() {
            e.push("condition", "invalid");
        }
        if self.actions.is_empty() {
            e.push("actions", "required");
        } else if self.actions.len() > MAX_ACTIONS {
            e.push("actions", "too_long");
        } else if !self.actions.iter().all(action_ok) {
            e.push("actions", "invalid");
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

impl Condition {
    /// Is every leaf usable (non-empty words, tags, names; confidence ≤ 100; minutes ≥ 0)?
    /// Shared by rules and SLA policies.
    pub fn is_valid(&self) -> bool {
        condition_ok(self)
    }
}

fn condition_ok(c: &Condition) -> bool {
    use super::condition::Predicate as P;
    match c {
        Condition::All(xs) | Condition::Any(xs) => xs.iter().all(condition_ok),
        Condition::Not(x) => condition_ok(x),
        Condition::Leaf(p) => match p {
            P::KeywordsAny { words, .. } => words.iter().any(|w| !w.trim().is_empty()),
            P::Phrase { text, .. } => !text.trim().is_empty(),
            P::SenderMatches { pattern } => pattern.trim().len() > 1,
            P::MailboxIs { mailbox } => !mailbox.trim().is_empty(),
            P::OrganisationIs { organisation } => !organisation.trim().is_empty(),
            P::RegionIs { region } => !region.trim().is_empty(),
            P::HasTag { tag } => !tag.trim().is_empty(),
            P::CustomFieldEquals { field, .. } => !field.trim().is_empty(),
            P::SuggestedCategory {
                category,
                min_confidence,
            } => !category.trim().is_empty() && *min_confidence <= 100,
            P::OlderThan { minutes, .. } => *minutes >= 0,
            _ => true,
        },
    }
}

fn action_ok(a: &Action) -> bool {
    match a {
        Action::AddTags { tags } | Action::RemoveTags { tags } => {
            !tags.is_empty() && tags.iter().all(|t| !t.trim().is_empty())
        }
        Action::Reply { text } | Action::Notify { text, .. } => !text.trim().is_empty(),
        _ => true,
    }
}
