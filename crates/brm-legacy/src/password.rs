//! The old system's password hashes, kept so its users log in with the password they
//! know: 64 hexadecimal characters of salt followed by the hexadecimal
//! PBKDF2-HMAC-SHA512 of the password, salted with those 64 characters as ASCII,
//! 100,000 iterations.
//!
//! On the way in the hash is stored marked ([`PREFIX`]) so nobody mistakes it for an
//! argon2id PHC string; the first successful login replaces it with argon2id.

use sha2::Sha512;

/// What marks a stored hash as the old system's. Never a valid PHC string's start.
pub const PREFIX: &str = "legado-pbkdf2-sha512$";
pub const ITERATIONS: u32 = 100_000;
const SALT_HEX: usize = 64;
const DIGEST_HEX: usize = 128;

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The old hash marked for our users table, or `None` when it is not in the old format
/// (192 hexadecimal characters).
pub fn mark(old: &str) -> Option<String> {
    let old = old.trim();
    (old.len() == SALT_HEX + DIGEST_HEX && is_hex(old))
        .then(|| format!("{PREFIX}{}", old.to_ascii_lowercase()))
}

/// Whether a stored hash is a marked legacy one.
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Checks `password` against a marked legacy hash, in constant time over the digest.
/// False for a wrong password and for anything malformed. Slow on purpose (100,000
/// rounds): call it off the async runtime.
pub fn verify(password: &str, stored: &str) -> bool {
    let Some(body) = stored.strip_prefix(PREFIX) else {
        return false;
    };
    if body.len() != SALT_HEX + DIGEST_HEX || !is_hex(body) {
        return false;
    }
    let (salt, digest_hex) = body.split_at(SALT_HEX);
    let Ok(expected) = hex::decode(digest_hex) else {
        return false;
    };
    let mut got = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(password.as_bytes(), salt.as_bytes(), ITERATIONS, &mut got);
    // Constant-time comparison: no early exit on the first differing byte.
    got.iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// A hash in the old system's format (for tests and the synthetic old database).
pub fn old_format(password: &str, salt_hex: &str) -> String {
    let mut got = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(
        password.as_bytes(),
        salt_hex.as_bytes(),
        ITERATIONS,
        &mut got,
    );
    format!("{salt_hex}{}", hex::encode(got))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn matches_pythons_hashlib() {
        // hashlib.pbkdf2_hmac("sha512", b"segredo", SALT.encode("ascii"), 100_000).hex()[:32]
        let h = old_format("segredo", SALT);
        assert_eq!(h.len(), 192);
        assert_eq!(&h[64..96], "c733e0d145f4827743f9c082559d3f96", "{h}");
    }

    #[test]
    fn marked_hash_verifies_only_the_right_password() {
        let marked = mark(&old_format("segredo", SALT)).unwrap();
        assert!(is_legacy(&marked));
        assert!(verify("segredo", &marked));
        assert!(!verify("Segredo", &marked));
        assert!(!verify("segredo", &old_format("segredo", SALT)), "unmarked");
        assert!(!verify("segredo", "legado-pbkdf2-sha512$abc"));
    }

    #[test]
    fn other_formats_are_not_marked() {
        assert_eq!(mark("$2b$12$abcdefghijklmnopqrstuv"), None);
        assert_eq!(mark(&"g".repeat(192)), None);
        assert_eq!(mark(&"a".repeat(191)), None);
        assert!(!is_legacy("$argon2id$v=19$m=19456,t=2,p=1$x$y"));
    }
}
