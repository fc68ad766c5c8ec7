//! Issue 6 measurements on a large, realistic database (see the method in BENCHMARKS.md):
//!
//! - [`generate`]: the data generator. Fills an empty database (SQLite file or PostgreSQL,
//!   migrated by `SqlStore::connect`) with [`tickets`] tickets (1,000,000 by default,
//!   `BENCH_CONSOLE_TICKETS` to change) over two years, about five messages each (customer
//!   messages, agent replies, internal notes), 30 % as many contacts (returning customers)
//!   with email and phone handles, 40 agents in 6 groups. Texts are Russian (70 %) and
//!   English sentences composed from phrase lists, so word forms vary the way real requests
//!   do ("заказ", "заказа", "заказом"; "order", "orders", "ordered"). Old tickets are mostly
//!   closed; the last two weeks hold the working set, as in a live helpdesk.
//! - [`bench_queue`]: the agent queue page (the query behind `/agent`, 200 rows, as the UI
//!   asks) for the views agents use: the whole working set, unassigned, one agent's, one
//!   group's; p50/p95/max over [`QUEUE_RUNS`] calls each, through the real store.
//!
//! Invariants: deterministic (a fixed xorshift seed and a fixed "now"); rows are written
//! with the schema's own columns and the store's encodings (times bound as `DateTime<Utc>`);
//! ticket numbers continue from the generated ones (the SQLite counter and the PostgreSQL
//! sequence are moved past them), so the store can go on creating tickets afterwards. No
//! history rows are generated: nothing measured here reads them.

use super::raw::{Bind, Raw};
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use lossless::actor::Role;
use lossless::ids::{AgentId, EmailAddress, GroupId, Lang, NumberPrefix};
use lossless::ports::{QueueQuery, QueueView, Store as _};
use lossless::team::NewAgent;
use lossless::ticket::{Priority, Status};
use lossless_server::store::SqlStore;
use std::hint::black_box;
use std::time::Instant;

/// Agents generated.
pub const AGENTS: usize = 40;
/// Groups generated.
pub const GROUPS: usize = 6;
/// Timed calls per queue view.
pub const QUEUE_RUNS: usize = 200;
/// Rows per queue page (the UI's `QUEUE_LIMIT`).
pub const QUEUE_ROWS: i64 = 200;

/// Tickets to generate (`BENCH_CONSOLE_TICKETS`, default 1,000,000).
pub fn tickets() -> i64 {
    std::env::var("BENCH_CONSOLE_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The generated database's "now": Tuesday 2025-11-25 12:00 Moscow.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// xorshift64*: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (never zero inside).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    /// The next value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const RU_FIRST: &[&str] = &[
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Ирина",
    "Светлана",
    "Татьяна",
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Михаил",
    "Иван",
    "Николай",
    "Павел",
    "Артём",
    "Юлия",
];
const RU_LAST: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
];
const EN_FIRST: &[&str] = &[
    "Emma", "Olivia", "Liam", "Noah", "James", "Sophia", "Lucas", "Mia", "Henry", "Grace",
];
const EN_LAST: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Clark", "Walker", "Young",
];

