//! Use cases. Each entry point authorizes the actor, loads what it needs through the
//! [`Store`](crate::ports::Store), applies a pure transition, stores state + history + jobs in
//! one call, and only after that commit publishes a live hint.
//!
//! Server functions, REST handlers and the job worker are thin adapters over these functions.

use crate::actor::{Actor, ActorRef, Permission};
use crate::contact::Contact;
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, GroupId, NumberPrefix, PortalToken, TicketId, TicketNumber};
use crate::intake::ValidRequest;
use crate::job::{Job, JobKind};
use crate::live::LiveEvent;
use crate::message::{MAX_BODY_CHARS, Message, MessageDraft, Visibility};
use crate::notify;
use crate::ports::{
    Clock, CreateTicket, Created, IntakeKey, JobClaim, LiveBus, QueueQuery, QueueRow, Store,
    StoreError, UpdateTicket,
};
use crate::team::{Agent, Group};
use crate::ticket::{HistoryEntry, Priority, Status, Ticket, TicketDraft, TicketEvent};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub mod accounts;
pub mod alerts;
pub mod board;
pub mod canned;
pub mod classify;
pub mod rules;
pub mod search;
pub mod sla;
pub mod team;
pub mod viewers;
// ---- bulk, merge, links (issue 6, point 4) ----
pub mod merge;
// ---- group visibility (issue 6, 1b) ----
pub mod visibility;
// ---- display preferences (issue 6, point 10) ----
pub mod prefs;
// ---- contacts (issue 6, point 6) ----
pub mod contacts;
// ---- customer notices (issue 7, point 6) ----
pub mod notices;
// ---- widget (issue 7, widget-backend) ----
pub mod widget;
// ---- customer portal (issue 7, point 5) ----
pub mod portal;

/// The ports a service call needs.
#[derive(Clone)]
pub struct Ports {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Live hints.
    pub live: Arc<dyn LiveBus>,
    /// Ticket number prefix.
    pub prefix: NumberPrefix,
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => DomainError::NotFound,
            StoreError::Conflict => DomainError::Conflict,
            StoreError::Duplicate(f) => {
                let mut errs = FieldErrors::default();
                errs.push(f, "taken");
                DomainError::Invalid(errs)
            }
            StoreError::Backend(m) => DomainError::Storage(m),
        }
    }
}

/// Creates a ticket from a validated request (web form, API). Idempotent on `key`.
/// The caller acknowledges the source only after this returns `Ok` (the commit happened).
pub async fn submit_request(
    p: &Ports,
    req: ValidRequest,
    key: Option<IntakeKey>,
    token: PortalToken,
) -> Result<Created, DomainError> {
    let now = crate::ports::to_micros(p.clock.now());
    let c = CreateTicket {
        draft: TicketDraft {
            subject: req.subject,
            priority: req.priority,
            channel: req.channel,
            group: None,
            portal_token: token,
            lang: req.lang,
            now,
        },
        prefix: p.prefix.clone(),
        contact: req.contact,
        body: req.message,
        intake_key: key,
        custom_fields: req.custom_fields,
    };
    let created = p.store.create_ticket(c).await?;
    if !created.replayed {
        p.live.publish(LiveEvent::for_ticket(&created.ticket));
    }
    Ok(created)
}

/// A queue for an agent.
pub async fn queue(p: &Ports, actor: &Actor, q: &QueueQuery) -> Result<Vec<QueueRow>, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let hidden = visibility::hidden_groups(p, actor).await?;
    Ok(p.store.queue_except(q, hidden).await?)
}

/// The team as agents see it: names for assignee pickers, history lines and group views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDirectory {
    /// All agents, by name.
    pub agents: Vec<Agent>,
    /// All groups, by name.
    pub groups: Vec<Group>,
    /// Agents whose account is not active (invited or switched off): named in history, never
    /// offered as assignees.
    pub inactive: Vec<AgentId>,
}

/// Agents and groups, for an agent.
pub async fn team_directory(p: &Ports, actor: &Actor) -> Result<TeamDirectory, DomainError> {
    actor.require(Permission::ViewQueue)?;
    Ok(TeamDirectory {
        agents: p.store.agents().await?,
        groups: p.store.groups().await?,
        inactive: p.store.inactive_agents().await?,
    })
}

