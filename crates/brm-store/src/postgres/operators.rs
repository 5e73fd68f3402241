use super::audit;
use crate::sql_text::like_pattern;
use crate::{OperatorConflicts, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::{name_key, Operator, OperatorFilter, Page};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

/// The WHERE clause shared by the page and its count, so they can never disagree.
const FILTER: &str =
    "WHERE ($1::text IS NULL OR name_key LIKE $1 ESCAPE '\\' OR code LIKE $2 ESCAPE '\\')
                        AND ($3::boolean IS NULL OR active = $3)";

pub async fn list(pool: &PgPool, f: &OperatorFilter) -> StoreResult<Page<Operator>> {
    let search = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let name_pat = search.map(|s| like_pattern(&name_key(s)));
    let code_pat = search.map(|s| like_pattern(&s.to_uppercase()));
    let (limit, offset) = f.limit_offset();

    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM operators {FILTER}"))
        .bind(&name_pat)
        .bind(&code_pat)
        .bind(f.active)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT * FROM operators {FILTER} ORDER BY name_key, id LIMIT $4 OFFSET $5"
    ))
    .bind(&name_pat)
    .bind(&code_pat)
    .bind(f.active)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(Page {
        items: rows.iter().map(decode).collect::<StoreResult<_>>()?,
        total,
        page: f.page,
        page_size: limit as u32,
    })
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> StoreResult<Option<Operator>> {
    let row = sqlx::query("SELECT * FROM operators WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn conflicts(
    pool: &PgPool,
    key: &str,
    code: &str,
    except: Option<Uuid>,
) -> StoreResult<OperatorConflicts> {
    let row = sqlx::query(
        "SELECT
            EXISTS(SELECT 1 FROM operators WHERE name_key = $1 AND ($3::uuid IS NULL OR id <> $3)),
            EXISTS(SELECT 1 FROM operators WHERE code = $2 AND ($3::uuid IS NULL OR id <> $3))",
    )
    .bind(key)
    .bind(code)
    .bind(except)
    .fetch_one(pool)
    .await?;
    Ok(OperatorConflicts {
        name: row.try_get(0)?,
        code: row.try_get(1)?,
    })
}

pub async fn insert(pool: &PgPool, op: &Operator, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_row(&mut tx, op).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The operator's row, inside the caller's transaction (a form's save, the legacy import).
pub(super) async fn insert_row(conn: &mut PgConnection, op: &Operator) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO operators (id, name, name_key, code, has_rpa, rpa_outsourced, rpa_endpoint_url,
                                portal_url, access_instructions, timeout_secs, max_attempts, active,
                                version, created_at, updated_at)
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
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn update(
    pool: &PgPool,
    op: &Operator,
    expected_version: i64,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE operators SET name = $1, name_key = $2, code = $3, has_rpa = $4, rpa_outsourced = $5,
                rpa_endpoint_url = $6, portal_url = $7, access_instructions = $8, timeout_secs = $9,
                max_attempts = $10, active = $11, version = $12, updated_at = $13
         WHERE id = $14 AND version = $15",
    )
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
    .bind(op.updated_at)
    .bind(op.id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await
    .map_err(super::map_unique)?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

fn decode(r: &PgRow) -> StoreResult<Operator> {
    Ok(Operator {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        code: r.try_get("code")?,
        has_rpa: r.try_get("has_rpa")?,
        rpa_outsourced: r.try_get("rpa_outsourced")?,
        rpa_endpoint_url: r.try_get("rpa_endpoint_url")?,
        portal_url: r.try_get("portal_url")?,
        access_instructions: r.try_get("access_instructions")?,
        timeout_secs: r.try_get("timeout_secs")?,
        max_attempts: r.try_get("max_attempts")?,
        active: r.try_get("active")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
