//! `GET /api/live`: the agents' websocket. Authenticated by the session cookie; sends each
//! hint as a JSON text frame (`{"type":"ticket_changed",…}` or `{"type":"resync"}`), pings
//! every 30 s, and turns a lagging subscription into a resync instead of buffering forever.
//!
//! Invariants:
//! - A hint addressed to one agent (a new notification) reaches only that agent's sockets
//!   ([`crate::live::Routed::is_for`]).
//! - Activity: opening the socket and every text frame the client sends (the page sends
//!   `{"type":"active"}` while its user moves or types) record the agent as active
//!   (`touch_agent`), at most once per [`TOUCH_EVERY`]; pongs are not activity (a browser
//!   answers pings while nobody is at the keyboard), so an idle agent turns away.

use super::AppState;
use crate::live::{Frame, RESYNC_FRAME};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lossless::ids::AgentId;
use lossless::services::Ports;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// Activity on one socket is recorded at most this often.
pub const TOUCH_EVERY: Duration = Duration::from_secs(20);

/// Upgrades signed-in agents; 401 for anyone else.
pub async fn handler(
    State(s): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(agent) = lossless_app::ssr::agent_from_headers(&s.ports, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let hub = s.hub.clone();
    let ports = s.ports.clone();
    ws.on_upgrade(move |socket| serve(socket, hub, ports, agent.id))
}

/// Records activity unless it was recorded less than [`TOUCH_EVERY`] ago.
async fn touch(ports: &Ports, agent: AgentId, last: &mut Option<Instant>) {
    if last.is_some_and(|t| t.elapsed() < TOUCH_EVERY) {
        return;
    }
    *last = Some(Instant::now());
    if let Err(e) = lossless::services::team::touch(ports, agent).await {
        tracing::warn!(error = %e, agent = %agent, "activity not recorded");
    }
}

async fn serve(mut socket: WebSocket, hub: crate::live::Hub, ports: Ports, agent: AgentId) {
    let mut rx = hub.subscribe();
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    let mut touched = None;
    touch(&ports, agent, &mut touched).await;
    loop {
        let out = tokio::select! {
            h = rx.recv() => match h {
                Ok(routed) if routed.is_for(agent) => Some(routed.frame),
                Ok(_) => None,
                Err(RecvError::Lagged(_)) => Some(Frame::from_static(RESYNC_FRAME)),
                Err(RecvError::Closed) => return,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() { return; }
                None
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    touch(&ports, agent, &mut touched).await;
                    None
                }
                Some(Ok(_)) => None,
            },
        };
        if let Some(frame) = out
            && socket.send(Message::Text(frame)).await.is_err()
        {
            return;
        }
    }
}
