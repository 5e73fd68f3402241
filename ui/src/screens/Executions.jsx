// Executions: every robot run and manual upload, newest first, filtered and paginated by
// the database. A row opens its detail in place of the list (and from there its
// process); the filter survives the round trip. The list follows `model-changed` events
// by asking for the same page again. `initialFilter` (from the dashboard) starts it
// filtered ({status, kind, operator_id, month, open_only}) or with one execution open
// ({open_id}).
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import {
  EXECUTION_KIND_LABEL,
  EXECUTION_STATUS_LABEL,
  errorClassLabel,
  executionKindLabel,
  formatDateTime,
  formatMonth,
} from "../format.js";
import { usePagedList } from "../usePagedList.js";
import { useOperatorOptions } from "../useOperatorOptions.js";
import { useReloadOn } from "../useModelChanged.js";
import { Banner } from "../components/Banner.jsx";
import { Busy, Pager, TableBox } from "../components/Pager.jsx";
import { ExportButtons } from "../components/ExportButtons.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import { MonthPicker } from "../components/MonthPicker.jsx";
import { ExecutionBadge, Progress } from "../components/ExecutionBadge.jsx";
import ExecutionDetail from "./ExecutionDetail.jsx";
import ProcessDetail from "./ProcessDetail.jsx";

const PAGE_SIZE = 20;

const ERROR_CLASS_TITLE = {
  TRANSITORIO: "Falha temporária: o sistema tenta de novo automaticamente",
  NEGOCIO: "Falha de negócio: sem nova tentativa automática; uma pessoa precisa agir",
};

// The filter the list command (and the export) takes.
export function listFilter(filter) {
  return {
    status: filter.status || null,
    kind: filter.kind || null,
    operator_id: filter.operator_id || null,
    month: filter.month || null,
    process_id: null,
    search: filter.search.trim() || null,
    open_only: filter.open_only,
    page: filter.page,
    page_size: PAGE_SIZE,
  };
}

export default function Executions({ token, initialFilter }) {
  const init = initialFilter ?? {};
  const [filter, setFilter] = useState({
    status: init.status || "",
    kind: init.kind || "",
    operator_id: init.operator_id || "",
    month: init.month || "",
    search: "",
    open_only: !!init.open_only,
    page: 0,
  });
  const [openId, setOpenId] = useState(init.open_id || null); // the execution shown in place of the list
  const [processId, setProcessId] = useState(null); // its process, shown in place of it
  const [selectedId, setSelectedId] = useState(init.open_id || null); // the row last opened
  const scrollY = useRef(null);
  const operators = useOperatorOptions(token);

  const fetchPage = useCallback(() => api.listExecutions(token, listFilter(filter)), [token, filter]);
  const { page, error, loading, reload } = usePagedList(fetchPage);
  const change = (patch) => setFilter((f) => ({ ...f, ...patch, page: 0 }));

  useReloadOn(["executions", "clients", "operators"], reload, { paused: !!openId });

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

  if (openId && processId) {
    return <ProcessDetail token={token} id={processId} onBack={() => setProcessId(null)} backLabel="← Voltar à execução" />;
  }
  if (openId) {
    return (
      <ExecutionDetail
        token={token}
        id={openId}
        onBack={() => {
          setOpenId(null);
          reload();
        }}
        onOpenProcess={setProcessId}
      />
    );
  }

  return (
    <main className="content" data-testid="executions">
      <div className="title-row">
        <h1>Execuções</h1>
        <ExportButtons token={token} list="execucoes" filter={listFilter(filter)} />
      </div>
      <Banner>{error}</Banner>
      <div className="filters">
        <select
          id="executions-status"
          aria-label="Situação da execução"
          data-testid="executions-status"
          value={filter.status}
          onChange={(e) => change({ status: e.currentTarget.value })}
        >
          <option value="">Todas as situações</option>
          {Object.entries(EXECUTION_STATUS_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select
          id="executions-kind"
          aria-label="Tipo"
          data-testid="executions-kind"
          value={filter.kind}
          onChange={(e) => change({ kind: e.currentTarget.value })}
        >
          <option value="">Todos os tipos</option>
          {Object.entries(EXECUTION_KIND_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select
          id="executions-operator"
          aria-label="Operadora"
          data-testid="executions-operator"
          value={filter.operator_id}
          onChange={(e) => change({ operator_id: e.currentTarget.value })}
        >
          <option value="">Todas as operadoras</option>
          <OperatorOptions operators={operators} />
        </select>
        <MonthPicker
          id="executions-month"
          label="Mês de referência"
          allowEmpty
          testId="executions-month"
          value={filter.month}
          onChange={(month) => change({ month })}
        />
        <input
          id="executions-search"
          type="search"
          placeholder="Cliente, CNPJ ou tarefa do robô"
          aria-label="Buscar execução"
          data-testid="executions-search"
          value={filter.search}
          onInput={(e) => change({ search: e.currentTarget.value })}
        />
        <label className="filter-check">
          <input
            id="executions-open-only"
            type="checkbox"
            data-testid="executions-open-only"
            checked={filter.open_only}
            onChange={(e) => change({ open_only: e.currentTarget.checked })}
          />{" "}
          Somente em andamento
        </label>
        <Busy busy={loading} />
      </div>
      <TableBox busy={loading}>
        <table data-testid="executions-table">
          <thead>
            <tr>
              <th>Criada em</th>
              <th>Tipo</th>
              <th>Cliente</th>
              <th>Operadora</th>
              <th>Mês</th>
              <th>Situação</th>
              <th>Progresso</th>
              <th>Tentativa</th>
              <th>Erro</th>
              <th aria-label="Ações" />
            </tr>
          </thead>
          <tbody>
            {page?.items.map((x) => (
              <tr
                key={x.id}
                className={x.id === selectedId ? "clickable selected" : "clickable"}
                aria-selected={x.id === selectedId ? "true" : undefined}
                data-testid="execution-row"
                data-id={x.id}
                data-process-id={x.process_id}
                data-kind={x.kind}
                data-status={x.status}
                onClick={() => open(x.id)}
              >
                <td className="nowrap">{formatDateTime(x.created_at)}</td>
                <td>{executionKindLabel(x.kind)}</td>
                <td>{x.client_name}</td>
                <td>{x.operator_name}</td>
                <td>{formatMonth(x.reference_month)}</td>
                <td>
                  <ExecutionBadge status={x.status} />
                </td>
                <td className="nowrap">
                  <Progress value={x.progress} />
                </td>
                <td className="num">{x.attempt}</td>
                <td data-testid="execution-row-error">
                  {x.error ? (
                    <>
                      {x.error}
                      {x.error_class && " "}
                      {x.error_class && (
                        <span className={`error-class error-class--${x.error_class}`} title={ERROR_CLASS_TITLE[x.error_class]}>
                          {errorClassLabel(x.error_class)}
                        </span>
                      )}
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      onClick={(e) => {
                        e.stopPropagation();
                        open(x.id);
                      }}
                      data-testid={`open-execution-${x.id}`}
                    >
                      Abrir
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={10} className="muted empty-row" data-testid="executions-empty">
                  {filter.status || filter.kind || filter.operator_id || filter.month || filter.search.trim() || filter.open_only
                    ? "Nenhuma execução com estes filtros. Limpe a busca ou escolha outra situação, tipo ou mês."
                    : "Nenhuma execução ainda. Elas aparecem quando o robô baixa uma fatura ou quando alguém envia uma à mão, em Processos."}
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
          noun={["execução", "execuções"]}
          onPage={(n) => setFilter((f) => ({ ...f, page: n }))}
        />
      )}
    </main>
  );
}
