//! Configuration: an optional file (`LOSSLESS_CONFIG=path`, lines `key = value`, `#`
//! comments) overridden by environment variables `LOSSLESS_<KEY>`. Every key has a default,
//! so `lossless` runs with no configuration at all (SQLite under `./data/`).
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `addr` | `127.0.0.1:3000` | listen address (`:0` picks a free port) |
//! | `database_url` | `sqlite://data/lossless.db` | `sqlite://…` or `postgres://…` |
//! | `site_root` | `target/site` | built WASM/CSS/public files |
//! | `public_url` | `http://<addr>` | base of links sent to customers |
//! | `number_prefix` | `LL` | ticket number prefix |
//! | `node_id` | random | this node's name in job leases |
//! | `demo` | `0` | `1` seeds a demo organisation into an empty database |
//! | `admin_email` / `admin_password` | `admin@lossless.local` / printed once | first admin |
//! | `secure_cookies` | `0` | `1` behind HTTPS |
//! | `rate_limit_per_minute` | `60` | public form/API requests per client IP; `0` = off |
//! | `rate_limit_burst` | `20` | burst size |
//! | `sign_in_per_minute` | `10` | sign-in attempts per client IP; `0` = off |
//! | `worker` | `1` | run the job worker on this node |
//! | `job_max_backoff_seconds` | `3600` | longest wait between two attempts of a failing job (retries back off 2, 4, 8 … s up to this) |
//! | `email_poll` | `1` | poll the configured mailboxes from this node (leases keep it to one node per mailbox) |
//! | `mailboxes` | none | comma-separated mailbox names, each configured by `mailbox.<name>.<key>` |
//! | `mailbox.<name>.address` | required | the address mail to the mailbox is sent to |
//! | `mailbox.<name>.imap_host` / `.imap_port` | required / `993` (`143` unless `tls`) | IMAP server |
//! | `mailbox.<name>.imap_security` | `tls` | `tls`, `starttls`, or `plain` (only for `127.0.0.1`, `::1`, `localhost`) |
//! | `mailbox.<name>.imap_user` / `.imap_password` | address / required | IMAP login |
//! | `mailbox.<name>.poll_seconds` | `30` | seconds between passes |
//! | `mailbox.<name>.closed_reply` | `new_ticket` | a reply to a closed ticket: `new_ticket` (a new ticket linked to it) or `reopen` |
//! | `mailbox.<name>.enabled` | `1` | `0` keeps the mailbox (and its replies' sending) but stops fetching it |
//! | `mailbox.<name>.smtp_host` | none (the mailbox sends nothing) | SMTP server for replies (`From` = the address) |
//! | `mailbox.<name>.smtp_port` | `587` (`465` with `tls`, `25` with `plain`) | SMTP port |
//! | `mailbox.<name>.smtp_security` | `starttls` | `tls`, `starttls`, or `plain` (only for the loopback interface) |
//! | `mailbox.<name>.smtp_user` / `.smtp_password` | IMAP login / IMAP password; `smtp_user = -` sends without login | SMTP login |
//! | `email_domain` | first mailbox's domain | our Message-ID domain |
//! | `email_secret` | generated once, stored in the database | key of our signed Message-ID tokens |
//! | `tls_ca_file` | none | a PEM file of extra root certificates (a private CA) that IMAP and SMTP servers' certificates may chain to, besides the built-in webpki roots; read at start, an unreadable or invalid file stops it |
//! | `attachment_max_bytes` | `26214400` (25 MiB) | larger inbound attachments are described on the message but not stored (the raw mail keeps them) |
//! | `sla_sweep_seconds` | `30` | seconds between two SLA sweeps (the backstop that gives every overdue SLA record a job; timers normally fire first); `0` = never |
//! | `classifier_retrain_seconds` | `300` | seconds between two incremental trainings of the local classifier (also run at start); `0` = never |
//! | `llm_endpoint` | none (off) | base URL of an OpenAI-compatible chat-completions API asked for agents' ticket suggestions, e.g. `http://127.0.0.1:8089/v1`; `http://` only (no TLS client is built in: put a local proxy in front of a remote HTTPS service) |
//! | `llm_model` | `default` | the `model` sent to it |
//! | `llm_api_key` | none | sent as `Authorization: Bearer …` |
//!
//! A mailbox key in the environment reads `LOSSLESS_MAILBOX_<NAME>_<KEY>`
//! (`LOSSLESS_MAILBOX_SUPPORT_IMAP_HOST` → `mailbox.support.imap_host`). Invariant: a
//! password never travels in the clear to another host: `plain` is refused unless the host
//! is the loopback interface.
//!
//! Configured mailboxes are written into the database at start (`source = config`, see
//! [`MailboxConfig::settings`]); from there the mailbox supervisor fetches them like the
//! ones managers create in `/manage/channels`, which cannot edit these.

