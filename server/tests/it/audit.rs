//! The audit log of configuration changes (issue 6 follow-up, `lossless::audit`) on both
//! databases: creating, changing, switching and deleting automation rules, SLA policies and
//! business calendars through the services writes one entry each — who, what (kind, id,
//! name), a compact before/after and the keys that changed — in the transaction of the
//! change, and a refused or failed change writes none; a mailbox saved through the channel
//! administration of a real node is audited without any password; shared canned responses
//! are audited, an agent's personal ones are not; the audit page's server function names
//! the target.

use crate::support::{self, NO_ARGS, SqlStore, call_form, on_both_databases};
use chrono::{DateTime, TimeZone, Utc};
use leptos::server_fn::ServerFn as _;
use lossless::account::{AuditAction, AuditEntry, AuditQuery, NewAuditEntry};
use lossless::actor::{Actor, Role};
use lossless::canned::{CannedDraft, MacroActions};
use lossless::email::admin::{ChannelAdmin as _, Endpoint, MailboxSettings, TransportSecurity};
use lossless::email::thread::ClosedTicketPolicy;
use lossless::error::DomainError;
use lossless::ids::{EmailAddress, Lang, RuleId, SlaCalendarId, SlaPolicyId};
use lossless::ports::{Store as _, StoreError};
use lossless::rules::condition::Condition;
use lossless::rules::{Action, Activator, RuleDraft};
use lossless::services::{self, Ports};
use lossless::sla::policy::{OnBreach, Targets};
use lossless::sla::{Calendar, PolicyDraft};
use lossless::ticket::Priority;
use lossless_app::api::accounts::AuditScreen;
use serde_json::json;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .unwrap()
}

async fn entries(store: &SqlStore) -> Vec<AuditEntry> {
    let mut all = store
        .audit_log(AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    all.reverse();
    all
}

fn rule(name: &str) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        activator: Activator::Created,
        condition: Condition::All(vec![]),
        actions: vec![Action::SetPriority {
            priority: Priority::High,
        }],
    }
}

fn policy(name: &str) -> PolicyDraft {
    PolicyDraft {
        name: name.into(),
        enabled: true,
        condition: Condition::All(vec![]),
        targets: Targets {
            first_response: Some(60),
            next_response: None,
            resolution: Some(480),
        },
        calendar: None,
        warn_at: vec![75, 90],
        on_breach: OnBreach::default(),
    }
}

/// The last entry, checked for action, actor, kind, id and name.
fn check(e: &AuditEntry, action: AuditAction, who: &Actor, kind: &str, id: i64, name: &str) {
    let e = &e.entry;
    assert_eq!(e.action, action, "{e:?}");
    assert_eq!(e.actor, who.agent_id(), "{e:?}");
    assert_eq!(e.target_kind, kind, "{e:?}");
    assert_eq!(e.target_id, id.to_string(), "{e:?}");
    assert_eq!(e.details["name"], json!(name), "{e:?}");
}

#[tokio::test]
async fn rules_sla_policies_and_calendars_are_audited_with_their_change() {
    on_both_databases(|url| async move { config_scenario(&url).await }).await;
}

async fn config_scenario(url: &str) {
    let store = SqlStore::connect(url).await.unwrap();
    let (p, _clock) = support::fixed_ports(&store, t0(), Default::default());
    let id = support::new_agent(&store, "boss", Role::Manager, Lang::En).await;
    let boss = Actor::Agent {
        id,
        role: Role::Manager,
    };
    let agent_id = support::new_agent(&store, "worker", Role::Agent, Lang::En).await;
    let worker = Actor::Agent {
        id: agent_id,
        role: Role::Agent,
    };
    rules_part(&p, &store, &boss, &worker).await;
    sla_part(&p, &store, &boss).await;
    canned_part(&p, &store, &boss, &worker).await;
    store_transactions(&store).await;
}

