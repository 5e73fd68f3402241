//! Encrypts passwords before they go to the database, under a data key kept in the
//! key store.
//!
//! - Cipher: XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`), a fresh random 24-byte
//!   nonce from the OS for every seal, so sealing the same text twice gives different
//!   output and nonces never need bookkeeping.
//! - Data key: 256 random bits, stored base64 in the key store under [`DATA_KEY`],
//!   created by the first `seal` and read (never created) by `open`. After the first
//!   load it is kept in memory for the life of the `SecretBox`.
//! - Sealed text: `"v1:" + base64(nonce || ciphertext+tag)`, plain ASCII for a text
//!   column; the prefix lets a later format coexist.
//! - Associated data: `seal_for(aad, ..)`/`open_for(aad, ..)` bind the ciphertext to,
//!   say, the client's id. The aad is not stored; opening with any other aad fails, so a
//!   sealed value copied to another row does not decrypt there. `seal`/`open` are the
//!   same with an empty aad.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use brm_core::{Error, Result};

use crate::error::{
    data_key_corrupt, data_key_missing, sealed_corrupt, sealed_unknown_format, KeyStoreError,
    KeyStoreErrorKind, SecretAction,
};
use crate::keystore::KeyStore;
use crate::robot_identity::RobotIdentity;
use crate::sealed_to::{open_sealed, PREFIX_V2};
use crate::DATA_KEY;

const PREFIX: &str = "v1:";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Serialises loading/creating the data key across every `SecretBox` of the process, so
/// two first uses at once cannot each create (and one overwrite) a different key.
static KEY_INIT: Mutex<()> = Mutex::new(());

pub struct SecretBox {
    store: Arc<dyn KeyStore>,
    /// The cipher under the data key, once loaded.
    loaded: OnceLock<XChaCha20Poly1305>,
    /// This machine's robot identity, once loaded (opens `v2` values).
    identity: OnceLock<Arc<RobotIdentity>>,
}

impl SecretBox {
    pub fn new(store: Arc<dyn KeyStore>) -> Self {
        Self {
            store,
            loaded: OnceLock::new(),
            identity: OnceLock::new(),
        }
    }

    /// The key store this box keeps its data key in.
    pub fn store(&self) -> &Arc<dyn KeyStore> {
        &self.store
    }

    /// Encrypts `plaintext` in the `v1` format, under this machine's data key (created in
    /// the key store on first use). The app no longer seals portal passwords this way
    /// (they go to the robot machines with [`crate::seal_to`]); this stays to test the
    /// upgrade of the values older versions wrote.
    pub fn seal(&self, plaintext: &str) -> Result<String> {
        self.seal_for("", plaintext)
    }

    /// Decrypts what [`SecretBox::seal`] returned.
    pub fn open(&self, sealed: &str) -> Result<String> {
        self.open_for("", sealed)
    }

