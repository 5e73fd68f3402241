//! Reads the old database (its SQLite file or its PostgreSQL server) into memory, every
//! value as text, after checking it has the old system's tables and columns
//! ([`crate::schema`]). Read-only: the SQLite file is opened read-only and the PostgreSQL
//! session is read-only; nothing is written to either.

use crate::env_file::{self, OldEnv};
use crate::schema::{self, OldTable};
use brm_core::{Error, ErrorCode, Result};
use serde::Deserialize;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Sqlite,
    Postgres,
}

/// Where the old system is. No `Debug` of the URL: it may carry a password.
#[derive(Clone, Deserialize)]
pub struct LegacySource {
    pub kind: SourceKind,
    /// The SQLite file's path, or `postgres://...`.
    pub path_or_url: String,
    /// The old `.env` with API_EXTERNA_URL / API_EXTERNA_TOKEN, optional.
    #[serde(default)]
    pub env_path: Option<String>,
}

impl std::fmt::Debug for LegacySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacySource")
            .field("kind", &self.kind)
            .field("path_or_url", &brm_store::redact_url(&self.path_or_url))
            .field("env_path", &self.env_path)
            .finish()
    }
}

impl LegacySource {
    /// What a person reads about it (the password hidden).
    pub fn describe(&self) -> String {
        match self.kind {
            SourceKind::Sqlite => format!("SQLite {}", self.path_or_url.trim()),
            SourceKind::Postgres => {
                format!(
                    "PostgreSQL {}",
                    brm_store::redact_url(self.path_or_url.trim())
                )
            }
        }
    }
}

