//! Sessions live in memory only: closing the application logs everyone out, and no
//! token is ever written to disk. A token is 256 random bits from the OS.
//!
//! A session ends where it should, not only where the administrator clicked: each one
//! remembers a fingerprint of the password hash it logged in with, and
//! `Desk::revalidate_sessions` (every 2 s in the app, `session_guard`) compares live
//! sessions with the database, ending those of people deactivated, removed or whose
//! password changed, and giving the new role to those demoted or promoted. A session
//! also ends after a time without the person touching the window (`touch`), 8 hours
//! unless the setting says otherwise. Idle time is measured on the monotonic clock, so
//! a clock change never logs anyone out.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use brm_core::user::UserView;
use brm_core::{Error, Result, Role};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Default idle limit: a working day.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(8 * 3600);

#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserView,
    pub started_at: DateTime<Utc>,
    /// Fingerprint of the password hash this session logged in with (never the hash).
    pub(crate) password_mark: u64,
    /// The last time the person used the window (monotonic).
    pub(crate) last_seen: Instant,
}

/// A fingerprint of a stored password hash, to notice it changed without keeping it.
/// Process-local (SipHash with this process's keys is fine: never stored or compared
/// across processes).
pub fn password_mark(hash: &str) -> u64 {
    use std::sync::OnceLock;
    static KEYS: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    let mut h = std::hash::BuildHasher::build_hasher(
        KEYS.get_or_init(std::collections::hash_map::RandomState::new),
    );
    hash.hash(&mut h);
    h.finish()
}

/// Why a session was ended by someone other than its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Idle,
    Deactivated,
    PasswordChanged,
}

impl EndReason {
    /// What the window says on the login screen.
    pub fn message(self) -> &'static str {
        match self {
            EndReason::Idle => "Sua sessão terminou por inatividade. Entre novamente.",
            EndReason::Deactivated => {
                "Sua sessão foi encerrada: este usuário foi desativado. Procure um administrador."
            }
            EndReason::PasswordChanged => {
                "Sua sessão foi encerrada porque a senha deste usuário foi trocada. Entre com a \
                 nova senha."
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Idle => "inatividade",
            EndReason::Deactivated => "usuario_desativado",
            EndReason::PasswordChanged => "senha_trocada",
        }
    }
}

/// A session some check ended: its token (the desktop compares it with its own) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedSession {
    pub token: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub reason: EndReason,
}

impl Session {
    pub fn user_id(&self) -> Uuid {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

#[derive(Clone)]
pub struct Sessions {
    map: Arc<RwLock<HashMap<String, Session>>>,
    idle: Arc<RwLock<Duration>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self {
            map: Arc::default(),
            idle: Arc::new(RwLock::new(DEFAULT_IDLE)),
        }
    }
}

impl Sessions {
    pub fn open(&self, user: UserView, at: DateTime<Utc>, password_hash: &str) -> String {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.map.write().expect("sessions poisoned").insert(
            token.clone(),
            Session {
                user,
                started_at: at,
                password_mark: password_mark(password_hash),
                last_seen: Instant::now(),
            },
        );
        token
    }

    /// The live session of `token`. A session idle past the limit is refused here even
    /// before the next sweep ends it.
    pub fn get(&self, token: &str) -> Result<Session> {
        let idle = self.idle_limit();
        self.map
            .read()
            .expect("sessions poisoned")
            .get(token)
            .filter(|s| s.last_seen.elapsed() <= idle)
            .cloned()
            .ok_or_else(Error::unauthenticated)
    }

    pub fn close(&self, token: &str) -> Option<Session> {
        self.map.write().expect("sessions poisoned").remove(token)
    }

    /// The person used the window: the idle count starts again. False when the
    /// session is gone or already idle past the limit.
    pub fn touch(&self, token: &str) -> bool {
        let idle = self.idle_limit();
        let mut map = self.map.write().expect("sessions poisoned");
        match map.get_mut(token) {
            Some(s) if s.last_seen.elapsed() <= idle => {
                s.last_seen = Instant::now();
                true
            }
            _ => false,
        }
    }

    pub fn idle_limit(&self) -> Duration {
        *self.idle.read().expect("sessions poisoned")
    }

    pub fn set_idle_limit(&self, limit: Duration) {
        *self.idle.write().expect("sessions poisoned") = limit;
    }

    /// Ends the sessions idle past the limit.
    pub fn end_idle(&self) -> Vec<EndedSession> {
        let idle = self.idle_limit();
        self.end_where(|s| s.last_seen.elapsed() > idle, EndReason::Idle)
    }

    /// Who is logged in (each user once).
    pub fn users(&self) -> Vec<UserView> {
        let map = self.map.read().expect("sessions poisoned");
        let mut seen = std::collections::HashSet::new();
        map.values()
            .filter(|s| seen.insert(s.user.id))
            .map(|s| s.user.clone())
            .collect()
    }

