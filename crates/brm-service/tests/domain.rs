//! Clients, the spreadsheet import, the monthly creation and the approval decisions,
//! through `Desk` as the window's commands call them, on a real SQLite database. The
//! keyring is an in-memory key store here; the real Secret Service is tested in
//! `brm-secrets`.

mod common;

use brm_core::client::{ClientFilter, ClientInput};
use brm_core::clock::{Clock, ManualClock};
use brm_core::process::{ProcessFilter, ProcessStatus, Transition};
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::Desk;
use chrono::Duration;
use common::login;
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

const FIXTURE: &[u8] = include_bytes!("../../brm-core/tests/fixtures/clientes-exemplo.csv");

fn desk_with(pool: &SqlitePool, keys: MemoryKeyStore) -> (Desk, Arc<ManualClock>) {
    let clock = common::clock_at(2026, 11, 2, 17, 3);
    let desk = Desk::with_clock(common::sqlite_store(pool), clock.clone())
        .with_secrets(SecretBox::new(Arc::new(keys)));
    (desk, clock)
}

/// An administrator (Ana), an approver (Bruno), a second approver (Carla) and an
/// OPERADOR (Davi), logged in; the four operators of the fixture that we serve.
struct Office {
    desk: Desk,
    clock: Arc<ManualClock>,
    admin: String,
    approver: String,
    approver2: String,
    operador: String,
}

async fn office(pool: &SqlitePool, keys: MemoryKeyStore) -> Office {
    let (desk, clock) = desk_with(pool, keys);
    let admin = common::first_admin(&desk).await;
    common::insert_team(pool).await;
    for (name, code) in [
        ("Vivo", "VIVO"),
        ("Oi", "OI"),
        ("Embratel", "EMBRATEL"),
        ("DigitalNet", "DIGITALNET"),
    ] {
        common::add_operator(&desk, &admin, name, code, true).await;
    }
    Office {
        approver: login(&desk, "bruno@beg.com.br").await,
        approver2: login(&desk, "carla@beg.com.br").await,
        operador: login(&desk, "davi@beg.com.br").await,
        admin,
        desk,
        clock,
    }
}

async fn vivo_id(o: &Office) -> Uuid {
    o.desk
        .list_operators(&o.admin, Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|op| op.code == "VIVO")
        .unwrap()
        .id
}

