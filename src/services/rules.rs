//! Rules (issue 4): managing them (list, save, delete, reorder, enable, try) and running them
//! from jobs (`run_rules`, `rule_timer`).
//!
//! Managing: every save, switch and delete writes its audit entry in the same store
//! transaction ([`crate::audit`]); an "assign to agent" action is refused at save time for an
//! agent who is not active or may not own tickets of the group the rule moves the ticket to.
//!
//! Running (invariants):
//! - A `run_rules` job is the one place rules run for a stored change. It plans the rules the
//!   change fires (see [`crate::rules::engine::plan`]) against the ticket as it is now, and
//!   applies the **first** of them as one stored change whose actor is `ActorRef::Rule(id)`
//!   (so every history row of a rule's effect names that rule), committed together with the
//!   job's completion (exactly once). The rest of the round continues in a follow-on job
//!   keyed `rules:<ticket>:<version>:<depth>:<rule>` with that rule added to the chain's
//!   `fired`, so later rules see earlier rules' effects (in position order) and no rule runs
//!   twice for one event. The rule's own changes start the next round (`depth + 1`) through
//!   [`crate::job::jobs_for_chain`].
//! - Timed rules: every `run_rules` job starts the timers whose anchor event the change made
//!   happen (`timer:<rule>:<ticket>:<anchor micros>`). A timer does nothing when its rule is
//!   gone, disabled or no longer timed, or when the anchor event happened again since (a
//!   newer timer exists); it re-arms itself when the rule's minutes were raised; otherwise it
//!   checks the condition at that moment and applies the rule once.
//! - Notifications go in the same change, rendered per recipient language, and a
//!   `LiveEvent::Notification` goes to each recipient after the commit.

use super::{Change, JobOutcome, Ports, commit};
use crate::actor::{Actor, ActorRef, Permission};
use crate::error::DomainError;
use crate::ids::{AgentId, GroupId, RuleId, TicketId, TicketNumber};
use crate::job::{DEFAULT_MAX_ATTEMPTS, Job, JobKind, NewJob};
use crate::live::LiveEvent;
use crate::notification::NewNotification;
use crate::ports::{JobClaim, TicketContext};
use crate::rules::assign::{AssignChoice, choose};
use crate::rules::condition::{RuleFacts, TicketFacts};
use crate::rules::engine::{
    self, CompiledRule, Effects, NotifyText, anchor_time, anchors, apply_actions, next_chain,
};
use crate::rules::hours::{self, BusinessHours};
use crate::rules::{Activator, Happened, NotifyTarget, Rule, RuleChain, RuleDraft};
use crate::team::{Agent, Candidate, GroupRouting};
use crate::ticket::{Ticket, TicketEvent};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many recent tickets "try it" checks.
pub const TRY_TICKETS: i64 = 200;

/// What "try it" found: how many recent tickets were checked and which of them the rule's
/// condition matches, with what its actions would change there (nothing is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryReport {
    /// Tickets checked.
    pub checked: usize,
    /// Tickets the condition matches, newest first.
    pub matches: Vec<TryMatch>,
}

/// One ticket a tried rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryMatch {
    /// The ticket.
    pub ticket: TicketId,
    /// Its number.
    pub number: TicketNumber,
    /// Its subject.
    pub subject: String,
    /// What the actions would change (empty: nothing, e.g. the priority is already set).
    pub changes: Vec<TicketEvent>,
}

/// Every rule in running order, for managers.
pub async fn list_rules(p: &Ports, actor: &Actor) -> Result<Vec<Rule>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let mut rules = p.store.rules().await?;
    rules.sort_by_key(|r| (r.position, r.id));
    Ok(rules)
}

