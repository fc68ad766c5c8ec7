//! The issue 6 account queries: account status, one-time invite and reset tokens, roles, and
//! the audit log of administrative changes.
//!
//! Compiled as a child of `ops.rs` (once per dialect) and re-exported from it.
//!
//! Invariants kept here:
//! - every change and its audit entry (and its mail job) commit in one transaction;
//! - a token row holds the token's SHA-256 only; a token is used by one conditional
//!   `UPDATE … WHERE used_at IS NULL AND expires_at > now RETURNING`, so two concurrent
//!   redemptions cannot both succeed; issuing a token voids (marks used) the agent's unused
//!   tokens of the same kind;
//! - redeeming sets the password, makes the account active and deletes every session of the
//!   agent; deactivating deletes the sessions and voids the tokens;
//! - the last active admin keeps the admin role and stays active: the guard is a condition of
//!   the same `UPDATE`, so two admins demoting each other at once cannot both succeed on
//!   PostgreSQL's row locks / SQLite's single writer;
//! - every time written is truncated to microseconds.

use super::super::super::{db_err, db_err_dup, db_err_ref};
use super::{Conn, DbPool, DbRow, agent_from_row, begin, insert_jobs, reader};
use chrono::{DateTime, Duration, Utc};
use lossless::account::{
    AccountStatus, AuditAction, AuditEntry, AuditQuery, IssueToken, NewAuditEntry, NewInvite,
    TokenKind, UserAccount,
};
use lossless::actor::Role;
use lossless::ids::{AgentId, EmailAddress, GroupId};
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::team::Agent;
use serde_json::json;
use sqlx::Row as _;
use std::collections::BTreeMap;

fn status_of(r: &DbRow) -> StoreResult<AccountStatus> {
    let s: String = r.try_get("status").map_err(db_err)?;
    AccountStatus::parse(&s)
        .ok_or_else(|| StoreError::Backend(format!("corrupt row: account status {s}")))
}

pub(super) async fn insert_audit(c: &mut Conn, a: &NewAuditEntry) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, details) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(to_micros(a.at))
    .bind(a.actor.map(|x| x.0))
    .bind(a.action.as_str())
    .bind(&a.target_kind)
    .bind(&a.target_id)
    .bind(a.details.to_string())
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn void_tokens(
    c: &mut Conn,
    agent: AgentId,
    kind: Option<TokenKind>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match kind {
        Some(k) => sqlx::query(
            "UPDATE account_tokens SET used_at = $1 \
             WHERE agent_id = $2 AND kind = $3 AND used_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(agent.0)
        .bind(k.as_str())
        .execute(&mut *c)
        .await
        .map_err(db_err)?,
        None => sqlx::query(
            "UPDATE account_tokens SET used_at = $1 WHERE agent_id = $2 AND used_at IS NULL",
        )
        .bind(to_micros(now))
        .bind(agent.0)
        .execute(&mut *c)
        .await
        .map_err(db_err)?,
    };
    Ok(())
}

async fn insert_token(
    c: &mut Conn,
    agent: AgentId,
    t: &lossless::account::NewToken,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, kind, agent_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.hash)
    .bind(t.kind.as_str())
    .bind(agent.0)
    .bind(to_micros(t.created_at))
    .bind(to_micros(t.expires_at))
    .execute(&mut *c)
    .await
    .map_err(db_err_dup("token"))?;
    Ok(())
}

