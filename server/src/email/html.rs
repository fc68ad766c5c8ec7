//! Inbound HTML mail made safe to show to agents (issue 3, point 3), with [`ammonia`].
//!
//! At ingest the HTML part is sanitized once and stored with the message
//! (`messages.body_html`); the raw mail stays in `raw_emails`, so nothing is lost. The agent
//! page shows the result inside `<iframe sandbox srcdoc=…>` (no scripts, opaque origin), so
//! even a sanitizer miss could not run in our origin; the app never uses `inner_html`.
//!
//! Rules: ammonia's allow-list of tags and attributes (no `script`, `style`, `iframe`,
//! `object`, `form`, event handlers, `javascript:` URLs; comments dropped); a few harmless
//! inline style properties kept (no `url(…)`-taking ones), links get
//! `rel="noopener noreferrer" target="_blank"` and only `http`, `https` and `mailto` targets;
//! images load only from the mail itself — `cid:` references are rewritten to the agent
//! attachment route, every remote image is removed (tracking pixels reveal that and when an
//! agent read the mail). Small inline images are embedded as `data:` URLs at ingest (the
//! sandboxed frame's opaque origin gets no session cookie, so a route link would not load
//! there); larger ones link to the route (the agent opens them from the attachment list).
//!
//! Invariants: pure, never panics; the output is well-formed HTML fragment text.

use crate::email::parse::ParsedEmail;
use lossless::email::{InboundEmail, MailContent};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Style properties kept in `style` attributes (none can load a URL).
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "font-size",
    "font-family",
    "text-align",
    "text-decoration",
    "vertical-align",
    "width",
    "max-width",
    "height",
    "border",
    "border-collapse",
    "padding",
    "margin",
    "white-space",
];

