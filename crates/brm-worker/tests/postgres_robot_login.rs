//! A robot machine on the prepared shared database (issue 17, item 2): `brm-desk worker`
//! logs in as the machine's own `brm_robo` login (made by `preparar-banco --robo`, SCRAM
//! over TLS), opens the store without migrating (the owner's step does that), and does
//! its whole job under the database's guards: the month's downloads against the real
//! simulator over HTTP, then, once a person approved through brm_approve, the SAT upload.
//! What a robot may not do (approve, decide) is in brm-service's shared_attacks.rs.

mod common;

use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use brm_store::postgres::{shared, PgStore};
use brm_store::Store;
use chrono::Duration;
use common::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// The owner's pool on a fresh database of the TLS test cluster, prepared; or None.
async fn prepared() -> Option<(PgConnectOptions, sqlx::PgPool)> {
    let (Ok(url), Ok(ca)) = (
        std::env::var("BRM_TEST_PG_OWNER_URL"),
        std::env::var("BRM_TEST_PG_CA"),
    ) else {
        if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_PG_OWNER_URL is not set: run through scripts/test.sh");
        }
        eprintln!("skipped: the TLS test cluster is not set");
        return None;
    };
    brm_store::postgres::tls::ensure_crypto_provider();
    let base = PgConnectOptions::from_str(&url)
        .unwrap()
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(ca);
    let maintenance = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone())
        .await
        .unwrap();
    let database = format!("brm_robo_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&maintenance)
        .await
        .unwrap();
    maintenance.close().await;
    let options = base.database(&database);
    let owner = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await
        .unwrap();
    shared::prepare(&owner).await.unwrap();
    Some((options, owner))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_robot_machine_does_its_whole_job_as_its_own_login() {
    let Some((options, owner)) = prepared().await else {
        return;
    };
    // Registry and month by the owner's desk (as the people would have done them).
    let dir = tempfile::tempdir().unwrap();
    let owner_store: Arc<dyn Store> = Arc::new(PgStore::from_pool(owner.clone()));
    let rig = Rig::on(dir, owner_store, Faults::default()).await;
    rig.clients("VIVO", 6, 1, "senha-portal").await;
    rig.month().await;

    // The machine's login, as `preparar-banco --robo robo-1` makes it.
    let password = "senha-longa-da-maquina-robo";
    let role: String = sqlx::query_scalar("SELECT brm_create_robot('robo-1', $1)")
        .bind(shared::scram_verifier(password))
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(role.starts_with("brm_r_"));
    // Opened like `brm-desk worker` opens it: brm_store::connect with the machine's URL.
    let url = format!(
        "postgres://{role}:{password}@{}:{}/{}?sslmode=verify-full&sslrootcert={}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap(),
        std::env::var("BRM_TEST_PG_CA").unwrap()
    );
    let robot_store = brm_store::connect(&url)
        .await
        .expect("a robot login opens the prepared database without migrating");
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&sqlx::PgPool::connect(&url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(who, role);

    let worker = {
        let main = brm_robot::RobotClient::new(brm_robot::RobotConfig::new(
            rig.url.clone(),
            Some(rig.token.clone()),
        ))
        .unwrap();
        Arc::new(brm_worker::Worker::new(
            robot_store.clone(),
            rig.storage.clone(),
            Arc::new(brm_worker::RobotDirectory::new(main, None)),
            rig.secrets.clone(),
            rig.clock.clone(),
            rig.config("robo-1"),
        ))
    };
    let waiting = |rows: &[brm_core::process::ProcessRow], s: ProcessStatus| {
        rows.iter().filter(|p| p.status == s).count()
    };
    for round in 0.. {
        let r = worker.cycle().await;
        assert!(r.is_ok(), "round {round}: {r:?}");
        if round == 0 {
            // A clean stop hands the leases back, as the machine's own login may.
            assert_eq!(robot_store.release_leases("robo-1").await.unwrap(), 6);
        }
        let rows = rig.processes().await;
        if waiting(&rows, ProcessStatus::AguardandoAprovacao) == 6 {
            break;
        }
        assert!(round < 60, "downloads stuck: {rows:?}");
        rig.advance(Duration::seconds(61)).await;
    }

    // A person approves one through the function; the robot sends it to SAT.
    let bia_pw = "senha-da-bia-123";
    let bia_role: String = sqlx::query_scalar(
        "SELECT brm_create_person(gen_random_uuid(), 'bia@beg.com.br', 'Bia', NULL, 'APROVADOR', $1, NULL)",
    )
    .bind(shared::scram_verifier(bia_pw))
    .fetch_one(&owner)
    .await
    .unwrap();
    let bia = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone().username(&bia_role).password(bia_pw))
        .await
        .unwrap();
    let first = &rig.processes().await[0];
    let p = rig.process(first.id).await;
    sqlx::query("SELECT * FROM brm_approve($1, $2, NULL)")
        .bind(p.id)
        .bind(p.version)
        .execute(&bia)
        .await
        .expect("Bia approves");
    for round in 0.. {
        worker.cycle().await.unwrap();
        if rig.process(p.id).await.status == ProcessStatus::UploadRealizado {
            break;
        }
        assert!(
            round < 60,
            "SAT upload stuck: {:?}",
            rig.process(p.id).await
        );
        rig.advance(Duration::seconds(61)).await;
    }
    // Everything the machine wrote stands under its own login, and no person's name.
    let by_robot: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action IN ('DOWNLOAD_CONCLUIDO', 'ENVIO_SAT_CONCLUIDO') AND actor_user_id IS NULL",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(by_robot >= 7, "{by_robot}");
}
