//! Texts the system sends to customers on its own (acknowledgements now; status notices
//! later). Pure: language in, text out.

use crate::ids::{Lang, TicketNumber};

/// "Your request #N has been received" in the customer's language.
pub fn acknowledgement(lang: Lang, number: &TicketNumber) -> String {
    match lang {
        Lang::Ru => format!(
            "Ваше обращение №{number} принято. Мы ответим как можно скорее; \
             все ответы будут в этой переписке."
        ),
        Lang::En => format!(
            "Your request #{number} has been received. We will answer as soon as we can; \
             every answer will appear in this conversation."
        ),
    }
}

/// The subject of a mail about ticket `number`: `Re: [#N] <subject>` for a reply, and for
/// the acknowledgement the system sends on its own `[#N] Request received: <subject>` in
/// the customer's language. The `[#N]` form is what our intake reads back
/// ([`crate::email::subject_number`]).
pub fn email_subject(lang: Lang, number: &TicketNumber, subject: &str, automatic: bool) -> String {
    let subject = subject.trim();
    if !automatic {
        return format!("Re: [#{number}] {subject}");
    }
    match lang {
        Lang::Ru => format!("[#{number}] Обращение принято: {subject}"),
        Lang::En => format!("[#{number}] Request received: {subject}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::NumberPrefix;

    #[test]
    fn acknowledgement_names_the_number() {
        let n = TicketNumber::new(&NumberPrefix::default(), 345);
        assert!(acknowledgement(Lang::Ru, &n).starts_with("Ваше обращение №LL-345 принято"));
        assert!(
            acknowledgement(Lang::En, &n).starts_with("Your request #LL-345 has been received")
        );
    }

    #[test]
    fn email_subjects_carry_the_number_for_threading() {
        let n = TicketNumber::new(&NumberPrefix::default(), 345);
        assert_eq!(
            email_subject(Lang::Ru, &n, " Принтер ", false),
            "Re: [#LL-345] Принтер"
        );
        assert_eq!(
            email_subject(Lang::En, &n, "Printer", true),
            "[#LL-345] Request received: Printer"
        );
    }
}
