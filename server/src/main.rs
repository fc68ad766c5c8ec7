//! The `lossless` binary: reads configuration, starts one node, runs until a signal.

use lossless_server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cfg = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    match lossless_server::start(cfg).await {
        Ok(server) => {
            tracing::info!("open http://{}/agent", server.addr);
            server.run_until_signal().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("cannot start: {e}");
            ExitCode::FAILURE
        }
    }
}
