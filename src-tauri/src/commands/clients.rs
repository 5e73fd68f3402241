use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::client::{Client, ClientFilter, ClientInput};
use brm_core::operator::Page;
use brm_service::{ImportPreviewOut, ImportResult};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn list_clients(
    state: State<'_, AppState>,
    token: String,
    filter: ClientFilter,
) -> CmdResult<Page<Client>> {
    state.desk().await?.list_clients(&token, filter).await
}

#[tauri::command]
pub async fn create_client(
    state: State<'_, AppState>,
    token: String,
    input: ClientInput,
) -> CmdResult<Client> {
    state.desk().await?.create_client(&token, input).await
}

#[tauri::command]
pub async fn update_client(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    input: ClientInput,
) -> CmdResult<Client> {
    state
        .desk()
        .await?
        .update_client(&token, id, version, input)
        .await
}

#[tauri::command]
pub async fn set_client_active(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    version: i64,
    active: bool,
) -> CmdResult<Client> {
    state
        .desk()
        .await?
        .set_client_active(&token, id, version, active)
        .await
}

// The window sends these keys in snake_case (`file_name`, `content_base64`).
#[tauri::command(rename_all = "snake_case")]
pub async fn preview_client_import(
    state: State<'_, AppState>,
    token: String,
    file_name: String,
    content_base64: String,
) -> CmdResult<ImportPreviewOut> {
    state
        .desk()
        .await?
        .preview_client_import(&token, &file_name, &content_base64)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn commit_client_import(
    state: State<'_, AppState>,
    token: String,
    import_id: Uuid,
) -> CmdResult<ImportResult> {
    state
        .desk()
        .await?
        .commit_client_import(&token, import_id)
        .await
}
