//! What a person asks of the robot side from a process: "Baixar agora", "Retentar",
//! "Enviar ao SAT", the manual PDF upload; and the executions screen. The background
//! worker does the robot calls; these only make the process due (audited, version
//! checked) and wake it.

use crate::clients::actor;
use crate::processes::{ExecutionView, ProcessDetail, ENTITY};
use crate::Desk;
use base64::Engine as _;
use brm_core::audit::{diff, AuditEvent};
use brm_core::execution::{
    Execution, ExecutionFilter, ExecutionKind, ExecutionRow, ExecutionStatus, LogLine,
};
use brm_core::invoice::{display_file_name, looks_like_pdf, storage_key, MAX_BYTES};
use brm_core::operator::Page;
use brm_core::process::{Process, ProcessStatus, Transition};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_storage::{Bytes, InvoiceStorage};
use brm_store::{ExecutionOutcome, ProcessWrite};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// What the desk needs from the robot side: where invoices are stored and how to wake
/// the worker. Absent in tests of other use cases.
#[derive(Clone)]
pub struct RobotHooks {
    pub storage: Arc<dyn InvoiceStorage>,
    pub wake: Arc<dyn Fn() + Send + Sync>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecutionDetail {
    pub execution: ExecutionRow,
    pub logs: Vec<LogLine>,
}

/// Which robot actions a process allows now.
pub(crate) struct Available {
    pub download_now: bool,
    pub retry: bool,
    pub send_to_sat: bool,
    pub upload: bool,
}

pub(crate) fn available(
    p: &Process,
    has_rpa: bool,
    executions: &[ExecutionView],
    now: DateTime<Utc>,
) -> Available {
    let open = executions.iter().any(|e| e.execution.status.is_open());
    let waiting = p.needs_attention || p.next_retry_at.is_some_and(|t| t > now);
    Available {
        download_now: p.status == ProcessStatus::AguardandoDownload && has_rpa && !open,
        retry: matches!(
            p.status,
            ProcessStatus::AguardandoDownload | ProcessStatus::AguardandoEnvioSat
        ) && !open
            && waiting
            && (has_rpa || p.status == ProcessStatus::AguardandoEnvioSat),
        send_to_sat: p.status == ProcessStatus::AguardandoEnvioSat && !open,
        upload: p.status == ProcessStatus::AguardandoDownload && !open,
    }
}

fn conflict(message: &str) -> Error {
    Error::new(ErrorCode::Conflict, message)
}

fn not_found() -> Error {
    Error::new(ErrorCode::NotFound, "Processo não encontrado.")
}

impl Desk {
    /// This desk (and its clones from now on) with these hooks; the desk it was cloned
    /// from keeps its own.
    pub fn with_robot(mut self, hooks: RobotHooks) -> Self {
        self.robot = Arc::new(std::sync::RwLock::new(Some(hooks)));
        self
    }

    /// The robot side, once it could be started (after the first login, on the shared
    /// database with personal logins); every clone of this desk sees it.
    pub fn set_robot(&self, hooks: RobotHooks) {
        *self.robot.write().unwrap_or_else(|e| e.into_inner()) = Some(hooks);
    }

    pub fn has_robot(&self) -> bool {
        self.robot_hooks().is_some()
    }

