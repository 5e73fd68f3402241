//! Backups of the embedded SQLite through `Desk` and the start-up restore step, on real
//! SQLite files in temporary folders: a copy made while another task keeps writing, the
//! daily schedule with its catch-up and the number kept, the settings, the role gate,
//! restore asked for and applied at start, and copies that are not ours refused with
//! nothing changed. The restore on a file system that refuses like Windows (a copy
//! flushed through a read-only handle, a database another process holds open): tried
//! again for a while, then left as it was with the request kept for the next start.
//! PostgreSQL answers that its backups belong to the server.

mod common;

use brm_core::clock::{Clock, ManualClock};
use brm_core::operator::{OperatorFilter, OperatorInput};
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::backups::{
    apply_pending_restore, BackupPlace, BackupSettings, RestoreFs, RestoreMarker, RetryPolicy,
    StdFs, BACKUP_CRIADO, BACKUP_RESTAURACAO_ADIADA, BACKUP_RESTAURACAO_SOLICITADA,
    BACKUP_RESTAURADO, MARKER_FILE,
};
use brm_service::{Desk, ALTERAR_CONFIGURACAO};
use brm_store::sqlite::{verify_backup_file, SqliteStore};
use brm_store::Store;
use chrono::{Duration, Timelike};
use common::TempFolder;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

struct World {
    folder: TempFolder,
    store: SqliteStore,
    desk: Desk,
    clock: Arc<ManualClock>,
    admin: String,
    place: BackupPlace,
}

impl World {
    fn db(&self) -> PathBuf {
        self.folder.0.join("brm-desk.sqlite3")
    }
}

async fn open(file: &Path, clock: Arc<ManualClock>) -> (SqliteStore, Desk) {
    let store = SqliteStore::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let desk = Desk::with_clock(Arc::new(store.clone()), clock)
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    (store, desk)
}

async fn world() -> World {
    let folder = TempFolder::new("brm-backups");
    let clock = common::clock_at(2026, 11, 5, 15, 0);
    let db = folder.0.join("brm-desk.sqlite3");
    let (store, desk) = open(&db, clock.clone()).await;
    let admin = common::first_admin(&desk).await;
    let place = BackupPlace::new(&folder.0, Some(db));
    World {
        folder,
        store,
        desk,
        clock,
        admin,
        place,
    }
}

