//! Database settings (administrators only): read the choice, test a connection, save it.
//! The choice goes to `database.json`, the password to the OS keyring (the desk's key
//! store), and the change to the audit trail, never the password. Saving never switches
//! the running database: the new choice is used at the next start.

use crate::db_settings::file::DbConfigFile;
use crate::db_settings::probe::{probe_postgres, ConnectionTest, PROBE_TIMEOUT};
use crate::db_settings::startup::{RunningDb, Source};
use crate::db_settings::{DbConfig, DbKind, DbSettingsInput, PostgresConfig, SslMode};
use crate::Desk;
use brm_core::audit::{diff, Actor, AuditEvent};
use brm_core::user::UserView;
use brm_core::{Error, ErrorCode, Result, Role};
use brm_secrets::{KeyStore, KeyStoreError, KeyStoreErrorKind, SecretAction, POSTGRES_PASSWORD};
use serde::Serialize;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};

pub const ALTERAR_CONFIGURACAO: &str = "ALTERAR_CONFIGURACAO";
const ENTITY: &str = "configuracao";

/// What the settings use cases need from the process: the config file (none when the OS
/// gives no config folder) and the database this process opened at start.
#[derive(Debug)]
pub struct DbSettingsContext {
    file: Option<DbConfigFile>,
    running: RunningDb,
    /// A new password was saved since start; the pool still uses the old one.
    password_changed: AtomicBool,
}

impl DbSettingsContext {
    pub fn new(file: Option<DbConfigFile>, running: RunningDb) -> Self {
        Self {
            file,
            running,
            password_changed: AtomicBool::new(false),
        }
    }

    pub fn running(&self) -> &RunningDb {
        &self.running
    }

    pub fn file(&self) -> Option<&DbConfigFile> {
        self.file.as_ref()
    }

    fn load(&self) -> Result<DbConfig> {
        Ok(match &self.file {
            Some(f) => f.load()?.unwrap_or_default(),
            None => DbConfig::default(),
        })
    }

    /// Would the next start open something other than what runs now?
    fn restart_required(&self, saved: &DbConfig) -> bool {
        match (saved.kind, self.running.kind) {
            (DbKind::Sqlite, DbKind::Sqlite) => false,
            (DbKind::Postgres, DbKind::Postgres) => {
                self.running.postgres.as_ref() != saved.postgres.as_ref()
                    || self.password_changed.load(Ordering::SeqCst)
            }
            _ => true,
        }
    }
}

/// `get_database_settings` and `save_database_settings` answer this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbSettingsView {
    /// The saved choice (the embedded database when nothing was saved).
    pub kind: DbKind,
    /// The embedded database's file.
    pub sqlite_path: Option<String>,
    pub postgres: Option<PostgresView>,
    /// What this process is using now.
    pub active: DbKind,
    /// The saved choice differs from what runs: it takes effect at the next start.
    pub restart_required: bool,
    /// `BRM_DATABASE_URL` is set: it wins over the saved choice at every start.
    pub env_override: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostgresView {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub sslmode: SslMode,
    pub ca_file: Option<String>,
    /// A password is stored in the keyring (never the password itself).
    pub password_set: bool,
    /// Each person logs in with their own database login (no password kept here).
    pub personal_logins: bool,
}

fn no_config_folder() -> Error {
    Error::new(
        ErrorCode::Internal,
        "O sistema não informou uma pasta de configuração para este usuário; a escolha do \
         banco não pode ser salva.",
    )
}

fn audit_view(cfg: &DbConfig) -> serde_json::Value {
    let pg = cfg.postgres.as_ref();
    json!({
        "kind": cfg.kind,
        "host": pg.map(|p| &p.host),
        "port": pg.map(|p| p.port),
        "database": pg.map(|p| &p.database),
        "username": pg.map(|p| &p.username),
        "sslmode": pg.map(|p| p.sslmode),
        "ca_file": pg.and_then(|p| p.ca_file.as_ref()),
    })
}

impl Desk {
    /// The gate of the settings use cases: a live session of a role that may change
    /// settings (administrators). `what` completes "Seu perfil não permite …".
    pub fn authorize_settings(&self, token: &str, what: &str) -> Result<UserView> {
        Ok(self.require(token, Role::can_change_settings, what)?.user)
    }

    pub async fn get_database_settings(
        &self,
        token: &str,
        ctx: &DbSettingsContext,
    ) -> Result<DbSettingsView> {
        self.authorize_settings(token, "ver as configurações do banco de dados")?;
        let saved = ctx.load()?;
        Ok(self.settings_view(ctx, saved).await)
    }

    /// One real connection to the server in `input` (or, for the embedded database, a
    /// note that there is nothing to test). A blank password tests the stored one.
    pub async fn test_database_connection(
        &self,
        token: &str,
        input: DbSettingsInput,
    ) -> Result<ConnectionTest> {
        self.authorize_settings(token, "testar a conexão com o banco de dados")?;
        if input.kind()? == DbKind::Sqlite {
            return Ok(ConnectionTest::ok(
                "O banco embutido (SQLite) fica neste computador e não precisa de teste de \
                 conexão.",
            ));
        }
        let pg = input.validate_postgres()?;
        let password = match input.new_password() {
            _ if pg.personal_logins() => {
                Some(brm_store::postgres::shared::ENTRY_PASSWORD.to_string())
            }
            Some(p) => Some(p.to_string()),
            None => self
                .pg_password()
                .await
                .map_err(|e| e.into_error(SecretAction::Read))?,
        };
        let result = probe_postgres(&pg, password.as_deref(), PROBE_TIMEOUT).await;
        tracing::info!(target_db = %pg.target(), ok = result.ok, "database connection tested");
        Ok(result)
    }

