//! An approval through the shared database's function (brm_approve, as the approver's own
//! login: the role check, the row lock, the state machine, the checks when four eyes are
//! on, the write and its audit event) beside the approval the desk makes today (the
//! store's conditional UPDATE with its audit event in one transaction, as the owner), on
//! the same prepared database of 20,000 clients × 24 months (480,000 processes and their
//! audit trail), same server, same TLS. Prints p50/p95; it is a benchmark, it never fails
//! on slowness. Run through scripts/bench-shared-approval.sh (the TLS test cluster).

use brm_core::audit::{Actor, AuditEvent};
use brm_core::process::ProcessStatus;
use brm_store::postgres::{shared, PgStore};
use brm_store::Store;
use chrono::Utc;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn figures(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(d[((d.len() as f64 * q).ceil() as usize).clamp(1, d.len()) - 1]);
    (at(0.5), at(0.95))
}

const CLIENTS: i64 = 20_000;
const MONTHS: i64 = 24;

/// 20,000 clients, 24 months each: the last month waits for approval, the others were
/// sent to SAT (with amounts, due dates and an APROVAR event each).
async fn seed(owner: &PgPool) {
    let operator = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
         VALUES ($1, 'Vivo', 'vivo', 'VIVO', now(), now())",
    )
    .bind(operator)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
         SELECT gen_random_uuid(), 'Cliente ' || i, lpad(i::text, 14, '0'), $1, now(), now()
         FROM generate_series(1, $2) i",
    )
    .bind(operator)
    .bind(CLIENTS)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO processes (id, client_id, operator_id, reference_month, status, amount, due_date,
                                payment_line_status, invoice_sha256, version, created_at, updated_at)
         SELECT gen_random_uuid(), c.id, c.operator_id, to_char(DATE '2025-01-01' + (m || ' months')::interval, 'YYYY-MM'),
                CASE WHEN m = $1 - 1 THEN 'AGUARDANDO_APROVACAO' ELSE 'UPLOAD_REALIZADO' END,
                100 + (abs(hashtext(c.id::text || m)) % 2000) / 100.0,
                DATE '2025-01-20' + (m || ' months')::interval + interval '400 days',
                'VALIDA', md5(c.id::text || m) || md5(m || c.id::text), 1, now(), now()
         FROM clients c, generate_series(0, $1 - 1) m",
    )
    .bind(MONTHS)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id)
         SELECT gen_random_uuid(), now(), NULL, 'Beatriz Aprovadora', 'APROVAR', 'processo', id
         FROM processes WHERE status = 'UPLOAD_REALIZADO'",
    )
    .execute(owner)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE").execute(owner).await.unwrap();
}

async fn waiting(owner: &PgPool, n: i64, skip: i64) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT id FROM processes WHERE status = 'AGUARDANDO_APROVACAO' ORDER BY id OFFSET $2 LIMIT $1",
    )
    .bind(n)
    .bind(skip)
    .fetch_all(owner)
    .await
    .unwrap()
}

/// `batch` approvals through brm_approve as the person, four eyes on or off.
async fn by_function(
    owner: &PgPool,
    person: &PgPool,
    four_eyes: bool,
    batch: i64,
    skip: i64,
) -> Vec<Duration> {
    sqlx::query(
        "INSERT INTO settings (key, value_json, updated_at) VALUES ('aprovacao.quatro_olhos', $1, now())
         ON CONFLICT (key) DO UPDATE SET value_json = EXCLUDED.value_json",
    )
    .bind(serde_json::Value::Bool(four_eyes))
    .execute(owner)
    .await
    .unwrap();
    let mut d = Vec::new();
    for id in waiting(owner, batch, skip).await {
        let t = Instant::now();
        sqlx::query("SELECT * FROM brm_approve($1, 1, NULL)")
            .bind(id)
            .execute(person)
            .await
            .unwrap();
        d.push(t.elapsed());
    }
    d.split_off(10)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    brm_store::postgres::tls::ensure_crypto_provider();
    let url = std::env::var("BRM_TEST_PG_OWNER_URL").expect("BRM_TEST_PG_OWNER_URL");
    let ca = std::env::var("BRM_TEST_PG_CA").expect("BRM_TEST_PG_CA");
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let base = PgConnectOptions::from_str(&url)
        .unwrap()
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(ca.as_str())
        .disable_statement_logging();
    let maintenance = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone())
        .await
        .unwrap();
    let db = format!("brm_bench_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&maintenance)
        .await
        .unwrap();
    let options = base.database(&db);
    let owner = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await
        .unwrap();
    shared::prepare(&owner).await.expect("prepare");
    let t = Instant::now();
    seed(&owner).await;
    let processes: i64 = sqlx::query_scalar("SELECT count(*) FROM processes")
        .fetch_one(&owner)
        .await
        .unwrap();
    println!(
        "Base: {processes} processos semeados em {:.0?}",
        t.elapsed()
    );

    let approver = Uuid::new_v4();
    let password = "senha-do-benchmark-1";
    sqlx::query("SELECT brm_create_person($1, 'bia@beg.com.br', 'Bia Aprovadora', NULL, 'APROVADOR', $2, NULL)")
        .bind(approver)
        .bind(shared::scram_verifier(password))
        .execute(&owner)
        .await
        .unwrap();
    let person = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .username(&shared::person_role(&db, "bia@beg.com.br"))
                .password(password),
        )
        .await
        .unwrap();
    let store = PgStore::from_pool(owner.clone());

    // Ten of each first, not counted (the plans, the caches).
    let batch = n + 10;
    // Today's path: the store's conditional UPDATE and its audit event, one transaction.
    let mut by_update = Vec::new();
    for id in waiting(&owner, batch, 0).await {
        let t = Instant::now();
        let mut p = store.process_by_id(id).await.unwrap().unwrap();
        let expected = p.version;
        p.status = ProcessStatus::AguardandoEnvioSat;
        p.approved_by = Some(approver);
        p.approved_at = Some(Utc::now());
        p.version += 1;
        let e = AuditEvent::new(
            Utc::now(),
            Actor::user(approver, "Bia Aprovadora"),
            "APROVAR",
            "processo",
        )
        .on(id);
        assert!(store.update_process(&p, expected, &e).await.unwrap());
        by_update.push(t.elapsed());
    }
    let by_update = by_update.split_off(10);
    let plain = by_function(&owner, &person, false, batch, batch).await;
    let checked = by_function(&owner, &person, true, batch, 2 * batch).await;

    println!(
        "Aprovação de uma fatura, {n} de cada, mesma base e mesmo servidor (TLS verify-full):"
    );
    println!("{:<62} {:>8} {:>8}", "caminho", "p50 ms", "p95 ms");
    for (label, d) in [
        (
            "hoje: leitura + UPDATE condicional + auditoria (dono)",
            by_update,
        ),
        (
            "brm_approve como a própria pessoa, quatro olhos desligado",
            plain,
        ),
        (
            "brm_approve como a própria pessoa, quatro olhos ligado",
            checked,
        ),
    ] {
        let (p50, p95) = figures(d);
        println!("{label:<62} {p50:>8.2} {p95:>8.2}");
    }
}
