//! SQL storage: the [`Store`] port on SQLite (the default, one process per database file)
//! and PostgreSQL (several nodes may share it).
//!
//! Layout:
//! - `ops.rs` holds every business query, written **once**; [`sqlite`] and [`pg`] each
//!   compile that file as their `ops` module against their own pool and connection types
//!   (sqlx has no common executor for two concrete databases that keeps chrono/JSON types,
//!   and code generic over `sqlx::Database` drowns in trait bounds).
//! - [`sqlite`] and [`pg`] add only what differs: connecting, migrations, how a write
//!   transaction starts (`BEGIN IMMEDIATE` on SQLite), the ticket number and assignment
//!   sequences and job claiming (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
//! - [`codec`] turns stored text back into domain values, independent of the database.
//! - `routing.rs` holds the issue 4 queries (rules, presence, routing, notifications, ticket
//!   contexts for rules); it is compiled as a child of `ops.rs`, so also once per dialect.
//! - `sla.rs` holds the issue 5 queries (calendars, SLA policies, ticket SLA records and
//!   measurements), compiled the same way.
//! - `board.rs` holds the manager dashboard's aggregate queries (issue 6), compiled the
//!   same way.
//! - `viewers.rs` holds the issue 6 queries (who views or types on a ticket), compiled the
//!   same way.
//! - `canned.rs` holds the issue 6 canned-response queries, compiled the same way.
//! - `contacts.rs` holds the issue 6 contact queries (full profile, edit, merge), compiled
//!   the same way.
//! - `search.rs` holds the issue 6 search queries (the full-text index written with every
//!   message and contact, ticket and contact search, the backlog, saved views), compiled the
//!   same way; its few dialect differences (FTS5 / tsvector) branch inside it.
//!
//! Invariants:
//! - Every write runs in one transaction (`BEGIN IMMEDIATE` on SQLite, so concurrent
//!   writers queue on the busy timeout instead of failing on a lock upgrade).
//! - Timestamps are truncated to microseconds ([`to_micros`]) before they are written, so
//!   a value read back equals the value written on both databases. SQLite stores them as
//!   sqlx's RFC 3339 text (`…+00:00`, 0, 3 or 6 fraction digits), which compares correctly
//!   as text; no SQL here writes a time that did not come in as a bound parameter.
//! - A SQLite database file is used by one process: [`SqlStore::connect`] holds an
//!   exclusive lock on `<file>.lock` until [`SqlStore::close`] or drop.
//! - SQL uses `$1..$n` placeholders, `RETURNING` and `ON CONFLICT`, which both databases
//!   understand.

mod codec;
mod pg;
mod sqlite;

use chrono::{DateTime, Duration, Utc};
use lossless::contact::Contact;
use lossless::contact::ContactProfile;
use lossless::email::admin::{DeadLetter, MailboxOverview, MailboxSettings, MailboxSource};
use lossless::email::{Delivery, DeliveryState};
use lossless::email::{IngestEmail, Ingested, MailboxId, MailboxState};
use lossless::ids::MessageId;
use lossless::ids::{
    AgentId, ContactId, EmailAddress, GroupId, JobId, PortalToken, TicketId, TicketNumber,
};
use lossless::ids::{NotificationId, RuleId};
use lossless::ids::{SlaCalendarId, SlaPolicyId};
use lossless::job::{Job, JobStatus, NewJob};
use lossless::message::Message;
use lossless::notification::{NewNotification, Notification};
use lossless::ports::{
    BoxFuture, CreateTicket, Created, DeadLetterSource, QueueQuery, QueueRow, Store, StoreError,
    StoreResult, StoredMailbox, UpdateTicket, to_micros,
};
use lossless::ports::{LabelledTicket, TicketContext};
use lossless::rules::{Rule, RuleDraft};
use lossless::sla::{
    Calendar, Measurement, Policy, PolicyDraft, SaveSla, StoredCalendar, TicketSla,
};
use lossless::team::{Agent, AgentStatus, Candidate, Group, GroupRouting, NewAgent, Presence};
use lossless::ticket::{HistoryEntry, Ticket};
use std::sync::{Arc, Mutex};

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The [`Store`] on SQLite or PostgreSQL. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct SqlStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// The SQLite lock file, held (locked) while the store is open.
    lock: Mutex<Option<std::fs::File>>,
}

