//! Which ticket does an inbound mail belong to? [`thread`] decides from the mail and a
//! [`ThreadContext`] the store filled in beforehand (pure: no lookups happen here), and
//! always says why ([`ThreadReason`], plus [`ThreadNote`]s for evidence it passed over).
//!
//! ## Order (first usable match wins; issue 3, point 4)
//! 1. **Our signed Message-IDs** in `In-Reply-To`/`References` ([`super::token`]): a valid
//!    MAC proves we sent that message for that ticket. A token with a wrong MAC is ignored
//!    (noted as forged).
//! 2. **Any stored Message-ID** in `In-Reply-To`/`References` (`known_message_ids`). An id
//!    the store knows under two different tickets (Message-IDs are not unique in the wild)
//!    proves nothing: it is skipped and noted as ambiguous.
//! 3. **Our signed body marker** in the text, then the HTML ([`super::token::body_marker`]),
//!    for clients that drop the headers.
//! 4. **The ticket number in the subject** ([`subject_number`]), **only** when the sender
//!    (`From`) is the ticket's contact or a participant. Otherwise the mail starts a new
//!    ticket and the reason says the number was ignored: a stranger must never be able to
//!    write into someone else's ticket by copying its number.
//! 5. Otherwise a **new ticket**.
//!
//! In steps 1 and 2 ids are tried most recent first: `In-Reply-To`, then `References` from
//! last to first (each id once). The mail's own `Message-ID` is never used for threading.
//!
//! ## Existence and closed tickets
//! `ticket_statuses` must hold the status of every ticket the store found for the mail's
//! candidates ([`lookups`] lists them); a ticket absent there does not exist (deleted, or a
//! reference signed for another installation with the same secret) and is skipped with a
//! note. When the chosen ticket is **closed** (final in [`crate::ticket`]), the mailbox's
//! [`ClosedTicketPolicy`] decides: append and reopen it, or start a new ticket linked to it.
//! Resolved tickets are appended to as usual (they reopen when the customer writes).
//!
//! Invariants: pure and total (never panics); every decision carries the rule that made it.

use crate::email::inbound::InboundEmail;
use crate::email::token::{TokenCheck, check_message_id, scan_body_markers};
use crate::ids::{EmailAddress, MessageId, NumberPrefix, TicketId, TicketNumber};
use crate::ticket::Status;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What to do with a reply to a closed ticket (per mailbox).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedTicketPolicy {
    /// Append the mail and reopen the ticket.
    Reopen,
    /// Start a new ticket linked to the closed one (default: closed is final).
    #[default]
    NewLinked,
}

/// The ticket named by the number in the subject, as the store found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectTicket {
    /// The ticket.
    pub ticket: TicketId,
    /// Its number (must equal the number in the subject, else it is ignored).
    pub number: TicketNumber,
    /// The addresses of the ticket's contact.
    pub contact_addresses: Vec<EmailAddress>,
    /// The addresses of the ticket's other participants (CC'd people …).
    pub participant_addresses: Vec<EmailAddress>,
    /// Its status.
    pub status: Status,
}

/// Everything [`thread`] needs, resolved by the store beforehand (see [`lookups`]).
/// Its `Debug` output hides the secret.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ThreadContext {
    /// The installation's reference secret (see [`super::token`]).
    pub secret: Vec<u8>,
    /// Our Message-ID domain.
    pub domain: String,
    /// For the ids of the mail's `In-Reply-To`/`References` that the store knows: the ticket
    /// of each stored message with that id (one id may appear under several tickets).
    pub known_message_ids: Vec<(String, TicketId)>,
    /// The ticket with the number found in the subject, if it exists.
    pub subject_ticket: Option<SubjectTicket>,
    /// The ticket-number prefix of this installation.
    pub number_prefix: NumberPrefix,
    /// The status of every existing ticket among the candidates.
    pub ticket_statuses: Vec<(TicketId, Status)>,
    /// The receiving mailbox's rule for closed tickets.
    pub closed_policy: ClosedTicketPolicy,
}

impl fmt::Debug for ThreadContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadContext")
            .field("secret", &"…")
            .field("domain", &self.domain)
            .field("known_message_ids", &self.known_message_ids)
            .field("subject_ticket", &self.subject_ticket)
            .field("number_prefix", &self.number_prefix)
            .field("ticket_statuses", &self.ticket_statuses)
            .field("closed_policy", &self.closed_policy)
            .finish()
    }
}

