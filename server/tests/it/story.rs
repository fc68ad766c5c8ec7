//! The store conformance story: one walk through every `Store` method, run against SQLite
//! and PostgreSQL. A store change without a step here is incomplete.
//!
//! The story starts from an empty, migrated database and drives time explicitly (no clock
//! reads), using the core's own transitions to build updates, so what it stores is what the
//! services would store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{self, Backend, SqlStore};
use chrono::{DateTime, Duration, TimeZone, Utc};
use lossless::actor::{ActorRef, Role};
use lossless::contact::{ContactDraft, Handle};
use lossless::email::{IngestEmail, IngestOutcome, Ingested, MailboxId};
use lossless::ids::{
    AgentId, ContactId, EmailAddress, GroupId, JobId, Lang, NumberPrefix, PhoneE164, PortalToken,
    TicketId, TicketNumber,
};
use lossless::job::{Job, JobKind, JobStatus, NewJob, after_failure};
use lossless::message::{Direction, MessageDraft, Visibility};
use lossless::ports::{
    CreateTicket, Created, IntakeKey, JobClaim, QueueQuery, QueueView, Store, StoreError,
    UpdateTicket, to_micros,
};
use lossless::team::NewAgent;
use lossless::ticket::{Channel, Priority, Status, Ticket, TicketDraft, TicketEvent};
use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().unwrap()
}

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn phone(s: &str) -> PhoneE164 {
    PhoneE164::parse(s).unwrap()
}

