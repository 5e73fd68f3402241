//! The end of a robot job, written with its process in one transaction: a stored
//! invoice (download), UPLOAD_REALIZADO (SAT), a deferral, or a failed attempt.

use crate::engine::{actor, Step, Worker, PROCESS_ENTITY};
use crate::events::WorkerEvent;
use crate::invoice;
use crate::retry;
use brm_core::audit::{diff, AuditEvent};
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::operator::Operator;
use brm_core::process::{parse_cents, Process, Transition, ValueSource};
use brm_robot::JobStatus;
use brm_store::{ExecutionOutcome, ProcessWrite, StoreResult};
use chrono::NaiveDate;

impl Worker {
    pub(crate) async fn on_completed(
        &self,
        mut e: Execution,
        process: Process,
        operator: &Operator,
        status: JobStatus,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        // Before the robot's answer replaces what was noted on the execution.
        let tried_reading = reading_was_tried(&e);
        e.result = Some(status.raw.clone());
        e.progress = 100;
        if e.kind == ExecutionKind::UploadSat {
            return self.finish_sat(e, process).await;
        }
        let result = status.result.clone();
        let file = result
            .as_ref()
            .and_then(|r| r.file.clone())
            .filter(|f| !f.trim().is_empty());
        let Some(file) = file else {
            // "No invoice available yet": not a failure and not an attempt.
            let mut next = process.clone();
            next.next_retry_at = Some(now + self.config.deferral);
            next.version += 1;
            next.updated_at = now;
            e.status = ExecutionStatus::Concluido;
            e.finished_at = Some(now);
            e.updated_at = now;
            e.error = Some(format!(
                "O robô não encontrou fatura disponível; nova tentativa em {} h.",
                self.config.deferral.num_hours().max(1)
            ));
            e.error_class = None;
            self.write(e, &process, next, None).await?;
            return Ok(Step::Deferred);
        };
        // A file named by URL is fetched only from the origin of the robot that did the job.
        let robot = self
            .robots
            .for_operator(operator)
            .map(|r| r.base_url().to_string())
            .unwrap_or_default();
        let stored =
            match invoice::fetch_and_store(&*self.storage, &self.http, &file, &process, &robot)
                .await
            {
                Ok(s) => s,
                Err((class, message)) => {
                    return self
                        .settle_failure(
                            e,
                            process,
                            operator,
                            class,
                            ExecutionStatus::Falhou,
                            message,
                        )
                        .await
                }
            };
        let Ok(next_status) = process.status.apply(Transition::DownloadSucceeded) else {
            e.status = ExecutionStatus::Concluido;
            e.finished_at = Some(now);
            e.updated_at = now;
            self.record_only(e).await?;
            return Ok(Step::Skipped);
        };
        let mut next = process.clone();
        next.status = next_status;
        next.invoice_key = Some(stored.stored.key.clone());
        next.invoice_file_name = Some(stored.file_name);
        next.invoice_size = Some(stored.stored.size as i64);
        next.invoice_sha256 = Some(stored.stored.sha256.clone());
        // A new invoice: its own amount and due date, read from the file (payment line,
        // then text); the robot's answer only where the file says nothing.
        next.amount_cents = None;
        next.amount_source = None;
        next.due_date = None;
        next.due_date_source = None;
        let today = now.with_timezone(&crate::poll::brasilia()).date_naive();
        // The job's outcome is written down before the file is read: should reading take
        // the whole desktop down, the next pickup of this job finds the mark and does not
        // read the file again (the invoice then waits with its values to be typed).
        let reading = if tried_reading {
            Err(
                "A fatura não pôde ser lida: uma leitura anterior deste arquivo não terminou. \
                 Digite o valor e o vencimento."
                    .to_string(),
            )
        } else {
            mark_reading(&mut e, &stored.stored.key, now);
            self.store.save_execution(&e).await?;
            brm_invoice::read_safely(stored.bytes.to_vec(), today)
                .await
                .map_err(|e| e.to_string())
        };
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
        if let Some(r) = &result {
            if next.amount_cents.is_none() {
                if let Some(c) = r.amount.as_deref().and_then(parse_cents) {
                    next.amount_cents = Some(c);
                    next.amount_source = Some(ValueSource::Robo);
                }
            }
            if next.due_date.is_none() {
                if let Some(d) = r.due_date.as_deref().and_then(parse_date) {
                    next.due_date = Some(d);
                    next.due_date_source = Some(ValueSource::Robo);
                }
            }
        }
        next.download_attempts = process.download_attempts.max(e.attempt);
        next.last_download_at = Some(now);
        next.next_retry_at = None;
        next.needs_attention = false;
        next.manual_upload = false;
        // The robot brought this invoice: nobody uploaded it by hand, and an approval
        // given to an earlier file does not carry over.
        next.uploaded_by = None;
        next.first_approved_by = None;
        next.first_approved_at = None;
        next.version += 1;
        next.updated_at = now;
        e.status = ExecutionStatus::Concluido;
        e.finished_at = Some(now);
        e.updated_at = now;
        e.error = None;
        e.error_class = None;
        let audit = transition_audit(&process, &next, Transition::DownloadSucceeded);
        Ok(if self.write(e, &process, next, Some(audit)).await? {
            Step::Completed
        } else {
            Step::Skipped
        })
    }

