//! A folder on this machine.

use std::path::{Path, PathBuf};

use object_store::local::LocalFileSystem;

use crate::error_map::ErrorContext;
use crate::object_backend::ObjectBackend;
use crate::{Bytes, InvoiceStorage, StorageError, StoredObject};

/// Invoices as files under a root folder; key `faturas/2026-11/abc.pdf` is the file
/// `<root>/faturas/2026-11/abc.pdf`.
///
/// Writes are atomic: `object_store` writes to a temporary file beside the target
/// (`abc.pdf#1`) and renames it into place, so a reader sees the old file or the new one,
/// never half of one. Written files and their folders are fsynced before `put` returns.
pub struct LocalFolder {
    root: PathBuf,
    backend: ObjectBackend,
}

impl std::fmt::Debug for LocalFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalFolder")
            .field("root", &self.root)
            .finish()
    }
}

impl LocalFolder {
    /// Uses `root` as the storage folder, creating it (and its parents) when missing.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root: PathBuf = root.into();
        if root.as_os_str().is_empty() {
            return Err(StorageError::Other(
                "A pasta das faturas não foi informada.".to_string(),
            ));
        }
        let root = std::path::absolute(&root).unwrap_or(root);
        let describe = format!("pasta {}", root.display());
        std::fs::create_dir_all(&root).map_err(|e| {
            let msg = format!(
                "Não foi possível criar a pasta das faturas {}: {e}.",
                root.display()
            );
            match e.kind() {
                std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::ReadOnlyFilesystem
                | std::io::ErrorKind::StorageFull => StorageError::Unavailable(msg),
                _ => StorageError::Other(msg),
            }
        })?;
        if !root.is_dir() {
            return Err(StorageError::Other(format!(
                "{} não é uma pasta.",
                root.display()
            )));
        }
        let store = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| {
                StorageError::Other(format!(
                    "Não foi possível usar a pasta das faturas {}: {e}.",
                    root.display()
                ))
            })?
            .with_fsync(true);
        let ctx = ErrorContext {
            describe,
            secrets: Vec::new(),
            bucket: None,
        };
        Ok(Self {
            root,
            backend: ObjectBackend::new(Box::new(store), ctx),
        })
    }

    /// The storage folder (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait::async_trait]
impl InvoiceStorage for LocalFolder {
    fn describe(&self) -> String {
        self.backend.describe().to_string()
    }

    fn local_root(&self) -> Option<&Path> {
        Some(&self.root)
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<StoredObject, StorageError> {
        self.backend.put(key, bytes).await
    }

    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        self.backend.get(key).await
    }

    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        self.backend.head(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.backend.delete(key).await
    }
}
