//! The ticket and its state machine.
//!
//! Statuses: `new → open → pending (waiting for the customer) → resolved → closed`.
//! Every change is a transition method that validates the move and returns the
//! [`TicketEvent`]s it caused; there is no setter. The events become history rows, and the
//! jobs they imply are derived in [`crate::job`]. `version` grows by one with every stored
//! change (optimistic concurrency: the store refuses an update made from a stale version).
//!
//! Allowed status moves:
//! | from | to |
//! |---|---|
//! | new | open, pending, resolved |
//! | open | pending, resolved |
//! | pending | open, resolved |
//! | resolved | open (reopen), closed |
//! | closed | — (final for agents and for every channel but one, below) |
//!
//! The one way out of `closed`: a customer's email reply, when the receiving mailbox's
//! [`ClosedTicketPolicy`](crate::email::ClosedTicketPolicy) is `Reopen`
//! ([`Ticket::reopen_on_reply`], recorded as [`TicketEvent::ReopenedByReply`]). Automatic
//! mail never reopens. Under the default policy a reply to a closed ticket starts a new
//! ticket, and both record the link ([`TicketEvent::FollowUpOf`] on the new one,
//! [`TicketEvent::ContinuedIn`] on the closed one).

use crate::actor::ActorRef;
use crate::error::DomainError;
use crate::ids::{
    AgentId, ContactId, GroupId, Lang, MessageId, PortalToken, RuleId, TicketId, TicketNumber,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Arrived, nobody has acted yet.
    New,
    /// Being worked on.
    Open,
    /// Waiting for the customer.
    Pending,
    /// Answered; reopens when the customer writes again.
    Resolved,
    /// Final.
    Closed,
}

impl Status {
    /// All statuses in life order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::Resolved,
        Status::Closed,
    ];
    /// Stable text for storage and the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// May a ticket move from `self` to `to`?
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (New, Open | Pending | Resolved)
                | (Open, Pending | Resolved)
                | (Pending, Open | Resolved)
                | (Resolved, Open | Closed)
        )
    }
    /// Still needs the team (new, open)?
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open)
    }
}

/// How urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// Default.
    Normal,
    /// Soon.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// All priorities, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Sort rank, higher is more urgent (stored, so queues sort in SQL).
    pub fn rank(self) -> i16 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
    /// Inverse of [`Priority::rank`].
    pub fn from_rank(r: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| i64::from(p.rank()) == r)
    }
}

/// Where the request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public web form `/request`.
    WebForm,
    /// The REST API.
    Api,
    /// Email (issue 3).
    Email,
    /// Created by an agent.
    Agent,
    // ---- widget ----
    /// The site widget (chat, offline request, callback; issue 7).
    Widget,
}

