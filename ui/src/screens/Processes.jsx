// Processes: creating a month's processes, the list (filtered and paginated by the
// database) and, in place of the list, the detail of the one opened. The filter survives
// the round trip to the detail and back. When a `model-changed` event says processes
// changed, the list asks for the same page with the same filter again: rows are updated
// in place, so the page, the filter and the scroll position stay.
import { useCallback, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatCnpj, formatDate, formatMoney, formatMonth, monthOf, STATUS_LABEL } from "../format.js";
import { usePagedList } from "../usePagedList.js";
import { useOperatorOptions } from "../useOperatorOptions.js";
import { useModelChanged } from "../useModelChanged.js";
import { Banner } from "../components/Banner.jsx";
import { Pager } from "../components/Pager.jsx";
import { StatusBadge } from "../components/StatusBadge.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import ProcessDetail from "./ProcessDetail.jsx";

const PAGE_SIZE = 20;

function CreateMonth({ token, operators, onCreated }) {
  const [month, setMonth] = useState(monthOf());
  const [operatorId, setOperatorId] = useState("");
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
    <form className="panel create-month" onSubmit={create} data-testid="create-month-form" noValidate>
      <h2>Criar processos do mês</h2>
      <Banner>{message}</Banner>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="f-create-month">Mês de referência</label>
          <input
            id="f-create-month"
            name="month"
            type="month"
            value={month}
            onInput={(e) => setMonth(e.currentTarget.value)}
            data-testid="month-input"
          />
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

export default function Processes({ token }) {
  const [filter, setFilter] = useState({ month: "", status: "", operator_id: "", search: "", needs_attention: false, page: 0 });
  const [openId, setOpenId] = useState(null);
  const [notice, setNotice] = useState(null);
  const operators = useOperatorOptions(token);

  const fetchPage = useCallback(
    () =>
      api.listProcesses(token, {
        month: filter.month || null,
        status: filter.status || null,
        operator_id: filter.operator_id || null,
        search: filter.search.trim() || null,
        needs_attention: filter.needs_attention ? true : null,
        page: filter.page,
        page_size: PAGE_SIZE,
      }),
    [token, filter],
  );
  const { page, error, reload } = usePagedList(fetchPage);
  const change = (patch) => setFilter((f) => ({ ...f, ...patch, page: 0 }));

  // Any changed process may enter or leave the filtered page, not only the visible ones.
  // While a detail is open the list is not on screen; it is read again on the way back.
  useModelChanged((payload) => {
    if (!openId && payload.processes?.length > 0) reload();
  });

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

  return (
    <main className="content" data-testid="processes">
      <h1>Processos</h1>
      <CreateMonth
        token={token}
        operators={operators}
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
        <input
          type="month"
          aria-label="Mês de referência"
          data-testid="processes-month"
          value={filter.month}
          onInput={(e) => change({ month: e.currentTarget.value })}
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
      </div>
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
              className="clickable"
              data-testid="process-row"
              data-client-hash={p.client_hash ?? ""}
              data-status={p.status}
              onClick={() => setOpenId(p.id)}
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
                      setOpenId(p.id);
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
              <td colSpan={9} className="muted">
                Nenhum processo encontrado.
              </td>
            </tr>
          )}
        </tbody>
      </table>
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
