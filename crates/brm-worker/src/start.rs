//! Starting robot jobs for the processes this worker claimed.

use crate::engine::{CycleReport, Step, Worker};
use brm_core::client::Client;
use brm_core::execution::{ErrorClass, ExecutionKind, ExecutionStatus};
use brm_core::operator::Operator;
use brm_core::process::Process;
use brm_robot::{DownloadRequest, JobAccepted, RobotError, SatRequest};
use brm_store::{ClaimedWork, StoreError, StoreResult, WorkClaim};
use futures::StreamExt;
use uuid::Uuid;

enum Prepared {
    Ready(Result<JobAccepted, RobotError>),
    /// A reason a person must fix before the robot can do anything.
    Refused(ErrorClass, String),
}

impl Worker {
    /// Claims due processes of `kind` (within the caps) and starts a robot job for each.
    pub(crate) async fn start_due(
        &self,
        kind: ExecutionKind,
        include_unscheduled: bool,
        operator_id: Option<Uuid>,
        triggered_by: &str,
        report: &mut CycleReport,
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
                include_unscheduled,
                triggered_by: triggered_by.to_string(),
            })
            .await?;
        let steps: Vec<StoreResult<Step>> = futures::stream::iter(claimed)
            .map(|c| self.start_one(c))
            .buffer_unordered(self.config.poll_concurrency.max(1))
            .collect()
            .await;
        for s in steps {
            report.add(s?);
        }
        Ok(())
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
        let prepared = match execution.kind {
            ExecutionKind::UploadSat => {
                self.send_sat(&process, &client, &operator, &mut execution)
                    .await
            }
            _ => {
                self.send_download(&process, &client, &operator, &mut execution)
                    .await
            }
        };
        let now = self.clock.now();
        match prepared {
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

    async fn send_download(
        &self,
        process: &Process,
        client: &Client,
        operator: &Operator,
        execution: &mut brm_core::execution::Execution,
    ) -> Prepared {
        let robot = match self.robots.for_operator(operator) {
            Ok(r) => r,
            Err(m) => return Prepared::Refused(ErrorClass::Negocio, m),
        };
        let Some(login) = client.portal_login.clone().filter(|l| !l.trim().is_empty()) else {
            return Prepared::Refused(
                ErrorClass::Negocio,
                format!(
                    "O cliente {} não tem login do portal cadastrado: o robô não tem como entrar no portal da operadora.",
                    client.legal_name
                ),
            );
        };
        let senha = match self.portal_password(client.id).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Prepared::Refused(
                    ErrorClass::Negocio,
                    format!(
                        "O cliente {} não tem senha do portal cadastrada: o robô não tem como entrar no portal da operadora.",
                        client.legal_name
                    ),
                )
            }
            // The keyring may come back (a locked session): try again later.
            Err(m) => return Prepared::Refused(ErrorClass::Transitorio, m),
        };
        let request = DownloadRequest {
            login,
            senha,
            filtro: client.account_filter.clone().unwrap_or_default(),
            cnpj: client.cnpj.clone(),
            processo_id: Some(process.id.to_string()),
        };
        execution.request = Some(request.redacted());
        execution.endpoint = Some(format!("{}/executar/{}", robot.base_url(), operator.code));
        Prepared::Ready(robot.start_download(&operator.code, &request).await)
    }

    async fn send_sat(
        &self,
        process: &Process,
        client: &Client,
        operator: &Operator,
        execution: &mut brm_core::execution::Execution,
    ) -> Prepared {
        let Some(due) = process.due_date else {
            return Prepared::Refused(
                ErrorClass::Negocio,
                "A fatura não tem data de vencimento: informe-a antes de enviar ao SAT.".into(),
            );
        };
        let Some(file) = process.invoice_key.clone() else {
            return Prepared::Refused(
                ErrorClass::Negocio,
                "O processo não tem fatura armazenada para enviar ao SAT.".into(),
            );
        };
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
        Prepared::Ready(robot.start_sat(&request).await)
    }

    /// The client's portal password, opened only here, only for the request.
    pub(crate) async fn portal_password(&self, client_id: Uuid) -> Result<Option<String>, String> {
        let sealed = self
            .store
            .client_sealed_password(client_id)
            .await
            .map_err(|e| format!("Não foi possível ler a senha do portal: {e}"))?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.open_for(&client_id.to_string(), &sealed))
            .await
            .map_err(|e| format!("Não foi possível abrir a senha do portal: {e}"))?
            .map(Some)
            .map_err(|e| e.message)
    }
}
