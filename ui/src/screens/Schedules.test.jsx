import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import Schedules, { toInput } from "./Schedules.jsx";
import { api, CommandError } from "../api.js";
import { OPERATORS, pageOf, TOKEN } from "../testing.js";

vi.mock("@tauri-apps/api/core", () => ({ invoke: async () => null }));

const KINDS = [
  { value: "CRIAR_PROCESSOS_MENSAIS", label: "Criar processos do mês", takes_operator: false },
  { value: "EXECUTAR_DOWNLOADS", label: "Baixar faturas", takes_operator: true },
  { value: "EXECUTAR_ENVIOS_SAT", label: "Enviar ao SAT", takes_operator: false },
  { value: "LIMPEZA_LOGS", label: "Limpar registros antigos", takes_operator: false },
];

const run = (display, at) => ({ at, display, weekday: "terça-feira" });

function item(over = {}) {
  return {
    id: "s-1",
    name: "Criar processos do mês",
    cron: "0 6 1 * *",
    kind: "CRIAR_PROCESSOS_MENSAIS",
    kind_label: "Criar processos do mês",
    description: "Dia 1 de cada mês às 06:00",
    operator_id: null,
    operator_name: null,
    active: true,
    next_run: run("01/12/2026 06:00", "2026-12-01T06:00:00-03:00"),
    last_run: null,
    next_run_at: "2026-12-01T09:00:00Z",
    last_run_at: null,
    version: 3,
    ...over,
  };
}

const BACKUP = item({ id: "s-2", name: "Cópia de segurança diária", cron: "0 2 * * *", kind: "BACKUP_DADOS", kind_label: "Cópia de segurança", description: "Todo dia às 02:00", version: 1 });

