//! The managers' rules screen over HTTP (issue 4, the UI half): who may see `/manage/rules`
//! and call its server functions (managers and admins; agents get 403, strangers 401 or the
//! sign-in redirect), the page rendering on the server with a saved rule in its list, form
//! rows refused with their row named (422), and save → list → try → switch off → reorder →
//! delete through the real server functions.
//!
//! Server functions are called the way the browser calls them: `POST` to their
//! `ServerFn::PATH`, same-origin; the editor's functions take JSON, the others a form.

use crate::http::{agent_cookie, node, role_cookie};
use crate::support;
use crate::support::{NO_ARGS, call_form, call_json, field_codes, get_page, json_of};
use leptos::server_fn::ServerFn;
use lossless::actor::Role;
use lossless_app::api::rules::{
    ActionRow, CondRow, DeleteRule, ListRules, ReorderRules, RuleForm, SaveRule, SetRuleEnabled,
    TryRule,
};
use serde_json::json;

/// "VIP words": on creation, if the subject has "срочно" (any form), priority urgent.
fn urgent_form(name: &str) -> RuleForm {
    RuleForm {
        name: name.into(),
        conditions: vec![CondRow {
            value: "срочно".into(),
            ..CondRow::new(1, "keywords")
        }],
        actions: vec![ActionRow {
            value: "urgent".into(),
            ..ActionRow::new(2, "set_priority")
        }],
        ..RuleForm::default()
    }
}

