//! Agent sign-in / sign-out, the current agent, and the UI language cookie.

use crate::dto::Me;
use crate::error::AppError;
use leptos::prelude::*;

/// Signs an agent in: checks the password, starts a session (cookie), redirects to `/agent`.
/// Unknown email, wrong password and an invited or deactivated account give the same
/// `Unauthenticated` (HTTP 401, code `unauthenticated`).
#[server]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    super::with_status(async {
        use crate::ssr::{app_context, check_credentials, start_session};
        let cx = app_context()?;
        let agent = check_credentials(&cx.ports, &email, &password).await?;
        start_session(&cx, &agent).await?;
        crate::display::adopt_lang_at_sign_in(&cx, &agent).await;
        leptos_axum::redirect("/agent");
        Ok(())
    })
    .await
}

/// Ends the session, deletes the cookie, redirects to the sign-in page.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::{app_context, end_session};
    let cx = app_context()?;
    end_session(&cx).await?;
    leptos_axum::redirect("/agent/login");
    Ok(())
}

/// The signed-in agent, or `None`.
#[server]
pub async fn current_agent() -> Result<Option<Me>, AppError> {
    use crate::ssr::{agent_from_headers, app_context, request_headers};
    let cx = app_context()?;
    let headers = request_headers().await?;
    Ok(agent_from_headers(&cx.ports, &headers).await.map(|a| Me {
        id: a.id,
        name: a.name,
        email: a.email.to_string(),
        role: a.role,
    }))
}

/// Stores the UI language (`ru` or `en`) in the `lang` cookie and, for a signed-in agent, as
/// their saved language (which wins over the cookie on any browser). Posted by a plain form,
/// so the browser follows the redirect back to the page it came from and renders it in the
/// new language.
#[server]
pub async fn set_lang(lang: String) -> Result<(), AppError> {
    use crate::ssr::{app_context, lang_cookie, set_cookie};
    let lang = match lang.as_str() {
        "ru" => lossless::ids::Lang::Ru,
        "en" => lossless::ids::Lang::En,
        _ => return Err(AppError::invalid("lang", "invalid")),
    };
    crate::display::save_signed_in_lang(lang).await?;
    set_cookie(&lang_cookie(lang, app_context()?.secure_cookies));
    // Back to the page the form was on (its path only: never another site).
    let headers = crate::ssr::request_headers().await?;
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| {
            u.path_and_query()
                .map(|pq| pq.as_str().trim_end_matches('?').to_owned())
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    leptos_axum::redirect(&back);
    Ok(())
}
