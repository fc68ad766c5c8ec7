//! The issue 6 queries of the store: canned responses (personal and shared reply templates,
//! with their macro actions).
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers, pools and transactions.
//!
//! Invariants kept here:
//! - a response's owner is its `owner_id` column (`NULL`: shared); the draft's `shared`
//!   flag is never stored, so the two cannot disagree; an unknown owner fails the foreign
//!   key and is `NotFound`;
//! - the macro actions are stored as the serde JSON of `MacroActions`;
//! - lists are by id; searching and ordering by title happen in the core (Unicode case
//!   folding that neither database's `lower()` does the same way);
//! - every time written is truncated to microseconds.

use super::super::super::{db_err, db_err_ref};
use super::{DbPool, DbRow, begin, codec, reader};
use chrono::{DateTime, Utc};
use lossless::canned::{CannedDraft, CannedResponse};
use lossless::ids::{AgentId, CannedId};
use lossless::ports::{StoreError, StoreResult, to_micros};
use sqlx::Row as _;

fn canned_from_row(r: &DbRow) -> StoreResult<CannedResponse> {
    let actions: String = r.try_get("actions").map_err(db_err)?;
    Ok(CannedResponse {
        id: CannedId(r.try_get("id").map_err(db_err)?),
        owner: r
            .try_get::<Option<i64>, _>("owner_id")
            .map_err(db_err)?
            .map(AgentId),
        title: r.try_get("title").map_err(db_err)?,
        body: r.try_get("body").map_err(db_err)?,
        shortcut: r.try_get("shortcut").map_err(db_err)?,
        actions: serde_json::from_str(&actions)
            .map_err(|e| StoreError::Backend(format!("corrupt row: bad actions: {e}")))?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

pub(crate) async fn canned_responses(
    pool: &DbPool,
    agent: Option<AgentId>,
) -> StoreResult<Vec<CannedResponse>> {
    let rows = match agent {
        Some(a) => sqlx::query(
            "SELECT * FROM canned_responses WHERE owner_id IS NULL OR owner_id = $1 ORDER BY id",
        )
        .bind(a.0)
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?,
        None => sqlx::query("SELECT * FROM canned_responses ORDER BY id")
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?,
    };
    rows.iter().map(canned_from_row).collect()
}

pub(crate) async fn canned_response(
    pool: &DbPool,
    id: CannedId,
) -> StoreResult<Option<CannedResponse>> {
    let row = sqlx::query("SELECT * FROM canned_responses WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(canned_from_row).transpose()
}

pub(crate) async fn save_canned_response(
    pool: &DbPool,
    id: Option<CannedId>,
    owner: Option<AgentId>,
    draft: CannedDraft,
    now: DateTime<Utc>,
) -> StoreResult<CannedResponse> {
    save_canned_response_audited(pool, id, owner, draft, now, None).await
}

/// [`save_canned_response`] writing `audit` (issue 6 follow-up; its `target_id`: the
/// response's id) in the same transaction.
pub(crate) async fn save_canned_response_audited(
    pool: &DbPool,
    id: Option<CannedId>,
    owner: Option<AgentId>,
    draft: CannedDraft,
    now: DateTime<Utc>,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<CannedResponse> {
    let actions = codec::to_json(&draft.actions)?;
    let now = to_micros(now);
    let q = match id {
        None => sqlx::query(
            "INSERT INTO canned_responses \
             (owner_id, title, body, shortcut, actions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
        ),
        Some(_) => sqlx::query(
            "UPDATE canned_responses SET owner_id = $1, title = $2, body = $3, shortcut = $4, \
             actions = $5, updated_at = $6 WHERE id = $7 RETURNING *",
        ),
    }
    .bind(owner.map(|o| o.0))
    .bind(draft.title)
    .bind(draft.body)
    .bind(draft.shortcut)
    .bind(actions)
    .bind(now);
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = q
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err_ref)?
        .ok_or(StoreError::NotFound)?;
    let saved = canned_from_row(&row)?;
    if let Some(mut a) = audit {
        a.target_id = saved.id.0.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(saved)
}

pub(crate) async fn delete_canned_response(pool: &DbPool, id: CannedId) -> StoreResult<()> {
    super::routing::delete_row(pool, "canned_responses", id.0, None).await
}

pub(crate) async fn delete_canned_response_audited(
    pool: &DbPool,
    id: CannedId,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    super::routing::delete_row(pool, "canned_responses", id.0, audit).await
}
