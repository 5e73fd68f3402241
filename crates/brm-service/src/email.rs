//! E-mail (issue 21) as the window asks for it: Configurações → E-mail (the SMTP server,
//! the sender and the rules; administrators), the test message, the outbox in
//! Diagnóstico and on the process screen, and each person's own preference.
//!
//! The SMTP password is write-only: it is sealed at once to the approved robot machines
//! (the machines that send; this desktop cannot open what it sealed) and kept in the
//! setting `email.smtp.senha`. The window learns only whether one is saved; the audit
//! trail says only that it was changed or removed. Sending is the robot machines' work:
//! here messages are only queued (the test) and read.

use crate::clients::actor;
use crate::secret_changes::SettingsWrite;
use crate::Desk;
use brm_core::audit::AuditEvent;
use brm_core::email::{
    is_email_address, plan, EmailPreference, EmailRules, OutboxFilter, OutboxMessage, OutboxRule,
    OutboxState, SmtpSecurity, SmtpSettings, LIST_LIMIT, SETTING_RULES, SETTING_SMTP,
    SETTING_SMTP_PASSWORD, SMTP_PASSWORD_AAD,
};
use brm_core::error::{FieldError, Violations};
use brm_core::{Error, ErrorCode, Result, Role};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

/// The audit action of a test message queued by an administrator (not reserved: the
/// administrator's own connection writes it on the shared database).
pub const EMAIL_TESTE: &str = "EMAIL_TESTE";
/// The audit action of a person's change to their own e-mail preference.
pub const PREFERENCIA_EMAIL: &str = "PREFERENCIA_EMAIL";
/// A password longer than this is a paste gone wrong, not a password.
const MAX_PASSWORD_CHARS: usize = 1024;

/// The SMTP part of what the screen shows: never the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: String,
    pub sender_name: String,
    pub sender_address: String,
    /// A sealed password is saved.
    pub password_set: bool,
}

/// Configurações → E-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailSettingsView {
    pub smtp: SmtpView,
    pub rules: EmailRules,
    /// The server and the sender are filled in: messages can go out.
    pub configured: bool,
    pub can_edit: bool,
}

/// The SMTP part of the form. Numbers and the security kind come as typed, so a wrong
/// one is a field error in pt-BR rather than a refusal at the IPC boundary.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct SmtpInput {
    pub host: String,
    pub port: Option<i64>,
    pub security: String,
    pub user: String,
    pub sender_name: String,
    pub sender_address: String,
    /// `None` or blank keeps the stored password.
    pub password: Option<String>,
    pub clear_password: bool,
}

impl std::fmt::Debug for SmtpInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpInput")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("sender_name", &self.sender_name)
            .field("sender_address", &self.sender_address)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("clear_password", &self.clear_password)
            .finish()
    }
}

/// The rules' part of the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EmailRulesInput {
    pub digest_hour: Option<i64>,
    pub due_soon_days: Option<i64>,
    pub reminder_after_hours: Option<i64>,
    pub escalate_within_days: Option<i64>,
}

/// `save_email_settings`'s input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EmailSettingsInput {
    pub smtp: SmtpInput,
    pub rules: EmailRulesInput,
}

