//! The embedded default: one SQLite file in the OS app-data folder, WAL journal (readers
//! never wait for the writer), foreign keys enforced, migrations applied on open.

mod alerts;
mod approval;
mod audit;
mod backup;
mod clients;
mod codec;
mod dashboard;
mod email;
mod executions;
mod legacy;
mod operators;
mod processes;
mod robot_machines;
mod robot_work;
mod schedules;
mod settings;
mod users;

use crate::{
    Backend, ClaimedWork, ClientWrite, ExecutionOutcome, ImportWrite, LoginFailure, MonthRequest,
    OperatorConflicts, PollClaim, Store, StoreError, StoreResult, WorkClaim,
};
use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::client::{Client, ClientFilter};
use brm_core::execution::{Execution, ExecutionFilter, ExecutionRow, LogLine};
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::process::{MonthCreation, Process, ProcessFilter, ProcessRow, StatusCounts};
use brm_core::robot_machine::{
    MachineHello, MachineStatus, Reseal, RobotMachine, StorageMarker, StoredPassword,
};
use brm_core::schedule::Schedule;
use brm_core::user::{User, UserFilter};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

pub use backup::{verify_backup_file, BackupCheck};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("endereço SQLite inválido: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 16 MiB of page cache per connection instead of SQLite's 2 MiB: a deep page of
            // a year's process list walks thousands of index pages (store benchmark, case e).
            .pragma("cache_size", "-16384");
        let file = options.get_filename().to_path_buf();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!(
                    "não foi possível criar a pasta {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("não foi possível abrir {}: {e}", file.display()))
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Wraps a pool whose schema is already migrated (as `#[sqlx::test]` hands out).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn count_users(&self) -> StoreResult<i64> {
        users::count(&self.pool).await
    }

    async fn create_first_admin(&self, user: &User, audit: &AuditEvent) -> StoreResult<bool> {
        users::create_first_admin(&self.pool, user, audit).await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        users::by_email(&self.pool, email).await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<User>> {
        users::by_id(&self.pool, id).await
    }

    async fn record_login_success(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        users::record_login_success(&self.pool, user_id, at, audit).await
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
        users::record_login_failure(
            &self.pool, user_id, at, max_failed, lock_until, failure, lockout,
        )
        .await
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        audit::insert(&mut conn, event).await
    }

    async fn audit_trail(
        &self,
        entity: &str,
        entity_id: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        audit::trail(&self.pool, entity, entity_id, limit).await
    }

    async fn list_operators(&self, filter: &OperatorFilter) -> StoreResult<Page<Operator>> {
        operators::list(&self.pool, filter).await
    }

    async fn operator_by_id(&self, id: Uuid) -> StoreResult<Option<Operator>> {
        operators::by_id(&self.pool, id).await
    }

    async fn operator_conflicts(
        &self,
        name_key: &str,
        code: &str,
        except: Option<Uuid>,
    ) -> StoreResult<OperatorConflicts> {
        operators::conflicts(&self.pool, name_key, code, except).await
    }

    async fn insert_operator(&self, op: &Operator, audit: &AuditEvent) -> StoreResult<()> {
        operators::insert(&self.pool, op, audit).await
    }

    async fn update_operator(
        &self,
        op: &Operator,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        operators::update(&self.pool, op, expected_version, audit).await
    }

    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Page<User>> {
        users::list(&self.pool, filter).await
    }

    async fn insert_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()> {
        users::insert(&self.pool, user, audit).await
    }

    async fn update_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()> {
        users::update(&self.pool, user, audit).await
    }

    async fn list_clients(&self, filter: &ClientFilter) -> StoreResult<Page<Client>> {
        clients::list(&self.pool, filter).await
    }

    async fn client_by_id(&self, id: Uuid) -> StoreResult<Option<Client>> {
        clients::by_id(&self.pool, id).await
    }

    async fn clients_with_hash(&self) -> StoreResult<Vec<Client>> {
        clients::with_hash(&self.pool).await
    }

    async fn client_sealed_password(&self, id: Uuid) -> StoreResult<Option<String>> {
        clients::sealed_password(&self.pool, id).await
    }

    async fn insert_client(&self, client: &ClientWrite, audit: &AuditEvent) -> StoreResult<()> {
        clients::insert(&self.pool, client, audit).await
    }

    async fn update_client(
        &self,
        client: &ClientWrite,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        clients::update(&self.pool, client, expected_version, audit).await
    }

    async fn import_clients(&self, rows: &[ImportWrite], summary: &AuditEvent) -> StoreResult<()> {
        clients::import(&self.pool, rows, summary).await
    }

    async fn create_month_processes(
        &self,
        request: &MonthRequest,
        audit: &AuditEvent,
    ) -> StoreResult<MonthCreation> {
        processes::create_month(&self.pool, request, audit).await
    }

    async fn list_processes(&self, filter: &ProcessFilter) -> StoreResult<Page<ProcessRow>> {
        processes::list(&self.pool, filter).await
    }

    async fn process_by_id(&self, id: Uuid) -> StoreResult<Option<Process>> {
        processes::by_id(&self.pool, id).await
    }

    async fn process_row(&self, id: Uuid) -> StoreResult<Option<ProcessRow>> {
        processes::row(&self.pool, id).await
    }

    async fn update_process(
        &self,
        process: &Process,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        processes::update(&self.pool, process, expected_version, audit).await
    }

    async fn client_history(&self, client_id: Uuid, limit: i64) -> StoreResult<Vec<Process>> {
        processes::client_history(&self.pool, client_id, limit).await
    }

    async fn approval_queue(
        &self,
        query: &crate::QueueQuery,
    ) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)> {
        approval::queue(&self.pool, query).await
    }

    async fn invoice_history(
        &self,
        client_ids: &[Uuid],
        since_month: Option<&str>,
    ) -> StoreResult<Vec<crate::HistoryEntry>> {
        approval::history(&self.pool, client_ids, since_month).await
    }

    async fn alert_candidates(&self) -> StoreResult<Vec<crate::AlertCandidate>> {
        alerts::candidates(&self.pool).await
    }

    async fn alert_details(&self, ids: &[Uuid]) -> StoreResult<Vec<crate::AlertDetail>> {
        alerts::details(&self.pool, ids).await
    }

    async fn status_counts(&self, month: Option<&str>) -> StoreResult<StatusCounts> {
        processes::status_counts(&self.pool, month).await
    }

    async fn insert_execution(&self, execution: &Execution) -> StoreResult<()> {
        executions::insert(&self.pool, execution).await
    }

    async fn append_execution_logs(
        &self,
        execution_id: Uuid,
        lines: &[LogLine],
    ) -> StoreResult<u64> {
        executions::append_logs(&self.pool, execution_id, lines).await
    }

    async fn executions_of(&self, process_id: Uuid) -> StoreResult<Vec<(Execution, Vec<LogLine>)>> {
        executions::of_process(&self.pool, process_id).await
    }

    async fn list_executions(&self, filter: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>> {
        executions::list(&self.pool, filter).await
    }

    async fn execution_detail(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>> {
        executions::detail(&self.pool, id).await
    }

    async fn claim_robot_work(&self, claim: &WorkClaim) -> StoreResult<Vec<ClaimedWork>> {
        robot_work::claim(&self.pool, claim).await
    }

    async fn claim_open_executions(&self, claim: &PollClaim) -> StoreResult<Vec<Execution>> {
        robot_work::claim_open(&self.pool, claim).await
    }

    async fn release_leases(&self, owner: &str) -> StoreResult<u64> {
        robot_work::release_leases(&self.pool, owner).await
    }

    async fn executions_without_job(&self) -> StoreResult<Vec<(Execution, Uuid)>> {
        robot_work::without_job(&self.pool).await
    }

    async fn known_job_ids(&self, job_ids: &[String]) -> StoreResult<Vec<String>> {
        robot_work::known_job_ids(&self.pool, job_ids).await
    }

    async fn save_execution(&self, execution: &Execution) -> StoreResult<()> {
        executions::save(&self.pool, execution).await
    }

    async fn finish_execution(&self, outcome: &ExecutionOutcome) -> StoreResult<bool> {
        executions::finish(&self.pool, outcome).await
    }

    async fn purge_execution_logs(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        executions::purge_logs(&self.pool, before).await
    }

    async fn list_schedules(&self) -> StoreResult<Vec<Schedule>> {
        schedules::list(&self.pool).await
    }

    async fn save_schedule(
        &self,
        schedule: &Schedule,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        schedules::save(&self.pool, schedule, expected_version, audit).await
    }

    async fn delete_schedule(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<bool> {
        schedules::delete(&self.pool, id, audit).await
    }

    async fn advance_schedule(
        &self,
        id: Uuid,
        expected_next: Option<DateTime<Utc>>,
        last_run: DateTime<Utc>,
        next_run: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        schedules::advance(&self.pool, id, expected_next, last_run, next_run).await
    }

    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()> {
        backup::backup_into(&self.pool, path).await
    }

    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        settings::get(&self.pool, key).await
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        settings::put(&self.pool, key, value, audit).await
    }

    async fn put_settings(
        &self,
        values: &[(String, serde_json::Value)],
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audits: &[AuditEvent],
    ) -> StoreResult<()> {
        settings::put_many(&self.pool, values, at, by, audits).await
    }

    async fn latest_change_seq(&self) -> StoreResult<i64> {
        dashboard::latest_seq(&self.pool).await
    }

    async fn changes_since(&self, seq: i64, limit: i64) -> StoreResult<Vec<crate::Change>> {
        dashboard::since(&self.pool, seq, limit).await
    }

    async fn prune_change_feed(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        dashboard::prune(&self.pool, before).await
    }

    async fn change_listener(&self) -> StoreResult<Option<crate::ChangeListener>> {
        Ok(None)
    }

    async fn process_months(&self) -> StoreResult<Vec<String>> {
        dashboard::months(&self.pool).await
    }

    async fn operator_month(
        &self,
        month: &str,
    ) -> StoreResult<Vec<brm_core::dashboard::OperatorMonth>> {
        dashboard::operator_month(&self.pool, month).await
    }

    async fn attention_processes(&self, month: &str, limit: i64) -> StoreResult<Vec<ProcessRow>> {
        dashboard::attention(&self.pool, month, limit).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn server_info(&self) -> StoreResult<crate::ServerInfo> {
        let version: String = sqlx::query_scalar("SELECT sqlite_version()")
            .fetch_one(&self.pool)
            .await?;
        let migration: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(crate::ServerInfo {
            version,
            migration,
            security: None,
        })
    }

    async fn legacy_keys(
        &self,
        probe: &crate::legacy::LegacyProbe,
    ) -> StoreResult<crate::legacy::LegacyKeys> {
        legacy::keys(&self.pool, probe).await
    }

    async fn import_legacy(&self, batch: &crate::legacy::LegacyBatch) -> StoreResult<()> {
        legacy::import(&self.pool, batch).await
    }

    async fn robot_machine_hello(&self, hello: &MachineHello) -> StoreResult<RobotMachine> {
        robot_machines::hello(&self.pool, hello).await
    }

    async fn record_storage_marker(
        &self,
        public_key: &str,
        marker: &StorageMarker,
    ) -> StoreResult<()> {
        robot_machines::record_marker(&self.pool, public_key, marker).await
    }

    async fn robot_machines(&self) -> StoreResult<Vec<RobotMachine>> {
        robot_machines::list(&self.pool).await
    }

    async fn decide_robot_machine(
        &self,
        id: Uuid,
        status: MachineStatus,
        audit: &AuditEvent,
    ) -> StoreResult<Option<RobotMachine>> {
        robot_machines::decide(&self.pool, id, status, audit).await
    }

    async fn enqueue_emails(
        &self,
        messages: &[brm_core::email::OutboxMessage],
    ) -> StoreResult<u64> {
        email::enqueue(&self.pool, messages).await
    }

    async fn enqueue_email_audited(
        &self,
        message: &brm_core::email::OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        email::enqueue_audited(&self.pool, message, audit).await
    }

    async fn claim_emails(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>> {
        email::claim(&self.pool, owner, now, lease_until, limit).await
    }

    async fn finish_email(
        &self,
        id: Uuid,
        owner: &str,
        outcome: &brm_core::email::EmailOutcome,
    ) -> StoreResult<bool> {
        email::finish(&self.pool, id, owner, outcome).await
    }

    async fn outbox(
        &self,
        filter: &brm_core::email::OutboxFilter,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>> {
        email::list(&self.pool, filter).await
    }

    async fn reminders_sent(
        &self,
        process_ids: &[Uuid],
    ) -> StoreResult<Vec<brm_core::email::plan::ReminderSent>> {
        email::reminders_sent(&self.pool, process_ids).await
    }

    async fn email_recipients(&self) -> StoreResult<Vec<brm_core::email::plan::Recipient>> {
        email::recipients(&self.pool).await
    }

    async fn email_preference(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Option<brm_core::email::EmailPreference>> {
        email::preference(&self.pool, user_id).await
    }

    async fn set_email_preference(
        &self,
        user_id: Uuid,
        preference: &brm_core::email::EmailPreference,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        email::set_preference(&self.pool, user_id, preference, audit).await
    }

    async fn reseal_smtp_password(
        &self,
        before: &str,
        after: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        email::reseal_setting(
            &self.pool,
            brm_core::email::SETTING_SMTP_PASSWORD,
            before,
            after,
            audit,
        )
        .await
    }

    async fn stored_passwords(&self) -> StoreResult<Vec<StoredPassword>> {
        robot_machines::stored_passwords(&self.pool).await
    }

    async fn reseal_passwords(&self, changes: &[Reseal], audit: &AuditEvent) -> StoreResult<u64> {
        robot_machines::reseal(&self.pool, changes, audit).await
    }

    async fn replace_password_hash(
        &self,
        user_id: Uuid,
        expected: &str,
        new_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        legacy::replace_password_hash(&self.pool, user_id, expected, new_hash, audit).await
    }
}

/// Turns SQLite's unique-constraint message ("UNIQUE constraint failed: operators.code")
/// into the field it concerns, so the form can point at it.
pub(crate) fn map_unique(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let msg = db.message();
            let field = if msg.contains("clients.cnpj") {
                "account"
            } else {
                msg.rsplit('.').next().unwrap_or("").trim()
            };
            let field = if field == "name_key" { "name" } else { field };
            return StoreError::Unique(field.to_string());
        }
    }
    StoreError::Sql(e)
}
