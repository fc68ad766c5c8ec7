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
    /// Custom fields given at intake (normalized by [`crate::intake`]).
    pub custom_fields: std::collections::BTreeMap<String, String>,
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
    /// In-app notifications to store with the change.
    pub notifications: Vec<crate::notification::NewNotification>,
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
    /// SLA at risk: a running clock is breached or its deadline is before `until`; sorted
    /// by deadline (breached first).
    AtRisk {
        /// Deadlines before this count as at risk.
        until: DateTime<Utc>,
    },
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
    /// The ticket's SLA badge (`None`: no clocks).
    #[serde(default)]
    pub sla: Option<crate::sla::SlaBadge>,
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

/// Everything rules need to know about one ticket, gathered in one store call
/// ([`Store::ticket_context`]); the core turns it into [`crate::rules::TicketFacts`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketContext {
    /// The ticket.
    pub ticket: Ticket,
    /// The first message's body (the customer's request).
    pub body: String,
    /// The mailbox (by name) its first mail arrived in, if it came by email.
    pub mailbox: Option<String>,
    /// The customer's email address, if they have one.
    pub sender: Option<EmailAddress>,
    /// The customer's profile.
    pub profile: crate::contact::ContactProfile,
    /// Time of the customer's last message (the first message counts).
    pub last_customer_reply_at: Option<DateTime<Utc>>,
    /// Time of the last status change (history).
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Time of the last assignment to an agent (history).
    pub assigned_at: Option<DateTime<Utc>>,
    /// The owner of this customer's most recent other ticket that had one.
    pub previous_agent: Option<AgentId>,
    /// The ticket's custom fields.
    pub custom_fields: std::collections::BTreeMap<String, String>,
}

/// A ticket agents have labelled, as the classifier learns from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledTicket {
    /// The ticket.
    pub id: TicketId,
    /// Subject.
    pub subject: String,
    /// The first message's body.
    pub body: String,
    /// Its group's name (the category), if any.
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Priority.
    pub priority: Priority,
}

/// One cell of the working set's breakdown ([`Store::board_load`]): the tickets of one status
/// in one group (or none) with one assignee (or none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadCell {
    /// Status: new, open or pending.
    pub status: Status,
    /// The group (`None`: no group).
    pub group: Option<GroupId>,
    /// The assignee (`None`: unassigned).
    pub assignee: Option<AgentId>,
    /// How many tickets (at least one: empty cells are not listed).
    pub tickets: i64,
    /// The earliest last change (`updated_at`) among them: the one left alone longest.
    pub oldest_change: DateTime<Utc>,
}

/// Which tickets a manager dashboard list shows ([`Store::board_tickets`]); every list is of
/// the working set (new, open, pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "list", rename_all = "snake_case")]
pub enum BoardList {
    /// Nobody owns them; oldest (created) first.
    Unassigned,
    /// A running SLA clock is breached; by ticket id (oldest first).
    Breached,
    /// Not breached, but the earliest running deadline is before `until`; nearest first.
    DueBefore {
        /// Deadlines before this count.
        until: DateTime<Utc>,
    },
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
    /// Keeps uploaded bytes under their hex sha-256 (a customer's upload before the message
    /// that holds it is stored). Idempotent: the same content twice keeps one blob. A blob no
    /// message refers to grants nothing: attachments are served only through a message the
    /// reader may see.
    fn put_blob(&self, sha256: &str, bytes: Vec<u8>) -> BoxFuture<'_, StoreResult<()>>;
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

    // ---- rules, routing, presence, notifications (issue 4) ----

