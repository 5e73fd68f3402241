//! Configurações → Máquinas robô (issue 19), administrators only: the machines that may
//! open portal passwords, their approval and removal, the recovery of a machine's
//! identity, and the clients whose password no approved machine can open.
//!
//! Desktops seal portal passwords to the approved machines' public keys and never open
//! them. In the embedded default the desktop is its own robot machine: its identity is
//! made and approved the first time a password is saved (or the worker starts).

use std::collections::BTreeSet;

use brm_core::audit::AuditEvent;
use brm_core::robot_machine::{grouped, MachineHello, MachineStatus, RobotMachine};
use brm_core::{Error, ErrorCode, Result};
use brm_secrets::{no_robot_machine, sealed_recipients, RobotIdentity, PREFIX_V2};
use brm_store::Backend;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::clients::actor;
use crate::Desk;

const WHAT: &str = "administrar as máquinas robô";

/// One machine, as the screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MachineView {
    pub id: Uuid,
    pub name: String,
    pub host: String,
    /// Grouped in fours.
    pub fingerprint: String,
    pub status: MachineStatus,
    pub status_label: String,
    pub first_seen_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// This computer holds its private key.
    pub this_computer: bool,
}

/// A client whose portal password must be typed again (or waits for the machine that
/// holds the old key).
#[derive(Debug, Clone, Serialize)]
pub struct PasswordToRetype {
    pub client_id: Uuid,
    pub client_name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RobotMachinesView {
    pub machines: Vec<MachineView>,
    /// This computer's fingerprint, when it is (or was) a robot machine.
    pub this_computer: Option<String>,
    /// Passwords sealed to a set other than the approved one: the robot machines seal
    /// them again at their next cycle.
    pub waiting_reseal: usize,
    pub to_retype: Vec<PasswordToRetype>,
}

impl Desk {
    pub async fn robot_machines(&self, token: &str) -> Result<RobotMachinesView> {
        self.require(token, brm_core::Role::can_change_settings, WHAT)?;
        self.robot_machines_view().await
    }

    async fn robot_machines_view(&self) -> Result<RobotMachinesView> {
        let machines = self.store.robot_machines().await?;
        let mine = self.local_identity().await?.map(|i| i.fingerprint());
        let approved: BTreeSet<String> = machines
            .iter()
            .filter(|m| m.status == MachineStatus::Aprovada)
            .map(|m| m.fingerprint.clone())
            .collect();
        let mut waiting_reseal = 0;
        let mut to_retype = Vec::new();
        for p in self.store.stored_passwords().await? {
            let sealed_to: BTreeSet<String> = sealed_recipients(&p.sealed).into_iter().collect();
            let reason = if !p.sealed.starts_with(PREFIX_V2) {
                Some(
                    "Guardada no formato antigo: só a máquina que tem a chave antiga a converte. \
                     Se essa máquina não existe mais, digite a senha de novo."
                        .to_string(),
                )
            } else if sealed_to.is_disjoint(&approved) {
                Some(
                    "Nenhuma máquina robô aprovada consegue abrir esta senha: digite-a de novo \
                     no cadastro do cliente."
                        .to_string(),
                )
            } else {
                if sealed_to != approved {
                    waiting_reseal += 1;
                }
                None
            };
            if let Some(reason) = reason {
                to_retype.push(PasswordToRetype {
                    client_id: p.client_id,
                    client_name: p.client_name,
                    reason,
                });
            }
        }
        Ok(RobotMachinesView {
            machines: machines.iter().map(|m| view(m, mine.as_deref())).collect(),
            this_computer: mine.as_deref().map(grouped),
            waiting_reseal,
            to_retype,
        })
    }

