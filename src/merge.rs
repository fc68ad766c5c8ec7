//! Bulk actions, merging tickets and "related" links (issue 6): the pure rules.
//!
//! **Bulk actions** apply one ordinary field change ([`crate::services::TicketChange`]) to
//! many tickets, each from the version the agent saw and in its own transaction; a batch
//! holds 1–[`MAX_BULK`] distinct tickets ([`check_bulk`]) and every ticket gets its own
//! [`BulkOutcome`].
//!
//! **Merging** moves every message of one or more *source* tickets into a *target* ticket
//! ([`plan_merge`] computes the change, the store writes it in one transaction):
//! - a source becomes `closed` whatever its status (the one way into `closed` besides
//!   `resolved → closed`, see [`Ticket::merge_into`]) and records
//!   [`TicketEvent::MergedInto`]; the target records one [`TicketEvent::MergedFrom`] per
//!   source and keeps its own status;
//! - the customer is told: one public reply by the system on the target, in the target's
//!   language ([`merged_notice`]), delivered like every public reply (by email for an email
//!   ticket);
//! - refused (422, field named): no sources (`sources`/`required`), more than
//!   [`MAX_MERGE_SOURCES`] (`sources`/`too_many`), a ticket merged into itself
//!   (`sources`/`self`), a source already merged (`sources`/`already_merged`), a target that
//!   was merged itself (`target`/`merged`) or is closed (`target`/`closed`);
//! - **different customers**: tickets of different contacts merge only when the agent
//!   confirms it *and* is a manager or admin. Without the confirmation it is
//!   `sources`/`other_contact` (the page asks); a confirmation from an agent who is not a
//!   manager is `Forbidden`. The target's customer is the one informed; the source's
//!   messages stay attributed to their own contact.
//!
//! **Links** are symmetric "related" pairs (`a < b` as stored): no self-links
//! (`ticket`/`self`), no duplicates (`ticket`/`taken`); both tickets record
//! [`TicketEvent::Linked`] / [`TicketEvent::Unlinked`].
//!
//! Invariants: pure (no I/O, time passed in); a plan is computed from the versions the
//! caller loaded, and the store refuses it (`Conflict`) when any of them moved on.

use crate::actor::ActorRef;
use crate::error::{DomainError, FieldErrors};
use crate::ids::{Lang, TicketId, TicketNumber};
use crate::message::MessageDraft;
use crate::ticket::{Status, Ticket, TicketEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most tickets one bulk action changes.
pub const MAX_BULK: usize = 200;
/// Most source tickets of one merge.
pub const MAX_MERGE_SOURCES: usize = 50;

/// What became of one ticket of a bulk action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkOutcome {
    /// Changed (or already as asked).
    Ok,
    /// Someone changed it since the agent saw it.
    Conflict,
    /// No such ticket.
    NotFound,
    /// The agent may not make this change.
    Forbidden,
    /// The ticket refused the change (a status move the state machine forbids, a bad tag).
    Refused,
    /// Storing failed (logged); nothing was changed on it.
    Failed,
}

impl BulkOutcome {
    /// The outcome of one ticket's change.
    pub fn of<T>(r: &Result<T, DomainError>) -> Self {
        match r {
            Ok(_) => BulkOutcome::Ok,
            Err(DomainError::Conflict) => BulkOutcome::Conflict,
            Err(DomainError::NotFound) => BulkOutcome::NotFound,
            Err(DomainError::Forbidden) => BulkOutcome::Forbidden,
            Err(DomainError::Invalid(_) | DomainError::TransitionNotAllowed) => {
                BulkOutcome::Refused
            }
            Err(DomainError::Storage(_) | DomainError::Unavailable(_)) => BulkOutcome::Failed,
        }
    }
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkOutcome::Ok => "ok",
            BulkOutcome::Conflict => "conflict",
            BulkOutcome::NotFound => "not_found",
            BulkOutcome::Forbidden => "forbidden",
            BulkOutcome::Refused => "refused",
            BulkOutcome::Failed => "failed",
        }
    }
}

/// One ticket's result in a bulk action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// The ticket.
    pub ticket: TicketId,
    /// What happened.
    pub outcome: BulkOutcome,
    /// Its version after the change (when `Ok`).
    pub version: Option<i64>,
}

