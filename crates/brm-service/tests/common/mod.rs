//! The set-up the `Desk` integration tests share: a desk on a store, Ana the first
//! administrator, the other people (straight into the SQLite table or through the desk),
//! their sessions, an operator, clients, a temporary folder and a fresh PostgreSQL
//! database on the throw-away test cluster. Each test file uses part of it.
#![allow(dead_code)]

use brm_core::client::ClientInput;
use brm_core::clock::ManualClock;
use brm_core::operator::OperatorInput;
use brm_core::user::{NewAdminInput, NewUserInput};
use brm_core::Role;
use brm_service::{password, Desk};
use brm_store::sqlite::SqliteStore;
use brm_store::Store;
use chrono::{TimeZone, Utc};
use sqlx::{PgPool, SqlitePool};
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

/// Everybody's password in these tests.
pub const PW: &str = "senha-forte-do-admin";

/// A clock the test moves, at this UTC minute.
pub fn clock_at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap(),
    ))
}

/// The store on the test's SQLite database.
pub fn sqlite_store(pool: &SqlitePool) -> Arc<dyn Store> {
    Arc::new(SqliteStore::from_pool(pool.clone()))
}

/// Ana Administradora, the first administrator, with this password.
pub fn admin_input(password: &str) -> NewAdminInput {
    NewAdminInput {
        full_name: "Ana Administradora".into(),
        email: "ana@beg.com.br".into(),
        password: password.into(),
        password_confirmation: password.into(),
    }
}

/// A session token for this person.
pub async fn login(desk: &Desk, email: &str) -> String {
    desk.login(email, PW.into()).await.unwrap().token
}

/// Creates Ana as the first administrator and logs her in: her token.
pub async fn first_admin(desk: &Desk) -> String {
    desk.create_first_admin(admin_input(PW)).await.unwrap();
    login(desk, "ana@beg.com.br").await
}

