//! `GET /api/live`: the agents' websocket. Authenticated by the session cookie; sends each
//! hint as a JSON text frame (`{"type":"ticket_changed",…}` or `{"type":"resync"}`), pings
//! every 30 s, and turns a lagging subscription into a resync instead of buffering forever.

use super::AppState;
use crate::live::{Frame, RESYNC_FRAME};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Upgrades signed-in agents; 401 for anyone else.
pub async fn handler(
    State(s): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if lossless_app::ssr::agent_from_headers(&s.ports, &headers)
        .await
        .is_none()
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let hub = s.hub.clone();
    ws.on_upgrade(move |socket| serve(socket, hub))
}

async fn serve(mut socket: WebSocket, hub: crate::live::Hub) {
    let mut rx = hub.subscribe();
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    loop {
        let out = tokio::select! {
            h = rx.recv() => match h {
                Ok(frame) => Some(frame),
                Err(RecvError::Lagged(_)) => Some(Frame::from_static(RESYNC_FRAME)),
                Err(RecvError::Closed) => return,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() { return; }
                None
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
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
