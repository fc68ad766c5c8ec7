//! The site widget's use cases (issue 7): sites for managers, and everything an anonymous
//! visitor does through the widget — a session (token minted or resumed), the bot
//! questionnaire that pre-fills a ticket, chat messages, the offline request, the callback
//! request, typing and page reports — plus what agents see of a visitor.
//!
//! Invariants:
//! - A visitor is known only by the hash of their token; a token of another site, or one
//!   the store does not know, opens nothing (`Forbidden`, the HTTP layer's 401; a session
//!   mints a fresh token instead).
//! - A visitor sees only public messages of their own current conversation; no function
//!   here returns an internal note, an agent's email address or another visitor's data.
//! - A chat message is stored once per client id: the first message creates the ticket
//!   (intake key from site, visitor and client id, and the visitor's link to it, in one
//!   transaction); later ones append with the client id as the dedupe key. A message to a
//!   resolved or pending ticket reopens it (as a portal reply does); a closed one starts a
//!   new conversation.
//! - The core has no random source: tokens for new visitors and tickets come in from the
//!   caller; a site key is derived from the site's name and the time (it is public, only
//!   unique).
//! - Visitor typing and page changes publish [`LiveEvent::ViewersChanged`] for the ticket.

use super::{Change, Ports, check_body, visibility, with_retry};
use crate::actor::{Actor, ActorRef, Permission};
use crate::contact::{ContactDraft, Handle};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{EmailAddress, Lang, MessageId, PortalToken, SiteId, TicketId};
use crate::live::LiveEvent;
use crate::message::{AttachmentMeta, Direction, Message, MessageDraft};
use crate::ports::{CreateTicket, IntakeKey, StoreError};
use crate::ticket::{Channel, Priority, Status, Ticket, TicketDraft};
use crate::widget::{
    self, BotAnswer, BotRun, CallbackInput, NewWidgetTicket, Offer, Page, SiteInput, SiteKey,
    Visitor, VisitorHandle, VisitorLink, VisitorToken, VisitorUpdate,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::widget::{CustomerNotices, Site, VisitorPresence};

/// The intake source of widget tickets.
pub const INTAKE_SOURCE: &str = "widget";
/// The tag of callback requests.
pub const CALLBACK_TAG: &str = "callback";
/// The custom field an order number from the bot goes into.
pub const ORDER_FIELD: &str = "order_number";

// ---- sites (managers) ----

/// Every site, for managers.
pub async fn list_sites(p: &Ports, actor: &Actor) -> Result<Vec<Site>, DomainError> {
    actor.require(Permission::ManageTeam)?;
    Ok(p.store.widget_sites().await?)
}

/// Creates (`id` `None`, with a fresh key) or changes a site; 422 from
/// [`widget::check_site`] (and `calendar` / `group` `invalid` for unknown ones).
pub async fn save_site(
    p: &Ports,
    actor: &Actor,
    id: Option<SiteId>,
    input: &SiteInput,
) -> Result<Site, DomainError> {
    actor.require(Permission::ManageTeam)?;
    let settings = widget::check_site(input).map_err(DomainError::Invalid)?;
    let mut errs = FieldErrors::default();
    if let Some(c) = settings.calendar
        && !p.store.sla_calendars().await?.iter().any(|x| x.id == c)
    {
        errs.push("calendar", "invalid");
    }
    if let Some(g) = settings.group
        && !p.store.groups().await?.iter().any(|x| x.id == g)
    {
        errs.push("group", "invalid");
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let now = crate::ports::to_micros(p.clock.now());
    if let Some(id) = id {
        let site = p
            .store
            .widget_site(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        return Ok(p
            .store
            .save_widget_site(Some(id), site.key, settings, now)
            .await?);
    }
    let mut last = DomainError::Conflict;
    for attempt in 0..4u32 {
        let key = derived_key(&settings.name, now, attempt)?;
        match p
            .store
            .save_widget_site(None, key, settings.clone(), now)
            .await
        {
            Err(StoreError::Duplicate(_)) => last = DomainError::Conflict,
            other => return Ok(other?),
        }
    }
    Err(last)
}

/// A public site key from the name, the time and an attempt counter (the key is public and
/// only has to be unique; the store refuses a duplicate and the caller tries the next one).
fn derived_key(
    name: &str,
    now: chrono::DateTime<chrono::Utc>,
    attempt: u32,
) -> Result<SiteKey, DomainError> {
    use sha2::{Digest, Sha256};
    let seed = format!(
        "{name}\u{0}{}\u{0}{attempt}",
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    let digest = Sha256::digest(seed.as_bytes());
    SiteKey::from_random(&digest[..8]).map_err(|_| DomainError::Storage("site key".into()))
}

/// Switches a site on or off.
pub async fn set_site_active(
    p: &Ports,
    actor: &Actor,
    id: SiteId,
    active: bool,
) -> Result<(), DomainError> {
    actor.require(Permission::ManageTeam)?;
    let now = crate::ports::to_micros(p.clock.now());
    Ok(p.store.set_widget_site_active(id, active, now).await?)
}

/// A site as the public sees it: `NotFound` for an unknown or switched-off key.
pub async fn site_public(p: &Ports, key: &SiteKey) -> Result<Site, DomainError> {
    match p.store.widget_site_by_key(key).await? {
        Some(s) if s.active => Ok(s),
        _ => Err(DomainError::NotFound),
    }
}

/// The switches of customer notices for a ticket: its site's, or all on for tickets that
/// did not come from a site.
pub async fn notice_switches(p: &Ports, ticket: TicketId) -> Result<CustomerNotices, DomainError> {
    let Some(site) = p.store.ticket_site(ticket).await? else {
        return Ok(CustomerNotices::default());
    };
    Ok(p.store
        .widget_site(site)
        .await?
        .map(|s| s.settings.notices)
        .unwrap_or_default())
}

/// What an agent sees of the visitor whose conversation `ticket` is (`None`: not a chat).
pub async fn visitor_presence(
    p: &Ports,
    actor: &Actor,
    ticket: TicketId,
) -> Result<Option<VisitorPresence>, DomainError> {
    actor.require(Permission::ViewQueue)?;
    visibility::ticket_for(p, actor, ticket).await?;
    let now = p.clock.now();
    Ok(p.store
        .ticket_visitor(ticket)
        .await?
        .map(|v| v.presence(now)))
}

// ---- what the widget offers ----

/// Whether the site's calendar is open now (a site without a calendar always is).
pub async fn open_now(p: &Ports, site: &Site) -> Result<bool, DomainError> {
    let Some(id) = site.settings.calendar else {
        return Ok(true);
    };
    let now = p.clock.now();
    Ok(p.store
        .sla_calendars()
        .await?
        .iter()
        .find(|c| c.id == id)
        .is_none_or(|c| c.calendar.is_open(now)))
}

/// Active agents online now (not away, not idle), in the site's group when it has one.
pub async fn agents_available(p: &Ports, site: &Site) -> Result<usize, DomainError> {
    let now = p.clock.now();
    let active: BTreeSet<_> = p
        .store
        .user_accounts()
        .await?
        .into_iter()
        .filter(|a| a.status == crate::account::AccountStatus::Active)
        .map(|a| a.agent.id)
        .collect();
    let members: Option<BTreeSet<_>> = match site.settings.group {
        Some(g) => Some(p.store.group_members(g).await?.into_iter().collect()),
        None => None,
    };
    Ok(p.store
        .agent_statuses()
        .await?
        .iter()
        .filter(|s| s.effective(now) == crate::team::Presence::Online)
        .filter(|s| active.contains(&s.agent))
        .filter(|s| members.as_ref().is_none_or(|m| m.contains(&s.agent)))
        .count())
}

/// What the widget of `site` offers right now.
pub async fn current_offer(p: &Ports, site: &Site) -> Result<Offer, DomainError> {
    let open = open_now(p, site).await?;
    let agents = if site.settings.chat && open {
        agents_available(p, site).await?
    } else {
        0
    };
    Ok(widget::offer(&site.settings, open, agents))
}

// ---- the visitor's thread ----

/// A public message as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetMessage {
    /// Id (increasing).
    pub id: MessageId,
    /// Written by the visitor (else by an agent or the system).
    pub from_visitor: bool,
    /// The agent's display name (`None` for the visitor and the system).
    pub author: Option<String>,
    /// Text.
    pub body: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Files (by index in the message).
    pub attachments: Vec<AttachmentMeta>,
}

/// The visitor's current conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetThread {
    /// The ticket (number and status are shown).
    pub ticket: Ticket,
    /// Its public messages, oldest first.
    pub messages: Vec<WidgetMessage>,
}

/// Public messages of `ticket` after `after` (all for `None`), as the visitor sees them.
pub async fn public_messages(
    p: &Ports,
    ticket: TicketId,
    after: Option<MessageId>,
) -> Result<Vec<WidgetMessage>, DomainError> {
    let messages: Vec<Message> = p
        .store
        .messages(ticket, false)
        .await?
        .into_iter()
        .filter(|m| m.visibility == crate::message::Visibility::Public)
        .filter(|m| after.is_none_or(|a| m.id > a))
        .collect();
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let names: BTreeMap<_, _> = if messages
        .iter()
        .any(|m| matches!(m.author, ActorRef::Agent(_)))
    {
        p.store
            .agents()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect()
    } else {
        BTreeMap::new()
    };
    Ok(messages.into_iter().map(|m| shown(m, &names)).collect())
}

fn shown(m: Message, names: &BTreeMap<crate::ids::AgentId, String>) -> WidgetMessage {
    let from_visitor =
        m.direction == Direction::Inbound && matches!(m.author, ActorRef::Contact(_));
    let author = match m.author {
        ActorRef::Agent(a) => names.get(&a).cloned(),
        _ => None,
    };
    WidgetMessage {
        id: m.id,
        from_visitor,
        author,
        body: m.body,
        at: m.created_at,
        attachments: m.attachments,
    }
}

/// The ticket of a visitor's current conversation, followed into the ticket it was merged
/// into.
pub async fn conversation(p: &Ports, v: &Visitor) -> Result<Option<TicketId>, DomainError> {
    let Some(id) = v.ticket else {
        return Ok(None);
    };
    Ok(Some(p.store.merged_into(id).await?.unwrap_or(id)))
}

/// The thread of a visitor's current conversation (`None`: there is none).
pub async fn thread_of(p: &Ports, v: &Visitor) -> Result<Option<WidgetThread>, DomainError> {
    let Some(id) = conversation(p, v).await? else {
        return Ok(None);
    };
    let Some(ticket) = p.store.ticket(id).await? else {
        return Ok(None);
    };
    let messages = public_messages(p, id, None).await?;
    Ok(Some(WidgetThread { ticket, messages }))
}

/// Whether an agent is typing a public reply on `ticket` right now.
pub async fn agent_typing(p: &Ports, ticket: TicketId) -> Result<bool, DomainError> {
    let now = p.clock.now();
    Ok(p.store.ticket_viewers(ticket).await?.iter().any(|r| {
        r.activity(now)
            == Some(crate::viewers::Activity::Typing(
                crate::viewers::Draft::Reply,
            ))
    }))
}

// ---- sessions ----

/// A visitor's session: who they are now, what the widget offers, their conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Their token (as sent, or freshly minted).
    pub token: VisitorToken,
    /// The site.
    pub site: Site,
    /// The visitor.
    pub visitor: Visitor,
    /// What the widget offers now.
    pub offer: Offer,
    /// The bot questionnaire is over (answered, handed over, or a conversation exists).
    pub bot_done: bool,
    /// The current conversation.
    pub thread: Option<WidgetThread>,
}

/// Begins or resumes a session on the site `key`: a `token` this site knows resumes its
/// visitor (the language and page are updated when given); an absent, malformed or unknown
/// one starts a new visitor under `fresh`.
pub async fn begin_session(
    p: &Ports,
    key: &SiteKey,
    token: Option<&str>,
    fresh: VisitorToken,
    lang: Option<Lang>,
    page: Option<Page>,
) -> Result<Session, DomainError> {
    let site = site_public(p, key).await?;
    let now = crate::ports::to_micros(p.clock.now());
    let known = match token.map(VisitorToken::parse) {
        Some(Ok(t)) => {
            let hash = widget::token_hash(&t);
            match p.store.widget_visitor(&hash).await? {
                Some(v) if v.site == site.id => Some((t, v)),
                _ => None,
            }
        }
        _ => None,
    };
    let (token, visitor) = match known {
        Some((t, v)) => {
            let update = VisitorUpdate {
                lang: lang.map(|l| widget::visitor_lang(&site.settings, Some(l))),
                page,
                ..Default::default()
            };
            let v = p
                .store
                .update_widget_visitor(&v.token_hash, update, now)
                .await?;
            (t, v)
        }
        None => {
            let hash = widget::token_hash(&fresh);
            let lang = widget::visitor_lang(&site.settings, lang);
            let v = p
                .store
                .create_widget_visitor(&hash, site.id, lang, page.unwrap_or_default(), now)
                .await?;
            (fresh, v)
        }
    };
    if let Some(t) = visitor.ticket {
        p.live.publish(LiveEvent::ViewersChanged { ticket_id: t });
    }
    let offer = current_offer(p, &site).await?;
    let thread = thread_of(p, &visitor).await?;
    let bot_done = visitor.bot.finished(&site.settings.bot)
        || thread
            .as_ref()
            .is_some_and(|t| t.ticket.status != Status::Closed);
    Ok(Session {
        token,
        site,
        visitor,
        offer,
        bot_done,
        thread,
    })
}

/// The site and visitor a token opens on `key` (`Forbidden` for a token the site does not
/// know; `NotFound` for an unknown or switched-off site).
pub async fn authenticate(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
) -> Result<(Site, Visitor), DomainError> {
    let site = site_public(p, key).await?;
    match p.store.widget_visitor(&widget::token_hash(token)).await? {
        Some(v) if v.site == site.id => Ok((site, v)),
        _ => Err(DomainError::Forbidden),
    }
}

// ---- chat ----

/// A chat message as the visitor sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatInput {
    /// Text (may be empty when files are attached).
    pub body: String,
    /// Uploaded files, by hex sha-256 (see [`upload`]).
    pub attachments: Vec<String>,
    /// The client's id of the message (a resend with it lands once).
    pub client_id: String,
}

