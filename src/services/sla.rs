//! SLA in the running system (issue 5): policies and calendars for managers, the clocks'
//! bookkeeping run from the job table, warnings and breaches as history, notifications and
//! breach actions, and the sweep.
//!
//! How clocks move: every change whose events move SLA clocks enqueues an `sla_update` job
//! in its own transaction ([`crate::job::jobs_for`]). The job ([`catch_up`]) replays the
//! history rows the ticket's SLA record has not seen ([`crate::sla::record::catch_up`]) with
//! the targets that apply to the ticket now, fires what is due, and stores the record, its
//! history rows, measurements, notifications and the next timer (`slacheck:<ticket>:<due>`)
//! together with the job's completion — compare-and-set on the record's revision, so two
//! nodes never both announce a warning. The sweep ([`sweep`]) is the backstop: any record
//! whose `next_at` has passed gets a job (keyed by that instant, so at most one).
//!
//! Policy and calendar saves and deletes (holiday imports too) write their audit entry in
//! the same store transaction ([`crate::audit`]).
//!
//! Invariants: SLA writes never bump a ticket's version; every warning and breach is written
//! once (history + measurement) and notified once; breach actions run as their own change
//! (actor: the system), keyed by the breach so they apply once.

use super::{Change, JobOutcome, Ports, with_retry};
use crate::actor::{Actor, ActorRef, Permission};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{AgentId, GroupId, Lang, SlaCalendarId, SlaPolicyId, TicketId};
use crate::job::{DEFAULT_MAX_ATTEMPTS, Job, JobKind, NewJob};
use crate::live::LiveEvent;
use crate::notification::NewNotification;
use crate::ports::JobClaim;
use crate::rules::RuleFacts;
use crate::rules::assign::{AssignChoice, choose};
use crate::sla::clock::CalendarSet;
use crate::sla::import::{self, ImportError};
use crate::sla::policy::{self, OnBreach, Target};
use crate::sla::record::{self, TicketSla};
use crate::sla::{Calendar, Measurement, Policy, PolicyDraft, SaveSla, SlaEvent, StoredCalendar};
use crate::team::Candidate;
use crate::ticket::{Priority, Ticket, TicketEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The settings claim that makes the default policies and calendar install once.
pub const DEFAULTS_CLAIM_KEY: &str = "sla.defaults_installed";
/// Longest calendar name (characters).
pub const MAX_CALENDAR_NAME_CHARS: usize = 80;
/// Records the sweep looks at per round, at most.
pub const SWEEP_BATCH: i64 = 1_000;

/// Installs the shipped policies and an office-hours calendar once per installation:
/// several nodes may call it, each with its own random `claim`; the one whose claim the
/// settings keep installs. Returns whether this call installed.
pub async fn install_defaults(p: &Ports, claim: &str) -> Result<bool, DomainError> {
    let now = crate::ports::to_micros(p.clock.now());
    let kept = p.store.setting_or_init(DEFAULTS_CLAIM_KEY, claim).await?;
    if kept != claim {
        return Ok(false);
    }
    if p.store.sla_calendars().await?.is_empty() {
        p.store
            .save_sla_calendar(
                None,
                "Рабочие часы / Office hours".into(),
                Calendar::default(),
                true,
                now,
            )
            .await?;
    }
    if p.store.sla_policies().await?.is_empty() {
        for d in policy::defaults() {
            p.store.save_sla_policy(None, d, now).await?;
        }
    }
    p.store.put_setting(DEFAULTS_CLAIM_KEY, "installed").await?;
    Ok(true)
}

// ---- policies and calendars (managers) ----

/// Every policy in order.
pub async fn list_policies(p: &Ports, actor: &Actor) -> Result<Vec<Policy>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.sla_policies().await?)
}

/// Creates (`None`) or replaces a policy; 422 with field errors for a bad draft.
pub async fn save_policy(
    p: &Ports,
    actor: &Actor,
    id: Option<SlaPolicyId>,
    mut draft: PolicyDraft,
) -> Result<Policy, DomainError> {
    actor.require(Permission::ManageTeam)?;
    draft.name = draft.name.trim().to_owned();
    draft.validate().map_err(DomainError::Invalid)?;
    if let Some(c) = draft.calendar
        && !p.store.sla_calendars().await?.iter().any(|x| x.id == c)
    {
        let mut e = FieldErrors::default();
        e.push("calendar", "invalid");
        return Err(DomainError::Invalid(e));
    }
    let before = match id {
        Some(id) => Some(stored_policy(p, id).await?),
        None => None,
    };
    store_policy_audited(p, actor, id, before.as_ref(), draft).await
}

