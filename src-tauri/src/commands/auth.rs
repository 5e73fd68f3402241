use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::user::{NewAdminInput, UserView};
use brm_service::{LoginOutput, SetupStatus};
use tauri::State;

#[tauri::command]
pub async fn setup_status(state: State<'_, AppState>) -> CmdResult<SetupStatus> {
    tracing::debug!(ms = crate::state::since_start_ms(), "setup_status asked");
    state.desk().await?.setup_status().await
}

#[tauri::command]
pub async fn create_first_admin(
    state: State<'_, AppState>,
    input: NewAdminInput,
) -> CmdResult<UserView> {
    state.desk().await?.create_first_admin(input).await
}

#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    email: String,
    password: String,
) -> CmdResult<LoginOutput> {
    let desk = state.desk().await?;
    let out = desk.login(&email, password).await?;
    state.person_logged_in(desk).await;
    // Notifications on this desktop act with this session.
    state.desktop().logged_in(&out.token);
    Ok(out)
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.desktop().logged_out(&token);
    state.desk().await?.logout(&token).await
}

#[tauri::command]
pub async fn current_session(state: State<'_, AppState>, token: String) -> CmdResult<UserView> {
    state.desk().await?.current_session(&token)
}

/// The person used the window (a click or a key, at most once a minute): the idle count
/// of their session starts again.
#[tauri::command]
pub async fn touch_session(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.desk().await?.touch_session(&token)
}
