//! The local classifier (issue 4): multinomial Naive Bayes over stemmed words and word bigrams,
//! with three heads learned from tickets agents have labelled — the category (the ticket's
//! group name), the tags (multi-label: one binary model per tag) and the priority.
//!
//! Text → features: the subject and the body (first [`MAX_TEXT_CHARS`] characters of each) are
//! stemmed with [`crate::rules::stem::stems`] (Russian Snowball, English Porter). A document
//! counts each distinct stem once ("binarized" multinomial NB, which is less overconfident on
//! repeated words), at most [`MAX_DOC_FEATURES`] of them. Word bigrams were measured and did
//! not help (same accuracy within a point, a model five times larger; BENCHMARKS.md), so the
//! features are single stems.
//!
//! Invariants:
//! - [`Model::learn`] only adds counts: learning a set of examples in any split and order gives
//!   the same model as learning them at once — as long as the vocabulary stays under
//!   [`MAX_FEATURES`]. When it grows past that, the rarest features (lowest total count, ties
//!   removed together) are pruned until it is at most 90 % of the cap; the class totals keep
//!   the pruned counts, so pruned words act as unseen.
//! - One shared vocabulary serves the three heads; a tag's negative counts are derived
//!   (feature total − feature count with the tag), so a tag costs only its positive counts.
//! - Nothing is suggested for a head until at least two of its classes have
//!   [`MIN_CLASS_EXAMPLES`] examples each (a tag needs that many examples with and without
//!   it); only such classes compete. A text with no known feature gets no suggestion.
//! - Confidence is the posterior probability of the best class in percent, from tempered
//!   log-likelihoods (divided by [`TEMPERATURE`], because the words of a text are far from
//!   independent and raw NB posteriors are nearly always 0 or 1), capped at 99.
//! - Pure and total: no I/O, no panics, linear in the input; builds for wasm32.

use crate::ports::LabelledTicket;
use crate::rules::stem;
use crate::ticket::Priority;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most distinct features the model keeps (see the module doc for pruning).
pub const MAX_FEATURES: usize = 20_000;
/// Least examples a class needs before it can be suggested.
pub const MIN_CLASS_EXAMPLES: u32 = 5;
/// Most distinct features taken from one document.
pub const MAX_DOC_FEATURES: usize = 600;
/// Characters of each field (subject, body) that are read.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Divides the summed log-likelihoods before the posterior is computed.
pub const TEMPERATURE: f64 = 4.0;
/// A tag is suggested when its posterior is at least this (percent).
pub const TAG_THRESHOLD: u8 = 50;
/// Most tags suggested at once.
pub const MAX_SUGGESTED_TAGS: usize = 5;
/// Additive (Laplace/Lidstone) smoothing of feature counts.
const ALPHA: f64 = 0.5;
/// The stored format; a model of another version is discarded and relearned.
pub const MODEL_VERSION: u32 = 1;

/// One labelled text to learn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example<'a> {
    /// Subject.
    pub subject: &'a str,
    /// Body.
    pub body: &'a str,
    /// Category (group name), if labelled.
    pub category: Option<&'a str>,
    /// Tags.
    pub tags: &'a [String],
    /// Priority.
    pub priority: Priority,
}

impl<'a> From<&'a LabelledTicket> for Example<'a> {
    fn from(t: &'a LabelledTicket) -> Self {
        Example {
            subject: &t.subject,
            body: &t.body,
            category: t.category.as_deref(),
            tags: &t.tags,
            priority: t.priority,
        }
    }
}

/// What the classifier proposes for a text; empty parts mean "no suggestion".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Suggestion {
    /// Best category and its confidence in percent.
    pub category: Option<(String, u8)>,
    /// Tags whose confidence reaches [`TAG_THRESHOLD`], most confident first.
    pub tags: Vec<(String, u8)>,
    /// Best priority and its confidence in percent.
    pub priority: Option<(Priority, u8)>,
}

impl Suggestion {
    /// Nothing suggested at all?
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.tags.is_empty() && self.priority.is_none()
    }
}

/// Examples and distinct-feature occurrences of one class.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClassTotals {
    /// Class name (a category or a tag; empty for priorities, which are indexed by rank).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Examples of the class.
    pub docs: u32,
    /// Feature occurrences in its examples.
    pub tokens: u64,
}

