//! The full customer profile (issue 6, point 6): the contact beside the ticket (name, every
//! handle, organisation, VIP, region, agent-only notes, the contact's tickets across
//! channels), editing it, and merging a duplicate contact into another.
//!
//! Invariants:
//! - Reading needs [`Permission::ViewQueue`]; editing and merging need
//!   [`Permission::ChangeTicket`] (every agent: deduplicating customers is everyday work, as
//!   editing their profile already was); customers can do neither.
//! - Listed tickets are those the actor sees ([`super::visibility`]); counts are of those,
//!   so nothing reveals a ticket of a restricted group. A ticket page's contact is `NotFound`
//!   when the ticket is.
//! - Input is validated completely before anything is stored ([`check_contact_edit`]): a
//!   refused save (422 with field codes) leaves no partial state. Handles are normalized as
//!   intake normalizes them ([`EmailAddress::parse`], [`PhoneE164::parse`]); a handle another
//!   contact owns is refused with code `other_contact` (the two should be merged instead),
//!   also when a concurrent save took it first (the store's unique index).
//! - A merge ([`merge_contacts`]) is one store transaction: tickets, handles, authorship,
//!   notes (concatenated), VIP (or), organisation / region (the target's, else the source's)
//!   and rules naming the source all move to the target and the source is deleted, so intake
//!   on any of its handles finds the target. Merging a contact into itself is `Invalid`
//!   (`source`: `self`).
//! - Notes are agent-only: no customer-facing DTO has a field for them.
//! - Live hints go out only after the store call returned `Ok`: one per changed ticket.

use super::Ports;
use super::visibility;
use crate::actor::{Actor, Permission};
use crate::contact::{
    Contact, ContactCard, ContactEdit, ContactMerge, ContactProfile, ContactTickets, Handle,
};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{ContactId, EmailAddress, PhoneE164, TicketId};
use crate::live::LiveEvent;
use crate::ports::StoreError;
use crate::rules::{Condition, Predicate};
use crate::ticket::{Status, Ticket};
use crate::visibility::Sight;
use serde::{Deserialize, Serialize};

/// Longest contact name (characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest notes an agent may type (characters); a merge may concatenate longer ones.
pub const MAX_NOTES_CHARS: usize = 10_000;
/// Most handles a contact may have.
pub const MAX_HANDLES: usize = 20;
/// Tickets the side panel beside a ticket lists (the contact page lists all).
pub const PANEL_TICKETS: i64 = 5;
/// Most tickets the contact page lists.
pub const PAGE_TICKETS: i64 = 500;
/// Most contacts a merge search offers.
pub const FIND_LIMIT: i64 = 10;

/// A handle as typed: `email` or `phone`, and the value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleInput {
    /// `email` or `phone`.
    pub kind: String,
    /// As typed.
    pub value: String,
}

/// A contact as an agent edits it (before trimming and validation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInput {
    /// Name as typed.
    pub name: String,
    /// Organisation as typed.
    pub organisation: String,
    /// VIP.
    pub vip: bool,
    /// Region as typed.
    pub region: String,
    /// Notes as typed.
    pub notes: String,
    /// Every handle the contact should have (rows with an empty value are ignored).
    pub handles: Vec<HandleInput>,
}

/// Parses one typed handle as intake would (`None`: not a valid one of its kind).
pub fn parse_handle(kind: &str, value: &str) -> Option<Handle> {
    match kind {
        "email" => EmailAddress::parse(value).ok().map(Handle::Email),
        "phone" => PhoneE164::parse(value).ok().map(Handle::Phone),
        // ---- widget: an edit keeps a chat visitor's handle (it is never typed) ----
        "visitor" => crate::widget::VisitorHandle::parse(value)
            .ok()
            .map(Handle::Visitor),
        _ => None,
    }
}

/// The key two handles are the same person by (an email address without regard to case,
/// as intake and search compare it).
fn same_key(h: &Handle) -> (&'static str, String) {
    (h.kind(), h.value().to_lowercase())
}

