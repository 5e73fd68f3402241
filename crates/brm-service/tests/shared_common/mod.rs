//! A shared database of its own for each test, prepared as the README has it done: the
//! owner role of the TLS test cluster (`brm_dono`: CREATEROLE, pg_signal_backend, made by
//! scripts/pg-test-cluster.sh start-tls as a database administrator would) creates a fresh
//! database, runs "Preparar o banco compartilhado" on it, and people log in as their own
//! roles with SCRAM over TLS (verify-full against the test CA).
#![allow(dead_code)]

use brm_store::postgres::shared;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::PgPool;
use std::str::FromStr;
use uuid::Uuid;

pub struct Shared {
    /// The owner's connection to the test's database.
    pub owner: PgPool,
    pub database: String,
    options: PgConnectOptions,
}

/// A person made in the shared database: their id, role name and password.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub password: String,
}

/// The owner's options on a fresh, empty database of the TLS test cluster (not prepared),
/// or None (the test says so and passes) unless BRM_REQUIRE_POSTGRES demands the cluster.
pub async fn fresh_database() -> Option<(PgConnectOptions, String)> {
    let (Ok(url), Ok(ca)) = (
        std::env::var("BRM_TEST_PG_OWNER_URL"),
        std::env::var("BRM_TEST_PG_CA"),
    ) else {
        if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() || std::env::var_os("CI").is_some() {
            panic!("BRM_TEST_PG_OWNER_URL is not set: run through scripts/test.sh");
        }
        eprintln!("shared-database tests skipped: the TLS test cluster is not set");
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
        .expect("the owner connects to the TLS cluster");
    let database = format!("brm_shared_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&maintenance)
        .await
        .unwrap();
    maintenance.close().await;
    Some((base.database(&database), database))
}

/// A fresh database of the TLS test cluster, prepared by its owner.
pub async fn shared() -> Option<Shared> {
    let (options, database) = fresh_database().await?;
    let owner = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await
        .unwrap();
    let report = shared::prepare(&owner)
        .await
        .expect("prepare the shared database");
    assert_eq!(report.applied.len(), shared::SHARED_SQL.len());
    Some(Shared {
        owner,
        database,
        options,
    })
}

impl Shared {
    /// Host, port, database and TLS of the test's database (no user).
    pub fn options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// Options to log in as `role` with `password` (SCRAM over TLS).
    pub fn login(&self, role: &str, password: &str) -> PgConnectOptions {
        self.options.clone().username(role).password(password)
    }

    /// A pool of one connection as `role` with `password`, or PostgreSQL's refusal.
    pub async fn try_pool(&self, role: &str, password: &str) -> Result<PgPool, sqlx::Error> {
        PgPoolOptions::new()
            .max_connections(1)
            .connect_with(self.login(role, password))
            .await
    }

    /// A pool of one connection as this person.
    pub async fn pool(&self, p: &Person) -> PgPool {
        self.try_pool(&p.role, &p.password)
            .await
            .unwrap_or_else(|e| panic!("{} logs in: {e}", p.name))
    }

    /// Creates a person through `by` (an administrator's pool, or the owner's for the
    /// first one) with a verifier computed here.
    pub async fn create_person(
        &self,
        by: &PgPool,
        name: &str,
        email: &str,
        profile: &str,
    ) -> Person {
        let id = Uuid::new_v4();
        let password = format!("senha-{}", &Uuid::new_v4().simple().to_string()[..12]);
        let role: String =
            sqlx::query_scalar("SELECT brm_create_person($1, $2, $3, NULL, $4, $5, NULL)")
                .bind(id)
                .bind(email)
                .bind(name)
                .bind(profile)
                .bind(shared::scram_verifier(&password))
                .fetch_one(by)
                .await
                .unwrap_or_else(|e| panic!("create {name}: {e}"));
        assert_eq!(role, shared::person_role(&self.database, email));
        Person {
            id,
            name: name.into(),
            role,
            password,
        }
    }
}