/// A fresh portal token per call.
fn token() -> PortalToken {
    static N: AtomicU64 = AtomicU64::new(1);
    let mut bytes = [0x5a_u8; 16];
    bytes[..8].copy_from_slice(&N.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    PortalToken::from_random(&bytes).unwrap()
}

fn create(
    subject: &str,
    priority: Priority,
    now: DateTime<Utc>,
    name: &str,
    handles: Vec<Handle>,
) -> CreateTicket {
    CreateTicket {
        draft: TicketDraft {
            subject: subject.to_owned(),
            priority,
            channel: Channel::WebForm,
            group: None,
            portal_token: token(),
            lang: Lang::Ru,
            now,
        },
        prefix: NumberPrefix::default(),
        contact: ContactDraft {
            name: name.to_owned(),
            handles,
        },
        body: format!("Body of {subject}"),
        intake_key: None,
        custom_fields: Default::default(),
    }
}

fn keyed(mut c: CreateTicket, source: &str, key: &str) -> CreateTicket {
    c.intake_key = Some(IntakeKey {
        source: source.to_owned(),
        key: key.to_owned(),
    });
    c
}

fn update(
    before: &Ticket,
    after: Ticket,
    actor: ActorRef,
    events: Vec<TicketEvent>,
    messages: Vec<MessageDraft>,
    now: DateTime<Utc>,
) -> UpdateTicket {
    UpdateTicket {
        expected_version: before.version,
        ticket: after,
        actor,
        events,
        messages,
        jobs: Vec::new(),
        notifications: Vec::new(),
        completes: None,
        now,
    }
}

fn new_job(key: &str, ticket: i64, run_at: DateTime<Utc>, max_attempts: i32) -> NewJob {
    NewJob {
        key: key.to_owned(),
        kind: JobKind::SendAcknowledgement {
            ticket_id: TicketId(ticket),
        },
        run_at,
        max_attempts,
    }
}

async fn job(store: &SqlStore, key: &str) -> Job {
    store
        .jobs(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.key == key)
        .unwrap()
}

fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

/// Every `Store` method, with the invariants the rest of Lossless relies on.
pub async fn story(store: &SqlStore) {
    let started = Instant::now();

    // ---- empty database ---------------------------------------------------------------
    assert_eq!(store.ticket_count().await.unwrap(), 0);
    assert!(store.agents().await.unwrap().is_empty());
    assert!(store.groups().await.unwrap().is_empty());
    assert!(store.jobs(None, 100).await.unwrap().is_empty());
    let all = |limit| QueueQuery {
        view: QueueView::All,
        statuses: vec![],
        priorities: vec![],
        limit,
    };
    assert!(store.queue(&all(50)).await.unwrap().is_empty());
    assert_eq!(store.ticket(TicketId(1)).await.unwrap(), None);
    assert_eq!(store.contact(ContactId(1)).await.unwrap(), None);

    // ---- team: agents, groups, members ----------------------------------------------------
    let new_agent = |mail: &str, name: &str, role| NewAgent {
        email: email(mail),
        name: name.to_owned(),
        role,
        lang: Lang::Ru,
        password_hash: format!("$argon2id$hash-of-{name}"),
    };
    // Created out of name order: `agents()` sorts by name.
    let boris = store
        .create_agent(new_agent("boris@example.com", "Boris", Role::Agent))
        .await
        .unwrap();
    let anna = store
        .create_agent(new_agent("Anna@example.com", "Anna", Role::Admin))
        .await
        .unwrap();
    assert_eq!(anna.email.as_str(), "Anna@example.com");
    assert_eq!(anna.role, Role::Admin);
    assert_ne!(anna.id, boris.id);
    for dup in ["Anna@example.com", "anna@example.com", "ANNA@EXAMPLE.COM"] {
        assert_eq!(
            store
                .create_agent(new_agent(dup, "Other", Role::Agent))
                .await,
            Err(StoreError::Duplicate("email")),
            "{dup}"
        );
    }
    assert_eq!(
        store.agents().await.unwrap(),
        vec![anna.clone(), boris.clone()]
    );
    assert_eq!(store.agent(anna.id).await.unwrap(), Some(anna.clone()));
    assert_eq!(store.agent(AgentId(anna.id.0 + 1000)).await.unwrap(), None);
    let (found, hash) = store
        .agent_by_email(&email("anna@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, anna);
    assert_eq!(hash, "$argon2id$hash-of-Anna");
    assert_eq!(
        store
            .agent_by_email(&email("nobody@example.com"))
            .await
            .unwrap(),
        None
    );

    let support_g = store.create_group("Support").await.unwrap();
    let billing = store.create_group("Billing").await.unwrap();
    assert_eq!(support_g.name, "Support");
    assert_eq!(
        store.create_group("Support").await,
        Err(StoreError::Duplicate("name"))
    );
    assert_eq!(
        store.groups().await.unwrap(),
        vec![billing.clone(), support_g.clone()]
    );
    store
        .add_group_member(support_g.id, boris.id)
        .await
        .unwrap();
    store
        .add_group_member(support_g.id, boris.id)
        .await
        .unwrap(); // idempotent
    store.add_group_member(billing.id, boris.id).await.unwrap();
    assert_eq!(
        store.agent_groups(boris.id).await.unwrap(),
        vec![support_g.id, billing.id]
    );
    assert!(store.agent_groups(anna.id).await.unwrap().is_empty());
    assert_eq!(
        store
            .add_group_member(GroupId(billing.id.0 + 1000), anna.id)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .add_group_member(billing.id, AgentId(anna.id.0 + 1000))
            .await,
        Err(StoreError::NotFound)
    );

    // ---- sessions -------------------------------------------------------------------------
    store
        .create_session("hash-1", anna.id, t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        store.session_agent("hash-1", t0()).await.unwrap(),
        Some(anna.clone())
    );
    assert_eq!(
        store
            .session_agent(
                "hash-1",
                t0() + Duration::hours(1) - Duration::microseconds(1)
            )
            .await
            .unwrap(),
        Some(anna.clone())
    );
    assert_eq!(
        store
            .session_agent("hash-1", t0() + Duration::hours(1))
            .await
            .unwrap(),
        None,
        "expired at its end"
    );
    assert_eq!(store.session_agent("unknown", t0()).await.unwrap(), None);
    // Sub-second expiry compares as time on both databases (SQLite stores text).
    let half = t0() + Duration::milliseconds(500);
    store
        .create_session("hash-2", boris.id, half)
        .await
        .unwrap();
    assert_eq!(
        store
            .session_agent("hash-2", half - Duration::microseconds(1))
            .await
            .unwrap(),
        Some(boris.clone())
    );
    assert_eq!(store.session_agent("hash-2", half).await.unwrap(), None);
    assert_eq!(
        store
            .session_agent("hash-2", half + Duration::microseconds(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.session_agent("hash-2", t0()).await.unwrap(),
        Some(boris.clone())
    );
    assert_eq!(
        store.create_session("hash-1", boris.id, t0()).await,
        Err(StoreError::Duplicate("session"))
    );
    assert_eq!(
        store
            .create_session("hash-3", AgentId(anna.id.0 + 1000), t0())
            .await,
        Err(StoreError::NotFound)
    );
    store.delete_session("hash-1").await.unwrap();
    assert_eq!(store.session_agent("hash-1", t0()).await.unwrap(), None);
    store.delete_session("hash-1").await.unwrap(); // deleting twice is fine
    assert_eq!(
        store.session_agent("hash-2", t0()).await.unwrap(),
        Some(boris.clone()),
        "other sessions live on"
    );

    // ---- create with an intake key, then replay --------------------------------------------
    // Nanoseconds in: the store keeps microseconds, and returns what it stored.
    let at_a = t0() + Duration::nanoseconds(123_456_789);
    let ivan_mail = Handle::Email(email("ivan@example.ru"));
    let c = keyed(
        create(
            "Не работает оплата",
            Priority::Normal,
            at_a,
            "Иван",
            vec![ivan_mail.clone()],
        ),
        "api",
        "key-1",
    );
    let Created {
        ticket: a,
        replayed,
    } = store.create_ticket(c.clone()).await.unwrap();
    assert!(!replayed);
    assert_eq!(a.number.to_string(), "LL-1001", "numbers start at 1001");
    assert_eq!(a.version, 1);
    assert_eq!(a.status, Status::New);
    assert_eq!(a.created_at, to_micros(at_a));
    assert_eq!(a.updated_at, to_micros(at_a));
    assert_eq!(a.lang, Lang::Ru);
    assert_eq!(
        store.ticket(a.id).await.unwrap(),
        Some(a.clone()),
        "round trip"
    );
    assert_eq!(
        store.ticket_by_number(&a.number).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .ticket_by_number(&TicketNumber::parse("ll-1001").unwrap())
            .await
            .unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .ticket_by_number(&TicketNumber::parse("LL-9999").unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.ticket_by_token(&a.portal_token).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.ticket_by_token(&token()).await.unwrap(), None);
    let ivan = store.contact(a.contact_id).await.unwrap().unwrap();
    assert_eq!(ivan.name, "Иван");
    assert_eq!(ivan.handles, vec![ivan_mail.clone()]);
    let thread = store.messages(a.id, true).await.unwrap();
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].ticket_id, a.id);
    assert_eq!(thread[0].direction, Direction::Inbound);
    assert_eq!(thread[0].visibility, Visibility::Public);
    assert_eq!(thread[0].author, ActorRef::Contact(ivan.id));
    assert_eq!(thread[0].body, "Body of Не работает оплата");
    assert!(thread[0].attachments.is_empty());
    assert_eq!(thread[0].created_at, a.created_at);
    let h = store.history(a.id).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].ticket_id, a.id);
    assert_eq!(h[0].actor, ActorRef::Contact(ivan.id));
    assert_eq!(
        h[0].event,
        TicketEvent::Created {
            channel: Channel::WebForm,
            priority: Priority::Normal
        }
    );
    assert_eq!(h[0].at, a.created_at);
    // Oldest first here (`jobs` lists newest first).
    let mut jobs = store.jobs(None, 100).await.unwrap();
    jobs.reverse();
    assert_eq!(
        jobs.iter().map(|j| j.key.clone()).collect::<Vec<_>>(),
        [
            format!("ack:{}", a.id),
            format!("sla:{}:1", a.id),
            format!("rules:{}:1", a.id)
        ],
        "creation enqueues the acknowledgement, the SLA clocks and a rules run at the stored version"
    );
    assert!(matches!(
        &jobs[2].kind,
        JobKind::RunRules { ticket_id, version: 1, happened, .. }
            if *ticket_id == a.id && happened.created
    ));
    assert_eq!(
        jobs[0].kind,
        JobKind::SendAcknowledgement { ticket_id: a.id }
    );
    assert_eq!(
        (jobs[0].status, jobs[0].attempts, jobs[0].run_at),
        (JobStatus::Queued, 0, a.created_at)
    );
    assert_eq!(jobs[0].last_error, None);

    // Same key again (even with other content): the first ticket, nothing new written.
    let mut again = c.clone();
    again.body = "a retried request".into();
    again.draft.portal_token = token();
    let replay = store.create_ticket(again).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.ticket, a);
    assert_eq!(store.ticket_count().await.unwrap(), 1);
    assert_eq!(store.messages(a.id, true).await.unwrap().len(), 1);
    assert_eq!(store.jobs(None, 100).await.unwrap().len(), 3);
    // The same key from another source is another request.
    let other_source = keyed(
        create(
            "Other source",
            Priority::Low,
            at_a,
            "Иван",
            vec![ivan_mail.clone()],
        ),
        "web_form",
        "key-1",
    );
    let o = store.create_ticket(other_source).await.unwrap();
    assert!(!o.replayed);
    assert_ne!(o.ticket.id, a.id);

    // ---- contacts: found again by any handle, new handles attached ---------------------------
    let ivan_phone = Handle::Phone(phone("+7 912 345-67-89"));
    let b = store
        .create_ticket(create(
            "Второй вопрос",
            Priority::High,
            t0() + Duration::seconds(1),
            "I. Petrov",
            vec![ivan_phone.clone(), ivan_mail.clone()],
        ))
        .await
        .unwrap()
        .ticket;
    assert_eq!(b.contact_id, ivan.id, "found by the email");
    let ivan = store.contact(ivan.id).await.unwrap().unwrap();
    assert_eq!(ivan.name, "Иван", "a known contact keeps its name");
    assert_eq!(
        ivan.handles.iter().collect::<BTreeSet<_>>(),
        [&ivan_mail, &ivan_phone]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let mut c_create = create(
        "Срочно!",
        Priority::Urgent,
        t0() + Duration::seconds(1),
        "",
        vec![ivan_phone.clone()],
    );
    c_create.draft.group = Some(support_g.id);
    let c = store.create_ticket(c_create).await.unwrap().ticket;
    assert_eq!(c.contact_id, ivan.id, "found by the second handle alone");
    assert_eq!(c.group, Some(support_g.id));
    let maria_mail = Handle::Email(email("maria@example.com"));
    let d = store
        .create_ticket(create(
            "Question",
            Priority::Low,
            t0() + Duration::seconds(2),
            "Maria",
            vec![maria_mail.clone()],
        ))
        .await
        .unwrap()
        .ticket;
    assert_ne!(d.contact_id, ivan.id);
    assert_eq!(
        store.contact(d.contact_id).await.unwrap().unwrap().handles,
        vec![maria_mail.clone()]
    );
    let seqs = [&a, &o.ticket, &b, &c, &d].map(|t| t.number.seq());
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "numbers increase: {seqs:?}"
    );
    assert_eq!(store.ticket_count().await.unwrap(), 5);

    // ---- concurrent creates: distinct numbers, one contact, one ticket per intake key --------
    let crowd_at = t0() + Duration::seconds(3);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = store.clone();
        let crowd = Handle::Email(email("crowd@example.com"));
        tasks.push(tokio::spawn(async move {
            s.create_ticket(create(
                &format!("crowd {i}"),
                Priority::Low,
                crowd_at,
                "Crowd",
                vec![crowd],
            ))
            .await
        }));
    }
    let race_at = t0() + Duration::seconds(4);
    let race_token = token();
    for _ in 0..6 {
        let s = store.clone();
        let mut c = keyed(
            create(
                "raced",
                Priority::Low,
                race_at,
                "Racer",
                vec![Handle::Email(email("racer@example.com"))],
            ),
            "api",
            "race",
        );
        c.draft.portal_token = race_token.clone();
        tasks.push(tokio::spawn(async move { s.create_ticket(c).await }));
    }
    let mut crowd = Vec::new();
    let mut raced = Vec::new();
    for t in tasks {
        let created = t.await.unwrap().unwrap();
        if created.ticket.subject == "raced" {
            raced.push(created)
        } else {
            crowd.push(created.ticket)
        }
    }
    assert_eq!(crowd.len(), 20);
    let numbers: HashSet<i64> = crowd.iter().map(|t| t.number.seq()).collect();
    assert_eq!(numbers.len(), 20, "distinct numbers");
    assert!(numbers.iter().all(|n| *n > d.number.seq()));
    let crowd_contacts: HashSet<ContactId> = crowd.iter().map(|t| t.contact_id).collect();
    assert_eq!(
        crowd_contacts.len(),
        1,
        "one contact for one handle, even when created concurrently"
    );
    let crowd_contact = store
        .contact(*crowd_contacts.iter().next().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        crowd_contact.handles,
        vec![Handle::Email(email("crowd@example.com"))]
    );
    assert_eq!(
        raced.iter().filter(|c| !c.replayed).count(),
        1,
        "one ticket per intake key"
    );
    assert!(raced.iter().all(|c| c.ticket.id == raced[0].ticket.id));
    let raced = raced[0].ticket.clone();
    assert_eq!(store.ticket_count().await.unwrap(), 26);
    assert_eq!(
        store.jobs(None, 100).await.unwrap().len(),
        78,
        "one acknowledgement, one SLA update and one rules run per ticket"
    );

    // ---- updates: compare-and-set on version, messages, history, jobs ---------------------------
    let t1 = t0() + Duration::minutes(5) + Duration::nanoseconds(1_500);
    let mut after = a.clone();
    let ev = after.assign(Some(anna.id), t1).unwrap();
    let a2 = store
        .update_ticket(update(
            &a,
            after.clone(),
            ActorRef::Agent(anna.id),
            ev,
            vec![],
            t1,
        ))
        .await
        .unwrap();
    assert_eq!(a2.version, 2);
    assert_eq!((a2.assignee, a2.status), (Some(anna.id), Status::Open));
    assert_eq!(a2.updated_at, to_micros(t1));
    assert_eq!(store.ticket(a.id).await.unwrap(), Some(a2.clone()));
    // The same change again, made from the old version, lost the race.
    assert_eq!(
        store
            .update_ticket(update(
                &a,
                after.clone(),
                ActorRef::Agent(anna.id),
                vec![],
                vec![],
                t1
            ))
            .await,
        Err(StoreError::Conflict)
    );
    let mut ghost = after.clone();
    ghost.id = TicketId(a.id.0 + 10_000);
    assert_eq!(
        store
            .update_ticket(update(&a, ghost, ActorRef::System, vec![], vec![], t1))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.ticket(a.id).await.unwrap(),
        Some(a2.clone()),
        "refused updates change nothing"
    );

    let t2 = t1 + Duration::minutes(1);
    let mut after = a2.clone();
    let ev = after.agent_replied(t2).unwrap();
    let reply = MessageDraft::reply(ActorRef::Agent(anna.id), "Проверяем".into());
    let a3 = store
        .update_ticket(update(
            &a2,
            after,
            ActorRef::Agent(anna.id),
            ev,
            vec![reply],
            t2,
        ))
        .await
        .unwrap();
    assert_eq!(a3.version, 3);
    assert_eq!(a3.first_response_at, Some(to_micros(t2)));

    let t3 = t2 + Duration::minutes(1);
    let mut after = a3.clone();
    let mut ev = after.note_added(t3);
    ev.extend(after.tag(" VIP ", t3).unwrap());
    ev.extend(after.reprioritize(Priority::High, t3));
    let note = MessageDraft::note(ActorRef::Agent(anna.id), "internal: refund?".into());
    let mut u = update(&a3, after, ActorRef::Agent(anna.id), ev, vec![note], t3);
    u.jobs = vec![
        new_job(&format!("ack:{}", a.id), a.id.0, t3, 3),
        new_job("story:extra", a.id.0, t3 + Duration::days(30), 3),
    ];
    let a4 = store.update_ticket(u).await.unwrap();
    assert_eq!(a4.tags, BTreeSet::from(["vip".to_owned()]));
    assert_eq!(a4.priority, Priority::High);
    assert_eq!(
        store.jobs(None, 100).await.unwrap().len(),
        79,
        "a duplicate job key is skipped, a new one added"
    );

    // Dedupe keys: the acknowledgement is stored once however often the job runs.
    let mut a_now = a4.clone();
    for round in 0..2 {
        let t = t3 + Duration::minutes(1 + round);
        assert_eq!(store.has_message(a.id, "ack").await.unwrap(), round > 0);
        let mut after = a_now.clone();
        let ev = after.acknowledged(t);
        let ack = MessageDraft::reply(ActorRef::System, "Ваше обращение принято".into())
            .with_dedupe_key("ack".into());
        a_now = store
            .update_ticket(update(&a_now, after, ActorRef::System, ev, vec![ack], t))
            .await
            .unwrap();
    }
    assert!(store.has_message(a.id, "ack").await.unwrap());
    assert!(!store.has_message(a.id, "other").await.unwrap());
    assert!(
        !store.has_message(b.id, "ack").await.unwrap(),
        "dedupe keys are per ticket"
    );
    assert_eq!(a_now.version, 6);

    let public = store.messages(a.id, false).await.unwrap();
    let everything = store.messages(a.id, true).await.unwrap();
    let bodies =
        |m: &[lossless::message::Message]| m.iter().map(|m| m.body.clone()).collect::<Vec<_>>();
    assert_eq!(
        bodies(&public),
        [
            "Body of Не работает оплата",
            "Проверяем",
            "Ваше обращение принято"
        ]
    );
    assert_eq!(
        bodies(&everything),
        [
            "Body of Не работает оплата",
            "Проверяем",
            "internal: refund?",
            "Ваше обращение принято"
        ]
    );
    assert!(public.iter().all(|m| m.visibility == Visibility::Public));
    assert_eq!(everything[2].visibility, Visibility::Internal);
    assert_eq!(everything[2].direction, Direction::Outbound);
    assert_eq!(everything[2].author, ActorRef::Agent(anna.id));
    assert_eq!(everything[2].created_at, to_micros(t3));
    assert_eq!(everything[3].author, ActorRef::System);

    let history = store.history(a.id).await.unwrap();
    let expected = vec![
        (
            ActorRef::Contact(ivan.id),
            TicketEvent::Created {
                channel: Channel::WebForm,
                priority: Priority::Normal,
            },
        ),
        (
            ActorRef::Agent(anna.id),
            TicketEvent::Assigned {
                from: None,
                to: Some(anna.id),
            },
        ),
        (
            ActorRef::Agent(anna.id),
            TicketEvent::StatusChanged {
                from: Status::New,
                to: Status::Open,
            },
        ),
        (ActorRef::Agent(anna.id), TicketEvent::AgentReplied),
        (ActorRef::Agent(anna.id), TicketEvent::NoteAdded),
        (
            ActorRef::Agent(anna.id),
            TicketEvent::Tagged { tag: "vip".into() },
        ),
        (
            ActorRef::Agent(anna.id),
            TicketEvent::PriorityChanged {
                from: Priority::Normal,
                to: Priority::High,
            },
        ),
        (ActorRef::System, TicketEvent::Acknowledged),
        (ActorRef::System, TicketEvent::Acknowledged),
    ];
    assert_eq!(
        history
            .iter()
            .map(|h| (h.actor, h.event.clone()))
            .collect::<Vec<_>>(),
        expected
    );
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(history[1].at, to_micros(t1));
    assert!(history.iter().all(|h| h.ticket_id == a.id));

    // Resolve D (resolved_at round trip) and put B into a group and back to normal.
    let t4 = t3 + Duration::minutes(10);
    let mut after = d.clone();
    let ev = after.move_to(Status::Resolved, t4).unwrap();
    let d2 = store
        .update_ticket(update(&d, after, ActorRef::Agent(boris.id), ev, vec![], t4))
        .await
        .unwrap();
    assert_eq!(d2.resolved_at, Some(to_micros(t4)));
    assert_eq!(store.ticket(d.id).await.unwrap(), Some(d2.clone()));

    // ---- queue views, filters and order -------------------------------------------------------
    // Billing gets four tickets whose ages differ by less than a second (order by time, not text).
    let mut billing_ids = Vec::new();
    for (i, offset_us) in [500_000_i64, 0, 250_000, -1].into_iter().enumerate() {
        let at = t0() + Duration::seconds(2) + Duration::microseconds(offset_us);
        let mut cr = create(
            &format!("billing {i}"),
            Priority::Normal,
            at,
            "Maria",
            vec![maria_mail.clone()],
        );
        cr.draft.group = Some(billing.id);
        billing_ids.push(store.create_ticket(cr).await.unwrap().ticket.id);
    }
    let q = |view, statuses: Vec<Status>, priorities: Vec<Priority>, limit| QueueQuery {
        view,
        statuses,
        priorities,
        limit,
    };
    let rows = store
        .queue(&q(QueueView::Group(billing.id), vec![], vec![], 50))
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        [
            billing_ids[3],
            billing_ids[1],
            billing_ids[2],
            billing_ids[0]
        ]
    );
    assert!(rows.iter().all(|r| r.contact_name == "Maria"));

    let working = store.queue(&all(100)).await.unwrap();
    // 30 tickets; D is resolved; the working set is new/open/pending.
    assert_eq!(working.len(), 29);
    assert!(working.iter().all(|r| matches!(
        r.ticket.status,
        Status::New | Status::Open | Status::Pending
    )));
    let key = |t: &Ticket| (std::cmp::Reverse(t.priority.rank()), t.created_at, t.id);
    assert!(
        working
            .windows(2)
            .all(|w| key(&w[0].ticket) < key(&w[1].ticket)),
        "urgent first, then oldest, then id"
    );
    assert_eq!(working[0].ticket, c);
    assert_eq!(working[0].contact_name, "Иван");
    assert_eq!(working[1].ticket.id, a.id, "A is high now and older than B");
    assert_eq!(working[1].ticket, a_now);
    assert_eq!(working[2].ticket.id, b.id);
    assert_eq!(
        store
            .queue(&all(2))
            .await
            .unwrap()
            .iter()
            .map(|r| r.ticket.id)
            .collect::<Vec<_>>(),
        [c.id, a.id]
    );
    assert!(store.queue(&all(0)).await.unwrap().is_empty());
    let mine = store
        .queue(&q(QueueView::Mine(anna.id), vec![], vec![], 50))
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|r| r.ticket.id).collect::<Vec<_>>(), [a.id]);
    assert!(
        store
            .queue(&q(QueueView::Mine(boris.id), vec![], vec![], 50))
            .await
            .unwrap()
            .is_empty()
    );
    let unassigned = store
        .queue(&q(QueueView::Unassigned, vec![], vec![], 100))
        .await
        .unwrap();
    assert_eq!(unassigned.len(), 28);
    assert!(unassigned.iter().all(|r| r.ticket.assignee.is_none()));
    let support_q = store
        .queue(&q(QueueView::Group(support_g.id), vec![], vec![], 50))
        .await
        .unwrap();
    assert_eq!(
        support_q.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        [c.id]
    );
    let resolved = store
        .queue(&q(QueueView::All, vec![Status::Resolved], vec![], 50))
        .await
        .unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].ticket, d2);
    assert_eq!(resolved[0].contact_name, "Maria");
    let new_only = store
        .queue(&q(QueueView::All, vec![Status::New], vec![], 100))
        .await
        .unwrap();
    assert_eq!(new_only.len(), 28, "A is open");
    let top = store
        .queue(&q(
            QueueView::All,
            vec![],
            vec![Priority::Urgent, Priority::High],
            50,
        ))
        .await
        .unwrap();
    assert_eq!(
        top.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        [c.id, a.id, b.id]
    );
    let low_any = store
        .queue(&q(
            QueueView::All,
            vec![Status::New, Status::Resolved],
            vec![Priority::Low],
            100,
        ))
        .await
        .unwrap();
    assert_eq!(
        low_any.len(),
        23,
        "D, the other-source ticket, 20 crowd tickets, the raced one"
    );
    assert_eq!(low_any[0].ticket.id, o.ticket.id, "oldest low first");
    assert!(
        low_any.iter().any(|r| r.ticket.id == d.id)
            && low_any.iter().any(|r| r.ticket.id == raced.id)
    );
    assert!(
        store
            .queue(&q(QueueView::All, vec![Status::Closed], vec![], 50))
            .await
            .unwrap()
            .is_empty()
    );

    // ---- jobs: dedupe, claim with lease, concurrency, expiry, ownership, backoff -----------------
    // Run the acknowledgements away first: claimed in due order, completed.
    let tj = t0() + Duration::days(1);
    let queued = store.jobs(Some(JobStatus::Queued), 1000).await.unwrap();
    assert_eq!(
        queued.len(),
        91,
        "30 acknowledgements, 30 SLA updates, 30 rules runs and story:extra"
    );
    let drained = store
        .claim_jobs("drain", tj, Duration::seconds(60), 1000)
        .await
        .unwrap();
    assert_eq!(drained.len(), 90, "story:extra is not due yet");
    assert!(
        drained
            .windows(2)
            .all(|w| (w[0].run_at, w[0].id) < (w[1].run_at, w[1].id)),
        "in due order"
    );
    assert!(
        drained
            .iter()
            .all(|j| j.status == JobStatus::Running && j.attempts == 1)
    );
    for j in &drained {
        store.complete_job(j.id, "drain", tj).await.unwrap();
    }
    assert_eq!(
        store.jobs(Some(JobStatus::Done), 1000).await.unwrap().len(),
        90
    );
    assert_eq!(
        ids(&store.jobs(Some(JobStatus::Queued), 1000).await.unwrap()),
        [job(store, "story:extra").await.id]
    );
    assert!(
        store
            .jobs(Some(JobStatus::Running), 1000)
            .await
            .unwrap()
            .is_empty()
    );

    store.enqueue_jobs(vec![]).await.unwrap();
    store
        .enqueue_jobs(vec![
            new_job("j1", a.id.0, tj, 5),
            new_job("j2", b.id.0, tj + Duration::seconds(10), 5),
            new_job("j3", c.id.0, tj, 5),
            new_job("j1", d.id.0, tj, 9), // duplicate key: skipped
        ])
        .await
        .unwrap();
    let j1 = job(store, "j1").await;
    assert_eq!(
        (j1.kind.clone(), j1.max_attempts, j1.status),
        (
            JobKind::SendAcknowledgement { ticket_id: a.id },
            5,
            JobStatus::Queued
        )
    );
    let j2 = job(store, "j2").await;
    let j3 = job(store, "j3").await;
    let lease = Duration::seconds(30);
    let got = store.claim_jobs("w1", tj, lease, 10).await.unwrap();
    assert_eq!(ids(&got), [j1.id, j3.id], "due jobs only");
    assert!(
        got.iter()
            .all(|j| j.status == JobStatus::Running && j.attempts == 1)
    );
    assert!(
        store
            .claim_jobs("w2", tj, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased jobs are not claimed again"
    );
    assert!(
        store
            .claim_jobs("w2", tj + Duration::seconds(10), lease, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(&store
            .claim_jobs("w2", tj + Duration::seconds(10), lease, 10)
            .await
            .unwrap()),
        [j2.id]
    );
    // Completing someone else's job does nothing.
    store.complete_job(j1.id, "w2", tj).await.unwrap();
    assert_eq!(job(store, "j1").await.status, JobStatus::Running);
    // w1 crashed: after its lease the jobs go to w2 and count another attempt.
    assert!(
        store
            .claim_jobs("w2", tj + lease, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "the lease is still valid at its end"
    );
    let t_re = tj + lease + Duration::seconds(1);
    let re = store.claim_jobs("w2", t_re, lease, 10).await.unwrap();
    assert_eq!(ids(&re), [j1.id, j3.id]);
    assert!(re.iter().all(|j| j.attempts == 2));
    // The late w1 can neither complete nor fail them now.
    store.complete_job(j1.id, "w1", t_re).await.unwrap();
    store.fail_job(j3.id, "w1", "late", None).await.unwrap();
    assert_eq!(job(store, "j1").await.status, JobStatus::Running);
    assert_eq!(job(store, "j3").await.status, JobStatus::Running);
    store.complete_job(j1.id, "w2", t_re).await.unwrap();
    assert_eq!(job(store, "j1").await.status, JobStatus::Done);
    store.complete_job(j1.id, "w2", t_re).await.unwrap(); // twice: still done
    assert_eq!(job(store, "j1").await.status, JobStatus::Done);

    // Failure with a retry time: queued again, error kept; without one: failed for good.
    let retry = t_re + Duration::seconds(20);
    store
        .fail_job(j3.id, "w2", "smtp 451 try later", Some(retry))
        .await
        .unwrap();
    let j3_now = job(store, "j3").await;
    assert_eq!(
        (j3_now.status, j3_now.run_at, j3_now.attempts),
        (JobStatus::Queued, retry, 2)
    );
    assert_eq!(j3_now.last_error.as_deref(), Some("smtp 451 try later"));
    assert!(
        store
            .claim_jobs("w3", retry - Duration::seconds(1), lease, 10)
            .await
            .unwrap()
            .iter()
            .all(|j| j.id != j3.id)
    );
    let again = store.claim_jobs("w3", retry, lease, 10).await.unwrap();
    assert!(ids(&again).contains(&j3.id));
    store
        .fail_job(j3.id, "w3", "smtp 550 no such user", None)
        .await
        .unwrap();
    let j3_now = job(store, "j3").await;
    assert_eq!((j3_now.status, j3_now.attempts), (JobStatus::Failed, 3));
    assert_eq!(j3_now.last_error.as_deref(), Some("smtp 550 no such user"));
    assert!(
        store
            .claim_jobs("w3", retry + Duration::days(1), lease, 100)
            .await
            .unwrap()
            .iter()
            .all(|j| j.id != j3.id),
        "failed jobs stay failed"
    );

    // The worker's loop with the core's backoff: max 2 attempts → requeued once, then failed.
    let tb = tj + Duration::hours(1);
    store
        .enqueue_jobs(vec![new_job("j4", a.id.0, tb, 2)])
        .await
        .unwrap();
    let mut now = tb;
    let mut runs = 0;
    loop {
        let claimed = store.claim_jobs("w4", now, lease, 100).await.unwrap();
        let Some(j4) = claimed.iter().find(|j| j.key == "j4") else {
            break;
        };
        for other in claimed.iter().filter(|j| j.key != "j4") {
            store.complete_job(other.id, "w4", now).await.unwrap();
        }
        runs += 1;
        let next = after_failure(j4, now);
        store
            .fail_job(j4.id, "w4", &format!("attempt {}", j4.attempts), next)
            .await
            .unwrap();
        match next {
            Some(at) => {
                assert_eq!(
                    at,
                    now + Duration::seconds(2),
                    "2^1 s after the first attempt"
                );
                now = at;
            }
            None => break,
        }
    }
    assert_eq!(runs, 2);
    let j4 = job(store, "j4").await;
    assert_eq!(
        (j4.status, j4.attempts, j4.last_error.as_deref()),
        (JobStatus::Failed, 2, Some("attempt 2"))
    );

    // Concurrent claimers get disjoint sets that together cover every due job.
    let tc = tj + Duration::hours(2);
    let batch: Vec<NewJob> = (0..40)
        .map(|i| new_job(&format!("c{i}"), a.id.0, tc, 5))
        .collect();
    store.enqueue_jobs(batch).await.unwrap();
    let mut claimers = Vec::new();
    for w in 0..4 {
        let s = store.clone();
        claimers.push(tokio::spawn(async move {
            s.claim_jobs(&format!("cw{w}"), tc, Duration::seconds(60), 15)
                .await
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for c in claimers {
        let got = c.await.unwrap().unwrap();
        assert!(got.len() <= 15);
        total += got.len();
        for j in got {
            assert!(j.key.starts_with('c'), "{}", j.key);
            assert!(seen.insert(j.id), "job {} claimed twice", j.key);
        }
    }
    assert_eq!(total, seen.len());
    assert_eq!(total, 40, "every due job claimed exactly once");

    // Listing: newest first, filtered by status, limited.
    let listed = store.jobs(None, 3).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(listed[0].key, "c39");
    assert_eq!(
        ids(&store.jobs(Some(JobStatus::Failed), 10).await.unwrap()),
        [j4.id, j3.id]
    );
    assert!(
        store
            .jobs(Some(JobStatus::Running), 100)
            .await
            .unwrap()
            .len()
            >= 40
    );
    assert!(store.jobs(None, 0).await.unwrap().is_empty());

    // Atomic completion: a job's effect and its completion commit together, and only for the
    // worker that holds the job.
    let ta = tc + Duration::hours(1);
    store
        .enqueue_jobs(vec![new_job("atomic", a.id.0, ta, 3)])
        .await
        .unwrap();
    let claimed = store
        .claim_jobs("wa", ta, Duration::seconds(60), 1000)
        .await
        .unwrap();
    let ja = claimed.iter().find(|j| j.key == "atomic").unwrap().clone();
    let cur = store.ticket(a.id).await.unwrap().unwrap();
    let mut after = cur.clone();
    let ev = after.note_added(ta);
    let note = MessageDraft::note(ActorRef::System, "effect of a job".into());
    let mut u = update(&cur, after, ActorRef::System, ev, vec![note], ta);
    u.completes = Some(JobClaim {
        id: ja.id,
        worker: "intruder".into(),
    });
    assert_eq!(
        store.update_ticket(u.clone()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.ticket(a.id).await.unwrap(),
        Some(cur.clone()),
        "nothing written"
    );
    assert_eq!(job(store, "atomic").await.status, JobStatus::Running);
    u.completes = Some(JobClaim {
        id: ja.id,
        worker: "wa".into(),
    });
    let stored = store.update_ticket(u).await.unwrap();
    assert_eq!(stored.version, cur.version + 1);
    assert_eq!(job(store, "atomic").await.status, JobStatus::Done);
    let thread = store.messages(a.id, true).await.unwrap();
    assert_eq!(
        thread.last().map(|m| m.body.as_str()),
        Some("effect of a job")
    );

    assert_eq!(store.ticket_count().await.unwrap(), 30);
    eprintln!(
        "store story on {:?} took {:?}",
        store.backend(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_story_sqlite() {
    let (url, _dir) = support::fresh_sqlite();
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(store.pg_pool().is_none());
    story(&store).await;

    // One process per database file: a second open fails clearly while the first is open.
    let err = SqlStore::connect(&url).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Backend(m) if m.contains("in use")),
        "{err:?}"
    );
    // After close the file opens again, migrations are not rerun, the data is there.
    store.close().await;
    let reopened = SqlStore::connect(&url).await.unwrap();
    assert_eq!(reopened.ticket_count().await.unwrap(), 30);
    email_story(&reopened).await;
    outbound_story(&reopened).await;
    ack_limit_story(&reopened).await;
    arrivals_story(&reopened).await;
    content_story(&reopened).await;
    rules_story(&reopened).await;
    lease_and_settings_story(&reopened, &reopened).await;
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_story_postgres() {
    let Some(url) = support::fresh_pg().await else {
        return;
    };
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    assert!(store.pg_pool().is_some());
    story(&store).await;
    // A second node on the same database is fine on PostgreSQL (migrations already applied).
    let second = SqlStore::connect(&url).await.unwrap();
    assert_eq!(second.ticket_count().await.unwrap(), 30);
    second.close().await;
    email_story(&store).await;
    outbound_story(&store).await;
    ack_limit_story(&store).await;
    arrivals_story(&store).await;
    content_story(&store).await;
    rules_story(&store).await;
    let other_node = SqlStore::connect(&url).await.unwrap();
    lease_and_settings_story(&store, &other_node).await;
    other_node.close().await;
    store.close().await;
    support::drop_pg(&url).await;
}

#[tokio::test]
async fn sqlite_in_memory_for_quick_tests() {
    let store = SqlStore::connect("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    let c = create(
        "in memory",
        Priority::Normal,
        t0(),
        "M",
        vec![Handle::Email(email("m@example.com"))],
    );
    let t = store.create_ticket(c).await.unwrap().ticket;
    assert_eq!(store.ticket(t.id).await.unwrap(), Some(t));
    store.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in ["mysql://localhost/x", "sqlite://", "data/lossless.db"] {
        let err = SqlStore::connect(url).await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{url}");
    }
}

/// A raw mail for the email story.
fn raw_mail(from: &str, subject: &str, id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Customer <{from}>\r\nTo: support@lossless.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A delivery status report (RFC 3464) about `original`.
fn dsn(id: &str, original: &str) -> Vec<u8> {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\n\
         To: support@lossless.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <{id}@mx.customer.test>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.customer.test\r\nOriginal-Message-ID: <{original}>\r\n\r\n\
         Final-Recipient: rfc822; x@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         --B--\r\n"
    )
    .into_bytes()
}

fn ingest_of(
    mailbox: MailboxId,
    uidvalidity: i64,
    uid: i64,
    raw: &[u8],
    now: DateTime<Utc>,
) -> IngestEmail {
    use sha2::Digest as _;
    let settings =
        support::email_settings(b"story-secret-0123456789abcdef", &["support@lossless.test"]);
    IngestEmail {
        mailbox,
        uidvalidity,
        uid,
        raw_sha256: hex::encode(sha2::Sha256::digest(raw)),
        raw: raw.to_vec(),
        parsed: support::parse_classified(raw, &settings).map_err(|e| format!("{e:?}")),
        settings,
        prefix: NumberPrefix::default(),
        token: token(),
        now,
        replay_of: None,
        content: Default::default(),
    }
}

fn reason_kind(i: &Ingested) -> &str {
    i.reason["thread"]["reason"]["kind"].as_str().unwrap_or("")
}

/// The email intake steps (`ensure_mailbox`, `ingest_email`), on a store with any content.
pub async fn email_story(store: &SqlStore) {
    let now = t0() + Duration::days(30);
    let addr = email("support@lossless.test");
    let mb = store.ensure_mailbox("support", &addr).await.unwrap();
    assert_eq!((mb.uidvalidity, mb.last_uid), (None, 0));
    assert_eq!(
        store.ensure_mailbox("support", &addr).await.unwrap().id,
        mb.id,
        "ensure returns the existing mailbox"
    );
    let jobs_before = store.jobs(None, 10_000).await.unwrap().len();

    // A new mail → a ticket on the email channel, contact = sender, an acknowledgement job.
    let a = raw_mail(
        "story-a@customer.test",
        "Printer on fire",
        "story-a@customer.test",
        "",
        "It burns.",
    );
    let first = store
        .ingest_email(ingest_of(mb.id, 7, 1, &a, now))
        .await
        .unwrap();
    assert_eq!(first.outcome, IngestOutcome::Created);
    assert!(!first.duplicate);
    assert_eq!(reason_kind(&first), "no_reference");
    let ta = store.ticket(first.ticket.unwrap()).await.unwrap().unwrap();
    assert_eq!(ta.channel, Channel::Email);
    assert_eq!(ta.subject, "Printer on fire");
    let contact = store.contact(ta.contact_id).await.unwrap().unwrap();
    assert!(
        contact
            .handles
            .contains(&Handle::Email(email("story-a@customer.test")))
    );
    let thread = store.messages(ta.id, true).await.unwrap();
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].body, "It burns.");
    assert_eq!(Some(thread[0].id.0), first.message);
    let keys: Vec<String> = store
        .jobs(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect();
    assert!(keys.contains(&format!("ack:{}", ta.id)));
    assert!(keys.contains(&format!("rules:{}:1", ta.id)));
    assert!(keys.contains(&format!("sla:{}:1", ta.id)));
    assert_eq!(keys.len(), jobs_before + 3);

    // The same UID again, and the same bytes under a new UIDVALIDITY: duplicates.
    let again = store
        .ingest_email(ingest_of(mb.id, 7, 1, &a, now))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!((again.outcome, again.ticket), (first.outcome, first.ticket));
    let rescan = store
        .ingest_email(ingest_of(mb.id, 8, 1, &a, now))
        .await
        .unwrap();
    assert!(rescan.duplicate);
    assert_eq!(rescan.ticket, first.ticket);
    assert_eq!(store.messages(ta.id, true).await.unwrap().len(), 1);
    let cur = store.ensure_mailbox("support", &addr).await.unwrap();
    assert_eq!((cur.uidvalidity, cur.last_uid), (Some(8), 1));

    // A reply to the first mail's Message-ID → appended (the ticket was resolved: reopens).
    let mut after = ta.clone();
    let ev = after.move_to(Status::Resolved, now).unwrap();
    let ta = store
        .update_ticket(update(&ta, after, ActorRef::System, ev, vec![], now))
        .await
        .unwrap();
    let b = raw_mail(
        "story-a@customer.test",
        "Re: Printer on fire",
        "story-b@customer.test",
        "In-Reply-To: <story-a@customer.test>\r\n",
        "Still burning.",
    );
    let reply = store
        .ingest_email(ingest_of(mb.id, 8, 3, &b, now))
        .await
        .unwrap();
    assert_eq!(reply.outcome, IngestOutcome::Appended);
    assert_eq!(reply.ticket, Some(ta.id));
    assert_eq!(reason_kind(&reply), "known_message_id");
    let ta2 = store.ticket(ta.id).await.unwrap().unwrap();
    assert_eq!(ta2.status, Status::Open);
    assert_eq!(ta2.version, ta.version + 1);
    let thread = store.messages(ta.id, true).await.unwrap();
    assert_eq!(
        thread.last().map(|m| m.body.as_str()),
        Some("Still burning.")
    );
    assert_eq!(thread.last().map(|m| m.direction), Some(Direction::Inbound));

    // A stranger quoting the ticket number → a new ticket, the number ignored.
    let c = raw_mail(
        "story-stranger@customer.test",
        &format!("[#{}] let me in", ta.number),
        "story-c@customer.test",
        "",
        "Hi.",
    );
    let stranger = store
        .ingest_email(ingest_of(mb.id, 8, 4, &c, now))
        .await
        .unwrap();
    assert_eq!(stranger.outcome, IngestOutcome::Created);
    assert_ne!(stranger.ticket, Some(ta.id));
    assert_eq!(reason_kind(&stranger), "subject_number_ignored");
    // The contact quoting it → appended.
    let d = raw_mail(
        "story-a@customer.test",
        &format!("[#{}] one more thing", ta.number),
        "story-d@customer.test",
        "",
        "And the toner.",
    );
    let own = store
        .ingest_email(ingest_of(mb.id, 8, 5, &d, now))
        .await
        .unwrap();
    assert_eq!(
        (own.outcome, own.ticket),
        (IngestOutcome::Appended, Some(ta.id))
    );
    assert_eq!(reason_kind(&own), "subject_number");

    // An auto-reply: stored as a ticket, but never acknowledged.
    let e = raw_mail(
        "story-e@customer.test",
        "Out of office",
        "story-e@customer.test",
        "Auto-Submitted: auto-replied\r\n",
        "Away.",
    );
    let auto = store
        .ingest_email(ingest_of(mb.id, 8, 6, &e, now))
        .await
        .unwrap();
    assert_eq!(auto.outcome, IngestOutcome::Created);
    assert_eq!(auto.reason["classification"]["kind"], "auto_reply");
    let te = auto.ticket.unwrap();
    let keys: Vec<String> = store
        .jobs(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect();
    assert!(!keys.contains(&format!("ack:{te}")));
    assert!(keys.contains(&format!("ack:{}", stranger.ticket.unwrap())));

    // Our own mail looping back: kept, no ticket.
    let f = raw_mail(
        "support@lossless.test",
        "Your request",
        "story-f@lossless.test",
        "",
        "Loop.",
    );
    let looped = store
        .ingest_email(ingest_of(mb.id, 8, 7, &f, now))
        .await
        .unwrap();
    assert_eq!(
        (looped.outcome, looped.ticket),
        (IngestOutcome::Ignored, None)
    );

    // A mail that cannot be parsed: a dead letter with the reason.
    let mut dead = ingest_of(mb.id, 8, 9, b"\x00garbage", now);
    dead.parsed = Err("unparseable".into());
    let dl = store.ingest_email(dead).await.unwrap();
    assert_eq!((dl.outcome, dl.ticket), (IngestOutcome::DeadLetter, None));
    assert_eq!(dl.reason["error"], "unparseable");
    // Empty bodies (a server that returned none) are not duplicates of each other.
    let mut empty = ingest_of(mb.id, 8, 10, b"", now);
    empty.parsed = Err("no body".into());
    assert!(!store.ingest_email(empty).await.unwrap().duplicate);
    let mut empty = ingest_of(mb.id, 8, 11, b"", now);
    empty.parsed = Err("no body".into());
    assert!(!store.ingest_email(empty).await.unwrap().duplicate);
    // Out of order UIDs never move the cursor back.
    let g = raw_mail(
        "story-g@customer.test",
        "Late",
        "story-g@customer.test",
        "",
        "x",
    );
    store
        .ingest_email(ingest_of(mb.id, 8, 2, &g, now))
        .await
        .unwrap();
    let cur = store.ensure_mailbox("support", &addr).await.unwrap();
    assert_eq!((cur.uidvalidity, cur.last_uid), (Some(8), 11));
    assert_eq!((cur.last_fetch_at, cur.last_error), (Some(now), None));

    // A failed pass is recorded on the mailbox; the next good one clears it.
    let later = now + Duration::minutes(1);
    store
        .mailbox_polled(mb.id, Some("connect: refused"), later)
        .await
        .unwrap();
    let cur = store.ensure_mailbox("support", &addr).await.unwrap();
    assert_eq!(cur.last_error.as_deref(), Some("connect: refused"));
    assert_eq!(cur.last_fetch_at, Some(later));
    assert_eq!(cur.last_uid, 11, "a failure keeps the cursor");
    store.mailbox_polled(mb.id, None, later).await.unwrap();
    let cur = store.ensure_mailbox("support", &addr).await.unwrap();
    assert_eq!(cur.last_error, None);
    assert_eq!(
        store.mailbox_polled(MailboxId(-1), None, later).await,
        Err(StoreError::NotFound)
    );
}

/// Mailbox leases and installation settings, seen from two nodes (`a` and `b` may be one
/// store on SQLite, two connections to one database on PostgreSQL).
pub async fn lease_and_settings_story(a: &SqlStore, b: &SqlStore) {
    let now = t0() + Duration::days(40);
    let ttl = Duration::seconds(60);
    let mb = support::mailbox(a, "lease-story", "lease-story@lossless.test").await;

    // Two nodes compete for a free lease at the same instant: exactly one wins.
    let (x, y) = tokio::join!(
        a.lease_mailbox(mb.id, "node-a", now, ttl),
        b.lease_mailbox(mb.id, "node-b", now, ttl)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x ^ y, "exactly one node gets the lease: {x} {y}");
    let (owner, loser, owner_store, loser_store) = if x {
        ("node-a", "node-b", a, b)
    } else {
        ("node-b", "node-a", b, a)
    };
    // The owner renews; the other is refused until the lease expires, then takes it over.
    let soon = now + Duration::seconds(30);
    assert!(
        owner_store
            .lease_mailbox(mb.id, owner, soon, ttl)
            .await
            .unwrap()
    );
    assert!(
        !loser_store
            .lease_mailbox(mb.id, loser, soon, ttl)
            .await
            .unwrap()
    );
    let expired = soon + ttl + Duration::seconds(1);
    assert!(
        loser_store
            .lease_mailbox(mb.id, loser, expired, ttl)
            .await
            .unwrap()
    );
    assert!(
        !owner_store
            .lease_mailbox(mb.id, owner, expired, ttl)
            .await
            .unwrap()
    );
    assert!(
        !a.lease_mailbox(MailboxId(-1), "node-a", now, ttl)
            .await
            .unwrap()
    );

    // A setting is stored once; later and concurrent initial values do not replace it.
    let (x, y) = tokio::join!(
        a.setting_or_init("story_secret", "from-a"),
        b.setting_or_init("story_secret", "from-b")
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x, y, "both nodes see the same value");
    assert!(x == "from-a" || x == "from-b");
    assert_eq!(a.setting_or_init("story_secret", "later").await.unwrap(), x);
    assert_eq!(b.setting_or_init("other_key", "v").await.unwrap(), "v");
}

/// The outbound email steps (`deliveries`, `mark_delivery`, `email_thread_ids`, and the
/// delivery job `update_ticket` enqueues for a public reply on an email ticket).
pub async fn outbound_story(store: &SqlStore) {
    use lossless::email::DeliveryState;
    let now = t0() + Duration::days(40);
    let mb = support::mailbox(store, "outbound-story", "support@lossless.test").await;
    let raw = raw_mail(
        "outbound-story@customer.test",
        "Where is my invoice",
        "ob-1@customer.test",
        "",
        "Please send it.",
    );
    let got = store
        .ingest_email(ingest_of(mb.id, 1, 1, &raw, now))
        .await
        .unwrap();
    let t = store.ticket(got.ticket.unwrap()).await.unwrap().unwrap();
    assert_eq!(t.channel, Channel::Email);
    let ids: Vec<String> = store
        .email_thread_ids(t.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.trim_matches(['<', '>']).to_owned())
        .collect();
    assert_eq!(ids, vec!["ob-1@customer.test".to_owned()]);
    assert_eq!(
        store.ticket_mailbox(t.id).await.unwrap().as_deref(),
        Some("outbound-story")
    );
    assert!(
        store.deliveries(t.id).await.unwrap().is_empty(),
        "inbound mail is not delivered"
    );

    // A public reply and a note in one change: only the reply goes out, pending, with a job.
    let agent = ActorRef::Agent(AgentId(1));
    let mut after = t.clone();
    let events = after.agent_replied(now).unwrap();
    let stored = store
        .update_ticket(update(
            &t,
            after,
            agent,
            events,
            vec![
                MessageDraft::reply(agent, "Attached.".into()),
                MessageDraft::note(agent, "sent from accounting".into()),
            ],
            now,
        ))
        .await
        .unwrap();
    let thread = store.messages(stored.id, true).await.unwrap();
    let reply = thread.iter().find(|m| m.body == "Attached.").unwrap().id;
    let note = thread
        .iter()
        .find(|m| m.body == "sent from accounting")
        .unwrap()
        .id;
    let d = store.deliveries(t.id).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].message_id, d[0].state),
        (reply, DeliveryState::Pending)
    );
    assert_eq!(
        (d[0].error.as_deref(), d[0].email_message_id.as_deref()),
        (None, None)
    );
    let j = job(store, &format!("deliver_email:{reply}")).await;
    assert_eq!(
        j.kind,
        JobKind::DeliverEmail {
            ticket_id: t.id,
            message_id: reply
        }
    );

    // A failed attempt keeps it pending with the error; success records our Message-ID.
    store
        .mark_delivery(reply, DeliveryState::Pending, Some("smtp: refused"), None)
        .await
        .unwrap();
    let d = store.deliveries(t.id).await.unwrap();
    assert_eq!(d[0].state, DeliveryState::Pending);
    assert_eq!(d[0].error.as_deref(), Some("smtp: refused"));
    store
        .mark_delivery(
            reply,
            DeliveryState::Sent,
            None,
            Some("ll.1.2.ab@lossless.test"),
        )
        .await
        .unwrap();
    let d = store.deliveries(t.id).await.unwrap();
    assert_eq!(d[0].state, DeliveryState::Sent);
    assert_eq!(d[0].error, None);
    assert_eq!(
        d[0].email_message_id.as_deref(),
        Some("ll.1.2.ab@lossless.test")
    );
    // Keeping the id when none is given; notes are not deliveries.
    store
        .mark_delivery(reply, DeliveryState::Failed, Some("bounced"), None)
        .await
        .unwrap();
    let d = store.deliveries(t.id).await.unwrap();
    assert_eq!(d[0].state, DeliveryState::Failed);
    assert_eq!(
        d[0].email_message_id.as_deref(),
        Some("ll.1.2.ab@lossless.test")
    );
    assert_eq!(
        store
            .mark_delivery(note, DeliveryState::Sent, None, None)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );

    // A bounce naming the reply's signed Message-ID marks it failed, with a history event,
    // in the ingest transaction; a forged id and a foreign id change nothing.
    let secret = b"story-secret-0123456789abcdef";
    let signed = lossless::email::token::outgoing_message_id(t.id, reply, secret, "lossless.test");
    store
        .mark_delivery(reply, DeliveryState::Sent, None, Some(&signed))
        .await
        .unwrap();
    let forged = signed.replacen(&format!(".{reply}."), &format!(".{note}."), 1);
    for (uid, id) in [(2, forged.as_str()), (3, "other@mx.customer.test")] {
        let got = store
            .ingest_email(ingest_of(
                mb.id,
                1,
                uid,
                &dsn(&format!("ob-dsn-{uid}"), id),
                now,
            ))
            .await
            .unwrap();
        assert_eq!(got.outcome, IngestOutcome::Ignored);
        assert_eq!(got.reason["ignored"], "bounce");
        assert!(got.reason.get("delivery_failed").is_none());
    }
    assert_eq!(
        store.deliveries(t.id).await.unwrap()[0].state,
        DeliveryState::Sent
    );
    let got = store
        .ingest_email(ingest_of(mb.id, 1, 4, &dsn("ob-dsn-4", &signed), now))
        .await
        .unwrap();
    assert_eq!(got.outcome, IngestOutcome::Ignored);
    assert_eq!(got.reason["delivery_failed"], reply.0);
    let d = store.deliveries(t.id).await.unwrap();
    assert_eq!(d[0].state, DeliveryState::Failed);
    assert_eq!(
        d[0].error.as_deref(),
        Some("bounced: delivery status report")
    );
    assert_eq!(d[0].email_message_id.as_deref(), Some(signed.as_str()));
    let last = store.history(t.id).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.actor, last.event),
        (
            ActorRef::System,
            TicketEvent::DeliveryFailed { message: reply }
        )
    );

    // A reply on a ticket from another channel is not sent by email.
    let web = store
        .create_ticket(create(
            "Web question",
            Priority::Normal,
            now,
            "Web Customer",
            vec![Handle::Email(email("outbound-web@customer.test"))],
        ))
        .await
        .unwrap()
        .ticket;
    let mut after = web.clone();
    let events = after.agent_replied(now).unwrap();
    store
        .update_ticket(update(
            &web,
            after,
            agent,
            events,
            vec![MessageDraft::reply(agent, "Hello.".into())],
            now,
        ))
        .await
        .unwrap();
    assert!(store.deliveries(web.id).await.unwrap().is_empty());
    assert_eq!(store.ticket_mailbox(web.id).await.unwrap(), None);
}

/// Acknowledgements per address are rate-limited (issue 3, point 5): the store counts the
/// acknowledgements still queued and the ack messages delivered by email within the window.
pub async fn ack_limit_story(store: &SqlStore) {
    use lossless::email::ingest::{ACK_WINDOW, ACKS_PER_WINDOW};
    let now = t0() + Duration::days(50);
    let mb = support::mailbox(store, "ack-limit", "support@lossless.test").await;
    let mut uid = 0;
    let mut mail = async |at: DateTime<Utc>| {
        uid += 1;
        let raw = raw_mail(
            "storm@customer.test",
            &format!("Storm {uid}"),
            &format!("storm-{uid}@customer.test"),
            "",
            "help",
        );
        let got = store
            .ingest_email(ingest_of(mb.id, 1, uid, &raw, at))
            .await
            .unwrap();
        assert_eq!(got.outcome, IngestOutcome::Created);
        let t = got.ticket.unwrap();
        let acked = store
            .jobs(None, 10_000)
            .await
            .unwrap()
            .iter()
            .any(|j| j.key == format!("ack:{t}"));
        (t, acked)
    };
    // A storm: the limit counts the acknowledgements still queued.
    let mut storm = Vec::new();
    for _ in 0..=ACKS_PER_WINDOW {
        storm.push(mail(now).await);
    }
    let acked: Vec<bool> = storm.iter().map(|(_, a)| *a).collect();
    let mut expected = vec![true; usize::try_from(ACKS_PER_WINDOW).unwrap()];
    expected.push(false);
    assert_eq!(acked, expected);

    // Later the queued ones are out of the window, but the ack messages written meanwhile
    // (delivered by email) are in it.
    let written = now + ACK_WINDOW;
    for (t, _) in storm.iter().filter(|(_, a)| *a) {
        let before = store.ticket(*t).await.unwrap().unwrap();
        let mut after = before.clone();
        let events = after.acknowledged(written);
        let ack = MessageDraft::reply(ActorRef::System, "Got it.".into())
            .with_dedupe_key("ack".to_owned());
        store
            .update_ticket(update(
                &before,
                after,
                ActorRef::System,
                events,
                vec![ack],
                written,
            ))
            .await
            .unwrap();
        assert_eq!(store.deliveries(*t).await.unwrap().len(), 1);
    }
    assert!(!mail(now + ACK_WINDOW + Duration::minutes(30)).await.1);
    // Once those are older than the window, acknowledgements resume.
    assert!(mail(written + ACK_WINDOW + Duration::minutes(1)).await.1);
}

/// One mail reaching two of our mailboxes (issue 3, point 7) is one message: the second
/// arrival's receipt is a `duplicate` pointing at the first; the Message-ID alone is not
/// enough to call two mails the same.
pub async fn arrivals_story(store: &SqlStore) {
    let now = t0() + Duration::days(60);
    let support = support::mailbox(store, "arr-support", "support@lossless.test").await;
    let sales = support::mailbox(store, "arr-sales", "sales@lossless.test").await;
    let raw = raw_mail(
        "arrivals@customer.test",
        "Quote and support",
        "arr-1@customer.test",
        "Cc: sales@lossless.test, Olga <olga-arr@customer.test>\r\n",
        "Both of you, please.",
    );
    let first = store
        .ingest_email(ingest_of(support.id, 1, 1, &raw, now))
        .await
        .unwrap();
    assert_eq!(first.outcome, IngestOutcome::Created);
    let second = store
        .ingest_email(ingest_of(sales.id, 7, 1, &raw, now))
        .await
        .unwrap();
    assert_eq!(second.outcome, IngestOutcome::Duplicate);
    assert!(!second.duplicate, "a receipt of its own was written");
    assert_eq!(
        (second.ticket, second.message),
        (first.ticket, first.message)
    );
    assert!(second.reason["duplicate_of"].is_i64());
    let t = first.ticket.unwrap();
    assert_eq!(store.messages(t, true).await.unwrap().len(), 1);
    // The Cc'd people are participants, whom replies copy (this story's settings know only
    // support@ as ours, so sales@ is one too; sending leaves our addresses out).
    assert_eq!(
        store.ticket_participants(t).await.unwrap(),
        vec![
            "olga-arr@customer.test".to_owned(),
            "sales@lossless.test".to_owned()
        ]
    );
    // Fetching the sales copy again finds its own receipt.
    let again = store
        .ingest_email(ingest_of(sales.id, 7, 1, &raw, now))
        .await
        .unwrap();
    assert_eq!(
        (again.outcome, again.duplicate),
        (IngestOutcome::Duplicate, true)
    );

    // The same Message-ID from another sender is another mail.
    let forged = raw_mail(
        "someone-else@customer.test",
        "Quote and support",
        "arr-1@customer.test",
        "",
        "Not the same mail.",
    );
    let other = store
        .ingest_email(ingest_of(sales.id, 7, 2, &forged, now))
        .await
        .unwrap();
    assert_ne!(other.outcome, IngestOutcome::Duplicate);
    assert!(other.message.is_some());
    assert_ne!(other.message, first.message);

    // Cc'd people are participants: their mail quoting the ticket number threads into it;
    // a stranger's does not.
    let number = store.ticket(t).await.unwrap().unwrap().number;
    let subject = format!("[#{number}] adding my details");
    for (uid, sender, appended) in [
        (3, "nobody-arr@customer.test", false),
        (4, "Olga-Arr@customer.test", true),
    ] {
        let raw = raw_mail(
            sender,
            &subject,
            &format!("arr-{uid}@customer.test"),
            "",
            "x",
        );
        let got = store
            .ingest_email(ingest_of(sales.id, 7, uid, &raw, now))
            .await
            .unwrap();
        assert_eq!(
            got.ticket == Some(t),
            appended,
            "{sender}: {:?}",
            got.reason
        );
        let kind = if appended {
            "subject_number"
        } else {
            "subject_number_ignored"
        };
        assert_eq!(reason_kind(&got), kind);
    }
    assert_eq!(store.messages(t, true).await.unwrap().len(), 2);
}

/// Stored mail content (issue 3, point 3): attachment blobs written with the message (once
/// per sha-256, none over the limit), the sanitized HTML and the receipts as `mail_facts`,
/// and the raw original by message.
pub async fn content_story(store: &SqlStore) {
    use lossless_server::email::{html::content_of, parse::parse_with_attachments};
    let now = t0() + Duration::days(40);
    let mb = support::mailbox(store, "content-story", "content@lossless.test").await;
    let mail = |id: &str| -> Vec<u8> {
        format!(
            "From: Story <content-story@customer.test>\r\nTo: support@lossless.test\r\n\
             Subject: Content {id}\r\nMessage-ID: <{id}@customer.test>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <p onmouseover=\"x()\">Hello <img src=\"https://t.example/p.gif\"></p>\r\n\
             --b\r\nContent-Type: text/plain; name=small.txt\r\n\
             Content-Disposition: attachment; filename=small.txt\r\n\r\nsmall\r\n\
             --b\r\nContent-Type: application/octet-stream; name=large.bin\r\n\
             Content-Disposition: attachment; filename=large.bin\r\n\r\n\
             this file is larger than the limit\r\n--b--\r\n"
        )
        .into_bytes()
    };
    let with_content = |uid: i64, raw: &[u8]| {
        let mut i = ingest_of(mb.id, 1, uid, raw, now);
        i.settings.attachment_max_bytes = 10;
        i.content = content_of(parse_with_attachments(raw).unwrap()).1;
        i
    };
    let raw_a = mail("content-a");
    let a = store.ingest_email(with_content(1, &raw_a)).await.unwrap();
    let b = store
        .ingest_email(with_content(2, &mail("content-b")))
        .await
        .unwrap();
    assert_eq!(
        (a.outcome, b.outcome),
        (IngestOutcome::Created, IngestOutcome::Created)
    );
    let ta = a.ticket.unwrap();
    let msgs = store.messages(ta, true).await.unwrap();
    let m = &msgs[0];
    let stored: Vec<(&str, bool, i64)> = m
        .attachments
        .iter()
        .map(|x| (x.filename.as_str(), x.stored, x.size))
        .collect();
    assert_eq!(stored[0].0, "small.txt");
    assert!(stored[0].1);
    assert_eq!(stored[1].0, "large.bin");
    assert!(!stored[1].1 && stored[1].2 > 10);
    let small = &m.attachments[0].sha256;
    assert_eq!(
        store.attachment_blob(small).await.unwrap().as_deref(),
        Some(&b"small"[..])
    );
    let other = store.messages(b.ticket.unwrap(), true).await.unwrap();
    assert_eq!(
        &other[0].attachments[0].sha256, small,
        "the same file, one blob"
    );
    assert_eq!(
        store
            .attachment_blob(&m.attachments[1].sha256)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.attachment_blob(&"0".repeat(64)).await.unwrap(), None);
    // An upload kept ahead of its message: stored once, readable by its hash.
    let up = "1".repeat(64);
    store.put_blob(&up, b"screenshot".to_vec()).await.unwrap();
    store.put_blob(&up, b"screenshot".to_vec()).await.unwrap();
    assert_eq!(
        store.attachment_blob(&up).await.unwrap().as_deref(),
        Some(&b"screenshot"[..])
    );

    let facts = store.mail_facts(ta).await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].message, m.id);
    let html = facts[0].html.as_deref().unwrap();
    assert!(html.contains("Hello") && !html.contains("onmouseover") && !html.contains("t.example"));
    assert_eq!(facts[0].receipts.len(), 1);
    assert_eq!(facts[0].receipts[0].mailbox, "content-story");
    assert_eq!(facts[0].receipts[0].outcome, IngestOutcome::Created);
    assert_eq!(
        facts[0].receipts[0].reason["thread"]["reason"]["kind"],
        "no_reference"
    );
    assert_eq!(store.message_raw_email(m.id).await.unwrap(), Some(raw_a));
    assert_eq!(
        store
            .message_raw_email(lossless::ids::MessageId(i64::MAX))
            .await
            .unwrap(),
        None
    );
}

/// The issue 4 steps — installation settings, rules, presence and routing profiles, group
/// routing, assignment candidates and the assignment sequence, notifications, contact
/// profiles, ticket contexts for rules and labelled tickets — on a store with any content.
pub async fn rules_story(store: &SqlStore) {
    use lossless::contact::ContactProfile;
    use lossless::ids::{NotificationId, RuleId};
    use lossless::notification::{MAX_NOTIFICATION_CHARS, NewNotification};
    use lossless::rules::{
        Action, Activator, AssignTo, Condition, NotifyTarget, Predicate, RuleDraft, TicketTime,
        WatchedField,
    };
    use lossless::team::{AgentStatus, AssignStrategy, DEFAULT_CAPACITY, GroupRouting, Presence};
    let now = to_micros(t0() + Duration::days(100));
    let at = |min: i64| now + Duration::minutes(min);

    // ---- custom fields: stored with the ticket, read alone and in its context -------------
    let mut c = create(
        "With custom fields",
        Priority::Normal,
        now,
        "Fields",
        vec![Handle::Email(
            EmailAddress::parse("fields@example.com").unwrap(),
        )],
    );
    c.custom_fields = [("plan".to_owned(), "pro".to_owned())].into();
    let with_fields = store.create_ticket(c).await.unwrap().ticket;
    let fields = store.custom_fields(with_fields.id).await.unwrap();
    assert_eq!(fields.get("plan").map(String::as_str), Some("pro"));
    let ctx = store.ticket_context(with_fields.id).await.unwrap().unwrap();
    assert_eq!(ctx.custom_fields, fields);
    assert_eq!(
        store.custom_fields(TicketId(i64::MAX)).await,
        Err(StoreError::NotFound)
    );

    // ---- settings: read, insert, overwrite ------------------------------------------------
    assert_eq!(store.setting("story.rules").await.unwrap(), None);
    store.put_setting("story.rules", "one").await.unwrap();
    assert_eq!(
        store.setting("story.rules").await.unwrap().as_deref(),
        Some("one")
    );
    store.put_setting("story.rules", "two").await.unwrap();
    assert_eq!(
        store.setting("story.rules").await.unwrap().as_deref(),
        Some("two")
    );
    assert_eq!(
        store.setting_or_init("story.rules", "three").await.unwrap(),
        "two"
    );
    assert_eq!(
        store.setting_or_init("story.fresh", "four").await.unwrap(),
        "four"
    );
    assert_eq!(
        store.setting("story.fresh").await.unwrap().as_deref(),
        Some("four")
    );

    // ---- rules: insert last, replace in place, reorder, delete --------------------------------
    assert!(store.rules().await.unwrap().is_empty());
    let refund = RuleDraft {
        name: "Refunds are urgent".into(),
        enabled: true,
        activator: Activator::Created,
        condition: Condition::Leaf(Predicate::KeywordsAny {
            words: vec!["refund".into(), "возврат".into()],
            field: Default::default(),
        }),
        actions: vec![Action::SetPriority {
            priority: Priority::Urgent,
        }],
    };
    let route = RuleDraft {
        name: "Route VIPs".into(),
        enabled: false,
        activator: Activator::Updated {
            fields: [WatchedField::Group, WatchedField::Tags].into(),
        },
        condition: Condition::All(vec![
            Condition::Leaf(Predicate::Vip),
            Condition::Not(Box::new(Condition::Leaf(Predicate::HasTag {
                tag: "spam".into(),
            }))),
        ]),
        actions: vec![
            Action::Assign {
                to: AssignTo::GroupStrategy,
            },
            Action::Notify {
                target: NotifyTarget::Managers,
                text: "VIP {number}".into(),
            },
        ],
    };
    let stale = RuleDraft {
        name: "Stale".into(),
        enabled: true,
        activator: Activator::Timed {
            after: TicketTime::StatusChanged,
            minutes: 3 * 24 * 60,
        },
        condition: Condition::Any(vec![]),
        actions: vec![Action::AddTags {
            tags: vec!["stale".into()],
        }],
    };
    let r1 = store.save_rule(None, refund.clone(), at(0)).await.unwrap();
    let r2 = store.save_rule(None, route.clone(), at(1)).await.unwrap();
    let r3 = store.save_rule(None, stale.clone(), at(2)).await.unwrap();
    assert_eq!((r1.position, r2.position, r3.position), (1, 2, 3));
    assert_eq!((r1.draft.clone(), r1.updated_at), (refund.clone(), at(0)));
    assert_eq!(r2.draft, route);
    assert_eq!(
        store.rules().await.unwrap(),
        vec![r1.clone(), r2.clone(), r3.clone()]
    );
    let mut edited = refund.clone();
    edited.name = "Refunds are very urgent".into();
    edited.enabled = false;
    let r1 = store
        .save_rule(Some(r1.id), edited.clone(), at(3))
        .await
        .unwrap();
    assert_eq!(
        (r1.position, r1.draft.clone(), r1.updated_at),
        (1, edited, at(3)),
        "replaced in place"
    );
    let missing = RuleId(r3.id.0 + 1000);
    assert_eq!(
        store.save_rule(Some(missing), refund.clone(), at(3)).await,
        Err(StoreError::NotFound)
    );
    let order = |rules: Vec<lossless::rules::Rule>| -> Vec<(RuleId, i32)> {
        rules.into_iter().map(|r| (r.id, r.position)).collect()
    };
    store.reorder_rules(vec![r3.id, r1.id]).await.unwrap();
    assert_eq!(
        order(store.rules().await.unwrap()),
        vec![(r3.id, 1), (r1.id, 2), (r2.id, 3)],
        "listed first, the rest after in their old order"
    );
    store
        .reorder_rules(vec![missing, r2.id, r2.id])
        .await
        .unwrap();
    assert_eq!(
        order(store.rules().await.unwrap()),
        vec![(r2.id, 1), (r3.id, 2), (r1.id, 3)],
        "unknown ids and repeats are ignored"
    );
    store.delete_rule(r3.id).await.unwrap();
    assert_eq!(store.delete_rule(r3.id).await, Err(StoreError::NotFound));
    let r4 = store.save_rule(None, stale.clone(), at(4)).await.unwrap();
    assert_eq!(r4.position, 4, "a new rule goes after the highest position");
    assert_eq!(
        order(store.rules().await.unwrap()),
        vec![(r2.id, 1), (r1.id, 3), (r4.id, 4)]
    );

    // ---- presence and routing profiles --------------------------------------------------------
    let agent = |mail: &str, name: &str| NewAgent {
        email: email(mail),
        name: name.to_owned(),
        role: Role::Agent,
        lang: Lang::Ru,
        password_hash: "$argon2id$x".into(),
    };
    let ann = store
        .create_agent(agent("rs-ann@example.com", "RS Ann"))
        .await
        .unwrap();
    let bob = store
        .create_agent(agent("rs-bob@example.com", "RS Bob"))
        .await
        .unwrap();
    let cy = store
        .create_agent(agent("rs-cy@example.com", "RS Cy"))
        .await
        .unwrap();
    let status_of = |list: Vec<AgentStatus>, a: AgentId| -> AgentStatus {
        list.into_iter().find(|s| s.agent == a).unwrap()
    };
    let statuses = store.agent_statuses().await.unwrap();
    let mut by_id: Vec<AgentId> = statuses.iter().map(|s| s.agent).collect();
    by_id.sort();
    assert_eq!(
        statuses.iter().map(|s| s.agent).collect::<Vec<_>>(),
        by_id,
        "by agent id"
    );
    assert_eq!(statuses.len(), store.agents().await.unwrap().len());
    let fresh = AgentStatus {
        agent: ann.id,
        presence: Presence::Offline,
        last_seen_at: None,
        capacity: DEFAULT_CAPACITY,
        languages: BTreeSet::new(),
        skills: BTreeSet::new(),
    };
    assert_eq!(status_of(statuses, ann.id), fresh);
    store
        .set_presence(ann.id, Presence::Online, at(0))
        .await
        .unwrap();
    store
        .set_presence(bob.id, Presence::Away, at(0))
        .await
        .unwrap();
    store.touch_agent(ann.id, at(5)).await.unwrap();
    store.touch_agent(ann.id, at(1)).await.unwrap(); // late: never moves backwards
    store.touch_agent(cy.id, at(2)).await.unwrap(); // activity alone keeps offline
    let statuses = store.agent_statuses().await.unwrap();
    let s = status_of(statuses.clone(), ann.id);
    assert_eq!(
        (s.presence, s.last_seen_at),
        (Presence::Online, Some(at(5)))
    );
    assert_eq!(s.effective(at(6)), Presence::Online);
    let s = status_of(statuses.clone(), bob.id);
    assert_eq!((s.presence, s.last_seen_at), (Presence::Away, Some(at(0))));
    let s = status_of(statuses, cy.id);
    assert_eq!(
        (s.presence, s.last_seen_at),
        (Presence::Offline, Some(at(2)))
    );
    let nobody = AgentId(cy.id.0 + 1000);
    assert_eq!(
        store.set_presence(nobody, Presence::Online, at(0)).await,
        Err(StoreError::NotFound)
    );
    let profile = AgentStatus {
        agent: ann.id,
        presence: Presence::Offline, // ignored: presence and last seen are kept
        last_seen_at: None,
        capacity: 5,
        languages: [Lang::En, Lang::Ru].into(),
        skills: ["billing".to_owned(), "refunds".to_owned()].into(),
    };
    store.save_agent_profile(profile.clone()).await.unwrap();
    assert_eq!(
        status_of(store.agent_statuses().await.unwrap(), ann.id),
        AgentStatus {
            presence: Presence::Online,
            last_seen_at: Some(at(5)),
            ..profile.clone()
        }
    );
    assert_eq!(
        store
            .save_agent_profile(AgentStatus {
                agent: nobody,
                ..profile
            })
            .await,
        Err(StoreError::NotFound)
    );

    // ---- group routing ---------------------------------------------------------------------
    let sales = store.create_group("RS Sales").await.unwrap();
    assert_eq!(
        store.group_routing(sales.id).await.unwrap(),
        GroupRouting::manual(sales.id)
    );
    let routing = GroupRouting {
        group: sales.id,
        strategy: AssignStrategy::RoundRobin,
        match_language: false,
        match_skills: true,
        prefer_previous_agent: false,
    };
    store.save_group_routing(routing.clone()).await.unwrap();
    assert_eq!(store.group_routing(sales.id).await.unwrap(), routing);
    let least = GroupRouting {
        strategy: AssignStrategy::LeastLoaded,
        ..routing.clone()
    };
    store.save_group_routing(least.clone()).await.unwrap();
    assert_eq!(store.group_routing(sales.id).await.unwrap(), least);
    let no_group = GroupId(sales.id.0 + 1000);
    assert_eq!(
        store.group_routing(no_group).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .save_group_routing(GroupRouting::manual(no_group))
            .await,
        Err(StoreError::NotFound)
    );

    // ---- members, candidates and the assignment sequence ------------------------------------
    assert!(store.group_members(sales.id).await.unwrap().is_empty());
    assert!(
        store
            .assignment_candidates(sales.id)
            .await
            .unwrap()
            .is_empty()
    );
    store.add_group_member(sales.id, bob.id).await.unwrap();
    store.add_group_member(sales.id, ann.id).await.unwrap();
    assert_eq!(
        store.group_members(sales.id).await.unwrap(),
        vec![ann.id, bob.id]
    );
    let cand = store.assignment_candidates(sales.id).await.unwrap();
    assert_eq!(
        cand.iter().map(|c| c.status.agent).collect::<Vec<_>>(),
        vec![ann.id, bob.id]
    );
    assert_eq!(cand[0].status.capacity, 5);
    assert_eq!(cand[0].status.presence, Presence::Online);
    assert!(
        cand.iter()
            .all(|c| c.open_tickets == 0 && c.last_assigned_seq.is_none())
    );
    let customer = || vec![Handle::Email(email("rs-customer@example.com"))];
    let new_ticket = |subject: &str, group: Option<GroupId>, min: i64| {
        let mut c = create(
            subject,
            Priority::Normal,
            at(min),
            "RS Customer",
            customer(),
        );
        c.draft.group = group;
        c
    };
    let assign = |t: &Ticket, to: Option<AgentId>, min: i64| {
        let mut after = t.clone();
        let ev = after.assign(to, at(min)).unwrap();
        update(t, after, ActorRef::Agent(ann.id), ev, vec![], at(min))
    };
    let seq = |c: &[lossless::team::Candidate], a: AgentId| {
        c.iter()
            .find(|c| c.status.agent == a)
            .unwrap()
            .last_assigned_seq
    };
    let open = |c: &[lossless::team::Candidate], a: AgentId| {
        c.iter().find(|c| c.status.agent == a).unwrap().open_tickets
    };
    let t1 = store
        .create_ticket(new_ticket("Invoice wrong", Some(sales.id), 10))
        .await
        .unwrap()
        .ticket;
    let t1 = store
        .update_ticket(assign(&t1, Some(ann.id), 11))
        .await
        .unwrap();
    let c1 = store.assignment_candidates(sales.id).await.unwrap();
    let s1 = seq(&c1, ann.id).expect("recorded");
    assert_eq!((seq(&c1, bob.id), open(&c1, ann.id)), (None, 1));
    let t2 = store
        .create_ticket(new_ticket("Second invoice", Some(sales.id), 12))
        .await
        .unwrap()
        .ticket;
    let t2 = store
        .update_ticket(assign(&t2, Some(bob.id), 13))
        .await
        .unwrap();
    let c2 = store.assignment_candidates(sales.id).await.unwrap();
    let s2 = seq(&c2, bob.id).expect("recorded");
    assert!(s2 > s1, "the sequence advances");
    assert_eq!(seq(&c2, ann.id), Some(s1));
    let t3 = store
        .create_ticket(new_ticket("Third invoice", Some(sales.id), 14))
        .await
        .unwrap()
        .ticket;
    // A non-member: nothing recorded for the members (the sequence may move on).
    let t3 = store
        .update_ticket(assign(&t3, Some(cy.id), 15))
        .await
        .unwrap();
    let c3 = store.assignment_candidates(sales.id).await.unwrap();
    assert_eq!((seq(&c3, ann.id), seq(&c3, bob.id)), (Some(s1), Some(s2)));
    let t3 = store
        .update_ticket(assign(&t3, Some(ann.id), 16))
        .await
        .unwrap();
    let c3 = store.assignment_candidates(sales.id).await.unwrap();
    let s3 = seq(&c3, ann.id).unwrap();
    assert!(s3 > s2);
    assert_eq!(open(&c3, ann.id), 2);
    // A ticket without a group counts as open work but records no assignment; a resolved
    // ticket is no open work; unassigning records nothing.
    let t4 = store
        .create_ticket(new_ticket("No group", None, 17))
        .await
        .unwrap()
        .ticket;
    let t4 = store
        .update_ticket(assign(&t4, Some(ann.id), 18))
        .await
        .unwrap();
    let mut after = t2.clone();
    let ev = after.move_to(Status::Resolved, at(19)).unwrap();
    let t2 = store
        .update_ticket(update(
            &t2,
            after,
            ActorRef::Agent(bob.id),
            ev,
            vec![],
            at(19),
        ))
        .await
        .unwrap();
    assert_eq!(t2.status, Status::Resolved);
    let t1 = store.update_ticket(assign(&t1, None, 20)).await.unwrap();
    let c4 = store.assignment_candidates(sales.id).await.unwrap();
    assert_eq!((seq(&c4, ann.id), seq(&c4, bob.id)), (Some(s3), Some(s2)));
    assert_eq!((open(&c4, ann.id), open(&c4, bob.id)), (2, 0));
    // A move into the group and an assignment in one change records it too (the group is
    // read as stored by that change).
    let t5 = store
        .create_ticket(new_ticket("Moved in", None, 21))
        .await
        .unwrap()
        .ticket;
    let mut after = t5.clone();
    let mut ev = after.move_to_group(Some(sales.id), at(22));
    ev.extend(after.assign(Some(bob.id), at(22)).unwrap());
    let t5 = store
        .update_ticket(update(&t5, after, ActorRef::System, ev, vec![], at(22)))
        .await
        .unwrap();
    let c5 = store.assignment_candidates(sales.id).await.unwrap();
    assert!(seq(&c5, bob.id).unwrap() > s3);
    assert_eq!(open(&c5, bob.id), 1);

    // ---- notifications ----------------------------------------------------------------------
    assert_eq!(store.unread_notifications(ann.id).await.unwrap(), 0);
    assert!(store.notifications(ann.id, 10).await.unwrap().is_empty());
    let long = "ж".repeat(MAX_NOTIFICATION_CHARS + 100);
    let mut after = t5.clone();
    let ev = after.note_added(at(23));
    let mut u = update(&t5, after, ActorRef::System, ev, vec![], at(23));
    u.notifications = vec![
        NewNotification {
            agent: ann.id,
            ticket: Some(t5.id),
            text: "Look at this".into(),
        },
        NewNotification {
            agent: bob.id,
            ticket: Some(t5.id),
            text: long.clone(),
        },
    ];
    let t5 = store.update_ticket(u).await.unwrap();
    let ann_list = store.notifications(ann.id, 10).await.unwrap();
    assert_eq!(ann_list.len(), 1);
    let n1 = ann_list[0].clone();
    assert_eq!(
        (
            n1.agent,
            n1.ticket,
            n1.text.as_str(),
            n1.created_at,
            n1.read_at
        ),
        (ann.id, Some(t5.id), "Look at this", at(23), None)
    );
    let bob_list = store.notifications(bob.id, 10).await.unwrap();
    assert_eq!(bob_list[0].text.chars().count(), MAX_NOTIFICATION_CHARS);
    assert!(long.starts_with(&bob_list[0].text));
    // A refused change stores none of its notifications.
    let mut after = t1.clone();
    let ev = after.note_added(at(24));
    let mut stale_u = update(&t1, after, ActorRef::System, ev, vec![], at(24));
    stale_u.expected_version -= 1;
    stale_u.notifications = vec![NewNotification {
        agent: ann.id,
        ticket: Some(t1.id),
        text: "never".into(),
    }];
    assert_eq!(
        store.update_ticket(stale_u).await,
        Err(StoreError::Conflict)
    );
    let added = store
        .add_notifications(
            vec![
                NewNotification {
                    agent: ann.id,
                    ticket: None,
                    text: "Unassigned tickets are waiting".into(),
                },
                NewNotification {
                    agent: ann.id,
                    ticket: Some(t1.id),
                    text: "Third".into(),
                },
            ],
            at(25),
        )
        .await
        .unwrap();
    assert_eq!(added.len(), 2);
    assert!(n1.id < added[0].id && added[0].id < added[1].id);
    assert_eq!((added[0].ticket, added[0].created_at), (None, at(25)));
    let ann_list = store.notifications(ann.id, 10).await.unwrap();
    assert_eq!(
        ann_list.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![added[1].id, added[0].id, n1.id],
        "newest first"
    );
    assert_eq!(ann_list[0], added[1]);
    assert_eq!(store.notifications(ann.id, 1).await.unwrap().len(), 1);
    assert_eq!(store.unread_notifications(ann.id).await.unwrap(), 3);
    store
        .mark_notifications_read(ann.id, added[0].id, at(26))
        .await
        .unwrap();
    assert_eq!(store.unread_notifications(ann.id).await.unwrap(), 1);
    let ann_list = store.notifications(ann.id, 10).await.unwrap();
    assert_eq!(
        ann_list.iter().map(|n| n.read_at).collect::<Vec<_>>(),
        vec![None, Some(at(26)), Some(at(26))]
    );
    // Marking again keeps the first read time; another agent's are untouched.
    store
        .mark_notifications_read(ann.id, added[1].id, at(27))
        .await
        .unwrap();
    let ann_list = store.notifications(ann.id, 10).await.unwrap();
    assert_eq!(
        ann_list.iter().map(|n| n.read_at).collect::<Vec<_>>(),
        vec![Some(at(27)), Some(at(26)), Some(at(26))]
    );
    assert_eq!(store.unread_notifications(ann.id).await.unwrap(), 0);
    assert_eq!(store.unread_notifications(bob.id).await.unwrap(), 1);
    store
        .mark_notifications_read(bob.id, NotificationId(0), at(27))
        .await
        .unwrap();
    assert_eq!(store.unread_notifications(bob.id).await.unwrap(), 1);
    assert_eq!(
        store
            .add_notifications(
                vec![NewNotification {
                    agent: nobody,
                    ticket: None,
                    text: "x".into(),
                }],
                at(27),
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert!(
        store
            .add_notifications(vec![], at(27))
            .await
            .unwrap()
            .is_empty()
    );

    // ---- contact profiles ------------------------------------------------------------------
    let contact = t1.contact_id;
    assert_eq!(
        store.contact_profile(contact).await.unwrap(),
        ContactProfile::default()
    );
    store
        .set_contact_profile(
            contact,
            ContactProfile {
                organisation: Some("  Acme  ".into()),
                vip: true,
                region: Some(" ".into()),
            },
        )
        .await
        .unwrap();
    let acme = ContactProfile {
        organisation: Some("Acme".into()),
        vip: true,
        region: None,
    };
    assert_eq!(store.contact_profile(contact).await.unwrap(), acme);
    let no_contact = ContactId(contact.0 + 100_000);
    assert_eq!(
        store.contact_profile(no_contact).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .set_contact_profile(no_contact, ContactProfile::default())
            .await,
        Err(StoreError::NotFound)
    );

    // ---- ticket contexts ----------------------------------------------------------------------
    let c1 = store.ticket_context(t1.id).await.unwrap().unwrap();
    assert_eq!(c1.ticket, store.ticket(t1.id).await.unwrap().unwrap());
    assert_eq!(c1.body, "Body of Invoice wrong");
    assert_eq!(c1.mailbox, None, "a web-form ticket");
    assert_eq!(c1.sender, Some(email("rs-customer@example.com")));
    assert_eq!(c1.profile, acme);
    assert_eq!(c1.last_customer_reply_at, Some(at(10)), "the first message");
    assert_eq!(
        c1.status_changed_at,
        Some(at(11)),
        "new → open on assignment"
    );
    assert_eq!(c1.assigned_at, Some(at(11)), "unassigning is no assignment");
    // The most recent other ticket of this customer that has an owner: t5 (bob).
    assert_eq!(c1.previous_agent, Some(bob.id));
    let c4 = store.ticket_context(t4.id).await.unwrap().unwrap();
    assert_eq!(c4.previous_agent, Some(bob.id));
    assert_eq!(c4.assigned_at, Some(at(18)));
    let c5 = store.ticket_context(t5.id).await.unwrap().unwrap();
    assert_eq!(c5.previous_agent, Some(ann.id), "t4's owner, not t5's own");
    assert_eq!(c5.assigned_at, Some(at(22)));
    let t2c = store.ticket_context(t2.id).await.unwrap().unwrap();
    assert_eq!(
        t2c.status_changed_at,
        Some(at(19)),
        "the last status change"
    );
    assert_eq!(
        store
            .ticket_context(TicketId(t5.id.0 + 100_000))
            .await
            .unwrap(),
        None
    );
    // A later customer message moves the last reply; an agent's does not.
    let mut after = t3.clone();
    let ev = after.customer_replied(at(30)).unwrap();
    let reply = MessageDraft::from_customer(ActorRef::Contact(contact), "More details".into());
    let t3 = store
        .update_ticket(update(
            &t3,
            after,
            ActorRef::Contact(contact),
            ev,
            vec![reply],
            at(30),
        ))
        .await
        .unwrap();
    let mut after = t3.clone();
    let ev = after.agent_replied(at(31)).unwrap();
    let answer = MessageDraft::reply(ActorRef::Agent(ann.id), "Answer".into());
    store
        .update_ticket(update(
            &t3,
            after,
            ActorRef::Agent(ann.id),
            ev,
            vec![answer],
            at(31),
        ))
        .await
        .unwrap();
    let c3 = store.ticket_context(t3.id).await.unwrap().unwrap();
    assert_eq!(c3.last_customer_reply_at, Some(at(30)));
    assert_eq!(
        c3.body, "Body of Third invoice",
        "the first message stays the body"
    );
    // By email: the mailbox the first mail arrived in, even after a reply through another.
    let first_mb = support::mailbox(store, "rs-first", "first@lossless.test").await;
    let second_mb = support::mailbox(store, "rs-second", "second@lossless.test").await;
    let m1 = raw_mail(
        "rs-mail@customer.test",
        "By mail",
        "rs-m1@customer.test",
        "",
        "Hello by mail.",
    );
    let got = store
        .ingest_email(ingest_of(first_mb.id, 1, 1, &m1, at(40)))
        .await
        .unwrap();
    let mail_ticket = got.ticket.unwrap();
    let m2 = raw_mail(
        "rs-mail@customer.test",
        "Re: By mail",
        "rs-m2@customer.test",
        "In-Reply-To: <rs-m1@customer.test>\r\n",
        "Again by mail.",
    );
    let again = store
        .ingest_email(ingest_of(second_mb.id, 1, 1, &m2, at(41)))
        .await
        .unwrap();
    assert_eq!(again.ticket, Some(mail_ticket));
    // Rules run once per stored change, keyed by the version that change stored.
    let stored = store.ticket(mail_ticket).await.unwrap().unwrap();
    assert_eq!(stored.version, 2, "the reply was stored as a change");
    let keys: Vec<String> = store
        .jobs(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect();
    assert!(keys.contains(&format!("rules:{mail_ticket}:1")));
    assert!(keys.contains(&format!("rules:{mail_ticket}:2")));
    assert_eq!(
        store.ticket_mailbox(mail_ticket).await.unwrap().as_deref(),
        Some("rs-second")
    );
    let cm = store.ticket_context(mail_ticket).await.unwrap().unwrap();
    assert_eq!(cm.mailbox.as_deref(), Some("rs-first"));
    assert_eq!(cm.sender, Some(email("rs-mail@customer.test")));
    assert_eq!(cm.body, "Hello by mail.");
    assert_eq!(cm.last_customer_reply_at, Some(at(41)));
    assert_eq!(
        (cm.previous_agent, cm.profile),
        (None, ContactProfile::default())
    );
    // The most recent tickets, newest first, the same as one by one.
    let recent = store.recent_ticket_contexts(3).await.unwrap();
    assert_eq!(
        recent.iter().map(|c| c.ticket.id).collect::<Vec<_>>(),
        vec![mail_ticket, t5.id, t4.id]
    );
    for c in &recent {
        assert_eq!(
            Some(c),
            store.ticket_context(c.ticket.id).await.unwrap().as_ref()
        );
    }
    let many = store.recent_ticket_contexts(200).await.unwrap();
    assert_eq!(
        many.len() as i64,
        store.ticket_count().await.unwrap().min(200)
    );
    assert!(many.windows(2).all(
        |w| (w[0].ticket.created_at, w[0].ticket.id) > (w[1].ticket.created_at, w[1].ticket.id)
    ));
    assert!(store.recent_ticket_contexts(0).await.unwrap().is_empty());

    // ---- labelled tickets ----------------------------------------------------------------------
    // t1, t2, t3, t5 have a group; t4 gets a tag; a ticket an agent made urgent counts; one
    // created urgent (nobody labelled it) and the mail ticket do not.
    let mut after = t4.clone();
    let ev = after.tag("Billing", at(50)).unwrap();
    store
        .update_ticket(update(
            &t4,
            after,
            ActorRef::Agent(bob.id),
            ev,
            vec![],
            at(50),
        ))
        .await
        .unwrap();
    let mut made = create(
        "Made urgent",
        Priority::Normal,
        at(51),
        "RS Other",
        vec![Handle::Email(email("rs-other@example.com"))],
    );
    made.body = "Urgent body".into();
    let t6 = store.create_ticket(made).await.unwrap().ticket;
    let mut after = t6.clone();
    let ev = after.reprioritize(Priority::Urgent, at(52));
    store
        .update_ticket(update(
            &t6,
            after,
            ActorRef::Agent(ann.id),
            ev,
            vec![],
            at(52),
        ))
        .await
        .unwrap();
    let born = create(
        "Born urgent",
        Priority::Urgent,
        at(53),
        "RS Other",
        vec![Handle::Email(email("rs-other@example.com"))],
    );
    let t7 = store.create_ticket(born).await.unwrap().ticket;
    let after_id = TicketId(t1.id.0 - 1);
    let labelled = store.labelled_tickets(after_id, 100).await.unwrap();
    assert_eq!(
        labelled.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![t1.id, t2.id, t3.id, t4.id, t5.id, t6.id],
        "oldest first; {} unlabelled",
        t7.id
    );
    let l1 = &labelled[0];
    assert_eq!(
        (
            l1.subject.as_str(),
            l1.body.as_str(),
            l1.category.as_deref(),
            l1.priority
        ),
        (
            "Invoice wrong",
            "Body of Invoice wrong",
            Some("RS Sales"),
            Priority::Normal
        )
    );
    assert!(l1.tags.is_empty());
    assert_eq!(
        (labelled[3].category.as_deref(), labelled[3].tags.clone()),
        (None, vec!["billing".to_owned()])
    );
    assert_eq!(
        (labelled[5].priority, labelled[5].body.as_str()),
        (Priority::Urgent, "Urgent body")
    );
    assert_eq!(
        store
            .labelled_tickets(t2.id, 2)
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect::<Vec<_>>(),
        vec![t3.id, t4.id],
        "after and limit"
    );
    assert!(store.labelled_tickets(t7.id, 10).await.unwrap().is_empty());

    // ---- the assignment sequence under concurrency ------------------------------------------
    // Concurrent assignments each take their own value, and the value recorded for a member
    // is never lowered by a transaction that took an older one but committed later: the
    // largest recorded value is the last one taken.
    let before = store.assignment_candidates(sales.id).await.unwrap();
    let last = before
        .iter()
        .filter_map(|c| c.last_assigned_seq)
        .max()
        .unwrap();
    assert_eq!(
        last,
        seq(&before, bob.id).unwrap(),
        "t5's assignment was the last"
    );
    let mut batch = Vec::new();
    for i in 0..20 {
        let c = new_ticket(&format!("Batch {i}"), Some(sales.id), 60 + i);
        batch.push(store.create_ticket(c).await.unwrap().ticket);
    }
    let mut tasks = Vec::new();
    for (i, t) in batch.into_iter().enumerate() {
        let to = if i.is_multiple_of(2) { ann.id } else { bob.id };
        let u = assign(&t, Some(to), 90);
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.update_ticket(u).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let after = store.assignment_candidates(sales.id).await.unwrap();
    let (sa, sb) = (seq(&after, ann.id).unwrap(), seq(&after, bob.id).unwrap());
    assert!(sa > last && sb > last && sa != sb);
    assert_eq!(sa.max(sb), last + 20, "no value recorded out of order");
    assert_eq!(
        (open(&after, ann.id), open(&after, bob.id)),
        (open(&before, ann.id) + 10, open(&before, bob.id) + 10)
    );
}

/// The SLA part of the store (issue 5): calendars and their default, group calendars,
/// policies, ticket records with compare-and-set, their side effects, timers and the queue.
pub async fn sla_story(store: &SqlStore) {
    use lossless::ids::{SlaCalendarId, SlaPolicyId};
    use lossless::notification::NewNotification;
    use lossless::rules::Condition;
    use lossless::sla::clock::Clock;
    use lossless::sla::policy::{ChosenTarget, OnBreach, Targets};
    use lossless::sla::{
        Calendar, Measurement, PolicyDraft, SaveSla, SlaBadge, SlaEvent, SlaState, Target,
        TicketSla,
    };
    let now = to_micros(t0() + Duration::days(200));
    let at = |min: i64| now + Duration::minutes(min);
    let missing_cal = SlaCalendarId(i64::MAX);

    // ---- calendars: the first is the default; one default at a time; it stays ----------
    assert!(store.sla_calendars().await.unwrap().is_empty());
    let office = Calendar::default();
    let always = Calendar {
        always_open: true,
        ..Calendar::default()
    };
    let c1 = store
        .save_sla_calendar(None, "Office".into(), office.clone(), false, at(0))
        .await
        .unwrap();
    assert!(c1.is_default, "the first calendar is the default");
    assert_eq!((c1.name.as_str(), &c1.calendar), ("Office", &office));
    assert_eq!(c1.updated_at, at(0));
    let c2 = store
        .save_sla_calendar(None, "24/7".into(), always.clone(), false, at(1))
        .await
        .unwrap();
    assert!(!c2.is_default);
    assert_eq!(
        store.sla_calendars().await.unwrap(),
        [c1.clone(), c2.clone()]
    );
    // Making c2 the default clears c1.
    let c2 = store
        .save_sla_calendar(
            Some(c2.id),
            "Around the clock".into(),
            always.clone(),
            true,
            at(2),
        )
        .await
        .unwrap();
    assert!(c2.is_default);
    assert_eq!(c2.name, "Around the clock");
    let listed = store.sla_calendars().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|c| (c.id, c.is_default))
            .collect::<Vec<_>>(),
        [(c1.id, false), (c2.id, true)]
    );
    // Saving the default with is_default = false keeps it the default.
    let c2 = store
        .save_sla_calendar(
            Some(c2.id),
            "Around the clock".into(),
            always.clone(),
            false,
            at(3),
        )
        .await
        .unwrap();
    assert!(c2.is_default);
    assert_eq!(c2.updated_at, at(3));
    assert_eq!(
        store
            .sla_calendars()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.is_default)
            .count(),
        1
    );
    assert_eq!(
        store
            .save_sla_calendar(Some(missing_cal), "x".into(), office.clone(), true, at(3))
            .await,
        Err(StoreError::NotFound)
    );
    // A failed save changed nothing (c2 is still the default).
    assert!(store.sla_calendars().await.unwrap()[1].is_default);
    assert_eq!(
        store.delete_sla_calendar(c2.id).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.delete_sla_calendar(missing_cal).await,
        Err(StoreError::NotFound)
    );

    // ---- group calendars -----------------------------------------------------------------
    let g = store.create_group("SLA group").await.unwrap();
    let g2 = store.create_group("SLA other").await.unwrap();
    assert!(store.group_calendars().await.unwrap().is_empty());
    store.set_group_calendar(g.id, Some(c1.id)).await.unwrap();
    store.set_group_calendar(g2.id, Some(c2.id)).await.unwrap();
    assert_eq!(
        store.group_calendars().await.unwrap(),
        [(g.id, c1.id), (g2.id, c2.id)].into()
    );
    store.set_group_calendar(g2.id, None).await.unwrap();
    assert_eq!(
        store.group_calendars().await.unwrap(),
        [(g.id, c1.id)].into()
    );
    assert_eq!(
        store
            .set_group_calendar(GroupId(i64::MAX), Some(c1.id))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.set_group_calendar(g2.id, Some(missing_cal)).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.group_calendars().await.unwrap(),
        [(g.id, c1.id)].into()
    );

    // ---- policies: last on insert, replaced in place, calendar column, reorder, delete ---
    assert!(store.sla_policies().await.unwrap().is_empty());
    let draft = |name: &str, calendar: Option<SlaCalendarId>| PolicyDraft {
        name: name.to_owned(),
        enabled: true,
        condition: Condition::All(vec![]),
        targets: Targets {
            first_response: Some(60),
            next_response: None,
            resolution: Some(8 * 60),
        },
        calendar,
        warn_at: vec![75, 90],
        on_breach: OnBreach {
            raise_priority: true,
            move_to_group: Some(g.id),
            reassign: true,
        },
    };
    let p1 = store
        .save_sla_policy(None, draft("Gold", Some(c1.id)), at(4))
        .await
        .unwrap();
    assert_eq!(p1.position, 1);
    assert_eq!(p1.draft, draft("Gold", Some(c1.id)));
    assert_eq!(p1.updated_at, at(4));
    let p2 = store
        .save_sla_policy(None, draft("Silver", Some(missing_cal)), at(5))
        .await
        .unwrap();
    assert_eq!(p2.position, 2);
    assert_eq!(
        p2.draft.calendar, None,
        "an unknown calendar is stored as none"
    );
    let mut gold = draft("Gold plus", Some(c2.id));
    gold.enabled = false;
    let p1 = store
        .save_sla_policy(Some(p1.id), gold.clone(), at(6))
        .await
        .unwrap();
    assert_eq!((p1.position, &p1.draft, p1.updated_at), (1, &gold, at(6)));
    assert_eq!(
        store.sla_policies().await.unwrap(),
        [p1.clone(), p2.clone()]
    );
    assert_eq!(
        store
            .save_sla_policy(Some(SlaPolicyId(i64::MAX)), draft("x", None), at(6))
            .await,
        Err(StoreError::NotFound)
    );
    store.reorder_sla_policies(vec![p2.id]).await.unwrap();
    let order: Vec<(SlaPolicyId, i32)> = store
        .sla_policies()
        .await
        .unwrap()
        .iter()
        .map(|p| (p.id, p.position))
        .collect();
    assert_eq!(order, [(p2.id, 1), (p1.id, 2)]);
    let p3 = store
        .save_sla_policy(None, draft("Bronze", Some(c1.id)), at(7))
        .await
        .unwrap();
    assert_eq!(p3.position, 3);
    store.delete_sla_policy(p2.id).await.unwrap();
    assert_eq!(
        store.delete_sla_policy(p2.id).await,
        Err(StoreError::NotFound)
    );

    // ---- deleting a calendar: its policies and groups fall back --------------------------
    store.delete_sla_calendar(c1.id).await.unwrap();
    assert_eq!(
        store.sla_calendars().await.unwrap(),
        std::slice::from_ref(&c2)
    );
    let policies = store.sla_policies().await.unwrap();
    assert_eq!(
        policies
            .iter()
            .map(|p| (p.id, p.draft.calendar))
            .collect::<Vec<_>>(),
        [(p1.id, Some(c2.id)), (p3.id, None)]
    );
    assert!(store.group_calendars().await.unwrap().is_empty());
    assert_eq!(
        store.delete_sla_calendar(c1.id).await,
        Err(StoreError::NotFound)
    );

    // ---- ticket records --------------------------------------------------------------------
    let agent = store
        .create_agent(NewAgent {
            email: email("sla-agent@example.com"),
            name: "Sla Agent".into(),
            role: Role::Agent,
            lang: Lang::Ru,
            password_hash: "$argon2id$sla".into(),
        })
        .await
        .unwrap();
    let mut tickets = Vec::new();
    for (i, p) in [
        Priority::Normal,
        Priority::Urgent,
        Priority::Normal,
        Priority::Low,
        Priority::High,
    ]
    .into_iter()
    .enumerate()
    {
        let c = create(
            &format!("SLA ticket {i}"),
            p,
            at(10 + i64::try_from(i).unwrap()),
            &format!("Sla {i}"),
            vec![Handle::Email(email(&format!("sla{i}@example.com")))],
        );
        tickets.push(store.create_ticket(c).await.unwrap().ticket);
    }
    let a = tickets[0].clone();
    assert_eq!(store.ticket_sla(a.id).await.unwrap(), None);
    assert!(store.sla_measurements(a.id).await.unwrap().is_empty());

    // history_since: every row above the cursor, ascending by id, with its id.
    let rows = store.history_since(a.id, 0).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(
        rows.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>(),
        store.history(a.id).await.unwrap()
    );
    let cursor = rows.last().unwrap().0;
    assert!(store.history_since(a.id, cursor).await.unwrap().is_empty());
    assert_eq!(
        store.history_since(a.id, rows[0].0).await.unwrap(),
        rows[1..].to_vec()
    );

    let chosen = |name: &str, minutes: u32| ChosenTarget {
        minutes,
        policy: p1.id,
        policy_name: name.to_owned(),
        calendar: Some(c2.id),
        warn_at: vec![75, 90],
        on_breach: OnBreach::default(),
    };
    let first = Clock {
        target: Target::FirstResponse,
        chosen: chosen("Gold", 60),
        started_at: at(10),
        consumed_secs: 1800,
        running_since: None,
        due_at: None,
        stopped_at: Some(at(40)),
        breached_at: None,
        warned: vec![],
    };
    let resolution = Clock {
        target: Target::Resolution,
        chosen: chosen("Gold", 480),
        started_at: at(10),
        consumed_secs: 0,
        running_since: Some(at(10)),
        due_at: Some(at(490)),
        stopped_at: None,
        breached_at: None,
        warned: vec![75],
    };
    let record = |next: Option<DateTime<Utc>>, due: Option<DateTime<Utc>>, breached, warned| {
        TicketSla {
            state: SlaState {
                clocks: vec![first.clone(), resolution.clone()],
            },
            cursor,
            revision: 42, // ignored: the store stores expected + 1
            status: Status::Open,
            responded: true,
            next_at: next,
            due_at: due,
            breached,
            paused: false,
            warned,
        }
    };
    let breached_at = at(45) + Duration::nanoseconds(1_234_567);
    let events = vec![
        (
            SlaEvent::Warned {
                target: Target::Resolution,
                percent: 75,
                due_at: Some(at(490)),
            },
            at(20),
        ),
        (
            SlaEvent::Met {
                target: Target::FirstResponse,
                business_secs: 1800,
                calendar_secs: 1860,
                late: false,
            },
            at(40),
        ),
        (
            SlaEvent::Breached {
                target: Target::Resolution,
                policy_name: "Old gold".into(),
                at: breached_at,
                on_breach: OnBreach::default(),
            },
            breached_at,
        ),
    ];
    let save = |sla: TicketSla, expected: i64| SaveSla {
        ticket_id: a.id,
        expected_revision: expected,
        sla,
        events: events.clone(),
        notifications: vec![NewNotification {
            agent: agent.id,
            ticket: Some(a.id),
            text: "SLA warning".into(),
        }],
        jobs: vec![new_job("sla:story:1", a.id.0, at(490), 5)],
        completes: None,
        now: at(50),
    };
    let first_rec = record(Some(at(370)), Some(at(490)), false, 75);
    let history_before = store.history(a.id).await.unwrap().len();
    let stored = store.save_sla(save(first_rec.clone(), 0)).await.unwrap();
    assert_eq!(
        stored,
        TicketSla {
            revision: 1,
            ..first_rec.clone()
        }
    );
    assert_eq!(store.ticket_sla(a.id).await.unwrap(), Some(stored.clone()));
    // The ticket itself is untouched.
    assert_eq!(store.ticket(a.id).await.unwrap(), Some(a.clone()));
    // History: one system row per event, each at its own instant, after the cursor.
    let fresh = store.history_since(a.id, cursor).await.unwrap();
    assert_eq!(fresh.len(), 3);
    assert_eq!(store.history(a.id).await.unwrap().len(), history_before + 3);
    for ((_, h), (e, when)) in fresh.iter().zip(&events) {
        assert_eq!(h.ticket_id, a.id);
        assert_eq!(h.actor, ActorRef::System);
        assert_eq!(h.event, TicketEvent::Sla { event: e.clone() });
        assert_eq!(h.at, to_micros(*when));
    }
    // Measurements: the met first response (its clock's policy) and the breach.
    assert_eq!(
        store.sla_measurements(a.id).await.unwrap(),
        [
            Measurement {
                target: Target::FirstResponse,
                policy_name: "Gold".into(),
                breach: false,
                business_secs: Some(1800),
                calendar_secs: Some(1860),
                late: false,
                at: at(40),
            },
            Measurement {
                target: Target::Resolution,
                policy_name: "Old gold".into(),
                breach: true,
                business_secs: None,
                calendar_secs: None,
                late: false,
                at: to_micros(breached_at),
            },
        ]
    );
    let notes = store.notifications(agent.id, 10).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].text.as_str(), notes[0].ticket, notes[0].created_at),
        ("SLA warning", Some(a.id), at(50))
    );
    let timer = job(store, "sla:story:1").await;
    assert_eq!((timer.status, timer.run_at), (JobStatus::Queued, at(490)));

    // Compare-and-set: a second insert and a stale revision are refused, writing nothing.
    let measured = store.sla_measurements(a.id).await.unwrap();
    let history_now = store.history(a.id).await.unwrap();
    assert_eq!(
        store.save_sla(save(first_rec.clone(), 0)).await,
        Err(StoreError::Conflict),
        "double insert"
    );
    assert_eq!(
        store.save_sla(save(first_rec.clone(), 7)).await,
        Err(StoreError::Conflict),
        "stale revision"
    );
    assert_eq!(store.ticket_sla(a.id).await.unwrap(), Some(stored.clone()));
    assert_eq!(store.history(a.id).await.unwrap(), history_now);
    assert_eq!(store.sla_measurements(a.id).await.unwrap(), measured);
    assert_eq!(store.notifications(agent.id, 10).await.unwrap().len(), 1);

    // The next write at the stored revision goes through (no events: nothing appended;
    // a duplicate job key is skipped).
    let second_rec = record(Some(at(100)), Some(at(490)), true, 90);
    let stored2 = store
        .save_sla(SaveSla {
            events: vec![],
            notifications: vec![],
            ..save(second_rec.clone(), 1)
        })
        .await
        .unwrap();
    assert_eq!(stored2.revision, 2);
    assert_eq!(
        (stored2.next_at, stored2.breached, stored2.warned),
        (Some(at(100)), true, 90)
    );
    assert_eq!(store.history(a.id).await.unwrap(), history_now);
    assert_eq!(
        store
            .jobs(None, 10_000)
            .await
            .unwrap()
            .iter()
            .filter(|j| j.key == "sla:story:1")
            .count(),
        1
    );

    // A lost job lease: Conflict, and nothing of the write is stored.
    store
        .enqueue_jobs(vec![new_job("sla:story:timer", a.id.0, at(60), 5)])
        .await
        .unwrap();
    let claimed = store
        .claim_jobs("sla-w1", at(60), Duration::seconds(60), 1000)
        .await
        .unwrap();
    let timer = claimed
        .iter()
        .find(|j| j.key == "sla:story:timer")
        .unwrap()
        .clone();
    let third_rec = record(Some(at(200)), Some(at(490)), true, 90);
    let with_claim = |worker: &str| SaveSla {
        jobs: vec![new_job("sla:story:2", a.id.0, at(700), 5)],
        completes: Some(JobClaim {
            id: timer.id,
            worker: worker.to_owned(),
        }),
        now: at(61),
        ..save(third_rec.clone(), 2)
    };
    assert_eq!(
        store.save_sla(with_claim("sla-w2")).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.ticket_sla(a.id).await.unwrap(), Some(stored2.clone()));
    assert_eq!(store.history(a.id).await.unwrap(), history_now);
    assert_eq!(store.sla_measurements(a.id).await.unwrap(), measured);
    assert_eq!(store.notifications(agent.id, 10).await.unwrap().len(), 1);
    assert!(
        !store
            .jobs(None, 10_000)
            .await
            .unwrap()
            .iter()
            .any(|j| j.key == "sla:story:2")
    );
    assert_eq!(
        job(store, "sla:story:timer").await.status,
        JobStatus::Running
    );
    // The worker that holds it completes it with the write.
    let stored3 = store.save_sla(with_claim("sla-w1")).await.unwrap();
    assert_eq!(stored3.revision, 3);
    assert_eq!(job(store, "sla:story:timer").await.status, JobStatus::Done);
    assert_eq!(job(store, "sla:story:2").await.status, JobStatus::Queued);
    assert_eq!(
        store.history(a.id).await.unwrap().len(),
        history_now.len() + 3
    );
    assert_eq!(store.sla_measurements(a.id).await.unwrap().len(), 4);
    assert_eq!(store.ticket(a.id).await.unwrap(), Some(a.clone()));

    // An unknown ticket has no record to store.
    assert_eq!(
        store
            .save_sla(SaveSla {
                ticket_id: TicketId(i64::MAX),
                ..save(first_rec.clone(), 0)
            })
            .await,
        Err(StoreError::NotFound)
    );

    // ---- timers and the queue ----------------------------------------------------------------
    // a: next_at at(200), due at(490), breached (from the last write).
    // b: next at(150), due at(300); c: no timer, due at(250); d: breached, no deadline;
    // e: no record.
    let put = |t: &Ticket, next, due, breached| {
        let mut r = record(next, due, breached, 0);
        r.paused = !breached;
        store.save_sla(SaveSla {
            ticket_id: t.id,
            events: vec![],
            notifications: vec![],
            jobs: vec![],
            ..save(r, 0)
        })
    };
    let (b, c, d, e) = (&tickets[1], &tickets[2], &tickets[3], &tickets[4]);
    put(b, Some(at(150)), Some(at(300)), false).await.unwrap();
    put(c, None, Some(at(250)), false).await.unwrap();
    put(d, Some(at(900)), None, true).await.unwrap();
    assert_eq!(
        store.due_slas(at(1000), 10).await.unwrap(),
        [b.id, a.id, d.id]
    );
    assert_eq!(store.due_slas(at(1000), 1).await.unwrap(), [b.id]);
    assert_eq!(store.due_slas(at(199), 10).await.unwrap(), [b.id]);
    assert_eq!(store.due_slas(at(200), 10).await.unwrap(), [b.id, a.id]);
    assert!(store.due_slas(at(149), 10).await.unwrap().is_empty());

    let q = |view| QueueQuery {
        view,
        statuses: vec![],
        priorities: vec![],
        limit: 100,
    };
    let all = store.queue(&q(QueueView::All)).await.unwrap();
    // The other views keep their order: priority (urgent first), then age.
    assert_eq!(
        all.iter().map(|r| r.ticket.id).collect::<Vec<_>>(),
        [b.id, e.id, a.id, c.id, d.id]
    );
    let badge = |id: TicketId| all.iter().find(|r| r.ticket.id == id).unwrap().sla.clone();
    assert_eq!(
        badge(a.id),
        Some(SlaBadge {
            due_at: Some(at(490)),
            breached: true,
            paused: false,
            warned: 90,
        })
    );
    assert_eq!(
        badge(b.id),
        Some(SlaBadge {
            due_at: Some(at(300)),
            breached: false,
            paused: true,
            warned: 0,
        })
    );
    assert_eq!(badge(e.id), None, "no record, no badge");
    // At risk: breached first (nearest deadline first, none last), then deadlines before
    // `until`, nearest first.
    let risk = |until, priorities: Vec<Priority>| {
        let mut query = q(QueueView::AtRisk { until });
        query.priorities = priorities;
        async move {
            store
                .queue(&query)
                .await
                .unwrap()
                .iter()
                .map(|r| r.ticket.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(risk(at(400), vec![]).await, [a.id, d.id, c.id, b.id]);
    assert_eq!(risk(at(260), vec![]).await, [a.id, d.id, c.id]);
    assert_eq!(risk(at(250), vec![]).await, [a.id, d.id], "strictly before");
    assert_eq!(
        risk(at(400), vec![Priority::Normal]).await,
        [a.id, c.id],
        "priority filter applies"
    );
    let mut limited = q(QueueView::AtRisk { until: at(400) });
    limited.limit = 2;
    assert_eq!(
        store
            .queue(&limited)
            .await
            .unwrap()
            .iter()
            .map(|r| r.ticket.id)
            .collect::<Vec<_>>(),
        [a.id, d.id]
    );
    // Status filter: a resolved ticket is not in the working set.
    let mut resolved = d.clone();
    resolved.status = Status::Resolved;
    store
        .update_ticket(update(
            d,
            resolved,
            ActorRef::System,
            vec![],
            vec![],
            at(300),
        ))
        .await
        .unwrap();
    assert_eq!(risk(at(400), vec![]).await, [a.id, c.id, b.id]);
    // The SLA record survives the ticket's changes; deleting nothing else touched it.
    assert!(store.ticket_sla(d.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sla_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        sla_story(&store).await;
        store.close().await;
    })
    .await;
}

// ---- canned responses (issue 6) ----

/// Canned responses: insert shared and personal ones, list what each agent sees, read one,
/// replace one (owner moved, actions kept as JSON), refuse unknown ids and owners, delete.
async fn canned_story(store: &SqlStore) {
    use lossless::canned::{AssignTo, CannedDraft, MacroActions};
    use lossless::ids::CannedId;
    let ann = support::new_agent(store, "canned-ann", Role::Agent, Lang::Ru).await;
    let bob = support::new_agent(store, "canned-bob", Role::Manager, Lang::En).await;
    let at = |m: i64| t0() + Duration::minutes(m) + Duration::nanoseconds(1_234_567);
    assert!(store.canned_responses(None).await.unwrap().is_empty());

    let shared = CannedDraft {
        title: "Спасибо за обращение".into(),
        body: "Здравствуйте, {{customer.first_name}}! Номер: {{ticket.number}}.".into(),
        shortcut: "спасибо".into(),
        shared: true,
        actions: MacroActions::default(),
    };
    let s = store
        .save_canned_response(None, None, shared.clone(), at(1))
        .await
        .unwrap();
    assert_eq!((s.owner, s.draft()), (None, shared.clone()));
    assert_eq!(s.updated_at, to_micros(at(1)), "stored to the microsecond");
    let macro_actions = MacroActions {
        status: Some(Status::Pending),
        priority: Some(Priority::High),
        assign: Some(AssignTo::Agent(bob)),
        add_tags: vec!["возврат".into()],
        remove_tags: vec!["new".into()],
    };
    let personal = CannedDraft {
        title: "Refund".into(),
        body: String::new(),
        shortcut: String::new(),
        shared: false,
        actions: macro_actions.clone(),
    };
    let a = store
        .save_canned_response(None, Some(ann), personal.clone(), at(2))
        .await
        .unwrap();
    assert_eq!((a.owner, a.actions.clone()), (Some(ann), macro_actions));
    let b = store
        .save_canned_response(None, Some(bob), personal.clone(), at(3))
        .await
        .unwrap();

    let ids = |v: Vec<lossless::canned::CannedResponse>| v.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.canned_responses(Some(ann)).await.unwrap()),
        [s.id, a.id]
    );
    assert_eq!(
        ids(store.canned_responses(Some(bob)).await.unwrap()),
        [s.id, b.id]
    );
    assert_eq!(
        ids(store.canned_responses(None).await.unwrap()),
        [s.id, a.id, b.id]
    );
    assert_eq!(store.canned_response(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.canned_response(CannedId(9_999)).await.unwrap(), None);

    // Replace: ann's personal one becomes shared, with new text; the id stays.
    let edited = CannedDraft {
        title: "Возврат".into(),
        body: "Оформили возврат по {{ticket.number}}.".into(),
        ..personal.clone()
    };
    let a2 = store
        .save_canned_response(Some(a.id), None, edited.clone(), at(4))
        .await
        .unwrap();
    assert_eq!(
        (a2.id, a2.owner, a2.title.as_str()),
        (a.id, None, "Возврат")
    );
    assert_eq!(a2.updated_at, to_micros(at(4)));
    assert_eq!(
        ids(store.canned_responses(Some(bob)).await.unwrap()),
        [s.id, a.id, b.id]
    );
    assert_eq!(
        store
            .save_canned_response(Some(CannedId(9_999)), None, edited.clone(), at(5))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .save_canned_response(None, Some(AgentId(9_999)), edited, at(5))
            .await,
        Err(StoreError::NotFound),
        "an owner that is no agent"
    );

    store.delete_canned_response(b.id).await.unwrap();
    assert_eq!(
        store.delete_canned_response(b.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        ids(store.canned_responses(None).await.unwrap()),
        [s.id, a.id]
    );
}

#[tokio::test]
async fn canned_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        canned_story(&store).await;
        store.close().await;
    })
    .await;
}

