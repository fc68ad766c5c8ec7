//! The inbound mail parser: raw RFC 5322 bytes → the core's [`InboundEmail`].
//!
//! It wraps [`mail_parser`] (charsets incl. windows-1251/KOI8-R, RFC 2047 encoded words,
//! RFC 2231 parameters, MIME trees) and normalizes its result:
//! - `text` prefers the text/plain alternative; an HTML-only mail gets text derived by
//!   [`html_to_text`]; `format=flowed` text is unwrapped ([RFC 3676]); line endings become `\n`.
//! - a nested `message/rfc822` (a forwarded mail, the message returned in a bounce) is not an
//!   attachment: its headers and text are appended to the body, its attachments are counted.
//! - attachments carry the sha-256 of their transfer-decoded bytes (for a text attachment, the
//!   bytes in the charset it was sent in, not mail-parser's UTF-8 transcoding).
//! - headers that mail-parser would read as lossy UTF-8 because a client wrote them in raw
//!   8-bit (cp1251, KOI8-R) are transcoded first with the charset the body declares.
//!
//! Invariants: pure (no I/O, no clock); never panics on any input (mail-parser is also run
//! under `catch_unwind` as a last line of defence, and nesting is bounded); the only error is
//! "this is not a mail at all" ([`ParseFailure`]). Golden fixtures: `server/tests/fixtures/email/`.
//!
//! [RFC 3676]: https://www.rfc-editor.org/rfc/rfc3676

use chrono::{DateTime, Utc};
use lossless::email::inbound::{AutoHeaders, EmailAttachment, InboundEmail, Mailbox};
use lossless::ids::EmailAddress;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{
    Address, Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart,
    MimeHeaders, PartType,
};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;

/// Nested `message/rfc822` parts deeper than this are kept as opaque attachments.
const MAX_NESTING: usize = 8;

/// The input is not a mail at all (no header section); `reason` says why, for the dead-letter
/// list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// Human-readable cause.
    pub reason: String,
}

impl ParseFailure {
    fn new(reason: &str) -> Self {
        Self {
            reason: reason.to_owned(),
        }
    }
}

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a mail: {}", self.reason)
    }
}

impl std::error::Error for ParseFailure {}

/// A parsed mail together with the decoded bytes of its attachments (same order as
/// `email.attachments`), for the adapter that stores them content-addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The normalized mail.
    pub email: InboundEmail,
    /// `attachment_bytes[i]` belongs to `email.attachments[i]`.
    pub attachment_bytes: Vec<Vec<u8>>,
}

/// Parses one raw mail. See the module doc for the normalization rules.
pub fn parse(raw: &[u8]) -> Result<InboundEmail, ParseFailure> {
    parse_with_attachments(raw).map(|p| p.email)
}

/// Like [`parse`], also returning the attachments' decoded bytes.
pub fn parse_with_attachments(raw: &[u8]) -> Result<ParsedEmail, ParseFailure> {
    check_header_section(raw)?;
    let prepared = transcode_8bit_headers(raw);
    let bytes: &[u8] = &prepared;
    // mail-parser promises not to panic, but it has `debug_assert!`s and index arithmetic on
    // paths we cannot fully audit; a malformed mail must become a result, never a crash.
    std::panic::catch_unwind(|| parse_inner(bytes))
        .unwrap_or_else(|_| Err(ParseFailure::new("the MIME parser failed on this input")))
}

/// Rejects input whose first line is not a header field (`name: value`).
fn check_header_section(raw: &[u8]) -> Result<(), ParseFailure> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseFailure::new("empty input"));
    }
    let first_line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
    let name_len = first_line
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    let after = first_line.get(name_len..).unwrap_or_default();
    let colon = after
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .and_then(|i| after.get(i))
        == Some(&b':');
    if name_len == 0 || !colon {
        return Err(ParseFailure::new(
            "no header section: the first line is not a header field",
        ));
    }
    Ok(())
}

fn parse_inner(raw: &[u8]) -> Result<ParsedEmail, ParseFailure> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ParseFailure::new("no header section found"))?;
    let headers = msg.root_part().headers();
    let known = headers.iter().any(|h| {
        matches!(
            h.name,
            HeaderName::From
                | HeaderName::Sender
                | HeaderName::To
                | HeaderName::Cc
                | HeaderName::Subject
                | HeaderName::Date
                | HeaderName::MessageId
                | HeaderName::Received
                | HeaderName::ReturnPath
                | HeaderName::MimeVersion
                | HeaderName::ContentType
        )
    });
    if !known {
        return Err(ParseFailure::new(
            "no message header (From, To, Subject, Date, Message-ID, Received, MIME-Version, ...)",
        ));
    }

    let mut body = Body::default();
    collect_body(&msg, 0, &mut body);

    let email = InboundEmail {
        message_id: first(headers, &HeaderName::MessageId).and_then(|v| ids(v).into_iter().next()),
        in_reply_to: first(headers, &HeaderName::InReplyTo)
            .map(ids)
            .unwrap_or_default(),
        references: first(headers, &HeaderName::References)
            .map(ids)
            .unwrap_or_default(),
        from: all_mailboxes(headers, &HeaderName::From).into_iter().next(),
        reply_to: all_mailboxes(headers, &HeaderName::ReplyTo),
        to: all_mailboxes(headers, &HeaderName::To),
        cc: all_mailboxes(headers, &HeaderName::Cc),
        subject: subject(&msg),
        date: first(headers, &HeaderName::Date).and_then(date),
        text: normalize_newlines(&body.text),
        html: body.html,
        attachments: body.attachments,
        auto: auto_headers(&msg),
    };
    Ok(ParsedEmail {
        email,
        attachment_bytes: body.blobs,
    })
}

