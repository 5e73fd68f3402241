//! Moving in from the old system end to end: scripts/make-legacy-db.py builds the old
//! database (SQLite file, or PostgreSQL from its --sql output) with synthetic rows, then
//! the desk previews, commits, commits again (nothing changes) and a migrated user logs
//! in with the old password, which becomes argon2id. An in-memory key store stands in
//! for the OS keyring.

mod common;

use brm_core::process::ProcessStatus;
use brm_core::{ErrorCode, Role};
use brm_legacy::{LegacySource, SourceKind};
use brm_secrets::{KeyStore, MemoryKeyStore, SecretBox, ROBOT_TOKEN};
use brm_service::{Desk, LegacyPreviewOut};
use brm_store::Store;
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uuid::Uuid;

/// The password scripts/make-legacy-db.py gives every old user.
const LEGACY_PASSWORD: &str = "Legado@Senha2024";
const OLD_TOKEN: &str = "token-antigo-do-robo-0123456789";
const OLD_URL: &str = "http://rpa-antigo.invalid:8000";
const PYTHON: &str = "/usr/bin/python3";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/make-legacy-db.py")
}

/// False (with the reason printed) only when the system Python has no sqlite3 module.
fn python_has_sqlite() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import sqlite3"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("legacy import test skipped: {PYTHON} cannot import sqlite3");
    }
    ok
}

/// Builds the old SQLite database and .env in `dir`.
fn make_old_sqlite(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (db, env) = (dir.join("antigo.sqlite3"), dir.join(".env"));
    let status = Command::new(PYTHON)
        .arg(script())
        .arg(&db)
        .arg("--env")
        .arg(&env)
        .status()
        .expect("run make-legacy-db.py");
    assert!(status.success());
    (db, env)
}

fn desk_on(store: Arc<dyn Store>) -> (Desk, Arc<MemoryKeyStore>) {
    let keys = Arc::new(MemoryKeyStore::new());
    let desk = Desk::with_clock(store, common::clock_at(2026, 11, 2, 12, 0))
        .with_secrets(SecretBox::new(keys.clone()));
    (desk, keys)
}

fn counts(p: &LegacyPreviewOut) -> HashMap<&'static str, (usize, usize, usize, usize)> {
    p.report
        .tables
        .iter()
        .map(|t| (t.table, (t.to_create, t.to_map, t.already, t.rejected)))
        .collect()
}

fn rejected_reason(p: &LegacyPreviewOut, table: &str, needle: &str) -> bool {
    p.report
        .rejected
        .iter()
        .any(|r| r.table == table && r.reason.contains(needle))
}

/// The preview of a fresh install: what the synthetic old database must give.
fn assert_first_preview(p: &LegacyPreviewOut) {
    let c = counts(p);
    // (to create, to map, already imported, rejected)
    assert_eq!(c["operadoras"], (4, 0, 0, 1), "{c:?}");
    assert_eq!(c["usuarios"], (3, 0, 0, 2), "{c:?}");
    assert_eq!(c["users"], (1, 1, 0, 0), "{c:?}");
    assert_eq!(c["clientes"], (4, 0, 0, 2), "{c:?}");
    assert_eq!(c["processos"], (16, 0, 0, 4), "{c:?}");
    assert_eq!(c["execucoes"], (4, 0, 0, 1), "{c:?}");
    assert!(p.has_changes);
    assert!(rejected_reason(p, "operadoras", "código"));
    assert!(rejected_reason(p, "clientes", "CNPJ"));
    assert!(rejected_reason(p, "clientes", "não existe no banco antigo"));
    assert!(rejected_reason(
        p,
        "processos",
        "Situação desconhecida: \"STATUS_INVENTADO\""
    ));
    assert!(rejected_reason(p, "processos", "Mês inválido: \"13/2024\""));
    assert!(rejected_reason(
        p,
        "processos",
        "não existe no banco antigo"
    ));
    assert!(rejected_reason(p, "processos", "duplicado"));
    assert!(rejected_reason(
        p,
        "execucoes",
        "não existe no banco antigo"
    ));
    assert!(rejected_reason(
        p,
        "usuarios",
        "Perfil desconhecido: \"supervisor\""
    ));
    assert!(rejected_reason(
        p,
        "usuarios",
        "Senha em formato desconhecido"
    ));
    let erro_sat = p
        .report
        .statuses
        .iter()
        .find(|s| s.old == "ERRO_SAT")
        .unwrap();
    assert_eq!(
        (erro_sat.new, erro_sat.needs_attention),
        ("AGUARDANDO_ENVIO_SAT", true)
    );
    let robot: Vec<_> = p.report.robot.iter().map(|r| r.action).collect();
    assert_eq!(robot, ["criar", "criar"]);
    // The preview never carries a secret.
    let text = serde_json::to_string(p).unwrap();
    assert!(
        !text.contains(OLD_TOKEN) && !text.contains("Portal#"),
        "{text}"
    );
}

