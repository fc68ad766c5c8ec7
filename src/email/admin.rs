//! Managing mailboxes (issue 3, points 1 and 2): the shapes the managers' channel screen
//! (`/manage/channels`) and the server's channel adapter exchange — a mailbox's settings
//! ([`MailboxSettings`], validated by [`validate`]), where it came from ([`MailboxSource`]),
//! how it is doing ([`MailboxHealth`]), the mails it could not read ([`DeadLetter`]) and
//! the result of "test this mailbox" ([`ProbeReport`]).
//!
//! Invariants:
//! - Passwords travel only inward: [`MailboxSettings`] carries them for saving and probing
//!   (`None` keeps the stored one); nothing here that goes to a screen
//!   ([`MailboxOverview`]) carries a password, and `Debug` hides them.
//! - A mailbox from the configuration file ([`MailboxSource::Config`]) is shown but not
//!   edited in the UI: the file stays the source of truth for it.
//! - Plain (unencrypted) IMAP or SMTP is only accepted towards the loopback interface.
//! - Nothing here does I/O; the server implements [`ChannelAdmin`].

use crate::email::ingest::{IngestOutcome, MailboxId};
use crate::email::thread::ClosedTicketPolicy;
use crate::error::FieldErrors;
use crate::ids::EmailAddress;
use crate::ports::BoxFuture;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a connection to a mail server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportSecurity {
    /// Implicit TLS from the first byte (IMAPS 993, SMTPS 465).
    #[default]
    Tls,
    /// Plain greeting, then a required `STARTTLS` (IMAP 143, submission 587).
    StartTls,
    /// No encryption (only for a server on this machine).
    Plain,
}

impl TransportSecurity {
    /// Stable text for storage and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::StartTls => "starttls",
            Self::Plain => "plain",
        }
    }
    /// From storage or a form (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "plain" => Some(Self::Plain),
            _ => None,
        }
    }
}

/// A mail server endpoint (IMAP or SMTP), without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub security: TransportSecurity,
    /// Login name.
    pub user: String,
}

/// A mailbox's settings as saved from the UI or read from the configuration file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxSettings {
    /// Our name for it (lowercase letters, digits, `-`; 1–40 characters). Unique.
    pub name: String,
    /// The address customers write to.
    pub address: EmailAddress,
    /// Where mail is fetched.
    pub imap: Endpoint,
    /// The IMAP password; `None` keeps the stored one (required for a new mailbox).
    pub imap_password: Option<String>,
    /// Where replies are sent (`None`: this mailbox sends nothing).
    pub smtp: Option<Endpoint>,
    /// The SMTP password; `None` keeps the stored one.
    pub smtp_password: Option<String>,
    /// Seconds between passes when the server offers no IDLE (1–3600).
    pub poll_seconds: u32,
    /// What a reply to a closed ticket does.
    pub closed_policy: ClosedTicketPolicy,
    /// Whether the mailbox is fetched at all.
    pub enabled: bool,
}

impl std::fmt::Debug for MailboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxSettings")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("imap", &self.imap)
            .field("imap_password", &self.imap_password.as_ref().map(|_| "…"))
            .field("smtp", &self.smtp)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "…"))
            .field("poll_seconds", &self.poll_seconds)
            .field("closed_policy", &self.closed_policy)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// Where a mailbox's settings live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailboxSource {
    /// The configuration file or environment (read-only in the UI).
    Config,
    /// Created in `/manage/channels`.
    Ui,
}

impl MailboxSource {
    /// Stable text for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Ui => "ui",
        }
    }
    /// From storage.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "config" => Some(Self::Config),
            "ui" => Some(Self::Ui),
            _ => None,
        }
    }
}

/// How a mailbox is doing, for managers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailboxHealth {
    /// When the last pass ended (successful or not).
    pub last_fetch_at: Option<DateTime<Utc>>,
    /// When the last successful pass ended.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last pass failed; `None` after a successful one.
    pub last_error: Option<String>,
    /// Seconds since the last successful pass (`None`: never succeeded).
    pub lag_seconds: Option<i64>,
    /// Mails taken in during the last 24 hours.
    pub received_24h: i64,
    /// Dead letters not yet replayed successfully.
    pub dead_letters: i64,
    /// Replies from this mailbox still waiting to be accepted by its SMTP server.
    pub outbound_pending: i64,
    /// Replies from this mailbox that failed for good (bounced or refused).
    pub outbound_failed: i64,
    /// The node fetching it now (its lease), if any.
    pub fetched_by: Option<String>,
}

