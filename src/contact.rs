//! Contacts (customers) and their handles. One person writing from several channels is one
//! contact: handles are unique across contacts (the store enforces it), so intake finds the
//! same contact again by any handle it knows.

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
}

impl Handle {
    /// Stable kind text for storage.
    pub fn kind(&self) -> &'static str {
        match self {
            Handle::Email(_) => "email",
            Handle::Phone(_) => "phone",
        }
    }
    /// The normalized value.
    pub fn value(&self) -> &str {
        match self {
            Handle::Email(e) => e.as_str(),
            Handle::Phone(p) => p.as_str(),
        }
    }
    /// Rebuilds a handle from storage.
    pub fn from_parts(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "email" => EmailAddress::parse(value).ok().map(Handle::Email),
            "phone" => PhoneE164::parse(value).ok().map(Handle::Phone),
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
