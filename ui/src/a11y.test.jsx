// Every main screen (and the forms it opens) rendered with answers shaped as Rust sends
// them: every input, select and textarea has an accessible name (a <label for>, a wrapping
// <label>, aria-label or aria-labelledby), every button says what it does (text or
// aria-label), every <label for> points at a control, and no id is used twice (a duplicate
// id silently ties a label to the wrong field). Every focusable element also matches one of
// styles.css's :focus-visible outline rules, so the keyboard focus is always visible.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { api, CommandError } from "./api.js";
import { client, executionRow, OPERATORS, pageOf, processRow, settle, TOKEN } from "./testing.js";
import Approvals from "./screens/Approvals.jsx";
import ClientImport from "./screens/ClientImport.jsx";
import Clients from "./screens/Clients.jsx";
import Dashboard from "./screens/Dashboard.jsx";
import Desk from "./screens/Desk.jsx";
import Diagnostics from "./screens/Diagnostics.jsx";
import ExecutionDetail from "./screens/ExecutionDetail.jsx";
import Executions from "./screens/Executions.jsx";
import FirstRun from "./screens/FirstRun.jsx";
import Login from "./screens/Login.jsx";
import Operators from "./screens/Operators.jsx";
import ProcessDetail from "./screens/ProcessDetail.jsx";
import Processes from "./screens/Processes.jsx";
import Settings from "./screens/Settings.jsx";
import Users from "./screens/Users.jsx";
import { openPdf } from "./components/pdfjsSetup.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

vi.mock("./events.js", async (importOriginal) => ({
  ...(await importOriginal()),
  onModelChanged: () => () => {},
  onRobotStatus: () => () => {},
  onDbStatus: () => () => {},
}));
vi.mock("./components/pdfjsSetup.js", () => ({ openPdf: vi.fn() }));
vi.mock("chart.js", () => {
  class Chart {
    constructor(_canvas, config) {
      this.data = config.data;
    }
    update() {}
    destroy() {}
    static register() {}
  }
  return { Chart, ArcElement: {}, BarController: {}, BarElement: {}, CategoryScale: {}, DoughnutController: {}, Legend: {}, LinearScale: {}, Tooltip: {} };
});

// --- what is checked -----------------------------------------------------------------------

const text = (el) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();

export function accessibleName(el) {
  const aria = el.getAttribute("aria-label")?.trim();
  if (aria) return aria;
  const by = el.getAttribute("aria-labelledby");
  if (by) {
    const named = by
      .split(/\s+/)
      .map((id) => text(document.getElementById(id)))
      .join(" ")
      .trim();
    if (named) return named;
  }
  if (el.tagName === "BUTTON") return text(el);
  if (el.tagName === "INPUT" && ["button", "submit", "reset"].includes(el.type)) return (el.value || "").trim();
  return [...(el.labels ?? [])].map(text).join(" ").trim();
}

const describeEl = (el) => `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ""}${el.dataset.testid ? ` data-testid="${el.dataset.testid}"` : ""}${el.name ? ` name="${el.name}"` : ""}${el.type ? ` type="${el.type}"` : ""}>`;

// The selectors (without ":focus-visible") whose focused state draws an outline.
// Vitest runs from ui/ (vite.config.js); import.meta.url is not a file: URL under jsdom.
const stylesheet = readFileSync(join(process.cwd(), "src", "styles.css"), "utf8");
const FOCUS_RING = [...stylesheet.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^{}]*)\}/g)]
  .filter(([, sel, body]) => sel.includes(":focus-visible") && /outline\s*:\s*\d/.test(body))
  .flatMap(([, sel]) => sel.split(","))
  .map((sel) => sel.trim())
  .filter((sel) => sel.endsWith(":focus-visible"))
  .map((sel) => sel.replace(/:focus-visible$/, ""));
const FOCUSABLE = 'button, input:not([type="hidden"]), select, textarea, a[href], summary, [tabindex]:not([tabindex="-1"])';

