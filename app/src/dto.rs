//! Per-audience data transfer objects: what the browser receives. Entities (`Ticket`,
//! `Message`, `Contact`, `Agent`) never cross the wire; server functions map them here.
//!
//! Invariants:
//! - [`PortalTicket`] / [`PortalMessage`] have no field that could carry an internal note, an
//!   agent's identity or any id: the customer's view is built from `services::portal_ticket`
//!   (public messages only) and filters by visibility once more.
//! - Times come with the server's `now` where the UI shows ages, so the server render and the
//!   browser render produce the same text (no hydration drift).
//! - [`MailboxRow`] / [`ChannelsScreen`] (the managers' channel screen) have no field for a
//!   password; passwords travel only inward, in [`MailboxForm`], whose `Debug` hides them.
//! - Queue filters live in the URL query ([`QueueFilter::to_query_string`] /
//!   [`QueueFilter::from_query`]) so a reload keeps them.

use chrono::{DateTime, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::email::IngestOutcome;
use lossless::email::admin::{
    DeadLetter, Endpoint, MailboxHealth, MailboxOverview, MailboxSettings, MailboxSource,
    ProbeReport, ProbeStepKind, TransportSecurity, validate,
};
use lossless::email::thread::ClosedTicketPolicy;
use lossless::error::FieldErrors;
use lossless::ids::{AgentId, EmailAddress, GroupId, TicketId};
use lossless::ticket::{Channel, Priority, Status, TicketEvent};
use serde::{Deserialize, Serialize};

/// The signed-in agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Id.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Sign-in address.
    pub email: String,
    /// Role.
    pub role: Role,
}

/// An agent as others see them (pickers, history, queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    /// Id.
    pub id: AgentId,
    /// Display name.
    pub name: String,
}

/// A group as agents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// Id.
    pub id: GroupId,
    /// Name.
    pub name: String,
}

/// Agents and groups, for names and pickers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Agents, by name.
    pub agents: Vec<AgentRef>,
    /// Groups, by name.
    pub groups: Vec<GroupRef>,
    /// Agents not offered as assignees (invited or switched off); their names still show.
    #[serde(default)]
    pub inactive: Vec<AgentId>,
}

impl Directory {
    /// The agents a picker offers as assignees: active ones only (issue 6 follow-up).
    pub fn assignable(&self) -> impl Iterator<Item = &AgentRef> {
        self.agents
            .iter()
            .filter(|a| !self.inactive.contains(&a.id))
    }
    /// An agent's name (`#id` when unknown, e.g. created after this page loaded).
    pub fn agent_name(&self, id: AgentId) -> String {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| format!("#{id}"), |a| a.name.clone())
    }
    /// A group's name (`#id` when unknown).
    pub fn group_name(&self, id: GroupId) -> String {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| format!("#{id}"), |g| g.name.clone())
    }
}

/// Which tickets the queue shows (the `view` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewKey {
    /// `all`.
    All,
    /// `mine`.
    Mine,
    /// `unassigned`.
    Unassigned,
    /// `group-<id>`.
    Group(GroupId),
    /// `sla`: SLA at risk (breached or due within the hour), by deadline.
    AtRisk,
}

impl ViewKey {
    /// Query text.
    pub fn as_query(self) -> String {
        match self {
            ViewKey::All => "all".to_owned(),
            ViewKey::Mine => "mine".to_owned(),
            ViewKey::Unassigned => "unassigned".to_owned(),
            ViewKey::Group(g) => format!("group-{g}"),
            ViewKey::AtRisk => "sla".to_owned(),
        }
    }
    /// Parses query text; anything unknown is `All`.
    pub fn parse(s: &str) -> Self {
        match s {
            "mine" => ViewKey::Mine,
            "unassigned" => ViewKey::Unassigned,
            "sla" => ViewKey::AtRisk,
            _ => s
                .strip_prefix("group-")
                .and_then(|g| g.parse().ok())
                .map_or(ViewKey::All, |g| ViewKey::Group(GroupId(g))),
        }
    }
}

/// The queue's view and filters, as kept in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// View.
    pub view: ViewKey,
    /// One status, or the working set (new, open, pending) when `None`.
    pub status: Option<Status>,
    /// One priority, or all when `None`.
    pub priority: Option<Priority>,
}

impl Default for QueueFilter {
    fn default() -> Self {
        Self {
            view: ViewKey::All,
            status: None,
            priority: None,
        }
    }
}

impl QueueFilter {
    /// From the query parameters `view`, `status`, `priority` (unknown values are ignored).
    pub fn from_query(view: &str, status: &str, priority: &str) -> Self {
        Self {
            view: ViewKey::parse(view),
            status: Status::parse(status),
            priority: Priority::parse(priority),
        }
    }
    /// `view=…&status=…&priority=…` (empty parts left out).
    pub fn to_query_string(&self) -> String {
        let mut q = format!("view={}", self.view.as_query());
        if let Some(s) = self.status {
            q.push_str("&status=");
            q.push_str(s.as_str());
        }
        if let Some(p) = self.priority {
            q.push_str("&priority=");
            q.push_str(p.as_str());
        }
        q
    }
    /// The same filter with another view.
    pub fn with_view(self, view: ViewKey) -> Self {
        Self { view, ..self }
    }
}