/// The stored policy `id` (`NotFound` when there is none).
async fn stored_policy(p: &Ports, id: SlaPolicyId) -> Result<Policy, DomainError> {
    p.store
        .sla_policies()
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(DomainError::NotFound)
}

/// Stores `draft` (as policy `id`, which was `before`) with its audit entry.
async fn store_policy_audited(
    p: &Ports,
    actor: &Actor,
    id: Option<SlaPolicyId>,
    before: Option<&Policy>,
    draft: PolicyDraft,
) -> Result<Policy, DomainError> {
    use crate::audit::{Target, entry, policy_summary};
    let now = crate::ports::to_micros(p.clock.now());
    let audit = entry(
        now,
        actor.agent_id(),
        Target::SlaPolicy,
        id.map(|i| i.0.to_string()).unwrap_or_default(),
        &draft.name,
        before.map(|x| policy_summary(&x.draft)),
        Some(policy_summary(&draft)),
    );
    Ok(p.store
        .save_sla_policy_audited(id, draft, now, audit)
        .await?)
}

/// Turns a policy on or off.
pub async fn set_policy_enabled(
    p: &Ports,
    actor: &Actor,
    id: SlaPolicyId,
    enabled: bool,
) -> Result<Policy, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let policy = stored_policy(p, id).await?;
    let mut draft = policy.draft.clone();
    draft.enabled = enabled;
    store_policy_audited(p, actor, Some(id), Some(&policy), draft).await
}

/// Deletes a policy.
pub async fn delete_policy(p: &Ports, actor: &Actor, id: SlaPolicyId) -> Result<(), DomainError> {
    use crate::audit::{Target, entry, policy_summary};
    actor.require(Permission::ManageTeam)?;
    let before = stored_policy(p, id).await?;
    let audit = entry(
        crate::ports::to_micros(p.clock.now()),
        actor.agent_id(),
        Target::SlaPolicy,
        id.0.to_string(),
        &before.draft.name,
        Some(policy_summary(&before.draft)),
        None,
    );
    Ok(p.store.delete_sla_policy_audited(id, audit).await?)
}

/// Sets the policies' order (ties between equally specific policies).
pub async fn reorder_policies(
    p: &Ports,
    actor: &Actor,
    ids: Vec<SlaPolicyId>,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.reorder_sla_policies(ids).await?)
}

/// Every calendar.
pub async fn list_calendars(p: &Ports, actor: &Actor) -> Result<Vec<StoredCalendar>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.sla_calendars().await?)
}

/// Creates (`None`) or replaces a calendar; 422 (`name`, `week.<day>`, `overrides.<date>`).
pub async fn save_calendar(
    p: &Ports,
    actor: &Actor,
    id: Option<SlaCalendarId>,
    name: &str,
    calendar: Calendar,
    is_default: bool,
) -> Result<StoredCalendar, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let mut errs = calendar.validate().err().unwrap_or_default();
    let name = name.trim();
    if name.is_empty() {
        errs.push("name", "required");
    } else if name.chars().count() > MAX_CALENDAR_NAME_CHARS {
        errs.push("name", "too_long");
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let before = match id {
        Some(id) => Some(stored_calendar(p, id).await?),
        None => None,
    };
    store_calendar_audited(
        p,
        actor,
        before.as_ref(),
        name.to_owned(),
        calendar,
        is_default,
    )
    .await
}

/// The stored calendar `id` (`NotFound` when there is none).
async fn stored_calendar(p: &Ports, id: SlaCalendarId) -> Result<StoredCalendar, DomainError> {
    p.store
        .sla_calendars()
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(DomainError::NotFound)
}

/// Stores a calendar (replacing `before`, or new) with its audit entry.
async fn store_calendar_audited(
    p: &Ports,
    actor: &Actor,
    before: Option<&StoredCalendar>,
    name: String,
    calendar: Calendar,
    is_default: bool,
) -> Result<StoredCalendar, DomainError> {
    use crate::audit::{Target, calendar_summary, entry};
    let now = crate::ports::to_micros(p.clock.now());
    let id = before.map(|c| c.id);
    // A default stays default and the first calendar becomes it (see
    // `Store::save_sla_calendar`): summarize what is stored.
    let after_default = is_default
        || match before {
            Some(c) => c.is_default,
            None => p.store.sla_calendars().await?.is_empty(),
        };
    let audit = entry(
        now,
        actor.agent_id(),
        Target::SlaCalendar,
        id.map(|i| i.0.to_string()).unwrap_or_default(),
        &name,
        before.map(|c| calendar_summary(&c.name, &c.calendar, c.is_default)),
        Some(calendar_summary(&name, &calendar, after_default)),
    );
    Ok(p.store
        .save_sla_calendar_audited(id, name, calendar, is_default, now, audit)
        .await?)
}

