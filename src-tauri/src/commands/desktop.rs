//! This computer's side of notifications: its preferences (which events notify, quiet
//! hours, closing to the tray), a test notification, and where a click that arrived
//! before login should land. Any logged-in role may use them: they concern this desktop,
//! not the shared data.

use crate::desktop::notifications::{self, ServerInfo};
use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::notice::{test_notice, DesktopPreferences, NoticeTarget};
use serde::Serialize;
use tauri::{AppHandle, State};

#[derive(Debug, Serialize)]
pub struct PreferencesView {
    pub preferences: DesktopPreferences,
    pub notifications: ServerInfo,
}

#[derive(Debug, Serialize)]
pub struct TestResult {
    #[serde(flatten)]
    pub server: ServerInfo,
    pub message: String,
}

#[tauri::command]
pub async fn get_desktop_preferences(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<PreferencesView> {
    state.desk().await?.current_session(&token)?;
    Ok(PreferencesView {
        preferences: state.desktop().prefs(),
        notifications: notifications::server_info_async().await,
    })
}

#[tauri::command]
pub async fn save_desktop_preferences(
    state: State<'_, AppState>,
    token: String,
    preferences: DesktopPreferences,
) -> CmdResult<DesktopPreferences> {
    let desk = state.desk().await?;
    let user = desk.current_session(&token)?;
    let desktop = state.desktop();
    let before = desktop.prefs();
    let saved = desktop.save_prefs(preferences)?;
    tracing::info!(user = %user.email, ?saved, "desktop preferences saved");
    audit_preferences(desk, &token, &before, &saved).await;
    Ok(saved)
}

/// Audits a saved change of this computer's preferences. The file is already written:
/// a database that is away must not undo that, so a failure only goes to the log.
pub(crate) async fn audit_preferences(
    desk: &brm_service::Desk,
    token: &str,
    before: &DesktopPreferences,
    after: &DesktopPreferences,
) {
    if let Err(e) = desk.audit_desktop_preferences(token, before, after).await {
        tracing::warn!(error = %e, "desktop preferences saved but not audited");
    }
}

/// Shows a test notification now (quiet hours do not apply: the person asked for it) and
/// says what this desktop's notification server can do.
#[tauri::command]
pub async fn test_notification(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<TestResult> {
    state.desk().await?.current_session(&token)?;
    let server = notifications::server_info_async().await;
    notifications::show(&app, &test_notice(server.actions));
    Ok(TestResult {
        message: test_message(&server),
        server,
    })
}

/// What this computer's notifications offer, per system (notification_buttons).
fn test_message(server: &ServerInfo) -> String {
    crate::desktop::notification_buttons::test_message(
        crate::desktop::notification_buttons::Os::current(),
        server.server.as_deref(),
        server.actions,
    )
}

/// A notification click or a `brm-desk://` link that arrived while nobody was logged in
/// here; the window asks once after login.
#[tauri::command]
pub async fn take_pending_navigation(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Option<NoticeTarget>> {
    state.desk().await?.current_session(&token)?;
    Ok(state.desktop().take_pending())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_message_says_whether_buttons_show() {
        // This machine's system (the CI runs Linux; the per-system texts are tested in
        // desktop::notification_buttons).
        let with = test_message(&ServerInfo {
            actions: true,
            server: Some("mock-notify".into()),
        });
        let without = test_message(&ServerInfo {
            actions: false,
            server: None,
        });
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert!(with.contains("(mock-notify) mostra os botões"), "{with}");
            assert!(without.contains("não mostra botões"), "{without}");
        }
    }
}
