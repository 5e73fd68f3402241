//! `brm-desk servico-windows …`: the words of the Windows service commands, kept apart
//! from the Windows-only code (worker_service_windows.rs) so they are tested on every OS.
//!
//!   brm-desk servico-windows instalar --conta CONTA [--dados PASTA] [--banco URL] [--manual]
//!   brm-desk servico-windows remover
//!   brm-desk servico-windows executar --dados PASTA [--banco URL]   (what Windows runs)
//!
//! Which account runs the service decides whose Credential Manager (the storage keys, the
//! database password) it reads, so `--conta` is never guessed; which folder holds the
//! database, its choice (database.json) and the logs is written into the service's own
//! command line, so the service never falls back to the profile of the account it runs as.

use std::path::{Path, PathBuf};

/// The service's name in the Service Control Manager (`sc query BRMRPADeskWorker`).
pub const SERVICE_NAME: &str = "BRMRPADeskWorker";
pub const DISPLAY_NAME: &str = "BRM RPA Desk — serviço de robôs";
pub const DESCRIPTION: &str = "Baixa e envia as faturas de telecom sem janela aberta (brm-desk \
worker). Usa o chaveiro (Gerenciador de Credenciais) da conta em que roda.";
/// The first argument of these commands.
pub const COMMAND: &str = "servico-windows";
/// Where the service's data folder can be named instead of `--dados`.
pub const DATA_DIR_ENV: &str = "BRM_DATA_DIR";

pub const USAGE: &str = "uso:
  brm-desk servico-windows instalar --conta CONTA [--dados PASTA] [--banco URL] [--manual]
  brm-desk servico-windows remover
  brm-desk servico-windows executar --dados PASTA [--banco URL]   (quem roda é o Windows)
CONTA: .\\usuario ou DOMINIO\\usuario (a senha é pedida sem eco ou lida de BRM_SENHA_CONTA),
NT AUTHORITY\\LocalService, NT AUTHORITY\\NetworkService ou LocalSystem.";

/// True when the first argument asks for one of these commands.
pub fn requested() -> bool {
    std::env::args().nth(1).as_deref() == Some(COMMAND)
}

/// The account the service runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// `LocalSystem`: the machine's own account, with a keyring and a profile of its own.
    LocalSystem,
    /// `NT AUTHORITY\LocalService` or `NT AUTHORITY\NetworkService`: no password.
    Builtin(String),
    /// A person's or a robot's login (`.\ana`, `ESCRITORIO\robo1`, `robo1@escritorio.local`):
    /// Windows asks for its password when the service is registered.
    User(String),
}

