//! Search (issue 6): the search box of the queue, the results page `/agent/search?q=…` and
//! the saved searches.
//!
//! Invariants:
//! - the query lives in the URL (`q`, plus `view` for an open saved search and `limit` for
//!   "show more"), so a reload or a shared link shows the same search; the box is a GET form
//!   (`<Form>`: client-side navigation with WASM, a plain request without);
//! - the search box carries `data-shortcut="search"` (the `/` key focuses it);
//! - a query that is only a ticket number opens that ticket (a real 302 on the server);
//! - matched words arrive as fragments and are shown in `<mark>` as text, never as HTML;
//! - results refetch on live hints, like the queue;
//! - a refused query (422) explains the filter it names; saving a search names its fields.

use super::{directory, use_directory};
use crate::api::search::{
    SavedViewRow, SavedViews, SearchContactRow, SearchPage as Found, SearchTicketRow,
    delete_search_view, list_saved_views, save_search_view, search, search_href,
};
use crate::components::{ErrorNote, PriorityBadge, StatusPill, field_error, use_texts};
use crate::dto::Directory;
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, Redirect};
use leptos_router::hooks::{use_navigate, use_query_map};
use lossless::ids::GroupId;
use lossless::search::{Fragment, SavedViewId};

/// The search box: a GET form to `/agent/search`, prefilled with `value`.
#[component]
pub fn SearchBox(#[prop(into)] value: Signal<String>) -> impl IntoView {
    let t = use_texts();
    view! {
        <Form method="get" action="/agent/search">
            <div class="search-box" role="search">
                <input
                    type="search"
                    name="q"
                    data-shortcut="search"
                    data-testid="search-input"
                    aria-label=t.search_label
                    placeholder=t.search_placeholder
                    autocomplete="off"
                    value=move || value.get()
                    prop:value=move || value.get()
                />
                <button type="submit" data-testid="search-submit">{t.search_button}</button>
            </div>
        </Form>
    }
}

/// The saved searches as links (nothing when there are none); `current` is highlighted.
#[component]
pub fn SavedViewsNav(
    #[prop(into)] current: Signal<Option<SavedViewId>>,
    #[prop(into)] refresh: Signal<u64>,
) -> impl IntoView {
    let t = use_texts();
    let views = Resource::new(move || refresh.get(), |_| list_saved_views());
    let dir = use_directory();
    let nav = move || {
        Suspend::new(async move {
            let dir = directory(dir).await;
            let list = views.await.map(|v| v.views).unwrap_or_default();
            (!list.is_empty()).then(|| {
                let links = list
                    .into_iter()
                    .map(|v| {
                        let active = move || current.get() == Some(v.id);
                        let title = v.group.map(|g| fill(t.saved_view_group, &dir.group_name(g)));
                        view! {
                            <a
                                class="tab saved-view"
                                class:active=active
                                class:shared=v.group.is_some()
                                href=search_href(&v.query, Some(v.id), None)
                                title=title
                                data-testid="saved-view"
                                data-view-id=v.id.0
                            >
                                {v.name}
                            </a>
                        }
                    })
                    .collect_view();
                view! {
                    <nav class="views saved-views" aria-label=t.saved_views_title data-testid="saved-views">
                        <span class="label">{t.saved_views_title}</span>
                        {links}
                    </nav>
                }
            })
        })
    };
    view! { <Transition fallback=|| ()>{nav}</Transition> }
}

/// Text with the matched words in `<mark>`.
fn marked(parts: Vec<Fragment>) -> impl IntoView {
    parts
        .into_iter()
        .map(|f| {
            if f.hit {
                Either::Left(view! { <mark>{f.text}</mark> })
            } else {
                Either::Right(f.text)
            }
        })
        .collect_view()
}

