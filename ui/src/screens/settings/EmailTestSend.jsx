// "Enviar e-mail de teste" (Configurações → E-mail). The desk does not talk SMTP: Rust
// puts a TESTE message in the outbox and a robot machine sends it. So the answer is
// followed: the message is read again every second (get_outbox_message) until it is sent,
// fails or is cancelled, for about a minute; after that it is still in the queue and the
// screen says what to check. A blank address sends to the administrator's own e-mail.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field } from "../../components/Field.jsx";
import { OUTBOX_FINAL, outboxStateText } from "../../outbox.js";

export const POLL_MS = 1000;
export const POLL_LIMIT_MS = 60_000;

export const TIMED_OUT =
  "Nenhuma máquina robô enviou o e-mail em um minuto. Ele continua na fila: confira se há uma máquina robô ligada e aprovada (Configurações → Máquinas robô).";

export function EmailTestSend({ token, defaultTo, blocked, pollMs = POLL_MS, pollLimitMs = POLL_LIMIT_MS }) {
  const [to, setTo] = useState("");
  const [toError, setToError] = useState(null);
  const [sending, setSending] = useState(false);
  const [row, setRow] = useState(null); // the test message as last read
  const [error, setError] = useState(null);
  const [timedOut, setTimedOut] = useState(false);
  const run = useRef(0); // the test being followed; an older one's answers are dropped
  const timer = useRef(null);

  useEffect(
    () => () => {
      run.current += 1;
      clearTimeout(timer.current);
    },
    [],
  );

  function follow(n, current, left) {
    if (n !== run.current) return;
    if (OUTBOX_FINAL.has(current.state)) return;
    if (left <= 0) {
      setTimedOut(true);
      return;
    }
    timer.current = setTimeout(async () => {
      if (n !== run.current) return;
      try {
        const next = await api.getOutboxMessage(token, current.id);
        if (n !== run.current) return;
        setRow(next);
        follow(n, next, left - 1);
      } catch (err) {
        if (n === run.current) setError(err.message);
      }
    }, pollMs);
  }

  async function send(e) {
    e.preventDefault();
    if (sending || blocked) return;
    const address = to.trim() || (defaultTo ?? "").trim();
    if (!address) {
      setToError("Informe o endereço que vai receber o e-mail de teste.");
      return;
    }
    const n = ++run.current;
    clearTimeout(timer.current);
    setToError(null);
    setError(null);
    setRow(null);
    setTimedOut(false);
    setSending(true);
    try {
      const queued = await api.sendTestEmail(token, address);
      if (n !== run.current) return;
      setRow(queued);
      follow(n, queued, Math.ceil(pollLimitMs / pollMs));
    } catch (err) {
      if (n !== run.current) return;
      const fields = err.fieldMap?.() ?? {};
      if (fields.to) setToError(fields.to);
      else setError(err.message);
    } finally {
      if (n === run.current) setSending(false);
    }
  }

  const waiting = row && !OUTBOX_FINAL.has(row.state) && !timedOut && !error;
  const outcome = row?.state === "ENVIADO" ? "ok" : row?.state === "FALHOU" || row?.state === "CANCELADO" || error ? "fail" : "wait";

  return (
    <form className="email-test" onSubmit={send} noValidate data-testid="email-test">
      <h3>Enviar e-mail de teste</h3>
      <div className="inline-fields">
        <Field
          label="Enviar para"
          name="email_test_to"
          type="email"
          value={to}
          onChange={(v) => {
            setTo(v);
            setToError(null);
          }}
          error={toError}
          placeholder={defaultTo || "pessoa@empresa.com.br"}
          autoComplete="off"
          data-testid="email-test-to"
        />
      </div>
      {blocked && (
        <p className="field-warning" role="note" data-testid="email-test-blocked">
          {blocked}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={sending || !!blocked} data-testid="email-test-send">
          {sending ? "Enviando…" : "Enviar e-mail de teste"}
        </button>
      </div>
      <div role="status" aria-live="polite" aria-busy={waiting ? "true" : "false"} data-testid="email-test-result" data-state={row?.state ?? ""}>
        {row && (
          <p className={outcome === "wait" ? "progress" : `connection-result connection-result--${outcome}`}>
            {waiting && <span className="spinner" aria-hidden="true" />} {outboxStateText(row)}
            {row.recipient_email && <span className="muted small"> · para {row.recipient_email}</span>}
          </p>
        )}
        {timedOut && (
          <p className="field-warning" data-testid="email-test-timeout">
            {TIMED_OUT}
          </p>
        )}
        {error && <p className="connection-result connection-result--fail">{error}</p>}
      </div>
    </form>
  );
}

export default EmailTestSend;