/// A mailbox on the managers' screen (never with passwords).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxOverview {
    /// Id.
    pub id: MailboxId,
    /// Name.
    pub name: String,
    /// Address.
    pub address: EmailAddress,
    /// IMAP endpoint.
    pub imap: Endpoint,
    /// SMTP endpoint.
    pub smtp: Option<Endpoint>,
    /// Seconds between passes.
    pub poll_seconds: u32,
    /// What a reply to a closed ticket does.
    pub closed_policy: ClosedTicketPolicy,
    /// Fetched at all?
    pub enabled: bool,
    /// Where its settings live.
    pub source: MailboxSource,
    /// How it is doing.
    pub health: MailboxHealth,
}

/// A mail that could not be read, kept with its raw bytes for a manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The receipt id.
    pub receipt: i64,
    /// The mailbox it came from.
    pub mailbox: String,
    /// When it was fetched.
    pub received_at: DateTime<Utc>,
    /// The raw size in bytes.
    pub size: i64,
    /// Why it could not be read.
    pub error: String,
    /// `From` and `Subject` as far as they could be read from the raw header (may be empty).
    pub from: String,
    /// See `from`.
    pub subject: String,
    /// When a replay last ran, and what became of the mail then.
    pub replayed: Option<(DateTime<Utc>, IngestOutcome)>,
}

/// One step of "test this mailbox".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStepKind {
    /// TCP (and TLS) connection to the IMAP server.
    ImapConnect,
    /// IMAP LOGIN.
    ImapLogin,
    /// IMAP LIST of the folders (the detail names them).
    ImapFolders,
    /// Sending a probe mail to the mailbox's own address over its SMTP server.
    SmtpSend,
}

/// The outcome of one probe step: `ok`, and a readable detail (the folders, or the error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStep {
    /// Which step.
    pub kind: ProbeStepKind,
    /// Did it work?
    pub ok: bool,
    /// What it found, or why it failed, in words a manager can act on.
    pub detail: String,
}

/// The result of "test this mailbox": the steps in order; it stops at the first failure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The steps run.
    pub steps: Vec<ProbeStep>,
}

impl ProbeReport {
    /// Every step passed (and there was at least one).
    pub fn ok(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.ok)
    }
}

/// Why a channel operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ChannelError {
    /// The input is invalid (field → code, as in [`FieldErrors`]).
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// No such mailbox or dead letter.
    #[error("not found")]
    NotFound,
    /// The mailbox comes from the configuration file and cannot be edited here.
    #[error("read-only")]
    ReadOnly,
    /// Storage failed; for logs only.
    #[error("storage: {0}")]
    Storage(String),
}

