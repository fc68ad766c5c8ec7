//! `/agent/t/:number`: one ticket — header, field controls, the timeline (messages and
//! history merged), the reply and internal-note forms.
//!
//! Invariants:
//! - Every change sends the `version` the page shows; a `Conflict` shows the localized
//!   "someone else changed this ticket" notice and the page refetches (the action's completion
//!   is a source of the ticket resource).
//! - The page refetches on live hints for this ticket and on resync hints; so does its SLA
//!   panel ([`super::sla`]), loaded next to the ticket and rendered on the server.
//! - The composer forms live outside the refetching part of the page, so a live refetch never
//!   wipes or unfocuses what the agent is typing; a draft is cleared only after it was saved.
//! - Message bodies are plain text rendered as text nodes (escaped), never as HTML: there is
//!   no `inner_html` anywhere. An email's HTML part (sanitized with ammonia at ingest) is
//!   shown only as the `srcdoc` of an `<iframe sandbox>` without `allow-scripts` and
//!   `allow-same-origin`, so it renders in an opaque origin and can run nothing.
//! - An inbound email shows its new part first (quoted earlier mail and signature behind a
//!   disclosure, `lossless::email::split_for_display`), its attachments (files over the size
//!   limit are named, kept in the original), a link to the original `.eml`, and why intake
//!   threaded it there; an outbound email shows its delivery state.

use super::canned::{CannedComposer, CannedPicker};
use super::collision::{Collision, CollisionBar};
use super::{directory, use_directory};
use crate::api::tickets::{AddNote, ChangeTicket, ReplyTicket, get_ticket};
use crate::components::{ErrorNote, PriorityBadge, StatusPill, use_texts};
use crate::dto::{
    AgentTicket, Directory, MessageKind, MessageMail, TimelineItem, Who, format_time,
};
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use lossless::ids::{RuleId, TicketId};
use lossless::sla::SlaEvent;
use lossless::ticket::{Priority, Status, TicketEvent};
use lossless::viewers::Draft;

/// What the forms act on: the ticket and version currently shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shown {
    id: TicketId,
    version: i64,
    status: Status,
}

