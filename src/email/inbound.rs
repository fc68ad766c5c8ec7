//! [`InboundEmail`]: one received mail, parsed and normalized, independent of the parser
//! library. Header values are decoded (RFC 2047) and message ids are stored without angle
//! brackets. Bodies are kept as sent (plain text and HTML); display-time trimming and
//! sanitizing happen elsewhere, so the original is always available.

use crate::ids::EmailAddress;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A named address (`"Иван" <ivan@example.ru>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// Display name, decoded; empty when none.
    pub name: String,
    /// The address (normalized).
    pub address: EmailAddress,
}

/// An attachment or inline part (the bytes are stored content-addressed by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAttachment {
    /// File name as sent (decoded), or a generated one.
    pub filename: String,
    /// MIME type, lowercase.
    pub content_type: String,
    /// Size in bytes (decoded).
    pub size: i64,
    /// Hex sha-256 of the decoded bytes.
    pub sha256: String,
    /// `Content-ID` without brackets, for inline images referenced as `cid:`.
    pub content_id: Option<String>,
    /// Shown inline (Content-Disposition inline with a Content-ID) rather than attached.
    pub inline: bool,
}

/// One received mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundEmail {
    /// `Message-ID` without brackets (not unique in the wild: never used alone for dedupe).
    pub message_id: Option<String>,
    /// `In-Reply-To` ids, without brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids, oldest first, without brackets.
    pub references: Vec<String>,
    /// `From` (first mailbox).
    pub from: Option<Mailbox>,
    /// `Reply-To`.
    pub reply_to: Vec<Mailbox>,
    /// `To`.
    pub to: Vec<Mailbox>,
    /// `Cc`.
    pub cc: Vec<Mailbox>,
    /// `Subject`, decoded, whitespace-folded; empty when missing.
    pub subject: String,
    /// `Date`, when it parses.
    pub date: Option<DateTime<Utc>>,
    /// The plain-text body (the text/plain part, or text derived from the HTML part).
    pub text: String,
    /// The HTML body as sent, if any (sanitize before display).
    pub html: Option<String>,
    /// Attachments and inline parts.
    pub attachments: Vec<EmailAttachment>,
    /// Raw header facts used to recognise automatic mail.
    pub auto: AutoHeaders,
}

/// Headers that mark automatic mail (RFC 3834, RFC 3464 and common vendor headers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoHeaders {
    /// `Auto-Submitted` keyword, lowercase, parameters and comments dropped (`no`,
    /// `auto-replied`, `auto-generated`).
    pub auto_submitted: Option<String>,
    /// `Precedence`, lowercase (`bulk`, `junk`, `list`, `auto_reply`).
    pub precedence: Option<String>,
    /// Any of `X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress` present.
    pub x_autoreply: bool,
    /// `List-Id` present.
    pub list_id: Option<String>,
    /// The top-level type is `multipart/report` with `report-type=delivery-status`.
    pub delivery_report: bool,
    /// For a delivery report: the `Original-Message-ID` or the Message-ID of the returned
    /// message part, without brackets.
    pub reported_message_id: Option<String>,
    /// `Return-Path` is empty (`<>`): a bounce by RFC 5321.
    pub null_return_path: bool,
}