/// The decoded, folded subject. mail-parser decodes each RFC 2047 word on its own, so a
/// character whose bytes a client split across two words (Outlook does) becomes U+FFFD; then
/// the raw value is decoded again with adjacent same-charset words joined first.
fn subject(msg: &Message<'_>) -> String {
    let Some(header) = msg
        .root_part()
        .headers()
        .iter()
        .find(|h| h.name == HeaderName::Subject)
    else {
        return String::new();
    };
    let decoded = header_text(&header.value);
    if decoded.contains('\u{fffd}')
        && let Some(raw) = raw_header_value(msg, header)
        && raw.contains("=?")
    {
        return fold_whitespace(&decode_rfc2047(&raw));
    }
    fold_whitespace(&decoded)
}

/// A header's raw value (unfolded) from the message bytes.
fn raw_header_value(msg: &Message<'_>, header: &Header<'_>) -> Option<String> {
    let bytes = msg
        .raw_message()
        .get(header.offset_start as usize..header.offset_end as usize)?;
    Some(
        String::from_utf8_lossy(bytes)
            .replace("\r\n", "")
            .replace('\n', ""),
    )
}

/// RFC 2047 decoding of an unstructured value: whitespace between encoded words is dropped
/// and adjacent words in the same charset are joined as bytes before charset decoding.
pub(crate) fn decode_rfc2047(raw: &str) -> String {
    let mut out = String::new();
    let mut pending: Option<(String, Vec<u8>)> = None;
    let flush = |out: &mut String, pending: &mut Option<(String, Vec<u8>)>| {
        if let Some((charset, bytes)) = pending.take() {
            match charset_decoder(charset.as_bytes()) {
                Some(decode) => out.push_str(&decode(&bytes)),
                None => out.push_str(&String::from_utf8_lossy(&bytes)),
            }
        }
    };
    let mut rest = raw;
    while let Some((start, end, charset, bytes)) = next_encoded_word(rest) {
        let before = rest.get(..start).unwrap_or_default();
        if !(pending.is_some() && before.trim().is_empty()) {
            flush(&mut out, &mut pending);
            out.push_str(before);
        }
        match pending.as_mut() {
            Some((c, b)) if c.eq_ignore_ascii_case(&charset) => b.extend_from_slice(&bytes),
            _ => {
                flush(&mut out, &mut pending);
                pending = Some((charset, bytes));
            }
        }
        rest = rest.get(end..).unwrap_or_default();
    }
    flush(&mut out, &mut pending);
    out.push_str(rest);
    out
}

/// The next well-formed `=?charset?B|Q?text?=` in `s`: (start, end, charset, decoded bytes).
fn next_encoded_word(s: &str) -> Option<(usize, usize, String, Vec<u8>)> {
    let mut from = 0;
    while let Some(rel) = s.get(from..)?.find("=?") {
        let start = from + rel;
        let body = s.get(start + 2..)?;
        let parsed = (|| {
            let (charset, after) = body.split_once('?')?;
            let (enc, after) = after.split_once('?')?;
            let text_len = after.find("?=")?;
            let text = after.get(..text_len)?;
            if charset.is_empty() || text.contains(char::is_whitespace) {
                return None;
            }
            let bytes = match enc {
                "B" | "b" => base64_decode(text.as_bytes())?,
                "Q" | "q" => q_decode(text),
                _ => return None,
            };
            let charset = charset.split('*').next().unwrap_or(charset).to_owned();
            let end = start + 2 + charset_len(body) + enc.len() + 1 + text_len + 2 + 1;
            Some((start, end, charset, bytes))
        })();
        if parsed.is_some() {
            return parsed;
        }
        from = start + 2;
    }
    None
}

fn charset_len(body: &str) -> usize {
    body.find('?').unwrap_or(body.len())
}

