//! `/manage/channels`: the mailboxes with their health, the form to add a mailbox or edit a
//! UI one (with "Test this mailbox" before saving), and the dead letters with "Replay".
//!
//! Invariants:
//! - Configuration-file mailboxes are listed but never loaded into the form (the file is
//!   their source of truth); the server refuses them too (`read_only`).
//! - Password inputs start empty and are never filled from the server (it sends none); an
//!   empty password keeps the stored one. They are cleared after a successful save.
//! - Server and user text (names, hosts, errors, mail subjects, probe details) is rendered
//!   as text nodes only (escaped), never as HTML.
//! - Field errors of a refused save or probe show next to their fields; anything else shows
//!   as one notice above the buttons.
//! - The list refetches after every save and replay; replay outcomes shown next to their row
//!   survive that refetch.

use crate::api::channels::{ProbeMailbox, SaveMailbox, list_channels, replay_dead_letter};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::dto::{
    ChannelsScreen, DeadLetterRow, MailboxForm, MailboxRow, ProbeResult, format_time, policy_str,
};
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::email::ClosedTicketPolicy;
use lossless::email::IngestOutcome;
use lossless::email::admin::{Endpoint, MailboxSource, TransportSecurity};

/// What the form is doing: adding a mailbox, or editing the UI mailbox with this name.
type Editing = Option<String>;

/// Replay outcomes of this visit, by receipt.
type Replays = Vec<(i64, Result<IngestOutcome, AppError>)>;

/// The channel screen.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveMailbox>::new();
    let probe = ServerAction::<ProbeMailbox>::new();
    let replay = Action::new(|receipt: &i64| {
        let receipt = *receipt;
        async move { (receipt, replay_dead_letter(receipt).await) }
    });
    let refresh = RwSignal::new(0u32);
    let screen = Resource::new(
        move || (save.version().get(), replay.version().get(), refresh.get()),
        |_| list_channels(),
    );

    let form = RwSignal::new(MailboxForm::default());
    let editing = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let replays = RwSignal::new(Replays::new());

    Effect::new(move |_| match save.value().get() {
        Some(Ok(name)) => {
            form_error.set(None);
            form.update(|f| {
                f.imap_password.clear();
                f.smtp_password.clear();
            });
            editing.set(Some(name.clone()));
            saved.set(Some(name));
        }
        Some(Err(e)) => {
            saved.set(None);
            form_error.set(Some(e));
        }
        None => {}
    });
    Effect::new(move |_| match probe.value().get() {
        Some(Ok(_)) => form_error.set(None),
        Some(Err(e)) => form_error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| {
        if let Some((receipt, result)) = replay.value().get() {
            replays.update(|r| {
                r.retain(|(id, _)| *id != receipt);
                r.push((receipt, result));
            });
        }
    });

    let on_edit = Callback::new(move |row: MailboxRow| {
        form.set(MailboxForm::from_row(&row));
        editing.set(Some(row.name));
        form_error.set(None);
        saved.set(None);
        probe.clear();
        scroll_to_editor();
    });
    let on_new = move |_| {
        form.set(MailboxForm::default());
        editing.set(None);
        form_error.set(None);
        saved.set(None);
        probe.clear();
    };
    let on_replay = Callback::new(move |receipt: i64| {
        replay.dispatch(receipt);
    });

    let lists = move || {
        Suspend::new(async move {
            match screen.await {
                Ok(s) => Either::Left(view! { <Lists s on_edit on_replay replays/> }),
                Err(e) => Either::Right(view! { <ErrorNote error=e/> }),
            }
        })
    };

    view! {
        <Title text=t.channels_title/>
        <main class="manage channels">
            <div class="page-head">
                <h1>{t.channels_title}</h1>
                <span class="spacer"></span>
                <button type="button" class="secondary" data-testid="mb-new" on:click=on_new>{t.mb_add}</button>
                <button type="button" class="secondary" data-testid="channels-refresh" on:click=move |_| refresh.update(|n| *n += 1)>
                    {t.channels_refresh}
                </button>
            </div>
            <p class="hint">{t.channels_intro}</p>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{lists}</Transition>
            <MailboxEditor form editing form_error saved save probe/>
        </main>
    }
    .into_any()
}

/// Brings the form into view (its Edit buttons are in the table above it).
fn scroll_to_editor() {
    #[cfg(feature = "hydrate")]
    if let Some(e) = document().get_element_by_id("mailbox-editor") {
        e.scroll_into_view();
    }
}

