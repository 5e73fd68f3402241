//! With no D-Bus session to reach, the real OS keyring fails at once (no hang) and saving
//! a password reports the pt-BR message. Its own test binary, because it changes the
//! process environment.
#![cfg(target_os = "linux")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use brm_secrets::{KeyStore, KeyStoreErrorKind, OsKeyring, SecretBox, SERVICE};

#[test]
fn no_session_bus_fails_fast_with_the_portuguese_message() {
    // Set before any D-Bus connection is attempted in this process; without DISPLAY,
    // libdbus cannot autolaunch a bus either.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/brm-secrets-sem-barramento",
    );
    std::env::remove_var("DISPLAY");

    let keyring = OsKeyring::new(format!("{SERVICE}.teste.sem-barramento"));
    let started = Instant::now();
    let err = keyring.set("senha", "valor").unwrap_err();
    assert_eq!(err.kind, KeyStoreErrorKind::Unavailable, "{err}");
    assert!(keyring.get("senha").is_err());

    let err = SecretBox::new(Arc::new(keyring)).seal("valor").unwrap_err();
    assert_eq!(
        err.message,
        "O cofre de senhas do sistema (chaveiro) não está disponível; a senha não foi salva. \
         Desbloqueie o chaveiro da sua sessão e tente de novo."
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
