//! The part shared by every backend: key checks, hashing and error mapping around an
//! `object_store` store.

use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error_map::{ErrorContext, Op};
use crate::{object_path, sha256_hex, Bytes, StorageError, StoredObject};

pub(crate) struct ObjectBackend {
    store: Box<dyn ObjectStore>,
    ctx: ErrorContext,
}

impl ObjectBackend {
    pub fn new(store: Box<dyn ObjectStore>, ctx: ErrorContext) -> Self {
        Self { store, ctx }
    }

    pub fn describe(&self) -> &str {
        &self.ctx.describe
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<StoredObject, StorageError> {
        let path = object_path(key)?;
        let size = bytes.len() as u64;
        let sha256 = sha256_hex(&bytes);
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| self.ctx.map(Op::Put, key, e))?;
        Ok(StoredObject {
            key: key.to_string(),
            size,
            sha256,
        })
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = object_path(key)?;
        let result = self
            .store
            .get(&path)
            .await
            .map_err(|e| self.ctx.map(Op::Get, key, e))?;
        result
            .bytes()
            .await
            .map_err(|e| self.ctx.map(Op::Get, key, e))
    }

    pub async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let path = object_path(key)?;
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.ctx.map(Op::Head, key, e)),
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = object_path(key)?;
        match self.store.delete(&path).await {
            Ok(()) => Ok(()),
            Err(e) => match self.ctx.map(Op::Delete, key, e) {
                StorageError::NotFound(_) => Ok(()),
                other => Err(other),
            },
        }
    }
}
