//! The use cases through `Desk`, the same calls the window's commands make, on a real
//! SQLite database and a clock the tests move.

mod common;

use brm_core::audit::action;
use brm_core::clock::ManualClock;
use brm_core::operator::{OperatorFilter, OperatorInput};
use brm_core::user::NewAdminInput;
use brm_core::{ErrorCode, Role};
use brm_service::Desk;
use chrono::Duration;
use common::{admin_input, PW};
use sqlx::SqlitePool;
use std::sync::Arc;

fn desk(pool: &SqlitePool) -> (Desk, Arc<ManualClock>) {
    let clock = common::clock_at(2026, 11, 2, 12, 0);
    (
        Desk::with_clock(common::sqlite_store(pool), clock.clone()),
        clock,
    )
}

/// Adds a user of another role straight into the table: user management is not in this
/// slice yet, and these tests need an OPERADOR and an APROVADOR to be refused.
async fn add_user(pool: &SqlitePool, email: &str, role: Role) {
    common::insert_user(pool, &format!("Pessoa {}", role.as_str()), email, role).await;
}

fn vivo() -> OperatorInput {
    OperatorInput {
        name: "Vivo".into(),
        code: "VIVO".into(),
        has_rpa: true,
        portal_url: Some("https://portal.vivo.exemplo".into()),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn first_run_creates_one_administrator_and_no_more(pool: SqlitePool) {
    let (desk, _) = desk(&pool);
    assert!(desk.setup_status().await.unwrap().needs_admin);

    let short = desk
        .create_first_admin(admin_input("curta"))
        .await
        .unwrap_err();
    assert_eq!(short.code, ErrorCode::Validation);
    assert_eq!(short.fields[0].field, "password");
    assert!(
        desk.setup_status().await.unwrap().needs_admin,
        "nothing stored"
    );

    let admin = desk.create_first_admin(admin_input(PW)).await.unwrap();
    assert_eq!(admin.role, Role::Administrador);
    assert!(!desk.setup_status().await.unwrap().needs_admin);

    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PW));

    let again = desk
        .create_first_admin(NewAdminInput {
            email: "outro@beg.com.br".into(),
            ..admin_input(PW)
        })
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::AlreadyInitialized);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn login_logout_and_lockout_are_audited(pool: SqlitePool) {
    let (desk, clock) = desk(&pool);
    desk.create_first_admin(admin_input(PW)).await.unwrap();

    let unknown = desk
        .login("ninguem@beg.com.br", PW.into())
        .await
        .unwrap_err();
    let wrong = desk
        .login("ana@beg.com.br", "senha errada".into())
        .await
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::InvalidCredentials);
    assert_eq!(
        unknown, wrong,
        "an unknown e-mail is indistinguishable from a wrong password"
    );
    assert_eq!(wrong.message, "E-mail ou senha inválidos.");

    // E-mail is matched ignoring case and spaces.
    let ok = desk.login("  ANA@beg.com.br ", PW.into()).await.unwrap();
    assert_eq!(
        desk.current_session(&ok.token).unwrap().email,
        "ana@beg.com.br"
    );
    desk.logout(&ok.token).await.unwrap();
    assert_eq!(
        desk.current_session(&ok.token).unwrap_err().code,
        ErrorCode::Unauthenticated
    );

    // Five wrong passwords lock the account; the right one is refused while locked.
    for i in 1..=5 {
        let e = desk
            .login("ana@beg.com.br", format!("errada {i}"))
            .await
            .unwrap_err();
        let expected = if i < 5 {
            ErrorCode::InvalidCredentials
        } else {
            ErrorCode::AccountLocked
        };
        assert_eq!(e.code, expected, "attempt {i}");
    }
    let locked = desk.login("ana@beg.com.br", PW.into()).await.unwrap_err();
    assert_eq!(locked.code, ErrorCode::AccountLocked);
    assert!(
        locked.message.starts_with("Conta bloqueada"),
        "{}",
        locked.message
    );
    clock.advance(Duration::minutes(14));
    assert_eq!(
        desk.login("ana@beg.com.br", PW.into())
            .await
            .unwrap_err()
            .code,
        ErrorCode::AccountLocked
    );
    clock.advance(Duration::minutes(1) + Duration::seconds(1));
    let back = desk.login("ana@beg.com.br", PW.into()).await.unwrap();
    assert_eq!(back.user.email, "ana@beg.com.br");

    let trail = desk
        .store()
        .audit_trail("usuario", None, 100)
        .await
        .unwrap();
    let count = |a: &str| trail.iter().filter(|e| e.action == a).count();
    assert_eq!(count(action::LOGIN_OK), 2);
    assert_eq!(count(action::LOGOUT), 1);
    assert_eq!(count(action::CONTA_BLOQUEADA), 1);
    // unknown e-mail + wrong + 5 wrong + 2 refused while locked
    assert_eq!(count(action::LOGIN_FALHOU), 9);
    assert!(trail.iter().any(|e| e.action == action::LOGIN_FALHOU
        && e.actor.user_id.is_none()
        && e.actor.name == "ninguem@beg.com.br"));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn only_administrators_change_operators(pool: SqlitePool) {
    let (desk, _) = desk(&pool);
    desk.create_first_admin(admin_input(PW)).await.unwrap();
    add_user(&pool, "oper@beg.com.br", Role::Operador).await;
    add_user(&pool, "aprov@beg.com.br", Role::Aprovador).await;
    let admin = desk.login("ana@beg.com.br", PW.into()).await.unwrap().token;
    let created = desk.create_operator(&admin, vivo()).await.unwrap();

    for email in ["oper@beg.com.br", "aprov@beg.com.br"] {
        let t = desk.login(email, PW.into()).await.unwrap().token;
        let e = desk
            .create_operator(
                &t,
                OperatorInput {
                    name: "Oi".into(),
                    code: "OI".into(),
                    ..vivo()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{email}");
        assert_eq!(e.message, "Seu perfil não permite cadastrar operadoras.");
        let e = desk
            .update_operator(&t, created.id, created.version, vivo())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e = desk
            .set_operator_active(&t, created.id, created.version, false)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        // Reading is allowed to every role.
        assert_eq!(
            desk.list_operators(&t, OperatorFilter::default())
                .await
                .unwrap()
                .total,
            1
        );
    }
    let stored = desk
        .store()
        .operator_by_id(created.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, created, "refused calls changed nothing");

    let e = desk
        .list_operators("token-inventado", OperatorFilter::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"code": "UNAUTHENTICATED", "message": "Sua sessão terminou. Entre novamente."})
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn bad_operator_input_stores_nothing(pool: SqlitePool) {
    let (desk, _) = desk(&pool);
    desk.create_first_admin(admin_input(PW)).await.unwrap();
    let t = desk.login("ana@beg.com.br", PW.into()).await.unwrap().token;
    desk.create_operator(&t, vivo()).await.unwrap();
    let audit_before = desk
        .store()
        .audit_trail("operadora", None, 100)
        .await
        .unwrap()
        .len();

    let blank = desk
        .create_operator(
            &t,
            OperatorInput {
                name: "  ".into(),
                code: "OI".into(),
                ..vivo()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (blank.code, blank.fields[0].field.as_str()),
        (ErrorCode::Validation, "name")
    );

    let dup_code = desk
        .create_operator(
            &t,
            OperatorInput {
                name: "Vivo Móvel".into(),
                ..vivo()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(dup_code.code, ErrorCode::Conflict);
    assert_eq!(dup_code.fields[0].field, "code");
    assert_eq!(
        dup_code.message,
        "Já existe uma operadora com o código \"VIVO\"."
    );

    let dup_name = desk
        .create_operator(
            &t,
            OperatorInput {
                name: " VIVO ".into(),
                code: "VIVO2".into(),
                ..vivo()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (dup_name.code, dup_name.fields[0].field.as_str()),
        (ErrorCode::Conflict, "name")
    );

    let outsourced = desk
        .create_operator(
            &t,
            OperatorInput {
                name: "Oi".into(),
                code: "OI".into(),
                rpa_outsourced: true,
                rpa_endpoint_url: Some("robo.oi".into()),
                ..vivo()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(outsourced.fields[0].field, "rpa_endpoint_url");

    let page = desk
        .list_operators(&t, OperatorFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(
        desk.store()
            .audit_trail("operadora", None, 100)
            .await
            .unwrap()
            .len(),
        audit_before
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn edits_are_versioned_and_audited_with_before_and_after(pool: SqlitePool) {
    let (desk, _) = desk(&pool);
    desk.create_first_admin(admin_input(PW)).await.unwrap();
    let t = desk.login("ana@beg.com.br", PW.into()).await.unwrap().token;
    let v1 = desk.create_operator(&t, vivo()).await.unwrap();

    let v2 = desk
        .update_operator(
            &t,
            v1.id,
            v1.version,
            OperatorInput {
                timeout_secs: Some(600),
                ..vivo()
            },
        )
        .await
        .unwrap();
    assert_eq!((v2.version, v2.timeout_secs), (2, 600));

    // A second window still holding version 1 is told, and its change is not written.
    let stale = desk
        .set_operator_active(&t, v1.id, v1.version, false)
        .await
        .unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);
    assert!(stale.message.contains("alterada por outra pessoa"));

    let v3 = desk
        .set_operator_active(&t, v1.id, v2.version, false)
        .await
        .unwrap();
    assert!(!v3.active);
    // Saving the same values again is not a change.
    let same = desk
        .set_operator_active(&t, v1.id, v3.version, false)
        .await
        .unwrap();
    assert_eq!(same.version, v3.version);

    let trail = desk
        .store()
        .audit_trail("operadora", Some(v1.id), 10)
        .await
        .unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, [action::DESATIVAR, action::ALTERAR, action::CRIAR]);
    assert_eq!(
        trail[1].before,
        Some(serde_json::json!({"timeout_secs": 300}))
    );
    assert_eq!(
        trail[1].after,
        Some(serde_json::json!({"timeout_secs": 600}))
    );
    assert_eq!(trail[0].actor.name, "Ana Administradora");

    let missing = desk
        .update_operator(&t, uuid::Uuid::new_v4(), 1, vivo())
        .await
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}