function problems(root = document.body) {
  const found = [];
  for (const el of root.querySelectorAll(FOCUSABLE)) if (!FOCUS_RING.some((sel) => el.matches(sel))) found.push(`no visible focus: ${describeEl(el)}`);
  const controls = [...root.querySelectorAll("input, select, textarea, button")].filter((el) => el.type !== "hidden");
  for (const el of controls) if (!accessibleName(el)) found.push(`no accessible name: ${describeEl(el)}`);
  for (const label of root.querySelectorAll("label[for]")) {
    const target = document.getElementById(label.htmlFor);
    if (!target || !["INPUT", "SELECT", "TEXTAREA", "BUTTON", "METER", "OUTPUT", "PROGRESS"].includes(target.tagName)) {
      found.push(`label "${text(label)}" points at no control (for="${label.htmlFor}")`);
    }
  }
  const seen = new Map();
  for (const el of root.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) found.push(`id "${id}" used ${n} times`);
  return found;
}

// Controls inspected so far in this test, so a test cannot pass by checking an empty page.
function expectAccessible(minControls = 1) {
  const controls = document.body.querySelectorAll("input, select, textarea, button");
  expect(controls.length).toBeGreaterThanOrEqual(minControls);
  expect(problems()).toEqual([]);
}

// --- the helper itself ---------------------------------------------------------------------

describe("accessibleName", () => {
  afterEach(cleanup);

  it("finds each way of naming a control and misses an unnamed one", () => {
    render(
      <div>
        <label htmlFor="a">Nome</label>
        <input id="a" />
        <label>
          Ativo <input type="checkbox" />
        </label>
        <input aria-label="Busca" />
        <span id="t">Mês</span>
        <select aria-labelledby="t" />
        <button type="button">Salvar</button>
        <button type="button" aria-label="Fechar">
          <span aria-hidden="true">×</span>
        </button>
        <input data-testid="bare" placeholder="só placeholder" />
        <button type="button" data-testid="empty" />
        <label htmlFor="nowhere">Perdido</label>
      </div>,
    );
    const [a, check, search, select, save, close] = document.querySelectorAll("input, select, button");
    expect([a, check, search, select, save, close].map(accessibleName)).toEqual(["Nome", "Ativo", "Busca", "Mês", "Salvar", "Fechar"]);
    expect(problems()).toEqual([
      'no accessible name: <input data-testid="bare" type="text">',
      'no accessible name: <button data-testid="empty" type="button">',
      'label "Perdido" points at no control (for="nowhere")',
    ]);
  });

  it("reads the focus rules from styles.css", () => {
    expect(FOCUS_RING).toEqual(expect.arrayContaining(["button", "input", "select", "textarea", "a", "summary", "[tabindex]"]));
  });
});

// --- the screens ---------------------------------------------------------------------------

