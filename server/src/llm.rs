//! The optional remote classifier: an OpenAI-compatible chat-completions endpoint (off unless
//! `llm_endpoint` is configured), asked for agents' ticket suggestions.
//!
//! Protocol (the OpenAI API reference, "Create chat completion"): `POST {endpoint}/chat/completions`
//! with `{"model", "messages": [{"role": "system", …}, {"role": "user", …}], "temperature": 0}`
//! and `Authorization: Bearer <llm_api_key>` when a key is configured; the answer's
//! `choices[0].message.content` must hold one JSON object
//! `{"category", "tags", "priority", "confidence"}`.
//!
//! Invariants: a request takes at most [`TIMEOUT`]; anything unexpected (transport error,
//! non-2xx status, another shape, prose around or instead of the JSON, unknown priority) is an
//! `Err` with the reason and a warning in the log — never a panic and never an error shown to
//! the agent (the service then falls back to the local model). The text sent is bounded
//! ([`MAX_PROMPT_CHARS`] of the body). Only `http://` is supported (see the config docs).

use crate::config::LlmConfig;
use lossless::classify::Suggestion;
use lossless::ports::BoxFuture;
use lossless::services::classify::{RemoteClassifier, RemoteQuery};
use lossless::ticket::Priority;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Longest wait for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Characters of the ticket body sent.
pub const MAX_PROMPT_CHARS: usize = 4000;

/// The chat-completions client.
#[derive(Debug, Clone)]
pub struct LlmClassifier {
    cfg: LlmConfig,
    http: reqwest::Client,
}

impl LlmClassifier {
    /// A client for the configured endpoint.
    pub fn new(cfg: LlmConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("llm client: {e}"))?;
        Ok(Self { cfg, http })
    }

    async fn ask(&self, q: RemoteQuery) -> Result<Suggestion, String> {
        let body = request_body(&self.cfg.model, &q);
        let mut req = self
            .http
            .post(format!("{}/chat/completions", self.cfg.endpoint))
            .json(&body);
        if let Some(key) = &self.cfg.api_key {
            req = req.bearer_auth(&key.0);
        }
        let resp = req.send().await.map_err(|e| format!("request: {e}"))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("status {status}"));
        }
        let v: Value = resp.json().await.map_err(|e| format!("response: {e}"))?;
        let content = v
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or("no choices[0].message.content")?;
        parse_answer(content)
    }
}

impl RemoteClassifier for LlmClassifier {
    fn classify(&self, q: RemoteQuery) -> BoxFuture<'_, Result<Suggestion, String>> {
        Box::pin(async move {
            let r = self.ask(q).await;
            if let Err(e) = &r {
                tracing::warn!(error = %e, endpoint = %self.cfg.endpoint, "llm suggestion failed; using the local classifier");
            }
            r
        })
    }
}

/// The chat-completions request for one ticket.
pub fn request_body(model: &str, q: &RemoteQuery) -> Value {
    let system = format!(
        "You classify helpdesk tickets. Answer with exactly one JSON object and nothing else: \
         {{\"category\": one of {cats} or null, \"tags\": a list with zero or more of {tags}, \
         \"priority\": one of [\"low\", \"normal\", \"high\", \"urgent\"], \
         \"confidence\": a number from 0 to 1}}.",
        cats = json!(q.categories),
        tags = json!(q.tags),
    );
    let body: String = q.body.chars().take(MAX_PROMPT_CHARS).collect();
    let user = format!("Subject: {}\n\n{}", q.subject, body);
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
        "temperature": 0,
    })
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    confidence: Option<f64>,
}

/// Reads the model's answer: the first `{` to the last `}` of the content (models like to wrap
/// JSON in prose or code fences). Confidence may be a fraction or a percentage.
pub fn parse_answer(content: &str) -> Result<Suggestion, String> {
    let start = content.find('{').ok_or("no JSON object in the answer")?;
    let end = content.rfind('}').ok_or("no JSON object in the answer")?;
    let json = content
        .get(start..=end)
        .ok_or("no JSON object in the answer")?;
    let a: Answer = serde_json::from_str(json).map_err(|e| format!("answer: {e}"))?;
    let conf = match a.confidence {
        Some(c) if c.is_finite() && c >= 0.0 => {
            let pc = if c <= 1.0 { c * 100.0 } else { c };
            pc.round().min(100.0) as u8
        }
        Some(_) => return Err("confidence out of range".into()),
        None => 50,
    };
    let priority = match a.priority.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(
            Priority::parse(&p.to_lowercase()).ok_or_else(|| format!("unknown priority {p:?}"))?,
        ),
    };
    Ok(Suggestion {
        category: a
            .category
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .map(|c| (c, conf)),
        tags: a
            .tags
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(|t| (t, conf))
            .collect(),
        priority: priority.map(|p| (p, conf)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_defensively() {
        let s = parse_answer(
            "Sure! ```json\n{\"category\": \"Billing\", \"tags\": [\"refund\", \" \"], \
             \"priority\": \"High\", \"confidence\": 0.87}\n```",
        )
        .unwrap();
        assert_eq!(s.category, Some(("Billing".into(), 87)));
        assert_eq!(s.tags, vec![("refund".into(), 87)]);
        assert_eq!(s.priority, Some((Priority::High, 87)));
        let s = parse_answer("{\"category\": null, \"confidence\": 92}").unwrap();
        assert!(s.is_empty());
        assert!(parse_answer("I think it is billing.").is_err());
        assert!(parse_answer("{\"priority\": \"asap\"}").is_err());
        assert!(parse_answer("{\"tags\": \"refund\"}").is_err());
        assert!(parse_answer("{\"confidence\": -1}").is_err());
        assert!(parse_answer("}{").is_err());
    }

    #[test]
    fn the_request_has_the_chat_completions_shape() {
        let q = RemoteQuery {
            subject: "Оплата".into(),
            body: "x".repeat(10_000),
            categories: vec!["Billing".into()],
            tags: vec!["refund".into()],
        };
        let v = request_body("qwen", &q);
        assert_eq!(v["model"], "qwen");
        assert_eq!(v["temperature"], 0);
        assert_eq!(v["messages"][0]["role"], "system");
        assert!(
            v["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains("[\"Billing\"]")
        );
        let user = v["messages"][1]["content"].as_str().unwrap();
        assert!(user.starts_with("Subject: Оплата\n\n"));
        assert!(user.chars().count() < MAX_PROMPT_CHARS + 50);
    }
}
