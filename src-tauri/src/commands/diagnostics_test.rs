//! `get_diagnostics` at the IPC boundary: any logged-in role gets the report as JSON
//! (versions, SQLite with its version and migration level, the robot, the plain text
//! "Copiar diagnóstico" copies); no session is refused in the window's error shape.

use super::roles_test::{
    block_on, create_user, desk_with_team, invoke, login, mock_app, TempDb, ADMIN_PW,
};
use crate::state::AppState;
use brm_core::Role;
use serde_json::json;

#[test]
fn every_role_reads_the_diagnostics_and_no_session_is_refused() {
    let db = TempDb::new();
    let (desk, admin, olga) =
        desk_with_team(&db, "Olga Operadora", "olga@beg.com.br", Role::Operador);
    let (desk, tokens) = block_on(async {
        create_user(
            &desk,
            &admin,
            "Abel Aprovador",
            "abel@beg.com.br",
            Role::Aprovador,
        )
        .await;
        let abel = login(&desk, "abel@beg.com.br").await;
        (desk, vec![admin, olga, abel])
    });
    let (app, window) = mock_app(
        AppState::with_desk(desk),
        tauri::generate_handler![super::diagnostics::get_diagnostics],
    );
    let version = app.package_info().version.to_string();
    for token in &tokens {
        let d = invoke(&window, "get_diagnostics", json!({ "token": token })).unwrap();
        assert_eq!(d["app_version"], version);
        assert_eq!(d["tauri_version"], tauri::VERSION);
        assert_eq!(d["os"], std::env::consts::OS);
        assert_eq!(d["database"]["backend"], "SQLite");
        let server = d["database"]["server_version"].as_str().unwrap();
        assert!(server.starts_with('3'), "{server}");
        assert!(d["database"]["migration"].as_i64().unwrap() >= 1, "{d}");
        assert!(d["database"]["error"].is_null());
        assert_eq!(d["robot"]["state"], "desconhecido");
        assert!(d["recent_events"].is_array());
        assert_eq!(d["failed_executions"], json!([]));
        let text = d["text"].as_str().unwrap();
        assert!(text.contains(&format!("Aplicativo: {version}")), "{text}");
        assert!(text.contains("Tipo: SQLite"), "{text}");
        assert!(!text.contains(ADMIN_PW));
    }
    let err = invoke(
        &window,
        "get_diagnostics",
        json!({"token": "sessao-inventada"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED", "{err}");
    assert!(err["message"].as_str().unwrap().len() > 5);
}
