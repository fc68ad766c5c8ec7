//! SMTP out: the [`Mailer`] port on lettre's async transport, one per mailbox
//! ([`SmtpMailers`] picks the mailbox the customer last wrote to). The core composes each mail
//! ([`lossless::email::outbound::compose`]); this adapter adds `From` (the mailbox address)
//! and `Date`, writes the headers the core chose (`Cc`, `Message-ID`, `In-Reply-To`,
//! `References`, `Auto-Submitted`) and hands the mail to the mailbox's SMTP server.
//!
//! Invariants:
//! - lettre adds no `Message-ID` by itself here: the core's signed id is always set, so a
//!   resend after a crash carries the same id.
//! - `plain` (no TLS) is only allowed for a server on the loopback interface (checked by the
//!   configuration); `starttls` requires the upgrade, `tls` is implicit TLS (SMTPS). Either
//!   verifies the server's certificate and name against a [`TlsTrust`] (the webpki roots plus
//!   the configured `tls_ca_file`).
//! - `Ok` means the server accepted the mail for delivery; anything else is a [`SendError`]
//!   for the message's delivery state and the job: permanent for a 5xx reply (RFC 5321
//!   §4.2.1: "the same command … should not be repeated") and for a mail that cannot be
//!   built, temporary (retried) for a 4xx reply, a lost connection or a TLS failure.

use crate::email::tls::TlsTrust;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use lossless::email::OutgoingEmail;
use lossless::email::admin::TransportSecurity;
use lossless::email::outbound::SendError;
use lossless::ids::EmailAddress;
use lossless::ports::{BoxFuture, Mailer};
use std::sync::Arc;
use std::time::Duration;

/// The usual SMTP port for a transport security: 25 plain, 465 implicit TLS (SMTPS), 587
/// submission with a required `STARTTLS`.
pub fn default_port(security: TransportSecurity) -> u16 {
    match security {
        TransportSecurity::Plain => 25,
        TransportSecurity::Tls => 465,
        TransportSecurity::StartTls => 587,
    }
}

/// The outgoing server of a mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpAccount {
    /// `From` of every mail (the mailbox address).
    pub from: EmailAddress,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub security: TransportSecurity,
    /// Login (`None`: no authentication).
    pub user: Option<String>,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for SmtpAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpAccount")
            .field("from", &self.from)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &"…")
            .finish()
    }
}

/// The [`Mailer`] of one SMTP account (a pooled lettre transport).
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    trust: TlsTrust,
    host: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// `Auto-Submitted` ([RFC 3834 §5](https://www.rfc-editor.org/rfc/rfc3834#section-5)).
#[derive(Debug, Clone)]
struct AutoSubmitted(String);

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

impl SmtpMailer {
    /// A mailer for `account` trusting the webpki roots only (connects lazily, on the first
    /// mail).
    pub fn new(account: &SmtpAccount) -> Result<Self, String> {
        Self::with_trust(account, &TlsTrust::webpki())
    }

