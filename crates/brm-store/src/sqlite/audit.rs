use super::codec::{parse_ts, parse_uuid, ts};
use crate::sql_text::json;
use crate::StoreResult;
use brm_core::audit::{Actor, AuditEvent};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

pub async fn insert(conn: &mut SqliteConnection, e: &AuditEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id,
                                   before_json, after_json, invoice_sha256, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.id.to_string())
    .bind(ts(e.at))
    .bind(e.actor.user_id.map(|u| u.to_string()))
    .bind(&e.actor.name)
    .bind(&e.action)
    .bind(&e.entity)
    .bind(e.entity_id.map(|u| u.to_string()))
    .bind(e.before.as_ref().map(|v| v.to_string()))
    .bind(e.after.as_ref().map(|v| v.to_string()))
    .bind(&e.invoice_sha256)
    .bind(&e.detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn trail(
    pool: &SqlitePool,
    entity: &str,
    entity_id: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<AuditEvent>> {
    let rows = sqlx::query(
        "SELECT * FROM audit_events
         WHERE entity = ? AND (? IS NULL OR entity_id = ?)
         ORDER BY at DESC, rowid DESC LIMIT ?",
    )
    .bind(entity)
    .bind(entity_id.map(|u| u.to_string()))
    .bind(entity_id.map(|u| u.to_string()))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(r: &SqliteRow) -> StoreResult<AuditEvent> {
    let actor_id: Option<String> = r.try_get("actor_user_id")?;
    let entity_id: Option<String> = r.try_get("entity_id")?;
    Ok(AuditEvent {
        id: parse_uuid(r.try_get("id")?)?,
        at: parse_ts(r.try_get("at")?)?,
        actor: Actor {
            user_id: actor_id.as_deref().map(parse_uuid).transpose()?,
            name: r.try_get("actor_name")?,
        },
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: entity_id.as_deref().map(parse_uuid).transpose()?,
        before: json(r.try_get("before_json")?),
        after: json(r.try_get("after_json")?),
        invoice_sha256: r.try_get("invoice_sha256")?,
        detail: r.try_get("detail")?,
    })
}
