//! Which database the desk opens: the embedded SQLite file or a shared PostgreSQL server.
//!
//! The choice cannot live in a database (it says which database to open), so it is a
//! small JSON file in the OS config folder (`database.json`, see [`file`]). The file
//! holds no password: the PostgreSQL password lives in the OS keyring under
//! `brm_secrets::POSTGRES_PASSWORD`, and the URL that carries it is only built in memory
//! at start-up ([`startup`]). A change takes effect at the next start; nothing here ever
//! switches databases by itself.
//!
//! This module is pure (types, validation with pt-BR field messages, URL building);
//! `file` does the file I/O, `startup` the start-up decision, `probe` the connection test.

pub mod file;
pub mod probe;
pub mod startup;

use brm_core::error::Violations;
use brm_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::net::Ipv6Addr;

/// The config file's name inside the OS app-config folder.
pub const CONFIG_FILE: &str = "database.json";
pub const DEFAULT_PORT: u16 = 5432;
/// PostgreSQL truncates identifiers at 63 bytes; refuse longer names instead.
const MAX_IDENTIFIER: usize = 63;
const MAX_HOST: usize = 253;
const MAX_PASSWORD: usize = 1024;

/// A CA file is a few certificates; anything this large is not one.
const MAX_CA_FILE: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sqlite" => Some(DbKind::Sqlite),
            "postgres" | "postgresql" => Some(DbKind::Postgres),
            _ => None,
        }
    }
}

/// libpq's `sslmode` values (sqlx implements all but `allow`). The driver speaks TLS
/// through rustls with the operating system's certificate authorities (Windows and
/// macOS stores, `/etc/ssl/certs` on Linux) plus the office's own CA file when one is
/// given. `Prefer` is kept for files written before verify-full became the default for
/// a remote server (serde's default here); a new form's default is [`SslMode::default_for`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "disable" => Some(SslMode::Disable),
            "prefer" => Some(SslMode::Prefer),
            "require" => Some(SslMode::Require),
            "verify-ca" => Some(SslMode::VerifyCa),
            "verify-full" => Some(SslMode::VerifyFull),
            _ => None,
        }
    }

    /// What a new form proposes: `verify-full` for any server reached over the network,
    /// `prefer` for this machine itself (loopback), where there is no wire to protect and
    /// test clusters rarely have certificates.
    pub fn default_for(host: &str) -> Self {
        if is_loopback(host) {
            SslMode::Prefer
        } else {
            SslMode::VerifyFull
        }
    }

    /// True when the connection must be encrypted (fails without TLS).
    pub fn demands_tls(self) -> bool {
        matches!(
            self,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    }
}

/// Where the shared database is. No password: that is in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostgresConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    #[serde(default)]
    pub sslmode: SslMode,
    /// The office's own certificate authority (a PEM file on this computer), trusted in
    /// addition to the system's. Only meaningful with verify-ca / verify-full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

impl PostgresConfig {
    /// The connection URL, with every part percent-encoded so a password holding `@`,
    /// `:` or `/` reaches the server intact. It carries the password: never log it
    /// (use [`PostgresConfig::target`] or `brm_store::redact_url`).
    pub fn url(&self, password: Option<&str>) -> String {
        let mut url = format!("postgres://{}", encode(&self.username));
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            url.push(':');
            url.push_str(&encode(pw));
        }
        let _ = write!(
            url,
            "@{}:{}/{}?sslmode={}",
            url_host(&self.host),
            self.port,
            encode(&self.database),
            self.sslmode.as_str()
        );
        if let Some(ca) = &self.ca_file {
            let _ = write!(url, "&sslrootcert={}", encode(ca));
        }
        url
    }

    /// Each person logs in as their own database role (a database prepared by "Preparar
    /// o banco compartilhado"): the desk connects first as the entry login, whose
    /// password is the product's constant, and no password is kept on this computer.
    pub fn personal_logins(&self) -> bool {
        self.username == brm_store::postgres::shared::ENTRY_ROLE
    }

    /// `user@host:port/database`, for messages and logs.
    pub fn target(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.username,
            url_host(&self.host),
            self.port,
            self.database
        )
    }
}

/// What `database.json` holds. With `kind: sqlite` the PostgreSQL block is kept (if one
/// was saved before) so switching back does not mean typing it all again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbConfig {
    pub kind: DbKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresConfig>,
}

impl Default for DbConfig {
    fn default() -> Self {
        Self {
            kind: DbKind::Sqlite,
            postgres: None,
        }
    }
}

