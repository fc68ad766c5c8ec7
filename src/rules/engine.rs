//! The rule engine: which rules a stored change activates ([`activated`], [`plan`]) and what a
//! fired rule does to a ticket ([`apply_actions`]). Pure: the caller loads rules and facts,
//! resolves "assign by group strategy" (through [`super::assign::choose`]) and notification
//! recipients, and stores the result as one change.
//!
//! Invariants:
//! - Rules are considered in ascending position, ties by id ([`compile`] sorts them).
//! - [`plan`] never returns a disabled rule, a rule that already fired in the chain, a timed
//!   rule (they run from their timers) or anything at all beyond [`MAX_DEPTH`].
//! - [`apply_actions`] writes [`TicketEvent::RuleFired`] before the rule's effects, and only
//!   when the rule changes something (a rule whose actions are all no-ops leaves no trace).
//!   Actions the state machine refuses are skipped: a refused status move is recorded as
//!   [`TicketEvent::RuleStatusSkipped`]; other refusals (tags that are not valid tags,
//!   assigning a closed ticket) are skipped silently.
//! - A rule's reply carries the dedupe key `rule:<id>:reply`, so it goes at most once per
//!   ticket.

use super::assign::AssignChoice;
use super::condition::{CompiledCondition, RuleFacts, TicketFacts, TicketTime};
use super::rule::{
    Action, Activator, AssignTo, Happened, MAX_DEPTH, NotifyTarget, Rule, RuleChain, WatchedField,
};
use crate::actor::ActorRef;
use crate::ids::{GroupId, Lang, RuleId};
use crate::message::MessageDraft;
use crate::ticket::{Ticket, TicketEvent};
use chrono::{DateTime, Utc};

/// A rule with its condition compiled once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledRule {
    /// The rule.
    pub rule: Rule,
    /// Its condition, ready for evaluation.
    pub condition: CompiledCondition,
}

impl CompiledRule {
    /// Compiles a rule's condition.
    pub fn new(rule: Rule) -> Self {
        let condition = rule.draft.condition.compile();
        Self { rule, condition }
    }
}

/// Compiles rules and puts them in running order (position, then id).
pub fn compile(mut rules: Vec<Rule>) -> Vec<CompiledRule> {
    rules.sort_by_key(|r| (r.position, r.id));
    rules.into_iter().map(CompiledRule::new).collect()
}

/// What a list of events (one stored change) did, as rules see it.
pub fn happened(events: &[TicketEvent]) -> Happened {
    let mut h = Happened::default();
    for e in events {
        match e {
            TicketEvent::Created { .. } => h.created = true,
            TicketEvent::CustomerReplied => h.customer_replied = true,
            TicketEvent::StatusChanged { .. } => {
                h.changed.insert(WatchedField::Status);
            }
            TicketEvent::PriorityChanged { .. } => {
                h.changed.insert(WatchedField::Priority);
            }
            TicketEvent::Assigned { .. } => {
                h.changed.insert(WatchedField::Assignee);
            }
            TicketEvent::GroupChanged { .. } => {
                h.changed.insert(WatchedField::Group);
            }
            TicketEvent::Tagged { .. } | TicketEvent::Untagged { .. } => {
                h.changed.insert(WatchedField::Tags);
            }
            _ => {}
        }
    }
    h
}

impl Happened {
    /// Did anything happen that a rule may react to (including timers' anchors)?
    pub fn is_empty(&self) -> bool {
        !self.created && !self.customer_replied && self.changed.is_empty()
    }
}

/// Does `h` activate the rule (regardless of enabled state and condition)? Timed rules are
/// never activated by a change; they run from their timers.
pub fn activated(rule: &Rule, h: &Happened) -> bool {
    match &rule.draft.activator {
        Activator::Created => h.created,
        Activator::CustomerReplied => h.customer_replied,
        Activator::Updated { fields } => {
            if fields.is_empty() {
                !h.changed.is_empty()
            } else {
                fields.iter().any(|f| h.changed.contains(f))
            }
        }
        Activator::Timed { .. } => false,
    }
}