    /// Every rule, by position then id.
    fn rules(&self) -> BoxFuture<'_, StoreResult<Vec<crate::rules::Rule>>>;
    /// Stores a rule: `None` inserts it last (highest position + 1); `Some(id)` replaces that
    /// rule's draft keeping its position (`NotFound` when there is none). Sets `updated_at`.
    fn save_rule(
        &self,
        id: Option<crate::ids::RuleId>,
        draft: crate::rules::RuleDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::rules::Rule>>;
    /// Deletes a rule (`NotFound` when there is none). History rows naming it stay.
    fn delete_rule(&self, id: crate::ids::RuleId) -> BoxFuture<'_, StoreResult<()>>;
    /// Sets the order: `ids` first to last get positions 1, 2, …; rules not listed keep
    /// their relative order after them.
    fn reorder_rules(&self, ids: Vec<crate::ids::RuleId>) -> BoxFuture<'_, StoreResult<()>>;
    /// What rules need to know about a ticket (`None`: no such ticket).
    fn ticket_context(&self, id: TicketId) -> BoxFuture<'_, StoreResult<Option<TicketContext>>>;
    /// A ticket's custom fields (empty when none; `NotFound` for no such ticket).
    fn custom_fields(
        &self,
        id: TicketId,
    ) -> BoxFuture<'_, StoreResult<std::collections::BTreeMap<String, String>>>;
    /// The contexts of the `limit` most recently created tickets, newest first ("try it").
    fn recent_ticket_contexts(&self, limit: i64) -> BoxFuture<'_, StoreResult<Vec<TicketContext>>>;
    /// A contact's profile (default when never set; `NotFound` for no such contact).
    fn contact_profile(
        &self,
        id: ContactId,
    ) -> BoxFuture<'_, StoreResult<crate::contact::ContactProfile>>;
    /// Saves a contact's profile (`NotFound` for no such contact).
    fn set_contact_profile(
        &self,
        id: ContactId,
        profile: crate::contact::ContactProfile,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Sets an agent's presence and counts it as activity (`last_seen_at = now`).
    fn set_presence(
        &self,
        agent: AgentId,
        presence: crate::team::Presence,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Records activity of an agent (`last_seen_at = now`); cheap, called often.
    fn touch_agent(&self, agent: AgentId, now: DateTime<Utc>) -> BoxFuture<'_, StoreResult<()>>;
    /// Every agent's status (presence, last seen, capacity, languages, skills), by agent id;
    /// agents never configured get offline, capacity [`crate::team::DEFAULT_CAPACITY`], no
    /// languages, no skills.
    fn agent_statuses(&self) -> BoxFuture<'_, StoreResult<Vec<crate::team::AgentStatus>>>;
    /// Saves an agent's capacity, languages and skills (presence and last seen are kept).
    fn save_agent_profile(
        &self,
        status: crate::team::AgentStatus,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// A group's assignment settings ([`crate::team::GroupRouting::manual`] when never set;
    /// `NotFound` for no such group).
    fn group_routing(
        &self,
        group: GroupId,
    ) -> BoxFuture<'_, StoreResult<crate::team::GroupRouting>>;
    /// Saves a group's assignment settings (`NotFound` for no such group).
    fn save_group_routing(
        &self,
        routing: crate::team::GroupRouting,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// The members of a group.
    fn group_members(&self, group: GroupId) -> BoxFuture<'_, StoreResult<Vec<AgentId>>>;
    /// The members of a group whose account is active as assignment candidates: status, open tickets assigned
    /// (new/open/pending, any group) and the sequence value of their last assignment in this
    /// group. [`Store::update_ticket`] (and every other write that assigns) advances a global
    /// assignment sequence and records it for (group, agent) whenever a ticket that has a
    /// group is assigned to an agent.
    fn assignment_candidates(
        &self,
        group: GroupId,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::team::Candidate>>>;
    /// An agent's notifications, newest first.
    fn notifications(
        &self,
        agent: AgentId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::notification::Notification>>>;
    /// How many of an agent's notifications are unread.
    fn unread_notifications(&self, agent: AgentId) -> BoxFuture<'_, StoreResult<i64>>;
    /// Marks an agent's notifications up to and including `up_to` read.
    fn mark_notifications_read(
        &self,
        agent: AgentId,
        up_to: crate::ids::NotificationId,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Stores notifications outside a ticket change (returns them with ids).
    fn add_notifications(
        &self,
        list: Vec<crate::notification::NewNotification>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::notification::Notification>>>;
    /// Tickets agents have labelled (a group, a tag, or a priority other than normal set by
    /// an agent or rule), with id greater than `after`, oldest first, at most `limit`.
    fn labelled_tickets(
        &self,
        after: TicketId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<LabelledTicket>>>;
    // ---- SLA (issue 5) ----

    /// Every SLA policy, by position then id.
    fn sla_policies(&self) -> BoxFuture<'_, StoreResult<Vec<crate::sla::Policy>>>;
    /// Stores a policy: `None` inserts it last; `Some(id)` replaces its draft keeping its
    /// position (`NotFound` when there is none). Sets `updated_at`. A calendar id that does
    /// not exist is stored as none.
    fn save_sla_policy(
        &self,
        id: Option<crate::ids::SlaPolicyId>,
        draft: crate::sla::PolicyDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::sla::Policy>>;
    /// Deletes a policy (`NotFound` when there is none).
    fn delete_sla_policy(&self, id: crate::ids::SlaPolicyId) -> BoxFuture<'_, StoreResult<()>>;
    /// Sets the order like [`Store::reorder_rules`].
    fn reorder_sla_policies(
        &self,
        ids: Vec<crate::ids::SlaPolicyId>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Every business calendar, by id.
    fn sla_calendars(&self) -> BoxFuture<'_, StoreResult<Vec<crate::sla::StoredCalendar>>>;
    /// Stores a calendar (`None` inserts; `Some(id)` replaces, `NotFound` when missing).
    /// `is_default` makes it the only default; the first calendar stored is the default
    /// whatever `is_default` says; a default stays default until another one is made it.
    fn save_sla_calendar(
        &self,
        id: Option<crate::ids::SlaCalendarId>,
        name: String,
        calendar: crate::sla::Calendar,
        is_default: bool,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::sla::StoredCalendar>>;
    /// Deletes a calendar (`NotFound` when missing; `Conflict` for the default one);
    /// policies and groups using it fall back (their calendar becomes none).
    fn delete_sla_calendar(&self, id: crate::ids::SlaCalendarId) -> BoxFuture<'_, StoreResult<()>>;
    /// Every group's calendar (groups without one are absent).
    fn group_calendars(
        &self,
    ) -> BoxFuture<'_, StoreResult<std::collections::BTreeMap<GroupId, crate::ids::SlaCalendarId>>>;
    /// Sets (or clears) a group's calendar (`NotFound` for no such group or calendar).
    fn set_group_calendar(
        &self,
        group: GroupId,
        calendar: Option<crate::ids::SlaCalendarId>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// A ticket's SLA record (`None`: never stored).
    fn ticket_sla(&self, id: TicketId)
    -> BoxFuture<'_, StoreResult<Option<crate::sla::TicketSla>>>;
    /// A ticket's history rows with ids above `after`, ascending by id, with their ids.
    fn history_since(
        &self,
        id: TicketId,
        after: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<(i64, HistoryEntry)>>>;
    /// Stores an SLA record with its history rows, measurements (a row per `Met`, a row
    /// per `Breached` event), notifications and jobs, and completes `completes`, all in one
    /// transaction; `Conflict` when the stored revision is not `expected_revision` or the
    /// job's lease is lost. Returns the stored record (revision bumped).
    fn save_sla(&self, s: crate::sla::SaveSla)
    -> BoxFuture<'_, StoreResult<crate::sla::TicketSla>>;
    /// Tickets whose SLA record needs a look by `now` (`next_at <= now`), earliest first.
    fn due_slas(&self, now: DateTime<Utc>, limit: i64)
    -> BoxFuture<'_, StoreResult<Vec<TicketId>>>;
    /// SLA measurements of a ticket, oldest first (for reports and the ticket page).
    fn sla_measurements(
        &self,
        id: TicketId,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::sla::Measurement>>>;

    // ---- canned responses (issue 6) ----

    /// The canned responses `agent` may see: the shared ones and the agent's own personal
    /// ones (`None`: every one, all agents' personal ones included), by id.
    fn canned_responses(
        &self,
        agent: Option<AgentId>,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::canned::CannedResponse>>>;
    /// A canned response by id, whoever owns it (`None`: no such response).
    fn canned_response(
        &self,
        id: crate::ids::CannedId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::canned::CannedResponse>>>;
    /// Stores a canned response owned by `owner` (`None`: shared; `draft.shared` is not
    /// read): `None` inserts; `Some(id)` replaces it, owner included (`NotFound` when there
    /// is none, or when `owner` is no agent). Sets `updated_at`.
    fn save_canned_response(
        &self,
        id: Option<crate::ids::CannedId>,
        owner: Option<AgentId>,
        draft: crate::canned::CannedDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::canned::CannedResponse>>;
    /// Deletes a canned response (`NotFound` when there is none).
    fn delete_canned_response(&self, id: crate::ids::CannedId) -> BoxFuture<'_, StoreResult<()>>;

    // ---- ticket viewers (issue 6) ----

    /// Applies an agent's report about a ticket ([`crate::viewers::ViewerRecord::next`]) in
    /// one transaction: forgets every record that expired by `now`, then stores the new
    /// record (or deletes it for `Left`). Returns the record before (`None` when there was
    /// none or it had expired) and after. `NotFound` for no such ticket or agent (`Left`
    /// never fails on that).
    fn report_viewer(
        &self,
        ticket: TicketId,
        agent: AgentId,
        report: crate::viewers::ViewerReport,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::viewers::ViewerChange>>;
    /// The stored viewer records of a ticket, by agent id, expired ones included (the core
    /// decides what still counts). `NotFound` for no such ticket.
    fn ticket_viewers(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::viewers::ViewerRecord>>>;
    /// The stored viewer records of the given tickets (queue rows), by ticket then agent id;
    /// unknown tickets have none.
    fn viewers_of(
        &self,
        tickets: Vec<TicketId>,
    ) -> BoxFuture<'_, StoreResult<Vec<(TicketId, crate::viewers::ViewerRecord)>>>;

    // ---- search (issue 6) ----

    /// Tickets matching a search, at most `q.limit`: with words, by their newest message
    /// holding every clause (a ticket's first message holds its subject too), newest first,
    /// internal notes only with `include_internal`; with filters only, newest ticket first.
    /// Every message and contact is searchable from the commit that stored it on.
    fn search_tickets(
        &self,
        q: crate::search::TicketSearch,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::search::TicketHit>>>;
    /// Contacts whose name, addresses and phone numbers hold every clause, newest first.
    fn search_contacts(
        &self,
        text: crate::search::TextQuery,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<Contact>>>;
    /// The contacts owning a handle (an email address compared without regard to case).
    fn contacts_by_handle(
        &self,
        handle: &crate::contact::Handle,
    ) -> BoxFuture<'_, StoreResult<Vec<ContactId>>>;
    /// Indexes up to `batch` messages and `batch` contacts stored before the search index
    /// existed, newest first, in one transaction; returns how many (0: nothing left).
    /// Each such row is indexed exactly once, however many nodes call this at once.
    fn index_backlog(&self, batch: i64) -> BoxFuture<'_, StoreResult<u64>>;
    /// Every saved view, by name then id.
    fn saved_views(&self) -> BoxFuture<'_, StoreResult<Vec<crate::search::SavedView>>>;
    /// A saved view.
    fn saved_view(
        &self,
        id: crate::search::SavedViewId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::search::SavedView>>>;
    /// Stores a view: `None` inserts it; `Some(id)` replaces its name, query and group
    /// (the owner stays). `NotFound` for no such view, owner or group.
    fn save_view(
        &self,
        id: Option<crate::search::SavedViewId>,
        draft: crate::search::SavedViewDraft,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::search::SavedView>>;
    /// Deletes a view (`NotFound` when there is none).
    fn delete_view(&self, id: crate::search::SavedViewId) -> BoxFuture<'_, StoreResult<()>>;

    // ---- manager dashboard (issue 6) ----

    /// The working set (new, open, pending) counted by status, group and assignee in one
    /// aggregate query over an index of the working set: one [`LoadCell`] per combination
    /// that has tickets, by status, group, assignee (none first).
    fn board_load(&self) -> BoxFuture<'_, StoreResult<Vec<LoadCell>>>;
    /// At most `limit` working-set tickets of a dashboard list, each walked along its own
    /// index and stopped at the limit (rows as in [`Store::queue`], with contact and badge).
    fn board_tickets(
        &self,
        list: BoardList,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>>;

    // ---- agent alerts (issue 6) ----

    /// Stores a notification under `key` unless one with that key exists (then `None`);
    /// `NotFound` for an unknown agent or ticket.
    fn add_keyed_notification(
        &self,
        key: &str,
        n: crate::notification::NewNotification,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<crate::notification::Notification>>>;
    /// An agent's email preferences (every kind on when never saved).
    fn agent_prefs(
        &self,
        agent: AgentId,
    ) -> BoxFuture<'_, StoreResult<crate::notification::EmailPrefs>>;
    /// Stores an agent's email preferences (`NotFound` for an unknown agent).
    fn save_agent_prefs(
        &self,
        agent: AgentId,
        prefs: crate::notification::EmailPrefs,
    ) -> BoxFuture<'_, StoreResult<()>>;

    // ---- display preferences (issue 6, point 10) ----

    /// An agent's display preferences (language, time zone; `None`: never chosen).
    fn display_prefs(
        &self,
        agent: AgentId,
    ) -> BoxFuture<'_, StoreResult<crate::display::DisplayPrefs>>;
    /// Stores the `Some` fields of `prefs` for an agent — all of them, or with `only_unset`
    /// only those not chosen yet — in one transaction that also makes a stored language the
    /// agent's own (`agents.lang`, the language of their alerts); returns what is stored.
    /// `NotFound` for an unknown agent.
    fn save_display_prefs(
        &self,
        agent: AgentId,
        prefs: crate::display::DisplayPrefs,
        only_unset: bool,
    ) -> BoxFuture<'_, StoreResult<crate::display::DisplayPrefs>>;

    // ---- contacts (issue 6) ----

    /// A contact with profile and notes (`None`: no such contact).
    fn contact_card(
        &self,
        id: ContactId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::contact::ContactCard>>>;
    /// A contact's tickets across channels: at most `limit`, last activity first, with
    /// counts of all its tickets and of those in the working set.
    fn contact_tickets(
        &self,
        id: ContactId,
        limit: i64,
    ) -> BoxFuture<'_, StoreResult<crate::contact::ContactTickets>>;
    /// Stores an edit of a contact in one transaction: name, profile, notes, and handles
    /// made exactly the edit's (removed ones deleted, new ones added), then reindexes it for
    /// search. `NotFound` for no such contact; `Duplicate("handles")` when another contact
    /// owns one of the new handles (nothing is written then).
    fn save_contact(
        &self,
        id: ContactId,
        edit: crate::contact::ContactEdit,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Merges a duplicate contact into another in one transaction (see
    /// [`crate::contact::ContactMerge`]): the source's tickets (version bumped, a
    /// `ContactMerged` history row each), handles, message authorship and history actor
    /// rows move to the target; the target takes the merged name, profile and notes; rules
    /// naming the source are rewritten; the source is deleted (with its search entry) and
    /// the target reindexed. Returns the moved tickets as stored. `NotFound` when either
    /// contact is gone.
    fn merge_contacts(
        &self,
        m: crate::contact::ContactMerge,
    ) -> BoxFuture<'_, StoreResult<Vec<Ticket>>>;

    /// The installation setting `key` (`None`: never set).
    fn setting(&self, key: &str) -> BoxFuture<'_, StoreResult<Option<String>>>;
    /// Stores the installation setting `key` (insert or overwrite).
    fn put_setting(&self, key: &str, value: &str) -> BoxFuture<'_, StoreResult<()>>;

    // ---- accounts (issue 6): invites, resets, status, audit log ----

    /// Every agent with account status and groups, by name.
    fn user_accounts(&self) -> BoxFuture<'_, StoreResult<Vec<crate::account::UserAccount>>>;
    /// The active agent with this email and their password hash (sign-in); invited and
    /// deactivated accounts are `None`.
    fn active_agent_by_email(
        &self,
        email: &EmailAddress,
    ) -> BoxFuture<'_, StoreResult<Option<(Agent, String)>>>;
    /// One transaction: the invited agent (no password), its groups, the token, the mail job
    /// and the audit entry (its `target_id` is filled in with the new agent's id).
    /// `Duplicate("email")` for a taken address, `NotFound` for an unknown group.
    fn create_invite(&self, invite: crate::account::NewInvite)
    -> BoxFuture<'_, StoreResult<Agent>>;
    /// One transaction, only while the agent's status is `status` and, with `per_hour`, fewer
    /// than that many tokens of the kind were made for them in the hour before the token's
    /// `created_at`: voids their unused tokens of the kind, stores `token`, `job` and `audit`.
    /// `false`: nothing written.
    fn issue_token(
        &self,
        agent: AgentId,
        status: crate::account::AccountStatus,
        issue: crate::account::IssueToken,
    ) -> BoxFuture<'_, StoreResult<bool>>;
    /// The agent a live (unused, unexpired) token opens, if their status still lets it (an
    /// invite: invited; a reset: active).
    fn token_agent(
        &self,
        kind: crate::account::TokenKind,
        hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>>;
    /// One transaction: uses the live token, stores the password hash, makes the account
    /// active, ends every session of the agent and writes the audit entry `action` (by the
    /// agent). `None`: the token opens nothing (nothing written).
    fn redeem_token(
        &self,
        kind: crate::account::TokenKind,
        hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
        action: crate::account::AuditAction,
    ) -> BoxFuture<'_, StoreResult<Option<Agent>>>;
    /// One transaction: sets the role and writes `audit`; `false` (nothing written) when it
    /// would take the admin role from the last active admin. `NotFound` for an unknown agent.
    fn set_agent_role(
        &self,
        agent: AgentId,
        role: crate::actor::Role,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<bool>>;
    /// One transaction: sets the status and writes `audit`. Deactivating ends the agent's
    /// sessions and voids their tokens, and is refused (`false`, nothing written) for the
    /// last active admin; activating an agent without a password makes them invited.
    fn set_account_status(
        &self,
        agent: AgentId,
        status: crate::account::AccountStatus,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<bool>>;
    /// [`Store::save_group_routing`] and its audit entry, in one transaction.
    fn save_group_routing_audited(
        &self,
        routing: crate::team::GroupRouting,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// [`Store::save_agent_profile`] and its audit entry, in one transaction.
    fn save_agent_profile_audited(
        &self,
        status: crate::team::AgentStatus,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Audit entries, newest first.
    fn audit_log(
        &self,
        q: crate::account::AuditQuery,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::account::AuditEntry>>>;

    // ---- audit of configuration changes (issue 6 follow-up, see `crate::audit`) ----
    // Each is the plain method plus `audit` written in the same transaction, its
    // `target_id` set to the id stored; nothing is written when the change fails.

    /// [`Store::save_rule`] and its audit entry, in one transaction.
    fn save_rule_audited(
        &self,
        id: Option<crate::ids::RuleId>,
        draft: crate::rules::RuleDraft,
        now: DateTime<Utc>,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<crate::rules::Rule>>;
    /// [`Store::delete_rule`] and its audit entry, in one transaction.
    fn delete_rule_audited(
        &self,
        id: crate::ids::RuleId,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// [`Store::save_sla_policy`] and its audit entry, in one transaction.
    fn save_sla_policy_audited(
        &self,
        id: Option<crate::ids::SlaPolicyId>,
        draft: crate::sla::PolicyDraft,
        now: DateTime<Utc>,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<crate::sla::Policy>>;
    /// [`Store::delete_sla_policy`] and its audit entry, in one transaction.
    fn delete_sla_policy_audited(
        &self,
        id: crate::ids::SlaPolicyId,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// [`Store::save_sla_calendar`] and its audit entry, in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn save_sla_calendar_audited(
        &self,
        id: Option<crate::ids::SlaCalendarId>,
        name: String,
        calendar: crate::sla::Calendar,
        is_default: bool,
        now: DateTime<Utc>,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<crate::sla::StoredCalendar>>;
    /// [`Store::delete_sla_calendar`] and its audit entry, in one transaction.
    fn delete_sla_calendar_audited(
        &self,
        id: crate::ids::SlaCalendarId,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// [`Store::save_mailbox`] and its audit entry, in one transaction.
    fn save_mailbox_audited(
        &self,
        settings: MailboxSettings,
        source: MailboxSource,
        is_new: bool,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<MailboxId>>;
    /// [`Store::save_canned_response`] and its audit entry, in one transaction.
    fn save_canned_response_audited(
        &self,
        id: Option<crate::ids::CannedId>,
        owner: Option<AgentId>,
        draft: crate::canned::CannedDraft,
        now: DateTime<Utc>,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<crate::canned::CannedResponse>>;
    /// [`Store::delete_canned_response`] and its audit entry, in one transaction.
    fn delete_canned_response_audited(
        &self,
        id: crate::ids::CannedId,
        audit: crate::account::NewAuditEntry,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Agents whose account is not active (invited or deactivated), by id: they are never
    /// offered or accepted as assignees.
    fn inactive_agents(&self) -> BoxFuture<'_, StoreResult<Vec<AgentId>>>;

    // ---- group visibility (issue 6, 1b) ----

    /// The restricted groups (see [`crate::visibility`]), by id.
    fn restricted_groups(&self) -> BoxFuture<'_, StoreResult<Vec<GroupId>>>;
    /// Marks a group restricted or not (`NotFound` for no such group).
    fn set_group_restricted(
        &self,
        group: GroupId,
        restricted: bool,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// [`Store::queue`] leaving out the tickets of `hidden` groups (`group_id NOT IN (…)`);
    /// with `hidden` empty the query is exactly [`Store::queue`]'s.
    fn queue_except(
        &self,
        q: &QueueQuery,
        hidden: Vec<GroupId>,
    ) -> BoxFuture<'_, StoreResult<Vec<QueueRow>>>;
    /// The ticket a message belongs to.
    fn message_ticket(&self, message: MessageId) -> BoxFuture<'_, StoreResult<Option<TicketId>>>;
    /// Whether a message of a ticket outside the `hidden` groups holds the attachment with
    /// this hex sha-256.
    fn attachment_seen_outside(
        &self,
        sha256: &str,
        hidden: Vec<GroupId>,
    ) -> BoxFuture<'_, StoreResult<bool>>;

    // ---- bulk, merge, links (issue 6, point 4) ----

    /// Writes a merge ([`crate::merge::MergePlan`]) in one transaction: the target and every
    /// source compare-and-set on their versions (`Conflict` when any moved on, `NotFound`
    /// when one is gone; nothing is written then); every message of the sources (notes and
    /// attachments included, with their email threading ids, receipts and search index
    /// rows) moves to the target; a source's Cc participants are added to the target's;
    /// the merge markers, history rows of both sides, `jobs` and the notice (delivered like
    /// any public reply) are stored. Returns the stored target.
    fn merge_tickets(
        &self,
        plan: crate::merge::MergePlan,
        actor: ActorRef,
        jobs: Vec<NewJob>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Ticket>>;
    /// The target a ticket was merged into (`None`: not merged).
    fn merged_into(&self, ticket: TicketId) -> BoxFuture<'_, StoreResult<Option<TicketId>>>;
    /// A ticket's merge markers and links, each named with number, subject and status.
    fn ticket_relations(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<crate::merge::Relations>>;
    /// Stores the link `a`–`b` (`a < b`) with a history row on each ticket, in one
    /// transaction (`Duplicate("ticket")` when it exists, `NotFound` for a missing ticket).
    fn link_tickets(
        &self,
        a: &Ticket,
        b: &Ticket,
        actor: ActorRef,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// Removes the link `a`–`b` with a history row on each ticket (`NotFound`: no link).
    fn unlink_tickets(
        &self,
        a: &Ticket,
        b: &Ticket,
        actor: ActorRef,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;

    // ---- widget (issue 7, widget-backend) ----

    /// Every widget site, by id.
    fn widget_sites(&self) -> BoxFuture<'_, StoreResult<Vec<crate::widget::Site>>>;
    /// A widget site by id.
    fn widget_site(
        &self,
        id: crate::ids::SiteId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::widget::Site>>>;
    /// A widget site by its public key (active or not).
    fn widget_site_by_key(
        &self,
        key: &crate::widget::SiteKey,
    ) -> BoxFuture<'_, StoreResult<Option<crate::widget::Site>>>;
    /// Creates a site under `key` (`id` `None`; active; `Duplicate("key")` when taken) or
    /// replaces the settings of site `id` (its key stays; `NotFound` when there is none).
    fn save_widget_site(
        &self,
        id: Option<crate::ids::SiteId>,
        key: crate::widget::SiteKey,
        settings: crate::widget::SiteSettings,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::widget::Site>>;
    /// Switches a site on or off (`NotFound` when there is none).
    fn set_widget_site_active(
        &self,
        id: crate::ids::SiteId,
        active: bool,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// A visitor by the hash of their token.
    fn widget_visitor(
        &self,
        token_hash: &str,
    ) -> BoxFuture<'_, StoreResult<Option<crate::widget::Visitor>>>;
    /// Stores a new visitor of `site` with their anonymous contact (handle
    /// [`crate::contact::Handle::Visitor`]) in one transaction; an existing visitor with
    /// this hash is returned unchanged.
    fn create_widget_visitor(
        &self,
        token_hash: &str,
        site: crate::ids::SiteId,
        lang: crate::ids::Lang,
        page: crate::widget::Page,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::widget::Visitor>>;
    /// Writes a visitor's changes and `seen_at = now` (`NotFound` when there is none).
    fn update_widget_visitor(
        &self,
        token_hash: &str,
        update: crate::widget::VisitorUpdate,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<crate::widget::Visitor>>;
    /// Creates a widget ticket in one transaction (see [`crate::widget::NewWidgetTicket`]):
    /// as [`Store::create_ticket`] (idempotent on the intake key), plus the site, tags,
    /// the first message's attachments and dedupe key, and the visitor's link to it.
    /// `Conflict` (nothing written) when the visitor's current ticket is no longer the
    /// expected one.
    fn create_widget_ticket(
        &self,
        c: crate::widget::NewWidgetTicket,
    ) -> BoxFuture<'_, StoreResult<Created>>;
    /// A ticket's message stored with this dedupe key (a resent chat message finds its
    /// first copy).
    fn message_by_key(
        &self,
        ticket: TicketId,
        dedupe_key: &str,
    ) -> BoxFuture<'_, StoreResult<Option<Message>>>;
    /// The site a ticket came from.
    fn ticket_site(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::ids::SiteId>>>;
    /// The visitor whose current conversation a ticket is (the last seen, when several).
    fn ticket_visitor(
        &self,
        ticket: TicketId,
    ) -> BoxFuture<'_, StoreResult<Option<crate::widget::Visitor>>>;
    /// Remembers a visitor's upload (bytes stored with [`Store::put_blob`] first); a second
    /// upload of the same file keeps the first description.
    fn save_widget_upload(
        &self,
        token_hash: &str,
        meta: crate::message::AttachmentMeta,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<()>>;
    /// The uploads of a visitor among `sha256s`, in the asked order (unknown ones left out).
    fn widget_uploads(
        &self,
        token_hash: &str,
        sha256s: Vec<String>,
    ) -> BoxFuture<'_, StoreResult<Vec<crate::message::AttachmentMeta>>>;

    // ---- customer portal (issue 7, point 5) ----

    /// Stores a portal sign-in link (its hash) and its mail job in one transaction, unless
    /// the link's address already got `per_hour` links in the hour before its `created_at`
    /// (`false`: nothing written). Counting and inserting are serialized per contact.
    fn issue_portal_link(
        &self,
        link: crate::portal::NewPortalLink,
        per_hour: i64,
    ) -> BoxFuture<'_, StoreResult<bool>>;
    /// The contact a live (unused, unexpired at `now`) sign-in link opens, without using it.
    fn portal_link_contact(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>>;
    /// Uses a live sign-in link and starts a portal session (hash `session_hash`, until
    /// `session_expires`) for its contact, in one transaction; `None` (nothing written) when
    /// the link is unknown, used or expired. Two concurrent uses cannot both succeed.
    fn redeem_portal_link(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        session_hash: &str,
        session_expires: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>>;
    /// The contact of a live portal session.
    fn portal_session_contact(
        &self,
        session_hash: &str,
        now: DateTime<Utc>,
    ) -> BoxFuture<'_, StoreResult<Option<ContactId>>>;
    /// Ends a portal session (nothing happens for an unknown one).
    fn delete_portal_session(&self, session_hash: &str) -> BoxFuture<'_, StoreResult<()>>;
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
    /// Sets it to `t`.
    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
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

/// Sends composed mail (the SMTP adapter). An error says why, for logs and for the
/// message's delivery state, and whether it is permanent: the job that called it is then
/// failed at once, otherwise retried.
pub trait Mailer: Send + Sync {
    /// Hands one mail to the outgoing server; `Ok` once the server accepted it.
    fn send(
        &self,
        mail: OutgoingEmail,
    ) -> BoxFuture<'_, Result<(), crate::email::outbound::SendError>>;
    /// Is any outgoing server configured? (`false`: every send fails; optional mail such as
    /// alerts to agents is skipped rather than retried.)
    fn can_send(&self) -> bool {
        true
    }
}

/// Truncates a time to microseconds (PostgreSQL's precision) so both stores round-trip it.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
