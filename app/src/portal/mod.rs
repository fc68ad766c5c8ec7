//! The customer portal (`/portal/t/:token`): the ticket's number, subject, friendly status,
//! public messages and a reply form.
//!
//! Invariants: it renders only a [`PortalTicket`] (no field for notes, agents or ids); it works
//! without WASM (server-rendered, the reply is an `ActionForm` that posts and redirects back);
//! an unknown or malformed token gives the same plain "not found" page with HTTP 404, so a
//! token cannot be probed; closed tickets show a notice instead of the form. `?new=1` (the
//! redirect after `/request`) shows the "request received" banner.

use crate::api::portal::{PortalReply, get_portal_ticket};
use crate::components::{ErrorNote, PublicHeader, set_http_status, use_texts};
use crate::dto::{PortalTicket, format_time};
use crate::error::AppError;
use crate::i18n::fill;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The portal page.
#[component]
pub fn PortalPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let query = use_query_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let is_new = Memo::new(move |_| query.read().get_str("new") == Some("1"));
    let reply = ServerAction::<PortalReply>::new();
    let ticket = Resource::new(
        move || (token.get(), reply.version().get()),
        |(tok, _)| get_portal_ticket(tok),
    );

    let body = move || {
        Suspend::new(async move {
            match ticket.await {
                Ok(p) => Either::Left(
                    view! { <PortalView p token=token.get_untracked() is_new=is_new.get_untracked() reply/> },
                ),
                Err(AppError::NotFound) => Either::Right(Either::Left(view! { <PortalNotFound/> })),
                Err(e) => Either::Right(Either::Right(
                    view! { <main class="narrow"><ErrorNote error=e/></main> },
                )),
            }
        })
    };
    view! {
        <PublicHeader/>
        <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>{body}</Suspense>
    }
}

#[component]
fn PortalNotFound() -> impl IntoView {
    let t = use_texts();
    set_http_status(404);
    view! {
        <Title text=t.portal_not_found_title/>
        <main class="narrow portal" data-testid="portal-not-found">
            <h1>{t.portal_not_found_title}</h1>
            <p>{t.portal_not_found_text}</p>
        </main>
    }
}

#[component]
fn PortalView(
    p: PortalTicket,
    token: String,
    is_new: bool,
    reply: ServerAction<PortalReply>,
) -> impl IntoView {
    let t = use_texts();
    let open = p.accepts_replies();
    let banner = is_new.then(|| {
        view! {
            <div class="banner success" role="status" data-testid="portal-received">
                <strong>{fill(t.request_received, &p.number)}</strong>
                <p>{t.request_received_hint}</p>
            </div>
        }
    });
    let messages = p
        .messages
        .into_iter()
        .map(|m| {
            let (class, who) = if m.from_customer {
                ("pmsg mine", t.portal_you)
            } else {
                ("pmsg theirs", t.portal_support)
            };
            view! {
                <li class=class data-testid="portal-message">
                    <div class="meta">
                        <span class="who">{who}</span>
                        <time datetime=m.at.to_rfc3339()>{format_time(m.at)}</time>
                    </div>
                    <div class="body">{m.body}</div>
                </li>
            }
        })
        .collect_view();
    let error = move || {
        reply
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    // The form element survives the refetch that follows a reply; empty it once it was sent.
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(form)) = (reply.value().get(), form_ref.get()) {
            form.reset();
        }
    });
    let form = if open {
        Either::Left(view! {
            <ActionForm action=reply node_ref=form_ref>
                <input type="hidden" name="token" value=token/>
                <label class="field" for="portal-reply-body">{t.portal_reply_label}</label>
                <textarea id="portal-reply-body" name="body" rows="4" required data-testid="portal-reply-body"></textarea>
                {error}
                <p class="hint">{t.portal_reply_reopens}</p>
                <button type="submit" data-testid="portal-reply-send" disabled=move || reply.pending().get()>
                    {t.portal_reply_send}
                </button>
            </ActionForm>
        })
    } else {
        Either::Right(
            view! { <p class="closed-note" data-testid="portal-closed">{t.portal_closed}</p> },
        )
    };
    view! {
        <Title text=format!("{} {}", t.portal_number, p.number)/>
        <main class="narrow portal">
            {banner}
            <header class="portal-head">
                <p class="num">{t.portal_number}<span data-testid="portal-number">{p.number.clone()}</span></p>
                <h1>{p.subject}</h1>
                <p>
                    {t.portal_status} ": "
                    <span class=format!("pill status-{}", p.status.as_str()) data-testid="portal-status">
                        {t.portal_status(p.status)}
                    </span>
                </p>
            </header>
            <ol class="portal-thread">{messages}</ol>
            <section class="portal-reply">{form}</section>
        </main>
    }
}
