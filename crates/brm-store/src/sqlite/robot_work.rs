//! Robot work for background workers: claiming due processes (one open execution each)
//! and leasing open executions to the poller that asks the robot about them.

use super::codec::ts;
use super::{executions, processes};
use crate::{ClaimedWork, PollClaim, StoreResult, WorkClaim};
use brm_core::execution::{Execution, ExecutionKind};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// Open robot executions, in the words every query here uses.
const OPEN: &str = "status IN ('PENDENTE', 'EXECUTANDO')";
const ROBOT_KINDS: &str = "kind IN ('DOWNLOAD_FATURA', 'UPLOAD_SAT')";

/// `BEGIN IMMEDIATE` takes SQLite's write lock before the first read, so two desktops on
/// one file claim one after the other: the second counts (and skips) what the first just
/// claimed, and the caps hold.
pub async fn claim(pool: &SqlitePool, c: &WorkClaim) -> StoreResult<Vec<ClaimedWork>> {
    let (status, robot_rules) = match c.kind {
        ExecutionKind::DownloadFatura => (
            "AGUARDANDO_DOWNLOAD",
            " AND o.has_rpa = 1 AND cl.active = 1",
        ),
        ExecutionKind::UploadSat => ("AGUARDANDO_ENVIO_SAT", ""),
        ExecutionKind::UploadManual => return Err(crate::error::not_robot_work(c.kind.as_str())),
    };
    if c.limit <= 0 {
        return Ok(Vec::new());
    }
    let not_held = not_held(c.kind);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let open: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM executions WHERE {OPEN} AND {ROBOT_KINDS}"
    ))
    .fetch_one(&mut *tx)
    .await?;
    let room = c.limit.min(c.global_cap - open);
    if room <= 0 {
        return Ok(Vec::new());
    }

    // Due processes ranked within their operator, oldest due first; an operator's open
    // executions count ahead of its first candidate, so `nth` past the cap is not taken.
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "WITH open_per_operator AS (
             SELECT p.operator_id, COUNT(*) AS n
             FROM executions e JOIN processes p ON p.id = e.process_id
             WHERE e.{OPEN} AND e.{ROBOT_KINDS}
             GROUP BY p.operator_id
         ), due AS (
             SELECT p.id, COALESCE(p.next_retry_at, p.created_at) AS due_at,
                    COALESCE(r.n, 0) + ROW_NUMBER() OVER (
                        PARTITION BY p.operator_id
                        ORDER BY COALESCE(p.next_retry_at, p.created_at), p.id) AS nth
             FROM processes p JOIN operators o ON o.id = p.operator_id
             JOIN clients cl ON cl.id = p.client_id
             LEFT JOIN open_per_operator r ON r.operator_id = p.operator_id
             WHERE p.status = '{status}' AND p.needs_attention = 0 AND o.active = 1{robot_rules}
               AND NOT EXISTS (SELECT 1 FROM executions e
                               WHERE e.process_id = p.id AND e.{OPEN})
               AND {not_held}
               AND (p.next_retry_at <= "
    ));
    q.push_bind(ts(c.now));
    if c.include_unscheduled {
        q.push(" OR p.next_retry_at IS NULL");
    }
    q.push(")");
    if let Some(o) = c.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o.to_string());
    }
    if let Some(id) = c.process_id {
        q.push(" AND p.id = ").push_bind(id.to_string());
    }
    if !c.skip_processes.is_empty() {
        q.push(" AND p.id NOT IN (");
        let mut list = q.separated(", ");
        for id in &c.skip_processes {
            list.push_bind(id.to_string());
        }
        q.push(")");
    }
    if !c.skip_clients.is_empty() {
        q.push(" AND p.client_id NOT IN (");
        let mut list = q.separated(", ");
        for id in &c.skip_clients {
            list.push_bind(id.to_string());
        }
        q.push(")");
    }
    q.push(
        ")
         SELECT p.* FROM due d JOIN processes p ON p.id = d.id
         WHERE d.nth <= ",
    )
    .push_bind(c.per_operator_cap)
    .push(" ORDER BY d.due_at, d.id LIMIT ")
    .push_bind(room);
    let rows = q.build().fetch_all(&mut *tx).await?;

    let mut claimed = Vec::with_capacity(rows.len());
    for r in &rows {
        let process = processes::decode(r)?;
        let execution = c.execution_for(&process);
        executions::insert_leased(&mut tx, &execution, Some((&c.owner, c.lease_until))).await?;
        claimed.push(ClaimedWork { process, execution });
    }
    tx.commit().await?;
    Ok(claimed)
}

