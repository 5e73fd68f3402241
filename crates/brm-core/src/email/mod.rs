//! E-mail to approvers (issue 21), free of any mail library: the SMTP settings and their
//! checks, the rules and their numbers, each person's preference, the outbox's message
//! and its states, what each rule decides to send ([`plan`]) and the words it sends
//! ([`render`]). The worker sends; the service saves settings; both read these.

pub mod plan;
pub mod render;

use crate::error::Violations;
use crate::execution::wire_enum;
use crate::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Settings keys (the `settings` table, audited like every setting).
pub const SETTING_SMTP: &str = "email.smtp";
/// The SMTP password, sealed to the approved robot machines (`brm_secrets::seal_to`,
/// bound to [`SMTP_PASSWORD_AAD`]): the machines that send open it, no desktop can.
pub const SETTING_SMTP_PASSWORD: &str = "email.smtp.senha";
pub const SMTP_PASSWORD_AAD: &str = "email.smtp";
pub const SETTING_RULES: &str = "email.regras";

wire_enum!(SmtpSecurity {
    StartTls = "STARTTLS",
    Tls = "TLS",
    Nenhuma = "NENHUMA",
});

impl SmtpSecurity {
    pub fn label(self) -> &'static str {
        match self {
            Self::StartTls => "STARTTLS",
            Self::Tls => "TLS direto",
            Self::Nenhuma => "Nenhuma (só nesta máquina)",
        }
    }

    /// The port a server usually listens on for this kind of connection.
    pub fn usual_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::Nenhuma => 25,
        }
    }
}

/// Where the messages go out: the server and who they come from. The password is kept
/// apart (sealed), never in this value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    #[serde(default)]
    pub user: String,
    pub sender_name: String,
    pub sender_address: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: SmtpSecurity::StartTls,
            user: String::new(),
            sender_name: "BRM RPA Desk".into(),
            sender_address: String::new(),
        }
    }
}

/// Whether `host` names this machine ("localhost", 127.0.0.0/8, ::1, bracketed or not):
/// the only place a connection without TLS may go (a password or an invoice list must not
/// cross the office network in clear text). `brm-mail` checks with this same function
/// before it connects.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// A plausible e-mail address: one `@`, something before, a dotted or loopback-style
/// domain after, no spaces or angle brackets (the server has the last word).
pub fn is_email_address(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || "<>,;\"".contains(c))
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

impl SmtpSettings {
    /// Trimmed copy, or every wrong field with a pt-BR reason (fields `smtp.*`).
    pub fn validate(&self) -> Result<SmtpSettings> {
        let mut v = Violations::default();
        let s = SmtpSettings {
            host: self.host.trim().to_string(),
            port: self.port,
            security: self.security,
            user: self.user.trim().to_string(),
            sender_name: self.sender_name.trim().to_string(),
            sender_address: self.sender_address.trim().to_string(),
        };
        if s.host.is_empty() {
            v.add(
                "smtp.host",
                "Informe o servidor de e-mail (ex.: smtp.empresa.com.br).",
            );
        } else if s
            .host
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == '@')
        {
            v.add(
                "smtp.host",
                "Informe só o nome ou o IP do servidor, sem espaços, barras ou \"@\".",
            );
        }
        if s.port == 0 {
            v.add("smtp.port", "Informe a porta (de 1 a 65535).");
        }
        if s.security == SmtpSecurity::Nenhuma && !s.host.is_empty() && !is_loopback_host(&s.host) {
            v.add(
                "smtp.security",
                "Sem TLS, a senha e as faturas passariam pela rede sem proteção: use STARTTLS \
                 ou TLS direto (\"Nenhuma\" só vale para um servidor nesta máquina, 127.0.0.1).",
            );
        }
        if s.sender_name.chars().count() > 120 {
            v.add("smtp.sender_name", "Use até 120 caracteres.");
        }
        if s.sender_name.chars().any(|c| c.is_control()) {
            v.add(
                "smtp.sender_name",
                "O nome do remetente não pode ter quebras de linha.",
            );
        }
        if s.sender_address.is_empty() {
            v.add("smtp.sender_address", "Informe o endereço do remetente.");
        } else if !is_email_address(&s.sender_address) {
            v.add(
                "smtp.sender_address",
                "Endereço de e-mail inválido (ex.: faturas@empresa.com.br).",
            );
        }
        if s.user.chars().any(|c| c.is_control()) {
            v.add("smtp.user", "O usuário não pode ter quebras de linha.");
        }
        v.into_result()?;
        Ok(s)
    }

    /// Whether enough is filled in to send.
    pub fn configured(&self) -> bool {
        !self.host.trim().is_empty() && !self.sender_address.trim().is_empty()
    }
}

/// The rules' numbers (Configurações → E-mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailRules {
    /// The daily digest's hour (Brasília) for people who did not choose their own.
    pub digest_hour: u32,
    /// "Vencem em até N dias" in the digest.
    pub due_soon_days: i64,
    /// A reminder once an invoice has waited this many hours.
    pub reminder_after_hours: i64,
    /// Administrators are told when an undecided invoice is this many days or fewer
    /// from its due date, or past it.
    pub escalate_within_days: i64,
}