impl Account {
    pub fn parse(raw: &str) -> Result<Account, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(format!("Informe a conta do serviço (--conta).\n{USAGE}"));
        }
        let lower = name.to_lowercase();
        match lower.as_str() {
            "localsystem" | "system" | "nt authority\\system" | ".\\localsystem" => {
                return Ok(Account::LocalSystem)
            }
            "localservice" | "nt authority\\localservice" => {
                return Ok(Account::Builtin("NT AUTHORITY\\LocalService".into()))
            }
            "networkservice" | "nt authority\\networkservice" => {
                return Ok(Account::Builtin("NT AUTHORITY\\NetworkService".into()))
            }
            _ => {}
        }
        // CreateService wants DOMAIN\user, .\user for a local account, or user@domain.
        if name.contains('\\') || name.contains('@') {
            Ok(Account::User(name.to_string()))
        } else {
            Ok(Account::User(format!(".\\{name}")))
        }
    }

    /// What the Service Control Manager is given (`None` is LocalSystem).
    pub fn service_account(&self) -> Option<&str> {
        match self {
            Account::LocalSystem => None,
            Account::Builtin(name) | Account::User(name) => Some(name),
        }
    }

    /// Whether Windows needs the account's password to register the service.
    pub fn needs_password(&self) -> bool {
        matches!(self, Account::User(_))
    }

    /// The user name without its domain (`ana` for `.\ana` and `ana@empresa`).
    pub fn user_name(&self) -> Option<&str> {
        match self {
            Account::User(name) => {
                let name = name.rsplit('\\').next().unwrap_or(name);
                Some(name.split('@').next().unwrap_or(name))
            }
            _ => None,
        }
    }

    /// How the account is named to the person installing.
    pub fn describe(&self) -> String {
        match self {
            Account::LocalSystem => "LocalSystem (a conta do próprio Windows)".into(),
            Account::Builtin(name) | Account::User(name) => name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallArgs {
    pub account: Account,
    /// `--dados`: the folder of the database, its choice and the logs.
    pub data_dir: Option<PathBuf>,
    /// `--banco`: a database URL that wins over the folder's database.json.
    pub database_url: Option<String>,
    /// `--manual`: started by hand (`sc start`), not with Windows.
    pub manual: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Install(InstallArgs),
    Remove,
    Run(RunArgs),
}

/// The words after `servico-windows`. `env_data_dir` is BRM_DATA_DIR, read by the caller.
pub fn parse(args: &[String], env_data_dir: Option<String>) -> Result<Command, String> {
    let Some((verb, rest)) = args.split_first() else {
        return Err(USAGE.to_string());
    };
    let mut account = None;
    let mut data_dir: Option<PathBuf> = None;
    let mut database_url = None;
    let mut manual = false;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("{flag} precisa de um valor.\n{USAGE}"))
        };
        match flag.as_str() {
            "--conta" if verb == "instalar" => account = Some(Account::parse(&value()?)?),
            "--manual" if verb == "instalar" => manual = true,
            "--dados" if verb != "remover" => data_dir = Some(PathBuf::from(value()?)),
            "--banco" if verb != "remover" => database_url = Some(checked_url(&value()?)?),
            "-h" | "--help" | "--ajuda" => return Err(USAGE.to_string()),
            other => return Err(format!("Opção desconhecida: {other}\n{USAGE}")),
        }
    }
    let data_dir = data_dir.or_else(|| {
        env_data_dir
            .filter(|d| !d.trim().is_empty())
            .map(PathBuf::from)
    });
    if let Some(dir) = &data_dir {
        if !dir.is_absolute() && !looks_absolute_on_windows(dir) {
            return Err(format!(
                "A pasta de dados precisa ser um caminho completo (C:\\...): {}",
                dir.display()
            ));
        }
    }
    match verb.as_str() {
        "instalar" => Ok(Command::Install(InstallArgs {
            account: account.ok_or_else(|| {
                format!(
                    "Informe a conta em que o serviço roda (--conta): é o Gerenciador de \
                     Credenciais dessa conta que guarda as chaves do robô e a senha do banco. \
                     Em geral é o usuário que abre o BRM RPA Desk nesta máquina, por exemplo \
                     --conta .\\{}.\n{USAGE}",
                    std::env::var("USERNAME").unwrap_or_else(|_| "usuario".into())
                )
            })?,
            data_dir,
            database_url,
            manual,
        })),
        "remover" => Ok(Command::Remove),
        "executar" => Ok(Command::Run(RunArgs {
            data_dir: data_dir.ok_or_else(|| {
                format!(
                    "O serviço precisa saber a pasta de dados (--dados PASTA ou {DATA_DIR_ENV}); \
                     sem ela usaria a pasta da conta do serviço, com outro banco."
                )
            })?,
            database_url,
        })),
        other => Err(format!("Comando desconhecido: {other}\n{USAGE}")),
    }
}

/// `C:\…` or `\\servidor\…`, also when these tests run on Linux.
fn looks_absolute_on_windows(dir: &Path) -> bool {
    let s = dir.to_string_lossy();
    let b = s.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || s.starts_with("\\\\")
}

/// A database URL for the service's command line, which any user of the machine can read
/// (the registry's ImagePath): never with a password in it.
fn checked_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((creds, _)) = authority.rsplit_once('@') {
            if creds.contains(':') {
                return Err(
                    "--banco não aceita senha na URL: a linha de comando do serviço fica no \
                     registro do Windows, legível por qualquer usuário. Configure o banco \
                     compartilhado no aplicativo, com a conta do serviço (a senha vai para o \
                     chaveiro dela), e use só --dados."
                        .into(),
                );
            }
        }
    }
    Ok(url.to_string())
}

/// Which data folder `instalar` writes into the service's command line: `--dados`, else the
/// installing person's own folder, but only when the service runs as that same person (an
/// account's keyring and another person's folder do not go together by accident).
pub fn install_data_dir(
    args: &InstallArgs,
    current_user: Option<&str>,
    own_data_dir: Option<PathBuf>,
) -> Result<PathBuf, String> {
    if let Some(dir) = &args.data_dir {
        return Ok(dir.clone());
    }
    let same_person = match (args.account.user_name(), current_user) {
        (Some(account), Some(me)) => account.eq_ignore_ascii_case(me),
        _ => false,
    };
    match own_data_dir {
        Some(dir) if same_person => Ok(dir),
        _ => Err(format!(
            "Informe a pasta de dados com --dados: o serviço roda como {}, não como {}, e não \
             deve usar a pasta da conta dele sem que isso esteja escrito. Em geral é a pasta \
             do aplicativo de quem configurou o robô: %APPDATA%\\{} desse usuário.",
            args.account.describe(),
            current_user.unwrap_or("o usuário atual"),
            crate::paths::IDENTIFIER
        )),
    }
}

