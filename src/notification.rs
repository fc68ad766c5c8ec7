//! In-app notifications for agents (rules' "notify", unassigned alerts, SLA warnings, and
//! the agent alerts of issue 6: assigned to me, the customer replied on my ticket, I was
//! mentioned): written in the same transaction as the change that caused them (agent alerts:
//! by their durable job, keyed so a retry never adds a second one), pushed as a live hint,
//! listed under the bell until read. [`EmailPrefs`] says which of them an agent also wants
//! by email; [`mentions`] finds `@name` mentions.
//!
//! Invariant: a notification's text is rendered in its recipient's language when it is
//! created, so showing it never needs the rule that made it.

use crate::ids::{AgentId, NotificationId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest notification text (characters; longer texts are cut).
pub const MAX_NOTIFICATION_CHARS: usize = 500;

/// A notification to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotification {
    /// Recipient.
    pub agent: AgentId,
    /// The ticket it is about, if any.
    pub ticket: Option<TicketId>,
    /// The text, in the recipient's language.
    pub text: String,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id (grows with time).
    pub id: NotificationId,
    /// Recipient.
    pub agent: AgentId,
    /// The ticket it is about, if any.
    pub ticket: Option<TicketId>,
    /// The text.
    pub text: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the recipient read it.
    pub read_at: Option<DateTime<Utc>>,
}

// ---- agent alerts (issue 6): assignments, customer replies, mentions ----

/// Why an agent is alerted about a ticket by the system (besides rules and SLA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Someone else assigned the ticket to them.
    Assigned,
    /// The customer wrote on a ticket they own.
    CustomerReplied,
    /// A colleague mentioned them (`@name`) in an internal note.
    Mentioned,
}

impl AlertKind {
    /// Stable text (job keys).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Assigned => "assigned",
            AlertKind::CustomerReplied => "customer_replied",
            AlertKind::Mentioned => "mentioned",
        }
    }
}

/// Which alerts an agent also wants by email (in-app alerts always arrive). Every kind is on
/// until the agent switches it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPrefs {
    /// Assigned to me.
    #[serde(default = "yes")]
    pub assigned: bool,
    /// The customer answered on my ticket.
    #[serde(default = "yes")]
    pub customer_replied: bool,
    /// I was mentioned.
    #[serde(default = "yes")]
    pub mentioned: bool,
    /// SLA warnings and breaches.
    #[serde(default = "yes")]
    pub sla: bool,
}

fn yes() -> bool {
    true
}

impl Default for EmailPrefs {
    fn default() -> Self {
        Self {
            assigned: true,
            customer_replied: true,
            mentioned: true,
            sla: true,
        }
    }
}

impl EmailPrefs {
    /// Whether an alert of this kind also goes out by email.
    pub fn wants(&self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::Assigned => self.assigned,
            AlertKind::CustomerReplied => self.customer_replied,
            AlertKind::Mentioned => self.mentioned,
        }
    }
}

/// The alert's text in the recipient's language; `by` is who caused it (a colleague's or
/// the customer's name; empty when the system did).
pub fn alert_text(
    lang: crate::ids::Lang,
    kind: AlertKind,
    number: &crate::ids::TicketNumber,
    subject: &str,
    by: &str,
) -> String {
    use crate::ids::Lang;
    let by = by.trim();
    let text = match (lang, kind, by.is_empty()) {
        (Lang::Ru, AlertKind::Assigned, true) => {
            format!("Вам назначено обращение {number}: {subject}")
        }
        (Lang::Ru, AlertKind::Assigned, false) => {
            format!("{by} назначил(а) вам обращение {number}: {subject}")
        }
        (Lang::Ru, AlertKind::CustomerReplied, _) => {
            format!("Клиент ответил в обращении {number}: {subject}")
        }
        (Lang::Ru, AlertKind::Mentioned, _) => {
            format!("{by} упомянул(а) вас в заметке к обращению {number}: {subject}")
        }
        (Lang::En, AlertKind::Assigned, true) => {
            format!("Ticket {number} was assigned to you: {subject}")
        }
        (Lang::En, AlertKind::Assigned, false) => {
            format!("{by} assigned ticket {number} to you: {subject}")
        }
        (Lang::En, AlertKind::CustomerReplied, _) => {
            format!("The customer replied on ticket {number}: {subject}")
        }
        (Lang::En, AlertKind::Mentioned, _) => {
            format!("{by} mentioned you in a note on ticket {number}: {subject}")
        }
    };
    text.chars().take(MAX_NOTIFICATION_CHARS).collect()
}

