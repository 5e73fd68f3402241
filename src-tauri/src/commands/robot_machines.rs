//! Configurações → Máquinas robô (issue 19): thin commands over `Desk`, which checks the
//! administrator and audits. The exported identity goes to the Downloads folder, as the
//! list exports do; an identity file to import is read by the window and sent as text.

use crate::commands::exports::{export_dir, write_new_file};
use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::{Error, ErrorCode};
use brm_service::robot_machines::RobotMachinesView;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

/// The largest identity file accepted (an exported one is under 1 KiB).
const MAX_IDENTITY_FILE: usize = 16 * 1024;

#[derive(Debug, Serialize)]
pub struct IdentityExported {
    pub path: String,
    pub file_name: String,
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_robot_machines(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<RobotMachinesView> {
    state.desk().await?.robot_machines(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn decide_robot_machine(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    approve: bool,
) -> CmdResult<RobotMachinesView> {
    state
        .desk()
        .await?
        .decide_robot_machine(&token, id, approve)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn export_robot_identity(
    state: State<'_, AppState>,
    token: String,
    passphrase: String,
) -> CmdResult<IdentityExported> {
    let file = state
        .desk()
        .await?
        .export_robot_identity(&token, passphrase)
        .await?;
    let dir = export_dir().ok_or_else(|| {
        Error::new(
            ErrorCode::Internal,
            "Não foi possível encontrar a pasta Downloads nem a pasta pessoal para salvar a identidade.",
        )
    })?;
    let name = "identidade-maquina-robo.age";
    let path = write_new_file(&dir, name, file.as_bytes()).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!(
                "Não foi possível salvar a identidade em {}: {e}",
                dir.display()
            ),
        )
    })?;
    Ok(IdentityExported {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string()),
        path: path.display().to_string(),
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn import_robot_identity(
    state: State<'_, AppState>,
    token: String,
    file: String,
    passphrase: String,
) -> CmdResult<RobotMachinesView> {
    if file.len() > MAX_IDENTITY_FILE {
        return Err(Error::field(
            "arquivo",
            "Este arquivo é grande demais para ser uma identidade de máquina robô exportada pelo BRM RPA Desk.",
        ));
    }
    state
        .desk()
        .await?
        .import_robot_identity(&token, file, passphrase)
        .await
}