/// Old status → (ours, needs attention) by the old process id, read from the old rows.
async fn check_statuses(store: &Arc<dyn Store>, old: &[(String, String)]) {
    let expected: HashMap<&str, (ProcessStatus, bool)> = [
        ("UPLOAD_REALIZADO", (ProcessStatus::UploadRealizado, false)),
        ("CONCLUIDO", (ProcessStatus::UploadRealizado, false)),
        ("SAT_CONCLUIDO", (ProcessStatus::UploadRealizado, false)),
        ("ENVIADO_SAT", (ProcessStatus::UploadRealizado, false)),
        ("APROVADO", (ProcessStatus::AguardandoEnvioSat, false)),
        (
            "DOWNLOAD_EM_ANDAMENTO",
            (ProcessStatus::AguardandoDownload, false),
        ),
        ("ERRO_DOWNLOAD", (ProcessStatus::AguardandoDownload, true)),
        (
            "DOWNLOAD_CONCLUIDO",
            (ProcessStatus::AguardandoAprovacao, false),
        ),
        (
            "PENDENTE_APROVACAO",
            (ProcessStatus::AguardandoAprovacao, false),
        ),
        ("REJEITADO", (ProcessStatus::AguardandoDownload, false)),
        (
            "SAT_EM_ANDAMENTO",
            (ProcessStatus::AguardandoEnvioSat, false),
        ),
        ("ERRO_SAT", (ProcessStatus::AguardandoEnvioSat, true)),
        ("CANCELADO", (ProcessStatus::Cancelado, false)),
    ]
    .into_iter()
    .collect();
    let mut seen = 0;
    for (id, status) in old {
        let Some(want) = expected.get(status.as_str()) else {
            continue;
        };
        let p = store
            .process_by_id(Uuid::parse_str(id).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("process {status} not imported"));
        assert_eq!((p.status, p.needs_attention), *want, "{status}");
        assert!(p.notes.as_deref().unwrap().contains(status.as_str()));
        if status == "CONCLUIDO" {
            assert_eq!(p.amount_cents, Some(129_990));
            assert_eq!(p.reference_month, "2024-02");
            assert!(p.sent_to_sat);
        }
        seen += 1;
    }
    assert_eq!(seen, expected.len());
}

