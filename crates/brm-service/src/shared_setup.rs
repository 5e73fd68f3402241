//! "Preparar o banco compartilhado": the step the office's administrator runs once per
//! version with the owner role's credentials (`brm-desk preparar-banco`). It applies the
//! ordinary migrations and the shared-mode SQL (profiles, grants, guards, the decision
//! functions; brm_store::postgres::shared), and creates the first administrator as a
//! person with their own login when the database has none. A desktop's ordinary start
//! never does any of this.

use crate::db_settings::PostgresConfig;
use brm_core::user::NewAdminInput;
use brm_core::{Error, ErrorCode, Result};
use brm_store::postgres::{shared, tls};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;
use uuid::Uuid;

/// What the step did, in pt-BR lines for the person who ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    pub lines: Vec<String>,
    /// The first administrator's login role, when it was created now.
    pub admin_role: Option<String>,
}

/// Connects as the owner (`config.username`, TLS as `config` says), prepares the
/// database and, when no person has a login yet, creates `first_admin` as one.
pub async fn prepare(
    config: &PostgresConfig,
    owner_password: &str,
    first_admin: Option<NewAdminInput>,
) -> Result<SetupReport> {
    prepare_with_robot(config, owner_password, first_admin, None).await
}

/// A robot machine's login to the shared database: its name and the password it will
/// keep in its keyring (Configurações → Banco de dados on that machine).
#[derive(Clone)]
pub struct RobotMachine {
    pub name: String,
    pub password: String,
}

/// The shortest password a robot machine's login may have (it is typed once, on that
/// machine, and never by a person again: make it long).
pub const ROBOT_PASSWORD_MIN: usize = 16;

/// [`prepare`], and also a login for a robot machine (`brm_robo`'s member), made or
/// given a new password.
pub async fn prepare_with_robot(
    config: &PostgresConfig,
    owner_password: &str,
    first_admin: Option<NewAdminInput>,
    robot: Option<RobotMachine>,
) -> Result<SetupReport> {
    if let Some(r) = &robot {
        if r.password.chars().count() < ROBOT_PASSWORD_MIN {
            return Err(Error::field(
                "robot_password",
                format!(
                    "A senha da máquina robô deve ter pelo menos {ROBOT_PASSWORD_MIN} caracteres."
                ),
            ));
        }
    }
    // The first administrator's data is checked before anything is applied: a short
    // password must not leave a database prepared without its administrator.
    let first_admin = first_admin.map(|input| input.validate()).transpose()?;
    tls::ensure_crypto_provider();
    let url = config.url(Some(owner_password));
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&url)
        .await
        .map_err(|e| {
            let refused = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "28P01");
            if refused {
                return Error::new(
                    ErrorCode::InvalidCredentials,
                    format!(
                        "O PostgreSQL recusou o usuário \"{}\" com esta senha: confira a senha do dono do banco.",
                        config.username
                    ),
                );
            }
            Error::database(tls::explain_url(&url, &e).unwrap_or_else(|| {
                format!(
                    "Não foi possível conectar como o dono do banco ({}): {e}",
                    config.username
                )
            }))
        })?;
    let report = shared::prepare(&pool).await?;
    let mut lines = vec![format!(
        "Banco {} preparado com o papel dono \"{}\".",
        config.database, report.owner
    )];
    for v in &report.applied {
        lines.push(format!(
            "Versão {v} das regras do banco compartilhado aplicada."
        ));
    }
    if !report.already.is_empty() && report.applied.is_empty() {
        lines.push("As regras já estavam nesta versão: nada a aplicar.".into());
    }
    let people: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE db_role IS NOT NULL")
        .fetch_one(&pool)
        .await
        .map_err(Error::database)?;
    let mut admin_role = None;
    match (people, first_admin) {
        (0, Some(valid)) => {
            let password = valid.password.clone();
            let hash = crate::password::hash(password.clone()).await?;
            let role: String = sqlx::query_scalar(
                "SELECT brm_create_person($1, $2, $3, NULL, 'ADMINISTRADOR', $4, $5)",
            )
            .bind(Uuid::new_v4())
            .bind(&valid.email)
            .bind(&valid.full_name)
            .bind(shared::scram_verifier(&password))
            .bind(hash)
            .fetch_one(&pool)
            .await
            .map_err(|e| shared::refusal(&e).unwrap_or_else(|| Error::database(e)))?;
            lines.push(format!(
                "Primeiro administrador criado: {} <{}>, com acesso próprio ao banco.",
                valid.full_name, valid.email
            ));
            admin_role = Some(role);
        }
        (0, None) => lines.push(
            "Nenhuma pessoa tem acesso próprio ao banco ainda: informe o primeiro administrador."
                .into(),
        ),
        (n, Some(_)) => lines.push(format!(
            "O banco já tem {n} pessoa(s) com acesso próprio: nenhum administrador novo foi criado."
        )),
        (_, None) => {}
    }
    if let Some(r) = robot {
        let role: String = sqlx::query_scalar("SELECT brm_create_robot($1, $2)")
            .bind(&r.name)
            .bind(shared::scram_verifier(&r.password))
            .fetch_one(&pool)
            .await
            .map_err(|e| shared::refusal(&e).unwrap_or_else(|| Error::database(e)))?;
        lines.push(format!(
            "Máquina robô \"{}\": entra no banco como o usuário \"{role}\" com a senha informada \
             (na máquina robô, Configurações → Banco de dados, ou database.json e o chaveiro).",
            r.name.trim()
        ));
    }
    pool.close().await;
    Ok(SetupReport { lines, admin_role })
}
