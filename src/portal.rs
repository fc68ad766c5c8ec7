//! The customer portal's sign-in (issue 7, point 5) — the pure rules: how long a magic link
//! and a portal session live, how many links one address gets per hour, the sign-in mail in
//! the reader's language, and what the store writes for a link. The use cases live in
//! [`crate::services::portal`].
//!
//! Invariants:
//! - a sign-in link token and a portal session token are 256 random bits made at the edge;
//!   the store keeps only their SHA-256 ([`crate::account::token_hash`]), so a leaked
//!   database cannot be replayed as links or cookies;
//! - a link opens one contact's portal once, for [`LINK_TTL_MINUTES`]; the mail that carries
//!   it is a durable job written with the link row (keyed [`job_key`]);
//! - one address gets at most [`LINKS_PER_HOUR`] links an hour; further requests are
//!   answered the same way and mail nothing;
//! - a portal session belongs to a contact (never to an agent: it is a different cookie and
//!   table) and lives [`SESSION_DAYS`].

use crate::account::AccountMail;
use crate::ids::{ContactId, EmailAddress, Lang};
use crate::job::NewJob;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a sign-in link works.
pub const LINK_TTL_MINUTES: i64 = 30;
/// Most sign-in links one address gets per hour.
pub const LINKS_PER_HOUR: i64 = 3;
/// How long a portal session lives.
pub const SESSION_DAYS: i64 = 30;
/// Most tickets the portal lists (last activity first).
pub const MAX_LISTED_TICKETS: i64 = 500;

/// The path a sign-in link opens.
pub fn link_path(token: &str) -> String {
    format!("/portal/login/{token}")
}

/// The idempotency key of the mail that carries the link with this hash.
pub fn job_key(hash: &str) -> String {
    format!("portal:{hash}")
}

/// A sign-in link to store with its mail (see [`crate::ports::Store::issue_portal_link`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPortalLink {
    /// SHA-256 hex of the token.
    pub hash: String,
    /// Whose portal it opens.
    pub contact: ContactId,
    /// The address it was asked for (the hourly limit counts per address).
    pub email: EmailAddress,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Works until (exclusive).
    pub expires_at: DateTime<Utc>,
    /// The mail with the link.
    pub job: NewJob,
}

/// The sign-in mail for `name` (may be empty) with `link`.
pub fn sign_in_mail(lang: Lang, name: &str, link: &str) -> AccountMail {
    let name = name.trim();
    match lang {
        Lang::Ru => AccountMail {
            subject: if name.is_empty() {
                "Вход в ваши обращения".to_owned()
            } else {
                format!("{name}, вход в ваши обращения")
            },
            body: format!(
                "Здравствуйте{}!\n\nЧтобы открыть ваши обращения в службу поддержки, \
                 перейдите по ссылке:\n\n{link}\n\n\
                 Ссылка действует {LINK_TTL_MINUTES} минут и открывается один раз. \
                 Если вы не просили вход, ничего не делайте.\n",
                if name.is_empty() {
                    String::new()
                } else {
                    format!(", {name}")
                }
            ),
        },
        Lang::En => AccountMail {
            subject: if name.is_empty() {
                "Sign in to your requests".to_owned()
            } else {
                format!("{name}, sign in to your requests")
            },
            body: format!(
                "Hello{}!\n\nTo open your support requests, follow this link:\n\n{link}\n\n\
                 The link works for {LINK_TTL_MINUTES} minutes and only once. \
                 If you did not ask to sign in, do nothing.\n",
                if name.is_empty() {
                    String::new()
                } else {
                    format!(" {name}")
                }
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_names_the_reader_and_carries_the_link() {
        let m = sign_in_mail(Lang::En, "Ann", "http://x/portal/login/t");
        assert_eq!(m.subject, "Ann, sign in to your requests");
        assert!(m.body.contains("http://x/portal/login/t") && m.body.contains("30 minutes"));
        let m = sign_in_mail(Lang::Ru, " ", "L");
        assert_eq!(m.subject, "Вход в ваши обращения");
        assert!(m.body.starts_with("Здравствуйте!"));
        assert_eq!(link_path("ab"), "/portal/login/ab");
        assert_eq!(job_key("h"), "portal:h");
    }
}
