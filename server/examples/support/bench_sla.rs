//! SLA measurements (see the method in `bench.rs` and BENCHMARKS.md):
//!
//! - [`bench_recompute`]: the pure core, one thread — for each of [`TICKETS`] generated
//!   tickets with a realistic history, the time to build its facts, choose its targets among
//!   the shipped policies and replay its whole history from an empty record
//!   ([`record::catch_up`]) on a Moscow office calendar with the 2025 production calendar.
//! - [`bench_sweep`]: a real store (SQLite file, or PostgreSQL) holding [`SWEEP_TICKETS`]
//!   open tickets with SLA records, 1 % of them due; times the sweep (due query + job
//!   enqueue) and processing every due ticket (`services::sla::catch_up`).
//!
//! Invariants: deterministic (a fixed LCG seed, a fixed clock for the store run); the
//! results of every timed call go through `std::hint::black_box`, so nothing is optimised
//! away; the store run only reads and writes through the real schema (`SqlStore::connect`
//! runs the migrations first; the bulk copy is plain SQL on that schema).

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use lossless::actor::ActorRef;
use lossless::ids::{AgentId, ContactId, EmailAddress, Lang, RuleId, SlaPolicyId, TicketId};
use lossless::rules::{RuleFacts, TicketFacts};
use lossless::sla::calendar::{Calendar, Span};
use lossless::sla::clock::CalendarSet;
use lossless::sla::policy::{self, CompiledPolicy, Policy};
use lossless::sla::{import, record};
use lossless::ticket::{Channel, HistoryEntry, Priority, Status, TicketEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::Instant;

/// Tickets recomputed by [`bench_recompute`].
pub const TICKETS: usize = 5_000;
/// Open tickets in the store for [`bench_sweep`].
pub const SWEEP_TICKETS: usize = 100_000;
/// Every this many tickets one has its next look in the past (1 %).
pub const DUE_EVERY: usize = 100;
/// Timed sweep rounds.
pub const SWEEP_ROUNDS: usize = 5;

/// The 2025 Russian production calendar (the import's golden fixture).
const PRODUCTION_CALENDAR_2025: &str =
    include_str!("../../../src/sla/fixtures/production_calendar_ru_2025.xml");

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
    /// `true` with probability `pct` %.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// Words of generated requests; some of them are the shipped policies' keywords (price,
/// technical problem), so the choice varies.
const RU: &[&str] = &[
    "здравствуйте",
    "заказ",
    "доставка",
    "оплата",
    "не",
    "пришёл",
    "когда",
    "пожалуйста",
    "помогите",
    "спасибо",
    "вопрос",
    "счёт",
    "договор",
    "цена",
    "стоимость",
    "ошибка",
    "сбой",
    "работает",
    "сайт",
    "приложение",
    "возврат",
    "товар",
    "аккаунт",
    "пароль",
];
const EN: &[&str] = &[
    "hello", "order", "delivery", "payment", "not", "arrived", "when", "please", "help", "thanks",
    "question", "invoice", "contract", "price", "quote", "error", "bug", "crash", "working",
    "website", "app", "refund", "product", "account", "password",
];
const TAGS: &[&str] = &["price", "technical", "billing", "delivery", "vip", "mobile"];

/// The office calendar of the measurements: Moscow, Monday–Friday 09:00–18:00, with the
/// 2025 production calendar applied (holidays, transferred and shortened days).
pub fn moscow_2025() -> Calendar {
    // `Calendar::default()` is exactly that office: Europe/Moscow, Monday–Friday 09:00–18:00.
    let mut cal = Calendar::default();
    assert_eq!(cal.week[0], vec![Span::hm(9, 0, 18, 0)]);
    let days = import::production_calendar(PRODUCTION_CALENDAR_2025)
        .expect("the 2025 production calendar fixture parses");
    import::apply(&mut cal, &days);
    cal
}

/// The shipped policies as stored ones (ids and positions 1..).
pub fn default_policies() -> Vec<CompiledPolicy> {
    policy::compile(
        policy::defaults()
            .into_iter()
            .enumerate()
            .map(|(i, draft)| Policy {
                id: SlaPolicyId(i as i64 + 1),
                position: i as i32 + 1,
                draft,
                updated_at: DateTime::<Utc>::default(),
            })
            .collect(),
    )
}

fn text(rng: &mut Lcg, words: &[&str], n: usize) -> String {
    (0..n)
        .map(|_| rng.pick(words))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One generated ticket: its facts at `now`, its history rows (ids from 1) and `now`.
struct Generated {
    facts: TicketFacts,
    rows: Vec<(i64, HistoryEntry)>,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
}

/// Appends history rows and tracks the status the rows lead to.
struct History {
    rows: Vec<(i64, HistoryEntry)>,
    status: Status,
    at: DateTime<Utc>,
}

impl History {
    fn push(&mut self, actor: &ActorRef, event: TicketEvent) {
        if let TicketEvent::StatusChanged { to, .. } = &event {
            self.status = *to;
        }
        let id = self.rows.len() as i64 + 1;
        self.rows.push((
            id,
            HistoryEntry {
                ticket_id: TicketId(1),
                actor: *actor,
                event,
                at: self.at,
            },
        ));
    }
    fn status_to(&mut self, actor: &ActorRef, to: Status) {
        let from = self.status;
        self.push(actor, TicketEvent::StatusChanged { from, to });
    }
    /// Moves time on by a realistic gap: minutes mostly, sometimes hours or days.
    fn wait(&mut self, rng: &mut Lcg) {
        let minutes = match rng.below(10) {
            0..=4 => 1 + rng.below(60),
            5..=7 => 60 + rng.below(8 * 60),
            _ => 24 * 60 + rng.below(3 * 24 * 60),
        };
        self.at += Duration::minutes(minutes as i64) + Duration::seconds(rng.below(60) as i64);
    }
    fn agent_reply(&mut self, agent: &ActorRef) {
        self.push(agent, TicketEvent::AgentReplied);
        if self.status == Status::New {
            self.status_to(agent, Status::Open);
        }
    }
    fn customer_reply(&mut self, contact: &ActorRef) {
        self.push(contact, TicketEvent::CustomerReplied);
        if matches!(self.status, Status::Pending | Status::Resolved) {
            self.status_to(contact, Status::Open);
        }
    }
}

/// Created on a day of 2025 (mostly in office hours, Moscow), acknowledged, maybe tagged by
/// a rule; one to three rounds of agent reply → pending → customer reply → open, with tag,
/// priority and note changes in between; most end resolved, some reopen once.
fn generate(rng: &mut Lcg, i: usize) -> Generated {
    let day = rng.below(365) as i64;
    let minute = if rng.chance(75) {
        8 * 60 + rng.below(11 * 60)
    } else {
        rng.below(24 * 60)
    } as i64;
    // Moscow is UTC+3 all year.
    let created = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::days(day)
        + Duration::minutes(minute - 180);
    let channel = match rng.below(10) {
        0..=5 => Channel::Email,
        6..=8 => Channel::WebForm,
        _ => Channel::Api,
    };
    let priority = match rng.below(10) {
        0 => Priority::Low,
        1..=6 => Priority::Normal,
        7 | 8 => Priority::High,
        _ => Priority::Urgent,
    };
    let ru = !i.is_multiple_of(3);
    let words = if ru { RU } else { EN };
    let body_words = 10 + rng.below(41) as usize;
    let tags: BTreeSet<String> = (0..rng.below(3))
        .map(|_| rng.pick(TAGS).to_owned())
        .collect();
    let agent = ActorRef::Agent(AgentId(1 + rng.below(20) as i64));
    let contact = ActorRef::Contact(ContactId(i as i64 + 1));
    let mut h = History {
        rows: Vec::new(),
        status: Status::New,
        at: created,
    };
    h.push(
        &ActorRef::System,
        TicketEvent::Created { channel, priority },
    );
    if rng.chance(30) {
        let rule = RuleId(1 + rng.below(5) as i64);
        h.push(
            &ActorRef::System,
            TicketEvent::RuleFired {
                rule,
                name: format!("rule {}", rule.0),
            },
        );
        h.push(
            &ActorRef::Rule(rule),
            TicketEvent::Tagged {
                tag: rng.pick(TAGS).to_owned(),
            },
        );
    }
    h.at += Duration::seconds(2);
    h.push(&ActorRef::System, TicketEvent::Acknowledged);
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        h.wait(rng);
        h.agent_reply(&agent);
        if rng.chance(50) {
            // Reply and "waiting for the customer" as one change.
            h.status_to(&agent, Status::Pending);
        } else {
            h.wait(rng);
            h.status_to(&agent, Status::Pending);
        }
        if rng.chance(30) {
            h.wait(rng);
            h.push(&agent, TicketEvent::NoteAdded);
        }
        h.wait(rng);
        h.customer_reply(&contact);
        if rng.chance(40) {
            h.wait(rng);
            let tag = rng.pick(TAGS).to_owned();
            let e = if rng.chance(70) {
                TicketEvent::Tagged { tag }
            } else {
                TicketEvent::Untagged { tag }
            };
            h.push(&agent, e);
        }
        if rng.chance(15) {
            h.wait(rng);
            h.push(
                &agent,
                TicketEvent::PriorityChanged {
                    from: priority,
                    to: Priority::High,
                },
            );
        }
    }
    let resolved = rng.chance(75);
    if resolved {
        h.wait(rng);
        h.agent_reply(&agent);
        h.status_to(&agent, Status::Resolved);
        if rng.chance(10) {
            h.wait(rng);
            h.customer_reply(&contact);
            h.wait(rng);
            h.agent_reply(&agent);
            h.status_to(&agent, Status::Resolved);
        }
    }
    let now = h.at + Duration::minutes(rng.below(3 * 24 * 60) as i64);
    let facts = TicketFacts {
        channel,
        mailbox: (channel == Channel::Email).then(|| "support".to_owned()),
        subject: {
            let n = 3 + rng.below(5) as usize;
            text(rng, words, n)
        },
        body: text(rng, words, body_words),
        sender: EmailAddress::parse(&format!("c{i}@example.ru")).ok(),
        contact: ContactId(i as i64 + 1),
        organisation: None,
        vip: rng.chance(10),
        language: if ru { Lang::Ru } else { Lang::En },
        region: None,
        tags,
        custom_fields: BTreeMap::new(),
        priority,
        status: h.status,
        group: None,
        owner: match &agent {
            ActorRef::Agent(a) => Some(*a),
            _ => None,
        },
        now,
        business_hours: true,
        created_at: created,
        last_customer_reply_at: None,
        status_changed_at: None,
        assigned_at: None,
        suggested_category: None,
    };
    Generated {
        facts,
        rows: h.rows,
        created,
        now,
    }
}

/// What the `sla_update` job computes for a ticket seen for the first time: its facts
/// (language detection, stemming), the targets chosen, and the whole history replayed.
/// Returns the number of SLA events and the time of the replay alone.
fn recompute(
    policies: &[CompiledPolicy],
    cals: &CalendarSet,
    g: &Generated,
    mut facts: TicketFacts,
) -> (usize, std::time::Duration) {
    facts.language = lossless::rules::lang::detect(&facts.subject, &facts.body);
    facts.business_hours = cals.default.is_open(g.now);
    let facts = RuleFacts::new(facts);
    let chosen = policy::choose(black_box(policies), &facts);
    let started = Instant::now();
    let out = record::catch_up(
        black_box(&record::TicketSla::default()),
        black_box(&g.rows),
        &chosen,
        g.created,
        black_box(cals),
        black_box(g.now),
    );
    let replay = started.elapsed();
    (black_box(out).events.len(), replay)
}

/// What the `sla_update` job computes when it looks at a ticket whose record is up to date
/// (a timer or the sweep: nothing new in history, a later instant): its facts, the targets
/// chosen, the clocks retargeted and checked, and the next wake-up.
fn look(
    policies: &[CompiledPolicy],
    cals: &CalendarSet,
    g: &Generated,
    mut facts: TicketFacts,
    seen: &[(i64, HistoryEntry)],
    sla: &record::TicketSla,
    at: DateTime<Utc>,
) -> usize {
    facts.language = lossless::rules::lang::detect(&facts.subject, &facts.body);
    facts.business_hours = cals.default.is_open(at);
    let facts = RuleFacts::new(facts);
    let chosen = policy::choose(black_box(policies), &facts);
    let out = record::catch_up(
        black_box(sla),
        black_box(seen),
        &chosen,
        g.created,
        black_box(cals),
        black_box(at),
    );
    black_box(out).events.len()
}

fn stats(mut xs: Vec<std::time::Duration>) -> (f64, f64, f64) {
    xs.sort_unstable();
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    let n = xs.len().max(1);
    let mean = xs.iter().map(|d| us(*d)).sum::<f64>() / n as f64;
    let at = |p: usize| {
        xs.get((n * p / 100).min(n - 1))
            .map_or(f64::NAN, |d| us(*d))
    };
    (mean, at(50), at(99))
}

/// Runs the per-ticket recomputes (a look at an up-to-date record, and a whole history from
/// an empty record) and returns their Markdown table rows.
pub fn bench_recompute() -> String {
    let mut rng = Lcg(0x51a);
    let cals = record::single(moscow_2025());
    let policies = default_policies();
    let tickets: Vec<Generated> = (0..TICKETS).map(|i| generate(&mut rng, i)).collect();
    let rows: usize = tickets.iter().map(|g| g.rows.len()).sum();
    // Warm-up (caches, allocator).
    for g in tickets.iter().take(200) {
        black_box(recompute(&policies, &cals, g, g.facts.clone()));
    }
    let mut whole = Vec::with_capacity(TICKETS);
    let mut replay = Vec::with_capacity(TICKETS);
    let mut events = 0usize;
    for g in &tickets {
        let facts = g.facts.clone();
        let started = Instant::now();
        let (n, r) = recompute(&policies, &cals, g, facts);
        whole.push(started.elapsed());
        replay.push(r);
        events += black_box(n);
    }
    // A look at each ticket halfway through its life, when its next timer fires.
    let mut looks = Vec::with_capacity(TICKETS);
    let mut fired = 0usize;
    for g in &tickets {
        let seen = &g.rows[..g.rows.len().div_ceil(2)];
        let last = seen.last().map_or(g.created, |(_, h)| h.at);
        let facts = RuleFacts::new(g.facts.clone());
        let chosen = policy::choose(&policies, &facts);
        let before = record::catch_up(
            &record::TicketSla::default(),
            seen,
            &chosen,
            g.created,
            &cals,
            last,
        );
        let at = before.sla.next_at.unwrap_or(last + Duration::hours(1));
        let facts = g.facts.clone();
        let started = Instant::now();
        fired += look(&policies, &cals, g, facts, seen, &before.sla, at);
        looks.push(started.elapsed());
    }
    let (lmean, lp50, lp99) = stats(looks);
    let look_row = format!(
        "| SLA recompute per ticket at a look (timer or sweep; record up to date, {TICKETS} tickets halfway through their history, at their next wake-up: language detection + stemming + policy choice + retarget + check + next wake-up; {:.2} SLA events fired on average) | {:.0} tickets/s | mean {lmean:.1} µs, p50 {lp50:.1} µs, p99 {lp99:.1} µs |",
        fired as f64 / TICKETS as f64,
        1e6 / lmean
    );
    let (mean, p50, p99) = stats(whole);
    let (rmean, rp50, rp99) = stats(replay);
    look_row
        + "\n"
        + &format!(
            "| SLA recompute per ticket from an empty record ({TICKETS} tickets of 2025, {:.1} history rows and {:.1} SLA events on average; language detection + stemming + choice among the {} shipped policies + replay of the whole history on a Moscow office calendar with the 2025 production calendar) | {:.0} tickets/s | mean {mean:.1} µs, p50 {p50:.1} µs, p99 {p99:.1} µs (replay alone: mean {rmean:.1} µs, p50 {rp50:.1} µs, p99 {rp99:.1} µs) |",
            rows as f64 / TICKETS as f64,
            events as f64 / TICKETS as f64,
            policies.len(),
            1e6 / mean
        )
}

// ---- the sweep over a real store ----

use super::raw::{Bind, Raw};
use lossless::contact::{ContactDraft, Handle};
use lossless::ids::{NumberPrefix, PortalToken};
use lossless::ports::{Clock as _, CreateTicket, FixedClock, Store as _};
use lossless::services::Ports;
use lossless::ticket::TicketDraft;
use lossless_server::live::{Hub, LocalBus};
use lossless_server::store::SqlStore;
use std::sync::Arc;

/// The store run's "now": Tuesday 2025-11-25 12:00 in Moscow, an ordinary working day.
fn sweep_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Ports as a node wires them (server/tests/it/support.rs `ports()`), on a clock stopped at `at`.
fn ports_at(store: &SqlStore, at: DateTime<Utc>) -> (Ports, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(at));
    let ports = Ports {
        store: Arc::new(store.clone()),
        clock: clock.clone(),
        live: Arc::new(LocalBus(Hub::default())),
        prefix: NumberPrefix::default(),
    };
    (ports, clock)
}

