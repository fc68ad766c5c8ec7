//! The rule engine's pure core (issue 4, groundwork): condition trees and word-form matching.
//!
//! A rule will be an activator + a condition tree + ordered actions; this module holds the
//! part every rule needs to decide whether it applies:
//! - [`stem`]: tokenisation and a light Russian (Snowball) / English (Porter) stemmer, so a
//!   rule written with "срочно" or "refund" also catches "срочный" or "refunded";
//! - [`condition`]: the serde-stored [`condition::Condition`] tree (`all` / `any` / `not` over
//!   predicates), compiled once into a [`condition::CompiledCondition`] and evaluated against a
//!   [`condition::RuleFacts`] snapshot whose text is stemmed once per ticket.
//!
//! Invariants: everything here is pure and deterministic — no I/O, no clock reads (the caller
//! passes `now` and whether it is business hours), no panics on any input; evaluation never
//! allocates per rule beyond what compilation prepared, so hundreds of rules per ticket stay
//! cheap.
//!
//! Running rules (issue 4): [`engine`] plans which rules a change fires and turns their
//! actions into ticket events; [`assign`] picks an agent by a group's strategy; [`lang`]
//! detects the request's language; [`hours`] answers "is it business hours"; [`defaults`]
//! holds the rules a new installation starts with. The services (`services::rules`) load
//! what these need and store the result.

pub mod assign;
pub mod condition;
pub mod defaults;
pub mod engine;
pub mod hours;
pub mod lang;
pub mod rule;
pub mod stem;

pub use condition::{
    CompiledCondition, Condition, Predicate, RuleFacts, TextField, TicketFacts, TicketTime,
};
pub use rule::{
    Action, Activator, AssignTo, Happened, NotifyTarget, Rule, RuleChain, RuleDraft, WatchedField,
};
