//! Robot work for background workers: claiming due processes (one open execution each)
//! and leasing open executions to the poller that asks the robot about them.

use super::{executions, processes};
use crate::{ClaimedWork, PollClaim, StoreResult, WorkClaim};
use brm_core::execution::{Execution, ExecutionKind};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// Open robot executions, in the words every query here uses.
const OPEN: &str = "status IN ('PENDENTE', 'EXECUTANDO')";
const ROBOT_KINDS: &str = "kind IN ('DOWNLOAD_FATURA', 'UPLOAD_SAT')";

/// The advisory lock every claim takes first ("BRM_WORK" in ASCII): claims run one at a
/// time across every desktop and worker on the database, so each counts what the one
/// before it claimed and the caps hold.
const CLAIM_LOCK: i64 = 0x4252_4D5F_574F_524B;

/// One transaction: the advisory lock, the counts, the candidates (locked with
/// `FOR UPDATE OF p SKIP LOCKED`, so a process a person is changing right now is left for
/// the next claim instead of waited for) and one insert of every new execution.
pub async fn claim(pool: &PgPool, c: &WorkClaim) -> StoreResult<Vec<ClaimedWork>> {
    let (status, robot_rules) = match c.kind {
        ExecutionKind::DownloadFatura => ("AGUARDANDO_DOWNLOAD", " AND o.has_rpa AND cl.active"),
        ExecutionKind::UploadSat => ("AGUARDANDO_ENVIO_SAT", ""),
        ExecutionKind::UploadManual => return Err(crate::error::not_robot_work(c.kind.as_str())),
    };
    if c.limit <= 0 {
        return Ok(Vec::new());
    }
    let not_held = not_held(c.kind);
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CLAIM_LOCK)
        .execute(&mut *tx)
        .await?;
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
    // The outer query repeats the process's own rules: a row changed since the
    // statement's snapshot is checked again when it is locked.
    let mut q = QueryBuilder::<Postgres>::new(format!(
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
             WHERE p.status = '{status}' AND NOT p.needs_attention AND o.active{robot_rules}
               AND NOT EXISTS (SELECT 1 FROM executions e
                               WHERE e.process_id = p.id AND e.{OPEN})
               AND {not_held}
               AND (p.next_retry_at <= "
    ));
    q.push_bind(c.now);
    if c.include_unscheduled {
        q.push(" OR p.next_retry_at IS NULL");
    }
    q.push(")");
    if let Some(o) = c.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o);
    }
    if let Some(id) = c.process_id {
        q.push(" AND p.id = ").push_bind(id);
    }
    if !c.skip_processes.is_empty() {
        q.push(" AND NOT (p.id = ANY(")
            .push_bind(c.skip_processes.clone())
            .push("))");
    }
    if !c.skip_clients.is_empty() {
        q.push(" AND NOT (p.client_id = ANY(")
            .push_bind(c.skip_clients.clone())
            .push("))");
    }
    q.push(format!(
        ")
         SELECT {} FROM due d JOIN processes p ON p.id = d.id
         WHERE p.status = '{status}' AND NOT p.needs_attention AND d.nth <= ",
        processes::COLUMNS
    ))
    .push_bind(c.per_operator_cap)
    .push(" ORDER BY d.due_at, d.id LIMIT ")
    .push_bind(room)
    .push(" FOR UPDATE OF p SKIP LOCKED");
    let rows = q.build().fetch_all(&mut *tx).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    let mut claimed = Vec::with_capacity(rows.len());
    for r in &rows {
        let process = processes::decode(r)?;
        let execution = c.execution_for(&process);
        claimed.push(ClaimedWork { process, execution });
    }
    let ids: Vec<Uuid> = claimed.iter().map(|w| w.execution.id).collect();
    let process_ids: Vec<Uuid> = claimed.iter().map(|w| w.process.id).collect();
    let attempts: Vec<i64> = claimed.iter().map(|w| w.execution.attempt).collect();
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, progress, attempt, triggered_by,
                                 lease_owner, lease_until, created_at, updated_at)
         SELECT x.id, x.process_id, $4, 'PENDENTE', 0, x.attempt, $5, $6, $7, $8, $8
         FROM UNNEST($1::uuid[], $2::uuid[], $3::bigint[]) AS x (id, process_id, attempt)",
    )
    .bind(&ids)
    .bind(&process_ids)
    .bind(&attempts)
    .bind(c.kind.as_str())
    .bind(&c.triggered_by)
    .bind(&c.owner)
    .bind(c.lease_until)
    .bind(c.now)
    .execute(&mut *tx)
    .await?;
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
           AND u.result_json -> '{}' IS NOT NULL",
        kind.as_str(),
        brm_core::reconcile::UNCONFIRMED_KEY
    );
    match kind {
        ExecutionKind::UploadSat => format!("NOT EXISTS ({unconfirmed})"),
        _ => format!("p.operator_id NOT IN ({unconfirmed})"),
    }
}

/// Open robot executions with no job id, with their operator.
pub async fn without_job(pool: &PgPool) -> StoreResult<Vec<(Execution, Uuid)>> {
    let rows = sqlx::query(&format!(
        "SELECT {}, p.operator_id AS process_operator FROM executions e
         JOIN processes p ON p.id = e.process_id
         WHERE e.{OPEN} AND e.{ROBOT_KINDS} AND e.job_id IS NULL
         ORDER BY e.created_at, e.id",
        executions::COLUMNS
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let op: Uuid = sqlx::Row::try_get(r, "process_operator")?;
            Ok((executions::decode(r)?, op))
        })
        .collect()
}

/// Which of `ids` an execution records.
pub async fn known_job_ids(pool: &PgPool, ids: &[String]) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT job_id FROM executions WHERE job_id = ANY($1)")
            .bind(ids)
            .fetch_all(pool)
            .await?,
    )
}

/// See [`crate::Store::release_leases`].
pub async fn release_leases(pool: &PgPool, owner: &str) -> StoreResult<u64> {
    let r = sqlx::query(&format!(
        "UPDATE executions SET lease_owner = NULL, lease_until = NULL
         WHERE {OPEN} AND lease_owner = $1"
    ))
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// One UPDATE whose picks are locked with `SKIP LOCKED`: two pollers at once lease
/// different executions. An execution with no job id yet stays with the worker that
/// claimed it while its lease lasts (that worker knows whether its create is still in
/// flight, and reconciles it when its answer was lost).
pub async fn claim_open(pool: &PgPool, c: &PollClaim) -> StoreResult<Vec<Execution>> {
    if c.limit <= 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "UPDATE executions e SET lease_owner = $1, lease_until = $2
         WHERE e.id IN (
             SELECT id FROM executions
             WHERE {OPEN} AND kind <> 'UPLOAD_MANUAL'
               AND (lease_until IS NULL OR lease_until < $3
                    OR lease_owner = $1)
             ORDER BY updated_at, id LIMIT $4
             FOR UPDATE SKIP LOCKED)
         RETURNING {}",
        executions::COLUMNS
    ))
    .bind(&c.owner)
    .bind(c.lease_until)
    .bind(c.now)
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
