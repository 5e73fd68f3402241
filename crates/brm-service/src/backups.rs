//! Backups of the embedded SQLite database (administrators only): a consistent online
//! copy (`VACUUM INTO`) into `<app-data>/backups/brm-desk-AAAAMMDD-HHMMSS.sqlite3`, a daily
//! copy by the settings `backup.diario` / `backup.hora` (local time, with a catch-up when
//! the newest copy is older than a day), the newest `backup.manter` copies kept, and a
//! restore in two steps, because the database is open while the app runs:
//!
//! 1. [`Desk::restore_backup`] checks the chosen copy, makes a copy of the current state,
//!    and writes `restore-pending.json`; the desktop then restarts.
//! 2. At the next start, BEFORE the database opens, [`apply_pending_restore`] checks the
//!    copy again, copies it beside the database file, removes the old `-wal`/`-shm` and
//!    renames the copy over the file. [`Desk::record_restore`] audits the outcome once the
//!    database is open.
//!
//! A file that is not a sound SQLite database of ours is refused and nothing changes.
//! On Windows a file another process holds open (a robot, or the old instance that has
//! not ended yet) can be neither removed nor replaced: those steps are retried for a few
//! seconds and, if the file is still held, the database is left as it was and the
//! request kept for the next start. The file operations go through [`RestoreFs`], so
//! tests can refuse them the way Windows does.
//! PostgreSQL has no backups here: its server makes them.