/// One row of the agent queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentQueueRow {
    /// Ticket id (live hints name it).
    pub id: TicketId,
    /// Human number (`LL-1042`).
    pub number: String,
    /// Subject.
    pub subject: String,
    /// The contact's display name (may be empty).
    pub contact_name: String,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Owner.
    pub assignee: Option<AgentId>,
    /// Group.
    pub group: Option<GroupId>,
    /// Seconds since creation, by the server's clock.
    pub age_secs: i64,
    /// The SLA badge (`None`: no clocks).
    #[serde(default)]
    pub sla: Option<lossless::sla::SlaBadge>,
    // ---- bulk, merge, links (issue 6, point 4) ----
    /// The version shown (bulk actions and merges are made from it).
    #[serde(default)]
    pub version: i64,
}

/// A queue page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentQueue {
    /// Rows, urgent first then oldest first (the store sorts).
    pub rows: Vec<AgentQueueRow>,
    /// The server's time of this page (SLA countdowns start from it until the page runs).
    pub now: DateTime<Utc>,
}

/// Row limit of one queue page.
pub const QUEUE_LIMIT: i64 = 200;

#[cfg(feature = "ssr")]
impl AgentQueue {
    /// Maps store rows; `now` gives the ages.
    pub fn from_rows(rows: Vec<lossless::ports::QueueRow>, now: DateTime<Utc>) -> Self {
        let rows = rows
            .into_iter()
            .map(|r| AgentQueueRow {
                id: r.ticket.id,
                number: r.ticket.number.to_string(),
                subject: r.ticket.subject,
                contact_name: r.contact_name,
                status: r.ticket.status,
                priority: r.ticket.priority,
                assignee: r.ticket.assignee,
                group: r.ticket.group,
                age_secs: (now - r.ticket.created_at).num_seconds().max(0),
                sla: r.sla,
                version: r.ticket.version,
            })
            .collect();
        Self { rows, now }
    }
}

/// A contact handle as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleView {
    /// `email` or `phone`.
    pub kind: String,
    /// The value.
    pub value: String,
}

/// The customer, for agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// Display name (may be empty).
    pub name: String,
    /// Handles.
    pub handles: Vec<HandleView>,
}

/// Who wrote or did something, for agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Who {
    /// An agent (the UI shows the name from the [`Directory`]).
    Agent(AgentId),
    /// The ticket's customer.
    Customer,
    /// The system.
    System,
    /// An automation rule (the UI shows its name from the [`Directory`]).
    Rule(lossless::ids::RuleId),
}

impl From<ActorRef> for Who {
    fn from(a: ActorRef) -> Self {
        match a {
            ActorRef::Agent(id) => Who::Agent(id),
            ActorRef::Contact(_) => Who::Customer,
            ActorRef::System => Who::System,
            ActorRef::Rule(id) => Who::Rule(id),
        }
    }
}

/// Kind of a thread message, for agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    /// From the customer.
    Inbound,
    /// A public reply from the team.
    Outbound,
    /// An internal note.
    Note,
}

/// One entry of the agent's timeline: a message or a history line, in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimelineItem {
    /// A message of the thread.
    Message {
        /// Inbound, outbound or note.
        kind: MessageKind,
        /// Author.
        who: Who,
        /// Plain text (always rendered escaped).
        body: String,
        /// When.
        at: DateTime<Utc>,
        /// Email details: trimmed view, HTML view, attachments, threading reason, delivery.
        mail: Box<MessageMail>,
    },
    /// A history entry.
    Event {
        /// Who did it.
        who: Who,
        /// What happened.
        event: TicketEvent,
        /// When.
        at: DateTime<Utc>,
    },
}

impl TimelineItem {
    /// Its time.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TimelineItem::Message { at, .. } | TimelineItem::Event { at, .. } => *at,
        }
    }
}

/// What an agent sees of a message besides its text (issue 3, points 3, 4 and 6). All
/// fields are empty for a message that neither came nor went by email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageMail {
    /// The message's id (names its original).
    pub id: i64,
    /// The body split into new text, quoted earlier mail and signature — `None` when there
    /// is nothing to trim (show `body`).
    pub trimmed: Option<lossless::email::DisplayText>,
    /// The HTML part as sanitized at ingest (shown in a sandboxed frame, never as markup
    /// of the page).
    pub html: Option<String>,
    /// The raw original's download link (inbound mail only).
    pub original_url: Option<String>,
    /// Attachments and inline images.
    pub attachments: Vec<AttachmentView>,
    /// Why intake put the mail here, as stable codes with an argument ([`WhyLine`]).
    pub why: Vec<WhyLine>,
    /// Where an outbound email stands.
    pub delivery: Option<DeliveryView>,
}

