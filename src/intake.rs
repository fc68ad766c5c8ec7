//! Intake of requests from the web form and the REST API: parse raw fields into a
//! [`ValidRequest`] or per-field errors. Nothing is stored for an invalid request.
//!
//! Rules: a name (≤ 100 chars), at least one of email/phone (both parsed when given), a
//! message (≤ [`MAX_BODY_CHARS`]), an optional subject (≤ [`MAX_SUBJECT_CHARS`]; derived from
//! the message's first line when empty), an optional priority and language.

use crate::contact::{ContactDraft, Handle};
use crate::error::FieldErrors;
use crate::ids::{EmailAddress, Lang, PhoneE164};
use crate::message::MAX_BODY_CHARS;
use crate::ticket::{Channel, MAX_SUBJECT_CHARS, Priority};
use serde::{Deserialize, Serialize};

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
        })
    }
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
