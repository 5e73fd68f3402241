//! The e-mail outbox and each person's e-mail preference (issue 21), PostgreSQL.
//! Two robot machines on one database: the unique key drops a message planned twice,
//! and `FOR UPDATE SKIP LOCKED` gives each message to one of them.

use super::audit;
use crate::outbox_sql::{clamp_limit, outcome_columns, ALL_COLUMNS, LIST_COLUMNS};
use crate::sql_text::like_pattern;
use crate::{StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::email::plan::{Recipient, ReminderSent};
use brm_core::email::{
    EmailOutcome, EmailPreference, OutboxFilter, OutboxMessage, OutboxRule, OutboxState,
};
use brm_core::Role;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

pub async fn enqueue(pool: &PgPool, messages: &[OutboxMessage]) -> StoreResult<u64> {
    let mut tx = pool.begin().await?;
    let written = insert(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(written)
}

/// One message and its audit event, in one transaction.
pub async fn enqueue_audited(
    pool: &PgPool,
    message: &OutboxMessage,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    let written = insert(&mut tx, std::slice::from_ref(message)).await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(written == 1)
}

async fn insert(conn: &mut sqlx::PgConnection, messages: &[OutboxMessage]) -> StoreResult<u64> {
    let mut written = 0;
    for m in messages {
        written += sqlx::query(
            "INSERT INTO email_outbox (id, rule, recipient_id, recipient_email, recipient_name,
                 process_id, subject_key, day, subject, body_text, body_html, state, attempts,
                 next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'PENDENTE', 0, $12, $13)
             ON CONFLICT (rule, subject_key, recipient_email, day) DO NOTHING",
        )
        .bind(m.id)
        .bind(m.rule.as_str())
        .bind(m.recipient_id)
        .bind(&m.recipient_email)
        .bind(&m.recipient_name)
        .bind(m.process_id)
        .bind(&m.subject_key)
        .bind(m.day)
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(&m.body_html)
        .bind(m.next_attempt_at.unwrap_or(m.created_at))
        .bind(m.created_at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// The messages a person waits for go first: a test someone is watching, then the
/// digests, then escalations, then reminders (at the top of the hour the reminder scan may
/// queue hundreds at the same instant as the digests), each kind oldest first.
pub async fn claim(
    pool: &PgPool,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<OutboxMessage>> {
    let rows = sqlx::query(&format!(
        "UPDATE email_outbox SET state = 'ENVIANDO', lease_owner = $1, next_attempt_at = $2,
                attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox
                      WHERE state IN ('PENDENTE', 'ENVIANDO') AND next_attempt_at <= $3
                      ORDER BY CASE rule WHEN 'TESTE' THEN 0 WHEN 'RESUMO' THEN 1
                                             WHEN 'ESCALONAMENTO' THEN 2 ELSE 3 END,
                               next_attempt_at LIMIT $4
                      FOR UPDATE SKIP LOCKED)
         RETURNING {ALL_COLUMNS}"
    ))
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    let mut out: Vec<OutboxMessage> = rows.iter().map(decode).collect::<StoreResult<_>>()?;
    out.sort_by_key(|m| m.created_at);
    Ok(out)
}

pub async fn finish(
    pool: &PgPool,
    id: Uuid,
    owner: &str,
    outcome: &EmailOutcome,
) -> StoreResult<bool> {
    let (state, next, error, sent) = outcome_columns(outcome);
    let done = sqlx::query(
        "UPDATE email_outbox SET state = $1, next_attempt_at = $2,
                last_error = COALESCE($3, last_error), sent_at = $4, lease_owner = NULL
         WHERE id = $5 AND state = 'ENVIANDO' AND lease_owner = $6",
    )
    .bind(state.as_str())
    .bind(next)
    .bind(error)
    .bind(sent)
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

pub async fn list(pool: &PgPool, f: &OutboxFilter) -> StoreResult<Vec<OutboxMessage>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {LIST_COLUMNS} FROM email_outbox WHERE true"
    ));
    if let Some(s) = f.state {
        q.push(" AND state = ").push_bind(s.as_str());
    }
    if let Some(r) = f.rule {
        q.push(" AND rule = ").push_bind(r.as_str());
    }
    if let Some(p) = f.process_id {
        q.push(" AND process_id = ").push_bind(p);
    }
    if let Some(id) = f.id {
        q.push(" AND id = ").push_bind(id);
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = like_pattern(&t.to_lowercase());
        q.push(" AND (lower(recipient_email) LIKE ")
            .push_bind(like.clone())
            .push(" OR lower(coalesce(recipient_name, '')) LIKE ")
            .push_bind(like.clone())
            .push(" OR lower(subject) LIKE ")
            .push_bind(like)
            .push(")");
    }
    q.push(" ORDER BY created_at DESC, id LIMIT ")
        .push_bind(clamp_limit(f.limit));
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(decode).collect()
}

pub async fn reminders_sent(pool: &PgPool, ids: &[Uuid]) -> StoreResult<Vec<ReminderSent>> {
    let rows = sqlx::query(
        "SELECT process_id, coalesce(recipient_name, recipient_email) AS who, sent_at
         FROM email_outbox
         WHERE rule = 'LEMBRETE' AND state = 'ENVIADO' AND process_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ReminderSent {
                process_id: row.try_get("process_id")?,
                recipient_name: row.try_get("who")?,
                sent_at: row.try_get("sent_at")?,
            })
        })
        .collect()
}