#[tokio::test]
async fn only_managers_reach_the_rules_and_the_editor_round_trips() {
    let (db, _guard) = support::fresh_sqlite();
    let s = node(&db, &[("email_poll", "0")]).await;
    let (_, agent) = agent_cookie(&s, "agent@example.com").await;
    let (_, manager) = role_cookie(&s, "manager@example.com", Role::Manager).await;

    // Signed out: redirect and 401. An agent: 403 for the page and every function, no link.
    let (status, location, _) = get_page(&s, "/manage/rules", None).await;
    assert_eq!((status, location.as_str()), (302, "/agent/login"));
    let (status, body) = call_form(&s, ListRules::PATH, None, NO_ARGS).await;
    assert_eq!(status, 401, "{body}");
    let (status, html) = {
        let (st, _, html) = get_page(&s, "/manage/rules", Some(&agent)).await;
        (st, html)
    };
    assert_eq!(status, 403);
    assert!(html.contains(r#"data-testid="forbidden""#), "{html}");
    let (_, _, html) = get_page(&s, "/agent", Some(&agent)).await;
    assert!(!html.contains("nav-rules"));
    let form = urgent_form("Urgent words");
    for (path, body) in [
        (SaveRule::PATH, json!({ "id": null, "form": form })),
        (TryRule::PATH, json!({ "form": form })),
        (ReorderRules::PATH, json!({ "order": [] })),
    ] {
        let (status, answer) = call_json(&s, path, Some(&agent), body).await;
        assert_eq!(status, 403, "{path}: {answer}");
        assert_eq!(answer, r#"{"code":"forbidden"}"#, "{path}");
    }

    // A manager: the link, and the page renders on the server (the seeded rules, no editor
    // yet). Every seeded rule can be edited in the form.
    let (_, body) = call_form(&s, ListRules::PATH, Some(&manager), NO_ARGS).await;
    let seeded: Vec<lossless::rules::Rule> = serde_json::from_str(&body).unwrap();
    for r in &seeded {
        let form = RuleForm::from_draft(&r.draft).unwrap_or_else(|| panic!("{r:?}"));
        // Saved back unchanged (a lone test reads back as "all of" that one test).
        let back = form.to_draft().unwrap();
        assert_eq!(RuleForm::from_draft(&back), Some(form), "{r:?}");
        assert_eq!(
            (&back.name, &back.actions),
            (&r.draft.name, &r.draft.actions)
        );
    }
    let seeded_ids: Vec<i64> = seeded.iter().map(|r| r.id.0).collect();
    let (_, _, html) = get_page(&s, "/agent", Some(&manager)).await;
    assert!(html.contains(r#"href="/manage/rules""#), "{html}");
    let (status, _, html) = get_page(&s, "/manage/rules", Some(&manager)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-testid="rule-new""#), "{html}");
    assert!(!html.contains(r#"data-testid="rule-editor""#));

    // Bad rows are named by their index; a missing name and no actions come along.
    let mut bad = urgent_form(" ");
    bad.conditions.push(CondRow::new(3, "keywords"));
    bad.conditions.push(CondRow {
        extra: "soon".into(),
        ..CondRow::new(4, "older_than")
    });
    bad.actions.clear();
    let (status, body) = call_json(
        &s,
        SaveRule::PATH,
        Some(&manager),
        json!({ "id": null, "form": bad }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let codes = field_codes(&body);
    for (field, code) in [
        ("cond.1", "required"),
        ("cond.2", "invalid"),
        ("name", "required"),
        ("actions", "required"),
    ] {
        assert!(
            codes.contains(&(field.to_owned(), code.to_owned())),
            "{field}: {body}"
        );
    }
    let (_, body) = call_form(&s, ListRules::PATH, Some(&manager), NO_ARGS).await;
    let now: Vec<lossless::rules::Rule> = serde_json::from_str(&body).unwrap();
    assert_eq!(now, seeded, "nothing stored");

    // Save two rules; the list has them in order, the page shows them (escaped).
    let (status, body) = call_json(
        &s,
        SaveRule::PATH,
        Some(&manager),
        json!({ "id": null, "form": urgent_form("Urgent <words>") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first = json_of(&body)["id"].as_i64().unwrap();
    let (status, body) = call_json(
        &s,
        SaveRule::PATH,
        Some(&manager),
        json!({ "id": null, "form": urgent_form("Second") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second = json_of(&body)["id"].as_i64().unwrap();
    let (_, body) = call_form(&s, ListRules::PATH, Some(&manager), NO_ARGS).await;
    let names: Vec<String> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names[seeded.len()..], ["Urgent <words>", "Second"]);
    let (status, _, html) = get_page(&s, "/manage/rules", Some(&manager)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Urgent &lt;words&gt;"), "{html}");
    assert!(!html.contains("Urgent <words>"));

    // The stored rule reads back into the same form.
    let stored: lossless::rules::Rule =
        serde_json::from_value(json_of(&body)[seeded.len()].clone()).unwrap();
    let back = RuleForm::from_draft(&stored.draft).unwrap();
    assert_eq!(
        back.to_draft().unwrap(),
        urgent_form("Urgent <words>").to_draft().unwrap()
    );

    // Try it: an answer with the number of tickets looked at.
    let (status, body) = call_json(
        &s,
        TryRule::PATH,
        Some(&manager),
        json!({ "form": urgent_form("Try") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let tried = json_of(&body);
    assert!(tried["checked"].as_u64().is_some(), "{body}");
    assert!(tried["matches"].is_array(), "{body}");

    // Switch off, reorder, delete.
    let (status, body) = call_form(
        &s,
        SetRuleEnabled::PATH,
        Some(&manager),
        &[("id", first.to_string().as_str()), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_of(&body)["enabled"], false, "{body}");
    let new_order = [&[second, first][..], &seeded_ids[..]].concat();
    let (status, body) = call_json(
        &s,
        ReorderRules::PATH,
        Some(&manager),
        json!({ "order": new_order }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let order: Vec<i64> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, new_order);
    let (status, body) = call_form(
        &s,
        DeleteRule::PATH,
        Some(&manager),
        &[("id", &first.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = call_form(&s, ListRules::PATH, Some(&manager), NO_ARGS).await;
    let left: Vec<i64> = json_of(&body)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, [&[second][..], &seeded_ids[..]].concat());
}
