//! The backup commands at the IPC boundary, as the window calls them: the administrator
//! lists, copies and changes the settings; other roles get FORBIDDEN as JSON; a restore
//! of a path or of a file that is not a copy of ours is refused with the pt-BR message
//! and leaves no restore pending (the successful restore restarts the process, so it is
//! tested in brm-service, not here). Mock runtime for the window; real SQLite files.

use super::roles_test::{desk_with_team, invoke, mock_app, TempDb};
use crate::state::AppState;
use brm_core::Role;
use brm_service::backups::BackupPlace;
use serde_json::json;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::{App, Manager, WebviewWindow};

fn app(state: AppState, place: Arc<BackupPlace>) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, window) = mock_app(
        state,
        tauri::generate_handler![
            super::backups::list_backups,
            super::backups::create_backup,
            super::backups::restore_backup,
            super::backups::get_backup_settings,
            super::backups::save_backup_settings,
        ],
    );
    app.manage(place);
    (app, window)
}

#[test]
fn backup_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let (desk, admin, operador) =
        desk_with_team(&db, "Davi Operador", "davi@beg.com.br", Role::Operador);
    let place = Arc::new(BackupPlace::new(
        db.path(),
        Some(db.path().join("brm.sqlite3")),
    ));
    let (_app, window) = app(AppState::with_desk(desk), place.clone());

    // Other roles: FORBIDDEN, nothing written.
    for (cmd, args) in [
        ("list_backups", json!({"token": operador})),
        ("create_backup", json!({"token": operador})),
        (
            "restore_backup",
            json!({"token": operador, "file_name": "brm-desk-20261101-120000.sqlite3"}),
        ),
        ("get_backup_settings", json!({"token": operador})),
        (
            "save_backup_settings",
            json!({"token": operador, "input": {"daily": false, "hour": 3, "keep": 2}}),
        ),
    ] {
        let err = invoke(&window, cmd, args).unwrap_err();
        assert_eq!(err["code"], "FORBIDDEN", "{cmd}: {err}");
    }
    assert!(!place.dir().exists());

    assert_eq!(
        invoke(&window, "get_backup_settings", json!({"token": admin})).unwrap(),
        json!({"daily": true, "hour": 12, "keep": 7})
    );
    let err = invoke(
        &window,
        "save_backup_settings",
        json!({"token": admin, "input": {"daily": true, "hour": 25, "keep": 7}}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "VALIDATION", "message": "A hora da cópia diária deve ficar entre 0 e 23.",
               "fields": [{"field": "hour", "message": "A hora da cópia diária deve ficar entre 0 e 23."}]})
    );

    let made = invoke(&window, "create_backup", json!({"token": admin})).unwrap();
    let name = made["file_name"].as_str().unwrap().to_string();
    assert!(
        name.starts_with("brm-desk-") && name.ends_with(".sqlite3"),
        "{name}"
    );
    assert!(made["size_bytes"].as_u64().unwrap() > 0);
    let list = invoke(&window, "list_backups", json!({"token": admin})).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["file_name"], name.as_str());
    assert_eq!(list["folder"], place.dir().display().to_string());
    assert_eq!(list["last_restore"], json!(null));

    // A path is refused before anything is read or written.
    let err = invoke(
        &window,
        "restore_backup",
        json!({"token": admin, "file_name": format!("../backups/{name}")}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(err["fields"][0]["field"], "file_name");
    // Not a database of ours.
    std::fs::write(
        place.dir().join("brm-desk-20200101-000000.sqlite3"),
        b"planilha antiga",
    )
    .unwrap();
    let err = invoke(
        &window,
        "restore_backup",
        json!({"token": admin, "file_name": "brm-desk-20200101-000000.sqlite3"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(
        err["message"],
        "O arquivo \"brm-desk-20200101-000000.sqlite3\" não é um banco SQLite válido; nada foi alterado."
    );
    assert!(!place.marker().exists());
    let list = invoke(&window, "list_backups", json!({"token": admin})).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}