const RU_GREET: &[&str] = &[
    "Здравствуйте!",
    "Добрый день.",
    "Добрый вечер!",
    "Привет.",
    "Доброе утро,",
    "Уважаемая поддержка,",
];
const RU_PROBLEM: &[&str] = &[
    "Заказ {n} так и не пришёл, хотя доставка обещана была вчера.",
    "Не могу оплатить заказ картой: платёж отклоняется без объяснений.",
    "Списали деньги дважды за один заказ {n}, прошу вернуть лишнее.",
    "Хочу вернуть товар из заказа {n}, он не подошёл по размеру.",
    "Курьер не приехал в назначенное время и не отвечает на звонки.",
    "Товар пришёл повреждённым: коробка смята, экран разбит.",
    "Не приходит код подтверждения при входе в личный кабинет.",
    "Подскажите, сколько стоит доставка заказов в Казань и Новосибирск?",
    "Нужна цена на тариф для команды из двадцати сотрудников.",
    "Приложение вылетает при открытии корзины после обновления.",
    "Прошу выставить счёт на оплату и прислать закрывающие документы.",
    "Как изменить адрес доставки в уже оформленном заказе {n}?",
    "Возврат денег по заказу {n} обещали неделю назад, но денег нет.",
    "Не работает промокод, который пришёл в рассылке.",
    "Почему отменили мой заказ {n} без предупреждения?",
    "Интернет не работает с утра, роутер перезагружал дважды.",
    "Не могу восстановить пароль: письмо со ссылкой не приходит.",
    "Оплатил через СБП, а статус заказа всё ещё «ожидает оплаты».",
];
const RU_DETAIL: &[&str] = &[
    "Уже третий день жду ответа.",
    "Оплачивал картой через сайт.",
    "Скриншот ошибки прикладываю.",
    "Это срочно, сегодня уезжаю.",
    "Раньше таких проблем не было.",
    "Звонил на горячую линию, но не дозвонился.",
    "Номер телефона в профиле указан верно.",
    "Пожалуйста, разберитесь побыстрее.",
    "Заказывал для подарка, очень расстроен.",
    "Если нужно, пришлю фото упаковки.",
];
const RU_BYE: &[&str] = &[
    "Спасибо.",
    "Заранее благодарю.",
    "С уважением, клиент.",
    "Жду ответа.",
    "Хорошего дня!",
];
const RU_AGENT: &[&str] = &[
    "Спасибо за обращение! Проверяем заказ {n} и вернёмся с ответом в течение часа.",
    "Мы оформили возврат денег, средства поступят на карту в течение 3–5 рабочих дней.",
    "Передали информацию в службу доставки, курьер свяжется с вами сегодня.",
    "Отправили новый код подтверждения, проверьте, пожалуйста, папку «Спам».",
    "Счёт и закрывающие документы отправлены на вашу почту.",
    "Подскажите, пожалуйста, номер заказа и телефон, указанный при оформлении.",
    "Ошибку исправили в новой версии приложения, обновитесь, пожалуйста.",
    "Стоимость доставки зависит от веса; для вашего заказа она составит 450 рублей.",
    "Приносим извинения за задержку, заказ передан курьеру.",
];
const RU_NOTE: &[&str] = &[
    "Проверил оплату в банке: двойное списание подтверждается.",
    "Клиент постоянный, можно дать скидку на следующий заказ.",
    "Передал в отдел логистики, ждём ответа склада.",
    "Похоже на сбой платёжного шлюза, у других клиентов то же самое.",
    "Повторное обращение, в прошлый раз обещали перезвонить.",
];
const RU_SUBJECT: &[&str] = &[
    "Не пришёл заказ",
    "Проблема с оплатой",
    "Возврат денег",
    "Двойное списание",
    "Доставка",
    "Вопрос по тарифу",
    "Не приходит код",
    "Приложение не работает",
    "Счёт и документы",
    "Изменить адрес",
    "Повреждённый товар",
    "Промокод не работает",
    "Отмена заказа",
    "Нет интернета",
];

const EN_GREET: &[&str] = &[
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Dear support,",
    "Hi,",
];
const EN_PROBLEM: &[&str] = &[
    "My order {n} has not arrived although delivery was promised yesterday.",
    "I cannot pay for my order by card, the payment keeps being declined.",
    "You charged me twice for order {n}, please refund the extra payment.",
    "I would like to return the items from order {n}, they do not fit.",
    "The courier did not show up at the agreed time and is not answering calls.",
    "The package arrived damaged and the screen is broken.",
    "I am not receiving the confirmation code when signing in.",
    "How much does shipping to Berlin cost for large orders?",
    "Could you send me pricing for a team plan with twenty users?",
    "The app crashes when I open the cart after the latest update.",
    "Please send an invoice and the closing documents for our company.",
    "How can I change the delivery address of order {n}?",
    "The refund for order {n} was promised a week ago but nothing arrived.",
    "The discount code from your newsletter does not work.",
    "Why was my order {n} cancelled without any notice?",
];
const EN_DETAIL: &[&str] = &[
    "I have been waiting for three days.",
    "I paid by card on the website.",
    "A screenshot of the error is attached.",
    "This is urgent, I am travelling tomorrow.",
    "I called the hotline but nobody answered.",
    "Please sort this out quickly.",
];
const EN_BYE: &[&str] = &[
    "Thanks.",
    "Thank you in advance.",
    "Best regards.",
    "Cheers,",
];
const EN_AGENT: &[&str] = &[
    "Thank you for contacting us! We are checking order {n} and will get back within an hour.",
    "We have issued a refund, the money will reach your card in 3-5 business days.",
    "We passed the details to the delivery service, the courier will call you today.",
    "We have sent a new confirmation code, please check your spam folder.",
    "The invoice and closing documents were sent to your email.",
    "Could you tell us the order number and the phone used at checkout?",
    "Sorry for the delay, your order has been handed to the courier.",
];
const EN_NOTE: &[&str] = &[
    "Checked with the bank: the double charge is confirmed.",
    "Loyal customer, offer a discount on the next order.",
    "Escalated to logistics, waiting for the warehouse.",
];
const EN_SUBJECT: &[&str] = &[
    "Order not delivered",
    "Payment problem",
    "Refund request",
    "Charged twice",
    "Shipping question",
    "Pricing for teams",
    "No confirmation code",
    "App crashes",
    "Invoice needed",
    "Change address",
    "Damaged item",
    "Discount code",
    "Order cancelled",
];
const TAGS: &[&str] = &["billing", "delivery", "refund", "bug", "vip", "b2b"];

