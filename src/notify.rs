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
}
