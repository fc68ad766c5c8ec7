//! The widget chat bench (`--widget` / `--only-widget`): `V` visitors (`BENCH_WIDGET_VISITORS`,
//! 1,000) each start a session over HTTP and keep a websocket open to the node at once; then
//! every visitor sends `M` chat messages (`BENCH_WIDGET_MESSAGES`, 5) over its socket, one
//! after the other, each waiting for its `ack` (the message is committed: the first one
//! creates the visitor's ticket, later ones append). Reports messages/s over all visitors
//! (from the first send to the last ack) and the send → ack latency p50/p99. Every commit's
//! hint reaches all `V` sockets, so the fan-out cost is part of the figure.

use futures_util::{SinkExt, StreamExt};
use lossless::actor::Actor;
use lossless::widget::SiteInput;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One table row for the node `s` on database `name`.
pub async fn bench_widget(name: &str, s: &lossless_server::Server) -> String {
    let visitors = env("BENCH_WIDGET_VISITORS", 1000);
    let messages = env("BENCH_WIDGET_MESSAGES", 5);
    let site = lossless::services::widget::save_site(
        &s.ports,
        &Actor::System,
        None,
        &SiteInput {
            name: "Bench shop".into(),
            languages: vec!["en".into()],
            allowed_origins: "https://shop.example".into(),
            chat: true,
            ..Default::default()
        },
    )
    .await
    .expect("site");
    let key = site.key.as_str().to_owned();
    let client = reqwest::Client::new();
    let session_url = format!("http://{}/widget/v1/{key}/session", s.addr);
    let tokens: Vec<String> = futures_util::stream::iter(0..visitors)
        .map(|_| {
            let (client, url) = (client.clone(), session_url.clone());
            async move {
                let v: Value = client
                    .post(url)
                    .json(&json!({"token": null, "lang": "en"}))
                    .send()
                    .await
                    .expect("session")
                    .json()
                    .await
                    .expect("session json");
                v["token"].as_str().expect("token").to_owned()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut sockets: Vec<Ws> = Vec::with_capacity(visitors);
    for t in &tokens {
        let url = format!("ws://{}/widget/v1/{key}/ws?token={t}", s.addr);
        sockets.push(tokio_tungstenite::connect_async(url).await.expect("ws").0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Arc::new(tokio::sync::Barrier::new(visitors + 1));
    let mut tasks = Vec::with_capacity(visitors);
    for (v, mut ws) in sockets.into_iter().enumerate() {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut lat = Vec::with_capacity(messages);
            for i in 0..messages {
                let client_id = format!("b{v}-{i}");
                let t = Instant::now();
                ws.send(tokio_tungstenite::tungstenite::Message::Text(
                    json!({"type": "send", "body": format!("Visitor {v}, message {i}: where is my order?"), "client_id": client_id})
                        .to_string()
                        .into(),
                ))
                .await
                .expect("send");
                loop {
                    let m = tokio::time::timeout(Duration::from_secs(120), ws.next())
                        .await
                        .expect("ack in time")
                        .expect("open")
                        .expect("frame");
                    if let tokio_tungstenite::tungstenite::Message::Text(text) = m
                        && let Ok(f) = serde_json::from_str::<Value>(&text)
                    {
                        assert_ne!(f["type"], "error", "refused: {f}");
                        if f["type"] == "ack" && f["client_id"] == client_id.as_str() {
                            break;
                        }
                    }
                }
                lat.push(t.elapsed());
            }
            let _ = ws.close(None).await;
            lat
        }));
    }
    start.wait().await;
    let t0 = Instant::now();
    let mut all = Vec::with_capacity(visitors * messages);
    for t in tasks {
        all.extend(t.await.expect("visitor"));
    }
    let secs = t0.elapsed().as_secs_f64();
    all.sort();
    let total = visitors * messages;
    format!(
        "| widget chat, {name}: {visitors} visitor websockets × {messages} messages (send → ack) | {:.0} messages/s | p50 {:.2} ms, p99 {:.2} ms |",
        total as f64 / secs,
        super::pct(&all, 50.0),
        super::pct(&all, 99.0)
    )
}
