//! Every business query of the store, written once.
//!
//! This file is compiled twice: [`super::sqlite`] and [`super::pg`] each declare it as their
//! `ops` module (`#[path = "ops.rs"] mod ops;`) next to a `type Db` naming their database,
//! so the same SQL and the same Rust run on both databases and are type-checked against
//! each (sqlx has no common executor for two concrete databases that keeps chrono/JSON
//! types, and code generic over `sqlx::Database` drowns in trait bounds). The parent module
//! supplies the only dialect-specific parts:
//! - `DbPool`, `reader(pool)` and `begin(pool)`: where reads run and how a write transaction
//!   starts (SQLite: a read-only pool for reads, one writer connection, `BEGIN IMMEDIATE`);
//! - `next_ticket_seq(conn)`: the next ticket number (counter row / sequence);
//! - `claim_jobs(..)`: re-exported here (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
//!
//! Invariants kept here:
//! - one transaction per write method: state, history rows and jobs commit together;
//! - an intake receipt is inserted first (`ON CONFLICT DO NOTHING`), so concurrent creates
//!   with one idempotency key make one ticket and the losers replay it;
//! - contact handles are unique across contacts; a contact is found by any of its handles
//!   and, if a concurrent transaction registered a handle first, that contact is used;
//! - ticket updates are compare-and-set on `version`; a change's notifications are stored in
//!   its transaction, and every history write records its assignments in the global
//!   assignment sequence (see `routing.rs`);
//! - the jobs derived from a ticket's events (`jobs_for`, `email_jobs`) are computed from the
//!   ticket as stored by that write (version 1 when created, the bumped version when
//!   appended to), so a rules run is keyed by the version the change stored;
//! - message dedupe keys (per ticket) and job keys are inserted with `ON CONFLICT DO NOTHING`;
//! - every time written is truncated to microseconds;
//! - an ingested mail writes its raw bytes, ticket change, Message-ID, receipt and mailbox
//!   cursor in one transaction; a mail whose (mailbox, UIDVALIDITY, UID) or raw sha-256 is
//!   already receipted in that mailbox writes nothing but the cursor (the threading and
//!   ingest decisions themselves live in `lossless::email`);
//! - an ingested mail's attachment bytes go into `attachment_blobs` (keyed by sha-256,
//!   `ON CONFLICT DO NOTHING`: one row per file however many mails carry it; none over the
//!   size limit) and its sanitized HTML into `messages.body_html`, in that same transaction;
//! - a mailbox lease is taken by one conditional `UPDATE … RETURNING`, so at most one node
//!   holds an unexpired lease; a setting is inserted `ON CONFLICT DO NOTHING` and read back,
//!   so every node ends with the value stored first;
//! - a dead letter's replay (`IngestEmail::replay_of`) claims its receipt with one
//!   conditional `UPDATE` and records its outcome on that receipt (no new receipt, cursor
//!   untouched), so concurrent or repeated replays place the mail once; mailbox passwords
//!   are read only by `mailbox_settings` (server-internal), never by the overview.

use super::super::codec::{self, RawAgent, RawJob, RawMessage, RawTicket};
use super::super::{db_err, db_err_dup, db_err_ref};
use super::{Db, DbPool, begin, next_ticket_seq, reader};
use chrono::{DateTime, Utc};
use lossless::actor::ActorRef;
use lossless::contact::{Contact, ContactDraft, Handle};
use lossless::email::admin::{
    DeadLetter, Endpoint, MailboxHealth, MailboxOverview, MailboxSettings, MailboxSource,
    TransportSecurity,
};
use lossless::email::ingest::{self, IngestPlan};
use lossless::email::outbound::{self, Delivery, DeliveryState};
use lossless::email::thread::{self, SubjectTicket, ThreadContext, ThreadTarget};
use lossless::email::{
    Classification, InboundEmail, IngestEmail, IngestOutcome, Ingested, MailboxId, MailboxState,
};
use lossless::ids::{
    AgentId, ContactId, EmailAddress, GroupId, JobId, MessageId, NumberPrefix, TicketId,
    TicketNumber,
};
use lossless::job::{Job, JobStatus, NewJob, jobs_for};
use lossless::message::{Message, MessageDraft};
use lossless::ports::{
    CreateTicket, Created, DeadLetterSource, IntakeKey, QueueQuery, QueueRow, QueueView,
    StoreError, StoreResult, StoredMailbox, UpdateTicket, to_micros,
};
use lossless::team::{Agent, Group, NewAgent};
use lossless::ticket::{HistoryEntry, Ticket, TicketDraft, TicketEvent};
use sqlx::Row as _;
use std::collections::BTreeSet;

pub(crate) use super::claim_jobs;

/// The issue 4 queries (rules, routing, presence, notifications), compiled with this file.
#[path = "routing.rs"]
mod routing;
pub(crate) use self::routing::*;

/// The issue 5 queries (SLA calendars, policies, ticket records, measurements), compiled
/// with this file.
#[path = "sla.rs"]
mod sla;
pub(crate) use self::sla::*;

/// The issue 6 canned-response queries, compiled with this file.
#[path = "canned.rs"]
mod canned;
pub(crate) use self::canned::*;

/// The issue 6 queries (who views or types on a ticket), compiled with this file.
#[path = "viewers.rs"]
mod viewers;
pub(crate) use self::viewers::*;

/// The issue 6 search queries (full-text index, ticket and contact search, saved views),
/// compiled with this file.
#[path = "search.rs"]
mod search;
pub(crate) use self::search::{
    contacts_by_handle, delete_view, index_backlog, save_view, saved_view, saved_views,
    search_contacts, search_tickets,
};

/// The issue 6 manager dashboard queries (working-set counts, oldest unassigned, SLA at
/// risk), compiled with this file.
#[path = "board.rs"]
mod board;
pub(crate) use self::board::{board_load, board_tickets};

/// The issue 6 agent-alert queries (keyed notifications, email preferences), compiled with
/// this file.
#[path = "alerts.rs"]
mod alerts;
pub(crate) use self::alerts::{add_keyed_notification, agent_prefs, save_agent_prefs};

// ---- display preferences (issue 6, point 10) ----
/// The issue 6 display-preference queries (language, time zone), compiled with this file.
#[path = "prefs.rs"]
mod prefs;
pub(crate) use self::prefs::{display_prefs, save_display_prefs};

// ---- bulk, merge, links (issue 6, point 4) ----
/// The issue 6 merge and link queries, compiled with this file.
#[path = "merge.rs"]
mod merge;
pub(crate) use self::merge::{
    link_tickets, merge_tickets, merged_into, ticket_relations, unlink_tickets,
};

// ---- contacts (issue 6) ----
/// The issue 6 contact queries (full profile, tickets across channels, edit, merge),
/// compiled with this file.
#[path = "contacts.rs"]
mod contacts;
pub(crate) use self::contacts::{contact_card, contact_tickets, merge_contacts, save_contact};

// ---- group visibility (issue 6, 1b) ----
/// The issue 6 group-visibility queries (restricted groups, attachment visibility), compiled
/// with this file.
#[path = "visibility.rs"]
mod visibility;
pub(crate) use self::visibility::{
    attachment_seen_outside, message_ticket, restricted_groups, set_group_restricted,
};

// ---- accounts (issue 6, point 1) ----
/// The issue 6 account queries (status, invite and reset tokens, roles, audit log), compiled
/// with this file.
#[path = "accounts.rs"]
mod accounts;
// ---- assignable agents (issue 6 follow-up) ----
pub(crate) use self::accounts::inactive_agents;
pub(crate) use self::accounts::{
    active_agent_by_email, audit_log, create_invite, issue_token, redeem_token, set_account_status,
    set_agent_role, token_agent, user_accounts,
};

// ---- customer portal (issue 7, point 5) ----
/// The issue 7 customer portal queries (sign-in links, portal sessions), compiled with this
/// file.
#[path = "portal.rs"]
mod portal;
pub(crate) use self::portal::{
    delete_portal_session, issue_portal_link, portal_link_contact, portal_session_contact,
    redeem_portal_link,
};

// ---- widget (issue 7, widget-backend) ----
/// The issue 7 widget queries (sites, visitors, uploads, widget tickets), compiled with
/// this file.
#[path = "widget.rs"]
mod widget;
pub(crate) use self::widget::{
    create_widget_ticket, create_widget_visitor, message_by_key, save_widget_site,
    save_widget_upload, set_widget_site_active, ticket_site, ticket_visitor, update_widget_visitor,
    widget_site, widget_site_by_key, widget_sites, widget_uploads, widget_visitor,
};

type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

// ---- rows -------------------------------------------------------------------

