//! The issue 7 customer portal queries: one-time sign-in links (with their mail job) and the
//! customer portal sessions they start.
//!
//! Compiled as a child of `ops.rs` (once per dialect) and re-exported from it.
//!
//! Invariants kept here:
//! - a link row and its mail job commit in one transaction, and only when the address got
//!   fewer than the limit of links in the hour before; the count runs after locking the
//!   contact row (PostgreSQL; SQLite's `BEGIN IMMEDIATE` serializes writers anyway), so two
//!   concurrent requests cannot both slip under the limit;
//! - rows hold the SHA-256 of tokens only; a link is used by one conditional
//!   `UPDATE … WHERE used_at IS NULL AND expires_at > now RETURNING`, in the transaction that
//!   inserts the session, so two concurrent uses cannot both start a session;
//! - a contact's links and sessions go with the contact (`ON DELETE CASCADE`: a contact
//!   merged away signs in again as the contact that stayed);
//! - every time written is truncated to microseconds.

use super::super::super::db_err;
use super::super::FOR_UPDATE;
use super::{DbPool, begin, insert_jobs, reader};
use chrono::{DateTime, Duration, Utc};
use lossless::ids::ContactId;
use lossless::portal::NewPortalLink;
use lossless::ports::{StoreError, StoreResult, to_micros};
use sqlx::Row as _;

pub(crate) async fn issue_portal_link(
    pool: &DbPool,
    link: NewPortalLink,
    per_hour: i64,
) -> StoreResult<bool> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM contacts WHERE id = $1{FOR_UPDATE}"
    )))
    .bind(link.contact.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    if found.is_none() {
        return Err(StoreError::NotFound);
    }
    let email = link.email.as_str().to_lowercase();
    let since = to_micros(link.created_at - Duration::hours(1));
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM portal_links WHERE email = $1 AND created_at > $2")
            .bind(&email)
            .bind(since)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?
            .try_get(0)
            .map_err(db_err)?;
    if n >= per_hour {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO portal_links (token_hash, contact_id, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&link.hash)
    .bind(link.contact.0)
    .bind(&email)
    .bind(to_micros(link.created_at))
    .bind(to_micros(link.expires_at))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    insert_jobs(&mut tx, std::slice::from_ref(&link.job)).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

pub(crate) async fn portal_link_contact(
    pool: &DbPool,
    hash: String,
    now: DateTime<Utc>,
) -> StoreResult<Option<ContactId>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT contact_id FROM portal_links \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(hash)
    .bind(to_micros(now))
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(id.map(ContactId))
}

pub(crate) async fn redeem_portal_link(
    pool: &DbPool,
    hash: String,
    now: DateTime<Utc>,
    session_hash: String,
    session_expires: DateTime<Utc>,
) -> StoreResult<Option<ContactId>> {
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let used = sqlx::query(
        "UPDATE portal_links SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING contact_id",
    )
    .bind(now)
    .bind(hash)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    let Some(used) = used else {
        return Ok(None);
    };
    let contact = ContactId(used.try_get(0).map_err(db_err)?);
    sqlx::query(
        "INSERT INTO portal_sessions (token_hash, contact_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(session_hash)
    .bind(contact.0)
    .bind(now)
    .bind(to_micros(session_expires))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(Some(contact))
}

pub(crate) async fn portal_session_contact(
    pool: &DbPool,
    session_hash: String,
    now: DateTime<Utc>,
) -> StoreResult<Option<ContactId>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT contact_id FROM portal_sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(session_hash)
    .bind(to_micros(now))
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(id.map(ContactId))
}

pub(crate) async fn delete_portal_session(pool: &DbPool, session_hash: String) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
        .bind(session_hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}
