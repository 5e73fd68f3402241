//! The use cases of BRM RPA Desk, each checking the caller's session and role before it
//! touches the store. Tauri commands are thin wrappers over [`Desk`]; a windowless worker
//! or a test calls the same methods, so a check here cannot be skipped by any caller.

pub mod approval_alerts;
mod approval_checks;
pub mod approval_desk;
mod auth;
pub mod backups;
mod client_import;
mod clients;
mod dashboard;
pub mod db_settings;
pub mod desktop_prefs;
pub mod diagnostics;
pub mod email;
pub mod exports;
pub mod health;
pub mod legacy_import;
pub mod monitor;
pub mod notification_actions;
mod operators;
pub mod password;
mod processes;
pub mod robot_actions;
pub mod robot_machines;
pub mod robot_settings;
pub mod schedules;
mod secret_changes;
pub mod session_checks;
pub mod sessions;
mod settings;
pub mod shared_login;
pub mod shared_setup;
pub mod storage_markers;
pub mod storage_settings;
mod users;

use brm_core::clock::{Clock, SystemClock};
use brm_secrets::{OsKeyring, SecretBox};
use brm_store::Store;
use sessions::Sessions;
use std::sync::Arc;

pub use approval_alerts::{AlertScan, AlertTracker};
pub use approval_checks::ApprovalSettings;
pub use approval_desk::{
    ApprovalQueue, ApprovalQueueFilter, ApprovalResult, BulkItem, BulkResult, HistoryPoint,
    QueueItem, RejectionReason,
};
pub use auth::{LoginOutput, SetupStatus};
pub use client_import::{ImportPreviewOut, ImportResult};
pub use diagnostics::{Diagnostics, DiagnosticsContext, RobotInfo};
pub use exports::{Export, ExportFormat};
pub use health::{DbState, DbStatus, Health, HealthEvents};
pub use legacy_import::{LegacyImportResult, LegacyPreviewOut};
pub use notification_actions::ActionOutcome;
pub use processes::{brasilia, ProcessDetail};
pub use robot_actions::{ExecutionDetail, RobotHooks};
pub use schedules::{ScheduleInput, ScheduleItem, ScheduleList, SchedulePreview};
pub use settings::{DbSettingsContext, DbSettingsView, PostgresView, ALTERAR_CONFIGURACAO};
pub use users::REDEFINIR_SENHA;

#[derive(Clone)]
pub struct Desk {
    store: Arc<dyn Store>,
    sessions: Sessions,
    clock: Arc<dyn Clock>,
    /// Seals portal passwords under the data key in the OS keyring (an in-memory store
    /// in unit tests).
    secrets: Arc<SecretBox>,
    /// Import previews waiting for their commit.
    imports: client_import::PendingImports,
    /// Previews of the import from the old system waiting for their commit.
    legacy_imports: legacy_import::PendingLegacyImports,
    /// Whether the database answers; while it does not, changes are refused at once.
    health: health::Health,
    /// Invoice storage and the worker's wake-up, for the robot actions.
    /// Set at start-up, or after the first login where the storage's settings can only
    /// be read by a person's own login (the shared database with personal logins).
    robot: Arc<std::sync::RwLock<Option<robot_actions::RobotHooks>>>,
    /// On the prepared shared database, where each person logs in as their own database
    /// role: the store the login attaches that person's connection to (also `store`).
    person_logins: Option<Arc<brm_store::postgres::person_store::PersonStore>>,
}

impl Desk {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            sessions: Sessions::default(),
            clock,
            secrets: Arc::new(SecretBox::new(Arc::new(OsKeyring::app()))),
            imports: Default::default(),
            legacy_imports: Default::default(),
            health: health::Health::new(),
            robot: Default::default(),
            person_logins: None,
        }
    }

    /// A desk on the prepared shared database where each person logs in as their own
    /// role (`options`: host, port, database, TLS). Nothing is connected until a login.
    pub fn for_person_logins(options: sqlx::postgres::PgConnectOptions) -> Self {
        let store = Arc::new(brm_store::postgres::person_store::PersonStore::new(options));
        let mut desk = Self::new(store.clone());
        desk.person_logins = Some(store);
        desk
    }

    /// True on the shared database with personal logins.
    pub fn has_person_logins(&self) -> bool {
        self.person_logins.is_some()
    }

    /// The sealer of portal passwords, shared with the background worker (the only
    /// other place that opens them).
    pub fn secrets(&self) -> &Arc<SecretBox> {
        &self.secrets
    }

    /// The same sealer another part of the program (the worker) already holds.
    pub fn with_secrets_arc(mut self, secrets: Arc<SecretBox>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The same desk sealing secrets through another key store (tests use memory).
    pub fn with_secrets(mut self, secrets: SecretBox) -> Self {
        self.secrets = Arc::new(secrets);
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