/// Everything an agent sees of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// Its contact.
    pub contact: Option<Contact>,
    /// Thread including internal notes.
    pub messages: Vec<Message>,
    /// History.
    pub history: Vec<HistoryEntry>,
    /// Where each outbound email of the thread stands (by message id).
    pub deliveries: Vec<crate::email::Delivery>,
    /// What email intake recorded about the messages that came by mail (HTML view, why
    /// each was threaded where it went).
    pub mail: Vec<crate::ports::MailFacts>,
    /// Custom fields given at intake.
    pub custom_fields: std::collections::BTreeMap<String, String>,
}

/// A ticket for an agent, by number.
pub async fn agent_ticket(
    p: &Ports,
    actor: &Actor,
    number: &TicketNumber,
) -> Result<AgentTicketView, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let ticket = p
        .store
        .ticket_by_number(number)
        .await?
        .ok_or(DomainError::NotFound)?;
    visibility::require_sees(p, actor, &ticket).await?;
    let contact = p.store.contact(ticket.contact_id).await?;
    let messages = p.store.messages(ticket.id, true).await?;
    let history = p.store.history(ticket.id).await?;
    let deliveries = p.store.deliveries(ticket.id).await?;
    let mail = p.store.mail_facts(ticket.id).await?;
    let custom_fields = p.store.custom_fields(ticket.id).await?;
    Ok(AgentTicketView {
        ticket,
        contact,
        messages,
        history,
        deliveries,
        mail,
        custom_fields,
    })
}

/// An attachment's stored bytes by hex sha-256, for an agent (`NotFound` when not stored).
pub async fn attachment_bytes(
    p: &Ports,
    actor: &Actor,
    sha256: &str,
) -> Result<Vec<u8>, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let hidden = visibility::hidden_groups(p, actor).await?;
    if !hidden.is_empty() && !p.store.attachment_seen_outside(sha256, hidden).await? {
        return Err(DomainError::NotFound);
    }
    p.store
        .attachment_blob(sha256)
        .await?
        .ok_or(DomainError::NotFound)
}

/// The raw original of a message that came by email, for an agent (`NotFound` otherwise).
pub async fn raw_email(
    p: &Ports,
    actor: &Actor,
    message: crate::ids::MessageId,
) -> Result<Vec<u8>, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let ticket = p
        .store
        .message_ticket(message)
        .await?
        .ok_or(DomainError::NotFound)?;
    visibility::ticket_for(p, actor, ticket).await?;
    p.store
        .message_raw_email(message)
        .await?
        .ok_or(DomainError::NotFound)
}

/// What the customer sees: the ticket and its public messages only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalView {
    /// The ticket.
    pub ticket: Ticket,
    /// Public messages only.
    pub messages: Vec<Message>,
}

/// The portal view of the ticket a token opens; `NotFound` for any unknown token.
pub async fn portal_ticket(p: &Ports, token: &PortalToken) -> Result<PortalView, DomainError> {
    let ticket = p
        .store
        .ticket_by_token(token)
        .await?
        .ok_or(DomainError::NotFound)?;
    let messages = p.store.messages(ticket.id, false).await?;
    debug_assert!(messages.iter().all(|m| m.visibility == Visibility::Public));
    Ok(PortalView { ticket, messages })
}

fn check_body(body: &str) -> Result<String, DomainError> {
    let b = body.trim();
    let mut errs = FieldErrors::default();
    if b.is_empty() {
        errs.push("body", "required");
    } else if b.chars().count() > MAX_BODY_CHARS {
        errs.push("body", "too_long");
    }
    if errs.is_empty() {
        Ok(b.to_owned())
    } else {
        Err(DomainError::Invalid(errs))
    }
}

/// A change computed by the core from one ticket state: the new state, who made it, what
/// happened and the messages it appends; for changes made by rules also the loop guard their
/// follow-up round carries, the notifications they send and further jobs.
struct Change {
    after: Ticket,
    actor: ActorRef,
    events: Vec<TicketEvent>,
    messages: Vec<MessageDraft>,
    /// `None`: a change by a person or the system (rules start a fresh chain); `Some`: a
    /// rule's change, whose follow-up round runs with this guard.
    chain: Option<crate::rules::RuleChain>,
    notifications: Vec<crate::notification::NewNotification>,
    jobs: Vec<crate::job::NewJob>,
}