async fn rules_part(p: &Ports, store: &SqlStore, boss: &Actor, worker: &Actor) {
    use services::rules;
    let r = rules::save_rule(p, boss, None, rule("Refunds"))
        .await
        .unwrap();
    let all = entries(store).await;
    assert_eq!(all.len(), 1);
    check(
        &all[0],
        AuditAction::RuleCreated,
        boss,
        "rule",
        r.id.0,
        "Refunds",
    );
    assert_eq!(all[0].entry.details["before"], serde_json::Value::Null);
    assert_eq!(all[0].entry.details["after"]["enabled"], json!(true));
    assert_eq!(all[0].entry.at, t0());

    let mut renamed = rule("Refunds (EU)");
    renamed.actions.push(Action::AddTags {
        tags: vec!["eu".into()],
    });
    rules::save_rule(p, boss, Some(r.id), renamed)
        .await
        .unwrap();
    let all = entries(store).await;
    check(
        &all[1],
        AuditAction::RuleUpdated,
        boss,
        "rule",
        r.id.0,
        "Refunds (EU)",
    );
    assert_eq!(all[1].entry.details["changed"], json!(["actions", "name"]));
    assert_eq!(all[1].entry.details["before"]["name"], json!("Refunds"));

    rules::set_rule_enabled(p, boss, r.id, false).await.unwrap();
    // Switching it off again changes nothing and writes nothing.
    rules::set_rule_enabled(p, boss, r.id, false).await.unwrap();
    let all = entries(store).await;
    assert_eq!(all.len(), 3);
    check(
        &all[2],
        AuditAction::RuleUpdated,
        boss,
        "rule",
        r.id.0,
        "Refunds (EU)",
    );
    assert_eq!(all[2].entry.details["changed"], json!(["enabled"]));

    // Refused changes write nothing: a bad draft, a missing rule, an agent without rights.
    let mut bad = rule("");
    bad.actions.clear();
    assert!(matches!(
        rules::save_rule(p, boss, None, bad).await,
        Err(DomainError::Invalid(_))
    ));
    assert_eq!(
        rules::save_rule(p, boss, Some(RuleId(i64::MAX)), rule("x")).await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        rules::delete_rule(p, boss, RuleId(i64::MAX)).await,
        Err(DomainError::NotFound)
    );
    assert_eq!(
        rules::delete_rule(p, worker, r.id).await,
        Err(DomainError::Forbidden)
    );
    assert_eq!(entries(store).await.len(), 3);

    rules::delete_rule(p, boss, r.id).await.unwrap();
    let all = entries(store).await;
    check(
        &all[3],
        AuditAction::RuleDeleted,
        boss,
        "rule",
        r.id.0,
        "Refunds (EU)",
    );
    assert_eq!(all[3].entry.details["after"], serde_json::Value::Null);
    assert_eq!(all[3].entry.details["before"]["enabled"], json!(false));
}

