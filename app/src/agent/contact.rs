//! The full customer profile (issue 6, point 6): the panel beside a ticket
//! ([`ContactPanel`]) and the contact page `/agent/contacts/:id` ([`ContactPage`]), both
//! showing the contact's name, every handle, organisation, VIP, region, agent-only notes and
//! tickets across channels with counts, and editing them; the page also merges a duplicate
//! contact into this one.
//!
//! Invariants:
//! - The panel lists at most the newest few tickets; "show all" goes to the contact page,
//!   which lists them all (up to the service's bound).
//! - The panel loads in the browser only ([`LocalResource`], read once mounted), so the
//!   ticket page's server render never waits for it; it reloads with the ticket's live hints
//!   (an edit elsewhere hints every ticket of the contact).
//! - The edit form shows field errors (422) next to their fields, handle rows included, and
//!   keeps what was typed; a save replaces the form with what was stored (normalized).
//! - A merge needs a second, explicit confirmation naming the duplicate.

use super::team::use_mounted;
use crate::api::contacts::{
    ContactDetails, ContactForm, ContactHit, FindContacts, HandleView, MergeContact, SaveContact,
    contact_page, ticket_contact,
};
use crate::components::{ErrorNote, StatusPill, field_error, use_texts};
use crate::dto::format_time;
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use lossless::ids::{ContactId, TicketId};

fn kind_text(t: &Texts, kind: &str) -> &'static str {
    match kind {
        "phone" => t.contact_kind_phone,
        "visitor" => t.contact_kind_visitor,
        _ => t.contact_kind_email,
    }
}