/// One old row: column name to text (NULL is `None`; a column the old table lacks too).
/// Its `Debug` hides the secret columns (portal passwords, hashes, tokens).
#[derive(Clone, Default)]
pub struct Row(HashMap<&'static str, Option<String>>);

impl Row {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.0.get(column).and_then(|v| v.as_deref())
    }

    pub fn from_pairs(pairs: &[(&'static str, Option<&str>)]) -> Row {
        Row(pairs
            .iter()
            .map(|(k, v)| (*k, v.map(str::to_string)))
            .collect())
    }
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret: HashSet<&str> = schema::TABLES
            .iter()
            .flat_map(|t| t.columns.iter())
            .filter(|c| c.secret)
            .map(|c| c.name)
            .collect();
        let mut keys: Vec<_> = self.0.keys().collect();
        keys.sort();
        let mut m = f.debug_map();
        for k in keys {
            let v = &self.0[k];
            if secret.contains(k) && v.is_some() {
                m.entry(k, &"***");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// Everything read from the old system.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub operadoras: Vec<Row>,
    pub clientes: Vec<Row>,
    pub processos: Vec<Row>,
    pub execucoes: Vec<Row>,
    pub users: Vec<Row>,
    pub usuarios: Vec<Row>,
    pub agendamentos: Vec<Row>,
    pub env: Option<OldEnv>,
    /// Rows of every old table that exists, imported or only counted.
    pub totals: BTreeMap<&'static str, usize>,
    /// The catalogue's columns the old database has, per table.
    pub present: BTreeMap<&'static str, BTreeSet<&'static str>>,
    /// Columns the old database has that the catalogue does not know (table, column).
    pub unknown_columns: Vec<(&'static str, String)>,
    /// Tables the old database did not have (optional ones), said in the report.
    pub warnings: Vec<String>,
}

impl Snapshot {
    /// Whether the old table has this column (a row of it then carries the value).
    pub fn has(&self, table: &str, column: &str) -> bool {
        self.present
            .get(table)
            .is_some_and(|cols| cols.contains(column))
    }
}

enum Conn {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

fn unreadable(what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!("Não foi possível ler o banco do sistema antigo: {what}"),
    )
}

/// SQLite's "file is not a database" (code 26) as a person reads it; anything else as
/// it came.
fn not_sqlite(path: &str, e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("26") => Error::field(
            "path_or_url",
            format!("O arquivo {path} não é um banco SQLite: escolha o arquivo do banco do sistema antigo."),
        ),
        _ => unreadable(format!("{path}: {e}")),
    }
}

impl Conn {
    async fn open(source: &LegacySource) -> Result<Conn> {
        let target = source.path_or_url.trim();
        if target.is_empty() {
            return Err(Error::field(
                "path_or_url",
                "Informe o arquivo SQLite ou o endereço PostgreSQL do sistema antigo.",
            ));
        }
        match source.kind {
            SourceKind::Sqlite => {
                let path = target.strip_prefix("sqlite://").unwrap_or(target);
                if !Path::new(path).is_file() {
                    return Err(Error::field(
                        "path_or_url",
                        format!("Arquivo não encontrado: {path}"),
                    ));
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .read_only(true)
                    .create_if_missing(false);
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(|e| not_sqlite(path, e))?;
                // SQLite reads the header only at the first query: ask now, so a file
                // that is not a database is refused as such.
                sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                    .execute(&pool)
                    .await
                    .map_err(|e| not_sqlite(path, e))?;
                Ok(Conn::Sqlite(pool))
            }
            SourceKind::Postgres => {
                if !(target.starts_with("postgres://") || target.starts_with("postgresql://")) {
                    return Err(Error::field(
                        "path_or_url",
                        "O endereço PostgreSQL deve começar com postgres:// (ex.: postgres://usuario@servidor/banco).",
                    ));
                }
                brm_store::postgres::tls::ensure_crypto_provider();
                let options = PgConnectOptions::from_str(target)
                    .map_err(|_| {
                        Error::field(
                            "path_or_url",
                            "Endereço PostgreSQL inválido (ex.: postgres://usuario@servidor/banco).",
                        )
                    })?
                    // The old database is only read: a session that cannot write.
                    .options([("default_transaction_read_only", "on")]);
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        if let Some(why) = brm_store::postgres::tls::explain_url(target, &e) {
                            return unreadable(why);
                        }
                        // sqlx's message may repeat the URL: say only what failed.
                        let reason = match &e {
                            sqlx::Error::Database(db) => db.message().to_string(),
                            sqlx::Error::Io(io) => io.to_string(),
                            sqlx::Error::PoolTimedOut => "tempo esgotado".into(),
                            _ => "conexão recusada".into(),
                        };
                        unreadable(format!(
                            "não foi possível conectar a {} ({reason})",
                            brm_store::redact_url(target)
                        ))
                    })?;
                Ok(Conn::Pg(pool))
            }
        }
    }

    async fn tables(&self) -> Result<HashSet<String>> {
        let names: Vec<String> = match self {
            Conn::Sqlite(p) => {
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(p)
                    .await
            }
            Conn::Pg(p) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()",
                )
                .fetch_all(p)
                .await
            }
        }
        .map_err(unreadable)?;
        Ok(names.into_iter().map(|n| n.to_lowercase()).collect())
    }

    async fn columns(&self, table: &str) -> Result<HashSet<String>> {
        let names: Vec<String> = match self {
            Conn::Sqlite(p) => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                    .bind(table)
                    .fetch_all(p)
                    .await
            }
            Conn::Pg(p) => {
                sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_all(p)
                .await
            }
        }
        .map_err(unreadable)?;
        Ok(names.into_iter().map(|n| n.to_lowercase()).collect())
    }

    async fn rows(&self, sql: &str, width: usize) -> Result<Vec<Vec<Option<String>>>> {
        let mut out = Vec::new();
        match self {
            Conn::Sqlite(p) => {
                for r in sqlx::query(sql).fetch_all(p).await.map_err(unreadable)? {
                    out.push(
                        (0..width)
                            .map(|i| r.try_get::<Option<String>, _>(i))
                            .collect::<std::result::Result<_, _>>()
                            .map_err(unreadable)?,
                    );
                }
            }
            Conn::Pg(p) => {
                for r in sqlx::query(sql).fetch_all(p).await.map_err(unreadable)? {
                    out.push(
                        (0..width)
                            .map(|i| r.try_get::<Option<String>, _>(i))
                            .collect::<std::result::Result<_, _>>()
                            .map_err(unreadable)?,
                    );
                }
            }
        }
        Ok(out)
    }

    async fn count(&self, table: &str) -> Result<usize> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = match self {
            Conn::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await,
            Conn::Pg(p) => sqlx::query_scalar(&sql).fetch_one(p).await,
        }
        .map_err(unreadable)?;
        Ok(n.max(0) as usize)
    }

    /// How a column is selected: as text, bytes as their hexadecimal.
    fn select_expr(&self, c: &schema::Col) -> String {
        match (self, c.binary) {
            (_, false) => format!("CAST({} AS TEXT)", c.name),
            (Conn::Sqlite(_), true) => format!("hex({})", c.name),
            (Conn::Pg(_), true) => format!("encode(CAST({} AS bytea), 'hex')", c.name),
        }
    }

    async fn close(self) {
        match self {
            Conn::Sqlite(p) => p.close().await,
            Conn::Pg(p) => p.close().await,
        }
    }
}

/// Reads every table of the old system (and its `.env`, when named).
pub async fn read(source: &LegacySource) -> Result<Snapshot> {
    let env = match source
        .env_path
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(env_file::read(Path::new(p))?),
        None => None,
    };
    let conn = Conn::open(source).await?;
    let result = read_tables(&conn).await;
    conn.close().await;
    let mut snap = result?;
    snap.env = env;
    Ok(snap)
}

/// "a", "a" e "b", "a", "b" e "c": names in quotes, as a person reads a list.
fn listed(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} e {last}", init.join(", ")),
    }
}

