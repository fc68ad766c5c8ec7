//! Bulk actions in the queue and related tickets on the ticket page (issue 6, point 4).
//!
//! - [`BulkSelection`] holds the ids ticked in the queue; the versions sent are those of the
//!   rows the page shows at the moment of the action (a row refetched by a live hint sends
//!   its new version), so a ticket someone changed after the refetch is a `conflict`.
//! - [`BulkBar`] shows while something is ticked: assignee (me / an agent / nobody), status,
//!   a tag to add and one to remove, applied to every ticked ticket; and a merge of the
//!   ticked tickets into the one picked. It reports "N changed, M skipped", clears the
//!   selection and the queue refetches (the actions' completions are sources of its rows).
//!   Tickets of different customers: the refusal shows the localized question and a button
//!   that repeats the merge with the confirmation (the server allows it to managers only).
//! - [`RelatedPanel`] on the ticket page: the "merged into" marker with a link to the target,
//!   the tickets merged in, and the related tickets with their status; a link is added by
//!   number (`#1042`) and removed from the list.

use crate::api::merge::{
    BulkForm, BulkUpdate, LinkTicket, MergeTickets, Seen, UnlinkTicket, ticket_relations,
};
use crate::components::{ErrorNote, StatusPill, use_texts};
use crate::dto::{AgentQueue, Directory};
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::prelude::*;
use lossless::ids::TicketId;
use lossless::ticket::Status;
use std::collections::BTreeSet;

/// The ticked rows of the queue, and the actions run on them.
#[derive(Clone, Copy)]
pub struct BulkSelection {
    /// Ticked ticket ids.
    pub ids: RwSignal<BTreeSet<TicketId>>,
    /// The bulk change.
    pub bulk: ServerAction<BulkUpdate>,
    /// The merge.
    pub merge: ServerAction<MergeTickets>,
}

impl BulkSelection {
    /// A fresh selection with its actions.
    pub fn new() -> Self {
        Self {
            ids: RwSignal::new(BTreeSet::new()),
            bulk: ServerAction::new(),
            merge: ServerAction::new(),
        }
    }
    /// Ticks or unticks one ticket.
    pub fn set(&self, id: TicketId, on: bool) {
        self.ids.update(|s| {
            if on {
                s.insert(id);
            } else {
                s.remove(&id);
            }
        });
    }
    /// Ticks or unticks all of `ids`.
    pub fn set_all(&self, ids: &[TicketId], on: bool) {
        self.ids.update(|s| {
            for id in ids {
                if on {
                    s.insert(*id);
                } else {
                    s.remove(id);
                }
            }
        });
    }
}

/// The checkbox of one queue row.
#[component]
pub fn RowPick(sel: BulkSelection, id: TicketId, number: String) -> impl IntoView {
    let t = use_texts();
    view! {
        <td class="pick">
            <input
                type="checkbox"
                data-testid="bulk-pick"
                aria-label=fill(t.bulk_select_row, &number)
                prop:checked=move || sel.ids.with(|s| s.contains(&id))
                on:change=move |ev| sel.set(id, event_target_checked(&ev))
            />
        </td>
    }
}

/// The "select all on this page" checkbox of the queue's header.
#[component]
pub fn PickAll(sel: BulkSelection, ids: Vec<TicketId>) -> impl IntoView {
    let t = use_texts();
    let all = ids.clone();
    view! {
        <th class="pick">
            <input
                type="checkbox"
                data-testid="bulk-all"
                aria-label=t.bulk_select_all
                title=t.bulk_select_all
                prop:checked=move || !all.is_empty() && sel.ids.with(|s| all.iter().all(|i| s.contains(i)))
                on:change=move |ev| sel.set_all(&ids, event_target_checked(&ev))
            />
        </th>
    }
}

/// A refusal's text for the merge and link forms (field codes the generic note does not
/// word).
fn refusal(e: &AppError, t: &Texts) -> Option<&'static str> {
    if let Some(code) = e.field_code("ticket") {
        return match code {
            "self" => Some(t.rel_err_self),
            "unknown" => Some(t.rel_err_unknown),
            "taken" => Some(t.rel_err_taken),
            _ => None,
        };
    }
    let code = e.field_code("sources").or_else(|| e.field_code("target"))?;
    Some(match code {
        "self" => t.merge_err_self,
        "already_merged" | "merged" => t.merge_err_merged,
        "closed" => t.merge_err_closed,
        "other_contact" => t.merge_confirm_other,
        _ => return None,
    })
}

fn error_view(e: AppError, t: &'static Texts) -> AnyView {
    match refusal(&e, t) {
        Some(text) => view! {
            <p class="error" role="alert" data-testid="bulk-error" data-code=e.code()>{text}</p>
        }
        .into_any(),
        None => view! { <ErrorNote error=e/> }.into_any(),
    }
}

