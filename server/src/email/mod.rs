//! The email channel's server side. [`parse`] turns raw RFC 5322 bytes into the core's
//! normalized [`lossless::email::InboundEmail`]; it is pure (no I/O, no clock) and golden-tested
//! against `server/tests/fixtures/email/`. [`imap`] polls a mailbox and hands each mail to the
//! core's intake service, marking it seen on the server only after the commit; [`poll`] runs
//! that pass for one mailbox on a timer, under a lease; [`supervisor`] runs one such task per
//! enabled mailbox stored in the database and keeps the SMTP mailers in step; [`channels`]
//! is the managers' mailbox administration (settings, health, probe, dead letters). [`smtp`] sends the
//! replies the core composes (the `deliver_email` job). [`html`] sanitizes inbound HTML for
//! display. [`tls`] holds whom IMAP and SMTP trust over TLS (webpki roots plus `tls_ca_file`).

pub mod channels;
pub mod html;
pub mod imap;
pub mod parse;
pub mod poll;
pub mod smtp;
pub mod supervisor;
pub mod tls;
