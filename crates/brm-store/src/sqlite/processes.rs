use super::audit;
use super::codec::{parse_ts, parse_ts_opt, parse_uuid, ts};
use crate::records::fold;
use crate::sql_text::like_pattern;
use crate::{MonthRequest, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::Page;
use brm_core::process::{
    cents_to_string, MonthCreation, PaymentLineStatus, Process, ProcessFilter, ProcessRow,
    ProcessStatus, StatusCounts, ValueSource,
};
use chrono::NaiveDate;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

/// A random version-4 UUID in SQLite's own SQL, so the monthly creation is one
/// INSERT … SELECT rather than 20,000 round trips.
const NEW_UUID: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
     substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
     substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

pub async fn create_month(
    pool: &SqlitePool,
    r: &MonthRequest,
    event: &AuditEvent,
) -> StoreResult<MonthCreation> {
    let mut tx = pool.begin().await?;
    let now = ts(r.now);
    let op = r.operator_id.map(|u| u.to_string());
    let created = sqlx::query(&format!(
        "INSERT INTO processes (id, client_id, operator_id, reference_month, status, auto_created,
                                created_by, version, created_at, updated_at)
         SELECT {NEW_UUID}, c.id, c.operator_id, ?1, 'AGUARDANDO_DOWNLOAD', ?2, ?3, 1, ?4, ?4
         FROM clients c JOIN operators o ON o.id = c.operator_id
         WHERE c.active = 1 AND o.active = 1 AND (?5 IS NULL OR c.operator_id = ?5)
         ON CONFLICT (client_id, reference_month) DO NOTHING"
    ))
    .bind(&r.month)
    .bind(r.auto)
    .bind(r.created_by.map(|u| u.to_string()))
    .bind(&now)
    .bind(&op)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    let eligible: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM clients c JOIN operators o ON o.id = c.operator_id
         WHERE c.active = 1 AND o.active = 1 AND (?1 IS NULL OR c.operator_id = ?1)",
    )
    .bind(&op)
    .fetch_one(&mut *tx)
    .await?;
    let result = MonthCreation {
        created,
        skipped: eligible - created,
    };
    let event = event.clone().change(
        None,
        Some(serde_json::json!({"month": r.month, "created": result.created, "skipped": result.skipped})),
    );
    audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(result)
}

/// The columns of a list row, after `SELECT`; the list and `row` share them.
macro_rules! row_columns {
    () => {
        "p.id, p.client_id, c.legal_name AS client_name, c.hash AS client_hash,
        c.cnpj, p.operator_id, o.name AS operator_name, p.reference_month, p.status,
        p.amount_cents, p.due_date, p.download_attempts, p.sat_attempts, p.needs_attention,
        p.version, p.updated_at"
    };
}

pub(super) const ROW_SELECT: &str = concat!(
    "SELECT ",
    row_columns!(),
    "
   FROM processes p JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id"
);

/// Only the conditions a filter sets go into the SQL, so SQLite's planner sees plain
/// equalities it can serve from the month indexes. The client text is not here: a search
/// first finds its clients (`list_found`).
fn push_filter<'a>(q: &mut QueryBuilder<'a, Sqlite>, f: &'a ProcessFilter) {
    q.push(" WHERE 1 = 1");
    if let Some(m) = &f.month {
        q.push(" AND p.reference_month = ").push_bind(m.as_str());
    }
    if let Some(s) = f.status {
        q.push(" AND p.status = ").push_bind(s.as_str());
    }
    if let Some(o) = f.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o.to_string());
    }
    if let Some(a) = f.needs_attention {
        q.push(" AND p.needs_attention = ").push_bind(a);
    }
}

pub(super) fn search_patterns(f: &ProcessFilter) -> (Option<String>, Option<String>) {
    let text = f.search.as_deref().map(|s| like_pattern(&fold(s)));
    let digits = f.search.as_deref().and_then(|s| {
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        let cnpj_like = s.chars().all(|c| c.is_ascii_digit() || ".-/ ".contains(c));
        (cnpj_like && d.len() >= 3).then(|| format!("%{d}%"))
    });
    (text, digits)
}

/// Where a page's rows come from once its (client, month) keys are chosen.
const PAGE_ROWS: &str =
    " JOIN processes p ON p.client_id = k.client_id AND p.reference_month = k.reference_month
   JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id ORDER BY ";

