//! Audit entries for configuration changes (issue 6 follow-up): automation rules, SLA
//! policies, business calendars, mailboxes and the team's shared canned responses (an
//! agent's personal ones are not the team's configuration and are not audited). The account and team changes build their
//! entries in [`crate::services::accounts`] and [`crate::services::team`].
//!
//! An entry names who acted, the action (created / updated / deleted per kind), the target
//! (`rule`, `sla_policy`, `sla_calendar`, `mailbox`, `canned_response` and its id) and the details
//! `{"name": …, "before": …, "after": …, "changed": […]}`: `before` is `null` for a
//! creation, `after` for a deletion, `changed` lists the summary keys that differ.
//!
//! Invariants:
//! - a summary is compact: text values are cut at [`MAX_TEXT_CHARS`] characters (reply and
//!   notification templates), a calendar's dated overrides are counted, not listed;
//! - a summary never holds a secret: a mailbox summary has no password field at all; a
//!   replaced password shows only as its name in `passwords_replaced`;
//! - the store writes the entry in the transaction of the change and fills in `target_id`
//!   with the id it stored (so a creation's entry names the new row).

use crate::account::{AuditAction, NewAuditEntry};
use crate::canned::CannedDraft;
use crate::email::admin::{Endpoint, MailboxSettings};
use crate::ids::AgentId;
use crate::rules::RuleDraft;
use crate::sla::{Calendar, PolicyDraft};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// Longest text value kept in a summary (characters); longer ones end in `…`.
pub const MAX_TEXT_CHARS: usize = 80;

/// What happened to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// It was created.
    Created,
    /// It was changed.
    Updated,
    /// It was deleted.
    Deleted,
}

/// The kind of configuration an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An automation rule.
    Rule,
    /// An SLA policy.
    SlaPolicy,
    /// A business calendar.
    SlaCalendar,
    /// A mailbox.
    Mailbox,
    /// A shared canned response.
    Canned,
}

impl Target {
    /// Stored `target_kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Target::Rule => "rule",
            Target::SlaPolicy => "sla_policy",
            Target::SlaCalendar => "sla_calendar",
            Target::Mailbox => "mailbox",
            Target::Canned => "canned_response",
        }
    }

    /// The action for `op` on this kind (a mailbox is never deleted from the UI; its
    /// deletion is recorded as an update).
    pub fn action(self, op: Op) -> AuditAction {
        use AuditAction as A;
        match (self, op) {
            (Target::Rule, Op::Created) => A::RuleCreated,
            (Target::Rule, Op::Updated) => A::RuleUpdated,
            (Target::Rule, Op::Deleted) => A::RuleDeleted,
            (Target::SlaPolicy, Op::Created) => A::SlaPolicyCreated,
            (Target::SlaPolicy, Op::Updated) => A::SlaPolicyUpdated,
            (Target::SlaPolicy, Op::Deleted) => A::SlaPolicyDeleted,
            (Target::SlaCalendar, Op::Created) => A::SlaCalendarCreated,
            (Target::SlaCalendar, Op::Updated) => A::SlaCalendarUpdated,
            (Target::SlaCalendar, Op::Deleted) => A::SlaCalendarDeleted,
            (Target::Mailbox, Op::Created) => A::MailboxCreated,
            (Target::Mailbox, Op::Updated | Op::Deleted) => A::MailboxUpdated,
            (Target::Canned, Op::Created) => A::CannedCreated,
            (Target::Canned, Op::Updated) => A::CannedUpdated,
            (Target::Canned, Op::Deleted) => A::CannedDeleted,
        }
    }
}

/// An entry about `target` named `name` (`id`: the stored id as text, empty for a creation —
/// the store fills it in). `before`/`after` are summaries (`None` for the side that does
/// not exist); the operation follows from which sides are given.
pub fn entry(
    at: DateTime<Utc>,
    actor: Option<AgentId>,
    target: Target,
    id: String,
    name: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> NewAuditEntry {
    let op = match (&before, &after) {
        (None, _) => Op::Created,
        (Some(_), Some(_)) => Op::Updated,
        (Some(_), None) => Op::Deleted,
    };
    let changed: Vec<String> = match (&before, &after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<String> = b
                .iter()
                .filter(|(k, v)| a.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .collect();
            keys.extend(a.keys().filter(|k| !b.contains_key(*k)).cloned());
            keys
        }
        _ => Vec::new(),
    };
    NewAuditEntry {
        at,
        actor,
        action: target.action(op),
        target_kind: target.kind().to_owned(),
        target_id: id,
        details: json!({
            "name": name,
            "before": before,
            "after": after,
            "changed": changed,
        }),
    }
}

/// Cuts every string in `v` to [`MAX_TEXT_CHARS`] characters.
fn clip(v: Value) -> Value {
    match v {
        Value::String(s) if s.chars().count() > MAX_TEXT_CHARS => {
            let mut cut: String = s.chars().take(MAX_TEXT_CHARS).collect();
            cut.push('…');
            Value::String(cut)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(clip).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, clip(v))).collect()),
        other => other,
    }
}

