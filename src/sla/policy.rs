//! SLA policies: response and resolution targets chosen by conditions.
//!
//! A policy has a condition (the rules' [`Condition`] tree over [`RuleFacts`]), targets in
//! business minutes (first response, next response after each customer message,
//! resolution), an optional calendar, warning shares and what to do on a breach.
//!
//! Choice ([`choose`]), per target: among the enabled policies whose condition holds and
//! that set this target, the most *specific* wins ([`specificity`]: how many tests a ticket
//! must pass — `all` adds its parts, `any` counts its weakest alternative), ties broken by
//! position, then id. So "email ≤ 2 h" beats "any request ≤ 30 min" for an email, while a
//! policy that only sets a resolution target leaves the response targets to others.
//!
//! Invariants: pure; a draft that passed [`PolicyDraft::validate`] has a name, at least one
//! target, targets of 1 minute to 365 days, and warning shares strictly between 0 and 100.

use crate::error::FieldErrors;
use crate::ids::{GroupId, SlaCalendarId, SlaPolicyId};
use crate::rules::condition::{CompiledCondition, Condition, Predicate, RuleFacts, TextField};
use crate::ticket::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest policy name (characters).
pub const MAX_POLICY_NAME_CHARS: usize = 80;
/// Largest target: a year of business minutes.
pub const MAX_TARGET_MINUTES: u32 = 365 * 24 * 60;
/// Warning shares of a target (percent) unless a policy says otherwise.
pub const DEFAULT_WARN_AT: [u8; 2] = [75, 90];

/// What an SLA clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// From creation to the first public reply.
    FirstResponse,
    /// From a customer message (after the first reply) to the next public reply.
    NextResponse,
    /// From creation to resolved (pausing while waiting for the customer).
    Resolution,
}

impl Target {
    /// All targets.
    pub const ALL: [Target; 3] = [
        Target::FirstResponse,
        Target::NextResponse,
        Target::Resolution,
    ];
    /// Stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::FirstResponse => "first_response",
            Target::NextResponse => "next_response",
            Target::Resolution => "resolution",
        }
    }
}

/// Targets in business minutes; `None` means this policy does not set it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// First response.
    pub first_response: Option<u32>,
    /// Next response.
    pub next_response: Option<u32>,
    /// Resolution.
    pub resolution: Option<u32>,
}

impl Targets {
    /// The minutes set for `t`.
    pub fn get(&self, t: Target) -> Option<u32> {
        match t {
            Target::FirstResponse => self.first_response,
            Target::NextResponse => self.next_response,
            Target::Resolution => self.resolution,
        }
    }
}

/// What happens when a target is missed (managers of the group are always notified).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnBreach {
    /// Raise the priority one step (never above urgent).
    #[serde(default)]
    pub raise_priority: bool,
    /// Move the ticket to this group; its assignment strategy then picks the owner (the
    /// ticket waits unassigned in that group's queue when the group assigns manually or
    /// nobody there is available).
    #[serde(default)]
    pub move_to_group: Option<GroupId>,
    /// Hand the ticket to another agent, picked by the (new or current) group's assignment
    /// strategy from everyone but the current owner; the owner stays when nobody else can
    /// take it.
    #[serde(default)]
    pub reassign: bool,
}

/// A policy as edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDraft {
    /// Name shown to managers and in history.
    pub name: String,
    /// Disabled policies are never chosen.
    pub enabled: bool,
    /// Which tickets it applies to (an empty `all` applies to every ticket).
    pub condition: Condition,
    /// Targets.
    pub targets: Targets,
    /// Business calendar; `None`: the group's, else the installation's default.
    #[serde(default)]
    pub calendar: Option<SlaCalendarId>,
    /// Warning shares in percent, ascending (default 75 and 90).
    #[serde(default = "default_warn_at")]
    pub warn_at: Vec<u8>,
    /// Breach actions.
    #[serde(default)]
    pub on_breach: OnBreach,
}