impl Change {
    /// A change by a person or the system.
    fn new(
        after: Ticket,
        actor: ActorRef,
        events: Vec<TicketEvent>,
        messages: Vec<MessageDraft>,
    ) -> Self {
        Self {
            after,
            actor,
            events,
            messages,
            chain: None,
            notifications: Vec::new(),
            jobs: Vec::new(),
        }
    }
}

/// Stores a change computed from `before` (with the jobs its events imply, and the
/// completion of the job it is the effect of, if any), then publishes a live hint.
async fn commit(
    p: &Ports,
    before: &Ticket,
    c: Change,
    completes: Option<JobClaim>,
) -> Result<Ticket, DomainError> {
    if c.events.is_empty()
        && c.messages.is_empty()
        && c.notifications.is_empty()
        && c.jobs.is_empty()
        && completes.is_none()
    {
        return Ok(c.after);
    }
    let now = c.after.updated_at;
    let mut after = c.after;
    // The version the store will give it: the rules job derived from it is keyed by it.
    after.version = before.version + 1;
    let chain = c.chain.unwrap_or_default();
    let mut jobs = crate::job::jobs_for_chain(&after, &c.events, now, &chain);
    let alerts = crate::job::alert_jobs(&after, &c.events, c.actor, now);
    jobs.extend(alerts::named(p, c.actor, alerts).await?);
    // ---- customer notices ----
    jobs.extend(crate::notices::notice_jobs(before, &after, &c.events, now));
    jobs.extend(c.jobs);
    let stored = p
        .store
        .update_ticket(UpdateTicket {
            expected_version: before.version,
            ticket: after,
            actor: c.actor,
            events: c.events,
            messages: c.messages,
            jobs,
            notifications: c.notifications,
            completes,
            now,
        })
        .await?;
    p.live.publish(LiveEvent::for_ticket(&stored));
    Ok(stored)
}

/// The ticket an agent changes, `NotFound` when they may not see it, `Conflict` when it
/// moved on from `version`.
async fn load_at(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    version: i64,
) -> Result<Ticket, DomainError> {
    let t = visibility::ticket_for(p, actor, id).await?;
    if t.version != version {
        return Err(DomainError::Conflict);
    }
    Ok(t)
}

/// What an agent writes on a ticket page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgentWrites {
    Reply,
    Note,
}

/// Appends an agent's reply or note, made from the version the agent saw.
async fn agent_writes(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    version: i64,
    body: &str,
    kind: AgentWrites,
) -> Result<Ticket, DomainError> {
    actor.require(match kind {
        AgentWrites::Reply => Permission::ReplyTicket,
        AgentWrites::Note => Permission::AddNote,
    })?;
    let body = check_body(body)?;
    let mentioned = match kind {
        AgentWrites::Note => alerts::mentioned(p, &body).await?,
        AgentWrites::Reply => Default::default(),
    };
    let before = load_at(p, actor, id, version).await?;
    let mut after = before.clone();
    let now = crate::ports::to_micros(p.clock.now());
    let (events, message) = match kind {
        AgentWrites::Reply => (
            after.agent_replied(now)?,
            MessageDraft::reply(actor.as_ref(), body),
        ),
        AgentWrites::Note => (
            after.note_added(now),
            MessageDraft::note(actor.as_ref(), body),
        ),
    };
    let mut change = Change::new(after, actor.as_ref(), events, vec![message]);
    if let (false, Some(author)) = (mentioned.is_empty(), actor.agent_id()) {
        let mut stored = change.after.clone();
        stored.version = before.version + 1;
        let jobs = crate::job::mention_jobs(&stored, &mentioned, author, now);
        change.jobs = alerts::named(p, actor.as_ref(), jobs).await?;
    }
    commit(p, &before, change, None).await
}

/// An agent's public reply, made from the version the agent saw.
pub async fn reply(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    version: i64,
    body: &str,
) -> Result<Ticket, DomainError> {
    agent_writes(p, actor, id, version, body, AgentWrites::Reply).await
}

/// An internal note, made from the version the agent saw.
pub async fn add_note(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    version: i64,
    body: &str,
) -> Result<Ticket, DomainError> {
    agent_writes(p, actor, id, version, body, AgentWrites::Note).await
}