/// One page of the list, shaped for a year of data (20,000 clients × 24 months; see
/// examples/bench_store.rs):
/// - the page first picks its 50 (client, month) keys from indexes only, then reads just
///   those rows;
/// - with a month the keys come from walking clients in name order (clients_name_id) and
///   probing that month's processes (processes_month_client, whose entries for one month
///   sit together): page 0 stops after 50 probes instead of sorting the month. CROSS JOIN
///   and INDEXED BY keep that plan on a database never analysed, where SQLite would guess
///   that a month holds ten processes;
/// - the order is month (newest first), client name, then client id: (client, month) is
///   unique, so this is a total order, and the one the indexes hold.
pub async fn list(pool: &SqlitePool, f: &ProcessFilter) -> StoreResult<Page<ProcessRow>> {
    let (limit, offset) = f.limit_offset();
    let (text, digits) = search_patterns(f);
    let (total, rows) = match &text {
        Some(text) => list_found(pool, f, text, &digits, limit, offset).await?,
        None => list_all(pool, f, limit, offset).await?,
    };
    Ok(Page {
        items: rows.iter().map(decode_row).collect::<StoreResult<_>>()?,
        total,
        page: f.page.max(0) as u32,
        page_size: limit as u32,
    })
}

/// Without a search: the count reads processes alone (a month index covers it), the page
/// walks clients in name order when there is a month.
async fn list_all(
    pool: &SqlitePool,
    f: &ProcessFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<SqliteRow>)> {
    let only_month = f.status.is_none() && f.operator_id.is_none() && f.needs_attention.is_none();
    let mut count = QueryBuilder::<Sqlite>::new(if f.month.is_some() && only_month {
        // Counted from the index the page is about to probe, so SQLite's small page
        // cache holds one month region, not two.
        "SELECT COUNT(*) FROM processes p INDEXED BY processes_month_client"
    } else {
        "SELECT COUNT(*) FROM processes p"
    });
    push_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let (source, order) = if f.month.is_some() {
        (
            "clients c CROSS JOIN processes p INDEXED BY processes_month_client ON p.client_id = c.id",
            "c.legal_name, c.id",
        )
    } else {
        (
            "processes p JOIN clients c ON c.id = p.client_id",
            "p.reference_month DESC, c.legal_name, c.id",
        )
    };
    let mut q = QueryBuilder::<Sqlite>::new(concat!(
        "SELECT ",
        row_columns!(),
        " FROM (SELECT p.client_id, p.reference_month FROM "
    ));
    q.push(source);
    push_filter(&mut q, f);
    q.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset)
        .push(") k")
        .push(PAGE_ROWS)
        .push(order);
    Ok((total, q.build().fetch_all(pool).await?))
}