async fn add_operator(desk: &Desk, token: &str, code: &str) {
    desk.create_operator(
        token,
        OperatorInput {
            name: format!("Operadora {code}"),
            code: code.into(),
            has_rpa: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn operator_codes(store: &dyn Store) -> Vec<String> {
    let filter = OperatorFilter {
        page_size: 200,
        ..Default::default()
    };
    let mut codes: Vec<_> = store
        .list_operators(&filter)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|o| o.code)
        .collect();
    codes.sort();
    codes
}

/// The app ends: every connection closed, so SQLite has folded its journal into the
/// file. Connections still on their way back to the pool when it closes can stay open
/// (sqlx), keeping the database and its journal open: the pool closes once they are all
/// back.
async fn close(store: &SqliteStore) {
    for _ in 0..500 {
        if store.pool().num_idle() as u32 == store.pool().size() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    store.pool().close().await;
}

fn names(place: &BackupPlace) -> Vec<String> {
    brm_service::backups::list_backup_files(place.dir())
        .into_iter()
        .map(|f| f.file_name)
        .collect()
}

async fn actions(store: &dyn Store) -> Vec<(String, String)> {
    store
        .audit_trail("backup", None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor.name))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_made_during_writes_is_sound_and_has_what_was_committed_before() {
    let w = world().await;
    for i in 0..20 {
        add_operator(&w.desk, &w.admin, &format!("ANTES_{i}")).await;
    }
    // Another task keeps writing while the copy is made.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (desk, token, stop) = (w.desk.clone(), w.admin.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                add_operator(&desk, &token, &format!("DURANTE_{n}")).await;
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let file = w.desk.create_backup(&w.admin, &w.place).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written_during = writer.await.unwrap();
    assert!(written_during > 0, "the writer never wrote");

    assert!(file.file_name.starts_with("brm-desk-") && file.file_name.ends_with(".sqlite3"));
    assert!(file.size_bytes > 0);
    let path = w.place.dir().join(&file.file_name);
    // integrity_check and our migrations table.
    verify_backup_file(&path).await.unwrap();
    let copy = SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let in_copy = operator_codes(&copy).await;
    for i in 0..20 {
        assert!(in_copy.contains(&format!("ANTES_{i}")), "ANTES_{i} missing");
    }
    assert!(in_copy.len() <= operator_codes(&w.store).await.len());
    assert_eq!(names(&w.place), [file.file_name.as_str()]);
    assert_eq!(
        actions(&w.store).await,
        [(BACKUP_CRIADO.to_string(), "Ana Administradora".to_string())]
    );
}

#[tokio::test]
async fn the_daily_copy_catches_up_runs_at_its_hour_and_keeps_the_last_n() {
    let w = world().await;
    assert_eq!(
        w.desk.get_backup_settings(&w.admin).await.unwrap(),
        BackupSettings {
            daily: true,
            hour: 12,
            keep: 7
        }
    );
    // The copy's hour is the machine's local time: 21 hours after the clock's start in
    // whatever zone this machine is in (15:00 -> 12:00 in UTC), so the steps below hold
    // everywhere, not only where local time is UTC.
    let start_hour = w.clock.now().with_timezone(&chrono::Local).hour() as i64;
    let hour = (start_hour + 21) % 24;
    w.desk
        .save_backup_settings(
            &w.admin,
            BackupSettings {
                daily: true,
                hour,
                keep: 3,
            },
        )
        .await
        .unwrap();
    // No copy yet: the first check at start makes one (catch-up), the next does not.
    let first = w.desk.run_scheduled_backup(&w.place).await.unwrap();
    assert!(first.is_some());
    assert!(w
        .desk
        .run_scheduled_backup(&w.place)
        .await
        .unwrap()
        .is_none());
    // 20 hours on: an hour before the copy's hour, not yet; 21 hours on, due.
    w.clock.advance(Duration::hours(20));
    assert!(w
        .desk
        .run_scheduled_backup(&w.place)
        .await
        .unwrap()
        .is_none());
    w.clock.advance(Duration::hours(1));
    assert!(w
        .desk
        .run_scheduled_backup(&w.place)
        .await
        .unwrap()
        .is_some());
    // Five more days: still only the newest three.
    for _ in 0..5 {
        w.clock.advance(Duration::days(1));
        assert!(w
            .desk
            .run_scheduled_backup(&w.place)
            .await
            .unwrap()
            .is_some());
    }
    let kept = names(&w.place);
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(!kept.contains(&first.unwrap().file_name));
    let audited = actions(&w.store).await;
    assert_eq!(audited.len(), 7);
    assert!(audited
        .iter()
        .all(|(a, who)| a == BACKUP_CRIADO && who == "Cópia automática"));
    // Off: nothing, however old the newest copy.
    w.desk
        .save_backup_settings(
            &w.admin,
            BackupSettings {
                daily: false,
                hour: 12,
                keep: 3,
            },
        )
        .await
        .unwrap();
    w.clock.advance(Duration::days(3));
    assert!(w
        .desk
        .run_scheduled_backup(&w.place)
        .await
        .unwrap()
        .is_none());
    assert_eq!(names(&w.place), kept);
}

#[tokio::test]
async fn settings_are_checked_and_audited() {
    let w = world().await;
    let e = w
        .desk
        .save_backup_settings(
            &w.admin,
            BackupSettings {
                daily: true,
                hour: 24,
                keep: 0,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["hour", "keep"]);
    assert_eq!(
        e.fields[0].message,
        "A hora da cópia diária deve ficar entre 0 e 23."
    );
    assert_eq!(
        w.desk.get_backup_settings(&w.admin).await.unwrap(),
        BackupSettings::default()
    );
    let saved = w
        .desk
        .save_backup_settings(
            &w.admin,
            BackupSettings {
                daily: false,
                hour: 3,
                keep: 7,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        saved,
        BackupSettings {
            daily: false,
            hour: 3,
            keep: 7
        }
    );
    let trail = w.store.audit_trail("configuracao", None, 10).await.unwrap();
    let details: Vec<_> = trail
        .iter()
        .filter(|e| e.action == ALTERAR_CONFIGURACAO)
        .filter_map(|e| e.detail.clone())
        .collect();
    assert!(details.contains(&"backup.diario: true → false".to_string()));
    assert!(details.contains(&"backup.hora: 12 → 3".to_string()));
    assert!(!details.iter().any(|d| d.starts_with("backup.manter")));
}

#[tokio::test]
async fn only_administrators_touch_backups() {
    let w = world().await;
    common::insert_team(w.store.pool()).await;
    w.desk.create_backup(&w.admin, &w.place).await.unwrap();
    let before = names(&w.place);
    for email in ["bruno@beg.com.br", "davi@beg.com.br"] {
        let t = common::login(&w.desk, email).await;
        let errors = [
            w.desk.list_backups(&t, &w.place).await.unwrap_err(),
            w.desk.create_backup(&t, &w.place).await.unwrap_err(),
            w.desk
                .restore_backup(&t, &w.place, &before[0])
                .await
                .unwrap_err(),
            w.desk.get_backup_settings(&t).await.unwrap_err(),
            w.desk
                .save_backup_settings(&t, BackupSettings::default())
                .await
                .unwrap_err(),
        ];
        for e in errors {
            assert_eq!(e.code, ErrorCode::Forbidden, "{email}: {e:?}");
        }
    }
    assert_eq!(names(&w.place), before);
    assert!(!w.place.marker().exists());
    let e = w
        .desk
        .list_backups("sessao-que-nao-existe", &w.place)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn a_restore_is_asked_for_then_applied_at_the_next_start() {
    let w = world().await;
    add_operator(&w.desk, &w.admin, "VIVO").await;
    let chosen = w.desk.create_backup(&w.admin, &w.place).await.unwrap();
    w.clock.advance(Duration::minutes(5));
    add_operator(&w.desk, &w.admin, "OI").await;

    // A path, not a file name of the folder: refused, nothing written.
    let e = w
        .desk
        .restore_backup(&w.admin, &w.place, "../brm-desk.sqlite3")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "file_name");
    assert!(e.message.contains("sem caminho"), "{}", e.message);
    let e = w
        .desk
        .restore_backup(&w.admin, &w.place, "brm-desk-20200101-000000.sqlite3")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(!w.place.marker().exists());
    assert_eq!(names(&w.place).len(), 1);

    let asked = w
        .desk
        .restore_backup(&w.admin, &w.place, &chosen.file_name)
        .await
        .unwrap();
    assert_eq!(asked.file_name, chosen.file_name);
    assert!(asked.message.contains("vai reiniciar"), "{}", asked.message);
    // First a copy of the current state (with OI), kept beside the chosen one.
    let pre = w.place.dir().join(&asked.pre_restore);
    let pre_store = SqliteStore::connect(&format!("sqlite://{}", pre.display()))
        .await
        .unwrap();
    assert_eq!(operator_codes(&pre_store).await, ["OI", "VIVO"]);
    close(&pre_store).await;
    let marker: RestoreMarker =
        serde_json::from_slice(&std::fs::read(w.place.marker()).unwrap()).unwrap();
    assert_eq!(marker.file_name, chosen.file_name);
    assert_eq!(marker.pre_restore, asked.pre_restore);
    assert_eq!(marker.requested_by.name, "Ana Administradora");
    let audited = actions(&w.store).await;
    assert_eq!(audited[0].0, BACKUP_RESTAURACAO_SOLICITADA);

    // The app restarts: the database closes, a stale journal is left behind.
    close(&w.store).await;
    std::fs::write(
        w.folder.0.join("brm-desk.sqlite3-wal"),
        b"journal of the old file",
    )
    .unwrap();
    std::fs::write(w.folder.0.join("brm-desk.sqlite3-shm"), b"shm").unwrap();
    let report = apply_pending_restore(&w.place, w.clock.now())
        .await
        .expect("a restore was pending");
    assert!(report.restored, "{}", report.message);
    assert!(
        report.message.contains(&chosen.file_name),
        "{}",
        report.message
    );
    assert!(!w.place.marker().exists());
    assert!(!w.folder.0.join("brm-desk.sqlite3-wal").exists());
    assert!(!w.folder.0.join("brm-desk.sqlite3-shm").exists());
    assert!(!w.folder.0.join("brm-desk.sqlite3.restaurando").exists());
    // Nothing pending any more.
    assert!(apply_pending_restore(&w.place, w.clock.now())
        .await
        .is_none());

    let (store, desk) = open(&w.db(), w.clock.clone()).await;
    assert_eq!(operator_codes(&store).await, ["VIVO"]);
    desk.record_restore(&w.place, report).await;
    let audited = actions(&store).await;
    assert_eq!(
        audited[0],
        (
            BACKUP_RESTAURADO.to_string(),
            "Ana Administradora".to_string()
        )
    );
    let token = common::login(&desk, "ana@beg.com.br").await;
    let list = desk.list_backups(&token, &w.place).await.unwrap();
    assert!(list.last_restore.unwrap().restored);
    let listed: Vec<_> = list.items.iter().map(|f| f.file_name.clone()).collect();
    assert_eq!(
        listed,
        [asked.pre_restore.clone(), chosen.file_name.clone()]
    );
    // Closed and opened again: the screen still says what the last restore did, from
    // the audit trail.
    let later = BackupPlace::new(&w.folder.0, Some(w.db()));
    assert!(later.last_restore().is_none());
    let last = desk
        .list_backups(&token, &later)
        .await
        .unwrap()
        .last_restore
        .expect("the restore, from the audit trail");
    assert!(last.restored);
    assert!(last.message.contains(&chosen.file_name), "{}", last.message);
}

#[tokio::test]
async fn copies_that_are_not_ours_are_refused_and_nothing_changes() {
    let w = world().await;
    add_operator(&w.desk, &w.admin, "VIVO").await;
    std::fs::create_dir_all(w.place.dir()).unwrap();
    let garbage = "brm-desk-20261101-120000.sqlite3";
    std::fs::write(w.place.dir().join(garbage), b"isto nao e um banco").unwrap();
    // A sound SQLite database, but not one of ours.
    let foreign = "brm-desk-20261102-120000.sqlite3";
    {
        let url = format!(
            "sqlite://{}?mode=rwc",
            w.place.dir().join(foreign).display()
        );
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE planilha (x TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    for (file, says) in [
        (garbage, "não é um banco SQLite válido"),
        (foreign, "não é uma cópia do BRM RPA Desk"),
    ] {
        let e = w
            .desk
            .restore_backup(&w.admin, &w.place, file)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains(says), "{}", e.message);
    }
    // No pre-restore copy, no marker.
    assert_eq!(names(&w.place).len(), 2);
    assert!(!w.place.marker().exists());

    // The start-up step, with a marker written by hand for the garbage file.
    close(&w.store).await;
    let before = std::fs::read(w.db()).unwrap();
    let write_marker = |file: &str, db: PathBuf| {
        let marker = RestoreMarker {
            file_name: file.into(),
            pre_restore: "brm-desk-20261105-150000.sqlite3".into(),
            database_file: db,
            requested_by: brm_core::audit::Actor::anonymous("teste"),
            requested_at: w.clock.now(),
        };
        std::fs::write(w.place.marker(), serde_json::to_vec(&marker).unwrap()).unwrap();
    };
    write_marker(garbage, w.db());
    let report = apply_pending_restore(&w.place, w.clock.now())
        .await
        .unwrap();
    assert!(!report.restored);
    assert!(report.message.contains("recusada"), "{}", report.message);
    assert!(!w.place.marker().exists());
    assert_eq!(std::fs::read(w.db()).unwrap(), before);
    // A marker for another database file leaves this one alone.
    write_marker(foreign, w.folder.0.join("outro.sqlite3"));
    let report = apply_pending_restore(&w.place, w.clock.now())
        .await
        .unwrap();
    assert!(!report.restored);
    assert!(
        report.message.contains("outro.sqlite3"),
        "{}",
        report.message
    );
    // An unreadable marker.
    std::fs::write(w.place.marker(), b"{ quebrado").unwrap();
    let report = apply_pending_restore(&w.place, w.clock.now())
        .await
        .unwrap();
    assert!(!report.restored);
    assert!(report.message.contains("ilegível"), "{}", report.message);
    assert!(!w.place.marker().exists());
    assert_eq!(std::fs::read(w.db()).unwrap(), before);
    let (store, _) = open(&w.db(), w.clock.clone()).await;
    assert_eq!(operator_codes(&store).await, ["VIVO"]);
    assert_eq!(MARKER_FILE, "restore-pending.json");
}

#[tokio::test]
async fn postgres_backups_belong_to_the_server() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let store = brm_store::connect(&url).await.unwrap();
    let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    let folder = TempFolder::new("brm-backups-pg");
    let place = BackupPlace::new(&folder.0, None);
    for e in [
        desk.list_backups(&admin, &place).await.unwrap_err(),
        desk.create_backup(&admin, &place).await.unwrap_err(),
        desk.restore_backup(&admin, &place, "brm-desk-20261101-120000.sqlite3")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("PostgreSQL"), "{}", e.message);
    }
    assert!(desk.run_scheduled_backup(&place).await.unwrap().is_none());
    assert!(!place.dir().exists());
}

/// The file system as Windows treats the restore step, on any machine: a handle opened
/// for reading cannot be flushed ("Acesso negado", FlushFileBuffers needs write access),
/// and a file another process holds open (a robot, the old instance still closing) can
/// be neither removed nor renamed, nor replaced by a rename, while it is held.
#[derive(Debug, Default)]
struct WindowsLikeFs {
    /// Held files and how many more times each is refused (`u32::MAX`: always).
    held: Mutex<Vec<(PathBuf, u32)>>,
    /// Every operation refused because its file was held.
    refusals: Mutex<Vec<PathBuf>>,
}

impl WindowsLikeFs {
    fn hold(&self, path: PathBuf, times: u32) {
        self.held.lock().unwrap().push((path, times));
    }

    fn release_all(&self) {
        self.held.lock().unwrap().clear();
    }

    fn refusals_of(&self, path: &Path) -> usize {
        self.refusals
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.as_path() == path)
            .count()
    }

    fn check(&self, path: &Path) -> std::io::Result<()> {
        let mut held = self.held.lock().unwrap();
        if let Some((_, left)) = held.iter_mut().find(|(p, left)| p == path && *left > 0) {
            if *left != u32::MAX {
                *left -= 1;
            }
            self.refusals.lock().unwrap().push(path.to_path_buf());
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "Acesso negado. (os error 5)",
            ));
        }
        Ok(())
    }
}

impl RestoreFs for WindowsLikeFs {
    fn sync_file(&self, path: &Path, write: bool) -> std::io::Result<()> {
        if !write {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "Acesso negado. (os error 5)",
            ));
        }
        self.check(path)?;
        StdFs.sync_file(path, write)
    }

    fn remove_file(&self, path: &Path) -> std::io::Result<()> {
        self.check(path)?;
        StdFs.remove_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.check(from)?;
        self.check(to)?;
        StdFs.rename(from, to)
    }
}

