//! Logs of BRM RPA Desk, the same for the window, the windowless worker (`brm-desk
//! worker`) and the tests: one JSON object per line in a daily file in the OS log folder
//! (at most [`MAX_LOG_FILES`] days kept), human text on stderr, and the last WARN/ERROR
//! events in memory ([`RecentEvents`]) for the "Diagnóstico" screen.
//!
//! Secrets never reach the logs: the crates log ids and redacted URLs, never passwords
//! or tokens. The test `crates/brm-worker/tests/no_secrets.rs` runs the whole monthly
//! cycle at TRACE level through this very set-up and searches every file for them;
//! [`redact`] is only a second line of defence for the in-memory events.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// The log file's name before the date: `brm-desk.log.2026-11-29`.
pub const LOG_FILE_PREFIX: &str = "brm-desk.log";
/// Days of logs kept; older files are deleted as a new day starts.
pub const MAX_LOG_FILES: usize = 14;
/// WARN/ERROR events kept in memory for the diagnostics.
pub const RECENT_CAPACITY: usize = 50;
/// The filter's environment variable (`info` when unset).
pub const FILTER_ENV: &str = "BRM_LOG";

/// Tauri's `app_log_dir` without Tauri, so the windowless worker writes where the window
/// does: `~/Library/Logs/<id>` on macOS, `<local data>/<id>/logs` elsewhere
/// (`~/.local/share/<id>/logs`, `%LOCALAPPDATA%\<id>\logs`).
pub fn default_log_dir(identifier: &str) -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|h| h.join("Library/Logs").join(identifier))
    } else {
        dirs::data_local_dir().map(|d| d.join(identifier).join("logs"))
    }
}

/// What to set up.
#[derive(Debug, Clone)]
pub struct LogSetup {
    /// The folder of the JSON-lines files; `None` logs to stderr only.
    pub dir: Option<PathBuf>,
    /// An explicit filter (tests use `trace`); `None` reads `BRM_LOG`, else `info`.
    pub filter: Option<String>,
    /// Human-readable lines on stderr as well.
    pub stderr: bool,
    pub max_files: usize,
}

impl LogSetup {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            filter: None,
            stderr: true,
            max_files: MAX_LOG_FILES,
        }
    }
}

/// Keeps the file writer flushing; drop it last (it flushes what is pending).
pub struct LogHandle {
    _guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    /// The folder in use, when the file could be opened.
    pub dir: Option<PathBuf>,
    /// Why there is no log file (the folder could not be created).
    pub file_error: Option<String>,
}

impl LogHandle {
    /// The file writer's guard alone, for a caller that keeps only that.
    pub fn into_guard(self) -> Option<tracing_appender::non_blocking::WorkerGuard> {
        self._guard
    }
}

impl std::fmt::Debug for LogHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogHandle")
            .field("dir", &self.dir)
            .field("file_error", &self.file_error)
            .finish()
    }
}

/// The subscriber for `setup`, feeding `recent`, without installing it (the control
/// steps of the tests install it for one scope only).
pub fn build(setup: &LogSetup, recent: RecentEvents) -> (Dispatch, LogHandle) {
    let filter = match &setup.filter {
        Some(f) => EnvFilter::new(f),
        None => EnvFilter::try_from_env(FILTER_ENV).unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let stderr = setup
        .stderr
        .then(|| fmt::layer().with_writer(std::io::stderr));
    let mut file_error = None;
    let (file, guard, dir) = match setup.dir.as_deref().map(|d| open_file(d, setup.max_files)) {
        Some(Ok((appender, dir))) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .json()
                .with_ansi(false)
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(writer);
            (Some(layer), Some(guard), Some(dir))
        }
        Some(Err(e)) => {
            file_error = Some(e);
            (None, None, None)
        }
        None => (None, None, None),
    };
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file)
        .with(recent.layer());
    (
        Dispatch::new(subscriber),
        LogHandle {
            _guard: guard,
            dir,
            file_error,
        },
    )
}

