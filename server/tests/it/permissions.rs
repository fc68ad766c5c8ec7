//! The permission matrix (issue 6, point 1b) through the real guards of a node over HTTP, on
//! SQLite and PostgreSQL:
//! - a restricted group's ticket: an agent outside the group finds it in no queue view, no
//!   search, and gets a bare 404 for the ticket page, every ticket action (reply, note,
//!   change, take, viewers, SLA panel), its attachment and its raw email — even with a stale
//!   version; a member and a manager see and work it; it is assigned only to someone who
//!   sees it (422 `not_member`); a mention of an outsider alerts nobody;
//! - customers: a portal token opens only its own ticket; another customer's number or a
//!   guessed token is a 404 for reading and replying;
//! - internal notes never reach a customer: portal page and JSON, the emails the ticket
//!   sends, a customer's search attempt;
//! - managers' screens (rules, SLA, channels, team, dashboard): agents 403, managers 200.

use crate::http::{node, role_cookie, submit};
use crate::support::{self, NO_ARGS, call_form, get_page};
use leptos::server_fn::ServerFn;
use lossless::actor::{Actor, Role};
use lossless::email::OutgoingEmail;
use lossless::ids::{AgentId, GroupId};
use lossless::job::JobKind;
use lossless::ports::{BoxFuture, Mailer, Store as _};
use lossless::services::{self, EmailOut, FetchedEmail, TicketChange};
use lossless::ticket::Ticket;
use lossless_server::Server;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// A mailer that keeps what it is asked to send.
#[derive(Default)]
struct Outbox(Mutex<Vec<OutgoingEmail>>);

impl Mailer for Outbox {
    fn send(
        &self,
        mail: OutgoingEmail,
    ) -> BoxFuture<'_, Result<(), lossless::email::outbound::SendError>> {
        self.0.lock().unwrap().push(mail);
        Box::pin(async { Ok(()) })
    }
}

/// A server function's status and body (as JSON when it is JSON).
async fn call(s: &Server, path: &str, cookie: Option<&str>, args: &[(&str, &str)]) -> (u16, Value) {
    let (status, text) = call_form(s, path, cookie, args).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A plain GET's status and body.
async fn get(s: &Server, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut r = support::http_client().get(format!("http://{}{path}", s.addr));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The ticket numbers of a queue view.
async fn queue(s: &Server, cookie: &str, view: &str) -> Vec<String> {
    use lossless_app::api::tickets::ListQueue;
    let (status, v) = call(
        s,
        ListQueue::PATH,
        Some(cookie),
        &[("view", view), ("status", ""), ("priority", "")],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_owned())
        .collect()
}

/// The ticket numbers a search lists, and the exact match.
async fn search(s: &Server, cookie: &str, q: &str) -> (Vec<String>, Value) {
    use lossless_app::api::search::Search;
    let (status, v) = call(s, Search::PATH, Some(cookie), &[("q", q)]).await;
    assert_eq!(status, 200, "{v}");
    let numbers = v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_owned())
        .collect();
    (numbers, v["exact"].clone())
}

/// A mail from a customer with a small text attachment.
fn mail_with_attachment(tag: &str, subject: &str, attachment: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol-{tag}@example.org>\r\nTo: support@lossless.test\r\n\
         Subject: {subject}\r\nMessage-ID: <{tag}@example.org>\r\n\
         Date: Mon, 2 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         The quarterly zebracorn figures are attached.\r\n\
         --b1\r\nContent-Type: text/plain; name=\"figures.txt\"\r\n\
         Content-Disposition: attachment; filename=\"figures.txt\"\r\n\r\n\
         {attachment}\r\n--b1--\r\n"
    )
    .into_bytes()
}

/// Takes a mail in as the IMAP adapter does (attachments stored).
async fn ingest(s: &Server, uid: i64, raw: Vec<u8>) -> Ticket {
    use sha2::Digest as _;
    let settings = support::email_settings(b"perm-secret", &["support@lossless.test"]);
    let mbox = support::mailbox(&s.store, "support", "support@lossless.test").await;
    let parsed = lossless_server::email::parse::parse_with_attachments(&raw).unwrap();
    let (mail, content) = lossless_server::email::html::content_of(parsed);
    let fetched = FetchedEmail {
        mailbox: mbox.id,
        uidvalidity: 1,
        uid,
        raw_sha256: hex::encode(sha2::Sha256::digest(&raw)),
        raw,
    };
    let done = services::ingest_email(
        &s.ports,
        &settings,
        fetched,
        Ok(mail),
        content,
        lossless_server::http::new_portal_token(),
    )
    .await
    .unwrap();
    s.store.ticket(done.ticket.unwrap()).await.unwrap().unwrap()
}

