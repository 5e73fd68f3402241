//! `brm-desk worker`: the background service without a window, for a machine that
//! should keep downloading and sending invoices with nobody logged in. Same database
//! choice, same keyring, same storage and robot settings as the desktop app; several
//! workers and desktops on one PostgreSQL share the work through leases.

use crate::{db_config, logging, paths};
use brm_secrets::{KeyStore, OsKeyring, SecretBox};
use brm_worker::runtime::{self, RobotSetup};
use std::sync::Arc;

/// True when the first argument asks for the worker.
pub fn requested() -> bool {
    std::env::args().nth(1).as_deref() == Some("worker")
}

/// Runs until Ctrl+C or SIGTERM; the exit code says how it ended.
pub fn run() -> i32 {
    let data_dir = dirs::data_dir().map(|d| d.join(paths::IDENTIFIER));
    let config_dir = dirs::config_dir().map(|d| d.join(paths::IDENTIFIER));
    // The same folder as the window's (Tauri's app_log_dir), found by the identifier.
    let log_dir = brm_logging::default_log_dir(paths::IDENTIFIER);
    let _guard = logging::init(log_dir.as_deref());
    if let Some(dir) = &log_dir {
        println!("Registro do serviço em {}", dir.display());
    }
    let choice =
        db_config::startup_choice_in(config_dir, paths::default_sqlite_file(data_dir.clone()));
    let Some(data_dir) = data_dir else {
        eprintln!("Não há pasta de dados do usuário (HOME não definido).");
        return 2;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Não foi possível iniciar: {e}");
            return 1;
        }
    };
    rt.block_on(async move {
        let url = match choice.url {
            Ok(url) => url,
            Err(e) => {
                eprintln!("{}", e.message);
                return 2;
            }
        };
        if brm_store::postgres::shared::person_login_options(&url).is_some() {
            // The entry login can do nothing but open the login screen.
            eprintln!(
                "Este computador está configurado para que cada pessoa entre com o próprio login \
                 do banco; uma máquina robô entra com o login dela (brm-desk preparar-banco --robo \
                 NOME), em Configurações → Banco de dados, sem marcar o login próprio."
            );
            return 2;
        }
        // The desktop app creates the embedded database; the service never does. Run under
        // another account (a service account, another login), it would otherwise start
        // on a new, empty database of its own and quietly do nothing.
        if let Some(file) = brm_store::sqlite_file(&url).filter(|f| !f.exists()) {
            eprintln!("{}", no_database(&file));
            return 2;
        }
        let store = match brm_store::connect(&url).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}", brm_core::Error::from(e).message);
                return 2;
            }
        };
        let keys: Arc<dyn KeyStore> = Arc::new(OsKeyring::app());
        let secrets = Arc::new(SecretBox::new(keys.clone()));
        let setup = RobotSetup::from_env(data_dir, keys);
        let robot = match runtime::start(store, secrets, setup).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        // The handlers are in place before the line that says the service runs: a
        // supervisor (or a test) that stops it right after that line must get the clean
        // stop, not the default action of the signal.
        let stop = match StopSignals::install() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("Não foi possível tratar os sinais de parada: {e}");
                robot.shutdown().await;
                return 2;
            }
        };
        println!(
            "Serviço em segundo plano em execução (banco: {}, robô: {}). Ctrl+C encerra.",
            brm_store::redact_url(&url),
            robot.robot_url
        );
        stop.wait().await;
        println!(
            "Encerrando: os pedidos ao robô em andamento têm até 15 s para terminar; os jobs \
             acompanhados passam na hora para o próximo serviço."
        );
        robot.shutdown().await;
        0
    })
}

/// Why the service does not start on a database file that does not exist.
fn no_database(file: &std::path::Path) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "?".into());
    format!(
        "Não há banco de dados em {} (usuário {user}). O serviço de robôs não cria um banco \
         novo: abra o BRM RPA Desk uma vez com este mesmo usuário, ou aponte o banco \
         compartilhado (Configurações → Banco de dados, ou a variável BRM_DATABASE_URL).",
        file.display()
    )
}

/// The stop requests the service answers: Ctrl+C everywhere, SIGTERM on Unix (systemd,
/// launchd). Registered when built, so no signal arriving later is missed.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(windows)]
        {
            Ok(Self {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}
