//! IMAP intake: one pass over a mailbox's INBOX ([`fetch_once`]) with async-imap.
//!
//! A pass: connect, LOGIN, SELECT INBOX, read UIDVALIDITY; fetch every mail above the
//! stored cursor (`UID FETCH <last_uid+1>:* (UID BODY.PEEK[])`, so fetching never sets
//! `\Seen` by itself); for each mail, in UID order: hash, parse, and hand it to
//! [`services::ingest_email`], which stores it (or its dead letter) in one transaction; only
//! after that commit mark it `\Seen` on the server; LOGOUT.
//!
//! Invariants:
//! - Nothing is acknowledged at the source before it is committed here; a crash between the
//!   commit and `\Seen` only costs a duplicate fetch, which the store's dedupe absorbs.
//! - When the server's UIDVALIDITY differs from the stored one, the UIDs we knew mean
//!   nothing any more ([RFC 3501 §2.3.1.1](https://www.rfc-editor.org/rfc/rfc3501#section-2.3.1.1)):
//!   the pass re-scans from UID 1 and the store's sha-256 dedupe keeps it from duplicating.
//! - `n:*` always returns the highest message even when `n` is above it (RFC 3501 §6.4.8),
//!   so UIDs at or below the cursor are skipped here.
//! - A mail that does not parse becomes a dead-letter receipt with the reason; it never
//!   stops the pass. A storage failure stops it (nothing after it is marked `\Seen`, and
//!   the next pass retries from the cursor).
//! - Every pass records its end and its error (or none) on the mailbox (`last_fetch_at`,
//!   `last_error`), so a failing mailbox is visible to operators.
//! - The transport is what the account says ([`ImapSecurity`]): implicit TLS, STARTTLS
//!   (refused with [`ImapError::StartTlsRefused`] rather than continuing in the clear), or
//!   plain TCP, which the configuration allows only towards the loopback interface.
//!   The mails of one pass are held in memory together (fine for a poll interval's worth).

use crate::email::parse::parse;
use futures_util::StreamExt as _;
use lossless::email::{EmailSettings, IngestOutcome, MailboxState};
use lossless::error::DomainError;
use lossless::ids::EmailAddress;
use lossless::services::{self, FetchedEmail, Ports};
use sha2::{Digest as _, Sha256};

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    /// Plain TCP (only for a server on this machine).
    Plain,
    /// Implicit TLS from the first byte (IMAPS, usually port 993).
    Tls,
    /// Plain greeting, then `STARTTLS` ([RFC 3501 §6.2.1](https://www.rfc-editor.org/rfc/rfc3501#section-6.2.1)).
    StartTls,
}

impl ImapSecurity {
    /// `plain`, `tls` or `starttls` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "plain" => Some(Self::Plain),
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            _ => None,
        }
    }
}

/// One mailbox to poll.
#[derive(Clone)]
pub struct ImapAccount {
    /// Our name for the mailbox (its row in `mailboxes`).
    pub name: String,
    /// The address mail to it is sent to.
    pub address: EmailAddress,
    /// IMAP server host.
    pub host: String,
    /// IMAP server port.
    pub port: u16,
    /// Transport security.
    pub security: ImapSecurity,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Installation facts for threading and classification.
    pub settings: EmailSettings,
}

impl std::fmt::Debug for ImapAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapAccount")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"…")
            .finish_non_exhaustive()
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// The server's UIDVALIDITY.
    pub uidvalidity: i64,
    /// `true` when UIDVALIDITY changed and the pass started again from UID 1.
    pub rescanned: bool,
    /// Mails fetched (above the cursor).
    pub fetched: usize,
    /// Of those: tickets created.
    pub created: usize,
    /// Appended to tickets.
    pub appended: usize,
    /// Kept without a ticket (loops, bounces, no sender).
    pub ignored: usize,
    /// Unparseable, kept as dead letters.
    pub dead_letters: usize,
    /// Already ingested before (nothing new written).
    pub duplicates: usize,
}

