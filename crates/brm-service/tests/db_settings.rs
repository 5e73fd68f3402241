//! Database settings and the "database away" guard through `Desk`, the calls the window's
//! commands make: on a real SQLite database, a real `database.json` in a temporary
//! folder, and an in-memory key store standing in for the OS keyring (the OS keyring has
//! its own tests in brm-secrets). The connection test also runs against the real
//! PostgreSQL test cluster when the run provides one.

mod common;

use brm_core::operator::{OperatorFilter, OperatorInput};
use brm_core::{ErrorCode, Role};
use brm_secrets::{KeyStore, KeyStoreErrorKind, MemoryKeyStore, SecretBox, POSTGRES_PASSWORD};
use brm_service::db_settings::file::DbConfigFile;
use brm_service::db_settings::startup::{RunningDb, Source};
use brm_service::db_settings::{DbKind, DbSettingsInput, PostgresConfig, SslMode};
use brm_service::health::WRITE_REFUSED;
use brm_service::{DbSettingsContext, DbState, Desk, ALTERAR_CONFIGURACAO};
use serde_json::json;
use sqlx::SqlitePool;
use std::path::PathBuf;
use std::sync::Arc;

struct World {
    desk: Desk,
    keys: Arc<MemoryKeyStore>,
    admin: String,
    dir: PathBuf,
}

impl World {
    fn file(&self) -> PathBuf {
        self.dir.join("database.json")
    }