/// One message of the outbox as the window lists it (no bodies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxRow {
    pub id: Uuid,
    pub rule: OutboxRule,
    pub rule_label: String,
    pub recipient_name: Option<String>,
    pub recipient_email: String,
    pub process_id: Option<Uuid>,
    pub day: NaiveDate,
    pub subject: String,
    pub state: OutboxState,
    pub state_label: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&OutboxMessage> for OutboxRow {
    fn from(m: &OutboxMessage) -> Self {
        Self {
            id: m.id,
            rule: m.rule,
            rule_label: m.rule.label().to_string(),
            recipient_name: m.recipient_name.clone(),
            recipient_email: m.recipient_email.clone(),
            process_id: m.process_id,
            day: m.day,
            subject: m.subject.clone(),
            state: m.state,
            state_label: m.state.label().to_string(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error.clone(),
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

/// Diagnóstico's filter: blank or null is "all". Wire values as the window shows them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutboxListFilter {
    pub state: Option<String>,
    pub rule: Option<String>,
    pub text: Option<String>,
}

/// Preferências → E-mail, for the person logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MyEmailPreference {
    /// Where the messages go (null: the person has no address).
    pub email: Option<String>,
    pub active: bool,
    /// The daily digest and the reminders.
    pub receive: bool,
    /// The digest's own hour; null: the office's.
    pub hour: Option<u32>,
    /// The hour the digest really comes.
    pub effective_hour: u32,
    /// Administrators receive escalations whatever they choose here.
    pub is_admin: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MyEmailPreferenceInput {
    pub receive: bool,
    pub hour: Option<i64>,
}

/// What is left of the form once every check passed.
struct ValidEmailSettings {
    smtp: SmtpSettings,
    rules: EmailRules,
    password: Option<String>,
    clear_password: bool,
}

/// A number of the form that may be missing; out of `u32` becomes a value the core's
/// range check refuses with its own words.
fn whole(v: &mut Violations, field: &str, n: Option<i64>) -> Option<i64> {
    if n.is_none() {
        v.add(field, "Informe um número inteiro.");
    }
    n
}

fn hour_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl EmailSettingsInput {
    /// Every wrong field at once (fields `smtp.*` and `rules.*`), or the settings to save.
    fn validate(&self) -> Result<ValidEmailSettings> {
        let mut v = Violations::default();
        let s = &self.smtp;
        let security = match SmtpSecurity::parse(s.security.trim()) {
            Some(k) => k,
            None => {
                v.add(
                    "smtp.security",
                    "Escolha a segurança da conexão: STARTTLS, TLS direto ou Nenhuma.",
                );
                SmtpSecurity::StartTls
            }
        };
        // 0 is refused by the core with "de 1 a 65535", as is anything out of range.
        let port = s.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(0);
        let smtp = SmtpSettings {
            host: s.host.clone(),
            port,
            security,
            user: s.user.clone(),
            sender_name: s.sender_name.clone(),
            sender_address: s.sender_address.clone(),
        };
        let mut fields: Vec<FieldError> = Vec::new();
        let smtp = match smtp.validate() {
            Ok(ok) => Some(ok),
            Err(e) => {
                fields.extend(e.fields);
                None
            }
        };
        let r = &self.rules;
        let digest_hour = whole(&mut v, "rules.digest_hour", r.digest_hour);
        let due_soon_days = whole(&mut v, "rules.due_soon_days", r.due_soon_days);
        let reminder = whole(&mut v, "rules.reminder_after_hours", r.reminder_after_hours);
        let escalate = whole(&mut v, "rules.escalate_within_days", r.escalate_within_days);
        let defaults = EmailRules::default();
        let rules = EmailRules {
            digest_hour: digest_hour.map_or(defaults.digest_hour, hour_of),
            due_soon_days: due_soon_days.unwrap_or(defaults.due_soon_days),
            reminder_after_hours: reminder.unwrap_or(defaults.reminder_after_hours),
            escalate_within_days: escalate.unwrap_or(defaults.escalate_within_days),
        };
        let rules = match rules.validate() {
            Ok(ok) => Some(ok),
            Err(e) => {
                fields.extend(e.fields);
                None
            }
        };
        let password = s.password.as_deref().filter(|p| !p.is_empty());
        if let Some(p) = password {
            if p.trim().is_empty() {
                v.add("smtp.password", "A senha não pode ser só espaços.");
            } else if p.chars().any(char::is_control) {
                v.add(
                    "smtp.password",
                    "A senha não pode ter quebras de linha nem tabulações.",
                );
            } else if p.chars().count() > MAX_PASSWORD_CHARS {
                v.add(
                    "smtp.password",
                    format!("A senha pode ter no máximo {MAX_PASSWORD_CHARS} caracteres."),
                );
            }
            if s.clear_password {
                v.add(
                    "smtp.password",
                    "Informe uma senha nova ou marque \"Remover a senha guardada\", não os dois.",
                );
            }
        }
        if let Err(e) = v.into_result() {
            for f in e.fields {
                if !fields.iter().any(|g| g.field == f.field) {
                    fields.push(f);
                }
            }
        }
        match (smtp, rules) {
            (Some(smtp), Some(rules)) if fields.is_empty() => Ok(ValidEmailSettings {
                smtp,
                rules,
                password: password.map(str::to_string),
                clear_password: s.clear_password,
            }),
            _ => Err(Error::validation(fields)),
        }
    }
}

/// The stored settings, or the defaults where nothing (or something unreadable) is kept.
fn stored<T: serde::de::DeserializeOwned + Default>(v: Option<Value>) -> T {
    v.and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn password_is_set(v: &Option<Value>) -> bool {
    matches!(v, Some(Value::String(s)) if !s.is_empty())
}

fn smtp_detail(s: &SmtpSettings) -> String {
    format!(
        "Servidor de e-mail: {}:{} ({}), remetente {} <{}>",
        s.host,
        s.port,
        s.security.label(),
        s.sender_name,
        s.sender_address
    )
}

fn not_configured() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "O e-mail ainda não está configurado: informe e salve o servidor de e-mail e o \
         endereço do remetente antes de enviar um e-mail de teste.",
    )
}

fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Mensagem não encontrada na fila de e-mails.",
    )
}