fn client_input(operator_id: Uuid) -> ClientInput {
    ClientInput {
        hash: Some("manual-1".into()),
        legal_name: "PÃO E TAL TRANSPORTES S/A".into(),
        cnpj: "13.878.375/0001-09".into(),
        operator_id: Some(operator_id),
        service: Some("Internet".into()),
        unit: Some("Dourados-MS".into()),
        portal_login: Some("login30@exemplo.com.br".into()),
        portal_password: Some("senha-do-portal-30".into()),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn portal_password_is_sealed_and_never_shown(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::new()).await;
    let vivo = vivo_id(&o).await;
    // OPERADOR registers clients.
    let c = o
        .desk
        .create_client(&o.operador, client_input(vivo))
        .await
        .unwrap();
    assert!(c.portal_password_set);
    assert_eq!(c.cnpj, "13878375000109");
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("senha-do-portal-30"), "{json}");
    // Sealed to the robot machines (issue 19); in the embedded default this desktop is
    // the one approved machine.
    let sealed: String = sqlx::query_scalar("SELECT portal_password_sealed FROM clients")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(sealed.starts_with("v2:"));
    assert!(!sealed.contains("senha-do-portal"));
    assert_eq!(
        o.desk
            .client_portal_password(c.id)
            .await
            .unwrap()
            .as_deref(),
        Some("senha-do-portal-30")
    );
    // No password in the audit trail either.
    let trail: Vec<String> =
        sqlx::query_scalar("SELECT COALESCE(after_json, '') FROM audit_events")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(trail.iter().all(|t| !t.contains("senha-do-portal")));

    // Blank keeps it; "remover" clears it.
    let kept = o
        .desk
        .update_client(
            &o.operador,
            c.id,
            c.version,
            ClientInput {
                portal_password: None,
                notes: Some("conta migrada".into()),
                ..client_input(vivo)
            },
        )
        .await
        .unwrap();
    assert!(kept.portal_password_set);
    assert_eq!(kept.version, 2);
    let cleared = o
        .desk
        .update_client(
            &o.operador,
            c.id,
            kept.version,
            ClientInput {
                portal_password: None,
                clear_portal_password: true,
                notes: Some("conta migrada".into()),
                ..client_input(vivo)
            },
        )
        .await
        .unwrap();
    assert!(!cleared.portal_password_set);
    assert_eq!(o.desk.client_portal_password(c.id).await.unwrap(), None);

    // A stale form writes nothing.
    let stale = o
        .desk
        .set_client_active(&o.operador, c.id, 1, false)
        .await
        .unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);

    // Same CNPJ, operator, unit and service: a clear message on the CNPJ field.
    let dup = o
        .desk
        .create_client(
            &o.admin,
            ClientInput {
                hash: Some("manual-2".into()),
                ..client_input(vivo)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(dup.code, ErrorCode::Conflict);
    assert_eq!(dup.fields[0].field, "cnpj");
    // A wrong check digit is refused before anything is written.
    let bad = o
        .desk
        .create_client(
            &o.admin,
            ClientInput {
                hash: Some("manual-3".into()),
                cnpj: "13.878.375/0001-08".into(),
                ..client_input(vivo)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::Validation);
    assert_eq!(bad.fields[0].field, "cnpj");
    let page = o
        .desk
        .list_clients(&o.operador, ClientFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn without_a_keyring_a_password_is_not_saved_at_all(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::unavailable()).await;
    let vivo = vivo_id(&o).await;
    let e = o
        .desk
        .create_client(&o.admin, client_input(vivo))
        .await
        .unwrap_err();
    assert!(e.message.contains("chaveiro"), "{}", e.message);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing stored, not even without the password");
    // Without a password the client is saved: the keyring is not needed.
    let c = o
        .desk
        .create_client(
            &o.admin,
            ClientInput {
                portal_password: None,
                ..client_input(vivo)
            },
        )
        .await
        .unwrap();
    assert!(!c.portal_password_set);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn fixture_import_previews_commits_once_and_second_import_changes_nothing(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::new()).await;
    let b64 = base64_of(FIXTURE);
    let preview = o
        .desk
        .preview_client_import(&o.operador, "clientes-exemplo.csv", &b64)
        .await
        .unwrap();
    let p = &preview.preview;
    assert_eq!(p.create.len(), 27);
    assert_eq!(p.update.len(), 0);
    assert_eq!(p.duplicate_lines, vec![39, 41]);
    assert_eq!(p.rejected.len(), 13);
    let reasons: Vec<String> = p
        .rejected
        .iter()
        .map(|r| format!("{}: {}", r.line, r.reason))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("3: ") && r.contains("AZUTON")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("11: ") && r.contains("CNPJ inválido")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("32: ") && r.contains("CNPJ")),
        "{reasons:?}"
    );
    // The preview wrote nothing.
    assert_eq!(count(&pool, "clients").await, 0);
    // Another person cannot commit my preview.
    let e = o
        .desk
        .commit_client_import(&o.approver, preview.import_id)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    let done = o
        .desk
        .commit_client_import(&o.operador, preview.import_id)
        .await
        .unwrap();
    assert_eq!(
        (
            done.created,
            done.updated,
            done.rejected,
            done.skipped_duplicates
        ),
        (27, 0, 13, 2)
    );
    assert_eq!(count(&pool, "clients").await, 27);
    let with_pw: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE portal_password_sealed LIKE 'v2:%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(with_pw, 27);
    // The same preview cannot be committed twice.
    assert!(o
        .desk
        .commit_client_import(&o.operador, preview.import_id)
        .await
        .is_err());

    let versions = |pool: SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("SELECT SUM(version) FROM clients")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = versions(pool.clone()).await;
    let again = o
        .desk
        .preview_client_import(&o.operador, "clientes-exemplo.csv", &b64)
        .await
        .unwrap();
    assert_eq!(again.preview.create.len(), 0);
    assert_eq!(again.preview.update.len(), 0);
    assert_eq!(again.preview.unchanged_count, 27);
    let done = o
        .desk
        .commit_client_import(&o.operador, again.import_id)
        .await
        .unwrap();
    assert_eq!((done.created, done.updated), (0, 0));
    assert_eq!(count(&pool, "clients").await, 27);
    assert_eq!(versions(pool.clone()).await, before);

    // A file that is not a spreadsheet is refused with a message, nothing written.
    let e = o
        .desk
        .preview_client_import(&o.operador, "x.csv", &base64_of(b"\xff\xfe\x00garbage"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
}

/// Windows-1252, as Excel in pt-BR saves "CSV (separado por vírgulas)": for the letters of
/// these files it is Latin-1, one byte each.
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let u = c as u32;
            assert!(u < 0x80 || (0xA0..=0xFF).contains(&u), "{c:?}");
            u as u8
        })
        .collect()
}

