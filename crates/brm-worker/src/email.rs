//! E-mail to approvers (issue 21): the two schedules that plan messages into the outbox
//! (the daily digest, the reminder and escalation scan) and the loop that sends them.
//!
//! Exactly once: planning writes through the outbox's unique key, so two machines (or
//! two scans) planning the same message write it once; sending takes each message under
//! a lease, so two machines never send the same one. What can still repeat is a message
//! the server accepted just before this machine died, before it recorded "sent": the
//! lease expires and another try goes out with the same Message-ID (mail programs show
//! it once).

use crate::engine::{actor, Worker};
use brm_core::audit::AuditEvent;
use brm_core::email::plan::{self, AttentionItem, WaitingInvoice};
use brm_core::email::{
    retry_after, EmailOutcome, EmailRules, OutboxMessage, OutboxRule, SmtpSecurity, SmtpSettings,
    MAX_ATTEMPTS, SETTING_RULES, SETTING_SMTP, SETTING_SMTP_PASSWORD, SMTP_PASSWORD_AAD,
};
use brm_core::process::ProcessStatus;
use brm_mail::{Mailer, Outgoing, Security, SmtpConfig};
use brm_secrets::{fingerprint, seal_to, sealed_recipients, PREFIX_V2};
use brm_store::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What one round of the sender did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailReport {
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
    pub cancelled: u32,
}

/// What the planning schedules wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanReport {
    pub planned: u32,
    /// Left out by the unique key: already planned (here or by another machine).
    pub already: u32,
}

impl Worker {
    async fn email_settings(&self) -> StoreResult<Option<(SmtpSettings, EmailRules)>> {
        let smtp: Option<SmtpSettings> = self
            .store
            .get_setting(SETTING_SMTP)
            .await?
            .and_then(|v| serde_json::from_value(v).ok());
        let Some(smtp) = smtp.filter(|s| s.configured()) else {
            return Ok(None);
        };
        let rules: EmailRules = self
            .store
            .get_setting(SETTING_RULES)
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        Ok(Some((smtp, rules)))
    }

    /// The invoices waiting for approval and the processes needing attention, with what
    /// a message says of them (from the alerts' partial index: no scan of every month).
    async fn mail_subjects(&self) -> StoreResult<(Vec<WaitingInvoice>, Vec<AttentionItem>)> {
        let ids: Vec<uuid::Uuid> = self
            .store
            .alert_candidates()
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut waiting = Vec::new();
        let mut attention = Vec::new();
        for chunk in ids.chunks(1000) {
            for d in self.store.alert_details(chunk).await? {
                let p = &d.process;
                if p.status == ProcessStatus::AguardandoAprovacao {
                    let since = if p.manual_upload {
                        p.updated_at
                    } else {
                        p.last_download_at.unwrap_or(p.updated_at)
                    };
                    waiting.push(WaitingInvoice {
                        process_id: p.id,
                        client_name: d.client_name.clone(),
                        operator_name: d.operator_name.clone(),
                        month: p.reference_month.clone(),
                        amount_cents: p.amount_cents,
                        due_date: p.due_date,
                        waiting_since: since,
                        first_approved_by: p.first_approved_by,
                    });
                }
                if p.needs_attention {
                    attention.push(AttentionItem {
                        process_id: p.id,
                        client_name: d.client_name.clone(),
                        operator_name: d.operator_name.clone(),
                        month: p.reference_month.clone(),
                        reason: d.last_error.clone(),
                    });
                }
            }
        }
        Ok((waiting, attention))
    }

    async fn enqueue_planned(&self, planned: Vec<OutboxMessage>) -> StoreResult<PlanReport> {
        let total = planned.len() as u32;
        let mut written = 0;
        for chunk in planned.chunks(200) {
            written += self.store.enqueue_emails(chunk).await? as u32;
        }
        if written > 0 {
            self.mail_wake.notify_one();
        }
        Ok(PlanReport {
            planned: written,
            already: total - written,
        })
    }

    /// RESUMO_EMAIL: the digests due at `now` (each person's hour, Brasília).
    pub async fn plan_digests(&self, now: DateTime<Utc>) -> StoreResult<PlanReport> {
        let Some((_, rules)) = self.email_settings().await? else {
            return Ok(PlanReport::default());
        };
        let people = self.store.email_recipients().await?;
        let (waiting, attention) = self.mail_subjects().await?;
        let planned = plan::digests(now, &rules, &people, &waiting, &attention);
        self.enqueue_planned(planned).await
    }