/// The counts of one feature: in all examples and per class of each head (sparse:
/// `(class index, count)`, ordered by index).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeatureCounts {
    /// Examples containing the feature.
    #[serde(rename = "n")]
    pub total: u32,
    /// Per category.
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<(u16, u32)>,
    /// Per tag (examples carrying the tag).
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(u16, u32)>,
    /// Per priority rank.
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<(u16, u32)>,
}

/// The classifier: counts only, serde-serializable, learned incrementally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Format version ([`MODEL_VERSION`]).
    pub version: u32,
    /// Examples learned.
    pub examples: u64,
    /// Feature occurrences over all examples.
    pub tokens: u64,
    /// Categories seen, in order of first appearance.
    pub categories: Vec<ClassTotals>,
    /// Tags seen, in order of first appearance.
    pub tags: Vec<ClassTotals>,
    /// Per priority, indexed by [`Priority::rank`].
    pub priorities: Vec<ClassTotals>,
    /// The vocabulary.
    pub features: BTreeMap<String, FeatureCounts>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            version: MODEL_VERSION,
            examples: 0,
            tokens: 0,
            categories: Vec::new(),
            tags: Vec::new(),
            priorities: vec![ClassTotals::default(); Priority::ALL.len()],
            features: BTreeMap::new(),
        }
    }
}

/// The distinct features of a text (see the module doc), sorted.
pub fn features(subject: &str, body: &str) -> Vec<String> {
    let mut set = BTreeSet::new();
    for field in [subject, body] {
        let text: String = field.chars().take(MAX_TEXT_CHARS).collect();
        let stems = stem::stems(&text);
        for s in stems {
            if set.len() >= MAX_DOC_FEATURES {
                break;
            }
            set.insert(s);
        }
    }
    set.into_iter().collect()
}

fn add(list: &mut Vec<(u16, u32)>, class: u16) {
    match list.binary_search_by_key(&class, |(c, _)| *c) {
        Ok(i) => {
            if let Some((_, n)) = list.get_mut(i) {
                *n = n.saturating_add(1);
            }
        }
        Err(i) => list.insert(i, (class, 1)),
    }
}

fn count_of(list: &[(u16, u32)], class: u16) -> u32 {
    list.binary_search_by_key(&class, |(c, _)| *c)
        .ok()
        .and_then(|i| list.get(i))
        .map_or(0, |(_, n)| *n)
}

/// Index of `name` in `classes` (compared trimmed, case-insensitively), added when new.
/// `None` once there are `u16::MAX` classes.
fn class_index(classes: &mut Vec<ClassTotals>, name: &str) -> Option<u16> {
    let key = fold(name);
    if let Some(i) = classes.iter().position(|c| fold(&c.name) == key) {
        return u16::try_from(i).ok();
    }
    let i = u16::try_from(classes.len())
        .ok()
        .filter(|i| *i < u16::MAX)?;
    classes.push(ClassTotals {
        name: name.trim().to_owned(),
        docs: 0,
        tokens: 0,
    });
    Some(i)
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

fn bump(t: &mut ClassTotals, n: u64) {
    t.docs = t.docs.saturating_add(1);
    t.tokens = t.tokens.saturating_add(n);
}

fn percent(p: f64) -> u8 {
    // Rounded, and never "certain".
    let v = (p * 100.0).round();
    if v.is_nan() {
        0
    } else {
        v.clamp(0.0, 99.0) as u8
    }
}

/// Softmax over log-scores; returns the best index and its probability.
fn best_of(scores: &[(usize, f64)]) -> Option<(usize, f64)> {
    let max = scores
        .iter()
        .map(|(_, s)| *s)
        .fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return None;
    }
    let sum: f64 = scores.iter().map(|(_, s)| (s - max).exp()).sum();
    let (i, s) = scores
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
    Some((i, (s - max).exp() / sum))
}

