//! This computer's data leaves the roaming profile (Windows, once). Earlier versions kept
//! the database, the invoices, the backups, the database choice and the preferences in
//! `%APPDATA%` (Roaming), which offices with roaming profiles redirect to a network
//! share: SQLite in WAL mode must not live there. They now live in `%LOCALAPPDATA%`;
//! at start-up, before anything opens the database, an old folder with data is moved
//! there, unless the new one already has data (never overwritten).
//!
//! Plain functions over two folders, so the tests run on any system; only Windows calls
//! [`move_machine_data`] (lib.rs). On Linux and macOS both folders are the same one.

// Only Windows moves; the tests run the move everywhere.
#![cfg_attr(not(windows), allow(dead_code))]

use crate::paths::DATABASE_FILE;
use brm_service::db_settings::CONFIG_FILE;
use std::io;
use std::path::{Path, PathBuf};

/// Left in the old folder once its data moved: where it went (pt-BR, for whoever looks).
pub const NOTE_FILE: &str = "DADOS-MOVIDOS.txt";

/// Never moved: the window-state plugin's file (it always keeps it in the app-config
/// folder, which stays the roaming one) and the note.
const STAY: &[&str] = &[".window-state.json", NOTE_FILE];

/// Not data: written in the local folder by the app before any move (the logs, WebView2's
/// profile). The old folder's are not moved either (a service installed with `--dados`
/// there wrote its logs in it).
const NOT_DATA: &[&str] = &["logs", "EBWebView"];

/// What the move did.
#[derive(Debug)]
pub enum Outcome {
    /// No old folder, or nothing in it to move.
    NothingToMove,
    /// Everything is in the new folder. `left_behind`: copies (the folders were on two
    /// drives) whose original could not be removed afterwards; harmless, never read again.
    Moved {
        entries: Vec<String>,
        left_behind: Vec<String>,
    },
    /// The new folder already has data: the old one was left alone.
    NewHasData,
    /// Nothing changed: the old folder is complete and stays in use.
    Failed(io::Error),
}

impl Outcome {
    /// One pt-BR line for the log and the diagnostics.
    pub fn describe(&self, old: &Path, new: &Path) -> String {
        match self {
            Outcome::NothingToMove => format!("Nada a mover de {}.", old.display()),
            Outcome::Moved { entries, .. } => format!(
                "Dados deste computador movidos de {} para {} ({}).",
                old.display(),
                new.display(),
                entries.join(", ")
            ),
            Outcome::NewHasData => format!(
                "{} já tem dados; {} foi deixada como está (nada foi copiado nem apagado).",
                new.display(),
                old.display()
            ),
            Outcome::Failed(e) => format!(
                "Não foi possível mover os dados de {} para {} ({e}); o aplicativo continua \
                 usando {} e tenta de novo no próximo início.",
                old.display(),
                new.display(),
                old.display()
            ),
        }
    }
}

/// Whether `dir` holds this computer's data: the database or the database choice (what
/// start-up reads to decide which database opens).
pub fn holds_data(dir: &Path) -> bool {
    dir.join(DATABASE_FILE).exists() || dir.join(CONFIG_FILE).exists()
}

/// The folder to use: the new one when it has data, else the old one when it has data
/// (its move failed, or has not happened yet), else the new one (a first start).
pub fn in_use(old: Option<PathBuf>, new: Option<PathBuf>) -> Option<PathBuf> {
    match (old, new) {
        (Some(old), Some(new)) if !holds_data(&new) && holds_data(&old) => Some(old),
        (old, new) => new.or(old),
    }
}

/// Moves the data of `old` into `new` (see the module). Each entry is renamed (on two
/// drives: copied, then the original removed); when one fails, those already moved go
/// back, so the old folder is complete again.
pub fn move_machine_data(old: &Path, new: &Path) -> Outcome {
    move_with(old, new, &|from, to| std::fs::rename(from, to))
}

