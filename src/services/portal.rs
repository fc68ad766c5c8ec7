//! The customer portal (issue 7, point 5): magic-link sign-in by email, the signed-in
//! contact's tickets across channels, the ticket view and reply with attachments, attachment
//! downloads, and the lookup of one ticket by number and email.
//!
//! Who may do what:
//! - anyone may ask for a sign-in link; a link is mailed only to an address that is a
//!   contact's email handle, at most [`LINKS_PER_HOUR`] an hour per address, and the answer
//!   is the same `Ok(())` in every case (only a malformed address is refused, 422, which says
//!   nothing about contacts);
//! - a [`PortalSession`] exists only through [`sign_in`] (a live link) or [`session`] (a live
//!   session cookie); it names one contact, who sees exactly the tickets whose contact they
//!   are — any other ticket is the same `NotFound` as a ticket that does not exist;
//! - a ticket opened by its portal token ([`Access::Token`]) is seen as before;
//! - either way the customer acts as [`Actor::Customer`] of that one ticket
//!   ([`Permission::CustomerReply`]), sees public messages only, replies with the
//!   [`super::portal_reply`] semantics (pending/resolved reopen, closed refuses) and
//!   downloads only files of the ticket's public messages;
//! - the lookup by number and email answers the ticket's portal token only when the
//!   ticket's contact has that email handle; every other case is one neutral `NotFound`.
//!
//! Invariants: tokens are made at the edge and only their SHA-256 reaches the store; the
//! link mail is a durable `account_mail` job stored with the link (key
//! [`crate::portal::job_key`]); an upload's bytes are stored content-addressed
//! ([`crate::ports::Store::put_blob`]) before the message that refers to them, and a blob no
//! message refers to grants nothing.

use super::{Change, PortalView, Ports, check_body, with_retry};
use crate::account::token_hash;
use crate::actor::{Actor, Permission};
use crate::contact::Handle;
use crate::error::{DomainError, FieldErrors};
use crate::ids::{ContactId, EmailAddress, Lang, PortalToken, TicketNumber};
use crate::job::{DEFAULT_MAX_ATTEMPTS, JobKind, NewJob};
use crate::message::{AttachmentMeta, MessageDraft, Visibility};
use crate::portal::{
    LINK_TTL_MINUTES, LINKS_PER_HOUR, MAX_LISTED_TICKETS, NewPortalLink, SESSION_DAYS, job_key,
    link_path, sign_in_mail,
};
use crate::ports::to_micros;
use crate::ticket::Ticket;
use chrono::Duration;
use sha2::{Digest, Sha256};

/// Most files one portal reply carries.
pub const MAX_FILES: usize = 10;

/// A signed-in customer: the contact a live portal session belongs to. Made only by
/// [`sign_in`] and [`session`], so holding one proves the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalSession {
    contact: ContactId,
}

impl PortalSession {
    /// The signed-in contact.
    pub fn contact(&self) -> ContactId {
        self.contact
    }
}

/// How the customer reaches one ticket.
#[derive(Debug, Clone)]
pub enum Access<'a> {
    /// The ticket's portal token (`/portal/t/<token>`).
    Token(&'a PortalToken),
    /// A signed-in contact's ticket by its number (`/portal/tickets/<number>`).
    Session(&'a PortalSession, &'a TicketNumber),
}

/// A file the customer uploads with a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// File name as sent by the browser.
    pub filename: String,
    /// MIME type as sent.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

fn invalid(field: &str, code: &str) -> DomainError {
    let mut e = FieldErrors::default();
    e.push(field, code);
    DomainError::Invalid(e)
}

fn parse_email(email: &str) -> Result<EmailAddress, DomainError> {
    EmailAddress::parse(email).map_err(|_| {
        invalid(
            "email",
            if email.trim().is_empty() {
                "required"
            } else {
                "invalid"
            },
        )
    })
}

/// The first contact owning `email` (compared without regard to case), if any.
async fn contact_of(p: &Ports, email: &EmailAddress) -> Result<Option<ContactId>, DomainError> {
    Ok(p.store
        .contacts_by_handle(&Handle::Email(email.clone()))
        .await?
        .into_iter()
        .next())
}

