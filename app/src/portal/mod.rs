//! The customer portal: `/portal/t/:token` (one ticket by its secret token) and, issue 7
//! point 5, the sign-in by an email link (`/portal`, `/portal/login/:token`, see [`signin`]),
//! the signed-in contact's tickets (`/portal/tickets`, `/portal/tickets/:number`, see
//! [`tickets`]). Every ticket page shows the number, subject, friendly status, public
//! messages with their files and a reply form with file upload.
//!
//! Invariants: it renders only a [`PortalTicket`] (no field for notes, agents or ids); it works
//! without WASM (server-rendered; the reply is a plain `multipart/form-data` POST to the
//! server's `<base>/reply` route, which redirects back, and files download from
//! `<base>/files/<sha256>`, where `<base>` is the ticket page's own path); an unknown or
//! malformed token or a ticket of someone else gives the same plain "not found" page with HTTP
//! 404, so nothing can be probed; closed tickets show a notice instead of the form. `?new=1`
//! (the redirect after `/request`) shows the "request received" banner.

pub(crate) mod signin;
pub(crate) mod tickets;

use crate::api::portal::get_portal_ticket;
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
    let ticket = Resource::new(move || token.get(), get_portal_ticket);

    let body = move || {
        Suspend::new(async move {
            match ticket.await {
                Ok(p) => Either::Left(
                    view! { <PortalView p base=format!("/portal/t/{}", token.get_untracked()) is_new=is_new.get_untracked()/> },
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

/// The neutral page of a ticket the customer may not see (404).
#[component]
pub(crate) fn PortalNotFound() -> impl IntoView {
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

/// One ticket as the customer sees it; `base` is the page's own path (`/portal/t/<token>` or
/// `/portal/tickets/<number>`), under which the server takes replies and serves files.
#[component]
pub(crate) fn PortalView(p: PortalTicket, base: String, is_new: bool) -> impl IntoView {
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
            let files = (!m.files.is_empty()).then(|| {
                let items = m
                    .files
                    .into_iter()
                    .map(|f| {
                        let size = t.size(f.size);
                        let name = f.name;
                        let dl = name.clone();
                        if f.stored {
                            Either::Left(view! {
                                <li>
                                    <a
                                        href=format!("{base}/files/{}", f.sha256)
                                        rel="external"
                                        download=dl
                                        data-testid="portal-file"
                                    >
                                        {name}
                                    </a>
                                    " "<small>{size}</small>
                                </li>
                            })
                        } else {
                            Either::Right(view! {
                                <li data-testid="portal-file-missing">
                                    {name}" "<small>{size}" · "{t.pt_file_not_kept}</small>
                                </li>
                            })
                        }
                    })
                    .collect_view();
                view! { <ul class="pfiles">{items}</ul> }
            });
            view! {
                <li class=class data-testid="portal-message">
                    <div class="meta">
                        <span class="who">{who}</span>
                        <time datetime=m.at.to_rfc3339()>{format_time(m.at)}</time>
                    </div>
                    <div class="body">{m.body}</div>
                    {files}
                </li>
            }
        })
        .collect_view();
    let form = if open {
        Either::Left(view! {
            <form method="post" action=format!("{base}/reply") enctype="multipart/form-data">
                <label class="field" for="portal-reply-body">{t.portal_reply_label}</label>
                <textarea id="portal-reply-body" name="body" rows="4" required data-testid="portal-reply-body"></textarea>
                <label class="field" for="portal-reply-files">{t.pt_files_label}</label>
                <input id="portal-reply-files" type="file" name="files" multiple data-testid="portal-reply-files"/>
                <p class="hint">{t.pt_files_hint}</p>
                <p class="hint">{t.portal_reply_reopens}</p>
                <button type="submit" data-testid="portal-reply-send">{t.portal_reply_send}</button>
            </form>
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
