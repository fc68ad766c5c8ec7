//! The embeddable site widget (issue 7): a site's settings as an admin types them, the
//! checks on where the widget may be embedded, the visitor's token, what the widget offers at
//! a given moment (live chat, the request form, a callback), the bot questionnaire that runs
//! before a person takes over, and the callback request.
//!
//! Pure: no I/O and no clock; whether the site's calendar is open and how many agents are
//! available are inputs.
//!
//! Invariants:
//! - A [`SiteKey`] is public (it sits in the host page's HTML). It names a site and grants
//!   nothing beyond what any visitor of that site may do.
//! - A [`VisitorToken`] carries at least 128 bits. It lives in the host page's first-party
//!   storage and travels as a bearer value, so blocking third-party cookies cannot break it.
//! - An [`Origin`] is `scheme://host[:port]`, lowercase, without the scheme's default port
//!   and without a path. Only a site's listed origins may embed it, and a site lists at least
//!   one.
//! - The request form is always the fallback: when chat is off, the calendar is closed or no
//!   agent is available, the widget still takes the request ([`offer`]).
//! - A bot flow has at most [`MAX_BOT_STEPS`] steps with unique keys. The visitor can hand
//!   over to a person at any step, and a required step cannot be skipped otherwise.

use crate::error::FieldErrors;
use crate::ids::{GroupId, Lang, ParseError, PhoneE164, SlaCalendarId, hex};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most origins one site may list.
pub const MAX_ORIGINS: usize = 20;
/// Most steps in a bot questionnaire.
pub const MAX_BOT_STEPS: usize = 8;
/// Longest site name, visitor name or preferred time, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest greeting or bot prompt, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest free-text bot answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 4000;
/// Longest order number, in characters.
pub const MAX_ORDER_CHARS: usize = 40;
/// Longest subject taken from a bot answer, in characters.
pub const MAX_SUBJECT_CHARS: usize = 80;

/// The public key that names a site in the embed snippet (`data-site="…"`): 3–64 characters
/// of `a-z`, `0-9`, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SiteKey(String);

impl SiteKey {
    /// Parses a key (trimmed; letters must already be lowercase).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let t = raw.trim();
        let ok = (3..=64).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(ParseError("site_key"))
        }
    }
    /// A key made from random bytes supplied by the caller (at least 8: 16 hex characters).
    pub fn from_random(bytes: &[u8]) -> Result<Self, ParseError> {
        if bytes.len() < 8 {
            return Err(ParseError("site_key"));
        }
        Ok(Self(hex(bytes)))
    }
    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for SiteKey {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<SiteKey> for String {
    fn from(k: SiteKey) -> String {
        k.0
    }
}
impl fmt::Display for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub use crate::ids::VisitorToken;

/// A web origin a site may be embedded on (see the module invariants).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Origin(String);

impl Origin {
    /// Parses `http(s)://host[:port]` as typed or as a browser's `Origin` header sends it.
    /// A trailing `/` is tolerated; any other path, a query, user info or `*` is refused.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let err = ParseError("origin");
        let t = raw.trim().to_ascii_lowercase();
        let (scheme, rest) = t.split_once("://").ok_or(err)?;
        let default_port = match scheme {
            "https" => "443",
            "http" => "80",
            _ => return Err(err),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ']) {
            return Err(err);
        }
        let (host, port) = if rest.starts_with('[') {
            let end = rest.find(']').ok_or(err)? + 1;
            let (h, p) = rest.split_at(end);
            if p.is_empty() {
                (h, None)
            } else {
                (h, Some(p.strip_prefix(':').ok_or(err)?))
            }
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let host_ok = if let Some(v6) = host.strip_prefix('[') {
            v6.strip_suffix(']').is_some_and(|a| {
                !a.is_empty() && a.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
            })
        } else {
            !host.is_empty()
                && host.len() <= 253
                && !host.starts_with(['.', '-'])
                && !host.ends_with(['.', '-'])
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        };
        if !host_ok {
            return Err(err);
        }
        let port = match port {
            None => None,
            Some(p) => {
                let n: u16 = p.parse().map_err(|_| err)?;
                if n == 0 {
                    return Err(err);
                }
                (p != default_port).then(|| n.to_string())
            }
        };
        Ok(Self(match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        }))
    }
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Origin {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<Origin> for String {
    fn from(o: Origin) -> String {
        o.0
    }
}

/// Whether a browser's `Origin` (or the host page's `location.origin`) may embed the site.
/// An unparsable or missing origin is refused.
pub fn origin_allowed(allowed: &[Origin], origin: Option<&str>) -> bool {
    origin
        .and_then(|o| Origin::parse(o).ok())
        .is_some_and(|o| allowed.contains(&o))
}

/// An accent colour `#rrggbb` (lowercase; `#rgb` is expanded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour(String);

impl Colour {
    /// Parses `#rgb` or `#rrggbb`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let t = raw.trim().to_ascii_lowercase();
        let digits = t.strip_prefix('#').ok_or(ParseError("colour"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError("colour"));
        }
        match digits.len() {
            6 => Ok(Self(t)),
            3 => Ok(Self(format!(
                "#{}",
                digits.chars().flat_map(|c| [c, c]).collect::<String>()
            ))),
            _ => Err(ParseError("colour")),
        }
    }
    /// The colour text (`#rrggbb`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Black or white, whichever reads better on this colour (WCAG relative luminance).
    pub fn text_colour(&self) -> &'static str {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        // Contrast against white (1.05 / (l + 0.05)) vs against black ((l + 0.05) / 0.05).
        if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
            "#ffffff"
        } else {
            "#000000"
        }
    }
}
impl Default for Colour {
    fn default() -> Self {
        Self("#2563eb".to_owned())
    }
}
impl TryFrom<String> for Colour {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<Colour> for String {
    fn from(c: Colour) -> String {
        c.0
    }
}

/// A text in each UI language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localised {
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

impl Localised {
    /// The text in `lang`, falling back to the other language when that one is empty.
    pub fn get(&self, lang: Lang) -> &str {
        let (first, other) = match lang {
            Lang::Ru => (&self.ru, &self.en),
            Lang::En => (&self.en, &self.ru),
        };
        if first.is_empty() { other } else { first }
    }
}

/// Which automatic notices the customers of a site get on their channel (issue 7, point 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerNotices {
    /// "Your request was taken into work" (first assignment).
    pub taken: bool,
    /// "We are waiting for your answer" (status set to pending).
    pub waiting: bool,
    /// "Your request was resolved".
    pub resolved: bool,
    /// A reminder while the ticket waits for the customer.
    pub reminder: bool,
}

