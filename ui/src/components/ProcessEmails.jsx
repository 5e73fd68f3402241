// ProcessDetail → "Lembretes e escalonamentos por e-mail" (issue 21): the outbox rows about
// this process (process_emails, any role), so whoever opens an invoice sees who was
// reminded or alerted about it and whether the message went out. Read again when
// `reloadKey` changes (the process itself changed).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { outboxWhen } from "../outbox.js";

export function ProcessEmails({ token, processId, reloadKey }) {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    api
      .processEmails(token, processId)
      .then((answer) => {
        if (!live) return;
        setRows(Array.isArray(answer) ? answer : []);
        setError(null);
      })
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token, processId, reloadKey]);

  return (
    <section className="panel" data-testid="process-emails" aria-busy={rows === null && !error ? "true" : "false"}>
      <h2>Lembretes e escalonamentos por e-mail</h2>
      {error && (
        <p className="muted" data-testid="process-emails-error">
          Não foi possível ler os e-mails desta fatura: {error}
        </p>
      )}
      {!error && rows === null && <p className="muted">Carregando…</p>}
      {rows && rows.length === 0 && (
        <p className="muted" data-testid="process-emails-empty">
          Nenhum e-mail enviado sobre esta fatura.
        </p>
      )}
      {rows && rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Regra</th>
              <th>Destinatário</th>
              <th>Situação</th>
              <th>Quando</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid="process-email" data-state={row.state}>
                <td>{row.rule_label}</td>
                <td>{row.recipient_name ? `${row.recipient_name} <${row.recipient_email}>` : row.recipient_email}</td>
                <td>
                  <span className={row.state === "FALHOU" ? "run-status run-status--FALHOU" : undefined}>{row.state_label}</span>
                  {row.state === "FALHOU" && row.last_error && <small className="field__error block">{row.last_error}</small>}
                </td>
                <td className="nowrap">{outboxWhen(row)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default ProcessEmails;
