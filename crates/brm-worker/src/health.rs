//! The robot service's health as the window shows it: `/health` every 30 s,
//! "indisponível" after 3 misses in a row, and "token inválido" after a 401 until an
//! administrator replaces the token (no call is retried with a token the robot refused).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotState {
    Desconhecido,
    Ok,
    Indisponivel,
    TokenInvalido,
    /// This desktop runs no robot: the robot machines (`brm-desk worker`, their own
    /// logins to the shared database) do the downloads and SAT uploads.
    NasMaquinasRobo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobotHealth {
    pub state: RobotState,
    /// For people, pt-BR.
    pub message: String,
    pub checked_at: Option<DateTime<Utc>>,
    pub jobs_pending: Option<i64>,
    pub jobs_active: Option<i64>,
    /// Failed checks in a row.
    pub misses: u32,
}

impl Default for RobotHealth {
    fn default() -> Self {
        Self {
            state: RobotState::Desconhecido,
            message: "Verificando o serviço de robôs…".into(),
            checked_at: None,
            jobs_pending: None,
            jobs_active: None,
            misses: 0,
        }
    }
}

/// Shared between the worker's tasks and the window's `robot_status` command.
#[derive(Debug, Clone, Default)]
pub struct HealthBoard(Arc<RwLock<RobotHealth>>);

impl HealthBoard {
    pub fn snapshot(&self) -> RobotHealth {
        self.0.read().expect("health poisoned").clone()
    }

    /// No robot call at all while the token is known to be refused.
    pub fn allows_calls(&self) -> bool {
        self.snapshot().state != RobotState::TokenInvalido
    }

    /// New jobs only when the robot answers: while it is down, claiming would only
    /// spend attempts.
    pub fn allows_new_work(&self) -> bool {
        matches!(
            self.snapshot().state,
            RobotState::Ok | RobotState::Desconhecido
        )
    }

    /// Returns the new health when the state changed (for the window's event).
    pub fn record_ok(
        &self,
        now: DateTime<Utc>,
        jobs_pending: Option<i64>,
        jobs_active: Option<i64>,
    ) -> Option<RobotHealth> {
        self.update(|h| {
            if h.state == RobotState::TokenInvalido {
                return;
            }
            h.state = RobotState::Ok;
            h.message = "Serviço de robôs disponível.".into();
            h.checked_at = Some(now);
            h.jobs_pending = jobs_pending;
            h.jobs_active = jobs_active;
            h.misses = 0;
        })
    }

    pub fn record_miss(
        &self,
        now: DateTime<Utc>,
        message: &str,
        threshold: u32,
    ) -> Option<RobotHealth> {
        self.update(|h| {
            if h.state == RobotState::TokenInvalido {
                return;
            }
            h.misses += 1;
            h.checked_at = Some(now);
            if h.misses >= threshold {
                h.state = RobotState::Indisponivel;
                h.message = format!(
                    "Serviço de robôs indisponível ({} verificações sem resposta): {message}",
                    h.misses
                );
            }
        })
    }

    pub fn token_invalid(&self, now: DateTime<Utc>, message: &str) -> Option<RobotHealth> {
        self.update(|h| {
            h.state = RobotState::TokenInvalido;
            h.message = message.to_string();
            h.checked_at = Some(now);
        })
    }

    /// After an administrator saved a new token.
    pub fn token_replaced(&self) -> Option<RobotHealth> {
        self.update(|h| {
            if h.state == RobotState::TokenInvalido {
                *h = RobotHealth::default();
            }
        })
    }

    fn update(&self, f: impl FnOnce(&mut RobotHealth)) -> Option<RobotHealth> {
        let mut h = self.0.write().expect("health poisoned");
        let before = (h.state, h.message.clone());
        f(&mut h);
        (before != (h.state, h.message.clone())).then(|| h.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_misses_make_it_unavailable_and_one_answer_recovers() {
        let b = HealthBoard::default();
        let now = Utc::now();
        assert!(b.record_ok(now, Some(0), Some(0)).is_some());
        assert!(b.record_miss(now, "recusado", 3).is_none());
        assert!(b.record_miss(now, "recusado", 3).is_none());
        let h = b.record_miss(now, "recusado", 3).expect("changed");
        assert_eq!(h.state, RobotState::Indisponivel);
        assert!(!b.allows_new_work());
        assert!(b.allows_calls());
        assert_eq!(b.record_ok(now, None, None).unwrap().state, RobotState::Ok);
    }

    #[test]
    fn a_refused_token_stops_calls_until_replaced() {
        let b = HealthBoard::default();
        let now = Utc::now();
        b.token_invalid(now, "token inválido");
        assert!(!b.allows_calls());
        // A healthy /health (no auth) does not hide a refused token.
        assert!(b.record_ok(now, None, None).is_none());
        assert!(!b.allows_calls());
        b.token_replaced();
        assert!(b.allows_calls());
    }
}
