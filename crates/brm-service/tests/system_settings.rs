//! Configurações → Robô, Armazenamento das faturas and this computer's preferences, on
//! SQLite and on PostgreSQL (the throw-away cluster of scripts/test.sh; without
//! BRM_TEST_POSTGRES_URL the PostgreSQL half says so and passes, unless CI or
//! BRM_REQUIRE_POSTGRES demands it). An in-memory key store stands in for the OS keyring,
//! wrapped so one entry's write can be made to fail.

mod common;

use brm_core::audit::AuditEvent;
use brm_core::notice::{DesktopPreferences, Theme};
use brm_core::{ErrorCode, Role};
use brm_secrets::{
    KeyStore, KeyStoreError, KeyStoreErrorKind, MemoryKeyStore, SecretBox, ROBOT_TOKEN,
};
use brm_service::robot_settings::RobotSettingsInput;
use brm_service::storage_settings::{
    StorageKind, StorageSettingsInput, S3_ACCESS_KEY, S3_SECRET_KEY, SETTING_STORAGE_FOLDER,
    SETTING_STORAGE_S3,
};
use brm_service::Desk;
use brm_store::Store;
use common::TempFolder;
use std::path::Path;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "tok-robo-SECRETO-123456";
const ACCESS: &str = "AKIA-CHAVE-ACESSO-987";
const SECRET: &str = "segredo-S3-muito-secreto-654";

/// A memory key store whose `set` of one entry can be made to fail (a locked keyring),
/// and which can keep no more than Windows' Credential Manager does (1,280 UTF-16 units,
/// refused the way keyring 3 refuses them there).
#[derive(Default)]
struct Keys {
    inner: MemoryKeyStore,
    refuse: Mutex<Option<&'static str>>,
    windows_limit: std::sync::atomic::AtomicBool,
}

impl Keys {
    fn refuse_set(&self, name: Option<&'static str>) {
        *self.refuse.lock().unwrap() = name;
    }
}

impl KeyStore for Keys {
    fn get(&self, name: &str) -> Result<Option<String>, KeyStoreError> {
        self.inner.get(name)
    }
    fn set(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        if self.windows_limit.load(std::sync::atomic::Ordering::SeqCst)
            && value.encode_utf16().count() > 1280
        {
            return Err(KeyStoreError::new(
                KeyStoreErrorKind::TooLong { max_chars: 1280 },
                "Attribute 'password encoded as UTF-16' is longer than platform limit",
            ));
        }
        if *self.refuse.lock().unwrap() == Some(name) {
            return Err(KeyStoreError::new(
                KeyStoreErrorKind::Locked,
                "falha simulada",
            ));
        }
        self.inner.set(name, value)
    }
    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        self.inner.delete(name)
    }
}

struct World {
    store: Arc<dyn Store>,
    desk: Desk,
    keys: Arc<Keys>,
    admin: String,
    operator: String,
    /// Makes every write to the settings table fail (a trigger), or lets it work again.
    breaker: Breaker,
}

