// One process: its data, the decision (approve, reject, cancel), the robot runs with
// their logs, and the audit trail. Rust says whether this person may decide
// (can_approve, can_cancel); after every attempt the detail is read again, so a process
// someone else just decided shows its new state next to the message that said so.
import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import {
  auditActionLabel,
  clientFieldLabel,
  executionKindLabel,
  executionStatusLabel,
  formatBytes,
  formatCnpj,
  formatDate,
  formatDateTime,
  formatMoney,
  formatMonth,
  parseInstant,
  statusLabel,
} from "../format.js";
import { Banner } from "../components/Banner.jsx";
import { StatusBadge } from "../components/StatusBadge.jsx";
import { ReasonForm } from "../components/ReasonForm.jsx";

const DONE = {
  approve: "Processo aprovado. A fatura segue para o envio ao SAT.",
  reject: "Processo rejeitado. Ele volta a aguardar o download da fatura.",
  cancel: "Processo cancelado.",
};

const PROCESS_FIELD_LABEL = {
  status: "Situação",
  approved_at: "Aprovado em",
  last_rejection_reason: "Motivo da rejeição",
  notes: "Observações",
  invoice_sha256: "SHA-256 da fatura",
  amount: "Valor",
  due_date: "Vencimento",
};

// Wire values of execution.error_class: business failures are not retried automatically.
const ERROR_CLASS_PREFIX = {
  NEGOCIO: "Erro de negócio (sem nova tentativa automática): ",
  TRANSITORIO: "Erro temporário: ",
};

// Ids say nothing to a person; the names beside them already do.
const HIDDEN_KEYS = new Set(["approved_by", "id", "client_id", "operator_id", "version"]);

function auditValue(key, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (key === "status") return statusLabel(value);
  if (typeof value === "boolean") return value ? "sim" : "não";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value) && parseInstant(value)) return formatDateTime(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// "Situação: Aguardando aprovação → Aguardando envio ao SAT; ..." from the before/after
// objects of an audit event.
export function describeChanges(before, after) {
  const b = before && typeof before === "object" ? before : {};
  const a = after && typeof after === "object" ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !HIDDEN_KEYS.has(k));
  return keys
    .filter((k) => JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null))
    .map((k) => {
      const label = PROCESS_FIELD_LABEL[k] ?? clientFieldLabel(k);
      return k in b ? `${label}: ${auditValue(k, b[k])} → ${auditValue(k, a[k])}` : `${label}: ${auditValue(k, a[k])}`;
    })
    .join("; ");
}

