//! This computer's notification and window preferences ([`DesktopPreferences`]) on disk:
//! a small JSON file in the app's config folder, not in the shared database (each
//! desktop chooses for itself). Reading never fails: a missing, unreadable or broken
//! file means the defaults. Writing validates first and replaces the file atomically
//! (a temporary file beside it, flushed, then renamed over), so a crash or a full disk
//! never leaves half a file.

use brm_core::notice::DesktopPreferences;
use brm_core::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;

/// The file's name inside the app's config folder.
pub const PREFS_FILE: &str = "preferencias.json";

/// The preferences in `path`, or the defaults when there is no file. A file that cannot
/// be read or is not a JSON object gives the defaults (with a warning in the log);
/// unknown keys are ignored, and a missing key or a key of the wrong type takes its
/// default. Times that are not "HH:MM" turn quiet hours off rather than silence the
/// desktop at hours nobody chose.
pub fn load(path: &Path) -> DesktopPreferences {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return DesktopPreferences::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "preferências ilegíveis; usando o padrão");
            return DesktopPreferences::default();
        }
    };
    let file = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            tracing::warn!(path = %path.display(), "preferências não são um objeto JSON; usando o padrão");
            return DesktopPreferences::default();
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "preferências corrompidas; usando o padrão");
            return DesktopPreferences::default();
        }
    };
    let prefs = merge_known_keys(file, path);
    sanitize_times(prefs, path)
}

/// Validates `prefs` (nothing is written when it is refused), trims the times, writes
/// the file (creating its folder) and returns what was saved.
pub fn save(path: &Path, prefs: &DesktopPreferences) -> Result<DesktopPreferences> {
    let prefs = prefs.normalized()?;
    write_atomically(path, &prefs).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!(
                "Não foi possível gravar as preferências desta área de trabalho em {}: {e}",
                path.display()
            ),
        )
    })?;
    Ok(prefs)
}

/// The audit action of a change to this computer's preferences (theme included).
pub const ALTERAR_PREFERENCIAS: &str = "ALTERAR_PREFERENCIAS";

impl crate::Desk {
    /// Records in the audit trail what changed between `before` and `after` (this
    /// computer's preferences, already saved) for the person logged in with `token`.
    /// Nothing is written when nothing changed. Returns whether an event was written.
    pub async fn audit_desktop_preferences(
        &self,
        token: &str,
        before: &DesktopPreferences,
        after: &DesktopPreferences,
    ) -> Result<bool> {
        let session = self.sessions.get(token)?;
        let to_json = |p: &DesktopPreferences| serde_json::to_value(p).map_err(Error::internal);
        let (b, a) = brm_core::audit::diff(&to_json(before)?, &to_json(after)?);
        let Some(changed) = a.as_object().filter(|m| !m.is_empty()) else {
            return Ok(false);
        };
        let detail = if changed.len() == 1 && changed.contains_key("theme") {
            format!("Tema deste computador: {}", after.theme.label())
        } else {
            "Preferências deste computador alteradas".to_string()
        };
        let event = brm_core::audit::AuditEvent::new(
            self.clock.now(),
            crate::clients::actor(&session),
            ALTERAR_PREFERENCIAS,
            "preferencias_computador",
        )
        .change(Some(b), Some(a))
        .detail(detail);
        self.observe(self.store.append_audit(&event).await)?;
        Ok(true)
    }
}

/// Starts from the defaults and takes each known key from the file whose value fits.
fn merge_known_keys(file: Map<String, Value>, path: &Path) -> DesktopPreferences {
    let Ok(Value::Object(mut merged)) = serde_json::to_value(DesktopPreferences::default()) else {
        return DesktopPreferences::default();
    };
    for (key, value) in file {
        let Some(default) = merged.get(&key).cloned() else {
            continue; // unknown key (an older or newer version's)
        };
        merged.insert(key.clone(), value);
        if serde_json::from_value::<DesktopPreferences>(Value::Object(merged.clone())).is_err() {
            tracing::warn!(path = %path.display(), key = %key, "valor inválido nas preferências; usando o padrão");
            merged.insert(key, default);
        }
    }
    serde_json::from_value(Value::Object(merged)).unwrap_or_default()
}

fn sanitize_times(prefs: DesktopPreferences, path: &Path) -> DesktopPreferences {
    match prefs.normalized() {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e.message, "horário de silêncio inválido nas preferências; desligado");
            let defaults = DesktopPreferences::default();
            let keep = |s: &str, default: String| {
                if brm_core::notice::parse_hhmm(s).is_some() {
                    s.trim().to_string()
                } else {
                    default
                }
            };
            DesktopPreferences {
                quiet_hours: false,
                quiet_start: keep(&prefs.quiet_start, defaults.quiet_start),
                quiet_end: keep(&prefs.quiet_end, defaults.quiet_end),
                ..prefs
            }
        }
    }
}

