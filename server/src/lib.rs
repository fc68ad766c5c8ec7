//! # lossless-server
//!
//! The `lossless` binary's library: configuration, the SQL stores (SQLite by default,
//! PostgreSQL for several nodes), the live bus, the job worker, HTTP wiring and seeding.
//! Business decisions are not made here: handlers parse input, call one core service
//! (`lossless::services`) and map the result.
//!
//! [`start`] runs a complete node (used by `main` and by the integration tests, which start
//! real servers on `127.0.0.1:0`).

#![recursion_limit = "256"]

pub mod config;
pub mod email;
pub mod http;
pub mod live;
pub mod llm;
pub mod seed;
pub mod store;
pub mod worker;

use chrono::{DateTime, Utc};
use config::Config;
use http::AppState;
use http::guard::RateLimiter;
use leptos::config::LeptosOptions;
use live::{Hub, LocalBus, PgBus};
use lossless::ports::{Clock, LiveBus};
use lossless::services::Ports;
use std::net::SocketAddr;
use std::sync::Arc;
use store::SqlStore;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The real clock (the only place that reads it).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database unreachable, locked or not migrated.
    #[error("database: {0}")]
    Store(#[from] lossless::ports::StoreError),
    /// Seeding failed.
    #[error("seeding: {0}")]
    Seed(String),
    /// Could not listen.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
    /// The outgoing mail server is misconfigured.
    #[error("email: {0}")]
    Email(String),
}

/// A running node.
pub struct Server {
    /// The bound address.
    pub addr: SocketAddr,
    /// Its store.
    pub store: SqlStore,
    /// Its core ports.
    pub ports: Ports,
    /// Its live hub.
    pub hub: Hub,
    /// Its mailbox administration (and, through it, its mailbox supervisor).
    pub channels: Arc<email::channels::Channels>,
    stop: watch::Sender<bool>,
    serve: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

impl Server {
    /// Stops accepting, lets the worker finish its round, closes the database.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.serve.await;
        for t in self.background {
            t.abort();
            let _ = t.await;
        }
        self.store.close().await;
    }

    /// Runs until Ctrl-C / SIGTERM, then stops.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Writes the configured mailboxes into the database (`source = config`, overwriting what a
/// previous start wrote; one no longer configured is disabled), then starts the mailbox supervisor's first refresh: the SMTP
/// mailers replies leave through (every stored mailbox with an SMTP server: a reply leaves
/// from the ticket's mailbox, else the first one) and, with `email_poll`, one fetch task per
/// enabled mailbox. A configured mailbox whose SMTP settings cannot be used stops the start.
async fn start_mailboxes(
    ports: &Ports,
    cfg: &Config,
) -> Result<Arc<email::supervisor::MailboxSupervisor>, StartError> {
    use lossless::email::admin::MailboxSource;
    for m in &cfg.mailboxes {
        ports
            .store
            .save_mailbox(m.settings(), MailboxSource::Config, false)
            .await?;
    }
    // A mailbox taken out of the configuration stops being fetched (its receipts, tickets
    // and cursor stay, so putting it back resumes where it was).
    for gone in ports.store.mailbox_settings().await? {
        let configured = cfg.mailboxes.iter().any(|m| m.name == gone.settings.name);
        if gone.source == MailboxSource::Config && gone.settings.enabled && !configured {
            let settings = lossless::email::admin::MailboxSettings {
                enabled: false,
                ..gone.settings
            };
            ports
                .store
                .save_mailbox(settings, MailboxSource::Config, false)
                .await?;
        }
    }
    let base = email::poll::email_settings(ports, cfg).await?;
    let supervisor = email::supervisor::MailboxSupervisor::new(
        ports.clone(),
        cfg.node_id.clone(),
        base,
        Arc::new(email::smtp::SmtpMailers::default()),
        cfg.tls_trust.clone(),
        cfg.email_poll,
    );
    let failed = supervisor.refresh().await?;
    if let Some((name, e)) = failed
        .iter()
        .find(|(name, _)| cfg.mailboxes.iter().any(|m| &m.name == name))
    {
        return Err(StartError::Email(format!("mailbox {name}: {e}")));
    }
    Ok(supervisor)
}

/// The configured OpenAI-compatible classifier, if any (a client that cannot be built is
/// logged and left out: suggestions then come from the local model).
fn remote_classifier(
    cfg: &Config,
) -> Option<Arc<dyn lossless::services::classify::RemoteClassifier>> {
    let llm = cfg.llm.clone()?;
    match llm::LlmClassifier::new(llm) {
        Ok(c) => Some(Arc::new(c)),
        Err(e) => {
            tracing::error!(error = %e, "llm endpoint disabled");
            None
        }
    }
}

/// Trains the local classifier now and then every `every` (incremental and idempotent, so
/// several nodes may run it) until `stop`.
async fn retrain_classifier(
    ports: Ports,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match lossless::services::classify::retrain(&ports).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tickets = n, "classifier learned"),
            Err(e) => tracing::warn!(error = %e, "classifier training failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Sweeps SLA records every `every` until `stop`: up to a batch of records whose next look
/// is overdue get a job each (see `lossless::services::sla::sweep`).
async fn sweep_sla(ports: Ports, every: std::time::Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(e) =
            lossless::services::sla::sweep(&ports, lossless::services::sla::SWEEP_BATCH).await
        {
            tracing::warn!(error = %e, "SLA sweep failed");
        }
    }
}

/// Rows in the search index per backlog step.
const SEARCH_BACKLOG_BATCH: i64 = 500;

/// Indexes for search the messages and contacts stored before the index existed (a database
/// migrated from before issue 6), in the background, until none are left (nothing at all on a
/// database made since). Idempotent and safe on several nodes at once; a failure is logged
/// and the next start resumes where this one stopped.
async fn index_search_backlog(ports: Ports) {
    match lossless::services::search::index_backlog(&ports, SEARCH_BACKLOG_BATCH).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "search index caught up"),
        Err(e) => tracing::warn!(error = %e, "search backlog failed"),
    }
}

