//! The email channel's pure part: the normalized shape of an inbound mail ([`InboundEmail`],
//! produced by the server's parser from raw RFC 5322 bytes), and the decisions made on it —
//! is it an auto-reply, a bounce or our own mail looping back ([`classify()`]), and which
//! ticket does it belong to ([`thread()`]).
//!
//! Invariants: nothing here reads the network or the clock; a decision is always returned
//! together with the reason it was taken, so agents can see why a mail went where it did.

pub mod admin;
pub mod classify;
pub mod display;
pub mod inbound;
pub mod ingest;
pub mod outbound;
pub mod thread;
pub mod token;

pub use classify::{
    AutoReplyReason, BounceReason, Classification, LoopReason, NoAckReason, OurIdentity, classify,
};
pub use display::{DisplayText, split_for_display};
pub use inbound::{AutoHeaders, EmailAttachment, InboundEmail, Mailbox};
pub use ingest::{
    EmailSettings, IngestEmail, IngestOutcome, IngestPlan, Ingested, MailContent, MailboxId,
    MailboxState,
};
pub use outbound::{Delivery, DeliveryState, OutgoingEmail};
pub use thread::{
    ClosedTicketPolicy, RefHeader, SenderRole, SubjectTicket, ThreadContext, ThreadDecision,
    ThreadLookups, ThreadNote, ThreadReason, ThreadTarget, lookups, subject_number, thread,
};
pub use token::{body_marker, find_body_marker, outgoing_message_id, parse_our_message_id};