pub(crate) async fn user_accounts(pool: &DbPool) -> StoreResult<Vec<UserAccount>> {
    let rows = sqlx::query("SELECT * FROM agents ORDER BY name, id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    let members = sqlx::query("SELECT agent_id, group_id FROM group_members ORDER BY group_id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    let mut groups: BTreeMap<i64, Vec<GroupId>> = BTreeMap::new();
    for m in &members {
        let a: i64 = m.try_get("agent_id").map_err(db_err)?;
        let g: i64 = m.try_get("group_id").map_err(db_err)?;
        groups.entry(a).or_default().push(GroupId(g));
    }
    rows.iter()
        .map(|r| {
            let agent = agent_from_row(r)?;
            Ok(UserAccount {
                status: status_of(r)?,
                groups: groups.remove(&agent.id.0).unwrap_or_default(),
                agent,
            })
        })
        .collect()
}

pub(crate) async fn active_agent_by_email(
    pool: &DbPool,
    email: EmailAddress,
) -> StoreResult<Option<(Agent, String)>> {
    let row =
        sqlx::query("SELECT * FROM agents WHERE lower(email) = lower($1) AND status = 'active'")
            .bind(email.as_str())
            .fetch_optional(reader(pool))
            .await
            .map_err(db_err)?;
    match row {
        Some(r) => Ok(Some((
            agent_from_row(&r)?,
            r.try_get("password_hash").map_err(db_err)?,
        ))),
        None => Ok(None),
    }
}

pub(crate) async fn create_invite(pool: &DbPool, i: NewInvite) -> StoreResult<Agent> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "INSERT INTO agents (email, name, role, lang, password_hash, status) \
         VALUES ($1, $2, $3, $4, '', 'invited') RETURNING id",
    )
    .bind(i.agent.email.as_str())
    .bind(&i.agent.name)
    .bind(i.agent.role.as_str())
    .bind(i.agent.lang.code())
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err_dup("email"))?;
    let id = AgentId(row.try_get(0).map_err(db_err)?);
    for g in &i.groups {
        sqlx::query("INSERT INTO group_members (group_id, agent_id) VALUES ($1, $2)")
            .bind(g.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err_ref)?;
    }
    insert_token(&mut tx, id, &i.token).await?;
    insert_jobs(&mut tx, std::slice::from_ref(&i.job)).await?;
    let mut audit = i.audit;
    audit.target_id = id.0.to_string();
    insert_audit(&mut tx, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(Agent {
        id,
        email: i.agent.email,
        name: i.agent.name,
        role: i.agent.role,
        lang: i.agent.lang,
    })
}