/// No new create for an operator (for SAT uploads: for the SAT) while a create of the
/// same kind waits to be matched with a robot job after a lost answer: another job
/// created meanwhile could not be told apart from the one that create may have made.
fn not_held(kind: ExecutionKind) -> String {
    let unconfirmed = format!(
        "SELECT up.operator_id FROM executions u JOIN processes up ON up.id = u.process_id
         WHERE u.{OPEN} AND u.kind = '{}' AND u.job_id IS NULL
           AND json_extract(u.result_json, '$.{}') IS NOT NULL",
        kind.as_str(),
        brm_core::reconcile::UNCONFIRMED_KEY
    );
    match kind {
        ExecutionKind::UploadSat => format!("NOT EXISTS ({unconfirmed})"),
        _ => format!("p.operator_id NOT IN ({unconfirmed})"),
    }
}

/// Open robot executions with no job id, with their operator.
pub async fn without_job(pool: &SqlitePool) -> StoreResult<Vec<(Execution, uuid::Uuid)>> {
    let rows = sqlx::query(&format!(
        "SELECT e.*, p.operator_id AS process_operator FROM executions e
         JOIN processes p ON p.id = e.process_id
         WHERE e.{OPEN} AND e.{ROBOT_KINDS} AND e.job_id IS NULL
         ORDER BY e.created_at, e.id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let op: String = sqlx::Row::try_get(r, "process_operator")?;
            let op = uuid::Uuid::parse_str(&op)
                .map_err(|e| crate::StoreError::Corrupt(format!("operator_id {op}: {e}")))?;
            Ok((executions::decode(r)?, op))
        })
        .collect()
}

/// Which of `ids` an execution records.
pub async fn known_job_ids(pool: &SqlitePool, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT job_id FROM executions WHERE job_id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id);
        }
        q.push(")");
        for r in q.build().fetch_all(pool).await? {
            out.push(sqlx::Row::try_get(&r, "job_id")?);
        }
    }
    Ok(out)
}

/// One UPDATE: SQLite takes the write lock when the statement starts, so two pollers
/// never lease the same execution. An execution with no job id yet stays with the worker
/// that claimed it while its lease lasts (that worker knows whether its create is still
/// in flight, and reconciles it when its answer was lost).
/// See [`crate::Store::release_leases`].
pub async fn release_leases(pool: &SqlitePool, owner: &str) -> StoreResult<u64> {
    let r = sqlx::query(&format!(
        "UPDATE executions SET lease_owner = NULL, lease_until = NULL
         WHERE {OPEN} AND lease_owner = ?1"
    ))
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

pub async fn claim_open(pool: &SqlitePool, c: &PollClaim) -> StoreResult<Vec<Execution>> {
    if c.limit <= 0 {
        return Ok(Vec::new());
    }
    let now = ts(c.now);
    let rows = sqlx::query(&format!(
        "UPDATE executions SET lease_owner = ?1, lease_until = ?2
         WHERE id IN (
             SELECT id FROM executions
             WHERE {OPEN} AND kind <> 'UPLOAD_MANUAL'
               AND (lease_until IS NULL OR lease_until < ?3
                    OR lease_owner = ?1)
             ORDER BY updated_at, id LIMIT ?4)
         RETURNING *"
    ))
    .bind(&c.owner)
    .bind(ts(c.lease_until))
    .bind(&now)
    .bind(c.limit)
    .fetch_all(pool)
    .await?;
    let mut out = rows
        .iter()
        .map(executions::decode)
        .collect::<StoreResult<Vec<_>>>()?;
    // RETURNING gives no order of its own.
    out.sort_by_key(|e| (e.updated_at, e.id));
    Ok(out)
}
