import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Processes from "./Processes.jsx";
import { api } from "../api.js";
import { onModelChanged } from "../events.js";
import { client, OPERATORS, pageOf, processRow, settle, TOKEN } from "../testing.js";

// Stands in for Tauri's event bus: `changed(payload)` delivers a model-changed event to
// every screen listening.
vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));

const handlers = new Set();
const changed = (payload) => act(() => handlers.forEach((h) => h(payload)));
beforeEach(() => {
  handlers.clear();
  onModelChanged.mockImplementation((handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

let listProcesses;
beforeEach(() => {
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf(OPERATORS));
  listProcesses = vi.spyOn(api, "listProcesses").mockResolvedValue(
    pageOf([
      processRow(),
      processRow({ id: "p-2", client_hash: "exemplo0027", status: "UPLOAD_REALIZADO", amount: null, due_date: null, needs_attention: true }),
    ]),
  );
});

const lastFilter = () => listProcesses.mock.calls.at(-1)[1];

describe("Processes", () => {
  it("lists processes with pt-BR status, month, money and dates", async () => {
    render(<Processes token={TOKEN} />);
    const rows = await screen.findAllByTestId("process-row");
    expect(rows.map((r) => [r.dataset.clientHash, r.dataset.status])).toEqual([
      ["exemplo0030", "AGUARDANDO_APROVACAO"],
      ["exemplo0027", "UPLOAD_REALIZADO"],
    ]);
    expect(rows[0].textContent).toContain("Aguardando aprovação");
    expect(rows[0].textContent).toContain("11/2026");
    expect(rows[0].textContent).toContain("R$ 1.234,56");
    expect(rows[0].textContent).toContain("10/12/2026");
    expect(rows[0].textContent).toContain("13.878.375/0001-09");
    expect(rows[1].textContent).toContain("Enviado ao SAT");
    expect(rows[1].textContent).toContain("Atenção");
    expect(screen.getByTestId("pager").textContent).toBe("Página 1 de 1 · 2 processos");
    expect(listProcesses).toHaveBeenCalledWith(TOKEN, {
      month: null,
      status: null,
      operator_id: null,
      search: null,
      needs_attention: null,
      page: 0,
      page_size: 20,
    });
  });

  it("sends every filter to the database", async () => {
    render(<Processes token={TOKEN} />);
    await screen.findAllByTestId("process-row");
    // The month picker: a year, then a month (no <input type="month">, a text box in Safari).
    fireEvent.change(screen.getByTestId("processes-month-year"), { target: { value: "2026" } });
    fireEvent.change(screen.getByTestId("processes-month-month"), { target: { value: "11" } });
    expect(screen.getByTestId("processes-month").dataset.value).toBe("2026-11");
    fireEvent.change(screen.getByTestId("processes-status"), { target: { value: "AGUARDANDO_APROVACAO" } });
    await screen.findAllByRole("option", { name: "Vivo" });
    fireEvent.change(screen.getByTestId("processes-operator"), { target: { value: "op-vivo" } });
    fireEvent.input(screen.getByTestId("processes-search"), { target: { value: "pão" } });
    fireEvent.click(screen.getByTestId("processes-attention"));
    await waitFor(() =>
      expect(lastFilter()).toEqual({
        month: "2026-11",
        status: "AGUARDANDO_APROVACAO",
        operator_id: "op-vivo",
        search: "pão",
        needs_attention: true,
        page: 0,
        page_size: 20,
      }),
    );
  });

  it("creates a month's processes, says how many, and shows that month", async () => {
    const create = vi.spyOn(api, "createMonthProcesses").mockResolvedValue({ created: 30, skipped: 2 });
    render(<Processes token={TOKEN} />);
    await screen.findAllByTestId("process-row");
    fireEvent.change(screen.getByTestId("month-input-year"), { target: { value: "2026" } });
    fireEvent.change(screen.getByTestId("month-input-month"), { target: { value: "10" } });
    expect(document.querySelector('input[name="month"]').value).toBe("2026-10");
    fireEvent.click(screen.getByTestId("create-month"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("30 processos criados, 2 já existiam.");
    expect(create).toHaveBeenCalledWith(TOKEN, "2026-10", null);
    await waitFor(() => expect(lastFilter().month).toBe("2026-10"));
  });

  it("opens a row's detail and comes back to the same filter", async () => {
    vi.spyOn(api, "getProcess").mockResolvedValue({
      process: processRow(),
      client: client(),
      executions: [],
      audit: [],
      can_approve: false,
      can_cancel: false,
    });
    render(<Processes token={TOKEN} />);
    fireEvent.change(await screen.findByTestId("processes-status"), { target: { value: "AGUARDANDO_APROVACAO" } });
    const rows = await screen.findAllByTestId("process-row");
    fireEvent.click(rows[0]);
    expect(await screen.findByTestId("process-detail")).toBeTruthy();
    expect(api.getProcess).toHaveBeenCalledWith(TOKEN, "p-1");
    fireEvent.click(screen.getByTestId("process-back"));
    expect((await screen.findByTestId("processes-status")).value).toBe("AGUARDANDO_APROVACAO");

    fireEvent.click(screen.getByTestId("open-process-p-2"));
    await screen.findByTestId("process-detail");
    expect(api.getProcess).toHaveBeenLastCalledWith(TOKEN, "p-2");
  });

  it("asks for the same page and filter again when processes change, keeping the rows in place", async () => {
    listProcesses.mockImplementation(async (_t, f) =>
      pageOf([processRow({ id: `p-${f.page}`, status: "AGUARDANDO_DOWNLOAD" })], { total: 45, page: f.page }),
    );
    render(<Processes token={TOKEN} />);
    fireEvent.change(await screen.findByTestId("processes-status"), { target: { value: "AGUARDANDO_DOWNLOAD" } });
    fireEvent.click(await screen.findByRole("button", { name: "Próxima" }));
    await waitFor(() => expect(screen.getByTestId("pager").textContent).toBe("Página 2 de 3 · 45 processos"));
    const before = lastFilter();
    const row = screen.getByTestId("process-row");
    const calls = listProcesses.mock.calls.length;

    listProcesses.mockResolvedValueOnce(pageOf([processRow({ id: "p-1", status: "AGUARDANDO_APROVACAO" })], { total: 45, page: 1 }));
    changed({ processes: ["p-1"], executions: [] });
    await waitFor(() => expect(screen.getByTestId("process-row").dataset.status).toBe("AGUARDANDO_APROVACAO"));
    expect(listProcesses.mock.calls.length).toBe(calls + 1);
    expect(lastFilter()).toEqual(before);
    expect(lastFilter()).toMatchObject({ status: "AGUARDANDO_DOWNLOAD", page: 1 });
    expect(screen.getByTestId("process-row")).toBe(row);
    expect(screen.getByTestId("processes-status").value).toBe("AGUARDANDO_DOWNLOAD");
    expect(screen.getByTestId("pager").textContent).toBe("Página 2 de 3 · 45 processos");
  });

  it("does not read the list again for executions only, nor while a detail is open", async () => {
    vi.spyOn(api, "getProcess").mockResolvedValue({ process: processRow(), client: client(), executions: [], audit: [], can_approve: false, can_cancel: false });
    render(<Processes token={TOKEN} />);
    await screen.findAllByTestId("process-row");
    const calls = listProcesses.mock.calls.length;
    changed({ processes: [], executions: ["e-1"] });
    await settle();
    expect(listProcesses.mock.calls.length).toBe(calls);

    fireEvent.click(screen.getByTestId("open-process-p-2"));
    await screen.findByTestId("process-detail");
    changed({ processes: ["p-1"], executions: [] });
    await settle();
    expect(listProcesses.mock.calls.length).toBe(calls);
  });

  it("starts filtered by the dashboard's parameters and prefills the month to create", async () => {
    render(<Processes token={TOKEN} initialFilter={{ month: "2026-11", operator_id: "op-vivo", status: "AGUARDANDO_DOWNLOAD", create: true }} />);
    await screen.findAllByTestId("process-row");
    expect(listProcesses).toHaveBeenCalledTimes(1);
    expect(lastFilter()).toEqual({
      month: "2026-11",
      status: "AGUARDANDO_DOWNLOAD",
      operator_id: "op-vivo",
      search: null,
      needs_attention: null,
      page: 0,
      page_size: 20,
    });
    expect(screen.getByTestId("processes-month").dataset.value).toBe("2026-11");
    expect(screen.getByTestId("month-input").dataset.value).toBe("2026-11");
    await screen.findAllByRole("option", { name: "Vivo" });
    expect(screen.getByLabelText("Operadora", { selector: "#f-create-operator" }).value).toBe("op-vivo");
  });

  it("opens the process the dashboard named and marks its row when coming back", async () => {
    vi.spyOn(api, "getProcess").mockResolvedValue({ process: processRow({ id: "p-2" }), client: client(), executions: [], audit: [], can_approve: false, can_cancel: false });
    render(<Processes token={TOKEN} initialFilter={{ needs_attention: true, open_id: "p-2" }} />);
    expect(await screen.findByTestId("process-detail")).toBeTruthy();
    expect(api.getProcess).toHaveBeenCalledWith(TOKEN, "p-2");
    fireEvent.click(screen.getByTestId("process-back"));
    const rows = await screen.findAllByTestId("process-row");
    expect(rows.map((r) => r.getAttribute("aria-selected"))).toEqual([null, "true"]);
    expect(screen.getByTestId("processes-attention").checked).toBe(true);
  });

  it("exports what it shows, with the current filter", async () => {
    const exportList = vi.spyOn(api, "exportList").mockResolvedValue({ path: "/tmp/p.csv", file_name: "p.csv", rows: 2 });
    render(<Processes token={TOKEN} />);
    fireEvent.change(await screen.findByTestId("processes-status"), { target: { value: "CANCELADO" } });
    fireEvent.click(screen.getByTestId("btn-export-xlsx"));
    await waitFor(() => expect(screen.getByTestId("export-status").textContent).toBe("Exportado: p.csv (2 linhas) em /tmp/p.csv"));
    expect(exportList).toHaveBeenCalledWith(TOKEN, "processos", expect.objectContaining({ status: "CANCELADO", page: 0, page_size: 20 }), "xlsx");
  });

  it("says what to do next when a month has no process, and reloads on everything", async () => {
    listProcesses.mockResolvedValue(pageOf([]));
    render(<Processes token={TOKEN} initialFilter={{ month: "2026-12" }} />);
    expect((await screen.findByTestId("processes-empty")).textContent).toContain("Nenhum processo neste mês. Crie os processos do mês");
    const calls = listProcesses.mock.calls.length;
    changed({ everything: true });
    await waitFor(() => expect(listProcesses.mock.calls.length).toBe(calls + 1));
  });
});
