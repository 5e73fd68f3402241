//! The store contract with every read made as a person's own login (issue 17: "the
//! contract suite runs on PostgreSQL as a non-owner person role"). On a database prepared
//! by "Preparar o banco compartilhado", each test's writes go through the owner's
//! connection (as the robot machines, the decision functions and the month's work would
//! have left the rows; a person may not write as another actor, by design), and every
//! read the desk makes goes through an OPERADOR's own login, the least-privileged
//! profile, with the columns that login may see (`PgStore::for_person`). So a read that
//! needs a privilege the profiles lack, or a column they may not see, fails here.
//!
//! Left out, on purpose: the two tests about the password hash, the failure count and
//! the lock (a person's login may not read them; the login goes through the database's
//! own gate, tests in brm-service's shared_desk.rs and shared_people.rs), the SQLite-only
//! backup, and "the last active administrator" (it starts from an empty users table; on
//! the shared database the rule is brm_set_profile's and brm_set_active's, attacked in
//! brm-service's shared_attacks.rs).

// Some of the suite is left out here (see above).
#[allow(dead_code)]
mod suite;

use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::client::{Client, ClientFilter};
use brm_core::dashboard::OperatorMonth;
use brm_core::email::plan::{Recipient, ReminderSent};
use brm_core::email::{EmailOutcome, EmailPreference, OutboxFilter, OutboxMessage};
use brm_core::execution::{Execution, ExecutionFilter, ExecutionRow, LogLine};
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::process::{MonthCreation, Process, ProcessFilter, ProcessRow, StatusCounts};
use brm_core::robot_machine::{
    MachineHello, MachineStatus, Reseal, RobotMachine, StorageMarker, StoredPassword,
};
use brm_core::schedule::Schedule;
use brm_core::user::{User, UserFilter};
use brm_store::postgres::{shared, PgStore};
use brm_store::{
    legacy, AlertCandidate, AlertDetail, Backend, Change, ChangeListener, ClaimedWork, ClientWrite,
    ExecutionOutcome, HistoryEntry, ImportWrite, LoginFailure, MonthRequest, OperatorConflicts,
    PollClaim, QueueQuery, ServerInfo, Store, StoreResult, WorkClaim,
};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use std::str::FromStr;
use uuid::Uuid;

/// Writes as the owner, reads as the person.
struct ReadsAsPerson {
    owner: PgStore,
    reader: PgStore,
}

/// A fresh prepared database of the TLS test cluster, and an OPERADOR's own login to it.
async fn split() -> Option<ReadsAsPerson> {
    let (Ok(url), Ok(ca)) = (
        std::env::var("BRM_TEST_PG_OWNER_URL"),
        std::env::var("BRM_TEST_PG_CA"),
    ) else {
        if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_PG_OWNER_URL is not set: run through scripts/test.sh");
        }
        eprintln!("skipped: the TLS test cluster is not set");
        return None;
    };
    brm_store::postgres::tls::ensure_crypto_provider();
    let base = PgConnectOptions::from_str(&url)
        .unwrap()
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(ca);
    let maintenance = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone())
        .await
        .unwrap();
    let database = format!("brm_reads_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&maintenance)
        .await
        .unwrap();
    maintenance.close().await;
    let options = base.database(&database);
    let owner = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await
        .unwrap();
    shared::prepare(&owner).await.unwrap();
    // The preparation seeds the two e-mail schedules; the contract starts from an empty
    // registry (its schedule case lists exactly what it saved).
    sqlx::query("DELETE FROM schedules")
        .execute(&owner)
        .await
        .unwrap();
    let password = "senha-do-operador-1";
    let role: String = sqlx::query_scalar(
        "SELECT brm_create_person(gen_random_uuid(), 'caio@beg.com.br', 'Caio Operador', NULL, 'OPERADOR', $1, NULL)",
    )
    .bind(shared::scram_verifier(password))
    .fetch_one(&owner)
    .await
    .unwrap();
    let person = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.username(&role).password(password))
        .await
        .unwrap();
    let me: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(&person)
        .await
        .unwrap();
    assert_eq!(me, role);
    Some(ReadsAsPerson {
        owner: PgStore::from_pool(owner),
        reader: PgStore::for_person(person),
    })
}

