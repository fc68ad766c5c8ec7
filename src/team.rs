//! The team: agents and groups, agents' presence and routing profiles, groups' assignment
//! settings.

use crate::actor::Role;
use crate::ids::{AgentId, EmailAddress, GroupId, Lang};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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

/// Whether an agent takes new work. Only [`Presence::Online`] agents receive tickets from
/// assignment strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// At work and taking tickets.
    Online,
    /// Set by the agent, or automatically after [`AWAY_AFTER_IDLE_MINUTES`] without activity.
    Away,
    /// Not working.
    #[default]
    Offline,
}

impl Presence {
    /// All values.
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// An online agent with no activity (live socket heartbeat, any request) for this long counts
/// as away.
pub const AWAY_AFTER_IDLE_MINUTES: i64 = 10;
/// Open tickets an agent takes at most, unless set otherwise.
pub const DEFAULT_CAPACITY: i32 = 20;

/// An agent's availability and routing profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    /// The agent.
    pub agent: AgentId,
    /// As set by the agent (see [`AgentStatus::effective`]).
    pub presence: Presence,
    /// Last activity seen.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Most open (new/open/pending) tickets at once; 0 means no limit.
    pub capacity: i32,
    /// Languages the agent answers in (empty: any).
    pub languages: BTreeSet<Lang>,
    /// Skills, lowercase (matched against ticket tags).
    pub skills: BTreeSet<String>,
}

impl AgentStatus {
    /// Presence as of `now`: an online agent idle for [`AWAY_AFTER_IDLE_MINUTES`] (or never
    /// seen) is away.
    pub fn effective(&self, now: DateTime<Utc>) -> Presence {
        match (self.presence, self.last_seen_at) {
            (Presence::Online, Some(seen))
                if now - seen < Duration::minutes(AWAY_AFTER_IDLE_MINUTES) =>
            {
                Presence::Online
            }
            (Presence::Online, _) => Presence::Away,
            (p, _) => p,
        }
    }
}

/// How a group hands out tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignStrategy {
    /// Nobody is picked automatically (agents take tickets from the queue).
    #[default]
    Manual,
    /// In turn: the available member assigned least recently.
    RoundRobin,
    /// The available member with the fewest open tickets relative to capacity.
    LeastLoaded,
}

impl AssignStrategy {
    /// All values.
    pub const ALL: [AssignStrategy; 3] = [
        AssignStrategy::Manual,
        AssignStrategy::RoundRobin,
        AssignStrategy::LeastLoaded,
    ];
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignStrategy::Manual => "manual",
            AssignStrategy::RoundRobin => "round_robin",
            AssignStrategy::LeastLoaded => "least_loaded",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A group's assignment settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRouting {
    /// The group.
    pub group: GroupId,
    /// Strategy.
    pub strategy: AssignStrategy,
    /// Prefer members who speak the ticket's language (falls back to everyone available).
    pub match_language: bool,
    /// Prefer members with a skill equal to one of the ticket's tags (falls back likewise).
    pub match_skills: bool,
    /// A returning customer goes back to the agent of their previous ticket when that agent is
    /// an available member with room.
    pub prefer_previous_agent: bool,
}

impl GroupRouting {
    /// The settings of a group nobody configured: manual, with every preference on.
    pub fn manual(group: GroupId) -> Self {
        Self {
            group,
            strategy: AssignStrategy::Manual,
            match_language: true,
            match_skills: true,
            prefer_previous_agent: true,
        }
    }
}

/// A group member as an assignment strategy sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Availability and profile.
    pub status: AgentStatus,
    /// Open (new/open/pending) tickets assigned now.
    pub open_tickets: i64,
    /// Position in the group's assignment order: the store's global assignment sequence value
    /// of this member's last assignment in this group (`None`: never) — round robin picks the
    /// smallest.
    pub last_assigned_seq: Option<i64>,
}
