//! Backups of the embedded database (administrators only, checked in `Desk`). A restore
//! confirmed in the window is applied at the next start: the command restarts the app
//! once its answer has reached the window.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::backups::{BackupFile, BackupList, BackupPlace, BackupSettings, RestoreRequested};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Runtime, State};

/// Time for the window to show "O aplicativo vai reiniciar…" before it closes.
const RESTART_AFTER: Duration = Duration::from_millis(1500);

#[tauri::command(rename_all = "snake_case")]
pub async fn list_backups(
    state: State<'_, AppState>,
    place: State<'_, Arc<BackupPlace>>,
    token: String,
) -> CmdResult<BackupList> {
    state.desk().await?.list_backups(&token, &place).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn create_backup(
    state: State<'_, AppState>,
    place: State<'_, Arc<BackupPlace>>,
    token: String,
) -> CmdResult<BackupFile> {
    state.desk().await?.create_backup(&token, &place).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn restore_backup<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    place: State<'_, Arc<BackupPlace>>,
    token: String,
    file_name: String,
) -> CmdResult<RestoreRequested> {
    let asked = state
        .desk()
        .await?
        .restore_backup(&token, &place, &file_name)
        .await?;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(RESTART_AFTER).await;
        tracing::info!("restarting to apply the restore");
        app.request_restart();
    });
    Ok(asked)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_backup_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<BackupSettings> {
    state.desk().await?.get_backup_settings(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_backup_settings(
    state: State<'_, AppState>,
    token: String,
    input: BackupSettings,
) -> CmdResult<BackupSettings> {
    state
        .desk()
        .await?
        .save_backup_settings(&token, input)
        .await
}