const ADMIN = { id: "u-1", full_name: "Ana Admin", email: "ana@beg.com.br", role: "ADMINISTRADOR" };
const USERS = [
  { id: "u-1", full_name: "Ana Administradora", email: "ana@beg.com.br", phone: null, role: "ADMINISTRADOR", active: true, locked: false, last_login_at: "2026-11-05T17:03:00Z" },
  { id: "u-2", full_name: "Beto Operador", email: "beto@beg.com.br", phone: null, role: "OPERADOR", active: true, locked: true, last_login_at: null },
];
const OPERATOR_ROWS = OPERATORS.map((o) => ({ ...o, has_rpa: true, rpa_outsourced: false, version: 1, client_count: 3 }));
const zero = { aguardando_download: 0, aguardando_aprovacao: 0, aguardando_envio_sat: 0, upload_realizado: 0, cancelado: 0, needs_attention: 0 };
const DASHBOARD = {
  month: "2026-11",
  months: ["2026-10", "2026-11"],
  counts: { ...zero, aguardando_download: 3, aguardando_aprovacao: 2, upload_realizado: 5, needs_attention: 1, total: 10 },
  by_operator: [{ operator_id: "op-vivo", operator_name: "Vivo", ...zero, aguardando_download: 3, aguardando_aprovacao: 2, needs_attention: 1, sem_processo: 4, total: 5 }],
  attention: [processRow({ id: "p-9", client_name: "FALHOU LTDA", status: "AGUARDANDO_DOWNLOAD", needs_attention: true })],
  recent_executions: [executionRow({ id: "e-7", status: "FALHOU" })],
};
const CHECKS = [
  { kind: "VARIACAO_VALOR", outcome: "ATENCAO", reason: "Variação de 35% sobre a média.", days_left: null },
  { kind: "POSSIVEL_DUPLICATA", outcome: "OK", reason: "Nenhuma igual.", days_left: null },
  { kind: "VENCIMENTO", outcome: "OK", reason: "Vence em 12 dias.", days_left: 12 },
  { kind: "LINHA_DIGITAVEL", outcome: "SEM_DADOS", reason: "Sem linha digitável.", days_left: null },
];
const queueItem = (id, over = {}) => ({
  ...processRow({ id, client_id: `c-${id}`, client_name: `Cliente ${id}` }),
  amount_cents: 123456,
  amount_source: "LINHA_DIGITAVEL",
  due_date_source: "TEXTO_DA_FATURA",
  manual_upload: false,
  uploaded_by_name: null,
  checks: CHECKS,
  all_passed: false,
  four_eyes_required: false,
  first_approval: null,
  blocked_reason: null,
  can_bulk_approve: true,
  ...over,
});
const REASONS = [
  { code: "VALOR_DIVERGENTE", label: "Valor diferente do esperado", text_required: false },
  { code: "OUTRO", label: "Outro motivo", text_required: true },
];
const processDetail = (status = "AGUARDANDO_APROVACAO", can = {}) => ({
  process: {
    ...processRow({ status }),
    invoice_file_name: "fatura-2026-11.pdf",
    invoice_size: 183_296,
    invoice_sha256: "ab".repeat(32),
    approved_by_name: null,
    approved_at: null,
    sent_to_sat_at: null,
    last_rejection_reason: null,
    notes: null,
    manual_upload: false,
    auto_created: true,
    next_retry_at: null,
  },
  client: client(),
  executions: [executionRow({ status: "FALHOU", error: "Portal fora do ar" })],
  audit: [],
  checks: CHECKS,
  can_approve: true,
  can_cancel: true,
  can_download_now: true,
  can_retry: true,
  can_send_to_sat: true,
  can_upload: true,
  ...can,
});

// E-mail (issue 21): the outbox rows, the office's settings and the person's preference.
const outboxRow = (id, over = {}) => ({
  id,
  rule: "LEMBRETE",
  rule_label: "Lembrete",
  recipient_name: "Beto Aprovador",
  recipient_email: "beto@beg.com.br",
  process_id: "p-1",
  day: "2026-11-05",
  subject: "Fatura esperando aprovação",
  state: "ENVIADO",
  state_label: "Enviado",
  attempts: 1,
  next_attempt_at: null,
  last_error: null,
  created_at: "2026-11-05T11:00:00Z",
  sent_at: "2026-11-05T11:00:30Z",
  ...over,
});
const OUTBOX = [outboxRow("m-1"), outboxRow("m-2", { state: "FALHOU", state_label: "Falhou", last_error: "550 Caixa postal inexistente", sent_at: null })];
const EMAIL_SETTINGS = {
  smtp: { host: "smtp.beg.com.br", port: 587, security: "STARTTLS", user: "robo@beg.com.br", sender_name: "BRM RPA Desk", sender_address: "robo@beg.com.br", password_set: true },
  rules: { digest_hour: 8, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2 },
  configured: true,
  can_edit: true,
};

