//! Exports of the lists (CSV and XLSX) and the dashboard, through `Desk` on SQLite.

mod common;

use brm_core::client::ClientInput;
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::Desk;
use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use sqlx::SqlitePool;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

struct Office {
    desk: Desk,
    admin: String,
    operador: String,
    vivo: Uuid,
}

async fn office(pool: &SqlitePool) -> Office {
    let desk = Desk::with_clock(
        common::sqlite_store(pool),
        common::clock_at(2026, 11, 29, 17, 3),
    )
    .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    common::insert_user(pool, "Davi Operador", "davi@beg.com.br", Role::Operador).await;
    let operador = common::login(&desk, "davi@beg.com.br").await;
    let vivo = common::add_operator(&desk, &admin, "Vivo", "VIVO", true).await;
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

/// One robot run that timed out on Alfa's process.
async fn add_execution(pool: &SqlitePool) {
    sqlx::query(
        "INSERT INTO executions (id, process_id, kind, status, progress, attempt, error,
                                 triggered_by, created_at, updated_at)
         SELECT ?, id, 'DOWNLOAD_FATURA', 'TIMEOUT', 40, 2, 'O portal não respondeu.',
                'agendamento', '2026-11-29T12:00:00.000000Z', '2026-11-29T12:00:00.000000Z'
         FROM processes
         WHERE client_id = (SELECT id FROM clients WHERE legal_name LIKE 'Alfa%')",
    )
    .bind(Uuid::new_v4().to_string())
    .execute(pool)
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

    // Roles, execution kinds and statuses in the window's words, never wire values.
    let users = o
        .desk
        .export_list(&o.admin, "usuarios", json!({}), "csv")
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(users.bytes).unwrap(),
        "\u{feff}Nome;E-mail;Telefone;Perfil;Ativo;Bloqueado;Último acesso\r\n\
Ana Administradora;ana@beg.com.br;;Administrador;Sim;Não;29/11/2026 14:03\r\n\
Davi Operador;davi@beg.com.br;;Operador;Sim;Não;29/11/2026 14:03\r\n"
    );
    add_execution(&pool).await;
    let runs = o
        .desk
        .export_list(&o.admin, "execucoes", json!({"month": "2026-11"}), "csv")
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(runs.bytes).unwrap(),
        "\u{feff}Criada em;Cliente;Operadora;Mês de referência;Tipo;Situação;Progresso (%);Tentativa;Job do robô;Iniciada em;Concluída em;Erro;Disparada por\r\n\
29/11/2026 09:00;Alfa Comércio Ltda;Vivo;11/2026;Download da fatura;Tempo esgotado;40;2;;;;O portal não respondeu.;agendamento\r\n"
    );
}

