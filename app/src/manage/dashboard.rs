//! `/manage`: the manager dashboard — totals of the working set, each agent's presence and
//! load with their longest wait, each group's queue, the oldest unassigned tickets and the
//! tickets at SLA risk, each with an assignee picker that reassigns in place.
//!
//! Invariants:
//! - Live without hammering: ticket and presence hints schedule one refetch
//!   [`REFRESH_AFTER_HINT_MS`] later, and the hints arriving meanwhile ride along with it, so
//!   a busy queue costs at most one dashboard read per interval. Every
//!   [`REFRESH_EVERY_SECS`] it refetches anyway (idle agents turn away without a hint, waits
//!   grow). The previous figures stay on screen while a refetch runs.
//! - Reassigning is the ticket page's field change made from the row's version: a lost race
//!   is a conflict with the project's message, the picker goes back to the stored owner and
//!   the dashboard refetches. Saved or refused, the page says so in one status line
//!   (`board-flash`), since a reassigned row may leave its list at once.
//! - Rows are keyed by their content (tickets by id, version and SLA state), so a refetch
//!   re-renders only the rows that changed and never resets a picker someone is using on an
//!   unchanged row; waits and ages come from the server's clock ([`BoardView::now`]).

use crate::agent::{SlaBadgeView, presence_text, provide_sla_clock, sla_span_text};
use crate::api::board::{BoardAgentRow, BoardGroupRow, BoardTicketRow, BoardView, manager_board};
use crate::api::tickets::ChangeTicket;
use crate::components::{ErrorNote, PriorityBadge, StatusPill, use_texts};
use crate::error::AppError;
use crate::i18n::{Texts, fill};
use crate::live::use_live;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::{AgentId, GroupId};

/// Milliseconds between a live hint and the refetch it causes (later hints join it).
pub const REFRESH_AFTER_HINT_MS: u64 = 1_000;
/// Seconds between refetches when no hint comes.
pub const REFRESH_EVERY_SECS: u64 = 60;

/// The outcome of the last reassignment, shown in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flash {
    /// Saved (`true`) or refused.
    ok: bool,
    /// What to say.
    text: String,
    /// The error code of a refusal (`conflict`, …).
    code: Option<&'static str>,
}

/// Names for pickers and cells, taken from the dashboard itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Names {
    agents: Vec<(AgentId, String)>,
    groups: Vec<(GroupId, String)>,
    /// Not offered in the reassign picker (invited or switched off).
    inactive: Vec<AgentId>,
}

impl Names {
    fn of(v: &BoardView) -> Self {
        Self {
            agents: v.agents.iter().map(|a| (a.agent, a.name.clone())).collect(),
            groups: v
                .groups
                .iter()
                .filter_map(|g| g.group.map(|id| (id, g.name.clone())))
                .collect(),
            inactive: v.inactive.clone(),
        }
    }
    fn agent(&self, id: AgentId) -> String {
        self.agents
            .iter()
            .find(|(a, _)| *a == id)
            .map_or_else(|| format!("#{}", id.0), |(_, n)| n.clone())
    }
    fn group(&self, t: &Texts, id: Option<GroupId>) -> String {
        match id {
            None => t.no_group.to_owned(),
            Some(id) => self
                .groups
                .iter()
                .find(|(g, _)| *g == id)
                .map_or_else(|| format!("#{}", id.0), |(_, n)| n.clone()),
        }
    }
}

/// Bumps `refresh` once per [`REFRESH_AFTER_HINT_MS`] while live hints come, and every
/// [`REFRESH_EVERY_SECS`]. Browser only (effects do not run on the server).
fn live_refresh(refresh: RwSignal<u64>) {
    let live = use_live();
    let scheduled = StoredValue::new(false);
    Effect::new(move |ran: Option<()>| {
        live.hint.track();
        live.presence.track();
        // The first run only subscribes: the page was just fetched.
        if ran.is_none() || scheduled.try_get_value().unwrap_or(true) {
            return;
        }
        scheduled.set_value(true);
        #[cfg(feature = "hydrate")]
        set_timeout(
            move || {
                scheduled.try_set_value(false);
                refresh.try_update(|n| *n += 1);
            },
            std::time::Duration::from_millis(REFRESH_AFTER_HINT_MS),
        );
    });
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(h) = set_interval_with_handle(
            move || {
                refresh.try_update(|n| *n += 1);
            },
            std::time::Duration::from_secs(REFRESH_EVERY_SECS),
        ) {
            on_cleanup(move || h.clear());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (refresh, REFRESH_AFTER_HINT_MS, REFRESH_EVERY_SECS);
    });
}

