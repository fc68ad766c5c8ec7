//! `/manage/audit` (managers and admins, read-only): the audit log of administrative changes,
//! newest first, page by page, filtered by who acted and by action.
//!
//! Invariants: the filters and the page live in the query string (`?actor=&action=&page=`),
//! so a filtered page is a link and works without WASM (a plain GET form); details are shown
//! as their JSON text, escaped like all user text. Configuration changes (rules, SLA
//! policies and calendars, mailboxes; see `lossless::audit`) have their own labels.

use crate::api::accounts::{AuditView, audit_screen};
use crate::components::{ErrorNote, use_texts};
use crate::error::AppError;
use crate::i18n::Texts;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use lossless::account::AuditAction;

/// An action's name.
pub(crate) fn action_text(t: &Texts, a: AuditAction) -> &'static str {
    match a {
        AuditAction::InviteSent => t.audit_invite_sent,
        AuditAction::InviteResent => t.audit_invite_resent,
        AuditAction::InviteRevoked => t.audit_invite_revoked,
        AuditAction::InviteAccepted => t.audit_invite_accepted,
        AuditAction::RoleChanged => t.audit_role_changed,
        AuditAction::AgentDeactivated => t.audit_agent_deactivated,
        AuditAction::AgentReactivated => t.audit_agent_reactivated,
        AuditAction::PasswordReset => t.audit_password_reset,
        AuditAction::GroupRoutingChanged => t.audit_group_routing_changed,
        AuditAction::AgentProfileChanged => t.audit_agent_profile_changed,
        AuditAction::RuleCreated => t.audit_rule_created,
        AuditAction::RuleUpdated => t.audit_rule_updated,
        AuditAction::RuleDeleted => t.audit_rule_deleted,
        AuditAction::SlaPolicyCreated => t.audit_sla_policy_created,
        AuditAction::SlaPolicyUpdated => t.audit_sla_policy_updated,
        AuditAction::SlaPolicyDeleted => t.audit_sla_policy_deleted,
        AuditAction::SlaCalendarCreated => t.audit_sla_calendar_created,
        AuditAction::SlaCalendarUpdated => t.audit_sla_calendar_updated,
        AuditAction::SlaCalendarDeleted => t.audit_sla_calendar_deleted,
        AuditAction::MailboxCreated => t.audit_mailbox_created,
        AuditAction::MailboxUpdated => t.audit_mailbox_updated,
        AuditAction::CannedCreated => t.audit_canned_created,
        AuditAction::CannedUpdated => t.audit_canned_updated,
        AuditAction::CannedDeleted => t.audit_canned_deleted,
    }
}

fn page_link(actor: &str, action: &str, page: i64) -> String {
    format!("/manage/audit?actor={actor}&action={action}&page={page}")
}

/// The audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let actor = Memo::new(move |_| query.read().get("actor").unwrap_or_default());
    let action = Memo::new(move |_| query.read().get("action").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    });
    let screen: Resource<Result<AuditView, AppError>> = Resource::new(
        move || (actor.get(), action.get(), page.get()),
        |(a, b, p)| audit_screen(a, b, p),
    );
    let failed = move || {
        screen
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    let loaded = move || screen.get().and_then(Result::ok);
    let rows = move || loaded().map(|s| s.rows).unwrap_or_default();
    let empty = move || loaded().is_some_and(|s| s.rows.is_empty());
    let actor_options = move || {
        let chosen = actor.get();
        loaded()
            .map(|s| s.agents)
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let v = a.id.to_string();
                let sel = v == chosen;
                view! { <option value=v selected=sel>{a.name}</option> }
            })
            .collect_view()
    };
    let action_options = move || {
        let chosen = action.get();
        AuditAction::ALL
            .into_iter()
            .map(|a| {
                let sel = a.as_str() == chosen;
                view! { <option value=a.as_str() selected=sel>{action_text(t, a)}</option> }
            })
            .collect_view()
    };
    let newer = move || {
        (page.get() > 0).then(|| {
            view! { <a data-testid="audit-newer" href=page_link(&actor.get(), &action.get(), page.get() - 1)>{t.audit_newer}</a> }
        })
    };
    let older = move || {
        loaded().is_some_and(|s| s.more).then(|| {
            view! { <a data-testid="audit-older" href=page_link(&actor.get(), &action.get(), page.get() + 1)>{t.audit_older}</a> }
        })
    };
    view! {
        <Title text=t.audit_title/>
        <main class="manage audit-page" data-testid="audit-page">
            <h1>{t.audit_title}</h1>
            <form method="get" action="/manage/audit" class="inline-form" data-testid="audit-filter">
                <select name="actor" data-testid="audit-actor" aria-label=t.audit_actor>
                    <option value="">{t.audit_all_actors}</option>
                    {actor_options}
                </select>
                <select name="action" data-testid="audit-action" aria-label=t.audit_action>
                    <option value="">{t.audit_all_actions}</option>
                    {action_options}
                </select>
                <button type="submit" data-testid="audit-apply">{t.audit_filter}</button>
            </form>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {failed}
                <p class="hint" class:hidden=move || !empty()>{t.audit_empty}</p>
                <table class="data-table" data-testid="audit-table" class:hidden=empty>
                    <thead>
                        <tr>
                            <th>{t.audit_at}</th>
                            <th>{t.audit_actor}</th>
                            <th>{t.audit_action}</th>
                            <th>{t.audit_target}</th>
                            <th>{t.audit_details}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=rows key=|r| r.id let:row>
                            <tr data-testid="audit-row" data-action=row.action.as_str()>
                                <td>{row.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</td>
                                <td>{row.actor}</td>
                                <td>{action_text(t, row.action)}</td>
                                <td data-testid="audit-target">{row.target}</td>
                                <td><code class="audit-details">{row.details}</code></td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <nav class="pager">{newer}" "{older}</nav>
            </Transition>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};
    use std::collections::BTreeSet;

    #[test]
    fn every_action_has_its_own_label_in_both_languages() {
        for t in [&RU, &EN] {
            let labels: BTreeSet<&str> = AuditAction::ALL
                .into_iter()
                .map(|a| action_text(t, a))
                .collect();
            assert_eq!(labels.len(), AuditAction::ALL.len());
            assert!(labels.iter().all(|l| !l.trim().is_empty()));
        }
        assert_eq!(
            action_text(&RU, AuditAction::MailboxUpdated),
            "Почтовый ящик изменён"
        );
        assert_eq!(action_text(&EN, AuditAction::RuleDeleted), "Rule deleted");
    }
}
