//! S3-compatible object storage (MinIO in production).

use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use crate::error_map::ErrorContext;
use crate::object_backend::ObjectBackend;
use crate::{Bytes, InvoiceStorage, StorageError, StoredObject};

/// Time allowed to open a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Retries after a failed request (connection errors, timeouts, 5xx).
pub const MAX_RETRIES: usize = 2;
/// No new retry starts once this much time has passed since the first attempt.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection settings for an S3-compatible server.
#[derive(Clone)]
pub struct S3Config {
    /// Base address of the server, e.g. `http://127.0.0.1:9000` (without the bucket, in
    /// both addressing styles).
    pub endpoint: String,
    /// Region used to sign requests; empty means `us-east-1` (what MinIO expects by default).
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// Accept an `http://` endpoint (MinIO on the local network); otherwise only `https://`.
    pub allow_http: bool,
    /// Path-style addressing (`endpoint/bucket/key`, MinIO's default). When false,
    /// virtual-hosted style is used (`bucket.endpoint/key`).
    pub path_style: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &redact_url(&self.endpoint))
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &"***")
            .field("secret_key", &"***")
            .field("allow_http", &self.allow_http)
            .field("path_style", &self.path_style)
            .finish()
    }
}

/// Invoices as objects in one S3 bucket; the key is the object name.
///
/// Requests have a 5 s connect timeout, a 60 s request timeout and at most 2 retries
/// (none started after 10 s), so an unreachable server fails within about 15 s with
/// [`StorageError::Unavailable`].
pub struct S3Storage {
    backend: ObjectBackend,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("describe", &self.backend.describe())
            .finish()
    }
}

impl S3Storage {
    /// Checks the settings and prepares the client. Makes no request: an unreachable
    /// server or a missing bucket shows up on the first operation.
    pub fn new(cfg: S3Config) -> Result<Self, StorageError> {
        let endpoint = cfg.endpoint.trim().trim_end_matches('/').to_string();
        let bucket = cfg.bucket.trim().to_string();
        let region = match cfg.region.trim() {
            "" => "us-east-1".to_string(),
            r => r.to_string(),
        };
        let config_error = |msg: String| StorageError::Other(msg);
        if endpoint.is_empty() {
            return Err(config_error(
                "Informe o endereço do servidor S3 (por exemplo http://127.0.0.1:9000)."
                    .to_string(),
            ));
        }
        let url = url::Url::parse(&endpoint).map_err(|e| {
            config_error(format!(
                "O endereço do servidor S3 {} é inválido: {e}.",
                redact_url(&endpoint)
            ))
        })?;
        match url.scheme() {
            "https" => {}
            "http" if cfg.allow_http => {}
            "http" => {
                return Err(config_error(format!(
                    "O endereço do servidor S3 {} usa http sem criptografia; permita http nas \
                     configurações ou use https.",
                    redact_url(&endpoint)
                )))
            }
            other => {
                return Err(config_error(format!(
                    "O endereço do servidor S3 deve começar com http:// ou https:// \
                     (veio {other}://)."
                )))
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(config_error(format!(
                "O endereço do servidor S3 {} não tem o nome do servidor.",
                redact_url(&endpoint)
            )));
        }
        if bucket.is_empty() {
            return Err(config_error("Informe o nome do bucket S3.".to_string()));
        }
        if cfg.access_key.is_empty() || cfg.secret_key.is_empty() {
            // Without both keys object_store would look for credentials elsewhere (the
            // environment, a cloud metadata service): never what we want here.
            return Err(config_error(
                "Informe a chave de acesso e a chave secreta do S3.".to_string(),
            ));
        }

        let describe = format!("S3 bucket {bucket} em {}", redact_url(&endpoint));
        let mut secrets = vec![cfg.secret_key.clone(), cfg.access_key.clone()];
        if let Some(password) = url.password() {
            secrets.push(password.to_string());
        }

        let bucket_endpoint = if cfg.path_style {
            endpoint.clone()
        } else {
            virtual_hosted_endpoint(&url, &bucket)
        };
        let client_options = ClientOptions::new()
            .with_allow_http(cfg.allow_http)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT);
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIMEOUT,
        };
        let ctx = ErrorContext {
            describe,
            secrets,
            bucket: Some(bucket.clone()),
        };
        let store = AmazonS3Builder::new()
            .with_endpoint(bucket_endpoint)
            .with_region(region)
            .with_bucket_name(bucket)
            .with_access_key_id(cfg.access_key)
            .with_secret_access_key(cfg.secret_key)
            .with_allow_http(cfg.allow_http)
            .with_virtual_hosted_style_request(!cfg.path_style)
            .with_client_options(client_options)
            .with_retry(retry)
            .build()
            .map_err(|e| {
                config_error(format!(
                    "Configuração S3 inválida: {}",
                    ctx.scrub(&e.to_string())
                ))
            })?;
        Ok(Self {
            backend: ObjectBackend::new(Box::new(store), ctx),
        })
    }
}

