//! Intake of requests from the web form and the REST API: parse raw fields into a
//! [`ValidRequest`] or per-field errors. Nothing is stored for an invalid request.
//!
//! Rules: a name (≤ 100 chars), at least one of email/phone (both parsed when given), a
//! message (≤ [`MAX_BODY_CHARS`]), an optional subject (≤ [`MAX_SUBJECT_CHARS`]; derived from
//! the message's first line when empty), an optional priority and language, and optional
//! custom fields (API only: at most [`MAX_CUSTOM_FIELDS`] keys of 1–40 letters, digits, `_`
//! or `-`, lowercased; values trimmed, at most [`MAX_CUSTOM_VALUE_CHARS`]; empty values are
//! dropped) that rules can test.

use crate::contact::{ContactDraft, Handle};
use crate::error::FieldErrors;
use crate::ids::{EmailAddress, Lang, PhoneE164};
use crate::message::MAX_BODY_CHARS;
use crate::ticket::{Channel, MAX_SUBJECT_CHARS, Priority};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most custom fields on one request.
pub const MAX_CUSTOM_FIELDS: usize = 20;
/// Longest custom-field key (characters).
pub const MAX_CUSTOM_KEY_CHARS: usize = 40;
/// Longest custom-field value (characters).
pub const MAX_CUSTOM_VALUE_CHARS: usize = 200;

/// A request as it arrives (form fields or JSON), untrusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawRequest {
    /// Customer name.
    pub name: String,
    /// Email (optional if phone given).
    pub email: String,
    /// Phone (optional if email given).
    pub phone: String,
    /// Subject (optional).
    pub subject: String,
    /// The problem.
    pub message: String,
    /// `low|normal|high|urgent` (API only; optional).
    pub priority: String,
    /// `ru|en` (optional).
    pub lang: String,
    /// Custom fields (API only; optional), e.g. `{"plan": "pro", "order": "5521"}`.
    pub custom_fields: BTreeMap<String, String>,
}

/// A request that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidRequest {
    /// The contact.
    pub contact: ContactDraft,
    /// Subject.
    pub subject: String,
    /// Body.
    pub message: String,
    /// Priority.
    pub priority: Priority,
    /// Language.
    pub lang: Lang,
    /// Channel.
    pub channel: Channel,
    /// Custom fields (keys normalized, values trimmed, empty values dropped).
    pub custom_fields: BTreeMap<String, String>,
}

const MAX_NAME_CHARS: usize = 100;

impl RawRequest {
    /// Validates; `fallback_lang` comes from the browser when the request names none.
    pub fn validate(
        &self,
        channel: Channel,
        fallback_lang: Lang,
    ) -> Result<ValidRequest, FieldErrors> {
        let mut errs = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errs.push("name", "required");
        } else if name.chars().count() > MAX_NAME_CHARS {
            errs.push("name", "too_long");
        }
        let mut handles = Vec::new();
        let email = self.email.trim();
        let phone = self.phone.trim();
        if !email.is_empty() {
            match EmailAddress::parse(email) {
                Ok(e) => handles.push(Handle::Email(e)),
                Err(_) => errs.push("email", "invalid"),
            }
        }
        if !phone.is_empty() {
            match PhoneE164::parse(phone) {
                Ok(p) => handles.push(Handle::Phone(p)),
                Err(_) => errs.push("phone", "invalid"),
            }
        }
        if email.is_empty() && phone.is_empty() {
            errs.push("email", "required");
        }
        let message = self.message.trim();
        if message.is_empty() {
            errs.push("message", "required");
        } else if message.chars().count() > MAX_BODY_CHARS {
            errs.push("message", "too_long");
        }
        let subject = self.subject.trim();
        if subject.chars().count() > MAX_SUBJECT_CHARS {
            errs.push("subject", "too_long");
        }
        let priority = match self.priority.trim() {
            "" => Priority::Normal,
            p => Priority::parse(p).unwrap_or_else(|| {
                errs.push("priority", "invalid");
                Priority::Normal
            }),
        };
        let lang = match self.lang.trim() {
            "" => fallback_lang,
            l => Lang::from_code(l).unwrap_or_else(|| {
                errs.push("lang", "invalid");
                fallback_lang
            }),
        };
        let custom_fields = custom_fields(&self.custom_fields, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        let subject = if subject.is_empty() {
            subject_from(message)
        } else {
            subject.to_owned()
        };
        Ok(ValidRequest {
            contact: ContactDraft {
                name: name.to_owned(),
                handles,
            },
            subject,
            message: message.to_owned(),
            priority,
            lang,
            channel,
            custom_fields,
        })
    }
}