fn fill(s: &str, order: u64) -> String {
    s.replace("{n}", &order.to_string())
}

/// A customer's message.
pub fn customer_text(r: &mut Rng, lang: Lang, order: u64) -> String {
    let (greet, problem, detail, bye) = match lang {
        Lang::Ru => (RU_GREET, RU_PROBLEM, RU_DETAIL, RU_BYE),
        Lang::En => (EN_GREET, EN_PROBLEM, EN_DETAIL, EN_BYE),
    };
    let mut s = format!("{} {}", r.pick(greet), fill(r.pick(problem), order));
    for _ in 0..r.below(3) {
        s.push(' ');
        s.push_str(r.pick(detail));
    }
    s.push(' ');
    s.push_str(r.pick(bye));
    s
}

fn agent_text(r: &mut Rng, lang: Lang, order: u64) -> String {
    let list = if lang == Lang::Ru { RU_AGENT } else { EN_AGENT };
    fill(r.pick(list), order)
}

fn note_text(r: &mut Rng, lang: Lang) -> String {
    r.pick(if lang == Lang::Ru { RU_NOTE } else { EN_NOTE })
        .to_owned()
}

/// What [`generate`] made.
pub struct Generated {
    /// Tickets.
    pub tickets: i64,
    /// Messages.
    pub messages: i64,
    /// Contacts.
    pub contacts: i64,
    /// Tickets in the working set (new, open, pending).
    pub open: i64,
    /// Seconds the load took (without the store's own migrations).
    pub secs: f64,
    /// The agents.
    pub agents: Vec<AgentId>,
    /// The groups.
    pub groups: Vec<GroupId>,
}

