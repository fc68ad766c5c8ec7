//! User accounts (issue 6): invitations by email, password resets, roles and account status,
//! and the audit log of administrative changes.
//!
//! Who may do what:
//! - inviting, re-inviting, revoking invitations, changing roles and (de)activating accounts
//!   are for admins ([`Permission::ManageUsers`]): a manager could otherwise make themselves
//!   or a friend an admin; managers run the team's routing on `/manage/team` instead;
//! - the audit log is read by managers and admins ([`Permission::ViewAudit`]), read-only;
//! - the invite and reset links need no session: the token is the credential.
//!
//! Invariants:
//! - every administrative change writes its audit entry in the same store transaction
//!   ([`crate::ports::Store::create_invite`], `issue_token`, `set_agent_role`,
//!   `set_account_status`, `redeem_token`); a refused change (422, 403, 404) writes none;
//! - audited here: `invite_sent`, `invite_resent`, `invite_revoked`, `invite_accepted`,
//!   `role_changed`, `agent_deactivated`, `agent_reactivated`, `password_reset` (never the
//!   password, its hash or a token); audited by [`super::team`] (`/manage/team`):
//!   `group_routing_changed`, `agent_profile_changed`; by [`super::rules`], [`super::sla`] and
//!   the server's channel administration: creating, changing and deleting automation rules,
//!   SLA policies, business calendars and mailboxes (entries built by [`crate::audit`],
//!   written through the store's `*_audited` variants; never a mailbox password);
//! - only active agents own tickets ([`require_assignable`]: `inactive` for an invited or
//!   switched-off agent), and group strategies never pick one;
//! - the invitation or reset mail is a durable job stored with the token;
//! - an unknown, used, expired or voided token is one neutral `NotFound`;
//! - a reset request answers `Ok(())` whether or not the address belongs to an active
//!   account, and whether or not the hourly limit ([`RESET_MAILS_PER_HOUR`]) was reached; only
//!   a malformed address is refused (422), which says nothing about accounts;
//! - nobody deactivates themselves, and the last active admin keeps the role and the account
//!   (422, checked inside the store transaction).

use super::{EmailOut, JobOutcome, Ports};
use crate::account::{
    AccountStatus, AuditAction, AuditEntry, AuditQuery, IssueToken, NewAuditEntry, NewInvite,
    NewToken, RESET_MAILS_PER_HOUR, TokenKind, UserAccount, check_name, check_password,
    invite_mail, reset_mail, token_hash,
};
use crate::actor::{Actor, Permission, Role};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, EmailAddress, GroupId, Lang};
use crate::job::{DEFAULT_MAX_ATTEMPTS, Job, JobKind, NewJob};
use crate::ports::to_micros;
use crate::team::{Agent, NewAgent};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// An invitation as the admin filled it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteDraft {
    /// Address (parsed here).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Groups to join.
    pub groups: Vec<GroupId>,
    /// Language of the mail and the UI.
    pub lang: Lang,
}

fn invalid(field: &str, code: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(field, code);
    DomainError::Invalid(e)
}

fn me(actor: &Actor) -> Result<AgentId, DomainError> {
    actor.agent_id().ok_or(DomainError::Forbidden)
}

