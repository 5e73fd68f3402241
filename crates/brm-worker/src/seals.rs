//! This robot machine's part in the sealed portal passwords (issue 19).
//!
//! - At start: the machine's identity (created in the keyring the first time) and its
//!   registration in the database; pending until an administrator approves it (approved
//!   at once in the embedded default, where the desktop is the only machine).
//! - Each cycle, cheaply: the approved set. When it changed (a machine approved or
//!   removed), at start (the `v1` upgrade), and at least every `reseal_every`, a pass over
//!   the stored passwords: what this machine can open and is sealed to another set is
//!   sealed again to the approved machines, all in one transaction, audited with counts
//!   only. Once no `v1` value is left, the old data key is retired from this keyring.
//! - The clients whose password this machine cannot open are left to other machines: the
//!   claim does not take their downloads.

use std::collections::BTreeSet;
use std::sync::Arc;

use brm_core::audit::AuditEvent;
use brm_core::robot_machine::{MachineHello, MachineStatus, Reseal, RobotMachine};
use brm_secrets::{fingerprint, seal_to, sealed_recipients, RobotIdentity, PREFIX_V2};
use brm_store::{Backend, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{actor, Worker};

/// What the worker remembers between passes.
#[derive(Default)]
pub(crate) struct SealState {
    /// The approved machines' fingerprints at the last pass.
    approved: Option<BTreeSet<String>>,
    last_pass: Option<DateTime<Utc>>,
    last_hello: Option<DateTime<Utc>>,
    /// Clients whose password this machine cannot open.
    pub(crate) skip_clients: Vec<Uuid>,
}

/// What one pass did (for tests and the log).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResealReport {
    pub resealed: u64,
    pub upgraded_v1: u64,
    pub cannot_open: usize,
    pub retired_data_key: bool,
}

