//! Canned responses and macros (issue 6) for agents: the list and search (the composer's
//! picker and `/agent/canned`), saving and deleting, rendering one for a ticket's reply and
//! applying a macro's actions. Each call authenticates, parses the editor's form at the edge
//! ([`CannedForm::to_draft`]) and calls one `lossless::services::canned` function.
//!
//! Invariants:
//! - `CannedForm::from_draft(d).to_draft() == Ok(d)` for every normalized draft;
//! - parsing errors name the field (`actions.status`, `actions.priority`, `actions.assign`)
//!   and are `Invalid` (422) like the core's (`title`, `body` with
//!   `unknown_placeholder:<name>`, …); nothing is stored then;
//! - who may do what is the service's (`Forbidden` 403 for a shared response unless a
//!   manager acts, `NotFound` 404 for another agent's personal one); a row says whether the
//!   signed-in agent may edit it ([`CannedRow::can_edit`]) only so the page can hide buttons;
//! - [`apply_macro`] carries the ticket `version` the page shows: a lost race is a
//!   `Conflict`, never a silent overwrite.

use crate::dto::Saved;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::canned::{AssignTo, CannedDraft, MacroActions};
use lossless::error::FieldErrors;
use lossless::ids::{AgentId, CannedId, TicketId};
use lossless::ticket::{Priority, Status};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::with_status;

/// A canned response as the agent's screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedRow {
    /// Id.
    pub id: CannedId,
    /// Title.
    pub title: String,
    /// The template (placeholders unfilled).
    pub body: String,
    /// Composer shortcut (empty: none).
    pub shortcut: String,
    /// Shared with the team (else the signed-in agent's own).
    pub shared: bool,
    /// May the signed-in agent change or delete it (own, or shared and a manager)?
    pub can_edit: bool,
    /// Macro actions.
    pub actions: MacroActions,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

impl CannedRow {
    /// The row of `c` for an agent who may (`manager`) or may not manage shared responses.
    pub fn new(c: lossless::canned::CannedResponse, manager: bool) -> Self {
        Self {
            id: c.id,
            shared: c.is_shared(),
            can_edit: !c.is_shared() || manager,
            title: c.title,
            body: c.body,
            shortcut: c.shortcut,
            actions: c.actions,
            updated_at: c.updated_at,
        }
    }
}

impl lossless::canned::Searchable for CannedRow {
    fn id(&self) -> CannedId {
        self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn shortcut(&self) -> &str {
        &self.shortcut
    }
    fn body(&self) -> &str {
        &self.body
    }
}

/// A response rendered for one ticket's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedCanned {
    /// The response.
    pub id: CannedId,
    /// Its title.
    pub title: String,
    /// The text to insert (placeholders filled; empty for a macro without text).
    pub body: String,
    /// The actions [`apply_macro`] would apply.
    pub actions: MacroActions,
}

/// The editor's form (selects as their option values; tags comma-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedForm {
    /// Title.
    pub title: String,
    /// Template.
    pub body: String,
    /// Shortcut (a leading `/` is dropped).
    #[serde(default)]
    pub shortcut: String,
    /// Shared with the team.
    #[serde(default)]
    pub shared: bool,
    /// Status to set (`open`, `pending`, …; empty: keep).
    #[serde(default)]
    pub status: String,
    /// Priority to set (empty: keep).
    #[serde(default)]
    pub priority: String,
    /// Assign: empty keep, `me`, `nobody`, or an agent id.
    #[serde(default)]
    pub assign: String,
    /// Tags to add, comma-separated.
    #[serde(default)]
    pub add_tags: String,
    /// Tags to remove, comma-separated.
    #[serde(default)]
    pub remove_tags: String,
}