/// A contact's facts and tickets, read-only. `panel`: the bounded list beside a ticket,
/// with "show all" when there are more.
#[component]
fn ContactCard(c: ContactDetails, panel: bool) -> impl IntoView {
    let t = use_texts();
    let more = c.more();
    let page = format!("/agent/contacts/{}", c.id);
    let name = if c.name.trim().is_empty() {
        t.contact_unnamed.to_owned()
    } else {
        c.name.clone()
    };
    let handles = c
        .handles
        .iter()
        .map(|h| {
            view! {
                <li data-testid="contact-handle" data-kind=h.kind.clone()>
                    <span class="kind">{kind_text(t, &h.kind)}</span>
                    " "
                    <span class="value">{h.value.clone()}</span>
                </li>
            }
        })
        .collect_view();
    let optional = |label: &'static str, value: String, id: &'static str| {
        (!value.is_empty()).then(|| {
            view! {
                <dt>{label}</dt>
                <dd data-testid=id>{value}</dd>
            }
        })
    };
    let notes = (!c.notes.is_empty()).then(|| {
        view! {
            <dt>{t.contact_notes}</dt>
            <dd class="contact-notes" data-testid="contact-notes">{c.notes.clone()}</dd>
        }
    });
    let tickets = if c.tickets.is_empty() {
        Either::Left(view! { <p class="muted">{t.contact_no_tickets}</p> })
    } else {
        Either::Right(view! {
            <ul class="contact-tickets" data-testid="contact-tickets">
                {c.tickets
                    .iter()
                    .map(|r| {
                        view! {
                            <li data-testid="contact-ticket" data-number=r.number.clone()>
                                <a href=format!("/agent/t/{}", r.number)>{r.number.clone()}</a>
                                " "
                                <span class="subject">{r.subject.clone()}</span>
                                <span class="meta">
                                    <span class="channel">{t.channel(r.channel)}</span>
                                    <StatusPill status=r.status/>
                                    <time
                                        datetime=r.last_activity.to_rfc3339()
                                        title=t.contact_last_activity
                                    >
                                        {format_time(r.last_activity)}
                                    </time>
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        })
    };
    view! {
        <dl class="facts contact-facts">
            <dt>{t.contact_name}</dt>
            <dd data-testid="contact-card-name">{name}</dd>
            <dt>{t.contact_handles}</dt>
            <dd><ul class="handles-list" data-testid="contact-handles">{handles}</ul></dd>
            {optional(t.profile_organisation, c.organisation.clone(), "contact-organisation")}
            {optional(t.profile_region, c.region.clone(), "contact-region")}
            {c.vip.then(|| view! {
                <dt>{t.profile_vip}</dt>
                <dd><span class="badge vip" data-testid="contact-vip">"VIP"</span></dd>
            })}
            {notes}
        </dl>
        <h4 class="contact-tickets-head">
            {t.contact_tickets}
            " "
            <span class="counts" data-testid="contact-counts" data-open=c.open data-total=c.total>
                {fill(t.contact_open_count, &c.open.to_string())}
                " · "
                {fill(t.contact_total_count, &c.total.to_string())}
            </span>
        </h4>
        {tickets}
        {(panel && more).then(|| view! {
            <a class="show-all" href=page data-testid="contact-show-all">{t.contact_show_all}</a>
        })}
    }
}

/// The code of a field in the last refusal.
fn code_of(errors: RwSignal<Option<AppError>>, field: &str) -> Option<String> {
    errors.with(|e| {
        e.as_ref()
            .and_then(|e| e.field_code(field))
            .map(str::to_owned)
    })
}

/// The edit form of a contact; `on_saved` gets the stored contact, `on_cancel` closes it.
#[component]
fn ContactEditor(
    c: ContactDetails,
    on_saved: Callback<ContactDetails>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let t = use_texts();
    let id = c.id;
    let form = RwSignal::new(ContactForm::of(&c));
    let errors = RwSignal::new(None::<AppError>);
    let save = ServerAction::<SaveContact>::new();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(c)) => {
            errors.set(None);
            on_saved.run(c);
        }
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    });
    let text = move |get: fn(&ContactForm) -> String| move || form.with(get);
    let set = move |f: fn(&mut ContactForm, String), v: String| form.update(|p| f(p, v));
    let handle_rows = move || {
        let n = form.with(|f| f.handles.len());
        (0..n)
            .map(|i| {
                let field = format!("handles.{i}");
                let err = move || {
                    code_of(errors, &field).map(|code| {
                        view! {
                            <span class="field-error" data-testid="field-error" data-field=format!("handles.{i}")>
                                {t.field_error(&code)}
                            </span>
                        }
                    })
                };
                view! {
                    <li class="handle-row" data-testid="contact-edit-handle">
                        <select
                            data-testid="contact-edit-handle-kind"
                            prop:value=move || form.with(|f| f.handles.get(i).map(|h| h.kind.clone()).unwrap_or_default())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(h) = f.handles.get_mut(i) { h.kind = v; });
                            }
                        >
                            <option value="email">{t.contact_kind_email}</option>
                            <option value="phone">{t.contact_kind_phone}</option>
                        </select>
                        <input
                            type="text"
                            data-testid="contact-edit-handle-value"
                            prop:value=move || form.with(|f| f.handles.get(i).map(|h| h.value.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(h) = f.handles.get_mut(i) { h.value = v; });
                            }
                        />
                        <button
                            type="button"
                            class="link"
                            data-testid="contact-edit-handle-remove"
                            on:click=move |_| form.update(|f| {
                                if i < f.handles.len() {
                                    f.handles.remove(i);
                                }
                            })
                        >
                            {t.contact_remove_handle}
                        </button>
                        {err}
                    </li>
                }
            })
            .collect_view()
    };
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .filter(|e| {
                    !matches!(e, AppError::Invalid(fs) if fs.iter().all(|(f, _)| {
                        matches!(f.as_str(), "name" | "organisation" | "region" | "notes")
                            || f.starts_with("handles.")
                    }))
                })
                .map(|e| view! { <p class="error" role="alert" data-testid="contact-edit-error" data-code=e.code()>{e.message(t)}</p> })
        })
    };
    view! {
        <form
            class="contact-edit"
            data-testid="contact-edit-form"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveContact { contact_id: id, form: form.get_untracked() });
            }
        >
            <label>
                <span>{t.contact_name}</span>
                <input
                    type="text"
                    maxlength="200"
                    data-testid="contact-edit-name"
                    prop:value=text(|f| f.name.clone())
                    on:input=move |ev| set(|f, v| f.name = v, event_target_value(&ev))
                />
                {field_error(errors, "name")}
            </label>
            <fieldset class="handles">
                <legend>{t.contact_handles}</legend>
                <ul>{handle_rows}</ul>
                <button
                    type="button"
                    class="link"
                    data-testid="contact-edit-add-handle"
                    on:click=move |_| form.update(|f| f.handles.push(HandleView { kind: "email".into(), value: String::new() }))
                >
                    {t.contact_add_handle}
                </button>
                {field_error(errors, "handles")}
            </fieldset>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="contact-edit-vip"
                    prop:checked=move || form.with(|f| f.vip)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.update(|f| f.vip = on);
                    }
                />
                <span>{t.profile_vip}</span>
            </label>
            <label>
                <span>{t.profile_organisation}</span>
                <input
                    type="text"
                    maxlength="100"
                    data-testid="contact-edit-organisation"
                    prop:value=text(|f| f.organisation.clone())
                    on:input=move |ev| set(|f, v| f.organisation = v, event_target_value(&ev))
                />
                {field_error(errors, "organisation")}
            </label>
            <label>
                <span>{t.profile_region}</span>
                <input
                    type="text"
                    maxlength="100"
                    data-testid="contact-edit-region"
                    prop:value=text(|f| f.region.clone())
                    on:input=move |ev| set(|f, v| f.region = v, event_target_value(&ev))
                />
                {field_error(errors, "region")}
            </label>
            <label>
                <span>{t.contact_notes}</span>
                <textarea
                    rows="4"
                    data-testid="contact-edit-notes"
                    prop:value=text(|f| f.notes.clone())
                    on:input=move |ev| set(|f, v| f.notes = v, event_target_value(&ev))
                ></textarea>
                {field_error(errors, "notes")}
            </label>
            {general}
            <div class="row">
                <button type="submit" data-testid="contact-save" disabled=move || save.pending().get()>
                    {t.contact_save}
                </button>
                <button type="button" class="secondary" data-testid="contact-cancel" on:click=move |_| on_cancel.run(())>
                    {t.contact_cancel}
                </button>
            </div>
        </form>
    }
}

