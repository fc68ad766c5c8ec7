//! Durable jobs: side effects derived from events, written in the same transaction as the
//! state that caused them, run later by the worker.
//!
//! Invariants: a job's `key` is unique (enqueueing the same key twice keeps one job); a job's
//! handler is idempotent on that key, so a run repeated after a crash does no harm; a failing
//! job is retried with exponential backoff and, after `max_attempts`, stays visible as
//! `failed` instead of vanishing.

use crate::ids::{JobId, MessageId, TicketId};
use crate::rules::RuleChain;
use crate::ticket::{Ticket, TicketEvent};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    /// Add "Ваше обращение №N принято / Your request #N has been received" to the public
    /// thread (delivery by email follows with the email channel).
    SendAcknowledgement {
        /// The ticket.
        ticket_id: TicketId,
    },
    /// Run the rules activated by one stored change of a ticket (see [`crate::rules`]);
    /// keyed `rules:<ticket>:<stored version>` so each change runs them once.
    RunRules {
        /// The ticket.
        ticket_id: TicketId,
        /// The version the change was stored at.
        version: i64,
        /// What the change did.
        happened: crate::rules::Happened,
        /// Loop guard.
        #[serde(default)]
        chain: crate::rules::RuleChain,
    },
    /// A time-based rule's moment: `rule` checks the ticket `anchor_at + minutes` after the
    /// anchor event; skipped if that event happened again since (a newer timer exists).
    /// Keyed `timer:<rule>:<ticket>:<anchor micros>`.
    RuleTimer {
        /// The ticket.
        ticket_id: TicketId,
        /// The rule.
        rule_id: crate::ids::RuleId,
        /// When the anchor event happened.
        anchor_at: DateTime<Utc>,
    },
    /// Bring a ticket's SLA record up to date with its history and fire what is due
    /// ([`crate::sla::record::catch_up`]). Keyed `sla:<ticket>:<version>` after a change,
    /// `slacheck:<ticket>:<due micros>` as a timer, `slasweep:<ticket>:<next micros>` by the sweep.
    SlaUpdate {
        /// The ticket.
        ticket_id: TicketId,
    },
    /// Apply a breached policy's actions (raise priority, move to a group) as a change of
    /// the ticket. Keyed `slabreach:<ticket>:<target>:<breach micros>`.
    SlaBreachAction {
        /// The ticket.
        ticket_id: TicketId,
        /// The breached target.
        target: crate::sla::Target,
        /// What to do.
        on_breach: crate::sla::policy::OnBreach,
    },
    /// Email an agent an SLA warning or breach (the in-app notification's text). Keyed
    /// `slamail:<ticket>:<agent>:<event>:<target>:<instant micros>`. Nodes without SMTP skip it.
    SlaEmail {
        /// The ticket.
        ticket_id: TicketId,
        /// The recipient.
        agent: crate::ids::AgentId,
        /// The text (in the agent's language).
        text: String,
    },
    /// Alert an agent (in-app, and by email when their preferences say so) that a ticket was
    /// assigned to them, that its customer replied, or that a colleague mentioned them.
    /// Keyed `alert:<ticket>:<version>:<agent>:<kind>`; the in-app notification carries the
    /// key, so a repeated run never adds a second one.
    AgentAlert {
        /// The ticket.
        ticket_id: TicketId,
        /// The recipient.
        agent: crate::ids::AgentId,
        /// Why.
        alert: crate::notification::AlertKind,
        /// Who caused it (a colleague's name for assignments and mentions; empty otherwise).
        #[serde(default)]
        by: String,
    },
    /// Send a stored outbound public message of an email ticket to the customer by email
    /// (see [`crate::email::outbound`]).
    DeliverEmail {
        /// The ticket.
        ticket_id: TicketId,
        /// The stored message.
        message_id: MessageId,
    },
    // ---- accounts ----
    /// Mail an invitation or a password reset link (see [`crate::account`]); keyed
    /// `account:<kind>:<token hash>`. Retried while no node can send.
    AccountMail {
        /// The recipient.
        to: crate::ids::EmailAddress,
        /// Subject.
        subject: String,
        /// Plain-text body (holds the one-time link).
        body: String,
    },
    // ---- customer notices (issue 7, point 6) ----
    /// Tell the customer on their channel that their ticket was taken into work, waits for
    /// them, was resolved, or remind them (see [`crate::notices`]); keyed
    /// [`crate::notices::CustomerNotice::job_key`], which is also the message's dedupe key.
    CustomerNotice {
        /// The ticket.
        ticket_id: TicketId,
        /// Which notice.
        notice: crate::notices::CustomerNotice,
        /// The pending spell ("waiting" and reminders): when the ticket became pending.
        #[serde(default)]
        pending_since: Option<DateTime<Utc>>,
    },
}

