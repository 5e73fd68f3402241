//! Asking the robot about the jobs this worker leased: progress, new log lines, and the
//! end of each job.

use crate::engine::{CycleReport, Step, Worker};
use brm_core::execution::{ErrorClass, Execution, ExecutionStatus, LogLine};
use brm_core::operator::Operator;
use brm_core::process::Process;
use brm_robot::{JobState, JobStatus, RobotErrorKind};
use brm_store::{PollClaim, StoreError, StoreResult};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// Per worker: the operator of each process (it never changes), operators read at most
/// once a minute, and how many log lines of each open execution are already stored.
/// Losing it (a restart) only costs a few reads and writes the database deduplicates.
#[derive(Default)]
pub(crate) struct PollMemo {
    operator_of: Mutex<HashMap<Uuid, Uuid>>,
    operators: Mutex<HashMap<Uuid, (Operator, DateTime<Utc>)>>,
    logged: Mutex<HashMap<Uuid, usize>>,
}

impl PollMemo {
    pub(crate) fn forget(&self, execution: Uuid) {
        self.logged.lock().expect("memo").remove(&execution);
    }
}

impl Worker {
    pub(crate) async fn poll_open(
        self: &std::sync::Arc<Self>,
        report: &mut CycleReport,
        wait: Option<std::time::Duration>,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_open_executions(&PollClaim {
                now,
                owner: self.config.owner.clone(),
                lease_until: now + self.config.lease,
                limit: self.config.poll_batch,
            })
            .await?;
        let claimed: Vec<Execution> = claimed
            .into_iter()
            .filter(|e| !self.flight.is_busy(e.id))
            .collect();
        report.polled += claimed.len() as u32;
        let steps = self
            .fan_out(
                claimed,
                |e| vec![e.id],
                wait,
                |w, e| async move { w.poll_one(e).await },
            )
            .await;
        for s in steps {
            let (step, lines) = s?;
            report.add(step);
            report.new_log_lines += lines;
        }
        Ok(())
    }

