//! Signed references that let a reply find its ticket again without trusting anything the
//! sender could make up: our outgoing `Message-ID`s and a short marker in the body.
//!
//! Formats (both versioned only by their literal prefix; change the prefix to change them):
//! - **Message-ID**: `ll.<ticket id>.<message id>.<mac>@<domain>`, e.g.
//!   `ll.42.4711.3f2a9c0d1e4b5a6c@mail.example.com`. The ids are the decimal database ids
//!   ([`TicketId`], [`MessageId`]), `<mac>` is the first 16 lowercase hex characters (64 bits)
//!   of `HMAC-SHA256(secret, "lossless-msgid:<ticket>.<message>")`.
//! - **Body marker**: `[ref:LL-<ticket id>:<mac>]`, e.g. `[ref:LL-42:9c0d1e4b5a6c3f2a]`,
//!   appended on its own line at the end of outgoing text (visible, short, unobtrusive; it
//!   survives clients that drop `In-Reply-To`/`References` and is quoted with the reply).
//!   `LL` here is a fixed tag, **not** the ticket-number prefix, and the number after it is
//!   the internal ticket id, not the human ticket number; `<mac>` is the first 16 hex chars
//!   of `HMAC-SHA256(secret, "lossless-marker:<ticket>")`.
//!
//! Invariants:
//! - The two MACs use different input prefixes, so a Message-ID MAC can never be replayed
//!   as a body marker or the other way round.
//! - A reference is accepted only when its MAC matches, compared in constant time; the
//!   parse functions never panic and return `None` for anything else.
//! - The parsers accept exactly what the formatters produce (canonical decimal ids, 16 hex
//!   digits), with only this tolerance: surrounding `<>`/whitespace, ASCII case of the `ll`
//!   tag, of the hex digits and of the domain.
//! - The `secret` is the installation's key (≥ 32 random bytes, kept by the server's
//!   config); rotating it orphans old references, which then still thread through stored
//!   Message-IDs (see [`mod@super::thread`]).
//!
//! HMAC-SHA256 ([RFC 2104](https://www.rfc-editor.org/rfc/rfc2104)) is built here on the
//! pure-Rust `sha2` crate so the core stays dependency-lean and builds for wasm32.

use crate::ids::{MessageId, TicketId};
use sha2::{Digest, Sha256};

/// Hex characters of the MAC kept in references (64 bits).
pub const MAC_HEX_LEN: usize = 16;

const MSGID_LABEL: &[u8] = b"lossless-msgid:";
const MARKER_LABEL: &[u8] = b"lossless-marker:";
const MARKER_OPEN: &str = "[ref:ll-";

/// The `Message-ID` (without angle brackets) of an outgoing message of `ticket`.
pub fn outgoing_message_id(
    ticket: TicketId,
    message: MessageId,
    secret: &[u8],
    domain: &str,
) -> String {
    let payload = format!("{ticket}.{message}");
    let mac = mac_hex(secret, MSGID_LABEL, payload.as_bytes());
    format!("ll.{payload}.{mac}@{}", domain.trim().to_ascii_lowercase())
}

/// Outcome of checking one id against our signed format; [`super::thread`] uses it to tell
/// a forged token (shaped like ours, wrong MAC) from a foreign id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Not shaped like one of our ids (or another domain).
    Foreign,
    /// Shaped like ours, but the MAC does not match: forged, or signed with an old secret.
    BadMac,
    /// Ours and authentic.
    Valid(TicketId, MessageId),
}

pub(crate) fn check_message_id(id: &str, secret: &[u8], domain: &str) -> TokenCheck {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let Some((local, dom)) = id.rsplit_once('@') else {
        return TokenCheck::Foreign;
    };
    if domain.trim().is_empty() || !dom.eq_ignore_ascii_case(domain.trim()) {
        return TokenCheck::Foreign;
    }
    let Some(rest) = strip_prefix_ignore_case(local, "ll.") else {
        return TokenCheck::Foreign;
    };
    let mut parts = rest.split('.');
    let (Some(t), Some(m), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return TokenCheck::Foreign;
    };
    let (Some(ticket), Some(message), true) = (canonical_i64(t), canonical_i64(m), is_mac(mac))
    else {
        return TokenCheck::Foreign;
    };
    let expected = mac_hex(
        secret,
        MSGID_LABEL,
        format!("{ticket}.{message}").as_bytes(),
    );
    if ct_eq_ignore_ascii_case(expected.as_bytes(), mac.as_bytes()) {
        TokenCheck::Valid(TicketId(ticket), MessageId(message))
    } else {
        TokenCheck::BadMac
    }
}

/// Reads one of our own outgoing Message-IDs back: `Some((ticket, message))` only when it has
/// our format, our `domain` and an authentic MAC. Never panics.
pub fn parse_our_message_id(
    id: &str,
    secret: &[u8],
    domain: &str,
) -> Option<(TicketId, MessageId)> {
    match check_message_id(id, secret, domain) {
        TokenCheck::Valid(t, m) => Some((t, m)),
        TokenCheck::Foreign | TokenCheck::BadMac => None,
    }
}

