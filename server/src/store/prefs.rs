//! The issue 6 (point 10) display-preference queries: an agent's UI language and time zone,
//! two nullable columns of `agent_prefs`.
//!
//! Compiled as a child of `ops.rs` (once per dialect) and re-exported from it.
//!
//! Invariants: a missing row or a `NULL` column is "not chosen" (`None`); a save inserts the
//! row when missing (email preferences then start at [`EmailPrefs::default`], as if never
//! saved) and never clears a column (`COALESCE`); with `only_unset` an existing value wins,
//! otherwise the new one does; a stored language is copied to `agents.lang` in the same
//! transaction; an unknown agent is `NotFound`; a stored name the tz database no longer
//! knows reads as `None` (logged), never as an error.

use super::super::super::db_err;
use super::{DbPool, begin, reader};
use lossless::display::{DisplayPrefs, TimeZoneName};
use lossless::ids::{AgentId, Lang};
use lossless::notification::EmailPrefs;
use lossless::ports::{StoreError, StoreResult};
use sqlx::Row as _;

fn prefs_from(lang: Option<String>, zone: Option<String>) -> StoreResult<DisplayPrefs> {
    let lang = lang
        .map(|l| {
            Lang::from_code(&l)
                .ok_or_else(|| StoreError::Backend(format!("corrupt row: bad lang {l:?}")))
        })
        .transpose()?;
    let time_zone = zone.and_then(|z| match TimeZoneName::parse(&z) {
        Ok(z) => Some(z),
        Err(_) => {
            tracing::warn!(zone = %z, "stored time zone unknown to the tz database; using UTC");
            None
        }
    });
    Ok(DisplayPrefs { lang, time_zone })
}

pub(crate) async fn display_prefs(pool: &DbPool, agent: AgentId) -> StoreResult<DisplayPrefs> {
    let row = sqlx::query("SELECT lang, time_zone FROM agent_prefs WHERE agent_id = $1")
        .bind(agent.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    match row {
        Some(r) => prefs_from(
            r.try_get("lang").map_err(db_err)?,
            r.try_get("time_zone").map_err(db_err)?,
        ),
        None => Ok(DisplayPrefs::default()),
    }
}

pub(crate) async fn save_display_prefs(
    pool: &DbPool,
    agent: AgentId,
    prefs: DisplayPrefs,
    only_unset: bool,
) -> StoreResult<DisplayPrefs> {
    let email = serde_json::to_string(&EmailPrefs::default())
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    // Which value wins when both are there: the stored one (defaults) or the new one.
    let sql = if only_unset {
        "INSERT INTO agent_prefs (agent_id, email_prefs, lang, time_zone) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agent_id) DO UPDATE SET \
         lang = COALESCE(agent_prefs.lang, excluded.lang), \
         time_zone = COALESCE(agent_prefs.time_zone, excluded.time_zone) \
         RETURNING lang, time_zone"
    } else {
        "INSERT INTO agent_prefs (agent_id, email_prefs, lang, time_zone) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agent_id) DO UPDATE SET \
         lang = COALESCE(excluded.lang, agent_prefs.lang), \
         time_zone = COALESCE(excluded.time_zone, agent_prefs.time_zone) \
         RETURNING lang, time_zone"
    };
    let not_found = |e: sqlx::Error| match e.as_database_error() {
        Some(d) if d.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(sql)
        .bind(agent.0)
        .bind(email)
        .bind(prefs.lang.map(Lang::code))
        .bind(prefs.time_zone.map(|z| z.as_str()))
        .fetch_one(&mut *tx)
        .await
        .map_err(not_found)?;
    let stored = prefs_from(
        row.try_get("lang").map_err(db_err)?,
        row.try_get("time_zone").map_err(db_err)?,
    )?;
    if let Some(lang) = stored.lang {
        sqlx::query("UPDATE agents SET lang = $2 WHERE id = $1 AND lang <> $2")
            .bind(agent.0)
            .bind(lang.code())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(stored)
}