fn mail_job(
    kind: TokenKind,
    hash: &str,
    to: EmailAddress,
    mail: crate::account::AccountMail,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        key: format!("account:{}:{hash}", kind.as_str()),
        kind: JobKind::AccountMail {
            to,
            subject: mail.subject,
            body: mail.body,
        },
        run_at: now,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

fn new_token(kind: TokenKind, token: &str, now: DateTime<Utc>) -> NewToken {
    let ttl = match kind {
        TokenKind::Invite => Duration::hours(crate::account::INVITE_TTL_HOURS),
        TokenKind::Reset => Duration::minutes(crate::account::RESET_TTL_MINUTES),
    };
    NewToken {
        hash: token_hash(token),
        kind,
        created_at: now,
        expires_at: now + ttl,
    }
}

fn link(base_url: &str, kind: TokenKind, token: &str) -> String {
    format!("{}{}", base_url.trim_end_matches('/'), kind.path(token))
}

async fn account(p: &Ports, agent: AgentId) -> Result<UserAccount, DomainError> {
    p.store
        .user_accounts()
        .await?
        .into_iter()
        .find(|u| u.agent.id == agent)
        .ok_or(DomainError::NotFound)
}

async fn name_of(p: &Ports, agent: AgentId) -> Result<String, DomainError> {
    Ok(p.store
        .agent(agent)
        .await?
        .map(|a| a.name)
        .unwrap_or_default())
}

/// Every agent with role, groups and account status; for admins.
pub async fn users(p: &Ports, actor: &Actor) -> Result<Vec<UserAccount>, DomainError> {
    actor.require(Permission::ManageUsers)?;
    Ok(p.store.user_accounts().await?)
}

/// Invites an agent: stores them as invited with their groups, an invite `token` (its hash)
/// and the mail with the link `<base_url>/invite/<token>`, and the audit entry, together.
pub async fn invite(
    p: &Ports,
    actor: &Actor,
    draft: InviteDraft,
    token: &str,
    base_url: &str,
) -> Result<Agent, DomainError> {
    actor.require(Permission::ManageUsers)?;
    let by = me(actor)?;
    let mut errs = FieldErrors::default();
    let email = EmailAddress::parse(&draft.email);
    if email.is_err() {
        errs.push(
            "email",
            if draft.email.trim().is_empty() {
                "required"
            } else {
                "invalid"
            },
        );
    }
    let name = check_name(&draft.name, &mut errs);
    let known: Vec<GroupId> = p.store.groups().await?.into_iter().map(|g| g.id).collect();
    if draft.groups.iter().any(|g| !known.contains(g)) {
        errs.push("groups", "invalid");
    }
    let (Ok(email), true) = (email, errs.is_empty()) else {
        return Err(DomainError::Invalid(errs));
    };
    let mut groups = draft.groups;
    groups.sort_unstable();
    groups.dedup();
    let now = to_micros(p.clock.now());
    let kind = TokenKind::Invite;
    let t = new_token(kind, token, now);
    let inviter = name_of(p, by).await?;
    let mail = invite_mail(draft.lang, &name, &inviter, &link(base_url, kind, token));
    let job = mail_job(kind, &t.hash, email.clone(), mail, now);
    let audit = NewAuditEntry::agent(
        now,
        Some(by),
        AuditAction::InviteSent,
        AgentId(0),
        serde_json::Value::Null,
        json!({
            "email": email.as_str(),
            "name": name,
            "role": draft.role.as_str(),
            "groups": groups.iter().map(|g| g.0).collect::<Vec<_>>(),
            "status": AccountStatus::Invited.as_str(),
        }),
    );
    Ok(p.store
        .create_invite(NewInvite {
            agent: NewAgent {
                email,
                name,
                role: draft.role,
                lang: draft.lang,
                password_hash: String::new(),
            },
            groups,
            token: t,
            job,
            audit,
        })
        .await?)
}

/// Sends an invited agent a new invitation (the older link stops working). 422 (`status`
/// `not_allowed`) unless they are still invited.
pub async fn resend_invite(
    p: &Ports,
    actor: &Actor,
    agent: AgentId,
    token: &str,
    base_url: &str,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageUsers)?;
    let by = me(actor)?;
    let acc = account(p, agent).await?;
    if acc.status != AccountStatus::Invited {
        return Err(invalid("status", "not_allowed"));
    }
    let now = to_micros(p.clock.now());
    let kind = TokenKind::Invite;
    let t = new_token(kind, token, now);
    let inviter = name_of(p, by).await?;
    let mail = invite_mail(
        acc.agent.lang,
        &acc.agent.name,
        &inviter,
        &link(base_url, kind, token),
    );
    let job = mail_job(kind, &t.hash, acc.agent.email.clone(), mail, now);
    let audit = NewAuditEntry::agent(
        now,
        Some(by),
        AuditAction::InviteResent,
        agent,
        json!({ "status": acc.status.as_str() }),
        json!({ "status": acc.status.as_str() }),
    );
    let issued = p
        .store
        .issue_token(
            agent,
            AccountStatus::Invited,
            IssueToken {
                token: t,
                job,
                audit: Some(audit),
                per_hour: None,
            },
        )
        .await?;
    if issued {
        Ok(())
    } else {
        Err(invalid("status", "not_allowed"))
    }
}