/// The rules that fire for a change, in running order: enabled, activated by `happened`, not
/// yet fired in `chain`, with their condition holding for `facts`; none beyond
/// [`MAX_DEPTH`].
pub fn plan<'a>(
    rules: &'a [CompiledRule],
    happened: &Happened,
    facts: &RuleFacts,
    chain: &RuleChain,
) -> Vec<&'a CompiledRule> {
    if chain.depth > MAX_DEPTH {
        return Vec::new();
    }
    rules
        .iter()
        .filter(|r| {
            r.rule.draft.enabled
                && !chain.fired.contains(&r.rule.id)
                && activated(&r.rule, happened)
                && r.condition.matches(facts)
        })
        .collect()
}

/// When the event a timed rule counts from last happened, per the facts.
pub fn anchor_time(after: TicketTime, f: &TicketFacts) -> Option<DateTime<Utc>> {
    match after {
        TicketTime::Created => Some(f.created_at),
        TicketTime::LastCustomerReply => f.last_customer_reply_at,
        TicketTime::StatusChanged => f.status_changed_at,
        TicketTime::Assigned => f.assigned_at,
    }
}

/// Did the change `h` make the anchor event of `after` happen (so a timer starts)?
pub fn anchors(after: TicketTime, h: &Happened) -> bool {
    match after {
        TicketTime::Created => h.created,
        // The first message counts as the customer's last reply.
        TicketTime::LastCustomerReply => h.created || h.customer_replied,
        TicketTime::StatusChanged => h.changed.contains(&WatchedField::Status),
        TicketTime::Assigned => h.changed.contains(&WatchedField::Assignee),
    }
}

/// The loop guard for the round a rule's change triggers.
pub fn next_chain(chain: &RuleChain, fired: RuleId) -> RuleChain {
    let mut fired_list = chain.fired.clone();
    if !fired_list.contains(&fired) {
        fired_list.push(fired);
    }
    RuleChain {
        depth: chain.depth.saturating_add(1),
        fired: fired_list,
    }
}

/// The text of a notification a rule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyText {
    /// The rule's own text, placeholders filled.
    Custom(String),
    /// "Nobody in the group is available" (rendered per recipient language).
    NoAgentAvailable {
        /// The group.
        group: GroupId,
    },
}

/// A notification to send once the caller knows who the target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyIntent {
    /// Whom.
    pub target: NotifyTarget,
    /// What.
    pub text: NotifyText,
}

/// What one fired rule does to a ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// History rows in order ([`TicketEvent::RuleFired`] first), actor `ActorRef::Rule`.
    pub events: Vec<TicketEvent>,
    /// Messages to append (the template reply).
    pub messages: Vec<MessageDraft>,
    /// Notifications to resolve and send.
    pub notify: Vec<NotifyIntent>,
}

impl Effects {
    /// Nothing to store?
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.messages.is_empty() && self.notify.is_empty()
    }
}

/// Fills `{number}`, `{subject}` and `{name}` in a rule's text.
pub fn fill_template(text: &str, ticket: &Ticket, name: &str) -> String {
    text.replace("{number}", &ticket.number.to_string())
        .replace("{subject}", &ticket.subject)
        .replace("{name}", name)
}

/// The dedupe key of a rule's reply.
pub fn reply_key(rule: RuleId) -> String {
    format!("rule:{rule}:reply")
}

