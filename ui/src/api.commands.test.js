// The command names and argument keys the window sends: the contract with the Rust
// side, checked through a stand-in for Tauri's invoke (no Rust runs in these tests).
import { describe, expect, it, vi } from "vitest";

const sent = [];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (command, args) => {
    sent.push([command, args]);
    return null;
  },
}));

const { api } = await import("./api.js");

const T = "tok";
const FILTER = { page: 0, page_size: 20 };
const INPUT = { any: "thing" };

const CASES = [
  [() => api.databaseStatus(T), "database_status", { token: T }],
  [() => api.databaseSecurity(T), "database_security", { token: T }],
  [() => api.touchSession(T), "touch_session", { token: T }],
  [() => api.getSessionSettings(T), "get_session_settings", { token: T }],
  [() => api.saveSessionSettings(T, { idle_hours: 4 }), "save_session_settings", { token: T, input: { idle_hours: 4 } }],
  [() => api.listClients(T, FILTER), "list_clients", { token: T, filter: FILTER }],
  [() => api.createClient(T, INPUT), "create_client", { token: T, input: INPUT }],
  [() => api.updateClient(T, "c1", 3, INPUT), "update_client", { token: T, id: "c1", version: 3, input: INPUT }],
  [() => api.setClientActive(T, "c1", 3, false), "set_client_active", { token: T, id: "c1", version: 3, active: false }],
  [
    () => api.previewClientImport(T, "clientes.csv", "SEFTSA=="),
    "preview_client_import",
    { token: T, file_name: "clientes.csv", content_base64: "SEFTSA==" },
  ],
  [() => api.commitClientImport(T, "imp-1"), "commit_client_import", { token: T, import_id: "imp-1" }],
  [() => api.createMonthProcesses(T, "2026-11", null), "create_month_processes", { token: T, month: "2026-11", operator_id: null }],
  [() => api.createMonthProcesses(T, "2026-11", "op-1"), "create_month_processes", { token: T, month: "2026-11", operator_id: "op-1" }],
  [() => api.listProcesses(T, FILTER), "list_processes", { token: T, filter: FILTER }],
  [() => api.getProcess(T, "p1"), "get_process", { token: T, id: "p1" }],
  [() => api.approveProcess(T, "p1", 2), "approve_process", { token: T, id: "p1", version: 2, notes: null }],
  [() => api.approveProcess(T, "p1", 2, "ok"), "approve_process", { token: T, id: "p1", version: 2, notes: "ok" }],
  [() => api.rejectProcess(T, "p1", 2, "ilegível"), "reject_process", { token: T, id: "p1", version: 2, reason: "ilegível", reason_code: null }],
  [
    () => api.rejectProcess(T, "p1", 2, "", "FATURA_DUPLICADA"),
    "reject_process",
    { token: T, id: "p1", version: 2, reason: "", reason_code: "FATURA_DUPLICADA" },
  ],
  [() => api.listApprovalQueue(T, { sort: "valor", descending: true }), "list_approval_queue", { token: T, filter: { sort: "valor", descending: true } }],
  [() => api.invoicePdf(T, "p1"), "invoice_pdf", { token: T, id: "p1" }],
  [() => api.clientInvoiceHistory(T, "c1", 12), "client_invoice_history", { token: T, client_id: "c1", months: 12 }],
  [
    () => api.setInvoiceValues(T, "p1", 2, "1.234,56", null),
    "set_invoice_values",
    { token: T, id: "p1", version: 2, amount: "1.234,56", due_date: null },
  ],
  [() => api.approveMany(T, [{ id: "p1", version: 2 }]), "approve_many", { token: T, items: [{ id: "p1", version: 2 }], notes: null }],
  [() => api.rejectionReasons(T), "rejection_reasons", { token: T }],
  [() => api.getApprovalSettings(T), "get_approval_settings", { token: T }],
  [() => api.saveApprovalSettings(T, INPUT), "save_approval_settings", { token: T, input: INPUT }],
  [() => api.cancelProcess(T, "p1", 2, "duplicado"), "cancel_process", { token: T, id: "p1", version: 2, reason: "duplicado" }],
  [() => api.downloadNow(T, "p1", 2), "download_now", { token: T, id: "p1", version: 2 }],
  [() => api.retryProcess(T, "p1", 2), "retry_process", { token: T, id: "p1", version: 2 }],
  [() => api.sendToSat(T, "p1", 2), "send_to_sat", { token: T, id: "p1", version: 2 }],
  [
    () => api.uploadInvoice(T, "p1", 2, "fatura.pdf", "JVBERi0="),
    "upload_invoice",
    { token: T, id: "p1", version: 2, file_name: "fatura.pdf", content_base64: "JVBERi0=" },
  ],
  [() => api.listExecutions(T, FILTER), "list_executions", { token: T, filter: FILTER }],
  [() => api.getExecution(T, "e1"), "get_execution", { token: T, id: "e1" }],
  [() => api.robotStatus(T), "robot_status", { token: T }],
  [() => api.getDiagnostics(T), "get_diagnostics", { token: T }],
  [() => api.listSchedules(T), "list_schedules", { token: T }],
  [() => api.previewSchedule(T, "0 6 1 * *"), "preview_schedule", { token: T, cron: "0 6 1 * *" }],
  [() => api.createSchedule(T, INPUT), "create_schedule", { token: T, input: INPUT }],
  [() => api.updateSchedule(T, "s1", 2, INPUT), "update_schedule", { token: T, id: "s1", version: 2, input: INPUT }],
  [() => api.setScheduleActive(T, "s1", 2, false), "set_schedule_active", { token: T, id: "s1", version: 2, active: false }],
  [() => api.deleteSchedule(T, "s1", 2), "delete_schedule", { token: T, id: "s1", version: 2 }],
  [() => api.getRobotSettings(T), "get_robot_settings", { token: T }],
  [() => api.saveRobotSettings(T, INPUT), "save_robot_settings", { token: T, input: INPUT }],
  [() => api.testRobotConnection(T, INPUT), "test_robot_connection", { token: T, input: INPUT }],
  [() => api.getStorageSettings(T), "get_storage_settings", { token: T }],
  [() => api.saveStorageSettings(T, INPUT), "save_storage_settings", { token: T, input: INPUT }],
  [() => api.testStorage(T, INPUT), "test_storage", { token: T, input: INPUT }],
  [() => api.restartApp(T), "restart_app", { token: T }],
  [() => api.saveTheme(T, "dark"), "save_theme", { token: T, theme: "dark" }],
  [() => api.listUsers(T, FILTER), "list_users", { token: T, filter: FILTER }],
  [() => api.createUser(T, INPUT), "create_user", { token: T, input: INPUT }],
  [() => api.setUserRole(T, "u1", "APROVADOR"), "set_user_role", { token: T, id: "u1", role: "APROVADOR" }],
  [() => api.setUserActive(T, "u1", true), "set_user_active", { token: T, id: "u1", active: true }],
  [
    () => api.resetUserPassword(T, "u1", "senha-bem-comprida", "senha-bem-comprida"),
    "reset_user_password",
    { token: T, id: "u1", password: "senha-bem-comprida", password_confirmation: "senha-bem-comprida" },
  ],
  [() => api.getDatabaseSettings(T), "get_database_settings", { token: T }],
  [() => api.testDatabaseConnection(T, INPUT), "test_database_connection", { token: T, input: INPUT }],
  [() => api.saveDatabaseSettings(T, INPUT), "save_database_settings", { token: T, input: INPUT }],
  [() => api.getDesktopPreferences(T), "get_desktop_preferences", { token: T }],
  [() => api.saveDesktopPreferences(T, INPUT), "save_desktop_preferences", { token: T, preferences: INPUT }],
  [() => api.testNotification(T), "test_notification", { token: T }],
  [() => api.takePendingNavigation(T), "take_pending_navigation", { token: T }],
  [() => api.getEmailSettings(T), "get_email_settings", { token: T }],
  [() => api.saveEmailSettings(T, INPUT), "save_email_settings", { token: T, input: INPUT }],
  [() => api.sendTestEmail(T, "ana@beg.com.br"), "send_test_email", { token: T, to: "ana@beg.com.br" }],
  [() => api.getOutboxMessage(T, "m1"), "get_outbox_message", { token: T, id: "m1" }],
  [
    () => api.listOutbox(T, { state: "FALHOU", rule: null, text: null }),
    "list_outbox",
    { token: T, filter: { state: "FALHOU", rule: null, text: null } },
  ],
  [() => api.processEmails(T, "p1"), "process_emails", { token: T, process_id: "p1" }],
  [() => api.getMyEmailPreference(T), "get_my_email_preference", { token: T }],
  [() => api.saveMyEmailPreference(T, { receive: true, hour: null }), "save_my_email_preference", { token: T, input: { receive: true, hour: null } }],
];

describe("api commands", () => {
  it.each(CASES.map(([run, command, args]) => [command, run, args]))("%s sends its arguments by name", async (command, run, args) => {
    sent.length = 0;
    await run();
    expect(sent).toEqual([[command, args]]);
  });
});
