//! What the services hand the store to write, beyond the domain entities themselves.

use brm_core::audit::AuditEvent;
use brm_core::client::Client;
use brm_core::operator::name_key;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What to do with a client's sealed portal password on a write.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordWrite {
    Keep,
    /// The sealed text ("v1:..."), never the plain password.
    Set(String),
    Clear,
}

impl std::fmt::Debug for PasswordWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Keep => "Keep",
            Self::Set(_) => "Set(***)",
            Self::Clear => "Clear",
        })
    }
}

/// A client as written: the entity plus its password change.
#[derive(Debug, Clone)]
pub struct ClientWrite {
    pub client: Client,
    pub password: PasswordWrite,
}

impl ClientWrite {
    pub fn unit_key(&self) -> String {
        name_key(&self.client.unit)
    }

    pub fn service_key(&self) -> String {
        name_key(&self.client.service)
    }

    pub fn search_text(&self) -> String {
        let c = &self.client;
        search_text(&[
            &c.legal_name,
            c.sat_name.as_deref().unwrap_or(""),
            &c.cnpj,
            c.hash.as_deref().unwrap_or(""),
            c.account_filter.as_deref().unwrap_or(""),
        ])
    }
}

/// One row of an import commit: a new client (`expected_version = None`) or an update.
#[derive(Debug, Clone)]
pub struct ImportWrite {
    pub line: usize,
    pub write: ClientWrite,
    pub expected_version: Option<i64>,
    pub audit: AuditEvent,
}

/// The monthly creation's parameters.
#[derive(Debug, Clone)]
pub struct MonthRequest {
    pub month: String,
    pub operator_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// True when the schedule, not a person, asked.
    pub auto: bool,
    pub now: DateTime<Utc>,
}

/// Lower-case, accent-free, single-spaced text, so "Solucoes" finds "SOLUÇÕES" with one
/// LIKE that works the same in SQLite (whose lower() is ASCII-only) and PostgreSQL.
pub fn search_text(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    fold(&joined)
}

pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        out.push(match ch {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        });
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spaces() {
        assert_eq!(
            search_text(&["SOLUÇÕES  Comércio", "", "12345678000195"]),
            "solucoes comercio 12345678000195"
        );
    }
}
