//! The store contract on a real PostgreSQL server (the throw-away cluster that
//! scripts/test.sh starts and names in BRM_TEST_POSTGRES_URL), one fresh database per
//! test. Without that variable the tests say so and pass, except where the run demands
//! PostgreSQL (CI, or BRM_REQUIRE_POSTGRES), where its absence is a failure.

mod suite;

use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::process::{cents_to_string, Process, ProcessFilter, Transition};
use brm_core::user::User;
use brm_core::{ErrorCode, Role};
use brm_store::postgres::PgStore;
use brm_store::{ClientWrite, MonthRequest, PasswordWrite, Store, StoreError};
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// A fresh, empty database on the test cluster, by URL (so a test can open it twice).
async fn fresh_url() -> Option<String> {
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
    Some(format!("{base}/{name}"))
}

async fn fresh_store() -> Option<PgStore> {
    let url = fresh_url().await?;
    Some(PgStore::connect(&url).await.unwrap())
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

#[tokio::test]
async fn clients_unique_searchable_and_password_write_only() {
    if let Some(s) = fresh_store().await {
        suite::domain::clients_unique_searchable_and_password_write_only(&s).await;
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    if let Some(s) = fresh_store().await {
        suite::domain::import_is_all_or_nothing(&s).await;
    }
}

#[tokio::test]
async fn month_creation_is_idempotent_and_lists_filter() {
    if let Some(s) = fresh_store().await {
        suite::domain::month_creation_is_idempotent_and_lists_filter(&s).await;
    }
}

#[tokio::test]
async fn value_sources_round_trip() {
    if let Some(s) = fresh_store().await {
        suite::domain::value_sources_round_trip(&s).await;
    }
}

#[tokio::test]
async fn client_history_newest_first_and_limited() {
    if let Some(s) = fresh_store().await {
        suite::domain::client_history_newest_first_and_limited(&s).await;
    }
}

#[tokio::test]
async fn execution_logs_are_never_duplicated() {
    if let Some(s) = fresh_store().await {
        suite::domain::execution_logs_are_never_duplicated(&s).await;
    }
}

#[tokio::test]
async fn last_active_admin_cannot_be_removed() {
    if let Some(s) = fresh_store().await {
        suite::domain::last_active_admin_cannot_be_removed(&s).await;
    }
}

#[tokio::test]
async fn settings_round_trip_with_audit() {
    if let Some(s) = fresh_store().await {
        suite::domain::settings_round_trip_with_audit(&s).await;
    }
}

#[tokio::test]
async fn claims_follow_due_rules() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::claims_follow_due_rules(&s).await;
    }
}

#[tokio::test]
async fn claims_oldest_due_first_within_caps() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::claims_oldest_due_first_within_caps(&s).await;
    }
}

#[tokio::test]
async fn claims_skip_what_the_worker_leaves_to_others() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::claims_skip_what_the_worker_leaves_to_others(&s).await;
    }
}

#[tokio::test]
async fn a_clean_stop_hands_leases_back() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::a_clean_stop_hands_leases_back(&s).await;
    }
}

#[tokio::test]
async fn unconfirmed_creates_hold_their_queue() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::unconfirmed_creates_hold_their_queue(&s).await;
    }
}

#[tokio::test]
async fn poll_claims_respect_leases() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::poll_claims_respect_leases(&s).await;
    }
}

#[tokio::test]
async fn execution_outcomes_are_all_or_nothing() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::execution_outcomes_are_all_or_nothing(&s).await;
    }
}

#[tokio::test]
async fn executions_list_filters_and_detail() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::executions_list_filters_and_detail(&s).await;
    }
}

#[tokio::test]
async fn schedules_are_versioned_and_advance_once() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::schedules_are_versioned_and_advance_once(&s).await;
    }
}

#[tokio::test]
async fn purge_removes_logs_of_finished_executions() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::purge_removes_logs_of_finished_executions(&s).await;
    }
}

