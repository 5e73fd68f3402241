//! Live updates: follows the database's change feed (`brm_store::feed`) once the
//! database is open and sends each batch to the window as `model-changed`
//! `{processes, executions, clients, operators, users, settings, everything}`, at most
//! one event per quarter second. It sees what this desktop's worker did, another window
//! or app on the same SQLite file, and (on PostgreSQL, woken by LISTEN/NOTIFY) another
//! desktop. All the logic is in the store crate; this only forwards.

use crate::robot::MODEL_CHANGED;
use crate::state::AppState;
use tauri::{AppHandle, Emitter, Manager};

pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let store = match app.state::<AppState>().desk().await {
            Ok(desk) => desk.store().clone(),
            // No database: the window shows why; nothing to follow.
            Err(_) => return,
        };
        let window = app.clone();
        let desktop = app.state::<AppState>().desktop();
        brm_store::feed::run(store, move |batch| {
            // New or changed processes may mean notifications and a new tray count.
            if batch.everything || !batch.processes.is_empty() {
                desktop.wake.notify_one();
            }
            if let Err(e) = window.emit(MODEL_CHANGED, &batch) {
                tracing::warn!(error = %e, "could not send model-changed to the window");
            }
        })
        .await;
    });
}
