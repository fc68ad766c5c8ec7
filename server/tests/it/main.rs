//! The one integration-test binary (each module is one area: the store story on both
//! databases, the HTTP surface of a real node, several nodes on one PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod board;
mod canned;
mod channels;
mod classify;
mod email_arrivals;
mod email_display;
mod email_fault;
mod email_idle;
mod email_intake;
mod email_outbound;
mod email_parse;
mod email_poll;
mod email_replies;
mod email_tls;
mod http;
mod manage;
mod nodes;
mod rules;
mod rules_ui;
mod search;
mod sla;
mod sla_ui;
mod story;
mod support;
mod team;
mod viewers;
