use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::{Error, ErrorCode};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tauri::State;

/// Where an export went.
#[derive(Debug, Serialize)]
pub struct ExportOut {
    pub path: String,
    pub file_name: String,
    pub rows: usize,
}

/// The user's Downloads folder (else the home folder). `BRM_EXPORT_DIR` names another
/// one (tests and the end-to-end suite).
pub(crate) fn export_dir() -> Option<PathBuf> {
    std::env::var_os("BRM_EXPORT_DIR")
        .map(PathBuf::from)
        .or_else(dirs::download_dir)
        .or_else(dirs::home_dir)
}

/// Writes `bytes` as `name` in `dir` without overwriting anything: "x.csv", then
/// "x (2).csv", "x (3).csv"...
pub fn write_new_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_string(), format!(".{e}")),
        None => (name.to_string(), String::new()),
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({n}){ext}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                f.write_all(bytes)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "arquivos demais com esse nome",
    ))
}

/// Exports `list` with `filter` (the list command's own filter) as `format` ("csv" or
/// "xlsx") into the Downloads folder.
#[tauri::command]
pub async fn export_list(
    state: State<'_, AppState>,
    token: String,
    list: String,
    filter: Option<serde_json::Value>,
    format: String,
) -> CmdResult<ExportOut> {
    let export = state
        .desk()
        .await?
        .export_list(&token, &list, filter.unwrap_or_default(), &format)
        .await?;
    let dir = export_dir().ok_or_else(|| {
        Error::new(
            ErrorCode::Internal,
            "Não foi possível encontrar a pasta Downloads nem a pasta pessoal para salvar a exportação.",
        )
    })?;
    let path = write_new_file(&dir, &export.file_name, &export.bytes).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!(
                "Não foi possível salvar a exportação em {}: {e}",
                dir.display()
            ),
        )
    })?;
    tracing::info!(list, rows = export.rows, path = %path.display(), "list exported");
    Ok(ExportOut {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(export.file_name),
        path: path.display().to_string(),
        rows: export.rows,
    })
}
