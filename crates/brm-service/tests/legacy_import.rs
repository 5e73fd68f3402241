//! Moving in from the old system, on a database made by the old Flask code itself
//! (`fixtures/legado/flask-antigo.sqlite3`, the copy of `shared/fixtures/legado/`; its
//! passwords in `flask-antigo.senhas.json`). Cases the fixture lacks are made from a copy
//! of it with the rows the old code writes (its statuses, its hash formats, its
//! schedules). First the attacks and the refusals, then the whole move: preview, commit,
//! commit again (nothing changes), the old people logging in, and the same database on
//! PostgreSQL. An in-memory key store stands in for the OS keyring.

mod common;

use brm_core::process::ProcessStatus;
use brm_core::{ErrorCode, Role};
use brm_legacy::{LegacySource, SourceKind};
use brm_secrets::{KeyStore, MemoryKeyStore, SecretBox, ROBOT_TOKEN};
use brm_service::{Desk, LegacyPreviewOut};
use brm_store::Store;
use chrono::TimeZone;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Row, SqlitePool};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uuid::Uuid;

const PYTHON: &str = "/usr/bin/python3";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    repo().join("fixtures/legado/flask-antigo.sqlite3")
}

fn senhas() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("fixtures/legado/flask-antigo.senhas.json")).unwrap(),
    )
    .unwrap()
}

/// A copy of the old database in `dir`, to read or to change like the old code would.
fn old_copy(dir: &common::TempFolder) -> PathBuf {
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("antigo.sqlite3");
    std::fs::copy(fixture(), &path).unwrap();
    path
}

async fn old_exec(path: &Path, sql: &str) {
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=rw", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn old_rows(path: &Path, sql: &str) -> Vec<sqlx::sqlite::SqliteRow> {
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

fn sqlite_source(path: &Path, env: Option<&Path>) -> LegacySource {
    LegacySource {
        kind: SourceKind::Sqlite,
        path_or_url: path.to_string_lossy().into(),
        env_path: env.map(|e| e.to_string_lossy().into()),
    }
}

/// Our side of the move: a desk (its clock the day after the fixture was made, secrets in
/// memory) with Ana, the first administrator, logged in.
struct Ours {
    store: Arc<dyn Store>,
    desk: Desk,
    keys: Arc<MemoryKeyStore>,
    admin: String,
}

async fn ours(store: Arc<dyn Store>) -> Ours {
    let keys = Arc::new(MemoryKeyStore::new());
    let desk = Desk::with_clock(store.clone(), common::clock_at(2026, 12, 7, 12, 0))
        .with_secrets(SecretBox::new(keys.clone()));
    let admin = common::first_admin(&desk).await;
    Ours {
        store,
        desk,
        keys,
        admin,
    }
}

async fn preview(desk: &Desk, admin: &str, source: LegacySource) -> LegacyPreviewOut {
    desk.legacy_import_preview(admin, source).await.unwrap()
}

/// (in the old table, to create, to map, already, refused, not imported) per old table.
type Counts = HashMap<&'static str, (usize, usize, usize, usize, usize, usize)>;

fn counts(p: &LegacyPreviewOut) -> Counts {
    p.report
        .tables
        .iter()
        .map(|t| {
            (
                t.table,
                (
                    t.total,
                    t.to_create,
                    t.to_map,
                    t.already,
                    t.rejected,
                    t.not_imported,
                ),
            )
        })
        .collect()
}

fn refusal<'a>(p: &'a LegacyPreviewOut, table: &str, needle: &str) -> Option<&'a str> {
    p.report
        .rejected
        .iter()
        .find(|r| r.table == table && r.reason.contains(needle))
        .map(|r| r.reason.as_str())
}

/// How many rows each of our tables has, to show a run writes nothing.
async fn table_counts(pool: &SqlitePool) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "operators",
        "users",
        "clients",
        "processes",
        "executions",
        "execution_logs",
        "schedules",
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

async fn refused(desk: &Desk, admin: &str, source: LegacySource) -> String {
    desk.legacy_import_preview(admin, source)
        .await
        .unwrap_err()
        .message
}

