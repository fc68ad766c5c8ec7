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
//!    sha-256 within the mailbox; stores the raw bytes; resolves [`super::lookups`] into a
//!    [`super::ThreadContext`]; calls [`super::thread()`] and [`plan`]; creates or appends;
//!    writes history, jobs, Message-IDs and the receipt; advances the mailbox cursor.
//! 3. Only after that commit does the adapter mark the mail `\Seen` on the server.
//!
//! Invariants: every fetched mail leaves exactly one receipt (with the reason of what became
//! of it) and its raw bytes; automatic mail never gets an acknowledgement and never reopens
//! a ticket; a closed ticket is never written into (a new ticket is started instead).

use crate::contact::{ContactDraft, Handle};
use crate::email::classify::Classification;
use crate::email::inbound::InboundEmail;
use crate::email::thread::{ClosedTicketPolicy, ThreadDecision, ThreadTarget};
use crate::ids::{EmailAddress, Lang, NumberPrefix, PortalToken, TicketId};
use crate::job::{JobKind, NewJob, jobs_for};
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

/// Installation facts the email intake needs (secret for signed ids, our identity).
/// Its `Debug` output hides the secret.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct EmailSettings {
    /// The reference secret (see [`super::token`]).
    pub secret: Vec<u8>,
    /// Our Message-ID domain.
    pub message_id_domain: String,
    /// Our own addresses (loop detection).
    pub our_addresses: Vec<EmailAddress>,
    /// What replies to closed tickets do.
    pub closed_policy: ClosedTicketPolicy,
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("secret", &"…")
            .field("message_id_domain", &self.message_id_domain)
            .field("our_addresses", &self.our_addresses)
            .field("closed_policy", &self.closed_policy)
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
}

impl IngestOutcome {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            IngestOutcome::Created => "created",
            IngestOutcome::Appended => "appended",
            IngestOutcome::Ignored => "ignored",
            IngestOutcome::DeadLetter => "dead_letter",
        }
    }
    /// From storage.
    pub fn parse(s: &str) -> Option<Self> {
        [
            IngestOutcome::Created,
            IngestOutcome::Appended,
            IngestOutcome::Ignored,
            IngestOutcome::DeadLetter,
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

/// Applies an inbound mail to the ticket it is appended to: a human's mail reopens a pending
/// or resolved ticket ([`Ticket::customer_replied`]); automatic mail changes nothing but the
/// thread. `None` when the ticket is closed (start a new ticket instead).
pub fn append_events(
    ticket: &mut Ticket,
    class: &Classification,
    now: DateTime<Utc>,
) -> Option<Vec<TicketEvent>> {
    if ticket.status == Status::Closed {
        return None;
    }
    if class.is_automatic() {
        return Some(Vec::new());
    }
    ticket.customer_replied(now).ok()
}

/// The jobs an email intake's events imply: as [`jobs_for`], without the acknowledgement
/// when the mail may not be acknowledged automatically.
pub fn email_jobs(
    ticket: &Ticket,
    events: &[TicketEvent],
    class: &Classification,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    let ack = class.may_auto_acknowledge();
    jobs_for(ticket, events, now)
        .into_iter()
        .filter(|j| ack || !matches!(j.kind, JobKind::SendAcknowledgement { .. }))
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
    fn automatic_mail_neither_reopens_nor_gets_acknowledged() {
        let mut t = ticket();
        t.move_to(Status::Resolved, t0()).unwrap();
        let before = t.clone();
        assert_eq!(append_events(&mut t, &auto(), t0()), Some(vec![]));
        assert_eq!(t, before);
        let events = append_events(&mut t, &normal(), t0()).unwrap();
        assert_eq!(t.status, Status::Open);
        assert!(events.contains(&TicketEvent::CustomerReplied));
        t.move_to(Status::Resolved, t0()).unwrap();
        t.move_to(Status::Closed, t0()).unwrap();
        assert_eq!(append_events(&mut t, &normal(), t0()), None);

        let fresh = ticket();
        let created = [TicketEvent::Created {
            channel: Channel::Email,
            priority: Priority::Normal,
        }];
        assert_eq!(email_jobs(&fresh, &created, &normal(), t0()).len(), 1);
        assert!(email_jobs(&fresh, &created, &auto(), t0()).is_empty());
    }
}