/// Waits of a few milliseconds: the tests do not sleep for the real 10 s.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        first_wait: std::time::Duration::from_millis(1),
        max_wait: std::time::Duration::from_millis(4),
        budget: std::time::Duration::from_millis(40),
    }
}

/// A restore asked for (OI added after the chosen copy, which has only VIVO), the app
/// closed with a journal left behind, and the place of the next start on `fs`.
async fn restore_asked_on(fs: Arc<WindowsLikeFs>) -> (World, BackupPlace, String) {
    let w = world().await;
    add_operator(&w.desk, &w.admin, "VIVO").await;
    let chosen = w.desk.create_backup(&w.admin, &w.place).await.unwrap();
    w.clock.advance(Duration::minutes(5));
    add_operator(&w.desk, &w.admin, "OI").await;
    w.desk
        .restore_backup(&w.admin, &w.place, &chosen.file_name)
        .await
        .unwrap();
    close(&w.store).await;
    assert_eq!(leftovers(&w.folder.0), ["brm-desk.sqlite3"]);
    std::fs::write(w.folder.0.join("brm-desk.sqlite3-wal"), b"journal").unwrap();
    std::fs::write(w.folder.0.join("brm-desk.sqlite3-shm"), b"shm").unwrap();
    let place = BackupPlace::new(&w.folder.0, Some(w.db()))
        .with_fs(fs)
        .with_retry(quick_retries());
    (w, place, chosen.file_name)
}

