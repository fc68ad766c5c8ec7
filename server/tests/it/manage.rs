//! The managers' channel screen over HTTP (issue 3, points 1 and 2, the UI half): who may see
//! `/manage/channels` and call its server functions (managers and admins; agents get 403,
//! strangers 401 or the sign-in redirect), field errors for bad settings (422 naming the
//! fields), saving and editing a UI mailbox, refusing a configuration-file one, "test this
//! mailbox" against the real Dovecot, a dead letter listed (escaped on the page) and
//! replayed, and that no answer ever carries a password.
//!
//! Server functions are called the way the browser calls them: `POST` to their
//! `ServerFn::PATH`, form-encoded (`serde_qs`: a struct argument's fields as `form[field]`),
//! same-origin.

use crate::email_intake::ensure_mail_servers;
use crate::http::{agent_cookie, node, role_cookie};
use crate::support;
use crate::support::{NO_ARGS, call_form as call, get_page};
use leptos::server_fn::ServerFn;
use lossless::actor::Role;
use lossless::email::{EmailSettings, IngestEmail, IngestOutcome};
use lossless::ids::{NumberPrefix, PortalToken};
use lossless_app::api::channels::{ListChannels, ProbeMailbox, ReplayDeadLetter, SaveMailbox};
use lossless_app::dto::MailboxForm;
use lossless_server::Server;
use serde_json::Value;
use sha2::{Digest, Sha256};

const IMAP_SECRET: &str = "Imap-Secret-7f3a";
const SMTP_SECRET: &str = "Smtp-Secret-91c2";

/// `form[field]=value` pairs of a struct argument named `arg`.
fn fields(arg: &str, form: &MailboxForm) -> Vec<(String, String)> {
    let Value::Object(map) = serde_json::to_value(form).unwrap() else {
        unreachable!()
    };
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (format!("{arg}[{k}]"), v)
        })
        .collect()
}

/// A mailbox on the local Dovecot that is never fetched (so no test's mail is taken).
fn sales_form(name: &str) -> MailboxForm {
    MailboxForm {
        name: name.into(),
        address: "sales@lossless.test".into(),
        imap_host: "127.0.0.1".into(),
        imap_port: "1143".into(),
        imap_security: "plain".into(),
        imap_user: "sales@lossless.test".into(),
        imap_password: IMAP_SECRET.into(),
        smtp_enabled: true,
        smtp_host: "127.0.0.1".into(),
        smtp_port: "2525".into(),
        smtp_security: "plain".into(),
        smtp_user: "sales@lossless.test".into(),
        smtp_password: SMTP_SECRET.into(),
        poll_seconds: "60".into(),
        closed_policy: "reopen".into(),
        enabled: false,
    }
}

fn save_body(form: &MailboxForm, is_new: bool) -> Vec<(String, String)> {
    let mut b = fields("form", form);
    b.push(("is_new".into(), is_new.to_string()));
    b
}

/// Saves `form` as the holder of `cookie` (`is_new`: adding, not editing).
async fn save(s: &Server, cookie: &str, form: &MailboxForm, is_new: bool) -> (u16, String) {
    call(s, SaveMailbox::PATH, Some(cookie), &save_body(form, is_new)).await
}

/// "Test this mailbox" with `form`'s values, as the holder of `cookie`.
async fn probe(s: &Server, cookie: &str, form: &MailboxForm) -> (u16, String) {
    call(s, ProbeMailbox::PATH, Some(cookie), &fields("form", form)).await
}

/// Replays dead letter `receipt`, as the holder of `cookie`.
async fn replay(s: &Server, cookie: &str, receipt: &str) -> (u16, String) {
    let body = [("receipt".to_owned(), receipt.to_owned())];
    call(s, ReplayDeadLetter::PATH, Some(cookie), &body).await
}

/// The entry of `list` in a `ListChannels` answer whose `key` is `value`.
fn listed(body: &str, list: &str, key: &str, value: impl Into<Value>) -> Value {
    let value = value.into();
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m[key] == value)
        .cloned()
        .unwrap_or_else(|| panic!("no {list} entry with {key} = {value}: {body}"))
}

/// Whether a 422 answer names `field` with `code`.
fn has_code(body: &str, field: &str, code: &str) -> bool {
    field_codes(body).contains(&(field.to_owned(), code.to_owned()))
}