/// The sentence for a refused query.
fn query_error(t: &Texts, e: &AppError) -> Option<String> {
    let AppError::Invalid(fields) = e else {
        return None;
    };
    let (field, code) = fields.first()?;
    Some(match (field.strip_prefix("q."), code.as_str()) {
        (None, "required") => t.search_err_required.to_owned(),
        (None, "too_long") => t.search_err_too_long.to_owned(),
        (Some(key), "unknown") => fill(t.search_err_unknown, key),
        (Some(key), "not_found") => fill(t.search_err_missing, key),
        (Some(key), _) => fill(t.search_err_invalid, key),
        (None, code) => t.field_error(code).to_owned(),
    })
}

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let view_id = Memo::new(move |_| {
        query
            .read()
            .get("view")
            .and_then(|v| v.parse().ok())
            .map(SavedViewId)
    });
    let limit = Memo::new(move |_| {
        query
            .read()
            .get("limit")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let live = use_live();
    let dir = use_directory();
    let saved = RwSignal::new(0u64);
    let found = Resource::new(
        move || (q.get(), limit.get(), live.hint.get().seq),
        |(q, limit, _)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search(q, limit).await.map(Some)
            }
        },
    );
    let views = Resource::new(move || saved.get(), |_| list_saved_views());

    let notice: RwSignal<Option<String>> = RwSignal::new(None);
    let results = move || {
        let (q, limit) = (q.get(), limit.get());
        Suspend::new(async move {
            let dir = directory(dir).await;
            match found.await {
                Ok(None) => EitherOf3::A(()),
                Ok(Some(page)) => EitherOf3::B(view! { <Results page dir q limit/> }),
                Err(e) => EitherOf3::C(match query_error(t, &e) {
                    Some(msg) => Either::Left(view! {
                        <p class="error" role="alert" data-testid="search-error">{msg}</p>
                    }),
                    None => Either::Right(view! { <ErrorNote error=e/> }),
                }),
            }
        })
    };
    let heading = move || {
        let open = view_id.get();
        Suspend::new(async move {
            let list = views.await.unwrap_or_default();
            let title = open
                .and_then(|id| list.views.iter().find(|v| v.id == id))
                .map_or_else(
                    || t.search_title.to_owned(),
                    |v| fill(t.saved_view_open, &v.name),
                );
            view! { <h1>{title}</h1> }
        })
    };
    let save = move || {
        let (q, open) = (q.get(), view_id.get());
        Suspend::new(async move {
            let list = views.await.unwrap_or_default();
            let open = open.and_then(|id| list.views.iter().find(|v| v.id == id).cloned());
            view! { <SaveView list open q saved notice/> }
        })
    };

    view! {
        <Title text=t.search_title/>
        <main class="search-page" data-testid="search-page">
            <Transition fallback=move || view! { <h1>{t.search_title}</h1> }>{heading}</Transition>
            <div class="toolbar">
                <SearchBox value=q/>
                <SavedViewsNav current=view_id refresh=saved/>
            </div>
            <details class="search-help" data-testid="search-help">
                <summary>{t.search_help_title}</summary>
                <ul>
                    <li>{t.search_help_words}</li>
                    <li>{t.search_help_phrase}</li>
                    <li>{t.search_help_filters}</li>
                    <li>{t.search_help_number}</li>
                </ul>
            </details>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{results}</Transition>
            <section class="save-panel" aria-label=t.saved_views_title>
                <Transition fallback=|| ()>{save}</Transition>
                <p class="saved-note" role="status" data-testid="saved-view-status">{move || notice.get()}</p>
            </section>
        </main>
    }
}

/// The results of one search.
#[component]
fn Results(page: Found, dir: Directory, q: String, limit: Option<i64>) -> impl IntoView {
    let t = use_texts();
    if page.jump
        && let Some(n) = &page.exact
    {
        return EitherOf3::A(view! { <Redirect path=format!("/agent/t/{n}")/> });
    }
    if page.exact.is_none() && page.tickets.is_empty() && page.contacts.is_empty() {
        return EitherOf3::B(
            view! { <p class="empty" data-testid="search-empty">{t.search_empty}</p> },
        );
    }
    let exact = page.exact.map(|n| {
        view! {
            <p class="search-exact">
                <a href=format!("/agent/t/{n}") data-testid="search-exact">{fill(t.search_exact, &n)}</a>
            </p>
        }
    });
    let shown = i64::try_from(page.tickets.len()).unwrap_or(i64::MAX);
    let more = page.more.then(|| {
        let next = (limit.unwrap_or(shown).max(shown) * 2).min(lossless::services::search::MAX_LIMIT);
        view! {
            <p class="more">
                <a href=search_href(&q, None, Some(next)) data-testid="search-more">{t.search_more}</a>
            </p>
        }
    });
    let tickets = (!page.tickets.is_empty()).then(|| {
        let rows = page
            .tickets
            .into_iter()
            .map(|r| view! { <TicketHit row=r dir=dir.clone()/> })
            .collect_view();
        view! {
            <section class="search-tickets">
                <h2>{t.search_tickets_heading}</h2>
                <ol class="search-results" data-testid="search-results">{rows}</ol>
                {more}
            </section>
        }
    });
    let contacts = (!page.contacts.is_empty()).then(|| {
        let rows = page
            .contacts
            .into_iter()
            .map(|c| view! { <ContactHit row=c/> })
            .collect_view();
        view! {
            <section class="search-contacts">
                <h2>{t.search_contacts_heading}</h2>
                <ul data-testid="search-contacts">{rows}</ul>
            </section>
        }
    });
    EitherOf3::C(view! { {exact}{tickets}{contacts} })
}

