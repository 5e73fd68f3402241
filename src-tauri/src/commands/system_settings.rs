//! Configurações → Robô, Armazenamento das faturas and Este computador (theme): thin
//! commands over `Desk` (which checks the role and audits), plus "Reiniciar agora",
//! which restarts the app the way a backup restore does so saved settings take effect.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::notice::{DesktopPreferences, Theme};
use brm_core::{Error, ErrorCode};
use brm_service::db_settings::probe::ConnectionTest;
use brm_service::robot_settings::{RobotSettingsInput, RobotSettingsView, SettingsSaved};
use brm_service::storage_settings::{
    StorageSettingsInput, StorageSettingsView, DEFAULT_FOLDER_NAME,
};
use std::path::PathBuf;
use std::time::Duration;
use tauri::{AppHandle, Runtime, State};

/// Time for the window to show "O aplicativo vai reiniciar…" before it closes.
const RESTART_AFTER: Duration = Duration::from_millis(1500);

/// `<machine data>/faturas`, the folder used when none was chosen.
fn default_folder<R: Runtime>(app: &AppHandle<R>) -> CmdResult<PathBuf> {
    crate::paths::machine_data_dir(app)
        .map(|d| d.join(DEFAULT_FOLDER_NAME))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "O sistema não informou a pasta de dados do aplicativo.",
            )
        })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_robot_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<RobotSettingsView> {
    state.desk().await?.get_robot_settings(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_robot_settings(
    state: State<'_, AppState>,
    token: String,
    input: RobotSettingsInput,
) -> CmdResult<SettingsSaved<RobotSettingsView>> {
    state.desk().await?.save_robot_settings(&token, input).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn test_robot_connection(
    state: State<'_, AppState>,
    token: String,
    input: RobotSettingsInput,
) -> CmdResult<ConnectionTest> {
    state
        .desk()
        .await?
        .test_robot_connection(&token, input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_storage_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<StorageSettingsView> {
    let desk = state.desk().await?;
    desk.authorize_settings(&token, "ver as configurações do armazenamento")?;
    desk.get_storage_settings(&token, &default_folder(&app)?)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_storage_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
    input: StorageSettingsInput,
) -> CmdResult<SettingsSaved<StorageSettingsView>> {
    let desk = state.desk().await?;
    desk.authorize_settings(&token, "alterar as configurações do armazenamento")?;
    desk.save_storage_settings(&token, &default_folder(&app)?, input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn test_storage<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
    input: StorageSettingsInput,
) -> CmdResult<ConnectionTest> {
    let desk = state.desk().await?;
    desk.authorize_settings(&token, "testar o armazenamento")?;
    desk.test_storage(&token, &default_folder(&app)?, input)
        .await
}

/// This computer's theme, kept with its preferences (the window caches it in
/// localStorage for the first paint) and audited for whoever is logged in.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_theme(
    state: State<'_, AppState>,
    token: String,
    theme: String,
) -> CmdResult<DesktopPreferences> {
    let desk = state.desk().await?;
    desk.current_session(&token)?;
    // A string, not the enum: an unknown value gets the pt-BR answer, not a parse error.
    let theme = Theme::parse(&theme)?;
    let desktop = state.desktop();
    let before = desktop.prefs();
    let saved = desktop.save_prefs(DesktopPreferences {
        theme,
        ..before.clone()
    })?;
    super::desktop::audit_preferences(desk, &token, &before, &saved).await;
    Ok(saved)
}

/// "Reiniciar agora" (administrators): the saved robot, storage or database settings
/// take effect. Answers first, then restarts.
#[tauri::command(rename_all = "snake_case")]
pub async fn restart_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<()> {
    let user = state
        .desk()
        .await?
        .authorize_settings(&token, "reiniciar o aplicativo")?;
    tracing::info!(user = %user.id, "restart asked from the settings screen");
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(RESTART_AFTER).await;
        app.request_restart();
    });
    Ok(())
}
