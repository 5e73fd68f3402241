//! "Testar conexão": one real connection to the server the form describes, with a short
//! timeout, through the same URL the next start would use. Nothing is created or
//! migrated there. The answer is a pt-BR sentence; it never carries the password (the
//! driver's messages do not, and any echo of it is masked anyway).

use super::PostgresConfig;
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;

pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

impl ConnectionTest {
    pub fn ok(message: impl Into<String>) -> Self {
        Self {
            ok: true,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            ok: false,
            message: message.into(),
        }
    }
}

pub async fn probe_postgres(
    pg: &PostgresConfig,
    password: Option<&str>,
    timeout: Duration,
) -> ConnectionTest {
    let result = tokio::time::timeout(timeout, connect_and_ask(pg, password)).await;
    let answer = match result {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => ConnectionTest::failed(explain(pg, &e)),
        Err(_) => ConnectionTest::failed(format!(
            "O servidor {}:{} não respondeu em {} s. Confira o endereço, a porta e se há \
             um firewall no caminho.",
            pg.host,
            pg.port,
            timeout.as_secs().max(1)
        )),
    };
    match password.filter(|p| p.len() >= 3) {
        Some(pw) if answer.message.contains(pw) => ConnectionTest {
            message: answer.message.replace(pw, "***"),
            ..answer
        },
        _ => answer,
    }
}

async fn connect_and_ask(
    pg: &PostgresConfig,
    password: Option<&str>,
) -> Result<ConnectionTest, sqlx::Error> {
    brm_store::postgres::tls::ensure_crypto_provider();
    let options = PgConnectOptions::from_str(&pg.url(password))?
        .application_name("BRM RPA Desk (teste de conexão)");
    let mut conn = PgConnection::connect_with(&options).await?;
    let row = sqlx::query(
        "SELECT current_setting('server_version') AS version,
                to_regclass('public._sqlx_migrations') IS NOT NULL AS has_schema",
    )
    .fetch_one(&mut conn)
    .await?;
    let version: String = row.try_get("version")?;
    let has_schema: bool = row.try_get("has_schema")?;
    // Asked of the server, not inferred from the mode: `prefer` may have stayed plain.
    let security = brm_store::postgres::tls::connection_security(&mut conn).await;
    let _ = conn.close().await;
    let version = version.split_whitespace().next().unwrap_or("?");
    let mut message = format!(
        "Conexão bem-sucedida: PostgreSQL {version} em {}:{}, banco \"{}\". {}",
        pg.host,
        pg.port,
        pg.database,
        match security {
            Ok(s) => s.sentence(),
            Err(_) => "Não foi possível saber se a conexão é criptografada.".into(),
        }
    );
    if !has_schema {
        message.push_str(
            " O banco ainda não tem as tabelas do BRM RPA Desk: elas serão criadas na \
             primeira abertura com ele.",
        );
    }
    Ok(ConnectionTest::ok(message))
}

fn explain(pg: &PostgresConfig, e: &sqlx::Error) -> String {
    let at = format!("{}:{}", pg.host, pg.port);
    if let Some(t) = brm_store::postgres::tls::tls_cause(e) {
        return brm_store::postgres::tls::explain(
            &pg.host,
            pg.port,
            pg.sslmode.as_str(),
            pg.ca_file.as_deref(),
            t,
        );
    }
    match e {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => format!(
            "O servidor {at} recusou a conexão. Confira a porta e se o PostgreSQL está no ar."
        ),
        // A CA file that went missing after it was saved.
        sqlx::Error::Io(io)
            if pg.ca_file.is_some() && io.kind() == std::io::ErrorKind::NotFound =>
        {
            format!(
                "O arquivo da autoridade certificadora {} não foi encontrado neste computador.",
                pg.ca_file.as_deref().unwrap_or_default()
            )
        }
        sqlx::Error::Io(io) => format!("Não foi possível alcançar o servidor {at}: {io}."),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") => format!(
                "Usuário ou senha recusados pelo servidor {at} (usuário \"{}\").",
                pg.username
            ),
            Some("28000") => format!(
                "O servidor {at} não permite o acesso do usuário \"{}\": {}",
                pg.username,
                db.message()
            ),
            Some("3D000") => format!(
                "O banco \"{}\" não existe no servidor {at}. Peça ao administrador do \
                 PostgreSQL para criá-lo.",
                pg.database
            ),
            Some("57P03") => {
                format!("O servidor {at} está iniciando ou parando; tente de novo em instantes.")
            }
            _ => format!("O servidor {at} recusou a conexão: {}", db.message()),
        },
        sqlx::Error::Tls(t) => format!("Falha na conexão criptografada (SSL/TLS) com {at}: {t}."),
        other => format!("Falha ao conectar a {at}: {other}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db_settings::SslMode;

    fn pg(port: u16) -> PostgresConfig {
        PostgresConfig {
            host: "127.0.0.1".into(),
            port,
            database: "brm".into(),
            username: "brm_app".into(),
            sslmode: SslMode::Disable,
            ca_file: None,
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_in_portuguese_without_the_password() {
        // Port 1 on loopback: nothing listens, the refusal is immediate.
        let t = probe_postgres(&pg(1), Some("segredo-1"), PROBE_TIMEOUT).await;
        assert!(!t.ok);
        assert_eq!(
            t.message,
            "O servidor 127.0.0.1:1 recusou a conexão. Confira a porta e se o PostgreSQL está no ar."
        );
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        // A listener that accepts and never answers the start-up message.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                kept.push(s);
            }
        });
        let t = probe_postgres(&pg(port), None, Duration::from_millis(300)).await;
        hold.abort();
        assert!(!t.ok);
        assert!(t.message.contains("não respondeu em 1 s"), "{}", t.message);
    }
}
