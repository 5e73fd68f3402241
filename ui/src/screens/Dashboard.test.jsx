import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import Dashboard, { cellTarget, missingOf } from "./Dashboard.jsx";
import { api } from "../api.js";
import { onModelChanged } from "../events.js";
import { executionRow, processRow, settle, TOKEN } from "../testing.js";

// Chart.js needs a real canvas; a stand-in records what each chart was given.
const charts = [];
vi.mock("chart.js", () => {
  class Chart {
    constructor(canvas, config) {
      this.canvas = canvas;
      this.config = config;
      this.data = config.data;
      this.destroyed = false;
      this.updates = 0;
      charts.push(this);
    }
    update() {
      this.updates += 1;
    }
    destroy() {
      this.destroyed = true;
    }
    static register() {}
  }
  return { Chart, ArcElement: {}, BarController: {}, BarElement: {}, CategoryScale: {}, DoughnutController: {}, Legend: {}, LinearScale: {}, Tooltip: {} };
});

vi.mock("../events.js", async (importOriginal) => ({
  ...(await importOriginal()),
  onModelChanged: vi.fn(),
  onRobotStatus: () => () => {},
}));

const handlers = new Set();
const changed = (payload) => act(() => handlers.forEach((h) => h(payload)));
beforeEach(() => {
  handlers.clear();
  charts.length = 0;
  onModelChanged.mockImplementation((handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  document.documentElement.removeAttribute("data-theme");
});

const zero = { aguardando_download: 0, aguardando_aprovacao: 0, aguardando_envio_sat: 0, upload_realizado: 0, cancelado: 0, needs_attention: 0 };
const opRow = (over) => ({ operator_id: "op-vivo", operator_name: "Vivo", ...zero, sem_processo: 0, total: 0, ...over });

function answer(over = {}) {
  return {
    month: "2026-11",
    months: ["2026-10", "2026-11"],
    counts: { ...zero, aguardando_download: 3, aguardando_aprovacao: 2, upload_realizado: 5, needs_attention: 1, total: 10 },
    by_operator: [
      opRow({ aguardando_download: 3, aguardando_aprovacao: 2, needs_attention: 1, sem_processo: 4, total: 5 }),
      opRow({ operator_id: "op-claro", operator_name: "Claro", upload_realizado: 5, total: 5 }),
    ],
    attention: [processRow({ id: "p-9", client_name: "FALHOU LTDA", status: "AGUARDANDO_DOWNLOAD", needs_attention: true })],
    recent_executions: [executionRow({ id: "e-7", status: "FALHOU" })],
    ...over,
  };
}

let dashboard;
beforeEach(() => {
  dashboard = vi.spyOn(api, "dashboard").mockImplementation(async (_t, month) => answer(month ? { month } : {}));
  vi.spyOn(api, "robotStatus").mockResolvedValue({ state: "ok", message: null, checked_at: null, jobs_pending: 2, jobs_active: 1 });
});

describe("Dashboard", () => {
  it("shows the counts by real status as links to Processos filtered by month and status", async () => {
    const onNavigate = vi.fn();
    render(<Dashboard token={TOKEN} onNavigate={onNavigate} />);
    const approval = await screen.findByTestId("dash-count-AGUARDANDO_APROVACAO");
    expect(approval.tagName).toBe("BUTTON");
    expect(approval.textContent).toBe("2");
    expect(screen.getByTestId("dash-count-AGUARDANDO_DOWNLOAD").textContent).toBe("3");
    expect(screen.getByTestId("dash-count-UPLOAD_REALIZADO").textContent).toBe("5");
    expect(screen.getByTestId("dash-count-CANCELADO").textContent).toBe("0");
    expect(dashboard).toHaveBeenCalledWith(TOKEN, null);

    fireEvent.click(approval);
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", status: "AGUARDANDO_APROVACAO" });
    fireEvent.click(screen.getByTestId("dash-count-NEEDS_ATTENTION"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", needs_attention: true });
    fireEvent.click(screen.getByTestId("dash-count-TOTAL"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11" });
  });

  it("draws the month-close matrix: every non-zero cell a link, zeros inert, what is missing highlighted", async () => {
    const onNavigate = vi.fn();
    render(<Dashboard token={TOKEN} onNavigate={onNavigate} />);
    const matrix = await screen.findByTestId("month-matrix");
    const cell = (op, stage) => within(matrix).getAllByTestId("matrix-cell").find((c) => c.dataset.operator === op && c.dataset.stage === stage);

    expect(cell("op-vivo", "AGUARDANDO_DOWNLOAD").textContent).toBe("3");
    expect(cell("op-vivo", "AGUARDANDO_DOWNLOAD").tagName).toBe("BUTTON");
    expect(cell("op-vivo", "UPLOAD_REALIZADO").tagName).toBe("SPAN");
    expect(cell("op-vivo", "UPLOAD_REALIZADO").textContent).toBe("0");
    expect(cell("op-claro", "UPLOAD_REALIZADO").textContent).toBe("5");

    fireEvent.click(cell("op-vivo", "AGUARDANDO_APROVACAO"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", operator_id: "op-vivo", status: "AGUARDANDO_APROVACAO" });
    fireEvent.click(cell("op-vivo", "NEEDS_ATTENTION"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", operator_id: "op-vivo", needs_attention: true });
    fireEvent.click(cell("op-vivo", "SEM_PROCESSO"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", operator_id: "op-vivo", create: true });
    fireEvent.click(cell("op-claro", "TOTAL"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", operator_id: "op-claro" });

    // Vivo still misses 4 without process + 3 downloads + 2 approvals; Claro is closed.
    const rows = within(matrix).getAllByTestId("matrix-row");
    expect(rows.map((r) => [r.dataset.operator, r.className, within(r).getByTestId("matrix-missing").textContent])).toEqual([
      ["op-vivo", "row-missing", "9"],
      ["op-claro", "", "0"],
    ]);
    expect(cell("op-vivo", "SEM_PROCESSO").closest("td").className).toContain("cell-missing");
    expect(cell("op-claro", "UPLOAD_REALIZADO").closest("td").className).not.toContain("cell-missing");
  });

  it("links failures to their process and recent executions to Execuções", async () => {
    const onNavigate = vi.fn();
    render(<Dashboard token={TOKEN} onNavigate={onNavigate} />);
    const attention = await screen.findByTestId("dash-attention");
    expect(attention.textContent).toContain("FALHOU LTDA");
    fireEvent.click(within(attention).getByTestId("dash-open-process-p-9"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", needs_attention: true, open_id: "p-9" });

    const recent = screen.getByTestId("dash-recent");
    expect(recent.textContent).toContain("Falhou");
    fireEvent.click(within(recent).getByTestId("dash-open-execution-e-7"));
    expect(onNavigate).toHaveBeenLastCalledWith("execucoes", { open_id: "e-7" });
    fireEvent.click(within(recent).getByTestId("dash-all-executions"));
    expect(onNavigate).toHaveBeenLastCalledWith("execucoes", { month: "2026-11" });

    await waitFor(() => expect(screen.getByTestId("dash-robot").dataset.state).toBe("ok"));
    expect(screen.getByTestId("dash-robot").textContent).toContain("Na fila: 2 · em andamento: 1");
  });

  it("changes month with the month picker: the previous month, or any month and year", async () => {
    render(<Dashboard token={TOKEN} />);
    const picker = await screen.findByTestId("dash-month");
    expect(picker.getAttribute("role")).toBe("group");
    await waitFor(() => expect(picker.dataset.value).toBe("2026-11"));
    expect(screen.getByTestId("dash-month-month").selectedOptions[0].textContent).toBe("novembro");
    expect(screen.getByTestId("dash-month-year").value).toBe("2026");
    await waitFor(() => expect(screen.getByTestId("dash-month-prev").disabled).toBe(false));
    fireEvent.click(screen.getByTestId("dash-month-prev"));
    await waitFor(() => expect(dashboard).toHaveBeenLastCalledWith(TOKEN, "2026-10"));
    await waitFor(() => expect(screen.getByTestId("dash-month").dataset.value).toBe("2026-10"));
    fireEvent.change(screen.getByTestId("dash-month-year"), { target: { value: "2025" } });
    await waitFor(() => expect(dashboard).toHaveBeenLastCalledWith(TOKEN, "2025-10"));
    fireEvent.change(screen.getByTestId("dash-month-month"), { target: { value: "12" } });
    await waitFor(() => expect(dashboard).toHaveBeenLastCalledWith(TOKEN, "2025-12"));
    expect(screen.getByTestId("dash-month").dataset.value).toBe("2025-12");
  });

  it("says what to do next for a month without processes", async () => {
    dashboard.mockResolvedValue(
      answer({
        months: [],
        counts: { ...zero, total: 0 },
        by_operator: [opRow({ sem_processo: 30 })],
        attention: [],
        recent_executions: [],
      }),
    );
    const onNavigate = vi.fn();
    render(<Dashboard token={TOKEN} onNavigate={onNavigate} />);
    const empty = await screen.findByTestId("dash-empty");
    expect(empty.textContent).toContain("Nenhum processo em 11/2026");
    expect(empty.textContent).toContain("Crie os processos do mês");
    expect(screen.getByTestId("dash-count-TOTAL").textContent).toBe("0");
    expect(screen.queryByTestId("chart-status")).toBeNull();
    fireEvent.click(screen.getByTestId("dash-create-month"));
    expect(onNavigate).toHaveBeenLastCalledWith("processos", { month: "2026-11", create: true });
    expect(screen.getByTestId("dash-attention").textContent).toContain("Nenhuma falha pendente");
  });

  it("reads itself again on model-changed, debounced, keeping the old numbers meanwhile", async () => {
    render(<Dashboard token={TOKEN} />);
    await screen.findByTestId("month-matrix");
    const calls = dashboard.mock.calls.length;
    let release;
    dashboard.mockImplementationOnce(
      () =>
        new Promise((r) => {
          release = () => r(answer({ counts: { ...zero, aguardando_aprovacao: 7, total: 7 } }));
        }),
    );
    changed({ processes: ["p-1"] });
    changed({ processes: ["p-2"], executions: ["e-1"] });
    await waitFor(() => expect(dashboard.mock.calls.length).toBe(calls + 1));
    // While reading: the old number stays, the panel says it is busy.
    expect(screen.getByTestId("dash-count-AGUARDANDO_APROVACAO").textContent).toBe("2");
    expect(screen.getByTestId("dashboard").getAttribute("aria-busy")).toBe("true");
    await act(async () => release());
    await waitFor(() => expect(screen.getByTestId("dash-count-AGUARDANDO_APROVACAO").textContent).toBe("7"));
    expect(screen.getByTestId("dashboard").getAttribute("aria-busy")).toBe("false");

    changed({ users: ["u-1"] });
    await new Promise((r) => setTimeout(r, 400));
    expect(dashboard.mock.calls.length).toBe(calls + 1);
    changed({ everything: true });
    await waitFor(() => expect(dashboard.mock.calls.length).toBe(calls + 2));
  });

  it("draws the charts with a text alternative and redraws them when the theme changes", async () => {
    render(<Dashboard token={TOKEN} />);
    await waitFor(() => expect(charts.length).toBe(2));
    const [doughnut, bars] = charts;
    expect(doughnut.config.type).toBe("doughnut");
    expect(doughnut.config.data.datasets[0].data).toEqual([3, 2, 0, 5, 0]);
    expect(bars.config.type).toBe("bar");
    expect(bars.config.options.scales.x.stacked).toBe(true);
    expect(bars.config.data.labels).toEqual(["Vivo", "Claro"]);
    const label = doughnut.canvas.getAttribute("aria-label");
    expect(label).toContain("Aguardando aprovação 2");
    const hidden = screen.getByTestId("chart-operators").querySelector(".visually-hidden table");
    expect(hidden.textContent).toContain("Claro");

    act(() => {
      document.documentElement.dataset.theme = "dark";
    });
    await waitFor(() => expect(charts.length).toBe(4));
    expect(doughnut.destroyed).toBe(true);
    await settle();
  });

  it("maps matrix stages to list filters and counts what is missing", () => {
    expect(cellTarget("2026-11", "op-1", "CANCELADO")).toEqual({ month: "2026-11", operator_id: "op-1", status: "CANCELADO" });
    expect(missingOf({ sem_processo: 1, aguardando_download: 2, aguardando_aprovacao: 3, aguardando_envio_sat: 4, upload_realizado: 9, cancelado: 9 })).toBe(10);
  });
});