/// Deletes a calendar (not the default one: `Conflict`).
pub async fn delete_calendar(
    p: &Ports,
    actor: &Actor,
    id: SlaCalendarId,
) -> Result<(), DomainError> {
    use crate::audit::{Target, calendar_summary, entry};
    actor.require(Permission::ManageTeam)?;
    let before = stored_calendar(p, id).await?;
    let audit = entry(
        crate::ports::to_micros(p.clock.now()),
        actor.agent_id(),
        Target::SlaCalendar,
        id.0.to_string(),
        &before.name,
        Some(calendar_summary(
            &before.name,
            &before.calendar,
            before.is_default,
        )),
        None,
    );
    Ok(p.store.delete_sla_calendar_audited(id, audit).await?)
}

/// What an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// The Russian production calendar (xmlcalendar XML, one year).
    ProductionCalendar,
    /// An iCal feed of holidays.
    Ical,
}

/// Merges a holiday file into a calendar's overrides; returns the calendar and how many
/// dates the file set. A bad file is 422 on `file` (code `too_large`, `format` or
/// `line:<n>`), and nothing changes.
pub async fn import_holidays(
    p: &Ports,
    actor: &Actor,
    id: SlaCalendarId,
    format: ImportFormat,
    text: &str,
) -> Result<(StoredCalendar, usize), DomainError> {
    actor.require(Permission::ManageTeam)?;
    let stored = stored_calendar(p, id).await?;
    let now = p.clock.now();
    let year = chrono::Datelike::year(&now);
    let days = match format {
        ImportFormat::ProductionCalendar => import::production_calendar(text),
        ImportFormat::Ical => import::ical_holidays(text, (year - 1)..=(year + 2)),
    }
    .map_err(|e| {
        let code = match e {
            ImportError::TooLarge => "too_large".to_owned(),
            ImportError::NotFormat(_) => "format".to_owned(),
            ImportError::Bad { line, .. } => format!("line:{line}"),
        };
        let mut errs = FieldErrors::default();
        errs.push("file", &code);
        DomainError::Invalid(errs)
    })?;
    let mut calendar = stored.calendar.clone();
    import::apply(&mut calendar, &days);
    calendar.validate().map_err(DomainError::Invalid)?;
    let name = stored.name.clone();
    let saved =
        store_calendar_audited(p, actor, Some(&stored), name, calendar, stored.is_default).await?;
    Ok((saved, days.len()))
}

/// Every group's calendar.
pub async fn group_calendars(
    p: &Ports,
    actor: &Actor,
) -> Result<BTreeMap<GroupId, SlaCalendarId>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.group_calendars().await?)
}

/// Sets or clears a group's calendar.
pub async fn set_group_calendar(
    p: &Ports,
    actor: &Actor,
    group: GroupId,
    calendar: Option<SlaCalendarId>,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.set_group_calendar(group, calendar).await?)
}

/// What the ticket page shows of SLA.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSlaView {
    /// The record (`None`: no clocks yet).
    pub sla: Option<TicketSla>,
    /// Met and breached targets so far.
    pub measurements: Vec<Measurement>,
}

/// A ticket's SLA for agents.
pub async fn ticket_sla(
    p: &Ports,
    actor: &Actor,
    id: TicketId,
) -> Result<TicketSlaView, DomainError> {
    actor.require(Permission::ViewQueue)?;
    if let Some(t) = p.store.ticket(id).await? {
        super::visibility::require_sees(p, actor, &t).await?;
    }
    Ok(TicketSlaView {
        sla: p.store.ticket_sla(id).await?,
        measurements: p.store.sla_measurements(id).await?,
    })
}

// ---- the clocks ----

/// Every calendar, with the default one as the fallback.
async fn calendar_set(p: &Ports) -> Result<CalendarSet, DomainError> {
    let all = p.store.sla_calendars().await?;
    let default = all
        .iter()
        .find(|c| c.is_default)
        .map(|c| c.calendar.clone())
        .unwrap_or_default();
    Ok(CalendarSet {
        default,
        by_id: all.into_iter().map(|c| (c.id, c.calendar)).collect(),
    })
}