enum Pool {
    Sqlite(sqlite::DbPool),
    Pg(sqlx::PgPool),
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// Opens the database named by `url` and runs its migrations.
    ///
    /// - `sqlite://path/to.db` (relative to the working directory), `sqlite:///abs/path.db`
    ///   or `sqlite::memory:` (one connection, for tests): creates missing directories and
    ///   the file, turns on WAL, a 5 s busy timeout, foreign keys and `synchronous=NORMAL`,
    ///   and locks `<file>.lock` so a second process on the same file fails here. Query
    ///   parameters (`?mode=…`) are ignored.
    /// - `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        let (pool, lock) = if url.starts_with("sqlite:") {
            let (pool, lock) = sqlite::connect(url).await?;
            (Pool::Sqlite(pool), lock)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Pool::Pg(pg::connect(url).await?), None)
        } else {
            return Err(StoreError::Backend(
                "unsupported database URL: expected sqlite://… or postgres://…".to_owned(),
            ));
        };
        Ok(SqlStore {
            inner: Arc::new(Inner {
                pool,
                lock: Mutex::new(lock),
            }),
        })
    }

    /// The database kind.
    pub fn backend(&self) -> Backend {
        match self.inner.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Pg(_) => Backend::Postgres,
        }
    }

    /// The PostgreSQL pool (for `LISTEN`/`NOTIFY`), if this store runs on PostgreSQL.
    pub fn pg_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.inner.pool {
            Pool::Pg(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }

    /// Closes the pool (waits for connections in use) and releases the SQLite lock file,
    /// so the same file can be opened again. Calls on a closed store fail with `Backend`.
    pub async fn close(&self) {
        match &self.inner.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Pg(p) => p.close().await,
        }
        // Dropping the file releases the lock; the guard is never held across an await.
        if let Ok(mut g) = self.inner.lock.lock() {
            g.take();
        }
    }
}

/// Runs the same operation on whichever pool the store has.
macro_rules! dispatch {
    ($self:ident . $op:ident ( $($arg:expr),* )) => {
        Box::pin(async move {
            match &$self.inner.pool {
                Pool::Sqlite(p) => sqlite::ops::$op(p, $($arg),*).await,
                Pool::Pg(p) => pg::ops::$op(p, $($arg),*).await,
            }
        })
    };
}

