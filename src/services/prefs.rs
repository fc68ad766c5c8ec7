//! The signed-in agent's display preferences (issue 6, point 10): UI language and time zone.
//!
//! Invariants:
//! - an agent reads and changes only their own preferences (the actor names them);
//! - a time zone is stored only as a [`TimeZoneName`] (unknown names are `Invalid` with field
//!   `time_zone`, nothing stored);
//! - defaults never overwrite a choice: the language of the first sign-in and the browser's
//!   zone of the first visit are stored only while the field is still unset
//!   ([`adopt_defaults`]);
//! - a stored language is also the agent's language for alerts (the store writes both).

use super::Ports;
use crate::actor::{Actor, Permission};
use crate::display::{DisplayPrefs, TimeZoneName};
use crate::error::DomainError;
use crate::ids::{AgentId, Lang};

fn me(actor: &Actor) -> Result<AgentId, DomainError> {
    actor.require(Permission::ViewQueue)?;
    actor.agent_id().ok_or(DomainError::Forbidden)
}

/// The acting agent's display preferences.
pub async fn my_display_prefs(p: &Ports, actor: &Actor) -> Result<DisplayPrefs, DomainError> {
    Ok(p.store.display_prefs(me(actor)?).await?)
}

/// Stores the acting agent's UI language; returns the stored preferences.
pub async fn save_my_lang(
    p: &Ports,
    actor: &Actor,
    lang: Lang,
) -> Result<DisplayPrefs, DomainError> {
    let prefs = DisplayPrefs {
        lang: Some(lang),
        time_zone: None,
    };
    Ok(p.store.save_display_prefs(me(actor)?, prefs, false).await?)
}

/// Stores the acting agent's time zone (an IANA name); `Invalid` (`time_zone`) for a name
/// the tz database does not know. With `only_unset` (the browser's zone on a first visit) a
/// zone already chosen stays. Returns the stored preferences.
pub async fn save_my_time_zone(
    p: &Ports,
    actor: &Actor,
    zone: &str,
    only_unset: bool,
) -> Result<DisplayPrefs, DomainError> {
    let agent = me(actor)?;
    let prefs = DisplayPrefs {
        lang: None,
        time_zone: Some(TimeZoneName::parse(zone)?),
    };
    Ok(p.store.save_display_prefs(agent, prefs, only_unset).await?)
}

/// At sign-in: stores `current` (the language the agent signed in with: cookie, else
/// browser) unless they chose one before; returns the stored preferences, whose language
/// then wins over cookie and browser.
pub async fn adopt_defaults(
    p: &Ports,
    agent: AgentId,
    current: Lang,
) -> Result<DisplayPrefs, DomainError> {
    let prefs = DisplayPrefs {
        lang: Some(current),
        time_zone: None,
    };
    Ok(p.store.save_display_prefs(agent, prefs, true).await?)
}
