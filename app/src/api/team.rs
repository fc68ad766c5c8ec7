//! The team (issue 4): an agent's own presence and activity, the notification bell, the
//! managers' team screen (`/manage/team`: group routing, agent profiles) and the contact
//! profile of a ticket's customer. Each call authenticates, parses at the edge and calls one
//! `lossless::services::team` function.
//!
//! Invariants:
//! - Agents read and change only their own presence and notifications (the session names
//!   them; no id is taken from the browser for that).
//! - The team screen and its saves are for managers and admins (`Forbidden`, 403, for other
//!   agents; the service checks `ManageTeam` again).
//! - Bad input is `Invalid` with field codes (422) and stores nothing.
//! - Presence shown is the effective one: an online agent idle for
//!   [`lossless::team::AWAY_AFTER_IDLE_MINUTES`] shows as away.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::{AgentId, GroupId, Lang, TicketId};
use lossless::team::{AssignStrategy, Presence};
use serde::{Deserialize, Serialize};

/// How many notifications the bell lists.
pub const BELL_LIMIT: i64 = 30;

/// The signed-in agent's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceView {
    /// As the agent set it (the selector shows it).
    pub set: Presence,
    /// As others see it now (away when idle).
    pub effective: Presence,
}

/// One notification under the bell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    /// Id (marking read names the newest one shown).
    pub id: i64,
    /// Text, in the recipient's language.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The ticket's number, for its link.
    pub ticket_number: Option<String>,
    /// Read already.
    pub read: bool,
}

/// The bell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bell {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// Unread, of all.
    pub unread: i64,
}

/// One group on the team screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRoutingRow {
    /// The group.
    pub group: GroupId,
    /// Its name.
    pub name: String,
    /// Strategy.
    pub strategy: AssignStrategy,
    /// Prefer members speaking the ticket's language.
    pub match_language: bool,
    /// Prefer members with a matching skill.
    pub match_skills: bool,
    /// Back to the customer's previous agent.
    pub prefer_previous_agent: bool,
    /// Tickets visible to members and managers only (see `lossless::visibility`).
    pub restricted: bool,
}

/// One agent on the team screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamAgentRow {
    /// The agent.
    pub agent: AgentId,
    /// Name.
    pub name: String,
    /// Presence as of now.
    pub presence: Presence,
    /// Open tickets assigned now.
    pub open_tickets: i64,
    /// Capacity (0: no limit).
    pub capacity: i32,
    /// Answers in Russian.
    pub ru: bool,
    /// Answers in English.
    pub en: bool,
    /// Skills, comma separated.
    pub skills: String,
}

/// The managers' team screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOverview {
    /// Groups with their routing.
    pub groups: Vec<GroupRoutingRow>,
    /// Agents with presence and profile.
    pub agents: Vec<TeamAgentRow>,
}

/// A customer's profile as the side panel edits it (empty text: unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProfileView {
    /// Organisation.
    pub organisation: String,
    /// VIP.
    pub vip: bool,
    /// Region.
    pub region: String,
}

impl From<lossless::contact::ContactProfile> for ContactProfileView {
    fn from(p: lossless::contact::ContactProfile) -> Self {
        Self {
            organisation: p.organisation.unwrap_or_default(),
            vip: p.vip,
            region: p.region.unwrap_or_default(),
        }
    }
}

/// Parses a presence from the selector (`online|away|offline`).
pub fn parse_presence(raw: &str) -> Result<Presence, AppError> {
    Presence::parse(raw).ok_or_else(|| AppError::invalid("presence", "invalid"))
}

/// Parses a strategy from the team screen (`manual|round_robin|least_loaded`).
pub fn parse_strategy(raw: &str) -> Result<AssignStrategy, AppError> {
    AssignStrategy::parse(raw).ok_or_else(|| AppError::invalid("strategy", "invalid"))
}

/// Parses a capacity as typed (a whole number; range checked by the service).
pub fn parse_capacity(raw: &str) -> Result<i32, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::invalid("capacity", "invalid"))
}

/// The languages of the two checkboxes.
pub fn languages(ru: bool, en: bool) -> std::collections::BTreeSet<Lang> {
    [(ru, Lang::Ru), (en, Lang::En)]
        .into_iter()
        .filter_map(|(on, l)| on.then_some(l))
        .collect()
}

/// The signed-in agent's presence.
#[server]
pub async fn my_presence() -> Result<PresenceView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let p = lossless::services::team::my_presence(&cx.ports, &actor).await?;
        Ok(PresenceView {
            set: p.set,
            effective: p.effective,
        })
    })
    .await
}

/// Sets the signed-in agent's presence (`online|away|offline`).
#[server]
pub async fn set_presence(presence: String) -> Result<PresenceView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let presence = parse_presence(&presence)?;
        let p = lossless::services::team::set_my_presence(&cx.ports, &actor, presence).await?;
        Ok(PresenceView {
            set: p.set,
            effective: p.effective,
        })
    })
    .await
}

/// The signed-in agent is active (the page's fallback ping when its live socket is down).
#[server]
pub async fn touch_activity() -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::team::touch_me(&cx.ports, &actor).await?)
    })
    .await
}

