//! The job worker: claims due jobs with a lease, runs them through the core
//! ([`lossless::services::run_job_with`], idempotent per job; effects inside our database commit
//! together with the job's completion), then completes the rest or schedules a retry with
//! backoff ([`lossless::job::backoff`], capped by the node's `job_max_backoff_seconds`); after
//! `max_attempts` a job stays `failed` and visible. A job whose effect can never happen
//! ([`JobOutcome::Failed`]: an SMTP 5xx refusal) is `failed` at once, with the reason.
//!
//! Leases make every job run on exactly one node at a time: PostgreSQL claims with
//! `FOR UPDATE SKIP LOCKED`, and a node that dies mid-job lets its lease expire so another
//! node takes the job over. The worker wakes on live hints (new work was committed somewhere)
//! and polls every second otherwise.

use crate::live::Hub;
use chrono::Duration;
use lossless::job::after_failure;
use lossless::services::{EmailOut, JobOutcome, Ports, run_job_with};
use std::time::Duration as StdDuration;
use tokio::sync::watch;

/// How long a claimed job is ours.
pub const LEASE_SECS: i64 = 60;
/// Jobs claimed per round.
pub const BATCH: i64 = 32;
/// The default cap of the retry backoff (the core's own cap: an hour).
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// Runs until `stop` turns true; a failing job waits at most `max_backoff` between attempts.
pub async fn run(
    ports: Ports,
    email: Option<EmailOut>,
    node: String,
    hub: Hub,
    mut stop: watch::Receiver<bool>,
    max_backoff: Duration,
) {
    let mut hints = hub.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        let worked = round_capped(&ports, email.as_ref(), &node, max_backoff).await;
        if worked > 0 {
            continue;
        }
        tokio::select! {
            _ = hints.recv() => {}
            _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Claims and runs one batch (sending email through `email`, if given); returns how many
/// jobs it ran.
pub async fn round(ports: &Ports, email: Option<&EmailOut>, node: &str) -> usize {
    round_capped(ports, email, node, Duration::seconds(MAX_BACKOFF_SECS)).await
}

/// [`round`] with retries waiting at most `max_backoff`.
pub async fn round_capped(
    ports: &Ports,
    email: Option<&EmailOut>,
    node: &str,
    max_backoff: Duration,
) -> usize {
    let now = ports.clock.now();
    let jobs = match ports
        .store
        .claim_jobs(node, now, Duration::seconds(LEASE_SECS), BATCH)
        .await
    {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "claiming jobs failed");
            tokio::time::sleep(StdDuration::from_secs(1)).await;
            return 0;
        }
    };
    for job in &jobs {
        let result = match run_job_with(ports, email, job, node).await {
            Ok(JobOutcome::Completed) => Ok(()),
            Ok(JobOutcome::Done) => {
                ports
                    .store
                    .complete_job(job.id, node, ports.clock.now())
                    .await
            }
            // ---- permanent failures (issue 6 follow-up): no retry ----
            Ok(JobOutcome::Failed(reason)) => {
                tracing::warn!(job = job.id.0, kind = job.kind.name(), error = %reason, "job failed for good");
                ports.store.fail_job(job.id, node, &reason, None).await
            }
            Err(e) => {
                tracing::warn!(job = job.id.0, kind = job.kind.name(), error = %e, "job failed");
                let failed_at = ports.clock.now();
                let retry = after_failure(job, failed_at).map(|at| at.min(failed_at + max_backoff));
                ports
                    .store
                    .fail_job(job.id, node, &e.to_string(), retry)
                    .await
            }
        };
        if let Err(e) = result {
            tracing::warn!(job = job.id.0, error = %e, "recording job result failed");
        }
    }
    jobs.len()
}