/// A contact's card with its edit toggle; `panel`: beside a ticket (bounded list).
#[component]
fn ContactBox(c: ContactDetails, panel: bool, on_saved: Callback<ContactDetails>) -> impl IntoView {
    let t = use_texts();
    let editing = RwSignal::new(false);
    let shown = c.clone();
    let edit_of = c;
    view! {
        {move || if editing.get() {
            Either::Left(view! {
                <ContactEditor
                    c=edit_of.clone()
                    on_saved=Callback::new(move |c| {
                        editing.set(false);
                        on_saved.run(c);
                    })
                    on_cancel=Callback::new(move |()| editing.set(false))
                />
            })
        } else {
            Either::Right(view! {
                <ContactCard c=shown.clone() panel/>
                <button type="button" class="secondary" data-testid="contact-edit" on:click=move |_| editing.set(true)>
                    {t.contact_edit}
                </button>
            })
        }}
    }
}

/// The ticket's customer beside the ticket: the full profile, the newest tickets, editing.
#[component]
pub fn ContactPanel(ticket: TicketId) -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let mounted = use_mounted();
    // Reloads with hints about this ticket (or resyncs).
    let hint = Memo::new(move |prev: Option<&u64>| {
        let h = live.hint.get();
        match (h.ticket, prev) {
            (Some(id), Some(p)) if id != ticket => *p,
            _ => h.seq,
        }
    });
    let loaded = LocalResource::new(move || {
        hint.track();
        ticket_contact(ticket)
    });
    let data = RwSignal::new(None::<Result<ContactDetails, AppError>>);
    Effect::new(move |_| {
        if mounted.get()
            && let Some(r) = loaded.get()
        {
            data.set(Some(r));
        }
    });
    let body = move || {
        data.get().map(|r| match r {
            Ok(c) => {
                let page = format!("/agent/contacts/{}", c.id);
                Either::Left(view! {
                    <a class="contact-page-link" href=page data-testid="contact-page-link">{t.contact_open_page}</a>
                    <ContactBox
                        c
                        panel=true
                        on_saved=Callback::new(move |c: ContactDetails| {
                            // The save answered with the stored contact and its newest tickets.
                            data.set(Some(Ok(c)));
                        })
                    />
                })
            }
            Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
        })
    };
    view! {
        <section class="contact-panel" data-testid="contact-panel">
            <h3>{t.profile_title}</h3>
            {body}
        </section>
    }
}