    /// A mailer for `account` whose TLS (implicit or STARTTLS) verifies the server against
    /// `trust` (connects lazily, on the first mail).
    pub fn with_trust(account: &SmtpAccount, trust: &TlsTrust) -> Result<Self, String> {
        let tls = || {
            trust
                .smtp_parameters(&account.host)
                .map_err(|e| format!("tls: {e}"))
        };
        let tls = match account.security {
            TransportSecurity::Plain => Tls::None,
            TransportSecurity::StartTls => Tls::Required(tls()?),
            TransportSecurity::Tls => Tls::Wrapper(tls()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(account.host.as_str())
                .tls(tls)
                .port(account.port)
                .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &account.user {
            builder = builder.credentials(Credentials::new(user.clone(), account.password.clone()));
        }
        let from = account
            .from
            .as_str()
            .parse::<lettre::Address>()
            .map_err(|e| format!("from address: {e}"))?;
        Ok(Self {
            from: Mailbox::new(None, from),
            transport: builder.build(),
            trust: trust.clone(),
            host: account.host.clone(),
        })
    }
}

impl SmtpMailer {
    /// The `From` of this mailer's mails.
    pub fn from_mailbox(&self) -> &Mailbox {
        &self.from
    }

    /// Sends a message the caller built (the mailbox probe), as it is.
    pub async fn send_message(
        &self,
        message: Message,
    ) -> Result<(), lettre::transport::smtp::Error> {
        self.transport.send(message).await.map(|_| ())
    }
}

/// The probe of "test this mailbox": from `address` to itself, marked
/// `Auto-Submitted: auto-generated` (RFC 3834), so our intake ignores it when it arrives
/// (it comes from one of our own addresses).
pub fn probe_message(address: &EmailAddress, subject: &str, body: &str) -> Result<Message, String> {
    let a = address
        .as_str()
        .parse::<lettre::Address>()
        .map_err(|e| format!("address: {e}"))?;
    Message::builder()
        .from(Mailbox::new(Some("Lossless".to_owned()), a.clone()))
        .to(Mailbox::new(None, a))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .header(AutoSubmitted("auto-generated".to_owned()))
        .body(body.to_owned())
        .map_err(|e| e.to_string())
}

/// The RFC 5322 message for `mail`, from `from`.
pub fn build_message(from: &Mailbox, mail: &OutgoingEmail) -> Result<Message, String> {
    let to = mail
        .to
        .as_str()
        .parse::<lettre::Address>()
        .map_err(|e| format!("recipient address: {e}"))?;
    let mut b = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(mail.subject.clone())
        .message_id(Some(angle(&mail.message_id)))
        .header(ContentType::TEXT_PLAIN);
    for cc in &mail.cc {
        let cc = cc
            .as_str()
            .parse::<lettre::Address>()
            .map_err(|e| format!("cc address: {e}"))?;
        b = b.cc(Mailbox::new(None, cc));
    }
    if let Some(parent) = &mail.in_reply_to {
        b = b.in_reply_to(angle(parent));
    }
    if !mail.references.is_empty() {
        let refs: Vec<String> = mail.references.iter().map(|r| angle(r)).collect();
        b = b.references(refs.join(" "));
    }
    if mail.auto_submitted {
        b = b.header(AutoSubmitted("auto-replied".to_owned()));
    }
    b.body(mail.body.clone()).map_err(|e| e.to_string())
}

/// The mailers of several mailboxes: a mail leaves from the mailbox it names, else from the
/// first one. The set can be replaced while mail is being sent ([`SmtpMailers::sync`]: the
/// mailbox supervisor keeps it in step with the stored settings); a send in progress keeps
/// the mailer it started with.
#[derive(Default)]
pub struct SmtpMailers {
    by_name: std::sync::RwLock<Vec<(String, SmtpAccount, Arc<SmtpMailer>)>>,
}

impl std::fmt::Debug for SmtpMailers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailers")
            .field("mailboxes", &self.names())
            .finish()
    }
}

impl SmtpMailers {
    /// Replaces the set with `accounts` (name → account, in order; the first is the default),
    /// whose TLS verifies servers against `trust`, keeping the mailer (and its connection
    /// pool) of every account that did not change. Returns the accounts whose mailer could
    /// not be built, with the reason.
    pub fn sync(
        &self,
        accounts: &[(String, SmtpAccount)],
        trust: &TlsTrust,
    ) -> Vec<(String, String)> {
        let old = self.by_name.read().map(|g| g.clone()).unwrap_or_default();
        let mut next = Vec::with_capacity(accounts.len());
        let mut failed = Vec::new();
        for (name, account) in accounts {
            let kept = old
                .iter()
                .find(|(n, a, m)| n == name && a == account && m.trust == *trust)
                .map(|(_, _, m)| Arc::clone(m));
            match kept.map_or_else(|| SmtpMailer::with_trust(account, trust).map(Arc::new), Ok) {
                Ok(m) => next.push((name.clone(), account.clone(), m)),
                Err(e) => failed.push((name.clone(), e)),
            }
        }
        if let Ok(mut g) = self.by_name.write() {
            *g = next;
        }
        failed
    }