/// What the store has to look up before calling [`thread`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreadLookups {
    /// Ids from `In-Reply-To` and `References` (brackets stripped, each once, most recent
    /// first): find the stored messages with these ids → `known_message_ids`.
    pub message_ids: Vec<String>,
    /// Tickets named by authentic tokens and body markers: their statuses →
    /// `ticket_statuses` (together with the tickets of `known_message_ids`).
    pub signed_tickets: Vec<TicketId>,
    /// The number in the subject: the ticket, its contact and participants →
    /// `subject_ticket`.
    pub subject_number: Option<TicketNumber>,
}

/// The header a reference id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefHeader {
    /// `In-Reply-To`.
    InReplyTo,
    /// `References`.
    References,
}

/// Where the mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "ticket", rename_all = "snake_case")]
pub enum ThreadTarget {
    /// Append to this (not closed) ticket.
    Append(TicketId),
    /// Append to this closed ticket and reopen it ([`ClosedTicketPolicy::Reopen`]).
    AppendReopen(TicketId),
    /// Start a new ticket.
    New,
    /// Start a new ticket linked to this closed one ([`ClosedTicketPolicy::NewLinked`]).
    NewLinkedTo(TicketId),
}

/// How the sender relates to the ticket named in the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderRole {
    /// The ticket's contact.
    Contact,
    /// A participant (CC'd person …).
    Participant,
}

/// The rule that decided (shown to agents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ThreadReason {
    /// Step 1: one of our signed Message-IDs.
    SignedMessageId {
        /// The header it was in.
        header: RefHeader,
        /// The id.
        message_id: String,
        /// The ticket it names.
        ticket: TicketId,
        /// Our message it names.
        message: MessageId,
    },
    /// Step 2: a stored Message-ID.
    KnownMessageId {
        /// The header it was in.
        header: RefHeader,
        /// The id.
        message_id: String,
        /// The ticket of the stored message.
        ticket: TicketId,
    },
    /// Step 3: our signed body marker.
    BodyMarker {
        /// The marker as found.
        marker: String,
        /// The ticket it names.
        ticket: TicketId,
    },
    /// Step 4: the number in the subject, from the contact or a participant.
    SubjectNumber {
        /// The number.
        number: TicketNumber,
        /// Its ticket.
        ticket: TicketId,
        /// The sender.
        sender: EmailAddress,
        /// The sender's role.
        role: SenderRole,
    },
    /// Step 4 refused: the subject names a ticket, but the sender is neither its contact
    /// nor a participant → a new ticket.
    SubjectNumberIgnored {
        /// The number.
        number: TicketNumber,
        /// Its ticket.
        ticket: TicketId,
        /// The sender (none when the mail has no usable `From`).
        sender: Option<EmailAddress>,
    },
    /// Step 5: nothing usable referred to a ticket → a new ticket.
    NoReference,
}

/// Evidence passed over on the way to the decision (shown to agents with the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ThreadNote {
    /// An id shaped like our signed ids with a wrong MAC (forged, or an old secret).
    ForgedMessageId {
        /// The header it was in.
        header: RefHeader,
        /// The id.
        message_id: String,
    },
    /// A body marker with a wrong MAC.
    ForgedBodyMarker {
        /// The marker as found.
        marker: String,
    },
    /// A stored id that belongs to several tickets, so it proves nothing.
    AmbiguousMessageId {
        /// The header it was in.
        header: RefHeader,
        /// The id.
        message_id: String,
        /// The tickets it is stored under.
        tickets: Vec<TicketId>,
    },
    /// A reference to a ticket the store does not have.
    UnknownTicket {
        /// The ticket.
        ticket: TicketId,
    },
    /// A number in the subject that names no ticket of ours.
    UnknownTicketNumber {
        /// The number.
        number: TicketNumber,
    },
}

/// The decision: where the mail goes and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDecision {
    /// Where the mail goes.
    pub target: ThreadTarget,
    /// The rule that decided.
    pub reason: ThreadReason,
    /// Evidence passed over (forged tokens, ambiguous ids, unknown tickets), in the order met.
    pub notes: Vec<ThreadNote>,
}

