//! Taking one fetched mail into the helpdesk: the shapes the store's one-transaction
//! [`Store::ingest_email`](crate::ports::Store::ingest_email) works with, and the pure
//! decisions it applies once it has looked up the threading facts ([`plan`],
//! [`append_events`], [`email_jobs`]).
//!
//! ## Flow (issue 3, points 2 and 4)
//! 1. The adapter fetches raw bytes and parses them (a parse failure is a dead letter, kept
//!    with its reason, never dropped).
//! 2. The service classifies the mail ([`super::classify()`]) and hands everything to the
//!    store, which in one transaction: dedupes on (mailbox, UIDVALIDITY, UID) and on the raw
//!    sha-256 within the mailbox; stores the raw bytes; recognises the same mail arriving
//!    through another of our mailboxes by [`arrival_key`] (a `duplicate` receipt pointing at
//!    the first; the key is claimed in the transaction, so two nodes ingesting two copies at
//!    once are serialized on it and exactly one of them places the mail); resolves [`super::lookups`] into a [`super::ThreadContext`] (with the
//!    ticket's participants); calls [`super::thread()`] and [`plan`]; creates or appends;
//!    adds the mail's [`participants`]; writes history, jobs (the acknowledgement only when
//!    [`may_auto_acknowledge`] given the acknowledgements recently sent to the sender),
//!    Message-IDs and the receipt; for a bounce of one of our messages
//!    ([`bounced_delivery`]) marks that delivery `failed` with a history event; advances the
//!    mailbox cursor.
//! 3. Only after that commit does the adapter mark the mail `\Seen` on the server.
//!
//! Invariants: every fetched mail leaves exactly one receipt (with the reason of what became
//! of it) and its raw bytes; automatic mail never gets an acknowledgement and never reopens
//! a ticket; a closed ticket is written into only when a person's reply arrives through a
//! mailbox whose policy is [`ClosedTicketPolicy::Reopen`] (it reopens, saying so in the
//! history); otherwise a new ticket is started, and both tickets' histories record the link
//! ([`link_events`]).

use crate::contact::{ContactDraft, Handle};
use crate::email::classify::{BounceReason, Classification};
use crate::email::inbound::InboundEmail;
use crate::email::thread::{ClosedTicketPolicy, ThreadDecision, ThreadTarget};
use crate::ids::{EmailAddress, Lang, MessageId, NumberPrefix, PortalToken, TicketId};
use crate::job::{JobKind, NewJob, jobs_for};
use crate::message::AttachmentMeta;
use crate::ticket::{Channel, Priority, Status, Ticket, TicketDraft, TicketEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A mailbox's id (row of `mailboxes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MailboxId(pub i64);

/// A mailbox and its IMAP cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxState {
    /// Id.
    pub id: MailboxId,
    /// The UIDVALIDITY the cursor belongs to (`None` before the first fetch).
    pub uidvalidity: Option<i64>,
    /// The highest UID ingested under that UIDVALIDITY (0: none).
    pub last_uid: i64,
    /// When the last pass over the mailbox ended (or a mail was ingested).
    pub last_fetch_at: Option<DateTime<Utc>>,
    /// Why the last pass failed; `None` after a successful one.
    pub last_error: Option<String>,
}

/// The default of [`EmailSettings::attachment_max_bytes`]: 25 MiB.
pub const DEFAULT_ATTACHMENT_MAX_BYTES: i64 = 25 * 1024 * 1024;