#[async_trait::async_trait]
impl InvoiceStorage for S3Storage {
    fn describe(&self) -> String {
        self.backend.describe().to_string()
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

/// `endpoint` with any user name or password in it removed (for messages and `Debug`).
fn redact_url(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str().trim_end_matches('/').to_string()
        }
        Ok(_) => endpoint.to_string(),
        // Not a URL: it may still embed credentials; show only what is after an '@'.
        Err(_) => match endpoint.rsplit_once('@') {
            Some((_, host)) => host.to_string(),
            None => endpoint.to_string(),
        },
    }
}

/// The virtual-hosted endpoint `scheme://bucket.host[:port][/path]` that object_store
/// expects, unless the host already starts with the bucket name.
fn virtual_hosted_endpoint(url: &url::Url, bucket: &str) -> String {
    let host = url.host_str().unwrap_or_default();
    let mut url = url.clone();
    if !host.starts_with(&format!("{bucket}.")) {
        let _ = url.set_host(Some(&format!("{bucket}.{host}")));
    }
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> S3Config {
        S3Config {
            endpoint: "http://127.0.0.1:9000".into(),
            region: String::new(),
            bucket: "beg".into(),
            access_key: "AKIAEXAMPLEACCESS".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            allow_http: true,
            path_style: true,
        }
    }

    #[test]
    fn debug_redacts_keys() {
        let text = format!("{:?}", cfg());
        assert!(!text.contains("AKIAEXAMPLEACCESS"), "{text}");
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert!(text.contains("***"), "{text}");
        assert!(text.contains("beg"), "{text}");
    }

    #[test]
    fn describe_has_no_secrets() {
        let mut c = cfg();
        c.endpoint = "http://user:hunter22@127.0.0.1:9000/".into();
        let s3 = S3Storage::new(c).unwrap();
        assert_eq!(s3.describe(), "S3 bucket beg em http://127.0.0.1:9000");
        let text = format!("{s3:?}");
        assert!(
            !text.contains("hunter22") && !text.contains("AKIA"),
            "{text}"
        );
    }

    #[test]
    fn config_mistakes_are_refused() {
        let mut c = cfg();
        c.allow_http = false;
        assert!(matches!(S3Storage::new(c), Err(StorageError::Other(m)) if m.contains("http")));
        let mut c = cfg();
        c.bucket = " ".into();
        assert!(matches!(S3Storage::new(c), Err(StorageError::Other(m)) if m.contains("bucket")));
        let mut c = cfg();
        c.secret_key.clear();
        assert!(matches!(S3Storage::new(c), Err(StorageError::Other(_))));
        let mut c = cfg();
        c.endpoint = "ftp://x".into();
        assert!(matches!(S3Storage::new(c), Err(StorageError::Other(_))));
        let mut c = cfg();
        c.endpoint = "não é url".into();
        assert!(matches!(S3Storage::new(c), Err(StorageError::Other(_))));
    }

    #[test]
    fn virtual_hosted_endpoint_adds_bucket_once() {
        let url = url::Url::parse("https://s3.example.com:9000").unwrap();
        assert_eq!(
            virtual_hosted_endpoint(&url, "beg"),
            "https://beg.s3.example.com:9000"
        );
        let url = url::Url::parse("https://beg.s3.example.com").unwrap();
        assert_eq!(
            virtual_hosted_endpoint(&url, "beg"),
            "https://beg.s3.example.com"
        );
    }
}
