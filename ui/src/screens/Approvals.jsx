// The approval desk: on the left every invoice waiting for approval (sortable, filterable,
// checkboxes for a bulk approval), on the right the chosen one — its PDF drawn inline, the
// amount and due date with where each came from (typed by hand when missing or wrong), the
// checks Rust ran, the client's last 12 months, notes and the decision. Rust decides what
// this person may do (blocked_reason, can_bulk_approve) and checks it again on every
// command. Keys J/K/A/R/O work while the focus is not in a text field.
//
// Live: a `model-changed` event reloads the queue in place (same rows, same scroll
// position, same selection by id, typed notes kept). When the chosen invoice left the
// queue because of someone else, the next one is chosen and an aria-live line says so.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { useModelChanged } from "../useModelChanged.js";
import { useOperatorOptions } from "../useOperatorOptions.js";
import { formatCnpj, formatDate, formatDateTime, formatMoney, formatMonth, plural } from "../format.js";
import { Field, Select, TextArea } from "../components/Field.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import { MonthPicker } from "../components/MonthPicker.jsx";
import { ApprovalChecks, dueCountdown, needsAttention } from "../components/ApprovalChecks.jsx";
import { PdfPreview } from "../components/PdfPreview.jsx";
import { InvoiceHistoryChart } from "../components/InvoiceHistoryChart.jsx";
import { RejectForm } from "../components/RejectForm.jsx";
import { InvoiceValuesForm } from "../components/InvoiceValuesForm.jsx";
import { ExportButtons } from "../components/ExportButtons.jsx";

export const SORTS = [
  ["vencimento", "Vencimento"],
  ["valor", "Valor"],
  ["operadora", "Operadora"],
  ["cliente", "Cliente"],
];

// Where a value came from (amount_source / due_date_source).
export const SOURCE_LABEL = {
  LINHA_DIGITAVEL: "Linha digitável",
  TEXTO_DA_FATURA: "Texto da fatura",
  ROBO: "Robô",
  DIGITADO: "Digitado",
};

export const EMPTY_QUEUE = "Nenhuma fatura aguardando aprovação. Quando o robô baixar novas faturas elas aparecem aqui.";
const RELOAD_DELAY_MS = 200;
const DECIDERS = new Set(["ADMINISTRADOR", "APROVADOR"]);

// "vence hoje" / "faltam 5 dias" / "vencida há 2 dias", from the due-date check.
export function dueText(item) {
  const check = (item.checks ?? []).find((c) => c.kind === "VENCIMENTO");
  const days = check?.days_left;
  if (typeof days !== "number") return null;
  if (days < 0) return days === -1 ? "vencida há 1 dia" : `vencida há ${-days} dias`;
  return dueCountdown(days);
}

// The compact check line of a row: an icon and words (the colour only repeats them).
export function checkSummary(item) {
  const checks = item.checks ?? [];
  const open = checks.filter(needsAttention);
  if (open.length === 0) return { kind: "ok", icon: "✓", text: "Verificações OK" };
  const failed = open.some((c) => c.outcome === "FALHOU");
  return {
    kind: failed ? "fail" : "warn",
    icon: failed ? "✗" : "!",
    text: open.length === 1 ? "1 verificação pede atenção" : `${open.length} verificações pedem atenção`,
  };
}

// Why a selected invoice is left out of a bulk approval (Rust says it again if asked).
export function bulkSkipReason(item) {
  if (item.blocked_reason) return item.blocked_reason;
  if (item.four_eyes_required) return "Precisa de um segundo aprovador (quatro olhos): aprove-a individualmente.";
  if (!item.all_passed) return "Nem todas as verificações passaram: confira e aprove-a individualmente.";
  return "Não pode ser aprovada em lote.";
}

function isTyping(target) {
  if (!target || typeof target !== "object") return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(String(target.type).toLowerCase());
}

