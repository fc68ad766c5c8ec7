//! Outbound email (issue 3, point 6): which messages leave by email, the state of their
//! delivery, and the mail the core composes for the SMTP adapter.
//!
//! Flow: an outbound public message stored on an [`Channel::Email`] ticket (an agent's reply,
//! or the acknowledgement the system posts) gets `delivery = pending` and a
//! [`JobKind::DeliverEmail`] job in the same transaction ([`delivers_by_email`],
//! [`deliver_job`]). The worker runs the job: [`compose`] builds the mail, the
//! [`Mailer`](crate::ports::Mailer) port sends it, and the message is marked `sent`.
//!
//! Invariants:
//! - The mail's `Message-ID` is our signed id of the stored message
//!   ([`super::outgoing_message_id`]), fixed per message: a resend after a crash between the
//!   SMTP acceptance and the `sent` mark carries the same id, so clients and our own intake
//!   recognise it.
//! - `In-Reply-To` is the customer's latest Message-ID on the ticket and `References` the
//!   ticket's known ids (oldest first, at most [`MAX_REFERENCES`]), so the customer's client
//!   threads the reply; the body ends with the signed [`super::body_marker`] for clients that
//!   drop those headers.
//! - Mail the system writes on its own (author [`ActorRef::System`]) carries
//!   `Auto-Submitted: auto-replied` ([RFC 3834](https://www.rfc-editor.org/rfc/rfc3834)).
//! - A person's reply goes to the contact with the ticket's participants (the people the
//!   customer had in Cc) in `Cc` ([`copy_recipients`]: never our own mailboxes, never the
//!   contact again), so the conversation stays with everyone it started with (issue 3,
//!   point 7). Mail the system writes on its own goes to the contact alone.
//! - A failed attempt leaves the message `pending` with the error; only the last attempt
//!   marks it `failed` ([`delivery_after_failure`]). A permanent refusal ([`SendError`] with
//!   `permanent`: an SMTP 5xx reply, a mail that cannot be built) marks it `failed` at once
//!   and fails its job without retry, the server's reply kept as the error; a temporary
//!   one (4xx, no connection, TLS trouble, no SMTP server configured) is retried.

use crate::actor::ActorRef;
use crate::email::ingest::EmailSettings;
use crate::email::token::{body_marker, outgoing_message_id};
use crate::ids::{EmailAddress, MessageId, TicketId};
use crate::job::{DEFAULT_MAX_ATTEMPTS, Job, JobKind, NewJob};
use crate::message::{Direction, Message, MessageDraft, Visibility};
use crate::ticket::{Channel, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many ids go into `References` (the newest ones).
pub const MAX_REFERENCES: usize = 10;

/// Why the [`Mailer`](crate::ports::Mailer) did not hand a mail over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Trying again cannot help (an SMTP 5xx reply such as "550 user unknown", or a mail
    /// that cannot be built): the job fails for good. `false`: a 4xx reply, no connection,
    /// a TLS failure, no SMTP server — retried with backoff.
    pub permanent: bool,
    /// The reason (the server's reply where there is one), for logs, the job's `last_error`
    /// and the message's delivery error.
    pub reason: String,
}

impl SendError {
    /// A failure worth retrying.
    pub fn temporary(reason: impl Into<String>) -> Self {
        Self {
            permanent: false,
            reason: reason.into(),
        }
    }

    /// A refusal that retrying cannot change.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            permanent: true,
            reason: reason.into(),
        }
    }
}

