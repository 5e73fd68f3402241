//! Several workers on one PostgreSQL database, and PostgreSQL restarted under a cycle,
//! against the real simulator over HTTP. Needs the throw-away cluster scripts/test.sh
//! starts (BRM_TEST_POSTGRES_URL); the restart test starts a cluster of its own so that
//! stopping it disturbs no other test.

mod common;

use brm_core::execution::ExecutionStatus;
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use chrono::Duration;
use common::*;
use std::path::PathBuf;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_database_start_each_job_exactly_once() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = brm_store::connect(&url).await.unwrap();
    let rig = Rig::on(dir, store, Faults::default()).await;
    rig.clients("VIVO", 70, 1, "senha-portal").await;
    rig.clients("OI", 70, 1000, "senha-portal").await;
    rig.clients("EMBRATEL", 60, 2000, "senha-portal").await;
    rig.month().await;
    assert_eq!(rig.processes().await.len(), 200);

    // The second desktop: its own connection pool to the same database.
    let other_store = brm_store::connect(&url).await.unwrap();
    // Both claim 7 at a time, so their claims interleave for many rounds.
    let small = |owner: &str| {
        let mut c = rig.config(owner);
        c.claim_batch = 7;
        c
    };
    let a = rig.worker_with(small("desktop-a"));
    let b = {
        let main = brm_robot::RobotClient::new(brm_robot::RobotConfig::new(
            rig.url.clone(),
            Some(rig.token.clone()),
        ))
        .unwrap();
        std::sync::Arc::new(brm_worker::Worker::new(
            other_store,
            rig.storage.clone(),
            std::sync::Arc::new(brm_worker::RobotDirectory::new(main, None)),
            rig.secrets.clone(),
            rig.clock.clone(),
            small("desktop-b"),
        ))
    };
    let (mut started_a, mut started_b, mut rounds) = (0, 0, 0);
    loop {
        // Two tasks, truly in parallel on the runtime's threads.
        let (ta, tb) = (a.clone(), b.clone());
        let (ra, rb) = tokio::join!(
            tokio::spawn(async move { ta.cycle().await }),
            tokio::spawn(async move { tb.cycle().await })
        );
        let (ra, rb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
        started_a += ra.started;
        started_b += rb.started;
        rounds += 1;
        let stats = rig.sim.stats();
        let twice: Vec<_> = stats.by_processo.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "started twice: {twice:?}");
        let done = rig
            .processes()
            .await
            .iter()
            .filter(|p| p.status == ProcessStatus::AguardandoAprovacao)
            .count();
        if done == 200 {
            break;
        }
        assert!(rounds < 300, "stuck at {done}");
        // Claims first (both workers, a few rounds), then the robot's work.
        if started_a + started_b == 200 {
            rig.advance(Duration::seconds(61)).await;
        }
    }
    assert_eq!(started_a + started_b, 200);
    assert!(
        started_a > 0 && started_b > 0,
        "both worked: {started_a} {started_b}"
    );
    let stats = rig.sim.stats();
    assert_eq!(stats.downloads_created, 200);
    assert_eq!(stats.by_processo.len(), 200);
    assert!(stats.by_processo.values().all(|n| *n == 1));
    for row in rig.processes().await {
        let ex = rig.store.executions_of(row.id).await.unwrap();
        assert_eq!(ex.len(), 1, "{row:?}");
        assert_eq!(ex[0].0.status, ExecutionStatus::Concluido);
        let trail = rig
            .store
            .audit_trail("processo", Some(row.id), 10)
            .await
            .unwrap();
        assert_eq!(
            trail
                .iter()
                .filter(|e| e.action == "DOWNLOAD_CONCLUIDO")
                .count(),
            1
        );
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-cluster.sh")
}

fn cluster(args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(script())
        .args(args)
        .output()
        .expect("pg-test-cluster.sh");
    assert!(
        out.status.success(),
        "pg-test-cluster.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct OwnCluster {
    dir: String,
    url: String,
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", &self.dir])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_mid_cycle_loses_and_doubles_nothing() {
    if postgres_url().await.is_none() {
        return;
    }
    let line = cluster(&["start"]);
    let value = |key: &str| {
        let rest = line.split(&format!("{key}='")).nth(1).expect(key);
        rest.split('\'').next().unwrap().to_string()
    };
    let own = OwnCluster {
        dir: value("BRM_PG_DIR"),
        url: value("BRM_TEST_POSTGRES_URL"),
    };
    let dir = tempfile::tempdir().unwrap();
    let store = brm_store::connect(&own.url).await.unwrap();
    let rig = Rig::on(dir, store, Faults::default()).await;
    rig.clients("VIVO", 4, 1, "senha-portal").await;
    rig.clients("OI", 4, 100, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    assert_eq!(worker.cycle().await.unwrap().started, 8);
    rig.advance(Duration::seconds(61)).await;

    // The database goes away with jobs finished on the robot: the cycle fails cleanly.
    let d = own.dir.clone();
    tokio::task::spawn_blocking(move || cluster(&["pause", &d]))
        .await
        .unwrap();
    assert!(worker.cycle().await.is_err());
    assert!(worker.cycle().await.is_err());
    let d = own.dir.clone();
    tokio::task::spawn_blocking(move || cluster(&["resume", &d]))
        .await
        .unwrap();

    // Back: the pool reconnects and the same jobs are read again.
    let mut rounds = 0;
    loop {
        match worker.cycle().await {
            Ok(_) => {}
            Err(e) => eprintln!("cycle while reconnecting: {e}"),
        }
        let rows = rig.processes().await;
        if rows
            .iter()
            .all(|p| p.status == ProcessStatus::AguardandoAprovacao)
        {
            break;
        }
        rounds += 1;
        assert!(rounds < 20, "stuck: {rows:?}");
        rig.advance(Duration::seconds(61)).await;
    }
    assert_eq!(rig.sim.stats().downloads_created, 8);
    for row in rig.processes().await {
        let ex = rig.store.executions_of(row.id).await.unwrap();
        assert_eq!(ex.len(), 1);
        assert_eq!(rig.process(row.id).await.download_attempts, 1);
    }
}
