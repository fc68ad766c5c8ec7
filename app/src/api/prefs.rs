//! The signed-in agent's display preferences (issue 6, point 10): time zone (the language
//! is saved by [`super::auth::set_lang`], which the switcher and the settings form post to).
//! Each call authenticates and calls one `lossless::services::prefs` function.
//!
//! Invariants: an agent reads and changes only their own preferences (the session names
//! them); zones cross the wire as IANA names (text), so the browser never links the tz
//! database; an unknown zone is a 422 with field `time_zone`.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use lossless::ids::Lang;
use serde::{Deserialize, Serialize};

/// An agent's stored display preferences (`None`: not chosen yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayPrefsView {
    /// UI language.
    pub lang: Option<Lang>,
    /// IANA time zone of every date and time they see.
    pub time_zone: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<lossless::display::DisplayPrefs> for DisplayPrefsView {
    fn from(p: lossless::display::DisplayPrefs) -> Self {
        Self {
            lang: p.lang,
            time_zone: p.time_zone.map(|z| z.as_str().to_owned()),
        }
    }
}

/// The signed-in agent's display preferences.
#[server]
pub async fn my_display_prefs() -> Result<DisplayPrefsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(
            lossless::services::prefs::my_display_prefs(&cx.ports, &actor)
                .await?
                .into(),
        )
    })
    .await
}

/// Stores the signed-in agent's time zone (`/agent/settings`); returns what is stored.
#[server]
pub async fn save_time_zone(zone: String) -> Result<DisplayPrefsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(
            lossless::services::prefs::save_my_time_zone(&cx.ports, &actor, &zone, false)
                .await?
                .into(),
        )
    })
    .await
}

/// Stores the browser's time zone unless the agent has one already (their first visit);
/// returns what is stored.
#[server]
pub async fn adopt_time_zone(zone: String) -> Result<DisplayPrefsView, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(
            lossless::services::prefs::save_my_time_zone(&cx.ports, &actor, &zone, true)
                .await?
                .into(),
        )
    })
    .await
}
