//! Settings saved together with keyring entries, atomically from the person's point of
//! view: the keyring changes go first (each one undone if a later one fails), then the
//! settings rows and their audit events in one database transaction; if that fails,
//! the keyring entries are put back as they were. Values never reach the log.

use crate::settings::ALTERAR_CONFIGURACAO;
use crate::Desk;
use brm_core::audit::{Actor, AuditEvent};
use brm_core::user::UserView;
use brm_core::{Error, Result};
use brm_secrets::{KeyStore, SecretAction};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// One keyring entry to create, replace (`Some`) or remove (`None`).
pub(crate) struct KeyChange {
    pub name: &'static str,
    pub value: Option<String>,
}

/// What a save writes: keyring entries, then settings rows and audit events.
pub(crate) struct SettingsWrite {
    pub keys: Vec<KeyChange>,
    pub values: Vec<(String, serde_json::Value)>,
    pub at: DateTime<Utc>,
    pub by: Option<Uuid>,
    pub audits: Vec<AuditEvent>,
    actor: Actor,
}

impl SettingsWrite {
    /// An empty write by `user` at `at`.
    pub(crate) fn by(user: &UserView, at: DateTime<Utc>) -> Self {
        Self {
            keys: Vec::new(),
            values: Vec::new(),
            at,
            by: Some(user.id),
            audits: Vec::new(),
            actor: Actor::user(user.id, &user.full_name),
        }
    }

    /// The audit event of one configuration change by this write's author; the caller
    /// adds the before and after and pushes it to `audits`.
    pub(crate) fn event(&self, detail: impl Into<String>) -> AuditEvent {
        AuditEvent::new(
            self.at,
            self.actor.clone(),
            ALTERAR_CONFIGURACAO,
            "configuracao",
        )
        .detail(detail.into())
    }
}

impl Desk {
    /// The keyring entry `name` (off the async workers: the keyring may block).
    pub(crate) async fn read_secret(&self, name: &'static str) -> Result<Option<String>> {
        let keys = self.secrets.store().clone();
        tokio::task::spawn_blocking(move || keys.get(name))
            .await
            .map_err(Error::internal)?
            .map_err(|e| e.into_error(SecretAction::Read))
    }

    /// Applies `w` when it changes anything; tells whether it did.
    pub(crate) async fn save_settings_write(&self, w: SettingsWrite) -> Result<bool> {
        if w.audits.is_empty() {
            return Ok(false);
        }
        self.write_settings_with_secrets(w).await?;
        Ok(true)
    }

    /// Applies `w` as a whole or not at all (see the module's note).
    pub(crate) async fn write_settings_with_secrets(&self, w: SettingsWrite) -> Result<()> {
        let keys = self.secrets.store().clone();
        let previous = apply_keys(keys.clone(), w.keys).await?;
        let written = self
            .observe(
                self.store
                    .put_settings(&w.values, w.at, w.by, &w.audits)
                    .await,
            )
            .map_err(Error::from);
        if let Err(e) = written {
            if let Err(undo) = restore_keys(keys, previous).await {
                tracing::error!(error = %undo.message, "keyring not restored after a failed settings save");
            }
            return Err(e);
        }
        Ok(())
    }
}

/// Applies the changes in order and returns what each entry held before; on a failure
/// the entries already changed are put back and the error is returned.
async fn apply_keys(
    keys: Arc<dyn KeyStore>,
    changes: Vec<KeyChange>,
) -> Result<Vec<(&'static str, Option<String>)>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    tokio::task::spawn_blocking(move || {
        let mut done: Vec<(&'static str, Option<String>)> = Vec::new();
        for change in changes {
            let step = keys
                .get(change.name)
                .map_err(|e| e.into_error(SecretAction::Read))
                .and_then(|before| {
                    match &change.value {
                        Some(v) => keys.set(change.name, v),
                        None => keys.delete(change.name),
                    }
                    .map_err(|e| e.into_error(SecretAction::Save))?;
                    Ok(before)
                });
            match step {
                Ok(before) => done.push((change.name, before)),
                Err(e) => {
                    undo(&*keys, done);
                    return Err(e);
                }
            }
        }
        Ok(done)
    })
    .await
    .map_err(Error::internal)?
}

async fn restore_keys(
    keys: Arc<dyn KeyStore>,
    previous: Vec<(&'static str, Option<String>)>,
) -> Result<()> {
    tokio::task::spawn_blocking(move || undo(&*keys, previous))
        .await
        .map_err(Error::internal)
}

/// Puts the entries back, last changed first; a failure is logged (by name only).
fn undo(keys: &dyn KeyStore, previous: Vec<(&'static str, Option<String>)>) {
    for (name, value) in previous.into_iter().rev() {
        let restored = match value {
            Some(v) => keys.set(name, &v),
            None => keys.delete(name),
        };
        if let Err(e) = restored {
            tracing::error!(entry = name, error = %e, "keyring entry not restored");
        }
    }
}
