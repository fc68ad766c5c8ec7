//! `/manage/team`: how groups hand out tickets (strategy and the three preferences) and each
//! agent's presence, load and routing profile (capacity, languages, skills), for managers.
//!
//! Invariants:
//! - Each row saves on its own; a refusal (422) shows its field codes next to the fields of
//!   that row and keeps what was typed.
//! - The table refetches on presence hints and after every save, but rows are keyed by id, so
//!   a refetch updates the presence and open-ticket columns without wiping a row being edited;
//!   a row takes the stored values back only after its own successful save.
//! - Presence shown is the effective one (idle online agents show as away).

use crate::agent::presence_text;
use crate::api::team::{
    GroupRoutingRow, SaveAgentProfile, SaveGroupRouting, TeamAgentRow, TeamOverview, team_screen,
};
use crate::components::{ErrorNote, field_error, use_texts};
use crate::error::AppError;
use crate::i18n::Texts;
use crate::live::use_live;
use leptos::prelude::*;
use leptos_meta::Title;
use lossless::ids::{AgentId, GroupId};
use lossless::team::AssignStrategy;

fn strategy_text(t: &Texts, s: AssignStrategy) -> &'static str {
    match s {
        AssignStrategy::Manual => t.strategy_manual,
        AssignStrategy::RoundRobin => t.strategy_round_robin,
        AssignStrategy::LeastLoaded => t.strategy_least_loaded,
    }
}

type Screen = Resource<Result<TeamOverview, AppError>>;

fn loaded(screen: Screen) -> Option<TeamOverview> {
    screen.get().and_then(Result::ok)
}

/// The team screen.
#[component]
pub fn TeamPage() -> impl IntoView {
    let t = use_texts();
    let live = use_live();
    let saves = RwSignal::new(0u64);
    let screen: Screen = Resource::new(
        move || (live.presence.get(), saves.get()),
        |_| team_screen(),
    );
    let failed = move || {
        screen
            .get()
            .and_then(Result::err)
            .map(|e| view! { <ErrorNote error=e/> })
    };
    let groups = move || loaded(screen).map(|s| s.groups).unwrap_or_default();
    let agents = move || loaded(screen).map(|s| s.agents).unwrap_or_default();
    let no_groups = move || loaded(screen).is_some_and(|s| s.groups.is_empty());
    view! {
        <Title text=t.nav_team/>
        <main class="manage team-page" data-testid="team-page">
            <h1>{t.nav_team}</h1>
            <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {failed}
                <section class="team-groups">
                    <h2>{t.team_groups}</h2>
                    <p class="hint" class:hidden=move || !no_groups()>{t.team_no_groups}</p>
                    <table class="data-table" data-testid="routing-table" class:hidden=no_groups>
                        <thead>
                            <tr>
                                <th>{t.team_group}</th>
                                <th>{t.team_strategy}</th>
                                <th>{t.team_match_language}</th>
                                <th>{t.team_match_skills}</th>
                                <th>{t.team_prefer_previous}</th>
                                <th>{t.team_restricted}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=groups key=|g| g.group let:row>
                                <GroupRow row saves/>
                            </For>
                        </tbody>
                    </table>
                </section>
                <section class="team-agents">
                    <h2>{t.team_agents}</h2>
                    <p class="hint">{t.team_capacity_hint}</p>
                    <table class="data-table" data-testid="agents-table">
                        <thead>
                            <tr>
                                <th>{t.team_agent}</th>
                                <th>{t.team_presence}</th>
                                <th>{t.team_open}</th>
                                <th>{t.team_capacity}</th>
                                <th>{t.team_languages}</th>
                                <th>{t.team_skills}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=agents key=|a| a.agent let:row>
                                <AgentRow row screen saves/>
                            </For>
                        </tbody>
                    </table>
                </section>
            </Transition>
        </main>
    }
}

/// A checkbox bound to a signal.
fn check(
    value: RwSignal<bool>,
    dirty: RwSignal<bool>,
    testid: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <input
            type="checkbox"
            data-testid=testid
            aria-label=label
            prop:checked=move || value.get()
            on:change=move |ev| {
                value.set(event_target_checked(&ev));
                dirty.set(true);
            }
        />
    }
}

/// The row's state after its last save.
fn row_status(
    errors: RwSignal<Option<AppError>>,
    saved: RwSignal<bool>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let t = use_texts();
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .filter(|e| fields.iter().all(|f| e.field_code(f).is_none()))
                .map(|e| view! { <span class="error" role="alert" data-code=e.code()>{e.message(t)}</span> })
        })
    };
    view! {
        {general}
        <span class="saved" data-testid="row-saved" class:hidden=move || !saved.get()>{t.saved}</span>
    }
}