impl Default for CustomerNotices {
    /// All on.
    fn default() -> Self {
        Self {
            taken: true,
            waiting: true,
            resolved: true,
            reminder: true,
        }
    }
}

/// What one bot step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotAsk {
    /// Free text (e.g. "describe the problem").
    Text,
    /// An order number: letters, digits, `-`, `/`, `#`.
    OrderNumber,
    /// A file or screenshot upload.
    Screenshot,
}

/// One step of the bot questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotStep {
    /// Stable key (`a-z`, `0-9`, `_`; 1–32), unique in the flow.
    pub key: String,
    /// What the step asks for.
    pub ask: BotAsk,
    /// The question shown to the visitor.
    pub prompt: Localised,
    /// Whether the visitor must answer it (they can still hand over to a person).
    pub required: bool,
}

/// A site's bot questionnaire; empty means the visitor goes straight to a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotFlow {
    /// The steps in order.
    pub steps: Vec<BotStep>,
}

impl BotFlow {
    /// The usual three questions: the problem (required), the order number, a screenshot.
    pub fn standard() -> Self {
        let step = |key: &str, ask, ru: &str, en: &str, required| BotStep {
            key: key.to_owned(),
            ask,
            prompt: Localised {
                ru: ru.to_owned(),
                en: en.to_owned(),
            },
            required,
        };
        Self {
            steps: vec![
                step(
                    "problem",
                    BotAsk::Text,
                    "Опишите, пожалуйста, проблему.",
                    "Please describe the problem.",
                    true,
                ),
                step(
                    "order",
                    BotAsk::OrderNumber,
                    "Номер заказа, если он есть?",
                    "Your order number, if you have one?",
                    false,
                ),
                step(
                    "screenshot",
                    BotAsk::Screenshot,
                    "Можно приложить скриншот.",
                    "You can attach a screenshot.",
                    false,
                ),
            ],
        }
    }
}

/// A site's settings, checked (see [`check_site`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    /// Name shown in the widget header.
    pub name: String,
    /// Accent colour.
    pub colour: Colour,
    /// First line the visitor reads.
    pub greeting: Localised,
    /// Languages offered, the first is the default; never empty.
    pub languages: Vec<Lang>,
    /// Working hours (a business calendar); `None` is around the clock.
    pub calendar: Option<SlaCalendarId>,
    /// Where the widget may be embedded; never empty.
    pub allowed_origins: Vec<Origin>,
    /// Group that gets the site's tickets (`None`: the routing rules decide).
    pub group: Option<GroupId>,
    /// Live chat offered when someone is available.
    pub chat: bool,
    /// The "call me back" form offered.
    pub callback: bool,
    /// The bot questionnaire before a person.
    pub bot: BotFlow,
    /// Automatic notices to the site's customers.
    pub notices: CustomerNotices,
}

/// A bot step as an admin types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotStepInput {
    /// Key as typed.
    pub key: String,
    /// `text`, `order_number` or `screenshot`.
    pub ask: String,
    /// Russian question.
    pub prompt_ru: String,
    /// English question.
    pub prompt_en: String,
    /// Required.
    pub required: bool,
}

/// A site's settings as an admin types them (before trimming and validation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInput {
    /// Name.
    pub name: String,
    /// `#rgb` / `#rrggbb`.
    pub colour: String,
    /// Russian greeting.
    pub greeting_ru: String,
    /// English greeting.
    pub greeting_en: String,
    /// Language codes, default first (`ru`, `en`).
    pub languages: Vec<String>,
    /// Business calendar id, or none for around the clock.
    pub calendar: Option<i64>,
    /// Allowed origins, one per line (commas and spaces also separate).
    pub allowed_origins: String,
    /// Group id, or none.
    pub group: Option<i64>,
    /// Live chat on.
    pub chat: bool,
    /// Callback form on.
    pub callback: bool,
    /// Bot steps.
    pub bot: Vec<BotStepInput>,
    /// Customer notices.
    pub notices: CustomerNotices,
}

fn bounded(errs: &mut FieldErrors, field: &str, raw: &str, max: usize) -> String {
    let v = raw.trim();
    if v.chars().count() > max {
        errs.push(field, "too_long");
    }
    v.to_owned()
}

