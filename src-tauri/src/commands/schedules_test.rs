//! The schedule commands at the IPC boundary, as the window calls them: other roles get
//! FORBIDDEN as JSON, a bad expression is VALIDATION with `fields.cron` in pt-BR and
//! nothing written, a stale version is CONFLICT, and the preview answers five runs.
//! Mock runtime for the window; a real SQLite file.

use super::roles_test::{desk_with_team, invoke, mock_app, TempDb};
use crate::state::AppState;
use brm_core::Role;
use serde_json::{json, Value};
use tauri::test::MockRuntime;
use tauri::{App, WebviewWindow};

fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::schedules::list_schedules,
            super::schedules::preview_schedule,
            super::schedules::create_schedule,
            super::schedules::update_schedule,
            super::schedules::set_schedule_active,
            super::schedules::delete_schedule,
        ],
    )
}

fn items(window: &WebviewWindow<MockRuntime>, token: &str) -> Vec<Value> {
    invoke(window, "list_schedules", json!({"token": token})).unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn schedule_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let (desk, admin, aprovador) =
        desk_with_team(&db, "Bia Aprovadora", "bia@beg.com.br", Role::Aprovador);
    let (_app, window) = app(AppState::with_desk(desk));
    let id = "00000000-0000-4000-8000-000000000001";
    let input = json!({"name": "Baixar faturas de manhã", "cron": "0 7 * * *", "kind": "EXECUTAR_DOWNLOADS"});

    // Other roles: FORBIDDEN for every command, nothing written.
    for (cmd, args) in [
        ("list_schedules", json!({"token": aprovador})),
        (
            "preview_schedule",
            json!({"token": aprovador, "cron": "0 7 * * *"}),
        ),
        (
            "create_schedule",
            json!({"token": aprovador, "input": input}),
        ),
        (
            "update_schedule",
            json!({"token": aprovador, "id": id, "version": 1, "input": input}),
        ),
        (
            "set_schedule_active",
            json!({"token": aprovador, "id": id, "version": 1, "active": false}),
        ),
        (
            "delete_schedule",
            json!({"token": aprovador, "id": id, "version": 1}),
        ),
    ] {
        let err = invoke(&window, cmd, args).unwrap_err();
        assert_eq!(err["code"], "FORBIDDEN", "{cmd}: {err}");
        assert!(err["message"]
            .as_str()
            .unwrap()
            .starts_with("Seu perfil não permite"));
    }
    assert!(items(&window, &admin).is_empty());

    // The preview: five runs one day apart, in Brasília time, with ISO and display.
    let preview = invoke(
        &window,
        "preview_schedule",
        json!({"token": admin, "cron": "30 7 * * *"}),
    )
    .unwrap();
    assert_eq!(preview["description"], "Todo dia às 07:30");
    let runs = preview["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    for r in runs {
        assert!(
            r["at"].as_str().unwrap().ends_with("T07:30:00-03:00"),
            "{r}"
        );
        assert!(r["display"].as_str().unwrap().ends_with(" 07:30"), "{r}");
    }
    let err = invoke(
        &window,
        "preview_schedule",
        json!({"token": admin, "cron": "0 25 * * *"}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "VALIDATION", "message": "O campo hora aceita de 0 a 23; \"25\" está fora desse intervalo.",
               "fields": [{"field": "cron", "message": "O campo hora aceita de 0 a 23; \"25\" está fora desse intervalo."}]})
    );

    // A bad expression on save: VALIDATION on fields.cron, nothing written.
    let err = invoke(
        &window,
        "create_schedule",
        json!({"token": admin, "input": {"name": "Errado", "cron": "0 6 1 *", "kind": "LIMPEZA_LOGS"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(err["fields"][0]["field"], "cron");
    assert_eq!(
        err["fields"][0]["message"],
        "A expressão cron precisa de 5 campos (minuto hora dia mês dia-da-semana); tem 4."
    );
    assert!(items(&window, &admin).is_empty());

    let made = invoke(
        &window,
        "create_schedule",
        json!({"token": admin, "input": input}),
    )
    .unwrap();
    assert_eq!(made["version"], 1);
    assert_eq!(made["kind_label"], "Baixar faturas");
    assert_eq!(made["description"], "Todo dia às 07:00");
    assert!(made["next_run"]["display"]
        .as_str()
        .unwrap()
        .ends_with(" 07:00"));
    let made_id = made["id"].as_str().unwrap().to_string();

    // Saved again from the same version: the first wins, the second is CONFLICT.
    let changed = invoke(
        &window,
        "update_schedule",
        json!({"token": admin, "id": made_id, "version": 1,
               "input": {"name": "Baixar faturas de manhã", "cron": "0 8 * * *", "kind": "EXECUTAR_DOWNLOADS"}}),
    )
    .unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["cron"], "0 8 * * *");
    let err = invoke(
        &window,
        "update_schedule",
        json!({"token": admin, "id": made_id, "version": 1,
               "input": {"name": "Baixar faturas de manhã", "cron": "0 9 * * *", "kind": "EXECUTAR_DOWNLOADS"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT");
    assert_eq!(
        err["message"],
        "Este agendamento foi alterado por outra pessoa enquanto você editava. Recarregue e tente de novo."
    );
    let err = invoke(
        &window,
        "delete_schedule",
        json!({"token": admin, "id": made_id, "version": 1}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT");
    let list = items(&window, &admin);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["cron"], "0 8 * * *");

    let off = invoke(
        &window,
        "set_schedule_active",
        json!({"token": admin, "id": made_id, "version": 2, "active": false}),
    )
    .unwrap();
    assert_eq!(off["active"], false);
    assert_eq!(off["next_run"], Value::Null);
    assert_eq!(
        invoke(
            &window,
            "delete_schedule",
            json!({"token": admin, "id": made_id, "version": 3})
        )
        .unwrap(),
        Value::Null
    );
    assert!(items(&window, &admin).is_empty());
}