use crate::clients::actor;
use crate::settings::ALTERAR_CONFIGURACAO;
use crate::Desk;
use brm_core::audit::{Actor, AuditEvent};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::Backend;
use chrono::{DateTime, Duration, Local, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const BACKUP_CRIADO: &str = "BACKUP_CRIADO";
pub const BACKUP_RESTAURACAO_SOLICITADA: &str = "BACKUP_RESTAURACAO_SOLICITADA";
pub const BACKUP_RESTAURADO: &str = "BACKUP_RESTAURADO";
pub const BACKUP_RESTAURACAO_RECUSADA: &str = "BACKUP_RESTAURACAO_RECUSADA";
/// The database file was held by another process: nothing changed, the request is kept
/// for the next start.
pub const BACKUP_RESTAURACAO_ADIADA: &str = "BACKUP_RESTAURACAO_ADIADA";
/// Daily copy on (true) or off.
pub const SETTING_DAILY: &str = "backup.diario";
/// The local hour (0-23) of the daily copy.
pub const SETTING_HOUR: &str = "backup.hora";
/// How many copies are kept.
pub const SETTING_KEEP: &str = "backup.manter";
/// The folder of the copies, in the app-data folder.
pub const BACKUPS_DIR: &str = "backups";
/// The restore asked for, applied at the next start (in the app-data folder).
pub const MARKER_FILE: &str = "restore-pending.json";

const ENTITY: &str = "backup";
const PREFIX: &str = "brm-desk-";
const SUFFIX: &str = ".sqlite3";
const KEEP_MAX: i64 = 365;

fn scheduler() -> Actor {
    Actor::anonymous("Cópia automática")
}

/// Where copies go and what start-up learnt about the last restore.
#[derive(Debug)]
pub struct BackupPlace {
    dir: PathBuf,
    marker: PathBuf,
    /// The SQLite file this process runs on (`None` on PostgreSQL).
    database_file: Option<PathBuf>,
    last_restore: Mutex<Option<RestoreReport>>,
    fs: Arc<dyn RestoreFs>,
    retry: RetryPolicy,
}

impl BackupPlace {
    /// Copies in `<data_dir>/backups`, the marker in `<data_dir>/restore-pending.json`.
    pub fn new(data_dir: &Path, database_file: Option<PathBuf>) -> Self {
        Self {
            dir: data_dir.join(BACKUPS_DIR),
            marker: data_dir.join(MARKER_FILE),
            database_file,
            last_restore: Mutex::new(None),
            fs: Arc::new(StdFs),
            retry: RetryPolicy::default(),
        }
    }

    /// The file operations of the restore (tests pass one that refuses like Windows).
    pub fn with_fs(mut self, fs: Arc<dyn RestoreFs>) -> Self {
        self.fs = fs;
        self
    }

    /// How long a file another process holds is waited for.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn marker(&self) -> &Path {
        &self.marker
    }

    pub fn database_file(&self) -> Option<&Path> {
        self.database_file.as_deref()
    }

    pub fn last_restore(&self) -> Option<RestoreReport> {
        self.last_restore.lock().map(|r| r.clone()).unwrap_or(None)
    }

    fn set_last_restore(&self, report: RestoreReport) {
        if let Ok(mut r) = self.last_restore.lock() {
            *r = Some(report);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSettings {
    pub daily: bool,
    /// Local hour, 0-23.
    pub hour: i64,
    /// How many copies are kept, 1-365.
    pub keep: i64,
}

impl Default for BackupSettings {
    fn default() -> Self {
        Self {
            daily: true,
            hour: 12,
            keep: 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupList {
    /// The folder, for the screen to say where the copies are.
    pub folder: String,
    /// Newest first.
    pub items: Vec<BackupFile>,
    /// What the last start did with a pending restore, if there was one.
    pub last_restore: Option<RestoreReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreRequested {
    pub file_name: String,
    /// The copy of the state before the restore.
    pub pre_restore: String,
    pub message: String,
}

/// `restore-pending.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreMarker {
    pub file_name: String,
    pub pre_restore: String,
    /// The database file the restore is for; another file at start-up is left alone.
    pub database_file: PathBuf,
    pub requested_by: Actor,
    pub requested_at: DateTime<Utc>,
}

/// What start-up did with `restore-pending.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    pub file_name: String,
    pub pre_restore: Option<String>,
    pub restored: bool,
    /// Not done this time but kept for the next start (the file was held open).
    pub still_pending: bool,
    /// pt-BR: what happened, or why nothing changed.
    pub message: String,
    pub at: DateTime<Utc>,
    #[serde(skip)]
    pub requested_by: Option<Actor>,
}

fn not_on_postgres() -> Error {
    Error::new(
        ErrorCode::Validation,
        "As cópias de segurança pelo aplicativo existem só para o banco SQLite local. No \
         PostgreSQL, use as cópias do servidor (pg_dump ou a rotina do administrador do \
         banco).",
    )
}

/// `brm-desk-AAAAMMDD-HHMMSS[-N].sqlite3`: the local time it names and its tie-breaker.
pub fn parse_backup_name(name: &str) -> Option<(NaiveDateTime, u32)> {
    let stem = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (stamp, n) = match stem.get(15..) {
        Some("") => (stem, 0),
        Some(rest) => {
            let digits = rest.strip_prefix('-')?;
            if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            (&stem[..15], digits.parse().ok()?)
        }
        None => return None,
    };
    if !stamp.bytes().enumerate().all(|(i, b)| {
        if i == 8 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    }) {
        return None;
    }
    let t = NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    Some((t, n))
}

/// A name the window sent: a file of the copies' folder, never a path.
fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::field("file_name", "Escolha uma cópia de segurança."));
    }
    if name.contains(['/', '\\', ':']) || name.contains("..") {
        return Err(Error::field(
            "file_name",
            "Informe só o nome de uma cópia da pasta de cópias de segurança, sem caminho.",
        ));
    }
    if parse_backup_name(name).is_none() {
        return Err(Error::field(
            "file_name",
            format!(
                "\"{name}\" não é o nome de uma cópia de segurança do aplicativo \
                 (brm-desk-AAAAMMDD-HHMMSS.sqlite3)."
            ),
        ));
    }
    Ok(name)
}

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&Local).naive_local()
}

/// The copies in `dir`, newest first (by the time in the name, then the tie-breaker).
pub fn list_backup_files(dir: &Path) -> Vec<BackupFile> {
    let mut found: Vec<((NaiveDateTime, u32), BackupFile)> = Vec::new();
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    for entry in read.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(key) = parse_backup_name(&name) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let created_at = Local
            .from_local_datetime(&key.0)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .or_else(|| meta.modified().ok().map(DateTime::<Utc>::from))
            .unwrap_or_else(|| Utc.from_utc_datetime(&key.0));
        found.push((
            key,
            BackupFile {
                file_name: name,
                created_at,
                size_bytes: meta.len(),
            },
        ));
    }
    found.sort_by_key(|(key, _)| std::cmp::Reverse(*key));
    found.into_iter().map(|(_, f)| f).collect()
}

/// Removes all but the newest `keep` copies, never `except`; the names removed.
pub fn prune_backups(dir: &Path, keep: usize, except: Option<&str>) -> Vec<String> {
    let mut removed = Vec::new();
    for f in list_backup_files(dir).into_iter().skip(keep) {
        if Some(f.file_name.as_str()) == except {
            continue;
        }
        match std::fs::remove_file(dir.join(&f.file_name)) {
            Ok(()) => removed.push(f.file_name),
            Err(e) => tracing::warn!(file = %f.file_name, error = %e, "old backup not removed"),
        }
    }
    removed
}

