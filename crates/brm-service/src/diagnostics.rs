//! The "Diagnóstico" screen: what support asks any user for (versions, the database,
//! the robot, the storage, where the logs are and the last errors), as a structure for
//! the window and as plain text for "Copiar diagnóstico". Every logged-in role may see
//! it. Nothing secret goes in: URLs are redacted, the robot URL loses any credentials
//! and query, and logged events pass through [`brm_logging::redact`] (the no-secrets
//! test in crates/brm-worker/tests/no_secrets.rs scans the text too).

use crate::{brasilia, Desk};
use brm_core::execution::{ExecutionFilter, ExecutionStatus};
use brm_core::Result;
use brm_logging::RecentEvent;
use brm_store::Backend;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write as _;

/// How many failed executions the report lists.
pub const FAILED_EXECUTIONS: i64 = 10;
/// How many logged warnings and errors the report lists.
pub const RECENT_EVENTS: usize = 20;

/// What the caller knows and the desk does not: the shell's versions, where the
/// database and the logs are, the robot's health and the invoice storage.
#[derive(Debug, Clone, Default)]
pub struct DiagnosticsContext {
    pub app_version: String,
    pub tauri_version: Option<String>,
    pub webview_version: Option<String>,
    /// The database's URL or path; redacted here again.
    pub database_location: Option<String>,
    pub robot: Option<RobotInfo>,
    /// `InvoiceStorage::describe()` (no secrets by contract); `None` asks the desk's
    /// robot hooks.
    pub storage: Option<String>,
    pub log_dir: Option<String>,
    /// Usually `RecentEvents::global().snapshot()`, newest first.
    pub recent_events: Vec<RecentEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobotInfo {
    /// Wire value: desconhecido, ok, indisponivel, token_invalido.
    pub state: String,
    /// pt-BR word for the state.
    pub state_label: String,
    pub message: String,
    pub checked_at: Option<DateTime<Utc>>,
    /// Without user, password or query.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseInfo {
    /// "SQLite" or "PostgreSQL".
    pub backend: String,
    pub server_version: Option<String>,
    pub migration: Option<i64>,
    pub location: Option<String>,
    /// Whether the live connection is encrypted, as the server reports it (`pg_stat_ssl`);
    /// `None` for the embedded SQLite file, or when the server could not be asked.
    pub security: Option<brm_store::postgres::tls::ConnectionSecurity>,
    /// Why the server could not be asked (pt-BR).
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedExecution {
    pub created_at: DateTime<Utc>,
    pub client: String,
    pub operator: String,
    pub kind: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    pub generated_at: DateTime<Utc>,
    pub app_version: String,
    pub tauri_version: Option<String>,
    pub webview_version: Option<String>,
    pub os: String,
    pub arch: String,
    pub database: DatabaseInfo,
    pub robot: Option<RobotInfo>,
    pub storage: Option<String>,
    pub log_dir: Option<String>,
    pub recent_events: Vec<RecentEvent>,
    pub failed_executions: Vec<FailedExecution>,
    /// The whole report as plain text (what "Copiar diagnóstico" copies).
    pub text: String,
}

/// A robot URL as it may be shown: scheme, host, port and path only.
pub fn robot_url_for_display(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => brm_logging::redact(no_query),
    }
}

impl Desk {
    /// The report; every role may ask. The store's part (server version, migration,
    /// failed executions) is best effort: a database that does not answer is reported,
    /// not an error.
    pub async fn diagnostics(&self, token: &str, ctx: DiagnosticsContext) -> Result<Diagnostics> {
        self.sessions.get(token)?;
        let backend = match self.store.backend() {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        };
        let mut database = DatabaseInfo {
            backend: backend.into(),
            server_version: None,
            migration: None,
            location: ctx
                .database_location
                .as_deref()
                .filter(|l| !l.is_empty())
                .map(|l| brm_logging::redact(&brm_store::redact_url(l))),
            security: None,
            error: None,
        };
        match self.observe(self.store.server_info().await) {
            Ok(info) => {
                database.server_version = Some(info.version);
                database.migration = info.migration;
                database.security = info.security;
            }
            Err(e) => database.error = Some(brm_core::Error::from(e).message),
        }
        let failed_executions = match self
            .store
            .list_executions(&ExecutionFilter {
                status: Some(ExecutionStatus::Falhou),
                page_size: FAILED_EXECUTIONS,
                ..Default::default()
            })
            .await
        {
            Ok(page) => page
                .items
                .into_iter()
                .map(|r| FailedExecution {
                    created_at: r.execution.created_at,
                    client: r.client_name,
                    operator: r.operator_name,
                    kind: r.execution.kind.label().into(),
                    error: r.execution.error.map(|e| brm_logging::redact(&e)),
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let robot = ctx.robot.map(|mut r| {
            r.url = r.url.as_deref().map(robot_url_for_display);
            r.message = brm_logging::redact(&r.message);
            r
        });
        let mut report = Diagnostics {
            generated_at: self.clock.now(),
            app_version: ctx.app_version,
            tauri_version: ctx.tauri_version,
            webview_version: ctx.webview_version,
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            database,
            robot,
            storage: ctx
                .storage
                .or_else(|| self.robot_hooks().map(|r| r.storage.describe()))
                .map(|s| brm_logging::redact(&s)),
            log_dir: ctx.log_dir,
            recent_events: ctx
                .recent_events
                .into_iter()
                .take(RECENT_EVENTS)
                .map(|mut e| {
                    e.message = brm_logging::redact(&e.message);
                    e
                })
                .collect(),
            failed_executions,
            text: String::new(),
        };
        report.text = as_text(&report);
        Ok(report)
    }
}

fn when(t: DateTime<Utc>) -> String {
    brasilia(t).format("%d/%m/%Y %H:%M:%S").to_string()
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("—")
}

/// The plain-text report, in pt-BR.
pub fn as_text(d: &Diagnostics) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "BRM RPA Desk — diagnóstico");
    let _ = writeln!(
        t,
        "Gerado em: {} (horário de Brasília)",
        when(d.generated_at)
    );
    let _ = writeln!(t);
    let _ = writeln!(t, "[Versões]");
    let _ = writeln!(t, "Aplicativo: {}", d.app_version);
    let _ = writeln!(t, "Tauri: {}", or_dash(&d.tauri_version));
    let _ = writeln!(t, "WebView: {}", or_dash(&d.webview_version));
    let _ = writeln!(t, "Sistema: {} ({})", d.os, d.arch);
    let _ = writeln!(t);
    let _ = writeln!(t, "[Banco de dados]");
    let _ = writeln!(t, "Tipo: {}", d.database.backend);
    let _ = writeln!(
        t,
        "Versão do servidor: {}",
        or_dash(&d.database.server_version)
    );
    let _ = writeln!(
        t,
        "Migração: {}",
        d.database
            .migration
            .map_or_else(|| "—".to_string(), |m| format!("{m:04}"))
    );
    let _ = writeln!(t, "Local: {}", or_dash(&d.database.location));
    if let Some(s) = &d.database.security {
        let _ = writeln!(t, "Conexão: {}", s.sentence());
    }
    if let Some(e) = &d.database.error {
        let _ = writeln!(t, "Erro: {e}");
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "[Robô]");
    match &d.robot {
        Some(r) => {
            let _ = writeln!(t, "Situação: {}", r.state_label);
            let _ = writeln!(t, "Mensagem: {}", r.message);
            let _ = writeln!(
                t,
                "Última verificação: {}",
                r.checked_at.map_or_else(|| "—".to_string(), when)
            );
            let _ = writeln!(t, "Endereço: {}", or_dash(&r.url));
        }
        None => {
            let _ = writeln!(t, "Serviço de robôs não iniciado");
        }
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "[Armazenamento e registros]");
    let _ = writeln!(t, "Faturas: {}", or_dash(&d.storage));
    let _ = writeln!(t, "Pasta de registros: {}", or_dash(&d.log_dir));
    let _ = writeln!(t);
    let _ = writeln!(t, "[Últimos avisos e erros]");
    if d.recent_events.is_empty() {
        let _ = writeln!(t, "Nenhum");
    }
    for e in &d.recent_events {
        let _ = writeln!(t, "{} {} {}: {}", when(e.at), e.level, e.target, e.message);
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "[Execuções com falha recentes]");
    if d.failed_executions.is_empty() {
        let _ = writeln!(t, "Nenhuma");
    }
    for e in &d.failed_executions {
        let _ = writeln!(
            t,
            "{} {} — {} ({}): {}",
            when(e.created_at),
            e.kind,
            e.client,
            e.operator,
            e.error.as_deref().unwrap_or("sem mensagem")
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robot_urls_lose_credentials_and_query() {
        assert_eq!(
            robot_url_for_display("https://u:segredo@robo.beg.com.br:8443/api?token=abc"),
            "https://robo.beg.com.br:8443/api"
        );
        assert_eq!(
            robot_url_for_display("http://127.0.0.1:4567"),
            "http://127.0.0.1:4567"
        );
    }
}