/// Checks a bulk batch: 1–[`MAX_BULK`] tickets (`tickets`/`required`, `tickets`/`too_many`);
/// a ticket named twice is kept once (its first version).
pub fn check_bulk(items: &[(TicketId, i64)]) -> Result<Vec<(TicketId, i64)>, DomainError> {
    let mut out: Vec<(TicketId, i64)> = Vec::with_capacity(items.len());
    for (id, v) in items {
        if !out.iter().any(|(x, _)| x == id) {
            out.push((*id, *v));
        }
    }
    let code = if out.is_empty() {
        Some("required")
    } else if out.len() > MAX_BULK {
        Some("too_many")
    } else {
        None
    };
    match code {
        Some(code) => Err(field("tickets", code)),
        None => Ok(out),
    }
}

fn field(name: &str, code: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(name, code);
    DomainError::Invalid(e)
}

impl Ticket {
    /// This ticket was merged into `target`: it becomes closed (whatever its status) and
    /// records where it went.
    pub fn merge_into(&mut self, target: &Ticket, now: DateTime<Utc>) -> Vec<TicketEvent> {
        let mut ev = Vec::new();
        if self.status != Status::Closed {
            ev.push(TicketEvent::StatusChanged {
                from: self.status,
                to: Status::Closed,
            });
            self.status = Status::Closed;
        }
        ev.push(TicketEvent::MergedInto {
            ticket: target.id,
            number: target.number.clone(),
        });
        self.updated_at = now;
        ev
    }
}

/// One source ticket as loaded for a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSource {
    /// The ticket at the version the agent saw (the service checked it).
    pub ticket: Ticket,
    /// Was it merged into another ticket already?
    pub merged: bool,
}

/// Who asks for a merge, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeAsk {
    /// The acting agent is a manager or admin.
    pub manager: bool,
    /// The agent confirmed merging tickets of different customers.
    pub confirm_other_contacts: bool,
}

/// A source's change in a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceChange {
    /// The version it was computed from.
    pub expected_version: i64,
    /// The source after (closed).
    pub after: Ticket,
    /// Its history rows.
    pub events: Vec<TicketEvent>,
}

/// Everything a merge writes (in one transaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePlan {
    /// The version of the target it was computed from.
    pub target_version: i64,
    /// The target after.
    pub target: Ticket,
    /// The target's history rows.
    pub target_events: Vec<TicketEvent>,
    /// The sources, in the order given.
    pub sources: Vec<SourceChange>,
    /// The public notice for the customer, appended to the target after the moved messages.
    pub notice: MessageDraft,
}

