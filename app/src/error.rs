//! `AppError`: the one error type server functions return, with stable machine codes.
//!
//! Invariants: nothing from a database or a library ever reaches the wire. A storage failure
//! becomes `Internal(ref)` with a short random reference; the cause is logged with the same
//! reference (`tracing::error!`) on the server. The UI translates codes through
//! [`crate::i18n`]. On the wire the error is JSON: `{"code":"conflict"}`,
//! `{"code":"invalid","detail":[["body","required"]]}`, `{"code":"internal","detail":"3f9a0c1d"}`.

use crate::i18n::{Texts, fill};
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What went wrong, as the browser is allowed to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session (agents) — sign in.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Nothing there (or nothing the caller may know about).
    #[error("not_found")]
    NotFound,
    /// Bad input: `(field, code)` pairs; codes `required`, `invalid`, `too_long`, `taken`,
    /// `not_allowed`.
    #[error("invalid")]
    Invalid(Vec<(String, String)>),
    /// The ticket changed since the caller read it; reload and retry.
    #[error("conflict")]
    Conflict,
    /// Too many attempts.
    #[error("rate_limited")]
    RateLimited,
    /// A server failure; the payload is the reference the server log carries.
    #[error("internal")]
    Internal(String),
    /// The browser could not reach the server or could not read its answer (client side only).
    #[error("unavailable")]
    Unavailable,
}

impl AppError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict => "conflict",
            AppError::RateLimited => "rate_limited",
            AppError::Internal(_) => "internal",
            AppError::Unavailable => "unavailable",
        }
    }

    /// One invalid field.
    pub fn invalid(field: &str, code: &str) -> Self {
        AppError::Invalid(vec![(field.to_owned(), code.to_owned())])
    }

    /// The code of the first problem with `field`, if any.
    pub fn field_code(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Invalid(fs) => fs.iter().find(|(f, _)| f == field).map(|(_, c)| c.as_str()),
            _ => None,
        }
    }

    /// A sentence for the user in the language of `t`.
    pub fn message(&self, t: &Texts) -> String {
        match self {
            AppError::Unauthenticated => t.err_unauthenticated.to_owned(),
            AppError::Forbidden => t.err_forbidden.to_owned(),
            AppError::NotFound => t.err_not_found.to_owned(),
            AppError::Invalid(fs) => match fs.as_slice() {
                [(_, code)] => t.field_error(code).to_owned(),
                _ => t.err_invalid.to_owned(),
            },
            AppError::Conflict => t.err_conflict.to_owned(),
            AppError::RateLimited => t.err_rate_limited.to_owned(),
            AppError::Internal(r) => fill(t.err_internal, r),
            AppError::Unavailable => t.err_unavailable.to_owned(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request reached us but its arguments were malformed.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid(vec![("_".to_owned(), "invalid".to_owned())])
            }
            // Client side: network down, or an answer we could not read.
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::Unavailable,
            // Server side plumbing (registration, middleware, response building).
            other => internal(&other),
        }
    }
}

/// Logs `cause` under a fresh reference and returns `Internal(ref)`. The cause never leaves
/// the server.
#[cfg(feature = "ssr")]
pub fn internal(cause: &dyn std::fmt::Display) -> AppError {
    let reference = hex::encode(rand::random::<[u8; 4]>());
    tracing::error!(error.reference = %reference, error.cause = %cause, "internal error");
    AppError::Internal(reference)
}

/// In the browser there is nothing to log to; the reference says where it happened.
#[cfg(not(feature = "ssr"))]
pub fn internal(_cause: &dyn std::fmt::Display) -> AppError {
    AppError::Internal("client".to_owned())
}

impl From<lossless::error::DomainError> for AppError {
    fn from(e: lossless::error::DomainError) -> Self {
        use lossless::error::DomainError as D;
        match e {
            D::Forbidden => AppError::Forbidden,
            D::NotFound => AppError::NotFound,
            D::Invalid(fs) => {
                AppError::Invalid(fs.0.into_iter().map(|f| (f.field, f.code)).collect())
            }
            D::TransitionNotAllowed => AppError::invalid("status", "not_allowed"),
            D::Conflict => AppError::Conflict,
            D::Storage(cause) | D::Unavailable(cause) => internal(&cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless::error::{DomainError, FieldErrors};

    #[test]
    fn wire_format_is_stable() {
        let j = |e: &AppError| serde_json::to_string(e).unwrap();
        assert_eq!(j(&AppError::Conflict), r#"{"code":"conflict"}"#);
        assert_eq!(
            j(&AppError::invalid("body", "required")),
            r#"{"code":"invalid","detail":[["body","required"]]}"#
        );
        assert_eq!(
            j(&AppError::Internal("ab12".into())),
            r#"{"code":"internal","detail":"ab12"}"#
        );
        for e in [
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::invalid("x", "y"),
            AppError::Conflict,
            AppError::RateLimited,
            AppError::Internal("r".into()),
            AppError::Unavailable,
        ] {
            let back: AppError = serde_json::from_str(&j(&e)).unwrap();
            assert_eq!(back, e);
            assert!(j(&e).contains(e.code()));
            assert_eq!(AppError::de(e.ser()), e);
        }
    }

    #[test]
    fn storage_failures_never_leak_their_text() {
        let e: AppError =
            DomainError::Storage("UNIQUE constraint failed: secret_table".into()).into();
        let AppError::Internal(r) = &e else {
            panic!("{e:?}")
        };
        assert!(!r.contains("secret"));
        assert!(!serde_json::to_string(&e).unwrap().contains("secret"));
    }

    #[test]
    fn domain_errors_map_to_codes() {
        let mut f = FieldErrors::default();
        f.push("body", "too_long");
        assert_eq!(
            AppError::from(DomainError::Invalid(f)).field_code("body"),
            Some("too_long")
        );
        assert_eq!(AppError::from(DomainError::Conflict), AppError::Conflict);
        assert_eq!(
            AppError::from(DomainError::TransitionNotAllowed).field_code("status"),
            Some("not_allowed")
        );
        let t = crate::i18n::texts(lossless::ids::Lang::En);
        assert_eq!(
            AppError::Conflict.message(t),
            "Someone else changed this ticket — reloaded the latest version."
        );
    }
}
