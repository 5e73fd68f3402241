//! What can go wrong with secrets, and the pt-BR message a person sees for each.
//!
//! A key store reports a [`KeyStoreError`] that says only *what kind* of failure it was;
//! the caller knows what it was trying to do ([`SecretAction`]) and turns the two into a
//! `brm_core::Error` whose message says whether the password was saved. Messages never
//! carry secrets, and neither does `detail` (it holds the platform's own error text).

use brm_core::{Error, ErrorCode};

/// Why the OS key store (or a test stand-in) refused an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStoreErrorKind {
    /// No key store to talk to: no D-Bus session or no Secret Service on Linux, or a
    /// platform without a persistent store (keyring's `PlatformFailure`).
    Unavailable,
    /// The store is there but locked, or the user dismissed the unlock prompt
    /// (keyring's `NoStorageAccess`).
    Locked,
    /// The store answered but refused this item (bad encoding, ambiguous match, ...).
    Rejected,
    /// The value is longer than the store keeps (keyring's `TooLong`): Windows'
    /// Credential Manager holds at most 2,560 bytes, which keyring 3 spends on UTF-16, so
    /// 1,280 characters. Retrying cannot help, so the message names the limit.
    TooLong {
        /// The most characters the store keeps.
        max_chars: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct KeyStoreError {
    pub kind: KeyStoreErrorKind,
    /// The platform's description, for the logs; never contains a secret.
    pub detail: String,
}

impl KeyStoreError {
    pub fn new(kind: KeyStoreErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// The pt-BR error for a person, worded for what was being done.
    pub fn into_error(self, action: SecretAction) -> Error {
        keystore_message(self.kind, Some(action))
    }
}

/// Without an action the message just says the key store failed.
impl From<KeyStoreError> for Error {
    fn from(e: KeyStoreError) -> Self {
        keystore_message(e.kind, None)
    }
}

/// What the caller was doing when the key store failed; decides the middle of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAction {
    Save,
    Read,
    Delete,
}

impl SecretAction {
    fn consequence(self) -> &'static str {
        match self {
            SecretAction::Save => "a senha não foi salva",
            SecretAction::Read => "a senha guardada não pôde ser lida",
            SecretAction::Delete => "a senha não foi apagada",
        }
    }
}

fn keystore_message(kind: KeyStoreErrorKind, action: Option<SecretAction>) -> Error {
    let consequence = action
        .map(|a| format!("; {}", a.consequence()))
        .unwrap_or_default();
    let message = match kind {
        KeyStoreErrorKind::Unavailable => format!(
            "O cofre de senhas do sistema (chaveiro) não está disponível{consequence}. \
             Desbloqueie o chaveiro da sua sessão e tente de novo."
        ),
        KeyStoreErrorKind::Locked => format!(
            "O cofre de senhas do sistema (chaveiro) está bloqueado{consequence}. \
             Desbloqueie o chaveiro da sua sessão e tente de novo."
        ),
        KeyStoreErrorKind::Rejected => format!(
            "O cofre de senhas do sistema (chaveiro) recusou a operação{consequence}. \
             Tente de novo; se o problema continuar, consulte os registros do aplicativo."
        ),
        KeyStoreErrorKind::TooLong { max_chars } => format!(
            "O valor é longo demais para o cofre de senhas do sistema, que guarda no máximo \
             {} caracteres{consequence}. Confira se o valor colado está completo e sem \
             nada a mais (senhas, tokens e chaves costumam ser bem mais curtos).",
            thousands(max_chars)
        ),
    };
    Error::new(ErrorCode::Internal, message)
}

/// 1280 → "1.280", as pt-BR writes it.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The sealed text was altered, cut, or copied from another record (other associated
/// data), or the data key in the keyring is not the one it was sealed with.
pub(crate) fn sealed_corrupt() -> Error {
    Error::new(
        ErrorCode::Internal,
        "A senha guardada está corrompida ou pertence a outro registro e não pode ser \
         decifrada. Cadastre a senha de novo.",
    )
}

/// No `v1:` prefix: not something this version sealed.
pub(crate) fn sealed_unknown_format() -> Error {
    Error::new(
        ErrorCode::Internal,
        "A senha guardada está num formato desconhecido e não pode ser decifrada. \
         Cadastre a senha de novo.",
    )
}

/// Opening needs the data key, and opening never creates one (a new key could not open
/// anything sealed before).
pub(crate) fn data_key_missing() -> Error {
    Error::new(
        ErrorCode::Internal,
        "A chave de dados das senhas não está no cofre de senhas do sistema (chaveiro), \
         então as senhas guardadas não podem ser decifradas. Cadastre as senhas de novo.",
    )
}

/// The keyring holds something under the data key's name that is not a 256-bit key in
/// base64. It is left alone: replacing it would make every sealed password unreadable.
pub(crate) fn data_key_corrupt() -> Error {
    Error::new(
        ErrorCode::Internal,
        "A chave de dados das senhas guardada no cofre de senhas do sistema (chaveiro) \
         está corrompida; nada foi alterado. Procure o suporte.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_on_save_reads_as_specified() {
        let e = KeyStoreError::new(KeyStoreErrorKind::Unavailable, "no bus")
            .into_error(SecretAction::Save);
        assert_eq!(e.code, ErrorCode::Internal);
        assert_eq!(
            e.message,
            "O cofre de senhas do sistema (chaveiro) não está disponível; a senha não foi \
             salva. Desbloqueie o chaveiro da sua sessão e tente de novo."
        );
    }

    #[test]
    fn too_long_names_the_limit_and_does_not_say_try_again() {
        let e = KeyStoreError::new(KeyStoreErrorKind::TooLong { max_chars: 1280 }, "d")
            .into_error(SecretAction::Save);
        assert!(e
            .message
            .contains("no máximo 1.280 caracteres; a senha não foi salva"));
        assert!(!e.message.contains("Tente de novo"), "{}", e.message);
        assert_eq!(thousands(2560), "2.560");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn locked_and_unavailable_differ_and_hide_detail() {
        let locked: Error = KeyStoreError::new(KeyStoreErrorKind::Locked, "org.x.Locked").into();
        assert!(locked.message.contains("está bloqueado."));
        assert!(!locked.message.contains("org.x"));
        let read =
            KeyStoreError::new(KeyStoreErrorKind::Rejected, "d").into_error(SecretAction::Read);
        assert!(read
            .message
            .contains("recusou a operação; a senha guardada não pôde ser lida."));
    }
}
