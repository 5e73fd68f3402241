//! Creates whose answer was lost: held, then matched with the job the robot made (or
//! shown to have made none) before anything is sent again. The rule that decides is
//! brm-core's [`brm_core::reconcile::decide`]; this module gathers what it needs.

use crate::engine::{Step, Worker};
use crate::events::WorkerEvent;
use crate::start::Prepared;
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::operator::Operator;
use brm_core::reconcile::{decide, Decision, OpenCreate, Unconfirmed, UnknownJob};
use brm_robot::{JobSummary, RobotClient};
use brm_store::{StoreError, StoreResult};
use chrono::{TimeZone, Utc};

impl Worker {
    /// Marks `e` unconfirmed: its create may have made a job the robot never named. No
    /// attempt is counted; no new create of its queue starts until it is matched (the
    /// claim's own rule).
    pub(crate) async fn hold_unconfirmed(
        &self,
        mut e: Execution,
        reason: String,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        let sent_at = Unconfirmed::of(e.result.as_ref()).map_or(now, |m| m.sent_at);
        let marker = Unconfirmed {
            sent_at,
            failed_at: Some(now),
            reason,
        };
        e.status = ExecutionStatus::Pendente;
        e.error = Some(marker.message());
        e.result = Some(marker.to_result());
        e.updated_at = now;
        self.store.save_execution(&e).await?;
        tracing::info!(execution = %e.id, "robot create answer lost: held for reconciliation");
        self.emit(WorkerEvent::ExecutionChanged {
            id: e.id,
            process_id: e.process_id,
        });
        Ok(Step::Unconfirmed)
    }

    /// An open execution with no job id that no task of this worker is starting.
    pub(crate) async fn reconcile(&self, e: Execution) -> StoreResult<Step> {
        let Some(marker) = Unconfirmed::of(e.result.as_ref()) else {
            // Its worker stopped before sending the create: nothing to look for.
            self.put_back(e).await?;
            return Ok(Step::Skipped);
        };
        let Some(failed_at) = marker.failed_at else {
            // Its worker stopped while the create was in the air: a lost answer.
            return self
                .hold_unconfirmed(
                    e,
                    "O serviço foi interrompido antes de o robô responder ao pedido.".into(),
                )
                .await;
        };
        let now = self.clock.now();
        if now < failed_at + self.config.reconcile_after {
            return Ok(Step::Unchanged);
        }
        let process = self.process_of_execution(&e).await?;
        let operator = self.operator_of(&process).await?;
        let robot = match e.kind {
            ExecutionKind::UploadSat => self.robots.main(),
            _ => match self.robots.for_operator(&operator) {
                Ok(r) => r,
                Err(msg) => {
                    return self
                        .settle_failure(
                            e,
                            process,
                            &operator,
                            ErrorClass::Negocio,
                            ExecutionStatus::Falhou,
                            msg,
                        )
                        .await
                }
            },
        };
        if self.knows_idempotency(&robot).await {
            return self.resend(e, marker, process, operator).await;
        }
        let listed = {
            let _turn = self.lane(&robot).await;
            crate::flight::hedged(self.config.hedge_after, || robot.jobs()).await
        };
        let listed = match listed {
            Ok(l) => l.jobs,
            Err(err) => {
                if err.is_unauthorized() {
                    self.token_refused(&err.message);
                }
                tracing::debug!("robot job list not read: {}", err.message);
                return Ok(Step::Unchanged);
            }
        };
        // The order matters: the robot's list first, then the creates still without a job
        // id, then the job ids recorded. A create answered meanwhile is then either still
        // without a job id (a rival) or recorded (not a candidate), never neither.
        let same_queue: Vec<&JobSummary> = listed
            .iter()
            .filter(|j| same_queue(&e, &operator, j))
            .collect();
        let open: Vec<OpenCreate> = self
            .store
            .executions_without_job()
            .await?
            .into_iter()
            .filter(|(o, op)| {
                o.kind == e.kind && (e.kind == ExecutionKind::UploadSat || *op == operator.id)
            })
            // Claimed and never sent: no job of theirs can exist.
            .filter_map(|(o, _)| {
                let m = Unconfirmed::of(o.result.as_ref())?;
                Some(OpenCreate {
                    execution_id: o.id,
                    sent_at: m.sent_at,
                    failed_at: m.failed_at,
                })
            })
            .collect();
        let ids: Vec<String> = same_queue.iter().map(|j| j.job_id.clone()).collect();
        let known = self.store.known_job_ids(&ids).await?;
        let unknown: Vec<UnknownJob> = same_queue
            .iter()
            .filter(|j| !known.contains(&j.job_id))
            .filter_map(|j| {
                Some(UnknownJob {
                    job_id: j.job_id.clone(),
                    // The robot writes times without a zone, in UTC.
                    created_at: Utc.from_utc_datetime(&j.created_at?),
                })
            })
            .collect();
        match decide(e.id, &open, &unknown, self.config.robot_clock_margin) {
            Decision::Adopt(job_id) => self.adopt(e, job_id).await,
            Decision::NothingCreated => {
                let message = format!(
                    "{} A lista de jobs do robô mostra que nenhum job foi criado; uma nova \
                     tentativa foi agendada.",
                    marker.reason.trim_end()
                );
                self.settle_failure(
                    e,
                    process,
                    &operator,
                    ErrorClass::Transitorio,
                    ExecutionStatus::Falhou,
                    message,
                )
                .await
            }
            Decision::Wait(why) => self.still_unsure(e, marker, process, operator, why).await,
        }
    }

