//! The desktop around the window (issue 6): native notifications with "Aprovar" and
//! "Abrir", the tray icon with the count of invoices waiting, closing to the tray, one
//! running instance, and `brm-desk://` links. Decisions live in brm-core (`notice`) and
//! brm-service (`scan_alerts`, `notification_action`); this only wires them to the OS.

pub mod app_nap;
pub mod autostart;
pub mod navigation;
pub mod notification_buttons;
pub mod notifications;
pub mod notifier;
pub mod session;
pub mod session_guard;
pub mod toast_tickets;
#[cfg(windows)]
mod toast_windows;
// Built and tested everywhere; only Windows shows toasts with it.
#[cfg_attr(not(windows), allow(dead_code))]
pub mod toast_xml;
pub mod tray;
pub mod web_process;

use crate::state::AppState;
use brm_core::notice::Notice;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{AppHandle, Manager, Window, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// Everything after the window exists: buttons and their handler (before any notice),
/// the tray, links (the one this launch got, and those later launches forward), and the
/// notifier.
pub fn install(app: &AppHandle) {
    if let Err(e) = notifications::install(app) {
        tracing::warn!(error = %e, "notification actions not registered");
    }
    tray::build(app);
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            navigation::open_link(&handle, url.as_str());
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            navigation::open_link(app, url.as_str());
        }
    }
    notifier::start(app);
    session_guard::start(app);
    autostart::install(app);
}

static TOLD_ABOUT_TRAY: AtomicBool = AtomicBool::new(false);

/// What is remembered of the main window between starts (tauri-plugin-window-state).
pub const WINDOW_STATE: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// Closing the main window hides it in the tray when the preference says so and there
/// is a tray to come back from; the first time, a notification says where it went.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    if window.label() != "main" || !tray::exists(app) {
        return;
    }
    if !app.state::<AppState>().desktop().prefs().close_to_tray {
        return;
    }
    api.prevent_close();
    // Saved now, not only at exit: a desk that lives in the tray is often ended by the
    // system's shutdown, which may never deliver a normal exit.
    if let Err(e) = app.save_window_state(WINDOW_STATE) {
        tracing::warn!(error = %e, "window size and position not saved");
    }
    if let Err(e) = window.hide() {
        tracing::warn!(error = %e, "could not hide the window");
        return;
    }
    tracing::info!("window closed to the tray");
    if !TOLD_ABOUT_TRAY.swap(true, Ordering::SeqCst) {
        notifications::show(
            app,
            &Notice {
                title: "O BRM RPA Desk continua na bandeja".into(),
                body: "O robô e as notificações seguem ativos. Para sair, use \"Sair\" no ícone da bandeja.".into(),
                approve: false,
                target: brm_core::notice::NoticeTarget::Aprovacao,
            },
        );
    }
}
