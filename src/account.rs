//! User accounts (issue 6): invitations, password resets, account status, the password
//! policy and the audit log of administrative changes — the pure rules; the use cases live in
//! [`crate::services::accounts`].
//!
//! Invariants:
//! - A one-time token (invite or reset) is 256 random bits made at the edge; only its SHA-256
//!   ([`token_hash`]) is stored on the token row. A token is single-use, expires
//!   ([`INVITE_TTL_HOURS`], [`RESET_TTL_MINUTES`]) and a newer token of the same kind for the
//!   same agent voids the older ones. The mail job that delivers a link carries it until it
//!   ran (a crash must not lose the mail); the link is single-use and short-lived.
//! - The password policy ([`check_password`]) is checked before anything is hashed or stored:
//!   at least [`MIN_PASSWORD_CHARS`] characters, at most [`MAX_PASSWORD_CHARS`], not the
//!   account's email address.
//! - An audit entry never holds a password, a hash or a token.
//! - Account mail texts are rendered here, in the recipient's language.

use crate::error::FieldErrors;
use crate::ids::{AgentId, GroupId, Lang};
use crate::job::NewJob;
use crate::team::{Agent, NewAgent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Shortest password (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password (characters; hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest display name (characters).
pub const MAX_NAME_CHARS: usize = 100;
/// How long an invitation link works.
pub const INVITE_TTL_HOURS: i64 = 7 * 24;
/// How long a password reset link works.
pub const RESET_TTL_MINUTES: i64 = 60;
/// Most reset mails one account gets per hour (more requests are answered the same way and
/// send nothing).
pub const RESET_MAILS_PER_HOUR: i64 = 3;
/// Audit entries per page.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// Whether an account can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Signs in.
    Active,
    /// Invited, no password set yet: cannot sign in.
    Invited,
    /// Switched off by an admin: cannot sign in, has no sessions.
    Deactivated,
}

impl AccountStatus {
    /// Stable text (stored).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Invited => "invited",
            AccountStatus::Deactivated => "deactivated",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            AccountStatus::Active,
            AccountStatus::Invited,
            AccountStatus::Deactivated,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What a one-time token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `/invite/<token>`: set the first password.
    Invite,
    /// `/reset/<token>`: set a new password.
    Reset,
}

impl TokenKind {
    /// Stable text (stored).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Invite => "invite",
            TokenKind::Reset => "reset",
        }
    }
    /// The link path for a token of this kind.
    pub fn path(self, token: &str) -> String {
        format!("/{}/{token}", self.as_str())
    }
}

/// What the store keeps of a one-time token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token row to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// [`token_hash`] of the token.
    pub hash: String,
    /// Kind.
    pub kind: TokenKind,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Works until (exclusive).
    pub expires_at: DateTime<Utc>,
}

/// An agent with their account status and groups (the users page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    /// The agent.
    pub agent: Agent,
    /// Status.
    pub status: AccountStatus,
    /// Their groups.
    pub groups: Vec<GroupId>,
}

/// An invitation to store (see [`crate::ports::Store::create_invite`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvite {
    /// The agent, with an empty password hash.
    pub agent: NewAgent,
    /// Their groups.
    pub groups: Vec<GroupId>,
    /// The invite token.
    pub token: NewToken,
    /// The mail (its key names the token).
    pub job: NewJob,
    /// The audit entry.
    pub audit: NewAuditEntry,
}

/// A token to issue to an existing agent (see [`crate::ports::Store::issue_token`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueToken {
    /// The token.
    pub token: NewToken,
    /// The mail.
    pub job: NewJob,
    /// The audit entry, if the issue is an administrative change.
    pub audit: Option<NewAuditEntry>,
    /// Most tokens of the kind per hour (`None`: no limit).
    pub per_hour: Option<i64>,
}

