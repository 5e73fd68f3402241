//! The old system's `.env`: the robot service's address and token, in plain text. Only
//! those two keys are read; of the others (Flask's SECRET_KEY, MinIO's keys, database
//! passwords) only the names are kept, for the preview's list of what is not imported:
//! their values are never kept or shown.

use brm_core::{Error, ErrorCode, Result};
use std::path::Path;

pub const URL_KEY: &str = "API_EXTERNA_URL";
pub const TOKEN_KEY: &str = "API_EXTERNA_TOKEN";

#[derive(Clone, Default, PartialEq, Eq)]
pub struct OldEnv {
    pub robot_url: Option<String>,
    pub robot_token: Option<String>,
    /// The names of the other keys, in file order.
    pub other_keys: Vec<String>,
}

impl std::fmt::Debug for OldEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OldEnv")
            .field("robot_url", &self.robot_url)
            .field("robot_token", &self.robot_token.as_ref().map(|_| "***"))
            .field("other_keys", &self.other_keys)
            .finish()
    }
}

pub fn read(path: &Path) -> Result<OldEnv> {
    let bad = |detail: String| {
        Error::new(
            ErrorCode::Validation,
            format!(
                "Não foi possível ler o arquivo .env do sistema antigo ({}): {detail}",
                path.display()
            ),
        )
    };
    if !path.is_file() {
        return Err(bad("arquivo não encontrado".into()));
    }
    let mut env = OldEnv::default();
    for item in dotenvy::from_path_iter(path).map_err(|e| bad(e.to_string()))? {
        // A malformed line says where, never what it held (it may be a secret).
        let (k, v) = item.map_err(|e| match e {
            dotenvy::Error::LineParse(_, at) => bad(format!("linha inválida (posição {at})")),
            other => bad(other.to_string()),
        })?;
        let v = v.trim().to_string();
        match k.as_str() {
            URL_KEY if !v.is_empty() => env.robot_url = Some(v),
            TOKEN_KEY if !v.is_empty() => env.robot_token = Some(v),
            URL_KEY | TOKEN_KEY => {}
            other => env.other_keys.push(other.to_string()),
        }
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_two_keys_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("brm-legacy-env-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(".env");
        std::fs::write(
            &p,
            "# comentário\nSECRET_KEY=x\nAPI_EXTERNA_URL=http://robo:8000\nAPI_EXTERNA_TOKEN=\"abc 123\"\n",
        )
        .unwrap();
        let env = read(&p).unwrap();
        assert_eq!(env.robot_url.as_deref(), Some("http://robo:8000"));
        assert_eq!(env.robot_token.as_deref(), Some("abc 123"));
        assert_eq!(env.other_keys, ["SECRET_KEY"]);
        assert!(!format!("{env:?}").contains("abc 123"));
        let e = read(&dir.join("nao-existe")).unwrap_err();
        assert!(
            e.message.contains("arquivo não encontrado"),
            "{}",
            e.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
