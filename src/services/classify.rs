//! The local classifier's use cases (issue 4): keeping the model learned from labelled
//! tickets ([`retrain`]), the category rules see ([`suggested_category`]) and the suggestion
//! agents see on a ticket ([`suggest_for_ticket`]), optionally from a remote model behind the
//! [`RemoteClassifier`] port.
//!
//! Storage: the installation setting [`MODEL_KEY`] holds one JSON value [`StoredModel`] — the
//! counts together with the high-water mark (the last ticket id learned) and when the model was
//! last rebuilt — and [`STAMP_KEY`] holds `"<mark>:<hash of that JSON>"`, written after it.
//!
//! Invariants:
//! - Idempotent and safe on several nodes: a stored value is always "the model at its base
//!   mark + exactly the tickets after it", written in one `put_setting`, so re-running (or two
//!   nodes running at once) never counts a ticket twice; the last writer wins, the loser's
//!   work is simply redone.
//! - Incremental: a run learns only tickets after the mark, in batches of [`BATCH`], storing
//!   after each batch. Tickets labelled (or relabelled) after the mark passed them are picked
//!   up by the full rebuild every [`REBUILD_HOURS`] hours (counts cannot be un-learned).
//! - Readers parse the JSON only when the stamp changed: the parsed model is cached in memory
//!   under its stamp (the content hash makes a stamp unique to its model, so one cache serves
//!   any number of stores).
//! - Rules use the local model only (fast, deterministic); a remote model is asked only for
//!   the agent-facing suggestion, and any failure there falls back to the local model.
//!   Remote answers are restricted to known categories and tags.

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::classify::{MODEL_VERSION, Model, Suggestion};
use crate::error::DomainError;
use crate::ids::TicketId;
use crate::ports::BoxFuture;
use crate::ticket::Priority;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The setting holding the [`StoredModel`] JSON.
pub const MODEL_KEY: &str = "classifier.model";
/// The setting holding the stamp of the stored model.
pub const STAMP_KEY: &str = "classifier.stamp";
/// Labelled tickets read per store call.
pub const BATCH: i64 = 500;
/// Hours after which [`retrain`] rebuilds the model from the first ticket.
pub const REBUILD_HOURS: i64 = 24;

/// The stored model: counts plus how far they go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredModel {
    /// The last ticket id learned.
    pub upto: TicketId,
    /// When this model was started from scratch.
    pub built_at: DateTime<Utc>,
    /// The counts.
    pub model: Model,
}

/// What a remote classifier is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteQuery {
    /// Subject.
    pub subject: String,
    /// The first message's body.
    pub body: String,
    /// The categories it may choose from.
    pub categories: Vec<String>,
    /// The tags it may choose from.
    pub tags: Vec<String>,
}

/// A remote model (e.g. an OpenAI-compatible endpoint). The implementation bounds its own
/// time; an error is the reason, for logs.
pub trait RemoteClassifier: Send + Sync {
    /// Classifies one text.
    fn classify(&self, q: RemoteQuery) -> BoxFuture<'_, Result<Suggestion, String>>;
}

struct Cached {
    stamp: String,
    model: Arc<Model>,
}

static CACHE: Mutex<Option<Cached>> = Mutex::new(None);

fn stamp_of(upto: TicketId, json: &str) -> String {
    let hash = hex16(&Sha256::digest(json.as_bytes()));
    format!("{upto}:{hash}")
}

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn cached(stamp: &str) -> Option<Arc<Model>> {
    let g = CACHE.lock().ok()?;
    g.as_ref()
        .filter(|c| c.stamp == stamp)
        .map(|c| Arc::clone(&c.model))
}

fn remember(stamp: String, model: Arc<Model>) {
    if let Ok(mut g) = CACHE.lock() {
        *g = Some(Cached { stamp, model });
    }
}

/// The stored model, parsed (`None`: never stored, or of another format version).
async fn stored(p: &Ports) -> Result<Option<(StoredModel, String)>, DomainError> {
    let Some(json) = p.store.setting(MODEL_KEY).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<StoredModel>(&json)
        .ok()
        .filter(|s| s.model.version == MODEL_VERSION)
        .map(|s| (s, json)))
}

/// The current model for reading (cached by stamp), if one was stored.
pub async fn current_model(p: &Ports) -> Result<Option<Arc<Model>>, DomainError> {
    let Some(stamp) = p.store.setting(STAMP_KEY).await? else {
        return Ok(None);
    };
    if let Some(m) = cached(&stamp) {
        return Ok(Some(m));
    }
    let Some((s, json)) = stored(p).await? else {
        return Ok(None);
    };
    let model = Arc::new(s.model);
    remember(stamp_of(s.upto, &json), Arc::clone(&model));
    Ok(Some(model))
}

/// The local model's best category for a text and its confidence in percent (for the
/// `SuggestedCategory` rule predicate). `None` when there is no model, no confident enough
/// class or the store failed (a rule then simply does not match).
pub async fn suggested_category(p: &Ports, subject: &str, body: &str) -> Option<(String, u8)> {
    let model = current_model(p).await.ok()??;
    model.suggest(subject, body).category
}