/// Checks a typed site. Field names in errors: `name`, `colour`, `greeting_ru`,
/// `greeting_en`, `languages`, `allowed_origins`, `bot`, `bot.<i>.key`, `bot.<i>.ask`,
/// `bot.<i>.prompt`; codes `required`, `too_long`, `too_many`, `invalid`, `duplicate`.
pub fn check_site(input: &SiteInput) -> Result<SiteSettings, FieldErrors> {
    let mut errs = FieldErrors::default();
    let name = bounded(&mut errs, "name", &input.name, MAX_NAME_CHARS);
    if name.is_empty() {
        errs.push("name", "required");
    }
    let colour = if input.colour.trim().is_empty() {
        Colour::default()
    } else {
        Colour::parse(&input.colour).unwrap_or_else(|_| {
            errs.push("colour", "invalid");
            Colour::default()
        })
    };
    let greeting = Localised {
        ru: bounded(&mut errs, "greeting_ru", &input.greeting_ru, MAX_TEXT_CHARS),
        en: bounded(&mut errs, "greeting_en", &input.greeting_en, MAX_TEXT_CHARS),
    };
    let mut languages = Vec::new();
    for code in &input.languages {
        match Lang::from_code(code.trim()) {
            Some(l) if !languages.contains(&l) => languages.push(l),
            Some(_) => {}
            None => errs.push("languages", "invalid"),
        }
    }
    if languages.is_empty() && input.languages.is_empty() {
        errs.push("languages", "required");
    }
    let mut allowed_origins = Vec::new();
    let mut bad_origin = false;
    for raw in input
        .allowed_origins
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        match Origin::parse(raw) {
            Ok(o) if !allowed_origins.contains(&o) => allowed_origins.push(o),
            Ok(_) => {}
            Err(_) => bad_origin = true,
        }
    }
    if bad_origin {
        errs.push("allowed_origins", "invalid");
    } else if allowed_origins.is_empty() {
        errs.push("allowed_origins", "required");
    } else if allowed_origins.len() > MAX_ORIGINS {
        errs.push("allowed_origins", "too_many");
    }
    let bot = check_bot(&mut errs, &input.bot);
    if errs.is_empty() {
        Ok(SiteSettings {
            name,
            colour,
            greeting,
            languages,
            calendar: input.calendar.map(SlaCalendarId),
            allowed_origins,
            group: input.group.map(GroupId),
            chat: input.chat,
            callback: input.callback,
            bot,
            notices: input.notices,
        })
    } else {
        Err(errs)
    }
}

fn check_bot(errs: &mut FieldErrors, input: &[BotStepInput]) -> BotFlow {
    if input.len() > MAX_BOT_STEPS {
        errs.push("bot", "too_many");
    }
    let mut steps: Vec<BotStep> = Vec::new();
    for (i, s) in input.iter().enumerate() {
        let key = s.key.trim().to_owned();
        let key_ok = (1..=32).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            errs.push(&format!("bot.{i}.key"), "invalid");
        } else if steps.iter().any(|p| p.key == key) {
            errs.push(&format!("bot.{i}.key"), "duplicate");
        }
        let ask = match s.ask.trim() {
            "text" => BotAsk::Text,
            "order_number" => BotAsk::OrderNumber,
            "screenshot" => BotAsk::Screenshot,
            _ => {
                errs.push(&format!("bot.{i}.ask"), "invalid");
                BotAsk::Text
            }
        };
        let field = format!("bot.{i}.prompt");
        let prompt = Localised {
            ru: bounded(errs, &field, &s.prompt_ru, MAX_TEXT_CHARS),
            en: bounded(errs, &field, &s.prompt_en, MAX_TEXT_CHARS),
        };
        if prompt.ru.is_empty() && prompt.en.is_empty() {
            errs.push(&field, "required");
        }
        steps.push(BotStep {
            key,
            ask,
            prompt,
            required: s.required,
        });
    }
    BotFlow { steps }
}

/// Why the widget shows the request form instead of chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    /// The site has live chat switched off.
    ChatOff,
    /// Outside the site's working hours.
    OutsideHours,
    /// Within hours, but no agent is available.
    NobodyAvailable,
}

/// What the widget offers right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Live chat with a person.
    pub chat: bool,
    /// Why not, when `chat` is false (the request form is shown instead).
    pub offline: Option<OfflineReason>,
    /// The "call me back" form.
    pub callback: bool,
}

/// What the widget offers given whether the site's calendar is open now and how many of the
/// site's agents are available. The request form is always there when chat is not.
pub fn offer(site: &SiteSettings, open_now: bool, agents_available: usize) -> Offer {
    let offline = if !site.chat {
        Some(OfflineReason::ChatOff)
    } else if !open_now {
        Some(OfflineReason::OutsideHours)
    } else if agents_available == 0 {
        Some(OfflineReason::NobodyAvailable)
    } else {
        None
    };
    Offer {
        chat: offline.is_none(),
        offline,
        callback: site.callback,
    }
}

/// The visitor's answer to one bot step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum BotAnswer {
    /// Text (the problem, or an order number).
    Text(String),
    /// An uploaded file, by its attachment id.
    File(i64),
    /// Skipped (optional steps only).
    Skipped,
}

/// Why a bot answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotRefusal {
    /// The flow is over (answered to the end, or handed over).
    Finished,
    /// Empty answer to a required step, or an empty text.
    Required,
    /// Too long.
    TooLong,
    /// Not what the step asks for (text for a screenshot, a bad order number…).
    Invalid,
}

/// A visitor's run through the bot questionnaire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotRun {
    /// Answers so far, by step key, in step order.
    pub answers: Vec<(String, BotAnswer)>,
    /// The visitor asked for a person before the end.
    pub handed_over: bool,
}

