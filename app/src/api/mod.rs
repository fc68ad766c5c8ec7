//! Server functions: private RPC for our own UI, grouped by resource. Each one is a thin
//! adapter (~10 lines): authenticate, build the `Actor`, call one `lossless::services`
//! function (or the session helpers in [`crate::ssr`]), map the result to a DTO.
//!
//! Invariants: every function returns `Result<_, AppError>`; mutations use the default POST
//! encoding (the server's CSRF check covers them); agent functions fail with
//! `Unauthenticated` without a live session; ticket mutations carry the `version` the page
//! was rendered from, so a lost race is a `Conflict`, never a silent overwrite.

pub mod auth;
pub mod channels;
pub mod portal;
pub mod tickets;