/// Applies a rule's actions to `ticket` in order. `customer_name` fills `{name}`;
/// `assign` answers "who does the group strategy pick for this ticket in this group" (the
/// caller runs [`super::assign::choose`] over data it loaded).
pub fn apply_actions(
    ticket: &mut Ticket,
    rule: &Rule,
    now: DateTime<Utc>,
    customer_name: &str,
    assign: &mut dyn FnMut(&Ticket, GroupId) -> AssignChoice,
) -> Effects {
    let mut fx = Effects::default();
    for action in &rule.draft.actions {
        match action {
            Action::SetPriority { priority } => {
                fx.events.extend(ticket.reprioritize(*priority, now));
            }
            Action::SetGroup { group } => fx.events.extend(ticket.move_to_group(*group, now)),
            Action::AddTags { tags } => {
                for t in tags {
                    if let Ok(ev) = ticket.tag(t, now) {
                        fx.events.extend(ev);
                    }
                }
            }
            Action::RemoveTags { tags } => {
                for t in tags {
                    fx.events.extend(ticket.untag(t, now));
                }
            }
            Action::Assign { to } => {
                let target = match to {
                    AssignTo::Agent(a) => Some(Some(*a)),
                    AssignTo::Nobody => Some(None),
                    AssignTo::GroupStrategy => match ticket.group {
                        // Without a group there is no strategy to ask: nothing to do.
                        None => None,
                        Some(g) => match assign(ticket, g) {
                            AssignChoice::Agent { agent, .. } => Some(Some(agent)),
                            AssignChoice::Manual => None,
                            AssignChoice::NobodyAvailable => {
                                fx.events.push(TicketEvent::NoAgentAvailable { group: g });
                                fx.notify.push(NotifyIntent {
                                    target: NotifyTarget::Managers,
                                    text: NotifyText::NoAgentAvailable { group: g },
                                });
                                None
                            }
                        },
                    },
                };
                if let Some(to) = target
                    && let Ok(ev) = ticket.assign(to, now)
                {
                    fx.events.extend(ev);
                }
            }
            Action::SetStatus { status } => {
                let from = ticket.status;
                match ticket.move_to(*status, now) {
                    Ok(ev) => fx.events.extend(ev),
                    Err(_) => fx
                        .events
                        .push(TicketEvent::RuleStatusSkipped { from, to: *status }),
                }
            }
            Action::Reply { text } => {
                if ticket.status != crate::ticket::Status::Closed {
                    let body = fill_template(text, ticket, customer_name);
                    fx.messages.push(
                        MessageDraft::reply(ActorRef::Rule(rule.id), body)
                            .with_dedupe_key(reply_key(rule.id)),
                    );
                    ticket.updated_at = now;
                }
            }
            Action::Notify { target, text } => fx.notify.push(NotifyIntent {
                target: *target,
                text: NotifyText::Custom(fill_template(text, ticket, customer_name)),
            }),
        }
    }
    if !fx.is_empty() {
        fx.events.insert(
            0,
            TicketEvent::RuleFired {
                rule: rule.id,
                name: rule.draft.name.clone(),
            },
        );
    }
    fx
}

