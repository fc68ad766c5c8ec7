//! The signed-in agent's email alert preferences (issue 6): which in-app alerts also come by
//! email. Each call authenticates and calls one `lossless::services::alerts` function.
//!
//! Invariant: an agent reads and changes only their own preferences (the session names
//! them; no agent id is taken from the browser).

#[cfg(feature = "ssr")]
use super::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use lossless::notification::EmailPrefs;

/// The signed-in agent's email preferences.
#[server]
pub async fn my_email_prefs() -> Result<EmailPrefs, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::alerts::my_email_prefs(&cx.ports, &actor).await?)
    })
    .await
}

/// Stores the signed-in agent's email preferences; returns what was stored.
#[server]
pub async fn save_email_prefs(prefs: EmailPrefs) -> Result<EmailPrefs, AppError> {
    with_status(async {
        let (cx, _, actor) = crate::ssr::require_agent().await?;
        Ok(lossless::services::alerts::save_my_email_prefs(&cx.ports, &actor, prefs).await?)
    })
    .await
}
