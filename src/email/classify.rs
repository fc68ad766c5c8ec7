//! What kind of mail is this: a human's, an automatic reply, a bounce, or our own mail
//! looping back? [`classify`] answers from the parsed headers alone, with the reason.
//!
//! The rule of thumb: **never auto-acknowledge automatic mail, but never drop a human's
//! mail.** So a weak hint never turns a mail into "automatic" on its own; it only keeps us
//! from answering it automatically ([`Classification::Normal`] with `no_ack` reasons).
//!
//! ## Order (first match wins)
//! 1. **Bounce** — a delivery report (`multipart/report; report-type=delivery-status`,
//!    [RFC 3464](https://www.rfc-editor.org/rfc/rfc3464)); or a sender whose local part is
//!    `mailer-daemon`; or a null `Return-Path` (`<>`) together with a `postmaster` sender.
//!    (`postmaster@` alone can be a human colleague of the customer, so it needs the null
//!    return path.) First because it is the most specific and actionable: it fails the
//!    outbound message named by `original_message_id`. It also wins over *Loop*: a report
//!    produced by our own MTA may carry our Message-ID domain, and a bounce is never
//!    answered either, so this order cannot create a loop.
//! 2. **Loop** — `From` is one of our own mailboxes, or the `Message-ID` is in our
//!    Message-ID domain. Before *AutoReply*: our own automatic mail carries
//!    `Auto-Submitted` too, and "looped back" tells the admin more (a forwarding rule
//!    pointing at itself, two of our mailboxes copying each other).
//! 3. **AutoReply** (any automatic mail, not only vacation replies) — `Auto-Submitted` with
//!    any value but `no` ([RFC 3834](https://www.rfc-editor.org/rfc/rfc3834)); `X-Autoreply`
//!    & co; `Precedence: bulk | junk | auto_reply`; or a vacation subject **together with**
//!    a weak signal (see below).
//! 4. **Normal** — everything else, with the reasons (possibly none) not to acknowledge it.
//!
//! ## Weak signals: reasons not to acknowledge, never reasons to drop
//! - A **mailing list** (`List-Id`, or `Precedence: list`) on its own: a human writing
//!   through a list (Google Groups, Mailman, a team alias) is still a human, so the mail is
//!   *Normal*, but an acknowledgement would go to the whole list, so it is never sent.
//!   (`Precedence: bulk` is a sender declaring its mail automatic, so that is *AutoReply*
//!   even with a `List-Id`.)
//! - A **vacation subject**: the subject *starts with* one of [`VACATION_SUBJECTS`]
//!   (`Автоответ`, `Auto-Reply`, `Out of Office`, `Отпуск`, …; case-insensitive). Alone it
//!   is only a `no_ack` reason (a customer may well write "Отпуск: вопрос по графику").
//!   Only at the start, and not after `Re:`, because auto-responders prefix the original
//!   subject while a human replying to an auto-reply gets `Re: Автоответ: …`.
//! - A **null return path** alone ([RFC 5321 §4.5.5](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.5)):
//!   mail sent with `<>` must not be answered automatically.
//! - A **no-reply sender** (`noreply@`, `no-reply@`, `donotreply@`, …): an acknowledgement
//!   could not be read.
//!
//! A vacation subject **plus** a null return path or a no-reply sender is an *AutoReply*.
//!
//! ## What intake does with it (recommended; decided in the intake service, not here)
//! Only [`Classification::may_auto_acknowledge`] mail gets an acknowledgement. *Loop*: keep
//! the raw mail in the intake log, create nothing. *Bounce*: mark the outbound message
//! `original_message_id` failed on its ticket. *AutoReply*: store it (append it to the
//! ticket it threads into without reopening it, or keep it visible in the intake log) and
//! rate-limit automatic mail per address.
//!
//! Invariants: pure and total (never panics); the result always carries its reason.

