//! No secret anywhere (issue 7): the whole monthly cycle runs with the shared log set-up
//! (`brm-logging`, the same code as the window and `brm-desk worker`) at TRACE level, on
//! SQLite and on PostgreSQL, against the simulator over real HTTP with a distinctive
//! robot token, clients with distinctive portal passwords and (PostgreSQL) a URL with a
//! distinctive database password. Then every log file, the database (SQLite: main file,
//! -wal and -shm bytes; PostgreSQL: every row of every table as text), the exported CSVs,
//! the invoice folder, the robot identity exported under a passphrase (issue 19) and the
//! diagnostics report are searched for each secret (the machine's private key and that
//! passphrase among them), raw and
//! in its base64 (any alignment), URL-encoded and hex forms: none may appear.
//!
//! A control step first logs the secrets on purpose into another folder through the
//! same set-up and checks the searcher finds every form, so the search can fail.

mod common;

use base64::Engine as _;
use brm_core::client::ClientInput;
use brm_core::clock::{Clock, ManualClock};
use brm_core::operator::OperatorInput;
use brm_core::process::{ProcessFilter, ProcessStatus};
use brm_core::user::NewAdminInput;
use brm_logging::{LogSetup, RecentEvents};
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, DiagnosticsContext, RobotInfo};
use brm_simulator::{Faults, SimConfig, Simulator};
use brm_storage::{InvoiceStorage, LocalFolder};
use brm_store::Store;
use brm_worker::{RobotDirectory, Worker, WorkerConfig};
use chrono::{Duration, TimeZone, Utc};
use common::{cnpj, postgres_url};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ROBOT_TOKEN: &str = "RoboTok-Zq81xKv-93ff";
const PORTAL_PASSWORDS: [&str; 3] = [
    "PortalVivo#Qz7-k2Lm",
    "PortalOi!Wx5 p9Rt&",
    "PortalEmb/Yv3=h8Ns",
];
const ADMIN_PASSWORD: &str = "AdminSenha-Lr5Tq-9Jd";
const DB_PASSWORD: &str = "DbSenha-Hq4Vn-8Pw@x";
/// The mail server's login (issue 21): sealed in the database, opened only to send.
const SMTP_PASSWORD: &str = "SmtpSenha-Kw3Rb-6Tz";
const MONTH: &str = "2026-11";

/// The passphrase the robot identity is exported under (issue 19).
const EXPORT_PASSPHRASE: &str = "Frase-da-Exportacao 7Kq2";

/// Secrets made during the run: the robot machines' private keys.
static MADE: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

fn secrets() -> Vec<(&'static str, &'static str)> {
    let mut s = vec![
        ("token do robô", ROBOT_TOKEN),
        ("senha do administrador", ADMIN_PASSWORD),
        ("senha do banco", DB_PASSWORD),
        ("senha do servidor de e-mail", SMTP_PASSWORD),
        ("frase-senha da identidade exportada", EXPORT_PASSPHRASE),
    ];
    for p in PORTAL_PASSWORDS {
        s.push(("senha de portal", p));
    }
    for k in MADE.lock().unwrap().iter() {
        s.push(("chave privada da máquina robô", k));
    }
    s
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every form a secret may take in a file: raw, URL-encoded (%20 and +), hex, and
/// base64/base64url at the three alignments it can sit at inside a longer encoded text
/// (the part fully determined by the secret's own bytes).
fn forms(secret: &str) -> Vec<(String, String)> {
    let mut f = vec![("texto".to_string(), secret.to_string())];
    let enc = url_encode(secret);
    if enc != secret {
        f.push(("URL".into(), enc.clone()));
        f.push(("URL (+)".into(), enc.replace("%20", "+")));
    }
    f.push(("hex".into(), hex_lower(secret.as_bytes())));
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD),
        ("base64url", &base64::engine::general_purpose::URL_SAFE),
    ] {
        for pad in 0..3usize {
            let mut bytes = vec![0u8; pad];
            bytes.extend_from_slice(secret.as_bytes());
            let e = engine.encode(&bytes);
            let start = if pad == 0 { 0 } else { 4 };
            let end = e.len() - 4;
            f.push((format!("{name} (+{pad})"), e[start..end].to_string()));
        }
    }
    f
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every (file, secret, form) found under `dirs` (recursively) and in `extra` bytes.
fn search(dirs: &[&Path]) -> Vec<String> {
    let mut files = Vec::new();
    for d in dirs {
        collect(d, &mut files);
    }
    assert!(!files.is_empty(), "nothing to search in {dirs:?}");
    let mut hits = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let lower = bytes.to_ascii_lowercase();
        for (what, secret) in secrets() {
            for (form, needle) in forms(secret) {
                // Hex and URL escapes may be written in either case.
                let (hay, n) = if form == "hex" || form.starts_with("URL") {
                    (&lower, needle.to_ascii_lowercase())
                } else {
                    (&bytes, needle)
                };
                if let Some(at) = position(hay, n.as_bytes()) {
                    // Where it was, without the secret itself.
                    let from = at.saturating_sub(120);
                    let context = String::from_utf8_lossy(&bytes[from..at]);
                    hits.push(format!(
                        "{}: {what} ({form}) after «{context}»",
                        file.display()
                    ));
                }
            }
        }
    }
    hits
}

