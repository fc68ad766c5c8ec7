//! Automatic status notices to customers on their own channel (issue 7, point 6): "taken
//! into work", "waiting for you", "resolved", and reminders while a ticket waits for the
//! customer. Pure: the ticket before and after a change, the site's switches and the time
//! are inputs; which notices to send and their texts are outputs.
//!
//! Invariants:
//! - A notice is derived from a committed change and sent from a durable job whose key is
//!   [`CustomerNotice::job_key`]: "taken" at most once per ticket, the others at most once
//!   per ticket version, a reminder at most once per (pending spell, number).
//! - A switched-off notice is never derived ([`CustomerNotices`]).
//! - Reminders only while the ticket is pending: at most [`MAX_REMINDERS`], the first
//!   [`REMINDER_AFTER`] after the ticket became pending, the next one the same time later.

use crate::ids::{Lang, TicketId, TicketNumber};
use crate::ticket::{Status, Ticket};
use crate::widget::CustomerNotices;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Most reminders in one pending spell.
pub const MAX_REMINDERS: u32 = 2;
/// Time between the ticket becoming pending and the first reminder, and between reminders.
pub const REMINDER_AFTER: Duration = Duration::hours(48);

/// One automatic notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CustomerNotice {
    /// Someone took the request into work.
    Taken,
    /// We asked the customer something and wait for the answer.
    Waiting,
    /// The request was resolved.
    Resolved,
    /// Reminder number `n` (1-based) while we wait.
    Reminder {
        /// Which reminder.
        n: u32,
    },
}

impl CustomerNotice {
    /// The idempotency key of the job that sends it (see the module invariants). `version`
    /// is the ticket's version after the change; for a reminder, `pending_since` names the
    /// pending spell.
    pub fn job_key(
        self,
        ticket: TicketId,
        version: i64,
        pending_since: Option<DateTime<Utc>>,
    ) -> String {
        match self {
            CustomerNotice::Taken => format!("notice:{ticket}:taken"),
            CustomerNotice::Waiting => format!("notice:{ticket}:waiting:{version}"),
            CustomerNotice::Resolved => format!("notice:{ticket}:resolved:{version}"),
            CustomerNotice::Reminder { n } => format!(
                "notice:{ticket}:reminder:{}:{n}",
                pending_since.map_or(0, |t| t.timestamp())
            ),
        }
    }

    /// The text in the customer's language.
    pub fn text(self, lang: Lang, number: &TicketNumber) -> String {
        match (self, lang) {
            (CustomerNotice::Taken, Lang::Ru) => {
                format!(
                    "Ваше обращение №{number} взято в работу. Мы напишем, как только будет ответ."
                )
            }
            (CustomerNotice::Taken, Lang::En) => format!(
                "Your request #{number} has been taken into work. We will write as soon as we have an answer."
            ),
            (CustomerNotice::Waiting, Lang::Ru) => format!(
                "По обращению №{number} мы ждём вашего ответа: без него мы не сможем продолжить."
            ),
            (CustomerNotice::Waiting, Lang::En) => format!(
                "We are waiting for your answer on request #{number}: we cannot go on without it."
            ),
            (CustomerNotice::Resolved, Lang::Ru) => format!(
                "Обращение №{number} решено. Если вопрос остался, просто ответьте на это сообщение — обращение откроется снова."
            ),
            (CustomerNotice::Resolved, Lang::En) => format!(
                "Request #{number} has been resolved. If anything is left, just reply to this message and it will reopen."
            ),
            (CustomerNotice::Reminder { .. }, Lang::Ru) => {
                format!("Напоминаем: по обращению №{number} мы всё ещё ждём вашего ответа.")
            }
            (CustomerNotice::Reminder { .. }, Lang::En) => {
                format!("A reminder: we are still waiting for your answer on request #{number}.")
            }
        }
    }
}

/// The notices a committed change of `before` into `after` calls for, given the site's
/// switches:
/// - `Taken` when the ticket gets its first owner or leaves `New` for work (open or
///   pending) — the job key keeps it to once per ticket;
/// - `Waiting` when it becomes pending;
/// - `Resolved` when it becomes resolved.
pub fn notices_for(before: &Ticket, after: &Ticket, on: CustomerNotices) -> Vec<CustomerNotice> {
    let mut out = Vec::new();
    let working = matches!(after.status, Status::Open | Status::Pending);
    let first_owner = before.assignee.is_none() && after.assignee.is_some();
    let left_new = before.status == Status::New && after.status != Status::New;
    if on.taken && working && (first_owner || left_new) {
        out.push(CustomerNotice::Taken);
    }
    if on.waiting && after.status == Status::Pending && before.status != Status::Pending {
        out.push(CustomerNotice::Waiting);
    }
    if on.resolved && after.status == Status::Resolved && before.status != Status::Resolved {
        out.push(CustomerNotice::Resolved);
    }
    out
}