/// The body marker for `ticket`: `[ref:LL-<ticket id>:<mac>]` (see the module doc).
pub fn body_marker(ticket: TicketId, secret: &[u8]) -> String {
    let mac = mac_hex(secret, MARKER_LABEL, ticket.to_string().as_bytes());
    format!("[ref:LL-{ticket}:{mac}]")
}

/// A body marker found in a text, authentic or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundMarker {
    pub ticket: TicketId,
    /// The marker as it appears in the text.
    pub text: String,
    pub authentic: bool,
}

/// Every well-formed marker in `text`, in order of appearance.
pub(crate) fn scan_body_markers(text: &str, secret: &[u8]) -> Vec<FoundMarker> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|s| s.find(MARKER_OPEN)) {
        let start = from + pos;
        let body_start = start + MARKER_OPEN.len();
        from = body_start;
        let Some(rest) = text.get(body_start..) else {
            break;
        };
        let Some(close) = rest.find(']') else {
            break;
        };
        let Some(inner) = rest.get(..close) else {
            continue;
        };
        let Some((id, mac)) = inner.split_once(':') else {
            continue;
        };
        let (Some(ticket), true) = (canonical_i64(id), is_mac(mac)) else {
            continue;
        };
        let expected = mac_hex(secret, MARKER_LABEL, ticket.to_string().as_bytes());
        let end = body_start + close + 1;
        found.push(FoundMarker {
            ticket: TicketId(ticket),
            text: text.get(start..end).unwrap_or_default().to_owned(),
            authentic: ct_eq_ignore_ascii_case(expected.as_bytes(), mac.as_bytes()),
        });
        from = end;
    }
    found
}

/// The ticket of the first authentic body marker in `text` (the topmost, i.e. the most
/// recent one in a top-posted reply). Markers with a wrong MAC are skipped. Never panics.
pub fn find_body_marker(text: &str, secret: &[u8]) -> Option<TicketId> {
    scan_body_markers(text, secret)
        .into_iter()
        .find(|m| m.authentic)
        .map(|m| m.ticket)
}

/// HMAC-SHA256 ([RFC 2104](https://www.rfc-editor.org/rfc/rfc2104)) over `label || data`.
pub fn hmac_sha256(key: &[u8], label: &[u8], data: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block_key.map(|b| b ^ 0x36));
    inner.update(label);
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block_key.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

fn mac_hex(secret: &[u8], label: &[u8], data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    hmac_sha256(secret, label, data)
        .iter()
        .take(MAC_HEX_LEN / 2)
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

/// Constant-time equality (for equal lengths) of two ASCII strings, ignoring ASCII case.
fn ct_eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    }) == 0
}