/// The signed-in agent's newest notifications and unread count.
#[server]
pub async fn my_notifications() -> Result<Bell, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let inbox =
            lossless::services::team::my_notifications(&cx.ports, &actor, BELL_LIMIT).await?;
        Ok(Bell {
            unread: inbox.unread,
            items: inbox
                .items
                .into_iter()
                .map(|i| NotificationView {
                    id: i.notification.id.0,
                    text: i.notification.text,
                    at: i.notification.created_at,
                    ticket_number: i.ticket_number.map(|n| n.to_string()),
                    read: i.notification.read_at.is_some(),
                })
                .collect(),
        })
    })
    .await
}

/// Marks the signed-in agent's notifications up to and including `up_to` read.
#[server]
pub async fn mark_notifications_read(up_to: i64) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let up_to = lossless::ids::NotificationId(up_to);
        Ok(lossless::services::team::mark_read(&cx.ports, &actor, up_to).await?)
    })
    .await
}

/// Groups with routing and agents with presence and profile (managers).
#[server]
pub async fn team_screen() -> Result<TeamOverview, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let groups = lossless::services::team::group_routings(&cx.ports, &actor).await?;
        let restricted =
            lossless::services::visibility::restricted_groups(&cx.ports, &actor).await?;
        let board = lossless::services::team::team_board(&cx.ports, &actor).await?;
        Ok(TeamOverview {
            groups: groups
                .into_iter()
                .map(|(g, r)| GroupRoutingRow {
                    group: g.id,
                    name: g.name,
                    strategy: r.strategy,
                    match_language: r.match_language,
                    match_skills: r.match_skills,
                    prefer_previous_agent: r.prefer_previous_agent,
                    restricted: restricted.contains(&g.id),
                })
                .collect(),
            agents: board
                .into_iter()
                .map(|m| TeamAgentRow {
                    agent: m.agent.id,
                    name: m.agent.name,
                    presence: m.effective,
                    open_tickets: m.open_tickets,
                    capacity: m.status.capacity,
                    ru: m.status.languages.contains(&Lang::Ru),
                    en: m.status.languages.contains(&Lang::En),
                    skills: m.status.skills.into_iter().collect::<Vec<_>>().join(", "),
                })
                .collect(),
        })
    })
    .await
}

/// Saves a group's routing and, when given, whether it is restricted (managers).
#[server]
pub async fn save_group_routing(
    group: GroupId,
    strategy: String,
    match_language: bool,
    match_skills: bool,
    prefer_previous_agent: bool,
    #[server(default)] restricted: Option<bool>,
) -> Result<(), AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let routing = lossless::team::GroupRouting {
            group,
            strategy: parse_strategy(&strategy)?,
            match_language,
            match_skills,
            prefer_previous_agent,
        };
        lossless::services::team::save_group_routing(&cx.ports, &actor, routing).await?;
        if let Some(restricted) = restricted {
            lossless::services::visibility::set_group_restricted(
                &cx.ports, &actor, group, restricted,
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Saves an agent's capacity, languages and skills (managers).
#[server]
pub async fn save_agent_profile(
    agent: AgentId,
    capacity: String,
    ru: bool,
    en: bool,
    skills: String,
) -> Result<(), AppError> {
    use lossless::services::team::AgentProfileInput;
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let input = AgentProfileInput {
            agent,
            capacity: parse_capacity(&capacity)?,
            languages: languages(ru, en),
            skills,
        };
        lossless::services::team::save_agent_profile(&cx.ports, &actor, input).await?;
        Ok(())
    })
    .await
}

/// The profile of a ticket's customer.
#[server]
pub async fn contact_profile(ticket_id: TicketId) -> Result<ContactProfileView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let p =
            lossless::services::team::ticket_contact_profile(&cx.ports, &actor, ticket_id).await?;
        Ok(p.into())
    })
    .await
}

/// Saves the profile of a ticket's customer; returns it as stored (trimmed).
#[server]
pub async fn save_contact_profile(
    ticket_id: TicketId,
    organisation: String,
    vip: bool,
    region: String,
) -> Result<ContactProfileView, AppError> {
    use lossless::services::team::ContactProfileInput;
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        let input = ContactProfileInput {
            organisation,
            vip,
            region,
        };
        let p = lossless::services::team::set_ticket_contact_profile(
            &cx.ports, &actor, ticket_id, &input,
        )
        .await?;
        Ok(p.into())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_parse_at_the_edge() {
        assert_eq!(parse_presence("away").unwrap(), Presence::Away);
        assert_eq!(
            parse_presence("busy").unwrap_err().field_code("presence"),
            Some("invalid")
        );
        assert_eq!(
            parse_strategy("least_loaded").unwrap(),
            AssignStrategy::LeastLoaded
        );
        assert!(parse_strategy("random").is_err());
        assert_eq!(parse_capacity(" 12 ").unwrap(), 12);
        assert_eq!(
            parse_capacity("twelve").unwrap_err().field_code("capacity"),
            Some("invalid")
        );
        assert_eq!(
            languages(true, false).into_iter().collect::<Vec<_>>(),
            vec![Lang::Ru]
        );
        assert!(languages(false, false).is_empty());
    }

    #[test]
    fn empty_profile_names_show_as_empty_fields() {
        let v: ContactProfileView = lossless::contact::ContactProfile {
            organisation: None,
            vip: true,
            region: Some("EU".into()),
        }
        .into();
        assert_eq!(
            v,
            ContactProfileView {
                organisation: String::new(),
                vip: true,
                region: "EU".into()
            }
        );
    }
}
