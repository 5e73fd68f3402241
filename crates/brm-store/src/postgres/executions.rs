use super::{audit, processes};
use crate::sql_text::{json, ExecutionSearch};
use crate::{ExecutionOutcome, StoreError, StoreResult};
use brm_core::execution::{
    ErrorClass, Execution, ExecutionFilter, ExecutionKind, ExecutionRow, ExecutionStatus, LogLine,
};
use brm_core::operator::Page;
use brm_core::process::ProcessStatus;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use uuid::Uuid;

/// The request and result travel as JSON text cast to jsonb (the workspace's sqlx has no
/// `json` feature) and come back as text, like the audit columns.
pub(super) const COLUMNS: &str = "e.id, e.process_id, e.kind, e.status, e.job_id, e.endpoint,
        e.request_json::text AS request_json, e.result_json::text AS result_json,
        e.progress::bigint AS progress, e.attempt, e.started_at, e.finished_at, e.error,
        e.error_class, e.triggered_by, e.created_at, e.updated_at";

pub async fn insert(pool: &PgPool, e: &Execution) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    insert_row(&mut conn, e).await
}

/// A new execution's row, on the caller's connection (the legacy import's transaction).
pub(super) async fn insert_row(conn: &mut PgConnection, e: &Execution) -> StoreResult<()> {
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
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

/// The mutable fields of a running execution; the lease stays as it is.
pub async fn save(pool: &PgPool, e: &Execution) -> StoreResult<()> {
    let changed = sqlx::query(
        "UPDATE executions SET status = $1, job_id = $2, endpoint = $3, request_json = $4::jsonb,
                result_json = $5::jsonb, progress = $6, started_at = $7, finished_at = $8,
                error = $9, error_class = $10, updated_at = $11
         WHERE id = $12",
    )
    .bind(e.status.as_str())
    .bind(&e.job_id)
    .bind(&e.endpoint)
    .bind(e.request.as_ref().map(|v| v.to_string()))
    .bind(e.result.as_ref().map(|v| v.to_string()))
    .bind(e.progress)
    .bind(e.started_at)
    .bind(e.finished_at)
    .bind(&e.error)
    .bind(e.error_class.map(|c| c.as_str()))
    .bind(e.updated_at)
    .bind(e.id)
    .execute(pool)
    .await
    .map_err(super::map_unique)?
    .rows_affected();
    if changed == 0 {
        return Err(crate::error::execution_not_found());
    }
    Ok(())
}

/// The process first: its row is the one two writers contend for (a concurrent writer
/// waits for the row lock, then finds the version moved on), and a stale version ends
/// the transaction before anything else is written (dropping it rolls back).
pub async fn finish(pool: &PgPool, o: &ExecutionOutcome) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    if let Some(w) = &o.process {
        if !processes::write_state(&mut tx, &w.process, w.expected_version).await? {
            return Ok(false);
        }
    }
    upsert(&mut tx, &o.execution).await?;
    if let Some(event) = o.process.as_ref().and_then(|w| w.audit.as_ref()) {
        audit::insert(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Inserts a new execution (a manual upload) or writes the mutable fields of a stored
/// one. The lease goes once the execution is no longer open; a step keeps it.
async fn upsert(conn: &mut PgConnection, e: &Execution) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                                 result_json, progress, attempt, started_at, finished_at, error,
                                 error_class, triggered_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15,
                 $16, $17)
         ON CONFLICT (id) DO UPDATE SET
             status = EXCLUDED.status, job_id = EXCLUDED.job_id, endpoint = EXCLUDED.endpoint,
             request_json = EXCLUDED.request_json, result_json = EXCLUDED.result_json,
             progress = EXCLUDED.progress, started_at = EXCLUDED.started_at,
             finished_at = EXCLUDED.finished_at, error = EXCLUDED.error,
             error_class = EXCLUDED.error_class, updated_at = EXCLUDED.updated_at,
             lease_owner = CASE WHEN EXCLUDED.status IN ('PENDENTE', 'EXECUTANDO')
                                THEN executions.lease_owner END,
             lease_until = CASE WHEN EXCLUDED.status IN ('PENDENTE', 'EXECUTANDO')
                                THEN executions.lease_until END",
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
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

/// One statement for the whole batch: the lines go in as parallel arrays, and a line
/// already stored (or repeated within the batch) is skipped by the unique key.
pub async fn append_logs(pool: &PgPool, id: Uuid, lines: &[LogLine]) -> StoreResult<u64> {
    let mut conn = pool.acquire().await?;
    append_logs_in(&mut conn, id, lines).await
}

/// [`append_logs`] on the caller's connection (the legacy import's transaction).
pub(super) async fn append_logs_in(
    conn: &mut PgConnection,
    id: Uuid,
    lines: &[LogLine],
) -> StoreResult<u64> {
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
    .execute(conn)
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
        "SELECT {COLUMNS} FROM executions e WHERE e.process_id = $1
         ORDER BY e.created_at DESC, e.id"
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

/// The executions screen's row: the execution with its process, client and operator.
const ROW_FROM: &str = " FROM executions e JOIN processes p ON p.id = e.process_id
   JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id";

const ROW_EXTRA: &str = ", c.legal_name AS client_name, p.operator_id, o.name AS operator_name,
        p.reference_month, p.status AS process_status";

/// Only the conditions a filter sets go into the SQL (the count and the page share them).
fn push_filter(
    q: &mut QueryBuilder<'_, Postgres>,
    f: &ExecutionFilter,
    s: Option<ExecutionSearch>,
) {
    q.push(" WHERE true");
    if let Some(st) = f.status {
        q.push(" AND e.status = ").push_bind(st.as_str());
    }
    if f.open_only {
        q.push(" AND e.status IN ('PENDENTE', 'EXECUTANDO')");
    }
    if let Some(k) = f.kind {
        q.push(" AND e.kind = ").push_bind(k.as_str());
    }
    if let Some(o) = f.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o);
    }
    if let Some(m) = &f.month {
        q.push(" AND p.reference_month = ")
            .push_bind(m.trim().to_string())
            .push("::bpchar");
    }
    if let Some(id) = f.process_id {
        q.push(" AND e.process_id = ").push_bind(id);
    }
    if let Some(s) = s {
        q.push(" AND (c.search_text LIKE ")
            .push_bind(s.text)
            .push(" ESCAPE '\\' OR lower(e.job_id) LIKE ")
            .push_bind(s.job)
            .push(" ESCAPE '\\'");
        if let Some(d) = s.digits {
            q.push(" OR c.cnpj LIKE ").push_bind(d);
        }
        q.push(")");
    }
}

/// Newest first, one page, with the count of every match.
pub async fn list(pool: &PgPool, f: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>> {
    let (limit, offset) = f.limit_offset();
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM executions e JOIN processes p ON p.id = e.process_id
           JOIN clients c ON c.id = p.client_id",
    );
    push_filter(&mut count, f, ExecutionSearch::new(f.search.as_deref()));
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS}{ROW_EXTRA}{ROW_FROM}"));
    push_filter(&mut q, f, ExecutionSearch::new(f.search.as_deref()));
    q.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows = q.build().fetch_all(pool).await?;
    Ok(Page {
        items: rows.iter().map(decode_row).collect::<StoreResult<_>>()?,
        total,
        page: f.page.max(0) as u32,
        page_size: limit as u32,
    })
}