impl Model {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one example's counts (and prunes the vocabulary if it outgrew [`MAX_FEATURES`]).
    pub fn learn(&mut self, ex: Example<'_>) {
        let feats = features(ex.subject, ex.body);
        let n = feats.len() as u64;
        self.examples = self.examples.saturating_add(1);
        self.tokens = self.tokens.saturating_add(n);
        if self.priorities.len() != Priority::ALL.len() {
            self.priorities = vec![ClassTotals::default(); Priority::ALL.len()];
        }
        let cat = ex
            .category
            .filter(|c| !c.trim().is_empty())
            .and_then(|c| class_index(&mut self.categories, c));
        if let Some(c) = cat.and_then(|c| self.categories.get_mut(usize::from(c))) {
            bump(c, n);
        }
        let mut tag_ids: Vec<u16> = ex
            .tags
            .iter()
            .filter(|t| !t.trim().is_empty())
            .filter_map(|t| class_index(&mut self.tags, t))
            .collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        for t in &tag_ids {
            if let Some(c) = self.tags.get_mut(usize::from(*t)) {
                bump(c, n);
            }
        }
        let rank = u16::try_from(ex.priority.rank()).unwrap_or(1);
        if let Some(c) = self.priorities.get_mut(usize::from(rank)) {
            bump(c, n);
        }
        for f in feats {
            let e = self.features.entry(f).or_default();
            e.total = e.total.saturating_add(1);
            if let Some(c) = cat {
                add(&mut e.category, c);
            }
            for t in &tag_ids {
                add(&mut e.tags, *t);
            }
            add(&mut e.priority, rank);
        }
        if self.features.len() > MAX_FEATURES {
            self.prune(MAX_FEATURES * 9 / 10);
        }
    }

    /// Drops the rarest features until at most `keep` remain.
    fn prune(&mut self, keep: usize) {
        let mut k = 1;
        while self.features.len() > keep {
            self.features.retain(|_, c| c.total > k);
            k = k.saturating_add(1);
        }
    }

