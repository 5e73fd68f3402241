//! App Nap (macOS). With the window closed to the tray, macOS slows a hidden app's timers
//! and network down, and the embedded worker would ask the robot about its jobs late.
//! While robot work is open (an execution PENDENTE or EXECUTANDO), the app tells macOS it
//! is busy (`NSProcessInfo beginActivityWithOptions:reason:`), and ends that once the work
//! is done. The system may still sleep; only the napping is prevented. Elsewhere there is
//! nothing to prevent: [`start`] does nothing.

use crate::state::AppState;
use brm_core::execution::ExecutionFilter;
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// Checked at every change the worker reports (gathered over this long)...
const GATHER: Duration = Duration::from_secs(1);
/// ...and at least this often (work another computer leased, a lost event).
const RECHECK: Duration = Duration::from_secs(60);

/// What macOS is told, in its settings' words.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
const REASON: &str = "BRM RPA Desk: acompanhando trabalhos do robô em andamento";

/// Whether to keep the app awake: the worker runs and some robot work is open. An
/// unknown count (the database did not answer) keeps the last decision.
pub fn should_hold(worker_running: bool, open_executions: Option<i64>, held: bool) -> bool {
    match open_executions {
        _ if !worker_running => false,
        Some(open) => open > 0,
        None => held,
    }
}

/// Follows the worker for the life of the app (macOS only; after the database opened).
pub fn start(app: &AppHandle) {
    if !cfg!(target_os = "macos") {
        return;
    }
    let Some(worker) = app.state::<AppState>().robot_worker() else {
        return;
    };
    // The receiver only: the worker itself is not kept alive by this.
    let mut rx = worker.subscribe();
    drop(worker);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let store = match app.state::<AppState>().desk().await {
            Ok(desk) => desk.store().clone(),
            Err(_) => return,
        };
        let open_only = ExecutionFilter {
            open_only: true,
            page: 1,
            page_size: 1,
            ..Default::default()
        };
        let mut held = false;
        loop {
            let open = match store.list_executions(&open_only).await {
                Ok(page) => Some(page.total),
                Err(e) => {
                    tracing::debug!(error = %e, "open robot work not counted");
                    None
                }
            };
            let hold = should_hold(true, open, held);
            if hold != held {
                held = hold;
                set(&app, hold);
            }
            let next = brm_worker::events::next_batch(&mut rx, GATHER);
            // None: the worker is gone (the app is ending, the database changed).
            if let Ok(None) = tokio::time::timeout(RECHECK, next).await {
                break;
            }
        }
        if held {
            set(&app, false);
        }
    });
}

/// Begins or ends the activity, on the main thread (where the token lives).
fn set(app: &AppHandle, hold: bool) {
    tracing::info!(hold, "App Nap prevention");
    #[cfg(target_os = "macos")]
    if let Err(e) = app.run_on_main_thread(move || mac::set(hold)) {
        tracing::warn!(error = %e, "App Nap prevention not changed");
    }
    #[cfg(not(target_os = "macos"))]
    let _ = app;
}

#[cfg(target_os = "macos")]
mod mac {
    use objc2::rc::Retained;
    use objc2::runtime::{NSObjectProtocol, ProtocolObject};
    use objc2_foundation::{NSActivityOptions, NSProcessInfo, NSString};
    use std::cell::RefCell;

    type Activity = Retained<ProtocolObject<dyn NSObjectProtocol>>;

    thread_local! {
        /// The token of the activity begun, kept on the main thread until it ends.
        static ACTIVITY: RefCell<Option<Activity>> = const { RefCell::new(None) };
    }

    pub fn set(hold: bool) {
        ACTIVITY.with(|slot| {
            let mut slot = slot.borrow_mut();
            let info = NSProcessInfo::processInfo();
            match (hold, slot.take()) {
                (true, Some(activity)) => *slot = Some(activity),
                (true, None) => {
                    let reason = NSString::from_str(super::REASON);
                    *slot = Some(info.beginActivityWithOptions_reason(
                        NSActivityOptions::UserInitiatedAllowingIdleSystemSleep,
                        &reason,
                    ));
                }
                // SAFETY: the token is the very object beginActivityWithOptions:reason:
                // returned, ended once (it left the slot).
                (false, Some(activity)) => unsafe { info.endActivity(&activity) },
                (false, None) => {}
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_only_while_robot_work_is_open() {
        assert!(should_hold(true, Some(1), false));
        assert!(should_hold(true, Some(3), true));
        assert!(!should_hold(true, Some(0), true));
        assert!(!should_hold(true, Some(0), false));
        // No worker (no robot configured, the database away): nothing to keep awake.
        assert!(!should_hold(false, Some(2), true));
        // The count failed: the last decision stands.
        assert!(should_hold(true, None, true));
        assert!(!should_hold(true, None, false));
    }
}