fn raw_ticket(r: &DbRow) -> Result<RawTicket, sqlx::Error> {
    Ok(RawTicket {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        subject: r.try_get("subject")?,
        status: r.try_get("status")?,
        priority: r.try_get("priority")?,
        channel: r.try_get("channel")?,
        contact_id: r.try_get("contact_id")?,
        assignee_id: r.try_get("assignee_id")?,
        group_id: r.try_get("group_id")?,
        tags: r.try_get("tags")?,
        portal_token: r.try_get("portal_token")?,
        lang: r.try_get("lang")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

fn ticket_from_row(r: &DbRow) -> StoreResult<Ticket> {
    raw_ticket(r).map_err(db_err)?.into_ticket()
}

fn message_from_row(r: &DbRow) -> StoreResult<Message> {
    let raw = (|| {
        Ok::<_, sqlx::Error>(RawMessage {
            id: r.try_get("id")?,
            ticket_id: r.try_get("ticket_id")?,
            direction: r.try_get("direction")?,
            visibility: r.try_get("visibility")?,
            author_kind: r.try_get("author_kind")?,
            author_id: r.try_get("author_id")?,
            body: r.try_get("body")?,
            attachments: r.try_get("attachments")?,
            created_at: r.try_get("created_at")?,
        })
    })()
    .map_err(db_err)?;
    raw.into_message()
}

fn agent_from_row(r: &DbRow) -> StoreResult<Agent> {
    let raw = (|| {
        Ok::<_, sqlx::Error>(RawAgent {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            lang: r.try_get("lang")?,
        })
    })()
    .map_err(db_err)?;
    raw.into_agent()
}

/// A `jobs` row (also used by the dialect's `claim_jobs`).
pub(crate) fn job_from_row(r: &DbRow) -> StoreResult<Job> {
    let raw = (|| {
        Ok::<_, sqlx::Error>(RawJob {
            id: r.try_get("id")?,
            key: r.try_get("key")?,
            payload: r.try_get("payload")?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
            run_at: r.try_get("run_at")?,
            last_error: r.try_get("last_error")?,
        })
    })()
    .map_err(db_err)?;
    raw.into_job()
}

fn group_from_row(r: &DbRow) -> StoreResult<Group> {
    Ok(Group {
        id: GroupId(r.try_get("id").map_err(db_err)?),
        name: r.try_get("name").map_err(db_err)?,
    })
}

// ---- writes inside a transaction ------------------------------------------

/// Appends a message (indexed for search); its row id, or `None` when its dedupe key already
/// exists on the ticket.
async fn insert_message(
    c: &mut Conn,
    ticket: TicketId,
    m: &MessageDraft,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    insert_message_of(c, ticket, None, m, now).await
}

/// [`insert_message`]; `subject` is the ticket's when this is its first message (the search
/// index holds them together).
async fn insert_message_of(
    c: &mut Conn,
    ticket: TicketId,
    subject: Option<&str>,
    m: &MessageDraft,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let (author_kind, author_id) = codec::actor_parts(m.author);
    let done = sqlx::query(
        "INSERT INTO messages (ticket_id, direction, visibility, author_kind, author_id, body, \
         attachments, dedupe_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (ticket_id, dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(ticket.0)
    .bind(m.direction.as_str())
    .bind(m.visibility.as_str())
    .bind(author_kind)
    .bind(author_id)
    .bind(&m.body)
    .bind(codec::to_json(&m.attachments)?)
    .bind(m.dedupe_key.as_deref())
    .bind(to_micros(now))
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)?;
    let id: Option<i64> = done.map(|r| r.try_get(0).map_err(db_err)).transpose()?;
    if let Some(id) = id {
        search::index_message(&mut *c, id, ticket, subject, &m.body).await?;
    }
    Ok(id)
}

/// Stores history rows, and records the assignments among them in the global assignment
/// sequence (every write that assigns goes through here).
async fn insert_history(
    c: &mut Conn,
    ticket: TicketId,
    actor: ActorRef,
    events: &[TicketEvent],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let (actor_kind, actor_id) = codec::actor_parts(actor);
    for e in events {
        sqlx::query(
            "INSERT INTO history (ticket_id, actor_kind, actor_id, kind, event, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ticket.0)
        .bind(actor_kind)
        .bind(actor_id)
        .bind(e.name())
        .bind(codec::to_json(e)?)
        .bind(to_micros(at))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    }
    routing::record_assignments(&mut *c, ticket, events).await
}

async fn insert_jobs(c: &mut Conn, jobs: &[NewJob]) -> StoreResult<()> {
    for j in jobs {
        sqlx::query(
            "INSERT INTO jobs (key, kind, payload, status, attempts, max_attempts, run_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&j.key)
        .bind(j.kind.name())
        .bind(codec::to_json(&j.kind)?)
        .bind(i64::from(j.max_attempts))
        .bind(to_micros(j.run_at))
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The contact owning the first of `handles` that has an owner (an email address in any
/// letter case; see `lossless::contact`).
async fn find_contact(c: &mut Conn, handles: &BTreeSet<&Handle>) -> StoreResult<Option<ContactId>> {
    for h in handles {
        let row = sqlx::query(handle_match_sql(h, "contact_id"))
            .bind(h.kind())
            .bind(h.value())
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?;
        if let Some(r) = row {
            return Ok(Some(ContactId(r.try_get(0).map_err(db_err)?)));
        }
    }
    Ok(None)
}

// ---- email handles in any letter case (issue 6 follow-up) ----
/// `SELECT <column> FROM contact_handles` matching handle `h` (`$1` kind, `$2` value): an
/// email address in any letter case (`lower()` on both sides, served by
/// `contact_handles_lower_idx`; the oldest row first when old data holds several
/// spellings), other kinds exactly.
fn handle_match_sql(h: &Handle, column: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(if matches!(h, Handle::Email(_)) {
        format!(
            "SELECT {column} FROM contact_handles WHERE kind = $1 AND lower(value) = lower($2) \
             ORDER BY id LIMIT 1"
        )
    } else {
        format!("SELECT {column} FROM contact_handles WHERE kind = $1 AND value = $2")
    })
}

/// Gives `contact` those of `handles` nobody owns (an email address owned in another letter
/// case counts as owned); returns how many it got.
async fn attach_handles(
    c: &mut Conn,
    contact: ContactId,
    handles: &BTreeSet<&Handle>,
) -> StoreResult<usize> {
    let mut attached = 0;
    for h in handles {
        if matches!(h, Handle::Email(_))
            && sqlx::query(handle_match_sql(h, "id"))
                .bind(h.kind())
                .bind(h.value())
                .fetch_optional(&mut *c)
                .await
                .map_err(db_err)?
                .is_some()
        {
            continue;
        }
        let done = sqlx::query(
            "INSERT INTO contact_handles (contact_id, kind, value) VALUES ($1, $2, $3) \
             ON CONFLICT (kind, value) DO NOTHING",
        )
        .bind(contact.0)
        .bind(h.kind())
        .bind(h.value())
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 1 {
            attached += 1;
        }
    }
    Ok(attached)
}

/// Finds the contact by any handle (adding the new handles to it), or creates it; a new or
/// changed contact is (re)indexed for search.
async fn find_or_create_contact(
    c: &mut Conn,
    draft: &ContactDraft,
    now: DateTime<Utc>,
) -> StoreResult<ContactId> {
    // Sorted and unique: a fixed insert order keeps concurrent creators from
    // deadlocking on each other's handles.
    let handles: BTreeSet<&Handle> = draft.handles.iter().collect();
    // PostgreSQL: a concurrent transaction may register one of these handles
    // between our lookup and our insert; then we drop our new contact and use
    // theirs. Twice is enough (the second lookup sees their commit).
    for _ in 0..3 {
        if let Some(id) = find_contact(&mut *c, &handles).await? {
            let mut changed = attach_handles(&mut *c, id, &handles).await? > 0;
            if !draft.name.trim().is_empty() {
                changed |= sqlx::query("UPDATE contacts SET name = $2 WHERE id = $1 AND name = ''")
                    .bind(id.0)
                    .bind(draft.name.trim())
                    .execute(&mut *c)
                    .await
                    .map_err(db_err)?
                    .rows_affected()
                    > 0;
            }
            if changed {
                search::index_contact(&mut *c, id).await?;
            }
            return Ok(id);
        }
        let row =
            sqlx::query("INSERT INTO contacts (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(draft.name.trim())
                .bind(to_micros(now))
                .fetch_one(&mut *c)
                .await
                .map_err(db_err)?;
        let id = ContactId(row.try_get(0).map_err(db_err)?);
        if attach_handles(&mut *c, id, &handles).await? == handles.len() {
            search::index_contact(&mut *c, id).await?;
            return Ok(id);
        }
        sqlx::query("DELETE FROM contacts WHERE id = $1")
            .bind(id.0)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
    }
    Err(StoreError::Conflict)
}

// ---- tickets ----------------------------------------------------------------

/// Inserts the ticket `draft` materializes (with the next number) for `contact_id`.
async fn insert_ticket(
    c: &mut Conn,
    draft: &TicketDraft,
    prefix: &NumberPrefix,
    contact_id: ContactId,
) -> StoreResult<(Ticket, Vec<TicketEvent>)> {
    let seq = next_ticket_seq(&mut *c).await?;
    let (mut ticket, events) =
        draft.materialize(TicketId(0), TicketNumber::new(prefix, seq), contact_id);
    let row = sqlx::query(
        "INSERT INTO tickets (number, number_seq, subject, status, priority, priority_rank, channel, \
         contact_id, assignee_id, group_id, tags, portal_token, lang, version, created_at, updated_at, \
         first_response_at, resolved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         RETURNING id",
    )
    .bind(ticket.number.to_string())
    .bind(seq)
    .bind(&ticket.subject)
    .bind(ticket.status.as_str())
    .bind(ticket.priority.as_str())
    .bind(i64::from(ticket.priority.rank()))
    .bind(ticket.channel.as_str())
    .bind(ticket.contact_id.0)
    .bind(ticket.assignee.map(|a| a.0))
    .bind(ticket.group.map(|g| g.0))
    .bind(codec::to_json(&ticket.tags)?)
    .bind(ticket.portal_token.as_str())
    .bind(ticket.lang.code())
    .bind(ticket.version)
    .bind(ticket.created_at)
    .bind(ticket.updated_at)
    .bind(ticket.first_response_at)
    .bind(ticket.resolved_at)
    .fetch_one(&mut *c)
    .await
    .map_err(db_err_dup("portal_token"))?;
    ticket.id = TicketId(row.try_get(0).map_err(db_err)?);
    if !ticket.tags.is_empty() {
        search::sync_tags(&mut *c, &ticket).await?;
    }
    Ok((ticket, events))
}

async fn replay(pool: &DbPool, k: &IntakeKey) -> StoreResult<Created> {
    let row = sqlx::query(
        "SELECT t.* FROM intake_receipts r JOIN tickets t ON t.id = r.ticket_id \
         WHERE r.source = $1 AND r.key = $2",
    )
    .bind(&k.source)
    .bind(&k.key)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    match row {
        Some(r) => Ok(Created {
            ticket: ticket_from_row(&r)?,
            replayed: true,
        }),
        None => Err(StoreError::Backend(
            "intake receipt without a ticket".to_owned(),
        )),
    }
}

pub(crate) async fn create_ticket(pool: &DbPool, c: CreateTicket) -> StoreResult<Created> {
    let CreateTicket {
        mut draft,
        prefix,
        contact,
        body,
        intake_key,
        custom_fields,
    } = c;
    draft.now = to_micros(draft.now);
    let now = draft.now;
    let mut tx = begin(pool).await.map_err(db_err)?;
    if let Some(k) = &intake_key
        && !claim_intake_key(&mut tx, k, now).await?
    {
        tx.rollback().await.map_err(db_err)?;
        return replay(pool, k).await;
    }
    let contact_id = find_or_create_contact(&mut tx, &contact, now).await?;
    let (ticket, events) = insert_ticket(&mut tx, &draft, &prefix, contact_id).await?;
    if !custom_fields.is_empty() {
        sqlx::query("UPDATE tickets SET custom_fields = $2 WHERE id = $1")
            .bind(ticket.id.0)
            .bind(codec::to_json(&custom_fields)?)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    let author = ActorRef::Contact(contact_id);
    insert_message_of(
        &mut tx,
        ticket.id,
        Some(&ticket.subject),
        &MessageDraft::from_customer(author, body),
        now,
    )
    .await?;
    insert_history(&mut tx, ticket.id, author, &events, now).await?;
    insert_jobs(&mut tx, &jobs_for(&ticket, &events, now)).await?;
    if let Some(k) = &intake_key {
        settle_intake_key(&mut tx, k, ticket.id).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Created {
        ticket,
        replayed: false,
    })
}

/// Takes an intake key for a new ticket; `false` when an earlier create holds it (the
/// caller rolls back and replays that ticket). Inserted first: a concurrent create with the
/// same key waits here for our commit, then finds the receipt taken.
async fn claim_intake_key(c: &mut Conn, k: &IntakeKey, now: DateTime<Utc>) -> StoreResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO intake_receipts (source, key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (source, key) DO NOTHING",
    )
    .bind(&k.source)
    .bind(&k.key)
    .bind(now)
    .execute(&mut *c)
    .await
    .map_err(db_err)?
    .rows_affected()
        == 1)
}

/// Points a claimed intake key at the ticket it created (what a replay returns).
async fn settle_intake_key(c: &mut Conn, k: &IntakeKey, ticket: TicketId) -> StoreResult<()> {
    sqlx::query("UPDATE intake_receipts SET ticket_id = $3 WHERE source = $1 AND key = $2")
        .bind(&k.source)
        .bind(&k.key)
        .bind(ticket.0)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Writes `t` if the stored row is still at `expected_version` (bumping it); `None` if not.
async fn cas_update_ticket(
    c: &mut Conn,
    t: &Ticket,
    expected_version: i64,
) -> StoreResult<Option<Ticket>> {
    let row = sqlx::query(
        "UPDATE tickets SET subject = $3, status = $4, priority = $5, priority_rank = $6, \
         assignee_id = $7, group_id = $8, tags = $9, lang = $10, updated_at = $11, \
         first_response_at = $12, resolved_at = $13, version = version + 1 \
         WHERE id = $1 AND version = $2 RETURNING *",
    )
    .bind(t.id.0)
    .bind(expected_version)
    .bind(&t.subject)
    .bind(t.status.as_str())
    .bind(t.priority.as_str())
    .bind(i64::from(t.priority.rank()))
    .bind(t.assignee.map(|a| a.0))
    .bind(t.group.map(|g| g.0))
    .bind(codec::to_json(&t.tags)?)
    .bind(t.lang.code())
    .bind(to_micros(t.updated_at))
    .bind(t.first_response_at.map(to_micros))
    .bind(t.resolved_at.map(to_micros))
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)?;
    let stored = row.as_ref().map(ticket_from_row).transpose()?;
    if let Some(t) = &stored {
        search::sync_tags(&mut *c, t).await?;
    }
    Ok(stored)
}

pub(crate) async fn update_ticket(pool: &DbPool, u: UpdateTicket) -> StoreResult<Ticket> {
    let UpdateTicket {
        expected_version,
        ticket: t,
        actor,
        events,
        messages,
        jobs,
        notifications,
        completes,
        now,
    } = u;
    let now = to_micros(now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    let stored = cas_update_ticket(&mut tx, &t, expected_version).await?;
    let Some(stored) = stored else {
        let exists = sqlx::query("SELECT id FROM tickets WHERE id = $1")
            .bind(t.id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        return Err(if exists.is_some() {
            StoreError::Conflict
        } else {
            StoreError::NotFound
        });
    };
    let mut jobs = jobs;
    for m in &messages {
        let id = insert_message(&mut tx, stored.id, m, now).await?;
        // ---- widget: a reply on a widget ticket is mailed when its contact has an address ----
        if let Some(id) = id
            && (outbound::delivers_by_email(&stored, m)
                || widget::emails_reply(&mut tx, &stored, m).await?)
        {
            sqlx::query("UPDATE messages SET delivery = 'pending' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            jobs.push(outbound::deliver_job(stored.id, MessageId(id), now));
        }
    }
    insert_history(&mut tx, stored.id, actor, &events, now).await?;
    insert_jobs(&mut tx, &jobs).await?;
    routing::insert_notifications(&mut tx, &notifications, now).await?;
    if let Some(claim) = &completes {
        // The job whose effect this is completes with it, or nothing commits: a worker that
        // lost its lease must not write the effect a second time.
        if mark_job_done(&mut tx, claim.id, &claim.worker, now).await? != 1 {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Conflict);
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(stored)
}

/// Marks a running job done if `worker` holds it; returns how many rows changed (0 or 1).
async fn mark_job_done(
    c: &mut Conn,
    id: JobId,
    worker: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE jobs SET status = 'done', done_at = $3, lease_until = NULL \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'",
    )
    .bind(id.0)
    .bind(worker)
    .bind(to_micros(now))
    .execute(&mut *c)
    .await
    .map_err(db_err)?
    .rows_affected())
}

async fn ticket_where(
    pool: &DbPool,
    sql: &'static str,
    key: sqlx::Either<i64, String>,
) -> StoreResult<Option<Ticket>> {
    let q = sqlx::query(sql);
    let q = match key {
        sqlx::Either::Left(id) => q.bind(id),
        sqlx::Either::Right(s) => q.bind(s),
    };
    let row = q.fetch_optional(reader(pool)).await.map_err(db_err)?;
    row.as_ref().map(ticket_from_row).transpose()
}

pub(crate) async fn ticket(pool: &DbPool, id: TicketId) -> StoreResult<Option<Ticket>> {
    ticket_where(
        pool,
        "SELECT * FROM tickets WHERE id = $1",
        sqlx::Either::Left(id.0),
    )
    .await
}

pub(crate) async fn ticket_by_number(pool: &DbPool, number: String) -> StoreResult<Option<Ticket>> {
    ticket_where(
        pool,
        "SELECT * FROM tickets WHERE number = $1",
        sqlx::Either::Right(number),
    )
    .await
}

pub(crate) async fn ticket_by_token(pool: &DbPool, token: String) -> StoreResult<Option<Ticket>> {
    ticket_where(
        pool,
        "SELECT * FROM tickets WHERE portal_token = $1",
        sqlx::Either::Right(token),
    )
    .await
}

pub(crate) async fn ticket_count(pool: &DbPool) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM tickets")
        .fetch_one(reader(pool))
        .await
        .map_err(db_err)?;
    row.try_get(0).map_err(db_err)
}

/// The working set (new, open, pending) as the partial indexes' predicate spells it.
const WORKING_SET: &str = "t.status IN ('new', 'open', 'pending')";

/// The queue; `hidden` groups' tickets are left out (see [`lossless::visibility`]).
pub(crate) async fn queue(
    pool: &DbPool,
    q: QueueQuery,
    hidden: Vec<GroupId>,
) -> StoreResult<Vec<QueueRow>> {
    enum Arg {
        Int(i64),
        Text(&'static str),
        Time(DateTime<Utc>),
    }
    let mut args: Vec<Arg> = Vec::new();
    let mut param = |a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    // The SQLite we bundle (3.51) prices the whole-working-set page wrong: it takes the
    // dashboard's status-led index (0015) and sorts every open ticket, 0.3–0.6 s at a million
    // tickets, instead of walking the queue-ordered partial index of 0017 (1–5 ms). So the
    // page names its index there; the other views already pick theirs.
    let hint = if search::sqlite() && q.statuses.is_empty() && matches!(q.view, QueueView::All) {
        " INDEXED BY tickets_working_queue_idx"
    } else {
        ""
    };
    let mut sql = format!(
        "SELECT t.*, c.name AS contact_name, s.ticket_id AS sla_ticket_id, \
         s.due_at AS sla_due_at, s.breached AS sla_breached, s.paused AS sla_paused, \
         s.warned AS sla_warned \
         FROM tickets t{hint} JOIN contacts c ON c.id = t.contact_id \
         LEFT JOIN ticket_sla s ON s.ticket_id = t.id WHERE ",
    );
    if q.statuses.is_empty() {
        // The working set, spelled exactly as the partial indexes of migration 0017 (and
        // 0015) are, so both databases use them: a page is then a short index walk in the
        // page's order, however many closed tickets there are.
        sql.push_str(WORKING_SET);
    } else {
        let list: Vec<String> = q
            .statuses
            .iter()
            .map(|s| param(Arg::Text(s.as_str())))
            .collect();
        sql.push_str(&format!("t.status IN ({})", list.join(", ")));
    }
    if !q.priorities.is_empty() {
        let list: Vec<String> = q
            .priorities
            .iter()
            .map(|p| param(Arg::Int(i64::from(p.rank()))))
            .collect();
        sql.push_str(&format!(" AND t.priority_rank IN ({})", list.join(", ")));
    }
    match q.view {
        QueueView::All => {}
        QueueView::Mine(a) => {
            sql.push_str(&format!(" AND t.assignee_id = {}", param(Arg::Int(a.0))))
        }
        QueueView::Unassigned => sql.push_str(" AND t.assignee_id IS NULL"),
        QueueView::Group(g) => sql.push_str(&format!(" AND t.group_id = {}", param(Arg::Int(g.0)))),
        QueueView::AtRisk { until } => sql.push_str(&format!(
            " AND (s.breached OR s.due_at < {})",
            param(Arg::Time(to_micros(until)))
        )),
    }
    if !hidden.is_empty() {
        // Restricted groups the agent is not in: a filter on the rows the index walk yields
        // (the working-set predicate above stays as the partial indexes spell it).
        let list: Vec<String> = hidden.iter().map(|g| param(Arg::Int(g.0))).collect();
        sql.push_str(&format!(
            " AND (t.group_id IS NULL OR t.group_id NOT IN ({}))",
            list.join(", ")
        ));
    }
    // At risk: breached first, then the nearest deadline (none last on both databases).
    let order = match q.view {
        QueueView::AtRisk { .. } => {
            "s.breached DESC, (s.due_at IS NULL) ASC, s.due_at ASC, t.id ASC"
        }
        _ => "t.priority_rank DESC, t.created_at ASC, t.id ASC",
    };
    sql.push_str(&format!(
        " ORDER BY {order} LIMIT {}",
        param(Arg::Int(q.limit.max(0)))
    ));
    // Only placeholders are formatted into the text; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        query = match a {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Time(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(reader(pool)).await.map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(QueueRow {
                ticket: ticket_from_row(r)?,
                contact_name: r.try_get("contact_name").map_err(db_err)?,
                sla: sla_badge_from_row(r)?,
            })
        })
        .collect()
}

// ---- thread and history ---------------------------------------------------

pub(crate) async fn messages(
    pool: &DbPool,
    ticket: TicketId,
    include_internal: bool,
) -> StoreResult<Vec<Message>> {
    let rows = sqlx::query(
        "SELECT * FROM messages WHERE ticket_id = $1 AND (visibility = 'public' OR $2) \
         ORDER BY created_at, id",
    )
    .bind(ticket.0)
    .bind(include_internal)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter().map(message_from_row).collect()
}

pub(crate) async fn has_message(
    pool: &DbPool,
    ticket: TicketId,
    dedupe_key: String,
) -> StoreResult<bool> {
    let row = sqlx::query("SELECT id FROM messages WHERE ticket_id = $1 AND dedupe_key = $2")
        .bind(ticket.0)
        .bind(dedupe_key)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    Ok(row.is_some())
}

pub(crate) async fn deliveries(pool: &DbPool, ticket: TicketId) -> StoreResult<Vec<Delivery>> {
    let rows = sqlx::query(
        "SELECT id, delivery, delivery_error, email_message_id FROM messages \
         WHERE ticket_id = $1 AND delivery IS NOT NULL ORDER BY id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("delivery").map_err(db_err)?;
            Ok(Delivery {
                message_id: MessageId(r.try_get("id").map_err(db_err)?),
                state: DeliveryState::parse(&state)
                    .ok_or_else(|| StoreError::Backend(format!("bad delivery state {state}")))?,
                error: r.try_get("delivery_error").map_err(db_err)?,
                email_message_id: r.try_get("email_message_id").map_err(db_err)?,
            })
        })
        .collect()
}

/// Sets a delivery's state (only on messages that are deliveries; only on `ticket`'s, when
/// given); returns how many rows changed.
async fn set_delivery(
    c: &mut Conn,
    ticket: Option<TicketId>,
    message: MessageId,
    state: DeliveryState,
    error: Option<String>,
    email_message_id: Option<String>,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE messages SET delivery = $2, delivery_error = $3, \
         email_message_id = COALESCE($4, email_message_id) \
         WHERE id = $1 AND delivery IS NOT NULL AND ($5 IS NULL OR ticket_id = $5)",
    )
    .bind(message.0)
    .bind(state.as_str())
    .bind(error)
    .bind(email_message_id)
    .bind(ticket.map(|t| t.0))
    .execute(&mut *c)
    .await
    .map_err(db_err)?
    .rows_affected())
}

pub(crate) async fn mark_delivery(
    pool: &DbPool,
    message: MessageId,
    state: DeliveryState,
    error: Option<String>,
    email_message_id: Option<String>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let done = set_delivery(&mut tx, None, message, state, error, email_message_id).await?;
    if done != 1 {
        tx.rollback().await.map_err(db_err)?;
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(crate) async fn ticket_mailbox(pool: &DbPool, ticket: TicketId) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT b.name FROM email_receipts r JOIN mailboxes b ON b.id = r.mailbox_id \
         WHERE r.ticket_id = $1 ORDER BY r.id DESC LIMIT 1",
    )
    .bind(ticket.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    row.map(|r| r.try_get("name").map_err(db_err)).transpose()
}

pub(crate) async fn email_thread_ids(pool: &DbPool, ticket: TicketId) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT e.message_id FROM email_ids e JOIN messages m ON m.id = e.msg_row_id \
         WHERE e.ticket_id = $1 AND m.direction = 'inbound' ORDER BY m.created_at, m.id, e.id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| r.try_get("message_id").map_err(db_err))
        .collect()
}

pub(crate) async fn history(pool: &DbPool, ticket: TicketId) -> StoreResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT ticket_id, actor_kind, actor_id, event, at FROM history WHERE ticket_id = $1 \
         ORDER BY at, id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter().map(history_from_row).collect()
}

/// A `history` row (columns `ticket_id, actor_kind, actor_id, event, at`).
fn history_from_row(r: &DbRow) -> StoreResult<HistoryEntry> {
    let kind: String = r.try_get("actor_kind").map_err(db_err)?;
    let event: String = r.try_get("event").map_err(db_err)?;
    Ok(HistoryEntry {
        ticket_id: TicketId(r.try_get("ticket_id").map_err(db_err)?),
        actor: codec::actor_from_parts(&kind, r.try_get("actor_id").map_err(db_err)?)?,
        event: codec::event(&event)?,
        at: r.try_get("at").map_err(db_err)?,
    })
}

pub(crate) async fn mail_facts(
    pool: &DbPool,
    ticket: TicketId,
) -> StoreResult<Vec<lossless::ports::MailFacts>> {
    use lossless::ports::{MailFacts, MailReceipt};
    let mut out: Vec<MailFacts> = Vec::new();
    let html = sqlx::query(
        "SELECT id, body_html FROM messages WHERE ticket_id = $1 AND body_html IS NOT NULL \
         ORDER BY id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    for r in &html {
        out.push(MailFacts {
            message: MessageId(r.try_get("id").map_err(db_err)?),
            html: r.try_get("body_html").map_err(db_err)?,
            receipts: Vec::new(),
        });
    }
    let receipts = sqlx::query(
        "SELECT r.message_id, r.outcome, r.reason, b.name FROM email_receipts r \
         JOIN mailboxes b ON b.id = r.mailbox_id \
         WHERE r.ticket_id = $1 AND r.message_id IS NOT NULL ORDER BY r.id",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    for r in &receipts {
        let message = MessageId(r.try_get("message_id").map_err(db_err)?);
        let outcome: String = r.try_get("outcome").map_err(db_err)?;
        let reason: String = r.try_get("reason").map_err(db_err)?;
        let receipt = MailReceipt {
            mailbox: r.try_get("name").map_err(db_err)?,
            outcome: IngestOutcome::parse(&outcome)
                .ok_or_else(|| StoreError::Backend(format!("corrupt row: outcome {outcome:?}")))?,
            reason: serde_json::from_str(&reason)
                .map_err(|e| StoreError::Backend(format!("corrupt row: reason: {e}")))?,
        };
        match out.iter_mut().find(|f| f.message == message) {
            Some(f) => f.receipts.push(receipt),
            None => out.push(MailFacts {
                message,
                html: None,
                receipts: vec![receipt],
            }),
        }
    }
    Ok(out)
}

pub(crate) async fn attachment_blob(pool: &DbPool, sha256: String) -> StoreResult<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT bytes FROM attachment_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)
}

