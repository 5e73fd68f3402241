//! The desk on the prepared shared database with personal logins (issue 17, items 2, 4
//! and 5): each desk stands for one desktop, logged in as one person's own PostgreSQL
//! role (SCRAM over TLS, verify-full against the test CA). The login answers as the
//! embedded one does (one message for an unknown e-mail and a wrong password, the lock
//! after five failures); people are managed through the owner's functions; a person
//! deactivated on desktop A loses desktop B within 5 s with no click there; and a desk
//! that skipped its own checks (a modified copy of the app) still gets nothing past the
//! database.

mod shared_common;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::process::ProcessStatus;
use brm_core::user::NewUserInput;
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::session_checks::REVALIDATE_EVERY;
use brm_service::{ApprovalSettings, Desk};
use shared_common::{shared, Person, Shared};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WITHIN: Duration = Duration::from_secs(5);

fn desk(db: &Shared) -> Desk {
    Desk::for_person_logins(db.options().clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
}

async fn admin(db: &Shared) -> Person {
    db.create_person(
        &db.owner,
        "Ana Administradora",
        "ana@beg.com.br",
        "ADMINISTRADOR",
    )
    .await
}

async fn connections_of(db: &Shared, role: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = $1")
        .bind(role)
        .fetch_one(&db.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_answers_alike_and_locks_after_five_failures() {
    let Some(db) = shared().await else { return };
    let ana = admin(&db).await;
    let a = desk(&db);
    // Nothing to set up on a desktop: the first administrator comes from the setup step.
    assert!(!a.setup_status().await.unwrap().needs_admin);

    let wrong = a
        .login("ana@beg.com.br", "senha-errada-1".into())
        .await
        .unwrap_err();
    let unknown = a
        .login("ninguem@beg.com.br", "senha-errada-1".into())
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    assert_eq!(
        serde_json::to_value(&wrong).unwrap(),
        serde_json::to_value(&unknown).unwrap(),
        "an unknown e-mail and a wrong password look the same"
    );

    let out = a
        .login(" Ana@BEG.com.br ", ana.password.clone())
        .await
        .unwrap();
    assert_eq!((out.user.id, out.user.role), (ana.id, Role::Administrador));
    assert!(connections_of(&db, &ana.role).await >= 1, "her own login");
    let users = a.list_users(&out.token, Default::default()).await.unwrap();
    assert_eq!(
        users.total, 1,
        "read without the hash column she may not see"
    );

    // Logging out closes her connection: nothing runs here until the next login.
    a.logout(&out.token).await.unwrap();
    let t = Instant::now();
    while connections_of(&db, &ana.role).await > 0 {
        assert!(
            t.elapsed() < WITHIN,
            "her connection stays open after logout"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let gone = a
        .list_users(&out.token, Default::default())
        .await
        .unwrap_err();
    assert_eq!(gone.code, ErrorCode::Unauthenticated);

    // Her login above started the count again: five failures from here.
    for i in 1..=5 {
        let e = a
            .login("ana@beg.com.br", "errada".into())
            .await
            .unwrap_err();
        let expected = if i < 5 {
            ErrorCode::InvalidCredentials
        } else {
            ErrorCode::AccountLocked
        };
        assert_eq!(e.code, expected, "failure {i}: {e:?}");
    }
    // Locked: the right password too, and an unknown e-mail still looks like a wrong one.
    let locked = a
        .login("ana@beg.com.br", ana.password.clone())
        .await
        .unwrap_err();
    assert_eq!(locked.code, ErrorCode::AccountLocked, "{locked:?}");
    assert!(locked.message.contains("Tente novamente após as"));
    assert_eq!(
        a.login("ninguem@beg.com.br", "x".into())
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidCredentials
    );
    let trail: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'LOGIN%' OR action = 'LOGOUT' ORDER BY seq",
    )
    .fetch_all(&db.owner)
    .await
    .unwrap();
    assert_eq!(
        trail[..3],
        ["LOGIN_FALHOU", "LOGIN_OK", "LOGOUT"],
        "{trail:?}"
    );
    assert_eq!(
        trail.len(),
        3 + 6,
        "five failures and the refused locked attempt: {trail:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_managed_through_the_database_and_a_deactivated_desktop_logs_out() {
    let Some(db) = shared().await else { return };
    let ana = admin(&db).await;
    let a = desk(&db);
    let admin_token = a.login("ana@beg.com.br", ana.password).await.unwrap().token;

    // Desktop A creates Dani: a database login of her own, made from a verifier.
    let dani_pw = "senha-da-dani-123";
    let dani = a
        .create_user(
            &admin_token,
            NewUserInput {
                full_name: "Dani Operadora".into(),
                email: "dani@beg.com.br".into(),
                phone: None,
                role: Some(Role::Operador),
                password: dani_pw.into(),
                password_confirmation: dani_pw.into(),
            },
        )
        .await
        .unwrap();
    let (db_role, can_login): (String, bool) = sqlx::query_as(
        "SELECT u.db_role, r.rolcanlogin FROM users u JOIN pg_roles r ON r.rolname = u.db_role WHERE u.id = $1",
    )
    .bind(dani.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(can_login);
    let created: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'CRIAR_USUARIO' AND actor_user_id = $1",
    )
    .bind(ana.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!(created, 1, "audited by the function, under Ana's login");

    // Desktop B: Dani, with her session guard running as the app runs it.
    let b = desk(&db);
    let dani_token = b
        .login("dani@beg.com.br", dani_pw.into())
        .await
        .unwrap()
        .token;
    let guard = {
        let b = b.clone();
        tokio::spawn(async move {
            loop {
                b.revalidate_sessions().await;
                tokio::time::sleep(REVALIDATE_EVERY).await;
            }
        })
    };

    // Promoted on A: B's session carries the new profile within 5 s.
    a.set_user_role(&admin_token, dani.id, Role::Aprovador)
        .await
        .unwrap();
    let t = Instant::now();
    while b.current_session(&dani_token).unwrap().role != Role::Aprovador {
        assert!(
            t.elapsed() < WITHIN,
            "the new profile did not reach desktop B"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Settings change only through brm_set_setting, audited under Ana's login.
    a.save_approval_settings(
        &admin_token,
        ApprovalSettings {
            tolerance_pct: 15,
            due_soon_days: 5,
            four_eyes: true,
        },
    )
    .await
    .unwrap();
    let by: String = sqlx::query_scalar(
        "SELECT actor_name FROM audit_events WHERE action = 'ALTERAR_CONFIGURACAO' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!(by, "Ana Administradora");
    // Several settings at once (the robot and storage screens): through the function too,
    // with a change kept outside the database audited as hers, in one transaction.
    let outside = AuditEvent::new(
        chrono::Utc::now(),
        Actor::user(ana.id, "Ana Administradora"),
        "ALTERAR_SEGREDO",
        "configuracao",
    );
    a.store()
        .put_settings(
            &[(
                "robo.url".into(),
                serde_json::json!("http://robo.escritorio:8080"),
            )],
            chrono::Utc::now(),
            Some(ana.id),
            &[outside],
        )
        .await
        .unwrap();
    let (url, trail): (serde_json::Value, Vec<String>) = (
        sqlx::query_scalar("SELECT value_json FROM settings WHERE key = 'robo.url'")
            .fetch_one(&db.owner)
            .await
            .unwrap(),
        sqlx::query_scalar(
            "SELECT action FROM audit_events WHERE entity = 'configuracao' AND actor_user_id = $1 ORDER BY seq",
        )
        .bind(ana.id)
        .fetch_all(&db.owner)
        .await
        .unwrap(),
    );
    assert_eq!(url, "http://robo.escritorio:8080");
    assert_eq!(
        trail[trail.len() - 2..],
        ["ALTERAR_CONFIGURACAO", "ALTERAR_SEGREDO"],
        "{trail:?}"
    );

    // Deactivated on A: B's next command is UNAUTHENTICATED within 5 s, no click on B.
    let t = Instant::now();
    a.set_user_active(&admin_token, dani.id, false)
        .await
        .unwrap();
    loop {
        match b.current_session(&dani_token) {
            Err(e) if e.code == ErrorCode::Unauthenticated => break,
            _ => {}
        }
        assert!(t.elapsed() < WITHIN, "desktop B kept the session");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "# deactivated on desktop A, logged out on desktop B after {:?}",
        t.elapsed()
    );
    let next = b
        .list_users(&dani_token, Default::default())
        .await
        .unwrap_err();
    assert_eq!(next.code, ErrorCode::Unauthenticated);
    let again = b
        .login("dani@beg.com.br", dani_pw.into())
        .await
        .unwrap_err();
    assert_eq!(
        again.code,
        ErrorCode::InvalidCredentials,
        "NOLOGIN, same answer"
    );
    assert_eq!(connections_of(&db, &db_role).await, 0);
    guard.abort();

    // Reactivated and reset on A: the old password no longer opens anything.
    a.set_user_active(&admin_token, dani.id, true)
        .await
        .unwrap();
    a.reset_user_password(
        &admin_token,
        dani.id,
        "nova-senha-da-dani".into(),
        "nova-senha-da-dani".into(),
    )
    .await
    .unwrap();
    let old = b
        .login("dani@beg.com.br", dani_pw.into())
        .await
        .unwrap_err();
    assert_eq!(old.code, ErrorCode::InvalidCredentials);
    b.login("dani@beg.com.br", "nova-senha-da-dani".into())
        .await
        .unwrap();

    // Someone moved in from the old system who never logged in: no login of their own,
    // an old hash. Ana's "Redefinir senha" gives them one.
    let caio = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, full_name, email, role, active, password_hash, created_at, updated_at)
         VALUES ($1, 'Caio Operador', 'caio@beg.com.br', 'OPERADOR', true, 'pbkdf2:sha256:1$x$y', now(), now())",
    )
    .bind(caio)
    .execute(&db.owner)
    .await
    .unwrap();
    a.reset_user_password(
        &admin_token,
        caio,
        "senha-nova-do-caio".into(),
        "senha-nova-do-caio".into(),
    )
    .await
    .unwrap();
    let c = desk(&db);
    let out = c
        .login("caio@beg.com.br", "senha-nova-do-caio".into())
        .await
        .unwrap();
    assert_eq!((out.user.id, out.user.role), (caio, Role::Operador));
}

/// A modified copy of the app: Dani's desk calls its store directly, skipping every
/// check of the desk. The database still refuses, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_that_skips_its_checks_still_gets_nothing_past_the_database() {
    let Some(db) = shared().await else { return };
    let ana = admin(&db).await;
    let ana_pool = db.pool(&ana).await;
    let dani = db
        .create_person(&ana_pool, "Dani Operadora", "dani@beg.com.br", "OPERADOR")
        .await;
    let b = desk(&db);
    b.login("dani@beg.com.br", dani.password.clone())
        .await
        .unwrap();
    let store = b.store().clone();

    // An invoice waiting for approval, as the robot would have left it.
    let (op, client, process) = (
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    );
    sqlx::raw_sql(&format!(
        "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
              VALUES ('{op}', 'Vivo', 'vivo', 'VIVO', now(), now());
         INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
              VALUES ('{client}', 'Cliente', '11222333000181', '{op}', now(), now());
         INSERT INTO processes (id, client_id, operator_id, reference_month, status, amount,
                                created_at, updated_at)
              VALUES ('{process}', '{client}', '{op}', '2026-11', 'AGUARDANDO_APROVACAO', 100, now(), now());"
    ))
    .execute(&db.owner)
    .await
    .expect("seed as the owner");

    let current = store.process_by_id(process).await.unwrap().unwrap();
    let mut next = current.clone();
    next.status = ProcessStatus::AguardandoEnvioSat;
    next.approved_by = Some(dani.id);
    next.version += 1;
    let forged = AuditEvent::new(
        chrono::Utc::now(),
        Actor::user(dani.id, "Dani Operadora"),
        "APROVAR",
        "processo",
    )
    .on(process);
    let refused = store.update_process(&next, 1, &forged).await.unwrap_err();
    let e = brm_core::Error::from(refused);
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    // Not as an ordinary UPDATE either (an action the functions do not own).
    let plain = AuditEvent::new(
        chrono::Utc::now(),
        Actor::user(dani.id, "Dani Operadora"),
        "ALTERAR",
        "processo",
    )
    .on(process);
    assert!(store.update_process(&next, 1, &plain).await.is_err());
    // Nor a setting, nor her own profile.
    assert!(store
        .put_setting("robo.url", &serde_json::json!("http://falso:9"), &plain)
        .await
        .is_err());
    let mut me = store.user_by_id(dani.id).await.unwrap().unwrap();
    me.role = Role::Administrador;
    assert!(store.update_user(&me, &plain).await.is_err());

    let (status, version): (String, i64) =
        sqlx::query_as("SELECT status, version FROM processes WHERE id = $1")
            .bind(process)
            .fetch_one(&db.owner)
            .await
            .unwrap();
    assert_eq!((status.as_str(), version), ("AGUARDANDO_APROVACAO", 1));
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(dani.id)
        .fetch_one(&db.owner)
        .await
        .unwrap();
    assert_eq!(role, "OPERADOR");
}

/// A desktop newer than the database it reaches says which step is missing, instead of
/// failing later on a column that is not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_prepared_for_an_older_version_is_refused_at_login() {
    let Some(db) = shared().await else { return };
    let ana = admin(&db).await;
    sqlx::query("DELETE FROM brm_shared_versions WHERE version = (SELECT max(version) FROM brm_shared_versions)")
        .execute(&db.owner)
        .await
        .unwrap();
    let e = desk(&db)
        .login("ana@beg.com.br", ana.password)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Database, "{e:?}");
    assert!(
        e.message.contains("brm-desk preparar-banco"),
        "{}",
        e.message
    );
}
