import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Diagnostics from "./Diagnostics.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

// The clipboard plugin's writeText goes through Tauri's IPC: the mock records it.
const sent = [];

const REPORT = {
  generated_at: "2026-11-29T13:00:00Z",
  app_version: "0.1.0",
  tauri_version: "2.12.0",
  webview_version: "2.48.1",
  os: "linux",
  arch: "x86_64",
  database: {
    backend: "SQLite",
    server_version: "3.46.1",
    migration: 9,
    location: "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3",
    error: null,
  },
  robot: {
    state: "ok",
    state_label: "disponível",
    message: "Serviço de robôs disponível",
    checked_at: "2026-11-29T12:59:30Z",
    url: "http://127.0.0.1:41234",
  },
  storage: "pasta /home/ana/.local/share/br.com.brmsolutions.rpadesk/faturas",
  log_dir: "/home/ana/.local/share/br.com.brmsolutions.rpadesk/logs",
  recent_events: [
    { at: "2026-11-29T12:58:00Z", level: "ERROR", target: "brm_worker", message: "download falhou process=p1" },
    { at: "2026-11-29T12:57:00Z", level: "WARN", target: "brm_service", message: "refused by role" },
  ],
  failed_executions: [
    { created_at: "2026-11-29T12:00:00Z", client: "Cliente 1 Ltda", operator: "Vivo", kind: "Download", error: "Senha do portal recusada" },
  ],
  text: "BRM RPA Desk — diagnóstico\nAplicativo: 0.1.0\n",
};

let get;
let outbox;
beforeEach(() => {
  sent.length = 0;
  mockIPC((command, args) => {
    sent.push([command, args]);
    return null;
  });
  get = vi.spyOn(api, "getDiagnostics").mockResolvedValue(REPORT);
  // The e-mail outbox is for administrators; by default this person is refused it.
  outbox = vi.spyOn(api, "listOutbox").mockRejectedValue(new CommandError({ code: "FORBIDDEN", message: "Somente administradores." }));
});

afterEach(() => {
  cleanup();
  clearMocks();
  vi.restoreAllMocks();
});