/// Asks for a sign-in link for `email`: when the address is a contact's, mails
/// `<base_url>/portal/login/<token>` in `lang` (valid [`LINK_TTL_MINUTES`], once), unless the
/// address got [`LINKS_PER_HOUR`] links this hour. Answers `Ok(())` either way.
pub async fn request_link(
    p: &Ports,
    email: &str,
    lang: Lang,
    token: &str,
    base_url: &str,
) -> Result<(), DomainError> {
    let email = parse_email(email)?;
    let Some(contact) = contact_of(p, &email).await? else {
        return Ok(());
    };
    let name = p
        .store
        .contact(contact)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let now = to_micros(p.clock.now());
    let hash = token_hash(token);
    let link = format!("{}{}", base_url.trim_end_matches('/'), link_path(token));
    let mail = sign_in_mail(lang, &name, &link);
    let job = NewJob {
        key: job_key(&hash),
        kind: JobKind::AccountMail {
            to: email.clone(),
            subject: mail.subject,
            body: mail.body,
        },
        run_at: now,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
    };
    p.store
        .issue_portal_link(
            NewPortalLink {
                hash,
                contact,
                email,
                created_at: now,
                expires_at: now + Duration::minutes(LINK_TTL_MINUTES),
                job,
            },
            LINKS_PER_HOUR,
        )
        .await?;
    Ok(())
}

/// Checks that a sign-in link is live without using it (the page that asks to confirm);
/// `NotFound` for an unknown, used or expired link.
pub async fn check_link(p: &Ports, token: &str) -> Result<(), DomainError> {
    let now = to_micros(p.clock.now());
    p.store
        .portal_link_contact(&token_hash(token), now)
        .await?
        .map(|_| ())
        .ok_or(DomainError::NotFound)
}

