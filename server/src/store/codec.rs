//! Stored text ⇄ domain values, the same for both databases.
//!
//! Invariant: every enum is stored as its stable `as_str()`/`name()` text (never a Rust
//! debug name or a position), structured values as serde JSON text; anything that does not
//! parse back is a `Backend` error (a corrupt row), never a panic or a silent default.

use chrono::{DateTime, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::contact::Handle;
use lossless::ids::MessageId;
use lossless::ids::{
    AgentId, ContactId, EmailAddress, GroupId, JobId, Lang, PortalToken, TicketId, TicketNumber,
};
use lossless::job::{Job, JobKind, JobStatus};
use lossless::message::{AttachmentMeta, Direction, Message, Visibility};
use lossless::ports::{StoreError, StoreResult};
use lossless::team::Agent;
use lossless::ticket::{Channel, Priority, Status, Ticket, TicketEvent};
use std::collections::BTreeSet;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: bad {what} {value:?}"))
}

fn json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Backend(format!("corrupt row: bad {what}: {e}")))
}

/// Serializes a value stored as JSON text.
pub(super) fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("serialize: {e}")))
}

/// An actor as `(kind, id)` columns.
pub(super) fn actor_parts(a: ActorRef) -> (&'static str, Option<i64>) {
    match a {
        ActorRef::Agent(id) => ("agent", Some(id.0)),
        ActorRef::Contact(id) => ("contact", Some(id.0)),
        ActorRef::System => ("system", None),
        ActorRef::Rule(id) => ("rule", Some(id.0)),
    }
}

/// Rebuilds an actor from its `(kind, id)` columns.
pub(super) fn actor_from_parts(kind: &str, id: Option<i64>) -> StoreResult<ActorRef> {
    match (kind, id) {
        ("agent", Some(id)) => Ok(ActorRef::Agent(AgentId(id))),
        ("contact", Some(id)) => Ok(ActorRef::Contact(ContactId(id))),
        ("system", _) => Ok(ActorRef::System),
        ("rule", Some(id)) => Ok(ActorRef::Rule(lossless::ids::RuleId(id))),
        _ => Err(corrupt("actor", kind)),
    }
}

