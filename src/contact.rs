//! Contacts (customers) and their handles. One person writing from several channels is one
//! contact: handles are unique across contacts (the store enforces it), so intake finds the
//! same contact again by any handle it knows.
//!
//! Email addresses and letter case (issue 6 follow-up): an [`EmailAddress`] keeps its local
//! part as written (only the domain is lowercased), and that spelling is what is stored and
//! shown. RFC 5321 §2.4 lets a server treat `Maria@x` and `maria@x` as different mailboxes,
//! but no mail provider our customers use does, and customers type both; so the store
//! *matches* email handles case-insensitively (`lower(value) = lower(…)`, at lookup time:
//! intake finding a contact, a handle counting as taken on a contact edit or on attaching
//! handles), and never rewrites stored values: the first spelling seen stays, a later
//! spelling of the same address adds no second handle. Old data that already holds two
//! contacts for two spellings keeps both (merge them on the contact page); intake picks the
//! one whose handle was stored first. Letter case folding is SQL `lower()`: ASCII letters on
//! SQLite, every letter on PostgreSQL (non-ASCII local parts are rare, and then exact on
//! SQLite). Other handle kinds (phones, widget visitors) match exactly.

use crate::ids::{ContactId, EmailAddress, PhoneE164};
use serde::{Deserialize, Serialize};

/// A way to reach / recognise a contact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Handle {
    /// An email address.
    Email(EmailAddress),
    /// A phone number.
    Phone(PhoneE164),
    // ---- widget ----
    /// An anonymous site-widget visitor (issue 7), named by a value derived from the hash of
    /// their token (never the token itself).
    Visitor(crate::widget::VisitorHandle),
}

impl Handle {
    /// Stable kind text for storage.
    pub fn kind(&self) -> &'static str {
        match self {
            Handle::Email(_) => "email",
            Handle::Phone(_) => "phone",
            Handle::Visitor(_) => "visitor",
        }
    }
    /// The normalized value.
    pub fn value(&self) -> &str {
        match self {
            Handle::Email(e) => e.as_str(),
            Handle::Phone(p) => p.as_str(),
            Handle::Visitor(v) => v.as_str(),
        }
    }
    /// Rebuilds a handle from storage.
    pub fn from_parts(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "email" => EmailAddress::parse(value).ok().map(Handle::Email),
            "phone" => PhoneE164::parse(value).ok().map(Handle::Phone),
            "visitor" => crate::widget::VisitorHandle::parse(value)
                .ok()
                .map(Handle::Visitor),
            _ => None,
        }
    }
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// Display name (may be empty when unknown).
    pub name: String,
    /// Known handles.
    pub handles: Vec<Handle>,
}

/// What intake knows about a contact before the store finds or creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDraft {
    /// Name as given.
    pub name: String,
    /// Handles as given (at least one).
    pub handles: Vec<Handle>,
}

/// What rules know about a customer beyond their handles; set by agents (and later by
/// imports). Names are stored trimmed; empty means unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProfile {
    /// Organisation (company) name.
    pub organisation: Option<String>,
    /// A VIP customer.
    pub vip: bool,
    /// Region (name or code, e.g. "Москва", "EU").
    pub region: Option<String>,
}

// ---- the full profile (issue 6) ----

/// Everything agents know about a contact: who, how to reach them, the profile rules read,
/// and free-text notes. Notes are for agents only: no customer-facing DTO has a field for
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCard {
    /// Name and handles.
    pub contact: Contact,
    /// Organisation, VIP, region.
    pub profile: ContactProfile,
    /// Notes about the contact (agent-only; empty when none).
    pub notes: String,
}

/// A contact's tickets across channels: the newest by last activity, and counts of all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactTickets {
    /// At most the asked number, last activity first (ties: newest id first).
    pub tickets: Vec<crate::ticket::Ticket>,
    /// Tickets in the working set (new, open, pending).
    pub open: i64,
    /// All tickets.
    pub total: i64,
}

/// A validated edit of a contact: the new name, profile, notes and the complete set of
/// handles (handles not in it are removed; at least one remains).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEdit {
    /// Name (trimmed; may be empty).
    pub name: String,
    /// Profile.
    pub profile: ContactProfile,
    /// Notes (trimmed).
    pub notes: String,
    /// Every handle the contact keeps or gets, normalized, without duplicates.
    pub handles: Vec<Handle>,
}

/// Merging `source` into `target`, as the store writes it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMerge {
    /// The duplicate that disappears.
    pub source: ContactId,
    /// The contact that stays.
    pub target: ContactId,
    /// The target's name after the merge.
    pub name: String,
    /// The target's profile after the merge.
    pub profile: ContactProfile,
    /// The target's notes after the merge.
    pub notes: String,
    /// Rules whose conditions named the source, rewritten to name the target.
    pub rules: Vec<(crate::ids::RuleId, crate::rules::Condition)>,
    /// Who merged (history rows on the moved tickets).
    pub actor: crate::actor::ActorRef,
    /// When.
    pub now: chrono::DateTime<chrono::Utc>,
}