/// The visitor's files among `ids` (422 `attachments` `invalid` for one that is not theirs).
async fn own_uploads(
    p: &Ports,
    v: &Visitor,
    ids: &[String],
) -> Result<Vec<AttachmentMeta>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let invalid = || {
        let mut e = FieldErrors::default();
        e.push("attachments", "invalid");
        DomainError::Invalid(e)
    };
    if ids.len() > widget::MAX_MESSAGE_FILES {
        return Err(invalid());
    }
    let metas = p.store.widget_uploads(&v.token_hash, ids.to_vec()).await?;
    if metas.len() != ids.len() {
        return Err(invalid());
    }
    Ok(metas)
}

/// The ticket a visitor's next message goes to: their current conversation (followed into
/// the ticket it was merged into), unless there is none or it is closed.
async fn open_conversation(p: &Ports, v: &Visitor) -> Result<Option<Ticket>, DomainError> {
    let Some(id) = conversation(p, v).await? else {
        return Ok(None);
    };
    Ok(p.store
        .ticket(id)
        .await?
        .filter(|t| t.status != Status::Closed))
}

/// Sends a chat message (see the module doc); returns it as stored (the first copy when
/// the client id was seen before). `portal` is the token of a ticket it may create.
pub async fn send_message(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
    input: &ChatInput,
    portal: PortalToken,
) -> Result<WidgetMessage, DomainError> {
    let (site, visitor) = authenticate(p, key, token).await?;
    let client_id = widget::check_client_id(&input.client_id).map_err(DomainError::Invalid)?;
    let files = own_uploads(p, &visitor, &input.attachments).await?;
    let body = if files.is_empty() || !input.body.trim().is_empty() {
        check_body(&input.body)?
    } else {
        String::new()
    };
    let dedupe = widget::message_key(&client_id);
    let mut visitor = visitor;
    for _ in 0..4 {
        let ticket = match open_conversation(p, &visitor).await? {
            Some(t) => {
                let actor = Actor::Customer {
                    contact: t.contact_id,
                    ticket: t.id,
                };
                actor.require(Permission::CustomerReply)?;
                if !p.store.has_message(t.id, &dedupe).await? {
                    let now = crate::ports::to_micros(p.clock.now());
                    with_retry(p, t.id, None, |before| {
                        let mut after = before.clone();
                        let events = after.customer_replied(now)?;
                        let mut msg = MessageDraft::from_customer(actor.as_ref(), body.clone())
                            .with_dedupe_key(dedupe.clone());
                        msg.attachments = files.clone();
                        Ok(Some(Change::new(after, actor.as_ref(), events, vec![msg])))
                    })
                    .await?;
                }
                t.id
            }
            None => {
                let subject = widget::chat_subject(&body, visitor.lang);
                let c = widget_ticket(
                    p,
                    &site,
                    &visitor,
                    subject,
                    body.clone(),
                    portal.clone(),
                    Some(widget::intake_key(site.id, &visitor.token_hash, &client_id)),
                );
                let c = NewWidgetTicket {
                    attachments: files.clone(),
                    dedupe_key: Some(dedupe.clone()),
                    link: Some(VisitorLink {
                        token_hash: visitor.token_hash.clone(),
                        expected: visitor.ticket,
                    }),
                    ..c
                };
                match create(p, c).await {
                    Ok(t) => t.id,
                    Err(DomainError::Conflict) => {
                        visitor = p
                            .store
                            .widget_visitor(&visitor.token_hash)
                            .await?
                            .ok_or(DomainError::Forbidden)?;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let stored = p
            .store
            .message_by_key(ticket, &dedupe)
            .await?
            .ok_or(DomainError::NotFound)?;
        let names = BTreeMap::new();
        return Ok(shown(stored, &names));
    }
    Err(DomainError::Conflict)
}

/// A widget ticket's creation (without files, dedupe key or link).
fn widget_ticket(
    p: &Ports,
    site: &Site,
    visitor: &Visitor,
    subject: String,
    body: String,
    portal: PortalToken,
    intake: Option<String>,
) -> NewWidgetTicket {
    let contact = ContactDraft {
        name: String::new(),
        handles: vec![Handle::Visitor(VisitorHandle::of(&visitor.token_hash))],
    };
    new_ticket(
        p,
        site,
        contact,
        visitor.lang,
        subject,
        body,
        portal,
        intake,
    )
}

#[allow(clippy::too_many_arguments)]
fn new_ticket(
    p: &Ports,
    site: &Site,
    contact: ContactDraft,
    lang: Lang,
    subject: String,
    body: String,
    portal: PortalToken,
    intake: Option<String>,
) -> NewWidgetTicket {
    let now = crate::ports::to_micros(p.clock.now());
    NewWidgetTicket {
        ticket: CreateTicket {
            draft: TicketDraft {
                subject,
                priority: Priority::Normal,
                channel: Channel::Widget,
                group: site.settings.group,
                portal_token: portal,
                lang,
                now,
            },
            prefix: p.prefix.clone(),
            contact,
            body,
            intake_key: intake.map(|key| IntakeKey {
                source: INTAKE_SOURCE.to_owned(),
                key,
            }),
            custom_fields: BTreeMap::new(),
        },
        site: site.id,
        tags: BTreeSet::new(),
        attachments: Vec::new(),
        dedupe_key: None,
        link: None,
    }
}

/// Stores a widget ticket and publishes its hint.
async fn create(p: &Ports, c: NewWidgetTicket) -> Result<Ticket, DomainError> {
    let created = p.store.create_widget_ticket(c).await?;
    if !created.replayed {
        p.live.publish(LiveEvent::for_ticket(&created.ticket));
    }
    Ok(created.ticket)
}

// ---- the bot ----

/// One answer as the widget sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotAnswerInput {
    /// The step's key.
    pub key: String,
    /// `text`, `order_number`, `screenshot` (the value is an upload id) or `skip`.
    pub kind: String,
    /// The answer.
    pub value: Option<String>,
}

/// Finishes the bot questionnaire: checks every answer in order (422 `bot.<key>` with the
/// [`widget::BotRefusal`] code; `bot.<key>` `required` for an unanswered required step when
/// the visitor did not hand over), then creates the pre-filled ticket (subject, body, order
/// number as the `order_number` custom field, screenshots as files) as the visitor's
/// conversation. A visitor who already has an open conversation gets it back unchanged.
pub async fn finish_bot(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
    answers: &[BotAnswerInput],
    handed_over: bool,
    portal: PortalToken,
) -> Result<WidgetThread, DomainError> {
    let (site, visitor) = authenticate(p, key, token).await?;
    if open_conversation(p, &visitor).await?.is_some() {
        return thread_of(p, &visitor).await?.ok_or(DomainError::NotFound);
    }
    let flow = &site.settings.bot;
    let mut run = BotRun::default();
    let mut files: Vec<AttachmentMeta> = Vec::new();
    let mut errs = FieldErrors::default();
    for a in answers {
        let field = format!("bot.{}", a.key);
        let Some(step) = run.current(flow) else {
            errs.push(&field, "finished");
            break;
        };
        if step.key != a.key {
            errs.push(&format!("bot.{}", step.key), "required");
            break;
        }
        let value = a.value.clone().unwrap_or_default();
        let answer = match a.kind.as_str() {
            "skip" => BotAnswer::Skipped,
            "screenshot" => match own_uploads(p, &visitor, std::slice::from_ref(&value)).await {
                Ok(mut m) if !m.is_empty() => {
                    files.append(&mut m);
                    BotAnswer::File(i64::try_from(files.len() - 1).unwrap_or_default())
                }
                _ => {
                    errs.push(&field, "invalid");
                    break;
                }
            },
            "text" | "order_number" => BotAnswer::Text(value),
            _ => {
                errs.push(&field, "invalid");
                break;
            }
        };
        if let Err(r) = run.answer(flow, answer) {
            let code = serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "invalid".to_owned());
            errs.push(&field, &code);
            break;
        }
    }
    if errs.is_empty() {
        if handed_over {
            run.hand_over();
        } else if let Some(step) = run.current(flow)
            && step.required
        {
            errs.push(&format!("bot.{}", step.key), "required");
        }
    }
    if !errs.is_empty() {
        return Err(DomainError::Invalid(errs));
    }
    let prefill = run.prefill(flow, visitor.lang);
    let body = if prefill.body.trim().is_empty() {
        prefill.subject.clone()
    } else {
        prefill.body.clone()
    };
    let round = visitor.ticket.map_or(0, |t| t.0);
    let mut c = widget_ticket(
        p,
        &site,
        &visitor,
        prefill.subject.clone(),
        body,
        portal,
        Some(widget::intake_key(
            site.id,
            &visitor.token_hash,
            &format!("bot:{round}"),
        )),
    );
    if let Some(order) = &prefill.order_number {
        c.ticket
            .custom_fields
            .insert(ORDER_FIELD.to_owned(), order.clone());
    }
    c.attachments = prefill
        .attachments
        .iter()
        .filter_map(|i| usize::try_from(*i).ok().and_then(|i| files.get(i)).cloned())
        .collect();
    c.link = Some(VisitorLink {
        token_hash: visitor.token_hash.clone(),
        expected: visitor.ticket,
    });
    create(p, c).await?;
    let now = crate::ports::to_micros(p.clock.now());
    let visitor = p
        .store
        .update_widget_visitor(
            &visitor.token_hash,
            VisitorUpdate {
                bot: Some(run),
                ..Default::default()
            },
            now,
        )
        .await?;
    thread_of(p, &visitor).await?.ok_or(DomainError::NotFound)
}

// ---- offline request and callback ----

/// The request form shown when chat is not offered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineInput {
    /// Name (required).
    pub name: String,
    /// Email address (required: replies go by email).
    pub email: String,
    /// The request (required).
    pub body: String,
    /// The page it was sent from.
    pub page: Option<Page>,
}

/// Takes the offline request: 422 `name` / `email` / `body` (`required`, `invalid`,
/// `too_long`); the ticket's contact has the email address, so agents' replies are mailed.
/// `lang` is the visitor's (or the site's first).
pub async fn offline_request(
    p: &Ports,
    key: &SiteKey,
    input: &OfflineInput,
    lang: Option<Lang>,
    portal: PortalToken,
) -> Result<Ticket, DomainError> {
    let site = site_public(p, key).await?;
    let lang = widget::visitor_lang(&site.settings, lang);
    let mut errs = FieldErrors::default();
    let name = input.name.trim();
    if name.is_empty() {
        errs.push("name", "required");
    } else if name.chars().count() > widget::MAX_NAME_CHARS {
        errs.push("name", "too_long");
    }
    let email = if input.email.trim().is_empty() {
        errs.push("email", "required");
        None
    } else {
        EmailAddress::parse(&input.email)
            .map_err(|_| errs.push("email", "invalid"))
            .ok()
    };
    let body = match check_body(&input.body) {
        Ok(b) => Some(b),
        Err(DomainError::Invalid(e)) => {
            errs.0.extend(e.0);
            None
        }
        Err(e) => return Err(e),
    };
    let (Some(email), Some(body), true) = (email, body, errs.is_empty()) else {
        return Err(DomainError::Invalid(errs));
    };
    let mut text = body.clone();
    if let Some(url) = input.page.as_ref().and_then(|pg| pg.url.as_deref()) {
        text.push_str("\n\n— ");
        text.push_str(url);
    }
    let contact = ContactDraft {
        name: name.to_owned(),
        handles: vec![Handle::Email(email)],
    };
    let subject = widget::chat_subject(&body, lang);
    let c = new_ticket(p, &site, contact, lang, subject, text, portal, None);
    create(p, c).await
}

/// Takes a callback request (422 from [`widget::check_callback`]; `NotFound` when the site
/// offers no callback): a widget ticket tagged [`CALLBACK_TAG`] for the phone number.
pub async fn request_callback(
    p: &Ports,
    key: &SiteKey,
    input: &CallbackInput,
    lang: Option<Lang>,
    portal: PortalToken,
) -> Result<Ticket, DomainError> {
    let site = site_public(p, key).await?;
    if !site.settings.callback {
        return Err(DomainError::NotFound);
    }
    let cb = widget::check_callback(input).map_err(DomainError::Invalid)?;
    let lang = widget::visitor_lang(&site.settings, lang);
    let (subject, body) = cb.ticket_text(lang);
    let contact = ContactDraft {
        name: cb.name.clone().unwrap_or_default(),
        handles: vec![Handle::Phone(cb.phone.clone())],
    };
    let mut c = new_ticket(p, &site, contact, lang, subject, body, portal, None);
    c.tags.insert(CALLBACK_TAG.to_owned());
    create(p, c).await
}

// ---- live state of the visitor ----

/// What a visitor's socket or page reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorReport {
    /// Typing in the chat box.
    Typing,
    /// On another page.
    Page(Page),
    /// Still there (read the thread).
    Seen,
}

