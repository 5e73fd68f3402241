//! Schedules (Configurações → Agendamentos, administrators only): list them with their
//! next and last run, create, change (version-checked), switch on and off, delete, and
//! preview an expression's next five runs in Brasília time. Every change is one
//! transaction with its audit event (entity `agendamento`, the cron and active state
//! before → after). The worker goes by `next_run_at`, so every save computes it again.

use crate::Desk;
use brm_core::audit::{action, diff, Actor, AuditEvent};
use brm_core::error::Violations;
use brm_core::schedule::{
    brasilia, describe_cron, next_run, next_runs, weekday_name, Schedule, ScheduleKind,
};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::StoreError;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ENTITY: &str = "agendamento";
pub const EXCLUIR: &str = "EXCLUIR";
/// How many runs the editor previews.
pub const PREVIEW_RUNS: usize = 5;
const NAME_MAX: usize = 100;

/// What the editor sends. `kind` is the wire value as text, so an unknown one is a field
/// error in pt-BR rather than a decoding failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ScheduleInput {
    pub name: String,
    pub cron: String,
    pub kind: String,
    pub operator_id: Option<Uuid>,
    /// Absent: active.
    pub active: Option<bool>,
}

/// One moment of a schedule, in Brasília time: ISO 8601 with its offset, and as the
/// window shows it ("01/12/2026 06:00", "terça-feira").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunTime {
    pub at: String,
    pub display: String,
    pub weekday: &'static str,
}

impl RunTime {
    pub fn of(t: DateTime<Utc>) -> Self {
        let local = t.with_timezone(&brasilia());
        Self {
            at: local.to_rfc3339(),
            display: local.format("%d/%m/%Y %H:%M").to_string(),
            weekday: weekday_name(local.weekday().num_days_from_sunday()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleItem {
    #[serde(flatten)]
    pub schedule: Schedule,
    pub kind_label: &'static str,
    /// "Todo dia às 02:00", … or "Expressão personalizada".
    pub description: String,
    pub operator_name: Option<String>,
    /// None while switched off (or when the expression has no next run).
    pub next_run: Option<RunTime>,
    pub last_run: Option<RunTime>,
}

/// A kind the editor offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub takes_operator: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleList {
    pub items: Vec<ScheduleItem>,
    /// The kinds new schedules may have (no BACKUP_DADOS, see
    /// [`ScheduleKind::offered_in_editor`]).
    pub kinds: Vec<KindOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchedulePreview {
    pub cron: String,
    pub description: String,
    pub runs: Vec<RunTime>,
}

fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Agendamento não encontrado. Ele pode ter sido removido; recarregue a lista.",
    )
}

fn stale() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "Este agendamento foi alterado por outra pessoa enquanto você editava. Recarregue e tente de novo.",
    )
}

fn name_taken(name: &str) -> Error {
    let message = format!("Já existe um agendamento com o nome \"{name}\".");
    Error {
        code: ErrorCode::Conflict,
        message: message.clone(),
        fields: vec![FieldError {
            field: "name".into(),
            message,
        }],
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "sim"
    } else {
        "não"
    }
}

fn audit_view(s: &Schedule) -> serde_json::Value {
    serde_json::json!({
        "name": s.name,
        "cron": s.cron,
        "kind": s.kind.as_str(),
        "operator_id": s.operator_id,
        "active": s.active,
    })
}

/// The form, checked: every problem at once.
struct Valid {
    name: String,
    cron: String,
    kind: ScheduleKind,
    operator_id: Option<Uuid>,
}

impl Desk {
    fn schedule_admin(&self, token: &str, what: &str) -> Result<crate::sessions::Session> {
        self.require(token, Role::can_change_settings, what)
    }

    pub async fn list_schedules(&self, token: &str) -> Result<ScheduleList> {
        self.schedule_admin(token, "ver os agendamentos")?;
        let all = self.observe(self.store.list_schedules().await)?;
        let mut items = Vec::with_capacity(all.len());
        for s in all {
            items.push(self.schedule_item(s).await?);
        }
        let kinds = ScheduleKind::ALL
            .iter()
            .filter(|k| k.offered_in_editor())
            .map(|k| KindOption {
                value: k.as_str(),
                label: k.label(),
                takes_operator: k.takes_operator(),
            })
            .collect();
        Ok(ScheduleList { items, kinds })
    }

    /// The next five runs of `cron` from now, or its pt-BR error on the `cron` field.
    pub fn preview_schedule(&self, token: &str, cron: &str) -> Result<SchedulePreview> {
        self.schedule_admin(token, "ver os agendamentos")?;
        let cron = normalize(cron);
        let runs = next_runs(&cron, self.clock.now(), PREVIEW_RUNS)
            .map_err(|m| Error::field("cron", m))?;
        Ok(SchedulePreview {
            description: describe_cron(&cron),
            runs: runs.into_iter().map(RunTime::of).collect(),
            cron,
        })
    }

