//! Bulk actions, merging tickets and related links (issue 6, point 4), through the services
//! on both databases: a merge keeps every message (notes and attachments included, in time
//! order, nothing duplicated), tells the customer on the target (an email delivery for an
//! email ticket), closes and marks the sources, keeps search and email threading right, and
//! refuses stale versions, unknown tickets and the merges the rules forbid; a bulk change
//! reports each ticket; links show on both tickets and go away on both.

use crate::support::{self, SqlStore};
use chrono::{TimeZone, Utc};
use lossless::actor::{Actor, ActorRef, Role};
use lossless::email::{DeliveryState, EmailSettings, IngestOutcome, MailboxId};
use lossless::error::DomainError;
use lossless::ids::{AgentId, Lang, NumberPrefix, TicketId};
use lossless::intake::RawRequest;
use lossless::job::{JobKind, JobStatus};
use lossless::merge::{BulkOutcome, MAX_BULK};
use lossless::message::{Direction, Message, Visibility};
use lossless::ports::to_micros;
use lossless::services::merge::{self as merging, MergeRequest};
use lossless::services::{self, Ports, TicketChange};
use lossless::ticket::{Channel, Status, Ticket, TicketEvent};

fn settings() -> EmailSettings {
    support::email_settings(
        b"merge-test-secret-0123456789abc",
        &["support@lossless.test"],
    )
}

fn agent(id: AgentId, role: Role) -> Actor {
    Actor::Agent { id, role }
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

fn pair(field: &str, code: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), code.to_owned())]
}

/// A mail from Anna: `id` names its Message-ID, `extra` adds header lines.
fn mail(id: &str, subject: &str, body: &str, extra: &str, attachment: bool) -> Vec<u8> {
    let head = format!(
        "From: Anna <anna@customer.test>\r\nTo: support@lossless.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}@customer.test>\r\n{extra}MIME-Version: 1.0\r\n"
    );
    let body = if attachment {
        format!(
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b\r\n\
             Content-Type: text/csv; name=\"report.csv\"\r\n\
             Content-Disposition: attachment; filename=\"report.csv\"\r\n\r\nid;state\r\n1;broken\r\n--b--\r\n"
        )
    } else {
        format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
    };
    format!("{head}{body}").into_bytes()
}

async fn ingest(p: &Ports, mailbox: MailboxId, uid: i64, raw: Vec<u8>) -> TicketId {
    let done = support::ingest_raw(p, &settings(), mailbox, uid, raw).await;
    assert!(
        matches!(
            done.outcome,
            IngestOutcome::Created | IngestOutcome::Appended
        ),
        "{done:?}"
    );
    done.ticket.expect("a ticket")
}

async fn web_ticket(p: &Ports, email: &str, subject: &str, body: &str) -> Ticket {
    let raw = RawRequest {
        name: "Customer".into(),
        email: email.into(),
        subject: subject.into(),
        message: body.into(),
        ..Default::default()
    };
    let valid = raw.validate(Channel::WebForm, Lang::En).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
}

async fn now_ticket(p: &Ports, id: TicketId) -> Ticket {
    p.store.ticket(id).await.unwrap().unwrap()
}

/// What must survive a merge of a message: who, what, where it is seen, its files, when.
fn essence(
    m: &Message,
) -> (
    i64,
    Direction,
    Visibility,
    ActorRef,
    String,
    Vec<String>,
    String,
) {
    (
        m.id.0,
        m.direction,
        m.visibility,
        m.author,
        m.body.clone(),
        m.attachments.iter().map(|a| a.filename.clone()).collect(),
        m.created_at.to_rfc3339(),
    )
}

