//! The old system's password hashes, kept so its people log in with the password they
//! know; the first successful login replaces them with argon2id. Two tables, two formats
//! (`shared/spec/legacy-schema.md`):
//!
//! - `users.password` (the table the old login checked): 64 hexadecimal characters of
//!   salt followed by the hexadecimal PBKDF2-HMAC-SHA512 of the password, salted with
//!   those 64 characters as ASCII, 100,000 iterations. Stored here as [`PREFIX`] + the
//!   192 characters.
//! - `usuarios.password_hash`: Werkzeug's `generate_password_hash`, `method$salt$hex`,
//!   with `scrypt:N:r:p` (Werkzeug 3) or `pbkdf2:<sha1|sha256|sha512>:<iterations>`
//!   (older Werkzeug); the salt is used as its UTF-8 text, the digest is 64 bytes for
//!   scrypt and the hash's size for PBKDF2. Stored here as [`WERKZEUG_PREFIX`] + the
//!   Werkzeug string unchanged.
//!
//! A hash is checked against bounds before anything is computed, at the import and again
//! at every login: a crafted row (N = 2^30, a billion iterations) cannot make a login
//! allocate gigabytes or spin for hours.

use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// What marks a stored hash as the old `users` table's. Never a valid PHC string's start.
pub const PREFIX: &str = "legado-pbkdf2-sha512$";
/// What marks a stored hash as the old `usuarios` table's (Werkzeug's string follows).
pub const WERKZEUG_PREFIX: &str = "legado-werkzeug$";
pub const ITERATIONS: u32 = 100_000;
const SALT_HEX: usize = 64;
const DIGEST_HEX: usize = 128;

/// scrypt: N up to 2^16 and 128·N·r·p up to 64 MiB (Werkzeug 3's default, N = 2^15,
/// r = 8, p = 1, takes 32 MiB).
const SCRYPT_MAX_LOG_N: u8 = 16;
const SCRYPT_MAX_R: u32 = 16;
const SCRYPT_MAX_P: u32 = 4;
const SCRYPT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// PBKDF2: from the lowest count Werkzeug ever used to twice its newest default.
const PBKDF2_MIN_ITERATIONS: u32 = 1_000;
const PBKDF2_MAX_ITERATIONS: u32 = 2_000_000;
const MAX_SALT: usize = 255;

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The old `users.password` marked for our users table, or the reason it cannot be.
pub fn mark_users(old: &str) -> Result<String, String> {
    let old = old.trim();
    if old.is_empty() {
        return Err("Sem senha no banco antigo. Cadastre esta pessoa à mão.".into());
    }
    if old.len() == SALT_HEX + DIGEST_HEX && is_hex(old) {
        Ok(format!("{PREFIX}{}", old.to_ascii_lowercase()))
    } else {
        Err("Senha em formato desconhecido (esperado: 64 caracteres de sal e o PBKDF2-SHA512 em hexadecimal). Cadastre esta pessoa à mão.".into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Digest {
    fn len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha512 => 64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Scrypt { log_n: u8, r: u32, p: u32 },
    Pbkdf2 { digest: Digest, iterations: u32 },
}

struct Werkzeug<'a> {
    method: Method,
    salt: &'a str,
    expected: Vec<u8>,
}

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("Parâmetro {what} inválido no hash do Werkzeug: \"{s}\"."))
}