/// Fills the empty, migrated database behind `store` (and `url`, for the bulk connection).
pub async fn generate(store: &SqlStore, url: &str, total: i64) -> Generated {
    let started = Instant::now();
    let mut r = Rng::new(0x1055_1e55);
    let now = now();
    let mut agents = Vec::new();
    for i in 0..AGENTS {
        let (first, last) = (RU_FIRST[i % RU_FIRST.len()], RU_LAST[i % RU_LAST.len()]);
        let a = store
            .create_agent(NewAgent {
                email: EmailAddress::parse(&format!("agent{i}@bench.example")).expect("email"),
                name: format!("{first} {last}"),
                role: if i < 4 { Role::Manager } else { Role::Agent },
                lang: Lang::Ru,
                password_hash: "x".into(),
            })
            .await
            .expect("agent");
        agents.push(a.id);
    }
    let mut groups = Vec::new();
    for (i, name) in [
        "Поддержка",
        "Доставка",
        "Оплата",
        "Техподдержка",
        "B2B",
        "VIP",
    ]
    .iter()
    .enumerate()
    .take(GROUPS)
    {
        let g = store.create_group(name).await.expect("group").id;
        for (j, a) in agents.iter().enumerate() {
            if j % GROUPS == i || j % 7 == i {
                store.add_group_member(g, *a).await.expect("member");
            }
        }
        groups.push(g);
    }
    let mut raw = Raw::open(url).await;
    if !raw.is_pg() {
        raw.exec("PRAGMA synchronous = OFF", &[]).await;
    }
    let contacts = (total * 3 / 10).max(1);
    let contacts_before = raw.int("SELECT MAX(id) FROM contacts", &[]).await;
    let start = now - Duration::days(730);
    // Contacts and their handles, in transactions of 50,000.
    let mut langs = Vec::with_capacity(contacts as usize);
    let mut batch = Vec::new();
    let mut handles = Vec::new();
    raw.exec("BEGIN", &[]).await;
    for i in 0..contacts {
        let lang = if r.chance(70) { Lang::Ru } else { Lang::En };
        langs.push(lang);
        let name = match lang {
            Lang::Ru => format!("{} {}", r.pick(RU_FIRST), r.pick(RU_LAST)),
            Lang::En => format!("{} {}", r.pick(EN_FIRST), r.pick(EN_LAST)),
        };
        let id = contacts_before + 1 + i;
        batch.push(vec![
            Bind::Text(name),
            Bind::Time(start + Duration::seconds(i * 730 * 86_400 / contacts)),
        ]);
        handles.push(vec![
            Bind::Int(id),
            Bind::Text("email".into()),
            Bind::Text(format!("customer{id}@mail.example")),
        ]);
        if r.chance(30) {
            handles.push(vec![
                Bind::Int(id),
                Bind::Text("phone".into()),
                Bind::Text(format!("+79{:09}", 100_000_000 + id)),
            ]);
        }
        if batch.len() == 50_000 || i + 1 == contacts {
            raw.insert_rows(
                "contacts",
                &["name", "created_at"],
                std::mem::take(&mut batch),
                1000,
            )
            .await;
            raw.insert_rows(
                "contact_handles",
                &["contact_id", "kind", "value"],
                std::mem::take(&mut handles),
                1000,
            )
            .await;
            raw.exec("COMMIT", &[]).await;
            raw.exec("BEGIN", &[]).await;
        }
    }
    raw.exec("COMMIT", &[]).await;
    let made = raw.int("SELECT MAX(id) FROM contacts", &[]).await - contacts_before;
    assert_eq!(made, contacts, "contact ids are consecutive");

    // Tickets with their messages.
    let prefix = NumberPrefix::default();
    let seq_before = raw
        .int("SELECT MAX(number_seq) FROM tickets", &[])
        .await
        .max(1000);
    let mut open = 0;
    let mut messages = 0;
    let mut tickets_rows = Vec::new();
    let mut threads: Vec<Vec<Vec<Bind>>> = Vec::new();
    let span = 730 * 86_400;
    let ticket_cols = [
        "number",
        "number_seq",
        "subject",
        "status",
        "priority",
        "priority_rank",
        "channel",
        "contact_id",
        "assignee_id",
        "group_id",
        "tags",
        "portal_token",
        "lang",
        "version",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
    ];
    let message_cols = [
        "ticket_id",
        "direction",
        "visibility",
        "author_kind",
        "author_id",
        "body",
        "created_at",
    ];
    raw.exec("BEGIN", &[]).await;
    for i in 0..total {
        let created = start + Duration::seconds(i * span / total + r.below(60) as i64);
        let age_days = (now - created).num_days();
        let contact = contacts_before + 1 + r.below(contacts as u64) as i64;
        let lang = langs[(contact - contacts_before - 1) as usize];
        let roll = r.below(100);
        let status = if age_days > 14 {
            match roll {
                0..=69 => Status::Closed,
                70..=95 => Status::Resolved,
                96..=97 => Status::Pending,
                _ => Status::Open,
            }
        } else {
            match roll {
                0..=19 => Status::New,
                20..=49 => Status::Open,
                50..=64 => Status::Pending,
                _ => Status::Resolved,
            }
        };
        if matches!(status, Status::New | Status::Open | Status::Pending) {
            open += 1;
        }
        let priority = match r.below(100) {
            0..=9 => Priority::Low,
            10..=79 => Priority::Normal,
            80..=94 => Priority::High,
            _ => Priority::Urgent,
        };
        let channel = match r.below(10) {
            0..=4 => "email",
            5..=7 => "web_form",
            8 => "api",
            _ => "agent",
        };
        let assignee = (status != Status::New && !r.chance(10))
            .then(|| agents[r.below(agents.len() as u64) as usize]);
        let group = (!r.chance(10)).then(|| groups[r.below(groups.len() as u64) as usize]);
        let tags = if r.chance(30) {
            format!("[\"{}\"]", r.pick(TAGS))
        } else {
            "[]".to_owned()
        };
        let subject = r
            .pick(if lang == Lang::Ru {
                RU_SUBJECT
            } else {
                EN_SUBJECT
            })
            .to_owned();
        let order = 100_000 + r.below(900_000);
        // The thread: the customer first, then replies and answers, sometimes a note.
        let count = 1 + r.below(9) as i64;
        let mut at = created;
        let mut thread = Vec::with_capacity(count as usize);
        let mut first_response = None;
        for k in 0..count {
            let (direction, visibility, author_kind, author, body) = if k == 0 || k % 2 == 0 {
                (
                    "inbound",
                    "public",
                    "contact",
                    Some(contact),
                    customer_text(&mut r, lang, order),
                )
            } else if r.chance(15) {
                let a = assignee.unwrap_or(agents[0]).0;
                (
                    "outbound",
                    "internal",
                    "agent",
                    Some(a),
                    note_text(&mut r, lang),
                )
            } else {
                let a = assignee.unwrap_or(agents[0]).0;
                first_response.get_or_insert(at);
                (
                    "outbound",
                    "public",
                    "agent",
                    Some(a),
                    agent_text(&mut r, lang, order),
                )
            };
            thread.push(vec![
                Bind::Text(direction.into()),
                Bind::Text(visibility.into()),
                Bind::Text(author_kind.into()),
                Bind::OptInt(author),
                Bind::Text(body),
                Bind::Time(at),
            ]);
            at += Duration::minutes(5 + r.below(600) as i64);
        }
        let last = at.min(now);
        messages += count;
        let resolved_at =
            matches!(status, Status::Resolved | Status::Closed).then_some(last.min(now));
        let seq = seq_before + 1 + i;
        let mut token = [0u8; 16];
        token[..8].copy_from_slice(&(seq as u64).to_le_bytes());
        token[8..].copy_from_slice(&r.next().to_le_bytes());
        tickets_rows.push(vec![
            Bind::Text(format!("{}-{seq}", prefix.as_str())),
            Bind::Int(seq),
            Bind::Text(subject),
            Bind::Text(status.as_str().into()),
            Bind::Text(priority.as_str().into()),
            Bind::Int(i64::from(priority.rank())),
            Bind::Text(channel.into()),
            Bind::Int(contact),
            Bind::OptInt(assignee.map(|a| a.0)),
            Bind::OptInt(group.map(|g| g.0)),
            Bind::Text(tags),
            Bind::Text(token.iter().map(|b| format!("{b:02x}")).collect()),
            Bind::Text(lang.code().into()),
            Bind::Int(count + 1),
            Bind::Time(created),
            Bind::Time(last),
            Bind::OptTime(first_response),
            Bind::OptTime(resolved_at),
        ]);
        threads.push(thread);
        if tickets_rows.len() == 10_000 || i + 1 == total {
            let before = raw.int("SELECT MAX(id) FROM tickets", &[]).await;
            let n = tickets_rows.len() as i64;
            raw.insert_rows(
                "tickets",
                &ticket_cols,
                std::mem::take(&mut tickets_rows),
                500,
            )
            .await;
            let after = raw.int("SELECT MAX(id) FROM tickets", &[]).await;
            assert_eq!(after - before, n, "ticket ids are consecutive");
            let rows: Vec<Vec<Bind>> = std::mem::take(&mut threads)
                .into_iter()
                .enumerate()
                .flat_map(|(k, thread)| {
                    let id = before + 1 + k as i64;
                    thread.into_iter().map(move |mut m| {
                        m.insert(0, Bind::Int(id));
                        m
                    })
                })
                .collect();
            raw.insert_rows("messages", &message_cols, rows, 1000).await;
            if (i + 1) % 100_000 == 0 {
                raw.exec("COMMIT", &[]).await;
                println!(
                    "  generated {} tickets in {:.0} s",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
                raw.exec("BEGIN", &[]).await;
            }
        }
    }
    raw.exec("COMMIT", &[]).await;
    let last_seq = seq_before + total;
    if raw.is_pg() {
        raw.exec(
            "SELECT setval('ticket_number_seq', $1)",
            &[Bind::Int(last_seq)],
        )
        .await;
    } else {
        raw.exec(
            "UPDATE counters SET value = $1 WHERE name = 'ticket_number'",
            &[Bind::Int(last_seq)],
        )
        .await;
    }
    raw.exec("ANALYZE", &[]).await;
    raw.close().await;
    Generated {
        tickets: total,
        messages,
        contacts,
        open,
        secs: started.elapsed().as_secs_f64(),
        agents,
        groups,
    }
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
        ms[rank.saturating_sub(1).min(ms.len() - 1)]
    };
    (at(50.0), at(95.0), ms[ms.len() - 1])
}

