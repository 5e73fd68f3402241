//! Persistence for BRM RPA Desk. One [`Store`] trait that the services speak, and one
//! module per database (Atuin's shape): SQLite for the embedded default, PostgreSQL for
//! the shared production database, each with its migrations under `migrations/`.
//!
//! Every write that a person makes is one transaction together with its audit event:
//! methods take the prebuilt [`AuditEvent`] so no backend can forget it.

mod error;
pub mod postgres;
mod sql_text;
pub mod sqlite;

use async_trait::async_trait;
use brm_core::audit::AuditEvent;
use brm_core::operator::{Operator, OperatorFilter, Page};
use brm_core::user::User;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

pub use error::{StoreError, StoreResult};

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