macro_rules! as_person {
    ($($name:ident => $suite:path;)*) => {$(
        #[tokio::test]
        async fn $name() {
            if let Some(s) = split().await {
                $suite(&s).await;
            }
        }
    )*};
}

as_person! {
    operators_unique_paged_and_versioned => suite::operators_unique_paged_and_versioned;
    clients_unique_searchable_and_password_write_only => suite::domain::clients_unique_searchable_and_password_write_only;
    import_is_all_or_nothing => suite::domain::import_is_all_or_nothing;
    month_creation_is_idempotent_and_lists_filter => suite::domain::month_creation_is_idempotent_and_lists_filter;
    value_sources_round_trip => suite::domain::value_sources_round_trip;
    client_history_newest_first_and_limited => suite::domain::client_history_newest_first_and_limited;
    execution_logs_are_never_duplicated => suite::domain::execution_logs_are_never_duplicated;
    settings_round_trip_with_audit => suite::domain::settings_round_trip_with_audit;
    claims_follow_due_rules => suite::robot_work::claims_follow_due_rules;
    claims_oldest_due_first_within_caps => suite::robot_work::claims_oldest_due_first_within_caps;
    poll_claims_respect_leases => suite::robot_work::poll_claims_respect_leases;
    execution_outcomes_are_all_or_nothing => suite::robot_work::execution_outcomes_are_all_or_nothing;
    executions_list_filters_and_detail => suite::robot_work::executions_list_filters_and_detail;
    schedules_are_versioned_and_advance_once => suite::robot_work::schedules_are_versioned_and_advance_once;
    purge_removes_logs_of_finished_executions => suite::robot_work::purge_removes_logs_of_finished_executions;
    change_feed_records_writes => suite::live::change_feed_records_writes;
    dashboard_aggregates => suite::live::dashboard_aggregates;
    alert_candidates_and_details => suite::alerts::alert_candidates_and_details;
    legacy_import_is_one_transaction => suite::legacy::legacy_import_is_one_transaction;
}
// The e-mail cases: the outbox, the reminders and the preferences read as the OPERADOR.
suite::email::cases!(as_person);