/// The mailbox table and the dead-letter list.
#[component]
fn Lists(
    s: ChannelsScreen,
    on_edit: Callback<MailboxRow>,
    on_replay: Callback<i64>,
    replays: RwSignal<Replays>,
) -> impl IntoView {
    view! {
        <MailboxTable rows=s.mailboxes on_edit/>
        <DeadLetters rows=s.dead_letters on_replay replays/>
    }
}

fn endpoint_text(e: &Endpoint, t: &Texts) -> String {
    let user = if e.user.is_empty() {
        t.mb_no_auth.to_owned()
    } else {
        e.user.clone()
    };
    format!(
        "{}:{} · {} · {user}",
        e.host,
        e.port,
        t.security(e.security)
    )
}

#[component]
fn MailboxTable(rows: Vec<MailboxRow>, on_edit: Callback<MailboxRow>) -> impl IntoView {
    let t = use_texts();
    if rows.is_empty() {
        return Either::Left(view! {
            <section class="mailboxes" data-testid="mailboxes">
                <p class="empty" data-testid="mailboxes-empty">{t.mb_empty}</p>
            </section>
        });
    }
    let body = rows
        .into_iter()
        .map(|r| {
            let h = r.health.clone();
            let source = match r.source {
                MailboxSource::Config => Either::Left(view! {
                    <span class="source config" title=t.mb_config_note>{t.mb_source_config}</span>
                    <span class="hint">{t.mb_config_note}</span>
                }),
                MailboxSource::Ui => {
                    let row = r.clone();
                    Either::Right(view! {
                        <span class="source ui">{t.mb_source_ui}</span>
                        <button
                            type="button"
                            class="link"
                            data-testid="mb-edit"
                            on:click=move |_| on_edit.run(row.clone())
                        >
                            {t.mb_edit}
                        </button>
                    })
                }
            };
            let smtp = r
                .smtp
                .as_ref()
                .map_or_else(|| t.mb_no_smtp.to_owned(), |e| endpoint_text(e, t));
            let last_fetch = match (h.last_fetch_at, r.last_fetch_ago_secs) {
                (Some(at), Some(ago)) => Either::Left(view! {
                    <time datetime=at.to_rfc3339() title=format_time(at)>{t.ago(ago)}</time>
                }),
                _ => Either::Right(t.health_never),
            };
            let lag = match (h.lag_seconds, h.last_fetch_at) {
                (Some(s), _) => Some(fill(t.health_lag, &t.duration(s))),
                (None, Some(_)) => Some(t.health_no_success.to_owned()),
                (None, None) => None,
            }
            .map(|text| view! { <li data-testid="mb-lag">{text}</li> });
            let error = h.last_error.clone().map(|e| {
                view! { <li class="health-error" data-testid="mb-error"><span>{t.health_error}</span>" "{e}</li> }
            });
            let node = h
                .fetched_by
                .clone()
                .map(|n| view! { <li>{fill(t.health_node, &n)}</li> });
            view! {
                <tr data-testid="mb-row" data-name=r.name.clone() data-source=r.source.as_str()>
                    <td class="mb-name">
                        <strong>{r.name.clone()}</strong>
                        <span class="addr">{r.address.clone()}</span>
                    </td>
                    <td class="mb-source">{source}</td>
                    <td class="endpoint" data-testid="mb-imap">{endpoint_text(&r.imap, t)}</td>
                    <td class="endpoint" data-testid="mb-smtp">{smtp}</td>
                    <td data-testid="mb-enabled">{if r.enabled { t.mb_yes } else { t.mb_no }}</td>
                    <td>{t.policy(r.closed_policy)}</td>
                    <td class="health" data-testid="mb-health">
                        <ul>
                            <li data-testid="mb-last-fetch">{t.health_last_fetch}" "{last_fetch}</li>
                            {lag}
                            {error}
                            <li>{fill(t.health_received, &h.received_24h.to_string())}</li>
                            <li class:warn=h.dead_letters != 0>{fill(t.health_dead, &h.dead_letters.to_string())}</li>
                            <li>{fill(t.health_pending, &h.outbound_pending.to_string())}</li>
                            <li class:warn=h.outbound_failed != 0>{fill(t.health_failed, &h.outbound_failed.to_string())}</li>
                            {node}
                        </ul>
                    </td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <section class="mailboxes" data-testid="mailboxes">
            <table class="data-table mailbox-table" data-testid="mailbox-table">
                <thead>
                    <tr>
                        <th>{t.mb_col_mailbox}</th>
                        <th>{t.mb_col_source}</th>
                        <th>{t.mb_col_imap}</th>
                        <th>{t.mb_col_smtp}</th>
                        <th>{t.mb_col_enabled}</th>
                        <th>{t.mb_col_policy}</th>
                        <th>{t.mb_col_health}</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    })
}

#[component]
fn DeadLetters(
    rows: Vec<DeadLetterRow>,
    on_replay: Callback<i64>,
    replays: RwSignal<Replays>,
) -> impl IntoView {
    let t = use_texts();
    let list = if rows.is_empty() {
        Either::Left(view! { <p class="empty" data-testid="dead-letters-empty">{t.dl_empty}</p> })
    } else {
        let body = rows
            .into_iter()
            .map(|d| {
                let receipt = d.receipt;
                let last = match (d.replayed_at, d.replay_outcome) {
                    (Some(at), Some(o)) => format!("{} · {}", format_time(at), t.outcome(o)),
                    _ => t.dl_not_replayed.to_owned(),
                };
                let now = move || {
                    replays.with(|r| {
                        r.iter().find(|(id, _)| *id == receipt).map(|(_, res)| match res {
                            Ok(o) => Either::Left(view! {
                                <span
                                    class="replay-result"
                                    class:ok=*o != IngestOutcome::DeadLetter
                                    data-testid="dl-outcome"
                                    data-outcome=o.as_str()
                                >
                                    {t.outcome(*o)}
                                </span>
                            }),
                            Err(e) => Either::Right(view! { <ErrorNote error=e.clone()/> }),
                        })
                    })
                };
                view! {
                    <tr data-testid="dl-row" data-receipt=receipt>
                        <td>{d.mailbox}</td>
                        <td class="nowrap"><time datetime=d.received_at.to_rfc3339()>{format_time(d.received_at)}</time></td>
                        <td class="nowrap">{t.size(d.size)}</td>
                        <td class="clip">{d.from}</td>
                        <td class="clip">{d.subject}</td>
                        <td class="dl-error">{d.error}</td>
                        <td>{last}</td>
                        <td class="dl-action">
                            <button
                                type="button"
                                class="secondary"
                                data-testid="dl-replay"
                                on:click=move |_| on_replay.run(receipt)
                            >
                                {t.dl_replay}
                            </button>
                            {now}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <table class="data-table dead-letters" data-testid="dead-letter-table">
                <thead>
                    <tr>
                        <th>{t.mb_col_mailbox}</th>
                        <th>{t.dl_col_received}</th>
                        <th>{t.dl_col_size}</th>
                        <th>{t.dl_col_from}</th>
                        <th>{t.col_subject}</th>
                        <th>{t.dl_col_error}</th>
                        <th>{t.dl_col_replay}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        })
    };
    view! {
        <section class="dead-letters-section" data-testid="dead-letters">
            <h2>{t.dl_title}</h2>
            <p class="hint">{t.dl_intro}</p>
            {list}
        </section>
    }
}

/// A labelled text input bound to one field of the form.
fn text_input(
    form: RwSignal<MailboxForm>,
    errors: RwSignal<Option<AppError>>,
    field: &'static str,
    label: &'static str,
    kind: &'static str,
    get: fn(&MailboxForm) -> &String,
    set: fn(&mut MailboxForm, String),
) -> AnyView {
    let initial = if kind == "password" {
        String::new()
    } else {
        form.with_untracked(|f| get(f).clone())
    };
    let invalid =
        move || errors.with(|e| e.as_ref().is_some_and(|e| e.field_code(field).is_some()));
    view! {
        <label class="field" class:invalid=invalid>
            <span>{label}</span>
            <input
                type=kind
                name=field
                id=format!("mb-{field}")
                data-testid=format!("mb-{field}")
                autocomplete=if kind == "password" { "new-password" } else { "off" }
                value=initial
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            />
            {field_error(errors, field)}
        </label>
    }
    .into_any()
}

/// A labelled select bound to one field of the form.
fn select_input(
    form: RwSignal<MailboxForm>,
    errors: RwSignal<Option<AppError>>,
    field: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    get: fn(&MailboxForm) -> &String,
    set: fn(&mut MailboxForm, String),
) -> AnyView {
    let opts = options
        .into_iter()
        .map(|(value, text)| {
            view! { <option value=value selected=move || form.with(|f| get(f) == value)>{text}</option> }
        })
        .collect_view();
    view! {
        <label class="field">
            <span>{label}</span>
            <select
                name=field
                data-testid=format!("mb-{field}")
                prop:value=move || form.with(|f| get(f).clone())
                on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            >
                {opts}
            </select>
            {field_error(errors, field)}
        </label>
    }
    .into_any()
}

/// A checkbox bound to one flag of the form.
fn check_input(
    form: RwSignal<MailboxForm>,
    field: &'static str,
    label: &'static str,
    get: fn(&MailboxForm) -> bool,
    set: fn(&mut MailboxForm, bool),
) -> AnyView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                name=field
                data-testid=format!("mb-{field}")
                checked=form.with_untracked(get)
                prop:checked=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_checked(&ev)))
            />
            <span>{label}</span>
        </label>
    }
    .into_any()
}

