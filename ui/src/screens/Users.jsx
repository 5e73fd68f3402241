// Users (administrators only): who may log in and with which role. Rust refuses what
// would leave the desk without an active administrator; the message lands in the banner.
// The list reads itself again when users change (here or in another window/desktop).
import { useCallback, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatDateTime } from "../format.js";
import { usePagedList } from "../usePagedList.js";
import { useReloadOn } from "../useModelChanged.js";
import { ExportButtons } from "../components/ExportButtons.jsx";
import { Banner } from "../components/Banner.jsx";
import { Busy, Pager, TableBox } from "../components/Pager.jsx";
import UserForm, { ResetPasswordForm, RoleOptions } from "./UserForm.jsx";

const PAGE_SIZE = 20;

export default function Users({ token }) {
  const [filter, setFilter] = useState({ search: "", active: null, page: 0 });
  const [editing, setEditing] = useState(null); // null | "new" | {reset: user}
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);

  const listFilter = {
    search: filter.search.trim() || null,
    active: filter.active,
    page: filter.page,
    page_size: PAGE_SIZE,
  };
  const fetchPage = useCallback(() => api.listUsers(token, listFilter), [token, filter]);
  const { page, error, loading, reload } = usePagedList(fetchPage);
  useReloadOn(["users"], reload);
  const change = (patch) => setFilter((f) => ({ ...f, ...patch, page: 0 }));

  function open(target) {
    setNotice(null);
    setMessage(null);
    setEditing(target);
  }

  // A refused change still reloads the list, so a select shows the role actually stored.
  async function run(action, describe) {
    setNotice(null);
    setMessage(null);
    try {
      const saved = await action();
      setNotice(describe(saved));
    } catch (err) {
      setMessage(err.message);
    }
    await reload();
  }

  async function create(input) {
    const saved = await api.createUser(token, input);
    setEditing(null);
    setNotice(`Usuário ${saved.full_name} criado.`);
    await reload();
  }

  async function reset(password, confirmation) {
    const saved = await api.resetUserPassword(token, editing.reset.id, password, confirmation);
    setEditing(null);
    setNotice(`Senha de ${saved.full_name} redefinida.`);
    await reload();
  }

  return (
    <main className="content" data-testid="users">
      <div className="title-row">
        <h1>Usuários</h1>
        <ExportButtons token={token} list="usuarios" filter={listFilter} />
        {!editing && (
          <button type="button" className="primary" onClick={() => open("new")} data-testid="new-user">
            Novo usuário
          </button>
        )}
      </div>
      <Banner>{message ?? error}</Banner>
      {!editing && <Banner kind="info">{notice}</Banner>}
      {editing === "new" && <UserForm onSave={create} onCancel={() => setEditing(null)} />}
      {editing?.reset && (
        <ResetPasswordForm key={editing.reset.id} user={editing.reset} onSave={reset} onCancel={() => setEditing(null)} />
      )}
      <div className="filters">
        <input
          type="search"
          placeholder="Buscar por nome ou e-mail"
          aria-label="Buscar"
          data-testid="users-search"
          value={filter.search}
          onInput={(e) => change({ search: e.currentTarget.value })}
        />
        <select
          aria-label="Situação"
          data-testid="users-active"
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
        <table data-testid="users-table">
          <thead>
            <tr>
              <th>Nome</th>
              <th>E-mail</th>
              <th>Telefone</th>
              <th>Papel</th>
              <th>Situação</th>
              <th>Último acesso</th>
              <th aria-label="Ações" />
            </tr>
          </thead>
          <tbody>
            {page?.items.map((u) => (
              <tr key={u.id} data-testid="user-row" data-email={u.email} className={u.active ? "" : "inactive"}>
                <td>{u.full_name}</td>
                <td>{u.email}</td>
                <td>{u.phone || "—"}</td>
                <td>
                  <select
                    aria-label={`Papel de ${u.full_name}`}
                    value={u.role}
                    disabled={!!editing}
                    onChange={(e) => {
                      const role = e.currentTarget.value;
                      run(() => api.setUserRole(token, u.id, role), (s) => `Papel de ${s.full_name} alterado.`);
                    }}
                    data-testid={`role-${u.email}`}
                  >
                    <RoleOptions />
                  </select>
                </td>
                <td>
                  {u.active ? "Ativo" : "Inativo"}
                  {u.locked && (
                    <span className="attention" title="Bloqueado por tentativas de senha erradas">
                      Bloqueado
                    </span>
                  )}
                </td>
                <td className="nowrap">{u.last_login_at ? formatDateTime(u.last_login_at) : "Nunca"}</td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      disabled={!!editing}
                      onClick={() =>
                        run(
                          () => api.setUserActive(token, u.id, !u.active),
                          (s) => `Usuário ${s.full_name} ${s.active ? "ativado" : "desativado"}.`,
                        )
                      }
                      data-testid={`toggle-user-${u.email}`}
                    >
                      {u.active ? "Desativar" : "Ativar"}
                    </button>
                    <button type="button" disabled={!!editing} onClick={() => open({ reset: u })} data-testid={`reset-${u.email}`}>
                      {u.locked ? "Redefinir senha e desbloquear" : "Redefinir senha"}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={7} className="muted empty-row" data-testid="users-empty">
                  Nenhum usuário com estes filtros. Limpe a busca ou escolha outra situação; para dar acesso a alguém, use “Novo
                  usuário”.
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
          noun={["usuário", "usuários"]}
          onPage={(n) => setFilter((f) => ({ ...f, page: n }))}
        />
      )}
    </main>
  );
}
