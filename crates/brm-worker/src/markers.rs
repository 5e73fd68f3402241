//! The invoice-folder marker (issue 19): on a shared database whose invoices are in a
//! folder, every robot machine writes a marker with a random text into the folder, at
//! `.brm-maquinas/<fingerprint>.txt`, and records the text in its row. A desktop that
//! finds that text in the folder it would save proves the machine reaches the same
//! folder; a folder only one computer has fails, naming the machine.
//!
//! The folder is the one an administrator is trying (`armazenamento.pasta_candidata`,
//! written by "Testar" on the storage screen) or else the one in use. Checked each cycle
//! (one setting read); written when the folder changed or every `reseal_every`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use brm_core::robot_machine::{marker_path, StorageMarker};
use brm_store::{Backend, StoreResult};
use chrono::{DateTime, Utc};

use crate::engine::Worker;

/// The folder an administrator is trying on the storage screen.
pub const SETTING_CANDIDATE_FOLDER: &str = "armazenamento.pasta_candidata";

/// How this machine sees a folder path (tests stand in for another computer's disk).
pub type FolderView = Arc<dyn Fn(&Path) -> PathBuf + Send + Sync>;

#[derive(Default)]
pub(crate) struct MarkerState {
    written: Option<(String, DateTime<Utc>)>,
    pub(crate) view: Option<FolderView>,
}

impl Worker {
    /// Makes this worker see every folder path through `view` (for tests: a second
    /// machine whose disk is not this one's).
    pub fn see_folders_through(&self, view: FolderView) {
        self.markers.lock().expect("markers").view = Some(view);
    }

    pub(crate) async fn keep_marker(&self) -> StoreResult<()> {
        if self.store.backend() != Backend::Postgres {
            return Ok(());
        }
        let candidate = self
            .store
            .get_setting(SETTING_CANDIDATE_FOLDER)
            .await?
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty());
        let Some(folder) =
            candidate.or_else(|| self.storage.local_root().map(|p| p.display().to_string()))
        else {
            return Ok(());
        };
        let now = self.clock.now();
        let view = {
            let m = self.markers.lock().expect("markers");
            if m.written
                .as_ref()
                .is_some_and(|(f, at)| *f == folder && now - *at < self.config.reseal_every)
            {
                return Ok(());
            }
            m.view.clone()
        };
        let Some(identity) = self.identity().await else {
            return Ok(());
        };
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let seen = match &view {
            Some(v) => v(Path::new(&folder)),
            None => PathBuf::from(&folder),
        };
        let file = marker_path(&seen, &identity.fingerprint());
        let text = format!(
            "Marcador do BRM RPA Desk: a máquina robô {} ({}) alcança esta pasta.\n{nonce}\n",
            self.config.machine_name,
            identity.fingerprint()
        );
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&file, text)
        })
        .await
        .map_err(|e| brm_store::StoreError::Corrupt(e.to_string()))?;
        let marker = match written {
            Ok(()) => StorageMarker {
                folder: folder.clone(),
                nonce: Some(nonce),
                error: None,
                at: now,
            },
            Err(e) => StorageMarker {
                folder: folder.clone(),
                nonce: None,
                error: Some(format!("não conseguiu gravar na pasta: {e}")),
                at: now,
            },
        };
        self.store
            .record_storage_marker(&identity.public_key(), &marker)
            .await?;
        self.markers.lock().expect("markers").written = Some((folder, now));
        Ok(())
    }
}
