//! The shared database's folder check (issue 19): a folder for the invoices is accepted
//! only when every approved robot machine reaches the same folder. Each machine writes a
//! marker with a random text into the folder (brm-worker's markers.rs); this desktop
//! reads it back. "Testar" asks the machines to write into the folder being tried; the
//! screen lists each machine and why it failed; "Salvar" is refused while one fails.

use std::path::Path;

use brm_core::audit::AuditEvent;
use brm_core::robot_machine::{marker_path, MachineStatus};
use brm_core::Result;
use brm_store::Backend;
use serde::Serialize;
use serde_json::json;

use crate::Desk;

/// The folder an administrator is trying (the robot machines write their marker there).
pub const SETTING_CANDIDATE_FOLDER: &str = "armazenamento.pasta_candidata";

/// One approved robot machine and the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineCheck {
    pub name: String,
    pub host: String,
    pub ok: bool,
    /// pt-BR: why it failed, or that it reaches the folder.
    pub message: String,
}

impl Desk {
    /// Whether the folder check applies: a shared (PostgreSQL) database.
    pub(crate) fn folder_check_applies(&self) -> bool {
        self.store.backend() == Backend::Postgres
    }

    /// Each approved robot machine against `folder` as this computer sees it.
    pub(crate) async fn machine_checks(&self, folder: &Path) -> Result<Vec<MachineCheck>> {
        if !self.folder_check_applies() {
            return Ok(Vec::new());
        }
        let folder_text = folder.display().to_string();
        let mut out = Vec::new();
        for m in self.store.robot_machines().await? {
            if m.status != MachineStatus::Aprovada {
                continue;
            }
            let file = marker_path(folder, &m.fingerprint);
            let found = tokio::task::spawn_blocking(move || std::fs::read_to_string(file))
                .await
                .map_err(brm_core::Error::internal)?;
            let failed = |why: String| MachineCheck {
                name: m.name.clone(),
                host: m.host.clone(),
                ok: false,
                message: why,
            };
            let check = match &m.marker {
                None => failed(
                    "ainda não gravou o marcador: use Testar e aguarde o próximo ciclo dela \
                     (alguns segundos)."
                        .into(),
                ),
                Some(mk) if mk.folder != folder_text => failed(format!(
                    "o último marcador dela foi gravado em {}, não nesta pasta: use Testar e \
                     aguarde o próximo ciclo dela.",
                    mk.folder
                )),
                Some(mk) if mk.error.is_some() => failed(format!(
                    "{} Confira se a pasta existe e aceita gravação nessa máquina.",
                    mk.error.clone().unwrap_or_default()
                )),
                Some(mk) => match (&mk.nonce, found) {
                    (Some(nonce), Ok(text)) if text.contains(nonce.as_str()) => MachineCheck {
                        name: m.name.clone(),
                        host: m.host.clone(),
                        ok: true,
                        message: "alcança esta pasta.".into(),
                    },
                    (_, Ok(_)) => failed(
                        "o marcador que este computador encontra nesta pasta não é o que ela \
                         gravou por último: não é a mesma pasta nos dois computadores."
                            .into(),
                    ),
                    (_, Err(_)) => failed(
                        "gravou o marcador, mas este computador não o encontra nesta pasta: \
                         não é a mesma pasta nos dois computadores (use uma pasta de rede que \
                         todos alcancem, ou o S3)."
                            .into(),
                    ),
                },
            };
            out.push(check);
        }
        Ok(out)
    }

    /// "Testar" on the shared database: the robot machines are asked to write their
    /// marker into `folder` (the setting they read each cycle), and the checks so far.
    pub(crate) async fn try_folder_on_machines(
        &self,
        user: &brm_core::user::UserView,
        folder: &Path,
    ) -> Result<Vec<MachineCheck>> {
        let text = folder.display().to_string();
        let before = self
            .store
            .get_setting(SETTING_CANDIDATE_FOLDER)
            .await?
            .and_then(|v| v.as_str().map(str::to_string));
        if before.as_deref() != Some(text.as_str()) {
            let event = AuditEvent::new(
                self.clock.now(),
                brm_core::audit::Actor::user(user.id, &user.full_name),
                "ALTERAR_CONFIGURACAO",
                "configuracao",
            )
            .detail(format!(
                "Pasta das faturas em teste nas máquinas robô: {text}"
            ))
            .change(
                Some(json!({ SETTING_CANDIDATE_FOLDER: before })),
                Some(json!({ SETTING_CANDIDATE_FOLDER: text })),
            );
            self.store
                .put_setting(SETTING_CANDIDATE_FOLDER, &json!(text), &event)
                .await?;
            if let Some(hooks) = self.robot_hooks() {
                (hooks.wake)();
            }
        }
        self.machine_checks(folder).await
    }
}

/// The refusal of a folder some machine does not reach, naming each.
pub(crate) fn folder_refusal(checks: &[MachineCheck]) -> Option<String> {
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} ({}): {}", c.name, c.host, c.message))
        .collect();
    (!failed.is_empty()).then(|| {
        format!(
            "Com o banco compartilhado, a pasta das faturas precisa ser a mesma para todas as \
             máquinas robô aprovadas, e estas não a alcançam: {}. O S3 é o recomendado para \
             o banco compartilhado.",
            failed.join("; ")
        )
    })
}
