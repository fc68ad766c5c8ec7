//! The signed-in customer's pages (issue 7, point 5): `/portal/tickets` (all of the contact's
//! tickets across channels: number, subject, friendly status, channel, last update; last
//! activity first) and `/portal/tickets/:number` (one of them, the same view as the token page).
//!
//! Invariants: without a live portal session both pages say to sign in (HTTP 401) and link to
//! `/portal`; a ticket of another contact, an unknown or malformed number is the same neutral
//! 404 page as an unknown token; both pages render fully on the server.

use super::{PortalNotFound, PortalView};
use crate::api::portal::{PortalSignOut, PortalTicketRow, get_my_portal_ticket, my_portal_tickets};
use crate::components::{ErrorNote, PublicHeader, set_http_status, use_texts};
use crate::dto::format_time;
use crate::error::AppError;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Without a portal session: a pointer to `/portal` (401).
#[component]
fn SignInFirst() -> impl IntoView {
    let t = use_texts();
    set_http_status(401);
    view! {
        <main class="narrow auth" data-testid="portal-sign-in-first">
            <h1>{t.pt_list_title}</h1>
            <p>{t.pt_need_sign_in}</p>
            <p><a class="button" href="/portal">{t.pt_signin_title}</a></p>
        </main>
    }
}

/// The sign-out button (a plain POST form).
#[component]
fn SignOut() -> impl IntoView {
    let t = use_texts();
    let out = ServerAction::<PortalSignOut>::new();
    view! {
        <ActionForm action=out attr:class="portal-sign-out">
            <button type="submit" class="secondary" data-testid="portal-sign-out">{t.pt_sign_out}</button>
        </ActionForm>
    }
}

fn rows(list: Vec<PortalTicketRow>) -> impl IntoView {
    let t = use_texts();
    if list.is_empty() {
        return Either::Left(view! { <p data-testid="portal-list-empty">{t.pt_list_empty}</p> });
    }
    let body = list
        .into_iter()
        .map(|r| {
            view! {
                <tr data-testid="portal-row" data-number=r.number.clone() data-channel=r.channel.as_str()>
                    <td><a href=format!("/portal/tickets/{}", r.number)>{r.number.clone()}</a></td>
                    <td><a href=format!("/portal/tickets/{}", r.number)>{r.subject}</a></td>
                    <td>
                        <span class=format!("pill status-{}", r.status.as_str())>{t.portal_status(r.status)}</span>
                    </td>
                    <td>{t.channel(r.channel)}</td>
                    <td><time datetime=r.updated_at.to_rfc3339()>{format_time(r.updated_at)}</time></td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <table class="portal-list" data-testid="portal-list">
            <thead>
                <tr>
                    <th>{t.pt_col_number}</th>
                    <th>{t.pt_col_subject}</th>
                    <th>{t.pt_col_status}</th>
                    <th>{t.pt_col_channel}</th>
                    <th>{t.pt_col_updated}</th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
    })
}

/// `/portal/tickets`.
#[component]
pub fn PortalTicketsPage() -> impl IntoView {
    let t = use_texts();
    let list = Resource::new(|| (), |()| my_portal_tickets());
    view! {
        <Title text=t.pt_list_title/>
        <PublicHeader/>
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => EitherOf3::A(view! {
                        <main class="narrow portal" data-testid="portal-tickets">
                            <header class="portal-list-head">
                                <h1>{t.pt_list_title}</h1>
                                <SignOut/>
                            </header>
                            {rows(l)}
                        </main>
                    }),
                    Err(AppError::Unauthenticated) => EitherOf3::B(view! { <SignInFirst/> }),
                    Err(e) => EitherOf3::C(view! { <main class="narrow"><ErrorNote error=e/></main> }),
                }
            })}
        </Suspense>
    }
}

/// `/portal/tickets/:number`.
#[component]
pub fn PortalMyTicketPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let number = Memo::new(move |_| params.read().get("number").unwrap_or_default());
    let ticket = Resource::new(move || number.get(), get_my_portal_ticket);
    view! {
        <PublicHeader/>
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match ticket.await {
                    Ok(p) => EitherOf3::A(view! {
                        <nav class="narrow portal-nav">
                            <a href="/portal/tickets" data-testid="portal-back">{t.pt_back_to_list}</a>
                            <SignOut/>
                        </nav>
                        <PortalView p base=format!("/portal/tickets/{}", number.get_untracked()) is_new=false/>
                    }),
                    Err(AppError::Unauthenticated) => EitherOf3::B(Either::Left(view! { <SignInFirst/> })),
                    Err(AppError::NotFound) => EitherOf3::B(Either::Right(view! { <PortalNotFound/> })),
                    Err(e) => EitherOf3::C(view! { <main class="narrow"><ErrorNote error=e/></main> }),
                }
            })}
        </Suspense>
    }
}