fn tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CannedForm {
    /// The form of a draft.
    pub fn from_draft(d: &CannedDraft) -> Self {
        Self {
            title: d.title.clone(),
            body: d.body.clone(),
            shortcut: d.shortcut.clone(),
            shared: d.shared,
            status: d
                .actions
                .status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            priority: d
                .actions
                .priority
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            assign: match d.actions.assign {
                None => String::new(),
                Some(AssignTo::Me) => "me".to_owned(),
                Some(AssignTo::Nobody) => "nobody".to_owned(),
                Some(AssignTo::Agent(a)) => a.to_string(),
            },
            add_tags: d.actions.add_tags.join(", "),
            remove_tags: d.actions.remove_tags.join(", "),
        }
    }

    /// The form of a listed row.
    pub fn from_row(r: &CannedRow) -> Self {
        Self::from_draft(&CannedDraft {
            title: r.title.clone(),
            body: r.body.clone(),
            shortcut: r.shortcut.clone(),
            shared: r.shared,
            actions: r.actions.clone(),
        })
    }

    /// Parses the selects (errors: `actions.status`, `actions.priority`, `actions.assign`);
    /// the core validates the rest when saving.
    pub fn to_draft(&self) -> Result<CannedDraft, FieldErrors> {
        let mut errs = FieldErrors::default();
        let status = match self.status.trim() {
            "" => None,
            s => Status::parse(s).or_else(|| {
                errs.push("actions.status", "invalid");
                None
            }),
        };
        let priority = match self.priority.trim() {
            "" => None,
            s => Priority::parse(s).or_else(|| {
                errs.push("actions.priority", "invalid");
                None
            }),
        };
        let assign = match self.assign.trim() {
            "" => None,
            "me" => Some(AssignTo::Me),
            "nobody" => Some(AssignTo::Nobody),
            s => match s.parse::<i64>() {
                Ok(id) => Some(AssignTo::Agent(AgentId(id))),
                Err(_) => {
                    errs.push("actions.assign", "invalid");
                    None
                }
            },
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(CannedDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            shortcut: self.shortcut.clone(),
            shared: self.shared,
            actions: MacroActions {
                status,
                priority,
                assign,
                add_tags: tags(&self.add_tags),
                remove_tags: tags(&self.remove_tags),
            },
        })
    }
}

#[cfg(feature = "ssr")]
fn invalid(e: FieldErrors) -> AppError {
    AppError::Invalid(e.0.into_iter().map(|f| (f.field, f.code)).collect())
}

/// The responses the signed-in agent may use that match `query` (empty: all), best first.
#[server]
pub async fn list_canned(query: String) -> Result<Vec<CannedRow>, AppError> {
    with_status(async {
        let (cx, agent, actor) = crate::ssr::require_agent().await?;
        let list = lossless::services::canned::list(&cx.ports, &actor, &query).await?;
        let manager = agent.role.is_manager();
        Ok(list
            .into_iter()
            .map(|c| CannedRow::new(c, manager))
            .collect())
    })
    .await
}

/// Saves a new response (`id` none) or changes one; returns it as stored.
#[server(input = server_fn::codec::Json)]
pub async fn save_canned(id: Option<CannedId>, form: CannedForm) -> Result<CannedRow, AppError> {
    with_status(async {
        let (cx, agent, actor) = crate::ssr::require_agent().await?;
        let draft = form.to_draft().map_err(invalid)?;
        let c = lossless::services::canned::save(&cx.ports, &actor, id, draft).await?;
        Ok(CannedRow::new(c, agent.role.is_manager()))
    })
    .await
}

/// Deletes a response.
#[server]
pub async fn delete_canned(id: CannedId) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::canned::delete(&cx.ports, &actor, id).await?)
    })
    .await
}

/// A response rendered for the signed-in agent's reply on a ticket.
#[server]
pub async fn render_canned(ticket_id: TicketId, id: CannedId) -> Result<RenderedCanned, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let r =
            lossless::services::canned::render_for_ticket(&cx.ports, &actor, ticket_id, id).await?;
        Ok(RenderedCanned {
            id: r.canned.id,
            title: r.canned.title,
            body: r.body,
            actions: r.canned.actions,
        })
    })
    .await
}

/// Applies a macro's actions to a ticket as one change made from `version`.
#[server]
pub async fn apply_macro(
    ticket_id: TicketId,
    id: CannedId,
    version: i64,
) -> Result<Saved, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let t = lossless::services::canned::apply_macro(&cx.ports, &actor, ticket_id, id, version)
            .await?;
        Ok(Saved { version: t.version })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_round_trip_and_name_bad_selects() {
        let d = CannedDraft {
            title: "Возврат".into(),
            body: "Оформили возврат по {{ticket.number}}.".into(),
            shortcut: "refund".into(),
            shared: true,
            actions: MacroActions {
                status: Some(Status::Pending),
                priority: Some(Priority::High),
                assign: Some(AssignTo::Agent(AgentId(4))),
                add_tags: vec!["возврат".into(), "vip".into()],
                remove_tags: vec!["new".into()],
            },
        };
        assert_eq!(CannedForm::from_draft(&d).to_draft(), Ok(d.clone()));
        for assign in [AssignTo::Me, AssignTo::Nobody] {
            let mut e = d.clone();
            e.actions.assign = Some(assign);
            assert_eq!(CannedForm::from_draft(&e).to_draft(), Ok(e));
        }
        let bad = CannedForm {
            status: "done".into(),
            priority: "asap".into(),
            assign: "someone".into(),
            ..CannedForm::default()
        };
        let fields: Vec<String> = bad
            .to_draft()
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            ["actions.status", "actions.priority", "actions.assign"]
        );
    }
}