impl Desk {
    pub async fn get_email_settings(&self, token: &str) -> Result<EmailSettingsView> {
        let user = self.authorize_settings(token, "ver as configurações de e-mail")?;
        self.email_settings_now(user.role).await
    }

    async fn email_settings_now(&self, role: Role) -> Result<EmailSettingsView> {
        let (smtp, rules, password_set) = self.stored_email_settings().await?;
        Ok(EmailSettingsView {
            configured: smtp.configured(),
            smtp: SmtpView {
                host: smtp.host,
                port: smtp.port,
                security: smtp.security,
                user: smtp.user,
                sender_name: smtp.sender_name,
                sender_address: smtp.sender_address,
                password_set,
            },
            rules,
            can_edit: role.can_change_settings(),
        })
    }

    async fn stored_email_settings(&self) -> Result<(SmtpSettings, EmailRules, bool)> {
        let smtp: SmtpSettings = stored(self.observe(self.store.get_setting(SETTING_SMTP).await)?);
        let rules: EmailRules = stored(self.observe(self.store.get_setting(SETTING_RULES).await)?);
        let password = self.observe(self.store.get_setting(SETTING_SMTP_PASSWORD).await)?;
        Ok((smtp, rules, password_is_set(&password)))
    }

    /// Checks the whole form first (a refused form changes nothing), seals a new
    /// password to the approved robot machines, then writes the changed settings with
    /// one audit event each in one transaction.
    pub async fn save_email_settings(
        &self,
        token: &str,
        input: EmailSettingsInput,
    ) -> Result<EmailSettingsView> {
        let user = self.authorize_settings(token, "alterar as configurações de e-mail")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        let before_smtp: Option<SmtpSettings> = self
            .observe(self.store.get_setting(SETTING_SMTP).await)?
            .and_then(|v| serde_json::from_value(v).ok());
        let before_rules: EmailRules =
            stored(self.observe(self.store.get_setting(SETTING_RULES).await)?);
        let had_password =
            password_is_set(&self.observe(self.store.get_setting(SETTING_SMTP_PASSWORD).await)?);
        // Sealed before anything is written: with no robot machine to seal to, the
        // save is refused whole.
        let sealed = match &valid.password {
            Some(plain) => Some(self.seal_smtp_password(plain.clone()).await?),
            None => None,
        };

        let mut w = SettingsWrite::by(&user, self.clock.now());
        if before_smtp.as_ref() != Some(&valid.smtp) {
            let after = serde_json::to_value(&valid.smtp).map_err(Error::internal)?;
            w.values.push((SETTING_SMTP.to_string(), after.clone()));
            w.audits.push(w.event(smtp_detail(&valid.smtp)).change(
                Some(json!({ SETTING_SMTP: before_smtp })),
                Some(json!({ SETTING_SMTP: after })),
            ));
        }
        if before_rules != valid.rules {
            let after = serde_json::to_value(valid.rules).map_err(Error::internal)?;
            let r = &valid.rules;
            w.values.push((SETTING_RULES.to_string(), after.clone()));
            w.audits.push(
                w.event(format!(
                    "Regras de e-mail: resumo às {}h, vencendo em até {} dias, lembrete após {} \
                     horas, escalonamento a {} dias do vencimento",
                    r.digest_hour, r.due_soon_days, r.reminder_after_hours, r.escalate_within_days
                ))
                .change(
                    Some(json!({ SETTING_RULES: before_rules })),
                    Some(json!({ SETTING_RULES: after })),
                ),
            );
        }
        let before_mark = if had_password {
            "(definida)"
        } else {
            "(não definida)"
        };
        match (sealed, valid.clear_password, had_password) {
            (Some(sealed), _, _) => {
                w.values
                    .push((SETTING_SMTP_PASSWORD.to_string(), Value::String(sealed)));
                w.audits.push(w.event("Senha do e-mail alterada").change(
                    Some(json!({ "senha": before_mark })),
                    Some(json!({ "senha": "(alterada)" })),
                ));
            }
            (None, true, true) => {
                w.values
                    .push((SETTING_SMTP_PASSWORD.to_string(), Value::Null));
                w.audits.push(w.event("Senha do e-mail removida").change(
                    Some(json!({ "senha": before_mark })),
                    Some(json!({ "senha": "(não definida)" })),
                ));
            }
            _ => {}
        }
        let changed = self.save_settings_write(w).await?;
        if changed {
            tracing::info!(user = %user.id, host = %valid.smtp.host, "email settings saved");
        }
        self.email_settings_now(user.role).await
    }

