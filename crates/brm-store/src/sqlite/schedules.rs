use super::audit;
use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::schedule::{Schedule, ScheduleKind};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

pub async fn list(pool: &SqlitePool) -> StoreResult<Vec<Schedule>> {
    sqlx::query("SELECT * FROM schedules ORDER BY name, id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// Insert or versioned update, with the audit event in the same transaction. An update
/// keeps the stored last_run_at: it belongs to the runs (`advance`), not to the form.
pub async fn save(
    pool: &SqlitePool,
    s: &Schedule,
    expected_version: Option<i64>,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    match expected_version {
        None => insert_row(&mut tx, s).await?,
        Some(expected) => {
            let changed = sqlx::query(
                "UPDATE schedules SET name = ?, cron = ?, kind = ?, operator_id = ?, active = ?,
                        next_run_at = ?, version = ?, updated_at = ?
                 WHERE id = ? AND version = ?",
            )
            .bind(&s.name)
            .bind(&s.cron)
            .bind(s.kind.as_str())
            .bind(s.operator_id.map(|u| u.to_string()))
            .bind(s.active)
            .bind(s.next_run_at.map(ts))
            .bind(s.version)
            .bind(ts(s.updated_at))
            .bind(s.id.to_string())
            .bind(expected)
            .execute(&mut *tx)
            .await
            .map_err(super::map_unique)?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
        }
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn delete(pool: &SqlitePool, id: Uuid, event: &AuditEvent) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("DELETE FROM schedules WHERE id = ?")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

/// `IS` compares NULL with NULL as equal: a schedule never run yet advances once too.
pub async fn advance(
    pool: &SqlitePool,
    id: Uuid,
    expected_next: Option<DateTime<Utc>>,
    last_run: DateTime<Utc>,
    next_run: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE schedules SET last_run_at = ?, next_run_at = ? WHERE id = ? AND next_run_at IS ?",
    )
    .bind(ts(last_run))
    .bind(next_run.map(ts))
    .bind(id.to_string())
    .bind(expected_next.map(ts))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

fn decode(r: &SqliteRow) -> StoreResult<Schedule> {
    let kind: String = r.try_get("kind")?;
    let operator: Option<String> = r.try_get("operator_id")?;
    Ok(Schedule {
        id: parse_uuid(r.try_get("id")?)?,
        name: r.try_get("name")?,
        cron: r.try_get("cron")?,
        kind: ScheduleKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("tipo de agendamento {kind:?}")))?,
        operator_id: operator.as_deref().map(parse_uuid).transpose()?,
        active: r.try_get("active")?,
        next_run_at: parse_ts_opt(r.try_get("next_run_at")?)?,
        last_run_at: parse_ts_opt(r.try_get("last_run_at")?)?,
        version: r.try_get("version")?,
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}

/// The one INSERT of a schedule, in the caller's transaction (the screens and the import
/// from the old system both use it, so no column is forgotten in one of them).
pub(super) async fn insert_row(conn: &mut SqliteConnection, s: &Schedule) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO schedules (id, name, cron, kind, operator_id, active, next_run_at,
                                last_run_at, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id.to_string())
    .bind(&s.name)
    .bind(&s.cron)
    .bind(s.kind.as_str())
    .bind(s.operator_id.map(|u| u.to_string()))
    .bind(s.active)
    .bind(s.next_run_at.map(ts))
    .bind(s.last_run_at.map(ts))
    .bind(s.version)
    .bind(ts(s.created_at))
    .bind(ts(s.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}
