//! Detecting the language of a request (Russian or English) from its letters.
//!
//! Invariants: pure and total. Only letters count: Cyrillic letters vote for Russian, Latin
//! letters for English; English wins only with strictly more Latin than Cyrillic letters, so
//! ties and texts without letters are Russian (the primary market). This is the language of
//! the *request*, not [`crate::ticket::Ticket::lang`] (the customer's UI language).

use crate::ids::Lang;

/// The language most letters of `subject` and `body` belong to (ties and none → Russian).
pub fn detect(subject: &str, body: &str) -> Lang {
    let (mut cyr, mut lat) = (0usize, 0usize);
    for c in subject.chars().chain(body.chars()) {
        // Fast paths for the common alphabets; the general test below gives the same answer.
        if c.is_ascii() {
            lat += usize::from(c.is_ascii_alphabetic());
            continue;
        }
        if matches!(c, 'А'..='я' | 'ё' | 'Ё') {
            cyr += 1;
            continue;
        }
        if !c.is_alphabetic() {
            continue;
        }
        if is_cyrillic(c) {
            cyr += 1;
        } else if c.is_ascii_alphabetic() || is_latin_extended(c) {
            lat += 1;
        }
    }
    if lat > cyr { Lang::En } else { Lang::Ru }
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

fn is_latin_extended(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_majority_is_russian_latin_majority_is_english() {
        assert_eq!(detect("Не работает оплата", "Здравствуйте!"), Lang::Ru);
        assert_eq!(
            detect("Payment failed", "Hello, my card was charged"),
            Lang::En
        );
        // Mixed: product names in Latin inside a Russian text stay Russian.
        assert_eq!(
            detect("Ошибка в iPhone", "Приложение Lossless падает при входе"),
            Lang::Ru
        );
        // Mixed the other way.
        assert_eq!(
            detect("Re: Заказ", "Hello, where is my order number 42?"),
            Lang::En
        );
    }

    #[test]
    fn ties_and_no_letters_are_russian() {
        assert_eq!(detect("", ""), Lang::Ru);
        assert_eq!(detect("12345 !!!", "+7 999 000-00-00"), Lang::Ru);
        assert_eq!(detect("ab", "аб"), Lang::Ru);
        assert_eq!(detect("abc", "аб"), Lang::En);
        // Accented Latin counts as Latin.
        assert_eq!(detect("Café déjà", ""), Lang::En);
    }
}
