//! `brm-desk worker` with the real OS keyring (issue 19): run by the keyring stage under
//! scripts/with-keyring.sh (a throw-away, unlocked GNOME Keyring in a private D-Bus
//! session). The worker makes its robot identity in that keyring on first start, prints
//! the fingerprint an administrator compares, registers itself (approved: the embedded
//! default), and SIGTERM (systemd's stop) ends it cleanly with exit code 0. Outside that
//! session the test prints a notice and passes, unless BRM_REQUIRE_KEYRING is set.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_worker_makes_its_identity_and_stops_cleanly_on_sigterm() {
    if std::env::var_os("BRM_KEYRING_SESSION").is_none() {
        assert!(
            std::env::var_os("BRM_REQUIRE_KEYRING").is_none(),
            "BRM_REQUIRE_KEYRING: rode sob scripts/with-keyring.sh"
        );
        eprintln!("sem chaveiro de teste (fora de scripts/with-keyring.sh): teste pulado");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // A database the desktop would have made.
    let db = home.path().join("brm.db");
    let url = format!("sqlite://{}", db.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(brm_store::connect(&url)).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_brm-desk"));
    c.arg("worker")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("USER", "servico-teste")
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("BRM_DATABASE_URL", &url)
        .env("BRM_MACHINE_NAME", "robo-do-teste")
        .stdin(Stdio::null());
    // The keyring's session, and nothing else of this environment.
    for var in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let started = Instant::now();
    loop {
        let Some(line) = lines.next() else {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("the worker ended before it started: {seen:?}\n{err}");
        };
        let line = line.unwrap();
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
    // The machine as registered, with the fingerprint the screen shows.
    let machines = rt.block_on(store.robot_machines()).unwrap();
    assert_eq!(machines.len(), 1, "{machines:?}");
    let m = &machines[0];
    assert_eq!(m.name, "robo-do-teste");
    assert_eq!(m.status, brm_core::robot_machine::MachineStatus::Aprovada);
    let printed = brm_core::robot_machine::grouped(&m.fingerprint);
    assert!(
        seen.iter()
            .any(|l| l.contains(&printed) && l.contains("robo-do-teste")),
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
    // The private key went to the keyring, nowhere under the data folders or the log.
    for file in walk(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("AGE-SECRET-KEY"),
            "private key in {}",
            file.display()
        );
    }
    // Leave the shared test keyring as found.
    let keys = brm_secrets::OsKeyring::app();
    brm_secrets::KeyStore::delete(&keys, brm_secrets::ROBOT_IDENTITY).unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