pub(crate) async fn issue_token(
    pool: &DbPool,
    agent: AgentId,
    status: AccountStatus,
    i: IssueToken,
) -> StoreResult<bool> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // Locks the agent row on PostgreSQL (a no-op update), so the count below is not raced.
    let found = sqlx::query("UPDATE agents SET status = status WHERE id = $1 AND status = $2")
        .bind(agent.0)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if found == 0 {
        return Ok(false);
    }
    if let Some(limit) = i.per_hour {
        let since = to_micros(i.token.created_at - Duration::hours(1));
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM account_tokens \
             WHERE agent_id = $1 AND kind = $2 AND created_at > $3",
        )
        .bind(agent.0)
        .bind(i.token.kind.as_str())
        .bind(since)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get(0)
        .map_err(db_err)?;
        if n >= limit {
            return Ok(false);
        }
    }
    void_tokens(&mut tx, agent, Some(i.token.kind), i.token.created_at).await?;
    insert_token(&mut tx, agent, &i.token).await?;
    insert_jobs(&mut tx, std::slice::from_ref(&i.job)).await?;
    if let Some(a) = &i.audit {
        insert_audit(&mut tx, a).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// The status a token's holder must have for it to open anything.
fn holder_status(kind: TokenKind) -> AccountStatus {
    match kind {
        TokenKind::Invite => AccountStatus::Invited,
        TokenKind::Reset => AccountStatus::Active,
    }
}

pub(crate) async fn token_agent(
    pool: &DbPool,
    kind: TokenKind,
    hash: String,
    now: DateTime<Utc>,
) -> StoreResult<Option<Agent>> {
    let row = sqlx::query(
        "SELECT a.* FROM account_tokens t JOIN agents a ON a.id = t.agent_id \
         WHERE t.token_hash = $1 AND t.kind = $2 AND t.used_at IS NULL AND t.expires_at > $3 \
         AND a.status = $4",
    )
    .bind(hash)
    .bind(kind.as_str())
    .bind(to_micros(now))
    .bind(holder_status(kind).as_str())
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    row.as_ref().map(agent_from_row).transpose()
}

pub(crate) async fn redeem_token(
    pool: &DbPool,
    kind: TokenKind,
    hash: String,
    now: DateTime<Utc>,
    password_hash: String,
    action: AuditAction,
) -> StoreResult<Option<Agent>> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let used = sqlx::query(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND kind = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING agent_id",
    )
    .bind(now)
    .bind(hash)
    .bind(kind.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    let Some(used) = used else {
        return Ok(None);
    };
    let id = AgentId(used.try_get(0).map_err(db_err)?);
    let before = holder_status(kind);
    let row = sqlx::query(
        "UPDATE agents SET password_hash = $1, status = 'active' \
         WHERE id = $2 AND status = $3 RETURNING *",
    )
    .bind(password_hash)
    .bind(id.0)
    .bind(before.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    let Some(row) = row else {
        // The holder's status no longer lets the token open anything: nothing is written.
        return Ok(None);
    };
    let agent = agent_from_row(&row)?;
    sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    void_tokens(&mut tx, id, Some(kind), now).await?;
    insert_audit(
        &mut tx,
        &NewAuditEntry::agent(
            now,
            Some(id),
            action,
            id,
            json!({ "status": before.as_str() }),
            json!({ "status": AccountStatus::Active.as_str() }),
        ),
    )
    .await?;
    tx.commit().await.map_err(db_err)?;
    Ok(Some(agent))
}

/// The condition that keeps at least one other active admin when `$1` loses the admin role
/// or the account.
macro_rules! other_admin {
    () => {
        "EXISTS (SELECT 1 FROM agents o \
         WHERE o.role = 'admin' AND o.status = 'active' AND o.id <> $1)"
    };
}

pub(crate) async fn set_agent_role(
    pool: &DbPool,
    agent: AgentId,
    role: Role,
    audit: NewAuditEntry,
) -> StoreResult<bool> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let exists = sqlx::query("SELECT role FROM agents WHERE id = $1")
        .bind(agent.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let sql = concat!(
        "UPDATE agents SET role = $2 WHERE id = $1 \
         AND ($2 = 'admin' OR role <> 'admin' OR status <> 'active' OR ",
        other_admin!(),
        ")"
    );
    let n = sqlx::query(sql)
        .bind(agent.0)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    insert_audit(&mut tx, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

pub(crate) async fn set_account_status(
    pool: &DbPool,
    agent: AgentId,
    status: AccountStatus,
    audit: NewAuditEntry,
) -> StoreResult<bool> {
    let now = to_micros(audit.at);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let exists = sqlx::query("SELECT status FROM agents WHERE id = $1")
        .bind(agent.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let n = match status {
        AccountStatus::Deactivated => {
            let sql = concat!(
                "UPDATE agents SET status = 'deactivated' WHERE id = $1 \
                 AND (role <> 'admin' OR status <> 'active' OR ",
                other_admin!(),
                ")"
            );
            let n = sqlx::query(sql)
                .bind(agent.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n > 0 {
                sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
                    .bind(agent.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                void_tokens(&mut tx, agent, None, now).await?;
            }
            n
        }
        AccountStatus::Active | AccountStatus::Invited => sqlx::query(
            "UPDATE agents SET status = CASE WHEN password_hash = '' THEN 'invited' \
             ELSE 'active' END WHERE id = $1",
        )
        .bind(agent.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected(),
    };
    if n == 0 {
        return Ok(false);
    }
    insert_audit(&mut tx, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

pub(crate) async fn audit_log(pool: &DbPool, q: AuditQuery) -> StoreResult<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT * FROM audit_log \
         WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR action = $2) \
         ORDER BY id DESC LIMIT $3 OFFSET $4",
    )
    .bind(q.actor.map(|a| a.0))
    .bind(q.action.map(AuditAction::as_str))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get("action").map_err(db_err)?;
            let details: String = r.try_get("details").map_err(db_err)?;
            Ok(AuditEntry {
                id: r.try_get("id").map_err(db_err)?,
                entry: NewAuditEntry {
                    at: r.try_get("at").map_err(db_err)?,
                    actor: r
                        .try_get::<Option<i64>, _>("actor_id")
                        .map_err(db_err)?
                        .map(AgentId),
                    action: AuditAction::parse(&action).ok_or_else(|| {
                        StoreError::Backend(format!("corrupt row: audit action {action}"))
                    })?,
                    target_kind: r.try_get("target_kind").map_err(db_err)?,
                    target_id: r.try_get("target_id").map_err(db_err)?,
                    details: serde_json::from_str(&details).map_err(|e| {
                        StoreError::Backend(format!("corrupt row: audit details: {e}"))
                    })?,
                },
            })
        })
        .collect()
}

// ---- assignable agents (issue 6 follow-up) ----

/// Agents whose account is not active (invited or deactivated), by id.
pub(crate) async fn inactive_agents(pool: &DbPool) -> StoreResult<Vec<AgentId>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM agents WHERE status <> 'active' ORDER BY id")
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?;
    Ok(ids.into_iter().map(AgentId).collect())
}