/// The bulk bar of the queue (see the module doc).
#[component]
pub fn BulkBar(
    sel: BulkSelection,
    rows: Resource<Result<AgentQueue, AppError>>,
    dir: Directory,
) -> impl IntoView {
    let t = use_texts();
    let assign = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let add_tag = RwSignal::new(String::new());
    let remove_tag = RwSignal::new(String::new());
    let target = RwSignal::new(None::<TicketId>);
    let confirm = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    // The ticked tickets as the page shows them now, in the page's order.
    let shown = move || -> Vec<(Seen, String)> {
        let ids = sel.ids.get_untracked();
        rows.get_untracked()
            .and_then(Result::ok)
            .map(|q| {
                q.rows
                    .into_iter()
                    .filter(|r| ids.contains(&r.id))
                    .map(|r| {
                        (
                            Seen {
                                id: r.id,
                                version: r.version,
                            },
                            r.number,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let numbers = Memo::new(move |_| {
        let ids = sel.ids.get();
        rows.get()
            .and_then(Result::ok)
            .map(|q| {
                q.rows
                    .into_iter()
                    .filter(|r| ids.contains(&r.id))
                    .map(|r| (r.id, r.number))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    Effect::new(move |_| match sel.bulk.value().get() {
        Some(Ok(s)) => {
            error.set(None);
            message.set(Some(format!(
                "{}, {}",
                fill(t.bulk_changed, &s.changed.to_string()),
                fill(t.bulk_skipped, &s.skipped.to_string())
            )));
            sel.ids.set(BTreeSet::new());
            add_tag.set(String::new());
            remove_tag.set(String::new());
        }
        Some(Err(e)) => {
            message.set(None);
            error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| match sel.merge.value().get() {
        Some(Ok(m)) => {
            error.set(None);
            confirm.set(false);
            message.set(Some(fill(t.bulk_merged, &m.number)));
            sel.ids.set(BTreeSet::new());
            target.set(None);
        }
        Some(Err(e)) => {
            message.set(None);
            confirm.set(e.field_code("sources") == Some("other_contact"));
            error.set(Some(e));
        }
        None => {}
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tickets: Vec<Seen> = shown().into_iter().map(|(s, _)| s).collect();
        sel.bulk.dispatch(BulkUpdate {
            tickets,
            form: BulkForm {
                assign: assign.get_untracked(),
                status: status.get_untracked(),
                add_tag: add_tag.get_untracked(),
                remove_tag: remove_tag.get_untracked(),
            },
        });
    };
    let merge = move |confirm_other_contacts: bool| {
        let all: Vec<Seen> = shown().into_iter().map(|(s, _)| s).collect();
        let Some(into) = target
            .get_untracked()
            .and_then(|id| all.iter().find(|s| s.id == id).copied())
            .or_else(|| all.first().copied())
        else {
            return;
        };
        sel.merge.dispatch(MergeTickets {
            target: into,
            sources: all.into_iter().filter(|s| s.id != into.id).collect(),
            confirm_other_contacts,
        });
    };
    let agents = dir
        .assignable()
        .map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> })
        .collect_view();
    let statuses = Status::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str()>{t.status(s)}</option> })
        .collect_view();
    let merge_targets = move || {
        numbers
            .get()
            .into_iter()
            .map(|(id, n)| view! { <option value=id.to_string()>{n}</option> })
            .collect_view()
    };
    view! {
        <div class="bulk">
        <div class="bulk-result" data-testid="bulk-result" hidden=move || message.get().is_none()>
            {move || message.get()}
        </div>
        <div class="bulk-errors">
            {move || error.get().map(|e| error_view(e, t))}
            {move || confirm.get().then(|| view! {
                <button type="button" class="secondary" data-testid="merge-confirm" on:click=move |_| merge(true)>
                    {t.bulk_merge}
                </button>
            })}
        </div>
        <form class="bulk-bar" data-testid="bulk-bar" hidden=move || sel.ids.with(BTreeSet::is_empty) on:submit=apply>
            <span class="count" data-testid="bulk-count">
                {move || fill(t.bulk_selected, &sel.ids.with(BTreeSet::len).to_string())}
            </span>
            <label>
                <span>{t.bulk_assign}</span>
                <select data-testid="bulk-assign" prop:value=move || assign.get() on:change=move |ev| assign.set(event_target_value(&ev))>
                    <option value="">{t.bulk_keep}</option>
                    <option value="me">{t.bulk_assign_me}</option>
                    <option value="nobody">{t.bulk_unassign}</option>
                    {agents}
                </select>
            </label>
            <label>
                <span>{t.bulk_status}</span>
                <select data-testid="bulk-status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">{t.bulk_keep}</option>
                    {statuses}
                </select>
            </label>
            <label>
                <span>{t.bulk_add_tag}</span>
                <input type="text" data-testid="bulk-add-tag" prop:value=move || add_tag.get() on:input=move |ev| add_tag.set(event_target_value(&ev))/>
            </label>
            <label>
                <span>{t.bulk_remove_tag}</span>
                <input type="text" data-testid="bulk-remove-tag" prop:value=move || remove_tag.get() on:input=move |ev| remove_tag.set(event_target_value(&ev))/>
            </label>
            <button type="submit" data-testid="bulk-apply" disabled=move || sel.bulk.pending().get()>{t.bulk_apply}</button>
            <label class="merge-into">
                <span>{t.bulk_merge_into}</span>
                <select
                    data-testid="bulk-merge-target"
                    on:change=move |ev| target.set(event_target_value(&ev).parse().ok().map(TicketId))
                >
                    {merge_targets}
                </select>
            </label>
            <button
                type="button"
                class="secondary"
                data-testid="bulk-merge"
                disabled=move || sel.merge.pending().get() || sel.ids.with(|s| s.len() < 2)
                on:click=move |_| merge(false)
            >
                {t.bulk_merge}
            </button>
            <button type="button" class="link" data-testid="bulk-clear" on:click=move |_| sel.ids.set(BTreeSet::new())>
                {t.bulk_clear}
            </button>
        </form>
        </div>
    }
}

/// The ticket page's merge marker and related tickets (see the module doc).
#[component]
pub fn RelatedPanel(ticket: TicketId) -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let link = ServerAction::<LinkTicket>::new();
    let unlink = ServerAction::<UnlinkTicket>::new();
    let number = RwSignal::new(String::new());
    // Loaded in the browser only and read once mounted, like the other side panels: the
    // ticket page's server render never waits for it, and hydration never sees it.
    let mounted = super::team::use_mounted();
    let loaded = LocalResource::new(move || {
        live.hint.track();
        link.version().track();
        unlink.version().track();
        ticket_relations(ticket)
    });
    let rel = RwSignal::new(None::<Result<crate::api::merge::RelationsView, AppError>>);
    Effect::new(move |_| {
        if mounted.get()
            && let Some(r) = loaded.get()
        {
            rel.set(Some(r));
        }
    });
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match link.value().get() {
        Some(Ok(_)) => {
            number.set(String::new());
            error.set(None);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Err(e)) = unlink.value().get() {
            error.set(Some(e));
        }
    });
    let item = move |r: crate::api::merge::RelatedView, testid: &'static str, removable: bool| {
        let href = format!("/agent/t/{}", r.number);
        let other = r.id;
        let remove = removable.then(|| {
            view! {
                <button
                    type="button"
                    class="link"
                    data-testid="related-remove"
                    title=t.rel_remove
                    on:click=move |_| { unlink.dispatch(UnlinkTicket { ticket_id: ticket, other }); }
                >
                    "×"
                </button>
            }
        });
        view! {
            <li data-testid=testid data-number=r.number.clone()>
                <a href=href>{r.number.clone()}</a>
                " " <span class="subject">{r.subject}</span>
                " " <StatusPill status=r.status/>
                {remove}
            </li>
        }
    };
    let body = move || {
        rel.get().map(|r| {
            let r = match r {
                Ok(r) => r,
                Err(e) => return view! { <ErrorNote error=e/> }.into_any(),
            };
            let into = r.merged_into.map(|m| {
                let href = format!("/agent/t/{}", m.number);
                view! {
                    <p class="merged-marker" data-testid="merged-into" data-number=m.number.clone()>
                        {t.rel_merged_into} " " <a href=href>{m.number.clone()}</a>
                    </p>
                }
            });
            let from = (!r.merged_from.is_empty()).then(|| {
                let items = r
                    .merged_from
                    .into_iter()
                    .map(|m| item(m, "merged-from", false))
                    .collect_view();
                view! { <h3>{t.rel_merged_from}</h3><ul class="related">{items}</ul> }
            });
            let links = if r.links.is_empty() {
                view! { <p class="empty" data-testid="related-none">{t.rel_none}</p> }.into_any()
            } else {
                let items = r
                    .links
                    .into_iter()
                    .map(|m| item(m, "related-link", true))
                    .collect_view();
                view! { <ul class="related" data-testid="related-list">{items}</ul> }.into_any()
            };
            view! { <div class="related-body">{into} {from} {links}</div> }.into_any()
        })
    };
    view! {
        <section class="related-panel" data-testid="related-panel">
            <h2>{t.rel_title}</h2>
            {body}
            <form
                class="related-add"
                on:submit=move |ev| {
                    ev.prevent_default();
                    link.dispatch(LinkTicket { ticket_id: ticket, other: number.get_untracked() });
                }
            >
                <input
                    type="text"
                    data-testid="related-number"
                    aria-label=t.rel_number
                    placeholder=t.rel_number
                    prop:value=move || number.get()
                    on:input=move |ev| number.set(event_target_value(&ev))
                />
                <button type="submit" class="secondary" data-testid="related-add" disabled=move || link.pending().get()>
                    {t.rel_add}
                </button>
            </form>
            {move || error.get().map(|e| error_view(e, t))}
        </section>
    }
}