pub(crate) async fn put_blob(pool: &DbPool, sha256: String, bytes: Vec<u8>) -> StoreResult<()> {
    let size =
        i64::try_from(bytes.len()).map_err(|_| StoreError::Backend("blob too large".into()))?;
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "INSERT INTO attachment_blobs (sha256, bytes, size) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&sha256)
    .bind(bytes)
    .bind(size)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn message_raw_email(
    pool: &DbPool,
    message: MessageId,
) -> StoreResult<Option<Vec<u8>>> {
    sqlx::query_scalar(
        "SELECT e.bytes FROM email_receipts r JOIN raw_emails e ON e.sha256 = r.sha256 \
         WHERE r.message_id = $1 ORDER BY r.id LIMIT 1",
    )
    .bind(message.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)
}

pub(crate) async fn contact(pool: &DbPool, id: ContactId) -> StoreResult<Option<Contact>> {
    let Some(row) = sqlx::query("SELECT id, name FROM contacts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    let rows =
        sqlx::query("SELECT kind, value FROM contact_handles WHERE contact_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?;
    let handles = rows
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind").map_err(db_err)?;
            let value: String = r.try_get("value").map_err(db_err)?;
            codec::handle(&kind, &value)
        })
        .collect::<StoreResult<Vec<Handle>>>()?;
    Ok(Some(Contact {
        id,
        name: row.try_get("name").map_err(db_err)?,
        handles,
    }))
}

// ---- team ----------------------------------------------------------------------

pub(crate) async fn create_agent(pool: &DbPool, a: NewAgent) -> StoreResult<Agent> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "INSERT INTO agents (email, name, role, lang, password_hash) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(a.email.as_str())
    .bind(&a.name)
    .bind(a.role.as_str())
    .bind(a.lang.code())
    .bind(&a.password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err_dup("email"))?;
    let id = AgentId(row.try_get(0).map_err(db_err)?);
    tx.commit().await.map_err(db_err)?;
    Ok(Agent {
        id,
        email: a.email,
        name: a.name,
        role: a.role,
        lang: a.lang,
    })
}

