//! What each rule decides to send at a given moment, as outbox messages. Pure: the
//! worker reads the database, calls these, and writes what they return; the database's
//! unique key drops what another machine (or an earlier scan) already wrote.
//!
//! Days and hours are Brasília's (the office's), whatever the sending machine's zone.

use super::render::{self, DigestGroups};
use super::{EmailPreference, EmailRules, OutboxMessage, OutboxRule, OutboxState};
use crate::role::Role;
use crate::schedule::brasilia;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use uuid::Uuid;

/// An invoice waiting for approval, with what a message says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingInvoice {
    pub process_id: Uuid,
    pub client_name: String,
    pub operator_name: String,
    /// `YYYY-MM`.
    pub month: String,
    pub amount_cents: Option<i64>,
    pub due_date: Option<NaiveDate>,
    /// Since when it waits (the download, or the hand upload).
    pub waiting_since: DateTime<Utc>,
    /// Four eyes: who gave the first approval cannot give the second; not reminded.
    pub first_approved_by: Option<Uuid>,
}

/// A process needing attention (administrators' part of the digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionItem {
    pub process_id: Uuid,
    pub client_name: String,
    pub operator_name: String,
    pub month: String,
    pub reason: Option<String>,
}

/// A person who may receive messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    pub role: Role,
    pub preference: EmailPreference,
}

impl Recipient {
    fn address(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    /// Can decide invoices (and so is told about them).
    fn approves(&self) -> bool {
        matches!(self.role, Role::Aprovador | Role::Administrador)
    }

    /// Digest and reminders: active, with an address, and not turned off.
    fn takes_approval_mail(&self) -> bool {
        self.active && self.approves() && self.address().is_some() && self.preference.receive
    }

    /// Escalations: every active administrator with an address; cannot be turned off.
    fn takes_escalations(&self) -> bool {
        self.active && self.role == Role::Administrador && self.address().is_some()
    }
}

/// A reminder already sent about an invoice (for the escalation's "who was reminded").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSent {
    pub process_id: Uuid,
    pub recipient_name: String,
    pub sent_at: DateTime<Utc>,
}

/// The Brasília calendar day of `now`.
pub fn local_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&brasilia()).date_naive()
}

fn message(
    rule: OutboxRule,
    to: &Recipient,
    process_id: Option<Uuid>,
    day: NaiveDate,
    now: DateTime<Utc>,
    (subject, body_text, body_html): (String, String, String),
) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        rule,
        recipient_id: Some(to.user_id),
        recipient_email: to.address().unwrap_or_default().to_lowercase(),
        recipient_name: Some(to.name.clone()),
        process_id,
        subject_key: process_id
            .map(|p| p.to_string())
            .unwrap_or_else(|| "resumo".into()),
        day,
        subject,
        body_text,
        body_html,
        state: OutboxState::Pendente,
        attempts: 0,
        next_attempt_at: Some(now),
        last_error: None,
        created_at: now,
        sent_at: None,
    }
}

/// The daily digests due at `now`: one per person whose digest hour has come today
/// (Brasília) and who has something to read — invoices waiting, or, for an
/// administrator, processes needing attention. Nothing is sent about nothing.
pub fn digests(
    now: DateTime<Utc>,
    rules: &EmailRules,
    people: &[Recipient],
    waiting: &[WaitingInvoice],
    attention: &[AttentionItem],
) -> Vec<OutboxMessage> {
    let local = now.with_timezone(&brasilia());
    let today = local.date_naive();
    let groups = DigestGroups::of(waiting, today, rules.due_soon_days);
    let mut out = Vec::new();
    for p in people {
        if !p.takes_approval_mail() {
            continue;
        }
        if local.hour() < p.preference.effective_hour(rules) {
            continue;
        }
        let admin_part = if p.role == Role::Administrador {
            attention
        } else {
            &[]
        };
        if waiting.is_empty() && admin_part.is_empty() {
            continue;
        }
        let content = render::digest(&p.name, today, rules, &groups, admin_part);
        out.push(message(OutboxRule::Resumo, p, None, today, now, content));
    }
    out
}

/// The reminders and escalations due at `now`.
///
/// - A reminder to each approver who takes approval mail, about each invoice that has
///   waited more than `reminder_after_hours` (not to whoever gave its first approval:
///   they cannot give the second). Once per invoice and person for as long as it waits:
///   its key's day is the day the invoice started waiting, not today, so a month's 500
///   invoices do not become 500 messages a day per approver; the follow-up is the
///   escalation. An invoice sent back and downloaded again waits anew, and reminds anew.
/// - An escalation, once a day, to every active administrator with an address, about
///   each invoice still waiting that is `escalate_within_days` or fewer from its due date
///   or past it, naming who was reminded and when.
///
/// An invoice decided in between is not in `waiting` any more: nothing is planned for it.
pub fn reminders_and_escalations(
    now: DateTime<Utc>,
    rules: &EmailRules,
    people: &[Recipient],
    waiting: &[WaitingInvoice],
    reminded: &[ReminderSent],
) -> Vec<OutboxMessage> {
    let today = local_day(now);
    let mut out = Vec::new();
    for inv in waiting {
        let mut reminded_now: Vec<ReminderSent> = Vec::new();
        if now - inv.waiting_since >= Duration::hours(rules.reminder_after_hours) {
            let waiting_day = local_day(inv.waiting_since);
            for p in people.iter().filter(|p| p.takes_approval_mail()) {
                if inv.first_approved_by == Some(p.user_id) {
                    continue;
                }
                // Already reminded (sent): nothing to plan; one planned but not yet sent
                // is dropped by the key.
                let sent = reminded
                    .iter()
                    .any(|r| r.process_id == inv.process_id && r.recipient_name == p.name);
                if sent {
                    continue;
                }
                // Named by the escalation of this same scan.
                reminded_now.push(ReminderSent {
                    process_id: inv.process_id,
                    recipient_name: p.name.clone(),
                    sent_at: now,
                });
                let content = render::reminder(&p.name, inv, now);
                out.push(message(
                    OutboxRule::Lembrete,
                    p,
                    Some(inv.process_id),
                    waiting_day,
                    now,
                    content,
                ));
            }
        }
        let Some(due) = inv.due_date else { continue };
        if (due - today).num_days() > rules.escalate_within_days {
            continue;
        }
        let mut who: Vec<&ReminderSent> = reminded
            .iter()
            .filter(|r| r.process_id == inv.process_id)
            .chain(reminded_now.iter())
            .collect();
        who.sort_by_key(|r| r.sent_at);
        for p in people.iter().filter(|p| p.takes_escalations()) {
            let content = render::escalation(&p.name, inv, today, &who);
            out.push(message(
                OutboxRule::Escalonamento,
                p,
                Some(inv.process_id),
                today,
                now,
                content,
            ));
        }
    }
    out
}

/// A test message (Configurações → E-mail → "Enviar e-mail de teste"). Its key is
/// fresh, so every press sends one.
pub fn test_message(to: &str, by: &str, now: DateTime<Utc>) -> OutboxMessage {
    let id = Uuid::new_v4();
    let (subject, body_text, body_html) = render::test(by, now);
    OutboxMessage {
        id,
        rule: OutboxRule::Teste,
        recipient_id: None,
        recipient_email: to.trim().to_lowercase(),
        recipient_name: None,
        process_id: None,
        subject_key: id.to_string(),
        day: local_day(now),
        subject,
        body_text,
        body_html,
        state: OutboxState::Pendente,
        attempts: 0,
        next_attempt_at: Some(now),
        last_error: None,
        created_at: now,
        sent_at: None,
    }
}