fn move_with(old: &Path, new: &Path, rename: &dyn Fn(&Path, &Path) -> io::Result<()>) -> Outcome {
    if old == new {
        return Outcome::NothingToMove;
    }
    let entries = match entries_to_move(old) {
        Ok(entries) if entries.is_empty() => return Outcome::NothingToMove,
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Outcome::NothingToMove,
        Err(e) => return Outcome::Failed(e),
    };
    if holds_data(new)
        || entries
            .iter()
            .any(|name| new.join(name).symlink_metadata().is_ok())
    {
        return Outcome::NewHasData;
    }
    if let Err(e) = std::fs::create_dir_all(new) {
        return Outcome::Failed(e);
    }
    let mut done = Done::default();
    for name in &entries {
        let (from, to) = (old.join(name), new.join(name));
        match rename(&from, &to) {
            Ok(()) => done.renamed.push(name.clone()),
            Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
                if let Err(e) = copy_tree(&from, &to) {
                    let _ = remove_tree(&to);
                    done.undo(old, new, rename);
                    return Outcome::Failed(e);
                }
                done.copied.push(name.clone());
            }
            Err(e) => {
                done.undo(old, new, rename);
                return Outcome::Failed(e);
            }
        }
    }
    // The copies' originals, the database first: removing it fails while another program
    // has it open (on Windows), and then nothing else was removed yet, so everything goes
    // back and that program keeps the only database.
    done.copied.sort_by_key(|name| name != DATABASE_FILE);
    let mut left_behind = Vec::new();
    for (i, name) in done.copied.iter().enumerate() {
        if let Err(e) = remove_tree(&old.join(name)) {
            if i == 0 && name == DATABASE_FILE {
                done.undo(old, new, rename);
                return Outcome::Failed(e);
            }
            left_behind.push(name.clone());
        }
    }
    let note = format!(
        "Os dados do BRM RPA Desk deste computador (banco de dados, faturas, cópias de \
         segurança e preferências) foram movidos em {} para:\r\n\r\n{}\r\n\r\nO perfil móvel \
         (Roaming) pode ficar numa pasta de rede, e o banco de dados não pode. Um serviço do \
         Windows instalado com --dados apontando para esta pasta precisa ser instalado de novo \
         com --dados \"{}\".\r\n",
        chrono::Local::now().format("%d/%m/%Y %H:%M"),
        new.display(),
        new.display()
    );
    let _ = std::fs::write(old.join(NOTE_FILE), note);
    Outcome::Moved {
        entries,
        left_behind,
    }
}

/// What went into the new folder so far.
#[derive(Default)]
struct Done {
    renamed: Vec<String>,
    copied: Vec<String>,
}

impl Done {
    /// Back as it was: renamed entries renamed back, copies removed (their originals are
    /// still in the old folder).
    fn undo(&self, old: &Path, new: &Path, rename: &dyn Fn(&Path, &Path) -> io::Result<()>) {
        for name in &self.renamed {
            if let Err(e) = rename(&new.join(name), &old.join(name)) {
                tracing::error!(entry = %name, error = %e, "could not move back after a failed move");
            }
        }
        for name in &self.copied {
            let _ = remove_tree(&new.join(name));
        }
    }
}