    /// Approves (`approve`) or removes a machine. The robot machines seal the passwords
    /// again to the new set at their next cycle.
    pub async fn decide_robot_machine(
        &self,
        token: &str,
        id: Uuid,
        approve: bool,
    ) -> Result<RobotMachinesView> {
        let session = self.require(token, brm_core::Role::can_change_settings, WHAT)?;
        self.ensure_writable()?;
        let machines = self.store.robot_machines().await?;
        let Some(before) = machines.iter().find(|m| m.id == id) else {
            return Err(Error::new(
                ErrorCode::NotFound,
                "Máquina robô não encontrada: atualize a lista.",
            ));
        };
        let status = if approve {
            MachineStatus::Aprovada
        } else {
            MachineStatus::Removida
        };
        if before.status == status {
            return self.robot_machines_view().await;
        }
        if approve && before.status == MachineStatus::Removida {
            return Err(Error::new(
                ErrorCode::Conflict,
                "Uma máquina removida não volta a ser aprovada: a chave dela pode ter saído do \
                 escritório. Na máquina, importe uma identidade exportada ou apague a \
                 identidade do chaveiro para que ela se registre com uma chave nova.",
            ));
        }
        let (action, detail) = if approve {
            ("MAQUINA_ROBO_APROVADA", "Máquina robô aprovada")
        } else {
            ("MAQUINA_ROBO_REMOVIDA", "Máquina robô removida")
        };
        let event = AuditEvent::new(self.clock.now(), actor(&session), action, "maquina_robo")
            .on(id)
            .change(
                Some(json!({ "situacao": before.status.as_str() })),
                Some(json!({
                    "nome": before.name,
                    "host": before.host,
                    "impressao_digital": before.fingerprint,
                    "situacao": status.as_str(),
                })),
            )
            .detail(format!("{detail}: {} ({})", before.name, before.host));
        self.store
            .decide_robot_machine(id, status, &event)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "Máquina robô não encontrada."))?;
        self.wake_robot();
        self.robot_machines_view().await
    }

    /// This computer's robot identity as a file protected by `passphrase`.
    pub async fn export_robot_identity(&self, token: &str, passphrase: String) -> Result<String> {
        let session = self.require(token, brm_core::Role::can_change_settings, WHAT)?;
        brm_secrets::check_passphrase(&passphrase)?;
        let Some(identity) = self.local_identity().await? else {
            return Err(Error::new(
                ErrorCode::Conflict,
                "Este computador não tem identidade de máquina robô para exportar: exporte-a \
                 numa máquina robô (onde roda o brm-desk worker).",
            ));
        };
        let fp = identity.fingerprint();
        let file = tokio::task::spawn_blocking(move || identity.export(&passphrase))
            .await
            .map_err(Error::internal)??;
        let event = AuditEvent::new(
            self.clock.now(),
            actor(&session),
            "IDENTIDADE_ROBO_EXPORTADA",
            "maquina_robo",
        )
        .change(None, Some(json!({ "impressao_digital": fp })));
        self.store.append_audit(&event).await?;
        Ok(file)
    }

    /// Makes `file` (an exported identity) this computer's robot identity. The worker
    /// uses it from its next start.
    pub async fn import_robot_identity(
        &self,
        token: &str,
        file: String,
        passphrase: String,
    ) -> Result<RobotMachinesView> {
        let session = self.require(token, brm_core::Role::can_change_settings, WHAT)?;
        self.ensure_writable()?;
        let keys = self.secrets.store().clone();
        let imported = tokio::task::spawn_blocking(move || -> Result<String> {
            let identity = RobotIdentity::import(&file, &passphrase)?;
            identity.save(&*keys)?;
            Ok(identity.fingerprint())
        })
        .await
        .map_err(Error::internal)??;
        let event = AuditEvent::new(
            self.clock.now(),
            actor(&session),
            "IDENTIDADE_ROBO_IMPORTADA",
            "maquina_robo",
        )
        .change(None, Some(json!({ "impressao_digital": imported })))
        .detail(
            "Identidade de máquina robô importada neste computador: vale a partir do próximo \
             início do serviço de robôs.",
        );
        self.store.append_audit(&event).await?;
        self.robot_machines_view().await
    }

    /// The public keys a new portal password is sealed to. In the embedded default
    /// (SQLite) with no machine approved yet, this desktop becomes the robot machine.
    pub(crate) async fn portal_recipients(&self) -> Result<Vec<String>> {
        let approved: Vec<String> = self
            .store
            .robot_machines()
            .await?
            .into_iter()
            .filter(|m| m.status == MachineStatus::Aprovada)
            .map(|m| m.public_key)
            .collect();
        if !approved.is_empty() {
            return Ok(approved);
        }
        if self.store.backend() != Backend::Sqlite {
            return Err(no_robot_machine());
        }
        let secrets = self.secrets.clone();
        let identity = tokio::task::spawn_blocking(move || secrets.robot_identity_or_create())
            .await
            .map_err(Error::internal)??;
        let machine = self
            .store
            .robot_machine_hello(&MachineHello {
                id: Uuid::new_v4(),
                name: host_name(),
                host: host_name(),
                public_key: identity.public_key(),
                fingerprint: identity.fingerprint(),
                at: self.clock.now(),
                approve: true,
            })
            .await?;
        if machine.status != MachineStatus::Aprovada {
            return Err(no_robot_machine());
        }
        Ok(vec![machine.public_key])
    }

    async fn local_identity(&self) -> Result<Option<std::sync::Arc<RobotIdentity>>> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.robot_identity())
            .await
            .map_err(Error::internal)?
    }

    fn wake_robot(&self) {
        if let Some(hooks) = self.robot.read().ok().and_then(|r| r.clone()) {
            (hooks.wake)();
        }
    }
}

fn view(m: &RobotMachine, mine: Option<&str>) -> MachineView {
    MachineView {
        id: m.id,
        name: m.name.clone(),
        host: m.host.clone(),
        fingerprint: grouped(&m.fingerprint),
        status: m.status,
        status_label: m.status.label().to_string(),
        first_seen_at: m.first_seen_at,
        last_seen_at: m.last_seen_at,
        this_computer: mine == Some(m.fingerprint.as_str()),
    }
}

fn host_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
