//! # Lossless — the domain core
//!
//! Pure Rust: no I/O, no async runtime, no clock reads. Everything here builds for
//! `wasm32-unknown-unknown` (checked by `make test`) so the UI can share types and rules.
//! Time is always a parameter (`now: DateTime<Utc>`), randomness (portal tokens) comes in
//! from the caller, and storage/live fan-out are reached only through the [`ports`].
//!
//! ## Glossary (used everywhere in code, UI and docs)
//! - **Ticket** — one customer request with a unique human number (`LL-1042`), a status,
//!   a priority, a channel, one contact, an optional owner (agent) and group, tags.
//! - **Message** — an entry of a ticket's thread: inbound (from the customer) or outbound
//!   (from us); public (the customer sees it) or internal (a note; never leaves the team).
//! - **Contact** — a customer, with handles (email, phone, …) that identify them across channels.
//! - **Agent** — a team member who works tickets; has a role (agent, manager, admin).
//! - **Group** — a team of agents; tickets are routed to groups.
//! - **Channel** — where a request came from (web form, API, email, …).
//! - **Queue / View** — a filtered, ordered list of tickets (mine, unassigned, a group's).
//! - **Search / saved view** — full-text search over tickets, messages (notes too, for agents)
//!   and contacts in Russian and English word forms, with filters; a saved view is a named
//!   search, private or shared with a group ([`search`]).
//! - **Rule** — automation: an activator, a condition tree and ordered actions, run from the
//!   job table after the change that triggered it ([`rules`]).
//! - **SlaPolicy** — response/resolution targets measured in business time of a
//!   [`sla::Calendar`] (working hours in a time zone, holidays, 24/7).
//! - **Job** — a durable side effect derived from events, run by the worker, idempotent by key.
//! - **LiveEvent** — a best-effort hint that a screen is stale; never data.
//! - **Viewer** — an agent who has a ticket open right now, perhaps typing on it (collision
//!   detection, [`viewers`]); ephemeral shared state, never history.
//! - **History** — the durable record of every change: who, what, when.
//! - **Canned response** — a reply template with placeholders, personal or shared; with
//!   actions (status, priority, assignee, tags) it is a **macro** ([`canned`]).

pub mod account;
pub mod actor;
pub mod audit;
pub mod canned;
pub mod classify;
pub mod contact;
pub mod email;
pub mod error;
pub mod ids;
pub mod intake;
pub mod job;
pub mod live;
pub mod message;
pub mod notification;
pub mod notify;
pub mod ports;
pub mod rules;
pub mod search;
pub mod services;
pub mod sla;
pub mod team;
pub mod ticket;
pub mod viewers;
// ---- bulk, merge, links (issue 6, point 4) ----
pub mod merge;
// ---- group visibility (issue 6, 1b) ----
pub mod visibility;
// ---- display preferences (issue 6, point 10) ----
pub mod display;
// ---- site widget (issue 7) ----
pub mod notices;
pub mod widget;
// ---- customer portal (issue 7, point 5) ----
pub mod portal;

pub use chrono::{DateTime, Utc};