/// The old folder's entries to move, sorted.
fn entries_to_move(old: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(old)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !STAY.contains(&name.as_str()) && !NOT_DATA.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

fn remove_tree(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// An old folder as earlier versions left it.
    fn old_folder(root: &Path) -> PathBuf {
        let old = root.join("Roaming").join("br.com.brmsolutions.rpadesk");
        fs::create_dir_all(old.join("faturas/2026-01")).unwrap();
        fs::create_dir_all(old.join("backups")).unwrap();
        fs::write(old.join(DATABASE_FILE), "banco").unwrap();
        fs::write(old.join("brm-desk.sqlite3-wal"), "wal").unwrap();
        fs::write(old.join(CONFIG_FILE), "{}").unwrap();
        fs::write(old.join("preferencias.json"), "{}").unwrap();
        fs::write(old.join("faturas/2026-01/a.pdf"), "pdf").unwrap();
        fs::write(old.join("backups/copia.sqlite3"), "copia").unwrap();
        fs::write(old.join(".window-state.json"), "{}").unwrap();
        old
    }

    /// The local folder after earlier versions ran: only logs and WebView2's profile.
    fn new_folder(root: &Path) -> PathBuf {
        let new = root.join("Local").join("br.com.brmsolutions.rpadesk");
        fs::create_dir_all(new.join("logs")).unwrap();
        fs::create_dir_all(new.join("EBWebView")).unwrap();
        new
    }

    fn assert_complete(dir: &Path) {
        assert_eq!(
            fs::read_to_string(dir.join(DATABASE_FILE)).unwrap(),
            "banco"
        );
        assert_eq!(
            fs::read_to_string(dir.join("brm-desk.sqlite3-wal")).unwrap(),
            "wal"
        );
        assert_eq!(fs::read_to_string(dir.join(CONFIG_FILE)).unwrap(), "{}");
        assert!(dir.join("preferencias.json").exists());
        assert_eq!(
            fs::read_to_string(dir.join("faturas/2026-01/a.pdf")).unwrap(),
            "pdf"
        );
        assert_eq!(
            fs::read_to_string(dir.join("backups/copia.sqlite3")).unwrap(),
            "copia"
        );
    }

    #[test]
    fn nothing_to_move_without_an_old_folder_or_data_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        let new = new_folder(tmp.path());
        let old = tmp.path().join("Roaming/br.com.brmsolutions.rpadesk");
        assert!(matches!(
            move_machine_data(&old, &new),
            Outcome::NothingToMove
        ));
        // Only what never moves: still nothing to move, every start.
        fs::create_dir_all(old.join("logs")).unwrap();
        fs::write(old.join(".window-state.json"), "{}").unwrap();
        assert!(matches!(
            move_machine_data(&old, &new),
            Outcome::NothingToMove
        ));
        assert!(old.join(".window-state.json").exists());
        // Linux and macOS: one folder.
        assert!(matches!(
            move_machine_data(&new, &new),
            Outcome::NothingToMove
        ));
        assert_eq!(in_use(Some(old), Some(new.clone())), Some(new));
    }

    #[test]
    fn the_data_moves_once_and_a_note_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        assert_eq!(
            in_use(Some(old.clone()), Some(new.clone())),
            Some(old.clone())
        );
        let outcome = move_machine_data(&old, &new);
        let Outcome::Moved {
            entries,
            left_behind,
        } = &outcome
        else {
            panic!("{outcome:?}");
        };
        assert_eq!(entries.len(), 6, "{entries:?}");
        assert!(left_behind.is_empty());
        assert_complete(&new);
        assert!(new.join("logs").is_dir() && new.join("EBWebView").is_dir());
        // The old folder keeps only the window state and the note naming the new place.
        let mut left: Vec<_> = fs::read_dir(&old)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [".window-state.json", NOTE_FILE]);
        let note = fs::read_to_string(old.join(NOTE_FILE)).unwrap();
        assert!(note.contains(&new.display().to_string()), "{note}");
        assert!(outcome
            .describe(&old, &new)
            .starts_with("Dados deste computador movidos"));
        assert_eq!(
            in_use(Some(old.clone()), Some(new.clone())),
            Some(new.clone())
        );
        // The next start: nothing to move.
        assert!(matches!(
            move_machine_data(&old, &new),
            Outcome::NothingToMove
        ));
    }

    #[test]
    fn a_new_folder_with_data_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        fs::write(new.join(DATABASE_FILE), "novo").unwrap();
        let outcome = move_machine_data(&old, &new);
        assert!(matches!(outcome, Outcome::NewHasData), "{outcome:?}");
        assert!(outcome.describe(&old, &new).contains("deixada como está"));
        assert_complete(&old);
        assert!(!old.join(NOTE_FILE).exists());
        assert_eq!(fs::read_to_string(new.join(DATABASE_FILE)).unwrap(), "novo");
        assert!(!new.join("faturas").exists());
        assert_eq!(
            in_use(Some(old.clone()), Some(new.clone())),
            Some(new.clone())
        );
        // Nor any one of its entries, even when the database is not there.
        fs::remove_file(new.join(DATABASE_FILE)).unwrap();
        fs::create_dir(new.join("faturas")).unwrap();
        assert!(matches!(move_machine_data(&old, &new), Outcome::NewHasData));
        assert_complete(&old);
    }

    #[test]
    fn when_the_new_folder_cannot_be_made_the_old_one_stays_in_use() {
        let tmp = tempfile::tempdir().unwrap();
        let old = old_folder(tmp.path());
        // A file where the new folder's parent should be (fails even for root).
        fs::write(tmp.path().join("Local"), "").unwrap();
        let new = tmp.path().join("Local/br.com.brmsolutions.rpadesk");
        let outcome = move_machine_data(&old, &new);
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
        assert!(outcome.describe(&old, &new).contains("continua usando"));
        assert_complete(&old);
        assert!(!old.join(NOTE_FILE).exists());
        assert_eq!(in_use(Some(old.clone()), Some(new)), Some(old));
    }

    #[test]
    fn a_move_failing_halfway_puts_everything_back() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        // "faturas" is in use by another program: its rename is refused.
        let refuse = |from: &Path, to: &Path| {
            if from.starts_with(&old) && from.ends_with("faturas") {
                Err(io::Error::from(io::ErrorKind::PermissionDenied))
            } else {
                fs::rename(from, to)
            }
        };
        let outcome = move_with(&old, &new, &refuse);
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
        assert_complete(&old);
        let mut left: Vec<_> = fs::read_dir(&new)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["EBWebView", "logs"]);
        assert_eq!(in_use(Some(old.clone()), Some(new)), Some(old));
    }

    #[test]
    fn on_two_drives_the_data_is_copied_then_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        let other_drive = |_: &Path, _: &Path| Err(io::Error::from(io::ErrorKind::CrossesDevices));
        let outcome = move_with(&old, &new, &other_drive);
        assert!(matches!(&outcome, Outcome::Moved { left_behind, .. } if left_behind.is_empty()));
        assert_complete(&new);
        assert!(!old.join(DATABASE_FILE).exists() && !old.join("faturas").exists());
        assert!(old.join(NOTE_FILE).exists());
    }

    #[test]
    fn a_copy_failing_removes_what_it_copied() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        // The copy of "faturas" finds a file in its way (the disk full, in real life).
        let other_drive = |from: &Path, to: &Path| {
            if from.ends_with("faturas") {
                fs::write(to, "").unwrap();
            }
            Err(io::Error::from(io::ErrorKind::CrossesDevices))
        };
        let outcome = move_with(&old, &new, &other_drive);
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
        assert_complete(&old);
        assert!(!holds_data(&new));
        assert!(!new.join("backups").exists() && !new.join("faturas").exists());
    }

    #[test]
    fn the_folder_in_use() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (old_folder(tmp.path()), new_folder(tmp.path()));
        assert_eq!(in_use(Some(old.clone()), None), Some(old.clone()));
        assert_eq!(in_use(None, Some(new.clone())), Some(new.clone()));
        assert_eq!(in_use(None, None), None);
        // A first start: neither has data, the new one is used.
        let empty = tmp.path().join("vazia");
        assert_eq!(in_use(Some(empty), Some(new.clone())), Some(new.clone()));
        // Only the database choice (PostgreSQL) counts as data too.
        fs::write(new.join(CONFIG_FILE), "{}").unwrap();
        assert_eq!(in_use(Some(old), Some(new.clone())), Some(new));
    }
}
