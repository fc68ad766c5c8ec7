//! Mailbox administration for managers (`/manage/channels`): the overview with health and
//! dead letters, saving a mailbox, "test this mailbox", replaying a dead letter. Each call
//! authenticates a manager or admin, parses the form at the edge ([`MailboxForm::to_settings`])
//! and calls the server's channel adapter (`AppContext::channels`).
//!
//! Invariants:
//! - Agents without the manager or admin role get `Forbidden` (403), signed-out callers
//!   `Unauthenticated` (401); bad input is `Invalid` with field codes (422), an unknown
//!   mailbox or dead letter `NotFound` (404). A configuration-file mailbox is refused as
//!   `Invalid([("_", "read_only")])`, which the UI explains.
//! - Passwords only come in (in [`MailboxForm`]); nothing returned here carries one.
//! - Storage and adapter failures reach the browser only as `Internal(ref)`.

#[cfg(feature = "ssr")]
use super::with_status;
use crate::dto::{ChannelsScreen, MailboxForm, ProbeResult};
use crate::error::AppError;
use leptos::prelude::*;
use lossless::email::IngestOutcome;

/// Everything the channel screen shows: mailboxes with health, and the dead letters.
#[server]
pub async fn list_channels() -> Result<ChannelsScreen, AppError> {
    use crate::dto::DEAD_LETTER_LIMIT;
    with_status(async {
        let (cx, ..) = crate::ssr::require_manager().await?;
        let mailboxes = cx.channels.overview().await.map_err(from_channel)?;
        let dead = cx
            .channels
            .dead_letters(DEAD_LETTER_LIMIT)
            .await
            .map_err(from_channel)?;
        Ok(ChannelsScreen::new(mailboxes, dead, cx.ports.clock.now()))
    })
    .await
}

/// Saves a new mailbox (`is_new`) or a UI mailbox's new settings (by name). Empty passwords
/// keep the stored ones. Returns the name saved.
#[server]
pub async fn save_mailbox(form: MailboxForm, is_new: bool) -> Result<String, AppError> {
    with_status(async {
        let (cx, me, _) = crate::ssr::require_manager().await?;
        let settings = form.to_settings(is_new).map_err(invalid)?;
        let name = settings.name.clone();
        cx.channels
            .save(Some(me.id), settings, is_new)
            .await
            .map_err(from_channel)?;
        Ok(name)
    })
    .await
}

/// "Test this mailbox" with the form as it is now (before saving); an empty password uses
/// the stored one of the mailbox with that name.
#[server]
pub async fn probe_mailbox(form: MailboxForm) -> Result<ProbeResult, AppError> {
    with_status(async {
        let (cx, ..) = crate::ssr::require_manager().await?;
        let settings = form.to_settings(false).map_err(invalid)?;
        let report = cx.channels.probe(settings).await.map_err(from_channel)?;
        Ok(report.into())
    })
    .await
}

/// Takes a dead letter in again with today's parser; returns what became of it.
#[server]
pub async fn replay_dead_letter(receipt: i64) -> Result<IngestOutcome, AppError> {
    with_status(async {
        let (cx, ..) = crate::ssr::require_manager().await?;
        cx.channels.replay(receipt).await.map_err(from_channel)
    })
    .await
}

#[cfg(feature = "ssr")]
fn invalid(e: lossless::error::FieldErrors) -> AppError {
    AppError::Invalid(e.0.into_iter().map(|f| (f.field, f.code)).collect())
}

/// Maps the channel adapter's refusal to the wire error (causes stay in the log).
#[cfg(feature = "ssr")]
pub fn from_channel(e: lossless::email::admin::ChannelError) -> AppError {
    use lossless::email::admin::ChannelError as C;
    match e {
        C::Invalid(fs) => invalid(fs),
        C::NotFound => AppError::NotFound,
        C::ReadOnly => AppError::invalid("_", "read_only"),
        C::Storage(cause) => crate::error::internal(&cause),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use lossless::email::admin::ChannelError;
    use lossless::error::FieldErrors;

    #[test]
    fn channel_errors_map_to_codes() {
        let mut f = FieldErrors::default();
        f.push("name", "taken");
        assert_eq!(
            from_channel(ChannelError::Invalid(f)).field_code("name"),
            Some("taken")
        );
        assert_eq!(from_channel(ChannelError::NotFound), AppError::NotFound);
        assert_eq!(
            from_channel(ChannelError::ReadOnly).field_code("_"),
            Some("read_only")
        );
        let e = from_channel(ChannelError::Storage("secret table".into()));
        assert!(matches!(&e, AppError::Internal(r) if !r.contains("secret")));
    }
}