use crate::email::tls::TlsTrust;
use lossless::email::ClosedTicketPolicy;
use lossless::email::admin::{Endpoint, MailboxSettings, TransportSecurity};
use lossless::ids::{EmailAddress, NumberPrefix};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub addr: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Site root (WASM, CSS, public files).
    pub site_root: String,
    /// Base URL for customer links; `None` = derived from the bound address.
    pub public_url: Option<String>,
    /// Ticket number prefix.
    pub number_prefix: NumberPrefix,
    /// Node name for job leases.
    pub node_id: String,
    /// Seed a demo organisation.
    pub demo: bool,
    /// First admin's address.
    pub admin_email: String,
    /// First admin's password (`None` = generate and print once).
    pub admin_password: Option<String>,
    /// Secure cookies (HTTPS).
    pub secure_cookies: bool,
    /// Public intake requests per minute per IP (0 = unlimited).
    pub rate_limit_per_minute: u32,
    /// Burst.
    pub rate_limit_burst: u32,
    /// Sign-in attempts per minute per IP (0 = unlimited).
    pub sign_in_per_minute: u32,
    /// Run the job worker here.
    pub worker: bool,
    /// The longest wait between two attempts of a failing job, in seconds (at least 1).
    pub job_max_backoff_seconds: u32,
    /// Poll the configured mailboxes from this node.
    pub email_poll: bool,
    /// The mailboxes to poll, in configured order.
    pub mailboxes: Vec<MailboxConfig>,
    /// Our Message-ID domain.
    pub email_domain: String,
    /// The configured email secret (`None`: generated once and stored in the database).
    pub email_secret: Option<Secret>,
    /// Inbound attachments larger than this many bytes are not stored.
    pub attachment_max_bytes: i64,
    /// Whom IMAP and SMTP trust over TLS: the webpki roots plus `tls_ca_file` (read here,
    /// once).
    pub tls_trust: TlsTrust,
    /// Seconds between two trainings of the local classifier (0 = never).
    pub classifier_retrain_seconds: u32,
    /// Seconds between two SLA sweeps (0 = never).
    pub sla_sweep_seconds: u32,
    /// The OpenAI-compatible endpoint for ticket suggestions (`None`: off).
    pub llm: Option<LlmConfig>,
}

/// An OpenAI-compatible chat-completions endpoint (`llm_*` keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmConfig {
    /// Base URL without the trailing slash (`http://host:port/v1`).
    pub endpoint: String,
    /// The model name sent.
    pub model: String,
    /// The bearer token, if any.
    pub api_key: Option<Secret>,
}

/// A configured value that must not appear in logs (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("…")
    }
}

/// One mailbox from the configuration (`mailbox.<name>.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxConfig {
    /// Its name (lowercase letters, digits, `-`).
    pub name: String,
    /// The address mail to it is sent to.
    pub address: EmailAddress,
    /// IMAP host.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// Transport security.
    pub imap_security: TransportSecurity,
    /// Login name.
    pub imap_user: String,
    /// Password.
    pub imap_password: Secret,
    /// Seconds between passes (at least 1).
    pub poll_seconds: u64,
    /// The outgoing server for replies (`None`: this mailbox sends nothing).
    pub smtp: Option<crate::email::smtp::SmtpAccount>,
    /// What a reply to a closed ticket does (`closed_reply`).
    pub closed_policy: ClosedTicketPolicy,
    /// Whether the mailbox is fetched.
    pub enabled: bool,
}