/// Learns the labelled tickets after the stored mark (rebuilding from the start when the
/// model is older than [`REBUILD_HOURS`] or missing) and stores model and mark together.
/// Returns how many tickets were learned.
pub async fn retrain(p: &Ports) -> Result<usize, DomainError> {
    let now = crate::ports::to_micros(p.clock.now());
    let (mut state, rebuilding) = match stored(p).await? {
        Some((s, _)) if now - s.built_at < Duration::hours(REBUILD_HOURS) => (s, false),
        _ => (
            StoredModel {
                upto: TicketId(0),
                built_at: now,
                model: Model::new(),
            },
            true,
        ),
    };
    let mut learned = 0;
    loop {
        let batch = p.store.labelled_tickets(state.upto, BATCH).await?;
        let Some(last) = batch.last().map(|t| t.id) else {
            break;
        };
        for t in &batch {
            state.model.learn(t.into());
        }
        learned += batch.len();
        state.upto = last;
        // A rebuild replaces the stored model only when complete.
        if !rebuilding {
            save(p, &state).await?;
        }
        if i64::try_from(batch.len()).unwrap_or(i64::MAX) < BATCH {
            break;
        }
    }
    if rebuilding {
        save(p, &state).await?;
    }
    Ok(learned)
}

async fn save(p: &Ports, state: &StoredModel) -> Result<(), DomainError> {
    let json = serde_json::to_string(state)
        .map_err(|e| DomainError::Storage(format!("classifier model: {e}")))?;
    p.store.put_setting(MODEL_KEY, &json).await?;
    let stamp = stamp_of(state.upto, &json);
    p.store.put_setting(STAMP_KEY, &stamp).await?;
    remember(stamp, Arc::new(state.model.clone()));
    Ok(())
}

/// The suggestion for one ticket, for agents: from `remote` when given and it answers, else
/// from the local model.
pub async fn suggest_for_ticket(
    p: &Ports,
    actor: &Actor,
    ticket_id: TicketId,
    remote: Option<&dyn RemoteClassifier>,
) -> Result<Suggestion, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let ctx = p
        .store
        .ticket_context(ticket_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    super::visibility::require_sees(p, actor, &ctx.ticket).await?;
    let subject = ctx.ticket.subject;
    let body = ctx.body;
    let model = current_model(p).await?;
    if let Some(remote) = remote {
        let mut categories: Vec<String> = p
            .store
            .groups()
            .await?
            .into_iter()
            .map(|g| g.name)
            .collect();
        let mut tags: Vec<String> = Vec::new();
        if let Some(m) = &model {
            categories.extend(m.categories.iter().map(|c| c.name.clone()));
            tags.extend(m.tags.iter().map(|t| t.name.clone()));
        }
        dedup_folded(&mut categories);
        dedup_folded(&mut tags);
        let q = RemoteQuery {
            subject: subject.clone(),
            body: body.clone(),
            categories: categories.clone(),
            tags: tags.clone(),
        };
        if let Ok(s) = remote.classify(q).await {
            return Ok(restrict(s, &categories, &tags));
        }
    }
    Ok(model
        .map(|m| m.suggest(&subject, &body))
        .unwrap_or_default())
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

fn dedup_folded(list: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    list.retain(|x| !x.trim().is_empty() && seen.insert(fold(x)));
}

/// Keeps only known categories and tags (spelled as known), confidences at most 100.
pub fn restrict(s: Suggestion, categories: &[String], tags: &[String]) -> Suggestion {
    let known = |list: &[String], name: &str| list.iter().find(|k| fold(k) == fold(name)).cloned();
    let mut out_tags: Vec<(String, u8)> = Vec::new();
    for (t, c) in s.tags {
        if let Some(k) = known(tags, &t)
            && !out_tags.iter().any(|(x, _)| *x == k)
        {
            out_tags.push((k, c.min(100)));
        }
    }
    Suggestion {
        category: s
            .category
            .and_then(|(c, conf)| known(categories, &c).map(|k| (k, conf.min(100)))),
        tags: out_tags,
        priority: s.priority.map(|(pr, c): (Priority, u8)| (pr, c.min(100))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrict_keeps_known_labels_only() {
        let s = Suggestion {
            category: Some(("billing ".into(), 120)),
            tags: vec![
                ("REFUND".into(), 80),
                ("refund".into(), 70),
                ("x".into(), 90),
            ],
            priority: Some((Priority::High, 60)),
        };
        let r = restrict(s, &["Billing".into()], &["refund".into()]);
        assert_eq!(r.category, Some(("Billing".into(), 100)));
        assert_eq!(r.tags, vec![("refund".into(), 80)]);
        assert_eq!(r.priority, Some((Priority::High, 60)));
        let none = restrict(
            Suggestion {
                category: Some(("Sales".into(), 90)),
                ..Suggestion::default()
            },
            &["Billing".into()],
            &[],
        );
        assert!(none.is_empty());
    }

    #[test]
    fn stamps_differ_by_content() {
        assert_ne!(stamp_of(TicketId(3), "a"), stamp_of(TicketId(3), "b"));
        assert!(stamp_of(TicketId(3), "a").starts_with("3:"));
    }
}