/// Computes a merge of `sources` into `target` (see the module doc for what is refused).
/// `target_merged`: the target was itself merged into another ticket.
pub fn plan_merge(
    target: &Ticket,
    target_merged: bool,
    sources: &[MergeSource],
    ask: MergeAsk,
    now: DateTime<Utc>,
) -> Result<MergePlan, DomainError> {
    if sources.is_empty() {
        return Err(field("sources", "required"));
    }
    if sources.len() > MAX_MERGE_SOURCES {
        return Err(field("sources", "too_many"));
    }
    if sources.iter().any(|s| s.ticket.id == target.id) {
        return Err(field("sources", "self"));
    }
    if target_merged {
        return Err(field("target", "merged"));
    }
    if target.status == Status::Closed {
        return Err(field("target", "closed"));
    }
    if sources.iter().any(|s| s.merged) {
        return Err(field("sources", "already_merged"));
    }
    for (i, s) in sources.iter().enumerate() {
        if sources[..i].iter().any(|x| x.ticket.id == s.ticket.id) {
            return Err(field("sources", "duplicate"));
        }
    }
    if sources
        .iter()
        .any(|s| s.ticket.contact_id != target.contact_id)
    {
        if !ask.confirm_other_contacts {
            return Err(field("sources", "other_contact"));
        }
        if !ask.manager {
            return Err(DomainError::Forbidden);
        }
    }
    let mut after = target.clone();
    after.updated_at = now;
    let target_events = sources
        .iter()
        .map(|s| TicketEvent::MergedFrom {
            ticket: s.ticket.id,
            number: s.ticket.number.clone(),
        })
        .collect();
    let changes = sources
        .iter()
        .map(|s| {
            let mut t = s.ticket.clone();
            let events = t.merge_into(target, now);
            SourceChange {
                expected_version: s.ticket.version,
                after: t,
                events,
            }
        })
        .collect();
    let numbers: Vec<TicketNumber> = sources.iter().map(|s| s.ticket.number.clone()).collect();
    let key = sources
        .iter()
        .map(|s| s.ticket.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let notice = MessageDraft::reply(
        ActorRef::System,
        merged_notice(target.lang, &target.number, &numbers),
    )
    .with_dedupe_key(format!("merge:{key}"));
    Ok(MergePlan {
        target_version: target.version,
        target: after,
        target_events,
        sources: changes,
        notice,
    })
}

/// "Your requests … were merged into #N" in the customer's language.
pub fn merged_notice(lang: Lang, target: &TicketNumber, sources: &[TicketNumber]) -> String {
    let list = |mark: &str| {
        sources
            .iter()
            .map(|n| format!("{mark}{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (lang, sources.len()) {
        (Lang::Ru, 1) => format!(
            "Ваше обращение {} объединено с обращением №{target}. Мы продолжим работу здесь; \
             все ответы будут в этой переписке.",
            list("№")
        ),
        (Lang::Ru, _) => format!(
            "Ваши обращения {} объединены с обращением №{target}. Мы продолжим работу здесь; \
             все ответы будут в этой переписке.",
            list("№")
        ),
        (Lang::En, 1) => format!(
            "Your request {} has been merged into request #{target}. We will continue here; \
             every answer will appear in this conversation.",
            list("#")
        ),
        (Lang::En, _) => format!(
            "Your requests {} have been merged into request #{target}. We will continue here; \
             every answer will appear in this conversation.",
            list("#")
        ),
    }
}

/// A ticket named next to another one (merge marker, link list), with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedTicket {
    /// Id.
    pub id: TicketId,
    /// Number.
    pub number: TicketNumber,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: Status,
    /// Group (who may see it, see [`crate::visibility`]).
    pub group: Option<crate::ids::GroupId>,
}

impl RelatedTicket {
    /// The reference to `t`.
    pub fn of(t: &Ticket) -> Self {
        Self {
            id: t.id,
            number: t.number.clone(),
            subject: t.subject.clone(),
            status: t.status,
            group: t.group,
        }
    }
}

/// How a ticket relates to others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relations {
    /// The ticket it was merged into (then it is closed).
    pub merged_into: Option<RelatedTicket>,
    /// The tickets merged into it, oldest merge first.
    pub merged_from: Vec<RelatedTicket>,
    /// Its "related" tickets, by number.
    pub links: Vec<RelatedTicket>,
}

/// Checks a link between `a` and `b` and returns the stored pair (smaller id first).
pub fn link_pair(a: TicketId, b: TicketId) -> Result<(TicketId, TicketId), DomainError> {
    if a == b {
        return Err(field("ticket", "self"));
    }
    Ok(if a.0 < b.0 { (a, b) } else { (b, a) })
}

/// Parses what an agent types to name a ticket: `LL-1042`, `#LL-1042`, or just the sequence
/// (`1042`, `#1042`) under this installation's prefix. `None`: not a ticket number.
pub fn parse_ticket_ref(raw: &str, prefix: &crate::ids::NumberPrefix) -> Option<TicketNumber> {
    let t = raw.trim().trim_start_matches('#').trim();
    if let Ok(seq) = t.parse::<i64>() {
        return (seq > 0).then(|| TicketNumber::new(prefix, seq));
    }
    TicketNumber::parse(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ContactId, NumberPrefix};
    use crate::ticket::tests::{t0, ticket};

    fn numbered(id: i64, contact: i64) -> Ticket {
        let mut t = ticket();
        t.id = TicketId(id);
        t.number = TicketNumber::new(&NumberPrefix::default(), 1000 + id);
        t.contact_id = ContactId(contact);
        t.version = 3;
        t
    }

    fn src(t: Ticket) -> MergeSource {
        MergeSource {
            ticket: t,
            merged: false,
        }
    }

    const AGENT: MergeAsk = MergeAsk {
        manager: false,
        confirm_other_contacts: false,
    };

    fn code(e: DomainError) -> (String, String) {
        match e {
            DomainError::Invalid(f) => (f.0[0].field.clone(), f.0[0].code.clone()),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn merge_closes_sources_and_records_both_sides() {
        let target = numbered(1, 7);
        let mut open = numbered(2, 7);
        open.status = Status::Open;
        let mut closed = numbered(3, 7);
        closed.status = Status::Closed;
        let later = t0() + chrono::TimeDelta::hours(1);
        let plan = plan_merge(&target, false, &[src(open), src(closed)], AGENT, later).unwrap();
        assert_eq!(plan.target_version, 3);
        assert_eq!(
            plan.target.status, target.status,
            "the target keeps its status"
        );
        assert_eq!(plan.target.updated_at, later);
        assert_eq!(
            plan.target_events,
            vec![
                TicketEvent::MergedFrom {
                    ticket: TicketId(2),
                    number: TicketNumber::new(&NumberPrefix::default(), 1002)
                },
                TicketEvent::MergedFrom {
                    ticket: TicketId(3),
                    number: TicketNumber::new(&NumberPrefix::default(), 1003)
                },
            ]
        );
        let into = TicketEvent::MergedInto {
            ticket: TicketId(1),
            number: TicketNumber::new(&NumberPrefix::default(), 1001),
        };
        assert_eq!(
            plan.sources[0].events,
            vec![
                TicketEvent::StatusChanged {
                    from: Status::Open,
                    to: Status::Closed
                },
                into.clone()
            ]
        );
        assert_eq!(plan.sources[1].events, vec![into], "already closed");
        assert!(
            plan.sources
                .iter()
                .all(|s| s.after.status == Status::Closed)
        );
        assert_eq!(plan.sources[0].expected_version, 3);
        assert_eq!(plan.notice.author, ActorRef::System);
        assert_eq!(plan.notice.visibility, crate::message::Visibility::Public);
        assert_eq!(plan.notice.dedupe_key.as_deref(), Some("merge:2,3"));
        assert!(
            plan.notice
                .body
                .starts_with("Ваши обращения №LL-1002, №LL-1003 объединены с обращением №LL-1001"),
            "{}",
            plan.notice.body
        );
    }

    #[test]
    fn merge_refusals_name_the_field() {
        let target = numbered(1, 7);
        let s = numbered(2, 7);
        let at = t0();
        assert_eq!(
            code(plan_merge(&target, false, &[], AGENT, at).unwrap_err()),
            ("sources".into(), "required".into())
        );
        assert_eq!(
            code(plan_merge(&target, false, &[src(target.clone())], AGENT, at).unwrap_err()),
            ("sources".into(), "self".into())
        );
        assert_eq!(
            code(plan_merge(&target, true, &[src(s.clone())], AGENT, at).unwrap_err()),
            ("target".into(), "merged".into())
        );
        let mut closed = target.clone();
        closed.status = Status::Closed;
        assert_eq!(
            code(plan_merge(&closed, false, &[src(s.clone())], AGENT, at).unwrap_err()),
            ("target".into(), "closed".into())
        );
        let merged = MergeSource {
            ticket: s.clone(),
            merged: true,
        };
        assert_eq!(
            code(plan_merge(&target, false, &[merged], AGENT, at).unwrap_err()),
            ("sources".into(), "already_merged".into())
        );
        assert_eq!(
            code(
                plan_merge(&target, false, &[src(s.clone()), src(s.clone())], AGENT, at)
                    .unwrap_err()
            ),
            ("sources".into(), "duplicate".into())
        );
        let many: Vec<MergeSource> = (0..=MAX_MERGE_SOURCES as i64)
            .map(|i| src(numbered(10 + i, 7)))
            .collect();
        assert_eq!(
            code(plan_merge(&target, false, &many, AGENT, at).unwrap_err()),
            ("sources".into(), "too_many".into())
        );
    }

    #[test]
    fn other_customers_merge_only_when_a_manager_confirms() {
        let target = numbered(1, 7);
        let other = numbered(2, 8);
        let at = t0();
        for manager in [false, true] {
            let ask = MergeAsk {
                manager,
                confirm_other_contacts: false,
            };
            assert_eq!(
                code(plan_merge(&target, false, &[src(other.clone())], ask, at).unwrap_err()),
                ("sources".into(), "other_contact".into())
            );
        }
        let agent_confirms = MergeAsk {
            manager: false,
            confirm_other_contacts: true,
        };
        assert_eq!(
            plan_merge(&target, false, &[src(other.clone())], agent_confirms, at),
            Err(DomainError::Forbidden)
        );
        let manager_confirms = MergeAsk {
            manager: true,
            confirm_other_contacts: true,
        };
        assert!(plan_merge(&target, false, &[src(other)], manager_confirms, at).is_ok());
    }

    #[test]
    fn notices_in_both_languages_name_every_ticket() {
        let n = |s| TicketNumber::new(&NumberPrefix::default(), s);
        assert_eq!(
            merged_notice(Lang::En, &n(5), &[n(6)]),
            "Your request #LL-6 has been merged into request #LL-5. We will continue here; \
             every answer will appear in this conversation."
        );
        assert!(
            merged_notice(Lang::En, &n(5), &[n(6), n(7)])
                .starts_with("Your requests #LL-6, #LL-7 have been merged into request #LL-5.")
        );
        assert!(
            merged_notice(Lang::Ru, &n(5), &[n(6)])
                .starts_with("Ваше обращение №LL-6 объединено с обращением №LL-5.")
        );
    }

    #[test]
    fn bulk_batches_are_capped_and_deduplicated() {
        assert_eq!(
            code(check_bulk(&[]).unwrap_err()),
            ("tickets".into(), "required".into())
        );
        let many: Vec<(TicketId, i64)> = (1..=MAX_BULK as i64 + 1)
            .map(|i| (TicketId(i), 1))
            .collect();
        assert_eq!(
            code(check_bulk(&many).unwrap_err()),
            ("tickets".into(), "too_many".into())
        );
        assert_eq!(check_bulk(&many[..MAX_BULK]).unwrap().len(), MAX_BULK);
        assert_eq!(
            check_bulk(&[(TicketId(1), 2), (TicketId(1), 5), (TicketId(2), 1)]).unwrap(),
            vec![(TicketId(1), 2), (TicketId(2), 1)]
        );
    }

    #[test]
    fn bulk_outcomes_map_every_error() {
        assert_eq!(BulkOutcome::of(&Ok::<(), DomainError>(())), BulkOutcome::Ok);
        let of = |e| BulkOutcome::of(&Err::<(), _>(e));
        assert_eq!(of(DomainError::Conflict), BulkOutcome::Conflict);
        assert_eq!(of(DomainError::NotFound), BulkOutcome::NotFound);
        assert_eq!(of(DomainError::Forbidden), BulkOutcome::Forbidden);
        assert_eq!(of(DomainError::TransitionNotAllowed), BulkOutcome::Refused);
        assert_eq!(of(DomainError::Storage("x".into())), BulkOutcome::Failed);
        assert_eq!(BulkOutcome::NotFound.as_str(), "not_found");
    }

    #[test]
    fn links_are_unordered_pairs_without_self_links() {
        assert_eq!(
            link_pair(TicketId(9), TicketId(4)).unwrap(),
            (TicketId(4), TicketId(9))
        );
        assert_eq!(
            link_pair(TicketId(4), TicketId(9)).unwrap(),
            (TicketId(4), TicketId(9))
        );
        assert_eq!(
            code(link_pair(TicketId(4), TicketId(4)).unwrap_err()),
            ("ticket".into(), "self".into())
        );
    }

    #[test]
    fn ticket_refs_parse_with_or_without_the_prefix() {
        let p = NumberPrefix::default();
        let n = TicketNumber::new(&p, 1042);
        assert_eq!(parse_ticket_ref("#1042", &p), Some(n.clone()));
        assert_eq!(parse_ticket_ref(" 1042 ", &p), Some(n.clone()));
        assert_eq!(parse_ticket_ref("LL-1042", &p), Some(n.clone()));
        assert_eq!(parse_ticket_ref("#ll-1042", &p), Some(n));
        assert_eq!(parse_ticket_ref("#0", &p), None);
        assert_eq!(parse_ticket_ref("hello", &p), None);
    }
}
