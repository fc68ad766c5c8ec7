//! The customer portal (issue 7, point 5) on both databases.
//!
//! The store and service story on a fixed clock: a sign-in link is mailed (an `account_mail`
//! job keyed `portal:<hash>`) only to a contact's address, the same answer for an unknown one,
//! at most three an hour per address; it opens once, never after 30 minutes; the session lists
//! exactly the contact's tickets across channels (web form, API, email), newest first; another
//! contact's ticket is `NotFound`; a reply with a file stores the file, reopens a resolved
//! ticket and is visible to the agent; a closed ticket refuses; files over the limit are
//! refused before anything is stored; the lookup by number and email; sign-out and session
//! expiry.
//!
//! Over a real node with the real Postfix/Dovecot: the link arrives in the customer's
//! mailbox, its page asks to confirm, the confirmation sets the portal cookie (HttpOnly,
//! SameSite=Lax) once; the list and ticket pages; the multipart reply with a file (303), its
//! download by the customer and by the agent, 404 for a stranger, 413 over the limit; the
//! lookup (redirect to the token page, one neutral 404) and its per-IP rate limit.

use crate::http::{node, role_cookie, submit};
use crate::support::{self, NO_ARGS, SqlStore, call_form, on_both_databases};
use chrono::{DateTime, Duration, TimeZone, Utc};
use leptos::server_fn::ServerFn as _;
use lossless::actor::{Actor, Role};
use lossless::error::DomainError;
use lossless::ids::{Lang, NumberPrefix, TicketNumber};
use lossless::intake::RawRequest;
use lossless::job::JobKind;
use lossless::message::{Direction, Visibility};
use lossless::ports::Store as _;
use lossless::services::portal::{self, Access, Upload};
use lossless::services::{self, Ports, TicketChange};
use lossless::ticket::{Channel, Status, Ticket};
use lossless_app::api::portal::{
    MyPortalTickets, PortalLookup, PortalSignIn, PortalSignOut, RequestPortalLink,
};
use serde_json::json;

const BASE: &str = "http://desk.test";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

async fn request(p: &Ports, channel: Channel, name: &str, email: &str, subject: &str) -> Ticket {
    let raw = RawRequest {
        name: name.into(),
        email: email.into(),
        subject: subject.into(),
        message: format!("Text: {subject}"),
        ..RawRequest::default()
    };
    let valid = raw.validate(channel, Lang::En).unwrap();
    services::submit_request(p, valid, None, lossless_server::http::new_portal_token())
        .await
        .unwrap()
        .ticket
}

fn mail(from: &str, subject: &str, id: &str) -> Vec<u8> {
    format!(
        "From: Customer <{from}>\r\nTo: support@lossless.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello, {subject}\r\n"
    )
    .into_bytes()
}

/// The portal sign-in mails queued: (to, key, body), oldest first.
async fn link_mails(store: &SqlStore) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = store
        .jobs(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|j| match j.kind {
            JobKind::AccountMail { to, body, .. } if j.key.starts_with("portal:") => {
                Some((to.to_string(), j.key, body))
            }
            _ => None,
        })
        .collect();
    out.reverse();
    out
}