/// The settings form as the window sends it. Everything is optional and loosely typed
/// (the port may come as a number or text) so that a bad value becomes a pt-BR field
/// message instead of a deserialisation error. `password` blank or absent = keep the
/// stored one.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct DbSettingsInput {
    pub kind: Option<String>,
    pub host: Option<String>,
    pub port: Option<serde_json::Value>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub sslmode: Option<String>,
    /// Path of the CA's PEM file; blank = none (system authorities only).
    pub ca_file: Option<String>,
    /// "Cada pessoa entra com o próprio login do banco": no user or password here.
    pub personal_logins: Option<bool>,
}

/// Never prints the password, only whether one was typed.
impl std::fmt::Debug for DbSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSettingsInput")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("username", &self.username)
            .field("password", &self.new_password().map(|_| "***"))
            .field("sslmode", &self.sslmode)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl DbSettingsInput {
    pub fn kind(&self) -> Result<DbKind> {
        self.kind.as_deref().and_then(DbKind::parse).ok_or_else(|| {
            Error::field(
                "kind",
                "Escolha onde os dados ficam: banco embutido (SQLite) ou PostgreSQL.",
            )
        })
    }

    /// The password typed in the form; blank means "keep the stored one".
    pub fn new_password(&self) -> Option<&str> {
        self.password.as_deref().filter(|p| !p.is_empty())
    }

    /// Checks every PostgreSQL field at once and returns the clean config.
    pub fn validate_postgres(&self) -> Result<PostgresConfig> {
        let mut v = Violations::default();
        let host = self.host.as_deref().unwrap_or("").trim();
        if host.is_empty() {
            v.add("host", "Informe o servidor do PostgreSQL.");
        } else if !valid_host(host) {
            v.add(
                "host",
                "Servidor inválido: informe só o nome (banco.empresa.local) ou o endereço IP, \
                 sem espaços, barras, \"@\" nem a porta.",
            );
        }
        let port = parse_port(self.port.as_ref());
        match port {
            Err(PortProblem::Missing) => {
                v.add("port", "Informe a porta do PostgreSQL (normalmente 5432).")
            }
            Err(PortProblem::Invalid) => {
                v.add("port", "A porta deve ser um número inteiro de 1 a 65535.")
            }
            Ok(_) => {}
        }
        let database = self.database.as_deref().unwrap_or("").trim();
        check_identifier(&mut v, "database", database, "o nome do banco de dados");
        let personal = self.personal_logins == Some(true);
        let username = if personal {
            brm_store::postgres::shared::ENTRY_ROLE
        } else {
            self.username.as_deref().unwrap_or("").trim()
        };
        check_identifier(&mut v, "username", username, "o usuário do banco de dados");
        if self.new_password().is_some_and(|p| p.len() > MAX_PASSWORD) {
            v.add(
                "password",
                format!("A senha pode ter no máximo {MAX_PASSWORD} caracteres."),
            );
        }
        let sslmode = match self.sslmode.as_deref().map(str::trim) {
            None | Some("") => Some(SslMode::default_for(host)),
            Some(s) => SslMode::parse(s),
        };
        if personal && sslmode.is_some_and(|m| !m.demands_tls()) {
            v.add(
                "sslmode",
                "Com o login próprio de cada pessoa, as senhas vão ao servidor: escolha \
                 \"Verificar o servidor (verify-full)\" (ou verify-ca / require).",
            );
        }
        if sslmode.is_none() {
            v.add(
                "sslmode",
                "Modo SSL inválido: use disable, prefer, require, verify-ca ou verify-full.",
            );
        }
        let ca_file = self
            .ca_file
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let (Some(ca), Some(mode)) = (ca_file, sslmode) {
            if !matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) {
                v.add(
                    "ca_file",
                    "A autoridade certificadora só é usada ao verificar o servidor: escolha \
                     \"Verificar o servidor (verify-full)\" ou \"Verificar a autoridade \
                     (verify-ca)\", ou deixe o arquivo em branco.",
                );
            } else if let Err(why) = check_ca_file(ca) {
                v.add("ca_file", why);
            }
        }
        v.into_result()?;
        Ok(PostgresConfig {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port: port.unwrap_or(DEFAULT_PORT),
            database: database.to_string(),
            username: username.to_string(),
            sslmode: sslmode.unwrap_or_default(),
            ca_file: ca_file.map(str::to_string),
        })
    }
}

