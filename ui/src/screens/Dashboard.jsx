// Painel: where the month stands. Counts by real status, the month-close matrix
// (operator × stage, with what is still missing), processes needing attention, recent
// executions, the robot's health and two charts. Every number is a button that opens
// the list behind it, filtered (`onNavigate(tab, params)`). The panel reads itself again
// on `model-changed` (debounced), keeping the old numbers on screen while it does.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { onRobotStatus } from "../events.js";
import { formatDateTime, formatMoney, formatMonth, executionKindLabel, STATUS_LABEL } from "../format.js";
import { useReloadOn } from "../useModelChanged.js";
import { Banner } from "../components/Banner.jsx";
import { Busy } from "../components/Pager.jsx";
import { StatusBadge } from "../components/StatusBadge.jsx";
import { ExecutionBadge } from "../components/ExecutionBadge.jsx";
import { robotTooltip } from "../components/RobotStatus.jsx";
import { StatusChart } from "../components/StatusChart.jsx";
import { MonthPicker } from "../components/MonthPicker.jsx";

const STATUSES = ["AGUARDANDO_DOWNLOAD", "AGUARDANDO_APROVACAO", "AGUARDANDO_ENVIO_SAT", "UPLOAD_REALIZADO", "CANCELADO"];

// The matrix's stages: `stage` is the data-stage value (the wire status where there is
// one), `key` the field in the answer, `open` whether it is work still to do this month.
export const STAGES = [
  { stage: "SEM_PROCESSO", key: "sem_processo", label: "Sem processo", open: true, color: "--st-sem" },
  { stage: "AGUARDANDO_DOWNLOAD", key: "aguardando_download", label: "Aguardando download", open: true, color: "--st-download" },
  { stage: "AGUARDANDO_APROVACAO", key: "aguardando_aprovacao", label: "Aguardando aprovação", open: true, color: "--st-approval" },
  { stage: "AGUARDANDO_ENVIO_SAT", key: "aguardando_envio_sat", label: "Aguardando envio SAT", open: true, color: "--st-sat" },
  { stage: "UPLOAD_REALIZADO", key: "upload_realizado", label: "Concluído", open: false, color: "--st-done" },
  { stage: "CANCELADO", key: "cancelado", label: "Cancelado", open: false, color: "--st-cancelled" },
  { stage: "NEEDS_ATTENTION", key: "needs_attention", label: "Precisa de atenção", open: true },
];
const STATUS_COLOR = Object.fromEntries(STAGES.filter((s) => STATUSES.includes(s.stage)).map((s) => [s.stage, s.color]));

// What is still missing in an operator's row: no process yet, or not finished.
export const missingOf = (row) =>
  (row.sem_processo ?? 0) + (row.aguardando_download ?? 0) + (row.aguardando_aprovacao ?? 0) + (row.aguardando_envio_sat ?? 0);

// The Processos filter a matrix cell opens.
export function cellTarget(month, operatorId, stage) {
  const base = { month, operator_id: operatorId ?? "" };
  if (stage === "SEM_PROCESSO") return { ...base, create: true };
  if (stage === "NEEDS_ATTENTION") return { ...base, needs_attention: true };
  if (stage === "TOTAL") return base;
  return { ...base, status: stage };
}

function NumberLink({ value, onClick, label, ...rest }) {
  const n = value ?? 0;
  if (!n) {
    return (
      <span className="num-zero" {...rest}>
        0
      </span>
    );
  }
  return (
    <button type="button" className="link num-link" onClick={onClick} aria-label={label ? `${label}: ${n}` : undefined} {...rest}>
      {n}
    </button>
  );
}

function RobotHealth({ token }) {
  const [status, setStatus] = useState(null);
  useEffect(() => {
    let live = true;
    let heard = false;
    const stop = onRobotStatus((s) => {
      heard = true;
      if (live && s) setStatus(s);
    });
    api
      .robotStatus(token)
      .then((s) => live && !heard && setStatus(s))
      .catch((err) => live && !heard && setStatus({ state: "desconhecido", message: err.message }));
    return () => {
      live = false;
      stop();
    };
  }, [token]);
  const state = status?.state ?? "desconhecido";
  const text = {
    ok: "Disponível",
    indisponivel: "Indisponível",
    token_invalido: "Token inválido — avise um administrador",
    desconhecido: "Verificando…",
    nas_maquinas_robo: "Nas máquinas robô (brm-desk worker)",
  }[state] ?? "Verificando…";
  return (
    <section className="panel dash-robot" data-testid="dash-robot" data-state={state} aria-labelledby="dash-robot-title">
      <h2 id="dash-robot-title">Saúde do robô</h2>
      <p>
        <span className={`robot-dot robot-dot--${state}`} aria-hidden="true" /> <strong>{text}</strong>
      </p>
      {status?.message && <p className="muted">{status.message}</p>}
      <p className="muted">
        Na fila: {status?.jobs_pending ?? 0} · em andamento: {status?.jobs_active ?? 0}
        {status?.checked_at && ` · verificado em ${formatDateTime(status.checked_at)}`}
      </p>
      <span className="visually-hidden">{robotTooltip(status)}</span>
    </section>
  );
}

