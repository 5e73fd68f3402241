use super::{audit, unpad};
use crate::records::fold;
use crate::sql_text::like_pattern;
use crate::{MonthRequest, StoreError, StoreResult};
use brm_core::audit::AuditEvent;
use brm_core::operator::Page;
use brm_core::process::{
    cents_to_string, MonthCreation, PaymentLineStatus, Process, ProcessFilter, ProcessRow,
    ProcessStatus, StatusCounts, ValueSource,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

/// One statement creates the month and counts what was eligible, both from the same
/// snapshot. Two desktops running it at once create each process once: the second
/// insert of a (client, month) waits for the first and then does nothing.
pub async fn create_month(
    pool: &PgPool,
    r: &MonthRequest,
    event: &AuditEvent,
) -> StoreResult<MonthCreation> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "WITH eligible AS (
             SELECT c.id, c.operator_id
             FROM clients c JOIN operators o ON o.id = c.operator_id
             WHERE c.active AND o.active AND ($5::uuid IS NULL OR c.operator_id = $5)
         ), created AS (
             INSERT INTO processes (id, client_id, operator_id, reference_month, status,
                                    auto_created, created_by, version, created_at, updated_at)
             SELECT gen_random_uuid(), e.id, e.operator_id, $1, 'AGUARDANDO_DOWNLOAD', $2, $3, 1,
                    $4, $4
             FROM eligible e
             ON CONFLICT (client_id, reference_month) DO NOTHING
             RETURNING 1
         )
         SELECT (SELECT COUNT(*) FROM created), (SELECT COUNT(*) FROM eligible)",
    )
    .bind(&r.month)
    .bind(r.auto)
    .bind(r.created_by)
    .bind(r.now)
    .bind(r.operator_id)
    .fetch_one(&mut *tx)
    .await?;
    let created: i64 = row.try_get(0)?;
    let eligible: i64 = row.try_get(1)?;
    let result = MonthCreation {
        created,
        skipped: eligible - created,
    };
    let event = event.clone().change(
        None,
        Some(serde_json::json!({
            "month": r.month,
            "created": result.created,
            "skipped": result.skipped,
        })),
    );
    audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(result)
}

/// Money leaves PostgreSQL as whole cents: numeric times 100 is exact, no float on the way.
pub(super) const COLUMNS: &str = "p.id, p.client_id, p.operator_id, p.reference_month, p.status,
        p.invoice_key, p.invoice_file_name, p.invoice_size, p.invoice_sha256, p.due_date,
        (p.amount * 100)::bigint AS amount_cents, p.amount_source, p.due_date_source,
        p.approved_by, p.approved_at, p.sent_to_sat,
        p.sent_at, p.download_attempts, p.last_download_at, p.sat_attempts, p.last_sat_at,
        p.next_retry_at, p.needs_attention, p.manual_upload, p.auto_created, p.created_by,
        p.notes, p.last_rejection_reason, p.version, p.created_at, p.updated_at,
        p.first_approved_by, p.first_approved_at, p.uploaded_by, p.payment_line,
        p.payment_line_status, p.payment_line_reason, p.rejection_reason_code,
        p.invoice_identity";

/// The columns of a list row, after `SELECT`; the list and `row` share them.
macro_rules! row_columns {
    () => {
        "p.id, p.client_id, c.legal_name AS client_name, c.hash AS client_hash,
        c.cnpj, p.operator_id, o.name AS operator_name, p.reference_month, p.status,
        (p.amount * 100)::bigint AS amount_cents, p.due_date, p.download_attempts, p.sat_attempts,
        p.needs_attention, p.version, p.updated_at"
    };
}

pub(super) const ROW_SELECT: &str = concat!(
    "SELECT ",
    row_columns!(),
    "
   FROM processes p JOIN clients c ON c.id = p.client_id JOIN operators o ON o.id = p.operator_id"
);

