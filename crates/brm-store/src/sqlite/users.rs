use super::audit;
use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::sql_text::like_pattern;
use crate::{LoginFailure, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::Page;
use brm_core::user::{User, UserFilter};
use brm_core::Role;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

pub async fn count(pool: &SqlitePool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

pub async fn create_first_admin(
    pool: &SqlitePool,
    u: &User,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    // One statement decides "is the table empty" and inserts: no window between them.
    let inserted = sqlx::query(
        "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                            failed_logins, locked_until, last_login_at, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM users)",
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
    .execute(&mut *tx)
    .await
    .map_err(super::map_unique)?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn by_email(pool: &SqlitePool, email: &str) -> StoreResult<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn by_id(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn record_login_success(
    pool: &SqlitePool,
    user_id: Uuid,
    at: DateTime<Utc>,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, updated_at = ?
         WHERE id = ?",
    )
    .bind(ts(at))
    .bind(ts(at))
    .bind(user_id.to_string())
    .execute(&mut *tx)
    .await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn record_login_failure(
    pool: &SqlitePool,
    user_id: Uuid,
    at: DateTime<Utc>,
    max_failed: i64,
    lock_until: DateTime<Utc>,
    failure: &AuditEvent,
    lockout: &AuditEvent,
) -> StoreResult<LoginFailure> {
    let now = ts(at);
    let mut tx = pool.begin().await?;
    // Increment in SQL, not read-modify-write in Rust: two wrong passwords typed at once
    // both count. A lock that has run out starts the count afresh.
    let row = sqlx::query(
        "UPDATE users SET
            failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?1
                                 THEN 1 ELSE failed_logins + 1 END,
            locked_until  = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?1
                                 THEN NULL ELSE locked_until END,
            updated_at = ?1
         WHERE id = ?2
         RETURNING failed_logins, locked_until",
    )
    .bind(&now)
    .bind(user_id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let failed_logins: i64 = row.try_get(0)?;
    let mut locked_until = parse_ts_opt(row.try_get(1)?)?;
    audit::insert(&mut tx, failure).await?;
    let locked_now = locked_until.is_none() && failed_logins >= max_failed;
    if locked_now {
        sqlx::query("UPDATE users SET locked_until = ? WHERE id = ?")
            .bind(ts(lock_until))
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, lockout).await?;
        locked_until = Some(lock_until);
    }
    tx.commit().await?;
    Ok(LoginFailure {
        failed_logins,
        locked_until,
        locked_now,
    })
}

fn decode(r: &SqliteRow) -> StoreResult<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: parse_uuid(r.try_get("id")?)?,
        full_name: r.try_get("full_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("perfil {role:?}")))?,
        active: r.try_get("active")?,
        password_hash: r.try_get("password_hash")?,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: parse_ts_opt(r.try_get("locked_until")?)?,
        last_login_at: parse_ts_opt(r.try_get("last_login_at")?)?,
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}

pub async fn list(pool: &SqlitePool, f: &UserFilter) -> StoreResult<Page<User>> {
    let search = f
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| like_pattern(&s.to_lowercase()));
    let (limit, offset) = f.limit_offset();
    const FILTER: &str = "WHERE (?1 IS NULL OR lower(full_name) LIKE ?1 ESCAPE '\\'
                                 OR email LIKE ?1 ESCAPE '\\')
                            AND (?2 IS NULL OR active = ?2)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users {FILTER}"))
        .bind(&search)
        .bind(f.active)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT * FROM users {FILTER} ORDER BY lower(full_name), id LIMIT ?3 OFFSET ?4"
    ))
    .bind(&search)
    .bind(f.active)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(Page {
        items: rows.iter().map(decode).collect::<StoreResult<_>>()?,
        total,
        page: f.page.max(0) as u32,
        page_size: limit as u32,
    })
}

pub async fn insert(pool: &SqlitePool, u: &User, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_row(&mut tx, u).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A new user's row (no failed logins, never logged in), inside the caller's transaction
/// (the Usuários form, the legacy import).
pub(super) async fn insert_row(conn: &mut SqliteConnection, u: &User) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                            failed_logins, locked_until, last_login_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, ?)",
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
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn update(pool: &SqlitePool, u: &User, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    // The UPDATE takes SQLite's write lock first, so the count below cannot race
    // another desktop's demotion.
    sqlx::query(
        "UPDATE users SET full_name = ?, phone = ?, role = ?, active = ?, password_hash = ?,
                failed_logins = ?, locked_until = ?, updated_at = ?
         WHERE id = ?",
    )
    .bind(&u.full_name)
    .bind(&u.phone)
    .bind(u.role.as_str())
    .bind(u.active)
    .bind(&u.password_hash)
    .bind(u.failed_logins)
    .bind(u.locked_until.map(ts))
    .bind(ts(u.updated_at))
    .bind(u.id.to_string())
    .execute(&mut *tx)
    .await?;
    let admins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'ADMINISTRADOR' AND active = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    if admins == 0 {
        return Err(crate::error::last_admin());
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}
