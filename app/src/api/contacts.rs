//! The full customer profile (issue 6, point 6): the contact beside a ticket, the contact
//! page (`/agent/contacts/:id`), editing a contact with its handles, finding a duplicate and
//! merging it. Each call authenticates an agent and calls one
//! `lossless::services::contacts` function.
//!
//! Invariants:
//! - Everything here is for signed-in agents only; the DTOs below are agent DTOs (they carry
//!   the agent-only notes) and no portal or widget call returns them.
//! - Bad input is `Invalid` with field codes (422) and stores nothing; a handle another
//!   contact owns is `handles.<i>` `other_contact`; merging a contact into itself is
//!   `source` `self`.
//! - A ticket or contact the agent may not see is `NotFound` (404), like a missing one.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::{ContactId, TicketId};
use lossless::ticket::{Channel, Status};
use serde::{Deserialize, Serialize};

/// One handle: `email` or `phone`, and its value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleView {
    /// `email` or `phone`.
    pub kind: String,
    /// The value (normalized when it comes from the server).
    pub value: String,
}

impl From<&lossless::contact::Handle> for HandleView {
    fn from(h: &lossless::contact::Handle) -> Self {
        Self {
            kind: h.kind().to_owned(),
            value: h.value().to_owned(),
        }
    }
}

/// One of the contact's tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactTicketRow {
    /// Number (its link).
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Where it came from.
    pub channel: Channel,
    /// Status.
    pub status: Status,
    /// Last activity.
    pub last_activity: DateTime<Utc>,
}

/// A contact as agents see and edit it (empty text: unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    /// Id (the contact page's address).
    pub id: ContactId,
    /// Name.
    pub name: String,
    /// Every handle.
    pub handles: Vec<HandleView>,
    /// Organisation.
    pub organisation: String,
    /// VIP.
    pub vip: bool,
    /// Region.
    pub region: String,
    /// Notes about the contact: agents only.
    pub notes: String,
    /// Tickets across channels, last activity first (a bounded list beside a ticket).
    pub tickets: Vec<ContactTicketRow>,
    /// Tickets in the working set (new, open, pending).
    pub open: i64,
    /// All tickets.
    pub total: i64,
}

impl ContactDetails {
    /// Are there more tickets than listed?
    pub fn more(&self) -> bool {
        i64::try_from(self.tickets.len()).unwrap_or(i64::MAX) < self.total
    }
}

impl From<lossless::services::contacts::ContactView> for ContactDetails {
    fn from(v: lossless::services::contacts::ContactView) -> Self {
        let c = v.card;
        Self {
            id: c.contact.id,
            name: c.contact.name,
            handles: c.contact.handles.iter().map(HandleView::from).collect(),
            organisation: c.profile.organisation.unwrap_or_default(),
            vip: c.profile.vip,
            region: c.profile.region.unwrap_or_default(),
            notes: c.notes,
            tickets: v
                .tickets
                .tickets
                .into_iter()
                .map(|t| ContactTicketRow {
                    number: t.number.to_string(),
                    subject: t.subject,
                    channel: t.channel,
                    status: t.status,
                    last_activity: t.updated_at,
                })
                .collect(),
            open: v.tickets.open,
            total: v.tickets.total,
        }
    }
}

/// A contact as the edit form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    /// Name.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// VIP.
    pub vip: bool,
    /// Region.
    pub region: String,
    /// Notes.
    pub notes: String,
    /// Every handle the contact should have (rows left empty are ignored).
    pub handles: Vec<HandleView>,
}

impl ContactForm {
    /// The form filled from a contact.
    pub fn of(c: &ContactDetails) -> Self {
        Self {
            name: c.name.clone(),
            organisation: c.organisation.clone(),
            vip: c.vip,
            region: c.region.clone(),
            notes: c.notes.clone(),
            handles: c.handles.clone(),
        }
    }

    /// The service's input.
    pub fn to_input(&self) -> lossless::services::contacts::ContactInput {
        lossless::services::contacts::ContactInput {
            name: self.name.clone(),
            organisation: self.organisation.clone(),
            vip: self.vip,
            region: self.region.clone(),
            notes: self.notes.clone(),
            handles: self
                .handles
                .iter()
                .map(|h| lossless::services::contacts::HandleInput {
                    kind: h.kind.clone(),
                    value: h.value.clone(),
                })
                .collect(),
        }
    }
}

/// A contact offered for a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactHit {
    /// Id.
    pub id: ContactId,
    /// Name.
    pub name: String,
    /// Handles.
    pub handles: Vec<HandleView>,
}

/// The customer of a ticket, with their newest tickets (the side panel).
#[server]
pub async fn ticket_contact(ticket_id: TicketId) -> Result<ContactDetails, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let v = lossless::services::contacts::ticket_contact(&cx.ports, &actor, ticket_id).await?;
        Ok(v.into())
    })
    .await
}

/// A contact with all its tickets (the contact page).
#[server]
pub async fn contact_page(contact_id: ContactId) -> Result<ContactDetails, AppError> {
    use lossless::services::contacts::{PAGE_TICKETS, contact_view};
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let v = contact_view(&cx.ports, &actor, contact_id, PAGE_TICKETS).await?;
        Ok(v.into())
    })
    .await
}

/// Saves a contact; returns it as stored with its newest tickets.
#[server(input = server_fn::codec::Json)]
pub async fn save_contact(
    contact_id: ContactId,
    form: ContactForm,
) -> Result<ContactDetails, AppError> {
    use lossless::services::contacts::{PANEL_TICKETS, contact_view, save_contact};
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        save_contact(&cx.ports, &actor, contact_id, &form.to_input()).await?;
        let v = contact_view(&cx.ports, &actor, contact_id, PANEL_TICKETS).await?;
        Ok(v.into())
    })
    .await
}

/// Contacts matching `query` (name, address, phone) that could be merged into `into`.
#[server]
pub async fn find_contacts(into: ContactId, query: String) -> Result<Vec<ContactHit>, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let list =
            lossless::services::contacts::find_contacts(&cx.ports, &actor, into, &query).await?;
        Ok(list
            .into_iter()
            .map(|c| ContactHit {
                id: c.id,
                handles: c.handles.iter().map(HandleView::from).collect(),
                name: c.name,
            })
            .collect())
    })
    .await
}

/// Merges the contact `source` into `target`; returns how many tickets moved.
#[server]
pub async fn merge_contact(target: ContactId, source: ContactId) -> Result<usize, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let moved =
            lossless::services::contacts::merge_contacts(&cx.ports, &actor, target, source).await?;
        Ok(moved.len())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_a_contact() {
        let c = ContactDetails {
            id: ContactId(4),
            name: "Мария".into(),
            handles: vec![HandleView {
                kind: "email".into(),
                value: "m@example.ru".into(),
            }],
            organisation: "Ромашка".into(),
            vip: true,
            region: String::new(),
            notes: "звонить утром".into(),
            tickets: Vec::new(),
            open: 0,
            total: 3,
        };
        assert!(c.more());
        let input = ContactForm::of(&c).to_input();
        assert_eq!(input.name, "Мария");
        assert_eq!(input.notes, "звонить утром");
        assert_eq!(input.handles[0].kind, "email");
        assert!(input.vip);
    }
}