enum Breaker {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Breaker {
    async fn break_settings(&self, on: bool) {
        match (self, on) {
            (Breaker::Sqlite(p), true) => {
                for sql in [
                    "CREATE TRIGGER refuse_ins BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'recusado'); END",
                    "CREATE TRIGGER refuse_upd BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'recusado'); END",
                ] {
                    sqlx::query(sql).execute(p).await.unwrap();
                }
            }
            (Breaker::Sqlite(p), false) => {
                for sql in ["DROP TRIGGER refuse_ins", "DROP TRIGGER refuse_upd"] {
                    sqlx::query(sql).execute(p).await.unwrap();
                }
            }
            (Breaker::Postgres(p), true) => {
                for sql in [
                    "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'recusado'; END $$ LANGUAGE plpgsql",
                    "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION refuse()",
                ] {
                    sqlx::query(sql).execute(p).await.unwrap();
                }
            }
            (Breaker::Postgres(p), false) => {
                sqlx::query("DROP TRIGGER refuse ON settings")
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
    }
}

async fn world(store: Arc<dyn Store>, breaker: Breaker) -> World {
    let keys = Arc::new(Keys::default());
    let desk = Desk::with_clock(store.clone(), common::clock_at(2026, 11, 2, 12, 0))
        .with_secrets(SecretBox::new(keys.clone()));
    let admin = common::first_admin(&desk).await;
    common::create_user(
        &desk,
        &admin,
        "Davi Operador",
        "davi@beg.com.br",
        Role::Operador,
    )
    .await;
    common::create_user(
        &desk,
        &admin,
        "Bruno Aprovador",
        "bruno@beg.com.br",
        Role::Aprovador,
    )
    .await;
    let operator = common::login(&desk, "davi@beg.com.br").await;
    World {
        store,
        desk,
        keys,
        admin,
        operator,
        breaker,
    }
}

async fn config_events(store: &dyn Store) -> Vec<AuditEvent> {
    store.audit_trail("configuracao", None, 100).await.unwrap()
}

/// No audit row, in any field, carries one of the secrets.
async fn assert_no_secret_in_audit(store: &dyn Store) {
    for entity in ["configuracao", "preferencias_computador"] {
        for e in store.audit_trail(entity, None, 500).await.unwrap() {
            let text = serde_json::to_string(&(&e.before, &e.after, &e.detail)).unwrap();
            for s in [TOKEN, ACCESS, SECRET] {
                assert!(!text.contains(s), "secret in audit row: {text}");
            }
        }
    }
}

fn robot(url: &str, token: Option<&str>) -> RobotSettingsInput {
    RobotSettingsInput {
        url: url.into(),
        token: token.map(str::to_string),
        clear_token: false,
    }
}

async fn robot_scenario(w: &World) {
    let d = &w.desk;
    // Only administrators.
    for who in [&w.operator, &common::login(d, "bruno@beg.com.br").await] {
        assert_eq!(
            d.get_robot_settings(who).await.unwrap_err().code,
            ErrorCode::Forbidden
        );
        let e = d
            .save_robot_settings(who, robot("https://robos.beg.com.br", Some(TOKEN)))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
    }
    let v = d.get_robot_settings(&w.admin).await.unwrap();
    assert!(v.using_simulator && !v.token_set && v.url.is_empty());

    // Address and token: two audit rows, the token only in the keyring.
    let saved = d
        .save_robot_settings(&w.admin, robot(" https://robos.beg.com.br/ ", Some(TOKEN)))
        .await
        .unwrap();
    assert!(saved.changed);
    assert!(
        saved.message.contains("próxima abertura"),
        "{}",
        saved.message
    );
    assert_eq!(saved.settings.url, "https://robos.beg.com.br");
    assert!(saved.settings.token_set && !saved.settings.using_simulator);
    assert!(!serde_json::to_string(&saved).unwrap().contains(TOKEN));
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));
    assert_eq!(
        w.store.get_setting("robo.url").await.unwrap(),
        Some(serde_json::json!("https://robos.beg.com.br"))
    );
    let events = config_events(&*w.store).await;
    let details: Vec<_> = events.iter().filter_map(|e| e.detail.clone()).collect();
    assert!(
        details.iter().any(|d| d == "Token do robô definido"),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d == "Endereço do robô alterado para https://robos.beg.com.br"),
        "{details:?}"
    );
    assert!(events.iter().all(|e| e.actor.user_id.is_some()));