/// Is the daily copy due? Off: never. No copy yet, or the newest one a day old or more
/// (the catch-up at start): yes. Otherwise once today's hour has come, if the newest
/// copy is from before it. Times are local; copies named in the future are ignored by
/// the caller.
pub fn daily_backup_due(
    settings: &BackupSettings,
    last: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> bool {
    if !settings.daily {
        return false;
    }
    let Some(last) = last else {
        return true;
    };
    if now - last >= Duration::days(1) {
        return true;
    }
    let hour = settings.hour.clamp(0, 23) as u32;
    let Some(slot) = now.date().and_hms_opt(hour, 0, 0) else {
        return false;
    };
    now >= slot && last < slot
}

fn size_label(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    }
}

impl Desk {
    fn authorize_backups(&self, token: &str, what: &str) -> Result<Actor> {
        let session = self.require(token, Role::can_change_settings, what)?;
        if self.store.backend() != Backend::Sqlite {
            return Err(not_on_postgres());
        }
        Ok(actor(&session))
    }

    pub(crate) async fn backup_settings_now(&self) -> BackupSettings {
        let mut s = BackupSettings::default();
        let get =
            |key: &'static str| async move { self.store.get_setting(key).await.ok().flatten() };
        if let Some(b) = get(SETTING_DAILY).await.and_then(|v| v.as_bool()) {
            s.daily = b;
        }
        if let Some(n) = get(SETTING_HOUR).await.and_then(|v| v.as_i64()) {
            s.hour = n.clamp(0, 23);
        }
        if let Some(n) = get(SETTING_KEEP).await.and_then(|v| v.as_i64()) {
            s.keep = n.clamp(1, KEEP_MAX);
        }
        s
    }

    pub async fn list_backups(&self, token: &str, place: &BackupPlace) -> Result<BackupList> {
        self.authorize_backups(token, "ver as cópias de segurança")?;
        let last_restore = match place.last_restore() {
            Some(r) => Some(r),
            None => self.last_restore_from_audit().await,
        };
        Ok(BackupList {
            folder: place.dir.display().to_string(),
            items: list_backup_files(&place.dir),
            last_restore,
        })
    }

