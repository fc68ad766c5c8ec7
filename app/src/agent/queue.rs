//! `/agent`: the live queue. View and filters live in the URL query (`view`, `status`,
//! `priority`) so they survive a reload; rows come sorted by the store (priority, then age).
//! The list refetches on every live hint without reloading the page. Each row shows its SLA
//! badge ([`super::sla`]); the "SLA at risk" view lists breached tickets and those due within
//! the hour, by deadline. The search box and the saved searches come from [`super::search`].

use super::{directory, use_directory};
use crate::api::tickets::list_queue;
use crate::components::{ErrorNote, PriorityBadge, StatusPill, use_texts};
use crate::dto::{AgentQueueRow, Directory, QueueFilter, ViewKey};
use crate::live::use_live;
use chrono::{DateTime, Utc};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use lossless::ticket::{Priority, Status};

/// The queue page.
#[component]
pub fn QueuePage() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        QueueFilter::from_query(
            q.get_str("view").unwrap_or(""),
            q.get_str("status").unwrap_or(""),
            q.get_str("priority").unwrap_or(""),
        )
    });
    let live = use_live();
    let dir = use_directory();
    super::sla::provide_sla_clock();
    // Bulk actions (issue 6, point 4): their completions refetch the rows.
    let sel = super::merge::BulkSelection::new();
    let rows = Resource::new(
        move || {
            (
                filter.get(),
                live.hint.get().seq,
                sel.bulk.version().get(),
                sel.merge.version().get(),
            )
        },
        |(f, ..)| {
            list_queue(
                f.view.as_query(),
                f.status.map(Status::as_str).unwrap_or_default().to_owned(),
                f.priority
                    .map(Priority::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        },
    );

    // Rows someone else has open get an eye (issue 6).
    super::collision::provide_queue_viewed(Memo::new(move |_| {
        rows.get()
            .and_then(Result::ok)
            .map(|q| q.rows.iter().map(|r| r.id).collect())
            .unwrap_or_default()
    }));

    let table = move || {
        Suspend::new(async move {
            let dir = directory(dir).await;
            match rows.await {
                Ok(q) if q.rows.is_empty() => Either::Left(Either::Left(view! {
                    <p class="empty" data-testid="queue-empty">{t.queue_empty}</p>
                })),
                Ok(q) => Either::Left(Either::Right(
                    view! { <QueueTable rows=q.rows served=q.now dir sel/> },
                )),
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };

    view! {
        <Title text=t.queue_title/>
        <main class="queue">
            <div class="toolbar">
                <super::search::SearchBox value=String::new()/>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let dir = directory(dir).await;
                        view! { <ViewTabs filter dir/> }
                    })}
                </Transition>
                <Filters filter/>
            </div>
            <super::search::SavedViewsNav current=None refresh=0/>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let dir = directory(dir).await;
                    view! { <super::merge::BulkBar sel rows dir/> }
                })}
            </Transition>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{table}</Transition>
        </main>
    }
}

#[component]
fn ViewTabs(filter: Memo<QueueFilter>, dir: Directory) -> impl IntoView {
    let t = use_texts();
    let mut views = vec![
        (ViewKey::All, t.view_all.to_owned()),
        (ViewKey::Mine, t.view_mine.to_owned()),
        (ViewKey::Unassigned, t.view_unassigned.to_owned()),
        (ViewKey::AtRisk, t.view_sla_at_risk.to_owned()),
    ];
    views.extend(
        dir.groups
            .into_iter()
            .map(|g| (ViewKey::Group(g.id), g.name)),
    );
    let tabs = views
        .into_iter()
        .map(|(key, label)| {
            let href = move || format!("/agent?{}", filter.get().with_view(key).to_query_string());
            let active = move || filter.get().view == key;
            view! {
                <a
                    href=href
                    class="tab"
                    class:active=active
                    aria-current=move || active().then_some("page")
                    data-view=key.as_query()
                >
                    {label}
                </a>
            }
        })
        .collect_view();
    view! { <nav class="views" data-testid="queue-views">{tabs}</nav> }
}

