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
}
