//! How each database answers the outbox's two questions once it holds a year of mail
//! (20,000 messages, almost all of them sent long ago, about 100 still open): the
//! sender's claim ("what is due now?") and Diagnóstico's list. The plans are printed,
//! not timed:
//!
//!     cargo test -p brm-store --test email_plans -- --nocapture
//!
//! (PostgreSQL's with BRM_TEST_POSTGRES_URL set, as scripts/test.sh does.) Asserted: the
//! claim reads the partial index `email_outbox_due` and never the whole table. The claim
//! explained is the very statement the stores run, read out of their source.

// The message builder and the processes of the e-mail cases; the rest is not used here.
#[allow(dead_code, unused_imports, unused_macros)]
mod suite;

use brm_core::email::{OutboxMessage, OutboxRule};
use brm_store::postgres::PgStore;
use brm_store::sqlite::SqliteStore;
use brm_store::Store;
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

const MESSAGES: i64 = 20_000;
/// One in this many is still open (PENDENTE); the rest were sent.
const OPEN_EVERY: i64 = 200;

/// The claim's UPDATE as `source` (a store's email.rs) writes it, returning only the id.
fn claim_sql(source: &str) -> String {
    let start = source
        .find("\"UPDATE email_outbox SET state = 'ENVIANDO'")
        .expect("the claim's UPDATE in the store's email.rs: update this test with it")
        + 1;
    let len = source[start..].find('"').unwrap();
    let sql = source[start..start + len].replace("{ALL_COLUMNS}", "id");
    assert!(sql.contains("RETURNING id"), "{sql}");
    sql
}

/// Diagnóstico's list as the stores build it (`list` in email.rs): `filter` after
/// `WHERE true`, newest first, at most 100.
fn list_sql(filter: &str) -> String {
    format!(
        "SELECT id, rule, recipient_email, recipient_name, process_id, subject, state, attempts,
                next_attempt_at, last_error, created_at, sent_at
         FROM email_outbox WHERE 1 = 1 {filter} ORDER BY created_at DESC, id LIMIT 100"
    )
}

/// Messages of about 200 days, one every 15 minutes up to `now`, about `processes`.
fn year_of_mail(now: DateTime<Utc>, processes: &[Uuid]) -> Vec<OutboxMessage> {
    (0..MESSAGES)
        .map(|i| {
            let created = now - Duration::minutes(15 * (MESSAGES - i));
            let rule = [
                OutboxRule::Resumo,
                OutboxRule::Lembrete,
                OutboxRule::Escalonamento,
                OutboxRule::Lembrete,
            ][(i % 4) as usize];
            let mut m = suite::email::message(
                rule,
                &format!("m{i}"),
                &format!("pessoa{}@beg.com.br", i % 40),
                created.date_naive(),
                created,
            );
            m.recipient_name = Some(format!("Pessoa {}", i % 40));
            if rule != OutboxRule::Resumo {
                m.process_id = Some(processes[(i as usize) % processes.len()]);
            }
            m
        })
        .collect()
}

async fn fill(store: &dyn Store, now: DateTime<Utc>) -> Uuid {
    let processes = suite::email::processes(store, 50).await;
    let mail = year_of_mail(now, &processes);
    for chunk in mail.chunks(1_000) {
        assert_eq!(
            store.enqueue_emails(chunk).await.unwrap(),
            chunk.len() as u64
        );
    }
    processes[7]
}

fn show(title: &str, sql: &str, plan: &str) {
    let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    println!("\n--- {title}\n{sql}\n{plan}");
}

