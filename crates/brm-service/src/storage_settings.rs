//! Where the invoices are kept (Configurações → Armazenamento das faturas,
//! administrators only): a folder on this computer (the setting `armazenamento.pasta`;
//! absent: `<app-data>/faturas`) or S3-compatible storage (the setting
//! `armazenamento.s3` `{endpoint, region, bucket, path_style}` with the keys in the
//! keyring entries `s3-chave-acesso` and `s3-chave-secreta`, write-only). The worker
//! opens the storage when the app starts (brm-worker `runtime::open_storage`), so a
//! change takes effect at the next start. Every change is audited, never a key.

use crate::db_settings::probe::ConnectionTest;
use crate::robot_settings::{check_secret, check_service_url, SettingsSaved};
use crate::secret_changes::{KeyChange, SettingsWrite};
use crate::Desk;
use brm_core::audit::diff;
use brm_core::error::Violations;
use brm_core::{Error, Result};
use brm_storage::{Bytes, InvoiceStorage, LocalFolder, S3Config, S3Storage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder of the invoices, when not the default (an absolute path).
pub const SETTING_STORAGE_FOLDER: &str = "armazenamento.pasta";
/// S3 storage (no keys); absent or null: the folder.
pub const SETTING_STORAGE_S3: &str = "armazenamento.s3";
/// Keyring entries of the S3 keys.
pub const S3_ACCESS_KEY: &str = "s3-chave-acesso";
pub const S3_SECRET_KEY: &str = "s3-chave-secreta";
/// The default folder's name inside the app-data folder.
pub const DEFAULT_FOLDER_NAME: &str = "faturas";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Pasta,
    S3,
}

/// What the screen shows: never a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageSettingsView {
    pub kind: StorageKind,
    /// The folder in use when `kind` is `pasta` (the default one when none was chosen).
    pub folder: String,
    pub default_folder: String,
    pub s3: S3View,
    /// Shared database with a folder: each approved robot machine and whether it reaches
    /// the folder (issue 19). Empty otherwise.
    pub machines: Vec<crate::storage_markers::MachineCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3View {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub path_style: bool,
    #[serde(default)]
    pub access_key_set: bool,
    #[serde(default)]
    pub secret_key_set: bool,
}

/// The form. Blank keys keep the stored ones.
#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct StorageSettingsInput {
    pub kind: String,
    pub folder: String,
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub path_style: bool,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
}

impl Default for StorageSettingsInput {
    fn default() -> Self {
        Self {
            kind: "pasta".into(),
            folder: String::new(),
            endpoint: String::new(),
            region: String::new(),
            bucket: String::new(),
            path_style: true,
            access_key: None,
            secret_key: None,
        }
    }
}