/// Runs an `sla_update` or `sla_breach_action` job.
pub(super) async fn run_job(
    p: &Ports,
    job: &Job,
    claim: JobClaim,
) -> Result<JobOutcome, DomainError> {
    match &job.kind {
        JobKind::SlaUpdate { ticket_id } => catch_up(p, *ticket_id, Some(claim)).await,
        JobKind::SlaBreachAction {
            ticket_id,
            target,
            on_breach,
        } => breach_action(p, *ticket_id, *target, on_breach, claim).await,
        _ => Ok(JobOutcome::Done),
    }
}

/// Brings a ticket's SLA record up to date and fires what is due (see the module doc).
/// When another node stored the record first (`Conflict`), it starts over from the stored
/// one, which usually leaves nothing to do.
pub async fn catch_up(
    p: &Ports,
    ticket_id: TicketId,
    claim: Option<JobClaim>,
) -> Result<JobOutcome, DomainError> {
    let mut last = DomainError::Conflict;
    for _ in 0..4 {
        match catch_up_once(p, ticket_id, claim.clone()).await {
            Err(DomainError::Conflict) => last = DomainError::Conflict,
            other => return other,
        }
    }
    Err(last)
}

async fn catch_up_once(
    p: &Ports,
    ticket_id: TicketId,
    claim: Option<JobClaim>,
) -> Result<JobOutcome, DomainError> {
    let Some(ctx) = p.store.ticket_context(ticket_id).await? else {
        return Ok(JobOutcome::Done);
    };
    let ticket = &ctx.ticket;
    let stored = p.store.ticket_sla(ticket_id).await?.unwrap_or_default();
    let rows = p.store.history_since(ticket_id, stored.cursor).await?;
    let now = p.clock.now();
    let cals = calendar_set(p).await?;
    let stored_policies = p.store.sla_policies().await?;
    let needed = stored_policies
        .iter()
        .any(|x| x.draft.enabled && x.draft.condition.uses_suggestion());
    let suggested = super::rules::suggestion(p, &ctx, needed).await;
    let policies = policy::compile(stored_policies);
    let facts = RuleFacts::new(super::rules::facts_of(
        &ctx,
        now,
        cals.default.is_open(now),
        suggested,
    ));
    let group_calendar = match ticket.group {
        Some(g) => p.store.group_calendars().await?.get(&g).copied(),
        None => None,
    };
    let chosen = record::with_group_calendar(policy::choose(&policies, &facts), group_calendar);
    let caught = record::catch_up(&stored, &rows, &chosen, ticket.created_at, &cals, now);
    if caught.sla == stored && caught.events.is_empty() {
        // Nothing moved: only the job (if any) completes.
        return Ok(JobOutcome::Done);
    }
    let mut jobs = Vec::new();
    if let Some(at) = caught.sla.next_at {
        jobs.push(timer(ticket_id, at));
    }
    for (e, at) in &caught.events {
        if let SlaEvent::Breached {
            target, on_breach, ..
        } = e
            && (on_breach.raise_priority || on_breach.move_to_group.is_some() || on_breach.reassign)
        {
            jobs.push(NewJob {
                key: format!(
                    "slabreach:{ticket_id}:{}:{}",
                    target.as_str(),
                    at.timestamp_micros()
                ),
                kind: JobKind::SlaBreachAction {
                    ticket_id,
                    target: *target,
                    on_breach: on_breach.clone(),
                },
                run_at: now,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
            });
        }
    }
    let notifications = notifications(p, ticket, &caught.events).await?;
    // The same alerts by email (one job per recipient and event).
    for (k, n) in notifications.iter().enumerate() {
        jobs.push(NewJob {
            key: format!(
                "slamail:{ticket_id}:{}:{}:{}",
                n.agent,
                now.timestamp_micros(),
                k
            ),
            kind: JobKind::SlaEmail {
                ticket_id,
                agent: n.agent,
                text: n.text.clone(),
            },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        });
    }
    let notified: BTreeSet<AgentId> = notifications.iter().map(|n| n.agent).collect();
    let completed = claim.is_some();
    p.store
        .save_sla(SaveSla {
            ticket_id,
            expected_revision: stored.revision,
            sla: caught.sla,
            events: caught.events,
            notifications,
            jobs,
            completes: claim,
            now,
        })
        .await?;
    p.live.publish(LiveEvent::for_ticket(ticket));
    for agent in notified {
        p.live.publish(LiveEvent::Notification { agent });
    }
    Ok(if completed {
        JobOutcome::Completed
    } else {
        JobOutcome::Done
    })
}