async fn sla_part(p: &Ports, store: &SqlStore, boss: &Actor) {
    use services::sla;
    let base = entries(store).await.len();
    let c = sla::save_calendar(p, boss, None, "Office", Calendar::default(), false)
        .await
        .unwrap();
    let all = entries(store).await;
    check(
        &all[base],
        AuditAction::SlaCalendarCreated,
        boss,
        "sla_calendar",
        c.id.0,
        "Office",
    );
    // The first calendar becomes the default whatever was asked: the summary says so.
    assert_eq!(all[base].entry.details["after"]["default"], json!(true));
    assert_eq!(
        all[base].entry.details["after"]["week"][0],
        json!("09:00-18:00")
    );
    let c2 = sla::save_calendar(p, boss, None, "Nights", Calendar::default(), false)
        .await
        .unwrap();
    let always = Calendar {
        always_open: true,
        ..Calendar::default()
    };
    sla::save_calendar(p, boss, Some(c2.id), "Nights", always, false)
        .await
        .unwrap();
    let all = entries(store).await;
    check(
        &all[base + 2],
        AuditAction::SlaCalendarUpdated,
        boss,
        "sla_calendar",
        c2.id.0,
        "Nights",
    );
    assert_eq!(
        all[base + 2].entry.details["changed"],
        json!(["always_open"])
    );

    // Holidays imported from an iCal feed are a calendar change too.
    let ical = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261231\r\n\
                SUMMARY:New Year's Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let (_, n) = sla::import_holidays(p, boss, c2.id, sla::ImportFormat::Ical, ical)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let all = entries(store).await;
    check(
        &all[base + 3],
        AuditAction::SlaCalendarUpdated,
        boss,
        "sla_calendar",
        c2.id.0,
        "Nights",
    );
    assert_eq!(all[base + 3].entry.details["after"]["overrides"], json!(1));

    // Deleting the default is refused (409) and writes nothing; the other one goes.
    assert_eq!(
        sla::delete_calendar(p, boss, c.id).await,
        Err(DomainError::Conflict)
    );
    assert_eq!(entries(store).await.len(), base + 4);
    sla::delete_calendar(p, boss, c2.id).await.unwrap();
    let all = entries(store).await;
    check(
        &all[base + 4],
        AuditAction::SlaCalendarDeleted,
        boss,
        "sla_calendar",
        c2.id.0,
        "Nights",
    );

    let pol = sla::save_policy(p, boss, None, policy("Gold"))
        .await
        .unwrap();
    let mut faster = policy("Gold");
    faster.targets.first_response = Some(30);
    sla::save_policy(p, boss, Some(pol.id), faster)
        .await
        .unwrap();
    sla::set_policy_enabled(p, boss, pol.id, false)
        .await
        .unwrap();
    assert_eq!(
        sla::delete_policy(p, boss, SlaPolicyId(i64::MAX)).await,
        Err(DomainError::NotFound)
    );
    sla::delete_policy(p, boss, pol.id).await.unwrap();
    let all = entries(store).await;
    assert_eq!(all.len(), base + 9);
    check(
        &all[base + 5],
        AuditAction::SlaPolicyCreated,
        boss,
        "sla_policy",
        pol.id.0,
        "Gold",
    );
    check(
        &all[base + 6],
        AuditAction::SlaPolicyUpdated,
        boss,
        "sla_policy",
        pol.id.0,
        "Gold",
    );
    assert_eq!(all[base + 6].entry.details["changed"], json!(["targets"]));
    assert_eq!(
        all[base + 6].entry.details["before"]["targets"]["first_response"],
        json!(60)
    );
    assert_eq!(
        all[base + 6].entry.details["after"]["targets"]["first_response"],
        json!(30)
    );
    check(
        &all[base + 7],
        AuditAction::SlaPolicyUpdated,
        boss,
        "sla_policy",
        pol.id.0,
        "Gold",
    );
    assert_eq!(all[base + 7].entry.details["changed"], json!(["enabled"]));
    check(
        &all[base + 8],
        AuditAction::SlaPolicyDeleted,
        boss,
        "sla_policy",
        pol.id.0,
        "Gold",
    );
}