/// A failure described only in words is temporary (retried), as before permanence existed.
impl From<String> for SendError {
    fn from(reason: String) -> Self {
        Self::temporary(reason)
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Where an outbound email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for (another) attempt.
    Pending,
    /// The SMTP server accepted it.
    Sent,
    /// Every attempt failed; visible on the message.
    Failed,
}

impl DeliveryState {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The delivery of one outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The message.
    pub message_id: MessageId,
    /// Where it stands.
    pub state: DeliveryState,
    /// The last failure (kept while pending, and when failed).
    pub error: Option<String>,
    /// The Message-ID it was sent with.
    pub email_message_id: Option<String>,
}

/// Whether a message about to be stored on `ticket` leaves by email.
pub fn delivers_by_email(ticket: &Ticket, m: &MessageDraft) -> bool {
    (ticket.channel == Channel::Email || m.by_email)
        && m.direction == Direction::Outbound
        && m.visibility == Visibility::Public
}

/// The job that delivers stored message `message` of `ticket` by email.
pub fn deliver_job(ticket: TicketId, message: MessageId, now: DateTime<Utc>) -> NewJob {
    NewJob {
        key: format!("deliver_email:{message}"),
        kind: JobKind::DeliverEmail {
            ticket_id: ticket,
            message_id: message,
        },
        run_at: now,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

/// The delivery state after a failed attempt of `job`: `failed` once it was the last one.
pub fn delivery_after_failure(job: &Job) -> DeliveryState {
    if job.attempts >= job.max_attempts {
        DeliveryState::Failed
    } else {
        DeliveryState::Pending
    }
}

/// A mail ready for the SMTP adapter (which adds `From` for the mailbox and `Date`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    /// The mailbox to send from (the one the customer last wrote to; `None`: the default).
    pub mailbox: Option<String>,
    /// Recipient.
    pub to: EmailAddress,
    /// Copied recipients (the ticket's participants; empty for automatic mail).
    pub cc: Vec<EmailAddress>,
    /// Subject.
    pub subject: String,
    /// Our signed Message-ID, without angle brackets.
    pub message_id: String,
    /// The id answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread's ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// `Auto-Submitted: auto-replied` (mail the system sent on its own).
    pub auto_submitted: bool,
    /// Plain-text body, ending with the body marker.
    pub body: String,
}

/// Who is copied on a reply: the ticket's `participants` that parse as addresses, minus our
/// own addresses (`settings.our_addresses`) and the contact's (`contact`), each once, in the
/// order given (case-insensitive).
pub fn copy_recipients(
    participants: &[String],
    contact: &[EmailAddress],
    settings: &EmailSettings,
) -> Vec<EmailAddress> {
    let lower = |a: &EmailAddress| a.as_str().to_lowercase();
    let skip: Vec<String> = contact
        .iter()
        .chain(&settings.our_addresses)
        .map(lower)
        .collect();
    let mut out: Vec<EmailAddress> = Vec::new();
    for p in participants {
        let Ok(a) = EmailAddress::parse(p) else {
            continue;
        };
        let l = lower(&a);
        if skip.contains(&l) || out.iter().any(|o| lower(o) == l) {
            continue;
        }
        out.push(a);
    }
    out
}

/// Composes the mail for stored `message` of `ticket`, sent to `to` (copying `cc`, see
/// [`copy_recipients`], unless the system wrote it) from `mailbox`. `thread_ids` are the
/// Message-IDs the ticket's inbound mails had, oldest first.
pub fn compose(
    ticket: &Ticket,
    message: &Message,
    to: EmailAddress,
    cc: Vec<EmailAddress>,
    mailbox: Option<String>,
    thread_ids: &[String],
    settings: &EmailSettings,
) -> OutgoingEmail {
    let auto_submitted = message.author == ActorRef::System;
    // A customer notice (crate::notices) is automatic but no acknowledgement: it keeps the
    // thread's reply subject.
    let notice = auto_submitted
        && crate::notices::is_notice_text(&message.body, ticket.lang, &ticket.number);
    let cc = if auto_submitted { Vec::new() } else { cc };
    let strip = |s: &String| {
        s.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned()
    };
    let references: Vec<String> = thread_ids
        .iter()
        .skip(thread_ids.len().saturating_sub(MAX_REFERENCES))
        .map(strip)
        .collect();
    OutgoingEmail {
        mailbox,
        to,
        cc,
        subject: crate::notify::email_subject(
            ticket.lang,
            &ticket.number,
            &ticket.subject,
            auto_submitted && !notice,
        ),
        message_id: outgoing_message_id(
            ticket.id,
            message.id,
            &settings.secret,
            &settings.message_id_domain,
        ),
        in_reply_to: references.last().cloned(),
        references,
        auto_submitted,
        body: format!(
            "{}\n\n{}\n",
            message.body.trim_end(),
            body_marker(ticket.id, &settings.secret)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::token::parse_our_message_id;
    use crate::ids::AgentId;
    use crate::ticket::tests::{t0, ticket};

    fn settings() -> EmailSettings {
        EmailSettings {
            secret: vec![9; 32],
            message_id_domain: "lossless.test".into(),
            ..EmailSettings::default()
        }
    }

    fn message(author: ActorRef) -> Message {
        Message {
            id: MessageId(77),
            ticket_id: TicketId(1),
            direction: Direction::Outbound,
            visibility: Visibility::Public,
            author,
            body: "Готово.\n".into(),
            attachments: vec![],
            created_at: t0(),
        }
    }

    #[test]
    fn only_public_outbound_messages_on_email_tickets_leave_by_email() {
        let mut t = ticket();
        let reply = MessageDraft::reply(ActorRef::Agent(AgentId(1)), "x".into());
        let note = MessageDraft::note(ActorRef::Agent(AgentId(1)), "x".into());
        t.channel = Channel::Email;
        assert!(delivers_by_email(&t, &reply));
        assert!(!delivers_by_email(&t, &note));
        t.channel = Channel::WebForm;
        assert!(!delivers_by_email(&t, &reply));
        assert!(delivers_by_email(&t, &reply.clone().sent_by_email()));
        assert!(!delivers_by_email(&t, &note.sent_by_email()));
        let j = deliver_job(TicketId(1), MessageId(5), t0());
        assert_eq!(j.key, "deliver_email:5");
    }

    #[test]
    fn a_reply_threads_under_the_customers_mail_and_carries_our_ids() {
        let mut t = ticket();
        t.channel = Channel::Email;
        let to = EmailAddress::parse("ivan@customer.test").unwrap();
        let ids: Vec<String> = (0..12).map(|i| format!("<m{i}@customer.test>")).collect();
        let m = compose(
            &t,
            &message(ActorRef::Agent(AgentId(1))),
            to,
            vec![],
            Some("support".into()),
            &ids,
            &settings(),
        );
        assert!(m.subject.starts_with("Re: [#LL-"), "{}", m.subject);
        assert_eq!(m.mailbox.as_deref(), Some("support"));
        assert_eq!(m.in_reply_to.as_deref(), Some("m11@customer.test"));
        assert_eq!(m.references.len(), MAX_REFERENCES);
        assert_eq!(m.references[0], "m2@customer.test");
        assert!(!m.auto_submitted);
        assert_eq!(
            parse_our_message_id(&m.message_id, &[9; 32], "lossless.test"),
            Some((t.id, MessageId(77)))
        );
        assert!(m.body.starts_with("Готово.\n\n[ref:LL-"));
        let ack = compose(
            &t,
            &message(ActorRef::System),
            EmailAddress::parse("ivan@customer.test").unwrap(),
            vec![EmailAddress::parse("olga@customer.test").unwrap()],
            None,
            &[],
            &settings(),
        );
        assert!(ack.auto_submitted);
        assert!(ack.cc.is_empty(), "automatic mail copies nobody");
        assert!(ack.subject.starts_with("[#LL-"), "{}", ack.subject);
        assert_eq!(ack.in_reply_to, None);
        let mut notice = message(ActorRef::System);
        notice.body = crate::notices::CustomerNotice::Resolved.text(t.lang, &t.number);
        let notice = compose(
            &t,
            &notice,
            EmailAddress::parse("ivan@customer.test").unwrap(),
            vec![],
            None,
            &[],
            &settings(),
        );
        assert!(notice.auto_submitted);
        assert!(
            notice.subject.starts_with("Re: [#LL-"),
            "a notice keeps the reply subject: {}",
            notice.subject
        );
    }

    #[test]
    fn replies_copy_the_participants_but_not_us_or_the_contact() {
        let mut s = settings();
        s.our_addresses = vec![
            EmailAddress::parse("support@lossless.test").unwrap(),
            EmailAddress::parse("sales@lossless.test").unwrap(),
        ];
        let contact = [
            EmailAddress::parse("ivan@customer.test").unwrap(),
            EmailAddress::parse("ivan@home.test").unwrap(),
        ];
        let participants: Vec<String> = [
            "olga@customer.test",
            "Sales@Lossless.test",
            "IVAN@home.test",
            "not an address",
            "petr@customer.test",
            "Olga@Customer.test",
        ]
        .map(str::to_owned)
        .to_vec();
        let cc = copy_recipients(&participants, &contact, &s);
        let cc: Vec<&str> = cc.iter().map(EmailAddress::as_str).collect();
        assert_eq!(cc, ["olga@customer.test", "petr@customer.test"]);

        let mut t = ticket();
        t.channel = Channel::Email;
        let olga = EmailAddress::parse("olga@customer.test").unwrap();
        let m = compose(
            &t,
            &message(ActorRef::Agent(AgentId(1))),
            contact[0].clone(),
            vec![olga.clone()],
            None,
            &[],
            &s,
        );
        assert_eq!(m.cc, vec![olga]);
    }
}