use crate::email::inbound::InboundEmail;
use crate::ids::EmailAddress;
use serde::{Deserialize, Serialize};

/// Who we are, to recognise our own mail coming back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OurIdentity {
    /// Our mailboxes (every address any of our channels sends from or receives at).
    pub addresses: Vec<EmailAddress>,
    /// The domain of the Message-IDs we generate (`…@<domain>`); empty matches nothing.
    pub message_id_domain: String,
}

/// Subject beginnings that suggest an automatic reply (lowercase; matched case-insensitively
/// at the start of the trimmed subject). Weak signal: see the module doc.
pub const VACATION_SUBJECTS: &[&str] = &[
    "автоответ",
    "автоматический ответ",
    "auto-reply",
    "auto reply",
    "autoreply",
    "auto-response",
    "auto response",
    "automatic reply",
    "out of office",
    "out of the office",
    "отпуск",
    "в отпуске",
    "вне офиса",
    "нет на месте",
    "abwesenheitsnotiz",
];

/// Local parts of senders nobody reads.
const NO_REPLY_LOCALS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
];

/// The kind of a mail, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Classification {
    /// A human's mail. `no_ack` lists reasons not to acknowledge it automatically; empty
    /// means an acknowledgement is fine.
    Normal {
        /// Why it must not be acknowledged automatically (weak signals).
        no_ack: Vec<NoAckReason>,
    },
    /// Automatic mail (vacation replies, notifications, bulk mail): never acknowledged.
    AutoReply {
        /// Which header or combination said so.
        reason: AutoReplyReason,
    },
    /// A delivery failure report.
    Bounce {
        /// Which signal said so.
        reason: BounceReason,
        /// The Message-ID of the mail that could not be delivered, when the report names it.
        original_message_id: Option<String>,
    },
    /// Our own mail came back.
    Loop {
        /// Which signal said so.
        reason: LoopReason,
    },
}

impl Classification {
    /// May intake send an automatic acknowledgement? Only for a human's mail with no
    /// weak signal against it.
    pub fn may_auto_acknowledge(&self) -> bool {
        matches!(self, Classification::Normal { no_ack } if no_ack.is_empty())
    }
    /// Is it machine-made (auto-reply, bounce or loop)?
    pub fn is_automatic(&self) -> bool {
        !matches!(self, Classification::Normal { .. })
    }
}

/// A weak signal: keep the mail, but do not acknowledge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoAckReason {
    /// Sent through a mailing list (`List-Id` and/or `Precedence: list`).
    MailingList {
        /// The `List-Id` value, when present.
        list_id: Option<String>,
    },
    /// The subject starts like an automatic reply.
    VacationSubject {
        /// The matched beginning (from [`VACATION_SUBJECTS`]).
        pattern: String,
    },
    /// `Return-Path: <>`.
    NullReturnPath,
    /// The sender is a no-reply address.
    NoReplySender {
        /// The sender.
        address: EmailAddress,
    },
}