fn default_warn_at() -> Vec<u8> {
    DEFAULT_WARN_AT.to_vec()
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Id.
    pub id: SlaPolicyId,
    /// Order among equally specific policies (ascending).
    pub position: i32,
    /// The policy.
    pub draft: PolicyDraft,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

impl PolicyDraft {
    /// Field errors: `name`, `targets`, `targets.<target>`, `warn_at`, plus the condition's.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errs.push("name", "required");
        } else if name.chars().count() > MAX_POLICY_NAME_CHARS {
            errs.push("name", "too_long");
        }
        if Target::ALL.iter().all(|t| self.targets.get(*t).is_none()) {
            errs.push("targets", "required");
        }
        for t in Target::ALL {
            if let Some(m) = self.targets.get(t)
                && !(1..=MAX_TARGET_MINUTES).contains(&m)
            {
                errs.push(&format!("targets.{}", t.as_str()), "invalid");
            }
        }
        let ascending = self.warn_at.windows(2).all(|w| w[0] < w[1]);
        if self.warn_at.len() > 5 || !ascending || self.warn_at.iter().any(|p| *p == 0 || *p >= 100)
        {
            errs.push("warn_at", "invalid");
        }
        if !self.condition.is_valid() {
            errs.push("condition", "invalid");
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

/// How many tests a ticket must pass to satisfy `c` (see the module doc).
pub fn specificity(c: &Condition) -> u32 {
    match c {
        Condition::All(xs) => xs.iter().map(specificity).sum(),
        Condition::Any(xs) => xs.iter().map(specificity).min().unwrap_or(0),
        Condition::Not(_) | Condition::Leaf(_) => 1,
    }
}

/// A policy ready for choosing.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// The policy.
    pub policy: Policy,
    condition: CompiledCondition,
    specificity: u32,
}

/// Compiles policies once (conditions stemmed, specificity computed).
pub fn compile(policies: Vec<Policy>) -> Vec<CompiledPolicy> {
    policies
        .into_iter()
        .map(|policy| CompiledPolicy {
            condition: policy.draft.condition.compile(),
            specificity: specificity(&policy.draft.condition),
            policy,
        })
        .collect()
}

/// One chosen target: minutes, from which policy, on which calendar (if the policy names one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenTarget {
    /// Business minutes.
    pub minutes: u32,
    /// The policy it comes from.
    pub policy: SlaPolicyId,
    /// The policy's name (for history and badges).
    pub policy_name: String,
    /// The policy's calendar, if it names one.
    pub calendar: Option<SlaCalendarId>,
    /// Warning shares.
    pub warn_at: Vec<u8>,
    /// Breach actions.
    pub on_breach: OnBreach,
}

/// The targets that apply to a ticket now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chosen {
    /// First response.
    pub first_response: Option<ChosenTarget>,
    /// Next response.
    pub next_response: Option<ChosenTarget>,
    /// Resolution.
    pub resolution: Option<ChosenTarget>,
}

impl Chosen {
    /// The choice for `t`.
    pub fn get(&self, t: Target) -> Option<&ChosenTarget> {
        match t {
            Target::FirstResponse => self.first_response.as_ref(),
            Target::NextResponse => self.next_response.as_ref(),
            Target::Resolution => self.resolution.as_ref(),
        }
    }
}

/// Chooses each target's policy for the ticket (see the module doc).
pub fn choose(policies: &[CompiledPolicy], facts: &RuleFacts) -> Chosen {
    let matching: Vec<&CompiledPolicy> = policies
        .iter()
        .filter(|p| p.policy.draft.enabled && p.condition.matches(facts))
        .collect();
    let pick = |t: Target| {
        matching
            .iter()
            .filter_map(|p| p.policy.draft.targets.get(t).map(|m| (p, m)))
            .min_by_key(|(p, _)| {
                (
                    std::cmp::Reverse(p.specificity),
                    p.policy.position,
                    p.policy.id,
                )
            })
            .map(|(p, minutes)| ChosenTarget {
                minutes,
                policy: p.policy.id,
                policy_name: p.policy.draft.name.clone(),
                calendar: p.policy.draft.calendar,
                warn_at: p.policy.draft.warn_at.clone(),
                on_breach: p.policy.draft.on_breach.clone(),
            })
    };
    Chosen {
        first_response: pick(Target::FirstResponse),
        next_response: pick(Target::NextResponse),
        resolution: pick(Target::Resolution),
    }
}

