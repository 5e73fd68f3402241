// Moving in from the old Flask system (administrators, from Configurações): where the old
// database is, a dry-run report (per old table: how many rows, what will be created,
// mapped onto what we already have, refused with the reason, or only counted; and every
// old column that is not imported, with why), then the import of exactly that report,
// all or nothing.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Field, Select } from "../components/Field.jsx";

const ACTION_LABEL = {
  criar: "será gravado",
  igual: "já está assim",
  manter: "mantido",
  ausente: "ausente",
  rejeitado: "rejeitado",
  "não importado": "não importado",
};

const STATUS_LABEL = {
  AGUARDANDO_DOWNLOAD: "Aguardando download",
  AGUARDANDO_APROVACAO: "Aguardando aprovação",
  AGUARDANDO_ENVIO_SAT: "Aguardando envio ao SAT",
  UPLOAD_REALIZADO: "Enviado ao SAT",
  CANCELADO: "Cancelado",
};

export function validateSource(form) {
  const errors = {};
  const target = form.path_or_url.trim();
  if (!target) {
    errors.path_or_url =
      form.kind === "sqlite" ? "Informe o caminho do arquivo SQLite do sistema antigo." : "Informe o endereço PostgreSQL do sistema antigo.";
  } else if (form.kind === "postgres" && !/^postgres(ql)?:\/\//.test(target)) {
    errors.path_or_url = "O endereço PostgreSQL deve começar com postgres:// (ex.: postgres://usuario@servidor/banco).";
  }
  return errors;
}

