//! A small office on a real database with the real simulator over real HTTP, sharing one
//! manual clock with the worker, so tests move time instead of sleeping.

#![allow(dead_code)]

pub mod hostile_pdfs;
pub mod smtp;

use brm_core::client::ClientInput;
use brm_core::clock::{Clock, ManualClock};
use brm_core::operator::OperatorInput;
use brm_core::process::{Process, ProcessFilter, ProcessRow};
use brm_core::user::NewAdminInput;
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, RobotHooks};
use brm_simulator::{Faults, RunningSimulator, SimConfig, Simulator};
use brm_storage::{InvoiceStorage, LocalFolder};
use brm_store::Store;
use brm_worker::{RobotDirectory, Worker, WorkerConfig};
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use uuid::Uuid;

pub const PW: &str = "senha-forte-do-admin";
pub const MONTH: &str = "2026-11";

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub storage: Arc<dyn InvoiceStorage>,
    pub sim: Simulator,
    pub running: Option<RunningSimulator>,
    pub url: String,
    pub token: String,
    pub secrets: Arc<SecretBox>,
    pub desk: Desk,
    pub admin: String,
    pub operators: Vec<(String, Uuid)>,
}

/// A valid CNPJ built from `n`.
pub fn cnpj(n: u32) -> String {
    let mut d: Vec<u32> = format!("{:08}0001", 10_000_000 + n)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let dv = |d: &[u32], w: &[u32]| {
        let s: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
        match s % 11 {
            0 | 1 => 0,
            r => 11 - r,
        }
    };
    let d1 = dv(&d, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    d.push(d1);
    let d2 = dv(&d, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    d.push(d2);
    d.iter().map(|x| x.to_string()).collect()
}

pub async fn sqlite_store(dir: &std::path::Path) -> Arc<dyn Store> {
    brm_store::connect(&format!("sqlite:{}", dir.join("brm.sqlite3").display()))
        .await
        .unwrap()
}

/// A fresh database on the throw-away cluster scripts/test.sh starts, or `None` (the
/// test is skipped) outside it; with BRM_REQUIRE_POSTGRES a missing cluster fails.
pub async fn postgres_url() -> Option<String> {
    let Ok(url) = std::env::var("BRM_TEST_POSTGRES_URL") else {
        if std::env::var_os("BRM_REQUIRE_POSTGRES").is_some() {
            panic!("BRM_TEST_POSTGRES_URL is not set: run through scripts/test.sh");
        }
        eprintln!("PostgreSQL tests skipped: BRM_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = sqlx::PgPool::connect(&url).await.expect("test cluster");
    let name = format!("brm_worker_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = url.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

impl Rig {
    pub async fn sqlite(faults: Faults) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_store(dir.path()).await;
        Rig::on(dir, store, faults).await
    }

    /// A rig whose simulator is set up by `tweak` (queue size, job durations...).
    pub async fn sqlite_with(faults: Faults, tweak: impl FnOnce(&mut SimConfig)) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_store(dir.path()).await;
        Rig::on_with(dir, store, faults, tweak).await
    }

    pub async fn on(dir: tempfile::TempDir, store: Arc<dyn Store>, faults: Faults) -> Rig {
        Rig::on_with(dir, store, faults, |_| {}).await
    }

    pub async fn on_with(
        dir: tempfile::TempDir,
        store: Arc<dyn Store>,
        faults: Faults,
        tweak: impl FnOnce(&mut SimConfig),
    ) -> Rig {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
        ));
        let storage: Arc<dyn InvoiceStorage> =
            Arc::new(LocalFolder::new(dir.path().join("faturas")).unwrap());
        let token = "token-de-teste".to_string();
        let mut cfg = SimConfig {
            seed: 7,
            token: token.clone(),
            job_secs: (20, 60),
            faults,
            ..SimConfig::default()
        };
        tweak(&mut cfg);
        let sim = Simulator::with_manual_clock(cfg, storage.clone(), clock.clone());
        let running = sim.serve(0).await.unwrap();
        let url = running.base_url();
        let secrets = Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        approve_machine(&*store, &secrets).await;
        let desk = Desk::with_clock(store.clone(), clock.clone() as Arc<dyn Clock>)
            .with_secrets_arc(secrets.clone());
        desk.create_first_admin(NewAdminInput {
            full_name: "Ana Administradora".into(),
            email: "ana@beg.com.br".into(),
            password: PW.into(),
            password_confirmation: PW.into(),
        })
        .await
        .unwrap();
        let admin = desk.login("ana@beg.com.br", PW.into()).await.unwrap().token;
        let mut operators = vec![];
        for (name, code) in [("Vivo", "VIVO"), ("Oi", "OI"), ("Embratel", "EMBRATEL")] {
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
            operators.push((code.to_string(), op.id));
        }
        Rig {
            dir,
            store,
            clock,
            storage,
            sim,
            running: Some(running),
            url,
            token,
            secrets,
            desk,
            admin,
            operators,
        }
    }

    pub fn operator(&self, code: &str) -> Uuid {
        self.operators.iter().find(|(c, _)| c == code).unwrap().1
    }

    /// `n` clients at `code`, with portal login and password (`password` for all).
    pub async fn clients(&self, code: &str, n: u32, first: u32, password: &str) {
        self.clients_at(self.operator(code), n, first, password)
            .await
    }

    pub async fn clients_at(&self, op: Uuid, n: u32, first: u32, password: &str) {
        for i in first..first + n {
            self.desk
                .create_client(
                    &self.admin,
                    ClientInput {
                        legal_name: format!("Cliente {i} Ltda"),
                        cnpj: cnpj(i),
                        operator_id: Some(op),
                        account_filter: Some(format!("conta-{i}")),
                        service: Some("Telefonia".into()),
                        unit: Some(format!("Unidade {i}")),
                        portal_login: Some(format!("login{i}@exemplo.com.br")),
                        portal_password: Some(password.into()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
    }

    pub async fn month(&self) {
        self.desk
            .create_month_processes(&self.admin, MONTH, None)
            .await
            .unwrap();
    }

    pub fn config(&self, owner: &str) -> WorkerConfig {
        let mut c = WorkerConfig::new(owner);
        c.global_cap = 1000;
        c.per_operator_cap = 1000;
        c.claim_batch = 1000;
        c.jitter = 0.0;
        c
    }

    pub fn worker_with(&self, config: WorkerConfig) -> Arc<Worker> {
        self.worker_timing_out(config, std::time::Duration::from_secs(5))
    }

    /// A worker whose robot calls give up after `timeout`.
    pub fn worker_timing_out(
        &self,
        config: WorkerConfig,
        timeout: std::time::Duration,
    ) -> Arc<Worker> {
        self.worker_on(config, timeout, self.storage.clone())
    }

    /// A worker of another machine, whose invoice storage is `storage`.
    pub fn worker_with_storage(
        &self,
        config: WorkerConfig,
        storage: Arc<dyn InvoiceStorage>,
    ) -> Arc<Worker> {
        self.worker_on(config, std::time::Duration::from_secs(5), storage)
    }

    fn worker_on(
        &self,
        config: WorkerConfig,
        timeout: std::time::Duration,
        storage: Arc<dyn InvoiceStorage>,
    ) -> Arc<Worker> {
        let main = RobotClient::new(
            RobotConfig::new(self.url.clone(), Some(self.token.clone()))
                .with_request_timeout(timeout),
        )
        .unwrap();
        Arc::new(Worker::new(
            self.store.clone(),
            storage,
            Arc::new(RobotDirectory::new(main, None)),
            self.secrets.clone(),
            self.clock.clone(),
            config,
        ))
    }

    pub fn worker(&self) -> Arc<Worker> {
        self.worker_with(self.config("teste-1"))
    }

    /// The desk's robot actions wired to `worker`.
    pub fn desk_for(&self, worker: &Arc<Worker>) -> Desk {
        let w = worker.clone();
        self.desk.clone().with_robot(RobotHooks {
            storage: self.storage.clone(),
            wake: Arc::new(move || w.wake()),
        })
    }

    /// Moves the shared clock (worker and simulator) and lets the simulator catch up.
    pub async fn advance(&self, by: Duration) {
        assert!(self.sim.advance(by).await);
    }

    /// A new active schedule, saved as an administrator would (first run not yet set).
    pub async fn schedule(&self, name: &str, cron: &str, kind: brm_core::schedule::ScheduleKind) {
        let now = self.sim.now();
        let s = brm_core::schedule::Schedule {
            id: Uuid::new_v4(),
            name: name.into(),
            cron: cron.into(),
            kind,
            operator_id: None,
            active: true,
            next_run_at: None,
            last_run_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = brm_core::audit::AuditEvent::new(
            now,
            brm_core::audit::Actor::anonymous("teste"),
            "CRIAR_AGENDAMENTO",
            "agendamento",
        );
        self.store.save_schedule(&s, None, &ev).await.unwrap();
    }

    pub async fn processes(&self) -> Vec<ProcessRow> {
        self.store
            .list_processes(&ProcessFilter {
                page_size: 200,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
    }

    /// The executions of process `id`, newest first, without their log lines.
    pub async fn executions(&self, id: Uuid) -> Vec<brm_core::execution::Execution> {
        self.store
            .executions_of(id)
            .await
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }

    pub async fn process(&self, id: Uuid) -> Process {
        self.store.process_by_id(id).await.unwrap().unwrap()
    }
}

/// The workers of a test share `secrets`: its robot identity is registered approved (on
/// PostgreSQL an administrator would approve it in Configurações → Máquinas robô), so the
/// desk can seal portal passwords to it.
pub async fn approve_machine(store: &dyn Store, secrets: &SecretBox) {
    let identity = secrets.robot_identity_or_create().unwrap();
    store
        .robot_machine_hello(&brm_core::robot_machine::MachineHello {
            id: Uuid::new_v4(),
            name: "robo-de-teste".into(),
            host: "teste".into(),
            public_key: identity.public_key(),
            fingerprint: identity.fingerprint(),
            at: Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
            approve: true,
        })
        .await
        .unwrap();
}
