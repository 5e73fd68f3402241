//! Configurações → Máquinas robô at the IPC boundary (issue 19): other profiles get
//! FORBIDDEN as JSON; in the embedded default the desktop becomes its own robot machine
//! on the first saved portal password; the identity exports under a passphrase (rules in
//! pt-BR as VALIDATION with the field) and the file holds no usable key; a wrong
//! passphrase on import changes nothing. Mock runtime; real SQLite file; in-memory keys.

use super::roles_test::{block_on, create_user, first_admin, invoke, login, mock_app, TempDb};
use crate::state::AppState;
use brm_core::Role;
use brm_secrets::{KeyStore, MemoryKeyStore, SecretBox, ROBOT_IDENTITY};
use brm_service::Desk;
use serde_json::json;
use std::sync::Arc;
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

const PASSPHRASE: &str = "cavalo correto bateria grampo";

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::robot_machines::list_robot_machines,
            super::robot_machines::decide_robot_machine,
            super::robot_machines::export_robot_identity,
            super::robot_machines::import_robot_identity,
        ],
    )
}

#[test]
fn robot_machine_commands_answer_the_window_in_json() {
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
    let (_app, window) = app(AppState::with_desk(desk.clone()));

    for (cmd, args) in [
        ("list_robot_machines", json!({"token": operador})),
        (
            "decide_robot_machine",
            json!({"token": operador, "id": uuid::Uuid::new_v4(), "approve": true}),
        ),
        (
            "export_robot_identity",
            json!({"token": operador, "passphrase": PASSPHRASE}),
        ),
        (
            "import_robot_identity",
            json!({"token": operador, "file": "x", "passphrase": PASSPHRASE}),
        ),
    ] {
        let err = invoke(&window, cmd, args).unwrap_err();
        assert_eq!(err["code"], "FORBIDDEN", "{cmd}: {err}");
    }

    // Nothing yet: no machine, nothing to export.
    let view = invoke(&window, "list_robot_machines", json!({"token": admin})).unwrap();
    assert_eq!(view["machines"], json!([]));
    let err = invoke(
        &window,
        "export_robot_identity",
        json!({"token": admin, "passphrase": PASSPHRASE}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT", "{err}");

    // The first portal password saved on the embedded desktop makes it the robot machine.
    block_on(async {
        let op = desk
            .create_operator(
                &admin,
                brm_core::operator::OperatorInput {
                    name: "Vivo".into(),
                    code: "VIVO".into(),
                    has_rpa: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        desk.create_client(
            &admin,
            brm_core::client::ClientInput {
                legal_name: "PÃO E TAL TRANSPORTES S/A".into(),
                cnpj: "13.878.375/0001-09".into(),
                operator_id: Some(op.id),
                portal_login: Some("login@portal".into()),
                portal_password: Some("senha-do-portal-77".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    });
    let view = invoke(&window, "list_robot_machines", json!({"token": admin})).unwrap();
    assert_eq!(view["machines"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["machines"][0]["status"], "APROVADA");
    assert_eq!(view["machines"][0]["this_computer"], true);
    assert_eq!(view["to_retype"], json!([]));
    assert!(view["this_computer"].as_str().unwrap().contains(' '));

    // Export: the passphrase rules, then a file that is no key without it.
    let err = invoke(
        &window,
        "export_robot_identity",
        json!({"token": admin, "passphrase": "curta"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert_eq!(err["fields"][0]["field"], "frase_senha");
    assert!(err["message"].as_str().unwrap().contains("pelo menos 12"));
    let out = db.path().join("Downloads");
    std::env::set_var("BRM_EXPORT_DIR", &out);
    let done = invoke(
        &window,
        "export_robot_identity",
        json!({"token": admin, "passphrase": PASSPHRASE}),
    )
    .unwrap();
    let path = std::path::PathBuf::from(done["path"].as_str().unwrap());
    let file = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let secret = keys.get(ROBOT_IDENTITY).unwrap().unwrap();
    assert!(!file.contains(&secret) && !file.contains("AGE-SECRET-KEY"));

    // Import: a wrong passphrase changes nothing; the right one replaces the identity.
    let err = invoke(
        &window,
        "import_robot_identity",
        json!({"token": admin, "file": file, "passphrase": "frase errada qualquer"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("Frase-senha incorreta"));
    assert_eq!(keys.get(ROBOT_IDENTITY).unwrap().unwrap(), secret);
    let err = invoke(
        &window,
        "import_robot_identity",
        json!({"token": admin, "file": "a".repeat(20_000), "passphrase": PASSPHRASE}),
    )
    .unwrap_err();
    assert!(
        err["message"].as_str().unwrap().contains("grande demais"),
        "{err}"
    );
    keys.delete(ROBOT_IDENTITY).unwrap();
    invoke(
        &window,
        "import_robot_identity",
        json!({"token": admin, "file": file, "passphrase": PASSPHRASE}),
    )
    .unwrap();
    assert_eq!(keys.get(ROBOT_IDENTITY).unwrap().unwrap(), secret);

    // Removing the machine: the password is then listed to be typed again.
    let id = view["machines"][0]["id"].clone();
    let removed = invoke(
        &window,
        "decide_robot_machine",
        json!({"token": admin, "id": id, "approve": false}),
    )
    .unwrap();
    assert_eq!(removed["machines"][0]["status"], "REMOVIDA");
    assert_eq!(
        removed["to_retype"][0]["client_name"],
        "PÃO E TAL TRANSPORTES S/A"
    );
    let err = invoke(
        &window,
        "decide_robot_machine",
        json!({"token": admin, "id": id, "approve": true}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT", "{err}");
}
