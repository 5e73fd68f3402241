//! A finished download's file: read it where the robot left it (a storage key, or a URL
//! for robots that answer one), check it is a PDF, and store it under our own key with
//! its SHA-256.

use brm_core::execution::ErrorClass;
use brm_core::invoice::{display_file_name, looks_like_pdf, storage_key, MAX_BYTES};
use brm_core::process::Process;
use brm_storage::{Bytes, InvoiceStorage, StorageError, StoredObject};

pub(crate) struct StoredInvoice {
    pub stored: StoredObject,
    pub file_name: String,
    /// The file itself, to read its amount and due date.
    pub bytes: Bytes,
}

pub(crate) type Failure = (ErrorClass, String);

pub(crate) async fn fetch_and_store(
    storage: &dyn InvoiceStorage,
    http: &reqwest::Client,
    file: &str,
    process: &Process,
) -> Result<StoredInvoice, Failure> {
    let bytes = if file.starts_with("http://") || file.starts_with("https://") {
        fetch_url(http, file).await?
    } else {
        storage.get(file).await.map_err(|e| from_storage(file, e))?
    };
    if bytes.len() > MAX_BYTES {
        return Err((
            ErrorClass::Negocio,
            format!(
                "O arquivo entregue pelo robô tem {} MB; o limite é {} MB.",
                bytes.len() / (1024 * 1024),
                MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    if !looks_like_pdf(&bytes) {
        return Err((
            ErrorClass::Negocio,
            format!("O arquivo entregue pelo robô ({file}) não é um PDF."),
        ));
    }
    let key = storage_key(process, &brm_storage::sha256_hex(&bytes));
    let stored = storage
        .put(&key, bytes.clone())
        .await
        .map_err(|e| from_storage(&key, e))?;
    Ok(StoredInvoice {
        stored,
        file_name: display_file_name(file),
        bytes,
    })
}

async fn fetch_url(http: &reqwest::Client, url: &str) -> Result<Bytes, Failure> {
    let transient = |m: String| (ErrorClass::Transitorio, m);
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| transient(format!("Não foi possível baixar a fatura do robô: {e}")))?;
    if !resp.status().is_success() {
        return Err(transient(format!(
            "O endereço da fatura respondeu {}.",
            resp.status().as_u16()
        )));
    }
    resp.bytes()
        .await
        .map_err(|e| transient(format!("A transferência da fatura foi interrompida: {e}")))
}

fn from_storage(key: &str, e: StorageError) -> Failure {
    match e {
        StorageError::NotFound(_) => (
            ErrorClass::Transitorio,
            format!("O robô informou o arquivo {key}, mas ele não está no armazenamento."),
        ),
        StorageError::InvalidKey(_) => (
            ErrorClass::Negocio,
            format!("O robô informou um nome de arquivo inválido: {key}."),
        ),
        other => (ErrorClass::Transitorio, other.to_string()),
    }
}