function SourceLabel({ source, testId }) {
  return (
    <small className="source-label" data-testid={testId} data-source={source ?? ""}>
      {source ? `Fonte: ${SOURCE_LABEL[source] ?? source}` : "Não lido da fatura: digite abaixo"}
    </small>
  );
}

function QueueRow({ item, selected, checked, onSelect, onCheck, rowRef }) {
  const summary = checkSummary(item);
  const due = dueText(item);
  return (
    <li
      ref={rowRef}
      className={`queue-row${selected ? " queue-row--selected" : ""}`}
      data-testid="queue-row"
      data-id={item.id}
      data-client={item.client_name}
      aria-current={selected ? "true" : undefined}
      onClick={() => onSelect(item.id)}
    >
      <input
        type="checkbox"
        className="queue-row__check"
        checked={checked}
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => onCheck(item.id, e.currentTarget.checked)}
        aria-label={`Selecionar ${item.client_name} para aprovar em lote`}
        data-testid="queue-row-check"
      />
      <button type="button" className="queue-row__main" onClick={() => onSelect(item.id)} aria-pressed={selected ? "true" : "false"}>
        <span className="queue-row__client">{item.client_name}</span>
        <span className="queue-row__meta">
          {item.operator_name} · {formatMonth(item.reference_month)}
        </span>
        <span className="queue-row__values">
          <strong>{formatMoney(item.amount)}</strong> · vence {formatDate(item.due_date)}
          {due && <span className="queue-row__due"> ({due})</span>}
        </span>
        <span className={`queue-row__checks queue-row__checks--${summary.kind}`} data-testid="queue-row-checks">
          <span aria-hidden="true">{summary.icon}</span> {summary.text}
        </span>
        {(item.first_approval || item.manual_upload) && (
          <span className="queue-row__badges">
            {item.first_approval && (
              <span className="badge approval-badge" data-testid="badge-first-approval">
                1ª aprovação por {item.first_approval.by_name}
              </span>
            )}
            {item.manual_upload && (
              <span className="badge approval-badge" data-testid="badge-manual">
                Envio manual
              </span>
            )}
          </span>
        )}
      </button>
    </li>
  );
}

// The PDF drawn large in a modal dialog. Esc or the button closes it; the focus goes back
// to where it was.
function PdfLarge({ token, item, onClose }) {
  const closeRef = useRef(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement;
    closeRef.current?.focus();
    const onKey = (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      } else if (e.key === "Tab") {
        // The close button is the only control inside: the focus stays in the dialog.
        e.preventDefault();
        closeRef.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      if (before && typeof before.focus === "function" && document.contains(before)) before.focus();
    };
  }, []);
  const width = Math.max(480, Math.min(1100, (globalThis.innerWidth || 1024) - 96));
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal pdf-large"
        role="dialog"
        aria-modal="true"
        aria-labelledby="pdf-large-title"
        data-testid="pdf-large"
        onClick={(e) => e.stopPropagation()}
      >
        <header className="modal__header">
          <h2 id="pdf-large-title">
            Fatura de {item.client_name} · {formatMonth(item.reference_month)}
          </h2>
          <button type="button" ref={closeRef} onClick={onClose} data-testid="btn-fechar-pdf">
            Fechar (Esc)
          </button>
        </header>
        <div className="modal__body">
          <PdfPreview token={token} processId={item.id} revision={item.invoice_sha256 ?? ""} width={width} testId="pdf-preview-large" label={`Fatura de ${item.client_name}`} />
        </div>
      </div>
    </div>
  );
}