impl BotRun {
    /// The step waiting for an answer, if any.
    pub fn current<'f>(&self, flow: &'f BotFlow) -> Option<&'f BotStep> {
        if self.handed_over {
            return None;
        }
        flow.steps.get(self.answers.len())
    }
    /// Whether the bot is done and a person takes over.
    pub fn finished(&self, flow: &BotFlow) -> bool {
        self.current(flow).is_none()
    }
    /// Records the answer to the current step (trimmed). `Skipped` only for optional steps.
    pub fn answer(&mut self, flow: &BotFlow, answer: BotAnswer) -> Result<(), BotRefusal> {
        let step = self.current(flow).ok_or(BotRefusal::Finished)?;
        let answer = match (step.ask, answer) {
            (_, BotAnswer::Skipped) if step.required => return Err(BotRefusal::Required),
            (_, BotAnswer::Skipped) => BotAnswer::Skipped,
            (BotAsk::Screenshot, BotAnswer::File(id)) => BotAnswer::File(id),
            (BotAsk::Screenshot, BotAnswer::Text(_)) | (_, BotAnswer::File(_)) => {
                return Err(BotRefusal::Invalid);
            }
            (BotAsk::Text, BotAnswer::Text(t)) => {
                let t = t.trim();
                if t.is_empty() {
                    return Err(BotRefusal::Required);
                }
                if t.chars().count() > MAX_ANSWER_CHARS {
                    return Err(BotRefusal::TooLong);
                }
                BotAnswer::Text(t.to_owned())
            }
            (BotAsk::OrderNumber, BotAnswer::Text(t)) => {
                let t = t.trim().trim_start_matches('#').trim();
                if t.is_empty() {
                    return Err(BotRefusal::Required);
                }
                if t.chars().count() > MAX_ORDER_CHARS {
                    return Err(BotRefusal::TooLong);
                }
                if !t
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '/' || c == '_')
                {
                    return Err(BotRefusal::Invalid);
                }
                BotAnswer::Text(t.to_owned())
            }
        };
        self.answers.push((step.key.clone(), answer));
        Ok(())
    }
    /// The visitor asks for a person now; the remaining steps are not asked.
    pub fn hand_over(&mut self) {
        self.handed_over = true;
    }
    /// What the answers put into the ticket (see [`Prefill`]).
    pub fn prefill(&self, flow: &BotFlow, lang: Lang) -> Prefill {
        let mut body = String::new();
        let mut subject = None;
        let mut order_number = None;
        let mut attachments = Vec::new();
        for (key, answer) in &self.answers {
            let Some(step) = flow.steps.iter().find(|s| &s.key == key) else {
                continue;
            };
            let value = match answer {
                BotAnswer::Text(t) => {
                    match step.ask {
                        BotAsk::OrderNumber if order_number.is_none() => {
                            order_number = Some(t.clone());
                        }
                        BotAsk::Text if subject.is_none() => subject = Some(first_line(t)),
                        _ => {}
                    }
                    t.clone()
                }
                BotAnswer::File(id) => {
                    attachments.push(*id);
                    match lang {
                        Lang::Ru => "(файл приложен)".to_owned(),
                        Lang::En => "(file attached)".to_owned(),
                    }
                }
                BotAnswer::Skipped => continue,
            };
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(step.prompt.get(lang));
            body.push('\n');
            body.push_str(&value);
        }
        Prefill {
            subject: subject.unwrap_or_else(|| match lang {
                Lang::Ru => "Чат на сайте".to_owned(),
                Lang::En => "Chat on the site".to_owned(),
            }),
            body,
            order_number,
            attachments,
        }
    }
}

fn first_line(t: &str) -> String {
    let line = t
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() <= MAX_SUBJECT_CHARS {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX_SUBJECT_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// What a finished bot run puts into the new ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    /// The first line of the first text answer (≤ [`MAX_SUBJECT_CHARS`]), else "Chat on the
    /// site".
    pub subject: String,
    /// Every answered question with its answer, in order.
    pub body: String,
    /// The first order number given.
    pub order_number: Option<String>,
    /// Uploaded files, by attachment id.
    pub attachments: Vec<i64>,
}

/// A "call me back" request as the visitor types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackInput {
    /// Name (optional).
    pub name: String,
    /// Phone number (required).
    pub phone: String,
    /// Preferred time, free text ("after 18:00", "tomorrow morning"; optional).
    pub preferred_time: String,
    /// What it is about (optional).
    pub topic: String,
}

/// A checked callback request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// Name, if given.
    pub name: Option<String>,
    /// The number to call.
    pub phone: PhoneE164,
    /// Preferred time, if given.
    pub preferred_time: Option<String>,
    /// Topic, if given.
    pub topic: Option<String>,
}

/// Checks a callback request: `phone` `required` / `invalid`; `name`, `preferred_time`
/// (≤ [`MAX_NAME_CHARS`]) and `topic` (≤ [`MAX_ANSWER_CHARS`]) `too_long`.
pub fn check_callback(input: &CallbackInput) -> Result<Callback, FieldErrors> {
    let mut errs = FieldErrors::default();
    let name = bounded(&mut errs, "name", &input.name, MAX_NAME_CHARS);
    let preferred = bounded(
        &mut errs,
        "preferred_time",
        &input.preferred_time,
        MAX_NAME_CHARS,
    );
    let topic = bounded(&mut errs, "topic", &input.topic, MAX_ANSWER_CHARS);
    let phone = if input.phone.trim().is_empty() {
        errs.push("phone", "required");
        None
    } else {
        PhoneE164::parse(&input.phone)
            .map_err(|_| errs.push("phone", "invalid"))
            .ok()
    };
    let some = |s: String| (!s.is_empty()).then_some(s);
    match phone {
        Some(phone) if errs.is_empty() => Ok(Callback {
            name: some(name),
            phone,
            preferred_time: some(preferred),
            topic: some(topic),
        }),
        _ => Err(errs),
    }
}

impl Callback {
    /// Subject and body of the callback ticket, in the visitor's language.
    pub fn ticket_text(&self, lang: Lang) -> (String, String) {
        let phone = self.phone.as_str();
        let mut body = Vec::new();
        let (subject, l_name, l_phone, l_time, l_topic) = match lang {
            Lang::Ru => (
                format!("Перезвоните мне: {phone}"),
                "Имя",
                "Телефон",
                "Удобное время",
                "Тема",
            ),
            Lang::En => (
                format!("Please call me back: {phone}"),
                "Name",
                "Phone",
                "Preferred time",
                "Topic",
            ),
        };
        if let Some(n) = &self.name {
            body.push(format!("{l_name}: {n}"));
        }
        body.push(format!("{l_phone}: {phone}"));
        if let Some(t) = &self.preferred_time {
            body.push(format!("{l_time}: {t}"));
        }
        if let Some(t) = &self.topic {
            body.push(format!("{l_topic}: {t}"));
        }
        (subject, body.join("\n"))
    }
}

// ---- visitors, sites as stored, chat helpers (widget-backend) ----

