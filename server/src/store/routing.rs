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
use super::super::{FOR_UPDATE, next_assignment_seq};
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
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: bad {what} {v:?}"))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Backend(format!("corrupt row: bad {what}: {e}")))
}

// ---- rules ---------------------------------------------------------------------------

fn rule_from_row(r: &DbRow) -> StoreResult<Rule> {
    let get = |c: &str| r.try_get::<String, _>(c).map_err(db_err);
    let position: i64 = r.try_get("position").map_err(db_err)?;
    Ok(Rule {
        id: RuleId(r.try_get("id").map_err(db_err)?),
        position: i32::try_from(position)
            .map_err(|_| corrupt("position", &position.to_string()))?,
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
    save_rule_audited(pool, id, draft, now, None).await
}

/// [`save_rule`] writing `audit` (its `target_id`: the rule's id) in the same transaction.
pub(crate) async fn save_rule_audited(
    pool: &DbPool,
    id: Option<RuleId>,
    draft: RuleDraft,
    now: DateTime<Utc>,
    audit: Option<lossless::account::NewAuditEntry>,
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
        .bind(&draft.name)
        .bind(draft.enabled)
        .bind(activator)
        .bind(condition)
        .bind(actions)
        .bind(to_micros(now));
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let row = q.fetch_optional(&mut *tx).await.map_err(db_err)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let rule = rule_from_row(&row)?;
    if let Some(mut a) = audit {
        a.target_id = rule.id.0.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(rule)
}

pub(crate) async fn delete_rule(pool: &DbPool, id: RuleId) -> StoreResult<()> {
    delete_row(pool, "rules", id.0, None).await
}

pub(crate) async fn delete_rule_audited(
    pool: &DbPool,
    id: RuleId,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    delete_row(pool, "rules", id.0, audit).await
}

pub(crate) async fn reorder_rules(pool: &DbPool, ids: Vec<RuleId>) -> StoreResult<()> {
    reorder_positions(pool, "rules", ids.iter().map(|i| i.0).collect()).await
}

/// Deletes row `id` of `table` (a fixed table name, never input); `NotFound` if none.
/// Writes `audit` (its `target_id`: `id`) in the same transaction.
pub(super) async fn delete_row(
    pool: &DbPool,
    table: &'static str,
    id: i64,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    if let Some(mut a) = audit {
        a.target_id = id.to_string();
        super::accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)
}

/// Renumbers `table`'s `position` (a fixed table name, never input): `ids` first to last
/// get 1, 2, …; rows not listed keep their relative order after them; unknown ids are
/// ignored.
pub(super) async fn reorder_positions(
    pool: &DbPool,
    table: &'static str,
    ids: Vec<i64>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // PostgreSQL: lock the rows so two concurrent reorders apply one after the other.
    let current: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} ORDER BY position, id{FOR_UPDATE}"
    )))
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let known: BTreeSet<i64> = current.iter().copied().collect();
    let mut order: Vec<i64> = Vec::with_capacity(current.len());
    let mut seen = BTreeSet::new();
    for id in ids.into_iter().chain(current.iter().copied()) {
        if known.contains(&id) && seen.insert(id) {
            order.push(id);
        }
    }
    for (pos, id) in order.iter().enumerate() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET position = $2 WHERE id = $1"
        )))
        .bind(id)
        .bind(i64::try_from(pos).unwrap_or(i64::MAX - 1) + 1)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)
}

// ---- settings --------------------------------------------------------------------------

pub(crate) async fn setting(pool: &DbPool, key: String) -> StoreResult<Option<String>> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)
}

pub(crate) async fn put_setting(pool: &DbPool, key: String, value: String) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

// ---- presence and routing profiles ------------------------------------------------------

/// The status columns of `agents a`.
const STATUS_COLUMNS: &str = "a.id, a.presence, a.last_seen_at, a.capacity, a.languages, a.skills";

