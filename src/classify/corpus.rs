//! A deterministic, generated set of labelled helpdesk requests in Russian and English (tests
//! and the accuracy report in BENCHMARKS.md). Five categories; texts are built from templates
//! with alternatives (`{a|b|c}`) covering varied word forms, with greetings, closings, shared
//! vocabulary ("заказ", "order", "please"), noise words and, in one of six requests, a sentence
//! borrowed from another category. Tags and priorities follow the words actually used
//! (a refund request is tagged `refund`, a mobile-app one `mobile`, an angry one `complaint`;
//! "срочно/urgent" → urgent, "как можно скорее/asap" → high, "не срочно/no rush" → low).
//!
//! Randomness is a 64-bit LCG (Knuth's MMIX constants) seeded by the caller, so the same seed
//! always gives the same set.

use crate::ticket::Priority;

/// A generated request with its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub subject: String,
    pub body: String,
    pub category: String,
    pub tags: Vec<String>,
    pub priority: Priority,
}

/// Knuth's MMIX linear congruential generator.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list.get(self.below(list.len())).copied().unwrap_or("")
    }
}

/// Expands `{a|b|c}` alternatives (not nested).
pub fn expand(rng: &mut Lcg, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let options: Vec<&str> = rest[open + 1..open + close].split('|').collect();
        out.push_str(rng.pick(&options));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

struct Category {
    name: &'static str,
    ru_subjects: &'static [&'static str],
    ru_sentences: &'static [&'static str],
    en_subjects: &'static [&'static str],
    en_sentences: &'static [&'static str],
}