pub async fn detail(pool: &PgPool, id: Uuid) -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>> {
    let Some(r) = sqlx::query(&format!(
        "SELECT {COLUMNS}{ROW_EXTRA}{ROW_FROM} WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let row = decode_row(&r)?;
    let logs = sqlx::query(
        "SELECT seq, at, level, message FROM execution_logs WHERE execution_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|l| {
        Ok(LogLine {
            seq: l.try_get("seq")?,
            at: l.try_get("at")?,
            level: l.try_get("level")?,
            message: l.try_get("message")?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some((row, logs)))
}

/// The log lines go; the executions themselves stay (they are the history).
pub async fn purge_logs(pool: &PgPool, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM execution_logs l USING executions e
         WHERE e.id = l.execution_id AND e.finished_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected())
}

fn decode_row(r: &PgRow) -> StoreResult<ExecutionRow> {
    let status: String = r.try_get("process_status")?;
    Ok(ExecutionRow {
        execution: decode(r)?,
        client_name: r.try_get("client_name")?,
        operator_id: r.try_get("operator_id")?,
        operator_name: r.try_get("operator_name")?,
        reference_month: super::unpad(r.try_get("reference_month")?),
        process_status: ProcessStatus::parse(&status)
            .ok_or_else(|| corrupt("status do processo", &status))?,
    })
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

pub(super) fn decode(r: &PgRow) -> StoreResult<Execution> {
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