#[tokio::test]
async fn a_merge_keeps_every_message_and_tells_the_customer_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let t0 = to_micros(Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap());
        let (p, clock) = support::fixed_ports(&store, t0, NumberPrefix::default());
        let minute = chrono::Duration::minutes(1);
        let ann = agent(
            support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await,
            Role::Agent,
        );
        let mailbox = support::mailbox(&store, "support", "support@lossless.test")
            .await
            .id;

        // Two requests of one customer by email, their threads interleaved in time.
        let target = ingest(
            &p,
            mailbox,
            1,
            mail(
                "first",
                "Printer broken",
                "The printer is broken.",
                "",
                true,
            ),
        )
        .await;
        clock.advance(minute);
        let source = ingest(
            &p,
            mailbox,
            2,
            mail(
                "second",
                "Invoice",
                "Also the invoice zebrawords is wrong.",
                "",
                false,
            ),
        )
        .await;
        assert_ne!(target, source);
        clock.advance(minute);
        // Both get their acknowledgement (same dedupe key on each ticket).
        support::drain(&p, "w").await;
        clock.advance(minute);
        let t = now_ticket(&p, target).await;
        services::reply(&p, &ann, target, t.version, "Which model?")
            .await
            .unwrap();
        clock.advance(minute);
        let s = now_ticket(&p, source).await;
        services::add_note(
            &p,
            &ann,
            source,
            s.version,
            "Same customer as the printer one.",
        )
        .await
        .unwrap();
        clock.advance(minute);
        let both: Vec<Message> = {
            let mut v = p.store.messages(target, true).await.unwrap();
            v.extend(p.store.messages(source, true).await.unwrap());
            v.sort_by_key(|m| (m.created_at, m.id));
            v
        };
        assert_eq!(both.len(), 6, "two mails, two acks, a reply, a note");
        assert!(both.iter().any(|m| m.attachments.len() == 1));

        // A stale version of either side is refused and changes nothing.
        let t = now_ticket(&p, target).await;
        let s = now_ticket(&p, source).await;
        let req = |tv: i64, sv: i64| MergeRequest {
            target: (target, tv),
            sources: vec![(source, sv)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            merging::merge(&p, &ann, &req(t.version - 1, s.version)).await,
            Err(DomainError::Conflict)
        );
        assert_eq!(
            merging::merge(&p, &ann, &req(t.version, s.version - 1)).await,
            Err(DomainError::Conflict)
        );
        // Unknown tickets are 404 on either side.
        let unknown = MergeRequest {
            target: (TicketId(999_999), 1),
            sources: vec![(source, s.version)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            merging::merge(&p, &ann, &unknown).await,
            Err(DomainError::NotFound)
        );
        let unknown = MergeRequest {
            target: (target, t.version),
            sources: vec![(TicketId(999_999), 1)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            merging::merge(&p, &ann, &unknown).await,
            Err(DomainError::NotFound)
        );
        // Into itself: refused.
        let itself = MergeRequest {
            target: (target, t.version),
            sources: vec![(target, t.version)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            codes(merging::merge(&p, &ann, &itself).await.unwrap_err()),
            pair("sources", "self")
        );
        assert_eq!(p.store.messages(source, true).await.unwrap().len(), 3);

        // The merge.
        let stored = merging::merge(&p, &ann, &req(t.version, s.version))
            .await
            .unwrap();
        assert_eq!(stored.version, t.version + 1);
        let after = p.store.messages(target, true).await.unwrap();
        assert_eq!(after.len(), both.len() + 1, "every message and the notice");
        assert_eq!(
            after[..both.len()].iter().map(essence).collect::<Vec<_>>(),
            both.iter().map(essence).collect::<Vec<_>>(),
            "the same messages (ids, texts, notes, files, times) in time order"
        );
        assert!(p.store.messages(source, true).await.unwrap().is_empty());
        // The customer is told on the target, in its language, by email.
        let notice = &after[both.len()];
        assert_eq!(
            (notice.direction, notice.visibility, notice.author),
            (Direction::Outbound, Visibility::Public, ActorRef::System)
        );
        assert_eq!(
            notice.body,
            lossless::merge::merged_notice(
                stored.lang,
                &stored.number,
                std::slice::from_ref(&s.number)
            )
        );
        let delivery = p
            .store
            .deliveries(target)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.message_id == notice.id)
            .expect("the notice is an email delivery");
        assert_eq!(delivery.state, DeliveryState::Pending);
        let jobs = p.store.jobs(Some(JobStatus::Queued), 100).await.unwrap();
        assert!(
            jobs.iter().any(|j| matches!(
                j.kind,
                JobKind::DeliverEmail { ticket_id, message_id }
                    if ticket_id == target && message_id == notice.id
            )),
            "{jobs:?}"
        );
        // The source's acknowledgement still waiting for delivery goes out from the target.
        let moved_acks: Vec<_> = both
            .iter()
            .filter(|m| m.author == ActorRef::System)
            .map(|m| m.id)
            .collect();
        assert_eq!(moved_acks.len(), 2);
        let all_jobs = p.store.jobs(None, 200).await.unwrap();
        for id in moved_acks {
            let job = all_jobs
                .iter()
                .find(|j| j.key == format!("deliver_email:{id}"))
                .expect("a delivery job");
            assert_eq!(
                job.kind,
                JobKind::DeliverEmail {
                    ticket_id: target,
                    message_id: id
                }
            );
        }
        // The portal shows the customer the public part only.
        let portal = services::portal_ticket(&p, &stored.portal_token)
            .await
            .unwrap();
        assert_eq!(
            portal.messages.len(),
            after.len() - 1,
            "the note stays internal"
        );

        // The source: closed, marked, history on both sides.
        let src = now_ticket(&p, source).await;
        assert_eq!(src.status, Status::Closed);
        assert_eq!(src.version, s.version + 1);
        assert_eq!(p.store.merged_into(source).await.unwrap(), Some(target));
        let rel = merging::relations(&p, &ann, source).await.unwrap();
        assert_eq!(
            rel.merged_into.map(|r| r.number),
            Some(stored.number.clone())
        );
        let rel = merging::relations(&p, &ann, target).await.unwrap();
        assert_eq!(
            rel.merged_from.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![source]
        );
        let h = p.store.history(source).await.unwrap();
        assert!(h.iter().any(|e| e.event
            == TicketEvent::MergedInto {
                ticket: target,
                number: stored.number.clone()
            }
            && e.actor == ann.as_ref()));
        assert!(h.iter().any(|e| e.event
            == TicketEvent::StatusChanged {
                from: s.status,
                to: Status::Closed
            }));
        let h = p.store.history(target).await.unwrap();
        assert!(h.iter().any(|e| e.event
            == TicketEvent::MergedFrom {
                ticket: source,
                number: s.number.clone()
            }));

        // Search finds the source's words under the target.
        let found = lossless::services::search::search(&p, &ann, "zebrawords", 10)
            .await
            .unwrap();
        assert_eq!(
            found
                .tickets
                .iter()
                .map(|r| r.ticket.id)
                .collect::<Vec<_>>(),
            vec![target]
        );
        // The customer's reply to the source's mail threads into the target.
        clock.advance(minute);
        let threaded = ingest(
            &p,
            mailbox,
            3,
            mail(
                "third",
                "Re: Invoice",
                "Here is the invoice number.",
                "In-Reply-To: <second@customer.test>\r\n",
                false,
            ),
        )
        .await;
        assert_eq!(threaded, target);

        // A merged ticket takes nothing in and is merged only once.
        let t = now_ticket(&p, target).await;
        let src = now_ticket(&p, source).await;
        let again = MergeRequest {
            target: (source, src.version),
            sources: vec![(target, t.version)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            codes(merging::merge(&p, &ann, &again).await.unwrap_err()),
            pair("target", "merged")
        );
        let third = web_ticket(&p, "anna@customer.test", "Third", "Third request.").await;
        let again = MergeRequest {
            target: (third.id, third.version),
            sources: vec![(source, src.version)],
            confirm_other_contacts: false,
        };
        assert_eq!(
            codes(merging::merge(&p, &ann, &again).await.unwrap_err()),
            pair("sources", "already_merged")
        );
    })
    .await;
}

#[tokio::test]
async fn other_customers_merge_only_when_a_manager_confirms_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        let ann = agent(
            support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await,
            Role::Agent,
        );
        let mia = agent(
            support::new_agent(&store, "mia", Role::Manager, Lang::En).await,
            Role::Manager,
        );
        let a = web_ticket(&p, "one@customer.test", "One", "First customer.").await;
        let b = web_ticket(&p, "two@customer.test", "Two", "Second customer.").await;
        let req = |confirm| MergeRequest {
            target: (a.id, a.version),
            sources: vec![(b.id, b.version)],
            confirm_other_contacts: confirm,
        };
        for who in [&ann, &mia] {
            assert_eq!(
                codes(merging::merge(&p, who, &req(false)).await.unwrap_err()),
                pair("sources", "other_contact")
            );
        }
        assert_eq!(
            merging::merge(&p, &ann, &req(true)).await,
            Err(DomainError::Forbidden)
        );
        let customer = Actor::Customer {
            contact: a.contact_id,
            ticket: a.id,
        };
        assert_eq!(
            merging::merge(&p, &customer, &req(true)).await,
            Err(DomainError::Forbidden)
        );
        let stored = merging::merge(&p, &mia, &req(true)).await.unwrap();
        let msgs = p.store.messages(a.id, true).await.unwrap();
        // Web-form tickets: no email delivery, the notice is in the portal.
        assert!(p.store.deliveries(a.id).await.unwrap().is_empty());
        let bodies: Vec<&str> = msgs.iter().map(|m| m.body.as_str()).collect();
        assert!(bodies.contains(&"First customer."), "{bodies:?}");
        assert!(bodies.contains(&"Second customer."), "{bodies:?}");
        // The second customer's message stays theirs.
        assert!(
            msgs.iter().any(
                |m| m.body == "Second customer." && m.author == ActorRef::Contact(b.contact_id)
            )
        );
        let portal = services::portal_ticket(&p, &stored.portal_token)
            .await
            .unwrap();
        assert!(
            portal
                .messages
                .last()
                .is_some_and(|m| m.body.starts_with("Your request #"))
        );
    })
    .await;
}

