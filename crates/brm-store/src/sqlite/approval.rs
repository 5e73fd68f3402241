//! The approval desk's reads: the queue of invoices waiting for approval and the invoice
//! history of many clients at once (one query, not one per invoice).

use super::codec::parse_uuid;
use super::processes::{decode, decode_row, parse_date, parse_status, search_patterns};
use crate::{HistoryEntry, QueueQuery, QueueSort, StoreResult};
use brm_core::process::{Process, ProcessFilter, ProcessRow, ProcessStatus};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use uuid::Uuid;

fn order_by(q: &QueueQuery) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.sort {
        QueueSort::DueDate => {
            format!("p.due_date IS NULL, p.due_date {dir}, c.legal_name, p.id")
        }
        QueueSort::Amount => {
            format!("p.amount_cents IS NULL, p.amount_cents {dir}, c.legal_name, p.id")
        }
        QueueSort::Operator => format!("o.name {dir}, c.legal_name, p.id"),
        QueueSort::Client => format!("c.legal_name {dir}, p.reference_month, p.id"),
    }
}

/// Served by the (status, updated_at) index; the count rides on every row.
pub async fn queue(
    pool: &SqlitePool,
    query: &QueueQuery,
) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT p.*, c.legal_name AS client_name, c.hash AS client_hash, c.cnpj,
                o.name AS operator_name, COUNT(*) OVER () AS total
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
         WHERE p.status = ",
    );
    q.push_bind(ProcessStatus::AguardandoAprovacao.as_str());
    if let Some(m) = &query.month {
        q.push(" AND p.reference_month = ").push_bind(m.clone());
    }
    if let Some(o) = query.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o.to_string());
    }
    let filter = ProcessFilter {
        search: query.search.clone(),
        ..Default::default()
    };
    if let (Some(text), digits) = search_patterns(&filter) {
        q.push(" AND p.client_id IN (SELECT s.id FROM clients s WHERE s.search_text LIKE ")
            .push_bind(text)
            .push(" ESCAPE '\\'");
        if let Some(d) = digits {
            q.push(" OR s.cnpj LIKE ").push_bind(d);
        }
        q.push(")");
    }
    q.push(" ORDER BY ")
        .push(order_by(query))
        .push(" LIMIT ")
        .push_bind(query.limit.clamp(1, 5000));
    let rows = q.build().fetch_all(pool).await?;
    let total = match rows.first() {
        Some(r) => r.try_get("total")?,
        None => 0,
    };
    let items = rows
        .iter()
        .map(|r| Ok((decode_row(r)?, decode(r)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((total, items))
}

/// The ids travel as one JSON array (one bind, however many clients); the unique
/// (client_id, reference_month) index serves each.
pub async fn history(
    pool: &SqlitePool,
    client_ids: &[Uuid],
    since_month: Option<&str>,
) -> StoreResult<Vec<HistoryEntry>> {
    if client_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(&client_ids.iter().map(|u| u.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query(
        "SELECT id, client_id, reference_month, status, amount_cents, due_date, invoice_sha256
         FROM processes
         WHERE client_id IN (SELECT value FROM json_each(?1))
           AND (?2 IS NULL OR reference_month >= ?2)",
    )
    .bind(ids)
    .bind(since_month)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                process_id: parse_uuid(r.try_get("id")?)?,
                client_id: parse_uuid(r.try_get("client_id")?)?,
                reference_month: r.try_get("reference_month")?,
                status: parse_status(r.try_get("status")?)?,
                amount_cents: r.try_get("amount_cents")?,
                due_date: parse_date(r.try_get("due_date")?)?,
                invoice_sha256: r.try_get("invoice_sha256")?,
            })
        })
        .collect()
}
