//! The approval desk's reads: the queue of invoices waiting for approval and the invoice
//! history of many clients at once (one query, not one per invoice).

use super::processes::{decode, decode_row, parse_status, search_patterns, COLUMNS};
use super::unpad;
use crate::{HistoryEntry, QueueQuery, QueueSort, StoreResult};
use brm_core::process::{Process, ProcessFilter, ProcessRow, ProcessStatus};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

fn order_by(q: &QueueQuery) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.sort {
        QueueSort::DueDate => format!("p.due_date {dir} NULLS LAST, c.legal_name, p.id"),
        QueueSort::Amount => format!("p.amount {dir} NULLS LAST, c.legal_name, p.id"),
        QueueSort::Operator => format!("o.name {dir}, c.legal_name, p.id"),
        QueueSort::Client => format!("c.legal_name {dir}, p.reference_month, p.id"),
    }
}

/// Served by the (status, updated_at) index; the count rides on every row.
pub async fn queue(
    pool: &PgPool,
    query: &QueueQuery,
) -> StoreResult<(i64, Vec<(ProcessRow, Process)>)> {
    let mut q = QueryBuilder::<Postgres>::new(format!(
        "SELECT {COLUMNS}, c.legal_name AS client_name, c.hash AS client_hash, c.cnpj,
                o.name AS operator_name, COUNT(*) OVER () AS total
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
         WHERE p.status = "
    ));
    q.push_bind(ProcessStatus::AguardandoAprovacao.as_str());
    if let Some(m) = &query.month {
        q.push(" AND p.reference_month = ")
            .push_bind(m.clone())
            .push("::bpchar");
    }
    if let Some(o) = query.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o);
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

/// The ids travel as one uuid[]; the unique (client_id, reference_month) index serves each.
pub async fn history(
    pool: &PgPool,
    client_ids: &[Uuid],
    since_month: Option<&str>,
) -> StoreResult<Vec<HistoryEntry>> {
    if client_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT id, client_id, reference_month, status, (amount * 100)::bigint AS amount_cents,
                due_date, invoice_sha256
         FROM processes
         WHERE client_id = ANY($1)
           AND ($2::text IS NULL OR reference_month >= $2::bpchar)",
    )
    .bind(client_ids)
    .bind(since_month)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                process_id: r.try_get("id")?,
                client_id: r.try_get("client_id")?,
                reference_month: unpad(r.try_get("reference_month")?),
                status: parse_status(r.try_get("status")?)?,
                amount_cents: r.try_get("amount_cents")?,
                due_date: r.try_get("due_date")?,
                invoice_sha256: r.try_get::<Option<String>, _>("invoice_sha256")?.map(unpad),
            })
        })
        .collect()
}
