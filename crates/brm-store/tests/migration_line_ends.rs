//! The migrations keep their bytes in a checkout that converts line ends.
//!
//! sqlx stores each applied migration's checksum (SHA-384 of the file's bytes) and refuses
//! to start when an applied file's checksum changed. A Windows checkout with Git's default
//! `core.autocrlf=true` once turned the SQL files' LF into CRLF: the binary built there
//! embedded other checksums, and a shared PostgreSQL migrated by a Linux build refused it
//! ("previously applied but has been modified"). The repository's `.gitattributes` keeps
//! LF for them; this test clones the committed HEAD with `core.autocrlf=true` (what that
//! Windows machine had) and compares the checksums of the cloned files, loaded the way sqlx
//! loads a folder, with the ones this build embedded. The shared-mode SQL (embedded with
//! include_str!, no sqlx checksum) is compared byte for byte.
//!
//! Negative control, so the test cannot pass vacuously: in the same clone, with the
//! attributes file taken away, Git does write CRLF, and those checksums differ; a copy
//! converted to CRLF by hand differs too.
//!
//! It reads the committed state (HEAD), not the working tree: a `.gitattributes` changed
//! but not committed is not what a clone gets. Needs `git`; without it, or outside a Git
//! checkout (a source archive), the test says so and passes, unless CI or
//! BRM_REQUIRE_GIT demands it.

use brm_store::postgres::shared::SHARED_SQL;
use sqlx::migrate::Migrator;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folders sqlx embeds (`sqlx::migrate!`), by the store's migrator.
fn embedded() -> [(&'static str, &'static Migrator); 2] {
    [
        ("migrations/sqlite", &brm_store::sqlite::MIGRATOR),
        ("migrations/postgres", &brm_store::postgres::MIGRATOR),
    ]
}

const SHARED_DIR: &str = "migrations/postgres-shared";

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("git {args:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The repository's top folder, or None (with a notice) when there is no Git checkout to
/// clone, unless the run demands one.
fn repository() -> Option<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match git(crate_dir, &["rev-parse", "--show-toplevel"]) {
        Ok(top) => Some(PathBuf::from(top)),
        Err(why) => {
            if std::env::var_os("CI").is_some() || std::env::var_os("BRM_REQUIRE_GIT").is_some() {
                panic!("the line-end test needs git and the repository: {why}");
            }
            eprintln!("migration line-end test skipped: no git checkout ({why})");
            None
        }
    }
}

/// version -> checksum, of the migrations sqlx finds in `dir`.
async fn checksums_of(dir: &Path) -> Vec<(i64, Vec<u8>)> {
    let migrator = Migrator::new(dir)
        .await
        .unwrap_or_else(|e| panic!("load the migrations of {}: {e}", dir.display()));
    migrator
        .iter()
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect()
}

fn checksums_embedded(migrator: &Migrator) -> Vec<(i64, Vec<u8>)> {
    migrator
        .iter()
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect()
}

/// Every .sql file under `dir`, with its bytes.
fn sql_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn has_crlf(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\r\n")
}

