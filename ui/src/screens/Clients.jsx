// Clients: the list (filtered and paginated by the database) and its form. Every role
// registers clients; Rust decides who may change what. The list reads itself again when
// clients or operators change (here, in another window or on another desktop).
import { useCallback, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatCnpj } from "../format.js";
import { usePagedList } from "../usePagedList.js";
import { useReloadOn } from "../useModelChanged.js";
import { ExportButtons } from "../components/ExportButtons.jsx";
import { useOperatorOptions } from "../useOperatorOptions.js";
import { Banner } from "../components/Banner.jsx";
import { Busy, Pager, TableBox } from "../components/Pager.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import ClientForm from "./ClientForm.jsx";

const PAGE_SIZE = 20;

// Clients registered by hand have no hash; their id keys the test ids instead.
const keyOf = (c) => c.hash || c.id;

export default function Clients({ token }) {
  const [filter, setFilter] = useState({ search: "", operator_id: "", active: null, page: 0 });
  const [editing, setEditing] = useState(null); // null | "new" | client
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);
  const operators = useOperatorOptions(token);

  const listFilter = {
    search: filter.search.trim() || null,
    operator_id: filter.operator_id || null,
    active: filter.active,
    page: filter.page,
    page_size: PAGE_SIZE,
  };
  const fetchPage = useCallback(() => api.listClients(token, listFilter), [token, filter]);
  const { page, error, loading, reload } = usePagedList(fetchPage);
  useReloadOn(["clients", "operators"], reload);
  const change = (patch) => setFilter((f) => ({ ...f, ...patch, page: 0 }));

  async function save(input) {
    const saved =
      editing === "new"
        ? await api.createClient(token, input)
        : await api.updateClient(token, editing.id, editing.version, input);
    setEditing(null);
    setNotice(`Cliente ${saved.legal_name} salvo.`);
    await reload();
  }

  async function toggle(client) {
    try {
      const saved = await api.setClientActive(token, client.id, client.version, !client.active);
      setNotice(`Cliente ${saved.legal_name} ${saved.active ? "ativado" : "desativado"}.`);
      await reload();
    } catch (err) {
      setMessage(err.message);
    }
  }

  function open(target) {
    setNotice(null);
    setMessage(null);
    setEditing(target);
  }

  return (
    <main className="content" data-testid="clients">
      <div className="title-row">
        <h1>Clientes</h1>
        <ExportButtons token={token} list="clientes" filter={listFilter} />
        {!editing && (
          <button type="button" className="primary" onClick={() => open("new")} data-testid="new-client">
            Novo cliente
          </button>
        )}
      </div>
      <Banner>{message ?? error}</Banner>
      {!editing && <Banner kind="info">{notice}</Banner>}
      {editing && (
        <ClientForm
          key={editing === "new" ? "new" : editing.id}
          client={editing === "new" ? null : editing}
          operators={operators}
          onSave={save}
          onCancel={() => setEditing(null)}
        />
      )}
      <div className="filters">
        <input
          type="search"
          placeholder="Buscar por razão social, CNPJ, hash ou filtro"
          aria-label="Buscar"
          data-testid="clients-search"
          value={filter.search}
          onInput={(e) => change({ search: e.currentTarget.value })}
        />
        <select
          aria-label="Operadora"
          data-testid="clients-operator"
          value={filter.operator_id}
          onChange={(e) => change({ operator_id: e.currentTarget.value })}
        >
          <option value="">Todas as operadoras</option>
          <OperatorOptions operators={operators} />
        </select>
        <select
          aria-label="Situação"
          data-testid="clients-active"
          value={filter.active === null ? "" : String(filter.active)}
          onChange={(e) => change({ active: e.currentTarget.value === "" ? null : e.currentTarget.value === "true" })}
        >
          <option value="">Todos</option>
          <option value="true">Ativos</option>
          <option value="false">Inativos</option>
        </select>
        <Busy busy={loading} />
      </div>
      <TableBox busy={loading}>
        <table data-testid="clients-table">
          <thead>
            <tr>
              <th>Hash</th>
              <th>Razão social</th>
              <th>CNPJ</th>
              <th>Operadora</th>
              <th>Serviço</th>
              <th>Unidade</th>
              <th>Filtro</th>
              <th>Senha do portal</th>
              <th>Situação</th>
              <th aria-label="Ações" />
            </tr>
          </thead>
          <tbody>
            {page?.items.map((c) => (
              <tr key={c.id} data-testid="client-row" data-hash={c.hash ?? ""} className={c.active ? "" : "inactive"}>
                <td>
                  <code>{c.hash ?? "—"}</code>
                </td>
                <td>{c.legal_name}</td>
                <td className="nowrap">{formatCnpj(c.cnpj)}</td>
                <td>{c.operator_name}</td>
                <td>{c.service || "—"}</td>
                <td>{c.unit || "—"}</td>
                <td>{c.account_filter ?? "—"}</td>
                <td>{c.portal_password_set ? "Definida" : "Não definida"}</td>
                <td>{c.active ? "Ativo" : "Inativo"}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" onClick={() => open(c)} disabled={!!editing} data-testid={`edit-client-${keyOf(c)}`}>
                      Editar
                    </button>
                    <button type="button" onClick={() => toggle(c)} disabled={!!editing} data-testid={`toggle-client-${keyOf(c)}`}>
                      {c.active ? "Desativar" : "Ativar"}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={10} className="muted empty-row" data-testid="clients-empty">
                  {filter.search.trim() || filter.operator_id || filter.active !== null
                    ? "Nenhum cliente com estes filtros. Limpe a busca ou escolha outra operadora ou situação."
                    : "Nenhum cliente cadastrado. Use “Novo cliente” ou importe a planilha em “Importar clientes”."}
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
          noun={["cliente", "clientes"]}
          onPage={(p) => setFilter((f) => ({ ...f, page: p }))}
        />
      )}
    </main>
  );
}