/// Installation facts the email intake needs (secret for signed ids, our identity).
/// Its `Debug` output hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// The reference secret (see [`super::token`]).
    pub secret: Vec<u8>,
    /// Our Message-ID domain.
    pub message_id_domain: String,
    /// Our own addresses (loop detection).
    pub our_addresses: Vec<EmailAddress>,
    /// What replies to closed tickets do.
    pub closed_policy: ClosedTicketPolicy,
    /// Attachments larger than this (decoded bytes) are not stored, only described.
    pub attachment_max_bytes: i64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            secret: Vec::new(),
            message_id_domain: String::new(),
            our_addresses: Vec::new(),
            closed_policy: ClosedTicketPolicy::default(),
            attachment_max_bytes: DEFAULT_ATTACHMENT_MAX_BYTES,
        }
    }
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("secret", &"…")
            .field("message_id_domain", &self.message_id_domain)
            .field("our_addresses", &self.our_addresses)
            .field("closed_policy", &self.closed_policy)
            .field("attachment_max_bytes", &self.attachment_max_bytes)
            .finish()
    }
}

/// One fetched mail, ready for [`Store::ingest_email`](crate::ports::Store::ingest_email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestEmail {
    /// The mailbox it came from.
    pub mailbox: MailboxId,
    /// The mailbox's UIDVALIDITY at fetch time.
    pub uidvalidity: i64,
    /// Its UID.
    pub uid: i64,
    /// Hex sha-256 of `raw`.
    pub raw_sha256: String,
    /// The bytes as fetched.
    pub raw: Vec<u8>,
    /// The parsed mail with its classification, or the parse error (a dead letter).
    pub parsed: Result<(InboundEmail, Classification), String>,
    /// Installation facts.
    pub settings: EmailSettings,
    /// The ticket-number prefix.
    pub prefix: NumberPrefix,
    /// The portal token for a ticket this mail may create.
    pub token: PortalToken,
    /// When (truncated to microseconds by the store).
    pub now: DateTime<Utc>,
    /// A manager's replay of the dead-letter receipt with this id (the stored raw bytes parsed
    /// again): the store updates that receipt (`replayed_at`, `replay_outcome`) instead of
    /// deduping against it and inserting a new one, leaves the cursor alone, and places the
    /// mail at most once however often it is replayed. `None` for a fetched mail.
    pub replay_of: Option<i64>,
    /// What the adapter extracted for display and storage besides the parsed mail (empty:
    /// attachments are described but not stored, no HTML view).
    pub content: MailContent,
}

/// An inbound mail's content for storage (issue 3, point 3), extracted by the adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailContent {
    /// The decoded bytes of each attachment, in the order of [`InboundEmail::attachments`].
    pub attachments: Vec<Vec<u8>>,
    /// The HTML part sanitized for display (never the raw HTML).
    pub html: Option<String>,
}

/// The attachment metadata of an inbound mail's message, each with the bytes to store
/// content-addressed (`None`: not stored — over `max_bytes`, or the adapter gave no bytes or
/// bytes whose length is not the parsed size).
pub fn attachment_metas<'a>(
    mail: &InboundEmail,
    content: &'a MailContent,
    max_bytes: i64,
) -> Vec<(AttachmentMeta, Option<&'a [u8]>)> {
    mail.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let bytes =
                content.attachments.get(i).map(Vec::as_slice).filter(|b| {
                    i64::try_from(b.len()).is_ok_and(|n| n == a.size && n <= max_bytes)
                });
            let meta = AttachmentMeta {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                stored: bytes.is_some(),
                inline: a.inline,
            };
            (meta, bytes)
        })
        .collect()
}

/// What became of a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    /// It started a ticket.
    Created,
    /// It was appended to a ticket.
    Appended,
    /// Kept (raw bytes and receipt) but not put on a ticket: our own mail looping back, a
    /// bounce, or a mail without a usable sender.
    Ignored,
    /// It could not be parsed; kept with the error for an operator.
    DeadLetter,
    /// The same mail had already arrived through another of our mailboxes (or another copy in
    /// this one): the receipt points at where the first arrival went ([`arrival_key`]).
    Duplicate,
}

