//! Several nodes on one PostgreSQL: a ticket created through node A reaches an agent socket
//! connected to node B (LISTEN/NOTIFY), and with workers on both nodes every job runs exactly
//! once (each ticket gets exactly one acknowledgement).

use crate::http::{agent_cookie, live_socket, node, submit, wait_for_hint};
use crate::support;
use lossless::job::JobStatus;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn two_nodes_share_live_hints_and_run_each_job_once() {
    let Some(db) = support::fresh_pg().await else {
        return;
    };
    let a = node(&db, &[("node_id", "node-a")]).await;
    let b = node(&db, &[("node_id", "node-b")]).await;
    let (_, cookie) = agent_cookie(&b, "agent@example.com").await;
    let mut ws = live_socket(&b, &cookie).await;

    let t = submit(
        &a,
        &json!({"name": "N", "email": "n@example.com", "message": "via node A"}),
    )
    .await;
    wait_for_hint(&mut ws, t.id.0).await;

    // Many tickets, two workers: every acknowledgement exactly once.
    let mut ids = vec![t.id];
    for i in 0..40 {
        let target = if i % 2 == 0 { &a } else { &b };
        let body = json!({"name": "N", "email": format!("n{i}@example.com"), "message": "load"});
        ids.push(submit(target, &body).await.id);
    }
    // Every ticket's acknowledgement job done, and every other due job (their rules and
    // SLA clocks) finished; the default "unassigned for 15 minutes" timers and the SLA
    // warning timers wait for their time.
    let due = |jobs: Vec<lossless::job::Job>| -> Vec<lossless::job::Job> {
        jobs.into_iter()
            .filter(|j| j.kind.name() != "rule_timer" && !j.key.starts_with("slacheck:"))
            .collect()
    };
    let mut done = 0;
    for _ in 0..200 {
        let jobs = due(a.ports.store.jobs(None, 1000).await.unwrap());
        done = jobs
            .iter()
            .filter(|j| j.kind.name() == "send_acknowledgement" && j.status == JobStatus::Done)
            .count();
        if done == ids.len() && jobs.iter().all(|j| j.status == JobStatus::Done) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done, ids.len());
    // Claims were disjoint: no job was started twice.
    let jobs = due(a.ports.store.jobs(None, 1000).await.unwrap());
    assert!(jobs.iter().all(|j| j.attempts == 1), "{jobs:?}");
    for id in ids {
        let msgs = a.ports.store.messages(id, true).await.unwrap();
        let acks = msgs
            .iter()
            .filter(|m| m.author == lossless::actor::ActorRef::System)
            .count();
        assert_eq!(acks, 1, "ticket {id} has {acks} acknowledgements");
        let history = a.ports.store.history(id).await.unwrap();
        assert_eq!(
            history
                .iter()
                .filter(|h| h.event == lossless::ticket::TicketEvent::Acknowledged)
                .count(),
            1
        );
    }
    a.stop().await;
    b.stop().await;
}