// --- what is not the old system's is refused, naming what is missing -------------------

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn what_is_not_the_old_systems_database_is_refused_naming_what_is_missing(pool: SqlitePool) {
    let Ours { desk, admin, .. } = ours(common::sqlite_store(&pool)).await;
    let before = table_counts(&pool).await;
    let dir = common::TempFolder::new("brm-legado-recusas");
    std::fs::create_dir_all(&dir.0).unwrap();

    let missing = refused(
        &desk,
        &admin,
        sqlite_source(&dir.0.join("nao-existe.sqlite3"), None),
    )
    .await;
    assert!(missing.contains("Arquivo não encontrado"), "{missing}");

    // Four kilobytes of noise named .sqlite3.
    let noise = dir.0.join("ruido.sqlite3");
    std::fs::write(
        &noise,
        (0..4096u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let m = refused(&desk, &admin, sqlite_source(&noise, None)).await;
    assert!(m.contains("não é um banco SQLite"), "{m}");

    // An empty file is an empty SQLite database: every table is missing.
    let empty = dir.0.join("vazio.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    let m = refused(&desk, &admin, sqlite_source(&empty, None)).await;
    for t in [
        "operadoras",
        "clientes",
        "processos",
        "execucoes",
        "users",
        "usuarios",
    ] {
        assert!(m.contains(&format!("\"{t}\"")), "{t}: {m}");
    }
    assert!(m.contains("o banco está vazio"), "{m}");

    // Another Flask application's database (a login table and its posts).
    let other = dir.0.join("outro-flask.sqlite3");
    std::fs::write(&other, b"").unwrap();
    old_exec(
        &other,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT, password BLOB);
         CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);
         CREATE TABLE alembic_version (version_num TEXT);",
    )
    .await;
    let m = refused(&desk, &admin, sqlite_source(&other, None)).await;
    assert!(m.starts_with("Este banco não é do sistema antigo"), "{m}");
    for t in [
        "operadoras",
        "clientes",
        "processos",
        "execucoes",
        "usuarios",
    ] {
        assert!(m.contains(&format!("\"{t}\"")), "{t}: {m}");
    }
    assert!(
        m.contains("tabelas encontradas: \"alembic_version\", \"posts\" e \"users\""),
        "{m}"
    );

    // The schema this importer once guessed: the real column names are asked for, all
    // of them in one message.
    let guessed = old_copy(&dir);
    old_exec(
        &guessed,
        "ALTER TABLE processos RENAME COLUMN status_processo TO status;
         ALTER TABLE clientes RENAME COLUMN status_ativo TO ativo;
         ALTER TABLE clientes RENAME COLUMN hash_unico TO hash;",
    )
    .await;
    let m = refused(&desk, &admin, sqlite_source(&guessed, None)).await;
    assert!(
        m.contains("a tabela \"processos\" não tem a coluna \"status_processo\""),
        "{m}"
    );
    assert!(
        m.contains("a tabela \"clientes\" não tem as colunas \"hash_unico\" e \"status_ativo\""),
        "{m}"
    );
    assert_eq!(
        table_counts(&pool).await,
        before,
        "a refusal writes nothing"
    );
}

// --- people: both tables, both hash formats, crafted hashes ----------------------------

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn crafted_and_unusable_hashes_are_refused_with_reasons_and_cannot_log_in(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-hashes");
    let old = old_copy(&dir);
    let hex128 = "ab".repeat(64);
    // usuarios rows as the old code writes them, with hashes nobody's Werkzeug made; one
    // of them approved a process. users rows with a truncated hash and without e-mail.
    let crafted = [
        ("gigante", format!("scrypt:1073741824:8:1$sal${hex128}")),
        ("sem-custo", "plain$$segredo".to_string()),
        ("md5", format!("md5$sal${}", "ab".repeat(16))),
        (
            "sem-iteracoes",
            format!("pbkdf2:sha256$sal${}", "ab".repeat(32)),
        ),
        (
            "bcrypt",
            "$2b$12$abcdefghijklmnopqrstuuK5z8v1oQ1Tz7lm6nJ3q5mC5r8b1b2Xe".into(),
        ),
    ];
    let mut sql = String::new();
    for (i, (name, hash)) in crafted.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO usuarios (id, nome_completo, email, telefone, perfil_usuario, status_ativo,
                data_criacao, data_atualizacao, username, password_hash)
             VALUES ('00000000-0000-4000-8000-00000000000{i}', 'Pessoa {name}', '{name}@beg.com.br',
                NULL, 'ADMINISTRADOR', 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00', '{name}', '{hash}');\n"
        ));
    }
    sql.push_str(
        "UPDATE processos SET aprovado_por_usuario_id = '00000000-0000-4000-8000-000000000000',
            data_aprovacao = '2025-05-20 14:30:00'
         WHERE id = (SELECT id FROM processos WHERE status_processo = 'UPLOAD_REALIZADO' ORDER BY id LIMIT 1);
         INSERT INTO users (id, username, email, password, is_admin) VALUES
            (10, 'curto', 'curto@beg.com.br', CAST(substr(hex(randomblob(96)), 1, 191) AS BLOB), 1),
            (11, 'semmail', NULL, CAST(hex(randomblob(96)) AS BLOB), 1);",
    );
    old_exec(&old, &sql).await;
    let approved_id: String = old_rows(
        &old,
        "SELECT id FROM processos WHERE aprovado_por_usuario_id = '00000000-0000-4000-8000-000000000000'",
    )
    .await[0]
        .get(0);

    let Ours {
        store, desk, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&old, None)).await;
    let c = counts(&p);
    assert_eq!(c["usuarios"], (8, 3, 0, 0, 5, 0), "{c:?}");
    assert_eq!(c["users"], (5, 3, 0, 0, 2, 0), "{c:?}");
    assert!(
        refusal(&p, "usuarios", "acima do limite").is_some(),
        "{:?}",
        p.report.rejected
    );
    assert!(refusal(&p, "usuarios", "\"plain\"").is_some());
    assert!(refusal(&p, "usuarios", "\"md5\"").is_some());
    assert!(refusal(&p, "usuarios", "sem o número de iterações").is_some());
    assert!(refusal(&p, "usuarios", "formato desconhecido").is_some());
    assert!(refusal(&p, "users", "64 caracteres de sal").is_some());
    assert!(refusal(&p, "users", "Sem e-mail válido").is_some());

    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    for (name, _) in crafted {
        let e = desk
            .login(&format!("{name}@beg.com.br"), "segredo".into())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCredentials, "{name}");
    }
    // The approval by someone who did not come along stays, as a note.
    let proc = store
        .process_by_id(Uuid::parse_str(&approved_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(proc.approved_by, None);
    assert!(
        proc.notes
            .as_deref()
            .unwrap()
            .contains("Aprovado no sistema antigo por Pessoa gigante em 20/05/2025 14:30."),
        "{:?}",
        proc.notes
    );
    // A crafted hash written straight into our table is refused at login, at once.
    sqlx::query("UPDATE users SET password_hash = ? WHERE email = 'carla@beg.com.br'")
        .bind(format!("legado-werkzeug$scrypt:1048576:8:1$sal${hex128}"))
        .execute(&pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let e = desk
        .login("carla@beg.com.br", "Carla!2024".into())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCredentials);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn one_person_in_both_tables_is_one_user_with_the_stronger_profile(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-ambas");
    let old = old_copy(&dir);
    // Maria (users, not admin) is also in usuarios as APROVADOR, with another password
    // (a Werkzeug PBKDF2 of "Senha#Antiga1"); admin (users, is_admin) is in usuarios as
    // OPERADOR.
    old_exec(
        &old,
        "INSERT INTO usuarios (id, nome_completo, email, telefone, perfil_usuario, status_ativo,
            data_criacao, data_atualizacao, username, password_hash) VALUES
         ('11111111-1111-4111-8111-111111111111', 'Maria Souza', 'MARIA.SOUZA@beg.com.br',
            '(11) 99999-0000', 'APROVADOR', 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00', 'maria',
            'pbkdf2:sha256:260000$Xy7qR2mN0pLk4TzA$8a901a29ec98d11558c01046998e0bb04e0fbe6186217acf899b10eec75fbfca'),
         ('22222222-2222-4222-8222-222222222222', 'Administrador Antigo', 'admin@beg.com.br',
            NULL, 'OPERADOR', 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00', 'admin',
            'pbkdf2:sha256:260000$Xy7qR2mN0pLk4TzA$8a901a29ec98d11558c01046998e0bb04e0fbe6186217acf899b10eec75fbfca');",
    )
    .await;
    let Ours { desk, admin, .. } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&old, None)).await;
    let c = counts(&p);
    assert_eq!(c["usuarios"], (5, 5, 0, 0, 0, 0), "{c:?}");
    assert_eq!(c["users"], (3, 1, 2, 0, 0, 0), "{c:?}");
    let maria_line = p
        .report
        .mapped
        .iter()
        .find(|m| m.table == "users" && m.what.contains("maria.souza@beg.com.br"))
        .unwrap();
    assert!(
        maria_line.to.contains("Maria Souza") && maria_line.to.contains("APROVADOR"),
        "{maria_line:?}"
    );
    assert!(maria_line.to.contains("o mais forte") && maria_line.to.contains("(users)"));
    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();

    let s = senhas();
    let maria = desk
        .login(
            "maria.souza@beg.com.br",
            s["users"]["maria"]["password"].as_str().unwrap().into(),
        )
        .await
        .unwrap();
    assert_eq!(maria.user.role, Role::Aprovador);
    assert_eq!(maria.user.full_name, "Maria Souza");
    // The usuarios password is not the one that counts: the old login checked users.
    let other = desk
        .login("admin@beg.com.br", "Senha#Antiga1".into())
        .await
        .unwrap_err();
    assert_eq!(other.code, ErrorCode::InvalidCredentials);
    let old_admin = desk
        .login(
            "admin@beg.com.br",
            s["users"]["admin"]["password"].as_str().unwrap().into(),
        )
        .await
        .unwrap();
    assert_eq!(
        old_admin.user.role,
        Role::Administrador,
        "is_admin beats OPERADOR"
    );
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE email IN ('maria.souza@beg.com.br', 'admin@beg.com.br')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 2, "one user per person");
}