/// Checks settings before they are saved or probed: `name` (`required`, `invalid`),
/// `imap_host`/`smtp_host` (`required`, `insecure` for plain towards another machine),
/// `imap_user` (`required`), `imap_port`/`smtp_port` (`invalid` for 0), `poll_seconds`
/// (`invalid` outside 1–3600), `imap_password` (`required` when `is_new`).
pub fn validate(s: &MailboxSettings, is_new: bool) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name_ok = !s.name.is_empty()
        && s.name.len() <= 40
        && s.name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if s.name.is_empty() {
        errors.push("name", "required");
    } else if !name_ok {
        errors.push("name", "invalid");
    }
    check_endpoint(&s.imap, "imap", &mut errors);
    if is_new && s.imap_password.as_deref().is_none_or(str::is_empty) {
        errors.push("imap_password", "required");
    }
    if let Some(smtp) = &s.smtp {
        check_endpoint(smtp, "smtp", &mut errors);
    }
    if !(1..=3600).contains(&s.poll_seconds) {
        errors.push("poll_seconds", "invalid");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_endpoint(e: &Endpoint, prefix: &str, errors: &mut FieldErrors) {
    let host = e.host.trim();
    if host.is_empty() {
        errors.push(&format!("{prefix}_host"), "required");
    } else if host.contains(char::is_whitespace) || host.contains('/') {
        errors.push(&format!("{prefix}_host"), "invalid");
    } else if e.security == TransportSecurity::Plain && !is_loopback(host) {
        errors.push(&format!("{prefix}_host"), "insecure");
    }
    if e.port == 0 {
        errors.push(&format!("{prefix}_port"), "invalid");
    }
    if prefix == "imap" && e.user.trim().is_empty() {
        errors.push("imap_user", "required");
    }
}

/// `localhost`, `127.x.x.x` or `::1`.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What the managers' channel screen needs from the server: the things that take I/O the
/// core cannot do (mail servers, the parser). Listing and saving go through the
/// [`Store`](crate::ports::Store).
pub trait ChannelAdmin: Send + Sync {
    /// Runs "test this mailbox": connect and log in to IMAP, list the folders, send a probe
    /// mail to the mailbox's own address over its SMTP server (skipped without SMTP). A
    /// `None` password uses the stored one of the mailbox with that name.
    fn probe(&self, settings: MailboxSettings) -> BoxFuture<'_, Result<ProbeReport, ChannelError>>;
    /// Parses a dead letter's stored raw bytes again (with today's parser) and takes the
    /// mail in as if it had just arrived; records the replay on the receipt. Returns what
    /// became of it (`DeadLetter` again when it still does not parse).
    fn replay(&self, receipt: i64) -> BoxFuture<'_, Result<IngestOutcome, ChannelError>>;
    /// Saves a mailbox from the UI (validated; `ReadOnly` for a configuration-file mailbox)
    /// and makes the running node pick it up (start, restart or stop its fetching). The
    /// change is audited (see [`crate::audit`]) as done by `actor` (`None`: the system).
    fn save(
        &self,
        actor: Option<crate::ids::AgentId>,
        settings: MailboxSettings,
        is_new: bool,
    ) -> BoxFuture<'_, Result<MailboxId, ChannelError>>;
    /// Every mailbox with its health, by name.
    fn overview(&self) -> BoxFuture<'_, Result<Vec<MailboxOverview>, ChannelError>>;
    /// Dead letters, newest first.
    fn dead_letters(&self, limit: i64) -> BoxFuture<'_, Result<Vec<DeadLetter>, ChannelError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MailboxSettings {
        MailboxSettings {
            name: "support".into(),
            address: EmailAddress::parse("support@lossless.test").unwrap(),
            imap: Endpoint {
                host: "127.0.0.1".into(),
                port: 1143,
                security: TransportSecurity::Plain,
                user: "support@lossless.test".into(),
            },
            imap_password: Some("pw".into()),
            smtp: None,
            smtp_password: None,
            poll_seconds: 30,
            closed_policy: ClosedTicketPolicy::default(),
            enabled: true,
        }
    }

    fn codes(r: Result<(), FieldErrors>) -> Vec<(String, String)> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn accepts_plain_towards_loopback_only() {
        assert!(validate(&settings(), true).is_ok());
        let mut s = settings();
        s.imap.host = "mail.example.com".into();
        assert_eq!(
            codes(validate(&s, true)),
            [("imap_host".into(), "insecure".into())]
        );
        s.imap.security = TransportSecurity::Tls;
        assert!(validate(&s, true).is_ok());
    }

    #[test]
    fn names_each_bad_field() {
        let mut s = settings();
        s.name = "Support Desk".into();
        s.imap.port = 0;
        s.imap.user = " ".into();
        s.imap_password = None;
        s.poll_seconds = 0;
        s.smtp = Some(Endpoint {
            host: String::new(),
            port: 25,
            security: TransportSecurity::StartTls,
            user: String::new(),
        });
        assert_eq!(
            codes(validate(&s, true)),
            [
                ("name".into(), "invalid".into()),
                ("imap_port".into(), "invalid".into()),
                ("imap_user".into(), "required".into()),
                ("imap_password".into(), "required".into()),
                ("smtp_host".into(), "required".into()),
                ("poll_seconds".into(), "invalid".into()),
            ]
        );
        // An existing mailbox keeps its stored password.
        let mut s = settings();
        s.imap_password = None;
        assert!(validate(&s, false).is_ok());
    }

    #[test]
    fn security_round_trips_and_debug_hides_passwords() {
        for t in [
            TransportSecurity::Tls,
            TransportSecurity::StartTls,
            TransportSecurity::Plain,
        ] {
            assert_eq!(TransportSecurity::parse(t.as_str()), Some(t));
        }
        assert!(!format!("{:?}", settings()).contains("pw\""));
        assert!(is_loopback("[::1]") && is_loopback("LOCALHOST") && !is_loopback("10.0.0.1"));
    }
}