/// The shipped examples (from the seeds), in position order; editable like any policy.
/// "Chat ≤ 3 min" is the site widget's channel.
pub fn defaults() -> Vec<PolicyDraft> {
    let draft = |name: &str, condition: Condition, targets: Targets| PolicyDraft {
        name: name.to_owned(),
        enabled: true,
        condition,
        targets,
        calendar: None,
        warn_at: default_warn_at(),
        on_breach: OnBreach::default(),
    };
    let words = |ws: &[&str]| {
        Condition::Leaf(Predicate::KeywordsAny {
            words: ws.iter().map(|w| (*w).to_owned()).collect(),
            field: TextField::Both,
        })
    };
    let tag = |t: &str| Condition::Leaf(Predicate::HasTag { tag: t.to_owned() });
    vec![
        draft(
            "Price request",
            Condition::Any(vec![
                tag("price"),
                words(&[
                    "цена",
                    "стоимость",
                    "прайс",
                    "расценки",
                    "price",
                    "quote",
                    "pricing",
                ]),
            ]),
            Targets {
                first_response: Some(15),
                ..Targets::default()
            },
        ),
        draft(
            "Technical problem",
            Condition::Any(vec![
                tag("technical"),
                words(&[
                    "ошибка",
                    "сбой",
                    "не работает",
                    "error",
                    "bug",
                    "crash",
                    "not working",
                ]),
            ]),
            Targets {
                resolution: Some(24 * 60),
                ..Targets::default()
            },
        ),
        draft(
            "Chat",
            Condition::Leaf(Predicate::ChannelIs {
                channel: Channel::Widget,
            }),
            Targets {
                first_response: Some(3),
                next_response: Some(3),
                ..Targets::default()
            },
        ),
        draft(
            "Email",
            Condition::Leaf(Predicate::ChannelIs {
                channel: Channel::Email,
            }),
            Targets {
                first_response: Some(120),
                next_response: Some(120),
                ..Targets::default()
            },
        ),
        draft(
            "Any new request",
            Condition::All(vec![]),
            Targets {
                first_response: Some(30),
                next_response: Some(60),
                // Three 9-hour business days.
                resolution: Some(3 * 9 * 60),
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::condition::tests::base as facts;

    fn stored(drafts: Vec<PolicyDraft>) -> Vec<CompiledPolicy> {
        compile(
            drafts
                .into_iter()
                .enumerate()
                .map(|(i, draft)| Policy {
                    id: SlaPolicyId(i as i64 + 1),
                    position: i as i32 + 1,
                    draft,
                    updated_at: DateTime::<Utc>::default(),
                })
                .collect(),
        )
    }

    fn names(c: &Chosen) -> [Option<(&str, u32)>; 3] {
        Target::ALL.map(|t| c.get(t).map(|x| (x.policy_name.as_str(), x.minutes)))
    }

    #[test]
    fn the_most_specific_policy_wins_per_target() {
        let ps = stored(defaults());
        let mut f = facts();
        f.channel = Channel::WebForm;
        f.subject = "Вопрос".into();
        f.body = "Здравствуйте".into();
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(f.clone()))),
            [
                Some(("Any new request", 30)),
                Some(("Any new request", 60)),
                Some(("Any new request", 1620))
            ]
        );
        f.channel = Channel::Email;
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(f.clone()))),
            [
                Some(("Email", 120)),
                Some(("Email", 120)),
                Some(("Any new request", 1620))
            ]
        );
        // A chat on the site widget: three minutes for every answer.
        let mut chat = f.clone();
        chat.channel = Channel::Widget;
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(chat))),
            [
                Some(("Chat", 3)),
                Some(("Chat", 3)),
                Some(("Any new request", 1620))
            ]
        );
        // An email price request with an error: price (position 1) beats email on the first
        // response at equal specificity; the technical policy sets the resolution.
        f.body = "Какая цена? И у вас ошибка на сайте".into();
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(f.clone()))),
            [
                Some(("Price request", 15)),
                Some(("Email", 120)),
                Some(("Technical problem", 1440))
            ]
        );
        // More tests beat position: email AND vip.
        let mut drafts = defaults();
        drafts.push(PolicyDraft {
            name: "VIP email".into(),
            condition: Condition::All(vec![
                Condition::Leaf(Predicate::ChannelIs {
                    channel: Channel::Email,
                }),
                Condition::Leaf(Predicate::Vip),
            ]),
            targets: Targets {
                first_response: Some(10),
                ..Targets::default()
            },
            ..defaults().remove(0)
        });
        let ps = stored(drafts);
        f.vip = true;
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(f.clone())))[0],
            Some(("VIP email", 10))
        );
        f.vip = false;
        assert_eq!(
            names(&choose(&ps, &RuleFacts::new(f)))[0],
            Some(("Price request", 15))
        );
    }

    #[test]
    fn disabled_policies_are_never_chosen() {
        let mut drafts = defaults();
        for d in &mut drafts {
            d.enabled = false;
        }
        assert_eq!(
            choose(&stored(drafts), &RuleFacts::new(facts())),
            Chosen::default()
        );
    }

    #[test]
    fn specificity_counts_required_tests() {
        let leaf = || Condition::Leaf(Predicate::Vip);
        assert_eq!(specificity(&Condition::All(vec![])), 0);
        assert_eq!(specificity(&Condition::All(vec![leaf(), leaf()])), 2);
        assert_eq!(
            specificity(&Condition::Any(vec![
                leaf(),
                Condition::All(vec![leaf(), leaf()])
            ])),
            1
        );
        assert_eq!(specificity(&Condition::Any(vec![])), 0);
        assert_eq!(
            specificity(&Condition::Not(Box::new(Condition::All(vec![
                leaf(),
                leaf()
            ])))),
            1
        );
    }

    #[test]
    fn validation() {
        for d in defaults() {
            assert!(d.validate().is_ok(), "{}", d.name);
        }
        let bad = PolicyDraft {
            name: " ".into(),
            targets: Targets {
                first_response: Some(0),
                ..Targets::default()
            },
            warn_at: vec![90, 75],
            ..defaults().remove(0)
        };
        let fields: Vec<String> = bad
            .validate()
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "targets.first_response", "warn_at"]);
        let none = PolicyDraft {
            targets: Targets::default(),
            ..defaults().remove(0)
        };
        assert!(none.validate().is_err());
    }
}
