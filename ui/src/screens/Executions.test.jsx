import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import Executions from "./Executions.jsx";
import { api, CommandError } from "../api.js";
import { onModelChanged } from "../events.js";
import { client, executionRow, OPERATORS, pageOf, processRow, settle, TOKEN } from "../testing.js";

// Stands in for Tauri's event bus: `changed(payload)` delivers a model-changed event to
// every screen listening.
vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));

const handlers = new Set();
const changed = (payload) => act(() => handlers.forEach((h) => h(payload)));

let listExecutions;
beforeEach(() => {
  handlers.clear();
  onModelChanged.mockImplementation((handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  });
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf(OPERATORS));
  listExecutions = vi.spyOn(api, "listExecutions").mockResolvedValue(
    pageOf([
      executionRow(),
      executionRow({
        id: "e-2",
        process_id: "p-2",
        kind: "UPLOAD_SAT",
        status: "FALHOU",
        progress: 100,
        attempt: 3,
        error: "SAT fora do ar",
        error_class: "TRANSITORIO",
        client_name: "TRANSPORTES ALVORADA",
        operator_name: "Oi",
        reference_month: "2026-10",
        created_at: "2026-10-31T23:30:00Z",
      }),
      executionRow({ id: "e-3", kind: "UPLOAD_MANUAL", status: "CONCLUIDO", progress: 100, attempt: 1, error: "Senha recusada", error_class: "NEGOCIO" }),
    ]),
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const lastFilter = () => listExecutions.mock.calls.at(-1)[1];
const cells = (row) => [...row.querySelectorAll("td")].map((td) => td.textContent);

describe("Executions", () => {
  it("lists executions with pt-BR kinds, statuses, dates, progress and error classes", async () => {
    render(<Executions token={TOKEN} />);
    const rows = await screen.findAllByTestId("execution-row");
    expect(rows.map((r) => [r.dataset.id, r.dataset.kind, r.dataset.status])).toEqual([
      ["e-1", "DOWNLOAD_FATURA", "EXECUTANDO"],
      ["e-2", "UPLOAD_SAT", "FALHOU"],
      ["e-3", "UPLOAD_MANUAL", "CONCLUIDO"],
    ]);
    expect(cells(rows[0]).slice(0, 9)).toEqual([
      "05/11/2026 13:59",
      "Download da fatura",
      "PÃO E TAL TRANSPORTES S/A",
      "Vivo",
      "11/2026",
      "Executando",
      " 40%",
      "2",
      "—",
    ]);
    expect(rows[0].querySelector("progress").value).toBe(40);
    expect(cells(rows[1]).slice(0, 9)).toEqual([
      "31/10/2026 20:30",
      "Envio ao SAT",
      "TRANSPORTES ALVORADA",
      "Oi",
      "10/2026",
      "Falhou",
      " 100%",
      "3",
      "SAT fora do ar transitório",
    ]);
    expect(cells(rows[2])[1]).toBe("Envio manual");
    expect(cells(rows[2])[5]).toBe("Concluída");
    expect(cells(rows[2])[8]).toBe("Senha recusada de negócio");
    expect(screen.getByTestId("pager").textContent).toBe("Página 1 de 1 · 3 execuções");
    expect(listExecutions).toHaveBeenCalledWith(TOKEN, {
      status: null,
      kind: null,
      operator_id: null,
      month: null,
      process_id: null,
      search: null,
      open_only: false,
      page: 0,
      page_size: 20,
    });
  });

  it("names every status in the filter in pt-BR", async () => {
    render(<Executions token={TOKEN} />);
    const options = [...(await screen.findByTestId("executions-status")).querySelectorAll("option")].map((o) => o.textContent);
    expect(options).toEqual(["Todas as situações", "Pendente", "Executando", "Concluída", "Falhou", "Tempo esgotado", "Cancelada"]);
    const kinds = [...screen.getByTestId("executions-kind").querySelectorAll("option")].map((o) => o.textContent);
    expect(kinds).toEqual(["Todos os tipos", "Download da fatura", "Envio ao SAT", "Envio manual"]);
  });

  it("sends every filter to the database and pages there", async () => {
    listExecutions.mockImplementation(async (_t, f) => pageOf([executionRow()], { total: 45, page: f.page }));
    render(<Executions token={TOKEN} />);
    await screen.findAllByTestId("execution-row");
    fireEvent.change(screen.getByLabelText("Situação da execução"), { target: { value: "FALHOU" } });
    fireEvent.change(screen.getByLabelText("Tipo"), { target: { value: "UPLOAD_SAT" } });
    await screen.findAllByRole("option", { name: "Vivo" });
    fireEvent.change(screen.getByLabelText("Operadora"), { target: { value: "op-vivo" } });
    const monthPicker = screen.getByRole("group", { name: "Mês de referência" });
    fireEvent.change(within(monthPicker).getByLabelText("Ano"), { target: { value: "2026" } });
    fireEvent.change(within(monthPicker).getByLabelText("Mês"), { target: { value: "11" } });
    fireEvent.input(screen.getByLabelText("Buscar execução"), { target: { value: " job-42 " } });
    fireEvent.click(screen.getByLabelText("Somente em andamento"));
    await waitFor(() =>
      expect(lastFilter()).toEqual({
        status: "FALHOU",
        kind: "UPLOAD_SAT",
        operator_id: "op-vivo",
        month: "2026-11",
        process_id: null,
        search: "job-42",
        open_only: true,
        page: 0,
        page_size: 20,
      }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Próxima" }));
    await waitFor(() => expect(lastFilter().page).toBe(1));
    expect(screen.getByTestId("pager").textContent).toBe("Página 2 de 3 · 45 execuções");
  });

  it("shows why the list could not be read", async () => {
    listExecutions.mockRejectedValue(new CommandError({ code: "DATABASE", message: "Sem conexão com o banco de dados." }));
    render(<Executions token={TOKEN} />);
    expect((await screen.findByTestId("banner-error")).textContent).toBe("Sem conexão com o banco de dados.");
  });

  it("reads the same page again when executions change, not for processes only", async () => {
    render(<Executions token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("executions-open-only"));
    await waitFor(() => expect(lastFilter().open_only).toBe(true));
    const calls = listExecutions.mock.calls.length;
    const before = lastFilter();
    changed({ processes: ["p-1"], executions: [] });
    await settle();
    expect(listExecutions.mock.calls.length).toBe(calls);
    listExecutions.mockResolvedValueOnce(pageOf([executionRow({ progress: 90 })]));
    changed({ processes: [], executions: ["e-1"] });
    await waitFor(() => expect(screen.getAllByTestId("execution-row")).toHaveLength(1));
    expect(lastFilter()).toEqual(before);
    expect(screen.getByTestId("execution-row").querySelector("progress").value).toBe(90);
    expect(screen.getByTestId("executions-open-only").checked).toBe(true);
  });

  it("opens an execution, its process, and comes back to the same filter", async () => {
    vi.spyOn(api, "getExecution").mockResolvedValue({ execution: executionRow({ id: "e-2", process_id: "p-2" }), logs: [] });
    vi.spyOn(api, "getProcess").mockResolvedValue({
      process: processRow({ id: "p-2" }),
      client: client(),
      executions: [],
      audit: [],
      can_approve: false,
      can_cancel: false,
    });
    render(<Executions token={TOKEN} />);
    fireEvent.change(await screen.findByTestId("executions-kind"), { target: { value: "UPLOAD_SAT" } });
    await waitFor(() => expect(lastFilter().kind).toBe("UPLOAD_SAT"));

    fireEvent.click(screen.getByTestId("open-execution-e-2"));
    await screen.findByTestId("execution-detail");
    expect(api.getExecution).toHaveBeenCalledWith(TOKEN, "e-2");

    fireEvent.click(await screen.findByTestId("btn-abrir-processo"));
    await screen.findByTestId("process-detail");
    expect(api.getProcess).toHaveBeenCalledWith(TOKEN, "p-2");
    expect(screen.getByTestId("process-back").textContent).toBe("← Voltar à execução");

    fireEvent.click(screen.getByTestId("process-back"));
    await screen.findByTestId("execution-detail");
    fireEvent.click(screen.getByTestId("execution-back"));
    expect((await screen.findByTestId("executions-kind")).value).toBe("UPLOAD_SAT");

    fireEvent.click(screen.getAllByTestId("execution-row")[0]);
    await screen.findByTestId("execution-detail");
    expect(api.getExecution).toHaveBeenLastCalledWith(TOKEN, "e-1");
  });

  it("starts filtered by the dashboard's month, or with the execution it named open", async () => {
    vi.spyOn(api, "getExecution").mockResolvedValue({ execution: executionRow({ id: "e-2", process_id: "p-2" }), logs: [] });
    const { unmount } = render(<Executions token={TOKEN} initialFilter={{ month: "2026-11" }} />);
    await screen.findAllByTestId("execution-row");
    expect(listExecutions).toHaveBeenCalledTimes(1);
    expect(lastFilter()).toMatchObject({ month: "2026-11", status: null, page: 0 });
    expect(screen.getByTestId("executions-month").dataset.value).toBe("2026-11");
    unmount();

    render(<Executions token={TOKEN} initialFilter={{ open_id: "e-2" }} />);
    await waitFor(() => expect(api.getExecution).toHaveBeenCalledWith(TOKEN, "e-2"));
  });

  it("exports with the current filter and reloads on everything", async () => {
    const exportList = vi.spyOn(api, "exportList").mockResolvedValue({ path: "/tmp/e.csv", file_name: "e.csv", rows: 2 });
    render(<Executions token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("executions-open-only"));
    await waitFor(() => expect(lastFilter().open_only).toBe(true));
    fireEvent.click(screen.getByTestId("btn-export-csv"));
    await waitFor(() => expect(exportList).toHaveBeenCalledWith(TOKEN, "execucoes", expect.objectContaining({ open_only: true }), "csv"));
    const calls = listExecutions.mock.calls.length;
    changed({ everything: true });
    await waitFor(() => expect(listExecutions.mock.calls.length).toBe(calls + 1));
  });
});
