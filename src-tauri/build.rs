//! The configuration lives at the workspace root (the design card asks for it there), so
//! tell tauri-build where it is. The app manifest lists our own commands: Tauri then
//! generates one `allow-<command>` permission per command and refuses any command that
//! a window's capability does not grant.

const COMMANDS: &[&str] = &[
    "ui_ready",
    "setup_status",
    "create_first_admin",
    "login",
    "logout",
    "current_session",
    "list_operators",
    "create_operator",
    "update_operator",
    "set_operator_active",
    "get_database_settings",
    "test_database_connection",
    "save_database_settings",
    "database_status",
    "list_clients",
    "create_client",
    "update_client",
    "set_client_active",
    "preview_client_import",
    "commit_client_import",
    "create_month_processes",
    "list_processes",
    "get_process",
    "approve_process",
    "reject_process",
    "cancel_process",
    "list_approval_queue",
    "invoice_pdf",
    "client_invoice_history",
    "set_invoice_values",
    "approve_many",
    "rejection_reasons",
    "get_approval_settings",
    "save_approval_settings",
    "list_executions",
    "get_execution",
    "download_now",
    "retry_process",
    "send_to_sat",
    "upload_invoice",
    "robot_status",
    "list_users",
    "create_user",
    "set_user_role",
    "set_user_active",
    "reset_user_password",
    "dashboard",
    "export_list",
    "get_desktop_preferences",
    "save_desktop_preferences",
    "test_notification",
    "take_pending_navigation",
    "list_backups",
    "create_backup",
    "restore_backup",
    "get_backup_settings",
    "save_backup_settings",
    "legacy_import_preview",
    "legacy_import_commit",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run tauri-build");
}
