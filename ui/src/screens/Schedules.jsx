// Schedules (Configurações → Agendamentos, administrators): the background service's
// recurring jobs with what they do, when (in words), the next and last run in Brasília
// time, a switch, edit and delete (with confirmation). The editor writes the expression
// through presets and previews the next five runs. Rust checks the role, the expression,
// the kind, the operator and the version; its pt-BR messages are shown as they come.
// New "Cópia de segurança" schedules are not offered: the database copy has its own daily
// setting (Cópias de segurança); one made by an earlier version is still listed here.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { Banner } from "../components/Banner.jsx";
import { Field, Select } from "../components/Field.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";
import CronEditor from "../components/CronEditor.jsx";

const EMPTY = "—";

// The form -> what Rust takes.
export function toInput(form, takesOperator) {
  return {
    name: form.name.trim(),
    cron: form.cron.trim(),
    kind: form.kind,
    operator_id: takesOperator && form.operator_id ? form.operator_id : null,
    active: !!form.active,
  };
}

function useEscape(onEscape, enabled) {
  useEffect(() => {
    const onKey = (e) => {
      if (e.key === "Escape" && enabled) onEscape();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onEscape, enabled]);
}

function ScheduleForm({ token, item, kinds, onSaved, onCancel }) {
  const [form, setForm] = useState(() => ({
    name: item?.name ?? "",
    cron: item?.cron ?? "",
    kind: item?.kind ?? kinds[0]?.value ?? "",
    operator_id: item?.operator_id ?? "",
    active: item ? !!item.active : true,
  }));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [operators, setOperators] = useState([]);
  useEscape(onCancel, !busy);

  // The kinds offered, plus this schedule's own when it is not offered any more.
  const options = item && !kinds.some((k) => k.value === item.kind) ? [...kinds, { value: item.kind, label: item.kind_label, takes_operator: false }] : kinds;
  const takesOperator = !!options.find((k) => k.value === form.kind)?.takes_operator;

  useEffect(() => {
    if (!takesOperator) return;
    let live = true;
    api
      .listOperators(token, { search: null, active: null, page: 0, page_size: 200 })
      .then((page) => live && setOperators(page.items))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token, takesOperator]);

  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  async function save(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const input = toInput(form, takesOperator);
      const saved = item ? await api.updateSchedule(token, item.id, item.version, input) : await api.createSchedule(token, input);
      onSaved(saved, item ? `Agendamento "${saved.name}" salvo.` : `Agendamento "${saved.name}" criado.`);
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      setErrors(map);
      setError(Object.keys(map).length && err.code !== "CONFLICT" ? null : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="modal-backdrop">
      <div className="modal schedule-dialog" role="dialog" aria-modal="true" aria-labelledby="schedule-form-title">
        <header className="modal__header">
          <h2 id="schedule-form-title">{item ? "Editar agendamento" : "Novo agendamento"}</h2>
        </header>
        <form className="modal__body" onSubmit={save} noValidate data-testid="schedule-form">
          {error && (
            <p className="field__error" role="alert" data-testid="schedule-form-error">
              {error}
            </p>
          )}
          <Field label="Nome" name="name" value={form.name} onChange={set("name")} error={errors.name} maxLength={100} autoFocus data-testid="schedule-name" />
          <Select label="O que fazer" name="kind" value={form.kind} onChange={set("kind")} error={errors.kind} data-testid="schedule-kind">
            {options.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </Select>
          {takesOperator && (
            <Select label="Operadora" name="operator_id" value={form.operator_id ?? ""} onChange={set("operator_id")} error={errors.operator_id} data-testid="schedule-operator">
              <option value="">Todas as operadoras</option>
              <OperatorOptions operators={operators} />
            </Select>
          )}
          <CronEditor token={token} value={form.cron} onChange={set("cron")} error={errors.cron} />
          <div className="check">
            <label>
              <input type="checkbox" name="active" checked={form.active} onChange={(e) => set("active")(e.currentTarget.checked)} data-testid="schedule-form-active" /> Ativo
            </label>
          </div>
          <div className="actions modal__actions">
            <button type="button" onClick={onCancel} disabled={busy} data-testid="schedule-cancel">
              Cancelar
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="schedule-save">
              {busy ? "Salvando…" : "Salvar"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function ConfirmDelete({ item, busy, onConfirm, onCancel }) {
  const cancelRef = useRef(null);
  useEffect(() => {
    cancelRef.current?.focus();
  }, []);
  useEscape(onCancel, !busy);
  return (
    <div className="modal-backdrop">
      <div className="modal prefs-dialog" role="dialog" aria-modal="true" aria-labelledby="schedule-delete-title" aria-describedby="schedule-delete-text" data-testid="schedule-delete-dialog">
        <header className="modal__header">
          <h2 id="schedule-delete-title">Excluir agendamento</h2>
        </header>
        <div className="modal__body">
          <p id="schedule-delete-text">
            O agendamento <strong>{item.name}</strong> ({item.description}) deixa de existir e não roda mais. Para só pausá-lo, desative-o.
          </p>
          <div className="actions modal__actions">
            <button type="button" ref={cancelRef} onClick={onCancel} disabled={busy} data-testid="schedule-delete-cancel">
              Cancelar
            </button>
            <button type="button" className="danger" onClick={onConfirm} disabled={busy} data-testid="schedule-delete-confirm">
              {busy ? "Excluindo…" : "Excluir"}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}

export default function Schedules({ token }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [editing, setEditing] = useState(null); // null | "new" | item
  const [deleting, setDeleting] = useState(null);
  const [busy, setBusy] = useState(null); // the id being switched or deleted

  async function load() {
    try {
      setList(await api.listSchedules(token));
    } catch (err) {
      setError(err.message);
    }
  }

  useEffect(() => {
    load();
  }, [token]);

  async function act(id, action, done) {
    setBusy(id);
    setError(null);
    setNotice(null);
    try {
      await action();
      if (done) setNotice(done);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(null);
      await load();
    }
  }

  const toggle = (item) =>
    act(
      item.id,
      () => api.setScheduleActive(token, item.id, item.version, !item.active),
      `Agendamento "${item.name}" ${item.active ? "desativado" : "ativado"}.`,
    );

  const remove = () => {
    const item = deleting;
    return act(
      item.id,
      async () => {
        try {
          await api.deleteSchedule(token, item.id, item.version);
        } finally {
          setDeleting(null);
        }
      },
      `Agendamento "${item.name}" excluído.`,
    );
  };

  return (
    <section className="panel" data-testid="schedules" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Agendamentos</h2>
      <p className="muted">Tarefas que o serviço em segundo plano faz sozinho, no horário de Brasília.</p>
      <Banner>{error}</Banner>
      <Banner kind="info">{notice}</Banner>
      {!list && !error && <p className="muted">Carregando…</p>}
      {list && (
        <>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setEditing("new")} data-testid="schedule-new">
              Novo agendamento
            </button>
          </div>
          {list.items.length === 0 ? (
            <p className="muted" data-testid="schedules-empty">
              Nenhum agendamento.
            </p>
          ) : (
            <div className="table-box">
              <table>
                <thead>
                  <tr>
                    <th>Nome</th>
                    <th>Tipo</th>
                    <th>Quando</th>
                    <th>Próxima execução</th>
                    <th>Última execução</th>
                    <th>Ativo</th>
                    <th>
                      <span className="visually-hidden">Ações</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((s) => (
                    <tr key={s.id} data-testid="schedule-row" data-name={s.name}>
                      <td>{s.name}</td>
                      <td>
                        {s.kind_label}
                        {s.operator_name && <span className="muted"> ({s.operator_name})</span>}
                      </td>
                      <td>
                        <span data-testid="schedule-description">{s.description}</span>{" "}
                        <code className="muted" data-testid="schedule-cron">
                          {s.cron}
                        </code>
                      </td>
                      <td data-testid="schedule-next" data-at={s.next_run?.at ?? ""}>
                        {s.next_run?.display ?? EMPTY}
                      </td>
                      <td data-testid="schedule-last">{s.last_run?.display ?? EMPTY}</td>
                      <td>
                        <label className="schedule-switch">
                          <input
                            type="checkbox"
                            role="switch"
                            checked={s.active}
                            disabled={busy === s.id}
                            onChange={() => toggle(s)}
                            aria-label={`${s.active ? "Desativar" : "Ativar"} ${s.name}`}
                            data-testid="schedule-active"
                          />
                        </label>
                      </td>
                      <td className="actions">
                        <button type="button" onClick={() => setEditing(s)} disabled={busy === s.id} data-testid="schedule-edit">
                          Editar
                        </button>
                        <button type="button" onClick={() => setDeleting(s)} disabled={busy === s.id} data-testid="schedule-delete">
                          Excluir
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {editing && list && (
        <ScheduleForm
          token={token}
          item={editing === "new" ? null : editing}
          kinds={list.kinds}
          onCancel={() => setEditing(null)}
          onSaved={async (_saved, text) => {
            setEditing(null);
            setError(null);
            setNotice(text);
            await load();
          }}
        />
      )}
      {deleting && <ConfirmDelete item={deleting} busy={busy === deleting.id} onConfirm={remove} onCancel={() => setDeleting(null)} />}
    </section>
  );
}