/// Withdraws an invitation: the link stops working and the account is deactivated. 422
/// (`status` `not_allowed`) unless the agent is still invited.
pub async fn revoke_invite(p: &Ports, actor: &Actor, agent: AgentId) -> Result<(), DomainError> {
    actor.require(Permission::ManageUsers)?;
    let by = me(actor)?;
    let acc = account(p, agent).await?;
    if acc.status != AccountStatus::Invited {
        return Err(invalid("status", "not_allowed"));
    }
    let now = to_micros(p.clock.now());
    let audit = NewAuditEntry::agent(
        now,
        Some(by),
        AuditAction::InviteRevoked,
        agent,
        json!({ "status": acc.status.as_str() }),
        json!({ "status": AccountStatus::Deactivated.as_str() }),
    );
    p.store
        .set_account_status(agent, AccountStatus::Deactivated, audit)
        .await?;
    Ok(())
}

/// Changes an agent's role (nothing happens for the same role). 422 (`role` `last_admin`)
/// when it would leave no active admin.
pub async fn change_role(
    p: &Ports,
    actor: &Actor,
    agent: AgentId,
    role: Role,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageUsers)?;
    let by = me(actor)?;
    let acc = account(p, agent).await?;
    if acc.agent.role == role {
        return Ok(());
    }
    let now = to_micros(p.clock.now());
    let audit = NewAuditEntry::agent(
        now,
        Some(by),
        AuditAction::RoleChanged,
        agent,
        json!({ "role": acc.agent.role.as_str() }),
        json!({ "role": role.as_str() }),
    );
    if p.store.set_agent_role(agent, role, audit).await? {
        Ok(())
    } else {
        Err(invalid("role", "last_admin"))
    }
}

/// Deactivates (`active == false`: no sign-in, sessions end, links void) or reactivates an
/// account; nothing happens when it already is so. 422: `agent` `self` for deactivating
/// yourself, `agent` `last_admin` for the last active admin.
pub async fn set_active(
    p: &Ports,
    actor: &Actor,
    agent: AgentId,
    active: bool,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageUsers)?;
    let by = me(actor)?;
    if !active && by == agent {
        return Err(invalid("agent", "self"));
    }
    let acc = account(p, agent).await?;
    let (to, action) = match (active, acc.status) {
        (false, AccountStatus::Deactivated)
        | (true, AccountStatus::Active | AccountStatus::Invited) => {
            return Ok(());
        }
        (false, _) => (AccountStatus::Deactivated, AuditAction::AgentDeactivated),
        (true, AccountStatus::Deactivated) => {
            (AccountStatus::Active, AuditAction::AgentReactivated)
        }
    };
    let now = to_micros(p.clock.now());
    let audit = NewAuditEntry::agent(
        now,
        Some(by),
        action,
        agent,
        json!({ "status": acc.status.as_str() }),
        json!({ "status": to.as_str() }),
    );
    if p.store.set_account_status(agent, to, audit).await? {
        Ok(())
    } else {
        Err(invalid("agent", "last_admin"))
    }
}