pub(crate) async fn agent_by_email(
    pool: &DbPool,
    email: String,
) -> StoreResult<Option<(Agent, String)>> {
    let row = sqlx::query("SELECT * FROM agents WHERE lower(email) = lower($1)")
        .bind(email)
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

pub(crate) async fn agent(pool: &DbPool, id: AgentId) -> StoreResult<Option<Agent>> {
    let row = sqlx::query("SELECT * FROM agents WHERE id = $1")
        .bind(id.0)
        .fetch_optional(reader(pool))
        .await
        .map_err(db_err)?;
    row.as_ref().map(agent_from_row).transpose()
}

pub(crate) async fn agents(pool: &DbPool) -> StoreResult<Vec<Agent>> {
    let rows = sqlx::query("SELECT * FROM agents ORDER BY name, id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(agent_from_row).collect()
}

pub(crate) async fn create_group(pool: &DbPool, name: String) -> StoreResult<Group> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query("INSERT INTO groups (name) VALUES ($1) RETURNING id, name")
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err_dup("name"))?;
    let g = group_from_row(&row)?;
    tx.commit().await.map_err(db_err)?;
    Ok(g)
}

pub(crate) async fn groups(pool: &DbPool) -> StoreResult<Vec<Group>> {
    let rows = sqlx::query("SELECT id, name FROM groups ORDER BY name, id")
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter().map(group_from_row).collect()
}

