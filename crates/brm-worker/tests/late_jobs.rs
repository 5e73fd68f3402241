//! A robot job that runs past the operator's time limit (issue 18, items 1 and 2): jobs
//! cannot be cancelled on the robot service, so a new attempt beside it would log into
//! the portal again (or fill the SAT twice) while the first may still finish, and what
//! the first brings would sit on the robot uncollected. The late job is followed to its
//! end and collected; only a job the robot never ends goes to a person, and nothing is
//! sent again meanwhile.

mod common;

use brm_core::execution::ExecutionStatus;
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use chrono::Duration;
use common::Rig;

/// One VIVO process whose robot jobs take `job_secs` (the operator's limit is 300 s).
async fn late_rig(job_secs: u64) -> Rig {
    let rig = Rig::sqlite_with(Faults::default(), |c| c.job_secs = (job_secs, job_secs)).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    rig
}

fn quick_retries(rig: &Rig) -> brm_worker::WorkerConfig {
    let mut config = rig.config("teste-atraso");
    // A retry would be due one minute after a failed attempt: well before the late job
    // ends, so a second job would show.
    config.backoff = vec![Duration::minutes(1)];
    config
}

#[tokio::test]
async fn a_download_past_the_time_limit_is_followed_to_its_end_and_collected() {
    let rig = late_rig(420).await;
    let worker = rig.worker_with(quick_retries(&rig));
    let id = rig.processes().await[0].id;
    let mut seen_late = false;
    for _ in 0..40 {
        worker.cycle().await.unwrap();
        let e = &rig.executions(id).await[0];
        if e.status.is_open()
            && e.error
                .as_deref()
                .is_some_and(|m| m.contains("passou de 300 s"))
        {
            seen_late = true;
            assert!(m_says_no_retry(e.error.as_deref().unwrap()), "{e:?}");
        }
        if rig.process(id).await.status == ProcessStatus::AguardandoAprovacao {
            break;
        }
        rig.advance(Duration::seconds(30)).await;
    }
    let stats = rig.sim.stats();
    assert_eq!(
        stats.jobs_created, 1,
        "a second job for one invoice: {stats:?}"
    );
    assert!(seen_late, "the execution says it is late while it is");
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao, "{p:?}");
    assert!(p.invoice_key.is_some() && !p.needs_attention);
    assert_eq!(p.download_attempts, 1);
    let execs = rig.executions(id).await;
    assert_eq!(execs.len(), 1, "{execs:?}");
    assert_eq!(execs[0].status, ExecutionStatus::Concluido);
    assert_eq!(execs[0].error, None);
}

fn m_says_no_retry(m: &str) -> bool {
    m.contains("não podem ser cancelados") && m.contains("nenhuma nova tentativa")
}

#[tokio::test]
async fn a_sat_upload_past_the_time_limit_is_never_sent_twice() {
    let rig = late_rig(420).await;
    let worker = rig.worker_with(quick_retries(&rig));
    let id = rig.processes().await[0].id;
    for _ in 0..40 {
        worker.cycle().await.unwrap();
        let p = rig.process(id).await;
        if p.status == ProcessStatus::AguardandoAprovacao {
            rig.desk
                .approve_process(&rig.admin, p.id, p.version, None)
                .await
                .unwrap();
        }
        if p.status == ProcessStatus::UploadRealizado {
            break;
        }
        rig.advance(Duration::seconds(30)).await;
    }
    let stats = rig.sim.stats();
    let sat: Vec<_> = stats.jobs.iter().filter(|j| j.sat).collect();
    assert_eq!(sat.len(), 1, "the SAT filled twice: {sat:?}");
    assert_eq!(stats.jobs_created, 2, "{stats:?}");
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::UploadRealizado, "{p:?}");
    assert_eq!(p.sat_attempts, 1);
}

#[tokio::test]
async fn a_job_the_robot_never_ends_goes_to_a_person_and_is_not_sent_again() {
    // Ten hours on the robot: stuck.
    let rig = late_rig(36_000).await;
    let mut config = quick_retries(&rig);
    config.late_give_up = Duration::hours(1);
    let worker = rig.worker_with(config);
    let id = rig.processes().await[0].id;
    for _ in 0..30 {
        worker.cycle().await.unwrap();
        if rig.process(id).await.needs_attention {
            break;
        }
        rig.advance(Duration::minutes(5)).await;
    }
    let p = rig.process(id).await;
    assert!(p.needs_attention, "{p:?}");
    assert_eq!(p.status, ProcessStatus::AguardandoDownload, "{p:?}");
    let execs = rig.executions(id).await;
    assert_eq!(execs.len(), 1, "{execs:?}");
    let e = &execs[0];
    assert_eq!(e.status, ExecutionStatus::Timeout);
    let m = e.error.as_deref().unwrap();
    assert!(
        m.contains(e.job_id.as_deref().unwrap()) && m.contains("confira"),
        "{m}"
    );
    // Later cycles send nothing: a person decides.
    for _ in 0..5 {
        rig.advance(Duration::minutes(30)).await;
        worker.cycle().await.unwrap();
    }
    assert_eq!(rig.sim.stats().jobs_created, 1);
}
