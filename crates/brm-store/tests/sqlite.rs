//! The store contract on SQLite, plus what only the embedded file database promises:
//! WAL, foreign keys, append-only audit and data that survives reopening.

mod suite;

use brm_store::sqlite::SqliteStore;
use brm_store::Store;
use sqlx::SqlitePool;

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn first_admin_only_once(pool: SqlitePool) {
    suite::first_admin_only_once(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn login_failures_lock_and_expire(pool: SqlitePool) {
    suite::login_failures_lock_and_expire(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn operators_unique_paged_and_versioned(pool: SqlitePool) {
    suite::operators_unique_paged_and_versioned(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn clients_unique_searchable_and_password_write_only(pool: SqlitePool) {
    suite::domain::clients_unique_searchable_and_password_write_only(&SqliteStore::from_pool(pool))
        .await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn import_is_all_or_nothing(pool: SqlitePool) {
    suite::domain::import_is_all_or_nothing(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn month_creation_is_idempotent_and_lists_filter(pool: SqlitePool) {
    suite::domain::month_creation_is_idempotent_and_lists_filter(&SqliteStore::from_pool(pool))
        .await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn execution_logs_are_never_duplicated(pool: SqlitePool) {
    suite::domain::execution_logs_are_never_duplicated(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn last_active_admin_cannot_be_removed(pool: SqlitePool) {
    suite::domain::last_active_admin_cannot_be_removed(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn settings_round_trip_with_audit(pool: SqlitePool) {
    suite::domain::settings_round_trip_with_audit(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn value_sources_round_trip(pool: SqlitePool) {
    suite::domain::value_sources_round_trip(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn client_history_newest_first_and_limited(pool: SqlitePool) {
    suite::domain::client_history_newest_first_and_limited(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn claims_follow_due_rules(pool: SqlitePool) {
    suite::robot_work::claims_follow_due_rules(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn claims_oldest_due_first_within_caps(pool: SqlitePool) {
    suite::robot_work::claims_oldest_due_first_within_caps(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn poll_claims_respect_leases(pool: SqlitePool) {
    suite::robot_work::poll_claims_respect_leases(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn claims_skip_what_the_worker_leaves_to_others(pool: SqlitePool) {
    suite::robot_work::claims_skip_what_the_worker_leaves_to_others(&SqliteStore::from_pool(pool))
        .await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_clean_stop_hands_leases_back(pool: SqlitePool) {
    suite::robot_work::a_clean_stop_hands_leases_back(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn unconfirmed_creates_hold_their_queue(pool: SqlitePool) {
    suite::robot_work::unconfirmed_creates_hold_their_queue(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn execution_outcomes_are_all_or_nothing(pool: SqlitePool) {
    suite::robot_work::execution_outcomes_are_all_or_nothing(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn executions_list_filters_and_detail(pool: SqlitePool) {
    suite::robot_work::executions_list_filters_and_detail(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn schedules_are_versioned_and_advance_once(pool: SqlitePool) {
    suite::robot_work::schedules_are_versioned_and_advance_once(&SqliteStore::from_pool(pool))
        .await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn purge_removes_logs_of_finished_executions(pool: SqlitePool) {
    suite::robot_work::purge_removes_logs_of_finished_executions(&SqliteStore::from_pool(pool))
        .await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn backup_copies_or_refuses(pool: SqlitePool) {
    suite::robot_work::backup_copies_or_refuses(&SqliteStore::from_pool(pool)).await;
}

/// Two desktops on one file: two pools of their own, as two copies of the application
/// would open it.
async fn two_desktops() -> (tempfile::TempDir, SqliteStore, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("brm.sqlite3").display());
    let a = SqliteStore::connect(&url).await.unwrap();
    let b = SqliteStore::connect(&url).await.unwrap();
    (dir, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_take_each_process_once() {
    let (_dir, a, b) = two_desktops().await;
    suite::robot_work::concurrent_claims_take_each_process_once(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_hold_the_caps() {
    let (_dir, a, b) = two_desktops().await;
    suite::robot_work::concurrent_claims_hold_the_caps(&a, &b).await;
}

#[tokio::test]
async fn file_database_is_wal_with_foreign_keys_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    // A folder that does not exist yet, as on first start.
    let path = dir.path().join("dados/novo/brm.sqlite3");
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let op = suite::operator("Vivo", "VIVO");
    let ev = brm_core::audit::AuditEvent::new(
        suite::t0(),
        brm_core::audit::Actor::anonymous("t"),
        "CRIAR",
        "operadora",
    )
    .on(op.id);
    store.insert_operator(&op, &ev).await.unwrap();
    // The audit trail refuses edits and deletes, even through plain SQL.
    let upd = sqlx::query("UPDATE audit_events SET action = 'X'")
        .execute(store.pool())
        .await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM audit_events")
        .execute(store.pool())
        .await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    // A foreign key that points nowhere is refused.
    let bad = sqlx::query("INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity) VALUES ('x', 'y', 'nobody', 'n', 'a', 'e')")
        .execute(store.pool())
        .await;
    assert!(bad.unwrap_err().to_string().contains("FOREIGN KEY"));
    store.pool().close().await;

    // Reopening runs migrations again (a no-op) and finds the data.
    let again = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(again.operator_by_id(op.id).await.unwrap().unwrap(), op);
}

#[tokio::test]
async fn unopenable_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("arquivo");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let url = format!("sqlite://{}/brm.sqlite3", blocker.display());
    let err = SqliteStore::connect(&url).await.unwrap_err();
    let msg = brm_core::Error::from(err).message;
    assert!(
        msg.starts_with("Não foi possível acessar o banco de dados"),
        "{msg}"
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn change_feed_records_writes(pool: SqlitePool) {
    suite::live::change_feed_records_writes(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn dashboard_aggregates(pool: SqlitePool) {
    suite::live::dashboard_aggregates(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn alert_candidates_and_details(pool: SqlitePool) {
    suite::alerts::alert_candidates_and_details(&SqliteStore::from_pool(pool)).await;
}

/// Two app instances on one file: the second one's feed loop (polling) sees the first
/// one's write within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_reaches_another_desktop_on_one_file() {
    let (_dir, a, b) = two_desktops().await;
    let latency =
        suite::live::feed_reaches_another_desktop(std::sync::Arc::new(a), std::sync::Arc::new(b))
            .await;
    println!("SQLite change feed latency (polling, two pools on one file): {latency:?}");
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn legacy_import_is_one_transaction(pool: SqlitePool) {
    suite::legacy::legacy_import_is_one_transaction(&SqliteStore::from_pool(pool)).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn robot_machines_register_decide_and_reseal(pool: SqlitePool) {
    suite::robot_machines::robot_machines_register_decide_and_reseal(&SqliteStore::from_pool(pool))
        .await;
}

/// The e-mail cases (suite/email.rs lists them once for every backend).
macro_rules! on_sqlite {
    ($($name:ident => $case:path;)*) => {$(
        #[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
        async fn $name(pool: SqlitePool) {
            $case(&SqliteStore::from_pool(pool)).await;
        }
    )*};
}
suite::email::cases!(on_sqlite);

/// Two desktops on one file claim the outbox at once: each message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_concurrent_claims_take_each_message_once() {
    let (_dir, a, b) = two_desktops().await;
    suite::email::concurrent_claims_take_each_message_once(
        std::sync::Arc::new(a),
        std::sync::Arc::new(b),
    )
    .await;
}
