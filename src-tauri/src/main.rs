// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Counted, and capped in the invoice reader child (`ler-fatura`): the memory limit that
/// holds on every platform.
#[global_allocator]
static HEAP: brm_invoice::ReaderHeap = brm_invoice::reader_heap();

fn main() {
    // `brm-desk ler-fatura DATA`: reads one invoice PDF from standard input for the app
    // itself (a child process, so a hostile PDF cannot take the app down).
    if std::env::args().nth(1).as_deref() == Some("ler-fatura") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        std::process::exit(brm_invoice::run_child(&args, &HEAP));
    }
    // Every other mode reads invoices through that child.
    brm_desk_lib::isolate_invoice_reading();
    #[cfg(windows)]
    attach_terminal();
    // `brm-desk worker`: the background service alone, no window.
    if brm_desk_lib::worker_cli::requested() {
        std::process::exit(brm_desk_lib::worker_cli::run());
    }
    // `brm-desk servico-windows instalar|remover|executar`: the worker as a Windows service.
    if brm_desk_lib::worker_service_args::requested() {
        #[cfg(windows)]
        std::process::exit(brm_desk_lib::worker_service_windows::run());
        #[cfg(not(windows))]
        {
            eprintln!(
                "servico-windows só existe no Windows; aqui, use brm-desk worker (no Linux, a \
                 unidade brm-desk-worker.service do systemd; no macOS, o LaunchAgent)."
            );
            std::process::exit(2);
        }
    }
    // `brm-desk preparar-banco`: "Preparar o banco compartilhado" from a terminal.
    if brm_desk_lib::prepare_cli::requested() {
        std::process::exit(brm_desk_lib::prepare_cli::run());
    }
    brm_desk_lib::run();
}

/// The release build on Windows is a GUI-subsystem program (no console window for the
/// app): typed in a terminal, its terminal modes would print nowhere. Attached to the
/// terminal it was started from, they print there and Ctrl+C reaches them. cmd.exe and
/// PowerShell do not wait for a GUI-subsystem program, though: the prompt comes back at
/// once and the output follows it. `start /wait brm-desk worker` (cmd) or
/// `Start-Process brm-desk -ArgumentList worker -NoNewWindow -Wait` (PowerShell) waits,
/// which matters where a password is typed (README, "No Windows"). Nothing to attach to
/// (started by Windows, by a service, by Explorer): the call fails and changes nothing;
/// the debug build is a console program already.
#[cfg(windows)]
fn attach_terminal() {
    use windows_sys::Win32::System::Console::{AttachConsole, ATTACH_PARENT_PROCESS};
    let terminal_mode = matches!(
        std::env::args().nth(1).as_deref(),
        Some("worker" | "servico-windows" | "preparar-banco")
    );
    if terminal_mode {
        // SAFETY: no pointers; a failure (no parent console, one attached already) only
        // leaves the process as it was.
        unsafe {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }
}