/// SQLite's EXPLAIN QUERY PLAN, one step a line, indented under its parent.
async fn sqlite_plan(pool: &SqlitePool, sql: &str, binds: &[String]) -> String {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(pool).await.unwrap();
    let depth = |mut parent: i64| {
        let mut d = 0;
        while let Some(r) = rows.iter().find(|r| r.0 == parent) {
            d += 1;
            parent = r.1;
        }
        d
    };
    rows.iter()
        .map(|r| format!("{}{}", "  ".repeat(depth(r.1)), r.3))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn sqlite_claim_reads_the_due_index() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("brm.sqlite3").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    let now = suite::t0();
    let process = fill(&store, now).await;
    let pool = store.pool();
    sqlx::query(&format!(
        "UPDATE email_outbox SET state = 'ENVIADO', sent_at = created_at, next_attempt_at = NULL,
                attempts = 1
         WHERE rowid % {OPEN_EVERY} <> 0"
    ))
    .execute(pool)
    .await
    .unwrap();

    let claim = claim_sql(include_str!("../src/sqlite/email.rs"));
    let ts = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let binds = [
        "robo-1".to_string(),
        ts(now + Duration::minutes(5)),
        ts(now),
        "50".to_string(),
    ];
    for analysed in [false, true] {
        let when = if analysed {
            "after ANALYZE"
        } else {
            "no statistics"
        };
        let plan = sqlite_plan(pool, &claim, &binds).await;
        show(&format!("SQLite, claim ({when})"), &claim, &plan);
        assert!(
            plan.contains("INDEX email_outbox_due"),
            "the claim must read the partial index email_outbox_due:\n{plan}"
        );
        for line in plan.lines().map(str::trim) {
            assert!(
                !line.starts_with("SCAN email_outbox") || line.contains("INDEX"),
                "the claim scans the whole outbox:\n{plan}"
            );
        }
        for (title, filter) in [
            ("Diagnóstico, no filter", String::new()),
            ("state = FALHOU", "AND state = 'FALHOU'".into()),
            (
                "one process (process screen)",
                format!("AND process_id = '{process}'"),
            ),
            (
                "text 'pessoa7'",
                "AND (lower(recipient_email) LIKE '%pessoa7%' ESCAPE '\\'
                      OR lower(coalesce(recipient_name, '')) LIKE '%pessoa7%' ESCAPE '\\'
                      OR lower(subject) LIKE '%pessoa7%' ESCAPE '\\')"
                    .into(),
            ),
        ] {
            let sql = list_sql(&filter);
            let plan = sqlite_plan(pool, &sql, &[]).await;
            show(
                &format!("SQLite, outbox list: {title} ({when})"),
                &sql,
                &plan,
            );
        }
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
    }
    // And the claim takes exactly the open messages that are due.
    let open = MESSAGES / OPEN_EVERY;
    let got = store
        .claim_emails("robo-1", now, now + Duration::minutes(5), 500)
        .await
        .unwrap();
    assert_eq!(got.len() as i64, open);
}

#[tokio::test]
async fn postgres_claim_reads_the_due_index() {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
        }
        eprintln!("PostgreSQL plans skipped: BRM_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin = PgPool::connect(&url).await.unwrap();
    let name = format!("brm_plans_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = PgStore::connect(&format!("{base}/{name}")).await.unwrap();
    let now = suite::t0();
    let process = fill(&store, now).await;
    let pool = store.pool();
    sqlx::query(&format!(
        "UPDATE email_outbox SET state = 'ENVIADO', sent_at = created_at, next_attempt_at = NULL,
                attempts = 1
         WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (ORDER BY created_at) AS n
                                      FROM email_outbox) x
                      WHERE n % {OPEN_EVERY} <> 0)"
    ))
    .execute(pool)
    .await
    .unwrap();
    // What autovacuum does on its own in time, done now so the plan does not depend on
    // when it last ran.
    sqlx::query("VACUUM ANALYZE email_outbox")
        .execute(pool)
        .await
        .unwrap();

    let claim = claim_sql(include_str!("../src/postgres/email.rs"));
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {claim}"))
        .bind("robo-1")
        .bind(now + Duration::minutes(5))
        .bind(now)
        .bind(50_i64)
        .fetch_all(pool)
        .await
        .unwrap();
    let plan = plan.join("\n");
    show("PostgreSQL, claim (after VACUUM ANALYZE)", &claim, &plan);
    assert!(
        plan.contains("email_outbox_due"),
        "the claim must read the partial index email_outbox_due:\n{plan}"
    );
    assert!(
        !plan.contains("Seq Scan on email_outbox"),
        "the claim scans the whole outbox:\n{plan}"
    );
    for (title, filter) in [
        ("Diagnóstico, no filter", String::new()),
        ("state = FALHOU", "AND state = 'FALHOU'".into()),
        (
            "one process (process screen)",
            format!("AND process_id = '{process}'"),
        ),
        (
            "text 'pessoa7'",
            "AND (lower(recipient_email) LIKE '%pessoa7%' OR lower(coalesce(recipient_name, '')) LIKE '%pessoa7%'
                  OR lower(subject) LIKE '%pessoa7%')"
                .into(),
        ),
    ] {
        let sql = list_sql(&filter);
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
            .fetch_all(pool)
            .await
            .unwrap();
        show(
            &format!("PostgreSQL, outbox list: {title}"),
            &sql,
            &plan.join("\n"),
        );
    }
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE state = 'PENDENTE'")
            .fetch_one(pool)
            .await
            .unwrap();
    let got = store
        .claim_emails("robo-1", now, now + Duration::minutes(5), 500)
        .await
        .unwrap();
    assert_eq!((open, got.len() as i64), (MESSAGES / OPEN_EVERY, open));
}
