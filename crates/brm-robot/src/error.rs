//! Failures of a call to the robot service, classified for the retry policy.

use brm_core::execution::ErrorClass;

/// Raw bodies kept in errors are cut to this many bytes.
pub const RAW_LIMIT: usize = 4 * 1024;

/// The message shown when the service refuses the token (HTTP 401).
pub const UNAUTHORIZED_MESSAGE: &str = "O token do serviço de robôs é inválido ou expirou: um \
     administrador precisa cadastrar um novo token. Nenhuma nova chamada ao robô será feita até lá.";

/// What kind of failure a call ended with; decides whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RobotErrorKind {
    /// 401: the token must be replaced by an administrator; never retried.
    Unauthorized,
    /// Timeouts, connect errors, 5xx, 408/429, dropped connections, malformed answers.
    Transient,
    /// 404 operator not found, 422, 400, other 4xx, invalid configuration.
    Business,
    /// 404 "Job ... não encontrado" on a status query: the service forgot the job
    /// (purged 24 h after it ended, or restarted).
    JobLost,
}

/// A failed call to the robot service. `message` is pt-BR, for people; it never holds
/// the token or a portal password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RobotError {
    pub kind: RobotErrorKind,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    /// pt-BR, for people.
    pub message: String,
    /// The service's own `detail` text, when it sent one.
    pub detail: Option<String>,
    /// The raw body (secrets masked), truncated to 4 KiB.
    pub raw: Option<String>,
    /// The request reached the service and may have taken effect there although no good
    /// answer came back (a timeout, a dropped or garbled answer, a 5xx): a create that
    /// failed so must be reconciled with the service before it is sent again.
    pub effect_unknown: bool,
}

impl RobotError {
    pub(crate) fn new(kind: RobotErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
            detail: None,
            raw: None,
            effect_unknown: false,
        }
    }

    /// Marks a failure after which the service may have done what was asked.
    pub(crate) fn effect_unknown(mut self) -> Self {
        self.effect_unknown = true;
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }

    pub(crate) fn with_raw(mut self, raw: Option<String>) -> Self {
        self.raw = raw.map(|r| truncate(&r, RAW_LIMIT));
        self
    }

    /// TRANSITORIO for transient failures and lost jobs (retried automatically);
    /// NEGOCIO for business refusals and a refused token (a person acts).
    pub fn class(&self) -> ErrorClass {
        match self.kind {
            RobotErrorKind::Transient | RobotErrorKind::JobLost => ErrorClass::Transitorio,
            RobotErrorKind::Business | RobotErrorKind::Unauthorized => ErrorClass::Negocio,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.kind == RobotErrorKind::Unauthorized
    }

    pub fn is_transient(&self) -> bool {
        self.kind == RobotErrorKind::Transient
    }

    pub fn is_job_lost(&self) -> bool {
        self.kind == RobotErrorKind::JobLost
    }

    /// False only when the failure proves the service did nothing (a refused connection,
    /// a 4xx): then a create may be sent again at once. True after a timeout, a dropped
    /// or malformed answer or a 5xx: the service may have queued the job before failing.
    pub fn may_have_taken_effect(&self) -> bool {
        self.effect_unknown
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Lower case without Portuguese accents, for keyword matching (brm-core's).
pub(crate) use brm_core::execution::fold_text as fold;

/// Classifies the `error` text of a FAILED job by brm-core's one list of business
/// failure words ([`brm_core::execution::BUSINESS_FAILURE_WORDS`], tested there phrase
/// by phrase): credentials, authentication, captcha, a locked or closed account, an
/// invoice not found → NEGOCIO; anything else → TRANSITORIO.
pub fn classify_job_error(error: &str) -> ErrorClass {
    brm_core::execution::classify_robot_failure(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_errors() {
        for e in [
            "Credenciais inválidas",
            "Invalid credentials",
            "SENHA incorreta",
            "Falha no LOGIN do portal",
            "Conta encerrada",
            "Contrato CANCELADO",
            "Fatura não encontrada",
            "Cliente nao encontrado",
            "Acesso Negado",
            "Usuário bloqueado",
            "wrong password",
        ] {
            assert_eq!(classify_job_error(e), ErrorClass::Negocio, "{e}");
        }
        for e in [
            "Timeout esperando elemento",
            "selenium.common.exceptions.WebDriverException: chrome crashed",
            "Erro interno",
            "",
        ] {
            assert_eq!(classify_job_error(e), ErrorClass::Transitorio, "{e}");
        }
    }

    #[test]
    fn truncates_on_char_boundary() {
        let s = "ã".repeat(3000);
        let t = truncate(&s, RAW_LIMIT);
        assert!(t.len() <= RAW_LIMIT + '…'.len_utf8());
        assert!(t.ends_with('…'));
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn classes() {
        let e = RobotError::new(RobotErrorKind::JobLost, "x");
        assert_eq!(e.class(), ErrorClass::Transitorio);
        let e = RobotError::new(RobotErrorKind::Unauthorized, "x");
        assert_eq!(e.class(), ErrorClass::Negocio);
        assert!(e.is_unauthorized());
    }
}
