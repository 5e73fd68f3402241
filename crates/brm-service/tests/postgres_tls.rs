//! TLS to the shared PostgreSQL, against real servers: the TLS cluster of
//! `scripts/pg-test-cluster.sh start-tls` (a CA and a server certificate for "localhost"
//! made by openssl at start, SCRAM passwords) and the plain cluster of `start` (no TLS at
//! all). Both the connection test of the settings screen and the start-up path
//! (`PgStore::connect`, migrations included) are exercised, and "encrypted" is always what
//! the server reports in `pg_stat_ssl`, never what the mode promises.
//!
//! Without the clusters' variables the file says so and passes, unless
//! BRM_REQUIRE_POSTGRES (scripts/test.sh) demands them.

use brm_service::db_settings::probe::{probe_postgres, PROBE_TIMEOUT};
use brm_service::db_settings::{PostgresConfig, SslMode};
use brm_store::postgres::PgStore;
use brm_store::Store;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

struct Tls {
    /// `postgres://brm_tls:…@localhost:PORT/brm`, no sslmode.
    url: String,
    ca: String,
    other_ca: String,
    /// The plain cluster (trust on loopback, no TLS).
    plain: String,
}

fn clusters() -> Option<Tls> {
    let get = |k: &str| std::env::var(k).ok();
    match (
        get("BRM_TEST_POSTGRES_TLS_URL"),
        get("BRM_TEST_PG_CA"),
        get("BRM_TEST_PG_OTHER_CA"),
        get("BRM_TEST_POSTGRES_URL"),
    ) {
        (Some(url), Some(ca), Some(other_ca), Some(plain)) => Some(Tls {
            url,
            ca,
            other_ca,
            plain,
        }),
        _ if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() => {
            panic!("the TLS and plain test clusters are not set: run through scripts/test.sh")
        }
        _ => {
            eprintln!("PostgreSQL TLS tests skipped: the test clusters are not set");
            None
        }
    }
}

/// The form's config for `url` with `host` instead of its own, and the password apart.
fn config(url: &str, host: &str, mode: SslMode, ca: Option<&str>) -> (PostgresConfig, String) {
    let o = PgConnectOptions::from_str(url).unwrap();
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(auth, _)| auth.split_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    (
        PostgresConfig {
            host: host.into(),
            port: o.get_port(),
            database: o.get_database().unwrap_or("postgres").into(),
            username: o.get_username().into(),
            sslmode: mode,
            ca_file: ca.map(str::to_string),
        },
        password,
    )
}

async fn probe(c: &(PostgresConfig, String)) -> brm_service::db_settings::probe::ConnectionTest {
    let pw = Some(c.1.as_str()).filter(|p| !p.is_empty());
    probe_postgres(&c.0, pw, PROBE_TIMEOUT).await
}

async fn start(c: &(PostgresConfig, String)) -> Result<PgStore, String> {
    let pw = Some(c.1.as_str()).filter(|p| !p.is_empty());
    PgStore::connect(&c.0.url(pw))
        .await
        .map_err(|e| brm_core::Error::from(e).message)
}

#[tokio::test]
async fn verify_full_with_the_office_ca_connects_encrypted_and_says_so() {
    let Some(t) = clusters() else { return };
    let c = config(&t.url, "localhost", SslMode::VerifyFull, Some(&t.ca));
    let answer = probe(&c).await;
    assert!(answer.ok, "{}", answer.message);
    assert!(
        answer
            .message
            .contains("A conexão é criptografada (TLSv1.3"),
        "{}",
        answer.message
    );
    // The start-up path: migrations run over TLS, and the diagnostics' answer is the
    // server's own.
    let store = start(&c).await.unwrap();
    let info = store.server_info().await.unwrap();
    let s = info.security.expect("PostgreSQL reports its connection");
    assert!(s.encrypted);
    assert_eq!(s.protocol.as_deref(), Some("TLSv1.3"));
    assert!(info.migration.is_some());
}

