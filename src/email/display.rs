//! Display-time trimming of a plain-text mail body (issue 3, point 3): splits it into the
//! new part the customer just wrote, the quoted earlier mail and the signature, so agents
//! read the new part first and open the rest on demand.
//!
//! Recognised (by line shape, no regex):
//! - a trailing block of `>`-quoted lines, with the attribution line before it when that line
//!   ends with `:` (Gmail/Apple/Thunderbird "On … wrote:", Gmail ru "вт, 6 февр. 2024 г. в
//!   08:40, Support <…>:", Yandex "22.11.2026, 15:29, "Иван" <…>:", Mail.ru "… от Иван <…>:");
//! - attribution lines without `>` quoting: "On … wrote:" (also wrapped over two lines),
//!   "… пишет:" / "… написал(а):";
//! - Outlook blocks: "-----Original Message-----", "-------- Исходное сообщение --------",
//!   an underscore rule followed by a header block, and "From: … Sent: …" / "От: …
//!   Отправлено: …" header blocks — but never a block introduced as a forwarded message
//!   (a forward's content is what the customer sent us);
//! - signatures: the "-- " separator (RFC 3676 §4.3) and mobile footers ("Sent from my
//!   iPhone", "Get Outlook for Android", "Отправлено с iPhone", "Отправлено из мобильной
//!   Яндекс.Почты", "Отправлено из Mail.ru для Android", …).
//!
//! Invariants: pure, never panics; the three parts together hold only lines of the input (the
//! original stays stored untouched and is always shown on demand); the new part is never
//! empty when the input is not — if everything would be quoted or signature, everything is
//! shown as new.

use serde::{Deserialize, Serialize};

/// A body split for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayText {
    /// What the sender wrote now (shown first).
    pub new: String,
    /// The quoted earlier mail, with its attribution line (behind a disclosure); may be empty.
    pub quoted: String,
    /// The signature, with its separator; may be empty.
    pub signature: String,
}

impl DisplayText {
    /// How many lines the quoted part has.
    pub fn quoted_lines(&self) -> usize {
        if self.quoted.is_empty() {
            0
        } else {
            self.quoted.lines().count()
        }
    }
}

/// Longest signature recognised after a separator (lines); longer is body text.
const MAX_SIGNATURE_LINES: usize = 15;

/// Splits a plain-text body (lines separated by `\n`) for display. See the module doc.
pub fn split_for_display(text: &str) -> DisplayText {
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let quote = quote_start(&lines);
    let new_end = quote.unwrap_or(n);
    let (sig, sig_end) = match signature_start(&lines, 0, new_end) {
        Some(s) => (Some(s), new_end),
        // Thunderbird and others put the signature under a `>`-quoted reply.
        None => match quote {
            Some(q) if quoted_block_then_signature(&lines, q).is_some() => {
                (quoted_block_then_signature(&lines, q), n)
            }
            _ => (None, new_end),
        },
    };
    let new_to = sig.map_or(new_end, |s| s.min(new_end));
    let new = join(lines.get(..new_to).unwrap_or_default());
    let (quoted, signature) = match (quote, sig) {
        (Some(q), Some(s)) if s > q => (
            join(lines.get(q..s).unwrap_or_default()),
            join(lines.get(s..sig_end).unwrap_or_default()),
        ),
        (Some(q), Some(s)) => (
            join(lines.get(q..).unwrap_or_default()),
            join(lines.get(s..q).unwrap_or_default()),
        ),
        (Some(q), None) => (join(lines.get(q..).unwrap_or_default()), String::new()),
        (None, Some(s)) => (String::new(), join(lines.get(s..).unwrap_or_default())),
        (None, None) => (String::new(), String::new()),
    };
    if !new.trim().is_empty() {
        return DisplayText {
            new,
            quoted,
            signature,
        };
    }
    // Never trim to nothing: when all of it would be quoted or signature, show everything.
    DisplayText {
        new: join(&lines),
        quoted: String::new(),
        signature: String::new(),
    }
}

