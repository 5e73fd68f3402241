//! Turns `object_store` errors into [`StorageError`]s with pt-BR messages, scrubbed of
//! secrets.

use std::error::Error as StdError;

use object_store::client::{HttpError, HttpErrorKind};

use crate::StorageError;

/// What was being done, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Put,
    Get,
    Head,
    Delete,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Put => "gravar",
            Op::Get => "ler",
            Op::Head => "consultar",
            Op::Delete => "apagar",
        }
    }
}

/// Backend facts needed to explain an error.
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext {
    /// `InvoiceStorage::describe()` of the backend (already without secrets).
    pub describe: String,
    /// Strings that must never appear in a message (access key, secret key, URL password).
    pub secrets: Vec<String>,
    /// S3 bucket name, when the backend is S3 (a 404 may then mean "no such bucket").
    pub bucket: Option<String>,
}

impl ErrorContext {
    /// Replaces every secret in `text` by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            // Very short "secrets" would mangle the message; no real key is that short.
            if secret.len() >= 3 {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    /// Maps an `object_store` error raised while doing `op` on `key`.
    pub fn map(&self, op: Op, key: &str, err: object_store::Error) -> StorageError {
        let detail = self.scrub(&error_chain(&err));
        let verb = op.verb();
        let place = &self.describe;
        match &err {
            object_store::Error::NotFound { .. } => {
                if self.bucket.is_some() && detail.contains("NoSuchBucket") {
                    StorageError::Unavailable(self.missing_bucket())
                } else {
                    StorageError::NotFound(key.to_string())
                }
            }
            object_store::Error::InvalidPath { .. } => StorageError::InvalidKey(format!(
                "A chave de arquivo {key:?} não é aceita pelo armazenamento ({place}). \
                 Detalhe técnico: {detail}"
            )),
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => StorageError::Unavailable(format!(
                "Sem permissão para {verb} a fatura {key} no armazenamento ({place}): \
                     confira a chave de acesso, a chave secreta e as permissões do bucket. \
                     Detalhe técnico: {detail}"
            )),
            _ => {
                if let Some(kind) = find_source::<HttpError>(&err).map(HttpError::kind) {
                    let why = match kind {
                        HttpErrorKind::Connect => Some("conexão recusada ou servidor inacessível"),
                        HttpErrorKind::Timeout => Some("o servidor não respondeu a tempo"),
                        HttpErrorKind::Interrupted => Some("a conexão caiu no meio da operação"),
                        HttpErrorKind::Request => Some("a requisição falhou"),
                        _ => None,
                    };
                    if let Some(why) = why {
                        return StorageError::Unavailable(format!(
                            "Não foi possível {verb} a fatura {key}: o armazenamento ({place}) \
                             está indisponível ({why}). Confira se o servidor está no ar e se o \
                             endereço está correto. Detalhe técnico: {detail}"
                        ));
                    }
                }
                if self.bucket.is_some() && detail.contains("NoSuchBucket") {
                    return StorageError::Unavailable(self.missing_bucket());
                }
                if detail.contains("status code: 5") || detail.contains("SlowDown") {
                    return StorageError::Unavailable(format!(
                        "Não foi possível {verb} a fatura {key}: o servidor de armazenamento \
                         ({place}) respondeu com um erro interno. Tente de novo em instantes. \
                         Detalhe técnico: {detail}"
                    ));
                }
                if let Some(io) = find_source::<std::io::Error>(&err) {
                    use std::io::ErrorKind;
                    let why = match io.kind() {
                        ErrorKind::PermissionDenied => Some("sem permissão de acesso à pasta"),
                        ErrorKind::StorageFull => Some("o disco está cheio"),
                        ErrorKind::ReadOnlyFilesystem => Some("a pasta está somente leitura"),
                        ErrorKind::TimedOut => Some("tempo esgotado"),
                        _ => None,
                    };
                    if let Some(why) = why {
                        return StorageError::Unavailable(format!(
                            "Não foi possível {verb} a fatura {key} no armazenamento ({place}): \
                             {why}. Detalhe técnico: {detail}"
                        ));
                    }
                }
                StorageError::Other(format!(
                    "Falha ao {verb} a fatura {key} no armazenamento ({place}). \
                     Detalhe técnico: {detail}"
                ))
            }
        }
    }

    fn missing_bucket(&self) -> String {
        format!(
            "O bucket {} não existe no armazenamento ({}): crie o bucket ou corrija o nome \
             nas configurações.",
            self.bucket.as_deref().unwrap_or_default(),
            self.describe
        )
    }
}

/// The error and its sources, joined by ": " (skipping repeats of the same text).
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        current = e.source();
    }
    out
}

/// The first error of type `T` in the source chain of `err` (itself included).
fn find_source<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_replaces_every_secret() {
        let ctx = ErrorContext {
            describe: "S3".into(),
            secrets: vec!["AKIDEXAMPLE".into(), "s3cr3t-key".into(), "".into()],
            bucket: None,
        };
        assert_eq!(
            ctx.scrub("key AKIDEXAMPLE and s3cr3t-key twice s3cr3t-key"),
            "key *** and *** twice ***"
        );
    }

    #[test]
    fn local_not_found_maps_to_not_found() {
        let ctx = ErrorContext {
            describe: "pasta /x".into(),
            secrets: vec![],
            bucket: None,
        };
        let err = object_store::Error::NotFound {
            path: "a".into(),
            source: "gone".into(),
        };
        assert!(matches!(
            ctx.map(Op::Get, "a", err),
            StorageError::NotFound(k) if k == "a"
        ));
    }
}