    pub async fn create_schedule(&self, token: &str, input: ScheduleInput) -> Result<ScheduleItem> {
        let session = self.schedule_admin(token, "criar agendamentos")?;
        self.ensure_writable()?;
        let v = self.validate_schedule(&input, None).await?;
        self.check_schedule_name(&v.name, None).await?;
        let now = self.clock.now();
        let active = input.active.unwrap_or(true);
        let s = Schedule {
            id: Uuid::new_v4(),
            next_run_at: if active {
                next_run(&v.cron, now).ok()
            } else {
                None
            },
            name: v.name,
            cron: v.cron,
            kind: v.kind,
            operator_id: v.operator_id,
            active,
            last_run_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let event = AuditEvent::new(
            now,
            Actor::user(session.user_id(), &session.user.full_name),
            action::CRIAR,
            ENTITY,
        )
        .on(s.id)
        .change(None, Some(audit_view(&s)))
        .detail(format!(
            "{}: cron {}; ativo {}",
            s.name,
            s.cron,
            yes_no(s.active)
        ));
        let written = self
            .observe(self.store.save_schedule(&s, None, &event).await)
            .map_err(|e| unique_to_conflict(e, &s.name))?;
        if !written {
            return Err(stale());
        }
        self.schedule_item(s).await
    }

    pub async fn update_schedule(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        input: ScheduleInput,
    ) -> Result<ScheduleItem> {
        let session = self.schedule_admin(token, "alterar agendamentos")?;
        self.ensure_writable()?;
        let current = self.schedule_by_id(id).await?;
        if current.version != version {
            return Err(stale());
        }
        let v = self.validate_schedule(&input, Some(&current)).await?;
        self.check_schedule_name(&v.name, Some(id)).await?;
        let mut s = current.clone();
        s.name = v.name;
        s.cron = v.cron;
        s.kind = v.kind;
        s.operator_id = v.operator_id;
        s.active = input.active.unwrap_or(current.active);
        self.save_changed_schedule(&session, current, s, action::ALTERAR)
            .await
    }

    pub async fn set_schedule_active(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        active: bool,
    ) -> Result<ScheduleItem> {
        let what = if active {
            "ativar agendamentos"
        } else {
            "desativar agendamentos"
        };
        let session = self.schedule_admin(token, what)?;
        self.ensure_writable()?;
        let current = self.schedule_by_id(id).await?;
        if current.version != version {
            return Err(stale());
        }
        if active {
            // An expression that no longer has a run (edited in the database by hand)
            // cannot be switched on: the worker would never run it.
            next_run(&current.cron, self.clock.now()).map_err(|m| Error::field("cron", m))?;
        }
        let mut s = current.clone();
        s.active = active;
        let act = if active {
            action::ATIVAR
        } else {
            action::DESATIVAR
        };
        self.save_changed_schedule(&session, current, s, act).await
    }

    pub async fn delete_schedule(&self, token: &str, id: Uuid, version: i64) -> Result<()> {
        let session = self.schedule_admin(token, "excluir agendamentos")?;
        self.ensure_writable()?;
        let current = self.schedule_by_id(id).await?;
        if current.version != version {
            return Err(stale());
        }
        let event = AuditEvent::new(
            self.clock.now(),
            Actor::user(session.user_id(), &session.user.full_name),
            EXCLUIR,
            ENTITY,
        )
        .on(id)
        .change(Some(audit_view(&current)), None)
        .detail(format!(
            "{}: cron {} → (excluído); ativo {} → (excluído)",
            current.name,
            current.cron,
            yes_no(current.active)
        ));
        if !self.observe(self.store.delete_schedule(id, &event).await)? {
            return Err(not_found());
        }
        Ok(())
    }

    async fn save_changed_schedule(
        &self,
        session: &crate::sessions::Session,
        current: Schedule,
        mut s: Schedule,
        act: &str,
    ) -> Result<ScheduleItem> {
        let (before, after) = diff(&audit_view(&current), &audit_view(&s));
        if after.as_object().is_some_and(|m| m.is_empty()) {
            // Nothing changed: no new version, no audit noise.
            return self.schedule_item(current).await;
        }
        let now = self.clock.now();
        // The worker runs what next_run_at says: a new expression, or a schedule switched
        // on again, starts from now (a switched-on schedule does not catch up on the runs
        // it missed while off). Only a renamed schedule keeps a run that is already due.
        s.next_run_at = if !s.active {
            None
        } else if s.cron == current.cron && current.active {
            current.next_run_at
        } else {
            next_run(&s.cron, now).ok()
        };
        s.version = current.version + 1;
        s.updated_at = now;
        let event = AuditEvent::new(
            now,
            Actor::user(session.user_id(), &session.user.full_name),
            act,
            ENTITY,
        )
        .on(s.id)
        .change(Some(before), Some(after))
        .detail(format!(
            "{}: cron {} → {}; ativo {} → {}",
            s.name,
            current.cron,
            s.cron,
            yes_no(current.active),
            yes_no(s.active)
        ));
        let written = self
            .observe(
                self.store
                    .save_schedule(&s, Some(current.version), &event)
                    .await,
            )
            .map_err(|e| unique_to_conflict(e, &s.name))?;
        if !written {
            return Err(stale());
        }
        // The store keeps the runs' last_run_at; read the row back as the worker sees it.
        let saved = self.schedule_by_id(s.id).await?;
        self.schedule_item(saved).await
    }

    async fn schedule_by_id(&self, id: Uuid) -> Result<Schedule> {
        self.observe(self.store.list_schedules().await)?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(not_found)
    }

    async fn schedule_item(&self, s: Schedule) -> Result<ScheduleItem> {
        let operator_name = match s.operator_id {
            Some(id) => self
                .observe(self.store.operator_by_id(id).await)?
                .map(|o| o.name),
            None => None,
        };
        Ok(ScheduleItem {
            kind_label: s.kind.label(),
            description: describe_cron(&s.cron),
            operator_name,
            next_run: s.next_run_at.filter(|_| s.active).map(RunTime::of),
            last_run: s.last_run_at.map(RunTime::of),
            schedule: s,
        })
    }

    async fn validate_schedule(
        &self,
        input: &ScheduleInput,
        current: Option<&Schedule>,
    ) -> Result<Valid> {
        let mut errors = Violations::default();
        let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            errors.add("name", "Informe o nome do agendamento.");
        } else if name.chars().count() > NAME_MAX {
            errors.add(
                "name",
                format!("O nome pode ter até {NAME_MAX} caracteres."),
            );
        }
        let cron = normalize(&input.cron);
        if let Err(m) = next_run(&cron, self.clock.now()) {
            errors.add("cron", m);
        }
        let kind = match ScheduleKind::parse(input.kind.trim()) {
            None if input.kind.trim().is_empty() => {
                errors.add("kind", "Escolha o tipo do agendamento.");
                None
            }
            None => {
                errors.add(
                    "kind",
                    format!(
                        "Tipo de agendamento desconhecido: \"{}\".",
                        input.kind.trim()
                    ),
                );
                None
            }
            // An existing BACKUP_DADOS schedule may still be edited, switched off or
            // deleted; a new one (or another schedule turned into one) is not made here.
            Some(k) if !k.offered_in_editor() && current.map(|c| c.kind) != Some(k) => {
                errors.add(
                    "kind",
                    "A cópia de segurança do banco tem configuração própria em Configurações → Cópias de segurança; ela não é agendada aqui.",
                );
                None
            }
            Some(k) => Some(k),
        };
        if let Some(op) = input.operator_id {
            match kind {
                Some(k) if !k.takes_operator() => errors.add(
                    "operator_id",
                    format!(
                        "Só o agendamento \"{}\" pode ser limitado a uma operadora.",
                        ScheduleKind::ExecutarDownloads.label()
                    ),
                ),
                _ => {
                    if self.observe(self.store.operator_by_id(op).await)?.is_none() {
                        errors.add(
                            "operator_id",
                            "Operadora não encontrada. Ela pode ter sido removida; escolha outra.",
                        );
                    }
                }
            }
        }
        errors.into_result()?;
        Ok(Valid {
            name,
            cron,
            kind: kind.expect("checked above"),
            operator_id: input.operator_id,
        })
    }

