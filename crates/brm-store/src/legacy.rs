//! What the import from the old Flask system (crate `brm-legacy`) asks of the store:
//! the keys it could collide with, and one transaction that writes the whole import.
//!
//! Old rows keep their UUID as our primary key, so "already imported" is "this id
//! exists", and importing twice writes nothing.

use crate::ClientWrite;
use brm_core::audit::AuditEvent;
use brm_core::execution::{Execution, LogLine};
use brm_core::operator::Operator;
use brm_core::process::Process;
use brm_core::schedule::Schedule;
use brm_core::user::User;
use uuid::Uuid;

/// Which processes and executions to look up (every operator, client and user key is
/// always returned: there are thousands of them, not millions).
#[derive(Debug, Clone, Default)]
pub struct LegacyProbe {
    /// Processes with these ids...
    pub process_ids: Vec<Uuid>,
    /// ...or of these clients.
    pub client_ids: Vec<Uuid>,
    pub execution_ids: Vec<Uuid>,
    pub job_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorKey {
    pub id: Uuid,
    pub code: String,
    pub name_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyRow {
    pub id: Uuid,
    pub hash: Option<String>,
    pub cnpj: String,
    pub operator_id: Uuid,
    pub unit_key: String,
    pub service_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKey {
    pub id: Uuid,
    /// Lower case, as stored.
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessKey {
    pub id: Uuid,
    pub client_id: Uuid,
    pub reference_month: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleKey {
    pub id: Uuid,
    pub name: String,
    /// The kind's wire value.
    pub kind: String,
    pub cron: String,
    pub operator_id: Option<Uuid>,
}

/// What is already stored that an import could collide with.
#[derive(Debug, Clone, Default)]
pub struct LegacyKeys {
    pub operators: Vec<OperatorKey>,
    pub clients: Vec<ClientKeyRow>,
    pub users: Vec<UserKey>,
    pub schedules: Vec<ScheduleKey>,
    /// Those the probe named (by id or by client).
    pub processes: Vec<ProcessKey>,
    /// Those of the probe's ids that exist.
    pub execution_ids: Vec<Uuid>,
    /// Those of the probe's job ids that are taken.
    pub job_ids: Vec<String>,
}

/// One whole import, written in one transaction in this order (foreign keys).
#[derive(Debug, Clone, Default)]
pub struct LegacyBatch {
    pub operators: Vec<Operator>,
    /// New users, with the legacy hash marked as such (see `brm_legacy::password`).
    pub users: Vec<User>,
    pub clients: Vec<ClientWrite>,
    pub processes: Vec<Process>,
    pub executions: Vec<(Execution, Vec<LogLine>)>,
    pub schedules: Vec<Schedule>,
    /// Settings to create or replace (the robot URL), written at `at` by `by`.
    pub settings: Vec<(String, serde_json::Value)>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: Option<Uuid>,
    /// One per created row plus the summary; written last, after every row exists.
    pub audits: Vec<AuditEvent>,
}

impl LegacyBatch {
    pub fn is_empty(&self) -> bool {
        self.operators.is_empty()
            && self.users.is_empty()
            && self.clients.is_empty()
            && self.processes.is_empty()
            && self.executions.is_empty()
            && self.schedules.is_empty()
            && self.settings.is_empty()
    }
}

/// A row of the batch collided with something stored after the preview: nothing was
/// written.
pub(crate) fn collided(field: &str) -> crate::StoreError {
    let what = match field {
        "email" => "um usuário com o mesmo e-mail",
        "code" | "name" => "uma operadora com o mesmo nome ou código",
        "hash" | "account" => "um cliente com o mesmo HASH ou a mesma conta",
        "job_id" => "uma execução com o mesmo job do robô",
        "schedule_name" => "um agendamento com o mesmo nome",
        "reference_month" | "processes_client_month" => "um processo do mesmo cliente no mesmo mês",
        _ => "um registro com a mesma chave",
    };
    crate::StoreError::Refused(brm_core::Error::new(
        brm_core::ErrorCode::Conflict,
        format!(
            "Já existe {what}, cadastrado depois da prévia. Nada foi importado; gere a prévia de novo."
        ),
    ))
}

/// Splits a list into pieces small enough for one `IN (...)` (SQLite allows 32,766
/// parameters; PostgreSQL 65,535).
pub(crate) const CHUNK: usize = 500;