function Info({ label, children }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function ProcessData({ process: p }) {
  return (
    <dl className="facts">
      <Info label="Valor">{formatMoney(p.amount)}</Info>
      <Info label="Vencimento">{formatDate(p.due_date)}</Info>
      <Info label="Fatura">
        {p.invoice_file_name ? (
          <>
            {p.invoice_file_name} ({formatBytes(p.invoice_size)}){p.manual_upload ? " · enviada manualmente" : ""}
            {p.invoice_sha256 && <small className="muted block mono">SHA-256 {p.invoice_sha256}</small>}
          </>
        ) : (
          "Ainda não baixada"
        )}
      </Info>
      <Info label="Aprovação">{p.approved_by_name ? `${p.approved_by_name} em ${formatDateTime(p.approved_at)}` : "—"}</Info>
      <Info label="Enviado ao SAT em">{formatDateTime(p.sent_to_sat_at)}</Info>
      <Info label="Tentativas">
        {p.download_attempts} de download · {p.sat_attempts} de envio ao SAT
      </Info>
      <Info label="Próxima tentativa automática">{formatDateTime(p.next_retry_at)}</Info>
      <Info label="Criado">{p.auto_created ? "Automaticamente" : "Manualmente"}</Info>
      {p.last_rejection_reason && <Info label="Último motivo de rejeição">{p.last_rejection_reason}</Info>}
      {p.notes && <Info label="Observações">{p.notes}</Info>}
    </dl>
  );
}

function Execution({ run }) {
  return (
    <article className="execution" data-testid="execution" data-kind={run.kind} data-status={run.status}>
      <header>
        <strong>{executionKindLabel(run.kind)}</strong> · tentativa {run.attempt} ·{" "}
        <span className={`run-status run-status--${run.status}`}>{executionStatusLabel(run.status)}</span>
        {run.status === "EXECUTANDO" && run.progress !== null && run.progress !== undefined && ` (${run.progress}%)`}
      </header>
      <p className="muted">
        Início {formatDateTime(run.started_at)} · fim {formatDateTime(run.finished_at)}
        {run.triggered_by && ` · acionada por ${run.triggered_by}`}
        {run.job_id && ` · tarefa ${run.job_id}`}
      </p>
      {run.error && (
        <p className="field__error" data-testid="execution-error">
          {ERROR_CLASS_PREFIX[run.error_class] ?? ""}
          {run.error}
        </p>
      )}
      {run.logs?.length > 0 && (
        <ol className="log">
          {run.logs.map((line, i) => (
            <li key={line.seq ?? i} className={`log--${String(line.level).toLowerCase()}`} data-testid="log-line">
              <time>{formatDateTime(line.at, { seconds: true })}</time> <span className="log__level">{line.level}</span> {line.message}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

function AuditTrail({ events }) {
  return (
    <table data-testid="audit-trail">
      <thead>
        <tr>
          <th>Quando</th>
          <th>Quem</th>
          <th>Ação</th>
          <th>Detalhes</th>
        </tr>
      </thead>
      <tbody>
        {events.map((ev, i) => {
          const changes = describeChanges(ev.before, ev.after);
          return (
            <tr key={i} data-testid="audit-row" data-action={ev.action}>
              <td className="nowrap">{formatDateTime(ev.at)}</td>
              <td>{ev.actor_name}</td>
              <td>{auditActionLabel(ev.action)}</td>
              <td>
                {ev.detail}
                {ev.detail && changes ? " · " : ""}
                {changes}
              </td>
            </tr>
          );
        })}
        {events.length === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              Nenhum registro.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export default function ProcessDetail({ token, id, onBack }) {
  const [detail, setDetail] = useState(null);
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);
  const [asking, setAsking] = useState(null); // null | "reject" | "cancel"
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setDetail(await api.getProcess(token, id));
    } catch (err) {
      setMessage(err.message);
    }
  }, [token, id]);

  useEffect(() => {
    load();
  }, [load]);

  // A problem with the reason itself stays on the reason form; anything else (someone
  // decided first, the process moved on) closes it and is told in the banner.
  async function decide(kind, reason) {
    const { id: pid, version } = detail.process;
    setBusy(true);
    setMessage(null);
    setNotice(null);
    try {
      if (kind === "approve") await api.approveProcess(token, pid, version);
      if (kind === "reject") await api.rejectProcess(token, pid, version, reason);
      if (kind === "cancel") await api.cancelProcess(token, pid, version, reason);
      setAsking(null);
      setNotice(DONE[kind]);
    } catch (err) {
      if (err.fieldMap?.().reason) throw err;
      setAsking(null);
      setMessage(err.message);
    } finally {
      setBusy(false);
    }
    await load();
  }

  const p = detail?.process;
  const client = detail?.client;
  const awaitingApproval = p?.status === "AGUARDANDO_APROVACAO";

  return (
    <main className="content" data-testid="process-detail">
      <p>
        <button type="button" onClick={onBack} data-testid="process-back">
          ← Voltar aos processos
        </button>
      </p>
      <Banner>{message}</Banner>
      <Banner kind="info">{notice}</Banner>
      {p && (
        <>
          <div className="title-row">
            <div>
              <h1>{client?.legal_name ?? p.client_name}</h1>
              <p className="muted">
                CNPJ {formatCnpj(p.cnpj)} · {p.operator_name}
                {p.client_hash && ` · hash ${p.client_hash}`} · referência {formatMonth(p.reference_month)}
              </p>
            </div>
            <StatusBadge status={p.status} data-testid="process-status" />
          </div>
          {p.needs_attention && (
            <p className="warning" data-testid="needs-attention">
              As tentativas automáticas se esgotaram: este processo precisa de uma pessoa.
            </p>
          )}
          <div className="actions decision">
            {awaitingApproval && detail.can_approve && (
              <>
                <button type="button" className="primary" disabled={busy || !!asking} onClick={() => decide("approve")} data-testid="approve-process">
                  Aprovar
                </button>
                <button type="button" className="danger" disabled={busy || !!asking} onClick={() => setAsking("reject")} data-testid="reject-process">
                  Rejeitar
                </button>
              </>
            )}
            {awaitingApproval && !detail.can_approve && (
              <p className="muted" data-testid="approval-forbidden">
                Somente aprovadores podem aprovar ou rejeitar.
              </p>
            )}
            {detail.can_cancel && (
              <button type="button" disabled={busy || !!asking} onClick={() => setAsking("cancel")} data-testid="cancel-process">
                Cancelar processo
              </button>
            )}
          </div>
          {asking === "reject" && (
            <ReasonForm
              title="Rejeitar a fatura"
              testId="reject-reason"
              confirmLabel="Confirmar rejeição"
              confirmTestId="confirm-reject"
              onConfirm={(reason) => decide("reject", reason)}
              onCancel={() => setAsking(null)}
            />
          )}
          {asking === "cancel" && (
            <ReasonForm
              title="Cancelar o processo (não pode ser desfeito)"
              testId="cancel-reason"
              confirmLabel="Confirmar cancelamento"
              confirmTestId="confirm-cancel"
              onConfirm={(reason) => decide("cancel", reason)}
              onCancel={() => setAsking(null)}
            />
          )}
          <section className="panel">
            <h2>Dados</h2>
            <ProcessData process={p} />
          </section>
          <section className="panel" data-testid="executions">
            <h2>Execuções</h2>
            {(detail.executions ?? []).length === 0 ? (
              <p className="muted">Nenhuma execução ainda.</p>
            ) : (
              detail.executions.map((run) => <Execution key={run.id} run={run} />)
            )}
          </section>
          <section className="panel">
            <h2>Histórico</h2>
            <AuditTrail events={detail.audit ?? []} />
          </section>
        </>
      )}
    </main>
  );
}
