//! The issue 6 agent-alert queries: a notification stored once per key, and each agent's
//! email preferences.
//!
//! Compiled as a child of `ops.rs` (once per dialect) and re-exported from it.
//!
//! Invariants: a keyed notification is inserted with `ON CONFLICT DO NOTHING` on its key
//! (a partial unique index), so storing the same key again stores nothing and returns
//! `None`; an agent without a preferences row gets [`EmailPrefs::default`] (every kind on);
//! preferences of an unknown agent are `NotFound`.

use super::super::super::db_err;
use super::{DbPool, begin, notification_from_row, reader};
use chrono::{DateTime, Utc};
use lossless::ids::AgentId;
use lossless::notification::{EmailPrefs, MAX_NOTIFICATION_CHARS, NewNotification, Notification};
use lossless::ports::{StoreError, StoreResult, to_micros};

pub(crate) async fn add_keyed_notification(
    pool: &DbPool,
    key: String,
    n: NewNotification,
    now: DateTime<Utc>,
) -> StoreResult<Option<Notification>> {
    let text: String = n.text.chars().take(MAX_NOTIFICATION_CHARS).collect();
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "INSERT INTO notifications (agent_id, ticket_id, text, created_at, dedupe_key) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING *",
    )
    .bind(n.agent.0)
    .bind(n.ticket.map(|t| t.0))
    .bind(text)
    .bind(to_micros(now))
    .bind(key)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| match e.as_database_error() {
        Some(d) if d.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    })?;
    tx.commit().await.map_err(db_err)?;
    row.as_ref().map(notification_from_row).transpose()
}

pub(crate) async fn agent_prefs(pool: &DbPool, agent: AgentId) -> StoreResult<EmailPrefs> {
    let raw: Option<String> =
        sqlx::query_scalar("SELECT email_prefs FROM agent_prefs WHERE agent_id = $1")
            .bind(agent.0)
            .fetch_optional(reader(pool))
            .await
            .map_err(db_err)?;
    match raw {
        Some(raw) => serde_json::from_str(&raw)
            .map_err(|e| StoreError::Backend(format!("corrupt row: bad email_prefs: {e}"))),
        None => Ok(EmailPrefs::default()),
    }
}

pub(crate) async fn save_agent_prefs(
    pool: &DbPool,
    agent: AgentId,
    prefs: EmailPrefs,
) -> StoreResult<()> {
    let raw = serde_json::to_string(&prefs).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "INSERT INTO agent_prefs (agent_id, email_prefs) VALUES ($1, $2) \
         ON CONFLICT (agent_id) DO UPDATE SET email_prefs = excluded.email_prefs",
    )
    .bind(agent.0)
    .bind(raw)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e.as_database_error() {
        Some(d) if d.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    })?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}
