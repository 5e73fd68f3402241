//! Bringing the window to a place: a notification click, a `brm-desk://` link, the tray.
//! The window is shown, restored and focused; where it lands is sent as `navigate` when
//! someone is logged in here, or kept until the next login (the window asks with
//! `take_pending_navigation`).

use crate::state::AppState;
use brm_core::notice::NoticeTarget;
use tauri::{AppHandle, Emitter, Manager};
use uuid::Uuid;

pub const NAVIGATE: &str = "navigate";
pub const SCHEME: &str = "brm-desk";

/// Shows, restores and focuses the main window (it may be hidden in the tray).
pub fn show_window(app: &AppHandle) {
    let Some(w) = app.get_webview_window("main") else {
        return;
    };
    let _ = w.show();
    let _ = w.unminimize();
    if let Err(e) = w.set_focus() {
        tracing::debug!(error = %e, "could not focus the window");
    }
}

/// Opens the window on `target`.
pub fn open(app: &AppHandle, target: NoticeTarget) {
    show_window(app);
    let desktop = app.state::<AppState>().desktop();
    if desktop.token().is_some() {
        if let Err(e) = app.emit(NAVIGATE, target) {
            tracing::warn!(error = %e, "could not send navigate to the window");
        }
    } else {
        desktop.set_pending(target);
    }
}

/// `brm-desk://processo/<id>`, `brm-desk://aprovacao`, `brm-desk://atencao`. A link
/// carries no version: 0 means "whatever is current" (a link only opens, never approves).
pub fn parse_link(link: &str) -> Option<NoticeTarget> {
    let url = url::Url::parse(link.trim()).ok()?;
    if url.scheme() != SCHEME {
        return None;
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    match (url.host_str(), segments.as_slice()) {
        (Some("processo"), [id]) => Some(NoticeTarget::Processo {
            id: Uuid::parse_str(id).ok()?,
            version: 0,
        }),
        (Some("aprovacao"), []) => Some(NoticeTarget::Aprovacao),
        (Some("atencao"), []) => Some(NoticeTarget::Atencao),
        _ => None,
    }
}

/// Opens what a `brm-desk://` link names; anything else is logged and ignored (a link
/// comes from outside the app and must not crash or mislead it).
pub fn open_link(app: &AppHandle, link: &str) {
    match parse_link(link) {
        Some(target) => open(app, target),
        None => {
            tracing::warn!(link, "brm-desk link not understood");
            show_window(app);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_a_process_or_a_list() {
        let id = Uuid::new_v4();
        assert_eq!(
            parse_link(&format!("brm-desk://processo/{id}")),
            Some(NoticeTarget::Processo { id, version: 0 })
        );
        assert_eq!(
            parse_link(&format!("brm-desk://processo/{id}/")),
            Some(NoticeTarget::Processo { id, version: 0 })
        );
        assert_eq!(
            parse_link("brm-desk://aprovacao"),
            Some(NoticeTarget::Aprovacao)
        );
        assert_eq!(
            parse_link("brm-desk://atencao/"),
            Some(NoticeTarget::Atencao)
        );
    }

    #[test]
    fn other_links_are_refused() {
        for bad in [
            "brm-desk://processo/não-é-id",
            "brm-desk://processo",
            "brm-desk://processo/1/2",
            "https://processo/0b7f0b2e-4c4d-4f43-9d55-8f1f1c1e2a3b",
            "brm-desk://usuarios",
            "",
        ] {
            assert_eq!(parse_link(bad), None, "{bad}");
        }
    }
}