/// The agent a live token of `kind` opens; `NotFound` (neutral) for anything else.
pub async fn token_holder(p: &Ports, kind: TokenKind, token: &str) -> Result<Agent, DomainError> {
    let now = to_micros(p.clock.now());
    p.store
        .token_agent(kind, &token_hash(token), now)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Checks a new password for the holder of a live token (policy, 422 on `password`) before
/// the caller hashes it; returns the holder.
pub async fn check_new_password(
    p: &Ports,
    kind: TokenKind,
    token: &str,
    password: &str,
) -> Result<Agent, DomainError> {
    let agent = token_holder(p, kind, token).await?;
    check_password(password, agent.email.as_str()).map_err(DomainError::Invalid)?;
    Ok(agent)
}

/// Uses a live token: stores the password hash, activates the account, ends every other
/// session and writes the audit entry, together. `NotFound` (neutral) when the token opens
/// nothing (used meanwhile, expired, unknown).
pub async fn redeem(
    p: &Ports,
    kind: TokenKind,
    token: &str,
    password_hash: &str,
) -> Result<Agent, DomainError> {
    let now = to_micros(p.clock.now());
    let action = match kind {
        TokenKind::Invite => AuditAction::InviteAccepted,
        TokenKind::Reset => AuditAction::PasswordReset,
    };
    p.store
        .redeem_token(kind, &token_hash(token), now, password_hash, action)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Asks for a reset link for `email`: mails `<base_url>/reset/<token>` to an active account
/// (voiding its older reset links) unless it got [`RESET_MAILS_PER_HOUR`] this hour.
/// Answers `Ok(())` either way (no account enumeration).
pub async fn request_reset(
    p: &Ports,
    email: &str,
    token: &str,
    base_url: &str,
) -> Result<(), DomainError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Err(invalid(
            "email",
            if email.trim().is_empty() {
                "required"
            } else {
                "invalid"
            },
        ));
    };
    let Some((agent, _)) = p.store.active_agent_by_email(&email).await? else {
        return Ok(());
    };
    let now = to_micros(p.clock.now());
    let kind = TokenKind::Reset;
    let t = new_token(kind, token, now);
    let mail = reset_mail(agent.lang, &agent.name, &link(base_url, kind, token));
    let job = mail_job(kind, &t.hash, agent.email.clone(), mail, now);
    p.store
        .issue_token(
            agent.id,
            AccountStatus::Active,
            IssueToken {
                token: t,
                job,
                audit: None,
                per_hour: Some(RESET_MAILS_PER_HOUR),
            },
        )
        .await?;
    Ok(())
}

/// Audit entries, newest first (at most [`crate::account::AUDIT_PAGE_SIZE`] per call); for
/// managers and admins.
pub async fn audit_log(
    p: &Ports,
    actor: &Actor,
    mut q: AuditQuery,
) -> Result<Vec<AuditEntry>, DomainError> {
    actor.require(Permission::ViewAudit)?;
    q.limit = q.limit.clamp(1, crate::account::AUDIT_PAGE_SIZE);
    q.offset = q.offset.max(0);
    Ok(p.store.audit_log(q).await?)
}

// ---- assignable agents (issue 6 follow-up) ----

/// Refuses `agent` as a ticket's new owner unless its account is active: `Invalid` on
/// `field` with code `invalid` (no such agent) or `inactive` (invited, not yet accepted, or
/// deactivated). Every path that assigns to a named agent asks this (ticket page, bulk,
/// macros, the dashboard; rules at save time; a rule whose agent was switched off later
/// skips that assignment when it runs).
pub async fn require_assignable(p: &Ports, agent: AgentId, field: &str) -> Result<(), DomainError> {
    let code = if p.store.agent(agent).await?.is_none() {
        "invalid"
    } else if p.store.inactive_agents().await?.contains(&agent) {
        "inactive"
    } else {
        return Ok(());
    };
    let mut e = FieldErrors::default();
    e.push(field, code);
    Err(DomainError::Invalid(e))
}

/// Runs an `account_mail` job: sends it through SMTP. A node without SMTP, or a temporary
/// failure, fails the attempt (`Unavailable`), so it is retried and stays visible instead of
/// vanishing; a permanent refusal (an SMTP 5xx reply) fails the job at once
/// ([`JobOutcome::Failed`]).
pub(super) async fn send_mail(
    email: Option<&EmailOut>,
    job: &Job,
    to: &EmailAddress,
    subject: &str,
    body: &str,
) -> Result<JobOutcome, DomainError> {
    let Some(email) = email.filter(|e| e.mailer.can_send()) else {
        return Err(DomainError::Unavailable(
            "this node sends no email (no SMTP configured)".to_owned(),
        ));
    };
    let mail = crate::email::outbound::OutgoingEmail {
        mailbox: None,
        to: to.clone(),
        cc: Vec::new(),
        subject: subject.to_owned(),
        message_id: format!(
            "{}-{}@{}",
            job.kind.name(),
            job.id,
            email.settings.message_id_domain
        ),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: true,
        body: body.to_owned(),
    };
    // A permanent refusal ("550 user unknown") fails the job for good; others are retried.
    match email.mailer.send(mail).await {
        Ok(()) => Ok(JobOutcome::Done),
        Err(e) if e.permanent => Ok(JobOutcome::Failed(e.reason)),
        Err(e) => Err(DomainError::Unavailable(e.reason)),
    }
}