/// The reference ids of a mail, most recent first: `In-Reply-To`, then `References` from
/// last to first; brackets stripped, empty ids dropped, each id once.
pub fn reference_ids(mail: &InboundEmail) -> Vec<(RefHeader, String)> {
    let in_reply_to = mail.in_reply_to.iter().map(|id| (RefHeader::InReplyTo, id));
    let references = mail
        .references
        .iter()
        .rev()
        .map(|id| (RefHeader::References, id));
    let mut out: Vec<(RefHeader, String)> = Vec::new();
    for (header, id) in in_reply_to.chain(references) {
        let id = strip_brackets(id);
        if !id.is_empty() && !out.iter().any(|(_, seen)| seen == id) {
            out.push((header, id.to_owned()));
        }
    }
    out
}

/// What the store must resolve into a [`ThreadContext`] for `mail`.
pub fn lookups(
    mail: &InboundEmail,
    secret: &[u8],
    domain: &str,
    prefix: &NumberPrefix,
) -> ThreadLookups {
    let refs = reference_ids(mail);
    let mut signed_tickets: Vec<TicketId> = Vec::new();
    let tokens = refs
        .iter()
        .filter_map(|(_, id)| match check_message_id(id, secret, domain) {
            TokenCheck::Valid(t, _) => Some(t),
            TokenCheck::Foreign | TokenCheck::BadMac => None,
        });
    let markers = body_texts(mail)
        .flat_map(|text| scan_body_markers(text, secret))
        .filter(|m| m.authentic)
        .map(|m| m.ticket);
    for t in tokens.chain(markers) {
        if !signed_tickets.contains(&t) {
            signed_tickets.push(t);
        }
    }
    ThreadLookups {
        message_ids: refs.into_iter().map(|(_, id)| id).collect(),
        signed_tickets,
        subject_number: subject_number(&mail.subject, prefix),
    }
}

/// Decides which ticket `mail` belongs to (see the module doc for the order).
pub fn thread(mail: &InboundEmail, ctx: &ThreadContext) -> ThreadDecision {
    let mut notes = Vec::new();
    let status_of = |t: TicketId| {
        ctx.ticket_statuses
            .iter()
            .find(|(id, _)| *id == t)
            .map(|(_, s)| *s)
    };
    let decide = |ticket: TicketId, status: Status, reason: ThreadReason, notes| {
        let target = match (status, ctx.closed_policy) {
            (Status::Closed, ClosedTicketPolicy::Reopen) => ThreadTarget::AppendReopen(ticket),
            (Status::Closed, ClosedTicketPolicy::NewLinked) => ThreadTarget::NewLinkedTo(ticket),
            _ => ThreadTarget::Append(ticket),
        };
        ThreadDecision {
            target,
            reason,
            notes,
        }
    };
    let refs = reference_ids(mail);

    // 1. Our signed Message-IDs.
    for (header, id) in &refs {
        match check_message_id(id, &ctx.secret, &ctx.domain) {
            TokenCheck::Valid(ticket, message) => match status_of(ticket) {
                Some(status) => {
                    let reason = ThreadReason::SignedMessageId {
                        header: *header,
                        message_id: id.clone(),
                        ticket,
                        message,
                    };
                    return decide(ticket, status, reason, notes);
                }
                None => push_once(&mut notes, ThreadNote::UnknownTicket { ticket }),
            },
            TokenCheck::BadMac => notes.push(ThreadNote::ForgedMessageId {
                header: *header,
                message_id: id.clone(),
            }),
            TokenCheck::Foreign => {}
        }
    }

    // 2. Stored Message-IDs.
    for (header, id) in &refs {
        let mut tickets: Vec<TicketId> = Vec::new();
        for (known, t) in &ctx.known_message_ids {
            if strip_brackets(known) == id && !tickets.contains(t) {
                tickets.push(*t);
            }
        }
        match tickets[..] {
            [] => {}
            [ticket] => match status_of(ticket) {
                Some(status) => {
                    let reason = ThreadReason::KnownMessageId {
                        header: *header,
                        message_id: id.clone(),
                        ticket,
                    };
                    return decide(ticket, status, reason, notes);
                }
                None => push_once(&mut notes, ThreadNote::UnknownTicket { ticket }),
            },
            _ => notes.push(ThreadNote::AmbiguousMessageId {
                header: *header,
                message_id: id.clone(),
                tickets,
            }),
        }
    }

    // 3. Our signed body marker.
    for marker in body_texts(mail).flat_map(|text| scan_body_markers(text, &ctx.secret)) {
        if !marker.authentic {
            push_once(
                &mut notes,
                ThreadNote::ForgedBodyMarker {
                    marker: marker.text,
                },
            );
            continue;
        }
        match status_of(marker.ticket) {
            Some(status) => {
                let reason = ThreadReason::BodyMarker {
                    marker: marker.text,
                    ticket: marker.ticket,
                };
                return decide(marker.ticket, status, reason, notes);
            }
            None => push_once(
                &mut notes,
                ThreadNote::UnknownTicket {
                    ticket: marker.ticket,
                },
            ),
        }
    }

    // 4. The number in the subject, only from the contact or a participant.
    if let Some(number) = subject_number(&mail.subject, &ctx.number_prefix) {
        match &ctx.subject_ticket {
            Some(st) if st.number == number => {
                let sender = mail.from.as_ref().map(|m| &m.address);
                let role = sender.and_then(|s| {
                    if st.contact_addresses.iter().any(|a| same_address(a, s)) {
                        Some(SenderRole::Contact)
                    } else if st.participant_addresses.iter().any(|a| same_address(a, s)) {
                        Some(SenderRole::Participant)
                    } else {
                        None
                    }
                });
                return match (sender, role) {
                    (Some(sender), Some(role)) => {
                        let reason = ThreadReason::SubjectNumber {
                            number,
                            ticket: st.ticket,
                            sender: sender.clone(),
                            role,
                        };
                        decide(st.ticket, st.status, reason, notes)
                    }
                    _ => ThreadDecision {
                        target: ThreadTarget::New,
                        reason: ThreadReason::SubjectNumberIgnored {
                            number,
                            ticket: st.ticket,
                            sender: sender.cloned(),
                        },
                        notes,
                    },
                };
            }
            _ => notes.push(ThreadNote::UnknownTicketNumber { number }),
        }
    }

    // 5. A new ticket.
    ThreadDecision {
        target: ThreadTarget::New,
        reason: ThreadReason::NoReference,
        notes,
    }
}

