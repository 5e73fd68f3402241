//! Persistence for BRM RPA Desk. One [`Store`] trait that the services speak, and one
//! module per database (Atuin's shape): SQLite for the embedded default, PostgreSQL for
//! the shared production database, each with its migrations under `migrations/`.
//!
//! Every write that a person makes is one transaction together with its audit event:
//! methods take the prebuilt [`AuditEvent`] so no backend can forget it.

mod error;
pub mod feed;
pub mod legacy;
mod outbox_sql;
pub mod postgres;
mod records;
mod sql_text;
pub mod sqlite;

use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::client::{Client, ClientFilter};
use brm_core::dashboard::OperatorMonth;
use brm_core::execution::{Execution, ExecutionFilter, ExecutionRow, LogLine};
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::process::{MonthCreation, Process, ProcessFilter, ProcessRow, StatusCounts};
use brm_core::robot_machine::{
    MachineHello, MachineStatus, Reseal, RobotMachine, StorageMarker, StoredPassword,
};
use brm_core::schedule::Schedule;
use brm_core::user::{User, UserFilter};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

pub use error::{StoreError, StoreResult};
pub use feed::{Change, ChangeListener};
pub use records::{
    search_text, AlertCandidate, AlertDetail, ClaimedWork, ClientWrite, ExecutionOutcome,
    ImportWrite, MonthRequest, PasswordWrite, PollClaim, ProcessWrite, WorkClaim,
};

/// The order of the approval queue; ties go by client name, then process id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// Due date, invoices without one last.
    #[default]
    DueDate,
    /// Amount, invoices without one last.
    Amount,
    /// Operator name.
    Operator,
    /// Client legal name.
    Client,
}

/// Which processes waiting for approval, in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    /// `YYYY-MM`, already validated.
    pub month: Option<String>,
    pub operator_id: Option<Uuid>,
    /// Client text (legal name, CNPJ or HASH), trimmed, non-empty.
    pub search: Option<String>,
    pub sort: QueueSort,
    pub descending: bool,
    pub limit: i64,
}

/// One of a client's invoices as the approval checks and the history chart see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub process_id: Uuid,
    pub client_id: Uuid,
    pub reference_month: String,
    pub status: brm_core::process::ProcessStatus,
    pub amount_cents: Option<i64>,
    pub due_date: Option<chrono::NaiveDate>,
    pub invoice_sha256: Option<String>,
}

/// What the diagnostics report about the database server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub version: String,
    /// The highest migration applied successfully (`0009_...` → 9).
    pub migration: Option<i64>,
    /// Whether the connection to the server is encrypted; `None` for the embedded file.
    pub security: Option<postgres::tls::ConnectionSecurity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a failed login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailure {
    pub failed_logins: i64,
    /// Set when this failure (or an earlier one) locked the account.
    pub locked_until: Option<DateTime<Utc>>,
    /// True when this very failure crossed the threshold.
    pub locked_now: bool,
}

