//! The desktop notifications' reads (issue 6): which processes wait for approval or need
//! attention, from the partial index of migration 0008, and what a notification shows
//! of a few of them, in one query.

use super::codec::parse_uuid;
use super::processes::decode;
use crate::{AlertCandidate, AlertDetail, StoreError, StoreResult};
use brm_core::execution::ExecutionKind;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

/// The WHERE of the partial index `processes_alerts`, word for word (SQLite only uses a
/// partial index whose condition appears as such in the query).
const CANDIDATES: &str =
    "SELECT id, version, status = 'AGUARDANDO_APROVACAO' AS waiting, needs_attention
     FROM processes
     WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention = 1";

pub async fn candidates(pool: &SqlitePool) -> StoreResult<Vec<AlertCandidate>> {
    let rows = sqlx::query(CANDIDATES).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(AlertCandidate {
                id: parse_uuid(r.try_get("id")?)?,
                version: r.try_get("version")?,
                waiting: r.try_get("waiting")?,
                needs_attention: r.try_get("needs_attention")?,
            })
        })
        .collect()
}

/// The ids travel as one JSON array (one bind, however many); each last failure is one
/// probe of executions_process (process_id, created_at).
pub async fn details(pool: &SqlitePool, ids: &[Uuid]) -> StoreResult<Vec<AlertDetail>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(&ids.iter().map(|u| u.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query(
        "SELECT p.*, c.legal_name AS client_name, o.name AS operator_name,
                f.error AS last_error, f.kind AS last_error_kind
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
              LEFT JOIN executions f ON f.id = (
                  SELECT e.id FROM executions e
                  WHERE e.process_id = p.id AND e.error_class IS NOT NULL
                  ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
         WHERE p.id IN (SELECT value FROM json_each(?1))",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: Option<String> = r.try_get("last_error_kind")?;
            Ok(AlertDetail {
                process: decode(r)?,
                client_name: r.try_get("client_name")?,
                operator_name: r.try_get("operator_name")?,
                last_error: r.try_get("last_error")?,
                last_error_kind: kind
                    .map(|k| {
                        ExecutionKind::parse(&k)
                            .ok_or_else(|| StoreError::Corrupt(format!("tipo de execução {k:?}")))
                    })
                    .transpose()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CANDIDATES;
    use sqlx::SqlitePool;

    async fn plan(pool: &SqlitePool) -> String {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {CANDIDATES}"))
                .fetch_all(pool)
                .await
                .unwrap();
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
    }

    /// 24,000 processes (2,000 clients x 12 months), 1 % waiting and a few needing
    /// attention: the scan reads the partial index alone, before and after ANALYZE.
    #[sqlx::test(migrator = "crate::sqlite::MIGRATOR")]
    async fn candidates_come_from_the_partial_index_alone(pool: SqlitePool) {
        let t = "2026-01-01T00:00:00.000000Z";
        sqlx::query(
            "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
             VALUES ('op', 'Vivo', 'vivo', 'VIVO', ?1, ?1)",
        )
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO clients (id, legal_name, cnpj, operator_id, unit, unit_key, created_at, updated_at)
             SELECT lower(hex(randomblob(16))), 'Cliente ' || i, '11222333000181', 'op', 'U' || i, 'u' || i, ?1, ?1 FROM n",
        )
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE m(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM m WHERE j < 12)
             INSERT INTO processes (id, client_id, operator_id, reference_month, status,
                                    needs_attention, created_at, updated_at)
             SELECT lower(hex(randomblob(16))), c.id, 'op', printf('2025-%02d', j),
                    CASE WHEN j = 12 AND CAST(substr(c.unit, 2) AS INTEGER) % 8 = 0
                         THEN 'AGUARDANDO_APROVACAO'
                         WHEN j = 12 THEN 'AGUARDANDO_DOWNLOAD' ELSE 'UPLOAD_REALIZADO' END,
                    j = 12 AND CAST(substr(c.unit, 2) AS INTEGER) % 100 = 1, ?1, ?1
             FROM clients c, m",
        )
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
        for _ in 0..2 {
            let p = plan(&pool).await;
            assert!(
                p.contains("USING COVERING INDEX processes_alerts"),
                "the alert scan must read only the partial index: {p}"
            );
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        }
        let found = super::candidates(&pool).await.unwrap();
        assert_eq!(found.len(), 250 + 20);
        assert_eq!(found.iter().filter(|c| c.waiting).count(), 250);
        assert_eq!(found.iter().filter(|c| c.needs_attention).count(), 20);
        assert!(found.iter().all(|c| c.version == 1));
    }
}
