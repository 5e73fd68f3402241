use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::dashboard::Dashboard;
use tauri::State;

/// The dashboard of `month` ("YYYY-MM"; none: the current month in Brasília).
#[tauri::command]
pub async fn dashboard(
    state: State<'_, AppState>,
    token: String,
    month: Option<String>,
) -> CmdResult<Dashboard> {
    state.desk().await?.dashboard(&token, month).await
}
