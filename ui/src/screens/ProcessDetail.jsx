// One process: its data, the decision (approve, reject, cancel), the robot actions
// (download now, retry, send to the SAT) and the manual upload of the invoice, the robot
// runs with their logs, the e-mails sent about it (issue 21), and the audit trail. Rust
// says what this person may do (can_approve, can_cancel, can_download_now, can_retry,
// can_send_to_sat, can_upload) and checks it again. A robot action answers the updated
// detail, which replaces the shown one; after a decision or a refused action the detail is
// read again, so a process someone else just moved shows its new state next to the
// message that said so. While on screen it is also read again whenever a `model-changed`
// event names it.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { bytesToBase64, readFileBytes } from "../base64.js";
import { names } from "../events.js";
import { useModelChanged } from "../useModelChanged.js";
import {
  auditActionLabel,
  clientFieldLabel,
  executionKindLabel,
  executionStatusLabel,
  formatBytes,
  formatCnpj,
  formatDate,
  formatDateTime,
  formatMegabytes,
  formatMoney,
  formatMonth,
  parseInstant,
  statusLabel,
} from "../format.js";
import { Banner } from "../components/Banner.jsx";
import { StatusBadge } from "../components/StatusBadge.jsx";
import { ReasonForm } from "../components/ReasonForm.jsx";
import { RejectForm } from "../components/RejectForm.jsx";
import { Info } from "../components/Info.jsx";
import { ApprovalChecks } from "../components/ApprovalChecks.jsx";
import { ProcessEmails } from "../components/ProcessEmails.jsx";

const DONE = {
  approve: "Processo aprovado. A fatura segue para o envio ao SAT.",
  reject: "Processo rejeitado. Ele volta a aguardar o download da fatura.",
  cancel: "Processo cancelado.",
  download: "Download solicitado: o robô vai buscar a fatura no portal da operadora.",
  retry: "Nova tentativa solicitada.",
  sat: "Envio ao SAT solicitado.",
  upload: "Fatura enviada. O processo aguarda aprovação.",
};

// The invoice a person uploads: a PDF of at most 20 MB. Checked here before the bytes
// travel; Rust checks both again.
export const MAX_INVOICE_BYTES = 20 * 1024 * 1024;
const PDF_MAGIC = "%PDF-";

// null when `file` may be sent, otherwise the message to show. Reads only the first bytes.
export async function checkInvoiceFile(file) {
  if (!file) return "Escolha o arquivo da fatura.";
  if (file.size > MAX_INVOICE_BYTES) return `O arquivo tem ${formatMegabytes(file.size)} MB; o limite é 20 MB.`;
  const head = await readFileBytes(file.slice(0, PDF_MAGIC.length));
  const text = String.fromCharCode(...head);
  if (text !== PDF_MAGIC) return "O arquivo precisa ser um PDF.";
  return null;
}

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

// Where the amount and the due date were read from (process.amount_source,
// process.due_date_source); null says nothing.
export const VALUE_SOURCE_NOTE = {
  LINHA_DIGITAVEL: "(da linha digitável)",
  TEXTO_DA_FATURA: "(do texto da fatura)",
  ROBO: "(informado pelo robô)",
  DIGITADO: "(digitado)",
};

function SourceNote({ source, testId }) {
  if (!source) return null;
  return (
    <small className="muted source-note" data-testid={testId} data-source={source}>
      {VALUE_SOURCE_NOTE[source] ?? `(${String(source).replace(/_/g, " ").toLowerCase()})`}
    </small>
  );
}

