import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import LegacyImport, { validateSource } from "./LegacyImport.jsx";
import Settings from "./Settings.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

// The wrappers' command names and arguments, through a stand-in for Tauri's invoke.
const sent = [];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (command, args) => {
    sent.push([command, args]);
    return null;
  },
}));

const PREVIEW = {
  preview_id: "prev-1",
  source: "SQLite /home/ana/antigo.sqlite3",
  has_changes: true,
  tables: [
    { table: "operadoras", label: "Operadoras", total: 5, to_create: 4, to_map: 0, already: 0, rejected: 1, not_imported: 0, reason: null },
    { table: "processos", label: "Processos", total: 20, to_create: 16, to_map: 0, already: 0, rejected: 4, not_imported: 0, reason: null },
    {
      table: "notificacoes",
      label: "Notificações",
      total: 3,
      to_create: 0,
      to_map: 0,
      already: 0,
      rejected: 0,
      not_imported: 3,
      reason: "histórico de e-mails do sistema antigo",
    },
  ],
  rejected: [
    { table: "processos", legacy_id: "p-9", what: "13/2024 · Delta", reason: 'Mês inválido: "13/2024" (esperado MM/AAAA).' },
    { table: "processos", legacy_id: "p-8", what: "02/2024 · Delta", reason: 'Situação desconhecida: "STATUS_INVENTADO".' },
  ],
  mapped: [{ table: "users", legacy_id: "u-1", what: "maria <maria@beg.com.br>", to: "a mesma pessoa na tabela usuarios (mesmo e-mail)" }],
  statuses: [{ old: "ERRO_SAT", new: "AGUARDANDO_ENVIO_SAT", needs_attention: true, count: 1 }],
  robot: [
    { what: "Token do robô (→ chaveiro, robo-token)", action: "criar", detail: "Encontrado em .env (API_EXTERNA_TOKEN); será guardado no chaveiro do sistema." },
    { what: "Chave do .env", action: "não importado", detail: "MINIO_SECRET_KEY: as faturas antigas ficam no armazenamento antigo." },
  ],
  columns: [
    { table: "operadoras", column: "codigo", fate: "importado", detail: "código" },
    { table: "operadoras", column: "classe_rpa", fate: "não importado", detail: "o robô novo é chamado pelo código da operadora" },
    { table: "users", column: "oauth_github", fate: "não importado", detail: "o novo sistema não tem login pelo GitHub" },
  ],
  warnings: [],
};

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function fill(path, env) {
  fireEvent.input(screen.getByTestId("legacy-path"), { target: { value: path } });
  if (env !== undefined) fireEvent.input(screen.getByTestId("legacy-env"), { target: { value: env } });
}