impl MailboxConfig {
    /// The mailbox's settings as stored in the database (passwords included).
    pub fn settings(&self) -> MailboxSettings {
        let smtp = self.smtp.as_ref().map(|a| Endpoint {
            host: a.host.clone(),
            port: a.port,
            security: a.security,
            // Empty: send without login (`smtp_user = -`).
            user: a.user.clone().unwrap_or_default(),
        });
        MailboxSettings {
            name: self.name.clone(),
            address: self.address.clone(),
            imap: Endpoint {
                host: self.imap_host.clone(),
                port: self.imap_port,
                security: self.imap_security,
                user: self.imap_user.clone(),
            },
            imap_password: Some(self.imap_password.0.clone()),
            smtp_password: self.smtp.as_ref().map(|a| a.password.clone()),
            smtp,
            poll_seconds: u32::try_from(self.poll_seconds).unwrap_or(u32::MAX),
            closed_policy: self.closed_policy,
            enabled: self.enabled,
        }
    }
}

/// A configuration value that did not parse.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {msg}")]
pub struct ConfigError {
    key: String,
    msg: String,
}

fn err(key: &str, msg: impl ToString) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        msg: msg.to_string(),
    }
}

impl Config {
    /// Reads the file named by `LOSSLESS_CONFIG` (if any), then the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut kv = HashMap::new();
        if let Ok(path) = std::env::var("LOSSLESS_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|e| err("config", e))?;
            kv.extend(parse_file(&text));
        }
        for (k, v) in std::env::vars() {
            if let Some(key) = k.strip_prefix("LOSSLESS_") {
                kv.insert(key.to_ascii_lowercase(), v);
            }
        }
        Self::from_map(&kv)
    }

    /// Builds a configuration from `key → value` pairs (defaults for the rest).
    pub fn from_map(kv: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| {
            kv.get(k)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let flag = |k: &str, d: bool| {
            get(k).map_or(d, |v| matches!(v.as_str(), "1" | "true" | "yes" | "on"))
        };
        let num = |k: &str, d: u32| get(k).map_or(Ok(d), |v| v.parse().map_err(|e| err(k, e)));
        let addr = get("addr").unwrap_or_else(|| "127.0.0.1:3000".into());
        let mailboxes = parse_mailboxes(kv)?;
        let email_domain = get("email_domain")
            .or_else(|| {
                mailboxes
                    .first()
                    .and_then(|m| m.address.as_str().split_once('@'))
                    .map(|(_, d)| d.to_owned())
            })
            .unwrap_or_else(|| "localhost".into());
        Ok(Self {
            addr: addr.parse().map_err(|e| err("addr", e))?,
            database_url: get("database_url").unwrap_or_else(|| "sqlite://data/lossless.db".into()),
            site_root: get("site_root").unwrap_or_else(|| "target/site".into()),
            public_url: get("public_url").map(|u| u.trim_end_matches('/').to_owned()),
            number_prefix: match get("number_prefix") {
                Some(p) => NumberPrefix::parse(&p).map_err(|e| err("number_prefix", e))?,
                None => NumberPrefix::default(),
            },
            node_id: get("node_id").unwrap_or_else(|| format!("node-{}", crate::random_hex(4))),
            demo: flag("demo", false),
            admin_email: get("admin_email").unwrap_or_else(|| "admin@lossless.local".into()),
            admin_password: get("admin_password"),
            secure_cookies: flag("secure_cookies", false),
            rate_limit_per_minute: num("rate_limit_per_minute", 60)?,
            rate_limit_burst: num("rate_limit_burst", 20)?,
            sign_in_per_minute: num("sign_in_per_minute", 10)?,
            worker: flag("worker", true),
            job_max_backoff_seconds: match num("job_max_backoff_seconds", 3600)? {
                0 => return Err(err("job_max_backoff_seconds", "must be at least 1")),
                n => n,
            },
            email_poll: flag("email_poll", true),
            mailboxes,
            email_domain,
            email_secret: get("email_secret").map(Secret),
            attachment_max_bytes: match get("attachment_max_bytes") {
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| err("attachment_max_bytes", "not a byte count"))?,
                None => lossless::email::ingest::DEFAULT_ATTACHMENT_MAX_BYTES,
            },
            tls_trust: match get("tls_ca_file") {
                Some(path) => TlsTrust::with_ca_file(&path).map_err(|e| err("tls_ca_file", e))?,
                None => TlsTrust::webpki(),
            },
            classifier_retrain_seconds: num("classifier_retrain_seconds", 300)?,
            sla_sweep_seconds: num("sla_sweep_seconds", 30)?,
            llm: match get("llm_endpoint") {
                None => None,
                Some(url) => {
                    if !url.starts_with("http://") || url.len() <= "http://".len() {
                        return Err(err(
                            "llm_endpoint",
                            "must be an http:// URL (no TLS client is built in)",
                        ));
                    }
                    Some(LlmConfig {
                        endpoint: url.trim_end_matches('/').to_owned(),
                        model: get("llm_model").unwrap_or_else(|| "default".into()),
                        api_key: get("llm_api_key").map(Secret),
                    })
                }
            },
        })
    }
}

