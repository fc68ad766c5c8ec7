//! The one integration-test binary (each module is one area: the store story on both
//! databases, the HTTP surface of a real node, several nodes on one PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

// ---- accounts (issue 6, point 1) ----
mod accounts;
mod alerts;
mod board;
mod canned;
mod channels;
mod classify;
// ---- contacts (issue 6, point 6) ----
mod contacts;
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
// ---- bulk, merge, links (issue 6, point 4) ----
mod merge;
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
// ---- group visibility and the permission matrix (issue 6, 1b) ----
mod permissions;
// ---- customer portal (issue 7, point 5) ----
mod portal;
// ---- display preferences (issue 6, point 10) ----
mod prefs;
// ---- customer notices (issue 7, point 6) ----
mod notices;
// ---- widget frame (issue 7, widget-frame) ----
mod widget_frame;
// ---- widget API (issue 7, widget-backend) ----
mod widget;
// ---- audit, sign-in, assignable agents, SMTP failures (issue 6 follow-up, "audit") ----
mod assignable;
mod audit;
mod contact_case;
mod smtp_reject;