fn q_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'=');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// An RFC 2231 parameter (`name*0*=utf-8''%D0..; name*1*=..`) decoded from a raw header value
/// with all continuations joined as bytes before charset decoding (mail-parser decodes each
/// continuation separately, which breaks characters split between them).
pub(crate) fn rfc2231_param(raw: &str, param: &str) -> Option<String> {
    let mut segments: Vec<(u32, bool, String)> = Vec::new();
    for item in raw.split(';').skip(1) {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let Some(rest) = key.strip_prefix(param).and_then(|r| r.strip_prefix('*')) else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        let (num, encoded) = match rest.strip_suffix('*') {
            Some(n) => (n, true),
            None => (rest, false),
        };
        let num = if num.is_empty() { 0 } else { num.parse().ok()? };
        let encoded = encoded || rest.is_empty();
        segments.push((num, encoded, value));
    }
    if segments.is_empty() {
        return None;
    }
    segments.sort_by_key(|s| s.0);
    let mut charset = String::new();
    let mut bytes = Vec::new();
    for (i, (_, encoded, value)) in segments.iter().enumerate() {
        let mut value = value.as_str();
        if i == 0 && *encoded {
            let mut it = value.splitn(3, '\'');
            if let (Some(cs), Some(_lang), Some(v)) = (it.next(), it.next(), it.next()) {
                charset = cs.to_owned();
                value = v;
            }
        }
        if *encoded {
            bytes.extend(percent_decode(value));
        } else {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    Some(match charset_decoder(charset.as_bytes()) {
        Some(decode) if !charset.is_empty() => decode(&bytes),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (c, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Base64 that skips characters outside the alphabet and restarts after padding, for parts
/// mail-parser gave up on: recovers what a sloppy encoder meant instead of dropping the part.
pub(crate) fn lenient_base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                acc = 0;
                bits = 0;
                continue;
            }
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The first header of that name (mail-parser's own accessors return the last).
fn first<'a, 'x>(headers: &'a [Header<'x>], name: &HeaderName<'_>) -> Option<&'a HeaderValue<'x>> {
    headers.iter().find(|h| &h.name == name).map(|h| &h.value)
}

fn first_other<'a, 'x>(headers: &'a [Header<'x>], name: &str) -> Option<&'a HeaderValue<'x>> {
    headers
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(name))
        .map(|h| &h.value)
}

/// A header value as text (unstructured headers are `Text`; lists are joined).
fn header_text(value: &HeaderValue<'_>) -> String {
    match value {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(" "),
        _ => String::new(),
    }
}

/// Message ids without angle brackets, in header order.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    raw.iter()
        .flat_map(|s| s.split_whitespace())
        .map(|s| s.trim_matches(|c| c == '<' || c == '>' || c == ','))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn all_mailboxes(headers: &[Header<'_>], name: &HeaderName<'_>) -> Vec<Mailbox> {
    headers
        .iter()
        .filter(|h| &h.name == name)
        .filter_map(|h| h.value.as_address())
        .flat_map(mailboxes)
        .collect()
}

/// Mailboxes of an address list or group; those whose address does not parse are skipped.
fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    let addrs: Vec<_> = match address {
        Address::List(list) => list.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    addrs
        .into_iter()
        .filter_map(|a| {
            let address = EmailAddress::parse(a.address.as_deref()?).ok()?;
            let name = a
                .name
                .as_deref()
                .map(|n| fold_whitespace(n).trim_matches('"').trim().to_owned())
                .unwrap_or_default();
            Some(Mailbox { name, address })
        })
        .collect()
}

fn date(value: &HeaderValue<'_>) -> Option<DateTime<Utc>> {
    let d = value.as_datetime()?;
    if !d.is_valid() {
        return None;
    }
    DateTime::from_timestamp(d.to_timestamp(), 0)
}

/// Collapses every whitespace run (folding included) to one space and trims.
fn fold_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// Lowercase `type/subtype` of a part, with the RFC 2045 default.
fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_lowercase(),
            None => ct.ctype().to_lowercase(),
        },
        None => match part.body {
            PartType::Message(_) => "message/rfc822".to_owned(),
            PartType::Text(_) => "text/plain".to_owned(),
            PartType::Html(_) => "text/html".to_owned(),
            _ => "application/octet-stream".to_owned(),
        },
    }
}

#[derive(Default)]
struct Body {
    text: String,
    html: Option<String>,
    attachments: Vec<EmailAttachment>,
    blobs: Vec<Vec<u8>>,
}

fn push_text(out: &mut String, piece: &str) {
    if piece.is_empty() {
        return;
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(piece);
}

fn collect_body(msg: &Message<'_>, depth: usize, out: &mut Body) {
    for part in msg.text_body.iter().filter_map(|&id| msg.part(id)) {
        match &part.body {
            PartType::Text(t) => {
                let flowed = part
                    .content_type()
                    .and_then(|ct| ct.attribute("format"))
                    .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
                if flowed {
                    let delsp = part
                        .content_type()
                        .and_then(|ct| ct.attribute("delsp"))
                        .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
                    push_text(&mut out.text, &unflow(t, delsp));
                } else {
                    push_text(&mut out.text, t);
                }
            }
            PartType::Html(h) => push_text(&mut out.text, &html_to_text(h)),
            _ => {}
        }
    }
    for part in msg.html_body.iter().filter_map(|&id| msg.part(id)) {
        if let PartType::Html(h) = &part.body {
            out.html.get_or_insert_with(String::new).push_str(h);
        }
    }
    for part in msg.attachments.iter().filter_map(|&id| msg.part(id)) {
        match &part.body {
            PartType::Message(nested) if depth < MAX_NESTING => {
                append_nested(nested, depth + 1, out);
            }
            PartType::Multipart(_) => {}
            PartType::Text(_) if is_broken_body_text(part) => {
                let bytes = decoded_bytes(msg, part);
                let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
                let text = match charset.and_then(|c| charset_decoder(c.as_bytes())) {
                    Some(decode) => decode(&bytes),
                    None => String::from_utf8_lossy(&bytes).into_owned(),
                };
                push_text(&mut out.text, &text);
            }
            _ => add_attachment(msg, part, out),
        }
    }
}

/// A forwarded or returned message: its headers and text join the body, its attachments
/// join the list.
fn append_nested(nested: &Message<'_>, depth: usize, out: &mut Body) {
    let headers = nested.root_part().headers();
    let mut lines = Vec::new();
    if let Some(from) = headers
        .iter()
        .filter(|h| h.name == HeaderName::From)
        .filter_map(|h| h.value.as_address())
        .find_map(|a| a.first())
    {
        let address = from.address.as_deref().unwrap_or_default();
        match from.name.as_deref().map(fold_whitespace) {
            Some(name) if !name.is_empty() => lines.push(format!("From: {name} <{address}>")),
            _ => lines.push(format!("From: {address}")),
        }
    }
    if let Some(d) = first(headers, &HeaderName::Date).and_then(date) {
        lines.push(format!("Date: {}", d.format("%a, %d %b %Y %H:%M:%S +0000")));
    }
    if let Some(s) = first(headers, &HeaderName::Subject).map(header_text) {
        lines.push(format!("Subject: {}", fold_whitespace(&s)));
    }
    let to: Vec<String> = all_mailboxes(headers, &HeaderName::To)
        .into_iter()
        .map(|m| m.address.to_string())
        .collect();
    if !to.is_empty() {
        lines.push(format!("To: {}", to.join(", ")));
    }

    let mut inner = Body::default();
    collect_body(nested, depth, &mut inner);

    let mut block = String::from("---------- Forwarded message ----------\n");
    for l in &lines {
        block.push_str(l);
        block.push('\n');
    }
    block.push('\n');
    block.push_str(&inner.text);
    if !out.text.is_empty() {
        out.text.push_str(if out.text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        });
    }
    out.text.push_str(&block);

    if let Some(html) = out.html.as_mut() {
        html.push_str("<hr><p>");
        html.push_str(&escape_html(&lines.join("\n")).replace('\n', "<br>"));
        html.push_str("</p>");
        match &inner.html {
            Some(h) => html.push_str(h),
            None => {
                html.push_str("<pre>");
                html.push_str(&escape_html(&inner.text));
                html.push_str("</pre>");
            }
        }
    }
    out.attachments.append(&mut inner.attachments);
    out.blobs.append(&mut inner.blobs);
}

/// A text/plain body part whose base64 mail-parser could not decode (it then files the part
/// as an attachment): recovered leniently and kept as body text.
fn is_broken_body_text(part: &MessagePart<'_>) -> bool {
    part.is_encoding_problem
        && declared_base64(part)
        && part.attachment_name().is_none()
        && !part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
        && part.content_type().is_none_or(|ct| {
            ct.ctype().eq_ignore_ascii_case("text")
                && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
        })
}

fn add_attachment(msg: &Message<'_>, part: &MessagePart<'_>, out: &mut Body) {
    let bytes = decoded_bytes(msg, part);
    let content_type = content_type(part);
    let n = out.attachments.len() + 1;
    let filename = part
        .attachment_name()
        .map(|f| {
            if f.contains('\u{fffd}') {
                raw_filename(msg, part).unwrap_or_else(|| f.to_owned())
            } else {
                f.to_owned()
            }
        })
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| format!("attachment-{n}.{}", extension(&content_type)));
    let content_id = part
        .content_id()
        .map(|c| c.trim().trim_matches(|c| c == '<' || c == '>').to_owned())
        .filter(|c| !c.is_empty());
    let attached = part
        .content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    out.attachments.push(EmailAttachment {
        filename,
        content_type,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&bytes)),
        inline: content_id.is_some() && !attached,
        content_id,
    });
    out.blobs.push(bytes);
}

