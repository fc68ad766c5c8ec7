//! Ports: what the core needs from the outside world, as traits the server implements.
//!
//! - [`Store`]: durable state. Every write method is **one transaction** that stores the
//!   state, its history rows and the jobs the events imply, or nothing at all.
//! - [`Clock`]: the time (`FixedClock` in tests).
//! - [`LiveBus`]: best-effort "screen is stale" hints after commit.
//!
//! The store trait returns boxed futures so it can live behind `Arc<dyn Store>` in the
//! server and the app without generics spreading through every layer.

use crate::actor::ActorRef;
use crate::contact::{Contact, ContactDraft};
use crate::email::admin::{DeadLetter, MailboxOverview, MailboxSettings, MailboxSource};
use crate::email::ingest::{IngestEmail, IngestOutcome, Ingested, MailboxId, MailboxState};
use crate::email::outbound::{Delivery, DeliveryState, OutgoingEmail};
use crate::ids::{
    AgentId, ContactId, EmailAddress, GroupId, JobId, MessageId, NumberPrefix, PortalToken,
    TicketId, TicketNumber,
};
use crate::job::{Job, JobStatus, NewJob};
use crate::live::LiveEvent;
use crate::message::{Message, MessageDraft};
use crate::team::{Agent, Group, NewAgent};
use crate::ticket::{HistoryEntry, Priority, Status, Ticket, TicketDraft, TicketEvent};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed, sendable future (what store methods return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Storage failures, as the core sees them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such row.
    #[error("not found")]
    NotFound,
    /// The row changed since it was read (stale `version`).
    #[error("conflict")]
    Conflict,
    /// A unique value is taken (the payload names it, e.g. `email`).
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// Anything else; the text is for logs only.
    #[error("backend: {0}")]
    Backend(String),
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// An idempotency key of an intake source (`api`, `web_form`, later `imap:<mailbox>` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeKey {
    /// The source.
    pub source: String,
    /// The key the source gave (e.g. the `Idempotency-Key` header).
    pub key: String,
}

/// Everything to create a ticket in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTicket {
    /// Ticket fields.
    pub draft: TicketDraft,
    /// Number prefix (the store allocates the sequence value).
    pub prefix: NumberPrefix,
    /// The customer: found by any handle, or created.
    pub contact: ContactDraft,
    /// The customer's first message (author is filled with the contact).
    pub body: String,
    /// Idempotency: a second create with the same key returns the first ticket.
    pub intake_key: Option<IntakeKey>,
}

/// Result of [`Store::create_ticket`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// The ticket.
    pub ticket: Ticket,
    /// `true` when the idempotency key matched an earlier ticket (nothing new was written).
    pub replayed: bool,
}

/// A change to an existing ticket, computed by the core, stored atomically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateTicket {
    /// The version the change was computed from; the store refuses it if the row moved on.
    pub expected_version: i64,
    /// The new state (its `version` is ignored; the store sets `expected_version + 1`).
    pub ticket: Ticket,
    /// Who.
    pub actor: ActorRef,
    /// What happened (history rows).
    pub events: Vec<TicketEvent>,
    /// Messages to append.
    pub messages: Vec<MessageDraft>,
    /// Jobs to enqueue (unique keys; a duplicate key is skipped).
    pub jobs: Vec<NewJob>,
    /// A claimed job whose effect this change is: it is marked done in the same
    /// transaction, so the effect and the completion commit together (exactly once). If the
    /// worker no longer holds the job, the whole change is refused with `Conflict`.
    pub completes: Option<JobClaim>,
    /// When.
    pub now: DateTime<Utc>,
}

/// A job as held by one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobClaim {
    /// The job.
    pub id: JobId,
    /// The worker holding its lease.
    pub worker: String,
}

/// Which tickets a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "view", content = "id", rename_all = "snake_case")]
pub enum QueueView {
    /// Everything.
    All,
    /// Assigned to this agent.
    Mine(AgentId),
    /// Nobody owns it.
    Unassigned,
    /// In this group.
    Group(GroupId),
}