const CATEGORIES: &[Category] = &[
    Category {
        name: "Billing",
        ru_subjects: &[
            "{Проблема|Вопрос} с оплатой",
            "{Двойное|Повторное} списание",
            "{Не проходит|Не прошла|Не прошёл} {платёж|оплата}",
            "Счёт {на оплату|за услуги} {не пришёл|неверный}",
        ],
        ru_sentences: &[
            "{Не могу|Не получается|Никак не выходит} {оплатить|оплачивать} {заказ|подписку|счёт} {картой|банковской картой}.",
            "С {карты|моей карты|банковской карты} {списали|списано|сняли} деньги {дважды|два раза|повторно}.",
            "{Оплата|Оплату|Платёж} {не проходит|отклонили|не прошла}, банк {пишет|сообщает} об ошибке.",
            "{Пришлите|Выставьте|Отправьте} {счёт|счета|акт} для бухгалтерии.",
            "{Тариф|Подписка} {продлилась|продлилась автоматически|списалась} без {моего согласия|предупреждения}.",
            "В {квитанции|чеке|счёте} {неверная|не та} сумма.",
        ],
        en_subjects: &[
            "{Payment|Billing} {problem|issue|question}",
            "{Charged|Billed} twice",
            "{Invoice|Receipt} {missing|is wrong}",
            "Card {declined|payment failed}",
        ],
        en_sentences: &[
            "{I cannot|I can't|Unable to} pay {for my order|the invoice|for the subscription} with my {card|credit card}.",
            "My card was {charged|billed} {twice|two times|again} this month.",
            "The {payment|transaction} {failed|was declined|keeps failing} at checkout.",
            "Please {send|issue|email} an {invoice|receipt} for our accounting.",
            "The {subscription|plan} {renewed|was renewed} without {warning|my consent}.",
            "The amount on the {invoice|receipt|bill} is {wrong|incorrect}.",
        ],
    },
    Category {
        name: "Delivery",
        ru_subjects: &[
            "Где мой {заказ|посылка}?",
            "{Задержка|Задерживается} доставк{а|и}",
            "Курьер {не приехал|опоздал}",
            "{Не пришла|Не доставлена} посылка",
        ],
        ru_sentences: &[
            "{Заказ|Посылка|Отправление} {до сих пор|всё ещё} не {доставлен|доставлена|пришла}.",
            "Курьер {не приехал|опоздал|не позвонил} {вчера|сегодня|в назначенное время}.",
            "Трек-номер {не отслеживается|не работает|не обновляется} {уже неделю|третий день}.",
            "{Посылку|Коробку|Упаковку} {привезли|доставили} {повреждённой|мятой|вскрытой}.",
            "{Можно|Нельзя ли} {изменить|поменять} адрес доставки?",
            "{Доставка|Доставку} {задерживают|перенесли|задерживается} {снова|опять|без объяснений}.",
        ],
        en_subjects: &[
            "Where is my {order|parcel|package}?",
            "{Delivery|Shipping} {delayed|is late}",
            "Courier {did not come|never arrived}",
            "{Package|Parcel} {not delivered|lost}",
        ],
        en_sentences: &[
            "My {order|parcel|package} {has not arrived|still hasn't arrived|is missing} yet.",
            "The courier {did not show up|was late|never called} {yesterday|today|at the agreed time}.",
            "The tracking number {is not updating|does not work|shows nothing} for {a week|three days}.",
            "The {box|package|parcel} {arrived|was delivered} {damaged|crushed|opened}.",
            "Can I {change|update} the {delivery|shipping} address?",
            "{Shipping|Delivery} {was delayed|is delayed|got postponed} {again|once more|without notice}.",
        ],
    },
    Category {
        name: "Technical",
        ru_subjects: &[
            "{Ошибка|Сбой} {в приложении|на сайте}",
            "{Не работает|Не запускается|Вылетает} приложение",
            "{Зависает|Тормозит} {сайт|страница}",
            "Ошибка {500|при загрузке}",
        ],
        ru_sentences: &[
            "{Приложение|Программа} {вылетает|падает|закрывается} {при запуске|после обновления|сразу}.",
            "{Сайт|Страница|Личный кабинет} {не загружается|зависает|выдаёт ошибку 500}.",
            "После {обновления|установки} {перестала работать|не работает} {синхронизация|выгрузка|интеграция}.",
            "{Кнопка|Форма} {не нажимается|не отправляется|не реагирует} в {браузере|хроме|сафари}.",
            "{Появляется|Выскакивает|Выдаётся} {ошибка|сообщение об ошибке} {при сохранении|при входе в раздел}.",
            "{Экспорт|Импорт|Отчёт} {не формируется|выдаёт пустой файл|сломался}.",
        ],
        en_subjects: &[
            "{App|Application} {crashes|keeps crashing}",
            "{Error|Bug} on the {website|dashboard}",
            "{Page|Site} {not loading|is frozen}",
            "Error 500 {when saving|on upload}",
        ],
        en_sentences: &[
            "The {app|application} {crashes|freezes|closes} {on startup|after the update|immediately}.",
            "The {website|dashboard|page} {does not load|hangs|shows error 500}.",
            "After the {update|upgrade|installation} the {sync|export|integration} {stopped working|is broken}.",
            "The {button|form} {does nothing|won't submit|is unresponsive} in {Chrome|Safari|the browser}.",
            "{An error|A bug|An exception} {appears|pops up|is shown} {when saving|when I open the report}.",
            "The {export|import|report} {produces an empty file|fails|is broken}.",
        ],
    },
    Category {
        name: "Account",
        ru_subjects: &[
            "Не могу войти",
            "{Восстановление|Сброс} пароля",
            "{Заблокирован|Заблокировали} {аккаунт|учётную запись}",
            "{Доступ|Нет доступа} к {аккаунту|кабинету}",
        ],
        ru_sentences: &[
            "Не могу {войти|зайти} в {аккаунт|личный кабинет|учётную запись}.",
            "{Забыл|Забыла|Потерял} пароль, {письмо|ссылка} для {сброса|восстановления} не приходит.",
            "{Аккаунт|Учётную запись|Профиль} {заблокировали|заблокирован} после {нескольких попыток|неверного пароля}.",
            "{Не приходит|Не пришёл} код {подтверждения|двухфакторной аутентификации} по смс.",
            "{Как|Помогите} {сменить|изменить|поменять} {логин|почту|электронную почту} в профиле?",
            "{Добавьте|Выдайте} {доступ|права} новому {сотруднику|коллеге}.",
        ],
        en_subjects: &[
            "Cannot {log in|sign in}",
            "Password {reset|recovery}",
            "Account {locked|blocked|suspended}",
            "{Lost|No} access to my account",
        ],
        en_sentences: &[
            "I {cannot|can't|am unable to} {log in|sign in} to my {account|profile}.",
            "I {forgot|lost} my password and the {reset|recovery} {email|link} never arrives.",
            "My {account|profile} was {locked|blocked|suspended} after {several attempts|a wrong password}.",
            "The {verification|two-factor|login} code {does not arrive|never comes} by SMS.",
            "How do I {change|update} the {email address|username|login} on my profile?",
            "Please {give|grant} {access|permissions} to a new {colleague|employee|team member}.",
        ],
    },
    Category {
        name: "Sales",
        ru_subjects: &[
            "{Вопрос|Запрос} по {ценам|тарифам}",
            "{Коммерческое предложение|Прайс-лист}",
            "{Скидка|Скидки} для {компании|команды}",
            "{Оптовая|Корпоративная} {закупка|лицензия}",
        ],
        ru_sentences: &[
            "{Сколько стоит|Какая цена у|Подскажите стоимость} {тарифа|лицензии|подписки} для {команды|компании} из {десяти|двадцати|пятидесяти} человек?",
            "{Пришлите|Вышлите|Направьте} {коммерческое предложение|прайс-лист|прайс}.",
            "Есть ли {скидка|скидки} {для некоммерческих организаций|при оплате за год|для образования}?",
            "{Хотим|Планируем|Собираемся} {купить|закупить|приобрести} {оптом|крупную партию|корпоративную лицензию}.",
            "{Чем отличаются|В чём разница между} {тарифы|тарифами} {базовый и про|стандарт и бизнес}?",
            "{Можно|Возможно ли} {получить|организовать} {демонстрацию|презентацию|пробный период}?",
        ],
        en_subjects: &[
            "{Pricing|Price} question",
            "{Quote|Quotation} request",
            "{Discount|Discounts} for {teams|nonprofits}",
            "{Bulk|Enterprise} {purchase|license}",
        ],
        en_sentences: &[
            "How much {does the plan cost|is a license|is the subscription} for a team of {ten|twenty|fifty} people?",
            "Please {send|share} a {quote|price list|quotation}.",
            "Do you {offer|have} {a discount|discounts} for {nonprofits|annual billing|education}?",
            "We {want|plan|would like} to {buy|purchase|order} {in bulk|an enterprise license|many seats}.",
            "What is the difference between the {basic and pro|standard and business} {plans|tiers}?",
            "Could we {get|schedule|book} a {demo|presentation|trial}?",
        ],
    },
];

