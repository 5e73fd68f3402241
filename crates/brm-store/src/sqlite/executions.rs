use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::sql_text::json;
use crate::{StoreError, StoreResult};
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus, LogLine};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

pub async fn insert(pool: &SqlitePool, e: &Execution) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                                 result_json, progress, attempt, started_at, finished_at, error,
                                 error_class, triggered_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .execute(pool)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn append_logs(pool: &SqlitePool, id: Uuid, lines: &[LogLine]) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let mut added = 0;
    for l in lines {
        added += sqlx::query(
            "INSERT INTO execution_logs (execution_id, seq, at, level, message)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (execution_id, seq) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(l.seq)
        .bind(ts(l.at))
        .bind(&l.level)
        .bind(&l.message)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(added)
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
        let logs = sqlx::query(
            "SELECT seq, at, level, message FROM execution_logs WHERE execution_id = ? ORDER BY seq",
        )
        .bind(e.id.to_string())
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
        .collect::<StoreResult<Vec<_>>>()?;
        out.push((e, logs));
    }
    Ok(out)
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn decode(r: &SqliteRow) -> StoreResult<Execution> {
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
