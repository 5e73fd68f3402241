//! `brm-desk servico-windows instalar | remover | executar`: the background worker
//! (`brm-desk worker`) as a Windows service, through the windows-service crate.
//!
//! - `instalar` registers `BRMRPADeskWorker` (needs an administrator's terminal) with the
//!   account given by `--conta` and a command line that names the data folder
//!   (`executar --dados PASTA`), and says which Credential Manager, which folder and which
//!   log the service will use. A service under LocalSystem has its own keyring and its own
//!   %APPDATA%, not the person's: it would not find the robot's keys nor the database
//!   password, so the account is never assumed.
//! - `remover` stops the service (the same clean stop as Ctrl+C) and deletes it.
//! - `executar` is what the Service Control Manager starts: the same worker as
//!   `brm-desk worker` (worker_cli::run_with), stopped by the service's Stop (graceful,
//!   up to 15 s) or by the pre-shutdown (jobs handed back at once). What it would print
//!   goes to `<PASTA>\logs`; a failure ends it with a service-specific exit code (2: no
//!   database, no identity, no keys), which `sc query BRMRPADeskWorker` shows.
//!
//! Compiled only for Windows (the GitHub workflow worker-windows.yml checks it); the words
//! of the commands are in worker_service_args.rs, tested on every OS.

use crate::worker_cli::{self, Options, Stop};
use crate::worker_service_args::{
    self as args, Account, Command, InstallArgs, RunArgs, DESCRIPTION, DISPLAY_NAME, SERVICE_NAME,
};
use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use windows_service::service::{
    ServiceAccess, ServiceControl, ServiceControlAccept, ServiceErrorControl, ServiceExitCode,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{
    self, ServiceControlHandlerResult, ServiceStatusHandle,
};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};
use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, ERROR_INVALID_SERVICE_ACCOUNT,
    ERROR_SERVICE_DOES_NOT_EXIST, ERROR_SERVICE_EXISTS, ERROR_SERVICE_MARKED_FOR_DELETE,
    ERROR_SERVICE_NOT_ACTIVE,
};

/// The account's password for `instalar`, instead of typing it.
const PASSWORD_ENV: &str = "BRM_SENHA_CONTA";

/// Runs `servico-windows …`; the exit code says how it ended.
pub fn run() -> i32 {
    let rest: Vec<String> = std::env::args().skip(2).collect();
    match args::parse(&rest, std::env::var(args::DATA_DIR_ENV).ok()) {
        Err(e) => {
            eprintln!("{e}");
            2
        }
        Ok(Command::Install(a)) => install(&a),
        Ok(Command::Remove) => remove(),
        Ok(Command::Run(a)) => dispatch(a),
    }
}

// ---- instalar ------------------------------------------------------------------------

fn install(a: &InstallArgs) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("Não foi possível achar o próprio programa: {e}");
            return 1;
        }
    };
    let me = std::env::var("USERNAME").ok();
    let own = crate::paths::os_machine_data_dir();
    let data_dir = match args::install_data_dir(a, me.as_deref(), own) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let launch = args::launch_arguments(&data_dir, a.database_url.as_deref());

    println!("Serviço: {SERVICE_NAME} ({DISPLAY_NAME})");
    println!("Conta: {}", a.account.describe());
    match &a.account {
        Account::User(name) => println!(
            "Chaveiro: o Gerenciador de Credenciais de {name} (as chaves do robô e a senha do \
             banco precisam estar lá: abra o BRM RPA Desk com essa conta e configure)."
        ),
        _ => println!(
            "Atenção: {} tem chaveiro e pasta %APPDATA% próprios, que não são os de nenhuma \
             pessoa. O serviço não verá o Gerenciador de Credenciais de quem usa o aplicativo \
             (chaves do robô, senha do banco compartilhado) e vai parar com código 2 se faltar \
             o que precisa. Prefira --conta com o usuário que configurou o robô.",
            a.account.describe()
        ),
    }
    println!(
        "Pasta de dados (banco, database.json): {}",
        data_dir.display()
    );
    println!(
        "Registro do serviço em {}",
        args::log_dir(&data_dir).display()
    );
    if let Some(url) = &a.database_url {
        println!("Banco: {}", brm_store::redact_url(url));
    }
    warn_when_nothing_to_open(&data_dir, a.database_url.is_some());
    println!("Linha de comando: {}", args::command_line(&exe, &launch));

    let password = if a.account.needs_password() {
        match account_password(&a.account) {
            Ok(p) => Some(OsString::from(p)),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    } else {
        None
    };
    let manager = match ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    ) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}", scm_error("abrir o gerenciador de serviços", &e));
            return 1;
        }
    };
    let info = ServiceInfo {
        name: OsString::from(SERVICE_NAME),
        display_name: OsString::from(DISPLAY_NAME),
        service_type: ServiceType::OWN_PROCESS,
        start_type: if a.manual {
            ServiceStartType::OnDemand
        } else {
            ServiceStartType::AutoStart
        },
        error_control: ServiceErrorControl::Normal,
        executable_path: exe,
        launch_arguments: launch.iter().map(OsString::from).collect(),
        dependencies: vec![],
        account_name: a.account.service_account().map(OsString::from),
        account_password: password,
    };
    let service = match manager.create_service(&info, ServiceAccess::CHANGE_CONFIG) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", scm_error("registrar o serviço", &e));
            return 1;
        }
    };
    if let Err(e) = service.set_description(DESCRIPTION) {
        eprintln!("{}", scm_error("gravar a descrição do serviço", &e));
    }
    // Started with Windows, after the network is usually up (a shared database).
    if !a.manual {
        if let Err(e) = service.set_delayed_auto_start(true) {
            eprintln!("{}", scm_error("atrasar o início automático", &e));
        }
    }
    println!(
        "Serviço instalado{}. Iniciar agora: sc start {SERVICE_NAME}. Ver o estado (e o código \
         de saída, 2 quando falta o banco ou a identidade): sc query {SERVICE_NAME}.",
        if a.manual {
            " (início manual)"
        } else {
            " (inicia com o Windows)"
        }
    );
    if a.account.needs_password() {
        println!(
            "Se o início falhar com o erro 1069 (falha de logon), dê à conta o direito \"Fazer \
             logon como um serviço\" (secpol.msc → Políticas locais → Atribuição de direitos \
             de usuário) ou digite a senha de novo em services.msc → {DISPLAY_NAME} → Logon, \
             que concede esse direito."
        );
    }
    0
}