/// Finding a duplicate of contact `into` and merging it in, after a confirmation.
#[component]
fn MergeBox(into: ContactId, on_merged: Callback<()>) -> impl IntoView {
    let t = use_texts();
    let query = RwSignal::new(String::new());
    let find = ServerAction::<FindContacts>::new();
    let merge = ServerAction::<MergeContact>::new();
    let picked = RwSignal::new(None::<ContactHit>);
    let done = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        if let Some(Ok(n)) = merge.value().get() {
            picked.set(None);
            done.set(Some(n));
            find.value().set(None);
            on_merged.run(());
        }
    });
    let hits = move || {
        find.value().get().map(|r| match r {
            Ok(list) if list.is_empty() => {
                Either::Left(view! { <p class="muted" data-testid="merge-none">{t.contact_merge_none}</p> })
            }
            Ok(list) => Either::Right(Either::Left(view! {
                <ul class="merge-hits" data-testid="merge-results">
                    {list
                        .into_iter()
                        .map(|h| {
                            let name = if h.name.trim().is_empty() { t.contact_unnamed.to_owned() } else { h.name.clone() };
                            let handles = h.handles.iter().map(|x| x.value.clone()).collect::<Vec<_>>().join(", ");
                            let pick = h.clone();
                            view! {
                                <li data-testid="merge-hit" data-id=h.id.to_string()>
                                    <a href=format!("/agent/contacts/{}", h.id)>{name}</a>
                                    " "
                                    <span class="handles">{handles}</span>
                                    " "
                                    <button
                                        type="button"
                                        class="secondary"
                                        data-testid="merge-pick"
                                        on:click=move |_| {
                                            done.set(None);
                                            picked.set(Some(pick.clone()));
                                        }
                                    >
                                        {t.contact_merge_pick}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            })),
            Err(e) => Either::Right(Either::Right(view! { <ErrorNote error=e/> })),
        })
    };
    let confirm = move || {
        picked.get().map(|h| {
            let name = if h.name.trim().is_empty() {
                h.handles
                    .first()
                    .map(|x| x.value.clone())
                    .unwrap_or_default()
            } else {
                h.name.clone()
            };
            view! {
                <div class="merge-confirm" data-testid="merge-confirm">
                    <p>{fill(t.contact_merge_confirm, &name)}</p>
                    <button
                        type="button"
                        class="danger"
                        data-testid="merge-yes"
                        disabled=move || merge.pending().get()
                        on:click=move |_| {
                            merge.dispatch(MergeContact { target: into, source: h.id });
                        }
                    >
                        {t.contact_merge_yes}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| picked.set(None)>
                        {t.contact_cancel}
                    </button>
                </div>
            }
        })
    };
    let merge_error = move || {
        merge
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    view! {
        <section class="contact-merge" data-testid="contact-merge">
            <h2>{t.contact_merge_title}</h2>
            <p class="muted">{t.contact_merge_hint}</p>
            <form
                class="row"
                on:submit=move |ev| {
                    ev.prevent_default();
                    picked.set(None);
                    find.dispatch(FindContacts { into, query: query.get_untracked() });
                }
            >
                <input
                    type="search"
                    data-testid="merge-search"
                    placeholder=t.contact_merge_search
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <button type="submit" class="secondary" data-testid="merge-find">{t.contact_merge_find}</button>
            </form>
            {hits}
            {confirm}
            {merge_error}
            {move || done.get().map(|n| view! {
                <p class="flash" role="status" data-testid="merge-done">{fill(t.contact_merged, &n.to_string())}</p>
            })}
        </section>
    }
}

/// `/agent/contacts/:id`: a contact with all its tickets, editing, and merging duplicates.
#[component]
pub fn ContactPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .map(ContactId)
    });
    let reload = RwSignal::new(0u64);
    let data = Resource::new(
        move || (id.get(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => contact_page(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            match data.await {
                Ok(c) => Either::Left(view! {
                    <ContactBox
                        c
                        panel=false
                        on_saved=Callback::new(move |_| reload.update(|n| *n += 1))
                    />
                }),
                Err(e) => {
                    if e == AppError::NotFound {
                        crate::components::set_http_status(404);
                    }
                    Either::Right(view! { <ErrorNote error=e/> })
                }
            }
        })
    };
    view! {
        <main class="contact-page" data-testid="contact-page">
            <h1>{t.contact_page_title}</h1>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>{body}</Suspense>
            // Outside the suspense, so the reload after a merge keeps its "moved N" message.
            {move || {
                id.get()
                    .map(|into| {
                        view! {
                            <MergeBox into on_merged=Callback::new(move |()| reload.update(|n| *n += 1))/>
                        }
                    })
            }}
        </main>
    }
}
