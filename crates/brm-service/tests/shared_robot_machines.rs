//! Portal passwords sealed to the robot machines on the prepared shared database (issue
//! 19): one desktop (Ana, an administrator, on her own login) and robot machines A, B and
//! C (each its own `brm_robo` login, SCRAM over TLS, and its own key store).
//!
//! The key stores are in memory: one process cannot hold three D-Bus sessions with a
//! GNOME Keyring each; the real keyring is exercised by the keyring stage (brm-secrets'
//! and the app's os_keyring tests). Everything else is real: PostgreSQL with its guards,
//! the worker's passes, the simulator over HTTP for the claims.
//!
//! And the attacks: a person with psql and their own login, or a robot machine's login,
//! cannot add or approve a key of theirs, and change nothing trying.

mod shared_common;

use brm_core::client::ClientInput;
use brm_core::clock::SystemClock;
use brm_core::operator::OperatorInput;
use brm_core::robot_machine::MachineStatus;
use brm_core::ErrorCode;
use brm_secrets::{is_not_sealed_to_me, MemoryKeyStore, SecretBox};
use brm_service::Desk;
use brm_store::postgres::{shared as pg_shared, PgStore};
use brm_store::Store;
use brm_worker::{RobotDirectory, Worker, WorkerConfig};
use shared_common::{shared, Person, Shared};
use std::sync::Arc;
use uuid::Uuid;

const PORTAL: &str = "senha-do-portal-VIVO-991";

struct Machine {
    name: &'static str,
    role: String,
    password: String,
    store: Arc<dyn Store>,
    secrets: Arc<SecretBox>,
    worker: Arc<Worker>,
}

impl Machine {
    async fn new(db: &Shared, name: &'static str, robot_url: &str, dir: &std::path::Path) -> Self {
        let password = format!("senha-longa-da-{name}");
        let role: String = sqlx::query_scalar("SELECT brm_create_robot($1, $2)")
            .bind(name)
            .bind(pg_shared::scram_verifier(&password))
            .fetch_one(&db.owner)
            .await
            .unwrap();
        let pool = db.try_pool(&role, &password).await.unwrap();
        let store: Arc<dyn Store> = Arc::new(PgStore::from_pool(pool));
        let secrets = Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        let storage: Arc<dyn brm_storage::InvoiceStorage> =
            Arc::new(brm_storage::LocalFolder::new(dir.join("faturas")).unwrap());
        let main = brm_robot::RobotClient::new(brm_robot::RobotConfig::new(
            robot_url.to_string(),
            Some("token-de-teste".into()),
        ))
        .unwrap();
        let mut config = WorkerConfig::new(name);
        config.machine_name = name.into();
        config.jitter = 0.0;
        let worker = Arc::new(Worker::new(
            store.clone(),
            storage,
            Arc::new(RobotDirectory::new(main, None)),
            secrets.clone(),
            Arc::new(SystemClock),
            config,
        ));
        Self {
            name,
            role,
            password,
            store,
            secrets,
            worker,
        }
    }

    /// What this machine opens of `client`'s stored password.
    async fn open(&self, client: Uuid) -> Result<String, brm_core::Error> {
        let sealed = self
            .store
            .client_sealed_password(client)
            .await
            .unwrap()
            .expect("a stored password");
        self.secrets.open_for(&client.to_string(), &sealed)
    }

    async fn pass(&self) -> brm_worker::ResealReport {
        let machines = self.store.robot_machines().await.unwrap();
        self.worker.reseal_pass(&machines).await.unwrap()
    }
}

async fn machine_id(desk: &Desk, token: &str, name: &str) -> Uuid {
    desk.robot_machines(token)
        .await
        .unwrap()
        .machines
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} not listed"))
        .id
}

/// Everything an attack could change, as one text.
async fn state(owner: &sqlx::PgPool) -> String {
    let mut out = String::new();
    for table in ["robot_machines", "clients", "audit_events"] {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {table} x"
        ))
        .fetch_one(owner)
        .await
        .unwrap();
        out.push_str(&format!("{table}={digest}\n"));
    }
    out
}

