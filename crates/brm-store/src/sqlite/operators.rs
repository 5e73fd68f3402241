use super::audit;
use super::codec::{parse_ts, parse_uuid, ts};
use crate::sql_text::like_pattern;
use crate::{OperatorConflicts, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::{name_key, Operator, OperatorFilter, Page};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

/// The WHERE clause shared by the page and its count, so they can never disagree.
const FILTER: &str =
    "WHERE (?1 IS NULL OR name_key LIKE ?1 ESCAPE '\\' OR code LIKE ?2 ESCAPE '\\')
                        AND (?3 IS NULL OR active = ?3)";

pub async fn list(pool: &SqlitePool, f: &OperatorFilter) -> StoreResult<Page<Operator>> {
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
        "SELECT * FROM operators {FILTER} ORDER BY name_key, id LIMIT ?4 OFFSET ?5"
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

pub async fn by_id(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<Operator>> {
    let row = sqlx::query("SELECT * FROM operators WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn conflicts(
    pool: &SqlitePool,
    key: &str,
    code: &str,
    except: Option<Uuid>,
) -> StoreResult<OperatorConflicts> {
    let row = sqlx::query(
        "SELECT
            EXISTS(SELECT 1 FROM operators WHERE name_key = ?1 AND (?3 IS NULL OR id <> ?3)),
            EXISTS(SELECT 1 FROM operators WHERE code = ?2 AND (?3 IS NULL OR id <> ?3))",
    )
    .bind(key)
    .bind(code)
    .bind(except.map(|u| u.to_string()))
    .fetch_one(pool)
    .await?;
    Ok(OperatorConflicts {
        name: row.try_get(0)?,
        code: row.try_get(1)?,
    })
}

pub async fn insert(pool: &SqlitePool, op: &Operator, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_row(&mut tx, op).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The operator's row, inside the caller's transaction (a form's save, the legacy import).
pub(super) async fn insert_row(conn: &mut SqliteConnection, op: &Operator) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO operators (id, name, name_key, code, has_rpa, rpa_outsourced, rpa_endpoint_url,
                                portal_url, access_instructions, timeout_secs, max_attempts, active,
                                version, created_at, updated_at)
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
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn update(
    pool: &SqlitePool,
    op: &Operator,
    expected_version: i64,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE operators SET name = ?, name_key = ?, code = ?, has_rpa = ?, rpa_outsourced = ?,
                rpa_endpoint_url = ?, portal_url = ?, access_instructions = ?, timeout_secs = ?,
                max_attempts = ?, active = ?, version = ?, updated_at = ?
         WHERE id = ? AND version = ?",
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
    .bind(ts(op.updated_at))
    .bind(op.id.to_string())
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

fn decode(r: &SqliteRow) -> StoreResult<Operator> {
    Ok(Operator {
        id: parse_uuid(r.try_get("id")?)?,
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
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}
