use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use super::{audit, processes};
use crate::sql_text::{json, ExecutionSearch};
use crate::{ExecutionOutcome, StoreError, StoreResult};
use brm_core::execution::{
    ErrorClass, Execution, ExecutionFilter, ExecutionKind, ExecutionRow, ExecutionStatus, LogLine,
};
use brm_core::operator::Page;
use brm_core::process::ProcessStatus;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

pub async fn insert(pool: &SqlitePool, e: &Execution) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    insert_leased(&mut conn, e, None).await
}

/// Inserts `e`, leased to `lease = (owner, until)` when given (a claim's new execution).
pub(super) async fn insert_leased(
    conn: &mut SqliteConnection,
    e: &Execution,
    lease: Option<(&str, DateTime<Utc>)>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                                 result_json, progress, attempt, started_at, finished_at, error,
                                 error_class, triggered_by, created_at, updated_at, lease_owner,
                                 lease_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.id.to_string())
    .bind(e.process_id.to_string())
    .bind(e.kind.as_str())
    .bind(e.status.as_str())
    .bind(&e.job_id)
    .bind(&e.endpoint)
    .bind(e.request.as_ref().map(|v| v.to_string()))
    .bind(e.result.as_ref().map(|v| v.to_string()))
    .bind(e.progress)
    .bind(e.attempt)
    .bind(e.started_at.map(ts))
    .bind(e.finished_at.map(ts))
    .bind(&e.error)
    .bind(e.error_class.map(|c| c.as_str()))
    .bind(&e.triggered_by)
    .bind(ts(e.created_at))
    .bind(ts(e.updated_at))
    .bind(lease.map(|(owner, _)| owner))
    .bind(lease.map(|(_, until)| ts(until)))
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

/// The mutable fields of a running execution; the lease stays as it is.
pub async fn save(pool: &SqlitePool, e: &Execution) -> StoreResult<()> {
    let changed = sqlx::query(
        "UPDATE executions SET status = ?, job_id = ?, endpoint = ?, request_json = ?,
                result_json = ?, progress = ?, started_at = ?, finished_at = ?, error = ?,
                error_class = ?, updated_at = ?
         WHERE id = ?",
    )
    .bind(e.status.as_str())
    .bind(&e.job_id)
    .bind(&e.endpoint)
    .bind(e.request.as_ref().map(|v| v.to_string()))
    .bind(e.result.as_ref().map(|v| v.to_string()))
    .bind(e.progress)
    .bind(e.started_at.map(ts))
    .bind(e.finished_at.map(ts))
    .bind(&e.error)
    .bind(e.error_class.map(|c| c.as_str()))
    .bind(ts(e.updated_at))
    .bind(e.id.to_string())
    .execute(pool)
    .await
    .map_err(super::map_unique)?
    .rows_affected();
    if changed == 0 {
        return Err(crate::error::execution_not_found());
    }
    Ok(())
}

/// The process first: its row is the one two writers contend for, and a stale version
/// ends the transaction before anything else is written (dropping it rolls back).
pub async fn finish(pool: &SqlitePool, o: &ExecutionOutcome) -> StoreResult<bool> {
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
async fn upsert(conn: &mut SqliteConnection, e: &Execution) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                                 result_json, progress, attempt, started_at, finished_at, error,
                                 error_class, triggered_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, job_id = excluded.job_id, endpoint = excluded.endpoint,
             request_json = excluded.request_json, result_json = excluded.result_json,
             progress = excluded.progress, started_at = excluded.started_at,
             finished_at = excluded.finished_at, error = excluded.error,
             error_class = excluded.error_class, updated_at = excluded.updated_at,
             lease_owner = CASE WHEN excluded.status IN ('PENDENTE', 'EXECUTANDO')
                                THEN executions.lease_owner END,
             lease_until = CASE WHEN excluded.status IN ('PENDENTE', 'EXECUTANDO')
                                THEN executions.lease_until END",
    )
    .bind(e.id.to_string())
    .bind(e.process_id.to_string())
    .bind(e.kind.as_str())
    .bind(e.status.as_str())
    .bind(&e.job_id)
    .bind(&e.endpoint)
    .bind(e.request.as_ref().map(|v| v.to_string()))
    .bind(e.result.as_ref().map(|v| v.to_string()))
    .bind(e.progress)
    .bind(e.attempt)
    .bind(e.started_at.map(ts))
    .bind(e.finished_at.map(ts))
    .bind(&e.error)
    .bind(e.error_class.map(|c| c.as_str()))
    .bind(&e.triggered_by)
    .bind(ts(e.created_at))
    .bind(ts(e.updated_at))
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn append_logs(pool: &SqlitePool, id: Uuid, lines: &[LogLine]) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let mut added = 0;
    for l in lines {
        added += insert_log_line(&mut tx, id, l).await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// One line of an execution's log; a line already stored (same `seq`) is left alone and
/// counts 0: the robot's log is read again from the start after a restart.
pub(super) async fn insert_log_line(
    conn: &mut SqliteConnection,
    id: Uuid,
    l: &LogLine,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "INSERT INTO execution_logs (execution_id, seq, at, level, message)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (execution_id, seq) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(l.seq)
    .bind(ts(l.at))
    .bind(&l.level)
    .bind(&l.message)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn of_process(
    pool: &SqlitePool,
    process_id: Uuid,
) -> StoreResult<Vec<(Execution, Vec<LogLine>)>> {
    let rows =
        sqlx::query("SELECT * FROM executions WHERE process_id = ? ORDER BY created_at DESC, id")
            .bind(process_id.to_string())
            .fetch_all(pool)
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let e = decode(r)?;
        let logs = logs_of(pool, e.id).await?;
        out.push((e, logs));
    }
    Ok(out)
}

async fn logs_of(pool: &SqlitePool, id: Uuid) -> StoreResult<Vec<LogLine>> {
    sqlx::query(
        "SELECT seq, at, level, message FROM execution_logs WHERE execution_id = ? ORDER BY seq",
    )
    .bind(id.to_string())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|l| {
        Ok(LogLine {
            seq: l.try_get("seq")?,
            at: parse_ts(l.try_get("at")?)?,
            level: l.try_get("level")?,
            message: l.try_get("message")?,
        })
    })
    .collect()
}