fn leftovers(folder: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("brm-desk.sqlite3"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn on_windows_the_copy_is_flushed_through_a_handle_opened_for_writing() {
    // Flushed through a read-only handle, Windows answers "Acesso negado" and the
    // restore was abandoned every time.
    let fs = Arc::new(WindowsLikeFs::default());
    let (w, place, chosen) = restore_asked_on(fs).await;
    let report = apply_pending_restore(&place, w.clock.now()).await.unwrap();
    assert!(report.restored, "{}", report.message);
    assert!(!report.still_pending);
    assert!(report.message.contains(&chosen), "{}", report.message);
    assert!(!place.marker().exists());
    assert_eq!(leftovers(&w.folder.0), ["brm-desk.sqlite3"]);
    let (store, _) = open(&w.db(), w.clock.clone()).await;
    assert_eq!(operator_codes(&store).await, ["VIVO"]);
}

#[tokio::test]
async fn a_database_held_for_a_moment_is_replaced_after_a_few_tries() {
    // The old instance still ends while the new one starts: the first tries of the
    // rename over the database are refused, then it lets go.
    let fs = Arc::new(WindowsLikeFs::default());
    let (w, place, _) = restore_asked_on(fs.clone()).await;
    fs.hold(w.db(), 3);
    fs.hold(w.folder.0.join("brm-desk.sqlite3-wal"), 2);
    let report = apply_pending_restore(&place, w.clock.now()).await.unwrap();
    assert!(report.restored, "{}", report.message);
    assert_eq!(fs.refusals_of(&w.db()), 3);
    assert_eq!(fs.refusals_of(&w.folder.0.join("brm-desk.sqlite3-wal")), 2);
    assert!(!place.marker().exists());
    assert_eq!(leftovers(&w.folder.0), ["brm-desk.sqlite3"]);
    let (store, _) = open(&w.db(), w.clock.clone()).await;
    assert_eq!(operator_codes(&store).await, ["VIVO"]);
}

#[tokio::test]
async fn a_database_held_all_along_is_left_as_it_was_and_the_restore_waits_for_the_next_start() {
    for held in [
        // A robot with the database open: the file and its journal.
        vec![
            "brm-desk.sqlite3",
            "brm-desk.sqlite3-wal",
            "brm-desk.sqlite3-shm",
        ],
        // Something holding only the file (an antivirus): the journal was already
        // moved aside when the rename is refused, and comes back.
        vec!["brm-desk.sqlite3"],
        vec!["brm-desk.sqlite3-shm"],
    ] {
        let fs = Arc::new(WindowsLikeFs::default());
        let (w, place, chosen) = restore_asked_on(fs.clone()).await;
        for name in &held {
            fs.hold(w.folder.0.join(name), u32::MAX);
        }
        let database = std::fs::read(w.db()).unwrap();
        let marker = std::fs::read(place.marker()).unwrap();

        let report = apply_pending_restore(&place, w.clock.now()).await.unwrap();
        assert!(!report.restored, "{held:?}: {}", report.message);
        assert!(report.still_pending, "{held:?}");
        // Tried again for a while, not once.
        let refused: usize = held
            .iter()
            .map(|name| fs.refusals_of(&w.folder.0.join(name)))
            .sum();
        assert!(refused > 3, "{held:?}: {refused}");
        for says in [
            chosen.as_str(),
            "Outro programa",
            "nada foi alterado",
            "próximo início",
        ] {
            assert!(
                report.message.contains(says),
                "{held:?}: {}",
                report.message
            );
        }
        // Nothing changed: the file, its journal, and the request is still there.
        assert_eq!(std::fs::read(w.db()).unwrap(), database, "{held:?}");
        assert_eq!(
            std::fs::read(w.folder.0.join("brm-desk.sqlite3-wal")).unwrap(),
            b"journal"
        );
        assert_eq!(
            std::fs::read(w.folder.0.join("brm-desk.sqlite3-shm")).unwrap(),
            b"shm"
        );
        assert_eq!(
            leftovers(&w.folder.0),
            [
                "brm-desk.sqlite3",
                "brm-desk.sqlite3-shm",
                "brm-desk.sqlite3-wal"
            ],
            "{held:?}"
        );
        assert_eq!(std::fs::read(place.marker()).unwrap(), marker, "{held:?}");

        // The app opens the database as it was, and the audit says the restore waits.
        std::fs::remove_file(w.folder.0.join("brm-desk.sqlite3-wal")).unwrap();
        std::fs::remove_file(w.folder.0.join("brm-desk.sqlite3-shm")).unwrap();
        let (store, desk) = open(&w.db(), w.clock.clone()).await;
        assert_eq!(operator_codes(&store).await, ["OI", "VIVO"]);
        desk.record_restore(&place, report).await;
        assert_eq!(
            actions(&store).await[0],
            (
                BACKUP_RESTAURACAO_ADIADA.to_string(),
                "Ana Administradora".to_string()
            )
        );
        close(&store).await;

        // The next start, nothing holding the file any more: restored.
        fs.release_all();
        let report = apply_pending_restore(&place, w.clock.now()).await.unwrap();
        assert!(report.restored, "{held:?}: {}", report.message);
        assert!(!place.marker().exists());
        let (store, _) = open(&w.db(), w.clock.clone()).await;
        assert_eq!(operator_codes(&store).await, ["VIVO"]);
    }
}

#[test]
fn the_wait_for_a_held_file_is_bounded() {
    let waits = RetryPolicy::default().waits();
    let total: std::time::Duration = waits.iter().sum();
    assert!(waits.len() >= 5, "{waits:?}");
    assert!(total <= std::time::Duration::from_secs(10), "{total:?}");
    assert!(total >= std::time::Duration::from_secs(8), "{total:?}");
    assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
}
