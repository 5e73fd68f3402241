use crate::sql_text::json;
use crate::{StoreError, StoreResult};
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus, LogLine};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use std::collections::HashMap;
use uuid::Uuid;

/// The request and result travel as JSON text cast to jsonb (the workspace's sqlx has no
/// `json` feature) and come back as text, like the audit columns.
const COLUMNS: &str = "id, process_id, kind, status, job_id, endpoint,
        request_json::text AS request_json, result_json::text AS result_json,
        progress::bigint AS progress, attempt, started_at, finished_at, error, error_class,
        triggered_by, created_at, updated_at";

pub async fn insert(pool: &PgPool, e: &Execution) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                                 result_json, progress, attempt, started_at, finished_at, error,
                                 error_class, triggered_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15,
                 $16, $17)",
    )
    .bind(e.id)
    .bind(e.process_id)
    .bind(e.kind.as_str())
    .bind(e.status.as_str())
    .bind(&e.job_id)
    .bind(&e.endpoint)
    .bind(e.request.as_ref().map(|v| v.to_string()))
    .bind(e.result.as_ref().map(|v| v.to_string()))
    .bind(e.progress)
    .bind(e.attempt)
    .bind(e.started_at)
    .bind(e.finished_at)
    .bind(&e.error)
    .bind(e.error_class.map(|c| c.as_str()))
    .bind(&e.triggered_by)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(pool)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

/// One statement for the whole batch: the lines go in as parallel arrays, and a line
/// already stored (or repeated within the batch) is skipped by the unique key.
pub async fn append_logs(pool: &PgPool, id: Uuid, lines: &[LogLine]) -> StoreResult<u64> {
    if lines.is_empty() {
        return Ok(0);
    }
    let seqs: Vec<i64> = lines.iter().map(|l| l.seq).collect();
    let ats: Vec<DateTime<Utc>> = lines.iter().map(|l| l.at).collect();
    let levels: Vec<&str> = lines.iter().map(|l| l.level.as_str()).collect();
    let messages: Vec<&str> = lines.iter().map(|l| l.message.as_str()).collect();
    let added = sqlx::query(
        "INSERT INTO execution_logs (execution_id, seq, at, level, message)
         SELECT $1, l.seq, l.at, l.level, l.message
         FROM UNNEST($2::bigint[], $3::timestamptz[], $4::text[], $5::text[])
              WITH ORDINALITY AS l (seq, at, level, message, n)
         ORDER BY l.n
         ON CONFLICT (execution_id, seq) DO NOTHING",
    )
    .bind(id)
    .bind(&seqs)
    .bind(&ats)
    .bind(&levels)
    .bind(&messages)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(added)
}

/// Newest first; the log lines of all of them in one query, in order.
pub async fn of_process(
    pool: &PgPool,
    process_id: Uuid,
) -> StoreResult<Vec<(Execution, Vec<LogLine>)>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM executions WHERE process_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(process_id)
    .fetch_all(pool)
    .await?;
    let executions = rows.iter().map(decode).collect::<StoreResult<Vec<_>>>()?;
    if executions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = executions.iter().map(|e| e.id).collect();
    let mut logs: HashMap<Uuid, Vec<LogLine>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT execution_id, seq, at, level, message FROM execution_logs
         WHERE execution_id = ANY($1) ORDER BY execution_id, seq",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    for l in &rows {
        logs.entry(l.try_get("execution_id")?)
            .or_default()
            .push(LogLine {
                seq: l.try_get("seq")?,
                at: l.try_get("at")?,
                level: l.try_get("level")?,
                message: l.try_get("message")?,
            });
    }
    Ok(executions
        .into_iter()
        .map(|e| {
            let lines = logs.remove(&e.id).unwrap_or_default();
            (e, lines)
        })
        .collect())
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn decode(r: &PgRow) -> StoreResult<Execution> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let class: Option<String> = r.try_get("error_class")?;
    Ok(Execution {
        id: r.try_get("id")?,
        process_id: r.try_get("process_id")?,
        kind: ExecutionKind::parse(&kind).ok_or_else(|| corrupt("tipo", &kind))?,
        status: ExecutionStatus::parse(&status).ok_or_else(|| corrupt("situação", &status))?,
        job_id: r.try_get("job_id")?,
        endpoint: r.try_get("endpoint")?,
        request: json(r.try_get("request_json")?),
        result: json(r.try_get("result_json")?),
        progress: r.try_get("progress")?,
        attempt: r.try_get("attempt")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        error: r.try_get("error")?,
        error_class: class
            .as_deref()
            .map(|c| ErrorClass::parse(c).ok_or_else(|| corrupt("classe de erro", c)))
            .transpose()?,
        triggered_by: r.try_get("triggered_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