/// Parses and bounds a Werkzeug hash, as `werkzeug.security.check_password_hash` splits it
/// (`method$salt$hex`), without computing anything.
fn parse_werkzeug(s: &str) -> Result<Werkzeug<'_>, String> {
    let unknown = |m: &str| {
        format!("Senha em formato que o novo sistema não aceita (\"{m}\": sem custo de derivação conhecido). Cadastre esta pessoa à mão.")
    };
    let unknown_format = || {
        "Senha em formato desconhecido (esperado o hash do Werkzeug: método$sal$hash). Cadastre esta pessoa à mão.".to_string()
    };
    // A PHC string or bcrypt ("$argon2id$...", "$2b$..."): another system's, not Werkzeug's.
    if s.starts_with('$') {
        return Err(unknown_format());
    }
    let mut parts = s.splitn(3, '$');
    let (Some(method), Some(salt), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(unknown_format());
    };
    let fields: Vec<&str> = method.split(':').collect();
    let method = match fields.as_slice() {
        ["scrypt", n, r, p] => {
            let n: u64 = number(n, "N")?;
            let r: u32 = number(r, "r")?;
            let p: u32 = number(p, "p")?;
            if !n.is_power_of_two() || n < 2 {
                return Err(format!("Parâmetro N do scrypt inválido: {n} (deve ser potência de 2)."));
            }
            let log_n = n.trailing_zeros() as u8;
            let bytes = 128u64 * n * u64::from(r) * u64::from(p);
            if log_n > SCRYPT_MAX_LOG_N
                || !(1..=SCRYPT_MAX_R).contains(&r)
                || !(1..=SCRYPT_MAX_P).contains(&p)
                || bytes > SCRYPT_MAX_BYTES
            {
                return Err(format!(
                    "Parâmetros do scrypt acima do limite aceito (N={n}, r={r}, p={p}: {} MiB por verificação; o limite é 64 MiB).",
                    bytes / (1024 * 1024)
                ));
            }
            Method::Scrypt { log_n, r, p }
        }
        ["pbkdf2", digest, iterations] => {
            let digest = match *digest {
                "sha1" => Digest::Sha1,
                "sha256" => Digest::Sha256,
                "sha512" => Digest::Sha512,
                other => return Err(unknown(&format!("pbkdf2:{other}"))),
            };
            let iterations: u32 = number(iterations, "de iterações")?;
            if !(PBKDF2_MIN_ITERATIONS..=PBKDF2_MAX_ITERATIONS).contains(&iterations) {
                return Err(format!(
                    "Número de iterações do PBKDF2 fora do aceito: {iterations} (de {PBKDF2_MIN_ITERATIONS} a {PBKDF2_MAX_ITERATIONS})."
                ));
            }
            Method::Pbkdf2 { digest, iterations }
        }
        // Werkzeug without the count used the installed version's default, which the
        // hash does not say: it cannot be checked.
        ["pbkdf2", _] | ["pbkdf2"] => {
            return Err("Hash PBKDF2 do Werkzeug sem o número de iterações: não há como conferir esta senha. Cadastre esta pessoa à mão.".into())
        }
        _ => return Err(unknown(method)),
    };
    if salt.is_empty() || salt.len() > MAX_SALT {
        return Err("Hash do Werkzeug com sal vazio ou longo demais.".into());
    }
    let want = match method {
        Method::Scrypt { .. } => 64,
        Method::Pbkdf2 { digest, .. } => digest.len(),
    };
    if hash.len() != want * 2 || !is_hex(hash) {
        return Err(format!(
            "Hash do Werkzeug com tamanho inesperado ({} caracteres; esperado {}).",
            hash.len(),
            want * 2
        ));
    }
    let expected = hex::decode(hash).map_err(|_| "Hash do Werkzeug ilegível.".to_string())?;
    Ok(Werkzeug {
        method,
        salt,
        expected,
    })
}

/// The old `usuarios.password_hash` (Werkzeug) marked for our users table, or the reason
/// it cannot be.
pub fn mark_werkzeug(old: &str) -> Result<String, String> {
    let old = old.trim();
    if old.is_empty() {
        return Err("Sem senha no banco antigo. Cadastre esta pessoa à mão.".into());
    }
    parse_werkzeug(old)?;
    Ok(format!("{WERKZEUG_PREFIX}{old}"))
}

/// Whether a stored hash is a marked legacy one (either table's).
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with(PREFIX) || stored.starts_with(WERKZEUG_PREFIX)
}

/// What the old hash was, for the audit line of its conversion.
pub fn scheme(stored: &str) -> Option<&'static str> {
    if stored.starts_with(PREFIX) {
        return Some("PBKDF2-SHA512 da tabela users");
    }
    let body = stored.strip_prefix(WERKZEUG_PREFIX)?;
    Some(match parse_werkzeug(body).ok()?.method {
        Method::Scrypt { .. } => "scrypt do Werkzeug (tabela usuarios)",
        Method::Pbkdf2 { .. } => "PBKDF2 do Werkzeug (tabela usuarios)",
    })
}

