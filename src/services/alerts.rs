//! Agent alerts (issue 6): "assigned to you", "the customer replied on your ticket", "you
//! were mentioned" — in-app (live) and, per the agent's [`EmailPrefs`], by email — and the
//! agent's own email preferences.
//!
//! Invariants:
//! - an alert is a durable job derived in the same transaction as the change that caused it
//!   ([`crate::job::alert_jobs`], [`crate::job::mention_jobs`]); the job stores the in-app
//!   notification under the job's key, so a repeated run (crash, lost lease, failed email)
//!   never shows it twice, and sends the email at least once;
//! - an alert that no longer holds when its job runs is dropped: the ticket was handed to
//!   someone else before "assigned to you" went out, or is no longer theirs when "the
//!   customer replied" would go out;
//! - texts are rendered in the recipient's language when the job runs;
//! - nobody is alerted about a ticket they may not see ([`crate::visibility`]): the job
//!   drops such an alert when it runs;
//! - only the agent reads or changes their own preferences.

use super::{EmailOut, JobOutcome, Ports};
use crate::actor::{Actor, ActorRef, Permission};
use crate::error::DomainError;
use crate::ids::{AgentId, TicketId};
use crate::job::{Job, JobKind, NewJob};
use crate::live::LiveEvent;
use crate::notification::{
    AlertKind, EmailPrefs, Mentionable, NewNotification, alert_text, mentions,
};
use std::collections::BTreeSet;

/// The agents an internal note mentions ([`mentions`] over the whole team).
pub(super) async fn mentioned(p: &Ports, text: &str) -> Result<BTreeSet<AgentId>, DomainError> {
    if !text.contains('@') {
        return Ok(BTreeSet::new());
    }
    let team: Vec<Mentionable> = p
        .store
        .agents()
        .await?
        .into_iter()
        .map(|a| Mentionable {
            id: a.id,
            name: a.name,
            email: a.email.as_str().to_owned(),
        })
        .collect();
    Ok(mentions(text, &team))
}

/// Fills in who caused the alerts (the acting agent's name) where it is shown: assignments
/// and mentions made by a colleague.
pub(super) async fn named(
    p: &Ports,
    actor: ActorRef,
    mut jobs: Vec<NewJob>,
) -> Result<Vec<NewJob>, DomainError> {
    let ActorRef::Agent(id) = actor else {
        return Ok(jobs);
    };
    if jobs.is_empty() {
        return Ok(jobs);
    }
    let name = p.store.agent(id).await?.map(|a| a.name).unwrap_or_default();
    for j in &mut jobs {
        if let JobKind::AgentAlert { by, alert, .. } = &mut j.kind
            && *alert != AlertKind::CustomerReplied
        {
            by.clone_from(&name);
        }
    }
    Ok(jobs)
}

/// Runs an `agent_alert` job (see the module docs).
pub(super) async fn run(
    p: &Ports,
    email: Option<&EmailOut>,
    job: &Job,
    ticket_id: TicketId,
    agent: AgentId,
    alert: AlertKind,
    by: &str,
) -> Result<JobOutcome, DomainError> {
    let (Some(ticket), Some(recipient)) = (
        p.store.ticket(ticket_id).await?,
        p.store.agent(agent).await?,
    ) else {
        return Ok(JobOutcome::Done);
    };
    let still = match alert {
        AlertKind::Assigned | AlertKind::CustomerReplied => ticket.assignee == Some(agent),
        AlertKind::Mentioned => true,
    };
    // Nobody hears of a ticket they may not see (a restricted group they are not in).
    let restricted = p.store.restricted_groups().await?;
    if !still || !super::visibility::agent_sees(p, &restricted, &recipient, &ticket).await? {
        return Ok(JobOutcome::Done);
    }
    let text = alert_text(recipient.lang, alert, &ticket.number, &ticket.subject, by);
    let now = crate::ports::to_micros(p.clock.now());
    let added = p
        .store
        .add_keyed_notification(
            &job.key,
            NewNotification {
                agent,
                ticket: Some(ticket_id),
                text: text.clone(),
            },
            now,
        )
        .await?;
    if added.is_some() {
        p.live.publish(LiveEvent::Notification { agent });
    }
    if p.store.agent_prefs(agent).await?.wants(alert) {
        return email_loaded(email, job, &ticket, &recipient, &text).await;
    }
    Ok(JobOutcome::Done)
}

/// Emails an agent `text` about a ticket (subject `[number] text`); nothing on nodes without
/// SMTP, nor for an agent or ticket that is gone. A send failure is `Unavailable` (retried).
pub(super) async fn email_agent(
    p: &Ports,
    email: Option<&EmailOut>,
    job: &Job,
    ticket_id: TicketId,
    agent: AgentId,
    text: &str,
) -> Result<JobOutcome, DomainError> {
    let Some(email) = email.filter(|e| e.mailer.can_send()) else {
        return Ok(JobOutcome::Done);
    };
    let (Some(agent), Some(ticket)) = (
        p.store.agent(agent).await?,
        p.store.ticket(ticket_id).await?,
    ) else {
        return Ok(JobOutcome::Done);
    };
    email_loaded(Some(email), job, &ticket, &agent, text).await
}

/// [`email_agent`] for a ticket and agent already loaded.
async fn email_loaded(
    email: Option<&EmailOut>,
    job: &Job,
    ticket: &crate::ticket::Ticket,
    agent: &crate::team::Agent,
    text: &str,
) -> Result<JobOutcome, DomainError> {
    let Some(email) = email.filter(|e| e.mailer.can_send()) else {
        return Ok(JobOutcome::Done);
    };
    let mail = crate::email::outbound::OutgoingEmail {
        mailbox: None,
        to: agent.email.clone(),
        cc: Vec::new(),
        subject: format!("[{}] {text}", ticket.number),
        message_id: format!(
            "{}-{}@{}",
            job.kind.name(),
            job.id,
            email.settings.message_id_domain
        ),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: true,
        body: format!("{text}\n\n{}: {}\n", ticket.number, ticket.subject),
    };
    match email.mailer.send(mail).await {
        Ok(()) => Ok(JobOutcome::Done),
        Err(e) if e.permanent => Ok(JobOutcome::Failed(e.reason)),
        Err(e) => Err(DomainError::Unavailable(e.reason)),
    }
}

/// The acting agent's email preferences.
pub async fn my_email_prefs(p: &Ports, actor: &Actor) -> Result<EmailPrefs, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let me = actor.agent_id().ok_or(DomainError::Forbidden)?;
    Ok(p.store.agent_prefs(me).await?)
}

/// Stores the acting agent's email preferences.
pub async fn save_my_email_prefs(
    p: &Ports,
    actor: &Actor,
    prefs: EmailPrefs,
) -> Result<EmailPrefs, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let me = actor.agent_id().ok_or(DomainError::Forbidden)?;
    p.store.save_agent_prefs(me, prefs).await?;
    Ok(prefs)
}