fn codes(e: DomainError) -> Vec<(String, String)> {
    match e {
        DomainError::Invalid(f) => f.0.into_iter().map(|x| (x.field, x.code)).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

fn upload(name: &str, bytes: &[u8]) -> Upload {
    Upload {
        filename: name.into(),
        content_type: "text/plain".into(),
        bytes: bytes.to_vec(),
    }
}

#[tokio::test]
async fn sign_in_links_sessions_and_the_contacts_tickets() {
    on_both_databases(|url| async move { story(&url).await }).await;
}

async fn story(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let (p, clock) = support::fixed_ports(&store, t0(), NumberPrefix::default());
    let agent_id = support::new_agent(&store, "ann", Role::Agent, Lang::En).await;
    let agent = Actor::Agent {
        id: agent_id,
        role: Role::Agent,
    };

    // One customer on three channels; another customer.
    let web = request(&p, Channel::WebForm, "Mary", "mary@example.com", "Refund").await;
    clock.advance(Duration::minutes(1));
    let api = request(&p, Channel::Api, "Mary", "mary@Example.com", "Invoice").await;
    clock.advance(Duration::minutes(1));
    let settings = support::email_settings(b"portal-secret", &["support@lossless.test"]);
    let mbox = support::mailbox(&store, "support", "support@lossless.test").await;
    let got = support::ingest_raw(
        &p,
        &settings,
        mbox.id,
        1,
        mail("mary@example.com", "Delivery", "d-1@example.com"),
    )
    .await;
    let mailed = store.ticket(got.ticket.unwrap()).await.unwrap().unwrap();
    assert_eq!(mailed.channel, Channel::Email);
    let mary = web.contact_id;
    assert_eq!((api.contact_id, mailed.contact_id), (mary, mary));
    let other = request(&p, Channel::WebForm, "Olga", "olga@example.com", "Other").await;
    assert_ne!(other.contact_id, mary);

    // Unknown and malformed addresses: no mail; only the malformed one is refused (422).
    portal::request_link(&p, "nobody@example.com", Lang::En, "tok-0", BASE)
        .await
        .unwrap();
    assert!(link_mails(&store).await.is_empty());
    let e = portal::request_link(&p, "not-an-address", Lang::En, "tok-x", BASE)
        .await
        .unwrap_err();
    assert_eq!(codes(e), [("email".into(), "invalid".into())]);

    // A known address (any case) gets its link, keyed by the token's hash.
    portal::request_link(&p, "MARY@example.com", Lang::En, "tok-1", BASE)
        .await
        .unwrap();
    let mails = link_mails(&store).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "MARY@example.com");
    assert_eq!(
        mails[0].1,
        format!("portal:{}", lossless::account::token_hash("tok-1"))
    );
    assert!(
        mails[0].2.contains("http://desk.test/portal/login/tok-1") && mails[0].2.contains("Mary"),
        "{}",
        mails[0].2
    );
    // At most three an hour per address; the fourth is answered the same and sends nothing.
    for t in ["tok-2", "tok-3", "tok-4"] {
        portal::request_link(&p, "mary@example.com", Lang::Ru, t, BASE)
            .await
            .unwrap();
    }
    assert_eq!(link_mails(&store).await.len(), 3);
    assert_eq!(
        portal::check_link(&p, "tok-4").await,
        Err(DomainError::NotFound)
    );

    // A link is checked without being used, opens once, and never again.
    portal::check_link(&p, "tok-1").await.unwrap();
    let s = portal::sign_in(&p, "tok-1", "session-1").await.unwrap();
    assert_eq!(s.contact(), mary);
    assert_eq!(
        portal::sign_in(&p, "tok-1", "session-x").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        portal::check_link(&p, "tok-1").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        portal::sign_in(&p, "unknown", "session-y").await,
        Err(DomainError::NotFound)
    );
    assert_eq!(portal::session(&p, "session-x").await, Ok(None));
    // After 30 minutes an unused link is dead.
    clock.advance(Duration::minutes(31));
    assert_eq!(
        portal::sign_in(&p, "tok-2", "session-z").await,
        Err(DomainError::NotFound)
    );
    // An hour after the first three, the address gets a link again.
    clock.advance(Duration::minutes(30));
    portal::request_link(&p, "mary@example.com", Lang::En, "tok-5", BASE)
        .await
        .unwrap();
    assert_eq!(link_mails(&store).await.len(), 4);

    // The session: exactly Mary's tickets across channels, last activity first.
    let s = portal::session(&p, "session-1").await.unwrap().unwrap();
    let listed: Vec<(String, Channel)> = portal::my_tickets(&p, &s)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.number.to_string(), t.channel))
        .collect();
    assert_eq!(
        listed,
        [
            (mailed.number.to_string(), Channel::Email),
            (api.number.to_string(), Channel::Api),
            (web.number.to_string(), Channel::WebForm),
        ]
    );
    let theirs = Access::Session(&s, &other.number);
    assert_eq!(
        portal::view(&p, &theirs).await.err(),
        Some(DomainError::NotFound)
    );
    let missing = TicketNumber::new(&NumberPrefix::default(), 999);
    assert_eq!(
        portal::view(&p, &Access::Session(&s, &missing)).await.err(),
        Some(DomainError::NotFound)
    );

    // An internal note never reaches the customer.
    let t = store.ticket(web.id).await.unwrap().unwrap();
    services::add_note(&p, &agent, web.id, t.version, "INTERNAL secret")
        .await
        .unwrap();
    let mine = Access::Session(&s, &web.number);
    let v = portal::view(&p, &mine).await.unwrap();
    assert!(
        v.messages
            .iter()
            .all(|m| m.visibility == Visibility::Public)
    );
    assert!(v.messages.iter().all(|m| !m.body.contains("INTERNAL")));

    // The team resolves; the customer's reply with a file reopens it.
    let t = store.ticket(web.id).await.unwrap().unwrap();
    let resolve = TicketChange {
        status: Some(Status::Resolved),
        ..TicketChange::default()
    };
    services::change_ticket(&p, &agent, web.id, t.version, &resolve)
        .await
        .unwrap();
    let after = portal::reply(
        &p,
        &mine,
        "Still broken, see the log",
        vec![upload("C:\\logs\\error.log", b"line 1\nline 2\n")],
        1000,
    )
    .await
    .unwrap();
    assert_eq!(after.status, Status::Open);
    let sha = lossless::account::token_hash("line 1\nline 2\n");
    let v = portal::view(&p, &mine).await.unwrap();
    let last = v.messages.last().unwrap();
    assert_eq!(last.direction, Direction::Inbound);
    assert_eq!(last.attachments.len(), 1);
    assert_eq!(
        (
            last.attachments[0].filename.as_str(),
            last.attachments[0].size,
            last.attachments[0].stored,
            last.attachments[0].sha256.as_str()
        ),
        ("error.log", 14, true, sha.as_str())
    );
    let (meta, bytes) = portal::attachment(&p, &mine, &sha).await.unwrap();
    assert_eq!(
        (meta.filename.as_str(), bytes.as_slice()),
        ("error.log", &b"line 1\nline 2\n"[..])
    );
    // The agent sees it, and may download it.
    let seen = services::agent_ticket(&p, &agent, &web.number)
        .await
        .unwrap();
    assert!(
        seen.messages
            .iter()
            .any(|m| m.attachments.iter().any(|a| a.sha256 == sha))
    );
    assert_eq!(
        services::attachment_bytes(&p, &agent, &sha).await.unwrap(),
        b"line 1\nline 2\n"
    );
    // Another ticket (even Mary's own), another contact, or a made-up hash: NotFound.
    assert_eq!(
        portal::attachment(&p, &Access::Session(&s, &api.number), &sha)
            .await
            .err(),
        Some(DomainError::NotFound)
    );
    assert_eq!(
        portal::attachment(&p, &Access::Token(&other.portal_token), &sha)
            .await
            .err(),
        Some(DomainError::NotFound)
    );
    assert_eq!(
        portal::attachment(&p, &mine, &"0".repeat(64)).await.err(),
        Some(DomainError::NotFound)
    );
    // The token page reaches the same file.
    assert!(
        portal::attachment(&p, &Access::Token(&web.portal_token), &sha)
            .await
            .is_ok()
    );

    // Refusals store nothing: no text, too many files, over the limit, another's ticket.
    let count = |v: &services::PortalView| v.messages.len();
    let before = count(&portal::view(&p, &mine).await.unwrap());
    let e = portal::reply(&p, &mine, "  ", vec![], 1000)
        .await
        .unwrap_err();
    assert_eq!(codes(e), [("body".into(), "required".into())]);
    let many = (0..11).map(|i| upload(&format!("{i}.txt"), b"x")).collect();
    let e = portal::reply(&p, &mine, "many", many, 1000)
        .await
        .unwrap_err();
    assert_eq!(codes(e), [("files".into(), "too_many".into())]);
    let big = vec![upload("a.bin", &[1; 600]), upload("b.bin", &[2; 600])];
    let e = portal::reply(&p, &mine, "big", big, 1000)
        .await
        .unwrap_err();
    assert_eq!(codes(e), [("files".into(), "too_large".into())]);
    assert_eq!(
        store
            .attachment_blob(&lossless::account::token_hash(&"\u{1}".repeat(600)))
            .await
            .unwrap(),
        None,
        "nothing over the limit is stored"
    );
    assert_eq!(
        portal::reply(&p, &theirs, "hi", vec![], 1000).await.err(),
        Some(DomainError::NotFound)
    );
    assert_eq!(count(&portal::view(&p, &mine).await.unwrap()), before);

    // A closed ticket refuses the reply.
    for status in [Status::Resolved, Status::Closed] {
        let t = store.ticket(web.id).await.unwrap().unwrap();
        let change = TicketChange {
            status: Some(status),
            ..TicketChange::default()
        };
        services::change_ticket(&p, &agent, web.id, t.version, &change)
            .await
            .unwrap();
    }
    assert_eq!(
        portal::reply(&p, &mine, "again", vec![upload("c.txt", b"closed")], 1000)
            .await
            .err(),
        Some(DomainError::TransitionNotAllowed)
    );
    assert_eq!(
        store
            .attachment_blob(&lossless::account::token_hash("closed"))
            .await
            .unwrap(),
        None
    );

    // The lookup: number and the contact's email (any case, `#seq` too); one neutral answer.
    let token = portal::lookup(&p, &api.number.to_string(), "mary@EXAMPLE.com")
        .await
        .unwrap();
    assert_eq!(token, api.portal_token);
    let seq = format!("#{}", api.number.seq());
    assert_eq!(
        portal::lookup(&p, &seq, "mary@example.com").await.unwrap(),
        api.portal_token
    );
    for (n, e) in [
        (api.number.to_string(), "olga@example.com".to_owned()),
        (api.number.to_string(), "garbage".to_owned()),
        ("LL-999".to_owned(), "mary@example.com".to_owned()),
        ("nonsense".to_owned(), "mary@example.com".to_owned()),
    ] {
        assert_eq!(
            portal::lookup(&p, &n, &e).await,
            Err(DomainError::NotFound),
            "{n} {e}"
        );
    }
    let e = portal::lookup(&p, "", " ").await.unwrap_err();
    assert_eq!(
        codes(e),
        [
            ("number".into(), "required".into()),
            ("email".into(), "required".into())
        ]
    );

    // Sign-out ends the session; an unused session ends after 30 days.
    let s2 = portal::sign_in(&p, "tok-5", "session-2").await.unwrap();
    assert_eq!(s2.contact(), mary);
    // Two uses of one link at once: exactly one session.
    portal::request_link(&p, "mary@example.com", Lang::En, "tok-6", BASE)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        portal::sign_in(&p, "tok-6", "race-a"),
        portal::sign_in(&p, "tok-6", "race-b")
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count(),
        1,
        "{a:?} {b:?}"
    );
    let live = [
        portal::session(&p, "race-a").await.unwrap(),
        portal::session(&p, "race-b").await.unwrap(),
    ];
    assert_eq!(live.iter().flatten().count(), 1);
    portal::sign_out(&p, "session-1").await.unwrap();
    assert_eq!(portal::session(&p, "session-1").await, Ok(None));
    portal::sign_out(&p, "never-existed").await.unwrap();
    assert!(portal::session(&p, "session-2").await.unwrap().is_some());
    clock.advance(Duration::days(30));
    assert_eq!(portal::session(&p, "session-2").await, Ok(None));
    store.close().await;
}