/// The service refuses to create a database: say so now, while someone is reading.
fn warn_when_nothing_to_open(data_dir: &Path, url_given: bool) {
    if url_given || std::env::var_os("BRM_DATABASE_URL").is_some() {
        return;
    }
    let sqlite = crate::paths::default_sqlite_file(Some(data_dir.to_path_buf()));
    let choice = data_dir.join(brm_service::db_settings::CONFIG_FILE);
    if !sqlite.exists() && !choice.exists() {
        println!(
            "Aviso: não há banco em {} nem {}. O serviço não cria um banco: ele vai parar com \
             código 2 até que o BRM RPA Desk seja aberto e configurado com essa pasta.",
            sqlite.display(),
            choice.display()
        );
    }
}

fn account_password(account: &Account) -> Result<String, String> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    rpassword::prompt_password(format!(
        "Senha de {} (o Windows a guarda para iniciar o serviço): ",
        account.describe()
    ))
    .map_err(|e| format!("Não foi possível ler a senha ({PASSWORD_ENV}): {e}"))
}

// ---- remover -------------------------------------------------------------------------

fn remove() -> i32 {
    let manager = match ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}", scm_error("abrir o gerenciador de serviços", &e));
            return 1;
        }
    };
    let access = ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE;
    let service = match manager.open_service(SERVICE_NAME, access) {
        Ok(s) => s,
        Err(e) if os_error(&e) == Some(ERROR_SERVICE_DOES_NOT_EXIST) => {
            println!("O serviço {SERVICE_NAME} não está instalado.");
            return 0;
        }
        Err(e) => {
            eprintln!("{}", scm_error("abrir o serviço", &e));
            return 1;
        }
    };
    let running = service
        .query_status()
        .map(|s| s.current_state != ServiceState::Stopped)
        .unwrap_or(true);
    if running {
        println!(
            "Parando o serviço: os pedidos ao robô em andamento têm até 15 s; os jobs passam \
             para o próximo serviço."
        );
        match service.stop() {
            Ok(_) => {}
            Err(e) if os_error(&e) == Some(ERROR_SERVICE_NOT_ACTIVE) => {}
            Err(e) => eprintln!("{}", scm_error("parar o serviço", &e)),
        }
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            match service.query_status() {
                Ok(s) if s.current_state == ServiceState::Stopped => break,
                Ok(_) => std::thread::sleep(Duration::from_millis(500)),
                Err(_) => break,
            }
        }
    }
    match service.delete() {
        Ok(()) => {}
        Err(e) if os_error(&e) == Some(ERROR_SERVICE_MARKED_FOR_DELETE) => {}
        Err(e) => {
            eprintln!("{}", scm_error("remover o serviço", &e));
            return 1;
        }
    }
    println!(
        "Serviço {SERVICE_NAME} removido (some da lista quando o Windows soltar o último uso). \
         O banco, as configurações e o registro ficam onde estavam."
    );
    0
}

// ---- executar ------------------------------------------------------------------------

/// What `executar` was told, for the service's main function (which Windows calls on a
/// thread of its own, with the service's start arguments rather than these).
static RUN: OnceLock<RunArgs> = OnceLock::new();
/// The worker's exit code, for the process's.
static EXIT: AtomicI32 = AtomicI32::new(0);

define_windows_service!(ffi_service_main, service_main);

fn dispatch(run: RunArgs) -> i32 {
    let _ = RUN.set(run);
    // Blocks until the service has stopped.
    match service_dispatcher::start(SERVICE_NAME, ffi_service_main) {
        Ok(()) => EXIT.load(Ordering::SeqCst),
        Err(e) if os_error(&e) == Some(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) => {
            eprintln!(
                "`servico-windows executar` é o que o Windows roda ao iniciar o serviço \
                 {SERVICE_NAME} (sc start {SERVICE_NAME}). Num terminal, use brm-desk worker."
            );
            2
        }
        Err(e) => {
            eprintln!("{}", scm_error("falar com o gerenciador de serviços", &e));
            1
        }
    }
}

