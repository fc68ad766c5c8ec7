//! `/manage/users` (admins): everyone with role, groups and account status (active, invited,
//! deactivated); inviting by email with name, role, language and groups; sending an
//! invitation again or withdrawing it; changing a role; deactivating and reactivating.
//!
//! Invariants:
//! - managers reach the page through the managers' layout but every call answers 403 for
//!   them, which the page shows; the server functions are the guard;
//! - a refusal (422) shows its field message next to the form or in the row it came from and
//!   keeps what was typed; the list reloads after every successful change.

use crate::api::accounts::{
    ChangeRole, InviteUser, ResendInvite, RevokeInvite, SetAgentActive, UserRow, UsersView,
    users_screen,
};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::error::AppError;
use crate::i18n::Texts;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::account::AccountStatus;
use lossless::actor::Role;
use lossless::ids::AgentId;

const ROLES: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

/// A role's name.
pub(crate) fn role_text(t: &Texts, r: Role) -> &'static str {
    match r {
        Role::Agent => t.role_agent,
        Role::Manager => t.role_manager,
        Role::Admin => t.role_admin,
    }
}

fn status_text(t: &Texts, s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => t.account_active,
        AccountStatus::Invited => t.account_invited,
        AccountStatus::Deactivated => t.account_deactivated,
    }
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let t = use_texts();
    let changes = RwSignal::new(0u64);
    let screen: Resource<Result<UsersView, AppError>> =
        Resource::new(move || changes.get(), |_| users_screen());
    let failed = move || {
        screen
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    let loaded = move || screen.get().and_then(Result::ok);
    let users = move || loaded().map(|s| s.users).unwrap_or_default();
    let me = move || loaded().and_then(|s| s.me);
    // One form for the page's life: a reload after a change keeps what it shows.
    let groups = Signal::derive(move || loaded().map(|s| s.groups).unwrap_or_default());
    view! {
        <Title text=t.users_title/>
        <main class="manage users-page" data-testid="users-page">
            <h1>{t.users_title}</h1>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {failed}
                <InviteForm groups changes/>
                <table class="data-table" data-testid="users-table" class:hidden=move || loaded().is_none()>
                    <thead>
                        <tr>
                            <th>{t.users_name}</th>
                            <th>{t.email}</th>
                            <th>{t.users_role}</th>
                            <th>{t.users_groups}</th>
                            <th>{t.users_status}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=users
                            key=|u| (u.id, u.role, u.status)
                            let:row
                        >
                            <UserLine row me=me() changes/>
                        </For>
                    </tbody>
                </table>
            </Transition>
        </main>
    }
}

#[component]
fn InviteForm(
    groups: Signal<Vec<crate::api::accounts::GroupOption>>,
    changes: RwSignal<u64>,
) -> impl IntoView {
    let t = use_texts();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Agent.as_str().to_owned());
    let lang = RwSignal::new(crate::components::use_lang().code().to_owned());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let action = ServerAction::<InviteUser>::new();
    let errors = RwSignal::new(None::<AppError>);
    let sent = RwSignal::new(false);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            errors.set(None);
            sent.set(true);
            email.set(String::new());
            name.set(String::new());
            chosen.set(Vec::new());
            changes.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Some(e));
            sent.set(false);
        }
        None => {}
    });
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .filter(|e| {
                    ["email", "name", "role", "groups", "lang"]
                        .iter()
                        .all(|f| e.field_code(f).is_none())
                })
                .map(|e| view! { <ErrorNote error=e.clone()/> })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent.set(false);
        action.dispatch(InviteUser {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            lang: lang.get_untracked(),
            groups: chosen
                .get_untracked()
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        });
    };
    let group_boxes = move || {
        groups
            .get()
            .into_iter()
            .map(|g| {
                let id = g.id;
                view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="invite-group"
                            data-group=id
                            prop:checked=move || chosen.with(|c| c.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| {
                                    c.retain(|x| *x != id);
                                    if on {
                                        c.push(id);
                                    }
                                });
                            }
                        />
                        {g.name}
                    </label>
                }
            })
            .collect_view()
    };
    let roles = ROLES
        .into_iter()
        .map(|r| view! { <option value=r.as_str()>{role_text(t, r)}</option> })
        .collect_view();
    view! {
        <section class="invite">
            <h2>{t.users_invite}</h2>
            <form on:submit=submit data-testid="invite-form">
                <label class="field">
                    <span>{t.email}</span>
                    <input
                        type="email"
                        data-testid="invite-email"
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                    {field_error(errors, "email")}
                </label>
                <label class="field">
                    <span>{t.users_name}</span>
                    <input
                        type="text"
                        data-testid="invite-name"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                    {field_error(errors, "name")}
                </label>
                <label class="field">
                    <span>{t.users_role}</span>
                    <select
                        data-testid="invite-role"
                        prop:value=move || role.get()
                        on:change=move |ev| role.set(event_target_value(&ev))
                    >
                        {roles}
                    </select>
                </label>
                <label class="field">
                    <span>{t.language}</span>
                    <select
                        data-testid="invite-lang"
                        prop:value=move || lang.get()
                        on:change=move |ev| lang.set(event_target_value(&ev))
                    >
                        <option value="ru">"Русский"</option>
                        <option value="en">"English"</option>
                    </select>
                </label>
                <fieldset class="field">
                    <legend>{t.users_groups}</legend>
                    {group_boxes}
                    {field_error(errors, "groups")}
                </fieldset>
                {general}
                <button type="submit" data-testid="invite-submit" disabled=move || action.pending().get()>
                    {t.users_send_invite}
                </button>
                <span class="saved" data-testid="invite-sent" class:hidden=move || !sent.get()>
                    {t.users_invite_sent}
                </span>
            </form>
        </section>
    }
}