// --- statuses, schedules, the robot token, every column -------------------------------

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_statuses_the_old_code_compares_against_and_one_it_never_wrote(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-situacoes");
    let old = old_copy(&dir);
    let ids: Vec<String> = old_rows(
        &old,
        "SELECT id FROM processos WHERE status_processo = 'AGUARDANDO_DOWNLOAD' ORDER BY id LIMIT 3",
    )
    .await
    .iter()
    .map(|r| r.get(0))
    .collect();
    let sent: String = old_rows(
        &old,
        "SELECT id FROM processos WHERE status_processo = 'ERRO_DOWNLOAD' ORDER BY id LIMIT 1",
    )
    .await[0]
        .get(0);
    old_exec(
        &old,
        &format!(
            "UPDATE processos SET status_processo = 'APROVADO' WHERE id = '{}';
             UPDATE processos SET status_processo = 'REJEITADO' WHERE id = '{}';
             UPDATE processos SET status_processo = 'STATUS_INVENTADO' WHERE id = '{}';
             UPDATE processos SET enviado_para_sat = 1 WHERE id = '{sent}';",
            ids[0], ids[1], ids[2]
        ),
    )
    .await;
    let Ours {
        store, desk, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&old, None)).await;
    assert_eq!(counts(&p)["processos"], (120, 119, 0, 0, 1, 0));
    assert!(refusal(
        &p,
        "processos",
        "Situação desconhecida: \"STATUS_INVENTADO\""
    )
    .is_some());
    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    let get = |id: &str| {
        let store = store.clone();
        let id = Uuid::parse_str(id).unwrap();
        async move { store.process_by_id(id).await.unwrap().unwrap() }
    };
    let aprovado = get(&ids[0]).await;
    assert_eq!(
        (aprovado.status, aprovado.needs_attention),
        (ProcessStatus::AguardandoEnvioSat, false)
    );
    let rejeitado = get(&ids[1]).await;
    assert_eq!(rejeitado.status, ProcessStatus::AguardandoDownload);
    assert_eq!(
        rejeitado.last_rejection_reason.as_deref(),
        Some("Rejeitada no sistema antigo.")
    );
    let inconsistent = get(&sent).await;
    assert!(inconsistent.needs_attention && !inconsistent.sent_to_sat);
    assert!(inconsistent
        .notes
        .unwrap()
        .contains("Marcado como enviado ao SAT no sistema antigo"));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn schedules_with_a_valid_cron_come_along_the_rest_is_refused_with_reasons(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-agendamentos");
    let old = old_copy(&dir);
    // The old code's default schedules, one per operator for VIVO, a bad cron, an inactive one.
    let rows = [
        (
            "a1",
            "Criar Processos Mensais",
            "0 6 1 * *",
            "CRIAR_PROCESSOS_MENSAIS",
            1,
            "{}",
        ),
        (
            "a2",
            "Executar Downloads Automáticos",
            "0 8 * * 1-5",
            "EXECUTAR_DOWNLOADS",
            1,
            "{}",
        ),
        (
            "a3",
            "Envio de Relatórios Semanais",
            "0 17 * * 5",
            "ENVIAR_RELATORIOS",
            1,
            "{}",
        ),
        (
            "a4",
            "Limpeza de Logs Antigos",
            "0 2 * * 0",
            "LIMPEZA_LOGS",
            1,
            "{\"dias\": 90}",
        ),
        (
            "a5",
            "Backup de Dados Diário",
            "0 1 * * *",
            "BACKUP_DADOS",
            1,
            "{}",
        ),
        (
            "a6",
            "Downloads Vivo",
            "0 9 * * 1-5",
            "EXECUTAR_DOWNLOADS",
            1,
            "{\"operadora_especifica\": \"VIVO\"}",
        ),
        (
            "a7",
            "Minuto Impossível",
            "61 * * * *",
            "EXECUTAR_DOWNLOADS",
            1,
            "{}",
        ),
        (
            "a8",
            "Downloads Parados",
            "30 10 * * *",
            "EXECUTAR_DOWNLOADS",
            0,
            "{}",
        ),
    ];
    let mut sql = String::new();
    for (i, (_, name, cron, kind, active, params)) in rows.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO agendamentos (id, nome_agendamento, descricao, cron_expressao, tipo_agendamento,
                status_ativo, proxima_execucao, ultima_execucao, parametros_execucao, data_criacao, data_atualizacao)
             VALUES ('aaaaaaaa-0000-4000-8000-00000000000{i}', '{name}', 'descrição antiga', '{cron}', '{kind}',
                {active}, '2026-12-08 09:00:00', '2026-12-01 09:00:00', '{params}', '2025-01-01 00:00:00', '2025-01-01 00:00:00');\n"
        ));
    }
    old_exec(&old, &sql).await;
    let Ours {
        store, desk, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    // The installation's own monthly schedule, as the worker seeds it.
    brm_worker::schedule::seed_defaults(
        store.as_ref(),
        chrono::Utc.with_ymd_and_hms(2026, 12, 7, 11, 0, 0).unwrap(),
    )
    .await
    .unwrap();
    let p = preview(&desk, &admin, sqlite_source(&old, None)).await;
    assert_eq!(
        counts(&p)["agendamentos"],
        (8, 4, 1, 0, 3, 0),
        "{:?}",
        counts(&p)
    );
    assert!(refusal(&p, "agendamentos", "não envia relatórios").is_some());
    assert!(refusal(&p, "agendamentos", "Cópias de segurança").is_some());
    assert!(
        refusal(&p, "agendamentos", "minuto").is_some(),
        "{:?}",
        p.report.rejected
    );
    let monthly = p
        .report
        .mapped
        .iter()
        .find(|m| m.table == "agendamentos")
        .unwrap();
    assert!(monthly.to.contains("Criar processos do mês"), "{monthly:?}");
    let columns: Vec<String> = p
        .report
        .columns
        .iter()
        .filter(|c| c.fate == "não importado")
        .map(|c| format!("{}.{}", c.table, c.column))
        .collect();
    for c in [
        "agendamentos.descricao",
        "agendamentos.proxima_execucao",
        "agendamentos.parametros_execucao.dias",
    ] {
        assert!(columns.iter().any(|x| x == c), "{c}: {columns:?}");
    }
    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    let all = store.list_schedules().await.unwrap();
    let vivo = all.iter().find(|s| s.name == "Downloads Vivo").unwrap();
    let op: String = sqlx::query_scalar("SELECT code FROM operators WHERE id = ?")
        .bind(vivo.operator_id.unwrap().to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(op, "VIVO");
    assert!(vivo.active && vivo.next_run_at.is_some());
    let stopped = all.iter().find(|s| s.name == "Downloads Parados").unwrap();
    assert!(!stopped.active && stopped.next_run_at.is_none());
    assert_eq!(
        all.iter()
            .filter(|s| s.kind.as_str() == "CRIAR_PROCESSOS_MENSAIS")
            .count(),
        1,
        "no second monthly run"
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_robot_token_by_the_old_priority_never_shown(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-token");
    let old = old_copy(&dir);
    old_exec(
        &old,
        "UPDATE users SET api_externa_token = 'tok-do-admin-123' WHERE username = 'admin';
         UPDATE users SET api_externa_token = 'tok-da-maria-456' WHERE username = 'maria';",
    )
    .await;
    let env = dir.0.join(".env");
    std::fs::write(
        &env,
        "API_EXTERNA_URL=http://rpa-antigo.invalid:8000\nAPI_EXTERNA_TOKEN=tok-do-env-789\nMINIO_SECRET_KEY=minio-segredo\nSECRET_KEY=flask\n",
    )
    .unwrap();
    let Ours {
        desk, keys, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&old, Some(&env))).await;
    let text = serde_json::to_string(&p).unwrap();
    for secret in [
        "tok-do-admin-123",
        "tok-da-maria-456",
        "tok-do-env-789",
        "minio-segredo",
    ] {
        assert!(!text.contains(secret), "{secret} in the preview");
    }
    let token = p
        .report
        .robot
        .iter()
        .find(|r| r.what.starts_with("Token"))
        .unwrap();
    assert_eq!(token.action, "criar");
    assert!(token.detail.contains("admin (administrador)"), "{token:?}");
    let not_imported: Vec<&str> = p
        .report
        .robot
        .iter()
        .filter(|r| r.action == "não importado")
        .map(|r| r.detail.as_str())
        .collect();
    assert_eq!(not_imported.len(), 4, "{not_imported:?}");
    assert!(not_imported.iter().any(|d| d.contains("maria")));
    assert!(not_imported.iter().any(|d| d.contains(".env")));
    assert!(not_imported
        .iter()
        .any(|d| d.starts_with("MINIO_SECRET_KEY")));
    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    assert_eq!(
        keys.get(ROBOT_TOKEN).unwrap().as_deref(),
        Some("tok-do-admin-123")
    );
    let leaks: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE after_json LIKE '%tok-%' OR detail LIKE '%tok-%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leaks, 0);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn every_old_column_is_imported_mapped_or_listed_with_its_reason(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-colunas");
    let old = old_copy(&dir);
    old_exec(&old, "ALTER TABLE clientes ADD COLUMN apelido TEXT;").await;
    let Ours { desk, admin, .. } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&old, None)).await;
    let listed: HashMap<String, (&str, &str)> = p
        .report
        .columns
        .iter()
        .map(|c| {
            (
                format!("{}.{}", c.table, c.column),
                (c.fate, c.detail.as_str()),
            )
        })
        .collect();
    for r in old_rows(&old, "SELECT name FROM sqlite_master WHERE type = 'table'").await {
        let table: String = r.get(0);
        if ["notificacoes", "flask_dance_oauth"].contains(&table.as_str()) {
            continue; // counted, with the table's reason
        }
        for c in old_rows(
            &old,
            &format!("SELECT name FROM pragma_table_info('{table}')"),
        )
        .await
        {
            let column: String = c.get(0);
            let key = format!("{table}.{column}");
            let (fate, detail) = listed
                .get(&key)
                .unwrap_or_else(|| panic!("{key} not in the report"));
            assert!(!detail.is_empty(), "{key}: {fate}");
        }
    }
    assert_eq!(listed["clientes.apelido"].0, "não importado");
    assert!(listed["clientes.apelido"].1.contains("não conhece"));
    assert_eq!(listed["operadoras.classe_rpa"].0, "não importado");
    assert_eq!(listed["users.oauth_github"].0, "não importado");
    assert_eq!(listed["usuarios.username"].0, "não importado");
    let c = counts(&p);
    assert_eq!(c["notificacoes"], (0, 0, 0, 0, 0, 0));
    let whole = p
        .report
        .tables
        .iter()
        .find(|t| t.table == "notificacoes")
        .unwrap();
    assert!(whole.reason.unwrap().contains("e-mails"));
}

