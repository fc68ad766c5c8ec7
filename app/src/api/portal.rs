//! The customer portal: a ticket by its portal token, and the customer's reply. No session:
//! the unguessable token is the key, and any bad token reads as `NotFound` (reveals nothing).

#[cfg(feature = "ssr")]
use super::with_status;
use crate::dto::PortalTicket;
use crate::error::AppError;
use leptos::prelude::*;

/// The customer's view of the ticket the token opens.
#[server]
pub async fn get_portal_ticket(token: String) -> Result<PortalTicket, AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = lossless::ids::PortalToken::parse(&token).map_err(|_| AppError::NotFound)?;
        Ok(lossless::services::portal_ticket(&cx.ports, &token)
            .await?
            .into())
    })
    .await
}

/// The customer's reply; reopens a pending or resolved ticket. Closed tickets refuse it.
#[server]
pub async fn portal_reply(token: String, body: String) -> Result<(), AppError> {
    with_status(async {
        let cx = crate::ssr::app_context()?;
        let token = lossless::ids::PortalToken::parse(&token).map_err(|_| AppError::NotFound)?;
        lossless::services::portal_reply(&cx.ports, &token, &body).await?;
        Ok(())
    })
    .await
}