/// The CA file must be there, be small and hold at least one PEM certificate, so a typo
/// is caught when saving instead of at the next start.
fn check_ca_file(path: &str) -> std::result::Result<(), String> {
    let p = std::path::Path::new(path);
    if !p.is_absolute() {
        return Err(
            "Informe o caminho completo do arquivo da autoridade certificadora \
                    (por exemplo C:\\BRM\\ac-escritorio.pem ou /etc/brm/ac.pem)."
                .into(),
        );
    }
    let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("O arquivo {path} não existe neste computador."),
        _ => format!("Não foi possível ler o arquivo {path}: {e}."),
    })?;
    if !meta.is_file() || meta.len() > MAX_CA_FILE {
        return Err(format!(
            "{path} não é um arquivo de certificado (PEM) de autoridade certificadora."
        ));
    }
    let bytes =
        std::fs::read(p).map_err(|e| format!("Não foi possível ler o arquivo {path}: {e}."))?;
    let text = String::from_utf8_lossy(&bytes);
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!(
            "{path} não contém nenhum certificado no formato PEM (\"-----BEGIN \
             CERTIFICATE-----\"). Peça ao responsável pelo servidor o certificado da \
             autoridade em PEM."
        ));
    }
    Ok(())
}

/// This machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_identifier(v: &mut Violations, field: &str, value: &str, what: &str) {
    if value.is_empty() {
        v.add(field, format!("Informe {what}."));
    } else if value.len() > MAX_IDENTIFIER {
        let what = capitalize(what);
        v.add(
            field,
            format!("{what} pode ter no máximo {MAX_IDENTIFIER} caracteres."),
        );
    } else if value.chars().any(char::is_control) {
        let what = capitalize(what);
        v.add(
            field,
            format!("{what} não pode ter caracteres de controle."),
        );
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

enum PortProblem {
    Missing,
    Invalid,
}

fn parse_port(value: Option<&serde_json::Value>) -> std::result::Result<u16, PortProblem> {
    use serde_json::Value;
    let n = match value {
        None | Some(Value::Null) => return Err(PortProblem::Missing),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(PortProblem::Missing),
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| PortProblem::Invalid)?,
        Some(Value::Number(n)) => n.as_f64().ok_or(PortProblem::Invalid)?,
        Some(_) => return Err(PortProblem::Invalid),
    };
    if n.fract() != 0.0 || !(1.0..=65535.0).contains(&n) {
        return Err(PortProblem::Invalid);
    }
    Ok(n as u16)
}