/// Validates a typed contact. Field codes: `name` / `organisation` / `region` / `notes`
/// `too_long`; `handles.<i>` `invalid` (not an address / number of its kind); `handles`
/// `required` (none left) or `too_long` (over [`MAX_HANDLES`]). Values are trimmed; the
/// same handle typed twice is kept once.
pub fn check_contact_edit(input: &ContactInput) -> Result<ContactEdit, FieldErrors> {
    let mut errs = FieldErrors::default();
    let name = input.name.trim().to_owned();
    if name.chars().count() > MAX_NAME_CHARS {
        errs.push("name", "too_long");
    }
    let profile = match super::team::check_contact_profile(&super::team::ContactProfileInput {
        organisation: input.organisation.clone(),
        vip: input.vip,
        region: input.region.clone(),
    }) {
        Ok(p) => p,
        Err(e) => {
            errs.0.extend(e.0);
            ContactProfile::default()
        }
    };
    let notes = input.notes.trim().to_owned();
    if notes.chars().count() > MAX_NOTES_CHARS {
        errs.push("notes", "too_long");
    }
    let mut handles: Vec<Handle> = Vec::new();
    for (i, h) in input.handles.iter().enumerate() {
        if h.value.trim().is_empty() {
            continue;
        }
        match parse_handle(h.kind.trim(), &h.value) {
            Some(h) => {
                if !handles.iter().any(|k| same_key(k) == same_key(&h)) {
                    handles.push(h);
                }
            }
            None => errs.push(&format!("handles.{i}"), "invalid"),
        }
    }
    let typed_bad = errs.0.iter().any(|e| e.field.starts_with("handles."));
    if handles.is_empty() && !typed_bad {
        errs.push("handles", "required");
    } else if handles.len() > MAX_HANDLES {
        errs.push("handles", "too_long");
    }
    if errs.is_empty() {
        Ok(ContactEdit {
            name,
            profile,
            notes,
            handles,
        })
    } else {
        Err(errs)
    }
}

/// What the target of a merge becomes: its name (the source's when it has none), VIP when
/// either is, organisation and region its own or else the source's, notes of both (the
/// target's first, separated by a blank line; nothing is dropped).
pub fn merged_fields(
    target: &ContactCard,
    source: &ContactCard,
) -> (String, ContactProfile, String) {
    let name = if target.contact.name.trim().is_empty() {
        source.contact.name.clone()
    } else {
        target.contact.name.clone()
    };
    let profile = ContactProfile {
        organisation: target
            .profile
            .organisation
            .clone()
            .or_else(|| source.profile.organisation.clone()),
        vip: target.profile.vip || source.profile.vip,
        region: target
            .profile
            .region
            .clone()
            .or_else(|| source.profile.region.clone()),
    };
    let notes = [target.notes.trim(), source.notes.trim()]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    (name, profile, notes)
}

/// `cond` with every "customer is `from`" test naming `into` instead (`None`: it named
/// `from` nowhere).
pub fn rewrite_contact(cond: &Condition, from: ContactId, into: ContactId) -> Option<Condition> {
    fn walk(c: &Condition, from: ContactId, into: ContactId, hit: &mut bool) -> Condition {
        match c {
            Condition::All(cs) => {
                Condition::All(cs.iter().map(|c| walk(c, from, into, hit)).collect())
            }
            Condition::Any(cs) => {
                Condition::Any(cs.iter().map(|c| walk(c, from, into, hit)).collect())
            }
            Condition::Not(c) => Condition::Not(Box::new(walk(c, from, into, hit))),
            Condition::Leaf(Predicate::ContactIs { contact }) if *contact == from => {
                *hit = true;
                Condition::Leaf(Predicate::ContactIs { contact: into })
            }
            Condition::Leaf(p) => Condition::Leaf(p.clone()),
        }
    }
    let mut hit = false;
    let out = walk(cond, from, into, &mut hit);
    hit.then_some(out)
}

/// The counts of a list of tickets: `(open, total)` (open: new, open or pending).
pub fn count_open(tickets: &[Ticket]) -> (i64, i64) {
    let open = tickets
        .iter()
        .filter(|t| matches!(t.status, Status::New | Status::Open | Status::Pending))
        .count();
    (
        i64::try_from(open).unwrap_or(i64::MAX),
        i64::try_from(tickets.len()).unwrap_or(i64::MAX),
    )
}

/// A contact's full profile with (some of) its tickets, as an agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// Name, handles, profile, notes.
    pub card: ContactCard,
    /// The tickets the agent sees, last activity first, with counts.
    pub tickets: ContactTickets,
}

/// The contact's tickets `actor` sees: at most `limit`, with counts of all they see.
async fn visible_tickets(
    p: &Ports,
    actor: &Actor,
    contact: ContactId,
    limit: i64,
) -> Result<ContactTickets, DomainError> {
    let sight = visibility::sight(p, actor).await?;
    let limit = limit.clamp(1, PAGE_TICKETS);
    if sight.hidden_groups().is_some_and(|h| h.is_empty()) || sight == Sight::Everything {
        return Ok(p.store.contact_tickets(contact, limit).await?);
    }
    // Some groups are hidden: count only what the actor sees (of the newest page's worth).
    let all = p.store.contact_tickets(contact, PAGE_TICKETS).await?;
    let mut seen: Vec<Ticket> = all.tickets.into_iter().filter(|t| sight.sees(t)).collect();
    let (open, total) = count_open(&seen);
    seen.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(ContactTickets {
        tickets: seen,
        open,
        total,
    })
}