/// Adds a user of any role straight into the SQLite table, with the password `PW`.
pub async fn insert_user(pool: &SqlitePool, name: &str, email: &str, role: Role) {
    let hash = password::hash_blocking(PW).unwrap();
    sqlx::query(
        "INSERT INTO users (id, full_name, email, role, password_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(name)
    .bind(email)
    .bind(role.as_str())
    .bind(hash)
    .execute(pool)
    .await
    .unwrap();
}

/// Adds Bruno and Carla (APROVADOR) and Davi (OPERADOR) straight into the SQLite table.
pub async fn insert_team(pool: &SqlitePool) {
    insert_user(pool, "Bruno Aprovador", "bruno@beg.com.br", Role::Aprovador).await;
    insert_user(
        pool,
        "Carla Aprovadora",
        "carla@beg.com.br",
        Role::Aprovador,
    )
    .await;
    insert_user(pool, "Davi Operador", "davi@beg.com.br", Role::Operador).await;
}

/// Creates a user through the desk, as the administrator does, with the password `PW`.
pub async fn create_user(desk: &Desk, admin: &str, name: &str, email: &str, role: Role) {
    desk.create_user(
        admin,
        NewUserInput {
            full_name: name.into(),
            email: email.into(),
            phone: None,
            role: Some(role),
            password: PW.into(),
            password_confirmation: PW.into(),
        },
    )
    .await
    .unwrap();
}

/// Creates an operator (name, code, whether a robot serves it): its id.
pub async fn add_operator(desk: &Desk, admin: &str, name: &str, code: &str, has_rpa: bool) -> Uuid {
    desk.create_operator(
        admin,
        OperatorInput {
            name: name.into(),
            code: code.into(),
            has_rpa,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// Creates a client of this operator with just a legal name and a CNPJ: its id.
pub async fn add_client(desk: &Desk, admin: &str, name: &str, cnpj: &str, operator: Uuid) -> Uuid {
    desk.create_client(
        admin,
        ClientInput {
            legal_name: name.into(),
            cnpj: cnpj.into(),
            operator_id: Some(operator),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// A valid CNPJ from a number (check digits computed).
pub fn cnpj(n: u64) -> String {
    let base: Vec<u32> = format!("{:08}0001", n % 100_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let dv = |digits: &[u32], weights: &[u32]| {
        let s: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
        if s % 11 < 2 {
            0
        } else {
            11 - s % 11
        }
    };
    let mut all = base.clone();
    all.push(dv(&base, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
    let d2 = dv(&all, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    all.push(d2);
    all.iter().map(|d| d.to_string()).collect()
}

/// Creates every client's process of each month, as the administrator.
pub async fn create_months(desk: &Desk, admin: &str, months: &[&str]) {
    for m in months {
        desk.create_month_processes(admin, m, None).await.unwrap();
    }
}

/// SQLite: the identity a robot's invoice of the process's own month and client says it
/// has (month and the client's CNPJ), for fixtures that set invoices by SQL.
pub const IDENTITY_SQL: &str = "json_object('reference_month', processes.reference_month,
    'cnpjs', json_array((SELECT replace(replace(replace(c.cnpj, '.', ''), '/', ''), '-', '')
                         FROM clients c WHERE c.id = processes.client_id)))";

/// Puts a client's process of `month` in `status` with an invoice and these values
/// (SQL, as the robot would have left it; the version does not move). The amount's
/// source is the payment line when there is an amount.
pub async fn set_invoice(
    pool: &SqlitePool,
    client: Uuid,
    month: &str,
    status: brm_core::process::ProcessStatus,
    (amount_cents, due, line): (Option<i64>, Option<&str>, Option<&str>),
) {
    sqlx::query(&format!(
        "UPDATE processes SET status = ?, amount_cents = ?, due_date = ?,
                amount_source = CASE WHEN ? IS NULL THEN NULL ELSE 'LINHA_DIGITAVEL' END,
                invoice_sha256 = lower(hex(randomblob(32))), payment_line_status = ?,
                invoice_identity = {IDENTITY_SQL}
         WHERE client_id = ? AND reference_month = ?"
    ))
    .bind(status.as_str())
    .bind(amount_cents)
    .bind(due)
    .bind(amount_cents)
    .bind(line)
    .bind(client.to_string())
    .bind(month)
    .execute(pool)
    .await
    .unwrap();
}

/// Gives a client a November 2026 invoice that passes every check: three earlier months
/// of R$ 100,00 already sent, then R$ 105,00 due on 20/11 with a valid payment line
/// (the tests' clocks say early November).
pub async fn passing_history(desk: &Desk, admin: &str, pool: &SqlitePool, client: Uuid) {
    use brm_core::process::ProcessStatus;
    create_months(desk, admin, &["2026-08", "2026-09", "2026-10", "2026-11"]).await;
    for (m, due) in [
        ("2026-08", "2026-08-20"),
        ("2026-09", "2026-09-20"),
        ("2026-10", "2026-10-20"),
    ] {
        let values = (Some(10_000), Some(due), Some("VALIDA"));
        set_invoice(pool, client, m, ProcessStatus::UploadRealizado, values).await;
    }
    let values = (Some(10_500), Some("2026-11-20"), Some("VALIDA"));
    set_invoice(
        pool,
        client,
        "2026-11",
        ProcessStatus::AguardandoAprovacao,
        values,
    )
    .await;
}

/// A client's process of `month`, read through the store.
pub async fn process_of(
    store: &dyn Store,
    pool: &SqlitePool,
    client: Uuid,
    month: &str,
) -> brm_core::process::Process {
    let id: String =
        sqlx::query_scalar("SELECT id FROM processes WHERE client_id = ? AND reference_month = ?")
            .bind(client.to_string())
            .bind(month)
            .fetch_one(pool)
            .await
            .unwrap();
    store
        .process_by_id(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
}

/// A folder under the system's temporary folder, removed when dropped.
pub struct TempFolder(pub PathBuf);

impl TempFolder {
    pub fn new(prefix: &str) -> Self {
        Self(std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4())))
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh database on the test cluster that scripts/test.sh starts and names in
/// BRM_TEST_POSTGRES_URL. Without that variable: None (the test says so and passes),
/// unless CI or BRM_REQUIRE_POSTGRES demands PostgreSQL.
pub async fn fresh_postgres_url() -> Option<String> {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
        }
        eprintln!("PostgreSQL tests skipped: BRM_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = PgPool::connect(&url)
        .await
        .expect("connect to the test cluster");
    let name = format!("brm_test_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    Some(format!("{base}/{name}"))
}

/// This desk's own robot identity, registered approved, so it can seal portal passwords
/// on PostgreSQL (where an administrator approves machines in Configurações → Máquinas
/// robô; on SQLite the desk does it by itself).
pub async fn approve_this_machine(desk: &Desk) {
    let identity = desk.secrets().robot_identity_or_create().unwrap();
    desk.store()
        .robot_machine_hello(&brm_core::robot_machine::MachineHello {
            id: Uuid::new_v4(),
            name: "robo-de-teste".into(),
            host: "teste".into(),
            public_key: identity.public_key(),
            fingerprint: identity.fingerprint(),
            at: Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
            approve: true,
        })
        .await
        .unwrap();
}
