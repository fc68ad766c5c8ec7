//! Automatic status notices to customers on their own channel (issue 7, point 6): "taken
//! into work", "waiting for you", "resolved", and reminders while a ticket waits for the
//! customer. Pure: the ticket before and after a change, the site's switches and the time
//! are inputs; which notices to send and their texts are outputs.
//!
//! Invariants:
//! - A notice is derived from a committed change and sent from a durable job whose key is
//!   [`CustomerNotice::job_key`]: "taken" at most once per ticket, the others at most once
//!   per ticket version, a reminder at most once per (pending spell, number).
//! - A switched-off notice is never sent ([`CustomerNotices`]). Every change is derived
//!   with all switches on ([`notice_jobs`], pure, from the committed `before`/`after` in the
//!   services' one commit path, `services::commit`, which every status and owner change
//!   takes: agents' changes, bulk changes, replies, customers' portal and widget replies,
//!   rules, SLA breach actions) and the job checks the site's switches when it runs
//!   ([`switched_on`]): a switch turned off while a reminder waits stops it, and deriving
//!   needs no store read. [`notices_for`] itself honours the switches it is given. Paths
//!   that bypass `commit` call for no notice: a merge only closes its sources, email intake
//!   only reopens.
//! - A notice is sent only while it still fits the ticket ([`still_due`]): "taken" while in
//!   work, "waiting" and reminders in the same pending spell that derived them (a customer's
//!   answer ends the spell), "resolved" while resolved or closed. A job that no longer fits
//!   is done without a message.
//! - Reminders only while the ticket is pending: at most [`MAX_REMINDERS`], the first
//!   [`REMINDER_AFTER`] after the ticket became pending (derived with the change), the next
//!   one the same time later (enqueued by the previous reminder with its message).
//! - The notice is a public system message keyed by its job key (portal, widget chat); it
//!   also leaves by email for email tickets and for any other ticket whose contact has an
//!   address, except live chats ([`by_email`]).

use crate::contact::Handle;
use crate::ids::{Lang, TicketId, TicketNumber};
use crate::job::{DEFAULT_MAX_ATTEMPTS, JobKind, NewJob};
use crate::ticket::{Channel, Status, Ticket, TicketEvent};
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

