//! What the commands share: the `Desk` (or why it could not start), the database
//! choice made at start-up, and start-up timing.

use crate::db_config::DatabaseChoice;
use crate::desktop::session::DesktopState;
use brm_core::Result;
use brm_service::{DbSettingsContext, Desk};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::OnceCell;

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

pub fn since_start_ms() -> u128 {
    PROCESS_START
        .get()
        .map(|t| t.elapsed().as_millis())
        .unwrap_or(0)
}

/// What the header says about the robot on a desk with personal logins.
const ROBOT_ON_ROBOT_MACHINES: &str =
    "Nesta configuração o robô roda nas máquinas robô (brm-desk worker); este computador não baixa nem envia faturas.";

pub struct AppState {
    /// Filled once the database is open and migrated (at start-up, before the window is
    /// built). It may hold an error (a locked file, a full disk): the window then shows
    /// why instead of the process dying silently.
    desk: OnceCell<Result<Desk>>,
    /// The URL start-up chose, or why the configured database cannot be prepared (no
    /// password in the keyring, a broken config file): then the window shows that
    /// reason; the app never falls back to another database.
    database_url: Result<String>,
    /// The config file and what runs now, for the settings commands.
    db_settings: DbSettingsContext,
    ready: AtomicBool,
    /// The app-data folder (invoices, backups); `None` in command tests, which run
    /// without the robot side.
    data_dir: Option<PathBuf>,
    /// The worker, the invoice storage and the bundled simulator, once started.
    robot: OnceLock<brm_worker::runtime::RobotRuntime>,
    /// Why the robot side could not start (shown by `robot_status`).
    robot_error: OnceLock<String>,
    /// Who is logged in on this desktop, pending clicks, this computer's preferences.
    desktop: Arc<DesktopState>,
    _log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl AppState {
    pub fn new(
        choice: DatabaseChoice,
        data_dir: Option<PathBuf>,
        desktop: DesktopState,
        log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    ) -> Self {
        Self {
            desk: OnceCell::new(),
            database_url: choice.url,
            db_settings: choice.settings,
            ready: AtomicBool::new(false),
            data_dir,
            robot: OnceLock::new(),
            robot_error: OnceLock::new(),
            desktop: Arc::new(desktop),
            _log_guard: log_guard,
        }
    }

    /// The `Desk`, opening the database on first use (start-up calls this).
    pub async fn desk(&self) -> Result<&Desk> {
        self.desk
            .get_or_init(|| async {
                let url = match &self.database_url {
                    Ok(url) => url,
                    Err(e) => {
                        tracing::error!(error = %e, "database not configured for start-up");
                        return Err(e.clone());
                    }
                };
                if let Some(options) = brm_store::postgres::shared::person_login_options(url) {
                    // Each person logs in as themselves: nothing is read before a login,
                    // and the robot runs on the robot machines (brm-desk worker).
                    tracing::info!(database = %brm_store::redact_url(url), "shared database with personal logins");
                    brm_store::postgres::tls::ensure_crypto_provider();
                    let _ = self.robot_error.set(ROBOT_ON_ROBOT_MACHINES.into());
                    return Ok(Desk::for_person_logins(options));
                }
                tracing::info!(database = %brm_store::redact_url(url), "opening database");
                let store = brm_store::connect(url).await.map_err(|e| {
                    tracing::error!(error = %e, "database unavailable at start-up");
                    brm_core::Error::from(e)
                })?;
                tracing::info!(ms = since_start_ms(), "database ready");
                Ok(self.attach_robot(Desk::new(store.clone()), store).await)
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Starts the robot side on the store that just opened and gives the desk its
    /// hooks. A failure (an S3 key missing from the keyring) leaves the rest of the app
    /// working and is reported by `robot_status`.
    async fn attach_robot(&self, desk: Desk, store: Arc<dyn brm_store::Store>) -> Desk {
        let Some(data_dir) = self.data_dir.clone() else {
            return desk;
        };
        let keys: Arc<dyn brm_secrets::KeyStore> = Arc::new(brm_secrets::OsKeyring::app());
        let setup = brm_worker::runtime::RobotSetup::from_env(data_dir, keys);
        match brm_worker::runtime::start(store, desk.secrets().clone(), setup).await {
            Ok(runtime) => {
                let worker = runtime.worker().clone();
                let hooks = brm_service::RobotHooks {
                    storage: runtime.storage.clone(),
                    wake: Arc::new(move || worker.wake()),
                };
                let _ = self.robot.set(runtime);
                desk.with_robot(hooks)
            }
            Err(e) => {
                tracing::error!(error = %e, "robot side not started");
                let _ = self.robot_error.set(e);
                desk
            }
        }
    }

    /// After a personal login: the invoice storage the shared settings name (readable
    /// only now), for the PDF preview and manual uploads. No worker here.
    pub async fn person_logged_in(&self, desk: &Desk) {
        if !desk.has_person_logins() || desk.has_robot() {
            return;
        }
        let Some(data_dir) = self.data_dir.clone() else {
            return;
        };
        let keys = brm_secrets::OsKeyring::app();
        match brm_worker::runtime::open_storage(&**desk.store(), &keys, &data_dir).await {
            Ok(storage) => desk.set_robot(brm_service::RobotHooks {
                storage,
                // The robot machines poll the database; nothing to wake here.
                wake: Arc::new(|| {}),
            }),
            Err(e) => tracing::warn!(error = %e, "invoice storage not opened after login"),
        }
    }

    /// The app is closing: the worker, if it runs here, stops and hands its jobs back.
    pub async fn stop_robot_now(&self) {
        if let Some(r) = self.robot.get() {
            r.stop_now().await;
        }
    }

    pub fn robot_worker(&self) -> Option<Arc<brm_worker::Worker>> {
        self.robot.get().map(|r| r.worker().clone())
    }

    /// The robot's health for the header, or why the robot side is not running.
    pub fn robot_health(&self) -> brm_worker::RobotHealth {
        match (self.robot.get(), self.robot_error.get()) {
            (Some(r), _) => r.worker().health().snapshot(),
            (None, Some(e)) if e == ROBOT_ON_ROBOT_MACHINES => brm_worker::RobotHealth {
                state: brm_worker::RobotState::NasMaquinasRobo,
                message: e.clone(),
                ..Default::default()
            },
            (None, Some(e)) => brm_worker::RobotHealth {
                state: brm_worker::RobotState::Indisponivel,
                message: e.clone(),
                ..Default::default()
            },
            (None, None) => brm_worker::RobotHealth::default(),
        }
    }

    /// A state around a `Desk` built elsewhere: the command tests give one on a
    /// temporary database with an in-memory key store.
    #[cfg(test)]
    pub fn with_desk(desk: Desk) -> Self {
        use brm_service::db_settings::startup::{RunningDb, Source};
        use brm_service::db_settings::DbKind;
        let running = RunningDb {
            kind: DbKind::Sqlite,
            source: Source::Default,
            postgres: None,
            sqlite_path: None,
        };
        let choice = DatabaseChoice {
            url: Ok(String::new()),
            settings: DbSettingsContext::new(None, running),
        };
        let state = Self::new(choice, None, DesktopState::default(), None);
        let _ = state.desk.set(Ok(desk));
        state
    }

    pub fn desktop(&self) -> Arc<DesktopState> {
        self.desktop.clone()
    }

    pub fn db_settings(&self) -> &DbSettingsContext {
        &self.db_settings
    }

    /// True only the first time: the first painted screen is reported once.
    pub fn first_ready(&self) -> bool {
        !self.ready.swap(true, Ordering::SeqCst)
    }
}
