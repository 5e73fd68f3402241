//! Windows: shows a toast built by `toast_xml` through WinRT's ToastNotificationManager,
//! under the app's AppUserModelID (the installers' Start-menu shortcut carries it; a
//! build run from `target\debug` or `target\release` has no shortcut and shows under
//! PowerShell's, as tauri-plugin-notification does).
//!
//! Only a real Windows can confirm this file: it is compiled by the GitHub workflow.

use crate::desktop::toast_tickets::tickets;
use crate::desktop::toast_xml::toast_xml;
use brm_core::notice::{Notice, NoticeTarget};
use tauri::AppHandle;
use windows::core::HSTRING;
use windows::Data::Xml::Dom::XmlDocument;
use windows::UI::Notifications::{ToastNotification, ToastNotificationManager};

/// PowerShell's AppUserModelID, for builds that were not installed (as the plugin does).
const POWERSHELL_APP_ID: &str =
    "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";

fn app_id(app: &AppHandle) -> String {
    let installed = tauri::utils::platform::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.to_path_buf()))
        .map(|dir| !(dir.ends_with("target\\debug") || dir.ends_with("target\\release")))
        .unwrap_or(true);
    if installed {
        app.config().identifier.clone()
    } else {
        POWERSHELL_APP_ID.to_string()
    }
}

pub fn show(app: &AppHandle, notice: &Notice) -> Result<(), String> {
    let ticket = match (notice.approve, notice.target) {
        (true, NoticeTarget::Processo { id, version }) => {
            Some(tickets().issue(id, version, std::time::Instant::now()))
        }
        _ => None,
    };
    let xml = toast_xml(notice, ticket.as_deref());
    let app_id = app_id(app);
    // WinRT calls off the async threads (the plugin does the same).
    std::thread::Builder::new()
        .name("toast".into())
        .spawn(move || {
            let shown = (|| -> windows::core::Result<()> {
                let doc = XmlDocument::new()?;
                doc.LoadXml(&HSTRING::from(xml))?;
                let toast = ToastNotification::CreateToastNotification(&doc)?;
                ToastNotificationManager::CreateToastNotifierWithId(&HSTRING::from(app_id))?
                    .Show(&toast)
            })();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "toast not shown");
            }
        })
        .map(|_| ())
        .map_err(|e| e.to_string())?;
    Ok(())
}
