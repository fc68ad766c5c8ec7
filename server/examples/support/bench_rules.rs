//! Rule evaluation per ticket with 200 rules (see the method in `bench.rs` and BENCHMARKS.md).
//! Pure CPU work, one thread: generated rules and tickets, deterministic (a fixed LCG seed).

use lossless::ids::{ContactId, EmailAddress, GroupId, Lang, RuleId};
use lossless::rules::engine::{CompiledRule, compile, plan};
use lossless::rules::{
    Action, Activator, Condition, Happened, Predicate, Rule, RuleChain, RuleDraft, RuleFacts,
    TextField, TicketFacts,
};
use lossless::ticket::{Channel, Priority, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Rules in the set.
pub const RULES: usize = 200;
/// Tickets evaluated.
pub const TICKETS: usize = 2_000;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const RU: &[&str] = &[
    "срочно",
    "оплата",
    "оплатил",
    "заказ",
    "доставка",
    "курьер",
    "возврат",
    "деньги",
    "списали",
    "дважды",
    "пароль",
    "войти",
    "аккаунт",
    "ошибка",
    "приложение",
    "не",
    "работает",
    "сайт",
    "цена",
    "скидка",
    "счёт",
    "договор",
    "менеджер",
    "товар",
    "брак",
    "замена",
    "гарантия",
    "сломался",
    "подключение",
    "интернет",
    "тариф",
    "срочный",
    "помогите",
    "пожалуйста",
    "здравствуйте",
    "спасибо",
    "вопрос",
    "когда",
    "почему",
    "где",
];
const EN: &[&str] = &[
    "urgent",
    "payment",
    "paid",
    "order",
    "delivery",
    "courier",
    "refund",
    "money",
    "charged",
    "twice",
    "password",
    "login",
    "account",
    "error",
    "app",
    "not",
    "working",
    "website",
    "price",
    "discount",
    "invoice",
    "contract",
    "manager",
    "product",
    "broken",
    "replacement",
    "warranty",
    "connection",
    "internet",
    "plan",
    "please",
    "help",
    "hello",
    "thanks",
    "question",
    "when",
    "why",
    "where",
    "asap",
    "crash",
];
const TAGS: &[&str] = &[
    "billing", "vip", "delivery", "bug", "sales", "legal", "mobile",
];
const DOMAINS: &[&str] = &[
    "@example.ru",
    "@mail.ru",
    "@corp.com",
    "@gmail.com",
    "@yandex.ru",
];

fn text(rng: &mut Lcg, words: &[&str], n: usize) -> String {
    (0..n)
        .map(|_| rng.pick(words))
        .collect::<Vec<_>>()
        .join(" ")
}

fn leaf(p: Predicate) -> Condition {
    Condition::Leaf(p)
}

fn rule_condition(rng: &mut Lcg, i: usize) -> Condition {
    let lang = if i.is_multiple_of(2) { RU } else { EN };
    let keywords = Predicate::KeywordsAny {
        words: (0..3).map(|_| rng.pick(lang).to_owned()).collect(),
        field: TextField::Both,
    };
    let phrase = Predicate::Phrase {
        text: format!("{} {}", rng.pick(lang), rng.pick(lang)),
        field: TextField::Body,
    };
    let extra = match rng.below(8) {
        0 => Predicate::SenderMatches {
            pattern: rng.pick(DOMAINS).to_owned(),
        },
        1 => Predicate::HasTag {
            tag: rng.pick(TAGS).to_owned(),
        },
        2 => Predicate::Vip,
        3 => Predicate::LanguageIs {
            lang: if i.is_multiple_of(2) {
                Lang::Ru
            } else {
                Lang::En
            },
        },
        4 => Predicate::PriorityAtLeast {
            priority: Priority::High,
        },
        5 => Predicate::GroupIs {
            group: GroupId(rng.below(5) as i64 + 1),
        },
        6 => Predicate::OlderThan {
            event: lossless::rules::TicketTime::Created,
            minutes: 15,
        },
        _ => Predicate::ChannelIs {
            channel: Channel::Email,
        },
    };
    Condition::All(vec![
        Condition::Any(vec![leaf(keywords), leaf(phrase)]),
        leaf(extra),
        Condition::Not(Box::new(leaf(Predicate::StatusIs {
            status: Status::Closed,
        }))),
    ])
}

fn ticket(rng: &mut Lcg, i: usize) -> TicketFacts {
    let lang = if i.is_multiple_of(3) { EN } else { RU };
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let tags: BTreeSet<String> = (0..rng.below(3))
        .map(|_| rng.pick(TAGS).to_owned())
        .collect();
    let body_words = 20 + rng.below(61) as usize;
    TicketFacts {
        channel: if i.is_multiple_of(2) {
            Channel::Email
        } else {
            Channel::WebForm
        },
        mailbox: Some("support".into()),
        subject: text(rng, lang, 6),
        body: text(rng, lang, body_words),
        sender: EmailAddress::parse(&format!("c{i}{}", rng.pick(DOMAINS))).ok(),
        contact: ContactId(i as i64),
        organisation: None,
        vip: rng.below(10) == 0,
        language: Lang::Ru,
        region: None,
        tags,
        custom_fields: BTreeMap::new(),
        priority: Priority::Normal,
        status: Status::New,
        group: None,
        owner: None,
        now,
        business_hours: true,
        created_at: now - chrono::Duration::minutes(rng.below(60) as i64),
        last_customer_reply_at: None,
        status_changed_at: None,
        assigned_at: None,
        suggested_category: None,
    }
}

fn rule(rng: &mut Lcg, i: usize) -> Rule {
    Rule {
        id: RuleId(i as i64 + 1),
        position: i as i32 + 1,
        draft: RuleDraft {
            name: format!("rule {i}"),
            enabled: true,
            activator: Activator::Created,
            condition: rule_condition(rng, i),
            actions: vec![Action::SetPriority {
                priority: Priority::High,
            }],
        },
        updated_at: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default(),
    }
}

/// What the rules job does per ticket before it writes anything: detect the language, stem
/// the text once, and plan every rule (activator + condition) in order.
fn evaluate(rules: &[CompiledRule], mut t: TicketFacts, happened: &Happened) -> usize {
    t.language = lossless::rules::lang::detect(&t.subject, &t.body);
    let f = RuleFacts::new(t);
    plan(rules, happened, &f, &RuleChain::default()).len()
}

/// Runs the measurement and returns its Markdown table row.
pub fn bench_rules() -> String {
    let mut rng = Lcg(0x5eed);
    let rules = compile((0..RULES).map(|i| rule(&mut rng, i)).collect());
    let tickets: Vec<TicketFacts> = (0..TICKETS).map(|i| ticket(&mut rng, i)).collect();
    let happened = Happened {
        created: true,
        ..Happened::default()
    };
    // Warm-up (caches, allocator).
    for t in tickets.iter().take(100) {
        std::hint::black_box(evaluate(&rules, t.clone(), &happened));
    }
    let mut per_ticket = Vec::with_capacity(TICKETS);
    let mut matched = 0usize;
    for t in &tickets {
        let input = t.clone();
        let started = Instant::now();
        let n = evaluate(&rules, input, &happened);
        per_ticket.push(started.elapsed());
        matched += std::hint::black_box(n);
    }
    per_ticket.sort_unstable();
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    let mean = per_ticket.iter().map(|d| us(*d)).sum::<f64>() / per_ticket.len() as f64;
    let p50 = us(per_ticket[per_ticket.len() / 2]);
    let p99 = us(per_ticket[(per_ticket.len() * 99 / 100).min(per_ticket.len() - 1)]);
    format!(
        "| rule evaluation per ticket, {RULES} rules ({TICKETS} tickets, language detection + stemming + activators and conditions of all rules, {:.1} rules matched on average) | {:.0} tickets/s | mean {mean:.1} µs, p50 {p50:.1} µs, p99 {p99:.1} µs |",
        matched as f64 / TICKETS as f64,
        1e6 / mean
    )
}