    /// Ends the sessions `pred` picks, saying why.
    pub fn end_where(
        &self,
        pred: impl Fn(&Session) -> bool,
        reason: EndReason,
    ) -> Vec<EndedSession> {
        let mut map = self.map.write().expect("sessions poisoned");
        let tokens: Vec<String> = map
            .iter()
            .filter(|(_, s)| pred(s))
            .map(|(t, _)| t.clone())
            .collect();
        tokens
            .into_iter()
            .filter_map(|t| {
                map.remove(&t).map(|s| EndedSession {
                    token: t,
                    user_id: s.user.id,
                    user_name: s.user.full_name,
                    reason,
                })
            })
            .collect()
    }

    /// The session of `token` now stands for `password_hash` (its owner changed their own
    /// password and stays in).
    pub fn set_password(&self, token: &str, password_hash: &str) {
        if let Some(s) = self.map.write().expect("sessions poisoned").get_mut(token) {
            s.password_mark = password_mark(password_hash);
        }
    }

    /// Ends every session of `user_id` except the one holding `keep` (the administrator
    /// who resets their own password stays in). Returns how many ended.
    pub fn close_user(&self, user_id: Uuid, keep: Option<&str>) -> usize {
        let mut map = self.map.write().expect("sessions poisoned");
        let before = map.len();
        map.retain(|token, s| s.user.id != user_id || Some(token.as_str()) == keep);
        before - map.len()
    }

    /// Puts a changed user (a new role) into their live sessions, so a demotion takes
    /// effect on the next command instead of at the next login.
    pub fn refresh_user(&self, user: &UserView) {
        let mut map = self.map.write().expect("sessions poisoned");
        for s in map.values_mut().filter(|s| s.user.id == user.id) {
            s.user = user.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: Uuid, role: Role) -> UserView {
        UserView {
            id,
            full_name: "Bia".into(),
            email: "bia@beg.com.br".into(),
            role,
        }
    }

    #[test]
    fn closing_a_user_ends_all_their_sessions_but_the_kept_one() {
        let sessions = Sessions::default();
        let (bia, ana) = (Uuid::new_v4(), Uuid::new_v4());
        let now = Utc::now();
        let b1 = sessions.open(view(bia, Role::Operador), now, "h");
        let b2 = sessions.open(view(bia, Role::Operador), now, "h");
        let b3 = sessions.open(view(bia, Role::Operador), now, "h");
        let a1 = sessions.open(view(ana, Role::Administrador), now, "h");

        assert_eq!(sessions.close_user(bia, Some(&b3)), 2);
        assert!(sessions.get(&b1).is_err() && sessions.get(&b2).is_err());
        assert!(sessions.get(&b3).is_ok() && sessions.get(&a1).is_ok());
        assert_eq!(sessions.close_user(bia, None), 1);
        assert!(sessions.get(&b3).is_err());
        assert!(sessions.get(&a1).is_ok());
    }

    #[test]
    fn a_new_role_reaches_live_sessions() {
        let sessions = Sessions::default();
        let bia = Uuid::new_v4();
        let t = sessions.open(view(bia, Role::Administrador), Utc::now(), "h");
        sessions.refresh_user(&view(bia, Role::Operador));
        assert_eq!(sessions.get(&t).unwrap().role(), Role::Operador);
    }

    #[test]
    fn an_idle_session_is_refused_and_swept_and_touching_keeps_it() {
        let sessions = Sessions::default();
        sessions.set_idle_limit(Duration::from_millis(150));
        let bia = Uuid::new_v4();
        let kept = sessions.open(view(bia, Role::Operador), Utc::now(), "h");
        let idle = sessions.open(view(bia, Role::Operador), Utc::now(), "h");
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(60));
            assert!(sessions.touch(&kept));
        }
        // 240 ms without a touch: refused at once, then swept with its reason.
        assert!(sessions.get(&idle).is_err());
        assert!(!sessions.touch(&idle), "an idle session cannot be revived");
        assert!(sessions.get(&kept).is_ok());
        let ended = sessions.end_idle();
        assert_eq!(ended.len(), 1);
        assert_eq!(
            (ended[0].token.as_str(), ended[0].reason),
            (idle.as_str(), EndReason::Idle)
        );
        assert!(sessions.get(&kept).is_ok());
    }

    #[test]
    fn the_password_mark_follows_the_hash_not_the_session() {
        assert_eq!(password_mark("$argon2id$a"), password_mark("$argon2id$a"));
        assert_ne!(password_mark("$argon2id$a"), password_mark("$argon2id$b"));
        let sessions = Sessions::default();
        let bia = Uuid::new_v4();
        let t = sessions.open(view(bia, Role::Operador), Utc::now(), "velho");
        sessions.set_password(&t, "novo");
        let ended = sessions.end_where(
            |s| s.password_mark != password_mark("novo"),
            EndReason::PasswordChanged,
        );
        assert!(ended.is_empty());
        assert_eq!(sessions.users().len(), 1);
    }
}