async fn card_of(p: &Ports, contact: ContactId) -> Result<ContactCard, DomainError> {
    p.store
        .contact_card(contact)
        .await?
        .ok_or(DomainError::NotFound)
}

/// A contact's profile with its newest `limit` tickets (at most [`PAGE_TICKETS`]).
pub async fn contact_view(
    p: &Ports,
    actor: &Actor,
    contact: ContactId,
    limit: i64,
) -> Result<ContactView, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let card = card_of(p, contact).await?;
    let tickets = visible_tickets(p, actor, contact, limit).await?;
    Ok(ContactView { card, tickets })
}

/// The profile of a ticket's customer (the side panel beside the ticket), with their
/// newest [`PANEL_TICKETS`] tickets. `NotFound` when the actor does not see the ticket.
pub async fn ticket_contact(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
) -> Result<ContactView, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let t = visibility::ticket_for(p, actor, ticket).await?;
    contact_view(p, actor, t.contact_id, PANEL_TICKETS).await
}

/// Hints to the viewers of a contact's tickets (their side panels show the contact).
async fn hint_tickets(p: &Ports, contact: ContactId) -> Result<(), DomainError> {
    for t in p
        .store
        .contact_tickets(contact, PAGE_TICKETS)
        .await?
        .tickets
    {
        p.live.publish(LiveEvent::for_ticket(&t));
    }
    Ok(())
}

fn other_contact(field: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(field, "other_contact");
    DomainError::Invalid(e)
}

/// Saves a contact as an agent typed it (see [`check_contact_edit`]); a handle another
/// contact owns is `Invalid` with `handles.<i>` `other_contact`. Returns the stored card.
pub async fn save_contact(
    p: &Ports,
    actor: &Actor,
    contact: ContactId,
    input: &ContactInput,
) -> Result<ContactCard, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    let edit = check_contact_edit(input).map_err(DomainError::Invalid)?;
    card_of(p, contact).await?;
    let mut errs = FieldErrors::default();
    for (i, h) in input.handles.iter().enumerate() {
        let Some(h) = parse_handle(h.kind.trim(), &h.value) else {
            continue;
        };
        let owners = p.store.contacts_by_handle(&h).await?;
        if owners.iter().any(|o| *o != contact) {
            errs.push(&format!("handles.{i}"), "other_contact");
        }
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    match p.store.save_contact(contact, edit).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => return Err(other_contact("handles")),
        Err(e) => return Err(e.into()),
    }
    hint_tickets(p, contact).await?;
    card_of(p, contact).await
}

/// Contacts an agent may merge into `into`: those owning the handle `query` is (an email
/// address or phone number), then those whose name, addresses or numbers hold its words;
/// `into` itself left out; at most [`FIND_LIMIT`].
pub async fn find_contacts(
    p: &Ports,
    actor: &Actor,
    into: ContactId,
    query: &str,
) -> Result<Vec<Contact>, DomainError> {
    actor.require(Permission::ViewQueue)?;
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<ContactId> = Vec::new();
    for kind in ["email", "phone"] {
        if let Some(h) = parse_handle(kind, query) {
            ids.extend(p.store.contacts_by_handle(&h).await?);
        }
    }
    let mut out: Vec<Contact> = Vec::new();
    for id in ids {
        if let Some(c) = p.store.contact(id).await? {
            out.push(c);
        }
    }
    if let Ok(q) = crate::search::parse_query(query, &p.prefix)
        && !q.text.is_empty()
    {
        out.extend(p.store.search_contacts(q.text, FIND_LIMIT + 1).await?);
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|c| c.id != into && seen.insert(c.id));
    out.truncate(usize::try_from(FIND_LIMIT).unwrap_or(usize::MAX));
    Ok(out)
}