const RU_GREETINGS: &[&str] = &[
    "Здравствуйте!",
    "Добрый день.",
    "Привет.",
    "Доброе утро, коллеги.",
    "",
];
const EN_GREETINGS: &[&str] = &["Hello,", "Hi team,", "Good morning.", "Dear support,", ""];
const RU_CLOSINGS: &[&str] = &[
    "Спасибо.",
    "Заранее благодарю.",
    "С уважением, Иван.",
    "Жду ответа.",
    "",
];
const EN_CLOSINGS: &[&str] = &[
    "Thanks.",
    "Thank you in advance.",
    "Regards, John.",
    "Cheers.",
    "",
];
const RU_NOISE: &[&str] = &[
    "Номер заказа 48213.",
    "Пишу уже второй раз.",
    "Пожалуйста, посмотрите.",
    "Я ваш клиент давно.",
    "Телефон для связи указан в профиле.",
    "Это важно для нас.",
];
const EN_NOISE: &[&str] = &[
    "Order number 48213.",
    "This is my second message.",
    "Please have a look.",
    "I have been a customer for years.",
    "My phone number is in the profile.",
    "This matters to us.",
];

/// `n` samples from `seed`, about half Russian and half English.
pub fn generate(seed: u64, n: usize) -> Vec<Sample> {
    let mut rng = Lcg::new(seed);
    (0..n).map(|_| one(&mut rng)).collect()
}