/// Equal in constant time over the digest: no early exit on the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks `password` against a marked legacy hash. False for a wrong password and for
/// anything malformed or out of bounds. Slow on purpose (100,000 rounds, 32 MiB of
/// scrypt): call it off the async runtime.
pub fn verify(password: &str, stored: &str) -> bool {
    if let Some(body) = stored.strip_prefix(PREFIX) {
        return verify_users(password, body);
    }
    match stored.strip_prefix(WERKZEUG_PREFIX).map(parse_werkzeug) {
        Some(Ok(w)) => verify_werkzeug(password, &w),
        _ => false,
    }
}

fn verify_users(password: &str, body: &str) -> bool {
    if body.len() != SALT_HEX + DIGEST_HEX || !is_hex(body) {
        return false;
    }
    let (salt, digest_hex) = body.split_at(SALT_HEX);
    let Ok(expected) = hex::decode(digest_hex) else {
        return false;
    };
    let mut got = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(password.as_bytes(), salt.as_bytes(), ITERATIONS, &mut got);
    same(&got, &expected)
}

fn verify_werkzeug(password: &str, w: &Werkzeug<'_>) -> bool {
    let pw = password.as_bytes();
    let salt = w.salt.as_bytes();
    let mut got = vec![0u8; w.expected.len()];
    match w.method {
        Method::Scrypt { log_n, r, p } => {
            let Ok(params) = scrypt::Params::new(log_n, r, p, 64) else {
                return false;
            };
            if scrypt::scrypt(pw, salt, &params, &mut got).is_err() {
                return false;
            }
        }
        Method::Pbkdf2 { digest, iterations } => match digest {
            Digest::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(pw, salt, iterations, &mut got),
            Digest::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt, iterations, &mut got),
            Digest::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(pw, salt, iterations, &mut got),
        },
    }
    same(&got, &w.expected)
}