/// The filename re-read from the raw Content-Disposition / Content-Type (RFC 2231).
fn raw_filename(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    [
        (HeaderName::ContentDisposition, "filename"),
        (HeaderName::ContentType, "name"),
    ]
    .iter()
    .find_map(|(name, param)| {
        let header = part.headers().iter().find(|h| &h.name == name)?;
        rfc2231_param(&raw_header_value(msg, header)?, param)
    })
    .filter(|f| !f.contains('\u{fffd}'))
}

/// Whether the part declared base64 (mail-parser resets `encoding` when decoding failed).
fn declared_base64(part: &MessagePart<'_>) -> bool {
    part.content_transfer_encoding()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"))
}

/// The part's raw body bytes in its message.
fn raw_body<'a>(msg: &'a Message<'_>, part: &MessagePart<'_>) -> Option<&'a [u8]> {
    msg.raw_message()
        .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)
}

/// The part's bytes after transfer decoding. mail-parser keeps text parts only as UTF-8, so
/// those are decoded again from the raw slice to hash what the sender attached.
fn decoded_bytes(msg: &Message<'_>, part: &MessagePart<'_>) -> Vec<u8> {
    if part.is_encoding_problem
        && declared_base64(part)
        && let Some(raw) = raw_body(msg, part)
    {
        return lenient_base64(raw);
    }
    match &part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
        PartType::Message(m) => m.raw_message().to_vec(),
        PartType::Text(t) | PartType::Html(t) => {
            let raw = raw_body(msg, part);
            let decoded = match (raw, part.encoding) {
                _ if part.is_encoding_problem => None,
                (Some(r), Encoding::Base64) => base64_decode(r),
                (Some(r), Encoding::QuotedPrintable) => quoted_printable_decode(r),
                (Some(r), Encoding::None) => Some(r.to_vec()),
                (None, _) => None,
            };
            decoded.unwrap_or_else(|| t.as_bytes().to_vec())
        }
        PartType::Multipart(_) => Vec::new(),
    }
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "text/html" => "html",
        "text/calendar" => "ics",
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        "application/ms-tnef" | "application/vnd.ms-tnef" => "dat",
        t if t.starts_with("text/") || t.starts_with("message/") => "txt",
        _ => "bin",
    }
}