fn value<T: serde::Serialize>(t: &T) -> Value {
    // Serializing these plain data types cannot fail; `null` would only hide a summary.
    serde_json::to_value(t).map(clip).unwrap_or(Value::Null)
}

/// A rule's summary: name, enabled, activator, condition and actions (texts cut).
pub fn rule_summary(d: &RuleDraft) -> Value {
    json!({
        "name": d.name,
        "enabled": d.enabled,
        "activator": value(&d.activator),
        "condition": value(&d.condition),
        "actions": value(&d.actions),
    })
}

/// An SLA policy's summary: name, enabled, condition, targets (minutes), calendar id,
/// warning shares and breach actions.
pub fn policy_summary(d: &PolicyDraft) -> Value {
    json!({
        "name": d.name,
        "enabled": d.enabled,
        "condition": value(&d.condition),
        "targets": value(&d.targets),
        "calendar": d.calendar.map(|c| c.0),
        "warn_at": d.warn_at,
        "on_breach": value(&d.on_breach),
    })
}

/// A calendar's summary: name, default, time zone, 24/7, opening hours per weekday
/// (`09:00-18:00`, Monday first) and how many dated overrides it has.
pub fn calendar_summary(name: &str, c: &Calendar, is_default: bool) -> Value {
    let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    let week: Vec<String> = c
        .week
        .iter()
        .map(|spans| {
            spans
                .iter()
                .map(|s| format!("{}-{}", hm(s.open), hm(s.close)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    json!({
        "name": name,
        "default": is_default,
        "tz": c.tz.name(),
        "always_open": c.always_open,
        "week": week,
        "overrides": c.overrides.len(),
    })
}

/// A canned response's summary: title, shortcut, whether it is shared, the text (cut) and
/// its macro actions.
pub fn canned_summary(d: &CannedDraft) -> Value {
    json!({
        "title": d.title,
        "shortcut": d.shortcut,
        "shared": d.shared,
        "body": value(&d.body),
        "actions": value(&d.actions),
    })
}

fn endpoint(e: &Endpoint) -> Value {
    json!(format!(
        "{}@{}:{} ({})",
        e.user,
        e.host.trim(),
        e.port,
        e.security.as_str()
    ))
}

/// A mailbox's summary without any password: name, address, IMAP and SMTP endpoints,
/// poll interval, closed-ticket policy, enabled.
pub fn mailbox_summary(s: &MailboxSettings) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(s.name));
    m.insert("address".into(), json!(s.address.as_str()));
    m.insert("imap".into(), endpoint(&s.imap));
    m.insert("smtp".into(), s.smtp.as_ref().map_or(Value::Null, endpoint));
    m.insert("poll_seconds".into(), json!(s.poll_seconds));
    m.insert("closed_policy".into(), value(&s.closed_policy));
    m.insert("enabled".into(), json!(s.enabled));
    Value::Object(m)
}

/// Which passwords a save replaces: a password given in `new` that differs from the one in
/// `stored` (`None`: a new mailbox, every given password counts). Only names, never values.
pub fn passwords_replaced(
    new: &MailboxSettings,
    stored: Option<&MailboxSettings>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let differs = |n: &Option<String>, s: Option<&Option<String>>| match (n, s) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(n), Some(s)) => s.as_deref() != Some(n.as_str()),
    };
    if differs(&new.imap_password, stored.map(|s| &s.imap_password)) {
        out.push("imap");
    }
    if differs(&new.smtp_password, stored.map(|s| &s.smtp_password)) {
        out.push("smtp");
    }
    out
}