fn service_main(_arguments: Vec<OsString>) {
    EXIT.store(run_service(), Ordering::SeqCst);
}

fn run_service() -> i32 {
    let Some(run) = RUN.get().cloned() else {
        return 2;
    };
    // The control handler runs on the dispatcher's thread: it only passes the request on.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Stop>();
    let handler = move |control: ServiceControl| -> ServiceControlHandlerResult {
        match control {
            ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
            ServiceControl::Stop => {
                let _ = tx.send(Stop::Graceful);
                ServiceControlHandlerResult::NoError
            }
            // Windows is shutting down: a few seconds (10 by default), so the jobs are
            // handed back at once.
            ServiceControl::Preshutdown | ServiceControl::Shutdown => {
                let _ = tx.send(Stop::Now);
                ServiceControlHandlerResult::NoError
            }
            _ => ServiceControlHandlerResult::NotImplemented,
        }
    };
    let handle = match service_control_handler::register(SERVICE_NAME, handler) {
        Ok(h) => h,
        Err(_) => return 1,
    };
    // Opening the database and the storage can take a while on a slow network.
    let _ = report(
        handle,
        ServiceState::StartPending,
        ServiceExitCode::NO_ERROR,
        Duration::from_secs(60),
    );
    let options = Options {
        data_dir: Some(run.data_dir),
        database_url: run.database_url,
        log_only: true,
    };
    let code = worker_cli::run_with(options, move || {
        if let Err(e) = report(
            handle,
            ServiceState::Running,
            ServiceExitCode::NO_ERROR,
            Duration::ZERO,
        ) {
            return Err(std::io::Error::other(describe(&e)));
        }
        Ok(async move {
            // The sender lives in the handler; without it nobody can stop the service
            // any more, so that counts as a stop too.
            let stop = rx.recv().await.unwrap_or(Stop::Now);
            let grace = match stop {
                Stop::Graceful => Duration::from_secs(30),
                Stop::Now => Duration::from_secs(10),
            };
            let _ = report(
                handle,
                ServiceState::StopPending,
                ServiceExitCode::NO_ERROR,
                grace,
            );
            stop
        })
    });
    let exit = match u32::try_from(code) {
        Ok(0) => ServiceExitCode::NO_ERROR,
        Ok(n) => ServiceExitCode::ServiceSpecific(n),
        Err(_) => ServiceExitCode::ServiceSpecific(1),
    };
    let _ = report(handle, ServiceState::Stopped, exit, Duration::ZERO);
    code
}

/// Tells the Service Control Manager where the service is. Only a running service takes
/// controls (Stop, and the pre-shutdown instead of the shorter shutdown notice).
fn report(
    handle: ServiceStatusHandle,
    state: ServiceState,
    exit_code: ServiceExitCode,
    wait_hint: Duration,
) -> windows_service::Result<()> {
    let pending = matches!(
        state,
        ServiceState::StartPending | ServiceState::StopPending
    );
    handle.set_service_status(ServiceStatus {
        service_type: ServiceType::OWN_PROCESS,
        current_state: state,
        controls_accepted: if state == ServiceState::Running {
            ServiceControlAccept::STOP | ServiceControlAccept::PRESHUTDOWN
        } else {
            ServiceControlAccept::empty()
        },
        exit_code,
        checkpoint: if pending { 1 } else { 0 },
        wait_hint,
        process_id: None,
    })
}

// ---- errors --------------------------------------------------------------------------

fn os_error(e: &windows_service::Error) -> Option<u32> {
    match e {
        windows_service::Error::Winapi(io) => io.raw_os_error().map(|c| c as u32),
        _ => None,
    }
}

/// The crate's own text for a Windows error says only "IO error in winapi call".
fn describe(e: &windows_service::Error) -> String {
    match e {
        windows_service::Error::Winapi(io) => io.to_string(),
        other => other.to_string(),
    }
}

fn scm_error(doing: &str, e: &windows_service::Error) -> String {
    let hint = match os_error(e) {
        Some(ERROR_ACCESS_DENIED) => {
            " Abra o terminal como administrador (botão direito → Executar como administrador)."
                .to_string()
        }
        Some(ERROR_SERVICE_EXISTS) => {
            " O serviço já está instalado: brm-desk servico-windows remover, e instale de novo."
                .to_string()
        }
        Some(ERROR_SERVICE_MARKED_FOR_DELETE) => {
            " O serviço está sendo removido: feche services.msc e tente de novo.".to_string()
        }
        Some(ERROR_INVALID_SERVICE_ACCOUNT) => {
            " A conta não existe: use .\\usuario (conta local) ou DOMINIO\\usuario.".to_string()
        }
        _ => String::new(),
    };
    format!("Não foi possível {doing}: {}.{hint}", describe(e))
}
