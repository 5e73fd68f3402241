//! Invoice storage: files addressed by key and checked by SHA-256.
//!
//! One trait, [`InvoiceStorage`], with two implementations built on the `object_store`
//! crate:
//! - [`LocalFolder`]: a folder on this machine (the embedded default). Writes go to a
//!   temporary file beside the target and are renamed into place, so a reader never sees
//!   half a file; nested keys (`faturas/2026-11/abc.pdf`) create subfolders.
//! - [`S3Storage`]: S3-compatible object storage (MinIO in production), with bounded
//!   timeouts and retries so a dead endpoint fails fast with [`StorageError::Unavailable`].
//!
//! Keys are checked by [`validate_key`] before any backend sees them, with one rule set
//! for every backend: a key accepted by the S3 store is also a valid file name in the
//! local folder on Windows, macOS and Linux, and the other way round.

mod error_map;
mod local;
mod object_backend;
mod s3;

use sha2::{Digest, Sha256};

pub use bytes::Bytes;
pub use local::LocalFolder;
pub use s3::{S3Config, S3Storage};

/// Longest key accepted, in bytes (UTF-8).
pub const MAX_KEY_LEN: usize = 512;

/// What [`InvoiceStorage::put`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    /// SHA-256 of the bytes written, lowercase hex (64 characters).
    pub sha256: String,
}

/// Storage failures. Every message is pt-BR, meant for the person at the desk, and never
/// carries an S3 access or secret key.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key does not exist (the `String` is the key).
    #[error("A fatura {0} não foi encontrada no armazenamento.")]
    NotFound(String),
    /// The key was refused by [`validate_key`] (the `String` is the full pt-BR explanation,
    /// naming the key).
    #[error("{0}")]
    InvalidKey(String),
    /// The stored bytes do not match the expected SHA-256.
    #[error(
        "A fatura {key} está corrompida no armazenamento: o SHA-256 esperado era {expected}, \
         mas o arquivo guardado tem {actual}."
    )]
    Integrity {
        key: String,
        expected: String,
        actual: String,
    },
    /// The storage cannot be reached or refuses us (connection refused, timeouts, missing
    /// bucket, permissions, full disk). Worth retrying later.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else (configuration mistakes, unexpected server answers).
    #[error("{0}")]
    Other(String),
}

impl StorageError {
    /// True when trying again later may succeed (the storage was unreachable).
    pub fn is_transient(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

/// Where the invoices live.
#[async_trait::async_trait]
pub trait InvoiceStorage: Send + Sync + 'static {
    /// Human description without secrets, e.g. "pasta /home/x/faturas" or
    /// "S3 bucket beg em http://127.0.0.1:9000".
    fn describe(&self) -> String;

    /// Writes `bytes` under `key`, replacing what was there. Returns the size and SHA-256
    /// of what was written.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<StoredObject, StorageError>;

    /// Reads the whole object. [`StorageError::NotFound`] when absent.
    async fn get(&self, key: &str) -> Result<Bytes, StorageError>;

    /// [`get`](Self::get), then checks the bytes against `sha256` (hex, any case):
    /// [`StorageError::Integrity`] on mismatch.
    async fn get_checked(&self, key: &str, sha256: &str) -> Result<Bytes, StorageError> {
        let bytes = self.get(key).await?;
        verify_sha256(key, &bytes, sha256)?;
        Ok(bytes)
    }

    /// Size if present, `None` if absent.
    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError>;

    /// Removes the object. Deleting a missing key is `Ok`.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// The folder on this computer, when the invoices are in a local folder (the shared
    /// database's marker check needs it); `None` for object storage.
    fn local_root(&self) -> Option<&std::path::Path> {
        None
    }
}

#[async_trait::async_trait]
impl<T: InvoiceStorage + ?Sized> InvoiceStorage for std::sync::Arc<T> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    async fn put(&self, key: &str, bytes: Bytes) -> Result<StoredObject, StorageError> {
        (**self).put(key, bytes).await
    }
    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        (**self).get(key).await
    }
    async fn get_checked(&self, key: &str, sha256: &str) -> Result<Bytes, StorageError> {
        (**self).get_checked(key, sha256).await
    }
    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        (**self).head(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        (**self).delete(key).await
    }
    fn local_root(&self) -> Option<&std::path::Path> {
        (**self).local_root()
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `bytes` against an expected SHA-256 (hex, compared case-insensitively, surrounding
/// blanks ignored).
pub fn verify_sha256(key: &str, bytes: &[u8], expected: &str) -> Result<(), StorageError> {
    let actual = sha256_hex(bytes);
    let expected = expected.trim().to_ascii_lowercase();
    if actual == expected {
        Ok(())
    } else {
        Err(StorageError::Integrity {
            key: key.to_string(),
            expected,
            actual,
        })
    }
}

/// Characters Windows refuses in file names (besides `\`, `/` and control characters),
/// plus `#`, which the local store uses to name its temporary files.
const FORBIDDEN_CHARS: &[char] = &['<', '>', ':', '"', '|', '?', '*', '#'];

/// Device names Windows reserves in any folder, with or without an extension.
const WINDOWS_RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Checks a storage key: relative, `/`-separated, at most [`MAX_KEY_LEN`] bytes, no empty,
/// `.` or `..` segment, no backslash, no control character, and nothing Windows cannot use
/// as a file name (`< > : " | ? *`, names such as `CON` or `NUL`, a segment ending in a dot
/// or a space); `#` is refused too (the local store names its temporary files `name#N`).
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let refuse = |why: &str| {
        Err(StorageError::InvalidKey(format!(
            "A chave de arquivo {} é inválida: {why}.",
            shown_key(key)
        )))
    };
    if key.is_empty() {
        return Err(StorageError::InvalidKey(
            "A chave de arquivo está vazia.".to_string(),
        ));
    }
    if key.len() > MAX_KEY_LEN {
        return refuse(&format!("tem mais de {MAX_KEY_LEN} bytes"));
    }
    if key.chars().any(char::is_control) {
        return refuse("contém caracteres de controle");
    }
    if key.contains('\\') {
        return refuse("contém barra invertida (\\); use / para separar as pastas");
    }
    if key.starts_with('/') {
        return refuse("começa com / (caminho absoluto)");
    }
    if let Some(c) = key.chars().find(|c| FORBIDDEN_CHARS.contains(c)) {
        return refuse(&format!("contém o caractere {c}"));
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return refuse("tem uma parte vazia (// ou / no fim)");
        }
        if segment == "." || segment == ".." {
            return refuse("contém . ou .. como parte do caminho");
        }
        if segment.ends_with('.') || segment.ends_with(' ') {
            return refuse("tem uma parte terminada em ponto ou espaço");
        }
        let stem = segment.split('.').next().unwrap_or(segment).trim_end();
        if WINDOWS_RESERVED
            .iter()
            .any(|reserved| stem.eq_ignore_ascii_case(reserved))
        {
            return refuse(&format!("usa o nome reservado {segment}"));
        }
    }
    Ok(())
}