    async fn process_of(&self, e: &Execution) -> StoreResult<Process> {
        self.store
            .process_by_id(e.process_id)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("execução {} sem processo {}", e.id, e.process_id))
            })
    }

    /// The operator of an execution's process, without reading the process each poll.
    async fn operator_for(&self, e: &Execution) -> StoreResult<Operator> {
        let known = self
            .memo
            .operator_of
            .lock()
            .expect("memo")
            .get(&e.process_id)
            .copied();
        let operator_id = match known {
            Some(id) => id,
            None => {
                let p = self.process_of(e).await?;
                self.memo
                    .operator_of
                    .lock()
                    .expect("memo")
                    .insert(p.id, p.operator_id);
                p.operator_id
            }
        };
        let now = self.clock.now();
        if let Some((op, at)) = self.memo.operators.lock().expect("memo").get(&operator_id) {
            if now - *at < Duration::seconds(60) {
                return Ok(op.clone());
            }
        }
        let op = self
            .store
            .operator_by_id(operator_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("operadora {operator_id} ausente")))?;
        self.memo
            .operators
            .lock()
            .expect("memo")
            .insert(operator_id, (op.clone(), now));
        Ok(op)
    }

    async fn poll_one(&self, e: Execution) -> StoreResult<(Step, u64)> {
        let Some(job_id) = e.job_id.clone() else {
            // A create whose answer was lost, or whose worker stopped before it came:
            // matched with the robot's jobs before anything is sent again.
            return Ok((self.reconcile(e).await?, 0));
        };
        let operator = self.operator_for(&e).await?;
        let robot = match e.kind {
            brm_core::execution::ExecutionKind::UploadSat => self.robots.main(),
            _ => match self.robots.for_operator(&operator) {
                Ok(r) => r,
                Err(msg) => {
                    let process = self.process_of(&e).await?;
                    let step = self
                        .settle_failure(
                            e,
                            process,
                            &operator,
                            ErrorClass::Negocio,
                            ExecutionStatus::Falhou,
                            msg,
                        )
                        .await?;
                    return Ok((step, 0));
                }
            },
        };
        let answer = {
            let _turn = self.lane(&robot).await;
            crate::flight::hedged(self.config.hedge_after, || robot.job_status(&job_id)).await
        };
        let status = match answer {
            Ok(s) => s,
            Err(err) => {
                return match err.kind {
                    RobotErrorKind::Unauthorized => {
                        self.token_refused(&err.message);
                        Ok((Step::Unchanged, 0))
                    }
                    RobotErrorKind::JobLost => {
                        let process = self.process_of(&e).await?;
                        let msg = format!(
                            "O job {job_id} não existe mais no serviço de robôs (perdido); uma nova tentativa foi agendada."
                        );
                        let step = self
                            .settle_failure(
                                e,
                                process,
                                &operator,
                                ErrorClass::Transitorio,
                                ExecutionStatus::Falhou,
                                msg,
                            )
                            .await?;
                        Ok((step, 0))
                    }
                    // The robot did not answer well this time: ask again next cycle.
                    _ => {
                        tracing::debug!(job = %job_id, "status not read: {}", err.message);
                        Ok((Step::Unchanged, 0))
                    }
                };
            }
        };
        let lines = self.append_logs(&e, &status).await?;
        let step = self.follow(e, &operator, status).await?;
        Ok((step, lines))
    }

    async fn append_logs(&self, e: &Execution, status: &JobStatus) -> StoreResult<u64> {
        use brm_core::execution::{log_lines_left_out, storable_log_line, MAX_LOG_LINES};
        let known = self
            .memo
            .logged
            .lock()
            .expect("memo")
            .get(&e.id)
            .copied()
            .unwrap_or(0);
        // What is stored: the first MAX_LOG_LINES lines, then one line saying the rest was
        // left out (a robot that writes without end must not fill the database).
        let written = status.logs.len();
        let storable = written.min(MAX_LOG_LINES) + usize::from(written > MAX_LOG_LINES);
        if storable <= known {
            return Ok(0);
        }
        // The client's portal password, to mask it wherever the robot echoes it (a
        // download's log; a SAT upload's request carries no portal password).
        let secret = match e.kind {
            brm_core::execution::ExecutionKind::DownloadFatura => {
                match self.store.process_by_id(e.process_id).await? {
                    Some(p) => self.portal_password(p.client_id).await.ok().flatten(),
                    None => None,
                }
            }
            _ => None,
        };
        let now = self.clock.now();
        let mut lines: Vec<LogLine> = status
            .logs
            .iter()
            .take(MAX_LOG_LINES)
            .enumerate()
            .map(|(i, l)| LogLine {
                seq: i as i64,
                // The robot writes times without a zone; its FastAPI code uses UTC
                // (`utcnow().isoformat()`, as the simulator does).
                at: l
                    .timestamp
                    .map(|t| Utc.from_utc_datetime(&t))
                    .unwrap_or(now),
                level: storable_log_line(l.level.as_deref().unwrap_or("INFO"), None)
                    .chars()
                    .take(16)
                    .collect(),
                message: storable_log_line(&l.message, secret.as_deref()),
            })
            .collect();
        if written > MAX_LOG_LINES {
            lines.push(LogLine {
                seq: MAX_LOG_LINES as i64,
                at: now,
                level: "WARNING".into(),
                message: log_lines_left_out(written),
            });
        }
        let added = self
            .store
            .append_execution_logs(e.id, &lines[known..])
            .await?;
        self.memo
            .logged
            .lock()
            .expect("memo")
            .insert(e.id, lines.len());
        if added > 0 {
            self.emit(crate::events::WorkerEvent::ExecutionChanged {
                id: e.id,
                process_id: e.process_id,
            });
        }
        Ok(added)
    }

    /// Moves the execution (and at the end, the process) to what the robot reported.
    async fn follow(
        &self,
        mut e: Execution,
        operator: &Operator,
        status: JobStatus,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        match &status.state {
            JobState::Completed => {
                self.memo.forget(e.id);
                // Finished, late or not: the note that it was late is over.
                if e.error.as_deref().is_some_and(is_late_message) {
                    e.error = None;
                }
                let process = self.process_of(&e).await?;
                self.on_completed(e, process, operator, status).await
            }
            JobState::Failed => {
                self.memo.forget(e.id);
                let process = self.process_of(&e).await?;
                let message = status
                    .error
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| "O robô informou falha sem detalhes.".into());
                let class = brm_robot::classify_job_error(&message);
                e.result = Some(status.raw.clone());
                self.settle_failure(
                    e,
                    process,
                    operator,
                    class,
                    ExecutionStatus::Falhou,
                    message,
                )
                .await
            }
            // Pending, running, or a status this version does not know: still running.
            _ => {
                let before_error = e.error.clone();
                let running = !matches!(status.state, JobState::Pending);
                let next_status = if running {
                    ExecutionStatus::Executando
                } else {
                    ExecutionStatus::Pendente
                };
                if running && e.started_at.is_none() {
                    e.started_at = Some(now);
                }
                if let Some(started) = e.started_at.filter(|_| running) {
                    let limit = Duration::seconds(operator.timeout_secs);
                    if now - started > limit + self.config.late_give_up {
                        return self.give_up_late(e, operator, &status).await;
                    }
                    if now - started > limit {
                        // Past the operator's limit. Jobs cannot be cancelled on the robot:
                        // a new attempt now would run beside this one (a second portal
                        // login, a second SAT upload) and what this one brings would sit
                        // on the robot. It is followed to its end instead, and says so.
                        e.error = Some(late_message(operator, &job_id_of(&e)));
                    }
                }
                let late_changed = e.error != before_error;
                let changed =
                    late_changed || e.status != next_status || e.progress != status.progress;
                if !changed {
                    return Ok(Step::Unchanged);
                }
                e.status = next_status;
                e.progress = status.progress.clamp(0, 100);
                if !matches!(status.state, JobState::Pending | JobState::Running) {
                    // Keep what the robot said when we did not understand it.
                    e.result = Some(status.raw.clone());
                }
                e.updated_at = now;
                self.store.save_execution(&e).await?;
                self.emit(crate::events::WorkerEvent::ExecutionChanged {
                    id: e.id,
                    process_id: e.process_id,
                });
                Ok(Step::Running)
            }
        }
    }
}

