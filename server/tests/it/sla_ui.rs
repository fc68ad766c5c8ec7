//! The managers' SLA screens over HTTP (issue 5, the UI half): who may call the policy and
//! calendar server functions (managers and admins; agents get 403), forms refused with
//! their fields named (422: policy fields, `week.<n>`, an import's `file`), a calendar and a
//! policy created and read back, and `/manage/sla` and `/manage/calendars` rendering on the
//! server for a manager.
//!
//! Server functions are called the way the browser calls them: `POST` to their
//! `ServerFn::PATH`, same-origin; the editors' functions take JSON, the others a form.

use crate::http::{agent_cookie, node, role_cookie};
use crate::support;
use crate::support::{NO_ARGS, call_form, call_json, field_codes, get_page};
use leptos::server_fn::ServerFn;
use lossless::actor::Role;
use lossless_app::api::rules::CondRow;
use lossless_app::api::sla::{
    CalendarForm, CalendarRow, DeletePolicy, ImportHolidays, ListCalendars, ListPolicies,
    PolicyForm, ReorderPolicies, SaveCalendar, SavePolicy, SetGroupCalendar, SetPolicyEnabled,
};
use serde_json::json;

fn has(codes: &[(String, String)], field: &str, code: &str) -> bool {
    codes.contains(&(field.to_owned(), code.to_owned()))
}

/// "VIP: first response 30 min, resolution 8 h, on the given calendar".
fn vip_policy(calendar: i64) -> PolicyForm {
    PolicyForm {
        name: "VIP <fast>".into(),
        conditions: vec![CondRow::new(1, "vip")],
        first_response: "30".into(),
        resolution: "480".into(),
        calendar: calendar.to_string(),
        raise_priority: true,
        ..PolicyForm::default()
    }
}

