//! The email channel's server side. [`parse`] turns raw RFC 5322 bytes into the core's
//! normalized [`lossless::email::InboundEmail`]; it is pure (no I/O, no clock) and golden-tested
//! against `server/tests/fixtures/email/`. [`imap`] polls a mailbox and hands each mail to the
//! core's intake service, marking it seen on the server only after the commit; [`poll`] runs
//! that pass for every configured mailbox on a timer, under a lease. [`smtp`] sends the
//! replies the core composes (the `deliver_email` job).

pub mod imap;
pub mod parse;
pub mod poll;
pub mod smtp;