/// The ticket page.
#[component]
pub fn TicketPage() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let number = Memo::new(move |_| params.read().get("number").unwrap_or_default());
    let live = use_live();
    let dir = use_directory();
    let reply = ServerAction::<ReplyTicket>::new();
    let note = ServerAction::<AddNote>::new();
    let change = ServerAction::<ChangeTicket>::new();
    let shown = RwSignal::new(None::<Shown>);
    // Who else is on the shown ticket (issue 6); the composers report typing to it.
    let collision = Collision::start(Memo::new(move |_| shown.get().map(|s| s.id)));
    let reply_draft = RwSignal::new(String::new());
    // Canned responses and macros in the reply composer (issue 6).
    let canned = CannedComposer::new(
        reply_draft,
        Signal::derive(move || shown.get().map(|s| (s.id, s.version))),
    );

    // Changes only for hints about this ticket (or resyncs), so other tickets' traffic does
    // not refetch this page.
    let hint = Memo::new(move |prev: Option<&u64>| {
        let h = live.hint.get();
        let mine = shown.get_untracked().map(|s| s.id);
        match (h.ticket, prev) {
            (Some(id), Some(p)) if Some(id) != mine => *p,
            _ => h.seq,
        }
    });
    let ticket = Resource::new(
        move || {
            (
                number.get(),
                hint.get(),
                reply.version().get(),
                note.version().get(),
                change.version().get(),
                canned.apply.version().get(),
            )
        },
        |(n, ..)| get_ticket(n),
    );
    let sla = Resource::new(
        move || {
            (
                number.get(),
                hint.get(),
                change.version().get(),
                reply.version().get(),
                canned.apply.version().get(),
            )
        },
        |(n, ..)| crate::api::sla::ticket_sla(n),
    );
    super::sla::provide_sla_clock();
    Effect::new(move |_| {
        if let Some(Ok(tk)) = ticket.get() {
            shown.set(Some(Shown {
                id: tk.id,
                version: tk.version,
                status: tk.status,
            }));
        }
    });

    let flash = RwSignal::new(None::<AppError>);
    let note_draft = RwSignal::new(String::new());
    Effect::new(move |_| match reply.value().get() {
        Some(Ok(saved)) => {
            reply_draft.set(String::new());
            flash.set(None);
            collision.stopped();
            canned.after_reply(saved.version);
        }
        Some(Err(e)) => flash.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match note.value().get() {
        Some(Ok(_)) => {
            note_draft.set(String::new());
            flash.set(None);
            collision.stopped();
        }
        Some(Err(e)) => flash.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(_)) => flash.set(None),
        Some(Err(e)) => flash.set(Some(e)),
        None => {}
    });

    let on_change = Callback::new(
        move |(field, value, version): (&'static str, String, i64)| {
            if let Some(s) = shown.get_untracked() {
                change.dispatch(ChangeTicket {
                    ticket_id: s.id,
                    version,
                    field: field.to_owned(),
                    value,
                });
            }
        },
    );

    let body = move || {
        Suspend::new(async move {
            let dir = directory(dir).await;
            let sla = sla.await;
            match ticket.await {
                Ok(tk) => Either::Left(view! { <TicketView tk dir sla on_change/> }),
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };

    view! {
        // The title outlives the page by a moment when leaving it (leptos_meta): never panic
        // on the disposed memo.
        <Title text=move || number.try_get().unwrap_or_default()/>
        <main class="ticket-page">
            <p class="back"><a href="/agent">{t.back_to_queue}</a></p>
            {move || flash.get().map(|e| view! {
                <div class="flash" data-testid="flash" data-code=e.code()><ErrorNote error=e.clone()/></div>
            })}
            <CollisionBar collision/>
            // Its own Transition: the bar's refetches (on every viewers hint, i.e. while the
            // agent types) must not suspend the page around it, which would take the focus
            // out of the reply box.
            <Transition fallback=|| ()>
                <super::visitor::VisitorBar ticket=Signal::derive(move || shown.get().map(|s| s.id))/>
            </Transition>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{body}</Transition>
            <div class="composers" class:hidden=move || shown.get().is_none()>
                <form
                    class="composer reply"
                    class:hidden=move || shown.get().is_some_and(|s| s.status == Status::Closed)
                    on:submit=move |ev| {
                        ev.prevent_default();
                        if let Some(s) = shown.get_untracked() {
                            reply.dispatch(ReplyTicket { ticket_id: s.id, version: s.version, body: reply_draft.get_untracked() });
                        }
                    }
                >
                    <label for="reply-body">{t.reply_label}</label>
                    <textarea
                        id="reply-body"
                        name="body"
                        rows="4"
                        data-testid="reply-body"
                        node_ref=canned.area
                        on:keydown=move |ev| canned.keydown(&ev)
                        prop:value=move || reply_draft.get()
                        on:input=move |ev| {
                            reply_draft.set(event_target_value(&ev));
                            collision.typed(Draft::Reply);
                        }
                    ></textarea>
                    <CannedPicker c=canned/>
                    <button type="submit" data-testid="reply-send" disabled=move || reply.pending().get()>
                        {t.reply_send}
                    </button>
                </form>
                <form
                    class="composer note"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        if let Some(s) = shown.get_untracked() {
                            note.dispatch(AddNote { ticket_id: s.id, version: s.version, body: note_draft.get_untracked() });
                        }
                    }
                >
                    <label for="note-body">{t.note_label}</label>
                    <textarea
                        id="note-body"
                        name="body"
                        rows="3"
                        data-testid="note-body"
                        prop:value=move || note_draft.get()
                        on:input=move |ev| {
                            note_draft.set(event_target_value(&ev));
                            collision.typed(Draft::Note);
                        }
                    ></textarea>
                    <button type="submit" class="secondary" data-testid="note-send" disabled=move || note.pending().get()>
                        {t.note_add}
                    </button>
                </form>
            </div>
        </main>
    }
}

#[component]
fn TicketView(
    tk: AgentTicket,
    dir: Directory,
    sla: Result<crate::api::sla::SlaPanel, AppError>,
    on_change: Callback<(&'static str, String, i64)>,
) -> impl IntoView {
    let t = use_texts();
    let version = tk.version;
    let ticket_id = tk.id;
    let contact_name = tk
        .contact
        .as_ref()
        .map(|c| c.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| t.unknown_contact.to_owned());
    let handles = tk
        .contact
        .as_ref()
        .map(|c| c.handles.clone())
        .unwrap_or_default()
        .into_iter()
        // A site visitor's handle is an opaque id: the visitor bar above shows them instead.
        .filter(|h| h.kind != "visitor")
        .map(|h| {
            let href = if h.kind == "email" {
                format!("mailto:{}", h.value)
            } else {
                format!("tel:{}", h.value)
            };
            view! { <a class="handle" href=href rel="external">{h.value}</a> }
        })
        .collect_view();

    // Option lists never change shape between refetches (unreachable statuses are disabled,
    // not left out), and the select's `value` property is set on every render: the control
    // always shows the stored value, also after a refused change.
    let select = move |field: &'static str,
                       testid: &'static str,
                       current: String,
                       options: Vec<(String, String, bool)>| {
        let opts = options
            .into_iter()
            .map(|(value, label, disabled)| {
                let selected = value == current;
                view! { <option value=value selected=selected disabled=disabled>{label}</option> }
            })
            .collect_view();
        view! {
            <select
                name=field
                data-testid=testid
                prop:value=current.clone()
                on:change=move |ev| on_change.run((field, event_target_value(&ev), version))
            >
                {opts}
            </select>
        }
    };

    let status_opts = Status::ALL
        .into_iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                t.status(s).to_owned(),
                s != tk.status && !tk.next_statuses.contains(&s),
            )
        })
        .collect();
    let priority_opts = Priority::ALL
        .into_iter()
        .rev()
        .map(|p| (p.as_str().to_owned(), t.priority(p).to_owned(), false))
        .collect();
    let mut assignee_opts = vec![(String::new(), t.unassigned.to_owned(), false)];
    // Active agents only, plus the current owner (shown even when switched off).
    assignee_opts.extend(
        dir.agents
            .iter()
            .filter(|a| !dir.inactive.contains(&a.id) || tk.assignee == Some(a.id))
            .map(|a| (a.id.to_string(), a.name.clone(), false)),
    );
    let mut group_opts = vec![(String::new(), t.no_group.to_owned(), false)];
    group_opts.extend(
        dir.groups
            .iter()
            .map(|g| (g.id.to_string(), g.name.clone(), false)),
    );
    let id_text = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    let current_assignee = id_text(tk.assignee.map(|a| a.0));
    let current_group = id_text(tk.group.map(|g| g.0));
    let closed = tk.status == Status::Closed;
    // "Assign to me" (also the `a` shortcut) while someone else or nobody owns it.
    let assign_me = use_context::<crate::dto::Me>()
        .map(|me| me.id)
        .filter(|me| !closed && tk.assignee != Some(*me))
        .map(|me| {
            view! {
                <button
                    type="button"
                    class="secondary assign-me"
                    data-testid="assign-me"
                    data-shortcut="assign-me"
                    on:click=move |_| on_change.run(("assignee", me.to_string(), version))
                >
                    {t.assign_me}
                </button>
            }
        });

    let rules = rule_names(&tk.timeline);
    let timeline = tk
        .timeline
        .into_iter()
        .filter(|i| {
            !matches!(
                i,
                TimelineItem::Event {
                    event: TicketEvent::CustomerReplied
                        | TicketEvent::AgentReplied
                        | TicketEvent::NoteAdded
                        | TicketEvent::Acknowledged
                        | TicketEvent::DeliveryFailed { .. },
                    ..
                }
            )
        })
        .map(|item| timeline_item(item, t, &dir, &contact_name, &rules))
        .collect_view();
    let tags = (!tk.tags.is_empty()).then(|| {
        let tags = tk
            .tags
            .into_iter()
            .map(|tag| view! { <span class="tag">{tag}</span> })
            .collect_view();
        view! { <dt>{t.tags}</dt><dd>{tags}</dd> }
    });
    let custom_fields = tk
        .custom_fields
        .into_iter()
        .map(|(k, v)| {
            view! { <dt class="custom-field">{k}</dt><dd data-testid="custom-field">{v}</dd> }
        })
        .collect_view();

    view! {
        <header class="ticket-head" data-testid="ticket-head" data-version=version>
            <div class="title">
                <span class="num" data-testid="ticket-number">{tk.number}</span>
                <h1 data-testid="ticket-subject">{tk.subject}</h1>
            </div>
            <div class="pills">
                <StatusPill status=tk.status/>
                <PriorityBadge priority=tk.priority/>
            </div>
        </header>
        <div class="ticket-grid">
            <section class="timeline" aria-label=t.timeline>
                <h2>{t.timeline}</h2>
                <ol class="timeline-list" data-testid="timeline">{timeline}</ol>
            </section>
            <aside class="side">
                <dl class="facts">
                    <dt>{t.contact}</dt>
                    <dd>
                        <span class="contact-name" data-testid="contact-name">{contact_name.clone()}</span>
                        <span class="handles">{handles}</span>
                    </dd>
                    <dt>{t.channel}</dt>
                    <dd>{t.channel(tk.channel)}</dd>
                    <dt>{t.created}</dt>
                    <dd><time datetime=tk.created_at.to_rfc3339()>{format_time(tk.created_at)}</time></dd>
                    {tags}
                    {custom_fields}
                </dl>
                <super::sla::SlaPanelView panel=sla/>
                <div class="controls">
                    <label>
                        <span>{t.status}</span>
                        {select("status", "status-select", tk.status.as_str().to_owned(), status_opts)}
                    </label>
                    <label>
                        <span>{t.priority}</span>
                        {select("priority", "priority-select", tk.priority.as_str().to_owned(), priority_opts)}
                    </label>
                    <label class:hidden=closed>
                        <span>{t.assignee}</span>
                        {select("assignee", "assignee-select", current_assignee, assignee_opts)}
                    </label>
                    {assign_me}
                    <label>
                        <span>{t.group}</span>
                        {select("group", "group-select", current_group, group_opts)}
                    </label>
                </div>
                <super::merge::RelatedPanel ticket=ticket_id/>
                <super::contact::ContactPanel ticket=ticket_id/>
                <super::suggest::TicketSuggestion ticket=ticket_id/>
            </aside>
        </div>
    }
}

