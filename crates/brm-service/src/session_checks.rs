//! Sessions end where they should, on every desktop: the revalidation compares the
//! sessions open here with the people in the database, so a person deactivated,
//! removed, demoted or whose password was reset on another desktop loses the session (or
//! the role) here too, within one round. The app runs a round every
//! [`REVALIDATE_EVERY`] (src-tauri's session guard); a round also ends the sessions idle
//! past the limit the settings give (`sessao.inatividade_horas`).

use crate::sessions::{password_mark, EndReason, EndedSession};
use crate::Desk;
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::user::UserView;
use brm_core::{Error, ErrorCode, Result, Role};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often the app revalidates: well under the 30 s a stale role may live.
pub const REVALIDATE_EVERY: Duration = Duration::from_secs(2);

/// The idle limit, in hours (1 to 24; 8 when unset).
pub const SETTING_IDLE_HOURS: &str = "sessao.inatividade_horas";
pub const IDLE_HOURS_DEFAULT: u64 = 8;
pub const IDLE_HOURS_RANGE: std::ops::RangeInclusive<u64> = 1..=24;

const ENTITY: &str = "usuario";

impl Desk {
    /// One round: which sessions ended and why. A database that does not answer ends
    /// nobody (the outage banner speaks then); the round after it catches up.
    pub async fn revalidate_sessions(&self) -> Vec<EndedSession> {
        if let Ok(Some(v)) = self.store.get_setting(SETTING_IDLE_HOURS).await {
            if let Some(h) = v.as_u64().filter(|h| IDLE_HOURS_RANGE.contains(h)) {
                self.sessions.set_idle_limit(Duration::from_secs(h * 3600));
            }
        }
        let mut ended = self.sessions.end_idle();
        for live in self.sessions.users() {
            let stored = match self.store.user_by_id(live.id).await {
                Ok(u) => u,
                // A personal database login PostgreSQL no longer accepts (deactivated:
                // NOLOGIN; password reset; connections ended): the session is over.
                Err(brm_store::StoreError::Refused(e)) if e.code == ErrorCode::Unauthenticated => {
                    None
                }
                Err(e) => {
                    tracing::debug!(error = %e, "sessions not revalidated: database unavailable");
                    break;
                }
            };
            match stored {
                Some(u) if u.active => {
                    let mark = password_mark(&u.password_hash);
                    ended.extend(self.sessions.end_where(
                        |s| s.user.id == u.id && s.password_mark != mark,
                        EndReason::PasswordChanged,
                    ));
                    let now = UserView::from(&u);
                    if now != live {
                        self.sessions.refresh_user(&now);
                        tracing::info!(user = %u.id, role = u.role.as_str(), "a live session took the person's new profile");
                    }
                }
                _ => ended.extend(
                    self.sessions
                        .end_where(|s| s.user.id == live.id, EndReason::Deactivated),
                ),
            }
        }
        for e in &ended {
            tracing::info!(user = %e.user_id, reason = e.reason.as_str(), "session ended");
            let event = AuditEvent::new(
                self.clock.now(),
                Actor::user(e.user_id, &e.user_name),
                action::LOGOUT,
                ENTITY,
            )
            .on(e.user_id)
            .detail(format!("sessão encerrada: {}", e.reason.as_str()));
            if let Err(err) = self.store.append_audit(&event).await {
                tracing::warn!(error = %err, "session end not audited");
            }
        }
        self.release_person_if_idle();
        ended
    }

    /// The idle limit as stored (the default when unset or out of range).
    async fn idle_hours_now(&self) -> u64 {
        match self.store.get_setting(SETTING_IDLE_HOURS).await {
            Ok(Some(v)) => v
                .as_u64()
                .filter(|h| IDLE_HOURS_RANGE.contains(h))
                .unwrap_or(IDLE_HOURS_DEFAULT),
            _ => IDLE_HOURS_DEFAULT,
        }
    }

    /// Configurações → Sessões (administrators).
    pub async fn get_session_settings(&self, token: &str) -> Result<SessionSettings> {
        self.require(
            token,
            Role::can_change_settings,
            "ver as configurações de sessão",
        )?;
        Ok(SessionSettings {
            idle_hours: self.idle_hours_now().await,
        })
    }

    /// Saves the idle limit, audited; every desktop applies it at its next round.
    pub async fn save_session_settings(
        &self,
        token: &str,
        input: SessionSettings,
    ) -> Result<SessionSettings> {
        let session = self.require(
            token,
            Role::can_change_settings,
            "alterar as configurações de sessão",
        )?;
        self.ensure_writable()?;
        if !IDLE_HOURS_RANGE.contains(&input.idle_hours) {
            return Err(Error::field(
                "idle_hours",
                format!(
                    "O tempo sem uso deve ficar entre {} e {} horas.",
                    IDLE_HOURS_RANGE.start(),
                    IDLE_HOURS_RANGE.end()
                ),
            ));
        }
        let before = self.idle_hours_now().await;
        if before != input.idle_hours {
            let event = AuditEvent::new(
                self.clock.now(),
                crate::clients::actor(&session),
                crate::ALTERAR_CONFIGURACAO,
                "configuracao",
            )
            .change(
                Some(serde_json::json!({ SETTING_IDLE_HOURS: before })),
                Some(serde_json::json!({ SETTING_IDLE_HOURS: input.idle_hours })),
            )
            .detail(format!(
                "{SETTING_IDLE_HOURS}: {before} → {}",
                input.idle_hours
            ));
            self.observe(
                self.store
                    .put_setting(SETTING_IDLE_HOURS, &input.idle_hours.into(), &event)
                    .await,
            )?;
            self.sessions
                .set_idle_limit(Duration::from_secs(input.idle_hours * 3600));
        }
        Ok(SessionSettings {
            idle_hours: self.idle_hours_now().await,
        })
    }

    /// The person used the window (`touch_session`): the idle count starts again.
    pub fn touch_session(&self, token: &str) -> brm_core::Result<()> {
        if self.sessions.touch(token) {
            Ok(())
        } else {
            Err(brm_core::Error::unauthenticated())
        }
    }
}

/// Configurações → Sessões.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSettings {
    /// Hours without using the window before the session ends (1 to 24).
    pub idle_hours: u64,
}
