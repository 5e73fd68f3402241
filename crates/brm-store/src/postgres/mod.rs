//! The shared production database: PostgreSQL with native uuid, timestamptz and jsonb.
//! Same contract as the SQLite module; only the SQL dialect differs.

mod audit;
mod operators;
mod users;

use crate::{Backend, LoginFailure, OperatorConflicts, Store, StoreError, StoreResult};
use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::user::User;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;
use uuid::Uuid;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "não foi possível conectar ao PostgreSQL em {}: {e}",
                    crate::redact_url(url)
                ))
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
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

/// Names the field behind a unique violation from the constraint PostgreSQL reports
/// (`users_email_key`, `operators_name_key_key`, `operators_code_key`).
pub(crate) fn map_unique(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let c = db.constraint().unwrap_or("");
            let field = if c.contains("name_key") {
                "name"
            } else if c.contains("code") {
                "code"
            } else if c.contains("email") {
                "email"
            } else {
                c
            };
            return StoreError::Unique(field.to_string());
        }
    }
    StoreError::Sql(e)
}