/// An attachment, for agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// File name.
    pub filename: String,
    /// MIME type as sent.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Download link; `None` when the file was over the size limit (kept in the original).
    pub url: Option<String>,
    /// An inline image of the HTML view.
    pub inline: bool,
}

/// One line of "why is this mail here": a stable code (see `Texts::why`) and its argument
/// (a header, a ticket number or a mailbox name; may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyLine {
    /// Stable code.
    pub code: String,
    /// Argument put into the text's `{n}`.
    pub arg: String,
}

/// An outbound email's delivery, for agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// Pending, sent or failed.
    pub state: lossless::email::DeliveryState,
    /// The last failure (while pending, and when failed).
    pub error: Option<String>,
}

/// The agent attachment route of a stored file (same as the server's
/// `email::html::attachment_url`).
pub fn attachment_url(sha256: &str, filename: &str) -> String {
    let mut name = String::with_capacity(filename.len());
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/agent/attachments/{sha256}/{name}")
}

/// The "why" lines of one intake receipt's reason JSON (`classification`, `thread`,
/// `duplicate_of`), in reading order. Unknown shapes give no line (the JSON stays in the
/// database for operators).
pub fn why_lines(
    outcome: IngestOutcome,
    mailbox: &str,
    reason: &serde_json::Value,
) -> Vec<WhyLine> {
    let line = |code: &str, arg: &str| WhyLine {
        code: code.to_owned(),
        arg: arg.to_owned(),
    };
    let mut out = Vec::new();
    if outcome == IngestOutcome::Duplicate {
        out.push(line("duplicate", mailbox));
        return out;
    }
    out.push(line("via", mailbox));
    let r = &reason["thread"]["reason"];
    let header = match r["header"].as_str() {
        Some("in_reply_to") => "In-Reply-To",
        Some("references") => "References",
        _ => "",
    };
    let number = r["number"].as_str().unwrap_or_default();
    match r["kind"].as_str() {
        Some("signed_message_id") => out.push(line("signed_id", header)),
        Some("known_message_id") => out.push(line("known_id", header)),
        Some("body_marker") => out.push(line("body_marker", "")),
        Some("subject_number") if r["role"].as_str() == Some("participant") => {
            out.push(line("subject_participant", number));
        }
        Some("subject_number") => out.push(line("subject_contact", number)),
        Some("subject_number_ignored") => out.push(line("subject_stranger", number)),
        Some("no_reference") => out.push(line("no_reference", "")),
        _ => {}
    }
    match reason["thread"]["target"]["kind"].as_str() {
        Some("new_linked_to") => out.push(line("closed_new_linked", "")),
        Some("append_reopen") => out.push(line("reopened", "")),
        _ => {}
    }
    let class = &reason["classification"];
    match class["kind"].as_str() {
        Some("auto_reply") => out.push(line("auto_reply", "")),
        Some("normal") if class["no_ack"].as_array().is_some_and(|a| !a.is_empty()) => {
            out.push(line("no_ack", ""));
        }
        _ => {}
    }
    out
}

/// A ticket as an agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTicket {
    /// Id (mutations name it).
    pub id: TicketId,
    /// Human number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Statuses it may move to from here (the state machine's table).
    pub next_statuses: Vec<Status>,
    /// Priority.
    pub priority: Priority,
    /// Origin.
    pub channel: Channel,
    /// Owner.
    pub assignee: Option<AgentId>,
    /// Group.
    pub group: Option<GroupId>,
    /// Tags.
    pub tags: Vec<String>,
    /// The version this view was read at; every change sends it back.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The customer.
    pub contact: Option<ContactView>,
    /// Messages and history merged, oldest first.
    pub timeline: Vec<TimelineItem>,
    /// Custom fields given at intake, by key.
    pub custom_fields: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