/// Whether `body` is the text of a notice about ticket `number` in `lang` (mail subjects
/// tell notices from the acknowledgement by it).
pub fn is_notice_text(body: &str, lang: Lang, number: &TicketNumber) -> bool {
    let body = body.trim();
    [
        CustomerNotice::Taken,
        CustomerNotice::Waiting,
        CustomerNotice::Resolved,
        CustomerNotice::Reminder { n: 1 },
    ]
    .into_iter()
    .any(|n| n.text(lang, number) == body)
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

/// The notice jobs a committed change of `before` into `after` (as stored: its new
/// `version`) with `events` at `now` implies, derived with all switches on (see the module
/// invariants): one [`JobKind::CustomerNotice`] per notice of [`notices_for`], except
/// "taken" when the change is an agent's public reply (the reply itself tells the customer
/// someone works on it), and when the ticket became pending the first reminder, due
/// [`REMINDER_AFTER`] later.
pub fn notice_jobs(
    before: &Ticket,
    after: &Ticket,
    events: &[TicketEvent],
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    let all = CustomerNotices::default();
    let spell = (after.status == Status::Pending).then_some(now);
    let replied = events.contains(&TicketEvent::AgentReplied);
    let mut out: Vec<NewJob> = notices_for(before, after, all)
        .into_iter()
        .filter(|n| !(replied && *n == CustomerNotice::Taken))
        .map(|notice| {
            let since = match notice {
                CustomerNotice::Waiting => spell,
                _ => None,
            };
            notice_job(after.id, after.version, notice, since, now)
        })
        .collect();
    if let (Some(since), true) = (spell, before.status != Status::Pending)
        && let Some((notice, at)) = next_reminder(Status::Pending, since, 0, all)
    {
        out.push(notice_job(after.id, after.version, notice, Some(since), at));
    }
    out
}

/// The job sending `notice` about ticket `ticket` (at `version`; `pending_since` names the
/// pending spell of "waiting" and reminders) at `run_at`, keyed [`CustomerNotice::job_key`].
pub fn notice_job(
    ticket: TicketId,
    version: i64,
    notice: CustomerNotice,
    pending_since: Option<DateTime<Utc>>,
    run_at: DateTime<Utc>,
) -> NewJob {
    NewJob {
        key: notice.job_key(ticket, version, pending_since),
        kind: JobKind::CustomerNotice {
            ticket_id: ticket,
            notice,
            pending_since,
        },
        run_at,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

/// Whether the site's switches let `notice` go out.
pub fn switched_on(notice: CustomerNotice, on: CustomerNotices) -> bool {
    match notice {
        CustomerNotice::Taken => on.taken,
        CustomerNotice::Waiting => on.waiting,
        CustomerNotice::Resolved => on.resolved,
        CustomerNotice::Reminder { .. } => on.reminder,
    }
}

/// Whether `notice` still fits `ticket` when its job runs. `pending_since` is the spell the
/// job was derived in, `spell` when the ticket's current pending spell began (`None` when it
/// never became pending).
pub fn still_due(
    notice: CustomerNotice,
    ticket: &Ticket,
    pending_since: Option<DateTime<Utc>>,
    spell: Option<DateTime<Utc>>,
) -> bool {
    match notice {
        CustomerNotice::Taken => matches!(ticket.status, Status::Open | Status::Pending),
        CustomerNotice::Waiting | CustomerNotice::Reminder { .. } => {
            ticket.status == Status::Pending && pending_since.is_some() && pending_since == spell
        }
        CustomerNotice::Resolved => matches!(ticket.status, Status::Resolved | Status::Closed),
    }
}

/// Whether a notice leaves by email besides the thread, given the ticket's channel and its
/// contact's handles: always on email tickets; on other channels when the contact has an
/// address, except live chats (a widget ticket of a chat visitor reads it in the chat; the
/// widget's offline form, whose contact is an address, gets mail).
pub fn by_email(channel: Channel, handles: &[Handle]) -> bool {
    let email = handles.iter().any(|h| matches!(h, Handle::Email(_)));
    let visitor = handles.iter().any(|h| matches!(h, Handle::Visitor(_)));
    channel == Channel::Email || (email && !(channel == Channel::Widget && visitor))
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
    fn a_change_derives_notice_jobs_with_all_switches_on_and_the_first_reminder() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let jobs = notice_jobs(
            &ticket(Status::New, None),
            &ticket(Status::Pending, Some(1)),
            &[],
            now,
        );
        let keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        let since = now.timestamp();
        assert_eq!(
            keys,
            [
                "notice:7:taken".to_owned(),
                "notice:7:waiting:3".to_owned(),
                format!("notice:7:reminder:{since}:1"),
            ]
        );
        assert_eq!(jobs[0].run_at, now);
        assert!(matches!(
            jobs[1].kind,
            JobKind::CustomerNotice { notice: CustomerNotice::Waiting, pending_since: Some(t), .. } if t == now
        ));
        assert_eq!(jobs[2].run_at, now + REMINDER_AFTER);
        assert!(matches!(
            jobs[2].kind,
            JobKind::CustomerNotice { notice: CustomerNotice::Reminder { n: 1 }, pending_since: Some(t), .. } if t == now
        ));
        assert!(
            notice_jobs(
                &ticket(Status::Pending, Some(1)),
                &ticket(Status::Pending, Some(2)),
                &[],
                now
            )
            .is_empty(),
            "still pending: no new spell, no new reminders"
        );
        assert!(
            notice_jobs(
                &ticket(Status::New, None),
                &ticket(Status::Open, None),
                &[TicketEvent::AgentReplied],
                now
            )
            .is_empty(),
            "an agent's first reply speaks for itself"
        );
        let resolved = notice_jobs(
            &ticket(Status::Open, Some(1)),
            &ticket(Status::Resolved, Some(1)),
            &[],
            now,
        );
        assert!(matches!(
            resolved.as_slice(),
            [NewJob {
                kind: JobKind::CustomerNotice {
                    notice: CustomerNotice::Resolved,
                    pending_since: None,
                    ..
                },
                ..
            }]
        ));
    }

    #[test]
    fn a_notice_goes_out_only_while_it_fits_and_its_switch_is_on() {
        let since = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let later = since + Duration::hours(1);
        let pending = ticket(Status::Pending, Some(1));
        let open = ticket(Status::Open, Some(1));
        let reminder = CustomerNotice::Reminder { n: 1 };
        assert!(still_due(reminder, &pending, Some(since), Some(since)));
        assert!(
            !still_due(reminder, &open, Some(since), Some(since)),
            "the customer answered"
        );
        assert!(
            !still_due(reminder, &pending, Some(since), Some(later)),
            "another spell has its own reminders"
        );
        assert!(!still_due(CustomerNotice::Waiting, &pending, None, None));
        assert!(still_due(CustomerNotice::Taken, &open, None, None));
        assert!(!still_due(
            CustomerNotice::Taken,
            &ticket(Status::Resolved, Some(1)),
            None,
            None
        ));
        assert!(still_due(
            CustomerNotice::Resolved,
            &ticket(Status::Closed, Some(1)),
            None,
            None
        ));
        assert!(!still_due(CustomerNotice::Resolved, &open, None, None));
        let on = CustomerNotices::default();
        let off = CustomerNotices {
            taken: false,
            reminder: false,
            ..on
        };
        assert!(switched_on(CustomerNotice::Taken, on));
        assert!(!switched_on(CustomerNotice::Taken, off));
        assert!(!switched_on(reminder, off));
        assert!(switched_on(CustomerNotice::Waiting, off));
        assert!(switched_on(CustomerNotice::Resolved, off));
    }

    #[test]
    fn notices_leave_by_email_except_in_live_chats() {
        use crate::ids::EmailAddress;
        use crate::widget::VisitorHandle;
        let mail = Handle::Email(EmailAddress::parse("a@b.test").unwrap());
        let visitor = Handle::Visitor(VisitorHandle::parse(&"a".repeat(32)).unwrap());
        assert!(by_email(Channel::Email, &[]));
        assert!(by_email(Channel::WebForm, std::slice::from_ref(&mail)));
        assert!(!by_email(Channel::WebForm, &[]));
        assert!(by_email(Channel::Api, std::slice::from_ref(&mail)));
        assert!(
            by_email(Channel::Widget, std::slice::from_ref(&mail)),
            "the offline form"
        );
        assert!(!by_email(Channel::Widget, std::slice::from_ref(&visitor)));
        assert!(!by_email(Channel::Widget, &[visitor, mail]), "a live chat");
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
            assert!(is_notice_text(&format!("{ru}\n"), Lang::Ru, &n));
            assert!(!is_notice_text(&ru, Lang::En, &n));
        }
    }
}