/// The mailboxes named by `mailboxes`, each from `mailbox.<name>.<key>` (file) or
/// `mailbox_<name>_<key>` (environment, lowercased).
fn parse_mailboxes(kv: &HashMap<String, String>) -> Result<Vec<MailboxConfig>, ConfigError> {
    let Some(list) = kv.get("mailboxes") else {
        return Ok(Vec::new());
    };
    let mut out: Vec<MailboxConfig> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let name = name.to_ascii_lowercase();
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err("mailboxes", format!("{name:?}: use a-z, 0-9 and -")));
        }
        if out.iter().any(|m| m.name == name) {
            return Err(err("mailboxes", format!("{name:?} is listed twice")));
        }
        // The environment cannot spell `-`: `sales-eu` reads `LOSSLESS_MAILBOX_SALES_EU_*`.
        let env_name = name.replace('-', "_");
        let get = |k: &str| {
            kv.get(&format!("mailbox.{name}.{k}"))
                .or_else(|| kv.get(&format!("mailbox_{env_name}_{k}")))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let key = |k: &str| format!("mailbox.{name}.{k}");
        let need = |k: &str| get(k).ok_or_else(|| err(&key(k), "missing"));
        let address =
            EmailAddress::parse(&need("address")?).map_err(|e| err(&key("address"), e))?;
        let imap_host = need("imap_host")?;
        let imap_security = match get("imap_security") {
            Some(v) => TransportSecurity::parse(&v)
                .ok_or_else(|| err(&key("imap_security"), "expected plain, tls or starttls"))?,
            None => TransportSecurity::Tls,
        };
        if imap_security == TransportSecurity::Plain && !is_loopback(&imap_host) {
            return Err(err(
                &key("imap_security"),
                format!(
                    "plain IMAP would send the password in the clear to {imap_host}; \
                     use tls or starttls (plain is only allowed for 127.0.0.1, ::1 or localhost)"
                ),
            ));
        }
        let imap_port = match get("imap_port") {
            Some(p) => p.parse().map_err(|e| err(&key("imap_port"), e))?,
            None if imap_security == TransportSecurity::Tls => 993,
            None => 143,
        };
        let poll_seconds: u64 = match get("poll_seconds") {
            Some(p) => p.parse().map_err(|e| err(&key("poll_seconds"), e))?,
            None => 30,
        };
        if poll_seconds == 0 {
            return Err(err(&key("poll_seconds"), "must be at least 1"));
        }
        let imap_user = get("imap_user").unwrap_or_else(|| address.as_str().to_owned());
        let imap_password = Secret(need("imap_password")?);
        let smtp = match get("smtp_host") {
            None => None,
            Some(host) => {
                use crate::email::smtp::SmtpAccount;
                let security = match get("smtp_security") {
                    Some(v) => TransportSecurity::parse(&v).ok_or_else(|| {
                        err(&key("smtp_security"), "expected plain, tls or starttls")
                    })?,
                    None => TransportSecurity::StartTls,
                };
                if security == TransportSecurity::Plain && !is_loopback(&host) {
                    return Err(err(
                        &key("smtp_security"),
                        format!(
                            "plain SMTP would send the password in the clear to {host}; \
                             use tls or starttls (plain is only allowed for the loopback interface)"
                        ),
                    ));
                }
                let port = match get("smtp_port") {
                    Some(p) => p.parse().map_err(|e| err(&key("smtp_port"), e))?,
                    None => crate::email::smtp::default_port(security),
                };
                let user = match get("smtp_user") {
                    Some(u) if u == "-" => None,
                    Some(u) => Some(u),
                    None => Some(imap_user.clone()),
                };
                Some(SmtpAccount {
                    from: address.clone(),
                    host,
                    port,
                    security,
                    user,
                    password: get("smtp_password").unwrap_or_else(|| imap_password.0.clone()),
                })
            }
        };
        let closed_policy = match get("closed_reply").as_deref() {
            None | Some("new_ticket") => ClosedTicketPolicy::NewLinked,
            Some("reopen") => ClosedTicketPolicy::Reopen,
            Some(_) => return Err(err(&key("closed_reply"), "expected new_ticket or reopen")),
        };
        let enabled = match get("enabled").as_deref() {
            None | Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(_) => return Err(err(&key("enabled"), "expected 1 or 0")),
        };
        out.push(MailboxConfig {
            closed_policy,
            enabled,
            imap_user,
            imap_password,
            name,
            address,
            imap_host,
            imap_port,
            imap_security,
            poll_seconds,
            smtp,
        });
    }
    Ok(out)
}

