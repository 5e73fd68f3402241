//! Schedules (Configurações → Agendamentos; administrators only, checked in `Desk`):
//! list, create, change, switch on/off, delete, and the editor's preview of the next runs.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::{ScheduleInput, ScheduleItem, ScheduleList, SchedulePreview};
use tauri::State;
use uuid::Uuid;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_schedules(state: State<'_, AppState>, token: String) -> CmdResult<ScheduleList> {
    state.desk().await?.list_schedules(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn preview_schedule(
    state: State<'_, AppState>,
    token: String,
    cron: String,
) -> CmdResult<SchedulePreview> {
    state.desk().await?.preview_schedule(&token, &cron)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn create_schedule(
    state: State<'_, AppState>,
    token: String,
    input: ScheduleInput,
) -> CmdResult<ScheduleItem> {
    state.desk().await?.create_schedule(&token, input).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn update_schedule(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    input: ScheduleInput,
) -> CmdResult<ScheduleItem> {
    state
        .desk()
        .await?
        .update_schedule(&token, id, version, input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_schedule_active(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    active: bool,
) -> CmdResult<ScheduleItem> {
    state
        .desk()
        .await?
        .set_schedule_active(&token, id, version, active)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn delete_schedule(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
) -> CmdResult<()> {
    state
        .desk()
        .await?
        .delete_schedule(&token, id, version)
        .await
}
