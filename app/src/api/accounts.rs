//! User accounts (issue 6): the admins' users page (`/manage/users`: invite, re-invite,
//! withdraw, role, deactivate/reactivate), the audit log (`/manage/audit`, managers and
//! admins, read-only), and the pages without a session: `/invite/<token>` (first password),
//! `/reset` (ask for a link) and `/reset/<token>` (new password). Each call authenticates
//! (or not, for the token pages), parses at the edge and calls one
//! `lossless::services::accounts` function.
//!
//! Invariants:
//! - tokens are 256 random bits made here; links are built on the configured `public_url`,
//!   never on the request's `Host` (a forged host must not receive someone's reset link);
//! - the password is checked against the policy (422 on `password`) before it is hashed
//!   (argon2id on a blocking thread); it never reaches a log, a DTO or the audit log;
//! - setting a password through a link ends every other session of the agent and signs the
//!   browser in (a fresh session cookie), then redirects to `/agent`;
//! - a token that opens nothing is `NotFound` (404), the same for unknown, used and expired;
//! - a reset request answers the same for known and unknown addresses.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::account::{AccountStatus, AuditAction};
use lossless::actor::Role;
use lossless::ids::AgentId;
use serde::{Deserialize, Serialize};

/// One agent on the users page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// The agent.
    pub id: AgentId,
    /// Name.
    pub name: String,
    /// Sign-in address.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Account status.
    pub status: AccountStatus,
    /// Group names.
    pub groups: Vec<String>,
}

/// A group the invite form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOption {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// The users page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersView {
    /// Everyone, by name.
    pub users: Vec<UserRow>,
    /// All groups.
    pub groups: Vec<GroupOption>,
    /// The signed-in admin.
    pub me: Option<AgentId>,
}

/// One audit entry as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (name; empty: the system).
    pub actor: String,
    /// What.
    pub action: AuditAction,
    /// What it was done to (`agent Ann`, or `kind #id`).
    pub target: String,
    /// The JSON details (before/after).
    pub details: String,
}

/// The audit page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// Newest first.
    pub rows: Vec<AuditRow>,
    /// Agents for the actor filter.
    pub agents: Vec<GroupOption>,
    /// There is an older page.
    pub more: bool,
}

/// Who a link is for (shown above the password form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderView {
    /// Name.
    pub name: String,
    /// Sign-in address.
    pub email: String,
}

/// Parses a role (`agent|manager|admin`).
pub fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw.trim()).ok_or_else(|| AppError::invalid("role", "invalid"))
}

/// Parses comma-separated group ids.
pub fn parse_groups(raw: &str) -> Result<Vec<lossless::ids::GroupId>, AppError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map(lossless::ids::GroupId)
                .map_err(|_| AppError::invalid("groups", "invalid"))
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn token_kind(invite: bool) -> lossless::account::TokenKind {
    if invite {
        lossless::account::TokenKind::Invite
    } else {
        lossless::account::TokenKind::Reset
    }
}

/// Checks the password, hashes it, uses the token and signs the browser in.
#[cfg(feature = "ssr")]
async fn set_password(invite: bool, token: String, password: String) -> Result<(), AppError> {
    use crate::error::internal;
    use lossless::services::accounts;
    let cx = crate::ssr::app_context()?;
    let kind = token_kind(invite);
    accounts::check_new_password(&cx.ports, kind, &token, &password).await?;
    let hash = tokio::task::spawn_blocking(move || crate::ssr::hash_password(&password))
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| internal(&e))?;
    let agent = accounts::redeem(&cx.ports, kind, &token, &hash).await?;
    crate::ssr::start_session(&cx, &agent).await?;
    leptos_axum::redirect("/agent");
    Ok(())
}

/// Everyone with role, groups and status, and the groups (admins).
#[server]
pub async fn users_screen() -> Result<UsersView, AppError> {
    with_status(async {
        let (cx, me, actor) = crate::ssr::require_agent().await?;
        let users = lossless::services::accounts::users(&cx.ports, &actor).await?;
        let groups = cx
            .ports
            .store
            .groups()
            .await
            .map_err(|e| crate::error::internal(&e))?;
        let name = |id: &lossless::ids::GroupId| {
            groups
                .iter()
                .find(|g| g.id == *id)
                .map(|g| g.name.clone())
                .unwrap_or_default()
        };
        Ok(UsersView {
            users: users
                .into_iter()
                .map(|u| UserRow {
                    groups: u.groups.iter().map(name).collect(),
                    id: u.agent.id,
                    name: u.agent.name,
                    email: u.agent.email.to_string(),
                    role: u.agent.role,
                    status: u.status,
                })
                .collect(),
            groups: groups
                .iter()
                .map(|g| GroupOption {
                    id: g.id.0,
                    name: g.name.clone(),
                })
                .collect(),
            me: Some(me.id),
        })
    })
    .await
}