/// Whether `host` names this machine's loopback interface.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn parse_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_file_syntax() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.number_prefix.as_str(), "LL");
        let kv: HashMap<_, _> = parse_file("# c\naddr = 0.0.0.0:80\nnumber_prefix=\"hd\"\n")
            .into_iter()
            .collect();
        let c = Config::from_map(&kv).unwrap();
        assert_eq!(c.addr.port(), 80);
        assert_eq!(c.number_prefix.as_str(), "HD");
        let bad: HashMap<_, _> = [("addr".to_owned(), "nope".to_owned())]
            .into_iter()
            .collect();
        assert!(Config::from_map(&bad).is_err());
    }

    #[test]
    fn a_tls_ca_file_that_cannot_be_used_stops_the_start() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert_eq!(c.tls_trust.extra_roots(), 0, "the webpki roots only");
        let kv = HashMap::from([(
            "tls_ca_file".to_owned(),
            "/nonexistent/lossless-ca.pem".to_owned(),
        )]);
        let e = Config::from_map(&kv).unwrap_err().to_string();
        assert!(
            e.contains("tls_ca_file") && e.contains("/nonexistent/lossless-ca.pem"),
            "{e}"
        );
    }

    #[test]
    fn attachment_limit_defaults_to_25_mib_and_must_be_a_byte_count() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert_eq!(c.attachment_max_bytes, 25 * 1024 * 1024);
        let kv = |v: &str| HashMap::from([("attachment_max_bytes".to_owned(), v.to_owned())]);
        assert_eq!(
            Config::from_map(&kv("1000")).unwrap().attachment_max_bytes,
            1000
        );
        assert!(Config::from_map(&kv("-1")).is_err());
        assert!(Config::from_map(&kv("lots")).is_err());
    }
}