impl From<lossless::services::AgentTicketView> for AgentTicket {
    fn from(v: lossless::services::AgentTicketView) -> Self {
        use lossless::message::{Direction, Visibility};
        let t = v.ticket;
        let deliveries = v.deliveries;
        let facts = v.mail;
        let mut timeline: Vec<TimelineItem> = v
            .messages
            .into_iter()
            .map(|m| {
                let mail = message_mail(&m, &deliveries, &facts);
                TimelineItem::Message {
                    kind: match (m.visibility, m.direction) {
                        (Visibility::Internal, _) => MessageKind::Note,
                        (Visibility::Public, Direction::Inbound) => MessageKind::Inbound,
                        (Visibility::Public, Direction::Outbound) => MessageKind::Outbound,
                    },
                    who: m.author.into(),
                    body: m.body,
                    at: m.created_at,
                    mail: Box::new(mail),
                }
            })
            .chain(v.history.into_iter().map(|h| TimelineItem::Event {
                who: h.actor.into(),
                event: h.event,
                at: h.at,
            }))
            .collect();
        // Stable: at the same instant a message stays before the history lines it caused.
        timeline.sort_by_key(TimelineItem::at);
        Self {
            id: t.id,
            number: t.number.to_string(),
            subject: t.subject,
            status: t.status,
            next_statuses: Status::ALL
                .into_iter()
                .filter(|s| t.status.can_move_to(*s))
                .collect(),
            priority: t.priority,
            channel: t.channel,
            assignee: t.assignee,
            group: t.group,
            tags: t.tags.into_iter().collect(),
            version: t.version,
            created_at: t.created_at,
            contact: v.contact.map(|c| ContactView {
                name: c.name,
                handles: c
                    .handles
                    .iter()
                    .map(|h| HandleView {
                        kind: h.kind().to_owned(),
                        value: h.value().to_owned(),
                    })
                    .collect(),
            }),
            timeline,
            custom_fields: v.custom_fields.into_iter().collect(),
        }
    }
}

/// A message's email details from the store's deliveries and mail facts.
#[cfg(feature = "ssr")]
fn message_mail(
    m: &lossless::message::Message,
    deliveries: &[lossless::email::Delivery],
    facts: &[lossless::ports::MailFacts],
) -> MessageMail {
    use lossless::message::Direction;
    let fact = facts.iter().find(|f| f.message == m.id);
    let trimmed = (m.direction == Direction::Inbound)
        .then(|| lossless::email::split_for_display(&m.body))
        .filter(|d| !d.quoted.is_empty() || !d.signature.is_empty());
    MessageMail {
        id: m.id.0,
        trimmed,
        html: fact.and_then(|f| f.html.clone()),
        original_url: fact
            .filter(|f| !f.receipts.is_empty())
            .map(|_| format!("/agent/messages/{}/original.eml", m.id.0)),
        attachments: m
            .attachments
            .iter()
            .map(|a| AttachmentView {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                url: a.stored.then(|| attachment_url(&a.sha256, &a.filename)),
                inline: a.inline,
            })
            .collect(),
        why: fact
            .map(|f| {
                f.receipts
                    .iter()
                    .flat_map(|r| why_lines(r.outcome, &r.mailbox, &r.reason))
                    .collect()
            })
            .unwrap_or_default(),
        delivery: deliveries
            .iter()
            .find(|d| d.message_id == m.id)
            .map(|d| DeliveryView {
                state: d.state,
                error: d.error.clone(),
            }),
    }
}

/// The result of a change: the ticket's new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// New version.
    pub version: i64,
}

/// A message the customer may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalMessage {
    /// `true` when the customer wrote it, `false` for the support team.
    pub from_customer: bool,
    /// Plain text (always rendered escaped).
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
    // ---- customer portal (issue 7, point 5) ----
    /// Files attached to it.
    #[serde(default)]
    pub files: Vec<PortalFile>,
}

// ---- customer portal (issue 7, point 5) ----
/// A file of a message the customer may see; downloaded through the portal by `sha256`
/// (a content hash, not an id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFile {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex sha-256 of the content.
    pub sha256: String,
    /// The bytes are kept (`false`: over the size limit, described only).
    pub stored: bool,
}

/// The customer's view of their ticket. Has no field for internal notes, agent identities or ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalTicket {
    /// Human number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Public messages, oldest first.
    pub messages: Vec<PortalMessage>,
}

impl PortalTicket {
    /// Whether the customer can still write (everything but closed).
    pub fn accepts_replies(&self) -> bool {
        self.status != Status::Closed
    }
}

