//! The background side of notifications: whenever the database's processes change (the
//! change feed wakes it), someone logs in or out, or a minute passes, it asks the service
//! what is new for the session logged in on this desktop, turns that into notices
//! (summaries, quiet hours, preferences) and shows them, and keeps the tray's count.

use crate::desktop::{notifications, tray};
use crate::state::AppState;
use brm_core::notice::NoticeComposer;
use brm_service::{AlertTracker, Desk};
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// Held notices come out within a minute of the quiet hours' end.
const TICK: Duration = Duration::from_secs(60);

pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Ok(desk) = state.desk().await else {
            return;
        };
        let desktop = state.desktop();
        let mut tracker = AlertTracker::default();
        let mut composer = NoticeComposer::default();
        let mut scanned_for: Option<String> = None;
        loop {
            let token = desktop.token();
            if token != scanned_for {
                // A new session starts from what waits now, without a burst of old news.
                tracker = AlertTracker::default();
                scanned_for = token.clone();
            }
            match &token {
                None => tray::set_waiting(&app, None),
                Some(t) => round(&app, desk, t, &mut tracker, &mut composer).await,
            }
            tokio::select! {
                _ = desktop.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    });
}

async fn round(
    app: &AppHandle,
    desk: &Desk,
    token: &str,
    tracker: &mut AlertTracker,
    composer: &mut NoticeComposer,
) {
    let Ok(user) = desk.current_session(token) else {
        // Ended elsewhere (password reset, deactivated): nothing to count or notify.
        tray::set_waiting(app, None);
        return;
    };
    if !user.role.can_approve() {
        tray::set_waiting(app, desk.waiting_total(token).await.ok());
        return;
    }
    let scan = match desk.scan_alerts(token, tracker).await {
        Ok(scan) => scan,
        Err(e) => {
            tracing::warn!(code = ?e.code, error = %e.message, "alert scan failed");
            return;
        }
    };
    tray::set_waiting(app, Some(scan.waiting_total));
    let news = scan.batch.new_waiting + scan.batch.new_attention > 0;
    // Asked only when there is something to show: one D-Bus round trip per burst.
    let actions = news && notifications::server_info_async().await.actions;
    let prefs = app.state::<AppState>().desktop().prefs();
    let now = chrono::Local::now().time();
    for notice in composer.compose(scan.batch, &prefs, now, actions) {
        notifications::show(app, &notice);
    }
}
