//! The portal's doors (issue 7, point 5): `/portal` (ask for a sign-in link by email; open one
//! ticket by its number and email) and `/portal/login/:token` (the page a mailed link opens).
//!
//! Invariants:
//! - the link request shows the same sentence for every well-formed address, known or not;
//! - a failed lookup shows one neutral sentence, whatever failed (number, address, both);
//! - opening a link does not use it: the page asks to confirm with a button (a POST), so mail
//!   scanners that fetch links do not burn the single use; a link that opens nothing shows one
//!   neutral page with HTTP 404;
//! - the forms are plain POST forms enhanced by `ActionForm`, so they work without WASM.

use crate::api::portal::{PortalLookup, PortalSignIn, RequestPortalLink, portal_link_state};
use crate::components::{ErrorNote, PublicHeader, set_http_status, use_texts};
use crate::error::AppError;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/portal`: sign in by an email link, or open one request by number and email.
#[component]
pub fn PortalHome() -> impl IntoView {
    let t = use_texts();
    let link = ServerAction::<RequestPortalLink>::new();
    let lookup = ServerAction::<PortalLookup>::new();
    let link_result = move || {
        link.value().get().map(|r| match r {
            Ok(()) => Either::Left(view! {
                <p class="notice" role="status" data-testid="portal-link-sent">{t.pt_signin_sent}</p>
            }),
            Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
        })
    };
    let lookup_result = move || {
        lookup.value().get().and_then(Result::err).map(|e| match e {
            AppError::NotFound => Either::Left(view! {
                <p class="error" role="alert" data-testid="portal-lookup-not-found">{t.pt_lookup_not_found}</p>
            }),
            e => Either::Right(view! { <ErrorNote error=e/> }),
        })
    };
    view! {
        <Title text=t.pt_home_title/>
        <PublicHeader/>
        <main class="narrow auth portal-doors" data-testid="portal-home">
            <h1>{t.pt_home_title}</h1>
            <section class="portal-door">
                <h2>{t.pt_signin_title}</h2>
                <p>{t.pt_signin_intro}</p>
                <ActionForm action=link>
                    <label class="field">
                        <span>{t.email}</span>
                        <input type="email" name="email" required autocomplete="email" data-testid="portal-link-email"/>
                    </label>
                    {link_result}
                    <button type="submit" data-testid="portal-link-send" disabled=move || link.pending().get()>
                        {t.pt_signin_send}
                    </button>
                </ActionForm>
            </section>
            <section class="portal-door">
                <h2>{t.pt_lookup_title}</h2>
                <p>{t.pt_lookup_intro}</p>
                <ActionForm action=lookup>
                    <label class="field">
                        <span>{t.pt_lookup_number}</span>
                        <input type="text" name="number" required autocomplete="off" data-testid="portal-lookup-number"/>
                    </label>
                    <label class="field">
                        <span>{t.email}</span>
                        <input type="email" name="email" required autocomplete="email" data-testid="portal-lookup-email"/>
                    </label>
                    {lookup_result}
                    <button type="submit" data-testid="portal-lookup-send" disabled=move || lookup.pending().get()>
                        {t.pt_lookup_send}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}

/// The neutral page of a sign-in link that opens nothing (404).
#[component]
fn DeadPortalLink() -> impl IntoView {
    let t = use_texts();
    set_http_status(404);
    view! {
        <main class="narrow auth" data-testid="portal-link-invalid">
            <h1>{t.pt_link_dead_title}</h1>
            <p>{t.pt_link_dead_text}</p>
            <p><a href="/portal">{t.pt_link_dead_again}</a></p>
        </main>
    }
}

/// `/portal/login/:token`: confirm to sign in with the mailed link.
#[component]
pub fn PortalLoginPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let state = Resource::new(move || token.get(), portal_link_state);
    let sign_in = ServerAction::<PortalSignIn>::new();
    let error = move || {
        sign_in
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| match e {
                AppError::NotFound => Either::Left(view! {
                    <p class="error" role="alert">{t.pt_link_dead_text}</p>
                }),
                e => Either::Right(view! { <ErrorNote error=e/> }),
            })
    };
    view! {
        <Title text=t.pt_link_title/>
        <PublicHeader/>
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(()) => EitherOf3::A(view! {
                        <main class="narrow auth" data-testid="portal-link-page">
                            <h1>{t.pt_link_title}</h1>
                            <p>{t.pt_link_intro}</p>
                            <ActionForm action=sign_in>
                                <input type="hidden" name="token" value=token.get_untracked()/>
                                {error}
                                <button type="submit" data-testid="portal-link-go" disabled=move || sign_in.pending().get()>
                                    {t.pt_link_go}
                                </button>
                            </ActionForm>
                        </main>
                    }),
                    Err(AppError::NotFound) => EitherOf3::B(view! { <DeadPortalLink/> }),
                    Err(e) => EitherOf3::C(view! { <main class="narrow"><ErrorNote error=e/></main> }),
                }
            })}
        </Suspense>
    }
}