/// Which unique keys a would-be operator collides with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorConflicts {
    pub name: bool,
    pub code: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    // --- users -------------------------------------------------------------------------
    async fn count_users(&self) -> StoreResult<i64>;
    /// Inserts `user` only if no user exists yet, atomically: two first-run windows cannot
    /// both create an administrator. `Ok(false)` when someone was first.
    async fn create_first_admin(&self, user: &User, audit: &AuditEvent) -> StoreResult<bool>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<User>>;
    /// Resets the failure count and lock, stamps the last login, writes the audit event.
    async fn record_login_success(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Counts one failure atomically (a lock that has expired starts the count again);
    /// when the count reaches `max_failed`, locks until `lock_until` and also writes
    /// `lockout`. All in one transaction.
    async fn record_login_failure(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        max_failed: i64,
        lock_until: DateTime<Utc>,
        failure: &AuditEvent,
        lockout: &AuditEvent,
    ) -> StoreResult<LoginFailure>;

    // --- audit -------------------------------------------------------------------------
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Newest first. `entity_id = None` lists every event of the entity kind.
    async fn audit_trail(
        &self,
        entity: &str,
        entity_id: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>>;

    // --- operators ---------------------------------------------------------------------
    /// One page, filtered and ordered by name in the database.
    async fn list_operators(&self, filter: &OperatorFilter) -> StoreResult<Page<Operator>>;
    async fn operator_by_id(&self, id: Uuid) -> StoreResult<Option<Operator>>;
    async fn operator_conflicts(
        &self,
        name_key: &str,
        code: &str,
        except: Option<Uuid>,
    ) -> StoreResult<OperatorConflicts>;
    /// A unique violation comes back as [`StoreError::Unique`] naming the field.
    async fn insert_operator(&self, op: &Operator, audit: &AuditEvent) -> StoreResult<()>;
    /// Writes `op` (with `op.version` already incremented) only if the stored version is
    /// still `expected_version`; `Ok(false)` when someone else changed it first.
    async fn update_operator(
        &self,
        op: &Operator,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;

    // --- users (management) ------------------------------------------------------------
    /// One page ordered by name; `search` matches name or e-mail.
    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Page<User>>;
    /// A unique e-mail violation comes back as [`StoreError::Unique`]("email").
    async fn insert_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()>;
    /// Writes name, phone, role, active flag, password hash, failure count and lock of
    /// `user`. Refuses with [`StoreError::Refused`] (and writes nothing) when the change
    /// would leave no active administrator; concurrent demotions are serialised.
    async fn update_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()>;
    /// True where each person is a database login of their own (a person's login to the
    /// prepared shared PostgreSQL): creating a person or setting their password then needs
    /// the SCRAM verifier of the new password, computed on this computer, which
    /// [`Store::create_person`] and [`Store::set_person_password`] carry.
    fn people_are_logins(&self) -> bool {
        false
    }
    /// `insert_user` where people are not logins (the verifier is then empty and unused).
    async fn create_person(
        &self,
        user: &User,
        _verifier: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.insert_user(user, audit).await
    }
    /// A new password for `user` (its hash already in `user`); `update_user` where people
    /// are not logins.
    async fn set_person_password(
        &self,
        user: &User,
        _verifier: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.update_user(user, audit).await
    }

    // --- clients -----------------------------------------------------------------------
    /// One page ordered by legal name; `search` matches name, SAT name, CNPJ, HASH and
    /// account code, ignoring case and accents.
    async fn list_clients(&self, filter: &ClientFilter) -> StoreResult<Page<Client>>;
    async fn client_by_id(&self, id: Uuid) -> StoreResult<Option<Client>>;
    /// Every client that came from a spreadsheet, for the import preview.
    async fn clients_with_hash(&self) -> StoreResult<Vec<Client>>;
    /// The sealed portal password (never plain text), for the robot request.
    async fn client_sealed_password(&self, id: Uuid) -> StoreResult<Option<String>>;
    /// A taken (CNPJ, operator, unit, service) or HASH comes back as
    /// [`StoreError::Unique`]("account") or ("hash").
    async fn insert_client(&self, client: &ClientWrite, audit: &AuditEvent) -> StoreResult<()>;
    /// Like `update_operator`: `Ok(false)` when the stored version moved on.
    async fn update_client(
        &self,
        client: &ClientWrite,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Applies an import preview in one transaction: all rows or none. A row that
    /// collides or whose client changed since the preview fails the whole import with
    /// [`StoreError::Refused`] naming its line.
    async fn import_clients(&self, rows: &[ImportWrite], summary: &AuditEvent) -> StoreResult<()>;

    // --- processes ---------------------------------------------------------------------
    /// One process per active client of an active operator (optionally one operator)
    /// for the month; existing ones are left alone. One statement, so two desktops
    /// running it at once create each process once.
    async fn create_month_processes(
        &self,
        request: &MonthRequest,
        audit: &AuditEvent,
    ) -> StoreResult<MonthCreation>;
    async fn list_processes(&self, filter: &ProcessFilter) -> StoreResult<Page<ProcessRow>>;
    async fn process_by_id(&self, id: Uuid) -> StoreResult<Option<Process>>;
    async fn process_row(&self, id: Uuid) -> StoreResult<Option<ProcessRow>>;
    /// Writes the whole mutable state of `process` (its version already incremented)
    /// only if the stored version is still `expected_version`, with the audit event in
    /// the same transaction. `Ok(false)` when someone else changed it first.
    async fn update_process(
        &self,
        process: &Process,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// A client's processes, newest reference month first, at most `limit` (clamped to
    /// 1..=60: five years of invoices).
    async fn client_history(&self, client_id: Uuid, limit: i64) -> StoreResult<Vec<Process>>;
    /// Counts by status, for one month or all.
    async fn status_counts(&self, month: Option<&str>) -> StoreResult<StatusCounts>;
    /// Every process waiting for approval that the query matches, in its order, at most
    /// `limit` (clamped to 1..=5000), each with its list row; and how many match in all.
    async fn approval_queue(
        &self,
        query: &QueueQuery,
    ) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)>;
    /// The processes of these clients from `since_month` (`YYYY-MM`) on, or of every
    /// month when None, in one query; any order.
    async fn invoice_history(
        &self,
        client_ids: &[Uuid],
        since_month: Option<&str>,
    ) -> StoreResult<Vec<HistoryEntry>>;
    /// Every process waiting for approval or needing attention (any month, any order),
    /// from the partial index `processes_alerts` alone: never a scan of the whole table.
    async fn alert_candidates(&self) -> StoreResult<Vec<AlertCandidate>>;
    /// The processes of `ids` (unknown ids left out, any order) with what a notification
    /// shows of them, in one query.
    async fn alert_details(&self, ids: &[Uuid]) -> StoreResult<Vec<AlertDetail>>;

    // --- executions --------------------------------------------------------------------
    async fn insert_execution(&self, execution: &Execution) -> StoreResult<()>;
    /// Appends log lines; a line whose (execution, seq) is already stored is skipped.
    /// Returns how many were new.
    async fn append_execution_logs(
        &self,
        execution_id: Uuid,
        lines: &[LogLine],
    ) -> StoreResult<u64>;
    /// Newest first, each with its log lines in order.
    async fn executions_of(&self, process_id: Uuid) -> StoreResult<Vec<(Execution, Vec<LogLine>)>>;
    async fn list_executions(&self, filter: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>>;
    /// One execution with its log lines in order.
    async fn execution_detail(&self, id: Uuid)
        -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>>;

    // --- robot work (background worker) -------------------------------------------------
    /// See [`WorkClaim`]. Returns what was claimed (possibly nothing).
    async fn claim_robot_work(&self, claim: &WorkClaim) -> StoreResult<Vec<ClaimedWork>>;
    /// See [`PollClaim`].
    async fn claim_open_executions(&self, claim: &PollClaim) -> StoreResult<Vec<Execution>>;
    /// A worker stopping cleanly hands back the open executions it leased (their lease
    /// cleared), so that another worker resumes them at its next cycle instead of waiting
    /// for the lease to run out. Returns how many.
    async fn release_leases(&self, owner: &str) -> StoreResult<u64>;
    /// Open robot executions with no job id yet (being started right now, or waiting to
    /// be matched with a robot job after a lost answer), each with its process's operator.
    async fn executions_without_job(&self) -> StoreResult<Vec<(Execution, Uuid)>>;
    /// Which of `job_ids` some execution already records.
    async fn known_job_ids(&self, job_ids: &[String]) -> StoreResult<Vec<String>>;
    /// Writes the mutable fields of an existing execution (status, job id, endpoint,
    /// request, result, progress, started/finished, error and class, updated_at) and keeps
    /// its lease. For progress while a job runs. A taken job id is
    /// [`StoreError::Unique`]("job_id"); an unknown execution is refused (NotFound).
    async fn save_execution(&self, execution: &Execution) -> StoreResult<()>;
    /// See [`ExecutionOutcome`]. `Ok(false)` (and nothing written) when the process
    /// changed since it was read.
    async fn finish_execution(&self, outcome: &ExecutionOutcome) -> StoreResult<bool>;
    /// Deletes the log lines of executions that finished before `before`; how many.
    async fn purge_execution_logs(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    // --- schedules -----------------------------------------------------------------------
    /// By name.
    async fn list_schedules(&self) -> StoreResult<Vec<Schedule>>;
    /// Inserts (`expected_version = None`) or updates a schedule (its version already
    /// incremented) with the audit event. `Ok(false)` on a version mismatch; a duplicate
    /// name is [`StoreError::Unique`]("name"). An update keeps the stored `last_run_at`
    /// (it belongs to the runs, see `advance_schedule`).
    async fn save_schedule(
        &self,
        schedule: &Schedule,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    async fn delete_schedule(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<bool>;
    /// Moves a due schedule on: sets last_run_at and next_run_at only if next_run_at is
    /// still `expected_next` (NULL equal to NULL), so of two workers exactly one runs it.
    /// `Ok(true)` for that one. Neither the version nor updated_at change: a run is no edit.
    async fn advance_schedule(
        &self,
        id: Uuid,
        expected_next: Option<DateTime<Utc>>,
        last_run: DateTime<Utc>,
        next_run: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;

    // --- maintenance ---------------------------------------------------------------------
    /// A consistent online copy of the database into `path` (SQLite `VACUUM INTO`).
    /// PostgreSQL refuses with a pt-BR message: its backups belong to the server.
    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()>;

    // --- change feed (live updates) and dashboard ------------------------------------------
    /// The newest seq of the change feed (0 when empty).
    async fn latest_change_seq(&self) -> StoreResult<i64>;
    /// Changes with a seq above `seq`, oldest first, at most `limit` (clamped to 1..=10000).
    async fn changes_since(&self, seq: i64, limit: i64) -> StoreResult<Vec<Change>>;
    /// Deletes the feed rows written before `before`; how many.
    async fn prune_change_feed(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// On PostgreSQL, a listener woken at each commit that wrote the feed; `None` where
    /// readers poll (SQLite).
    async fn change_listener(&self) -> StoreResult<Option<ChangeListener>>;
    /// Months that have processes (`YYYY-MM`), newest first.
    async fn process_months(&self) -> StoreResult<Vec<String>>;
    /// The month-close matrix: per operator with processes in `month` or active clients
    /// without one, counts by status, needing attention, and active clients of an active
    /// operator with no process (`sem_processo`); by operator name. GROUP BY in SQL.
    async fn operator_month(&self, month: &str) -> StoreResult<Vec<OperatorMonth>>;
    /// Processes of `month` that need attention, most recently changed first.
    async fn attention_processes(&self, month: &str, limit: i64) -> StoreResult<Vec<ProcessRow>>;

    // --- settings and health -----------------------------------------------------------
    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>>;
    async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Several settings (`at` by `by`) and their audit events in one transaction: all or
    /// nothing. `values` may be empty (a change kept outside the database, such as a
    /// keyring entry, is still audited here).
    async fn put_settings(
        &self,
        values: &[(String, serde_json::Value)],
        at: DateTime<Utc>,
        by: Option<Uuid>,
        audits: &[AuditEvent],
    ) -> StoreResult<()>;
    /// A round trip to the database, for the connection monitor.
    async fn ping(&self) -> StoreResult<()>;

    /// The server's version (`sqlite_version()`, `version()`) and the last migration
    /// applied, for the diagnostics.
    async fn server_info(&self) -> StoreResult<ServerInfo>;

    // --- moving in from the old system (brm-legacy) -------------------------------------
    /// Every operator, client and user key, and the processes and executions the probe
    /// names, for the import's dry run.
    async fn legacy_keys(&self, probe: &legacy::LegacyProbe) -> StoreResult<legacy::LegacyKeys>;
    /// Writes a whole import from the old system in one transaction: all rows or none. A
    /// row that collides with one stored since the preview is [`StoreError::Refused`].
    async fn import_legacy(&self, batch: &legacy::LegacyBatch) -> StoreResult<()>;
    /// A robot machine says it is running (issue 19): registered as pending the first
    /// time (approved at once when `hello.approve`), its name, host and last-seen time
    /// refreshed afterwards. The status of a known machine never changes here.
    async fn robot_machine_hello(&self, hello: &MachineHello) -> StoreResult<RobotMachine>;
    /// Records the invoice-folder marker this machine (by public key) wrote, or why not.
    async fn record_storage_marker(
        &self,
        public_key: &str,
        marker: &StorageMarker,
    ) -> StoreResult<()>;
    /// Every robot machine, newest first.
    async fn robot_machines(&self) -> StoreResult<Vec<RobotMachine>>;
    /// Approves or removes a machine, with the audit event. `Ok(None)`: no such machine.
    async fn decide_robot_machine(
        &self,
        id: Uuid,
        status: MachineStatus,
        audit: &AuditEvent,
    ) -> StoreResult<Option<RobotMachine>>;
    /// Every stored portal password (sealed text only), with its client.
    async fn stored_passwords(&self) -> StoreResult<Vec<StoredPassword>>;
    /// Writes re-sealed portal passwords in one transaction, each only where the stored
    /// value is still the one that was opened, with one audit event (counts only).
    /// Returns how many were written.
    async fn reseal_passwords(&self, changes: &[Reseal], audit: &AuditEvent) -> StoreResult<u64>;
    /// Replaces a user's password hash only if it is still `expected` (a migrated user's
    /// first login turns the legacy hash into argon2id), with the audit event.
    /// `Ok(false)` when it had already changed.
    // --- e-mail (issue 21) ---------------------------------------------------------------
    /// Writes these messages; one whose (rule, subject_key, recipient_email, day) is
    /// already there is left out. How many were written.
    async fn enqueue_emails(&self, messages: &[brm_core::email::OutboxMessage])
        -> StoreResult<u64>;
    /// One message and its audit event in one transaction (a test message a person
    /// asked for). Whether it was written.
    async fn enqueue_email_audited(
        &self,
        message: &brm_core::email::OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Takes up to `limit` messages due at `now` (PENDENTE, or ENVIANDO with an expired
    /// lease) for `owner` until `lease_until`, counting a try; oldest first. Two machines
    /// never take the same message.
    async fn claim_emails(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>>;
    /// Records how a send ended, if `owner` still holds the message.
    async fn finish_email(
        &self,
        id: Uuid,
        owner: &str,
        outcome: &brm_core::email::EmailOutcome,
    ) -> StoreResult<bool>;
    /// Messages newest first, without their bodies (at most 100).
    async fn outbox(
        &self,
        filter: &brm_core::email::OutboxFilter,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>>;
    /// The reminders already sent about these processes.
    async fn reminders_sent(
        &self,
        process_ids: &[Uuid],
    ) -> StoreResult<Vec<brm_core::email::plan::ReminderSent>>;
    /// Every person with their e-mail preference (defaults where none was saved).
    async fn email_recipients(&self) -> StoreResult<Vec<brm_core::email::plan::Recipient>>;
    async fn email_preference(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Option<brm_core::email::EmailPreference>>;
    async fn set_email_preference(
        &self,
        user_id: Uuid,
        preference: &brm_core::email::EmailPreference,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A robot machine seals the SMTP password again to the approved machines: the
    /// setting changes only where it still holds `before`.
    async fn reseal_smtp_password(
        &self,
        before: &str,
        after: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;

    async fn replace_password_hash(
        &self,
        user_id: Uuid,
        expected: &str,
        new_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}

/// Opens the database a URL names and brings its schema up to date: `sqlite:` opens
/// (and creates) a file, `postgres:` connects to a server. A failure is an error, never
/// a silent fallback to another database.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::Unavailable(format!(
            "endereço de banco não reconhecido (esperado sqlite: ou postgres:): {}",
            redact_url(url)
        )))
    }
}

/// The database file a `sqlite:` URL names (`None` for any other URL, or a bad one).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    if !url.starts_with("sqlite:") {
        return None;
    }
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .ok()
        .map(|o| o.get_filename().to_path_buf())
}

/// Hides a password in a database URL before it reaches a message or a log.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.split_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://brm:s3gredo@db.local/brm"),
            "postgres://brm:***@db.local/brm"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[tokio::test]
    async fn unknown_and_unreachable_urls_are_refused_clearly() {
        let e = connect("mysql://x").await.err().unwrap();
        assert!(e.to_string().contains("não reconhecido"));
        // Port 1 on loopback: nothing listens, the refusal is immediate.
        let e = connect("postgres://u:segredo@127.0.0.1:1/x")
            .await
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(
            msg.starts_with("não foi possível conectar ao PostgreSQL"),
            "{msg}"
        );
        assert!(!msg.contains("segredo"), "{msg}");
    }
}
