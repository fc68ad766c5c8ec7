//! Errors of the core. One type for the domain; the app maps it to the wire `AppError` with
//! stable codes, the store maps database failures into [`StoreError`](crate::ports::StoreError).

use serde::{Deserialize, Serialize};

/// Per-field validation messages: `(field, code)` where code is a stable machine word
/// (`required`, `too_long`, `invalid`) the UI translates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field name as the client sent it.
    pub field: String,
    /// Stable code: `required`, `too_long`, `invalid`.
    pub code: String,
}

impl FieldErrors {
    /// Adds a problem.
    pub fn push(&mut self, field: &str, code: &str) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
        });
    }
    /// No problems?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a domain operation can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DomainError {
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Nothing there (or nothing the actor may know about).
    #[error("not found")]
    NotFound,
    /// The input is invalid.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The status change is not allowed from the current status.
    #[error("transition not allowed")]
    TransitionNotAllowed,
    /// Someone else changed the ticket first.
    #[error("conflict")]
    Conflict,
    /// Storage failed; the text is for logs only.
    #[error("storage: {0}")]
    Storage(String),
    /// An outside service (e.g. the SMTP server) failed; the job doing it is retried. The
    /// text is for logs only.
    #[error("unavailable: {0}")]
    Unavailable(String),
}