    async fn check_schedule_name(&self, name: &str, except: Option<Uuid>) -> Result<()> {
        let key = name.to_lowercase();
        let taken = self
            .observe(self.store.list_schedules().await)?
            .iter()
            .any(|s| Some(s.id) != except && s.name.to_lowercase() == key);
        if taken {
            Err(name_taken(name))
        } else {
            Ok(())
        }
    }
}

/// One space between the fields, none around them.
fn normalize(cron: &str) -> String {
    cron.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The pre-check gives the friendly message; this covers the race where another desktop
/// took the name between that check and the insert.
fn unique_to_conflict(e: StoreError, name: &str) -> Error {
    match e {
        StoreError::Unique(f) if f == "name" => name_taken(name),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn run_times_are_shown_in_brasilia() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(
            RunTime::of(t),
            RunTime {
                at: "2026-12-01T06:00:00-03:00".into(),
                display: "01/12/2026 06:00".into(),
                weekday: "terça-feira",
            }
        );
        // 01:30 UTC is still the evening before in Brasília.
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 1, 30, 0).unwrap();
        assert_eq!(RunTime::of(t).display, "31/12/2026 22:30");
    }

    #[test]
    fn expressions_are_normalized() {
        assert_eq!(normalize("  0   6 1 *\t* "), "0 6 1 * *");
    }
}