#[cfg(test)]
mod mailbox_tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn mailboxes_from_file_keys_and_env_keys() {
        let c = Config::from_map(&map(&[
            ("mailboxes", "support, Sales"),
            ("mailbox.support.address", "support@lossless.test"),
            ("mailbox.support.imap_host", "127.0.0.1"),
            ("mailbox.support.imap_port", "1143"),
            ("mailbox.support.imap_security", "plain"),
            ("mailbox.support.imap_password", "support-pw"),
            // What `LOSSLESS_MAILBOX_SALES_IMAP_HOST` etc. become.
            ("mailbox_sales_address", "sales@lossless.test"),
            ("mailbox_sales_imap_host", "imap.example.com"),
            ("mailbox_sales_imap_security", "starttls"),
            ("mailbox_sales_imap_user", "sales"),
            ("mailbox_sales_imap_password", "sales-pw"),
            ("mailbox_sales_poll_seconds", "5"),
        ]))
        .unwrap();
        assert_eq!(c.mailboxes.len(), 2);
        let (s, b) = (&c.mailboxes[0], &c.mailboxes[1]);
        assert_eq!(s.name, "support");
        assert_eq!(s.address.as_str(), "support@lossless.test");
        assert_eq!((s.imap_host.as_str(), s.imap_port), ("127.0.0.1", 1143));
        assert_eq!(s.imap_security, TransportSecurity::Plain);
        assert_eq!(
            s.imap_user, "support@lossless.test",
            "the address by default"
        );
        assert_eq!(s.poll_seconds, 30);
        assert_eq!(b.name, "sales");
        assert_eq!(
            (b.imap_port, b.imap_security),
            (143, TransportSecurity::StartTls)
        );
        assert_eq!((b.imap_user.as_str(), b.poll_seconds), ("sales", 5));
        assert_eq!(b.imap_password, Secret("sales-pw".into()));
        assert!(
            !format!("{c:?}").contains("sales-pw"),
            "Debug hides passwords"
        );
        assert_eq!(c.email_domain, "lossless.test", "from the first mailbox");
        assert_eq!(
            s.closed_policy,
            ClosedTicketPolicy::NewLinked,
            "new_ticket by default"
        );
        assert!(s.enabled && b.enabled);
        assert!(c.email_poll);
        assert_eq!(c.email_secret, None);
    }

    #[test]
    fn mailbox_defaults_and_errors() {
        let c = Config::from_map(&map(&[
            ("mailboxes", "m"),
            ("mailbox.m.address", "help@example.com"),
            ("mailbox.m.imap_host", "imap.example.com"),
            ("mailbox.m.imap_password", "pw"),
            ("email_domain", "mail.example.com"),
            ("email_secret", "s3cret"),
            ("email_poll", "0"),
        ]))
        .unwrap();
        let m = &c.mailboxes[0];
        assert_eq!(
            (m.imap_port, m.imap_security),
            (993, TransportSecurity::Tls)
        );
        assert_eq!(c.email_domain, "mail.example.com");
        assert_eq!(c.email_secret, Some(Secret("s3cret".into())));
        assert!(!c.email_poll);
        assert!(
            Config::from_map(&HashMap::new())
                .unwrap()
                .mailboxes
                .is_empty()
        );

        let base = [
            ("mailboxes", "m"),
            ("mailbox.m.address", "help@example.com"),
            ("mailbox.m.imap_host", "imap.example.com"),
            ("mailbox.m.imap_password", "pw"),
        ];
        let with = |extra: &[(&str, &str)]| {
            let mut kv = map(&base);
            kv.extend(map(extra));
            Config::from_map(&kv).map(|_| ()).map_err(|e| e.to_string())
        };
        // Plain IMAP to another host would leak the password: refused, clearly.
        let e = with(&[("mailbox.m.imap_security", "plain")]).unwrap_err();
        assert!(
            e.contains("mailbox.m.imap_security") && e.contains("in the clear"),
            "{e}"
        );
        for local in ["localhost", "127.0.0.1", "::1", "[::1]"] {
            with(&[
                ("mailbox.m.imap_security", "plain"),
                ("mailbox.m.imap_host", local),
            ])
            .unwrap();
        }
        assert!(with(&[("mailbox.m.imap_security", "ssl")]).is_err());
        assert!(with(&[("mailbox.m.imap_port", "x")]).is_err());
        assert!(with(&[("mailbox.m.poll_seconds", "0")]).is_err());
        assert!(with(&[("mailbox.m.address", "nope")]).is_err());
        assert!(with(&[("mailboxes", "m, m")]).is_err());
        assert!(with(&[("mailboxes", "m.x")]).is_err());
        assert!(with(&[("mailbox.m.closed_reply", "maybe")]).is_err());
        assert!(with(&[("mailbox.m.enabled", "perhaps")]).is_err());
        let e = with(&[("mailbox.m.imap_password", "")]).unwrap_err();
        assert!(e.contains("mailbox.m.imap_password: missing"), "{e}");
    }
}

#[cfg(test)]
mod smtp_tests {
    use super::*;
    use lossless::email::admin::TransportSecurity;