function ProcessData({ process: p, uploadedBy }) {
  return (
    <dl className="facts">
      <Info label="Valor">
        {formatMoney(p.amount)}
        <SourceNote source={p.amount_source} testId="amount-source" />
      </Info>
      <Info label="Vencimento">
        {formatDate(p.due_date)}
        <SourceNote source={p.due_date_source} testId="due-date-source" />
      </Info>
      <Info label="Fatura">
        {p.invoice_file_name ? (
          <>
            {p.invoice_file_name} ({formatBytes(p.invoice_size)}){p.manual_upload ? ` · enviada manualmente${uploadedBy ? ` por ${uploadedBy}` : ""}` : ""}
            {p.invoice_sha256 && <small className="muted block mono">SHA-256 {p.invoice_sha256}</small>}
          </>
        ) : (
          "Ainda não baixada"
        )}
      </Info>
      <Info label="Aprovação">{p.approved_by_name ? `${p.approved_by_name} em ${formatDateTime(p.approved_at)}` : "—"}</Info>
      <Info label="Enviado ao SAT em">{formatDateTime(p.sent_to_sat_at)}</Info>
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

// The manual upload of the invoice: a labelled file input and its own error line for
// what the browser can tell (not a PDF, too big); Rust's answer goes to the banner.
function UploadForm({ busy, onUpload }) {
  const [file, setFile] = useState(null);
  const [error, setError] = useState(null);
  const [inputKey, setInputKey] = useState(0); // remounting the input clears the chosen file
  const chosen = useRef(0);

  async function choose(e) {
    const f = e.currentTarget.files?.[0] ?? null;
    const n = ++chosen.current;
    setFile(f);
    setError(null);
    if (!f) return;
    const problem = await checkInvoiceFile(f);
    if (n === chosen.current) setError(problem);
  }

  async function submit(e) {
    e.preventDefault();
    const problem = await checkInvoiceFile(file);
    if (problem) {
      setError(problem);
      return;
    }
    if (await onUpload(file)) {
      chosen.current += 1;
      setFile(null);
      setError(null);
      setInputKey((k) => k + 1);
    }
  }

  return (
    <form className="panel upload" onSubmit={submit} noValidate data-testid="upload-fatura-form" id="upload-fatura-form">
      <h2>Enviar fatura (PDF)</h2>
      <p className="muted">Quando a operadora não tem robô ou o download automático não deu certo. Um PDF de até 20 MB.</p>
      <div className={`field${error ? " field--error" : ""}`}>
        <label htmlFor="upload-fatura-input">Arquivo da fatura (.pdf)</label>
        <input
          key={inputKey}
          id="upload-fatura-input"
          name="invoice_file"
          type="file"
          accept=".pdf,application/pdf"
          onChange={choose}
          disabled={!!busy}
          aria-invalid={error ? "true" : "false"}
          aria-describedby={error ? "upload-fatura-error" : undefined}
          data-testid="upload-fatura-input"
        />
        {error && (
          <p className="field__error" id="upload-fatura-error" data-testid="upload-fatura-error">
            {error}
          </p>
        )}
      </div>
      <button
        type="submit"
        className="primary"
        disabled={!!busy || !file || !!error}
        id="btn-upload-fatura"
        data-testid="btn-upload-fatura"
      >
        {busy === "upload" ? "Enviando…" : "Enviar fatura (PDF)"}
      </button>
    </form>
  );
}

function ActionButton({ kind, busy, blocked, onClick, label, id, className }) {
  return (
    <button type="button" className={className} disabled={!!busy || blocked} onClick={onClick} id={id} data-testid={id}>
      {busy === kind ? "Enviando…" : label}
    </button>
  );
}

export default function ProcessDetail({ token, id, onBack, backLabel = "← Voltar aos processos" }) {
  const [detail, setDetail] = useState(null);
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);
  const [asking, setAsking] = useState(null); // null | "reject" | "cancel"
  const [busy, setBusy] = useState(null); // null | the action being sent
  const latest = useRef(0);

  // Only the newest read is shown: a read that was on its way while an action answered
  // (or a newer read started) is dropped.
  const load = useCallback(async () => {
    const n = ++latest.current;
    try {
      const d = await api.getProcess(token, id);
      if (n === latest.current) setDetail(d);
    } catch (err) {
      if (n === latest.current) setMessage(err.message);
    }
  }, [token, id]);

  useEffect(() => {
    load();
  }, [load]);

  // Someone else (or the robot) changed this process or one of its executions. The
  // detail is replaced in place, so the page keeps its scroll position and open forms.
  useModelChanged((payload) => {
    const runs = detail?.executions ?? [];
    if (names(payload, "processes", id) || runs.some((run) => names(payload, "executions", run.id))) load();
  });

  // A problem with the reason itself stays on the reason form; anything else (someone
  // decided first, the process moved on) closes it and is told in the banner. A first
  // approval (four eyes) is said in Rust's words: the process still waits for another.
  async function decide(kind, reason, reasonCode) {
    const { id: pid, version } = detail.process;
    setBusy(kind);
    setMessage(null);
    setNotice(null);
    try {
      let done = DONE[kind];
      if (kind === "approve") {
        const result = await api.approveProcess(token, pid, version, null);
        if (result?.first_approval_only && result.message) done = result.message;
      }
      if (kind === "reject") await api.rejectProcess(token, pid, version, reason, reasonCode);
      if (kind === "cancel") await api.cancelProcess(token, pid, version, reason);
      setAsking(null);
      setNotice(done);
    } catch (err) {
      const fields = err.fieldMap?.() ?? {};
      if (fields.reason || fields.reason_code) throw err;
      setAsking(null);
      setMessage(err.message);
    } finally {
      setBusy(null);
    }
    await load();
  }

  // A robot action or the upload: `send(id, version)` answers the updated detail. True
  // when it was accepted.
  async function act(kind, send) {
    const { id: pid, version } = detail.process;
    setBusy(kind);
    setMessage(null);
    setNotice(null);
    try {
      const updated = await send(pid, version);
      if (updated?.process) {
        latest.current += 1;
        setDetail(updated);
      } else {
        await load();
      }
      setNotice(DONE[kind]);
      return true;
    } catch (err) {
      setMessage(err.message);
      await load();
      return false;
    } finally {
      setBusy(null);
    }
  }

  const upload = (file) =>
    act("upload", async (pid, version) => {
      const content = bytesToBase64(await readFileBytes(file));
      return api.uploadInvoice(token, pid, version, file.name, content);
    });

  const p = detail?.process;
  const client = detail?.client;
  const awaitingApproval = p?.status === "AGUARDANDO_APROVACAO";
  const blocked = !!asking;

  return (
    <main className="content" data-testid="process-detail" data-process-id={id}>
      <p>
        <button type="button" onClick={onBack} data-testid="process-back">
          {backLabel}
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
            <div className="needs-attention" data-testid="needs-attention" id="needs-attention">
              <strong>Precisa de atenção</strong>
              <p>As tentativas automáticas se esgotaram: este processo precisa de uma pessoa.</p>
            </div>
          )}
          <p className="attempts" data-testid="process-attempts">
            Tentativas: {p.download_attempts ?? 0} de download · {p.sat_attempts ?? 0} de envio ao SAT
            {p.next_retry_at && (
              <>
                {" · "}
                <span data-testid="next-retry">Próxima tentativa: {formatDateTime(p.next_retry_at)}</span>
              </>
            )}
          </p>
          {detail.checks?.length > 0 && <ApprovalChecks checks={detail.checks} />}
          {awaitingApproval && detail.first_approval && (
            <p className="first-approval" data-testid="first-approval">
              1ª aprovação por {detail.first_approval.by_name} em {formatDateTime(detail.first_approval.at)}; falta a de outro aprovador.
            </p>
          )}
          {awaitingApproval && detail.can_approve && detail.blocked_reason && (
            <p className="blocked-reason" id="process-blocked-reason" role="note" data-testid="blocked-reason">
              {detail.blocked_reason}
            </p>
          )}
          <div className="actions decision">
            {awaitingApproval && detail.can_approve && (
              <>
                <button
                  type="button"
                  className="primary"
                  disabled={!!busy || blocked || !!detail.blocked_reason}
                  aria-describedby={detail.blocked_reason ? "process-blocked-reason" : undefined}
                  onClick={() => decide("approve")}
                  data-testid="approve-process"
                >
                  Aprovar
                </button>
                <button type="button" className="danger" disabled={!!busy || blocked} onClick={() => setAsking("reject")} data-testid="reject-process">
                  Rejeitar
                </button>
              </>
            )}
            {awaitingApproval && !detail.can_approve && (
              <p className="muted" data-testid="approval-forbidden">
                Somente aprovadores podem aprovar ou rejeitar.
              </p>
            )}
            {detail.can_download_now && (
              <ActionButton
                kind="download"
                busy={busy}
                blocked={blocked}
                id="btn-baixar-agora"
                label="Baixar agora"
                onClick={() => act("download", (pid, version) => api.downloadNow(token, pid, version))}
              />
            )}
            {detail.can_retry && (
              <ActionButton
                kind="retry"
                busy={busy}
                blocked={blocked}
                id="btn-retentar"
                label="Retentar"
                className={p.needs_attention ? "primary" : undefined}
                onClick={() => act("retry", (pid, version) => api.retryProcess(token, pid, version))}
              />
            )}
            {detail.can_send_to_sat && (
              <ActionButton
                kind="sat"
                busy={busy}
                blocked={blocked}
                id="btn-enviar-sat"
                label="Enviar ao SAT"
                onClick={() => act("sat", (pid, version) => api.sendToSat(token, pid, version))}
              />
            )}
            {detail.can_cancel && (
              <button type="button" disabled={!!busy || blocked} onClick={() => setAsking("cancel")} data-testid="cancel-process">
                Cancelar processo
              </button>
            )}
          </div>
          {asking === "reject" && (
            <RejectForm token={token} onConfirm={(text, code) => decide("reject", text, code)} onCancel={() => setAsking(null)} />
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
          {detail.can_upload && <UploadForm busy={busy} onUpload={upload} />}
          <section className="panel">
            <h2>Dados</h2>
            <ProcessData process={p} uploadedBy={detail.uploaded_by_name ?? p.uploaded_by_name} />
          </section>
          <section className="panel" data-testid="executions">
            <h2>Execuções</h2>
            {(detail.executions ?? []).length === 0 ? (
              <p className="muted">Nenhuma execução ainda.</p>
            ) : (
              detail.executions.map((run) => <Execution key={run.id} run={run} />)
            )}
          </section>
          <ProcessEmails token={token} processId={p.id} reloadKey={p.version} />
          <section className="panel">
            <h2>Histórico</h2>
            <AuditTrail events={detail.audit ?? []} />
          </section>
        </>
      )}
    </main>
  );
}
