//! Reads the old database (its SQLite file or its PostgreSQL server) into memory, every
//! value as text. Read-only: the SQLite file is opened read-only and nothing is written
//! to either.

use crate::env_file::{self, OldEnv};
use brm_core::{Error, ErrorCode, Result};
use serde::Deserialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};
use std::path::Path;
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
#[derive(Debug, Clone, Default)]
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

/// Everything read from the old system.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub operadoras: Vec<Row>,
    pub clientes: Vec<Row>,
    pub processos: Vec<Row>,
    pub execucoes: Vec<Row>,
    pub users: Vec<Row>,
    pub usuarios: Vec<Row>,
    pub env: Option<OldEnv>,
    /// Tables the old database did not have (optional ones), said in the report.
    pub warnings: Vec<String>,
}

struct Table {
    name: &'static str,
    required: bool,
    columns: &'static [&'static str],
    /// Columns without which a row means nothing.
    needed: &'static [&'static str],
}

const TABLES: &[Table] = &[
    Table {
        name: "operadoras",
        required: true,
        columns: &[
            "id",
            "nome",
            "codigo",
            "possui_rpa",
            "rpa_terceirizado",
            "url_endpoint_rpa",
            "url_portal",
            "instrucoes_acesso",
            "timeout",
            "max_tentativas",
            "ativo",
            "criado_em",
        ],
        needed: &["id", "nome", "codigo"],
    },
    Table {
        name: "clientes",
        required: true,
        columns: &[
            "id",
            "hash",
            "razao_social",
            "nome_sat",
            "cnpj",
            "operadora_id",
            "filtro",
            "servico",
            "dados_sat",
            "unidade",
            "categoria_sat",
            "site_emissao",
            "login_portal",
            "senha_portal",
            "cpf",
            "observacoes",
            "ativo",
            "criado_em",
        ],
        needed: &["id", "razao_social", "cnpj", "operadora_id"],
    },
    Table {
        name: "processos",
        required: true,
        columns: &[
            "id",
            "cliente_id",
            "mes_ano",
            "status",
            "valor",
            "vencimento",
            "criado_por",
            "aprovado_por",
            "aprovado_em",
            "observacoes",
            "criado_em",
            "atualizado_em",
        ],
        needed: &["id", "cliente_id", "mes_ano", "status"],
    },
    Table {
        name: "execucoes",
        required: false,
        columns: &[
            "id",
            "processo_id",
            "tipo",
            "status",
            "job_id",
            "logs",
            "erro",
            "iniciado_em",
            "finalizado_em",
            "criado_em",
        ],
        needed: &["id", "processo_id", "tipo", "status"],
    },
    Table {
        name: "users",
        required: false,
        columns: &["id", "username", "email", "password"],
        needed: &["id", "email", "password"],
    },
    Table {
        name: "usuarios",
        required: false,
        columns: &[
            "id",
            "nome",
            "email",
            "senha_hash",
            "perfil",
            "ativo",
            "criado_em",
        ],
        needed: &["id", "email", "senha_hash"],
    },
];

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
                    .map_err(|e| unreadable(format!("{path}: {e}")))?;
                Ok(Conn::Sqlite(pool))
            }
            SourceKind::Postgres => {
                if !(target.starts_with("postgres://") || target.starts_with("postgresql://")) {
                    return Err(Error::field(
                        "path_or_url",
                        "O endereço PostgreSQL deve começar com postgres:// (ex.: postgres://usuario@servidor/banco).",
                    ));
                }
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(target)
                    .await
                    .map_err(|e| {
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

async fn read_tables(conn: &Conn) -> Result<Snapshot> {
    let tables = conn.tables().await?;
    let mut snap = Snapshot::default();
    for t in TABLES {
        if !tables.contains(t.name) {
            if t.required {
                return Err(unreadable(format!(
                    "a tabela \"{}\" não existe; confira se este é o banco do sistema antigo.",
                    t.name
                )));
            }
            snap.warnings.push(format!(
                "A tabela \"{}\" não existe no banco antigo; nada foi lido dela.",
                t.name
            ));
            continue;
        }
        let present = conn.columns(t.name).await?;
        if let Some(missing) = t.needed.iter().find(|c| !present.contains(**c)) {
            return Err(unreadable(format!(
                "a tabela \"{}\" não tem a coluna \"{missing}\".",
                t.name
            )));
        }
        let cols: Vec<&'static str> = t
            .columns
            .iter()
            .copied()
            .filter(|c| present.contains(*c))
            .collect();
        let select = cols
            .iter()
            .map(|c| format!("CAST({c} AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {select} FROM {} ORDER BY CAST(id AS TEXT)", t.name);
        let rows = conn
            .rows(&sql, cols.len())
            .await?
            .into_iter()
            .map(|values| Row(cols.iter().copied().zip(values).collect()))
            .collect();
        match t.name {
            "operadoras" => snap.operadoras = rows,
            "clientes" => snap.clientes = rows,
            "processos" => snap.processos = rows,
            "execucoes" => snap.execucoes = rows,
            "users" => snap.users = rows,
            _ => snap.usuarios = rows,
        }
    }
    Ok(snap)
}