/// Finds our ticket number in a subject: `[#LL-1042]`, `[LL-1042]`, `№LL-1042` or
/// `№ LL-1042`, anywhere (so `Re:`/`Fwd:`/`Ответ:`/`Пересл:` prefixes do not matter), with
/// the prefix matched case-insensitively. The leftmost match wins. A bare `LL-1042` is not
/// taken: too easily part of other text (an order code, a model name).
pub fn subject_number(subject: &str, prefix: &NumberPrefix) -> Option<TicketNumber> {
    // ASCII lowercasing keeps byte offsets, so positions in `lower` index `subject`.
    let lower = subject.to_ascii_lowercase();
    let needle = format!("{}-", prefix.as_str().to_ascii_lowercase());
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|s| s.find(&needle)) {
        let start = from + pos;
        let digits_start = start + needle.len();
        from = digits_start;
        let (Some(before), Some(rest)) = (subject.get(..start), subject.get(digits_start..)) else {
            continue;
        };
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (Some(digits), Some(after)) = (rest.get(..digits_len), rest.get(digits_len..)) else {
            continue;
        };
        let closed_ok = if before.ends_with('[') || before.ends_with("[#") {
            after.starts_with(']')
        } else if before.ends_with('№') || before.ends_with("№ ") {
            !after.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_')
        } else {
            false
        };
        if !closed_ok || digits.is_empty() || digits.len() > 18 {
            continue;
        }
        if let Some(seq) = digits.parse::<i64>().ok().filter(|n| *n > 0) {
            return Some(TicketNumber::new(prefix, seq));
        }
    }
    None
}

fn body_texts(mail: &InboundEmail) -> impl Iterator<Item = &str> {
    std::iter::once(mail.text.as_str()).chain(mail.html.as_deref())
}

fn push_once(notes: &mut Vec<ThreadNote>, note: ThreadNote) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

fn strip_brackets(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

fn same_address(a: &EmailAddress, b: &EmailAddress) -> bool {
    a.as_str().to_lowercase() == b.as_str().to_lowercase()
}

impl fmt::Display for RefHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefHeader::InReplyTo => "In-Reply-To",
            RefHeader::References => "References",
        })
    }
}

