//! The app's and the windowless worker's logs through the shared set-up in
//! `brm-logging`: JSON lines in a daily file in the OS log folder (14 days kept), text
//! on stderr, the last warnings and errors in memory for the "Diagnóstico" screen.
//! Secrets never reach them: the crates log ids and redacted URLs, never passwords or
//! tokens (crates/brm-worker/tests/no_secrets.rs checks it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();

pub fn init(dir: Option<&Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let handle = brm_logging::init(&brm_logging::LogSetup::new(dir.map(Path::to_path_buf)));
    let _ = DIR.set(handle.dir.clone());
    handle.into_guard()
}

/// The folder the log files go to, when one could be opened.
pub fn dir() -> Option<PathBuf> {
    DIR.get().cloned().flatten()
}