#[tokio::test]
async fn a_wrong_host_name_is_refused_in_portuguese_by_the_probe_and_at_start() {
    let Some(t) = clusters() else { return };
    // The certificate names "localhost" only; 127.0.0.1 is the same machine under
    // another name, as a server reached by its IP or an impostor would be.
    let c = config(&t.url, "127.0.0.1", SslMode::VerifyFull, Some(&t.ca));
    let answer = probe(&c).await;
    assert!(!answer.ok);
    assert!(
        answer
            .message
            .starts_with("O certificado do servidor 127.0.0.1:"),
        "{}",
        answer.message
    );
    assert!(
        answer
            .message
            .contains("não vale para o nome \"127.0.0.1\""),
        "{}",
        answer.message
    );
    let at_start = start(&c).await.unwrap_err();
    assert!(
        at_start.contains("não vale para o nome \"127.0.0.1\""),
        "{at_start}"
    );
    assert!(!at_start.contains("senha-tls"), "{at_start}");
    // verify-ca should check the authority and not the name, but sqlx 0.8.6 checks the
    // name too (launchbadge/sqlx#3793, fixed in 0.9). Stricter, never weaker, and said:
    // when sqlx is upgraded this assertion fails and the message can go.
    let c = config(&t.url, "127.0.0.1", SslMode::VerifyCa, Some(&t.ca));
    let answer = probe(&c).await;
    assert!(!answer.ok);
    assert!(
        answer.message.ends_with(
            "Nesta versão do aplicativo o modo \"verify-ca\" também confere o nome do servidor."
        ),
        "{}",
        answer.message
    );
    let c = config(&t.url, "localhost", SslMode::VerifyCa, Some(&t.ca));
    let answer = probe(&c).await;
    assert!(answer.ok, "{}", answer.message);
    assert!(
        answer.message.contains("criptografada"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn an_unknown_authority_is_refused_with_what_to_do() {
    let Some(t) = clusters() else { return };
    let other = config(&t.url, "localhost", SslMode::VerifyFull, Some(&t.other_ca));
    let answer = probe(&other).await;
    assert!(!answer.ok);
    assert!(
        answer.message.contains(
            "foi emitido por uma autoridade certificadora que este computador não conhece"
        ),
        "{}",
        answer.message
    );
    assert!(
        answer
            .message
            .contains(&format!("O arquivo {} não é a autoridade", t.other_ca)),
        "{}",
        answer.message
    );
    // No CA file: the system's authorities do not know the office's.
    let none = config(&t.url, "localhost", SslMode::VerifyFull, None);
    let answer = probe(&none).await;
    assert!(!answer.ok);
    assert!(
        answer
            .message
            .contains("Informe o arquivo da autoridade certificadora"),
        "{}",
        answer.message
    );
    let at_start = start(&none).await.unwrap_err();
    assert!(at_start.contains("não conhece"), "{at_start}");
    // A CA file deleted after it was saved.
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("ac.pem");
    let gone = config(&t.url, "localhost", SslMode::VerifyFull, gone.to_str());
    let answer = probe(&gone).await;
    assert!(!answer.ok);
    assert!(
        answer.message.contains("não foi encontrado"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn require_against_a_server_without_tls_fails_and_prefer_is_not_shown_as_encrypted() {
    let Some(t) = clusters() else { return };
    let o = PgConnectOptions::from_str(&t.plain).unwrap();
    let host = o.get_host().to_string();
    for mode in [SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull] {
        let c = config(&t.plain, &host, mode, None);
        let answer = probe(&c).await;
        assert!(!answer.ok, "{mode:?}");
        assert!(
            answer.message.contains(&format!(
                "não aceita conexões criptografadas (SSL/TLS), e o modo \"{}\" exige",
                mode.as_str()
            )),
            "{}",
            answer.message
        );
        let at_start = start(&c).await.unwrap_err();
        assert!(
            at_start.contains("não aceita conexões criptografadas"),
            "{at_start}"
        );
    }
    // prefer: connects, in clear, and the answer says so plainly.
    let c = config(&t.plain, &host, SslMode::Prefer, None);
    let answer = probe(&c).await;
    assert!(answer.ok, "{}", answer.message);
    assert!(
        answer.message.contains("a conexão NÃO é criptografada"),
        "{}",
        answer.message
    );
    // disable on the TLS server: plain too, as the server reports.
    let c = config(&t.url, "localhost", SslMode::Disable, None);
    let answer = probe(&c).await;
    assert!(answer.ok, "{}", answer.message);
    assert!(
        answer.message.contains("NÃO é criptografada"),
        "{}",
        answer.message
    );
    // prefer on the TLS server: encrypted, without any certificate check.
    let c = config(&t.url, "127.0.0.1", SslMode::Prefer, None);
    let store = start(&c).await.unwrap();
    assert!(
        store
            .server_info()
            .await
            .unwrap()
            .security
            .unwrap()
            .encrypted
    );
}
