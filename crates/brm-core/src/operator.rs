//! Operators (operadoras): the telecom companies whose portals the robots visit.

use crate::error::{Result, Violations};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const NAME_MAX: usize = 100;
pub const CODE_MAX: usize = 30;
pub const INSTRUCTIONS_MAX: usize = 4000;
pub const URL_MAX: usize = 500;
/// Robot timeout, seconds. The robot service queues at most 5 jobs at a time and a portal
/// can be slow, so allow up to two hours, but never less than 30 s.
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 30..=7200;
pub const TIMEOUT_DEFAULT: i64 = 300;
pub const ATTEMPTS_RANGE: std::ops::RangeInclusive<i64> = 1..=10;
pub const ATTEMPTS_DEFAULT: i64 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: Uuid,
    pub name: String,
    pub code: String,
    pub has_rpa: bool,
    pub rpa_outsourced: bool,
    pub rpa_endpoint_url: Option<String>,
    pub portal_url: Option<String>,
    pub access_instructions: Option<String>,
    pub timeout_secs: i64,
    pub max_attempts: i64,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Operator {
    /// The fields a person edits, as audited (no ids or timestamps).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "code": self.code,
            "has_rpa": self.has_rpa,
            "rpa_outsourced": self.rpa_outsourced,
            "rpa_endpoint_url": self.rpa_endpoint_url,
            "portal_url": self.portal_url,
            "access_instructions": self.access_instructions,
            "timeout_secs": self.timeout_secs,
            "max_attempts": self.max_attempts,
            "active": self.active,
        })
    }
}

/// What the form sends. Numbers arrive as numbers; the window does not pre-validate
/// anything this does not check again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct OperatorInput {
    pub name: String,
    pub code: String,
    pub has_rpa: bool,
    pub rpa_outsourced: bool,
    pub rpa_endpoint_url: Option<String>,
    pub portal_url: Option<String>,
    pub access_instructions: Option<String>,
    pub timeout_secs: Option<i64>,
    pub max_attempts: Option<i64>,
}

/// Input that passed every rule, trimmed and with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOperator {
    pub name: String,
    pub code: String,
    pub has_rpa: bool,
    pub rpa_outsourced: bool,
    pub rpa_endpoint_url: Option<String>,
    pub portal_url: Option<String>,
    pub access_instructions: Option<String>,
    pub timeout_secs: i64,
    pub max_attempts: i64,
}