#[tokio::test]
async fn backup_copies_or_refuses() {
    if let Some(s) = fresh_store().await {
        suite::robot_work::backup_copies_or_refuses(&s).await;
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

fn ev(action: &str, entity: &str, id: Uuid) -> AuditEvent {
    AuditEvent::new(suite::t0(), Actor::anonymous("teste"), action, entity).on(id)
}

/// Two desktops, two pools, one database: the second store is opened like a second
/// copy of the application would open it.
async fn two_desktops() -> Option<(PgStore, PgStore)> {
    let url = fresh_url().await?;
    let a = PgStore::connect(&url).await.unwrap();
    let b = PgStore::connect(&url).await.unwrap();
    Some((a, b))
}

/// Waits until `n` sessions of this database are blocked on a lock, so a race is a race
/// every run and not only when the scheduler happens to interleave the two requests.
async fn until_waiting_on_locks(pool: &PgPool, n: i64) {
    for _ in 0..500 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{n} sessions never waited on a lock");
}

/// One process waiting for approval, created through the store like the application does.
async fn process_awaiting_approval(store: &dyn Store) -> Process {
    let op = suite::operator("Vivo", "VIVO");
    store
        .insert_operator(&op, &ev(action::CRIAR, "operadora", op.id))
        .await
        .unwrap();
    let c = suite::domain::client("h1", "Alfa Ltda", "10141561000164", op.id);
    store
        .insert_client(
            &ClientWrite {
                client: c.clone(),
                password: PasswordWrite::Keep,
            },
            &ev(action::CRIAR, "cliente", c.id),
        )
        .await
        .unwrap();
    let month = MonthRequest {
        month: "2026-11".into(),
        operator_id: None,
        created_by: None,
        auto: false,
        now: suite::t0(),
    };
    let r = store
        .create_month_processes(
            &month,
            &AuditEvent::new(suite::t0(), Actor::anonymous("teste"), "CRIAR", "processo"),
        )
        .await
        .unwrap();
    assert_eq!(r.created, 1);
    let row = store
        .list_processes(&ProcessFilter {
            page_size: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let mut p = store.process_by_id(row.id).await.unwrap().unwrap();
    p.status = p.status.apply(Transition::ManualUpload).unwrap();
    p.invoice_sha256 = Some("b".repeat(64));
    p.version += 1;
    let uploaded = ev(Transition::ManualUpload.action(), "processo", p.id);
    assert!(store
        .update_process(&p, p.version - 1, &uploaded)
        .await
        .unwrap());
    p
}

/// Two approvers on two desktops approve the same invoice at the same instant with the
/// same version in hand: one wins, the other is told it changed, one APROVAR is stored.
#[tokio::test]
async fn concurrent_approvals_from_two_desktops_have_one_winner() {
    let Some((s1, s2)) = two_desktops().await else {
        return;
    };
    let p = process_awaiting_approval(&s1).await;
    let approve = |note: &str| {
        let mut a = p.clone();
        a.status = a.status.apply(Transition::Approve).unwrap();
        a.approved_at = Some(suite::t0() + chrono::Duration::minutes(5));
        a.notes = Some(note.into());
        a.version = p.version + 1;
        a
    };
    let (a, b) = (approve("desktop 1"), approve("desktop 2"));
    let audit = |id| ev(Transition::Approve.action(), "processo", id);
    let (ea, eb) = (audit(a.id), audit(b.id));

    // A third session holds the row, so both updates are in flight and waiting on it
    // when it lets go.
    let mut gate = s1.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM processes WHERE id = $1 FOR UPDATE")
        .bind(p.id)
        .execute(&mut *gate)
        .await
        .unwrap();
    let release = async {
        until_waiting_on_locks(s1.pool(), 2).await;
        gate.commit().await.unwrap();
    };
    let (ra, rb, ()) = tokio::join!(
        s1.update_process(&a, p.version, &ea),
        s2.update_process(&b, p.version, &eb),
        release
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra ^ rb, "exactly one approval must win: {ra} {rb}");

    let stored = s2.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(stored, if ra { a } else { b });
    let approvals = s1
        .audit_trail("processo", Some(p.id), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Transition::Approve.action())
        .count();
    assert_eq!(approvals, 1);
}

/// Two administrators on two desktops each demote one of the last two administrators
/// at once. Without the row locks both would see the other
/// one still in charge and commit; with them one waits, sees it would be the last, and
/// is refused.
#[tokio::test]
async fn concurrent_demotions_of_the_last_two_admins_leave_one() {
    let Some((s1, s2)) = two_desktops().await else {
        return;
    };
    let ana = suite::user("ana@empresa.com.br");
    assert!(s1
        .create_first_admin(&ana, &ev(action::CRIAR, "usuario", ana.id))
        .await
        .unwrap());
    let mut bia = suite::user("bia@empresa.com.br");
    bia.full_name = "Bia Admin".into();
    s1.insert_user(&bia, &ev(action::CRIAR, "usuario", bia.id))
        .await
        .unwrap();

    let demote = |u: &User| {
        let mut d = u.clone();
        d.role = Role::Aprovador;
        d.updated_at = suite::t0() + chrono::Duration::minutes(1);
        d
    };
    let (ana2, bia2) = (demote(&ana), demote(&bia));
    let (ea, eb) = (
        ev(action::ALTERAR, "usuario", ana.id),
        ev(action::ALTERAR, "usuario", bia.id),
    );

    let mut gate = s1.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM users FOR UPDATE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let release = async {
        until_waiting_on_locks(s1.pool(), 2).await;
        gate.commit().await.unwrap();
    };
    let (ra, rb, ()) = tokio::join!(
        s1.update_user(&ana2, &ea),
        s2.update_user(&bia2, &eb),
        release
    );
    let refused = |r: &Result<(), StoreError>| match r {
        Err(StoreError::Refused(e)) => {
            assert_eq!(e.code, ErrorCode::Conflict);
            assert!(e.message.contains("último administrador"), "{}", e.message);
            true
        }
        Ok(()) => false,
        Err(other) => panic!("unexpected error: {other:?}"),
    };
    assert!(
        refused(&ra) ^ refused(&rb),
        "exactly one demotion must be refused: {ra:?} {rb:?}"
    );

    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'ADMINISTRADOR' AND active")
            .fetch_one(s2.pool())
            .await
            .unwrap();
    assert_eq!(admins, 1);
    let changes = s1
        .audit_trail("usuario", None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action::ALTERAR)
        .count();
    assert_eq!(changes, 1, "only the demotion that happened is audited");
}

/// numeric(14,2) holds whole cents exactly, from one cent to the column's largest value,
/// negative credits included; no float ever carries them.
#[tokio::test]
async fn money_round_trips_exactly_through_numeric() {
    let Some(s) = fresh_store().await else { return };
    let mut p = process_awaiting_approval(&s).await;
    for cents in [
        Some(1),
        Some(10),
        Some(-250),
        Some(99_999_999_999_999),
        None,
    ] {
        let expected = p.version;
        p.amount_cents = cents;
        p.version += 1;
        let e = ev(action::ALTERAR, "processo", p.id);
        assert!(s.update_process(&p, expected, &e).await.unwrap());
        let back = s.process_by_id(p.id).await.unwrap().unwrap();
        assert_eq!(back.amount_cents, cents);
        let row = s.process_row(p.id).await.unwrap().unwrap();
        assert_eq!(row.amount, cents.map(cents_to_string));
        // And the column holds the decimal value itself, for reports that read SQL.
        let stored: Option<String> =
            sqlx::query_scalar("SELECT amount::text FROM processes WHERE id = $1")
                .bind(p.id)
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert_eq!(stored, cents.map(cents_to_string));
    }
}

/// Two desktops claim 200 due processes, 7 at a time, as fast as they can: each process
/// is claimed once (the advisory lock and `FOR UPDATE SKIP LOCKED` at work).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_take_each_process_once() {
    let Some((a, b)) = two_desktops().await else {
        return;
    };
    suite::robot_work::concurrent_claims_take_each_process_once(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_hold_the_caps() {
    let Some((a, b)) = two_desktops().await else {
        return;
    };
    suite::robot_work::concurrent_claims_hold_the_caps(&a, &b).await;
}

#[tokio::test]
async fn change_feed_records_writes() {
    if let Some(s) = fresh_store().await {
        suite::live::change_feed_records_writes(&s).await;
    }
}

#[tokio::test]
async fn dashboard_aggregates() {
    if let Some(s) = fresh_store().await {
        suite::live::dashboard_aggregates(&s).await;
    }
}

#[tokio::test]
async fn alert_candidates_and_details() {
    if let Some(s) = fresh_store().await {
        suite::alerts::alert_candidates_and_details(&s).await;
    }
}

/// Two desktops on one server (two pools of their own): the second one's feed loop,
/// woken by LISTEN/NOTIFY, sees the first one's write within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_reaches_another_desktop() {
    let Some(url) = fresh_url().await else {
        return;
    };
    let a: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
    let latency = suite::live::feed_reaches_another_desktop(a, b).await;
    println!("PostgreSQL change feed latency (LISTEN/NOTIFY, two pools): {latency:?}");
}

#[tokio::test]
async fn legacy_import_is_one_transaction() {
    if let Some(s) = fresh_store().await {
        suite::legacy::legacy_import_is_one_transaction(&s).await;
    }
}

#[tokio::test]
async fn robot_machines_register_decide_and_reseal() {
    if let Some(s) = fresh_store().await {
        suite::robot_machines::robot_machines_register_decide_and_reseal(&s).await;
    }
}

/// The e-mail cases (suite/email.rs lists them once for every backend).
macro_rules! on_postgres {
    ($($name:ident => $case:path;)*) => {$(
        #[tokio::test]
        async fn $name() {
            if let Some(s) = fresh_store().await {
                $case(&s).await;
            }
        }
    )*};
}
suite::email::cases!(on_postgres);

/// Two robot machines (two pools of their own), two claimers each, on one outbox: every
/// message is claimed exactly once (`FOR UPDATE SKIP LOCKED` at work).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_concurrent_claims_take_each_message_once() {
    let Some((a, b)) = two_desktops().await else {
        return;
    };
    suite::email::concurrent_claims_take_each_message_once(Arc::new(a), Arc::new(b)).await;
}
