//! The database choice on this computer: `database.json` in the OS app-config folder
//! (Linux: ~/.config/br.com.brmsolutions.rpadesk/; Windows: beside the database, see
//! `paths::machine_config_dir`) and the PostgreSQL password in the OS
//! keyring. Only the I/O is here; the rules are in `brm_service::db_settings`.

use brm_secrets::{KeyStore, OsKeyring, POSTGRES_PASSWORD};
use brm_service::db_settings::file::DbConfigFile;
use brm_service::db_settings::startup::resolve_from_file;
use brm_service::db_settings::CONFIG_FILE;
use brm_service::DbSettingsContext;
use std::path::PathBuf;
use tauri::AppHandle;

/// `database.json`'s place, or `None` when the OS gives no config folder.
pub fn config_file_in(config_dir: Option<PathBuf>) -> Option<DbConfigFile> {
    config_dir.map(|dir| DbConfigFile::new(dir.join(CONFIG_FILE)))
}

/// What start-up decided: the URL to open (or the pt-BR reason there is none, which the
/// start-up screen shows) and what the settings commands need.
pub struct DatabaseChoice {
    pub url: brm_core::Result<String>,
    pub settings: DbSettingsContext,
}

/// Reads the override, the file and (only for PostgreSQL) the keyring, and decides.
/// Runs once during set-up, before the window exists; a keyring unlock prompt, if any,
/// appears then.
pub fn startup_choice(app: &AppHandle, default_sqlite: PathBuf) -> DatabaseChoice {
    startup_choice_in(crate::paths::machine_config_dir(app), default_sqlite)
}

/// The same decision from a config folder (the windowless worker has no `AppHandle`).
pub fn startup_choice_in(config_dir: Option<PathBuf>, default_sqlite: PathBuf) -> DatabaseChoice {
    let file = config_file_in(config_dir);
    let choice = resolve_from_file(
        std::env::var("BRM_DATABASE_URL").ok(),
        file.as_ref(),
        default_sqlite,
        || OsKeyring::app().get(POSTGRES_PASSWORD),
    );
    tracing::info!(
        kind = choice.running.kind.as_str(),
        source = ?choice.running.source,
        config = ?file.as_ref().map(|f| f.path().display().to_string()),
        "database chosen"
    );
    DatabaseChoice {
        url: choice.url,
        settings: DbSettingsContext::new(file, choice.running),
    }
}