/// Only the conditions a filter sets go into the SQL, so the planner sees plain
/// equalities it can serve from the month indexes. The month is compared as char(7), the
/// column's own type, or the index would not serve it. The client text is not here: a
/// search first finds its clients (`list_found`).
fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &ProcessFilter) {
    q.push(" WHERE true");
    if let Some(m) = &f.month {
        q.push(" AND p.reference_month = ")
            .push_bind(m.clone())
            .push("::bpchar");
    }
    if let Some(s) = f.status {
        q.push(" AND p.status = ").push_bind(s.as_str());
    }
    if let Some(o) = f.operator_id {
        q.push(" AND p.operator_id = ").push_bind(o);
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
/// examples/bench_store.rs), as on SQLite:
/// - the page first picks its (client, month) keys from indexes only, then reads just
///   those rows; with a month, walking clients_name_id in order stops after the page;
/// - the order is month (newest first), client name, then client id: (client, month) is
///   unique, so this is a total order, and the one the indexes hold.
pub async fn list(pool: &PgPool, f: &ProcessFilter) -> StoreResult<Page<ProcessRow>> {
    let (limit, offset) = f.limit_offset();
    let (text, digits) = search_patterns(f);
    let (total, rows) = match text {
        Some(text) => list_found(pool, f, text, digits, limit, offset).await?,
        None => list_all(pool, f, limit, offset).await?,
    };
    Ok(Page {
        items: rows.iter().map(decode_row).collect::<StoreResult<_>>()?,
        total,
        page: f.page.max(0) as u32,
        page_size: limit as u32,
    })
}

/// Without a search: the count reads processes alone (an index-only scan).
async fn list_all(
    pool: &PgPool,
    f: &ProcessFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<PgRow>)> {
    let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM processes p");
    push_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let order = if f.month.is_some() {
        "c.legal_name, c.id"
    } else {
        "p.reference_month DESC, c.legal_name, c.id"
    };
    let mut q = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        row_columns!(),
        " FROM (SELECT p.client_id, p.reference_month FROM processes p JOIN clients c ON c.id = p.client_id"
    ));
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

/// A search names a few clients out of thousands. One statement finds them once
/// (`found`, through the trigram index when pg_trgm is there; materialized, so the planner
/// cannot instead walk the month's processes testing each client's text), then their
/// processes (`hits`), and answers both the count and the page from those: the count
/// rides on every row, and a page past the end still brings one row, all NULL but the
/// count.
async fn list_found(
    pool: &PgPool,
    f: &ProcessFilter,
    text: String,
    digits: Option<String>,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<PgRow>)> {
    let mut q = QueryBuilder::<Postgres>::new(
        "WITH found AS MATERIALIZED (SELECT c.id, c.legal_name FROM clients c
                                   WHERE (c.search_text LIKE ",
    );
    q.push_bind(text).push(" ESCAPE '\\'");
    if let Some(d) = digits {
        q.push(" OR c.cnpj LIKE ").push_bind(d);
    }
    q.push(
        ")),
     hits AS MATERIALIZED (SELECT p.client_id, p.reference_month, c.legal_name, c.id AS cid
                           FROM processes p JOIN found c ON c.id = p.client_id",
    );
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
    rows.retain(|r| matches!(r.try_get::<Option<Uuid>, _>("id"), Ok(Some(_))));
    Ok((total, rows))
}

pub async fn row(pool: &PgPool, id: Uuid) -> StoreResult<Option<ProcessRow>> {
    let r = sqlx::query(&format!("{ROW_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(decode_row).transpose()
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> StoreResult<Option<Process>> {
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM processes p WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    r.as_ref().map(decode).transpose()
}

/// Served by the unique (client_id, reference_month) index, walked backwards.
pub async fn client_history(
    pool: &PgPool,
    client_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<Process>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM processes p WHERE p.client_id = $1
         ORDER BY p.reference_month DESC LIMIT $2"
    ))
    .bind(client_id)
    .bind(limit.clamp(1, 60))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode).collect()
}

/// A concurrent writer with the same expected version waits for the row lock, then finds
/// the version moved on and changes nothing: exactly one of them wins.
pub async fn update(
    pool: &PgPool,
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
    conn: &mut PgConnection,
    p: &Process,
    expected_version: i64,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE processes SET status = $1, invoice_key = $2, invoice_file_name = $3,
                invoice_size = $4, invoice_sha256 = $5, due_date = $6,
                amount = $7::bigint::numeric / 100, approved_by = $8, approved_at = $9,
                sent_to_sat = $10, sent_at = $11, download_attempts = $12, last_download_at = $13,
                sat_attempts = $14, last_sat_at = $15, next_retry_at = $16, needs_attention = $17,
                manual_upload = $18, notes = $19, last_rejection_reason = $20, version = $21,
                updated_at = $22, amount_source = $23, due_date_source = $24,
                first_approved_by = $27, first_approved_at = $28, uploaded_by = $29,
                payment_line = $30, payment_line_status = $31, payment_line_reason = $32,
                rejection_reason_code = $33, invoice_identity = $34
         WHERE id = $25 AND version = $26",
    )
    .bind(p.status.as_str())
    .bind(&p.invoice_key)
    .bind(&p.invoice_file_name)
    .bind(p.invoice_size)
    .bind(&p.invoice_sha256)
    .bind(p.due_date)
    .bind(p.amount_cents)
    .bind(p.approved_by)
    .bind(p.approved_at)
    .bind(p.sent_to_sat)
    .bind(p.sent_at)
    .bind(p.download_attempts)
    .bind(p.last_download_at)
    .bind(p.sat_attempts)
    .bind(p.last_sat_at)
    .bind(p.next_retry_at)
    .bind(p.needs_attention)
    .bind(p.manual_upload)
    .bind(&p.notes)
    .bind(&p.last_rejection_reason)
    .bind(p.version)
    .bind(p.updated_at)
    .bind(p.amount_source.map(ValueSource::as_str))
    .bind(p.due_date_source.map(ValueSource::as_str))
    .bind(p.id)
    .bind(expected_version)
    .bind(p.first_approved_by)
    .bind(p.first_approved_at)
    .bind(p.uploaded_by)
    .bind(&p.payment_line)
    .bind(p.payment_line_status.map(PaymentLineStatus::as_str))
    .bind(&p.payment_line_reason)
    .bind(&p.rejection_reason_code)
    .bind(crate::sql_text::identity_text(p))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// One statement per case rather than `$1 IS NULL OR ...`, whose generic plan could not
/// use the (month, status, needs_attention) index.
pub async fn status_counts(pool: &PgPool, month: Option<&str>) -> StoreResult<StatusCounts> {
    let rows = match month {
        Some(m) => sqlx::query(
            "SELECT status, COUNT(*), COUNT(*) FILTER (WHERE needs_attention) FROM processes
             WHERE reference_month = $1::bpchar GROUP BY status",
        )
        .bind(m),
        None => sqlx::query(
            "SELECT status, COUNT(*), COUNT(*) FILTER (WHERE needs_attention) FROM processes
             GROUP BY status",
        ),
    }
    .fetch_all(pool)
    .await?;
    let mut counts = StatusCounts::default();
    for r in rows {
        counts.add(parse_status(r.try_get(0)?)?, r.try_get(1)?);
        counts.needs_attention += r.try_get::<i64, _>(2)?;
    }
    Ok(counts)
}

pub(super) fn parse_status(s: String) -> StoreResult<ProcessStatus> {
    ProcessStatus::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("status {s:?}")))
}

fn parse_source(s: Option<String>) -> StoreResult<Option<ValueSource>> {
    s.map(|v| ValueSource::parse(&v).ok_or_else(|| StoreError::Corrupt(format!("origem {v:?}"))))
        .transpose()
}

pub(super) fn decode_row(r: &PgRow) -> StoreResult<ProcessRow> {
    Ok(ProcessRow {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("client_name")?,
        client_hash: r.try_get("client_hash")?,
        cnpj: unpad(r.try_get("cnpj")?),
        operator_id: r.try_get("operator_id")?,
        operator_name: r.try_get("operator_name")?,
        reference_month: unpad(r.try_get("reference_month")?),
        status: parse_status(r.try_get("status")?)?,
        amount: r
            .try_get::<Option<i64>, _>("amount_cents")?
            .map(cents_to_string),
        due_date: r.try_get("due_date")?,
        download_attempts: r.try_get("download_attempts")?,
        sat_attempts: r.try_get("sat_attempts")?,
        needs_attention: r.try_get("needs_attention")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(super) fn decode(r: &PgRow) -> StoreResult<Process> {
    Ok(Process {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        operator_id: r.try_get("operator_id")?,
        reference_month: unpad(r.try_get("reference_month")?),
        status: parse_status(r.try_get("status")?)?,
        invoice_key: r.try_get("invoice_key")?,
        invoice_file_name: r.try_get("invoice_file_name")?,
        invoice_size: r.try_get("invoice_size")?,
        invoice_sha256: r.try_get::<Option<String>, _>("invoice_sha256")?.map(unpad),
        due_date: r.try_get("due_date")?,
        amount_cents: r.try_get("amount_cents")?,
        amount_source: parse_source(r.try_get("amount_source")?)?,
        due_date_source: parse_source(r.try_get("due_date_source")?)?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
        sent_to_sat: r.try_get("sent_to_sat")?,
        sent_at: r.try_get("sent_at")?,
        download_attempts: r.try_get("download_attempts")?,
        last_download_at: r.try_get("last_download_at")?,
        sat_attempts: r.try_get("sat_attempts")?,
        last_sat_at: r.try_get("last_sat_at")?,
        next_retry_at: r.try_get("next_retry_at")?,
        needs_attention: r.try_get("needs_attention")?,
        manual_upload: r.try_get("manual_upload")?,
        auto_created: r.try_get("auto_created")?,
        created_by: r.try_get("created_by")?,
        notes: r.try_get("notes")?,
        last_rejection_reason: r.try_get("last_rejection_reason")?,
        first_approved_by: r.try_get("first_approved_by")?,
        first_approved_at: r.try_get("first_approved_at")?,
        uploaded_by: r.try_get("uploaded_by")?,
        payment_line: r.try_get("payment_line")?,
        payment_line_status: r
            .try_get::<Option<String>, _>("payment_line_status")?
            .map(|v| {
                PaymentLineStatus::parse(&v)
                    .ok_or_else(|| StoreError::Corrupt(format!("linha digitável {v:?}")))
            })
            .transpose()?,
        payment_line_reason: r.try_get("payment_line_reason")?,
        invoice_identity: crate::sql_text::identity_of(r.try_get("invoice_identity")?),
        rejection_reason_code: r.try_get("rejection_reason_code")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
