//! The baseline of `scripts/bench-startup.py`: nothing but a Tauri window whose page
//! reports its first paint the same way BRM RPA Desk's interface does.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static READY: AtomicBool = AtomicBool::new(false);

#[tauri::command]
fn ui_ready() {
    if !READY.swap(true, Ordering::SeqCst) {
        let ms = START.get().map(|t| t.elapsed().as_millis()).unwrap_or(0);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "BRM_READY {ms}");
        let _ = out.flush();
    }
}

fn main() {
    START.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!())
        .expect("error while running the bare window");
}
