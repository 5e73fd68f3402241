//! The dashboard and export commands through Tauri's IPC on the mock runtime: the JSON
//! the window gets, the file written into the export folder without overwriting, and
//! a refusal by role as `{code, message}`.

use super::roles_test::{block_on, desk_with_team_on, invoke, mock_app, TempDb};
use crate::state::AppState;
use brm_core::clock::ManualClock;
use brm_core::operator::OperatorInput;
use brm_core::Role;
use serde_json::json;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![super::dashboard::dashboard, super::exports::export_list,],
    )
}

#[test]
fn dashboard_and_exports_through_ipc() {
    let db = TempDb::new();
    let out_dir = db.path().join("Downloads");
    std::env::set_var("BRM_EXPORT_DIR", &out_dir);
    // A clock that stands still: the two exports below are stamped with the same minute,
    // so the second is "(2)" even when the real minute turns between them.
    let clock = Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-05T15:00:00Z")
            .unwrap()
            .into(),
    ));
    let (desk, admin, operador) = desk_with_team_on(
        &db,
        "Davi Operador",
        "davi@beg.com.br",
        Role::Operador,
        clock,
    );
    block_on(async {
        for (name, code) in [("Vivo", "VIVO"), ("Oi", "OI")] {
            desk.create_operator(
                &admin,
                OperatorInput {
                    name: name.into(),
                    code: code.into(),
                    has_rpa: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
    });
    let (_app, window) = app(AppState::with_desk(desk));

    // The dashboard answers every role, in the shape the window reads.
    let d = invoke(
        &window,
        "dashboard",
        json!({"token": operador, "month": "2026-11"}),
    )
    .unwrap();
    assert_eq!(d["month"], "2026-11");
    assert_eq!(d["counts"]["total"], 0);
    for key in ["months", "by_operator", "attention", "recent_executions"] {
        assert!(d[key].is_array(), "{key}: {d}");
    }
    let bad = invoke(
        &window,
        "dashboard",
        json!({"token": operador, "month": "11-2026"}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "VALIDATION", "{bad}");

    // An export lands in the folder; a second one does not overwrite the first.
    let args = json!({"token": admin, "list": "operadoras",
                      "filter": {"search": "vivo"}, "format": "csv"});
    let first = invoke(&window, "export_list", args.clone()).unwrap();
    assert_eq!(first["rows"], 1, "{first}");
    let second = invoke(&window, "export_list", args).unwrap();
    assert_ne!(first["path"], second["path"]);
    assert!(
        second["file_name"].as_str().unwrap().contains(" (2).csv"),
        "{second}"
    );
    let text = std::fs::read_to_string(first["path"].as_str().unwrap()).unwrap();
    assert!(text.starts_with("\u{feff}Nome;Código;"), "{text}");
    assert!(
        text.contains("Vivo;VIVO;Sim;") && !text.contains("Oi;OI"),
        "{text}"
    );

    // Users are for administrators, as their list is.
    let refused = invoke(
        &window,
        "export_list",
        json!({"token": operador, "list": "usuarios", "filter": {}, "format": "xlsx"}),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "FORBIDDEN", "{refused}");
    assert_eq!(
        refused["message"],
        "Seu perfil não permite gerenciar usuários."
    );
    let files = std::fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(files, 2, "a refused export writes nothing");
    std::env::remove_var("BRM_EXPORT_DIR");
}
