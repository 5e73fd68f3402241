//! One slow answer must not stall the worker (issue 18): the month's downloads, run by
//! the background loop as the app runs it, with 5 % of the robot's answers hanging 35 s
//! (past the 30 s timeout), finish within twice the time of the same month with no
//! hanging answer. Both months run at once, each on its own database and simulator, with
//! clocks that follow real time.

mod common;

use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use common::Rig;
use std::time::{Duration, Instant};

const PROCESSES_PER_OPERATOR: u32 = 20;

/// Runs the month's downloads with the background loop; the seconds until every
/// process has its invoice (or needs a person).
async fn month(faults: Faults) -> (f64, u64) {
    let rig = Rig::sqlite_with(faults, |c| {
        c.workers = 5;
        c.job_secs = (3, 5);
    })
    .await;
    rig.clients("VIVO", PROCESSES_PER_OPERATOR, 1, "senha-portal")
        .await;
    rig.clients("OI", PROCESSES_PER_OPERATOR, 100, "senha-portal")
        .await;
    rig.clients("EMBRATEL", PROCESSES_PER_OPERATOR, 200, "senha-portal")
        .await;
    rig.month().await;
    let mut config = brm_worker::WorkerConfig::new("teste-fila");
    config.poll_interval = Duration::from_millis(250);
    config.cycle_wait = Duration::from_millis(500);
    config.jitter = 0.0;
    // The product's own timeout, caps and reconciliation delay.
    let worker = rig.worker_timing_out(config, brm_robot::DEFAULT_REQUEST_TIMEOUT);
    let started = Instant::now();
    let handle = worker.clone().spawn();
    let step = Duration::from_millis(100);
    let done = loop {
        tokio::time::sleep(step).await;
        rig.advance(chrono::Duration::milliseconds(100)).await;
        let rows = rig.processes().await;
        if rows
            .iter()
            .all(|p| p.status == ProcessStatus::AguardandoAprovacao || p.needs_attention)
        {
            break started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the month did not end"
        );
    };
    handle.abort();
    let stats = rig.sim.stats();
    (done, stats.downloads_created)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_answer_delays_only_its_own_execution() {
    assert_eq!(brm_robot::DEFAULT_REQUEST_TIMEOUT, Duration::from_secs(30));
    let clean = month(Faults::default());
    let hanging = month(Faults {
        hang_rate: 0.05,
        hang_ms: 35_000,
        ..Default::default()
    });
    let ((clean_s, clean_jobs), (hanging_s, hanging_jobs)) = tokio::join!(clean, hanging);
    eprintln!(
        "head of line: {} processes; clean month {clean_s:.1} s ({clean_jobs} jobs), with 5 % \
         of answers hanging 35 s {hanging_s:.1} s ({hanging_jobs} jobs), {:.2}x",
        3 * PROCESSES_PER_OPERATOR,
        hanging_s / clean_s
    );
    assert!(
        hanging_s <= 2.0 * clean_s,
        "{hanging_s:.1} s > 2 × {clean_s:.1} s"
    );
    assert_eq!(clean_jobs, u64::from(3 * PROCESSES_PER_OPERATOR));
    assert_eq!(hanging_jobs, u64::from(3 * PROCESSES_PER_OPERATOR));
}