/// The executions screen's row: the execution with its process, client and operator.
const ROW_SELECT: &str = "SELECT e.*, c.legal_name AS client_name, p.operator_id,
        o.name AS operator_name, p.reference_month, p.status AS process_status
   FROM executions e JOIN processes p ON p.id = e.process_id
   JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id";

/// Only the conditions a filter sets go into the SQL (the count and the page share them).
fn push_filter<'a>(
    q: &mut QueryBuilder<'a, Sqlite>,
    f: &'a ExecutionFilter,
    search: &'a Option<ExecutionSearch>,
) {
    q.push(" WHERE 1 = 1");
    if let Some(s) = f.status {
        q.push(" AND e.status = ").push_bind(s.as_str());
    }
    if f.open_only {
        q.push(" AND e.status IN ('PENDENTE', 'EXECUTANDO')");
    }
    if let Some(k) = f.kind {
        q.push(" AND e.kind = ").push_bind(k.as_str());
    }
    if let Some(o) = f.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o.to_string());
    }
    if let Some(m) = &f.month {
        q.push(" AND p.reference_month = ").push_bind(m.trim());
    }
    if let Some(id) = f.process_id {
        q.push(" AND e.process_id = ").push_bind(id.to_string());
    }
    if let Some(s) = search {
        q.push(" AND (c.search_text LIKE ")
            .push_bind(s.text.as_str())
            .push(" ESCAPE '\\' OR lower(e.job_id) LIKE ")
            .push_bind(s.job.as_str())
            .push(" ESCAPE '\\'");
        if let Some(d) = &s.digits {
            q.push(" OR c.cnpj LIKE ").push_bind(d.as_str());
        }
        q.push(")");
    }
}

/// Newest first, one page, with the count of every match.
pub async fn list(pool: &SqlitePool, f: &ExecutionFilter) -> StoreResult<Page<ExecutionRow>> {
    let (limit, offset) = f.limit_offset();
    let search = ExecutionSearch::new(f.search.as_deref());
    let mut count = QueryBuilder::<Sqlite>::new(
        "SELECT COUNT(*) FROM executions e JOIN processes p ON p.id = e.process_id
           JOIN clients c ON c.id = p.client_id",
    );
    push_filter(&mut count, f, &search);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut q = QueryBuilder::<Sqlite>::new(ROW_SELECT);
    push_filter(&mut q, f, &search);
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

pub async fn detail(
    pool: &SqlitePool,
    id: Uuid,
) -> StoreResult<Option<(ExecutionRow, Vec<LogLine>)>> {
    let Some(r) = sqlx::query(&format!("{ROW_SELECT} WHERE e.id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let row = decode_row(&r)?;
    let logs = logs_of(pool, id).await?;
    Ok(Some((row, logs)))
}

/// The log lines go; the executions themselves stay (they are the history).
pub async fn purge_logs(pool: &SqlitePool, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM execution_logs WHERE execution_id IN
             (SELECT id FROM executions WHERE finished_at < ?)",
    )
    .bind(ts(before))
    .execute(pool)
    .await?
    .rows_affected())
}

fn decode_row(r: &SqliteRow) -> StoreResult<ExecutionRow> {
    let status: String = r.try_get("process_status")?;
    Ok(ExecutionRow {
        execution: decode(r)?,
        client_name: r.try_get("client_name")?,
        operator_id: parse_uuid(r.try_get("operator_id")?)?,
        operator_name: r.try_get("operator_name")?,
        reference_month: r.try_get("reference_month")?,
        process_status: ProcessStatus::parse(&status)
            .ok_or_else(|| corrupt("status do processo", &status))?,
    })
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

pub(super) fn decode(r: &SqliteRow) -> StoreResult<Execution> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let class: Option<String> = r.try_get("error_class")?;
    Ok(Execution {
        id: parse_uuid(r.try_get("id")?)?,
        process_id: parse_uuid(r.try_get("process_id")?)?,
        kind: ExecutionKind::parse(&kind).ok_or_else(|| corrupt("tipo", &kind))?,
        status: ExecutionStatus::parse(&status).ok_or_else(|| corrupt("situação", &status))?,
        job_id: r.try_get("job_id")?,
        endpoint: r.try_get("endpoint")?,
        request: json(r.try_get("request_json")?),
        result: json(r.try_get("result_json")?),
        progress: r.try_get("progress")?,
        attempt: r.try_get("attempt")?,
        started_at: parse_ts_opt(r.try_get("started_at")?)?,
        finished_at: parse_ts_opt(r.try_get("finished_at")?)?,
        error: r.try_get("error")?,
        error_class: class
            .as_deref()
            .map(|c| ErrorClass::parse(c).ok_or_else(|| corrupt("classe de erro", c)))
            .transpose()?,
        triggered_by: r.try_get("triggered_by")?,
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}
