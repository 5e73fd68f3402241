use super::audit;
use super::codec::{parse_ts, parse_uuid, ts};
use crate::sql_text::like_pattern;
use crate::{records::fold, ClientWrite, ImportWrite, PasswordWrite, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::client::{Client, ClientFilter};
use brm_core::operator::Page;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

const SELECT: &str = "SELECT c.*, o.name AS operator_name, o.code AS operator_code,
                             (c.portal_password_enc IS NOT NULL OR c.portal_password_sealed IS NOT NULL) AS portal_password_set
                      FROM clients c JOIN operators o ON o.id = c.operator_id";

/// The WHERE clause shared by the page and its count.
const FILTER: &str = "WHERE (?1 IS NULL OR c.search_text LIKE ?1 ESCAPE '\\'
                             OR (?2 IS NOT NULL AND c.cnpj LIKE ?2))
                        AND (?3 IS NULL OR c.operator_id = ?3)
                        AND (?4 IS NULL OR c.active = ?4)";

pub async fn list(pool: &SqlitePool, f: &ClientFilter) -> StoreResult<Page<Client>> {
    let text = f.search_text().map(|s| like_pattern(&fold(&s)));
    let digits = f.search_digits().map(|d| format!("%{d}%"));
    let op = f.operator_id.map(|u| u.to_string());
    let (limit, offset) = f.limit_offset();
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM clients c {FILTER}"))
        .bind(&text)
        .bind(&digits)
        .bind(&op)
        .bind(f.active)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "{SELECT} {FILTER} ORDER BY c.legal_name, c.id LIMIT ?5 OFFSET ?6"
    ))
    .bind(&text)
    .bind(&digits)
    .bind(&op)
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

