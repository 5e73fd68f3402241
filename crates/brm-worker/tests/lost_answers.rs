//! A robot that loses answers after it acted (issue 18): 200 processes, downloads and SAT
//! uploads, over real HTTP against the simulator with its "lose the answer after
//! creating" fault and dropped, garbled, 500 and too-slow answers at high rates. The
//! simulator's own list of jobs is the witness: exactly one job per (process, attempt),
//! no SAT upload twice, no finished job left on the robot, every process where the rules
//! put it.

mod common;

use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use chrono::Duration;
use common::Rig;
use std::collections::{BTreeMap, HashMap};

/// Gives every invoice waiting for approval a due date where the PDF had none, and
/// approves it, as an approver would.
async fn approve_waiting(rig: &Rig) {
    for row in rig.processes().await {
        if row.status != ProcessStatus::AguardandoAprovacao || row.needs_attention {
            continue;
        }
        let mut p = rig.process(row.id).await;
        if p.due_date.is_none() || p.amount_cents.is_none() {
            p.due_date = p.due_date.or(chrono::NaiveDate::from_ymd_opt(2026, 12, 10));
            p.amount_cents = p.amount_cents.or(Some(12_345));
            let v = p.version;
            p.version += 1;
            let ev = brm_core::audit::AuditEvent::new(
                rig.sim.now(),
                brm_core::audit::Actor::anonymous("teste"),
                "EDITAR",
                "processo",
            );
            assert!(rig.store.update_process(&p, v, &ev).await.unwrap());
        }
        rig.desk
            .approve_process(&rig.admin, p.id, p.version, None)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_never_make_a_second_job_and_finished_work_is_collected() {
    let rig = Rig::sqlite_with(
        Faults {
            lost_answer_rate: 0.12,
            drop_rate: 0.04,
            malformed_rate: 0.06,
            error_500_rate: 0.04,
            hang_rate: 0.03,
            hang_ms: 1_300,
            lost_rate: 0.03,
            failure_rate: 0.03,
            ..Default::default()
        },
        |c| {
            c.workers = 60;
            c.job_secs = (5, 15);
        },
    )
    .await;
    rig.clients("VIVO", 70, 1, "senha-portal").await;
    rig.clients("OI", 65, 100, "senha-portal").await;
    rig.clients("EMBRATEL", 65, 200, "senha-portal").await;
    rig.month().await;
    let mut config = rig.config("teste-perdas");
    config.backoff = vec![Duration::minutes(1)];
    // Answers slower than 1 s are given up on (the hang fault waits 1.3 s).
    let worker = rig.worker_timing_out(config, std::time::Duration::from_secs(1));

    let mut adopted = 0;
    let mut unconfirmed = 0;
    let mut rounds = 0;
    let mut finished = false;
    // Each lost SAT create holds the one SAT queue for a round (about a quarter of the
    // creates here fail in a way that may have made a job): the month takes 55 to 85
    // rounds of 30 s. The budget is far above that; a month that does not end in it is
    // its own failure, below, not an orphan job of a create still being conferred.
    for _ in 0..160 {
        rounds += 1;
        let r = worker.cycle().await.unwrap();
        adopted += r.adopted;
        unconfirmed += r.unconfirmed;
        approve_waiting(&rig).await;
        let rows = rig.processes().await;
        if rows
            .iter()
            .all(|p| p.status == ProcessStatus::UploadRealizado || p.needs_attention)
        {
            finished = true;
            break;
        }
        rig.advance(Duration::seconds(30)).await;
    }

    let stats = rig.sim.stats();
    let rows = rig.processes().await;
    assert_eq!(rows.len(), 200);
    let mut by_job: HashMap<String, Execution> = HashMap::new();
    let mut per_process: BTreeMap<uuid::Uuid, Vec<Execution>> = BTreeMap::new();
    for row in &rows {
        for e in rig.executions(row.id).await {
            if let Some(j) = &e.job_id {
                assert!(by_job.insert(j.clone(), e.clone()).is_none(), "{j} twice");
            }
            per_process.entry(row.id).or_default().push(e);
        }
    }
    // Jobs the robot holds that no attempt records: a second job for one attempt. (Jobs
    // the robot itself lost, its lost-job fault, are gone from its list; the rules retry
    // those like any lost job.)
    let orphans: Vec<_> = stats
        .jobs
        .iter()
        .filter(|j| !by_job.contains_key(&j.job_id))
        .collect();
    let mut sat_done: BTreeMap<&str, usize> = BTreeMap::new();
    for j in stats
        .jobs
        .iter()
        .filter(|j| j.sat && j.state == "COMPLETED")
    {
        *sat_done
            .entry(j.processo_id.as_deref().unwrap_or("?"))
            .or_default() += 1;
    }
    let sat_twice = sat_done.values().filter(|n| **n > 1).count();
    let uncollected: Vec<_> = stats
        .jobs
        .iter()
        .filter(|j| j.state == "COMPLETED")
        .filter(|j| {
            by_job
                .get(&j.job_id)
                .is_none_or(|e| e.status != ExecutionStatus::Concluido)
        })
        .collect();
    let attention = rows.iter().filter(|p| p.needs_attention).count();
    eprintln!(
        "lost answers: {} rounds, {} jobs on the robot ({} downloads, {} SAT), {} answers \
         lost after creating, {} creates held unconfirmed, {} jobs adopted; {} jobs no \
         attempt records, {} invoices sent to the SAT twice, {} completed jobs uncollected, \
         {} processes need attention; {} jobs vanished on the robot (its lost-job fault)",
        rounds,
        stats.jobs_created,
        stats.downloads_created,
        stats.sat_created,
        stats.answers_lost,
        unconfirmed,
        adopted,
        orphans.len(),
        sat_twice,
        uncollected.len(),
        attention,
        stats.jobs_created as usize - stats.jobs.len(),
    );
    assert!(stats.answers_lost >= 10, "the fault must have struck");
    assert!(adopted >= 10, "lost answers must have been reconciled");
    let unfinished: Vec<_> = rows
        .iter()
        .filter(|p| p.status != ProcessStatus::UploadRealizado && !p.needs_attention)
        .map(|p| (p.status, &per_process[&p.id]))
        .collect();
    assert!(
        finished,
        "the month did not end in {rounds} rounds: {} processes left, e.g. {:#?}",
        unfinished.len(),
        unfinished.first()
    );
    // On failure, what the store says of the processes concerned.
    let story = |jobs: &[&brm_simulator::SimJob]| -> String {
        jobs.iter()
            .map(|j| {
                let execs = j
                    .processo_id
                    .as_deref()
                    .and_then(|p| p.parse::<uuid::Uuid>().ok())
                    .and_then(|p| per_process.get(&p));
                format!("{j:?}\n  attempts: {execs:#?}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(orphans.is_empty(), "second jobs: {}", story(&orphans));
    assert_eq!(sat_twice, 0);
    assert!(uncollected.is_empty(), "{}", story(&uncollected));

    // Every process where the rules put it: sent to the SAT, or waiting for a person
    // after a business failure or the operator's maximum of failed attempts.
    for row in &rows {
        let execs = &per_process[&row.id];
        if row.status == ProcessStatus::UploadRealizado {
            assert!(!row.needs_attention);
            let sat = execs
                .iter()
                .filter(|e| {
                    e.kind == ExecutionKind::UploadSat && e.status == ExecutionStatus::Concluido
                })
                .count();
            assert_eq!(sat, 1, "{row:?}");
            continue;
        }
        assert!(row.needs_attention, "{row:?} {execs:?}");
        let failed = execs
            .iter()
            .filter(|e| matches!(e.status, ExecutionStatus::Falhou | ExecutionStatus::Timeout))
            .count();
        assert!(failed >= 1, "{row:?} {execs:?}");
        // Nothing of it is left open on the robot.
        assert!(execs.iter().all(|e| !e.status.is_open()), "{execs:?}");
    }
}
