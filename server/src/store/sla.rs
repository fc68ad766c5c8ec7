//! The issue 5 queries of the store: business calendars, SLA policies, a group's calendar,
//! each ticket's SLA record with the history rows it has not seen yet, SLA writes and
//! measurements, and the timers' due list.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers, pools and transactions.
//!
//! Invariants kept here:
//! - exactly one calendar is the default once any exists: the first one stored is, whatever
//!   it asked; making one the default clears the others in the same transaction; a default
//!   stays until another is made it, and cannot be deleted (`Conflict`); a partial unique
//!   index forbids a second default, so a concurrent race ends in `Conflict`, never in two;
//! - a policy's calendar is its `calendar_id` column (the JSON draft is stored without one),
//!   so deleting a calendar (`ON DELETE SET NULL`) leaves no stale id behind; an unknown
//!   calendar id is stored as none; policies are listed by position, then id, a new one goes
//!   last and reordering works like the rules';
//! - an SLA write is compare-and-set on the record's `revision` (0: insert, refused when a
//!   record exists), stores `expected_revision + 1`, and writes its history rows (actor: the
//!   system, each at its own instant), measurements, notifications and jobs and completes
//!   its job in one transaction, or writes nothing; it never touches the ticket row, so it
//!   never bumps the ticket's version;
//! - every time written is truncated to microseconds.

use super::super::super::{db_err, db_err_ref};
use super::super::FOR_UPDATE;
use super::{
    Conn, DbPool, DbRow, begin, codec, history_from_row, insert_history, insert_jobs,
    mark_job_done, reader, routing,
};
use chrono::{DateTime, Utc};
use lossless::account::NewAuditEntry;
use lossless::actor::ActorRef;
use lossless::ids::{GroupId, SlaCalendarId, SlaPolicyId, TicketId};
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::sla::{
    Calendar, Measurement, Policy, PolicyDraft, SaveSla, SlaBadge, SlaEvent, StoredCalendar,
    Target, TicketSla,
};
use lossless::ticket::{HistoryEntry, Status, TicketEvent};
use sqlx::Row as _;
use std::collections::BTreeMap;

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: bad {what} {v:?}"))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Backend(format!("corrupt row: bad {what}: {e}")))
}

/// A unique violation (a second default calendar, raced in) is a `Conflict`.
fn conflict_on_unique(e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => db_err(e),
    }
}

// ---- calendars ---------------------------------------------------------------------------

fn calendar_from_row(r: &DbRow) -> StoreResult<StoredCalendar> {
    let calendar: String = r.try_get("calendar").map_err(db_err)?;
    Ok(StoredCalendar {
        id: SlaCalendarId(r.try_get("id").map_err(db_err)?),
        name: r.try_get("name").map_err(db_err)?,
        calendar: from_json("calendar", &calendar)?,
        is_default: r.try_get("is_default").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

pub(crate) async fn sla_calendars(pool: &DbPool) -> StoreResult<Vec<StoredCalendar>> {
    let rows = sqlx::query("SELECT * FROM sla_calendars ORDER BY id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(calendar_from_row).collect()
}

pub(crate) async fn save_sla_calendar(
    pool: &DbPool,
    id: Option<SlaCalendarId>,
    name: String,
    calendar: Calendar,
    is_default: bool,
    now: DateTime<Utc>,
) -> StoreResult<StoredCalendar> {
    save_sla_calendar_audited(pool, id, name, calendar, is_default, now, None).await
}

/// [`save_sla_calendar`] writing `audit` (its `target_id`: the calendar's id) in the same
/// transaction.
pub(crate) async fn save_sla_calendar_audited(
    pool: &DbPool,
    id: Option<SlaCalendarId>,
    name: String,
    calendar: Calendar,
    is_default: bool,
    now: DateTime<Utc>,
    audit: Option<NewAuditEntry>,
) -> StoreResult<StoredCalendar> {
    let json = codec::to_json(&calendar)?;
    let mut tx = begin(pool).await.map_err(db_err)?;
    let make_default = match id {
        Some(id) => {
            // PostgreSQL: lock it, so a concurrent delete waits for this save or wins.
            let was: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT is_default FROM sla_calendars WHERE id = $1{FOR_UPDATE}"
            )))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            is_default || was.ok_or(StoreError::NotFound)?
        }
        None => {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sla_calendars")
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            is_default || count == 0
        }
    };
    if make_default {
        sqlx::query("UPDATE sla_calendars SET is_default = $2 WHERE is_default AND id <> $1")
            .bind(id.map_or(0, |i| i.0))
            .bind(false)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    let q = match id {
        None => sqlx::query(
            "INSERT INTO sla_calendars (name, calendar, is_default, updated_at) \
             VALUES ($1, $2, $3, $4) RETURNING *",
        ),
        Some(_) => sqlx::query(
            "UPDATE sla_calendars SET name = $1, calendar = $2, is_default = $3, \
             updated_at = $4 WHERE id = $5 RETURNING *",
        ),
    }
    .bind(name)
    .bind(json)
    .bind(make_default)
    .bind(to_micros(now));
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let row = q
        .fetch_optional(&mut *tx)
        .await
        .map_err(conflict_on_unique)?
        .ok_or(StoreError::NotFound)?;
    let stored = calendar_from_row(&row)?;
    if let Some(mut a) = audit {
        a.target_id = stored.id.0.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(conflict_on_unique)?;
    Ok(stored)
}

pub(crate) async fn delete_sla_calendar(pool: &DbPool, id: SlaCalendarId) -> StoreResult<()> {
    delete_sla_calendar_audited(pool, id, None).await
}

/// [`delete_sla_calendar`] writing `audit` (its `target_id`: `id`) in the same transaction.
pub(crate) async fn delete_sla_calendar_audited(
    pool: &DbPool,
    id: SlaCalendarId,
    audit: Option<NewAuditEntry>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let is_default: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT is_default FROM sla_calendars WHERE id = $1{FOR_UPDATE}"
    )))
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    match is_default {
        None => return Err(StoreError::NotFound),
        Some(true) => return Err(StoreError::Conflict),
        Some(false) => {}
    }
    // Policies and groups on it fall back (ON DELETE SET NULL).
    sqlx::query("DELETE FROM sla_calendars WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    if let Some(mut a) = audit {
        a.target_id = id.0.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)
}

