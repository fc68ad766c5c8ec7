//! Identifiers and parsed values. Parse at the edge: inside the core a `String` is never an
//! email address, a phone number, a ticket number or a portal token.
//!
//! Invariants: an [`EmailAddress`] is trimmed, lowercase in its domain and has exactly one `@`
//! with a dotted domain; a [`PhoneE164`] is `+` and 8–15 digits; a [`PortalToken`] carries at
//! least 128 bits (32 lowercase hex chars); a [`TicketNumber`] is `PREFIX-SEQ`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! int_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(/// Database id of a ticket (internal; humans use [`TicketNumber`]).
    TicketId);
int_id!(/// Database id of a contact.
    ContactId);
int_id!(/// Database id of an agent.
    AgentId);
int_id!(/// Database id of a group.
    GroupId);
int_id!(/// Database id of a message.
    MessageId);
int_id!(/// Database id of a job.
    JobId);
int_id!(/// Database id of an automation rule.
    RuleId);
int_id!(/// Database id of an in-app notification.
    NotificationId);
int_id!(/// Database id of an SLA policy.
    SlaPolicyId);
int_id!(/// Database id of a business calendar.
    SlaCalendarId);
int_id!(/// Database id of a canned response (issue 6).
    CannedId);
// ---- widget ----
int_id!(/// Database id of a widget site (issue 7).
    SiteId);

/// Human ticket number: a configurable prefix and a never-reused sequence, e.g. `LL-1042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    prefix: String,
    seq: i64,
}

/// The prefix of ticket numbers: 1–8 ASCII letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberPrefix(String);

impl NumberPrefix {
    /// Parses a prefix (1–8 ASCII alphanumerics, stored uppercase).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let p = raw.trim();
        if p.is_empty() || p.len() > 8 || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ParseError("prefix"));
        }
        Ok(Self(p.to_ascii_uppercase()))
    }
    /// The prefix text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl Default for NumberPrefix {
    fn default() -> Self {
        Self("LL".to_owned())
    }
}
impl TryFrom<String> for NumberPrefix {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<NumberPrefix> for String {
    fn from(p: NumberPrefix) -> String {
        p.0
    }
}

impl TicketNumber {
    /// Builds a number from a prefix and a sequence value (from the store's sequence).
    pub fn new(prefix: &NumberPrefix, seq: i64) -> Self {
        Self {
            prefix: prefix.0.clone(),
            seq,
        }
    }
    /// Parses `PREFIX-SEQ` (case-insensitive prefix, `#` and spaces tolerated).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let t = raw.trim().trim_start_matches('#');
        let (p, s) = t.rsplit_once('-').ok_or(ParseError("ticket_number"))?;
        let prefix = NumberPrefix::parse(p).map_err(|_| ParseError("ticket_number"))?;
        let seq: i64 = s.parse().map_err(|_| ParseError("ticket_number"))?;
        if seq <= 0 {
            return Err(ParseError("ticket_number"));
        }
        Ok(Self {
            prefix: prefix.0,
            seq,
        })
    }
    /// The sequence part.
    pub fn seq(&self) -> i64 {
        self.seq
    }
}
impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.seq)
    }
}
impl TryFrom<String> for TicketNumber {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<TicketNumber> for String {
    fn from(n: TicketNumber) -> String {
        n.to_string()
    }
}

/// A value did not parse; the payload names the kind of value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {0}")]
pub struct ParseError(pub &'static str);

/// Lowercase hex of `bytes` (two characters per byte), for tokens and keys made from random
/// bytes at the edge.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

macro_rules! hex_token {
    ($(#[$m:meta])* $name:ident, $code:literal) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Builds a token from random bytes supplied by the caller (at least 16).
            pub fn from_random(bytes: &[u8]) -> Result<Self, ParseError> {
                if bytes.len() < 16 {
                    return Err(ParseError($code));
                }
                Ok(Self(hex(bytes)))
            }
            /// Parses a token as sent (32–128 lowercase hex characters).
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                let ok = (32..=128).contains(&raw.len())
                    && raw
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if ok {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(ParseError($code))
                }
            }
            /// The token text (hex).
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }
        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }
    };
}