/// Status and priority selects. They navigate on change (query string); without WASM the
/// form submits as a plain GET.
#[component]
fn Filters(filter: Memo<QueueFilter>) -> impl IntoView {
    let t = use_texts();
    let navigate = use_navigate();
    let go = move |f: QueueFilter| {
        navigate(
            &format!("/agent?{}", f.to_query_string()),
            Default::default(),
        )
    };
    let go2 = go.clone();
    let status_options = Status::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=move || filter.get().status == Some(s)>{t.status(s)}</option> })
        .collect_view();
    let priority_options = Priority::ALL
        .into_iter()
        .rev()
        .map(|p| view! { <option value=p.as_str() selected=move || filter.get().priority == Some(p)>{t.priority(p)}</option> })
        .collect_view();
    view! {
        <form class="filters" method="get" action="/agent">
            <input type="hidden" name="view" value=move || filter.get().view.as_query()/>
            <label>
                <span>{t.filter_status}</span>
                <select
                    name="status"
                    data-testid="filter-status"
                    prop:value=move || filter.get().status.map(Status::as_str).unwrap_or_default()
                    on:change=move |ev| {
                        let f = QueueFilter { status: Status::parse(&event_target_value(&ev)), ..filter.get_untracked() };
                        go(f);
                    }
                >
                    <option value="" selected=move || filter.get().status.is_none()>{t.filter_working_set}</option>
                    {status_options}
                </select>
            </label>
            <label>
                <span>{t.filter_priority}</span>
                <select
                    name="priority"
                    data-testid="filter-priority"
                    prop:value=move || filter.get().priority.map(Priority::as_str).unwrap_or_default()
                    on:change=move |ev| {
                        let f = QueueFilter { priority: Priority::parse(&event_target_value(&ev)), ..filter.get_untracked() };
                        go2(f);
                    }
                >
                    <option value="" selected=move || filter.get().priority.is_none()>{t.filter_any_priority}</option>
                    {priority_options}
                </select>
            </label>
            <noscript><button type="submit">{t.apply}</button></noscript>
        </form>
    }
}

#[component]
fn QueueTable(
    rows: Vec<AgentQueueRow>,
    served: DateTime<Utc>,
    dir: Directory,
    sel: super::merge::BulkSelection,
) -> impl IntoView {
    let t = use_texts();
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let body = rows
        .into_iter()
        .map(|r| {
            let href = format!("/agent/t/{}", r.number);
            let assignee = r.assignee.map_or_else(|| t.unassigned.to_owned(), |a| dir.agent_name(a));
            let contact = if r.contact_name.is_empty() { t.unknown_contact.to_owned() } else { r.contact_name };
            let sla = r.sla.map(|badge| view! { <super::sla::SlaBadgeView badge served breached_at=None/> });
            // Every cell is a link: the whole row opens the ticket, with or without WASM.
            let cell = |class: &'static str, content: AnyView| {
                view! { <td class=class><a class="cell" href=href.clone() tabindex="-1">{content}</a></td> }
            };
            let selected = super::shortcuts::row_selected(r.number.clone());
            view! {
                <tr
                    data-testid="queue-row"
                    data-number=r.number.clone()
                    class=format!("row prio-{}", r.priority.as_str())
                    class:kb-selected=selected
                    data-selected=move || selected.get().to_string()
                >
                    <super::merge::RowPick sel id=r.id number=r.number.clone()/>
                    <td class="num">
                        <a class="cell" href=href.clone()>{r.number.clone()}</a>
                        <super::collision::ViewedMark ticket=r.id/>
                    </td>
                    {cell("subject", r.subject.into_any())}
                    {cell("contact", contact.into_any())}
                    {cell("status", view! { <StatusPill status=r.status/> }.into_any())}
                    {cell("priority", view! { <PriorityBadge priority=r.priority/> }.into_any())}
                    {cell("assignee", assignee.into_any())}
                    {cell("sla", sla.into_any())}
                    {cell("age", t.age(r.age_secs).into_any())}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="queue-table" data-testid="queue-table">
            <thead>
                <tr>
                    <super::merge::PickAll sel ids/>
                    <th class="num">{t.col_number}</th>
                    <th>{t.col_subject}</th>
                    <th>{t.col_contact}</th>
                    <th>{t.col_status}</th>
                    <th>{t.col_priority}</th>
                    <th>{t.col_assignee}</th>
                    <th class="sla">{t.col_sla}</th>
                    <th class="age">{t.col_age}</th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
    }
}