impl Store for SqlStore {
    fn create_ticket(&self, c: CreateTicket) -> BoxFuture<'_, StoreResult<Created>> {
        dispatch!(self.create_ticket(c))
    }

    fn update_ticket(&self, u: UpdateTicket) -> BoxFuture<'_, StoreResult<Ticket>> {
        dispatch!(self.update_ticket(u))
    }

    fn ticket(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Option<Ticket>>> {
        dispatch!(self.ticket(id))
    }

    fn ticket_by_number(&self, n: &TicketNumber) -> BoxFuture<'_, StoreResult<Option<Ticket>>> {
        let n = n.to_string();
        dispatch!(self.ticket_by_number(n))
    }

    fn ticket_by_token(&self, t: &PortalToken) -> BoxFuture<'_, StoreResult<Option<Ticket>>> {
        let t = t.as_str().to_owned();
        dispatch!(self.ticket_by_token(t))
    }

    fn queue(&self, q: &QueueQuery) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>> {
        let q = q.clone();
        dispatch!(self.queue(q, Vec::new()))
    }

    fn messages(
        &self,
        ticket: TicketId,
        include_internal: bool,
    ) -> BoxFuture<'_, StoreResult<Vec<Message>>> {
        dispatch!(self.messages(ticket, include_internal))
    }

    fn has_message(&self, ticket: TicketId, dedupe_key: &str) -> BoxFuture<'_, StoreResult<bool>> {
        let key = dedupe_key.to_owned();
        dispatch!(self.has_message(ticket, key))
    }

    fn deliveries(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<Delivery>>> {
        dispatch!(self.deliveries(ticket))
    }

    fn mark_delivery(
        &self,
        message: MessageId,
        state: DeliveryState,
        error: Option<&str>,
        email_message_id: Option<&str>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let error = error.map(str::to_owned);
        let id = email_message_id.map(str::to_owned);
        dispatch!(self.mark_delivery(message, state, error, id))
    }

    fn email_thread_ids(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<String>>> {
        dispatch!(self.email_thread_ids(ticket))
    }

    fn ticket_mailbox(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Option<String>>> {
        dispatch!(self.ticket_mailbox(ticket))
    }

    fn ticket_participants(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<String>>> {
        dispatch!(self.ticket_participants(ticket))
    }

    fn history(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<HistoryEntry>>> {
        dispatch!(self.history(ticket))
    }

    fn mail_facts(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::ports::MailFacts>>> {
        dispatch!(self.mail_facts(ticket))
    }

    fn attachment_blob(&self, sha256: &str) -> BoxFuture<'_, StoreResult<Option<Vec<u8>>>> {
        let sha256 = sha256.to_owned();
        dispatch!(self.attachment_blob(sha256))
    }

    fn put_blob(&self, sha256: &str, bytes: Vec<u8>) -> BoxFuture<'_, StoreResult<()>> {
        let sha256 = sha256.to_owned();
        dispatch!(self.put_blob(sha256, bytes))
    }

    fn message_raw_email(&self, message: MessageId) -> BoxFuture<'_, StoreResult<Option<Vec<u8>>>> {
        dispatch!(self.message_raw_email(message))
    }

    fn contact(&self, id: ContactId) -> BoxFuture<'_, StoreResult<Option<Contact>>> {
        dispatch!(self.contact(id))
    }

    fn create_agent(&self, a: NewAgent) -> BoxFuture<'_, StoreResult<Agent>> {
        dispatch!(self.create_agent(a))
    }

    fn agent_by_email(
        &self,
        e: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<Option<(Agent, String)>>> {
        let e = e.as_str().to_owned();
        dispatch!(self.agent_by_email(e))
    }

    fn agent(&self, id: AgentId) -> BoxFuture<'_, StoreResult<Option<Agent>>> {
        dispatch!(self.agent(id))
    }

    fn agents(&self) -> BoxFuture<'_, StoreResult<Vec<Agent>>> {
        dispatch!(self.agents())
    }

    fn create_group(&self, name: &str) -> BoxFuture<'_, StoreResult<Group>> {
        let name = name.to_owned();
        dispatch!(self.create_group(name))
    }

    fn groups(&self) -> BoxFuture<'_, StoreResult<Vec<Group>>> {
        dispatch!(self.groups())
    }

    fn add_group_member(&self, g: GroupId, a: AgentId) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.add_group_member(g, a))
    }

    fn agent_groups(&self, a: AgentId) -> BoxFuture<'_, StoreResult<Vec<GroupId>>> {
        dispatch!(self.agent_groups(a))
    }

    fn create_session(
        &self,
        token_hash: &str,
        agent: AgentId,
        expires_at: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let h = token_hash.to_owned();
        let expires_at = to_micros(expires_at);
        dispatch!(self.create_session(h, agent, expires_at))
    }

    fn session_agent(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>> {
        let h = token_hash.to_owned();
        let now = to_micros(now);
        dispatch!(self.session_agent(h, now))
    }

    fn delete_session(&self, token_hash: &str) -> BoxFuture<'_, StoreResult<()>> {
        let h = token_hash.to_owned();
        dispatch!(self.delete_session(h))
    }

    fn enqueue_jobs(&self, jobs: Vec<NewJob>) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.enqueue_jobs(jobs))
    }

    fn claim_jobs(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<Job>>> {
        let worker = worker.to_owned();
        let now = to_micros(now);
        let until = to_micros(now + lease);
        dispatch!(self.claim_jobs(worker, now, until, limit))
    }

    fn complete_job(
        &self,
        id: JobId,
        worker: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let worker = worker.to_owned();
        let now = to_micros(now);
        dispatch!(self.complete_job(id, worker, now))
    }

    fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let worker = worker.to_owned();
        let error = error.to_owned();
        let retry_at = retry_at.map(to_micros);
        dispatch!(self.fail_job(id, worker, error, retry_at))
    }

    fn jobs(&self, status: Option<JobStatus>, limit: i64) -> BoxFuture<'_, StoreResult<Vec<Job>>> {
        dispatch!(self.jobs(status, limit))
    }

    fn ticket_count(&self) -> BoxFuture<'_, StoreResult<i64>> {
        dispatch!(self.ticket_count())
    }

    fn ensure_mailbox(
        &self,
        name: &str,
        address: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<MailboxState>> {
        let name = name.to_owned();
        let address = address.as_str().to_owned();
        dispatch!(self.ensure_mailbox(name, address))
    }

    fn ingest_email(&self, i: IngestEmail) -> BoxFuture<'_, StoreResult<Ingested>> {
        dispatch!(self.ingest_email(i))
    }

    fn mailbox_polled(
        &self,
        id: MailboxId,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let error = error.map(str::to_owned);
        let now = to_micros(now);
        dispatch!(self.mailbox_polled(id, error, now))
    }

    fn lease_mailbox(
        &self,
        id: MailboxId,
        node: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        let node = node.to_owned();
        let until = now + ttl;
        dispatch!(self.lease_mailbox(id, node, now, until))
    }

    fn save_mailbox(
        &self,
        settings: MailboxSettings,
        source: MailboxSource,
        is_new: bool,
    ) -> BoxFuture<'_, StoreResult<MailboxId>> {
        dispatch!(self.save_mailbox(settings, source, is_new))
    }

    fn mailbox_settings(&self) -> BoxFuture<'_, StoreResult<Vec<StoredMailbox>>> {
        dispatch!(self.mailbox_settings())
    }

    fn mailbox_overview(
        &self,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Vec<MailboxOverview>>> {
        let now = to_micros(now);
        dispatch!(self.mailbox_overview(now))
    }

    fn dead_letters(&self, limit: i64) -> BoxFuture<'_, StoreResult<Vec<DeadLetter>>> {
        dispatch!(self.dead_letters(limit))
    }

    fn dead_letter_source(
        &self,
        receipt: i64,
    ) -> BoxFuture<'_, StoreResult<Option<DeadLetterSource>>> {
        dispatch!(self.dead_letter_source(receipt))
    }

    fn setting_or_init(
        &self,
        key: &str,
        value_if_missing: &str,
    ) -> BoxFuture<'_, StoreResult<String>> {
        let key = key.to_owned();
        let value = value_if_missing.to_owned();
        dispatch!(self.setting_or_init(key, value))
    }

    fn rules(&self) -> BoxFuture<'_, StoreResult<Vec<Rule>>> {
        dispatch!(self.rules())
    }

    fn save_rule(
        &self,
        id: Option<RuleId>,
        draft: RuleDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Rule>> {
        dispatch!(self.save_rule(id, draft, now))
    }

    fn delete_rule(&self, id: RuleId) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_rule(id))
    }

    fn reorder_rules(&self, ids: Vec<RuleId>) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.reorder_rules(ids))
    }

    fn ticket_context(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Option<TicketContext>>> {
        dispatch!(self.ticket_context(id))
    }

    fn custom_fields(
        &self,
        id: TicketId,
    ) -> BoxFuture<'_, StoreResult<std::collections::BTreeMap<String, String>>> {
        dispatch!(self.custom_fields(id))
    }

    fn recent_ticket_contexts(&self, limit: i64) -> BoxFuture<'_, StoreResult<Vec<TicketContext>>> {
        dispatch!(self.recent_ticket_contexts(limit))
    }

    fn contact_profile(&self, id: ContactId) -> BoxFuture<'_, StoreResult<ContactProfile>> {
        dispatch!(self.contact_profile(id))
    }

    fn set_contact_profile(
        &self,
        id: ContactId,
        profile: ContactProfile,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.set_contact_profile(id, profile))
    }

    fn set_presence(
        &self,
        agent: AgentId,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.set_presence(agent, presence, now))
    }

    fn touch_agent(&self, agent: AgentId, now: DateTime<Utc>) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.touch_agent(agent, now))
    }

    fn agent_statuses(&self) -> BoxFuture<'_, StoreResult<Vec<AgentStatus>>> {
        dispatch!(self.agent_statuses())
    }

    fn save_agent_profile(&self, status: AgentStatus) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_agent_profile(status))
    }

    fn group_routing(&self, group: GroupId) -> BoxFuture<'_, StoreResult<GroupRouting>> {
        dispatch!(self.group_routing(group))
    }

    fn save_group_routing(&self, routing: GroupRouting) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_group_routing(routing))
    }

    fn group_members(&self, group: GroupId) -> BoxFuture<'_, StoreResult<Vec<AgentId>>> {
        dispatch!(self.group_members(group))
    }

    fn assignment_candidates(&self, group: GroupId) -> BoxFuture<'_, StoreResult<Vec<Candidate>>> {
        dispatch!(self.assignment_candidates(group))
    }

    fn notifications(
        &self,
        agent: AgentId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<Notification>>> {
        dispatch!(self.notifications(agent, limit))
    }

    fn unread_notifications(&self, agent: AgentId) -> BoxFuture<'_, StoreResult<i64>> {
        dispatch!(self.unread_notifications(agent))
    }

    fn mark_notifications_read(
        &self,
        agent: AgentId,
        up_to: NotificationId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.mark_notifications_read(agent, up_to, now))
    }

    fn add_notifications(
        &self,
        list: Vec<NewNotification>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Vec<Notification>>> {
        dispatch!(self.add_notifications(list, now))
    }

    fn labelled_tickets(
        &self,
        after: TicketId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<LabelledTicket>>> {
        dispatch!(self.labelled_tickets(after, limit))
    }

    fn sla_policies(&self) -> BoxFuture<'_, StoreResult<Vec<Policy>>> {
        dispatch!(self.sla_policies())
    }

    fn save_sla_policy(
        &self,
        id: Option<SlaPolicyId>,
        draft: PolicyDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Policy>> {
        dispatch!(self.save_sla_policy(id, draft, now))
    }

    fn delete_sla_policy(&self, id: SlaPolicyId) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_sla_policy(id))
    }

    fn reorder_sla_policies(&self, ids: Vec<SlaPolicyId>) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.reorder_sla_policies(ids))
    }

    fn sla_calendars(&self) -> BoxFuture<'_, StoreResult<Vec<StoredCalendar>>> {
        dispatch!(self.sla_calendars())
    }

    fn save_sla_calendar(
        &self,
        id: Option<SlaCalendarId>,
        name: String,
        calendar: Calendar,
        is_default: bool,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<StoredCalendar>> {
        dispatch!(self.save_sla_calendar(id, name, calendar, is_default, now))
    }

    fn delete_sla_calendar(&self, id: SlaCalendarId) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_sla_calendar(id))
    }

    fn group_calendars(
        &self,
    ) -> BoxFuture<'_, StoreResult<std::collections::BTreeMap<GroupId, SlaCalendarId>>> {
        dispatch!(self.group_calendars())
    }

    fn set_group_calendar(
        &self,
        group: GroupId,
        calendar: Option<SlaCalendarId>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.set_group_calendar(group, calendar))
    }

    fn ticket_sla(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Option<TicketSla>>> {
        dispatch!(self.ticket_sla(id))
    }

    fn history_since(
        &self,
        id: TicketId,
        after: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<(i64, HistoryEntry)>>> {
        dispatch!(self.history_since(id, after))
    }

    fn save_sla(&self, s: SaveSla) -> BoxFuture<'_, StoreResult<TicketSla>> {
        dispatch!(self.save_sla(s))
    }

    fn due_slas(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<TicketId>>> {
        dispatch!(self.due_slas(now, limit))
    }

    fn sla_measurements(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Vec<Measurement>>> {
        dispatch!(self.sla_measurements(id))
    }

    fn canned_responses(
        &self,
        agent: Option<AgentId>,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::canned::CannedResponse>>> {
        dispatch!(self.canned_responses(agent))
    }

    fn canned_response(
        &self,
        id: lossless::ids::CannedId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::canned::CannedResponse>>> {
        dispatch!(self.canned_response(id))
    }

    fn save_canned_response(
        &self,
        id: Option<lossless::ids::CannedId>,
        owner: Option<AgentId>,
        draft: lossless::canned::CannedDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::canned::CannedResponse>> {
        dispatch!(self.save_canned_response(id, owner, draft, now))
    }

    fn delete_canned_response(
        &self,
        id: lossless::ids::CannedId,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_canned_response(id))
    }

    fn report_viewer(
        &self,
        ticket: TicketId,
        agent: AgentId,
        report: lossless::viewers::ViewerReport,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::viewers::ViewerChange>> {
        dispatch!(self.report_viewer(ticket, agent, report, now))
    }

    fn ticket_viewers(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::viewers::ViewerRecord>>> {
        dispatch!(self.ticket_viewers(ticket))
    }

    fn viewers_of(
        &self,
        tickets: Vec<TicketId>,
    ) -> BoxFuture<'_, StoreResult<Vec<(TicketId, lossless::viewers::ViewerRecord)>>> {
        dispatch!(self.viewers_of(tickets))
    }

    fn search_tickets(
        &self,
        q: lossless::search::TicketSearch,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::search::TicketHit>>> {
        dispatch!(self.search_tickets(q))
    }

    fn search_contacts(
        &self,
        text: lossless::search::TextQuery,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<Contact>>> {
        dispatch!(self.search_contacts(text, limit))
    }

    fn contacts_by_handle(
        &self,
        handle: &lossless::contact::Handle,
    ) -> BoxFuture<'_, StoreResult<Vec<ContactId>>> {
        let kind = handle.kind();
        let value = handle.value().to_owned();
        dispatch!(self.contacts_by_handle(kind, value))
    }

    fn index_backlog(&self, batch: i64) -> BoxFuture<'_, StoreResult<u64>> {
        dispatch!(self.index_backlog(batch))
    }

    fn saved_views(&self) -> BoxFuture<'_, StoreResult<Vec<lossless::search::SavedView>>> {
        dispatch!(self.saved_views())
    }

    fn saved_view(
        &self,
        id: lossless::search::SavedViewId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::search::SavedView>>> {
        dispatch!(self.saved_view(id))
    }

    fn save_view(
        &self,
        id: Option<lossless::search::SavedViewId>,
        draft: lossless::search::SavedViewDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::search::SavedView>> {
        dispatch!(self.save_view(id, draft, now))
    }

    fn delete_view(&self, id: lossless::search::SavedViewId) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_view(id))
    }

    fn setting(&self, key: &str) -> BoxFuture<'_, StoreResult<Option<String>>> {
        let key = key.to_owned();
        dispatch!(self.setting(key))
    }

    fn add_keyed_notification(
        &self,
        key: &str,
        n: lossless::notification::NewNotification,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::notification::Notification>>> {
        let key = key.to_owned();
        dispatch!(self.add_keyed_notification(key, n, now))
    }

    fn agent_prefs(
        &self,
        agent: AgentId,
    ) -> BoxFuture<'_, StoreResult<lossless::notification::EmailPrefs>> {
        dispatch!(self.agent_prefs(agent))
    }

    fn save_agent_prefs(
        &self,
        agent: AgentId,
        prefs: lossless::notification::EmailPrefs,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_agent_prefs(agent, prefs))
    }

    // ---- display preferences (issue 6, point 10) ----
    fn display_prefs(
        &self,
        agent: AgentId,
    ) -> BoxFuture<'_, StoreResult<lossless::display::DisplayPrefs>> {
        dispatch!(self.display_prefs(agent))
    }

    fn save_display_prefs(
        &self,
        agent: AgentId,
        prefs: lossless::display::DisplayPrefs,
        only_unset: bool,
    ) -> BoxFuture<'_, StoreResult<lossless::display::DisplayPrefs>> {
        dispatch!(self.save_display_prefs(agent, prefs, only_unset))
    }

    fn put_setting(&self, key: &str, value: &str) -> BoxFuture<'_, StoreResult<()>> {
        let key = key.to_owned();
        let value = value.to_owned();
        dispatch!(self.put_setting(key, value))
    }

    // ---- accounts (issue 6, point 1) ----

    fn user_accounts(&self) -> BoxFuture<'_, StoreResult<Vec<lossless::account::UserAccount>>> {
        dispatch!(self.user_accounts())
    }

    fn active_agent_by_email(
        &self,
        email: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<Option<(Agent, String)>>> {
        let email = email.clone();
        dispatch!(self.active_agent_by_email(email))
    }

    fn create_invite(
        &self,
        invite: lossless::account::NewInvite,
    ) -> BoxFuture<'_, StoreResult<Agent>> {
        dispatch!(self.create_invite(invite))
    }

    fn issue_token(
        &self,
        agent: AgentId,
        status: lossless::account::AccountStatus,
        issue: lossless::account::IssueToken,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        dispatch!(self.issue_token(agent, status, issue))
    }

    fn token_agent(
        &self,
        kind: lossless::account::TokenKind,
        hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>> {
        let hash = hash.to_owned();
        dispatch!(self.token_agent(kind, hash, now))
    }

    fn redeem_token(
        &self,
        kind: lossless::account::TokenKind,
        hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
        action: lossless::account::AuditAction,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>> {
        let hash = hash.to_owned();
        let password_hash = password_hash.to_owned();
        dispatch!(self.redeem_token(kind, hash, now, password_hash, action))
    }

    fn set_agent_role(
        &self,
        agent: AgentId,
        role: lossless::actor::Role,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        dispatch!(self.set_agent_role(agent, role, audit))
    }

    fn set_account_status(
        &self,
        agent: AgentId,
        status: lossless::account::AccountStatus,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        dispatch!(self.set_account_status(agent, status, audit))
    }

    fn save_group_routing_audited(
        &self,
        routing: GroupRouting,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_group_routing_audited(routing, Some(audit)))
    }

    fn save_agent_profile_audited(
        &self,
        status: AgentStatus,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_agent_profile_audited(status, Some(audit)))
    }

    fn audit_log(
        &self,
        q: lossless::account::AuditQuery,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::account::AuditEntry>>> {
        dispatch!(self.audit_log(q))
    }

    // ---- audit of configuration changes (issue 6 follow-up) ----

    fn save_rule_audited(
        &self,
        id: Option<RuleId>,
        draft: RuleDraft,
        now: DateTime<Utc>,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<Rule>> {
        dispatch!(self.save_rule_audited(id, draft, now, Some(audit)))
    }

    fn delete_rule_audited(
        &self,
        id: RuleId,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_rule_audited(id, Some(audit)))
    }

    fn save_sla_policy_audited(
        &self,
        id: Option<SlaPolicyId>,
        draft: PolicyDraft,
        now: DateTime<Utc>,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<Policy>> {
        dispatch!(self.save_sla_policy_audited(id, draft, now, Some(audit)))
    }

    fn delete_sla_policy_audited(
        &self,
        id: SlaPolicyId,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_sla_policy_audited(id, Some(audit)))
    }

    fn save_sla_calendar_audited(
        &self,
        id: Option<SlaCalendarId>,
        name: String,
        calendar: Calendar,
        is_default: bool,
        now: DateTime<Utc>,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<StoredCalendar>> {
        dispatch!(self.save_sla_calendar_audited(id, name, calendar, is_default, now, Some(audit)))
    }

    fn delete_sla_calendar_audited(
        &self,
        id: SlaCalendarId,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_sla_calendar_audited(id, Some(audit)))
    }

    fn save_mailbox_audited(
        &self,
        settings: MailboxSettings,
        source: MailboxSource,
        is_new: bool,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<MailboxId>> {
        dispatch!(self.save_mailbox_audited(settings, source, is_new, Some(audit)))
    }

    fn save_canned_response_audited(
        &self,
        id: Option<lossless::ids::CannedId>,
        owner: Option<AgentId>,
        draft: lossless::canned::CannedDraft,
        now: DateTime<Utc>,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<lossless::canned::CannedResponse>> {
        dispatch!(self.save_canned_response_audited(id, owner, draft, now, Some(audit)))
    }

    fn delete_canned_response_audited(
        &self,
        id: lossless::ids::CannedId,
        audit: lossless::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.delete_canned_response_audited(id, Some(audit)))
    }

    fn inactive_agents(&self) -> BoxFuture<'_, StoreResult<Vec<AgentId>>> {
        dispatch!(self.inactive_agents())
    }

    // ---- contacts (issue 6) ----

    fn contact_card(
        &self,
        id: ContactId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::contact::ContactCard>>> {
        dispatch!(self.contact_card(id))
    }

    fn contact_tickets(
        &self,
        id: ContactId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<lossless::contact::ContactTickets>> {
        dispatch!(self.contact_tickets(id, limit))
    }

    fn save_contact(
        &self,
        id: ContactId,
        edit: lossless::contact::ContactEdit,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.save_contact(id, edit))
    }

    fn merge_contacts(
        &self,
        m: lossless::contact::ContactMerge,
    ) -> BoxFuture<'_, StoreResult<Vec<Ticket>>> {
        dispatch!(self.merge_contacts(m))
    }

    fn board_load(&self) -> BoxFuture<'_, StoreResult<Vec<lossless::ports::LoadCell>>> {
        dispatch!(self.board_load())
    }

    fn board_tickets(
        &self,
        list: lossless::ports::BoardList,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>> {
        dispatch!(self.board_tickets(list, limit))
    }

    // ---- group visibility (issue 6, 1b) ----

    fn restricted_groups(&self) -> BoxFuture<'_, StoreResult<Vec<GroupId>>> {
        dispatch!(self.restricted_groups())
    }

    fn set_group_restricted(
        &self,
        group: GroupId,
        restricted: bool,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.set_group_restricted(group, restricted))
    }

    fn queue_except(
        &self,
        q: &QueueQuery,
        hidden: Vec<GroupId>,
    ) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>> {
        let q = q.clone();
        dispatch!(self.queue(q, hidden))
    }

    fn message_ticket(&self, message: MessageId) -> BoxFuture<'_, StoreResult<Option<TicketId>>> {
        dispatch!(self.message_ticket(message))
    }

    fn attachment_seen_outside(
        &self,
        sha256: &str,
        hidden: Vec<GroupId>,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        let sha256 = sha256.to_owned();
        dispatch!(self.attachment_seen_outside(sha256, hidden))
    }

    // ---- bulk, merge, links (issue 6, point 4) ----

    fn merge_tickets(
        &self,
        plan: lossless::merge::MergePlan,
        actor: lossless::actor::ActorRef,
        jobs: Vec<NewJob>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Ticket>> {
        dispatch!(self.merge_tickets(plan, actor, jobs, now))
    }

    fn merged_into(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Option<TicketId>>> {
        dispatch!(self.merged_into(ticket))
    }

    fn ticket_relations(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<lossless::merge::Relations>> {
        dispatch!(self.ticket_relations(ticket))
    }

    fn link_tickets(
        &self,
        a: &Ticket,
        b: &Ticket,
        actor: lossless::actor::ActorRef,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let (a, b) = (a.clone(), b.clone());
        dispatch!(self.link_tickets(a, b, actor, now))
    }

    fn unlink_tickets(
        &self,
        a: &Ticket,
        b: &Ticket,
        actor: lossless::actor::ActorRef,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let (a, b) = (a.clone(), b.clone());
        dispatch!(self.unlink_tickets(a, b, actor, now))
    }

    // ---- widget (issue 7, widget-backend) ----

    fn widget_sites(&self) -> BoxFuture<'_, StoreResult<Vec<lossless::widget::Site>>> {
        dispatch!(self.widget_sites())
    }

    fn widget_site(
        &self,
        id: lossless::ids::SiteId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::widget::Site>>> {
        dispatch!(self.widget_site(id))
    }

    fn widget_site_by_key(
        &self,
        key: &lossless::widget::SiteKey,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::widget::Site>>> {
        let key = key.clone();
        dispatch!(self.widget_site_by_key(key))
    }

    fn save_widget_site(
        &self,
        id: Option<lossless::ids::SiteId>,
        key: lossless::widget::SiteKey,
        settings: lossless::widget::SiteSettings,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::widget::Site>> {
        dispatch!(self.save_widget_site(id, key, settings, now))
    }

    fn set_widget_site_active(
        &self,
        id: lossless::ids::SiteId,
        active: bool,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        dispatch!(self.set_widget_site_active(id, active, now))
    }

    fn widget_visitor(
        &self,
        token_hash: &str,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::widget::Visitor>>> {
        let token_hash = token_hash.to_owned();
        dispatch!(self.widget_visitor(token_hash))
    }

    fn create_widget_visitor(
        &self,
        token_hash: &str,
        site: lossless::ids::SiteId,
        lang: lossless::ids::Lang,
        page: lossless::widget::Page,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::widget::Visitor>> {
        let token_hash = token_hash.to_owned();
        dispatch!(self.create_widget_visitor(token_hash, site, lang, page, now))
    }

    fn update_widget_visitor(
        &self,
        token_hash: &str,
        update: lossless::widget::VisitorUpdate,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<lossless::widget::Visitor>> {
        let token_hash = token_hash.to_owned();
        dispatch!(self.update_widget_visitor(token_hash, update, now))
    }

    fn create_widget_ticket(
        &self,
        c: lossless::widget::NewWidgetTicket,
    ) -> BoxFuture<'_, StoreResult<Created>> {
        dispatch!(self.create_widget_ticket(c))
    }

    fn message_by_key(
        &self,
        ticket: TicketId,
        dedupe_key: &str,
    ) -> BoxFuture<'_, StoreResult<Option<Message>>> {
        let dedupe_key = dedupe_key.to_owned();
        dispatch!(self.message_by_key(ticket, dedupe_key))
    }

    fn ticket_site(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::ids::SiteId>>> {
        dispatch!(self.ticket_site(ticket))
    }

    fn ticket_visitor(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Option<lossless::widget::Visitor>>> {
        dispatch!(self.ticket_visitor(ticket))
    }

    fn save_widget_upload(
        &self,
        token_hash: &str,
        meta: lossless::message::AttachmentMeta,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>> {
        let token_hash = token_hash.to_owned();
        dispatch!(self.save_widget_upload(token_hash, meta, now))
    }

    fn widget_uploads(
        &self,
        token_hash: &str,
        sha256s: Vec<String>,
    ) -> BoxFuture<'_, StoreResult<Vec<lossless::message::AttachmentMeta>>> {
        let token_hash = token_hash.to_owned();
        dispatch!(self.widget_uploads(token_hash, sha256s))
    }

    // ---- customer portal (issue 7, point 5) ----

    fn issue_portal_link(
        &self,
        link: lossless::portal::NewPortalLink,
        per_hour: i64,
    ) -> BoxFuture<'_, StoreResult<bool>> {
        dispatch!(self.issue_portal_link(link, per_hour))
    }

    fn portal_link_contact(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>> {
        let hash = hash.to_owned();
        dispatch!(self.portal_link_contact(hash, now))
    }

    fn redeem_portal_link(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        session_hash: &str,
        session_expires: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>> {
        let hash = hash.to_owned();
        let session_hash = session_hash.to_owned();
        dispatch!(self.redeem_portal_link(hash, now, session_hash, session_expires))
    }

    fn portal_session_contact(
        &self,
        session_hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>> {
        let session_hash = session_hash.to_owned();
        dispatch!(self.portal_session_contact(session_hash, now))
    }

    fn delete_portal_session(&self, session_hash: &str) -> BoxFuture<'_, StoreResult<()>> {
        let session_hash = session_hash.to_owned();
        dispatch!(self.delete_portal_session(session_hash))
    }
}

/// Maps a database error: unique violations become `Duplicate(field)`, the rest `Backend`.
fn db_err_dup(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(d) if d.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// Maps a database error (unique violations become `Duplicate("unique")`).
fn db_err(e: sqlx::Error) -> StoreError {
    db_err_dup("unique")(e)
}

/// Maps a database error: a missing referenced row (foreign key) becomes `NotFound`.
fn db_err_ref(e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(d) if d.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    }
}

/// A migrator over embedded `(version, description, sql)` migrations.
fn migrator(list: &[(i64, &'static str, &'static str)]) -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr as _;
    sqlx::migrate::Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, sql)| {
                sqlx::migrate::Migration::new(
                    version,
                    description.into(),
                    sqlx::migrate::MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Claimed jobs in the order they were due.
fn sorted_jobs(mut jobs: Vec<Job>) -> StoreResult<Vec<Job>> {
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}
