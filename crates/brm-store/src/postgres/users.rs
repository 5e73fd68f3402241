use super::audit;
use crate::sql_text::like_pattern;
use crate::{LoginFailure, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::Page;
use brm_core::user::{User, UserFilter};
use brm_core::Role;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

pub async fn count(pool: &PgPool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

pub async fn create_first_admin(pool: &PgPool, u: &User, event: &AuditEvent) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    // Under READ COMMITTED two transactions could both see an empty table; the lock
    // makes the second wait and then see the first one's user. First run only: rare.
    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                            failed_logins, locked_until, last_login_at, created_at, updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, 0, NULL, NULL, $8, $9
         WHERE NOT EXISTS (SELECT 1 FROM users)",
    )
    .bind(u.id)
    .bind(&u.full_name)
    .bind(&u.email)
    .bind(&u.phone)
    .bind(u.role.as_str())
    .bind(u.active)
    .bind(&u.password_hash)
    .bind(u.created_at)
    .bind(u.updated_at)
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

/// Which of a user's columns a read may ask for. A person's own login in the shared
/// database may not read the password hash, the failure count or the lock
/// (migrations/postgres-shared grants SELECT on the other columns only), so its reads
/// leave them out and the rows come back with an empty hash and no lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserColumns {
    All,
    WithoutSecrets,
}

impl UserColumns {
    fn sql(self) -> &'static str {
        match self {
            UserColumns::All => "*",
            UserColumns::WithoutSecrets => {
                "id, full_name, email, phone, role, active, '' AS password_hash,
                 0::bigint AS failed_logins, NULL::timestamptz AS locked_until,
                 last_login_at, created_at, updated_at"
            }
        }
    }
}

pub async fn by_email(pool: &PgPool, email: &str, cols: UserColumns) -> StoreResult<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM users WHERE email = $1",
        cols.sql()
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn by_id(pool: &PgPool, id: Uuid, cols: UserColumns) -> StoreResult<Option<User>> {
    let row = sqlx::query(&format!("SELECT {} FROM users WHERE id = $1", cols.sql()))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn record_login_success(
    pool: &PgPool,
    user_id: Uuid,
    at: DateTime<Utc>,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1, updated_at = $1
         WHERE id = $2",
    )
    .bind(at)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn record_login_failure(
    pool: &PgPool,
    user_id: Uuid,
    at: DateTime<Utc>,
    max_failed: i64,
    lock_until: DateTime<Utc>,
    failure: &AuditEvent,
    lockout: &AuditEvent,
) -> StoreResult<LoginFailure> {
    let mut tx = pool.begin().await?;
    // Incremented in SQL (the row lock orders concurrent failures); an expired lock
    // starts the count again.
    let row = sqlx::query(
        "UPDATE users SET
            failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1
                                 THEN 1 ELSE failed_logins + 1 END,
            locked_until  = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1
                                 THEN NULL ELSE locked_until END,
            updated_at = $1
         WHERE id = $2
         RETURNING failed_logins, locked_until",
    )
    .bind(at)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let failed_logins: i64 = row.try_get(0)?;
    let mut locked_until: Option<DateTime<Utc>> = row.try_get(1)?;
    audit::insert(&mut tx, failure).await?;
    let locked_now = locked_until.is_none() && failed_logins >= max_failed;
    if locked_now {
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(lock_until)
            .bind(user_id)
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

fn decode(r: &PgRow) -> StoreResult<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        full_name: r.try_get("full_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("perfil {role:?}")))?,
        active: r.try_get("active")?,
        password_hash: r.try_get("password_hash")?,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: r.try_get("locked_until")?,
        last_login_at: r.try_get("last_login_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The WHERE clause shared by the page and its count.
const FILTER: &str = "WHERE ($1::text IS NULL OR lower(full_name) LIKE $1 ESCAPE '\\'
                             OR email LIKE $1 ESCAPE '\\')
                        AND ($2::boolean IS NULL OR active = $2)";

pub async fn list(pool: &PgPool, f: &UserFilter, cols: UserColumns) -> StoreResult<Page<User>> {
    let search = f
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| like_pattern(&s.to_lowercase()));
    let (limit, offset) = f.limit_offset();
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users {FILTER}"))
        .bind(&search)
        .bind(f.active)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {} FROM users {FILTER} ORDER BY lower(full_name), id LIMIT $3 OFFSET $4",
        cols.sql()
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

pub async fn insert(pool: &PgPool, u: &User, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    insert_row(&mut tx, u).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A new user's row (no failed logins, never logged in), inside the caller's transaction
/// (the Usuários form, the legacy import).
pub(super) async fn insert_row(conn: &mut PgConnection, u: &User) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, full_name, email, phone, role, active, password_hash,
                            failed_logins, locked_until, last_login_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, NULL, NULL, $8, $9)",
    )
    .bind(u.id)
    .bind(&u.full_name)
    .bind(&u.email)
    .bind(&u.phone)
    .bind(u.role.as_str())
    .bind(u.active)
    .bind(&u.password_hash)
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(conn)
    .await
    .map_err(super::map_unique)?;
    Ok(())
}

pub async fn update(pool: &PgPool, u: &User, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    // Under READ COMMITTED two desktops demoting the last two administrators would each
    // still see the other one and both succeed. Locking the administrators' rows first
    // (in id order, so two of these never deadlock) makes the second wait for the first
    // to commit; its count below then sees the first one's change.
    sqlx::query(
        "SELECT id FROM users WHERE role = 'ADMINISTRADOR' AND active ORDER BY id FOR UPDATE",
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE users SET full_name = $1, phone = $2, role = $3, active = $4, password_hash = $5,
                failed_logins = $6, locked_until = $7, updated_at = $8
         WHERE id = $9",
    )
    .bind(&u.full_name)
    .bind(&u.phone)
    .bind(u.role.as_str())
    .bind(u.active)
    .bind(&u.password_hash)
    .bind(u.failed_logins)
    .bind(u.locked_until)
    .bind(u.updated_at)
    .bind(u.id)
    .execute(&mut *tx)
    .await?;
    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'ADMINISTRADOR' AND active")
            .fetch_one(&mut *tx)
            .await?;
    if admins == 0 {
        return Err(crate::error::last_admin());
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}