/// The fixture as Excel saves "CSV" and "Texto Unicode": the preview says how it was read,
/// in its JSON too, and is the UTF-8 file's preview; the names keep their accents.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn excel_csv_and_unicode_text_preview_their_encoding_and_keep_accents(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::new()).await;
    let text = String::from_utf8(FIXTURE.to_vec())
        .unwrap()
        .replace('\n', "\r\n");
    let excel_csv = windows_1252(&text.replace(',', ";"));
    let unicode_text: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            text.replace(',', "\t")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let utf8 = o
        .desk
        .preview_client_import(&o.operador, "clientes.csv", &base64_of(FIXTURE))
        .await
        .unwrap();
    assert_eq!(utf8.encoding, "UTF-8");
    let mut previews = Vec::new();
    for (bytes, name, label) in [
        (excel_csv, "clientes.csv", "Windows-1252 (CSV do Excel)"),
        (
            unicode_text,
            "clientes.txt",
            "UTF-16 (Texto Unicode do Excel)",
        ),
    ] {
        let p = o
            .desk
            .preview_client_import(&o.operador, name, &base64_of(&bytes))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["encoding"], label);
        assert_eq!(json["file_name"], name);
        assert_eq!(json["create"].as_array().unwrap().len(), 27, "{label}");
        assert_eq!(p.preview, utf8.preview, "{label}");
        previews.push(p);
    }
    let done = o
        .desk
        .commit_client_import(&o.operador, previews[0].import_id)
        .await
        .unwrap();
    assert_eq!((done.created, done.rejected), (27, 13));
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT legal_name FROM clients ORDER BY legal_name")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut expected: Vec<String> = utf8
        .preview
        .create
        .iter()
        .map(|r| r.legal_name.clone())
        .collect();
    expected.sort();
    assert_eq!(stored, expected);
    for accent in ['Ç', 'Õ', 'Ã', 'É', 'Á', 'Ú'] {
        assert!(
            stored.iter().any(|n| n.contains(accent)),
            "{accent}: {stored:?}"
        );
    }

    // UTF-16 without its byte-order mark is not guessed at: refused, nothing written.
    let no_mark: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let e = o
        .desk
        .preview_client_import(&o.operador, "clientes.txt", &base64_of(&no_mark))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains("bytes nulos"), "{}", e.message);
    assert_eq!(count(&pool, "clients").await, 27);
}

