//! Moving in from the old Flask system (administrators only): a preview of what would be
//! imported, then the import of exactly that preview.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::legacy_import::LegacySource;
use brm_service::{LegacyImportResult, LegacyPreviewOut};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn legacy_import_preview(
    state: State<'_, AppState>,
    token: String,
    source: LegacySource,
) -> CmdResult<LegacyPreviewOut> {
    state
        .desk()
        .await?
        .legacy_import_preview(&token, source)
        .await
}

// The window sends `preview_id` in snake_case.
#[tauri::command(rename_all = "snake_case")]
pub async fn legacy_import_commit(
    state: State<'_, AppState>,
    token: String,
    preview_id: Uuid,
) -> CmdResult<LegacyImportResult> {
    state
        .desk()
        .await?
        .legacy_import_commit(&token, preview_id)
        .await
}