/// The arguments Windows passes to `brm-desk` when it starts the service.
pub fn launch_arguments(data_dir: &Path, database_url: Option<&str>) -> Vec<String> {
    let mut args = vec![
        COMMAND.to_string(),
        "executar".to_string(),
        "--dados".to_string(),
        data_dir.to_string_lossy().into_owned(),
    ];
    if let Some(url) = database_url {
        args.push("--banco".into());
        args.push(url.into());
    }
    args
}

/// The command line as the Service Control Manager stores it: the same quoting the
/// windows-service crate applies (its shell_escape.rs), shown by `instalar`.
pub fn command_line(exe: &Path, args: &[String]) -> String {
    let mut line = quote(&exe.to_string_lossy());
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    line
}

/// One argument quoted for CommandLineToArgvW: in quotes when it has a space, a tab, a
/// line break or a quote; backslashes doubled only before a quote (and the closing one).
pub fn quote(arg: &str) -> String {
    let needs = arg.is_empty() || arg.contains([' ', '\t', '\n', '\u{b}', '"']);
    if !needs {
        return arg.to_string();
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    let mut chars = arg.chars().peekable();
    loop {
        let mut slashes = 0;
        while chars.peek() == Some(&'\\') {
            chars.next();
            slashes += 1;
        }
        match chars.next() {
            Some('"') => {
                out.push_str(&"\\".repeat(slashes * 2 + 1));
                out.push('"');
            }
            Some(c) => {
                out.push_str(&"\\".repeat(slashes));
                out.push(c);
            }
            None => {
                out.push_str(&"\\".repeat(slashes * 2));
                break;
            }
        }
    }
    out.push('"');
    out
}

/// Where the service's log files go, inside its data folder.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn install_reads_the_account_the_folder_and_the_database() {
        let c = parse(
            &words(&[
                "instalar",
                "--conta",
                "ESCRITORIO\\robo1",
                "--dados",
                "C:\\Users\\robo1\\AppData\\Roaming\\br.com.brmsolutions.rpadesk",
                "--banco",
                "postgres://brm_r_robo1@banco.escritorio.local/brm",
                "--manual",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            c,
            Command::Install(InstallArgs {
                account: Account::User("ESCRITORIO\\robo1".into()),
                data_dir: Some(PathBuf::from(
                    "C:\\Users\\robo1\\AppData\\Roaming\\br.com.brmsolutions.rpadesk"
                )),
                database_url: Some("postgres://brm_r_robo1@banco.escritorio.local/brm".into()),
                manual: true,
            })
        );
    }

    #[test]
    fn install_needs_an_account() {
        let e = parse(&words(&["instalar"]), None).unwrap_err();
        assert!(
            e.contains("--conta") && e.contains("Gerenciador de Credenciais"),
            "{e}"
        );
    }

    #[test]
    fn accounts_are_named_as_the_service_manager_wants() {
        assert_eq!(
            Account::parse("ana").unwrap(),
            Account::User(".\\ana".into())
        );
        assert_eq!(
            Account::parse(".\\ana").unwrap(),
            Account::User(".\\ana".into())
        );
        assert_eq!(
            Account::parse("ana@empresa.com.br").unwrap(),
            Account::User("ana@empresa.com.br".into())
        );
        assert_eq!(Account::parse("LocalSystem").unwrap(), Account::LocalSystem);
        assert_eq!(
            Account::parse("NT AUTHORITY\\SYSTEM").unwrap(),
            Account::LocalSystem
        );
        let ns = Account::parse("networkservice").unwrap();
        assert_eq!(ns, Account::Builtin("NT AUTHORITY\\NetworkService".into()));
        assert!(!ns.needs_password() && ns.user_name().is_none());
        assert_eq!(Account::LocalSystem.service_account(), None);
        let ana = Account::parse("EMPRESA\\ana").unwrap();
        assert!(ana.needs_password());
        assert_eq!(ana.service_account(), Some("EMPRESA\\ana"));
        assert_eq!(ana.user_name(), Some("ana"));
        assert_eq!(
            Account::parse("ana@empresa").unwrap().user_name(),
            Some("ana")
        );
        assert!(Account::parse("  ").is_err());
    }

    #[test]
    fn the_folder_defaults_to_the_installers_only_for_the_same_person() {
        let own = PathBuf::from("C:\\Users\\ana\\AppData\\Roaming\\br.com.brmsolutions.rpadesk");
        let args = |account: &str| InstallArgs {
            account: Account::parse(account).unwrap(),
            data_dir: None,
            database_url: None,
            manual: false,
        };
        assert_eq!(
            install_data_dir(&args(".\\Ana"), Some("ana"), Some(own.clone())).unwrap(),
            own
        );
        let e = install_data_dir(&args("robo1"), Some("ana"), Some(own.clone())).unwrap_err();
        assert!(e.contains("--dados") && e.contains(".\\robo1"), "{e}");
        let e = install_data_dir(&args("LocalSystem"), Some("ana"), Some(own.clone()));
        assert!(e.unwrap_err().contains("LocalSystem"));
        let explicit = InstallArgs {
            data_dir: Some(PathBuf::from("D:\\brm")),
            ..args("LocalSystem")
        };
        assert_eq!(
            install_data_dir(&explicit, Some("ana"), Some(own)).unwrap(),
            PathBuf::from("D:\\brm")
        );
    }

    #[test]
    fn run_needs_a_folder_from_the_flag_or_the_environment() {
        let e = parse(&words(&["executar"]), None).unwrap_err();
        assert!(e.contains("--dados") && e.contains(DATA_DIR_ENV), "{e}");
        let c = parse(&words(&["executar"]), Some("D:\\dados brm".into())).unwrap();
        assert_eq!(
            c,
            Command::Run(RunArgs {
                data_dir: PathBuf::from("D:\\dados brm"),
                database_url: None
            })
        );
        // The flag wins over the environment.
        let c = parse(
            &words(&["executar", "--dados", "E:\\brm"]),
            Some("D:\\x".into()),
        )
        .unwrap();
        assert!(
            matches!(c, Command::Run(RunArgs { data_dir, .. }) if data_dir == Path::new("E:\\brm"))
        );
        let e = parse(&words(&["executar", "--dados", "dados"]), None).unwrap_err();
        assert!(e.contains("caminho completo"), "{e}");
        assert!(parse(&words(&["executar", "--dados", "\\\\srv\\brm"]), None).is_ok());
    }

    #[test]
    fn unknown_words_and_misplaced_flags_are_refused() {
        assert!(parse(&[], None).unwrap_err().starts_with("uso:"));
        assert!(parse(&words(&["iniciar"]), None)
            .unwrap_err()
            .contains("Comando desconhecido"));
        assert!(parse(&words(&["remover", "--dados", "C:\\x"]), None)
            .unwrap_err()
            .contains("Opção desconhecida"));
        assert!(parse(&words(&["executar", "--conta", "ana"]), None)
            .unwrap_err()
            .contains("Opção desconhecida"));
        assert!(parse(&words(&["instalar", "--conta"]), None)
            .unwrap_err()
            .contains("precisa de um valor"));
        assert_eq!(parse(&words(&["remover"]), None).unwrap(), Command::Remove);
    }

    #[test]
    fn a_password_never_goes_into_the_command_line() {
        let e = parse(
            &words(&[
                "instalar",
                "--conta",
                "ana",
                "--banco",
                "postgres://brm_app:segredo@banco/brm",
            ]),
            None,
        )
        .unwrap_err();
        assert!(e.contains("senha") && !e.contains("segredo"), "{e}");
        assert!(checked_url("postgres://brm_app@banco/brm?sslmode=require").is_ok());
        assert!(checked_url("sqlite://C:/dados/brm-desk.sqlite3").is_ok());
    }

    #[test]
    fn the_command_line_quotes_paths_with_spaces() {
        let args = launch_arguments(
            Path::new("C:\\Users\\Ana Paula\\AppData\\Roaming\\br.com.brmsolutions.rpadesk"),
            Some("postgres://brm_r_robo1@banco/brm"),
        );
        assert_eq!(
            command_line(
                Path::new("C:\\Program Files\\BRM RPA Desk\\brm-desk.exe"),
                &args
            ),
            "\"C:\\Program Files\\BRM RPA Desk\\brm-desk.exe\" servico-windows executar --dados \
             \"C:\\Users\\Ana Paula\\AppData\\Roaming\\br.com.brmsolutions.rpadesk\" --banco \
             postgres://brm_r_robo1@banco/brm"
        );
        let plain = launch_arguments(Path::new("D:\\brm"), None);
        assert_eq!(
            plain,
            words(&["servico-windows", "executar", "--dados", "D:\\brm"])
        );
    }

    #[test]
    fn quoting_follows_the_windows_rules() {
        assert_eq!(quote("C:\\brm"), "C:\\brm");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("D:\\dados brm\\"), "\"D:\\dados brm\\\\\"");
        assert_eq!(quote("a \"b\""), "\"a \\\"b\\\"\"");
        assert_eq!(quote("a\\\\\"b"), "\"a\\\\\\\\\\\"b\"");
        assert_eq!(quote("x\\y z"), "\"x\\y z\"");
    }

    #[test]
    fn the_logs_sit_in_the_data_folder() {
        assert_eq!(
            log_dir(Path::new("D:\\brm")),
            Path::new("D:\\brm").join("logs")
        );
    }
}