fn one(rng: &mut Lcg) -> Sample {
    let ci = rng.below(CATEGORIES.len());
    let Some(cat) = CATEGORIES.get(ci) else {
        return Sample {
            subject: String::new(),
            body: String::new(),
            category: String::new(),
            tags: Vec::new(),
            priority: Priority::Normal,
        };
    };
    let ru = rng.chance(50);
    let (subjects, sentences, greetings, closings, noise) = if ru {
        (
            cat.ru_subjects,
            cat.ru_sentences,
            RU_GREETINGS,
            RU_CLOSINGS,
            RU_NOISE,
        )
    } else {
        (
            cat.en_subjects,
            cat.en_sentences,
            EN_GREETINGS,
            EN_CLOSINGS,
            EN_NOISE,
        )
    };
    let t = rng_pick(rng, subjects);
    let subject = expand(rng, t);
    let mut parts = vec![rng.pick(greetings).to_owned()];
    let k = 1 + rng.below(3);
    for _ in 0..k {
        let s = rng_pick(rng, sentences);
        parts.push(expand(rng, s));
    }
    if rng.chance(17) {
        // A sentence from another category: real requests wander.
        let other = CATEGORIES.get((ci + 1 + rng.below(CATEGORIES.len() - 1)) % CATEGORIES.len());
        if let Some(o) = other {
            let list = if ru { o.ru_sentences } else { o.en_sentences };
            let s = rng_pick(rng, list);
            parts.push(expand(rng, s));
        }
    }
    let mut tags = Vec::new();
    if rng.chance(20) {
        parts.push(
            if ru {
                "{Прошу|Требую|Хочу} {вернуть деньги|возврат средств|оформить возврат}."
            } else {
                "I {want|demand|would like} a {refund|full refund|money back}."
            }
            .to_owned(),
        );
        tags.push("refund".to_owned());
    }
    if rng.chance(20) {
        parts.push(
            if ru {
                "Пользуюсь {мобильным приложением|приложением на телефоне|приложением на андроиде|айфоном}."
            } else {
                "I am using the {mobile app|app on my phone|Android app|iPhone app}."
            }
            .to_owned(),
        );
        tags.push("mobile".to_owned());
    }
    if rng.chance(15) {
        parts.push(
            if ru {
                "{Это возмутительно|Ужасный сервис|Я очень недоволен|Безобразие}, {напишу жалобу|оставлю отзыв|буду жаловаться}!"
            } else {
                "{This is outrageous|Terrible service|I am very unhappy}, {I will complain|I will leave a review|I am filing a complaint}!"
            }
            .to_owned(),
        );
        tags.push("complaint".to_owned());
    }
    let priority = match rng.below(10) {
        0 => {
            parts.push(
                if ru {
                    "{Срочно|Очень срочно}!"
                } else {
                    "{Urgent|Very urgent}!"
                }
                .to_owned(),
            );
            Priority::Urgent
        }
        1 | 2 => {
            parts.push(
                if ru {
                    "Ответьте {как можно скорее|побыстрее|поскорее}."
                } else {
                    "Please answer {asap|as soon as possible|quickly}."
                }
                .to_owned(),
            );
            Priority::High
        }
        3 => {
            parts.push(
                if ru {
                    "{Это не срочно|Не срочно|Без спешки}, когда будет время."
                } else {
                    "{No rush|Not urgent|No hurry}, whenever you have time."
                }
                .to_owned(),
            );
            Priority::Low
        }
        _ => Priority::Normal,
    };
    for _ in 0..rng.below(3) {
        parts.push(rng.pick(noise).to_owned());
    }
    parts.push(rng.pick(closings).to_owned());
    let body = parts
        .iter()
        .map(|p| expand(rng, p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Sample {
        subject,
        body,
        category: cat.name.to_owned(),
        tags,
        priority,
    }
}

fn rng_pick(rng: &mut Lcg, list: &'static [&'static str]) -> &'static str {
    list.get(rng.below(list.len())).copied().unwrap_or("")
}
