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
    // `brm-desk worker`: the background service alone, no window.
    if brm_desk_lib::worker_cli::requested() {
        std::process::exit(brm_desk_lib::worker_cli::run());
    }
    // `brm-desk preparar-banco`: "Preparar o banco compartilhado" from a terminal.
    if brm_desk_lib::prepare_cli::requested() {
        std::process::exit(brm_desk_lib::prepare_cli::run());
    }
    brm_desk_lib::run();
}