hex_token!(
    /// Unguessable portal token (≥ 128 bits), the customer's key to one ticket.
    PortalToken,
    "portal_token"
);
hex_token!(
    /// A site visitor's key to their own widget conversation (≥ 128 bits; issue 7). It lives in
    /// the host page's first-party storage and travels as a bearer value.
    VisitorToken,
    "visitor_token"
);

/// An email address as far as a helpdesk needs: `local@domain.tld`, domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalizes an address.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let t = raw.trim();
        let err = ParseError("email");
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err);
        }
        let (local, domain) = t.split_once('@').ok_or(err)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || domain.contains(['<', '>', '(', ')', ',', ';', ':', '"', '[', ']', '\\'])
            || local.contains(['<', '>', '(', ')', ',', ';', ':', '"', '[', ']', '\\'])
        {
            return Err(err);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }
    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for EmailAddress {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

/// A phone number in E.164 form: `+` and 8–15 digits. Accepts common punctuation and the
/// Russian trunk prefix `8` (`8 912 …` → `+7912…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Parses and normalizes a phone number.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let t = raw.trim();
        let plus = t.starts_with('+');
        if !t
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            return Err(ParseError("phone"));
        }
        let mut digits: String = t.chars().filter(char::is_ascii_digit).collect();
        if !plus && digits.len() == 11 && digits.starts_with('8') {
            digits.replace_range(0..1, "7");
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(ParseError("phone"));
        }
        Ok(Self(format!("+{digits}")))
    }
    /// The number text (`+…`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for PhoneE164 {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<PhoneE164> for String {
    fn from(p: PhoneE164) -> String {
        p.0
    }
}

/// A UI / notification language. Russian first: the primary market.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Русский.
    #[default]
    Ru,
    /// English.
    En,
}

impl Lang {
    /// Two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
    /// Parses a code (`ru`, `en`, `en-US` …); unknown → `None`.
    pub fn from_code(raw: &str) -> Option<Self> {
        let c = raw.trim().get(..2)?.to_ascii_lowercase();
        match c.as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header
            .split(',')
            .find_map(|part| Self::from_code(part.split(';').next().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_round_trip() {
        let n = TicketNumber::new(&NumberPrefix::parse("ll").unwrap(), 1042);
        assert_eq!(n.to_string(), "LL-1042");
        assert_eq!(TicketNumber::parse("#ll-1042").unwrap(), n);
        assert!(TicketNumber::parse("LL-0").is_err());
        assert!(TicketNumber::parse("LL1042").is_err());
        assert!(NumberPrefix::parse("toolongprefix").is_err());
    }

    #[test]
    fn emails_normalize_and_reject() {
        assert_eq!(
            EmailAddress::parse(" Ivan@Example.RU ").unwrap().as_str(),
            "Ivan@example.ru"
        );
        for bad in [
            "", "a", "a@b", "a@@b.c", "a b@c.d", "@c.d", "a@.c", "a@c.", "<a@b.c>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalize() {
        assert_eq!(
            PhoneE164::parse("8 (912) 345-67-89").unwrap().as_str(),
            "+79123456789"
        );
        assert_eq!(
            PhoneE164::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
        assert!(PhoneE164::parse("12ab").is_err());
        assert!(PhoneE164::parse("+123").is_err());
    }

    #[test]
    fn portal_tokens_need_128_bits() {
        assert!(PortalToken::from_random(&[7u8; 15]).is_err());
        let t = PortalToken::from_random(&[0xab; 16]).unwrap();
        assert_eq!(t.as_str().len(), 32);
        assert_eq!(PortalToken::parse(t.as_str()).unwrap(), t);
        assert!(PortalToken::parse("ABAB").is_err());
        assert!(!format!("{t:?}").contains("ab"));
    }

    #[test]
    fn languages() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,ru;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE, ru;q=0.5"),
            Some(Lang::Ru)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