    fn ctx(&self, running: RunningDb) -> DbSettingsContext {
        DbSettingsContext::new(Some(DbConfigFile::new(self.file())), running)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn running_sqlite() -> RunningDb {
    RunningDb {
        kind: DbKind::Sqlite,
        source: Source::Default,
        postgres: None,
        sqlite_path: Some(
            "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3".into(),
        ),
    }
}

async fn world(pool: &SqlitePool) -> World {
    let store = common::sqlite_store(pool);
    let keys = Arc::new(MemoryKeyStore::new());
    let desk = Desk::new(store).with_secrets(SecretBox::new(keys.clone()));
    let admin = common::first_admin(&desk).await;
    let dir = std::env::temp_dir().join(format!("brm-settings-{}", uuid::Uuid::new_v4()));
    World {
        desk,
        keys,
        admin,
        dir,
    }
}

async fn add_user(desk: &Desk, pool: &SqlitePool, email: &str, role: Role) -> String {
    common::insert_user(pool, &format!("Pessoa {}", role.as_str()), email, role).await;
    common::login(desk, email).await
}

fn pg_input(password: Option<&str>) -> DbSettingsInput {
    serde_json::from_value(json!({
        "kind": "postgres",
        "host": "banco.beg.local",
        "port": 5432,
        "database": "brm",
        "username": "brm_app",
        "password": password,
        "sslmode": "prefer",
    }))
    .unwrap()
}

fn sqlite_input() -> DbSettingsInput {
    serde_json::from_value(json!({"kind": "sqlite", "host": "", "port": null})).unwrap()
}

async fn settings_events(desk: &Desk) -> Vec<brm_core::audit::AuditEvent> {
    desk.store()
        .audit_trail("configuracao", None, 100)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn only_administrators_see_test_and_save_settings(pool: SqlitePool) {
    let w = world(&pool).await;
    let ctx = w.ctx(running_sqlite());
    for (email, role) in [
        ("oper@beg.com.br", Role::Operador),
        ("aprov@beg.com.br", Role::Aprovador),
    ] {
        let t = add_user(&w.desk, &pool, email, role).await;
        let e = w.desk.get_database_settings(&t, &ctx).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{role:?}");
        assert_eq!(
            e.message,
            "Seu perfil não permite ver as configurações do banco de dados."
        );
        let e = w
            .desk
            .test_database_connection(&t, pg_input(Some("x")))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e = w
            .desk
            .save_database_settings(&t, &ctx, pg_input(Some("tomada")))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert_eq!(
            e.message,
            "Seu perfil não permite alterar as configurações do banco de dados."
        );
        // Every role sees the banner, so every role may ask for the status.
        assert_eq!(w.desk.database_status(&t).unwrap().state, DbState::Ok);
    }
    assert!(!w.file().exists(), "nothing saved");
    assert!(w.keys.is_empty(), "nothing in the keyring");
    assert!(settings_events(&w.desk).await.is_empty());
    let e = w.desk.database_status("não-é-um-token").unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn saving_postgres_keeps_the_password_in_the_keyring_only(pool: SqlitePool) {
    let w = world(&pool).await;
    let ctx = w.ctx(running_sqlite());

    let first = w.desk.get_database_settings(&w.admin, &ctx).await.unwrap();
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        json!({"kind": "sqlite", "sqlite_path": "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3",
               "postgres": null, "active": "sqlite", "restart_required": false, "env_override": false})
    );

    let saved = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(Some("s3gr@do:banco")))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&saved).unwrap(),
        json!({"kind": "postgres", "sqlite_path": "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3",
               "postgres": {"host": "banco.beg.local", "port": 5432, "database": "brm", "username": "brm_app",
                            "sslmode": "prefer", "ca_file": null, "password_set": true, "personal_logins": false},
               "active": "sqlite", "restart_required": true, "env_override": false})
    );
    let text = std::fs::read_to_string(w.file()).unwrap();
    assert!(!text.contains("s3gr"), "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"kind": "postgres", "postgres": {"host": "banco.beg.local", "port": 5432,
               "database": "brm", "username": "brm_app", "sslmode": "prefer"}})
    );
    assert_eq!(
        w.keys.get(POSTGRES_PASSWORD).unwrap().as_deref(),
        Some("s3gr@do:banco")
    );

    // The change is audited, without the password.
    let events = settings_events(&w.desk).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.action, ALTERAR_CONFIGURACAO);
    assert_eq!(e.actor.name, "Ana Administradora");
    assert_eq!(e.after.as_ref().unwrap()["kind"], "postgres");
    assert_eq!(e.after.as_ref().unwrap()["password"], "(alterada)");
    assert_eq!(e.before.as_ref().unwrap()["kind"], "sqlite");
    assert!(!serde_json::to_string(e).unwrap().contains("s3gr"));

    // A blank password keeps the stored one; saving the same again records nothing.
    let writes = w.keys.writes();
    let again = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(None))
        .await
        .unwrap();
    assert!(again.postgres.unwrap().password_set);
    assert_eq!(w.keys.writes(), writes);
    assert_eq!(settings_events(&w.desk).await.len(), 1);

    // Back to the embedded database: the server stays filled in for later, nothing
    // needs a restart since SQLite is what runs.
    let back = w
        .desk
        .save_database_settings(&w.admin, &ctx, sqlite_input())
        .await
        .unwrap();
    assert_eq!(back.kind, DbKind::Sqlite);
    assert!(!back.restart_required);
    assert_eq!(back.postgres.unwrap().host, "banco.beg.local");
    assert_eq!(settings_events(&w.desk).await.len(), 2);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn restart_is_required_only_when_the_saved_server_differs_from_the_running_one(
    pool: SqlitePool,
) {
    let w = world(&pool).await;
    let running_pg = RunningDb {
        kind: DbKind::Postgres,
        source: Source::File,
        postgres: Some(PostgresConfig {
            host: "banco.beg.local".into(),
            port: 5432,
            database: "brm".into(),
            username: "brm_app".into(),
            sslmode: SslMode::Prefer,
            ca_file: None,
        }),
        sqlite_path: None,
    };
    w.keys.set(POSTGRES_PASSWORD, "antiga").unwrap();
    let ctx = w.ctx(running_pg);
    let same = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(None))
        .await
        .unwrap();
    assert_eq!(same.active, DbKind::Postgres);
    assert!(!same.restart_required);
    let mut other = pg_input(None);
    other.port = Some(json!(5433));
    let moved = w
        .desk
        .save_database_settings(&w.admin, &ctx, other)
        .await
        .unwrap();
    assert!(moved.restart_required);
    // A new password reaches the pool only at the next start too.
    w.desk
        .save_database_settings(&w.admin, &ctx, pg_input(None))
        .await
        .unwrap();
    let pw = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(Some("nova")))
        .await
        .unwrap();
    assert!(pw.restart_required);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn bad_input_or_a_refusing_keyring_saves_nothing(pool: SqlitePool) {
    let w = world(&pool).await;
    let ctx = w.ctx(running_sqlite());

    let mut bad = pg_input(Some("x"));
    bad.host = Some("".into());
    bad.port = Some(json!(99999));
    let e = w
        .desk
        .save_database_settings(&w.admin, &ctx, bad)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["host", "port"]);
    assert_eq!(e.fields[0].message, "Informe o servidor do PostgreSQL.");

    // No password typed and none stored: PostgreSQL could not be opened at start.
    let e = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(None))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "password");

    w.keys.fail_with(Some(KeyStoreErrorKind::Locked));
    let e = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(Some("nova-senha")))
        .await
        .unwrap_err();
    assert!(
        e.message
            .starts_with("O cofre de senhas do sistema (chaveiro) está bloqueado"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("nova-senha"));
    w.keys.fail_with(None);

    assert!(!w.file().exists(), "no file written");
    assert!(w.keys.is_empty());
    assert!(settings_events(&w.desk).await.is_empty());

    // The embedded choice does not need the keyring at all.
    w.keys.fail_with(Some(KeyStoreErrorKind::Unavailable));
    w.desk
        .save_database_settings(&w.admin, &ctx, sqlite_input())
        .await
        .unwrap();
    assert!(w.file().exists());
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_file_that_cannot_be_written_leaves_the_old_password(pool: SqlitePool) {
    let w = world(&pool).await;
    // A folder where the file should be: the rename fails.
    std::fs::create_dir_all(w.file().join("x")).unwrap();
    w.keys.set(POSTGRES_PASSWORD, "antiga").unwrap();
    let ctx = w.ctx(running_sqlite());
    let e = w
        .desk
        .save_database_settings(&w.admin, &ctx, pg_input(Some("nova")))
        .await
        .unwrap_err();
    assert!(
        e.message
            .starts_with("Não foi possível gravar a configuração"),
        "{}",
        e.message
    );
    assert_eq!(
        w.keys.get(POSTGRES_PASSWORD).unwrap().as_deref(),
        Some("antiga")
    );
    assert!(settings_events(&w.desk).await.is_empty());
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn connection_test_answers_in_portuguese(pool: SqlitePool) {
    let w = world(&pool).await;
    let t = w
        .desk
        .test_database_connection(&w.admin, sqlite_input())
        .await
        .unwrap();
    assert!(t.ok);
    assert!(t.message.contains("não precisa de teste"), "{}", t.message);

    let mut closed = pg_input(Some("segredo-que-nao-aparece"));
    closed.host = Some("127.0.0.1".into());
    closed.port = Some(json!(1));
    let t = w
        .desk
        .test_database_connection(&w.admin, closed)
        .await
        .unwrap();
    assert!(!t.ok);
    assert_eq!(
        t.message,
        "O servidor 127.0.0.1:1 recusou a conexão. Confira a porta e se o PostgreSQL está no ar."
    );

    let mut bad = pg_input(None);
    bad.database = Some(" ".into());
    let e = w
        .desk
        .test_database_connection(&w.admin, bad)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "database");

    // The real server, with the password taken from the keyring (the test cluster
    // trusts loopback, so any password passes; a wrong database does not).
    let Some(url) = test_cluster_url() else {
        return;
    };
    let (host, port, database, username) = parts(&url);
    w.keys.set(POSTGRES_PASSWORD, "guardada").unwrap();
    let real: DbSettingsInput = serde_json::from_value(json!({
        "kind": "postgres", "host": host, "port": port, "database": database,
        "username": username, "password": null, "sslmode": "disable"}))
    .unwrap();
    let t = w
        .desk
        .test_database_connection(&w.admin, real.clone())
        .await
        .unwrap();
    assert!(t.ok, "{}", t.message);
    assert!(
        t.message.starts_with("Conexão bem-sucedida: PostgreSQL "),
        "{}",
        t.message
    );
    let missing = DbSettingsInput {
        database: Some("nao_existe_brm".into()),
        ..real
    };
    let t = w
        .desk
        .test_database_connection(&w.admin, missing)
        .await
        .unwrap();
    assert!(!t.ok);
    assert!(
        t.message
            .starts_with("O banco \"nao_existe_brm\" não existe no servidor"),
        "{}",
        t.message
    );
}

fn test_cluster_url() -> Option<String> {
    match std::env::var("BRM_TEST_POSTGRES_URL") {
        Ok(u) => Some(u),
        Err(_) if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() => {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh")
        }
        Err(_) => {
            eprintln!("PostgreSQL part skipped: BRM_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// host, port, database, user of `postgres://user@host:port/db`.
fn parts(url: &str) -> (String, u16, String, String) {
    use sqlx::postgres::PgConnectOptions;
    use std::str::FromStr;
    let o = PgConnectOptions::from_str(url).unwrap();
    (
        o.get_host().to_string(),
        o.get_port(),
        o.get_database().unwrap_or("postgres").to_string(),
        o.get_username().to_string(),
    )
}

fn vivo() -> OperatorInput {
    OperatorInput {
        name: "Vivo".into(),
        code: "VIVO".into(),
        has_rpa: true,
        ..Default::default()
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn while_the_database_is_away_changes_are_refused_and_nothing_is_written(pool: SqlitePool) {
    let w = world(&pool).await;
    let created = w.desk.create_operator(&w.admin, vivo()).await.unwrap();

    w.desk
        .health()
        .mark_down("O servidor do banco de dados recusou a conexão.");
    let status = w.desk.database_status(&w.admin).unwrap();
    assert_eq!(status.state, DbState::Down);

    let e = w
        .desk
        .create_operator(
            &w.admin,
            OperatorInput {
                name: "Oi".into(),
                code: "OI".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Database);
    assert_eq!(e.message, WRITE_REFUSED);
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"code": "DATABASE", "message": "Sem conexão com o banco de dados: a alteração não foi feita. Aguarde a reconexão (aviso no topo da tela)."})
    );
    let e = w
        .desk
        .update_operator(&w.admin, created.id, created.version, vivo())
        .await
        .unwrap_err();
    assert_eq!(e.message, WRITE_REFUSED);
    let e = w
        .desk
        .set_operator_active(&w.admin, created.id, created.version, false)
        .await
        .unwrap_err();
    assert_eq!(e.message, WRITE_REFUSED);

    let page = w
        .desk
        .list_operators(&w.admin, OperatorFilter::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "nothing written");
    assert!(page.items[0].active);
    let trail = w
        .desk
        .store()
        .audit_trail("operadora", None, 100)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1, "only the first creation is audited");

    // A role check still comes first: an OPERADOR hears about their role.
    let oper = add_user(&w.desk, &pool, "oper@beg.com.br", Role::Operador).await;
    let e = w.desk.create_operator(&oper, vivo()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    w.desk.health().mark_up();
    w.desk
        .set_operator_active(&w.admin, created.id, created.version, false)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_connection_failure_seen_by_a_use_case_marks_the_database_away(pool: SqlitePool) {
    let w = world(&pool).await;
    pool.close().await;
    let e = w
        .desk
        .list_operators(&w.admin, OperatorFilter::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Database);
    assert!(!w.desk.health().is_up());
    let e = w.desk.create_operator(&w.admin, vivo()).await.unwrap_err();
    assert_eq!(e.message, WRITE_REFUSED);
}