/// Cells of an Excel CSV that a spreadsheet would run as formulas are stored as the text
/// they are and leave in an export as text (a leading apostrophe), never as formulas.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn formula_cells_of_an_excel_csv_are_stored_as_text_and_exported_inert(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::new()).await;
    let hostile = "=HYPERLINK(\"http://x\";\"ÇÃ\")";
    let file = format!(
        "HASH;RAZÃO SOCIAL;CNPJ;OPERADORA;SERVIÇO;OBS\r\n\
         h1;\"{}\";13878375000109;VIVO;@SUM(A1);-1+2\r\n\
         h2;+AÇÃO É;10141561000164;VIVO;-Internet;=1+1\r\n",
        hostile.replace('"', "\"\"")
    );
    let preview = o
        .desk
        .preview_client_import(&o.admin, "hostil.csv", &base64_of(&windows_1252(&file)))
        .await
        .unwrap();
    assert_eq!(preview.encoding, "Windows-1252 (CSV do Excel)");
    let names: Vec<&str> = preview
        .preview
        .create
        .iter()
        .map(|r| r.legal_name.as_str())
        .collect();
    assert_eq!(names, [hostile, "+AÇÃO É"]);
    o.desk
        .commit_client_import(&o.admin, preview.import_id)
        .await
        .unwrap();

    let out = o
        .desk
        .export_list(&o.admin, "clientes", serde_json::Value::Null, "csv")
        .await
        .unwrap();
    let text = String::from_utf8(out.bytes).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(cells.contains(&format!("'{hostile}")), "{cells:?}");
    assert!(cells.contains(&"'+AÇÃO É".to_string()), "{cells:?}");
    assert!(
        !cells.iter().any(|c| c.starts_with(['=', '+', '-', '@'])),
        "{cells:?}"
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn month_creation_and_decisions_follow_roles_and_versions(pool: SqlitePool) {
    let o = office(&pool, MemoryKeyStore::new()).await;
    let preview = o
        .desk
        .preview_client_import(&o.admin, "c.csv", &base64_of(FIXTURE))
        .await
        .unwrap();
    o.desk
        .commit_client_import(&o.admin, preview.import_id)
        .await
        .unwrap();
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE active = 1")
        .fetch_one(&pool)
        .await
        .unwrap();

    let bad = o
        .desk
        .create_month_processes(&o.operador, "11/2026", None)
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::Validation);
    let first = o
        .desk
        .create_month_processes(&o.operador, "2026-11", None)
        .await
        .unwrap();
    assert_eq!(first.created, active);
    assert_eq!(first.skipped, 0);
    let second = o
        .desk
        .create_month_processes(&o.admin, "2026-11", None)
        .await
        .unwrap();
    assert_eq!((second.created, second.skipped), (0, active));

    let page = o
        .desk
        .list_processes(
            &o.operador,
            ProcessFilter {
                month: Some("2026-11".into()),
                page_size: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, active);
    assert_eq!(page.items.len(), 10);
    let row = page.items[0].clone();

    // Approving a process still waiting for its download names the status.
    let e = o
        .desk
        .approve_process(&o.approver, row.id, row.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("Aguardando download"), "{}", e.message);

    // The invoice arrives (issue 4 writes this path; here the store is driven directly).
    let store = o.desk.store().clone();
    let mut p = store.process_by_id(row.id).await.unwrap().unwrap();
    p.status = p.status.apply(Transition::ManualUpload).unwrap();
    p.invoice_sha256 = Some("ab".repeat(32));
    p.amount_cents = Some(12_345);
    p.version += 1;
    let ev = brm_core::audit::AuditEvent::new(
        o.clock.now(),
        brm_core::audit::Actor::anonymous("teste"),
        Transition::ManualUpload.action(),
        "processo",
    )
    .on(p.id);
    assert!(store.update_process(&p, row.version, &ev).await.unwrap());
    let version = p.version;

    // OPERADOR cannot approve, reject or cancel; the detail says so.
    for e in [
        o.desk
            .approve_process(&o.operador, p.id, version, None)
            .await
            .unwrap_err(),
        o.desk
            .reject_process(&o.operador, p.id, version, "fatura errada", None)
            .await
            .unwrap_err(),
        o.desk
            .cancel_process(&o.operador, p.id, version, "cliente saiu")
            .await
            .unwrap_err(),
        o.desk
            .cancel_process(&o.approver, p.id, version, "cliente saiu")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    }
    let detail = o.desk.get_process(&o.operador, p.id).await.unwrap();
    assert!(!detail.can_approve);
    assert!(!detail.can_cancel);
    assert!(
        o.desk
            .get_process(&o.approver, p.id)
            .await
            .unwrap()
            .can_approve
    );
    assert_eq!(
        store.process_by_id(p.id).await.unwrap().unwrap().status,
        ProcessStatus::AguardandoAprovacao
    );

    // While the database is unreachable, a decision is refused at once with the
    // banner's message, and nothing is written.
    o.desk
        .health()
        .mark_down("O servidor do banco de dados recusou a conexão.");
    let e = o
        .desk
        .approve_process(&o.approver, p.id, version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Database);
    assert!(
        e.message.starts_with("Sem conexão com o banco de dados"),
        "{}",
        e.message
    );
    let e = o
        .desk
        .create_client(&o.admin, Default::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Database);
    o.desk.health().mark_up();
    assert_eq!(
        store.process_by_id(p.id).await.unwrap().unwrap().version,
        version
    );

    // A rejection needs a reason.
    let e = o
        .desk
        .reject_process(&o.approver, p.id, version, "  ", None)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "reason");

    // Bruno approves at 14:03 Brasília; Carla, on the same screen, is told.
    let approved = o
        .desk
        .approve_process(&o.approver, p.id, version, None)
        .await
        .unwrap();
    assert_eq!(approved.process.status, ProcessStatus::AguardandoEnvioSat);
    assert!(!approved.first_approval_only);
    assert_eq!(approved.message, "Fatura aprovada.");
    o.clock.advance(Duration::minutes(2));
    let late = o
        .desk
        .reject_process(&o.approver2, p.id, version, "valor divergente", None)
        .await
        .unwrap_err();
    assert_eq!(late.code, ErrorCode::Conflict);
    assert_eq!(
        late.message,
        "Este processo já foi decidido por Bruno Aprovador às 14:03 (02/11/2026). Recarregue para ver a situação atual."
    );
    let detail = o.desk.get_process(&o.admin, p.id).await.unwrap();
    assert_eq!(
        detail.process.approved_by_name.as_deref(),
        Some("Bruno Aprovador")
    );
    assert_eq!(detail.audit[0].action, "APROVAR");
    assert_eq!(detail.audit[0].actor_name, "Bruno Aprovador");
    assert_eq!(
        detail.audit[0].after.as_ref().unwrap()["status"],
        "AGUARDANDO_ENVIO_SAT"
    );
    assert_eq!(
        detail.audit[0].before.as_ref().unwrap()["status"],
        "AGUARDANDO_APROVACAO"
    );
    assert!(detail.can_cancel);

    // The administrator cancels with a reason; a final status accepts nothing more.
    let cancelled = o
        .desk
        .cancel_process(
            &o.admin,
            p.id,
            approved.process.version,
            "cliente encerrou a conta",
        )
        .await
        .unwrap();
    assert_eq!(cancelled.status, ProcessStatus::Cancelado);
    let e = o
        .desk
        .cancel_process(&o.admin, p.id, cancelled.version, "de novo")
        .await
        .unwrap_err();
    assert!(e.message.contains("Cancelado"), "{}", e.message);
}

async fn count(pool: &SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