#[component]
fn TicketHit(row: SearchTicketRow, dir: Directory) -> impl IntoView {
    let t = use_texts();
    let href = format!("/agent/t/{}", row.number);
    let contact = if row.contact_name.is_empty() {
        t.unknown_contact.to_owned()
    } else {
        row.contact_name
    };
    let assignee = row
        .assignee
        .map_or_else(|| t.unassigned.to_owned(), |a| dir.agent_name(a));
    let snippet = (!row.snippet.is_empty()).then(|| {
        let note = row
            .internal
            .then(|| view! { <span class="badge note" data-testid="search-hit-note">{t.search_internal_note}</span> });
        view! { <p class="snippet" data-testid="search-snippet">{note}{marked(row.snippet)}</p> }
    });
    view! {
        <li class="search-hit" data-testid="search-hit" data-number=row.number.clone()>
            <a class="hit-title" href=href>
                <span class="num">{row.number.clone()}</span>
                " "
                <span class="subject">{marked(row.subject)}</span>
            </a>
            <div class="meta">
                <StatusPill status=row.status/>
                <PriorityBadge priority=row.priority/>
                <span class="contact">{contact}</span>
                <span class="assignee">{assignee}</span>
                <span class="age">{t.age(row.changed_secs)}</span>
            </div>
            {snippet}
        </li>
    }
}

#[component]
fn ContactHit(row: SearchContactRow) -> impl IntoView {
    let t = use_texts();
    let handles = row
        .emails
        .iter()
        .chain(row.phones.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    let their = row
        .emails
        .first()
        .or(row.phones.first())
        .map(|h| search_href(&format!("from:{h}"), None, None));
    let name = if row.name.is_empty() {
        t.unknown_contact.to_owned()
    } else {
        row.name
    };
    view! {
        <li class="search-contact" data-testid="search-contact">
            <span class="name">{name}</span>
            " "
            <span class="handles">{handles}</span>
            " "
            {their.map(|href| view! { <a href=href data-testid="search-contact-tickets">{t.search_contact_tickets}</a> })}
        </li>
    }
}

/// "Save search" (name, sharing) and, for an open saved search the agent may change,
/// "Delete search".
#[component]
fn SaveView(
    list: SavedViews,
    open: Option<SavedViewRow>,
    q: String,
    saved: RwSignal<u64>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let navigate = use_navigate();
    let errors: RwSignal<Option<AppError>> = RwSignal::new(None);
    let name = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let query = q.clone();
    let save = Action::new(move |(name, group): &(String, Option<GroupId>)| {
        save_search_view(None, name.clone(), query.clone(), *group)
    });
    let remove = Action::new(|id: &SavedViewId| delete_search_view(*id));
    let nav = navigate.clone();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(v)) => {
            errors.set(None);
            notice.set(Some(fill(t.saved_view_saved, &v.name)));
            saved.update(|n| *n += 1);
            nav(&search_href(&v.query, Some(v.id), None), Default::default());
        }
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    });
    let back = q.clone();
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            errors.set(None);
            notice.set(Some(t.saved_view_deleted.to_owned()));
            saved.update(|n| *n += 1);
            navigate(&search_href(&back, None, None), Default::default());
        }
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    });
    if q.trim().is_empty() {
        return Either::Left(());
    }
    let options = list
        .groups
        .into_iter()
        .map(|g| view! { <option value=g.id.0.to_string()>{fill(t.saved_view_group, &g.name)}</option> })
        .collect_view();
    let delete = open.filter(|v| v.editable).map(|v| {
        view! {
            <button
                type="button"
                class="danger"
                data-testid="saved-view-delete"
                on:click=move |_| {
                    remove.dispatch(v.id);
                }
            >
                {t.saved_view_delete}
            </button>
        }
    });
    let bad_query = move || {
        errors.with(|e| {
            e.as_ref()
                .filter(|e| e.field_code("name").is_none() && e.field_code("group").is_none())
                .and_then(|e| query_error(t, e))
                .map(|m| view! { <span class="field-error" data-testid="field-error" data-field="q">{m}</span> })
        })
    };
    Either::Right(view! {
        <form
            class="save-view"
            data-testid="save-view"
            on:submit=move |ev| {
                ev.prevent_default();
                let g = group.get_untracked().parse().ok().map(GroupId);
                save.dispatch((name.get_untracked(), g));
            }
        >
            <label>
                <span>{t.saved_view_name}</span>
                <input
                    type="text"
                    required
                    maxlength=lossless::search::MAX_VIEW_NAME_CHARS
                    data-testid="saved-view-name"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                {field_error(errors, "name")}
            </label>
            <label>
                <span>{t.saved_view_share}</span>
                <select
                    data-testid="saved-view-group"
                    on:change=move |ev| group.set(event_target_value(&ev))
                >
                    <option value="">{t.saved_view_private}</option>
                    {options}
                </select>
                {field_error(errors, "group")}
            </label>
            <button type="submit" data-testid="saved-view-save">{t.saved_view_save}</button>
            {delete}
            {bad_query}
        </form>
    })
}
