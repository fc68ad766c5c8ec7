//! The team: agents and groups.

use crate::actor::Role;
use crate::ids::{AgentId, EmailAddress, GroupId, Lang};
use serde::{Deserialize, Serialize};

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Id.
    pub id: AgentId,
    /// Sign-in address (unique).
    pub email: EmailAddress,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// UI language.
    pub lang: Lang,
}

/// An agent to create; the password hash is made by the server (argon2id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgent {
    /// Sign-in address.
    pub email: EmailAddress,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// UI language.
    pub lang: Lang,
    /// PHC-format password hash.
    pub password_hash: String,
}

/// A team of agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Id.
    pub id: GroupId,
    /// Name (unique).
    pub name: String,
}
