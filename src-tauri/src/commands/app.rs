use crate::state::{since_start_ms, AppState};
use std::io::Write;
use tauri::State;

/// The interface calls this once its first screen is painted. The first call prints a
/// `BRM_READY <ms>` line on stdout, which the start-up benchmark waits for.
/// `marks` are the page's own timings (performance.now() at each step), logged at debug
/// level to see where start-up time goes.
#[tauri::command]
pub fn ui_ready(state: State<'_, AppState>, marks: Option<serde_json::Value>) {
    if state.first_ready() {
        let ms = since_start_ms();
        tracing::info!(ms, "first screen painted");
        tracing::debug!(?marks, "page timings");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "BRM_READY {ms}");
        let _ = out.flush();
    }
}
