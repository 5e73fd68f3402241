//! The store of a desk on the prepared shared PostgreSQL where each person logs in as
//! their own database role (migrations/postgres-shared). It holds no connection until
//! someone logs in (`attach` with that person's pool) and drops it at logout (`detach`).
//!
//! Reads and ordinary writes are the PostgreSQL store's, on the person's pool: their
//! profile's grants and the guard triggers decide what holds. The writes a person may
//! only make through the owner's functions (decisions, typed values, settings, people)
//! go through those functions here, so the database checks them again and writes the
//! audit event under the identity it authenticated. The desk's own checks in brm-core run
//! first, for the clear messages; `tests/shared_rules_agree.rs` keeps both in agreement.

use super::shared::{self, ENTRY_PASSWORD, ENTRY_ROLE};
use super::PgStore;
use crate::feed::Change;
use crate::legacy;
use crate::{
    AlertCandidate, AlertDetail, Backend, ChangeListener, ClaimedWork, ClientWrite,
    ExecutionOutcome, HistoryEntry, ImportWrite, LoginFailure, MonthRequest, OperatorConflicts,
    PollClaim, QueueQuery, ServerInfo, Store, StoreError, StoreResult, WorkClaim,
};
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
use brm_core::{Error, ErrorCode};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};
use sqlx::Connection;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Actions whose audit event the owner's functions write themselves.
const WRITTEN_BY_FUNCTIONS: [&str; 2] = ["ALTERAR_CONFIGURACAO", "CONFIGURACAO_APROVACAO"];

pub struct PersonStore {
    /// Host, port, database and TLS of the shared database; no user.
    options: PgConnectOptions,
    person: RwLock<Option<Arc<PgStore>>>,
}

impl PersonStore {
    pub fn new(options: PgConnectOptions) -> Self {
        Self {
            options,
            person: RwLock::new(None),
        }
    }

    pub fn options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// From now on, everything runs on this person's own pool.
    pub fn attach(&self, pool: PgPool) {
        let old = self
            .person
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace(Arc::new(PgStore::for_person(pool)));
        if let Some(old) = old {
            close_later(old);
        }
    }

    /// Logout: the person's connections close; nothing runs until the next login.
    pub fn detach(&self) {
        let old = self
            .person
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(old) = old {
            close_later(old);
        }
    }

    pub fn is_attached(&self) -> bool {
        self.person
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    fn pg(&self) -> StoreResult<Arc<PgStore>> {
        self.person
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Refused(session_over()))
    }

    fn pool(&self) -> StoreResult<PgPool> {
        Ok(self.pg()?.pool().clone())
    }
}

fn close_later(store: Arc<PgStore>) {
    let pool = store.pool().clone();
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move { pool.close().await });
    }
}

fn session_over() -> Error {
    Error::new(
        ErrorCode::Unauthenticated,
        "Sua sessão no banco compartilhado terminou. Entre de novo.",
    )
}

/// PostgreSQL's refusals said as the desk's errors: a login that may no longer connect
/// (deactivated: NOLOGIN; password reset: the old one fails; ended by an administrator)
/// is the end of the session; a function's own refusal or a missing privilege is what it
/// says in pt-BR. Anything else stays as it was.
fn fix<T>(r: StoreResult<T>) -> StoreResult<T> {
    r.map_err(|e| match e {
        StoreError::Sql(sql) => {
            let code = sql
                .as_database_error()
                .and_then(|d| d.code())
                .map(|c| c.to_string());
            match code.as_deref() {
                // NOLOGIN: deactivated (or locked after failures elsewhere); a failed
                // password on a connection that worked: reset by an administrator.
                Some("28000") => StoreError::Refused(Error::new(
                    ErrorCode::Unauthenticated,
                    "Sua sessão foi encerrada: este usuário foi desativado ou bloqueado. Procure um administrador.",
                )),
                Some("28P01") => StoreError::Refused(Error::new(
                    ErrorCode::Unauthenticated,
                    "Sua sessão foi encerrada porque a senha deste usuário foi trocada. Entre com a nova senha.",
                )),
                _ => match shared::refusal(&sql) {
                    Some(refused) => StoreError::Refused(refused),
                    None => StoreError::Sql(sql),
                },
            }
        }
        other => other,
    })
}

