// Backups of the embedded database (administrators only, opened from Configurações): the
// copies in the backups folder (date, size), "Fazer cópia agora", "Restaurar…" with a
// dialog that says what happens, and the daily copy's settings (on/off, hour, how many
// are kept). A confirmed restore makes a copy of the current state, then the app restarts
// and replaces the database with the chosen copy before opening it. Rust checks the role,
// the file name and that the copy is sound; its pt-BR messages are shown as they come.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { Banner } from "../components/Banner.jsx";
import { Field, Select } from "../components/Field.jsx";
import { formatBytes, formatDateTime } from "../format.js";

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const pad2 = (n) => String(n).padStart(2, "0");

// What the form holds -> what Rust takes; the checks Rust repeats.
export function validateBackupSettings(form) {
  const errors = {};
  const keep = String(form.keep).trim();
  if (!/^\d+$/.test(keep) || Number(keep) < 1 || Number(keep) > 365) errors.keep = "Mantenha entre 1 e 365 cópias.";
  return errors;
}

function toForm(s) {
  return { daily: !!s.daily, hour: String(s.hour ?? 12), keep: String(s.keep ?? 7) };
}

function ConfirmRestore({ item, busy, onConfirm, onCancel }) {
  const cancelRef = useRef(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (e) => {
      if (e.key === "Escape" && !busy) onCancel();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onCancel]);
  const when = formatDateTime(item.created_at, { seconds: true });
  return (
    <div className="modal-backdrop">
      <div className="modal prefs-dialog" role="dialog" aria-modal="true" aria-labelledby="restore-title" aria-describedby="restore-text" data-testid="restore-dialog">
        <header className="modal__header">
          <h2 id="restore-title">Restaurar cópia de segurança</h2>
        </header>
        <div className="modal__body" id="restore-text">
          <p>
            O banco de dados vai voltar a ficar como estava em <strong>{when}</strong> (cópia <code>{item.file_name}</code>).
          </p>
          <ol>
            <li>Antes, o aplicativo faz uma cópia do estado atual, que fica na lista.</li>
            <li>Depois ele reinicia e troca o banco pela cópia escolhida antes de abri-lo.</li>
            <li>Tudo o que foi feito depois de {when} deixa de aparecer (continua guardado na cópia do estado atual).</li>
            <li>Todos precisam entrar de novo.</li>
          </ol>
          <div className="actions modal__actions">
            <button type="button" ref={cancelRef} onClick={onCancel} disabled={busy} data-testid="restore-cancel">
              Cancelar
            </button>
            <button type="button" className="primary" onClick={onConfirm} disabled={busy} data-testid="restore-confirm">
              {busy ? "Restaurando…" : "Restaurar e reiniciar"}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}

function BackupSettingsForm({ token, onSaved }) {
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));

  useEffect(() => {
    let live = true;
    api
      .getBackupSettings(token)
      .then((s) => live && setForm(toForm(s)))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  async function save(e) {
    e.preventDefault();
    const found = validateBackupSettings(form);
    setErrors(found);
    setError(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const saved = await api.saveBackupSettings(token, { daily: !!form.daily, hour: Number(form.hour), keep: Number(String(form.keep).trim()) });
      setForm(toForm(saved));
      onSaved("Configurações de cópia de segurança salvas.");
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      setErrors(map);
      setError(Object.keys(map).length ? null : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="backup-settings" aria-busy={form ? "false" : "true"}>
      <h2>Cópia diária</h2>
      {error && (
        <p className="field__error" role="alert" data-testid="backup-settings-error">
          {error}
        </p>
      )}
      {!form && !error && <p className="muted">Carregando…</p>}
      {form && (
        <>
          <div className="check">
            <label>
              <input type="checkbox" name="daily" checked={form.daily} onChange={(e) => set("daily")(e.currentTarget.checked)} data-testid="backup-daily" /> Fazer
              uma cópia por dia
            </label>
          </div>
          <div className="grid3">
            <Select label="Horário da cópia diária" name="hour" value={form.hour} onChange={set("hour")} error={errors.hour} disabled={!form.daily} data-testid="backup-hour">
              {HOURS.map((h) => (
                <option key={h} value={String(h)}>
                  {pad2(h)}:00
                </option>
              ))}
            </Select>
            <Field label="Cópias mantidas" name="keep" inputMode="numeric" value={form.keep} onChange={set("keep")} error={errors.keep} data-testid="backup-keep" />
          </div>
          <p className="note">
            Se o computador estiver desligado no horário, a cópia é feita quando o aplicativo abrir (se a última tiver mais de um dia). Ao passar do número de cópias mantidas,
            as mais antigas são apagadas.
          </p>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy} data-testid="btn-salvar-backup">
              {busy ? "Salvando…" : "Salvar cópia diária"}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

export default function Backups({ token, onBack }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(null); // null | "copy" | "restore"
  const [asking, setAsking] = useState(null); // the item whose restore is being confirmed
  const [restarting, setRestarting] = useState(false);

  async function load() {
    try {
      setList(await api.listBackups(token));
    } catch (err) {
      setError(err.message);
    }
  }

  useEffect(() => {
    load();
  }, [token]);

  async function copyNow() {
    setBusy("copy");
    setError(null);
    setNotice(null);
    try {
      const made = await api.createBackup(token);
      setNotice(`Cópia feita: ${made.file_name} (${formatBytes(made.size_bytes)}).`);
      await load();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(null);
    }
  }

  async function restore() {
    const item = asking;
    setBusy("restore");
    setError(null);
    setNotice(null);
    try {
      const asked = await api.restoreBackup(token, item.file_name);
      setAsking(null);
      setRestarting(true);
      setNotice(asked.message);
    } catch (err) {
      setAsking(null);
      setError(err.message);
    } finally {
      setBusy(null);
    }
  }

  const last = list?.last_restore;
  const disabled = !!busy || restarting;

  return (
    <main className="content" data-testid="backups">
      <h1>Cópias de segurança</h1>
      {onBack && (
        <p>
          <button type="button" onClick={onBack} data-testid="backups-back">
            Voltar às configurações
          </button>
        </p>
      )}
      <Banner>{error}</Banner>
      <Banner kind="info">{notice}</Banner>
      {last && (
        <div data-testid="last-restore">
          <Banner kind={last.restored ? "info" : "error"}>{last.message}</Banner>
        </div>
      )}
      {list && (
        <section className="panel" data-testid="backup-list">
          <h2>Cópias guardadas</h2>
          <p className="muted">
            Pasta: <code>{list.folder}</code>
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={copyNow} disabled={disabled} data-testid="backup-now">
              {busy === "copy" ? "Fazendo a cópia…" : "Fazer cópia agora"}
            </button>
          </div>
          {list.items.length === 0 ? (
            <p className="muted" data-testid="backups-empty">
              Nenhuma cópia ainda.
            </p>
          ) : (
            <div className="table-box">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Data</th>
                    <th scope="col">Arquivo</th>
                    <th scope="col">Tamanho</th>
                    <th scope="col">
                      <span className="visually-hidden">Ações</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((item) => (
                    <tr key={item.file_name} data-testid="backup-row">
                      <td>{formatDateTime(item.created_at, { seconds: true })}</td>
                      <td>
                        <code>{item.file_name}</code>
                      </td>
                      <td>{formatBytes(item.size_bytes)}</td>
                      <td>
                        <button type="button" onClick={() => setAsking(item)} disabled={disabled} aria-label={`Restaurar a cópia ${item.file_name}`} data-testid="restore-open">
                          Restaurar…
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {list && <BackupSettingsForm token={token} onSaved={(text) => {
            setError(null);
            setNotice(text);
          }} />}
      {asking && <ConfirmRestore item={asking} busy={busy === "restore"} onConfirm={restore} onCancel={() => setAsking(null)} />}
    </main>
  );
}