/// Records a visitor's report; typing and page changes tell the agents' ticket pages.
pub async fn report(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
    report: VisitorReport,
) -> Result<Visitor, DomainError> {
    let (_, visitor) = authenticate(p, key, token).await?;
    let now = crate::ports::to_micros(p.clock.now());
    // Keystrokes come often: a mark with more than half its time left is fresh enough.
    let half = chrono::Duration::seconds(widget::VISITOR_TYPING_SECS / 2);
    if report == VisitorReport::Typing && visitor.typing_until.is_some_and(|t| t - now > half) {
        return Ok(visitor);
    }
    let (update, tell) = match report {
        VisitorReport::Typing => (
            VisitorUpdate {
                typing_until: Some(Some(
                    now + chrono::Duration::seconds(widget::VISITOR_TYPING_SECS),
                )),
                ..Default::default()
            },
            true,
        ),
        VisitorReport::Page(page) => {
            let changed = page != visitor.page;
            (
                VisitorUpdate {
                    page: Some(page),
                    ..Default::default()
                },
                changed,
            )
        }
        VisitorReport::Seen => (VisitorUpdate::default(), false),
    };
    let v = p
        .store
        .update_widget_visitor(&visitor.token_hash, update, now)
        .await?;
    if let (true, Some(t)) = (tell, v.ticket) {
        p.live.publish(LiveEvent::ViewersChanged { ticket_id: t });
    }
    Ok(v)
}

