//! What this desktop knows between the window and the background: who is logged in here
//! (the session notifications act with), where a click should land when nobody is
//! logged in yet, and this computer's preferences. The window keeps its own copy of the
//! token; this one is set by the login command and cleared by logout.

use brm_core::notice::{DesktopPreferences, NoticeTarget};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use tokio::sync::Notify;

#[derive(Default)]
pub struct DesktopState {
    token: Mutex<Option<String>>,
    pending: Mutex<Option<NoticeTarget>>,
    prefs: Mutex<DesktopPreferences>,
    /// `preferencias.json` in the app's config folder; `None` in command tests (kept in
    /// memory only).
    prefs_path: Option<PathBuf>,
    /// Wakes the notifier: the database changed, someone logged in or out.
    pub wake: Notify,
    /// What the OS must do for new preferences (start with the system), run before they
    /// are kept; installed once at start-up (desktop/autostart.rs), none in command tests.
    on_save: OnceLock<SaveHook>,
}

/// Applies saved preferences outside the file; an error refuses the save.
pub type SaveHook = Box<dyn Fn(&DesktopPreferences) -> brm_core::Result<()> + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl DesktopState {
    pub fn new(prefs_path: Option<PathBuf>) -> Self {
        let prefs = prefs_path
            .as_deref()
            .map(brm_service::desktop_prefs::load)
            .unwrap_or_default();
        Self {
            prefs: Mutex::new(prefs),
            prefs_path,
            ..Default::default()
        }
    }

    pub fn token(&self) -> Option<String> {
        lock(&self.token).clone()
    }

    pub fn logged_in(&self, token: &str) {
        *lock(&self.token) = Some(token.to_string());
        self.wake.notify_one();
    }

    /// Logout of `token` (a stale logout from another token changes nothing).
    pub fn logged_out(&self, token: &str) {
        let mut t = lock(&self.token);
        if t.as_deref() == Some(token) {
            *t = None;
            self.wake.notify_one();
        }
    }

    pub fn set_pending(&self, target: NoticeTarget) {
        *lock(&self.pending) = Some(target);
    }

    pub fn take_pending(&self) -> Option<NoticeTarget> {
        lock(&self.pending).take()
    }

    pub fn prefs(&self) -> DesktopPreferences {
        lock(&self.prefs).clone()
    }

    /// The hook every later save runs (the first one set stays).
    pub fn set_on_save(&self, hook: SaveHook) {
        let _ = self.on_save.set(hook);
    }

    /// Validates, applies the hook, writes the file (when there is one) and only then
    /// keeps the new preferences: a refused or failed save changes nothing (a failed
    /// write puts the hook's side back as it was).
    pub fn save_prefs(&self, prefs: DesktopPreferences) -> brm_core::Result<DesktopPreferences> {
        let prefs = prefs.normalized()?;
        let hook = self.on_save.get();
        if let Some(hook) = hook {
            hook(&prefs)?;
        }
        let saved = match &self.prefs_path {
            Some(path) => brm_service::desktop_prefs::save(path, &prefs).inspect_err(|_| {
                if let Some(hook) = hook {
                    let _ = hook(&self.prefs());
                }
            })?,
            None => prefs,
        };
        *lock(&self.prefs) = saved.clone();
        self.wake.notify_one();
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn only_the_current_token_logs_out() {
        let s = DesktopState::default();
        s.logged_in("a");
        s.logged_out("b");
        assert_eq!(s.token().as_deref(), Some("a"));
        s.logged_out("a");
        assert_eq!(s.token(), None);
    }

    #[test]
    fn a_pending_target_is_taken_once() {
        let s = DesktopState::default();
        let t = NoticeTarget::Processo {
            id: Uuid::new_v4(),
            version: 3,
        };
        s.set_pending(t);
        assert_eq!(s.take_pending(), Some(t));
        assert_eq!(s.take_pending(), None);
    }

    #[test]
    fn a_refused_save_keeps_the_old_preferences() {
        let s = DesktopState::default();
        let bad = DesktopPreferences {
            quiet_start: "25:00".into(),
            ..Default::default()
        };
        assert!(s.save_prefs(bad).is_err());
        assert_eq!(s.prefs(), DesktopPreferences::default());
        let good = DesktopPreferences {
            close_to_tray: false,
            ..Default::default()
        };
        assert!(!s.save_prefs(good).unwrap().close_to_tray);
        assert!(!s.prefs().close_to_tray);
    }

    /// A hook that records what it was asked and refuses `start_with_system` when told to.
    fn recording_hook(s: &DesktopState, refuse: bool) -> std::sync::Arc<Mutex<Vec<bool>>> {
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        s.set_on_save(Box::new(move |p| {
            lock(&log).push(p.start_with_system);
            if refuse && p.start_with_system {
                return Err(brm_core::Error::new(
                    brm_core::ErrorCode::Internal,
                    "Não foi possível ativar a inicialização com o sistema.",
                ));
            }
            Ok(())
        }));
        seen
    }

    #[test]
    fn the_save_hook_sees_the_new_preferences_and_can_refuse_them() {
        let s = DesktopState::default();
        let seen = recording_hook(&s, true);
        // Invalid: refused before the hook runs.
        let bad = DesktopPreferences {
            quiet_end: "8h".into(),
            start_with_system: true,
            ..Default::default()
        };
        assert!(s.save_prefs(bad).is_err());
        assert!(lock(&seen).is_empty());
        // The hook refuses: nothing kept.
        let on = DesktopPreferences {
            close_to_tray: false,
            start_with_system: true,
            ..Default::default()
        };
        let e = s.save_prefs(on).unwrap_err();
        assert!(e.message.contains("inicialização com o sistema"), "{e:?}");
        assert_eq!(s.prefs(), DesktopPreferences::default());
        // Off: the hook runs and the preferences are kept.
        let off = DesktopPreferences {
            close_to_tray: false,
            ..Default::default()
        };
        assert!(!s.save_prefs(off).unwrap().close_to_tray);
        assert!(!s.prefs().close_to_tray);
        assert_eq!(*lock(&seen), vec![true, false]);
    }

    #[test]
    fn a_failed_write_puts_the_hook_back() {
        let dir = std::env::temp_dir().join(format!("brm-prefs-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        // The preferences' folder is a file: the write fails.
        let blocker = dir.join("config");
        std::fs::write(&blocker, b"").unwrap();
        let s = DesktopState::new(Some(blocker.join("preferencias.json")));
        let seen = recording_hook(&s, false);
        let on = DesktopPreferences {
            start_with_system: true,
            ..Default::default()
        };
        let e = s.save_prefs(on).unwrap_err();
        assert!(e.message.contains("Não foi possível gravar"), "{e:?}");
        assert!(!s.prefs().start_with_system);
        assert_eq!(*lock(&seen), vec![true, false], "applied, then put back");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
