//! The window's page runs in a WebKit web process of its own. When that process ends
//! (a WebKit crash, its memory limit), WebKitGTK leaves a blank window that answers
//! nothing, and the person can only kill the app. Instead the page is loaded again with
//! the `#recuperada` fragment: the window opens on the login (the session lived in the
//! page) saying why, and the log says what happened. Everything saved is in the
//! database; nothing of it is lost.
//!
//! Linux only. WebView2 (Windows) and WKWebView (macOS) report the same event through
//! their own APIs, which wry does not expose; there the window stays blank as before.

/// The fragment that tells the page it was opened again (ui/src/App.jsx reads it).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub const RECOVERED_FRAGMENT: &str = "recuperada";

/// Watches the main window's web process.
pub fn install<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|webview| {
        use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
        webview
            .inner()
            .connect_web_process_terminated(|view, reason| {
                let why = match reason {
                    Reason::Crashed => "crashed",
                    Reason::ExceededMemoryLimit => "exceeded its memory limit",
                    // The application itself ended it (the window closing): nothing to do.
                    Reason::TerminatedByApi => return,
                    _ => "ended",
                };
                let uri = view.uri().map(|u| u.to_string()).unwrap_or_default();
                tracing::error!(
                    reason = why,
                    "the window's web process ended; loading the page again"
                );
                match recovered_uri(&uri) {
                    Some(again) => view.load_uri(&again),
                    None => view.reload(),
                }
            });
    }) {
        tracing::warn!(error = %e, "the window's web process is not watched");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// The page's address with the fragment that says it was opened again (any other
/// fragment dropped); None when there is no page address to go back to.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn recovered_uri(uri: &str) -> Option<String> {
    let base = uri.split('#').next().unwrap_or_default();
    (!base.is_empty() && base != "about:blank").then(|| format!("{base}#{RECOVERED_FRAGMENT}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_comes_back_with_the_fragment() {
        assert_eq!(
            recovered_uri("tauri://localhost/").as_deref(),
            Some("tauri://localhost/#recuperada")
        );
        assert_eq!(
            recovered_uri("tauri://localhost/#recuperada").as_deref(),
            Some("tauri://localhost/#recuperada")
        );
        assert_eq!(
            recovered_uri("http://localhost:1420/?x=1#algo").as_deref(),
            Some("http://localhost:1420/?x=1#recuperada")
        );
        assert_eq!(recovered_uri(""), None);
        assert_eq!(recovered_uri("about:blank"), None);
    }
}