    /// LEMBRETES_EMAIL: reminders and escalations due at `now`.
    pub async fn plan_reminders(&self, now: DateTime<Utc>) -> StoreResult<PlanReport> {
        let Some((_, rules)) = self.email_settings().await? else {
            return Ok(PlanReport::default());
        };
        let people = self.store.email_recipients().await?;
        let (waiting, _) = self.mail_subjects().await?;
        let ids: Vec<uuid::Uuid> = waiting.iter().map(|w| w.process_id).collect();
        let reminded = self.store.reminders_sent(&ids).await?;
        let planned = plan::reminders_and_escalations(now, &rules, &people, &waiting, &reminded);
        self.enqueue_planned(planned).await
    }

    /// The SMTP password, if one is saved and this machine can open it. Err(()) when one
    /// is saved that this machine cannot open (not sealed to it): it then sends nothing
    /// and leaves the outbox to a machine that can.
    async fn smtp_password(&self) -> StoreResult<Result<Option<String>, String>> {
        let sealed = match self.store.get_setting(SETTING_SMTP_PASSWORD).await? {
            Some(serde_json::Value::String(s)) if !s.is_empty() => s,
            _ => return Ok(Ok(None)),
        };
        let secrets = self.secrets.clone();
        let opened =
            tokio::task::spawn_blocking(move || secrets.open_for(SMTP_PASSWORD_AAD, &sealed))
                .await
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(opened.map(Some).map_err(|e| e.message))
    }

    async fn mailer(&self, smtp: &SmtpSettings) -> StoreResult<Result<Mailer, String>> {
        let password = match self.smtp_password().await? {
            Ok(p) => p,
            Err(why) => return Ok(Err(why)),
        };
        let cfg = SmtpConfig {
            host: smtp.host.clone(),
            port: smtp.port,
            security: match smtp.security {
                SmtpSecurity::StartTls => Security::StartTls,
                SmtpSecurity::Tls => Security::Tls,
                SmtpSecurity::Nenhuma => Security::Plain,
            },
            user: Some(smtp.user.clone()).filter(|u| !u.is_empty()),
            password: password.map(zeroize::Zeroizing::new),
            sender_name: smtp.sender_name.clone(),
            sender_address: smtp.sender_address.clone(),
            extra_root_pem: self.config.smtp_extra_ca_pem.clone(),
            timeout: self.config.smtp_timeout,
        };
        Ok(Mailer::new(cfg).map_err(|e| e.message))
    }

    /// One round of the sender: takes the due messages batch by batch and sends them.
    /// Nothing is taken while the server is not configured, or when this machine cannot
    /// open the saved password (another machine can).
    pub async fn send_due_emails(&self) -> StoreResult<MailReport> {
        let mut report = MailReport::default();
        let Some((smtp, _)) = self.email_settings().await? else {
            return Ok(report);
        };
        let mailer = match self.mailer(&smtp).await? {
            Ok(m) => m,
            Err(why) => {
                tracing::warn!("e-mail not sent from this machine: {why}");
                return Ok(report);
            }
        };
        // Bounded so a huge queue does not hold the loop (the next round goes on).
        for _ in 0..20 {
            let now = self.clock.now();
            let batch = self
                .store
                .claim_emails(
                    &self.config.owner,
                    now,
                    now + self.config.mail_lease,
                    self.config.mail_batch,
                )
                .await?;
            if batch.is_empty() {
                break;
            }
            for m in batch {
                let outcome = self.send_one(&mailer, &m).await?;
                match &outcome {
                    EmailOutcome::Sent { .. } => report.sent += 1,
                    EmailOutcome::Retry { .. } => report.retried += 1,
                    EmailOutcome::Failed { .. } => report.failed += 1,
                    EmailOutcome::Cancelled { .. } => report.cancelled += 1,
                }
                if let EmailOutcome::Failed { error } = &outcome {
                    tracing::warn!(rule = m.rule.as_str(), "e-mail given up: {error}");
                }
                self.store
                    .finish_email(m.id, &self.config.owner, &outcome)
                    .await?;
            }
        }
        Ok(report)
    }

