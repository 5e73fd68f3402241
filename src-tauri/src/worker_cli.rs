//! `brm-desk worker`: the background service without a window, for a machine that
//! should keep downloading and sending invoices with nobody logged in. Same database
//! choice, same keyring, same storage and robot settings as the desktop app; several
//! workers and desktops on one PostgreSQL share the work through leases.

use crate::{db_config, logging, paths};
use brm_secrets::{KeyStore, OsKeyring, SecretBox};
use brm_worker::runtime::{self, RobotSetup};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

/// True when the first argument asks for the worker.
pub fn requested() -> bool {
    std::env::args().nth(1).as_deref() == Some("worker")
}

/// How the worker was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl+C, Ctrl+Break, SIGTERM, the Windows service's Stop: the robot requests in
    /// flight get their grace (up to 15 s).
    Graceful,
    /// The console window closing, Windows shutting down: the process has a few seconds,
    /// so the jobs are handed back at once and requests in flight are cut off.
    Now,
}

/// What differs when the worker runs as a Windows service (worker_service_windows.rs);
/// the default is `brm-desk worker` in a terminal.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One folder for the data, the database choice (database.json) and the logs (its
    /// `logs` folder) instead of the signed-in person's: a service account must not fall
    /// back to its own profile. On Windows the app's data and config folders are that one
    /// folder anyway (%APPDATA%\br.com.brmsolutions.rpadesk).
    pub data_dir: Option<PathBuf>,
    /// A database URL that wins over BRM_DATABASE_URL and database.json.
    pub database_url: Option<String>,
    /// No terminal: what would be printed goes to the log file only.
    pub log_only: bool,
}

/// Runs until Ctrl+C or SIGTERM (on Windows also Ctrl+Break, the console closing, the
/// shutdown); the exit code says how it ended.
pub fn run() -> i32 {
    run_with(Options::default(), || {
        StopSignals::install().map(StopSignals::wait)
    })
}

/// The worker, stopped by what `running` returns. `running` is called once the worker
/// has started, right before the line that says it runs (a service reports "running"
/// then); its error ends the worker with code 2. Before it, a failure returns 1 or 2
/// with its pt-BR reason (on the terminal, or in the log with `log_only`).
pub fn run_with<F, S>(options: Options, running: F) -> i32
where
    F: FnOnce() -> std::io::Result<S>,
    S: Future<Output = Stop>,
{
    let say = Say {
        log_only: options.log_only,
    };
    let (data_dir, config_dir, log_dir) = match &options.data_dir {
        Some(dir) => (
            Some(dir.clone()),
            Some(dir.clone()),
            Some(crate::worker_service_args::log_dir(dir)),
        ),
        None => (
            // The window's folders (paths::machine_data_dir, machine_config_dir).
            paths::os_machine_data_dir(),
            paths::os_machine_config_dir(),
            // The same folder as the window's (Tauri's app_log_dir), found by the identifier.
            brm_logging::default_log_dir(paths::IDENTIFIER),
        ),
    };
    let _guard = logging::init(log_dir.as_deref());
    if let Some(dir) = &log_dir {
        say.out(&format!("Registro do serviço em {}", dir.display()));
    }
    let choice_url = match options.database_url {
        Some(url) => Ok(url),
        None => {
            db_config::startup_choice_in(config_dir, paths::default_sqlite_file(data_dir.clone()))
                .url
        }
    };
    let Some(data_dir) = data_dir else {
        say.err("Não há pasta de dados do usuário (HOME não definido).");
        return 2;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say.err(&format!("Não foi possível iniciar: {e}"));
            return 1;
        }
    };
    let (code, stop) = rt.block_on(async move {
        let url = match choice_url {
            Ok(url) => url,
            Err(e) => {
                say.err(&e.message);
                return (2, None);
            }
        };
        if brm_store::postgres::shared::person_login_options(&url).is_some() {
            // The entry login can do nothing but open the login screen.
            say.err(
                "Este computador está configurado para que cada pessoa entre com o próprio login \
                 do banco; uma máquina robô entra com o login dela (brm-desk preparar-banco --robo \
                 NOME), em Configurações → Banco de dados, sem marcar o login próprio.",
            );
            return (2, None);
        }
        // The desktop app creates the embedded database; the service never does. Run under
        // another account (a service account, another login), it would otherwise start
        // on a new, empty database of its own and quietly do nothing.
        if let Some(file) = brm_store::sqlite_file(&url).filter(|f| !f.exists()) {
            say.err(&no_database(&file));
            return (2, None);
        }
        let store = match brm_store::connect(&url).await {
            Ok(s) => s,
            Err(e) => {
                say.err(&brm_core::Error::from(e).message);
                return (2, None);
            }
        };
        let keys: Arc<dyn KeyStore> = Arc::new(OsKeyring::app());
        let secrets = Arc::new(SecretBox::new(keys.clone()));
        let setup = RobotSetup::from_env(data_dir, keys);
        let robot = match runtime::start(store, secrets, setup).await {
            Ok(r) => r,
            Err(e) => {
                say.err(&e);
                return (2, None);
            }
        };
        // The handlers are in place before the line that says the service runs: a
        // supervisor (or a test) that stops it right after that line must get the clean
        // stop, not the default action of the signal.
        let stop = match running() {
            Ok(s) => s,
            Err(e) => {
                say.err(&format!("Não foi possível tratar os sinais de parada: {e}"));
                robot.shutdown().await;
                return (2, None);
            }
        };
        // What an administrator compares before approving this machine.
        let m = &robot.machine;
        say.out(&format!(
            "Máquina robô: {} — impressão digital {} — {}.",
            m.name,
            brm_core::robot_machine::grouped(&m.fingerprint),
            m.status.label()
        ));
        if m.status != brm_core::robot_machine::MachineStatus::Aprovada {
            say.out(
                "As senhas dos portais só abrem depois que um administrador aprovar esta máquina \
                 em Configurações → Máquinas robô (confira a impressão digital acima).",
            );
        }
        say.out(&format!(
            "Serviço em segundo plano em execução (banco: {}, robô: {}). Ctrl+C encerra.",
            brm_store::redact_url(&url),
            robot.robot_url
        ));
        match stop.await {
            Stop::Graceful => {
                say.out(
                    "Encerrando: os pedidos ao robô em andamento têm até 15 s para terminar; os \
                     jobs acompanhados passam na hora para o próximo serviço.",
                );
                robot.shutdown().await;
                (0, Some(Stop::Graceful))
            }
            Stop::Now => {
                say.out(
                    "Encerrando agora (a janela fechou ou o Windows está desligando): os jobs \
                     acompanhados passam na hora para o próximo serviço; os pedidos ao robô em \
                     andamento são interrompidos.",
                );
                robot.stop_now().await;
                (0, Some(Stop::Now))
            }
        }
    });
    // Windows kills the process a few seconds after the console closes: nothing left
    // over (a blocking task) may hold the exit up.
    if stop == Some(Stop::Now) {
        rt.shutdown_timeout(std::time::Duration::from_millis(500));
    }
    code
}