fn position(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The searcher finds each form of each secret when they are logged on purpose through
/// the same set-up (JSON lines, escaping included).
fn control_step(root: &Path) {
    let dir = root.join("controle");
    let setup = LogSetup {
        dir: Some(dir.clone()),
        filter: Some("trace".into()),
        stderr: false,
        max_files: 14,
    };
    let (dispatch, handle) = brm_logging::build(&setup, RecentEvents::new(4));
    tracing::dispatcher::with_default(&dispatch, || {
        for (what, secret) in secrets() {
            for (form, value) in forms(secret) {
                tracing::trace!(what, form, value = %value, "vazamento proposital");
            }
        }
    });
    drop(handle);
    drop(dispatch);
    let hits = search(&[&dir]);
    let expected: usize = secrets().iter().map(|(_, s)| forms(s).len()).sum();
    // Every form of every secret is found (a form may also match another's line).
    for (what, secret) in secrets() {
        for (form, _) in forms(secret) {
            assert!(
                hits.iter()
                    .any(|h| h.contains(&format!(": {what} ({form}) after «"))),
                "the searcher missed {what} ({form}): {hits:?}"
            );
        }
    }
    assert!(hits.len() >= expected / 2, "{hits:?}");
}

/// The whole month on `store`, leaving the CSVs and the diagnostics text in `data_dir`.
async fn monthly_cycle(store: Arc<dyn Store>, data_dir: &Path, db_location: &str) {
    let smtp = common::smtp::Smtp::start_with_password(Some(SMTP_PASSWORD));
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
    ));
    let storage: Arc<dyn InvoiceStorage> =
        Arc::new(LocalFolder::new(data_dir.join("faturas")).unwrap());
    let sim = Simulator::with_manual_clock(
        SimConfig {
            seed: 11,
            token: ROBOT_TOKEN.into(),
            job_secs: (20, 60),
            faults: Faults::default(),
            ..SimConfig::default()
        },
        storage.clone(),
        clock.clone(),
    );
    let running = sim.serve(0).await.unwrap();
    let url = running.base_url();
    let secrets = Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    common::approve_machine(&*store, &secrets).await;
    // The machine's private key is a secret like the others; its exported file (under a
    // passphrase) is one more file a person would keep.
    let private = secrets
        .store()
        .get(brm_secrets::ROBOT_IDENTITY)
        .unwrap()
        .unwrap();
    MADE.lock()
        .unwrap()
        .push(Box::leak(private.into_boxed_str()));
    let exported = secrets
        .robot_identity()
        .unwrap()
        .unwrap()
        .export(EXPORT_PASSPHRASE)
        .unwrap();
    std::fs::write(data_dir.join("identidade-maquina-robo.age"), exported).unwrap();
    let desk = Desk::with_clock(store.clone(), clock.clone() as Arc<dyn Clock>)
        .with_secrets_arc(secrets.clone());
    desk.create_first_admin(NewAdminInput {
        full_name: "Ana Administradora".into(),
        email: "ana@beg.com.br".into(),
        password: ADMIN_PASSWORD.into(),
        password_confirmation: ADMIN_PASSWORD.into(),
    })
    .await
    .unwrap();
    // A wrong password first: the failure path logs too.
    assert!(desk
        .login("ana@beg.com.br", "errada-123456".into())
        .await
        .is_err());
    let admin = desk
        .login("ana@beg.com.br", ADMIN_PASSWORD.into())
        .await
        .unwrap()
        .token;
    let mut n = 1;
    for ((name, code), password) in [("Vivo", "VIVO"), ("Oi", "OI"), ("Embratel", "EMBRATEL")]
        .into_iter()
        .zip(PORTAL_PASSWORDS)
    {
        let op = desk
            .create_operator(
                &admin,
                OperatorInput {
                    name: name.into(),
                    code: code.into(),
                    has_rpa: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for _ in 0..2 {
            desk.create_client(
                &admin,
                ClientInput {
                    legal_name: format!("Cliente {n} Ltda"),
                    cnpj: cnpj(n),
                    operator_id: Some(op.id),
                    account_filter: Some(format!("conta-{n}")),
                    service: Some("Telefonia".into()),
                    unit: Some(format!("Unidade {n}")),
                    portal_login: Some(format!("login{n}@exemplo.com.br")),
                    portal_password: Some(password.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            n += 1;
        }
    }
    desk.create_month_processes(&admin, MONTH, None)
        .await
        .unwrap();

    let mut config = WorkerConfig::new("sem-segredos");
    config.global_cap = 1000;
    config.per_operator_cap = 1000;
    config.claim_batch = 1000;
    config.jitter = 0.0;
    config.smtp_extra_ca_pem = smtp.as_ref().map(|s| s.ca.clone());
    let robot = RobotClient::new(
        RobotConfig::new(url.clone(), Some(ROBOT_TOKEN.into()))
            .with_request_timeout(std::time::Duration::from_secs(5)),
    )
    .unwrap();
    let worker = Arc::new(Worker::new(
        store.clone(),
        storage.clone(),
        Arc::new(RobotDirectory::new(robot, None)),
        secrets.clone(),
        clock.clone(),
        config,
    ));
    let all = || async {
        store
            .list_processes(&ProcessFilter {
                page_size: 200,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
    };
    let run_until = |status: ProcessStatus| {
        let worker = worker.clone();
        let sim = sim.clone();
        async move {
            for _ in 0..30 {
                worker.cycle().await.unwrap();
                let rows = all().await;
                if rows.iter().all(|r| r.status == status) {
                    return;
                }
                assert!(sim.advance(Duration::seconds(61)).await);
            }
            panic!("not all {status:?}: {:?}", all().await);
        }
    };
    run_until(ProcessStatus::AguardandoAprovacao).await;
    assert_eq!(all().await.len(), 6);
    // E-mail (issue 21): the digest goes out through the real server with its login.
    if let Some(smtp) = &smtp {
        smtp.configure(&*store, brm_core::email::EmailRules::default())
            .await;
        assert_eq!(worker.plan_digests(clock.now()).await.unwrap().planned, 1);
        assert_eq!(worker.send_due_emails().await.unwrap().sent, 1);
        assert_eq!(smtp.received().len(), 1);
    }
    for row in all().await {
        let mut p = store.process_by_id(row.id).await.unwrap().unwrap();
        if p.due_date.is_none() {
            p.due_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
            let v = p.version;
            p.version += 1;
            let ev = brm_core::audit::AuditEvent::new(
                clock.now(),
                brm_core::audit::Actor::anonymous("teste"),
                "EDITAR",
                "processo",
            );
            assert!(store.update_process(&p, v, &ev).await.unwrap());
        }
        desk.approve_process(&admin, p.id, p.version, None)
            .await
            .unwrap();
    }
    run_until(ProcessStatus::UploadRealizado).await;

    // Every list the product exports, as CSV, where a person would find them.
    let exports = data_dir.join("exportacoes");
    std::fs::create_dir_all(&exports).unwrap();
    for list in [
        "processos",
        "aprovacao",
        "execucoes",
        "clientes",
        "operadoras",
        "usuarios",
    ] {
        let e = desk
            .export_list(&admin, list, serde_json::json!({}), "csv")
            .await
            .unwrap();
        assert!(e.bytes.len() > 10, "{list}");
        std::fs::write(exports.join(&e.file_name), &e.bytes).unwrap();
    }
    let csv = std::fs::read_to_string(
        exports.join(
            std::fs::read_dir(&exports)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .find(|n| n.to_string_lossy().contains("processos"))
                .unwrap(),
        ),
    )
    .unwrap();
    assert!(csv.contains("Cliente 6 Ltda"), "{csv}");

    // The diagnostics report, given the database URL with its password.
    let health = worker.health().snapshot();
    let report = desk
        .diagnostics(
            &admin,
            DiagnosticsContext {
                app_version: "0.1.0".into(),
                tauri_version: Some("2".into()),
                webview_version: None,
                database_location: Some(db_location.into()),
                robot: Some(RobotInfo {
                    state: format!("{:?}", health.state),
                    state_label: format!("{:?}", health.state),
                    message: health.message,
                    checked_at: health.checked_at,
                    url: Some(format!("{url}?token={ROBOT_TOKEN}")),
                }),
                storage: Some(storage.describe()),
                log_dir: None,
                recent_events: RecentEvents::global().snapshot(),
            },
        )
        .await
        .unwrap();
    assert!(report.text.contains("Aplicativo: 0.1.0"), "{}", report.text);
    assert!(report.database.server_version.is_some(), "{report:?}");
    assert!(report.database.migration.unwrap_or(0) >= 1, "{report:?}");
    assert_eq!(report.failed_executions, vec![]);
    if db_location.starts_with("postgres") {
        assert_eq!(report.database.backend, "PostgreSQL");
        assert!(report.text.contains(":***@127.0.0.1"), "{}", report.text);
    } else {
        assert_eq!(report.database.backend, "SQLite");
    }
    assert!(
        report.text.contains(&format!("Endereço: {url}")),
        "{}",
        report.text
    );
    std::fs::write(data_dir.join("diagnostico.txt"), &report.text).unwrap();
    std::fs::write(
        data_dir.join("diagnostico.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
    running.shutdown().await;
}

/// Every row of every table of the PostgreSQL database, as text, into `file`.
async fn dump_postgres(url: &str, file: &Path) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
         FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
           AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.len() > 10, "{tables:?}");
    let mut out = String::new();
    for t in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT x::text FROM {t} x"))
            .fetch_all(&pool)
            .await
            .unwrap();
        out.push_str(&format!("== {t} ({} linhas)\n", rows.len()));
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    assert!(out.contains("Cliente 6 Ltda"));
    std::fs::write(file, out).unwrap();
    pool.close().await;
}

#[test]
fn no_secret_in_logs_database_exports_or_diagnostics() {
    let root = tempfile::tempdir().unwrap();
    control_step(root.path());

    let logs = root.path().join("logs");
    let handle = brm_logging::init(&LogSetup {
        dir: Some(logs.clone()),
        filter: Some("trace".into()),
        stderr: false,
        max_files: 14,
    });
    assert_eq!(handle.dir.as_deref(), Some(logs.as_path()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sqlite_dir = root.path().join("sqlite");
    let pg_dir = root.path().join("postgres");
    let mut searched: Vec<PathBuf> = vec![sqlite_dir.clone()];
    // Kept open until the search is done: the SQLite -wal and -shm files stay there.
    let mut stores = Vec::new();
    rt.block_on(async {
        std::fs::create_dir_all(&sqlite_dir).unwrap();
        let db = sqlite_dir.join("brm-desk.sqlite3");
        let url = format!("sqlite:{}", db.display());
        let store = brm_store::connect(&url).await.unwrap();
        monthly_cycle(store.clone(), &sqlite_dir, &url).await;
        stores.push(store);

        if let Some(url) = postgres_url().await {
            // scripts/pg-test-cluster.sh makes the role brm_com_senha give its password
            // (SCRAM); every other role is trusted. Connect as that role, so the password
            // is really sent, checked, and carried everywhere a real one would be.
            let with_pw = role_with_password(&url).await;
            std::fs::create_dir_all(&pg_dir).unwrap();
            let store = brm_store::connect(&with_pw).await.unwrap();
            monthly_cycle(store.clone(), &pg_dir, &with_pw).await;
            stores.push(store);
            dump_postgres(&with_pw, &pg_dir.join("banco.txt")).await;
            searched.push(pg_dir.clone());
        }
    });
    // Flushes the file writer.
    drop(handle);

    // The sqlite file, its -wal and -shm are there to be read.
    for suffix in ["", "-wal", "-shm"] {
        let f = sqlite_dir.join(format!("brm-desk.sqlite3{suffix}"));
        assert!(f.exists(), "{f:?}");
    }
    let log_files: Vec<PathBuf> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let text: String = log_files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    // TRACE really was on, for the HTTP client and the database layer too.
    assert!(text.lines().count() > 300, "{} lines", text.lines().count());
    let mut targets = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        let t = v["target"]
            .as_str()
            .unwrap_or("")
            .split("::")
            .next()
            .unwrap();
        *targets.entry(t.to_string()).or_default() += 1;
    }
    for target in ["brm_robot", "brm_service", "sqlx", "hyper_util", "reqwest"] {
        assert!(
            targets.contains_key(target),
            "nothing logged by {target}: {targets:?}"
        );
    }

    let mut dirs: Vec<&Path> = vec![logs.as_path()];
    dirs.extend(searched.iter().map(PathBuf::as_path));
    let hits = search(&dirs);
    assert!(hits.is_empty(), "secrets found:\n{}", hits.join("\n"));
    drop(stores);
    drop(rt);
}

/// The URL of `url`'s database for the role `brm_com_senha` with `DB_PASSWORD`, after
/// checking the server really asks for it (a wrong password is refused).
async fn role_with_password(url: &str) -> String {
    // The test's own statement carries the password: it must not be logged (sqlx logs
    // statements at debug, and slow ones at warn), or the search would find the test.
    use sqlx::ConnectOptions;
    let quiet = url
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap()
        .log_statements(log::LevelFilter::Off)
        .log_slow_statements(log::LevelFilter::Off, std::time::Duration::from_secs(3600));
    let admin = sqlx::PgPool::connect_with(quiet).await.unwrap();
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'brm_com_senha')",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    let verb = if exists { "ALTER" } else { "CREATE" };
    sqlx::query(&format!(
        "{verb} ROLE brm_com_senha LOGIN SUPERUSER PASSWORD '{}'",
        DB_PASSWORD.replace('\'', "''")
    ))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
    let (_, rest) = url.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    let wrong = format!(
        "postgres://brm_com_senha:{}@{host}",
        url_encode("senha-errada")
    );
    let refused = sqlx::PgPool::connect(&wrong).await;
    assert!(
        refused.is_err(),
        "the cluster must check brm_com_senha's password (see scripts/pg-test-cluster.sh)"
    );
    format!(
        "postgres://brm_com_senha:{}@{host}",
        url_encode(DB_PASSWORD)
    )
}
