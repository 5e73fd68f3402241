//! Sessions live in memory only: closing the application logs everyone out, and no
//! token is ever written to disk. A token is 256 random bits from the OS.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use brm_core::user::UserView;
use brm_core::{Error, Result, Role};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserView,
    pub started_at: DateTime<Utc>,
}

impl Session {
    pub fn user_id(&self) -> Uuid {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

#[derive(Clone, Default)]
pub struct Sessions(Arc<RwLock<HashMap<String, Session>>>);

impl Sessions {
    pub fn open(&self, user: UserView, at: DateTime<Utc>) -> String {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.0.write().expect("sessions poisoned").insert(
            token.clone(),
            Session {
                user,
                started_at: at,
            },
        );
        token
    }

    pub fn get(&self, token: &str) -> Result<Session> {
        self.0
            .read()
            .expect("sessions poisoned")
            .get(token)
            .cloned()
            .ok_or_else(Error::unauthenticated)
    }

    pub fn close(&self, token: &str) -> Option<Session> {
        self.0.write().expect("sessions poisoned").remove(token)
    }

    /// Ends every session of `user_id` except the one holding `keep` (the administrator
    /// who resets their own password stays in). Returns how many ended.
    pub fn close_user(&self, user_id: Uuid, keep: Option<&str>) -> usize {
        let mut map = self.0.write().expect("sessions poisoned");
        let before = map.len();
        map.retain(|token, s| s.user.id != user_id || Some(token.as_str()) == keep);
        before - map.len()
    }

    /// Puts a changed user (a new role) into their live sessions, so a demotion takes
    /// effect on the next command instead of at the next login.
    pub fn refresh_user(&self, user: &UserView) {
        let mut map = self.0.write().expect("sessions poisoned");
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
        let b1 = sessions.open(view(bia, Role::Operador), now);
        let b2 = sessions.open(view(bia, Role::Operador), now);
        let b3 = sessions.open(view(bia, Role::Operador), now);
        let a1 = sessions.open(view(ana, Role::Administrador), now);

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
        let t = sessions.open(view(bia, Role::Administrador), Utc::now());
        sessions.refresh_user(&view(bia, Role::Operador));
        assert_eq!(sessions.get(&t).unwrap().role(), Role::Operador);
    }
}
