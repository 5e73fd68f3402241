//! `brm-desk worker` as a process (issue 19, item 6): it never starts on a database it
//! would have to create (run under another account it would otherwise do nothing,
//! quietly, on a new empty one), it says where it logs, and SIGTERM (systemd's stop) ends
//! it cleanly with exit code 0. What a clean stop does with the leases is shown in
//! process by crates/brm-worker/tests/clean_stop.rs.

use std::io::{BufRead, BufReader};
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

#[cfg(unix)]
#[test]
fn sigterm_ends_the_worker_cleanly() {
    let home = tempfile::tempdir().unwrap();
    // A database the desktop would have made.
    let db = home.path().join("brm.db");
    let url = format!("sqlite://{}", db.display());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(brm_store::connect(&url))
        .unwrap();
    let mut child = worker(home.path())
        .env("BRM_DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let started = Instant::now();
    loop {
        let line = lines
            .next()
            .expect("the worker ended before it started")
            .unwrap();
        seen.push(line.clone());
        if line.contains("em execução") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{seen:?}");
    }
    assert!(
        seen.iter()
            .any(|l| l.starts_with("Registro do serviço em ") && l.contains("logs")),
        "{seen:?}"
    );
    // SAFETY: kill only sends a signal to the child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let stopping = Instant::now();
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("Encerrando")), "{rest:?}");
    assert!(stopping.elapsed() < Duration::from_secs(20));
}