#[tokio::test]
async fn bulk_changes_report_each_ticket_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        let ann_id = support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await;
        let ann = agent(ann_id, Role::Agent);
        let a = web_ticket(&p, "a@customer.test", "A", "First.").await;
        let b = web_ticket(&p, "b@customer.test", "B", "Second.").await;
        let c = web_ticket(&p, "c@customer.test", "C", "Third.").await;
        // Someone changes b after the queue was shown.
        services::add_note(&p, &ann, b.id, b.version, "Looking.")
            .await
            .unwrap();
        let change = TicketChange {
            assignee: Some(Some(ann_id)),
            add_tags: vec!["Billing".into()],
            ..TicketChange::default()
        };
        let items = [
            (a.id, a.version),
            (b.id, b.version),
            (TicketId(999_999), 1),
            (c.id, c.version),
        ];
        let r = merging::bulk_change(&p, &ann, &items, &change)
            .await
            .unwrap();
        assert_eq!(
            r.iter().map(|x| (x.ticket, x.outcome)).collect::<Vec<_>>(),
            vec![
                (a.id, BulkOutcome::Ok),
                (b.id, BulkOutcome::Conflict),
                (TicketId(999_999), BulkOutcome::NotFound),
                (c.id, BulkOutcome::Ok),
            ]
        );
        for t in [&a, &c] {
            let now = now_ticket(&p, t.id).await;
            assert_eq!(now.assignee, Some(ann_id));
            assert_eq!(now.status, Status::Open, "taking a new ticket opens it");
            assert!(now.tags.contains("billing"));
            assert_eq!(
                r.iter().find(|x| x.ticket == t.id).unwrap().version,
                Some(now.version)
            );
            // The ordinary change path: history by the agent.
            let h = p.store.history(t.id).await.unwrap();
            assert!(h.iter().any(|e| e.event
                == TicketEvent::Tagged {
                    tag: "billing".into()
                }
                && e.actor == ann.as_ref()));
        }
        let b_now = now_ticket(&p, b.id).await;
        assert_eq!(b_now.assignee, None, "the stale one is untouched");
        assert!(b_now.tags.is_empty());
        // A status the state machine refuses is reported, not fatal.
        let closed = TicketChange {
            status: Some(Status::Closed),
            ..TicketChange::default()
        };
        let r = merging::bulk_change(&p, &ann, &[(b_now.id, b_now.version)], &closed)
            .await
            .unwrap();
        assert_eq!(r[0].outcome, BulkOutcome::Refused);
        // Batches: capped, not empty, and the change must say something.
        let many: Vec<(TicketId, i64)> = (1..=MAX_BULK as i64 + 1)
            .map(|i| (TicketId(i), 1))
            .collect();
        assert_eq!(
            codes(
                merging::bulk_change(&p, &ann, &many, &change)
                    .await
                    .unwrap_err()
            ),
            pair("tickets", "too_many")
        );
        assert_eq!(
            codes(
                merging::bulk_change(&p, &ann, &[], &change)
                    .await
                    .unwrap_err()
            ),
            pair("tickets", "required")
        );
        assert_eq!(
            codes(
                merging::bulk_change(&p, &ann, &[(a.id, 1)], &TicketChange::default())
                    .await
                    .unwrap_err()
            ),
            pair("change", "required")
        );
    })
    .await;
}