// ---- over HTTP ------------------------------------------------------------------------------

/// POSTs a form to `path` (same origin, English); returns status, `Location`, `Set-Cookie`
/// values and body.
async fn post(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: &[(&str, &str)],
) -> (u16, String, Vec<String>, String) {
    let mut r = support::http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .header("accept-language", "en")
        .form(body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (r.status().as_u16(), location, set, r.text().await.unwrap())
}

/// A `multipart/form-data` reply: `body` and files `(name, bytes)`; returns status,
/// `Location` and body.
async fn reply(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
    body: &str,
    files: &[(&str, &[u8])],
) -> (u16, String, String) {
    let b = "xLosslessPortalBoundary42";
    let mut out =
        format!("--{b}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{body}\r\n")
            .into_bytes();
    for (name, bytes) in files {
        out.extend(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\
                 Content-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend(format!("--{b}--\r\n").as_bytes());
    let mut r = support::http_client()
        .post(format!("http://{}{path}", s.addr))
        .header("sec-fetch-site", "same-origin")
        .header("accept-language", "en")
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(out);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// GETs `path`; returns status and bytes.
async fn get_bytes(
    s: &lossless_server::Server,
    path: &str,
    cookie: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut r = support::http_client().get(format!("http://{}{path}", s.addr));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn portal_cookie(set: &[String]) -> Option<String> {
    let name = lossless_app::api::portal::session::PORTAL_COOKIE;
    set.iter()
        .find(|c| c.starts_with(&format!("{name}=")) && !c.starts_with(&format!("{name}=;")))
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailed_link_signs_the_customer_in_over_http() {
    crate::email_intake::ensure_mail_servers().await;
    on_both_databases(|url| async move {
        let s = node(
            &url,
            &[
                ("worker", "0"),
                ("email_poll", "0"),
                ("attachment_max_bytes", "4096"),
                ("sign_in_per_minute", "6"),
            ],
        )
        .await;
        let tag = support::unique_tag("Ptl");
        // The test mailbox's owner writes through the web form (named with the tag) and the
        // API; someone else through the API.
        let (st, location, _, _) = post(
            &s,
            "/request",
            None,
            &[
                ("name", tag.as_str()),
                ("email", "customer@customer.test"),
                ("subject", "Broken kettle"),
                ("message", "It smokes"),
                ("form_key", "portalform1"),
            ],
        )
        .await;
        assert_eq!(st, 303, "{location}");
        let web_token = location
            .trim_start_matches("/portal/t/")
            .trim_end_matches("?new=1")
            .to_owned();
        let web = s
            .ports
            .store
            .ticket_by_token(&lossless::ids::PortalToken::parse(&web_token).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(web.channel, Channel::WebForm);
        let api = submit(
            &s,
            &json!({"name": tag, "email": "customer@customer.test", "message": "And the toaster"}),
        )
        .await;
        assert_eq!(
            (api.channel, api.contact_id),
            (Channel::Api, web.contact_id)
        );
        let theirs = submit(
            &s,
            &json!({"name": "Other", "email": "other@customer.test", "message": "Mine"}),
        )
        .await;

        // Known and unknown addresses get the same answer.
        let known = post(
            &s,
            RequestPortalLink::PATH,
            None,
            &[("email", "customer@customer.test")],
        )
        .await;
        let unknown = post(
            &s,
            RequestPortalLink::PATH,
            None,
            &[("email", "nobody@customer.test")],
        )
        .await;
        assert_eq!((known.0, &known.3), (unknown.0, &unknown.3));
        assert_eq!(known.0, 200, "{}", known.3);

        // The worker mails it through the real Postfix; it lands in the real mailbox.
        let email = crate::email_outbound::email_out(2525);
        for _ in 0..20 {
            if lossless_server::worker::round(&s.ports, Some(&email), "portal-mail").await == 0 {
                break;
            }
        }
        let mails = crate::email_outbound::wait_for_mails(&tag, 1).await;
        crate::email_outbound::customer_mails(&tag, true).await;
        let raw = mails
            .iter()
            .map(|m| {
                String::from_utf8_lossy(m)
                    .replace("=\r\n", "")
                    .replace("=3D", "=")
            })
            .find(|m| m.contains("/portal/login/"))
            .unwrap_or_else(|| panic!("no sign-in mail among {} tagged", mails.len()));
        let base = format!("http://{}/portal/login/", s.addr);
        let at = raw
            .find(&base)
            .unwrap_or_else(|| panic!("no link in {raw}"));
        let token: String = raw[at + base.len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        assert_eq!(token.len(), 64, "{raw}");

        // The link's page asks to confirm (opening it uses nothing); a wrong one is 404.
        for _ in 0..2 {
            let (st, _, body) =
                support::get_page(&s, &format!("/portal/login/{token}"), None).await;
            assert_eq!(st, 200);
            assert!(body.contains("portal-link-page"), "{body}");
        }
        let (st, _, body) =
            support::get_page(&s, &format!("/portal/login/{}", "ab".repeat(32)), None).await;
        assert_eq!(st, 404);
        assert!(body.contains("portal-link-invalid"));

        // Confirming signs in: an HttpOnly, SameSite=Lax cookie of its own; only once.
        let (st, location, set, body) =
            post(&s, PortalSignIn::PATH, None, &[("token", &token)]).await;
        assert!(st < 400, "{st} {body}");
        assert_eq!(location, "/portal/tickets");
        let cookie = portal_cookie(&set).expect("portal cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(
            set.iter()
                .all(|c| !c.starts_with(lossless_app::ssr::SESSION_COOKIE))
        );
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let (st, _, set, _) = post(&s, PortalSignIn::PATH, None, &[("token", &token)]).await;
        assert_eq!(st, 404);
        assert!(portal_cookie(&set).is_none());
        let (st, _, body) = support::get_page(&s, &format!("/portal/login/{token}"), None).await;
        assert_eq!(st, 404);
        assert!(body.contains("portal-link-invalid"));

        // The list: exactly this contact's tickets, across channels.
        let (st, body) = call_form(&s, MyPortalTickets::PATH, Some(&cookie), NO_ARGS).await;
        assert_eq!(st, 200, "{body}");
        let rows = support::json_of(&body);
        let listed: Vec<(String, String)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["number"].as_str().unwrap().to_owned(),
                    r["channel"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                (api.number.to_string(), "api".to_owned()),
                (web.number.to_string(), "web_form".to_owned())
            ]
        );
        let (st, _) = call_form(&s, MyPortalTickets::PATH, None, NO_ARGS).await;
        assert_eq!(st, 401);
        let (_, agent) = role_cookie(&s, "ann@team.test", Role::Agent).await;
        let (st, _) = call_form(&s, MyPortalTickets::PATH, Some(&agent), NO_ARGS).await;
        assert_eq!(st, 401, "an agent session is no portal session");
        let (st, _, page) = support::get_page(&s, "/portal/tickets", Some(&cookie)).await;
        assert_eq!(st, 200);
        assert!(page.contains(&api.number.to_string()) && page.contains(&web.number.to_string()));
        assert!(!page.contains(&theirs.number.to_string()));
        let (st, _, page) = support::get_page(&s, "/portal/tickets", None).await;
        assert_eq!(st, 401);
        assert!(page.contains("portal-sign-in-first"));

        // A ticket page; another contact's ticket is the neutral 404.
        let mine = format!("/portal/tickets/{}", web.number);
        let (st, _, page) = support::get_page(&s, &mine, Some(&cookie)).await;
        assert_eq!(st, 200);
        assert!(page.contains("Broken kettle") && page.contains("It smokes"));
        let (st, _, page) = support::get_page(
            &s,
            &format!("/portal/tickets/{}", theirs.number),
            Some(&cookie),
        )
        .await;
        assert_eq!(st, 404);
        assert!(page.contains("portal-not-found"));

        // A reply with a file: stored, listed, downloadable by the customer and the agent.
        let (st, location, body) = reply(
            &s,
            &format!("{mine}/reply"),
            Some(&cookie),
            "Here is the photo",
            &[("kettle.txt", b"steam everywhere")],
        )
        .await;
        assert_eq!((st, location.as_str()), (303, mine.as_str()), "{body}");
        let sha = lossless::account::token_hash("steam everywhere");
        let (st, _, page) = support::get_page(&s, &mine, Some(&cookie)).await;
        assert_eq!(st, 200);
        assert!(page.contains("Here is the photo") && page.contains("kettle.txt"));
        assert!(page.contains(&format!("{mine}/files/{sha}")));
        let (st, bytes) = get_bytes(&s, &format!("{mine}/files/{sha}"), Some(&cookie)).await;
        assert_eq!((st, bytes.as_slice()), (200, &b"steam everywhere"[..]));
        let (st, _) = get_bytes(&s, &format!("{mine}/files/{sha}"), None).await;
        assert_eq!(st, 404);
        let (st, _) = get_bytes(&s, &format!("{mine}/files/{sha}"), Some(&agent)).await;
        assert_eq!(st, 404, "the agents' session opens no portal route");
        let (st, _) = get_bytes(
            &s,
            &format!("/portal/tickets/{}/files/{sha}", api.number),
            Some(&cookie),
        )
        .await;
        assert_eq!(st, 404, "a file belongs to its ticket");
        let (st, bytes) = get_bytes(&s, &format!("/portal/t/{web_token}/files/{sha}"), None).await;
        assert_eq!((st, bytes.as_slice()), (200, &b"steam everywhere"[..]));
        let (st, bytes) = get_bytes(
            &s,
            &format!("/agent/attachments/{sha}/kettle.txt"),
            Some(&agent),
        )
        .await;
        assert_eq!((st, bytes.as_slice()), (200, &b"steam everywhere"[..]));
        let msgs = s.ports.store.messages(web.id, true).await.unwrap();
        let last = msgs.last().unwrap();
        assert_eq!(last.body, "Here is the photo");
        assert_eq!(last.attachments[0].filename, "kettle.txt");
        // Replies to someone else's ticket, without a session, over the limit, without text.
        let theirs_path = format!("/portal/tickets/{}/reply", theirs.number);
        let (st, _, page) = reply(&s, &theirs_path, Some(&cookie), "hi", &[]).await;
        assert_eq!(st, 404);
        assert!(page.contains("portal-error"));
        let (st, _, _) = reply(&s, &format!("{mine}/reply"), None, "hi", &[]).await;
        assert_eq!(st, 404);
        let (st, _, page) = reply(
            &s,
            &format!("{mine}/reply"),
            Some(&cookie),
            "big",
            &[("big.bin", &[7; 5000])],
        )
        .await;
        assert_eq!(st, 413, "{page}");
        let huge = vec![7u8; 2 << 20];
        let (st, _, _) = reply(
            &s,
            &format!("{mine}/reply"),
            Some(&cookie),
            "huge",
            &[("huge.bin", &huge)],
        )
        .await;
        assert_eq!(st, 413);
        let (st, _, _) = reply(&s, &format!("{mine}/reply"), Some(&cookie), " ", &[]).await;
        assert_eq!(st, 422);
        let (st, location, _) = reply(
            &s,
            &format!("/portal/t/{web_token}/reply"),
            None,
            "By token",
            &[("t.txt", b"tok")],
        )
        .await;
        assert_eq!((st, location), (303, format!("/portal/t/{web_token}")));
        assert_eq!(
            s.ports.store.messages(web.id, true).await.unwrap().len(),
            msgs.len() + 1
        );

        // The lookup by number and email opens the token page; anything else is one 404.
        let (st, location, _, body) = post(
            &s,
            PortalLookup::PATH,
            None,
            &[
                ("number", &api.number.to_string()),
                ("email", "Customer@customer.test"),
            ],
        )
        .await;
        assert!(st < 400, "{st} {body}");
        assert_eq!(location, format!("/portal/t/{}", api.portal_token.as_str()));
        let wrong = post(
            &s,
            PortalLookup::PATH,
            None,
            &[
                ("number", &api.number.to_string()),
                ("email", "other@customer.test"),
            ],
        )
        .await;
        let missing = post(
            &s,
            PortalLookup::PATH,
            None,
            &[("number", "LL-99999"), ("email", "customer@customer.test")],
        )
        .await;
        assert_eq!(wrong.0, 404);
        assert_eq!((wrong.0, &wrong.3), (missing.0, &missing.3));
        // Rate-limited per IP with the sign-in attempts: the budget runs out.
        let mut limited = None;
        for i in 0..20 {
            let (st, _, _, body) = post(
                &s,
                PortalLookup::PATH,
                None,
                &[("number", "LL-1"), ("email", "x@customer.test")],
            )
            .await;
            if st == 429 {
                limited = Some((i, body));
                break;
            }
            assert_eq!(st, 404);
        }
        let (i, body) = limited.expect("the lookup is rate-limited");
        assert!(i <= 6, "limited after {i} more lookups");
        assert!(body.contains("rate_limited"), "{body}");

        // Sign-out ends the session and clears the cookie.
        let (st, location, set, _) = post(&s, PortalSignOut::PATH, Some(&cookie), NO_ARGS).await;
        assert!(st < 400);
        assert_eq!(location, "/portal");
        assert!(
            set.iter()
                .any(|c| c.starts_with("lossless_portal=;") && c.contains("Max-Age=0"))
        );
        let (st, _) = call_form(&s, MyPortalTickets::PATH, Some(&cookie), NO_ARGS).await;
        assert_eq!(st, 401);
        s.stop().await;
    })
    .await;
}
