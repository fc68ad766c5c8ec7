//! Per-audience data transfer objects: what the browser receives. Entities (`Ticket`,
//! `Message`, `Contact`, `Agent`) never cross the wire; server functions map them here.
//!
//! Invariants:
//! - [`PortalTicket`] / [`PortalMessage`] have no field that could carry an internal note, an
//!   agent's identity or any id: the customer's view is built from `services::portal_ticket`
//!   (public messages only) and filters by visibility once more.
//! - Times come with the server's `now` where the UI shows ages, so the server render and the
//!   browser render produce the same text (no hydration drift).
//! - Queue filters live in the URL query ([`QueueFilter::to_query_string`] /
//!   [`QueueFilter::from_query`]) so a reload keeps them.

use chrono::{DateTime, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::ids::{AgentId, GroupId, TicketId};
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
}

impl Directory {
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
}

impl ViewKey {
    /// Query text.
    pub fn as_query(self) -> String {
        match self {
            ViewKey::All => "all".to_owned(),
            ViewKey::Mine => "mine".to_owned(),
            ViewKey::Unassigned => "unassigned".to_owned(),
            ViewKey::Group(g) => format!("group-{g}"),
        }
    }
    /// Parses query text; anything unknown is `All`.
    pub fn parse(s: &str) -> Self {
        match s {
            "mine" => ViewKey::Mine,
            "unassigned" => ViewKey::Unassigned,
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
}

/// A queue page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentQueue {
    /// Rows, urgent first then oldest first (the store sorts).
    pub rows: Vec<AgentQueueRow>,
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
            })
            .collect();
        Self { rows }
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
}

impl From<ActorRef> for Who {
    fn from(a: ActorRef) -> Self {
        match a {
            ActorRef::Agent(id) => Who::Agent(id),
            ActorRef::Contact(_) => Who::Customer,
            ActorRef::System => Who::System,
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
}

#[cfg(feature = "ssr")]
impl From<lossless::services::AgentTicketView> for AgentTicket {
    fn from(v: lossless::services::AgentTicketView) -> Self {
        use lossless::message::{Direction, Visibility};
        let t = v.ticket;
        let mut timeline: Vec<TimelineItem> = v
            .messages
            .into_iter()
            .map(|m| TimelineItem::Message {
                kind: match (m.visibility, m.direction) {
                    (Visibility::Internal, _) => MessageKind::Note,
                    (Visibility::Public, Direction::Inbound) => MessageKind::Inbound,
                    (Visibility::Public, Direction::Outbound) => MessageKind::Outbound,
                },
                who: m.author.into(),
                body: m.body,
                at: m.created_at,
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
        }
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
                })
                .collect(),
        }
    }
}

/// A time as `YYYY-MM-DD HH:MM UTC` (the same text on server and browser).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
