//! How inbound mail content is stored and shown (issue 3, points 3, 4 and 6), through the
//! real Postfix + Dovecot and a real node: attachments and inline images stored
//! content-addressed once, an attachment over `attachment_max_bytes` described but not
//! stored, the agent download routes (headers, 404s), the sanitized HTML view, and the agent
//! ticket page showing the trimmed text, why each mail was threaded, and delivery states.
//!
//! The support mailbox is shared with other tests: this run tags its mails, asserts only
//! about them and deletes them at the end.

use crate::email_intake::{delete_found, ensure_mail_servers, imap_account, send_mail, tagged};
use crate::http::{agent_cookie, node};
use crate::support;
use lossless::actor::{Actor, Role};
use lossless::email::{DeliveryState, EmailSettings};
use lossless::ids::TicketId;
use lossless::message::{AttachmentMeta, Direction, Message};
use lossless::ports::Store;
use lossless_server::email::imap::{ImapAccount, fetch_once};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The size limit this test configures (bytes).
const LIMIT: i64 = 5_000;

fn account() -> ImapAccount {
    let settings = EmailSettings {
        attachment_max_bytes: LIMIT,
        ..support::email_settings(
            b"display-test-secret-0123456789",
            &["support@lossless.test"],
        )
    };
    imap_account("support", "support@lossless.test", "support-pw", settings)
}

/// Base64 (RFC 4648) in 76-character lines.
fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The run's files: a CSV report, a PNG-ish logo, an HTML page and a file over the limit.
struct Files {
    report: Vec<u8>,
    logo: Vec<u8>,
    page: Vec<u8>,
    big: Vec<u8>,
}

impl Files {
    fn new(tag: &str) -> Self {
        let mut logo = b"\x89PNG\r\n\x1a\n".to_vec();
        logo.extend(tag.bytes().cycle().take(300));
        Files {
            report: format!("id;state\n1;broken {tag}\n").into_bytes(),
            logo,
            page: format!("<html><script>alert('{tag}')</script></html>").into_bytes(),
            big: (0..6_000u32).map(|i| (i * 7 % 251) as u8).collect(),
        }
    }
}

fn first_mail(tag: &str, from: &str, f: &Files) -> String {
    format!(
        "From: Test <{from}>\nTo: support@lossless.test\nSubject: {tag} printer\n\
         Message-ID: <a-{tag}@customer.test>\nX-Lossless-Test: {tag}\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"mixed\"\n\n\
         --mixed\nContent-Type: multipart/related; boundary=\"rel\"\n\n\
         --rel\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n\
         --alt\nContent-Type: text/plain; charset=utf-8\n\n\
         The printer is broken again.\n\n\
         On Mon, 4 Mar 2024 at 10:00, Support <support@lossless.test> wrote:\n\
         > Did the update help?\n\n\
         --alt\nContent-Type: text/html; charset=utf-8\n\n\
         <p onclick=\"steal()\">The printer is <b>broken</b> again.<script>alert(1)</script></p>\
         <img src=\"https://tracker.example/pixel.gif?{tag}\">\
         <img src=\"cid:logo-{tag}@customer.test\" onerror=\"alert(2)\">\
         <a href=\"javascript:alert(3)\">x</a>\n\
         --alt--\n\n\
         --rel\nContent-Type: image/png\nContent-ID: <logo-{tag}@customer.test>\n\
         Content-Disposition: inline; filename=\"logo.png\"\nContent-Transfer-Encoding: base64\n\n\
         {logo}\n--rel--\n\n\
         --mixed\nContent-Type: text/csv; name=\"report.csv\"\n\
         Content-Disposition: attachment; filename=\"report.csv\"\nContent-Transfer-Encoding: base64\n\n\
         {report}\n\
         --mixed\nContent-Type: text/html; name=\"page.html\"\n\
         Content-Disposition: attachment; filename=\"page.html\"\nContent-Transfer-Encoding: base64\n\n\
         {page}\n\
         --mixed\nContent-Type: application/octet-stream; name=\"big.bin\"\n\
         Content-Disposition: attachment; filename=\"big.bin\"\nContent-Transfer-Encoding: base64\n\n\
         {big}\n--mixed--\n",
        logo = b64(&f.logo),
        report = b64(&f.report),
        page = b64(&f.page),
        big = b64(&f.big),
    )
}

