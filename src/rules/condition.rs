//! Condition trees of rules and their evaluation against a ticket snapshot.
//!
//! A [`Condition`] is what is stored and edited (serde, human-readable); before use it is
//! compiled once into a [`CompiledCondition`] (keywords and phrases stemmed, names folded to
//! lowercase). A ticket is described once per evaluation round by [`RuleFacts`], which stems
//! its subject and body a single time, so evaluating many rules costs only comparisons.
//!
//! Semantics (invariants the tests pin down):
//! - `All([])` is true and `Any([])` is false (the neutral elements of "and" / "or"); `Not`
//!   negates. Evaluation short-circuits left to right.
//! - Text predicates match whole stemmed words (see [`super::stem`]), never substrings:
//!   "срочно" matches "Срочный вопрос" but not "сроки"; "refund" matches "Refunded?".
//!   A keyword entry of several words is matched as a phrase. A phrase matches consecutive
//!   words inside one field (never across subject and body). Empty keyword lists and phrases
//!   without words never match.
//! - Names (mailbox, organisation, region, tag, custom-field value, sender) compare trimmed
//!   and case-insensitively; custom-field keys compare exactly (after trimming).
//! - `SenderMatches` takes an exact address (`ivan@example.ru`) or a domain (`@example.ru`,
//!   the exact domain; subdomains do not match). No sender → false.
//! - `OlderThan { event, minutes }` is true when the event happened and at least `minutes`
//!   have passed by `facts.now`; an event that never happened → false. Time is never read
//!   from a clock here: `now` and `business_hours` come from the caller.

use super::stem;
use crate::ids::{AgentId, ContactId, EmailAddress, GroupId, Lang};
use crate::ticket::{Channel, Priority, Status};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A condition tree as stored with a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every child holds (empty → true).
    All(Vec<Condition>),
    /// At least one child holds (empty → false).
    Any(Vec<Condition>),
    /// The child does not hold.
    Not(Box<Condition>),
    /// A single test.
    Leaf(Predicate),
}

/// Which text of the ticket a word test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// The subject only.
    Subject,
    /// The body (first message) only.
    Body,
    /// Either.
    #[default]
    Both,
}

/// An event whose age a time-based condition measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketTime {
    /// The ticket was created.
    Created,
    /// The customer last wrote.
    LastCustomerReply,
    /// The status last changed.
    StatusChanged,
    /// The ticket was last assigned to an agent.
    Assigned,
}

/// One test on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Predicate {
    /// The ticket came through this channel.
    ChannelIs {
        /// Channel.
        channel: Channel,
    },
    /// The ticket came through this mailbox (or bot) by its configured name.
    MailboxIs {
        /// Mailbox name.
        mailbox: String,
    },
    /// Any of these words (word forms included) occurs.
    KeywordsAny {
        /// Words; an entry of several words is a phrase.
        words: Vec<String>,
        /// Where to look.
        #[serde(rename = "in", default)]
        field: TextField,
    },
    /// These words occur consecutively (word forms included).
    Phrase {
        /// The phrase.
        text: String,
        /// Where to look.
        #[serde(rename = "in", default)]
        field: TextField,
    },
    /// The sender is this address, or belongs to this `@domain`.
    SenderMatches {
        /// `user@domain` or `@domain`.
        pattern: String,
    },
    /// The customer is this contact.
    ContactIs {
        /// Contact.
        contact: ContactId,
    },
    /// The customer belongs to this organisation.
    OrganisationIs {
        /// Organisation name.
        organisation: String,
    },
    /// The customer is marked VIP.
    Vip,
    /// The detected language of the request.
    LanguageIs {
        /// Language.
        lang: Lang,
    },
    /// The customer's region.
    RegionIs {
        /// Region name or code.
        region: String,
    },
    /// The ticket carries this tag.
    HasTag {
        /// Tag.
        tag: String,
    },
    /// A custom field has this value.
    CustomFieldEquals {
        /// Field key.
        field: String,
        /// Expected value.
        value: String,
    },
    /// The priority is exactly this.
    PriorityIs {
        /// Priority.
        priority: Priority,
    },
    /// The priority is this or more urgent.
    PriorityAtLeast {
        /// Lowest matching priority.
        priority: Priority,
    },
    /// The status is this.
    StatusIs {
        /// Status.
        status: Status,
    },
    /// The ticket is routed to this group.
    GroupIs {
        /// Group.
        group: GroupId,
    },
    /// The ticket has no group.
    NoGroup,
    /// The ticket is owned by this agent.
    OwnerIs {
        /// Agent.
        agent: AgentId,
    },
    /// Nobody owns the ticket.
    Unowned,
    /// `now` is inside business hours (as computed by the caller).
    InBusinessHours,
    /// The local classifier suggests this category with at least this confidence (percent,
    /// 0–100); no suggestion → false.
    SuggestedCategory {
        /// Category name (compared trimmed, case-insensitively).
        category: String,
        /// Lowest confidence in percent.
        min_confidence: u8,
    },
    /// At least `minutes` have passed since the event.
    OlderThan {
        /// Which event.
        event: TicketTime,
        /// Minutes (negative counts as zero).
        minutes: i64,
    },
}