/// `INSERT INTO table (cols…) SELECT exprs…`: every column of `table` but `id` (generated),
/// taken from `alias.col` unless `set` gives an expression for it.
fn copy_sql(cols: &[String], alias: &str, set: &[(&str, String)]) -> (String, String) {
    let kept: Vec<&String> = cols.iter().filter(|c| c.as_str() != "id").collect();
    let names = kept
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let exprs = kept
        .iter()
        .map(|c| {
            set.iter()
                .find(|(n, _)| *n == c.as_str())
                .map_or_else(|| format!("{alias}.{c}"), |(_, e)| e.clone())
        })
        .collect::<Vec<_>>()
        .join(", ");
    (names, exprs)
}

/// A ticket made through the store as intake makes it, with its SLA record computed by the
/// real job (`services::sla::catch_up`) 5 s after creation.
async fn template(
    store: &SqlStore,
    k: u8,
    created: DateTime<Utc>,
    channel: Channel,
    subject: &str,
    body: &str,
) -> TicketId {
    let c = store
        .create_ticket(CreateTicket {
            draft: TicketDraft {
                subject: subject.to_owned(),
                priority: Priority::Normal,
                channel,
                group: None,
                portal_token: PortalToken::from_random(&[k; 16]).expect("token"),
                lang: Lang::Ru,
                now: created,
            },
            prefix: NumberPrefix::default(),
            contact: ContactDraft {
                name: format!("Template {k}"),
                handles: vec![Handle::Email(
                    EmailAddress::parse(&format!("template{k}@bench.example")).expect("email"),
                )],
            },
            body: body.to_owned(),
            intake_key: None,
            custom_fields: BTreeMap::new(),
        })
        .await
        .expect("template ticket");
    let id = c.ticket.id;
    let (p, _) = ports_at(store, created + Duration::seconds(5));
    lossless::services::sla::catch_up(&p, id, None)
        .await
        .expect("template SLA record");
    id
}