    async fn finish_sat(&self, mut e: Execution, process: Process) -> StoreResult<Step> {
        let now = self.clock.now();
        e.status = ExecutionStatus::Concluido;
        e.finished_at = Some(now);
        e.updated_at = now;
        let Ok(next_status) = process.status.apply(Transition::SatUploadSucceeded) else {
            self.record_only(e).await?;
            return Ok(Step::Skipped);
        };
        let mut next = process.clone();
        next.status = next_status;
        next.sent_to_sat = true;
        next.sent_at = Some(now);
        next.sat_attempts = process.sat_attempts.max(e.attempt);
        next.last_sat_at = Some(now);
        next.next_retry_at = None;
        next.needs_attention = false;
        next.version += 1;
        next.updated_at = now;
        let audit = transition_audit(&process, &next, Transition::SatUploadSucceeded);
        Ok(if self.write(e, &process, next, Some(audit)).await? {
            Step::Completed
        } else {
            Step::Skipped
        })
    }

    /// A failed attempt: counted, then retried later or handed to a person.
    pub(crate) async fn settle_failure(
        &self,
        mut e: Execution,
        process: Process,
        operator: &Operator,
        class: ErrorClass,
        status: ExecutionStatus,
        message: String,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        e.status = status;
        e.error = Some(message.clone());
        e.error_class = Some(class);
        e.finished_at = Some(now);
        e.updated_at = now;
        if process.status.is_final() {
            self.record_only(e).await?;
            return Ok(Step::Skipped);
        }
        let mut next = process.clone();
        let attention = {
            let mut rng = self.rng.lock().expect("rng poisoned");
            retry::apply_failure(
                &mut next,
                e.kind,
                e.attempt,
                class,
                operator.max_attempts,
                &self.config.backoff,
                self.config.jitter,
                now,
                &mut *rng,
            )
        };
        next.version += 1;
        next.updated_at = now;
        let audit = (attention && !process.needs_attention).then(|| {
            AuditEvent::new(now, actor(), "PRECISA_ATENCAO", PROCESS_ENTITY)
                .on(process.id)
                .detail(message)
        });
        self.write(e, &process, next, audit).await?;
        Ok(Step::Failed { attention })
    }

    /// Execution and process together; if a person changed the process meanwhile, the
    /// execution is still recorded and the process is left as that person made it.
    async fn write(
        &self,
        e: Execution,
        current: &Process,
        next: Process,
        audit: Option<AuditEvent>,
    ) -> StoreResult<bool> {
        let (id, process_id) = (e.id, e.process_id);
        let written = self
            .store
            .finish_execution(&ExecutionOutcome {
                execution: e.clone(),
                process: Some(ProcessWrite {
                    process: next,
                    expected_version: current.version,
                    audit,
                }),
            })
            .await?;
        if !written {
            self.store
                .finish_execution(&ExecutionOutcome {
                    execution: e,
                    process: None,
                })
                .await?;
        }
        self.emit(WorkerEvent::ExecutionChanged { id, process_id });
        self.emit(WorkerEvent::ProcessChanged(process_id));
        Ok(written)
    }

    pub(crate) async fn record_only(&self, e: Execution) -> StoreResult<()> {
        let (id, process_id) = (e.id, e.process_id);
        self.store
            .finish_execution(&ExecutionOutcome {
                execution: e,
                process: None,
            })
            .await?;
        self.emit(WorkerEvent::ExecutionChanged { id, process_id });
        Ok(())
    }
}

/// The key of the execution's result under which the worker notes that it is reading
/// the stored invoice.
const READING_KEY: &str = "brm_leitura";

fn mark_reading(e: &mut Execution, key: &str, now: chrono::DateTime<chrono::Utc>) {
    let mut result = e.result.clone().unwrap_or_else(|| serde_json::json!({}));
    if !result.is_object() {
        result = serde_json::json!({ "robo": result });
    }
    result[READING_KEY] = serde_json::json!({ "arquivo": key, "iniciada_em": now });
    e.result = Some(result);
    e.updated_at = now;
}

fn reading_was_tried(e: &Execution) -> bool {
    e.result.as_ref().and_then(|r| r.get(READING_KEY)).is_some()
}

fn transition_audit(before: &Process, after: &Process, t: Transition) -> AuditEvent {
    let (b, a) = diff(&before.audit_view(), &after.audit_view());
    let mut event = AuditEvent::new(after.updated_at, actor(), t.action(), PROCESS_ENTITY)
        .on(after.id)
        .change(Some(b), Some(a));
    event.invoice_sha256 = after.invoice_sha256.clone();
    event
}

/// "25/12/2026" or "2026-12-25".
fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_from_the_old_robot() {
        assert_eq!(
            super::parse_date("25/12/2026"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 25)
        );
        assert_eq!(
            super::parse_date("2026-12-25"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 25)
        );
        assert_eq!(super::parse_date("amanhã"), None);
    }
}
