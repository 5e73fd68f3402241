//! One error type for every layer: a stable machine `code`, a pt-BR `message` a person
//! can act on, and, for forms, the message of each offending field. It is serialised to
//! the window as `{code, message, fields}` exactly as it is here.

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Input that breaks a rule; `fields` says which.
    Validation,
    /// Unique name, code or e-mail already used, or a stale version.
    Conflict,
    NotFound,
    /// Not logged in, or the session ended.
    Unauthenticated,
    /// Logged in, but the role does not allow it.
    Forbidden,
    InvalidCredentials,
    AccountLocked,
    /// The first administrator exists already.
    AlreadyInitialized,
    /// The database cannot be reached or refused the operation.
    Database,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A validation error for one or more fields; the message lists them all so a
    /// person reading only the banner still knows what to fix.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            code: ErrorCode::Validation,
            message,
            fields,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_string(),
            message: message.into(),
        }])
    }

    pub fn conflict_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code: ErrorCode::Conflict,
            message: message.clone(),
            fields: vec![FieldError {
                field: field.to_string(),
                message,
            }],
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "Sua sessão terminou. Entre novamente.",
        )
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(
            ErrorCode::Forbidden,
            format!("Seu perfil não permite {what}."),
        )
    }

    pub fn database(detail: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::Database,
            format!("Não foi possível acessar o banco de dados: {detail}"),
        )
    }

    /// Replaces the summary message, keeping code and fields.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("Erro interno: {detail}"))
    }
}

/// Collects field errors while a form is checked, so every problem is reported at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        // Keep the first message of a field: it is the most basic one (blank before format).
        if !self.0.iter().any(|f| f.field == field) {
            self.0.push(FieldError {
                field: field.to_string(),
                message: message.into(),
            });
        }
    }

    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_message_fields() {
        let e = Error::field("name", "Informe o nome.");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "VALIDATION",
                "message": "Informe o nome.",
                "fields": [{"field": "name", "message": "Informe o nome."}]
            })
        );
        let plain = serde_json::to_value(Error::unauthenticated()).unwrap();
        assert_eq!(plain["code"], "UNAUTHENTICATED");
        assert!(plain.get("fields").is_none());
    }

    #[test]
    fn violations_keep_first_message_per_field() {
        let mut v = Violations::default();
        v.add("code", "Informe o código.");
        v.add("code", "Formato inválido.");
        v.add("name", "Informe o nome.");
        let err = v.into_result().unwrap_err();
        assert_eq!(err.fields.len(), 2);
        assert_eq!(err.message, "Informe o código. Informe o nome.");
    }
}