    /// Seals to the approved robot machines (issue 19): this desktop cannot open it.
    async fn seal_smtp_password(&self, plain: String) -> Result<String> {
        let keys = self.portal_recipients().await?;
        tokio::task::spawn_blocking(move || brm_secrets::seal_to(&keys, SMTP_PASSWORD_AAD, &plain))
            .await
            .map_err(Error::internal)?
    }

    /// Queues a test message to `to` with the settings as saved; a robot machine sends
    /// it. The window follows it with [`Desk::get_outbox_message`].
    pub async fn send_test_email(&self, token: &str, to: &str) -> Result<OutboxRow> {
        let session = self.require(
            token,
            Role::can_change_settings,
            "enviar um e-mail de teste",
        )?;
        self.ensure_writable()?;
        let to = to.trim();
        if to.is_empty() {
            return Err(Error::field(
                "to",
                "Informe o endereço que vai receber o e-mail de teste.",
            ));
        }
        if !is_email_address(to) {
            return Err(Error::field(
                "to",
                "Endereço de e-mail inválido (ex.: ana@empresa.com.br).",
            ));
        }
        let (smtp, _, _) = self.stored_email_settings().await?;
        if !smtp.configured() {
            return Err(not_configured());
        }
        let now = self.clock.now();
        let message = plan::test_message(to, &session.user.full_name, now);
        let event = AuditEvent::new(now, actor(&session), EMAIL_TESTE, "email")
            .on(message.id)
            .change(
                None,
                Some(json!({ "para": message.recipient_email, "servidor": smtp.host })),
            )
            .detail(format!(
                "E-mail de teste para {} posto na fila",
                message.recipient_email
            ));
        // The message and its audit line in one transaction: both or neither.
        self.observe(self.store.enqueue_email_audited(&message, &event).await)?;
        tracing::info!(user = %session.user_id(), message = %message.id, "test email queued");
        Ok(match self.outbox_message(message.id).await? {
            Some(m) => OutboxRow::from(&m),
            None => OutboxRow::from(&message),
        })
    }

    async fn outbox_message(&self, id: Uuid) -> Result<Option<OutboxMessage>> {
        let filter = OutboxFilter {
            id: Some(id),
            limit: 1,
            ..Default::default()
        };
        Ok(self
            .observe(self.store.outbox(&filter).await)?
            .into_iter()
            .next())
    }

    pub async fn get_outbox_message(&self, token: &str, id: Uuid) -> Result<OutboxRow> {
        self.require(token, Role::can_change_settings, "ver a fila de e-mails")?;
        self.outbox_message(id)
            .await?
            .as_ref()
            .map(OutboxRow::from)
            .ok_or_else(not_found)
    }