fn write_atomically(path: &Path, prefs: &DesktopPreferences) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut text = serde_json::to_vec_pretty(prefs).map_err(std::io::Error::other)?;
    text.push(b'\n');
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| PREFS_FILE.into());
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    // Make the rename itself durable where the OS allows syncing a folder.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use brm_core::notice::Theme;
    use std::path::PathBuf;

    /// A fresh folder under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let d = std::env::temp_dir().join(format!("brm-prefs-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&d).unwrap();
            Self(d)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn custom() -> DesktopPreferences {
        DesktopPreferences {
            notify_waiting: false,
            notify_attention: true,
            quiet_hours: true,
            quiet_start: "22:15".into(),
            quiet_end: "06:45".into(),
            close_to_tray: false,
            start_with_system: true,
            theme: Theme::Dark,
        }
    }

    #[test]
    fn missing_file_is_the_default() {
        let dir = TempDir::new();
        assert_eq!(load(&dir.0.join(PREFS_FILE)), DesktopPreferences::default());
    }

    #[test]
    fn save_round_trips_and_leaves_no_temporary_file() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        assert_eq!(save(&path, &custom()).unwrap(), custom());
        assert_eq!(load(&path), custom());
        let other = DesktopPreferences {
            close_to_tray: true,
            ..custom()
        };
        save(&path, &other).unwrap();
        assert_eq!(load(&path), other);
        let names: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![PREFS_FILE]);
    }

    #[test]
    fn save_trims_the_times() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        let padded = DesktopPreferences {
            quiet_start: " 22:15 ".into(),
            quiet_end: "06:45\n".into(),
            ..custom()
        };
        assert_eq!(save(&path, &padded).unwrap(), custom());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"22:15\""), "{text}");
        assert_eq!(load(&path), custom());
    }

    #[test]
    fn corrupt_or_wrong_shape_file_is_the_default() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        for junk in [
            "{\"notify_waiting\": fal",
            "",
            "[1, 2]",
            "null",
            "\u{0}\u{1}",
        ] {
            std::fs::write(&path, junk).unwrap();
            assert_eq!(load(&path), DesktopPreferences::default(), "{junk:?}");
        }
    }

    #[test]
    fn unreadable_path_is_the_default() {
        let dir = TempDir::new();
        // A folder where the file should be: reading fails, nothing panics.
        let path = dir.0.join(PREFS_FILE);
        std::fs::create_dir_all(&path).unwrap();
        assert_eq!(load(&path), DesktopPreferences::default());
    }

    #[test]
    fn unknown_keys_are_ignored_and_missing_or_wrong_keys_default() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        std::fs::write(
            &path,
            r#"{"close_to_tray": false, "cor": "dark", "notify_attention": "sim",
                "theme": "roxo", "quiet_hours": true, "quiet_start": "21:00", "quiet_end": "07:00"}"#,
        )
        .unwrap();
        assert_eq!(
            load(&path),
            DesktopPreferences {
                close_to_tray: false,
                quiet_hours: true,
                quiet_start: "21:00".into(),
                quiet_end: "07:00".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn bad_times_in_the_file_turn_quiet_hours_off() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        std::fs::write(
            &path,
            r#"{"quiet_hours": true, "quiet_start": "21:00", "quiet_end": "7h", "notify_waiting": false}"#,
        )
        .unwrap();
        let p = load(&path);
        assert!(!p.quiet_hours);
        assert_eq!(
            (p.quiet_start.as_str(), p.quiet_end.as_str()),
            ("21:00", "08:00")
        );
        assert!(!p.notify_waiting);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn refused_preferences_leave_the_old_file_byte_equal() {
        let dir = TempDir::new();
        let path = dir.0.join(PREFS_FILE);
        save(&path, &custom()).unwrap();
        let before = std::fs::read(&path).unwrap();
        let bad = DesktopPreferences {
            quiet_start: "8:05".into(),
            ..custom()
        };
        let e = save(&path, &bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.fields[0].field, "quiet_start");
        let same = DesktopPreferences {
            quiet_end: "22:15".into(),
            ..custom()
        };
        assert_eq!(save(&path, &same).unwrap_err().fields[0].field, "quiet_end");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1);
    }

    #[test]
    fn refused_preferences_create_no_file() {
        let dir = TempDir::new();
        let path = dir.0.join("novo").join(PREFS_FILE);
        let bad = DesktopPreferences {
            quiet_end: "24:00".into(),
            ..Default::default()
        };
        assert!(save(&path, &bad).is_err());
        assert!(!dir.0.join("novo").exists());
    }

    #[test]
    fn missing_parent_folders_are_created() {
        let dir = TempDir::new();
        let path = dir.0.join("a").join("b").join(PREFS_FILE);
        save(&path, &custom()).unwrap();
        assert_eq!(load(&path), custom());
    }

    #[test]
    fn an_io_error_is_pt_br_and_names_the_path() {
        let dir = TempDir::new();
        // The parent "folder" is a file: creating it fails.
        let blocker = dir.0.join("arquivo");
        std::fs::write(&blocker, "x").unwrap();
        let path = blocker.join(PREFS_FILE);
        let e = save(&path, &custom()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(
            e.message
                .starts_with("Não foi possível gravar as preferências desta área de trabalho em "),
            "{}",
            e.message
        );
        assert!(
            e.message.contains(&path.display().to_string()),
            "{}",
            e.message
        );
        assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x");
    }

    #[test]
    fn a_failed_rename_keeps_the_old_target_and_no_temporary_file() {
        let dir = TempDir::new();
        // A non-empty folder where the file should be: the rename fails.
        let path = dir.0.join(PREFS_FILE);
        std::fs::create_dir_all(path.join("x")).unwrap();
        assert!(save(&path, &custom()).is_err());
        assert!(path.join("x").is_dir());
        let names: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![PREFS_FILE]);
    }
}