/// The lines joined with `\n`, without leading and trailing blank lines.
fn join(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(start, |e| e + 1);
    lines.get(start..end).unwrap_or_default().join("\n")
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The first line of the quoted earlier mail, if any.
fn quote_start(lines: &[&str]) -> Option<usize> {
    let by_header = (0..lines.len()).find(|&i| is_quote_header(lines, i));
    let by_block = trailing_quote_block(lines);
    match (by_header, by_block) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Start of the last run of `>` lines that only blank lines, a signature or nothing follow,
/// extended upwards over an attribution line ending with `:`.
fn trailing_quote_block(lines: &[&str]) -> Option<usize> {
    let mut end = lines.len();
    // A signature after the quote (bottom-posted signature) does not hide the block.
    if let Some(last_quoted) = lines.iter().rposition(|l| is_quoted(l)) {
        let tail = lines.get(last_quoted + 1..).unwrap_or_default();
        let tail_sig = tail.iter().position(|l| is_separator(l));
        let only_blank_until_sig = tail
            .iter()
            .take(tail_sig.unwrap_or(tail.len()))
            .all(|l| blank(l));
        if !only_blank_until_sig {
            return None;
        }
        end = last_quoted + 1;
    }
    let mut start = end;
    while start > 0
        && lines
            .get(start - 1)
            .is_some_and(|l| is_quoted(l) || blank(l))
    {
        start -= 1;
    }
    while lines.get(start).is_some_and(|l| blank(l)) {
        start += 1;
    }
    if start >= end {
        return None;
    }
    // The attribution right above the block ("…, Support <support@…>:"), possibly wrapped.
    let mut above = start;
    while above > 0 && lines.get(above - 1).is_some_and(|l| blank(l)) {
        above -= 1;
    }
    if above > 0
        && lines
            .get(above - 1)
            .is_some_and(|l| l.trim_end().ends_with(':'))
    {
        let first = above - 1;
        let wrapped = first > 0
            && lines
                .get(first - 1)
                .is_some_and(|l| !blank(l) && l.trim_start().starts_with("On "))
            && !lines
                .get(first)
                .is_some_and(|l| l.trim_start().starts_with("On "));
        return Some(if wrapped { first - 1 } else { first });
    }
    Some(start)
}

/// Does line `i` open a quoted earlier mail (attribution, Outlook block)?
fn is_quote_header(lines: &[&str], i: usize) -> bool {
    let Some(line) = lines.get(i).map(|l| l.trim()) else {
        return false;
    };
    if line.is_empty() || is_quoted(line) {
        return false;
    }
    if is_attribution(line) {
        return true;
    }
    // "On Mon, 5 Feb 2024 at 10:00, Long Name <\nname@example.com> wrote:"
    if line.starts_with("On ")
        && let Some(next) = lines.get(i + 1)
        && is_attribution(&format!("{line} {}", next.trim()))
    {
        return true;
    }
    if is_original_message_rule(line) {
        return true;
    }
    let underscore_rule = line.len() >= 10 && line.chars().all(|c| c == '_');
    let header_at = if underscore_rule { i + 1 } else { i };
    header_block(lines, header_at) && !introduced_as_forward(lines, i)
}

/// "On … wrote:", "… пишет:", "… написал(а):" and a few other languages' attributions.
fn is_attribution(line: &str) -> bool {
    if line.chars().count() > 300 {
        return false;
    }
    let lower = line.to_lowercase();
    let with_sender = line.contains('@') || line.chars().any(|c| c.is_ascii_digit());
    (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || (with_sender
            && (lower.ends_with("пишет:")
                || lower.ends_with("написал:")
                || lower.ends_with("написала:")
                || lower.ends_with("написал(а):")
                || lower.ends_with("schrieb:")
                || lower.ends_with("a écrit :")
                || lower.ends_with("a écrit:")
                || (lower.contains('@') && lower.ends_with("wrote:"))))
}

/// "-----Original Message-----", "-------- Исходное сообщение --------".
fn is_original_message_rule(line: &str) -> bool {
    if !line.starts_with("--") {
        return false;
    }
    let inner = line
        .trim_matches(|c: char| c == '-' || c.is_whitespace())
        .to_lowercase();
    matches!(
        inner.as_str(),
        "original message" | "исходное сообщение" | "исходное письмо" | "оригинальное сообщение"
    )
}

/// An Outlook-style header block at `i`: "From:"/"От:" and, within the next four lines, a
/// "Sent:"/"Date:"/"Отправлено:"/"Дата:" line.
fn header_block(lines: &[&str], i: usize) -> bool {
    let starts = |l: &str, keys: &[&str]| {
        let l = l.trim_start().trim_start_matches('*');
        keys.iter().any(|k| l.starts_with(k))
    };
    let Some(first) = lines.get(i) else {
        return false;
    };
    if !starts(first, &["From:", "От:", "От кого:"]) {
        return false;
    }
    lines
        .iter()
        .skip(i + 1)
        .take(4)
        .any(|l| starts(l, &["Sent:", "Date:", "Отправлено:", "Дата:"]))
}

/// Is the block at `i` introduced as a forwarded message (its content is what was sent)?
fn introduced_as_forward(lines: &[&str], i: usize) -> bool {
    let Some(prev) = lines
        .get(..i)
        .and_then(|b| b.iter().rev().find(|l| !blank(l)))
    else {
        return false;
    };
    let lower = prev.to_lowercase();
    lower.contains("forwarded message")
        || lower.contains("begin forwarded message")
        || lower.contains("пересылаемое сообщение")
        || lower.contains("пересланное сообщение")
}

/// The "-- " signature separator (also without the trailing space, which clients drop).
fn is_separator(line: &str) -> bool {
    line == "-- " || line == "--"
}

/// Mobile and webmail footers that are a whole signature by themselves.
fn is_mobile_footer(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    if lower.chars().count() > 80 {
        return false;
    }
    [
        "sent from my ",
        "sent from mail for windows",
        "sent from outlook",
        "sent from yahoo mail",
        "sent from samsung",
        "sent via ",
        "get outlook for ",
        "отправлено с iphone",
        "отправлено с ipad",
        "отправлено с моего",
        "отправлено из мобильной",
        "отправлено из mail.ru",
        "отправлено из почты mail.ru",
        "отправлено из приложения",
        "отправлено из яндекс",
        "отправлено с помощью",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// The signature's first line within `lines[from..to]`, if any.
fn signature_start(lines: &[&str], from: usize, to: usize) -> Option<usize> {
    let part = lines.get(from..to)?;
    if let Some(s) = part.iter().rposition(|l| is_separator(l)) {
        let len = part.len() - s;
        if len <= MAX_SIGNATURE_LINES + 1 {
            return Some(from + s);
        }
    }
    let last = part.iter().rposition(|l| !blank(l))?;
    part.get(last)
        .is_some_and(|l| is_mobile_footer(l))
        .then_some(from + last)
}

/// For a `>`-quoted block starting at `q`: the signature line right after it (only blank
/// lines between), if any.
fn quoted_block_then_signature(lines: &[&str], q: usize) -> Option<usize> {
    let last_quoted = lines.iter().rposition(|l| is_quoted(l))?;
    if last_quoted < q {
        return None;
    }
    let after = lines.get(last_quoted + 1..)?;
    let s = after.iter().position(|l| !blank(l))?;
    let line = after.get(s)?;
    (is_separator(line) && after.len() - s <= MAX_SIGNATURE_LINES + 1)
        .then_some(last_quoted + 1 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> DisplayText {
        split_for_display(s)
    }

    #[test]
    fn gmail_attribution_and_quote_are_trimmed() {
        let d = split(
            "Thanks, it works now.\n\nOn Mon, Feb 5, 2024 at 10:00 AM Support <support@acme.test> wrote:\n\n> Please try again.\n>\n> Support\n",
        );
        assert_eq!(d.new, "Thanks, it works now.");
        assert!(d.quoted.starts_with("On Mon, Feb 5"));
        assert_eq!(d.quoted_lines(), 5);
        assert_eq!(d.signature, "");
    }

    #[test]
    fn a_wrapped_gmail_attribution_is_one_header() {
        let d = split(
            "Yes.\n\nOn Mon, Feb 5, 2024 at 10:00 AM Very Long Name <\nsupport@acme.test> wrote:\n\n> Is it fixed?\n",
        );
        assert_eq!(d.new, "Yes.");
        assert!(d.quoted.starts_with("On Mon"));
    }

    #[test]
    fn gmail_russian_attribution_ending_with_a_colon() {
        let d = split(
            "Спасибо, счёт пришёл.\n\nвт, 6 февр. 2024 г. в 08:40, Support <support@support.example.com>:\n\n> Анна, добрый день!\n>\n",
        );
        assert_eq!(d.new, "Спасибо, счёт пришёл.");
        assert!(d.quoted.starts_with("вт, 6 февр."));
    }

    #[test]
    fn apple_mail_attribution() {
        let d = split(
            "Got it.\n\nSent from my iPhone\n\n> On 5 Feb 2024, at 10:00, Support <s@acme.test> wrote:\n>\n> Hello\n",
        );
        assert_eq!(d.new, "Got it.");
        assert_eq!(d.signature, "Sent from my iPhone");
        assert!(d.quoted.starts_with("> On 5 Feb"));
    }

    #[test]
    fn thunderbird_reply_with_the_signature_under_the_quote() {
        let d = split(
            "Thanks, the export works now.\n\nOn 16.02.2024 14:20, Support wrote:\n> We have deployed a fix.\n\n-- \nPeter Nilsson\n",
        );
        assert_eq!(d.new, "Thanks, the export works now.");
        assert_eq!(
            d.quoted,
            "On 16.02.2024 14:20, Support wrote:\n> We have deployed a fix."
        );
        assert_eq!(d.signature, "-- \nPeter Nilsson");
    }

    #[test]
    fn outlook_original_message_and_header_blocks() {
        let d = split(
            "See my answer.\n\nIvan\n\n-----Original Message-----\nFrom: Support <s@acme.test>\nSent: Monday, February 5, 2024 10:00 AM\nTo: Ivan\nSubject: RE: x\n\nHello\n",
        );
        assert_eq!(d.new, "See my answer.\n\nIvan");
        assert!(d.quoted.starts_with("-----Original Message-----"));
        let d = split(
            "Ok.\n\n________________________________\nFrom: Support <s@acme.test>\nSent: Monday\nTo: Ivan\n\nHello\n",
        );
        assert_eq!(d.new, "Ok.");
        assert!(d.quoted.starts_with("_____"));
        let d = split(
            "Хорошо.\n\nОт: Support <s@acme.test>\nОтправлено: 5 февраля 2024 г. 10:00\nКому: Иван\nТема: x\n\nЗдравствуйте\n",
        );
        assert_eq!(d.new, "Хорошо.");
        assert!(d.quoted.starts_with("От: Support"));
    }

    #[test]
    fn yandex_and_mailru_russian_styles() {
        let d = split(
            "Добрый день, проблема осталась.\n\n-- \nС уважением, Иван\n\n22.11.2026, 15:29, \"Support\" <support@acme.test>:\n> Попробуйте ещё раз.\n",
        );
        assert_eq!(d.new, "Добрый день, проблема осталась.");
        assert_eq!(d.signature, "-- \nС уважением, Иван");
        assert!(d.quoted.starts_with("22.11.2026"));
        let d = split(
            "Спасибо!\n\nОтправлено из мобильной Яндекс.Почты\n\n-------- Исходное сообщение --------\nОт: Support\n",
        );
        assert_eq!(d.new, "Спасибо!");
        assert_eq!(d.signature, "Отправлено из мобильной Яндекс.Почты");
        let d = split(
            "Да, верно.\n\n\nПонедельник, 5 февраля 2024, 10:00 +03:00 от Support <support@acme.test>:\n> Уточните номер заказа.\n",
        );
        assert_eq!(d.new, "Да, верно.");
        let d = split("Понял.\n\nИван Петров пишет 5 февраля 2024 г., 10:00:\nстарый текст\n");
        assert_eq!(
            d.new,
            "Понял.\n\nИван Петров пишет 5 февраля 2024 г., 10:00:\nстарый текст"
        );
        let d = split("Понял.\n\n05.02.2024 10:00, Support пишет:\nстарый текст\n");
        assert_eq!(d.new, "Понял.");
        let d = split("Ок\n\nОтправлено с iPhone\n");
        assert_eq!(
            (d.new.as_str(), d.signature.as_str()),
            ("Ок", "Отправлено с iPhone")
        );
    }

    #[test]
    fn forwards_and_inline_answers_are_kept() {
        let fwd = "See below.\n\n---------- Forwarded message ---------\nFrom: Marina <m@x.ru>\nDate: Fri\nSubject: x\n\nText\n";
        assert_eq!(split(fwd).new, fwd.trim_end());
        let inline = "> question one\nanswer one\n> question two\nanswer two\n";
        assert_eq!(split(inline).new, inline.trim_end());
        assert_eq!(split(inline).quoted, "");
    }

    #[test]
    fn never_trims_to_nothing() {
        let all_quoted = "> only a quote\n> nothing else\n";
        assert_eq!(split(all_quoted).new, all_quoted.trim_end());
        let only_sig = "-- \nIvan\n";
        assert_eq!(split(only_sig).new, only_sig.trim_end());
        assert_eq!(split("").new, "");
        let attribution_only = "On Mon, Feb 5, 2024 Ivan <i@x.ru> wrote:\n> hi\n";
        assert!(!split(attribution_only).new.is_empty());
    }

    #[test]
    fn a_long_text_after_dashes_is_not_a_signature() {
        let body = format!("Intro\n--\n{}", "line\n".repeat(40));
        assert_eq!(split(&body).signature, "");
    }
}