fn auto_headers(msg: &Message<'_>) -> AutoHeaders {
    let headers = msg.root_part().headers();
    let lower_token = |name: &str| {
        first_other(headers, name)
            .map(header_text)
            .map(|v| {
                v.split([';', '('])
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase()
            })
            .filter(|v| !v.is_empty())
    };
    let list_id = first(headers, &HeaderName::ListId).and_then(list_id);
    let delivery_report = msg.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let return_path = headers
        .iter()
        .find(|h| h.name == HeaderName::ReturnPath)
        .map(|h| {
            msg.raw_message()
                .get(h.offset_start as usize..h.offset_end as usize)
                .unwrap_or_default()
        });
    AutoHeaders {
        auto_submitted: lower_token("auto-submitted"),
        precedence: lower_token("precedence"),
        x_autoreply: ["x-autoreply", "x-autorespond", "x-auto-response-suppress"]
            .iter()
            .any(|n| first_other(headers, n).is_some()),
        list_id,
        delivery_report,
        reported_message_id: if delivery_report {
            reported_message_id(msg)
        } else {
            None
        },
        null_return_path: return_path.is_some_and(|rp| {
            let rp: Vec<u8> = rp
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            rp == b"<>"
        }),
    }
}

/// The list identifier: the part in angle brackets, else the trimmed value.
fn list_id(value: &HeaderValue<'_>) -> Option<String> {
    let text = match value {
        HeaderValue::Address(a) => a
            .first()
            .and_then(|a| a.address.as_deref())
            .map(str::to_owned),
        other => Some(header_text(other)),
    }?;
    let id = match (text.find('<'), text.rfind('>')) {
        (Some(s), Some(e)) if s < e => text.get(s + 1..e).unwrap_or_default(),
        _ => text.as_str(),
    };
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// For a delivery report: `Original-Message-ID` from the delivery-status part, else the
/// Message-ID of the returned message or returned headers.
fn reported_message_id(msg: &Message<'_>) -> Option<String> {
    let is = |p: &MessagePart<'_>, sub: &str| {
        p.content_type()
            .and_then(|ct| ct.subtype())
            .is_some_and(|s| s.eq_ignore_ascii_case(sub))
    };
    let from_status = msg
        .parts
        .iter()
        .filter(|p| is(p, "delivery-status") || is(p, "global-delivery-status"))
        .find_map(|p| original_message_id(&String::from_utf8_lossy(p.contents())));
    if from_status.is_some() {
        return from_status;
    }
    msg.parts.iter().find_map(|p| match &p.body {
        PartType::Message(m) => m
            .message_id()
            .and_then(|v| ids(&HeaderValue::Text(v.into())).into_iter().next()),
        _ if is(p, "rfc822-headers") => {
            let text = String::from_utf8_lossy(p.contents()).into_owned();
            let headers = MessageParser::default().parse_headers(text.as_bytes())?;
            headers
                .message_id()
                .and_then(|v| ids(&HeaderValue::Text(v.into())).into_iter().next())
        }
        _ => None,
    })
}

