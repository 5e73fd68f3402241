//! The e-mail outbox and each person's e-mail preference (issue 21), SQLite.

use super::audit;
use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::outbox_sql::{clamp_limit, outcome_columns, ALL_COLUMNS, LIST_COLUMNS};
use crate::sql_text::like_pattern;
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::email::plan::{Recipient, ReminderSent};
use brm_core::email::{
    EmailOutcome, EmailPreference, OutboxFilter, OutboxMessage, OutboxRule, OutboxState,
};
use brm_core::Role;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use uuid::Uuid;

pub async fn enqueue(pool: &SqlitePool, messages: &[OutboxMessage]) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let written = insert(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(written)
}

/// One message and its audit event, in one transaction.
pub async fn enqueue_audited(
    pool: &SqlitePool,
    message: &OutboxMessage,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let written = insert(&mut tx, std::slice::from_ref(message)).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(written == 1)
}

async fn insert(conn: &mut sqlx::SqliteConnection, messages: &[OutboxMessage]) -> StoreResult<u64> {
    let mut written = 0;
    for m in messages {
        written += sqlx::query(
            "INSERT INTO email_outbox (id, rule, recipient_id, recipient_email, recipient_name,
                 process_id, subject_key, day, subject, body_text, body_html, state, attempts,
                 next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'PENDENTE', 0, ?12, ?13)
             ON CONFLICT (rule, subject_key, recipient_email, day) DO NOTHING",
        )
        .bind(m.id.to_string())
        .bind(m.rule.as_str())
        .bind(m.recipient_id.map(|u| u.to_string()))
        .bind(&m.recipient_email)
        .bind(&m.recipient_name)
        .bind(m.process_id.map(|u| u.to_string()))
        .bind(&m.subject_key)
        .bind(m.day.to_string())
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(&m.body_html)
        .bind(ts(m.next_attempt_at.unwrap_or(m.created_at)))
        .bind(ts(m.created_at))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// Takes up to `limit` due messages for `owner` until `lease_until` (counting a try).
/// SQLite has one writer at a time: the UPDATE is the claim.
/// The messages a person waits for go first: a test someone is watching, then the
/// digests, then escalations, then reminders (at the top of the hour the reminder scan may
/// queue hundreds at the same instant as the digests), each kind oldest first.
pub async fn claim(
    pool: &SqlitePool,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<OutboxMessage>> {
    let rows = sqlx::query(&format!(
        "UPDATE email_outbox SET state = 'ENVIANDO', lease_owner = ?1, next_attempt_at = ?2,
                attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox
                      WHERE state IN ('PENDENTE', 'ENVIANDO') AND next_attempt_at <= ?3
                      ORDER BY CASE rule WHEN 'TESTE' THEN 0 WHEN 'RESUMO' THEN 1
                                             WHEN 'ESCALONAMENTO' THEN 2 ELSE 3 END,
                               next_attempt_at LIMIT ?4)
         RETURNING {ALL_COLUMNS}"
    ))
    .bind(owner)
    .bind(ts(lease_until))
    .bind(ts(now))
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    let mut out: Vec<OutboxMessage> = rows.iter().map(decode).collect::<StoreResult<_>>()?;
    out.sort_by_key(|m| m.created_at);
    Ok(out)
}

pub async fn finish(
    pool: &SqlitePool,
    id: Uuid,
    owner: &str,
    outcome: &EmailOutcome,
) -> StoreResult<bool> {
    let (state, next, error, sent) = outcome_columns(outcome);
    let done = sqlx::query(
        "UPDATE email_outbox SET state = ?1, next_attempt_at = ?2, last_error = COALESCE(?3, last_error),
                sent_at = ?4, lease_owner = NULL
         WHERE id = ?5 AND state = 'ENVIANDO' AND lease_owner = ?6",
    )
    .bind(state.as_str())
    .bind(next.map(ts))
    .bind(error)
    .bind(sent.map(ts))
    .bind(id.to_string())
    .bind(owner)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

pub async fn list(pool: &SqlitePool, f: &OutboxFilter) -> StoreResult<Vec<OutboxMessage>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {LIST_COLUMNS} FROM email_outbox WHERE 1 = 1"
    ));
    if let Some(s) = f.state {
        q.push(" AND state = ").push_bind(s.as_str());
    }
    if let Some(r) = f.rule {
        q.push(" AND rule = ").push_bind(r.as_str());
    }
    if let Some(p) = f.process_id {
        q.push(" AND process_id = ").push_bind(p.to_string());
    }
    if let Some(id) = f.id {
        q.push(" AND id = ").push_bind(id.to_string());
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = like_pattern(&t.to_lowercase());
        q.push(" AND (lower(recipient_email) LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR lower(coalesce(recipient_name, '')) LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR lower(subject) LIKE ")
            .push_bind(like)
            .push(" ESCAPE '\\')");
    }
    q.push(" ORDER BY created_at DESC, id LIMIT ")
        .push_bind(clamp_limit(f.limit));
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(decode).collect()
}