#[tokio::test]
async fn only_managers_edit_sla_and_bad_forms_name_their_fields() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("email_poll", "0")]).await;
    let (_, agent) = agent_cookie(&s, "agent@example.com").await;
    let (_, manager) = role_cookie(&s, "manager@example.com", Role::Manager).await;

    // An agent: 403 for both pages, every write and the lists; no links.
    for page in ["/manage/sla", "/manage/calendars"] {
        let (status, _, html) = get_page(&s, page, Some(&agent)).await;
        assert_eq!(status, 403, "{page}");
        assert!(html.contains(r#"data-testid="forbidden""#), "{html}");
    }
    let (_, _, html) = get_page(&s, "/agent", Some(&agent)).await;
    assert!(!html.contains("nav-sla") && !html.contains("nav-calendars"));
    for (path, body) in [
        (
            SavePolicy::PATH,
            json!({ "id": null, "form": vip_policy(1) }),
        ),
        (ReorderPolicies::PATH, json!({ "order": [] })),
        (
            SaveCalendar::PATH,
            json!({ "id": null, "form": CalendarForm { name: "x".into(), ..CalendarForm::default() } }),
        ),
        (
            ImportHolidays::PATH,
            json!({ "id": 1, "format": "ical", "text": "" }),
        ),
        (
            SetGroupCalendar::PATH,
            json!({ "group": 1, "calendar": null }),
        ),
    ] {
        let (status, answer) = call_json(&s, path, Some(&agent), body).await;
        assert_eq!(status, 403, "{path}: {answer}");
        assert_eq!(answer, r#"{"code":"forbidden"}"#, "{path}");
    }
    for (path, args) in [
        (DeletePolicy::PATH, &[("id", "1")][..]),
        (
            SetPolicyEnabled::PATH,
            &[("id", "1"), ("enabled", "false")][..],
        ),
        (ListPolicies::PATH, NO_ARGS),
        (ListCalendars::PATH, NO_ARGS),
    ] {
        let (status, answer) = call_form(&s, path, Some(&agent), args).await;
        assert_eq!(status, 403, "{path}: {answer}");
    }

    // A manager: the links, and both pages render on the server.
    let (_, _, html) = get_page(&s, "/agent", Some(&manager)).await;
    assert!(html.contains(r#"href="/manage/sla""#), "{html}");
    assert!(html.contains(r#"href="/manage/calendars""#), "{html}");
    let (status, _, html) = get_page(&s, "/manage/sla", Some(&manager)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-testid="policy-new""#), "{html}");
    let (status, _, html) = get_page(&s, "/manage/calendars", Some(&manager)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-testid="calendar-new""#), "{html}");
    assert!(html.contains(r#"data-testid="group-calendars""#), "{html}");

    let (status, body) = call_form(&s, ListPolicies::PATH, Some(&manager), NO_ARGS).await;
    assert_eq!(status, 200, "{body}");
    let before: Vec<lossless::sla::Policy> = serde_json::from_str(&body).unwrap();

    // A bad policy: every field named, nothing stored.
    let bad = PolicyForm {
        name: " ".into(),
        first_response: "soon".into(),
        warn_at: "75, lots".into(),
        conditions: vec![CondRow::new(1, "keywords")],
        ..PolicyForm::default()
    };
    let (status, body) = call_json(
        &s,
        SavePolicy::PATH,
        Some(&manager),
        json!({ "id": null, "form": bad }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let codes = field_codes(&body);
    for (field, code) in [
        ("name", "required"),
        ("targets.first_response", "invalid"),
        ("warn_at", "invalid"),
        ("cond.0", "required"),
    ] {
        assert!(has(&codes, field, code), "{field}: {body}");
    }
    // Parsed fine, refused by the core: out of range.
    let zero = PolicyForm {
        name: "Zero".into(),
        resolution: "0".into(),
        ..PolicyForm::default()
    };
    let (status, body) = call_json(
        &s,
        SavePolicy::PATH,
        Some(&manager),
        json!({ "id": null, "form": zero }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        has(&field_codes(&body), "targets.resolution", "invalid"),
        "{body}"
    );
    let (_, body) = call_form(&s, ListPolicies::PATH, Some(&manager), NO_ARGS).await;
    let now: Vec<lossless::sla::Policy> = serde_json::from_str(&body).unwrap();
    assert_eq!(now, before, "nothing stored");

    // A bad weekday span: `week.<n>`.
    let mut cal = CalendarForm {
        name: "Novosibirsk office".into(),
        tz: "Asia/Novosibirsk".into(),
        ..CalendarForm::default()
    };
    cal.week[2] = "9 to 6".into();
    let (status, body) = call_json(
        &s,
        SaveCalendar::PATH,
        Some(&manager),
        json!({ "id": null, "form": cal }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(has(&field_codes(&body), "week.2", "invalid"), "{body}");

    // A good calendar, read back as saved.
    cal.week[2] = "09:00-13:00, 14:00-18:00".into();
    let (status, body) = call_json(
        &s,
        SaveCalendar::PATH,
        Some(&manager),
        json!({ "id": null, "form": cal }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved: CalendarRow = serde_json::from_str(&body).unwrap();
    assert_eq!(saved.form.week, cal.week);
    assert_eq!(saved.form.tz, "Asia/Novosibirsk");
    let (_, body) = call_form(&s, ListCalendars::PATH, Some(&manager), NO_ARGS).await;
    let all: Vec<CalendarRow> = serde_json::from_str(&body).unwrap();
    let listed = all.iter().find(|c| c.id == saved.id).unwrap();
    assert_eq!(listed.form.name, "Novosibirsk office");
    assert_eq!(listed.form.week[2], "09:00-13:00, 14:00-18:00");

    // A broken import: 422 on `file`, the calendar unchanged.
    let (status, body) = call_json(
        &s,
        ImportHolidays::PATH,
        Some(&manager),
        json!({ "id": saved.id, "format": "production_calendar", "text": "<not a calendar" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let codes = field_codes(&body);
    assert!(codes.iter().any(|(f, _)| f == "file"), "{body}");
    let (_, body) = call_form(&s, ListCalendars::PATH, Some(&manager), NO_ARGS).await;
    let all: Vec<CalendarRow> = serde_json::from_str(&body).unwrap();
    assert_eq!(all.iter().find(|c| c.id == saved.id), Some(listed));

    // A policy on that calendar, read back into the same form.
    let form = vip_policy(saved.id.0);
    let (status, body) = call_json(
        &s,
        SavePolicy::PATH,
        Some(&manager),
        json!({ "id": null, "form": form }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let policy: lossless::sla::Policy = serde_json::from_str(&body).unwrap();
    let (_, body) = call_form(&s, ListPolicies::PATH, Some(&manager), NO_ARGS).await;
    let all: Vec<lossless::sla::Policy> = serde_json::from_str(&body).unwrap();
    let stored = all.iter().find(|p| p.id == policy.id).unwrap();
    let back = PolicyForm::from_draft(&stored.draft).unwrap();
    assert_eq!(back.to_draft().unwrap(), form.to_draft().unwrap());
    assert_eq!(stored.draft.calendar, Some(saved.id));
    let (_, _, html) = get_page(&s, "/manage/sla", Some(&manager)).await;
    assert!(html.contains("VIP &lt;fast&gt;"), "{html}");
}
