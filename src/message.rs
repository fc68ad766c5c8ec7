//! Messages of a ticket's thread. Direction says who wrote it (customer → inbound, team →
//! outbound); visibility says who may see it. Internal notes are never public and never
//! inbound: [`MessageDraft`] constructors make the other combinations unrepresentable.

use crate::actor::ActorRef;
use crate::ids::{MessageId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who wrote it, relative to the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// From the team (or the system on its behalf).
    Outbound,
}

/// Who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The customer sees it.
    Public,
    /// Team only (an internal note).
    Internal,
}

impl Direction {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "inbound" => Some(Direction::Inbound),
            "outbound" => Some(Direction::Outbound),
            _ => None,
        }
    }
}

impl Visibility {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

/// Metadata of an attached file. Its bytes live in the attachment blob store under `sha256`
/// when `stored`; a file over the size limit is described here but not stored (an inbound
/// mail's raw original still holds it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    /// File name as sent.
    pub filename: String,
    /// MIME type as sent.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Content hash (hex sha-256) naming the blob.
    pub sha256: String,
    /// The bytes are in the blob store (`false`: over the size limit, or stored before
    /// attachments were kept).
    #[serde(default)]
    pub stored: bool,
    /// An inline part (an image the HTML shows through `cid:`) rather than an attached file.
    #[serde(default)]
    pub inline: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Id.
    pub id: MessageId,
    /// Its ticket.
    pub ticket_id: TicketId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Public or internal.
    pub visibility: Visibility,
    /// Who wrote it.
    pub author: ActorRef,
    /// Plain text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<AttachmentMeta>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A message about to be stored. `dedupe_key`, when set, is unique per ticket: storing the
/// same key twice keeps the first (idempotent jobs rely on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDraft {
    /// Inbound or outbound.
    pub direction: Direction,
    /// Public or internal.
    pub visibility: Visibility,
    /// Who wrote it.
    pub author: ActorRef,
    /// Plain text body.
    pub body: String,
    /// Attachments.
    pub attachments: Vec<AttachmentMeta>,
    /// Idempotency key within the ticket.
    pub dedupe_key: Option<String>,
    // ---- customer notices ----
    /// Leaves by email even on a ticket of another channel (customer notices to a contact
    /// with an address, see [`crate::notices::by_email`]); email tickets' public replies
    /// always do.
    #[serde(default)]
    pub by_email: bool,
}

impl MessageDraft {
    /// A customer's message.
    pub fn from_customer(author: ActorRef, body: String) -> Self {
        Self::new(Direction::Inbound, Visibility::Public, author, body)
    }
    /// A public reply from the team.
    pub fn reply(author: ActorRef, body: String) -> Self {
        Self::new(Direction::Outbound, Visibility::Public, author, body)
    }
    /// An internal note.
    pub fn note(author: ActorRef, body: String) -> Self {
        Self::new(Direction::Outbound, Visibility::Internal, author, body)
    }
    fn new(direction: Direction, visibility: Visibility, author: ActorRef, body: String) -> Self {
        Self {
            direction,
            visibility,
            author,
            body,
            attachments: Vec::new(),
            dedupe_key: None,
            by_email: false,
        }
    }
    /// Sets the idempotency key.
    pub fn with_dedupe_key(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self
    }
    /// Sends it by email whatever the ticket's channel (see [`MessageDraft::by_email`]).
    pub fn sent_by_email(mut self) -> Self {
        self.by_email = true;
        self
    }
}

/// Maximum message body length accepted anywhere (characters).
pub const MAX_BODY_CHARS: usize = 20_000;
