use super::audit;
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::schedule::{Schedule, ScheduleKind};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

pub async fn list(pool: &PgPool) -> StoreResult<Vec<Schedule>> {
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
    pool: &PgPool,
    s: &Schedule,
    expected_version: Option<i64>,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    match expected_version {
        None => insert_row(&mut tx, s).await?,
        Some(expected) => {
            let changed = sqlx::query(
                "UPDATE schedules SET name = $1, cron = $2, kind = $3, operator_id = $4,
                        active = $5, next_run_at = $6, version = $7, updated_at = $8
                 WHERE id = $9 AND version = $10",
            )
            .bind(&s.name)
            .bind(&s.cron)
            .bind(s.kind.as_str())
            .bind(s.operator_id)
            .bind(s.active)
            .bind(s.next_run_at)
            .bind(s.version)
            .bind(s.updated_at)
            .bind(s.id)
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

pub async fn delete(pool: &PgPool, id: Uuid, event: &AuditEvent) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("DELETE FROM schedules WHERE id = $1")
        .bind(id)
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

/// A second worker with the same `expected_next` waits for the first one's row lock, then
/// finds next_run_at moved on and changes nothing. `IS NOT DISTINCT FROM` compares NULL
/// with NULL as equal: a schedule never run yet advances once too.
pub async fn advance(
    pool: &PgPool,
    id: Uuid,
    expected_next: Option<DateTime<Utc>>,
    last_run: DateTime<Utc>,
    next_run: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE schedules SET last_run_at = $1, next_run_at = $2
         WHERE id = $3 AND next_run_at IS NOT DISTINCT FROM $4",
    )
    .bind(last_run)
    .bind(next_run)
    .bind(id)
    .bind(expected_next)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

fn decode(r: &PgRow) -> StoreResult<Schedule> {
    let kind: String = r.try_get("kind")?;
    Ok(Schedule {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        cron: r.try_get("cron")?,
        kind: ScheduleKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("tipo de agendamento {kind:?}")))?,
        operator_id: r.try_get("operator_id")?,
        active: r.try_get("active")?,
        next_run_at: r.try_get("next_run_at")?,
        last_run_at: r.try_get("last_run_at")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The one INSERT of a schedule, in the caller's transaction (the screens and the import
/// from the old system both use it, so no column is forgotten in one of them).
pub(super) async fn insert_row(conn: &mut PgConnection, s: &Schedule) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO schedules (id, name, cron, kind, operator_id, active, next_run_at,
                                last_run_at, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.id)
    .bind(&s.name)
    .bind(&s.cron)
    .bind(s.kind.as_str())
    .bind(s.operator_id)
    .bind(s.active)
    .bind(s.next_run_at)
    .bind(s.last_run_at)
    .bind(s.version)
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(&mut *conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}