impl JobKind {
    /// Stable kind name (stored).
    pub fn name(&self) -> &'static str {
        match self {
            JobKind::SendAcknowledgement { .. } => "send_acknowledgement",
            JobKind::DeliverEmail { .. } => "deliver_email",
            JobKind::RunRules { .. } => "run_rules",
            JobKind::RuleTimer { .. } => "rule_timer",
            JobKind::SlaUpdate { .. } => "sla_update",
            JobKind::SlaBreachAction { .. } => "sla_breach_action",
            JobKind::SlaEmail { .. } => "sla_email",
            JobKind::AgentAlert { .. } => "agent_alert",
            JobKind::AccountMail { .. } => "account_mail",
            JobKind::CustomerNotice { .. } => "customer_notice",
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJob {
    /// Unique idempotency key.
    pub key: String,
    /// What to do.
    pub kind: JobKind,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// Attempts before giving up.
    pub max_attempts: i32,
}

/// Job state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker until its lease ends.
    Running,
    /// Finished.
    Done,
    /// Gave up after `max_attempts`; visible for an operator.
    Failed,
}

impl JobStatus {
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    /// Parses stored text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Done,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// Idempotency key.
    pub key: String,
    /// What to do.
    pub kind: JobKind,
    /// State.
    pub status: JobStatus,
    /// Attempts started so far (including the current one).
    pub attempts: i32,
    /// Limit.
    pub max_attempts: i32,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// The last failure, for operators.
    pub last_error: Option<String>,
}

/// Default attempts for a job.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// Backoff before attempt `attempts + 1`: 2^attempts seconds, capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 12)).unwrap_or(12);
    Duration::seconds((1_i64 << exp).min(3600))
}

/// What to do after a failed attempt.
pub fn after_failure(job: &Job, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if job.attempts >= job.max_attempts {
        None
    } else {
        Some(now + backoff(job.attempts))
    }
}

/// Does the event move SLA clocks or change which policy applies?
pub fn moves_sla(e: &TicketEvent) -> bool {
    matches!(
        e,
        TicketEvent::Created { .. }
            | TicketEvent::CustomerReplied
            | TicketEvent::AgentReplied
            | TicketEvent::StatusChanged { .. }
            | TicketEvent::PriorityChanged { .. }
            | TicketEvent::GroupChanged { .. }
            | TicketEvent::Tagged { .. }
            | TicketEvent::Untagged { .. }
            | TicketEvent::ReopenedByReply
    )
}

/// The jobs implied by a ticket's events (pure; the store writes them with the events).
/// `ticket` is the ticket as stored by this change (its new `version`). Changes by people and
/// the system start a fresh rule chain; see [`jobs_for_chain`].
pub fn jobs_for(ticket: &Ticket, events: &[TicketEvent], now: DateTime<Utc>) -> Vec<NewJob> {
    jobs_for_chain(ticket, events, now, &RuleChain::default())
}

