//! The desktop's side of the backups (the rules are in `brm_service::backups`):
//!
//! - at start-up, BEFORE the database opens, a restore asked for in the previous run
//!   (`restore-pending.json`) is applied or refused;
//! - once the database is open, that outcome is audited and kept for the screen;
//! - then the daily copy is checked once at start (the catch-up) and every minute.
//!
//! The commands reach the copies through the [`BackupPlace`] managed here.

use crate::state::AppState;
use brm_service::backups::{apply_pending_restore, BackupPlace};
use brm_service::db_settings::DbKind;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// How often the daily copy is checked.
const CHECK_EVERY: Duration = Duration::from_secs(60);
/// After a failed copy (a full disk), the next try waits longer: one line in the log
/// per half hour, not per minute.
const AFTER_FAILURE: Duration = Duration::from_secs(30 * 60);

/// The copies' folder and the database file, from the app-data folder and the database
/// start-up chose (no file on PostgreSQL).
pub fn place_for(
    data_dir: Option<PathBuf>,
    kind: DbKind,
    sqlite_path: Option<&str>,
) -> BackupPlace {
    let database_file = match kind {
        DbKind::Sqlite => sqlite_path.map(PathBuf::from),
        DbKind::Postgres => None,
    };
    let data_dir = data_dir
        .or_else(|| {
            database_file
                .as_ref()
                .and_then(|f| f.parent().map(PathBuf::from))
        })
        .unwrap_or_else(|| PathBuf::from("."));
    BackupPlace::new(&data_dir, database_file)
}

/// Called in `setup` once `AppState` is managed and before anything opens the database.
pub fn start(app: &AppHandle) {
    let state = app.state::<AppState>();
    let running = state.db_settings().running();
    let place = Arc::new(place_for(
        crate::paths::machine_data_dir(app),
        running.kind,
        running.sqlite_path.as_deref(),
    ));
    let report = tauri::async_runtime::block_on(apply_pending_restore(&place, chrono::Utc::now()));
    app.manage(place.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let desk = match app.state::<AppState>().desk().await {
            Ok(desk) => desk.clone(),
            Err(e) => {
                tracing::warn!(error = %e, "no database: no daily backup");
                return;
            }
        };
        if let Some(report) = report {
            desk.record_restore(&place, report).await;
        }
        loop {
            let wait = match desk.run_scheduled_backup(&place).await {
                Ok(_) => CHECK_EVERY,
                Err(e) => {
                    tracing::warn!(error = %e, "daily backup failed");
                    AFTER_FAILURE
                }
            };
            tokio::time::sleep(wait).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_go_to_the_data_folder_and_postgres_has_no_file() {
        let data = PathBuf::from("/home/ana/.local/share/br.com.brmsolutions.rpadesk");
        let db = "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3";
        let p = place_for(Some(data.clone()), DbKind::Sqlite, Some(db));
        assert_eq!(p.dir(), data.join("backups"));
        assert_eq!(p.marker(), data.join("restore-pending.json"));
        assert_eq!(p.database_file(), Some(PathBuf::from(db).as_path()));
        let p = place_for(Some(data.clone()), DbKind::Postgres, Some(db));
        assert_eq!(p.database_file(), None);
        // No app-data folder: beside the database file.
        let p = place_for(None, DbKind::Sqlite, Some("/srv/brm/brm.sqlite3"));
        assert_eq!(p.dir(), PathBuf::from("/srv/brm/backups"));
    }
}