/// A search names a few clients out of thousands. One statement finds them once (`found`,
/// read from the clients_search index, never the table), then their processes (`hits`),
/// and answers both the count and the page from those: the count rides on every row, and
/// a page past the end still brings one row, all NULL but the count.
async fn list_found(
    pool: &SqlitePool,
    f: &ProcessFilter,
    text: &str,
    digits: &Option<String>,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<SqliteRow>)> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "WITH found AS MATERIALIZED (SELECT c.id, c.legal_name FROM clients c
                                   WHERE (c.search_text LIKE ",
    );
    q.push_bind(text).push(" ESCAPE '\\'");
    if let Some(d) = digits {
        q.push(" OR c.cnpj LIKE ").push_bind(d.as_str());
    }
    q.push(
        ")),
     hits AS MATERIALIZED (SELECT p.client_id, p.reference_month, c.legal_name, c.id AS cid
                           FROM found c CROSS JOIN processes p",
    );
    if f.month.is_some() {
        q.push(" INDEXED BY processes_month_client");
    }
    q.push(" ON p.client_id = c.id");
    push_filter(&mut q, f);
    let (hits_order, order) = if f.month.is_some() {
        ("legal_name, cid", "c.legal_name, c.id")
    } else {
        (
            "reference_month DESC, legal_name, cid",
            "p.reference_month DESC, c.legal_name, c.id",
        )
    };
    q.push(concat!(
        ")
SELECT t.total, ",
        row_columns!(),
        "
  FROM (SELECT COUNT(*) AS total FROM hits) t
  LEFT JOIN (SELECT client_id, reference_month FROM hits ORDER BY "
    ))
    .push(hits_order)
    .push(" LIMIT ")
    .push_bind(limit)
    .push(" OFFSET ")
    .push_bind(offset)
    .push(") k ON true")
    .push(PAGE_ROWS.replace(" JOIN ", " LEFT JOIN "))
    .push(order);
    let mut rows = q.build().fetch_all(pool).await?;
    let total = match rows.first() {
        Some(r) => r.try_get("total")?,
        None => 0,
    };
    rows.retain(|r| matches!(r.try_get::<Option<String>, _>("id"), Ok(Some(_))));
    Ok((total, rows))
}

pub async fn row(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<ProcessRow>> {
    let r = sqlx::query(&format!("{ROW_SELECT} WHERE p.id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(decode_row).transpose()
}

pub async fn by_id(pool: &SqlitePool, id: Uuid) -> StoreResult<Option<Process>> {
    let r = sqlx::query("SELECT * FROM processes WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(decode).transpose()
}

/// Served by the unique (client_id, reference_month) index, walked backwards.
pub async fn client_history(
    pool: &SqlitePool,
    client_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<Process>> {
    let rows = sqlx::query(
        "SELECT * FROM processes WHERE client_id = ? ORDER BY reference_month DESC LIMIT ?",
    )
    .bind(client_id.to_string())
    .bind(limit.clamp(1, 60))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn update(
    pool: &SqlitePool,
    p: &Process,
    expected_version: i64,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    if !write_state(&mut tx, p, expected_version).await? {
        return Ok(false);
    }
    audit::insert(&mut tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

/// Writes the whole mutable state of `p` if the stored version is still
/// `expected_version`; false (nothing written) when it moved on. The caller owns the
/// transaction: `update` and the end of an execution share this statement.
pub(super) async fn write_state(
    conn: &mut SqliteConnection,
    p: &Process,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE processes SET status = ?, invoice_key = ?, invoice_file_name = ?, invoice_size = ?,
                invoice_sha256 = ?, due_date = ?, amount_cents = ?, amount_source = ?,
                due_date_source = ?, approved_by = ?, approved_at = ?,
                sent_to_sat = ?, sent_at = ?, download_attempts = ?, last_download_at = ?,
                sat_attempts = ?, last_sat_at = ?, next_retry_at = ?, needs_attention = ?,
                manual_upload = ?, notes = ?, last_rejection_reason = ?, version = ?, updated_at = ?,
                first_approved_by = ?, first_approved_at = ?, uploaded_by = ?, payment_line = ?,
                payment_line_status = ?, payment_line_reason = ?, rejection_reason_code = ?,
                invoice_identity = ?
         WHERE id = ? AND version = ?",
    )
    .bind(p.status.as_str())
    .bind(&p.invoice_key)
    .bind(&p.invoice_file_name)
    .bind(p.invoice_size)
    .bind(&p.invoice_sha256)
    .bind(p.due_date.map(|d| d.to_string()))
    .bind(p.amount_cents)
    .bind(p.amount_source.map(ValueSource::as_str))
    .bind(p.due_date_source.map(ValueSource::as_str))
    .bind(p.approved_by.map(|u| u.to_string()))
    .bind(p.approved_at.map(ts))
    .bind(p.sent_to_sat)
    .bind(p.sent_at.map(ts))
    .bind(p.download_attempts)
    .bind(p.last_download_at.map(ts))
    .bind(p.sat_attempts)
    .bind(p.last_sat_at.map(ts))
    .bind(p.next_retry_at.map(ts))
    .bind(p.needs_attention)
    .bind(p.manual_upload)
    .bind(&p.notes)
    .bind(&p.last_rejection_reason)
    .bind(p.version)
    .bind(ts(p.updated_at))
    .bind(p.first_approved_by.map(|u| u.to_string()))
    .bind(p.first_approved_at.map(ts))
    .bind(p.uploaded_by.map(|u| u.to_string()))
    .bind(&p.payment_line)
    .bind(p.payment_line_status.map(PaymentLineStatus::as_str))
    .bind(&p.payment_line_reason)
    .bind(&p.rejection_reason_code)
    .bind(crate::sql_text::identity_text(p))
    .bind(p.id.to_string())
    .bind(expected_version)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// With a month, the (month, status, needs_attention) index answers alone. For all
/// months, counting per month first walks that same index in its own order; grouping by
/// status directly would make SQLite read every row through the (status, updated_at)
/// index.
pub async fn status_counts(pool: &SqlitePool, month: Option<&str>) -> StoreResult<StatusCounts> {
    let rows = match month {
        Some(m) => sqlx::query(
            "SELECT status, COUNT(*), SUM(needs_attention) FROM processes
             WHERE reference_month = ? GROUP BY status",
        )
        .bind(m),
        None => sqlx::query(
            "SELECT status, SUM(n), SUM(a) FROM (
                 SELECT status, COUNT(*) AS n, SUM(needs_attention) AS a FROM processes
                 GROUP BY reference_month, status)
             GROUP BY status",
        ),
    }
    .fetch_all(pool)
    .await?;
    let mut counts = StatusCounts::default();
    for r in rows {
        let status: String = r.try_get(0)?;
        let status = ProcessStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
        counts.add(status, r.try_get(1)?);
        counts.needs_attention += r.try_get::<Option<i64>, _>(2)?.unwrap_or(0);
    }
    Ok(counts)
}

pub(super) fn parse_status(s: &str) -> StoreResult<ProcessStatus> {
    ProcessStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("status {s:?}")))
}

fn parse_source(s: Option<String>) -> StoreResult<Option<ValueSource>> {
    s.map(|v| ValueSource::parse(&v).ok_or_else(|| StoreError::Corrupt(format!("origem {v:?}"))))
        .transpose()
}

fn parse_line_status(s: Option<String>) -> StoreResult<Option<PaymentLineStatus>> {
    s.map(|v| {
        PaymentLineStatus::parse(&v)
            .ok_or_else(|| StoreError::Corrupt(format!("linha digitável {v:?}")))
    })
    .transpose()
}

pub(super) fn parse_date(s: Option<String>) -> StoreResult<Option<NaiveDate>> {
    s.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("data {d:?}: {e}")))
    })
    .transpose()
}

fn parse_uuid_opt(s: Option<String>) -> StoreResult<Option<Uuid>> {
    s.as_deref().map(parse_uuid).transpose()
}

pub(super) fn decode_row(r: &SqliteRow) -> StoreResult<ProcessRow> {
    Ok(ProcessRow {
        id: parse_uuid(r.try_get("id")?)?,
        client_id: parse_uuid(r.try_get("client_id")?)?,
        client_name: r.try_get("client_name")?,
        client_hash: r.try_get("client_hash")?,
        cnpj: r.try_get("cnpj")?,
        operator_id: parse_uuid(r.try_get("operator_id")?)?,
        operator_name: r.try_get("operator_name")?,
        reference_month: r.try_get("reference_month")?,
        status: parse_status(r.try_get("status")?)?,
        amount: r
            .try_get::<Option<i64>, _>("amount_cents")?
            .map(cents_to_string),
        due_date: parse_date(r.try_get("due_date")?)?,
        download_attempts: r.try_get("download_attempts")?,
        sat_attempts: r.try_get("sat_attempts")?,
        needs_attention: r.try_get("needs_attention")?,
        version: r.try_get("version")?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}

pub(super) fn decode(r: &SqliteRow) -> StoreResult<Process> {
    Ok(Process {
        id: parse_uuid(r.try_get("id")?)?,
        client_id: parse_uuid(r.try_get("client_id")?)?,
        operator_id: parse_uuid(r.try_get("operator_id")?)?,
        reference_month: r.try_get("reference_month")?,
        status: parse_status(r.try_get("status")?)?,
        invoice_key: r.try_get("invoice_key")?,
        invoice_file_name: r.try_get("invoice_file_name")?,
        invoice_size: r.try_get("invoice_size")?,
        invoice_sha256: r.try_get("invoice_sha256")?,
        due_date: parse_date(r.try_get("due_date")?)?,
        amount_cents: r.try_get("amount_cents")?,
        amount_source: parse_source(r.try_get("amount_source")?)?,
        due_date_source: parse_source(r.try_get("due_date_source")?)?,
        approved_by: parse_uuid_opt(r.try_get("approved_by")?)?,
        approved_at: parse_ts_opt(r.try_get("approved_at")?)?,
        sent_to_sat: r.try_get("sent_to_sat")?,
        sent_at: parse_ts_opt(r.try_get("sent_at")?)?,
        download_attempts: r.try_get("download_attempts")?,
        last_download_at: parse_ts_opt(r.try_get("last_download_at")?)?,
        sat_attempts: r.try_get("sat_attempts")?,
        last_sat_at: parse_ts_opt(r.try_get("last_sat_at")?)?,
        next_retry_at: parse_ts_opt(r.try_get("next_retry_at")?)?,
        needs_attention: r.try_get("needs_attention")?,
        manual_upload: r.try_get("manual_upload")?,
        auto_created: r.try_get("auto_created")?,
        created_by: parse_uuid_opt(r.try_get("created_by")?)?,
        notes: r.try_get("notes")?,
        last_rejection_reason: r.try_get("last_rejection_reason")?,
        first_approved_by: parse_uuid_opt(r.try_get("first_approved_by")?)?,
        first_approved_at: parse_ts_opt(r.try_get("first_approved_at")?)?,
        uploaded_by: parse_uuid_opt(r.try_get("uploaded_by")?)?,
        payment_line: r.try_get("payment_line")?,
        payment_line_status: parse_line_status(r.try_get("payment_line_status")?)?,
        payment_line_reason: r.try_get("payment_line_reason")?,
        invoice_identity: crate::sql_text::identity_of(r.try_get("invoice_identity")?),
        rejection_reason_code: r.try_get("rejection_reason_code")?,
        version: r.try_get("version")?,
        created_at: parse_ts(r.try_get("created_at")?)?,
        updated_at: parse_ts(r.try_get("updated_at")?)?,
    })
}