fn to_crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[tokio::test]
async fn migration_checksums_survive_a_crlf_checkout() {
    let Some(repo) = repository() else { return };
    let head = git(&repo, &["rev-parse", "HEAD"]).expect("HEAD");
    git(&repo, &["cat-file", "-e", "HEAD:.gitattributes"]).unwrap_or_else(|_| {
        panic!(
            "HEAD ({head}) has no .gitattributes: a checkout with core.autocrlf=true would \
             change the migrations' bytes (commit .gitattributes)"
        )
    });

    // A clone as that Windows machine made it: --no-local copies through Git's transport
    // (no hard links to this checkout's files), the conversion settings go into the
    // clone's own config, and the checkout is the commit under test.
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("clone");
    let out = Command::new("git")
        .args([
            "clone",
            "--quiet",
            "--no-local",
            "--no-checkout",
            "-c",
            "core.autocrlf=true",
            "-c",
            "core.eol=crlf",
        ])
        .arg(&repo)
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(
        out.status.success(),
        "git clone: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    git(&clone, &["checkout", "--quiet", "--detach", &head]).expect("checkout HEAD");
    assert_eq!(
        git(&clone, &["config", "core.autocrlf"]).unwrap(),
        "true",
        "the clone must convert line ends"
    );

    // The clone under the attributes: LF bytes, the embedded checksums.
    for (dir, migrator) in embedded() {
        let folder = clone.join(dir);
        for (path, bytes) in sql_files(&folder) {
            assert!(
                !has_crlf(&bytes),
                "{} came out with CRLF despite .gitattributes",
                path.display()
            );
        }
        let cloned = checksums_of(&folder).await;
        let built = checksums_embedded(migrator);
        assert_eq!(
            cloned.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            built.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            "{dir}: the clone of HEAD has other migrations than this build (build from HEAD)"
        );
        for ((version, theirs), (_, ours)) in cloned.iter().zip(&built) {
            assert_eq!(
                theirs, ours,
                "{dir}: migration {version} has another checksum in a core.autocrlf=true checkout"
            );
        }
        assert!(!built.is_empty(), "{dir}: no migrations embedded");
    }
    let shared = sql_files(&clone.join(SHARED_DIR));
    assert_eq!(
        shared.len(),
        SHARED_SQL.len(),
        "{SHARED_DIR}: files vs SHARED_SQL"
    );
    for ((path, bytes), (version, _, sql)) in shared.iter().zip(SHARED_SQL) {
        assert_eq!(
            bytes.as_slice(),
            sql.as_bytes(),
            "{SHARED_DIR} version {version}: {} differs from the embedded SQL in a \
             core.autocrlf=true checkout",
            path.display()
        );
    }

    // Negative control 1: the same clone without the attributes (gone from the index and
    // the working tree, where a checkout looks for them) and the migrations written again.
    // Git now converts them to CRLF, and sqlx would see other checksums: the rule, not
    // luck or a Git that ignores core.autocrlf, is what kept them equal above.
    git(&clone, &["rm", "--quiet", "--cached", ".gitattributes"]).unwrap();
    std::fs::remove_file(clone.join(".gitattributes")).unwrap();
    std::fs::remove_dir_all(clone.join("migrations")).unwrap();
    git(&clone, &["checkout", "HEAD", "--", "migrations"]).unwrap();
    for (dir, migrator) in embedded() {
        let folder = clone.join(dir);
        for (path, bytes) in sql_files(&folder) {
            assert!(
                has_crlf(&bytes),
                "negative control: without .gitattributes {} should have CRLF",
                path.display()
            );
        }
        let cloned = checksums_of(&folder).await;
        let built = checksums_embedded(migrator);
        assert_eq!(cloned.len(), built.len());
        for ((version, theirs), (_, ours)) in cloned.iter().zip(&built) {
            assert_ne!(
                theirs, ours,
                "negative control: {dir} migration {version} kept its checksum with CRLF"
            );
        }
    }
    for ((path, bytes), (_, _, sql)) in sql_files(&clone.join(SHARED_DIR)).iter().zip(SHARED_SQL) {
        assert_ne!(
            bytes.as_slice(),
            sql.as_bytes(),
            "negative control: {} unchanged without .gitattributes",
            path.display()
        );
    }

    // Negative control 2, without Git: each embedded migration converted to CRLF by hand
    // and loaded by sqlx from a folder has another checksum.
    for (dir, migrator) in embedded() {
        let folder = tmp.path().join("by-hand").join(dir);
        std::fs::create_dir_all(&folder).unwrap();
        for m in migrator.iter() {
            let name = format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_"));
            std::fs::write(folder.join(name), to_crlf(&m.sql)).unwrap();
        }
        let by_hand = checksums_of(&folder).await;
        let built = checksums_embedded(migrator);
        assert_eq!(
            by_hand.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            built.iter().map(|(v, _)| *v).collect::<Vec<_>>()
        );
        for ((version, theirs), (_, ours)) in by_hand.iter().zip(&built) {
            assert_ne!(
                theirs, ours,
                "negative control: {dir} migration {version} in CRLF kept its checksum"
            );
        }
        // And back to LF, the same bytes: the comparison itself is sound.
        for m in migrator.iter() {
            let lf = to_crlf(&m.sql).replace("\r\n", "\n");
            assert_eq!(lf.as_str(), &*m.sql, "{dir} {}", m.version);
        }
    }
}
