//! Where data and logs live. Defaults follow each OS's convention through Tauri's path
//! resolver (Linux: ~/.local/share/br.com.brmsolutions.rpadesk); `BRM_DATABASE_URL`
//! overrides the database.

use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager};

pub const DATABASE_FILE: &str = "brm-desk.sqlite3";

pub fn database_url(app: &AppHandle) -> String {
    choose_database_url(
        std::env::var("BRM_DATABASE_URL").ok(),
        app.path().app_data_dir().ok().as_deref(),
    )
}

/// The override when it is set and not blank; else the SQLite file in the app-data
/// folder. With no app-data folder at all (no home), a relative file: the store then
/// reports where it tried, instead of the app guessing another place.
fn choose_database_url(env: Option<String>, data_dir: Option<&Path>) -> String {
    match (env.filter(|u| !u.trim().is_empty()), data_dir) {
        (Some(url), _) => url.trim().to_string(),
        (None, Some(dir)) => format!("sqlite://{}", dir.join(DATABASE_FILE).display()),
        (None, None) => format!("sqlite://{DATABASE_FILE}"),
    }
}

pub fn log_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_log_dir().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_unless_blank() {
        let dir = Path::new("/home/ana/.local/share/br.com.brmsolutions.rpadesk");
        assert_eq!(
            choose_database_url(Some(" sqlite:///tmp/outro.sqlite3 ".into()), Some(dir)),
            "sqlite:///tmp/outro.sqlite3"
        );
        assert_eq!(
            choose_database_url(Some("  ".into()), Some(dir)),
            "sqlite:///home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3"
        );
        assert_eq!(choose_database_url(None, None), "sqlite://brm-desk.sqlite3");
    }
}
