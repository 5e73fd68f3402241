//! Where data and logs live. Defaults follow each OS's convention through Tauri's path
//! resolver (Linux: ~/.local/share/br.com.brmsolutions.rpadesk); `BRM_DATABASE_URL`
//! overrides the database.

use std::path::PathBuf;
use tauri::{AppHandle, Manager};

pub const DATABASE_FILE: &str = "brm-desk.sqlite3";

pub fn database_url(app: &AppHandle) -> String {
    if let Ok(url) = std::env::var("BRM_DATABASE_URL") {
        if !url.trim().is_empty() {
            return url;
        }
    }
    match app.path().app_data_dir() {
        Ok(dir) => format!("sqlite://{}", dir.join(DATABASE_FILE).display()),
        // No home folder at all: the store reports the error; do not guess a location.
        Err(_) => format!("sqlite://{DATABASE_FILE}"),
    }
}

pub fn log_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_log_dir().ok()
}