impl Channel {
    /// All channels.
    pub const ALL: [Channel; 5] = [
        Channel::WebForm,
        Channel::Api,
        Channel::Email,
        Channel::Agent,
        Channel::Widget,
    ];
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebForm => "web_form",
            Channel::Api => "api",
            Channel::Email => "email",
            Channel::Agent => "agent",
            Channel::Widget => "widget",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Id.
    pub id: TicketId,
    /// Human number.
    pub number: TicketNumber,
    /// Subject line.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Origin.
    pub channel: Channel,
    /// The customer.
    pub contact_id: ContactId,
    /// Owner, if any.
    pub assignee: Option<AgentId>,
    /// Group, if any.
    pub group: Option<GroupId>,
    /// Tags (lowercase, unique).
    pub tags: BTreeSet<String>,
    /// The customer's portal key.
    pub portal_token: PortalToken,
    /// Language for messages to the customer.
    pub lang: Lang,
    /// Optimistic-concurrency version (1 after creation).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First public reply by an agent.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Last time it became resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What happened to a ticket. Stored as history (who, what, when) in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEvent {
    /// The ticket was created.
    Created {
        /// Channel.
        channel: Channel,
        /// Initial priority.
        priority: Priority,
    },
    /// Status changed.
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// Priority changed.
    PriorityChanged {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// Owner changed (hand-over keeps all history).
    Assigned {
        /// Before.
        from: Option<AgentId>,
        /// After.
        to: Option<AgentId>,
    },
    /// Group changed.
    GroupChanged {
        /// Before.
        from: Option<GroupId>,
        /// After.
        to: Option<GroupId>,
    },
    /// A tag was added.
    Tagged {
        /// The tag.
        tag: String,
    },
    /// A tag was removed.
    Untagged {
        /// The tag.
        tag: String,
    },
    /// The customer wrote.
    CustomerReplied,
    /// An agent replied publicly.
    AgentReplied,
    /// An internal note was added.
    NoteAdded,
    /// The system sent the acknowledgement.
    Acknowledged,
    /// A bounce reported that an outbound message could not be delivered.
    DeliveryFailed {
        /// The message that was not delivered.
        message: MessageId,
    },
    /// The customer's email reply reopened this closed ticket (the mailbox's policy allows
    /// it; see [`Ticket::reopen_on_reply`]).
    ReopenedByReply,
    /// This ticket was started by a reply to a closed ticket: it continues that one.
    FollowUpOf {
        /// The closed ticket.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
    /// A reply to this closed ticket started another ticket, which continues it.
    ContinuedIn {
        /// The new ticket.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
    /// An automation rule applied (written before the rows of its effects, which carry the
    /// actor `ActorRef::Rule(rule)`).
    RuleFired {
        /// The rule.
        rule: RuleId,
        /// Its name when it fired (history keeps it after a rename or delete).
        name: String,
    },
    /// A rule asked the ticket's group strategy for an agent and nobody was available
    /// (everyone offline, away or at capacity): the ticket stays in the queue and managers
    /// are alerted.
    NoAgentAvailable {
        /// The group.
        group: GroupId,
    },
    /// A rule sent in-app notifications.
    RuleNotified {
        /// How many agents were notified.
        count: usize,
    },
    /// An SLA clock warned, breached or was met (written by the SLA bookkeeping).
    Sla {
        /// What happened.
        event: crate::sla::SlaEvent,
    },
    /// A rule's status move was refused by the state machine and skipped.
    RuleStatusSkipped {
        /// The status at the time.
        from: Status,
        /// The status the rule asked for.
        to: Status,
    },
    // ---- contacts (issue 6) ----
    /// The ticket's customer was merged into another contact (a duplicate): the ticket now
    /// belongs to the contact that stayed.
    ContactMerged {
        /// The duplicate that was merged away.
        from: ContactId,
        /// Its name at the time (history keeps it after the duplicate is gone).
        from_name: String,
        /// The contact that stayed.
        into: ContactId,
    },
    // ---- merge and links (issue 6) ----
    /// This ticket was merged into another one (its messages moved there; it is closed).
    MergedInto {
        /// The target.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
    /// Another ticket was merged into this one (its messages are in this thread now).
    MergedFrom {
        /// The source.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
    /// A "related" link to another ticket was added.
    Linked {
        /// The other ticket.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
    /// A "related" link to another ticket was removed.
    Unlinked {
        /// The other ticket.
        ticket: TicketId,
        /// Its number.
        number: TicketNumber,
    },
}

impl TicketEvent {
    /// Stable name (history `kind` column, webhooks later).
    pub fn name(&self) -> &'static str {
        match self {
            TicketEvent::Created { .. } => "created",
            TicketEvent::StatusChanged { .. } => "status_changed",
            TicketEvent::PriorityChanged { .. } => "priority_changed",
            TicketEvent::Assigned { .. } => "assigned",
            TicketEvent::GroupChanged { .. } => "group_changed",
            TicketEvent::Tagged { .. } => "tagged",
            TicketEvent::Untagged { .. } => "untagged",
            TicketEvent::CustomerReplied => "customer_replied",
            TicketEvent::AgentReplied => "agent_replied",
            TicketEvent::NoteAdded => "note_added",
            TicketEvent::Acknowledged => "acknowledged",
            TicketEvent::DeliveryFailed { .. } => "delivery_failed",
            TicketEvent::ReopenedByReply => "reopened_by_reply",
            TicketEvent::FollowUpOf { .. } => "follow_up_of",
            TicketEvent::ContinuedIn { .. } => "continued_in",
            TicketEvent::RuleFired { .. } => "rule_fired",
            TicketEvent::NoAgentAvailable { .. } => "no_agent_available",
            TicketEvent::RuleNotified { .. } => "rule_notified",
            TicketEvent::RuleStatusSkipped { .. } => "rule_status_skipped",
            TicketEvent::Sla { .. } => "sla",
            TicketEvent::ContactMerged { .. } => "contact_merged",
            TicketEvent::MergedInto { .. } => "merged_into",
            TicketEvent::MergedFrom { .. } => "merged_from",
            TicketEvent::Linked { .. } => "linked",
            TicketEvent::Unlinked { .. } => "unlinked",
        }
    }
}

/// A history row: who, what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Who.
    pub actor: ActorRef,
    /// What.
    pub event: TicketEvent,
    /// When.
    pub at: DateTime<Utc>,
}

/// Maximum subject length (characters).
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Maximum tag length (characters).
pub const MAX_TAG_CHARS: usize = 40;

/// Everything needed to create a ticket except what the store allocates (id, number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDraft {
    /// Subject.
    pub subject: String,
    /// Priority.
    pub priority: Priority,
    /// Channel.
    pub channel: Channel,
    /// Group, if known at intake.
    pub group: Option<GroupId>,
    /// Portal token (random, from the caller).
    pub portal_token: PortalToken,
    /// Customer language.
    pub lang: Lang,
    /// Creation time.
    pub now: DateTime<Utc>,
}

impl TicketDraft {
    /// Builds the stored ticket once the store allocated id, number and contact (pure).
    pub fn materialize(
        &self,
        id: TicketId,
        number: TicketNumber,
        contact_id: ContactId,
    ) -> (Ticket, Vec<TicketEvent>) {
        let t = Ticket {
            id,
            number,
            subject: self.subject.clone(),
            status: Status::New,
            priority: self.priority,
            channel: self.channel,
            contact_id,
            assignee: None,
            group: self.group,
            tags: BTreeSet::new(),
            portal_token: self.portal_token.clone(),
            lang: self.lang,
            version: 1,
            created_at: self.now,
            updated_at: self.now,
            first_response_at: None,
            resolved_at: None,
        };
        let ev = vec![TicketEvent::Created {
            channel: self.channel,
            priority: self.priority,
        }];
        (t, ev)
    }
}

impl Ticket {
    /// Moves to another status if the state machine allows it.
    pub fn move_to(
        &mut self,
        to: Status,
        now: DateTime<Utc>,
    ) -> Result<Vec<TicketEvent>, DomainError> {
        if self.status == to {
            return Ok(Vec::new());
        }
        if !self.status.can_move_to(to) {
            return Err(DomainError::TransitionNotAllowed);
        }
        let from = self.status;
        self.status = to;
        if to == Status::Resolved {
            self.resolved_at = Some(now);
        }
        self.updated_at = now;
        Ok(vec![TicketEvent::StatusChanged { from, to }])
    }

    /// An agent's public reply: a new ticket becomes open; records the first response.
    pub fn agent_replied(&mut self, now: DateTime<Utc>) -> Result<Vec<TicketEvent>, DomainError> {
        if self.status == Status::Closed {
            return Err(DomainError::TransitionNotAllowed);
        }
        let mut ev = vec![TicketEvent::AgentReplied];
        if self.status == Status::New {
            ev.extend(self.move_to(Status::Open, now)?);
        }
        self.first_response_at.get_or_insert(now);
        self.updated_at = now;
        Ok(ev)
    }

    /// The customer wrote again: pending or resolved tickets reopen. Closed tickets are final
    /// (the customer starts a new request).
    pub fn customer_replied(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Vec<TicketEvent>, DomainError> {
        if self.status == Status::Closed {
            return Err(DomainError::TransitionNotAllowed);
        }
        let mut ev = vec![TicketEvent::CustomerReplied];
        if matches!(self.status, Status::Pending | Status::Resolved) {
            ev.extend(self.move_to(Status::Open, now)?);
        }
        self.updated_at = now;
        Ok(ev)
    }

    /// The customer's email reply to a closed ticket, where the receiving mailbox's policy
    /// says replies reopen closed tickets (the caller checks the policy and that the mail is
    /// a person's, not automatic): closed → open, recorded as [`TicketEvent::ReopenedByReply`]
    /// besides the reply and the status change. Any other status is refused (use
    /// [`Ticket::customer_replied`]).
    pub fn reopen_on_reply(&mut self, now: DateTime<Utc>) -> Result<Vec<TicketEvent>, DomainError> {
        if self.status != Status::Closed {
            return Err(DomainError::TransitionNotAllowed);
        }
        self.status = Status::Open;
        self.updated_at = now;
        Ok(vec![
            TicketEvent::CustomerReplied,
            TicketEvent::ReopenedByReply,
            TicketEvent::StatusChanged {
                from: Status::Closed,
                to: Status::Open,
            },
        ])
    }

    /// An internal note (no status effect).
    pub fn note_added(&mut self, now: DateTime<Utc>) -> Vec<TicketEvent> {
        self.updated_at = now;
        vec![TicketEvent::NoteAdded]
    }

    /// Changes the priority.
    pub fn reprioritize(&mut self, to: Priority, now: DateTime<Utc>) -> Vec<TicketEvent> {
        if self.priority == to {
            return Vec::new();
        }
        let from = self.priority;
        self.priority = to;
        self.updated_at = now;
        vec![TicketEvent::PriorityChanged { from, to }]
    }

    /// Hands the ticket to an agent (or unassigns). A new ticket taken by someone opens.
    pub fn assign(
        &mut self,
        to: Option<AgentId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TicketEvent>, DomainError> {
        if self.assignee == to {
            return Ok(Vec::new());
        }
        if self.status == Status::Closed {
            return Err(DomainError::TransitionNotAllowed);
        }
        let from = self.assignee;
        self.assignee = to;
        self.updated_at = now;
        let mut ev = vec![TicketEvent::Assigned { from, to }];
        if to.is_some() && self.status == Status::New {
            ev.extend(self.move_to(Status::Open, now)?);
        }
        Ok(ev)
    }

    /// Moves the ticket to a group (or none).
    pub fn move_to_group(&mut self, to: Option<GroupId>, now: DateTime<Utc>) -> Vec<TicketEvent> {
        if self.group == to {
            return Vec::new();
        }
        let from = self.group;
        self.group = to;
        self.updated_at = now;
        vec![TicketEvent::GroupChanged { from, to }]
    }

    /// Adds a tag (normalized: trimmed, lowercase).
    pub fn tag(&mut self, raw: &str, now: DateTime<Utc>) -> Result<Vec<TicketEvent>, DomainError> {
        let tag = normalize_tag(raw)?;
        if !self.tags.insert(tag.clone()) {
            return Ok(Vec::new());
        }
        self.updated_at = now;
        Ok(vec![TicketEvent::Tagged { tag }])
    }

    /// Removes a tag.
    pub fn untag(&mut self, raw: &str, now: DateTime<Utc>) -> Vec<TicketEvent> {
        let tag = raw.trim().to_lowercase();
        if !self.tags.remove(&tag) {
            return Vec::new();
        }
        self.updated_at = now;
        vec![TicketEvent::Untagged { tag }]
    }

    /// Records that the acknowledgement was added to the thread.
    pub fn acknowledged(&mut self, now: DateTime<Utc>) -> Vec<TicketEvent> {
        self.updated_at = now;
        vec![TicketEvent::Acknowledged]
    }
}

fn normalize_tag(raw: &str) -> Result<String, DomainError> {
    let tag = raw.trim().to_lowercase();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
        let mut f = crate::error::FieldErrors::default();
        f.push(
            "tag",
            if tag.is_empty() {
                "required"
            } else {
                "invalid"
            },
        );
        return Err(DomainError::Invalid(f));
    }
    Ok(tag)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::NumberPrefix;
    use chrono::TimeZone;

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().unwrap()
    }

    pub(crate) fn ticket() -> Ticket {
        let d = TicketDraft {
            subject: "Не работает оплата".into(),
            priority: Priority::Normal,
            channel: Channel::WebForm,
            group: None,
            portal_token: PortalToken::from_random(&[1; 16]).unwrap(),
            lang: Lang::Ru,
            now: t0(),
        };
        d.materialize(
            TicketId(1),
            TicketNumber::new(&NumberPrefix::default(), 1001),
            ContactId(3),
        )
        .0
    }

    #[test]
    fn lifecycle_new_open_pending_resolved_closed() {
        let mut t = ticket();
        let ev = t.agent_replied(t0()).unwrap();
        assert_eq!(
            ev,
            vec![
                TicketEvent::AgentReplied,
                TicketEvent::StatusChanged {
                    from: Status::New,
                    to: Status::Open
                }
            ]
        );
        assert_eq!(t.first_response_at, Some(t0()));
        t.move_to(Status::Pending, t0()).unwrap();
        t.move_to(Status::Resolved, t0()).unwrap();
        assert!(t.resolved_at.is_some());
        t.move_to(Status::Closed, t0()).unwrap();
        assert_eq!(
            t.move_to(Status::Open, t0()),
            Err(DomainError::TransitionNotAllowed)
        );
        assert_eq!(
            t.customer_replied(t0()),
            Err(DomainError::TransitionNotAllowed)
        );
    }

    #[test]
    fn only_a_reply_under_the_reopen_policy_leaves_closed() {
        let mut t = ticket();
        assert_eq!(
            t.reopen_on_reply(t0()),
            Err(DomainError::TransitionNotAllowed),
            "not closed: an ordinary reply"
        );
        t.move_to(Status::Resolved, t0()).unwrap();
        assert_eq!(
            t.reopen_on_reply(t0()),
            Err(DomainError::TransitionNotAllowed)
        );
        t.move_to(Status::Closed, t0()).unwrap();
        let later = t0() + chrono::TimeDelta::hours(1);
        let ev = t.reopen_on_reply(later).unwrap();
        assert_eq!(
            ev,
            vec![
                TicketEvent::CustomerReplied,
                TicketEvent::ReopenedByReply,
                TicketEvent::StatusChanged {
                    from: Status::Closed,
                    to: Status::Open
                }
            ]
        );
        assert_eq!((t.status, t.updated_at), (Status::Open, later));
        assert_eq!(ev[1].name(), "reopened_by_reply");
        // Agents still cannot move a closed ticket.
        assert!(!Status::Closed.can_move_to(Status::Open));
    }

    #[test]
    fn customer_reply_reopens_resolved_and_pending() {
        for s in [Status::Pending, Status::Resolved] {
            let mut t = ticket();
            t.move_to(Status::Open, t0()).unwrap();
            t.move_to(s, t0()).unwrap();
            let ev = t.customer_replied(t0()).unwrap();
            assert_eq!(t.status, Status::Open);
            assert!(ev.contains(&TicketEvent::StatusChanged {
                from: s,
                to: Status::Open
            }));
        }
        let mut t = ticket();
        assert_eq!(
            t.customer_replied(t0()).unwrap(),
            vec![TicketEvent::CustomerReplied]
        );
        assert_eq!(t.status, Status::New);
    }

    #[test]
    fn state_machine_table() {
        use Status::*;
        let allowed = [
            (New, Open),
            (New, Pending),
            (New, Resolved),
            (Open, Pending),
            (Open, Resolved),
            (Pending, Open),
            (Pending, Resolved),
            (Resolved, Open),
            (Resolved, Closed),
        ];
        for a in Status::ALL {
            for b in Status::ALL {
                assert_eq!(a.can_move_to(b), allowed.contains(&(a, b)), "{a:?}->{b:?}");
            }
        }
    }

    #[test]
    fn assignment_and_handover_record_from_and_to() {
        let mut t = ticket();
        let ev = t.assign(Some(AgentId(7)), t0()).unwrap();
        assert_eq!(
            ev[0],
            TicketEvent::Assigned {
                from: None,
                to: Some(AgentId(7))
            }
        );
        assert_eq!(t.status, Status::Open);
        let ev = t.assign(Some(AgentId(8)), t0()).unwrap();
        assert_eq!(
            ev,
            vec![TicketEvent::Assigned {
                from: Some(AgentId(7)),
                to: Some(AgentId(8))
            }]
        );
        assert!(t.assign(Some(AgentId(8)), t0()).unwrap().is_empty());
    }

    #[test]
    fn tags_normalize_and_dedupe() {
        let mut t = ticket();
        assert_eq!(
            t.tag("  VIP ", t0()).unwrap(),
            vec![TicketEvent::Tagged { tag: "vip".into() }]
        );
        assert!(t.tag("vip", t0()).unwrap().is_empty());
        assert!(t.tag("  ", t0()).is_err());
        assert_eq!(
            t.untag("VIP", t0()),
            vec![TicketEvent::Untagged { tag: "vip".into() }]
        );
    }

    #[test]
    fn priority_rank_round_trips() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(i64::from(p.rank())), Some(p));
        }
        let mut t = ticket();
        assert_eq!(t.reprioritize(Priority::Urgent, t0()).len(), 1);
        assert!(t.reprioritize(Priority::Urgent, t0()).is_empty());
    }
}