async fn canned_part(p: &Ports, store: &SqlStore, boss: &Actor, worker: &Actor) {
    use services::canned;
    let base = entries(store).await.len();
    let draft = |title: &str, body: &str, shared: bool| CannedDraft {
        title: title.into(),
        body: body.into(),
        shortcut: String::new(),
        shared,
        actions: MacroActions::default(),
    };
    let shared = canned::save(p, boss, None, draft("Thanks", "Thank you!", true))
        .await
        .unwrap();
    canned::save(
        p,
        boss,
        Some(shared.id),
        draft("Thanks", "Thank you, {name}!", true),
    )
    .await
    .unwrap();
    // Personal responses are the agent's own business: not audited.
    let mine = canned::save(p, worker, None, draft("Mine", "Hi", false))
        .await
        .unwrap();
    canned::save(p, worker, Some(mine.id), draft("Mine", "Hello", false))
        .await
        .unwrap();
    canned::delete(p, worker, mine.id).await.unwrap();
    // Refused: an agent deleting the team's response.
    assert_eq!(
        canned::delete(p, worker, shared.id).await,
        Err(DomainError::Forbidden)
    );
    canned::delete(p, boss, shared.id).await.unwrap();
    let all = entries(store).await;
    assert_eq!(all.len(), base + 3, "{:?}", &all[base..]);
    let id = shared.id.0;
    check(
        &all[base],
        AuditAction::CannedCreated,
        boss,
        "canned_response",
        id,
        "Thanks",
    );
    check(
        &all[base + 1],
        AuditAction::CannedUpdated,
        boss,
        "canned_response",
        id,
        "Thanks",
    );
    assert_eq!(all[base + 1].entry.details["changed"], json!(["body"]));
    check(
        &all[base + 2],
        AuditAction::CannedDeleted,
        boss,
        "canned_response",
        id,
        "Thanks",
    );
}