/// Copies: for each template its number of copies; each copy gets its own contact (with an
/// email handle), ticket, first message, history and SLA record (cursor at its own last
/// row, like the template's).
struct Copier {
    contacts: (String, String),
    tickets: (String, String),
    history: (String, String),
    messages: (String, String),
    sla: (String, String),
    cursor: String,
    seq: i64,
}

impl Copier {
    async fn new(raw: &mut Raw) -> Copier {
        let contacts = copy_sql(
            &raw.columns("contacts").await,
            "c",
            &[("name", "'Customer ' || seq.n".to_owned())],
        );
        let tickets = copy_sql(
            &raw.columns("tickets").await,
            "t",
            &[
                ("number", "$3 || '-' || ($2 + seq.n)".to_owned()),
                ("number_seq", "$2 + seq.n".to_owned()),
                (
                    "portal_token",
                    "'bbbbbbbbbbbbbbbbbbbbbbbb' || ($2 + seq.n)".to_owned(),
                ),
                ("contact_id", "$5 + seq.n".to_owned()),
            ],
        );
        let history = copy_sql(
            &raw.columns("history").await,
            "h",
            &[
                ("ticket_id", "n.id".to_owned()),
                (
                    "actor_id",
                    "CASE WHEN h.actor_kind = 'contact' THEN n.contact_id ELSE h.actor_id END"
                        .to_owned(),
                ),
            ],
        );
        let messages = copy_sql(
            &raw.columns("messages").await,
            "m",
            &[
                ("ticket_id", "n.id".to_owned()),
                (
                    "author_id",
                    "CASE WHEN m.author_kind = 'contact' THEN n.contact_id ELSE m.author_id END"
                        .to_owned(),
                ),
            ],
        );
        let sla_cols = raw.columns("ticket_sla").await;
        let cursor = sla_cols
            .iter()
            .find(|c| c.contains("cursor"))
            .expect("ticket_sla has a history cursor column")
            .clone();
        let sla = copy_sql(
            &sla_cols,
            "s",
            &[
                ("ticket_id", "n.id".to_owned()),
                (
                    cursor.as_str(),
                    "(SELECT MAX(h.id) FROM history h WHERE h.ticket_id = n.id) - $3".to_owned(),
                ),
            ],
        );
        Copier {
            contacts,
            tickets,
            history,
            messages,
            sla,
            cursor,
            seq: 10_000_000,
        }
    }

