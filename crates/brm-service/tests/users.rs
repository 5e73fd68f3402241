//! User management through `Desk`, the same calls the window's commands make, on a real
//! SQLite database, a clock the tests move and an in-memory key store (never the OS
//! keyring).

mod common;

use brm_core::audit::{action, AuditEvent};
use brm_core::clock::ManualClock;
use brm_core::user::{NewUserInput, User, UserFilter};
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, REDEFINIR_SENHA};
use chrono::Duration;
use serde_json::json;
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

const ADMIN_PW: &str = common::PW;
const PW: &str = "senha-forte-da-equipe";
const NEW_PW: &str = "outra-senha-bem-longa";
const ADMIN: &str = "ana@beg.com.br";

fn desk(pool: &SqlitePool) -> (Desk, Arc<ManualClock>) {
    let clock = common::clock_at(2026, 11, 2, 12, 0);
    let desk = Desk::with_clock(common::sqlite_store(pool), clock.clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    (desk, clock)
}

/// A desk with its first administrator, and that administrator's session token.
async fn desk_with_admin(pool: &SqlitePool) -> (Desk, Arc<ManualClock>, String) {
    let (desk, clock) = desk(pool);
    let token = common::first_admin(&desk).await;
    (desk, clock, token)
}

fn new_user(email: &str, role: Role) -> NewUserInput {
    NewUserInput {
        full_name: format!("Pessoa {}", role.as_str()),
        email: email.into(),
        phone: None,
        role: Some(role),
        password: PW.into(),
        password_confirmation: PW.into(),
    }
}

async fn all_users(desk: &Desk) -> Vec<User> {
    let filter = UserFilter {
        page_size: 200,
        ..Default::default()
    };
    desk.store().list_users(&filter).await.unwrap().items
}

async fn user_trail(desk: &Desk, id: Option<Uuid>) -> Vec<AuditEvent> {
    desk.store().audit_trail("usuario", id, 100).await.unwrap()
}

async fn admin_id(desk: &Desk, token: &str) -> Uuid {
    desk.current_session(token).unwrap().id
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn an_administrator_creates_a_user_who_then_logs_in(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    let created = desk
        .create_user(
            &admin,
            NewUserInput {
                full_name: "  Bia   Aprovadora ".into(),
                email: " Bia@BEG.com.br ".into(),
                phone: Some(" (67) 3321-0000 ".into()),
                ..new_user("", Role::Aprovador)
            },
        )
        .await
        .unwrap();
    assert_eq!(created.full_name, "Bia Aprovadora");
    assert_eq!(created.email, "bia@beg.com.br");
    assert_eq!(created.phone.as_deref(), Some("(67) 3321-0000"));
    assert_eq!(created.role, Role::Aprovador);
    assert!(created.active && !created.locked);
    assert_eq!(created.last_login_at, None);

    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
        .bind(created.id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );

    let login = desk.login("bia@beg.com.br", PW.into()).await.unwrap();
    assert_eq!(login.user.id, created.id);
    assert_eq!(login.user.role, Role::Aprovador);

    let page = desk
        .list_users(
            &admin,
            UserFilter {
                search: Some("aprov".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, created.id);
    assert!(page.items[0].last_login_at.is_some());
    assert_eq!(
        desk.list_users(&admin, UserFilter::default())
            .await
            .unwrap()
            .total,
        2
    );

    let trail = user_trail(&desk, Some(created.id)).await;
    let create = trail.iter().find(|e| e.action == action::CRIAR).unwrap();
    assert_eq!(create.actor.name, "Ana Administradora");
    assert_eq!(create.before, None);
    assert_eq!(
        create.after,
        Some(json!({
            "full_name": "Bia Aprovadora",
            "email": "bia@beg.com.br",
            "phone": "(67) 3321-0000",
            "role": "APROVADOR",
            "active": true,
        }))
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_taken_email_or_a_bad_form_stores_nothing(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    desk.create_user(&admin, new_user("bia@beg.com.br", Role::Operador))
        .await
        .unwrap();
    let users = all_users(&desk).await;
    let trail = user_trail(&desk, None).await.len();

    let dup = desk
        .create_user(&admin, new_user("  BIA@beg.com.br", Role::Aprovador))
        .await
        .unwrap_err();
    assert_eq!(dup.code, ErrorCode::Conflict);
    assert_eq!(dup.fields.len(), 1);
    assert_eq!(dup.fields[0].field, "email");
    assert_eq!(
        dup.fields[0].message,
        "Já existe um usuário com este e-mail."
    );
    // The administrator's own e-mail is taken too.
    let dup_admin = desk
        .create_user(&admin, new_user(ADMIN, Role::Operador))
        .await
        .unwrap_err();
    assert_eq!(dup_admin.fields[0].field, "email");

    let bad = desk
        .create_user(
            &admin,
            NewUserInput {
                password_confirmation: "outra coisa qualquer".into(),
                role: None,
                ..new_user("caio@beg.com.br", Role::Operador)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::Validation);
    let fields: Vec<_> = bad.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["password_confirmation", "role"]);

    assert_eq!(all_users(&desk).await, users);
    assert_eq!(user_trail(&desk, None).await.len(), trail);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_role_change_is_audited_and_reaches_open_sessions(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    let caio = desk
        .create_user(&admin, new_user("caio@beg.com.br", Role::Operador))
        .await
        .unwrap();
    let caio_token = desk
        .login("caio@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;

    let changed = desk
        .set_user_role(&admin, caio.id, Role::Aprovador)
        .await
        .unwrap();
    assert_eq!(changed.role, Role::Aprovador);
    assert_eq!(
        desk.store()
            .user_by_id(caio.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Aprovador
    );
    // Caio's open session carries the new role without logging in again.
    assert_eq!(
        desk.current_session(&caio_token).unwrap().role,
        Role::Aprovador
    );

    // The same role again is not a change: no audit noise.
    desk.set_user_role(&admin, caio.id, Role::Aprovador)
        .await
        .unwrap();

    let trail = user_trail(&desk, Some(caio.id)).await;
    let changes: Vec<_> = trail
        .iter()
        .filter(|e| e.action == action::ALTERAR)
        .collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].before, Some(json!({"role": "OPERADOR"})));
    assert_eq!(changes[0].after, Some(json!({"role": "APROVADOR"})));
    assert_eq!(
        changes[0].actor.user_id,
        Some(admin_id(&desk, &admin).await)
    );

    let missing = desk
        .set_user_role(&admin, Uuid::new_v4(), Role::Operador)
        .await
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert_eq!(missing.message, "Usuário não encontrado.");
    for e in [
        desk.set_user_active(&admin, Uuid::new_v4(), false)
            .await
            .unwrap_err(),
        desk.reset_user_password(&admin, Uuid::new_v4(), NEW_PW.into(), NEW_PW.into())
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::NotFound, "Usuário não encontrado.")
        );
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_last_active_administrator_cannot_be_demoted_or_deactivated(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    let ana = admin_id(&desk, &admin).await;
    desk.create_user(&admin, new_user("caio@beg.com.br", Role::Operador))
        .await
        .unwrap();
    let users = all_users(&desk).await;
    let trail = user_trail(&desk, None).await.len();

    let demote = desk
        .set_user_role(&admin, ana, Role::Aprovador)
        .await
        .unwrap_err();
    let deactivate = desk.set_user_active(&admin, ana, false).await.unwrap_err();
    for e in [&demote, &deactivate] {
        assert_eq!(e.code, ErrorCode::Conflict);
        assert_eq!(
            e.message,
            "Não é possível remover ou rebaixar o último administrador ativo."
        );
        assert_eq!(
            serde_json::to_value(e).unwrap(),
            json!({"code": "CONFLICT", "message": "Não é possível remover ou rebaixar o último administrador ativo."})
        );
    }
    assert_eq!(all_users(&desk).await, users, "nothing changed");
    assert_eq!(
        user_trail(&desk, None).await.len(),
        trail,
        "nothing audited"
    );
    // Ana is still an administrator in her open session.
    assert_eq!(
        desk.current_session(&admin).unwrap().role,
        Role::Administrador
    );
    desk.list_users(&admin, UserFilter::default())
        .await
        .unwrap();

    // With a second active administrator, Ana may step down herself; then Davi is the
    // last one and cannot leave either.
    let davi = desk
        .create_user(&admin, new_user("davi@beg.com.br", Role::Administrador))
        .await
        .unwrap();
    let davi_token = desk
        .login("davi@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;
    let ana_now = desk
        .set_user_role(&admin, ana, Role::Aprovador)
        .await
        .unwrap();
    assert_eq!(ana_now.role, Role::Aprovador);
    let refused = desk
        .list_users(&admin, UserFilter::default())
        .await
        .unwrap_err();
    assert_eq!(
        refused.code,
        ErrorCode::Forbidden,
        "her session lost the role"
    );
    let e = desk
        .set_user_active(&davi_token, davi.id, false)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let e = desk
        .set_user_role(&davi_token, davi.id, Role::Operador)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // An inactive administrator does not count as the other one.
    desk.set_user_role(&davi_token, ana, Role::Administrador)
        .await
        .unwrap();
    desk.set_user_active(&davi_token, ana, false).await.unwrap();
    let e = desk
        .set_user_role(&davi_token, davi.id, Role::Operador)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let stored = desk.store().user_by_id(davi.id).await.unwrap().unwrap();
    assert_eq!((stored.role, stored.active), (Role::Administrador, true));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_password_reset_lets_the_user_in_with_the_new_one_and_unlocks(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    let caio = desk
        .create_user(&admin, new_user("caio@beg.com.br", Role::Operador))
        .await
        .unwrap();
    let old_session = desk
        .login("caio@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;
    for i in 1..=5 {
        let _ = desk.login("caio@beg.com.br", format!("errada {i}")).await;
    }
    assert_eq!(
        desk.login("caio@beg.com.br", PW.into())
            .await
            .unwrap_err()
            .code,
        ErrorCode::AccountLocked
    );
    let listed = desk
        .list_users(&admin, UserFilter::default())
        .await
        .unwrap();
    assert!(listed.items.iter().any(|u| u.id == caio.id && u.locked));

    // A bad new password changes nothing.
    let before = all_users(&desk).await;
    let short = desk
        .reset_user_password(&admin, caio.id, "curta".into(), "curta".into())
        .await
        .unwrap_err();
    assert_eq!(short.code, ErrorCode::Validation);
    assert_eq!(short.fields[0].field, "password");
    let mismatch = desk
        .reset_user_password(
            &admin,
            caio.id,
            NEW_PW.into(),
            "outra-senha-diferente".into(),
        )
        .await
        .unwrap_err();
    assert_eq!(mismatch.fields[0].field, "password_confirmation");
    assert_eq!(all_users(&desk).await, before);

    let reset = desk
        .reset_user_password(&admin, caio.id, NEW_PW.into(), NEW_PW.into())
        .await
        .unwrap();
    assert!(!reset.locked);
    let stored = desk.store().user_by_id(caio.id).await.unwrap().unwrap();
    assert_eq!((stored.failed_logins, stored.locked_until), (0, None));

    // Whoever was logged in with the old password is out.
    assert_eq!(
        desk.current_session(&old_session).unwrap_err().code,
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        desk.login("caio@beg.com.br", PW.into())
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidCredentials
    );
    let back = desk.login("caio@beg.com.br", NEW_PW.into()).await.unwrap();
    assert_eq!(back.user.id, caio.id);

    let trail = user_trail(&desk, Some(caio.id)).await;
    let event = trail.iter().find(|e| e.action == REDEFINIR_SENHA).unwrap();
    assert_eq!(event.actor.name, "Ana Administradora");
    assert_eq!(
        event.detail.as_deref(),
        Some("senha redefinida por um administrador; conta desbloqueada")
    );
    let written = serde_json::to_string(&trail).unwrap();
    assert!(!written.contains("argon2"), "no hash in the trail");
    assert!(!written.contains(NEW_PW) && !written.contains(PW));

    // An administrator resetting their own password keeps the session they used.
    let ana = admin_id(&desk, &admin).await;
    let other_admin_session = desk.login(ADMIN, ADMIN_PW.into()).await.unwrap().token;
    desk.reset_user_password(&admin, ana, NEW_PW.into(), NEW_PW.into())
        .await
        .unwrap();
    assert!(desk.current_session(&admin).is_ok());
    assert!(desk.current_session(&other_admin_session).is_err());
    desk.login(ADMIN, NEW_PW.into()).await.unwrap();
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_deactivated_user_cannot_log_in_and_loses_their_session(pool: SqlitePool) {
    let (desk, _, admin) = desk_with_admin(&pool).await;
    let caio = desk
        .create_user(&admin, new_user("caio@beg.com.br", Role::Operador))
        .await
        .unwrap();
    let t1 = desk
        .login("caio@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;
    let t2 = desk
        .login("caio@beg.com.br", PW.into())
        .await
        .unwrap()
        .token;

    let off = desk.set_user_active(&admin, caio.id, false).await.unwrap();
    assert!(!off.active);
    for t in [&t1, &t2] {
        let e = desk.current_session(t).unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated);
    }
    let e = desk.login("caio@beg.com.br", PW.into()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(
        e.message,
        "Este usuário está desativado. Procure um administrador."
    );
    assert_eq!(
        desk.list_users(
            &admin,
            UserFilter {
                active: Some(false),
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .items
        .iter()
        .map(|u| u.id)
        .collect::<Vec<_>>(),
        [caio.id]
    );
    // The administrator's session is untouched.
    assert!(desk.current_session(&admin).is_ok());

    desk.set_user_active(&admin, caio.id, true).await.unwrap();
    desk.login("caio@beg.com.br", PW.into()).await.unwrap();

    let trail = user_trail(&desk, Some(caio.id)).await;
    let off = trail
        .iter()
        .find(|e| e.action == action::DESATIVAR)
        .unwrap();
    assert_eq!(off.before, Some(json!({"active": true})));
    assert_eq!(off.after, Some(json!({"active": false})));
    let on = trail.iter().find(|e| e.action == action::ATIVAR).unwrap();
    assert_eq!(on.after, Some(json!({"active": true})));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn operador_and_aprovador_are_refused_every_user_change(pool: SqlitePool) {
    let (desk, clock, admin) = desk_with_admin(&pool).await;
    let ana = admin_id(&desk, &admin).await;
    for (email, role) in [
        ("oper@beg.com.br", Role::Operador),
        ("aprov@beg.com.br", Role::Aprovador),
    ] {
        desk.create_user(&admin, new_user(email, role))
            .await
            .unwrap();
    }
    let mut tokens = Vec::new();
    for email in ["oper@beg.com.br", "aprov@beg.com.br"] {
        let login = desk.login(email, PW.into()).await.unwrap();
        tokens.push((login.token, login.user.id));
    }
    let users = all_users(&desk).await;
    let trail = user_trail(&desk, None).await.len();
    clock.advance(Duration::minutes(1));

    for (t, me) in &tokens {
        // Against the administrator and against themself (no self-promotion).
        for target in [ana, *me] {
            let refusals = [
                desk.list_users(t, UserFilter::default())
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                desk.create_user(t, new_user("novo@beg.com.br", Role::Administrador))
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                desk.set_user_role(t, target, Role::Administrador)
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                desk.set_user_role(t, target, Role::Operador)
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                desk.set_user_active(t, target, false)
                    .await
                    .map(|_| ())
                    .unwrap_err(),
                desk.reset_user_password(t, target, NEW_PW.into(), NEW_PW.into())
                    .await
                    .map(|_| ())
                    .unwrap_err(),
            ];
            for e in refusals {
                assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
                assert!(
                    e.message.starts_with("Seu perfil não permite"),
                    "{}",
                    e.message
                );
            }
        }
    }
    assert_eq!(
        all_users(&desk).await,
        users,
        "refused calls changed nothing"
    );
    assert_eq!(user_trail(&desk, None).await.len(), trail);
    assert!(desk.login(ADMIN, NEW_PW.into()).await.is_err());
    assert!(desk.current_session(&admin).is_ok());

    // No session at all: told to log in, not that the role is wrong.
    let e = desk
        .list_users("token-inventado", UserFilter::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
}