/// The search part of the store (issue 6): the index written with every message and contact
/// (word forms, a first message together with its subject, phrases, prefixes, phone
/// numbers), internal notes only when asked, ticket filters and the tag mirror, newest
/// first, contacts, the backlog and saved views.
pub async fn search_story(store: &SqlStore) {
    use lossless::search::{
        AssigneeIs, SavedViewDraft, SavedViewId, TextQuery, TicketHit, TicketSearch, parse_query,
    };
    let now = to_micros(t0() + Duration::days(300));
    let at = |min: i64| now + Duration::minutes(min);
    let text = |s: &str| parse_query(s, &NumberPrefix::default()).unwrap().text;
    let words = |s: &str| TicketSearch {
        text: text(s),
        include_internal: true,
        limit: 50,
        ..TicketSearch::default()
    };
    let tickets = |hits: Vec<TicketHit>| hits.iter().map(|h| h.ticket.id).collect::<Vec<_>>();
    let find = |q: TicketSearch| async move { tickets(store.search_tickets(q).await.unwrap()) };
    let people = |q: TextQuery| async move {
        store
            .search_contacts(q, 10)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };

    // ---- an empty index; the backlog of a database made after the migration is empty -----
    assert_eq!(store.index_backlog(100).await.unwrap(), 0);
    assert!(find(words("возврат")).await.is_empty());
    assert!(people(text("анна")).await.is_empty());

    // ---- three tickets, indexed by the transactions that store them ----------------------
    let mut c = create(
        "Возврат денег",
        Priority::High,
        at(0),
        "Анна Смирнова",
        vec![
            Handle::Email(email("Anna.Smirnova@Example.com")),
            Handle::Phone(phone("+7 912 345-67-89")),
        ],
    );
    c.body = "Хочу вернуть деньги за заказ №5512".into();
    let a = store.create_ticket(c).await.unwrap().ticket;
    let mut c = create(
        "Order problem",
        Priority::Normal,
        at(1),
        "John Smith",
        vec![Handle::Email(email("john@example.org"))],
    );
    c.body = "My orders were charged twice, please refund.".into();
    c.draft.channel = Channel::Email;
    let b = store.create_ticket(c).await.unwrap().ticket;
    let mut c = create(
        "Доставка",
        Priority::Low,
        at(2),
        "Пётр",
        vec![Handle::Email(email("petr@example.ru"))],
    );
    c.body = "Где мой заказ? Доставка задерживается.".into();
    let d = store.create_ticket(c).await.unwrap().ticket;

    // Word forms; the subject and the first message are one document; newest first.
    assert_eq!(find(words("возврата")).await, [a.id]);
    assert_eq!(find(words("возвратом деньгами")).await, [a.id]);
    assert_eq!(find(words("заказы")).await, [d.id, a.id]);
    assert_eq!(find(words("orders refunded")).await, [b.id]);
    assert_eq!(find(words("ORDER problems")).await, [b.id]);
    assert!(find(words("возврат доставка")).await.is_empty());
    // Phrases keep their order; prefixes; numbers.
    assert_eq!(find(words("\"вернуть деньги\"")).await, [a.id]);
    assert!(find(words("\"деньги вернуть\"")).await.is_empty());
    assert_eq!(find(words("достав*")).await, [d.id]);
    assert_eq!(find(words("5512")).await, [a.id]);
    let hits = store.search_tickets(words("деньги")).await.unwrap();
    assert_eq!(hits[0].contact_name, "Анна Смирнова");
    let first = hits[0].message.clone().unwrap();
    assert_eq!(
        (first.body.as_str(), first.visibility),
        ("Хочу вернуть деньги за заказ №5512", Visibility::Public)
    );
    // A limit.
    assert_eq!(
        find(TicketSearch {
            limit: 1,
            ..words("заказ")
        })
        .await,
        [d.id]
    );
    assert!(
        find(TicketSearch {
            limit: 0,
            ..words("заказ")
        })
        .await
        .is_empty()
    );

    // ---- a reply, an internal note, a tag, an owner and a group on `a` ------------------
    let ann = store
        .create_agent(NewAgent {
            email: email("ann.search@team.test"),
            name: "Ann".into(),
            role: Role::Agent,
            lang: Lang::Ru,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let billing = store.create_group("Billing search").await.unwrap();
    let mut t = a.clone();
    let mut events = t.agent_replied(at(3)).unwrap();
    events.extend(t.note_added(at(3)));
    events.extend(t.tag("VIP", at(3)).unwrap());
    events.extend(t.assign(Some(ann.id), at(3)).unwrap());
    events.extend(t.move_to_group(Some(billing.id), at(3)));
    let a = store
        .update_ticket(update(
            &a,
            t,
            ActorRef::Agent(ann.id),
            events,
            vec![
                MessageDraft::reply(
                    ActorRef::Agent(ann.id),
                    "Оформили возврат, деньги придут через три дня".into(),
                ),
                MessageDraft::note(
                    ActorRef::Agent(ann.id),
                    "Клиент важный, проверить чек".into(),
                ),
            ],
            at(3),
        ))
        .await
        .unwrap();
    // The newest matching message stands for the ticket, which comes once.
    let hits = store.search_tickets(words("возврат")).await.unwrap();
    assert_eq!(tickets(hits.clone()), [a.id]);
    assert_eq!(
        hits[0].message.as_ref().unwrap().body,
        "Оформили возврат, деньги придут через три дня"
    );
    // Notes are found for agents, never without `include_internal`.
    let hits = store.search_tickets(words("чеки")).await.unwrap();
    assert_eq!(tickets(hits.clone()), [a.id]);
    assert_eq!(
        hits[0].message.as_ref().unwrap().visibility,
        Visibility::Internal
    );
    let public = |q: TicketSearch| TicketSearch {
        include_internal: false,
        ..q
    };
    assert!(find(public(words("чек"))).await.is_empty());
    assert_eq!(find(public(words("возврат"))).await, [a.id]);
    assert_eq!(
        store.search_tickets(public(words("деньги"))).await.unwrap()[0]
            .message
            .as_ref()
            .unwrap()
            .visibility,
        Visibility::Public
    );

    // ---- filters, with words and alone (newest ticket first) --------------------------
    let only = |f: fn(&mut TicketSearch)| {
        let mut q = TicketSearch {
            limit: 50,
            include_internal: true,
            ..TicketSearch::default()
        };
        f(&mut q);
        q
    };
    assert_eq!(find(only(|_| {})).await, [d.id, b.id, a.id]);
    assert_eq!(find(only(|q| q.tags = vec!["vip".into()])).await, [a.id]);
    assert!(
        find(only(|q| q.tags = vec!["vip".into(), "other".into()]))
            .await
            .is_empty()
    );
    assert_eq!(
        find(only(|q| q.statuses = vec![Status::New])).await,
        [d.id, b.id]
    );
    assert_eq!(
        find(only(|q| q.statuses = vec![Status::Open, Status::Pending])).await,
        [a.id]
    );
    assert_eq!(
        find(only(|q| q.priorities = vec![Priority::High, Priority::Low])).await,
        [d.id, a.id]
    );
    assert_eq!(
        find(only(|q| q.channels = vec![Channel::Email])).await,
        [b.id]
    );
    let mut q = only(|_| {});
    q.groups = vec![billing.id];
    assert_eq!(find(q.clone()).await, [a.id]);
    q.groups = vec![];
    q.assignees = vec![AssigneeIs::Agent(ann.id)];
    assert_eq!(find(q.clone()).await, [a.id]);
    q.assignees = vec![AssigneeIs::Nobody];
    assert_eq!(find(q.clone()).await, [d.id, b.id]);
    q.assignees = vec![AssigneeIs::Nobody, AssigneeIs::Agent(ann.id)];
    assert_eq!(find(q.clone()).await, [d.id, b.id, a.id]);
    q.assignees = vec![];
    q.contacts = vec![b.contact_id];
    assert_eq!(find(q.clone()).await, [b.id]);
    // Words and filters together.
    let mut q = words("заказ");
    q.priorities = vec![Priority::Low];
    assert_eq!(find(q).await, [d.id]);
    let mut q = words("заказ");
    q.tags = vec!["vip".into()];
    q.statuses = vec![Status::Open];
    assert_eq!(find(q).await, [a.id]);
    // The tag mirror follows the ticket.
    let mut t = a.clone();
    let events = t.untag("vip", at(4));
    let a = store
        .update_ticket(update(
            &a,
            t,
            ActorRef::Agent(ann.id),
            events,
            vec![],
            at(4),
        ))
        .await
        .unwrap();
    assert!(find(only(|q| q.tags = vec!["vip".into()])).await.is_empty());
    let mut t = a.clone();
    let events = t.tag("vip", at(5)).unwrap();
    let a = store
        .update_ticket(update(
            &a,
            t,
            ActorRef::Agent(ann.id),
            events,
            vec![],
            at(5),
        ))
        .await
        .unwrap();
    assert_eq!(find(only(|q| q.tags = vec!["vip".into()])).await, [a.id]);

    // ---- contacts ----------------------------------------------------------------------
    assert_eq!(people(text("Смирновой")).await, [a.contact_id]);
    assert_eq!(
        people(text("anna.smirnova@example.com")).await,
        [a.contact_id]
    );
    assert_eq!(people(text("8 (912) 345-67-89")).await, [a.contact_id]);
    assert_eq!(people(text("example")).await.len(), 3);
    let found = store.search_contacts(text("john"), 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].name.as_str(), found[0].handles.clone()),
        ("John Smith", vec![Handle::Email(email("john@example.org"))])
    );
    assert_eq!(
        store
            .contacts_by_handle(&Handle::Email(email("ANNA.smirnova@example.com")))
            .await
            .unwrap(),
        [a.contact_id]
    );
    assert_eq!(
        store
            .contacts_by_handle(&Handle::Phone(phone("89123456789")))
            .await
            .unwrap(),
        [a.contact_id]
    );
    assert!(
        store
            .contacts_by_handle(&Handle::Email(email("nobody@example.com")))
            .await
            .unwrap()
            .is_empty()
    );
    // A contact that gains a handle is found by it at once.
    let mut c = create(
        "Ещё вопрос",
        Priority::Normal,
        at(6),
        "John Smith",
        vec![
            Handle::Email(email("john@example.org")),
            Handle::Phone(phone("+44 20 7946 0958")),
        ],
    );
    c.body = "Second question".into();
    let e = store.create_ticket(c).await.unwrap().ticket;
    assert_eq!(e.contact_id, b.contact_id);
    assert_eq!(people(text("+44 20 7946 0958")).await, [b.contact_id]);
    assert_eq!(find(words("вопросы")).await, [e.id]);

    // ---- saved views ---------------------------------------------------------------------
    assert!(store.saved_views().await.unwrap().is_empty());
    let draft = |name: &str, group: Option<GroupId>| SavedViewDraft {
        name: name.into(),
        query: "tag:vip возврат".into(),
        owner: ann.id,
        group,
    };
    let mine = store
        .save_view(None, draft("Мои VIP", None), at(7))
        .await
        .unwrap();
    assert_eq!(
        (
            mine.name.as_str(),
            mine.query.as_str(),
            mine.owner,
            mine.group
        ),
        ("Мои VIP", "tag:vip возврат", ann.id, None)
    );
    assert_eq!(mine.updated_at, at(7));
    let shared = store
        .save_view(None, draft("Billing VIP", Some(billing.id)), at(8))
        .await
        .unwrap();
    assert_eq!(
        store.saved_views().await.unwrap(),
        [shared.clone(), mine.clone()]
    );
    assert_eq!(store.saved_view(mine.id).await.unwrap(), Some(mine.clone()));
    assert_eq!(store.saved_view(SavedViewId(i64::MAX)).await.unwrap(), None);
    // Editing keeps the owner; unknown views, groups and owners are refused.
    let mut edit = draft("Мои VIP (все)", Some(billing.id));
    edit.owner = AgentId(i64::MAX);
    let edited = store.save_view(Some(mine.id), edit, at(9)).await.unwrap();
    assert_eq!(
        (
            edited.name.as_str(),
            edited.owner,
            edited.group,
            edited.updated_at
        ),
        ("Мои VIP (все)", ann.id, Some(billing.id), at(9))
    );
    assert_eq!(
        store
            .save_view(Some(SavedViewId(i64::MAX)), draft("x", None), at(9))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .save_view(None, draft("x", Some(GroupId(i64::MAX))), at(9))
            .await,
        Err(StoreError::NotFound)
    );
    let mut nobody = draft("x", None);
    nobody.owner = AgentId(i64::MAX);
    assert_eq!(
        store.save_view(None, nobody, at(9)).await,
        Err(StoreError::NotFound)
    );
    store.delete_view(shared.id).await.unwrap();
    assert_eq!(
        store.delete_view(shared.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.saved_views().await.unwrap(), [edited]);

    // ---- the backlog: nothing was left out ------------------------------------------------
    assert_eq!(store.index_backlog(100).await.unwrap(), 0);
}

#[tokio::test]
async fn search_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        search_story(&store).await;
        store.close().await;
    })
    .await;
}

