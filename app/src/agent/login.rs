//! `/agent/login`: the sign-in form. A plain POST form enhanced by `ActionForm`, so it works
//! without WASM too (the server redirects to `/agent`, or back here with the error in the URL).
//! Wrong email and wrong password show the same message.

use crate::api::auth::SignIn;
use crate::components::{ErrorNote, PublicHeader, use_texts};
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<SignIn>::new();
    let error = move || {
        action.value().get().and_then(Result::err).map(|e| match e {
            AppError::Unauthenticated => Either::Left(view! {
                <p class="error" role="alert" data-testid="login-error">{t.bad_credentials}</p>
            }),
            other => Either::Right(view! { <ErrorNote error=other/> }),
        })
    };
    view! {
        <Title text=t.sign_in_title/>
        <PublicHeader/>
        <main class="narrow auth">
            <h1>{t.sign_in_title}</h1>
            <ActionForm action=action>
                <label class="field">
                    <span>{t.email}</span>
                    <input type="email" name="email" required autocomplete="username" data-testid="login-email"/>
                </label>
                <label class="field">
                    <span>{t.password}</span>
                    <input
                        type="password"
                        name="password"
                        required
                        autocomplete="current-password"
                        data-testid="login-password"
                    />
                </label>
                {error}
                <button type="submit" data-testid="login-submit" disabled=move || action.pending().get()>
                    {t.sign_in}
                </button>
            </ActionForm>
            <p><a href="/reset" data-testid="login-forgot">{t.login_forgot}</a></p>
        </main>
    }
}
