//! E-mail (issue 21) at the IPC boundary, as the window calls it: other roles get
//! FORBIDDEN as JSON; a bad form comes back as VALIDATION with the fields named as the
//! screen shows them ("smtp.host", "to", "hour"); the SMTP password never comes back in
//! an answer or an error. Mock runtime; real SQLite file; an in-memory key store.

use super::roles_test::{block_on, desk_with_team, invoke, login, mock_app, TempDb};
use crate::state::AppState;
use brm_core::Role;
use serde_json::{json, Value};

const SMTP_PASSWORD: &str = "SenhaSmtp-Janela-62Wd";

fn settings(host: &str, password: Option<&str>) -> Value {
    json!({
        "smtp": {
            "host": host, "port": 587, "security": "STARTTLS", "user": "robo@beg.com.br",
            "sender_name": "BRM Faturas", "sender_address": "faturas@beg.com.br",
            "password": password, "clear_password": false
        },
        "rules": {
            "digest_hour": 8, "due_soon_days": 3, "reminder_after_hours": 24,
            "escalate_within_days": 2
        }
    })
}

fn field_names(err: &Value) -> Vec<&str> {
    err["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {err}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect()
}

#[test]
fn email_commands_answer_the_window_in_json() {
    let db = TempDb::new();
    let (desk, admin, operador) =
        desk_with_team(&db, "Davi Operador", "davi@beg.com.br", Role::Operador);
    let aprovador = block_on(async {
        super::roles_test::create_user(
            &desk,
            &admin,
            "Bruno Aprovador",
            "bruno@beg.com.br",
            Role::Aprovador,
        )
        .await;
        login(&desk, "bruno@beg.com.br").await
    });
    let (_app, window) = mock_app(
        AppState::with_desk(desk),
        tauri::generate_handler![
            super::email::get_email_settings,
            super::email::save_email_settings,
            super::email::send_test_email,
            super::email::get_outbox_message,
            super::email::list_outbox,
            super::email::process_emails,
            super::email::get_my_email_preference,
            super::email::save_my_email_preference,
        ],
    );
    let no_filter = json!({"state": null, "rule": null, "text": null});
    let some_id = "7b0c8d61-3a3e-4c55-9a57-5d1f0a4c2b10";

    // Other roles: FORBIDDEN, in pt-BR, without the password.
    for token in [&operador, &aprovador] {
        for (cmd, args) in [
            ("get_email_settings", json!({"token": token})),
            (
                "save_email_settings",
                json!({"token": token, "input": settings("smtp.beg.com.br", Some(SMTP_PASSWORD))}),
            ),
            (
                "send_test_email",
                json!({"token": token, "to": "davi@beg.com.br"}),
            ),
            (
                "list_outbox",
                json!({"token": token, "filter": no_filter.clone()}),
            ),
            ("get_outbox_message", json!({"token": token, "id": some_id})),
        ] {
            let err = invoke(&window, cmd, args).unwrap_err();
            assert_eq!(err["code"], "FORBIDDEN", "{cmd}: {err}");
            assert!(
                err["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Seu perfil não permite"),
                "{cmd}: {err}"
            );
            assert!(!err.to_string().contains(SMTP_PASSWORD));
        }
    }
    let err = invoke(
        &window,
        "get_email_settings",
        json!({"token": "sem-sessao"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED", "{err}");

    // Nothing saved: the defaults, in the contract's shape.
    let v = invoke(&window, "get_email_settings", json!({"token": admin})).unwrap();
    assert_eq!(
        v,
        json!({
            "smtp": {"host": "", "port": 587, "security": "STARTTLS", "user": "",
                     "sender_name": "BRM RPA Desk", "sender_address": "", "password_set": false},
            "rules": {"digest_hour": 8, "due_soon_days": 3, "reminder_after_hours": 24,
                      "escalate_within_days": 2},
            "configured": false,
            "can_edit": true
        })
    );

    // A bad host, a sender without "@" and plain SMTP to another machine: VALIDATION,
    // every field named as the screen names it, nothing saved.
    let mut bad = settings("smtp beg.com.br", Some(SMTP_PASSWORD));
    bad["smtp"]["sender_address"] = json!("faturas");
    bad["rules"]["digest_hour"] = json!(24);
    let err = invoke(
        &window,
        "save_email_settings",
        json!({"token": admin, "input": bad}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert_eq!(
        field_names(&err),
        vec!["smtp.host", "smtp.sender_address", "rules.digest_hour"]
    );
    assert_eq!(
        err["fields"][2]["message"], "Escolha uma hora de 0 a 23.",
        "{err}"
    );
    assert!(!err.to_string().contains(SMTP_PASSWORD));
    let mut plain = settings("smtp.beg.com.br", None);
    plain["smtp"]["security"] = json!("NENHUMA");
    let err = invoke(
        &window,
        "save_email_settings",
        json!({"token": admin, "input": plain}),
    )
    .unwrap_err();
    assert_eq!(field_names(&err), vec!["smtp.security"], "{err}");
    let v = invoke(&window, "get_email_settings", json!({"token": admin})).unwrap();
    assert_eq!(v["configured"], false);

    // Not configured yet: the test message is refused with a clear message.
    let err = invoke(
        &window,
        "send_test_email",
        json!({"token": admin, "to": "ana@beg.com.br"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "CONFLICT", "{err}");

    // Saved: "password_set", never the password.
    let v = invoke(
        &window,
        "save_email_settings",
        json!({"token": admin, "input": settings("smtp.beg.com.br", Some(SMTP_PASSWORD))}),
    )
    .unwrap();
    assert_eq!(v["smtp"]["password_set"], true, "{v}");
    assert_eq!(v["configured"], true, "{v}");
    assert!(!v.to_string().contains(SMTP_PASSWORD));
    let got = invoke(&window, "get_email_settings", json!({"token": admin})).unwrap();
    assert_eq!(got, v);

    // The test message: a bad address under "to"; a good one queued.
    let err = invoke(
        &window,
        "send_test_email",
        json!({"token": admin, "to": "ana.beg.com.br"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert_eq!(field_names(&err), vec!["to"]);
    let row = invoke(
        &window,
        "send_test_email",
        json!({"token": admin, "to": "ana@beg.com.br"}),
    )
    .unwrap();
    assert_eq!(row["rule"], "TESTE", "{row}");
    assert_eq!(row["rule_label"], "Teste");
    assert_eq!(row["state"], "PENDENTE");
    assert_eq!(row["state_label"], "Na fila");
    assert_eq!(row["recipient_email"], "ana@beg.com.br");
    assert_eq!(row["process_id"], Value::Null);
    let again = invoke(
        &window,
        "get_outbox_message",
        json!({"token": admin, "id": row["id"]}),
    )
    .unwrap();
    assert_eq!(again["id"], row["id"]);
    let err = invoke(
        &window,
        "get_outbox_message",
        json!({"token": admin, "id": some_id}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND", "{err}");
    let list = invoke(
        &window,
        "list_outbox",
        json!({"token": admin, "filter": {"state": "PENDENTE", "rule": "TESTE", "text": null}}),
    )
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let err = invoke(
        &window,
        "list_outbox",
        json!({"token": admin, "filter": {"state": "QUALQUER", "rule": null, "text": null}}),
    )
    .unwrap_err();
    assert_eq!(field_names(&err), vec!["state"], "{err}");

    // Every role reads the e-mails about an invoice.
    let none = invoke(
        &window,
        "process_emails",
        json!({"token": operador, "process_id": some_id}),
    )
    .unwrap();
    assert_eq!(none, json!([]));

    // One's own preference: hour 24 refused under "hour"; a good one saved.
    let p = invoke(
        &window,
        "get_my_email_preference",
        json!({"token": operador}),
    )
    .unwrap();
    assert_eq!(
        p,
        json!({"email": "davi@beg.com.br", "active": true, "receive": true, "hour": null,
               "effective_hour": 8, "is_admin": false})
    );
    let err = invoke(
        &window,
        "save_my_email_preference",
        json!({"token": operador, "input": {"receive": true, "hour": 24}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION", "{err}");
    assert_eq!(field_names(&err), vec!["hour"]);
    let p = invoke(
        &window,
        "save_my_email_preference",
        json!({"token": operador, "input": {"receive": false, "hour": 7}}),
    )
    .unwrap();
    assert_eq!(p["receive"], false);
    assert_eq!(p["hour"], 7);
    assert_eq!(p["effective_hour"], 7);
}
