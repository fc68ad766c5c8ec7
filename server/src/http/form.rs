//! `GET/POST /request`: the public request form. Plain HTML that works without JavaScript
//! (and can be linked from any site). A valid submission is committed first, then answered
//! with `303 See Other` to the customer's portal page; an invalid one re-renders the form with
//! per-field messages and status 422, storing nothing. A hidden one-time `form_key` makes a
//! double submit or a browser retry land on the same ticket. All user text is escaped.

use super::api::field_message;
use super::{AppState, client_ip, new_portal_token};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use lossless::error::{DomainError, FieldErrors};
use lossless::ids::Lang;
use lossless::intake::RawRequest;
use lossless::ports::IntakeKey;
use lossless::services::submit_request;
use lossless::ticket::Channel;
use lossless_app::i18n::{Texts, texts};
use std::collections::HashMap;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    lossless_app::ssr::lang_from_headers(headers)
}

/// `GET /request`.
pub async fn page(headers: axum::http::HeaderMap) -> Response {
    let lang = lang_of(&headers);
    Html(render(
        lang,
        &RawRequest::default(),
        &FieldErrors::default(),
        &crate::random_hex(16),
        None,
    ))
    .into_response()
}

/// `POST /request` (application/x-www-form-urlencoded).
pub async fn submit(State(s): State<AppState>, req: axum::extract::Request<Body>) -> Response {
    let lang = lang_of(req.headers());
    let t = texts(lang);
    if !s.limiter.allow(client_ip(&req), std::time::Instant::now()) {
        let html = render(
            lang,
            &RawRequest::default(),
            &FieldErrors::default(),
            &crate::random_hex(16),
            Some(t.request_rate_limited),
        );
        return (StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response();
    }
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), super::api::MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Html(simple_page(lang, t.field_too_long)),
        )
            .into_response();
    };
    let fields: HashMap<String, String> = form_urlencoded(&bytes);
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let raw = RawRequest {
        name: get("name"),
        email: get("email"),
        phone: get("phone"),
        subject: get("subject"),
        message: get("message"),
        priority: String::new(),
        lang: lang.code().to_owned(),
        custom_fields: Default::default(),
    };
    let form_key = get("form_key");
    let key_ok = !form_key.is_empty()
        && form_key.len() <= 64
        && form_key.bytes().all(|b| b.is_ascii_alphanumeric());
    let valid = match raw.validate(Channel::WebForm, lang) {
        Ok(v) => v,
        Err(f) => return invalid(lang, &raw, &f, &form_key),
    };
    let key = key_ok.then(|| IntakeKey {
        source: "web_form".into(),
        key: form_key.clone(),
    });
    match submit_request(&s.ports, valid, key, new_portal_token()).await {
        Ok(c) => Redirect::to(&format!(
            "/portal/t/{}?new=1",
            c.ticket.portal_token.as_str()
        ))
        .into_response(),
        Err(DomainError::Invalid(f)) => invalid(lang, &raw, &f, &form_key),
        Err(e) => {
            let reference = super::api::log_internal(&e);
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(simple_page(
                    lang,
                    &t.err_internal.replace("{n}", &reference),
                )),
            )
                .into_response()
        }
    }
}

fn invalid(lang: Lang, raw: &RawRequest, f: &FieldErrors, form_key: &str) -> Response {
    let key = if form_key.is_empty() {
        crate::random_hex(16)
    } else {
        form_key.to_owned()
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Html(render(lang, raw, f, &key, None)),
    )
        .into_response()
}

fn form_urlencoded(bytes: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in bytes.split(|b| *b == b'&') {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = decode(it.next().unwrap_or_default());
        let v = decode(it.next().unwrap_or_default());
        if !k.is_empty() {
            out.insert(k, v);
        }
    }
    out
}