/// Why a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The host is not a valid TLS server name.
    #[error("{0:?} is not a valid TLS server name")]
    ServerName(String),
    /// The TLS configuration could not be built.
    #[error("tls: {0}")]
    Tls(#[from] tokio_rustls::rustls::Error),
    /// The server did not accept STARTTLS (we never continue in the clear).
    #[error("the IMAP server refused STARTTLS")]
    StartTlsRefused,
    /// Connecting failed.
    #[error("connect: {0}")]
    Connect(#[from] std::io::Error),
    /// The server said no or broke the protocol.
    #[error("imap: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// The server closed the connection before its greeting.
    #[error("no greeting from the IMAP server")]
    NoGreeting,
    /// SELECT did not report UIDVALIDITY.
    #[error("the server reported no UIDVALIDITY")]
    NoUidValidity,
    /// Storing failed (the pass stopped; nothing after it was marked seen).
    #[error("store: {0}")]
    Store(#[from] DomainError),
}

/// Polls `cfg`'s INBOX once (see the module doc).
pub async fn fetch_once(ports: &Ports, cfg: &ImapAccount) -> Result<FetchReport, ImapError> {
    let mailbox = ports
        .store
        .ensure_mailbox(&cfg.name, &cfg.address)
        .await
        .map_err(DomainError::from)?;
    let result = pass(ports, cfg, &mailbox).await;
    let error = result.as_ref().err().map(ToString::to_string);
    let now = ports.clock.now();
    if let Err(e) = ports
        .store
        .mailbox_polled(mailbox.id, error.as_deref(), now)
        .await
    {
        tracing::warn!(mailbox = %cfg.name, error = %e, "could not record the IMAP pass");
    }
    result
}

/// The pass itself: connects as `cfg.security` says, then [`session_pass`].
async fn pass(
    ports: &Ports,
    cfg: &ImapAccount,
    mailbox: &MailboxState,
) -> Result<FetchReport, ImapError> {
    let tcp = tokio::net::TcpStream::connect((cfg.host.as_str(), cfg.port)).await?;
    match cfg.security {
        ImapSecurity::Plain => {
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await?.ok_or(ImapError::NoGreeting)?;
            session_pass(ports, cfg, mailbox, client).await
        }
        ImapSecurity::Tls => {
            let mut client = async_imap::Client::new(tls(&cfg.host, tcp).await?);
            client.read_response().await?.ok_or(ImapError::NoGreeting)?;
            session_pass(ports, cfg, mailbox, client).await
        }
        ImapSecurity::StartTls => {
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await?.ok_or(ImapError::NoGreeting)?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|_| ImapError::StartTlsRefused)?;
            // Anything the server sent after its OK is dropped with the plain stream
            // (RFC 3501 §6.2.1: no plaintext may be trusted across the handshake).
            let tcp = client.into_inner();
            let client = async_imap::Client::new(tls(&cfg.host, tcp).await?);
            session_pass(ports, cfg, mailbox, client).await
        }
    }
}

/// A TLS client connection to `host` over `tcp`, verified against the webpki roots.
async fn tls(
    host: &str,
    tcp: tokio::net::TcpStream,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, ImapError> {
    use tokio_rustls::rustls;
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| ImapError::ServerName(host.to_owned()))?;
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    Ok(connector.connect(name, tcp).await?)
}

/// LOGIN to LOGOUT on a connected client (see the module doc).
async fn session_pass<S>(
    ports: &Ports,
    cfg: &ImapAccount,
    mailbox: &MailboxState,
    client: async_imap::Client<S>,
) -> Result<FetchReport, ImapError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut session = client
        .login(&cfg.username, &cfg.password)
        .await
        .map_err(|(e, _)| e)?;
    let selected = session.select("INBOX").await?;
    let uidvalidity = i64::from(selected.uid_validity.ok_or(ImapError::NoUidValidity)?);
    let rescanned = mailbox.uidvalidity.is_some_and(|v| v != uidvalidity);
    let after = if mailbox.uidvalidity == Some(uidvalidity) {
        mailbox.last_uid
    } else {
        0
    };
    let mut report = FetchReport {
        uidvalidity,
        rescanned,
        ..FetchReport::default()
    };

    let mut mails: Vec<(i64, Vec<u8>)> = Vec::new();
    {
        let mut stream = session
            .uid_fetch(format!("{}:*", after + 1), "(UID BODY.PEEK[])")
            .await?;
        while let Some(f) = stream.next().await {
            let f = f?;
            let Some(uid) = f.uid.map(i64::from) else {
                continue;
            };
            if uid <= after {
                continue;
            }
            mails.push((uid, f.body().map(<[u8]>::to_vec).unwrap_or_default()));
        }
    }
    mails.sort_by_key(|(uid, _)| *uid);

    for (uid, raw) in mails {
        report.fetched += 1;
        let parsed = if raw.is_empty() {
            Err("the server returned no body for this UID".to_owned())
        } else {
            parse(&raw).map_err(|e| e.to_string())
        };
        let fetched = FetchedEmail {
            mailbox: mailbox.id,
            uidvalidity,
            uid,
            raw_sha256: hex::encode(Sha256::digest(&raw)),
            raw,
        };
        let token = crate::http::new_portal_token();
        let done = services::ingest_email(ports, &cfg.settings, fetched, parsed, token).await?;
        if done.duplicate {
            report.duplicates += 1;
        } else {
            match done.outcome {
                IngestOutcome::Created => report.created += 1,
                IngestOutcome::Appended => report.appended += 1,
                IngestOutcome::Ignored => report.ignored += 1,
                IngestOutcome::DeadLetter => report.dead_letters += 1,
                IngestOutcome::Duplicate => report.duplicates += 1,
            }
        }
        // Committed: only now tell the server we have it.
        let mut flags = session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .await?;
        while let Some(r) = flags.next().await {
            r?;
        }
    }
    session.logout().await?;
    Ok(report)
}
