//! IMAP intake: one pass over a mailbox's INBOX ([`fetch_once`]) with async-imap.
//!
//! A pass: connect, LOGIN, SELECT INBOX, read UIDVALIDITY; flag `\Seen` what lies at or
//! below the stored cursor but is still unseen (committed by a process that died before
//! flagging it); `UID SEARCH` the UIDs above the cursor and fetch them in batches of
//! [`FETCH_BATCH`] (`UID FETCH <set> (UID BODY.PEEK[])`, so fetching never sets `\Seen` by
//! itself); for each mail, in UID order: hash, parse, and hand it to
//! [`services::ingest_email`], which stores it (or its dead letter) in one transaction; after
//! every [`SEEN_BATCH`] commits (and at the end) mark the committed ones `\Seen` in one
//! command; LOGOUT.
//!
//! Invariants:
//! - Nothing is acknowledged at the source before it is committed here. The cursor moves in
//!   the same transaction as the mail, so a crash between the commit and `\Seen` leaves a
//!   committed mail unseen below the cursor; the next pass's catch-up flags it (a mail a
//!   person marks unread again after we took it is flagged again, too: `\Seen` means "in
//!   Lossless"). Should a mail ever be fetched twice, the store's dedupe absorbs it.
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
//! - The transport is what the account says ([`TransportSecurity`]): implicit TLS, STARTTLS
//!   (refused with [`ImapError::StartTlsRefused`] rather than continuing in the clear), or
//!   plain TCP, which the configuration allows only towards the loopback interface. TLS
//!   verifies the server's certificate and name against the account's [`TlsTrust`] (the
//!   webpki roots plus the configured `tls_ca_file`).
//! - At most [`FETCH_BATCH`] mails are held in memory at a time, however large the backlog.
//! - [`fetch_and_idle`] (the poller's pass) keeps the session after the pass when the
//!   server's CAPABILITY lists `IDLE` and waits there ([RFC 2177](https://www.rfc-editor.org/rfc/rfc2177))
//!   for `EXISTS`, the stop signal or its time limit (≤ [`IDLE_MAX`]), then logs out; the pass
//!   is recorded on the mailbox before the wait. Any IDLE trouble ends the wait as
//!   [`IdleEnd::NotIdled`] and the caller polls on its interval instead.

use crate::email::parse::parse_with_attachments;
use crate::email::tls::{self, TlsError, TlsTrust};
use futures_util::StreamExt as _;
use lossless::email::admin::TransportSecurity;
use lossless::email::{EmailSettings, IngestOutcome, MailContent, MailboxState};
use lossless::error::DomainError;
use lossless::ids::EmailAddress;
use lossless::services::{self, FetchedEmail, Ports};
use sha2::{Digest as _, Sha256};
use std::time::Duration;

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
    pub security: TransportSecurity,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Installation facts for threading and classification.
    pub settings: EmailSettings,
    /// The roots the server's certificate is verified against (TLS and STARTTLS).
    pub tls: TlsTrust,
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
            .field("tls", &self.tls)
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
    /// TLS failed: a bad server name, or the handshake (an untrusted certificate, a name
    /// the certificate does not carry …).
    #[error("{0}")]
    Tls(#[from] TlsError),
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
    let (result, session) = recorded_pass(ports, cfg).await;
    if let Some(session) = session {
        logout(cfg, session).await;
    }
    result
}

/// What ended the wait after a pass ([`fetch_and_idle`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleEnd {
    /// The server reported new mail (`EXISTS`): run the next pass now.
    NewMail,
    /// The wait reached its limit: run the next pass now (it doubles as the interval poll).
    Timeout,
    /// The stop signal changed.
    Stopped,
    /// No wait happened: the pass failed, or the server does not offer IDLE, or IDLE failed
    /// (the text says which). The caller falls back to interval polling.
    NotIdled(String),
}

/// The longest one IDLE may last: clients should re-issue it at least every 29 minutes
/// ([RFC 2177 §3](https://www.rfc-editor.org/rfc/rfc2177#section-3)).
pub const IDLE_MAX: Duration = Duration::from_secs(29 * 60);