/// Checks a new password against the policy; field `password`, codes `too_short`,
/// `too_long`, `equals_email`.
pub fn check_password(password: &str, email: &str) -> Result<(), FieldErrors> {
    let mut errs = FieldErrors::default();
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        errs.push("password", "too_short");
    } else if n > MAX_PASSWORD_CHARS {
        errs.push("password", "too_long");
    } else if password.trim().to_lowercase() == email.trim().to_lowercase() {
        errs.push("password", "equals_email");
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// A display name as typed: trimmed, required, at most [`MAX_NAME_CHARS`].
pub fn check_name(name: &str, errs: &mut FieldErrors) -> String {
    let name = name.trim();
    if name.is_empty() {
        errs.push("name", "required");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errs.push("name", "too_long");
    }
    name.to_owned()
}

/// An administrative action the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An agent was invited.
    InviteSent,
    /// An invitation was sent again (the older link stopped working).
    InviteResent,
    /// An invitation was withdrawn.
    InviteRevoked,
    /// The invited agent set their password.
    InviteAccepted,
    /// An agent's role changed.
    RoleChanged,
    /// An agent was switched off.
    AgentDeactivated,
    /// An agent was switched on again.
    AgentReactivated,
    /// An agent set a new password through a reset link.
    PasswordReset,
    /// A group's assignment settings changed (`/manage/team`).
    GroupRoutingChanged,
    /// An agent's routing profile (capacity, languages, skills) changed (`/manage/team`).
    AgentProfileChanged,
    // ---- configuration changes (see `crate::audit`) ----
    /// An automation rule was created.
    RuleCreated,
    /// An automation rule was changed (also switched on or off).
    RuleUpdated,
    /// An automation rule was deleted.
    RuleDeleted,
    /// An SLA policy was created.
    SlaPolicyCreated,
    /// An SLA policy was changed (also switched on or off).
    SlaPolicyUpdated,
    /// An SLA policy was deleted.
    SlaPolicyDeleted,
    /// A business calendar was created.
    SlaCalendarCreated,
    /// A business calendar was changed (also holidays imported).
    SlaCalendarUpdated,
    /// A business calendar was deleted.
    SlaCalendarDeleted,
    /// A mailbox was added.
    MailboxCreated,
    /// A mailbox's settings changed.
    MailboxUpdated,
    /// A shared canned response (or macro) was created.
    CannedCreated,
    /// A shared canned response was changed (also: a personal one shared, or a shared one
    /// made personal).
    CannedUpdated,
    /// A shared canned response was deleted.
    CannedDeleted,
}

impl AuditAction {
    /// All actions (filters).
    pub const ALL: [AuditAction; 24] = [
        AuditAction::InviteSent,
        AuditAction::InviteResent,
        AuditAction::InviteRevoked,
        AuditAction::InviteAccepted,
        AuditAction::RoleChanged,
        AuditAction::AgentDeactivated,
        AuditAction::AgentReactivated,
        AuditAction::PasswordReset,
        AuditAction::GroupRoutingChanged,
        AuditAction::AgentProfileChanged,
        AuditAction::RuleCreated,
        AuditAction::RuleUpdated,
        AuditAction::RuleDeleted,
        AuditAction::SlaPolicyCreated,
        AuditAction::SlaPolicyUpdated,
        AuditAction::SlaPolicyDeleted,
        AuditAction::SlaCalendarCreated,
        AuditAction::SlaCalendarUpdated,
        AuditAction::SlaCalendarDeleted,
        AuditAction::MailboxCreated,
        AuditAction::MailboxUpdated,
        AuditAction::CannedCreated,
        AuditAction::CannedUpdated,
        AuditAction::CannedDeleted,
    ];
    /// Stable text (stored).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::InviteSent => "invite_sent",
            AuditAction::InviteResent => "invite_resent",
            AuditAction::InviteRevoked => "invite_revoked",
            AuditAction::InviteAccepted => "invite_accepted",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::AgentDeactivated => "agent_deactivated",
            AuditAction::AgentReactivated => "agent_reactivated",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::GroupRoutingChanged => "group_routing_changed",
            AuditAction::AgentProfileChanged => "agent_profile_changed",
            AuditAction::RuleCreated => "rule_created",
            AuditAction::RuleUpdated => "rule_updated",
            AuditAction::RuleDeleted => "rule_deleted",
            AuditAction::SlaPolicyCreated => "sla_policy_created",
            AuditAction::SlaPolicyUpdated => "sla_policy_updated",
            AuditAction::SlaPolicyDeleted => "sla_policy_deleted",
            AuditAction::SlaCalendarCreated => "sla_calendar_created",
            AuditAction::SlaCalendarUpdated => "sla_calendar_updated",
            AuditAction::SlaCalendarDeleted => "sla_calendar_deleted",
            AuditAction::MailboxCreated => "mailbox_created",
            AuditAction::MailboxUpdated => "mailbox_updated",
            AuditAction::CannedCreated => "canned_created",
            AuditAction::CannedUpdated => "canned_updated",
            AuditAction::CannedDeleted => "canned_deleted",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An audit entry to write (in the transaction of the change it records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`None`: the system).
    pub actor: Option<AgentId>,
    /// What.
    pub action: AuditAction,
    /// The kind of thing changed (`agent`).
    pub target_kind: String,
    /// Its id, as text.
    pub target_id: String,
    /// `{"before": …, "after": …}` (never a secret).
    pub details: serde_json::Value,
}