/// A visitor is shown as typing for this long after their last typing report.
pub const VISITOR_TYPING_SECS: i64 = 6;
/// A visitor counts as online this long after the last sign of life from their socket.
pub const VISITOR_ONLINE_SECS: i64 = 90;
/// Longest page URL kept, in characters.
pub const MAX_PAGE_URL_CHARS: usize = 2000;
/// Longest page title kept, in characters.
pub const MAX_PAGE_TITLE_CHARS: usize = 300;
/// Longest client id of a sent message, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Most attachments on one chat message.
pub const MAX_MESSAGE_FILES: usize = 10;

/// The hex sha-256 of a visitor token: how the store knows the visitor (the token itself is
/// never stored).
pub fn token_hash(token: &VisitorToken) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(token.as_str().as_bytes()))
}

/// The contact handle of an anonymous visitor: 32 hex characters derived from the token's
/// hash (a second hash, so neither the token nor the stored key can be read back from it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VisitorHandle(String);

impl VisitorHandle {
    /// The handle of the visitor whose token hashes to `token_hash`.
    pub fn of(token_hash: &str) -> Self {
        use sha2::{Digest, Sha256};
        let h = hex(&Sha256::digest(format!("visitor:{token_hash}").as_bytes()));
        Self(h.chars().take(32).collect())
    }
    /// Parses a stored handle (32 lowercase hex characters).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let ok = raw.len() == 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError("visitor"))
        }
    }
    /// The handle text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for VisitorHandle {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<VisitorHandle> for String {
    fn from(h: VisitorHandle) -> String {
        h.0
    }
}

/// A site as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Id.
    pub id: crate::ids::SiteId,
    /// The public key of the embed snippet.
    pub key: SiteKey,
    /// Settings as checked by [`check_site`].
    pub settings: SiteSettings,
    /// Switched on (an inactive site's widget does not load).
    pub active: bool,
    /// Created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The page a visitor is on, as the loader reports it (bounded; only `http(s)` URLs kept).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The URL (`None`: not an `http(s)` URL, or not reported).
    pub url: Option<String>,
    /// The title (`None`: empty).
    pub title: Option<String>,
}

impl Page {
    /// Normalises a reported page: a URL that is not `http://` or `https://` is dropped (no
    /// `javascript:` links in the agent's view), both are trimmed and cut to their limits.
    pub fn parse(url: &str, title: &str) -> Self {
        let cut = |s: &str, n: usize| -> Option<String> {
            let t = s.trim();
            (!t.is_empty()).then(|| t.chars().take(n).collect())
        };
        let lower = url.trim().to_ascii_lowercase();
        let url = if lower.starts_with("https://") || lower.starts_with("http://") {
            cut(url, MAX_PAGE_URL_CHARS)
        } else {
            None
        };
        let title = cut(
            &title.replace(|c: char| c.is_control(), " "),
            MAX_PAGE_TITLE_CHARS,
        );
        Self { url, title }
    }
}

/// A visitor of a site as stored: their contact, current conversation and live state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    /// [`token_hash`] of their token (the key).
    pub token_hash: String,
    /// The site.
    pub site: crate::ids::SiteId,
    /// Their contact (handle [`crate::contact::Handle::Visitor`]).
    pub contact: crate::ids::ContactId,
    /// The current conversation.
    pub ticket: Option<crate::ids::TicketId>,
    /// The language they chose (or the site's first).
    pub lang: Lang,
    /// The bot questionnaire so far.
    pub bot: BotRun,
    /// The page they are on.
    pub page: Page,
    /// Typing until then.
    pub typing_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Last sign of life.
    pub seen_at: chrono::DateTime<chrono::Utc>,
    /// First visit.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What changes on a visitor row (each `Some` is written; `seen_at` always is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorUpdate {
    /// New language.
    pub lang: Option<Lang>,
    /// New bot state.
    pub bot: Option<BotRun>,
    /// New page.
    pub page: Option<Page>,
    /// New typing mark (`Some(None)` clears it).
    pub typing_until: Option<Option<chrono::DateTime<chrono::Utc>>>,
}

/// The visitor whose current conversation a new widget ticket becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorLink {
    /// The visitor's [`token_hash`].
    pub token_hash: String,
    /// Their current ticket when the service decided to create a new one; the store
    /// refuses (`Conflict`) when it changed meanwhile, so two first messages sent at once
    /// make one conversation.
    pub expected: Option<crate::ids::TicketId>,
}

/// A ticket from the widget, as the store writes it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWidgetTicket {
    /// The ticket, contact, first message and intake key (channel `widget`).
    pub ticket: crate::ports::CreateTicket,
    /// The site.
    pub site: crate::ids::SiteId,
    /// Tags the ticket starts with (`callback`).
    pub tags: std::collections::BTreeSet<String>,
    /// Files of the first message.
    pub attachments: Vec<crate::message::AttachmentMeta>,
    /// The first message's dedupe key (a chat message's client id).
    pub dedupe_key: Option<String>,
    /// Makes the ticket the visitor's current conversation.
    pub link: Option<VisitorLink>,
}

/// What an agent sees of a ticket's visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorPresence {
    /// The page they are on.
    pub page_url: Option<String>,
    /// Its title.
    pub page_title: Option<String>,
    /// Last sign of life.
    pub seen_at: chrono::DateTime<chrono::Utc>,
    /// Typing right now.
    pub typing: bool,
    /// The widget is open somewhere right now.
    pub online: bool,
}

impl Visitor {
    /// What agents see of this visitor at `now`.
    pub fn presence(&self, now: chrono::DateTime<chrono::Utc>) -> VisitorPresence {
        let online = now - self.seen_at < chrono::Duration::seconds(VISITOR_ONLINE_SECS);
        VisitorPresence {
            page_url: self.page.url.clone(),
            page_title: self.page.title.clone(),
            seen_at: self.seen_at,
            typing: online && self.typing_until.is_some_and(|t| now < t),
            online,
        }
    }
}

/// The language of a visitor on a site: the asked one if the site offers it, else the
/// site's first language (Russian when it lists none).
pub fn visitor_lang(site: &SiteSettings, asked: Option<Lang>) -> Lang {
    match asked {
        Some(l) if site.languages.contains(&l) => l,
        _ => site.languages.first().copied().unwrap_or(Lang::Ru),
    }
}