/// Uses a sign-in link and starts a portal session under `session_token` (its hash is
/// stored) for [`SESSION_DAYS`]; `NotFound` for an unknown, used or expired link.
pub async fn sign_in(
    p: &Ports,
    token: &str,
    session_token: &str,
) -> Result<PortalSession, DomainError> {
    let now = to_micros(p.clock.now());
    let contact = p
        .store
        .redeem_portal_link(
            &token_hash(token),
            now,
            &token_hash(session_token),
            now + Duration::days(SESSION_DAYS),
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(PortalSession { contact })
}

/// The portal session a cookie's token names, if it is live.
pub async fn session(p: &Ports, session_token: &str) -> Result<Option<PortalSession>, DomainError> {
    let now = to_micros(p.clock.now());
    Ok(p.store
        .portal_session_contact(&token_hash(session_token), now)
        .await?
        .map(|contact| PortalSession { contact }))
}

/// Ends the portal session of `session_token` (nothing happens for an unknown one).
pub async fn sign_out(p: &Ports, session_token: &str) -> Result<(), DomainError> {
    Ok(p.store
        .delete_portal_session(&token_hash(session_token))
        .await?)
}

/// The signed-in contact's tickets across channels, last activity first (at most
/// [`MAX_LISTED_TICKETS`]).
pub async fn my_tickets(p: &Ports, s: &PortalSession) -> Result<Vec<Ticket>, DomainError> {
    Ok(p.store
        .contact_tickets(s.contact, MAX_LISTED_TICKETS)
        .await?
        .tickets)
}

/// The ticket `access` opens and the customer acting on it; `NotFound` for anything the
/// customer may not see.
async fn open(p: &Ports, access: &Access<'_>) -> Result<(Ticket, Actor), DomainError> {
    let ticket = match access {
        Access::Token(token) => p.store.ticket_by_token(token).await?,
        Access::Session(s, number) => p
            .store
            .ticket_by_number(number)
            .await?
            .filter(|t| t.contact_id == s.contact),
    }
    .ok_or(DomainError::NotFound)?;
    let actor = Actor::Customer {
        contact: ticket.contact_id,
        ticket: ticket.id,
    };
    actor.require(Permission::CustomerReply)?;
    actor.require_customer_of(ticket.id)?;
    Ok((ticket, actor))
}

/// The customer's view of the ticket `access` opens: the ticket and its public messages.
pub async fn view(p: &Ports, access: &Access<'_>) -> Result<PortalView, DomainError> {
    let (ticket, _) = open(p, access).await?;
    let messages = p.store.messages(ticket.id, false).await?;
    Ok(PortalView {
        ticket,
        messages: messages
            .into_iter()
            .filter(|m| m.visibility == Visibility::Public)
            .collect(),
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file name as shown and stored: the last path component, without control characters,
/// at most 255 characters (`file` when nothing is left).
fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let name = name.trim();
    if name.is_empty() {
        "file".to_owned()
    } else {
        name.to_owned()
    }
}

/// A MIME type as sent, when it looks like one (`type/subtype`, short, printable ASCII).
fn clean_type(raw: &str) -> String {
    let t = raw.trim().to_ascii_lowercase();
    let ok = t.len() <= 100
        && t.split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && t.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        t
    } else {
        "application/octet-stream".to_owned()
    }
}

/// The customer answers on the ticket `access` opens, with files: pending or resolved
/// tickets reopen, closed ones refuse (`TransitionNotAllowed`). 422: `body` (`required`,
/// `too_long`), `files` `too_many` (over [`MAX_FILES`]) or `too_large` (together over
/// `max_bytes`, the limit of stored attachments); nothing is stored then.
pub async fn reply(
    p: &Ports,
    access: &Access<'_>,
    body: &str,
    uploads: Vec<Upload>,
    max_bytes: i64,
) -> Result<Ticket, DomainError> {
    let body = check_body(body)?;
    if uploads.len() > MAX_FILES {
        return Err(invalid("files", "too_many"));
    }
    let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    if i64::try_from(total).map_or(true, |n| n > max_bytes) {
        return Err(invalid("files", "too_large"));
    }
    let (ticket, actor) = open(p, access).await?;
    let now = to_micros(p.clock.now());
    // Refuse before any bytes are stored (the retry loop below checks again).
    ticket.clone().customer_replied(now)?;
    let mut attachments = Vec::with_capacity(uploads.len());
    for u in uploads {
        let sha256 = sha256_hex(&u.bytes);
        let size = i64::try_from(u.bytes.len()).map_err(|_| invalid("files", "too_large"))?;
        p.store.put_blob(&sha256, u.bytes).await?;
        attachments.push(AttachmentMeta {
            filename: clean_filename(&u.filename),
            content_type: clean_type(&u.content_type),
            size,
            sha256,
            stored: true,
            inline: false,
        });
    }
    with_retry(p, ticket.id, None, |before| {
        let mut after = before.clone();
        let events = after.customer_replied(now)?;
        let mut msg = MessageDraft::from_customer(actor.as_ref(), body.clone());
        msg.attachments = attachments.clone();
        Ok(Some(Change::new(after, actor.as_ref(), events, vec![msg])))
    })
    .await
}

/// A stored file of one of the public messages of the ticket `access` opens, by its hex
/// sha-256: its description and bytes. `NotFound` for anything else (a file only an internal
/// note carries, another ticket's file, a file not stored).
pub async fn attachment(
    p: &Ports,
    access: &Access<'_>,
    sha256: &str,
) -> Result<(AttachmentMeta, Vec<u8>), DomainError> {
    let v = view(p, access).await?;
    let meta = v
        .messages
        .into_iter()
        .flat_map(|m| m.attachments)
        .find(|a| a.stored && a.sha256 == sha256)
        .ok_or(DomainError::NotFound)?;
    let bytes = p
        .store
        .attachment_blob(sha256)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((meta, bytes))
}

/// A ticket number as a customer types it: `LL-1042`, `#LL-1042`, `#1042` or `1042` (the
/// last two under this installation's prefix).
fn parse_number(p: &Ports, raw: &str) -> Option<TicketNumber> {
    let t = raw.trim().trim_start_matches('#').trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<i64>()
            .ok()
            .filter(|s| *s > 0)
            .map(|s| TicketNumber::new(&p.prefix, s));
    }
    TicketNumber::parse(t).ok()
}

/// Finds a ticket by its number and the email of its contact: the ticket's portal token
/// (the caller opens `/portal/t/<token>`). One neutral `NotFound` for an unknown number, a
/// wrong or malformed address and everything else; 422 only for an empty field.
pub async fn lookup(p: &Ports, number: &str, email: &str) -> Result<PortalToken, DomainError> {
    let mut errs = FieldErrors::default();
    if number.trim().is_empty() {
        errs.push("number", "required");
    }
    if email.trim().is_empty() {
        errs.push("email", "required");
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let (Some(number), Ok(email)) = (parse_number(p, number), EmailAddress::parse(email)) else {
        return Err(DomainError::NotFound);
    };
    let ticket = p
        .store
        .ticket_by_number(&number)
        .await?
        .ok_or(DomainError::NotFound)?;
    let contact = p
        .store
        .contact(ticket.contact_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let wanted = email.as_str().to_lowercase();
    let owns = contact.handles.iter().any(|h| match h {
        Handle::Email(e) => e.as_str().to_lowercase() == wanted,
        _ => false,
    });
    if owns {
        Ok(ticket.portal_token)
    } else {
        Err(DomainError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_named_and_typed_safely() {
        assert_eq!(clean_filename("C:\\Users\\a\\photo.png"), "photo.png");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename(" \u{7} "), "file");
        assert_eq!(clean_filename(&"я".repeat(300)).chars().count(), 255);
        assert_eq!(clean_type("Image/PNG"), "image/png");
        assert_eq!(clean_type("text/html\"x"), "application/octet-stream");
        assert_eq!(clean_type(""), "application/octet-stream");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
