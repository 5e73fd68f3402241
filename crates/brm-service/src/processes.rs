//! Processes: the monthly creation, the list, the detail and the decisions people make
//! on them. Every status change goes through the core's state machine and is written
//! with its audit event only if nobody changed the process first (version check).

use crate::clients::actor;
use crate::sessions::Session;
use crate::Desk;
use brm_core::audit::{diff, AuditEvent};
use brm_core::client::Client;
use brm_core::execution::{Execution, LogLine};
use brm_core::operator::Page;
use brm_core::process::{
    Month, MonthCreation, Process, ProcessFilter, ProcessRow, ProcessStatus, Transition,
};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::MonthRequest;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use uuid::Uuid;

pub(crate) const ENTITY: &str = "processo";
pub const REASON_MIN_CHARS: usize = 5;
pub const REASON_MAX_CHARS: usize = 1000;

/// The office works on Brasília time (UTC−3, no daylight saving since 2019); messages
/// that say "às 14:03" use it whatever the desktop's own zone is.
pub fn brasilia(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::west_opt(3 * 3600).expect("valid offset"))
}

pub(crate) fn not_found() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Processo não encontrado. Ele pode ter sido removido; recarregue a lista.",
    )
}

/// A process as the detail screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessView {
    #[serde(flatten)]
    pub row: ProcessRow,
    pub invoice_file_name: Option<String>,
    pub invoice_size: Option<i64>,
    pub invoice_sha256: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub sent_to_sat_at: Option<DateTime<Utc>>,
    pub last_rejection_reason: Option<String>,
    pub notes: Option<String>,
    pub manual_upload: bool,
    pub auto_created: bool,
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Where the amount and the due date came from (the invoice's payment line or text,
    /// the robot's answer, or typed by a person).
    pub amount_source: Option<brm_core::process::ValueSource>,
    pub due_date_source: Option<brm_core::process::ValueSource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecutionView {
    #[serde(flatten)]
    pub execution: Execution,
    pub logs: Vec<LogLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub detail: Option<String>,
}

impl From<AuditEvent> for AuditView {
    fn from(e: AuditEvent) -> Self {
        Self {
            at: e.at,
            actor_name: e.actor.name,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessDetail {
    pub process: ProcessView,
    pub client: Client,
    pub executions: Vec<ExecutionView>,
    pub audit: Vec<AuditView>,
    /// Whether this person may approve or reject it now (role and status).
    pub can_approve: bool,
    pub can_cancel: bool,
    /// Robot actions and the manual upload (any role; status and open jobs decide).
    pub can_download_now: bool,
    pub can_retry: bool,
    pub can_send_to_sat: bool,
    pub can_upload: bool,
    /// The checks before approval (only while the invoice waits for it).
    pub checks: Vec<brm_core::approval::Check>,
    /// The first of two approvals, when one was given (four eyes).
    pub first_approval: Option<crate::approval_desk::FirstApproval>,
    /// Who uploaded the invoice by hand (None for a robot download).
    pub uploaded_by_name: Option<String>,
    /// Four eyes is on and the invoice did not pass every check.
    pub four_eyes_required: bool,
    /// Why this session cannot approve it now (pt-BR), if it cannot.
    pub blocked_reason: Option<String>,
}

pub(crate) fn reason_of(reason: &str) -> Result<String> {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = reason.chars().count();
    if n < REASON_MIN_CHARS {
        return Err(Error::validation(vec![FieldError {
            field: "reason".into(),
            message: format!("Informe o motivo (pelo menos {REASON_MIN_CHARS} caracteres)."),
        }]));
    }
    if n > REASON_MAX_CHARS {
        return Err(Error::validation(vec![FieldError {
            field: "reason".into(),
            message: format!("O motivo pode ter no máximo {REASON_MAX_CHARS} caracteres."),
        }]));
    }
    Ok(reason)
}

impl Desk {
    pub async fn create_month_processes(
        &self,
        token: &str,
        month: &str,
        operator_id: Option<Uuid>,
    ) -> Result<MonthCreation> {
        let session = self.require(token, Role::can_edit_clients, "criar os processos do mês")?;
        self.ensure_writable()?;
        let month = Month::parse(month)?;
        if let Some(op) = operator_id {
            self.store.operator_by_id(op).await?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    "Operadora não encontrada; recarregue a lista.",
                )
            })?;
        }
        let now = self.clock.now();
        let request = MonthRequest {
            month: month.to_string(),
            operator_id,
            created_by: Some(session.user_id()),
            auto: false,
            now,
        };
        let event = AuditEvent::new(now, actor(&session), "CRIAR_PROCESSOS_MES", ENTITY)
            .detail(format!("mês {}", month.display()));
        Ok(self.observe(self.store.create_month_processes(&request, &event).await)?)
    }

    pub async fn list_processes(
        &self,
        token: &str,
        filter: ProcessFilter,
    ) -> Result<Page<ProcessRow>> {
        self.require(token, Role::can_edit_clients, "ver processos")?;
        let filter = filter.normalized()?;
        Ok(self.store.list_processes(&filter).await?)
    }

    pub async fn get_process(&self, token: &str, id: Uuid) -> Result<ProcessDetail> {
        let session = self.require(token, Role::can_edit_clients, "ver processos")?;
        let p = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        let row = self.store.process_row(id).await?.ok_or_else(not_found)?;
        let client = self
            .store
            .client_by_id(p.client_id)
            .await?
            .ok_or_else(not_found)?;
        let approved_by_name = match p.approved_by {
            Some(u) => self.store.user_by_id(u).await?.map(|u| u.full_name),
            None => None,
        };
        let executions: Vec<ExecutionView> = self
            .store
            .executions_of(id)
            .await?
            .into_iter()
            .map(|(execution, logs)| ExecutionView { execution, logs })
            .collect();
        let audit = self
            .store
            .audit_trail(ENTITY, Some(id), 200)
            .await?
            .into_iter()
            .map(AuditView::from)
            .collect();
        let role = session.role();
        let has_rpa = self
            .store
            .operator_by_id(p.operator_id)
            .await?
            .is_some_and(|o| o.has_rpa && o.active);
        let actions = crate::robot_actions::available(&p, has_rpa, &executions, self.clock.now());
        let settings = self.approval_settings_now().await;
        let checks = self.approval_checks(&p, &settings).await?;
        let names = self
            .user_names(p.uploaded_by.into_iter().chain(p.first_approved_by))
            .await?;
        let gate = crate::approval_desk::gate(
            &session,
            &p,
            brm_core::approval::all_passed(&checks),
            &settings,
            &names,
        );
        Ok(ProcessDetail {
            first_approval: gate.first_approval,
            uploaded_by_name: gate.uploaded_by_name,
            four_eyes_required: gate.four_eyes_required,
            blocked_reason: gate.blocked_reason,
            can_approve: role.can_approve() && p.status == ProcessStatus::AguardandoAprovacao,
            can_cancel: role.can_cancel_processes() && !p.status.is_final(),
            can_download_now: actions.download_now,
            can_retry: actions.retry,
            can_send_to_sat: actions.send_to_sat,
            can_upload: actions.upload,
            checks,
            process: ProcessView {
                row,
                invoice_file_name: p.invoice_file_name,
                invoice_size: p.invoice_size,
                invoice_sha256: p.invoice_sha256,
                approved_by_name,
                approved_at: p.approved_at,
                sent_to_sat_at: p.sent_at,
                last_rejection_reason: p.last_rejection_reason,
                notes: p.notes,
                manual_upload: p.manual_upload,
                auto_created: p.auto_created,
                next_retry_at: p.next_retry_at,
                amount_source: p.amount_source,
                due_date_source: p.due_date_source,
            },
            client,
            executions,
            audit,
        })
    }

    pub async fn cancel_process(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        reason: &str,
    ) -> Result<ProcessRow> {
        let session = self.require(token, Role::can_cancel_processes, "cancelar processos")?;
        self.ensure_writable()?;
        let reason = reason_of(reason)?;
        self.decide(&session, id, version, Transition::Cancel, move |p, _, _| {
            p.notes = Some(format!("Cancelado: {reason}"));
            p.next_retry_at = None;
            p.needs_attention = false;
        })
        .await
    }

    /// The one path of a person's decision: version check, state machine, then one
    /// conditional write with its audit event. Losing a race is reported with who won.
    pub(crate) async fn decide(
        &self,
        session: &Session,
        id: Uuid,
        version: i64,
        t: Transition,
        change: impl Fn(&mut Process, DateTime<Utc>, &Session),
    ) -> Result<ProcessRow> {
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(self.already_decided(id).await);
        }
        let now = self.clock.now();
        let mut next = current.clone();
        next.status = current.status.apply(t)?;
        change(&mut next, now, session);
        self.commit(session, &current, next, now, t.action(), None)
            .await
    }

    /// Writes `next` (a changed copy of `current`) with its audit event if nobody changed
    /// the process first; the version and `updated_at` are set here.
    pub(crate) async fn commit(
        &self,
        session: &Session,
        current: &Process,
        mut next: Process,
        now: DateTime<Utc>,
        action: &str,
        detail: Option<String>,
    ) -> Result<ProcessRow> {
        let id = current.id;
        next.version = current.version + 1;
        next.updated_at = now;
        let (before, after) = diff(&current.audit_view(), &next.audit_view());
        let mut event = AuditEvent::new(now, actor(session), action, ENTITY)
            .on(id)
            .change(Some(before), Some(after));
        if let Some(d) = detail {
            event = event.detail(d);
        }
        event.invoice_sha256 = current.invoice_sha256.clone();
        if !self.observe(
            self.store
                .update_process(&next, current.version, &event)
                .await,
        )? {
            return Err(self.already_decided(id).await);
        }
        self.store.process_row(id).await?.ok_or_else(not_found)
    }

    /// "Já decidido por Ana às 14:03": who last changed the process, from its trail.
    pub(crate) async fn already_decided(&self, id: Uuid) -> Error {
        let last = self
            .store
            .audit_trail(ENTITY, Some(id), 1)
            .await
            .ok()
            .and_then(|mut v| v.pop());
        let message = match last {
            Some(e) => format!(
                "Este processo já foi decidido por {} às {} ({}). Recarregue para ver a situação atual.",
                e.actor.name,
                brasilia(e.at).format("%H:%M"),
                brasilia(e.at).format("%d/%m/%Y")
            ),
            None => "Este processo foi alterado por outra pessoa. Recarregue para ver a situação atual."
                .to_string(),
        };
        Error::new(ErrorCode::Conflict, message)
    }
}