/// The key that makes names unique regardless of case and spacing: "Vivo " and
/// "VIVO" are the same operator.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn blank_to_none(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// An absolute http(s) address with a host, as the robot client and the browser need.
pub fn is_http_url(s: &str) -> bool {
    match url::Url::parse(s) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

impl OperatorInput {
    pub fn validate(&self) -> Result<ValidOperator> {
        let mut v = Violations::default();
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        let code = self.code.trim().to_string();

        if name.is_empty() {
            v.add("name", "Informe o nome da operadora.");
        } else if name.chars().count() > NAME_MAX {
            v.add(
                "name",
                format!("O nome pode ter no máximo {NAME_MAX} caracteres."),
            );
        }

        if code.is_empty() {
            v.add("code", "Informe o código da operadora (ex.: VIVO).");
        } else if !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            v.add(
                "code",
                "O código deve ter apenas letras maiúsculas sem acento, números e _ (ex.: VIVO, OI_FIXO).",
            );
        } else if code.len() > CODE_MAX {
            v.add(
                "code",
                format!("O código pode ter no máximo {CODE_MAX} caracteres."),
            );
        }

        let endpoint = blank_to_none(&self.rpa_endpoint_url);
        if self.rpa_outsourced {
            if !self.has_rpa {
                v.add(
                    "rpa_outsourced",
                    "Robô terceirizado exige marcar \"Possui robô\".",
                );
            }
            match &endpoint {
                None => v.add(
                    "rpa_endpoint_url",
                    "Robô terceirizado exige a URL do endpoint (http:// ou https://).",
                ),
                Some(u) if !is_http_url(u) || u.len() > URL_MAX => v.add(
                    "rpa_endpoint_url",
                    "A URL do endpoint do robô deve começar com http:// ou https:// e ter um endereço válido.",
                ),
                _ => {}
            }
        }

        let portal_url = blank_to_none(&self.portal_url);
        if let Some(u) = &portal_url {
            if !is_http_url(u) || u.len() > URL_MAX {
                v.add(
                    "portal_url",
                    "A URL do portal deve começar com http:// ou https:// e ter um endereço válido.",
                );
            }
        }

        let access_instructions = blank_to_none(&self.access_instructions);
        if access_instructions
            .as_ref()
            .is_some_and(|s| s.chars().count() > INSTRUCTIONS_MAX)
        {
            v.add(
                "access_instructions",
                format!(
                    "As instruções de acesso podem ter no máximo {INSTRUCTIONS_MAX} caracteres."
                ),
            );
        }

        let timeout_secs = self.timeout_secs.unwrap_or(TIMEOUT_DEFAULT);
        if !TIMEOUT_RANGE.contains(&timeout_secs) {
            v.add(
                "timeout_secs",
                format!(
                    "O tempo limite do robô deve estar entre {} e {} segundos.",
                    TIMEOUT_RANGE.start(),
                    TIMEOUT_RANGE.end()
                ),
            );
        }
        let max_attempts = self.max_attempts.unwrap_or(ATTEMPTS_DEFAULT);
        if !ATTEMPTS_RANGE.contains(&max_attempts) {
            v.add(
                "max_attempts",
                format!(
                    "O número máximo de tentativas deve estar entre {} e {}.",
                    ATTEMPTS_RANGE.start(),
                    ATTEMPTS_RANGE.end()
                ),
            );
        }

        v.into_result()?;
        Ok(ValidOperator {
            name,
            code,
            has_rpa: self.has_rpa,
            rpa_outsourced: self.rpa_outsourced,
            // An endpoint only means something for an outsourced robot; do not keep a
            // stale one that the robot client might pick up later.
            rpa_endpoint_url: if self.rpa_outsourced { endpoint } else { None },
            portal_url,
            access_instructions,
            timeout_secs,
            max_attempts,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OperatorFilter {
    /// Matches name or code, ignoring case.
    pub search: Option<String>,
    /// None: all; Some(true): only active; Some(false): only inactive.
    pub active: Option<bool>,
    pub page: u32,
    pub page_size: u32,
}

pub const PAGE_SIZE_DEFAULT: u32 = 50;
pub const PAGE_SIZE_MAX: u32 = 200;

impl OperatorFilter {
    pub fn limit_offset(&self) -> (i64, i64) {
        let size = match self.page_size {
            0 => PAGE_SIZE_DEFAULT,
            n => n.min(PAGE_SIZE_MAX),
        } as i64;
        (size, self.page as i64 * size)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn input() -> OperatorInput {
        OperatorInput {
            name: "  Vivo   Empresas ".into(),
            code: " VIVO ".into(),
            has_rpa: true,
            ..Default::default()
        }
    }

    fn fields_of(i: &OperatorInput) -> Vec<String> {
        let e = i.validate().unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        e.fields.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn trims_and_fills_defaults() {
        let v = input().validate().unwrap();
        assert_eq!(v.name, "Vivo Empresas");
        assert_eq!(v.code, "VIVO");
        assert_eq!(v.timeout_secs, 300);
        assert_eq!(v.max_attempts, 3);
        assert_eq!(v.rpa_endpoint_url, None);
    }

    #[test]
    fn blank_name_is_refused_in_portuguese() {
        let e = OperatorInput {
            name: "   ".into(),
            ..input()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields[0].field, "name");
        assert_eq!(e.fields[0].message, "Informe o nome da operadora.");
    }

    #[test]
    fn code_must_be_upper_digits_underscore() {
        for bad in ["vivo", "VIVO-FIXO", "VIVÓ", "OI FIXO", ""] {
            let i = OperatorInput {
                code: bad.into(),
                ..input()
            };
            assert_eq!(fields_of(&i), vec!["code"], "{bad:?}");
        }
        for good in ["OI", "OI_FIXO", "NET2"] {
            assert!(OperatorInput {
                code: good.into(),
                ..input()
            }
            .validate()
            .is_ok());
        }
    }

    #[test]
    fn outsourced_needs_http_url_and_a_robot() {
        let mut i = OperatorInput {
            rpa_outsourced: true,
            ..input()
        };
        assert_eq!(fields_of(&i), vec!["rpa_endpoint_url"]);
        for bad in [
            "ftp://robo.exemplo",
            "robo.exemplo.com",
            "http://",
            "javascript:alert(1)",
        ] {
            i.rpa_endpoint_url = Some(bad.into());
            assert_eq!(fields_of(&i), vec!["rpa_endpoint_url"], "{bad}");
        }
        i.rpa_endpoint_url = Some(" https://robo.exemplo.com.br:8000 ".into());
        assert_eq!(
            i.validate().unwrap().rpa_endpoint_url.as_deref(),
            Some("https://robo.exemplo.com.br:8000")
        );
        i.has_rpa = false;
        assert_eq!(fields_of(&i), vec!["rpa_outsourced"]);
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        for (t, a) in [
            (Some(0), Some(3)),
            (Some(7201), Some(3)),
            (Some(300), Some(0)),
            (Some(300), Some(11)),
        ] {
            let i = OperatorInput {
                timeout_secs: t,
                max_attempts: a,
                ..input()
            };
            assert_eq!(fields_of(&i).len(), 1, "{t:?} {a:?}");
        }
        let i = OperatorInput {
            timeout_secs: Some(-1),
            max_attempts: Some(99),
            ..input()
        };
        assert_eq!(fields_of(&i), vec!["timeout_secs", "max_attempts"]);
    }

    #[test]
    fn name_key_ignores_case_and_spacing() {
        assert_eq!(name_key(" Vivo  Empresas "), name_key("VIVO EMPRESAS"));
    }
}