#[tokio::test]
async fn links_show_on_both_tickets_and_go_away_on_both_on_both_databases() {
    support::on_both_databases(|url| async move {
        let store = SqlStore::connect(&url).await.unwrap();
        let p = support::ports(&store);
        let ann = agent(
            support::new_agent(&store, "ann", Role::Agent, Lang::Ru).await,
            Role::Agent,
        );
        let a = web_ticket(&p, "a@customer.test", "A", "First.").await;
        let b = web_ticket(&p, "b@customer.test", "B", "Second.").await;
        let c = web_ticket(&p, "c@customer.test", "C", "Third.").await;
        let seq = |t: &Ticket| format!("#{}", t.number.seq());

        let rel = merging::link(&p, &ann, b.id, &seq(&a)).await.unwrap();
        assert_eq!(
            rel.links.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a.id]
        );
        merging::link(&p, &ann, b.id, &c.number.to_string())
            .await
            .unwrap();
        let on_a = merging::relations(&p, &ann, a.id).await.unwrap();
        assert_eq!(
            on_a.links
                .iter()
                .map(|r| (r.id, r.status))
                .collect::<Vec<_>>(),
            vec![(b.id, Status::New)],
            "symmetric, with the status"
        );
        let on_b = merging::relations(&p, &ann, b.id).await.unwrap();
        assert_eq!(
            on_b.links.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a.id, c.id]
        );
        // Duplicates (either direction), self-links and unknown numbers are refused.
        assert_eq!(
            codes(merging::link(&p, &ann, a.id, &seq(&b)).await.unwrap_err()),
            pair("ticket", "taken")
        );
        assert_eq!(
            codes(merging::link(&p, &ann, a.id, &seq(&a)).await.unwrap_err()),
            pair("ticket", "self")
        );
        assert_eq!(
            codes(merging::link(&p, &ann, a.id, "#999999").await.unwrap_err()),
            pair("ticket", "unknown")
        );
        assert_eq!(
            codes(merging::link(&p, &ann, a.id, "hello").await.unwrap_err()),
            pair("ticket", "invalid")
        );
        assert_eq!(
            merging::link(&p, &ann, TicketId(999_999), &seq(&a))
                .await
                .unwrap_err(),
            DomainError::NotFound
        );
        // History on both.
        let linked = |h: &[lossless::ticket::HistoryEntry], other: &Ticket| {
            h.iter()
                .filter(|e| {
                    e.event
                        == TicketEvent::Linked {
                            ticket: other.id,
                            number: other.number.clone(),
                        }
                })
                .count()
        };
        assert_eq!(linked(&p.store.history(a.id).await.unwrap(), &b), 1);
        assert_eq!(linked(&p.store.history(b.id).await.unwrap(), &a), 1);
        // Removal from either side.
        let rel = merging::unlink(&p, &ann, a.id, b.id).await.unwrap();
        assert!(rel.links.is_empty());
        let on_b = merging::relations(&p, &ann, b.id).await.unwrap();
        assert_eq!(
            on_b.links.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![c.id]
        );
        assert_eq!(
            merging::unlink(&p, &ann, b.id, a.id).await.unwrap_err(),
            DomainError::NotFound
        );
        let h = p.store.history(b.id).await.unwrap();
        assert!(h.iter().any(|e| e.event
            == TicketEvent::Unlinked {
                ticket: a.id,
                number: a.number.clone()
            }
            && e.actor == ann.as_ref()));
        // Links never bump versions.
        assert_eq!(now_ticket(&p, a.id).await.version, a.version);
    })
    .await;
}

