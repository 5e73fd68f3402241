//! Robot machines and the re-sealing of portal passwords (issue 19), PostgreSQL.
//!
//! In a prepared shared database a robot login writes its own row through ordinary
//! INSERT/UPDATE, checked by robot_machines_guard (migrations/postgres-shared/0005): new
//! rows start pending, and a status changes only through brm_decide_robot_machine, which
//! the person store calls.

use super::audit;
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::robot_machine::{
    MachineHello, MachineStatus, Reseal, RobotMachine, StorageMarker, StoredPassword,
};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

pub async fn hello(pool: &PgPool, h: &MachineHello) -> StoreResult<RobotMachine> {
    let status = if h.approve {
        MachineStatus::Aprovada
    } else {
        MachineStatus::Pendente
    };
    let row = sqlx::query(
        "INSERT INTO robot_machines (id, name, host, public_key, fingerprint, status,
                                     first_seen_at, last_seen_at, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, CASE WHEN $6 = 'APROVADA' THEN $7 END)
         ON CONFLICT (public_key) DO UPDATE SET name = EXCLUDED.name, host = EXCLUDED.host,
                                                last_seen_at = EXCLUDED.last_seen_at
         RETURNING *",
    )
    .bind(h.id)
    .bind(&h.name)
    .bind(&h.host)
    .bind(&h.public_key)
    .bind(&h.fingerprint)
    .bind(status.as_str())
    .bind(h.at)
    .fetch_one(pool)
    .await?;
    decode(&row)
}

pub async fn list(pool: &PgPool) -> StoreResult<Vec<RobotMachine>> {
    let rows = sqlx::query("SELECT * FROM robot_machines ORDER BY first_seen_at DESC, id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(decode).collect()
}

/// The owner's (or a plain database's) decision: direct, with the audit event.
pub async fn decide(
    pool: &PgPool,
    id: Uuid,
    status: MachineStatus,
    event: &AuditEvent,
) -> StoreResult<Option<RobotMachine>> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE robot_machines SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4
         RETURNING *",
    )
    .bind(status.as_str())
    .bind(event.actor.user_id)
    .bind(event.at)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    decode(&row).map(Some)
}

/// A person's decision in a shared database: through the function that checks them.
pub async fn decide_as_person(
    pool: &PgPool,
    id: Uuid,
    status: MachineStatus,
) -> StoreResult<Option<RobotMachine>> {
    let found: Option<Uuid> = sqlx::query_scalar("SELECT brm_decide_robot_machine($1, $2)")
        .bind(id)
        .bind(status.as_str())
        .fetch_one(pool)
        .await?;
    if found.is_none() {
        return Ok(None);
    }
    let row = sqlx::query("SELECT * FROM robot_machines WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    decode(&row).map(Some)
}

pub async fn stored_passwords(pool: &PgPool) -> StoreResult<Vec<StoredPassword>> {
    let rows = sqlx::query(
        "SELECT id, legal_name, COALESCE(portal_password_sealed, portal_password_enc) AS sealed
         FROM clients
         WHERE portal_password_sealed IS NOT NULL OR portal_password_enc IS NOT NULL
         ORDER BY legal_name, id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredPassword {
                client_id: r.try_get("id")?,
                client_name: r.try_get("legal_name")?,
                sealed: r.try_get("sealed")?,
            })
        })
        .collect()
}

pub async fn reseal(pool: &PgPool, changes: &[Reseal], event: &AuditEvent) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let mut written = 0;
    for c in changes {
        written += sqlx::query(
            "UPDATE clients SET
                 portal_password_sealed = CASE WHEN $1::text LIKE 'v2:%' THEN $1 END,
                 portal_password_enc = CASE WHEN $1::text LIKE 'v1:%' THEN $1 END
             WHERE id = $2 AND COALESCE(portal_password_sealed, portal_password_enc) = $3",
        )
        .bind(&c.after)
        .bind(c.client_id)
        .bind(&c.before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(written)
}

fn decode(r: &PgRow) -> StoreResult<RobotMachine> {
    let status: String = r.try_get("status")?;
    Ok(RobotMachine {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        host: r.try_get("host")?,
        public_key: r.try_get("public_key")?,
        fingerprint: r.try_get("fingerprint")?,
        status: MachineStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("robot machine status {status}")))?,
        first_seen_at: r.try_get("first_seen_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        marker: match r.try_get::<Option<String>, _>("marker_folder")? {
            None => None,
            Some(folder) => Some(StorageMarker {
                folder,
                nonce: r.try_get("marker_nonce")?,
                error: r.try_get("marker_error")?,
                at: r.try_get("marker_at")?,
            }),
        },
    })
}

pub async fn record_marker(pool: &PgPool, public_key: &str, m: &StorageMarker) -> StoreResult<()> {
    sqlx::query(
        "UPDATE robot_machines SET marker_folder = $1, marker_nonce = $2, marker_error = $3,
                marker_at = $4
         WHERE public_key = $5",
    )
    .bind(&m.folder)
    .bind(&m.nonce)
    .bind(&m.error)
    .bind(m.at)
    .bind(public_key)
    .execute(pool)
    .await?;
    Ok(())
}