describe("Diagnostics", () => {
  it("shows every section of the report", async () => {
    render(<Diagnostics token={TOKEN} />);
    await screen.findByTestId("diagnostics");
    expect(get).toHaveBeenCalledWith(TOKEN);
    expect(screen.getByTestId("diag-app-version").textContent).toBe("0.1.0");
    expect(screen.getByTestId("diag-tauri-version").textContent).toBe("2.12.0");
    expect(screen.getByTestId("diag-webview-version").textContent).toBe("2.48.1");
    expect(screen.getByTestId("diag-os").textContent).toBe("linux (x86_64)");
    expect(screen.getByTestId("diag-db-backend").textContent).toBe("SQLite");
    expect(screen.getByTestId("diag-db-version").textContent).toBe("3.46.1");
    expect(screen.getByTestId("diag-db-migration").textContent).toBe("0009");
    expect(screen.getByTestId("diag-robot-state").textContent).toBe("disponível");
    expect(screen.getByTestId("diag-robot-url").textContent).toBe("http://127.0.0.1:41234");
    expect(screen.getByTestId("diag-log-dir").textContent).toContain("/logs");
    const events = screen.getAllByTestId("diag-event").map((e) => e.textContent);
    expect(events[0]).toContain("Erro download falhou process=p1");
    expect(events[1]).toContain("Aviso refused by role");
    expect(screen.getByTestId("diag-failed-row").textContent).toContain(
      "Download — Cliente 1 Ltda (Vivo): Senha do portal recusada",
    );
  });

  it("says when there is nothing to report and shows a dash for what is unknown", async () => {
    get.mockResolvedValue({
      ...REPORT,
      webview_version: null,
      robot: null,
      recent_events: [],
      failed_executions: [],
    });
    render(<Diagnostics token={TOKEN} />);
    await screen.findByTestId("diagnostics");
    expect(screen.getByTestId("diag-webview-version").textContent).toBe("—");
    expect(screen.getByText("Serviço de robôs não iniciado.")).toBeTruthy();
    expect(screen.getByTestId("diag-events-empty")).toBeTruthy();
    expect(screen.getByTestId("diag-failed-empty").textContent).toBe("Nenhuma.");
  });

  it("says whether the shared database's connection is encrypted, as the server reported it", async () => {
    const pg = (security) => ({ ...REPORT, database: { ...REPORT.database, backend: "PostgreSQL", security } });
    get.mockResolvedValueOnce(pg({ encrypted: true, protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" }));
    const { unmount } = render(<Diagnostics token={TOKEN} />);
    expect((await screen.findByTestId("diag-db-security")).textContent).toBe("criptografada (TLSv1.3, TLS_AES_256_GCM_SHA384)");
    unmount();
    get.mockResolvedValueOnce(pg({ encrypted: false, protocol: null, cipher: null }));
    render(<Diagnostics token={TOKEN} />);
    expect((await screen.findByTestId("diag-db-security")).textContent).toContain("SEM criptografia");
  });

  it("has no connection row for the embedded database", async () => {
    render(<Diagnostics token={TOKEN} />);
    await screen.findByTestId("diagnostics");
    expect(screen.queryByTestId("diag-db-security")).toBeNull();
  });

  it("copies the plain-text report through the clipboard plugin and says so", async () => {
    render(<Diagnostics token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("diag-copy"));
    await waitFor(() => expect(screen.getByTestId("diag-copy-status").textContent).toBe("Copiado"));
    expect(sent).toEqual([["plugin:clipboard-manager|write_text", { label: undefined, text: REPORT.text }]]);
  });

  it("explains in pt-BR when the clipboard refuses", async () => {
    const copy = vi.fn().mockRejectedValue("clipboard unavailable");
    render(<Diagnostics token={TOKEN} copy={copy} />);
    fireEvent.click(await screen.findByTestId("diag-copy"));
    const status = await screen.findByTestId("diag-copy-status");
    expect(status.textContent).toBe("Não foi possível copiar para a área de transferência: clipboard unavailable");
    expect(status.className).toBe("error");
    expect(copy).toHaveBeenCalledWith(REPORT.text);
  });

  it("has no e-mail section, and no error, for someone the outbox is refused to", async () => {
    render(<Diagnostics token={TOKEN} />);
    await screen.findByTestId("diagnostics");
    await waitFor(() => expect(outbox).toHaveBeenCalledWith(TOKEN, { state: null, rule: null, text: null }));
    expect(screen.queryByTestId("outbox")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("diagnostics").textContent).not.toContain("E-mails enviados");
  });

  it("shows the e-mails sent to an administrator, and reads them again with Atualizar", async () => {
    outbox.mockResolvedValue([
      {
        id: "m-1",
        rule: "TESTE",
        rule_label: "Teste",
        recipient_name: null,
        recipient_email: "ana@beg.com.br",
        process_id: null,
        day: "2026-11-29",
        subject: "E-mail de teste",
        state: "FALHOU",
        state_label: "Falhou",
        attempts: 1,
        next_attempt_at: null,
        last_error: "Conexão recusada por smtp.beg.com.br:587",
        created_at: "2026-11-29T12:00:00Z",
        sent_at: null,
      },
    ]);
    render(<Diagnostics token={TOKEN} />);
    const [row] = await screen.findAllByTestId("outbox-row");
    expect(screen.getByTestId("outbox").textContent).toContain("E-mails enviados (últimos 100)");
    expect(row.textContent).toContain("Conexão recusada por smtp.beg.com.br:587");
    get.mockResolvedValue({ ...REPORT, generated_at: "2026-11-29T13:05:00Z" });
    fireEvent.click(screen.getByTestId("diag-refresh"));
    await waitFor(() => expect(outbox).toHaveBeenCalledTimes(2));
  });

  it("shows the error and tries again", async () => {
    get.mockRejectedValueOnce(new CommandError({ code: "UNAUTHENTICATED", message: "Sessão expirada. Entre novamente." }));
    render(<Diagnostics token={TOKEN} />);
    expect((await screen.findByTestId("diag-error")).textContent).toBe("Sessão expirada. Entre novamente.");
    fireEvent.click(screen.getByText("Tentar de novo"));
    await screen.findByTestId("diagnostics");
    expect(get).toHaveBeenCalledTimes(2);
  });
});
