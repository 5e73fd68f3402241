//! The tray icon: how many invoices wait (the icon's label on Linux and macOS, the
//! tooltip on Windows and macOS, the first menu line everywhere), "Abrir" and "Sair".
//! With "continuar na bandeja" on, closing the window only hides it (see lib.rs): the
//! worker and the notifications go on, and the tray brings the window back.

use crate::desktop::navigation;
use brm_core::notice::NoticeTarget;
use std::sync::Mutex;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

const TRAY_ID: &str = "main";

/// The tray icon on macOS: black on transparent, 18 points at 2x (icons/tray-template.svg,
/// rendered by scripts/make-icons.sh). Decoded at build time.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
const TEMPLATE_ICON: tauri::image::Image<'static> =
    tauri::include_image!("../icons/tray-template.png");

/// The tray's parts that change, kept once the icon exists.
struct Tray {
    icon: TrayIcon,
    waiting_item: MenuItem<Wry>,
    shown: Mutex<Option<Option<usize>>>,
}

/// The words for the count: `None` when nobody is logged in here.
pub fn waiting_text(n: Option<usize>) -> String {
    match n {
        None => "Entre no BRM RPA Desk para ver as faturas aguardando aprovação".into(),
        Some(0) => "Nenhuma fatura aguardando aprovação".into(),
        Some(1) => "1 fatura aguardando aprovação".into(),
        Some(n) => format!("{n} faturas aguardando aprovação"),
    }
}

/// Builds the icon. A desktop without a tray (or without the AppIndicator library on
/// Linux) gets none; the app then never hides its window on close.
pub fn build(app: &AppHandle) -> bool {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| try_build(app)));
    match built {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no tray icon");
            false
        }
        Err(_) => {
            tracing::warn!("no tray icon (the tray library is missing)");
            false
        }
    }
}

fn try_build(app: &AppHandle) -> tauri::Result<()> {
    let waiting_item = MenuItem::with_id(app, "pendentes", waiting_text(None), true, None::<&str>)?;
    let open = MenuItem::with_id(app, "abrir", "Abrir o BRM RPA Desk", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "sair", "Sair", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&waiting_item, &separator, &open, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("BRM RPA Desk")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "pendentes" => navigation::open(app, NoticeTarget::Aprovacao),
            "abrir" => navigation::show_window(app),
            "sair" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                navigation::show_window(tray.app_handle());
            }
        });
    // macOS: a template image, which the menu bar paints to suit its light or dark look
    // (the coloured app icon would be a blot there).
    #[cfg(target_os = "macos")]
    {
        builder = builder.icon(TEMPLATE_ICON).icon_as_template(true);
    }
    #[cfg(not(target_os = "macos"))]
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    app.manage(Tray {
        icon,
        waiting_item,
        shown: Mutex::new(None),
    });
    Ok(())
}

/// Shows the count (only when it changed: the notifier calls this on every round).
pub fn set_waiting(app: &AppHandle, n: Option<usize>) {
    let Some(tray) = app.try_state::<Tray>() else {
        return;
    };
    {
        let mut shown = tray.shown.lock().unwrap_or_else(|e| e.into_inner());
        if *shown == Some(n) {
            return;
        }
        *shown = Some(n);
    }
    let text = waiting_text(n);
    let label = n.filter(|n| *n > 0).map(|n| n.to_string());
    if let Err(e) = tray.icon.set_title(label) {
        tracing::debug!(error = %e, "tray label not set");
    }
    let _ = tray.icon.set_tooltip(Some(format!("BRM RPA Desk: {text}")));
    let _ = tray.waiting_item.set_text(text);
}

/// Whether the icon exists (closing the window may hide it only then).
pub fn exists(app: &AppHandle) -> bool {
    app.try_state::<Tray>().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macos_icon_is_a_shape_only() {
        let icon = TEMPLATE_ICON;
        assert_eq!((icon.width(), icon.height()), (36, 36));
        let rgba = icon.rgba();
        // Black wherever it shows, transparent around it: macOS uses only the alpha.
        assert!(rgba.chunks(4).all(|p| p[..3] == [0, 0, 0]));
        assert!(rgba.chunks(4).any(|p| p[3] == 0) && rgba.chunks(4).any(|p| p[3] == 255));
    }

    #[test]
    fn the_count_reads_in_portuguese() {
        assert_eq!(waiting_text(Some(0)), "Nenhuma fatura aguardando aprovação");
        assert_eq!(waiting_text(Some(1)), "1 fatura aguardando aprovação");
        assert_eq!(waiting_text(Some(12)), "12 faturas aguardando aprovação");
        assert!(waiting_text(None).starts_with("Entre"));
    }
}