pub(crate) async fn add_group_member(pool: &DbPool, g: GroupId, a: AgentId) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query(
        "INSERT INTO group_members (group_id, agent_id) VALUES ($1, $2) \
         ON CONFLICT (group_id, agent_id) DO NOTHING",
    )
    .bind(g.0)
    .bind(a.0)
    .execute(&mut *tx)
    .await
    .map_err(db_err_ref)?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn agent_groups(pool: &DbPool, a: AgentId) -> StoreResult<Vec<GroupId>> {
    let rows =
        sqlx::query("SELECT group_id FROM group_members WHERE agent_id = $1 ORDER BY group_id")
            .bind(a.0)
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok(GroupId(r.try_get(0).map_err(db_err)?)))
        .collect()
}

// ---- sessions --------------------------------------------------------------------

pub(crate) async fn create_session(
    pool: &DbPool,
    token_hash: String,
    agent: AgentId,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query("INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(agent.0)
        .bind(to_micros(expires_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::Duplicate("session"),
            _ => db_err_ref(e),
        })?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn session_agent(
    pool: &DbPool,
    token_hash: String,
    now: DateTime<Utc>,
) -> StoreResult<Option<Agent>> {
    let row = sqlx::query(
        "SELECT a.* FROM sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.status = 'active'",
    )
    .bind(token_hash)
    .bind(to_micros(now))
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    row.as_ref().map(agent_from_row).transpose()
}

pub(crate) async fn delete_session(pool: &DbPool, token_hash: String) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

// ---- jobs ----------------------------------------------------------------------

pub(crate) async fn enqueue_jobs(pool: &DbPool, jobs: Vec<NewJob>) -> StoreResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut tx = begin(pool).await.map_err(db_err)?;
    insert_jobs(&mut tx, &jobs).await?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn complete_job(
    pool: &DbPool,
    id: JobId,
    worker: String,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    mark_job_done(&mut tx, id, &worker, now).await?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn fail_job(
    pool: &DbPool,
    id: JobId,
    worker: String,
    error: String,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let q = match retry_at {
        Some(at) => sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $4, last_error = $3, lease_until = NULL \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id.0)
        .bind(worker)
        .bind(error)
        .bind(to_micros(at)),
        None => sqlx::query(
            "UPDATE jobs SET status = 'failed', last_error = $3, lease_until = NULL \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id.0)
        .bind(worker)
        .bind(error),
    };
    q.execute(&mut *tx).await.map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn jobs(
    pool: &DbPool,
    status: Option<JobStatus>,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(status.map(JobStatus::as_str))
    .bind(limit.max(0))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter().map(job_from_row).collect()
}

// ---- email intake -------------------------------------------------------------

pub(crate) async fn ensure_mailbox(
    pool: &DbPool,
    name: String,
    address: String,
) -> StoreResult<MailboxState> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = sqlx::query(
        "INSERT INTO mailboxes (name, address, last_uid) VALUES ($1, $2, 0) \
         ON CONFLICT (name) DO UPDATE SET address = excluded.address \
         RETURNING id, uidvalidity, last_uid, last_fetch_at, last_error",
    )
    .bind(&name)
    .bind(&address)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?;
    let state = MailboxState {
        id: MailboxId(row.try_get("id").map_err(db_err)?),
        uidvalidity: row.try_get("uidvalidity").map_err(db_err)?,
        last_uid: row.try_get("last_uid").map_err(db_err)?,
        last_fetch_at: row.try_get("last_fetch_at").map_err(db_err)?,
        last_error: row.try_get("last_error").map_err(db_err)?,
    };
    tx.commit().await.map_err(db_err)?;
    Ok(state)
}

pub(crate) async fn mailbox_polled(
    pool: &DbPool,
    id: MailboxId,
    error: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let ok = error.is_none();
    let done = sqlx::query(
        "UPDATE mailboxes SET last_fetch_at = $2, last_error = $3, \
         last_success_at = CASE WHEN $4 THEN $2 ELSE last_success_at END WHERE id = $1",
    )
    .bind(id.0)
    .bind(to_micros(now))
    .bind(error)
    .bind(ok)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(crate) async fn lease_mailbox(
    pool: &DbPool,
    id: MailboxId,
    node: String,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // One conditional UPDATE: the row lock (PostgreSQL) or the write lock (SQLite) makes
    // concurrent takers of a free lease queue, and the later ones re-check the condition.
    let won = sqlx::query(
        "UPDATE mailboxes SET lease_owner = $2, lease_until = $4 \
         WHERE id = $1 AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $2) \
         RETURNING id",
    )
    .bind(id.0)
    .bind(&node)
    .bind(to_micros(now))
    .bind(to_micros(until))
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?
    .is_some();
    tx.commit().await.map_err(db_err)?;
    Ok(won)
}

pub(crate) async fn setting_or_init(
    pool: &DbPool,
    key: String,
    value_if_missing: String,
) -> StoreResult<String> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    // A concurrent insert of the same key waits on the primary key and then does nothing,
    // so every caller reads the value that committed first.
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(&key)
        .bind(&value_if_missing)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let value: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(&key)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(value)
}

/// Moves the mailbox cursor to (`uidvalidity`, max(last UID, `uid`)); a new UIDVALIDITY
/// starts the cursor afresh at `uid`.
async fn advance_cursor(c: &mut Conn, i: &IngestEmail, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query(
        "UPDATE mailboxes SET last_uid = CASE WHEN uidvalidity = $2 AND last_uid > $3 \
         THEN last_uid ELSE $3 END, uidvalidity = $2, last_fetch_at = $4, last_error = NULL \
         WHERE id = $1",
    )
    .bind(i.mailbox.0)
    .bind(i.uidvalidity)
    .bind(i.uid)
    .bind(now)
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn ticket_in_tx(c: &mut Conn, id: i64) -> StoreResult<Option<Ticket>> {
    let row = sqlx::query("SELECT * FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
    row.as_ref().map(ticket_from_row).transpose()
}

/// Resolves what [`thread::lookups`] asks for into a [`ThreadContext`].
async fn thread_context(
    c: &mut Conn,
    mail: &InboundEmail,
    i: &IngestEmail,
) -> StoreResult<ThreadContext> {
    let s = &i.settings;
    let look = thread::lookups(mail, &s.secret, &s.message_id_domain, &i.prefix);
    let mut ctx = ThreadContext {
        secret: s.secret.clone(),
        domain: s.message_id_domain.clone(),
        number_prefix: i.prefix.clone(),
        closed_policy: s.closed_policy,
        ..ThreadContext::default()
    };
    let mut candidates: Vec<i64> = look.signed_tickets.iter().map(|t| t.0).collect();
    for id in &look.message_ids {
        let rows = sqlx::query("SELECT ticket_id FROM email_ids WHERE message_id = $1")
            .bind(id)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        for r in rows {
            let t: i64 = r.try_get(0).map_err(db_err)?;
            ctx.known_message_ids.push((id.clone(), TicketId(t)));
            candidates.push(t);
        }
    }
    if let Some(number) = &look.subject_number {
        let row = sqlx::query("SELECT * FROM tickets WHERE number = $1")
            .bind(number.to_string())
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?;
        if let Some(t) = row.as_ref().map(ticket_from_row).transpose()? {
            let rows = sqlx::query(
                "SELECT value FROM contact_handles WHERE contact_id = $1 AND kind = 'email'",
            )
            .bind(t.contact_id.0)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
            let mut contact_addresses = Vec::new();
            for r in rows {
                let v: String = r.try_get(0).map_err(db_err)?;
                if let Ok(a) = EmailAddress::parse(&v) {
                    contact_addresses.push(a);
                }
            }
            let mut participant_addresses = Vec::new();
            for a in participants(&mut *c, t.id).await? {
                if let Ok(a) = EmailAddress::parse(&a) {
                    participant_addresses.push(a);
                }
            }
            candidates.push(t.id.0);
            ctx.subject_ticket = Some(SubjectTicket {
                ticket: t.id,
                number: number.clone(),
                contact_addresses,
                participant_addresses,
                status: t.status,
            });
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    for id in candidates {
        if let Some(t) = ticket_in_tx(&mut *c, id).await? {
            ctx.ticket_statuses.push((t.id, t.status));
        }
    }
    Ok(ctx)
}

/// The participants of `ticket` (lowercase addresses, sorted).
async fn participants(c: &mut Conn, ticket: TicketId) -> StoreResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT address FROM ticket_participants WHERE ticket_id = $1 ORDER BY address",
    )
    .bind(ticket.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db_err)
}

pub(crate) async fn ticket_participants(
    pool: &DbPool,
    ticket: TicketId,
) -> StoreResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT address FROM ticket_participants WHERE ticket_id = $1 ORDER BY address",
    )
    .bind(ticket.0)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)
}

/// Adds the mail's Cc (and foreign To) addresses to `ticket`'s participants.
async fn add_participants(
    c: &mut Conn,
    ticket: TicketId,
    mail: &InboundEmail,
    ours: &[EmailAddress],
) -> StoreResult<()> {
    for a in ingest::participants(mail, ours) {
        sqlx::query(
            "INSERT INTO ticket_participants (ticket_id, address) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(ticket.0)
        .bind(a)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// What a parsed mail became: outcome, ticket, message row, reason.
type Placed = (
    IngestOutcome,
    Option<TicketId>,
    Option<i64>,
    serde_json::Value,
);

/// Appends an inbound mail's message with its attachment metadata, stores the attachment
/// bytes content-addressed (once per sha-256, up to the configured size) and its sanitized
/// HTML view; the message's row id. `ticket` comes with its subject when this is its first
/// message.
async fn insert_mail_message(
    c: &mut Conn,
    (ticket, subject): (TicketId, Option<&str>),
    author: ActorRef,
    body: String,
    i: &IngestEmail,
    mail: &InboundEmail,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let parts = ingest::attachment_metas(mail, &i.content, i.settings.attachment_max_bytes);
    let mut draft = MessageDraft::from_customer(author, body);
    draft.attachments = parts.iter().map(|(meta, _)| meta.clone()).collect();
    let msg = insert_message_of(&mut *c, ticket, subject, &draft, now).await?;
    for (meta, bytes) in &parts {
        let Some(bytes) = bytes else { continue };
        sqlx::query(
            "INSERT INTO attachment_blobs (sha256, bytes, size) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&meta.sha256)
        .bind(*bytes)
        .bind(meta.size)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    }
    if let (Some(id), Some(html)) = (msg, &i.content.html) {
        sqlx::query("UPDATE messages SET body_html = $1 WHERE id = $2")
            .bind(html)
            .bind(id)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
    }
    Ok(msg)
}

/// Threads and stores a parsed mail inside the ingest transaction.
async fn place_mail(
    c: &mut Conn,
    i: &IngestEmail,
    mail: &InboundEmail,
    class: &Classification,
    now: DateTime<Utc>,
) -> StoreResult<Placed> {
    let ctx = thread_context(&mut *c, mail, i).await?;
    let mut decision = thread::thread(mail, &ctx);
    let mut plan = ingest::plan(mail, class, &decision, i.token.clone(), now);
    if let IngestPlan::Append { ticket, body } = &plan {
        let before = ticket_in_tx(&mut *c, ticket.0)
            .await?
            .ok_or(StoreError::Conflict)?;
        let mut after = before.clone();
        if let Some(events) =
            ingest::append_events(&mut after, class, i.settings.closed_policy, now)
        {
            let contact = contact_of_sender(&mut *c, mail, now)
                .await?
                .unwrap_or(before.contact_id);
            let stored = if events.is_empty() {
                before
            } else {
                cas_update_ticket(&mut *c, &after, before.version)
                    .await?
                    .ok_or(StoreError::Conflict)?
            };
            let author = ActorRef::Contact(contact);
            let msg = insert_mail_message(
                &mut *c,
                (stored.id, None),
                author,
                body.clone(),
                i,
                mail,
                now,
            )
            .await?;
            insert_history(&mut *c, stored.id, author, &events, now).await?;
            let acks = recent_acks(&mut *c, stored.contact_id, now).await?;
            let jobs = ingest::email_jobs(&stored, &events, class, acks, now);
            insert_jobs(&mut *c, &jobs).await?;
            add_participants(&mut *c, stored.id, mail, &i.settings.our_addresses).await?;
            let reason = serde_json::json!({ "classification": class, "thread": decision });
            return Ok((IngestOutcome::Appended, Some(stored.id), msg, reason));
        }
        // Closed, and the mailbox's policy (or an automatic mail) does not reopen it: start
        // a linked ticket instead.
        decision.target = ThreadTarget::NewLinkedTo(*ticket);
        plan = ingest::plan(mail, class, &decision, i.token.clone(), now);
    }
    let reason = serde_json::json!({ "classification": class, "thread": decision });
    match plan {
        IngestPlan::Ignore { why } => {
            let mut reason = reason;
            reason["ignored"] = serde_json::Value::from(why);
            if let Some(b) = ingest::bounced_delivery(class, &i.settings) {
                let marked = set_delivery(
                    &mut *c,
                    Some(b.ticket),
                    b.message,
                    DeliveryState::Failed,
                    Some(b.error),
                    None,
                )
                .await?;
                if marked == 1 {
                    let event = TicketEvent::DeliveryFailed { message: b.message };
                    insert_history(&mut *c, b.ticket, ActorRef::System, &[event], now).await?;
                    reason["delivery_failed"] = serde_json::Value::from(b.message.0);
                }
            }
            Ok((IngestOutcome::Ignored, None, None, reason))
        }
        IngestPlan::Append { .. } => Err(StoreError::Conflict),
        IngestPlan::Create {
            draft,
            contact,
            body,
        } => {
            let contact_id = find_or_create_contact(&mut *c, &contact, now).await?;
            let (ticket, events) = insert_ticket(&mut *c, &draft, &i.prefix, contact_id).await?;
            let author = ActorRef::Contact(contact_id);
            let first = (ticket.id, Some(ticket.subject.as_str()));
            let msg = insert_mail_message(&mut *c, first, author, body, i, mail, now).await?;
            insert_history(&mut *c, ticket.id, author, &events, now).await?;
            // Before the new ticket's own acknowledgement job exists.
            let acks = recent_acks(&mut *c, contact_id, now).await?;
            insert_jobs(
                &mut *c,
                &ingest::email_jobs(&ticket, &events, class, acks, now),
            )
            .await?;
            add_participants(&mut *c, ticket.id, mail, &i.settings.our_addresses).await?;
            if let ThreadTarget::NewLinkedTo(old) = decision.target
                && let Some(old) = ticket_in_tx(&mut *c, old.0).await?
            {
                let (follow_up, continued) = ingest::link_events(&old, &ticket);
                insert_history(&mut *c, ticket.id, ActorRef::System, &[follow_up], now).await?;
                insert_history(&mut *c, old.id, ActorRef::System, &[continued], now).await?;
            }
            Ok((IngestOutcome::Created, Some(ticket.id), msg, reason))
        }
    }
}

/// How many acknowledgements went to `contact` since [`ingest::ack_window_start`]: ack
/// messages delivered by email since then, plus acknowledgements still queued (intake in one
/// polling pass decides before the worker has written any of them).
async fn recent_acks(c: &mut Conn, contact: ContactId, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t WHERE t.contact_id = $1 AND (\
         EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.dedupe_key = 'ack' \
         AND m.delivery IS NOT NULL AND m.created_at >= $2) OR \
         EXISTS (SELECT 1 FROM jobs j WHERE j.key = 'ack:' || CAST(t.id AS TEXT) \
         AND j.status IN ('queued', 'running') AND j.run_at >= $2))",
    )
    .bind(contact.0)
    .bind(to_micros(ingest::ack_window_start(now)))
    .fetch_one(&mut *c)
    .await
    .map_err(db_err)
}

/// The contact of the mail's sender (found or created), if it has a sender.
async fn contact_of_sender(
    c: &mut Conn,
    mail: &InboundEmail,
    now: DateTime<Utc>,
) -> StoreResult<Option<ContactId>> {
    let Some(from) = &mail.from else {
        return Ok(None);
    };
    let draft = ContactDraft {
        name: from.name.clone(),
        handles: vec![Handle::Email(from.address.clone())],
    };
    Ok(Some(find_or_create_contact(c, &draft, now).await?))
}

fn ingested_from_row(r: &DbRow) -> StoreResult<Ingested> {
    let outcome: String = r.try_get("outcome").map_err(db_err)?;
    let reason: String = r.try_get("reason").map_err(db_err)?;
    Ok(Ingested {
        outcome: IngestOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Backend(format!("corrupt row: outcome {outcome:?}")))?,
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .map_err(db_err)?
            .map(TicketId),
        message: r.try_get("message_id").map_err(db_err)?,
        reason: serde_json::from_str(&reason)
            .map_err(|e| StoreError::Backend(format!("corrupt row: reason: {e}")))?,
        duplicate: true,
    })
}

pub(crate) async fn ingest_email(pool: &DbPool, i: IngestEmail) -> StoreResult<Ingested> {
    let now = to_micros(i.now);
    let mut tx = begin(pool).await.map_err(db_err)?;
    // A replay updates its dead-letter receipt instead (and places the mail at most once).
    if let Some(id) = i.replay_of
        && let Some(done) = claim_replay(&mut tx, id, now).await?
    {
        tx.commit().await.map_err(db_err)?;
        return Ok(done);
    }
    // The same UID under the same UIDVALIDITY, or the same bytes arriving again (a
    // re-scan after UIDVALIDITY changed, a copy): the first receipt stands. No bytes at
    // all (a server that returned no body) prove nothing about sameness.
    let prior = sqlx::query(
        "SELECT outcome, ticket_id, message_id, reason FROM email_receipts \
         WHERE mailbox_id = $1 AND ((uidvalidity = $2 AND uid = $3) OR (sha256 = $4 AND $5)) \
         ORDER BY id LIMIT 1",
    )
    .bind(i.mailbox.0)
    .bind(i.uidvalidity)
    .bind(i.uid)
    .bind(&i.raw_sha256)
    .bind(!i.raw.is_empty())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    if let Some(r) = prior.filter(|_| i.replay_of.is_none()) {
        let done = ingested_from_row(&r)?;
        advance_cursor(&mut tx, &i, now).await?;
        tx.commit().await.map_err(db_err)?;
        return Ok(done);
    }
    sqlx::query(
        "INSERT INTO raw_emails (sha256, bytes, size) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&i.raw_sha256)
    .bind(&i.raw)
    .bind(i64::try_from(i.raw.len()).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    // The same mail through another of our mailboxes (or a second copy): the first
    // arrival's receipt says where it went. The key is claimed in this transaction, so two
    // nodes ingesting two copies at once are serialized on it: on PostgreSQL (READ
    // COMMITTED) the second INSERT waits for the first transaction and then, finding the
    // claim, reads the first receipt; SQLite's `BEGIN IMMEDIATE` serializes them anyway.
    let arrival = i
        .parsed
        .as_ref()
        .ok()
        .and_then(|(m, _)| ingest::arrival_key(m));
    let mut claimed = false;
    let first = match &arrival {
        Some(key) => {
            claimed = sqlx::query(
                "INSERT INTO email_arrivals (arrival_key) VALUES ($1) ON CONFLICT DO NOTHING",
            )
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected()
                == 1;
            if claimed {
                None
            } else {
                // Committed with its receipt; a claim without one would be a bug, and
                // retrying the whole ingest is the safe answer.
                let row = sqlx::query(
                    "SELECT r.id, r.ticket_id, r.message_id FROM email_arrivals a \
                     JOIN email_receipts r ON r.id = a.receipt_id WHERE a.arrival_key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                Some(row.ok_or(StoreError::Conflict)?)
            }
        }
        None => None,
    };
    let (outcome, ticket, message, reason) = match (&i.parsed, first) {
        (Ok((_, class)), Some(r)) => {
            let receipt: i64 = r.try_get("id").map_err(db_err)?;
            (
                IngestOutcome::Duplicate,
                r.try_get::<Option<i64>, _>("ticket_id")
                    .map_err(db_err)?
                    .map(TicketId),
                r.try_get("message_id").map_err(db_err)?,
                serde_json::json!({ "classification": class, "duplicate_of": receipt }),
            )
        }
        (Err(e), _) => (
            IngestOutcome::DeadLetter,
            None,
            None,
            serde_json::json!({ "error": e }),
        ),
        (Ok((mail, class)), None) => {
            let placed = place_mail(&mut tx, &i, mail, class, now).await?;
            if let (Some(t), Some(id)) = (placed.1, &mail.message_id) {
                sqlx::query(
                    "INSERT INTO email_ids (message_id, ticket_id, msg_row_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(t.0)
                .bind(placed.2)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            placed
        }
    };
    let receipt: i64 = if let Some(id) = i.replay_of {
        record_replay(&mut tx, id, (outcome, ticket, message), &reason, &arrival).await?;
        id
    } else {
        sqlx::query_scalar(
            "INSERT INTO email_receipts (mailbox_id, uidvalidity, uid, sha256, ticket_id, \
         message_id, outcome, reason, created_at, arrival_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(i.mailbox.0)
        .bind(i.uidvalidity)
        .bind(i.uid)
        .bind(&i.raw_sha256)
        .bind(ticket.map(|t| t.0))
        .bind(message)
        .bind(outcome.as_str())
        .bind(codec::to_json(&reason)?)
        .bind(now)
        .bind(&arrival)
        .fetch_one(&mut *tx)
        .await
        // A concurrent ingest of the same UID won: retrying finds its receipt.
        .map_err(|e| match db_err(e) {
            StoreError::Duplicate(_) => StoreError::Conflict,
            other => other,
        })?
    };
    if claimed {
        sqlx::query("UPDATE email_arrivals SET receipt_id = $1 WHERE arrival_key = $2")
            .bind(receipt)
            .bind(&arrival)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    if i.replay_of.is_none() {
        advance_cursor(&mut tx, &i, now).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Ingested {
        outcome,
        ticket,
        message,
        reason,
        duplicate: false,
    })
}

// ---- mailbox administration -------------------------------------------------

use lossless::email::thread::ClosedTicketPolicy;

/// Claims dead-letter receipt `id` for a replay: `None` when this replay may place the mail
/// (never replayed, or every replay so far failed to parse); otherwise what the replay that
/// placed it made of it (`duplicate: true`). One conditional `UPDATE`, so of concurrent
/// replays one claims it and the others, once it committed, read its result.
async fn claim_replay(c: &mut Conn, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Ingested>> {
    let claimed = sqlx::query(
        "UPDATE email_receipts SET replayed_at = $2 WHERE id = $1 AND outcome = 'dead_letter' \
         AND (replay_outcome IS NULL OR replay_outcome = 'dead_letter') RETURNING id",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)?
    .is_some();
    if claimed {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT replay_outcome AS outcome, ticket_id, message_id, reason FROM email_receipts \
         WHERE id = $1 AND outcome = 'dead_letter' AND replay_outcome IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)?;
    match row {
        Some(r) => Ok(Some(ingested_from_row(&r)?)),
        None => Err(StoreError::NotFound),
    }
}

/// Records what a replay made of dead-letter receipt `id` (its reason keeps the original
/// `error` when the replay parsed).
async fn record_replay(
    c: &mut Conn,
    id: i64,
    (outcome, ticket, message): (IngestOutcome, Option<TicketId>, Option<i64>),
    reason: &serde_json::Value,
    arrival: &Option<String>,
) -> StoreResult<()> {
    let old: String = sqlx::query_scalar("SELECT reason FROM email_receipts WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db_err)?;
    let mut merged = reason.clone();
    if let (Some(m), Ok(serde_json::Value::Object(o))) = (
        merged.as_object_mut(),
        serde_json::from_str::<serde_json::Value>(&old),
    ) && !m.contains_key("error")
        && let Some(e) = o.get("error")
    {
        m.insert("error".to_owned(), e.clone());
    }
    sqlx::query(
        "UPDATE email_receipts SET ticket_id = $2, message_id = $3, replay_outcome = $4, \
         reason = $5, arrival_key = COALESCE($6, arrival_key) WHERE id = $1",
    )
    .bind(id)
    .bind(ticket.map(|t| t.0))
    .bind(message)
    .bind(outcome.as_str())
    .bind(codec::to_json(&merged)?)
    .bind(arrival)
    .execute(&mut *c)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The settings columns of `mailboxes m` (no passwords).
const MAILBOX_COLUMNS: &str = "m.id, m.name, m.address, m.imap_host, m.imap_port, \
    m.imap_security, m.imap_user, m.smtp_host, m.smtp_port, m.smtp_security, m.smtp_user, \
    m.poll_seconds, m.closed_policy, m.enabled, m.source";

/// A mailbox row's id, source and settings (passwords `None`; no `imap_host`: empty
/// endpoint, disabled).
fn mailbox_from_row(r: &DbRow) -> StoreResult<(MailboxId, MailboxSource, MailboxSettings)> {
    let corrupt = |what: &str, v: &str| StoreError::Backend(format!("corrupt row: {what} {v:?}"));
    let text = |c: &str| r.try_get::<String, _>(c).map_err(db_err);
    let port = |c: &str| -> StoreResult<u16> {
        let p: i64 = r.try_get(c).map_err(db_err)?;
        u16::try_from(p).map_err(|_| corrupt(c, &p.to_string()))
    };
    let security = |c: &str| -> StoreResult<TransportSecurity> {
        let v = text(c)?;
        TransportSecurity::parse(&v).ok_or_else(|| corrupt(c, &v))
    };
    let address = text("address")?;
    let source = text("source")?;
    let policy = text("closed_policy")?;
    let imap_host: Option<String> = r.try_get("imap_host").map_err(db_err)?;
    let smtp_host: Option<String> = r.try_get("smtp_host").map_err(db_err)?;
    let poll: i64 = r.try_get("poll_seconds").map_err(db_err)?;
    let enabled: bool = r.try_get("enabled").map_err(db_err)?;
    let smtp = match smtp_host {
        Some(host) => Some(Endpoint {
            host,
            port: port("smtp_port")?,
            security: security("smtp_security")?,
            user: text("smtp_user")?,
        }),
        None => None,
    };
    let settings = MailboxSettings {
        name: text("name")?,
        address: EmailAddress::parse(&address).map_err(|_| corrupt("address", &address))?,
        imap: Endpoint {
            host: imap_host.clone().unwrap_or_default(),
            port: port("imap_port")?,
            security: security("imap_security")?,
            user: text("imap_user")?,
        },
        imap_password: None,
        smtp,
        smtp_password: None,
        poll_seconds: u32::try_from(poll)
            .map_err(|_| corrupt("poll_seconds", &poll.to_string()))?,
        closed_policy: match policy.as_str() {
            "reopen" => ClosedTicketPolicy::Reopen,
            "new_linked" => ClosedTicketPolicy::NewLinked,
            other => return Err(corrupt("closed_policy", other)),
        },
        enabled: enabled && imap_host.is_some(),
    };
    Ok((
        MailboxId(r.try_get("id").map_err(db_err)?),
        MailboxSource::parse(&source).ok_or_else(|| corrupt("source", &source))?,
        settings,
    ))
}

fn policy_text(p: ClosedTicketPolicy) -> &'static str {
    match p {
        ClosedTicketPolicy::Reopen => "reopen",
        ClosedTicketPolicy::NewLinked => "new_linked",
    }
}

pub(crate) async fn save_mailbox(
    pool: &DbPool,
    s: MailboxSettings,
    source: MailboxSource,
    is_new: bool,
) -> StoreResult<MailboxId> {
    save_mailbox_audited(pool, s, source, is_new, None).await
}

/// [`save_mailbox`] writing `audit` (issue 6; its `target_id`: the mailbox's id) in the same
/// transaction.
pub(crate) async fn save_mailbox_audited(
    pool: &DbPool,
    s: MailboxSettings,
    source: MailboxSource,
    is_new: bool,
    audit: Option<lossless::account::NewAuditEntry>,
) -> StoreResult<MailboxId> {
    // $1 name … $16 source; a NULL password keeps the stored one.
    const VALUES: &str = "($1, $2, 0, $3, $4, $5, $6, COALESCE($7, ''), $8, $9, $10, $11, \
        COALESCE($12, ''), $13, $14, $15, $16)";
    const SET: &str = "address = $2, imap_host = $3, imap_port = $4, imap_security = $5, \
        imap_user = $6, imap_password = COALESCE($7, mailboxes.imap_password), smtp_host = $8, \
        smtp_port = $9, smtp_security = $10, smtp_user = $11, \
        smtp_password = COALESCE($12, mailboxes.smtp_password), poll_seconds = $13, \
        closed_policy = $14, enabled = $15, source = $16";
    let insert = format!(
        "INSERT INTO mailboxes (name, address, last_uid, imap_host, imap_port, imap_security, \
         imap_user, imap_password, smtp_host, smtp_port, smtp_security, smtp_user, \
         smtp_password, poll_seconds, closed_policy, enabled, source) VALUES {VALUES}"
    );
    let sql = match (source, is_new) {
        (MailboxSource::Config, _) => {
            format!("{insert} ON CONFLICT (name) DO UPDATE SET {SET} RETURNING id")
        }
        (MailboxSource::Ui, true) => format!("{insert} RETURNING id"),
        (MailboxSource::Ui, false) => {
            format!("UPDATE mailboxes SET {SET} WHERE name = $1 AND source = 'ui' RETURNING id")
        }
    };
    let smtp = s.smtp.as_ref();
    let mut tx = begin(pool).await.map_err(db_err)?;
    let id: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&s.name)
        .bind(s.address.as_str())
        .bind(s.imap.host.trim())
        .bind(i64::from(s.imap.port))
        .bind(s.imap.security.as_str())
        .bind(&s.imap.user)
        .bind(&s.imap_password)
        .bind(smtp.map(|e| e.host.trim().to_owned()))
        .bind(i64::from(smtp.map_or(587, |e| e.port)))
        .bind(smtp.map_or("starttls", |e| e.security.as_str()))
        .bind(smtp.map(|e| e.user.clone()).unwrap_or_default())
        .bind(&s.smtp_password)
        .bind(i64::from(s.poll_seconds))
        .bind(policy_text(s.closed_policy))
        .bind(s.enabled)
        .bind(source.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err_dup("name"))?;
    let id = id.ok_or(StoreError::NotFound)?;
    if let Some(mut a) = audit {
        a.target_id = id.to_string();
        accounts::insert_audit(&mut tx, &a).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(MailboxId(id))
}

pub(crate) async fn mailbox_settings(pool: &DbPool) -> StoreResult<Vec<StoredMailbox>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MAILBOX_COLUMNS}, m.imap_password, m.smtp_password FROM mailboxes m \
         WHERE m.imap_host IS NOT NULL ORDER BY m.name"
    )))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let (id, source, mut settings) = mailbox_from_row(r)?;
            settings.imap_password = Some(r.try_get("imap_password").map_err(db_err)?);
            settings.smtp_password = Some(r.try_get("smtp_password").map_err(db_err)?);
            Ok(StoredMailbox {
                id,
                source,
                settings,
            })
        })
        .collect()
}

pub(crate) async fn mailbox_overview(
    pool: &DbPool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<MailboxOverview>> {
    // Outbound mail counts for the mailbox its ticket's latest mail came through (where
    // replies leave from, as `ticket_mailbox` says).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MAILBOX_COLUMNS}, m.last_fetch_at, m.last_success_at, m.last_error, \
         m.lease_owner, m.lease_until, \
         (SELECT COUNT(*) FROM email_receipts r WHERE r.mailbox_id = m.id \
            AND r.created_at > $1) AS received_24h, \
         (SELECT COUNT(*) FROM email_receipts r WHERE r.mailbox_id = m.id \
            AND r.outcome = 'dead_letter' \
            AND (r.replay_outcome IS NULL OR r.replay_outcome = 'dead_letter')) AS dead_letters, \
         (SELECT COUNT(*) FROM messages g WHERE g.delivery = 'pending' AND m.id = \
            (SELECT r.mailbox_id FROM email_receipts r WHERE r.ticket_id = g.ticket_id \
             ORDER BY r.id DESC LIMIT 1)) AS outbound_pending, \
         (SELECT COUNT(*) FROM messages g WHERE g.delivery = 'failed' AND m.id = \
            (SELECT r.mailbox_id FROM email_receipts r WHERE r.ticket_id = g.ticket_id \
             ORDER BY r.id DESC LIMIT 1)) AS outbound_failed \
         FROM mailboxes m ORDER BY m.name"
    )))
    .bind(now - chrono::Duration::hours(24))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let (id, source, s) = mailbox_from_row(r)?;
            let last_success_at: Option<DateTime<Utc>> =
                r.try_get("last_success_at").map_err(db_err)?;
            let lease_owner: Option<String> = r.try_get("lease_owner").map_err(db_err)?;
            let lease_until: Option<DateTime<Utc>> = r.try_get("lease_until").map_err(db_err)?;
            Ok(MailboxOverview {
                id,
                name: s.name,
                address: s.address,
                imap: s.imap,
                smtp: s.smtp,
                poll_seconds: s.poll_seconds,
                closed_policy: s.closed_policy,
                enabled: s.enabled,
                source,
                health: MailboxHealth {
                    last_fetch_at: r.try_get("last_fetch_at").map_err(db_err)?,
                    last_success_at,
                    last_error: r.try_get("last_error").map_err(db_err)?,
                    lag_seconds: last_success_at.map(|t| (now - t).num_seconds().max(0)),
                    received_24h: r.try_get("received_24h").map_err(db_err)?,
                    dead_letters: r.try_get("dead_letters").map_err(db_err)?,
                    outbound_pending: r.try_get("outbound_pending").map_err(db_err)?,
                    outbound_failed: r.try_get("outbound_failed").map_err(db_err)?,
                    fetched_by: lease_owner.filter(|_| lease_until.is_some_and(|u| u >= now)),
                },
            })
        })
        .collect()
}

/// How much of a dead letter's raw bytes is read to find its `From` and `Subject`.
const DEAD_LETTER_HEAD: i64 = 16 * 1024;

pub(crate) async fn dead_letters(pool: &DbPool, limit: i64) -> StoreResult<Vec<DeadLetter>> {
    let rows = sqlx::query(
        "SELECT r.id, b.name AS mailbox, r.created_at, w.size, r.reason, r.replayed_at, \
         r.replay_outcome, substr(w.bytes, 1, $2) AS head \
         FROM email_receipts r JOIN mailboxes b ON b.id = r.mailbox_id \
         JOIN raw_emails w ON w.sha256 = r.sha256 \
         WHERE r.outcome = 'dead_letter' ORDER BY r.id DESC LIMIT $1",
    )
    .bind(limit.max(0))
    .bind(i32::try_from(DEAD_LETTER_HEAD).unwrap_or(i32::MAX))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let reason: String = r.try_get("reason").map_err(db_err)?;
            let error = serde_json::from_str::<serde_json::Value>(&reason)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_default();
            let head: Vec<u8> = r.try_get("head").map_err(db_err)?;
            let (from, subject) = codec::sniff_from_subject(&head);
            let replayed_at: Option<DateTime<Utc>> = r.try_get("replayed_at").map_err(db_err)?;
            let replay_outcome: Option<String> = r.try_get("replay_outcome").map_err(db_err)?;
            Ok(DeadLetter {
                receipt: r.try_get("id").map_err(db_err)?,
                mailbox: r.try_get("mailbox").map_err(db_err)?,
                received_at: r.try_get("created_at").map_err(db_err)?,
                size: r.try_get("size").map_err(db_err)?,
                error,
                from,
                subject,
                replayed: match (replayed_at, replay_outcome) {
                    (Some(at), Some(o)) => Some((
                        at,
                        IngestOutcome::parse(&o).ok_or_else(|| {
                            StoreError::Backend(format!("corrupt row: replay_outcome {o:?}"))
                        })?,
                    )),
                    _ => None,
                },
            })
        })
        .collect()
}

