// A Chart.js chart (doughnut or stacked bar) with a text alternative: the canvas carries
// an aria-label summing it up and a visually hidden table holds every number, so a
// screen reader (and a test) reads the same data the picture shows. Colours come from
// the theme's CSS variables and are read again when the theme changes; new data updates
// the chart in place (no flicker). Chart.js is loaded on first use, in its own chunk.
import { useEffect, useRef, useState } from "preact/hooks";
import { useTheme } from "./ThemeToggle.jsx";

let chartModule = null;
async function loadChart() {
  if (!chartModule) {
    chartModule = import("chart.js").then((m) => {
      const { Chart, ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip } = m;
      Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);
      return Chart;
    });
  }
  return chartModule;
}

// Fallbacks when no stylesheet is loaded (tests) or a variable is missing.
const FALLBACK = {
  "--fg": "#1b2330",
  "--muted": "#5b6675",
  "--border": "#c9d1dd",
  "--surface": "#ffffff",
};

export function cssVar(name) {
  const root = globalThis.document?.documentElement;
  const v = root ? globalThis.getComputedStyle?.(root)?.getPropertyValue(name)?.trim() : "";
  return v || FALLBACK[name] || "#888888";
}

function configFor(kind, labels, datasets) {
  const fg = cssVar("--fg");
  const grid = cssVar("--border");
  const surface = cssVar("--surface");
  const sets = datasets.map((d) => {
    const colors = Array.isArray(d.colorVar) ? d.colorVar.map(cssVar) : cssVar(d.colorVar);
    return { label: d.label, data: d.data, backgroundColor: colors, borderColor: surface, borderWidth: kind === "doughnut" ? 2 : 0 };
  });
  const common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: kind === "doughnut" ? "right" : "bottom", labels: { color: fg } } },
  };
  if (kind === "doughnut") return { type: "doughnut", data: { labels, datasets: sets }, options: common };
  return {
    type: "bar",
    data: { labels, datasets: sets },
    options: {
      ...common,
      scales: {
        x: { stacked: true, ticks: { color: fg }, grid: { color: grid } },
        y: { stacked: true, beginAtZero: true, ticks: { color: fg, precision: 0 }, grid: { color: grid } },
      },
    },
  };
}

// `datasets`: [{label, data: [numbers], colorVar: "--x" | ["--x", ...]}] (one per
// label for a doughnut).
export function StatusChart({ kind = "bar", title, labels, datasets, testid }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const theme = useTheme();
  const [failed, setFailed] = useState(false);
  const latest = useRef(null);
  latest.current = { labels, datasets };

  // A new chart when the kind or the theme changes; new data only updates it.
  useEffect(() => {
    let live = true;
    loadChart()
      .then((Chart) => {
        if (!live || !canvas.current) return;
        chart.current?.destroy();
        chart.current = new Chart(canvas.current, configFor(kind, latest.current.labels, latest.current.datasets));
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
      chart.current?.destroy();
      chart.current = null;
    };
  }, [kind, theme]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const next = configFor(kind, labels, datasets);
    c.data.labels = next.data.labels;
    c.data.datasets = next.data.datasets;
    c.update("none");
  }, [JSON.stringify([labels, datasets])]);

  const summary = `${title}: ${labels
    .map((l, i) => `${l} ${datasets.map((d) => d.data[i] ?? 0).reduce((a, b) => a + b, 0)}`)
    .join(", ")}`;

  return (
    <figure className={`chart chart--${kind}`} data-testid={testid}>
      <figcaption>{title}</figcaption>
      <div className="chart__box">
        {!failed && <canvas ref={canvas} role="img" aria-label={summary} />}
        {failed && <p className="muted">Não foi possível desenhar o gráfico; os números estão na tabela.</p>}
      </div>
      {/* The wrapper, not the table, is hidden: a table ignores width: 1px and widens the page. */}
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              {datasets.map((d) => (
                <th key={d.label} scope="col">
                  {d.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((l, i) => (
              <tr key={l}>
                <th scope="row">{l}</th>
                {datasets.map((d) => (
                  <td key={d.label}>{d.data[i] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export default StatusChart;
