//! Creates whose answer was lost (issue 18), case by case over real HTTP against the
//! simulator: matched with the job the robot made, never sent twice, the queue held
//! meanwhile, sent again with its key when the robot honours one, retried at once only
//! when the answer proves nothing was made.

mod common;

use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus};
use brm_simulator::Faults;
use chrono::Duration;
use common::*;

fn lose_every_answer() -> Faults {
    Faults {
        lost_answer_rate: 1.0,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_lost_answer_is_matched_with_its_job_and_the_queue_waits_meanwhile() {
    let rig = Rig::sqlite(lose_every_answer()).await;
    rig.clients("VIVO", 3, 1, "senha-portal").await;
    rig.clients("OI", 1, 40, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();

    // VIVO's first create makes its job and loses the answer: VIVO's other two are put
    // back unsent; OI's queue is its own (its one create is lost too).
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.started, r.unconfirmed, r.failed), (0, 2, 0), "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 2);
    assert_eq!(rig.sim.stats().answers_lost, 2);
    let held: Vec<Execution> = {
        let mut all = Vec::new();
        for row in rig.processes().await {
            all.extend(rig.executions(row.id).await);
        }
        all
    };
    let unconfirmed: Vec<&Execution> = held.iter().filter(|e| e.status.is_open()).collect();
    assert_eq!(unconfirmed.len(), 2);
    for e in &unconfirmed {
        assert!(e.job_id.is_none());
        let msg = e.error.as_deref().unwrap();
        assert!(msg.contains("conferida"), "{msg}");
    }
    let put_back: Vec<&Execution> = held
        .iter()
        .filter(|e| e.status == ExecutionStatus::Cancelado)
        .collect();
    assert_eq!(put_back.len(), 2);
    assert!(put_back[0]
        .error
        .as_deref()
        .unwrap()
        .contains("sem contar tentativa"));

    // The robot answers well again, but the queue is held until the lost one is matched.
    rig.sim.set_faults(Faults::default());
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.started, r.adopted), (0, 0), "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 2);

    // After the delay, the robot's list shows one unknown job per lost create: adopted,
    // and VIVO's queue goes on.
    rig.advance(Duration::seconds(11)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.adopted, r.started), (2, 2), "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 4);

    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.completed, 4, "{r:?}");
    let sim_jobs: std::collections::BTreeSet<String> =
        rig.sim.stats().jobs.into_iter().map(|j| j.job_id).collect();
    for row in rig.processes().await {
        let p = rig.process(row.id).await;
        assert_eq!(
            p.status,
            brm_core::process::ProcessStatus::AguardandoAprovacao
        );
        // Adopted or not, one attempt each.
        assert_eq!(p.download_attempts, 1, "{p:?}");
        let done: Vec<Execution> = rig
            .executions(p.id)
            .await
            .into_iter()
            .filter(|e| e.status == ExecutionStatus::Concluido)
            .collect();
        assert_eq!(done.len(), 1);
        assert!(sim_jobs.contains(done[0].job_id.as_ref().unwrap()));
    }
}

#[tokio::test]
async fn a_500_after_which_the_robot_lists_no_job_is_retried_as_a_failed_attempt() {
    // A 500 before the service did anything looks, from here, like one after: it is
    // looked up first, then counted.
    let rig = Rig::sqlite(Faults {
        error_500_rate: 1.0,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.unconfirmed, r.failed), (1, 0), "{r:?}");
    rig.sim.set_faults(Faults::default());
    rig.advance(Duration::seconds(11)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.failed, r.adopted, r.started), (1, 0, 0), "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert_eq!(p.download_attempts, 1);
    assert!(p.next_retry_at.is_some() && !p.needs_attention);
    let e = &rig.executions(p.id).await[0];
    assert_eq!(e.status, ExecutionStatus::Falhou);
    assert!(
        e.error
            .as_deref()
            .unwrap()
            .contains("nenhum job foi criado"),
        "{e:?}"
    );
    assert_eq!(rig.sim.stats().jobs_created, 0);
}

#[tokio::test]
async fn a_refused_connection_proves_nothing_was_made_and_counts_at_once() {
    let mut rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    // Nobody listens on the robot's address any more.
    rig.running.take().unwrap().shutdown().await;
    let worker = rig.worker();
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.failed, r.unconfirmed), (1, 0), "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert_eq!(p.download_attempts, 1);
}

#[tokio::test]
async fn with_an_idempotency_key_the_same_create_is_sent_again() {
    let rig = Rig::sqlite(Faults {
        idempotency: true,
        ..lose_every_answer()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.unconfirmed, 1, "{r:?}");
    rig.sim.set_faults(Faults {
        idempotency: true,
        ..Default::default()
    });
    rig.advance(Duration::seconds(11)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.adopted, 1, "{r:?}");
    let stats = rig.sim.stats();
    assert_eq!((stats.downloads_created, stats.idempotent_replays), (1, 1));
    let p = rig.processes().await[0].id;
    let e = &rig.executions(p).await[0];
    assert_eq!(e.job_id.as_deref(), Some(stats.jobs[0].job_id.as_str()));
}

#[tokio::test]
async fn another_worker_does_not_create_for_a_queue_whose_create_is_unconfirmed() {
    let rig = Rig::sqlite(lose_every_answer()).await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.month().await;
    let mut one = rig.config("maquina-a");
    one.claim_batch = 1;
    let a = rig.worker_with(one);
    let b = rig.worker_with(rig.config("maquina-b"));
    assert_eq!(a.cycle().await.unwrap().unconfirmed, 1);
    rig.sim.set_faults(Faults::default());
    let r = b.cycle().await.unwrap();
    assert_eq!(r.started, 0, "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 1);
    rig.advance(Duration::seconds(11)).await;
    // Matched; the queue is free again for whichever claims first.
    let r = a.cycle().await.unwrap();
    assert_eq!((r.adopted, r.started), (1, 1), "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 2);
}

#[tokio::test]
async fn a_worker_stopped_mid_create_leaves_a_trace_the_next_one_reconciles() {
    let rig = Rig::sqlite(Faults {
        hang_rate: 1.0,
        hang_ms: 2_000,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let first = rig.worker_with(rig.config("desktop-a"));
    let handle = first.clone().spawn();
    // The create is in the air (the robot made the job and holds its answer).
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if rig.sim.stats().jobs_created == 1 {
            break;
        }
    }
    assert_eq!(rig.sim.stats().jobs_created, 1);
    handle.abort();
    drop(first);
    rig.sim.set_faults(Faults::default());

    let second = rig.worker_with(rig.config("desktop-b"));
    assert_eq!(second.cycle().await.unwrap().polled, 0);
    rig.advance(Duration::seconds(121)).await;
    let r = second.cycle().await.unwrap();
    assert_eq!((r.unconfirmed, r.started), (1, 0), "{r:?}");
    rig.advance(Duration::seconds(11)).await;
    let r = second.cycle().await.unwrap();
    assert_eq!(r.adopted, 1, "{r:?}");
    rig.advance(Duration::seconds(61)).await;
    assert_eq!(second.cycle().await.unwrap().completed, 1);
    assert_eq!(rig.sim.stats().jobs_created, 1);
    let e = rig.executions(rig.processes().await[0].id).await;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].kind, ExecutionKind::DownloadFatura);
}