#[component]
fn GroupRow(row: GroupRoutingRow, saves: RwSignal<u64>) -> impl IntoView {
    let t = use_texts();
    let group: GroupId = row.group;
    let strategy = RwSignal::new(row.strategy.as_str().to_owned());
    let match_language = RwSignal::new(row.match_language);
    let match_skills = RwSignal::new(row.match_skills);
    let prefer_previous = RwSignal::new(row.prefer_previous_agent);
    let restricted = RwSignal::new(row.restricted);
    let dirty = RwSignal::new(false);
    let save = ServerAction::<SaveGroupRouting>::new();
    let errors = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            errors.set(None);
            saved.set(true);
            dirty.set(false);
            saves.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Some(e));
            saved.set(false);
        }
        None => {}
    });
    Effect::new(move |_| {
        if dirty.get() {
            saved.set(false);
        }
    });
    let options = AssignStrategy::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str()>{strategy_text(t, s)}</option> })
        .collect_view();
    view! {
        <tr data-testid="routing-row" data-group=group.0>
            <td>{row.name}</td>
            <td>
                <select
                    data-testid="routing-strategy"
                    prop:value=move || strategy.get()
                    on:change=move |ev| {
                        strategy.set(event_target_value(&ev));
                        dirty.set(true);
                    }
                >
                    {options}
                </select>
                {field_error(errors, "strategy")}
            </td>
            <td>{check(match_language, dirty, "routing-language", t.team_match_language)}</td>
            <td>{check(match_skills, dirty, "routing-skills", t.team_match_skills)}</td>
            <td>{check(prefer_previous, dirty, "routing-previous", t.team_prefer_previous)}</td>
            <td>{check(restricted, dirty, "routing-restricted", t.team_restricted)}</td>
            <td class="actions">
                <button
                    type="button"
                    data-testid="routing-save"
                    disabled=move || save.pending().get()
                    on:click=move |_| {
                        save.dispatch(SaveGroupRouting {
                            group,
                            strategy: strategy.get_untracked(),
                            match_language: match_language.get_untracked(),
                            match_skills: match_skills.get_untracked(),
                            prefer_previous_agent: prefer_previous.get_untracked(),
                            restricted: Some(restricted.get_untracked()),
                        });
                    }
                >
                    {t.team_save}
                </button>
                {row_status(errors, saved, &["strategy"])}
            </td>
        </tr>
    }
}

#[component]
fn AgentRow(row: TeamAgentRow, screen: Screen, saves: RwSignal<u64>) -> impl IntoView {
    let t = use_texts();
    let agent: AgentId = row.agent;
    let capacity = RwSignal::new(row.capacity.to_string());
    let ru = RwSignal::new(row.ru);
    let en = RwSignal::new(row.en);
    let skills = RwSignal::new(row.skills.clone());
    let dirty = RwSignal::new(false);
    let save = ServerAction::<SaveAgentProfile>::new();
    let errors = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    // Set after a successful save: the next screen takes the stored (normalized) values.
    let take_stored = RwSignal::new(false);
    let current = Memo::new(move |_| {
        loaded(screen).and_then(|s| s.agents.into_iter().find(|a| a.agent == agent))
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            errors.set(None);
            saved.set(true);
            dirty.set(false);
            take_stored.set(true);
            saves.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Some(e));
            saved.set(false);
        }
        None => {}
    });
    Effect::new(move |_| {
        let Some(r) = current.get() else {
            return;
        };
        if take_stored.get_untracked() && !save.pending().get_untracked() {
            take_stored.set(false);
            capacity.set(r.capacity.to_string());
            ru.set(r.ru);
            en.set(r.en);
            skills.set(r.skills);
        }
    });
    Effect::new(move |_| {
        if dirty.get() {
            saved.set(false);
        }
    });
    let presence = move || current.get().map(|r| r.presence).unwrap_or(row.presence);
    let open = move || {
        current
            .get()
            .map(|r| r.open_tickets)
            .unwrap_or(row.open_tickets)
    };
    view! {
        <tr data-testid="agent-row" data-agent=agent.0>
            <td>{row.name}</td>
            <td>
                <span class="presence-dot" data-presence=move || presence().as_str()></span>
                <span data-testid="agent-presence" data-presence=move || presence().as_str()>
                    {move || presence_text(t, presence())}
                </span>
            </td>
            <td data-testid="agent-open">{open}</td>
            <td>
                <input
                    type="number"
                    min="0"
                    max="1000"
                    class="narrow-input"
                    data-testid="agent-capacity"
                    aria-label=t.team_capacity
                    prop:value=move || capacity.get()
                    on:input=move |ev| {
                        capacity.set(event_target_value(&ev));
                        dirty.set(true);
                    }
                />
                {field_error(errors, "capacity")}
            </td>
            <td class="langs">
                <label>{check(ru, dirty, "agent-ru", t.lang_ru)}" "{t.lang_ru}</label>
                <label>{check(en, dirty, "agent-en", t.lang_en)}" "{t.lang_en}</label>
            </td>
            <td>
                <input
                    type="text"
                    data-testid="agent-skills"
                    aria-label=t.team_skills
                    placeholder=t.team_skills_hint
                    prop:value=move || skills.get()
                    on:input=move |ev| {
                        skills.set(event_target_value(&ev));
                        dirty.set(true);
                    }
                />
                {field_error(errors, "skills")}
            </td>
            <td class="actions">
                <button
                    type="button"
                    data-testid="agent-save"
                    disabled=move || save.pending().get()
                    on:click=move |_| {
                        save.dispatch(SaveAgentProfile {
                            agent,
                            capacity: capacity.get_untracked(),
                            ru: ru.get_untracked(),
                            en: en.get_untracked(),
                            skills: skills.get_untracked(),
                        });
                    }
                >
                    {t.team_save}
                </button>
                {row_status(errors, saved, &["capacity", "skills"])}
            </td>
        </tr>
    }
}