/// The key as shown in messages: quoted, escaped, and cut short when very long.
fn shown_key(key: &str) -> String {
    const MAX_CHARS: usize = 80;
    let escaped: String = key.escape_debug().collect();
    if escaped.chars().count() > MAX_CHARS {
        let cut: String = escaped.chars().take(MAX_CHARS).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{escaped}\"")
    }
}

/// Validates `key` and turns it into an `object_store` path.
fn object_path(key: &str) -> Result<object_store::path::Path, StorageError> {
    validate_key(key)?;
    object_store::path::Path::parse(key).map_err(|e| {
        StorageError::InvalidKey(format!(
            "A chave de arquivo {} é inválida: {e}.",
            shown_key(key)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn verify_accepts_uppercase_and_reports_mismatch() {
        let upper = sha256_hex(b"abc").to_uppercase();
        verify_sha256("k", b"abc", &upper).unwrap();
        match verify_sha256("k", b"abd", &upper) {
            Err(StorageError::Integrity {
                key,
                expected,
                actual,
            }) => {
                assert_eq!(key, "k");
                assert_eq!(expected, sha256_hex(b"abc"));
                assert_eq!(actual, sha256_hex(b"abd"));
            }
            other => panic!("expected Integrity, got {other:?}"),
        }
    }

    #[test]
    fn good_keys() {
        for key in [
            "a",
            "abc.pdf",
            "faturas/2026-11/abc.pdf",
            "faturas/2026-11/VIVO 123 ção.pdf",
            "a-b_c(1).PDF",
            "console.pdf",
            "x/.hidden",
            &"a".repeat(MAX_KEY_LEN),
        ] {
            validate_key(key).unwrap_or_else(|e| panic!("{key:?} refused: {e}"));
        }
    }

    #[test]
    fn bad_keys() {
        let long = "a".repeat(MAX_KEY_LEN + 1);
        for key in [
            "",
            "/abs",
            "/",
            "../x",
            "a/../b",
            "a/./b",
            ".",
            "a\\b",
            "a//b",
            "a/",
            "a\nb",
            "a\tb",
            "a\u{0}b",
            "a\u{7f}b",
            "a\u{85}b",
            "C:/x",
            "a:b",
            "a?b",
            "a*b",
            "a<b",
            "a>b",
            "a|b",
            "a\"b",
            "a#1",
            "x/CON",
            "nul.pdf",
            "Com1.txt",
            "a./b",
            "a ",
            long.as_str(),
        ] {
            match validate_key(key) {
                Err(StorageError::InvalidKey(msg)) => {
                    assert!(msg.contains("chave"), "{msg}");
                }
                other => panic!("{key:?}: expected InvalidKey, got {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_key_message_is_escaped_and_short() {
        let key = format!("a\n{}", "b".repeat(600));
        let msg = validate_key(&key).unwrap_err().to_string();
        assert!(!msg.contains('\n'));
        assert!(msg.len() < 300, "{msg}");
    }

    #[test]
    fn messages_are_portuguese() {
        assert_eq!(
            StorageError::NotFound("faturas/a.pdf".into()).to_string(),
            "A fatura faturas/a.pdf não foi encontrada no armazenamento."
        );
        assert!(StorageError::Unavailable("x".into()).is_transient());
        assert!(!StorageError::NotFound("x".into()).is_transient());
        assert!(!StorageError::Other("x".into()).is_transient());
    }
}