    /// The newest restore outcome in the audit trail: what an administrator sees after
    /// the start that applied the restore has ended (the app was closed and opened again).
    async fn last_restore_from_audit(&self) -> Option<RestoreReport> {
        let events = match self.store.audit_trail(ENTITY, None, 50).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "audit trail unavailable for the last restore");
                return None;
            }
        };
        events
            .into_iter()
            .find(|e| {
                [
                    BACKUP_RESTAURADO,
                    BACKUP_RESTAURACAO_RECUSADA,
                    BACKUP_RESTAURACAO_ADIADA,
                ]
                .contains(&e.action.as_str())
            })
            .map(|e| RestoreReport {
                file_name: String::new(),
                pre_restore: None,
                restored: e.action == BACKUP_RESTAURADO,
                still_pending: e.action == BACKUP_RESTAURACAO_ADIADA,
                message: e.detail.unwrap_or_default(),
                at: e.at,
                requested_by: None,
            })
    }

    /// "Fazer cópia agora".
    pub async fn create_backup(&self, token: &str, place: &BackupPlace) -> Result<BackupFile> {
        let by = self.authorize_backups(token, "fazer cópias de segurança")?;
        self.ensure_writable()?;
        self.make_backup(place, by, "cópia manual", None).await
    }

    /// The daily copy, when [`daily_backup_due`] says so (the desktop asks every minute
    /// and once at start). Nothing on PostgreSQL.
    pub async fn run_scheduled_backup(&self, place: &BackupPlace) -> Result<Option<BackupFile>> {
        if self.store.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let settings = self.backup_settings_now().await;
        let now = local(self.clock.now());
        let last = list_backup_files(&place.dir)
            .iter()
            .filter_map(|f| parse_backup_name(&f.file_name).map(|k| k.0))
            .filter(|t| *t <= now)
            .max();
        if !daily_backup_due(&settings, last, now) {
            return Ok(None);
        }
        self.make_backup(place, scheduler(), "cópia diária", None)
            .await
            .map(Some)
    }

    /// One copy now, audited, then the oldest beyond `backup.manter` removed (never
    /// `except`, the copy a restore is about to use).
    async fn make_backup(
        &self,
        place: &BackupPlace,
        by: Actor,
        why: &str,
        except: Option<&str>,
    ) -> Result<BackupFile> {
        let now = self.clock.now();
        let stamp = local(now).format("%Y%m%d-%H%M%S").to_string();
        let name = (0..100)
            .map(|n| match n {
                0 => format!("{PREFIX}{stamp}{SUFFIX}"),
                n => format!("{PREFIX}{stamp}-{n}{SUFFIX}"),
            })
            .find(|n| !place.dir.join(n).exists())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::Conflict,
                    "Muitas cópias de segurança no mesmo segundo; tente de novo.",
                )
            })?;
        let path = place.dir.join(&name);
        self.observe(self.store.backup_into(&path).await)?;
        let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let keep = self.backup_settings_now().await.keep as usize;
        let removed = prune_backups(&place.dir, keep, except);
        let mut detail = format!("{name} ({}), {why}", size_label(size_bytes));
        if !removed.is_empty() {
            detail.push_str(&format!("; antigas removidas: {}", removed.join(", ")));
        }
        tracing::info!(file = %name, size_bytes, removed = removed.len(), why, "backup created");
        let event = AuditEvent::new(now, by, BACKUP_CRIADO, ENTITY).detail(detail);
        self.observe(self.store.append_audit(&event).await)?;
        let created_at = Local
            .from_local_datetime(&local(now))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        Ok(BackupFile {
            file_name: name,
            created_at,
            size_bytes,
        })
    }

    /// "Restaurar…" confirmed: checks the copy, makes a copy of the current state, and
    /// leaves `restore-pending.json` for the next start. The caller restarts the app.
    pub async fn restore_backup(
        &self,
        token: &str,
        place: &BackupPlace,
        file_name: &str,
    ) -> Result<RestoreRequested> {
        let by = self.authorize_backups(token, "restaurar cópias de segurança")?;
        self.ensure_writable()?;
        let name = checked_name(file_name)?;
        let Some(database_file) = place.database_file.clone() else {
            return Err(Error::new(
                ErrorCode::Validation,
                "Não foi possível saber qual arquivo SQLite está em uso; a restauração não \
                 pode ser feita pelo aplicativo.",
            ));
        };
        let source = place.dir.join(name);
        if !source.is_file() {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("A cópia \"{name}\" não está mais na pasta de cópias de segurança."),
            ));
        }
        brm_store::sqlite::verify_backup_file(&source)
            .await
            .map_err(Error::from)?;
        let pre = self
            .make_backup(
                place,
                by.clone(),
                &format!("antes de restaurar {name}"),
                Some(name),
            )
            .await?;
        let now = self.clock.now();
        let marker = RestoreMarker {
            file_name: name.to_string(),
            pre_restore: pre.file_name.clone(),
            database_file,
            requested_by: by.clone(),
            requested_at: now,
        };
        write_marker(&place.marker, &marker)?;
        let event =
            AuditEvent::new(now, by, BACKUP_RESTAURACAO_SOLICITADA, ENTITY).detail(format!(
                "restaurar {name} no próximo início; estado atual guardado em {}",
                pre.file_name
            ));
        if let Err(e) = self.observe(self.store.append_audit(&event).await) {
            // Without its audit line the restore does not go ahead.
            let _ = std::fs::remove_file(&place.marker);
            return Err(e.into());
        }
        tracing::info!(file = %name, pre_restore = %pre.file_name, "restore requested");
        Ok(RestoreRequested {
            file_name: name.to_string(),
            message: format!(
                "O estado atual foi guardado em {}. O aplicativo vai reiniciar agora e \
                 restaurar a cópia {name} antes de abrir o banco.",
                pre.file_name
            ),
            pre_restore: pre.file_name,
        })
    }

    /// After start-up applied (or refused) a pending restore and the database opened:
    /// the audit line, and the outcome kept for the screen.
    pub async fn record_restore(&self, place: &BackupPlace, report: RestoreReport) {
        let action = if report.restored {
            BACKUP_RESTAURADO
        } else if report.still_pending {
            BACKUP_RESTAURACAO_ADIADA
        } else {
            BACKUP_RESTAURACAO_RECUSADA
        };
        let by = report.requested_by.clone().unwrap_or_else(scheduler);
        let event = AuditEvent::new(self.clock.now(), by, action, ENTITY).detail(&report.message);
        if let Err(e) = self.store.append_audit(&event).await {
            tracing::error!(error = %e, "restore outcome not audited");
        }
        place.set_last_restore(report);
    }

    pub async fn get_backup_settings(&self, token: &str) -> Result<BackupSettings> {
        self.require(
            token,
            Role::can_change_settings,
            "ver as configurações de cópia de segurança",
        )?;
        Ok(self.backup_settings_now().await)
    }

    pub async fn save_backup_settings(
        &self,
        token: &str,
        input: BackupSettings,
    ) -> Result<BackupSettings> {
        let session = self.require(
            token,
            Role::can_change_settings,
            "alterar as configurações de cópia de segurança",
        )?;
        self.ensure_writable()?;
        let mut fields = Vec::new();
        if !(0..=23).contains(&input.hour) {
            fields.push(FieldError {
                field: "hour".into(),
                message: "A hora da cópia diária deve ficar entre 0 e 23.".into(),
            });
        }
        if !(1..=KEEP_MAX).contains(&input.keep) {
            fields.push(FieldError {
                field: "keep".into(),
                message: format!("Mantenha entre 1 e {KEEP_MAX} cópias."),
            });
        }
        if !fields.is_empty() {
            return Err(Error::validation(fields));
        }
        let before = self.backup_settings_now().await;
        let now = self.clock.now();
        let changes: [(&str, serde_json::Value, serde_json::Value); 3] = [
            (SETTING_DAILY, before.daily.into(), input.daily.into()),
            (SETTING_HOUR, before.hour.into(), input.hour.into()),
            (SETTING_KEEP, before.keep.into(), input.keep.into()),
        ];
        for (key, old, new) in changes {
            if old == new {
                continue;
            }
            let event = AuditEvent::new(now, actor(&session), ALTERAR_CONFIGURACAO, "configuracao")
                .change(
                    Some(serde_json::json!({ key: old })),
                    Some(serde_json::json!({ key: new.clone() })),
                )
                .detail(format!("{key}: {old} → {new}"));
            self.observe(self.store.put_setting(key, &new, &event).await)?;
        }
        Ok(self.backup_settings_now().await)
    }
}

