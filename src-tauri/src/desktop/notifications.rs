//! Native notifications through tauri-plugin-notification, which (from 2.6) reports
//! desktop actions: the action types are registered and the `on_action` handler is
//! installed before anything is shown, so every notification carries its buttons and a
//! click on its body (`tap`) comes back. What the buttons do is decided by
//! `Desk::notification_action` (brm-service); this module only shows and forwards.

use crate::desktop::navigation;
use crate::desktop::notification_buttons::{buttons, Os};
use crate::state::AppState;
use brm_core::notice::{Notice, NoticeTarget};
use brm_service::ActionOutcome;
use serde::Serialize;
#[cfg_attr(windows, allow(unused_imports))]
use std::sync::atomic::{AtomicI32, Ordering};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::{Action, ActionType, NotificationExt};

/// "Aprovar" and "Abrir".
const WITH_APPROVE: &str = "brm-fatura";
/// "Abrir" only: summaries, follow-ups, and servers that show no buttons.
const OPEN_ONLY: &str = "brm-abrir";
const TARGET_KEY: &str = "target";

#[cfg_attr(windows, allow(dead_code))]
static NEXT_ID: AtomicI32 = AtomicI32::new(1);

/// The server reads markup in bodies ("body-markup"), as last asked (before each burst).
#[cfg_attr(windows, allow(dead_code))]
static BODY_MARKUP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The body as the server will show it: escaped where the server reads markup, so a
/// client name or a robot's text cannot become a link or an image.
#[cfg_attr(windows, allow(dead_code))]
fn body_for_server(body: &str, markup: bool) -> String {
    if markup {
        brm_core::notice::escape_body_markup(body)
    } else {
        body.to_string()
    }
}

/// What this desktop's notification server can do, asked before each burst (a server may
/// be replaced while the app runs).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ServerInfo {
    /// It shows action buttons.
    pub actions: bool,
    /// Its name ("gnome-shell", "dunst", ...), when it says.
    pub server: Option<String>,
}

/// Linux and the BSDs: the Desktop Notifications Specification's GetCapabilities. A
/// server without "actions" gets "Abrir"-only notifications (a click on the body still
/// opens the invoice where the server reports it).
#[cfg(all(unix, not(target_os = "macos")))]
pub fn server_info() -> ServerInfo {
    let (actions, markup) = match notify_rust::get_capabilities() {
        Ok(caps) => (
            caps.iter().any(|c| c == "actions"),
            caps.iter().any(|c| c == "body-markup"),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "no notification server answered GetCapabilities");
            (false, false)
        }
    };
    BODY_MARKUP.store(markup, Ordering::Relaxed);
    let server = notify_rust::get_server_information().ok().map(|i| i.name);
    ServerInfo { actions, server }
}

/// Windows toasts and macOS notifications always show buttons (the plugin drives them
/// through notify-rust).
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn server_info() -> ServerInfo {
    ServerInfo {
        actions: true,
        server: None,
    }
}

/// The same, off the async threads (a D-Bus round trip).
pub async fn server_info_async() -> ServerInfo {
    tauri::async_runtime::spawn_blocking(server_info)
        .await
        .unwrap_or(ServerInfo {
            actions: false,
            server: None,
        })
}

/// Registers the buttons and the handler. Must run before the first `show`.
pub fn install(app: &AppHandle) -> tauri_plugin_notification::Result<()> {
    let n = app.notification();
    let os = Os::current();
    let actions = |approve| {
        buttons(os, approve)
            .into_iter()
            .map(|(id, title)| Action::builder(id, title).build())
            .collect::<Vec<_>>()
    };
    n.register_action_types(vec![
        ActionType::builder(WITH_APPROVE)
            .actions(actions(true))
            .build(),
        ActionType::builder(OPEN_ONLY)
            .actions(actions(false))
            .build(),
    ])?;
    let handle = app.clone();
    n.on_action(move |performed| {
        let action = performed.action_id().to_string();
        let target = performed
            .notification()
            .and_then(|n| n.extra().get(TARGET_KEY))
            .and_then(|v| serde_json::from_value::<NoticeTarget>(v.clone()).ok());
        let Some(target) = target else {
            tracing::warn!(action, "notification action without a target");
            return;
        };
        tracing::info!(action, ?target, "notification action");
        perform(&handle, &action, target);
    })
}

/// Carries out a notification's action off the caller's thread (see `act`).
pub fn perform(app: &AppHandle, action: &str, target: NoticeTarget) {
    let app = app.clone();
    let action = action.to_string();
    tauri::async_runtime::spawn(async move { act(&app, &action, target).await });
}

/// Carries out a click: approve (with this desktop's session and the version shown), or
/// open the window where the notification points; a follow-up says what happened when
/// the approval did not go through.
async fn act(app: &AppHandle, action: &str, target: NoticeTarget) {
    let state = app.state::<AppState>();
    let desk = match state.desk().await {
        Ok(desk) => desk,
        Err(_) => return navigation::open(app, target),
    };
    let token = state.desktop().token();
    match desk
        .notification_action(token.as_deref(), action, target)
        .await
    {
        ActionOutcome::Approved { follow_up } => show(app, &follow_up),
        ActionOutcome::Open { target, follow_up } => {
            navigation::open(app, target);
            if let Some(f) = follow_up {
                show(app, &f);
            }
        }
    }
}

/// Shows one notice. "Aprovar" only when the notice offers it (the composer already
/// weighed the checks, four eyes and the server's capabilities).
pub fn show(app: &AppHandle, notice: &Notice) {
    show_native(app, notice);
}

/// Windows: a toast of our own whose activations are brm-desk:// links, so a click from
/// the Action Center (or after the app exited) still opens the app on the process (the
/// plugin's toasts report clicks only while they are on screen).
#[cfg(windows)]
fn show_native(app: &AppHandle, notice: &Notice) {
    if let Err(e) = crate::desktop::toast_windows::show(app, notice) {
        tracing::warn!(error = %e, title = notice.title, "notification not shown");
    }
}

/// Linux and macOS: the plugin, with the action types registered in `install`.
#[cfg(not(windows))]
fn show_native(app: &AppHandle, notice: &Notice) {
    let kind = if notice.approve {
        WITH_APPROVE
    } else {
        OPEN_ONLY
    };
    let shown = app
        .notification()
        .builder()
        .id(NEXT_ID.fetch_add(1, Ordering::Relaxed))
        .title(&notice.title)
        .body(body_for_server(
            &notice.body,
            BODY_MARKUP.load(Ordering::Relaxed),
        ))
        .action_type_id(kind)
        .extra(TARGET_KEY, notice.target)
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, title = notice.title, "notification not shown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_escaped_only_for_a_server_that_reads_markup() {
        let robot =
            "Padaria Estrela · OI · 11/2026\n<a href=\"http://intranet/\">Erro</a> & <b>x</b>";
        assert_eq!(body_for_server(robot, false), robot);
        assert_eq!(
            body_for_server(robot, true),
            "Padaria Estrela · OI · 11/2026\n&lt;a href=\"http://intranet/\"&gt;Erro&lt;/a&gt; &amp; &lt;b&gt;x&lt;/b&gt;"
        );
    }
}
