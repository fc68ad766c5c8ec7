//! The issue 4 queries of the store: automation rules, installation settings, presence and
//! routing profiles, group assignment settings and candidates, notifications, contact
//! profiles, the facts rules read about tickets and the tickets the classifier learns from.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect, like `ops.rs` itself) and
//! re-exported from it; it uses the same row helpers, pools and transactions.
//!
//! Invariants kept here:
//! - rules are listed by `position`, then id; a new rule goes last; saving keeps the
//!   position; reordering rewrites every position in one transaction (1, 2, … in the new
//!   order, unlisted rules after the listed ones in their old relative order);
//! - a notification text is cut at [`MAX_NOTIFICATION_CHARS`] characters before it is
//!   stored; notifications are written with the change that caused them
//!   ([`insert_notifications`] runs inside the caller's transaction);
//! - contact profile names are stored trimmed, an empty name as `NULL` (unknown);
//! - [`record_assignments`] runs in every transaction that stores history: an `Assigned` to
//!   an agent of a ticket that has a group takes the next value of the global assignment
//!   sequence and records it on (group, agent) if the agent is a member, never lowering a
//!   value already recorded (on PostgreSQL a transaction holding an older value may commit
//!   later);
//! - ticket contexts are read with a fixed number of queries however many tickets are
//!   asked for (`recent_ticket_contexts(200)` is two queries).

use super::super::super::{db_err, db_err_ref};
use super::super::next_assignment_seq;
use super::{Conn, DbPool, DbRow, begin, codec, reader, ticket_from_row};
use chrono::{DateTime, Utc};
use lossless::contact::ContactProfile;
use lossless::ids::{
    AgentId, ContactId, EmailAddress, GroupId, Lang, NotificationId, RuleId, TicketId,
};
use lossless::notification::{MAX_NOTIFICATION_CHARS, NewNotification, Notification};
use lossless::ports::{LabelledTicket, StoreError, StoreResult, TicketContext, to_micros};
use lossless::rules::{Rule, RuleDraft};
use lossless::team::{AgentStatus, AssignStrategy, Candidate, GroupRouting, Presence};
use lossless::ticket::{Priority, TicketEvent};
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap};

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: bad {what} {v:?}"))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Backend(format!("corrupt row: bad {what}: {e}")))
}

// ---- rules ---------------------------------------------------------------------------

fn rule_from_row(r: &DbRow) -> StoreResult<Rule> {
    let get = |c: &str| r.try_get::<String, _>(c).map_err(db_err);
    let position: i64 = r.try_get("position").map_err(db_err)?;
    Ok(Rule {
        id: RuleId(r.try_get("id").map_err(db_err)?),
        position: i32::try_from(position).map_err(|_| corrupt("position", &position.to_string()))?,
        draft: RuleDraft {
            name: get("name")?,
            enabled: r.try_get("enabled").map_err(db_err)?,
            activator: from_json("activator", &get("activator")?)?,
            condition: from_json("condition", &get("condition")?)?,
            actions: from_json("actions", &get("actions")?)?,
        },
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

pub(crate) async fn rules(pool: &DbPool) -> StoreResult<Vec<Rule>> {
    let rows = sqlx::query("SELECT * FROM rules ORDER BY position, id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(rule_from_row).collect()
}

pub(crate) async fn save_rule(
    pool: &DbPool,
    id: Option<RuleId>,
    draft: RuleDraft,
    now: DateTime<Utc>,
) -> StoreResult<Rule> {
    let activator = codec::to_json(&draft.activator)?;
    let condition = codec::to_json(&draft.condition)?;
    let actions = codec::to_json(&draft.actions)?;
    let sql = match id {
        None => {
            "INSERT INTO rules (name, enabled, position, activator, condition, actions, updated_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM rules), $3, $4, $5, $6) \
             RETURNING *"
        }
        Some(_) => {
            "UPDATE rules SET name = $1, enabled = $2, activator = $3, condition = $4, \
             actions = $5, updated_at = $6 WHERE id = $7 RETURNING *"
        }
    };
    let mut tx = begin(pool).await.map_err(db_err)?;
    let q = sqlx::query(sql)
        .bind(draft.name.trim())
        .bind(draft.enabled)
        .bind(activator)
        .bind(condition)
        .bind(actions)
        .bind(to_micros(now));
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let row = q
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let rule = rule_from_row(&row)?;
    tx.commit().await.map_err(db_err)?;
    Ok(rule)
}
