use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::operator::{Operator, OperatorFilter, OperatorInput, Page};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn list_operators(
    state: State<'_, AppState>,
    token: String,
    filter: OperatorFilter,
) -> CmdResult<Page<Operator>> {
    state.desk().await?.list_operators(&token, filter).await
}

#[tauri::command]
pub async fn create_operator(
    state: State<'_, AppState>,
    token: String,
    input: OperatorInput,
) -> CmdResult<Operator> {
    state.desk().await?.create_operator(&token, input).await
}

#[tauri::command]
pub async fn update_operator(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    input: OperatorInput,
) -> CmdResult<Operator> {
    state
        .desk()
        .await?
        .update_operator(&token, id, version, input)
        .await
}

#[tauri::command]
pub async fn set_operator_active(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    active: bool,
) -> CmdResult<Operator> {
    state
        .desk()
        .await?
        .set_operator_active(&token, id, version, active)
        .await
}