/// A colleague as mentions see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentionable {
    /// The agent.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Sign-in address.
    pub email: String,
}

/// The agents mentioned in `text`: an `@` that starts a word (so `ann@example.com` is not a
/// mention), followed by letters, digits, `.`, `_` or `-` (a trailing `.` or `-` is
/// punctuation). A token names an agent when it equals, ignoring case, the local part of
/// their address, or their name without spaces, or their first name when no other agent
/// has that first name. Unknown tokens mention nobody.
pub fn mentions(text: &str, agents: &[Mentionable]) -> std::collections::BTreeSet<AgentId> {
    let mut out = std::collections::BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let mut j = i + 1;
            while j < chars.len() && word(chars[j]) {
                j += 1;
            }
            let token: String = chars[i + 1..j].iter().collect();
            let token = token.trim_end_matches(['.', '-']).to_lowercase();
            if !token.is_empty()
                && let Some(a) = named(&token, agents)
            {
                out.insert(a);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn named(token: &str, agents: &[Mentionable]) -> Option<AgentId> {
    let local = |a: &Mentionable| a.email.split('@').next().unwrap_or_default().to_lowercase();
    let joined = |a: &Mentionable| a.name.split_whitespace().collect::<String>().to_lowercase();
    let first = |a: &Mentionable| {
        a.name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    if let Some(a) = agents
        .iter()
        .find(|a| local(a) == token || joined(a) == token)
    {
        return Some(a.id);
    }
    let mut by_first = agents.iter().filter(|a| first(a) == token);
    match (by_first.next(), by_first.next()) {
        (Some(a), None) => Some(a.id),
        _ => None,
    }
}

#[cfg(test)]
mod alert_tests {
    use super::*;
    use crate::ids::{Lang, NumberPrefix, TicketNumber};

    fn team() -> Vec<Mentionable> {
        let a = |id, name: &str, email: &str| Mentionable {
            id: AgentId(id),
            name: name.into(),
            email: email.into(),
        };
        vec![
            a(1, "Анна Петрова", "anna@example.ru"),
            a(2, "Boris Smith", "b.smith@example.com"),
            a(3, "Анна Иванова", "ivanova@example.ru"),
            a(4, "Олег", "oleg@example.ru"),
        ]
    }

    #[test]
    fn mentions_by_address_name_or_unique_first_name() {
        let ids = |t: &str| {
            mentions(t, &team())
                .into_iter()
                .map(|a| a.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("@anna, посмотри"), vec![1]);
        assert_eq!(ids("cc @b.smith."), vec![2]);
        assert_eq!(ids("@BorisSmith please"), vec![2]);
        assert_eq!(ids("@АннаИванова и @олег!"), vec![3, 4]);
        assert_eq!(ids("@boris"), vec![2]);
        // Two Annas: a first name alone is ambiguous.
        assert_eq!(ids("@анна"), Vec::<i64>::new());
        // An address is not a mention; unknown names mention nobody.
        assert_eq!(
            ids("write to anna@example.ru or @nobody"),
            Vec::<i64>::new()
        );
        assert_eq!(ids("@ @@ @-"), Vec::<i64>::new());
        assert_eq!(ids("(@oleg)"), vec![4]);
    }

    #[test]
    fn alert_texts_name_the_ticket_in_the_recipients_language() {
        let n = TicketNumber::new(&NumberPrefix::default(), 1042);
        let ru = alert_text(Lang::Ru, AlertKind::Assigned, &n, "Возврат", "Анна");
        assert_eq!(ru, "Анна назначил(а) вам обращение LL-1042: Возврат");
        let en = alert_text(Lang::En, AlertKind::CustomerReplied, &n, "Refund", "");
        assert_eq!(en, "The customer replied on ticket LL-1042: Refund");
        assert!(
            alert_text(Lang::En, AlertKind::Mentioned, &n, "x", "Boris")
                .starts_with("Boris mentioned you")
        );
        let long = "й".repeat(2000);
        assert_eq!(
            alert_text(Lang::Ru, AlertKind::Assigned, &n, &long, "")
                .chars()
                .count(),
            MAX_NOTIFICATION_CHARS
        );
    }

    #[test]
    fn email_prefs_default_on_and_read_old_json() {
        let p: EmailPrefs = serde_json::from_str("{\"sla\":false}").unwrap();
        assert!(!p.sla && p.assigned && p.wants(AlertKind::Mentioned));
        let off = EmailPrefs {
            customer_replied: false,
            ..EmailPrefs::default()
        };
        assert!(!off.wants(AlertKind::CustomerReplied));
    }
}