let listSchedules;
beforeEach(() => {
  listSchedules = vi.spyOn(api, "listSchedules").mockResolvedValue({ items: [BACKUP, item()], kinds: KINDS });
  vi.spyOn(api, "previewSchedule").mockImplementation(async (_t, cron) => ({
    cron,
    description: "Todo dia às 07:15",
    runs: [1, 2, 3, 4, 5].map((d) => run(`0${d}/12/2026 07:15`, `2026-12-0${d}T07:15:00-03:00`)),
  }));
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf(OPERATORS));
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const row = async (name) => (await screen.findAllByTestId("schedule-row")).find((r) => r.dataset.name === name);

describe("Schedules", () => {
  it("lists name, kind, description, next run and the switch", async () => {
    render(<Schedules token={TOKEN} />);
    const r = await row("Criar processos do mês");
    expect(within(r).getByTestId("schedule-description").textContent).toBe("Dia 1 de cada mês às 06:00");
    expect(within(r).getByTestId("schedule-cron").textContent).toBe("0 6 1 * *");
    expect(within(r).getByTestId("schedule-next").textContent).toBe("01/12/2026 06:00");
    expect(within(r).getByTestId("schedule-last").textContent).toBe("—");
    expect(within(r).getByTestId("schedule-active").checked).toBe(true);
    // An existing backup schedule is listed, but new ones are not offered.
    expect(await row("Cópia de segurança diária")).toBeTruthy();
    fireEvent.click(screen.getByTestId("schedule-new"));
    const kinds = [...screen.getByTestId("schedule-kind").options].map((o) => o.value);
    expect(kinds).toEqual(KINDS.map((k) => k.value));
    expect(listSchedules).toHaveBeenCalledWith(TOKEN);
  });

  it("edits with a daily preset and sends the payload with the version", async () => {
    const saved = item({ cron: "15 7 * * *", description: "Todo dia às 07:15", version: 4, next_run: run("30/11/2026 07:15", "2026-11-30T07:15:00-03:00") });
    const update = vi.spyOn(api, "updateSchedule").mockResolvedValue(saved);
    render(<Schedules token={TOKEN} />);
    fireEvent.click(within(await row("Criar processos do mês")).getByTestId("schedule-edit"));
    fireEvent.click(screen.getByTestId("cron-mode-diario"));
    fireEvent.change(screen.getByTestId("cron-hour"), { target: { value: "7" } });
    fireEvent.change(screen.getByTestId("cron-minute"), { target: { value: "15" } });
    expect(await screen.findAllByTestId("cron-preview-run")).toHaveLength(5);
    listSchedules.mockResolvedValue({ items: [BACKUP, saved], kinds: KINDS });
    fireEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() => expect(screen.queryByTestId("schedule-form")).toBeNull());
    expect(update).toHaveBeenCalledWith(TOKEN, "s-1", 3, {
      name: "Criar processos do mês",
      cron: "15 7 * * *",
      kind: "CRIAR_PROCESSOS_MENSAIS",
      operator_id: null,
      active: true,
    });
    await waitFor(async () => expect(within(await row("Criar processos do mês")).getByTestId("schedule-next").textContent).toBe("30/11/2026 07:15"));
  });

  it("creates a download schedule limited to one operator", async () => {
    const create = vi.spyOn(api, "createSchedule").mockResolvedValue(item({ id: "s-3", name: "Baixar Vivo" }));
    render(<Schedules token={TOKEN} />);
    await row("Criar processos do mês");
    fireEvent.click(screen.getByTestId("schedule-new"));
    fireEvent.input(screen.getByTestId("schedule-name"), { target: { value: "  Baixar Vivo " } });
    fireEvent.change(screen.getByTestId("schedule-kind"), { target: { value: "EXECUTAR_DOWNLOADS" } });
    await waitFor(() => expect(screen.getByTestId("schedule-operator").options.length).toBe(3));
    fireEvent.change(screen.getByTestId("schedule-operator"), { target: { value: "op-vivo" } });
    fireEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(create.mock.calls[0][1]).toMatchObject({ name: "Baixar Vivo", kind: "EXECUTAR_DOWNLOADS", operator_id: "op-vivo", active: true });
  });

  it("shows the stale-version message and keeps the dialog open", async () => {
    const stale = "Este agendamento foi alterado por outra pessoa enquanto você editava. Recarregue e tente de novo.";
    vi.spyOn(api, "updateSchedule").mockRejectedValue(new CommandError({ code: "CONFLICT", message: stale }));
    render(<Schedules token={TOKEN} />);
    fireEvent.click(within(await row("Criar processos do mês")).getByTestId("schedule-edit"));
    fireEvent.click(screen.getByTestId("schedule-save"));
    expect((await screen.findByTestId("schedule-form-error")).textContent).toBe(stale);
    expect(screen.getByTestId("schedule-form")).toBeTruthy();
  });

  it("shows the field errors Rust answers (bad expression, name taken)", async () => {
    const cronMsg = "A expressão cron precisa de 5 campos (minuto hora dia mês dia-da-semana); tem 4.";
    vi.spyOn(api, "createSchedule").mockRejectedValue(
      new CommandError({ code: "VALIDATION", message: cronMsg, fields: [{ field: "name", message: "Informe o nome do agendamento." }, { field: "cron", message: cronMsg }] }),
    );
    render(<Schedules token={TOKEN} />);
    await row("Criar processos do mês");
    fireEvent.click(screen.getByTestId("schedule-new"));
    fireEvent.click(screen.getByTestId("schedule-save"));
    expect((await screen.findByTestId("error-name")).textContent).toBe("Informe o nome do agendamento.");
    await waitFor(() => expect(screen.getByTestId("cron-error").textContent).toBe(cronMsg));
    expect(screen.queryByTestId("schedule-form-error")).toBeNull();
  });

  it("switches a schedule off with its version", async () => {
    const set = vi.spyOn(api, "setScheduleActive").mockResolvedValue(item({ active: false, version: 4 }));
    render(<Schedules token={TOKEN} />);
    fireEvent.click(within(await row("Criar processos do mês")).getByTestId("schedule-active"));
    await waitFor(() => expect(set).toHaveBeenCalledWith(TOKEN, "s-1", 3, false));
    expect((await screen.findByText('Agendamento "Criar processos do mês" desativado.'))).toBeTruthy();
  });

  it("deletes only after the confirmation", async () => {
    const del = vi.spyOn(api, "deleteSchedule").mockResolvedValue(null);
    render(<Schedules token={TOKEN} />);
    fireEvent.click(within(await row("Criar processos do mês")).getByTestId("schedule-delete"));
    fireEvent.click(screen.getByTestId("schedule-delete-cancel"));
    expect(del).not.toHaveBeenCalled();
    fireEvent.click(within(await row("Criar processos do mês")).getByTestId("schedule-delete"));
    expect(screen.getByTestId("schedule-delete-dialog").textContent).toContain("Dia 1 de cada mês às 06:00");
    listSchedules.mockResolvedValue({ items: [BACKUP], kinds: KINDS });
    fireEvent.click(screen.getByTestId("schedule-delete-confirm"));
    await waitFor(() => expect(del).toHaveBeenCalledWith(TOKEN, "s-1", 3));
    await waitFor(() => expect(screen.getAllByTestId("schedule-row")).toHaveLength(1));
  });

  it("sends no operator for kinds that do not take one", () => {
    expect(toInput({ name: " A ", cron: " 0 6 * * * ", kind: "LIMPEZA_LOGS", operator_id: "op-vivo", active: true }, false)).toEqual({
      name: "A",
      cron: "0 6 * * *",
      kind: "LIMPEZA_LOGS",
      operator_id: null,
      active: true,
    });
  });
});