impl NewAuditEntry {
    /// An entry about agent `target`.
    pub fn agent(
        at: DateTime<Utc>,
        actor: Option<AgentId>,
        action: AuditAction,
        target: AgentId,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Self {
        Self {
            at,
            actor,
            action,
            target_kind: "agent".to_owned(),
            target_id: target.0.to_string(),
            details: serde_json::json!({ "before": before, "after": after }),
        }
    }
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Id (newest is largest).
    pub id: i64,
    /// The entry.
    pub entry: NewAuditEntry,
}

/// Which audit entries to list: newest first, page by page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this actor's.
    pub actor: Option<AgentId>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Entries to skip (page × page size).
    pub offset: i64,
    /// Entries at most.
    pub limit: i64,
}

/// An account mail: subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMail {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// The invitation mail for `name`, sent by `inviter`, with `link`.
pub fn invite_mail(lang: Lang, name: &str, inviter: &str, link: &str) -> AccountMail {
    let days = INVITE_TTL_HOURS / 24;
    match lang {
        Lang::Ru => AccountMail {
            subject: format!("{name}, вас пригласили в службу поддержки"),
            body: format!(
                "Здравствуйте, {name}!\n\n{inviter} приглашает вас в службу поддержки. \
                 Чтобы задать пароль и войти, откройте ссылку:\n\n{link}\n\n\
                 Ссылка действует {days} дней и открывается один раз.\n"
            ),
        },
        Lang::En => AccountMail {
            subject: format!("{name}, you are invited to the helpdesk"),
            body: format!(
                "Hello {name},\n\n{inviter} invites you to the helpdesk. \
                 To set your password and sign in, open this link:\n\n{link}\n\n\
                 The link works for {days} days and only once.\n"
            ),
        },
    }
}

/// The password reset mail for `name` with `link`.
pub fn reset_mail(lang: Lang, name: &str, link: &str) -> AccountMail {
    match lang {
        Lang::Ru => AccountMail {
            subject: format!("{name}, сброс пароля"),
            body: format!(
                "Здравствуйте, {name}!\n\nКто-то (возможно, вы) попросил сбросить ваш пароль. \
                 Чтобы задать новый, откройте ссылку:\n\n{link}\n\n\
                 Ссылка действует {RESET_TTL_MINUTES} минут и открывается один раз. \
                 Если вы не просили сброс, ничего не делайте.\n"
            ),
        },
        Lang::En => AccountMail {
            subject: format!("{name}, password reset"),
            body: format!(
                "Hello {name},\n\nSomeone (probably you) asked to reset your password. \
                 To set a new one, open this link:\n\n{link}\n\n\
                 The link works for {RESET_TTL_MINUTES} minutes and only once. \
                 If you did not ask for it, do nothing.\n"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_names_its_reason() {
        let code = |pw: &str| {
            check_password(pw, "Ann@Example.com")
                .err()
                .map(|e| e.0[0].code.clone())
        };
        assert_eq!(code("short"), Some("too_short".into()));
        assert_eq!(code("ann@example.com"), Some("equals_email".into()));
        assert_eq!(
            code(&"x".repeat(MAX_PASSWORD_CHARS + 1)),
            Some("too_long".into())
        );
        assert_eq!(code("долгий пароль"), None);
        // Ten characters, not ten bytes.
        assert_eq!(code("пароль1234"), None);
    }

    #[test]
    fn tokens_are_stored_as_sha256_hex_and_linked_by_kind() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(TokenKind::Invite.path("t"), "/invite/t");
        assert_eq!(TokenKind::Reset.path("t"), "/reset/t");
    }

    #[test]
    fn stored_texts_read_back() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        for s in [
            AccountStatus::Active,
            AccountStatus::Invited,
            AccountStatus::Deactivated,
        ] {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AccountStatus::parse("x"), None);
    }

    #[test]
    fn mails_carry_the_link_in_the_recipients_language() {
        let m = invite_mail(Lang::Ru, "Анна", "Босс", "http://x/invite/t");
        assert!(m.subject.starts_with("Анна,") && m.body.contains("http://x/invite/t"));
        let m = reset_mail(Lang::En, "Ann", "http://x/reset/t");
        assert!(m.subject.contains("password reset") && m.body.contains("60 minutes"));
    }
}
