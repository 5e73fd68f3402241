//! The import from the old system on SQLite: the keys it could collide with, the whole
//! import in one transaction, and the one-time replacement of a legacy password hash.

use super::codec::{parse_uuid, ts};
use super::{audit, processes};
use crate::legacy::{
    collided, ClientKeyRow, LegacyBatch, LegacyKeys, LegacyProbe, OperatorKey, ProcessKey, UserKey,
    CHUNK,
};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::name_key;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

pub async fn keys(pool: &SqlitePool, probe: &LegacyProbe) -> StoreResult<LegacyKeys> {
    let mut out = LegacyKeys::default();
    for r in sqlx::query("SELECT id, code, name_key FROM operators")
        .fetch_all(pool)
        .await?
    {
        out.operators.push(OperatorKey {
            id: parse_uuid(r.try_get("id")?)?,
            code: r.try_get("code")?,
            name_key: r.try_get("name_key")?,
        });
    }
    for r in sqlx::query("SELECT id, hash, cnpj, operator_id, unit_key, service_key FROM clients")
        .fetch_all(pool)
        .await?
    {
        out.clients.push(ClientKeyRow {
            id: parse_uuid(r.try_get("id")?)?,
            hash: r.try_get("hash")?,
            cnpj: r.try_get("cnpj")?,
            operator_id: parse_uuid(r.try_get("operator_id")?)?,
            unit_key: r.try_get("unit_key")?,
            service_key: r.try_get("service_key")?,
        });
    }
    for r in sqlx::query("SELECT id, email FROM users")
        .fetch_all(pool)
        .await?
    {
        out.users.push(UserKey {
            id: parse_uuid(r.try_get("id")?)?,
            email: r.try_get("email")?,
        });
    }
    let ids: Vec<String> = probe.process_ids.iter().map(Uuid::to_string).collect();
    let clients: Vec<String> = probe.client_ids.iter().map(Uuid::to_string).collect();
    for (column, values) in [("id", &ids), ("client_id", &clients)] {
        for chunk in values.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT id, client_id, reference_month FROM processes WHERE ",
            );
            q.push(column).push(" IN (");
            let mut sep = q.separated(", ");
            for v in chunk {
                sep.push_bind(v);
            }
            q.push(")");
            for r in q.build().fetch_all(pool).await? {
                out.processes.push(ProcessKey {
                    id: parse_uuid(r.try_get("id")?)?,
                    client_id: parse_uuid(r.try_get("client_id")?)?,
                    reference_month: r.try_get("reference_month")?,
                });
            }
        }
    }
    let execs: Vec<String> = probe.execution_ids.iter().map(Uuid::to_string).collect();
    for chunk in execs.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT id FROM executions WHERE id IN (");
        let mut sep = q.separated(", ");
        for v in chunk {
            sep.push_bind(v);
        }
        q.push(")");
        for r in q.build().fetch_all(pool).await? {
            out.execution_ids.push(parse_uuid(r.try_get("id")?)?);
        }
    }
    for chunk in probe.job_ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT job_id FROM executions WHERE job_id IN (");
        let mut sep = q.separated(", ");
        for v in chunk {
            sep.push_bind(v);
        }
        q.push(")");
        for r in q.build().fetch_all(pool).await? {
            out.job_ids.push(r.try_get("job_id")?);
        }
    }
    Ok(out)
}

pub async fn import(pool: &SqlitePool, b: &LegacyBatch) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    write(&mut tx, b).await.map_err(|e| match e {
        StoreError::Unique(field) => collided(&field),
        e => e,
    })?;
    tx.commit().await?;
    Ok(())
}

async fn write(conn: &mut SqliteConnection, b: &LegacyBatch) -> StoreResult<()> {
    for op in &b.operators {
        sqlx::query(
            "INSERT INTO operators (id, name, name_key, code, has_rpa, rpa_outsourced,
                    rpa_endpoint_url, portal_url, access_instructions, timeout_secs, max_attempts,
                    active, version, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(op.id.to_string())
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
        .bind(ts(op.created_at))
        .bind(ts(op.updated_at))
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
    }
    for u in &b.users {
        sqlx::query(
            "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                                failed_logins, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(u.id.to_string())
        .bind(&u.full_name)
        .bind(&u.email)
        .bind(&u.phone)
        .bind(u.role.as_str())
        .bind(u.active)
        .bind(&u.password_hash)
        .bind(ts(u.created_at))
        .bind(ts(u.updated_at))
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id.to_string())
        .bind(p.client_id.to_string())
        .bind(p.operator_id.to_string())
        .bind(&p.reference_month)
        .bind(p.status.as_str())
        .bind(p.auto_created)
        .bind(p.created_by.map(|u| u.to_string()))
        .bind(p.version)
        .bind(ts(p.created_at))
        .bind(ts(p.updated_at))
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
        .execute(&mut *conn)
        .await
        .map_err(super::map_unique)?;
        for l in lines {
            sqlx::query(
                "INSERT INTO execution_logs (execution_id, seq, at, level, message)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(e.id.to_string())
            .bind(l.seq)
            .bind(ts(l.at))
            .bind(&l.level)
            .bind(&l.message)
            .execute(&mut *conn)
            .await?;
        }
    }
    for (key, value) in &b.settings {
        sqlx::query(
            "INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET value_json = ?2, updated_at = ?3, updated_by = ?4",
        )
        .bind(key)
        .bind(value.to_string())
        .bind(ts(b.at))
        .bind(b.by.map(|u| u.to_string()))
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
    pool: &SqlitePool,
    user_id: Uuid,
    expected: &str,
    new_hash: &str,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?",
    )
    .bind(new_hash)
    .bind(ts(event.at))
    .bind(user_id.to_string())
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
