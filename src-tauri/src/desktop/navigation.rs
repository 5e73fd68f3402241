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

/// What a `brm-desk://` link asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Open the window there.
    Open(NoticeTarget),
    /// "Aprovar" on a notification (a Windows toast's button is a link): approves only
    /// with a live ticket of a toast this process showed (toast_tickets); otherwise the
    /// approval desk opens on the process, "Aprovar" focused.
    Approve {
        id: Uuid,
        version: i64,
        ticket: Option<String>,
    },
}

/// `brm-desk://processo/<id>`, `brm-desk://aprovacao`, `brm-desk://atencao`, and
/// `brm-desk://aprovar/<id>?versao=<n>&bilhete=<ticket>`. A link to a process carries
/// no version: 0 means "whatever is current".
pub fn parse_link(link: &str) -> Option<Link> {
    let url = url::Url::parse(link.trim()).ok()?;
    if url.scheme() != SCHEME {
        return None;
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let open = |t| Some(Link::Open(t));
    match (url.host_str(), segments.as_slice()) {
        (Some("processo"), [id]) => open(NoticeTarget::Processo {
            id: Uuid::parse_str(id).ok()?,
            version: 0,
        }),
        (Some("aprovacao"), []) => open(NoticeTarget::Aprovacao),
        (Some("atencao"), []) => open(NoticeTarget::Atencao),
        (Some("aprovar"), [id]) => {
            let query = |key: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.into_owned())
            };
            Some(Link::Approve {
                id: Uuid::parse_str(id).ok()?,
                version: query("versao").and_then(|v| v.parse().ok()).unwrap_or(0),
                ticket: query("bilhete").filter(|t| !t.is_empty()),
            })
        }
        _ => None,
    }
}

/// The link that opens `target` (a Windows toast's body and "Abrir").
#[cfg_attr(not(windows), allow(dead_code))]
pub fn link_to(target: NoticeTarget) -> String {
    match target {
        NoticeTarget::Processo { id, .. } => format!("{SCHEME}://processo/{id}"),
        NoticeTarget::Aprovacao => format!("{SCHEME}://aprovacao"),
        NoticeTarget::Atencao => format!("{SCHEME}://atencao"),
        NoticeTarget::ProcessoNaAprovacao { id } => format!("{SCHEME}://aprovar/{id}"),
    }
}

/// The link of a toast's "Aprovar" on `id` at `version`, with this process's ticket.
#[cfg_attr(not(windows), allow(dead_code))]
pub fn approve_link(id: Uuid, version: i64, ticket: &str) -> String {
    format!("{SCHEME}://aprovar/{id}?versao={version}&bilhete={ticket}")
}

/// Carries out what a `brm-desk://` link names; anything else is logged and ignored (a
/// link comes from outside the app and must not crash or mislead it).
pub fn open_link(app: &AppHandle, link: &str) {
    match parse_link(link) {
        Some(Link::Open(target)) => open(app, target),
        Some(Link::Approve {
            id,
            version,
            ticket,
        }) => {
            let tickets = crate::desktop::toast_tickets::tickets();
            let shown = ticket
                .and_then(|t| tickets.redeem(&t, id, std::time::Instant::now()))
                .filter(|shown| *shown == version);
            match shown {
                // The toast on screen, clicked now: the same path as the plugin's
                // "Aprovar" (this desktop's session, the version the toast showed).
                Some(version) => crate::desktop::notifications::perform(
                    app,
                    "aprovar",
                    NoticeTarget::Processo { id, version },
                ),
                None => open(app, NoticeTarget::ProcessoNaAprovacao { id }),
            }
        }
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
        let open = |t| Some(Link::Open(t));
        assert_eq!(
            parse_link(&format!("brm-desk://processo/{id}")),
            open(NoticeTarget::Processo { id, version: 0 })
        );
        assert_eq!(
            parse_link(&format!("brm-desk://processo/{id}/")),
            open(NoticeTarget::Processo { id, version: 0 })
        );
        assert_eq!(
            parse_link("brm-desk://aprovacao"),
            open(NoticeTarget::Aprovacao)
        );
        assert_eq!(
            parse_link("brm-desk://atencao/"),
            open(NoticeTarget::Atencao)
        );
    }

    #[test]
    fn every_link_a_toast_carries_reads_back_as_what_it_names() {
        let id = Uuid::new_v4();
        for target in [
            NoticeTarget::Processo { id, version: 0 },
            NoticeTarget::Aprovacao,
            NoticeTarget::Atencao,
        ] {
            assert_eq!(parse_link(&link_to(target)), Some(Link::Open(target)));
        }
        assert_eq!(
            parse_link(&approve_link(id, 7, "ab12")),
            Some(Link::Approve {
                id,
                version: 7,
                ticket: Some("ab12".into())
            })
        );
        // The approval desk's link is an approve link without a ticket: it only opens.
        assert_eq!(
            parse_link(&link_to(NoticeTarget::ProcessoNaAprovacao { id })),
            Some(Link::Approve {
                id,
                version: 0,
                ticket: None
            })
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
            "brm-desk://aprovar",
            "brm-desk://aprovar/não-é-id?bilhete=x",
            "brm-desk://aprovar/1/2",
            "",
        ] {
            assert_eq!(parse_link(bad), None, "{bad}");
        }
    }
}
