//! The full customer profile (issue 6, point 6) on both databases: a contact's tickets
//! across channels (web form and email intake), editing the contact with its handles (422
//! with fields, a handle of another contact refused with `other_contact`), merging a
//! duplicate contact (every ticket, handle, note and rule moves; intake on the old handles
//! lands on the merged contact; search forgets the duplicate), notes never reaching a
//! customer's page, and the server functions over HTTP the way the browser calls them.

use crate::http::{node, role_cookie};
use crate::support::{self, call_form, call_json, field_codes, get_page, json_of};
use leptos::server_fn::ServerFn;
use lossless::actor::{Actor, Role};
use lossless::contact::Handle;
use lossless::error::DomainError;
use lossless::ids::{ContactId, EmailAddress, Lang, PhoneE164};
use lossless::intake::RawRequest;
use lossless::ports::Store as _;
use lossless::rules::{Activator, Condition, Predicate, RuleDraft};
use lossless::services::contacts::{
    self, ContactInput, HandleInput, contact_view, find_contacts, merge_contacts, save_contact,
};
use lossless::services::{self, Ports};
use lossless::ticket::{Channel, Status, Ticket, TicketEvent};
use lossless_app::api::contacts::{ContactPage, MergeContact, SaveContact, TicketContact};
use serde_json::json;

fn agent(id: lossless::ids::AgentId, role: Role) -> Actor {
    Actor::Agent { id, role }
}

async fn web_form(p: &Ports, name: &str, email: &str, phone: &str, subject: &str) -> Ticket {
    let raw = RawRequest {
        name: name.into(),
        email: email.into(),
        phone: phone.into(),
        subject: subject.into(),
        message: format!("Текст: {subject}"),
        ..RawRequest::default()
    };
    let valid = raw.validate(Channel::WebForm, Lang::Ru).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
}

fn mail(from: &str, subject: &str, id: &str) -> Vec<u8> {
    format!(
        "From: Customer <{from}>\r\nTo: support@lossless.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello, {subject}\r\n"
    )
    .into_bytes()
}

