// Processes: creating a month's processes, the list (filtered and paginated by the
// database) and, in place of the list, the detail of the one opened. The filter survives
// the round trip to the detail and back. When a `model-changed` event says processes
// changed, the list asks for the same page with the same filter again: rows are updated
// in place, so the page, the filter and the scroll position stay. `initialFilter` (from
// the dashboard) starts the list filtered: {month, status, operator_id,
// needs_attention, open_id (a process to open at once), create (prefill "Criar
// processos do mês" with that month and operator)}.
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatCnpj, formatDate, formatMoney, formatMonth, monthOf, STATUS_LABEL } from "../format.js";
import { usePagedList } from "../usePagedList.js";
import { useOperatorOptions } from "../useOperatorOptions.js";
import { useReloadOn } from "../useModelChanged.js";
import { Banner } from "../components/Banner.jsx";
import { Busy, Pager, TableBox } from "../components/Pager.jsx";
import { ExportButtons } from "../components/ExportButtons.jsx";
import { StatusBadge } from "../components/StatusBadge.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import { MonthPicker } from "../components/MonthPicker.jsx";
import ProcessDetail from "./ProcessDetail.jsx";

const PAGE_SIZE = 20;

function CreateMonth({ token, operators, onCreated, initial }) {
  const [month, setMonth] = useState(initial?.month || monthOf());
  const [operatorId, setOperatorId] = useState(initial?.operator_id || "");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);

  async function create(e) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const r = await api.createMonthProcesses(token, month, operatorId || null);
      onCreated(month, `${r.created} processo${r.created === 1 ? " criado" : "s criados"}, ${r.skipped} já existia${r.skipped === 1 ? "" : "m"}.`);
    } catch (err) {
      setMessage(err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel create-month"
      onSubmit={create}
      data-testid="create-month-form"
      noValidate
      aria-busy={busy ? "true" : "false"}
    >
      <h2>Criar processos do mês</h2>
      <Banner>{message}</Banner>
      <div className="inline-fields">
        <div className="field">
          <MonthPicker id="f-create-month" name="month" label="Mês de referência" showLabel value={month} onChange={setMonth} testId="month-input" />
        </div>
        <div className="field">
          <label htmlFor="f-create-operator">Operadora</label>
          <select id="f-create-operator" name="create_operator_id" value={operatorId} onChange={(e) => setOperatorId(e.currentTarget.value)}>
            <option value="">Todas as operadoras ativas</option>
            <OperatorOptions operators={operators.filter((o) => o.active)} />
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy || !month} data-testid="create-month">
          {busy ? "Criando…" : "Criar processos do mês"}
        </button>
      </div>
      <p className="muted">Um processo por cliente ativo; rodar de novo para o mesmo mês não duplica nada.</p>
    </form>
  );
}

// The filter the list command (and the export) takes.
export function listFilter(filter) {
  return {
    month: filter.month || null,
    status: filter.status || null,
    operator_id: filter.operator_id || null,
    search: filter.search.trim() || null,
    needs_attention: filter.needs_attention ? true : null,
    page: filter.page,
    page_size: PAGE_SIZE,
  };
}