#[tokio::test]
async fn server_functions_for_bulk_merge_and_links() {
    use crate::http::{agent_cookie, node};
    use crate::support::{call_form, call_json, field_codes};
    use leptos::server_fn::ServerFn;
    use lossless_app::api::merge::{
        BulkSummary, BulkUpdate, LinkTicket, MergeTickets, Merged, RelationsView, TicketRelations,
    };
    use serde_json::json;

    let (db, _guard) = support::fresh_sqlite();
    // No worker: the versions the test holds stay the stored ones.
    let s = node(&db, &[("email_poll", "0"), ("worker", "0")]).await;
    let (_, ann) = agent_cookie(&s, "ann@example.com").await;
    let p = s.ports.clone();
    let a = web_ticket(&p, "same@customer.test", "A", "First.").await;
    let b = web_ticket(&p, "same@customer.test", "B", "Second.").await;
    let seen = |t: &Ticket, v: i64| json!({ "id": t.id, "version": v });

    // Over the cap: 422 naming the batch.
    let many: Vec<_> = (1..=MAX_BULK as i64 + 1)
        .map(|i| json!({ "id": i, "version": 1 }))
        .collect();
    let form = json!({ "assign": "me", "status": "", "add_tag": "", "remove_tag": "" });
    let (status, body) = call_json(
        &s,
        BulkUpdate::PATH,
        Some(&ann),
        json!({ "tickets": many, "form": form }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_codes(&body), pair("tickets", "too_many"));
    // Without a session: 401.
    let (status, _) = call_json(
        &s,
        BulkUpdate::PATH,
        None,
        json!({ "tickets": [seen(&a, a.version)], "form": form }),
    )
    .await;
    assert_eq!(status, 401);
    // One stale, one applied.
    let (status, body) = call_json(
        &s,
        BulkUpdate::PATH,
        Some(&ann),
        json!({ "tickets": [seen(&a, a.version), seen(&b, b.version - 1)], "form": form }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sum: BulkSummary = serde_json::from_str(&body).unwrap();
    assert_eq!((sum.changed, sum.skipped), (1, 1), "{body}");
    assert_eq!(sum.rows[1].outcome, "conflict");

    // A merge from a stale version: 409; from the shown ones: the target's number.
    let a_now = now_ticket(&p, a.id).await;
    let (status, _) = call_json(
        &s,
        MergeTickets::PATH,
        Some(&ann),
        json!({ "target": seen(&a, a.version), "sources": [seen(&b, b.version)], "confirm_other_contacts": false }),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = call_json(
        &s,
        MergeTickets::PATH,
        Some(&ann),
        json!({ "target": seen(&a, a_now.version), "sources": [seen(&b, b.version)], "confirm_other_contacts": false }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let merged: Merged = serde_json::from_str(&body).unwrap();
    assert_eq!(merged.number, a.number.to_string());
    let (status, body) = call_form(
        &s,
        TicketRelations::PATH,
        Some(&ann),
        &[("ticket_id", b.id.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rel: RelationsView = serde_json::from_str(&body).unwrap();
    assert_eq!(
        rel.merged_into.map(|r| r.number),
        Some(a.number.to_string())
    );
    // Links by typed number; an unknown one is 422, an unknown ticket 404.
    let (status, body) = call_form(
        &s,
        LinkTicket::PATH,
        Some(&ann),
        &[("ticket_id", a.id.to_string()), ("other", "#424242".into())],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_codes(&body), pair("ticket", "unknown"));
    let (status, _) = call_form(
        &s,
        TicketRelations::PATH,
        Some(&ann),
        &[("ticket_id", "424242".to_owned())],
    )
    .await;
    assert_eq!(status, 404);
}
