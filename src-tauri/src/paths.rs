//! Where data, logs and the database choice live. Defaults follow each OS's convention
//! through Tauri's path resolver (Linux: ~/.local/share/br.com.brmsolutions.rpadesk).
//! This computer's data (database, invoices, backups) is in the OS's *local* data folder
//! ([`machine_data_dir`]): on Windows `%LOCALAPPDATA%`, never the roaming profile that
//! offices copy to a network share; on Linux and macOS the local and the roaming data
//! folders are the same one (`dirs`: `~/.local/share`, `~/Library/Application Support`).
//! Which database opens is decided by `brm_service::db_settings::startup`:
//! `BRM_DATABASE_URL`, else `database.json` (see db_config.rs), else the SQLite file.

use crate::db_config::DatabaseChoice;
use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime};

pub const DATABASE_FILE: &str = "brm-desk.sqlite3";

/// tauri.conf.json's identifier: Tauri names the app folders after it, and the
/// windowless worker (no Tauri app) finds the same folders through it.
pub const IDENTIFIER: &str = "br.com.brmsolutions.rpadesk";

/// The start-up decision: the URL to open (or the pt-BR reason there is none, shown by
/// the start-up screen) and what the settings screen reports as running.
pub fn database_url(app: &AppHandle) -> DatabaseChoice {
    crate::db_config::startup_choice(app, default_sqlite_file(machine_data_dir(app)))
}

/// This computer's data folder: the database, `faturas/`, `backups/`. The local data
/// folder, or on Windows the roaming one while it still holds the data (its move failed:
/// see data_move.rs).
pub fn machine_data_dir<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    local_or_roaming(
        app.path().app_data_dir().ok(),
        app.path().app_local_data_dir().ok(),
    )
}

/// The folder of `database.json` and `preferencias.json`: on Windows the data folder
/// (they moved out of the roaming profile with it, and the Windows service finds the
/// choice beside the database); elsewhere the OS config folder (`~/.config/<id>` on
/// Linux, the data folder itself on macOS).
pub fn machine_config_dir<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    if cfg!(windows) {
        machine_data_dir(app)
    } else {
        app.path().app_config_dir().ok()
    }
}

/// [`machine_data_dir`] without Tauri (the windowless worker, the Windows service's
/// default `--dados`), found by the identifier.
pub fn os_machine_data_dir() -> Option<PathBuf> {
    local_or_roaming(
        dirs::data_dir().map(|d| d.join(IDENTIFIER)),
        dirs::data_local_dir().map(|d| d.join(IDENTIFIER)),
    )
}

/// [`machine_config_dir`] without Tauri.
pub fn os_machine_config_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        os_machine_data_dir()
    } else {
        dirs::config_dir().map(|d| d.join(IDENTIFIER))
    }
}

fn local_or_roaming(roaming: Option<PathBuf>, local: Option<PathBuf>) -> Option<PathBuf> {
    if cfg!(windows) {
        crate::data_move::in_use(roaming, local)
    } else {
        local
    }
}

/// Windows, at start-up before anything opens the database: the roaming folder's data
/// moves to the local one, once (data_move.rs). The outcome goes to the log (and a
/// failure to the diagnostics); after a failure the roaming folder stays in use.
#[cfg(windows)]
pub fn move_out_of_roaming(app: &AppHandle) {
    let (Ok(old), Ok(new)) = (app.path().app_data_dir(), app.path().app_local_data_dir()) else {
        return;
    };
    let outcome = crate::data_move::move_machine_data(&old, &new);
    let text = outcome.describe(&old, &new);
    match &outcome {
        crate::data_move::Outcome::NothingToMove => {}
        crate::data_move::Outcome::Moved { left_behind, .. } => {
            tracing::info!(?left_behind, detail = %text, "machine data moved out of the roaming profile")
        }
        crate::data_move::Outcome::NewHasData => {
            tracing::info!(detail = %text, "machine data: both folders have data, the local one is used")
        }
        crate::data_move::Outcome::Failed(e) => {
            tracing::error!(error = %e, detail = %text, "machine data not moved out of the roaming profile")
        }
    }
}

/// The SQLite file in the app-data folder. With no app-data folder at all (no home), a
/// relative file: the store then reports where it tried, instead of the app guessing
/// another place.
pub fn default_sqlite_file(data_dir: Option<PathBuf>) -> PathBuf {
    match data_dir {
        Some(dir) => dir.join(DATABASE_FILE),
        None => PathBuf::from(DATABASE_FILE),
    }
}

/// This computer's preferences (notifications, tray), beside the database choice.
pub fn preferences_file(app: &AppHandle) -> Option<PathBuf> {
    machine_config_dir(app).map(|d| d.join(PREFERENCES_FILE))
}

pub const PREFERENCES_FILE: &str = "preferencias.json";

pub fn log_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_log_dir().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_is_the_one_tauri_uses() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], IDENTIFIER);
    }

    #[test]
    fn linux_and_macos_keep_their_folders() {
        // There the local data folder is the data folder: nothing moves, nothing changes.
        if cfg!(windows) {
            return;
        }
        assert_eq!(dirs::data_local_dir(), dirs::data_dir());
        assert_eq!(
            os_machine_data_dir(),
            dirs::data_dir().map(|d| d.join(IDENTIFIER))
        );
        assert_eq!(
            os_machine_config_dir(),
            dirs::config_dir().map(|d| d.join(IDENTIFIER))
        );
    }

    #[test]
    fn the_sqlite_file_sits_in_the_data_folder() {
        let dir = PathBuf::from("/home/ana/.local/share/br.com.brmsolutions.rpadesk");
        assert_eq!(
            default_sqlite_file(Some(dir.clone())),
            dir.join("brm-desk.sqlite3")
        );
        assert_eq!(default_sqlite_file(None), PathBuf::from("brm-desk.sqlite3"));
    }
}
