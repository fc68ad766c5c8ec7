//! The `lossless` binary: reads configuration, starts one node, runs until a signal.

use lossless_server::config::Config;
use std::process::ExitCode;

// mimalloc gives large freed blocks back to the OS; with glibc malloc each password hash
// (argon2, 19 MiB) stayed resident, tripling idle memory after a few sign-ins.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc v2's `mi_option_e` (not exported by the -sys crate):
/// it sits between `mi_option_eager_commit_delay` (14) and `mi_option_use_numa_nodes` (16).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[tokio::main]
async fn main() -> ExitCode {
    // Give freed memory back to the OS right away instead of after further allocations: an
    // idle helpdesk should not keep the last password hash's 19 MiB resident.
    // SAFETY: sets a documented mimalloc option before any other thread allocates.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
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
