//! What the commands share: the `Desk` (or why it could not start) and start-up timing.

use brm_core::Result;
use brm_service::Desk;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

pub fn since_start_ms() -> u128 {
    PROCESS_START.get().map(|t| t.elapsed().as_millis()).unwrap_or(0)
}

pub struct AppState {
    /// The database may fail to open (a locked file, a full disk): the window still
    /// opens and shows why, instead of the process dying silently.
    desk: Result<Desk>,
    ready: AtomicBool,
    _log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl AppState {
    pub fn new(desk: Result<Desk>, log_guard: Option<tracing_appender::non_blocking::WorkerGuard>) -> Self {
        Self {
            desk,
            ready: AtomicBool::new(false),
            _log_guard: log_guard,
        }
    }

    pub fn desk(&self) -> Result<&Desk> {
        self.desk.as_ref().map_err(Clone::clone)
    }

    /// True only the first time: the first painted screen is reported once.
    pub fn first_ready(&self) -> bool {
        !self.ready.swap(true, Ordering::SeqCst)
    }
}
