//! What this desktop knows between the window and the background: who is logged in here
//! (the session notifications act with), where a click should land when nobody is
//! logged in yet, and this computer's preferences. The window keeps its own copy of the
//! token; this one is set by the login command and cleared by logout.

use brm_core::notice::{DesktopPreferences, NoticeTarget};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
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
}

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

    /// Validates, writes the file (when there is one) and only then keeps the new
    /// preferences: a refused or failed save changes nothing.
    pub fn save_prefs(&self, prefs: DesktopPreferences) -> brm_core::Result<DesktopPreferences> {
        let saved = match &self.prefs_path {
            Some(path) => brm_service::desktop_prefs::save(path, &prefs)?,
            None => prefs.normalized()?,
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
}
