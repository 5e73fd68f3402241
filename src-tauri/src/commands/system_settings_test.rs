//! Configurações → Robô, Armazenamento and the theme at the IPC boundary, as the window
//! calls them: other roles get FORBIDDEN as JSON, a bad address comes back as VALIDATION
//! with the field, and no answer (nor error) ever carries the token. Mock runtime; real
//! SQLite file; an in-memory key store for the keyring.

use super::roles_test::{
    block_on, create_user, desk_with_team, first_admin, invoke, login, mock_app, TempDb,
};
use crate::state::AppState;
use brm_core::Role;
use brm_secrets::{KeyStore, MemoryKeyStore, SecretBox, ROBOT_TOKEN};
use brm_service::Desk;
use serde_json::json;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

const TOKEN: &str = "token-do-robo-nunca-mostrado-42";

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::system_settings::get_robot_settings,
            super::system_settings::save_robot_settings,
            super::system_settings::test_robot_connection,
            super::system_settings::get_storage_settings,
            super::system_settings::save_storage_settings,
            super::system_settings::test_storage,
            super::system_settings::restart_app,
        ],
    )
}

#[test]
fn robot_and_storage_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let keys = Arc::new(MemoryKeyStore::new());
    let (desk, admin, operador) = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::new(store).with_secrets(SecretBox::new(keys.clone()));
        let admin = first_admin(&desk, "senha-forte-do-admin").await;
        create_user(
            &desk,
            &admin,
            "Davi Operador",
            "davi@beg.com.br",
            Role::Operador,
        )
        .await;
        let operador = login(&desk, "davi@beg.com.br").await;
        (desk, admin, operador)
    });
    let (_app, window) = app(AppState::with_desk(desk));
    let robot_input = json!({"url": "https://robos.beg.com.br", "token": TOKEN});

    // Other roles: FORBIDDEN, nothing written.
    for (cmd, args) in [
        ("get_robot_settings", json!({"token": operador})),
        (
            "save_robot_settings",
            json!({"token": operador, "input": robot_input}),
        ),
        (
            "test_robot_connection",
            json!({"token": operador, "input": robot_input}),
        ),
        ("get_storage_settings", json!({"token": operador})),
        (
            "save_storage_settings",
            json!({"token": operador, "input": {"kind": "pasta", "folder": "/tmp/x"}}),
        ),
        (
            "test_storage",
            json!({"token": operador, "input": {"kind": "pasta"}}),
        ),
        ("restart_app", json!({"token": operador})),
    ] {
        let err = invoke(&window, cmd, args).unwrap_err();
        assert_eq!(err["code"], "FORBIDDEN", "{cmd}: {err}");
        assert!(!err.to_string().contains(TOKEN));
    }
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap(), None);

    // A bad address: VALIDATION with the field, pt-BR, nothing in the keyring.
    let err = invoke(
        &window,
        "save_robot_settings",
        json!({"token": admin, "input": {"url": "robos.beg.com.br", "token": TOKEN}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert_eq!(err["fields"][0]["field"], "url");
    assert!(err["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("http:// ou https://"));
    assert!(!err.to_string().contains(TOKEN));
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap(), None);

    // Saved: the answer says "set", never the token; the keyring has it.
    let saved = invoke(
        &window,
        "save_robot_settings",
        json!({"token": admin, "input": robot_input}),
    )
    .unwrap();
    assert_eq!(
        saved["settings"],
        json!({"url": "https://robos.beg.com.br", "using_simulator": false, "token_set": true})
    );
    assert_eq!(saved["changed"], true);
    assert!(!saved.to_string().contains(TOKEN));
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));
    let got = invoke(&window, "get_robot_settings", json!({"token": admin})).unwrap();
    assert_eq!(got["token_set"], true);
    assert!(!got.to_string().contains(TOKEN));

    // Nothing listens there: a failed test, in pt-BR, without the token.
    let tested = invoke(
        &window,
        "test_robot_connection",
        json!({"token": admin, "input": {"url": "http://127.0.0.1:9"}}),
    )
    .unwrap();
    assert_eq!(tested["ok"], false);
    assert!(
        tested["message"]
            .as_str()
            .unwrap()
            .contains("não respondeu"),
        "{tested}"
    );
    assert!(!tested.to_string().contains(TOKEN));

    // Storage: a relative folder is refused under its field.
    let err = invoke(
        &window,
        "save_storage_settings",
        json!({"token": admin, "input": {"kind": "pasta", "folder": "faturas"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(err["fields"][0]["field"], "folder");
    let err = invoke(
        &window,
        "save_storage_settings",
        json!({"token": admin, "input": {"kind": "s3", "endpoint": "https://s3.beg.com.br",
               "bucket": "faturas", "access_key": "AK"}}),
    )
    .unwrap_err();
    assert_eq!(err["fields"][0]["field"], "secret_key", "{err}");
    let view = invoke(&window, "get_storage_settings", json!({"token": admin})).unwrap();
    assert_eq!(view["kind"], "pasta");
    assert_eq!(view["s3"]["access_key_set"], false);
    assert!(
        view["default_folder"]
            .as_str()
            .unwrap()
            .ends_with("faturas"),
        "{view}"
    );
}

#[test]
fn the_theme_and_the_preferences_are_saved_and_audited() {
    let db = TempDb::new();
    let (desk, _, operador) =
        desk_with_team(&db, "Davi Operador", "davi@beg.com.br", Role::Operador);
    let store = desk.store().clone();
    let (_app, window) = mock_app(
        AppState::with_desk(desk),
        tauri::generate_handler![
            super::system_settings::save_theme,
            super::desktop::save_desktop_preferences,
        ],
    );
    let audited = || {
        block_on(store.audit_trail("preferencias_computador", None, 10))
            .unwrap()
            .into_iter()
            .map(|e| (e.actor.name, e.detail.unwrap_or_default(), e.after))
            .collect::<Vec<_>>()
    };

    // Any logged-in role chooses this computer's theme; nobody logged in cannot.
    let err = invoke(
        &window,
        "save_theme",
        json!({"token": "x", "theme": "dark"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    let saved = invoke(
        &window,
        "save_theme",
        json!({"token": operador, "theme": "dark"}),
    )
    .unwrap();
    assert_eq!(saved["theme"], "dark");
    // An unknown theme: the pt-BR answer on the field, and the saved theme unchanged.
    let err = invoke(
        &window,
        "save_theme",
        json!({"token": operador, "theme": "roxo"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(err["fields"][0]["field"], "theme");
    assert_eq!(
        err["fields"][0]["message"],
        "Tema desconhecido: \"roxo\". Escolha automático, claro ou escuro."
    );
    assert_eq!(
        audited(),
        vec![(
            "Davi Operador".to_string(),
            "Tema deste computador: escuro".to_string(),
            Some(json!({"theme": "dark"}))
        )]
    );

    // The notification preferences are audited too (only what changed).
    let mut prefs = saved.clone();
    prefs["close_to_tray"] = json!(false);
    invoke(
        &window,
        "save_desktop_preferences",
        json!({"token": operador, "preferences": prefs}),
    )
    .unwrap();
    let rows = audited();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].1, "Preferências deste computador alteradas");
    assert_eq!(rows[0].2, Some(json!({"close_to_tray": false})));
}
