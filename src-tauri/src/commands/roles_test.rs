//! Roles at the command boundary: the real commands, invoked through Tauri's IPC on the
//! mock runtime with this app's own capabilities (`tauri.conf.json` and
//! `capabilities/`), as a logged-in OPERADOR or APROVADOR. Each must come back as the
//! serialised `{"code":"FORBIDDEN",...}` the window shows, and the data must not move.
//! A command added to [`cases`] (and to the handler in [`app`]) is covered for every
//! role it names; every role it does not name must get past the role check (any answer
//! but FORBIDDEN), and a session that does not exist gets UNAUTHENTICATED, as JSON.
//!
//! The mock runtime stands in for the WebKit window only (no display is needed); the
//! database is a real SQLite file, and secrets go to an in-memory key store, never the
//! OS keyring.

use crate::state::AppState;
use brm_core::client::ClientInput;
use brm_core::clock::{Clock, SystemClock};
use brm_core::operator::OperatorInput;
use brm_core::user::{NewAdminInput, NewUserInput, User, UserFilter};
use brm_core::Role;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::Desk;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::{CallbackFn, Invoke, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use uuid::Uuid;

pub(super) const PW: &str = "senha-forte-da-equipe";
/// The first administrator's password in [`desk_with_team`].
pub(super) const ADMIN_PW: &str = "senha-forte-do-admin";

/// The ids a command's arguments point at: real rows where the command needs one.
struct Ids {
    token: String,
    admin: Uuid,
    me: Uuid,
}

/// One command, the arguments the window would send, and the roles it must refuse.
struct Case {
    cmd: &'static str,
    args: fn(&Ids) -> Value,
    refused: &'static [Role],
}

const NOT_ADMIN: &[Role] = &[Role::Operador, Role::Aprovador];
const OPERADOR: &[Role] = &[Role::Operador];
/// Every logged-in role may call it.
const NOBODY: &[Role] = &[];

fn cases() -> Vec<Case> {
    vec![
        // --- users: administrators only --------------------------------------------
        Case {
            cmd: "list_users",
            args: |i| json!({"token": i.token, "filter": {}}),
            refused: NOT_ADMIN,
        },
        Case {
            cmd: "create_user",
            args: |i| {
                json!({"token": i.token, "input": {
                    "full_name": "Intrusa", "email": "intrusa@beg.com.br", "role": "ADMINISTRADOR",
                    "password": PW, "password_confirmation": PW}})
            },
            refused: NOT_ADMIN,
        },
        Case {
            cmd: "set_user_role",
            args: |i| json!({"token": i.token, "id": i.admin, "role": "OPERADOR"}),
            refused: NOT_ADMIN,
        },
        Case {
            // No self-promotion either.
            cmd: "set_user_role",
            args: |i| json!({"token": i.token, "id": i.me, "role": "ADMINISTRADOR"}),
            refused: NOT_ADMIN,
        },
        Case {
            cmd: "set_user_active",
            args: |i| json!({"token": i.token, "id": i.admin, "active": false}),
            refused: NOT_ADMIN,
        },
        Case {
            cmd: "reset_user_password",
            args: |i| {
                json!({"token": i.token, "id": i.admin, "password": "tomada-de-conta-123",
                       "password_confirmation": "tomada-de-conta-123"})
            },
            refused: NOT_ADMIN,
        },
        // --- processes: deciding is for approvers, cancelling for administrators ----
        // The role is checked before the process is looked up, so an id of nothing is
        // enough: a NOT_FOUND here would mean the check came too late.
        Case {
            cmd: "approve_process",
            args: |i| json!({"token": i.token, "id": Uuid::new_v4(), "version": 1}),
            refused: OPERADOR,
        },
        Case {
            cmd: "reject_process",
            args: |i| {
                json!({"token": i.token, "id": Uuid::new_v4(), "version": 1,
                       "reason": "Valor divergente do contrato."})
            },
            refused: OPERADOR,
        },
        Case {
            cmd: "cancel_process",
            args: |i| {
                json!({"token": i.token, "id": Uuid::new_v4(), "version": 1,
                       "reason": "Conta encerrada pelo cliente."})
            },
            refused: NOT_ADMIN,
        },
        // --- database settings: administrators only ---------------------------------
        Case {
            cmd: "get_database_settings",
            args: |i| json!({"token": i.token}),
            refused: NOT_ADMIN,
        },
        Case {
            cmd: "test_database_connection",
            args: |i| json!({"token": i.token, "input": pg_settings()}),
            refused: NOT_ADMIN,
        },
        Case {
            // Refused before the password reaches the keyring or the config file.
            cmd: "save_database_settings",
            args: |i| json!({"token": i.token, "input": pg_settings()}),
            refused: NOT_ADMIN,
        },
        // --- approval desk: everyone sees the queue, approvers decide and type values,
        // administrators change its settings -------------------------------------------
        Case {
            // What Approvals.jsx sends.
            cmd: "list_approval_queue",
            args: |i| {
                json!({"token": i.token, "filter": {"month": null, "operator_id": null,
                       "search": null, "sort": "vencimento", "descending": false}})
            },
            refused: NOBODY,
        },
        Case {
            cmd: "invoice_pdf",
            args: |i| json!({"token": i.token, "id": Uuid::new_v4()}),
            refused: NOBODY,
        },
        Case {
            cmd: "client_invoice_history",
            args: |i| json!({"token": i.token, "client_id": Uuid::new_v4(), "months": 12}),
            refused: NOBODY,
        },
        Case {
            cmd: "set_invoice_values",
            args: |i| {
                json!({"token": i.token, "id": Uuid::new_v4(), "version": 1,
                       "amount": "1.234,56", "due_date": "2026-12-10"})
            },
            refused: OPERADOR,
        },
        Case {
            cmd: "approve_many",
            args: |i| {
                json!({"token": i.token, "items": [{"id": Uuid::new_v4(), "version": 1}],
                       "notes": null})
            },
            refused: OPERADOR,
        },
        Case {
            cmd: "rejection_reasons",
            args: |i| json!({"token": i.token}),
            refused: NOBODY,
        },
        Case {
            cmd: "get_approval_settings",
            args: |i| json!({"token": i.token}),
            refused: NOBODY,
        },
        Case {
            cmd: "save_approval_settings",
            args: |i| {
                json!({"token": i.token,
                       "input": {"tolerance_pct": 5, "due_soon_days": 1, "four_eyes": true}})
            },
            refused: NOT_ADMIN,
        },
        // --- dashboard and exports: an export has its list's role --------------------
        Case {
            cmd: "dashboard",
            args: |i| json!({"token": i.token, "month": "2026-11"}),
            refused: NOBODY,
        },
        Case {
            cmd: "export_list",
            args: |i| json!({"token": i.token, "list": "usuarios", "filter": {}, "format": "csv"}),
            refused: NOT_ADMIN,
        },
        Case {
            // A month that does not parse: the role check passes, then VALIDATION, and
            // no file is written anywhere.
            cmd: "export_list",
            args: |i| {
                json!({"token": i.token, "list": "aprovacao", "filter": {"month": "13/2026"},
                       "format": "xlsx"})
            },
            refused: NOBODY,
        },
    ]
}

fn pg_settings() -> Value {
    json!({"kind": "postgres", "host": "127.0.0.1", "port": 5432, "database": "brm",
           "username": "brm", "password": "senha-do-banco", "sslmode": "disable"})
}

/// The app as `run()` builds it, on the mock runtime, with a window labelled `main` so
/// the capability in `capabilities/main.json` applies to it.
fn app(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    mock_app(
        state,
        tauri::generate_handler![
            super::users::list_users,
            super::users::create_user,
            super::users::set_user_role,
            super::users::set_user_active,
            super::users::reset_user_password,
            super::processes::approve_process,
            super::processes::reject_process,
            super::processes::cancel_process,
            super::settings::get_database_settings,
            super::settings::test_database_connection,
            super::settings::save_database_settings,
            super::approval::list_approval_queue,
            super::approval::invoice_pdf,
            super::approval::client_invoice_history,
            super::approval::set_invoice_values,
            super::approval::approve_many,
            super::approval::rejection_reasons,
            super::approval::get_approval_settings,
            super::approval::save_approval_settings,
            super::dashboard::dashboard,
            super::exports::export_list,
        ],
    )
}

/// The app on the mock runtime with `state` and these commands (a
/// `tauri::generate_handler!`), this app's own configuration and capabilities, and a
/// window labelled `main` so the capability in `capabilities/main.json` applies to it.
pub(super) fn mock_app<H>(
    state: AppState,
    handler: H,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>)
where
    H: Fn(Invoke<MockRuntime>) -> bool + Send + Sync + 'static,
{
    let app = mock_builder()
        .manage(state)
        .invoke_handler(handler)
        .build(tauri::generate_context!(
            "../tauri.conf.json",
            test = true,
            assets = noop_assets()
        ))
        .expect("mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

/// Creates Ana as the first administrator with this password and logs her in: her token.
pub(super) async fn first_admin(desk: &Desk, password: &str) -> String {
    desk.create_first_admin(NewAdminInput {
        full_name: "Ana Administradora".into(),
        email: "ana@beg.com.br".into(),
        password: password.into(),
        password_confirmation: password.into(),
    })
    .await
    .unwrap();
    desk.login("ana@beg.com.br", password.into())
        .await
        .unwrap()
        .token
}

/// A desk on `db` (secrets in an in-memory key store) with Ana, the first administrator,
/// and one more person of `role`: the desk, Ana's token and that person's token.
pub(super) fn desk_with_team(
    db: &TempDb,
    name: &str,
    email: &str,
    role: Role,
) -> (Desk, String, String) {
    desk_with_team_on(db, name, email, role, Arc::new(SystemClock))
}

/// [`desk_with_team`] on a clock of the test's: what depends on the time (file names
/// stamped to the minute) is then the same on any day and at any second.
pub(super) fn desk_with_team_on(
    db: &TempDb,
    name: &str,
    email: &str,
    role: Role,
    clock: Arc<dyn Clock>,
) -> (Desk, String, String) {
    tauri::async_runtime::block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::with_clock(store, clock)
            .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        let admin = first_admin(&desk, ADMIN_PW).await;
        create_user(&desk, &admin, name, email, role).await;
        let other = login(&desk, email).await;
        (desk, admin, other)
    })
}

/// Creates a user through the desk, as the administrator does, with the password `PW`.
pub(super) async fn create_user(desk: &Desk, admin: &str, name: &str, email: &str, role: Role) {
    desk.create_user(
        admin,
        NewUserInput {
            full_name: name.into(),
            email: email.into(),
            phone: None,
            role: Some(role),
            password: PW.into(),
            password_confirmation: PW.into(),
        },
    )
    .await
    .unwrap();
}

/// An operator whose invoices arrive by hand (Azuton, no robot) and one client of it.
pub(super) async fn manual_operator_client(desk: &Desk, admin: &str) -> Uuid {
    let op = desk
        .create_operator(
            admin,
            OperatorInput {
                name: "Azuton".into(),
                code: "AZUTON".into(),
                has_rpa: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    desk.create_client(
        admin,
        ClientInput {
            legal_name: "PÃO E TAL TRANSPORTES S/A".into(),
            cnpj: "13.878.375/0001-09".into(),
            operator_id: Some(op.id),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// A session token for a user with the password `PW`.
pub(super) async fn login(desk: &Desk, email: &str) -> String {
    desk.login(email, PW.into()).await.unwrap().token
}

/// The request the window sends for `cmd` with these JSON arguments.
pub(super) fn request(cmd: &str, args: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

/// A command whose answer is JSON.
pub(super) fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(window, request(cmd, args))
        .map(|body| body.deserialize::<Value>().expect("json answer"))
}

/// A temporary SQLite file removed when the test ends, pass or fail.
pub(super) struct TempDb(PathBuf);

impl TempDb {
    pub(super) fn new() -> Self {
        Self(std::env::temp_dir().join(format!("brm-roles-{}", Uuid::new_v4())))
    }

    pub(super) fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("brm.sqlite3").display())
    }
}

impl TempDb {
    pub(super) fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tauri::async_runtime::block_on(f)
}

async fn users(desk: &Desk) -> Vec<User> {
    let filter = UserFilter {
        page_size: 200,
        ..Default::default()
    };
    desk.store().list_users(&filter).await.unwrap().items
}

#[test]
fn commands_refuse_roles_that_may_not_use_them() {
    let db = TempDb::new();
    let desk = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        let admin = first_admin(&desk, "senha-forte-do-admin").await;
        for (email, role) in [
            ("oper@beg.com.br", Role::Operador),
            ("aprov@beg.com.br", Role::Aprovador),
        ] {
            create_user(
                &desk,
                &admin,
                &format!("Pessoa {}", role.as_str()),
                email,
                role,
            )
            .await;
        }
        desk
    });
    let admin_id = block_on(desk.store().user_by_email("ana@beg.com.br"))
        .unwrap()
        .unwrap()
        .id;
    let (_app, window) = app(AppState::with_desk(desk.clone()));

    let mut sessions = Vec::new();
    for (email, role) in [
        ("oper@beg.com.br", Role::Operador),
        ("aprov@beg.com.br", Role::Aprovador),
    ] {
        let login = block_on(desk.login(email, PW.into())).unwrap();
        let ids = Ids {
            token: login.token,
            admin: admin_id,
            me: login.user.id,
        };
        sessions.push((role, ids));
    }
    let before = block_on(users(&desk));
    let audit_before = block_on(desk.store().audit_trail("usuario", None, 1000))
        .unwrap()
        .len();
    let settings_before =
        serde_json::to_value(block_on(desk.get_approval_settings(&sessions[1].1.token)).unwrap())
            .unwrap();

    let mut checked = 0;
    for case in cases() {
        for (role, ids) in sessions.iter().filter(|(r, _)| case.refused.contains(r)) {
            let answer = invoke(&window, case.cmd, (case.args)(ids));
            let who = format!("{} as {}", case.cmd, role.as_str());
            let err = answer.expect_err(&who);
            assert_eq!(err["code"], "FORBIDDEN", "{who}: {err}");
            let message = err["message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("Seu perfil não permite "),
                "{who}: {err}"
            );
            assert_eq!(
                err.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["code", "message"],
                "{who}: {err}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 28);

    // The roles a case does not refuse get past the role check: whatever the answer
    // (an id of nothing is NOT_FOUND), it is the desk's JSON and not FORBIDDEN.
    let mut allowed = 0;
    for case in cases() {
        for (role, ids) in sessions.iter().filter(|(r, _)| !case.refused.contains(r)) {
            let who = format!("{} as {}", case.cmd, role.as_str());
            if let Err(err) = invoke(&window, case.cmd, (case.args)(ids)) {
                let code = err["code"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{who}: {err}"));
                assert!(
                    !["FORBIDDEN", "UNAUTHENTICATED"].contains(&code),
                    "{who}: {err}"
                );
            }
            allowed += 1;
        }
    }
    assert_eq!(allowed, 18);

    // Without a session every command answers UNAUTHENTICATED, as JSON.
    let nobody = Ids {
        token: "sessao-que-nao-existe".into(),
        admin: admin_id,
        me: admin_id,
    };
    let mut unauthenticated = 0;
    for case in cases() {
        let err = invoke(&window, case.cmd, (case.args)(&nobody)).expect_err(case.cmd);
        assert_eq!(err["code"], "UNAUTHENTICATED", "{}: {err}", case.cmd);
        assert_eq!(
            err.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["code", "message"],
            "{}: {err}",
            case.cmd
        );
        unauthenticated += 1;
    }
    assert_eq!(unauthenticated, 23);
    assert_eq!(
        serde_json::to_value(block_on(desk.get_approval_settings(&sessions[1].1.token)).unwrap())
            .unwrap(),
        settings_before,
        "refused settings changed nothing"
    );

    assert_eq!(
        block_on(users(&desk)),
        before,
        "refused commands changed nothing"
    );
    assert_eq!(
        block_on(desk.store().audit_trail("usuario", None, 1000))
            .unwrap()
            .len(),
        audit_before
    );
}

/// The same path answers an administrator: the refusals above are the role check, not
/// a command that cannot be reached or arguments that do not parse.
#[test]
fn an_administrator_gets_through_the_same_commands() {
    let db = TempDb::new();
    let (desk, token) = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        let token = first_admin(&desk, "senha-forte-do-admin").await;
        (desk, token)
    });
    let (mock, window) = app(AppState::with_desk(desk.clone()));

    let created = invoke(
        &window,
        "create_user",
        json!({"token": token, "input": {
            "full_name": "Caio Operador", "email": "caio@beg.com.br", "role": "OPERADOR",
            "password": PW, "password_confirmation": PW}}),
    )
    .unwrap();
    assert_eq!(created["role"], "OPERADOR");
    assert!(created.get("password_hash").is_none());
    let id = created["id"].clone();

    let changed = invoke(
        &window,
        "set_user_role",
        json!({"token": token, "id": id, "role": "APROVADOR"}),
    )
    .unwrap();
    assert_eq!(changed["role"], "APROVADOR");

    // The window sends `password_confirmation` in snake_case, as its forms name it.
    let new_pw = "outra-senha-bem-longa";
    invoke(
        &window,
        "reset_user_password",
        json!({"token": token, "id": id, "password": new_pw, "password_confirmation": new_pw}),
    )
    .unwrap();
    block_on(desk.login("caio@beg.com.br", new_pw.into())).unwrap();

    let off = invoke(
        &window,
        "set_user_active",
        json!({"token": token, "id": id, "active": false}),
    )
    .unwrap();
    assert_eq!(off["active"], false);

    let page = invoke(&window, "list_users", json!({"token": token, "filter": {}})).unwrap();
    assert_eq!(page["total"], 2);

    // And the last administrator is kept, with the store's message as the window sees it.
    let me = block_on(desk.store().user_by_email("ana@beg.com.br"))
        .unwrap()
        .unwrap()
        .id;
    let refused = invoke(
        &window,
        "set_user_active",
        json!({"token": token, "id": me, "active": false}),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        json!({"code": "CONFLICT", "message": "Não é possível remover ou rebaixar o último administrador ativo."})
    );

    // The capabilities are this app's own: a window they do not name reaches no
    // command at all, whatever the session.
    let other = WebviewWindowBuilder::new(&mock, "outra", Default::default())
        .build()
        .unwrap();
    let denied = invoke(&other, "list_users", json!({"token": token, "filter": {}})).unwrap_err();
    assert!(
        denied.as_str().is_some_and(|m| m.contains("not allowed")),
        "refused by the ACL, not by the desk: {denied}"
    );
}
