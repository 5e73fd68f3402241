use super::audit;
use crate::{LoginFailure, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::user::User;
use brm_core::Role;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
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

pub async fn by_email(pool: &PgPool, email: &str) -> StoreResult<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> StoreResult<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
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