    fn with(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut kv: HashMap<String, String> = [
            ("mailboxes", "m"),
            ("mailbox.m.address", "help@example.com"),
            ("mailbox.m.imap_host", "imap.example.com"),
            ("mailbox.m.imap_password", "imap-pw"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        kv.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Config::from_map(&kv)
    }

    #[test]
    fn smtp_keys_per_mailbox() {
        assert_eq!(
            with(&[]).unwrap().mailboxes[0].smtp,
            None,
            "no host: no sending"
        );
        let c = with(&[("mailbox.m.smtp_host", "smtp.example.com")]).unwrap();
        let s = c.mailboxes[0].smtp.clone().unwrap();
        assert_eq!(s.from.as_str(), "help@example.com");
        assert_eq!((s.port, s.security), (587, TransportSecurity::StartTls));
        assert_eq!(
            (s.user.as_deref(), s.password.as_str()),
            (Some("help@example.com"), "imap-pw"),
            "the IMAP login by default"
        );
        assert!(
            !format!("{c:?}").contains("imap-pw"),
            "Debug hides passwords"
        );
        let c = with(&[
            ("mailbox_m_smtp_host", "127.0.0.1"),
            ("mailbox_m_smtp_port", "2525"),
            ("mailbox_m_smtp_security", "plain"),
            ("mailbox_m_smtp_user", "-"),
        ])
        .unwrap();
        let s = c.mailboxes[0].smtp.clone().unwrap();
        assert_eq!(
            (s.port, s.security, s.user),
            (2525, TransportSecurity::Plain, None)
        );
        let e = with(&[
            ("mailbox.m.smtp_host", "smtp.example.com"),
            ("mailbox.m.smtp_security", "plain"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("mailbox.m.smtp_security") && e.contains("in the clear"),
            "{e}"
        );
        assert!(with(&[("mailbox.m.smtp_host", "h"), ("mailbox.m.smtp_port", "x")]).is_err());
    }

    #[test]
    fn job_backoff_cap() {
        assert_eq!(with(&[]).unwrap().job_max_backoff_seconds, 3600);
        let c = with(&[("job_max_backoff_seconds", "2")]).unwrap();
        assert_eq!(c.job_max_backoff_seconds, 2);
        assert!(with(&[("job_max_backoff_seconds", "0")]).is_err());
        assert!(with(&[("job_max_backoff_seconds", "soon")]).is_err());
    }
}

#[cfg(test)]
mod admin_tests {
    use super::*;

    #[test]
    fn closed_reply_enabled_and_settings() {
        let kv: HashMap<String, String> = [
            ("mailboxes", "m"),
            ("mailbox.m.address", "help@example.com"),
            ("mailbox.m.imap_host", "127.0.0.1"),
            ("mailbox.m.imap_security", "plain"),
            ("mailbox.m.imap_port", "1143"),
            ("mailbox.m.imap_password", "pw"),
            ("mailbox.m.smtp_host", "127.0.0.1"),
            ("mailbox.m.smtp_security", "plain"),
            ("mailbox.m.smtp_user", "-"),
            ("mailbox.m.closed_reply", "reopen"),
            ("mailbox.m.enabled", "0"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let c = Config::from_map(&kv).unwrap();
        let s = c.mailboxes[0].settings();
        assert_eq!(s.closed_policy, ClosedTicketPolicy::Reopen);
        assert!(!s.enabled);
        assert_eq!(s.imap.security, TransportSecurity::Plain);
        assert_eq!((s.imap.host.as_str(), s.imap.port), ("127.0.0.1", 1143));
        assert_eq!(s.imap_password.as_deref(), Some("pw"));
        let smtp = s.smtp.clone().unwrap();
        assert_eq!(
            (smtp.port, smtp.security, smtp.user.as_str()),
            (25, TransportSecurity::Plain, "")
        );
        assert!(lossless::email::admin::validate(&s, true).is_ok());
    }

    #[test]
    fn the_llm_endpoint_is_off_by_default_and_http_only() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert_eq!(c.llm, None);
        assert_eq!(c.classifier_retrain_seconds, 300);
        assert_eq!(c.sla_sweep_seconds, 30);
        let kv = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let c = Config::from_map(&kv(&[
            ("llm_endpoint", "http://127.0.0.1:8089/v1/"),
            ("llm_model", "qwen"),
            ("llm_api_key", "sk-secret"),
            ("classifier_retrain_seconds", "0"),
        ]))
        .unwrap();
        let llm = c.llm.clone().unwrap();
        assert_eq!(llm.endpoint, "http://127.0.0.1:8089/v1");
        assert_eq!(llm.model, "qwen");
        assert_eq!(llm.api_key, Some(Secret("sk-secret".into())));
        assert_eq!(c.classifier_retrain_seconds, 0);
        assert!(
            !format!("{c:?}").contains("sk-secret"),
            "Debug hides the key"
        );
        let e =
            Config::from_map(&kv(&[("llm_endpoint", "https://api.example.com/v1")])).unwrap_err();
        assert!(e.to_string().contains("llm_endpoint"), "{e}");
    }
}
