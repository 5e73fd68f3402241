import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { Chart } from "chart.js";
import { api } from "../api.js";
import { centsToDecimal, historySummary, InvoiceHistoryChart } from "./InvoiceHistoryChart.jsx";
import { TOKEN } from "../testing.js";

// Chart.js needs a real canvas: a stand-in records what it was asked to draw.
vi.mock("chart.js", () => {
  const Chart = vi.fn(function Chart(canvas, config) {
    this.canvas = canvas;
    this.config = config;
    this.destroy = vi.fn();
  });
  Chart.register = vi.fn();
  return { Chart, BarController: {}, BarElement: {}, CategoryScale: {}, LinearScale: {}, Tooltip: {} };
});

const HISTORY = [
  { process_id: "p-9", reference_month: "2026-09", amount_cents: 100000, due_date: "2026-10-10", status: "UPLOAD_REALIZADO" },
  { process_id: "p-10", reference_month: "2026-10", amount_cents: null, due_date: null, status: "CANCELADO" },
  { process_id: "p-1", reference_month: "2026-11", amount_cents: 123456, due_date: "2026-12-10", status: "AGUARDANDO_APROVACAO" },
];

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  Chart.mockClear();
});

describe("InvoiceHistoryChart", () => {
  it("draws the bars with the current month highlighted and the same numbers as text", async () => {
    const get = vi.spyOn(api, "clientInvoiceHistory").mockResolvedValue(HISTORY);
    render(<InvoiceHistoryChart token={TOKEN} clientId="c-1" currentMonth="2026-11" />);
    expect((await screen.findByTestId("history-summary")).textContent).toBe(
      "2 meses com valor; menor R$ 1.000,00; maior R$ 1.234,56; 11/2026: R$ 1.234,56.",
    );
    expect(get).toHaveBeenCalledWith(TOKEN, "c-1", 12);
    const rows = [...screen.getByTestId("history-table").querySelectorAll("tbody tr")];
    expect(rows.map((r) => r.textContent)).toEqual([
      "09/2026R$ 1.000,0010/10/2026Enviado ao SAT",
      "10/2026——Cancelado",
      "11/2026 (esta fatura)R$ 1.234,5610/12/2026Aguardando aprovação",
    ]);
    expect(rows[2].getAttribute("aria-current")).toBe("true");
    await waitFor(() => expect(Chart).toHaveBeenCalledTimes(1));
    const { data } = Chart.mock.calls[0][1];
    expect(data.labels).toEqual(["09/2026", "10/2026", "11/2026"]);
    expect(data.datasets[0].data).toEqual([1000, null, 1234.56]);
    const [c9, , c11] = data.datasets[0].backgroundColor;
    expect(c11).not.toBe(c9);
    expect(screen.getByTestId("history-chart").getAttribute("data-months")).toBe("3");
  });

  it("says when there is no earlier invoice", async () => {
    vi.spyOn(api, "clientInvoiceHistory").mockResolvedValue([]);
    render(<InvoiceHistoryChart token={TOKEN} clientId="c-1" currentMonth="2026-11" />);
    await waitFor(() => expect(screen.getByTestId("history-chart").textContent).toContain("Ainda não há faturas anteriores deste cliente."));
    expect(Chart).not.toHaveBeenCalled();
  });

  it("converts cents without floats", () => {
    expect(centsToDecimal(123456)).toBe("1234.56");
    expect(centsToDecimal(5)).toBe("0.05");
    expect(centsToDecimal(-250)).toBe("-2.50");
    expect(centsToDecimal(null)).toBeNull();
    expect(historySummary([], "2026-11")).toBe("Nenhum valor conhecido nos últimos 12 meses.");
  });
});