    /// Validates, puts a new password in the keyring (if the keyring refuses, nothing is
    /// saved), writes `database.json` atomically and audits the change. Used from the
    /// next start on.
    pub async fn save_database_settings(
        &self,
        token: &str,
        ctx: &DbSettingsContext,
        input: DbSettingsInput,
    ) -> Result<DbSettingsView> {
        let user = self.authorize_settings(token, "alterar as configurações do banco de dados")?;
        let file = ctx.file.as_ref().ok_or_else(no_config_folder)?;
        // A broken file is replaced by a good one rather than blocking its own repair.
        let before = file.load().ok().flatten().unwrap_or_default();
        let kind = input.kind()?;
        let after = match kind {
            DbKind::Sqlite => DbConfig {
                kind,
                postgres: before.postgres.clone(),
            },
            DbKind::Postgres => DbConfig {
                kind,
                postgres: Some(input.validate_postgres()?),
            },
        };
        let personal = after.postgres.as_ref().is_some_and(|p| p.personal_logins());
        let new_password = match kind {
            DbKind::Postgres if personal => None,
            DbKind::Postgres => input.new_password().map(str::to_string),
            DbKind::Sqlite => None,
        };

        // The keyring first: if it refuses, nothing is saved. The embedded choice does
        // not touch it at all.
        let previous = match kind {
            DbKind::Postgres => self
                .pg_password()
                .await
                .map_err(|e| e.into_error(SecretAction::Read))?,
            DbKind::Sqlite => None,
        };
        if kind == DbKind::Postgres && !personal && new_password.is_none() && previous.is_none() {
            return Err(Error::field(
                "password",
                "Informe a senha do banco de dados: ainda não há uma guardada no cofre de \
                 senhas do sistema.",
            ));
        }
        if let Some(pw) = new_password.clone() {
            self.keyring(move |k| k.set(POSTGRES_PASSWORD, &pw))
                .await
                .map_err(|e| e.into_error(SecretAction::Save))?;
        }
        if let Err(e) = file.save(&after) {
            if new_password.is_some() {
                // Put the old password back so keyring and file still agree.
                let restored = self
                    .keyring(move |k| match previous {
                        Some(p) => k.set(POSTGRES_PASSWORD, &p),
                        None => k.delete(POSTGRES_PASSWORD),
                    })
                    .await;
                if let Err(k) = restored {
                    tracing::error!(error = %k, "could not restore the previous PostgreSQL password");
                }
            }
            return Err(e);
        }
        if new_password.is_some() {
            ctx.password_changed.store(true, Ordering::SeqCst);
        }
        tracing::info!(kind = kind.as_str(), target_db = ?after.postgres.as_ref().map(PostgresConfig::target), "database settings saved");
        self.audit_settings(&user, &before, &after, new_password.is_some())
            .await;
        Ok(self.settings_view(ctx, after).await)
    }

    async fn audit_settings(
        &self,
        user: &UserView,
        before: &DbConfig,
        after: &DbConfig,
        password_changed: bool,
    ) {
        let (mut b, mut a) = diff(&audit_view(before), &audit_view(after));
        if password_changed {
            b["password"] = json!(null);
            a["password"] = json!("(alterada)");
        }
        if a.as_object().is_some_and(|m| m.is_empty()) {
            return; // saved as it was: nothing to record
        }
        let event = AuditEvent::new(
            self.clock.now(),
            Actor::user(user.id, &user.full_name),
            ALTERAR_CONFIGURACAO,
            ENTITY,
        )
        .change(Some(b), Some(a))
        .detail("banco de dados (vale a partir da próxima abertura)");
        // The file is already saved: a database that is away (the very reason to change
        // it, often) must not undo that. The log keeps the trace then.
        if let Err(e) = self.observe(self.store.append_audit(&event).await) {
            tracing::warn!(error = %e, user = %user.id, "settings change saved but not audited");
        }
    }

    async fn settings_view(&self, ctx: &DbSettingsContext, saved: DbConfig) -> DbSettingsView {
        let password_set = match &saved.postgres {
            None => false,
            Some(_) => self.pg_password().await.map_or_else(
                |e| {
                    tracing::warn!(error = %e, "could not tell whether a PostgreSQL password is stored");
                    false
                },
                |p| p.is_some(),
            ),
        };
        DbSettingsView {
            kind: saved.kind,
            sqlite_path: ctx.running.sqlite_path.clone(),
            restart_required: ctx.restart_required(&saved),
            postgres: saved.postgres.map(|p| PostgresView {
                personal_logins: p.personal_logins(),
                host: p.host,
                port: p.port,
                database: p.database,
                username: p.username,
                sslmode: p.sslmode,
                ca_file: p.ca_file,
                password_set,
            }),
            active: ctx.running.kind,
            env_override: ctx.running.source == Source::Env,
        }
    }

    async fn pg_password(&self) -> std::result::Result<Option<String>, KeyStoreError> {
        self.keyring(|k| k.get(POSTGRES_PASSWORD)).await
    }

    /// Keyring calls can block (an unlock prompt): run them off the async workers.
    async fn keyring<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn KeyStore) -> std::result::Result<T, KeyStoreError> + Send + 'static,
    ) -> std::result::Result<T, KeyStoreError> {
        let store = self.secrets.store().clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .unwrap_or_else(|e| {
                Err(KeyStoreError::new(
                    KeyStoreErrorKind::Rejected,
                    format!("keyring task failed: {e}"),
                ))
            })
    }
}
