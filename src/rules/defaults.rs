//! The rules a new installation starts with. They are ordinary rules: managers edit, disable
//! or delete them like any other; the server installs them once per database (see
//! `lossless_server::seed::install_default_rules`).

use super::condition::{Condition, Predicate, TextField, TicketTime};
use super::rule::{Action, Activator, AssignTo, NotifyTarget, RuleDraft};
use crate::ids::{GroupId, Lang};
use crate::ticket::{Priority, Status};

/// The setting that records the default rules were installed (or are being installed).
pub const SETTING_KEY: &str = "default_rules";
/// The group English requests go to.
pub const ENGLISH_GROUP: &str = "English";

fn leaf(p: Predicate) -> Condition {
    Condition::Leaf(p)
}

/// The default rules, in order; `english` is the id of the [`ENGLISH_GROUP`] group.
pub fn default_rules(english: GroupId) -> Vec<RuleDraft> {
    vec![
        RuleDraft {
            name: "Срочно / urgent".into(),
            enabled: true,
            activator: Activator::Created,
            condition: leaf(Predicate::KeywordsAny {
                words: vec![
                    "срочно".into(),
                    "urgent".into(),
                    "asap".into(),
                    "немедленно".into(),
                ],
                field: TextField::Both,
            }),
            actions: vec![Action::SetPriority {
                priority: Priority::Urgent,
            }],
        },
        RuleDraft {
            name: "VIP → high".into(),
            enabled: true,
            activator: Activator::Created,
            condition: Condition::All(vec![
                leaf(Predicate::Vip),
                // Never lowers an urgent ticket.
                Condition::Not(Box::new(leaf(Predicate::PriorityAtLeast {
                    priority: Priority::High,
                }))),
            ]),
            actions: vec![Action::SetPriority {
                priority: Priority::High,
            }],
        },
        RuleDraft {
            name: "English → English group".into(),
            enabled: true,
            activator: Activator::Created,
            condition: Condition::All(vec![
                leaf(Predicate::LanguageIs { lang: Lang::En }),
                leaf(Predicate::NoGroup),
            ]),
            actions: vec![
                Action::SetGroup {
                    group: Some(english),
                },
                Action::Assign {
                    to: AssignTo::GroupStrategy,
                },
            ],
        },
        RuleDraft {
            name: "Unassigned 15 min → alert managers".into(),
            enabled: true,
            activator: Activator::Timed {
                after: TicketTime::Created,
                minutes: 15,
            },
            condition: Condition::All(vec![
                leaf(Predicate::Unowned),
                Condition::Any(vec![
                    leaf(Predicate::StatusIs {
                        status: Status::New,
                    }),
                    leaf(Predicate::StatusIs {
                        status: Status::Open,
                    }),
                ]),
            ]),
            actions: vec![Action::Notify {
                target: NotifyTarget::Managers,
                text: "Обращение {number} «{subject}» 15 минут без ответственного / \
                       Ticket {number} “{subject}” has been unassigned for 15 minutes"
                    .into(),
            }],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_rules() {
        let rules = default_rules(GroupId(1));
        assert_eq!(rules.len(), 4);
        for r in &rules {
            assert_eq!(r.validate(), Ok(()), "{}", r.name);
        }
    }
}