impl IngestOutcome {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            IngestOutcome::Created => "created",
            IngestOutcome::Appended => "appended",
            IngestOutcome::Ignored => "ignored",
            IngestOutcome::DeadLetter => "dead_letter",
            IngestOutcome::Duplicate => "duplicate",
        }
    }
    /// From storage.
    pub fn parse(s: &str) -> Option<Self> {
        [
            IngestOutcome::Created,
            IngestOutcome::Appended,
            IngestOutcome::Ignored,
            IngestOutcome::DeadLetter,
            IngestOutcome::Duplicate,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// The receipt of one mail (also returned for a duplicate: the first receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingested {
    /// What became of it.
    pub outcome: IngestOutcome,
    /// The ticket it created or was appended to.
    pub ticket: Option<TicketId>,
    /// The stored message row.
    pub message: Option<i64>,
    /// Why (JSON: `classification`, `thread` decision, or `error`).
    pub reason: serde_json::Value,
    /// `true` when this mail had been ingested before (nothing new was written).
    pub duplicate: bool,
}

/// What to do with a parsed mail once threading decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestPlan {
    /// Keep only the receipt (and raw bytes); `why` goes into the reason.
    Ignore {
        /// A short machine reason (`loop`, `bounce`, `no_sender`).
        why: &'static str,
    },
    /// Start a ticket.
    Create {
        /// Ticket fields.
        draft: TicketDraft,
        /// The sender.
        contact: ContactDraft,
        /// The first message.
        body: String,
    },
    /// Append to this ticket (which the store must re-check is not closed).
    Append {
        /// The ticket.
        ticket: TicketId,
        /// The message.
        body: String,
    },
}

/// What makes two arrivals the same mail across our mailboxes (issue 3, point 7): the
/// Message-ID together with the sender and the `Date` — never the Message-ID alone, which
/// senders reuse and forge. `None` without a Message-ID (nothing to recognise it by).
pub fn arrival_key(mail: &InboundEmail) -> Option<String> {
    let id = mail.message_id.as_deref()?.trim();
    if id.is_empty() {
        return None;
    }
    let from = mail
        .from
        .as_ref()
        .map(|m| m.address.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    let date = mail.date.map(|d| d.to_rfc3339()).unwrap_or_default();
    Some(format!("{id}\n{from}\n{date}"))
}

/// The people a mail adds to its ticket besides the sender (issue 3, point 7): its `Cc`
/// addresses and the `To` addresses that are not `ours`, lowercase, each once.
pub fn participants(mail: &InboundEmail, ours: &[EmailAddress]) -> Vec<String> {
    let lower = |a: &EmailAddress| a.as_str().to_lowercase();
    let sender = mail.from.as_ref().map(|m| lower(&m.address));
    let ours: Vec<String> = ours.iter().map(lower).collect();
    let mut out: Vec<String> = Vec::new();
    for m in mail.to.iter().chain(&mail.cc) {
        let a = lower(&m.address);
        if ours.contains(&a) || sender.as_ref() == Some(&a) || out.contains(&a) {
            continue;
        }
        out.push(a);
    }
    out
}

/// The text stored as the message: the plain-text body, else a note that there was none.
pub fn message_body(mail: &InboundEmail) -> String {
    let t = mail.text.trim();
    if !t.is_empty() {
        return t.to_owned();
    }
    match &mail.html {
        Some(_) => "(HTML only — see the original)".to_owned(),
        None => "(empty message)".to_owned(),
    }
}

/// Decides what to store for `mail`, from its classification and the threading decision.
pub fn plan(
    mail: &InboundEmail,
    class: &Classification,
    decision: &ThreadDecision,
    token: PortalToken,
    now: DateTime<Utc>,
) -> IngestPlan {
    match class {
        Classification::Loop { .. } => return IngestPlan::Ignore { why: "loop" },
        Classification::Bounce { .. } => return IngestPlan::Ignore { why: "bounce" },
        Classification::AutoReply { .. } | Classification::Normal { .. } => {}
    }
    let Some(from) = &mail.from else {
        return IngestPlan::Ignore { why: "no_sender" };
    };
    let body = message_body(mail);
    match decision.target {
        ThreadTarget::Append(ticket) | ThreadTarget::AppendReopen(ticket) => {
            IngestPlan::Append { ticket, body }
        }
        ThreadTarget::New | ThreadTarget::NewLinkedTo(_) => {
            let subject = mail.subject.trim();
            IngestPlan::Create {
                draft: TicketDraft {
                    subject: if subject.is_empty() {
                        "(no subject)".to_owned()
                    } else {
                        subject.to_owned()
                    },
                    priority: Priority::Normal,
                    channel: Channel::Email,
                    group: None,
                    portal_token: token,
                    lang: Lang::default(),
                    now,
                },
                contact: ContactDraft {
                    name: from.name.clone(),
                    handles: vec![Handle::Email(from.address.clone())],
                },
                body,
            }
        }
    }
}

/// An outbound message of ours that a bounce reports as undeliverable (issue 3, point 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BouncedDelivery {
    /// The ticket the signed Message-ID names.
    pub ticket: TicketId,
    /// The message whose delivery failed.
    pub message: MessageId,
    /// The delivery error to record.
    pub error: String,
}

