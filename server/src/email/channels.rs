//! The server's [`ChannelAdmin`]: mailbox administration for `/manage/channels` — overview
//! with health, saving UI mailboxes, "test this mailbox", dead letters and their replay.
//!
//! Invariants:
//! - Passwords are stored as given (the mail servers need them to log in) in the
//!   `mailboxes` table and never leave the server: the overview carries none, and a save or
//!   probe without one uses the stored one.
//! - A mailbox from the configuration file is never changed here ([`ChannelError::ReadOnly`]).
//! - A save takes effect on this node at once (the [supervisor](super::supervisor) is woken)
//!   and on the other nodes within [`super::supervisor::REFRESH`].
//! - The probe stops at the first failing step and says why in words a manager can act on
//!   (the host and port it could not reach, the login that was refused, the TLS failure:
//!   an untrusted certificate, a name it does not carry). It trusts what the node's mail
//!   tasks trust (the webpki roots plus `tls_ca_file`), so a passing probe means the poller
//!   and the mailers can connect too.
//!   Its mail goes from the mailbox's address to itself with `Auto-Submitted:
//!   auto-generated`, so our intake files it as our own mail looping back (ignored).
//! - A replay parses the stored raw bytes with today's parser and takes the mail in through
//!   the store's one-transaction ingest, updating the dead-letter receipt
//!   (`IngestEmail::replay_of`), so however often it is replayed the mail is placed at most
//!   once.

use crate::email::parse::parse_with_attachments;
use crate::email::smtp::{SmtpMailer, probe_message, tls_failure};
use crate::email::supervisor::{MailboxSupervisor, settings_for, smtp_account};
use crate::email::tls::{self, TlsTrust};
use futures_util::StreamExt as _;
use lossless::email::admin::{
    ChannelAdmin, ChannelError, DeadLetter, Endpoint, MailboxOverview, MailboxSettings,
    MailboxSource, ProbeReport, ProbeStep, ProbeStepKind, TransportSecurity, validate,
};
use lossless::email::{IngestEmail, IngestOutcome, MailContent, MailboxId, OurIdentity, classify};
use lossless::error::FieldErrors;
use lossless::ids::AgentId;
use lossless::live::LiveEvent;
use lossless::ports::{BoxFuture, StoreError, StoredMailbox};
use lossless::services::Ports;
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How long each network step of the probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// Mailbox administration on this node.
#[derive(Clone)]
pub struct Channels {
    ports: Ports,
    supervisor: Arc<MailboxSupervisor>,
}

fn storage(e: StoreError) -> ChannelError {
    ChannelError::Storage(e.to_string())
}

fn invalid(field: &str, code: &str) -> ChannelError {
    let mut f = FieldErrors::default();
    f.push(field, code);
    ChannelError::Invalid(f)
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("supervisor", &self.supervisor)
            .finish_non_exhaustive()
    }
}

impl Channels {
    /// Administration through `ports`, waking `supervisor` after a save.
    pub fn new(ports: Ports, supervisor: Arc<MailboxSupervisor>) -> Self {
        Self { ports, supervisor }
    }

    /// The supervisor of this node's mailbox tasks.
    pub fn supervisor(&self) -> &Arc<MailboxSupervisor> {
        &self.supervisor
    }

    async fn stored(&self) -> Result<Vec<StoredMailbox>, ChannelError> {
        self.ports.store.mailbox_settings().await.map_err(storage)
    }

    async fn save_inner(
        &self,
        actor: Option<AgentId>,
        mut s: MailboxSettings,
        is_new: bool,
    ) -> Result<MailboxId, ChannelError> {
        s.name = s.name.trim().to_owned();
        validate(&s, is_new).map_err(ChannelError::Invalid)?;
        let overview = self
            .ports
            .store
            .mailbox_overview(self.ports.clock.now())
            .await
            .map_err(storage)?;
        match overview.iter().find(|m| m.name == s.name) {
            Some(m) if m.source == MailboxSource::Config => return Err(ChannelError::ReadOnly),
            Some(_) if is_new => return Err(invalid("name", "taken")),
            None if !is_new => return Err(ChannelError::NotFound),
            _ => {}
        }
        // Like the configuration file: the SMTP login defaults to the IMAP password.
        if is_new && s.smtp.is_some() && s.smtp_password.is_none() {
            s.smtp_password.clone_from(&s.imap_password);
        }
        // The audit entry compares with the stored settings (passwords only by equality;
        // the entry names a replaced password, never its value).
        let stored = if is_new {
            None
        } else {
            self.stored()
                .await?
                .into_iter()
                .find(|m| m.settings.name == s.name)
        };
        let audit = lossless::audit::mailbox_entry(
            lossless::ports::to_micros(self.ports.clock.now()),
            actor,
            &s,
            stored.as_ref().map(|m| (m.id.0, &m.settings)),
        );
        let id = match self
            .ports
            .store
            .save_mailbox_audited(s, MailboxSource::Ui, is_new, audit)
            .await
        {
            Ok(id) => id,
            Err(StoreError::Duplicate(_)) => return Err(invalid("name", "taken")),
            Err(StoreError::NotFound) => return Err(ChannelError::NotFound),
            Err(e) => return Err(storage(e)),
        };
        self.supervisor.wake();
        Ok(id)
    }

