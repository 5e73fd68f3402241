//! Logs go to a daily file in the OS log folder and to stderr. Secrets never reach them:
//! the crates log ids and redacted URLs, never passwords or tokens.

use std::path::Path;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(dir: Option<&Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = EnvFilter::try_from_env("BRM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr);
    let (file, guard) = match dir.and_then(|d| std::fs::create_dir_all(d).ok().map(|_| d)) {
        Some(d) => {
            let (writer, guard) =
                tracing_appender::non_blocking(tracing_appender::rolling::daily(d, "brm-desk.log"));
            (
                Some(fmt::layer().with_ansi(false).with_writer(writer)),
                Some(guard),
            )
        }
        None => (None, None),
    };
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file)
        .try_init();
    guard
}
