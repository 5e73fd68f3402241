//! The import from the old system on PostgreSQL: the keys it could collide with, the whole
//! import in one transaction, and the one-time replacement of a legacy password hash.

use super::{audit, processes};
use crate::legacy::{
    collided, ClientKeyRow, LegacyBatch, LegacyKeys, LegacyProbe, OperatorKey, ProcessKey, UserKey,
};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::name_key;
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
    for op in &b.operators {
        sqlx::query(
            "INSERT INTO operators (id, name, name_key, code, has_rpa, rpa_outsourced,
                    rpa_endpoint_url, portal_url, access_instructions, timeout_secs, max_attempts,
                    active, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(op.id)
        .bind(&op.name)
        .bind(name_key(&op.name))
        .bind(&op.code)
        .bind(op.has_rpa)
        .bind(op.rpa_outsourced)
        .bind(&op.rpa_endpoint_url)
        .bind(&op.portal_url)
        .bind(&op.access_instructions)
        .bind(op.timeout_secs)
        .bind(op.max_attempts)
        .bind(op.active)
        .bind(op.version)
        .bind(op.created_at)
        .bind(op.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
    }
    for u in &b.users {
        sqlx::query(
            "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                                failed_logins, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
        )
        .bind(u.id)
        .bind(&u.full_name)
        .bind(&u.email)
        .bind(&u.phone)
        .bind(u.role.as_str())
        .bind(u.active)
        .bind(&u.password_hash)
        .bind(u.created_at)
        .bind(u.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
    }
    for w in &b.clients {
        // The same INSERT as a client typed in the window or imported from the sheet.
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
        sqlx::query(
            "INSERT INTO executions (id, process_id, kind, status, job_id, endpoint, request_json,
                    result_json, progress, attempt, started_at, finished_at, error, error_class,
                    triggered_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
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
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
        for l in lines {
            sqlx::query(
                "INSERT INTO execution_logs (execution_id, seq, at, level, message)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(e.id)
            .bind(l.seq)
            .bind(l.at)
            .bind(&l.level)
            .bind(&l.message)
            .execute(&mut *conn)
            .await?;
        }
    }
    for (key, value) in &b.settings {
        sqlx::query(
            "INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES ($1, $2::jsonb, $3, $4)
             ON CONFLICT (key) DO UPDATE SET value_json = $2::jsonb, updated_at = $3, updated_by = $4",
        )
        .bind(key)
        .bind(value.to_string())
        .bind(b.at)
        .bind(b.by)
        .execute(&mut *conn)
        .await?;
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
