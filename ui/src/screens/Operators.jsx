// Operators: the list (filtered and paginated by the database) and its form. The list
// reads itself again when operators change (here or in another window/desktop).
import { useCallback, useState } from "preact/hooks";
import { api } from "../api.js";
import { usePagedList } from "../usePagedList.js";
import { useReloadOn } from "../useModelChanged.js";
import { Banner } from "../components/Banner.jsx";
import { Busy, Pager, TableBox } from "../components/Pager.jsx";
import { ExportButtons } from "../components/ExportButtons.jsx";
import OperatorForm from "./OperatorForm.jsx";

const PAGE_SIZE = 20;

function robotLabel(op) {
  if (!op.has_rpa) return "Não (envio manual)";
  return op.rpa_outsourced ? "Terceirizado" : "Sim";
}

export default function Operators({ token, canEdit }) {
  const [filter, setFilter] = useState({ search: "", active: null, page: 0 });
  const [editing, setEditing] = useState(null); // null | "new" | operator
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);

  const listFilter = {
    search: filter.search || null,
    active: filter.active,
    page: filter.page,
    page_size: PAGE_SIZE,
  };
  const fetchPage = useCallback(() => api.listOperators(token, listFilter), [token, filter]);
  const { page, error, loading, reload: load } = usePagedList(fetchPage);
  useReloadOn(["operators"], load);

  async function save(input) {
    const saved =
      editing === "new"
        ? await api.createOperator(token, input)
        : await api.updateOperator(token, editing.id, editing.version, input);
    setEditing(null);
    setNotice(`Operadora ${saved.name} salva.`);
    await load();
  }

  async function toggle(op) {
    try {
      const saved = await api.setOperatorActive(token, op.id, op.version, !op.active);
      setNotice(`Operadora ${saved.name} ${saved.active ? "ativada" : "desativada"}.`);
      await load();
    } catch (err) {
      setMessage(err.message);
    }
  }

  return (
    <main className="content" data-testid="operators">
      <div className="title-row">
        <h1>Operadoras</h1>
        <ExportButtons token={token} list="operadoras" filter={listFilter} />
        {canEdit && !editing && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setNotice(null);
              setEditing("new");
            }}
            data-testid="new-operator"
          >
            Nova operadora
          </button>
        )}
      </div>
      {!canEdit && <p className="muted">Somente administradores alteram operadoras.</p>}
      <Banner>{message ?? error}</Banner>
      {!editing && <Banner kind="info">{notice}</Banner>}
      {editing && (
        <OperatorForm
          key={editing === "new" ? "new" : editing.id}
          operator={editing === "new" ? null : editing}
          onSave={save}
          onCancel={() => setEditing(null)}
        />
      )}
      <div className="filters">
        <input
          type="search"
          placeholder="Buscar por nome ou código"
          aria-label="Buscar"
          value={filter.search}
          onInput={(e) => setFilter({ ...filter, search: e.currentTarget.value, page: 0 })}
        />
        <select
          aria-label="Situação"
          value={filter.active === null ? "" : String(filter.active)}
          onChange={(e) => setFilter({ ...filter, active: e.target.value === "" ? null : e.target.value === "true", page: 0 })}
        >
          <option value="">Todas</option>
          <option value="true">Ativas</option>
          <option value="false">Inativas</option>
        </select>
        <Busy busy={loading} />
      </div>
      <TableBox busy={loading}>
        <table data-testid="operators-table">
          <thead>
            <tr>
              <th>Nome</th>
              <th>Código</th>
              <th>Robô</th>
              <th>Tempo limite</th>
              <th>Tentativas</th>
              <th>Situação</th>
              {canEdit && <th aria-label="Ações" />}
            </tr>
          </thead>
          <tbody>
            {page?.items.map((op) => (
              <tr key={op.id} data-testid="operator-row" data-code={op.code} className={op.active ? "" : "inactive"}>
                <td>{op.name}</td>
                <td>
                  <code>{op.code}</code>
                </td>
                <td>{robotLabel(op)}</td>
                <td>{op.timeout_secs} s</td>
                <td>{op.max_attempts}</td>
                <td>{op.active ? "Ativa" : "Inativa"}</td>
                {canEdit && (
                  <td>
                    <div className="row-actions">
                    <button type="button" onClick={() => setEditing(op)} disabled={!!editing} data-testid={`edit-${op.code}`}>
                      Editar
                    </button>
                    <button type="button" onClick={() => toggle(op)} disabled={!!editing} data-testid={`toggle-${op.code}`}>
                      {op.active ? "Desativar" : "Ativar"}
                    </button>
                    </div>
                  </td>
                )}
              </tr>
            ))}
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={canEdit ? 7 : 6} className="muted empty-row" data-testid="operators-empty">
                  {filter.search || filter.active !== null
                    ? "Nenhuma operadora com estes filtros. Limpe a busca ou escolha outra situação."
                    : canEdit
                      ? "Nenhuma operadora cadastrada. Use “Nova operadora” para cadastrar a primeira."
                      : "Nenhuma operadora cadastrada. Peça a um administrador que cadastre as operadoras."}
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
          noun={["operadora", "operadoras"]}
          onPage={(n) => setFilter((f) => ({ ...f, page: n }))}
        />
      )}
    </main>
  );
}
