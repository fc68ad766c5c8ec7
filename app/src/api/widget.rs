//! Widget sites (issue 7) for managers and admins (`/manage/widget`): the list with each
//! site's embed snippet, saving a site (create or edit), switching it on or off. Each call
//! authenticates a manager and calls one `lossless::services::widget` function.
//!
//! Invariants:
//! - Sites cross the wire as the editor's form ([`SiteInput`], see [`site_input`]), so the
//!   form shown for a stored site saves back to the same settings:
//!   `check_site(&site_input(s)) == Ok(s)` for every checked `s`.
//! - Refusals keep their codes: bad input is `Invalid` (422) with the fields of
//!   [`lossless::widget::check_site`] (`name`, `colour`, `allowed_origins`, `bot.<i>.key`, …),
//!   other agents get `Forbidden` (403), an unknown site `NotFound` (404); storage failures
//!   reach the browser only as `Internal(ref)`.
//! - The snippet is built on the server from the configured `public_url` ([`embed_snippet`]).

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use lossless::ids::SiteId;
use lossless::widget::{BotAsk, BotStepInput, SiteInput, SiteSettings};
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

/// One site as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRow {
    /// Id.
    pub id: SiteId,
    /// The public key (`data-site`).
    pub key: String,
    /// Whether the widget answers on the site.
    pub active: bool,
    /// The settings as the editor shows them.
    pub form: SiteInput,
    /// The embed snippet.
    pub snippet: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// The loader tag a site's pages embed.
pub fn embed_snippet(public_url: &str, key: &str) -> String {
    format!(
        r#"<script src="{}/widget.js" data-site="{key}" async></script>"#,
        public_url.trim_end_matches('/')
    )
}

/// The stable text of a bot step's question kind (as [`SiteInput`] takes it).
pub fn ask_code(a: BotAsk) -> &'static str {
    match a {
        BotAsk::Text => "text",
        BotAsk::OrderNumber => "order_number",
        BotAsk::Screenshot => "screenshot",
    }
}

/// The editor's form for stored settings (see the module invariants).
pub fn site_input(s: &SiteSettings) -> SiteInput {
    SiteInput {
        name: s.name.clone(),
        colour: s.colour.as_str().to_owned(),
        greeting_ru: s.greeting.ru.clone(),
        greeting_en: s.greeting.en.clone(),
        languages: s.languages.iter().map(|l| l.code().to_owned()).collect(),
        calendar: s.calendar.map(|c| c.0),
        allowed_origins: s
            .allowed_origins
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        group: s.group.map(|g| g.0),
        chat: s.chat,
        callback: s.callback,
        bot: s
            .bot
            .steps
            .iter()
            .map(|b| BotStepInput {
                key: b.key.clone(),
                ask: ask_code(b.ask).to_owned(),
                prompt_ru: b.prompt.ru.clone(),
                prompt_en: b.prompt.en.clone(),
                required: b.required,
            })
            .collect(),
        notices: s.notices,
    }
}

/// The form of a new site: chat and callback on, Russian first, the standard bot
/// questions, all notices on.
pub fn new_site_input() -> SiteInput {
    let mut input = site_input(&SiteSettings {
        name: String::new(),
        colour: Default::default(),
        greeting: Default::default(),
        languages: vec![lossless::ids::Lang::Ru, lossless::ids::Lang::En],
        calendar: None,
        allowed_origins: Vec::new(),
        group: None,
        chat: true,
        callback: true,
        bot: lossless::widget::BotFlow::standard(),
        notices: Default::default(),
    });
    input.allowed_origins = String::new();
    input
}

#[cfg(feature = "ssr")]
fn row(s: lossless::services::widget::Site, public_url: &str) -> SiteRow {
    SiteRow {
        id: s.id,
        snippet: embed_snippet(public_url, s.key.as_str()),
        key: s.key.to_string(),
        active: s.active,
        form: site_input(&s.settings),
        created_at: s.created_at,
    }
}

/// Every site.
#[server]
pub async fn list_widget_sites() -> Result<Vec<SiteRow>, AppError> {
    super::with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let sites = lossless::services::widget::list_sites(&cx.ports, &actor).await?;
        Ok(sites.into_iter().map(|s| row(s, &cx.public_url)).collect())
    })
    .await
}

/// Saves a new site (`id` none) or changes one; returns it as stored.
#[server(input = Json)]
pub async fn save_widget_site(id: Option<SiteId>, input: SiteInput) -> Result<SiteRow, AppError> {
    super::with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        let s = lossless::services::widget::save_site(&cx.ports, &actor, id, &input).await?;
        Ok(row(s, &cx.public_url))
    })
    .await
}

/// Switches a site on or off.
#[server]
pub async fn set_widget_site_active(id: SiteId, active: bool) -> Result<(), AppError> {
    super::with_status(async {
        let (cx, _, actor) = crate::ssr::require_manager().await?;
        Ok(lossless::services::widget::set_site_active(&cx.ports, &actor, id, active).await?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless::widget::check_site;

    #[test]
    fn the_form_of_stored_settings_saves_back_to_them() {
        let mut input = new_site_input();
        input.name = "Shop".into();
        input.allowed_origins = "https://shop.example, http://localhost:8080/".into();
        input.calendar = Some(3);
        input.group = Some(2);
        input.greeting_ru = "Здравствуйте!".into();
        input.notices.reminder = false;
        let settings = check_site(&input).unwrap();
        let again = site_input(&settings);
        assert_eq!(
            again.allowed_origins,
            "https://shop.example\nhttp://localhost:8080"
        );
        assert_eq!(again.colour, "#2563eb");
        assert_eq!(check_site(&again).unwrap(), settings);
        assert_eq!(again.bot.len(), 3);
        assert_eq!(again.bot[1].ask, "order_number");
    }

    #[test]
    fn a_new_site_form_is_refused_until_named_and_placed() {
        let errs = check_site(&new_site_input()).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"name"), "{fields:?}");
        assert!(fields.contains(&"allowed_origins"), "{fields:?}");
    }

    #[test]
    fn the_snippet_loads_the_widget_for_the_key() {
        assert_eq!(
            embed_snippet("https://help.example/", "abc123"),
            r#"<script src="https://help.example/widget.js" data-site="abc123" async></script>"#
        );
    }
}