/// A reply carrying the same report and logo again.
fn second_mail(tag: &str, from: &str, f: &Files) -> String {
    format!(
        "From: Test <{from}>\nTo: support@lossless.test\nSubject: Re: {tag} printer\n\
         Message-ID: <b-{tag}@customer.test>\nIn-Reply-To: <a-{tag}@customer.test>\n\
         X-Lossless-Test: {tag}\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"mixed\"\n\n\
         --mixed\nContent-Type: text/plain; charset=utf-8\n\n\
         Here it is once more.\n\nSent from my iPhone\n\n\
         --mixed\nContent-Type: text/csv; name=\"report.csv\"\n\
         Content-Disposition: attachment; filename=\"report.csv\"\nContent-Transfer-Encoding: base64\n\n\
         {report}\n\
         --mixed\nContent-Type: image/png; name=\"logo.png\"\n\
         Content-Disposition: attachment; filename=\"logo.png\"\nContent-Transfer-Encoding: base64\n\n\
         {logo}\n--mixed--\n",
        logo = b64(&f.logo),
        report = b64(&f.report),
    )
}

/// How many blob rows the database holds for `sha256`.
async fn blob_rows(url: &str, sha256: &str) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM attachment_blobs WHERE sha256 = $1";
    support::with_pool!(url, |pool| sqlx::query_scalar(SQL)
        .bind(sha256)
        .fetch_one(&pool)
        .await
        .unwrap())
}

fn att<'a>(m: &'a Message, name: &str) -> &'a AttachmentMeta {
    m.attachments
        .iter()
        .find(|a| a.filename == name)
        .unwrap_or_else(|| panic!("{name} missing in {:?}", m.attachments))
}

async fn get(addr: std::net::SocketAddr, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .header("accept-language", "en");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    r.send().await.unwrap()
}

