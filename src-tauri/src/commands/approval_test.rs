//! The approval desk's commands at the IPC boundary, as the window calls them (snake_case
//! arguments): the errors of four eyes, of approving one's own upload and of a bad
//! rejection code as the JSON the window receives, and the invoice file as raw bytes
//! (an ArrayBuffer in the window). Mock runtime for the window only; real SQLite and a
//! real folder for the invoices.

use super::roles_test::{
    block_on, create_user, first_admin, invoke, login, manual_operator_client, mock_app, request,
    TempDb,
};
use crate::state::AppState;
use base64::Engine as _;
use brm_core::Role;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, RobotHooks};
use serde_json::{json, Value};
use std::sync::Arc;
use tauri::ipc::InvokeResponseBody;
use tauri::test::{get_ipc_response, MockRuntime};
use tauri::{App, WebviewWindow};

const PDF: &[u8] = b"%PDF-1.4\n% fatura de teste\n%%EOF\n";

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::processes::approve_process,
            super::processes::reject_process,
            super::approval::list_approval_queue,
            super::approval::invoice_pdf,
            super::approval::client_invoice_history,
            super::approval::set_invoice_values,
            super::approval::approve_many,
            super::approval::rejection_reasons,
            super::approval::get_approval_settings,
            super::approval::save_approval_settings,
        ],
    )
}

/// A command whose answer is raw bytes (`tauri::ipc::Response`).
fn invoke_raw(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Vec<u8>, Value> {
    get_ipc_response(window, request(cmd, args)).map(|body| match body {
        InvokeResponseBody::Raw(bytes) => bytes,
        InvokeResponseBody::Json(j) => panic!("expected raw bytes, got JSON {j}"),
    })
}

struct Setup {
    desk: Desk,
    admin: String,
    bruno: String,
    carla: String,
    client_id: uuid::Uuid,
    process_id: uuid::Uuid,
    version: i64,
}

fn setup(db: &TempDb) -> Setup {
    let folder = db.path().join("faturas");
    block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let storage = Arc::new(brm_storage::LocalFolder::new(&folder).unwrap());
        let desk = Desk::new(store)
            .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
            .with_robot(RobotHooks {
                storage,
                wake: Arc::new(|| {}),
            });
        let admin = first_admin(&desk, "senha-forte-do-admin").await;
        for (name, email) in [
            ("Bruno Aprovador", "bruno@beg.com.br"),
            ("Carla Aprovadora", "carla@beg.com.br"),
        ] {
            create_user(&desk, &admin, name, email, Role::Aprovador).await;
        }
        let bruno = login(&desk, "bruno@beg.com.br").await;
        let carla = login(&desk, "carla@beg.com.br").await;
        let client_id = manual_operator_client(&desk, &admin).await;
        desk.create_month_processes(&admin, "2026-11", None)
            .await
            .unwrap();
        let p = desk
            .list_processes(&admin, Default::default())
            .await
            .unwrap()
            .items[0]
            .clone();
        // Bruno uploads the invoice by hand.
        let b64 = base64::engine::general_purpose::STANDARD.encode(PDF);
        let detail = desk
            .upload_invoice(&bruno, p.id, p.version, "fatura.pdf", &b64)
            .await
            .unwrap();
        // The test PDF has no amount to read, and "Valor —" is never approved: the
        // administrator types it.
        let typed = desk
            .set_invoice_values(
                &admin,
                p.id,
                detail.process.row.version,
                Some("123,45".into()),
                None,
            )
            .await
            .unwrap();
        Setup {
            admin,
            bruno,
            carla,
            client_id,
            process_id: p.id,
            version: typed.version,
            desk,
        }
    })
}