async fn refused(db: &Shared, who: &str, pool: &sqlx::PgPool, sql: &str) {
    let before = state(&db.owner).await;
    let r = sqlx::raw_sql(sql).execute(pool).await;
    assert!(r.is_err(), "{who} was allowed: {sql}");
    assert_eq!(
        before,
        state(&db.owner).await,
        "{who} changed something: {sql}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_open_only_on_the_approved_robot_machines() {
    let Some(db) = shared().await else { return };
    let tmp = tempfile::tempdir().unwrap();
    let sim_storage: Arc<dyn brm_storage::InvoiceStorage> =
        Arc::new(brm_storage::LocalFolder::new(tmp.path().join("robo")).unwrap());
    let sim = brm_simulator::Simulator::new(
        brm_simulator::SimConfig {
            token: "token-de-teste".into(),
            job_secs: (30, 60),
            ..Default::default()
        },
        sim_storage,
        Arc::new(SystemClock),
    );
    let running = sim.serve(0).await.unwrap();
    let url = running.base_url();

    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let caio: Person = db
        .create_person(&db.owner, "Caio Operador", "caio@beg.com.br", "OPERADOR")
        .await;
    let desk = Desk::for_person_logins(db.options().clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let token = desk
        .login("ana@beg.com.br", ana.password.clone())
        .await
        .unwrap()
        .token;
    let a = Machine::new(&db, "robo-a", &url, tmp.path()).await;
    let b = Machine::new(&db, "robo-b", &url, tmp.path()).await;

    // Both register themselves, pending.
    for m in [&a, &b] {
        let row = m.worker.register_machine().await.unwrap();
        assert_eq!(row.status, MachineStatus::Pendente, "{}", m.name);
    }
    let op = desk
        .create_operator(
            &token,
            OperatorInput {
                name: "Vivo".into(),
                code: "VIVO".into(),
                has_rpa: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let input = |cnpj: &str, pw: Option<&str>| ClientInput {
        legal_name: format!("Cliente {cnpj}"),
        cnpj: cnpj.into(),
        operator_id: Some(op.id),
        portal_login: Some(format!("login-{cnpj}")),
        portal_password: pw.map(str::to_string),
        ..Default::default()
    };
    // Nobody approved yet: nothing to seal to, said plainly, nothing written.
    let err = desk
        .create_client(&token, input("13878375000109", Some(PORTAL)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(
        err.message.contains("Nenhuma máquina robô está aprovada"),
        "{}",
        err.message
    );

    // The robot token stays off the desktops of this mode (only robot machines use it).
    let err = desk
        .save_robot_settings(
            &token,
            brm_service::robot_settings::RobotSettingsInput {
                url: "https://robos.beg.com.br".into(),
                token: Some("token-que-nao-fica-aqui".into()),
                clear_token: false,
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("fica só nas máquinas robô"),
        "{}",
        err.message
    );
    assert!(desk
        .secrets()
        .store()
        .get(brm_secrets::ROBOT_TOKEN)
        .unwrap()
        .is_none());

    // --- Attacks, before any approval -------------------------------------------------
    let caio_pool = db.pool(&caio).await;
    let ana_pool = db.pool(&ana).await;
    let b_pool = db.try_pool(&b.role, &b.password).await.unwrap();
    let a_id = machine_id(&desk, &token, "robo-a").await;
    let b_id = machine_id(&desk, &token, "robo-b").await;
    let own_key = brm_secrets::RobotIdentity::generate();
    let forged = |status: &str| {
        format!(
            "INSERT INTO robot_machines (id, name, host, public_key, fingerprint, status, first_seen_at, last_seen_at)
             VALUES ('{}', 'meu-notebook', 'notebook', '{}', '{}', '{status}', now(), now())",
            Uuid::new_v4(),
            own_key.public_key(),
            own_key.fingerprint()
        )
    };
    for (who, pool) in [("Caio", &caio_pool), ("Ana", &ana_pool)] {
        refused(&db, who, pool, &forged("APROVADA")).await;
        refused(&db, who, pool, &forged("PENDENTE")).await;
        refused(
            &db,
            who,
            pool,
            &format!("UPDATE robot_machines SET status = 'APROVADA' WHERE id = '{a_id}'"),
        )
        .await;
        refused(
            &db,
            who,
            pool,
            &format!(
                "UPDATE robot_machines SET public_key = '{}' WHERE id = '{a_id}'",
                own_key.public_key()
            ),
        )
        .await;
        refused(
            &db,
            who,
            pool,
            &format!("DELETE FROM robot_machines WHERE id = '{a_id}'"),
        )
        .await;
    }
    refused(
        &db,
        "Caio",
        &caio_pool,
        &format!("SELECT brm_decide_robot_machine('{a_id}', 'APROVADA')"),
    )
    .await;
    // A robot login: it registers only pending, never decides, never touches another row.
    refused(&db, "robo-b", &b_pool, &forged("APROVADA")).await;
    refused(
        &db,
        "robo-b",
        &b_pool,
        &format!("UPDATE robot_machines SET status = 'APROVADA' WHERE id = '{b_id}'"),
    )
    .await;
    refused(
        &db,
        "robo-b",
        &b_pool,
        &format!("UPDATE robot_machines SET name = 'outro' WHERE id = '{a_id}'"),
    )
    .await;
    refused(
        &db,
        "robo-b",
        &b_pool,
        &format!("SELECT brm_decide_robot_machine('{b_id}', 'APROVADA')"),
    )
    .await;
    refused(
        &db,
        "robo-b",
        &b_pool,
        "UPDATE clients SET legal_name = 'x'",
    )
    .await;

    // Ana approves A and B through the screen's service (brm_decide_robot_machine).
    for id in [a_id, b_id] {
        desk.decide_robot_machine(&token, id, true).await.unwrap();
    }
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'MAQUINA_ROBO_APROVADA' AND actor_user_id = $1",
    )
    .bind(ana.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!(audited, 2);

    // Saved on the desktop: either robot opens it; the desktop itself cannot.
    let c1 = desk
        .create_client(&token, input("13878375000109", Some(PORTAL)))
        .await
        .unwrap();
    assert_eq!(a.open(c1.id).await.unwrap(), PORTAL);
    assert_eq!(b.open(c1.id).await.unwrap(), PORTAL);
    let sealed = a
        .store
        .client_sealed_password(c1.id)
        .await
        .unwrap()
        .unwrap();
    let err = desk
        .secrets()
        .open_for(&c1.id.to_string(), &sealed)
        .unwrap_err();
    assert!(
        err.message.contains("não é uma máquina robô"),
        "{}",
        err.message
    );

    // B removed: A seals again, in one transaction, audited with counts only; B then
    // opens nothing.
    desk.decide_robot_machine(&token, b_id, false)
        .await
        .unwrap();
    let view = desk.robot_machines(&token).await.unwrap();
    assert_eq!(view.waiting_reseal, 1);
    let r = a.pass().await;
    assert_eq!(r.resealed, 1, "{r:?}");
    assert!(is_not_sealed_to_me(&b.open(c1.id).await.unwrap_err()));
    assert_eq!(a.open(c1.id).await.unwrap(), PORTAL);
    let detail: String = sqlx::query_scalar(
        "SELECT after_json::text FROM audit_events WHERE action = 'SENHAS_SELADAS_DE_NOVO'",
    )
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(
        detail.contains("\"seladas_de_novo\": 1") && !detail.contains(PORTAL),
        "{detail}"
    );

    // A new machine C: pending opens nothing; approved and re-sealed, it opens them.
    let c = Machine::new(&db, "robo-c", &url, tmp.path()).await;
    c.worker.register_machine().await.unwrap();
    assert!(c.open(c1.id).await.is_err());
    desk.decide_robot_machine(&token, machine_id(&desk, &token, "robo-c").await, true)
        .await
        .unwrap();
    assert_eq!(a.pass().await.resealed, 1);
    assert_eq!(c.open(c1.id).await.unwrap(), PORTAL);
    assert!(b.open(c1.id).await.is_err());
    assert_eq!(desk.robot_machines(&token).await.unwrap().waiting_reseal, 0);

    // The v1 upgrade on this database: one value under A's old data key, one under a key
    // nobody holds any more. A upgrades its own, keeps the old key while a v1 value is
    // left, and the lost one is listed by client.
    let c2 = desk
        .create_client(&token, input("10141561000164", None))
        .await
        .unwrap();
    let c3 = desk
        .create_client(&token, input("11222333000181", None))
        .await
        .unwrap();
    let old_a = a
        .secrets
        .seal_for(&c2.id.to_string(), "senha-antiga-2")
        .unwrap();
    let lost = SecretBox::new(Arc::new(MemoryKeyStore::new()))
        .seal_for(&c3.id.to_string(), "senha-perdida-3")
        .unwrap();
    for (id, v) in [(c2.id, &old_a), (c3.id, &lost)] {
        sqlx::query("UPDATE clients SET portal_password_enc = $1 WHERE id = $2")
            .bind(v)
            .bind(id)
            .execute(&db.owner)
            .await
            .unwrap();
    }
    let view = desk.robot_machines(&token).await.unwrap();
    assert_eq!(view.to_retype.len(), 2, "{:?}", view.to_retype);
    let r = a.pass().await;
    assert_eq!(
        (r.upgraded_v1, r.resealed, r.retired_data_key),
        (1, 1, false),
        "{r:?}"
    );
    assert_eq!(c.open(c2.id).await.unwrap(), "senha-antiga-2");
    assert!(a.secrets.has_data_key().unwrap());
    let view = desk.robot_machines(&token).await.unwrap();
    let names: Vec<&str> = view
        .to_retype
        .iter()
        .map(|r| r.client_name.as_str())
        .collect();
    assert_eq!(names, [c3.legal_name.as_str()]);
    assert!(view.to_retype[0].reason.contains("formato antigo"));
    // Typed again on the desktop: no v1 value is left, and A retires the old key.
    let mut again = input("11222333000181", Some("senha-nova-3"));
    again.portal_login = c3.portal_login.clone();
    desk.update_client(&token, c3.id, c3.version, again)
        .await
        .unwrap();
    let r = a.pass().await;
    assert!(r.retired_data_key, "{r:?}");
    assert!(!a.secrets.has_data_key().unwrap());
    assert!(desk
        .robot_machines(&token)
        .await
        .unwrap()
        .to_retype
        .is_empty());

    // A robot machine that cannot open a password does not claim its downloads: B's
    // cycles leave the month alone; A's take it. No execution fails.
    desk.create_month_processes(&token, "2026-11", None)
        .await
        .unwrap();
    b.worker.cycle().await.unwrap();
    b.worker.cycle().await.unwrap();
    let by_b: i64 = sqlx::query_scalar("SELECT count(*) FROM executions WHERE lease_owner = 'robo-b' OR triggered_by LIKE '%robo-b%'")
        .fetch_one(&db.owner)
        .await
        .unwrap();
    let any: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
        .fetch_one(&db.owner)
        .await
        .unwrap();
    assert_eq!((by_b, any), (0, 0), "B claimed work it cannot do");
    a.worker.cycle().await.unwrap();
    let started: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT status, job_id FROM executions")
            .fetch_all(&db.owner)
            .await
            .unwrap();
    assert_eq!(started.len(), 3, "{started:?}");
    assert!(
        started.iter().all(|(s, j)| s == "PENDENTE" && j.is_some()),
        "{started:?}"
    );

    // A desktop whose invoice storage did not open (here: none) does not approve an
    // invoice it cannot read, refused in Rust before the database is asked.
    let pid: Uuid = sqlx::query_scalar("SELECT id FROM processes WHERE client_id = $1")
        .bind(c1.id)
        .fetch_one(&db.owner)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', amount = 123.45, due_date = DATE '2099-12-20',
                invoice_key = '2026-11/fatura.pdf', invoice_sha256 = md5('x') || md5('y')
         WHERE id = $1",
    )
    .bind(pid)
    .execute(&db.owner)
    .await
    .unwrap();
    let p = desk.store().process_by_id(pid).await.unwrap().unwrap();
    let err = desk
        .approve_process(&token, pid, p.version, None)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("não está aberto neste computador"),
        "{}",
        err.message
    );
    assert_eq!(
        desk.store()
            .process_by_id(pid)
            .await
            .unwrap()
            .unwrap()
            .version,
        p.version
    );
    running.shutdown().await;
}