#[cfg(feature = "ssr")]
impl From<lossless::services::PortalView> for PortalTicket {
    fn from(v: lossless::services::PortalView) -> Self {
        use lossless::message::{Direction, Visibility};
        Self {
            number: v.ticket.number.to_string(),
            subject: v.ticket.subject,
            status: v.ticket.status,
            created_at: v.ticket.created_at,
            messages: v
                .messages
                .into_iter()
                // The service already returns public messages only; filter again so a store
                // bug can never show a note to a customer.
                .filter(|m| m.visibility == Visibility::Public)
                .map(|m| PortalMessage {
                    from_customer: m.direction == Direction::Inbound,
                    body: m.body,
                    at: m.created_at,
                    files: m
                        .attachments
                        .into_iter()
                        .filter(|a| !a.inline)
                        .map(|a| PortalFile {
                            name: a.filename,
                            size: a.size,
                            sha256: a.sha256,
                            stored: a.stored,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

// ---- managers: mailboxes (`/manage/channels`) ----

/// Whether an agent of this role may manage channels (managers and admins).
pub fn can_manage(role: Role) -> bool {
    role.is_manager()
}

/// How many dead letters the channel screen lists.
pub const DEAD_LETTER_LIMIT: i64 = 100;

/// One mailbox on the managers' channel screen. Has no field for a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxRow {
    /// Our name for it (the key the form edits it by).
    pub name: String,
    /// The address customers write to.
    pub address: String,
    /// Configuration file (read-only here) or UI.
    pub source: MailboxSource,
    /// Where mail is fetched (host, port, security, login name).
    pub imap: Endpoint,
    /// Where replies go (`None`: sends nothing).
    pub smtp: Option<Endpoint>,
    /// Seconds between passes.
    pub poll_seconds: u32,
    /// What a reply to a closed ticket does.
    pub closed_policy: ClosedTicketPolicy,
    /// Fetched at all?
    pub enabled: bool,
    /// How it is doing (ages are seconds by the server's clock, so both renders show the
    /// same text; `lag_seconds` is never negative).
    pub health: MailboxHealth,
    /// Seconds since the last pass ended.
    pub last_fetch_ago_secs: Option<i64>,
}

/// A mail that could not be read, for managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterRow {
    /// The receipt id (what "Replay" sends back).
    pub receipt: i64,
    /// The mailbox's name.
    pub mailbox: String,
    /// When it was fetched.
    pub received_at: DateTime<Utc>,
    /// Raw size in bytes.
    pub size: i64,
    /// `From` as far as it could be read (may be empty).
    pub from: String,
    /// `Subject` as far as it could be read (may be empty).
    pub subject: String,
    /// Why it could not be read.
    pub error: String,
    /// When a replay last ran.
    pub replayed_at: Option<DateTime<Utc>>,
    /// What became of the mail then.
    pub replay_outcome: Option<IngestOutcome>,
}

/// Everything the channel screen shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelsScreen {
    /// Mailboxes, by name.
    pub mailboxes: Vec<MailboxRow>,
    /// Dead letters, newest first.
    pub dead_letters: Vec<DeadLetterRow>,
}

impl ChannelsScreen {
    /// Maps the channel adapter's answers; `now` gives the ages.
    pub fn new(
        mailboxes: Vec<MailboxOverview>,
        dead_letters: Vec<DeadLetter>,
        now: DateTime<Utc>,
    ) -> Self {
        let mailboxes = mailboxes
            .into_iter()
            .map(|m| {
                let h = m.health;
                MailboxRow {
                    name: m.name,
                    address: m.address.to_string(),
                    source: m.source,
                    imap: m.imap,
                    smtp: m.smtp,
                    poll_seconds: m.poll_seconds,
                    closed_policy: m.closed_policy,
                    enabled: m.enabled,
                    last_fetch_ago_secs: h.last_fetch_at.map(|at| (now - at).num_seconds().max(0)),
                    health: MailboxHealth {
                        lag_seconds: h.lag_seconds.map(|s| s.max(0)),
                        ..h
                    },
                }
            })
            .collect();
        let dead_letters = dead_letters
            .into_iter()
            .map(|d| DeadLetterRow {
                receipt: d.receipt,
                mailbox: d.mailbox,
                received_at: d.received_at,
                size: d.size,
                from: d.from,
                subject: d.subject,
                error: d.error,
                replayed_at: d.replayed.map(|(at, _)| at),
                replay_outcome: d.replayed.map(|(_, o)| o),
            })
            .collect();
        Self {
            mailboxes,
            dead_letters,
        }
    }
}

/// The mailbox form as the browser sends it (to save or to probe): text as typed, parsed on
/// the server by [`MailboxForm::to_settings`]. Passwords travel only this way (inward); an
/// empty password keeps the stored one. `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxForm {
    /// Our name for it.
    pub name: String,
    /// The address customers write to.
    pub address: String,
    /// IMAP host.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: String,
    /// `tls`, `starttls` or `plain`.
    pub imap_security: String,
    /// IMAP login name.
    pub imap_user: String,
    /// IMAP password (empty: keep the stored one).
    pub imap_password: String,
    /// Whether the mailbox sends replies (the SMTP fields count only then).
    pub smtp_enabled: bool,
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: String,
    /// `tls`, `starttls` or `plain`.
    pub smtp_security: String,
    /// SMTP login name (empty: no authentication).
    pub smtp_user: String,
    /// SMTP password (empty: keep the stored one).
    pub smtp_password: String,
    /// Seconds between passes.
    pub poll_seconds: String,
    /// `new_linked` or `reopen`.
    pub closed_policy: String,
    /// Fetched at all?
    pub enabled: bool,
}

impl std::fmt::Debug for MailboxForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxForm")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("imap_host", &self.imap_host)
            .field("imap_user", &self.imap_user)
            .field("smtp_enabled", &self.smtp_enabled)
            .field("smtp_host", &self.smtp_host)
            .field("passwords", &"…")
            .finish_non_exhaustive()
    }
}

impl Default for MailboxForm {
    /// A new mailbox: IMAPS 993, SMTPS 465, a minute between passes, closed tickets stay closed.
    fn default() -> Self {
        Self {
            name: String::new(),
            address: String::new(),
            imap_host: String::new(),
            imap_port: "993".to_owned(),
            imap_security: TransportSecurity::Tls.as_str().to_owned(),
            imap_user: String::new(),
            imap_password: String::new(),
            smtp_enabled: true,
            smtp_host: String::new(),
            smtp_port: "465".to_owned(),
            smtp_security: TransportSecurity::Tls.as_str().to_owned(),
            smtp_user: String::new(),
            smtp_password: String::new(),
            poll_seconds: "60".to_owned(),
            closed_policy: policy_str(ClosedTicketPolicy::default()).to_owned(),
            enabled: true,
        }
    }
}

/// Stable form text of a closed-ticket policy.
pub fn policy_str(p: ClosedTicketPolicy) -> &'static str {
    match p {
        ClosedTicketPolicy::NewLinked => "new_linked",
        ClosedTicketPolicy::Reopen => "reopen",
    }
}

