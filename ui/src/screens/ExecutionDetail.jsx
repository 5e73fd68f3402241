// One execution: every field, the request sent (secrets already redacted by Rust), the
// result received and the log lines. Live while on screen: it is read again whenever a
// `model-changed` event names it and, as a fallback, every few seconds while the robot
// still owns it (PENDENTE or EXECUTANDO). The log box keeps where the person scrolled to,
// unless they were at its bottom: then it follows the new lines.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { names } from "../events.js";
import { useModelChanged } from "../useModelChanged.js";
import { errorClassLabel, executionKindLabel, formatDateTime, formatMonth, statusLabel } from "../format.js";
import { Banner } from "../components/Banner.jsx";
import { ExecutionBadge, Progress } from "../components/ExecutionBadge.jsx";
import { Info } from "../components/Info.jsx";

export const POLL_MS = 3000;
const OPEN = new Set(["PENDENTE", "EXECUTANDO"]);
// How close (px) to the end of the log box still counts as "at the bottom".
const BOTTOM_SLACK = 4;

export function jsonText(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

function LogBox({ logs }) {
  const box = useRef(null);
  const follow = useRef(true);

  function onScroll(e) {
    const el = e.currentTarget;
    follow.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
  }

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [logs]);

  if (logs.length === 0) return <p className="muted">Nenhuma linha de registro ainda.</p>;
  // Focusable, so the keyboard can scroll it too.
  return (
    <ol className="log log--tall" ref={box} onScroll={onScroll} tabIndex={0} aria-label="Registro da execução" data-testid="execution-log">
      {logs.map((line, i) => (
        <li key={line.seq ?? i} className={`log--${String(line.level).toLowerCase()}`} data-testid="log-line">
          <time>{formatDateTime(line.at, { seconds: true })}</time> <span className="log__level">{line.level}</span> {line.message}
        </li>
      ))}
    </ol>
  );
}

export default function ExecutionDetail({ token, id, onBack, onOpenProcess }) {
  const [data, setData] = useState(null); // {execution, logs}
  const [message, setMessage] = useState(null);
  const latest = useRef(0);
  const loading = useRef(false);

  // Only the newest request's answer is shown; an older one arriving late is dropped.
  const load = useCallback(async () => {
    const n = ++latest.current;
    loading.current = true;
    try {
      const d = await api.getExecution(token, id);
      if (n !== latest.current) return;
      setData(d);
      setMessage(null);
    } catch (err) {
      if (n === latest.current) setMessage(err.message);
    } finally {
      if (n === latest.current) loading.current = false;
    }
  }, [token, id]);

  useEffect(() => {
    load();
  }, [load]);

  useModelChanged((payload) => {
    if (names(payload, "executions", id)) load();
  });

  const run = data?.execution;
  const live = run ? OPEN.has(run.status) : !message;
  useEffect(() => {
    if (!live) return undefined;
    const timer = setInterval(() => {
      if (!loading.current) load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [live, load]);

  return (
    <main className="content" data-testid="execution-detail">
      <p className="actions">
        <button type="button" onClick={onBack} data-testid="execution-back" id="execution-back">
          ← Voltar às execuções
        </button>
        {run && onOpenProcess && (
          <button
            type="button"
            className="link"
            onClick={() => onOpenProcess(run.process_id)}
            data-testid="btn-abrir-processo"
            id="btn-abrir-processo"
          >
            Abrir processo
          </button>
        )}
      </p>
      <Banner>{message}</Banner>
      {run && (
        <>
          <div className="title-row">
            <div>
              <h1>
                {executionKindLabel(run.kind)} · tentativa {run.attempt}
              </h1>
              <p className="muted">
                {run.client_name} · {run.operator_name} · referência {formatMonth(run.reference_month)} · processo{" "}
                {statusLabel(run.process_status).toLowerCase()}
              </p>
            </div>
            <ExecutionBadge status={run.status} data-testid="execution-status" id="execution-status" />
          </div>
          <section className="panel">
            <Progress value={run.progress} data-testid="execution-progress" />
            {run.error && (
              <p className="field__error" data-testid="execution-error">
                {run.error_class ? `Erro ${errorClassLabel(run.error_class)}: ` : "Erro: "}
                {run.error}
              </p>
            )}
            <dl className="facts" data-testid="execution-facts">
              <Info label="Tarefa no robô (job id)">
                <span className="mono" data-testid="execution-job-id">
                  {run.job_id ?? "—"}
                </span>
              </Info>
              <Info label="Endpoint">
                <span className="mono" data-testid="execution-endpoint">
                  {run.endpoint ?? "—"}
                </span>
              </Info>
              <Info label="Acionada por">{run.triggered_by || "—"}</Info>
              <Info label="Criada em">{formatDateTime(run.created_at)}</Info>
              <Info label="Início">{formatDateTime(run.started_at)}</Info>
              <Info label="Fim">{formatDateTime(run.finished_at)}</Info>
              <Info label="Atualizada em">{formatDateTime(run.updated_at, { seconds: true })}</Info>
              <Info label="Classe do erro">{run.error_class ? errorClassLabel(run.error_class) : "—"}</Info>
            </dl>
          </section>
          <section className="panel">
            <h2>Registro</h2>
            <LogBox logs={data.logs ?? []} />
          </section>
          <section className="panel grid2">
            <div>
              <h2>Requisição enviada</h2>
              <pre className="json" data-testid="execution-request">
                {jsonText(run.request)}
              </pre>
            </div>
            <div>
              <h2>Resultado recebido</h2>
              <pre className="json" data-testid="execution-result">
                {jsonText(run.result)}
              </pre>
            </div>
          </section>
        </>
      )}
    </main>
  );
}