/// Field changes an agent makes on a ticket page (each `Some` is a change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChange {
    /// New status.
    pub status: Option<Status>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New owner (`Some(None)` unassigns).
    pub assignee: Option<Option<AgentId>>,
    /// New group (`Some(None)` removes it).
    pub group: Option<Option<GroupId>>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
}

/// Applies field changes made from the version the agent saw.
pub async fn change_ticket(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
    version: i64,
    change: &TicketChange,
) -> Result<Ticket, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    if let Some(to) = change.assignee {
        if to.is_some() && to == actor.agent_id() {
            actor.require(Permission::TakeTicket)?;
        } else {
            actor.require(Permission::AssignTicket)?;
        }
    }
    let before = load_at(p, actor, id, version).await?;
    let mut t = before.clone();
    let now = crate::ports::to_micros(p.clock.now());
    let mut events = Vec::new();
    if let Some(g) = change.group {
        events.extend(t.move_to_group(g, now));
    }
    if let Some(a) = change.assignee {
        // A new owner must be an active agent (`assignee`: `invalid` / `inactive`).
        if let Some(agent) = a
            && a != t.assignee
        {
            accounts::require_assignable(p, agent, "assignee").await?;
        }
        events.extend(t.assign(a, now)?);
    }
    if let Some(pr) = change.priority {
        events.extend(t.reprioritize(pr, now));
    }
    if let Some(s) = change.status {
        events.extend(t.move_to(s, now)?);
    }
    for tag in &change.add_tags {
        events.extend(t.tag(tag, now)?);
    }
    for tag in &change.remove_tags {
        events.extend(t.untag(tag, now));
    }
    if let (Some(owner), true) = (
        t.assignee,
        change.assignee.is_some() || change.group.is_some(),
    ) {
        visibility::require_may_own(p, owner, t.group).await?;
    }
    let change = Change::new(t, actor.as_ref(), events, Vec::new());
    commit(p, &before, change, None).await
}

/// Retries a change that is computed afresh from the current ticket when it lost a race
/// (customer replies and system jobs must not fail because an agent saved at the same time).
/// `f` returns `None` when there is nothing to change.
async fn with_retry<F>(
    p: &Ports,
    id: TicketId,
    completes: Option<JobClaim>,
    mut f: F,
) -> Result<Ticket, DomainError>
where
    F: FnMut(&Ticket) -> Result<Option<Change>, DomainError>,
{
    let mut last = DomainError::Conflict;
    for _ in 0..8 {
        let before = p.store.ticket(id).await?.ok_or(DomainError::NotFound)?;
        let Some(change) = f(&before)? else {
            return Ok(before);
        };
        match commit(p, &before, change, completes.clone()).await {
            Err(DomainError::Conflict) => last = DomainError::Conflict,
            other => return other,
        }
    }
    Err(last)
}

/// The customer answers in the portal; reopens a pending or resolved ticket.
pub async fn portal_reply(
    p: &Ports,
    token: &PortalToken,
    body: &str,
) -> Result<Ticket, DomainError> {
    let body = check_body(body)?;
    let ticket = p
        .store
        .ticket_by_token(token)
        .await?
        .ok_or(DomainError::NotFound)?;
    let actor = Actor::Customer {
        contact: ticket.contact_id,
        ticket: ticket.id,
    };
    actor.require(Permission::CustomerReply)?;
    actor.require_customer_of(ticket.id)?;
    let now = crate::ports::to_micros(p.clock.now());
    with_retry(p, ticket.id, None, |before| {
        let mut after = before.clone();
        let events = after.customer_replied(now)?;
        let msg = MessageDraft::from_customer(actor.as_ref(), body.clone());
        Ok(Some(Change::new(after, actor.as_ref(), events, vec![msg])))
    })
    .await
}

/// What running a job left to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The job's effect and its completion were committed together: nothing left.
    Completed,
    /// The effect is in place (now or from an earlier run); the worker marks the job done.
    Done,
    /// The effect can never happen (a permanent refusal such as an SMTP 5xx reply): the
    /// worker marks the job `failed` now, with this reason, and does not retry it.
    Failed(String),
}

/// What sending email needs: the installation's signing facts and the SMTP adapter.
#[derive(Clone)]
pub struct EmailOut {
    /// Secret and Message-ID domain (see [`crate::email::token`]).
    pub settings: crate::email::EmailSettings,
    /// The adapter.
    pub mailer: Arc<dyn crate::ports::Mailer>,
}

