//! Copies of the embedded database: the online copy (`VACUUM INTO`) and the check that a
//! file is a sound copy of ours before it may replace the database.

use super::MIGRATOR;
use crate::{StoreError, StoreResult};
use brm_core::{Error, ErrorCode};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ConnectOptions, Connection, Row};
use std::path::Path;

/// `VACUUM INTO` writes a consistent copy while the application keeps running (readers
/// and the writer go on; the copy is of one snapshot). It never overwrites a file.
pub(super) async fn backup_into(pool: &SqlitePool, path: &Path) -> StoreResult<()> {
    let refuse = |message: String| StoreError::Refused(Error::field("path", message));
    if path.exists() {
        return Err(refuse(format!(
            "O arquivo {} já existe. Escolha outro nome para a cópia de segurança.",
            path.display()
        )));
    }
    let Some(target) = path.to_str() else {
        return Err(refuse(format!(
            "O caminho {} tem caracteres que o SQLite não aceita. Escolha outra pasta.",
            path.display()
        )));
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            refuse(format!(
                "Não foi possível criar a pasta {} para a cópia de segurança: {e}",
                dir.display()
            ))
        })?;
    }
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}

/// What a sound copy holds: how many of our migrations it has (an older copy has fewer;
/// the missing ones run when it opens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCheck {
    pub migrations: usize,
}

fn refused(message: String) -> StoreError {
    StoreError::Refused(Error::new(ErrorCode::Validation, message))
}

/// Checks, without changing it (opened read-only and immutable: no journal, no lock
/// files), that `path` is a SQLite database that passes `PRAGMA integrity_check` and was
/// made by this application: it has our migrations table, every migration in it is one of
/// ours with the same checksum, and none failed half-way. Refused with a pt-BR message
/// otherwise.
pub async fn verify_backup_file(path: &Path) -> StoreResult<BackupCheck> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if !path.is_file() {
        return Err(refused(format!("A cópia \"{name}\" não foi encontrada.")));
    }
    let not_sqlite = || {
        refused(format!(
            "O arquivo \"{name}\" não é um banco SQLite válido; nada foi alterado."
        ))
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .create_if_missing(false);
    let mut conn = options.connect().await.map_err(|_| not_sqlite())?;
    let result = check(&mut conn, &name, not_sqlite).await;
    let _ = conn.close().await;
    result
}

async fn check(
    conn: &mut sqlx::SqliteConnection,
    name: &str,
    not_sqlite: impl Fn() -> StoreError,
) -> StoreResult<BackupCheck> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|_| not_sqlite())?;
    if problems != ["ok"] {
        let first = problems.first().cloned().unwrap_or_default();
        return Err(refused(format!(
            "A cópia \"{name}\" está danificada (verificação de integridade: {first}); \
             nada foi alterado."
        )));
    }
    let has_table: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|_| not_sqlite())?;
    if has_table == 0 {
        return Err(refused(format!(
            "O arquivo \"{name}\" não é uma cópia do BRM RPA Desk (não tem a tabela de \
             migrações); nada foi alterado."
        )));
    }
    let rows = sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(|_| not_sqlite())?;
    for row in &rows {
        let version: i64 = row.try_get("version").map_err(|_| not_sqlite())?;
        let success: bool = row.try_get("success").map_err(|_| not_sqlite())?;
        let checksum: Vec<u8> = row.try_get("checksum").map_err(|_| not_sqlite())?;
        let ours = MIGRATOR
            .iter()
            .find(|m| m.version == version && !m.migration_type.is_down_migration());
        let Some(ours) = ours else {
            return Err(refused(format!(
                "A cópia \"{name}\" foi feita por outra versão do aplicativo (migração \
                 {version} desconhecida); atualize o aplicativo antes de restaurá-la. Nada \
                 foi alterado."
            )));
        };
        if *ours.checksum != *checksum {
            return Err(refused(format!(
                "O arquivo \"{name}\" não é uma cópia do BRM RPA Desk (a migração {version} \
                 difere da deste aplicativo); nada foi alterado."
            )));
        }
        if !success {
            return Err(refused(format!(
                "A cópia \"{name}\" tem uma atualização de estrutura incompleta (migração \
                 {version}); nada foi alterado."
            )));
        }
    }
    if rows.is_empty() {
        return Err(refused(format!(
            "O arquivo \"{name}\" não é uma cópia do BRM RPA Desk (nenhuma migração \
             aplicada); nada foi alterado."
        )));
    }
    Ok(BackupCheck {
        migrations: rows.len(),
    })
}
