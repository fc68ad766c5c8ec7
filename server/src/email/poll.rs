//! The mailbox poller: one task per mailbox ([`run`], started by the
//! [supervisor](crate::email::supervisor) for every enabled mailbox in the database) that
//! runs an IMAP pass ([`fetch_once`](crate::email::imap::fetch_once)) at start and then
//! every `poll_seconds` (or sooner: IDLE, below), until stopped.
//!
//! Invariants:
//! - Before each pass the task takes (or renews) the mailbox's lease in the store
//!   ([`Store::lease_mailbox`](lossless::ports::Store::lease_mailbox)); a node that does not
//!   hold it skips the pass, so on a shared PostgreSQL exactly one node fetches a mailbox at
//!   a time and the holder keeps it while it lives. A node that dies loses the lease after
//!   its time-to-live ([`lease_ttl`]) and another node takes over. Should a pass ever outlast
//!   the lease, the store's dedupe still keeps every mail to one receipt.
//! - A failing pass never ends the task: the error is recorded on the mailbox (by the pass)
//!   and logged, and the next tick tries again.
//! - When the server offers IDLE ([RFC 2177](https://www.rfc-editor.org/rfc/rfc2177)), the
//!   task keeps the session after a pass and waits there for new mail
//!   ([`fetch_and_idle`]), at most `poll_seconds` (and never over 29 minutes), so mail
//!   becomes a ticket within seconds however long the interval; the next pass follows at
//!   once, renewing the lease first (the wait is shorter than the lease). Without IDLE, or
//!   after an IDLE error, it polls every `poll_seconds` as before. A stop ends the wait.
//! - Time for leases comes from the [`Clock`](lossless::ports::Clock) port; the task only
//!   sleeps on tokio's timer between passes.
//! - The email secret is shared by all nodes: configured, or generated once and stored
//!   (`settings` table, first writer wins) — see [`email_settings`].

use crate::config::Config;
use crate::email::imap::{IdleEnd, ImapAccount, fetch_and_idle};
use lossless::email::EmailSettings;
use lossless::ports::StoreError;
use lossless::services::Ports;
use std::time::Duration;
use tokio::sync::watch;

/// The `settings` key of the generated email secret.
pub const EMAIL_SECRET_KEY: &str = "email_secret";

/// The installation's email facts: the configured secret or the one stored for all nodes
/// (generated on first use), our Message-ID domain and our mailbox addresses.
pub async fn email_settings(ports: &Ports, cfg: &Config) -> Result<EmailSettings, StoreError> {
    let secret = match &cfg.email_secret {
        Some(s) => s.0.clone(),
        None => {
            ports
                .store
                .setting_or_init(EMAIL_SECRET_KEY, &crate::random_hex(32))
                .await?
        }
    };
    Ok(EmailSettings {
        secret: secret.into_bytes(),
        message_id_domain: cfg.email_domain.clone(),
        our_addresses: cfg.mailboxes.iter().map(|m| m.address.clone()).collect(),
        attachment_max_bytes: cfg.attachment_max_bytes,
        ..EmailSettings::default()
    })
}

/// How long a lease taken before a pass lasts: two intervals plus a minute for the pass.
pub fn lease_ttl(poll_seconds: u64) -> chrono::Duration {
    // Capped at a year so the arithmetic cannot overflow.
    let secs = i64::try_from(poll_seconds)
        .unwrap_or(i64::MAX)
        .min(365 * 86_400);
    chrono::Duration::seconds(2 * secs + 60)
}

/// One mailbox's loop: a pass now, then one every `poll_seconds`, until stopped. Started
/// (and restarted, and stopped) by the mailbox [supervisor](crate::email::supervisor).
pub async fn run(
    ports: Ports,
    account: ImapAccount,
    node: String,
    poll_seconds: u64,
    mut stop: watch::Receiver<bool>,
) {
    let interval = Duration::from_secs(poll_seconds.max(1));
    let stopped = |stop: &watch::Receiver<bool>| *stop.borrow() || stop.has_changed().is_err();
    loop {
        if stopped(&stop) {
            return;
        }
        // After a pass that waited in IDLE the next pass runs at once: the wait ended on new
        // mail or after (at most) the interval. Otherwise sleep the interval.
        let waited = poll_once(&ports, &account, &node, poll_seconds, &mut stop).await;
        if stopped(&stop) {
            return;
        }
        if !waited {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Takes the lease and, if this node holds it, runs one pass and waits in IDLE when the
/// server offers it ([`fetch_and_idle`], at most `poll_seconds`); logs what happened.
/// `true` when it waited in IDLE (or was stopped there).
async fn poll_once(
    ports: &Ports,
    account: &ImapAccount,
    node: &str,
    poll_seconds: u64,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mailbox = match ports
        .store
        .ensure_mailbox(&account.name, &account.address)
        .await
    {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(mailbox = %account.name, error = %e, "mailbox unavailable");
            return false;
        }
    };
    let now = ports.clock.now();
    match ports
        .store
        .lease_mailbox(mailbox.id, node, now, lease_ttl(poll_seconds))
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(mailbox = %account.name, "another node holds the mailbox lease");
            return false;
        }
        Err(e) => {
            tracing::warn!(mailbox = %account.name, error = %e, "could not take the mailbox lease");
            return false;
        }
    }
    let wait = Duration::from_secs(poll_seconds.max(1));
    let (result, end) = fetch_and_idle(ports, account, wait, stop).await;
    match result {
        Ok(r) if r.fetched > 0 => tracing::info!(
            mailbox = %account.name,
            fetched = r.fetched,
            created = r.created,
            appended = r.appended,
            ignored = r.ignored,
            dead_letters = r.dead_letters,
            duplicates = r.duplicates,
            "mailbox polled"
        ),
        Ok(_) => tracing::debug!(mailbox = %account.name, "mailbox polled: nothing new"),
        // Already recorded on the mailbox (`last_error`) by the pass.
        Err(e) => tracing::warn!(mailbox = %account.name, error = %e, "mailbox pass failed"),
    }
    match end {
        IdleEnd::NewMail | IdleEnd::Timeout | IdleEnd::Stopped => {
            tracing::debug!(mailbox = %account.name, ?end, "IDLE ended");
            true
        }
        IdleEnd::NotIdled(why) => {
            tracing::debug!(mailbox = %account.name, %why, "polling on the interval");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_outlive_two_intervals() {
        assert_eq!(lease_ttl(30), chrono::Duration::seconds(120));
        assert!(lease_ttl(u64::MAX) > chrono::Duration::days(1));
    }
}