impl std::fmt::Debug for StorageSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSettingsInput")
            .field("kind", &self.kind)
            .field("folder", &self.folder)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .field("access_key", &self.access_key.as_ref().map(|_| "***"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The S3 part as stored in `armazenamento.s3` (what brm-worker reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct S3Stored {
    endpoint: String,
    #[serde(default = "default_region")]
    region: String,
    bucket: String,
    #[serde(default = "yes")]
    path_style: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn yes() -> bool {
    true
}

enum ValidStorage {
    /// `None`: the default folder.
    Folder(Option<PathBuf>),
    S3 {
        cfg: S3Stored,
        access_key: Option<String>,
        secret_key: Option<String>,
    },
}

/// What is stored now.
struct Current {
    folder: Option<String>,
    s3: Option<S3Stored>,
    /// Raw value of `armazenamento.s3` is there but unreadable.
    s3_broken: bool,
}

impl StorageSettingsInput {
    fn validate(&self) -> Result<ValidStorage> {
        let mut v = Violations::default();
        match self.kind.trim() {
            "pasta" => {
                let raw = self.folder.trim();
                if raw.is_empty() {
                    return Ok(ValidStorage::Folder(None));
                }
                let path = PathBuf::from(raw);
                if !path.is_absolute() {
                    v.add(
                        "folder",
                        "Informe o caminho completo da pasta (por exemplo /home/ana/faturas ou \
                         C:\\Faturas).",
                    );
                }
                v.into_result()?;
                Ok(ValidStorage::Folder(Some(path)))
            }
            "s3" => {
                let endpoint =
                    check_service_url(&mut v, "endpoint", &self.endpoint, "https://s3.beg.com.br");
                if endpoint.is_none() && self.endpoint.trim().is_empty() {
                    v.add(
                        "endpoint",
                        "Informe o endereço do servidor S3 (por exemplo https://s3.beg.com.br).",
                    );
                }
                let region = match self.region.trim() {
                    "" => default_region(),
                    r if r.len() <= 64
                        && r.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
                    {
                        r.to_string()
                    }
                    _ => {
                        v.add(
                            "region",
                            "Região inválida: use letras, números e hífens (por exemplo us-east-1).",
                        );
                        String::new()
                    }
                };
                let bucket = self.bucket.trim().to_string();
                if let Some(why) = bucket_problem(&bucket) {
                    v.add("bucket", why);
                }
                let access_key = check_secret(
                    &mut v,
                    "access_key",
                    self.access_key.as_deref(),
                    "A chave de acesso",
                );
                let secret_key = check_secret(
                    &mut v,
                    "secret_key",
                    self.secret_key.as_deref(),
                    "A chave secreta",
                );
                v.into_result()?;
                Ok(ValidStorage::S3 {
                    cfg: S3Stored {
                        endpoint: endpoint.unwrap_or_default(),
                        region,
                        bucket,
                        path_style: self.path_style,
                    },
                    access_key,
                    secret_key,
                })
            }
            _ => Err(Error::field(
                "kind",
                "Escolha onde guardar as faturas: uma pasta ou um armazenamento S3.",
            )),
        }
    }
}

/// S3 bucket naming: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
/// ending with a letter or digit.
fn bucket_problem(b: &str) -> Option<&'static str> {
    if b.is_empty() {
        return Some("Informe o nome do bucket.");
    }
    let ok_chars = b
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&b.len())
        || !ok_chars
        || !ends_ok(b.chars().next())
        || !ends_ok(b.chars().last())
    {
        return Some(
            "Nome de bucket inválido: de 3 a 63 letras minúsculas, números, pontos ou hífens, \
             começando e terminando com letra ou número.",
        );
    }
    None
}

/// Creates the folder if missing and writes, reads and removes a small file in it.
fn probe_folder(path: &Path) -> std::result::Result<(), String> {
    std::fs::create_dir_all(path)
        .map_err(|e| format!("Não foi possível criar a pasta {}: {e}.", path.display()))?;
    if !path.is_dir() {
        return Err(format!("{} não é uma pasta.", path.display()));
    }
    let probe = path.join(format!(".brm-teste-{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = std::fs::write(&probe, b"brm")
        .and_then(|_| std::fs::read(&probe))
        .map_err(|e| format!("Não foi possível gravar na pasta {}: {e}.", path.display()));
    let _ = std::fs::remove_file(&probe);
    match result {
        Ok(bytes) if bytes == b"brm" => Ok(()),
        Ok(_) => Err(format!(
            "A pasta {} não devolveu o que foi gravado nela.",
            path.display()
        )),
        Err(e) => Err(e),
    }
}

fn s3_config(cfg: &S3Stored, access_key: String, secret_key: String) -> S3Config {
    S3Config {
        allow_http: cfg.endpoint.starts_with("http://"),
        endpoint: cfg.endpoint.clone(),
        region: cfg.region.clone(),
        bucket: cfg.bucket.clone(),
        access_key,
        secret_key,
        path_style: cfg.path_style,
    }
}

/// Writes, reads back and deletes a probe object.
async fn probe_storage(storage: &dyn InvoiceStorage) -> ConnectionTest {
    let key = format!("brm-teste/{}.txt", uuid::Uuid::new_v4().simple());
    let body = Bytes::from_static(b"BRM RPA Desk: teste do armazenamento");
    let outcome = async {
        storage.put(&key, body.clone()).await?;
        let back = storage.get(&key).await?;
        storage.delete(&key).await?;
        Ok::<_, brm_storage::StorageError>(back == body)
    }
    .await;
    match outcome {
        Ok(true) => ConnectionTest::ok(format!(
            "Armazenamento funcionando: um arquivo de teste foi gravado, lido e apagado em {}.",
            storage.describe()
        )),
        Ok(false) => ConnectionTest::failed(format!(
            "O armazenamento ({}) devolveu um conteúdo diferente do gravado.",
            storage.describe()
        )),
        Err(e) => {
            let _ = storage.delete(&key).await;
            ConnectionTest::failed(format!(
                "Falha no armazenamento ({}): {e}",
                storage.describe()
            ))
        }
    }
}

impl Desk {
    pub async fn get_storage_settings(
        &self,
        token: &str,
        default_folder: &Path,
    ) -> Result<StorageSettingsView> {
        self.authorize_settings(token, "ver as configurações do armazenamento")?;
        self.storage_view(default_folder).await
    }

    async fn current_storage(&self) -> Result<Current> {
        let folder = self
            .store
            .get_setting(SETTING_STORAGE_FOLDER)
            .await?
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty());
        let raw = self
            .store
            .get_setting(SETTING_STORAGE_S3)
            .await?
            .filter(|v| !v.is_null());
        let s3 = raw
            .clone()
            .and_then(|v| serde_json::from_value::<S3Stored>(v).ok());
        Ok(Current {
            folder,
            s3_broken: raw.is_some() && s3.is_none(),
            s3,
        })
    }

    async fn storage_view(&self, default_folder: &Path) -> Result<StorageSettingsView> {
        let cur = self.current_storage().await?;
        let access = self.read_secret(S3_ACCESS_KEY).await?.is_some();
        let secret = self.read_secret(S3_SECRET_KEY).await?.is_some();
        let is_s3 = cur.s3.is_some() || cur.s3_broken;
        let folder_in_use = cur
            .folder
            .clone()
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| default_folder.to_path_buf());
        let machines = if is_s3 {
            Vec::new()
        } else {
            self.machine_checks(&folder_in_use).await?
        };
        let s3 = cur.s3.clone().unwrap_or(S3Stored {
            endpoint: String::new(),
            region: default_region(),
            bucket: String::new(),
            path_style: true,
        });
        Ok(StorageSettingsView {
            kind: if cur.s3.is_some() || cur.s3_broken {
                StorageKind::S3
            } else {
                StorageKind::Pasta
            },
            folder: cur
                .folder
                .unwrap_or_else(|| default_folder.display().to_string()),
            default_folder: default_folder.display().to_string(),
            s3: S3View {
                endpoint: s3.endpoint,
                region: s3.region,
                bucket: s3.bucket,
                path_style: s3.path_style,
                access_key_set: access,
                secret_key_set: secret,
            },
            machines,
        })
    }

    /// Validates (a folder is created if missing and must accept a file; S3 needs both
    /// keys, typed now or already in the keyring), then writes the keys to the keyring
    /// and the settings with one audit event per change, all or nothing.
    pub async fn save_storage_settings(
        &self,
        token: &str,
        default_folder: &Path,
        input: StorageSettingsInput,
    ) -> Result<SettingsSaved<StorageSettingsView>> {
        let user = self.authorize_settings(token, "alterar as configurações do armazenamento")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        let cur = self.current_storage().await?;
        let mut w = SettingsWrite::by(&user, self.clock.now());
        match valid {
            ValidStorage::Folder(folder) => {
                let path = folder
                    .clone()
                    .unwrap_or_else(|| default_folder.to_path_buf());
                let path_text = path.display().to_string();
                let probe = tokio::task::spawn_blocking(move || probe_folder(&path))
                    .await
                    .map_err(Error::internal)?;
                if let Err(why) = probe {
                    return Err(Error::field("folder", why));
                }
                // Shared database: every approved robot machine must reach this folder.
                let checked = folder
                    .clone()
                    .unwrap_or_else(|| default_folder.to_path_buf());
                let checks = self.machine_checks(&checked).await?;
                if let Some(why) = crate::storage_markers::folder_refusal(&checks) {
                    return Err(Error::field("folder", why));
                }
                let new_folder = folder.map(|p| p.display().to_string());
                if new_folder != cur.folder {
                    w.values.push((
                        SETTING_STORAGE_FOLDER.to_string(),
                        new_folder.clone().map_or(Value::Null, Value::String),
                    ));
                    w.audits.push(
                        w.event(format!("Pasta das faturas alterada para {path_text}"))
                            .change(
                                Some(json!({ SETTING_STORAGE_FOLDER: cur.folder })),
                                Some(json!({ SETTING_STORAGE_FOLDER: new_folder })),
                            ),
                    );
                }
                if cur.s3.is_some() || cur.s3_broken {
                    w.values.push((SETTING_STORAGE_S3.to_string(), Value::Null));
                    w.audits.push(
                        w.event(format!(
                            "Armazenamento das faturas: passa do S3 para a pasta {path_text}"
                        ))
                        .change(
                            Some(json!({ SETTING_STORAGE_S3: cur.s3 })),
                            Some(json!({ SETTING_STORAGE_S3: null })),
                        ),
                    );
                }
            }
            ValidStorage::S3 {
                cfg,
                access_key,
                secret_key,
            } => {
                let stored_access = self.read_secret(S3_ACCESS_KEY).await?;
                let stored_secret = self.read_secret(S3_SECRET_KEY).await?;
                let mut v = Violations::default();
                if access_key.is_none() && stored_access.is_none() {
                    v.add(
                        "access_key",
                        "Informe a chave de acesso: ainda não há uma guardada no chaveiro do sistema.",
                    );
                }
                if secret_key.is_none() && stored_secret.is_none() {
                    v.add(
                        "secret_key",
                        "Informe a chave secreta: ainda não há uma guardada no chaveiro do sistema.",
                    );
                }
                v.into_result()?;
                let final_access = access_key
                    .clone()
                    .or(stored_access.clone())
                    .unwrap_or_default();
                let final_secret = secret_key
                    .clone()
                    .or(stored_secret.clone())
                    .unwrap_or_default();
                if let Err(e) = S3Storage::new(s3_config(&cfg, final_access, final_secret)) {
                    return Err(Error::field("endpoint", e.to_string()));
                }
                if cur.s3.as_ref() != Some(&cfg) {
                    let before = cur.s3.as_ref().map_or(Value::Null, |s| json!(s));
                    let after = json!(cfg);
                    let (b, a) = if before.is_null() {
                        (Value::Null, after.clone())
                    } else {
                        diff(&before, &after)
                    };
                    w.values.push((SETTING_STORAGE_S3.to_string(), after));
                    let detail = if cur.s3.is_none() {
                        format!(
                            "Armazenamento das faturas: passa para o S3 (bucket {} em {})",
                            cfg.bucket, cfg.endpoint
                        )
                    } else {
                        format!(
                            "Armazenamento S3 alterado (bucket {} em {})",
                            cfg.bucket, cfg.endpoint
                        )
                    };
                    w.audits.push(w.event(detail).change(
                        Some(json!({ SETTING_STORAGE_S3: b })),
                        Some(json!({ SETTING_STORAGE_S3: a })),
                    ));
                }
                for (name, field, label, new, old) in [
                    (
                        S3_ACCESS_KEY,
                        "chave_acesso",
                        "Chave de acesso do S3",
                        access_key,
                        stored_access,
                    ),
                    (
                        S3_SECRET_KEY,
                        "chave_secreta",
                        "Chave secreta do S3",
                        secret_key,
                        stored_secret,
                    ),
                ] {
                    let Some(new) = new else { continue };
                    if old.as_deref() == Some(new.as_str()) {
                        continue;
                    }
                    let (b, verb) = if old.is_some() {
                        ("(definida)", "alterada")
                    } else {
                        ("(não definida)", "definida")
                    };
                    w.keys.push(KeyChange {
                        name,
                        value: Some(new),
                    });
                    w.audits.push(w.event(format!("{label} {verb}")).change(
                        Some(json!({ field: b })),
                        Some(json!({ field: "(alterada)" })),
                    ));
                }
            }
        }
        let changed = self.save_settings_write(w).await?;
        if changed {
            tracing::info!(user = %user.id, "storage settings saved");
        }
        Ok(SettingsSaved::new(
            self.storage_view(default_folder).await?,
            changed,
        ))
    }

    /// "Testar": opens the storage the form describes (blank keys: the stored ones) and
    /// writes, reads and deletes a probe object. Saves nothing (a missing folder is
    /// created).
    pub async fn test_storage(
        &self,
        token: &str,
        default_folder: &Path,
        input: StorageSettingsInput,
    ) -> Result<ConnectionTest> {
        let user = self.authorize_settings(token, "testar o armazenamento")?;
        let mut machines = None;
        let storage: Arc<dyn InvoiceStorage> = match input.validate()? {
            ValidStorage::Folder(folder) => {
                let path = folder.unwrap_or_else(|| default_folder.to_path_buf());
                if self.folder_check_applies() {
                    machines = Some(self.try_folder_on_machines(&user, &path).await?);
                }
                match LocalFolder::new(path) {
                    Ok(f) => Arc::new(f),
                    Err(e) => return Ok(ConnectionTest::failed(e.to_string())),
                }
            }
            ValidStorage::S3 {
                cfg,
                access_key,
                secret_key,
            } => {
                let access = match access_key {
                    Some(k) => Some(k),
                    None => self.read_secret(S3_ACCESS_KEY).await?,
                };
                let secret = match secret_key {
                    Some(k) => Some(k),
                    None => self.read_secret(S3_SECRET_KEY).await?,
                };
                let (Some(access), Some(secret)) = (access, secret) else {
                    return Ok(ConnectionTest::failed(
                        "Informe a chave de acesso e a chave secreta do S3 para testar.",
                    ));
                };
                match S3Storage::new(s3_config(&cfg, access, secret)) {
                    Ok(s) => Arc::new(s),
                    Err(e) => return Ok(ConnectionTest::failed(e.to_string())),
                }
            }
        };
        let mut result = probe_storage(&*storage).await;
        tracing::info!(storage = %storage.describe(), ok = result.ok, "storage tested");
        if let (true, Some(checks)) = (result.ok, machines) {
            match crate::storage_markers::folder_refusal(&checks) {
                Some(why) => {
                    result = ConnectionTest::failed(format!(
                        "{} As máquinas robô gravam o marcador no próximo ciclo: teste de novo \
                         em alguns segundos.",
                        why
                    ))
                }
                None if !checks.is_empty() => {
                    result.message = format!(
                        "{} Todas as máquinas robô aprovadas alcançam esta pasta.",
                        result.message
                    )
                }
                None => {}
            }
        }
        Ok(result)
    }
}