pub async fn recipients(pool: &PgPool) -> StoreResult<Vec<Recipient>> {
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
            user_id: r.try_get("id")?,
            name: r.try_get("full_name")?,
            email: r.try_get("email")?,
            active: r.try_get("active")?,
            role,
            preference: EmailPreference {
                receive: r.try_get::<Option<bool>, _>("receive")?.unwrap_or(true),
                hour: r
                    .try_get::<Option<i32>, _>("digest_hour")?
                    .map(|h| h as u32),
            },
        });
    }
    Ok(out)
}

pub async fn preference(pool: &PgPool, user_id: Uuid) -> StoreResult<Option<EmailPreference>> {
    let row = sqlx::query("SELECT receive, digest_hour FROM email_preferences WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(EmailPreference {
            receive: r.try_get("receive")?,
            hour: r
                .try_get::<Option<i32>, _>("digest_hour")?
                .map(|h| h as u32),
        })
    })
    .transpose()
}

pub async fn set_preference(
    pool: &PgPool,
    user_id: Uuid,
    p: &EmailPreference,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO email_preferences (user_id, receive, digest_hour, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET receive = EXCLUDED.receive,
             digest_hour = EXCLUDED.digest_hour, updated_at = EXCLUDED.updated_at",
    )
    .bind(user_id)
    .bind(p.receive)
    .bind(p.hour.map(|h| h as i32))
    .bind(event.at)
    .execute(&mut *tx)
    .await?;
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's login (or the embedded-like single login): a conditional UPDATE. On a
/// prepared shared database a robot login goes through `brm_reseal_smtp_password`.
pub async fn reseal_setting(
    pool: &PgPool,
    shared: bool,
    before: &str,
    after: &str,
    event: &AuditEvent,
) -> StoreResult<bool> {
    if shared {
        let done: bool = sqlx::query_scalar("SELECT brm_reseal_smtp_password($1, $2)")
            .bind(before)
            .bind(after)
            .fetch_one(pool)
            .await?;
        return Ok(done);
    }
    let mut tx = pool.begin().await?;
    let n = sqlx::query(
        "UPDATE settings SET value_json = to_jsonb($1::text), updated_at = $2
         WHERE key = $3 AND value_json = to_jsonb($4::text)",
    )
    .bind(after)
    .bind(event.at)
    .bind(brm_core::email::SETTING_SMTP_PASSWORD)
    .bind(before)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        audit::insert(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

fn decode(r: &PgRow) -> StoreResult<OutboxMessage> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    let rule: String = r.try_get("rule")?;
    let state: String = r.try_get("state")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        rule: OutboxRule::parse(&rule).ok_or_else(|| corrupt("regra de e-mail", &rule))?,
        recipient_id: r.try_get("recipient_id")?,
        recipient_email: r.try_get("recipient_email")?,
        recipient_name: r.try_get("recipient_name")?,
        process_id: r.try_get("process_id")?,
        subject_key: r.try_get("subject_key")?,
        day: r.try_get("day")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        state: OutboxState::parse(&state).ok_or_else(|| corrupt("situação de e-mail", &state))?,
        attempts: r.try_get::<i32, _>("attempts")? as i64,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}