export default function Processes({ token, initialFilter }) {
  const init = initialFilter ?? {};
  const [filter, setFilter] = useState({
    month: init.month || "",
    status: init.status || "",
    operator_id: init.operator_id || "",
    search: "",
    needs_attention: !!init.needs_attention,
    page: 0,
  });
  const [openId, setOpenId] = useState(init.open_id || null);
  const [selectedId, setSelectedId] = useState(init.open_id || null); // the row last opened
  const [notice, setNotice] = useState(null);
  const operators = useOperatorOptions(token);
  const scrollY = useRef(null);

  const fetchPage = useCallback(() => api.listProcesses(token, listFilter(filter)), [token, filter]);
  const { page, error, loading, reload } = usePagedList(fetchPage);
  const change = (patch) => setFilter((f) => ({ ...f, ...patch, page: 0 }));

  // Any changed process may enter or leave the filtered page, not only the visible ones.
  // While a detail is open the list is not on screen; it is read again on the way back.
  useReloadOn(["processes", "clients", "operators"], reload, { paused: !!openId });

  // Back from a detail: the window returns to where the list was scrolled.
  useLayoutEffect(() => {
    if (openId || scrollY.current === null) return;
    if (scrollY.current > 0) globalThis.scrollTo?.(0, scrollY.current);
    scrollY.current = null;
  }, [openId]);

  function open(id) {
    scrollY.current = globalThis.scrollY ?? 0;
    setSelectedId(id);
    setOpenId(id);
  }

  if (openId) {
    return (
      <ProcessDetail
        token={token}
        id={openId}
        onBack={() => {
          setOpenId(null);
          reload();
        }}
      />
    );
  }

  const filtered = filter.status || filter.operator_id || filter.search.trim() || filter.needs_attention;

  return (
    <main className="content" data-testid="processes">
      <div className="title-row">
        <h1>Processos</h1>
        <ExportButtons token={token} list="processos" filter={listFilter(filter)} />
      </div>
      <CreateMonth
        token={token}
        operators={operators}
        initial={init.create ? init : null}
        onCreated={(month, text) => {
          setNotice(text);
          // Show what was just created; if the filter already was that month, ask again.
          if (filter.month === month && filter.page === 0) reload();
          else change({ month });
        }}
      />
      <Banner>{error}</Banner>
      <Banner kind="info">{notice}</Banner>
      <div className="filters">
        <MonthPicker
          id="processes-month"
          label="Mês de referência"
          allowEmpty
          testId="processes-month"
          value={filter.month}
          onChange={(month) => change({ month })}
        />
        <select
          aria-label="Situação"
          data-testid="processes-status"
          value={filter.status}
          onChange={(e) => change({ status: e.currentTarget.value })}
        >
          <option value="">Todas as situações</option>
          {Object.entries(STATUS_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select
          aria-label="Operadora"
          data-testid="processes-operator"
          value={filter.operator_id}
          onChange={(e) => change({ operator_id: e.currentTarget.value })}
        >
          <option value="">Todas as operadoras</option>
          <OperatorOptions operators={operators} />
        </select>
        <input
          type="search"
          placeholder="Cliente: razão social, CNPJ ou hash"
          aria-label="Buscar cliente"
          data-testid="processes-search"
          value={filter.search}
          onInput={(e) => change({ search: e.currentTarget.value })}
        />
        <label className="filter-check">
          <input
            type="checkbox"
            data-testid="processes-attention"
            checked={filter.needs_attention}
            onChange={(e) => change({ needs_attention: e.currentTarget.checked })}
          />{" "}
          Precisam de atenção
        </label>
        {filter.month && (
          <button type="button" onClick={() => change({ month: "" })} data-testid="processes-all-months">
            Todos os meses
          </button>
        )}
        <Busy busy={loading} />
      </div>
      <TableBox busy={loading}>
        <table data-testid="processes-table">
          <thead>
            <tr>
              <th>Cliente</th>
              <th>CNPJ</th>
              <th>Operadora</th>
              <th>Mês</th>
              <th>Situação</th>
              <th className="num">Valor</th>
              <th>Vencimento</th>
              <th title="Tentativas de download / de envio ao SAT">Tentativas</th>
              <th aria-label="Ações" />
            </tr>
          </thead>
          <tbody>
            {page?.items.map((p) => (
              <tr
                key={p.id}
                className={p.id === selectedId ? "clickable selected" : "clickable"}
                aria-selected={p.id === selectedId ? "true" : undefined}
                data-testid="process-row"
                data-client-hash={p.client_hash ?? ""}
                data-status={p.status}
                onClick={() => open(p.id)}
              >
                <td>
                  {p.client_name}
                  {p.client_hash && <small className="muted block">{p.client_hash}</small>}
                </td>
                <td className="nowrap">{formatCnpj(p.cnpj)}</td>
                <td>{p.operator_name}</td>
                <td>{formatMonth(p.reference_month)}</td>
                <td>
                  <StatusBadge status={p.status} />
                  {p.needs_attention && (
                    <span className="attention" title="Esgotou as tentativas automáticas">
                      Atenção
                    </span>
                  )}
                </td>
                <td className="num nowrap">{formatMoney(p.amount)}</td>
                <td>{formatDate(p.due_date)}</td>
                <td>
                  {p.download_attempts} / {p.sat_attempts}
                </td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      onClick={(e) => {
                        e.stopPropagation();
                        open(p.id);
                      }}
                      data-testid={`open-process-${p.id}`}
                    >
                      Abrir
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={9} className="muted empty-row" data-testid="processes-empty">
                  {filtered
                    ? "Nenhum processo com estes filtros. Limpe a busca ou escolha outra situação ou operadora."
                    : filter.month
                      ? `Nenhum processo neste mês. Crie os processos do mês em “Criar processos do mês”, acima.`
                      : "Nenhum processo ainda. Cadastre os clientes e crie os processos do mês em “Criar processos do mês”, acima."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </TableBox>
      {page && (
        <Pager
          page={filter.page}
          pageSize={PAGE_SIZE}
          total={page.total}
          noun={["processo", "processos"]}
          onPage={(n) => setFilter((f) => ({ ...f, page: n }))}
        />
      )}
    </main>
  );
}