    async fn probe_inner(&self, mut s: MailboxSettings) -> Result<ProbeReport, ChannelError> {
        s.name = s.name.trim().to_owned();
        let stored = self.stored().await?;
        let existing = stored.iter().find(|m| m.settings.name == s.name);
        if s.imap_password.is_none() {
            s.imap_password = existing.and_then(|m| m.settings.imap_password.clone());
        }
        if s.smtp_password.is_none() {
            s.smtp_password = existing
                .and_then(|m| m.settings.smtp_password.clone())
                .filter(|p| !p.is_empty())
                .or_else(|| s.imap_password.clone());
        }
        validate(&s, true).map_err(ChannelError::Invalid)?;
        let mut report = ProbeReport::default();
        let trust = self.supervisor.tls();
        if !probe_imap(&s, trust, &mut report).await {
            return Ok(report);
        }
        if let Some(smtp) = &s.smtp {
            report.steps.push(probe_smtp(&s, smtp, trust).await);
        }
        Ok(report)
    }

    async fn replay_inner(&self, receipt: i64) -> Result<IngestOutcome, ChannelError> {
        let src = self
            .ports
            .store
            .dead_letter_source(receipt)
            .await
            .map_err(storage)?
            .ok_or(ChannelError::NotFound)?;
        let all = self.stored().await?;
        let base = self.supervisor.base_settings();
        let settings = match all.iter().find(|m| m.id == src.mailbox) {
            Some(m) => settings_for(base, &all, m),
            None => base.clone(),
        };
        let ours = OurIdentity {
            addresses: settings.our_addresses.clone(),
            message_id_domain: settings.message_id_domain.clone(),
        };
        // As the poller does: the parsed mail, its attachments' bytes and sanitized HTML.
        let (parsed, content) = if src.raw.is_empty() {
            (
                Err("the server returned no body for this UID".to_owned()),
                MailContent::default(),
            )
        } else {
            match parse_with_attachments(&src.raw) {
                Ok(p) => {
                    let (mail, content) = crate::email::html::content_of(p);
                    (Ok(mail), content)
                }
                Err(e) => (Err(e.to_string()), MailContent::default()),
            }
        };
        let parsed = parsed.map(|mail| {
            let class = classify(&mail, &ours);
            (mail, class)
        });
        let token = crate::http::new_portal_token();
        for _ in 0..8 {
            let i = IngestEmail {
                mailbox: src.mailbox,
                uidvalidity: src.uidvalidity,
                uid: src.uid,
                raw_sha256: hex::encode(Sha256::digest(&src.raw)),
                raw: src.raw.clone(),
                parsed: parsed.clone(),
                settings: settings.clone(),
                prefix: self.ports.prefix.clone(),
                token: token.clone(),
                now: self.ports.clock.now(),
                replay_of: Some(src.receipt),
                content: content.clone(),
            };
            match self.ports.store.ingest_email(i).await {
                Ok(done) => {
                    if let (false, Some(t)) = (done.duplicate, done.ticket)
                        && let Ok(Some(ticket)) = self.ports.store.ticket(t).await
                    {
                        self.ports.live.publish(LiveEvent::for_ticket(&ticket));
                    }
                    tracing::info!(
                        receipt,
                        outcome = done.outcome.as_str(),
                        "dead letter replayed"
                    );
                    return Ok(done.outcome);
                }
                // The target ticket changed meanwhile: nothing was written, try again.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(ChannelError::NotFound),
                Err(e) => return Err(storage(e)),
            }
        }
        Err(ChannelError::Storage(
            "the ticket kept changing during the replay".to_owned(),
        ))
    }
}

impl ChannelAdmin for Channels {
    fn probe(&self, s: MailboxSettings) -> BoxFuture<'_, Result<ProbeReport, ChannelError>> {
        Box::pin(self.probe_inner(s))
    }

    fn replay(&self, receipt: i64) -> BoxFuture<'_, Result<IngestOutcome, ChannelError>> {
        Box::pin(self.replay_inner(receipt))
    }

    fn save(
        &self,
        actor: Option<AgentId>,
        s: MailboxSettings,
        is_new: bool,
    ) -> BoxFuture<'_, Result<MailboxId, ChannelError>> {
        Box::pin(self.save_inner(actor, s, is_new))
    }

    fn overview(&self) -> BoxFuture<'_, Result<Vec<MailboxOverview>, ChannelError>> {
        Box::pin(async move {
            self.ports
                .store
                .mailbox_overview(self.ports.clock.now())
                .await
                .map_err(storage)
        })
    }

    fn dead_letters(&self, limit: i64) -> BoxFuture<'_, Result<Vec<DeadLetter>, ChannelError>> {
        Box::pin(async move {
            self.ports
                .store
                .dead_letters(limit.clamp(1, 1000))
                .await
                .map_err(storage)
        })
    }
}