/// The `(field, code)` pairs of a 422 answer.
fn field_codes(body: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert_eq!(v["code"], "invalid", "{body}");
    v["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn only_managers_and_admins_reach_the_channel_screen() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("email_poll", "0")]).await;
    let (_, agent) = agent_cookie(&s, "agent@example.com").await;
    let (_, manager) = role_cookie(&s, "manager@example.com", Role::Manager).await;

    // Signed out: the page redirects to the sign-in form, the functions answer 401.
    let (status, location, _) = get_page(&s, "/manage/channels", None).await;
    assert_eq!((status, location.as_str()), (302, "/agent/login"));
    let (status, body) = call(&s, ListChannels::PATH, None, NO_ARGS).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unauthenticated"), "{body}");

    // An agent: 403 for the page and for every function, and no link in the navigation.
    let (status, _, html) = get_page(&s, "/manage/channels", Some(&agent)).await;
    assert_eq!(status, 403);
    assert!(html.contains(r#"data-testid="forbidden""#), "{html}");
    assert!(!html.contains(r#"data-testid="mailboxes""#));
    let (_, _, html) = get_page(&s, "/agent", Some(&agent)).await;
    assert!(!html.contains("nav-channels"));
    let calls: [(&str, Vec<(String, String)>); 4] = [
        (ListChannels::PATH, vec![]),
        (SaveMailbox::PATH, save_body(&sales_form("sales-x"), true)),
        (ProbeMailbox::PATH, fields("form", &sales_form("sales-x"))),
        (ReplayDeadLetter::PATH, vec![("receipt".into(), "1".into())]),
    ];
    for (path, body) in &calls {
        let (status, answer) = call(&s, path, Some(&agent), body).await;
        assert_eq!(status, 403, "{path}: {answer}");
        assert_eq!(answer, r#"{"code":"forbidden"}"#, "{path}");
    }

    // A manager sees the link; bad settings are refused with every bad field named, before
    // anything is stored or probed.
    let (_, _, html) = get_page(&s, "/agent", Some(&manager)).await;
    assert!(html.contains(r#"href="/manage/channels""#));
    let mut bad = sales_form("Sales Desk");
    bad.address = "not-an-address".into();
    bad.imap_host = "mail.example.com".into();
    bad.imap_port = "99999".into();
    bad.imap_user = String::new();
    bad.imap_password = String::new();
    bad.smtp_host = String::new();
    bad.poll_seconds = "soon".into();
    bad.closed_policy = "delete".into();
    let (status, body) = save(&s, &manager, &bad, true).await;
    assert_eq!(status, 422, "{body}");
    let codes = field_codes(&body);
    for (field, code) in [
        ("name", "invalid"),
        ("address", "invalid"),
        ("imap_host", "insecure"),
        ("imap_port", "invalid"),
        ("imap_user", "required"),
        ("imap_password", "required"),
        ("smtp_host", "required"),
        ("poll_seconds", "invalid"),
        ("closed_policy", "invalid"),
    ] {
        assert!(
            codes.contains(&(field.to_owned(), code.to_owned())),
            "{field}={code} missing in {codes:?}"
        );
    }
    // The same check guards the probe (an edit keeps the stored password, so that one
    // is not required there).
    let (status, body) = probe(&s, &manager, &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(has_code(&body, "imap_host", "insecure"));
    assert!(!body.contains("imap_password"));
    s.stop().await;
}

#[tokio::test]
async fn a_manager_adds_tests_and_edits_mailboxes_and_never_sees_a_password() {
    ensure_mail_servers().await;
    let (db, _guard) = support::fresh_sqlite();
    let s = node(
        &db,
        &[
            ("email_poll", "0"),
            ("mailboxes", "cfgbox"),
            ("mailbox.cfgbox.address", "support@lossless.test"),
            ("mailbox.cfgbox.imap_host", "127.0.0.1"),
            ("mailbox.cfgbox.imap_port", "1143"),
            ("mailbox.cfgbox.imap_security", "plain"),
            ("mailbox.cfgbox.imap_password", "Config-Secret-55d1"),
            ("mailbox.cfgbox.enabled", "0"),
        ],
    )
    .await;
    let (_, manager) = role_cookie(&s, "manager@example.com", Role::Manager).await;
    let mut answers = Vec::new();

    // Add a mailbox (not fetched: `enabled` is off), then list it.
    let form = sales_form("sales-ui");
    let (status, body) = save(&s, &manager, &form, true).await;
    assert_eq!(status, 200, "{body}");
    answers.push(body);
    let (status, body) = call(&s, ListChannels::PATH, Some(&manager), NO_ARGS).await;
    assert_eq!(status, 200, "{body}");
    let ui = listed(&body, "mailboxes", "name", "sales-ui");
    assert_eq!(ui["source"], "ui");
    assert_eq!(ui["address"], "sales@lossless.test");
    assert_eq!(ui["imap"]["port"], 1143);
    assert_eq!(ui["imap"]["security"], "plain");
    assert_eq!(ui["smtp"]["port"], 2525);
    assert_eq!(ui["closed_policy"], "reopen");
    assert_eq!(ui["enabled"], false);
    assert_eq!(
        listed(&body, "mailboxes", "name", "cfgbox")["source"],
        "config"
    );
    answers.push(body);

    // The same name again is taken; an edit with empty passwords keeps the stored ones.
    let (status, body) = save(&s, &manager, &form, true).await;
    assert_eq!(status, 422, "{body}");
    assert!(has_code(&body, "name", "taken"), "{body}");
    let mut edit = form.clone();
    edit.imap_password = String::new();
    edit.smtp_password = String::new();
    edit.poll_seconds = "120".into();
    let (status, body) = save(&s, &manager, &edit, false).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = call(&s, ListChannels::PATH, Some(&manager), NO_ARGS).await;
    let ui = listed(&body, "mailboxes", "name", "sales-ui");
    assert_eq!(ui["poll_seconds"], 120);
    answers.push(body);

    // A configuration-file mailbox is read-only here.
    let mut cfg = sales_form("cfgbox");
    cfg.address = "support@lossless.test".into();
    let (status, body) = save(&s, &manager, &cfg, false).await;
    assert_eq!(status, 422, "{body}");
    assert!(has_code(&body, "_", "read_only"), "{body}");

    // "Test this mailbox" with the form's values: the real Dovecot (IMAP only, so no probe
    // mail is sent), then a wrong password and a closed port, each with readable details.
    let mut sales_probe = sales_form("sales-probe");
    sales_probe.imap_password = "sales-pw".into();
    sales_probe.smtp_enabled = false;
    let (status, body) = probe(&s, &manager, &sales_probe).await;
    assert_eq!(status, 200, "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["ok"], true, "{body}");
    let kinds: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["imap_connect", "imap_login", "imap_folders"],
        "{body}"
    );
    assert!(
        r["steps"][2]["detail"].as_str().unwrap().contains("INBOX"),
        "{body}"
    );
    answers.push(body);
    sales_probe.imap_password = "wrong-pw".into();
    let (status, body) = probe(&s, &manager, &sales_probe).await;
    assert_eq!(status, 200, "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["ok"], false);
    let last = r["steps"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["ok"].as_bool()),
        (Some("imap_login"), Some(false))
    );
    assert!(!last["detail"].as_str().unwrap().is_empty());
    assert!(!body.contains("wrong-pw"), "{body}");
    sales_probe.imap_port = "1".into();
    let (_, body) = probe(&s, &manager, &sales_probe).await;
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["steps"][0]["kind"], "imap_connect", "{body}");
    assert_eq!(r["steps"][0]["ok"], false, "{body}");

    // A dead letter of the UI mailbox (an older parser failed on it): listed with what its
    // header says, shown escaped on the page, then replayed with today's parser.
    let now = s.ports.clock.now();
    let mailbox = s
        .ports
        .store
        .mailbox_overview(now)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == "sales-ui")
        .unwrap()
        .id;
    let raw = b"From: Ivan <ivan@customer.test>\r\nTo: sales@lossless.test\r\n\
        Subject: <b>Invoice</b> & more\r\nMessage-ID: <dl-ui-1@customer.test>\r\n\r\nHello.\r\n";
    let dead = s
        .ports
        .store
        .ingest_email(IngestEmail {
            mailbox,
            uidvalidity: 1,
            uid: 1,
            raw_sha256: hex::encode(Sha256::digest(raw)),
            raw: raw.to_vec(),
            parsed: Err("simulated parser bug".into()),
            settings: EmailSettings::default(),
            prefix: NumberPrefix::default(),
            token: PortalToken::from_random(&[7; 16]).unwrap(),
            now,
            replay_of: None,
            content: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(dead.outcome, IngestOutcome::DeadLetter);
    let receipt = s.ports.store.dead_letters(1).await.unwrap()[0].receipt;
    let (_, body) = call(&s, ListChannels::PATH, Some(&manager), NO_ARGS).await;
    let row = listed(&body, "dead_letters", "receipt", receipt);
    assert_eq!(row["mailbox"], "sales-ui");
    assert_eq!(row["subject"], "<b>Invoice</b> & more");
    assert_eq!(row["error"], "simulated parser bug");
    assert_eq!(row["replay_outcome"], Value::Null);
    let (_, _, html) = get_page(&s, "/manage/channels", Some(&manager)).await;
    assert!(
        html.contains(&format!(r#"data-receipt="{receipt}""#)),
        "{html}"
    );
    assert!(
        html.contains("&lt;b&gt;Invoice&lt;/b&gt; &amp; more"),
        "{html}"
    );
    assert!(!html.contains("<b>Invoice"));
    let (status, body) = replay(&s, &manager, &receipt.to_string()).await;
    assert_eq!((status, body.as_str()), (200, r#""created""#));
    let (_, body) = call(&s, ListChannels::PATH, Some(&manager), NO_ARGS).await;
    let row = listed(&body, "dead_letters", "receipt", receipt);
    assert_eq!(row["replay_outcome"], "created", "{body}");
    answers.push(body);

    // An unknown dead letter is not found.
    let (status, body) = replay(&s, &manager, "987654").await;
    assert_eq!(status, 404, "{body}");

    // The page: the mailboxes section with both mailboxes, the config one marked read-only.
    let (status, _, html) = get_page(&s, "/manage/channels", Some(&manager)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="mailboxes""#), "{html}");
    assert!(html.contains(r#"data-name="sales-ui""#) && html.contains(r#"data-name="cfgbox""#));
    assert!(html.contains("comes from the configuration file"));
    assert!(html.contains(r#"data-testid="dead-letters""#));
    answers.push(html);

    for a in &answers {
        for secret in [IMAP_SECRET, SMTP_SECRET, "Config-Secret-55d1", "sales-pw"] {
            assert!(!a.contains(secret), "a password leaked: {a}");
        }
    }
    s.stop().await;
}