export default function Dashboard({ token, onNavigate = () => {} }) {
  const [month, setMonth] = useState(null); // null: the month the service chooses
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);

  const load = useCallback(async () => {
    const n = ++latest.current;
    setLoading(true);
    try {
      const d = await api.dashboard(token, month);
      if (n !== latest.current) return;
      setData(d);
      setError(null);
    } catch (err) {
      if (n === latest.current) setError(err.message);
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, [token, month]);

  useEffect(() => {
    load();
  }, [load]);
  useReloadOn(["processes", "executions", "clients", "operators"], load, { delay: 300 });

  const shown = data?.month ?? month ?? "";
  const go = (tab, params) => onNavigate(tab, params);
  const openProcesses = (params) => go("processos", { month: shown, ...params });

  const counts = data?.counts ?? {};
  const rows = data?.by_operator ?? [];
  const empty = data && (counts.total ?? 0) === 0;
  const missingTotal = rows.reduce((a, r) => a + missingOf(r), 0);

  return (
    <main className="content dashboard" data-testid="dashboard" aria-busy={loading ? "true" : "false"}>
      <div className="title-row">
        <h1>Painel</h1>
        <div className="title-tools">
          <Busy busy={loading} />
          <span className="inline-label" id="dash-month-label" aria-hidden="true">
            Mês de referência
          </span>
          {/* The month asked for at once (the buttons step from it while the answer loads). */}
          <MonthPicker id="dash-month" label="Mês de referência" testId="dash-month" value={month ?? shown} disabled={!data} onChange={setMonth} />
        </div>
      </div>
      <Banner>{error}</Banner>

      {empty && (
        <div className="empty-state" data-testid="dash-empty">
          <p>
            <strong>Nenhum processo em {formatMonth(shown)}.</strong> Crie os processos do mês em Processos → “Criar
            processos do mês”; depois o robô baixa as faturas e elas aparecem aqui.
          </p>
          <button type="button" className="primary" onClick={() => openProcesses({ create: true })} data-testid="dash-create-month">
            Criar processos do mês
          </button>
        </div>
      )}

      {data && (
        <section className="dash-counts" aria-label="Processos por situação">
          {STATUSES.map((s) => (
            <div key={s} className={`count-card count-card--${s}`}>
              <span className="count-card__label">{STATUS_LABEL[s]}</span>
              <button
                type="button"
                className="count-card__value"
                data-testid={`dash-count-${s}`}
                aria-label={`${STATUS_LABEL[s]}: ${counts[s.toLowerCase()] ?? 0} — abrir a lista`}
                onClick={() => openProcesses({ status: s })}
              >
                {counts[s.toLowerCase()] ?? 0}
              </button>
            </div>
          ))}
          <div className="count-card count-card--attention">
            <span className="count-card__label">Precisam de atenção</span>
            <button
              type="button"
              className="count-card__value"
              data-testid="dash-count-NEEDS_ATTENTION"
              aria-label={`Precisam de atenção: ${counts.needs_attention ?? 0} — abrir a lista`}
              onClick={() => openProcesses({ needs_attention: true })}
            >
              {counts.needs_attention ?? 0}
            </button>
          </div>
          <div className="count-card">
            <span className="count-card__label">Total do mês</span>
            <button
              type="button"
              className="count-card__value"
              data-testid="dash-count-TOTAL"
              aria-label={`Total do mês: ${counts.total ?? 0} — abrir a lista`}
              onClick={() => openProcesses({})}
            >
              {counts.total ?? 0}
            </button>
          </div>
        </section>
      )}

      {data && (
        <section className="panel" aria-labelledby="dash-matrix-title">
          <h2 id="dash-matrix-title">
            Fechamento do mês {formatMonth(shown)}
            {missingTotal > 0 ? (
              <span className="missing-note"> · falta{missingTotal === 1 ? "" : "m"} {missingTotal}</span>
            ) : (
              rows.length > 0 && <span className="done-note"> · tudo concluído</span>
            )}
          </h2>
          <div className="table-box">
            <table className="matrix" data-testid="month-matrix">
              <thead>
                <tr>
                  <th scope="col">Operadora</th>
                  {STAGES.map((s) => (
                    <th key={s.stage} scope="col" className="num">
                      {s.label}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col" className="num">
                    Falta
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const missing = missingOf(r);
                  return (
                    <tr key={r.operator_id} data-testid="matrix-row" data-operator={r.operator_id} className={missing ? "row-missing" : ""}>
                      <th scope="row">{r.operator_name}</th>
                      {STAGES.map((s) => (
                        <td key={s.stage} className={`num${s.open && r[s.key] ? " cell-missing" : ""}`}>
                          <NumberLink
                            value={r[s.key]}
                            label={`${r.operator_name}, ${s.label}`}
                            data-testid="matrix-cell"
                            data-operator={r.operator_id}
                            data-stage={s.stage}
                            onClick={() => openProcesses(cellTarget(shown, r.operator_id, s.stage))}
                          />
                        </td>
                      ))}
                      <td className="num">
                        <NumberLink
                          value={r.total}
                          label={`${r.operator_name}, total`}
                          data-testid="matrix-cell"
                          data-operator={r.operator_id}
                          data-stage="TOTAL"
                          onClick={() => openProcesses(cellTarget(shown, r.operator_id, "TOTAL"))}
                        />
                      </td>
                      <td className={`num${missing ? " cell-missing" : ""}`} data-testid="matrix-missing">
                        <strong>{missing}</strong>
                      </td>
                    </tr>
                  );
                })}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={STAGES.length + 3} className="muted">
                      Nenhuma operadora ativa. Cadastre as operadoras em Operadoras e os clientes em Clientes.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <p className="muted legend">
            Sem processo: clientes ativos sem processo neste mês. Falta: o que ainda não foi enviado ao SAT nem cancelado.
          </p>
        </section>
      )}

      {data && !empty && (
        <div className="dash-charts">
          <StatusChart
            kind="doughnut"
            title="Processos por situação"
            testid="chart-status"
            labels={STATUSES.map((s) => STATUS_LABEL[s])}
            datasets={[{ label: "Processos", data: STATUSES.map((s) => counts[s.toLowerCase()] ?? 0), colorVar: STATUSES.map((s) => STATUS_COLOR[s]) }]}
          />
          <StatusChart
            kind="bar"
            title="Situação por operadora"
            testid="chart-operators"
            labels={rows.map((r) => r.operator_name)}
            datasets={STAGES.filter((s) => s.color).map((s) => ({ label: s.label, data: rows.map((r) => r[s.key] ?? 0), colorVar: s.color }))}
          />
        </div>
      )}

      {data && (
        <div className="dash-lists">
          <section className="panel" data-testid="dash-attention" aria-labelledby="dash-attention-title">
            <h2 id="dash-attention-title">Falhas que precisam de atenção</h2>
            {(data.attention ?? []).length === 0 ? (
              <p className="muted">Nenhuma falha pendente: o robô resolveu tudo sozinho até agora.</p>
            ) : (
              <ul className="dash-list">
                {data.attention.map((p) => (
                  <li key={p.id} data-testid="dash-attention-item">
                    <button
                      type="button"
                      className="link"
                      onClick={() => openProcesses({ needs_attention: true, open_id: p.id })}
                      data-testid={`dash-open-process-${p.id}`}
                    >
                      {p.client_name}
                    </button>{" "}
                    <span className="muted">
                      {p.operator_name} · {formatMonth(p.reference_month)}
                      {p.amount ? ` · ${formatMoney(p.amount)}` : ""}
                    </span>{" "}
                    <StatusBadge status={p.status} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="panel" data-testid="dash-recent" aria-labelledby="dash-recent-title">
            <h2 id="dash-recent-title">Execuções recentes</h2>
            {(data.recent_executions ?? []).length === 0 ? (
              <p className="muted">Nenhuma execução ainda. Elas começam quando o robô baixa a primeira fatura do mês.</p>
            ) : (
              <ul className="dash-list">
                {data.recent_executions.map((x) => (
                  <li key={x.id} data-testid="dash-recent-item">
                    <button type="button" className="link" onClick={() => go("execucoes", { open_id: x.id })} data-testid={`dash-open-execution-${x.id}`}>
                      {formatDateTime(x.created_at)} · {executionKindLabel(x.kind)}
                    </button>{" "}
                    <span className="muted">{x.client_name}</span> <ExecutionBadge status={x.status} />
                  </li>
                ))}
              </ul>
            )}
            <button type="button" className="link" onClick={() => go("execucoes", { month: shown })} data-testid="dash-all-executions">
              Ver todas as execuções do mês
            </button>
          </section>
          <RobotHealth token={token} />
        </div>
      )}
      {!data && !error && (
        <p className="muted" aria-hidden="true">
          Carregando o painel…
        </p>
      )}
    </main>
  );
}