beforeEach(() => {
  // Anything a screen asks that a test below does not answer stays pending (never crashes).
  for (const name of Object.keys(api)) if (typeof api[name] === "function") vi.spyOn(api, name).mockReturnValue(new Promise(() => {}));
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({});
  openPdf.mockImplementation(() => ({
    promise: Promise.resolve({
      numPages: 1,
      getPage: async () => ({
        getViewport: ({ scale }) => ({ width: 600 * scale, height: 800 * scale }),
        render: () => ({ promise: Promise.resolve() }),
      }),
    }),
    destroy: vi.fn(),
  }));
  api.listOperators.mockResolvedValue(pageOf(OPERATOR_ROWS));
  api.listProcesses.mockResolvedValue(pageOf([processRow(), processRow({ id: "p-2", status: "UPLOAD_REALIZADO", needs_attention: true })]));
  api.listClients.mockResolvedValue(pageOf([client(), client({ id: "c-2", hash: "exemplo0027", active: false })]));
  api.listExecutions.mockResolvedValue(pageOf([executionRow(), executionRow({ id: "e-2", status: "FALHOU", error: "Portal fora do ar" })]));
  api.listUsers.mockResolvedValue(pageOf(USERS));
  api.dashboard.mockResolvedValue(DASHBOARD);
  api.robotStatus.mockResolvedValue({ state: "ok", message: null, checked_at: null, jobs_pending: 2, jobs_active: 1 });
  api.databaseStatus.mockResolvedValue({ state: "ok", message: null, retry_in_secs: 0 });
  api.listApprovalQueue.mockResolvedValue({ items: [queueItem("p-1"), queueItem("p-2", { manual_upload: true })], total: 2 });
  api.invoicePdf.mockResolvedValue(new ArrayBuffer(4));
  api.clientInvoiceHistory.mockResolvedValue([]);
  api.rejectionReasons.mockResolvedValue(REASONS);
  api.getApprovalSettings.mockResolvedValue({ tolerance_pct: 20, due_soon_days: 5, four_eyes: false });
  api.getSessionSettings.mockResolvedValue({ idle_hours: 8 });
  api.getProcess.mockResolvedValue(processDetail());
  api.processEmails.mockResolvedValue(OUTBOX);
  api.listOutbox.mockResolvedValue(OUTBOX);
  api.getEmailSettings.mockResolvedValue(EMAIL_SETTINGS);
  api.getMyEmailPreference.mockResolvedValue({ email: "ana@beg.com.br", active: true, receive: true, hour: null, effective_hour: 8, is_admin: true });
  api.getExecution.mockResolvedValue({
    execution: executionRow({ status: "FALHOU", error: "Portal fora do ar" }),
    logs: [{ seq: 1, at: "2026-11-05T17:00:01Z", level: "ERRO", message: "Portal fora do ar" }],
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const click = (testid) => fireEvent.click(screen.getByTestId(testid));

describe("every control has an accessible name", () => {
  it("Desk (header, tabs, theme toggle)", async () => {
    render(<Desk session={{ token: TOKEN, user: ADMIN }} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    await settle();
    expectAccessible(10);
  });

  it("Desk's preferences dialog, loaded, with a refused time and a test result", async () => {
    api.getDesktopPreferences.mockResolvedValue({
      preferences: { notify_waiting: true, notify_attention: false, quiet_hours: true, quiet_start: "19:00", quiet_end: "08:00", close_to_tray: true },
      notifications: { actions: false, server: "dunst" },
    });
    api.saveDesktopPreferences.mockRejectedValue(
      new CommandError({ code: "VALIDATION", message: "Confira os horários.", fields: [{ field: "quiet_end", message: "Use o formato HH:MM." }] }),
    );
    api.testNotification.mockResolvedValue({ actions: false, server: "dunst", message: "Notificação de teste enviada." });
    render(<Desk session={{ token: TOKEN, user: ADMIN }} onLogout={() => {}} />);
    click("open-preferences");
    await screen.findByTestId("pref-notify-waiting");
    await screen.findByTestId("pref-email-hour");
    await settle();
    const dialog = screen.getByRole("dialog");
    expect(text(document.getElementById(dialog.getAttribute("aria-labelledby")))).toBe("Preferências deste computador");
    expectAccessible(10);
    click("pref-save");
    await screen.findByTestId("error-quiet_end");
    click("pref-test");
    await waitFor(() => expect(text(screen.getByTestId("pref-test-result"))).toBe("Notificação de teste enviada."));
    expectAccessible(10);
  });

  it("Dashboard", async () => {
    render(<Dashboard token={TOKEN} onNavigate={() => {}} />);
    await screen.findByTestId("dashboard");
    await waitFor(() => expect(screen.getByTestId("dashboard").textContent).toContain("FALHOU LTDA"));
    await settle();
    expectAccessible(3);
  });

  it("Approvals (queue, detail, values form, decision, reject form, large PDF)", async () => {
    render(<Approvals token={TOKEN} user={ADMIN} onNavigate={() => {}} />);
    await waitFor(() => expect(screen.getAllByTestId("queue-row")).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId("approval-detail").getAttribute("data-id")).toBe("p-1"));
    await settle();
    // Each queue row is reached by the keyboard (its checkbox and its main button).
    for (const row of screen.getAllByTestId("queue-row")) expect(row.querySelectorAll(FOCUSABLE).length).toBe(2);
    expectAccessible(10);
    fireEvent.keyDown(document.body, { key: "r" });
    await screen.findByTestId("reject-form");
    await settle();
    expectAccessible(10);
    fireEvent.click(screen.getByTestId("btn-voltar-rejeicao"));
    fireEvent.keyDown(document.body, { key: "o" });
    await screen.findByTestId("pdf-large");
    await settle();
    expectAccessible(10);
  });

  it("Processes", async () => {
    render(<Processes token={TOKEN} />);
    await screen.findAllByTestId("process-row");
    await settle();
    expectAccessible(5);
  });

  it("ProcessDetail (with every action offered, then the reject form)", async () => {
    render(<ProcessDetail token={TOKEN} id="p-1" onBack={() => {}} />);
    await screen.findByTestId("process-detail");
    await waitFor(() => expect(screen.getByTestId("process-detail").textContent).toContain("PÃO E TAL"));
    await settle();
    expectAccessible(3);
    const reject = screen.queryByRole("button", { name: /Rejeitar/ });
    if (reject) {
      fireEvent.click(reject);
      await settle();
      expectAccessible(3);
    }
  });

  it("Executions and ExecutionDetail", async () => {
    render(<Executions token={TOKEN} />);
    await waitFor(() => expect(screen.getAllByTestId("execution-row")).toHaveLength(2));
    await settle();
    expectAccessible(5);
    cleanup();
    render(<ExecutionDetail token={TOKEN} id="e-1" onBack={() => {}} onOpenProcess={() => {}} />);
    await screen.findByTestId("execution-detail");
    await settle();
    expectAccessible(1);
  });

  it("Clients and the client form", async () => {
    render(<Clients token={TOKEN} />);
    await waitFor(() => expect(screen.getAllByTestId("client-row")).toHaveLength(2));
    await settle();
    expectAccessible(5);
    click("new-client");
    await screen.findByTestId("client-form");
    await settle();
    expectAccessible(10);
  });

  it("ClientImport, before and after choosing a file", async () => {
    api.previewClientImport.mockResolvedValue({
      import_id: "imp-42",
      file_name: "clientes.csv",
      encoding: "UTF-8",
      create: [{ line: 2, hash: "exemplo0030", legal_name: "PÃO E TAL", cnpj: "13.878.375/0001-09", operator_name: "Vivo", changed: [] }],
      update: [],
      unchanged_count: 4,
      duplicate_lines: [5],
      rejected: [{ line: 12, hash: "exemplo0012", reason: "CNPJ inválido: dígitos verificadores não conferem" }],
    });
    render(<ClientImport token={TOKEN} onShowClients={() => {}} />);
    await screen.findByTestId("import");
    expectAccessible(1);
    const file = new File(["HASH,RAZÃO SOCIAL\nexemplo0030,PÃO E TAL\n"], "clientes.csv", { type: "text/csv" });
    fireEvent.change(screen.getByTestId("import-file"), { target: { files: [file] } });
    await screen.findByTestId("import-preview");
    await settle();
    expectAccessible(2);
  });

  it("Operators and the operator form", async () => {
    render(<Operators token={TOKEN} canEdit />);
    await waitFor(() => expect(screen.getAllByTestId("operator-row")).toHaveLength(2));
    await settle();
    expectAccessible(3);
    click("new-operator");
    await screen.findByTestId("operator-form");
    await settle();
    expectAccessible(5);
  });

  it("Users, the user form and the password reset form", async () => {
    render(<Users token={TOKEN} />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(2));
    await settle();
    expectAccessible(5);
    click("new-user");
    await screen.findByTestId("user-form");
    await settle();
    expectAccessible(5);
    fireEvent.click(screen.getByRole("button", { name: /Cancelar/ }));
    await act(() => settle());
    click("reset-beto@beg.com.br");
    await screen.findByTestId("reset-form");
    await settle();
    expectAccessible(3);
  });

  it("Settings, with SQLite and with PostgreSQL chosen", async () => {
    api.getDatabaseSettings.mockResolvedValue({ kind: "sqlite", sqlite_path: "/home/ana/brm-desk.sqlite3", postgres: null, active: "sqlite", restart_required: false });
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    await screen.findByTestId("settings-tolerance");
    await settle();
    expectAccessible(5);
    click("kind-postgres");
    await settle();
    expectAccessible(8);
  });

  it("Settings → E-mail, with Rust's field errors and a failed test message", async () => {
    api.getDatabaseSettings.mockResolvedValue({ kind: "sqlite", sqlite_path: "/home/ana/brm-desk.sqlite3", postgres: null, active: "sqlite", restart_required: false });
    api.saveEmailSettings.mockRejectedValue(
      new CommandError({
        code: "VALIDATION",
        message: "Confira os campos.",
        fields: [
          { field: "smtp.host", message: "Servidor não encontrado." },
          { field: "smtp.security", message: "Use STARTTLS ou TLS direto." },
          { field: "rules.digest_hour", message: "De 0 a 23." },
        ],
      }),
    );
    api.sendTestEmail.mockResolvedValue(outboxRow("m-9", { rule: "TESTE", state: "FALHOU", state_label: "Falhou", last_error: "Conexão recusada" }));
    render(<Settings token={TOKEN} user={ADMIN} />);
    await screen.findByTestId("email-host");
    await settle();
    expectAccessible(20);
    click("email-save");
    await screen.findByTestId("error-email_host");
    await screen.findByTestId("error-email_security");
    click("email-test-send");
    await waitFor(() => expect(screen.getByTestId("email-test-result").dataset.state).toBe("FALHOU"));
    expectAccessible(20);
  });

  it("Diagnostics, with the e-mail outbox", async () => {
    api.getDiagnostics.mockResolvedValue({
      generated_at: "2026-11-29T13:00:00Z",
      app_version: "0.1.0",
      tauri_version: "2.12.0",
      webview_version: null,
      os: "linux",
      arch: "x86_64",
      database: { backend: "SQLite", server_version: "3.46.1", migration: 9, location: "/tmp/x.sqlite3", error: null },
      robot: null,
      storage: "pasta /tmp/faturas",
      log_dir: "/tmp/logs",
      recent_events: [],
      failed_executions: [],
      text: "",
    });
    render(<Diagnostics token={TOKEN} />);
    await waitFor(() => expect(screen.getAllByTestId("outbox-row")).toHaveLength(2));
    await settle();
    expectAccessible(5);
  });

  it("Login and the first run", async () => {
    render(<Login onLogin={() => {}} />);
    expectAccessible(3);
    cleanup();
    render(<FirstRun onCreated={() => {}} createAdmin={() => new Promise(() => {})} />);
    expectAccessible(3);
  });
});
