//! The start-up decision: which database URL to open, and what the settings screen
//! later reports as "in use". Order: the `BRM_DATABASE_URL` override (tests and
//! operators use it), then `database.json`, then the SQLite file in the app-data folder.
//!
//! When the configured PostgreSQL cannot be prepared (unreadable file, keyring locked,
//! no password stored) the answer is an error for the start-up screen, never the
//! embedded database: a desk that quietly wrote to its own SQLite while colleagues use
//! the shared server would split the data.

use super::file::DbConfigFile;
use super::{DbConfig, DbKind, PostgresConfig};
use brm_core::{Error, ErrorCode, Result};
use brm_secrets::{KeyStoreError, SecretAction};
use std::path::PathBuf;

/// Where the running database's URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `BRM_DATABASE_URL`.
    Env,
    /// `database.json`.
    File,
    /// Nothing configured: the embedded SQLite file.
    Default,
}

/// The database this process opened (or tried to), fixed for its lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningDb {
    pub kind: DbKind,
    pub source: Source,
    /// The server, when it came from `database.json` (unknown for an override URL).
    pub postgres: Option<PostgresConfig>,
    /// The SQLite file the embedded choice uses: the running one when SQLite is in use,
    /// else the default file.
    pub sqlite_path: Option<String>,
}

/// What start-up resolved: the URL to open (or why there is none) and what is running.
#[derive(Debug)]
pub struct StartupChoice {
    pub url: Result<String>,
    pub running: RunningDb,
}

/// Decides the URL. `config` is `database.json` as loaded (`Ok(None)`: no file);
/// `password` reads the PostgreSQL password from the keyring and is only called when the
/// file asks for PostgreSQL.
pub fn resolve(
    env: Option<String>,
    config: Result<Option<DbConfig>>,
    default_sqlite: PathBuf,
    password: impl FnOnce() -> std::result::Result<Option<String>, KeyStoreError>,
) -> StartupChoice {
    let default_path = default_sqlite.display().to_string();
    if let Some(url) = env.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) {
        let sqlite_file = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest).to_string());
        let kind = if sqlite_file.is_some() {
            DbKind::Sqlite
        } else {
            DbKind::Postgres
        };
        return StartupChoice {
            running: RunningDb {
                kind,
                source: Source::Env,
                postgres: None,
                sqlite_path: Some(sqlite_file.unwrap_or(default_path)),
            },
            url: Ok(url),
        };
    }
    let sqlite = |source| StartupChoice {
        url: Ok(format!("sqlite://{default_path}")),
        running: RunningDb {
            kind: DbKind::Sqlite,
            source,
            postgres: None,
            sqlite_path: Some(default_path.clone()),
        },
    };
    let config = match config {
        Ok(None) => return sqlite(Source::Default),
        Ok(Some(c)) => c,
        Err(e) => {
            return StartupChoice {
                url: Err(start_error(e.message)),
                running: RunningDb {
                    kind: DbKind::Postgres,
                    source: Source::File,
                    postgres: None,
                    sqlite_path: Some(default_path.clone()),
                },
            }
        }
    };
    match (config.kind, config.postgres) {
        (DbKind::Sqlite, _) => sqlite(Source::File),
        (DbKind::Postgres, pg) => {
            let url = match &pg {
                None => Err(start_error(
                    "A configuração pede PostgreSQL, mas não diz qual servidor.".into(),
                )),
                Some(pg) if pg.personal_logins() => {
                    Ok(pg.url(Some(brm_store::postgres::shared::ENTRY_PASSWORD)))
                }
                Some(pg) => match password() {
                    Ok(Some(pw)) => Ok(pg.url(Some(&pw))),
                    Ok(None) => Err(start_error(format!(
                        "A senha do PostgreSQL ({}) não está no cofre de senhas do sistema \
                         (chaveiro).",
                        pg.target()
                    ))),
                    Err(e) => Err(start_error(e.into_error(SecretAction::Read).message)),
                },
            };
            StartupChoice {
                url,
                running: RunningDb {
                    kind: DbKind::Postgres,
                    source: Source::File,
                    postgres: pg,
                    sqlite_path: Some(default_path),
                },
            }
        }
    }
}

fn start_error(why: String) -> Error {
    Error::new(
        ErrorCode::Database,
        format!(
            "O banco de dados configurado não pode ser aberto. {why} O aplicativo não troca \
             de banco sozinho: resolva e abra o aplicativo de novo (ou apague o arquivo \
             database.json da pasta de configuração para voltar ao banco embutido)."
        ),
    )
}

