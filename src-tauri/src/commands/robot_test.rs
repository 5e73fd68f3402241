//! The robot commands at the IPC boundary, as the window calls them: the manual upload
//! refused with a field error and accepted with a PDF, "Baixar agora" refused for an
//! operator without a robot, the executions list, and the robot's health behind the
//! session. Errors are checked as the JSON the window receives. Mock runtime for the
//! window only; real SQLite and a real folder for the invoices.

use super::roles_test::{block_on, first_admin, invoke, manual_operator_client, mock_app, TempDb};
use crate::state::AppState;
use base64::Engine as _;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, RobotHooks};
use serde_json::json;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::processes::get_process,
            super::robot::list_executions,
            super::robot::get_execution,
            super::robot::download_now,
            super::robot::retry_process,
            super::robot::send_to_sat,
            super::robot::upload_invoice,
            super::robot::robot_status,
        ],
    )
}

#[test]
fn robot_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let folder = db.path().join("faturas");
    let (desk, token, process_id) = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let storage = Arc::new(brm_storage::LocalFolder::new(&folder).unwrap());
        let desk = Desk::new(store)
            .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
            .with_robot(RobotHooks {
                storage,
                wake: Arc::new(|| {}),
            });
        let token = first_admin(&desk, "senha-forte-do-admin").await;
        manual_operator_client(&desk, &token).await;
        desk.create_month_processes(&token, "2026-11", None)
            .await
            .unwrap();
        let id = desk
            .list_processes(&token, Default::default())
            .await
            .unwrap()
            .items[0]
            .id;
        (desk, token, id)
    });
    let (_app, window) = app(AppState::with_desk(desk));
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let upload = |content: &[u8], version: i64| {
        invoke(
            &window,
            "upload_invoice",
            json!({"token": token, "id": process_id, "version": version,
                   "file_name": "fatura.pdf", "content_base64": b64(content)}),
        )
    };

    // Not a PDF: a field error, in the shape the form shows.
    let err = upload(b"PK\x03\x04 planilha", 1).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "VALIDATION", "message": err["message"],
               "fields": [{"field": "file", "message": "O arquivo precisa ser um PDF."}]})
    );
    // No robot for this operator.
    let err = invoke(
        &window,
        "download_now",
        json!({"token": token, "id": process_id, "version": 1}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT");
    assert_eq!(
        err["message"],
        "A operadora deste processo não tem robô: envie a fatura em PDF pelo formulário."
    );
    // A PDF: stored, and the process waits for approval.
    let detail = upload(b"%PDF-1.4\n%%EOF\n", 1).unwrap();
    assert_eq!(detail["process"]["status"], "AGUARDANDO_APROVACAO");
    assert_eq!(detail["process"]["manual_upload"], true);
    assert_eq!(detail["can_upload"], false);
    // The same version again: someone already changed it.
    assert_eq!(upload(b"%PDF-1.4\n", 1).unwrap_err()["code"], "CONFLICT");

    let page = invoke(
        &window,
        "list_executions",
        json!({"token": token, "filter": {"page": 0, "page_size": 20, "open_only": false}}),
    )
    .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["kind"], "UPLOAD_MANUAL");
    assert_eq!(page["items"][0]["client_name"], "PÃO E TAL TRANSPORTES S/A");
    let one = invoke(
        &window,
        "get_execution",
        json!({"token": token, "id": page["items"][0]["id"]}),
    )
    .unwrap();
    assert_eq!(one["execution"]["status"], "CONCLUIDO");

    // Health needs a session; this state runs no worker, so it is still unknown.
    let err = invoke(&window, "robot_status", json!({"token": "não-é-sessão"})).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    let health = invoke(&window, "robot_status", json!({"token": token})).unwrap();
    assert_eq!(health["state"], "desconhecido");
}