/// Work only the robot machines (`brm-desk worker`) do in shared mode.
fn robot_only(what: &str) -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::Forbidden,
        format!("No banco compartilhado, {what} cabe às máquinas robô (brm-desk worker), não a um computador de mesa."),
    ))
}

fn not_here(what: &str) -> StoreError {
    StoreError::Refused(Error::new(
        ErrorCode::Forbidden,
        format!("No banco compartilhado, {what} é feito pelo passo \"Preparar o banco compartilhado\" ou pelo próprio PostgreSQL."),
    ))
}

/// The text a person gave, from what the desk stored: "Motivo: texto" → "texto".
fn after_label(stored: Option<&str>) -> String {
    stored
        .and_then(|s| s.split_once(": ").map(|(_, t)| t.to_string()))
        .unwrap_or_default()
}

fn changed(audit: &AuditEvent, field: &str) -> bool {
    audit
        .after
        .as_ref()
        .and_then(|a| a.as_object())
        .is_some_and(|m| m.contains_key(field))
}

#[async_trait]
impl Store for PersonStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn people_are_logins(&self) -> bool {
        true
    }

    async fn create_first_admin(&self, _user: &User, _audit: &AuditEvent) -> StoreResult<bool> {
        Err(not_here("criar o primeiro administrador"))
    }

    async fn record_login_success(
        &self,
        _user_id: Uuid,
        _at: DateTime<Utc>,
        _audit: &AuditEvent,
    ) -> StoreResult<()> {
        Err(not_here("registrar a entrada"))
    }

    async fn record_login_failure(
        &self,
        _user_id: Uuid,
        _at: DateTime<Utc>,
        _max_failed: i64,
        _lock_until: DateTime<Utc>,
        _failure: &AuditEvent,
        _lockout: &AuditEvent,
    ) -> StoreResult<LoginFailure> {
        Err(not_here("contar uma senha errada"))
    }

    async fn robot_machine_hello(&self, _hello: &MachineHello) -> StoreResult<RobotMachine> {
        // A desktop with personal logins runs no robot work: the robot machines do.
        Err(not_here("registrar uma máquina robô"))
    }

    async fn record_storage_marker(
        &self,
        public_key: &str,
        marker: &StorageMarker,
    ) -> StoreResult<()> {
        let _ = (public_key, marker);
        Err(not_here("registrar o marcador de uma máquina robô"))
    }

    async fn robot_machines(&self) -> StoreResult<Vec<RobotMachine>> {
        fix(super::robot_machines::list(&self.pool()?).await)
    }

    /// Through brm_decide_robot_machine, which checks the person and audits.
    async fn decide_robot_machine(
        &self,
        id: Uuid,
        status: MachineStatus,
        _audit: &AuditEvent,
    ) -> StoreResult<Option<RobotMachine>> {
        fix(super::robot_machines::decide_as_person(&self.pool()?, id, status).await)
    }

    async fn enqueue_emails(
        &self,
        messages: &[brm_core::email::OutboxMessage],
    ) -> StoreResult<u64> {
        fix(self.pg()?.enqueue_emails(messages).await)
    }

    async fn enqueue_email_audited(
        &self,
        message: &brm_core::email::OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        fix(self.pg()?.enqueue_email_audited(message, audit).await)
    }

    async fn claim_emails(
        &self,
        _owner: &str,
        _now: DateTime<Utc>,
        _lease_until: DateTime<Utc>,
        _limit: i64,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>> {
        Err(robot_only("enviar e-mails"))
    }

    async fn finish_email(
        &self,
        _id: Uuid,
        _owner: &str,
        _outcome: &brm_core::email::EmailOutcome,
    ) -> StoreResult<bool> {
        Err(robot_only("enviar e-mails"))
    }

    async fn outbox(
        &self,
        filter: &brm_core::email::OutboxFilter,
    ) -> StoreResult<Vec<brm_core::email::OutboxMessage>> {
        fix(self.pg()?.outbox(filter).await)
    }

    async fn reminders_sent(
        &self,
        process_ids: &[Uuid],
    ) -> StoreResult<Vec<brm_core::email::plan::ReminderSent>> {
        fix(self.pg()?.reminders_sent(process_ids).await)
    }

    async fn email_recipients(&self) -> StoreResult<Vec<brm_core::email::plan::Recipient>> {
        fix(self.pg()?.email_recipients().await)
    }

    async fn email_preference(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Option<brm_core::email::EmailPreference>> {
        fix(self.pg()?.email_preference(user_id).await)
    }

    async fn set_email_preference(
        &self,
        user_id: Uuid,
        preference: &brm_core::email::EmailPreference,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        fix(self
            .pg()?
            .set_email_preference(user_id, preference, audit)
            .await)
    }

    async fn reseal_smtp_password(
        &self,
        _before: &str,
        _after: &str,
        _audit: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(robot_only("selar de novo a senha do e-mail"))
    }

    async fn stored_passwords(&self) -> StoreResult<Vec<StoredPassword>> {
        fix(super::robot_machines::stored_passwords(&self.pool()?).await)
    }

    async fn reseal_passwords(&self, _changes: &[Reseal], _audit: &AuditEvent) -> StoreResult<u64> {
        // Only a robot machine can open what it re-seals.
        Err(not_here("selar de novo as senhas dos portais"))
    }

    async fn replace_password_hash(
        &self,
        _user_id: Uuid,
        _expected: &str,
        _new_hash: &str,
        _audit: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(not_here("converter uma senha antiga"))
    }

    async fn insert_user(&self, _user: &User, _audit: &AuditEvent) -> StoreResult<()> {
        // A person is a login here: only create_person, which carries the verifier.
        Err(not_here("criar uma pessoa sem senha"))
    }

    async fn create_person(
        &self,
        user: &User,
        verifier: &str,
        _audit: &AuditEvent,
    ) -> StoreResult<()> {
        let r = sqlx::query("SELECT brm_create_person($1, $2, $3, $4, $5, $6, $7)")
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.full_name)
            .bind(&user.phone)
            .bind(user.role.as_str())
            .bind(verifier)
            .bind(&user.password_hash)
            .execute(&self.pool()?)
            .await;
        fix(r.map(|_| ()).map_err(StoreError::from))
    }

    /// A new password; for someone who has no login of their own yet (moved in from the
    /// old system and never logged in), the login itself (brm_give_login).
    async fn set_person_password(
        &self,
        user: &User,
        verifier: &str,
        _audit: &AuditEvent,
    ) -> StoreResult<()> {
        let pool = self.pool()?;
        let r: Result<(), sqlx::Error> = async {
            let no_login: bool =
                sqlx::query_scalar("SELECT db_role IS NULL FROM users WHERE id = $1")
                    .bind(user.id)
                    .fetch_optional(&pool)
                    .await?
                    .unwrap_or(false);
            let sql = if no_login {
                "SELECT brm_give_login($1, $2, $3)"
            } else {
                "SELECT brm_set_password($1, $2, $3)"
            };
            sqlx::query(sql)
                .bind(user.id)
                .bind(verifier)
                .bind(&user.password_hash)
                .execute(&pool)
                .await?;
            Ok(())
        }
        .await;
        fix(r.map_err(StoreError::from))
    }

    /// Profile, active flag, and name/e-mail/phone, each through its function (each
    /// audits itself), in one transaction.
    async fn update_user(&self, user: &User, _audit: &AuditEvent) -> StoreResult<()> {
        let pg = self.pg()?;
        let Some(stored) = fix(pg.user_by_id(user.id).await)? else {
            return Err(StoreError::Refused(Error::new(
                ErrorCode::NotFound,
                "Pessoa não encontrada.",
            )));
        };
        let r: Result<(), sqlx::Error> = async {
            let mut tx = pg.pool().begin().await?;
            if stored.role != user.role {
                sqlx::query("SELECT brm_set_profile($1, $2)")
                    .bind(user.id)
                    .bind(user.role.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            if (&stored.full_name, &stored.email, &stored.phone)
                != (&user.full_name, &user.email, &user.phone)
            {
                sqlx::query("SELECT brm_update_person($1, $2, $3, $4)")
                    .bind(user.id)
                    .bind(&user.full_name)
                    .bind(&user.email)
                    .bind(&user.phone)
                    .execute(&mut *tx)
                    .await?;
            }
            if stored.active != user.active {
                sqlx::query("SELECT brm_set_active($1, $2)")
                    .bind(user.id)
                    .bind(user.active)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await;
        fix(r.map_err(StoreError::from))
    }

    /// A decision goes through its function, which checks it again and audits it; any
    /// other change (a manual upload, a retry) is an ordinary UPDATE the guard judges.
    /// `Ok(false)` when the version moved on, as the other stores say it.
    async fn update_process(
        &self,
        process: &Process,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let pg = self.pg()?;
        let pool = pg.pool();
        let q = match audit.action.as_str() {
            "APROVAR" | "PRIMEIRA_APROVACAO" => {
                sqlx::query("SELECT 1 FROM brm_approve($1, $2, $3)")
                    .bind(process.id)
                    .bind(expected_version)
                    .bind(
                        changed(audit, "notes")
                            .then(|| process.notes.clone())
                            .flatten(),
                    )
            }
            "REJEITAR" => sqlx::query("SELECT 1 FROM brm_reject($1, $2, $3, $4)")
                .bind(process.id)
                .bind(expected_version)
                .bind(after_label(process.last_rejection_reason.as_deref()))
                .bind(process.rejection_reason_code.clone()),
            "CANCELAR" => sqlx::query("SELECT 1 FROM brm_cancel($1, $2, $3)")
                .bind(process.id)
                .bind(expected_version)
                .bind(after_label(process.notes.as_deref())),
            "VALORES_DIGITADOS" => sqlx::query("SELECT 1 FROM brm_type_values($1, $2, $3, $4)")
                .bind(process.id)
                .bind(expected_version)
                .bind(
                    changed(audit, "amount")
                        .then_some(process.amount_cents)
                        .flatten(),
                )
                .bind(
                    changed(audit, "due_date")
                        .then_some(process.due_date)
                        .flatten(),
                ),
            _ => return fix(pg.update_process(process, expected_version, audit).await),
        };
        match q.execute(pool).await {
            Ok(_) => Ok(true),
            Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("BR409") => {
                Ok(false)
            }
            Err(e) => fix(Err(StoreError::from(e))),
        }
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        _audit: &AuditEvent,
    ) -> StoreResult<()> {
        let r = sqlx::query("SELECT brm_set_setting($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&self.pool()?)
            .await;
        fix(r.map(|_| ()).map_err(StoreError::from))
    }

    /// Each value through brm_set_setting (which audits it), the other events as the
    /// person's own, all in one transaction, as the trait promises.
    async fn put_settings(
        &self,
        values: &[(String, serde_json::Value)],
        _at: DateTime<Utc>,
        _by: Option<Uuid>,
        audits: &[AuditEvent],
    ) -> StoreResult<()> {
        let pool = self.pool()?;
        let r: StoreResult<()> = async {
            let mut tx = pool.begin().await?;
            for (key, value) in values {
                sqlx::query("SELECT brm_set_setting($1, $2)")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
            for event in audits {
                if values.is_empty() || !WRITTEN_BY_FUNCTIONS.contains(&event.action.as_str()) {
                    super::audit::insert(&mut tx, event).await?;
                }
            }
            Ok(tx.commit().await?)
        }
        .await;
        fix(r)
    }

    /// Logged in: a round trip on the person's pool. Before anyone logs in, the server is
    /// still watched, through the entry login (it can do nothing else).
    async fn ping(&self) -> StoreResult<()> {
        if let Ok(pg) = self.pg() {
            return fix(pg.ping().await);
        }
        let entry = self
            .options
            .clone()
            .username(ENTRY_ROLE)
            .password(ENTRY_PASSWORD);
        let mut c = PgConnection::connect_with(&entry).await.map_err(|e| {
            StoreError::Unavailable(format!("o banco compartilhado não responde: {e}"))
        })?;
        sqlx::query("SELECT 1").execute(&mut c).await?;
        let _ = c.close().await;
        Ok(())
    }

    async fn count_users(&self) -> StoreResult<i64> {
        fix(self.pg()?.count_users().await)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        fix(self.pg()?.user_by_email(email).await)
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<User>> {
        fix(self.pg()?.user_by_id(id).await)
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        fix(self.pg()?.append_audit(event).await)
    }

    async fn audit_trail(
        &self,
        entity: &str,
        entity_id: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        fix(self.pg()?.audit_trail(entity, entity_id, limit).await)
    }

    async fn list_operators(&self, filter: &OperatorFilter) -> StoreResult<Page<Operator>> {
        fix(self.pg()?.list_operators(filter).await)
    }

    async fn operator_by_id(&self, id: Uuid) -> StoreResult<Option<Operator>> {
        fix(self.pg()?.operator_by_id(id).await)
    }

    async fn operator_conflicts(
        &self,
        name_key: &str,
        code: &str,
        except: Option<Uuid>,
    ) -> StoreResult<OperatorConflicts> {
        fix(self.pg()?.operator_conflicts(name_key, code, except).await)
    }

    async fn insert_operator(&self, op: &Operator, audit: &AuditEvent) -> StoreResult<()> {
        fix(self.pg()?.insert_operator(op, audit).await)
    }

    async fn update_operator(
        &self,
        op: &Operator,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        fix(self
            .pg()?
            .update_operator(op, expected_version, audit)
            .await)
    }

    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Page<User>> {
        fix(self.pg()?.list_users(filter).await)
    }

    async fn list_clients(&self, filter: &ClientFilter) -> StoreResult<Page<Client>> {
        fix(self.pg()?.list_clients(filter).await)
    }

    async fn client_by_id(&self, id: Uuid) -> StoreResult<Option<Client>> {
        fix(self.pg()?.client_by_id(id).await)
    }

    async fn clients_with_hash(&self) -> StoreResult<Vec<Client>> {
        fix(self.pg()?.clients_with_hash().await)
    }

    async fn client_sealed_password(&self, id: Uuid) -> StoreResult<Option<String>> {
        fix(self.pg()?.client_sealed_password(id).await)
    }

    async fn insert_client(&self, client: &ClientWrite, audit: &AuditEvent) -> StoreResult<()> {
        fix(self.pg()?.insert_client(client, audit).await)
    }

    async fn update_client(
        &self,
        client: &ClientWrite,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        fix(self
            .pg()?
            .update_client(client, expected_version, audit)
            .await)
    }

    async fn import_clients(&self, rows: &[ImportWrite], summary: &AuditEvent) -> StoreResult<()> {
        fix(self.pg()?.import_clients(rows, summary).await)
    }

    async fn create_month_processes(
        &self,
        request: &MonthRequest,
        audit: &AuditEvent,
    ) -> StoreResult<MonthCreation> {
        fix(self.pg()?.create_month_processes(request, audit).await)
    }

    async fn list_processes(&self, filter: &ProcessFilter) -> StoreResult<Page<ProcessRow>> {
        fix(self.pg()?.list_processes(filter).await)
    }

    async fn process_by_id(&self, id: Uuid) -> StoreResult<Option<Process>> {
        fix(self.pg()?.process_by_id(id).await)
    }

    async fn process_row(&self, id: Uuid) -> StoreResult<Option<ProcessRow>> {
        fix(self.pg()?.process_row(id).await)
    }

    async fn client_history(&self, client_id: Uuid, limit: i64) -> StoreResult<Vec<Process>> {
        fix(self.pg()?.client_history(client_id, limit).await)
    }

    async fn status_counts(&self, month: Option<&str>) -> StoreResult<StatusCounts> {
        fix(self.pg()?.status_counts(month).await)
    }

    async fn approval_queue(
        &self,
        query: &QueueQuery,
    ) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)> {
        fix(self.pg()?.approval_queue(query).await)
    }

    async fn invoice_history(
        &self,
        client_ids: &[Uuid],
        since_month: Option<&str>,
    ) -> StoreResult<Vec<HistoryEntry>> {
        fix(self.pg()?.invoice_history(client_ids, since_month).await)
    }

    async fn alert_candidates(&self) -> StoreResult<Vec<AlertCandidate>> {
        fix(self.pg()?.alert_candidates().await)
    }

    async fn alert_details(&self, ids: &[Uuid]) -> StoreResult<Vec<AlertDetail>> {
        fix(self.pg()?.alert_details(ids).await)
    }

    async fn insert_execution(&self, execution: &Execution) -> StoreResult<()> {
        fix(self.pg()?.insert_execution(execution).await)
    }

    async fn append_execution_logs(
        &self,
        execution_id: Uuid,
        lines: &[LogLine],
    ) -> StoreResult<u64> {
        fix(self.pg()?.append_execution_logs(execution_id, lines).await)
    }

    async fn executions_of(&self, process_id: Uuid) -> StoreResult<Vec<(Execution, Vec<LogLine>)>> {
        fix(self.pg()?.executions_of(process_id).await)
    }

    async fn list_executions(&self, filter: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>> {
        fix(self.pg()?.list_executions(filter).await)
    }

    async fn execution_detail(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>> {
        fix(self.pg()?.execution_detail(id).await)
    }

    async fn claim_robot_work(&self, claim: &WorkClaim) -> StoreResult<Vec<ClaimedWork>> {
        fix(self.pg()?.claim_robot_work(claim).await)
    }

    async fn claim_open_executions(&self, claim: &PollClaim) -> StoreResult<Vec<Execution>> {
        fix(self.pg()?.claim_open_executions(claim).await)
    }

    async fn release_leases(&self, owner: &str) -> StoreResult<u64> {
        fix(self.pg()?.release_leases(owner).await)
    }

    async fn executions_without_job(&self) -> StoreResult<Vec<(Execution, Uuid)>> {
        fix(self.pg()?.executions_without_job().await)
    }

    async fn known_job_ids(&self, job_ids: &[String]) -> StoreResult<Vec<String>> {
        fix(self.pg()?.known_job_ids(job_ids).await)
    }

    async fn save_execution(&self, execution: &Execution) -> StoreResult<()> {
        fix(self.pg()?.save_execution(execution).await)
    }

    async fn finish_execution(&self, outcome: &ExecutionOutcome) -> StoreResult<bool> {
        fix(self.pg()?.finish_execution(outcome).await)
    }

    async fn purge_execution_logs(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        fix(self.pg()?.purge_execution_logs(before).await)
    }

    async fn list_schedules(&self) -> StoreResult<Vec<Schedule>> {
        fix(self.pg()?.list_schedules().await)
    }

    async fn save_schedule(
        &self,
        schedule: &Schedule,
        expected_version: Option<i64>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        fix(self
            .pg()?
            .save_schedule(schedule, expected_version, audit)
            .await)
    }

    async fn delete_schedule(&self, id: Uuid, audit: &AuditEvent) -> StoreResult<bool> {
        fix(self.pg()?.delete_schedule(id, audit).await)
    }

    async fn advance_schedule(
        &self,
        id: Uuid,
        expected_next: Option<DateTime<Utc>>,
        last_run: DateTime<Utc>,
        next_run: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        fix(self
            .pg()?
            .advance_schedule(id, expected_next, last_run, next_run)
            .await)
    }

    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()> {
        fix(self.pg()?.backup_into(path).await)
    }

    async fn latest_change_seq(&self) -> StoreResult<i64> {
        fix(self.pg()?.latest_change_seq().await)
    }

    async fn changes_since(&self, seq: i64, limit: i64) -> StoreResult<Vec<Change>> {
        fix(self.pg()?.changes_since(seq, limit).await)
    }

    async fn prune_change_feed(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        fix(self.pg()?.prune_change_feed(before).await)
    }

    async fn change_listener(&self) -> StoreResult<Option<ChangeListener>> {
        fix(self.pg()?.change_listener().await)
    }

    async fn process_months(&self) -> StoreResult<Vec<String>> {
        fix(self.pg()?.process_months().await)
    }

    async fn operator_month(&self, month: &str) -> StoreResult<Vec<OperatorMonth>> {
        fix(self.pg()?.operator_month(month).await)
    }

    async fn attention_processes(&self, month: &str, limit: i64) -> StoreResult<Vec<ProcessRow>> {
        fix(self.pg()?.attention_processes(month, limit).await)
    }

    async fn get_setting(&self, key: &str) -> StoreResult<Option<serde_json::Value>> {
        fix(self.pg()?.get_setting(key).await)
    }

    async fn server_info(&self) -> StoreResult<ServerInfo> {
        fix(self.pg()?.server_info().await)
    }

    async fn legacy_keys(&self, probe: &legacy::LegacyProbe) -> StoreResult<legacy::LegacyKeys> {
        fix(self.pg()?.legacy_keys(probe).await)
    }

    async fn import_legacy(&self, batch: &legacy::LegacyBatch) -> StoreResult<()> {
        fix(self.pg()?.import_legacy(batch).await)
    }
}