impl Worker {
    /// This machine's identity, created in the keyring if it has none, and its row in
    /// the database. An error is pt-BR and says what is missing.
    pub async fn register_machine(&self) -> Result<RobotMachine, String> {
        let secrets = self.secrets.clone();
        let identity = tokio::task::spawn_blocking(move || secrets.robot_identity_or_create())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| {
                format!(
                    "Esta máquina robô não tem identidade e não conseguiu criar uma no cofre de \
                     senhas do sistema (chaveiro): {}",
                    e.message
                )
            })?;
        let now = self.clock.now();
        let hello = MachineHello {
            id: Uuid::new_v4(),
            name: self.config.machine_name.clone(),
            host: host_name(),
            public_key: identity.public_key(),
            fingerprint: identity.fingerprint(),
            at: now,
            approve: self.store.backend() == Backend::Sqlite,
        };
        let machine =
            self.store.robot_machine_hello(&hello).await.map_err(|e| {
                format!("Não foi possível registrar esta máquina robô no banco: {e}")
            })?;
        self.seals.lock().expect("seals").last_hello = Some(now);
        if machine.status == MachineStatus::Pendente {
            tracing::warn!(
                fingerprint = %machine.fingerprint,
                "robot machine waiting for an administrator's approval (Configurações → Máquinas robô)"
            );
        }
        Ok(machine)
    }

    /// The clients whose downloads this machine leaves to others.
    pub(crate) fn clients_left_to_others(&self) -> Vec<Uuid> {
        self.seals.lock().expect("seals").skip_clients.clone()
    }

    /// Runs a re-seal pass when one is due (see the module's comment).
    pub(crate) async fn keep_seals(&self) -> StoreResult<()> {
        let now = self.clock.now();
        let machines = self.store.robot_machines().await?;
        let approved: BTreeSet<String> = machines
            .iter()
            .filter(|m| m.status == MachineStatus::Aprovada)
            .map(|m| m.fingerprint.clone())
            .collect();
        let (due, hello_due) = {
            let s = self.seals.lock().expect("seals");
            let changed = s.approved.as_ref() != Some(&approved);
            let stale = s
                .last_pass
                .is_none_or(|t| now - t >= self.config.reseal_every);
            let hello_due = s
                .last_hello
                .is_none_or(|t| now - t >= self.config.reseal_every);
            (changed || stale, hello_due)
        };
        if hello_due {
            if let Err(e) = self.register_machine().await {
                tracing::warn!("robot machine not registered: {e}");
            }
        }
        if due {
            if let Err(e) = self.reseal_pass(&machines).await {
                tracing::warn!("portal passwords not re-sealed: {e}");
            }
            let mut s = self.seals.lock().expect("seals");
            s.approved = Some(approved);
            s.last_pass = Some(now);
        }
        Ok(())
    }

    /// One pass over the stored passwords (see the module's comment).
    pub async fn reseal_pass(&self, machines: &[RobotMachine]) -> StoreResult<ResealReport> {
        let secrets = self.secrets.clone();
        let identity = tokio::task::spawn_blocking(move || secrets.robot_identity())
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .map_err(StoreError::Refused)?;
        let approved: Vec<&RobotMachine> = machines
            .iter()
            .filter(|m| m.status == MachineStatus::Aprovada)
            .collect();
        let mine = identity.as_ref().map(|i| i.fingerprint());
        let i_am_approved = mine
            .as_ref()
            .is_some_and(|f| approved.iter().any(|m| &m.fingerprint == f));
        let keys: Vec<String> = approved.iter().map(|m| m.public_key.clone()).collect();
        let target: BTreeSet<String> = keys.iter().map(|k| fingerprint(k)).collect();
        let stored = self.store.stored_passwords().await?;
        let has_data_key = {
            let secrets = self.secrets.clone();
            tokio::task::spawn_blocking(move || secrets.has_data_key().unwrap_or(false))
                .await
                .unwrap_or(false)
        };
        let mut report = ResealReport::default();
        let mut changes = Vec::new();
        let mut skip = Vec::new();
        let mut v1_left = 0;
        for p in &stored {
            let is_v2 = p.sealed.starts_with(PREFIX_V2);
            let sealed_to: BTreeSet<String> = sealed_recipients(&p.sealed).into_iter().collect();
            let mine_inside = mine.as_ref().is_some_and(|f| sealed_to.contains(f));
            let openable = if is_v2 { mine_inside } else { has_data_key };
            if !openable {
                skip.push(p.client_id);
                if !is_v2 {
                    v1_left += 1;
                }
                continue;
            }
            let needs = !is_v2 || sealed_to != target;
            if !needs || !i_am_approved || keys.is_empty() {
                if !is_v2 {
                    v1_left += 1;
                }
                continue;
            }
            let aad = p.client_id.to_string();
            let secrets = self.secrets.clone();
            let sealed = p.sealed.clone();
            let keys = keys.clone();
            let after = tokio::task::spawn_blocking(move || {
                let plain = zeroize::Zeroizing::new(secrets.open_for(&aad, &sealed)?);
                seal_to(&keys, &aad, &plain)
            })
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            match after {
                Ok(after) => {
                    if !is_v2 {
                        report.upgraded_v1 += 1;
                    }
                    changes.push(Reseal {
                        client_id: p.client_id,
                        before: p.sealed.clone(),
                        after,
                    });
                }
                Err(_) => {
                    // Altered, or sealed under a key this machine does not have: reported
                    // by client on the screen (Configurações → Máquinas robô), left as is.
                    report.cannot_open += 1;
                    skip.push(p.client_id);
                    if !is_v2 {
                        v1_left += 1;
                    }
                }
            }
        }
        if !changes.is_empty() {
            let event = AuditEvent::new(
                self.clock.now(),
                actor(),
                "SENHAS_SELADAS_DE_NOVO",
                "maquina_robo",
            )
            .change(
                None,
                Some(serde_json::json!({
                    "seladas_de_novo": changes.len(),
                    "do_formato_antigo": report.upgraded_v1,
                    "nao_abertas": report.cannot_open,
                    "maquinas_aprovadas": keys.len(),
                })),
            );
            report.resealed = self.store.reseal_passwords(&changes, &event).await?;
            tracing::info!(
                resealed = report.resealed,
                upgraded_v1 = report.upgraded_v1,
                "portal passwords sealed again to the approved robot machines"
            );
            // Written "only where unchanged": a value saved meanwhile stays v1 only if a
            // desktop of an older version wrote it; count again next pass.
            v1_left += (report.upgraded_v1 as usize).saturating_sub(report.resealed as usize);
        }
        // Every v1 value is gone (re-sealed here or by another machine): the old key
        // opens nothing any more.
        if has_data_key && v1_left == 0 && i_am_approved {
            let secrets = self.secrets.clone();
            let retired = tokio::task::spawn_blocking(move || secrets.retire_data_key())
                .await
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            match retired {
                Ok(()) => {
                    report.retired_data_key = true;
                    tracing::info!("old data key retired from the keyring: no v1 value left");
                }
                Err(e) => tracing::warn!("old data key not retired: {}", e.message),
            }
        }
        self.seals.lock().expect("seals").skip_clients = skip;
        if i_am_approved {
            if let Err(e) = self.reseal_smtp_password(&keys).await {
                tracing::warn!("SMTP password not sealed again: {e}");
            }
        }
        Ok(report)
    }

    /// This machine's identity, if it has one (for tests and the desktop's screen).
    pub async fn identity(&self) -> Option<Arc<RobotIdentity>> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.robot_identity().ok().flatten())
            .await
            .ok()
            .flatten()
    }
}

/// The computer's name, for the list of machines.
fn host_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