/// The tables and columns the old system's models always create that this database
/// lacks, all of them in one message: a database of another application (or of the
/// schema this importer once guessed) is refused before a row is read.
fn check_shape(
    tables: &HashSet<String>,
    columns: &BTreeMap<&'static str, HashSet<String>>,
) -> Result<()> {
    let missing_tables: Vec<String> = schema::TABLES
        .iter()
        .filter(|t| t.required && !tables.contains(t.name))
        .map(|t| t.name.to_string())
        .collect();
    if !missing_tables.is_empty() {
        let mut found: Vec<String> = tables
            .iter()
            .filter(|t| !t.starts_with("sqlite_") && !t.starts_with("_sqlx"))
            .cloned()
            .collect();
        found.sort();
        let found = if found.is_empty() {
            "o banco está vazio".to_string()
        } else {
            format!("tabelas encontradas: {}", listed(&found))
        };
        let what = if missing_tables.len() == 1 {
            "falta a tabela"
        } else {
            "faltam as tabelas"
        };
        return Err(Error::new(
            ErrorCode::Validation,
            format!(
                "Este banco não é do sistema antigo: {what} {} ({found}).",
                listed(&missing_tables)
            ),
        ));
    }
    let mut gaps = Vec::new();
    for t in schema::TABLES {
        let Some(present) = columns.get(t.name) else {
            continue;
        };
        let missing: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.required && !present.contains(c.name))
            .map(|c| c.name.to_string())
            .collect();
        match missing.len() {
            0 => {}
            1 => gaps.push(format!(
                "a tabela \"{}\" não tem a coluna {}",
                t.name,
                listed(&missing)
            )),
            _ => gaps.push(format!(
                "a tabela \"{}\" não tem as colunas {}",
                t.name,
                listed(&missing)
            )),
        }
    }
    if gaps.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Validation,
        format!(
            "Este banco não tem o formato do sistema antigo: {}.",
            gaps.join("; ")
        ),
    ))
}

async fn read_tables(conn: &Conn) -> Result<Snapshot> {
    let tables = conn.tables().await?;
    let mut columns: BTreeMap<&'static str, HashSet<String>> = BTreeMap::new();
    for t in schema::TABLES {
        if tables.contains(t.name) {
            columns.insert(t.name, conn.columns(t.name).await?);
        }
    }
    check_shape(&tables, &columns)?;
    let mut snap = Snapshot::default();
    for t in schema::TABLES {
        let Some(present) = columns.get(t.name) else {
            snap.warnings.push(format!(
                "A tabela \"{}\" não existe no banco antigo; nada foi lido dela.",
                t.name
            ));
            continue;
        };
        snap.totals.insert(t.name, conn.count(t.name).await?);
        if t.not_imported.is_some() {
            continue;
        }
        let known: HashSet<&str> = t.columns.iter().map(|c| c.name).collect();
        let mut unknown: Vec<&String> = present
            .iter()
            .filter(|c| !known.contains(c.as_str()))
            .collect();
        unknown.sort();
        snap.unknown_columns
            .extend(unknown.into_iter().map(|c| (t.name, c.clone())));
        let cols: Vec<&'static schema::Col> = t
            .columns
            .iter()
            .filter(|c| present.contains(c.name))
            .collect();
        snap.present
            .insert(t.name, cols.iter().map(|c| c.name).collect());
        let rows = read_rows(conn, t, &cols).await?;
        match t.name {
            "operadoras" => snap.operadoras = rows,
            "clientes" => snap.clientes = rows,
            "processos" => snap.processos = rows,
            "execucoes" => snap.execucoes = rows,
            "users" => snap.users = rows,
            "usuarios" => snap.usuarios = rows,
            "agendamentos" => snap.agendamentos = rows,
            other => unreachable!("table {other} has columns but no place"),
        }
    }
    Ok(snap)
}

/// Every row of an old table, each value as text. Bytes (`users.password`) are read as
/// hexadecimal and decoded here: SQLite keeps them as a BLOB and PostgreSQL as `bytea`,
/// whose text form (`\x3862...`) is not the hash the old code stored.
async fn read_rows(conn: &Conn, t: &OldTable, cols: &[&'static schema::Col]) -> Result<Vec<Row>> {
    let select = cols
        .iter()
        .map(|c| conn.select_expr(c))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {select} FROM {} ORDER BY CAST(id AS TEXT)", t.name);
    let mut out = Vec::new();
    for values in conn.rows(&sql, cols.len()).await? {
        let mut row = HashMap::new();
        for (c, v) in cols.iter().zip(values) {
            let v = if c.binary {
                // Bytes that are not text cannot be a hash the old code wrote: an empty
                // value, refused by the planner with its reason.
                v.map(|h| {
                    hex::decode(h.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .unwrap_or_default()
                })
            } else {
                v
            };
            row.insert(c.name, v);
        }
        out.push(Row(row));
    }
    Ok(out)
}
