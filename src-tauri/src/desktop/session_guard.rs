//! Ends this desktop's sessions where the database says so (a person deactivated or whose
//! password was reset on another desktop, a role changed there, the idle limit), and
//! ends the Rust side's session whenever the window's page loads again (a reload, a
//! crash recovery): the page's token is gone then, and a notification's "Aprovar" must
//! not act under the previous person's name.
//!
//! The window is told with a `session-ended` event ({message}) and shows the login
//! screen; its next command would be UNAUTHENTICATED anyway.

use crate::state::AppState;
use brm_service::session_checks::REVALIDATE_EVERY;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

pub const SESSION_ENDED: &str = "session-ended";

#[derive(Debug, Clone, Serialize)]
pub struct SessionEnded {
    pub message: String,
}

/// The revalidation loop, for the life of the app.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Ok(desk) = state.desk().await else {
            return;
        };
        loop {
            tokio::time::sleep(REVALIDATE_EVERY).await;
            for ended in desk.revalidate_sessions().await {
                let desktop = state.desktop();
                if desktop.token().as_deref() == Some(ended.token.as_str()) {
                    desktop.logged_out(&ended.token);
                }
                let told = app.emit(
                    SESSION_ENDED,
                    SessionEnded {
                        message: ended.reason.message().to_string(),
                    },
                );
                if let Err(e) = told {
                    tracing::warn!(error = %e, "session end not told to the window");
                }
            }
        }
    });
}

/// The page started loading (first load, reload, recovery after a crash): whoever was
/// logged in through the previous page is logged out here too.
pub fn page_loading<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let Some(token) = state.desktop().token() else {
        return;
    };
    state.desktop().logged_out(&token);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        if let Ok(desk) = state.desk().await {
            if let Err(e) = desk.logout(&token).await {
                tracing::warn!(error = %e.message, "logout on page load not audited");
            }
        }
        tracing::info!("the window's page loaded again: its session ended");
    });
}