/// The system's notification texts, in the recipient's language.
pub fn render_notification(text: &NotifyText, lang: Lang, ticket: &Ticket, group: &str) -> String {
    let s = match text {
        NotifyText::Custom(s) => s.clone(),
        NotifyText::NoAgentAvailable { .. } => match lang {
            Lang::Ru => format!(
                "Обращение {} «{}»: в группе «{group}» нет свободных агентов, оно ждёт в очереди.",
                ticket.number, ticket.subject
            ),
            Lang::En => format!(
                "Ticket {} “{}”: nobody in “{group}” is available, it waits in the queue.",
                ticket.number, ticket.subject
            ),
        },
    };
    s.chars()
        .take(crate::notification::MAX_NOTIFICATION_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AgentId, ContactId};
    use crate::rules::condition::{Condition, Predicate, TextField};
    use crate::rules::rule::RuleDraft;
    use crate::ticket::tests::{t0, ticket};
    use crate::ticket::{Channel, Priority, Status};
    use std::collections::{BTreeMap, BTreeSet};

    fn rule(
        id: i64,
        position: i32,
        activator: Activator,
        condition: Condition,
        actions: Vec<Action>,
    ) -> Rule {
        Rule {
            id: RuleId(id),
            position,
            draft: RuleDraft {
                name: format!("r{id}"),
                enabled: true,
                activator,
                condition,
                actions,
            },
            updated_at: t0(),
        }
    }

    fn facts_of(t: &Ticket, body: &str) -> RuleFacts {
        RuleFacts::new(TicketFacts {
            channel: t.channel,
            mailbox: None,
            subject: t.subject.clone(),
            body: body.into(),
            sender: None,
            contact: ContactId(3),
            organisation: None,
            vip: false,
            language: crate::rules::lang::detect(&t.subject, body),
            region: None,
            tags: t.tags.clone(),
            custom_fields: BTreeMap::new(),
            priority: t.priority,
            status: t.status,
            group: t.group,
            owner: t.assignee,
            now: t0(),
            business_hours: true,
            created_at: t.created_at,
            last_customer_reply_at: Some(t.created_at),
            status_changed_at: None,
            assigned_at: None,
            suggested_category: None,
        })
    }

    fn all() -> Condition {
        Condition::All(vec![])
    }

    fn set_priority(p: Priority) -> Vec<Action> {
        vec![Action::SetPriority { priority: p }]
    }

    fn no_assign(_: &Ticket, _: GroupId) -> AssignChoice {
        AssignChoice::Manual
    }

    #[test]
    fn activators_match_what_happened() {
        let created = happened(&[TicketEvent::Created {
            channel: Channel::Api,
            priority: Priority::Normal,
        }]);
        let replied = happened(&[
            TicketEvent::CustomerReplied,
            TicketEvent::StatusChanged {
                from: Status::Pending,
                to: Status::Open,
            },
        ]);
        let prio = happened(&[TicketEvent::PriorityChanged {
            from: Priority::Normal,
            to: Priority::High,
        }]);
        let note = happened(&[TicketEvent::NoteAdded]);
        assert!(note.is_empty());
        let r = |a| rule(1, 1, a, all(), set_priority(Priority::Low));
        let on_create = r(Activator::Created);
        assert!(activated(&on_create, &created));
        assert!(!activated(&on_create, &replied));
        let on_reply = r(Activator::CustomerReplied);
        assert!(activated(&on_reply, &replied));
        assert!(!activated(&on_reply, &created));
        let any_update = r(Activator::Updated {
            fields: BTreeSet::new(),
        });
        assert!(activated(&any_update, &replied)); // status changed
        assert!(activated(&any_update, &prio));
        assert!(!activated(&any_update, &created));
        assert!(!activated(&any_update, &note));
        let on_prio = r(Activator::Updated {
            fields: [WatchedField::Priority].into_iter().collect(),
        });
        assert!(activated(&on_prio, &prio));
        assert!(!activated(&on_prio, &replied));
        let timed = r(Activator::Timed {
            after: TicketTime::Created,
            minutes: 15,
        });
        assert!(!activated(&timed, &created));
        assert!(anchors(TicketTime::Created, &created));
        assert!(anchors(TicketTime::LastCustomerReply, &created));
        assert!(anchors(TicketTime::LastCustomerReply, &replied));
        assert!(anchors(TicketTime::StatusChanged, &replied));
        assert!(!anchors(TicketTime::Assigned, &replied));
    }

    #[test]
    fn plan_keeps_order_and_skips_disabled_fired_and_non_matching() {
        let t = ticket(); // "Не работает оплата"
        let kw = Condition::Leaf(Predicate::KeywordsAny {
            words: vec!["оплата".into()],
            field: TextField::Subject,
        });
        let miss = Condition::Leaf(Predicate::Vip);
        let mut disabled = rule(4, 1, Activator::Created, all(), set_priority(Priority::Low));
        disabled.draft.enabled = false;
        let rules = compile(vec![
            rule(
                3,
                2,
                Activator::Created,
                kw.clone(),
                set_priority(Priority::High),
            ),
            rule(2, 2, Activator::Created, all(), set_priority(Priority::Low)),
            rule(1, 5, Activator::Created, all(), set_priority(Priority::Low)),
            rule(5, 0, Activator::Created, miss, set_priority(Priority::Low)),
            rule(
                6,
                0,
                Activator::CustomerReplied,
                all(),
                set_priority(Priority::Low),
            ),
            disabled,
        ]);
        let h = Happened {
            created: true,
            ..Happened::default()
        };
        let f = facts_of(&t, "");
        let ids = |chain: &RuleChain| -> Vec<i64> {
            plan(&rules, &h, &f, chain)
                .iter()
                .map(|r| r.rule.id.0)
                .collect()
        };
        assert_eq!(ids(&RuleChain::default()), vec![2, 3, 1]);
        let chain = RuleChain {
            depth: 1,
            fired: vec![RuleId(3)],
        };
        assert_eq!(ids(&chain), vec![2, 1]);
        let deep = RuleChain {
            depth: MAX_DEPTH,
            fired: vec![],
        };
        assert_eq!(ids(&deep), vec![2, 3, 1]);
        let too_deep = RuleChain {
            depth: MAX_DEPTH + 1,
            fired: vec![],
        };
        assert!(ids(&too_deep).is_empty());
    }

    #[test]
    fn a_rule_reacting_to_priority_changes_does_not_retrigger_itself() {
        // "When the priority changes to high, make it urgent."
        let r = rule(
            7,
            1,
            Activator::Updated {
                fields: [WatchedField::Priority].into_iter().collect(),
            },
            all(),
            set_priority(Priority::Urgent),
        );
        let rules = compile(vec![r]);
        let mut t = ticket();
        let ev = t.reprioritize(Priority::High, t0()); // an agent's change
        let h = happened(&ev);
        let chain = RuleChain::default();
        let fired = plan(&rules, &h, &facts_of(&t, ""), &chain);
        assert_eq!(fired.len(), 1);
        let fx = apply_actions(&mut t, &fired[0].rule, t0(), "", &mut no_assign);
        assert_eq!(t.priority, Priority::Urgent);
        // Its own change is a priority change again, but in the next round it is guarded.
        let h2 = happened(&fx.events);
        assert!(activated(&rules[0].rule, &h2));
        let next = next_chain(&chain, RuleId(7));
        assert_eq!(next.depth, 1);
        assert!(plan(&rules, &h2, &facts_of(&t, ""), &next).is_empty());
    }

    #[test]
    fn ping_pong_rules_stop_after_each_fired_once() {
        let on_prio = || Activator::Updated {
            fields: [WatchedField::Priority].into_iter().collect(),
        };
        let is = |p| Condition::Leaf(Predicate::PriorityIs { priority: p });
        let rules = compile(vec![
            rule(
                1,
                1,
                on_prio(),
                is(Priority::High),
                set_priority(Priority::Urgent),
            ),
            rule(
                2,
                2,
                on_prio(),
                is(Priority::Urgent),
                set_priority(Priority::High),
            ),
        ]);
        let mut t = ticket();
        let mut h = happened(&t.reprioritize(Priority::High, t0()));
        let mut chain = RuleChain::default();
        let mut rounds = 0;
        loop {
            let fired: Vec<Rule> = plan(&rules, &h, &facts_of(&t, ""), &chain)
                .into_iter()
                .map(|r| r.rule.clone())
                .collect();
            if fired.is_empty() {
                break;
            }
            rounds += 1;
            assert!(rounds <= usize::from(MAX_DEPTH) + 1, "no cap");
            let r = &fired[0];
            let fx = apply_actions(&mut t, r, t0(), "", &mut no_assign);
            h = happened(&fx.events);
            chain = next_chain(&chain, r.id);
        }
        assert_eq!(rounds, 2);
        assert_eq!(t.priority, Priority::High);
        assert_eq!(chain.fired, vec![RuleId(1), RuleId(2)]);
    }

    #[test]
    fn actions_apply_in_order_with_rule_fired_first() {
        let mut t = ticket();
        t.tags.insert("old".into());
        let r = rule(
            9,
            1,
            Activator::Created,
            all(),
            vec![
                Action::SetPriority {
                    priority: Priority::Urgent,
                },
                Action::SetGroup {
                    group: Some(GroupId(4)),
                },
                Action::AddTags {
                    tags: vec!["VIP".into(), " ".into()],
                },
                Action::RemoveTags {
                    tags: vec!["old".into(), "absent".into()],
                },
                Action::Assign {
                    to: AssignTo::GroupStrategy,
                },
                Action::Reply {
                    text: "Обращение {number} «{subject}»: {name}, мы уже работаем.".into(),
                },
                Action::Notify {
                    target: NotifyTarget::Assignee,
                    text: "Срочно: {number}".into(),
                },
            ],
        );
        let mut asked = Vec::new();
        let fx = apply_actions(
            &mut t,
            &r,
            t0(),
            "Иван",
            &mut |tk: &Ticket, g: GroupId| {
                asked.push((tk.group, g));
                AssignChoice::Agent {
                    agent: AgentId(5),
                    reason: super::super::assign::AssignReason::RoundRobin,
                }
            },
        );
        // The strategy was asked for the group set just before.
        assert_eq!(asked, vec![(Some(GroupId(4)), GroupId(4))]);
        assert_eq!(
            fx.events,
            vec![
                TicketEvent::RuleFired {
                    rule: RuleId(9),
                    name: "r9".into()
                },
                TicketEvent::PriorityChanged {
                    from: Priority::Normal,
                    to: Priority::Urgent
                },
                TicketEvent::GroupChanged {
                    from: None,
                    to: Some(GroupId(4))
                },
                TicketEvent::Tagged { tag: "vip".into() },
                TicketEvent::Untagged { tag: "old".into() },
                TicketEvent::Assigned {
                    from: None,
                    to: Some(AgentId(5))
                },
                TicketEvent::StatusChanged {
                    from: Status::New,
                    to: Status::Open
                },
            ]
        );
        assert_eq!(t.assignee, Some(AgentId(5)));
        assert_eq!(fx.messages.len(), 1);
        assert_eq!(
            fx.messages[0].body,
            "Обращение LL-1001 «Не работает оплата»: Иван, мы уже работаем."
        );
        assert_eq!(fx.messages[0].dedupe_key.as_deref(), Some("rule:9:reply"));
        assert_eq!(fx.messages[0].author, ActorRef::Rule(RuleId(9)));
        assert_eq!(
            fx.notify,
            vec![NotifyIntent {
                target: NotifyTarget::Assignee,
                text: NotifyText::Custom("Срочно: LL-1001".into())
            }]
        );
    }

    #[test]
    fn nobody_available_is_recorded_and_managers_are_alerted_manual_is_quiet() {
        let r = rule(
            2,
            1,
            Activator::Created,
            all(),
            vec![Action::Assign {
                to: AssignTo::GroupStrategy,
            }],
        );
        let mut t = ticket();
        // No group: nothing to ask, nothing recorded.
        let fx = apply_actions(&mut t, &r, t0(), "", &mut |_: &Ticket, _: GroupId| {
            AssignChoice::NobodyAvailable
        });
        assert!(fx.is_empty());
        t.group = Some(GroupId(2));
        let fx = apply_actions(&mut t, &r, t0(), "", &mut |_: &Ticket, _: GroupId| {
            AssignChoice::NobodyAvailable
        });
        assert_eq!(
            fx.events[1..],
            [TicketEvent::NoAgentAvailable { group: GroupId(2) }]
        );
        assert_eq!(fx.notify[0].target, NotifyTarget::Managers);
        assert_eq!(t.assignee, None);
        let fx = apply_actions(&mut t, &r, t0(), "", &mut no_assign);
        assert!(fx.is_empty(), "manual: left in the queue quietly");
        let ru = render_notification(&fx_text(GroupId(2)), Lang::Ru, &t, "Оплата");
        assert!(ru.contains("LL-1001") && ru.contains("нет свободных агентов"));
        let en = render_notification(&fx_text(GroupId(2)), Lang::En, &t, "Billing");
        assert!(en.contains("nobody in “Billing” is available"));
    }

    fn fx_text(group: GroupId) -> NotifyText {
        NotifyText::NoAgentAvailable { group }
    }

    #[test]
    fn a_refused_status_move_is_skipped_and_noted_the_rest_applies() {
        let r = rule(
            3,
            1,
            Activator::Created,
            all(),
            vec![
                Action::SetStatus {
                    status: Status::Closed,
                },
                Action::SetPriority {
                    priority: Priority::Low,
                },
            ],
        );
        let mut t = ticket(); // new → closed is not allowed
        let fx = apply_actions(&mut t, &r, t0(), "", &mut no_assign);
        assert_eq!(t.status, Status::New);
        assert_eq!(t.priority, Priority::Low);
        assert_eq!(
            fx.events[1..],
            [
                TicketEvent::RuleStatusSkipped {
                    from: Status::New,
                    to: Status::Closed
                },
                TicketEvent::PriorityChanged {
                    from: Priority::Normal,
                    to: Priority::Low
                }
            ]
        );
        // An allowed move applies.
        let ok = rule(
            4,
            1,
            Activator::Created,
            all(),
            vec![Action::SetStatus {
                status: Status::Pending,
            }],
        );
        let fx = apply_actions(&mut t, &ok, t0(), "", &mut no_assign);
        assert_eq!(t.status, Status::Pending);
        assert_eq!(fx.events.len(), 2);
    }

    #[test]
    fn a_rule_without_effect_leaves_no_trace() {
        let r = rule(
            1,
            1,
            Activator::Created,
            all(),
            set_priority(Priority::Normal),
        );
        let mut t = ticket();
        let before = t.clone();
        assert!(apply_actions(&mut t, &r, t0(), "", &mut no_assign).is_empty());
        assert_eq!(t, before);
    }

    #[test]
    fn anchor_times_come_from_the_facts() {
        let t = ticket();
        let f = facts_of(&t, "");
        assert_eq!(
            anchor_time(TicketTime::Created, f.facts()),
            Some(t.created_at)
        );
        assert_eq!(anchor_time(TicketTime::Assigned, f.facts()), None);
    }
}
