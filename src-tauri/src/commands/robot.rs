//! The robot side from the window: the executions screen, "Baixar agora", "Retentar",
//! "Enviar ao SAT", the manual PDF upload and the robot's health. Every role may use
//! them (domain.md: an operator triggers downloads and SAT uploads); the desk checks
//! the session and the process's state.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::execution::{ExecutionFilter, ExecutionRow};
use brm_core::operator::Page;
use brm_service::{ExecutionDetail, ProcessDetail};
use brm_worker::RobotHealth;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn list_executions(
    state: State<'_, AppState>,
    token: String,
    filter: ExecutionFilter,
) -> CmdResult<Page<ExecutionRow>> {
    state.desk().await?.list_executions(&token, filter).await
}

#[tauri::command]
pub async fn get_execution(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
) -> CmdResult<ExecutionDetail> {
    state.desk().await?.get_execution(&token, id).await
}

#[tauri::command]
pub async fn download_now(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
) -> CmdResult<ProcessDetail> {
    state.desk().await?.download_now(&token, id, version).await
}

#[tauri::command]
pub async fn retry_process(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
) -> CmdResult<ProcessDetail> {
    state.desk().await?.retry_process(&token, id, version).await
}

#[tauri::command]
pub async fn send_to_sat(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
) -> CmdResult<ProcessDetail> {
    state.desk().await?.send_to_sat(&token, id, version).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn upload_invoice(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    file_name: String,
    content_base64: String,
) -> CmdResult<ProcessDetail> {
    state
        .desk()
        .await?
        .upload_invoice(&token, id, version, &file_name, &content_base64)
        .await
}

#[tauri::command]
pub async fn robot_status(state: State<'_, AppState>, token: String) -> CmdResult<RobotHealth> {
    state.desk().await?.current_session(&token)?;
    Ok(state.robot_health())
}
