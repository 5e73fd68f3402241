//! People in the shared database (issue 17), as PostgreSQL itself holds them: a person is
//! a login role with a SCRAM verifier sent by the administrator's desktop; deactivating
//! them ends their open connections at once; a new profile holds on their very next
//! statement; a password reset by an administrator ends their connections too. And
//! "Preparar o banco compartilhado" refuses a login that cannot be the owner, and applies
//! each version once.

mod shared_common;

use brm_core::ErrorCode;
use brm_store::postgres::shared::{self, PersonLogin};
use shared_common::shared;
use sqlx::PgPool;
use std::time::{Duration, Instant};

async fn alive(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_demotion_and_reset_hold_on_open_connections() {
    let Some(db) = shared().await else { return };
    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let ana_pool = db.pool(&ana).await;
    let dani = db
        .create_person(&ana_pool, "Dani Operadora", "dani@beg.com.br", "OPERADOR")
        .await;
    let bia = db
        .create_person(&ana_pool, "Bia Aprovadora", "bia@beg.com.br", "APROVADOR")
        .await;

    // The verifier is what PostgreSQL keeps: the password never reached SQL text.
    let logged: Option<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'CRIAR_USUARIO' AND entity_id = $1",
    )
    .bind(dani.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(!logged.unwrap_or_default().contains(&dani.password));
    let wrong = db.try_pool(&dani.role, "senha-errada-123").await;
    assert!(wrong.is_err(), "a wrong password is refused by SCRAM");

    // Deactivated: her open connection ends at once, and she cannot log in again.
    let dani_pool = db.pool(&dani).await;
    alive(&dani_pool).await.unwrap();
    let t = Instant::now();
    let ended: i32 = sqlx::query_scalar("SELECT brm_set_active($1, false)")
        .bind(dani.id)
        .fetch_one(&ana_pool)
        .await
        .unwrap();
    assert_eq!(ended, 1, "her one connection was ended");
    loop {
        if alive(&dani_pool).await.is_err() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "her connection still answers after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "# deactivated person's connection refused after {:?}",
        t.elapsed()
    );
    let again = db.try_pool(&dani.role, &dani.password).await;
    let err = again.expect_err("NOLOGIN refuses her").to_string();
    assert!(err.contains("not permitted to log in"), "{err}");
    let (active, can_login): (bool, bool) = sqlx::query_as(
        "SELECT u.active, r.rolcanlogin FROM users u JOIN pg_roles r ON r.rolname = u.db_role WHERE u.id = $1",
    )
    .bind(dani.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(!active && !can_login);
    // Reactivated, she logs in.
    sqlx::query("SELECT brm_set_active($1, true)")
        .bind(dani.id)
        .execute(&ana_pool)
        .await
        .unwrap();
    alive(&db.pool(&dani).await).await.unwrap();

    // Demoted: her very next statement on the same connection has the new profile.
    let bia_pool = db.pool(&bia).await;
    let whoami = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>("SELECT role FROM brm_whoami()")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(whoami(bia_pool.clone()).await, "APROVADOR");
    sqlx::query("SELECT brm_set_profile($1, 'OPERADOR')")
        .bind(bia.id)
        .execute(&ana_pool)
        .await
        .unwrap();
    assert_eq!(whoami(bia_pool.clone()).await, "OPERADOR");
    let refused = sqlx::query("SELECT * FROM brm_approve(gen_random_uuid(), 1, NULL)")
        .execute(&bia_pool)
        .await
        .unwrap_err();
    assert_eq!(
        shared::refusal(&refused).unwrap().code,
        ErrorCode::Forbidden
    );

    // A reset by the administrator: her connections end, the old password stops working.
    let new_password = "uma-senha-nova-1";
    let verifier = shared::scram_verifier(new_password);
    sqlx::query("SELECT brm_set_password($1, $2, NULL)")
        .bind(bia.id)
        .bind(&verifier)
        .execute(&ana_pool)
        .await
        .unwrap();
    assert!(
        alive(&bia_pool).await.is_err(),
        "her connection ended with the reset"
    );
    assert!(db.try_pool(&bia.role, &bia.password).await.is_err());
    let bia_again = db.try_pool(&bia.role, new_password).await.unwrap();
    // Her own change keeps her connection.
    let mine = "a-senha-que-so-eu-sei-2";
    sqlx::query("SELECT brm_set_password($1, $2, NULL)")
        .bind(bia.id)
        .bind(shared::scram_verifier(mine))
        .execute(&bia_again)
        .await
        .unwrap();
    alive(&bia_again).await.unwrap();
    // And Dani may not change Bia's.
    let dani_pool = db.pool(&dani).await;
    let e = sqlx::query("SELECT brm_set_password($1, $2, NULL)")
        .bind(bia.id)
        .bind(shared::scram_verifier("tentativa-da-dani"))
        .execute(&dani_pool)
        .await
        .unwrap_err();
    assert_eq!(shared::refusal(&e).unwrap().code, ErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preparing_needs_the_owner_and_applies_each_version_once() {
    let Some(db) = shared().await else { return };
    let again = shared::prepare(&db.owner).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already.len(), shared::SHARED_SQL.len());
    assert_eq!(again.owner, "brm_dono");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'PREPARAR_BANCO'")
            .fetch_one(&db.owner)
            .await
            .unwrap();
    assert_eq!(audited, shared::SHARED_SQL.len() as i64);

    // The TLS cluster's ordinary account owns its database but cannot create roles.
    let url = std::env::var("BRM_TEST_POSTGRES_TLS_URL").unwrap();
    let plain = PgPool::connect(&url).await.unwrap();
    let e = shared::prepare(&plain).await.unwrap_err().to_string();
    assert!(e.contains("CREATEROLE"), "{e}");
    // A superuser's functions would bypass every guard.
    if let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") {
        let su = PgPool::connect(&url).await.unwrap();
        let e = shared::prepare(&su).await.unwrap_err().to_string();
        assert!(e.contains("superusuário"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_person_role_name_is_the_databases() {
    let Some(db) = shared().await else { return };
    for email in ["ana@beg.com.br", " Zé.Ninguém+1@Exemplo.COM.br "] {
        let sql: String = sqlx::query_scalar("SELECT brm_person_role($1)")
            .bind(email)
            .fetch_one(&db.owner)
            .await
            .unwrap();
        assert_eq!(sql, shared::person_role(&db.database, email));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_counts_failures_locks_for_15_minutes_and_tells_nothing_apart() {
    let Some(db) = shared().await else { return };
    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let ana_pool = db.pool(&ana).await;
    let dani = db
        .create_person(&ana_pool, "Dani Operadora", "dani@beg.com.br", "OPERADOR")
        .await;
    let o = db.options();
    let login = |email: &'static str, pw: String| async move {
        shared::login_person(o, email, &pw, 1).await.unwrap()
    };

    // The right password: her own pool, and who she is.
    match login("Dani@BEG.com.br", dani.password.clone()).await {
        PersonLogin::Ok(pool, who) => {
            assert_eq!((who.id, who.role.as_str()), (dani.id, "OPERADOR"));
            let me: String = sqlx::query_scalar("SELECT session_user::text")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(me, dani.role);
        }
        other => panic!("{other:?}"),
    }
    // An unknown e-mail and a wrong password: the same answer, down to PostgreSQL's own.
    assert!(matches!(
        login("ninguem@beg.com.br", "qualquer-1".into()).await,
        PersonLogin::Invalid
    ));
    use sqlx::Connection;
    let mut raw = Vec::new();
    for role in [
        shared::person_role(&db.database, "ninguem@beg.com.br"),
        dani.role.clone(),
    ] {
        let e = sqlx::postgres::PgConnection::connect_with(&db.login(&role, "qualquer-1"))
            .await
            .err()
            .unwrap();
        raw.push(e.to_string().replace(&role, "ROLE"));
    }
    assert_eq!(raw[0], raw[1]);
    // Four wrong passwords (one was just above, straight to PostgreSQL, and is not
    // counted: only the gate counts), then the fifth locks.
    for _ in 0..4 {
        assert!(matches!(
            login("dani@beg.com.br", "senha-errada".into()).await,
            PersonLogin::Invalid
        ));
    }
    let until = match login("dani@beg.com.br", "senha-errada".into()).await {
        PersonLogin::Locked(until) => until,
        other => panic!("the fifth failure locks: {other:?}"),
    };
    let minutes = (until - chrono::Utc::now()).num_seconds() as f64 / 60.0;
    assert!((14.0..=15.0).contains(&minutes), "{minutes}");
    // Locked: the right password is refused at the gate, and PostgreSQL refuses her role.
    assert!(matches!(
        login("dani@beg.com.br", dani.password.clone()).await,
        PersonLogin::Locked(_)
    ));
    assert!(
        sqlx::postgres::PgConnection::connect_with(&db.login(&dani.role, &dani.password))
            .await
            .is_err()
    );
    // Fifteen minutes later (the row's clock moved back, the test cannot wait): the gate
    // opens her role again and the right password works, with the count started over.
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1")
        .bind(dani.id)
        .execute(&db.owner)
        .await
        .unwrap();
    assert!(matches!(
        login("dani@beg.com.br", dani.password.clone()).await,
        PersonLogin::Ok(..)
    ));
    let (failed, locked): (i64, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT failed_logins, locked_until FROM users WHERE id = $1")
            .bind(dani.id)
            .fetch_one(&db.owner)
            .await
            .unwrap();
    assert_eq!((failed, locked), (0, None));
    let trail: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action, detail FROM audit_events WHERE entity_id = $1 AND action LIKE 'LOGIN%' ORDER BY seq",
    )
    .bind(dani.id)
    .fetch_all(&db.owner)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "LOGIN_OK",
            "LOGIN_FALHOU",
            "LOGIN_FALHOU",
            "LOGIN_FALHOU",
            "LOGIN_FALHOU",
            "LOGIN_FALHOU",
            "LOGIN_FALHOU",
            "LOGIN_OK"
        ]
    );
    assert_eq!(
        trail[5].1.as_deref(),
        Some("5 tentativas erradas; bloqueada por 15 minutos")
    );
    assert_eq!(trail[6].1.as_deref(), Some("conta bloqueada"));

    // The entry login reads nothing and decides nothing.
    let entry = db
        .try_pool(shared::ENTRY_ROLE, shared::ENTRY_PASSWORD)
        .await
        .unwrap();
    for sql in [
        "SELECT email FROM users".to_string(),
        "SELECT * FROM processes".to_string(),
        format!("SELECT brm_set_active('{}', false)", ana.id),
        "SELECT * FROM brm_login_succeeded()".to_string(),
        "CREATE TABLE x (a int)".to_string(),
    ] {
        assert!(
            sqlx::raw_sql(&sql).execute(&entry).await.is_err(),
            "brm_entrada may not: {sql}"
        );
    }
}