/// How many rows each of our tables has, to show a second run writes nothing.
async fn table_counts(pool: &SqlitePool) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "operators",
        "users",
        "clients",
        "processes",
        "executions",
        "execution_logs",
        "settings",
        "audit_events",
    ] {
        out.push(
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(pool)
                .await
                .unwrap(),
        );
    }
    out
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn moving_in_from_the_old_sqlite_database(pool: SqlitePool) {
    if !python_has_sqlite() {
        return;
    }
    let dir = common::TempFolder::new("brm-legado");
    let (old_db, env) = make_old_sqlite(&dir.0);
    let store = common::sqlite_store(&pool);
    let (desk, keys) = desk_on(store.clone());
    let admin = common::first_admin(&desk).await;
    let source = || LegacySource {
        kind: SourceKind::Sqlite,
        path_or_url: old_db.to_string_lossy().into(),
        env_path: Some(env.to_string_lossy().into()),
    };

    // Dry run: nothing written.
    let before = table_counts(&pool).await;
    let preview = desk.legacy_import_preview(&admin, source()).await.unwrap();
    assert_first_preview(&preview);
    assert_eq!(
        table_counts(&pool).await,
        before,
        "a preview writes nothing"
    );
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap(), None);

    let result = desk
        .legacy_import_commit(&admin, preview.preview_id)
        .await
        .unwrap();
    assert_eq!(
        (
            result.operators,
            result.users,
            result.clients,
            result.processes,
            result.executions
        ),
        (4, 4, 4, 16, 4)
    );
    assert!(result.robot_token_saved && result.robot_url_saved);
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(OLD_TOKEN));
    assert_eq!(
        store.get_setting("robo.url").await.unwrap(),
        Some(serde_json::json!(OLD_URL))
    );
    // The same preview cannot be committed twice.
    let again = desk.legacy_import_commit(&admin, preview.preview_id).await;
    assert_eq!(again.unwrap_err().code, ErrorCode::NotFound);

    // Odd statuses mapped, by the old ids.
    let old_pool = SqlitePool::connect(&format!("sqlite://{}", old_db.display()))
        .await
        .unwrap();
    let old: Vec<(String, String)> = sqlx::query("SELECT id, status FROM processos")
        .fetch_all(&old_pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    old_pool.close().await;
    check_statuses(&store, &old).await;

    // Portal passwords sealed: no plain text in the table, and they open to the old one.
    let sealed: Vec<(String, Option<String>)> =
        sqlx::query("SELECT legal_name, portal_password_enc FROM clients")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    let acme = sealed
        .iter()
        .find(|(n, _)| n == "ACME Indústria Ltda")
        .unwrap();
    let acme_id: String = sqlx::query_scalar("SELECT id FROM clients WHERE hash = 'H-ACME-VIVO'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let enc = acme.1.clone().unwrap();
    assert!(enc.starts_with("v1:"));
    assert_eq!(
        desk.secrets().open_for(&acme_id, &enc).unwrap(),
        "Portal#Acme1"
    );
    let plain: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM clients WHERE portal_password_enc LIKE '%Portal#%'
            OR notes LIKE '%Portal#%' OR search_text LIKE '%portal#%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(plain, 0);
    let audit_leak: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE after_json LIKE '%Portal#%'
            OR after_json LIKE ?1 OR detail LIKE ?1",
    )
    .bind(format!("%{OLD_TOKEN}%"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit_leak, 0);

    // An execution that was still running there is closed here (our worker never polls
    // the old robot's job), its log lines kept.
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM executions WHERE status IN ('PENDENTE', 'EXECUTANDO')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(open, 0);
    let logs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM execution_logs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logs, 6);

    // Running it twice changes nothing.
    let after = table_counts(&pool).await;
    let second = desk.legacy_import_preview(&admin, source()).await.unwrap();
    assert!(!second.has_changes);
    let c = counts(&second);
    // The old duplicate now meets the first one, stored: mapped onto it, still not written.
    assert_eq!(c["processos"], (0, 1, 16, 3), "{c:?}");
    assert_eq!(c["clientes"], (0, 0, 4, 2), "{c:?}");
    assert_eq!(c["usuarios"], (0, 0, 3, 2), "{c:?}");
    assert_eq!(c["users"], (0, 1, 1, 0), "{c:?}");
    assert_eq!(c["execucoes"], (0, 0, 4, 1), "{c:?}");
    let robot: Vec<_> = second.report.robot.iter().map(|r| r.action).collect();
    assert_eq!(robot, ["igual", "igual"]);
    let nothing = desk
        .legacy_import_commit(&admin, second.preview_id)
        .await
        .unwrap();
    assert_eq!(
        (nothing.processes, nothing.clients, nothing.users),
        (0, 0, 0)
    );
    assert_eq!(
        table_counts(&pool).await,
        after,
        "second run wrote something"
    );

    // A migrated administrator logs in with the old password; the hash becomes argon2id.
    let stored = store
        .user_by_email("maria@beg.com.br")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("legado-pbkdf2-sha512$"));
    let wrong = desk
        .login("maria@beg.com.br", "senha-errada".into())
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    let maria = desk
        .login("maria@beg.com.br", LEGACY_PASSWORD.into())
        .await
        .unwrap();
    assert_eq!(maria.user.role, Role::Administrador);
    let upgraded = store
        .user_by_email("maria@beg.com.br")
        .await
        .unwrap()
        .unwrap();
    assert!(
        upgraded.password_hash.starts_with("$argon2id$"),
        "{}",
        upgraded.password_hash
    );
    let trail = store
        .audit_trail("usuario", Some(upgraded.id), 20)
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "CONVERTER_SENHA_LEGADA"));
    // ...and keeps working with the same password, now through argon2id.
    desk.logout(&maria.token).await.unwrap();
    desk.login("maria@beg.com.br", LEGACY_PASSWORD.into())
        .await
        .unwrap();

    // The old Flask-Login table's user is an OPERADOR; a deactivated one stays out and
    // keeps the legacy hash.
    let joao = desk
        .login("joao@beg.com.br", LEGACY_PASSWORD.into())
        .await
        .unwrap();
    assert_eq!(joao.user.role, Role::Operador);
    let lucia = desk
        .login("lucia@beg.com.br", LEGACY_PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(lucia.code, ErrorCode::Forbidden);
    let lucia = store
        .user_by_email("lucia@beg.com.br")
        .await
        .unwrap()
        .unwrap();
    assert!(lucia.password_hash.starts_with("legado-pbkdf2-sha512$"));

    // Only an administrator imports.
    let refused = desk
        .legacy_import_preview(&joao.token, source())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_bad_source_is_refused_in_portuguese_and_writes_nothing(pool: SqlitePool) {
    let (desk, _) = desk_on(common::sqlite_store(&pool));
    let admin = common::first_admin(&desk).await;
    let before = table_counts(&pool).await;
    let missing = desk
        .legacy_import_preview(
            &admin,
            LegacySource {
                kind: SourceKind::Sqlite,
                path_or_url: "/nao/existe/antigo.sqlite3".into(),
                env_path: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        missing.message.contains("Arquivo não encontrado"),
        "{}",
        missing.message
    );
    // A SQLite file that is not the old system's.
    let dir = common::TempFolder::new("brm-legado-outro");
    std::fs::create_dir_all(&dir.0).unwrap();
    let other = dir.0.join("outro.sqlite3");
    let p = SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE x (id TEXT)")
        .execute(&p)
        .await
        .unwrap();
    p.close().await;
    let wrong = desk
        .legacy_import_preview(
            &admin,
            LegacySource {
                kind: SourceKind::Sqlite,
                path_or_url: other.to_string_lossy().into(),
                env_path: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        wrong.message.contains("a tabela \"operadoras\" não existe"),
        "{}",
        wrong.message
    );
    let unknown = desk
        .legacy_import_commit(&admin, Uuid::new_v4())
        .await
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::NotFound);
    assert_eq!(table_counts(&pool).await, before);
}

/// The import fails inside its transaction (here: a trigger refuses the 3rd process, as
/// a full disk or a constraint would): nothing of it stays in the database, and the
/// robot token it had already put in the keyring is put back to what was there.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_failed_import_leaves_the_database_and_the_keyring_as_they_were(pool: SqlitePool) {
    if !python_has_sqlite() {
        return;
    }
    let dir = common::TempFolder::new("brm-legado-falha");
    let (old_db, env) = make_old_sqlite(&dir.0);
    let (desk, keys) = desk_on(common::sqlite_store(&pool));
    let admin = common::first_admin(&desk).await;
    keys.set(ROBOT_TOKEN, "token-que-ja-estava").unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_third_process BEFORE INSERT ON processes
         WHEN (SELECT COUNT(*) FROM processes) >= 2
         BEGIN SELECT RAISE(ABORT, 'disco cheio (simulado)'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    let before = table_counts(&pool).await;
    let source = LegacySource {
        kind: SourceKind::Sqlite,
        path_or_url: old_db.to_string_lossy().into(),
        env_path: Some(env.to_string_lossy().into()),
    };
    let preview = desk.legacy_import_preview(&admin, source).await.unwrap();
    let failed = desk
        .legacy_import_commit(&admin, preview.preview_id)
        .await
        .unwrap_err();
    assert!(!failed.message.is_empty());
    assert_eq!(table_counts(&pool).await, before, "{}", failed.message);
    assert_eq!(
        keys.get(ROBOT_TOKEN).unwrap().as_deref(),
        Some("token-que-ja-estava"),
        "the token the import had written is put back"
    );
}

/// The old system on PostgreSQL (the script's --sql run into a fresh database of the test
/// cluster) imported into our PostgreSQL store: both dialects of reader and writer.
#[tokio::test]
async fn moving_in_from_an_old_postgres_database_into_postgres() {
    let Some(old_url) = common::fresh_postgres_url().await else {
        return;
    };
    let Some(our_url) = common::fresh_postgres_url().await else {
        return;
    };
    let sql = Command::new(PYTHON)
        .arg(script())
        .arg("--sql")
        .output()
        .expect("run make-legacy-db.py --sql");
    assert!(sql.status.success());
    let old = sqlx::PgPool::connect(&old_url).await.unwrap();
    sqlx::raw_sql(&String::from_utf8(sql.stdout).unwrap())
        .execute(&old)
        .await
        .unwrap();
    old.close().await;

    let store = brm_store::connect(&our_url).await.unwrap();
    let (desk, keys) = desk_on(store.clone());
    let admin = common::first_admin(&desk).await;
    let dir = common::TempFolder::new("brm-legado-pg");
    let (_, env) = make_old_sqlite(&dir.0);
    let source = || LegacySource {
        kind: SourceKind::Postgres,
        path_or_url: old_url.clone(),
        env_path: Some(env.to_string_lossy().into()),
    };
    let preview = desk.legacy_import_preview(&admin, source()).await.unwrap();
    assert_first_preview(&preview);
    let result = desk
        .legacy_import_commit(&admin, preview.preview_id)
        .await
        .unwrap();
    assert_eq!(
        (result.clients, result.processes, result.executions),
        (4, 16, 4)
    );
    assert_eq!(keys.get(ROBOT_TOKEN).unwrap().as_deref(), Some(OLD_TOKEN));

    let old = sqlx::PgPool::connect(&old_url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query("SELECT id, status FROM processos")
        .fetch_all(&old)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    old.close().await;
    check_statuses(&store, &rows).await;

    let second = desk.legacy_import_preview(&admin, source()).await.unwrap();
    assert!(!second.has_changes);
    assert_eq!(counts(&second)["processos"], (0, 1, 16, 3));

    let maria = desk
        .login("maria@beg.com.br", LEGACY_PASSWORD.into())
        .await
        .unwrap();
    assert_eq!(maria.user.role, Role::Administrador);
    let upgraded = store
        .user_by_email("maria@beg.com.br")
        .await
        .unwrap()
        .unwrap();
    assert!(upgraded.password_hash.starts_with("$argon2id$"));
}