    // Blank token keeps; the same values change nothing and audit nothing.
    let n = config_events(&*w.store).await.len();
    let again = d
        .save_robot_settings(&w.admin, robot("https://robos.beg.com.br", Some("  ")))
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(config_events(&*w.store).await.len(), n);
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));

    // Bad input: pt-BR field errors, nothing written.
    for (url, needle) in [
        ("ftp://robos.beg.com.br", "http:// ou https://"),
        ("robos.beg.com.br", "http:// ou https://"),
        ("https://ana:senha@robos.beg.com.br", "usuário ou senha"),
    ] {
        let e = d
            .save_robot_settings(&w.admin, robot(url, Some("outro-token")))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{url}");
        assert_eq!(e.fields[0].field, "url");
        assert!(
            e.fields[0].message.contains(needle),
            "{}",
            e.fields[0].message
        );
    }
    let e = d
        .save_robot_settings(
            &w.admin,
            robot("https://robos.beg.com.br", Some("dois pedaços")),
        )
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "token");
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));
    assert_eq!(config_events(&*w.store).await.len(), n);

    // A new token replaces; a refused keyring write leaves everything as it was.
    w.keys.refuse_set(Some(ROBOT_TOKEN));
    let e = d
        .save_robot_settings(
            &w.admin,
            robot("https://outro.beg.com.br", Some("token-novo")),
        )
        .await
        .unwrap_err();
    assert!(
        e.message.contains("chaveiro") || e.message.contains("cofre"),
        "{}",
        e.message
    );
    w.keys.refuse_set(None);
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));

    // A token longer than the Windows Credential Manager keeps: the limit is named,
    // nothing changes, and "tente de novo" is not what it says.
    w.keys
        .windows_limit
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let e = d
        .save_robot_settings(
            &w.admin,
            robot("https://outro.beg.com.br", Some(&"t".repeat(1500))),
        )
        .await
        .unwrap_err();
    w.keys
        .windows_limit
        .store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(
        e.message.contains("no máximo 1.280 caracteres"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("Tente de novo"), "{}", e.message);
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));
    assert_eq!(
        w.store.get_setting("robo.url").await.unwrap(),
        Some(serde_json::json!("https://robos.beg.com.br"))
    );
    assert_eq!(config_events(&*w.store).await.len(), n);

    // The database refuses: the keyring gets the old token back.
    w.breaker.break_settings(true).await;
    let e = d
        .save_robot_settings(
            &w.admin,
            robot("https://outro.beg.com.br", Some("token-novo")),
        )
        .await;
    assert!(e.is_err());
    w.breaker.break_settings(false).await;
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(TOKEN));
    assert_eq!(config_events(&*w.store).await.len(), n);

    // Clearing the token and going back to the simulator.
    let cleared = d
        .save_robot_settings(
            &w.admin,
            RobotSettingsInput {
                url: String::new(),
                token: None,
                clear_token: true,
            },
        )
        .await
        .unwrap();
    assert!(cleared.settings.using_simulator && !cleared.settings.token_set);
    assert_eq!(w.keys.get(ROBOT_TOKEN).unwrap(), None);
    let details: Vec<_> = config_events(&*w.store)
        .await
        .into_iter()
        .filter_map(|e| e.detail)
        .collect();
    assert!(
        details.iter().any(|d| d == "Token do robô removido"),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d == "Robô: passa a usar o simulador embutido"),
        "{details:?}"
    );
    assert_no_secret_in_audit(&*w.store).await;
}

fn s3(access: Option<&str>, secret: Option<&str>) -> StorageSettingsInput {
    StorageSettingsInput {
        kind: "s3".into(),
        endpoint: "http://127.0.0.1:9".into(),
        region: String::new(),
        bucket: "faturas-beg".into(),
        path_style: true,
        access_key: access.map(str::to_string),
        secret_key: secret.map(str::to_string),
        ..Default::default()
    }
}

fn folder(path: &Path) -> StorageSettingsInput {
    StorageSettingsInput {
        kind: "pasta".into(),
        folder: path.display().to_string(),
        ..Default::default()
    }
}