// ---- files ----

/// Remembers a visitor's upload (the caller stored the bytes under `meta.sha256` first).
pub async fn upload(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
    meta: AttachmentMeta,
) -> Result<AttachmentMeta, DomainError> {
    let (_, visitor) = authenticate(p, key, token).await?;
    let now = crate::ports::to_micros(p.clock.now());
    p.store
        .save_widget_upload(&visitor.token_hash, meta.clone(), now)
        .await?;
    Ok(meta)
}

/// A file of a public message of the visitor's own conversation (`NotFound` otherwise).
pub async fn attachment(
    p: &Ports,
    key: &SiteKey,
    token: &VisitorToken,
    message: MessageId,
    index: usize,
) -> Result<(AttachmentMeta, Vec<u8>), DomainError> {
    let (_, visitor) = authenticate(p, key, token).await?;
    let ticket = p
        .store
        .message_ticket(message)
        .await?
        .ok_or(DomainError::NotFound)?;
    if conversation(p, &visitor).await? != Some(ticket) {
        return Err(DomainError::NotFound);
    }
    let meta = p
        .store
        .messages(ticket, false)
        .await?
        .into_iter()
        .find(|m| m.id == message && m.visibility == crate::message::Visibility::Public)
        .and_then(|m| m.attachments.into_iter().nth(index))
        .filter(|a| a.stored)
        .ok_or(DomainError::NotFound)?;
    let bytes = p
        .store
        .attachment_blob(&meta.sha256)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((meta, bytes))
}
