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

/// At most this many of a job's log lines are stored (a robot that writes without end
/// must not fill the database); one more line says the rest was left out.
pub const MAX_LOG_LINES: usize = 500;
/// A stored log line is cut at this many characters.
pub const MAX_LOG_LINE_CHARS: usize = 1_000;
/// What replaces the client's portal password wherever a robot writes it.
pub const MASK: &str = "••••••";

/// A robot's log line as it may be stored: every occurrence of `secret` (the client's
/// portal password, when it has at least 4 characters, so a short one does not blank out
/// ordinary words) masked, control characters but tab turned into spaces, and cut at
/// [`MAX_LOG_LINE_CHARS`].
pub fn storable_log_line(message: &str, secret: Option<&str>) -> String {
    let mut text = match secret.filter(|s| s.chars().count() >= 4) {
        Some(s) => message.replace(s, MASK),
        None => message.to_string(),
    };
    if text.chars().any(|c| c.is_control() && c != '\t') {
        text = text
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
    }
    if text.chars().count() > MAX_LOG_LINE_CHARS {
        let cut: String = text.chars().take(MAX_LOG_LINE_CHARS).collect();
        text = format!("{cut}… (linha cortada)");
    }
    text
}

/// The line stored after the last one kept, when a job wrote more than [`MAX_LOG_LINES`].
pub fn log_lines_left_out(written: usize) -> String {
    format!(
        "O robô escreveu {written} linhas de registro; só as primeiras {MAX_LOG_LINES} foram guardadas."
    )
}

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

    #[test]
    fn a_log_line_never_stores_the_portal_password_and_is_bounded() {
        let pw = "Sup3r-Senha!";
        assert_eq!(
            storable_log_line(
                "login com usuario 123 e senha Sup3r-Senha! (tentativa Sup3r-Senha!)",
                Some(pw)
            ),
            "login com usuario 123 e senha •••••• (tentativa ••••••)"
        );
        // A password too short to mask safely is left alone; no password, nothing masked.
        assert_eq!(storable_log_line("abc abc", Some("abc")), "abc abc");
        assert_eq!(storable_log_line("ok", None), "ok");
        // Control characters (a terminal's escape codes, a NUL) become spaces.
        assert_eq!(
            storable_log_line("a\u{1b}[31mb\u{0}c\td", None),
            "a [31mb c\td"
        );
        let long = "x".repeat(5_000);
        let cut = storable_log_line(&long, None);
        assert!(cut.starts_with(&"x".repeat(MAX_LOG_LINE_CHARS)));
        assert!(cut.ends_with("… (linha cortada)"));
        assert_eq!(
            cut.chars().count(),
            MAX_LOG_LINE_CHARS + "… (linha cortada)".chars().count()
        );
        assert!(log_lines_left_out(12_000).contains("12000 linhas"));
    }
}