/// A DNS name or IPv4 address (letters, digits, `.`, `-`, `_`), or an IPv6 address
/// with or without brackets. Anything that would change the URL's shape is refused.
fn valid_host(host: &str) -> bool {
    if host.len() > MAX_HOST {
        return false;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.contains(':') {
        return bare.parse::<Ipv6Addr>().is_ok();
    }
    host.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !host.starts_with(['.', '-'])
}

fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn input(port: serde_json::Value) -> DbSettingsInput {
        DbSettingsInput {
            kind: Some("postgres".into()),
            host: Some(" banco.beg.local ".into()),
            port: Some(port),
            database: Some("brm".into()),
            username: Some("brm_app".into()),
            password: Some("p@ss:w/rd ç%".into()),
            sslmode: Some("prefer".into()),
            ca_file: None,
            personal_logins: None,
        }
    }

    #[test]
    fn personal_logins_need_tls_and_keep_no_user_or_password() {
        let mut i = input(json!(5432));
        i.personal_logins = Some(true);
        let e = i.validate_postgres().unwrap_err();
        assert_eq!(fields(&e)[0].0, "sslmode");
        assert!(fields(&e)[0].1.contains("verify-full"), "{e:?}");
        i.sslmode = Some("verify-full".into());
        let pg = i.validate_postgres().unwrap();
        assert!(pg.personal_logins());
        assert_eq!(pg.username, brm_store::postgres::shared::ENTRY_ROLE);
        // Start-up never asks the keyring: the entry login's password is the product's.
        let file = DbConfig {
            kind: DbKind::Postgres,
            postgres: Some(pg),
        };
        let choice = startup::resolve(None, Ok(Some(file)), "/tmp/x.db".into(), || {
            panic!("no keyring read with personal logins")
        });
        let url = choice.url.unwrap();
        assert!(
            brm_store::postgres::shared::person_login_options(&url).is_some(),
            "{url}"
        );
    }

    fn fields(e: &Error) -> Vec<(&str, &str)> {
        e.fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect()
    }

    #[test]
    fn a_complete_form_validates_and_trims() {
        let pg = input(json!(5432)).validate_postgres().unwrap();
        assert_eq!(
            pg,
            PostgresConfig {
                host: "banco.beg.local".into(),
                port: 5432,
                database: "brm".into(),
                username: "brm_app".into(),
                sslmode: SslMode::Prefer,
                ca_file: None,
            }
        );
        // The port may arrive as text; the SSL mode defaults to verify-full for a server
        // on the network and to prefer on this machine.
        let mut i = input(json!(" 6543 "));
        i.sslmode = None;
        let pg = i.validate_postgres().unwrap();
        assert_eq!((pg.port, pg.sslmode), (6543, SslMode::VerifyFull));
        for local in ["localhost", "127.0.0.1", "::1", "[::1]", "127.8.9.10"] {
            i.host = Some(local.into());
            assert_eq!(
                i.validate_postgres().unwrap().sslmode,
                SslMode::Prefer,
                "{local}"
            );
        }
        for remote in [
            "10.0.0.7",
            "db",
            "banco.beg.local",
            "fe80::1",
            "localhost.evil.com",
        ] {
            i.host = Some(remote.into());
            assert_eq!(
                i.validate_postgres().unwrap().sslmode,
                SslMode::VerifyFull,
                "{remote}"
            );
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once_in_portuguese() {
        let e = DbSettingsInput {
            kind: Some("postgres".into()),
            ..Default::default()
        }
        .validate_postgres()
        .unwrap_err();
        assert_eq!(e.code, brm_core::ErrorCode::Validation);
        assert_eq!(
            fields(&e),
            vec![
                ("host", "Informe o servidor do PostgreSQL."),
                ("port", "Informe a porta do PostgreSQL (normalmente 5432)."),
                ("database", "Informe o nome do banco de dados."),
                ("username", "Informe o usuário do banco de dados."),
            ]
        );
        let e = DbSettingsInput {
            host: Some("banco.local:5432".into()),
            port: Some(json!(70000)),
            database: Some("x".repeat(64)),
            username: Some("ana\n".into()),
            sslmode: Some("talvez".into()),
            ..Default::default()
        }
        .validate_postgres()
        .unwrap_err();
        let f = fields(&e);
        assert!(f[0].1.starts_with("Servidor inválido"), "{f:?}");
        assert_eq!(
            f[1],
            ("port", "A porta deve ser um número inteiro de 1 a 65535.")
        );
        assert_eq!(
            f[2],
            (
                "database",
                "O nome do banco de dados pode ter no máximo 63 caracteres."
            )
        );
        // Trimming removes the newline, so the user name is fine; the SSL mode is not.
        assert_eq!(f[3].0, "sslmode");
        assert_eq!(f.len(), 4);
    }

    #[test]
    fn ports_outside_1_to_65535_or_fractional_are_refused() {
        for bad in [
            json!(0),
            json!(65536),
            json!(-1),
            json!(5432.5),
            json!("x"),
            json!(true),
        ] {
            let e = input(bad.clone()).validate_postgres().unwrap_err();
            assert_eq!(e.fields[0].field, "port", "{bad}");
        }
        for good in [json!(1), json!(65535), json!("5432")] {
            assert!(input(good).validate_postgres().is_ok());
        }
    }

    #[test]
    fn hosts_names_ipv4_and_ipv6() {
        for ok in [
            "db",
            "banco.beg.local",
            "10.0.0.7",
            "::1",
            "[fe80::1]",
            "srv_1",
        ] {
            assert!(valid_host(ok), "{ok}");
        }
        for bad in ["a b", "user@host", "host/db", "host:5432", "-x", "[zz::1]"] {
            assert!(!valid_host(bad), "{bad}");
        }
    }

    #[test]
    fn every_ssl_mode_is_accepted_now_that_the_driver_speaks_tls() {
        let mut i = input(json!(5432));
        for (text, mode) in [
            ("disable", SslMode::Disable),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
            (" VERIFY-FULL ", SslMode::VerifyFull),
        ] {
            i.sslmode = Some(text.into());
            assert_eq!(i.validate_postgres().unwrap().sslmode, mode);
        }
    }

    #[test]
    fn a_ca_file_must_exist_hold_a_pem_certificate_and_go_with_verification() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("ac.pem");
        std::fs::write(
            &good,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let not_pem = dir.path().join("ac.der");
        std::fs::write(&not_pem, [0x30u8, 0x82, 1, 2]).unwrap();
        let mut i = input(json!(5432));
        i.sslmode = Some("verify-full".into());
        i.ca_file = Some(format!(" {} ", good.display()));
        let pg = i.validate_postgres().unwrap();
        assert_eq!(pg.ca_file.as_deref(), Some(good.to_str().unwrap()));
        // The driver reads the same path back from the URL, spaces and all.
        let url = pg.url(Some("x"));
        let o = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap();
        assert!(format!("{o:?}").contains(good.to_str().unwrap()), "{o:?}");
        let refused = |ca: &str, mode: &str| {
            let mut i = input(json!(5432));
            i.sslmode = Some(mode.into());
            i.ca_file = Some(ca.into());
            let e = i.validate_postgres().unwrap_err();
            assert_eq!(e.fields[0].field, "ca_file");
            e.fields[0].message.clone()
        };
        let missing = dir.path().join("nao-existe.pem");
        assert!(refused(missing.to_str().unwrap(), "verify-full").contains("não existe"));
        assert!(refused(not_pem.to_str().unwrap(), "verify-ca").contains("PEM"));
        assert!(refused("ac.pem", "verify-full").contains("caminho completo"));
        assert!(refused(good.to_str().unwrap(), "require").contains("verify-full"));
        assert!(refused(dir.path().to_str().unwrap(), "verify-full").contains("não é um arquivo"));
        // Blank means none.
        i.ca_file = Some("  ".into());
        assert_eq!(i.validate_postgres().unwrap().ca_file, None);
    }

    #[test]
    fn kind_is_required() {
        assert_eq!(
            DbSettingsInput::default().kind().unwrap_err().fields[0].field,
            "kind"
        );
        let i = DbSettingsInput {
            kind: Some("PostgreSQL".into()),
            ..Default::default()
        };
        assert_eq!(i.kind().unwrap(), DbKind::Postgres);
    }

    #[test]
    fn url_encodes_every_part_and_round_trips_through_a_url_parser() {
        let pg = input(json!(5432)).validate_postgres().unwrap();
        let url = pg.url(Some("p@ss:w/rd ç%"));
        assert_eq!(
            url,
            "postgres://brm_app:p%40ss%3Aw%2Frd%20%C3%A7%25@banco.beg.local:5432/brm?sslmode=prefer"
        );
        // What the driver will read back is what was typed.
        use sqlx::postgres::PgConnectOptions;
        let o = PgConnectOptions::from_str(&url).unwrap();
        assert_eq!(o.get_host(), "banco.beg.local");
        assert_eq!(o.get_port(), 5432);
        assert_eq!(o.get_username(), "brm_app");
        assert_eq!(o.get_database(), Some("brm"));
        // No password, no colon; IPv6 hosts get brackets.
        let v6 = PostgresConfig {
            host: "::1".into(),
            ..pg.clone()
        };
        assert_eq!(
            v6.url(None),
            "postgres://brm_app@[::1]:5432/brm?sslmode=prefer"
        );
        assert_eq!(v6.url(Some("")), v6.url(None));
        let o = PgConnectOptions::from_str(&v6.url(None)).unwrap();
        assert_eq!(o.get_port(), 5432);
    }

    #[test]
    fn redaction_hides_even_an_awkward_password() {
        let pg = input(json!(5432)).validate_postgres().unwrap();
        let url = pg.url(Some("se@gredo:/x"));
        let shown = brm_store::redact_url(&url);
        assert_eq!(
            shown,
            "postgres://brm_app:***@banco.beg.local:5432/brm?sslmode=prefer"
        );
        assert!(!shown.contains("gredo"));
        assert_eq!(pg.target(), "brm_app@banco.beg.local:5432/brm");
        let debug = format!("{:?}", input(json!(1)));
        assert!(!debug.contains("p@ss"), "{debug}");
        assert!(debug.contains("***"));
    }

    #[test]
    fn config_file_shape() {
        let cfg = DbConfig {
            kind: DbKind::Postgres,
            postgres: Some(input(json!(5432)).validate_postgres().unwrap()),
        };
        let text = serde_json::to_value(&cfg).unwrap();
        assert_eq!(
            text,
            json!({"kind": "postgres", "postgres": {"host": "banco.beg.local", "port": 5432,
                   "database": "brm", "username": "brm_app", "sslmode": "prefer"}})
        );
        assert_eq!(
            serde_json::to_value(DbConfig::default()).unwrap(),
            json!({"kind": "sqlite"})
        );
    }
}
