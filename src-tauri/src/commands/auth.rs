use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::user::{NewAdminInput, UserView};
use brm_service::{LoginOutput, SetupStatus};
use tauri::State;

#[tauri::command]
pub async fn setup_status(state: State<'_, AppState>) -> CmdResult<SetupStatus> {
    state.desk()?.setup_status().await
}

#[tauri::command]
pub async fn create_first_admin(state: State<'_, AppState>, input: NewAdminInput) -> CmdResult<UserView> {
    state.desk()?.create_first_admin(input).await
}

#[tauri::command]
pub async fn login(state: State<'_, AppState>, email: String, password: String) -> CmdResult<LoginOutput> {
    state.desk()?.login(&email, password).await
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.desk()?.logout(&token).await
}

#[tauri::command]
pub fn current_session(state: State<'_, AppState>, token: String) -> CmdResult<UserView> {
    state.desk()?.current_session(&token)
}