/// Ticket viewers (issue 6): reports stored and read back exactly, the record before each
/// report returned, typing kept by the heartbeat and cleared by idle, expired rows forgotten
/// by the next report, leaving deletes, unknown tickets and agents refused.
pub async fn viewers_story(store: &SqlStore) {
    use lossless::viewers::{
        Draft, Typing, VIEWER_TTL_SECS, ViewerChange, ViewerRecord, ViewerReport,
    };
    let now = to_micros(t0() + Duration::days(300));
    let at = |s: i64| now + Duration::seconds(s);
    let agent = |name: &'static str| {
        let email = email(&format!("{name}.viewers@example.com"));
        async move {
            store
                .create_agent(NewAgent {
                    email,
                    name: name.to_owned(),
                    role: Role::Agent,
                    lang: Lang::En,
                    password_hash: "x".into(),
                })
                .await
                .unwrap()
                .id
        }
    };
    let anna = agent("Anna").await;
    let boris = agent("Boris").await;
    let ticket = |subject: &'static str| async move {
        store
            .create_ticket(create(
                subject,
                Priority::Normal,
                now,
                "Viewer story",
                vec![Handle::Email(email(&format!("{subject}@viewers.example")))],
            ))
            .await
            .unwrap()
            .ticket
            .id
    };
    let t = ticket("watched").await;
    let other = ticket("elsewhere").await;
    let missing = TicketId(i64::MAX);

    // Nobody yet; an unknown ticket is NotFound.
    assert_eq!(store.ticket_viewers(t).await.unwrap(), vec![]);
    assert_eq!(
        store.ticket_viewers(missing).await.unwrap_err(),
        StoreError::NotFound
    );

    // Arriving: no record before, the stored one after.
    let anna_viewing = ViewerRecord {
        agent: anna,
        seen_at: at(0),
        typing: None,
    };
    assert_eq!(
        store
            .report_viewer(t, anna, ViewerReport::Viewing, at(0))
            .await
            .unwrap(),
        ViewerChange {
            before: None,
            after: Some(anna_viewing),
        }
    );
    let boris_typing = ViewerRecord {
        agent: boris,
        seen_at: at(1),
        typing: Some(Typing {
            draft: Draft::Reply,
            at: at(1),
        }),
    };
    let change = store
        .report_viewer(t, boris, ViewerReport::Typing(Draft::Reply), at(1))
        .await
        .unwrap();
    assert_eq!(change.after, Some(boris_typing));
    // Read back exactly (times round-trip), by agent id.
    assert_eq!(
        store.ticket_viewers(t).await.unwrap(),
        vec![anna_viewing, boris_typing]
    );
    assert_eq!(store.ticket_viewers(other).await.unwrap(), vec![]);

    // The heartbeat keeps the typing mark; the record before is what was stored.
    let change = store
        .report_viewer(t, boris, ViewerReport::Viewing, at(4))
        .await
        .unwrap();
    assert_eq!(change.before, Some(boris_typing));
    let boris_beat = ViewerRecord {
        seen_at: at(4),
        ..boris_typing
    };
    assert_eq!(change.after, Some(boris_beat));
    // Idle clears it.
    let change = store
        .report_viewer(t, boris, ViewerReport::Idle, at(5))
        .await
        .unwrap();
    let boris_idle = ViewerRecord {
        agent: boris,
        seen_at: at(5),
        typing: None,
    };
    assert_eq!(change.before, Some(boris_beat));
    assert_eq!(change.after, Some(boris_idle));

    // Several tickets at once (queue rows), by ticket then agent; unknown ones have none.
    store
        .report_viewer(other, anna, ViewerReport::Typing(Draft::Note), at(6))
        .await
        .unwrap();
    let anna_note = ViewerRecord {
        agent: anna,
        seen_at: at(6),
        typing: Some(Typing {
            draft: Draft::Note,
            at: at(6),
        }),
    };
    let mut expected = vec![(t, anna_viewing), (t, boris_idle), (other, anna_note)];
    expected.sort_by_key(|(tk, r)| (*tk, r.agent));
    assert_eq!(
        store.viewers_of(vec![other, missing, t]).await.unwrap(),
        expected
    );
    assert_eq!(store.viewers_of(vec![]).await.unwrap(), vec![]);

    // Leaving deletes; leaving again (or from an unknown ticket) changes nothing.
    assert_eq!(
        store
            .report_viewer(other, anna, ViewerReport::Left, at(7))
            .await
            .unwrap(),
        ViewerChange {
            before: Some(anna_note),
            after: None,
        }
    );
    assert_eq!(
        store
            .report_viewer(other, anna, ViewerReport::Left, at(8))
            .await
            .unwrap(),
        ViewerChange {
            before: None,
            after: None,
        }
    );
    assert_eq!(
        store
            .report_viewer(missing, anna, ViewerReport::Left, at(8))
            .await
            .unwrap(),
        ViewerChange {
            before: None,
            after: None,
        }
    );
    assert_eq!(store.ticket_viewers(other).await.unwrap(), vec![]);

    // Unknown ticket or agent: NotFound, nothing stored.
    assert_eq!(
        store
            .report_viewer(missing, anna, ViewerReport::Viewing, at(9))
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        store
            .report_viewer(t, AgentId(i64::MAX), ViewerReport::Viewing, at(9))
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(store.ticket_viewers(t).await.unwrap().len(), 2);

    // Any report forgets every row that expired by its time: Anna (seen at 0) and Boris
    // (seen at 5) are gone once a report comes at 5 + TTL; Anna's own old row is no "before".
    let late = at(5 + VIEWER_TTL_SECS);
    let change = store
        .report_viewer(t, anna, ViewerReport::Viewing, late)
        .await
        .unwrap();
    assert_eq!(change.before, None);
    assert_eq!(
        store.ticket_viewers(t).await.unwrap(),
        vec![ViewerRecord {
            agent: anna,
            seen_at: late,
            typing: None,
        }]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn viewers_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        viewers_story(&store).await;
        store.close().await;
    })
    .await;
}

