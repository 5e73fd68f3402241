//! Starting robot jobs for the processes this worker claimed.

use crate::engine::{CycleReport, Step, Worker};
use brm_core::client::Client;
use brm_core::execution::{ErrorClass, ExecutionKind, ExecutionStatus};
use brm_core::operator::Operator;
use brm_core::process::Process;
use brm_robot::{DownloadRequest, JobAccepted, RobotError, SatRequest};
use brm_store::{ClaimedWork, StoreError, StoreResult, WorkClaim};
use uuid::Uuid;

/// Why a portal password did not open.
#[derive(Debug)]
pub(crate) struct PasswordError {
    pub(crate) message: String,
    /// Sealed to other robot machines: leave the work to them.
    pub(crate) left_to_others: bool,
}

impl PasswordError {
    fn retry(message: String) -> Self {
        Self {
            message,
            left_to_others: false,
        }
    }
}

pub(crate) enum Prepared {
    Ready(Result<JobAccepted, RobotError>),
    /// A reason a person must fix before the robot can do anything.
    Refused(ErrorClass, String),
    /// Not this machine's to do (pt-BR why): another machine can, and nobody's attempt
    /// is counted.
    LeftToOthers(String),
}

impl Worker {
    /// Claims due processes of `kind` (within the caps) and starts a robot job for each.
    pub(crate) async fn start_due(
        self: &std::sync::Arc<Self>,
        kind: ExecutionKind,
        include_unscheduled: bool,
        operator_id: Option<Uuid>,
        triggered_by: &str,
        report: &mut CycleReport,
        wait: Option<std::time::Duration>,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_robot_work(&WorkClaim {
                kind,
                now,
                owner: self.config.owner.clone(),
                lease_until: now + self.config.lease,
                limit: self.config.claim_batch,
                global_cap: self.config.global_cap,
                per_operator_cap: self.config.per_operator_cap,
                operator_id,
                process_id: None,
                skip_processes: self.left_to_others(now),
                skip_clients: if kind == ExecutionKind::DownloadFatura {
                    self.clients_left_to_others()
                } else {
                    Vec::new()
                },
                include_unscheduled,
                triggered_by: triggered_by.to_string(),
            })
            .await?;
        // One queue per operator (all SAT uploads are one queue): its creates go one at
        // a time, so that when an answer is lost, no other create of that queue is in the
        // air and the robot's list of jobs can tell which job the lost one made. The
        // queues go side by side.
        let mut queues: Vec<(Option<Uuid>, Vec<ClaimedWork>)> = Vec::new();
        for c in claimed {
            let key = (kind != ExecutionKind::UploadSat).then_some(c.process.operator_id);
            match queues.iter_mut().find(|(k, _)| *k == key) {
                Some((_, q)) => q.push(c),
                None => queues.push((key, vec![c])),
            }
        }
        let queues: Vec<Vec<ClaimedWork>> = queues.into_iter().map(|(_, q)| q).collect();
        let steps = self
            .fan_out(
                queues,
                |q| q.iter().map(|c| c.execution.id).collect(),
                wait,
                |w, q| async move { w.start_queue(q).await },
            )
            .await;
        for s in steps {
            for step in s? {
                report.add(step);
            }
        }
        Ok(())
    }

    /// The processes this machine leaves to others for now (it cannot read their invoice,
    /// or open their portal password).
    fn left_to_others(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<Uuid> {
        let mut map = self.unreadable.lock().expect("unreadable");
        map.retain(|_, until| *until > now);
        map.keys().copied().collect()
    }

    /// Starts a queue's work in order; after a create whose answer was lost, the rest is
    /// put back unsent (no attempt counted) until that create is matched.
    async fn start_queue(&self, queue: Vec<ClaimedWork>) -> StoreResult<Vec<Step>> {
        let mut steps = Vec::with_capacity(queue.len());
        let mut held = false;
        for work in queue {
            if held {
                self.put_back(work.execution).await?;
                steps.push(Step::Skipped);
                continue;
            }
            let step = self.start_one(work).await?;
            held = step == Step::Unconfirmed;
            steps.push(step);
        }
        Ok(steps)
    }

    /// Ends a claimed execution whose create was never sent, without counting an
    /// attempt: its process is due again at the next claim.
    pub(crate) async fn put_back(
        &self,
        mut execution: brm_core::execution::Execution,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        execution.status = ExecutionStatus::Cancelado;
        execution.result = None;
        execution.error = Some(
            "Não enviado ao robô: um pedido anterior desta fila ficou sem resposta e está sendo \
             conferido com o robô; este processo volta à fila sem contar tentativa."
                .into(),
        );
        execution.finished_at = Some(now);
        execution.updated_at = now;
        self.record_only(execution).await
    }

    pub(crate) async fn operator_of(&self, p: &Process) -> StoreResult<Operator> {
        self.store
            .operator_by_id(p.operator_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("processo {} sem operadora", p.id)))
    }

