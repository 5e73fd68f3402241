//! Every schedule kind the code knows can be saved, on SQLite and on PostgreSQL: the
//! database's CHECK on `schedules.kind` and `ScheduleKind::ALL` are one list. (Issue 21
//! added two kinds; without the migration that widens the CHECK, the e-mail schedules
//! were refused at every start and nothing was ever planned.)

use brm_core::audit::{Actor, AuditEvent};
use brm_core::schedule::{Schedule, ScheduleKind};
use brm_store::Store;
use chrono::Utc;
use uuid::Uuid;

async fn every_kind_saves(store: &dyn Store) {
    let now = Utc::now();
    for kind in ScheduleKind::ALL {
        let s = Schedule {
            id: Uuid::new_v4(),
            name: format!("agenda {}", kind.as_str()),
            cron: "0 * * * *".into(),
            kind: *kind,
            operator_id: None,
            active: true,
            next_run_at: None,
            last_run_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = AuditEvent::new(
            now,
            Actor::anonymous("teste"),
            "CRIAR_AGENDAMENTO",
            "agendamento",
        );
        store
            .save_schedule(&s, None, &ev)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", kind.as_str()));
    }
    let saved = store.list_schedules().await.unwrap();
    assert_eq!(saved.len(), ScheduleKind::ALL.len());
}

#[tokio::test]
async fn every_kind_saves_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = brm_store::connect(&format!(
        "sqlite:{}",
        dir.path().join("k.sqlite3").display()
    ))
    .await
    .unwrap();
    every_kind_saves(&*store).await;
}

#[tokio::test]
async fn every_kind_saves_on_postgres() {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
        }
        eprintln!("PostgreSQL tests skipped: BRM_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let name = format!("brm_kinds_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = brm_store::connect(&format!("{base}/{name}")).await.unwrap();
    every_kind_saves(&*store).await;
}
