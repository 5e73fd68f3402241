// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
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