    /// Whether no mailbox sends.
    pub fn is_empty(&self) -> bool {
        self.by_name.read().map(|g| g.is_empty()).unwrap_or(true)
    }

    /// The names of the mailboxes that send, in order.
    pub fn names(&self) -> Vec<String> {
        self.by_name
            .read()
            .map(|g| g.iter().map(|(n, _, _)| n.clone()).collect())
            .unwrap_or_default()
    }

    fn pick(&self, name: Option<&str>) -> Option<Arc<SmtpMailer>> {
        let g = self.by_name.read().ok()?;
        name.and_then(|n| g.iter().find(|(k, _, _)| k == n))
            .or_else(|| g.first())
            .map(|(_, _, m)| Arc::clone(m))
    }
}

impl Mailer for SmtpMailers {
    fn send(&self, mail: OutgoingEmail) -> BoxFuture<'_, Result<(), SendError>> {
        let mailer = self.pick(mail.mailbox.as_deref());
        Box::pin(async move {
            match mailer {
                Some(m) => m.send(mail).await,
                None => Err(SendError::temporary("no mailbox has an SMTP server")),
            }
        })
    }
    fn can_send(&self) -> bool {
        self.pick(None).is_some()
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: OutgoingEmail) -> BoxFuture<'_, Result<(), SendError>> {
        Box::pin(async move {
            // A mail that cannot be built (a malformed address) never will be.
            let message = build_message(&self.from, &mail).map_err(SendError::permanent)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| smtp_failure(&self.host, &e))
        })
    }
}

/// A failed send: lettre's error (with the server's reply), or a refused TLS certificate in
/// words; permanent exactly when the server answered with a 5xx reply.
fn smtp_failure(host: &str, e: &lettre::transport::smtp::Error) -> SendError {
    let reason = match tls_failure(host, e) {
        Some(tls) => format!("smtp: {tls}"),
        None => format!("smtp: {e}"),
    };
    if e.is_permanent() {
        SendError::permanent(reason)
    } else {
        SendError::temporary(reason)
    }
}

/// When `e` is a failed TLS handshake with `host` (anywhere in its chain of causes): why, in
/// words ([`crate::email::tls::describe_tls_error`]).
pub fn tls_failure(host: &str, e: &lettre::transport::smtp::Error) -> Option<String> {
    use std::error::Error as _;
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && crate::email::tls::rustls_error(io).is_some()
        {
            return Some(crate::email::tls::describe_tls_error(host, io));
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_carries_the_core_s_headers() {
        let from = Mailbox::new(None, "support@lossless.test".parse().unwrap());
        let mail = OutgoingEmail {
            mailbox: None,
            to: EmailAddress::parse("customer@customer.test").unwrap(),
            cc: vec![
                EmailAddress::parse("other@customer.test").unwrap(),
                EmailAddress::parse("third@customer.test").unwrap(),
            ],
            subject: "Re: [#LL-7] Принтер".into(),
            message_id: "ll.1.2.abc@lossless.test".into(),
            in_reply_to: Some("<c1@customer.test>".into()),
            references: vec!["c0@customer.test".into(), "c1@customer.test".into()],
            auto_submitted: true,
            body: "Готово.\n\n[ref:LL-1:00]\n".into(),
        };
        let text = String::from_utf8(build_message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(
            text.contains("Message-ID: <ll.1.2.abc@lossless.test>"),
            "{text}"
        );
        assert!(text.contains("In-Reply-To: <c1@customer.test>"), "{text}");
        assert!(
            text.contains("References: <c0@customer.test> <c1@customer.test>"),
            "{text}"
        );
        assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
        assert!(text.contains("From: support@lossless.test"), "{text}");
        assert!(
            text.contains("Cc: other@customer.test, third@customer.test"),
            "{text}"
        );
    }
}