    pub(crate) fn robot_hooks(&self) -> Option<RobotHooks> {
        self.robot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn hooks(&self) -> Result<RobotHooks> {
        self.robot_hooks().ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "O serviço de robôs não foi iniciado nesta instalação.",
            )
        })
    }

    pub async fn list_executions(
        &self,
        token: &str,
        filter: ExecutionFilter,
    ) -> Result<Page<ExecutionRow>> {
        self.require(token, Role::can_edit_clients, "ver execuções")?;
        if let Some(m) = filter.month.as_deref().filter(|m| !m.trim().is_empty()) {
            brm_core::process::Month::parse(m)?;
        }
        Ok(self.observe(self.store.list_executions(&filter).await)?)
    }

    pub async fn get_execution(&self, token: &str, id: Uuid) -> Result<ExecutionDetail> {
        self.require(token, Role::can_edit_clients, "ver execuções")?;
        let (execution, logs) = self
            .observe(self.store.execution_detail(id).await)?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "Execução não encontrada."))?;
        Ok(ExecutionDetail { execution, logs })
    }

    /// "Baixar agora": the process becomes due at once.
    pub async fn download_now(&self, token: &str, id: Uuid, version: i64) -> Result<ProcessDetail> {
        self.robot_request(token, id, version, "BAIXAR_AGORA", |p, has_rpa| {
            if p.status != ProcessStatus::AguardandoDownload {
                return Err(conflict("Só é possível baixar a fatura de um processo que aguarda download."));
            }
            if !has_rpa {
                return Err(conflict(
                    "A operadora deste processo não tem robô: envie a fatura em PDF pelo formulário.",
                ));
            }
            Ok(())
        })
        .await
    }

    /// "Retentar": a process that needs attention (or waits for its next retry) is due
    /// again; the attempt it makes counts like any other.
    pub async fn retry_process(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
    ) -> Result<ProcessDetail> {
        self.robot_request(token, id, version, "RETENTAR", |p, has_rpa| {
            match p.status {
                ProcessStatus::AguardandoEnvioSat => Ok(()),
                ProcessStatus::AguardandoDownload if has_rpa => Ok(()),
                ProcessStatus::AguardandoDownload => Err(conflict(
                    "A operadora deste processo não tem robô: envie a fatura em PDF pelo formulário.",
                )),
                _ => Err(conflict(
                    "Só é possível retentar um processo que aguarda download ou envio ao SAT.",
                )),
            }
        })
        .await
    }

    /// "Enviar ao SAT": an approved invoice goes now (also when automatic sending is off).
    pub async fn send_to_sat(&self, token: &str, id: Uuid, version: i64) -> Result<ProcessDetail> {
        self.robot_request(token, id, version, "ENVIAR_SAT", |p, _| {
            if p.status != ProcessStatus::AguardandoEnvioSat {
                return Err(conflict("Só é possível enviar ao SAT uma fatura aprovada."));
            }
            Ok(())
        })
        .await
    }

    async fn robot_request(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        action: &str,
        check: impl Fn(&Process, bool) -> Result<()>,
    ) -> Result<ProcessDetail> {
        let session = self.require(token, Role::can_edit_clients, "acionar o robô")?;
        self.ensure_writable()?;
        let hooks = self.hooks()?;
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(self.already_decided(id).await);
        }
        let has_rpa = self
            .store
            .operator_by_id(current.operator_id)
            .await?
            .is_some_and(|o| o.has_rpa && o.active);
        check(&current, has_rpa)?;
        self.refuse_if_running(id).await?;
        let now = self.clock.now();
        let mut next = current.clone();
        next.next_retry_at = Some(now);
        next.needs_attention = false;
        next.version += 1;
        next.updated_at = now;
        let event = AuditEvent::new(now, actor(&session), action, ENTITY)
            .on(id)
            .change(
                Some(serde_json::json!({"next_retry_at": current.next_retry_at, "needs_attention": current.needs_attention})),
                Some(serde_json::json!({"next_retry_at": next.next_retry_at, "needs_attention": false})),
            );
        if !self.observe(self.store.update_process(&next, version, &event).await)? {
            return Err(self.already_decided(id).await);
        }
        (hooks.wake)();
        self.get_process(token, id).await
    }

    async fn refuse_if_running(&self, id: Uuid) -> Result<()> {
        let running = self
            .store
            .executions_of(id)
            .await?
            .iter()
            .any(|(e, _)| e.status.is_open());
        if running {
            return Err(conflict(
                "O robô já está trabalhando neste processo; aguarde o resultado.",
            ));
        }
        Ok(())
    }

    /// A PDF sent by hand (operators without a robot, or a portal the robot cannot read):
    /// checked, stored and hashed like a downloaded one, then the process waits for
    /// approval. Nobody approves an invoice they uploaded (issue 5 enforces it from the
    /// UPLOAD_MANUAL execution's `triggered_by`).
    pub async fn upload_invoice(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        file_name: &str,
        content_base64: &str,
    ) -> Result<ProcessDetail> {
        let session = self.require(token, Role::can_edit_clients, "enviar faturas")?;
        self.ensure_writable()?;
        let hooks = self.hooks()?;
        let bytes = decode_pdf(content_base64)?;
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(self.already_decided(id).await);
        }
        let next_status = current.status.apply(Transition::ManualUpload)?;
        self.refuse_if_running(id).await?;
        let sha = brm_storage::sha256_hex(&bytes);
        // Amount and due date from the file itself (payment line, then text).
        let today = crate::brasilia(self.clock.now()).date_naive();
        let reading = brm_invoice::read_safely(bytes.to_vec(), today)
            .await
            .map_err(|e| e.to_string());
        let key = storage_key(&current, &sha);
        let stored = hooks
            .storage
            .put(&key, Bytes::from(bytes))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorCode::Internal,
                    format!("Não foi possível guardar a fatura: {e}. Nada foi alterado."),
                )
            })?;
        let now = self.clock.now();
        let name = display_file_name(file_name);
        let mut next = current.clone();
        next.status = next_status;
        next.invoice_key = Some(stored.key.clone());
        next.invoice_file_name = Some(name.clone());
        next.invoice_size = Some(stored.size as i64);
        next.invoice_sha256 = Some(stored.sha256.clone());
        next.manual_upload = true;
        // Whoever uploads it by hand may not approve it; an earlier first approval was
        // given to another file.
        next.uploaded_by = Some(session.user_id());
        next.first_approved_by = None;
        next.first_approved_at = None;
        // The payment line as read now, so the approval checks need not read the file again.
        match &reading {
            Ok(r) => next.record_payment_line(
                r.payment_line.as_ref().map(|l| l.digits.clone()),
                r.invalid_payment_line.clone(),
            ),
            Err(e) => next.record_payment_line(None, Some(e.clone())),
        }
        // Whose invoice and of which month its text says: a file that could not be read
        // says nothing (the check then asks a person to look).
        next.invoice_identity = Some(
            reading
                .as_ref()
                .map(|r| r.identity.clone())
                .unwrap_or_default(),
        );
        let reading = reading.ok();
        next.amount_cents = None;
        next.amount_source = None;
        next.due_date = None;
        next.due_date_source = None;
        if let Some(r) = &reading {
            if let (Some(c), Some(src)) = (r.amount_cents, r.amount_source) {
                next.amount_cents = Some(c);
                next.amount_source = Some(src.value_source());
            }
            if let (Some(d), Some(src)) = (r.due_date, r.due_date_source) {
                next.due_date = Some(d);
                next.due_date_source = Some(src.value_source());
            }
        }
        next.needs_attention = false;
        next.next_retry_at = None;
        next.version += 1;
        next.updated_at = now;
        let execution = Execution {
            id: Uuid::new_v4(),
            process_id: id,
            kind: ExecutionKind::UploadManual,
            status: ExecutionStatus::Concluido,
            job_id: None,
            endpoint: None,
            request: None,
            result: Some(serde_json::json!({
                "arquivo": name,
                "tamanho": stored.size,
                "sha256": stored.sha256,
                "enviado_por": session.user_id(),
            })),
            progress: 100,
            attempt: 1,
            started_at: Some(now),
            finished_at: Some(now),
            error: None,
            error_class: None,
            triggered_by: session.user.full_name.clone(),
            created_at: now,
            updated_at: now,
        };
        let (before, after) = diff(&current.audit_view(), &next.audit_view());
        let mut event = AuditEvent::new(
            now,
            actor(&session),
            Transition::ManualUpload.action(),
            ENTITY,
        )
        .on(id)
        .change(Some(before), Some(after));
        event.invoice_sha256 = Some(stored.sha256.clone());
        let written = self.observe(
            self.store
                .finish_execution(&ExecutionOutcome {
                    execution,
                    process: Some(ProcessWrite {
                        process: next,
                        expected_version: version,
                        audit: Some(event),
                    }),
                })
                .await,
        )?;
        if !written {
            return Err(self.already_decided(id).await);
        }
        (hooks.wake)();
        self.get_process(token, id).await
    }
}

fn decode_pdf(content_base64: &str) -> Result<Vec<u8>> {
    let field = |m: String| {
        Error::validation(vec![FieldError {
            field: "file".into(),
            message: m,
        }])
    };
    // Base64 is 4/3 of the file: refuse before decoding a huge payload.
    if content_base64.len() > MAX_BYTES / 3 * 4 + 8 {
        return Err(field(format!(
            "O arquivo passa de {} MB, o limite de uma fatura.",
            MAX_BYTES / (1024 * 1024)
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content_base64.trim())
        .map_err(|_| field("O arquivo não chegou inteiro; escolha-o de novo.".into()))?;
    if bytes.is_empty() {
        return Err(field("O arquivo está vazio.".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(field(format!(
            "O arquivo tem {:.1} MB; o limite é {} MB.",
            bytes.len() as f64 / (1024.0 * 1024.0),
            MAX_BYTES / (1024 * 1024)
        )));
    }
    if !looks_like_pdf(&bytes) {
        return Err(field("O arquivo precisa ser um PDF.".into()));
    }
    Ok(bytes)
}
