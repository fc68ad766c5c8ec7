//! The account pages that need no session: `/invite/<token>` (an invited agent sets their
//! first password), `/reset` (ask for a reset link) and `/reset/<token>` (set a new password).
//!
//! Invariants:
//! - a link that opens nothing (unknown, used, expired, voided) shows one neutral page with
//!   HTTP 404, whatever the reason;
//! - the forms are plain POST forms enhanced by `ActionForm`, so they work without WASM; a
//!   refused password (422) shows its field message and keeps the page;
//! - the reset request shows the same sentence for every well-formed address.

use crate::api::accounts::{AcceptInvite, CompleteReset, RequestReset, link_holder};
use crate::components::{ErrorNote, PublicHeader, set_http_status, use_texts};
use crate::error::AppError;
use crate::i18n::fill;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The neutral page of a link that opens nothing (404).
#[component]
fn DeadLink() -> impl IntoView {
    let t = use_texts();
    set_http_status(404);
    view! {
        <main class="narrow auth" data-testid="link-invalid">
            <h1>{t.link_invalid_title}</h1>
            <p>{t.link_invalid_text}</p>
            <p><a href="/reset">{t.reset_title}</a>" · "<a href="/agent/login">{t.sign_in}</a></p>
        </main>
    }
}

/// The message of a refused password (its field message, or the neutral link page text).
fn password_error(e: AppError) -> impl IntoView {
    let t = use_texts();
    match e.field_code("password").map(|c| t.field_error(c)) {
        Some(msg) => Either::Left(view! {
            <p class="error" role="alert" data-testid="password-error">{msg}</p>
        }),
        None => Either::Right(view! { <ErrorNote error=e/> }),
    }
}

/// `/invite/:token` and `/reset/:token`: the password form for the link's holder.
#[component]
fn PasswordPage(invite: bool) -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let holder = Resource::new(move || token.get(), move |tok| link_holder(invite, tok));
    let title = if invite {
        t.invite_title
    } else {
        t.reset_new_title
    };
    view! {
        <Title text=title/>
        <PublicHeader/>
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match holder.await {
                    Ok(h) => EitherOf3::A(view! { <PasswordForm invite holder=h token=token.get_untracked()/> }),
                    Err(AppError::NotFound) => EitherOf3::B(view! { <DeadLink/> }),
                    Err(e) => EitherOf3::C(view! { <main class="narrow"><ErrorNote error=e/></main> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PasswordForm(
    invite: bool,
    holder: crate::api::accounts::HolderView,
    token: String,
) -> impl IntoView {
    let t = use_texts();
    let accept = ServerAction::<AcceptInvite>::new();
    let reset = ServerAction::<CompleteReset>::new();
    let pending = move || accept.pending().get() || reset.pending().get();
    let error = move || {
        let v = if invite {
            accept.value().get()
        } else {
            reset.value().get()
        };
        v.and_then(Result::err).map(password_error)
    };
    let (title, intro) = if invite {
        (t.invite_title, fill(t.invite_intro, &holder.name))
    } else {
        (t.reset_new_title, fill(t.reset_new_intro, &holder.name))
    };
    let fields = view! {
        <input type="hidden" name="token" value=token/>
        <input type="email" name="username" value=holder.email.clone() autocomplete="username" hidden/>
        <label class="field">
            <span>{t.new_password}</span>
            <input
                type="password"
                name="password"
                required
                autocomplete="new-password"
                data-testid="new-password"
            />
            <small class="hint">{t.password_hint}</small>
        </label>
        {error}
        <button type="submit" data-testid="set-password" disabled=pending>{t.set_password}</button>
    };
    let form = if invite {
        Either::Left(view! { <ActionForm action=accept>{fields}</ActionForm> })
    } else {
        Either::Right(view! { <ActionForm action=reset>{fields}</ActionForm> })
    };
    view! {
        <main class="narrow auth" data-testid="password-page">
            <h1>{title}</h1>
            <p data-testid="link-holder">{intro}" ("{holder.email}")"</p>
            {form}
        </main>
    }
}

/// `/invite/:token`.
#[component]
pub fn InvitePage() -> impl IntoView {
    view! { <PasswordPage invite=true/> }
}

/// `/reset/:token`.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <PasswordPage invite=false/> }
}

/// `/reset`: ask for a reset link.
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<RequestReset>::new();
    let result = move || {
        action.value().get().map(|r| match r {
            Ok(()) => Either::Left(view! {
                <p class="notice" role="status" data-testid="reset-sent">{t.reset_sent}</p>
            }),
            Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
        })
    };
    view! {
        <Title text=t.reset_title/>
        <PublicHeader/>
        <main class="narrow auth" data-testid="reset-page">
            <h1>{t.reset_title}</h1>
            <p>{t.reset_intro}</p>
            <ActionForm action=action>
                <label class="field">
                    <span>{t.email}</span>
                    <input type="email" name="email" required autocomplete="username" data-testid="reset-email"/>
                </label>
                {result}
                <button type="submit" data-testid="reset-submit" disabled=move || action.pending().get()>
                    {t.reset_send}
                </button>
            </ActionForm>
            <p><a href="/agent/login">{t.sign_in}</a></p>
        </main>
    }
}
