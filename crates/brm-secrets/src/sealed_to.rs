//! Portal passwords sealed to the approved robot machines (issue 19), format `v2`.
//!
//! - One age file per value, with one X25519 stanza per recipient: any approved robot
//!   machine opens it with its own private key; a desktop seals with public keys only
//!   and cannot open what it sealed.
//! - Text: `"v2:" + fingerprints (comma-separated, sorted) + ":" + base64(age file)`. The
//!   fingerprints say which machines the value was sealed to, so a change in the
//!   approved set shows which values must be sealed again, and which no approved machine
//!   can open any more, without opening anything.
//! - Associated data: age has none, so the `aad` (the client's id) is sealed inside, in
//!   front of the password, and checked on opening: a value copied to another client's
//!   row does not open there.

use std::io::{Read, Write};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use zeroize::Zeroizing;

use brm_core::{Error, ErrorCode, Result};

use crate::error::sealed_corrupt;
use crate::robot_identity::{fingerprint, RobotIdentity};

pub const PREFIX_V2: &str = "v2:";

/// Seals `plaintext` bound to `aad` so that each of `public_keys` (`age1…`) opens it.
pub fn seal_to(public_keys: &[String], aad: &str, plaintext: &str) -> Result<String> {
    if public_keys.is_empty() {
        return Err(no_robot_machine());
    }
    let mut recipients = Vec::with_capacity(public_keys.len());
    for key in public_keys {
        let r = age::x25519::Recipient::from_str(key.trim()).map_err(|_| {
            Error::internal("chave pública de máquina robô inválida no banco de dados")
        })?;
        recipients.push(r);
    }
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(Error::internal)?;
    let mut body = Zeroizing::new(Vec::with_capacity(aad.len() + 1 + plaintext.len()));
    body.extend_from_slice(aad.as_bytes());
    body.push(0);
    body.extend_from_slice(plaintext.as_bytes());
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).map_err(Error::internal)?;
    writer.write_all(&body).map_err(Error::internal)?;
    writer.finish().map_err(Error::internal)?;
    let mut prints: Vec<String> = public_keys.iter().map(|k| fingerprint(k)).collect();
    prints.sort();
    prints.dedup();
    Ok(format!(
        "{PREFIX_V2}{}:{}",
        prints.join(","),
        BASE64.encode(out)
    ))
}

/// The fingerprints a `v2` value was sealed to (empty for anything else).
pub fn sealed_recipients(sealed: &str) -> Vec<String> {
    sealed
        .strip_prefix(PREFIX_V2)
        .and_then(|rest| rest.split_once(':'))
        .map(|(prints, _)| {
            prints
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Opens a `v2` value with this machine's identity, checking it belongs to `aad`.
pub fn open_sealed(identity: &RobotIdentity, aad: &str, sealed: &str) -> Result<String> {
    let (prints, body) = sealed
        .strip_prefix(PREFIX_V2)
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(sealed_corrupt)?;
    if !prints.split(',').any(|p| p == identity.fingerprint()) {
        return Err(not_sealed_to_me());
    }
    let raw = BASE64.decode(body.trim()).map_err(|_| sealed_corrupt())?;
    let decryptor = age::Decryptor::new_buffered(&raw[..]).map_err(|_| sealed_corrupt())?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity.age() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => not_sealed_to_me(),
            _ => sealed_corrupt(),
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plain)
        .map_err(|_| sealed_corrupt())?;
    let split = plain
        .iter()
        .position(|b| *b == 0)
        .ok_or_else(sealed_corrupt)?;
    if &plain[..split] != aad.as_bytes() {
        return Err(sealed_corrupt());
    }
    String::from_utf8(plain[split + 1..].to_vec()).map_err(|_| sealed_corrupt())
}

/// Nothing to seal to: no robot machine approved yet.
pub fn no_robot_machine() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "Nenhuma máquina robô está aprovada, então a senha do portal não tem para quem ser \
         guardada. Um administrador aprova as máquinas robô em Configurações → Máquinas robô; \
         depois, salve a senha de novo.",
    )
}

/// The value was sealed before this machine was approved (or after it was removed).
pub fn not_sealed_to_me() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "Esta máquina robô não consegue abrir a senha do portal deste cliente: ela foi \
         guardada para outras máquinas (esta ainda não foi aprovada, ou a senha ainda não foi \
         selada de novo para ela). Outra máquina robô aprovada fará o trabalho.",
    )
}

/// The code `open` failures carry when this machine is simply not a recipient, so the
/// worker can leave the job to another machine instead of failing it.
pub fn is_not_sealed_to_me(e: &Error) -> bool {
    e.message == not_sealed_to_me().message
}
