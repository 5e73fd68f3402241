// The only door to the Rust side. Every command answers a value or an error shaped
// {code, message, fields}; anything else (a crash, a missing command) is turned into the
// same shape so screens handle one kind of error.
import { invoke } from "@tauri-apps/api/core";

export class CommandError extends Error {
  constructor({ code, message, fields }) {
    super(message);
    this.code = code;
    this.fields = fields ?? [];
  }

  // { fieldName: message } for the form that sent the command.
  fieldMap() {
    return Object.fromEntries(this.fields.map((f) => [f.field, f.message]));
  }
}

export function toCommandError(raw) {
  if (raw instanceof CommandError) return raw;
  if (raw && typeof raw === "object" && typeof raw.code === "string" && typeof raw.message === "string") {
    return new CommandError(raw);
  }
  const detail = typeof raw === "string" ? raw : raw?.message ?? String(raw);
  return new CommandError({ code: "INTERNAL", message: `Erro inesperado: ${detail}` });
}

// Who hears that a command found no live session (the person was deactivated or their
// password reset on another desktop, the session went idle): the App, which then shows
// the login screen. Commands that carry no token (login itself) never trigger it.
const sessionEndedListeners = new Set();
export function onSessionRefused(listener) {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export async function call(command, args = {}, invoker = invoke) {
  try {
    return await invoker(command, args);
  } catch (raw) {
    const error = toCommandError(raw);
    if (error.code === "UNAUTHENTICATED" && args && "token" in args) {
      for (const listener of sessionEndedListeners) listener(error);
    }
    throw error;
  }
}

export const api = {
  uiReady: (marks) => call("ui_ready", { marks }),
  setupStatus: () => call("setup_status"),
  createFirstAdmin: (input) => call("create_first_admin", { input }),
  login: (email, password) => call("login", { email, password }),
  logout: (token) => call("logout", { token }),
  touchSession: (token) => call("touch_session", { token }),
  listOperators: (token, filter) => call("list_operators", { token, filter }),
  createOperator: (token, input) => call("create_operator", { token, input }),
  updateOperator: (token, id, version, input) => call("update_operator", { token, id, version, input }),
  setOperatorActive: (token, id, version, active) => call("set_operator_active", { token, id, version, active }),

  databaseStatus: (token) => call("database_status", { token }),
  databaseSecurity: (token) => call("database_security", { token }),

  listClients: (token, filter) => call("list_clients", { token, filter }),
  createClient: (token, input) => call("create_client", { token, input }),
  updateClient: (token, id, version, input) => call("update_client", { token, id, version, input }),
  setClientActive: (token, id, version, active) => call("set_client_active", { token, id, version, active }),
  previewClientImport: (token, fileName, contentBase64) =>
    call("preview_client_import", { token, file_name: fileName, content_base64: contentBase64 }),
  commitClientImport: (token, importId) => call("commit_client_import", { token, import_id: importId }),

  createMonthProcesses: (token, month, operatorId) =>
    call("create_month_processes", { token, month, operator_id: operatorId ?? null }),
  listProcesses: (token, filter) => call("list_processes", { token, filter }),
  getProcess: (token, id) => call("get_process", { token, id }),
  cancelProcess: (token, id, version, reason) => call("cancel_process", { token, id, version, reason }),
  // Robot actions on one process; each answers the updated detail (as get_process).
  downloadNow: (token, id, version) => call("download_now", { token, id, version }),
  retryProcess: (token, id, version) => call("retry_process", { token, id, version }),
  sendToSat: (token, id, version) => call("send_to_sat", { token, id, version }),
  uploadInvoice: (token, id, version, fileName, contentBase64) =>
    call("upload_invoice", { token, id, version, file_name: fileName, content_base64: contentBase64 }),

  listExecutions: (token, filter) => call("list_executions", { token, filter }),
  getExecution: (token, id) => call("get_execution", { token, id }),
  robotStatus: (token) => call("robot_status", { token }),
  // The "Diagnóstico" screen (any role): versions, database, robot, logs, last errors, text.
  getDiagnostics: (token) => call("get_diagnostics", { token }),

  listUsers: (token, filter) => call("list_users", { token, filter }),
  createUser: (token, input) => call("create_user", { token, input }),
  setUserRole: (token, id, role) => call("set_user_role", { token, id, role }),
  setUserActive: (token, id, active) => call("set_user_active", { token, id, active }),
  resetUserPassword: (token, id, password, passwordConfirmation) =>
    call("reset_user_password", { token, id, password, password_confirmation: passwordConfirmation }),

  // Approval desk (issue 5). approve answers {process, first_approval_only, message};
  // invoicePdf answers the PDF's bytes as an ArrayBuffer.
  listApprovalQueue: (token, filter) => call("list_approval_queue", { token, filter }),
  invoicePdf: (token, id) => call("invoice_pdf", { token, id }),
  clientInvoiceHistory: (token, clientId, months) => call("client_invoice_history", { token, client_id: clientId, months: months ?? null }),
  setInvoiceValues: (token, id, version, amount, dueDate) =>
    call("set_invoice_values", { token, id, version, amount: amount ?? null, due_date: dueDate ?? null }),
  approveProcess: (token, id, version, notes) => call("approve_process", { token, id, version, notes: notes ?? null }),
  rejectProcess: (token, id, version, reason, reasonCode) =>
    call("reject_process", { token, id, version, reason, reason_code: reasonCode ?? null }),
  approveMany: (token, items, notes) => call("approve_many", { token, items, notes: notes ?? null }),
  rejectionReasons: (token) => call("rejection_reasons", { token }),
  getApprovalSettings: (token) => call("get_approval_settings", { token }),
  getSessionSettings: (token) => call("get_session_settings", { token }),
  saveSessionSettings: (token, input) => call("save_session_settings", { token, input }),
  saveApprovalSettings: (token, input) => call("save_approval_settings", { token, input }),

  getDatabaseSettings: (token) => call("get_database_settings", { token }),
  testDatabaseConnection: (token, input) => call("test_database_connection", { token, input }),
  saveDatabaseSettings: (token, input) => call("save_database_settings", { token, input }),

  // Backups of the embedded database (issue 7). listBackups answers {folder, items:
  // [{file_name, created_at, size_bytes}], last_restore}; restoreBackup {file_name,
  // pre_restore, message}, and then the app restarts to apply it.
  listBackups: (token) => call("list_backups", { token }),
  createBackup: (token) => call("create_backup", { token }),
  restoreBackup: (token, fileName) => call("restore_backup", { token, file_name: fileName }),
  getBackupSettings: (token) => call("get_backup_settings", { token }),
  saveBackupSettings: (token, input) => call("save_backup_settings", { token, input }),

  // Schedules (issue 7, administrators). listSchedules answers {items: [schedule + kind_label,
  // description, operator_name, next_run, last_run], kinds: [{value, label, takes_operator}]};
  // next_run/last_run and the preview's runs are {at (ISO, Brasília), display, weekday}.
  listSchedules: (token) => call("list_schedules", { token }),
  previewSchedule: (token, cron) => call("preview_schedule", { token, cron }),
  createSchedule: (token, input) => call("create_schedule", { token, input }),
  updateSchedule: (token, id, version, input) => call("update_schedule", { token, id, version, input }),
  setScheduleActive: (token, id, version, active) => call("set_schedule_active", { token, id, version, active }),
  deleteSchedule: (token, id, version) => call("delete_schedule", { token, id, version }),

  // Moving in from the old Flask system (issue 7, administrators). source: {kind:
  // "sqlite"|"postgres", path_or_url, env_path}; the preview answers {preview_id, source,
  // has_changes, tables, rejected, mapped, statuses, robot, warnings}; the commit the counts.
  legacyImportPreview: (token, source) => call("legacy_import_preview", { token, source }),
  legacyImportCommit: (token, previewId) => call("legacy_import_commit", { token, preview_id: previewId }),

  // Configurações → Robô and Armazenamento das faturas (issue 7, administrators). The
  // secrets are write-only: the answers say only whether one is set (token_set,
  // access_key_set, secret_key_set). Saves answer {settings, changed, message}; the tests
  // {ok, message}. restartApp answers, then the app restarts (the settings take effect).
  getRobotSettings: (token) => call("get_robot_settings", { token }),
  saveRobotSettings: (token, input) => call("save_robot_settings", { token, input }),
  testRobotConnection: (token, input) => call("test_robot_connection", { token, input }),
  listRobotMachines: (token) => call("list_robot_machines", { token }),
  decideRobotMachine: (token, id, approve) => call("decide_robot_machine", { token, id, approve }),
  exportRobotIdentity: (token, passphrase) => call("export_robot_identity", { token, passphrase }),
  importRobotIdentity: (token, file, passphrase) => call("import_robot_identity", { token, file, passphrase }),
  getStorageSettings: (token) => call("get_storage_settings", { token }),
  saveStorageSettings: (token, input) => call("save_storage_settings", { token, input }),
  testStorage: (token, input) => call("test_storage", { token, input }),
  restartApp: (token) => call("restart_app", { token }),
  // This computer's theme ("auto" | "light" | "dark"), kept with its preferences and audited.
  saveTheme: (token, theme) => call("save_theme", { token, theme }),

  // Desktop notifications (issue 6). getDesktopPreferences answers {preferences,
  // notifications: {actions, server}}; testNotification {actions, server, message};
  // takePendingNavigation a navigate target kept until login, or null.
  getDesktopPreferences: (token) => call("get_desktop_preferences", { token }),
  saveDesktopPreferences: (token, preferences) => call("save_desktop_preferences", { token, preferences }),
  testNotification: (token) => call("test_notification", { token }),
  takePendingNavigation: (token) => call("take_pending_navigation", { token }),

  // E-mail (issue 21): digests, reminders and escalations, sent by the robot machines
  // through SMTP from an outbox. Settings answer {smtp: {..., password_set}, rules,
  // configured, can_edit}; the password is write-only (null keeps it). sendTestEmail
  // answers the queued outbox row, which getOutboxMessage reads again until a robot
  // machine sends it; listOutbox the last 100 rows (administrators), processEmails those
  // about one process. The person's own preference ({receive, hour}) lives in the shared
  // database, not with this computer's preferences.
  getEmailSettings: (token) => call("get_email_settings", { token }),
  saveEmailSettings: (token, input) => call("save_email_settings", { token, input }),
  sendTestEmail: (token, to) => call("send_test_email", { token, to }),
  getOutboxMessage: (token, id) => call("get_outbox_message", { token, id }),
  listOutbox: (token, filter) => call("list_outbox", { token, filter }),
  processEmails: (token, processId) => call("process_emails", { token, process_id: processId }),
  getMyEmailPreference: (token) => call("get_my_email_preference", { token }),
  saveMyEmailPreference: (token, input) => call("save_my_email_preference", { token, input }),

  // Dashboard and exports. `month` null = the service's default month.
  dashboard: (token, month) => call("dashboard", { token, month: month ?? null }),
  exportList: (token, list, filter, format) => call("export_list", { token, list, filter, format }),
};
