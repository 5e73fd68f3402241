use super::audit;
use crate::sql_text::json;
use crate::StoreResult;
use brm_core::audit::AuditEvent;
use sqlx::{PgConnection, PgPool};

pub async fn get(pool: &PgPool, key: &str) -> StoreResult<Option<serde_json::Value>> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value_json::text FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(json(v))
}

pub async fn put(
    pool: &PgPool,
    key: &str,
    value: &serde_json::Value,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    write(&mut tx, key, value, event.at, event.actor.user_id).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Several settings and their audit events in one transaction.
pub async fn put_many(
    pool: &PgPool,
    values: &[(String, serde_json::Value)],
    at: chrono::DateTime<chrono::Utc>,
    by: Option<uuid::Uuid>,
    events: &[AuditEvent],
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    for (key, value) in values {
        write(&mut tx, key, value, at, by).await?;
    }
    for event in events {
        audit::insert(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes one setting (created or replaced) inside the caller's transaction.
pub(super) async fn write(
    conn: &mut PgConnection,
    key: &str,
    value: &serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
    by: Option<uuid::Uuid>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value_json, updated_at, updated_by)
         VALUES ($1, $2::jsonb, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value_json = EXCLUDED.value_json,
                                         updated_at = EXCLUDED.updated_at,
                                         updated_by = EXCLUDED.updated_by",
    )
    .bind(key)
    .bind(value.to_string())
    .bind(at)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