impl Worker {
    /// Still running on the robot `late_give_up` after the operator's limit: taken as
    /// stuck and handed to a person, with the job named (nothing is sent again by itself).
    async fn give_up_late(
        &self,
        mut e: Execution,
        operator: &Operator,
        status: &JobStatus,
    ) -> StoreResult<Step> {
        self.memo.forget(e.id);
        let process = self.process_of(&e).await?;
        e.result = Some(status.raw.clone());
        let message = format!(
            "O job {} continua em execução no robô mais de {} h depois do limite de {} s da \
             operadora {}. Jobs não podem ser cancelados no serviço de robôs: confira nele se \
             o job terminou antes de pedir de novo (um novo pedido entraria de novo no portal).",
            job_id_of(&e),
            self.config.late_give_up.num_hours().max(1),
            operator.timeout_secs,
            operator.name
        );
        self.settle_failure(
            e,
            process,
            operator,
            ErrorClass::Negocio,
            ExecutionStatus::Timeout,
            message,
        )
        .await
    }
}

const LATE_MARK: &str = "nenhuma nova tentativa é feita enquanto ele não terminar";

/// What a job past the operator's limit shows while it is followed.
fn late_message(operator: &Operator, job_id: &str) -> String {
    format!(
        "O robô passou de {} s nesta fatura (limite da operadora {}). Jobs não podem ser \
         cancelados no serviço de robôs: o job {job_id} continua sendo acompanhado e {LATE_MARK}.",
        operator.timeout_secs, operator.name
    )
}

fn is_late_message(m: &str) -> bool {
    m.ends_with(&format!("{LATE_MARK}."))
}

fn job_id_of(e: &Execution) -> String {
    e.job_id.clone().unwrap_or_default()
}

pub(crate) fn brasilia() -> chrono::FixedOffset {
    chrono::FixedOffset::west_opt(3 * 3600).expect("valid offset")
}