/// Normalizes custom fields; errors name `custom_fields` (too many) or `custom_fields.<key>`.
fn custom_fields(
    raw: &BTreeMap<String, String>,
    errs: &mut FieldErrors,
) -> BTreeMap<String, String> {
    if raw.len() > MAX_CUSTOM_FIELDS {
        errs.push("custom_fields", "too_long");
        return BTreeMap::new();
    }
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        let key = k.trim().to_lowercase();
        let key_ok = !key.is_empty()
            && key.chars().count() <= MAX_CUSTOM_KEY_CHARS
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let value = v.trim();
        if !key_ok {
            errs.push(&format!("custom_fields.{}", k.trim()), "invalid");
        } else if value.chars().count() > MAX_CUSTOM_VALUE_CHARS {
            errs.push(&format!("custom_fields.{key}"), "too_long");
        } else if !value.is_empty() {
            out.insert(key, value.to_owned());
        }
    }
    out
}

/// The first non-empty line, cut to 80 characters on a char boundary.
fn subject_from(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut s: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawRequest {
        RawRequest {
            name: "Иван".into(),
            email: "ivan@example.ru".into(),
            message: "Срочно!\nНе проходит оплата".into(),
            ..Default::default()
        }
    }

    #[test]
    fn custom_fields_are_normalized_and_checked() {
        let mut r = raw();
        r.custom_fields = [
            (" Plan ".to_owned(), " Pro ".to_owned()),
            ("order_id".to_owned(), "5521".to_owned()),
            ("empty".to_owned(), "  ".to_owned()),
        ]
        .into();
        let v = r.validate(Channel::Api, Lang::Ru).unwrap();
        assert_eq!(
            v.custom_fields.into_iter().collect::<Vec<_>>(),
            vec![
                ("order_id".to_owned(), "5521".to_owned()),
                ("plan".to_owned(), "Pro".to_owned())
            ]
        );
        let mut bad = raw();
        bad.custom_fields = [
            ("bad key!".to_owned(), "x".to_owned()),
            ("long".to_owned(), "x".repeat(MAX_CUSTOM_VALUE_CHARS + 1)),
        ]
        .into();
        let errs = bad.validate(Channel::Api, Lang::Ru).unwrap_err();
        let got: Vec<(String, String)> = errs
            .0
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("custom_fields.bad key!".to_owned(), "invalid".to_owned()),
                ("custom_fields.long".to_owned(), "too_long".to_owned())
            ]
        );
        let mut many = raw();
        many.custom_fields = (0..=MAX_CUSTOM_FIELDS)
            .map(|i| (format!("k{i}"), "v".to_owned()))
            .collect();
        assert!(many.validate(Channel::Api, Lang::Ru).is_err());
    }

    #[test]
    fn valid_request_derives_subject_and_defaults() {
        let v = raw().validate(Channel::WebForm, Lang::Ru).unwrap();
        assert_eq!(v.subject, "Срочно!");
        assert_eq!(v.priority, Priority::Normal);
        assert_eq!(v.contact.handles.len(), 1);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let r = RawRequest {
            email: "nope".into(),
            phone: "x".into(),
            priority: "mega".into(),
            ..Default::default()
        };
        let e = r.validate(Channel::Api, Lang::En).unwrap_err();
        let fields: Vec<_> =
            e.0.iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect();
        assert_eq!(
            fields,
            vec![
                ("name", "required"),
                ("email", "invalid"),
                ("phone", "invalid"),
                ("message", "required"),
                ("priority", "invalid")
            ]
        );
    }

    #[test]
    fn email_or_phone_is_required() {
        let r = RawRequest {
            email: String::new(),
            ..raw()
        };
        let e = r.validate(Channel::Api, Lang::En).unwrap_err();
        assert_eq!(e.0[0].field, "email");
        let r = RawRequest {
            email: String::new(),
            phone: "+7 912 000 11 22".into(),
            ..raw()
        };
        assert!(r.validate(Channel::Api, Lang::En).is_ok());
    }

    #[test]
    fn long_subject_is_cut_on_char_boundary() {
        let r = RawRequest {
            message: "ж".repeat(200),
            ..raw()
        };
        let v = r.validate(Channel::Api, Lang::En).unwrap();
        assert_eq!(v.subject.chars().count(), 81);
    }
}