    async fn start_one(&self, work: ClaimedWork) -> StoreResult<Step> {
        let ClaimedWork {
            process,
            mut execution,
        } = work;
        let operator = self.operator_of(&process).await?;
        let client = self
            .store
            .client_by_id(process.client_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("processo {} sem cliente", process.id)))?;
        let prepared = self
            .send(&process, &client, &operator, &mut execution)
            .await?;
        let now = self.clock.now();
        let may_have_made_a_job =
            matches!(&prepared, Prepared::Ready(Err(e)) if e.may_have_taken_effect());
        if !may_have_made_a_job {
            // The "sent" mark is over: answered, or refused for sure.
            execution.result = None;
        }
        match prepared {
            Prepared::LeftToOthers(message) => {
                self.unreadable
                    .lock()
                    .expect("unreadable")
                    .insert(process.id, now + self.config.unreadable_retry);
                tracing::warn!(process = %process.id, "work left to another machine: {message}");
                execution.status = ExecutionStatus::Cancelado;
                execution.error = Some(message);
                execution.finished_at = Some(now);
                execution.updated_at = now;
                self.record_only(execution).await?;
                Ok(Step::Skipped)
            }
            Prepared::Refused(class, message) => {
                self.settle_failure(
                    execution,
                    process,
                    &operator,
                    class,
                    ExecutionStatus::Falhou,
                    message,
                )
                .await
            }
            Prepared::Ready(Ok(accepted)) => {
                execution.job_id = Some(accepted.job_id);
                execution.status = ExecutionStatus::Pendente;
                execution.updated_at = now;
                self.store.save_execution(&execution).await?;
                self.emit(crate::events::WorkerEvent::ExecutionChanged {
                    id: execution.id,
                    process_id: execution.process_id,
                });
                Ok(Step::Started)
            }
            Prepared::Ready(Err(err)) if may_have_made_a_job => {
                // The robot may have made the job: never send this create again blindly.
                self.hold_unconfirmed(execution, err.message).await
            }
            Prepared::Ready(Err(err)) if err.is_unauthorized() => {
                // Not the process's fault: no attempt counted; it is due again once an
                // administrator replaces the token.
                self.token_refused(&err.message);
                execution.status = ExecutionStatus::Cancelado;
                execution.error = Some(err.message.clone());
                execution.error_class = Some(ErrorClass::Negocio);
                execution.finished_at = Some(now);
                execution.updated_at = now;
                self.record_only(execution).await?;
                Ok(Step::Skipped)
            }
            Prepared::Ready(Err(err)) => {
                let class = err.class();
                self.settle_failure(
                    execution,
                    process,
                    &operator,
                    class,
                    ExecutionStatus::Falhou,
                    err.message,
                )
                .await
            }
        }
    }

    /// Builds the execution's create and sends it, keyed by the execution's id (a robot
    /// that honours `Idempotency-Key` answers the same job to the same key).
    pub(crate) async fn send(
        &self,
        process: &Process,
        client: &Client,
        operator: &Operator,
        execution: &mut brm_core::execution::Execution,
    ) -> StoreResult<Prepared> {
        match execution.kind {
            ExecutionKind::UploadSat => self.send_sat(process, client, operator, execution).await,
            _ => {
                self.send_download(process, client, operator, execution)
                    .await
            }
        }
    }

    /// Writes down that the create is about to leave (kept when it is sent again with its
    /// key): a worker that stops before the answer leaves this trace, and the claim holds
    /// the queue's other creates while it is there.
    async fn mark_sent(&self, execution: &mut brm_core::execution::Execution) -> StoreResult<()> {
        let now = self.clock.now();
        let marker = match brm_core::reconcile::Unconfirmed::of(execution.result.as_ref()) {
            Some(m) => brm_core::reconcile::Unconfirmed {
                failed_at: None,
                ..m
            },
            None => brm_core::reconcile::Unconfirmed::sending(now),
        };
        execution.result = Some(marker.to_result());
        execution.updated_at = now;
        self.store.save_execution(execution).await
    }

    async fn send_download(
        &self,
        process: &Process,
        client: &Client,
        operator: &Operator,
        execution: &mut brm_core::execution::Execution,
    ) -> StoreResult<Prepared> {
        let robot = match self.robots.for_operator(operator) {
            Ok(r) => r,
            Err(m) => return Ok(Prepared::Refused(ErrorClass::Negocio, m)),
        };
        let Some(login) = client.portal_login.clone().filter(|l| !l.trim().is_empty()) else {
            return Ok(Prepared::Refused(
                ErrorClass::Negocio,
                format!(
                    "O cliente {} não tem login do portal cadastrado: o robô não tem como entrar no portal da operadora.",
                    client.legal_name
                ),
            ));
        };
        let senha = match self.portal_password(client.id).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Ok(Prepared::Refused(
                    ErrorClass::Negocio,
                    format!(
                        "O cliente {} não tem senha do portal cadastrada: o robô não tem como entrar no portal da operadora.",
                        client.legal_name
                    ),
                ))
            }
            // Sealed to other robot machines (this one not approved yet, or not re-sealed
            // for it yet): another machine does it; no attempt counted.
            Err(m) if m.left_to_others => {
                return Ok(Prepared::LeftToOthers(format!(
                    "{} Esta máquina tenta de novo em {} min.",
                    m.message,
                    self.config.unreadable_retry.num_minutes()
                )))
            }
            // The keyring may come back (a locked session): try again later.
            Err(m) => return Ok(Prepared::Refused(ErrorClass::Transitorio, m.message)),
        };
        let request = DownloadRequest {
            login,
            senha,
            filtro: client.account_filter.clone().unwrap_or_default(),
            cnpj: client.cnpj.clone(),
            processo_id: Some(process.id.to_string()),
            mes_referencia: brm_core::process::Month::parse(&process.reference_month)
                .ok()
                .map(|m| m.display()),
        };
        execution.request = Some(request.redacted());
        execution.endpoint = Some(format!("{}/executar/{}", robot.base_url(), operator.code));
        let key = execution.id.to_string();
        self.mark_sent(execution).await?;
        let _turn = self.lane(&robot).await;
        Ok(Prepared::Ready(
            robot
                .start_download_keyed(&operator.code, &request, Some(&key))
                .await,
        ))
    }

    async fn send_sat(
        &self,
        process: &Process,
        client: &Client,
        operator: &Operator,
        execution: &mut brm_core::execution::Execution,
    ) -> StoreResult<Prepared> {
        let Some(due) = process.due_date else {
            return Ok(Prepared::Refused(
                ErrorClass::Negocio,
                "A fatura não tem data de vencimento: informe-a antes de enviar ao SAT.".into(),
            ));
        };
        let Some(file) = process.invoice_key.clone() else {
            return Ok(Prepared::Refused(
                ErrorClass::Negocio,
                "O processo não tem fatura armazenada para enviar ao SAT.".into(),
            ));
        };
        // The robot is told a file name: the file must be there, and be the one approved.
        // A machine that cannot read it (a folder only another desktop has, keys without
        // read access) leaves the upload to one that can.
        let readable = match process.invoice_sha256.as_deref() {
            Some(sha) => self.storage.get_checked(&file, sha).await.map(|_| ()),
            None => self.storage.get(&file).await.map(|_| ()),
        };
        if let Err(e) = readable {
            return Ok(Prepared::LeftToOthers(format!(
                "Este computador não consegue ler a fatura no armazenamento ({e}); o envio ao \
                 SAT fica para uma máquina que consiga, e este computador tenta de novo em {} \
                 min. Confira o armazenamento de faturas em Configurações.",
                self.config.unreadable_retry.num_minutes()
            )));
        }
        let robot = self.robots.main();
        let request = SatRequest {
            cnpj: client.cnpj.clone(),
            razao: client.legal_name.clone(),
            operadora: operator.code.clone(),
            nome_filtro: client.account_filter.clone().unwrap_or_default(),
            unidade: client.unit.clone(),
            servico: client.service.clone(),
            dados_sat: client.sat_data.clone().unwrap_or_default(),
            nome_arquivo: file,
            data_vencimento: due.format("%d/%m/%Y").to_string(),
            processo_id: Some(process.id.to_string()),
        };
        execution.request = serde_json::to_value(&request).ok();
        execution.endpoint = Some(format!("{}/executar/sat", robot.base_url()));
        let key = execution.id.to_string();
        self.mark_sent(execution).await?;
        let _turn = self.lane(&robot).await;
        Ok(Prepared::Ready(
            robot.start_sat_keyed(&request, Some(&key)).await,
        ))
    }

    /// A turn on `robot`'s endpoint: at most `endpoint_concurrency` requests at once.
    pub(crate) async fn lane(
        &self,
        robot: &brm_robot::RobotClient,
    ) -> tokio::sync::OwnedSemaphorePermit {
        self.flight
            .lane(robot.base_url(), self.config.endpoint_concurrency)
            .await
    }

    /// The client's portal password, opened only here, only for the request.
    pub(crate) async fn portal_password(
        &self,
        client_id: Uuid,
    ) -> Result<Option<String>, PasswordError> {
        let sealed = self
            .store
            .client_sealed_password(client_id)
            .await
            .map_err(|e| {
                PasswordError::retry(format!("Não foi possível ler a senha do portal: {e}"))
            })?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.open_for(&client_id.to_string(), &sealed))
            .await
            .map_err(|e| {
                PasswordError::retry(format!("Não foi possível abrir a senha do portal: {e}"))
            })?
            .map(Some)
            .map_err(|e| PasswordError {
                // Conflict: sealed to other machines, or this one has no identity
                // (brm-secrets' not_sealed_to_me and no_identity_here).
                left_to_others: e.code == brm_core::ErrorCode::Conflict,
                message: e.message,
            })
    }
}
