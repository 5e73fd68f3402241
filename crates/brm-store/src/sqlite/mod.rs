//! The embedded default: one SQLite file in the OS app-data folder, WAL journal (readers
//! never wait for the writer), foreign keys enforced, migrations applied on open.

mod audit;
mod codec;
mod operators;
mod users;

use crate::{Backend, LoginFailure, OperatorConflicts, Store, StoreError, StoreResult};
use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::user::User;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

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
            .busy_timeout(Duration::from_secs(5));
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
}

/// Turns SQLite's unique-constraint message ("UNIQUE constraint failed: operators.code")
/// into the field it concerns, so the form can point at it.
pub(crate) fn map_unique(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let msg = db.message();
            let field = msg.rsplit('.').next().unwrap_or("").trim();
            let field = if field == "name_key" { "name" } else { field };
            return StoreError::Unique(field.to_string());
        }
    }
    StoreError::Sql(e)
}