/// `Original-Message-ID:` in a delivery-status body (its fields are header-like lines).
fn original_message_id(status: &str) -> Option<String> {
    status.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("original-message-id") {
            return None;
        }
        ids(&HeaderValue::Text(value.into())).into_iter().next()
    })
}

/// When the top-level header section holds raw 8-bit bytes that are not UTF-8 (a client that
/// wrote a cp1251 or KOI8-R subject without RFC 2047), mail-parser would replace them with
/// U+FFFD. Transcode that section with the first `charset=` the mail declares instead; when it
/// declares none (or an ASCII-incompatible one), leave the bytes as they are.
fn transcode_8bit_headers(raw: &[u8]) -> Cow<'_, [u8]> {
    let end = header_end(raw);
    let head = raw.get(..end).unwrap_or_default();
    if head.is_ascii() || std::str::from_utf8(head).is_ok() {
        return Cow::Borrowed(raw);
    }
    let Some(label) = declared_charset(raw) else {
        return Cow::Borrowed(raw);
    };
    let Some(decode) = charset_decoder(label.as_bytes()) else {
        return Cow::Borrowed(raw);
    };
    let decoded = decode(head);
    let ascii_in = head.iter().filter(|b| b.is_ascii()).count();
    let ascii_out = decoded.chars().filter(char::is_ascii).count();
    if ascii_in != ascii_out {
        return Cow::Borrowed(raw);
    }
    let mut out = decoded.into_bytes();
    out.extend_from_slice(raw.get(end..).unwrap_or_default());
    Cow::Owned(out)
}

/// Offset of the blank line ending the top-level header section (or the input's length).
fn header_end(raw: &[u8]) -> usize {
    let mut i = 0;
    while let Some(pos) = raw
        .get(i..)
        .and_then(|r| r.iter().position(|&b| b == b'\n'))
    {
        let next = i + pos + 1;
        match raw.get(next..) {
            Some([b'\n', ..]) | Some([b'\r', b'\n', ..]) => return next,
            _ => i = next,
        }
    }
    raw.len()
}

fn declared_charset(raw: &[u8]) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let needle = b"charset=";
    let at = lower.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let label: String = raw
        .get(at..)?
        .iter()
        .skip_while(|&&b| b == b'"' || b == b'\'')
        .take_while(|&&b| {
            b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b':'
        })
        .map(|&b| char::from(b))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// Undoes `format=flowed` ([RFC 3676 §4]): a line ending in a space continues on the next line
