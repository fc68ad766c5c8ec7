//! The one integration-test binary (each module is one area: the store story on both
//! databases, the HTTP surface of a real node, several nodes on one PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod email_intake;
mod email_outbound;
mod email_parse;
mod email_poll;
mod http;
mod nodes;
mod story;
mod support;