/// The store's audited variants write the entry with the change or not at all.
async fn store_transactions(store: &SqlStore) {
    let base = entries(store).await.len();
    let audit = |action| NewAuditEntry {
        at: t0(),
        actor: None,
        action,
        target_kind: "rule".into(),
        target_id: String::new(),
        details: json!({"name": "x"}),
    };
    // Failed changes: nothing written.
    assert_eq!(
        store
            .save_rule_audited(
                Some(RuleId(i64::MAX)),
                rule("x"),
                t0(),
                audit(AuditAction::RuleUpdated)
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .delete_rule_audited(RuleId(i64::MAX), audit(AuditAction::RuleDeleted))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .delete_sla_policy_audited(SlaPolicyId(i64::MAX), audit(AuditAction::SlaPolicyDeleted))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .delete_sla_calendar_audited(
                SlaCalendarId(i64::MAX),
                audit(AuditAction::SlaCalendarDeleted)
            )
            .await,
        Err(StoreError::NotFound)
    );
    let default = store
        .sla_calendars()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.is_default)
        .unwrap();
    assert_eq!(
        store
            .delete_sla_calendar_audited(default.id, audit(AuditAction::SlaCalendarDeleted))
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store
            .save_sla_calendar_audited(
                Some(SlaCalendarId(i64::MAX)),
                "x".into(),
                Calendar::default(),
                false,
                t0(),
                audit(AuditAction::SlaCalendarUpdated)
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .save_sla_policy_audited(
                Some(SlaPolicyId(i64::MAX)),
                policy("x"),
                t0(),
                audit(AuditAction::SlaPolicyUpdated)
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .delete_canned_response_audited(
                lossless::ids::CannedId(i64::MAX),
                audit(AuditAction::CannedDeleted)
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(entries(store).await.len(), base);
    // A creation's entry gets the new row's id.
    let r = store
        .save_rule_audited(None, rule("Stored"), t0(), audit(AuditAction::RuleCreated))
        .await
        .unwrap();
    let pol = store
        .save_sla_policy_audited(
            None,
            policy("P"),
            t0(),
            audit(AuditAction::SlaPolicyCreated),
        )
        .await
        .unwrap();
    let cal = store
        .save_sla_calendar_audited(
            None,
            "C".into(),
            Calendar::default(),
            false,
            t0(),
            audit(AuditAction::SlaCalendarCreated),
        )
        .await
        .unwrap();
    let all = entries(store).await;
    assert_eq!(all.len(), base + 3);
    assert_eq!(all[base].entry.target_id, r.id.0.to_string());
    assert_eq!(all[base + 1].entry.target_id, pol.id.0.to_string());
    assert_eq!(all[base + 2].entry.target_id, cal.id.0.to_string());
    assert_eq!(store.rules().await.unwrap().len(), 1);
}

fn mailbox(name: &str, password: &str) -> MailboxSettings {
    MailboxSettings {
        name: name.into(),
        address: EmailAddress::parse(&format!("{name}@lossless.test")).unwrap(),
        imap: Endpoint {
            host: "127.0.0.1".into(),
            port: 1143,
            security: TransportSecurity::Plain,
            user: format!("{name}@lossless.test"),
        },
        imap_password: Some(password.into()),
        smtp: Some(Endpoint {
            host: "127.0.0.1".into(),
            port: 2525,
            security: TransportSecurity::Plain,
            user: String::new(),
        }),
        smtp_password: None,
        poll_seconds: 30,
        closed_policy: ClosedTicketPolicy::NewLinked,
        // Not fetched: this test is about the settings, not the mail.
        enabled: false,
    }
}

#[tokio::test]
async fn mailbox_saves_are_audited_without_passwords_and_listed_on_the_audit_page() {
    on_both_databases(|url| async move {
        let s = crate::http::node(&url, &[("worker", "0")]).await;
        let (boss, cookie) = crate::http::role_cookie(&s, "boss@example.com", Role::Manager).await;
        let base = s
            .ports
            .store
            .audit_log(AuditQuery {
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .len();
        let id = s
            .channels
            .save(Some(boss), mailbox("billing", "first-Secret-77"), true)
            .await
            .unwrap();
        let mut changed = mailbox("billing", "second-Secret-88");
        changed.poll_seconds = 60;
        s.channels.save(Some(boss), changed, false).await.unwrap();
        // No password given: the stored one stays, and none is named as replaced.
        let mut kept = mailbox("billing", "");
        kept.imap_password = None;
        kept.poll_seconds = 60;
        kept.enabled = true;
        s.channels.save(Some(boss), kept, false).await.unwrap();
        // Refused (the name is taken): nothing written.
        assert!(
            s.channels
                .save(Some(boss), mailbox("billing", "x-Secret"), true)
                .await
                .is_err()
        );

        let mut all = s
            .ports
            .store
            .audit_log(AuditQuery {
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        all.reverse();
        let all = &all[base..];
        assert_eq!(all.len(), 3, "{all:?}");
        let who = Actor::Agent {
            id: boss,
            role: Role::Manager,
        };
        check(
            &all[0],
            AuditAction::MailboxCreated,
            &who,
            "mailbox",
            id.0,
            "billing",
        );
        check(
            &all[1],
            AuditAction::MailboxUpdated,
            &who,
            "mailbox",
            id.0,
            "billing",
        );
        check(
            &all[2],
            AuditAction::MailboxUpdated,
            &who,
            "mailbox",
            id.0,
            "billing",
        );
        assert_eq!(
            all[0].entry.details["passwords_replaced"],
            json!(["imap", "smtp"])
        );
        assert_eq!(all[1].entry.details["passwords_replaced"], json!(["imap"]));
        assert_eq!(all[1].entry.details["changed"], json!(["poll_seconds"]));
        assert_eq!(all[2].entry.details["passwords_replaced"], json!([]));
        assert_eq!(all[2].entry.details["changed"], json!(["enabled"]));
        for e in all {
            let text = e.entry.details.to_string();
            assert!(
                !text.contains("Secret"),
                "a password in the audit log: {text}"
            );
        }

        // The audit page lists them with the mailbox's name; filtering by action works.
        let (st, body) = call_form(&s, AuditScreen::PATH, Some(&cookie), NO_ARGS).await;
        assert_eq!(st, 200, "{body}");
        assert!(
            body.contains(&format!("mailbox #{} billing", id.0)),
            "{body}"
        );
        assert!(!body.contains("Secret"), "{body}");
        let (st, body) = call_form(
            &s,
            AuditScreen::PATH,
            Some(&cookie),
            &[("action", "mailbox_created")],
        )
        .await;
        assert_eq!(st, 200, "{body}");
        let rows = support::json_of(&body)["rows"].as_array().unwrap().len();
        assert_eq!(rows, 1, "{body}");
        s.stop().await;
    })
    .await;
}