/// Times the queue page for each view; one table row per view.
pub async fn bench_queue(name: &str, store: &SqlStore, g: &Generated) -> Vec<String> {
    // The view of the i-th call (agents and groups taken in turn).
    let view = |kind: usize, i: usize| match kind {
        0 => QueueView::All,
        1 => QueueView::Unassigned,
        2 => QueueView::Mine(g.agents[i % g.agents.len()]),
        _ => QueueView::Group(g.groups[i % g.groups.len()]),
    };
    let views = [
        "whole working set",
        "unassigned",
        "one agent's",
        "one group's",
    ];
    let mut rows = Vec::new();
    for (kind, label) in views.iter().enumerate() {
        let mut ms = Vec::with_capacity(QUEUE_RUNS);
        let mut shown = 0;
        for i in 0..QUEUE_RUNS + 10 {
            let q = QueueQuery {
                view: view(kind, i),
                statuses: Vec::new(),
                priorities: Vec::new(),
                limit: QUEUE_ROWS,
            };
            let t = Instant::now();
            let page = store.queue(black_box(&q)).await.expect("queue");
            let el = t.elapsed().as_secs_f64() * 1000.0;
            shown = page.len();
            black_box(page);
            // The first calls warm the caches, as a running server's are.
            if i >= 10 {
                ms.push(el);
            }
        }
        let (p50, p95, max) = percentiles(ms);
        rows.push(format!(
            "| queue page ({QUEUE_ROWS} rows), {name}, {} tickets / {} messages ({} open): {label} ({shown} rows shown) | — | p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.1} ms |",
            g.tickets, g.messages, g.open
        ));
        println!("{}", rows.last().map_or("", String::as_str));
    }
    rows
}