/// One pass (as [`fetch_once`]), then, when the server's CAPABILITY lists `IDLE`, keeps the
/// session and waits in IDLE ([RFC 2177](https://www.rfc-editor.org/rfc/rfc2177)) until the
/// server reports new mail (`EXISTS`), `stop` changes, or `max_wait` (at most [`IDLE_MAX`])
/// has passed; then logs out. The pass is recorded on the mailbox before the wait begins.
/// Other untagged data during the wait (expunges, flag changes by other clients) does not end
/// it. An `EXISTS` the server sent during the pass (mail that arrived meanwhile) ends it at
/// once, so nothing waits for the next interval.
pub async fn fetch_and_idle(
    ports: &Ports,
    cfg: &ImapAccount,
    max_wait: Duration,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> (Result<FetchReport, ImapError>, IdleEnd) {
    let (result, session) = recorded_pass(ports, cfg).await;
    let Some(session) = session else {
        return (result, IdleEnd::NotIdled("the pass failed".to_owned()));
    };
    let (end, session) = idle(session, max_wait.min(IDLE_MAX), stop).await;
    if let Some(session) = session {
        logout(cfg, session).await;
    }
    (result, end)
}

/// A session on any transport (plain TCP or TLS).
type AnySession = async_imap::Session<Box<dyn ImapIo>>;

/// What an IMAP connection runs over (plain TCP or TLS), boxed so one session type serves
/// every [`TransportSecurity`].
pub trait ImapIo:
    tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send
{
}
impl<T> ImapIo for T where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send
{
}

/// Ensures the mailbox row, runs the pass and records it on the mailbox (time and error);
/// returns the still logged-in session after a successful pass.
async fn recorded_pass(
    ports: &Ports,
    cfg: &ImapAccount,
) -> (Result<FetchReport, ImapError>, Option<AnySession>) {
    let mailbox = match ports.store.ensure_mailbox(&cfg.name, &cfg.address).await {
        Ok(m) => m,
        Err(e) => return (Err(DomainError::from(e).into()), None),
    };
    let (result, session) = match pass(ports, cfg, &mailbox).await {
        Ok((report, session)) => (Ok(report), Some(session)),
        Err(e) => (Err(e), None),
    };
    let error = result.as_ref().err().map(ToString::to_string);
    let now = ports.clock.now();
    if let Err(e) = ports
        .store
        .mailbox_polled(mailbox.id, error.as_deref(), now)
        .await
    {
        tracing::warn!(mailbox = %cfg.name, error = %e, "could not record the IMAP pass");
    }
    (result, session)
}

/// LOGOUT, best effort (the pass is committed and recorded already).
async fn logout(cfg: &ImapAccount, mut session: AnySession) {
    match tokio::time::timeout(Duration::from_secs(10), session.logout()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(mailbox = %cfg.name, error = %e, "IMAP logout failed"),
        Err(_) => tracing::debug!(mailbox = %cfg.name, "IMAP logout timed out"),
    }
}

/// Waits in IDLE on a selected `session` (see [`fetch_and_idle`]); returns the session when
/// it is still usable.
async fn idle(
    mut session: AnySession,
    max_wait: Duration,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> (IdleEnd, Option<AnySession>) {
    use async_imap::extensions::idle::IdleResponse;
    use async_imap::imap_proto::{MailboxDatum, Response};
    use async_imap::types::UnsolicitedResponse;
    match session.capabilities().await {
        Ok(c) if c.has_str("IDLE") => {}
        Ok(_) => {
            return (
                IdleEnd::NotIdled("the server does not offer IDLE".to_owned()),
                Some(session),
            );
        }
        Err(e) => return (IdleEnd::NotIdled(format!("capability: {e}")), None),
    }
    // Mail that arrived during the pass was announced in between its commands.
    let grew = |s: &AnySession| {
        let mut grew = false;
        while let Ok(r) = s.unsolicited_responses.try_recv() {
            grew |= matches!(r, UnsolicitedResponse::Exists(_));
        }
        grew
    };
    if grew(&session) {
        return (IdleEnd::NewMail, Some(session));
    }
    let unsolicited = session.unsolicited_responses.clone();
    let deadline = tokio::time::Instant::now() + max_wait;
    let mut handle = session.idle();
    if let Err(e) = handle.init().await {
        return (IdleEnd::NotIdled(format!("idle: {e}")), None);
    }
    // An EXISTS that came while IDLE was being started.
    let mut end = None;
    while let Ok(r) = unsolicited.try_recv() {
        if matches!(r, UnsolicitedResponse::Exists(_)) {
            end = Some(IdleEnd::NewMail);
        }
    }
    let end = match end {
        Some(end) => end,
        None => loop {
            let (wait, _interrupt) = handle.wait_with_timeout(max_wait);
            let got = tokio::select! {
                got = tokio::time::timeout_at(deadline, wait) => got,
                _ = stop.changed() => break IdleEnd::Stopped,
            };
            match got {
                Err(_) | Ok(Ok(IdleResponse::Timeout)) => break IdleEnd::Timeout,
                // We hold the interrupt, so only the server can have ended the stream: fall
                // back to the interval rather than reconnecting at once.
                Ok(Ok(IdleResponse::ManualInterrupt)) => {
                    return (
                        IdleEnd::NotIdled("the server ended the IDLE connection".to_owned()),
                        None,
                    );
                }
                Ok(Ok(IdleResponse::NewData(data))) => {
                    if matches!(
                        data.parsed(),
                        Response::MailboxData(MailboxDatum::Exists(_))
                    ) {
                        break IdleEnd::NewMail;
                    }
                }
                Ok(Err(e)) => return (IdleEnd::NotIdled(format!("idle: {e}")), None),
            }
        },
    };
    match tokio::time::timeout(Duration::from_secs(10), handle.done()).await {
        Ok(Ok(session)) => (end, Some(session)),
        _ => (end, None),
    }
}

/// Connects as `cfg.security` says and reads the greeting (STARTTLS upgraded already).
async fn connect(cfg: &ImapAccount) -> Result<async_imap::Client<Box<dyn ImapIo>>, ImapError> {
    let tcp = tokio::net::TcpStream::connect((cfg.host.as_str(), cfg.port)).await?;
    let io: Box<dyn ImapIo> = match cfg.security {
        TransportSecurity::Plain => Box::new(tcp),
        TransportSecurity::Tls => Box::new(tls::connect(&cfg.tls, &cfg.host, tcp).await?),
        TransportSecurity::StartTls => {
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await?.ok_or(ImapError::NoGreeting)?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|_| ImapError::StartTlsRefused)?;
            // Anything the server sent after its OK is dropped with the plain stream
            // (RFC 3501 §6.2.1: no plaintext may be trusted across the handshake), and the
            // server sends no second greeting.
            let tcp = client.into_inner();
            let io: Box<dyn ImapIo> = Box::new(tls::connect(&cfg.tls, &cfg.host, tcp).await?);
            return Ok(async_imap::Client::new(io));
        }
    };
    let mut client = async_imap::Client::new(io);
    client.read_response().await?.ok_or(ImapError::NoGreeting)?;
    Ok(client)
}

/// The pass itself: [`connect`], then [`session_pass`]; the session stays logged in.
async fn pass(
    ports: &Ports,
    cfg: &ImapAccount,
    mailbox: &MailboxState,
) -> Result<(FetchReport, AnySession), ImapError> {
    let client = connect(cfg).await?;
    session_pass(ports, cfg, mailbox, client).await
}

/// LOGIN, then the pass on a connected client (see the module doc); returns the session
/// still logged in (the caller logs out, or waits in IDLE first).
async fn session_pass<S>(
    ports: &Ports,
    cfg: &ImapAccount,
    mailbox: &MailboxState,
    client: async_imap::Client<S>,
) -> Result<(FetchReport, async_imap::Session<S>), ImapError>
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

    // Mails at or below the cursor are committed; one may still lack `\Seen` when the
    // process died between a commit and its flag: flag those now (one SEARCH per pass).
    if after > 0 {
        let unseen = session.uid_search(format!("UID 1:{after} UNSEEN")).await?;
        let mut unseen: Vec<u32> = unseen
            .into_iter()
            .filter(|u| i64::from(*u) <= after)
            .collect();
        unseen.sort_unstable();
        mark_seen(&mut session, &unseen).await?;
    }

    // The UIDs above the cursor, fetched in batches so a large backlog stays bounded in
    // memory; `\Seen` is set per `SEEN_BATCH` commits, always after them.
    let found = session.uid_search(format!("UID {}:*", after + 1)).await?;
    let mut uids: Vec<u32> = found
        .into_iter()
        .filter(|u| i64::from(*u) > after)
        .collect();
    uids.sort_unstable();
    let mut committed: Vec<u32> = Vec::new();
    for chunk in uids.chunks(FETCH_BATCH) {
        let mut mails: Vec<(i64, Vec<u8>)> = Vec::with_capacity(chunk.len());
        {
            let mut stream = session
                .uid_fetch(uid_set(chunk), "(UID BODY.PEEK[])")
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
            let (parsed, content) = if raw.is_empty() {
                (
                    Err("the server returned no body for this UID".to_owned()),
                    MailContent::default(),
                )
            } else {
                match parse_with_attachments(&raw) {
                    Ok(p) => {
                        let (mail, content) = crate::email::html::content_of(p);
                        (Ok(mail), content)
                    }
                    Err(e) => (Err(e.to_string()), MailContent::default()),
                }
            };
            let fetched = FetchedEmail {
                mailbox: mailbox.id,
                uidvalidity,
                uid,
                raw_sha256: hex::encode(Sha256::digest(&raw)),
                raw,
            };
            let token = crate::http::new_portal_token();
            let done = match services::ingest_email(
                ports,
                &cfg.settings,
                fetched,
                parsed,
                content,
                token,
            )
            .await
            {
                Ok(done) => done,
                Err(e) => {
                    // What was committed before the failure is still ours: flag it.
                    if let Err(flag) = mark_seen(&mut session, &committed).await {
                        tracing::warn!(mailbox = %cfg.name, error = %flag, "could not flag committed mails");
                    }
                    return Err(e.into());
                }
            };
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
            // Committed: only now may the server learn we have it.
            if let Ok(uid) = u32::try_from(uid) {
                committed.push(uid);
            }
            if committed.len() >= SEEN_BATCH {
                mark_seen(&mut session, &committed).await?;
                committed.clear();
            }
        }
    }
    mark_seen(&mut session, &committed).await?;
    Ok((report, session))
}

/// Mails fetched per `UID FETCH` (bounds the memory of a pass over a large backlog).
const FETCH_BATCH: usize = 500;

/// Commits per `UID STORE +FLAGS.SILENT (\Seen)`: one round trip per batch instead of per
/// mail; a crash before the STORE is healed by the next pass's catch-up.
const SEEN_BATCH: usize = 100;

/// Sets `\Seen` on `uids` (sorted) in one command; nothing when empty.
async fn mark_seen<S>(session: &mut async_imap::Session<S>, uids: &[u32]) -> Result<(), ImapError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    if uids.is_empty() {
        return Ok(());
    }
    let mut flags = session
        .uid_store(uid_set(uids), "+FLAGS.SILENT (\\Seen)")
        .await?;
    while let Some(r) = flags.next().await {
        r?;
    }
    Ok(())
}

/// A compact IMAP sequence set of sorted UIDs (`1:5,7,9:10`).
pub fn uid_set(uids: &[u32]) -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for &u in uids {
        match ranges.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(u) => *last = u,
            _ => ranges.push((u, u)),
        }
    }
    ranges
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}:{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod uid_set_tests {
    use super::uid_set;

    #[test]
    fn runs_collapse_into_ranges() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), "4294967294:4294967295");
    }
}