async fn storage_scenario(w: &World, tmp: &TempFolder) {
    let d = &w.desk;
    std::fs::create_dir_all(&tmp.0).unwrap();
    let default = tmp.0.join("app-data").join("faturas");
    assert_eq!(
        d.get_storage_settings(&w.operator, &default)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    let v = d.get_storage_settings(&w.admin, &default).await.unwrap();
    assert_eq!(v.kind, StorageKind::Pasta);
    assert_eq!(v.folder, default.display().to_string());
    assert!(!v.s3.access_key_set && !v.s3.secret_key_set);

    // A folder: absolute, created, write-probed.
    let e = d
        .save_storage_settings(&w.admin, &default, folder(Path::new("relativa/faturas")))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "folder");
    assert!(e.fields[0].message.contains("caminho completo"));
    let blocker = tmp.0.join("arquivo");
    std::fs::write(&blocker, "x").unwrap();
    let e = d
        .save_storage_settings(&w.admin, &default, folder(&blocker.join("sub")))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "folder");
    assert!(
        e.fields[0].message.starts_with("Não foi possível"),
        "{}",
        e.fields[0].message
    );
    assert_eq!(
        w.store.get_setting(SETTING_STORAGE_FOLDER).await.unwrap(),
        None
    );

    let chosen = tmp.0.join("nova").join("faturas");
    let saved = d
        .save_storage_settings(&w.admin, &default, folder(&chosen))
        .await
        .unwrap();
    assert!(saved.changed);
    assert!(chosen.is_dir());
    assert_eq!(
        std::fs::read_dir(&chosen).unwrap().count(),
        0,
        "probe removed"
    );
    assert_eq!(saved.settings.folder, chosen.display().to_string());
    let test = d
        .test_storage(&w.admin, &default, folder(&chosen))
        .await
        .unwrap();
    assert!(test.ok, "{}", test.message);

    // S3 the first time: both keys or none.
    let n = config_events(&*w.store).await.len();
    let e = d
        .save_storage_settings(&w.admin, &default, s3(Some(ACCESS), None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "secret_key");
    let e = d
        .save_storage_settings(
            &w.admin,
            &default,
            StorageSettingsInput {
                bucket: "X".into(),
                endpoint: "s3.beg".into(),
                ..s3(Some(ACCESS), Some(SECRET))
            },
        )
        .await
        .unwrap_err();
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["endpoint", "bucket"]);
    assert!(w.keys.inner.is_empty());
    assert_eq!(w.store.get_setting(SETTING_STORAGE_S3).await.unwrap(), None);

    // The secret key's keyring write fails: the access key written just before is undone.
    w.keys.refuse_set(Some(S3_SECRET_KEY));
    assert!(d
        .save_storage_settings(&w.admin, &default, s3(Some(ACCESS), Some(SECRET)))
        .await
        .is_err());
    w.keys.refuse_set(None);
    assert!(w.keys.inner.is_empty(), "{:?}", w.keys.inner);
    assert_eq!(w.store.get_setting(SETTING_STORAGE_S3).await.unwrap(), None);
    assert_eq!(config_events(&*w.store).await.len(), n);

    let saved = d
        .save_storage_settings(&w.admin, &default, s3(Some(ACCESS), Some(SECRET)))
        .await
        .unwrap();
    assert_eq!(saved.settings.kind, StorageKind::S3);
    assert!(saved.settings.s3.access_key_set && saved.settings.s3.secret_key_set);
    assert_eq!(saved.settings.s3.region, "us-east-1");
    assert!(!serde_json::to_string(&saved).unwrap().contains(SECRET));
    assert_eq!(w.keys.get(S3_ACCESS_KEY).unwrap().as_deref(), Some(ACCESS));
    assert_eq!(w.keys.get(S3_SECRET_KEY).unwrap().as_deref(), Some(SECRET));
    let stored = w
        .store
        .get_setting(SETTING_STORAGE_S3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["bucket"], "faturas-beg");
    assert_eq!(stored["endpoint"], "http://127.0.0.1:9");
    assert!(stored.get("access_key").is_none());
    let details: Vec<_> = config_events(&*w.store)
        .await
        .into_iter()
        .filter_map(|e| e.detail)
        .collect();
    for want in [
        "Chave de acesso do S3 definida",
        "Chave secreta do S3 definida",
    ] {
        assert!(details.iter().any(|d| d == want), "{details:?}");
    }

    // Blank keys keep them; nothing changed, nothing audited. A test against a port
    // where nothing listens fails in pt-BR.
    let n = config_events(&*w.store).await.len();
    assert!(
        !d.save_storage_settings(&w.admin, &default, s3(None, None))
            .await
            .unwrap()
            .changed
    );
    assert_eq!(config_events(&*w.store).await.len(), n);
    let t = d
        .test_storage(&w.admin, &default, s3(None, None))
        .await
        .unwrap();
    assert!(!t.ok);
    assert!(
        t.message.starts_with("Falha no armazenamento"),
        "{}",
        t.message
    );
    assert!(!t.message.contains(SECRET));

    // The database refuses a new secret key: the old one comes back.
    w.breaker.break_settings(true).await;
    assert!(d
        .save_storage_settings(
            &w.admin,
            &default,
            StorageSettingsInput {
                bucket: "outro-bucket".into(),
                ..s3(None, Some("segredo-novo"))
            }
        )
        .await
        .is_err());
    w.breaker.break_settings(false).await;
    assert_eq!(w.keys.get(S3_SECRET_KEY).unwrap().as_deref(), Some(SECRET));
    assert_eq!(config_events(&*w.store).await.len(), n);

    // Back to the folder: S3 off, the keys stay in the keyring.
    let back = d
        .save_storage_settings(&w.admin, &default, folder(&chosen))
        .await
        .unwrap();
    assert_eq!(back.settings.kind, StorageKind::Pasta);
    assert_eq!(
        w.store.get_setting(SETTING_STORAGE_S3).await.unwrap(),
        Some(serde_json::Value::Null)
    );

    // The worker opens the configured folder.
    let storage = brm_worker::runtime::open_storage(&*w.store, &*w.keys, &tmp.0.join("app-data"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        storage.describe().contains(&chosen.display().to_string()),
        "{}",
        storage.describe()
    );
    assert_no_secret_in_audit(&*w.store).await;
}

