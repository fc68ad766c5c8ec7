//! The classifier's suggestion in the ticket page's side panel (issue 4): "Suggestion:
//! category X (87 %), tags …, priority …", from [`ticket_suggestion`].
//!
//! Invariants: it loads in the browser only ([`LocalResource`]) and reads it only once mounted,
//! so the server render and hydration agree and the page never waits for the classifier (or a slow remote model); it
//! shows nothing at all while loading, on an error, or when nothing is suggested. It only
//! informs: nothing is applied to the ticket from here.

use crate::api::classify::{SuggestionView, ticket_suggestion};
use crate::components::use_texts;
use crate::i18n::{Texts, fill};
use leptos::prelude::*;
use lossless::ids::TicketId;

fn percent(t: &Texts, conf: u8) -> String {
    fill(t.suggest_confidence, &conf.to_string())
}

/// The suggestion block for one ticket (empty when there is nothing to suggest).
#[component]
pub fn TicketSuggestion(ticket: TicketId) -> impl IntoView {
    let t = use_texts();
    let loaded = LocalResource::new(move || ticket_suggestion(ticket));
    // Read only once mounted: a local resource read while the page hydrates would hold the
    // ticket's `Transition` and break hydration (the server rendered nothing here).
    let mounted = super::team::use_mounted();
    move || {
        if !mounted.get() {
            return None;
        }
        let s: SuggestionView = loaded.get().and_then(Result::ok)?;
        if s.is_empty() {
            return None;
        }
        let category = s.category.map(|(name, conf)| {
            view! {
                <li data-testid="suggest-category">
                    <span>{t.suggest_category}</span>" "
                    <strong>{name}</strong>" "
                    <span class="muted">{percent(t, conf)}</span>
                </li>
            }
        });
        let tags = (!s.tags.is_empty()).then(|| {
            let list = s
                .tags
                .into_iter()
                .map(|(tag, conf)| {
                    view! {
                        <span class="tag" title=percent(t, conf)>{tag}</span>" "
                    }
                })
                .collect_view();
            view! {
                <li data-testid="suggest-tags"><span>{t.suggest_tags}</span>" "{list}</li>
            }
        });
        let priority = s.priority.map(|(p, conf)| {
            view! {
                <li data-testid="suggest-priority">
                    <span>{t.suggest_priority}</span>" "
                    <strong>{t.priority(p)}</strong>" "
                    <span class="muted">{percent(t, conf)}</span>
                </li>
            }
        });
        Some(view! {
            <section class="suggestion" data-testid="suggestion" title=t.suggest_hint>
                <h3>{t.suggest_title}</h3>
                <ul>{category}{tags}{priority}</ul>
            </section>
        })
    }
}
