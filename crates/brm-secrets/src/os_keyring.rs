//! [`KeyStore`] over the operating system's keyring, through the `keyring` crate:
//! Secret Service (GNOME Keyring, KWallet) over D-Bus on Linux, Credential Manager on
//! Windows, Keychain on macOS. Each secret is one entry with service = the app
//! identifier and user = the secret's name.
//!
//! On Linux a missing D-Bus session fails at once (`PlatformFailure`), except that with
//! an X11 `DISPLAY` and no `DBUS_SESSION_BUS_ADDRESS` libdbus first autolaunches a bus
//! (`dbus-launch`). A session with no default keyring fails at once too
//! (`NoStorageAccess`); a locked one makes the Secret Service show its unlock prompt and
//! the call waits for the person's answer (dismissed: `NoStorageAccess`).

use keyring::credential::CredentialPersistence;
use keyring::Entry;
use zeroize::Zeroize;

use crate::error::{KeyStoreError, KeyStoreErrorKind};
use crate::keystore::KeyStore;
use crate::SERVICE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    /// Entries under another service name: tests use a unique one per run.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The application's own entries, under [`SERVICE`].
    pub fn app() -> Self {
        Self::new(SERVICE)
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: &str) -> Result<Entry, KeyStoreError> {
        // keyring falls back to an in-memory mock on a platform it has no store for;
        // secrets there would vanish with the process, so that counts as no keyring.
        let persistence = keyring::default::default_credential_builder().persistence();
        if !matches!(persistence, CredentialPersistence::UntilDelete) {
            return Err(KeyStoreError::new(
                KeyStoreErrorKind::Unavailable,
                "no persistent credential store on this platform",
            ));
        }
        Entry::new(&self.service, name).map_err(|e| self.map_error("open", name, e))
    }

    fn map_error(&self, op: &str, name: &str, e: keyring::Error) -> KeyStoreError {
        let kind = match &e {
            keyring::Error::PlatformFailure(_) => KeyStoreErrorKind::Unavailable,
            keyring::Error::NoStorageAccess(_) => KeyStoreErrorKind::Locked,
            // Windows: ("password encoded as UTF-16", 2560 bytes) for the value.
            keyring::Error::TooLong(what, limit) => KeyStoreErrorKind::TooLong {
                max_chars: if what.contains("UTF-16") {
                    limit / 2
                } else {
                    *limit
                },
            },
            _ => KeyStoreErrorKind::Rejected,
        };
        let detail = e.to_string();
        if let keyring::Error::BadEncoding(mut bytes) = e {
            bytes.zeroize();
        }
        tracing::warn!(service = %self.service, secret = name, op, ?kind, %detail, "chaveiro do sistema falhou");
        KeyStoreError::new(kind, detail)
    }
}

impl KeyStore for OsKeyring {
    fn get(&self, name: &str) -> Result<Option<String>, KeyStoreError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map_error("get", name, e)),
        }
    }

    fn set(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        self.entry(name)?
            .set_password(value)
            .map_err(|e| self.map_error("set", name, e))
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.map_error("delete", name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What keyring 3 answers on Windows for a value over the Credential Manager's 2,560
    /// bytes (its `validate_attributes`): 1,280 characters, named in the message.
    #[test]
    fn windows_too_long_is_named_with_its_limit_in_characters() {
        let k = OsKeyring::new("teste");
        let e = k.map_error(
            "set",
            "robo-token",
            keyring::Error::TooLong("password encoded as UTF-16".into(), 2560),
        );
        assert_eq!(e.kind, KeyStoreErrorKind::TooLong { max_chars: 1280 });
        let e = k.map_error(
            "set",
            "robo-token",
            keyring::Error::TooLong("target".into(), 32767),
        );
        assert_eq!(e.kind, KeyStoreErrorKind::TooLong { max_chars: 32767 });
    }
}
