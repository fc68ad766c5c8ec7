//! The email channel's server side. [`parse`] turns raw RFC 5322 bytes into the core's
//! normalized [`lossless::email::InboundEmail`]; it is pure (no I/O, no clock) and golden-tested
//! against `server/tests/fixtures/email/`.

pub mod parse;