/// Generates the data on `db` (for SQLite: a fresh file in `dir`; for PostgreSQL: the empty
/// database named) and runs the console measurements; returns their table rows.
/// What an earlier run left in the database at `url` (`BENCH_CONSOLE_REUSE=1`): the counts,
/// agents and groups the queue and search timings need.
async fn existing(url: &str) -> Generated {
    let mut raw = Raw::open(url).await;
    let tickets = raw.int("SELECT COUNT(*) FROM tickets", &[]).await;
    let messages = raw.int("SELECT COUNT(*) FROM messages", &[]).await;
    let contacts = raw.int("SELECT COUNT(*) FROM contacts", &[]).await;
    let open = raw
        .int(
            "SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending')",
            &[],
        )
        .await;
    let mut agent_ids = Vec::new();
    let mut group_ids = Vec::new();
    for (table, out) in [("agents", &mut agent_ids), ("groups", &mut group_ids)] {
        let n = raw.int(&format!("SELECT COUNT(*) FROM {table}"), &[]).await;
        for i in 0..n {
            let sql = format!("SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET {i}");
            out.push(raw.int(&sql, &[]).await);
        }
    }
    raw.close().await;
    Generated {
        tickets,
        messages,
        contacts,
        open,
        secs: 0.0,
        agents: agent_ids.into_iter().map(AgentId).collect(),
        groups: group_ids.into_iter().map(GroupId).collect(),
    }
}

pub async fn bench_console(name: &str, db: &str, dir: &std::path::Path) -> Vec<String> {
    // A re-run after a store change: the data (and its search index) of an earlier run in
    // the same PostgreSQL database are timed again, without the hour of generating.
    if std::env::var("BENCH_CONSOLE_REUSE").is_ok() {
        if db.starts_with("sqlite:") {
            // (A SQLite run's file is gone with its temporary directory.)
            return Vec::new();
        }
        let store = SqlStore::connect(db)
            .await
            .expect("connect (runs the migrations)");
        let g = existing(db).await;
        let mut rows = bench_queue(name, &store, &g).await;
        rows.extend(super::search::bench_search(name, &store, &g).await);
        store.close().await;
        return rows;
    }
    let url = super::raw::fresh_url(db, dir, "console");
    let store = SqlStore::connect(&url)
        .await
        .expect("connect (runs the migrations)");
    let total = tickets();
    let g = generate(&store, &url, total).await;
    let mut rows = vec![format!(
        "| data generator, {name}: {} tickets, {} messages, {} contacts (ru/en texts) | {:.0} tickets/s | {:.0} s |",
        g.tickets,
        g.messages,
        g.contacts,
        g.tickets as f64 / g.secs,
        g.secs
    )];
    println!("{}", rows[0]);
    rows.extend(bench_queue(name, &store, &g).await);
    rows.extend(super::search::bench(name, &store, &url, &g).await);
    store.close().await;
    rows
}
