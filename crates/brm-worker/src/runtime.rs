//! Everything the robot side needs, put together the same way by the desktop app and
//! by `brm-desk worker`: the invoice storage, the robot service (the bundled simulator
//! on a loopback port unless a URL is configured), and the worker running.

use crate::config::WorkerConfig;
use crate::engine::{Worker, WorkerHandle};
use crate::robots::RobotDirectory;
use brm_core::clock::{Clock, SystemClock};
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::{KeyStore, SecretBox};
use brm_simulator::{Faults, RunningSimulator, SimConfig, Simulator};
use brm_storage::{InvoiceStorage, LocalFolder, S3Config, S3Storage};
use brm_store::Store;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings keys (plain values; secrets live in the keyring).
pub const SETTING_ROBOT_URL: &str = "robo.url";
pub const SETTING_STORAGE_S3: &str = "armazenamento.s3";
/// The invoices' folder when not `<app-data>/faturas` (an absolute path; Configurações).
pub const SETTING_STORAGE_FOLDER: &str = "armazenamento.pasta";
/// Keyring entries of the S3 keys.
pub const S3_ACCESS_KEY: &str = "s3-chave-acesso";
pub const S3_SECRET_KEY: &str = "s3-chave-secreta";

/// The S3 part of the storage setting (no keys: those are in the keyring).
#[derive(Debug, Clone, Deserialize)]
pub struct S3Setting {
    pub endpoint: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub bucket: String,
    #[serde(default = "yes")]
    pub path_style: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn yes() -> bool {
    true
}

pub struct RobotSetup {
    /// The app-data folder: invoices go to `faturas/` and backups to `backups/` in it.
    pub data_dir: PathBuf,
    pub keys: Arc<dyn KeyStore>,
    pub config: WorkerConfig,
    /// The bundled simulator, when no robot URL is configured.
    pub sim: SimConfig,
}

impl RobotSetup {
    /// Product defaults; a few environment variables let tests and demonstrations
    /// speed the simulator up or inject faults (`BRM_SIM_JOB_SECS=2,5`,
    /// `BRM_SIM_FAULTS='{"failure_rate":0.2}'`, `BRM_WORKER_POLL_SECS=2`).
    pub fn from_env(data_dir: PathBuf, keys: Arc<dyn KeyStore>) -> Self {
        let mut config = WorkerConfig::new(WorkerConfig::default_owner());
        config.backup_dir = Some(data_dir.join("backups"));
        if let Some(secs) = std::env::var("BRM_WORKER_POLL_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            config.poll_interval = std::time::Duration::from_secs(secs.max(1));
        }
        let mut sim = SimConfig {
            // A fresh token per run: the app and its in-process simulator both know it,
            // and it never needs to be stored.
            token: uuid::Uuid::new_v4().to_string(),
            // Job ids derive from the seed: a fresh one per start, so an id an earlier
            // run left in the database never names a new, unrelated job.
            seed: rand::random(),
            // The embedded default shows the cycle in seconds, not the real robot's minutes.
            job_secs: (3, 8),
            ..SimConfig::default()
        };
        if let Some((a, b)) = std::env::var("BRM_SIM_JOB_SECS").ok().and_then(|s| {
            let (a, b) = s.split_once(',')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        }) {
            sim.job_secs = (a, b);
        }
        if let Some(f) = std::env::var("BRM_SIM_FAULTS")
            .ok()
            .and_then(|s| serde_json::from_str::<Faults>(&s).ok())
        {
            sim.faults = f;
        }
        Self {
            data_dir,
            keys,
            config,
            sim,
        }
    }
}

pub struct RobotRuntime {
    pub handle: WorkerHandle,
    pub storage: Arc<dyn InvoiceStorage>,
    pub simulator: Option<RunningSimulator>,
    /// Where robot calls go (the simulator's loopback URL in the embedded default).
    pub robot_url: String,
    /// This robot machine as registered at start (issue 19).
    pub machine: brm_core::robot_machine::RobotMachine,
}

impl RobotRuntime {
    pub fn worker(&self) -> &Arc<Worker> {
        self.handle.worker()
    }