/// The manager dashboard's queries (issue 6): the working set counted by status, group and
/// assignee with the oldest last change, the oldest unassigned tickets, breached SLA records
/// and deadlines before a time — all of the working set only.
pub async fn board_story(store: &SqlStore) {
    use lossless::ports::{BoardList, LoadCell};
    use lossless::sla::{SaveSla, SlaBadge, TicketSla};
    let now = to_micros(t0() + Duration::days(300));
    let at = |min: i64| now + Duration::minutes(min);

    // An empty working set has no cells and no rows.
    assert!(store.board_load().await.unwrap().is_empty());
    assert!(
        store
            .board_tickets(BoardList::Unassigned, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let agent = |name: &str| NewAgent {
        email: email(&format!("{}.board@team.test", name.to_lowercase())),
        name: name.into(),
        role: Role::Agent,
        lang: Lang::Ru,
        password_hash: "$argon2id$board".into(),
    };
    let ann = store.create_agent(agent("Ann")).await.unwrap().id;
    let bob = store.create_agent(agent("Bob")).await.unwrap().id;
    let ga = store.create_group("Board A").await.unwrap().id;
    let gb = store.create_group("Board B").await.unwrap().id;
    let mut t = Vec::new();
    for i in 0..6 {
        let c = create(
            &format!("Board {i}"),
            Priority::Normal,
            at(i),
            &format!("Board customer {i}"),
            vec![Handle::Email(email(&format!("board{i}@example.com")))],
        );
        t.push(store.create_ticket(c).await.unwrap().ticket);
    }
    // One change per ticket, made by the core's transitions at `when`.
    let change = |before: &Ticket,
                  group: Option<GroupId>,
                  to: Option<AgentId>,
                  status: Option<Status>,
                  when: DateTime<Utc>| {
        let mut after = before.clone();
        let mut events = after.move_to_group(group, when);
        if to.is_some() {
            events.extend(after.assign(to, when).unwrap());
        }
        if let Some(s) = status {
            events.extend(after.move_to(s, when).unwrap());
        }
        update(before, after, ActorRef::Agent(ann), events, vec![], when)
    };
    // t0: A, unassigned, new (changed at 10); t1: A, Ann, open; t2: B, Ann, pending;
    // t3: no group, unassigned, new (created at 3); t4: B, Bob, resolved (not working);
    // t5: A, unassigned, new (changed at 11).
    let plan = [
        (Some(ga), None, None, 10),
        (Some(ga), Some(ann), None, 20),
        (Some(gb), Some(ann), Some(Status::Pending), 30),
        (None, None, None, 0),
        (Some(gb), Some(bob), Some(Status::Resolved), 40),
        (Some(ga), None, None, 11),
    ];
    for (i, (group, to, status, min)) in plan.into_iter().enumerate() {
        if min > 0 {
            let stored = store
                .update_ticket(change(&t[i], group, to, status, at(min)))
                .await
                .unwrap();
            t[i] = stored;
        }
    }
    let cell = |status, group, assignee, tickets, oldest| LoadCell {
        status,
        group,
        assignee,
        tickets,
        oldest_change: oldest,
    };
    assert_eq!(
        store.board_load().await.unwrap(),
        [
            cell(Status::New, None, None, 1, at(3)),
            cell(Status::New, Some(ga), None, 2, at(10)),
            cell(Status::Open, Some(ga), Some(ann), 1, at(20)),
            cell(Status::Pending, Some(gb), Some(ann), 1, at(30)),
        ]
    );

    // Unassigned: oldest created first, stopped at the limit, with contact and badge.
    let ids = |rows: Vec<lossless::ports::QueueRow>| {
        rows.into_iter().map(|r| r.ticket.id).collect::<Vec<_>>()
    };
    let unassigned = store
        .board_tickets(BoardList::Unassigned, 10)
        .await
        .unwrap();
    assert_eq!(unassigned[0].ticket, t[0]);
    assert_eq!(unassigned[0].contact_name, "Board customer 0");
    assert_eq!(unassigned[0].sla, None);
    assert_eq!(ids(unassigned), [t[0].id, t[3].id, t[5].id]);
    assert_eq!(
        ids(store.board_tickets(BoardList::Unassigned, 2).await.unwrap()),
        [t[0].id, t[3].id]
    );
    assert!(
        store
            .board_tickets(BoardList::Unassigned, 0)
            .await
            .unwrap()
            .is_empty()
    );

    // SLA records: t1 breached; deadlines t2 at 30 (pending: the store lists what the record
    // says), t5 at 50, t0 at 100, t3 at 500; t4 breached but resolved (not working).
    let put = |ticket: &Ticket, due: Option<DateTime<Utc>>, breached: bool| {
        store.save_sla(SaveSla {
            ticket_id: ticket.id,
            expected_revision: 0,
            sla: TicketSla {
                due_at: due,
                breached,
                ..TicketSla::default()
            },
            events: vec![],
            notifications: vec![],
            jobs: vec![],
            completes: None,
            now: at(60),
        })
    };
    put(&t[1], None, true).await.unwrap();
    put(&t[2], Some(at(30)), false).await.unwrap();
    put(&t[5], Some(at(50)), false).await.unwrap();
    put(&t[0], Some(at(100)), false).await.unwrap();
    put(&t[3], Some(at(500)), false).await.unwrap();
    put(&t[4], Some(at(5)), true).await.unwrap();
    let breached = store.board_tickets(BoardList::Breached, 10).await.unwrap();
    assert_eq!(
        breached[0].sla,
        Some(SlaBadge {
            due_at: None,
            breached: true,
            paused: false,
            warned: 0,
        })
    );
    assert_eq!(ids(breached), [t[1].id]);
    let due = |until, limit| store.board_tickets(BoardList::DueBefore { until }, limit);
    let soon = due(at(200), 10).await.unwrap();
    assert_eq!(ids(soon.clone()), [t[2].id, t[5].id, t[0].id]);
    assert_eq!(soon[2].sla.as_ref().and_then(|b| b.due_at), Some(at(100)));
    assert_eq!(ids(due(at(200), 2).await.unwrap()), [t[2].id, t[5].id]);
    // Strictly before: a deadline at the bound is not listed.
    assert_eq!(ids(due(at(100), 10).await.unwrap()), [t[2].id, t[5].id]);
    // The unassigned list now carries the badges.
    let unassigned = store.board_tickets(BoardList::Unassigned, 1).await.unwrap();
    assert_eq!(
        unassigned[0].sla.as_ref().and_then(|b| b.due_at),
        Some(at(100))
    );

    // Resolving a ticket takes it out of every figure at once.
    let stored = store
        .update_ticket(change(
            &t[5],
            Some(ga),
            None,
            Some(Status::Resolved),
            at(70),
        ))
        .await
        .unwrap();
    t[5] = stored;
    assert_eq!(
        store.board_load().await.unwrap()[1],
        cell(Status::New, Some(ga), None, 1, at(10))
    );
    assert_eq!(ids(due(at(200), 10).await.unwrap()), [t[2].id, t[0].id]);
    assert_eq!(
        ids(store
            .board_tickets(BoardList::Unassigned, 10)
            .await
            .unwrap()),
        [t[0].id, t[3].id]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn board_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        board_story(&store).await;
        store.close().await;
    })
    .await;
}

/// Agent alerts (issue 6): a keyed notification is stored once (the second store of its key
/// stores nothing and returns `None`), unknown agents are refused; email preferences default
/// to every kind on, are stored, replaced and read back, per agent.
async fn alerts_story(store: &SqlStore) {
    use lossless::notification::{EmailPrefs, NewNotification};
    let now = to_micros(t0() + Duration::days(400));
    let ann = store
        .create_agent(NewAgent {
            email: email("ann.alerts@example.com"),
            name: "Ann".into(),
            role: Role::Agent,
            lang: Lang::En,
            password_hash: "x".into(),
        })
        .await
        .unwrap()
        .id;
    let n = |text: &str| NewNotification {
        agent: ann,
        ticket: None,
        text: text.into(),
    };
    let first = store
        .add_keyed_notification("alert:1:2:3:assigned", n("first"), now)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!((first.agent, first.text.as_str()), (ann, "first"));
    assert_eq!(first.created_at, now);
    assert_eq!(
        store
            .add_keyed_notification("alert:1:2:3:assigned", n("again"), now)
            .await
            .unwrap(),
        None
    );
    let other = store
        .add_keyed_notification("alert:1:3:3:assigned", n("other"), now)
        .await
        .unwrap();
    assert!(other.is_some());
    let texts: Vec<String> = store
        .notifications(ann, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.text)
        .collect();
    assert_eq!(texts, ["other", "first"]);
    assert_eq!(store.unread_notifications(ann).await.unwrap(), 2);
    let nobody = NewNotification {
        agent: AgentId(999_999),
        ticket: None,
        text: "x".into(),
    };
    assert_eq!(
        store.add_keyed_notification("k:nobody", nobody, now).await,
        Err(StoreError::NotFound)
    );
    // Preferences.
    assert_eq!(store.agent_prefs(ann).await.unwrap(), EmailPrefs::default());
    let quiet = EmailPrefs {
        assigned: false,
        customer_replied: true,
        mentioned: false,
        sla: false,
    };
    store.save_agent_prefs(ann, quiet).await.unwrap();
    assert_eq!(store.agent_prefs(ann).await.unwrap(), quiet);
    store
        .save_agent_prefs(ann, EmailPrefs::default())
        .await
        .unwrap();
    assert_eq!(store.agent_prefs(ann).await.unwrap(), EmailPrefs::default());
    assert_eq!(
        store.save_agent_prefs(AgentId(999_999), quiet).await,
        Err(StoreError::NotFound)
    );
}

#[tokio::test]
async fn alerts_store_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        alerts_story(&store).await;
        store.close().await;
    })
    .await;
}