/// The worker's own lines: on the terminal, or only in the log for a service (which has
/// no terminal; the log is in a file by then).
#[derive(Clone, Copy)]
struct Say {
    log_only: bool,
}

impl Say {
    fn out(&self, line: &str) {
        if self.log_only {
            tracing::info!("{line}");
        } else {
            println!("{line}");
        }
    }

    fn err(&self, line: &str) {
        if self.log_only {
            tracing::error!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
}

/// Why the service does not start on a database file that does not exist.
fn no_database(file: &std::path::Path) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "?".into());
    let mut text = format!(
        "Não há banco de dados em {} (usuário {user}). O serviço de robôs não cria um banco \
         novo: abra o BRM RPA Desk uma vez com este mesmo usuário, ou aponte o banco \
         compartilhado (Configurações → Banco de dados, ou a variável BRM_DATABASE_URL).",
        file.display()
    );
    // A service installed with --dados in the roaming profile, after the app moved the
    // data out of it (data_move.rs).
    if let Some(note) = file
        .parent()
        .map(|dir| dir.join(crate::data_move::NOTE_FILE))
        .filter(|note| note.exists())
    {
        text.push_str(&format!(
            " Os dados desta pasta foram movidos: o caminho novo está em {}; instale o serviço \
             de novo com --dados nessa pasta.",
            note.display()
        ));
    }
    text
}

/// The stop requests the service answers: Ctrl+C everywhere, SIGTERM on Unix (systemd,
/// launchd); on Windows also Ctrl+Break, and the console closing, the logoff and the
/// shutdown, which leave a few seconds only (`Stop::Now`). Registered when built, so no
/// signal arriving later is missed.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    // Ctrl+C is the one that must work; the others are taken when Windows grants them.
    // Windows delivers the logoff and the shutdown to a console process only when it has
    // no window code loaded (this binary has Tauri's), so those two rarely arrive here.
    #[cfg(windows)]
    ctrl_break: Option<tokio::signal::windows::CtrlBreak>,
    #[cfg(windows)]
    ctrl_close: Option<tokio::signal::windows::CtrlClose>,
    #[cfg(windows)]
    ctrl_logoff: Option<tokio::signal::windows::CtrlLogoff>,
    #[cfg(windows)]
    ctrl_shutdown: Option<tokio::signal::windows::CtrlShutdown>,
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
            use tokio::signal::windows;
            Ok(Self {
                ctrl_c: windows::ctrl_c()?,
                ctrl_break: windows::ctrl_break().ok(),
                ctrl_close: windows::ctrl_close().ok(),
                ctrl_logoff: windows::ctrl_logoff().ok(),
                ctrl_shutdown: windows::ctrl_shutdown().ok(),
            })
        }
    }

    #[cfg(unix)]
    async fn wait(mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Graceful,
            _ = self.terminate.recv() => Stop::Graceful,
        }
    }

    #[cfg(windows)]
    async fn wait(mut self) -> Stop {
        // A listener Windows did not grant never fires.
        macro_rules! or_never {
            ($listener:expr) => {{
                let listener = $listener;
                async move {
                    match listener {
                        Some(mut l) => {
                            l.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                }
            }};
        }
        let ctrl_break = or_never!(self.ctrl_break.take());
        let ctrl_close = or_never!(self.ctrl_close.take());
        let ctrl_logoff = or_never!(self.ctrl_logoff.take());
        let ctrl_shutdown = or_never!(self.ctrl_shutdown.take());
        // Tokio's handler never returns for close, logoff and shutdown (returning would let
        // Windows end the process on the spot); Windows ends it anyway about 5 s later,
        // hence `Stop::Now`.
        tokio::select! {
            _ = self.ctrl_c.recv() => Stop::Graceful,
            _ = ctrl_break => Stop::Graceful,
            _ = ctrl_close => Stop::Now,
            _ = ctrl_logoff => Stop::Now,
            _ = ctrl_shutdown => Stop::Now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_data_folder_says_where_to_look() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(paths::DATABASE_FILE);
        assert!(!no_database(&file).contains("movidos"));
        std::fs::write(dir.path().join(crate::data_move::NOTE_FILE), "C:\\novo").unwrap();
        let text = no_database(&file);
        assert!(text.contains("foram movidos"), "{text}");
        assert!(text.contains(crate::data_move::NOTE_FILE), "{text}");
    }
}
