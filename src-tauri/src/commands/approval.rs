//! The approval desk's commands: the queue, the invoice file (raw bytes: the window gets
//! an ArrayBuffer for the PDF viewer), the client's history, typed values, bulk approval,
//! the rejection reasons and the approval settings. Thin: the `Desk` decides.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::process::ProcessRow;
use brm_service::{
    ApprovalQueue, ApprovalQueueFilter, ApprovalSettings, BulkItem, BulkResult, HistoryPoint,
    RejectionReason,
};
use tauri::ipc::Response;
use tauri::State;
use uuid::Uuid;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_approval_queue(
    state: State<'_, AppState>,
    token: String,
    filter: Option<ApprovalQueueFilter>,
) -> CmdResult<ApprovalQueue> {
    state
        .desk()
        .await?
        .approval_queue(&token, filter.unwrap_or_default())
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_pdf(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
) -> CmdResult<Response> {
    let bytes = state.desk().await?.invoice_pdf(&token, id).await?;
    Ok(Response::new(bytes))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn client_invoice_history(
    state: State<'_, AppState>,
    token: String,
    client_id: Uuid,
    months: Option<u32>,
) -> CmdResult<Vec<HistoryPoint>> {
    state
        .desk()
        .await?
        .client_invoice_history(&token, client_id, months)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_invoice_values(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    amount: Option<String>,
    due_date: Option<String>,
) -> CmdResult<ProcessRow> {
    state
        .desk()
        .await?
        .set_invoice_values(&token, id, version, amount, due_date)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn approve_many(
    state: State<'_, AppState>,
    token: String,
    items: Vec<BulkItem>,
    notes: Option<String>,
) -> CmdResult<BulkResult> {
    state.desk().await?.approve_many(&token, items, notes).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rejection_reasons(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Vec<RejectionReason>> {
    state.desk().await?.rejection_reasons(&token)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_approval_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<ApprovalSettings> {
    state.desk().await?.get_approval_settings(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_approval_settings(
    state: State<'_, AppState>,
    token: String,
    input: ApprovalSettings,
) -> CmdResult<ApprovalSettings> {
    state
        .desk()
        .await?
        .save_approval_settings(&token, input)
        .await
}
