//! Runs the connection monitor (`brm_service::monitor`) for the life of the app and
//! tells the window every change of the database's reachability as a `db-status` event
//! (`{state: "ok"|"down", message, retry_in_secs}`), which drives the banner. The
//! monitor only pings the store that opened at start-up; it never switches databases.

use crate::state::AppState;
use brm_service::monitor::{self, MonitorTiming};
use tauri::{AppHandle, Emitter, Manager};

pub const EVENT: &str = "db-status";

/// Starts the monitor once the desk is open; without a desk (the start-up screen shows
/// why) there is nothing to watch.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let desk = {
            let state = app.state::<AppState>();
            match state.desk().await {
                Ok(desk) => desk.clone(),
                Err(_) => return,
            }
        };
        let health = desk.health().clone();
        let mut changes = health.subscribe();
        let window = app.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(status) = changes.next().await {
                if let Err(e) = window.emit(EVENT, &status) {
                    tracing::warn!(error = %e, "could not send db-status to the window");
                }
            }
        });
        monitor::run(desk.store().clone(), health, MonitorTiming::default()).await;
    });
}