/// of the same quote depth; with `delsp=yes` that space is removed; space-stuffing is undone.
///
/// [RFC 3676 §4]: https://www.rfc-editor.org/rfc/rfc3676#section-4
pub(crate) fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // (quote depth, text) of the paragraph being joined
    let mut open: Option<(usize, String)> = None;
    let flush = |out: &mut String, depth: usize, line: &str| {
        out.push_str(&">".repeat(depth));
        if depth > 0 && !line.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
        out.push('\n');
    };
    let ends_with_newline = text.ends_with('\n');
    for raw_line in text.split('\n') {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let depth = line.chars().take_while(|&c| c == '>').count();
        let content = line.get(depth..).unwrap_or_default();
        let content = content.strip_prefix(' ').unwrap_or(content);
        let flowed = content.ends_with(' ') && content != "-- ";
        let piece = if flowed && delsp {
            content.strip_suffix(' ').unwrap_or(content)
        } else {
            content
        };
        match open.take() {
            Some((d, mut acc)) if d == depth => {
                acc.push_str(piece);
                if flowed {
                    open = Some((d, acc));
                } else {
                    flush(&mut out, d, &acc);
                }
            }
            prev => {
                if let Some((d, acc)) = prev {
                    flush(&mut out, d, &acc);
                }
                if flowed {
                    open = Some((depth, piece.to_owned()));
                } else {
                    flush(&mut out, depth, piece);
                }
            }
        }
    }
    if let Some((d, acc)) = open {
        flush(&mut out, d, &acc);
    }
    // `split` yields a final empty piece for a trailing newline; drop its extra line break.
    let extra = if ends_with_newline { "\n\n" } else { "\n" };
    if out.ends_with(extra) {
        out.pop();
    }
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plain text from HTML for mails without a text/plain part: drops comments and the contents
/// of `head`, `script`, `style` and `title`; block elements and `<br>` become line breaks, list
/// items get `- `; whitespace collapses as a browser would (except in `<pre>`); entities are
/// decoded; at most one blank line is kept in a row. Not a renderer, just readable.
pub(crate) fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() / 2);
    let mut i = 0;
    let mut in_pre = false;
    while i < html.len() {
        let rest_lower = lower.get(i..).unwrap_or_default();
        if rest_lower.starts_with("<!--") {
            i = rest_lower
                .get(4..)
                .and_then(|r| r.find("-->"))
                .map_or(html.len(), |p| i + 4 + p + 3);
            continue;
        }
        if rest_lower.starts_with('<') {
            let starts_tag = rest_lower
                .as_bytes()
                .get(1)
                .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'));
            if !starts_tag {
                // A `<` that does not start a tag is text.
                out.push('<');
                i += 1;
                continue;
            }
            let end = tag_end(html, i);
            let tag = lower.get(i + 1..end.saturating_sub(1)).unwrap_or_default();
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            i = end;
            match name.as_str() {
                "head" | "script" | "style" | "title" if !closing => {
                    let close = format!("</{name}");
                    i = lower
                        .get(i..)
                        .and_then(|r| r.find(&close))
                        .map_or(html.len(), |p| tag_end(html, i + p));
                }
                "br" => out.push('\n'),
                "li" if !closing => {
                    line_break(&mut out);
                    out.push_str("- ");
                }
                "pre" => {
                    in_pre = !closing;
                    line_break(&mut out);
                }
                "p" | "div" | "tr" | "table" | "ul" | "ol" | "li" | "blockquote" | "hr" | "h1"
                | "h2" | "h3" | "h4" | "h5" | "h6" | "dd" | "dt" | "section" | "article"
                | "header" | "footer" | "center" => line_break(&mut out),
                "td" | "th" if closing => out.push(' '),
                _ => {}
            }
            continue;
        }
        let next = html
            .get(i..)
            .and_then(|r| r.find('<'))
            .map_or(html.len(), |p| i + p);
        let chunk = decode_entities(html.get(i..next).unwrap_or_default());
        if in_pre {
            out.push_str(&chunk);
        } else {
            let mut last_space = out.ends_with([' ', '\n']);
            for c in chunk.chars() {
                if c.is_whitespace() && c != '\u{a0}' {
                    if !last_space {
                        out.push(' ');
                        last_space = true;
                    }
                } else {
                    out.push(c);
                    last_space = false;
                }
            }
        }
        i = next;
    }
    tidy_lines(&out.replace('\u{a0}', " "))
}

/// Starts a new line unless the text already is at the start of one.
fn line_break(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Index just past the `>` closing the tag that starts at `start` (quotes respected).
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (off, &b) in html
        .as_bytes()
        .get(start..)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if off > 1 => quote = Some(b),
            (None, b'>') => return start + off + 1,
            (None, b'<') if off > 0 => return start + off,
            _ => {}
        }
    }
    html.len()
}

/// Trims each line's end and keeps at most one blank line in a row, none at the ends.
fn tidy_lines(s: &str) -> String {
    let mut out = Vec::new();
    let mut blank = true;
    for line in s.lines().map(str::trim_end) {
        if line.is_empty() {
            if !blank {
                out.push("");
            }
            blank = true;
        } else {
            out.push(line);
            blank = false;
        }
    }
    while out.last() == Some(&"") {
        out.pop();
    }
    out.join("\n")
}