#[component]
fn UserLine(row: UserRow, me: Option<AgentId>, changes: RwSignal<u64>) -> impl IntoView {
    let t = use_texts();
    let id = row.id;
    let errors = RwSignal::new(None::<AppError>);
    let role_change = ServerAction::<ChangeRole>::new();
    let active = ServerAction::<SetAgentActive>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let done = move |r: Option<Result<(), AppError>>| match r {
        Some(Ok(())) => {
            errors.set(None);
            changes.update(|n| *n += 1);
        }
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    };
    Effect::new(move |_| done(role_change.value().get()));
    Effect::new(move |_| done(active.value().get()));
    Effect::new(move |_| done(resend.value().get()));
    Effect::new(move |_| done(revoke.value().get()));
    let message = move || {
        errors.with(|e| {
            e.as_ref().map(|e| {
                let text = ["role", "agent", "status"]
                    .iter()
                    .find_map(|f| e.field_code(f))
                    .map_or_else(|| e.message(t), |c| t.field_error(c).to_owned());
                view! { <span class="error" role="alert" data-testid="user-error">{text}</span> }
            })
        })
    };
    let current = row.role;
    let roles = ROLES
        .into_iter()
        .map(
            |r| view! { <option value=r.as_str() selected=r == current>{role_text(t, r)}</option> },
        )
        .collect_view();
    let is_me = me == Some(id);
    let buttons = match row.status {
        AccountStatus::Invited => view! {
            <button type="button" data-testid="user-resend" on:click=move |_| { resend.dispatch(ResendInvite { agent: id }); }>
                {t.users_resend}
            </button>
            <button type="button" data-testid="user-revoke" on:click=move |_| { revoke.dispatch(RevokeInvite { agent: id }); }>
                {t.users_revoke}
            </button>
        }
        .into_any(),
        AccountStatus::Active if !is_me => view! {
            <button type="button" data-testid="user-deactivate" on:click=move |_| { active.dispatch(SetAgentActive { agent: id, active: false }); }>
                {t.users_deactivate}
            </button>
        }
        .into_any(),
        AccountStatus::Active => view! { <span class="hint">{t.users_you}</span> }.into_any(),
        AccountStatus::Deactivated => view! {
            <button type="button" data-testid="user-reactivate" on:click=move |_| { active.dispatch(SetAgentActive { agent: id, active: true }); }>
                {t.users_reactivate}
            </button>
        }
        .into_any(),
    };
    let email = row.email.clone();
    view! {
        <tr data-testid="user-row" data-email=email data-status=row.status.as_str()>
            <td>{row.name}</td>
            <td>{row.email}</td>
            <td>
                <select
                    data-testid="user-role"
                    on:change=move |ev| {
                        role_change.dispatch(ChangeRole { agent: id, role: event_target_value(&ev) });
                    }
                >
                    {roles}
                </select>
            </td>
            <td>{row.groups.join(", ")}</td>
            <td data-testid="user-status">{status_text(t, row.status)}</td>
            <td>{buttons}{message}</td>
        </tr>
    }
}