fn security_options(t: &'static Texts) -> Vec<(&'static str, &'static str)> {
    [
        TransportSecurity::Tls,
        TransportSecurity::StartTls,
        TransportSecurity::Plain,
    ]
    .into_iter()
    .map(|s| (s.as_str(), t.security(s)))
    .collect()
}

/// Add or edit a mailbox, test it, save it.
#[component]
fn MailboxEditor(
    form: RwSignal<MailboxForm>,
    editing: RwSignal<Editing>,
    form_error: RwSignal<Option<AppError>>,
    saved: RwSignal<Option<String>>,
    save: ServerAction<SaveMailbox>,
    probe: ServerAction<ProbeMailbox>,
) -> impl IntoView {
    let t = use_texts();
    let is_new = move || editing.with(Option::is_none);
    let heading = move || match editing.get() {
        Some(name) => fill(t.form_edit_title, &name),
        None => t.form_new_title.to_owned(),
    };
    let policy_options = [ClosedTicketPolicy::NewLinked, ClosedTicketPolicy::Reopen]
        .into_iter()
        .map(|p| (policy_str(p), t.policy(p)))
        .collect();
    // A refusal that names no field of the form (read-only, not found, internal …).
    let general_error = move || {
        form_error.get().filter(|e| match e {
            AppError::Invalid(fs) => fs.iter().all(|(f, _)| f == "_"),
            _ => true,
        })
    };
    let probe_view = move || {
        probe
            .value()
            .get()
            .and_then(Result::ok)
            .map(|r| view! { <ProbeSteps r/> })
    };
    let no_smtp = move || form.with(|f| !f.smtp_enabled);
    let password_hint = move || (!is_new()).then_some(t.f_password_keep);

    let name_row = view! {
                <div class="grid two">
                    <label class="field" class:invalid=move || form_error.with(|e| e.as_ref().is_some_and(|e| e.field_code("name").is_some()))>
                        <span>{t.f_name}</span>
                        <input
                            type="text"
                            name="name"
                            data-testid="mb-name"
                            autocomplete="off"
                            readonly=move || !is_new()
                            value=form.with_untracked(|f| f.name.clone())
                            prop:value=move || form.with(|f| f.name.clone())
                            on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))
                        />
                        <span class="hint">{t.f_name_hint}</span>
                        {field_error(form_error, "name")}
                    </label>
                    {text_input(form, form_error, "address", t.f_address, "email", |f| &f.address, |f, v| f.address = v)}
                </div>
    }
    .into_any();
    let imap = view! {
                <fieldset>
                    <legend>{t.f_imap}</legend>
                    <div class="grid endpoint">
                        {text_input(form, form_error, "imap_host", t.f_host, "text", |f| &f.imap_host, |f, v| f.imap_host = v)}
                        {text_input(form, form_error, "imap_port", t.f_port, "text", |f| &f.imap_port, |f, v| f.imap_port = v)}
                        {select_input(form, form_error, "imap_security", t.f_security, security_options(t), |f| &f.imap_security, |f, v| f.imap_security = v)}
                    </div>
                    <div class="grid two">
                        {text_input(form, form_error, "imap_user", t.f_user, "text", |f| &f.imap_user, |f, v| f.imap_user = v)}
                        <div>
                            {text_input(form, form_error, "imap_password", t.password, "password", |f| &f.imap_password, |f, v| f.imap_password = v)}
                            <span class="hint">{password_hint}</span>
                        </div>
                    </div>
                </fieldset>
    }
    .into_any();
    let smtp = view! {
                <fieldset>
                    <legend>{t.f_smtp}</legend>
                    {check_input(form, "smtp_enabled", t.f_smtp_enabled, |f| f.smtp_enabled, |f, v| f.smtp_enabled = v)}
                    <div class="smtp-fields" class:hidden=no_smtp>
                        <div class="grid endpoint">
                            {text_input(form, form_error, "smtp_host", t.f_host, "text", |f| &f.smtp_host, |f, v| f.smtp_host = v)}
                            {text_input(form, form_error, "smtp_port", t.f_port, "text", |f| &f.smtp_port, |f, v| f.smtp_port = v)}
                            {select_input(form, form_error, "smtp_security", t.f_security, security_options(t), |f| &f.smtp_security, |f, v| f.smtp_security = v)}
                        </div>
                        <div class="grid two">
                            <div>
                                {text_input(form, form_error, "smtp_user", t.f_user, "text", |f| &f.smtp_user, |f, v| f.smtp_user = v)}
                                <span class="hint">{t.f_smtp_user_hint}</span>
                            </div>
                            <div>
                                {text_input(form, form_error, "smtp_password", t.password, "password", |f| &f.smtp_password, |f, v| f.smtp_password = v)}
                                <span class="hint">{password_hint}</span>
                            </div>
                        </div>
                    </div>
                </fieldset>
    }
    .into_any();
    let rest = view! {
                <div class="grid two">
                    {text_input(form, form_error, "poll_seconds", t.f_poll, "text", |f| &f.poll_seconds, |f, v| f.poll_seconds = v)}
                    {select_input(form, form_error, "closed_policy", t.f_policy, policy_options, |f| &f.closed_policy, |f, v| f.closed_policy = v)}
                </div>
                {check_input(form, "enabled", t.f_enabled, |f| f.enabled, |f, v| f.enabled = v)}
    }
    .into_any();
    let feedback = view! {
                {move || general_error().map(|e| view! { <div class="flash" data-testid="mb-form-error"><ErrorNote error=e/></div> })}
                {move || saved.get().map(|name| view! { <p class="banner" role="status" data-testid="mb-saved">{fill(t.mb_saved, &name)}</p> })}
    }
    .into_any();
    let buttons = view! {
                <div class="buttons">
                    <button type="submit" data-testid="mb-save" disabled=move || save.pending().get()>{t.mb_save}</button>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="mb-probe"
                        disabled=move || probe.pending().get()
                        on:click=move |_| {
                            probe.dispatch(ProbeMailbox { form: form.get_untracked() });
                        }
                    >
                        {move || if probe.pending().get() { t.probe_running } else { t.probe_button }}
                    </button>
                </div>
    }
    .into_any();
    view! {
        <section class="mailbox-editor" id="mailbox-editor" data-testid="mailbox-editor">
            <h2 data-testid="mb-form-title">{heading}</h2>
            <form
                class="mailbox-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    saved.set(None);
                    save.dispatch(SaveMailbox { form: form.get_untracked(), is_new: is_new() });
                }
            >
                {name_row}
                {imap}
                {smtp}
                {rest}
                {feedback}
                {buttons}
                {probe_view}
            </form>
        </section>
    }
    .into_any()
}

/// The steps of "test this mailbox", each with ✓ or ✗ and its detail.
#[component]
fn ProbeSteps(r: ProbeResult) -> impl IntoView {
    let t = use_texts();
    let steps = r
        .steps
        .into_iter()
        .map(|s| {
            view! {
                <li
                    class="probe-step"
                    class:ok=s.ok
                    class:failed=!s.ok
                    data-testid="probe-step"
                    data-ok=if s.ok { "true" } else { "false" }
                >
                    <span class="mark" aria-hidden="true">{if s.ok { "✓" } else { "✗" }}</span>
                    <span class="step">{t.probe_step(s.kind)}</span>
                    <span class="detail">{s.detail}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="probe" data-testid="probe" data-ok=if r.ok { "true" } else { "false" }>
            <p class="probe-summary" class:ok=r.ok class:failed=!r.ok>
                {if r.ok { t.probe_ok } else { t.probe_failed }}
            </p>
            <ol class="probe-steps">{steps}</ol>
        </div>
    }
}