fn is_mac(s: &str) -> bool {
    s.len() == MAC_HEX_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A decimal `i64` written exactly as `Display` writes it (no `+`, no leading zeros).
fn canonical_i64(s: &str) -> Option<i64> {
    if s.len() > 20 {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    (n.to_string() == s).then_some(n)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const DOMAIN: &str = "mail.example.com";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1.
        let mac = hmac_sha256(&[0x0b; 20], b"", b"Hi There");
        assert_eq!(
            hex(&mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2 (the label is simply prepended to the data).
        let mac = hmac_sha256(b"Jefe", b"what do ya want ", b"for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block size is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"",
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn message_id_has_the_documented_shape_and_round_trips() {
        let id = outgoing_message_id(TicketId(42), MessageId(4711), SECRET, "Mail.Example.COM");
        let (local, domain) = id.rsplit_once('@').unwrap();
        assert_eq!(domain, DOMAIN);
        let parts: Vec<&str> = local.split('.').collect();
        assert_eq!(parts[..3], ["ll", "42", "4711"]);
        assert_eq!(parts[3].len(), MAC_HEX_LEN);
        assert_eq!(
            parse_our_message_id(&id, SECRET, DOMAIN),
            Some((TicketId(42), MessageId(4711)))
        );
        // Tolerated: brackets, whitespace, case of the tag, the hex and the domain.
        let loud = format!(" <{}> ", id.to_uppercase());
        assert_eq!(
            parse_our_message_id(&loud, SECRET, DOMAIN),
            Some((TicketId(42), MessageId(4711)))
        );
    }

    #[test]
    fn forged_or_foreign_message_ids_are_rejected() {
        let id = outgoing_message_id(TicketId(42), MessageId(4711), SECRET, DOMAIN);
        // Another ticket with the same MAC.
        let forged = id.replacen("ll.42.", "ll.43.", 1);
        assert_eq!(
            check_message_id(&forged, SECRET, DOMAIN),
            TokenCheck::BadMac
        );
        assert_eq!(parse_our_message_id(&forged, SECRET, DOMAIN), None);
        // Another secret.
        assert_eq!(parse_our_message_id(&id, b"other secret", DOMAIN), None);
        // Another domain.
        assert_eq!(
            check_message_id(&id, SECRET, "example.org"),
            TokenCheck::Foreign
        );
        // An empty configured domain matches nothing.
        assert_eq!(check_message_id(&id, SECRET, ""), TokenCheck::Foreign);
        // Non-canonical numbers, wrong MAC length, extra parts.
        let mac = id.split('.').nth(3).unwrap().split('@').next().unwrap();
        for bad in [
            format!("ll.042.4711.{mac}@{DOMAIN}"),
            format!("ll.+42.4711.{mac}@{DOMAIN}"),
            format!("ll.42.4711.{}@{DOMAIN}", &mac[..15]),
            format!("ll.42.4711.{mac}0@{DOMAIN}"),
            format!("ll.42.4711.x.{mac}@{DOMAIN}"),
            format!("xl.42.4711.{mac}@{DOMAIN}"),
            format!("ll.42.4711.{mac}"),
            String::new(),
        ] {
            assert_eq!(
                check_message_id(&bad, SECRET, DOMAIN),
                TokenCheck::Foreign,
                "{bad}"
            );
        }
    }

    #[test]
    fn body_marker_round_trips_and_rejects_forgeries() {
        let marker = body_marker(TicketId(42), SECRET);
        assert!(marker.starts_with("[ref:LL-42:"), "{marker}");
        assert_eq!(marker.len(), "[ref:LL-42:]".len() + MAC_HEX_LEN);
        let text = format!("Спасибо, всё работает.\n\n> Здравствуйте!\n> {marker}\n");
        assert_eq!(find_body_marker(&text, SECRET), Some(TicketId(42)));
        assert_eq!(find_body_marker(&text, b"other"), None);
        let forged = marker.replacen("LL-42:", "LL-43:", 1);
        assert_eq!(find_body_marker(&forged, SECRET), None);
        // A forged marker first does not hide an authentic one after it.
        let both = format!("{forged} … {marker}");
        assert_eq!(find_body_marker(&both, SECRET), Some(TicketId(42)));
        // The topmost authentic marker wins.
        let other = body_marker(TicketId(7), SECRET);
        assert_eq!(
            find_body_marker(&format!("{other}\n> {marker}"), SECRET),
            Some(TicketId(7))
        );
        // A Message-ID MAC is not a marker MAC.
        let id = outgoing_message_id(TicketId(42), MessageId(0), SECRET, DOMAIN);
        let msgid_mac = &id[id.len() - DOMAIN.len() - 1 - MAC_HEX_LEN..id.len() - DOMAIN.len() - 1];
        assert_eq!(
            find_body_marker(&format!("[ref:LL-42:{msgid_mac}]"), SECRET),
            None
        );
        assert_eq!(find_body_marker("[ref:LL-", SECRET), None);
        assert_eq!(find_body_marker("[ref:LL-42:]", SECRET), None);
    }

    proptest! {
        #[test]
        fn message_id_round_trip(
            ticket in any::<i64>(),
            message in any::<i64>(),
            secret in proptest::collection::vec(any::<u8>(), 0..100),
            domain in "[a-z0-9]{1,10}(\\.[a-z]{2,5}){1,2}",
        ) {
            let id = outgoing_message_id(TicketId(ticket), MessageId(message), &secret, &domain);
            prop_assert_eq!(
                parse_our_message_id(&id, &secret, &domain),
                Some((TicketId(ticket), MessageId(message)))
            );
        }

        #[test]
        fn body_marker_round_trip(ticket in any::<i64>(), secret in proptest::collection::vec(any::<u8>(), 0..100), before in ".{0,40}", after in ".{0,40}") {
            let text = format!("{before}{}{after}", body_marker(TicketId(ticket), &secret));
            let found = find_body_marker(&text, &secret);
            // Random text cannot hold an authentic marker for another ticket first
            // (it would need the MAC), so the marker we put in is the one found.
            prop_assert_eq!(found, Some(TicketId(ticket)));
        }

        #[test]
        fn parse_never_panics(id in ".*", shaped in "<?[lL]{2}\\.-?[0-9]{0,21}\\.-?[0-9]{0,21}\\.[0-9a-fA-F]{0,18}@[a-zA-Z.]{0,20}>?") {
            let _ = parse_our_message_id(&id, SECRET, DOMAIN);
            let _ = parse_our_message_id(&shaped, SECRET, DOMAIN);
            let _ = parse_our_message_id(&shaped, SECRET, "");
            let _ = find_body_marker(&id, SECRET);
        }

        #[test]
        fn marker_scan_never_panics(text in "(\\[ref:[lL]{2}-[0-9-]{0,21}:?[0-9a-f]{0,17}\\]?|.){0,12}") {
            let _ = find_body_marker(&text, SECRET);
        }
    }
}
