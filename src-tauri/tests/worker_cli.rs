//! `brm-desk worker` as a process (issue 19, item 6): it never starts on a database it
//! would have to create (run under another account it would otherwise do nothing,
//! quietly, on a new empty one), nor without its robot identity, and it says where it
//! logs. Its start and SIGTERM stop with a real keyring are in tests/os_keyring.rs (the
//! keyring stage); what a clean stop does with the leases is shown in process by
//! crates/brm-worker/tests/clean_stop.rs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The worker with a private HOME and XDG folders under `home`.
fn worker(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_brm-desk"));
    c.arg("worker")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("USER", "servico-teste")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null());
    c
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn without_a_database_the_worker_refuses_and_creates_none() {
    let home = tempfile::tempdir().unwrap();
    let mut child = worker(home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A worker that started anyway (on a database of its own) would run until stopped.
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "the worker started without a database: {:?}",
                files_under(home.path())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Não há banco de dados em")
            && stderr.contains("usuário servico-teste")
            && stderr.contains("não cria um banco novo"),
        "{stderr}"
    );
    let made: Vec<String> = files_under(home.path())
        .into_iter()
        .filter(|f| f.contains("sqlite") || f.ends_with(".db"))
        .collect();
    assert!(made.is_empty(), "a database was created: {made:?}");
}

/// Without a keyring there is no robot identity: the worker stops at once, saying so,
/// instead of running a machine that could open no portal password.
#[test]
fn without_a_keyring_the_worker_refuses_naming_the_identity() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("brm.db");
    let url = format!("sqlite://{}", db.display());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(brm_store::connect(&url))
        .unwrap();
    // env_clear: no D-Bus session, so no Secret Service.
    let out = worker(home.path())
        .env("BRM_DATABASE_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("não tem identidade") && stderr.contains("chaveiro"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Registro do serviço em "));
}