// ---- the probe ------------------------------------------------------------------

fn step(kind: ProbeStepKind, result: Result<String, String>) -> ProbeStep {
    match result {
        Ok(detail) => ProbeStep {
            kind,
            ok: true,
            detail,
        },
        Err(detail) => ProbeStep {
            kind,
            ok: false,
            detail,
        },
    }
}

/// "could not connect to host:port: connection refused" and the like.
fn connect_error(host: &str, port: u16, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let why = match e.kind() {
        K::ConnectionRefused => {
            "connection refused (is the port right, and the server running?)".to_owned()
        }
        K::TimedOut => "no answer (a firewall, or the wrong host?)".to_owned(),
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => {
            "the server closed the connection".to_owned()
        }
        _ => {
            let text = e.to_string();
            if text.contains("failed to lookup") || text.contains("Name or service not known") {
                "the host name does not resolve".to_owned()
            } else {
                text
            }
        }
    };
    format!("could not connect to {host}:{port}: {why}")
}

/// A TLS client connection to `host` over `tcp`, verified against `trust`; the failure in
/// words.
async fn tls(
    trust: &TlsTrust,
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    tls::connect(trust, host, tcp)
        .await
        .map_err(|e| e.to_string())
}

/// Runs `f` with the probe's time limit; a timeout is `what` "took longer than …".
async fn timed<T>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(PROBE_TIMEOUT, f)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{what} took longer than {} s",
                PROBE_TIMEOUT.as_secs()
            ))
        })
}

/// Connect (with the chosen security, TLS verified against `trust`), LOGIN and LIST; pushes
/// the steps; `true` when all passed.
async fn probe_imap(s: &MailboxSettings, trust: &TlsTrust, report: &mut ProbeReport) -> bool {
    let (host, port) = (s.imap.host.trim(), s.imap.port);
    let what = format!("connecting to {host}:{port}");
    let tcp = timed(&what, async {
        TcpStream::connect((host, port))
            .await
            .map_err(|e| connect_error(host, port, &e))
    })
    .await;
    let tcp = match tcp {
        Ok(t) => t,
        Err(e) => {
            report.steps.push(step(ProbeStepKind::ImapConnect, Err(e)));
            return false;
        }
    };
    match s.imap.security {
        TransportSecurity::Plain => {
            imap_session(s, async_imap::Client::new(tcp), true, report).await
        }
        TransportSecurity::Tls => match timed(&what, tls(trust, host, tcp)).await {
            Ok(t) => imap_session(s, async_imap::Client::new(t), true, report).await,
            Err(e) => {
                report.steps.push(step(ProbeStepKind::ImapConnect, Err(e)));
                false
            }
        },
        TransportSecurity::StartTls => {
            let mut client = async_imap::Client::new(tcp);
            let upgraded = timed(&what, async {
                greeting(&mut client, host, port).await?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| format!("{host} refused STARTTLS ({e}); try tls on port 993"))?;
                tls(trust, host, client.into_inner()).await
            })
            .await;
            match upgraded {
                Ok(t) => imap_session(s, async_imap::Client::new(t), false, report).await,
                Err(e) => {
                    report.steps.push(step(ProbeStepKind::ImapConnect, Err(e)));
                    false
                }
            }
        }
    }
}

/// Reads the server's greeting.
async fn greeting<S>(
    client: &mut async_imap::Client<S>,
    host: &str,
    port: u16,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!(
            "{host}:{port} closed the connection without an IMAP greeting (is it an IMAP port?)"
        )),
        Err(e) => Err(format!(
            "{host}:{port} did not greet like an IMAP server: {e}"
        )),
    }
}