/// Checks a chat message's client id (1–[`MAX_CLIENT_ID_CHARS`] of `A-Z a-z 0-9 - _ .`),
/// the key that makes a resend land once.
pub fn check_client_id(raw: &str) -> Result<String, FieldErrors> {
    let t = raw.trim();
    let mut errs = FieldErrors::default();
    if t.is_empty() {
        errs.push("client_id", "required");
    } else if t.len() > MAX_CLIENT_ID_CHARS
        || !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        errs.push("client_id", "invalid");
    }
    if errs.is_empty() {
        Ok(t.to_owned())
    } else {
        Err(errs)
    }
}

/// The subject of a ticket a chat starts: the first line of the visitor's first message
/// (≤ [`MAX_SUBJECT_CHARS`]), else "Chat on the site".
pub fn chat_subject(body: &str, lang: Lang) -> String {
    let s = first_line(body);
    if s.is_empty() {
        match lang {
            Lang::Ru => "Чат на сайте".to_owned(),
            Lang::En => "Chat on the site".to_owned(),
        }
    } else {
        s
    }
}

/// The message dedupe key of a visitor's chat message (per ticket).
pub fn message_key(client_id: &str) -> String {
    format!("widget:{client_id}")
}

/// The intake idempotency key of the ticket a visitor's first message (or finished bot)
/// creates: one ticket per (site, visitor, client id) however often it is resent.
pub fn intake_key(site: crate::ids::SiteId, token_hash: &str, client_id: &str) -> String {
    format!("{site}:{token_hash}:{client_id}")
}