/// Plain facts about one ticket at one moment, filled by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    /// Origin channel.
    pub channel: Channel,
    /// Name of the mailbox/bot it came through, if any.
    pub mailbox: Option<String>,
    /// Subject.
    pub subject: String,
    /// Body text (the first message, plain text).
    pub body: String,
    /// Sender address, if known.
    pub sender: Option<EmailAddress>,
    /// The customer.
    pub contact: ContactId,
    /// The customer's organisation.
    pub organisation: Option<String>,
    /// VIP customer.
    pub vip: bool,
    /// Detected language.
    pub language: Lang,
    /// The customer's region.
    pub region: Option<String>,
    /// Tags (lowercase).
    pub tags: BTreeSet<String>,
    /// Custom fields.
    pub custom_fields: BTreeMap<String, String>,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: Status,
    /// Group.
    pub group: Option<GroupId>,
    /// Owner.
    pub owner: Option<AgentId>,
    /// The moment of evaluation.
    pub now: DateTime<Utc>,
    /// Is `now` inside business hours (computed by the caller from the calendar)?
    pub business_hours: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last customer message.
    pub last_customer_reply_at: Option<DateTime<Utc>>,
    /// Last status change.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Last assignment.
    pub assigned_at: Option<DateTime<Utc>>,
    /// The local classifier's best category and its confidence in percent, if any.
    pub suggested_category: Option<(String, u8)>,
}

/// A stem with its hash, so that looking it up in a text compares integers first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    hash: u64,
    text: String,
}

impl Key {
    fn new(text: String) -> Self {
        Self {
            hash: fnv1a(&text),
            text,
        }
    }
}

/// 64-bit FNV-1a: tiny, deterministic on every target, fast for short words.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Stemmed words of one text field: the distinct stems, an index of them by hash (for
/// words) and, in text order, each word's stem number (for phrases).
///
/// Invariants: `stems` has no duplicates; every number in `keys` and `seq` indexes `stems`;
/// `keys` holds each stem once with its [`fnv1a`] hash, sorted by hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Words {
    stems: Vec<String>,
    keys: Vec<(u64, u32)>,
    seq: Vec<u32>,
}

impl Words {
    /// Tokenises `text` and stems each *distinct* word once (texts repeat words a lot).
    fn new(text: &str) -> Self {
        let words = stem::words(text);
        let mut by_word: BTreeMap<&str, u32> = BTreeMap::new();
        let mut by_stem: BTreeMap<String, u32> = BTreeMap::new();
        let mut stems: Vec<String> = Vec::new();
        let seq: Vec<u32> = words
            .iter()
            .map(|w| {
                *by_word.entry(w.as_str()).or_insert_with(|| {
                    let s = stem::stem(w);
                    *by_stem.entry(s.clone()).or_insert_with(|| {
                        stems.push(s);
                        (stems.len() - 1) as u32
                    })
                })
            })
            .collect();
        let mut keys: Vec<(u64, u32)> = stems
            .iter()
            .enumerate()
            .map(|(i, s)| (fnv1a(s), i as u32))
            .collect();
        keys.sort_unstable();
        Self { stems, keys, seq }
    }
    /// The stem number of `key`, if the text has it.
    fn find(&self, key: &Key) -> Option<u32> {
        let from = self.keys.partition_point(|(h, _)| *h < key.hash);
        self.keys[from..]
            .iter()
            .take_while(|(h, _)| *h == key.hash)
            .map(|(_, i)| *i)
            .find(|i| self.stems.get(*i as usize) == Some(&key.text))
    }
    fn has_phrase(&self, phrase: &[Key]) -> bool {
        match phrase {
            [] => false,
            [one] => self.find(one).is_some(),
            _ => {
                // Cheap reject: every word must occur somewhere.
                let Some(ids) = phrase
                    .iter()
                    .map(|k| self.find(k))
                    .collect::<Option<Vec<u32>>>()
                else {
                    return false;
                };
                self.seq.windows(ids.len()).any(|win| win == ids.as_slice())
            }
        }
    }
}

