//! The robot side inside the desktop app: started with the database (the bundled
//! simulator unless a robot URL is configured), and its health sent to the window as
//! `robot-status`. What the worker writes reaches the window as `model-changed` through
//! the database's change feed (live_feed.rs), like any other desktop's writes: one
//! batcher, so never more than four events a second.

use crate::state::AppState;
use brm_worker::events::next_batch;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

pub const MODEL_CHANGED: &str = "model-changed";
pub const ROBOT_STATUS: &str = "robot-status";
const BATCH_WINDOW: Duration = Duration::from_millis(250);

/// Forwards the robot's health to the window for the life of the app.
pub fn start_events(app: &AppHandle) {
    let Some(worker) = app.state::<AppState>().robot_worker() else {
        return;
    };
    let mut rx = worker.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(batch) = next_batch(&mut rx, BATCH_WINDOW).await {
            if let Some(h) = batch.robot {
                if let Err(e) = app.emit(ROBOT_STATUS, &h) {
                    tracing::warn!(error = %e, "could not send robot-status to the window");
                }
            }
        }
    });
}
