//! The email channel's server side. [`parse`] turns raw RFC 5322 bytes into the core's
//! normalized [`lossless::email::InboundEmail`]; it is pure (no I/O, no clock) and golden-tested
//! against `server/tests/fixtures/email/`. [`imap`] polls a mailbox and hands each mail to the
//! core's intake service, marking it seen on the server only after the commit.

pub mod imap;
pub mod parse;
