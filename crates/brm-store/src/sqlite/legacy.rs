//! The import from the old system on SQLite: the keys it could collide with, the whole
//! import in one transaction, and the one-time replacement of a legacy password hash.

use super::codec::{parse_uuid, ts};
use super::{audit, executions, operators, processes, schedules, settings, users};
use crate::legacy::{
    collided, ClientKeyRow, LegacyBatch, LegacyKeys, LegacyProbe, OperatorKey, ProcessKey,
    ScheduleKey, UserKey, CHUNK,
};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
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
    for r in sqlx::query("SELECT id, name, kind, cron, operator_id FROM schedules")
        .fetch_all(pool)
        .await?
    {
        let operator: Option<String> = r.try_get("operator_id")?;
        out.schedules.push(ScheduleKey {
            id: parse_uuid(r.try_get("id")?)?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            cron: r.try_get("cron")?,
            operator_id: operator.map(|o| parse_uuid(&o)).transpose()?,
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
        executions::insert_leased(conn, e, None).await?;
        // The plan numbers each execution's lines 1, 2, 3...: none is skipped as a repeat.
        for l in lines {
            executions::insert_log_line(conn, e.id, l).await?;
        }
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