/// A ticket snapshot ready for evaluation: the facts plus their subject and body stemmed once.
///
/// Invariant: the stemmed words always correspond to `facts().subject` / `facts().body`
/// (the facts cannot be changed after construction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFacts {
    facts: TicketFacts,
    subject: Words,
    body: Words,
    folded: Folded,
}

/// Names folded (trimmed, lowercase) once per ticket so predicates compare without allocating.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Folded {
    mailbox: Option<String>,
    sender: Option<String>,
    organisation: Option<String>,
    region: Option<String>,
    tags: BTreeSet<String>,
    custom_fields: BTreeMap<String, String>,
}

impl RuleFacts {
    /// Stems the subject and body once.
    pub fn new(facts: TicketFacts) -> Self {
        let subject = Words::new(&facts.subject);
        let body = Words::new(&facts.body);
        let folded = Folded {
            mailbox: facts.mailbox.as_deref().map(fold),
            sender: facts.sender.as_ref().map(|s| fold(s.as_str())),
            organisation: facts.organisation.as_deref().map(fold),
            region: facts.region.as_deref().map(fold),
            tags: facts.tags.iter().map(|t| fold(t)).collect(),
            custom_fields: facts
                .custom_fields
                .iter()
                .map(|(k, v)| (k.trim().to_owned(), fold(v)))
                .collect(),
        };
        Self {
            facts,
            subject,
            body,
            folded,
        }
    }
    /// The plain facts.
    pub fn facts(&self) -> &TicketFacts {
        &self.facts
    }
    fn fields(&self, field: TextField) -> impl Iterator<Item = &Words> {
        let (s, b) = match field {
            TextField::Subject => (Some(&self.subject), None),
            TextField::Body => (None, Some(&self.body)),
            TextField::Both => (Some(&self.subject), Some(&self.body)),
        };
        s.into_iter().chain(b)
    }
}

/// A predicate with its text pre-processed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CompiledPredicate {
    /// Already cheap to test: kept as written.
    Plain(Predicate),
    /// Each entry is a stemmed word sequence; any entry found as a phrase → true.
    Words {
        entries: Vec<Vec<Key>>,
        field: TextField,
    },
    Mailbox(String),
    Sender(String),
    Organisation(String),
    Region(String),
    Tag(String),
    CustomField {
        field: String,
        value: String,
    },
}

/// A condition tree ready for fast evaluation (see [`Condition::compile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledCondition(Node);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Leaf(CompiledPredicate),
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Condition {
    /// Pre-processes the tree once: stems keywords and phrases, folds names.
    pub fn compile(&self) -> CompiledCondition {
        CompiledCondition(compile_node(self))
    }
    /// Does any leaf test the classifier's suggestion? Callers skip computing
    /// [`TicketFacts::suggested_category`] when no condition they evaluate needs it.
    pub fn uses_suggestion(&self) -> bool {
        match self {
            Condition::All(xs) | Condition::Any(xs) => xs.iter().any(Condition::uses_suggestion),
            Condition::Not(x) => x.uses_suggestion(),
            Condition::Leaf(p) => matches!(p, Predicate::SuggestedCategory { .. }),
        }
    }
}

fn compile_node(c: &Condition) -> Node {
    match c {
        Condition::All(xs) => Node::All(xs.iter().map(compile_node).collect()),
        Condition::Any(xs) => Node::Any(xs.iter().map(compile_node).collect()),
        Condition::Not(x) => Node::Not(Box::new(compile_node(x))),
        Condition::Leaf(p) => Node::Leaf(compile_predicate(p)),
    }
}

/// The stems of `text`, each with its hash.
fn keys(text: &str) -> Vec<Key> {
    stem::stems(text).into_iter().map(Key::new).collect()
}

