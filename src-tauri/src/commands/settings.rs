//! Database settings (administrators only, checked in `Desk`) and the database status
//! every logged-in role's banner asks for.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::db_settings::probe::ConnectionTest;
use brm_service::db_settings::DbSettingsInput;
use brm_service::session_checks::SessionSettings;
use brm_service::{DbSettingsView, DbStatus};
use brm_store::postgres::tls::ConnectionSecurity;
use tauri::State;

#[tauri::command]
pub async fn get_database_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<DbSettingsView> {
    state
        .desk()
        .await?
        .get_database_settings(&token, state.db_settings())
        .await
}

#[tauri::command]
pub async fn test_database_connection(
    state: State<'_, AppState>,
    token: String,
    input: DbSettingsInput,
) -> CmdResult<ConnectionTest> {
    state
        .desk()
        .await?
        .test_database_connection(&token, input)
        .await
}

#[tauri::command]
pub async fn save_database_settings(
    state: State<'_, AppState>,
    token: String,
    input: DbSettingsInput,
) -> CmdResult<DbSettingsView> {
    state
        .desk()
        .await?
        .save_database_settings(&token, state.db_settings(), input)
        .await
}

#[tauri::command]
pub async fn database_security(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Option<ConnectionSecurity>> {
    state.desk().await?.database_security(&token).await
}

#[tauri::command]
pub async fn database_status(state: State<'_, AppState>, token: String) -> CmdResult<DbStatus> {
    state.desk().await?.database_status(&token)
}

#[tauri::command]
pub async fn get_session_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<SessionSettings> {
    state.desk().await?.get_session_settings(&token).await
}

#[tauri::command]
pub async fn save_session_settings(
    state: State<'_, AppState>,
    token: String,
    input: SessionSettings,
) -> CmdResult<SessionSettings> {
    state
        .desk()
        .await?
        .save_session_settings(&token, input)
        .await
}
