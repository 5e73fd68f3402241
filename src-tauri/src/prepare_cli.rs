//! `brm-desk preparar-banco`: "Preparar o banco compartilhado" from a terminal, run once per
//! version by whoever holds the owner role's password (the office's database
//! administrator or its BRM administrator), never by a desktop's ordinary start. What it
//! applies and why: brm_service::shared_setup and the README.
//!
//!   brm-desk preparar-banco --servidor banco.escritorio.local --banco brm --dono brm_dono \
//!       [--porta 5432] [--tls verify-full] [--ac /caminho/ac.crt] \
//!       [--admin-nome "Ana Administradora" --admin-email ana@empresa.com.br]
//!
//! Passwords: BRM_SENHA_DONO and BRM_SENHA_ADMIN, or typed without echo when asked.

use brm_core::user::NewAdminInput;
use brm_service::db_settings::{PostgresConfig, SslMode};

/// True when the first argument asks for the preparation.
pub fn requested() -> bool {
    std::env::args().nth(1).as_deref() == Some("preparar-banco")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub config: PostgresConfig,
    /// (name, e-mail) of the first administrator.
    pub admin: Option<(String, String)>,
    /// `--robo NOME`: a login for this robot machine (password in BRM_SENHA_ROBO).
    pub robot: Option<String>,
}

const USAGE: &str = "uso: brm-desk preparar-banco --servidor HOST --banco NOME --dono PAPEL \
[--porta 5432] [--tls disable|prefer|require|verify-ca|verify-full] [--ac ARQUIVO.crt] \
[--admin-nome NOME --admin-email E-MAIL] [--robo NOME-DA-MAQUINA]";

/// The options after `preparar-banco`.
pub fn parse(args: &[String]) -> Result<Args, String> {
    let mut host = None;
    let mut port: u16 = 5432;
    let mut database = None;
    let mut owner = None;
    let mut tls = None;
    let mut ca = None;
    let mut name = None;
    let mut email = None;
    let mut robot = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} precisa de um valor.\n{USAGE}"))
        };
        match flag.as_str() {
            "--servidor" => host = Some(value()?),
            "--porta" => {
                let v = value()?;
                port = v
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("Porta inválida: {v}"))?;
            }
            "--banco" => database = Some(value()?),
            "--dono" => owner = Some(value()?),
            "--tls" => {
                let v = value()?;
                tls = Some(
                    SslMode::parse(&v)
                        .ok_or_else(|| format!("Modo de TLS desconhecido: {v}\n{USAGE}"))?,
                );
            }
            "--ac" => ca = Some(value()?),
            "--admin-nome" => name = Some(value()?),
            "--admin-email" => email = Some(value()?),
            "--robo" => robot = Some(value()?),
            "-h" | "--help" | "--ajuda" => return Err(USAGE.to_string()),
            other => return Err(format!("Opção desconhecida: {other}\n{USAGE}")),
        }
    }
    let need = |v: Option<String>, what: &str| v.ok_or_else(|| format!("Informe {what}.\n{USAGE}"));
    let host = need(host, "o servidor (--servidor)")?;
    let admin = match (name, email) {
        (Some(n), Some(e)) => Some((n, e)),
        (None, None) => None,
        _ => {
            return Err(format!(
                "Informe o nome e o e-mail do primeiro administrador juntos.\n{USAGE}"
            ))
        }
    };
    Ok(Args {
        config: PostgresConfig {
            sslmode: tls.unwrap_or_else(|| SslMode::default_for(&host)),
            host,
            port,
            database: need(database, "o banco (--banco)")?,
            username: need(owner, "o papel dono do banco (--dono)")?,
            ca_file: ca,
        },
        admin,
        robot,
    })
}

fn password(env: &str, prompt: &str) -> Result<String, String> {
    if let Ok(p) = std::env::var(env) {
        return Ok(p);
    }
    rpassword::prompt_password(prompt)
        .map_err(|e| format!("Não foi possível ler a senha ({env}): {e}"))
}

/// Runs the step; the exit code says how it ended.
pub fn run() -> i32 {
    let rest: Vec<String> = std::env::args().skip(2).collect();
    let args = match parse(&rest) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let owner_password = match password(
        "BRM_SENHA_DONO",
        &format!("Senha de {}: ", args.config.username),
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let admin = match &args.admin {
        Some((name, email)) => match password(
            "BRM_SENHA_ADMIN",
            &format!("Senha de {email} (primeiro administrador): "),
        ) {
            Ok(p) => Some(NewAdminInput {
                full_name: name.clone(),
                email: email.clone(),
                password: p.clone(),
                password_confirmation: p,
            }),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        },
        None => None,
    };
    let robot = match &args.robot {
        Some(name) => match password(
            "BRM_SENHA_ROBO",
            &format!("Senha da máquina robô {name} (pelo menos 16 caracteres): "),
        ) {
            Ok(p) => Some(brm_service::shared_setup::RobotMachine {
                name: name.clone(),
                password: p,
            }),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        },
        None => None,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Não foi possível iniciar: {e}");
            return 1;
        }
    };
    match rt.block_on(brm_service::shared_setup::prepare_with_robot(
        &args.config,
        &owner_password,
        admin,
        robot,
    )) {
        Ok(report) => {
            for line in report.lines {
                println!("{line}");
            }
            0
        }
        Err(e) => {
            eprintln!("{}", e.message);
            for f in e.fields {
                eprintln!("  {}: {}", f.field, f.message);
            }
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_remote_server_defaults_to_verify_full() {
        let a = parse(&args(&[
            "--servidor",
            "banco.escritorio.local",
            "--banco",
            "brm",
            "--dono",
            "brm_dono",
        ]))
        .unwrap();
        assert_eq!(a.config.sslmode, SslMode::VerifyFull);
        assert_eq!(a.config.port, 5432);
        assert!(a.admin.is_none());
    }

    #[test]
    fn every_option_and_the_first_administrator() {
        let a = parse(&args(&[
            "--servidor",
            "localhost",
            "--porta",
            "5433",
            "--banco",
            "brm",
            "--dono",
            "brm_dono",
            "--tls",
            "require",
            "--ac",
            "/etc/ac.crt",
            "--admin-nome",
            "Ana",
            "--admin-email",
            "ana@beg.com.br",
            "--robo",
            "robo-1",
        ]))
        .unwrap();
        assert_eq!(a.robot.as_deref(), Some("robo-1"));
        assert_eq!((a.config.port, a.config.sslmode), (5433, SslMode::Require));
        assert_eq!(a.config.ca_file.as_deref(), Some("/etc/ac.crt"));
        assert_eq!(a.admin, Some(("Ana".into(), "ana@beg.com.br".into())));
    }

    #[test]
    fn mistakes_are_said_in_portuguese() {
        let e = parse(&args(&["--servidor", "x", "--banco", "brm"])).unwrap_err();
        assert!(e.starts_with("Informe o papel dono"), "{e}");
        let e = parse(&args(&[
            "--servidor",
            "x",
            "--banco",
            "b",
            "--dono",
            "d",
            "--tls",
            "talvez",
        ]))
        .unwrap_err();
        assert!(e.starts_with("Modo de TLS desconhecido"), "{e}");
        let e = parse(&args(&[
            "--servidor",
            "x",
            "--banco",
            "b",
            "--dono",
            "d",
            "--admin-nome",
            "Ana",
        ]))
        .unwrap_err();
        assert!(e.contains("juntos"), "{e}");
        let e = parse(&args(&["--porta", "0"])).unwrap_err();
        assert!(e.starts_with("Porta inválida"), "{e}");
    }
}
