//! A worker asked to stop (Ctrl+C, SIGTERM, a service stop) hands its open executions
//! back (issue 19, item 7): another worker polls the same robot jobs at its next cycle,
//! without waiting out the lease, and creates no new job.

mod common;

use brm_simulator::Faults;
use chrono::Duration;
use common::Rig;

#[tokio::test]
async fn a_clean_stop_hands_the_jobs_to_the_next_worker_at_once() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 3, 1, "senha-portal").await;
    rig.month().await;
    let a = rig.worker_with(rig.config("maquina-a"));
    assert_eq!(a.cycle().await.unwrap().started, 3);
    let handle = a.clone().spawn();
    handle.shutdown().await;

    // Well inside machine A's two-minute lease.
    rig.advance(Duration::seconds(10)).await;
    let b = rig.worker_with(rig.config("maquina-b"));
    let r = b.cycle().await.unwrap();
    assert_eq!(r.polled, 3, "{r:?}");
    assert_eq!(r.started, 0, "{r:?}");
    rig.advance(Duration::seconds(61)).await;
    let r = b.cycle().await.unwrap();
    assert_eq!(r.completed, 3, "{r:?}");
    assert_eq!(rig.sim.stats().jobs_created, 3, "no new robot job");
}

/// The desktop app closing: the worker stops without waiting and hands the jobs back too.
#[tokio::test]
async fn an_app_that_closes_hands_the_jobs_back_too() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.month().await;
    let a = rig.worker_with(rig.config("desktop-a"));
    assert_eq!(a.cycle().await.unwrap().started, 2);
    let handle = a.clone().spawn();
    handle.stop_now().await;

    rig.advance(Duration::seconds(10)).await;
    let b = rig.worker_with(rig.config("maquina-b"));
    assert_eq!(b.cycle().await.unwrap().polled, 2);
    assert_eq!(rig.sim.stats().jobs_created, 2);
}