/// The timer job for `at` (one per ticket and instant).
fn timer(ticket_id: TicketId, at: DateTime<Utc>) -> NewJob {
    NewJob {
        key: format!("slacheck:{ticket_id}:{}", at.timestamp_micros()),
        kind: JobKind::SlaUpdate { ticket_id },
        run_at: at,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    }
}

/// Who hears of each warning and breach, in their language: a warning goes to the
/// assignee (unassigned: the group's members; no group: the managers); a breach to the
/// managers of the ticket's group (none there, or no group: every manager) and the assignee.
async fn notifications(
    p: &Ports,
    ticket: &Ticket,
    events: &[(SlaEvent, DateTime<Utc>)],
) -> Result<Vec<NewNotification>, DomainError> {
    let wanted: Vec<&SlaEvent> = events
        .iter()
        .map(|(e, _)| e)
        .filter(|e| matches!(e, SlaEvent::Warned { .. } | SlaEvent::Breached { .. }))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let agents: BTreeMap<AgentId, crate::team::Agent> = p
        .store
        .agents()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let managers: Vec<AgentId> = agents
        .values()
        .filter(|a| a.role.is_manager())
        .map(|a| a.id)
        .collect();
    let members = match ticket.group {
        Some(g) => p.store.group_members(g).await?,
        None => Vec::new(),
    };
    let restricted = p.store.restricted_groups().await?;
    let mut out = Vec::new();
    for e in wanted {
        let to: BTreeSet<AgentId> = match e {
            SlaEvent::Warned { .. } => match (ticket.assignee, members.is_empty()) {
                (Some(a), _) => [a].into(),
                (None, false) => members.iter().copied().collect(),
                (None, true) => managers.iter().copied().collect(),
            },
            _ => {
                let group_managers: BTreeSet<AgentId> = members
                    .iter()
                    .copied()
                    .filter(|a| managers.contains(a))
                    .collect();
                let mut to = if group_managers.is_empty() {
                    managers.iter().copied().collect()
                } else {
                    group_managers
                };
                to.extend(ticket.assignee);
                to
            }
        };
        for id in to {
            if let Some(agent) = agents.get(&id)
                && super::visibility::agent_sees(p, &restricted, agent, ticket).await?
            {
                out.push(NewNotification {
                    agent: id,
                    ticket: Some(ticket.id),
                    text: notification_text(e, agent.lang, ticket),
                });
            }
        }
    }
    Ok(out)
}

/// A target's name in `lang`.
pub fn target_name(t: Target, lang: Lang) -> &'static str {
    match (t, lang) {
        (Target::FirstResponse, Lang::Ru) => "первый ответ",
        (Target::NextResponse, Lang::Ru) => "следующий ответ",
        (Target::Resolution, Lang::Ru) => "решение",
        (Target::FirstResponse, Lang::En) => "first response",
        (Target::NextResponse, Lang::En) => "next response",
        (Target::Resolution, Lang::En) => "resolution",
    }
}

/// The in-app text of a warning or breach.
pub fn notification_text(e: &SlaEvent, lang: Lang, t: &Ticket) -> String {
    let n = &t.number;
    match (e, lang) {
        (
            SlaEvent::Warned {
                target, percent, ..
            },
            Lang::Ru,
        ) => format!(
            "{n}: SLA «{}» использован на {percent} % — ответьте до нарушения",
            target_name(*target, lang)
        ),
        (
            SlaEvent::Warned {
                target, percent, ..
            },
            Lang::En,
        ) => format!(
            "{n}: {percent}% of the {} target used — answer before it is breached",
            target_name(*target, lang)
        ),
        (
            SlaEvent::Breached {
                target,
                policy_name,
                ..
            },
            Lang::Ru,
        ) => format!(
            "{n}: SLA нарушен — {} (политика «{policy_name}»)",
            target_name(*target, lang)
        ),
        (
            SlaEvent::Breached {
                target,
                policy_name,
                ..
            },
            Lang::En,
        ) => format!(
            "{n}: SLA breached — {} (policy “{policy_name}”)",
            target_name(*target, lang)
        ),
        (SlaEvent::Met { target, .. }, Lang::Ru) => {
            format!("{n}: цель SLA «{}» достигнута", target_name(*target, lang))
        }
        (SlaEvent::Met { target, .. }, Lang::En) => {
            format!("{n}: SLA {} target met", target_name(*target, lang))
        }
    }
}