/// One English line for logs; the UI renders its own text from the JSON form.
impl fmt::Display for ThreadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadReason::SignedMessageId {
                header,
                message_id,
                ticket,
                ..
            } => write!(
                f,
                "our signed id <{message_id}> in {header} → ticket {ticket}"
            ),
            ThreadReason::KnownMessageId {
                header,
                message_id,
                ticket,
            } => write!(f, "stored id <{message_id}> in {header} → ticket {ticket}"),
            ThreadReason::BodyMarker { marker, ticket } => {
                write!(f, "body marker {marker} → ticket {ticket}")
            }
            ThreadReason::SubjectNumber {
                number,
                sender,
                role,
                ..
            } => {
                let role = match role {
                    SenderRole::Contact => "the contact",
                    SenderRole::Participant => "a participant",
                };
                write!(f, "subject number {number}, sender {sender} is {role}")
            }
            ThreadReason::SubjectNumberIgnored { number, sender, .. } => {
                let sender = sender.as_ref().map_or("(none)", EmailAddress::as_str);
                write!(
                    f,
                    "subject number {number} ignored: sender {sender} is not a participant"
                )
            }
            ThreadReason::NoReference => f.write_str("no reference to a ticket: new ticket"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::classify::tests::{addr, mail};
    use crate::email::inbound::Mailbox;
    use crate::email::token::{body_marker, outgoing_message_id};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const DOMAIN: &str = "mail.acme.ru";

    fn prefix() -> NumberPrefix {
        NumberPrefix::default()
    }

    fn number(seq: i64) -> TicketNumber {
        TicketNumber::new(&prefix(), seq)
    }

    fn ctx() -> ThreadContext {
        ThreadContext {
            secret: SECRET.to_vec(),
            domain: DOMAIN.into(),
            number_prefix: prefix(),
            ticket_statuses: vec![
                (TicketId(1), Status::Open),
                (TicketId(2), Status::Pending),
                (TicketId(3), Status::Resolved),
                (TicketId(9), Status::Closed),
            ],
            ..ThreadContext::default()
        }
    }

    fn our_id(ticket: i64, message: i64) -> String {
        outgoing_message_id(TicketId(ticket), MessageId(message), SECRET, DOMAIN)
    }

    fn forge(id: &str) -> String {
        // Same shape, MAC from another ticket: the last hex digit flipped.
        let (local, domain) = id.rsplit_once('@').unwrap();
        let (head, last) = local.split_at(local.len() - 1);
        let flipped = if last == "0" { "1" } else { "0" };
        format!("{head}{flipped}@{domain}")
    }

    fn subject_ticket(ticket: i64, seq: i64, status: Status) -> SubjectTicket {
        SubjectTicket {
            ticket: TicketId(ticket),
            number: number(seq),
            contact_addresses: vec![addr("ivan@example.ru")],
            participant_addresses: vec![addr("olga@example.ru")],
            status,
        }
    }

    #[test]
    fn a_signed_token_in_in_reply_to_threads() {
        let mut m = mail("ivan@example.ru", "Re: something");
        m.in_reply_to = vec![format!("<{}>", our_id(2, 77))];
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::Append(TicketId(2)));
        assert_eq!(
            d.reason,
            ThreadReason::SignedMessageId {
                header: RefHeader::InReplyTo,
                message_id: our_id(2, 77),
                ticket: TicketId(2),
                message: MessageId(77),
            }
        );
        assert!(d.notes.is_empty());
    }

    #[test]
    fn signed_tokens_beat_stored_ids_and_recent_beats_old() {
        let mut m = mail("ivan@example.ru", "Re: [#LL-50] something");
        // References oldest first: token for 1, then a stored foreign id for 3.
        m.references = vec![our_id(1, 10), "CAF-x@gmail.com".into()];
        m.text = body_marker(TicketId(2), SECRET);
        let mut c = ctx();
        c.known_message_ids = vec![("CAF-x@gmail.com".into(), TicketId(3))];
        c.subject_ticket = Some(subject_ticket(3, 50, Status::Resolved));
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(1)));
        assert!(matches!(
            d.reason,
            ThreadReason::SignedMessageId {
                header: RefHeader::References,
                ..
            }
        ));

        // Two tokens: In-Reply-To beats References; the last reference beats the first.
        m.references = vec![our_id(1, 10), our_id(2, 20)];
        assert_eq!(thread(&m, &c).target, ThreadTarget::Append(TicketId(2)));
        m.in_reply_to = vec![our_id(3, 30)];
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(3)));
        assert!(matches!(
            d.reason,
            ThreadReason::SignedMessageId {
                header: RefHeader::InReplyTo,
                ..
            }
        ));
    }

    #[test]
    fn stored_ids_thread_most_recent_first() {
        let mut m = mail("ivan@example.ru", "Re: hi");
        m.references = vec!["a@x.ru".into(), "b@x.ru".into(), "c@x.ru".into()];
        let mut c = ctx();
        c.known_message_ids = vec![
            ("a@x.ru".into(), TicketId(1)),
            ("b@x.ru".into(), TicketId(2)),
        ];
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(2)));
        assert_eq!(
            d.reason,
            ThreadReason::KnownMessageId {
                header: RefHeader::References,
                message_id: "b@x.ru".into(),
                ticket: TicketId(2)
            }
        );
        m.in_reply_to = vec!["<a@x.ru>".into()];
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(1)));
        assert!(matches!(
            d.reason,
            ThreadReason::KnownMessageId {
                header: RefHeader::InReplyTo,
                ..
            }
        ));
    }

    #[test]
    fn stored_ids_beat_the_body_marker_and_the_subject() {
        let mut m = mail("ivan@example.ru", "Re: [#LL-50] x");
        m.in_reply_to = vec!["a@x.ru".into()];
        m.text = format!("ok\n> {}", body_marker(TicketId(2), SECRET));
        let mut c = ctx();
        c.known_message_ids = vec![("a@x.ru".into(), TicketId(1))];
        c.subject_ticket = Some(subject_ticket(3, 50, Status::Open));
        assert_eq!(thread(&m, &c).target, ThreadTarget::Append(TicketId(1)));
        c.known_message_ids.clear();
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(2)));
        assert!(matches!(
            d.reason,
            ThreadReason::BodyMarker {
                ticket: TicketId(2),
                ..
            }
        ));
    }

    #[test]
    fn a_forged_token_is_ignored_and_noted() {
        let mut m = mail("mallory@evil.example", "Re: hi");
        let forged = forge(&our_id(1, 5));
        m.in_reply_to = vec![forged.clone()];
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::New);
        assert_eq!(d.reason, ThreadReason::NoReference);
        assert_eq!(
            d.notes,
            vec![ThreadNote::ForgedMessageId {
                header: RefHeader::InReplyTo,
                message_id: forged
            }]
        );
        // A token for ticket 2 re-signed with another secret is forged too.
        let other = outgoing_message_id(TicketId(2), MessageId(1), b"not our secret", DOMAIN);
        m.in_reply_to = vec![other];
        assert!(matches!(
            thread(&m, &ctx()).notes[..],
            [ThreadNote::ForgedMessageId { .. }]
        ));
    }

    #[test]
    fn a_forged_body_marker_is_ignored_and_noted() {
        let mut m = mail("mallory@evil.example", "hi");
        let marker = body_marker(TicketId(1), SECRET).replace("LL-1:", "LL-2:");
        m.text = format!("please add me {marker}");
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::New);
        assert_eq!(d.notes, vec![ThreadNote::ForgedBodyMarker { marker }]);
    }

    #[test]
    fn the_body_marker_is_found_in_html_when_the_text_lacks_it() {
        let mut m = mail("ivan@example.ru", "hi");
        m.text = "Спасибо".into();
        m.html = Some(format!(
            "<p>Спасибо</p><blockquote><span style=\"color:#999\">{}</span></blockquote>",
            body_marker(TicketId(3), SECRET)
        ));
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::Append(TicketId(3)));
    }

    #[test]
    fn the_subject_number_threads_for_the_contact_and_participants() {
        let mut c = ctx();
        c.subject_ticket = Some(subject_ticket(1, 1042, Status::Open));
        let m = mail("Ivan@Example.RU", "Ответ: Пересл: [#ll-1042] Принтер");
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(1)));
        assert_eq!(
            d.reason,
            ThreadReason::SubjectNumber {
                number: number(1042),
                ticket: TicketId(1),
                sender: addr("Ivan@example.ru"),
                role: SenderRole::Contact
            }
        );
        let m = mail("olga@example.ru", "Re: [LL-1042]");
        assert!(matches!(
            thread(&m, &c).reason,
            ThreadReason::SubjectNumber {
                role: SenderRole::Participant,
                ..
            }
        ));
    }

    #[test]
    fn a_strangers_mail_with_someone_elses_number_starts_a_new_ticket() {
        let mut c = ctx();
        c.subject_ticket = Some(subject_ticket(1, 1042, Status::Open));
        let m = mail("stranger@other.example", "Re: [#LL-1042] Принтер");
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::New);
        assert_eq!(
            d.reason,
            ThreadReason::SubjectNumberIgnored {
                number: number(1042),
                ticket: TicketId(1),
                sender: Some(addr("stranger@other.example"))
            }
        );
        assert_eq!(
            d.reason.to_string(),
            "subject number LL-1042 ignored: sender stranger@other.example is not a participant"
        );
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["target"], serde_json::json!({ "kind": "new" }));
        assert_eq!(json["reason"]["kind"], "subject_number_ignored");
        assert_eq!(json["reason"]["number"], "LL-1042");
        // No From at all: also ignored.
        let mut m = m;
        m.from = None;
        assert!(matches!(
            thread(&m, &c).reason,
            ThreadReason::SubjectNumberIgnored { sender: None, .. }
        ));
    }

    #[test]
    fn an_unknown_or_mismatched_subject_number_is_noted() {
        let m = mail("ivan@example.ru", "[#LL-77] hi");
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::New);
        assert_eq!(d.reason, ThreadReason::NoReference);
        assert_eq!(
            d.notes,
            vec![ThreadNote::UnknownTicketNumber { number: number(77) }]
        );
        // The store handed over another ticket than the subject names: not trusted.
        let mut c = ctx();
        c.subject_ticket = Some(subject_ticket(1, 1042, Status::Open));
        assert_eq!(thread(&m, &c).target, ThreadTarget::New);
    }

    #[test]
    fn shared_message_ids_do_not_confuse_threading() {
        // Two different stored mails (tickets 1 and 2) carry the same Message-ID.
        let mut c = ctx();
        c.known_message_ids = vec![
            ("dup@mailer.example".into(), TicketId(1)),
            ("<dup@mailer.example>".into(), TicketId(2)),
            ("unique@x.ru".into(), TicketId(3)),
        ];
        let mut m = mail("ivan@example.ru", "Re: hi");
        m.in_reply_to = vec!["dup@mailer.example".into()];
        m.references = vec!["unique@x.ru".into(), "dup@mailer.example".into()];
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::Append(TicketId(3)));
        assert_eq!(
            d.notes,
            vec![ThreadNote::AmbiguousMessageId {
                header: RefHeader::InReplyTo,
                message_id: "dup@mailer.example".into(),
                tickets: vec![TicketId(1), TicketId(2)]
            }]
        );
        // Only the ambiguous id: nothing proves a ticket → new.
        m.references.clear();
        let d = thread(&m, &c);
        assert_eq!(d.target, ThreadTarget::New);
        assert_eq!(d.reason, ThreadReason::NoReference);
        // The same id stored twice under one ticket is not ambiguous.
        c.known_message_ids = vec![
            ("dup@mailer.example".into(), TicketId(1)),
            ("dup@mailer.example".into(), TicketId(1)),
        ];
        assert_eq!(thread(&m, &c).target, ThreadTarget::Append(TicketId(1)));
    }

    #[test]
    fn the_mails_own_message_id_is_never_used() {
        let mut c = ctx();
        c.known_message_ids = vec![("CAF=abc123@mail.gmail.com".into(), TicketId(1))];
        let m = mail("ivan@example.ru", "new question");
        assert_eq!(m.message_id.as_deref(), Some("CAF=abc123@mail.gmail.com"));
        assert_eq!(thread(&m, &c).target, ThreadTarget::New);
    }

    #[test]
    fn references_to_tickets_the_store_lacks_fall_through() {
        let mut m = mail("ivan@example.ru", "Re: hi");
        m.in_reply_to = vec![our_id(404, 1)];
        m.text = body_marker(TicketId(2), SECRET);
        let d = thread(&m, &ctx());
        assert_eq!(d.target, ThreadTarget::Append(TicketId(2)));
        assert_eq!(
            d.notes,
            vec![ThreadNote::UnknownTicket {
                ticket: TicketId(404)
            }]
        );
    }

    #[test]
    fn closed_tickets_follow_the_mailbox_policy() {
        let mut m = mail("ivan@example.ru", "Re: hi");
        m.in_reply_to = vec![our_id(9, 1)];
        let mut c = ctx();
        assert_eq!(
            thread(&m, &c).target,
            ThreadTarget::NewLinkedTo(TicketId(9))
        );
        c.closed_policy = ClosedTicketPolicy::Reopen;
        assert_eq!(
            thread(&m, &c).target,
            ThreadTarget::AppendReopen(TicketId(9))
        );
        // Resolved is not closed: plain append.
        m.in_reply_to = vec![our_id(3, 1)];
        assert_eq!(thread(&m, &c).target, ThreadTarget::Append(TicketId(3)));
        // The subject path uses the subject ticket's status.
        let mut m = mail("ivan@example.ru", "Re: [#LL-5]");
        m.in_reply_to.clear();
        c.closed_policy = ClosedTicketPolicy::NewLinked;
        c.subject_ticket = Some(subject_ticket(9, 5, Status::Closed));
        assert_eq!(
            thread(&m, &c).target,
            ThreadTarget::NewLinkedTo(TicketId(9))
        );
        let json = serde_json::to_value(thread(&m, &c).target).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "kind": "new_linked_to", "ticket": 9 })
        );
    }

    #[test]
    fn subject_numbers_in_all_forms() {
        let p = prefix();
        for (subject, seq) in [
            ("[#LL-1042] Принтер", Some(1042)),
            ("Re: [LL-1042]", Some(1042)),
            ("Fwd: Ответ: №LL-7 счёт", Some(7)),
            ("№ ll-7", Some(7)),
            ("RE: [#ll-12] и [#LL-13]", Some(12)),
            ("Пересл: заявка №LL-15.", Some(15)),
            ("LL-1042 without brackets", None),
            ("[#LL-1042 unclosed", None),
            ("[#LL-] empty", None),
            ("[#LL-0]", None),
            ("[#LL-12a]", None),
            ("№LL-12a", None),
            ("№LL-12-3", None),
            ("[#XLL-5]", None),
            ("[#AB-5]", None),
            ("[#LL-99999999999999999999]", None),
            ("", None),
        ] {
            assert_eq!(subject_number(subject, &p), seq.map(number), "{subject}");
        }
        // A wrong form first does not hide a right one later.
        assert_eq!(subject_number("LL-1 [LL-2]", &p), Some(number(2)));
        let other = NumberPrefix::parse("hd").unwrap();
        assert_eq!(
            subject_number("[#HD-5]", &other),
            Some(TicketNumber::new(&other, 5))
        );
    }

    #[test]
    fn lookups_list_what_the_store_must_resolve() {
        let mut m = mail("ivan@example.ru", "Re: [#LL-5] hi");
        m.in_reply_to = vec!["<b@x.ru>".into()];
        m.references = vec![
            "a@x.ru".into(),
            our_id(1, 2),
            "b@x.ru".into(),
            forge(&our_id(2, 3)),
        ];
        m.text = format!(
            "{}\n{}",
            body_marker(TicketId(7), SECRET),
            body_marker(TicketId(1), SECRET)
        );
        let l = lookups(&m, SECRET, DOMAIN, &prefix());
        assert_eq!(
            l.message_ids,
            vec![
                "b@x.ru".to_owned(),
                forge(&our_id(2, 3)),
                our_id(1, 2),
                "a@x.ru".to_owned()
            ]
        );
        assert_eq!(l.signed_tickets, vec![TicketId(1), TicketId(7)]);
        assert_eq!(l.subject_number, Some(number(5)));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", ctx());
        assert!(!shown.contains("48, 49"), "{shown}");
        assert!(shown.contains("mail.acme.ru"));
    }

    #[test]
    fn no_reference_means_a_new_ticket() {
        let mut m = mail("ivan@example.ru", "Помогите");
        m.cc = vec![Mailbox {
            name: String::new(),
            address: addr("olga@example.ru"),
        }];
        let d = thread(&m, &ctx());
        assert_eq!(
            d,
            ThreadDecision {
                target: ThreadTarget::New,
                reason: ThreadReason::NoReference,
                notes: vec![]
            }
        );
    }
}
