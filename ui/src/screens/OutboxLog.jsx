// Diagnóstico → "E-mails enviados (últimos 100)" (issue 21): the outbox, newest first,
// filtered by state, rule and a text (recipient or subject) by Rust (list_outbox). Only
// administrators may read it: for anyone else Rust refuses (FORBIDDEN) and the section is
// simply not there, with no error; it also stays off screen until the first answer, so
// nobody sees it flash. `reloadKey` changing (the diagnostics read again) reads it again.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatDateTime, formatTime } from "../format.js";
import { OUTBOX_RULE_LABEL, OUTBOX_STATE_LABEL } from "../outbox.js";

// The filter list_outbox takes: blank is null (everything).
export function outboxFilter(filter) {
  return { state: filter.state || null, rule: filter.rule || null, text: filter.text.trim() || null };
}

function Situation({ row }) {
  const failed = row.state === "FALHOU";
  return (
    <>
      <span className={failed ? "run-status run-status--FALHOU" : undefined} data-testid="outbox-state">
        {row.state_label}
      </span>
      {row.last_error && (
        <small className={failed ? "field__error block" : "muted block"} data-testid="outbox-error">
          {failed ? row.last_error : `Última tentativa falhou: ${row.last_error}`}
          {!failed && row.next_attempt_at && ` · nova tentativa às ${formatTime(row.next_attempt_at)}`}
        </small>
      )}
    </>
  );
}

export default function OutboxLog({ token, reloadKey }) {
  const [filter, setFilter] = useState({ state: "", rule: "", text: "" });
  const [rows, setRows] = useState(null);
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const n = ++latest.current;
    setLoading(true);
    api
      .listOutbox(token, outboxFilter(filter))
      .then((answer) => {
        if (n !== latest.current) return;
        setRows(Array.isArray(answer) ? answer : []);
        setError(null);
      })
      .catch((err) => {
        if (n !== latest.current) return;
        if (err.code === "FORBIDDEN") setRefused(true);
        else setError(err.message);
      })
      .finally(() => n === latest.current && setLoading(false));
  }, [token, filter, reloadKey]);

  useEffect(
    () => () => {
      latest.current += 1;
    },
    [],
  );

  if (refused || (rows === null && !error)) return null;
  const change = (patch) => setFilter((f) => ({ ...f, ...patch }));
  const filtered = !!(filter.state || filter.rule || filter.text.trim());

  return (
    <section className="panel" data-testid="outbox" aria-busy={loading ? "true" : "false"}>
      <h2>E-mails enviados (últimos 100)</h2>
      <div className="filters">
        <select
          id="outbox-filter-state"
          aria-label="Situação do e-mail"
          data-testid="outbox-filter-state"
          value={filter.state}
          onChange={(e) => change({ state: e.currentTarget.value })}
        >
          <option value="">Todos</option>
          {Object.entries(OUTBOX_STATE_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select
          id="outbox-filter-rule"
          aria-label="Regra do e-mail"
          data-testid="outbox-filter-rule"
          value={filter.rule}
          onChange={(e) => change({ rule: e.currentTarget.value })}
        >
          <option value="">Todos</option>
          {Object.entries(OUTBOX_RULE_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <input
          id="outbox-filter-text"
          type="search"
          placeholder="Destinatário ou assunto"
          aria-label="Buscar por destinatário ou assunto"
          data-testid="outbox-filter-text"
          value={filter.text}
          onInput={(e) => change({ text: e.currentTarget.value })}
        />
      </div>
      {error && (
        <p className="field__error" role="alert" data-testid="outbox-error-message">
          {error}
        </p>
      )}
      {rows && (
        <div className="table-box">
          <table data-testid="outbox-table">
            <thead>
              <tr>
                <th>Quando</th>
                <th>Regra</th>
                <th>Destinatário</th>
                <th>Assunto</th>
                <th>Situação</th>
                <th>Tentativas</th>
                <th>Enviado em</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="outbox-row" data-state={row.state} data-rule={row.rule}>
                  <td className="nowrap">{formatDateTime(row.created_at)}</td>
                  <td>{row.rule_label}</td>
                  <td>
                    {row.recipient_name && <span className="block">{row.recipient_name}</span>}
                    <span className={row.recipient_name ? "muted small" : undefined}>{row.recipient_email}</span>
                  </td>
                  <td>{row.subject}</td>
                  <td>
                    <Situation row={row} />
                  </td>
                  <td>{row.attempts}</td>
                  <td className="nowrap">{formatDateTime(row.sent_at)}</td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={7} className="muted" data-testid="outbox-empty">
                    {filtered ? "Nenhum e-mail com esses filtros." : "Nenhum e-mail na fila ou enviado ainda."}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