/// Decodes `&name;`, `&#NNN;` and `&#xHH;`; unknown entities stay as written.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semi = after.find(';').filter(|&p| p > 0 && p <= 10);
        let decoded = semi.and_then(|p| after.get(..p)).and_then(entity);
        match (decoded, semi) {
            (Some(c), Some(p)) => {
                out.push(c);
                rest = after.get(p + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(
            char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}'),
        );
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "laquo" => '«',
        "raquo" => '»',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "bull" => '•',
        "middot" => '·',
        "deg" => '°',
        "times" => '×',
        "shy" => '\u{ad}',
        "zwnj" => '\u{200c}',
        "zwj" => '\u{200d}',
        "numero" => '№',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_named_numeric_and_leave_unknown() {
        assert_eq!(decode_entities("a &amp; b &lt;c&gt;"), "a & b <c>");
        assert_eq!(decode_entities("&#1055;&#x440;&#X438;"), "При");
        assert_eq!(decode_entities("&laquo;да&raquo; &mdash;"), "«да» —");
        assert_eq!(decode_entities("AT&T &unknown; & ;"), "AT&T &unknown; & ;");
        assert_eq!(
            decode_entities("&#0; &#xD800; &#99999999999;"),
            "\u{fffd} \u{fffd} &#99999999999;"
        );
        assert_eq!(decode_entities("trailing &"), "trailing &");
    }

    #[test]
    fn html_to_text_blocks_whitespace_and_hidden_parts() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
            <body><!-- hidden --><p>Hello,\n   <b>world</b>!</p><div>Line&nbsp;2<br>Line 3</div>\
            <script>alert('x<y')</script><ul><li>one</li><li>two</li></ul>\
            <pre>  keep\n   this</pre><p>5 &lt; 6</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Hello, world!\nLine 2\nLine 3\n- one\n- two\n  keep\n   this\n5 < 6"
        );
    }

    #[test]
    fn html_to_text_survives_broken_markup() {
        for html in [
            "<",
            "<p",
            "<!--",
            "<script>never closed",
            "a < b",
            "<a href='>'>x</a>",
            "&",
            "<<>>",
            "é<ü",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("a < b"), "a < b");
        assert_eq!(html_to_text("<a href=\"x>y\">link</a>"), "link");
    }

    #[test]
    fn unflow_joins_soft_breaks_per_quote_depth() {
        let text = "This is a long \r\nparagraph.\r\n>quoted \r\n>text\r\n-- \r\nsig\r\n";
        assert_eq!(
            unflow(text, false),
            "This is a long paragraph.\n> quoted text\n-- \nsig\n"
        );
        assert_eq!(unflow("Да \nнет", true), "Данет");
        assert_eq!(unflow(" From stuffed\n", false), "From stuffed\n");
        assert_eq!(unflow("soft \n", false), "soft \n");
    }

    #[test]
    fn header_section_check() {
        assert!(check_header_section(b"").is_err());
        assert!(check_header_section(b"  \r\n").is_err());
        assert!(check_header_section(b"hello world\r\n").is_err());
        assert!(check_header_section(b"\x89PNG\r\n\x1a\n").is_err());
        assert!(check_header_section(b"From: a@b.c\r\n\r\nx").is_ok());
        assert!(check_header_section(b"Subject : x\n").is_ok());
    }

    #[test]
    fn eight_bit_headers_use_the_declared_charset() {
        let raw = b"Subject: \xcf\xf0\xe8\xe2\xe5\xf2\r\nFrom: a@example.com\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\nx";
        let parsed = parse(raw).unwrap();
        assert_eq!(parsed.subject, "Привет");
        assert_eq!(
            declared_charset(b"Content-Type: text/plain; CHARSET=\"koi8-r\""),
            Some("koi8-r".into())
        );
        assert_eq!(header_end(b"A: b\r\n\r\nbody"), 6);
        assert_eq!(header_end(b"A: b\n\nbody"), 5);
        assert_eq!(header_end(b"A: b"), 4);
    }

    #[test]
    fn rfc2047_joins_split_characters() {
        // "Пр" split inside "р" (D1 80) between two words.
        assert_eq!(
            decode_rfc2047("=?UTF-8?B?0J/R?=\r\n =?UTF-8?B?gA==?= x"),
            "Пр x"
        );
        assert_eq!(
            decode_rfc2047("a =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?= b"),
            "a Привет b"
        );
        assert_eq!(decode_rfc2047("=?bad"), "=?bad");
        assert_eq!(decode_rfc2047("=?utf-8?X?zz?= tail"), "=?utf-8?X?zz?= tail");
    }

    #[test]
    fn rfc2231_continuations_join_bytes() {
        let raw = "attachment;\r\n filename*0*=UTF-8''%D0%9F%D1; filename*1*=%80%D0%B8.txt";
        assert_eq!(rfc2231_param(raw, "filename"), Some("При.txt".into()));
        assert_eq!(
            rfc2231_param("inline; filename*=koi8-r''%F0", "filename"),
            Some("П".into())
        );
        assert_eq!(
            rfc2231_param("inline; filename=\"a.txt\"", "filename"),
            None
        );
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    }

    #[test]
    fn lenient_base64_skips_noise() {
        assert_eq!(lenient_base64(b"SGVs!!bG8=\nd29y*bGQ="), b"Helloworld");
        assert_eq!(lenient_base64(b""), b"");
    }

    #[test]
    fn ids_strip_brackets_and_split() {
        let v = HeaderValue::Text("<a@b> <c@d>".into());
        assert_eq!(ids(&v), vec!["a@b", "c@d"]);
        assert_eq!(
            original_message_id("Reporting-MTA: dns; x\nOriginal-Message-ID: <m@x.org>\n"),
            Some("m@x.org".into())
        );
    }

    #[test]
    fn text_attachment_hash_is_of_original_bytes() {
        let raw = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Disposition: attachment; filename=a.txt\r\nContent-Transfer-Encoding: base64\r\n\r\nz/Do4uXy\r\n--b--\r\n";
        let parsed = parse_with_attachments(raw).unwrap();
        assert_eq!(
            parsed.attachment_bytes,
            vec![b"\xcf\xf0\xe8\xe2\xe5\xf2".to_vec()]
        );
        assert_eq!(parsed.email.attachments[0].size, 6);
        let raw_qp = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nplain\r\n--b--\r\n";
        let parsed = parse_with_attachments(raw_qp).unwrap();
        assert_eq!(parsed.attachment_bytes, vec![b"plain".to_vec()]);
    }
}