/// When the next reminder of a pending spell is due, if any: `None` when reminders are
/// off, the ticket is not pending or [`MAX_REMINDERS`] were sent.
pub fn next_reminder(
    status: Status,
    pending_since: DateTime<Utc>,
    sent: u32,
    on: CustomerNotices,
) -> Option<(CustomerNotice, DateTime<Utc>)> {
    if !on.reminder || status != Status::Pending || sent >= MAX_REMINDERS {
        return None;
    }
    let n = sent + 1;
    Some((
        CustomerNotice::Reminder { n },
        pending_since + REMINDER_AFTER * i32::try_from(n).unwrap_or(i32::MAX),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, ContactId, NumberPrefix, PortalToken};
    use crate::ticket::{Channel, Priority};
    use chrono::TimeZone;

    fn ticket(status: Status, assignee: Option<i64>) -> Ticket {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        Ticket {
            id: TicketId(7),
            number: TicketNumber::new(&NumberPrefix::parse("LL").unwrap(), 1042),
            subject: "s".into(),
            status,
            priority: Priority::Normal,
            channel: Channel::WebForm,
            contact_id: ContactId(1),
            assignee: assignee.map(AgentId),
            group: None,
            tags: Default::default(),
            portal_token: PortalToken::from_random(&[1; 16]).unwrap(),
            lang: Lang::Ru,
            version: 3,
            created_at: at,
            updated_at: at,
            first_response_at: None,
            resolved_at: None,
        }
    }

    #[test]
    fn changes_call_for_the_notices_a_customer_expects() {
        let on = CustomerNotices::default();
        let new = ticket(Status::New, None);
        assert_eq!(
            notices_for(&new, &ticket(Status::Open, Some(1)), on),
            vec![CustomerNotice::Taken]
        );
        assert_eq!(
            notices_for(&new, &ticket(Status::New, Some(1)), on),
            vec![],
            "assigned but still new and not in work: nothing yet"
        );
        assert_eq!(
            notices_for(
                &ticket(Status::Open, None),
                &ticket(Status::Open, Some(2)),
                on
            ),
            vec![CustomerNotice::Taken]
        );
        assert_eq!(
            notices_for(
                &ticket(Status::Open, Some(1)),
                &ticket(Status::Pending, Some(1)),
                on
            ),
            vec![CustomerNotice::Waiting]
        );
        assert_eq!(
            notices_for(&new, &ticket(Status::Pending, Some(1)), on),
            vec![CustomerNotice::Taken, CustomerNotice::Waiting]
        );
        assert_eq!(
            notices_for(
                &ticket(Status::Open, Some(1)),
                &ticket(Status::Resolved, Some(1)),
                on
            ),
            vec![CustomerNotice::Resolved]
        );
        assert_eq!(
            notices_for(&new, &ticket(Status::Closed, None), on),
            vec![],
            "closed straight away (spam): no notice"
        );
        assert_eq!(
            notices_for(
                &ticket(Status::Pending, Some(1)),
                &ticket(Status::Pending, Some(2)),
                on
            ),
            vec![],
            "a hand-over while pending says nothing"
        );
        let off = CustomerNotices {
            taken: false,
            waiting: false,
            resolved: true,
            reminder: true,
        };
        assert_eq!(
            notices_for(&new, &ticket(Status::Pending, Some(1)), off),
            vec![]
        );
    }

    #[test]
    fn job_keys_make_taken_once_and_the_rest_once_per_version() {
        let t = TicketId(7);
        let since = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        assert_eq!(CustomerNotice::Taken.job_key(t, 3, None), "notice:7:taken");
        assert_eq!(CustomerNotice::Taken.job_key(t, 9, None), "notice:7:taken");
        assert_eq!(
            CustomerNotice::Waiting.job_key(t, 3, None),
            "notice:7:waiting:3"
        );
        assert_eq!(
            CustomerNotice::Resolved.job_key(t, 4, None),
            "notice:7:resolved:4"
        );
        assert_eq!(
            CustomerNotice::Reminder { n: 2 }.job_key(t, 4, Some(since)),
            format!("notice:7:reminder:{}:2", since.timestamp())
        );
    }

    #[test]
    fn reminders_come_every_48_hours_at_most_twice_while_pending() {
        let on = CustomerNotices::default();
        let since = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        assert_eq!(
            next_reminder(Status::Pending, since, 0, on),
            Some((
                CustomerNotice::Reminder { n: 1 },
                since + Duration::hours(48)
            ))
        );
        assert_eq!(
            next_reminder(Status::Pending, since, 1, on),
            Some((
                CustomerNotice::Reminder { n: 2 },
                since + Duration::hours(96)
            ))
        );
        assert_eq!(next_reminder(Status::Pending, since, 2, on), None);
        assert_eq!(next_reminder(Status::Open, since, 0, on), None);
        let off = CustomerNotices {
            reminder: false,
            ..on
        };
        assert_eq!(next_reminder(Status::Pending, since, 0, off), None);
    }

    #[test]
    fn texts_name_the_ticket_in_both_languages() {
        let n = TicketNumber::new(&NumberPrefix::parse("LL").unwrap(), 1042);
        for kind in [
            CustomerNotice::Taken,
            CustomerNotice::Waiting,
            CustomerNotice::Resolved,
            CustomerNotice::Reminder { n: 1 },
        ] {
            let ru = kind.text(Lang::Ru, &n);
            let en = kind.text(Lang::En, &n);
            assert!(ru.contains("№LL-1042"), "{ru}");
            assert!(en.contains("#LL-1042"), "{en}");
            assert!(ru.chars().any(|c| ('а'..='я').contains(&c)));
            assert!(en.is_ascii());
        }
    }
}