/// A hash in the old `users` format (for tests).
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
    use std::time::{Duration, Instant};

    const SALT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn matches_pythons_hashlib() {
        // hashlib.pbkdf2_hmac("sha512", b"segredo", SALT.encode("ascii"), 100_000).hex()[:32]
        let h = old_format("segredo", SALT);
        assert_eq!(h.len(), 192);
        assert_eq!(&h[64..96], "c733e0d145f4827743f9c082559d3f96", "{h}");
    }

    #[test]
    fn marked_users_hash_verifies_only_the_right_password() {
        let marked = mark_users(&old_format("segredo", SALT)).unwrap();
        assert!(is_legacy(&marked));
        assert!(verify("segredo", &marked));
        assert!(!verify("Segredo", &marked));
        assert!(!verify("segredo", &old_format("segredo", SALT)), "unmarked");
        assert!(!verify("segredo", "legado-pbkdf2-sha512$abc"));
    }

    #[test]
    fn other_formats_are_not_users_hashes() {
        assert!(mark_users("$2b$12$abcdefghijklmnopqrstuv").is_err());
        assert!(mark_users(&"g".repeat(192)).is_err());
        assert!(mark_users(&"a".repeat(191)).is_err());
        assert!(mark_users("").is_err());
        // PostgreSQL's text form of a bytea ("\x3862..."), had it been read as text.
        assert!(mark_users(&format!("\\x{}", hex::encode("a".repeat(192)))).is_err());
        assert!(!is_legacy("$argon2id$v=19$m=19456,t=2,p=1$x$y"));
    }

    /// Werkzeug 3.1.8's own `generate_password_hash` output, checked there with
    /// `check_password_hash` (password "Senha#Antiga1" unless said).
    const VECTORS: &[&str] = &[
        "pbkdf2:sha256:600000$Xy7qR2mN0pLk4TzA$a7bbba03d750381d24f06953c78db17766ab350753383aff4d447eaeaa4cf063",
        "pbkdf2:sha256:260000$Xy7qR2mN0pLk4TzA$8a901a29ec98d11558c01046998e0bb04e0fbe6186217acf899b10eec75fbfca",
        "pbkdf2:sha512:1000$Xy7qR2mN0pLk4TzA$9732a2242b2aecc78cd1409f0ce967ca82fbf2ad26cb865be745a59691ba95f38497a953999b9a9e9c9e0cc8168768883e2818db330d4118838a0e4e7deb8fc6",
        "pbkdf2:sha1:150000$Xy7qR2mN0pLk4TzA$6988e11cc30a12f5894f2ff07ec9d29d29c696d6",
        "scrypt:16384:8:1$Ab3dEf6hIj9kLm2N$b88cd2c4a69014fc04b9527cadf0fd8c6ab3b7fd39a823746e0bf6302fd9cd90bedd39ca3f1c74c36a0fc5b5120c56c8ed1e2d0939ca59b95ece4562ebbaca6f",
    ];

    #[test]
    fn werkzeug_hashes_verify_only_the_right_password() {
        for v in VECTORS {
            let marked = mark_werkzeug(v).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert!(is_legacy(&marked));
            assert!(verify("Senha#Antiga1", &marked), "{v}");
            assert!(!verify("senha#antiga1", &marked), "{v}");
            assert!(scheme(&marked).is_some());
        }
    }

    #[test]
    fn werkzeug_scrypt_of_the_old_fixture_and_utf8_text() {
        // carla@beg.com.br in fixtures/legado/flask-antigo.sqlite3 (password "Carla!2024").
        let carla = "scrypt:32768:8:1$EXqPtYxd6VqwmwR7$da42d7ad6d23416c43c9c440cd9373a9751b030a66519b48c6fcde26ec1bdd29b431284ee72fc2885554a5564f7c3d1cfa4a9ccc5e8121482634a2b82aadcf8a";
        let marked = mark_werkzeug(carla).unwrap();
        assert!(verify("Carla!2024", &marked));
        assert!(!verify("Carla!2025", &marked));
        // Password and salt outside ASCII, used as UTF-8 as Werkzeug does.
        let utf8 = "scrypt:32768:8:1$saltçã$0693bdb706346a4035b52c3c468cc0f36339b650778ef04a260ecb79c85402241b989a9110511cd85fe6182981128a4de25196200fcea427d0792ac20060e0af";
        assert!(verify("Ção€2024", &mark_werkzeug(utf8).unwrap()));
    }

    #[test]
    fn crafted_and_foreign_hashes_are_refused_before_any_work() {
        let hex128 = "ab".repeat(64);
        let crafted = [
            format!("scrypt:1073741824:8:1$salt${hex128}"),
            format!("scrypt:1048576:8:1$salt${hex128}"),
            format!("scrypt:32768:64:1$salt${hex128}"),
            format!("scrypt:32768:8:16$salt${hex128}"),
            format!("scrypt:30000:8:1$salt${hex128}"),
            format!("scrypt:32768:8:1$$${hex128}"),
            format!("scrypt:32768:8:1$salt${}", &hex128[..127]),
            format!("scrypt:32768:8:1$salt${}zz", &hex128[..126]),
            "pbkdf2:sha256:1000000000$salt$".to_string() + &"ab".repeat(32),
            "pbkdf2:sha256:10$salt$".to_string() + &"ab".repeat(32),
            "pbkdf2:sha256$salt$".to_string() + &"ab".repeat(32),
            "pbkdf2:md5:1000$salt$".to_string() + &"ab".repeat(16),
            "plain$$segredo".to_string(),
            "sha1$salt$".to_string() + &"ab".repeat(20),
            "md5$salt$".to_string() + &"ab".repeat(16),
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            "$2b$12$abcdefghijklmnopqrstuuK5z8v1oQ1Tz7lm6nJ3q5mC5r8b1b2Xe".to_string(),
            String::new(),
        ];
        let started = Instant::now();
        for h in &crafted {
            let err = mark_werkzeug(h).expect_err(h);
            assert!(!err.is_empty(), "{h}");
            assert!(!verify("segredo", &format!("{WERKZEUG_PREFIX}{h}")), "{h}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