    async fn send_one(&self, mailer: &Mailer, m: &OutboxMessage) -> StoreResult<EmailOutcome> {
        // A reminder or escalation about an invoice decided meanwhile is not sent.
        if matches!(m.rule, OutboxRule::Lembrete | OutboxRule::Escalonamento) {
            if let Some(pid) = m.process_id {
                let still = self
                    .store
                    .process_by_id(pid)
                    .await?
                    .is_some_and(|p| p.status == ProcessStatus::AguardandoAprovacao);
                if !still {
                    return Ok(EmailOutcome::Cancelled {
                        reason: "A fatura foi decidida antes do envio.".into(),
                    });
                }
            }
        }
        let out = Outgoing {
            to_email: m.recipient_email.clone(),
            to_name: m.recipient_name.clone(),
            subject: m.subject.clone(),
            text: m.body_text.clone(),
            html: m.body_html.clone(),
            message_id: m.message_id(),
        };
        let now = self.clock.now();
        Ok(match mailer.send(&out).await {
            Ok(()) => EmailOutcome::Sent {
                at: self.clock.now(),
            },
            // Only a refusal of this message (its recipient, its content) is final for
            // it; a refused login or sender, a bad certificate or a server that is down
            // concern every message and may be fixed: tried again, shown meanwhile.
            Err(e)
                if e.permanent
                    && matches!(
                        e.kind,
                        brm_mail::MailErrorKind::Recipient | brm_mail::MailErrorKind::Message
                    ) =>
            {
                EmailOutcome::Failed { error: e.message }
            }
            Err(e) => match retry_after(m.attempts) {
                Some(wait) if m.attempts < MAX_ATTEMPTS => EmailOutcome::Retry {
                    error: e.message,
                    next_at: now + wait,
                },
                _ => EmailOutcome::Failed {
                    error: format!("{} (desistimos após {} tentativas)", e.message, m.attempts),
                },
            },
        })
    }

    /// Seals the saved SMTP password again when the approved robot machines changed
    /// (as the portal passwords are: `seals.rs`). Only a machine that can open it and is
    /// itself approved does; a value saved meanwhile wins.
    pub(crate) async fn reseal_smtp_password(&self, keys: &[String]) -> StoreResult<bool> {
        if keys.is_empty() {
            return Ok(false);
        }
        let Some(serde_json::Value::String(sealed)) =
            self.store.get_setting(SETTING_SMTP_PASSWORD).await?
        else {
            return Ok(false);
        };
        if !sealed.starts_with(PREFIX_V2) {
            return Ok(false);
        }
        let target: BTreeSet<String> = keys.iter().map(|k| fingerprint(k)).collect();
        let now_to: BTreeSet<String> = sealed_recipients(&sealed).into_iter().collect();
        if now_to == target {
            return Ok(false);
        }
        let secrets = self.secrets.clone();
        let keys = keys.to_vec();
        let before = sealed.clone();
        let after = tokio::task::spawn_blocking(move || {
            let plain = zeroize::Zeroizing::new(secrets.open_for(SMTP_PASSWORD_AAD, &before)?);
            seal_to(&keys, SMTP_PASSWORD_AAD, &plain)
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let Ok(after) = after else {
            return Ok(false);
        };
        let event = AuditEvent::new(
            self.clock.now(),
            actor(),
            "SENHA_EMAIL_SELADA_DE_NOVO",
            "configuracao",
        )
        .detail("senha do e-mail selada para as máquinas robô aprovadas");
        self.store
            .reseal_smtp_password(&sealed, &after, &event)
            .await
    }

    /// The sender's own loop (beside the cycle: a slow mail server never holds robot
    /// work, and robot trouble never holds mail).
    pub(crate) async fn mail_loop(
        self: Arc<Self>,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.send_due_emails().await {
                Ok(r) if r != MailReport::default() => tracing::info!(?r, "e-mail round"),
                Ok(_) => {}
                Err(e) => tracing::warn!("e-mail round stopped early: {e}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.mail_interval) => {}
                _ = self.mail_wake.notified() => {}
                _ = stopped.changed() => break,
            }
        }
    }
}