/// A closed-ticket policy from its form text.
pub fn parse_policy(s: &str) -> Option<ClosedTicketPolicy> {
    match s.trim() {
        "new_linked" => Some(ClosedTicketPolicy::NewLinked),
        "reopen" => Some(ClosedTicketPolicy::Reopen),
        _ => None,
    }
}

impl MailboxForm {
    /// The form for editing a saved mailbox (passwords empty: kept unless typed again).
    pub fn from_row(row: &MailboxRow) -> Self {
        let smtp = row.smtp.clone();
        let d = Self::default();
        Self {
            name: row.name.clone(),
            address: row.address.clone(),
            imap_host: row.imap.host.clone(),
            imap_port: row.imap.port.to_string(),
            imap_security: row.imap.security.as_str().to_owned(),
            imap_user: row.imap.user.clone(),
            imap_password: String::new(),
            smtp_enabled: smtp.is_some(),
            smtp_host: smtp.as_ref().map_or(d.smtp_host, |s| s.host.clone()),
            smtp_port: smtp.as_ref().map_or(d.smtp_port, |s| s.port.to_string()),
            smtp_security: smtp
                .as_ref()
                .map_or(d.smtp_security, |s| s.security.as_str().to_owned()),
            smtp_user: smtp.as_ref().map_or(d.smtp_user, |s| s.user.clone()),
            smtp_password: String::new(),
            poll_seconds: row.poll_seconds.to_string(),
            closed_policy: policy_str(row.closed_policy).to_owned(),
            enabled: row.enabled,
        }
    }

    /// Parses the form at the edge and checks it with the core's
    /// [`validate`](lossless::email::admin::validate): every bad field is named (`address`
    /// `required|invalid`, `*_security`/`closed_policy` `invalid`, unreadable ports and
    /// intervals as `invalid`, plus the core's codes).
    pub fn to_settings(&self, is_new: bool) -> Result<MailboxSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let address = match self.address.trim() {
            "" => {
                errors.push("address", "required");
                None
            }
            a => EmailAddress::parse(a)
                .inspect_err(|_| errors.push("address", "invalid"))
                .ok(),
        };
        let mut security = |field: &str, s: &str| {
            TransportSecurity::parse(s).unwrap_or_else(|| {
                errors.push(field, "invalid");
                TransportSecurity::default()
            })
        };
        let imap_security = security("imap_security", &self.imap_security);
        let smtp_security = security("smtp_security", &self.smtp_security);
        let closed_policy = parse_policy(&self.closed_policy).unwrap_or_else(|| {
            errors.push("closed_policy", "invalid");
            ClosedTicketPolicy::default()
        });
        // An unreadable port or interval becomes 0, which `validate` names as `invalid`.
        let port = |s: &str| s.trim().parse::<u16>().unwrap_or(0);
        let password = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let settings = MailboxSettings {
            name: self.name.trim().to_owned(),
            // Stands in only while other fields are checked; never returned.
            address: address
                .clone()
                .or_else(|| EmailAddress::parse("mailbox@example.invalid").ok())
                .ok_or_else(|| errors.clone())?,
            imap: Endpoint {
                host: self.imap_host.trim().to_owned(),
                port: port(&self.imap_port),
                security: imap_security,
                user: self.imap_user.trim().to_owned(),
            },
            imap_password: password(&self.imap_password),
            smtp: self.smtp_enabled.then(|| Endpoint {
                host: self.smtp_host.trim().to_owned(),
                port: port(&self.smtp_port),
                security: smtp_security,
                user: self.smtp_user.trim().to_owned(),
            }),
            smtp_password: if self.smtp_enabled {
                password(&self.smtp_password)
            } else {
                None
            },
            poll_seconds: self.poll_seconds.trim().parse().unwrap_or(0),
            closed_policy,
            enabled: self.enabled,
        };
        if let Err(more) = validate(&settings, is_new) {
            errors.0.extend(more.0);
        }
        if errors.is_empty() && address.is_some() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

/// One step of "test this mailbox", for managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStepView {
    /// Which step.
    pub kind: ProbeStepKind,
    /// Did it work?
    pub ok: bool,
    /// What it found or why it failed (server text; rendered escaped).
    pub detail: String,
}