fn compile_predicate(p: &Predicate) -> CompiledPredicate {
    match p {
        Predicate::KeywordsAny { words, field } => {
            let mut entries: Vec<Vec<Key>> = words
                .iter()
                .map(|w| keys(w))
                .filter(|e| !e.is_empty())
                .collect();
            entries.sort();
            entries.dedup();
            CompiledPredicate::Words {
                entries,
                field: *field,
            }
        }
        Predicate::Phrase { text, field } => {
            let e = keys(text);
            CompiledPredicate::Words {
                entries: if e.is_empty() { vec![] } else { vec![e] },
                field: *field,
            }
        }
        Predicate::MailboxIs { mailbox } => CompiledPredicate::Mailbox(fold(mailbox)),
        Predicate::SenderMatches { pattern } => CompiledPredicate::Sender(fold(pattern)),
        Predicate::OrganisationIs { organisation } => {
            CompiledPredicate::Organisation(fold(organisation))
        }
        Predicate::RegionIs { region } => CompiledPredicate::Region(fold(region)),
        Predicate::HasTag { tag } => CompiledPredicate::Tag(fold(tag)),
        Predicate::CustomFieldEquals { field, value } => CompiledPredicate::CustomField {
            field: field.trim().to_owned(),
            value: fold(value),
        },
        plain @ (Predicate::ChannelIs { .. }
        | Predicate::ContactIs { .. }
        | Predicate::Vip
        | Predicate::LanguageIs { .. }
        | Predicate::PriorityIs { .. }
        | Predicate::PriorityAtLeast { .. }
        | Predicate::StatusIs { .. }
        | Predicate::GroupIs { .. }
        | Predicate::NoGroup
        | Predicate::OwnerIs { .. }
        | Predicate::Unowned
        | Predicate::InBusinessHours
        | Predicate::SuggestedCategory { .. }
        | Predicate::OlderThan { .. }) => CompiledPredicate::Plain(plain.clone()),
    }
}

impl CompiledCondition {
    /// Does the condition hold for this ticket?
    pub fn matches(&self, facts: &RuleFacts) -> bool {
        eval(&self.0, facts)
    }
}

fn eval(n: &Node, rf: &RuleFacts) -> bool {
    match n {
        Node::All(xs) => xs.iter().all(|x| eval(x, rf)),
        Node::Any(xs) => xs.iter().any(|x| eval(x, rf)),
        Node::Not(x) => !eval(x, rf),
        Node::Leaf(p) => eval_predicate(p, rf),
    }
}

/// Both arguments already folded.
fn sender_matches(sender: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('@') {
        Some(domain) => sender
            .rsplit_once('@')
            .is_some_and(|(_, d)| !domain.is_empty() && d == domain),
        None => sender == pattern,
    }
}

fn eval_predicate(p: &CompiledPredicate, rf: &RuleFacts) -> bool {
    let f = &rf.folded;
    match p {
        CompiledPredicate::Words { entries, field } => entries
            .iter()
            .any(|e| rf.fields(*field).any(|w| w.has_phrase(e))),
        CompiledPredicate::Mailbox(m) => f.mailbox.as_ref() == Some(m),
        CompiledPredicate::Sender(pat) => {
            f.sender.as_deref().is_some_and(|s| sender_matches(s, pat))
        }
        CompiledPredicate::Organisation(o) => f.organisation.as_ref() == Some(o),
        CompiledPredicate::Region(r) => f.region.as_ref() == Some(r),
        CompiledPredicate::Tag(t) => f.tags.contains(t),
        CompiledPredicate::CustomField { field, value } => {
            f.custom_fields.get(field) == Some(value)
        }
        CompiledPredicate::Plain(p) => eval_plain(p, rf),
    }
}