/// The reads of people and of the server a person's desk makes: they work under the
/// profile's grants, without the hash, the failure count or the lock. The same reads
/// with every column (as the store read them before personal logins) are refused.
#[tokio::test]
async fn people_and_the_server_are_read_without_what_a_person_may_not_see() {
    let Some(s) = split().await else { return };
    let found = s
        .reader
        .user_by_email("caio@beg.com.br")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.full_name, "Caio Operador");
    assert_eq!(
        (
            found.password_hash.as_str(),
            found.failed_logins,
            found.locked_until
        ),
        ("", 0, None)
    );
    assert_eq!(
        s.reader.user_by_id(found.id).await.unwrap().unwrap().id,
        found.id
    );
    assert_eq!(
        s.reader
            .list_users(&UserFilter::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(s.reader.count_users().await.unwrap(), 1);
    let info = s.reader.server_info().await.unwrap();
    assert!(info.migration.is_some() && info.security.is_some_and(|c| c.encrypted));

    let every_column = PgStore::from_pool(s.reader.pool().clone());
    let refused = every_column.user_by_id(found.id).await.unwrap_err();
    assert!(
        refused.to_string().contains("permission denied"),
        "{refused}"
    );
}

#[async_trait]
impl Store for ReadsAsPerson {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn count_users(&self) -> StoreResult<i64> {
        self.reader.count_users().await
    }

    async fn create_first_admin(&self, user: &User, audit: &AuditEvent) -> StoreResult<bool> {
        self.owner.create_first_admin(user, audit).await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.reader.user_by_email(email).await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.reader.user_by_id(id).await
    }

    async fn record_login_success(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.owner.record_login_success(user_id, at, audit).await
    }

    async fn record_login_failure(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        max_failed: i64,
        lock_until: DateTime<Utc>,
        failure: &AuditEvent,
        lockout: &AuditEvent,
    ) -> StoreResult<LoginFailure> {
        self.owner
            .record_login_failure(user_id, at, max_failed, lock_until, failure, lockout)
            .await
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        self.owner.append_audit(event).await
    }

    async fn audit_trail(
        &self,
        entity: &str,
        entity_id: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.reader.audit_trail(entity, entity_id, limit).await
    }

    async fn list_operators(&self, filter: &OperatorFilter) -> StoreResult<Page<Operator>> {
        self.reader.list_operators(filter).await
    }

    async fn operator_by_id(&self, id: Uuid) -> StoreResult<Option<Operator>> {
        self.reader.operator_by_id(id).await
    }

    async fn operator_conflicts(
        &self,
        name_key: &str,
        code: &str,
        except: Option<Uuid>,
    ) -> StoreResult<OperatorConflicts> {
        self.reader.operator_conflicts(name_key, code, except).await
    }

    async fn insert_operator(&self, op: &Operator, audit: &AuditEvent) -> StoreResult<()> {
        self.owner.insert_operator(op, audit).await
    }

    async fn update_operator(
        &self,
        op: &Operator,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner
            .update_operator(op, expected_version, audit)
            .await
    }

    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Page<User>> {
        self.reader.list_users(filter).await
    }

    async fn insert_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()> {
        self.owner.insert_user(user, audit).await
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()> {
        self.owner.update_user(user, audit).await
    }

    async fn list_clients(&self, filter: &ClientFilter) -> StoreResult<Page<Client>> {
        self.reader.list_clients(filter).await
    }

    async fn client_by_id(&self, id: Uuid) -> StoreResult<Option<Client>> {
        self.reader.client_by_id(id).await
    }

    async fn clients_with_hash(&self) -> StoreResult<Vec<Client>> {
        self.reader.clients_with_hash().await
    }

    async fn client_sealed_password(&self, id: Uuid) -> StoreResult<Option<String>> {
        self.reader.client_sealed_password(id).await
    }

    async fn insert_client(&self, client: &ClientWrite, audit: &AuditEvent) -> StoreResult<()> {
        self.owner.insert_client(client, audit).await
    }

    async fn update_client(
        &self,
        client: &ClientWrite,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner
            .update_client(client, expected_version, audit)
            .await
    }

    async fn import_clients(&self, rows: &[ImportWrite], summary: &AuditEvent) -> StoreResult<()> {
        self.owner.import_clients(rows, summary).await
    }

    async fn create_month_processes(
        &self,
        request: &MonthRequest,
        audit: &AuditEvent,
    ) -> StoreResult<MonthCreation> {
        self.owner.create_month_processes(request, audit).await
    }

    async fn list_processes(&self, filter: &ProcessFilter) -> StoreResult<Page<ProcessRow>> {
        self.reader.list_processes(filter).await
    }

    async fn process_by_id(&self, id: Uuid) -> StoreResult<Option<Process>> {
        self.reader.process_by_id(id).await
    }

    async fn process_row(&self, id: Uuid) -> StoreResult<Option<ProcessRow>> {
        self.reader.process_row(id).await
    }

    async fn update_process(
        &self,
        process: &Process,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner
            .update_process(process, expected_version, audit)
            .await
    }

    async fn client_history(&self, client_id: Uuid, limit: i64) -> StoreResult<Vec<Process>> {
        self.reader.client_history(client_id, limit).await
    }

    async fn status_counts(&self, month: Option<&str>) -> StoreResult<StatusCounts> {
        self.reader.status_counts(month).await
    }

    async fn approval_queue(
        &self,
        query: &QueueQuery,
    ) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)> {
        self.reader.approval_queue(query).await
    }

    async fn invoice_history(
        &self,
        client_ids: &[Uuid],
        since_month: Option<&str>,
    ) -> StoreResult<Vec<HistoryEntry>> {
        self.reader.invoice_history(client_ids, since_month).await
    }

    async fn alert_candidates(&self) -> StoreResult<Vec<AlertCandidate>> {
        self.reader.alert_candidates().await
    }

    async fn alert_details(&self, ids: &[Uuid]) -> StoreResult<Vec<AlertDetail>> {
        self.reader.alert_details(ids).await
    }

    async fn insert_execution(&self, execution: &Execution) -> StoreResult<()> {
        self.owner.insert_execution(execution).await
    }

    async fn append_execution_logs(
        &self,
        execution_id: Uuid,
        lines: &[LogLine],
    ) -> StoreResult<u64> {
        self.owner.append_execution_logs(execution_id, lines).await
    }

    async fn executions_of(&self, process_id: Uuid) -> StoreResult<Vec<(Execution, Vec<LogLine>)>> {
        self.reader.executions_of(process_id).await
    }

    async fn list_executions(&self, filter: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>> {
        self.reader.list_executions(filter).await
    }

    async fn execution_detail(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>> {
        self.reader.execution_detail(id).await
    }

    async fn claim_robot_work(&self, claim: &WorkClaim) -> StoreResult<Vec<ClaimedWork>> {
        self.owner.claim_robot_work(claim).await
    }

    async fn claim_open_executions(&self, claim: &PollClaim) -> StoreResult<Vec<Execution>> {
        self.owner.claim_open_executions(claim).await
    }

    async fn release_leases(&self, owner: &str) -> StoreResult<u64> {
        self.owner.release_leases(owner).await
    }

    async fn executions_without_job(&self) -> StoreResult<Vec<(Execution, Uuid)>> {
        self.owner.executions_without_job().await
    }

    async fn known_job_ids(&self, job_ids: &[String]) -> StoreResult<Vec<String>> {
        self.owner.known_job_ids(job_ids).await
    }

    async fn save_execution(&self, execution: &Execution) -> StoreResult<()> {
        self.owner.save_execution(execution).await
    }

    async fn finish_execution(&self, outcome: &ExecutionOutcome) -> StoreResult<bool> {
        self.owner.finish_execution(outcome).await
    }

    async fn purge_execution_logs(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.owner.purge_execution_logs(before).await
    }

    async fn list_schedules(&self) -> StoreResult<Vec<Schedule>> {
        self.reader.list_schedules().await
    }

    async fn save_schedule(
        &self,
        schedule: &Schedule,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner
            .save_schedule(schedule, expected_version, audit)
            .await
    }

    async fn delete_schedule(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<bool> {
        self.owner.delete_schedule(id, audit).await
    }

    async fn advance_schedule(
        &self,
        id: Uuid,
        expected_next: Option<DateTime<Utc>>,
        last_run: DateTime<Utc>,
        next_run: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        self.owner
            .advance_schedule(id, expected_next, last_run, next_run)
            .await
    }

    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()> {
        self.owner.backup_into(path).await
    }

    async fn latest_change_seq(&self) -> StoreResult<i64> {
        self.reader.latest_change_seq().await
    }

    async fn changes_since(&self, seq: i64, limit: i64) -> StoreResult<Vec<Change>> {
        self.reader.changes_since(seq, limit).await
    }

    async fn prune_change_feed(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.owner.prune_change_feed(before).await
    }

    async fn change_listener(&self) -> StoreResult<Option<ChangeListener>> {
        self.reader.change_listener().await
    }

    async fn process_months(&self) -> StoreResult<Vec<String>> {
        self.reader.process_months().await
    }

    async fn operator_month(&self, month: &str) -> StoreResult<Vec<OperatorMonth>> {
        self.reader.operator_month(month).await
    }

    async fn attention_processes(&self, month: &str, limit: i64) -> StoreResult<Vec<ProcessRow>> {
        self.reader.attention_processes(month, limit).await
    }

    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        self.reader.get_setting(key).await
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.owner.put_setting(key, value, audit).await
    }

    async fn put_settings(
        &self,
        values: &[(String, serde_json::Value)],
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audits: &[AuditEvent],
    ) -> StoreResult<()> {
        self.owner.put_settings(values, at, by, audits).await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.reader.ping().await
    }

    async fn server_info(&self) -> StoreResult<ServerInfo> {
        self.reader.server_info().await
    }

    async fn legacy_keys(&self, probe: &legacy::LegacyProbe) -> StoreResult<legacy::LegacyKeys> {
        self.reader.legacy_keys(probe).await
    }

    async fn import_legacy(&self, batch: &legacy::LegacyBatch) -> StoreResult<()> {
        self.owner.import_legacy(batch).await
    }

    async fn robot_machine_hello(&self, hello: &MachineHello) -> StoreResult<RobotMachine> {
        self.owner.robot_machine_hello(hello).await
    }

    async fn record_storage_marker(
        &self,
        public_key: &str,
        marker: &StorageMarker,
    ) -> StoreResult<()> {
        self.owner.record_storage_marker(public_key, marker).await
    }

    async fn robot_machines(&self) -> StoreResult<Vec<RobotMachine>> {
        self.owner.robot_machines().await
    }

    async fn decide_robot_machine(
        &self,
        id: Uuid,
        status: MachineStatus,
        audit: &AuditEvent,
    ) -> StoreResult<Option<RobotMachine>> {
        self.owner.decide_robot_machine(id, status, audit).await
    }

    async fn stored_passwords(&self) -> StoreResult<Vec<StoredPassword>> {
        self.owner.stored_passwords().await
    }

    async fn reseal_passwords(&self, changes: &[Reseal], audit: &AuditEvent) -> StoreResult<u64> {
        self.owner.reseal_passwords(changes, audit).await
    }

    async fn replace_password_hash(
        &self,
        user_id: Uuid,
        expected: &str,
        new_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner
            .replace_password_hash(user_id, expected, new_hash, audit)
            .await
    }
    async fn enqueue_emails(&self, messages: &[OutboxMessage]) -> StoreResult<u64> {
        self.owner.enqueue_emails(messages).await
    }

    async fn enqueue_email_audited(
        &self,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner.enqueue_email_audited(message, audit).await
    }

    async fn claim_emails(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        self.owner
            .claim_emails(owner, now, lease_until, limit)
            .await
    }

    async fn finish_email(
        &self,
        id: Uuid,
        owner: &str,
        outcome: &EmailOutcome,
    ) -> StoreResult<bool> {
        self.owner.finish_email(id, owner, outcome).await
    }

    async fn outbox(&self, filter: &OutboxFilter) -> StoreResult<Vec<OutboxMessage>> {
        self.reader.outbox(filter).await
    }

    async fn reminders_sent(&self, process_ids: &[Uuid]) -> StoreResult<Vec<ReminderSent>> {
        self.reader.reminders_sent(process_ids).await
    }

    async fn email_recipients(&self) -> StoreResult<Vec<Recipient>> {
        self.reader.email_recipients().await
    }

    async fn email_preference(&self, user_id: Uuid) -> StoreResult<Option<EmailPreference>> {
        self.reader.email_preference(user_id).await
    }

    async fn set_email_preference(
        &self,
        user_id: Uuid,
        preference: &EmailPreference,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.owner
            .set_email_preference(user_id, preference, audit)
            .await
    }

    async fn reseal_smtp_password(
        &self,
        before: &str,
        after: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.owner.reseal_smtp_password(before, after, audit).await
    }
}