/// Merges the duplicate `source` into `target` (see the module invariants); returns the
/// moved tickets. `Invalid` (`source`: `self`) for a contact into itself; `NotFound` when
/// either is gone.
pub async fn merge_contacts(
    p: &Ports,
    actor: &Actor,
    target: ContactId,
    source: ContactId,
) -> Result<Vec<Ticket>, DomainError> {
    actor.require(Permission::ChangeTicket)?;
    if source == target {
        let mut e = FieldErrors::default();
        e.push("source", "self");
        return Err(DomainError::Invalid(e));
    }
    let into = card_of(p, target).await?;
    let from = card_of(p, source).await?;
    let (name, profile, notes) = merged_fields(&into, &from);
    let rules = p
        .store
        .rules()
        .await?
        .into_iter()
        .filter_map(|r| rewrite_contact(&r.draft.condition, source, target).map(|c| (r.id, c)))
        .collect();
    let moved = p
        .store
        .merge_contacts(ContactMerge {
            source,
            target,
            name,
            profile,
            notes,
            rules,
            actor: actor.as_ref(),
            now: p.clock.now(),
        })
        .await?;
    for t in &moved {
        p.live.publish(LiveEvent::for_ticket(t));
    }
    hint_tickets(p, target).await?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(handles: &[(&str, &str)]) -> ContactInput {
        ContactInput {
            name: "  Мария  ".into(),
            handles: handles
                .iter()
                .map(|(k, v)| HandleInput {
                    kind: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            ..ContactInput::default()
        }
    }

    fn fields(e: FieldErrors) -> Vec<(String, String)> {
        e.0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn handles_are_normalized_like_intake_and_deduplicated() {
        let ok = check_contact_edit(&input(&[
            ("email", " Maria@Example.RU "),
            ("phone", "8 (912) 345-67-89"),
            ("email", "maria@example.ru"),
            ("phone", "   "),
        ]))
        .unwrap();
        assert_eq!(ok.name, "Мария");
        assert_eq!(
            ok.handles,
            vec![
                Handle::Email(EmailAddress::parse("Maria@example.ru").unwrap()),
                Handle::Phone(PhoneE164::parse("+79123456789").unwrap()),
            ]
        );
    }

    #[test]
    fn bad_input_names_every_field() {
        let mut i = input(&[("email", "not-an-address"), ("phone", "12"), ("fax", "1")]);
        i.name = "x".repeat(MAX_NAME_CHARS + 1);
        i.notes = "n".repeat(MAX_NOTES_CHARS + 1);
        i.region = "r".repeat(201);
        let errs = fields(check_contact_edit(&i).unwrap_err());
        let want: Vec<(String, String)> = [
            ("name", "too_long"),
            ("region", "too_long"),
            ("notes", "too_long"),
            ("handles.0", "invalid"),
            ("handles.1", "invalid"),
            ("handles.2", "invalid"),
        ]
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
        assert_eq!(errs, want);
        assert_eq!(
            fields(check_contact_edit(&input(&[("email", " ")])).unwrap_err()),
            vec![("handles".to_owned(), "required".to_owned())]
        );
        let many: Vec<(String, String)> = (0..=MAX_HANDLES)
            .map(|n| ("email".to_owned(), format!("u{n}@example.org")))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            fields(check_contact_edit(&input(&many)).unwrap_err()),
            vec![("handles".to_owned(), "too_long".to_owned())]
        );
        // Exactly the limit of notes, in characters.
        let mut i = input(&[("email", "a@b.org")]);
        i.notes = "ж".repeat(MAX_NOTES_CHARS);
        assert!(check_contact_edit(&i).is_ok());
    }

    fn card(id: i64, name: &str, p: ContactProfile, notes: &str) -> ContactCard {
        ContactCard {
            contact: Contact {
                id: ContactId(id),
                name: name.into(),
                handles: Vec::new(),
            },
            profile: p,
            notes: notes.into(),
        }
    }

    #[test]
    fn a_merge_keeps_the_targets_fields_and_fills_the_gaps() {
        let target = card(
            1,
            "",
            ContactProfile {
                organisation: Some("Ромашка".into()),
                vip: false,
                region: None,
            },
            "звонить утром",
        );
        let source = card(
            2,
            "Мария",
            ContactProfile {
                organisation: Some("Other".into()),
                vip: true,
                region: Some("EU".into()),
            },
            "  ",
        );
        let (name, p, notes) = merged_fields(&target, &source);
        assert_eq!(name, "Мария");
        assert_eq!(p.organisation.as_deref(), Some("Ромашка"));
        assert_eq!(p.region.as_deref(), Some("EU"));
        assert!(p.vip);
        assert_eq!(notes, "звонить утром");
        let source = card(2, "M", ContactProfile::default(), "prefers email");
        let (name, _, notes) =
            merged_fields(&card(1, "Maria", ContactProfile::default(), "a"), &source);
        assert_eq!(name, "Maria");
        assert_eq!(notes, "a\n\nprefers email");
    }

    #[test]
    fn rules_naming_the_source_name_the_target() {
        let leaf = |c| {
            Condition::Leaf(Predicate::ContactIs {
                contact: ContactId(c),
            })
        };
        let cond = Condition::All(vec![
            Condition::Leaf(Predicate::Vip),
            Condition::Not(Box::new(Condition::Any(vec![leaf(2), leaf(3)]))),
        ]);
        let got = rewrite_contact(&cond, ContactId(2), ContactId(9)).unwrap();
        assert_eq!(
            got,
            Condition::All(vec![
                Condition::Leaf(Predicate::Vip),
                Condition::Not(Box::new(Condition::Any(vec![leaf(9), leaf(3)]))),
            ])
        );
        assert_eq!(rewrite_contact(&cond, ContactId(5), ContactId(9)), None);
    }
}
