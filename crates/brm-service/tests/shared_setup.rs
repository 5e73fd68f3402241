//! "Preparar o banco compartilhado" (`brm-desk preparar-banco`), as the office's
//! administrator runs it: the owner's credentials over TLS (verify-full, the office CA),
//! the first administrator created as a person with their own login, then logging in as
//! that person; run again, it changes nothing; a wrong password or a login that cannot be
//! the owner is refused in pt-BR.

mod shared_common;

use brm_core::user::NewAdminInput;
use brm_service::db_settings::{PostgresConfig, SslMode};
use brm_service::shared_setup;
use brm_store::postgres::shared::{self, PersonLogin};

fn config(
    options: &sqlx::postgres::PgConnectOptions,
    database: &str,
    user: &str,
) -> PostgresConfig {
    PostgresConfig {
        host: "localhost".into(),
        port: options.get_port(),
        database: database.into(),
        username: user.into(),
        sslmode: SslMode::VerifyFull,
        ca_file: std::env::var("BRM_TEST_PG_CA").ok(),
    }
}

fn admin(email: &str) -> NewAdminInput {
    NewAdminInput {
        full_name: "Ana Administradora".into(),
        email: email.into(),
        password: "senha-muito-segura-1".into(),
        password_confirmation: "senha-muito-segura-1".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_prepares_once_and_the_first_administrator_logs_in_as_herself() {
    let Some((options, database)) = shared_common::fresh_database().await else {
        return;
    };
    let owner = config(&options, &database, "brm_dono");

    let wrong = shared_setup::prepare(&owner, "senha-errada", Some(admin("ana@beg.com.br")))
        .await
        .unwrap_err();
    eprintln!("wrong owner password: {}", wrong.message);
    assert!(
        wrong.message.contains("senha") || wrong.message.contains("dono"),
        "{}",
        wrong.message
    );

    // A first administrator's password too short: refused in pt-BR before anything is
    // applied (the database stays empty).
    let mut short = admin("ana@beg.com.br");
    (short.password, short.password_confirmation) = ("curta".into(), "curta".into());
    let e = shared_setup::prepare(&owner, "senha-dono-de-teste", Some(short))
        .await
        .unwrap_err();
    assert_eq!(e.code, brm_core::ErrorCode::Validation);
    assert!(e.fields.iter().any(|f| f.field == "password"), "{e:?}");
    // A robot machine's password too short: the same, before anything is applied.
    let robot = |password: &str| shared_setup::RobotMachine {
        name: "robo-1".into(),
        password: password.into(),
    };
    let e = shared_setup::prepare_with_robot(
        &owner,
        "senha-dono-de-teste",
        Some(admin("ana@beg.com.br")),
        Some(robot("curta-demais")),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, brm_core::ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "robot_password", "{e:?}");
    assert!(e.fields[0].message.contains("pelo menos 16"), "{e:?}");
    let untouched = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&untouched)
            .await
            .unwrap();
    assert_eq!(tables, 0, "nothing was applied");
    untouched.close().await;

    let first = shared_setup::prepare(&owner, "senha-dono-de-teste", Some(admin("Ana@BEG.com.br")))
        .await
        .unwrap();
    eprintln!("{}", first.lines.join("\n"));
    assert!(first.lines.iter().any(|l| l.starts_with("Versão 1")));
    assert_eq!(
        first.admin_role.as_deref(),
        Some(shared::person_role(&database, "ana@beg.com.br").as_str())
    );

    match shared::login_person(&options, "ana@beg.com.br", "senha-muito-segura-1", 1)
        .await
        .unwrap()
    {
        PersonLogin::Ok(_, who) => assert_eq!(
            (who.full_name.as_str(), who.role.as_str()),
            ("Ana Administradora", "ADMINISTRADOR")
        ),
        other => panic!("{other:?}"),
    }

    let again = shared_setup::prepare(
        &owner,
        "senha-dono-de-teste",
        Some(admin("outra@beg.com.br")),
    )
    .await
    .unwrap();
    assert!(again.admin_role.is_none());
    assert!(
        again.lines.iter().any(|l| l.contains("nada a aplicar")),
        "{:?}",
        again.lines
    );
    assert!(
        again.lines.iter().any(|l| l.contains("já tem 1 pessoa")),
        "{:?}",
        again.lines
    );

    // A robot machine's login: made by the step, a member of brm_robo, and it connects.
    let with_robot = shared_setup::prepare_with_robot(
        &owner,
        "senha-dono-de-teste",
        None,
        Some(robot("senha-longa-da-maquina-robo")),
    )
    .await
    .unwrap();
    let owner_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .unwrap();
    let role: String = sqlx::query_scalar("SELECT 'brm_r_' || left(md5($1), 20)")
        .bind(format!("{database}:robo-1"))
        .fetch_one(&owner_pool)
        .await
        .unwrap();
    assert!(
        with_robot.lines.iter().any(|l| l.contains(&role)),
        "{:?}",
        with_robot.lines
    );
    let machine = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .username(&role)
                .password("senha-longa-da-maquina-robo"),
        )
        .await
        .expect("the robot machine logs in");
    let member: bool = sqlx::query_scalar("SELECT pg_has_role(current_user, 'brm_robo', 'MEMBER')")
        .fetch_one(&machine)
        .await
        .unwrap();
    assert!(member);

    // The TLS cluster's ordinary account: it owns its own database, but has no CREATEROLE.
    let plain = config(&options, "brm", "brm_tls");
    let e = shared_setup::prepare(&plain, "senha-tls-de-teste", None)
        .await
        .unwrap_err();
    assert!(e.message.contains("CREATEROLE"), "{}", e.message);
}