/// Invites an agent (admins): `groups` are comma-separated ids, `lang` `ru|en`.
#[server]
pub async fn invite_user(
    email: String,
    name: String,
    role: String,
    lang: String,
    #[server(default)] groups: String,
) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let draft = lossless::services::accounts::InviteDraft {
            email,
            name,
            role: parse_role(&role)?,
            groups: parse_groups(&groups)?,
            lang: lossless::ids::Lang::from_code(&lang)
                .ok_or_else(|| AppError::invalid("lang", "invalid"))?,
        };
        let token = crate::ssr::new_session_token();
        lossless::services::accounts::invite(&cx.ports, &actor, draft, &token, &cx.public_url)
            .await?;
        Ok(())
    })
    .await
}

/// Sends an invited agent a new link (admins).
#[server]
pub async fn resend_invite(agent: AgentId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let token = crate::ssr::new_session_token();
        Ok(lossless::services::accounts::resend_invite(
            &cx.ports,
            &actor,
            agent,
            &token,
            &cx.public_url,
        )
        .await?)
    })
    .await
}

/// Withdraws an invitation (admins).
#[server]
pub async fn revoke_invite(agent: AgentId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::accounts::revoke_invite(&cx.ports, &actor, agent).await?)
    })
    .await
}

/// Changes an agent's role (admins).
#[server]
pub async fn change_role(agent: AgentId, role: String) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let role = parse_role(&role)?;
        Ok(lossless::services::accounts::change_role(&cx.ports, &actor, agent, role).await?)
    })
    .await
}

/// Deactivates or reactivates an account (admins).
#[server]
pub async fn set_agent_active(agent: AgentId, active: bool) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::accounts::set_active(&cx.ports, &actor, agent, active).await?)
    })
    .await
}

/// Audit entries, newest first, page `page` (0-based), filtered by actor id and action
/// (empty: any) (managers and admins).
#[server]
pub async fn audit_screen(
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] page: i64,
) -> Result<AuditView, AppError> {
    with_status(async {
        use lossless::account::{AUDIT_PAGE_SIZE, AuditQuery};
        let (cx, _, me) = crate::ssr::require_agent().await?;
        let actor = match actor.trim() {
            "" => None,
            s => Some(AgentId(
                s.parse()
                    .map_err(|_| AppError::invalid("actor", "invalid"))?,
            )),
        };
        let action = match action.trim() {
            "" => None,
            s => Some(AuditAction::parse(s).ok_or_else(|| AppError::invalid("action", "invalid"))?),
        };
        let page = page.clamp(0, 100_000);
        let rows = lossless::services::accounts::audit_log(
            &cx.ports,
            &me,
            AuditQuery {
                actor,
                action,
                offset: page * AUDIT_PAGE_SIZE,
                limit: AUDIT_PAGE_SIZE,
            },
        )
        .await?;
        let agents = cx
            .ports
            .store
            .agents()
            .await
            .map_err(|e| crate::error::internal(&e))?;
        let name = |id: Option<AgentId>| {
            id.and_then(|id| agents.iter().find(|a| a.id == id))
                .map(|a| a.name.clone())
                .unwrap_or_default()
        };
        let more = i64::try_from(rows.len()).unwrap_or(0) >= AUDIT_PAGE_SIZE;
        Ok(AuditView {
            rows: rows
                .into_iter()
                .map(|r| {
                    let e = r.entry;
                    let target = match (e.target_kind.as_str(), e.target_id.parse::<i64>()) {
                        ("agent", Ok(id)) => name(Some(AgentId(id))),
                        // Configuration changes (`lossless::audit`) carry the name.
                        _ => match e.details.get("name").and_then(|n| n.as_str()) {
                            Some(n) => format!("{} #{} {n}", e.target_kind, e.target_id),
                            None => format!("{} #{}", e.target_kind, e.target_id),
                        },
                    };
                    AuditRow {
                        id: r.id,
                        at: e.at,
                        actor: name(e.actor),
                        action: e.action,
                        target,
                        details: e.details.to_string(),
                    }
                })
                .collect(),
            agents: agents
                .iter()
                .map(|a| GroupOption {
                    id: a.id.0,
                    name: a.name.clone(),
                })
                .collect(),
            more,
        })
    })
    .await
}

/// Who an invite (`invite == true`) or reset link is for; `NotFound` for a link that opens
/// nothing. No session needed.
#[server]
pub async fn link_holder(invite: bool, token: String) -> Result<HolderView, AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let a = lossless::services::accounts::token_holder(&cx.ports, token_kind(invite), &token)
            .await?;
        Ok(HolderView {
            name: a.name,
            email: a.email.to_string(),
        })
    })
    .await
}

/// Sets the first password through an invite link and signs in (redirect to `/agent`).
#[server]
pub async fn accept_invite(token: String, password: String) -> Result<(), AppError> {
    with_status(set_password(true, token, password)).await
}

/// Asks for a reset link; the same answer whether or not the address is known.
#[server]
pub async fn request_reset(email: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = crate::ssr::new_session_token();
        Ok(
            lossless::services::accounts::request_reset(&cx.ports, &email, &token, &cx.public_url)
                .await?,
        )
    })
    .await
}

/// Sets a new password through a reset link, ends the other sessions and signs in (redirect
/// to `/agent`).
#[server]
pub async fn complete_reset(token: String, password: String) -> Result<(), AppError> {
    with_status(set_password(false, token, password)).await
}