impl std::fmt::Debug for EmailOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailOut")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Runs one job claimed by `worker`. Effects inside our database commit together with the
/// job's completion (exactly once); a repeated run after a crash changes nothing more.
/// Email deliveries fail (and are retried) here: use [`run_job_with`] on a node that sends.
pub async fn run_job(p: &Ports, job: &Job, worker: &str) -> Result<JobOutcome, DomainError> {
    run_job_with(p, None, job, worker).await
}

/// [`run_job`] on a node that can send email through `email`.
pub async fn run_job_with(
    p: &Ports,
    email: Option<&EmailOut>,
    job: &Job,
    worker: &str,
) -> Result<JobOutcome, DomainError> {
    let claim = JobClaim {
        id: job.id,
        worker: worker.to_owned(),
    };
    match &job.kind {
        JobKind::SendAcknowledgement { ticket_id } => {
            const KEY: &str = "ack";
            if p.store.has_message(*ticket_id, KEY).await? {
                return Ok(JobOutcome::Done);
            }
            let now = crate::ports::to_micros(p.clock.now());
            with_retry(p, *ticket_id, Some(claim), |before| {
                let mut after = before.clone();
                let events = after.acknowledged(now);
                let text = notify::acknowledgement(before.lang, &before.number);
                let msg =
                    MessageDraft::reply(ActorRef::System, text).with_dedupe_key(KEY.to_owned());
                Ok(Some(Change::new(
                    after,
                    ActorRef::System,
                    events,
                    vec![msg],
                )))
            })
            .await?;
            Ok(JobOutcome::Completed)
        }
        JobKind::DeliverEmail {
            ticket_id,
            message_id,
        } => deliver_email(p, email, job, *ticket_id, *message_id).await,
        JobKind::RunRules { .. } | JobKind::RuleTimer { .. } => rules::run_job(p, job, claim).await,
        JobKind::SlaUpdate { .. } | JobKind::SlaBreachAction { .. } => {
            sla::run_job(p, job, claim).await
        }
        JobKind::SlaEmail {
            ticket_id,
            agent,
            text,
        } => sla::send_email(p, email, job, *ticket_id, *agent, text).await,
        JobKind::AgentAlert {
            ticket_id,
            agent,
            alert,
            by,
        } => alerts::run(p, email, job, *ticket_id, *agent, *alert, by).await,
        JobKind::AccountMail { to, subject, body } => {
            accounts::send_mail(email, job, to, subject, body).await
        }
        JobKind::CustomerNotice {
            ticket_id,
            notice,
            pending_since,
        } => notices::run(p, job, claim, *ticket_id, *notice, *pending_since).await,
    }
}

