//! The real OS keyring: on Linux the Secret Service of the D-Bus session. Run under
//! `scripts/with-keyring.sh`, which provides a throw-away, unlocked GNOME Keyring and
//! sets `BRM_KEYRING_SESSION=1`. Outside it (so never in a person's own keyring, which
//! might also pop up an unlock prompt), or with no keyring answering, these tests print
//! a notice and pass, unless `BRM_REQUIRE_KEYRING` is set (CI): then they fail.
//!
//! Every test files its entries under a service name of its own, unique per run, and
//! removes them at the end, so runs never collide or leave anything behind.

use std::io::Write;
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use brm_secrets::{KeyStore, OsKeyring, SecretBox, DATA_KEY, SERVICE};

/// A locked keyring shows an unlock prompt that nobody answers here; past this, treat
/// the keyring as unreachable instead of hanging the run.
const PROBE_LIMIT: Duration = Duration::from_secs(30);

fn unique_service(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{SERVICE}.teste.{test}.{}.{nanos}", std::process::id())
}

/// The keyring under `service` when it stores and deletes a probe entry in time.
fn reachable_keyring(service: String) -> Option<OsKeyring> {
    if std::env::var_os("BRM_KEYRING_SESSION").is_none() {
        return skip_or_fail("fora de scripts/with-keyring.sh");
    }
    let keyring = OsKeyring::new(service);
    let probe = keyring.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = probe
            .set("sonda", "sonda")
            .and_then(|()| probe.delete("sonda"));
        let _ = tx.send(outcome);
    });
    let why = match rx.recv_timeout(PROBE_LIMIT) {
        Ok(Ok(())) => return Some(keyring),
        Ok(Err(e)) => format!("{e}"),
        Err(_) => format!("sem resposta em {} s", PROBE_LIMIT.as_secs()),
    };
    skip_or_fail(&format!("chaveiro do sistema indisponível: {why}"))
}

fn skip_or_fail(why: &str) -> Option<OsKeyring> {
    if std::env::var_os("BRM_REQUIRE_KEYRING").is_some() {
        panic!(
            "BRM_REQUIRE_KEYRING está definida, mas não há chaveiro de teste ({why}). \
             Rode sob scripts/with-keyring.sh."
        );
    }
    // Straight to stderr, past the test harness's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "IGNORADO: teste do chaveiro do sistema ({why}); rode sob scripts/with-keyring.sh."
    );
    None
}

/// Deletes the named entries even when the test fails halfway.
struct Cleanup<'a>(&'a OsKeyring, &'a [&'a str]);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for name in self.1 {
            let _ = self.0.delete(name);
        }
    }
}

#[test]
fn set_get_delete_round_trip() {
    let Some(keyring) = reachable_keyring(unique_service("ida-e-volta")) else {
        return;
    };
    let names = ["senha-a", "senha-b"];
    let _cleanup = Cleanup(&keyring, &names);

    assert_eq!(keyring.get("senha-a").unwrap(), None);
    keyring.set("senha-a", "primeira").unwrap();
    keyring.set("senha-a", "segunda çãõ €").unwrap();
    keyring.set("senha-b", "outra").unwrap();
    assert_eq!(
        keyring.get("senha-a").unwrap().as_deref(),
        Some("segunda çãõ €")
    );
    // Another handle on the same service sees the same entries: they live in the store.
    let again = OsKeyring::new(keyring.service());
    assert_eq!(again.get("senha-b").unwrap().as_deref(), Some("outra"));

    keyring.delete("senha-a").unwrap();
    assert_eq!(keyring.get("senha-a").unwrap(), None);
    keyring.delete("senha-a").unwrap();
    assert_eq!(keyring.get("senha-b").unwrap().as_deref(), Some("outra"));
}

#[test]
fn secret_box_keeps_its_data_key_in_the_keyring() {
    let Some(keyring) = reachable_keyring(unique_service("cofre")) else {
        return;
    };
    let names = [DATA_KEY];
    let _cleanup = Cleanup(&keyring, &names);

    let first = SecretBox::new(Arc::new(keyring.clone()));
    let sealed = first.seal_for("cliente-7", "senha do portal").unwrap();
    assert!(!sealed.contains("senha do portal"));
    let key = keyring
        .get(DATA_KEY)
        .unwrap()
        .expect("chave criada no chaveiro");
    first.seal("mais uma").unwrap();
    assert_eq!(
        keyring.get(DATA_KEY).unwrap().as_deref(),
        Some(key.as_str())
    );

    // A new box, as after a restart, loads the same key from the keyring.
    let later = SecretBox::new(Arc::new(OsKeyring::new(keyring.service())));
    assert_eq!(
        later.open_for("cliente-7", &sealed).unwrap(),
        "senha do portal"
    );
    assert!(later.open_for("cliente-8", &sealed).is_err());
}