#[cfg(test)]
mod visitor_tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn handles_reveal_neither_token_nor_key() {
        let t = VisitorToken::from_random(&[7u8; 16]).unwrap();
        let h = token_hash(&t);
        assert_eq!(h.len(), 64);
        assert_ne!(h, t.as_str());
        let v = VisitorHandle::of(&h);
        assert_eq!(v.as_str().len(), 32);
        assert!(!h.contains(v.as_str()));
        assert!(!t.as_str().contains(v.as_str()));
        assert_eq!(VisitorHandle::parse(v.as_str()).unwrap(), v);
        assert_eq!(VisitorHandle::of(&h), v, "stable");
        assert!(VisitorHandle::parse("XYZ").is_err());
    }

    #[test]
    fn pages_keep_only_web_urls() {
        let p = Page::parse("  https://shop.example/cart?x=1 ", " Cart\n");
        assert_eq!(p.url.as_deref(), Some("https://shop.example/cart?x=1"));
        assert_eq!(p.title.as_deref(), Some("Cart"));
        assert_eq!(Page::parse("javascript:alert(1)", "").url, None);
        assert_eq!(Page::parse("", "").title, None);
        let long = format!("https://a.example/{}", "x".repeat(3000));
        assert_eq!(
            Page::parse(&long, "").url.unwrap().chars().count(),
            MAX_PAGE_URL_CHARS
        );
    }

    #[test]
    fn client_ids_are_short_tokens() {
        assert_eq!(check_client_id(" m-1.a_B ").unwrap(), "m-1.a_B");
        assert!(check_client_id("").is_err());
        assert!(check_client_id("a b").is_err());
        assert!(check_client_id(&"a".repeat(65)).is_err());
        assert_eq!(message_key("m1"), "widget:m1");
    }

    #[test]
    fn presence_expires() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
        let v = Visitor {
            token_hash: "h".into(),
            site: crate::ids::SiteId(1),
            contact: crate::ids::ContactId(1),
            ticket: None,
            lang: Lang::En,
            bot: BotRun::default(),
            page: Page::parse("https://a.example/", "A"),
            typing_until: Some(t0 + chrono::Duration::seconds(VISITOR_TYPING_SECS)),
            seen_at: t0,
            created_at: t0,
        };
        let now = v.presence(t0 + chrono::Duration::seconds(1));
        assert!(now.online && now.typing);
        assert_eq!(now.page_url.as_deref(), Some("https://a.example/"));
        let later = v.presence(t0 + chrono::Duration::seconds(VISITOR_TYPING_SECS + 1));
        assert!(later.online && !later.typing);
        let gone = v.presence(t0 + chrono::Duration::seconds(VISITOR_ONLINE_SECS));
        assert!(!gone.online && !gone.typing);
    }

    #[test]
    fn languages_fall_back_to_the_sites_first() {
        let mut s = check_site(&SiteInput {
            name: "Shop".into(),
            colour: "#112233".into(),
            languages: vec!["en".into(), "ru".into()],
            allowed_origins: "https://shop.example".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(visitor_lang(&s, Some(Lang::Ru)), Lang::Ru);
        assert_eq!(visitor_lang(&s, None), Lang::En);
        s.languages = vec![Lang::En];
        assert_eq!(visitor_lang(&s, Some(Lang::Ru)), Lang::En);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: &FieldErrors) -> Vec<(String, String)> {
        e.0.iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect()
    }

    fn site_input() -> SiteInput {
        SiteInput {
            name: " Магазин ".into(),
            colour: "#0A0".into(),
            greeting_ru: "Здравствуйте!".into(),
            greeting_en: String::new(),
            languages: vec!["ru".into(), "en".into(), "ru".into()],
            calendar: Some(3),
            allowed_origins:
                "https://shop.example.com/\nhttp://127.0.0.2:8080, HTTPS://Shop.Example.com:443"
                    .into(),
            group: None,
            chat: true,
            callback: true,
            bot: vec![BotStepInput {
                key: "problem".into(),
                ask: "text".into(),
                prompt_ru: "Что случилось?".into(),
                prompt_en: String::new(),
                required: true,
            }],
            notices: CustomerNotices::default(),
        }
    }

    #[test]
    fn origins_are_normalised_and_strict() {
        let o = |s| Origin::parse(s).map(|o| o.as_str().to_owned());
        assert_eq!(
            o("HTTPS://Shop.Example.com/").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(
            o("https://shop.example.com:443").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(o("http://127.0.0.2:80").unwrap(), "http://127.0.0.2");
        assert_eq!(o("http://127.0.0.2:8080").unwrap(), "http://127.0.0.2:8080");
        assert_eq!(o("https://[::1]:8443").unwrap(), "https://[::1]:8443");
        assert_eq!(o("http://[::1]").unwrap(), "http://[::1]");
        for bad in [
            "shop.example.com",
            "ftp://shop.example.com",
            "https://shop.example.com/path",
            "https://*.example.com",
            "https://user@shop.example.com",
            "https://shop.example.com:0",
            "https://shop.example.com:99999",
            "https://",
            "https://-bad.com",
            "null",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad} should be refused");
        }
        let allowed = vec![Origin::parse("https://shop.example.com").unwrap()];
        assert!(origin_allowed(&allowed, Some("https://shop.example.com")));
        assert!(origin_allowed(
            &allowed,
            Some("https://SHOP.example.com:443")
        ));
        assert!(!origin_allowed(&allowed, Some("http://shop.example.com")));
        assert!(!origin_allowed(&allowed, Some("https://evil.example.com")));
        assert!(!origin_allowed(&allowed, Some("null")));
        assert!(!origin_allowed(&allowed, None));
    }

    #[test]
    fn keys_and_tokens_parse_and_hide() {
        assert!(SiteKey::parse("shop-main_1").is_ok());
        assert!(SiteKey::parse("Shop").is_err());
        assert!(SiteKey::parse("ab").is_err());
        assert!(SiteKey::parse("a b c").is_err());
        assert_eq!(
            SiteKey::from_random(&[0xab; 8]).unwrap().as_str(),
            "abababababababab"
        );
        assert!(SiteKey::from_random(&[1; 7]).is_err());
        let t = VisitorToken::from_random(&[0x0f; 16]).unwrap();
        assert_eq!(t.as_str().len(), 32);
        assert_eq!(VisitorToken::parse(t.as_str()).unwrap(), t);
        assert_eq!(format!("{t:?}"), "VisitorToken(…)");
        assert!(VisitorToken::parse("ABCDEF0123456789abcdef0123456789").is_err());
        assert!(VisitorToken::parse("abc").is_err());
        assert!(VisitorToken::from_random(&[1; 15]).is_err());
    }

    #[test]
    fn colours_expand_and_pick_readable_text() {
        assert_eq!(Colour::parse("#0A0").unwrap().as_str(), "#00aa00");
        assert_eq!(Colour::parse(" #2563EB ").unwrap().as_str(), "#2563eb");
        assert!(Colour::parse("2563eb").is_err());
        assert!(Colour::parse("#12345").is_err());
        assert!(Colour::parse("#gggggg").is_err());
        assert_eq!(Colour::parse("#2563eb").unwrap().text_colour(), "#ffffff");
        assert_eq!(Colour::parse("#ffeb3b").unwrap().text_colour(), "#000000");
        assert_eq!(Colour::parse("#000").unwrap().text_colour(), "#ffffff");
    }

    #[test]
    fn a_typed_site_is_trimmed_and_deduplicated() {
        let s = check_site(&site_input()).unwrap();
        assert_eq!(s.name, "Магазин");
        assert_eq!(s.colour.as_str(), "#00aa00");
        assert_eq!(s.languages, vec![Lang::Ru, Lang::En]);
        assert_eq!(
            s.allowed_origins
                .iter()
                .map(Origin::as_str)
                .collect::<Vec<_>>(),
            vec!["https://shop.example.com", "http://127.0.0.2:8080"]
        );
        assert_eq!(s.calendar, Some(SlaCalendarId(3)));
        assert_eq!(
            s.greeting.get(Lang::En),
            "Здравствуйте!",
            "falls back to Russian"
        );
        assert_eq!(s.bot.steps[0].prompt.get(Lang::Ru), "Что случилось?");
        let blank_colour = check_site(&SiteInput {
            colour: " ".into(),
            ..site_input()
        })
        .unwrap();
        assert_eq!(blank_colour.colour, Colour::default());
    }

    #[test]
    fn a_bad_site_names_every_field() {
        let bad = SiteInput {
            name: "  ".into(),
            colour: "blue".into(),
            greeting_ru: "ж".repeat(MAX_TEXT_CHARS + 1),
            greeting_en: String::new(),
            languages: vec!["de".into()],
            calendar: None,
            allowed_origins: "https://ok.example.com https://bad.example.com/x".into(),
            group: None,
            chat: true,
            callback: false,
            bot: vec![
                BotStepInput {
                    key: "Problem".into(),
                    ask: "text".into(),
                    prompt_ru: "a".into(),
                    ..Default::default()
                },
                BotStepInput {
                    key: "order".into(),
                    ask: "voice".into(),
                    ..Default::default()
                },
                BotStepInput {
                    key: "order".into(),
                    ask: "order_number".into(),
                    prompt_en: "Order?".into(),
                    ..Default::default()
                },
            ],
            notices: CustomerNotices::default(),
        };
        assert_eq!(
            codes(&check_site(&bad).unwrap_err()),
            [
                ("name", "required"),
                ("colour", "invalid"),
                ("greeting_ru", "too_long"),
                ("languages", "invalid"),
                ("allowed_origins", "invalid"),
                ("bot.0.key", "invalid"),
                ("bot.1.ask", "invalid"),
                ("bot.1.prompt", "required"),
                ("bot.2.key", "duplicate"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let none = SiteInput {
            languages: vec![],
            allowed_origins: " \n ".into(),
            bot: vec![BotStepInput::default(); MAX_BOT_STEPS + 1]
                .into_iter()
                .enumerate()
                .map(|(i, s)| BotStepInput {
                    key: format!("s{i}"),
                    ask: "text".into(),
                    prompt_en: "?".into(),
                    ..s
                })
                .collect(),
            ..site_input()
        };
        assert_eq!(
            codes(&check_site(&none).unwrap_err()),
            [
                ("languages", "required"),
                ("allowed_origins", "required"),
                ("bot", "too_many"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let many = SiteInput {
            allowed_origins: (0..=MAX_ORIGINS)
                .map(|i| format!("https://s{i}.example.com"))
                .collect::<Vec<_>>()
                .join("\n"),
            ..site_input()
        };
        assert_eq!(
            codes(&check_site(&many).unwrap_err()),
            [("allowed_origins".to_owned(), "too_many".to_owned())]
        );
    }

    #[test]
    fn the_form_is_the_fallback_when_chat_cannot_be_offered() {
        let mut s = check_site(&site_input()).unwrap();
        let on = offer(&s, true, 2);
        assert!(on.chat && on.callback && on.offline.is_none());
        assert_eq!(
            offer(&s, false, 2).offline,
            Some(OfflineReason::OutsideHours)
        );
        assert_eq!(
            offer(&s, true, 0).offline,
            Some(OfflineReason::NobodyAvailable)
        );
        s.chat = false;
        s.callback = false;
        let off = offer(&s, true, 5);
        assert!(!off.chat && !off.callback);
        assert_eq!(off.offline, Some(OfflineReason::ChatOff));
    }

    #[test]
    fn the_bot_asks_in_order_and_prefills_the_ticket() {
        let flow = BotFlow::standard();
        let mut run = BotRun::default();
        assert_eq!(run.current(&flow).map(|s| s.key.as_str()), Some("problem"));
        assert_eq!(
            run.answer(&flow, BotAnswer::Skipped),
            Err(BotRefusal::Required)
        );
        assert_eq!(
            run.answer(&flow, BotAnswer::Text("   ".into())),
            Err(BotRefusal::Required)
        );
        assert_eq!(
            run.answer(&flow, BotAnswer::File(1)),
            Err(BotRefusal::Invalid)
        );
        run.answer(
            &flow,
            BotAnswer::Text("  Не приходит код подтверждения\nпробовал дважды".into()),
        )
        .unwrap();
        assert_eq!(
            run.answer(&flow, BotAnswer::Text("12 34; drop".into())),
            Err(BotRefusal::Invalid)
        );
        assert_eq!(
            run.answer(&flow, BotAnswer::Text("1".repeat(MAX_ORDER_CHARS + 1))),
            Err(BotRefusal::TooLong)
        );
        run.answer(&flow, BotAnswer::Text(" #А-1042/7 ".into()))
            .unwrap();
        assert_eq!(
            run.answer(&flow, BotAnswer::Text("a picture".into())),
            Err(BotRefusal::Invalid)
        );
        run.answer(&flow, BotAnswer::File(77)).unwrap();
        assert!(run.finished(&flow));
        assert_eq!(
            run.answer(&flow, BotAnswer::Text("more".into())),
            Err(BotRefusal::Finished)
        );
        let p = run.prefill(&flow, Lang::Ru);
        assert_eq!(p.subject, "Не приходит код подтверждения");
        assert_eq!(p.order_number.as_deref(), Some("А-1042/7"));
        assert_eq!(p.attachments, vec![77]);
        assert_eq!(
            p.body,
            "Опишите, пожалуйста, проблему.\nНе приходит код подтверждения\nпробовал дважды\n\n\
             Номер заказа, если он есть?\nА-1042/7\n\n\
             Можно приложить скриншот.\n(файл приложен)"
        );
    }

    #[test]
    fn the_visitor_can_skip_optional_steps_or_hand_over_at_any_step() {
        let flow = BotFlow::standard();
        let mut run = BotRun::default();
        run.hand_over();
        assert!(run.finished(&flow));
        let p = run.prefill(&flow, Lang::En);
        assert_eq!(p.subject, "Chat on the site");
        assert!(p.body.is_empty() && p.order_number.is_none());

        let mut run = BotRun::default();
        run.answer(&flow, BotAnswer::Text("x".repeat(200))).unwrap();
        run.answer(&flow, BotAnswer::Skipped).unwrap();
        run.hand_over();
        assert!(run.finished(&flow));
        let p = run.prefill(&flow, Lang::En);
        assert_eq!(p.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert!(p.subject.ends_with('…'));
        assert_eq!(
            p.body,
            format!("Please describe the problem.\n{}", "x".repeat(200))
        );

        let empty = BotFlow::default();
        assert!(
            BotRun::default().finished(&empty),
            "no bot: straight to a person"
        );
    }

    #[test]
    fn a_callback_needs_a_phone_and_reads_well() {
        let cb = check_callback(&CallbackInput {
            name: " Анна ".into(),
            phone: "8 (912) 345-67-89".into(),
            preferred_time: "после 18:00".into(),
            topic: String::new(),
        })
        .unwrap();
        assert_eq!(cb.phone.as_str(), "+79123456789");
        assert_eq!(cb.topic, None);
        let (subject, body) = cb.ticket_text(Lang::Ru);
        assert_eq!(subject, "Перезвоните мне: +79123456789");
        assert_eq!(
            body,
            "Имя: Анна\nТелефон: +79123456789\nУдобное время: после 18:00"
        );
        let (subject, _) = cb.ticket_text(Lang::En);
        assert_eq!(subject, "Please call me back: +79123456789");
        assert_eq!(
            codes(&check_callback(&CallbackInput::default()).unwrap_err()),
            [("phone".to_owned(), "required".to_owned())]
        );
        assert_eq!(
            codes(
                &check_callback(&CallbackInput {
                    phone: "call me".into(),
                    preferred_time: "x".repeat(MAX_NAME_CHARS + 1),
                    ..Default::default()
                })
                .unwrap_err()
            ),
            [
                ("preferred_time".to_owned(), "too_long".to_owned()),
                ("phone".to_owned(), "invalid".to_owned())
            ]
        );
    }
}
