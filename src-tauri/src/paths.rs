//! Where data, logs and the database choice live. Defaults follow each OS's convention
//! through Tauri's path resolver (Linux: ~/.local/share/br.com.brmsolutions.rpadesk).
//! Which database opens is decided by `brm_service::db_settings::startup`:
//! `BRM_DATABASE_URL`, else `database.json` (see db_config.rs), else the SQLite file.

use crate::db_config::DatabaseChoice;
use std::path::PathBuf;
use tauri::{AppHandle, Manager};

pub const DATABASE_FILE: &str = "brm-desk.sqlite3";

/// tauri.conf.json's identifier: Tauri names the app folders after it, and the
/// windowless worker (no Tauri app) finds the same folders through it.
pub const IDENTIFIER: &str = "br.com.brmsolutions.rpadesk";

/// The start-up decision: the URL to open (or the pt-BR reason there is none, shown by
/// the start-up screen) and what the settings screen reports as running.
pub fn database_url(app: &AppHandle) -> DatabaseChoice {
    crate::db_config::startup_choice(app, default_sqlite_file(app.path().app_data_dir().ok()))
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
    app.path()
        .app_config_dir()
        .ok()
        .map(|d| d.join(PREFERENCES_FILE))
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
    fn the_sqlite_file_sits_in_the_data_folder() {
        let dir = PathBuf::from("/home/ana/.local/share/br.com.brmsolutions.rpadesk");
        assert_eq!(
            default_sqlite_file(Some(dir.clone())),
            dir.join("brm-desk.sqlite3")
        );
        assert_eq!(default_sqlite_file(None), PathBuf::from("brm-desk.sqlite3"));
    }
}