/// For a bounce naming one of our signed Message-IDs: which delivery to mark `failed`, and
/// why. `None` for any other mail, a bounce without the original id, or a foreign or forged id
/// (see [`super::token::parse_our_message_id`]).
pub fn bounced_delivery(
    class: &Classification,
    settings: &EmailSettings,
) -> Option<BouncedDelivery> {
    let Classification::Bounce {
        reason,
        original_message_id: Some(id),
    } = class
    else {
        return None;
    };
    let (ticket, message) =
        super::token::parse_our_message_id(id, &settings.secret, &settings.message_id_domain)?;
    let why = match reason {
        BounceReason::DeliveryReport => "delivery status report".to_owned(),
        BounceReason::MailerDaemon { sender } => format!("report from {sender}"),
        BounceReason::NullReturnPathPostmaster { sender } => format!("report from {sender}"),
    };
    Some(BouncedDelivery {
        ticket,
        message,
        error: format!("bounced: {why}"),
    })
}

/// Applies an inbound mail to the ticket it is appended to: a human's mail reopens a pending
/// or resolved ticket ([`Ticket::customer_replied`]); automatic mail changes nothing but the
/// thread. A closed ticket takes only a human's mail, and only when the receiving mailbox's
/// `policy` is [`ClosedTicketPolicy::Reopen`] ([`Ticket::reopen_on_reply`]); otherwise `None`:
/// start a new ticket linked to it instead ([`link_events`]).
pub fn append_events(
    ticket: &mut Ticket,
    class: &Classification,
    policy: ClosedTicketPolicy,
    now: DateTime<Utc>,
) -> Option<Vec<TicketEvent>> {
    if ticket.status == Status::Closed {
        if class.is_automatic() || policy != ClosedTicketPolicy::Reopen {
            return None;
        }
        return ticket.reopen_on_reply(now).ok();
    }
    if class.is_automatic() {
        return Some(Vec::new());
    }
    ticket.customer_replied(now).ok()
}

/// The history that links a new ticket started by a reply to a closed one (the default
/// [`ClosedTicketPolicy::NewLinked`]): for the new ticket "follow-up of the closed one", and
/// for the closed one "continued in the new one".
pub fn link_events(closed: &Ticket, new: &Ticket) -> (TicketEvent, TicketEvent) {
    (
        TicketEvent::FollowUpOf {
            ticket: closed.id,
            number: closed.number.clone(),
        },
        TicketEvent::ContinuedIn {
            ticket: new.id,
            number: new.number.clone(),
        },
    )
}

/// At most this many acknowledgements go to one address per [`ACK_WINDOW`] (issue 3, point
/// 5): a mail storm from one sender, or two systems answering each other, must not make us
/// send a storm back.
pub const ACKS_PER_WINDOW: i64 = 3;

/// The sliding window [`ACKS_PER_WINDOW`] counts in.
pub const ACK_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Where the acknowledgement window that ends at `now` starts.
pub fn ack_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - ACK_WINDOW
}

