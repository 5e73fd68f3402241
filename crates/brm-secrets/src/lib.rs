//! Secrets of the BRM RPA Desk, with no Tauri dependency.
//!
//! - [`KeyStore`]: named secrets kept outside the database, in the OS keyring
//!   ([`OsKeyring`]) or, in unit tests, in memory ([`MemoryKeyStore`]). Holds the data
//!   key, and later the PostgreSQL password and the robot service's token.
//! - [`RobotIdentity`] and [`seal_to`] (issue 19): each robot machine's age key pair;
//!   portal passwords are sealed to the approved machines' public keys (`v2`), so a
//!   desktop can save them but only a robot machine opens them.
//! - [`SecretBox`]: opens both formats; it encrypts the passwords that do go to the database (client portal
//!   passwords, write-only in the interface) with XChaCha20-Poly1305 under the data key.
//!
//! Nothing here stores a secret in plain text, logs one, or prints one through `Debug`.
//! When the keyring is unavailable, saving fails with a pt-BR message and nothing is
//! written. Calls may block on the OS keyring: run them off the async runtime.

mod error;
mod keystore;
mod os_keyring;
mod robot_identity;
mod sealed_to;
mod secret_box;

pub use error::{KeyStoreError, KeyStoreErrorKind, SecretAction};
pub use keystore::{KeyStore, MemoryKeyStore};
pub use os_keyring::OsKeyring;
pub use robot_identity::{
    check_passphrase, fingerprint, is_public_key, RobotIdentity, PASSPHRASE_MIN_CHARS,
    ROBOT_IDENTITY,
};
pub use sealed_to::{
    is_not_sealed_to_me, no_robot_machine, not_sealed_to_me, seal_to, sealed_recipients, PREFIX_V2,
};
pub use secret_box::SecretBox;

/// The keyring service all of the app's entries are filed under: the app identifier.
pub const SERVICE: &str = "br.com.brmsolutions.rpadesk";

/// The 256-bit key that encrypts passwords stored in the database (base64).
pub const DATA_KEY: &str = "chave-de-dados";
/// The password of the shared PostgreSQL database.
pub const POSTGRES_PASSWORD: &str = "postgres-senha";
/// The robot service's API token.
pub const ROBOT_TOKEN: &str = "robo-token";
