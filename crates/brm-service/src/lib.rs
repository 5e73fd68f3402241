//! The use cases of BRM RPA Desk, each checking the caller's session and role before it
//! touches the store. Tauri commands are thin wrappers over [`Desk`]; a windowless worker
//! or a test calls the same methods, so a check here cannot be skipped by any caller.

mod auth;
mod client_import;
mod clients;
pub mod db_settings;
pub mod health;
pub mod monitor;
mod operators;
pub mod password;
mod processes;
pub mod sessions;
mod settings;
mod users;

use brm_core::clock::{Clock, SystemClock};
use brm_secrets::{OsKeyring, SecretBox};
use brm_store::Store;
use sessions::Sessions;
use std::sync::Arc;

pub use auth::{LoginOutput, SetupStatus};
pub use client_import::{ImportPreviewOut, ImportResult};
pub use health::{DbState, DbStatus, Health, HealthEvents};
pub use processes::{brasilia, ProcessDetail};
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
    /// Whether the database answers; while it does not, changes are refused at once.
    health: health::Health,
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
            health: health::Health::new(),
        }
    }

    /// The same desk sealing secrets through another key store (tests use memory).
    pub fn with_secrets(mut self, secrets: SecretBox) -> Self {
        self.secrets = Arc::new(secrets);
        self
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