    /// Encrypts `plaintext` bound to `aad` (e.g. the client's id): only
    /// `open_for(aad, ..)` with the same `aad` opens it.
    pub fn seal_for(&self, aad: &str, plaintext: &str) -> Result<String> {
        let cipher = self.cipher(SecretAction::Save)?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        let ciphertext = cipher
            .encrypt(&nonce, payload)
            .map_err(|_| Error::internal("falha ao cifrar a senha"))?;
        let mut raw = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ciphertext);
        Ok(format!("{PREFIX}{}", BASE64.encode(raw)))
    }

    /// Decrypts a stored value for the same `aad`: a `v2` value (sealed to robot
    /// machines) with this machine's robot identity, a `v1` value (before issue 19) with
    /// the data key. Altered or misplaced text is an error with a pt-BR message, never a
    /// panic.
    pub fn open_for(&self, aad: &str, sealed: &str) -> Result<String> {
        if sealed.starts_with(PREFIX_V2) {
            let identity = self.robot_identity()?.ok_or_else(no_identity_here)?;
            return open_sealed(&identity, aad, sealed);
        }
        self.open_v1_for(aad, sealed)
    }

    /// This machine's robot identity from the key store, if it has one (cached).
    pub fn robot_identity(&self) -> Result<Option<Arc<RobotIdentity>>> {
        if let Some(found) = self.identity.get() {
            return Ok(Some(found.clone()));
        }
        let Some(found) = RobotIdentity::load(&*self.store)? else {
            return Ok(None);
        };
        Ok(Some(self.identity.get_or_init(|| Arc::new(found)).clone()))
    }

    /// This machine's robot identity, created on first use.
    pub fn robot_identity_or_create(&self) -> Result<Arc<RobotIdentity>> {
        if let Some(found) = self.robot_identity()? {
            return Ok(found);
        }
        let made = RobotIdentity::load_or_create(&*self.store)?;
        Ok(self.identity.get_or_init(|| Arc::new(made)).clone())
    }

    /// Whether this machine's key store holds the data key of the `v1` values.
    pub fn has_data_key(&self) -> Result<bool> {
        Ok(self.load_key(SecretAction::Read)?.is_some())
    }

    /// Removes the data key from the key store once no `v1` value is left to open.
    pub fn retire_data_key(&self) -> Result<()> {
        self.store
            .delete(DATA_KEY)
            .map_err(|e| e.into_error(SecretAction::Save))
    }

    /// Decrypts what [`SecretBox::seal_for`] returned for the same `aad`.
    fn open_v1_for(&self, aad: &str, sealed: &str) -> Result<String> {
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(sealed_unknown_format)?;
        let raw = BASE64.decode(body.trim()).map_err(|_| sealed_corrupt())?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(sealed_corrupt());
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let cipher = self.cipher(SecretAction::Read)?;
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| sealed_corrupt())?;
        String::from_utf8(plain).map_err(|e| {
            e.into_bytes().zeroize();
            sealed_corrupt()
        })
    }

    /// The cipher under the data key: from memory, else from the key store, else (only
    /// when saving) a new key written to the key store.
    fn cipher(&self, action: SecretAction) -> Result<&XChaCha20Poly1305> {
        if let Some(cipher) = self.loaded.get() {
            return Ok(cipher);
        }
        let _guard = KEY_INIT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cipher) = self.loaded.get() {
            return Ok(cipher);
        }
        let key = match self.load_key(action)? {
            Some(key) => key,
            None if action == SecretAction::Save => self.create_key()?,
            None => return Err(data_key_missing()),
        };
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&key[..]));
        Ok(self.loaded.get_or_init(|| cipher))
    }

    fn load_key(&self, action: SecretAction) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>> {
        let Some(text) = self.store.get(DATA_KEY).map_err(|e| e.into_error(action))? else {
            return Ok(None);
        };
        let text = Zeroizing::new(text);
        let bytes = Zeroizing::new(BASE64.decode(text.trim()).map_err(|_| data_key_corrupt())?);
        if bytes.len() != KEY_LEN {
            return Err(data_key_corrupt());
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&bytes);
        Ok(Some(key))
    }

    fn create_key(&self) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(&mut key[..]);
        let text = Zeroizing::new(BASE64.encode(&key[..]));
        self.store
            .set(DATA_KEY, &text)
            .map_err(|e| e.into_error(SecretAction::Save))?;
        tracing::info!("chave de dados das senhas criada no chaveiro do sistema");
        // Use what the store now holds, not what we meant to write: a store that did not
        // keep it, or another process that wrote its own key just before, shows up here
        // rather than as passwords nobody can open later.
        self.load_key(SecretAction::Save)?.ok_or_else(|| {
            KeyStoreError::new(KeyStoreErrorKind::Unavailable, "data key not kept")
                .into_error(SecretAction::Save)
        })
    }
}

/// A `v2` value reached a machine with no robot identity (a desktop): it cannot open it.
fn no_identity_here() -> Error {
    Error::new(
        brm_core::ErrorCode::Conflict,
        "Este computador não é uma máquina robô: as senhas dos portais só são abertas pelas \
         máquinas robô aprovadas.",
    )
}

/// Never shows the key: only whether it has been loaded.
impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox")
            .field("key_loaded", &self.loaded.get().is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