function Detail({ token, item, canDecide, busy, notes, onNotes, asking, setAsking, onApprove, onReject, onValuesSaved, onOpenLarge }) {
  const [editing, setEditing] = useState(false);
  const missing = !item.amount || !item.due_date;
  const due = dueText(item);
  const approveDisabled = !canDecide || !!busy || !!item.blocked_reason || asking;
  return (
    <section className="panel approval-detail" data-testid="approval-detail" data-id={item.id} aria-labelledby="approval-detail-title">
      <header className="approval-detail__header">
        <div>
          <h2 id="approval-detail-title">{item.client_name}</h2>
          <p className="muted">
            CNPJ {formatCnpj(item.cnpj)} · {item.operator_name}
            {item.client_hash && ` · hash ${item.client_hash}`} · referência {formatMonth(item.reference_month)}
          </p>
        </div>
        <button type="button" onClick={onOpenLarge} data-testid="btn-ampliar-pdf">
          Ampliar fatura (O)
        </button>
      </header>
      <div className="approval-detail__grid">
        <PdfPreview token={token} processId={item.id} revision={item.invoice_sha256 ?? ""} label={`Fatura de ${item.client_name}`} />
        <div className="approval-detail__side">
          <dl className="facts approval-facts">
            <div>
              <dt>Valor</dt>
              <dd data-testid="detail-amount">
                {formatMoney(item.amount)} <SourceLabel source={item.amount_source} testId="amount-source" />
              </dd>
            </div>
            <div>
              <dt>Vencimento</dt>
              <dd data-testid="detail-due-date">
                {formatDate(item.due_date)}
                {due && <span className="approval-detail__due"> · {due}</span>} <SourceLabel source={item.due_date_source} testId="due-date-source" />
              </dd>
            </div>
            {item.manual_upload && (
              <div>
                <dt>Fatura</dt>
                <dd data-testid="detail-manual-upload">Enviada manualmente{item.uploaded_by_name ? ` por ${item.uploaded_by_name}` : ""}</dd>
              </div>
            )}
            {item.first_approval && (
              <div>
                <dt>Primeira aprovação</dt>
                <dd data-testid="detail-first-approval">
                  {item.first_approval.by_name} em {formatDateTime(item.first_approval.at)} · falta a de outro aprovador
                </dd>
              </div>
            )}
          </dl>
          {canDecide && (missing || editing) && (
            <section className="values-panel" aria-labelledby="values-title">
              <h3 id="values-title">{missing ? "Digite o que não foi lido da fatura" : "Corrigir valor ou vencimento"}</h3>
              <InvoiceValuesForm
                key={`${item.id}:${item.version}`}
                token={token}
                process={item}
                onSaved={async (row) => {
                  setEditing(false);
                  await onValuesSaved(row);
                }}
              />
            </section>
          )}
          {canDecide && !missing && (
            <button type="button" className="link-button" aria-expanded={editing ? "true" : "false"} onClick={() => setEditing((v) => !v)} data-testid="btn-corrigir-valores">
              {editing ? "Fechar a correção" : "Corrigir valor ou vencimento"}
            </button>
          )}
        </div>
      </div>
      <ApprovalChecks checks={item.checks} />
      <InvoiceHistoryChart token={token} clientId={item.client_id} currentMonth={item.reference_month} revision={`${item.amount_cents ?? ""}`} />
      <div className="approval-decision">
        <TextArea
          label="Observações da aprovação (opcional)"
          name="approval_notes"
          value={notes}
          onChange={onNotes}
          maxLength={1000}
          rows={2}
          data-testid="approval-notes"
        />
        {item.blocked_reason && (
          <p className="blocked-reason" id="blocked-reason" role="note" data-testid="blocked-reason">
            {item.blocked_reason}
          </p>
        )}
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={approveDisabled}
            aria-describedby={item.blocked_reason ? "blocked-reason" : undefined}
            onClick={() => onApprove(item)}
            data-testid="btn-aprovar"
          >
            {busy === "approve" ? "Aprovando…" : item.first_approval ? "Aprovar (2ª aprovação)" : "Aprovar"}
          </button>
          <button type="button" className="danger" disabled={!canDecide || !!busy || asking} onClick={() => setAsking(true)} data-testid="btn-rejeitar">
            Rejeitar
          </button>
        </div>
        {!canDecide && <p className="muted">Somente aprovadores podem aprovar ou rejeitar.</p>}
        {asking && <RejectForm token={token} onConfirm={(text, code) => onReject(item, text, code)} onCancel={() => setAsking(false)} />}
      </div>
    </section>
  );
}