pub async fn reminders_sent(pool: &SqlitePool, ids: &[Uuid]) -> StoreResult<Vec<ReminderSent>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT process_id, coalesce(recipient_name, recipient_email) AS who, sent_at
             FROM email_outbox WHERE rule = 'LEMBRETE' AND state = 'ENVIADO' AND process_id IN (",
        );
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id.to_string());
        }
        q.push(")");
        for row in q.build().fetch_all(pool).await? {
            out.push(ReminderSent {
                process_id: parse_uuid(&row.try_get::<String, _>("process_id")?)?,
                recipient_name: row.try_get("who")?,
                sent_at: parse_ts(&row.try_get::<String, _>("sent_at")?)?,
            });
        }
    }
    Ok(out)
}

pub async fn recipients(pool: &SqlitePool) -> StoreResult<Vec<Recipient>> {
    let rows = sqlx::query(
        "SELECT u.id, u.full_name, u.email, u.active, u.role, p.receive, p.digest_hour
         FROM users u LEFT JOIN email_preferences p ON p.user_id = u.id ORDER BY u.full_name",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let Some(role) = Role::parse(&r.try_get::<String, _>("role")?) else {
            continue;
        };
        out.push(Recipient {
            user_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
            name: r.try_get("full_name")?,
            email: r.try_get("email")?,
            active: r.try_get::<bool, _>("active")?,
            role,
            preference: EmailPreference {
                receive: r.try_get::<Option<bool>, _>("receive")?.unwrap_or(true),
                hour: r
                    .try_get::<Option<i64>, _>("digest_hour")?
                    .map(|h| h as u32),
            },
        });
    }
    Ok(out)
}

pub async fn preference(pool: &SqlitePool, user_id: Uuid) -> StoreResult<Option<EmailPreference>> {
    let row = sqlx::query("SELECT receive, digest_hour FROM email_preferences WHERE user_id = ?")
        .bind(user_id.to_string())
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(EmailPreference {
            receive: r.try_get("receive")?,
            hour: r
                .try_get::<Option<i64>, _>("digest_hour")?
                .map(|h| h as u32),
        })
    })
    .transpose()
}

pub async fn set_preference(
    pool: &SqlitePool,
    user_id: Uuid,
    p: &EmailPreference,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO email_preferences (user_id, receive, digest_hour, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET receive = ?2, digest_hour = ?3, updated_at = ?4",
    )
    .bind(user_id.to_string())
    .bind(p.receive)
    .bind(p.hour.map(|h| h as i64))
    .bind(ts(event.at))
    .execute(&mut *tx)
    .await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a sealed setting only where it still holds `before` (a value saved
/// meanwhile wins), with its audit event.
pub async fn reseal_setting(
    pool: &SqlitePool,
    key: &str,
    before: &str,
    after: &str,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let n = sqlx::query(
        "UPDATE settings SET value_json = ?1, updated_at = ?2 WHERE key = ?3 AND value_json = ?4",
    )
    .bind(serde_json::Value::String(after.into()).to_string())
    .bind(ts(event.at))
    .bind(key)
    .bind(serde_json::Value::String(before.into()).to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        audit::insert(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

fn decode(r: &SqliteRow) -> StoreResult<OutboxMessage> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    let rule: String = r.try_get("rule")?;
    let state: String = r.try_get("state")?;
    let day: String = r.try_get("day")?;
    Ok(OutboxMessage {
        id: parse_uuid(&r.try_get::<String, _>("id")?)?,
        rule: OutboxRule::parse(&rule).ok_or_else(|| corrupt("regra de e-mail", &rule))?,
        recipient_id: r
            .try_get::<Option<String>, _>("recipient_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        recipient_email: r.try_get("recipient_email")?,
        recipient_name: r.try_get("recipient_name")?,
        process_id: r
            .try_get::<Option<String>, _>("process_id")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        subject_key: r.try_get("subject_key")?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| corrupt("dia", &day))?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        state: OutboxState::parse(&state).ok_or_else(|| corrupt("situação de e-mail", &state))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: parse_ts_opt(r.try_get("next_attempt_at")?)?,
        last_error: r.try_get("last_error")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        sent_at: parse_ts_opt(r.try_get("sent_at")?)?,
    })
}