/// Rule names by id, from the `RuleFired` rows of this timeline (the name the rule had when
/// it fired; history keeps it after a rename or delete).
fn rule_names(timeline: &[TimelineItem]) -> Vec<(RuleId, String)> {
    timeline
        .iter()
        .filter_map(|i| match i {
            TimelineItem::Event {
                event: TicketEvent::RuleFired { rule, name },
                ..
            } => Some((*rule, name.clone())),
            _ => None,
        })
        .collect()
}

fn who_name(
    who: Who,
    t: &Texts,
    dir: &Directory,
    contact_name: &str,
    rules: &[(RuleId, String)],
) -> String {
    match who {
        Who::Agent(id) => dir.agent_name(id),
        Who::Customer => contact_name.to_owned(),
        Who::System => t.actor_system.to_owned(),
        Who::Rule(id) => {
            // The latest firing of this rule carries its name; `#id` if none is shown.
            let name = rules
                .iter()
                .rev()
                .find(|(r, _)| *r == id)
                .map_or_else(|| format!("#{id}"), |(_, n)| n.clone());
            fill(t.actor_rule, &name)
        }
    }
}

/// One history event as the timeline words it (also used by the rules page's "Try it").
pub(crate) fn describe(event: &TicketEvent, t: &Texts, dir: &Directory) -> String {
    match event {
        TicketEvent::Created { channel, .. } => fill(t.h_created, t.channel(*channel)),
        TicketEvent::StatusChanged { from, to } => fill(
            t.h_status,
            &format!("{} → {}", t.status(*from), t.status(*to)),
        ),
        TicketEvent::PriorityChanged { from, to } => fill(
            t.h_priority,
            &format!("{} → {}", t.priority(*from), t.priority(*to)),
        ),
        TicketEvent::Assigned { to: Some(a), .. } => fill(t.h_assigned, &dir.agent_name(*a)),
        TicketEvent::Assigned { to: None, .. } => t.h_unassigned.to_owned(),
        TicketEvent::GroupChanged { to: Some(g), .. } => fill(t.h_group, &dir.group_name(*g)),
        TicketEvent::GroupChanged { to: None, .. } => t.h_group_removed.to_owned(),
        TicketEvent::Tagged { tag } => fill(t.h_tagged, tag),
        TicketEvent::Untagged { tag } => fill(t.h_untagged, tag),
        TicketEvent::CustomerReplied => t.h_customer_replied.to_owned(),
        TicketEvent::AgentReplied => t.h_agent_replied.to_owned(),
        TicketEvent::NoteAdded => t.h_note_added.to_owned(),
        TicketEvent::Acknowledged => t.h_acknowledged.to_owned(),
        // Filtered out of the timeline above; the delivery state shows on the message.
        TicketEvent::DeliveryFailed { .. } => String::new(),
        TicketEvent::ReopenedByReply => t.h_reopened_by_reply.to_owned(),
        TicketEvent::FollowUpOf { number, .. } => fill(t.h_follow_up_of, &number.to_string()),
        TicketEvent::ContinuedIn { number, .. } => fill(t.h_continued_in, &number.to_string()),
        TicketEvent::MergedInto { number, .. } => fill(t.h_merged_into, &number.to_string()),
        TicketEvent::MergedFrom { number, .. } => fill(t.h_merged_from, &number.to_string()),
        TicketEvent::Linked { number, .. } => fill(t.h_linked, &number.to_string()),
        TicketEvent::Unlinked { number, .. } => fill(t.h_unlinked, &number.to_string()),
        TicketEvent::RuleFired { name, .. } => fill(t.h_rule_fired, name),
        TicketEvent::NoAgentAvailable { group } => {
            fill(t.h_no_agent_available, &dir.group_name(*group))
        }
        TicketEvent::RuleNotified { count } => fill(t.h_rule_notified, &count.to_string()),
        TicketEvent::ContactMerged {
            from_name, from, ..
        } => match from_name.trim() {
            "" => fill(t.h_contact_merged, &format!("#{from}")),
            name => fill(t.h_contact_merged, name),
        },
        TicketEvent::RuleStatusSkipped { from, to } => fill(
            t.h_rule_status_skipped,
            &format!("{} → {}", t.status(*from), t.status(*to)),
        ),
        TicketEvent::Sla { event } => match event {
            SlaEvent::Warned {
                target, percent, ..
            } => fill(
                t.h_sla_warned,
                &format!("{}, {percent} %", t.sla_target(*target)),
            ),
            SlaEvent::Breached {
                target,
                policy_name,
                ..
            } => fill(
                t.h_sla_breached,
                &format!("{} ({policy_name})", t.sla_target(*target)),
            ),
            SlaEvent::Met { target, late, .. } => fill(
                if *late { t.h_sla_met_late } else { t.h_sla_met },
                t.sla_target(*target),
            ),
        },
    }
}