fn manager_of(id: AgentId) -> Actor {
    Actor::Agent {
        id,
        role: Role::Manager,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restricted_groups_hide_their_tickets_from_agents_outside_them_on_both_databases() {
    use lossless_app::api::board::ManagerBoard;
    use lossless_app::api::canned::RenderCanned;
    use lossless_app::api::sla::TicketSla;
    use lossless_app::api::team::{SaveGroupRouting, TeamScreen};
    use lossless_app::api::tickets::{AddNote, ChangeTicket, GetTicket, ReplyTicket};
    use lossless_app::api::viewers::{ReportViewing, TicketViewers};
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let p = &s.ports;
        let (outsider_id, outsider) = role_cookie(&s, "outsider@team.test", Role::Agent).await;
        let (insider_id, insider) = role_cookie(&s, "insider@team.test", Role::Agent).await;
        let (boss_id, boss) = role_cookie(&s, "boss@team.test", Role::Manager).await;
        let vip = s.store.create_group("VIP").await.unwrap();
        let other = s.store.create_group("Sales").await.unwrap();
        s.store.add_group_member(vip.id, insider_id).await.unwrap();
        s.store
            .add_group_member(other.id, outsider_id)
            .await
            .unwrap();

        // Marking a group restricted: managers only, on the team screen's group settings.
        let vip_id = vip.id.0.to_string();
        let routing = |restricted: &'static str| {
            vec![
                ("group", vip_id.clone()),
                ("strategy", "manual".to_owned()),
                ("match_language", "true".to_owned()),
                ("match_skills", "true".to_owned()),
                ("prefer_previous_agent", "true".to_owned()),
                ("restricted", restricted.to_owned()),
            ]
        };
        let on = routing("true");
        let on: Vec<(&str, &str)> = on.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            call(&s, SaveGroupRouting::PATH, Some(&outsider), &on)
                .await
                .0,
            403
        );
        assert!(s.store.restricted_groups().await.unwrap().is_empty());
        assert_eq!(
            call(&s, SaveGroupRouting::PATH, Some(&boss), &on).await.0,
            200
        );
        assert_eq!(s.store.restricted_groups().await.unwrap(), [vip.id]);
        let (status, screen) = call(&s, TeamScreen::PATH, Some(&boss), NO_ARGS).await;
        assert_eq!(status, 200);
        let rows = screen["groups"].as_array().unwrap();
        let row = |g: GroupId| rows.iter().find(|r| r["group"] == g.0).unwrap().clone();
        assert_eq!(row(vip.id)["restricted"], true);
        assert_eq!(row(other.id)["restricted"], false);

        // A customer's mail with an attachment, moved into the restricted group, and an
        // ordinary ticket beside it.
        let tag = support::unique_tag("perm");
        let secret_bytes = format!("secret figures {tag}");
        let secret = ingest(
            &s,
            1,
            mail_with_attachment(&tag, "Confidential zebracorn merger", &secret_bytes),
        )
        .await;
        let secret = services::change_ticket(
            p,
            &manager_of(boss_id),
            secret.id,
            secret.version,
            &TicketChange {
                group: Some(Some(vip.id)),
                ..TicketChange::default()
            },
        )
        .await
        .unwrap();
        let public = submit(
            &s,
            &json!({"name": "Dan", "email": "dan@example.org",
                    "message": "The zebracorn printer jams", "priority": "normal"}),
        )
        .await;
        let (sn, pn) = (secret.number.to_string(), public.number.to_string());
        let id = secret.id.0.to_string();
        let version = secret.version.to_string();
        let messages = s.store.messages(secret.id, true).await.unwrap();
        let mail_message = messages[0].id;
        let sha = messages[0].attachments[0].sha256.clone();
        assert!(messages[0].attachments[0].stored);
        let attachment_path = format!("/agent/attachments/{sha}/figures.txt");
        let original_path = format!("/agent/messages/{}/original.eml", mail_message.0);

        // The outsider: in no queue view and no search ...
        for view in ["all", "unassigned", &format!("group-{}", vip.id.0)] {
            let rows = queue(&s, &outsider, view).await;
            assert!(!rows.contains(&sn), "{view}: {rows:?}");
        }
        assert_eq!(queue(&s, &outsider, "all").await, [pn.as_str()]);
        let (found, exact) = search(&s, &outsider, "zebracorn").await;
        assert_eq!(found, [pn.as_str()]);
        assert!(exact.is_null());
        let (found, exact) = search(&s, &outsider, &sn).await;
        assert!(found.is_empty() && exact.is_null(), "{found:?} {exact}");
        let (found, _) = search(&s, &outsider, "merger").await;
        assert!(found.is_empty(), "{found:?}");

        // ... and a bare 404 for the page and every action, a stale version included.
        let stale = (secret.version - 1).to_string();
        let outsider_s = outsider_id.0.to_string();
        let actions: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (GetTicket::PATH, vec![("number", &sn)]),
            (TicketSla::PATH, vec![("number", &sn)]),
            (
                ReplyTicket::PATH,
                vec![("ticket_id", &id), ("version", &version), ("body", "hi")],
            ),
            (
                AddNote::PATH,
                vec![("ticket_id", &id), ("version", &version), ("body", "hi")],
            ),
            (
                AddNote::PATH,
                vec![("ticket_id", &id), ("version", &stale), ("body", "hi")],
            ),
            (
                ChangeTicket::PATH,
                vec![
                    ("ticket_id", &id),
                    ("version", &version),
                    ("field", "status"),
                    ("value", "open"),
                ],
            ),
            (
                ChangeTicket::PATH,
                vec![
                    ("ticket_id", &id),
                    ("version", &version),
                    ("field", "assignee"),
                    ("value", &outsider_s),
                ],
            ),
            (
                ReportViewing::PATH,
                vec![("ticket_id", &id), ("report", "viewing")],
            ),
            (TicketViewers::PATH, vec![("ticket_id", &id)]),
        ];
        let ack = s.store.messages(public.id, true).await.unwrap().len();
        for (path, args) in &actions {
            let (status, body) = call(&s, path, Some(&outsider), args).await;
            assert_eq!(status, 404, "{path} {args:?}: {body}");
            assert!(!body.to_string().contains("zebracorn"), "{path}: {body}");
        }
        assert_eq!(get(&s, &attachment_path, Some(&outsider)).await.0, 404);
        assert_eq!(get(&s, &original_path, Some(&outsider)).await.0, 404);
        let (status, _, html) = get_page(&s, &format!("/agent/t/{sn}"), Some(&outsider)).await;
        assert_eq!(status, 404);
        assert!(html.contains("data-code=\"not_found\""), "{html}");
        assert!(!html.contains("merger"), "the page shows nothing of it");
        assert_eq!(
            call(&s, ManagerBoard::PATH, Some(&outsider), NO_ARGS)
                .await
                .0,
            403
        );
        // Nothing changed.
        let now = s.store.ticket(secret.id).await.unwrap().unwrap();
        assert_eq!((now.version, now.assignee), (secret.version, None));
        assert_eq!(s.store.messages(secret.id, true).await.unwrap().len(), 1);
        assert!(s.store.ticket_viewers(secret.id).await.unwrap().is_empty());
        assert_eq!(s.store.messages(public.id, true).await.unwrap().len(), ack);
        // A canned response rendered for it is a 404 too.
        let canned = lossless::services::canned::save(
            p,
            &Actor::Agent {
                id: outsider_id,
                role: Role::Agent,
            },
            None,
            lossless::canned::CannedDraft {
                title: "Hello".into(),
                body: "Hello {{ticket.subject}}".into(),
                shortcut: String::new(),
                shared: false,
                actions: Default::default(),
            },
        )
        .await
        .unwrap();
        let canned_id = canned.id.0.to_string();
        assert_eq!(
            call(
                &s,
                RenderCanned::PATH,
                Some(&outsider),
                &[("ticket_id", &id), ("id", &canned_id)]
            )
            .await
            .0,
            404
        );

        // A member and a manager see it everywhere and work it.
        for cookie in [&insider, &boss] {
            assert!(queue(&s, cookie, "all").await.contains(&sn));
            assert!(
                queue(&s, cookie, &format!("group-{}", vip.id.0))
                    .await
                    .contains(&sn)
            );
            let (found, _) = search(&s, cookie, "zebracorn").await;
            assert!(found.contains(&sn) && found.contains(&pn), "{found:?}");
            let (_, exact) = search(&s, cookie, &sn).await;
            assert_eq!(exact, Value::String(sn.clone()));
            let (status, v) = call(&s, GetTicket::PATH, Some(cookie), &[("number", &sn)]).await;
            assert_eq!(status, 200, "{v}");
            let (status, bytes) = get(&s, &attachment_path, Some(cookie)).await;
            assert_eq!((status, bytes.trim()), (200, secret_bytes.as_str()));
            assert_eq!(get(&s, &original_path, Some(cookie)).await.0, 200);
            let (status, v) = call(
                &s,
                ReportViewing::PATH,
                Some(cookie),
                &[("ticket_id", &id), ("report", "viewing")],
            )
            .await;
            assert_eq!(status, 200, "{v}");
        }
        let (status, board) = call(&s, ManagerBoard::PATH, Some(&boss), NO_ARGS).await;
        assert_eq!(status, 200);
        assert!(board.to_string().contains(&sn), "{board}");

        // Assignment: only to someone who sees it.
        let (status, v) = call(
            &s,
            ChangeTicket::PATH,
            Some(&boss),
            &[
                ("ticket_id", &id),
                ("version", &version),
                ("field", "assignee"),
                ("value", &outsider_id.0.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["detail"][0], json!(["assignee", "not_member"]));
        let (status, v) = call(
            &s,
            ChangeTicket::PATH,
            Some(&boss),
            &[
                ("ticket_id", &id),
                ("version", &version),
                ("field", "assignee"),
                ("value", &insider_id.0.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 200, "{v}");
        let version = v["version"].as_i64().unwrap().to_string();
        let (status, v) = call(
            &s,
            ChangeTicket::PATH,
            Some(&insider),
            &[
                ("ticket_id", &id),
                ("version", &version),
                ("field", "assignee"),
                ("value", &boss_id.0.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 200, "a manager may own it: {v}");
        let version = v["version"].as_i64().unwrap().to_string();

        // Alerts: a mention of the outsider alerts nobody; of the member, the member.
        let (status, v) = call(
            &s,
            AddNote::PATH,
            Some(&boss),
            &[
                ("ticket_id", &id),
                ("version", &version),
                ("body", "@outsider @insider please look"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{v}");
        support::drain(p, "perm").await;
        assert!(
            s.store
                .notifications(outsider_id, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let alerts = s.store.notifications(insider_id, 10).await.unwrap();
        assert!(
            alerts.iter().any(|n| n.ticket == Some(secret.id)),
            "{alerts:?}"
        );

        // Lifting the restriction shows it to everyone again.
        let off = routing("false");
        let off: Vec<(&str, &str)> = off.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            call(&s, SaveGroupRouting::PATH, Some(&boss), &off).await.0,
            200
        );
        assert!(queue(&s, &outsider, "all").await.contains(&sn));
        let (status, _) = call(&s, GetTicket::PATH, Some(&outsider), &[("number", &sn)]).await;
        assert_eq!(status, 200);
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_reach_only_their_ticket_and_never_internal_notes_on_both_databases() {
    use lossless_app::api::portal::{GetPortalTicket, PortalReply};
    use lossless_app::api::search::Search;
    use lossless_app::api::tickets::{AddNote, ReplyTicket};
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let p = &s.ports;
        let (_, agent) = role_cookie(&s, "agent@team.test", Role::Agent).await;
        let a = submit(
            &s,
            &json!({"name": "Alice", "email": "alice@example.org",
                    "message": "Alice cannot log in", "priority": "normal"}),
        )
        .await;
        let b = submit(
            &s,
            &json!({"name": "Bob", "email": "bob@example.org",
                    "message": "Bob was charged twice", "priority": "normal"}),
        )
        .await;
        let (ta, tb) = (a.portal_token.as_str(), b.portal_token.as_str());

        // A's link opens A's ticket only.
        let (status, html) = get(&s, &format!("/portal/t/{ta}"), None).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Alice cannot log in") && !html.contains("Bob"),
            "{html}"
        );
        let (status, v) = call(&s, GetPortalTicket::PATH, None, &[("token", ta)]).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["number"], a.number.to_string());
        assert!(!v.to_string().contains("charged"), "{v}");

        // Guessing: numbers, ids, a token one character off, the other's number.
        let mut off = ta.to_owned();
        let last = if off.ends_with('0') { "1" } else { "0" };
        off.replace_range(off.len() - 1.., last);
        let guesses = [
            b.number.to_string(),
            a.number.to_string(),
            b.id.0.to_string(),
            off.clone(),
            "0".repeat(32),
        ];
        for g in &guesses {
            assert_eq!(get(&s, &format!("/portal/t/{g}"), None).await.0, 404, "{g}");
            let (status, v) = call(&s, GetPortalTicket::PATH, None, &[("token", g)]).await;
            assert_eq!(status, 404, "{g}: {v}");
            let (status, _) = call(
                &s,
                PortalReply::PATH,
                None,
                &[("token", g), ("body", "guessed")],
            )
            .await;
            assert_eq!(status, 404, "{g}");
        }
        // A's reply lands on A, never on B.
        let before_b = s.store.messages(b.id, true).await.unwrap().len();
        let (status, v) = call(
            &s,
            PortalReply::PATH,
            None,
            &[("token", ta), ("body", "Alice again")],
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(s.store.messages(b.id, true).await.unwrap().len(), before_b);
        let (status, html) = get(&s, &format!("/portal/t/{tb}"), None).await;
        assert_eq!(status, 200);
        assert!(html.contains("charged twice"), "{html}");
        assert!(!html.contains("Alice"), "{html}");
        assert!(
            s.store
                .messages(a.id, true)
                .await
                .unwrap()
                .iter()
                .any(|m| m.body == "Alice again")
        );
        assert!(
            !s.store
                .messages(b.id, true)
                .await
                .unwrap()
                .iter()
                .any(|m| m.body.contains("guessed"))
        );

        // Internal notes: an email ticket and a web ticket each get a note with a marker
        // and a public reply.
        let tag = support::unique_tag("note");
        let marker = format!("INTERNAL-{tag}");
        let mailed = ingest(
            &s,
            1,
            mail_with_attachment(&tag, "Invoice question", "figures"),
        )
        .await;
        for t in [&a, &mailed] {
            let t = s.store.ticket(t.id).await.unwrap().unwrap();
            let id = t.id.0.to_string();
            let (status, v) = call(
                &s,
                AddNote::PATH,
                Some(&agent),
                &[
                    ("ticket_id", &id),
                    ("version", &t.version.to_string()),
                    ("body", &format!("{marker} customer is a reseller")),
                ],
            )
            .await;
            assert_eq!(status, 200, "{v}");
            let version = v["version"].as_i64().unwrap().to_string();
            let (status, v) = call(
                &s,
                ReplyTicket::PATH,
                Some(&agent),
                &[
                    ("ticket_id", &id),
                    ("version", &version),
                    ("body", "We are on it"),
                ],
            )
            .await;
            assert_eq!(status, 200, "{v}");
        }
        for t in [&a, &mailed] {
            let token = t.portal_token.as_str();
            let (status, html) = get(&s, &format!("/portal/t/{token}"), None).await;
            assert_eq!(status, 200);
            assert!(html.contains("We are on it"), "{html}");
            assert!(
                !html.contains(&marker) && !html.contains("reseller"),
                "{html}"
            );
            let (status, v) = call(&s, GetPortalTicket::PATH, None, &[("token", token)]).await;
            assert_eq!(status, 200);
            let text = v.to_string();
            assert!(text.contains("We are on it"), "{text}");
            assert!(
                !text.contains(&marker) && !text.contains("reseller"),
                "{text}"
            );
        }
        // The emails the tickets send: every outbound job, run with a recording mailer.
        support::drain(p, "perm").await;
        let outbox = Arc::new(Outbox::default());
        let email = EmailOut {
            settings: support::email_settings(b"perm-secret", &["support@lossless.test"]),
            mailer: outbox.clone(),
        };
        for job in s.store.jobs(None, 1_000).await.unwrap() {
            if matches!(job.kind, JobKind::DeliverEmail { .. }) {
                services::run_job_with(p, Some(&email), &job, "perm")
                    .await
                    .unwrap();
            }
        }
        let sent = outbox.0.lock().unwrap().clone();
        assert!(
            sent.iter().any(|m| m.body.contains("We are on it")),
            "{sent:?}"
        );
        for m in &sent {
            assert!(
                !m.body.contains(&marker) && !m.subject.contains(&marker),
                "{m:?}"
            );
            assert!(!m.body.contains("reseller"), "{m:?}");
        }
        // Searching is for agents: a customer (no session) is refused and sees nothing.
        let (status, body) = call_form(&s, Search::PATH, None, &[("q", &marker)]).await;
        assert_eq!(status, 401, "{body}");
        assert!(!body.contains("reseller"));
        // A token is no agent session either.
        let (status, _) = call_form(
            &s,
            Search::PATH,
            Some(&format!("{}={ta}", lossless_app::ssr::SESSION_COOKIE)),
            &[("q", &marker)],
        )
        .await;
        assert_eq!(status, 401);
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn managers_screens_refuse_agents_on_both_databases() {
    use lossless_app::api::board::ManagerBoard;
    use lossless_app::api::channels::ListChannels;
    use lossless_app::api::rules::ListRules;
    use lossless_app::api::sla::{ListCalendars, ListPolicies};
    use lossless_app::api::team::TeamScreen;
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let (_, agent) = role_cookie(&s, "agent@team.test", Role::Agent).await;
        let (_, manager) = role_cookie(&s, "manager@team.test", Role::Manager).await;
        let (_, admin) = role_cookie(&s, "root@team.test", Role::Admin).await;
        for path in [
            ListRules::PATH,
            ListPolicies::PATH,
            ListCalendars::PATH,
            ListChannels::PATH,
            TeamScreen::PATH,
            ManagerBoard::PATH,
        ] {
            assert_eq!(call(&s, path, None, NO_ARGS).await.0, 401, "{path}");
            let (status, body) = call(&s, path, Some(&agent), NO_ARGS).await;
            assert_eq!(status, 403, "{path}: {body}");
            assert_eq!(body["code"], "forbidden", "{path}: {body}");
            for cookie in [&manager, &admin] {
                let (status, body) = call(&s, path, Some(cookie), NO_ARGS).await;
                assert_eq!(status, 200, "{path}: {body}");
            }
        }
        for page in [
            "/manage",
            "/manage/team",
            "/manage/rules",
            "/manage/sla",
            "/manage/channels",
        ] {
            assert_eq!(get_page(&s, page, Some(&agent)).await.0, 403, "{page}");
            assert_eq!(get_page(&s, page, Some(&manager)).await.0, 200, "{page}");
        }
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_leaves_hidden_groups_out_of_listings_on_both_databases() {
    use lossless::ids::{MessageId, NumberPrefix};
    use lossless::ports::{QueueQuery, QueueView, StoreError};
    use lossless::search::{TicketSearch, parse_query};
    support::on_both_databases(|url| async move {
        let s = node(&url, &[("email_poll", "0"), ("worker", "0")]).await;
        let (p, store) = (&s.ports, &s.store);
        let g1 = store.create_group("Restricted").await.unwrap();
        let g2 = store.create_group("Open").await.unwrap();
        let tag = support::unique_tag("store");
        let first = ingest(
            &s,
            1,
            mail_with_attachment(&tag, "Walrus one", "shared bytes"),
        )
        .await;
        let second = submit(
            &s,
            &json!({"name": "Eve", "email": "eve@example.org",
                    "message": "Walrus two", "priority": "normal"}),
        )
        .await;
        let third = submit(
            &s,
            &json!({"name": "Fay", "email": "fay@example.org",
                    "message": "Walrus three", "priority": "normal"}),
        )
        .await;
        for (t, g) in [(&first, g1.id), (&second, g2.id)] {
            let t = store.ticket(t.id).await.unwrap().unwrap();
            let change = TicketChange {
                group: Some(Some(g)),
                ..TicketChange::default()
            };
            services::change_ticket(p, &Actor::System, t.id, t.version, &change)
                .await
                .unwrap();
        }

        // The flag.
        assert!(store.restricted_groups().await.unwrap().is_empty());
        store.set_group_restricted(g1.id, true).await.unwrap();
        assert_eq!(store.restricted_groups().await.unwrap(), [g1.id]);
        assert_eq!(
            store
                .set_group_restricted(GroupId(g1.id.0 + 999), true)
                .await,
            Err(StoreError::NotFound)
        );

        // The queue: every view, with and without hidden groups.
        let ids = |rows: Vec<lossless::ports::QueueRow>| {
            rows.into_iter().map(|r| r.ticket.id).collect::<Vec<_>>()
        };
        let q = |view| QueueQuery {
            view,
            statuses: Vec::new(),
            priorities: Vec::new(),
            limit: 50,
        };
        let all = ids(store.queue(&q(QueueView::All)).await.unwrap());
        assert_eq!(all.len(), 3);
        assert_eq!(
            ids(store
                .queue_except(&q(QueueView::All), Vec::new())
                .await
                .unwrap()),
            all
        );
        let except = ids(store
            .queue_except(&q(QueueView::All), vec![g1.id])
            .await
            .unwrap());
        assert_eq!(
            except,
            all.iter()
                .copied()
                .filter(|t| *t != first.id)
                .collect::<Vec<_>>()
        );
        for view in [QueueView::Group(g1.id), QueueView::Unassigned] {
            let rows = ids(store.queue_except(&q(view), vec![g1.id]).await.unwrap());
            assert!(!rows.contains(&first.id), "{view:?}");
        }
        let rows = ids(store
            .queue_except(&q(QueueView::Group(g2.id)), vec![g1.id])
            .await
            .unwrap());
        assert_eq!(rows, [second.id]);
        let mut closed = q(QueueView::All);
        closed.statuses = vec![lossless::ticket::Status::New];
        let rows = ids(store
            .queue_except(&closed, vec![g1.id, g2.id])
            .await
            .unwrap());
        assert_eq!(rows, [third.id]);

        // Search: by words and by filters only.
        let text = parse_query("walrus", &NumberPrefix::default())
            .unwrap()
            .text;
        let find = |hidden: Vec<GroupId>, text| async move {
            let mut found: Vec<_> = store
                .search_tickets(TicketSearch {
                    text,
                    include_internal: true,
                    limit: 50,
                    hidden_groups: hidden,
                    ..TicketSearch::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|h| h.ticket.id)
                .collect();
            found.sort();
            found
        };
        let mut everything = vec![first.id, second.id, third.id];
        everything.sort();
        assert_eq!(find(Vec::new(), text.clone()).await, everything);
        let mut visible = vec![second.id, third.id];
        visible.sort();
        assert_eq!(find(vec![g1.id], text.clone()).await, visible);
        assert_eq!(find(vec![g1.id], Default::default()).await, visible);
        assert_eq!(find(vec![g1.id, g2.id], text).await, [third.id]);

        // A message's ticket; an attachment held only by a hidden group's ticket.
        let m = store.messages(first.id, true).await.unwrap()[0].clone();
        assert_eq!(store.message_ticket(m.id).await.unwrap(), Some(first.id));
        assert_eq!(
            store.message_ticket(MessageId(m.id.0 + 999)).await.unwrap(),
            None
        );
        let sha = m.attachments[0].sha256.clone();
        assert!(
            store
                .attachment_seen_outside(&sha, Vec::new())
                .await
                .unwrap()
        );
        assert!(
            store
                .attachment_seen_outside(&sha, vec![g2.id])
                .await
                .unwrap()
        );
        assert!(
            !store
                .attachment_seen_outside(&sha, vec![g1.id])
                .await
                .unwrap()
        );
        // The same file in an ungrouped ticket: an outsider may fetch it from there.
        let tag2 = support::unique_tag("store");
        ingest(
            &s,
            2,
            mail_with_attachment(&tag2, "Walrus four", "shared bytes"),
        )
        .await;
        assert!(
            store
                .attachment_seen_outside(&sha, vec![g1.id])
                .await
                .unwrap()
        );
        s.stop().await;
    })
    .await;
}
