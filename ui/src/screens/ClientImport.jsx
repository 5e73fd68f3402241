// Importing the client spreadsheet in two steps: Rust reads the CSV and answers what it
// would do (create, update, reject, ignore), and nothing is written until the person
// confirms that preview.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { bytesToBase64, readFileBytes } from "../base64.js";
import { clientFieldLabel, formatCnpj, plural } from "../format.js";
import { Banner } from "../components/Banner.jsx";

// Counts may come as numbers or as the lists they count.
const count = (v) => (Array.isArray(v) ? v.length : v ?? 0);

export function importSummary(result) {
  const parts = [
    plural(count(result.created), "criado", "criados"),
    plural(count(result.updated), "atualizado", "atualizados"),
  ];
  if (count(result.unchanged) > 0) parts.push(`${count(result.unchanged)} sem alteração`);
  parts.push(plural(count(result.skipped_duplicates), "duplicada ignorada", "duplicadas ignoradas"));
  parts.push(plural(count(result.rejected), "rejeitada", "rejeitadas"));
  return `Importação concluída: ${parts.join(", ")}.`;
}

function EmptyRow({ span }) {
  return (
    <tr>
      <td colSpan={span} className="muted">
        Nenhuma.
      </td>
    </tr>
  );
}

function RowsTable({ rows, testId, showChanges }) {
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>Linha</th>
          <th>Hash</th>
          <th>Razão social</th>
          <th>CNPJ</th>
          <th>Operadora</th>
          {showChanges && <th>Campos alterados</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.line} data-testid={`${testId}-row`} data-hash={r.hash ?? ""}>
            <td>{r.line}</td>
            <td>
              <code>{r.hash}</code>
            </td>
            <td>{r.legal_name}</td>
            <td className="nowrap">{formatCnpj(r.cnpj)}</td>
            <td>{r.operator_name}</td>
            {showChanges && <td>{(r.changed_labels ?? (r.changed ?? []).map(clientFieldLabel)).join(", ")}</td>}
          </tr>
        ))}
        {rows.length === 0 && <EmptyRow span={showChanges ? 6 : 5} />}
      </tbody>
    </table>
  );
}

export default function ClientImport({ token, onShowClients }) {
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState(null); // null | "reading" | "importing"
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);
  const [inputKey, setInputKey] = useState(0); // remounting the input clears the chosen file

  async function choose(e) {
    const file = e.currentTarget.files?.[0];
    setPreview(null);
    setMessage(null);
    setNotice(null);
    if (!file) return;
    setBusy("reading");
    try {
      const content = bytesToBase64(await readFileBytes(file));
      setPreview(await api.previewClientImport(token, file.name, content));
    } catch (err) {
      setMessage(err.message);
    } finally {
      setBusy(null);
    }
  }

  function reset() {
    setPreview(null);
    setInputKey((k) => k + 1);
  }

  async function commit() {
    setBusy("importing");
    setMessage(null);
    try {
      const result = await api.commitClientImport(token, preview.import_id);
      reset();
      setNotice(importSummary(result));
    } catch (err) {
      setMessage(err.message);
    } finally {
      setBusy(null);
    }
  }

  const toWrite = preview ? preview.create.length + preview.update.length : 0;
  const duplicates = preview?.duplicate_lines ?? [];

  return (
    <main className="content" data-testid="import">
      <h1>Importar clientes</h1>
      <p className="muted">
        Escolha a planilha de clientes em CSV (colunas HASH, RAZÃO SOCIAL, CNPJ, OPERADORA, …), salva no Excel como
        "CSV UTF-8", "CSV (separado por vírgulas)" ou "Texto Unicode". Os clientes são reconhecidos pelo HASH: os
        novos são criados e os existentes, atualizados. Nada é gravado antes de você conferir e confirmar.
      </p>
      <Banner>{message}</Banner>
      <Banner kind="info">{notice}</Banner>
      {notice && onShowClients && (
        <p>
          <button type="button" onClick={onShowClients} data-testid="import-show-clients">
            Ver clientes
          </button>
        </p>
      )}
      <div className="field">
        <label htmlFor="f-import-file">Planilha de clientes (.csv ou .txt)</label>
        <input
          key={inputKey}
          id="f-import-file"
          name="import_file"
          type="file"
          accept=".csv,.txt,text/csv,text/plain"
          onChange={choose}
          disabled={!!busy}
          data-testid="import-file"
        />
      </div>
      {busy === "reading" && <p aria-busy="true">Lendo a planilha…</p>}
      {preview && (
        <section className="panel" data-testid="import-preview">
          <h2>Conferência de {preview.file_name}</h2>
          {preview.encoding && (
            <p className="muted" data-testid="import-encoding">
              Codificação do arquivo: {preview.encoding}
            </p>
          )}
          <h3>A criar ({preview.create.length})</h3>
          <RowsTable rows={preview.create} testId="import-create" />
          <h3>A atualizar ({preview.update.length})</h3>
          <RowsTable rows={preview.update} testId="import-update" showChanges />
          <h3>Rejeitadas ({preview.rejected.length})</h3>
          <table data-testid="import-rejected">
            <thead>
              <tr>
                <th>Linha</th>
                <th>Hash</th>
                <th>Motivo</th>
              </tr>
            </thead>
            <tbody>
              {preview.rejected.map((r) => (
                <tr key={r.line} data-testid="rejected-row" data-line={r.line}>
                  <td className="nowrap">Linha {r.line}</td>
                  <td>
                    <code>{r.hash ?? "—"}</code>
                  </td>
                  <td>{r.reason}</td>
                </tr>
              ))}
              {preview.rejected.length === 0 && <EmptyRow span={3} />}
            </tbody>
          </table>
          <p data-testid="import-duplicates">
            Ignoradas (duplicadas): {duplicates.length === 0 ? "nenhuma" : `linha${duplicates.length === 1 ? "" : "s"} ${duplicates.join(", ")}`}
          </p>
          <p data-testid="import-unchanged">Sem alteração: {preview.unchanged_count}</p>
          <div className="actions">
            <button type="button" className="primary" disabled={toWrite === 0 || !!busy} onClick={commit} data-testid="import-commit">
              {busy === "importing" ? "Importando…" : `Importar ${plural(toWrite, "cliente", "clientes")}`}
            </button>
            <button type="button" disabled={!!busy} onClick={reset} data-testid="import-cancel">
              Cancelar
            </button>
          </div>
        </section>
      )}
    </main>
  );
}
