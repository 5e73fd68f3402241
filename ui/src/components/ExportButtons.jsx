// "Exportar CSV" / "Exportar XLSX" for a list: Rust writes every row the list's filter
// selects (not only the page on screen) to a file and answers where. `list` is one of
// "processos" | "aprovacao" | "execucoes" | "clientes" | "operadoras" | "usuarios";
// `filter` is the same object the list command takes. The outcome is announced in an
// aria-live status; a refusal shows Rust's pt-BR message.
import { useState } from "preact/hooks";
import { api } from "../api.js";

const FORMATS = [
  ["csv", "Exportar CSV"],
  ["xlsx", "Exportar XLSX"],
];

export function exportedText(r) {
  const n = Number(r?.rows ?? 0);
  return `Exportado: ${r?.file_name ?? ""} (${n} ${n === 1 ? "linha" : "linhas"}) em ${r?.path ?? ""}`;
}

export function ExportButtons({ token, list, filter }) {
  const [busy, setBusy] = useState(null); // the format being exported
  const [result, setResult] = useState(null); // {ok, text}

  async function run(format) {
    setBusy(format);
    setResult(null);
    try {
      const r = await api.exportList(token, list, filter ?? {}, format);
      setResult({ ok: true, text: exportedText(r) });
    } catch (err) {
      setResult({ ok: false, text: `Não foi possível exportar: ${err.message}` });
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="export-buttons" aria-busy={busy ? "true" : "false"}>
      {FORMATS.map(([format, label]) => (
        <button
          key={format}
          type="button"
          disabled={!!busy}
          onClick={() => run(format)}
          data-testid={`btn-export-${format}`}
        >
          {busy === format ? "Exportando…" : label}
        </button>
      ))}
      <span
        className={`export-status${result && !result.ok ? " export-status--error" : ""}`}
        role="status"
        aria-live="polite"
        data-testid="export-status"
      >
        {busy ? (
          <>
            <span className="spinner" aria-hidden="true" /> Exportando…
          </>
        ) : (
          result?.text ?? ""
        )}
      </span>
    </div>
  );
}

export default ExportButtons;
