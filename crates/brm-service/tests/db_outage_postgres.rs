//! PostgreSQL goes away while the desk runs, and comes back. On a real server: a second
//! throw-away cluster of its own (scripts/pg-test-cluster.sh start), so stopping it
//! disturbs no other test. The connection monitor runs with short timings; everything
//! else is the product's code path (`brm_store::connect`, `Desk`, `monitor::run`).
//!
//! Runs when the test run has PostgreSQL (BRM_TEST_POSTGRES_URL, which scripts/test.sh
//! sets); without it the test says so and passes, unless BRM_REQUIRE_POSTGRES (or CI)
//! demands PostgreSQL.

mod common;

use brm_core::operator::{OperatorFilter, OperatorInput};
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::health::WRITE_REFUSED;
use brm_service::monitor::{self, MonitorTiming};
use brm_service::{DbState, DbStatus, Desk, HealthEvents};
use brm_store::Backend;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-cluster.sh")
}

/// A cluster of this test's own, removed when dropped.
struct Cluster {
    dir: String,
    url: String,
}

impl Cluster {
    fn start() -> Self {
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .output()
            .expect("run pg-test-cluster.sh");
        assert!(
            out.status.success(),
            "pg-test-cluster.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // export BRM_PG_DIR='…' BRM_TEST_POSTGRES_URL='…'
        let line = String::from_utf8(out.stdout).unwrap();
        let value = |key: &str| {
            let rest = line.split(&format!("{key}='")).nth(1).expect(key);
            rest.split('\'').next().unwrap().to_string()
        };
        Self {
            dir: value("BRM_PG_DIR"),
            url: value("BRM_TEST_POSTGRES_URL"),
        }
    }

    async fn run(&self, action: &'static str) {
        let dir = self.dir.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .arg(script())
                .arg(action)
                .arg(dir)
                .output()
                .expect("run pg-test-cluster.sh")
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "pg-test-cluster.sh {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

fn postgres_available() -> bool {
    if std::env::var_os("BRM_TEST_POSTGRES_URL").is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
        panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
    }
    eprintln!("PostgreSQL outage test skipped: BRM_TEST_POSTGRES_URL is not set");
    false
}

async fn wait_for(events: &mut HealthEvents, state: DbState, within: Duration) -> DbStatus {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = tokio::time::timeout(left, events.next())
            .await
            .unwrap_or_else(|_| panic!("no {state:?} within {within:?}"))
            .expect("health dropped");
        if next.state == state {
            return next;
        }
    }
}

fn operator(name: &str, code: &str) -> OperatorInput {
    OperatorInput {
        name: name.into(),
        code: code.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_goes_away_writes_are_refused_and_it_comes_back_on_the_same_server() {
    if !postgres_available() {
        return;
    }
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let store = brm_store::connect(&cluster.url).await.unwrap();
    let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let token = common::first_admin(&desk).await;
    desk.create_operator(&token, operator("Vivo", "VIVO"))
        .await
        .unwrap();

    let health = desk.health().clone();
    let mut events = health.subscribe();
    let timing = MonitorTiming {
        every: Duration::from_millis(100),
        ping_timeout: Duration::from_secs(2),
        backoff_unit: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(1),
    };
    let watcher = tokio::spawn(monitor::run(desk.store().clone(), health.clone(), timing));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(health.is_up());

    // The server stops: the monitor notices and says so, with a reason and a countdown.
    cluster.run("pause").await;
    let down = wait_for(&mut events, DbState::Down, Duration::from_secs(30)).await;
    assert!(!health.is_up());
    eprintln!("banner while down: {down:?}");
    let reason = down.message.expect("a reason for the banner");
    assert!(!reason.is_empty());
    assert_eq!(
        down.retry_in_secs, 1,
        "the countdown comes with the first event"
    );
    let status = desk.database_status(&token).unwrap();
    assert_eq!(status.state, DbState::Down);
    assert!(status.retry_in_secs <= 1, "{status:?}");

    // A change is refused at once, in Portuguese, and nothing reaches the server.
    let started = Instant::now();
    let e = desk
        .create_operator(&token, operator("Oi", "OI"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500), "fails fast");
    assert_eq!(e.code, ErrorCode::Database);
    assert_eq!(e.message, WRITE_REFUSED);

    // The same server comes back: the monitor reconnects (the pool opens new
    // connections), the banner goes, and a change goes through.
    cluster.run("resume").await;
    wait_for(&mut events, DbState::Ok, Duration::from_secs(60)).await;
    assert!(health.is_up());
    assert_eq!(desk.database_status(&token).unwrap().state, DbState::Ok);
    desk.create_operator(&token, operator("Oi", "OI"))
        .await
        .unwrap();
    watcher.abort();

    // Never switched: the desk still speaks to that PostgreSQL, which holds both
    // operators, the refused attempt not among them.
    assert_eq!(desk.store().backend(), Backend::Postgres);
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM operators ORDER BY name")
        .fetch_all(&sqlx::PgPool::connect(&cluster.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(names, vec!["Oi", "Vivo"]);
    let page = desk
        .list_operators(&token, OperatorFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
}