/// Starts a complete node: store, live bus, seeding, HTTP, job worker, mailbox supervisor.
pub async fn start(cfg: Config) -> Result<Server, StartError> {
    let store = SqlStore::connect(&cfg.database_url).await?;
    let hub = Hub::default();
    let mut background = Vec::new();
    let live: Arc<dyn LiveBus> = match store.pg_pool() {
        Some(pool) => {
            background.push(tokio::spawn(live::listen(pool.clone(), hub.clone())));
            Arc::new(PgBus::new(pool.clone()))
        }
        None => Arc::new(LocalBus(hub.clone())),
    };
    let ports = Ports {
        store: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        live,
        prefix: cfg.number_prefix.clone(),
    };
    seed::ensure_admin(&ports, &cfg).await?;
    seed::install_default_rules(&ports).await?;
    lossless::services::sla::install_defaults(&ports, &format!("installing:{}", random_hex(8)))
        .await
        .map_err(|e| StartError::Seed(format!("SLA defaults: {e}")))?;
    if cfg.demo {
        seed::demo(&ports).await?;
    }
    let listener = tokio::net::TcpListener::bind(cfg.addr).await?;
    let addr = listener.local_addr()?;
    let public_url: Arc<str> = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .into();
    let leptos = LeptosOptions::builder()
        .output_name("lossless")
        .site_root(cfg.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let supervisor = start_mailboxes(&ports, &cfg).await?;
    let channels = Arc::new(email::channels::Channels::new(
        ports.clone(),
        Arc::clone(&supervisor),
    ));
    let state = AppState {
        ports: ports.clone(),
        hub: hub.clone(),
        leptos,
        limiter: Arc::new(RateLimiter::new(
            cfg.rate_limit_per_minute,
            cfg.rate_limit_burst,
        )),
        sign_in_limiter: Arc::new(RateLimiter::new(
            cfg.sign_in_per_minute,
            cfg.sign_in_per_minute,
        )),
        public_url: Arc::clone(&public_url),
        app: lossless_app::ssr::AppContext {
            ports: ports.clone(),
            secure_cookies: cfg.secure_cookies,
            channels: channels.clone(),
            classifier: remote_classifier(&cfg),
            public_url: Arc::clone(&public_url),
        },
        // ---- customer portal (issue 7, point 5) ----
        attachment_max_bytes: cfg.attachment_max_bytes,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    if cfg.worker {
        let email = lossless::services::EmailOut {
            settings: supervisor.base_settings().clone(),
            mailer: supervisor.mailers().clone(),
        };
        background.push(tokio::spawn(worker::run(
            ports.clone(),
            Some(email),
            cfg.node_id.clone(),
            hub.clone(),
            stop_rx.clone(),
            chrono::Duration::seconds(i64::from(cfg.job_max_backoff_seconds)),
        )));
    }
    background.push(tokio::spawn(supervisor.run(stop_rx.clone())));
    if cfg.worker && cfg.sla_sweep_seconds > 0 {
        background.push(tokio::spawn(sweep_sla(
            ports.clone(),
            std::time::Duration::from_secs(u64::from(cfg.sla_sweep_seconds)),
            stop_rx.clone(),
        )));
    }
    if cfg.classifier_retrain_seconds > 0 {
        background.push(tokio::spawn(retrain_classifier(
            ports.clone(),
            std::time::Duration::from_secs(u64::from(cfg.classifier_retrain_seconds)),
            stop_rx.clone(),
        )));
    }
    background.push(tokio::spawn(index_search_backlog(ports.clone())));
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut stop_serve = stop_rx;
    let serve = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop_serve.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "server failed");
        }
    });
    tracing::info!(%addr, node = %cfg.node_id, "lossless is listening");
    Ok(Server {
        addr,
        store,
        ports,
        hub,
        channels,
        stop: stop_tx,
        serve,
        background,
    })
}
