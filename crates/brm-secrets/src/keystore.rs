//! The named-secret store the rest of the app talks to, and an in-memory one for tests.
//!
//! Names are short fixed strings (see the constants in the crate root); values are
//! text. The real implementation is [`crate::OsKeyring`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use zeroize::Zeroizing;

use crate::error::{KeyStoreError, KeyStoreErrorKind};

/// A place that keeps named secrets outside the database (the OS keyring).
///
/// Calls may block (the OS store can show an unlock prompt): from async code call them
/// on a blocking thread (`tokio::task::spawn_blocking`).
pub trait KeyStore: Send + Sync {
    /// The secret under `name`, or `None` when there is none.
    fn get(&self, name: &str) -> Result<Option<String>, KeyStoreError>;
    /// Creates or replaces the secret under `name`.
    fn set(&self, name: &str, value: &str) -> Result<(), KeyStoreError>;
    /// Removes the secret under `name`; removing one that is not there is not an error.
    fn delete(&self, name: &str) -> Result<(), KeyStoreError>;
}

/// A `KeyStore` in process memory, for unit tests. It can be made to fail like a
/// missing or locked keyring ([`MemoryKeyStore::fail_with`]) to test the error path.
#[derive(Default)]
pub struct MemoryKeyStore {
    values: Mutex<HashMap<String, Zeroizing<String>>>,
    failure: Mutex<Option<KeyStoreErrorKind>>,
    writes: AtomicUsize,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that fails every call as if no keyring were reachable.
    pub fn unavailable() -> Self {
        let store = Self::new();
        store.fail_with(Some(KeyStoreErrorKind::Unavailable));
        store
    }

    /// From now on every call fails with `kind` (`None`: works again).
    pub fn fail_with(&self, kind: Option<KeyStoreErrorKind>) {
        *lock(&self.failure) = kind;
    }

    /// How many successful `set` calls there were.
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// How many secrets it holds, whatever its failure mode.
    pub fn len(&self) -> usize {
        lock(&self.values).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> Result<(), KeyStoreError> {
        match *lock(&self.failure) {
            Some(kind) => Err(KeyStoreError::new(kind, "falha simulada")),
            None => Ok(()),
        }
    }
}

impl KeyStore for MemoryKeyStore {
    fn get(&self, name: &str) -> Result<Option<String>, KeyStoreError> {
        self.check()?;
        Ok(lock(&self.values).get(name).map(|v| v.to_string()))
    }

    fn set(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        self.check()?;
        lock(&self.values).insert(name.to_string(), Zeroizing::new(value.to_string()));
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        self.check()?;
        lock(&self.values).remove(name);
        Ok(())
    }
}

/// Names only: the values are secrets.
impl std::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<String> = lock(&self.values).keys().cloned().collect();
        names.sort();
        f.debug_struct("MemoryKeyStore")
            .field("names", &names)
            .field("failure", &*lock(&self.failure))
            .finish()
    }
}

/// A panic while holding the lock cannot leave a map half-written, so poisoning is moot.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_delete() {
        let s = MemoryKeyStore::new();
        assert_eq!(s.get("a").unwrap(), None);
        s.set("a", "1").unwrap();
        s.set("a", "2").unwrap();
        assert_eq!(s.get("a").unwrap().as_deref(), Some("2"));
        s.delete("a").unwrap();
        s.delete("a").unwrap();
        assert_eq!(s.get("a").unwrap(), None);
        assert_eq!(s.writes(), 2);
    }

    #[test]
    fn failure_mode_and_debug_without_values() {
        let s = MemoryKeyStore::new();
        s.set("nome", "valor-secreto").unwrap();
        assert!(!format!("{s:?}").contains("valor-secreto"));
        s.fail_with(Some(KeyStoreErrorKind::Locked));
        assert_eq!(s.get("nome").unwrap_err().kind, KeyStoreErrorKind::Locked);
        assert!(s.set("x", "y").is_err());
        s.fail_with(None);
        assert_eq!(s.len(), 1);
    }
}
