//! A person's login to the shared database, including the first one after an office moves
//! an installation that ran with one shared account (its people have app passwords but
//! no login of their own yet): the desk proves it knows the app password without the
//! stored hash ever leaving the database (migrations/postgres-shared, brm_claim_login),
//! the database makes the person's login role, and the login goes on as usual.

use crate::password;
use brm_core::{Error, Result};
use brm_store::postgres::shared::{self, PersonLogin, ENTRY_PASSWORD, ENTRY_ROLE};
use brm_store::postgres::tls;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

fn unavailable(e: sqlx::Error) -> Error {
    Error::database(format!(
        "não foi possível conectar ao banco compartilhado: {e}"
    ))
}

/// Logs the person in; when they have no login of their own yet, makes it first from the
/// app password they typed. One answer for an unknown e-mail and a wrong password.
pub async fn login(options: &PgConnectOptions, email: &str, password: &str) -> Result<PersonLogin> {
    tls::ensure_crypto_provider();
    let entry = options
        .clone()
        .username(ENTRY_ROLE)
        .password(ENTRY_PASSWORD);
    let mut gate = PgConnection::connect_with(&entry)
        .await
        .map_err(unavailable)?;
    let locked: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT brm_login_gate($1)")
        .bind(email)
        .fetch_one(&mut gate)
        .await
        .map_err(unavailable)?;
    if let Some(until) = locked {
        return Ok(PersonLogin::Locked(until));
    }
    let database = options.get_database().unwrap_or("postgres");
    let has_login: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(shared::person_role(database, email))
            .fetch_one(&mut gate)
            .await
            .map_err(unavailable)?;
    if !has_login {
        let prefix: String = sqlx::query_scalar("SELECT brm_claim_salt($1)")
            .bind(email)
            .fetch_one(&mut gate)
            .await
            .map_err(unavailable)?;
        let (pw, pre) = (password.to_string(), prefix.clone());
        let proof =
            tokio::task::spawn_blocking(move || password::hash_with_prefix_blocking(&pw, &pre))
                .await
                .map_err(Error::internal)?
                .unwrap_or_default();
        let made: bool = sqlx::query_scalar("SELECT brm_claim_login($1, $2, $3, $4)")
            .bind(email)
            .bind(proof)
            .bind(shared::scram_verifier(password))
            .bind(password::hash(password.to_string()).await?)
            .fetch_one(&mut gate)
            .await
            .map_err(|e| shared::refusal(&e).unwrap_or_else(|| unavailable(e)))?;
        if !made {
            let locked: Option<DateTime<Utc>> =
                sqlx::query_scalar("SELECT locked FROM brm_login_gate($1) AS locked")
                    .bind(email)
                    .fetch_one(&mut gate)
                    .await
                    .map_err(unavailable)?;
            return Ok(match locked {
                Some(until) => PersonLogin::Locked(until),
                None => PersonLogin::Invalid,
            });
        }
    }
    let _ = gate.close().await;
    Ok(shared::login_person(options, email, password, 4).await?)
}