/// The config file's path and its start-up decision in one call, for the shell.
pub fn resolve_from_file(
    env: Option<String>,
    file: Option<&DbConfigFile>,
    default_sqlite: PathBuf,
    password: impl FnOnce() -> std::result::Result<Option<String>, KeyStoreError>,
) -> StartupChoice {
    let config = file.map(DbConfigFile::load).unwrap_or(Ok(None));
    resolve(env, config, default_sqlite, password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db_settings::SslMode;
    use brm_secrets::KeyStoreErrorKind;

    fn pg() -> PostgresConfig {
        PostgresConfig {
            host: "banco.beg.local".into(),
            port: 5432,
            database: "brm".into(),
            username: "brm_app".into(),
            sslmode: SslMode::Prefer,
            ca_file: None,
        }
    }

    fn file_pg() -> Result<Option<DbConfig>> {
        Ok(Some(DbConfig {
            kind: DbKind::Postgres,
            postgres: Some(pg()),
        }))
    }

    const DATA: &str = "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3";

    fn no_keyring() -> std::result::Result<Option<String>, KeyStoreError> {
        panic!("the keyring must not be read")
    }

    #[test]
    fn the_override_wins_unless_blank() {
        let c = resolve(
            Some(" sqlite:///tmp/outro.sqlite3 ".into()),
            file_pg(),
            DATA.into(),
            no_keyring,
        );
        assert_eq!(c.url.unwrap(), "sqlite:///tmp/outro.sqlite3");
        assert_eq!(c.running.kind, DbKind::Sqlite);
        assert_eq!(c.running.source, Source::Env);
        assert_eq!(c.running.sqlite_path.as_deref(), Some("/tmp/outro.sqlite3"));

        let c = resolve(Some("  ".into()), Ok(None), DATA.into(), no_keyring);
        assert_eq!(c.url.unwrap(), format!("sqlite://{DATA}"));
        assert_eq!(c.running.source, Source::Default);

        let c = resolve(
            Some("postgres://u:x@h/d".into()),
            Ok(None),
            DATA.into(),
            no_keyring,
        );
        assert_eq!(c.running.kind, DbKind::Postgres);
        assert_eq!(c.running.postgres, None);
    }

    #[test]
    fn the_file_builds_the_url_with_the_keyring_password() {
        let c = resolve(None, file_pg(), DATA.into(), || Ok(Some("s3:gr@do".into())));
        assert_eq!(
            c.url.unwrap(),
            "postgres://brm_app:s3%3Agr%40do@banco.beg.local:5432/brm?sslmode=prefer"
        );
        assert_eq!(c.running.postgres, Some(pg()));
        assert_eq!(c.running.source, Source::File);

        let sqlite = Ok(Some(DbConfig {
            kind: DbKind::Sqlite,
            postgres: Some(pg()),
        }));
        let c = resolve(None, sqlite, DATA.into(), no_keyring);
        assert_eq!(c.url.unwrap(), format!("sqlite://{DATA}"));
        assert_eq!(c.running.kind, DbKind::Sqlite);
    }

    #[test]
    fn no_password_or_no_keyring_is_an_error_never_sqlite() {
        let c = resolve(None, file_pg(), DATA.into(), || Ok(None));
        let e = c.url.unwrap_err();
        assert_eq!(e.code, ErrorCode::Database);
        assert!(e.message.contains("não está no cofre"), "{}", e.message);
        assert!(e.message.contains("brm_app@banco.beg.local:5432/brm"));
        assert!(e.message.contains("não troca de banco sozinho"));
        assert_eq!(c.running.kind, DbKind::Postgres);

        let c = resolve(None, file_pg(), DATA.into(), || {
            Err(KeyStoreError::new(KeyStoreErrorKind::Unavailable, "no bus"))
        });
        let e = c.url.unwrap_err();
        assert!(
            e.message
                .contains("chaveiro) não está disponível; a senha guardada não pôde ser lida"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("no bus"));

        let broken = Err(Error::new(ErrorCode::Internal, "arquivo quebrado."));
        let c = resolve(None, broken, DATA.into(), no_keyring);
        assert!(c.url.unwrap_err().message.contains("arquivo quebrado."));
    }
}