/// Percent-decoding with `+` as space (HTML form encoding); invalid UTF-8 is replaced and a
/// malformed escape is kept literally.
fn decode(s: &[u8]) -> String {
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn head(lang: Lang, title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/pkg/lossless.css\"></head><body class=\"public\">",
        lang.code(),
        esc(title)
    )
}

fn simple_page(lang: Lang, text: &str) -> String {
    format!(
        "{}<main class=\"public-card\"><p>{}</p><p><a href=\"/request\">←</a></p></main></body></html>",
        head(lang, text),
        esc(text)
    )
}

fn field(
    t: &Texts,
    lang: Lang,
    name: &str,
    label: &str,
    value: &str,
    f: &FieldErrors,
    kind: &str,
) -> String {
    let err =
        f.0.iter()
            .find(|e| e.field == name)
            .map(|e| field_message(lang, &e.code));
    let _ = t;
    let input = if kind == "textarea" {
        format!(
            "<textarea id=\"{name}\" name=\"{name}\" rows=\"6\">{}</textarea>",
            esc(value)
        )
    } else {
        format!(
            "<input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\">",
            esc(value)
        )
    };
    let err_html = err.map_or(String::new(), |m| {
        format!(
            "<span class=\"field-error\" data-field=\"{name}\">{}</span>",
            esc(m)
        )
    });
    format!(
        "<label for=\"{name}\" class=\"field{}\"><span>{}</span>{input}{err_html}</label>",
        if err.is_some() { " invalid" } else { "" },
        esc(label)
    )
}

fn render(
    lang: Lang,
    raw: &RawRequest,
    f: &FieldErrors,
    form_key: &str,
    banner: Option<&str>,
) -> String {
    let t = texts(lang);
    let other = match lang {
        Lang::Ru => ("en", "English"),
        Lang::En => ("ru", "Русский"),
    };
    let banner = banner.map_or(String::new(), |b| {
        format!("<p class=\"banner error\">{}</p>", esc(b))
    });
    format!(
        "{head}<main class=\"public-card\"><header class=\"public-head\"><h1>{title}</h1>\
         <a class=\"lang-switch\" href=\"/lang/{code}?back=/request\">{other_name}</a></header>\
         <p class=\"intro\">{intro}</p>{banner}\
         <form method=\"post\" action=\"/request\" class=\"request-form\" novalidate>\
         <input type=\"hidden\" name=\"form_key\" value=\"{key}\">\
         {name}{email}{phone}{subject}{message}\
         <button type=\"submit\">{submit}</button></form></main></body></html>",
        head = head(lang, t.request_title),
        title = esc(t.request_title),
        code = other.0,
        other_name = other.1,
        intro = esc(t.request_intro),
        key = esc(form_key),
        name = field(t, lang, "name", t.request_name, &raw.name, f, "text"),
        email = field(t, lang, "email", t.request_email, &raw.email, f, "email"),
        phone = field(t, lang, "phone", t.request_phone, &raw.phone, f, "tel"),
        subject = field(
            t,
            lang,
            "subject",
            t.request_subject,
            &raw.subject,
            f,
            "text"
        ),
        message = field(
            t,
            lang,
            "message",
            t.request_message,
            &raw.message,
            f,
            "textarea"
        ),
        submit = esc(t.request_submit),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_decodes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let m = form_urlencoded(b"name=%D0%98%D0%B2%D0%B0%D0%BD+I&email=a%40b.ru&bad=%zz%&e=");
        assert_eq!(m["name"], "Иван I");
        assert_eq!(m["email"], "a@b.ru");
        assert_eq!(m["bad"], "%zz%");
        assert_eq!(m["e"], "");
    }

    #[test]
    fn form_rerenders_with_messages_and_escaped_values() {
        let raw = RawRequest {
            name: "<script>".into(),
            ..Default::default()
        };
        let mut f = FieldErrors::default();
        f.push("email", "required");
        let html = render(Lang::En, &raw, &f, "k1", None);
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("data-field=\"email\""));
    }
}
