//! Live fan-out of hints after commit.
//!
//! Each node has a [`Hub`] (a tokio broadcast channel) that its websockets and its job worker
//! subscribe to. On SQLite (one node) publishing sends straight into the hub. On PostgreSQL a
//! hint is sent with `pg_notify` and every node — including the sender — receives it through
//! its `LISTEN` connection and feeds its own hub, so sockets on node B see what node A
//! committed. Hints are best effort: when the listener reconnects, or a slow socket lags, a
//! [`Hint::Resync`] tells clients to refetch everything.
//!
//! Invariant: a hint addressed to one agent ([`LiveEvent::Notification`]) carries its
//! recipient in [`Routed::to`], and sockets pass it on only to that agent; every other hint
//! goes to every signed-in agent.

use lossless::ids::AgentId;
use lossless::live::LiveEvent;
use lossless::ports::LiveBus;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL NOTIFY channel.
pub const PG_CHANNEL: &str = "lossless_live";

/// What goes to the node's subscribers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Something changed.
    Event(LiveEvent),
    /// Hints may have been lost: refetch everything.
    Resync,
}

/// The JSON text frame of a hint, serialized once per node and shared by every socket
/// (cloning it only bumps a reference count).
pub type Frame = axum::extract::ws::Utf8Bytes;

/// The frame that tells clients to refetch everything.
pub const RESYNC_FRAME: &str = r#"{"type":"resync"}"#;

/// A frame and who may receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The only agent whose sockets get it; `None`: every agent's.
    pub to: Option<AgentId>,
    /// The JSON text.
    pub frame: Frame,
}

impl Routed {
    /// Whether a socket of `agent` passes this frame on.
    pub fn is_for(&self, agent: AgentId) -> bool {
        self.to.is_none_or(|a| a == agent)
    }
}

/// The one agent a hint is for, if it is private.
pub fn recipient(ev: &LiveEvent) -> Option<AgentId> {
    match ev {
        LiveEvent::Notification { agent } => Some(*agent),
        LiveEvent::TicketChanged { .. }
        | LiveEvent::PresenceChanged { .. }
        | LiveEvent::ViewersChanged { .. } => None,
    }
}

/// One node's fan-out point. Hints are serialized once here, not once per socket: with
/// hundreds of agents connected that is what keeps fan-out cheap.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Routed>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Hub {
    /// A new subscription (lagging subscribers get `RecvError::Lagged`: resync).
    pub fn subscribe(&self) -> broadcast::Receiver<Routed> {
        self.tx.subscribe()
    }
    /// Sends to every subscriber of this node (no subscribers is fine).
    pub fn send(&self, h: Hint) {
        let routed = match h {
            Hint::Event(ev) => match serde_json::to_string(&ev) {
                Ok(text) => Routed {
                    to: recipient(&ev),
                    frame: Frame::from(text),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "live hint not serialized");
                    return;
                }
            },
            Hint::Resync => Routed {
                to: None,
                frame: Frame::from_static(RESYNC_FRAME),
            },
        };
        let _ = self.tx.send(routed);
    }
}

/// Single-node bus: straight into the hub.
#[derive(Debug, Clone)]
pub struct LocalBus(pub Hub);

impl LiveBus for LocalBus {
    fn publish(&self, ev: LiveEvent) {
        self.0.send(Hint::Event(ev));
    }
}

/// Multi-node bus over PostgreSQL NOTIFY.
#[derive(Debug, Clone)]
pub struct PgBus {
    pool: PgPool,
}

impl PgBus {
    /// Publishes through `pool`; run [`listen`] on every node to receive.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl LiveBus for PgBus {
    fn publish(&self, ev: LiveEvent) {
        let pool = self.pool.clone();
        let Ok(payload) = serde_json::to_string(&ev) else {
            return;
        };
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(PG_CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await
            {
                tracing::warn!(error = %e, "live hint not sent");
            }
        });
    }
}

/// Feeds `hub` from PostgreSQL notifications until the process ends; reconnects forever and
/// asks clients to resync after every gap.
pub async fn listen(pool: PgPool, hub: Hub) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut l) => {
                if let Err(e) = l.listen(PG_CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    hub.send(Hint::Resync);
                    loop {
                        match l.try_recv().await {
                            Ok(Some(n)) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                                Ok(ev) => hub.send(Hint::Event(ev)),
                                Err(e) => tracing::warn!(error = %e, "bad live payload"),
                            },
                            // The connection dropped; sqlx reconnects on the next call.
                            Ok(None) => hub.send(Hint::Resync),
                            Err(e) => {
                                tracing::warn!(error = %e, "live listener failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "live listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_routed_to_their_agent_only() {
        let hub = Hub::default();
        let mut rx = hub.subscribe();
        hub.send(Hint::Event(LiveEvent::Notification { agent: AgentId(7) }));
        hub.send(Hint::Event(LiveEvent::PresenceChanged {
            agent: AgentId(7),
        }));
        hub.send(Hint::Resync);
        let n = rx.try_recv().unwrap();
        assert!(n.is_for(AgentId(7)));
        assert!(!n.is_for(AgentId(8)));
        assert!(n.frame.as_str().contains("\"notification\""));
        let p = rx.try_recv().unwrap();
        assert!(p.is_for(AgentId(8)));
        let r = rx.try_recv().unwrap();
        assert_eq!(r.frame.as_str(), RESYNC_FRAME);
        assert!(r.is_for(AgentId(8)));
    }
}