fn status_from_row(r: &DbRow) -> StoreResult<AgentStatus> {
    let presence: String = r.try_get("presence").map_err(db_err)?;
    let capacity: i64 = r.try_get("capacity").map_err(db_err)?;
    let languages: String = r.try_get("languages").map_err(db_err)?;
    let skills: String = r.try_get("skills").map_err(db_err)?;
    Ok(AgentStatus {
        agent: AgentId(r.try_get("id").map_err(db_err)?),
        presence: Presence::parse(&presence).ok_or_else(|| corrupt("presence", &presence))?,
        last_seen_at: r.try_get("last_seen_at").map_err(db_err)?,
        capacity: i32::try_from(capacity)
            .map_err(|_| corrupt("capacity", &capacity.to_string()))?,
        languages: from_json::<BTreeSet<Lang>>("languages", &languages)?,
        skills: from_json::<BTreeSet<String>>("skills", &skills)?,
    })
}

/// Runs one `UPDATE` keyed by `$1` in its own transaction; `NotFound` when it changed no row.
async fn update_one<'q>(
    pool: &DbPool,
    q: sqlx::query::Query<'q, super::Db, <super::Db as sqlx::Database>::Arguments>,
) -> StoreResult<()> {
    update_one_audited(pool, q, None).await
}

/// [`update_one`] writing `audit` (accounts, issue 6) in the same transaction.
async fn update_one_audited<'q>(
    pool: &DbPool,
    q: sqlx::query::Query<'q, super::Db, <super::Db as sqlx::Database>::Arguments>,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = q.execute(&mut *tx).await.map_err(db_err)?;
    if done.rows_affected() != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    if let Some(a) = &audit {
        super::accounts::insert_audit(&mut tx, a).await?;
    }
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn set_presence(
    pool: &DbPool,
    agent: AgentId,
    presence: Presence,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    update_one(
        pool,
        sqlx::query("UPDATE agents SET presence = $2, last_seen_at = $3 WHERE id = $1")
            .bind(agent.0)
            .bind(presence.as_str())
            .bind(to_micros(now)),
    )
    .await
}

pub(crate) async fn touch_agent(
    pool: &DbPool,
    agent: AgentId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // Never moves backwards (concurrent requests may arrive out of order).
    sqlx::query(
        "UPDATE agents SET last_seen_at = $2 WHERE id = $1 \
         AND (last_seen_at IS NULL OR last_seen_at < $2)",
    )
    .bind(agent.0)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn agent_statuses(pool: &DbPool) -> StoreResult<Vec<AgentStatus>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM agents a ORDER BY a.id"
    )))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter().map(status_from_row).collect()
}

pub(crate) async fn save_agent_profile(pool: &DbPool, s: AgentStatus) -> StoreResult<()> {
    save_agent_profile_audited(pool, s, None).await
}

pub(crate) async fn save_agent_profile_audited(
    pool: &DbPool,
    s: AgentStatus,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    update_one_audited(
        pool,
        sqlx::query("UPDATE agents SET capacity = $2, languages = $3, skills = $4 WHERE id = $1")
            .bind(s.agent.0)
            .bind(i64::from(s.capacity.max(0)))
            .bind(codec::to_json(&s.languages)?)
            .bind(codec::to_json(&s.skills)?),
        audit,
    )
    .await
}

// ---- groups: routing settings and candidates ---------------------------------------------

pub(crate) async fn group_routing(pool: &DbPool, group: GroupId) -> StoreResult<GroupRouting> {
    let row = sqlx::query(
        "SELECT strategy, match_language, match_skills, prefer_previous_agent FROM groups \
         WHERE id = $1",
    )
    .bind(group.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    let strategy: String = row.try_get("strategy").map_err(db_err)?;
    Ok(GroupRouting {
        group,
        strategy: AssignStrategy::parse(&strategy).ok_or_else(|| corrupt("strategy", &strategy))?,
        match_language: row.try_get("match_language").map_err(db_err)?,
        match_skills: row.try_get("match_skills").map_err(db_err)?,
        prefer_previous_agent: row.try_get("prefer_previous_agent").map_err(db_err)?,
    })
}

pub(crate) async fn save_group_routing(pool: &DbPool, r: GroupRouting) -> StoreResult<()> {
    save_group_routing_audited(pool, r, None).await
}

pub(crate) async fn save_group_routing_audited(
    pool: &DbPool,
    r: GroupRouting,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<()> {
    update_one_audited(
        pool,
        sqlx::query(
            "UPDATE groups SET strategy = $2, match_language = $3, match_skills = $4, \
             prefer_previous_agent = $5 WHERE id = $1",
        )
        .bind(r.group.0)
        .bind(r.strategy.as_str())
        .bind(r.match_language)
        .bind(r.match_skills)
        .bind(r.prefer_previous_agent),
        audit,
    )
    .await
}

pub(crate) async fn group_members(pool: &DbPool, group: GroupId) -> StoreResult<Vec<AgentId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT agent_id FROM group_members WHERE group_id = $1 ORDER BY agent_id",
    )
    .bind(group.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    Ok(ids.into_iter().map(AgentId).collect())
}

pub(crate) async fn assignment_candidates(
    pool: &DbPool,
    group: GroupId,
) -> StoreResult<Vec<Candidate>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS}, m.last_assigned_seq, \
         (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = a.id \
            AND t.status IN ('new', 'open', 'pending')) AS open_tickets \
         FROM group_members m JOIN agents a ON a.id = m.agent_id \
         WHERE m.group_id = $1 AND a.status = 'active' ORDER BY a.id"
    )))
    .bind(group.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                status: status_from_row(r)?,
                open_tickets: r.try_get("open_tickets").map_err(db_err)?,
                last_assigned_seq: r.try_get("last_assigned_seq").map_err(db_err)?,
            })
        })
        .collect()
}