    async fn copy(&mut self, raw: &mut Raw, template: TicketId, copies: i64) {
        let before = raw.int("SELECT MAX(id) FROM tickets", &[]).await;
        let contacts_before = raw.int("SELECT MAX(id) FROM contacts", &[]).await;
        let (names, exprs) = &self.contacts;
        raw.exec(
            &format!(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1) \
                 INSERT INTO contacts ({names}) SELECT {exprs} FROM seq, contacts c \
                 WHERE c.id = (SELECT contact_id FROM tickets WHERE id = $2) ORDER BY seq.n"
            ),
            &[Bind::Int(copies), Bind::Int(template.0)],
        )
        .await;
        let first_contact = raw
            .int(
                "SELECT MIN(id) FROM contacts WHERE id > $1",
                &[Bind::Int(contacts_before)],
            )
            .await;
        let span = raw
            .int(
                "SELECT MAX(id) - MIN(id) + 1 FROM contacts WHERE id > $1",
                &[Bind::Int(contacts_before)],
            )
            .await;
        assert_eq!(span, copies, "contact ids are consecutive");
        raw.exec(
            "INSERT INTO contact_handles (contact_id, kind, value) \
             SELECT id, 'email', 'customer' || id || '@bench.example' FROM contacts WHERE id > $1",
            &[Bind::Int(contacts_before)],
        )
        .await;
        let (names, exprs) = &self.tickets;
        let n = raw
            .exec(
                &format!(
                    "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $4) \
                     INSERT INTO tickets ({names}) SELECT {exprs} FROM seq, tickets t \
                     WHERE t.id = $1 ORDER BY seq.n"
                ),
                &[
                    Bind::Int(template.0),
                    Bind::Int(self.seq),
                    Bind::Text(NumberPrefix::default().as_str().to_owned()),
                    Bind::Int(copies),
                    Bind::Int(first_contact - 1),
                ],
            )
            .await;
        assert_eq!(n, copies as u64);
        self.seq += copies;
        for ((names, exprs), table, alias) in [
            (&self.history, "history", "h"),
            (&self.messages, "messages", "m"),
        ] {
            raw.exec(
                &format!(
                    "INSERT INTO {table} ({names}) SELECT {exprs} FROM tickets n, {table} {alias} \
                     WHERE n.id > $1 AND {alias}.ticket_id = $2 ORDER BY n.id, {alias}.id"
                ),
                &[Bind::Int(before), Bind::Int(template.0)],
            )
            .await;
        }
        // How far the template's cursor is below its last history row.
        let (names, exprs) = &self.sla;
        let lag = raw
            .int(
                &format!(
                    "SELECT (SELECT MAX(id) FROM history WHERE ticket_id = $1) - \
                     (SELECT {} FROM ticket_sla WHERE ticket_id = $1)",
                    self.cursor
                ),
                &[Bind::Int(template.0)],
            )
            .await;
        raw.exec(
            &format!(
                "INSERT INTO ticket_sla ({names}) SELECT {exprs} FROM tickets n, ticket_sla s \
                 WHERE n.id > $1 AND s.ticket_id = $2 ORDER BY n.id"
            ),
            &[Bind::Int(before), Bind::Int(template.0), Bind::Int(lag)],
        )
        .await;
    }
}