/// The result of "test this mailbox".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// Every step passed.
    pub ok: bool,
    /// The steps run, in order (stops at the first failure).
    pub steps: Vec<ProbeStepView>,
}

impl From<ProbeReport> for ProbeResult {
    fn from(r: ProbeReport) -> Self {
        Self {
            ok: r.ok(),
            steps: r
                .steps
                .into_iter()
                .map(|s| ProbeStepView {
                    kind: s.kind,
                    ok: s.ok,
                    detail: s.detail,
                })
                .collect(),
        }
    }
}

/// A time for the reader of the page: in the signed-in agent's zone and the page's language
/// (`23.11.2026 14:05` / `23 Nov 2026 14:05`), else UTC marked `UTC` — the same text on
/// server and browser ([`crate::display::format_time`]; call it while rendering).
pub fn format_time(t: DateTime<Utc>) -> String {
    crate::display::format_time(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_reasons_become_stable_why_codes() {
        let codes = |outcome, reason: serde_json::Value| -> Vec<(String, String)> {
            why_lines(outcome, "support", &reason)
                .into_iter()
                .map(|w| (w.code, w.arg))
                .collect()
        };
        let pair = |c: &str, a: &str| (c.to_owned(), a.to_owned());
        assert_eq!(
            codes(
                IngestOutcome::Appended,
                serde_json::json!({
                    "classification": {"kind": "normal", "no_ack": []},
                    "thread": {"target": {"kind": "append", "ticket": 4},
                               "reason": {"kind": "signed_message_id", "header": "in_reply_to"}}
                })
            ),
            vec![pair("via", "support"), pair("signed_id", "In-Reply-To")]
        );
        assert_eq!(
            codes(
                IngestOutcome::Appended,
                serde_json::json!({
                    "classification": {"kind": "auto_reply", "reason": {"kind": "x_autoreply"}},
                    "thread": {"target": {"kind": "append_reopen", "ticket": 4},
                               "reason": {"kind": "subject_number", "number": "LL-7", "role": "participant"}}
                })
            ),
            vec![
                pair("via", "support"),
                pair("subject_participant", "LL-7"),
                pair("reopened", ""),
                pair("auto_reply", "")
            ]
        );
        assert_eq!(
            codes(
                IngestOutcome::Created,
                serde_json::json!({
                    "classification": {"kind": "normal", "no_ack": [{"kind": "null_return_path"}]},
                    "thread": {"target": {"kind": "new_linked_to", "ticket": 2},
                               "reason": {"kind": "subject_number_ignored", "number": "LL-2"}}
                })
            ),
            vec![
                pair("via", "support"),
                pair("subject_stranger", "LL-2"),
                pair("closed_new_linked", ""),
                pair("no_ack", "")
            ]
        );
        assert_eq!(
            codes(
                IngestOutcome::Duplicate,
                serde_json::json!({"duplicate_of": 3})
            ),
            vec![pair("duplicate", "support")]
        );
        let t = crate::i18n::texts(lossless::ids::Lang::En);
        for code in [
            "via",
            "duplicate",
            "signed_id",
            "known_id",
            "body_marker",
            "subject_contact",
            "subject_participant",
            "subject_stranger",
            "no_reference",
            "closed_new_linked",
            "reopened",
            "auto_reply",
            "no_ack",
        ] {
            assert!(!t.why(code).is_empty(), "{code}");
        }
        assert_eq!(
            attachment_url("ab", "Счёт 1.pdf"),
            "/agent/attachments/ab/%D0%A1%D1%87%D1%91%D1%82%201.pdf"
        );
    }

    #[test]
    fn filters_round_trip_through_the_query() {
        let f = QueueFilter {
            view: ViewKey::Group(GroupId(3)),
            status: Some(Status::Pending),
            priority: Some(Priority::High),
        };
        assert_eq!(
            f.to_query_string(),
            "view=group-3&status=pending&priority=high"
        );
        assert_eq!(QueueFilter::from_query("group-3", "pending", "high"), f);
        assert_eq!(
            QueueFilter::from_query("nonsense", "", "x"),
            QueueFilter::default()
        );
        assert_eq!(ViewKey::parse("mine"), ViewKey::Mine);
    }

    fn sales_form() -> MailboxForm {
        MailboxForm {
            name: "sales".into(),
            address: "Sales@Lossless.TEST".into(),
            imap_host: " 127.0.0.1 ".into(),
            imap_port: "1143".into(),
            imap_security: "plain".into(),
            imap_user: "sales@lossless.test".into(),
            imap_password: "pw-1".into(),
            smtp_enabled: true,
            smtp_host: "127.0.0.1".into(),
            smtp_port: "2525".into(),
            smtp_security: "PLAIN".into(),
            smtp_user: String::new(),
            smtp_password: String::new(),
            poll_seconds: "30".into(),
            closed_policy: "reopen".into(),
            enabled: true,
        }
    }

    #[test]
    fn mailbox_form_parses_at_the_edge_and_names_bad_fields() {
        let s = sales_form().to_settings(true).unwrap();
        assert_eq!(s.address.as_str(), "Sales@lossless.test");
        assert_eq!(s.imap.host, "127.0.0.1");
        assert_eq!(s.imap.security, TransportSecurity::Plain);
        assert_eq!(s.imap_password.as_deref(), Some("pw-1"));
        assert_eq!(s.smtp.as_ref().map(|e| e.port), Some(2525));
        assert_eq!(s.smtp_password, None, "empty keeps the stored one");
        assert_eq!(s.closed_policy, ClosedTicketPolicy::Reopen);
        assert!(!format!("{:?}", sales_form()).contains("pw-1"));

        let mut f = sales_form();
        f.smtp_enabled = false;
        f.smtp_host = String::new();
        f.smtp_password = "ignored".into();
        let s = f.to_settings(false).unwrap();
        assert!(s.smtp.is_none() && s.smtp_password.is_none());

        let mut f = sales_form();
        f.address = "nope".into();
        f.imap_port = "http".into();
        f.imap_security = "ssl".into();
        f.imap_password = String::new();
        f.poll_seconds = String::new();
        f.closed_policy = "x".into();
        let codes: Vec<(String, String)> = f
            .to_settings(true)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        let want = [
            ("address", "invalid"),
            ("imap_security", "invalid"),
            ("closed_policy", "invalid"),
            ("imap_port", "invalid"),
            ("imap_password", "required"),
            ("poll_seconds", "invalid"),
        ];
        assert_eq!(
            codes,
            want.map(|(f, c)| (f.to_owned(), c.to_owned())).to_vec()
        );
        // Without a password an edit is fine (the stored one stays).
        let mut f = sales_form();
        f.imap_password = String::new();
        assert!(f.to_settings(false).is_ok());
        assert_eq!(
            sales_form().to_settings(true).map(|s| s.name),
            Ok("sales".to_owned())
        );
    }

    #[test]
    fn edit_form_round_trips_a_row_without_passwords() {
        let s = sales_form().to_settings(true).unwrap();
        let row = MailboxRow {
            name: s.name.clone(),
            address: s.address.to_string(),
            source: MailboxSource::Ui,
            imap: s.imap.clone(),
            smtp: s.smtp.clone(),
            poll_seconds: s.poll_seconds,
            closed_policy: s.closed_policy,
            enabled: s.enabled,
            health: MailboxHealth::default(),
            last_fetch_ago_secs: None,
        };
        let f = MailboxForm::from_row(&row);
        assert!(f.imap_password.is_empty() && f.smtp_password.is_empty());
        let mut again = f.to_settings(false).unwrap();
        again.imap_password = s.imap_password.clone();
        assert_eq!(again, s);
        assert!(!serde_json::to_string(&row).unwrap().contains("password"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn portal_view_drops_internal_notes_and_ids() {
        use lossless::actor::ActorRef;
        use lossless::ids::{ContactId, Lang, MessageId, NumberPrefix, PortalToken, TicketNumber};
        use lossless::message::{Direction, Message, Visibility};
        use lossless::ticket::TicketDraft;
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let draft = TicketDraft {
            subject: "Оплата".into(),
            priority: Priority::Normal,
            channel: Channel::WebForm,
            group: None,
            portal_token: PortalToken::from_random(&[9; 16]).unwrap(),
            lang: Lang::Ru,
            now,
        };
        let (ticket, _) = draft.materialize(
            TicketId(1),
            TicketNumber::new(&NumberPrefix::default(), 7),
            ContactId(2),
        );
        let msg = |id, direction, visibility, body: &str| Message {
            id: MessageId(id),
            ticket_id: TicketId(1),
            direction,
            visibility,
            author: ActorRef::System,
            body: body.into(),
            attachments: vec![],
            created_at: now,
        };
        let view = lossless::services::PortalView {
            ticket,
            messages: vec![
                msg(1, Direction::Inbound, Visibility::Public, "help"),
                msg(2, Direction::Outbound, Visibility::Internal, "SECRET NOTE"),
                msg(3, Direction::Outbound, Visibility::Public, "answer"),
            ],
        };
        let p = PortalTicket::from(view);
        assert_eq!(p.number, "LL-7");
        assert_eq!(p.messages.len(), 2);
        assert!(p.messages[0].from_customer && !p.messages[1].from_customer);
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("SECRET"));
        assert!(!json.contains("portal_token") && !json.contains("contact_id"));
    }
}