/// Emails an agent an SLA alert from the default mailbox (`Auto-Submitted`, so no mail
/// system answers it) unless they switched SLA emails off. A node without SMTP (no mailer,
/// or no mailbox with an SMTP server), or an agent since deleted, skips it; a refusal by the
/// mail server is retried.
pub(super) async fn send_email(
    p: &Ports,
    email: Option<&super::EmailOut>,
    job: &Job,
    ticket_id: TicketId,
    agent: AgentId,
    text: &str,
) -> Result<JobOutcome, DomainError> {
    if !p.store.agent_prefs(agent).await?.sla {
        return Ok(JobOutcome::Done);
    }
    super::alerts::email_agent(p, email, job, ticket_id, agent, text).await
}

/// Applies a breached policy's actions as one change by the system: raise the priority,
/// move to a group, and hand the ticket to whoever the (new or current) group's strategy
/// picks (never the current owner when reassigning).
async fn breach_action(
    p: &Ports,
    ticket_id: TicketId,
    _target: Target,
    on_breach: &OnBreach,
    claim: JobClaim,
) -> Result<JobOutcome, DomainError> {
    let now = crate::ports::to_micros(p.clock.now());
    let group = match on_breach.move_to_group {
        Some(g) if p.store.groups().await?.iter().any(|x| x.id == g) => Some(g),
        _ => None,
    };
    let current = p.store.ticket(ticket_id).await?.and_then(|t| t.group);
    let picker = match group.or(current.filter(|_| on_breach.reassign)) {
        Some(g) => match p.store.group_routing(g).await {
            Ok(routing) => Some((g, routing, p.store.assignment_candidates(g).await?)),
            // A group deleted meanwhile routes like a manual one: nobody is picked.
            Err(crate::ports::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    with_retry(p, ticket_id, Some(claim), |before| {
        let mut after = before.clone();
        let mut events = Vec::new();
        if on_breach.raise_priority {
            let up = Priority::from_rank(i64::from(before.priority.rank()) + 1)
                .unwrap_or(before.priority);
            if up != before.priority {
                events.extend(after.reprioritize(up, now));
            }
        }
        let moved = match group {
            Some(g) if before.group != Some(g) => {
                events.extend(after.move_to_group(Some(g), now));
                true
            }
            _ => false,
        };
        let choice = match &picker {
            Some((g, routing, candidates))
                if (moved || on_breach.reassign) && after.group == Some(*g) =>
            {
                let others: Vec<Candidate> = candidates
                    .iter()
                    .filter(|c| Some(c.status.agent) != before.assignee)
                    .cloned()
                    .collect();
                choose(routing, &others, before.lang, &before.tags, None, now)
            }
            _ => AssignChoice::Manual,
        };
        match choice {
            AssignChoice::Agent { agent, .. } => events.extend(after.assign(Some(agent), now)?),
            AssignChoice::NobodyAvailable | AssignChoice::Manual => {
                if let (AssignChoice::NobodyAvailable, Some(g)) = (choice, after.group) {
                    events.push(TicketEvent::NoAgentAvailable { group: g });
                }
                // The old owner belongs to the old group: a moved ticket waits in the new
                // group's queue; a reassign inside the group keeps its owner.
                if moved && before.assignee.is_some() {
                    events.extend(after.assign(None, now)?);
                }
            }
        }
        Ok(Some(Change::new(after, ActorRef::System, events, vec![])))
    })
    .await?;
    Ok(JobOutcome::Completed)
}

/// One sweep round: enqueues an `sla_update` for every record whose next look is due, keyed
/// by the ticket and the minute of the sweep (so sweeps on several nodes within a minute
/// add one job). The timers normally get there first; this catches a lost one. Returns how
/// many records were due.
pub async fn sweep(p: &Ports, limit: i64) -> Result<usize, DomainError> {
    let now = p.clock.now();
    let due = p.store.due_slas(now, limit).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let minute = now.timestamp() / 60;
    let jobs: Vec<NewJob> = due
        .iter()
        .map(|id| NewJob {
            key: format!("slasweep:{id}:{minute}"),
            kind: JobKind::SlaUpdate { ticket_id: *id },
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        })
        .collect();
    p.store.enqueue_jobs(jobs).await?;
    Ok(due.len())
}