fn eval_plain(p: &Predicate, rf: &RuleFacts) -> bool {
    let f = &rf.facts;
    match p {
        Predicate::ChannelIs { channel } => f.channel == *channel,
        Predicate::ContactIs { contact } => f.contact == *contact,
        Predicate::Vip => f.vip,
        Predicate::LanguageIs { lang } => f.language == *lang,
        Predicate::PriorityIs { priority } => f.priority == *priority,
        Predicate::PriorityAtLeast { priority } => f.priority.rank() >= priority.rank(),
        Predicate::StatusIs { status } => f.status == *status,
        Predicate::GroupIs { group } => f.group == Some(*group),
        Predicate::NoGroup => f.group.is_none(),
        Predicate::OwnerIs { agent } => f.owner == Some(*agent),
        Predicate::Unowned => f.owner.is_none(),
        Predicate::InBusinessHours => f.business_hours,
        Predicate::SuggestedCategory {
            category,
            min_confidence,
        } => f
            .suggested_category
            .as_ref()
            .is_some_and(|(c, conf)| fold(c) == fold(category) && conf >= min_confidence),
        Predicate::OlderThan { event, minutes } => {
            let at = match event {
                TicketTime::Created => Some(f.created_at),
                TicketTime::LastCustomerReply => f.last_customer_reply_at,
                TicketTime::StatusChanged => f.status_changed_at,
                TicketTime::Assigned => f.assigned_at,
            };
            at.is_some_and(|t| f.now - t >= Duration::minutes((*minutes).max(0)))
        }
        // Text and name predicates are always compiled into their own variants (never
        // `Plain`); should one reach here, compiling it on the fly gives the same answer.
        other => eval_predicate(&compile_predicate(other), rf),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .unwrap_or_default()
    }

    pub(crate) fn base() -> TicketFacts {
        TicketFacts {
            channel: Channel::Email,
            mailbox: Some("Support".into()),
            subject: "Срочно: не прошла оплата".into(),
            body: "Здравствуйте! Я оплатил заказ, но деньги списались дважды. Please refund \
                   the second payment urgently."
                .into(),
            sender: EmailAddress::parse("Ivan@Example.RU").ok(),
            contact: ContactId(7),
            organisation: Some("ООО Ромашка".into()),
            vip: true,
            language: Lang::Ru,
            region: Some("Moscow".into()),
            tags: ["billing".to_owned()].into_iter().collect(),
            custom_fields: [("plan".to_owned(), "Pro".to_owned())]
                .into_iter()
                .collect(),
            priority: Priority::High,
            status: Status::New,
            group: Some(GroupId(3)),
            owner: None,
            now: t0() + Duration::minutes(90),
            business_hours: true,
            created_at: t0(),
            last_customer_reply_at: Some(t0() + Duration::minutes(60)),
            status_changed_at: None,
            assigned_at: None,
            suggested_category: None,
        }
    }

    fn leaf(p: Predicate) -> Condition {
        Condition::Leaf(p)
    }

    fn holds(c: &Condition, f: &TicketFacts) -> bool {
        c.compile().matches(&RuleFacts::new(f.clone()))
    }

    fn kw(words: &[&str], field: TextField) -> Condition {
        leaf(Predicate::KeywordsAny {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            field,
        })
    }

    fn phrase(text: &str, field: TextField) -> Condition {
        leaf(Predicate::Phrase {
            text: text.into(),
            field,
        })
    }

    #[test]
    fn empty_all_is_true_empty_any_is_false_and_not_negates() {
        let f = base();
        assert!(holds(&Condition::All(vec![]), &f));
        assert!(!holds(&Condition::Any(vec![]), &f));
        assert!(!holds(
            &Condition::Not(Box::new(Condition::All(vec![]))),
            &f
        ));
        assert!(holds(&Condition::Not(Box::new(Condition::Any(vec![]))), &f));
    }

    #[test]
    fn nesting_all_any_not() {
        let f = base();
        let yes = leaf(Predicate::Vip);
        let no = leaf(Predicate::Unowned);
        let no = Condition::Not(Box::new(no)); // owner is None → Unowned true → Not false
        assert!(holds(&Condition::All(vec![yes.clone(), yes.clone()]), &f));
        assert!(!holds(&Condition::All(vec![yes.clone(), no.clone()]), &f));
        assert!(holds(&Condition::Any(vec![no.clone(), yes.clone()]), &f));
        assert!(!holds(&Condition::Any(vec![no.clone(), no.clone()]), &f));
        // VIP and (email or api) and not (status is closed)
        let tree = Condition::All(vec![
            yes.clone(),
            Condition::Any(vec![
                leaf(Predicate::ChannelIs {
                    channel: Channel::Api,
                }),
                leaf(Predicate::ChannelIs {
                    channel: Channel::Email,
                }),
            ]),
            Condition::Not(Box::new(leaf(Predicate::StatusIs {
                status: Status::Closed,
            }))),
        ]);
        assert!(holds(&tree, &f));
        let mut closed = base();
        closed.status = Status::Closed;
        assert!(!holds(&tree, &closed));
        let double_not = Condition::Not(Box::new(Condition::Not(Box::new(yes))));
        assert!(holds(&double_not, &f));
    }

    #[test]
    fn keywords_match_russian_word_forms_in_subject_and_body() {
        let f = base();
        // "срочный" (rule) vs "Срочно" (subject).
        assert!(holds(&kw(&["срочный"], TextField::Subject), &f));
        assert!(!holds(&kw(&["срочный"], TextField::Body), &f));
        assert!(holds(&kw(&["срочный"], TextField::Both), &f));
        // "оплата" (rule) vs "оплата" (subject) and "оплатил" (body).
        assert!(holds(&kw(&["оплата"], TextField::Body), &f));
        assert!(holds(&kw(&["оплаты"], TextField::Subject), &f));
        // Whole words only: "сроки" is a different stem; "плат" is not a word in the text.
        assert!(!holds(&kw(&["сроки"], TextField::Both), &f));
        assert!(!holds(&kw(&["плат"], TextField::Both), &f));
        assert!(!holds(&kw(&["возврат", "жалоба"], TextField::Both), &f));
        let mut g = base();
        g.body = "Прошу оформить возвратом средств".into();
        assert!(holds(&kw(&["жалоба", "возврат"], TextField::Body), &g));
    }

    #[test]
    fn keywords_match_english_word_forms() {
        let f = base();
        assert!(holds(&kw(&["refunds"], TextField::Body), &f));
        assert!(holds(&kw(&["refunded"], TextField::Body), &f));
        assert!(holds(&kw(&["urgent"], TextField::Body), &f));
        assert!(holds(&kw(&["PAYMENTS"], TextField::Both), &f));
        assert!(!holds(&kw(&["pay"], TextField::Both), &f));
        assert!(!holds(&kw(&["ref"], TextField::Both), &f));
    }

    #[test]
    fn empty_keyword_lists_never_match() {
        let f = base();
        assert!(!holds(&kw(&[], TextField::Both), &f));
        assert!(!holds(&kw(&["", " !! "], TextField::Both), &f));
        assert!(!holds(&phrase("  ", TextField::Both), &f));
    }

    #[test]
    fn phrases_match_consecutive_word_forms_within_one_field() {
        let f = base();
        assert!(holds(&phrase("не прошли оплаты", TextField::Subject), &f));
        assert!(holds(
            &phrase("Refunding the second payments", TextField::Body),
            &f
        ));
        assert!(holds(&phrase("списалось дважды", TextField::Both), &f));
        // Words present but not consecutive / out of order.
        assert!(!holds(&phrase("оплата прошла", TextField::Both), &f));
        assert!(!holds(&phrase("second refund", TextField::Body), &f));
        // Not across fields: subject ends with "оплата", body starts with "Здравствуйте".
        assert!(!holds(&phrase("оплата здравствуйте", TextField::Both), &f));
        // A multi-word keyword entry is a phrase.
        assert!(holds(&kw(&["нет", "second payment"], TextField::Body), &f));
        assert!(!holds(&kw(&["payment second"], TextField::Body), &f));
    }

    #[test]
    fn repeated_words_and_shared_stems_keep_their_positions() {
        let mut f = base();
        f.subject = "Оплата, оплатил, оплату: оплата не прошла".into();
        f.body = "the order the ORDER ordered".into();
        // Different forms of one stem are the same word at every position.
        assert!(holds(&phrase("оплатили оплата", TextField::Subject), &f));
        assert!(holds(&phrase("оплата не прошла", TextField::Subject), &f));
        assert!(!holds(&phrase("не оплата", TextField::Subject), &f));
        assert!(holds(&phrase("order orders", TextField::Body), &f));
        assert!(holds(&phrase("the order the order", TextField::Body), &f));
        assert!(!holds(&phrase("order the the", TextField::Body), &f));
        assert!(!holds(&kw(&["прошлый"], TextField::Body), &f));
    }

    #[test]
    fn channel_and_mailbox() {
        let f = base();
        let ch = |c| leaf(Predicate::ChannelIs { channel: c });
        assert!(holds(&ch(Channel::Email), &f));
        assert!(!holds(&ch(Channel::WebForm), &f));
        let mb = |m: &str| leaf(Predicate::MailboxIs { mailbox: m.into() });
        assert!(holds(&mb(" support "), &f));
        assert!(!holds(&mb("sales"), &f));
        let mut g = base();
        g.mailbox = None;
        assert!(!holds(&mb("support"), &g));
    }

    #[test]
    fn sender_exact_address_or_domain() {
        let f = base();
        let s = |p: &str| leaf(Predicate::SenderMatches { pattern: p.into() });
        assert!(holds(&s("ivan@example.ru"), &f));
        assert!(holds(&s("IVAN@EXAMPLE.RU"), &f));
        assert!(holds(&s("@example.ru"), &f));
        assert!(holds(&s(" @Example.ru "), &f));
        assert!(!holds(&s("@ample.ru"), &f));
        assert!(!holds(&s("@mail.example.ru"), &f));
        assert!(!holds(&s("petr@example.ru"), &f));
        assert!(!holds(&s("@"), &f));
        let mut g = base();
        g.sender = None;
        assert!(!holds(&s("@example.ru"), &g));
    }

    #[test]
    fn contact_organisation_vip_language_region() {
        let f = base();
        assert!(holds(
            &leaf(Predicate::ContactIs {
                contact: ContactId(7)
            }),
            &f
        ));
        assert!(!holds(
            &leaf(Predicate::ContactIs {
                contact: ContactId(8)
            }),
            &f
        ));
        let org = |o: &str| {
            leaf(Predicate::OrganisationIs {
                organisation: o.into(),
            })
        };
        assert!(holds(&org("ооо ромашка"), &f));
        assert!(!holds(&org("ООО Лютик"), &f));
        assert!(holds(&leaf(Predicate::Vip), &f));
        let mut g = base();
        g.vip = false;
        g.organisation = None;
        g.region = None;
        assert!(!holds(&leaf(Predicate::Vip), &g));
        assert!(!holds(&org("ооо ромашка"), &g));
        assert!(holds(&leaf(Predicate::LanguageIs { lang: Lang::Ru }), &f));
        assert!(!holds(&leaf(Predicate::LanguageIs { lang: Lang::En }), &f));
        let reg = |r: &str| leaf(Predicate::RegionIs { region: r.into() });
        assert!(holds(&reg("moscow"), &f));
        assert!(!holds(&reg("Kazan"), &f));
        assert!(!holds(&reg("moscow"), &g));
    }

    #[test]
    fn tags_and_custom_fields() {
        let f = base();
        assert!(holds(
            &leaf(Predicate::HasTag {
                tag: "Billing".into()
            }),
            &f
        ));
        assert!(!holds(&leaf(Predicate::HasTag { tag: "bill".into() }), &f));
        let cf = |k: &str, v: &str| {
            leaf(Predicate::CustomFieldEquals {
                field: k.into(),
                value: v.into(),
            })
        };
        assert!(holds(&cf("plan", "pro"), &f));
        assert!(holds(&cf(" plan ", " PRO "), &f));
        assert!(!holds(&cf("plan", "free"), &f));
        assert!(!holds(&cf("Plan", "pro"), &f));
        assert!(!holds(&cf("tier", "pro"), &f));
    }

    #[test]
    fn priority_status_group_owner() {
        let f = base(); // high, new, group 3, unowned
        let pi = |p| leaf(Predicate::PriorityIs { priority: p });
        let pal = |p| leaf(Predicate::PriorityAtLeast { priority: p });
        assert!(holds(&pi(Priority::High), &f));
        assert!(!holds(&pi(Priority::Urgent), &f));
        assert!(holds(&pal(Priority::Low), &f));
        assert!(holds(&pal(Priority::High), &f));
        assert!(!holds(&pal(Priority::Urgent), &f));
        assert!(holds(
            &leaf(Predicate::StatusIs {
                status: Status::New
            }),
            &f
        ));
        assert!(!holds(
            &leaf(Predicate::StatusIs {
                status: Status::Open
            }),
            &f
        ));
        assert!(holds(&leaf(Predicate::GroupIs { group: GroupId(3) }), &f));
        assert!(!holds(&leaf(Predicate::GroupIs { group: GroupId(4) }), &f));
        assert!(!holds(&leaf(Predicate::NoGroup), &f));
        assert!(holds(&leaf(Predicate::Unowned), &f));
        assert!(!holds(&leaf(Predicate::OwnerIs { agent: AgentId(1) }), &f));
        let mut g = base();
        g.group = None;
        g.owner = Some(AgentId(1));
        assert!(holds(&leaf(Predicate::NoGroup), &g));
        assert!(!holds(&leaf(Predicate::GroupIs { group: GroupId(3) }), &g));
        assert!(holds(&leaf(Predicate::OwnerIs { agent: AgentId(1) }), &g));
        assert!(!holds(&leaf(Predicate::OwnerIs { agent: AgentId(2) }), &g));
        assert!(!holds(&leaf(Predicate::Unowned), &g));
    }

    #[test]
    fn business_hours_and_time_since_events() {
        let f = base(); // now = created + 90 min, last reply = created + 60 min
        assert!(holds(&leaf(Predicate::InBusinessHours), &f));
        let mut g = base();
        g.business_hours = false;
        assert!(!holds(&leaf(Predicate::InBusinessHours), &g));
        let older = |event, minutes| leaf(Predicate::OlderThan { event, minutes });
        assert!(holds(&older(TicketTime::Created, 90), &f)); // boundary: ≥
        assert!(!holds(&older(TicketTime::Created, 91), &f));
        assert!(holds(&older(TicketTime::LastCustomerReply, 30), &f));
        assert!(!holds(&older(TicketTime::LastCustomerReply, 31), &f));
        // Never happened → false, whatever the threshold.
        assert!(!holds(&older(TicketTime::StatusChanged, 0), &f));
        assert!(!holds(&older(TicketTime::Assigned, 0), &f));
        g.assigned_at = Some(t0());
        g.status_changed_at = Some(t0() + Duration::minutes(89));
        assert!(holds(&older(TicketTime::Assigned, 90), &g));
        assert!(holds(&older(TicketTime::StatusChanged, 1), &g));
        assert!(!holds(&older(TicketTime::StatusChanged, 2), &g));
        // Negative minutes count as zero.
        assert!(holds(&older(TicketTime::StatusChanged, -5), &g));
        // "Unassigned for 60 minutes": no owner and created at least an hour ago.
        let unassigned_60 = Condition::All(vec![
            leaf(Predicate::Unowned),
            older(TicketTime::Created, 60),
        ]);
        assert!(holds(&unassigned_60, &f));
    }

    #[test]
    fn condition_tree_serde_round_trip() {
        let tree = Condition::All(vec![
            Condition::Any(vec![
                kw(&["срочно", "urgent"], TextField::Subject),
                phrase("не работает", TextField::Both),
            ]),
            Condition::Not(Box::new(leaf(Predicate::HasTag { tag: "spam".into() }))),
            leaf(Predicate::Vip),
            leaf(Predicate::OlderThan {
                event: TicketTime::Created,
                minutes: 30,
            }),
            leaf(Predicate::SenderMatches {
                pattern: "@example.ru".into(),
            }),
            leaf(Predicate::PriorityAtLeast {
                priority: Priority::High,
            }),
            leaf(Predicate::GroupIs { group: GroupId(2) }),
            leaf(Predicate::LanguageIs { lang: Lang::En }),
        ]);
        let json = serde_json::to_string(&tree).unwrap_or_default();
        let back: Result<Condition, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(tree));
        // The stored shape is readable and stable.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(v["all"][0]["any"][0]["leaf"]["kind"], "keywords_any");
        assert_eq!(v["all"][0]["any"][0]["leaf"]["in"], "subject");
        assert_eq!(v["all"][2]["leaf"]["kind"], "vip");
        assert_eq!(v["all"][3]["leaf"]["event"], "created");
        // `in` defaults to both.
        let p: Result<Predicate, _> =
            serde_json::from_str(r#"{"kind":"phrase","text":"не работает"}"#);
        assert_eq!(
            p.ok(),
            Some(Predicate::Phrase {
                text: "не работает".into(),
                field: TextField::Both
            })
        );
    }

    #[test]
    fn two_hundred_rules_compile_and_evaluate() {
        let rules: Vec<CompiledCondition> = (0..200)
            .map(|i| {
                Condition::All(vec![
                    kw(&["срочно", "urgent", &format!("слово{i}")], TextField::Both),
                    Condition::Any(vec![
                        phrase("второй платеж", TextField::Body),
                        leaf(Predicate::SenderMatches {
                            pattern: "@example.ru".into(),
                        }),
                    ]),
                    leaf(Predicate::PriorityAtLeast {
                        priority: Priority::Normal,
                    }),
                    Condition::Not(Box::new(leaf(Predicate::HasTag {
                        tag: format!("t{i}"),
                    }))),
                    leaf(Predicate::OlderThan {
                        event: TicketTime::Created,
                        minutes: i,
                    }),
                ])
                .compile()
            })
            .collect();
        let facts = RuleFacts::new(base());
        let hits = rules.iter().filter(|r| r.matches(&facts)).count();
        // OlderThan(created, i) holds for i ≤ 90.
        assert_eq!(hits, 91);
    }

    #[test]
    fn only_trees_with_a_suggestion_leaf_need_the_classifier() {
        let suggested = Condition::Leaf(Predicate::SuggestedCategory {
            category: "billing".into(),
            min_confidence: 80,
        });
        let vip = Condition::Leaf(Predicate::Vip);
        assert!(suggested.uses_suggestion());
        assert!(!vip.uses_suggestion());
        assert!(
            Condition::All(vec![vip.clone(), Condition::Not(Box::new(suggested))])
                .uses_suggestion()
        );
        assert!(!Condition::Any(vec![vip]).uses_suggestion());
    }
}