/// Records the assignments among `events` (just stored for `ticket`, whose row already holds
/// the new state) in the global assignment sequence; see the module invariants.
pub(super) async fn record_assignments(
    c: &mut Conn,
    ticket: TicketId,
    events: &[TicketEvent],
) -> StoreResult<()> {
    let agents: Vec<AgentId> = events
        .iter()
        .filter_map(|e| match e {
            TicketEvent::Assigned { to: Some(a), .. } => Some(*a),
            _ => None,
        })
        .collect();
    if agents.is_empty() {
        return Ok(());
    }
    let group: Option<Option<i64>> =
        sqlx::query_scalar("SELECT group_id FROM tickets WHERE id = $1")
            .bind(ticket.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?;
    let Some(group) = group.flatten() else {
        return Ok(());
    };
    for agent in agents {
        let seq = next_assignment_seq(&mut *c).await?;
        sqlx::query(
            "UPDATE group_members SET last_assigned_seq = $3 WHERE group_id = $1 \
             AND agent_id = $2 AND (last_assigned_seq IS NULL OR last_assigned_seq < $3)",
        )
        .bind(group)
        .bind(agent.0)
        .bind(seq)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

// ---- notifications ----------------------------------------------------------------------

pub(super) fn notification_from_row(r: &DbRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: NotificationId(r.try_get("id").map_err(db_err)?),
        agent: AgentId(r.try_get("agent_id").map_err(db_err)?),
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .map_err(db_err)?
            .map(TicketId),
        text: r.try_get("text").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        read_at: r.try_get("read_at").map_err(db_err)?,
    })
}

/// Stores notifications inside the caller's transaction (texts cut at
/// [`MAX_NOTIFICATION_CHARS`]); an unknown agent or ticket is `NotFound`.
pub(super) async fn insert_notifications(
    c: &mut Conn,
    list: &[NewNotification],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    let mut out = Vec::with_capacity(list.len());
    for n in list {
        let text: String = n.text.chars().take(MAX_NOTIFICATION_CHARS).collect();
        let row = sqlx::query(
            "INSERT INTO notifications (agent_id, ticket_id, text, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(n.agent.0)
        .bind(n.ticket.map(|t| t.0))
        .bind(text)
        .bind(to_micros(now))
        .fetch_one(&mut *c)
        .await
        .map_err(db_err_ref)?;
        out.push(notification_from_row(&row)?);
    }
    Ok(out)
}

pub(crate) async fn add_notifications(
    pool: &DbPool,
    list: Vec<NewNotification>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = begin(pool).await.map_err(db_err)?;
    let out = insert_notifications(&mut tx, &list, now).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(out)
}

pub(crate) async fn notifications(
    pool: &DbPool,
    agent: AgentId,
    limit: i64,
) -> StoreResult<Vec<Notification>> {
    let rows =
        sqlx::query("SELECT * FROM notifications WHERE agent_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(agent.0)
            .bind(limit.max(0))
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?;
    rows.iter().map(notification_from_row).collect()
}

pub(crate) async fn unread_notifications(pool: &DbPool, agent: AgentId) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE agent_id = $1 AND read_at IS NULL")
        .bind(agent.0)
        .fetch_one(reader(pool))
        .await
        .map_err(db_err)
}

pub(crate) async fn mark_notifications_read(
    pool: &DbPool,
    agent: AgentId,
    up_to: NotificationId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "UPDATE notifications SET read_at = $3 WHERE agent_id = $1 AND id <= $2 \
         AND read_at IS NULL",
    )
    .bind(agent.0)
    .bind(up_to.0)
    .bind(to_micros(now))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

// ---- contact profiles ----------------------------------------------------------------

fn profile_from_row(r: &DbRow) -> StoreResult<ContactProfile> {
    Ok(ContactProfile {
        organisation: r.try_get("organisation").map_err(db_err)?,
        vip: r.try_get("vip").map_err(db_err)?,
        region: r.try_get("region").map_err(db_err)?,
    })
}

pub(crate) async fn contact_profile(pool: &DbPool, id: ContactId) -> StoreResult<ContactProfile> {
    let row = sqlx::query("SELECT organisation, vip, region FROM contacts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    profile_from_row(&row)
}

/// A profile name as stored: trimmed, empty as `None`.
fn name_or_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(crate) async fn set_contact_profile(
    pool: &DbPool,
    id: ContactId,
    p: ContactProfile,
) -> StoreResult<()> {
    update_one(
        pool,
        sqlx::query("UPDATE contacts SET organisation = $2, vip = $3, region = $4 WHERE id = $1")
            .bind(id.0)
            .bind(name_or_none(p.organisation))
            .bind(p.vip)
            .bind(name_or_none(p.region)),
    )
    .await
}

// ---- what rules know about tickets --------------------------------------------------------

/// Which tickets a context query reads: one by id, or the most recently created.
#[derive(Clone, Copy)]
enum Scope {
    One(TicketId),
    Recent(i64),
}

/// Reads the contexts of the tickets in `scope`, newest first, in two queries: one row per
/// ticket with everything but the assignment time, then the assignment history of those
/// tickets (its event JSON says whether it assigned someone).
async fn contexts(pool: &DbPool, scope: Scope) -> StoreResult<Vec<TicketContext>> {
    let (filter, key) = match scope {
        Scope::One(id) => ("t.id = $1", id.0),
        Scope::Recent(limit) => (
            "t.id IN (SELECT id FROM tickets ORDER BY created_at DESC, id DESC LIMIT $1)",
            limit.max(0),
        ),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.*, c.organisation, c.vip, c.region, \
         (SELECT m.body FROM messages m WHERE m.ticket_id = t.id \
            ORDER BY m.created_at, m.id LIMIT 1) AS first_body, \
         (SELECT m.created_at FROM messages m WHERE m.ticket_id = t.id \
            AND m.direction = 'inbound' ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS last_in, \
         (SELECT b.name FROM email_receipts r JOIN mailboxes b ON b.id = r.mailbox_id \
            WHERE r.ticket_id = t.id ORDER BY r.id LIMIT 1) AS first_mailbox, \
         (SELECT h.at FROM history h WHERE h.ticket_id = t.id AND h.kind = 'status_changed' \
            ORDER BY h.at DESC, h.id DESC LIMIT 1) AS status_changed_at, \
         (SELECT ch.value FROM contact_handles ch WHERE ch.contact_id = t.contact_id \
            AND ch.kind = 'email' ORDER BY ch.id LIMIT 1) AS sender, \
         (SELECT p.assignee_id FROM tickets p WHERE p.contact_id = t.contact_id \
            AND p.id <> t.id AND p.assignee_id IS NOT NULL \
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS previous_agent \
         FROM tickets t JOIN contacts c ON c.id = t.contact_id \
         WHERE {filter} ORDER BY t.created_at DESC, t.id DESC"
    )))
    .bind(key)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let sender: Option<String> = r.try_get("sender").map_err(db_err)?;
        out.push(TicketContext {
            ticket: ticket_from_row(r)?,
            body: r
                .try_get::<Option<String>, _>("first_body")
                .map_err(db_err)?
                .unwrap_or_default(),
            mailbox: r.try_get("first_mailbox").map_err(db_err)?,
            // A handle that no longer parses is no sender rather than a failed rule run.
            sender: sender.and_then(|s| EmailAddress::parse(&s).ok()),
            profile: profile_from_row(r)?,
            last_customer_reply_at: r.try_get("last_in").map_err(db_err)?,
            status_changed_at: r.try_get("status_changed_at").map_err(db_err)?,
            assigned_at: None,
            previous_agent: r
                .try_get::<Option<i64>, _>("previous_agent")
                .map_err(db_err)?
                .map(AgentId),
            custom_fields: custom_fields_of(r)?,
        });
    }
    // The assignment times, for exactly the tickets read above (ids bound, in chunks).
    let ids: Vec<i64> = out.iter().map(|c| c.ticket.id.0).collect();
    let mut assigned: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        // Only placeholders are formatted into the text; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT ticket_id, event, at FROM history WHERE kind = 'assigned' \
             AND ticket_id IN ({}) ORDER BY at, id",
            list.join(", ")
        )));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(reader(pool)).await.map_err(db_err)? {
            let event: String = r.try_get("event").map_err(db_err)?;
            if let TicketEvent::Assigned { to: Some(_), .. } = codec::event(&event)? {
                assigned.insert(
                    r.try_get("ticket_id").map_err(db_err)?,
                    r.try_get("at").map_err(db_err)?,
                );
            }
        }
    }
    for c in &mut out {
        c.assigned_at = assigned.get(&c.ticket.id.0).copied();
    }
    Ok(out)
}