/// The agent route serving an attachment's bytes (see `crate::http::attachments`).
pub fn attachment_url(sha256: &str, filename: &str) -> String {
    format!("/agent/attachments/{sha256}/{}", percent_encode(filename))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (one path segment).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits a parse result into the mail and its content for storage: the attachments' bytes
/// and the HTML sanitized with its `cid:` images embedded (small ones, see
/// [`INLINE_DATA_MAX_BYTES`]) or pointing at [`attachment_url`].
pub fn content_of(parsed: ParsedEmail) -> (InboundEmail, MailContent) {
    let ParsedEmail {
        email,
        attachment_bytes,
    } = parsed;
    let inline: HashMap<String, String> = email
        .attachments
        .iter()
        .zip(attachment_bytes.iter())
        .filter_map(|(a, bytes)| {
            let id = a.content_id.as_deref()?;
            Some((
                id.to_owned(),
                inline_image_src(&a.content_type, bytes)
                    .unwrap_or_else(|| attachment_url(&a.sha256, &a.filename)),
            ))
        })
        .collect();
    let html = email.html.as_deref().map(|h| sanitize_html(h, &inline));
    let content = MailContent {
        attachments: attachment_bytes,
        html,
    };
    (email, content)
}

/// Inline images up to this size are embedded in the stored HTML as `data:` URLs.
pub const INLINE_DATA_MAX_BYTES: usize = 256 * 1024;

/// A `data:` URL for a small inline image of a passive raster type (PNG, JPEG, GIF, WebP),
/// else `None`. Why embed: the HTML view is a sandboxed frame with an opaque origin, so the
/// browser does not send the (`SameSite=Lax`) session cookie with its image requests and the
/// attachment route would answer 404 there; larger images keep the route link.
fn inline_image_src(content_type: &str, bytes: &[u8]) -> Option<String> {
    let passive = ["image/png", "image/jpeg", "image/gif", "image/webp"];
    let ct = content_type.trim().to_ascii_lowercase();
    (passive.contains(&ct.as_str()) && !bytes.is_empty() && bytes.len() <= INLINE_DATA_MAX_BYTES)
        .then(|| format!("data:{ct};base64,{}", base64(bytes)))
}

/// Standard base64 ([RFC 4648 §4](https://www.rfc-editor.org/rfc/rfc4648#section-4)).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Sanitizes one mail's HTML. `inline` maps a `Content-ID` (without brackets) to the URL its
/// stored bytes are served at; a `cid:` reference to anything else loses its image.
pub fn sanitize_html(html: &str, inline: &HashMap<String, String>) -> String {
    let inline = inline.clone();
    let mut b = ammonia::Builder::default();
    b.add_url_schemes(["cid"])
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .add_generic_attributes(["style", "align", "valign", "bgcolor", "dir"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect::<HashSet<_>>())
        .strip_comments(true)
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("img", "src") => {
                    let cid = value.get(..4).filter(|p| p.eq_ignore_ascii_case("cid:"))?;
                    let id = value.get(cid.len()..)?.trim().trim_matches(['<', '>']);
                    inline.get(id).map(|url| Cow::Owned(url.clone()))
                }
                (_, "href") => {
                    let lower = value.trim_start().to_ascii_lowercase();
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|p| lower.starts_with(p))
                        .then_some(Cow::Borrowed(value))
                }
                (_, "src" | "srcset" | "background" | "longdesc" | "cite" | "action") => None,
                _ => Some(Cow::Borrowed(value)),
            },
        );
    b.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        let inline = HashMap::from([(
            "logo@x".to_owned(),
            attachment_url(&"ab".repeat(32), "logo 1.png"),
        )]);
        sanitize_html(html, &inline)
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let out = clean(
            r#"<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror="alert(2)"></p><a href="javascript:alert(3)">x</a><iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name=p></form><style>body{display:none}</style>"#,
        );
        for bad in [
            "script",
            "onclick",
            "onerror",
            "alert",
            "javascript",
            "iframe",
            "form",
            "input",
            "<style",
            "display:none",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains("Hi"));
    }

    #[test]
    fn remote_images_are_blocked_and_cid_images_point_at_the_attachment_route() {
        let out = clean(
            r#"<img src="https://tracker.test/p.gif" alt="pixel"><img src="cid:logo@x" alt="logo"><img src="cid:unknown@x"><img src="data:image/png;base64,AAAA">"#,
        );
        assert!(!out.contains("tracker.test"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(!out.contains("cid:"), "{out}");
        assert!(
            out.contains(&format!(
                r#"src="/agent/attachments/{}/logo%201.png""#,
                "ab".repeat(32)
            )),
            "{out}"
        );
    }

    #[test]
    fn small_inline_images_are_embedded_and_large_ones_link_to_the_route() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(
            inline_image_src("image/PNG", b"Man").as_deref(),
            Some("data:image/png;base64,TWFu")
        );
        assert_eq!(inline_image_src("image/svg+xml", b"<svg/>"), None);
        assert_eq!(
            inline_image_src("image/png", &vec![0; INLINE_DATA_MAX_BYTES + 1]),
            None
        );
        let raw = b"From: a@example.com\r\nContent-Type: multipart/related; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:s@x\"><img src=\"cid:l@x\">\r\n\
--b\r\nContent-Type: image/png\r\nContent-ID: <s@x>\r\nContent-Disposition: inline; filename=s.png\r\n\r\nMan\r\n\
--b\r\nContent-Type: image/svg+xml\r\nContent-ID: <l@x>\r\nContent-Disposition: inline; filename=l.svg\r\n\r\n<svg/>\r\n--b--\r\n";
        let parsed = crate::email::parse::parse_with_attachments(raw).unwrap();
        let svg_sha = parsed.email.attachments[1].sha256.clone();
        let (_, content) = content_of(parsed);
        let html = content.html.unwrap();
        assert!(
            html.contains(r#"src="data:image/png;base64,TWFu""#),
            "{html}"
        );
        assert!(
            html.contains(&format!(r#"src="/agent/attachments/{svg_sha}/l.svg""#)),
            "{html}"
        );
        assert_eq!(
            content.attachments,
            vec![b"Man".to_vec(), b"<svg/>".to_vec()]
        );
    }

    #[test]
    fn links_open_in_a_new_tab_without_referrer_and_styles_cannot_load_urls() {
        let out = clean(
            r#"<a href="https://example.test/a">a</a><a href="/relative">r</a><p style="color:red;background-image:url(https://t.test/x)">p</p>"#,
        );
        assert!(out.contains(r#"href="https://example.test/a""#), "{out}");
        assert!(out.contains(r#"rel="noopener noreferrer""#), "{out}");
        assert!(out.contains(r#"target="_blank""#), "{out}");
        assert!(!out.contains("/relative"), "{out}");
        assert!(out.contains("color:red"), "{out}");
        assert!(!out.contains("t.test"), "{out}");
    }
}