// --- the whole move ---------------------------------------------------------------------

/// What the fixture becomes, as rows one can compare between runs and dialects: every
/// imported table, without the columns the import itself stamps.
async fn dump(pool: &SqlitePool) -> BTreeMap<String, Vec<String>> {
    let queries = [
        ("operators", "SELECT id, name, code, has_rpa, portal_url, timeout_secs, max_attempts, active, created_at FROM operators ORDER BY id"),
        ("clients", "SELECT id, hash, legal_name, sat_name, cnpj, operator_id, service, unit, portal_login, COALESCE(portal_password_enc, portal_password_sealed) IS NOT NULL, cpf, active, created_at FROM clients ORDER BY id"),
        ("processes", "SELECT id, client_id, reference_month, status, needs_attention, amount_cents, due_date, approved_by, approved_at, sent_to_sat, sent_at, download_attempts, sat_attempts, manual_upload, auto_created, notes, last_rejection_reason, created_at FROM processes ORDER BY id"),
        ("executions", "SELECT id, process_id, kind, status, job_id, request_json, result_json, attempt, started_at, finished_at, error, triggered_by FROM executions ORDER BY id"),
        ("execution_logs", "SELECT execution_id, seq, level, message FROM execution_logs ORDER BY execution_id, seq"),
        ("users", "SELECT id, full_name, email, phone, role, active, substr(password_hash, 1, 16) FROM users WHERE email <> 'ana@beg.com.br' ORDER BY id"),
    ];
    let mut out = BTreeMap::new();
    for (name, q) in queries {
        let rows = sqlx::query(q).fetch_all(pool).await.unwrap();
        out.insert(
            name.to_string(),
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| {
                            r.try_get::<Option<String>, _>(i)
                                .map(|v| v.unwrap_or_else(|| "∅".into()))
                                .or_else(|_| {
                                    r.try_get::<Option<i64>, _>(i)
                                        .map(|v| v.map_or("∅".into(), |n| n.to_string()))
                                })
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .collect(),
        );
    }
    out
}

/// The fixture's own counts, read the way another program would.
async fn fixture_totals() -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for t in [
        "operadoras",
        "clientes",
        "processos",
        "execucoes",
        "users",
        "usuarios",
        "agendamentos",
    ] {
        let n: i64 = old_rows(&fixture(), &format!("SELECT COUNT(*) FROM {t}")).await[0].get(0);
        out.insert(t.to_string(), n as usize);
    }
    out
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn moving_in_from_the_old_systems_own_database(pool: SqlitePool) {
    let totals = fixture_totals().await;
    let Ours { desk, admin, .. } = ours(common::sqlite_store(&pool)).await;
    let before = table_counts(&pool).await;
    let p = preview(&desk, &admin, sqlite_source(&fixture(), None)).await;
    assert_eq!(
        table_counts(&pool).await,
        before,
        "a preview writes nothing"
    );
    // Counts in = counts out, nothing refused.
    let c = counts(&p);
    for (t, n) in &totals {
        assert_eq!(c[t.as_str()], (*n, *n, 0, 0, 0, 0), "{t}: {c:?}");
    }
    assert!(p.report.rejected.is_empty(), "{:?}", p.report.rejected);
    assert!(p.has_changes);
    // The old statuses (the fixture uses those the old code writes).
    let status = |old: &str| {
        p.report
            .statuses
            .iter()
            .filter(|s| s.old == old)
            .map(|s| (s.new, s.needs_attention, s.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(status("ERRO_SAT"), [("AGUARDANDO_ENVIO_SAT", true, 10)]);
    assert_eq!(
        status("SAT_EM_ANDAMENTO"),
        [("AGUARDANDO_ENVIO_SAT", true, 11)]
    );
    assert_eq!(
        status("DOWNLOAD_CONCLUIDO"),
        [("AGUARDANDO_APROVACAO", false, 11)]
    );
    let text = serde_json::to_string(&p).unwrap();
    let s = senhas();
    for (_, pw) in s["portal"].as_object().unwrap() {
        assert!(
            !text.contains(pw.as_str().unwrap()),
            "a portal password in the preview"
        );
    }

    let result = desk
        .legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    assert_eq!(
        (
            result.operators,
            result.clients,
            result.processes,
            result.executions,
            result.users,
            result.rejected
        ),
        (4, 40, 120, 8, 6, 0)
    );
    // Amounts, due dates, approvers, attention, the HASH, inactive records.
    let money: (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(amount_cents), SUM(amount_cents), COUNT(due_date) FROM processes",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let old_money: (i64, f64, i64) = {
        let r = &old_rows(
            &fixture(),
            "SELECT COUNT(valor_fatura), SUM(valor_fatura), COUNT(data_vencimento) FROM processos",
        )
        .await[0];
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(
        money,
        (
            old_money.0,
            (old_money.1 * 100.0).round() as i64,
            old_money.2
        )
    );
    assert_eq!(money, (90, 40_797_838, 90));
    let approvers: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.full_name, COUNT(*) FROM processes p JOIN users u ON u.id = p.approved_by
         WHERE p.approved_at IS NOT NULL GROUP BY u.full_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(approvers, [("Carla Mendes".to_string(), 50)]);
    let attention: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM processes WHERE needs_attention = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(attention, 32);
    let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM clients ORDER BY hash")
        .fetch_all(&pool)
        .await
        .unwrap();
    let old_hashes: Vec<String> = old_rows(
        &fixture(),
        "SELECT hash_unico FROM clientes ORDER BY hash_unico",
    )
    .await
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(hashes, old_hashes);
    let inactive: Vec<String> =
        sqlx::query_scalar("SELECT legal_name FROM clients WHERE active = 0")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(inactive, ["Úpsilon Logística Ltda Filial"]);
    let logs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM execution_logs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logs, 7);
    let open: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT status, job_id FROM executions WHERE request_json LIKE '%TENTANDO_NOVAMENTE%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        open,
        [("CANCELADO".to_string(), None)],
        "closed, never polled"
    );

    // Portal passwords: sealed to the robot machines (here the embedded desktop itself),
    // opening to the old ones, nowhere in plain text.
    let sealed: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, portal_login, portal_password_sealed FROM clients WHERE portal_password_sealed IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(sealed.len(), 30);
    for (id, login, enc) in &sealed {
        assert!(enc.starts_with("v2:"));
        assert_eq!(
            desk.secrets().open_for(id, enc).unwrap(),
            s["portal"][login].as_str().unwrap()
        );
    }
    let dumped = format!("{:?}", dump(&pool).await);
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(after_json, '') || COALESCE(detail, '') FROM audit_events",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (_, pw) in s["portal"].as_object().unwrap() {
        let pw = pw.as_str().unwrap();
        assert!(
            !dumped.contains(pw) && !audit.iter().any(|a| a.contains(pw)),
            "{pw}"
        );
    }

    // Twice: nothing to create, nothing written.
    let after = table_counts(&pool).await;
    let again = preview(&desk, &admin, sqlite_source(&fixture(), None)).await;
    assert!(!again.has_changes);
    for (t, n) in &totals {
        assert_eq!(counts(&again)[t.as_str()], (*n, 0, 0, *n, 0, 0), "{t}");
    }
    desk.legacy_import_commit(&admin, again.preview_id)
        .await
        .unwrap();
    assert_eq!(
        table_counts(&pool).await,
        after,
        "a second run wrote something"
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_old_people_log_in_with_their_old_passwords_which_become_argon2id(pool: SqlitePool) {
    let Ours {
        store, desk, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    let p = preview(&desk, &admin, sqlite_source(&fixture(), None)).await;
    desk.legacy_import_commit(&admin, p.preview_id)
        .await
        .unwrap();
    let s = senhas();
    let mut people: Vec<(String, String, Role, &str)> = Vec::new();
    for (_, u) in s["users"].as_object().unwrap() {
        let role = if u["is_admin"].as_bool().unwrap() {
            Role::Administrador
        } else {
            Role::Operador
        };
        people.push((
            u["email"].as_str().unwrap().into(),
            u["password"].as_str().unwrap().into(),
            role,
            "legado-pbkdf2-sha512$",
        ));
    }
    for (email, u) in s["usuarios"].as_object().unwrap() {
        let role = Role::parse(u["perfil"].as_str().unwrap()).unwrap();
        people.push((
            email.clone(),
            u["password"].as_str().unwrap().into(),
            role,
            "legado-werkzeug$scrypt:",
        ));
    }
    assert_eq!(people.len(), 6);
    for (email, password, role, prefix) in people {
        let stored = store.user_by_email(&email).await.unwrap().unwrap();
        assert!(
            stored.password_hash.starts_with(prefix),
            "{email}: {}",
            &stored.password_hash[..20]
        );
        // A wrong password first: refused, and the old hash stays.
        let wrong = desk
            .login(&email, format!("{password}x"))
            .await
            .unwrap_err();
        assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
        assert_eq!(
            store
                .user_by_email(&email)
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            stored.password_hash
        );
        let ok = desk.login(&email, password.clone()).await.unwrap();
        assert_eq!(ok.user.role, role, "{email}");
        let upgraded = store.user_by_email(&email).await.unwrap().unwrap();
        assert!(upgraded.password_hash.starts_with("$argon2id$"), "{email}");
        let trail = store
            .audit_trail("usuario", Some(upgraded.id), 20)
            .await
            .unwrap();
        let converted = trail
            .iter()
            .find(|e| e.action == "CONVERTER_SENHA_LEGADA")
            .unwrap();
        let scheme = if prefix.contains("werkzeug") {
            "scrypt do Werkzeug"
        } else {
            "PBKDF2-SHA512"
        };
        assert!(
            converted.detail.as_deref().unwrap_or("").contains(scheme),
            "{:?}",
            converted.detail
        );
        // And again, now through argon2id.
        desk.logout(&ok.token).await.unwrap();
        desk.login(&email, password).await.unwrap();
    }
}

/// The import fails inside its transaction (here: a trigger refuses the 3rd process, as
/// a full disk or a constraint would): nothing of it stays in the database, and the
/// robot token it had already put in the keyring is put back to what was there.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_failed_import_leaves_the_database_and_the_keyring_as_they_were(pool: SqlitePool) {
    let dir = common::TempFolder::new("brm-legado-falha");
    let old = old_copy(&dir);
    let env = dir.0.join(".env");
    std::fs::write(&env, "API_EXTERNA_TOKEN=token-antigo-do-robo\n").unwrap();
    let Ours {
        desk, keys, admin, ..
    } = ours(common::sqlite_store(&pool)).await;
    keys.set(ROBOT_TOKEN, "token-que-ja-estava").unwrap();
    keys.delete(ROBOT_TOKEN).unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_third_process BEFORE INSERT ON processes
         WHEN (SELECT COUNT(*) FROM processes) >= 2
         BEGIN SELECT RAISE(ABORT, 'disco cheio (simulado)'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    let before = table_counts(&pool).await;
    let preview = preview(&desk, &admin, sqlite_source(&old, Some(&env))).await;
    assert!(preview.report.robot.iter().any(|r| r.action == "criar"));
    let failed = desk
        .legacy_import_commit(&admin, preview.preview_id)
        .await
        .unwrap_err();
    assert!(!failed.message.is_empty());
    assert_eq!(table_counts(&pool).await, before, "{}", failed.message);
    assert_eq!(
        keys.get(ROBOT_TOKEN).unwrap(),
        None,
        "the token the import wrote is taken back"
    );
}

/// The same database on PostgreSQL, as the old models create it there (bytea passwords,
/// numeric amounts, uuid or text ids), made from the fixture by
/// scripts/legacy-to-postgres.py; imported into a SQLite store its rows are the same as
/// from the SQLite file, and into a PostgreSQL store it imports and re-imports cleanly.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_old_database_on_postgres_imports_the_same(pool: SqlitePool) {
    let Some(reference_url) = common::fresh_postgres_url().await else {
        return;
    };
    drop(reference_url);
    // From the SQLite file, into a fresh SQLite store: the reference rows.
    let reference = {
        let Ours { desk, admin, .. } = ours(common::sqlite_store(&pool)).await;
        let p = preview(&desk, &admin, sqlite_source(&fixture(), None)).await;
        desk.legacy_import_commit(&admin, p.preview_id)
            .await
            .unwrap();
        dump(&pool).await
    };
    for ids in ["uuid", "text"] {
        let old_url = common::fresh_postgres_url().await.unwrap();
        let sql = Command::new(PYTHON)
            .arg(repo().join("scripts/legacy-to-postgres.py"))
            .arg(fixture())
            .args(["--ids", ids])
            .output()
            .expect("run legacy-to-postgres.py");
        assert!(
            sql.status.success(),
            "{}",
            String::from_utf8_lossy(&sql.stderr)
        );
        let old = sqlx::PgPool::connect(&old_url).await.unwrap();
        sqlx::raw_sql(&String::from_utf8(sql.stdout).unwrap())
            .execute(&old)
            .await
            .unwrap();
        let kind: String = sqlx::query_scalar("SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'password'")
            .fetch_one(&old)
            .await
            .unwrap();
        assert_eq!(kind, "bytea");
        old.close().await;
        let source = || LegacySource {
            kind: SourceKind::Postgres,
            path_or_url: old_url.clone(),
            env_path: None,
        };
        // Into SQLite: the same rows as from the SQLite file.
        let dir = common::TempFolder::new("brm-legado-pg");
        std::fs::create_dir_all(&dir.0).unwrap();
        let target_db = SqlitePool::connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.0.join("nosso.sqlite3").display()
        ))
        .await
        .unwrap();
        brm_store::sqlite::MIGRATOR.run(&target_db).await.unwrap();
        let Ours { desk, admin, .. } = ours(common::sqlite_store(&target_db)).await;
        let p = desk.legacy_import_preview(&admin, source()).await.unwrap();
        assert!(
            p.report.rejected.is_empty(),
            "{ids}: {:?}",
            p.report.rejected
        );
        desk.legacy_import_commit(&admin, p.preview_id)
            .await
            .unwrap();
        let got = dump(&target_db).await;
        for (table, rows) in &reference {
            assert_eq!(&got[table], rows, "{ids}: {table}");
        }
        // The users table person logs in: the bytea hash was read as the old code wrote it.
        desk.login(
            "admin@beg.com.br",
            senhas()["users"]["admin"]["password"]
                .as_str()
                .unwrap()
                .into(),
        )
        .await
        .unwrap();
        target_db.close().await;

        // Into a PostgreSQL store, twice.
        let store = brm_store::connect(&common::fresh_postgres_url().await.unwrap())
            .await
            .unwrap();
        let Ours { desk, admin, .. } = ours(store.clone()).await;
        common::approve_this_machine(&desk).await;
        let p = desk.legacy_import_preview(&admin, source()).await.unwrap();
        let r = desk
            .legacy_import_commit(&admin, p.preview_id)
            .await
            .unwrap();
        assert_eq!(
            (r.clients, r.processes, r.executions, r.users),
            (40, 120, 8, 6),
            "{ids}"
        );
        let again = desk.legacy_import_preview(&admin, source()).await.unwrap();
        assert!(!again.has_changes, "{ids}");
        let carla = desk
            .login("carla@beg.com.br", "Carla!2024".into())
            .await
            .unwrap();
        assert_eq!(carla.user.role, Role::Aprovador);
    }
}

#[test]
fn the_repositorys_fixture_is_the_shared_reference() {
    let shared = repo().join("../shared/fixtures/legado/flask-antigo.sqlite3");
    let ours = std::fs::read(fixture()).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&ours)),
        "0b4e5cef83d8561e002738dbdcf92513f0985253c0567f7c36f6d24b964bc5d1",
        "fixtures/legado/flask-antigo.sqlite3 changed: it is made by the old code, never edited"
    );
    if let Ok(reference) = std::fs::read(&shared) {
        assert_eq!(ours, reference, "differs from {}", shared.display());
    }
}