async fn prefs_scenario(w: &World) {
    let before = DesktopPreferences::default();
    let after = DesktopPreferences {
        theme: Theme::Dark,
        ..before.clone()
    };
    assert!(w
        .desk
        .audit_desktop_preferences(&w.operator, &before, &after)
        .await
        .unwrap());
    assert!(!w
        .desk
        .audit_desktop_preferences(&w.operator, &after, &after)
        .await
        .unwrap());
    let rows = w
        .store
        .audit_trail("preferencias_computador", None, 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].detail.as_deref(),
        Some("Tema deste computador: escuro")
    );
    assert_eq!(rows[0].after, Some(serde_json::json!({"theme": "dark"})));
    assert_eq!(rows[0].actor.name, "Davi Operador");
    let e = w
        .desk
        .audit_desktop_preferences("sessao-inexistente", &before, &after)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn robot_and_storage_settings_on_sqlite(pool: sqlx::SqlitePool) {
    let w = world(common::sqlite_store(&pool), Breaker::Sqlite(pool.clone())).await;
    let tmp = TempFolder::new("brm-settings");
    robot_scenario(&w).await;
    storage_scenario(&w, &tmp).await;
    prefs_scenario(&w).await;
}

#[tokio::test]
async fn robot_and_storage_settings_on_postgres() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let store = brm_store::connect(&url).await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let w = world(store, Breaker::Postgres(pool)).await;
    let tmp = TempFolder::new("brm-settings-pg");
    robot_scenario(&w).await;
    storage_scenario(&w, &tmp).await;
    prefs_scenario(&w).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_connection_test_talks_to_the_robot(pool: sqlx::SqlitePool) {
    let w = world(common::sqlite_store(&pool), Breaker::Sqlite(pool.clone())).await;
    let tmp = TempFolder::new("brm-settings-sim");
    let storage: Arc<dyn brm_storage::InvoiceStorage> =
        Arc::new(brm_storage::LocalFolder::new(tmp.0.clone()).unwrap());
    let sim = brm_simulator::Simulator::new(
        brm_simulator::SimConfig {
            token: TOKEN.into(),
            ..Default::default()
        },
        storage,
        Arc::new(brm_core::clock::SystemClock),
    );
    let running = sim.serve(0).await.unwrap();
    let url = running.base_url();
    let d = &w.desk;

    let ok = d
        .test_robot_connection(&w.admin, robot(&url, Some(TOKEN)))
        .await
        .unwrap();
    assert!(ok.ok, "{}", ok.message);
    assert!(ok.message.contains("aceitou o token"), "{}", ok.message);

    let refused = d
        .test_robot_connection(&w.admin, robot(&url, Some("token-errado")))
        .await
        .unwrap();
    assert!(!refused.ok);
    assert!(
        refused.message.contains("recusou o token"),
        "{}",
        refused.message
    );

    // Blank: the stored token.
    w.keys.set(ROBOT_TOKEN, TOKEN).unwrap();
    let stored = d
        .test_robot_connection(&w.admin, robot(&url, None))
        .await
        .unwrap();
    assert!(stored.ok, "{}", stored.message);
    assert!(!stored.message.contains(TOKEN));

    let no_url = d
        .test_robot_connection(&w.admin, robot("", None))
        .await
        .unwrap();
    assert!(
        no_url.ok && no_url.message.contains("simulador"),
        "{}",
        no_url.message
    );
    running.shutdown().await;

    let down = d
        .test_robot_connection(&w.admin, robot(&url, Some(TOKEN)))
        .await
        .unwrap();
    assert!(!down.ok);
    assert!(down.message.contains("não respondeu"), "{}", down.message);

    let e = d
        .test_robot_connection(&w.operator, robot(&url, None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}

#[test]
fn the_worker_reads_the_keys_the_screen_writes() {
    use brm_worker::runtime as rt;
    assert_eq!(rt::SETTING_STORAGE_FOLDER, SETTING_STORAGE_FOLDER);
    assert_eq!(rt::SETTING_STORAGE_S3, SETTING_STORAGE_S3);
    assert_eq!(rt::S3_ACCESS_KEY, S3_ACCESS_KEY);
    assert_eq!(rt::S3_SECRET_KEY, S3_SECRET_KEY);
    assert_eq!(
        rt::SETTING_ROBOT_URL,
        brm_service::legacy_import::SETTING_ROBOT_URL
    );
}

/// "Testar" against the throw-away S3 server of scripts/s3-test-server.sh
/// (`BRM_S3_TEST_ENDPOINT`): the probe object is written, read back and deleted with
/// the keys the form gives, then with the keys saved in the keyring. Without the
/// variable the test says so and passes, unless `BRM_REQUIRE_S3=1`.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_storage_test_round_trips_on_s3(pool: sqlx::SqlitePool) {
    let endpoint = match std::env::var("BRM_S3_TEST_ENDPOINT") {
        Ok(v) if !v.trim().is_empty() => v.trim().trim_end_matches('/').to_string(),
        _ => {
            assert_ne!(
                std::env::var("BRM_REQUIRE_S3").as_deref(),
                Ok("1"),
                "BRM_REQUIRE_S3=1 but BRM_S3_TEST_ENDPOINT is not set"
            );
            eprintln!("S3 storage test skipped: BRM_S3_TEST_ENDPOINT is not set");
            return;
        }
    };
    let bucket = format!("brm-settings-{}", uuid::Uuid::new_v4().simple());
    let made = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "bucket: HTTP {}", made.status());
    let w = world(common::sqlite_store(&pool), Breaker::Sqlite(pool.clone())).await;
    let tmp = TempFolder::new("brm-settings-s3");
    let default = tmp.0.join("faturas");
    let input = |access: Option<&str>, secret: Option<&str>| StorageSettingsInput {
        endpoint: endpoint.clone(),
        bucket: bucket.clone(),
        ..s3(access, secret)
    };

    let typed = w
        .desk
        .test_storage(&w.admin, &default, input(Some(ACCESS), Some(SECRET)))
        .await
        .unwrap();
    assert!(typed.ok, "{}", typed.message);
    assert!(typed.message.contains(&bucket), "{}", typed.message);
    assert!(!typed.message.contains(SECRET));

    // Nothing saved yet: blank keys cannot be tested.
    let blank = w
        .desk
        .test_storage(&w.admin, &default, input(None, None))
        .await
        .unwrap();
    assert!(!blank.ok);
    assert!(
        blank.message.contains("Informe a chave"),
        "{}",
        blank.message
    );

    w.desk
        .save_storage_settings(&w.admin, &default, input(Some(ACCESS), Some(SECRET)))
        .await
        .unwrap();
    let stored = w
        .desk
        .test_storage(&w.admin, &default, input(None, None))
        .await
        .unwrap();
    assert!(stored.ok, "{}", stored.message);
    // The worker opens the same storage from the settings and the keyring.
    let opened = brm_worker::runtime::open_storage(&*w.store, &*w.keys, &tmp.0)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(opened.describe().contains(&bucket), "{}", opened.describe());
}