/// May intake acknowledge this mail automatically? Only when its classification allows it
/// ([`Classification::may_auto_acknowledge`]) and fewer than [`ACKS_PER_WINDOW`]
/// acknowledgements went (or are queued to go) to its sender since [`ack_window_start`].
pub fn may_auto_acknowledge(class: &Classification, recent_acks: i64) -> bool {
    class.may_auto_acknowledge() && recent_acks < ACKS_PER_WINDOW
}

/// The jobs an email intake's events imply: as [`jobs_for`], without the acknowledgement
/// when the mail may not be acknowledged automatically ([`may_auto_acknowledge`], given the
/// `recent_acks` to the sender the store counted), plus the owner's alert of a customer's
/// reply ([`crate::job::alert_jobs`]).
pub fn email_jobs(
    ticket: &Ticket,
    events: &[TicketEvent],
    class: &Classification,
    recent_acks: i64,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    let ack = may_auto_acknowledge(class, recent_acks);
    jobs_for(ticket, events, now)
        .into_iter()
        .filter(|j| ack || !matches!(j.kind, JobKind::SendAcknowledgement { .. }))
        .chain(crate::job::alert_jobs(
            ticket,
            events,
            crate::actor::ActorRef::Contact(ticket.contact_id),
            now,
        ))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::classify::tests::mail;
    use crate::email::classify::{AutoReplyReason, LoopReason};
    use crate::email::thread::ThreadReason;
    use crate::ticket::tests::{t0, ticket};

    fn token() -> PortalToken {
        PortalToken::from_random(&[7; 16]).unwrap()
    }

    fn decision(target: ThreadTarget) -> ThreadDecision {
        ThreadDecision {
            target,
            reason: ThreadReason::NoReference,
            notes: vec![],
        }
    }

    fn normal() -> Classification {
        Classification::Normal { no_ack: vec![] }
    }

    fn auto() -> Classification {
        Classification::AutoReply {
            reason: AutoReplyReason::AutoSubmitted {
                value: "auto-replied".into(),
            },
        }
    }

    #[test]
    fn a_new_mail_plans_an_email_ticket_for_its_sender() {
        let m = mail("ivan@example.ru", "  Не работает  ");
        match plan(&m, &normal(), &decision(ThreadTarget::New), token(), t0()) {
            IngestPlan::Create { draft, contact, .. } => {
                assert_eq!(draft.channel, Channel::Email);
                assert_eq!(draft.subject, "Не работает");
                assert_eq!(
                    contact.handles,
                    vec![Handle::Email(
                        EmailAddress::parse("ivan@example.ru").unwrap()
                    )]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn loops_bounces_and_senderless_mail_are_kept_without_a_ticket() {
        let m = mail("ivan@example.ru", "x");
        let looped = Classification::Loop {
            reason: LoopReason::FromOurAddress {
                address: EmailAddress::parse("support@acme.ru").unwrap(),
            },
        };
        let d = decision(ThreadTarget::New);
        assert_eq!(
            plan(&m, &looped, &d, token(), t0()),
            IngestPlan::Ignore { why: "loop" }
        );
        let mut no_from = m.clone();
        no_from.from = None;
        assert_eq!(
            plan(&no_from, &normal(), &d, token(), t0()),
            IngestPlan::Ignore { why: "no_sender" }
        );
    }

    #[test]
    fn a_bounce_of_our_signed_message_id_names_the_failed_delivery() {
        let settings = EmailSettings {
            secret: b"unit-secret".to_vec(),
            message_id_domain: "acme.ru".into(),
            ..EmailSettings::default()
        };
        let ours = crate::email::token::outgoing_message_id(
            TicketId(7),
            MessageId(42),
            &settings.secret,
            &settings.message_id_domain,
        );
        let bounce = |id: Option<&str>| Classification::Bounce {
            reason: BounceReason::DeliveryReport,
            original_message_id: id.map(str::to_owned),
        };
        assert_eq!(
            bounced_delivery(&bounce(Some(&ours)), &settings),
            Some(BouncedDelivery {
                ticket: TicketId(7),
                message: MessageId(42),
                error: "bounced: delivery status report".into(),
            })
        );
        assert_eq!(bounced_delivery(&bounce(None), &settings), None);
        assert_eq!(
            bounced_delivery(&bounce(Some("abc@elsewhere.example")), &settings),
            None
        );
        let forged = ours.replacen("ll.7.42.", "ll.7.43.", 1);
        assert_eq!(bounced_delivery(&bounce(Some(&forged)), &settings), None);
        assert_eq!(bounced_delivery(&normal(), &settings), None);
    }

    #[test]
    fn automatic_mail_neither_reopens_nor_gets_acknowledged() {
        let mut t = ticket();
        t.move_to(Status::Resolved, t0()).unwrap();
        let before = t.clone();
        let linked = ClosedTicketPolicy::NewLinked;
        assert_eq!(append_events(&mut t, &auto(), linked, t0()), Some(vec![]));
        assert_eq!(t, before);
        let events = append_events(&mut t, &normal(), linked, t0()).unwrap();
        assert_eq!(t.status, Status::Open);
        assert!(events.contains(&TicketEvent::CustomerReplied));
        t.move_to(Status::Resolved, t0()).unwrap();
        t.move_to(Status::Closed, t0()).unwrap();
        assert_eq!(append_events(&mut t, &normal(), linked, t0()), None);
        // Not even the reopen policy lets automatic mail reopen a closed ticket.
        let closed = t.clone();
        assert_eq!(
            append_events(&mut t, &auto(), ClosedTicketPolicy::Reopen, t0()),
            None
        );
        assert_eq!(t, closed);

        let fresh = ticket();
        let created = [TicketEvent::Created {
            channel: Channel::Email,
            priority: Priority::Normal,
        }];
        // One acknowledgement, the SLA clocks and the rules for a person's mail; automatic
        // mail gets no acknowledgement (rules still run: they never answer twice, see
        // `crate::rules`).
        let keys = |jobs: Vec<NewJob>| jobs.into_iter().map(|j| j.key).collect::<Vec<_>>();
        assert_eq!(
            keys(email_jobs(&fresh, &created, &normal(), 0, t0())),
            ["ack:1", "sla:1:1", "rules:1:1"]
        );
        assert_eq!(
            keys(email_jobs(&fresh, &created, &auto(), 0, t0())),
            ["sla:1:1", "rules:1:1"]
        );
    }

    #[test]
    fn a_reply_to_a_closed_ticket_reopens_it_only_under_the_reopen_policy() {
        let mut t = ticket();
        t.move_to(Status::Resolved, t0()).unwrap();
        t.move_to(Status::Closed, t0()).unwrap();
        let events = append_events(&mut t, &normal(), ClosedTicketPolicy::Reopen, t0()).unwrap();
        assert_eq!(t.status, Status::Open);
        assert!(events.contains(&TicketEvent::ReopenedByReply), "{events:?}");
        assert!(events.contains(&TicketEvent::CustomerReplied), "{events:?}");

        let closed = ticket();
        let mut new = ticket();
        new.id = TicketId(2);
        new.number = crate::ids::TicketNumber::new(&NumberPrefix::default(), 1002);
        let (follow, continued) = link_events(&closed, &new);
        assert_eq!(
            follow,
            TicketEvent::FollowUpOf {
                ticket: closed.id,
                number: closed.number.clone()
            }
        );
        assert_eq!(
            continued,
            TicketEvent::ContinuedIn {
                ticket: TicketId(2),
                number: new.number.clone()
            }
        );
    }

    #[test]
    fn the_same_mail_is_recognised_by_id_sender_and_date_together() {
        let m = mail("ivan@example.ru", "x");
        let key = arrival_key(&m);
        assert!(key.is_some());
        let mut other_sender = m.clone();
        other_sender.from = mail("petr@example.ru", "x").from;
        assert_ne!(arrival_key(&other_sender), key);
        let mut other_date = m.clone();
        other_date.date = Some(t0() + chrono::TimeDelta::seconds(1));
        assert_ne!(arrival_key(&other_date), arrival_key(&m));
        let mut no_id = m.clone();
        no_id.message_id = None;
        assert_eq!(arrival_key(&no_id), None);
        for o in [
            IngestOutcome::Created,
            IngestOutcome::Duplicate,
            IngestOutcome::DeadLetter,
        ] {
            assert_eq!(IngestOutcome::parse(o.as_str()), Some(o));
        }
    }

    #[test]
    fn cc_and_foreign_to_addresses_become_participants() {
        let mut m = mail("Ivan@Example.ru", "x");
        let person = |a: &str| crate::email::inbound::Mailbox {
            name: String::new(),
            address: EmailAddress::parse(a).unwrap(),
        };
        m.to.push(person("Olga@Example.ru"));
        m.cc = vec![
            person("sales@acme.ru"),
            person("olga@example.ru"),
            person("ivan@example.ru"),
            person("petr@example.ru"),
        ];
        let ours = [
            EmailAddress::parse("support@acme.ru").unwrap(),
            EmailAddress::parse("sales@acme.ru").unwrap(),
        ];
        assert_eq!(
            participants(&m, &ours),
            vec!["olga@example.ru".to_owned(), "petr@example.ru".to_owned()]
        );
    }

    #[test]
    fn attachments_over_the_limit_are_described_but_not_stored() {
        let mut m = mail("ivan@example.ru", "x");
        let part = |name: &str, size: i64, inline: bool| crate::email::inbound::EmailAttachment {
            filename: name.into(),
            content_type: "image/png".into(),
            size,
            sha256: format!("{name}-sha"),
            content_id: inline.then(|| format!("{name}@cid")),
            inline,
        };
        m.attachments = vec![part("a", 3, false), part("b", 5, true), part("c", 2, false)];
        let content = MailContent {
            attachments: vec![vec![1; 3], vec![2; 5], vec![3; 1]],
            html: None,
        };
        let metas = attachment_metas(&m, &content, 4);
        let stored: Vec<(bool, bool, Option<usize>)> = metas
            .iter()
            .map(|(a, b)| (a.stored, a.inline, b.map(<[u8]>::len)))
            .collect();
        assert_eq!(
            stored,
            vec![
                (true, false, Some(3)),
                (false, true, None),
                (false, false, None)
            ]
        );
        assert_eq!(metas[1].0.size, 5);
        assert!(
            attachment_metas(&m, &MailContent::default(), 100)
                .iter()
                .all(|(a, _)| !a.stored)
        );
        assert_eq!(
            EmailSettings::default().attachment_max_bytes,
            25 * 1024 * 1024
        );
    }

    #[test]
    fn acknowledgements_to_one_address_are_rate_limited() {
        assert!(may_auto_acknowledge(&normal(), 0));
        assert!(may_auto_acknowledge(&normal(), ACKS_PER_WINDOW - 1));
        assert!(!may_auto_acknowledge(&normal(), ACKS_PER_WINDOW));
        assert!(!may_auto_acknowledge(&auto(), 0));
        assert_eq!(ack_window_start(t0()), t0() - chrono::TimeDelta::hours(1));
        let fresh = ticket();
        let created = [TicketEvent::Created {
            channel: Channel::Email,
            priority: Priority::Normal,
        }];
        let acks = |recent| {
            email_jobs(&fresh, &created, &normal(), recent, t0())
                .into_iter()
                .filter(|j| matches!(j.kind, JobKind::SendAcknowledgement { .. }))
                .count()
        };
        assert_eq!(acks(ACKS_PER_WINDOW), 0);
        assert_eq!(acks(ACKS_PER_WINDOW - 1), 1);
    }
}