/// LOGIN and LIST on a connected client (`greet`: its greeting is still to be read).
async fn imap_session<S>(
    s: &MailboxSettings,
    mut client: async_imap::Client<S>,
    greet: bool,
    report: &mut ProbeReport,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let (host, port) = (s.imap.host.trim(), s.imap.port);
    if greet {
        let what = format!("waiting for the greeting of {host}:{port}");
        if let Err(e) = timed(&what, greeting(&mut client, host, port)).await {
            report.steps.push(step(ProbeStepKind::ImapConnect, Err(e)));
            return false;
        }
    }
    let security = match s.imap.security {
        TransportSecurity::Plain => "without encryption",
        TransportSecurity::Tls => "over TLS",
        TransportSecurity::StartTls => "upgraded with STARTTLS",
    };
    report.steps.push(step(
        ProbeStepKind::ImapConnect,
        Ok(format!("connected to {host}:{port} {security}")),
    ));
    let user = s.imap.user.trim();
    let password = s.imap_password.clone().unwrap_or_default();
    let login = timed(&format!("logging in as {user}"), async {
        client
            .login(user, &password)
            .await
            .map_err(|(e, _)| match e {
                async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
                    format!("the server refused the login for {user} ({})", text.trim())
                }
                other => format!("the login for {user} failed: {other}"),
            })
    })
    .await;
    let mut session = match login {
        Ok(session) => session,
        Err(e) => {
            report.steps.push(step(ProbeStepKind::ImapLogin, Err(e)));
            return false;
        }
    };
    report.steps.push(step(
        ProbeStepKind::ImapLogin,
        Ok(format!("logged in as {user}")),
    ));
    let folders = timed("listing the folders", async {
        let mut names = Vec::new();
        let mut list = session
            .list(Some(""), Some("*"))
            .await
            .map_err(|e| format!("the server did not list the folders: {e}"))?;
        while let Some(n) = list.next().await {
            let n = n.map_err(|e| format!("the server did not list the folders: {e}"))?;
            names.push(n.name().to_owned());
        }
        Ok(names)
    })
    .await;
    let ok = match folders {
        Ok(mut names) => {
            names.sort();
            let has_inbox = names.iter().any(|n| n.eq_ignore_ascii_case("INBOX"));
            let result = if has_inbox {
                Ok(format!("folders: {}", names.join(", ")))
            } else {
                Err(format!(
                    "there is no INBOX among the folders ({})",
                    names.join(", ")
                ))
            };
            let ok = result.is_ok();
            report.steps.push(step(ProbeStepKind::ImapFolders, result));
            ok
        }
        Err(e) => {
            report.steps.push(step(ProbeStepKind::ImapFolders, Err(e)));
            false
        }
    };
    let _ = tokio::time::timeout(PROBE_TIMEOUT, session.logout()).await;
    ok
}

/// Sends the probe mail over the mailbox's SMTP server (TLS verified against `trust`).
async fn probe_smtp(s: &MailboxSettings, e: &Endpoint, trust: &TlsTrust) -> ProbeStep {
    let (host, port) = (e.host.trim(), e.port);
    let stored = StoredMailbox {
        id: MailboxId(0),
        source: MailboxSource::Ui,
        settings: s.clone(),
    };
    let result = async {
        let account = smtp_account(&stored).ok_or_else(|| "no SMTP server".to_owned())?;
        let mailer = SmtpMailer::with_trust(&account, trust)
            .map_err(|e| format!("cannot send through {host}:{port}: {e}"))?;
        let token = crate::random_hex(6);
        let subject = format!("Lossless mailbox test {token} ({})", s.name);
        let body = format!(
            "This mail was sent by \"test this mailbox\" in Lossless to check that {} can send \
             through {host}:{port}.\nLossless ignores it when it arrives; you may delete it.\n",
            s.address.as_str()
        );
        let message = probe_message(&s.address, &subject, &body)?;
        timed(&format!("sending through {host}:{port}"), async {
            mailer
                .send_message(message)
                .await
                .map_err(|err| smtp_error(host, port, &account.user, &err))
        })
        .await?;
        Ok(format!(
            "sent \"{subject}\" to {} through {host}:{port}",
            s.address.as_str()
        ))
    }
    .await;
    step(ProbeStepKind::SmtpSend, result)
}

/// A manager-readable SMTP failure.
fn smtp_error(
    host: &str,
    port: u16,
    user: &Option<String>,
    e: &lettre::transport::smtp::Error,
) -> String {
    use std::error::Error as _;
    if let Some(tls) = tls_failure(host, e) {
        return format!("could not send through {host}:{port}: {tls}");
    }
    let mut cause = String::new();
    let mut src = e.source();
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    if let Some(io) = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()) {
        return connect_error(host, port, io);
    }
    if cause.contains("Connection refused") {
        return format!("could not connect to {host}:{port}: connection refused");
    }
    let text = e.to_string();
    if e.is_permanent()
        && text.to_ascii_lowercase().contains("auth")
        && let Some(u) = user
    {
        return format!("the SMTP server refused the login for {u} ({text})");
    }
    if cause.is_empty() || text.contains(&cause) {
        format!("{host}:{port} did not accept the probe mail: {text}")
    } else {
        format!("{host}:{port} did not accept the probe mail: {text} ({cause})")
    }
}
