//! The change feed (migration 0007) and the dashboard's aggregates on SQLite.

use super::codec::{parse_uuid, ts};
use super::processes::{decode_row, ROW_SELECT};
use crate::{Change, StoreError, StoreResult};
use brm_core::dashboard::OperatorMonth;
use brm_core::process::{ProcessRow, ProcessStatus};
use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};
use std::collections::BTreeMap;

pub async fn latest_seq(pool: &SqlitePool) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_feed")
            .fetch_one(pool)
            .await?,
    )
}

pub async fn since(pool: &SqlitePool, seq: i64, limit: i64) -> StoreResult<Vec<Change>> {
    let rows = sqlx::query(
        "SELECT seq, entity, entity_id, process_id FROM change_feed
         WHERE seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(seq)
    .bind(limit.clamp(1, 10_000))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                seq: r.try_get("seq")?,
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                process_id: r.try_get("process_id")?,
            })
        })
        .collect()
}

pub async fn prune(pool: &SqlitePool, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM change_feed WHERE at < ?")
        .bind(ts(before))
        .execute(pool)
        .await?
        .rows_affected())
}

pub async fn months(pool: &SqlitePool) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT reference_month FROM processes ORDER BY reference_month DESC",
    )
    .fetch_all(pool)
    .await?)
}

pub async fn operator_month(pool: &SqlitePool, month: &str) -> StoreResult<Vec<OperatorMonth>> {
    let counts = sqlx::query(
        "SELECT o.id, o.name, p.status, COUNT(*) AS n, SUM(p.needs_attention) AS a
         FROM processes p JOIN operators o ON o.id = p.operator_id
         WHERE p.reference_month = ?
         GROUP BY o.id, o.name, p.status",
    )
    .bind(month)
    .fetch_all(pool)
    .await?;
    let missing = sqlx::query(
        "SELECT o.id, o.name, COUNT(*) AS n
         FROM clients c JOIN operators o ON o.id = c.operator_id
         WHERE c.active = 1 AND o.active = 1
           AND NOT EXISTS (SELECT 1 FROM processes p
                           WHERE p.client_id = c.id AND p.reference_month = ?)
         GROUP BY o.id, o.name",
    )
    .bind(month)
    .fetch_all(pool)
    .await?;
    let mut by_id: BTreeMap<String, OperatorMonth> = BTreeMap::new();
    fn entry(
        by_id: &mut BTreeMap<String, OperatorMonth>,
        id: String,
        name: String,
    ) -> StoreResult<&mut OperatorMonth> {
        let operator_id = parse_uuid(&id)?;
        Ok(by_id.entry(id).or_insert_with(|| OperatorMonth {
            operator_id,
            operator_name: name,
            ..Default::default()
        }))
    }
    for r in &counts {
        let status: String = r.try_get("status")?;
        let status = ProcessStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
        let e = entry(&mut by_id, r.try_get("id")?, r.try_get("name")?)?;
        e.add(status, r.try_get("n")?);
        e.counts.needs_attention += r.try_get::<Option<i64>, _>("a")?.unwrap_or(0);
    }
    for r in &missing {
        entry(&mut by_id, r.try_get("id")?, r.try_get("name")?)?.sem_processo = r.try_get("n")?;
    }
    let mut out: Vec<OperatorMonth> = by_id.into_values().collect();
    out.sort_by(|a, b| {
        a.operator_name
            .to_lowercase()
            .cmp(&b.operator_name.to_lowercase())
            .then(a.operator_id.cmp(&b.operator_id))
    });
    Ok(out)
}

pub async fn attention(pool: &SqlitePool, month: &str, limit: i64) -> StoreResult<Vec<ProcessRow>> {
    let rows = sqlx::query(&format!(
        "{ROW_SELECT} WHERE p.reference_month = ? AND p.needs_attention = 1
         ORDER BY p.updated_at DESC, p.id LIMIT ?"
    ))
    .bind(month)
    .bind(limit.clamp(1, 200))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_row).collect()
}
