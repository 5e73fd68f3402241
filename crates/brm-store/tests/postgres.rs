//! The store contract on a real PostgreSQL server (the throw-away cluster that
//! scripts/test.sh starts and names in BRM_TEST_POSTGRES_URL), one fresh database per
//! test. Without that variable the tests say so and pass, except where the run demands
//! PostgreSQL (CI, or BRM_REQUIRE_POSTGRES), where its absence is a failure.

mod suite;

use brm_store::postgres::PgStore;
use brm_store::Store;
use sqlx::PgPool;
use std::sync::Arc;

async fn fresh_store() -> Option<PgStore> {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
        }
        eprintln!("PostgreSQL tests skipped: BRM_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = PgPool::connect(&url)
        .await
        .expect("connect to the test cluster");
    let name = format!("brm_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    Some(PgStore::connect(&format!("{base}/{name}")).await.unwrap())
}

#[tokio::test]
async fn first_admin_only_once() {
    if let Some(s) = fresh_store().await {
        suite::first_admin_only_once(&s).await;
    }
}

#[tokio::test]
async fn login_failures_lock_and_expire() {
    if let Some(s) = fresh_store().await {
        suite::login_failures_lock_and_expire(&s).await;
    }
}

#[tokio::test]
async fn operators_unique_paged_and_versioned() {
    if let Some(s) = fresh_store().await {
        suite::operators_unique_paged_and_versioned(&s).await;
    }
}

/// Two first-run windows on two desktops at once: exactly one administrator is created.
#[tokio::test]
async fn concurrent_first_admins_create_exactly_one() {
    let Some(s) = fresh_store().await else { return };
    let store: Arc<dyn Store> = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let u = suite::user(&format!("admin{i}@beg.com.br"));
            let ev = brm_core::audit::AuditEvent::new(
                suite::t0(),
                brm_core::audit::Actor::anonymous("teste"),
                "CRIAR",
                "usuario",
            )
            .on(u.id);
            store.create_first_admin(&u, &ev).await.unwrap()
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += t.await.unwrap() as usize;
    }
    assert_eq!(created, 1);
    assert_eq!(store.count_users().await.unwrap(), 1);
    assert_eq!(
        store.audit_trail("usuario", None, 10).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn audit_trail_is_append_only() {
    let Some(s) = fresh_store().await else { return };
    let op = suite::operator("Vivo", "VIVO");
    let ev = brm_core::audit::AuditEvent::new(
        suite::t0(),
        brm_core::audit::Actor::anonymous("t"),
        "CRIAR",
        "operadora",
    )
    .on(op.id);
    s.insert_operator(&op, &ev).await.unwrap();
    let upd = sqlx::query("UPDATE audit_events SET action = 'X'")
        .execute(s.pool())
        .await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM audit_events")
        .execute(s.pool())
        .await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
}