fn open_file(
    dir: &Path,
    max_files: usize,
) -> Result<(tracing_appender::rolling::RollingFileAppender, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .max_log_files(max_files.max(1))
        .build(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok((appender, dir.to_path_buf()))
}

/// Installs the set-up for the whole process, feeding [`RecentEvents::global`]. A second
/// call (tests) keeps the first subscriber.
pub fn init(setup: &LogSetup) -> LogHandle {
    let (dispatch, handle) = build(setup, RecentEvents::global().clone());
    // Also bridges `log` records (rustls, hyper and others) into the same files.
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(dispatch);
    if let Some(e) = &handle.file_error {
        tracing::warn!(error = %e, "log folder unavailable: logging to stderr only");
    }
    handle
}

/// One WARN or ERROR event, as the diagnostics show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecentEvent {
    pub at: DateTime<Utc>,
    /// "ERROR" or "WARN".
    pub level: String,
    pub target: String,
    /// The message followed by its fields (`key=value`), redacted.
    pub message: String,
}

/// The last [`RECENT_CAPACITY`] WARN/ERROR events, newest last. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RecentEvents {
    inner: Arc<Mutex<VecDeque<RecentEvent>>>,
    capacity: usize,
}

impl Default for RecentEvents {
    fn default() -> Self {
        Self::new(RECENT_CAPACITY)
    }
}

impl RecentEvents {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity: capacity.max(1),
        }
    }

    /// The ring [`init`] feeds.
    pub fn global() -> &'static RecentEvents {
        static GLOBAL: OnceLock<RecentEvents> = OnceLock::new();
        GLOBAL.get_or_init(RecentEvents::default)
    }

    /// Newest first.
    pub fn snapshot(&self) -> Vec<RecentEvent> {
        let q = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        q.iter().rev().cloned().collect()
    }

    pub fn push(&self, event: RecentEvent) {
        let mut q = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while q.len() >= self.capacity {
            q.pop_front();
        }
        q.push_back(event);
    }

    /// The tracing layer that records WARN and ERROR events here.
    pub fn layer(&self) -> RecentLayer {
        RecentLayer(self.clone())
    }
}

pub struct RecentLayer(RecentEvents);

impl<S: Subscriber> Layer<S> for RecentLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > Level::WARN {
            return;
        }
        let mut v = Fields::default();
        event.record(&mut v);
        let mut message = v.message;
        if !v.rest.is_empty() {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(&v.rest);
        }
        self.0.push(RecentEvent {
            at: Utc::now(),
            level: meta.level().to_string(),
            target: meta.target().to_string(),
            message: redact(&message),
        });
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.rest.is_empty() {
                self.rest.push(' ');
            }
            let _ = write!(self.rest, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            if !self.rest.is_empty() {
                self.rest.push(' ');
            }
            let _ = write!(self.rest, "{}={value}", field.name());
        }
    }
}

/// Hides known secret shapes in a line: the password of a URL
/// (`scheme://user:***@host`), a bearer token, and `senha`/`password`/`token`/`secret`
/// values written as `key=value` or `"key": "value"`.
pub fn redact(line: &str) -> String {
    let mut out = redact_url_credentials(line);
    out = redact_after(&out, "Bearer ", |c: char| {
        c.is_whitespace() || c == '"' || c == '\''
    });
    for key in ["senha", "password", "token", "secret", "segredo"] {
        for sep in ["=", "\": \"", "\":\"", ": "] {
            let needle = format!("{key}{sep}");
            out = redact_after(&out, &needle, |c: char| {
                c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '}' || c == '&'
            });
        }
    }
    out
}

fn redact_after(line: &str, needle: &str, end: impl Fn(char) -> bool) -> String {
    let lower = line.to_ascii_lowercase();
    let needle_l = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(&needle_l) {
        let start = pos + found + needle.len();
        out.push_str(&line[pos..start]);
        let rest = &line[start..];
        let len = rest.find(&end).unwrap_or(rest.len());
        if len > 0 && &rest[..len] != "***" {
            out.push_str("***");
        } else {
            out.push_str(&rest[..len]);
        }
        pos = start + len;
    }
    out.push_str(&line[pos..]);
    out
}