/// The columns of a `tickets` row, as read.
pub(super) struct RawTicket {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub channel: String,
    pub contact_id: i64,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    pub tags: String,
    pub portal_token: String,
    pub lang: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl RawTicket {
    pub(super) fn into_ticket(self) -> StoreResult<Ticket> {
        let tags: BTreeSet<String> = json("tags", &self.tags)?;
        Ok(Ticket {
            id: TicketId(self.id),
            number: TicketNumber::parse(&self.number)
                .map_err(|_| corrupt("number", &self.number))?,
            subject: self.subject,
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            priority: Priority::parse(&self.priority)
                .ok_or_else(|| corrupt("priority", &self.priority))?,
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            contact_id: ContactId(self.contact_id),
            assignee: self.assignee_id.map(AgentId),
            group: self.group_id.map(GroupId),
            tags,
            portal_token: PortalToken::parse(&self.portal_token)
                .map_err(|_| corrupt("portal token", "…"))?,
            lang: Lang::from_code(&self.lang).ok_or_else(|| corrupt("lang", &self.lang))?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
        })
    }
}

/// The columns of a `messages` row, as read.
pub(super) struct RawMessage {
    pub id: i64,
    pub ticket_id: i64,
    pub direction: String,
    pub visibility: String,
    pub author_kind: String,
    pub author_id: Option<i64>,
    pub body: String,
    pub attachments: String,
    pub created_at: DateTime<Utc>,
}

impl RawMessage {
    pub(super) fn into_message(self) -> StoreResult<Message> {
        let attachments: Vec<AttachmentMeta> = json("attachments", &self.attachments)?;
        Ok(Message {
            id: MessageId(self.id),
            ticket_id: TicketId(self.ticket_id),
            direction: Direction::parse(&self.direction)
                .ok_or_else(|| corrupt("direction", &self.direction))?,
            visibility: Visibility::parse(&self.visibility)
                .ok_or_else(|| corrupt("visibility", &self.visibility))?,
            author: actor_from_parts(&self.author_kind, self.author_id)?,
            body: self.body,
            attachments,
            created_at: self.created_at,
        })
    }
}

/// A history event from its JSON column.
pub(super) fn event(raw: &str) -> StoreResult<TicketEvent> {
    json("event", raw)
}

/// The columns of an `agents` row, as read.
pub(super) struct RawAgent {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub lang: String,
}

impl RawAgent {
    pub(super) fn into_agent(self) -> StoreResult<Agent> {
        Ok(Agent {
            id: AgentId(self.id),
            email: EmailAddress::parse(&self.email).map_err(|_| corrupt("email", &self.email))?,
            name: self.name,
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            lang: Lang::from_code(&self.lang).ok_or_else(|| corrupt("lang", &self.lang))?,
        })
    }
}

/// A contact handle from its `(kind, value)` columns.
pub(super) fn handle(kind: &str, value: &str) -> StoreResult<Handle> {
    Handle::from_parts(kind, value).ok_or_else(|| corrupt("handle", kind))
}

/// The columns of a `jobs` row, as read.
pub(super) struct RawJob {
    pub id: i64,
    pub key: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

impl RawJob {
    pub(super) fn into_job(self) -> StoreResult<Job> {
        let kind: JobKind = json("job payload", &self.payload)?;
        Ok(Job {
            id: JobId(self.id),
            key: self.key,
            kind,
            status: JobStatus::parse(&self.status)
                .ok_or_else(|| corrupt("job status", &self.status))?,
            attempts: i32::try_from(self.attempts)
                .map_err(|_| corrupt("attempts", "out of range"))?,
            max_attempts: i32::try_from(self.max_attempts)
                .map_err(|_| corrupt("max_attempts", "out of range"))?,
            run_at: self.run_at,
            last_error: self.last_error,
        })
    }
}

/// Best-effort `From` and `Subject` of a mail that did not parse (a dead letter), from the
/// start of its raw bytes: the header lines before the first empty line, unfolded, with
/// RFC 2047 encoded words decoded where possible; lossy UTF-8 otherwise; empty when absent.
/// Each value is cut at 200 characters.
pub(crate) fn sniff_from_subject(head: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(head);
    let mut from = String::new();
    let mut subject = String::new();
    // Which of the two the current (possibly folded) header line continues.
    let mut current: Option<&mut String> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(v) = current.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        current = None;
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let slot = match name.trim().to_ascii_lowercase().as_str() {
            "from" if from.is_empty() => &mut from,
            "subject" if subject.is_empty() => &mut subject,
            _ => continue,
        };
        slot.push_str(value.trim());
        current = Some(slot);
    }
    (decode_words(&from), decode_words(&subject))
}

/// Decodes RFC 2047 encoded words in an unstructured header value (as mail-parser reads a
/// `Subject`), keeping the value as it is when that fails.
fn decode_words(value: &str) -> String {
    let decoded = if value.contains("=?") {
        let raw = format!("Subject: {value}\r\n\r\n");
        std::panic::catch_unwind(|| {
            mail_parser::MessageParser::default()
                .parse_headers(raw.as_bytes())
                .and_then(|m| m.subject().map(str::to_owned))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| value.to_owned())
    } else {
        value.to_owned()
    };
    decoded.chars().take(200).collect()
}

#[cfg(test)]
mod sniff_tests {
    use super::sniff_from_subject;

    #[test]
    fn sniffs_folded_and_encoded_headers() {
        let raw = b"X-Junk: 1\r\nFrom: =?utf-8?q?J=C3=BCrgen?= <j@customer.test>\r\n\
            subject: Hello\r\n  world\r\n\r\nFrom: body <b@x>\r\n";
        let (from, subject) = sniff_from_subject(raw);
        assert_eq!(from, "Jürgen <j@customer.test>");
        assert_eq!(subject, "Hello world");
        assert_eq!(
            sniff_from_subject(b"not a mail"),
            (String::new(), String::new())
        );
        assert_eq!(
            sniff_from_subject(b"\xff\xfe: x\n"),
            (String::new(), String::new())
        );
    }
}
