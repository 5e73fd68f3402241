//! Starting with the system (issue 7): the `start_with_system` preference drives
//! tauri-plugin-autostart (on Linux an XDG entry in `~/.config/autostart`, on Windows the
//! `Run` registry key, on macOS a launch agent). The preference file is the truth: the
//! entry is made to match it at start-up (rewritten when on, which points it at this
//! binary wherever it now is) and every time the preferences are saved. The window never reaches the
//! plugin's own commands: its capability does not grant them.

use super::session::DesktopState;
use crate::state::AppState;
use brm_core::{Error, ErrorCode};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::{AutoLaunchManager, ManagerExt};

/// The entry's name (on Linux, `BRM RPA Desk.desktop`).
pub const ENTRY_NAME: &str = "BRM RPA Desk";

/// The plugin as the app registers it.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new()
        .app_name(ENTRY_NAME)
        .build()
}

/// At start-up, after the app's state exists: match the entry to the saved preference,
/// and apply every later save.
pub fn install(app: &AppHandle) {
    connect(app, &app.state::<AppState>().desktop());
}

fn connect<R: Runtime>(app: &AppHandle<R>, desktop: &DesktopState) {
    if let Err(e) = apply(app, desktop.prefs().start_with_system) {
        tracing::warn!(error = %e.message, "start with the system not applied");
    }
    let handle = app.clone();
    desktop.set_on_save(Box::new(move |prefs| {
        apply(&handle, prefs.start_with_system)
    }));
}