/// A message's text: the new part with the quoted mail and signature behind a disclosure
/// when the body trims, and the sanitized HTML view (in a sandboxed frame) with a toggle
/// when the mail had HTML.
fn message_content(body: String, mail: &MessageMail, t: &'static Texts) -> AnyView {
    let text = match &mail.trimmed {
        Some(d) => {
            let rest = [d.quoted.as_str(), d.signature.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            view! {
                <div class="body" data-testid="message-new">{d.new.clone()}</div>
                <details class="quoted" data-testid="message-quoted">
                    <summary>{t.mail_show_quoted}</summary>
                    <div class="body">{rest}</div>
                </details>
            }
            .into_any()
        }
        None => view! { <div class="body">{body}</div> }.into_any(),
    };
    let Some(html) = mail.html.clone() else {
        return text;
    };
    let show_html = RwSignal::new(false);
    view! {
        <div class="view-toggle" role="group">
            <button
                type="button"
                aria-pressed=move || (!show_html.get()).to_string()
                on:click=move |_| show_html.set(false)
            >
                {t.mail_view_text}
            </button>
            <button
                type="button"
                data-testid="show-html"
                aria-pressed=move || show_html.get().to_string()
                on:click=move |_| show_html.set(true)
            >
                {t.mail_view_html}
            </button>
        </div>
        <div hidden=move || show_html.get()>{text}</div>
        <div hidden=move || !show_html.get()>
            // No allow-scripts, no allow-same-origin: the mail runs nothing and reaches
            // nothing of ours; popups only so its links open in a new tab.
            <iframe
                class="mail-html"
                data-testid="mail-html"
                title=t.mail_html_title
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                referrerpolicy="no-referrer"
                srcdoc=html
            ></iframe>
        </div>
    }
    .into_any()
}

/// Attachments, the original's link, why intake put the mail here, and the delivery state.
fn mail_details(mail: MessageMail, t: &'static Texts) -> AnyView {
    let attachments = (!mail.attachments.is_empty()).then(|| {
        let items = mail
            .attachments
            .into_iter()
            .map(|a| {
                let size = t.size(a.size);
                let inline = a
                    .inline
                    .then(|| view! { <span class="inline">{t.mail_inline}</span> });
                let name = a.filename.clone();
                match a.url {
                    Some(url) => view! {
                        <li data-testid="attachment">
                            <a href=url download=name>{a.filename}</a>
                            " " <span class="size">{size}</span> {inline}
                        </li>
                    }
                    .into_any(),
                    None => view! {
                        <li data-testid="attachment" class="not-stored">
                            <span>{a.filename}</span>
                            " " <span class="size">{size}</span> {inline}
                            " " <span class="too-large">{t.mail_too_large}</span>
                        </li>
                    }
                    .into_any(),
                }
            })
            .collect_view();
        view! {
            <div class="attachments">
                <span class="label">{t.mail_attachments}</span>
                <ul>{items}</ul>
            </div>
        }
    });
    let original = mail.original_url.map(|url| {
        view! { <a class="original" href=url data-testid="original">{t.mail_original}</a> }
    });
    let why = (!mail.why.is_empty()).then(|| {
        let lines = mail
            .why
            .iter()
            .map(|w| t.why(&w.code))
            .zip(mail.why.iter())
            .filter(|(text, _)| !text.is_empty())
            .map(|(text, w)| view! { <li data-code=w.code.clone()>{fill(text, &w.arg)}</li> })
            .collect_view();
        view! {
            <div class="mail-why" data-testid="mail-why">
                <span class="label">{t.mail_why}</span>
                <ul>{lines}</ul>
            </div>
        }
    });
    let delivery = mail.delivery.map(|d| {
        let class = format!("delivery delivery-{}", d.state.as_str());
        view! {
            <div class=class data-testid="delivery" data-state=d.state.as_str()>
                {t.delivery(d.state, d.error.as_deref())}
            </div>
        }
    });
    view! { {attachments} {original} {why} {delivery} }.into_any()
}

fn timeline_item(
    item: TimelineItem,
    t: &'static Texts,
    dir: &Directory,
    contact_name: &str,
    rules: &[(RuleId, String)],
) -> AnyView {
    match item {
        TimelineItem::Message {
            kind,
            who,
            body,
            at,
            mail,
        } => {
            let (class, label) = match kind {
                MessageKind::Inbound => ("msg inbound", t.msg_inbound),
                MessageKind::Outbound => ("msg outbound", t.msg_outbound),
                MessageKind::Note => ("msg note", t.msg_note),
            };
            let kind_attr = match kind {
                MessageKind::Inbound => "inbound",
                MessageKind::Outbound => "outbound",
                MessageKind::Note => "note",
            };
            view! {
                <li class=class data-testid="timeline-message" data-kind=kind_attr>
                    <div class="meta">
                        <span class="who">{who_name(who, t, dir, contact_name, rules)}</span>
                        <span class="kind">{label}</span>
                        <time datetime=at.to_rfc3339()>{format_time(at)}</time>
                    </div>
                    {message_content(body, &mail, t)}
                    {mail_details(*mail, t)}
                </li>
            }
            .into_any()
        }
        TimelineItem::Event { who, event, at } => {
            // "Rule “VIP” applied" names the rule itself; its effects below name it as actor.
            let who = match (&event, who) {
                (TicketEvent::RuleFired { .. }, Who::Rule(_)) => None,
                _ => Some(who_name(who, t, dir, contact_name, rules)),
            }
            .map(|w| view! { <span class="who">{w}</span>" " });
            let rule = match &event {
                TicketEvent::RuleFired { rule, .. } => Some(rule.to_string()),
                _ => None,
            };
            view! {
                <li class="event" class:rule-fired=rule.is_some() data-testid="timeline-event" data-rule=rule data-kind=event.name()>
                    {who}
                    <span class="what">{describe(&event, t, dir)}</span>
                    <time datetime=at.to_rfc3339()>{format_time(at)}</time>
                </li>
            }
            .into_any()
        }
    }
}