fn waiting_text(t: &Texts, secs: Option<i64>) -> String {
    secs.map_or_else(
        || t.board_no_wait.to_owned(),
        |s| fill(t.board_waiting_for, &sla_span_text(t, s, false)),
    )
}

/// The key of a ticket row: it re-renders when the ticket or its SLA state changed.
type TicketKey = (
    lossless::ids::TicketId,
    i64,
    Option<(Option<chrono::DateTime<chrono::Utc>>, bool, bool, u8)>,
);

fn ticket_key(r: &BoardTicketRow) -> TicketKey {
    (
        r.id,
        r.version,
        r.sla
            .as_ref()
            .map(|b| (b.due_at, b.breached, b.paused, b.warned)),
    )
}

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_texts();
    provide_sla_clock();
    let refresh = RwSignal::new(0u64);
    live_refresh(refresh);
    let board = Resource::new(move || refresh.get(), |_| manager_board());
    let flash = RwSignal::new(None::<Flash>);
    let data = move || board.get().and_then(Result::ok);
    let failed = move || {
        board
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    let flash_line = move || {
        flash.get().map(|f| {
            view! {
                <p
                    class=if f.ok { "board-flash ok" } else { "board-flash error" }
                    role=if f.ok { "status" } else { "alert" }
                    data-testid="board-flash"
                    data-ok=f.ok.to_string()
                    data-code=f.code
                >
                    {f.text}
                </p>
            }
        })
    };
    let number = move |f: fn(&BoardView) -> i64| move || data().map(|v| f(&v));
    let at_risk_count = move || {
        data().map(|v| {
            if v.more_at_risk {
                format!("{}+", v.at_risk.len())
            } else {
                v.at_risk.len().to_string()
            }
        })
    };
    let agents = move || data().map(|v| v.agents).unwrap_or_default();
    let groups = move || data().map(|v| v.groups).unwrap_or_default();
    let unassigned = move || data().map(|v| v.unassigned).unwrap_or_default();
    let at_risk = move || data().map(|v| v.at_risk).unwrap_or_default();
    let names = move || data().map(|v| Names::of(&v)).unwrap_or_default();
    let served = move || data().map(|v| v.now).unwrap_or_default();
    let unassigned_none = move || data().is_some_and(|v| v.unassigned.is_empty());
    let at_risk_none = move || data().is_some_and(|v| v.at_risk.is_empty());
    let unassigned_of = move || {
        data()
            .filter(|v| v.unassigned_total > i64::try_from(v.unassigned.len()).unwrap_or(0))
            .map(|v| fill(t.board_of_total, &v.unassigned_total.to_string()))
    };
    let at_risk_more = move || {
        data()
            .filter(|v| v.more_at_risk)
            .map(|v| fill(t.board_more, &v.list_limit.to_string()))
    };
    let at_risk_hint =
        move || data().map(|v| fill(t.board_at_risk_hint, &v.at_risk_minutes.to_string()));
    let tile = move |testid: &'static str, label: &'static str, value: AnyView| {
        view! {
            <div class="board-tile" data-testid=testid>
                <span class="board-tile-value">{value}</span>
                <span class="board-tile-label">{label}</span>
            </div>
        }
    };
    let ticket_head = move || {
        view! {
            <thead>
                <tr>
                    <th class="num">{t.col_number}</th>
                    <th>{t.col_subject}</th>
                    <th>{t.col_contact}</th>
                    <th>{t.col_status}</th>
                    <th>{t.col_priority}</th>
                    <th>{t.team_group}</th>
                    <th class="sla">{t.col_sla}</th>
                    <th class="age">{t.col_age}</th>
                    <th>{t.col_assignee}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <Title text=t.nav_dashboard/>
        <main class="manage board-page" data-testid="board-page">
            <h1>{t.nav_dashboard}</h1>
            {flash_line}
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {failed}
                <div class="board-totals" role="group" aria-label=t.board_totals>
                    {tile("board-total-working", t.board_working, number(|v| v.working).into_any())}
                    {tile("board-total-open", t.board_open, number(|v| v.open).into_any())}
                    {tile("board-total-pending", t.board_pending, number(|v| v.pending).into_any())}
                    {tile("board-total-unassigned", t.view_unassigned, number(|v| v.unassigned_total).into_any())}
                    {tile("board-total-at-risk", t.board_at_risk_total, at_risk_count.into_any())}
                </div>
                <div class="board-grid">
                    <section class="board-section" data-testid="board-agents">
                        <h2>{t.board_agents}</h2>
                        <table class="data-table">
                            <thead>
                                <tr>
                                    <th>{t.team_agent}</th>
                                    <th>{t.team_presence}</th>
                                    <th class="count" title=t.board_open_hint>{t.board_open}</th>
                                    <th class="count">{t.board_pending}</th>
                                    <th class="count" title=t.board_load_hint>{t.board_load}</th>
                                    <th title=t.board_waiting_hint>{t.board_waiting}</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For each=agents key=|a| a.clone() let:a>
                                    <AgentRow a/>
                                </For>
                            </tbody>
                        </table>
                    </section>
                    <section class="board-section" data-testid="board-groups">
                        <h2>{t.board_groups}</h2>
                        <table class="data-table">
                            <thead>
                                <tr>
                                    <th>{t.team_group}</th>
                                    <th class="count">{t.board_queue}</th>
                                    <th class="count">{t.view_unassigned}</th>
                                    <th title=t.board_waiting_hint>{t.board_waiting}</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For each=groups key=|g| g.clone() let:g>
                                    <GroupRow g/>
                                </For>
                            </tbody>
                        </table>
                    </section>
                </div>
                <section class="board-section" data-testid="board-unassigned">
                    <h2>
                        {t.board_unassigned}
                        " "
                        <span class="hint" data-testid="board-unassigned-of">{unassigned_of}</span>
                    </h2>
                    <p class="hint" data-testid="board-unassigned-none" class:hidden=move || !unassigned_none()>
                        {t.board_unassigned_none}
                    </p>
                    <table class="data-table board-tickets" class:hidden=move || unassigned().is_empty()>
                        {ticket_head}
                        <tbody>
                            <For each=unassigned key=ticket_key let:row>
                                <TicketRow row names=names() served=served() flash refresh/>
                            </For>
                        </tbody>
                    </table>
                </section>
                <section class="board-section" data-testid="board-at-risk">
                    <h2>
                        {t.board_at_risk}
                        " "
                        <span class="hint">{at_risk_hint}</span>
                    </h2>
                    <p class="hint" data-testid="board-at-risk-none" class:hidden=move || !at_risk_none()>
                        {t.board_at_risk_none}
                    </p>
                    <table class="data-table board-tickets" class:hidden=move || at_risk().is_empty()>
                        {ticket_head}
                        <tbody>
                            <For each=at_risk key=ticket_key let:row>
                                <TicketRow row names=names() served=served() flash refresh/>
                            </For>
                        </tbody>
                    </table>
                    <p class="hint" data-testid="board-at-risk-more">{at_risk_more}</p>
                </section>
            </Transition>
        </main>
    }
}

#[component]
fn AgentRow(a: BoardAgentRow) -> impl IntoView {
    let t = use_texts();
    let load = a.open + a.pending;
    let load_text = if a.capacity > 0 {
        format!("{load} / {}", a.capacity)
    } else {
        load.to_string()
    };
    let over = a.capacity > 0 && load >= i64::from(a.capacity);
    view! {
        <tr data-testid="board-agent" data-agent=a.agent.0 data-presence=a.presence.as_str()>
            <td>{a.name}</td>
            <td>
                <span class="presence-dot" data-presence=a.presence.as_str()></span>
                " "
                {presence_text(t, a.presence)}
            </td>
            <td class="count" data-testid="board-agent-open">{a.open}</td>
            <td class="count" data-testid="board-agent-pending">{a.pending}</td>
            <td class="count" class:board-full=over data-testid="board-agent-load">{load_text}</td>
            <td class="wait" data-testid="board-agent-waiting">{waiting_text(t, a.waiting_secs)}</td>
        </tr>
    }
}

#[component]
fn GroupRow(g: BoardGroupRow) -> impl IntoView {
    let t = use_texts();
    let (key, name) = match g.group {
        Some(id) => (id.0.to_string(), g.name),
        None => ("none".to_owned(), t.no_group.to_owned()),
    };
    let alert = g.unassigned > 0;
    view! {
        <tr data-testid="board-group" data-group=key>
            <td>{name}</td>
            <td class="count" data-testid="board-group-queue">{g.queue}</td>
            <td class="count" class:board-alert=alert data-testid="board-group-unassigned">{g.unassigned}</td>
            <td class="wait">{waiting_text(t, g.waiting_secs)}</td>
        </tr>
    }
}

/// A ticket of a list, with its assignee picker.
#[component]
fn TicketRow(
    row: BoardTicketRow,
    names: Names,
    served: chrono::DateTime<chrono::Utc>,
    flash: RwSignal<Option<Flash>>,
    refresh: RwSignal<u64>,
) -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<ChangeTicket>::new();
    let stored = row.assignee.map(|a| a.0.to_string()).unwrap_or_default();
    let chosen = RwSignal::new(stored.clone());
    let number = row.number.clone();
    let (id, version) = (row.id, row.version);
    let picked_name = {
        let names = names.clone();
        move |v: &str| v.parse().ok().map(|id| names.agent(AgentId(id)))
    };
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            let text = match picked_name(&chosen.get_untracked()) {
                Some(agent) => fill(t.board_assigned, &format!("{number} → {agent}")),
                None => fill(t.board_unassigned_done, &number),
            };
            flash.set(Some(Flash {
                ok: true,
                text,
                code: None,
            }));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            chosen.set(stored.clone());
            flash.set(Some(Flash {
                ok: false,
                text: format!("{}: {}", number, e.message(t)),
                code: Some(e.code()),
            }));
            if matches!(e, AppError::Conflict) {
                refresh.update(|n| *n += 1);
            }
        }
        None => {}
    });
    let options = names
        .agents
        .iter()
        .filter(|(a, _)| !names.inactive.contains(a) || row.assignee == Some(*a))
        .map(|(a, n)| view! { <option value=a.0.to_string()>{n.clone()}</option> })
        .collect_view();
    let href = format!("/agent/t/{}", row.number);
    let contact = if row.contact_name.is_empty() {
        t.unknown_contact.to_owned()
    } else {
        row.contact_name
    };
    let sla = row
        .sla
        .map(|badge| view! { <SlaBadgeView badge served breached_at=None/> });
    view! {
        <tr
            data-testid="board-ticket"
            data-number=row.number.clone()
            data-assignee=row.assignee.map(|a| a.0.to_string()).unwrap_or_default()
            class=format!("row prio-{}", row.priority.as_str())
        >
            <td class="num"><a href=href>{row.number.clone()}</a></td>
            <td class="subject">{row.subject}</td>
            <td class="contact">{contact}</td>
            <td><StatusPill status=row.status/></td>
            <td><PriorityBadge priority=row.priority/></td>
            <td>{names.group(t, row.group)}</td>
            <td class="sla">{sla}</td>
            <td class="age">{t.age(row.age_secs)}</td>
            <td>
                <select
                    data-testid="board-assign"
                    aria-label=format!("{} {}", t.board_assign, row.number)
                    prop:value=move || chosen.get()
                    disabled=move || save.pending().get()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        chosen.set(value.clone());
                        save.dispatch(ChangeTicket {
                            ticket_id: id,
                            version,
                            field: "assignee".to_owned(),
                            value,
                        });
                    }
                >
                    <option value="">{t.unassigned}</option>
                    {options}
                </select>
            </td>
        </tr>
    }
}
