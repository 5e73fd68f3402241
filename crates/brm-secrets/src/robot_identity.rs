//! A robot machine's identity: an age X25519 key pair made on the machine's first start.
//!
//! - The private key (`AGE-SECRET-KEY-1…`, 74 characters: well inside every OS store's
//!   limit) stays in this machine's keyring under [`ROBOT_IDENTITY`].
//! - The public key (`age1…`) and its fingerprint go to the database, where an
//!   administrator approves the machine; portal passwords are then sealed to it.
//! - Recovery: [`RobotIdentity::export`] writes the private key into an age file
//!   encrypted under a passphrase (scrypt), armored as text; [`RobotIdentity::import`]
//!   reads it back on a replacement machine. Without the passphrase the file opens
//!   nothing.

use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use brm_core::{Error, ErrorCode, Result};

use crate::error::SecretAction;
use crate::keystore::KeyStore;

/// The keyring entry holding this machine's robot identity (private key).
pub const ROBOT_IDENTITY: &str = "robo-identidade";

/// What an exported identity file starts with (age's ASCII armor).
const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";

/// The shortest passphrase accepted for an exported identity.
pub const PASSPHRASE_MIN_CHARS: usize = 12;

pub struct RobotIdentity {
    secret: age::x25519::Identity,
}

impl RobotIdentity {
    /// A fresh key pair (not yet stored).
    pub fn generate() -> Self {
        Self {
            secret: age::x25519::Identity::generate(),
        }
    }

    /// This machine's identity from the keyring, if it has one.
    pub fn load(store: &dyn KeyStore) -> Result<Option<Self>> {
        let Some(text) = store
            .get(ROBOT_IDENTITY)
            .map_err(|e| e.into_error(SecretAction::Read))?
        else {
            return Ok(None);
        };
        let text = Zeroizing::new(text);
        let secret =
            age::x25519::Identity::from_str(text.trim()).map_err(|_| identity_corrupt())?;
        Ok(Some(Self { secret }))
    }

    /// This machine's identity, created and stored on first use. Serialised per process
    /// so two first starts at once cannot each store a different key.
    pub fn load_or_create(store: &dyn KeyStore) -> Result<Self> {
        static CREATE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = CREATE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = Self::load(store)? {
            return Ok(found);
        }
        let made = Self::generate();
        made.save(store)?;
        tracing::info!(fingerprint = %made.fingerprint(), "identidade de máquina robô criada no chaveiro");
        // What the store now holds, not what we meant to write (see SecretBox::create_key).
        Self::load(store)?.ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "O cofre de senhas do sistema (chaveiro) não guardou a identidade desta \
                 máquina robô. Verifique o chaveiro e tente de novo.",
            )
        })
    }

    /// Stores this identity as the machine's (replacing any other).
    pub fn save(&self, store: &dyn KeyStore) -> Result<()> {
        let text = self.secret.to_string();
        store
            .set(ROBOT_IDENTITY, text.expose_secret())
            .map_err(|e| e.into_error(SecretAction::Save))
    }

    /// The public key, `age1…`: what the database holds and passwords are sealed to.
    pub fn public_key(&self) -> String {
        self.secret.to_public().to_string()
    }

    /// A short, stable name of the public key for people to compare.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key())
    }

    pub(crate) fn age(&self) -> &age::x25519::Identity {
        &self.secret
    }

    /// The private key encrypted under `passphrase` (age scrypt), as armored text for a
    /// file. The passphrase must meet [`check_passphrase`].
    pub fn export(&self, passphrase: &str) -> Result<String> {
        check_passphrase(passphrase)?;
        let encryptor =
            age::Encryptor::with_user_passphrase(SecretString::from(passphrase.to_owned()));
        let mut out = Vec::new();
        let armored =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(Error::internal)?;
        let mut writer = encryptor.wrap_output(armored).map_err(Error::internal)?;
        writer
            .write_all(self.secret.to_string().expose_secret().as_bytes())
            .map_err(Error::internal)?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(Error::internal)?;
        String::from_utf8(out).map_err(Error::internal)
    }

    /// Reads what [`RobotIdentity::export`] wrote. A wrong passphrase, or a file that is
    /// not an exported identity, is refused with a pt-BR message.
    pub fn import(file: &str, passphrase: &str) -> Result<Self> {
        if !file.trim_start().starts_with(ARMOR_BEGIN) {
            return Err(not_an_identity_file());
        }
        let decryptor =
            age::Decryptor::new_buffered(age::armor::ArmoredReader::new(file.trim().as_bytes()))
                .map_err(|_| not_an_identity_file())?;
        if !decryptor.is_scrypt() {
            return Err(not_an_identity_file());
        }
        let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        // A crafted file cannot ask for hours of work: at most 2^20 (about 1 GiB·s).
        identity.set_max_work_factor(20);
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                    wrong_passphrase()
                }
                _ => not_an_identity_file(),
            })?;
        let mut text = Zeroizing::new(String::new());
        reader
            .read_to_string(&mut text)
            .map_err(|_| not_an_identity_file())?;
        let secret =
            age::x25519::Identity::from_str(text.trim()).map_err(|_| not_an_identity_file())?;
        Ok(Self { secret })
    }
}

/// Never shows the private key.
impl std::fmt::Debug for RobotIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotIdentity")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

/// The fingerprint of a public key: the first 16 bytes of its SHA-256, in hex.
pub fn fingerprint(public_key: &str) -> String {
    let digest = Sha256::digest(public_key.trim().as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` is an age X25519 public key (`age1…`).
pub fn is_public_key(text: &str) -> bool {
    age::x25519::Recipient::from_str(text.trim()).is_ok()
}

/// The rules for an export passphrase: at least [`PASSPHRASE_MIN_CHARS`] characters, not
/// only digits, and not one character repeated. Messages in pt-BR.
pub fn check_passphrase(passphrase: &str) -> Result<()> {
    let chars: Vec<char> = passphrase.chars().collect();
    let invalid = |m: &str| Err(Error::field("frase_senha", m));
    if chars.len() < PASSPHRASE_MIN_CHARS {
        return invalid(&format!(
            "A frase-senha precisa ter pelo menos {PASSPHRASE_MIN_CHARS} caracteres \
             (uma frase curta, com espaços, serve)."
        ));
    }
    if chars.iter().all(|c| c.is_ascii_digit()) {
        return invalid("A frase-senha não pode ter só números.");
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return invalid("A frase-senha não pode ser um só caractere repetido.");
    }
    if passphrase.trim() != passphrase {
        return invalid("A frase-senha não pode começar nem terminar com espaço.");
    }
    Ok(())
}

fn identity_corrupt() -> Error {
    Error::new(
        ErrorCode::Internal,
        "A identidade desta máquina robô guardada no cofre de senhas do sistema (chaveiro) \
         está corrompida; nada foi alterado. Importe a identidade exportada ou procure o \
         suporte.",
    )
}

fn wrong_passphrase() -> Error {
    Error::field(
        "frase_senha",
        "Frase-senha incorreta: o arquivo da identidade não foi aberto e nada foi alterado.",
    )
}

fn not_an_identity_file() -> Error {
    Error::field(
        "arquivo",
        "Este arquivo não é uma identidade de máquina robô exportada pelo BRM RPA Desk.",
    )
}