    /// The last 100 messages, newest first (Diagnóstico).
    pub async fn list_outbox(
        &self,
        token: &str,
        filter: OutboxListFilter,
    ) -> Result<Vec<OutboxRow>> {
        self.require(token, Role::can_change_settings, "ver a fila de e-mails")?;
        let mut v = Violations::default();
        let blank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let state = blank(&filter.state).and_then(|s| {
            let parsed = OutboxState::parse(&s);
            if parsed.is_none() {
                v.add(
                    "state",
                    format!("Situação de e-mail desconhecida: \"{s}\"."),
                );
            }
            parsed
        });
        let rule = blank(&filter.rule).and_then(|r| {
            let parsed = OutboxRule::parse(&r);
            if parsed.is_none() {
                v.add("rule", format!("Tipo de e-mail desconhecido: \"{r}\"."));
            }
            parsed
        });
        v.into_result()?;
        let filter = OutboxFilter {
            state,
            rule,
            text: blank(&filter.text),
            limit: LIST_LIMIT,
            ..Default::default()
        };
        let rows = self.observe(self.store.outbox(&filter).await)?;
        Ok(rows.iter().map(OutboxRow::from).collect())
    }

    /// The messages about one invoice (the process screen; every role).
    pub async fn process_emails(&self, token: &str, process_id: Uuid) -> Result<Vec<OutboxRow>> {
        self.sessions.get(token)?;
        let filter = OutboxFilter {
            process_id: Some(process_id),
            limit: LIST_LIMIT,
            ..Default::default()
        };
        let rows = self.observe(self.store.outbox(&filter).await)?;
        Ok(rows.iter().map(OutboxRow::from).collect())
    }

    pub async fn get_my_email_preference(&self, token: &str) -> Result<MyEmailPreference> {
        let session = self.sessions.get(token)?;
        self.my_email_preference(session.user_id(), session.role())
            .await
    }

    async fn my_email_preference(&self, user_id: Uuid, role: Role) -> Result<MyEmailPreference> {
        let user = self.observe(self.store.user_by_id(user_id).await)?;
        let pref = self
            .observe(self.store.email_preference(user_id).await)?
            .unwrap_or_default();
        let rules: EmailRules = stored(self.observe(self.store.get_setting(SETTING_RULES).await)?);
        Ok(MyEmailPreference {
            email: user
                .as_ref()
                .map(|u| u.email.trim().to_string())
                .filter(|e| !e.is_empty()),
            active: user.as_ref().is_some_and(|u| u.active),
            receive: pref.receive,
            hour: pref.hour,
            effective_hour: pref.effective_hour(&rules),
            is_admin: role == Role::Administrador,
        })
    }

    /// The person's own choice, in the shared database (it holds on every computer).
    pub async fn save_my_email_preference(
        &self,
        token: &str,
        input: MyEmailPreferenceInput,
    ) -> Result<MyEmailPreference> {
        let session = self.sessions.get(token)?;
        self.ensure_writable()?;
        let pref = EmailPreference {
            receive: input.receive,
            hour: input.hour.map(hour_of),
        }
        .validate()?;
        let user_id = session.user_id();
        let before = self.observe(self.store.email_preference(user_id).await)?;
        if before.unwrap_or_default() != pref || before.is_none() {
            let was = before.unwrap_or_default();
            let hour_text = |h: Option<u32>| match h {
                Some(h) => format!("{h}h"),
                None => "a do escritório".to_string(),
            };
            let detail = if pref.receive {
                format!(
                    "Preferência de e-mail: recebe o resumo e os lembretes (hora: {})",
                    hour_text(pref.hour)
                )
            } else {
                "Preferência de e-mail: não recebe o resumo nem os lembretes".to_string()
            };
            let event = AuditEvent::new(
                self.clock.now(),
                actor(&session),
                PREFERENCIA_EMAIL,
                "preferencias_email",
            )
            .on(user_id)
            .change(
                Some(json!({ "receive": was.receive, "hour": was.hour })),
                Some(json!({ "receive": pref.receive, "hour": pref.hour })),
            )
            .detail(detail);
            self.observe(
                self.store
                    .set_email_preference(user_id, &pref, &event)
                    .await,
            )?;
        }
        self.my_email_preference(user_id, session.role()).await
    }
}