/// Creates (`id: None`, placed last) or replaces a rule after validating it.
pub async fn save_rule(
    p: &Ports,
    actor: &Actor,
    id: Option<RuleId>,
    mut draft: RuleDraft,
) -> Result<Rule, DomainError> {
    actor.require(Permission::ManageTeam)?;
    draft.validate().map_err(DomainError::Invalid)?;
    check_assignees(p, &draft).await?;
    draft.name = draft.name.trim().to_owned();
    let before = match id {
        Some(id) => Some(stored_rule(p, id).await?),
        None => None,
    };
    store_audited(p, actor, id, before.as_ref(), draft).await
}

/// Refuses (422 on `actions`) an "assign to agent" action whose agent does not exist
/// (`invalid`), is not active (`inactive`: invited or switched off), or may not own tickets
/// of the group an earlier "set group" action of the same rule moves the ticket to
/// (`not_member`: a restricted group the agent is not a member of, see
/// [`super::visibility::require_may_own`]).
async fn check_assignees(p: &Ports, draft: &RuleDraft) -> Result<(), DomainError> {
    use crate::rules::rule::{Action, AssignTo};
    let mut group: Option<GroupId> = None;
    for action in &draft.actions {
        match action {
            Action::SetGroup { group: g } => group = *g,
            Action::Assign {
                to: AssignTo::Agent(agent),
            } => {
                super::accounts::require_assignable(p, *agent, "actions").await?;
                match super::visibility::require_may_own(p, *agent, group).await {
                    Ok(()) => {}
                    Err(DomainError::Invalid(_)) => {
                        let mut e = crate::error::FieldErrors::default();
                        e.push("actions", "not_member");
                        return Err(DomainError::Invalid(e));
                    }
                    Err(e) => return Err(e),
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The stored rule `id` (`NotFound` when there is none).
async fn stored_rule(p: &Ports, id: RuleId) -> Result<Rule, DomainError> {
    p.store
        .rules()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(DomainError::NotFound)
}

/// Stores `draft` (as rule `id`, which was `before`) with its audit entry.
async fn store_audited(
    p: &Ports,
    actor: &Actor,
    id: Option<RuleId>,
    before: Option<&Rule>,
    draft: RuleDraft,
) -> Result<Rule, DomainError> {
    use crate::audit::{Target, entry, rule_summary};
    let now = crate::ports::to_micros(p.clock.now());
    let audit = entry(
        now,
        actor.agent_id(),
        Target::Rule,
        id.map(|i| i.0.to_string()).unwrap_or_default(),
        &draft.name,
        before.map(|r| rule_summary(&r.draft)),
        Some(rule_summary(&draft)),
    );
    Ok(p.store.save_rule_audited(id, draft, now, audit).await?)
}

/// Deletes a rule (its history rows stay).
pub async fn delete_rule(p: &Ports, actor: &Actor, id: RuleId) -> Result<(), DomainError> {
    use crate::audit::{Target, entry, rule_summary};
    actor.require(Permission::ManageTeam)?;
    let before = stored_rule(p, id).await?;
    let audit = entry(
        crate::ports::to_micros(p.clock.now()),
        actor.agent_id(),
        Target::Rule,
        id.0.to_string(),
        &before.draft.name,
        Some(rule_summary(&before.draft)),
        None,
    );
    Ok(p.store.delete_rule_audited(id, audit).await?)
}

/// Puts rules in this order (unlisted rules keep their order after them); returns all rules.
pub async fn reorder_rules(
    p: &Ports,
    actor: &Actor,
    ids: Vec<RuleId>,
) -> Result<Vec<Rule>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let mut seen = BTreeSet::new();
    let ids: Vec<RuleId> = ids.into_iter().filter(|i| seen.insert(*i)).collect();
    p.store.reorder_rules(ids).await?;
    list_rules(p, actor).await
}

/// Switches a rule on or off.
pub async fn set_rule_enabled(
    p: &Ports,
    actor: &Actor,
    id: RuleId,
    enabled: bool,
) -> Result<Rule, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let rule = stored_rule(p, id).await?;
    if rule.draft.enabled == enabled {
        return Ok(rule);
    }
    let mut draft = rule.draft.clone();
    draft.enabled = enabled;
    store_audited(p, actor, Some(id), Some(&rule), draft).await
}

/// Tries a draft on the [`TRY_TICKETS`] most recent tickets: which ones its condition
/// matches now and what its actions would change (group strategies are asked with today's
/// presence; nothing is stored). The activator is not checked: the question is "which
/// tickets is this rule about".
pub async fn try_rule(
    p: &Ports,
    actor: &Actor,
    draft: RuleDraft,
) -> Result<TryReport, DomainError> {
    actor.require(Permission::ManageTeam)?;
    draft.validate().map_err(DomainError::Invalid)?;
    let now = crate::ports::to_micros(p.clock.now());
    let rule = Rule {
        id: RuleId(0),
        position: 0,
        draft,
        updated_at: now,
    };
    let compiled = CompiledRule::new(rule);
    let contexts = p.store.recent_ticket_contexts(TRY_TICKETS).await?;
    let hours = business_hours(p).await?;
    let open = hours.is_open(now);
    let mut routing = Routing::default();
    let needed = compiled.rule.draft.condition.uses_suggestion();
    let mut matches = Vec::new();
    for ctx in &contexts {
        let facts = RuleFacts::new(facts_of(ctx, now, open, suggestion(p, ctx, needed).await));
        if !compiled.condition.matches(&facts) {
            continue;
        }
        routing.load_for(p, &compiled.rule, &ctx.ticket).await?;
        let mut t = ctx.ticket.clone();
        let lang = facts.facts().language;
        let fx = apply_actions(&mut t, &compiled.rule, now, "", &mut |tk: &Ticket, g| {
            routing.choose(g, tk, lang, ctx.previous_agent, now)
        });
        matches.push(TryMatch {
            ticket: ctx.ticket.id,
            number: ctx.ticket.number.clone(),
            subject: ctx.ticket.subject.clone(),
            changes: fx
                .events
                .into_iter()
                .filter(|e| !matches!(e, TicketEvent::RuleFired { .. }))
                .collect(),
        });
    }
    Ok(TryReport {
        checked: contexts.len(),
        matches,
    })
}

/// The schedule in the setting [`hours::SETTING_KEY`] (default when unset).
async fn business_hours(p: &Ports) -> Result<BusinessHours, DomainError> {
    let raw = p.store.setting(hours::SETTING_KEY).await?;
    Ok(BusinessHours::from_setting(raw.as_deref()))
}

/// The local classifier's category for the ticket (for the `SuggestedCategory` predicate).
/// Only computed when a condition about to be evaluated tests it (`needed`): it reads the
/// model's stamp and stems the whole ticket once more.
pub(super) async fn suggestion(
    p: &Ports,
    ctx: &TicketContext,
    needed: bool,
) -> Option<(String, u8)> {
    if !needed {
        return None;
    }
    super::classify::suggested_category(p, &ctx.ticket.subject, &ctx.body).await
}

/// The facts rules see about a ticket at `now`.
pub fn facts_of(
    ctx: &TicketContext,
    now: DateTime<Utc>,
    business_hours: bool,
    suggested_category: Option<(String, u8)>,
) -> TicketFacts {
    let t = &ctx.ticket;
    TicketFacts {
        channel: t.channel,
        mailbox: ctx.mailbox.clone(),
        subject: t.subject.clone(),
        body: ctx.body.clone(),
        sender: ctx.sender.clone(),
        contact: t.contact_id,
        organisation: ctx.profile.organisation.clone(),
        vip: ctx.profile.vip,
        language: crate::rules::lang::detect(&t.subject, &ctx.body),
        region: ctx.profile.region.clone(),
        tags: t.tags.clone(),
        custom_fields: ctx.custom_fields.clone(),
        priority: t.priority,
        status: t.status,
        group: t.group,
        owner: t.assignee,
        now,
        business_hours,
        created_at: t.created_at,
        last_customer_reply_at: ctx.last_customer_reply_at,
        status_changed_at: ctx.status_changed_at,
        assigned_at: ctx.assigned_at,
        suggested_category,
    }
}

/// Group strategies' inputs, loaded once per group a rule may route to.
#[derive(Default)]
struct Routing {
    groups: BTreeMap<GroupId, (GroupRouting, Vec<Candidate>)>,
}

impl Routing {
    /// Loads the routing of every group an "assign by strategy" in `rule` may ask: the
    /// ticket's group and the groups the rule sets.
    async fn load_for(&mut self, p: &Ports, rule: &Rule, t: &Ticket) -> Result<(), DomainError> {
        use crate::rules::{Action, AssignTo};
        let by_strategy = rule.draft.actions.iter().any(|a| {
            matches!(
                a,
                Action::Assign {
                    to: AssignTo::GroupStrategy
                }
            )
        });
        if !by_strategy {
            return Ok(());
        }
        let mut wanted: BTreeSet<GroupId> = t.group.into_iter().collect();
        for a in &rule.draft.actions {
            if let Action::SetGroup { group: Some(g) } = a {
                wanted.insert(*g);
            }
        }
        for g in wanted {
            if self.groups.contains_key(&g) {
                continue;
            }
            let routing = match p.store.group_routing(g).await {
                Ok(r) => r,
                // A deleted group routes like a manual one: nobody is picked.
                Err(crate::ports::StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let candidates = p.store.assignment_candidates(g).await?;
            self.groups.insert(g, (routing, candidates));
        }
        Ok(())
    }

    fn choose(
        &self,
        g: GroupId,
        t: &Ticket,
        lang: crate::ids::Lang,
        previous: Option<AgentId>,
        now: DateTime<Utc>,
    ) -> AssignChoice {
        match self.groups.get(&g) {
            Some((routing, candidates)) => {
                choose(routing, candidates, lang, &t.tags, previous, now)
            }
            None => AssignChoice::Manual,
        }
    }
}

/// Runs a `run_rules` or `rule_timer` job.
pub(super) async fn run_job(
    p: &Ports,
    job: &Job,
    claim: JobClaim,
) -> Result<JobOutcome, DomainError> {
    match &job.kind {
        JobKind::RunRules {
            ticket_id,
            version,
            happened,
            chain,
        } => run_rules(p, claim, *ticket_id, *version, happened, chain).await,
        JobKind::RuleTimer {
            ticket_id,
            rule_id,
            anchor_at,
        } => rule_timer(p, claim, *ticket_id, *rule_id, *anchor_at).await,
        _ => Ok(JobOutcome::Done),
    }
}

/// The enabled rules, compiled, in running order. An "assign to agent" action whose agent
/// is no longer active (switched off after the rule was saved) is left out: the rule's
/// other actions still run, the ticket is not handed to someone who cannot work it.
async fn compiled_rules(p: &Ports) -> Result<Vec<CompiledRule>, DomainError> {
    use crate::rules::rule::{Action, AssignTo};
    let mut rules = p.store.rules().await?;
    let inactive = p.store.inactive_agents().await?;
    if !inactive.is_empty() {
        for r in &mut rules {
            r.draft.actions.retain(
                |a| !matches!(a, Action::Assign { to: AssignTo::Agent(x) } if inactive.contains(x)),
            );
        }
    }
    Ok(engine::compile(rules))
}

/// The timers a change starts (see the module docs).
fn timers_for(
    rules: &[CompiledRule],
    happened: &Happened,
    facts: &TicketFacts,
    ticket: TicketId,
) -> Vec<NewJob> {
    rules
        .iter()
        .filter(|r| r.rule.draft.enabled)
        .filter_map(|r| match r.rule.draft.activator {
            Activator::Timed { after, minutes } if anchors(after, happened) => {
                let at = crate::ports::to_micros(anchor_time(after, facts)?);
                Some(timer_job(
                    r.rule.id,
                    ticket,
                    at,
                    at + Duration::minutes(minutes),
                    false,
                ))
            }
            _ => None,
        })
        .collect()
}

fn timer_job(
    rule: RuleId,
    ticket: TicketId,
    anchor_at: DateTime<Utc>,
    run_at: DateTime<Utc>,
    rearmed: bool,
) -> NewJob {
    let base = format!("timer:{rule}:{ticket}:{}", anchor_at.timestamp_micros());
    NewJob {
        key: if rearmed {
            format!("{base}:{}", run_at.timestamp_micros())
        } else {
            base
        },
        kind: JobKind::RuleTimer {
            ticket_id: ticket,
            rule_id: rule,
            anchor_at,
        },
        run_at,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

async fn run_rules(
    p: &Ports,
    claim: JobClaim,
    ticket_id: TicketId,
    version: i64,
    happened: &Happened,
    chain: &RuleChain,
) -> Result<JobOutcome, DomainError> {
    let rules = compiled_rules(p).await?;
    let needed = rules
        .iter()
        .any(|r| r.rule.draft.enabled && r.rule.draft.condition.uses_suggestion());
    let hours = business_hours(p).await?;
    let mut timers_started = false;
    let mut last = DomainError::Conflict;
    for _ in 0..8 {
        let Some(ctx) = p.store.ticket_context(ticket_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let now = crate::ports::to_micros(p.clock.now());
        let facts = facts_of(
            &ctx,
            now,
            hours.is_open(now),
            suggestion(p, &ctx, needed).await,
        );
        if !timers_started {
            let timers = timers_for(&rules, happened, &facts, ticket_id);
            if !timers.is_empty() {
                p.store.enqueue_jobs(timers).await?;
            }
            timers_started = true;
        }
        let facts = RuleFacts::new(facts);
        let Some(first) = engine::plan(&rules, happened, &facts, chain)
            .into_iter()
            .next()
        else {
            return Ok(JobOutcome::Done);
        };
        let rule = &first.rule;
        let follow_on = NewJob {
            key: format!("rules:{ticket_id}:{version}:{}:{}", chain.depth, rule.id),
            kind: JobKind::RunRules {
                ticket_id,
                version,
                happened: happened.clone(),
                chain: RuleChain {
                    depth: chain.depth,
                    fired: next_chain(chain, rule.id).fired,
                },
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        };
        match apply_rule(
            p,
            &ctx,
            &facts,
            rule,
            chain,
            now,
            Some(claim.clone()),
            vec![follow_on],
        )
        .await
        {
            Err(DomainError::Conflict) => last = DomainError::Conflict,
            Err(e) => return Err(e),
            Ok(outcome) => return Ok(outcome),
        }
    }
    Err(last)
}

async fn rule_timer(
    p: &Ports,
    claim: JobClaim,
    ticket_id: TicketId,
    rule_id: RuleId,
    anchor_at: DateTime<Utc>,
) -> Result<JobOutcome, DomainError> {
    let rules = compiled_rules(p).await?;
    let Some(compiled) = rules
        .into_iter()
        .find(|r| r.rule.id == rule_id && r.rule.draft.enabled)
    else {
        return Ok(JobOutcome::Done);
    };
    let Activator::Timed { after, minutes } = compiled.rule.draft.activator else {
        return Ok(JobOutcome::Done);
    };
    let needed = compiled.rule.draft.condition.uses_suggestion();
    let hours = business_hours(p).await?;
    let anchor_at = crate::ports::to_micros(anchor_at);
    let mut last = DomainError::Conflict;
    for _ in 0..8 {
        let Some(ctx) = p.store.ticket_context(ticket_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let now = crate::ports::to_micros(p.clock.now());
        let facts = facts_of(
            &ctx,
            now,
            hours.is_open(now),
            suggestion(p, &ctx, needed).await,
        );
        if anchor_time(after, &facts).map(crate::ports::to_micros) != Some(anchor_at) {
            return Ok(JobOutcome::Done);
        }
        let due = anchor_at + Duration::minutes(minutes);
        if now < due {
            p.store
                .enqueue_jobs(vec![timer_job(rule_id, ticket_id, anchor_at, due, true)])
                .await?;
            return Ok(JobOutcome::Done);
        }
        let facts = RuleFacts::new(facts);
        if !compiled.condition.matches(&facts) {
            return Ok(JobOutcome::Done);
        }
        let chain = RuleChain::default();
        match apply_rule(
            p,
            &ctx,
            &facts,
            &compiled.rule,
            &chain,
            now,
            Some(claim.clone()),
            vec![],
        )
        .await
        {
            Err(DomainError::Conflict) => last = DomainError::Conflict,
            Err(e) => return Err(e),
            Ok(outcome) => return Ok(outcome),
        }
    }
    Err(last)
}

/// Applies one rule to the ticket of `ctx` and stores it as one change (actor the rule),
/// together with `jobs` and the completion of `completes`. When the rule changes nothing,
/// only `jobs` are enqueued and the worker completes the job.
#[allow(clippy::too_many_arguments)]
async fn apply_rule(
    p: &Ports,
    ctx: &TicketContext,
    facts: &RuleFacts,
    rule: &Rule,
    chain: &RuleChain,
    now: DateTime<Utc>,
    completes: Option<JobClaim>,
    jobs: Vec<NewJob>,
) -> Result<JobOutcome, DomainError> {
    let before = &ctx.ticket;
    let mut routing = Routing::default();
    routing.load_for(p, rule, before).await?;
    let name = p
        .store
        .contact(before.contact_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let lang = facts.facts().language;
    let mut after = before.clone();
    let fx = apply_actions(&mut after, rule, now, &name, &mut |t: &Ticket, g| {
        routing.choose(g, t, lang, ctx.previous_agent, now)
    });
    if fx.is_empty() {
        if !jobs.is_empty() {
            p.store.enqueue_jobs(jobs).await?;
        }
        return Ok(JobOutcome::Done);
    }
    let Effects {
        mut events,
        messages,
        notify,
    } = fx;
    let notifications = recipients(p, &after, &notify).await?;
    if !notifications.is_empty() {
        events.push(TicketEvent::RuleNotified {
            count: notifications.len(),
        });
    }
    let notified: Vec<AgentId> = notifications.iter().map(|n| n.agent).collect();
    after.updated_at = now;
    let change = Change {
        after,
        actor: ActorRef::Rule(rule.id),
        events,
        messages,
        chain: Some(next_chain(chain, rule.id)),
        notifications,
        jobs,
    };
    commit(p, before, change, completes).await?;
    for agent in notified {
        p.live.publish(LiveEvent::Notification { agent });
    }
    Ok(JobOutcome::Completed)
}

/// Resolves notification intents into one notification per recipient (deduplicated per
/// intent), each rendered in the recipient's language.
async fn recipients(
    p: &Ports,
    ticket: &Ticket,
    intents: &[engine::NotifyIntent],
) -> Result<Vec<NewNotification>, DomainError> {
    if intents.is_empty() {
        return Ok(Vec::new());
    }
    let agents: BTreeMap<AgentId, Agent> = p
        .store
        .agents()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let restricted = p.store.restricted_groups().await?;
    let mut out = Vec::new();
    for intent in intents {
        let ids: Vec<AgentId> = match intent.target {
            NotifyTarget::Managers => agents
                .values()
                .filter(|a| a.role.is_manager())
                .map(|a| a.id)
                .collect(),
            NotifyTarget::Group(g) => p.store.group_members(g).await?,
            NotifyTarget::Agent(a) => vec![a],
            NotifyTarget::Assignee => ticket.assignee.into_iter().collect(),
        };
        let group_name = match &intent.text {
            NotifyText::NoAgentAvailable { group } => p
                .store
                .groups()
                .await?
                .into_iter()
                .find(|x| x.id == *group)
                .map(|x| x.name)
                .unwrap_or_else(|| group.to_string()),
            NotifyText::Custom(_) => String::new(),
        };
        let unique: BTreeSet<AgentId> = ids.into_iter().collect();
        for id in unique {
            let Some(agent) = agents.get(&id) else {
                continue;
            };
            if !super::visibility::agent_sees(p, &restricted, agent, ticket).await? {
                continue;
            }
            out.push(NewNotification {
                agent: id,
                ticket: Some(ticket.id),
                text: engine::render_notification(&intent.text, agent.lang, ticket, &group_name),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::condition::{Condition, TicketTime};
    use crate::rules::{Action, WatchedField};
    use crate::ticket::tests::{t0, ticket};

    fn ctx(body: &str) -> TicketContext {
        let mut t = ticket();
        t.lang = crate::ids::Lang::En; // the customer's UI language
        TicketContext {
            ticket: t,
            body: body.into(),
            mailbox: None,
            sender: None,
            profile: crate::contact::ContactProfile::default(),
            last_customer_reply_at: Some(t0()),
            status_changed_at: Some(t0() + Duration::minutes(3)),
            assigned_at: None,
            previous_agent: None,
            custom_fields: [("plan".to_owned(), "pro".to_owned())].into(),
        }
    }

    #[test]
    fn the_language_comes_from_the_text_not_the_ui_language() {
        let f = facts_of(&ctx("Здравствуйте, не проходит оплата"), t0(), true, None);
        assert_eq!(f.language, crate::ids::Lang::Ru);
        assert_eq!(f.created_at, t0());
        assert!(f.business_hours);
        assert_eq!(f.custom_fields.get("plan").map(String::as_str), Some("pro"));
    }

    fn timed(id: i64, after: TicketTime, minutes: i64) -> Rule {
        Rule {
            id: RuleId(id),
            position: 1,
            draft: RuleDraft {
                name: format!("t{id}"),
                enabled: true,
                activator: Activator::Timed { after, minutes },
                condition: Condition::All(vec![]),
                actions: vec![Action::AddTags {
                    tags: vec!["x".into()],
                }],
            },
            updated_at: t0(),
        }
    }

    #[test]
    fn a_change_starts_the_timers_of_the_events_it_made_happen() {
        let mut disabled = timed(4, TicketTime::Created, 5);
        disabled.draft.enabled = false;
        let rules = engine::compile(vec![
            timed(1, TicketTime::Created, 15),
            timed(2, TicketTime::StatusChanged, 60),
            timed(3, TicketTime::Assigned, 10),
            disabled,
        ]);
        let c = ctx("текст");
        let f = facts_of(&c, t0(), true, None);
        let created = Happened {
            created: true,
            ..Happened::default()
        };
        let jobs = timers_for(&rules, &created, &f, TicketId(1));
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            jobs[0].key,
            format!("timer:1:1:{}", t0().timestamp_micros())
        );
        assert_eq!(jobs[0].run_at, t0() + Duration::minutes(15));
        let status = Happened {
            changed: [WatchedField::Status].into_iter().collect(),
            ..Happened::default()
        };
        let jobs = timers_for(&rules, &status, &f, TicketId(1));
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].run_at, t0() + Duration::minutes(63));
        // Assigned happened but the context knows no assignment time: no timer.
        let assigned = Happened {
            changed: [WatchedField::Assignee].into_iter().collect(),
            ..Happened::default()
        };
        assert!(timers_for(&rules, &assigned, &f, TicketId(1)).is_empty());
        // A re-armed timer has its own key.
        let re = timer_job(
            RuleId(1),
            TicketId(1),
            t0(),
            t0() + Duration::minutes(30),
            true,
        );
        assert_ne!(
            re.key,
            jobs_key(&timers_for(&rules, &created, &f, TicketId(1)))
        );
    }

    fn jobs_key(jobs: &[NewJob]) -> String {
        jobs.first().map(|j| j.key.clone()).unwrap_or_default()
    }
}