/// A queue query. Sorted by priority (urgent first), then age (oldest first), then id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    /// The view.
    pub view: QueueView,
    /// Statuses to show; empty means the working set (new, open, pending).
    pub statuses: Vec<Status>,
    /// Priorities to show; empty means all.
    pub priorities: Vec<Priority>,
    /// At most this many rows.
    pub limit: i64,
}

/// One queue row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    /// The ticket.
    pub ticket: Ticket,
    /// The contact's display name.
    pub contact_name: String,
}

/// A mailbox's stored settings **with its passwords** (`Some`, possibly empty): for the
/// server's own poller and SMTP mailers only — never shown or sent anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMailbox {
    /// Id.
    pub id: MailboxId,
    /// Where its settings live.
    pub source: MailboxSource,
    /// The settings (passwords filled in; `Debug` hides them).
    pub settings: MailboxSettings,
}

/// A dead letter's stored original, for a replay.
#[derive(Clone, PartialEq, Eq)]
pub struct DeadLetterSource {
    /// The receipt.
    pub receipt: i64,
    /// The mailbox it came from.
    pub mailbox: MailboxId,
    /// That mailbox's name.
    pub mailbox_name: String,
    /// The UIDVALIDITY and UID it was fetched under.
    pub uidvalidity: i64,
    /// See `uidvalidity`.
    pub uid: i64,
    /// Hex sha-256 of `raw`.
    pub raw_sha256: String,
    /// The bytes as fetched.
    pub raw: Vec<u8>,
    /// What the last replay made of it (`None`: never replayed).
    pub replayed: Option<IngestOutcome>,
}

impl std::fmt::Debug for DeadLetterSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetterSource")
            .field("receipt", &self.receipt)
            .field("mailbox", &self.mailbox)
            .field("mailbox_name", &self.mailbox_name)
            .field("size", &self.raw.len())
            .field("replayed", &self.replayed)
            .finish_non_exhaustive()
    }
}

/// One intake receipt of a message that came by email.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailReceipt {
    /// The name of the mailbox it arrived through.
    pub mailbox: String,
    /// What became of it (`created`/`appended`; `duplicate` for another copy of the same
    /// mail).
    pub outcome: IngestOutcome,
    /// Why (the receipt's JSON: `classification`, `thread` decision, `duplicate_of`).
    pub reason: serde_json::Value,
}

/// What email intake recorded about one message ([`Store::mail_facts`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailFacts {
    /// The message.
    pub message: MessageId,
    /// Its HTML part, sanitized at ingest (`None`: the mail had none).
    pub html: Option<String>,
    /// Its receipts, first arrival first.
    pub receipts: Vec<MailReceipt>,
}