/// A mailbox entry: [`entry`] with the replaced passwords' names added to the details.
pub fn mailbox_entry(
    at: DateTime<Utc>,
    actor: Option<AgentId>,
    new: &MailboxSettings,
    stored: Option<(i64, &MailboxSettings)>,
) -> NewAuditEntry {
    let mut e = entry(
        at,
        actor,
        Target::Mailbox,
        stored.map(|(id, _)| id.to_string()).unwrap_or_default(),
        &new.name,
        stored.map(|(_, s)| mailbox_summary(s)),
        Some(mailbox_summary(new)),
    );
    if let Value::Object(m) = &mut e.details {
        m.insert(
            "passwords_replaced".into(),
            json!(passwords_replaced(new, stored.map(|(_, s)| s))),
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::admin::TransportSecurity;
    use crate::email::thread::ClosedTicketPolicy;
    use crate::ids::EmailAddress;
    use crate::rules::rule::{Action, Activator};

    fn mailbox(pw: &str) -> MailboxSettings {
        MailboxSettings {
            name: "support".into(),
            address: EmailAddress::parse("support@lossless.test").unwrap(),
            imap: Endpoint {
                host: "imap.lossless.test".into(),
                port: 993,
                security: TransportSecurity::Tls,
                user: "support".into(),
            },
            imap_password: Some(pw.into()),
            smtp: None,
            smtp_password: None,
            poll_seconds: 60,
            closed_policy: ClosedTicketPolicy::default(),
            enabled: true,
        }
    }

    #[test]
    fn mailbox_entries_never_hold_a_password() {
        let old = mailbox("old-secret-1");
        let mut new = mailbox("new-secret-2");
        new.poll_seconds = 30;
        let e = mailbox_entry(
            DateTime::UNIX_EPOCH,
            Some(AgentId(1)),
            &new,
            Some((7, &old)),
        );
        let text = e.details.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(e.action, AuditAction::MailboxUpdated);
        assert_eq!(e.target_id, "7");
        assert_eq!(e.details["changed"], json!(["poll_seconds"]));
        assert_eq!(e.details["passwords_replaced"], json!(["imap"]));
        // The same password again replaces nothing; no password keeps the stored one.
        let same = mailbox_entry(DateTime::UNIX_EPOCH, None, &old, Some((7, &old)));
        assert_eq!(same.details["passwords_replaced"], json!([]));
        let mut kept = old.clone();
        kept.imap_password = None;
        let kept = mailbox_entry(DateTime::UNIX_EPOCH, None, &kept, Some((7, &old)));
        assert_eq!(kept.details["passwords_replaced"], json!([]));
        let created = mailbox_entry(DateTime::UNIX_EPOCH, None, &new, None);
        assert_eq!(created.action, AuditAction::MailboxCreated);
        assert_eq!(created.details["before"], Value::Null);
        assert_eq!(created.details["passwords_replaced"], json!(["imap"]));
        assert!(!created.details.to_string().contains("secret"));
    }

    #[test]
    fn rule_summaries_are_compact_and_name_what_changed() {
        let long = "x".repeat(500);
        let d = RuleDraft {
            name: "Refunds".into(),
            enabled: true,
            activator: Activator::Created,
            condition: crate::rules::condition::Condition::All(vec![]),
            actions: vec![Action::Reply { text: long }],
        };
        let mut off = d.clone();
        off.enabled = false;
        let e = entry(
            DateTime::UNIX_EPOCH,
            None,
            Target::Rule,
            "3".into(),
            &off.name,
            Some(rule_summary(&d)),
            Some(rule_summary(&off)),
        );
        assert_eq!(e.action, AuditAction::RuleUpdated);
        assert_eq!(e.target_kind, "rule");
        assert_eq!(e.details["changed"], json!(["enabled"]));
        assert!(e.details.to_string().len() < 600, "{}", e.details);
        let gone = entry(
            DateTime::UNIX_EPOCH,
            None,
            Target::Rule,
            "3".into(),
            "Refunds",
            Some(rule_summary(&d)),
            None,
        );
        assert_eq!(gone.action, AuditAction::RuleDeleted);
        assert_eq!(gone.details["after"], Value::Null);
    }

    #[test]
    fn calendar_summaries_show_hours_and_count_overrides() {
        let c = Calendar::default();
        let s = calendar_summary("Office", &c, true);
        assert_eq!(s["week"][0], json!("09:00-18:00"));
        assert_eq!(s["week"][6], json!(""));
        assert_eq!(s["tz"], json!("Europe/Moscow"));
        assert_eq!(s["overrides"], json!(0));
    }
}