/// Written to a temporary file and renamed: a crash never leaves half a marker.
fn write_marker(path: &Path, marker: &RestoreMarker) -> Result<()> {
    let failed = |e: std::io::Error| {
        Error::new(
            ErrorCode::Internal,
            format!(
                "Não foi possível gravar o pedido de restauração em {}: {e}",
                path.display()
            ),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::to_vec_pretty(marker).map_err(Error::internal)?;
    std::fs::write(&tmp, body).map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(failed)
}

/// The file operations of the restore step, a seam for tests: [`StdFs`] is the real one;
/// a test one can refuse them the way Windows does on Linux.
pub trait RestoreFs: Send + Sync + std::fmt::Debug {
    /// Flushes `path` to disk through a handle opened for writing (`write`) or for
    /// reading. Windows refuses to flush a handle opened for reading only
    /// (FlushFileBuffers needs write access: "Acesso negado").
    fn sync_file(&self, path: &Path, write: bool) -> std::io::Result<()>;
    fn remove_file(&self, path: &Path) -> std::io::Result<()>;
    /// Replaces `to` if it exists ([`std::fs::rename`]: on Windows MoveFileExW with
    /// MOVEFILE_REPLACE_EXISTING), which Windows refuses while another process holds
    /// `to` open.
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdFs;

impl RestoreFs for StdFs {
    fn sync_file(&self, path: &Path, write: bool) -> std::io::Result<()> {
        let file = if write {
            std::fs::OpenOptions::new().write(true).open(path)?
        } else {
            std::fs::File::open(path)?
        };
        file.sync_all()
    }

    fn remove_file(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::rename(from, to)
    }
}

/// How long a file held by another process is waited for: pauses from `first_wait`,
/// doubling up to `max_wait`, while their sum stays within `budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first_wait: std::time::Duration,
    pub max_wait: std::time::Duration,
    pub budget: std::time::Duration,
}

impl Default for RetryPolicy {
    /// About 10 s: 0,1 + 0,2 + 0,4 + 0,8 + 1,6 + 2 + 2 + 2 s, then the last try.
    fn default() -> Self {
        Self {
            first_wait: std::time::Duration::from_millis(100),
            max_wait: std::time::Duration::from_secs(2),
            budget: std::time::Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The pauses between the tries (one try more than pauses).
    pub fn waits(&self) -> Vec<std::time::Duration> {
        let mut waits = Vec::new();
        let mut total = std::time::Duration::ZERO;
        let mut next = self.first_wait.min(self.max_wait);
        while total + next <= self.budget && waits.len() < 1000 {
            waits.push(next);
            total += next;
            next = (next * 2).min(self.max_wait);
            if next.is_zero() {
                break;
            }
        }
        waits
    }
}

/// A refusal because another process holds the file: Windows' ERROR_ACCESS_DENIED (5,
/// `PermissionDenied`), ERROR_SHARING_VIOLATION (32) and ERROR_LOCK_VIOLATION (33).
pub fn is_held_elsewhere(e: &std::io::Error) -> bool {
    if matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ResourceBusy
    ) {
        return true;
    }
    #[cfg(windows)]
    if matches!(e.raw_os_error(), Some(5 | 32 | 33)) {
        return true;
    }
    false
}

/// `op` again after each pause of `retry` while the file is held elsewhere.
async fn with_retries(
    retry: &RetryPolicy,
    what: &str,
    mut op: impl FnMut() -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut waits = retry.waits().into_iter();
    loop {
        match op() {
            Err(e) if is_held_elsewhere(&e) => match waits.next() {
                Some(wait) => {
                    tracing::warn!(error = %e, what, ?wait, "file held by another process; retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(e),
            },
            other => return other,
        }
    }
}

/// The start-up step, BEFORE the database opens: applies `restore-pending.json` if there
/// is one. The chosen copy is checked (integrity, our migrations), copied beside the
/// database file, the old `-wal`/`-shm` removed and the copy renamed over the file. A
/// copy that fails the check, or a marker for another database file, changes nothing.
/// The marker is removed either way (after the file is in place, so a crash half-way
/// repeats the restore rather than losing it), except when another process held the
/// database file the whole time: then nothing changed and the marker stays for the next
/// start. `None` when nothing was pending.
pub async fn apply_pending_restore(
    place: &BackupPlace,
    now: DateTime<Utc>,
) -> Option<RestoreReport> {
    let raw = match std::fs::read(&place.marker) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::error!(error = %e, "restore marker unreadable");
            return Some(RestoreReport {
                file_name: String::new(),
                pre_restore: None,
                restored: false,
                still_pending: false,
                message: format!(
                    "O pedido de restauração ({}) não pôde ser lido: {e}. Nada foi alterado.",
                    place.marker.display()
                ),
                at: now,
                requested_by: None,
            });
        }
    };
    let report = match serde_json::from_slice::<RestoreMarker>(&raw) {
        Ok(marker) => {
            let outcome = restore_file(place, &marker).await;
            let message = match &outcome {
                Ok(()) => format!(
                    "Banco restaurado da cópia {} (pedido por {} em {}). O estado anterior \
                     está na cópia {}.",
                    marker.file_name,
                    marker.requested_by.name,
                    marker
                        .requested_at
                        .with_timezone(&Local)
                        .format("%d/%m/%Y %H:%M"),
                    marker.pre_restore
                ),
                Err(RestoreFailure::Refused(why)) => format!(
                    "A restauração da cópia {} foi recusada: {why}",
                    marker.file_name
                ),
                Err(RestoreFailure::Held(why)) => format!(
                    "A restauração da cópia {} não pôde ser feita agora: {why}. Outro programa \
                     está com o banco aberto (um robô desta máquina ou o aplicativo que ainda \
                     estava fechando); nada foi alterado. A restauração continua pedida e \
                     será feita no próximo início do aplicativo: feche os outros programas \
                     que usam o banco e reinicie o aplicativo. O que for alterado até lá \
                     será substituído pela cópia.",
                    marker.file_name
                ),
            };
            RestoreReport {
                file_name: marker.file_name,
                pre_restore: Some(marker.pre_restore),
                restored: outcome.is_ok(),
                still_pending: matches!(outcome, Err(RestoreFailure::Held(_))),
                message,
                at: now,
                requested_by: Some(marker.requested_by),
            }
        }
        Err(e) => RestoreReport {
            file_name: String::new(),
            pre_restore: None,
            restored: false,
            still_pending: false,
            message: format!("O pedido de restauração está ilegível ({e}); nada foi alterado."),
            at: now,
            requested_by: None,
        },
    };
    if report.still_pending {
        tracing::warn!(file = %report.file_name, message = %report.message, "restore postponed");
        return Some(report);
    }
    if let Err(e) = std::fs::remove_file(&place.marker) {
        tracing::error!(error = %e, marker = %place.marker.display(), "restore marker not removed");
    }
    if report.restored {
        tracing::info!(file = %report.file_name, "database restored from backup");
    } else {
        tracing::error!(file = %report.file_name, message = %report.message, "restore refused");
    }
    Some(report)
}

/// Why [`restore_file`] changed nothing (pt-BR).
enum RestoreFailure {
    /// The request is dropped: the copy is unsound, for another file, a disk error.
    Refused(String),
    /// Another process held the database or its journal the whole time: the request is
    /// kept for the next start.
    Held(String),
}

/// The journals SQLite keeps beside the database file.
const JOURNALS: [&str; 3] = ["-wal", "-shm", "-journal"];
/// A journal moved aside until the copy is in place (so it can come back if not).
const ASIDE: &str = ".antes-da-restauracao";

/// The replacement itself; `Err` says why nothing changed.
async fn restore_file(
    place: &BackupPlace,
    marker: &RestoreMarker,
) -> std::result::Result<(), RestoreFailure> {
    use RestoreFailure::{Held, Refused};
    let Some(database_file) = place.database_file.as_deref() else {
        return Err(Refused(
            "o aplicativo não abriu o banco SQLite local desta vez; nada foi alterado.".into(),
        ));
    };
    if marker.database_file != database_file {
        return Err(Refused(format!(
            "ela foi pedida para o arquivo {}, mas o aplicativo usa {}; nada foi alterado.",
            marker.database_file.display(),
            database_file.display()
        )));
    }
    let name = checked_name(&marker.file_name).map_err(|e| Refused(e.message))?;
    let source = place.dir.join(name);
    brm_store::sqlite::verify_backup_file(&source)
        .await
        .map_err(|e| Refused(Error::from(e).message))?;
    let file_name = database_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sibling = |suffix: &str| database_file.with_file_name(format!("{file_name}{suffix}"));
    let tmp = sibling(".restaurando");
    let io = |what: &str, e: std::io::Error| Refused(format!("{what}: {e}; nada foi alterado."));
    let fs = place.fs.as_ref();
    let _ = fs.remove_file(&tmp);
    std::fs::copy(&source, &tmp).map_err(|e| io("não foi possível copiar a cópia", e))?;
    // Through a handle opened for writing: Windows refuses to flush a read-only one.
    let synced = fs.sync_file(&tmp, true);
    // The copy is checked again where it will be used (a short read, a full disk).
    let checked = match synced {
        Ok(()) => brm_store::sqlite::verify_backup_file(&tmp)
            .await
            .map(|_| ())
            .map_err(|e| Refused(Error::from(e).message)),
        Err(e) => Err(io("não foi possível gravar a cópia", e)),
    };
    if let Err(why) = checked {
        let _ = fs.remove_file(&tmp);
        return Err(why);
    }
    // The old journal belongs to the old file: replayed onto the restored one it would
    // corrupt it, so it goes before the file is replaced (its content is in the
    // pre-restore copy). It is moved aside first, and back if the file cannot be
    // replaced, so a database held by another process keeps its journal. An aside file
    // left by a start that crashed half-way is stale and overwritten.
    let mut moved: Vec<&str> = Vec::new();
    let mut failure = None;
    for suffix in JOURNALS {
        let journal = sibling(suffix);
        if !journal.exists() {
            continue;
        }
        let aside = sibling(&format!("{suffix}{ASIDE}"));
        let _ = fs.remove_file(&aside);
        match with_retries(&place.retry, "journal", || fs.rename(&journal, &aside)).await {
            Ok(()) => moved.push(suffix),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                failure = Some((format!("não foi possível remover {file_name}{suffix}"), e));
                break;
            }
        }
    }
    if failure.is_none() {
        if let Err(e) =
            with_retries(&place.retry, "database", || fs.rename(&tmp, database_file)).await
        {
            failure = Some(("não foi possível substituir o banco".to_string(), e));
        }
    }
    if let Some((what, e)) = failure {
        for suffix in &moved {
            let (journal, aside) = (sibling(suffix), sibling(&format!("{suffix}{ASIDE}")));
            if let Err(e) = fs.rename(&aside, &journal) {
                tracing::error!(error = %e, journal = %journal.display(), "journal not moved back");
            }
        }
        let _ = fs.remove_file(&tmp);
        return Err(if is_held_elsewhere(&e) {
            Held(format!("{what} ({e})"))
        } else {
            io(&what, e)
        });
    }
    for suffix in &moved {
        let aside = sibling(&format!("{suffix}{ASIDE}"));
        if let Err(e) = fs.remove_file(&aside) {
            tracing::warn!(error = %e, file = %aside.display(), "old journal not removed");
        }
    }
    #[cfg(unix)]
    if let Some(dir) = database_file.parent() {
        // Windows cannot open a folder as a file; there the rename is durable as is.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn names_are_read_back_and_paths_refused() {
        assert_eq!(
            parse_backup_name("brm-desk-20261105-120000.sqlite3"),
            Some((at(5, 12, 0), 0))
        );
        assert_eq!(
            parse_backup_name("brm-desk-20261105-120000-2.sqlite3"),
            Some((at(5, 12, 0), 2))
        );
        for bad in [
            "brm-desk-20261305-120000.sqlite3",
            "brm-desk-2026110-5120000.sqlite3",
            "brm-desk-20261105-120000-.sqlite3",
            "brm-desk-20261105-120000.sqlite3.bak",
            "outro.sqlite3",
        ] {
            assert_eq!(parse_backup_name(bad), None, "{bad}");
        }
        let e = checked_name("../brm-desk-20261105-120000.sqlite3").unwrap_err();
        assert_eq!(e.fields[0].field, "file_name");
        assert!(e.message.contains("sem caminho"), "{}", e.message);
        assert!(checked_name("/etc/passwd")
            .unwrap_err()
            .message
            .contains("sem caminho"));
        assert!(checked_name("outro.db")
            .unwrap_err()
            .message
            .contains("não é o nome"));
        assert_eq!(
            checked_name(" brm-desk-20261105-120000.sqlite3 ").unwrap(),
            "brm-desk-20261105-120000.sqlite3"
        );
    }

    #[test]
    fn the_daily_copy_is_due_at_its_hour_or_when_a_day_old() {
        let s = BackupSettings::default(); // on, 12:00
        assert!(daily_backup_due(&s, None, at(5, 8, 0)));
        // Yesterday's noon copy: not before noon, then yes.
        assert!(!daily_backup_due(&s, Some(at(4, 12, 0)), at(5, 11, 59)));
        assert!(daily_backup_due(&s, Some(at(4, 12, 0)), at(5, 12, 0)));
        // Done at 12:00 today: not again today.
        assert!(!daily_backup_due(&s, Some(at(5, 12, 0)), at(5, 18, 0)));
        // Catch-up at start: the newest copy is over a day old.
        assert!(daily_backup_due(&s, Some(at(3, 18, 0)), at(5, 8, 0)));
        // A copy at 08:00 today (catch-up) and the hour comes: one more at noon.
        assert!(daily_backup_due(&s, Some(at(5, 8, 0)), at(5, 12, 1)));
        let off = BackupSettings {
            daily: false,
            ..s.clone()
        };
        assert!(!daily_backup_due(&off, None, at(5, 12, 0)));
        let at_two = BackupSettings { hour: 2, ..s };
        assert!(daily_backup_due(&at_two, Some(at(4, 2, 0)), at(5, 2, 30)));
        assert!(!daily_backup_due(&at_two, Some(at(5, 2, 30)), at(5, 23, 0)));
    }

    #[test]
    fn only_a_file_held_elsewhere_is_waited_for() {
        use std::io::{Error as IoError, ErrorKind};
        assert!(is_held_elsewhere(&IoError::from(
            ErrorKind::PermissionDenied
        )));
        assert!(!is_held_elsewhere(&IoError::from(ErrorKind::NotFound)));
        assert!(!is_held_elsewhere(&IoError::from(ErrorKind::StorageFull)));
        // ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION; not
        // ERROR_FILE_NOT_FOUND.
        #[cfg(windows)]
        {
            for code in [5, 32, 33] {
                assert!(
                    is_held_elsewhere(&IoError::from_raw_os_error(code)),
                    "{code}"
                );
            }
            assert!(!is_held_elsewhere(&IoError::from_raw_os_error(2)));
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_the_excepted() {
        let dir = std::env::temp_dir().join(format!("brm-prune-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "brm-desk-20261101-120000.sqlite3",
            "brm-desk-20261102-120000.sqlite3",
            "brm-desk-20261103-120000.sqlite3",
            "brm-desk-20261103-120000-1.sqlite3",
            "outro.txt",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let removed = prune_backups(&dir, 2, Some("brm-desk-20261101-120000.sqlite3"));
        assert_eq!(removed, ["brm-desk-20261102-120000.sqlite3"]);
        let left: Vec<_> = list_backup_files(&dir)
            .into_iter()
            .map(|f| f.file_name)
            .collect();
        assert_eq!(
            left,
            [
                "brm-desk-20261103-120000-1.sqlite3",
                "brm-desk-20261103-120000.sqlite3",
                "brm-desk-20261101-120000.sqlite3"
            ]
        );
        assert!(dir.join("outro.txt").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
