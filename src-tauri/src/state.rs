//! What the commands share: the `Desk` (or why it could not start) and start-up timing.

use brm_core::Result;
use brm_service::Desk;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
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

pub struct AppState {
    /// Filled once the database is open and migrated (at start-up, before the window is
    /// built). It may hold an error (a locked file, a full disk): the window then shows
    /// why instead of the process dying silently.
    desk: OnceCell<Result<Desk>>,
    database_url: String,
    ready: AtomicBool,
    _log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl AppState {
    pub fn new(
        database_url: String,
        log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    ) -> Self {
        Self {
            desk: OnceCell::new(),
            database_url,
            ready: AtomicBool::new(false),
            _log_guard: log_guard,
        }
    }

    /// The `Desk`, opening the database on first use (start-up calls this).
    pub async fn desk(&self) -> Result<&Desk> {
        self.desk
            .get_or_init(|| async {
                tracing::info!(database = %brm_store::redact_url(&self.database_url), "opening database");
                let desk = brm_store::connect(&self.database_url).await;
                tracing::info!(ms = since_start_ms(), "database ready");
                desk.map(Desk::new).map_err(|e| {
                    tracing::error!(error = %e, "database unavailable at start-up");
                    brm_core::Error::from(e)
                })
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// True only the first time: the first painted screen is reported once.
    pub fn first_ready(&self) -> bool {
        !self.ready.swap(true, Ordering::SeqCst)
    }
}