/// Turns starting with the system on or off; a failure is an error in pt-BR.
///
/// On is written every time, even when the entry exists: the plugin's `is_enabled` only
/// asks whether there is an entry (on Linux the file exists, on Windows the `Run` value),
/// never which program it starts, so an entry left at an old install path would never
/// be fixed. `enable` rewrites the same entry with this binary's path (a small file or
/// registry value, replaced in place), so doing it at every start is cheap and harmless.
/// Off does nothing when there is no entry.
pub fn apply<R: Runtime>(app: &AppHandle<R>, enabled: bool) -> brm_core::Result<()> {
    let (verb, what) = if enabled {
        ("ativar", "enabled")
    } else {
        ("desativar", "disabled")
    };
    let failed = |detail: String| {
        Error::new(
            ErrorCode::Internal,
            format!("Não foi possível {verb} a inicialização com o sistema: {detail}"),
        )
    };
    if app.try_state::<AutoLaunchManager>().is_none() {
        return Err(failed(
            "o recurso não está disponível neste computador.".into(),
        ));
    }
    let manager = app.autolaunch();
    let was = manager.is_enabled().ok();
    if !enabled && was == Some(false) {
        return Ok(());
    }
    let result = if enabled {
        manager.enable()
    } else {
        manager.disable()
    };
    result.map_err(|e| failed(e.to_string()))?;
    if was == Some(enabled) {
        tracing::debug!("start with the system: entry rewritten for this binary");
    } else {
        tracing::info!("start with the system {what}");
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use brm_core::notice::DesktopPreferences;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use tauri::test::{mock_builder, mock_context, noop_assets};
    use uuid::Uuid;

    /// Set in the child process: the temporary folder its HOME points at.
    const CHILD_HOME: &str = "BRM_AUTOSTART_TEST_HOME";

    /// The plugin writes under `$HOME`, which the process reads at each call: the test
    /// runs itself again in a child process whose HOME (and XDG_CONFIG_HOME) is a
    /// temporary folder, so the real one and the other tests' environment are never
    /// touched. `name` is the test's own path, `body` what the child does.
    fn in_a_child_with_a_throwaway_home(name: &str, body: fn(&Path)) {
        if let Ok(home) = std::env::var(CHILD_HOME) {
            body(Path::new(&home));
            return;
        }
        let home = std::env::temp_dir().join(format!("brm-autostart-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&home).unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                &format!("desktop::autostart::tests::{name}"),
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env(CHILD_HOME, &home)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let _ = std::fs::remove_dir_all(&home);
        assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
        assert!(
            stdout.contains("1 passed"),
            "the child ran nothing:\n{stdout}"
        );
    }

    #[test]
    fn the_preference_writes_and_removes_the_autostart_entry() {
        in_a_child_with_a_throwaway_home(
            "the_preference_writes_and_removes_the_autostart_entry",
            in_a_throwaway_home,
        );
    }

    /// The app was installed elsewhere before (another folder, an older AppImage): the
    /// entry says "on" but starts a program that is no longer there. The start-up apply
    /// points it at this binary again.
    #[test]
    fn an_entry_left_at_an_old_path_is_pointed_at_this_binary_at_start_up() {
        in_a_child_with_a_throwaway_home(
            "an_entry_left_at_an_old_path_is_pointed_at_this_binary_at_start_up",
            |home| {
                let entry = entry(home);
                std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
                std::fs::write(
                    &entry,
                    format!(
                        "[Desktop Entry]\nType=Application\nVersion=1.0\nName={ENTRY_NAME}\n\
                         Exec=/opt/brm-antigo/brm-desk \nStartupNotify=false\nTerminal=false"
                    ),
                )
                .unwrap();
                let app = mock_builder()
                    .plugin(plugin())
                    .build(mock_context(noop_assets()))
                    .expect("mock app");
                let prefs_file = home.join("config/preferencias.json");
                brm_service::desktop_prefs::save(
                    &prefs_file,
                    &DesktopPreferences {
                        start_with_system: true,
                        ..Default::default()
                    },
                )
                .unwrap();
                connect(app.handle(), &DesktopState::new(Some(prefs_file)));
                let text = std::fs::read_to_string(&entry).expect("the autostart entry");
                let exe = std::env::current_exe().unwrap();
                assert!(
                    text.contains(&format!("Exec={}", exe.display())),
                    "still the old path:\n{text}"
                );
                assert!(!text.contains("brm-antigo"), "{text}");
                // Again: the same entry, still one.
                apply(app.handle(), true).unwrap();
                assert_eq!(std::fs::read_to_string(&entry).unwrap(), text);
                assert_eq!(
                    std::fs::read_dir(entry.parent().unwrap()).unwrap().count(),
                    1
                );
            },
        );
    }

    fn entry(home: &Path) -> PathBuf {
        home.join(".config/autostart")
            .join(format!("{ENTRY_NAME}.desktop"))
    }

    fn in_a_throwaway_home(home: &Path) {
        assert_eq!(
            dirs::home_dir().as_deref(),
            Some(home),
            "HOME is the temporary folder"
        );
        let app = mock_builder()
            .plugin(plugin())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let handle = app.handle();
        let entry = entry(home);

        // The wrapper alone: on writes the entry (running this binary), off removes it,
        // and doing either twice is harmless.
        apply(handle, true).unwrap();
        let text = std::fs::read_to_string(&entry).expect("the autostart entry");
        let exe = std::env::current_exe().unwrap();
        assert!(text.contains("[Desktop Entry]"), "{text}");
        assert!(text.contains(&format!("Name={ENTRY_NAME}")), "{text}");
        assert!(text.contains(&format!("Exec={}", exe.display())), "{text}");
        apply(handle, true).unwrap();
        assert!(entry.exists());
        apply(handle, false).unwrap();
        assert!(!entry.exists(), "disabling removes the entry");
        apply(handle, false).unwrap();

        // Through the preferences: a file that says "on" makes the entry at start-up,
        // saving "off" removes it, saving "on" makes it again, and the file follows.
        let prefs_file = home.join("config/preferencias.json");
        brm_service::desktop_prefs::save(
            &prefs_file,
            &DesktopPreferences {
                start_with_system: true,
                ..Default::default()
            },
        )
        .unwrap();
        let desktop = DesktopState::new(Some(prefs_file.clone()));
        connect(handle, &desktop);
        assert!(entry.exists(), "applied at start-up");
        let saved = desktop.save_prefs(DesktopPreferences::default()).unwrap();
        assert!(!saved.start_with_system);
        assert!(!entry.exists(), "removed when the preference is saved off");
        assert!(!brm_service::desktop_prefs::load(&prefs_file).start_with_system);
        desktop
            .save_prefs(DesktopPreferences {
                start_with_system: true,
                ..Default::default()
            })
            .unwrap();
        assert!(entry.exists(), "written when the preference is saved on");
        assert!(brm_service::desktop_prefs::load(&prefs_file).start_with_system);

        // An invalid save leaves both the entry and the file as they were.
        let bad = DesktopPreferences {
            quiet_start: "25:00".into(),
            start_with_system: false,
            ..Default::default()
        };
        assert!(desktop.save_prefs(bad).is_err());
        assert!(entry.exists());
        assert!(desktop.prefs().start_with_system);
    }

    #[test]
    fn without_the_plugin_the_error_is_in_portuguese() {
        let app = mock_builder()
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let e = apply(app.handle(), true).unwrap_err();
        assert_eq!(
            e.message,
            "Não foi possível ativar a inicialização com o sistema: o recurso não está disponível neste computador."
        );
    }
}
