//! The import from the old system on PostgreSQL: the keys it could collide with, the whole
//! import in one transaction, and the one-time replacement of a legacy password hash.

use super::{audit, executions, operators, processes, schedules, settings, users};
use crate::legacy::{
    collided, ClientKeyRow, LegacyBatch, LegacyKeys, LegacyProbe, OperatorKey, ProcessKey,
    ScheduleKey, UserKey,
};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

pub async fn keys(pool: &PgPool, probe: &LegacyProbe) -> StoreResult<LegacyKeys> {
    let mut out = LegacyKeys::default();
    for r in sqlx::query("SELECT id, code, name_key FROM operators")
        .fetch_all(pool)
        .await?
    {
        out.operators.push(OperatorKey {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            name_key: r.try_get("name_key")?,
        });
    }
    for r in sqlx::query("SELECT id, hash, cnpj, operator_id, unit_key, service_key FROM clients")
        .fetch_all(pool)
        .await?
    {
        out.clients.push(ClientKeyRow {
            id: r.try_get("id")?,
            hash: r.try_get("hash")?,
            cnpj: r.try_get("cnpj")?,
            operator_id: r.try_get("operator_id")?,
            unit_key: r.try_get("unit_key")?,
            service_key: r.try_get("service_key")?,
        });
    }
    for r in sqlx::query("SELECT id, name, kind, cron, operator_id FROM schedules")
        .fetch_all(pool)
        .await?
    {
        out.schedules.push(ScheduleKey {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            cron: r.try_get("cron")?,
            operator_id: r.try_get("operator_id")?,
        });
    }
    for r in sqlx::query("SELECT id, email FROM users")
        .fetch_all(pool)
        .await?
    {
        out.users.push(UserKey {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
        });
    }
    for (column, values) in [("id", &probe.process_ids), ("client_id", &probe.client_ids)] {
        if values.is_empty() {
            continue;
        }
        {
            let q = format!(
                "SELECT id, client_id, reference_month FROM processes WHERE {column} = ANY($1)"
            );
            for r in sqlx::query(&q).bind(values).fetch_all(pool).await? {
                out.processes.push(ProcessKey {
                    id: r.try_get("id")?,
                    client_id: r.try_get("client_id")?,
                    reference_month: super::unpad(r.try_get("reference_month")?),
                });
            }
        }
    }
    out.execution_ids = sqlx::query_scalar("SELECT id FROM executions WHERE id = ANY($1)")
        .bind(&probe.execution_ids)
        .fetch_all(pool)
        .await?;
    out.job_ids = sqlx::query_scalar("SELECT job_id FROM executions WHERE job_id = ANY($1)")
        .bind(&probe.job_ids)
        .fetch_all(pool)
        .await?;
    Ok(out)
}

pub async fn import(pool: &PgPool, b: &LegacyBatch) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    write(&mut tx, b).await.map_err(|e| match e {
        StoreError::Unique(field) => collided(&field),
        e => e,
    })?;
    tx.commit().await?;
    Ok(())
}

async fn write(conn: &mut PgConnection, b: &LegacyBatch) -> StoreResult<()> {
    // Each row through the same INSERT as the screens use, so no column is forgotten here.
    for op in &b.operators {
        operators::insert_row(conn, op).await?;
    }
    for u in &b.users {
        users::insert_row(conn, u).await?;
    }
    for w in &b.clients {
        super::clients::insert_in(&mut *conn, w).await?;
    }
    for p in &b.processes {
        // The key columns first, then every other column through the same statement
        // that every process change uses, so no column can be forgotten here.
        sqlx::query(
            "INSERT INTO processes (id, client_id, operator_id, reference_month, status,
                    auto_created, created_by, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(p.id)
        .bind(p.client_id)
        .bind(p.operator_id)
        .bind(&p.reference_month)
        .bind(p.status.as_str())
        .bind(p.auto_created)
        .bind(p.created_by)
        .bind(p.version)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
        processes::write_state(conn, p, p.version).await?;
    }
    for (e, lines) in &b.executions {
        executions::insert_row(conn, e).await?;
        // The plan numbers each execution's lines 1, 2, 3...: none is skipped as a repeat.
        executions::append_logs_in(conn, e.id, lines).await?;
    }
    for s in &b.schedules {
        // Its operator was written above; a name taken since the preview is a collision.
        schedules::insert_row(conn, s).await.map_err(|e| match e {
            StoreError::Unique(_) => StoreError::Unique("schedule_name".into()),
            e => e,
        })?;
    }
    for (key, value) in &b.settings {
        settings::write(conn, key, value, b.at, b.by).await?;
    }
    for a in &b.audits {
        audit::insert(conn, a).await?;
    }
    Ok(())
}

/// The first login of a migrated user: the legacy hash becomes argon2id, only if it is
/// still the one that was verified (two logins at once replace it once).
pub async fn replace_password_hash(
    pool: &PgPool,
    user_id: Uuid,
    expected: &str,
    new_hash: &str,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4",
    )
    .bind(new_hash)
    .bind(event.at)
    .bind(user_id)
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}
