use crate::sql_text::json;
use crate::StoreResult;
use brm_core::audit::{Actor, AuditEvent};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

pub async fn insert(conn: &mut PgConnection, e: &AuditEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id,
                                   before_json, after_json, invoice_sha256, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)",
    )
    .bind(e.id)
    .bind(e.at)
    .bind(e.actor.user_id)
    .bind(&e.actor.name)
    .bind(&e.action)
    .bind(&e.entity)
    .bind(e.entity_id)
    .bind(e.before.as_ref().map(|v| v.to_string()))
    .bind(e.after.as_ref().map(|v| v.to_string()))
    .bind(&e.invoice_sha256)
    .bind(&e.detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn trail(
    pool: &PgPool,
    entity: &str,
    entity_id: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<AuditEvent>> {
    let rows = sqlx::query(
        "SELECT id, at, actor_user_id, actor_name, action, entity, entity_id,
                before_json::text AS before_json, after_json::text AS after_json,
                invoice_sha256, detail
         FROM audit_events
         WHERE entity = $1 AND ($2::uuid IS NULL OR entity_id = $2)
         ORDER BY at DESC, seq DESC LIMIT $3",
    )
    .bind(entity)
    .bind(entity_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(r: &PgRow) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: Actor {
            user_id: r.try_get("actor_user_id")?,
            name: r.try_get("actor_name")?,
        },
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        before: json(r.try_get("before_json")?),
        after: json(r.try_get("after_json")?),
        invoice_sha256: r.try_get("invoice_sha256")?,
        detail: r.try_get("detail")?,
    })
}
