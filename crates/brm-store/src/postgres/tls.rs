//! Is the live connection encrypted, and why did an encrypted one fail? Both answers are
//! for people: the header and the Diagnóstico screen say whether rows travel in clear
//! (asked of the server through `pg_stat_ssl`, never inferred from the configured mode,
//! since `prefer` quietly stays plain when the server has no TLS), and a failed
//! handshake becomes a pt-BR sentence naming what to fix.

use crate::StoreResult;
use serde::Serialize;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;

/// What the server says about this connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSecurity {
    pub encrypted: bool,
    /// "TLSv1.3" when encrypted.
    pub protocol: Option<String>,
    pub cipher: Option<String>,
}

impl ConnectionSecurity {
    /// One pt-BR sentence for the connection test and the diagnostics report.
    pub fn sentence(&self) -> String {
        if self.encrypted {
            format!(
                "A conexão é criptografada ({}).",
                [self.protocol.as_deref(), self.cipher.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            "Atenção: a conexão NÃO é criptografada; dados e senhas passam pela rede sem \
             proteção. Use o modo \"Verificar o servidor (verify-full)\" com um servidor \
             que tenha SSL ativado."
                .into()
        }
    }
}

/// rustls's process-wide crypto provider, chosen once. Two are compiled in (ring, with
/// which sqlx makes its handshakes and reads the system's authorities; aws-lc-rs, which
/// reqwest brings), so rustls cannot pick one by itself, and sqlx's verify-ca path asks
/// for the process default: without this it panics. Called before every PostgreSQL
/// connection; reqwest keeps working either way (it uses the default when one is set).
pub fn ensure_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err = another part of the process installed one first; that one stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

const ASK: &str = "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

fn from_row(row: Option<sqlx::postgres::PgRow>) -> StoreResult<ConnectionSecurity> {
    let Some(row) = row else {
        return Ok(ConnectionSecurity {
            encrypted: false,
            protocol: None,
            cipher: None,
        });
    };
    Ok(ConnectionSecurity {
        encrypted: row.try_get("ssl")?,
        protocol: row.try_get("version")?,
        cipher: row.try_get("cipher")?,
    })
}

pub async fn connection_security(conn: &mut PgConnection) -> StoreResult<ConnectionSecurity> {
    from_row(sqlx::query(ASK).fetch_optional(conn).await?)
}

/// One of the pool's connections: they all share the URL, hence the same mode, server
/// and outcome.
pub async fn pool_security(pool: &PgPool) -> StoreResult<ConnectionSecurity> {
    from_row(sqlx::query(ASK).fetch_optional(pool).await?)
}

/// The TLS failures an office meets, in words: the server has no TLS, its certificate is
/// for another name, it was signed by an authority this computer does not trust, or it
/// is out of date. `mode` is the sslmode in force; `ca_file` the office CA, if any.
pub fn explain(
    host: &str,
    port: u16,
    mode: &str,
    ca_file: Option<&str>,
    e: &(dyn std::error::Error + 'static),
) -> String {
    use rustls::{CertificateError, Error as TlsError};
    let at = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    // sqlx's own words when the server answers the SSLRequest with "N".
    if e.to_string() == "server does not support TLS" {
        return format!(
            "O servidor {at} não aceita conexões criptografadas (SSL/TLS), e o modo \
             \"{mode}\" exige criptografia. Peça ao administrador do PostgreSQL para ativar \
             o SSL no servidor (ssl = on); não use \"disable\" numa rede compartilhada."
        );
    }
    match e.downcast_ref::<TlsError>() {
        Some(TlsError::InvalidCertificate(c)) => match c {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                // sqlx 0.8.6 means to skip the name check under verify-ca, but matches
                // only rustls's old NotValidForName variant (launchbadge/sqlx#3793, fixed
                // in 0.9): verify-ca checks the name too. Stricter, never weaker; said so.
                let also = if mode == "verify-ca" {
                    " Nesta versão do aplicativo o modo \"verify-ca\" também confere o nome \
                     do servidor."
                } else {
                    ""
                };
                format!(
                    "O certificado do servidor {at} não vale para o nome \"{host}\": ou o \
                     endereço digitado não é o nome que consta no certificado (use o nome \
                     do servidor como está no certificado), ou outra máquina está \
                     respondendo no lugar dele.{also}"
                )
            }
            CertificateError::UnknownIssuer => format!(
                "O certificado do servidor {at} foi emitido por uma autoridade \
                 certificadora que este computador não conhece. {}",
                match ca_file {
                    Some(ca) => format!(
                        "O arquivo {ca} não é a autoridade que assinou este servidor: peça \
                         ao responsável pelo banco o certificado certo (PEM)."
                    ),
                    None => "Informe o arquivo da autoridade certificadora do escritório \
                             (PEM) nas configurações do banco."
                        .into(),
                }
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("O certificado do servidor {at} está vencido.")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!(
                    "O certificado do servidor {at} ainda não é válido: confira a data e a \
                     hora deste computador."
                )
            }
            other => format!("O certificado do servidor {at} foi recusado ({other:?})."),
        },
        _ => format!("Falha na conexão criptografada (SSL/TLS) com {at}: {e}."),
    }
}

/// The TLS failure inside a connection error, if that is what it is. rustls's own
/// refusals (a certificate for another name, an unknown authority) reach sqlx from the
/// handshake's I/O, so they arrive as `Error::Io` wrapping a `rustls::Error`; sqlx's own
/// ("server does not support TLS") as `Error::Tls`.
pub fn tls_cause(e: &sqlx::Error) -> Option<&(dyn std::error::Error + 'static)> {
    match e {
        sqlx::Error::Tls(t) => Some(t.as_ref()),
        sqlx::Error::Io(io) => io
            .get_ref()
            .filter(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            .map(|inner| inner as &(dyn std::error::Error + 'static)),
        _ => None,
    }
}

/// [`explain`] for a connection URL (start-up, the worker): host, port and mode from the
/// URL itself. `None` when the error is not a TLS one.
pub fn explain_url(url: &str, e: &sqlx::Error) -> Option<String> {
    use std::str::FromStr;
    let t = tls_cause(e)?;
    let o = sqlx::postgres::PgConnectOptions::from_str(url).ok()?;
    let mode = match o.get_ssl_mode() {
        sqlx::postgres::PgSslMode::Disable => "disable",
        sqlx::postgres::PgSslMode::Allow => "allow",
        sqlx::postgres::PgSslMode::Prefer => "prefer",
        sqlx::postgres::PgSslMode::Require => "require",
        sqlx::postgres::PgSslMode::VerifyCa => "verify-ca",
        sqlx::postgres::PgSslMode::VerifyFull => "verify-full",
    };
    let ca = url
        .contains("sslrootcert=")
        .then_some("informado na configuração");
    Some(explain(o.get_host(), o.get_port(), mode, ca, t))
}