// `initial.open_id`: a process to show at once with "Aprovar" focused, so that Enter
// approves it (where a brm-desk://aprovar link lands: a link never approves by itself).
export default function Approvals({ token, user, onNavigate, initial }) {
  const operators = useOperatorOptions(token);
  const [month, setMonth] = useState("");
  const [operatorId, setOperatorId] = useState("");
  const [searchText, setSearchText] = useState("");
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState("vencimento");
  const [descending, setDescending] = useState(false);
  const [queue, setQueue] = useState(null); // {items, total}
  const [loadError, setLoadError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [selectedId, setSelectedId] = useState(initial?.open_id ?? null);
  const focusApprove = useRef(Boolean(initial?.open_id)); // once, when that process shows
  const [checked, setChecked] = useState(() => new Set());
  const [notes, setNotes] = useState({}); // typed notes by process id: never reset by a reload
  const [message, setMessage] = useState(null); // {kind: "ok"|"error", text}
  const [liveNote, setLiveNote] = useState(null);
  const [bulk, setBulk] = useState(null); // {approved, skipped}
  const [busy, setBusy] = useState(null);
  const [asking, setAsking] = useState(false);
  const [large, setLarge] = useState(false);
  const latest = useRef(0);
  const lastIndex = useRef(0);
  const lastSelected = useRef(null); // the item last shown, to name it once it is gone
  const ownDecisions = useRef(new Set()); // ids this screen moved out of the queue
  const rowRefs = useRef(new Map());
  const canDecide = DECIDERS.has(user?.role);

  // The search box waits for a pause in typing.
  useEffect(() => {
    const t = setTimeout(() => setSearch(searchText.trim()), 250);
    return () => clearTimeout(t);
  }, [searchText]);

  const filter = useMemo(
    () => ({ month: month || null, operator_id: operatorId || null, search: search || null, sort, descending }),
    [month, operatorId, search, sort, descending],
  );

  const reload = useCallback(async () => {
    const n = ++latest.current;
    setLoading(true);
    try {
      const q = await api.listApprovalQueue(token, filter);
      if (n !== latest.current) return;
      setQueue({ items: q?.items ?? [], total: q?.total ?? q?.items?.length ?? 0 });
      setLoadError(null);
    } catch (err) {
      if (n === latest.current) setLoadError(err.message);
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, [token, filter]);

  useEffect(() => {
    reload();
  }, [reload]);

  // Several changes close together (the poller delivering a batch) make one reload.
  const pending = useRef(null);
  useEffect(() => () => clearTimeout(pending.current), []);
  useModelChanged((payload) => {
    const relevant = payload.everything || payload.processes?.length || payload.settings?.length || payload.clients?.length;
    if (!relevant) return;
    clearTimeout(pending.current);
    pending.current = setTimeout(reload, RELOAD_DELAY_MS);
  });

  const items = queue?.items ?? [];
  const selected = items.find((i) => i.id === selectedId) ?? null;

  // Keeps the selection by id across reloads; when it left the queue, the row that took
  // its place is chosen (or the last one).
  useEffect(() => {
    if (!queue) return;
    const list = queue.items;
    const at = list.findIndex((i) => i.id === selectedId);
    if (at >= 0) {
      lastIndex.current = at;
      lastSelected.current = list[at];
      return;
    }
    if (focusApprove.current) {
      // The process a link named is not waiting (decided already, or never was): say so
      // instead of offering "Aprovar" on another invoice.
      focusApprove.current = false;
      setLiveNote("O processo do link não está aguardando aprovação (já foi decidido ou não chegou à fila).");
    }
    const gone = lastSelected.current;
    const next = list.length ? list[Math.min(lastIndex.current, list.length - 1)] : null;
    if (gone && selectedId === gone.id && !ownDecisions.current.has(gone.id)) {
      setLiveNote(
        next
          ? `A fatura de ${gone.client_name} saiu da fila (decidida ou alterada por outra pessoa). Mostrando a de ${next.client_name}.`
          : `A fatura de ${gone.client_name} saiu da fila (decidida ou alterada por outra pessoa).`,
      );
    }
    setAsking(false);
    setLarge(false);
    setSelectedId(next?.id ?? null);
    lastSelected.current = next;
    if (next) lastIndex.current = Math.min(lastIndex.current, list.length - 1);
  }, [queue, selectedId]);

  // Where a link landed: "Aprovar" of that process focused once it shows (Enter approves).
  useEffect(() => {
    if (!focusApprove.current || !selected || selected.id !== initial?.open_id) return;
    focusApprove.current = false;
    document.querySelector('[data-testid="btn-aprovar"]')?.focus();
  }, [selected, initial]);

  const select = useCallback(
    (id) => {
      if (id === selectedId) return;
      setSelectedId(id);
      setAsking(false);
      setLiveNote(null);
      const at = items.findIndex((i) => i.id === id);
      if (at >= 0) {
        lastIndex.current = at;
        lastSelected.current = items[at];
      }
    },
    [items, selectedId],
  );

  const move = useCallback(
    (delta) => {
      if (!items.length) return;
      const at = items.findIndex((i) => i.id === selectedId);
      const next = items[Math.max(0, Math.min(items.length - 1, (at < 0 ? 0 : at + delta)))];
      select(next.id);
      rowRefs.current.get(next.id)?.scrollIntoView?.({ block: "nearest" });
    },
    [items, selectedId, select],
  );

  async function approve(item) {
    if (!item || busy || !canDecide || item.blocked_reason) return;
    setBusy("approve");
    setMessage(null);
    setBulk(null);
    try {
      const note = (notes[item.id] ?? "").trim();
      const r = await api.approveProcess(token, item.id, item.version, note || null);
      if (!r?.first_approval_only) ownDecisions.current.add(item.id);
      setNotes((all) => {
        const copy = { ...all };
        delete copy[item.id];
        return copy;
      });
      setMessage({ kind: "ok", text: `${r?.message || "Fatura aprovada."} (${item.client_name})` });
    } catch (err) {
      setMessage({ kind: "error", text: err.message });
    } finally {
      setBusy(null);
    }
    await reload();
  }

  // A problem with the reason stays on the form (thrown back to it); anything else closes
  // it and is said in the message line.
  async function reject(item, text, code) {
    setMessage(null);
    setBulk(null);
    try {
      await api.rejectProcess(token, item.id, item.version, text, code);
    } catch (err) {
      if (Object.keys(err.fieldMap?.() ?? {}).length) throw err;
      setAsking(false);
      setMessage({ kind: "error", text: err.message });
      await reload();
      return;
    }
    ownDecisions.current.add(item.id);
    setAsking(false);
    setMessage({ kind: "ok", text: `Fatura de ${item.client_name} rejeitada. O processo volta a aguardar o download.` });
    await reload();
  }

  const chosen = items.filter((i) => checked.has(i.id));

  async function approveSelected() {
    if (!chosen.length || busy) return;
    const eligible = chosen.filter((i) => i.can_bulk_approve);
    const skippedHere = chosen.filter((i) => !i.can_bulk_approve).map((i) => ({ id: i.id, client_name: i.client_name, message: bulkSkipReason(i) }));
    setBusy("bulk");
    setMessage(null);
    setBulk(null);
    let approved = [];
    let skipped = skippedHere;
    try {
      if (eligible.length) {
        const r = await api.approveMany(
          token,
          eligible.map((i) => ({ id: i.id, version: i.version })),
          null,
        );
        approved = r?.approved ?? [];
        skipped = [...(r?.skipped ?? []), ...skippedHere];
      }
      approved.forEach((p) => ownDecisions.current.add(p.id));
      const parts = [approved.length === 1 ? "1 fatura aprovada" : `${approved.length} faturas aprovadas`];
      if (skipped.length) parts.push(skipped.length === 1 ? "1 não aprovada (veja o motivo abaixo)" : `${skipped.length} não aprovadas (veja os motivos abaixo)`);
      setMessage({ kind: approved.length ? "ok" : "error", text: `${parts.join("; ")}.` });
      setBulk({ approved, skipped });
      setChecked(new Set(skipped.map((s) => s.id)));
    } catch (err) {
      setMessage({ kind: "error", text: err.message });
    } finally {
      setBusy(null);
    }
    await reload();
  }

  // J/K/A/R/O anywhere on the screen while the focus is not in a text field.
  const keys = useRef(null);
  keys.current = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || large || isTyping(e.target)) return;
    const key = e.key.toLowerCase();
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "a") approve(selected);
    else if (key === "r" && selected && canDecide && !busy) setAsking(true);
    else if (key === "o" && selected) setLarge(true);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const onKey = (e) => keys.current(e);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const toggle = (id, on) =>
    setChecked((s) => {
      const copy = new Set(s);
      if (on) copy.add(id);
      else copy.delete(id);
      return copy;
    });
  const allChecked = items.length > 0 && items.every((i) => checked.has(i.id));
  const filtered = !!(month || operatorId || search);

  return (
    <main className="content approvals" data-testid="approvals" aria-busy={loading ? "true" : "false"}>
      <div className="title-row">
        <h1>Aprovação de faturas</h1>
        <ExportButtons token={token} list="aprovacao" filter={filter} />
      </div>
      <p className="shortcuts muted" data-testid="shortcuts">
        Atalhos: <kbd>J</kbd> próxima · <kbd>K</kbd> anterior · <kbd>A</kbd> aprovar · <kbd>R</kbd> rejeitar · <kbd>O</kbd> ampliar a fatura ·{" "}
        <kbd>Esc</kbd> fechar
      </p>
      <p className={`approval-message approval-message--${message?.kind ?? "none"}`} role="status" aria-live="polite" data-testid="approval-message">
        {message?.text ?? ""}
      </p>
      <p className="sr-live muted" role="status" aria-live="polite" data-testid="queue-notice">
        {liveNote ?? ""}
      </p>
      {bulk && (bulk.approved.length > 0 || bulk.skipped.length > 0) && (
        <section className="panel bulk-result" data-testid="bulk-result" aria-labelledby="bulk-title">
          <h2 id="bulk-title">Aprovação em lote</h2>
          <p data-testid="bulk-approved">{plural(bulk.approved.length, "fatura aprovada", "faturas aprovadas")}.</p>
          {bulk.skipped.length > 0 && (
            <>
              <p>Não aprovadas:</p>
              <ul>
                {bulk.skipped.map((s) => (
                  <li key={s.id} data-testid="bulk-skipped" data-id={s.id}>
                    <strong>{s.client_name}</strong>: {s.message}
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" onClick={() => setBulk(null)}>
            Fechar
          </button>
        </section>
      )}
      {/* Filters above both panes: the queue keeps its height for rows (1024x640). */}
      <div className="queue-filters" role="group" aria-label="Filtros da fila">
        <div className="field">
          <MonthPicker id="f-queue_month" name="queue_month" label="Mês de referência" showLabel allowEmpty value={month} onChange={setMonth} testId="queue-month" />
        </div>
        <Select label="Operadora" name="queue_operator" value={operatorId} onChange={setOperatorId}>
          <option value="">Todas</option>
          <OperatorOptions operators={operators} />
        </Select>
        <Field label="Buscar (cliente, CNPJ, hash)" name="queue_search" type="search" value={searchText} onChange={setSearchText} />
        <Select label="Ordenar por" name="queue_sort" value={sort} onChange={setSort} data-testid="sort-select">
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Select>
        <Select label="Ordem" name="queue_direction" value={descending ? "desc" : "asc"} onChange={(v) => setDescending(v === "desc")} data-testid="sort-direction">
          <option value="asc">Crescente</option>
          <option value="desc">Decrescente</option>
        </Select>
      </div>
      <div className="approvals__layout">
        <section className="panel approval-queue" data-testid="approval-queue" aria-labelledby="queue-title">
          <h2 id="queue-title">
            Fila {queue ? `(${queue.total})` : ""}
            {loading && queue && (
              <span className="muted small" role="status">
                {" "}
                · atualizando…
              </span>
            )}
          </h2>
          {loadError && (
            <p className="field__error" role="alert" data-testid="queue-error">
              {loadError}
            </p>
          )}
          {!queue && !loadError && (
            <p className="progress" role="status">
              <progress aria-label="Carregando a fila" /> Carregando a fila…
            </p>
          )}
          {queue && items.length === 0 && !filtered && (
            <div className="empty-state" data-testid="queue-empty">
              <p>{EMPTY_QUEUE}</p>
              <button type="button" onClick={() => onNavigate?.("processos")} data-testid="btn-ir-processos">
                Ir para Processos
              </button>
            </div>
          )}
          {queue && items.length === 0 && filtered && (
            <div className="empty-state" data-testid="queue-empty">
              <p>Nenhuma fatura aguardando aprovação com esses filtros.</p>
              <button
                type="button"
                onClick={() => {
                  setMonth("");
                  setOperatorId("");
                  setSearchText("");
                  setSearch("");
                }}
              >
                Limpar filtros
              </button>
            </div>
          )}
          {items.length > 0 && (
            <>
              <div className="queue-bulk">
                <label>
                  <input
                    type="checkbox"
                    checked={allChecked}
                    onChange={(e) => setChecked(e.currentTarget.checked ? new Set(items.map((i) => i.id)) : new Set())}
                    data-testid="queue-check-all"
                  />{" "}
                  Selecionar todas
                </label>
                <button type="button" className="primary" disabled={!canDecide || !chosen.length || !!busy} onClick={approveSelected} data-testid="btn-aprovar-selecionadas">
                  {busy === "bulk" ? "Aprovando…" : `Aprovar selecionadas (${chosen.length})`}
                </button>
              </div>
              {queue.total > items.length && (
                <p className="muted small">
                  Mostrando {items.length} de {queue.total}: use os filtros para achar as demais.
                </p>
              )}
              <ul className="queue-list" aria-label="Faturas aguardando aprovação">
                {items.map((item) => (
                  <QueueRow
                    key={item.id}
                    item={item}
                    selected={item.id === selectedId}
                    checked={checked.has(item.id)}
                    onSelect={select}
                    onCheck={toggle}
                    rowRef={(el) => (el ? rowRefs.current.set(item.id, el) : rowRefs.current.delete(item.id))}
                  />
                ))}
              </ul>
            </>
          )}
        </section>
        <div className="approvals__detail">
          {selected ? (
            <Detail
              key={selected.id}
              token={token}
              item={selected}
              canDecide={canDecide}
              busy={busy}
              notes={notes[selected.id] ?? ""}
              onNotes={(v) => setNotes((all) => ({ ...all, [selected.id]: v }))}
              asking={asking}
              setAsking={setAsking}
              onApprove={approve}
              onReject={reject}
              onValuesSaved={async () => {
                setMessage({ kind: "ok", text: `Valores da fatura de ${selected.client_name} salvos.` });
                await reload();
              }}
              onOpenLarge={() => setLarge(true)}
            />
          ) : (
            queue && items.length > 0 && <p className="muted panel">Escolha uma fatura na fila.</p>
          )}
        </div>
      </div>
      {large && selected && <PdfLarge token={token} item={selected} onClose={() => setLarge(false)} />}
    </main>
  );
}
