//! SMTP out: the [`Mailer`] port on lettre's async transport, one per mailbox
//! ([`SmtpMailers`] picks the mailbox the customer last wrote to). The core composes each mail
//! ([`lossless::email::outbound::compose`]); this adapter adds `From` (the mailbox address)
//! and `Date`, writes the headers the core chose (`Message-ID`, `In-Reply-To`, `References`,
//! `Auto-Submitted`) and hands the mail to the mailbox's SMTP server.
//!
//! Invariants:
//! - lettre adds no `Message-ID` by itself here: the core's signed id is always set, so a
//!   resend after a crash carries the same id.
//! - `plain` (no TLS) is only allowed for a server on the loopback interface (checked by the
//!   configuration); `starttls` requires the upgrade, `tls` is implicit TLS (SMTPS).
//! - `Ok` means the server accepted the mail for delivery; anything else is an error text
//!   for the message's delivery state and the job's retry.

use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use lossless::email::OutgoingEmail;
use lossless::ids::EmailAddress;
use lossless::ports::{BoxFuture, Mailer};
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain TCP (only for a server on this machine).
    Plain,
    /// Implicit TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// Plain greeting, then a required `STARTTLS` (usually port 587).
    StartTls,
}

impl SmtpSecurity {
    /// `plain`, `tls` or `starttls` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "plain" => Some(Self::Plain),
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            _ => None,
        }
    }

    /// The usual port.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Plain => 25,
            Self::Tls => 465,
            Self::StartTls => 587,
        }
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
    pub security: SmtpSecurity,
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
    /// A mailer for `account` (connects lazily, on the first mail).
    pub fn new(account: &SmtpAccount) -> Result<Self, String> {
        let builder = match account.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(account.host.as_str())
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&account.host)
                    .map_err(|e| e.to_string())?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&account.host)
                .map_err(|e| e.to_string())?,
        };
        let mut builder = builder
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
        })
    }
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
/// first one.
#[derive(Debug, Default)]
pub struct SmtpMailers {
    by_name: Vec<(String, SmtpMailer)>,
}

impl SmtpMailers {
    /// Adds mailbox `name`'s mailer (the first added is the default).
    pub fn push(&mut self, name: &str, mailer: SmtpMailer) {
        self.by_name.push((name.to_owned(), mailer));
    }

    /// Whether no mailbox sends.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    fn pick(&self, name: Option<&str>) -> Option<&SmtpMailer> {
        name.and_then(|n| self.by_name.iter().find(|(k, _)| k == n))
            .or_else(|| self.by_name.first())
            .map(|(_, m)| m)
    }
}

impl Mailer for SmtpMailers {
    fn send(&self, mail: OutgoingEmail) -> BoxFuture<'_, Result<(), String>> {
        match self.pick(mail.mailbox.as_deref()) {
            Some(m) => m.send(mail),
            None => Box::pin(async { Err("no mailbox has an SMTP server".to_owned()) }),
        }
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: OutgoingEmail) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let message = build_message(&self.from, &mail)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}"))
        })
    }
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
    }
}