impl Default for EmailRules {
    fn default() -> Self {
        Self {
            digest_hour: 8,
            due_soon_days: 3,
            reminder_after_hours: 24,
            escalate_within_days: 2,
        }
    }
}

impl EmailRules {
    pub fn validate(&self) -> Result<EmailRules> {
        let mut v = Violations::default();
        if self.digest_hour > 23 {
            v.add("rules.digest_hour", "Escolha uma hora de 0 a 23.");
        }
        if !(1..=60).contains(&self.due_soon_days) {
            v.add("rules.due_soon_days", "Use de 1 a 60 dias.");
        }
        if !(1..=720).contains(&self.reminder_after_hours) {
            v.add(
                "rules.reminder_after_hours",
                "Use de 1 a 720 horas (30 dias).",
            );
        }
        if !(0..=30).contains(&self.escalate_within_days) {
            v.add("rules.escalate_within_days", "Use de 0 a 30 dias.");
        }
        v.into_result()?;
        Ok(*self)
    }
}

/// One person's own choice (Preferências), kept in the shared database: it holds on
/// every computer, and the robot machines read it when they plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPreference {
    /// The daily digest and the reminders. Escalations to administrators do not ask.
    pub receive: bool,
    /// The digest's hour (Brasília); None: the office's [`EmailRules::digest_hour`].
    pub hour: Option<u32>,
}

impl Default for EmailPreference {
    fn default() -> Self {
        Self {
            receive: true,
            hour: None,
        }
    }
}

impl EmailPreference {
    pub fn validate(&self) -> Result<EmailPreference> {
        if let Some(h) = self.hour {
            if h > 23 {
                return Err(crate::Error::field("hour", "Escolha uma hora de 0 a 23."));
            }
        }
        Ok(*self)
    }

    pub fn effective_hour(&self, rules: &EmailRules) -> u32 {
        self.hour.unwrap_or(rules.digest_hour)
    }
}

wire_enum!(OutboxRule {
    Resumo = "RESUMO",
    Lembrete = "LEMBRETE",
    Escalonamento = "ESCALONAMENTO",
    Teste = "TESTE",
});

impl OutboxRule {
    pub fn label(self) -> &'static str {
        match self {
            Self::Resumo => "Resumo diário",
            Self::Lembrete => "Lembrete",
            Self::Escalonamento => "Escalonamento",
            Self::Teste => "Teste",
        }
    }
}

wire_enum!(OutboxState {
    Pendente = "PENDENTE",
    Enviando = "ENVIANDO",
    Enviado = "ENVIADO",
    Falhou = "FALHOU",
    Cancelado = "CANCELADO",
});

impl OutboxState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pendente => "Na fila",
            Self::Enviando => "Enviando",
            Self::Enviado => "Enviado",
            Self::Falhou => "Falhou",
            Self::Cancelado => "Cancelado",
        }
    }
}

/// Tries before a message is given up and shown as failed in Diagnóstico.
pub const MAX_ATTEMPTS: i64 = 6;

/// The wait before the next try after `attempts` failed ones (1-based), or None when no
/// try is left: 1 min, 5 min, 15 min, 1 h, 4 h.
pub fn retry_after(attempts: i64) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let minutes = [1, 5, 15, 60, 240];
    let i = (attempts.max(1) - 1) as usize;
    Some(Duration::minutes(minutes[i.min(minutes.len() - 1)]))
}

/// One message of the outbox. `(rule, subject_key, recipient_email, day)` is unique in
/// the database: two machines planning the same message write it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub rule: OutboxRule,
    pub recipient_id: Option<Uuid>,
    pub recipient_email: String,
    pub recipient_name: Option<String>,
    /// The invoice a reminder or escalation is about.
    pub process_id: Option<Uuid>,
    /// The process id, "resumo" for a digest, a fresh id for a test.
    pub subject_key: String,
    /// The Brasília day the message belongs to.
    pub day: NaiveDate,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl OutboxMessage {
    /// The Message-ID header: the same on every try, so a copy a crash let through twice
    /// is recognised as one by the mail program.
    pub fn message_id(&self) -> String {
        format!("<{}@brm-desk>", self.id)
    }
}

/// How a send ended, written by the machine holding the message's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    /// The server accepted it.
    Sent { at: DateTime<Utc> },
    /// A passing failure: try again at `next_at`.
    Retry {
        error: String,
        next_at: DateTime<Utc>,
    },
    /// Refused for good (5xx for the recipient) or out of tries: shown in Diagnóstico.
    Failed { error: String },
    /// Not sent: the invoice was decided before its turn came.
    Cancelled { reason: String },
}

/// The outbox as Diagnóstico and the process screen ask for it (newest first; the
/// bodies are left out of lists).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboxFilter {
    pub state: Option<OutboxState>,
    pub rule: Option<OutboxRule>,
    /// Part of the recipient's address or name, or of the subject.
    pub text: Option<String>,
    pub process_id: Option<Uuid>,
    pub id: Option<Uuid>,
    /// At most this many (clamped to 1..=100 by the stores).
    pub limit: i64,
}

/// Lists show at most this many messages.
pub const LIST_LIMIT: i64 = 100;

#[cfg(test)]
mod tests;