pub(crate) async fn dead_letter_source(
    pool: &DbPool,
    receipt: i64,
) -> StoreResult<Option<DeadLetterSource>> {
    let row = sqlx::query(
        "SELECT r.id, r.mailbox_id, b.name, r.uidvalidity, r.uid, r.sha256, w.bytes, \
         r.replay_outcome FROM email_receipts r JOIN mailboxes b ON b.id = r.mailbox_id \
         JOIN raw_emails w ON w.sha256 = r.sha256 \
         WHERE r.id = $1 AND r.outcome = 'dead_letter'",
    )
    .bind(receipt)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    let Some(r) = row else {
        return Ok(None);
    };
    let replayed: Option<String> = r.try_get("replay_outcome").map_err(db_err)?;
    Ok(Some(DeadLetterSource {
        receipt: r.try_get("id").map_err(db_err)?,
        mailbox: MailboxId(r.try_get("mailbox_id").map_err(db_err)?),
        mailbox_name: r.try_get("name").map_err(db_err)?,
        uidvalidity: r.try_get("uidvalidity").map_err(db_err)?,
        uid: r.try_get("uid").map_err(db_err)?,
        raw_sha256: r.try_get("sha256").map_err(db_err)?,
        raw: r.try_get("bytes").map_err(db_err)?,
        replayed: replayed.as_deref().and_then(IngestOutcome::parse),
    }))
}