#[test]
fn approval_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let s = setup(&db);
    let (_app, window) = app(AppState::with_desk(s.desk.clone()));
    let id = s.process_id;

    // Four eyes on (administrators only).
    let e = invoke(
        &window,
        "save_approval_settings",
        json!({"token": s.bruno, "input": {"tolerance_pct": 20, "due_soon_days": 5, "four_eyes": true}}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "FORBIDDEN");
    let saved = invoke(
        &window,
        "save_approval_settings",
        json!({"token": s.admin, "input": {"tolerance_pct": 20, "due_soon_days": 5, "four_eyes": true}}),
    )
    .unwrap();
    assert_eq!(
        saved,
        json!({"tolerance_pct": 20, "due_soon_days": 5, "four_eyes": true})
    );
    assert_eq!(
        invoke(&window, "get_approval_settings", json!({"token": s.carla})).unwrap()["four_eyes"],
        true
    );

    // Bruno uploaded it: he may not approve it.
    let e = invoke(
        &window,
        "approve_process",
        json!({"token": s.bruno, "id": id, "version": s.version}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        json!({"code": "FORBIDDEN",
               "message": "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la."})
    );

    // The queue says so too, and that a check failed (the file has no payment line).
    let q = invoke(
        &window,
        "list_approval_queue",
        json!({"token": s.bruno, "filter": {"sort": "valor", "descending": true}}),
    )
    .unwrap();
    assert_eq!(q["total"], 1);
    let item = &q["items"][0];
    assert_eq!(item["id"], json!(id));
    assert_eq!(item["client_name"], "PÃO E TAL TRANSPORTES S/A");
    assert_eq!(item["uploaded_by_name"], "Bruno Aprovador");
    assert_eq!(item["four_eyes_required"], true);
    assert_eq!(item["can_bulk_approve"], false);
    assert_eq!(
        item["blocked_reason"],
        "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la."
    );
    assert_eq!(item["checks"].as_array().unwrap().len(), 5);
    let e = invoke(
        &window,
        "list_approval_queue",
        json!({"token": s.bruno, "filter": {"sort": "preço"}}),
    )
    .unwrap_err();
    assert_eq!(e["fields"][0]["field"], "sort");

    // Carla gives the first approval (with notes); approving again is refused.
    let first = invoke(
        &window,
        "approve_process",
        json!({"token": s.carla, "id": id, "version": s.version, "notes": "conferido"}),
    )
    .unwrap();
    assert_eq!(first["first_approval_only"], true);
    assert_eq!(
        first["message"],
        "Primeira aprovação registrada; falta a de outro aprovador."
    );
    assert_eq!(first["process"]["status"], "AGUARDANDO_APROVACAO");
    let v = first["process"]["version"].as_i64().unwrap();
    let e = invoke(
        &window,
        "approve_process",
        json!({"token": s.carla, "id": id, "version": v}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        json!({"code": "FORBIDDEN",
               "message": "Esta fatura precisa de um segundo aprovador, diferente de Carla Aprovadora."})
    );
    // Bulk: the failed check and the own upload are skipped, not errors.
    let bulk = invoke(
        &window,
        "approve_many",
        json!({"token": s.admin, "items": [{"id": id, "version": v}], "notes": null}),
    )
    .unwrap();
    assert_eq!(bulk["approved"], json!([]));
    assert_eq!(
        bulk["skipped"][0]["client_name"],
        "PÃO E TAL TRANSPORTES S/A"
    );

    // Rejection codes: unknown, and OUTRO without text.
    let e = invoke(
        &window,
        "reject_process",
        json!({"token": s.admin, "id": id, "version": v, "reason": "", "reason_code": "INVENTADO"}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "VALIDATION");
    assert_eq!(
        e["fields"],
        json!([{"field": "reason_code",
                "message": "Motivo de rejeição desconhecido: \"INVENTADO\". Escolha um motivo da lista."}])
    );
    let e = invoke(
        &window,
        "reject_process",
        json!({"token": s.admin, "id": id, "version": v, "reason": "", "reason_code": "OUTRO"}),
    )
    .unwrap_err();
    assert_eq!(e["fields"][0]["field"], "reason");
    let reasons = invoke(&window, "rejection_reasons", json!({"token": s.bruno})).unwrap();
    assert_eq!(reasons.as_array().unwrap().len(), 6);
    assert_eq!(
        reasons[5],
        json!({"code": "OUTRO", "label": "Outro motivo", "text_required": true})
    );

    // Typed values: a bad amount is a field error.
    let e = invoke(
        &window,
        "set_invoice_values",
        json!({"token": s.admin, "id": id, "version": v, "amount": "doze reais", "due_date": null}),
    )
    .unwrap_err();
    assert_eq!(e["fields"][0]["field"], "amount");
    let row = invoke(
        &window,
        "set_invoice_values",
        json!({"token": s.admin, "id": id, "version": v, "amount": "1.234,56", "due_date": "2026-11-20"}),
    )
    .unwrap();
    assert_eq!(row["amount"], "1234.56");

    // The file, as raw bytes.
    let bytes = invoke_raw(&window, "invoice_pdf", json!({"token": s.carla, "id": id})).unwrap();
    assert_eq!(bytes, PDF);
    let e = invoke_raw(&window, "invoice_pdf", json!({"token": "nada", "id": id})).unwrap_err();
    assert_eq!(e["code"], "UNAUTHENTICATED");

    // The client's history for the chart.
    let h = invoke(
        &window,
        "client_invoice_history",
        json!({"token": s.carla, "client_id": s.client_id, "months": 12}),
    )
    .unwrap();
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(h[0]["reference_month"], "2026-11");
    assert_eq!(h[0]["amount_cents"], 123456);
    assert_eq!(h[0]["status"], "AGUARDANDO_APROVACAO");

    // Finally the second approver: Ana (not Carla, not the uploader).
    let version = row["version"].as_i64().unwrap();
    // Typing cleared Carla's first approval, so this is a first approval again.
    let r = invoke(
        &window,
        "approve_process",
        json!({"token": s.admin, "id": id, "version": version}),
    )
    .unwrap();
    assert_eq!(r["first_approval_only"], true);
    let r = invoke(
        &window,
        "approve_process",
        json!({"token": s.carla, "id": id, "version": version + 1}),
    )
    .unwrap();
    assert_eq!(r["first_approval_only"], false);
    assert_eq!(r["process"]["status"], "AGUARDANDO_ENVIO_SAT");
}