    /// The robot honours `Idempotency-Key`: the same create, with the same key, answers
    /// the job the first one made (or makes it, if it never was).
    async fn resend(
        &self,
        mut e: Execution,
        marker: Unconfirmed,
        process: brm_core::process::Process,
        operator: Operator,
    ) -> StoreResult<Step> {
        let client = self
            .store
            .client_by_id(process.client_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("processo {} sem cliente", process.id)))?;
        let sent = self.send(&process, &client, &operator, &mut e).await?;
        if !matches!(&sent, Prepared::Ready(Err(err)) if err.may_have_taken_effect()) {
            e.result = None;
        }
        match sent {
            Prepared::Ready(Ok(accepted)) => self.adopt(e, accepted.job_id).await,
            Prepared::Ready(Err(err)) if err.may_have_taken_effect() => {
                let reason = format!("{} De novo: {}", marker.reason.trim_end(), err.message);
                self.hold_unconfirmed(e, reason).await
            }
            Prepared::Ready(Err(err)) if err.is_unauthorized() => {
                self.token_refused(&err.message);
                Ok(Step::Unchanged)
            }
            Prepared::Ready(Err(err)) => {
                self.settle_failure(
                    e,
                    process,
                    &operator,
                    err.class(),
                    ExecutionStatus::Falhou,
                    err.message,
                )
                .await
            }
            // Cannot resend from here; the create may have acted: keep it held.
            Prepared::LeftToOthers(_) => Ok(Step::Unchanged),
            Prepared::Refused(class, message) => {
                self.settle_failure(
                    e,
                    process,
                    &operator,
                    class,
                    ExecutionStatus::Falhou,
                    message,
                )
                .await
            }
        }
    }

    /// Whether `robot` says it honours `Idempotency-Key`, asking its `/health` once.
    async fn knows_idempotency(&self, robot: &RobotClient) -> bool {
        if robot.supports_idempotency().is_none() {
            let _ = robot.health().await;
        }
        robot.supports_idempotency() == Some(true)
    }

    /// The job the lost create made: recorded, then polled like any other.
    async fn adopt(&self, mut e: Execution, job_id: String) -> StoreResult<Step> {
        let now = self.clock.now();
        e.job_id = Some(job_id.clone());
        e.status = ExecutionStatus::Pendente;
        e.result = None;
        e.error = None;
        e.updated_at = now;
        match self.store.save_execution(&e).await {
            Ok(()) => {}
            // Another execution recorded that job meanwhile: not ours; look again later.
            Err(StoreError::Unique(_)) => return Ok(Step::Unchanged),
            Err(other) => return Err(other),
        }
        tracing::info!(execution = %e.id, job = %job_id, "robot job of a lost answer adopted");
        self.emit(WorkerEvent::ExecutionChanged {
            id: e.id,
            process_id: e.process_id,
        });
        Ok(Step::Adopted)
    }

    /// Not without doubt yet: keep waiting (nothing new is created for the operator
    /// meanwhile), or, after `reconcile_give_up`, hand it to a person.
    async fn still_unsure(
        &self,
        mut e: Execution,
        marker: Unconfirmed,
        process: brm_core::process::Process,
        operator: Operator,
        why: String,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        let failed_at = marker.failed_at.unwrap_or(marker.sent_at);
        if now - failed_at >= self.config.reconcile_give_up {
            let message = format!(
                "{} Não foi possível saber sem dúvida se o robô criou um job para este pedido: \
                 {why}. Confira no serviço de robôs antes de pedir de novo.",
                marker.reason.trim_end()
            );
            return self
                .settle_failure(
                    e,
                    process,
                    &operator,
                    ErrorClass::Negocio,
                    ExecutionStatus::Falhou,
                    message,
                )
                .await;
        }
        let message = format!("{} Aguardando: {why}.", marker.message());
        if e.error.as_deref() != Some(message.as_str()) {
            e.error = Some(message);
            e.updated_at = now;
            self.store.save_execution(&e).await?;
        }
        Ok(Step::Unchanged)
    }

    async fn process_of_execution(&self, e: &Execution) -> StoreResult<brm_core::process::Process> {
        self.store
            .process_by_id(e.process_id)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("execução {} sem processo {}", e.id, e.process_id))
            })
    }
}

/// A job of the robot's queue the execution's create would have made: the operator's
/// code for a download (the service's own spelling, compared without case), the SAT's
/// for an upload.
fn same_queue(e: &Execution, operator: &Operator, j: &JobSummary) -> bool {
    let Some(op) = j.operadora.as_deref().map(str::trim) else {
        return false;
    };
    match e.kind {
        ExecutionKind::UploadSat => op.eq_ignore_ascii_case("sat"),
        _ => op.eq_ignore_ascii_case(operator.code.trim()),
    }
}