/// [`jobs_for`] for a change made within a rule chain: the acknowledgement of a created
/// ticket, and a `run_rules` job (key `rules:<ticket>:<version>`, carrying `chain`) when the
/// events are something rules react to (creation, a customer reply, a watched field's
/// change, timers' anchors) and the chain is not deeper than [`crate::rules::rule::MAX_DEPTH`].
pub fn jobs_for_chain(
    ticket: &Ticket,
    events: &[TicketEvent],
    now: DateTime<Utc>,
    chain: &RuleChain,
) -> Vec<NewJob> {
    let mut jobs: Vec<NewJob> = events
        .iter()
        .filter_map(|e| match e {
            TicketEvent::Created { .. } => Some(NewJob {
                key: format!("ack:{}", ticket.id),
                kind: JobKind::SendAcknowledgement {
                    ticket_id: ticket.id,
                },
                run_at: now,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
            }),
            _ => None,
        })
        .collect();
    if events.iter().any(moves_sla) {
        jobs.push(NewJob {
            key: format!("sla:{}:{}", ticket.id, ticket.version),
            kind: JobKind::SlaUpdate {
                ticket_id: ticket.id,
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        });
    }
    let happened = crate::rules::engine::happened(events);
    if !happened.is_empty() && chain.depth <= crate::rules::rule::MAX_DEPTH {
        jobs.push(NewJob {
            key: format!("rules:{}:{}", ticket.id, ticket.version),
            kind: JobKind::RunRules {
                ticket_id: ticket.id,
                version: ticket.version,
                happened,
                chain: chain.clone(),
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        });
    }
    jobs
}

/// The agent alerts a stored change implies (pure): the new owner hears of an assignment
/// made by someone else, the owner hears of a customer's reply. `ticket` is the ticket as
/// stored by the change (its new version). Mentions come from the note's text, see
/// [`mention_jobs`]. The jobs' `by` is empty; the service fills in the colleague's name.
pub fn alert_jobs(
    ticket: &Ticket,
    events: &[TicketEvent],
    actor: crate::actor::ActorRef,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    use crate::actor::ActorRef;
    use crate::notification::AlertKind;
    let mut out = Vec::new();
    let mut push = |agent: crate::ids::AgentId, alert: AlertKind| {
        out.push(NewJob {
            key: format!(
                "alert:{}:{}:{agent}:{}",
                ticket.id,
                ticket.version,
                alert.as_str()
            ),
            kind: JobKind::AgentAlert {
                ticket_id: ticket.id,
                agent,
                alert,
                by: String::new(),
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        });
    };
    for e in events {
        match e {
            TicketEvent::Assigned { to: Some(a), .. }
                if actor != ActorRef::Agent(*a) && ticket.assignee == Some(*a) =>
            {
                push(*a, AlertKind::Assigned);
            }
            TicketEvent::CustomerReplied => {
                if let Some(a) = ticket.assignee {
                    push(a, AlertKind::CustomerReplied);
                }
            }
            _ => {}
        }
    }
    out
}

/// The alerts of agents mentioned in an internal note written by `author` (never the author
/// themself), for the ticket as stored by that change.
pub fn mention_jobs(
    ticket: &Ticket,
    mentioned: &std::collections::BTreeSet<crate::ids::AgentId>,
    author: crate::ids::AgentId,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    use crate::notification::AlertKind;
    mentioned
        .iter()
        .filter(|a| **a != author)
        .map(|agent| NewJob {
            key: format!("alert:{}:{}:{agent}:mentioned", ticket.id, ticket.version),
            kind: JobKind::AgentAlert {
                ticket_id: ticket.id,
                agent: *agent,
                alert: AlertKind::Mentioned,
                by: String::new(),
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::tests::{t0, ticket};

    #[test]
    fn alerts_go_to_the_new_owner_unless_they_took_it_and_to_the_owner_on_replies() {
        use crate::actor::ActorRef;
        use crate::ids::{AgentId, ContactId};
        use crate::notification::AlertKind;
        let mut t = ticket();
        t.assignee = Some(AgentId(7));
        t.version = 4;
        let assigned = [TicketEvent::Assigned {
            from: None,
            to: Some(AgentId(7)),
        }];
        let by_boss = alert_jobs(&t, &assigned, ActorRef::Agent(AgentId(2)), t0());
        assert_eq!(by_boss.len(), 1);
        assert_eq!(by_boss[0].key, "alert:1:4:7:assigned");
        assert!(matches!(
            &by_boss[0].kind,
            JobKind::AgentAlert { agent: AgentId(7), alert: AlertKind::Assigned, by, .. } if by.is_empty()
        ));
        assert!(alert_jobs(&t, &assigned, ActorRef::Agent(AgentId(7)), t0()).is_empty());
        assert_eq!(alert_jobs(&t, &assigned, ActorRef::System, t0()).len(), 1);
        let replied = alert_jobs(
            &t,
            &[TicketEvent::CustomerReplied],
            ActorRef::Contact(ContactId(3)),
            t0(),
        );
        assert_eq!(replied[0].key, "alert:1:4:7:customer_replied");
        t.assignee = None;
        assert!(alert_jobs(&t, &[TicketEvent::CustomerReplied], ActorRef::System, t0()).is_empty());
        let mentioned: std::collections::BTreeSet<AgentId> = [AgentId(2), AgentId(5)].into();
        let keys: Vec<String> = mention_jobs(&t, &mentioned, AgentId(2), t0())
            .into_iter()
            .map(|j| j.key)
            .collect();
        assert_eq!(keys, ["alert:1:4:5:mentioned"]);
    }

    #[test]
    fn creation_enqueues_one_acknowledgement_the_sla_clocks_and_the_rules() {
        let t = ticket();
        let jobs = jobs_for(
            &t,
            &[TicketEvent::Created {
                channel: t.channel,
                priority: t.priority,
            }],
            t0(),
        );
        let keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        assert_eq!(keys, ["ack:1", "sla:1:1", "rules:1:1"]);
        assert!(matches!(
            &jobs[1].kind,
            JobKind::SlaUpdate { ticket_id } if *ticket_id == t.id
        ));
        assert!(matches!(
            &jobs[2].kind,
            JobKind::RunRules { version: 1, happened, chain, .. }
                if happened.created && *chain == RuleChain::default()
        ));
        assert!(jobs_for(&t, &[TicketEvent::NoteAdded], t0()).is_empty());
        // A public reply moves SLA clocks but is nothing rules react to.
        let keys: Vec<String> = jobs_for(&t, &[TicketEvent::AgentReplied], t0())
            .into_iter()
            .map(|j| j.key)
            .collect();
        assert_eq!(keys, ["sla:1:1"]);
    }

    #[test]
    fn watched_changes_and_replies_run_rules_keyed_by_version() {
        use crate::rules::WatchedField;
        let mut t = ticket();
        t.version = 7;
        let ev = [TicketEvent::PriorityChanged {
            from: crate::ticket::Priority::Normal,
            to: crate::ticket::Priority::High,
        }];
        let jobs = jobs_for(&t, &ev, t0());
        let keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        assert_eq!(keys, ["sla:1:7", "rules:1:7"]);
        let JobKind::RunRules { happened, .. } = &jobs[1].kind else {
            panic!("not a rules job");
        };
        assert!(happened.changed.contains(&WatchedField::Priority));
        let jobs = jobs_for(&t, &[TicketEvent::CustomerReplied], t0());
        assert!(
            matches!(&jobs[1].kind, JobKind::RunRules { happened, .. } if happened.customer_replied)
        );
        // A rule's change carries its chain; beyond the cap nothing runs.
        let chain = RuleChain {
            depth: 2,
            fired: vec![crate::ids::RuleId(4)],
        };
        let jobs = jobs_for_chain(&t, &ev, t0(), &chain);
        assert!(matches!(&jobs[1].kind, JobKind::RunRules { chain: c, .. } if *c == chain));
        let too_deep = RuleChain {
            depth: crate::rules::rule::MAX_DEPTH + 1,
            fired: vec![],
        };
        // Beyond the cap no rules run; the SLA clocks still follow the change.
        let keys: Vec<String> = jobs_for_chain(&t, &ev, t0(), &too_deep)
            .into_iter()
            .map(|j| j.key)
            .collect();
        assert_eq!(keys, ["sla:1:7"]);
    }

    #[test]
    fn backoff_grows_then_caps_and_gives_up() {
        assert_eq!(backoff(0), Duration::seconds(1));
        assert_eq!(backoff(3), Duration::seconds(8));
        assert_eq!(backoff(40), Duration::seconds(3600));
        let mut j = Job {
            id: JobId(1),
            key: "k".into(),
            kind: JobKind::SendAcknowledgement {
                ticket_id: TicketId(1),
            },
            status: JobStatus::Running,
            attempts: 1,
            max_attempts: 2,
            run_at: t0(),
            last_error: None,
        };
        assert_eq!(after_failure(&j, t0()), Some(t0() + Duration::seconds(2)));
        j.attempts = 2;
        assert_eq!(after_failure(&j, t0()), None);
    }
}