function Report({ preview }) {
  const r = preview;
  const notImported = (r.columns ?? []).filter((c) => c.fate === "não importado");
  return (
    <div data-testid="legacy-report">
      <p className="muted">Origem: {r.source}</p>
      <table className="table" data-testid="legacy-counts">
        <thead>
          <tr>
            <th>Tabela antiga</th>
            <th>No banco antigo</th>
            <th>Criar</th>
            <th>Associar a existente</th>
            <th>Já importado</th>
            <th>Recusado</th>
            <th>Não importado</th>
          </tr>
        </thead>
        <tbody>
          {r.tables.map((t) => (
            <tr key={t.table} data-testid="legacy-count-row" data-table={t.table}>
              <td>
                {t.label}
                {t.reason && <div className="muted">Não importada: {t.reason}.</div>}
              </td>
              <td data-col="total">{t.total}</td>
              <td data-col="to_create">{t.to_create}</td>
              <td data-col="to_map">{t.to_map}</td>
              <td data-col="already">{t.already}</td>
              <td data-col="rejected">{t.rejected}</td>
              <td data-col="not_imported">{t.not_imported}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.statuses.length > 0 && (
        <>
          <h3>Situações dos processos</h3>
          <ul data-testid="legacy-statuses">
            {r.statuses.map((s) => (
              <li key={`${s.old}-${s.new}`}>
                {s.old} → {STATUS_LABEL[s.new] ?? s.new}
                {s.needs_attention ? " (precisa de atenção)" : ""}: {s.count}
              </li>
            ))}
          </ul>
        </>
      )}
      {r.robot.length > 0 && (
        <>
          <h3>Robô</h3>
          <ul data-testid="legacy-robot">
            {r.robot.map((l) => (
              <li key={`${l.what}-${l.detail}`}>
                {l.what}: {ACTION_LABEL[l.action] ?? l.action}. {l.detail}
              </li>
            ))}
          </ul>
        </>
      )}
      {r.rejected.length > 0 && (
        <>
          <h3>Recusados ({r.rejected.length})</h3>
          <table className="table" data-testid="legacy-rejected">
            <thead>
              <tr>
                <th>Tabela</th>
                <th>Registro</th>
                <th>Motivo</th>
              </tr>
            </thead>
            <tbody>
              {r.rejected.map((x) => (
                <tr key={`${x.table}-${x.legacy_id}`} data-testid="legacy-rejected-row">
                  <td>{x.table}</td>
                  <td title={x.legacy_id}>{x.what || x.legacy_id}</td>
                  <td>{x.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {r.mapped.length > 0 && (
        <>
          <h3>Associados a registros existentes ({r.mapped.length})</h3>
          <ul data-testid="legacy-mapped">
            {r.mapped.map((m) => (
              <li key={`${m.table}-${m.legacy_id}`}>
                {m.table}: {m.what} → {m.to}
              </li>
            ))}
          </ul>
        </>
      )}
      {notImported.length > 0 && (
        <>
          <h3>Colunas não importadas ({notImported.length})</h3>
          <table className="table" data-testid="legacy-columns">
            <thead>
              <tr>
                <th>Coluna antiga</th>
                <th>Por quê</th>
              </tr>
            </thead>
            <tbody>
              {notImported.map((c) => (
                <tr key={`${c.table}.${c.column}`} data-testid="legacy-column-row" data-column={`${c.table}.${c.column}`}>
                  <td>
                    {c.table}.{c.column}
                  </td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>Colunas importadas ou convertidas ({r.columns.length - notImported.length})</summary>
            <ul data-testid="legacy-columns-kept">
              {r.columns
                .filter((c) => c.fate !== "não importado")
                .map((c) => (
                  <li key={`${c.table}.${c.column}`}>
                    {c.table}.{c.column} → {c.detail}
                  </li>
                ))}
            </ul>
          </details>
        </>
      )}
      {r.warnings.length > 0 && (
        <ul className="note" data-testid="legacy-warnings">
          {r.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function summary(res) {
  return (
    `Importação concluída: ${res.operators} operadora(s), ${res.users} usuário(s), ${res.clients} cliente(s), ` +
    `${res.processes} processo(s), ${res.executions} execução(ões) e ${res.schedules ?? 0} agendamento(s).` +
    (res.rejected ? ` ${res.rejected} registro(s) recusado(s) ficaram de fora.` : "")
  );
}

export default function LegacyImport({ token, onBack }) {
  const [form, setForm] = useState({ kind: "sqlite", path_or_url: "", env_path: "" });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState(null); // null | "preview" | "commit"
  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setPreview(null);
  };

  async function run(kind, action) {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      setErrors(map);
      setError(err.message);
    } finally {
      setBusy(null);
    }
  }

  const makePreview = (e) => {
    e.preventDefault();
    const found = validateSource(form);
    setErrors(found);
    if (Object.keys(found).length) return;
    return run("preview", async () => {
      setPreview(null);
      const env = form.env_path.trim();
      setPreview(
        await api.legacyImportPreview(token, {
          kind: form.kind,
          path_or_url: form.path_or_url.trim(),
          env_path: env ? env : null,
        }),
      );
    });
  };

  const commit = () =>
    run("commit", async () => {
      const res = await api.legacyImportCommit(token, preview.preview_id);
      setPreview(null);
      setNotice(summary(res));
    });

  return (
    <main className="content" data-testid="legacy-import">
      <div className="actions">
        {onBack && (
          <button type="button" onClick={onBack} data-testid="legacy-back">
            ← Configurações
          </button>
        )}
      </div>
      <h1>Importar do sistema antigo</h1>
      <p className="muted">
        Traz operadoras, clientes, processos, execuções, usuários (das tabelas users e usuarios) e agendamentos do painel
        antigo. Primeiro uma prévia, sem gravar nada, que diz o que acontece com cada tabela e cada coluna; depois a
        importação, tudo ou nada. Importar de novo não duplica nada. As senhas dos portais são cifradas; as pessoas entram
        com a senha que já usavam.
      </p>
      {error && (
        <p className="field__error" role="alert" data-testid="legacy-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="legacy-notice">
          {notice}
        </p>
      )}
      <form className="panel" onSubmit={makePreview} noValidate>
        <Select label="Banco do sistema antigo" name="kind" value={form.kind} onChange={set("kind")} data-testid="legacy-kind">
          <option value="sqlite">Arquivo SQLite</option>
          <option value="postgres">PostgreSQL</option>
        </Select>
        <Field
          label={form.kind === "sqlite" ? "Caminho do arquivo" : "Endereço (postgres://usuario:senha@servidor/banco)"}
          name="path_or_url"
          value={form.path_or_url}
          onChange={set("path_or_url")}
          error={errors.path_or_url}
          data-testid="legacy-path"
        />
        <Field
          label="Arquivo .env do sistema antigo (opcional: endereço e token do robô)"
          name="env_path"
          value={form.env_path}
          onChange={set("env_path")}
          error={errors.env_path}
          data-testid="legacy-env"
        />
        <div className="actions">
          <button type="submit" disabled={!!busy} data-testid="legacy-preview">
            {busy === "preview" ? "Lendo…" : "Gerar prévia"}
          </button>
        </div>
      </form>
      {preview && (
        <section className="panel">
          <h2>Prévia</h2>
          <Report preview={preview} />
          <div className="actions">
            {preview.has_changes ? (
              <button type="button" className="primary" disabled={!!busy} onClick={commit} data-testid="legacy-commit">
                {busy === "commit" ? "Importando…" : "Importar"}
              </button>
            ) : (
              <p className="muted" data-testid="legacy-nothing">
                Tudo o que pode ser importado já está aqui: não há nada a gravar.
              </p>
            )}
          </div>
        </section>
      )}
    </main>
  );
}
