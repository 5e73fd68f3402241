//! What the services hand the store to write, beyond the domain entities themselves.

use brm_core::audit::AuditEvent;
use brm_core::client::Client;
use brm_core::operator::name_key;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What to do with a client's sealed portal password on a write.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordWrite {
    Keep,
    /// The sealed text ("v1:..."), never the plain password.
    Set(String),
    Clear,
}

impl std::fmt::Debug for PasswordWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Keep => "Keep",
            Self::Set(_) => "Set(***)",
            Self::Clear => "Clear",
        })
    }
}

/// A client as written: the entity plus its password change.
#[derive(Debug, Clone)]
pub struct ClientWrite {
    pub client: Client,
    pub password: PasswordWrite,
}

impl ClientWrite {
    pub fn unit_key(&self) -> String {
        name_key(&self.client.unit)
    }

    pub fn service_key(&self) -> String {
        name_key(&self.client.service)
    }

    pub fn search_text(&self) -> String {
        let c = &self.client;
        search_text(&[
            &c.legal_name,
            c.sat_name.as_deref().unwrap_or(""),
            &c.cnpj,
            c.hash.as_deref().unwrap_or(""),
            c.account_filter.as_deref().unwrap_or(""),
        ])
    }
}

/// One row of an import commit: a new client (`expected_version = None`) or an update.
#[derive(Debug, Clone)]
pub struct ImportWrite {
    pub line: usize,
    pub write: ClientWrite,
    pub expected_version: Option<i64>,
    pub audit: AuditEvent,
}

/// The monthly creation's parameters.
#[derive(Debug, Clone)]
pub struct MonthRequest {
    pub month: String,
    pub operator_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// True when the schedule, not a person, asked.
    pub auto: bool,
    pub now: DateTime<Utc>,
}

/// Lower-case, accent-free, single-spaced text, so "Solucoes" finds "SOLUÇÕES" with one
/// LIKE that works the same in SQLite (whose lower() is ASCII-only) and PostgreSQL.
pub fn search_text(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    fold(&joined)
}

pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        out.push(match ch {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        });
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spaces() {
        assert_eq!(
            search_text(&["SOLUÇÕES  Comércio", "", "12345678000195"]),
            "solucoes comercio 12345678000195"
        );
    }
}

/// What a background worker asks for when it looks for robot work: processes due for a
/// download (AGUARDANDO_DOWNLOAD) or a SAT upload (AGUARDANDO_ENVIO_SAT).
///
/// A process is due when it does not need attention, has no open execution (PENDENTE or
/// EXECUTANDO, of any kind), its operator is active (and, for downloads, has a robot and
/// the client is active), and its `next_retry_at` has passed (`<= now`), or is NULL and
/// `include_unscheduled` is set. Oldest due first: `COALESCE(next_retry_at, created_at)`,
/// then id. A `kind` of `UploadManual` is refused ([`crate::StoreError::Refused`]).
/// For every process claimed the store inserts, in the same transaction, a PENDENTE
/// execution of `kind` with no job id yet, leased to `owner` until `lease_until`: that
/// open execution is what keeps every other worker off the process. Claims are
/// serialised (PostgreSQL: an advisory transaction lock plus `FOR UPDATE SKIP LOCKED`;
/// SQLite: `BEGIN IMMEDIATE`), so the caps hold across desktops.
#[derive(Debug, Clone)]
pub struct WorkClaim {
    /// `DownloadFatura` or `UploadSat`.
    pub kind: brm_core::execution::ExecutionKind,
    pub now: DateTime<Utc>,
    pub owner: String,
    pub lease_until: DateTime<Utc>,
    /// At most this many processes in this claim.
    pub limit: i64,
    /// At most this many open robot executions (downloads and SAT) in the whole database.
    pub global_cap: i64,
    /// At most this many open robot executions per operator (portal lockout).
    pub per_operator_cap: i64,
    pub operator_id: Option<Uuid>,
    pub process_id: Option<Uuid>,
    /// Processes this worker leaves to others for now (it cannot read their invoice).
    pub skip_processes: Vec<Uuid>,
    /// Clients whose processes this worker leaves to others (it cannot open their portal
    /// password: sealed to other robot machines).
    pub skip_clients: Vec<Uuid>,
    pub include_unscheduled: bool,
    /// Goes to the new executions' `triggered_by`.
    pub triggered_by: String,
}

impl WorkClaim {
    /// The PENDENTE execution a claim inserts for `p`: no job id yet, attempt = the
    /// process's attempts of this kind + 1, created now.
    pub(crate) fn execution_for(
        &self,
        p: &brm_core::process::Process,
    ) -> brm_core::execution::Execution {
        use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus};
        let attempts = match self.kind {
            ExecutionKind::UploadSat => p.sat_attempts,
            _ => p.download_attempts,
        };
        Execution {
            id: Uuid::new_v4(),
            process_id: p.id,
            kind: self.kind,
            status: ExecutionStatus::Pendente,
            job_id: None,
            endpoint: None,
            request: None,
            result: None,
            progress: 0,
            attempt: attempts + 1,
            started_at: None,
            finished_at: None,
            error: None,
            error_class: None,
            triggered_by: self.triggered_by.clone(),
            created_at: self.now,
            updated_at: self.now,
        }
    }
}

/// One claimed process with the execution inserted for it (attempt = the process's
/// attempts of that kind + 1).
#[derive(Debug, Clone)]
pub struct ClaimedWork {
    pub process: brm_core::process::Process,
    pub execution: brm_core::execution::Execution,
}

/// What a worker's poller asks for: open robot executions (PENDENTE or EXECUTANDO, not
/// UPLOAD_MANUAL) whose lease is free, expired, or already the worker's own; least
/// recently updated first. The store leases them to `owner` until `lease_until`.
/// Executions with no job id (a worker stopped between claiming and the robot's answer)
/// are included once their lease expired, so the caller can settle them.
#[derive(Debug, Clone)]
pub struct PollClaim {
    pub now: DateTime<Utc>,
    pub owner: String,
    pub lease_until: DateTime<Utc>,
    pub limit: i64,
}

/// The end (or a step) of an execution, written in one transaction: the execution row
/// (inserted if new, as a manual upload is; otherwise its mutable fields, as
/// `save_execution` writes them), its lease released once its status is no longer open
/// (a step that stays PENDENTE/EXECUTANDO keeps it), and, when `process` is given, the
/// process written only if its stored version is still `expected_version`, with the
/// audit event. A stale version writes nothing at all.
#[derive(Debug, Clone)]
pub struct ExecutionOutcome {
    pub execution: brm_core::execution::Execution,
    pub process: Option<ProcessWrite>,
}

#[derive(Debug, Clone)]
pub struct ProcessWrite {
    /// Its version already incremented.
    pub process: brm_core::process::Process,
    pub expected_version: i64,
    pub audit: Option<AuditEvent>,
}

/// A process an approver's desktop may have to hear about: waiting for approval or
/// needing attention (`Store::alert_candidates`, served by the partial index of
/// migration 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCandidate {
    pub id: Uuid,
    pub version: i64,
    /// status = AGUARDANDO_APROVACAO.
    pub waiting: bool,
    pub needs_attention: bool,
}

/// What a notification shows of one process (`Store::alert_details`): the process, its
/// client's and operator's names, and the robot's last failure (for attention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDetail {
    pub process: brm_core::process::Process,
    pub client_name: String,
    pub operator_name: String,
    /// The error of the newest failed execution (one with an error class), pt-BR.
    pub last_error: Option<String>,
    /// The kind of that execution.
    pub last_error_kind: Option<brm_core::execution::ExecutionKind>,
}