describe("LegacyImport", () => {
  it("checks the source before asking Rust", () => {
    expect(validateSource({ kind: "sqlite", path_or_url: " " }).path_or_url).toBe("Informe o caminho do arquivo SQLite do sistema antigo.");
    expect(validateSource({ kind: "postgres", path_or_url: "mysql://x" }).path_or_url).toContain("postgres://");
    expect(validateSource({ kind: "postgres", path_or_url: "postgres://ana@db/antigo" })).toEqual({});
  });

  it("shows the dry-run report with counts, rejections and reasons, then imports that preview", async () => {
    const preview = vi.spyOn(api, "legacyImportPreview").mockResolvedValue(PREVIEW);
    const commit = vi.spyOn(api, "legacyImportCommit").mockResolvedValue({
      operators: 4,
      users: 4,
      clients: 4,
      processes: 16,
      executions: 4,
      schedules: 2,
      rejected: 10,
      robot_url_saved: true,
      robot_token_saved: true,
    });
    render(<LegacyImport token={TOKEN} />);
    fill(" /home/ana/antigo.sqlite3 ", "/home/ana/.env");
    fireEvent.click(screen.getByTestId("legacy-preview"));
    await screen.findByTestId("legacy-report");
    expect(preview).toHaveBeenCalledWith(TOKEN, { kind: "sqlite", path_or_url: "/home/ana/antigo.sqlite3", env_path: "/home/ana/.env" });
    const rows = screen.getAllByTestId("legacy-count-row").map((r) => r.textContent);
    expect(rows).toEqual([
      "Operadoras540010",
      "Processos20160040",
      "NotificaçõesNão importada: histórico de e-mails do sistema antigo.300003",
    ]);
    const columns = screen.getAllByTestId("legacy-column-row").map((r) => r.getAttribute("data-column"));
    expect(columns).toEqual(["operadoras.classe_rpa", "users.oauth_github"]);
    expect(screen.getByTestId("legacy-columns").textContent).toContain("não tem login pelo GitHub");
    expect(screen.getByTestId("legacy-columns-kept").textContent).toContain("operadoras.codigo → código");
    const rejected = screen.getAllByTestId("legacy-rejected-row").map((r) => r.textContent);
    expect(rejected[0]).toContain('Mês inválido: "13/2024"');
    expect(screen.getByTestId("legacy-statuses").textContent).toContain("ERRO_SAT → Aguardando envio ao SAT (precisa de atenção): 1");
    expect(screen.getByTestId("legacy-robot").textContent).toContain("será gravado");
    expect(screen.getByTestId("legacy-robot").textContent).toContain("MINIO_SECRET_KEY");
    expect(screen.getByTestId("legacy-mapped").textContent).toContain("maria@beg.com.br");

    fireEvent.click(screen.getByTestId("legacy-commit"));
    await waitFor(() => expect(screen.getByTestId("legacy-notice").textContent).toContain("16 processo(s)"));
    expect(commit).toHaveBeenCalledWith(TOKEN, "prev-1");
    expect(screen.getByTestId("legacy-notice").textContent).toContain("2 agendamento(s)");
    expect(screen.getByTestId("legacy-notice").textContent).toContain("10 registro(s) recusado(s)");
    expect(screen.queryByTestId("legacy-report")).toBeNull();
  });

  it("says there is nothing to write on a second run and offers no import", async () => {
    vi.spyOn(api, "legacyImportPreview").mockResolvedValue({ ...PREVIEW, has_changes: false, rejected: [], mapped: [], statuses: [], robot: [] });
    render(<LegacyImport token={TOKEN} />);
    fill("/home/ana/antigo.sqlite3");
    fireEvent.click(screen.getByTestId("legacy-preview"));
    await screen.findByTestId("legacy-nothing");
    expect(screen.queryByTestId("legacy-commit")).toBeNull();
  });

  it("shows Rust's message, and a blank env path is sent as null", async () => {
    const preview = vi
      .spyOn(api, "legacyImportPreview")
      .mockRejectedValue(new CommandError({ code: "VALIDATION", message: "Arquivo não encontrado: /x", fields: [{ field: "path_or_url", message: "Arquivo não encontrado: /x" }] }));
    render(<LegacyImport token={TOKEN} />);
    fill("/x", "  ");
    fireEvent.click(screen.getByTestId("legacy-preview"));
    expect((await screen.findByTestId("legacy-error")).textContent).toBe("Arquivo não encontrado: /x");
    expect(screen.getByTestId("error-path_or_url").textContent).toBe("Arquivo não encontrado: /x");
    expect(preview).toHaveBeenCalledWith(TOKEN, { kind: "sqlite", path_or_url: "/x", env_path: null });
  });

  it("does not call Rust with an empty path", () => {
    const preview = vi.spyOn(api, "legacyImportPreview");
    render(<LegacyImport token={TOKEN} />);
    fireEvent.click(screen.getByTestId("legacy-preview"));
    expect(preview).not.toHaveBeenCalled();
    expect(screen.getByTestId("error-path_or_url").textContent).toContain("Informe o caminho");
  });

  it("is reached from Configurações", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue({ kind: "sqlite", postgres: null });
    vi.spyOn(api, "getApprovalSettings").mockResolvedValue({ tolerance_pct: 20, due_soon_days: 5, four_eyes: false });
    vi.spyOn(api, "getSessionSettings").mockResolvedValue({ idle_hours: 8 });
    render(<Settings token={TOKEN} />);
    fireEvent.click(screen.getByTestId("open-legacy-import"));
    expect(await screen.findByTestId("legacy-import")).toBeTruthy();
    fireEvent.click(screen.getByTestId("legacy-back"));
    expect(await screen.findByTestId("settings")).toBeTruthy();
  });
});

describe("legacy import wrappers", () => {
  it("send the command names and arguments Rust expects", async () => {
    sent.length = 0;
    await api.legacyImportPreview(TOKEN, { kind: "postgres", path_or_url: "postgres://a@b/c", env_path: null });
    await api.legacyImportCommit(TOKEN, "prev-1");
    expect(sent).toEqual([
      ["legacy_import_preview", { token: TOKEN, source: { kind: "postgres", path_or_url: "postgres://a@b/c", env_path: null } }],
      ["legacy_import_commit", { token: TOKEN, preview_id: "prev-1" }],
    ]);
  });
});
