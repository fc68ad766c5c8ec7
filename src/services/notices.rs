//! Sending customer notices (issue 7, point 6; the rules are in [`crate::notices`]).
//!
//! A [`JobKind::CustomerNotice`](crate::job::JobKind::CustomerNotice) job, derived with all
//! switches on by every committed change ([`super::commit`]), runs here:
//! - the ticket's site switches ([`super::widget::notice_switches`]) are read now, so a
//!   switched-off notice is done without a message;
//! - a notice that no longer fits the ticket ([`crate::notices::still_due`]: moved on,
//!   another pending spell, the customer answered) is done without a message;
//! - otherwise one change adds the public system message (dedupe key = the job key, in the
//!   ticket's language), marks it for email where [`crate::notices::by_email`] says so (the
//!   store enqueues the ordinary `DeliverEmail` job in the same transaction), enqueues the
//!   next reminder, and completes the job — all in one transaction, so a repeated run adds
//!   nothing.

use super::{Change, JobOutcome, Ports, commit};
use crate::actor::ActorRef;
use crate::error::DomainError;
use crate::ids::TicketId;
use crate::job::Job;
use crate::message::MessageDraft;
use crate::notices::{self, CustomerNotice};
use crate::ports::JobClaim;
use crate::ticket::{HistoryEntry, Status, TicketEvent};
use chrono::{DateTime, Utc};

/// When the ticket's current pending spell began: the time of its last change into
/// pending (`None` when it never became pending).
fn pending_spell(history: &[HistoryEntry]) -> Option<DateTime<Utc>> {
    history
        .iter()
        .filter(|h| {
            matches!(
                h.event,
                TicketEvent::StatusChanged {
                    to: Status::Pending,
                    ..
                }
            )
        })
        .map(|h| h.at)
        .max()
}

/// Runs one notice job claimed as `claim` (see the module doc).
pub(super) async fn run(
    p: &Ports,
    job: &Job,
    claim: JobClaim,
    ticket_id: TicketId,
    notice: CustomerNotice,
    pending_since: Option<DateTime<Utc>>,
) -> Result<JobOutcome, DomainError> {
    let switches = super::widget::notice_switches(p, ticket_id).await?;
    if !notices::switched_on(notice, switches) || p.store.has_message(ticket_id, &job.key).await? {
        return Ok(JobOutcome::Done);
    }
    let mut last = DomainError::Conflict;
    for _ in 0..8 {
        let before = p
            .store
            .ticket(ticket_id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let spell = pending_spell(&p.store.history(ticket_id).await?);
        if !notices::still_due(notice, &before, pending_since, spell) {
            return Ok(JobOutcome::Done);
        }
        let handles = p
            .store
            .contact(before.contact_id)
            .await?
            .map(|c| c.handles)
            .unwrap_or_default();
        let now = crate::ports::to_micros(p.clock.now());
        let mut after = before.clone();
        after.updated_at = now;
        let mut msg =
            MessageDraft::reply(ActorRef::System, notice.text(before.lang, &before.number))
                .with_dedupe_key(job.key.clone());
        if notices::by_email(before.channel, &handles) {
            msg = msg.sent_by_email();
        }
        let mut change = Change::new(after, ActorRef::System, Vec::new(), vec![msg]);
        if let (CustomerNotice::Reminder { n }, Some(since)) = (notice, pending_since)
            && let Some((next, at)) = notices::next_reminder(before.status, since, n, switches)
        {
            change.jobs.push(notices::notice_job(
                ticket_id,
                before.version,
                next,
                Some(since),
                at,
            ));
        }
        match commit(p, &before, change, Some(claim.clone())).await {
            Ok(_) => return Ok(JobOutcome::Completed),
            Err(DomainError::Conflict) => last = DomainError::Conflict,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::ActorRef;
    use chrono::TimeZone;

    fn entry(to: Status, hour: u32) -> HistoryEntry {
        HistoryEntry {
            ticket_id: TicketId(1),
            actor: ActorRef::System,
            event: TicketEvent::StatusChanged {
                from: Status::Open,
                to,
            },
            at: Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_pending_spell_starts_at_the_last_change_into_pending() {
        assert_eq!(pending_spell(&[]), None);
        assert_eq!(pending_spell(&[entry(Status::Open, 8)]), None);
        let h = [
            entry(Status::Pending, 8),
            entry(Status::Open, 9),
            entry(Status::Pending, 10),
            entry(Status::Resolved, 11),
        ];
        assert_eq!(pending_spell(&h), Some(h[2].at));
    }
}