    /// Suggests a category, tags and a priority for a text (see the module doc).
    pub fn suggest(&self, subject: &str, body: &str) -> Suggestion {
        let known: Vec<&FeatureCounts> = features(subject, body)
            .iter()
            .filter_map(|f| self.features.get(f))
            .collect();
        if known.is_empty() {
            return Suggestion::default();
        }
        let vocab = self.features.len() as f64;
        let category = self
            .multiclass(&self.categories, &known, vocab, |f| &f.category)
            .and_then(|(i, p)| self.categories.get(i).map(|c| (c.name.clone(), percent(p))));
        let priority = self
            .multiclass(&self.priorities, &known, vocab, |f| &f.priority)
            .and_then(|(i, p)| {
                Priority::ALL
                    .into_iter()
                    .find(|x| usize::try_from(x.rank()).ok() == Some(i))
                    .map(|x| (x, percent(p)))
            });
        let mut tags: Vec<(String, u8)> = self
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let p = self.tag_posterior(u16::try_from(i).ok()?, t, &known, vocab)?;
                let pc = percent(p);
                (pc >= TAG_THRESHOLD).then(|| (t.name.clone(), pc))
            })
            .collect();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        tags.truncate(MAX_SUGGESTED_TAGS);
        Suggestion {
            category,
            tags,
            priority,
        }
    }

    /// Best eligible class of a multiclass head and its posterior.
    fn multiclass(
        &self,
        classes: &[ClassTotals],
        known: &[&FeatureCounts],
        vocab: f64,
        counts: impl Fn(&FeatureCounts) -> &Vec<(u16, u32)>,
    ) -> Option<(usize, f64)> {
        let eligible: Vec<(usize, &ClassTotals)> = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.docs >= MIN_CLASS_EXAMPLES)
            .collect();
        if eligible.len() < 2 {
            return None;
        }
        let docs: f64 = eligible.iter().map(|(_, c)| f64::from(c.docs)).sum();
        let scores: Vec<(usize, f64)> = eligible
            .iter()
            .filter_map(|(i, c)| {
                let idx = u16::try_from(*i).ok()?;
                let denom = (c.tokens as f64 + ALPHA * vocab).ln();
                let lik: f64 = known
                    .iter()
                    .map(|f| (f64::from(count_of(counts(f), idx)) + ALPHA).ln() - denom)
                    .sum();
                Some((*i, (f64::from(c.docs) / docs).ln() + lik / TEMPERATURE))
            })
            .collect();
        best_of(&scores)
    }

    /// Posterior of "has tag `idx`" for a text, if the tag is eligible.
    fn tag_posterior(
        &self,
        idx: u16,
        tag: &ClassTotals,
        known: &[&FeatureCounts],
        vocab: f64,
    ) -> Option<f64> {
        let all_docs = u32::try_from(self.examples).unwrap_or(u32::MAX);
        let neg_docs = all_docs.saturating_sub(tag.docs);
        if tag.docs < MIN_CLASS_EXAMPLES || neg_docs < MIN_CLASS_EXAMPLES {
            return None;
        }
        let neg_tokens = self.tokens.saturating_sub(tag.tokens);
        let pos_denom = (tag.tokens as f64 + ALPHA * vocab).ln();
        let neg_denom = (neg_tokens as f64 + ALPHA * vocab).ln();
        let mut pos = (f64::from(tag.docs) / f64::from(all_docs)).ln();
        let mut neg = (f64::from(neg_docs) / f64::from(all_docs)).ln();
        let (mut lp, mut ln) = (0.0, 0.0);
        for f in known {
            let with = count_of(&f.tags, idx);
            let without = f.total.saturating_sub(with);
            lp += (f64::from(with) + ALPHA).ln() - pos_denom;
            ln += (f64::from(without) + ALPHA).ln() - neg_denom;
        }
        pos += lp / TEMPERATURE;
        neg += ln / TEMPERATURE;
        best_of(&[(0, neg), (1, pos)]).map(|(i, p)| if i == 1 { p } else { 1.0 - p })
    }
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;

    fn ex<'a>(s: &'a str, cat: &'a str, tags: &'a [String], pr: Priority) -> Example<'a> {
        Example {
            subject: s,
            body: "",
            category: Some(cat),
            tags,
            priority: pr,
        }
    }

    fn trained() -> Model {
        let mut m = Model::new();
        let refund = vec!["refund".to_owned()];
        let none: Vec<String> = Vec::new();
        let billing = [
            "Оплата не прошла, списали деньги дважды",
            "Верните оплату за заказ",
            "Счёт на оплату не пришёл",
            "Не могу оплатить картой",
            "Двойное списание при оплате",
            "Refund my payment please",
        ];
        let delivery = [
            "Где мой заказ, доставка задерживается",
            "Курьер не приехал, доставка сорвана",
            "Посылка потерялась при доставке",
            "Когда будет доставка заказа",
            "Доставка по адресу не выполнена",
            "Delivery is late again",
        ];
        for (i, s) in billing.iter().enumerate() {
            let t = if i % 2 == 0 { &refund } else { &none };
            m.learn(ex(s, "Billing", t, Priority::High));
        }
        for s in delivery {
            m.learn(ex(s, "Delivery", &none, Priority::Normal));
        }
        m
    }

    #[test]
    fn features_are_distinct_stems_of_subject_and_body() {
        let f = features("Оплата оплаты", "refunds refunded, оплатил");
        assert_eq!(f, vec!["refund".to_owned(), "оплат".to_owned()]);
        assert!(features("", "").is_empty());
    }

    #[test]
    fn suggests_the_category_with_a_confidence() {
        let m = trained();
        let s = m.suggest("Оплатил заказ, но оплата не отображается", "");
        let (cat, conf) = s.category.clone().unwrap();
        assert_eq!(cat, "Billing");
        assert!(conf > 50 && conf <= 99, "{conf}");
        let s = m.suggest("Доставка заказа опять задерживается", "");
        assert_eq!(s.category.unwrap().0, "Delivery");
        assert_eq!(s.priority.unwrap().0, Priority::Normal);
    }

    #[test]
    fn nothing_before_enough_examples_or_for_unknown_words() {
        let mut m = Model::new();
        let none: Vec<String> = Vec::new();
        for _ in 0..(MIN_CLASS_EXAMPLES - 1) {
            m.learn(ex("оплата", "Billing", &none, Priority::High));
            m.learn(ex("доставка", "Delivery", &none, Priority::Low));
        }
        assert!(m.suggest("оплата", "").is_empty());
        m.learn(ex("оплата", "Billing", &none, Priority::High));
        // One eligible class is no choice.
        assert!(m.suggest("оплата", "").category.is_none());
        m.learn(ex("доставка", "Delivery", &none, Priority::Low));
        assert_eq!(m.suggest("оплата", "").category.unwrap().0, "Billing");
        assert!(trained().suggest("zzz qqq", "").is_empty());
    }

    #[test]
    fn tags_need_positive_and_negative_examples() {
        let m = trained();
        // "refund" has 3 positives only.
        assert!(m.suggest("refund", "").tags.is_empty());
        let mut m = Model::new();
        let refund = vec!["refund".to_owned(), "Refund ".to_owned()];
        let none: Vec<String> = Vec::new();
        for _ in 0..6 {
            m.learn(ex(
                "верните деньги возврат",
                "Billing",
                &refund,
                Priority::High,
            ));
            m.learn(ex(
                "где посылка курьер",
                "Delivery",
                &none,
                Priority::Normal,
            ));
        }
        // The duplicate tag (case, spaces) counted once.
        assert_eq!(m.tags.len(), 1);
        assert_eq!(m.tags[0].docs, 6);
        let s = m.suggest("прошу возврат денег", "");
        assert_eq!(s.tags.len(), 1);
        assert_eq!(s.tags[0].0, "refund");
        assert!(s.tags[0].1 >= TAG_THRESHOLD);
        assert!(m.suggest("курьер и посылка", "").tags.is_empty());
    }

    #[test]
    fn learning_is_additive_and_the_model_round_trips() {
        let all = trained();
        let json = serde_json::to_string(&all).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(back, all);
        // Same examples, learned in another order, give the same counts.
        let mut m = Model::new();
        let none: Vec<String> = Vec::new();
        let refund = vec!["refund".to_owned()];
        m.learn(ex("a b", "X", &refund, Priority::Low));
        m.learn(ex("b c", "Y", &none, Priority::High));
        let mut n = Model::new();
        n.learn(ex("a b", "X", &refund, Priority::Low));
        let mut n2 = n.clone();
        n2.learn(ex("b c", "Y", &none, Priority::High));
        assert_eq!(m, n2);
        assert_eq!(m.features["b"].total, 2);
        assert_eq!(m.features["b"].category, vec![(0, 1), (1, 1)]);
        assert_eq!(m.features["a"].tags, vec![(0, 1)]);
        assert!(m.features["c"].tags.is_empty());
        assert_eq!(m.features["c"].priority, vec![(2, 1)]);
    }

    #[test]
    fn vocabulary_is_capped_by_pruning_rare_features() {
        let mut m = Model::new();
        let none: Vec<String> = Vec::new();
        // Every example: one common word and many unique ones.
        for i in 0..(MAX_FEATURES / 100 + 5) {
            let words: Vec<String> = (0..50).map(|j| format!("w{i}x{j}")).collect();
            let text = format!("common {}", words.join(" "));
            m.learn(ex(&text, "X", &none, Priority::Normal));
        }
        assert!(m.features.len() <= MAX_FEATURES);
        assert!(m.features.contains_key("common"));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "слово ".repeat(100_000);
        let f = features(&long, &long);
        assert_eq!(f.len(), 1);
        let many: String = (0..10_000).map(|i| format!("w{i} ")).collect();
        assert_eq!(features(&many, &many).len(), MAX_DOC_FEATURES);
    }

    struct Score {
        category: f64,
        category_coverage: f64,
        mean_confidence: f64,
        priority: f64,
        tags_exact: f64,
        tags_precision: f64,
        tags_recall: f64,
    }

    fn learn_all(m: &mut Model, set: &[corpus::Sample]) {
        for s in set {
            m.learn(Example {
                subject: &s.subject,
                body: &s.body,
                category: Some(&s.category),
                tags: &s.tags,
                priority: s.priority,
            });
        }
    }

    fn score(m: &Model, test: &[corpus::Sample]) -> Score {
        let n = test.len() as f64;
        let (mut cat_ok, mut cat_given, mut conf_sum, mut pri_ok, mut tags_exact) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
        for s in test {
            let g = m.suggest(&s.subject, &s.body);
            if let Some((c, conf)) = &g.category {
                cat_given += 1.0;
                conf_sum += f64::from(*conf);
                if *c == s.category {
                    cat_ok += 1.0;
                }
            }
            if g.priority.map(|p| p.0) == Some(s.priority) {
                pri_ok += 1.0;
            }
            let mut got: Vec<String> = g.tags.iter().map(|t| t.0.clone()).collect();
            got.sort();
            let mut want = s.tags.clone();
            want.sort();
            if got == want {
                tags_exact += 1.0;
            }
            tp += got.iter().filter(|t| want.contains(t)).count() as f64;
            fp += got.iter().filter(|t| !want.contains(t)).count() as f64;
            fneg += want.iter().filter(|t| !got.contains(t)).count() as f64;
        }
        Score {
            category: cat_ok / n,
            category_coverage: cat_given / n,
            mean_confidence: conf_sum / cat_given.max(1.0) / 100.0,
            priority: pri_ok / n,
            tags_exact: tags_exact / n,
            tags_precision: tp / (tp + fp).max(1.0),
            tags_recall: tp / (tp + fneg).max(1.0),
        }
    }

    /// The accuracy report (figures copied into BENCHMARKS.md): 2,000 generated requests
    /// (seed 42), trained on the first 80 %, tested on the last 20 %. Run with
    /// `cargo test -p lossless classify::tests::accuracy -- --nocapture`.
    #[test]
    fn accuracy_on_the_generated_set() {
        let set = corpus::generate(42, 2000);
        let (train, test) = set.split_at(1600);
        let mut m = Model::new();
        learn_all(&mut m, train);
        let s = score(&m, test);
        eprintln!(
            "classifier accuracy (train {}, test {}, features {}): category {:.1} % \
             (coverage {:.1} %, mean confidence {:.1} %), priority {:.1} %, tags exact {:.1} % \
             (precision {:.1} %, recall {:.1} %)",
            train.len(),
            test.len(),
            m.features.len(),
            s.category * 100.0,
            s.category_coverage * 100.0,
            s.mean_confidence * 100.0,
            s.priority * 100.0,
            s.tags_exact * 100.0,
            s.tags_precision * 100.0,
            s.tags_recall * 100.0,
        );
        let json = serde_json::to_string(&m).unwrap();
        eprintln!("stored model: {} bytes of JSON", json.len());
        // Priority confusion (rows: truth low..urgent; columns: suggested low..urgent, none).
        let mut confusion = [[0u32; 5]; 4];
        for t in test {
            let got = m.suggest(&t.subject, &t.body).priority.map(|p| p.0);
            let col = got.map_or(4, |p| p.rank() as usize);
            confusion[t.priority.rank() as usize][col] += 1;
        }
        eprintln!("priority confusion: {confusion:?}");
        assert!(s.category >= 0.85, "category accuracy {}", s.category);
        assert!(s.priority >= 0.75, "priority accuracy {}", s.priority);
        assert!(s.tags_precision >= 0.8 && s.tags_recall >= 0.7);
        // Calibrated-ish: the mean confidence is within 15 points of the accuracy.
        assert!((s.mean_confidence - s.category).abs() <= 0.15);

        // Learning in two halves (incrementally) is the same as learning all at once.
        let mut halves = Model::new();
        learn_all(&mut halves, &train[..800]);
        let json_half = serde_json::to_string(&halves).unwrap();
        let mut halves: Model = serde_json::from_str(&json_half).unwrap();
        learn_all(&mut halves, &train[800..]);
        assert_eq!(halves, m);
        let h = score(&halves, test);
        assert_eq!(h.category, s.category);
        assert_eq!(h.priority, s.priority);
        assert_eq!(h.tags_exact, s.tags_exact);
    }

    #[test]
    fn the_generated_set_is_deterministic_and_bilingual() {
        let a = corpus::generate(7, 200);
        assert_eq!(a, corpus::generate(7, 200));
        assert_ne!(a, corpus::generate(8, 200));
        let cyrillic = a
            .iter()
            .filter(|s| s.body.chars().any(|c| ('а'..='я').contains(&c)))
            .count();
        assert!((60..140).contains(&cyrillic), "{cyrillic}");
        let cats: BTreeSet<&str> = a.iter().map(|s| s.category.as_str()).collect();
        assert_eq!(cats.len(), 5);
    }
}
