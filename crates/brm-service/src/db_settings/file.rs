//! `database.json` on disk: read it, and write it so that a crash or a full disk never
//! leaves half a file (write a temporary file beside it, flush it, then rename over).

use super::DbConfig;
use brm_core::{Error, ErrorCode, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbConfigFile {
    path: PathBuf,
}

impl DbConfigFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `Ok(None)` when there is no file yet (the embedded default). A file that cannot be
    /// read or parsed is an error naming it: guessing would mean opening another database.
    pub fn load(&self) -> Result<Option<DbConfig>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::new(
                    ErrorCode::Internal,
                    format!(
                        "Não foi possível ler a configuração do banco em {}: {e}",
                        self.path.display()
                    ),
                ))
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!(
                    "A configuração do banco em {} está inválida ({e}). Corrija o arquivo ou \
                     apague-o para voltar ao banco embutido.",
                    self.path.display()
                ),
            )
        })
    }

    pub fn save(&self, config: &DbConfig) -> Result<()> {
        self.write_atomically(config).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!(
                    "Não foi possível gravar a configuração do banco em {}: {e}",
                    self.path.display()
                ),
            )
        })
    }

    fn write_atomically(&self, config: &DbConfig) -> std::io::Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut text = serde_json::to_vec_pretty(config).map_err(std::io::Error::other)?;
        text.push(b'\n');
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "database.json".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db_settings::{DbKind, PostgresConfig, SslMode};

    fn temp_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("brm-dbcfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn missing_file_is_none_and_save_round_trips() {
        let dir = temp_dir();
        let file = DbConfigFile::new(dir.join("sub").join("database.json"));
        assert_eq!(file.load().unwrap(), None);
        let cfg = DbConfig {
            kind: DbKind::Postgres,
            postgres: Some(PostgresConfig {
                host: "db".into(),
                port: 5433,
                database: "brm".into(),
                username: "app".into(),
                sslmode: SslMode::Disable,
                ca_file: None,
            }),
        };
        file.save(&cfg).unwrap();
        assert_eq!(file.load().unwrap(), Some(cfg.clone()));
        // Saving again replaces it, and leaves no temporary file behind.
        file.save(&DbConfig::default()).unwrap();
        assert_eq!(file.load().unwrap(), Some(DbConfig::default()));
        let names: Vec<_> = std::fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["database.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_broken_file_is_an_error_that_names_it() {
        let dir = temp_dir();
        let path = dir.join("database.json");
        std::fs::write(&path, "{\"kind\": \"oracle\"}").unwrap();
        let e = DbConfigFile::new(&path).load().unwrap_err();
        assert!(
            e.message.contains(&path.display().to_string()),
            "{}",
            e.message
        );
        assert!(e.message.contains("está inválida"), "{}", e.message);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = temp_dir();
        let path = dir.join("database.json");
        let file = DbConfigFile::new(&path);
        file.save(&DbConfig::default()).unwrap();
        // A directory where the file should be: rename fails, the error names the path.
        let blocked = DbConfigFile::new(dir.join("is-a-dir"));
        std::fs::create_dir_all(dir.join("is-a-dir").join("x")).unwrap();
        let e = blocked.save(&DbConfig::default()).unwrap_err();
        assert!(
            e.message.starts_with("Não foi possível gravar"),
            "{}",
            e.message
        );
        assert_eq!(file.load().unwrap(), Some(DbConfig::default()));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
