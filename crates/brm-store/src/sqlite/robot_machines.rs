//! Robot machines and the re-sealing of portal passwords (issue 19), SQLite.

use super::audit;
use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::robot_machine::{
    MachineHello, MachineStatus, Reseal, RobotMachine, StorageMarker, StoredPassword,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

pub async fn hello(pool: &SqlitePool, h: &MachineHello) -> StoreResult<RobotMachine> {
    let status = if h.approve {
        MachineStatus::Aprovada
    } else {
        MachineStatus::Pendente
    };
    sqlx::query(
        "INSERT INTO robot_machines (id, name, host, public_key, fingerprint, status,
                                     first_seen_at, last_seen_at, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, CASE WHEN ?6 = 'APROVADA' THEN ?7 END)
         ON CONFLICT (public_key) DO UPDATE SET name = ?2, host = ?3, last_seen_at = ?7",
    )
    .bind(h.id.to_string())
    .bind(&h.name)
    .bind(&h.host)
    .bind(&h.public_key)
    .bind(&h.fingerprint)
    .bind(status.as_str())
    .bind(ts(h.at))
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT * FROM robot_machines WHERE public_key = ?")
        .bind(&h.public_key)
        .fetch_one(pool)
        .await?;
    decode(&row)
}

pub async fn list(pool: &SqlitePool) -> StoreResult<Vec<RobotMachine>> {
    let rows = sqlx::query("SELECT * FROM robot_machines ORDER BY first_seen_at DESC, id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(decode).collect()
}

pub async fn decide(
    pool: &SqlitePool,
    id: Uuid,
    status: MachineStatus,
    event: &AuditEvent,
) -> StoreResult<Option<RobotMachine>> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE robot_machines SET status = ?1, decided_by = ?2, decided_at = ?3 WHERE id = ?4",
    )
    .bind(status.as_str())
    .bind(event.actor.user_id.map(|u| u.to_string()))
    .bind(ts(event.at))
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    audit::insert(&mut tx, event).await?;
    let row = sqlx::query("SELECT * FROM robot_machines WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    decode(&row).map(Some)
}

pub async fn stored_passwords(pool: &SqlitePool) -> StoreResult<Vec<StoredPassword>> {
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
                client_id: parse_uuid(r.try_get("id")?)?,
                client_name: r.try_get("legal_name")?,
                sealed: r.try_get("sealed")?,
            })
        })
        .collect()
}

pub async fn reseal(pool: &SqlitePool, changes: &[Reseal], event: &AuditEvent) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let mut written = 0;
    for c in changes {
        written += sqlx::query(
            "UPDATE clients SET
                 portal_password_sealed = CASE WHEN ?1 LIKE 'v2:%' THEN ?1 END,
                 portal_password_enc = CASE WHEN ?1 LIKE 'v1:%' THEN ?1 END
             WHERE id = ?2 AND COALESCE(portal_password_sealed, portal_password_enc) = ?3",
        )
        .bind(&c.after)
        .bind(c.client_id.to_string())
        .bind(&c.before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(written)
}

fn decode(r: &SqliteRow) -> StoreResult<RobotMachine> {
    let status: String = r.try_get("status")?;
    Ok(RobotMachine {
        id: parse_uuid(r.try_get("id")?)?,
        name: r.try_get("name")?,
        host: r.try_get("host")?,
        public_key: r.try_get("public_key")?,
        fingerprint: r.try_get("fingerprint")?,
        status: MachineStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("robot machine status {status}")))?,
        first_seen_at: parse_ts(r.try_get("first_seen_at")?)?,
        last_seen_at: parse_ts(r.try_get("last_seen_at")?)?,
        decided_by: r
            .try_get::<Option<String>, _>("decided_by")?
            .map(|s| parse_uuid(&s))
            .transpose()?,
        decided_at: parse_ts_opt(r.try_get("decided_at")?)?,
        marker: match r.try_get::<Option<String>, _>("marker_folder")? {
            None => None,
            Some(folder) => Some(StorageMarker {
                folder,
                nonce: r.try_get("marker_nonce")?,
                error: r.try_get("marker_error")?,
                at: parse_ts(r.try_get("marker_at")?)?,
            }),
        },
    })
}

pub async fn record_marker(
    pool: &SqlitePool,
    public_key: &str,
    m: &StorageMarker,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE robot_machines SET marker_folder = ?1, marker_nonce = ?2, marker_error = ?3,
                marker_at = ?4
         WHERE public_key = ?5",
    )
    .bind(&m.folder)
    .bind(&m.nonce)
    .bind(&m.error)
    .bind(ts(m.at))
    .bind(public_key)
    .execute(pool)
    .await?;
    Ok(())
}