/// Why a mail is automatic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AutoReplyReason {
    /// `Auto-Submitted` with a value other than `no`.
    AutoSubmitted {
        /// The header value (lowercase, without parameters).
        value: String,
    },
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Response-Suppress`.
    XAutoreply,
    /// `Precedence: bulk | junk | auto_reply`.
    Precedence {
        /// The header value (lowercase).
        value: String,
    },
    /// A vacation subject together with a weak signal (null return path or no-reply sender).
    VacationSubject {
        /// The matched subject beginning.
        pattern: String,
        /// The signal that confirmed it.
        confirmed_by: NoAckReason,
    },
}

/// Why a mail is a bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BounceReason {
    /// An RFC 3464 delivery status report.
    DeliveryReport,
    /// From `mailer-daemon@…`.
    MailerDaemon {
        /// The sender.
        sender: EmailAddress,
    },
    /// A null return path and a `postmaster@…` sender.
    NullReturnPathPostmaster {
        /// The sender.
        sender: EmailAddress,
    },
}

/// Why a mail is our own, looping back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoopReason {
    /// `From` is one of our mailboxes.
    FromOurAddress {
        /// The address.
        address: EmailAddress,
    },
    /// The `Message-ID` is in our Message-ID domain.
    OurMessageIdDomain {
        /// The Message-ID.
        message_id: String,
    },
}

/// Classifies `mail` (see the module doc for the order and the rules).
pub fn classify(mail: &InboundEmail, ours: &OurIdentity) -> Classification {
    let auto = &mail.auto;
    let sender = mail.from.as_ref().map(|m| &m.address);
    let sender_local = sender
        .map(|a| local_part(a).to_ascii_lowercase())
        .unwrap_or_default();

    // 1. Bounce.
    let bounce = if auto.delivery_report {
        Some(BounceReason::DeliveryReport)
    } else {
        match sender {
            Some(s) if sender_local == "mailer-daemon" => {
                Some(BounceReason::MailerDaemon { sender: s.clone() })
            }
            Some(s) if sender_local == "postmaster" && auto.null_return_path => {
                Some(BounceReason::NullReturnPathPostmaster { sender: s.clone() })
            }
            _ => None,
        }
    };
    if let Some(reason) = bounce {
        return Classification::Bounce {
            reason,
            original_message_id: auto
                .reported_message_id
                .as_deref()
                .map(strip_brackets)
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
        };
    }

    // 2. Loop.
    if let Some(s) = sender
        && ours.addresses.iter().any(|a| same_address(a, s))
    {
        return Classification::Loop {
            reason: LoopReason::FromOurAddress { address: s.clone() },
        };
    }
    if let Some(id) = &mail.message_id
        && is_in_domain(id, &ours.message_id_domain)
    {
        return Classification::Loop {
            reason: LoopReason::OurMessageIdDomain {
                message_id: id.clone(),
            },
        };
    }

    // 3. Automatic mail, by its own declaration.
    if let Some(value) = auto.auto_submitted.as_deref().map(header_token)
        && !value.is_empty()
        && value != "no"
    {
        return Classification::AutoReply {
            reason: AutoReplyReason::AutoSubmitted { value },
        };
    }
    if auto.x_autoreply {
        return Classification::AutoReply {
            reason: AutoReplyReason::XAutoreply,
        };
    }
    let precedence = auto
        .precedence
        .as_deref()
        .map(header_token)
        .unwrap_or_default();
    if matches!(
        precedence.as_str(),
        "bulk" | "junk" | "auto_reply" | "auto-reply"
    ) {
        return Classification::AutoReply {
            reason: AutoReplyReason::Precedence { value: precedence },
        };
    }

    // 4. Weak signals.
    let mut weak = Vec::new();
    if auto.null_return_path {
        weak.push(NoAckReason::NullReturnPath);
    }
    if let Some(s) = sender
        && NO_REPLY_LOCALS.contains(&sender_local.as_str())
    {
        weak.push(NoAckReason::NoReplySender { address: s.clone() });
    }
    if let Some(pattern) = vacation_subject(&mail.subject) {
        if let Some(confirmed_by) = weak.first().cloned() {
            return Classification::AutoReply {
                reason: AutoReplyReason::VacationSubject {
                    pattern: pattern.to_owned(),
                    confirmed_by,
                },
            };
        }
        weak.push(NoAckReason::VacationSubject {
            pattern: pattern.to_owned(),
        });
    }
    if auto.list_id.is_some() || precedence == "list" {
        weak.push(NoAckReason::MailingList {
            list_id: auto.list_id.clone(),
        });
    }
    Classification::Normal { no_ack: weak }
}

/// The [`VACATION_SUBJECTS`] entry the subject starts with, if any.
pub fn vacation_subject(subject: &str) -> Option<&'static str> {
    let s = subject.trim_start().to_lowercase();
    VACATION_SUBJECTS.iter().copied().find(|p| {
        s.strip_prefix(p)
            // A whole word: "Отпуск: …" or "Отпуск", not "Отпускные".
            .is_some_and(|rest| !rest.starts_with(char::is_alphanumeric))
    })
}

fn local_part(a: &EmailAddress) -> &str {
    a.as_str()
        .rsplit_once('@')
        .map_or(a.as_str(), |(local, _)| local)
}

/// Addresses compare case-insensitively: providers treat local parts so in practice.
fn same_address(a: &EmailAddress, b: &EmailAddress) -> bool {
    a.as_str().to_lowercase() == b.as_str().to_lowercase()
}

fn strip_brackets(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

fn is_in_domain(message_id: &str, domain: &str) -> bool {
    let domain = domain.trim();
    !domain.is_empty()
        && strip_brackets(message_id)
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
}

/// A header's main token, lowercase: `Auto-Replied; owner=x` → `auto-replied`.
fn header_token(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::email::inbound::{AutoHeaders, Mailbox};

    pub(crate) fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    pub(crate) fn mail(from: &str, subject: &str) -> InboundEmail {
        InboundEmail {
            message_id: Some("CAF=abc123@mail.gmail.com".into()),
            in_reply_to: vec![],
            references: vec![],
            from: Some(Mailbox {
                name: String::new(),
                address: addr(from),
            }),
            reply_to: vec![],
            to: vec![Mailbox {
                name: "Support".into(),
                address: addr("support@acme.ru"),
            }],
            cc: vec![],
            subject: subject.into(),
            date: None,
            text: "Здравствуйте!".into(),
            html: None,
            attachments: vec![],
            auto: AutoHeaders::default(),
        }
    }

    fn ours() -> OurIdentity {
        OurIdentity {
            addresses: vec![addr("support@acme.ru"), addr("sales@acme.ru")],
            message_id_domain: "mail.acme.ru".into(),
        }
    }

    fn auto_reply_reason(c: Classification) -> AutoReplyReason {
        match c {
            Classification::AutoReply { reason } => reason,
            other => panic!("expected an auto-reply, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_human_mail_is_normal_and_acknowledged() {
        let c = classify(&mail("ivan@example.ru", "Не работает принтер"), &ours());
        assert_eq!(c, Classification::Normal { no_ack: vec![] });
        assert!(c.may_auto_acknowledge());
        assert!(!c.is_automatic());
    }

    #[test]
    fn auto_submitted_other_than_no_is_automatic() {
        let mut m = mail("ivan@example.ru", "Re: LL-5");
        m.auto.auto_submitted = Some("Auto-Replied; owner-email=\"ivan@example.ru\"".into());
        assert_eq!(
            auto_reply_reason(classify(&m, &ours())),
            AutoReplyReason::AutoSubmitted {
                value: "auto-replied".into()
            }
        );
        m.auto.auto_submitted = Some("auto-generated".into());
        assert!(classify(&m, &ours()).is_automatic());
        m.auto.auto_submitted = Some("no".into());
        assert_eq!(
            classify(&m, &ours()),
            Classification::Normal { no_ack: vec![] }
        );
    }

    #[test]
    fn x_autoreply_and_precedence_are_automatic() {
        let mut m = mail("ivan@example.ru", "Hello");
        m.auto.x_autoreply = true;
        assert_eq!(
            auto_reply_reason(classify(&m, &ours())),
            AutoReplyReason::XAutoreply
        );
        for p in ["bulk", "junk", "auto_reply", "Bulk"] {
            let mut m = mail("news@shop.example", "Скидки");
            m.auto.precedence = Some(p.into());
            assert_eq!(
                auto_reply_reason(classify(&m, &ours())),
                AutoReplyReason::Precedence {
                    value: p.to_lowercase()
                }
            );
        }
        // Unknown precedence values mean nothing.
        let mut m = mail("ivan@example.ru", "Hello");
        m.auto.precedence = Some("first-class".into());
        assert!(classify(&m, &ours()).may_auto_acknowledge());
    }

    #[test]
    fn a_mailing_list_post_is_kept_but_not_acknowledged() {
        let mut m = mail("ivan@example.ru", "Вопрос по договору");
        m.auto.list_id = Some("<clients.acme.ru>".into());
        m.auto.precedence = Some("list".into());
        let c = classify(&m, &ours());
        assert_eq!(
            c,
            Classification::Normal {
                no_ack: vec![NoAckReason::MailingList {
                    list_id: Some("<clients.acme.ru>".into())
                }]
            }
        );
        assert!(!c.may_auto_acknowledge());
        assert!(!c.is_automatic());
        // Precedence: list without List-Id is a list too.
        let mut m = mail("ivan@example.ru", "Вопрос");
        m.auto.precedence = Some("list".into());
        assert!(matches!(
            classify(&m, &ours()),
            Classification::Normal { no_ack } if no_ack == [NoAckReason::MailingList { list_id: None }]
        ));
        // Bulk through a list is automatic: the sender said so.
        let mut m = mail("news@shop.example", "Скидки");
        m.auto.list_id = Some("news.shop.example".into());
        m.auto.precedence = Some("bulk".into());
        assert!(classify(&m, &ours()).is_automatic());
    }

    #[test]
    fn russian_vacation_auto_reply_with_a_confirming_signal() {
        let mut m = mail(
            "ivan@example.ru",
            "Автоответ: Re: [#LL-1042] Не работает принтер",
        );
        m.auto.auto_submitted = Some("auto-replied".into());
        assert!(classify(&m, &ours()).is_automatic());

        // No standard header, but a null return path confirms the subject.
        let mut m = mail(
            "ivan@example.ru",
            "Автоответ: Re: [#LL-1042] Не работает принтер",
        );
        m.auto.null_return_path = true;
        assert_eq!(
            auto_reply_reason(classify(&m, &ours())),
            AutoReplyReason::VacationSubject {
                pattern: "автоответ".into(),
                confirmed_by: NoAckReason::NullReturnPath
            }
        );
        // A no-reply sender confirms it too.
        let m = mail("noreply@example.ru", "Отпуск до 15.08");
        assert_eq!(
            auto_reply_reason(classify(&m, &ours())),
            AutoReplyReason::VacationSubject {
                pattern: "отпуск".into(),
                confirmed_by: NoAckReason::NoReplySender {
                    address: addr("noreply@example.ru")
                }
            }
        );
        let m = mail("x@example.com", "Out of Office: your request");
        assert!(matches!(
            classify(&m, &ours()),
            Classification::Normal { no_ack } if no_ack == [NoAckReason::VacationSubject { pattern: "out of office".into() }]
        ));
    }

    #[test]
    fn a_vacation_subject_alone_keeps_the_human_mail() {
        for subject in [
            "Отпуск: вопрос по графику",
            "Auto-Reply settings help",
            "OUT OF OFFICE",
        ] {
            let c = classify(&mail("ivan@example.ru", subject), &ours());
            assert!(!c.is_automatic(), "{subject}");
            assert!(!c.may_auto_acknowledge(), "{subject}");
        }
        // Not at the start, after Re:, or only a word prefix: no signal at all.
        for subject in [
            "Re: Автоответ: заявка",
            "Заявление на отпуск",
            "Отпускные не пришли",
            "How to set up an auto-reply?",
        ] {
            let c = classify(&mail("ivan@example.ru", subject), &ours());
            assert!(c.may_auto_acknowledge(), "{subject}");
        }
    }

    #[test]
    fn weak_signals_alone_only_stop_the_acknowledgement() {
        let mut m = mail("ivan@example.ru", "Hello");
        m.auto.null_return_path = true;
        assert_eq!(
            classify(&m, &ours()),
            Classification::Normal {
                no_ack: vec![NoAckReason::NullReturnPath]
            }
        );
        let m = mail("No-Reply@bank.example", "Ваша выписка");
        assert!(matches!(
            classify(&m, &ours()),
            Classification::Normal { no_ack } if matches!(no_ack[..], [NoAckReason::NoReplySender { .. }])
        ));
    }

    #[test]
    fn dsn_bounce_names_the_original_message() {
        let mut m = mail(
            "MAILER-DAEMON@mx.example.ru",
            "Undelivered Mail Returned to Sender",
        );
        m.auto.delivery_report = true;
        m.auto.null_return_path = true;
        m.auto.reported_message_id = Some("<ll.42.7.0123456789abcdef@mail.acme.ru>".into());
        assert_eq!(
            classify(&m, &ours()),
            Classification::Bounce {
                reason: BounceReason::DeliveryReport,
                original_message_id: Some("ll.42.7.0123456789abcdef@mail.acme.ru".into())
            }
        );
        // A report from our own MTA (our Message-ID domain) is still a bounce, not a loop.
        m.message_id = Some("20240101.ABC@mail.acme.ru".into());
        assert!(matches!(
            classify(&m, &ours()),
            Classification::Bounce { .. }
        ));
    }

    #[test]
    fn non_report_bounces_by_sender() {
        let m = mail("mailer-daemon@mx.example.ru", "Delivery failure");
        assert_eq!(
            classify(&m, &ours()),
            Classification::Bounce {
                reason: BounceReason::MailerDaemon {
                    sender: addr("mailer-daemon@mx.example.ru")
                },
                original_message_id: None
            }
        );
        let mut m = mail("postmaster@example.ru", "Недоставленное сообщение");
        m.auto.null_return_path = true;
        assert!(matches!(
            classify(&m, &ours()),
            Classification::Bounce {
                reason: BounceReason::NullReturnPathPostmaster { .. },
                ..
            }
        ));
        // A postmaster writing normally is a human.
        let m = mail("postmaster@example.ru", "Ваш сервер в чёрном списке");
        assert!(classify(&m, &ours()).may_auto_acknowledge());
    }

    #[test]
    fn our_own_mail_looping_back() {
        let mut m = mail("Support@ACME.ru", "Re: [#LL-5] Заявка принята");
        m.auto.auto_submitted = Some("auto-replied".into());
        assert_eq!(
            classify(&m, &ours()),
            Classification::Loop {
                reason: LoopReason::FromOurAddress {
                    address: addr("Support@acme.ru")
                }
            }
        );
        let mut m = mail("someone@example.ru", "Fwd");
        m.message_id = Some("ll.5.9.0123456789abcdef@MAIL.acme.ru".into());
        assert_eq!(
            classify(&m, &ours()),
            Classification::Loop {
                reason: LoopReason::OurMessageIdDomain {
                    message_id: "ll.5.9.0123456789abcdef@MAIL.acme.ru".into()
                }
            }
        );
        // A sub- or sibling domain is not ours; an empty configured domain matches nothing.
        m.message_id = Some("x@acme.ru".into());
        assert!(!classify(&m, &ours()).is_automatic());
        let nobody = OurIdentity::default();
        m.message_id = Some("x@".into());
        assert!(!classify(&m, &nobody).is_automatic());
    }

    #[test]
    fn a_mail_without_sender_or_ids_is_normal() {
        let mut m = mail("a@b.ru", "");
        m.from = None;
        m.message_id = None;
        assert!(classify(&m, &ours()).may_auto_acknowledge());
    }

    #[test]
    fn classification_serializes_for_agents() {
        let mut m = mail("ivan@example.ru", "Автоответ");
        m.auto.null_return_path = true;
        let json = serde_json::to_value(classify(&m, &ours())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "auto_reply",
                "reason": {
                    "kind": "vacation_subject",
                    "pattern": "автоответ",
                    "confirmed_by": { "kind": "null_return_path" }
                }
            })
        );
    }
}