/// Storage, one implementation per database.
pub trait Store: Send + Sync {
    /// Creates a ticket with its contact, first message, history, jobs and intake receipt.
    fn create_ticket(&self, c: CreateTicket) -> BoxFuture<'_, StoreResult<Created>>;
    /// Stores a change made from `expected_version`; `Conflict` if someone was first.
    /// Returns the stored ticket (new version).
    fn update_ticket(&self, u: UpdateTicket) -> BoxFuture<'_, StoreResult<Ticket>>;
    /// A ticket by id.
    fn ticket(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Option<Ticket>>>;
    /// A ticket by human number.
    fn ticket_by_number(&self, n: &TicketNumber) -> BoxFuture<'_, StoreResult<Option<Ticket>>>;
    /// A ticket by portal token.
    fn ticket_by_token(&self, t: &PortalToken) -> BoxFuture<'_, StoreResult<Option<Ticket>>>;
    /// A queue.
    fn queue(&self, q: &QueueQuery) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>>;
    /// The thread, oldest first; internal notes only when asked.
    fn messages(
        &self,
        ticket: TicketId,
        include_internal: bool,
    ) -> BoxFuture<'_, StoreResult<Vec<Message>>>;
    /// Whether a message with this dedupe key exists on the ticket.
    fn has_message(&self, ticket: TicketId, dedupe_key: &str) -> BoxFuture<'_, StoreResult<bool>>;
    /// The email deliveries of a ticket's outbound messages, oldest message first.
    fn deliveries(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<Delivery>>>;
    /// Records where a message's email delivery stands (`NotFound` for a message that is
    /// not delivered by email). `email_message_id` is kept when `None`.
    fn mark_delivery(
        &self,
        message: MessageId,
        state: DeliveryState,
        error: Option<&str>,
        email_message_id: Option<&str>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// The Message-IDs of the mails a ticket received, oldest first (for `In-Reply-To` and
    /// `References` of our replies).
    fn email_thread_ids(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<String>>>;
    /// The name of the mailbox a ticket's latest mail arrived in (`None`: no mail yet), so
    /// replies leave from the address the customer wrote to.
    fn ticket_mailbox(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Option<String>>>;
    /// The addresses of a ticket's participants besides its contact (people in Cc of its
    /// mails), lowercase, sorted: our replies copy them.
    fn ticket_participants(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<String>>>;
    /// The history, oldest first.
    fn history(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<HistoryEntry>>>;
    /// What email intake recorded about each of a ticket's messages that came by mail: its
    /// sanitized HTML view and its receipts (why it was threaded where it went), by message
    /// id; messages without either are absent.
    fn mail_facts(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Vec<MailFacts>>>;
    /// The stored bytes of an attachment by its hex sha-256 (`None`: not stored).
    fn attachment_blob(&self, sha256: &str) -> BoxFuture<'_, StoreResult<Option<Vec<u8>>>>;
    /// The raw original (RFC 5322 bytes) of a message that came by email (`None`: it did
    /// not).
    fn message_raw_email(&self, message: MessageId) -> BoxFuture<'_, StoreResult<Option<Vec<u8>>>>;
    /// A contact.
    fn contact(&self, id: ContactId) -> BoxFuture<'_, StoreResult<Option<Contact>>>;
    /// Creates an agent (`Duplicate("email")` when taken).
    fn create_agent(&self, a: NewAgent) -> BoxFuture<'_, StoreResult<Agent>>;
    /// An agent and their password hash, by sign-in address.
    fn agent_by_email(
        &self,
        e: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<Option<(Agent, String)>>>;
    /// An agent by id.
    fn agent(&self, id: AgentId) -> BoxFuture<'_, StoreResult<Option<Agent>>>;
    /// All agents, by name.
    fn agents(&self) -> BoxFuture<'_, StoreResult<Vec<Agent>>>;
    /// Creates a group (`Duplicate("name")` when taken).
    fn create_group(&self, name: &str) -> BoxFuture<'_, StoreResult<Group>>;
    /// All groups, by name.
    fn groups(&self) -> BoxFuture<'_, StoreResult<Vec<Group>>>;
    /// Adds an agent to a group (idempotent).
    fn add_group_member(&self, g: GroupId, a: AgentId) -> BoxFuture<'_, StoreResult<()>>;
    /// The groups an agent belongs to.
    fn agent_groups(&self, a: AgentId) -> BoxFuture<'_, StoreResult<Vec<GroupId>>>;
    /// Stores a session (by the hash of its token).
    fn create_session(
        &self,
        token_hash: &str,
        agent: AgentId,
        expires_at: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// The agent of a live session.
    fn session_agent(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>>;
    /// Ends a session.
    fn delete_session(&self, token_hash: &str) -> BoxFuture<'_, StoreResult<()>>;
    /// Enqueues jobs outside a ticket change (duplicate keys skipped).
    fn enqueue_jobs(&self, jobs: Vec<NewJob>) -> BoxFuture<'_, StoreResult<()>>;
    /// Claims up to `limit` due jobs (queued and due, or running with an expired lease) for
    /// `worker` until `now + lease`; counts an attempt. Concurrent claimers get disjoint sets.
    fn claim_jobs(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<Job>>>;
    /// Marks a claimed job done (only if `worker` still holds it).
    fn complete_job(
        &self,
        id: JobId,
        worker: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Records a failure: requeue at `retry_at`, or `failed` for good when `None`.
    fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Jobs for operators, newest first.
    fn jobs(&self, status: Option<JobStatus>, limit: i64) -> BoxFuture<'_, StoreResult<Vec<Job>>>;
    /// Number of tickets (health, demo seeding).
    fn ticket_count(&self) -> BoxFuture<'_, StoreResult<i64>>;
    /// The mailbox called `name` (created with `address` if new; the address is updated).
    fn ensure_mailbox(
        &self,
        name: &str,
        address: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<MailboxState>>;
    /// Takes one fetched mail in, in one transaction: dedupe (same mailbox + UIDVALIDITY +
    /// UID, or same raw sha-256 in the mailbox → the first receipt with `duplicate`), raw
    /// bytes, threading, the ticket created or appended to with history and jobs, its
    /// Message-ID, the receipt, and the mailbox cursor. `Conflict` when the target ticket
    /// changed concurrently (retry: nothing was written).
    fn ingest_email(&self, i: IngestEmail) -> BoxFuture<'_, StoreResult<Ingested>>;
    /// Records the end of a pass over a mailbox: its time, and its error (`None`: it
    /// succeeded, clearing an earlier error and becoming its `last_success_at`).
    fn mailbox_polled(
        &self,
        id: MailboxId,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Takes (or renews) the lease on a mailbox for `node` until `now + ttl`: `true` when it
    /// was free, expired or already `node`'s; `false` while another node holds it. One
    /// statement, so of concurrent callers exactly one wins a free lease.
    fn lease_mailbox(
        &self,
        id: MailboxId,
        node: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> BoxFuture<'_, StoreResult<bool>>;
    /// Saves a mailbox's settings (a `None` password keeps the stored one). `Config`: insert
    /// or overwrite by name (the configuration file wins; `is_new` is ignored). `Ui` with
    /// `is_new`: insert (`Duplicate("name")` when taken); `Ui` otherwise: update the UI
    /// mailbox of that name (`NotFound` when there is none — a configuration-file mailbox is
    /// never changed this way).
    fn save_mailbox(
        &self,
        settings: MailboxSettings,
        source: MailboxSource,
        is_new: bool,
    ) -> BoxFuture<'_, StoreResult<MailboxId>>;
    /// Every mailbox that has settings, with its passwords, by name (server-internal: the
    /// poller and the SMTP mailers).
    fn mailbox_settings(&self) -> BoxFuture<'_, StoreResult<Vec<StoredMailbox>>>;
    /// Every mailbox with its health as of `now`, by name (no passwords). A mailbox without
    /// settings yet shows an empty IMAP endpoint and `enabled = false`.
    fn mailbox_overview(
        &self,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Vec<MailboxOverview>>>;
    /// Dead letters (receipts of mails that did not parse), newest first, with `From` and
    /// `Subject` read as far as possible from the raw header.
    fn dead_letters(&self, limit: i64) -> BoxFuture<'_, StoreResult<Vec<DeadLetter>>>;
    /// A dead letter's original for a replay (`None`: no such dead-letter receipt).
    fn dead_letter_source(
        &self,
        receipt: i64,
    ) -> BoxFuture<'_, StoreResult<Option<DeadLetterSource>>>;
    /// The installation setting `key`, stored as `value_if_missing` if it had none; concurrent
    /// callers (also on other nodes) all get the one value that was stored first.
    fn setting_or_init(
        &self,
        key: &str,
        value_if_missing: &str,
    ) -> BoxFuture<'_, StoreResult<String>>;
}

/// The time source.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// A clock that only moves when told (tests).
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `t`.
    pub fn new(t: DateTime<Utc>) -> Self {
        Self(Mutex::new(t))
    }
    /// Moves it forward.
    pub fn advance(&self, d: Duration) {
        if let Ok(mut g) = self.0.lock() {
            *g += d;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|g| *g).unwrap_or_default()
    }
}

/// Best-effort fan-out of hints after commit.
pub trait LiveBus: Send + Sync {
    /// Publishes a hint; never fails the caller (a lost hint is resynced by clients).
    fn publish(&self, ev: LiveEvent);
}

/// Sends composed mail (the SMTP adapter). An error is the reason, for logs and for the
/// message's delivery state; the job that called it is retried.
pub trait Mailer: Send + Sync {
    /// Hands one mail to the outgoing server; `Ok` once the server accepted it.
    fn send(&self, mail: OutgoingEmail) -> BoxFuture<'_, Result<(), String>>;
}

/// Truncates a time to microseconds (PostgreSQL's precision) so both stores round-trip it.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