    /// The app is closing: the worker stops at once and hands its jobs back.
    pub async fn stop_now(&self) {
        self.handle.stop_now().await;
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
        if let Some(sim) = self.simulator {
            sim.shutdown().await;
        }
    }
}

/// Opens the storage and the robot service the settings name and starts the worker.
/// Errors are pt-BR and name what to fix (a storage key missing from the keyring).
pub async fn start(
    store: Arc<dyn Store>,
    secrets: Arc<SecretBox>,
    setup: RobotSetup,
) -> Result<RobotRuntime, String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if let Err(e) = crate::schedule::seed_defaults(&*store, clock.now()).await {
        tracing::warn!("default schedules not written: {e}");
    }
    if let Err(e) = crate::schedule::seed_email_schedules(&*store, clock.now()).await {
        tracing::warn!("e-mail schedules not written: {e}");
    }
    if let Err(e) = crate::schedule::retire_seeded_backup(&*store, clock.now()).await {
        tracing::warn!("seeded backup schedule not reviewed: {e}");
    }
    let storage = open_storage(&*store, &*setup.keys, &setup.data_dir).await?;
    let configured_url = store
        .get_setting(SETTING_ROBOT_URL)
        .await
        .map_err(|e| e.to_string())?
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|u| !u.trim().is_empty());
    let (robot_url, token, simulator) = match configured_url {
        Some(url) => {
            let token = setup
                .keys
                .get(brm_secrets::ROBOT_TOKEN)
                .map_err(|e| format!("Não foi possível ler o token do robô no chaveiro: {e}"))?;
            (url, token, None)
        }
        None => {
            let sim = Simulator::new(setup.sim.clone(), storage.clone(), clock.clone());
            let running = sim
                .serve(0)
                .await
                .map_err(|e| format!("Não foi possível iniciar o simulador de robôs: {e}"))?;
            (
                running.base_url(),
                Some(setup.sim.token.clone()),
                Some(running),
            )
        }
    };
    let main = RobotClient::new(RobotConfig::new(robot_url.clone(), token))
        .map_err(|e| e.message.clone())?;
    let robots = Arc::new(RobotDirectory::new(main, Some(setup.keys.clone())));
    let worker = Arc::new(Worker::new(
        store,
        storage.clone(),
        robots,
        secrets,
        clock,
        setup.config,
    ));
    // The machine's identity and registration (issue 19): without them it could not
    // open a portal password, so a missing keyring stops the start with its reason.
    let machine = worker.register_machine().await?;
    tracing::info!(
        robot = %robot_url,
        storage = %storage.describe(),
        machine = %machine.name,
        fingerprint = %machine.fingerprint,
        status = machine.status.as_str(),
        "robot worker starting"
    );
    Ok(RobotRuntime {
        handle: worker.spawn(),
        storage,
        simulator,
        robot_url,
        machine,
    })
}

/// The invoice storage the settings name: S3 when `armazenamento.s3` is set, else the
/// folder `armazenamento.pasta` (default `<data_dir>/faturas`), created if missing.
pub async fn open_storage(
    store: &dyn Store,
    keys: &dyn KeyStore,
    data_dir: &std::path::Path,
) -> Result<Arc<dyn InvoiceStorage>, String> {
    let s3 = store
        .get_setting(SETTING_STORAGE_S3)
        .await
        .map_err(|e| e.to_string())?
        .filter(|v| !v.is_null());
    let Some(s3) = s3 else {
        let chosen = store
            .get_setting(SETTING_STORAGE_FOLDER)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        let dir = chosen.unwrap_or_else(|| data_dir.join("faturas"));
        let folder = LocalFolder::new(dir).map_err(|e| e.to_string())?;
        return Ok(Arc::new(folder));
    };
    let s3: S3Setting = serde_json::from_value(s3)
        .map_err(|e| format!("A configuração do armazenamento S3 está incompleta: {e}"))?;
    let key = |name: &str| -> Result<String, String> {
        keys.get(name)
            .map_err(|e| format!("Não foi possível ler {name} no chaveiro: {e}"))?
            .ok_or_else(|| format!("A chave {name} do armazenamento S3 não está no chaveiro."))
    };
    let storage = S3Storage::new(S3Config {
        allow_http: s3.endpoint.starts_with("http://"),
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        access_key: key(S3_ACCESS_KEY)?,
        secret_key: key(S3_SECRET_KEY)?,
        path_style: s3.path_style,
    })
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(storage))
}
