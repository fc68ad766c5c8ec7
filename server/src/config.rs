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

use lossless::ids::NumberPrefix;
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
        })
    }
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
}
