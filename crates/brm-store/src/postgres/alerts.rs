//! The desktop notifications' reads (issue 6): which processes wait for approval or need
//! attention, from the partial index of migration 0008 (an index-only scan), and what a
//! notification shows of a few of them, in one query.

use super::processes::{decode, COLUMNS};
use crate::{AlertCandidate, AlertDetail, StoreError, StoreResult};
use brm_core::execution::ExecutionKind;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// The WHERE of the partial index `processes_alerts`, so the planner can prove it applies.
const CANDIDATES: &str =
    "SELECT id, version, status = 'AGUARDANDO_APROVACAO' AS waiting, needs_attention
     FROM processes
     WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention";

pub async fn candidates(pool: &PgPool) -> StoreResult<Vec<AlertCandidate>> {
    let rows = sqlx::query(CANDIDATES).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(AlertCandidate {
                id: r.try_get("id")?,
                version: r.try_get("version")?,
                waiting: r.try_get("waiting")?,
                needs_attention: r.try_get("needs_attention")?,
            })
        })
        .collect()
}

/// The ids travel as one uuid[]; each last failure is one probe of executions_process
/// (process_id, created_at).
pub async fn details(pool: &PgPool, ids: &[Uuid]) -> StoreResult<Vec<AlertDetail>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, c.legal_name AS client_name, o.name AS operator_name,
                f.error AS last_error, f.kind AS last_error_kind
         FROM processes p JOIN clients c ON c.id = p.client_id
              JOIN operators o ON o.id = p.operator_id
              LEFT JOIN LATERAL (
                  SELECT e.error, e.kind FROM executions e
                  WHERE e.process_id = p.id AND e.error_class IS NOT NULL
                  ORDER BY e.created_at DESC, e.id DESC LIMIT 1) f ON true
         WHERE p.id = ANY($1)"
    ))
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
    use sqlx::PgPool;

    /// A fresh database on the test cluster (BRM_TEST_POSTGRES_URL), migrated; None
    /// when there is none, unless the run demands PostgreSQL (CI, BRM_REQUIRE_POSTGRES).
    async fn fresh_pool() -> Option<PgPool> {
        let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
            if std::env::var_os("CI").is_some()
                || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some()
            {
                panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
            }
            eprintln!("PostgreSQL tests skipped: BRM_TEST_POSTGRES_URL is not set");
            return None;
        };
        let admin = PgPool::connect(&url).await.unwrap();
        let name = format!("brm_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (base, _) = url.rsplit_once('/').unwrap();
        let pool = PgPool::connect(&format!("{base}/{name}")).await.unwrap();
        crate::postgres::MIGRATOR.run(&pool).await.unwrap();
        Some(pool)
    }

    /// 24,000 processes (2,000 clients x 12 months), about 1 % waiting and a few needing
    /// attention, analysed: the planner proves the partial index applies and reads it
    /// alone (index-only scan after VACUUM), never the whole table.
    #[tokio::test]
    async fn candidates_come_from_the_partial_index_alone() {
        let Some(pool) = fresh_pool().await else {
            return;
        };
        sqlx::query(
            "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'Vivo', 'vivo', 'VIVO', now(), now())",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO clients (id, legal_name, cnpj, operator_id, unit, unit_key, created_at, updated_at)
             SELECT gen_random_uuid(), 'Cliente ' || i, '11222333000181',
                    '00000000-0000-4000-8000-000000000001', 'U' || i, 'u' || i, now(), now()
             FROM generate_series(1, 2000) i",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO processes (id, client_id, operator_id, reference_month, status,
                                    needs_attention, created_at, updated_at)
             SELECT gen_random_uuid(), c.id, c.operator_id, '2025-' || lpad(j::text, 2, '0'),
                    CASE WHEN j = 12 AND substr(c.unit, 2)::int % 8 = 0 THEN 'AGUARDANDO_APROVACAO'
                         WHEN j = 12 THEN 'AGUARDANDO_DOWNLOAD' ELSE 'UPLOAD_REALIZADO' END,
                    j = 12 AND substr(c.unit, 2)::int % 100 = 1, now(), now()
             FROM clients c, generate_series(1, 12) j",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("VACUUM ANALYZE processes")
            .execute(&pool)
            .await
            .unwrap();
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {CANDIDATES}"))
            .fetch_all(&pool)
            .await
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("Index Only Scan using processes_alerts"),
            "the alert scan must read only the partial index:\n{plan}"
        );
        assert!(!plan.contains("Seq Scan"), "{plan}");
        let store = crate::postgres::PgStore::from_pool(pool);
        let found = crate::Store::alert_candidates(&store).await.unwrap();
        assert_eq!(found.len(), 250 + 20);
        assert_eq!(found.iter().filter(|c| c.waiting).count(), 250);
        assert_eq!(found.iter().filter(|c| c.needs_attention).count(), 20);
    }
}
