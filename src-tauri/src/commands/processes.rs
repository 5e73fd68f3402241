use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::operator::Page;
use brm_core::process::{MonthCreation, ProcessFilter, ProcessRow};
use brm_service::{ApprovalResult, ProcessDetail};
use tauri::State;
use uuid::Uuid;

#[tauri::command(rename_all = "snake_case")]
pub async fn create_month_processes(
    state: State<'_, AppState>,
    token: String,
    month: String,
    operator_id: Option<Uuid>,
) -> CmdResult<MonthCreation> {
    state
        .desk()
        .await?
        .create_month_processes(&token, &month, operator_id)
        .await
}

#[tauri::command]
pub async fn list_processes(
    state: State<'_, AppState>,
    token: String,
    filter: ProcessFilter,
) -> CmdResult<Page<ProcessRow>> {
    state.desk().await?.list_processes(&token, filter).await
}

#[tauri::command]
pub async fn get_process(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
) -> CmdResult<ProcessDetail> {
    state.desk().await?.get_process(&token, id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn approve_process(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    notes: Option<String>,
) -> CmdResult<ApprovalResult> {
    state
        .desk()
        .await?
        .approve_process(&token, id, version, notes)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reject_process(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    reason: Option<String>,
    reason_code: Option<String>,
) -> CmdResult<ProcessRow> {
    state
        .desk()
        .await?
        .reject_process(
            &token,
            id,
            version,
            reason.as_deref().unwrap_or(""),
            reason_code.as_deref(),
        )
        .await
}

#[tauri::command]
pub async fn cancel_process(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    reason: String,
) -> CmdResult<ProcessRow> {
    state
        .desk()
        .await?
        .cancel_process(&token, id, version, &reason)
        .await
}