fn input(name: &str, handles: &[(&str, &str)]) -> ContactInput {
    ContactInput {
        name: name.into(),
        handles: handles
            .iter()
            .map(|(k, v)| HandleInput {
                kind: (*k).into(),
                value: (*v).into(),
            })
            .collect(),
        ..ContactInput::default()
    }
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn email(a: &str) -> Handle {
    Handle::Email(EmailAddress::parse(a).unwrap())
}

fn phone(p: &str) -> Handle {
    Handle::Phone(PhoneE164::parse(p).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profile_lists_tickets_across_channels_and_edits_with_validation() {
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let p = &s.ports;
        let (ann_id, ann_cookie) = role_cookie(&s, "ann@team.test", Role::Agent).await;
        let ann = agent(ann_id, Role::Agent);

        // One customer, two channels: the web form, then email from the same address.
        let web = web_form(p, "Мария Иванова", "maria@example.ru", "", "Возврат").await;
        let settings = support::email_settings(b"contacts-secret", &["support@lossless.test"]);
        let mbox = support::mailbox(&s.store, "support", "support@lossless.test").await;
        let got = support::ingest_raw(
            p,
            &settings,
            mbox.id,
            1,
            mail("maria@Example.RU", "Delivery", "d-1@example.ru"),
        )
        .await;
        let mailed = s.store.ticket(got.ticket.unwrap()).await.unwrap().unwrap();
        assert_eq!(mailed.contact_id, web.contact_id);
        let maria = web.contact_id;
        // Another customer, who will own a phone number.
        let other = web_form(p, "Олег", "oleg@example.org", "+7 912 000-11-22", "Счёт").await;

        let v = contact_view(p, &ann, maria, 25).await.unwrap();
        assert_eq!(v.card.contact.name, "Мария Иванова");
        assert_eq!(v.card.contact.handles, vec![email("maria@example.ru")]);
        let listed: Vec<(String, Channel)> = v
            .tickets
            .tickets
            .iter()
            .map(|t| (t.number.to_string(), t.channel))
            .collect();
        // Newest activity first, across channels.
        assert_eq!(
            listed,
            vec![
                (mailed.number.to_string(), Channel::Email),
                (web.number.to_string(), Channel::WebForm),
            ]
        );
        assert_eq!((v.tickets.open, v.tickets.total), (2, 2));
        // The panel beside a ticket is bounded; counts are of all.
        let panel = contacts::ticket_contact(p, &ann, web.id).await.unwrap();
        assert_eq!(panel.card.contact.id, maria);
        let one = contact_view(p, &ann, maria, 1).await.unwrap();
        assert_eq!((one.tickets.tickets.len(), one.tickets.total), (1, 2));

        // Bad input: every field named, nothing stored.
        let mut bad = input(
            &"я".repeat(201),
            &[("email", "not-an-address"), ("phone", "12")],
        );
        bad.organisation = "o".repeat(101);
        bad.notes = "n".repeat(contacts::MAX_NOTES_CHARS + 1);
        assert_eq!(
            codes(save_contact(p, &ann, maria, &bad).await.unwrap_err()),
            pairs(&[
                ("name", "too_long"),
                ("organisation", "too_long"),
                ("notes", "too_long"),
                ("handles.0", "invalid"),
                ("handles.1", "invalid"),
            ])
        );
        assert_eq!(
            codes(
                save_contact(p, &ann, maria, &input("M", &[]))
                    .await
                    .unwrap_err()
            ),
            pairs(&[("handles", "required")])
        );
        // A handle of another contact: refused, suggesting a merge (the phone as typed
        // differently still normalizes to Oleg's; the address compares without case).
        let taken = input(
            "Мария",
            &[
                ("email", "maria@example.ru"),
                ("phone", "8 (912) 000-11-22"),
            ],
        );
        assert_eq!(
            codes(save_contact(p, &ann, maria, &taken).await.unwrap_err()),
            pairs(&[("handles.1", "other_contact")])
        );
        let taken = input("Мария", &[("email", "OLEG@example.org")]);
        assert_eq!(
            codes(save_contact(p, &ann, maria, &taken).await.unwrap_err()),
            pairs(&[("handles.0", "other_contact")])
        );
        assert_eq!(
            contact_view(p, &ann, maria, 5).await.unwrap().card,
            v.card,
            "nothing stored"
        );

        // A customer edits nothing.
        let customer = Actor::Customer {
            contact: maria,
            ticket: web.id,
        };
        assert_eq!(
            save_contact(p, &customer, maria, &input("X", &[("email", "x@y.org")]))
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );
        assert_eq!(
            contact_view(p, &customer, maria, 5).await.unwrap_err(),
            DomainError::Forbidden
        );

        // A valid edit: normalized, old handle removed, new ones added; search follows.
        let mut ok = input(
            "  Мария Петровна ",
            &[
                ("email", "m.petrova@example.ru "),
                ("phone", "+7 (900) 111-22-33"),
            ],
        );
        ok.vip = true;
        ok.organisation = " ООО Ромашка ".into();
        ok.notes = "Звонить только утром".into();
        let card = save_contact(p, &ann, maria, &ok).await.unwrap();
        assert_eq!(card.contact.name, "Мария Петровна");
        assert_eq!(
            card.contact.handles,
            vec![email("m.petrova@example.ru"), phone("+79001112233")]
        );
        assert!(card.profile.vip);
        assert_eq!(card.profile.organisation.as_deref(), Some("ООО Ромашка"));
        assert_eq!(card.notes, "Звонить только утром");
        // The old address is free: intake from it makes a new contact.
        assert!(
            s.store
                .contacts_by_handle(&email("maria@example.ru"))
                .await
                .unwrap()
                .is_empty()
        );
        let found = find_contacts(p, &ann, other.contact_id, "Петровна")
            .await
            .unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![maria]);
        let found = find_contacts(p, &ann, other.contact_id, "+7 900 111 22 33")
            .await
            .unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![maria]);

        // Over HTTP as the browser calls it: 422 with fields, 401 without a session.
        let (status, body) = call_json(
            &s,
            SaveContact::PATH,
            Some(&ann_cookie),
            json!({ "contact_id": maria.0, "form": {
                "name": "M", "organisation": "", "vip": false, "region": "", "notes": "",
                "handles": [{ "kind": "email", "value": "oleg@example.org" }]
            }}),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(field_codes(&body), pairs(&[("handles.0", "other_contact")]));
        let (status, _) = call_form(
            &s,
            TicketContact::PATH,
            None,
            &[("ticket_id", web.id.0.to_string())],
        )
        .await;
        assert_eq!(status, 401);
        let (status, body) = call_form(
            &s,
            TicketContact::PATH,
            Some(&ann_cookie),
            &[("ticket_id", web.id.0.to_string())],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let v = json_of(&body);
        assert_eq!(v["notes"], "Звонить только утром");
        assert_eq!(v["vip"], true);
        assert_eq!(v["total"], 2);
        assert_eq!(v["tickets"][0]["number"], mailed.number.to_string());
        let (status, _) = call_form(
            &s,
            ContactPage::PATH,
            Some(&ann_cookie),
            &[("contact_id", "999999".to_owned())],
        )
        .await;
        assert_eq!(status, 404);
        let (status, _, html) = get_page(
            &s,
            &format!("/agent/contacts/{}", maria.0),
            Some(&ann_cookie),
        )
        .await;
        assert_eq!(status, 200);
        assert!(html.contains("Звонить только утром"), "{html}");
        assert!(html.contains(r#"data-testid="contact-merge""#), "{html}");

        // Notes never reach the customer's page.
        let (status, _, html) = get_page(
            &s,
            &format!("/portal/t/{}", web.portal_token.as_str()),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(html.contains("Возврат"), "{html}");
        assert!(!html.contains("Звонить только утром"), "{html}");
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merging_a_duplicate_moves_everything_and_intake_follows() {
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let p = &s.ports;
        let (ann_id, ann_cookie) = role_cookie(&s, "ann@team.test", Role::Agent).await;
        let ann = agent(ann_id, Role::Agent);

        let keep = web_form(p, "Мария", "maria@example.ru", "", "Возврат").await;
        let target = keep.contact_id;
        // The same person twice more under another contact: phone + another address.
        let dup1 = web_form(
            p,
            "Мария К.",
            "mk@example.org",
            "+7 912 345-67-89",
            "Доставка",
        )
        .await;
        let source = dup1.contact_id;
        assert_ne!(source, target);
        let settings = support::email_settings(b"contacts-merge", &["support@lossless.test"]);
        let mbox = support::mailbox(&s.store, "support", "support@lossless.test").await;
        let got = support::ingest_raw(
            p,
            &settings,
            mbox.id,
            1,
            mail("mk@example.org", "Bill", "b-1@x"),
        )
        .await;
        let dup2 = s.store.ticket(got.ticket.unwrap()).await.unwrap().unwrap();
        assert_eq!(dup2.contact_id, source);

        // Profiles on both sides.
        let mut t_in = input("Мария", &[("email", "maria@example.ru")]);
        t_in.organisation = "Ромашка".into();
        t_in.notes = "Постоянный клиент".into();
        save_contact(p, &ann, target, &t_in).await.unwrap();
        let mut s_in = input(
            "Мария К.",
            &[("email", "mk@example.org"), ("phone", "+79123456789")],
        );
        s_in.vip = true;
        s_in.region = "EU".into();
        s_in.organisation = "Other".into();
        s_in.notes = "Предпочитает телефон".into();
        save_contact(p, &ann, source, &s_in).await.unwrap();
        // A rule naming the duplicate.
        let rule = s
            .store
            .save_rule(
                None,
                RuleDraft {
                    name: "Мария К.".into(),
                    enabled: false,
                    activator: Activator::Created,
                    condition: Condition::Leaf(Predicate::ContactIs { contact: source }),
                    actions: Vec::new(),
                },
                p.clock.now(),
            )
            .await
            .unwrap();

        // Self-merge and unknown contacts are refused.
        assert_eq!(
            codes(merge_contacts(p, &ann, target, target).await.unwrap_err()),
            pairs(&[("source", "self")])
        );
        assert_eq!(
            merge_contacts(p, &ann, target, ContactId(999_999))
                .await
                .unwrap_err(),
            DomainError::NotFound
        );
        let customer = Actor::Customer {
            contact: source,
            ticket: dup1.id,
        };
        assert_eq!(
            merge_contacts(p, &customer, target, source)
                .await
                .unwrap_err(),
            DomainError::Forbidden
        );

        // Find the duplicate by address, phone and name (never the contact itself).
        for q in ["mk@example.org", "8 912 345 67 89", "Мария"] {
            let found = find_contacts(p, &ann, target, q).await.unwrap();
            assert_eq!(
                found.iter().map(|c| c.id).collect::<Vec<_>>(),
                vec![source],
                "{q}"
            );
        }

        // Merge over HTTP, the way the page does.
        let (status, body) = call_form(
            &s,
            MergeContact::PATH,
            Some(&ann_cookie),
            &[
                ("target", target.0.to_string()),
                ("source", source.0.to_string()),
            ],
        )
        .await;
        assert_eq!((status, body.as_str()), (200, "2"));

        let v = contact_view(p, &ann, target, 25).await.unwrap();
        assert_eq!(v.tickets.total, 3);
        let mut numbers: Vec<String> = v
            .tickets
            .tickets
            .iter()
            .map(|t| t.number.to_string())
            .collect();
        numbers.sort();
        let mut want = vec![
            keep.number.to_string(),
            dup1.number.to_string(),
            dup2.number.to_string(),
        ];
        want.sort();
        assert_eq!(numbers, want);
        assert_eq!(
            v.card.contact.handles,
            vec![
                email("maria@example.ru"),
                email("mk@example.org"),
                phone("+79123456789")
            ]
        );
        assert_eq!(v.card.contact.name, "Мария");
        assert!(v.card.profile.vip, "VIP is or-ed");
        assert_eq!(v.card.profile.organisation.as_deref(), Some("Ромашка"));
        assert_eq!(
            v.card.profile.region.as_deref(),
            Some("EU"),
            "filled from the source"
        );
        assert_eq!(v.card.notes, "Постоянный клиент\n\nПредпочитает телефон");
        assert_eq!(s.store.contact_card(source).await.unwrap(), None);
        assert!(s.store.contact(source).await.unwrap().is_none());

        // Every moved ticket: the new contact, a newer version, a history row.
        for t in [&dup1, &dup2] {
            let now = s.store.ticket(t.id).await.unwrap().unwrap();
            assert_eq!(now.contact_id, target);
            assert!(now.version > t.version);
            let h = s.store.history(t.id).await.unwrap();
            assert!(
                h.iter().any(|e| e.event
                    == TicketEvent::ContactMerged {
                        from: source,
                        from_name: "Мария К.".into(),
                        into: target,
                    }
                    && e.actor == ann.as_ref()),
                "{h:?}"
            );
            // The customer's messages name the contact that stayed.
            for m in s.store.messages(t.id, true).await.unwrap() {
                assert_ne!(m.author, lossless::actor::ActorRef::Contact(source));
            }
        }
        assert!(
            s.store
                .history(keep.id)
                .await
                .unwrap()
                .iter()
                .all(|e| e.event.name() != "contact_merged"),
            "the target's own tickets did not move"
        );
        // The rule names the target now.
        let rules = s.store.rules().await.unwrap();
        let r = rules.iter().find(|r| r.id == rule.id).unwrap();
        assert_eq!(
            r.draft.condition,
            Condition::Leaf(Predicate::ContactIs { contact: target })
        );

        // Search forgets the duplicate: its address finds the merged contact only.
        let found = find_contacts(p, &ann, ContactId(0), "mk@example.org")
            .await
            .unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![target]);
        let q = lossless::search::parse_query("Мария", &p.prefix).unwrap();
        let hits = s.store.search_contacts(q.text, 10).await.unwrap();
        assert_eq!(hits.iter().map(|c| c.id).collect::<Vec<_>>(), vec![target]);

        // New messages on the old handles land on the merged contact.
        let got = support::ingest_raw(
            p,
            &settings,
            mbox.id,
            2,
            mail("mk@EXAMPLE.org", "Again", "a-2@x"),
        )
        .await;
        let again = s.store.ticket(got.ticket.unwrap()).await.unwrap().unwrap();
        assert_eq!(again.contact_id, target);
        let by_phone = web_form(p, "Аноним", "", "8 912 345-67-89", "Звонок").await;
        assert_eq!(by_phone.contact_id, target);
        let v = contact_view(p, &ann, target, 25).await.unwrap();
        assert_eq!((v.tickets.open, v.tickets.total), (5, 5));
        assert_eq!(v.tickets.tickets[0].status, Status::New);

        // Merging a contact that is gone now: 404.
        let (status, _) = call_form(
            &s,
            MergeContact::PATH,
            Some(&ann_cookie),
            &[
                ("target", target.0.to_string()),
                ("source", source.0.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 404);

        // The merged notes never reach a customer's page.
        for t in [&keep, &dup1] {
            let (status, _, html) =
                get_page(&s, &format!("/portal/t/{}", t.portal_token.as_str()), None).await;
            assert_eq!(status, 200);
            assert!(!html.contains("Предпочитает телефон"), "{html}");
            assert!(!html.contains("Постоянный клиент"), "{html}");
        }
        s.stop().await;
    })
    .await;
}