/// Sends one outbound message by email (see [`crate::email::outbound`]): at least once, with
/// a Message-ID fixed per message, then marks it `sent`. A failure keeps it `pending` with the
/// error (`failed` after the last attempt) and returns `Unavailable`, so the worker retries.
async fn deliver_email(
    p: &Ports,
    email: Option<&EmailOut>,
    job: &Job,
    ticket_id: TicketId,
    message_id: crate::ids::MessageId,
) -> Result<JobOutcome, DomainError> {
    use crate::email::outbound::{self, DeliveryState};
    let deliveries = p.store.deliveries(ticket_id).await?;
    let Some(delivery) = deliveries.iter().find(|d| d.message_id == message_id) else {
        return Err(DomainError::NotFound);
    };
    if delivery.state == DeliveryState::Sent {
        return Ok(JobOutcome::Done);
    }
    let attempt = async {
        let email =
            email.ok_or_else(|| "this node sends no email (no SMTP configured)".to_owned())?;
        let ticket = p
            .store
            .ticket(ticket_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "ticket not found".to_owned())?;
        let message = p
            .store
            .messages(ticket_id, false)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|m| m.id == message_id)
            .ok_or_else(|| "message not found".to_owned())?;
        let contact: Vec<crate::ids::EmailAddress> = p
            .store
            .contact(ticket.contact_id)
            .await
            .map_err(|e| e.to_string())?
            .map(|c| {
                c.handles
                    .into_iter()
                    .filter_map(|h| match h {
                        crate::contact::Handle::Email(e) => Some(e),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let to = contact
            .first()
            .cloned()
            .ok_or_else(|| "the contact has no email address".to_owned())?;
        let participants = p
            .store
            .ticket_participants(ticket_id)
            .await
            .map_err(|e| e.to_string())?;
        let cc = outbound::copy_recipients(&participants, &contact, &email.settings);
        let thread_ids = p
            .store
            .email_thread_ids(ticket_id)
            .await
            .map_err(|e| e.to_string())?;
        let mailbox = p
            .store
            .ticket_mailbox(ticket_id)
            .await
            .map_err(|e| e.to_string())?;
        let mail = outbound::compose(
            &ticket,
            &message,
            to,
            cc,
            mailbox,
            &thread_ids,
            &email.settings,
        );
        let id = mail.message_id.clone();
        email.mailer.send(mail).await?;
        Ok::<String, outbound::SendError>(id)
    };
    match attempt.await {
        Ok(id) => {
            p.store
                .mark_delivery(message_id, DeliveryState::Sent, None, Some(&id))
                .await?;
            Ok(JobOutcome::Done)
        }
        // Refused for good (say "550 user unknown"): failed now, visible, not retried.
        Err(e) if e.permanent => {
            p.store
                .mark_delivery(message_id, DeliveryState::Failed, Some(&e.reason), None)
                .await?;
            Ok(JobOutcome::Failed(e.reason))
        }
        Err(e) => {
            let state = outbound::delivery_after_failure(job);
            p.store
                .mark_delivery(message_id, state, Some(&e.reason), None)
                .await?;
            Err(DomainError::Unavailable(e.reason))
        }
    }
}

/// One mail as an adapter fetched it from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedEmail {
    /// The mailbox.
    pub mailbox: crate::email::MailboxId,
    /// The mailbox's UIDVALIDITY.
    pub uidvalidity: i64,
    /// The mail's UID.
    pub uid: i64,
    /// Hex sha-256 of `raw`.
    pub raw_sha256: String,
    /// The bytes as fetched.
    pub raw: Vec<u8>,
}

/// Takes one fetched mail in (see [`crate::email::ingest`]): classifies it, then lets the
/// store dedupe, thread and write everything in one transaction (retried when a concurrent
/// change to the target ticket won), then publishes a live hint. `parsed` is the parser's
/// result; an error is kept as a dead letter. The adapter acknowledges the mail at its
/// source only after this returns `Ok`. `content` is what is stored beside the message: attachment bytes (content-addressed, up to
/// [`crate::email::EmailSettings::attachment_max_bytes`]) and the sanitized HTML view.
pub async fn ingest_email(
    p: &Ports,
    settings: &crate::email::EmailSettings,
    fetched: FetchedEmail,
    parsed: Result<crate::email::InboundEmail, String>,
    content: crate::email::MailContent,
    token: PortalToken,
) -> Result<crate::email::Ingested, DomainError> {
    let ours = crate::email::OurIdentity {
        addresses: settings.our_addresses.clone(),
        message_id_domain: settings.message_id_domain.clone(),
    };
    let parsed = parsed.map(|mail| {
        let class = crate::email::classify(&mail, &ours);
        (mail, class)
    });
    let FetchedEmail {
        mailbox,
        uidvalidity,
        uid,
        raw_sha256,
        raw,
    } = fetched;
    let mut last = DomainError::Conflict;
    for _ in 0..8 {
        let now = crate::ports::to_micros(p.clock.now());
        let i = crate::email::IngestEmail {
            mailbox,
            uidvalidity,
            uid,
            raw_sha256: raw_sha256.clone(),
            raw: raw.clone(),
            parsed: parsed.clone(),
            settings: settings.clone(),
            prefix: p.prefix.clone(),
            token: token.clone(),
            now,
            replay_of: None,
            content: content.clone(),
        };
        match p.store.ingest_email(i).await {
            Ok(done) => {
                if let (false, Some(t)) = (done.duplicate, done.ticket)
                    && let Ok(Some(ticket)) = p.store.ticket(t).await
                {
                    p.live.publish(LiveEvent::for_ticket(&ticket));
                }
                return Ok(done);
            }
            Err(StoreError::Conflict) => last = DomainError::Conflict,
            Err(e) => return Err(e.into()),
        }
    }
    Err(last)
}