/// The `custom_fields` JSON column of a tickets row.
fn custom_fields_of(r: &DbRow) -> StoreResult<BTreeMap<String, String>> {
    let raw: String = r.try_get("custom_fields").map_err(db_err)?;
    serde_json::from_str(&raw).map_err(|_| corrupt("custom_fields", &raw))
}

/// A ticket's custom fields (empty for none; `NotFound` for no such ticket).
pub(crate) async fn custom_fields(
    pool: &DbPool,
    id: TicketId,
) -> StoreResult<BTreeMap<String, String>> {
    let row = sqlx::query("SELECT custom_fields FROM tickets WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    custom_fields_of(&row)
}

pub(crate) async fn ticket_context(
    pool: &DbPool,
    id: TicketId,
) -> StoreResult<Option<TicketContext>> {
    Ok(contexts(pool, Scope::One(id)).await?.into_iter().next())
}

pub(crate) async fn recent_ticket_contexts(
    pool: &DbPool,
    limit: i64,
) -> StoreResult<Vec<TicketContext>> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    contexts(pool, Scope::Recent(limit)).await
}

pub(crate) async fn labelled_tickets(
    pool: &DbPool,
    after: TicketId,
    limit: i64,
) -> StoreResult<Vec<LabelledTicket>> {
    // Labelled: a group, a tag, or a priority other than normal that an agent or a rule set
    // (the priority a ticket was created with says nothing about its content).
    let rows = sqlx::query(
        "SELECT t.id, t.subject, t.tags, t.priority, g.name AS category, \
         (SELECT m.body FROM messages m WHERE m.ticket_id = t.id \
            ORDER BY m.created_at, m.id LIMIT 1) AS first_body \
         FROM tickets t LEFT JOIN groups g ON g.id = t.group_id \
         WHERE t.id > $1 AND (t.group_id IS NOT NULL OR t.tags <> '[]' \
            OR (t.priority <> 'normal' AND EXISTS (SELECT 1 FROM history h \
                WHERE h.ticket_id = t.id AND h.kind = 'priority_changed' \
                AND h.actor_kind IN ('agent', 'rule')))) \
         ORDER BY t.id LIMIT $2",
    )
    .bind(after.0)
    .bind(limit.max(0))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let tags: String = r.try_get("tags").map_err(db_err)?;
            let tags: BTreeSet<String> = from_json("tags", &tags)?;
            let priority: String = r.try_get("priority").map_err(db_err)?;
            Ok(LabelledTicket {
                id: TicketId(r.try_get("id").map_err(db_err)?),
                subject: r.try_get("subject").map_err(db_err)?,
                body: r
                    .try_get::<Option<String>, _>("first_body")
                    .map_err(db_err)?
                    .unwrap_or_default(),
                category: r.try_get("category").map_err(db_err)?,
                tags: tags.into_iter().collect(),
                priority: Priority::parse(&priority)
                    .ok_or_else(|| corrupt("priority", &priority))?,
            })
        })
        .collect()
}