pub async fn by_id(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<Client>> {
    let row = sqlx::query(&format!("{SELECT} WHERE c.id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn with_hash(pool: &SqlitePool) -> StoreResult<Vec<Client>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE c.hash IS NOT NULL"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(decode).collect()
}

pub async fn sealed_password(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(portal_password_sealed, portal_password_enc) FROM clients WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?
    .flatten())
}

pub async fn insert(pool: &SqlitePool, w: &ClientWrite, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_in(&mut tx, w).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn update(
    pool: &SqlitePool,
    w: &ClientWrite,
    expected_version: i64,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    if !update_in(&mut tx, w, expected_version).await? {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn import(
    pool: &SqlitePool,
    rows: &[ImportWrite],
    summary: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    for row in rows {
        let result = match row.expected_version {
            None => insert_in(&mut tx, &row.write).await.map(|_| true),
            Some(v) => update_in(&mut tx, &row.write, v).await,
        };
        match result {
            Ok(true) => {}
            Ok(false) => return Err(crate::error::stale_import_line(row.line)),
            Err(StoreError::Unique(field)) => {
                return Err(crate::error::unique_import_line(row.line, &field))
            }
            Err(e) => return Err(e),
        }
        audit::insert(&mut tx, &row.audit).await?;
    }
    audit::insert(&mut tx, summary).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn insert_in(conn: &mut SqliteConnection, w: &ClientWrite) -> StoreResult<()> {
    let c = &w.client;
    let sealed = match &w.password {
        PasswordWrite::Set(s) => Some(s.as_str()),
        PasswordWrite::Keep | PasswordWrite::Clear => None,
    };
    sqlx::query(
        "INSERT INTO clients (id, hash, legal_name, sat_name, cnpj, operator_id, account_filter,
                              service, service_key, sat_data, unit, unit_key, sat_category,
                              issue_site_url, portal_login, portal_password_enc, cpf, notes,
                              search_text, active, version, created_at, updated_at,
                              portal_password_sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                 CASE WHEN ?16 LIKE 'v1:%' THEN ?16 END, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
                 CASE WHEN ?16 LIKE 'v2:%' THEN ?16 END)",
    )
    .bind(c.id.to_string())
    .bind(&c.hash)
    .bind(&c.legal_name)
    .bind(&c.sat_name)
    .bind(&c.cnpj)
    .bind(c.operator_id.to_string())
    .bind(&c.account_filter)
    .bind(&c.service)
    .bind(w.service_key())
    .bind(&c.sat_data)
    .bind(&c.unit)
    .bind(w.unit_key())
    .bind(&c.sat_category)
    .bind(&c.issue_site_url)
    .bind(&c.portal_login)
    .bind(sealed)
    .bind(&c.cpf)
    .bind(&c.notes)
    .bind(w.search_text())
    .bind(c.active)
    .bind(c.version)
    .bind(ts(c.created_at))
    .bind(ts(c.updated_at))
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

async fn update_in(
    conn: &mut SqliteConnection,
    w: &ClientWrite,
    expected_version: i64,
) -> StoreResult<bool> {
    let c = &w.client;
    // ?17 says what to do with the password: keep (0), set (1) or clear (2).
    let (mode, sealed) = match &w.password {
        PasswordWrite::Keep => (0, None),
        PasswordWrite::Set(s) => (1, Some(s.as_str())),
        PasswordWrite::Clear => (2, None),
    };
    let changed = sqlx::query(
        "UPDATE clients SET hash = ?1, legal_name = ?2, sat_name = ?3, cnpj = ?4, operator_id = ?5,
                account_filter = ?6, service = ?7, service_key = ?8, sat_data = ?9, unit = ?10,
                unit_key = ?11, sat_category = ?12, issue_site_url = ?13, portal_login = ?14,
                cpf = ?15, notes = ?16,
                portal_password_enc = CASE ?17 WHEN 0 THEN portal_password_enc
                    WHEN 1 THEN (CASE WHEN ?18 LIKE 'v1:%' THEN ?18 END) ELSE NULL END,
                portal_password_sealed = CASE ?17 WHEN 0 THEN portal_password_sealed
                    WHEN 1 THEN (CASE WHEN ?18 LIKE 'v2:%' THEN ?18 END) ELSE NULL END,
                search_text = ?19, active = ?20, version = ?21, updated_at = ?22
         WHERE id = ?23 AND version = ?24",
    )
    .bind(&c.hash)
    .bind(&c.legal_name)
    .bind(&c.sat_name)
    .bind(&c.cnpj)
    .bind(c.operator_id.to_string())
    .bind(&c.account_filter)
    .bind(&c.service)
    .bind(w.service_key())
    .bind(&c.sat_data)
    .bind(&c.unit)
    .bind(w.unit_key())
    .bind(&c.sat_category)
    .bind(&c.issue_site_url)
    .bind(&c.portal_login)
    .bind(&c.cpf)
    .bind(&c.notes)
    .bind(mode)
    .bind(sealed)
    .bind(w.search_text())
    .bind(c.active)
    .bind(c.version)
    .bind(ts(c.updated_at))
    .bind(c.id.to_string())
    .bind(expected_version)
    .execute(conn)
    .await
    .map_err(super::map_unique)?
    .rows_affected();
    Ok(changed == 1)
}

fn decode(r: &SqliteRow) -> StoreResult<Client> {
    Ok(Client {
        id: parse_uuid(r.try_get("id")?)?,
        hash: r.try_get("hash")?,
        legal_name: r.try_get("legal_name")?,
        sat_name: r.try_get("sat_name")?,
        cnpj: r.try_get("cnpj")?,
        operator_id: parse_uuid(r.try_get("operator_id")?)?,
        operator_name: r.try_get("operator_name")?,
        operator_code: r.try_get("operator_code")?,
        account_filter: r.try_get("account_filter")?,
        service: r.try_get("service")?,
        sat_data: r.try_get("sat_data")?,
        unit: r.try_get("unit")?,
        sat_category: r.try_get("sat_category")?,
        issue_site_url: r.try_get("issue_site_url")?,
        portal_login: r.try_get("portal_login")?,
        portal_password_set: r.try_get("portal_password_set")?,
        cpf: r.try_get("cpf")?,
        notes: r.try_get("notes")?,
        active: r.try_get("active")?,
        version: r.try_get("version")?,
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}