/// Splits `total` into `parts` nearly equal shares; share `i`.
fn share(total: i64, parts: i64, i: i64) -> i64 {
    total * (i + 1) / parts - total * i / parts
}

/// Runs the sweep measurements on `db` (for SQLite: a fresh file in `dir`; for PostgreSQL:
/// the empty database named) and returns their table rows.
pub async fn bench_sweep(name: &str, db: &str, dir: &std::path::Path) -> Vec<String> {
    use lossless::services::sla::{SWEEP_BATCH, catch_up, sweep};
    let url = super::raw::fresh_url(db, dir, "sla");
    let store = SqlStore::connect(&url)
        .await
        .expect("connect (runs the migrations)");
    let now = sweep_now();
    let setup = now - Duration::hours(4);
    store
        .save_sla_calendar(None, "Москва 2025".into(), moscow_2025(), true, setup)
        .await
        .expect("calendar");
    for d in policy::defaults() {
        store.save_sla_policy(None, d, setup).await.expect("policy");
    }
    store
        .create_agent(lossless::team::NewAgent {
            email: EmailAddress::parse("manager@bench.example").expect("email"),
            name: "Manager".into(),
            role: lossless::actor::Role::Manager,
            lang: Lang::Ru,
            password_hash: "x".into(),
        })
        .await
        .expect("manager");
    // Due now: first responses of 30, 30, 120 and 15 minutes started 2–3 business hours ago.
    let h = Duration::hours;
    let m = Duration::minutes;
    let due = [
        template(
            &store,
            1,
            now - h(3),
            Channel::WebForm,
            "Заказ не пришёл",
            "Здравствуйте! Заказ 123 так и не пришёл, когда доставка?",
        )
        .await,
        template(
            &store,
            2,
            now - h(3) + m(20),
            Channel::Api,
            "Order status",
            "Hello, my order has not arrived yet, please check.",
        )
        .await,
        template(
            &store,
            3,
            now - h(2) - m(20),
            Channel::Email,
            "Ошибка оплаты",
            "Не проходит оплата картой на сайте, ошибка 500.",
        )
        .await,
        template(
            &store,
            4,
            now - h(2),
            Channel::WebForm,
            "Какая цена?",
            "Какая стоимость доставки в Казань?",
        )
        .await,
    ];
    // Not due for a while: created in the last half hour.
    let fresh = [
        template(
            &store,
            5,
            now - m(1),
            Channel::WebForm,
            "Договор",
            "Добрый день, пришлите, пожалуйста, договор.",
        )
        .await,
        template(
            &store,
            6,
            now - m(2),
            Channel::Api,
            "Account",
            "Please reset my account password.",
        )
        .await,
        template(
            &store,
            7,
            now - m(30),
            Channel::Email,
            "Счёт",
            "Пришлите счёт на оплату.",
        )
        .await,
        template(
            &store,
            8,
            now - m(5),
            Channel::Email,
            "Сбой приложения",
            "Приложение не работает, сбой при входе.",
        )
        .await,
    ];
    let last_round = now + m(SWEEP_ROUNDS as i64);
    for (ids, is_due) in [(&due, true), (&fresh, false)] {
        for id in ids {
            let next = store
                .ticket_sla(*id)
                .await
                .expect("record")
                .and_then(|s| s.next_at)
                .expect("a template has a next look");
            assert_eq!(next <= now, is_due, "template {id}: next look {next}");
            assert!(
                is_due || next > last_round,
                "template {id}: next look {next}"
            );
        }
    }
    // Copies: 1 % due in all (templates included), spread over a few transactions.
    const CHUNKS: i64 = 4;
    let total = SWEEP_TICKETS as i64;
    let due_total = total / DUE_EVERY as i64;
    let per_due = (due_total - due.len() as i64) / due.len() as i64;
    let per_fresh = (total - due_total - fresh.len() as i64) / fresh.len() as i64;
    let started = Instant::now();
    let mut raw = Raw::open(&url).await;
    let mut copier = Copier::new(&mut raw).await;
    for c in 0..CHUNKS {
        raw.exec("BEGIN", &[]).await;
        for id in &due {
            copier.copy(&mut raw, *id, share(per_due, CHUNKS, c)).await;
        }
        for id in &fresh {
            copier
                .copy(&mut raw, *id, share(per_fresh, CHUNKS, c))
                .await;
        }
        raw.exec("COMMIT", &[]).await;
    }
    raw.exec("ANALYZE", &[]).await;
    let open = raw
        .int(
            "SELECT COUNT(*) FROM tickets t JOIN ticket_sla s ON s.ticket_id = t.id \
             WHERE t.status IN ('new', 'open', 'pending')",
            &[],
        )
        .await;
    raw.close().await;
    println!(
        "SLA sweep, {name}: {open} open tickets with SLA records made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (p, clock) = ports_at(&store, now);
    let due_now = store.due_slas(now, total).await.expect("due").len();
    // Rounds a minute apart (so each enqueues its jobs anew), warm database.
    let mut rounds = Vec::new();
    for _ in 0..SWEEP_ROUNDS {
        clock.advance(m(1));
        let t = Instant::now();
        let n = sweep(black_box(&p), SWEEP_BATCH).await.expect("sweep");
        rounds.push(t.elapsed());
        assert_eq!(black_box(n), due_now.min(SWEEP_BATCH as usize));
    }
    rounds.sort_unstable();
    // The due query alone, as often.
    let mut queries = Vec::new();
    for _ in 0..SWEEP_ROUNDS {
        let t = Instant::now();
        let due = store
            .due_slas(black_box(clock.now()), SWEEP_BATCH)
            .await
            .expect("due");
        queries.push(t.elapsed());
        black_box(due);
    }
    queries.sort_unstable();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let ids = store.due_slas(clock.now(), total).await.expect("due");
    let mut per = Vec::with_capacity(ids.len());
    for id in &ids {
        let t = Instant::now();
        let outcome = catch_up(&p, *id, None).await.expect("catch up");
        per.push(t.elapsed());
        black_box(outcome);
    }
    let processed = per.len();
    let left = store.due_slas(clock.now(), total).await.expect("due").len();
    assert_eq!(left, 0, "every due record has moved its next look on");
    let measured = store
        .sla_measurements(ids[0])
        .await
        .expect("measurements")
        .len();
    assert!(measured > 0, "the catch-up recorded the breach");
    let (mean, p50, p99) = stats(per);
    store.close().await;
    vec![
        format!(
            "| SLA sweep, {name}: due query + one `sla_update` job per due record, over {open} open tickets with SLA records, {due_now} due (batch {SWEEP_BATCH}, {SWEEP_ROUNDS} rounds a minute apart) | — | median {:.1} ms, max {:.1} ms (due query alone: median {:.1} ms) |",
            ms(rounds[rounds.len() / 2]),
            ms(rounds[rounds.len() - 1]),
            ms(queries[queries.len() / 2])
        ),
        format!(
            "| SLA catch-up of each due ticket, {name} ({processed} tickets one after another: record, history, policies, calendars and facts read; warnings and breach written with history, measurements, notifications and the next timer) | {:.0} tickets/s | mean {mean:.0} µs, p50 {p50:.0} µs, p99 {p99:.0} µs |",
            1e6 / mean
        ),
    ]
}