fn redact_url_credentials(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pos = 0;
    while let Some(found) = line[pos..].find("://") {
        let after = pos + found + 3;
        out.push_str(&line[pos..after]);
        let rest = &line[after..];
        let host_end = rest
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let authority = &rest[..host_end];
        match authority.rsplit_once('@') {
            Some((creds, host)) => {
                let user = creds.split(':').next().unwrap_or("");
                let _ = write!(out, "{user}:***@{host}");
            }
            None => out.push_str(authority),
        }
        pos = after + host_end;
    }
    out.push_str(&line[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_errors_reach_the_ring_newest_first_and_bounded() {
        let ring = RecentEvents::new(3);
        let setup = LogSetup {
            dir: None,
            filter: Some("trace".into()),
            stderr: false,
            max_files: 2,
        };
        let (dispatch, _h) = build(&setup, ring.clone());
        tracing::dispatcher::with_default(&dispatch, || {
            tracing::info!("not kept");
            for i in 0..4 {
                tracing::warn!(i, "aviso");
            }
            tracing::error!(url = "postgres://u:segredo1@h/db", "falhou");
        });
        let got = ring.snapshot();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].level, "ERROR");
        assert_eq!(got[0].message, "falhou url=postgres://u:***@h/db");
        assert_eq!(got[1].message, "aviso i=3");
        assert_eq!(got[2].message, "aviso i=2");
    }

    #[test]
    fn the_file_holds_one_json_object_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let setup = LogSetup {
            dir: Some(dir.path().join("logs")),
            filter: Some("debug".into()),
            stderr: false,
            max_files: 3,
        };
        let (dispatch, handle) = build(&setup, RecentEvents::new(4));
        tracing::dispatcher::with_default(&dispatch, || {
            tracing::info!(process = "p1", "download concluído");
            tracing::debug!(n = 2, "ciclo");
            tracing::trace!("fora do filtro");
        });
        assert_eq!(
            handle.dir.as_deref(),
            Some(dir.path().join("logs").as_path())
        );
        drop(handle);
        drop(dispatch);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("brm-desk.log."), "{name}");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["fields"]["message"], "download concluído");
        assert_eq!(lines[0]["fields"]["process"], "p1");
        assert_eq!(lines[1]["fields"]["n"], 2);
        assert!(!text.contains("fora do filtro"));
    }

    #[test]
    fn old_days_beyond_the_limit_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        for day in ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"] {
            std::fs::write(dir.path().join(format!("{LOG_FILE_PREFIX}.{day}")), "{}\n").unwrap();
            // The appender orders the files by creation time.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::fs::write(dir.path().join("outro.txt"), "fica").unwrap();
        let setup = LogSetup {
            dir: Some(dir.path().to_path_buf()),
            filter: Some("info".into()),
            stderr: false,
            max_files: 2,
        };
        let (dispatch, handle) = build(&setup, RecentEvents::new(1));
        tracing::dispatcher::with_default(&dispatch, || tracing::info!("hoje"));
        drop(handle);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        // Today's file plus the newest old one: 2 in all; other files are left alone.
        let logs: Vec<_> = names
            .iter()
            .filter(|n| n.starts_with(LOG_FILE_PREFIX))
            .collect();
        assert_eq!(logs.len(), 2, "{names:?}");
        assert!(
            names.contains(&"brm-desk.log.2020-01-04".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"outro.txt".to_string()));
    }

    #[test]
    fn a_folder_that_cannot_be_created_falls_back_to_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arquivo");
        std::fs::write(&file, "x").unwrap();
        let (_d, handle) = build(
            &LogSetup::new(Some(file.join("logs"))),
            RecentEvents::new(1),
        );
        assert!(handle.dir.is_none());
        assert!(handle.file_error.is_some());
    }

    #[test]
    fn redaction_hides_known_secret_shapes() {
        assert_eq!(
            redact("conectando a postgres://brm:S3nh@forte@db:5432/brm agora"),
            "conectando a postgres://brm:***@db:5432/brm agora"
        );
        assert_eq!(
            redact("Authorization: Bearer abc.def-123 ok"),
            "Authorization: Bearer *** ok"
        );
        assert_eq!(
            redact(r#"{"login":"x","senha":"p@ss"}"#),
            r#"{"login":"x","senha":"***"}"#
        );
        assert_eq!(redact("token=xyz&a=1 senha=***"), "token=***&a=1 senha=***");
        assert_eq!(redact("nada a esconder"), "nada a esconder");
    }

    #[test]
    fn the_log_folder_follows_tauri() {
        let d = default_log_dir("br.com.exemplo").unwrap();
        if cfg!(target_os = "macos") {
            assert!(d.ends_with("Library/Logs/br.com.exemplo"));
        } else {
            assert!(d.ends_with("br.com.exemplo/logs"), "{d:?}");
        }
    }
}
