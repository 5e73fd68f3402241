//! Exports of the lists (CSV and XLSX) and the dashboard, through `Desk` on SQLite.

use brm_core::client::ClientInput;
use brm_core::clock::ManualClock;
use brm_core::operator::OperatorInput;
use brm_core::user::NewAdminInput;
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{password, Desk};
use brm_store::sqlite::SqliteStore;
use brm_store::Store;
use calamine::{Data, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use serde_json::json;
use sqlx::SqlitePool;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

const PW: &str = "senha-forte-do-admin";

struct Office {
    desk: Desk,
    admin: String,
    operador: String,
    vivo: Uuid,
}

async fn office(pool: &SqlitePool) -> Office {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 29, 17, 3, 0).unwrap(),
    ));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::from_pool(pool.clone()));
    let desk = Desk::with_clock(store, clock)
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    desk.create_first_admin(NewAdminInput {
        full_name: "Ana Administradora".into(),
        email: "ana@beg.com.br".into(),
        password: PW.into(),
        password_confirmation: PW.into(),
    })
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (id, full_name, email, role, password_hash, created_at, updated_at)
         VALUES (?, 'Davi Operador', 'davi@beg.com.br', ?, ?, '2026-01-01T00:00:00.000000Z',
                 '2026-01-01T00:00:00.000000Z')",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(Role::Operador.as_str())
    .bind(password::hash_blocking(PW).unwrap())
    .execute(pool)
    .await
    .unwrap();
    let admin = desk.login("ana@beg.com.br", PW.into()).await.unwrap().token;
    let operador = desk
        .login("davi@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;
    let vivo = desk
        .create_operator(
            &admin,
            OperatorInput {
                name: "Vivo".into(),
                code: "VIVO".into(),
                has_rpa: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    Office {
        desk,
        admin,
        operador,
        vivo,
    }
}

async fn add_client(o: &Office, name: &str, cnpj: &str, unit: &str) {
    o.desk
        .create_client(
            &o.admin,
            ClientInput {
                hash: Some(format!("H-{unit}")),
                legal_name: name.into(),
                cnpj: cnpj.into(),
                operator_id: Some(o.vivo),
                unit: Some(unit.into()),
                service: Some("Internet".into()),
                portal_login: Some("login@cliente.com.br".into()),
                portal_password: Some("segredo-do-portal".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// Two clients, November created, one invoice waiting for approval with amount and due date.
async fn fixture(pool: &SqlitePool) -> Office {
    let o = office(pool).await;
    add_client(&o, "Alfa Comércio Ltda", "10141561000164", "Cuiabá").await;
    add_client(&o, "Beta; \"Serviços\" S/A", "13878375000109", "Sinop").await;
    o.desk
        .create_month_processes(&o.admin, "2026-11", None)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', amount_cents = 123456,
                due_date = '2026-12-10'
         WHERE client_id = (SELECT id FROM clients WHERE legal_name LIKE 'Alfa%')",
    )
    .execute(pool)
    .await
    .unwrap();
    o
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn csv_export_is_excel_pt_br(pool: SqlitePool) {
    let o = fixture(&pool).await;
    let out = o
        .desk
        .export_list(
            &o.admin,
            "processos",
            json!({"month": "2026-11", "page": 3, "page_size": 1}),
            "csv",
        )
        .await
        .unwrap();
    assert_eq!(out.file_name, "processos-2026-11-29-1403.csv");
    assert_eq!(out.rows, 2);
    let text = String::from_utf8(out.bytes).unwrap();
    let expected = "\u{feff}Mês de referência;Cliente;CNPJ;HASH;Operadora;Situação;Valor (R$);Vencimento;Tentativas de download;Tentativas de envio ao SAT;Precisa de atenção;Atualizado em\r\n\
11/2026;Alfa Comércio Ltda;10.141.561/0001-64;H-Cuiabá;Vivo;Aguardando aprovação;1.234,56;10/12/2026;0;0;Não;29/11/2026 14:03\r\n\
11/2026;\"Beta; \"\"Serviços\"\" S/A\";13.878.375/0001-09;H-Sinop;Vivo;Aguardando download;;;0;0;Não;29/11/2026 14:03\r\n";
    assert_eq!(text, expected);

    // A filter is honoured; the approval list is only what waits for approval.
    let one = o
        .desk
        .export_list(&o.admin, "processos", json!({"search": "beta"}), "csv")
        .await
        .unwrap();
    assert_eq!(one.rows, 1);
    let queue = o
        .desk
        .export_list(&o.admin, "aprovacao", json!({"month": "2026-11"}), "csv")
        .await
        .unwrap();
    assert_eq!(queue.rows, 1);
    assert!(String::from_utf8(queue.bytes).unwrap().contains("Alfa"));

    // Clients: whether a password is stored, never the password.
    let clients = o
        .desk
        .export_list(&o.admin, "clientes", serde_json::Value::Null, "csv")
        .await
        .unwrap();
    let text = String::from_utf8(clients.bytes).unwrap();
    assert_eq!(clients.rows, 2);
    assert!(text.contains("Senha cadastrada") && text.contains(";Sim;"));
    assert!(!text.contains("segredo-do-portal") && !text.contains("v1:"));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn xlsx_export_has_numbers_dates_and_a_header(pool: SqlitePool) {
    let o = fixture(&pool).await;
    let out = o
        .desk
        .export_list(&o.admin, "processos", json!({"month": "2026-11"}), "XLSX")
        .await
        .unwrap();
    assert_eq!(out.file_name, "processos-2026-11-29-1403.xlsx");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(out.bytes)).unwrap();
    let range = book.worksheet_range("Processos").unwrap();
    assert_eq!(range.height(), 3);
    assert_eq!(
        range.get((0, 0)),
        Some(&Data::String("Mês de referência".into()))
    );
    assert_eq!(range.get((0, 6)), Some(&Data::String("Valor (R$)".into())));
    assert_eq!(
        range.get((1, 1)),
        Some(&Data::String("Alfa Comércio Ltda".into()))
    );
    assert_eq!(range.get((1, 6)), Some(&Data::Float(1234.56)));
    match range.get((1, 7)) {
        Some(Data::DateTime(d)) => {
            // Excel's serial day number (days since 30/12/1899).
            let serial = (chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
                - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
            .num_days() as f64;
            assert_eq!(d.as_f64(), serial);
        }
        other => panic!("due date is not a date: {other:?}"),
    }
    // No amount: an empty cell, not zero.
    assert_eq!(range.get((2, 6)), Some(&Data::Empty));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn exports_check_the_role_and_the_input(pool: SqlitePool) {
    let o = fixture(&pool).await;
    let e = o
        .desk
        .export_list(&o.operador, "usuarios", json!({}), "csv")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let users = o
        .desk
        .export_list(&o.admin, "usuarios", json!({}), "xlsx")
        .await
        .unwrap();
    assert_eq!(users.rows, 2);
    let e = o
        .desk
        .export_list(&o.admin, "faturas", json!({}), "csv")
        .await
        .unwrap_err();
    assert!(e.message.contains("Lista desconhecida"), "{}", e.message);
    let e = o
        .desk
        .export_list(&o.admin, "processos", json!({}), "pdf")
        .await
        .unwrap_err();
    assert!(e.message.contains("CSV ou XLSX"), "{}", e.message);
    let e = o
        .desk
        .export_list(&o.admin, "processos", json!({"month": "13/2026"}), "csv")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let e = o
        .desk
        .export_list(&o.admin, "processos", json!({"page_size": "muitos"}), "csv")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("Filtro da lista inválido"),
        "{}",
        e.message
    );
    let e = o
        .desk
        .export_list("token-invalido", "processos", json!({}), "csv")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    for list in ["execucoes", "operadoras"] {
        o.desk
            .export_list(&o.operador, list, json!({}), "xlsx")
            .await
            .unwrap();
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn dashboard_for_the_month(pool: SqlitePool) {
    let o = fixture(&pool).await;
    // Default: the current month in Brasília; any role.
    let d = o.desk.dashboard(&o.operador, None).await.unwrap();
    assert_eq!(d.month, "2026-11");
    assert_eq!(d.months, vec!["2026-11".to_string()]);
    assert_eq!(d.counts.total, 2);
    assert_eq!(d.counts.counts.aguardando_aprovacao, 1);
    assert_eq!(d.by_operator.len(), 1);
    assert_eq!(d.by_operator[0].operator_name, "Vivo");
    assert_eq!(d.by_operator[0].total, 2);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["counts"]["total"], 2);
    assert_eq!(json["by_operator"][0]["aguardando_download"], 1);
    let oct = o
        .desk
        .dashboard(&o.admin, Some("2026-10".into()))
        .await
        .unwrap();
    assert_eq!(oct.counts.total, 0);
    assert_eq!(oct.by_operator[0].sem_processo, 2);
    let e = o
        .desk
        .dashboard(&o.admin, Some("outubro".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(o.desk.dashboard("x", None).await.is_err());
}

/// 5,000 processes to CSV and XLSX: prints the time (a figure, not a limit beyond a
/// generous sanity bound).
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn export_of_5000_processes(pool: SqlitePool) {
    let o = office(&pool).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
         INSERT INTO clients (id, hash, legal_name, cnpj, operator_id, unit, unit_key, search_text,
                              created_at, updated_at)
         SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' ||
                hex(randomblob(6))),
                'H' || i, 'Cliente ' || i, '10141561000164', ?, 'U' || i, 'u' || i, 'cliente ' || i,
                '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
         FROM n",
    )
    .bind(o.vivo.to_string())
    .execute(&pool)
    .await
    .unwrap();
    o.desk
        .create_month_processes(&o.admin, "2026-11", None)
        .await
        .unwrap();
    sqlx::query("UPDATE processes SET amount_cents = 9990, due_date = '2026-12-05'")
        .execute(&pool)
        .await
        .unwrap();
    for format in ["csv", "xlsx"] {
        let t = Instant::now();
        let out = o
            .desk
            .export_list(&o.admin, "processos", json!({"month": "2026-11"}), format)
            .await
            .unwrap();
        let took = t.elapsed();
        assert_eq!(out.rows, 5000);
        println!(
            "export of 5,000 processes to {format}: {took:?} ({} bytes)",
            out.bytes.len()
        );
        assert!(took.as_secs() < 60);
    }
}