/// [`get`], asserting a 200 answer.
async fn get_ok(addr: std::net::SocketAddr, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let r = get(addr, path, cookie).await;
    assert_eq!(r.status(), 200, "{path}");
    r
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_content_is_stored_once_served_safely_and_shown_with_its_reasons() {
    ensure_mail_servers().await;
    support::on_both_databases(|url| async move { scenario(&url).await }).await;
}

async fn scenario(url: &str) {
    let s = node(
        url,
        &[
            ("worker", "0"),
            ("attachment_max_bytes", &LIMIT.to_string()),
        ],
    )
    .await;
    let tag = support::unique_tag("LLD");
    let from = format!("{}@customer.test", tag.to_lowercase());
    let files = Files::new(&tag);

    // Two mails: the first with an inline image, a report, an HTML page and a file over
    // the limit; the reply carries the report and the logo again.
    send_mail(
        &from,
        "support@lossless.test",
        &first_mail(&tag, &from, &files),
    )
    .await;
    let mut ticket: Option<TicketId> = None;
    for _ in 0..100 {
        fetch_once(&s.ports, &account()).await.unwrap();
        if let Some(t) = tagged(&s.store, &tag).await.first() {
            ticket = Some(t.id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ticket = ticket.expect("the first mail arrived");
    send_mail(
        &from,
        "support@lossless.test",
        &second_mail(&tag, &from, &files),
    )
    .await;
    let mut messages = Vec::new();
    for _ in 0..100 {
        fetch_once(&s.ports, &account()).await.unwrap();
        messages = s.store.messages(ticket, true).await.unwrap();
        if messages.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tagged(&s.store, &tag).await.len(), 1, "the reply threads");
    let inbound: Vec<&Message> = messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .collect();
    assert_eq!(inbound.len(), 2, "{messages:?}");
    let (a, b) = (inbound[0], inbound[1]);

    // Attachments: stored content-addressed, the same file once; over the limit: described.
    let (report, logo, page, big) = (
        sha(&files.report),
        sha(&files.logo),
        sha(&files.page),
        sha(&files.big),
    );
    assert_eq!(a.attachments.len(), 4, "{:?}", a.attachments);
    let logo_a = att(a, "logo.png");
    assert!(logo_a.inline && logo_a.stored && logo_a.sha256 == logo);
    let report_a = att(a, "report.csv");
    assert!(report_a.stored && !report_a.inline && report_a.sha256 == report);
    assert_eq!(report_a.size, files.report.len() as i64);
    assert!(att(a, "page.html").stored && att(a, "page.html").sha256 == page);
    let big_a = att(a, "big.bin");
    assert_eq!(
        (big_a.stored, big_a.size, big_a.sha256.as_str()),
        (false, 6_000, big.as_str())
    );
    assert_eq!(att(b, "report.csv").sha256, report);
    assert!(att(b, "report.csv").stored && att(b, "logo.png").stored);
    assert_eq!(att(b, "logo.png").sha256, logo);
    for (sha, rows) in [(&report, 1), (&logo, 1), (&page, 1), (&big, 0)] {
        assert_eq!(blob_rows(url, sha).await, rows, "blob rows of {sha}");
    }
    assert_eq!(
        s.store.attachment_blob(&report).await.unwrap(),
        Some(files.report.clone())
    );

    // The HTML view is stored sanitized, its cid image resolved from the mail itself.
    let facts = s.store.mail_facts(ticket).await.unwrap();
    let html = facts
        .iter()
        .find(|f| f.message == a.id)
        .and_then(|f| f.html.clone())
        .expect("the first mail's HTML view");
    assert!(html.contains("<b>broken</b>"), "{html}");
    for bad in [
        "script",
        "onclick",
        "onerror",
        "tracker.example",
        "javascript",
        "cid:",
    ] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    // The small inline logo is embedded (the sandboxed frame sends no session cookie).
    assert!(
        html.contains("src=\"data:image/png;base64,iVBORw0KGg"),
        "{html}"
    );
    assert!(facts.iter().all(|f| f.message != b.id || f.html.is_none()));

    // Downloads: an agent gets the bytes with safe headers; everyone else a bare 404.
    let (agent, cookie) = agent_cookie(&s, "display-agent@example.com").await;
    let cookie = Some(cookie.as_str());
    let r = get_ok(
        s.addr,
        &format!("/agent/attachments/{report}/report.csv"),
        cookie,
    )
    .await;
    assert_eq!(header(&r, "content-type"), "text/csv");
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"
    );
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), files.report);
    let r = get_ok(
        s.addr,
        &format!("/agent/attachments/{page}/page.html"),
        cookie,
    )
    .await;
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert!(header(&r, "content-security-policy").contains("sandbox"));
    for (path, c) in [
        (format!("/agent/attachments/{report}/report.csv"), None),
        (
            format!("/agent/attachments/{}/x.txt", "0".repeat(64)),
            cookie,
        ),
        (format!("/agent/attachments/{big}/big.bin"), cookie),
        ("/agent/attachments/not-a-hash/x.txt".to_owned(), cookie),
        (format!("/agent/messages/{}/original.eml", a.id.0), None),
    ] {
        let r = get(s.addr, &path, c).await;
        assert_eq!(r.status(), 404, "{path} with cookie {}", c.is_some());
    }
    let r = get_ok(
        s.addr,
        &format!("/agent/messages/{}/original.eml", a.id.0),
        cookie,
    )
    .await;
    assert_eq!(header(&r, "content-type"), "message/rfc822");
    let raw = r.text().await.unwrap();
    assert!(raw.contains(&format!("X-Lossless-Test: {tag}")) && raw.contains("big.bin"));

    // Two replies: one whose delivery failed, one still waiting.
    let actor = Actor::Agent {
        id: agent,
        role: Role::Agent,
    };
    let t = s.store.ticket(ticket).await.unwrap().unwrap();
    let t = lossless::services::reply(&s.ports, &actor, ticket, t.version, "We are on it.")
        .await
        .unwrap();
    lossless::services::reply(
        &s.ports,
        &actor,
        ticket,
        t.version,
        "A technician comes today.",
    )
    .await
    .unwrap();
    let deliveries = s.store.deliveries(ticket).await.unwrap();
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    s.store
        .mark_delivery(
            deliveries[0].message_id,
            DeliveryState::Failed,
            Some("550 5.1.1 mailbox unavailable"),
            None,
        )
        .await
        .unwrap();
    let r = get(
        s.addr,
        &format!(
            "/agent/messages/{}/original.eml",
            deliveries[0].message_id.0
        ),
        cookie,
    )
    .await;
    assert_eq!(
        r.status(),
        404,
        "an outbound message has no fetched original"
    );

    // The agent page: trimmed text, HTML in a sandboxed frame, attachments, reasons, states.
    let number = s.store.ticket(ticket).await.unwrap().unwrap().number;
    let r = get_ok(s.addr, &format!("/agent/t/{number}"), cookie).await;
    let page_html = r.text().await.unwrap();
    for want in [
        "received by mailbox support",
        "new ticket: nothing referred to an existing ticket",
        "threaded by Message-ID in In-Reply-To",
        "Show quoted text",
        "too large — kept in the original mail",
        "sandbox=\"allow-popups allow-popups-to-escape-sandbox\"",
        "not delivered: 550 5.1.1 mailbox unavailable",
        "waiting to be sent",
        &format!("/agent/messages/{}/original.eml", a.id.0),
        &format!("/agent/attachments/{report}/report.csv"),
    ] {
        assert!(page_html.contains(want), "the ticket page lacks {want:?}");
    }
    assert!(!page_html.contains("allow-scripts") && !page_html.contains("allow-same-origin"));

    // Cleanup: this run's mails leave the shared mailbox.
    let search = format!("HEADER X-Lossless-Test {tag}");
    assert_eq!(
        delete_found("support@lossless.test", "support-pw", &search).await,
        2
    );
    s.stop().await;
}
