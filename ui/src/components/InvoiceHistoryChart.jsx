// The client's last 12 months in a small Chart.js bar chart, the month being approved
// highlighted, plus the same numbers as text (a summary line and a table for screen
// readers). Chart.js is imported only when the chart is first drawn. Colours come from
// the theme (CSS custom properties) and follow a theme change.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatDate, formatMoney, formatMonth, statusLabel } from "../format.js";

// 123456 -> "1234.56": cents as the decimal string formatMoney reads (no float).
export function centsToDecimal(cents) {
  if (cents === null || cents === undefined || !Number.isFinite(Number(cents))) return null;
  const n = Math.trunc(Number(cents));
  const abs = Math.abs(n);
  return `${n < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function historySummary(history, currentMonth) {
  const known = history.filter((h) => h.amount_cents !== null && h.amount_cents !== undefined);
  if (known.length === 0) return "Nenhum valor conhecido nos últimos 12 meses.";
  const values = known.map((h) => h.amount_cents);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const current = history.find((h) => h.reference_month === currentMonth);
  const parts = [
    `${known.length} ${known.length === 1 ? "mês com valor" : "meses com valor"}`,
    `menor ${formatMoney(centsToDecimal(min))}`,
    `maior ${formatMoney(centsToDecimal(max))}`,
  ];
  if (current && current.amount_cents !== null && current.amount_cents !== undefined) {
    parts.push(`${formatMonth(currentMonth)}: ${formatMoney(centsToDecimal(current.amount_cents))}`);
  }
  return `${parts.join("; ")}.`;
}

let chartModule = null;
function loadChart() {
  if (!chartModule) {
    chartModule = import("chart.js").then((m) => {
      m.Chart.register(m.BarController, m.BarElement, m.CategoryScale, m.LinearScale, m.Tooltip);
      return m;
    });
    chartModule.catch(() => {
      chartModule = null;
    });
  }
  return chartModule;
}

function themeColour(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function InvoiceHistoryChart({ token, clientId, currentMonth, revision = "" }) {
  const [history, setHistory] = useState(null);
  const [error, setError] = useState(null);
  const [themeTick, setThemeTick] = useState(0); // bumped when the theme may have changed
  const canvas = useRef(null);

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .clientInvoiceHistory(token, clientId, 12)
      .then((h) => live && setHistory(Array.isArray(h) ? h : []))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token, clientId, revision]);

  // The theme toggle sets data-theme on <html>; the OS preference may change too.
  useEffect(() => {
    const root = document.documentElement;
    const update = () => setThemeTick((t) => t + 1);
    const observer = typeof MutationObserver === "function" ? new MutationObserver(update) : null;
    observer?.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    const media = globalThis.matchMedia?.("(prefers-color-scheme: dark)");
    media?.addEventListener?.("change", update);
    return () => {
      observer?.disconnect();
      media?.removeEventListener?.("change", update);
    };
  }, []);

  useEffect(() => {
    if (!history || history.length === 0 || !canvas.current) return undefined;
    let chart = null;
    let live = true;
    loadChart()
      .then(({ Chart }) => {
        if (!live || !canvas.current) return;
        const accent = themeColour("--accent", "#1f5fbf");
        const muted = themeColour("--muted", "#5b6472");
        const fg = themeColour("--fg", "#1d2330");
        const border = themeColour("--border", "#d5dae1");
        chart = new Chart(canvas.current, {
          type: "bar",
          data: {
            labels: history.map((h) => formatMonth(h.reference_month)),
            datasets: [
              {
                label: "Valor da fatura",
                data: history.map((h) => (h.amount_cents === null || h.amount_cents === undefined ? null : h.amount_cents / 100)),
                backgroundColor: history.map((h) => (h.reference_month === currentMonth ? accent : muted)),
                borderColor: history.map((h) => (h.reference_month === currentMonth ? fg : muted)),
                borderWidth: history.map((h) => (h.reference_month === currentMonth ? 2 : 0)),
              },
            ],
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  label: (ctx) => formatMoney(centsToDecimal(history[ctx.dataIndex]?.amount_cents)),
                },
              },
            },
            scales: {
              x: { ticks: { color: fg }, grid: { color: border } },
              y: {
                beginAtZero: true,
                ticks: { color: fg, callback: (v) => formatMoney(centsToDecimal(Math.round(Number(v) * 100))) },
                grid: { color: border },
              },
            },
          },
        });
      })
      .catch(() => live && setError("Não foi possível desenhar o gráfico; os valores estão na tabela."));
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [history, currentMonth, themeTick]);

  return (
    <section className="panel history-chart" data-testid="history-chart" aria-labelledby="history-chart-title" data-months={history?.length ?? 0}>
      <h2 id="history-chart-title">Últimos 12 meses deste cliente</h2>
      {!history && !error && (
        <p className="progress" role="status">
          <progress aria-label="Carregando o histórico" /> Carregando o histórico…
        </p>
      )}
      {error && (
        <p className="field__error" data-testid="history-chart-error">
          {error}
        </p>
      )}
      {history && history.length === 0 && <p className="muted">Ainda não há faturas anteriores deste cliente.</p>}
      {history && history.length > 0 && (
        <>
          <p className="history-chart__summary" data-testid="history-summary">
            {historySummary(history, currentMonth)}
          </p>
          <div className="history-chart__canvas">
            <canvas ref={canvas} role="img" aria-label={`Gráfico de barras: ${historySummary(history, currentMonth)}`} />
          </div>
          {/* The wrapper, not the table, is hidden: a table ignores width: 1px and widens the page. */}
          <div className="visually-hidden">
            <table data-testid="history-table">
              <caption>Valores por mês de referência</caption>
              <thead>
                <tr>
                  <th scope="col">Mês</th>
                  <th scope="col">Valor</th>
                  <th scope="col">Vencimento</th>
                  <th scope="col">Situação</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.process_id ?? h.reference_month} aria-current={h.reference_month === currentMonth ? "true" : undefined}>
                    <td>
                      {formatMonth(h.reference_month)}
                      {h.reference_month === currentMonth ? " (esta fatura)" : ""}
                    </td>
                    <td>{formatMoney(centsToDecimal(h.amount_cents))}</td>
                    <td>{formatDate(h.due_date)}</td>
                    <td>{statusLabel(h.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