// ---- groups ------------------------------------------------------------------------------

pub(crate) async fn group_calendars(
    pool: &DbPool,
) -> StoreResult<BTreeMap<GroupId, SlaCalendarId>> {
    let rows = sqlx::query("SELECT id, calendar_id FROM groups WHERE calendar_id IS NOT NULL")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok((
                GroupId(r.try_get("id").map_err(db_err)?),
                SlaCalendarId(r.try_get("calendar_id").map_err(db_err)?),
            ))
        })
        .collect()
}

pub(crate) async fn set_group_calendar(
    pool: &DbPool,
    group: GroupId,
    calendar: Option<SlaCalendarId>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // An unknown calendar fails the foreign key: `NotFound`.
    let done = sqlx::query("UPDATE groups SET calendar_id = $2 WHERE id = $1")
        .bind(group.0)
        .bind(calendar.map(|c| c.0))
        .execute(&mut *tx)
        .await
        .map_err(db_err_ref)?;
    if done.rows_affected() != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)
}

// ---- policies ----------------------------------------------------------------------------

fn policy_from_row(r: &DbRow) -> StoreResult<Policy> {
    let position: i64 = r.try_get("position").map_err(db_err)?;
    let draft: String = r.try_get("draft").map_err(db_err)?;
    let mut draft: PolicyDraft = from_json("draft", &draft)?;
    draft.name = r.try_get("name").map_err(db_err)?;
    draft.enabled = r.try_get("enabled").map_err(db_err)?;
    draft.calendar = r
        .try_get::<Option<i64>, _>("calendar_id")
        .map_err(db_err)?
        .map(SlaCalendarId);
    Ok(Policy {
        id: SlaPolicyId(r.try_get("id").map_err(db_err)?),
        position: i32::try_from(position)
            .map_err(|_| corrupt("position", &position.to_string()))?,
        draft,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

pub(crate) async fn sla_policies(pool: &DbPool) -> StoreResult<Vec<Policy>> {
    let rows = sqlx::query("SELECT * FROM sla_policies ORDER BY position, id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(policy_from_row).collect()
}

pub(crate) async fn save_sla_policy(
    pool: &DbPool,
    id: Option<SlaPolicyId>,
    draft: PolicyDraft,
    now: DateTime<Utc>,
) -> StoreResult<Policy> {
    save_sla_policy_audited(pool, id, draft, now, None).await
}

/// [`save_sla_policy`] writing `audit` (its `target_id`: the policy's id) in the same
/// transaction.
pub(crate) async fn save_sla_policy_audited(
    pool: &DbPool,
    id: Option<SlaPolicyId>,
    draft: PolicyDraft,
    now: DateTime<Utc>,
    audit: Option<NewAuditEntry>,
) -> StoreResult<Policy> {
    // The calendar lives in its column only (a deleted calendar leaves no stale copy).
    let calendar = draft.calendar.map(|c| c.0);
    let json = codec::to_json(&PolicyDraft {
        calendar: None,
        ..draft.clone()
    })?;
    let sql = match id {
        None => {
            "INSERT INTO sla_policies (name, enabled, position, draft, calendar_id, updated_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies), $3, \
             (SELECT id FROM sla_calendars WHERE id = $4), $5) RETURNING *"
        }
        Some(_) => {
            "UPDATE sla_policies SET name = $1, enabled = $2, draft = $3, \
             calendar_id = (SELECT id FROM sla_calendars WHERE id = $4), updated_at = $5 \
             WHERE id = $6 RETURNING *"
        }
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let q = sqlx::query(sql)
        .bind(&draft.name)
        .bind(draft.enabled)
        .bind(json)
        .bind(calendar)
        .bind(to_micros(now));
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let row = q
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let policy = policy_from_row(&row)?;
    if let Some(mut a) = audit {
        a.target_id = policy.id.0.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(policy)
}

pub(crate) async fn delete_sla_policy(pool: &DbPool, id: SlaPolicyId) -> StoreResult<()> {
    super::routing::delete_row(pool, "sla_policies", id.0, None).await
}

pub(crate) async fn delete_sla_policy_audited(
    pool: &DbPool,
    id: SlaPolicyId,
    audit: Option<NewAuditEntry>,
) -> StoreResult<()> {
    super::routing::delete_row(pool, "sla_policies", id.0, audit).await
}

pub(crate) async fn reorder_sla_policies(pool: &DbPool, ids: Vec<SlaPolicyId>) -> StoreResult<()> {
    super::routing::reorder_positions(pool, "sla_policies", ids.iter().map(|i| i.0).collect()).await
}

// ---- ticket records ----------------------------------------------------------------------

fn warned_from(v: i64) -> StoreResult<u8> {
    u8::try_from(v).map_err(|_| corrupt("warned", &v.to_string()))
}

fn ticket_sla_from_row(r: &DbRow) -> StoreResult<TicketSla> {
    let state: String = r.try_get("state").map_err(db_err)?;
    let status: String = r.try_get("status").map_err(db_err)?;
    Ok(TicketSla {
        state: from_json("state", &state)?,
        cursor: r.try_get("cursor").map_err(db_err)?,
        revision: r.try_get("revision").map_err(db_err)?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        responded: r.try_get("responded").map_err(db_err)?,
        next_at: r.try_get("next_at").map_err(db_err)?,
        due_at: r.try_get("due_at").map_err(db_err)?,
        breached: r.try_get("breached").map_err(db_err)?,
        paused: r.try_get("paused").map_err(db_err)?,
        warned: warned_from(r.try_get("warned").map_err(db_err)?)?,
    })
}

/// The badge of a queue row (`sla_*` columns of a `LEFT JOIN ticket_sla`; `None` when the
/// ticket has no record).
pub(crate) fn sla_badge_from_row(r: &DbRow) -> StoreResult<Option<SlaBadge>> {
    let has: Option<i64> = r.try_get("sla_ticket_id").map_err(db_err)?;
    if has.is_none() {
        return Ok(None);
    }
    Ok(Some(SlaBadge {
        due_at: r.try_get("sla_due_at").map_err(db_err)?,
        breached: r.try_get("sla_breached").map_err(db_err)?,
        paused: r.try_get("sla_paused").map_err(db_err)?,
        warned: warned_from(r.try_get("sla_warned").map_err(db_err)?)?,
    }))
}

pub(crate) async fn ticket_sla(pool: &DbPool, id: TicketId) -> StoreResult<Option<TicketSla>> {
    let row = sqlx::query("SELECT * FROM ticket_sla WHERE ticket_id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(ticket_sla_from_row).transpose()
}

pub(crate) async fn history_since(
    pool: &DbPool,
    id: TicketId,
    after: i64,
) -> StoreResult<Vec<(i64, HistoryEntry)>> {
    let rows = sqlx::query(
        "SELECT id, ticket_id, actor_kind, actor_id, event, at FROM history \
         WHERE ticket_id = $1 AND id > $2 ORDER BY id",
    )
    .bind(id.0)
    .bind(after)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((r.try_get("id").map_err(db_err)?, history_from_row(r)?)))
        .collect()
}

/// Stores a measurement inside the caller's transaction.
async fn insert_measurement(c: &mut Conn, ticket: TicketId, m: &Measurement) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sla_measurements (ticket_id, target, policy_name, breach, business_secs, \
         calendar_secs, late, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ticket.0)
    .bind(m.target.as_str())
    .bind(&m.policy_name)
    .bind(m.breach)
    .bind(m.business_secs)
    .bind(m.calendar_secs)
    .bind(m.late)
    .bind(to_micros(m.at))
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The measurement an event records, if any (a `Met` names the policy of its clock).
fn measurement_of(sla: &TicketSla, e: &SlaEvent, at: DateTime<Utc>) -> Option<Measurement> {
    match e {
        SlaEvent::Warned { .. } => None,
        SlaEvent::Met {
            target,
            business_secs,
            calendar_secs,
            late,
        } => Some(Measurement {
            target: *target,
            policy_name: sla
                .state
                .clock(*target)
                .map(|c| c.chosen.policy_name.clone())
                .unwrap_or_default(),
            breach: false,
            business_secs: Some(*business_secs),
            calendar_secs: Some(*calendar_secs),
            late: *late,
            at,
        }),
        SlaEvent::Breached {
            target,
            policy_name,
            at,
            ..
        } => Some(Measurement {
            target: *target,
            policy_name: policy_name.clone(),
            breach: true,
            business_secs: None,
            calendar_secs: None,
            late: false,
            at: *at,
        }),
    }
}

pub(crate) async fn save_sla(pool: &DbPool, s: SaveSla) -> StoreResult<TicketSla> {
    let SaveSla {
        ticket_id,
        expected_revision,
        sla,
        events,
        notifications,
        jobs,
        completes,
        now,
    } = s;
    let now = to_micros(now);
    // $1 ticket, $2 expected revision, $3.. the record.
    let sql = if expected_revision == 0 {
        "INSERT INTO ticket_sla (ticket_id, state, cursor, revision, status, responded, \
         next_at, due_at, breached, paused, warned) \
         VALUES ($1, $3, $4, $2 + 1, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (ticket_id) DO NOTHING RETURNING *"
    } else {
        "UPDATE ticket_sla SET state = $3, cursor = $4, revision = $2 + 1, status = $5, \
         responded = $6, next_at = $7, due_at = $8, breached = $9, paused = $10, warned = $11 \
         WHERE ticket_id = $1 AND revision = $2 RETURNING *"
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(sql)
        .bind(ticket_id.0)
        .bind(expected_revision)
        .bind(codec::to_json(&sla.state)?)
        .bind(sla.cursor)
        .bind(sla.status.as_str())
        .bind(sla.responded)
        .bind(sla.next_at.map(to_micros))
        .bind(sla.due_at.map(to_micros))
        .bind(sla.breached)
        .bind(sla.paused)
        .bind(i64::from(sla.warned))
        .fetch_optional(&mut *tx)
        .await
        // An unknown ticket fails the foreign key.
        .map_err(db_err_ref)?;
    let Some(row) = row else {
        // Someone stored the record first (or moved it on).
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::Conflict);
    };
    let stored = ticket_sla_from_row(&row)?;
    for (e, at) in &events {
        let event = TicketEvent::Sla { event: e.clone() };
        insert_history(&mut tx, ticket_id, ActorRef::System, &[event], *at).await?;
        if let Some(m) = measurement_of(&sla, e, *at) {
            insert_measurement(&mut tx, ticket_id, &m).await?;
        }
    }
    routing::insert_notifications(&mut tx, &notifications, now).await?;
    insert_jobs(&mut tx, &jobs).await?;
    if let Some(claim) = &completes {
        // The job whose effect this is completes with it, or nothing commits.
        if mark_job_done(&mut tx, claim.id, &claim.worker, now).await? != 1 {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Conflict);
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(stored)
}

pub(crate) async fn due_slas(
    pool: &DbPool,
    now: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<TicketId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT ticket_id FROM ticket_sla WHERE next_at IS NOT NULL AND next_at <= $1 \
         ORDER BY next_at, ticket_id LIMIT $2",
    )
    .bind(to_micros(now))
    .bind(limit.max(0))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(ids.into_iter().map(TicketId).collect())
}

pub(crate) async fn sla_measurements(pool: &DbPool, id: TicketId) -> StoreResult<Vec<Measurement>> {
    let rows = sqlx::query("SELECT * FROM sla_measurements WHERE ticket_id = $1 ORDER BY id")
        .bind(id.0)
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let target: String = r.try_get("target").map_err(db_err)?;
            Ok(Measurement {
                target: Target::ALL
                    .into_iter()
                    .find(|t| t.as_str() == target)
                    .ok_or_else(|| corrupt("target", &target))?,
                policy_name: r.try_get("policy_name").map_err(db_err)?,
                breach: r.try_get("breach").map_err(db_err)?,
                business_secs: r.try_get("business_secs").map_err(db_err)?,
                calendar_secs: r.try_get("calendar_secs").map_err(db_err)?,
                late: r.try_get("late").map_err(db_err)?,
                at: r.try_get("at").map_err(db_err)?,
            })
        })
        .collect()
}
