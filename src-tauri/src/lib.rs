//! The desktop shell: opens the store, hands a [`brm_service::Desk`] to thin commands,
//! and hosts the interface built from `ui/`. All logic lives in the crates under
//! `crates/`; nothing here decides anything a test of those crates would not see.

mod backups;
mod boot;
mod commands;
mod data_move;
mod db_config;
mod db_monitor;
mod desktop;
mod error;
mod live_feed;
mod logging;
mod paths;
pub mod prepare_cli;
mod robot;
mod state;
pub mod worker_cli;
/// `brm-desk servico-windows …`: the words (tested everywhere) and the Windows service.
pub mod worker_service_args;
#[cfg(windows)]
pub mod worker_service_windows;

use desktop::session::DesktopState;
use state::AppState;
use tauri::Manager;

/// Invoices are read by this same binary in a child process (`brm-desk ler-fatura`).
/// Without a path to itself (it cannot fail on the platforms this runs on) they are read
/// in this process, still within the decompression budget.
pub fn isolate_invoice_reading() {
    if let Ok(exe) = std::env::current_exe() {
        brm_invoice::set_isolation(Some(brm_invoice::Isolation {
            program: exe,
            args: vec!["ler-fatura".into()],
            time_limit: brm_invoice::CHILD_TIME_LIMIT,
        }));
    }
}

