//! Password hashing: argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1), stored as
//! a PHC string. Hashing takes tens of milliseconds on purpose, so it runs on tokio's
//! blocking pool, never on the thread that serves the window.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use brm_core::{Error, Result};

pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("falha ao proteger a senha: {e}")))
}

/// False for a wrong password and for a hash that cannot be parsed: a corrupt row must
/// not become a way in.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The argon2id PHC string of `password` with the algorithm, parameters and salt of
/// `prefix` (`$argon2id$v=19$m=…,t=…,p=…$SALT`): what a stored hash with that prefix is
/// when the password is right. `None` when the prefix is not one.
pub fn hash_with_prefix_blocking(password: &str, prefix: &str) -> Option<String> {
    let parts: Vec<&str> = prefix.split('$').collect();
    let ["", "argon2id", "v=19", params, salt] = parts.as_slice() else {
        return None;
    };
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in params.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    let params = Params::new(m?, t?, p?, None).ok()?;
    let salt = argon2::password_hash::Salt::from_b64(salt).ok()?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), salt)
        .ok()
        .map(|h| h.to_string())
}

pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(Error::internal)?
}

pub async fn verify(password: String, phc: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
        .await
        .map_err(Error::internal)
}

/// Verifies against a hash of a password nobody knows, for an unknown e-mail, so that
/// "no such user" takes as long as "wrong password" and does not reveal who has an
/// account. The decoy is hashed once, lazily, on the blocking pool like every hash.
pub async fn verify_decoy(password: String) -> Result<()> {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let decoy = DECOY.get_or_init(|| {
            hash_blocking("decoy: no account has this password").expect("decoy hash")
        });
        verify_blocking(&password, decoy);
    })
    .await
    .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phc_string_names_argon2id_and_its_parameters() {
        let h = hash_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse battery", &h));
        assert!(!verify_blocking("correct horse batterY", &h));
        assert!(!verify_blocking(
            "correct horse battery",
            "not a phc string"
        ));
        // The same password with the stored hash's own salt and parameters is the stored hash.
        let prefix = &h[..h.rfind('$').unwrap()];
        assert_eq!(
            hash_with_prefix_blocking("correct horse battery", prefix).as_deref(),
            Some(h.as_str())
        );
        assert_ne!(
            hash_with_prefix_blocking("correct horse batterY", prefix).as_deref(),
            Some(h.as_str())
        );
        assert_eq!(hash_with_prefix_blocking("x", "$2b$12$abc"), None);
        // Two hashes of one password differ (random salt).
        assert_ne!(h, hash_blocking("correct horse battery").unwrap());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hashing_runs_off_the_calling_thread() {
        // On a single-threaded runtime a hash on the caller's thread would block this
        // ticker; on the blocking pool the ticker keeps running while it hashes.
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let t = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                t.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        });
        let h = hash("uma senha bem comprida".into()).await.unwrap();
        ticker.abort();
        assert!(verify("uma senha bem comprida".into(), h).await.unwrap());
        assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) > 1);
    }
}
