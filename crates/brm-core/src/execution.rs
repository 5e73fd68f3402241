//! Executions (execuções): one robot run, or one manual upload, for a process; and the
//! log lines the robot reports, kept in their own table.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An enum whose variants travel as fixed upper-case wire values (database and window).
macro_rules! wire_enum {
    ($name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum!(ExecutionKind {
    DownloadFatura = "DOWNLOAD_FATURA",
    UploadSat = "UPLOAD_SAT",
    UploadManual = "UPLOAD_MANUAL",
});

wire_enum!(ExecutionStatus {
    Pendente = "PENDENTE",
    Executando = "EXECUTANDO",
    Concluido = "CONCLUIDO",
    Falhou = "FALHOU",
    Timeout = "TIMEOUT",
    Cancelado = "CANCELADO",
});

// TRANSITORIO: timeouts, 5xx, refused connections, a lost job: retried automatically.
// NEGOCIO: wrong portal password, closed account, unknown operator (404/422): a person
// acts.
wire_enum!(ErrorClass {
    Transitorio = "TRANSITORIO",
    Negocio = "NEGOCIO",
});

impl ExecutionKind {
    /// What a person reads (the window's `EXECUTION_KIND_LABEL`, exports).
    pub fn label(self) -> &'static str {
        match self {
            Self::DownloadFatura => "Download da fatura",
            Self::UploadSat => "Envio ao SAT",
            Self::UploadManual => "Envio manual",
        }
    }
}

impl ExecutionStatus {
    /// What a person reads (the window's `EXECUTION_STATUS_LABEL`, exports).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pendente => "Pendente",
            Self::Executando => "Executando",
            Self::Concluido => "Concluída",
            Self::Falhou => "Falhou",
            Self::Timeout => "Tempo esgotado",
            Self::Cancelado => "Cancelada",
        }
    }

    /// Still owned by the robot: the poller asks about these.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pendente | Self::Executando)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    pub id: Uuid,
    pub process_id: Uuid,
    pub kind: ExecutionKind,
    pub status: ExecutionStatus,
    pub job_id: Option<String>,
    pub endpoint: Option<String>,
    /// The request as sent, with secrets replaced by "***".
    pub request: Option<serde_json::Value>,
    pub result: Option<serde_json::Value>,
    pub progress: i64,
    pub attempt: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
    /// A user's name, or "agendamento"/"sistema" for the background service.
    pub triggered_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The robot's own index of the line: with the execution it is unique, so a line
    /// polled twice is stored once.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub level: String,
    pub message: String,
}

/// A row of the executions screen: the execution with what the list shows of its
/// process, client and operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRow {
    #[serde(flatten)]
    pub execution: Execution,
    pub client_name: String,
    pub operator_id: Uuid,
    pub operator_name: String,
    pub reference_month: String,
    pub process_status: crate::process::ProcessStatus,
}

/// Filters of the executions screen; every one optional. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutionFilter {
    pub status: Option<ExecutionStatus>,
    pub kind: Option<ExecutionKind>,
    pub operator_id: Option<Uuid>,
    /// Reference month of the process, "YYYY-MM".
    pub month: Option<String>,
    pub process_id: Option<Uuid>,
    /// Client name, CNPJ or robot job id, ignoring case and accents.
    pub search: Option<String>,
    /// Only PENDENTE and EXECUTANDO.
    pub open_only: bool,
    pub page: i64,
    pub page_size: i64,
}

impl ExecutionFilter {
    /// Pages count from 0, as in every other list.
    pub fn limit_offset(&self) -> (i64, i64) {
        let size = self.page_size.clamp(1, 200);
        (size, self.page.max(0) * size)
    }
}

/// Words (lower case, accents folded) in a robot's failure that a person must act on:
/// the portal refused the client's credentials, locked the account, asked for a captcha,
/// or the account or invoice does not exist. Retrying can get the client's portal account
/// locked, so these are business failures, never retried automatically, and they win over
/// any transient hint in the same text. The one list the worker classifies by; each phrase
/// the robot service is known to use is in the tests below.
pub const BUSINESS_FAILURE_WORDS: &[&str] = &[
    "credencia",  // credencial, credenciais
    "credential", // credentials
    "password",
    "senha",
    "login",
    "autentica", // autenticação, autenticar
    "authentica",
    "captcha",
    "conta encerrada",
    "cancelad",
    "nao encontrad",
    "acesso negado",
    "access denied",
    "bloquead",
    "blocked",
    "locked",
];

/// Lower case without Portuguese accents, for matching robot texts.
pub fn fold_text(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// How a FAILED robot job is handled, from its `error` text: a business failure
/// ([`BUSINESS_FAILURE_WORDS`]) goes straight to "Precisa de atenção"; anything else
/// (timeouts, Selenium crashes, "erro interno", an empty or unknown text) is transient
/// and retried as the operator's limit allows.
pub fn classify_robot_failure(error: &str) -> ErrorClass {
    let folded = fold_text(error);
    if BUSINESS_FAILURE_WORDS.iter().any(|w| folded.contains(w)) {
        ErrorClass::Negocio
    } else {
        ErrorClass::Transitorio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values() {
        for k in ExecutionKind::ALL {
            assert_eq!(ExecutionKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in ExecutionStatus::ALL {
            assert_eq!(ExecutionStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ErrorClass::parse("NEGOCIO"), Some(ErrorClass::Negocio));
        assert!(ExecutionStatus::Executando.is_open());
        assert!(!ExecutionStatus::Timeout.is_open());
    }

    #[test]
    fn labels_are_pt_br_words() {
        let kinds: Vec<_> = ExecutionKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(
            kinds,
            ["Download da fatura", "Envio ao SAT", "Envio manual"]
        );
        let statuses: Vec<_> = ExecutionStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            statuses,
            [
                "Pendente",
                "Executando",
                "Concluída",
                "Falhou",
                "Tempo esgotado",
                "Cancelada"
            ]
        );
    }

    /// The phrases the robot service and the bundled simulator are known to use, and the
    /// one that was retried before (a wrong portal password said as "Erro de autenticação
    /// na operadora", which a portal may answer by locking the client's account).
    #[test]
    fn credential_and_account_failures_are_business_and_never_retried() {
        for e in [
            "Erro de autenticação na operadora",
            "Falha de autenticação no portal",
            "Authentication failed",
            "Login ou senha inválidos no portal da operadora",
            "Credenciais inválidas",
            "Invalid credentials",
            "SENHA incorreta",
            "Senha expirada: troque a senha no portal",
            "Falha no LOGIN do portal",
            "Captcha não resolvido",
            "reCAPTCHA required",
            "Usuário bloqueado",
            "Conta bloqueada por excesso de tentativas",
            "Account locked",
            "User blocked by the portal",
            "Conta encerrada",
            "Contrato CANCELADO",
            "Fatura não encontrada",
            "Cliente nao encontrado",
            "Acesso Negado",
            "Access denied",
            "wrong password",
            // A business word wins over a transient one in the same text.
            "Timeout após erro de autenticação",
        ] {
            assert_eq!(classify_robot_failure(e), ErrorClass::Negocio, "{e}");
        }
        for e in [
            "Tempo esgotado aguardando o portal da operadora",
            "Timeout esperando elemento",
            "selenium.common.exceptions.WebDriverException: chrome crashed",
            "Erro interno",
            "Portal fora do ar (HTTP 503)",
            "",
            "Algo inesperado aconteceu",
        ] {
            assert_eq!(classify_robot_failure(e), ErrorClass::Transitorio, "{e}");
        }
    }
}