pub fn run() {
    state::mark_process_start();
    let result = tauri::Builder::default()
        // First: a second launch hands its arguments (a brm-desk:// link) to the running
        // one through the deep-link plugin, brings its window forward, and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            desktop::navigation::show_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        // "Copiar diagnóstico" writes plain text to the clipboard (write-text only).
        .plugin(tauri_plugin_clipboard_manager::init())
        // The main window's size, position and maximised state, restored as it is built
        // in setup, saved on exit and when it closes to the tray. Not its visibility:
        // leaving from the tray must not make the next start open hidden.
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(desktop::WINDOW_STATE)
                .build(),
        )
        // Start with the system, driven by the preference (desktop/autostart.rs).
        .plugin(desktop::autostart::plugin())
        .on_window_event(desktop::on_window_event)
        .setup(|app| {
            let handle = app.handle();
            let log_dir = paths::log_dir(handle);
            let guard = logging::init(log_dir.as_deref());
            tracing::info!(ms = state::since_start_ms(), "starting BRM RPA Desk");
            // Windows: this computer's data out of the roaming profile, once, before
            // anything reads the database choice or opens the database.
            #[cfg(windows)]
            paths::move_out_of_roaming(handle);
            app.manage(AppState::new(
                paths::database_url(handle),
                paths::machine_data_dir(handle),
                DesktopState::new(paths::preferences_file(handle)),
                guard,
            ));
            // A restore asked for in the last run, BEFORE the database opens; daily copies.
            backups::start(handle);
            // Opening and migrating SQLite takes a few milliseconds; doing it here lets the
            // window start with its first screen already decided (see boot.rs).
            let status = tauri::async_runtime::block_on(async {
                app.state::<AppState>().desk().await?.setup_status().await
            });
            // Watch the database for as long as the app runs (the banner, writes refused
            // while it is away); never switches to another database.
            db_monitor::start(handle);
            // The robot's health for the header.
            robot::start_events(handle);
            // macOS: no App Nap while robot work is open.
            desktop::app_nap::start(handle);
            // Every change to the database (this worker, another window or desktop),
            // batched for the window as model-changed.
            live_feed::start(handle);
            // The window is declared in tauri.conf.json with "create": false and built
            // here, so that it can carry the boot script.
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no window labelled main")?;
            let window = tauri::WebviewWindowBuilder::from_config(handle, &config)?
                .initialization_script(boot::script(&status))
                // A page that loads again has lost its session: end it here too.
                .on_page_load(|window, payload| {
                    if payload.event() == tauri::webview::PageLoadEvent::Started {
                        desktop::session_guard::page_loading(window.app_handle());
                    }
                })
                .build()?;
            // A crashed page is loaded again instead of leaving a blank window.
            desktop::web_process::install(&window);
            // Notifications, tray, links and the notifier (after the window exists).
            desktop::install(handle);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::ui_ready,
            commands::auth::setup_status,
            commands::auth::create_first_admin,
            commands::auth::login,
            commands::auth::logout,
            commands::auth::current_session,
            commands::auth::touch_session,
            commands::operators::list_operators,
            commands::operators::create_operator,
            commands::operators::update_operator,
            commands::operators::set_operator_active,
            commands::settings::get_database_settings,
            commands::settings::test_database_connection,
            commands::settings::save_database_settings,
            commands::settings::database_status,
            commands::settings::database_security,
            commands::settings::get_session_settings,
            commands::settings::save_session_settings,
            commands::clients::list_clients,
            commands::clients::create_client,
            commands::clients::update_client,
            commands::clients::set_client_active,
            commands::clients::preview_client_import,
            commands::clients::commit_client_import,
            commands::processes::create_month_processes,
            commands::processes::list_processes,
            commands::processes::get_process,
            commands::processes::approve_process,
            commands::processes::reject_process,
            commands::processes::cancel_process,
            commands::approval::list_approval_queue,
            commands::approval::invoice_pdf,
            commands::approval::client_invoice_history,
            commands::approval::set_invoice_values,
            commands::approval::approve_many,
            commands::approval::rejection_reasons,
            commands::approval::get_approval_settings,
            commands::approval::save_approval_settings,
            commands::robot::list_executions,
            commands::robot::get_execution,
            commands::robot::download_now,
            commands::robot::retry_process,
            commands::robot::send_to_sat,
            commands::robot::upload_invoice,
            commands::robot::robot_status,
            commands::diagnostics::get_diagnostics,
            commands::users::list_users,
            commands::users::create_user,
            commands::users::set_user_role,
            commands::users::set_user_active,
            commands::users::reset_user_password,
            commands::dashboard::dashboard,
            commands::exports::export_list,
            commands::desktop::get_desktop_preferences,
            commands::desktop::save_desktop_preferences,
            commands::desktop::test_notification,
            commands::desktop::take_pending_navigation,
            commands::backups::list_backups,
            commands::backups::create_backup,
            commands::backups::restore_backup,
            commands::backups::get_backup_settings,
            commands::backups::save_backup_settings,
            commands::system_settings::get_robot_settings,
            commands::system_settings::save_robot_settings,
            commands::system_settings::test_robot_connection,
            commands::robot_machines::list_robot_machines,
            commands::robot_machines::decide_robot_machine,
            commands::robot_machines::export_robot_identity,
            commands::robot_machines::import_robot_identity,
            commands::system_settings::get_storage_settings,
            commands::system_settings::save_storage_settings,
            commands::system_settings::test_storage,
            commands::system_settings::save_theme,
            commands::system_settings::restart_app,
            commands::legacy::legacy_import_preview,
            commands::legacy::legacy_import_commit,
            commands::schedules::list_schedules,
            commands::schedules::preview_schedule,
            commands::schedules::create_schedule,
            commands::schedules::update_schedule,
            commands::schedules::set_schedule_active,
            commands::schedules::delete_schedule,
            commands::email::get_email_settings,
            commands::email::save_email_settings,
            commands::email::send_test_email,
            commands::email::get_outbox_message,
            commands::email::list_outbox,
            commands::email::process_emails,
            commands::email::get_my_email_preference,
            commands::email::save_my_email_preference,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"))
        .map(|app| app.run(on_run_event));
    if let Err(e) = result {
        // The instance this launch handed its arguments to was itself exiting (its D-Bus
        // name not yet released): start over, a few times, instead of dying silently.
        if matches!(&e, tauri::Error::PluginInitialization(name, _) if name == "single-instance") {
            restart_after_vanished_instance(&e);
        }
        panic!("error while running BRM RPA Desk: {e}");
    }
}

/// The app is about to end ("Sair", a restart, the session closing): its worker hands
/// its jobs back, so another computer resumes them at once instead of waiting out the
/// leases. Bounded: quitting never hangs on an unreachable database.
fn on_run_event(app: &tauri::AppHandle, event: tauri::RunEvent) {
    // macOS: the Dock icon clicked, also after the window closed to the tray.
    #[cfg(target_os = "macos")]
    if let tauri::RunEvent::Reopen { .. } = event {
        desktop::navigation::show_window(app);
        return;
    }
    if !matches!(event, tauri::RunEvent::Exit) {
        return;
    }
    if let Some(state) = app.try_state::<AppState>() {
        // The timer is made inside the runtime (this is the main thread, outside it: a
        // `timeout` built here would panic, and a restart would never happen).
        tauri::async_runtime::block_on(async {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(3), state.stop_robot_now())
                .await;
        });
    }
}

/// Runs this program again with the same arguments (the event loop cannot be created twice
/// in one process). At most three tries, half a second apart.
fn restart_after_vanished_instance(e: &tauri::Error) {
    const TRIES: &str = "BRM_SINGLE_INSTANCE_TRY";
    let tries: u32 = std::env::var(TRIES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if tries >= 3 {
        return;
    }
    eprintln!("BRM RPA Desk: a instância anterior estava fechando ({e}); tentando de novo.");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1))
        .env(TRIES, (tries + 1).to_string());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Same process id: whoever started this launch (a WebDriver, a desktop file) keeps
        // watching the right process.
        let err = cmd.exec();
        eprintln!("BRM RPA Desk: não foi possível reiniciar: {err}");
    }
    #[cfg(not(unix))]
    if let Ok(mut child) = cmd.spawn() {
        let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
        std::process::exit(code);
    }
}