/// The approval desk's queue with two invoices: Alfa (values read from the invoice,
/// a first approval by Ana) and Beta (uploaded by hand by Davi, overdue, a bad payment
/// line, values typed and from the robot).
async fn approval_fixture(pool: &SqlitePool) -> Office {
    let o = fixture(pool).await;
    sqlx::query(&format!(
        "UPDATE processes SET amount_source = 'LINHA_DIGITAVEL', due_date_source = 'TEXTO_DA_FATURA',
                payment_line_status = 'VALIDA', invoice_identity = {},
                first_approved_by = (SELECT id FROM users WHERE email = 'ana@beg.com.br'),
                first_approved_at = '2026-11-28T15:00:00.000000Z'
         WHERE client_id = (SELECT id FROM clients WHERE legal_name LIKE 'Alfa%')",
        common::IDENTITY_SQL
    ))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', amount_cents = 50000,
                due_date = '2026-11-20', amount_source = 'DIGITADO', due_date_source = 'ROBO',
                payment_line_status = 'INVALIDA', payment_line_reason = 'Dígito verificador errado.',
                manual_upload = 1,
                uploaded_by = (SELECT id FROM users WHERE email = 'davi@beg.com.br')
         WHERE client_id = (SELECT id FROM clients WHERE legal_name LIKE 'Beta%')",
    )
    .execute(pool)
    .await
    .unwrap();
    o
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn approval_export_is_the_desk_queue_in_its_order(pool: SqlitePool) {
    let o = approval_fixture(&pool).await;
    // Exactly what Approvals.jsx sends to list_approval_queue and to the export.
    let screen = json!({"month": null, "operator_id": null, "search": null,
                        "sort": "vencimento", "descending": false});
    let out = o
        .desk
        .export_list(&o.admin, "aprovacao", screen, "csv")
        .await
        .unwrap();
    assert_eq!(out.file_name, "aprovacao-2026-11-29-1403.csv");
    assert_eq!(out.rows, 2);
    let header = "\u{feff}Mês de referência;Cliente;CNPJ;HASH;Operadora;Situação;Valor (R$);Vencimento;Tentativas de download;Tentativas de envio ao SAT;Precisa de atenção;Atualizado em;Verificações;Fonte do valor;Fonte do vencimento;1ª aprovação;Envio manual por\r\n";
    let beta = "11/2026;\"Beta; \"\"Serviços\"\" S/A\";13.878.375/0001-09;H-Sinop;Vivo;Aguardando aprovação;500,00;20/11/2026;0;0;Não;29/11/2026 14:03;Falhou: Vencimento, Linha digitável (1 OK, 2 sem dados);Digitado;Robô;;Davi Operador\r\n";
    let alfa = "11/2026;Alfa Comércio Ltda;10.141.561/0001-64;H-Cuiabá;Vivo;Aguardando aprovação;1.234,56;10/12/2026;0;0;Não;29/11/2026 14:03;4 OK, 1 sem dados;Linha digitável;Texto da fatura;Ana Administradora;\r\n";
    // By due date, the overdue one first, as the desk lists them.
    assert_eq!(
        String::from_utf8(out.bytes).unwrap(),
        format!("{header}{beta}{alfa}")
    );

    // Another sort and direction: the export follows the desk's own query.
    for (sort, descending) in [("valor", true), ("valor", false), ("cliente", true)] {
        let f = json!({"sort": sort, "descending": descending});
        let desk_order: Vec<String> = o
            .desk
            .approval_queue(&o.operador, serde_json::from_value(f.clone()).unwrap())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.row.client_name)
            .collect();
        let text = String::from_utf8(
            o.desk
                .export_list(&o.operador, "aprovacao", f, "csv")
                .await
                .unwrap()
                .bytes,
        )
        .unwrap();
        let alfa_first = text.find("Alfa").unwrap() < text.find("Beta").unwrap();
        assert_eq!(
            alfa_first,
            desk_order[0].starts_with("Alfa"),
            "{sort} {descending}"
        );
    }
    let by_value = String::from_utf8(
        o.desk
            .export_list(
                &o.admin,
                "aprovacao",
                json!({"sort": "valor", "descending": true}),
                "csv",
            )
            .await
            .unwrap()
            .bytes,
    )
    .unwrap();
    assert_eq!(by_value, format!("{header}{alfa}{beta}"));

    // The desk's filters: search and month.
    let one = o
        .desk
        .export_list(
            &o.admin,
            "aprovacao",
            json!({"search": "beta", "sort": "vencimento"}),
            "csv",
        )
        .await
        .unwrap();
    assert_eq!(one.rows, 1);
    assert_eq!(
        String::from_utf8(one.bytes).unwrap(),
        format!("{header}{beta}")
    );
    let none = o
        .desk
        .export_list(&o.admin, "aprovacao", json!({"month": "2026-10"}), "csv")
        .await
        .unwrap();
    assert_eq!(none.rows, 0);

    // A sort the desk does not know is refused with the desk's own message.
    let e = o
        .desk
        .export_list(&o.admin, "aprovacao", json!({"sort": "data"}), "csv")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(
        e.message.contains("Ordenação desconhecida"),
        "{}",
        e.message
    );

    // XLSX: the same columns, money as a number.
    let out = o
        .desk
        .export_list(&o.admin, "aprovacao", json!({"sort": "vencimento"}), "xlsx")
        .await
        .unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(out.bytes)).unwrap();
    let range = book.worksheet_range("Aprovação").unwrap();
    assert_eq!(range.height(), 3);
    let cell = |r, c| range.get((r, c)).cloned();
    assert_eq!(cell(0, 12), Some(Data::String("Verificações".into())));
    assert_eq!(cell(0, 16), Some(Data::String("Envio manual por".into())));
    assert_eq!(cell(1, 6), Some(Data::Float(500.0)));
    assert_eq!(cell(1, 13), Some(Data::String("Digitado".into())));
    assert_eq!(cell(1, 16), Some(Data::String("Davi Operador".into())));
    assert_eq!(cell(2, 12), Some(Data::String("4 OK, 1 sem dados".into())));
    assert_eq!(cell(2, 15), Some(Data::String("Ana Administradora".into())));
    assert_eq!(cell(2, 16), Some(Data::Empty));
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
    assert_eq!(
        range.get((1, 5)),
        Some(&Data::String("Aguardando aprovação".into()))
    );

    // Words, not wire values, in every sheet.
    add_execution(&pool).await;
    let runs = o
        .desk
        .export_list(&o.admin, "execucoes", json!({}), "xlsx")
        .await
        .unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(runs.bytes)).unwrap();
    let range = book.worksheet_range("Execuções").unwrap();
    assert_eq!(range.get((1, 3)), Some(&Data::String("11/2026".into())));
    assert_eq!(
        range.get((1, 4)),
        Some(&Data::String("Download da fatura".into()))
    );
    assert_eq!(
        range.get((1, 5)),
        Some(&Data::String("Tempo esgotado".into()))
    );
    let users = o
        .desk
        .export_list(&o.admin, "usuarios", json!({}), "xlsx")
        .await
        .unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(users.bytes)).unwrap();
    let range = book.worksheet_range("Usuários").unwrap();
    let roles: Vec<_> = (1..range.height() as u32)
        .map(|r| range.get_value((r, 3)).cloned())
        .collect();
    assert_eq!(
        roles,
        [
            Some(Data::String("Administrador".into())),
            Some(Data::String("Operador".into()))
        ]
    );
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

/// A client whose name a hostile spreadsheet made a formula: the exported CSV, read as a
/// spreadsheet reads it, has the name as text (a leading apostrophe), and the XLSX has
/// it as a text cell, never a formula.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_formula_in_a_client_name_is_exported_as_text(pool: SqlitePool) {
    let o = office(&pool).await;
    let hostile = "=HYPERLINK(\"http://x\",\"y\")";
    add_client(&o, hostile, "10141561000164", "Cuiabá").await;
    add_client(&o, "-1+2", "13878375000109", "Sinop").await;
    let out = o
        .desk
        .export_list(&o.admin, "clientes", serde_json::Value::Null, "csv")
        .await
        .unwrap();
    let text = String::from_utf8(out.bytes).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect();
    assert!(names.contains(&format!("'{hostile}")), "{names:?}");
    assert!(names.contains(&"'-1+2".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('=')));

    let out = o
        .desk
        .export_list(&o.admin, "clientes", serde_json::Value::Null, "xlsx")
        .await
        .unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(out.bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    let range = book.worksheet_range(&sheet).unwrap();
    let cells: Vec<String> = range
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(cells.iter().any(|c| c.contains("HYPERLINK")), "{cells:?}");
}
