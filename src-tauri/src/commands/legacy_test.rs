//! The import from the old system at the IPC boundary, as the window calls it: the
//! source as the form sends it, an APROVADOR refused, a missing file and an unknown
//! preview answered as the JSON the window shows. Mock runtime for the window only; real
//! SQLite, an in-memory key store.

use super::roles_test::{desk_with_team, invoke, mock_app, TempDb};
use crate::state::AppState;
use brm_core::Role;
use serde_json::json;
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::legacy::legacy_import_preview,
            super::legacy::legacy_import_commit,
        ],
    )
}

#[test]
fn legacy_import_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let (desk, admin, approver) = desk_with_team(&db, "Bruno", "bruno@beg.com.br", Role::Aprovador);
    let (_app, window) = app(AppState::with_desk(desk));
    let missing = db.path().join("nao-existe.sqlite3");
    let source = json!({"kind": "sqlite", "path_or_url": missing, "env_path": null});

    let err = invoke(
        &window,
        "legacy_import_preview",
        json!({"token": approver, "source": source}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "FORBIDDEN");

    let err = invoke(
        &window,
        "legacy_import_preview",
        json!({"token": admin, "source": source}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "VALIDATION", "message": err["message"],
               "fields": [{"field": "path_or_url",
                           "message": format!("Arquivo não encontrado: {}", missing.display())}]})
    );

    // Another application's SQLite database: refused as VALIDATION, naming what it lacks.
    let other = db.path().join("outro-app.sqlite3");
    tauri::async_runtime::block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE users (id INTEGER, email TEXT); CREATE TABLE posts (id INTEGER);",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let err = invoke(
        &window,
        "legacy_import_preview",
        json!({"token": admin, "source": {"kind": "sqlite", "path_or_url": other, "env_path": null}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.starts_with("Este banco não é do sistema antigo: faltam as tabelas \"operadoras\""),
        "{message}"
    );

    // The old system's own database: the preview's counts as the window reads them.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/legado/flask-antigo.sqlite3");
    let preview = invoke(
        &window,
        "legacy_import_preview",
        json!({"token": admin, "source": {"kind": "sqlite", "path_or_url": fixture, "env_path": null}}),
    )
    .unwrap();
    let processes = preview["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "processos")
        .unwrap();
    assert_eq!(processes["total"], 120, "{processes}");
    assert_eq!(processes["to_create"], 120);
    assert!(preview["columns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["table"] == "operadoras"
            && c["column"] == "classe_rpa"
            && c["fate"] == "não importado"));

    let err = invoke(
        &window,
        "legacy_import_commit",
        json!({"token": admin, "preview_id": uuid::Uuid::new_v4()}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND");
    assert!(err["message"].as_str().unwrap().contains("prévia"));
}
