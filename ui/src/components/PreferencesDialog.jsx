// This desktop's notification preferences, in a modal dialog opened from the header:
// which events notify, quiet hours, what closing the window does, starting with the
// system, whether this computer's notification server shows buttons, and a test
// notification. Rust validates and keeps
// them (get/save_desktop_preferences); a refused time stays as typed, with Rust's message
// under it. One block is not this computer's: the person's e-mail preference (issue 21),
// kept in the shared database (EmailPreference.jsx); "Salvar" saves it too when changed.
// Esc or "Cancelar" closes without saving; the focus goes back to `returnFocus`
// (the header button) or to whatever had it before. While open, keys go nowhere else: the
// approval desk's J/K/A/R shortcuts must not act behind the dialog.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { Banner } from "./Banner.jsx";
import { EmailPreferenceFields, useEmailPreference } from "./EmailPreference.jsx";

const FOCUSABLE = 'button, input:not([type="hidden"]), select, textarea, a[href], [tabindex]:not([tabindex="-1"])';

export const ACTIONS_YES = "Este computador mostra os botões Aprovar e Abrir nas notificações.";
export const ACTIONS_NO = "O servidor de notificações deste computador não mostra botões: um clique na notificação abre a fatura.";
export const SAVED = "Preferências salvas.";

const KEYS = ["notify_waiting", "notify_attention", "quiet_hours", "quiet_start", "quiet_end", "close_to_tray", "start_with_system"];

// Exactly the fields Rust takes, whatever else came along.
export function preferencesOf(p) {
  return {
    notify_waiting: !!p?.notify_waiting,
    notify_attention: !!p?.notify_attention,
    quiet_hours: !!p?.quiet_hours,
    quiet_start: p?.quiet_start ?? "",
    quiet_end: p?.quiet_end ?? "",
    close_to_tray: !!p?.close_to_tray,
    start_with_system: !!p?.start_with_system,
    // Not edited here (Configurações → Este computador): sent back as it came.
    theme: p?.theme ?? "auto",
  };
}

const same = (a, b) => KEYS.every((k) => a?.[k] === b?.[k]);

function Toggle({ id, label, checked, onChange, describedBy }) {
  return (
    <label className="pref-check" htmlFor={id}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
        aria-describedby={describedBy}
        data-testid={id}
      />{" "}
      {label}
    </label>
  );
}

function TimeField({ id, name, label, value, error, disabled, onChange }) {
  return (
    <div className={`field${error ? " field--error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="time"
        value={value}
        disabled={disabled}
        onInput={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? "true" : "false"}
        aria-describedby={error ? `${id}-err` : undefined}
        data-testid={id}
      />
      {error && (
        <p className="field__error" id={`${id}-err`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function PreferencesDialog({ token, role, onClose, returnFocus }) {
  const [saved, setSaved] = useState(null); // the preferences as Rust last answered them
  const [form, setForm] = useState(null);
  const [server, setServer] = useState(null); // {actions, server}
  const [loadError, setLoadError] = useState(null);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null); // {kind: "error"|"info", text}
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState(null); // {ok, text}
  const [savedOnce, setSavedOnce] = useState(false);
  const email = useEmailPreference(token);
  const dialogRef = useRef(null);
  const live = useRef(true);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    live.current = true;
    api
      .getDesktopPreferences(token)
      .then((r) => {
        if (!live.current) return;
        const p = preferencesOf(r?.preferences);
        setSaved(p);
        setForm(p);
        setServer(r?.notifications ?? { actions: false, server: null });
      })
      .catch((err) => live.current && setLoadError(err.message));
    return () => {
      live.current = false;
    };
  }, [token]);

  // Focus into the dialog, keep it there, Esc closes; the focus goes back on the way out.
  useEffect(() => {
    const before = document.activeElement;
    const dialog = dialogRef.current;
    dialog?.focus();
    const onKey = (e) => {
      e.stopPropagation();
      if (e.key === "Escape") {
        e.preventDefault();
        close.current();
        return;
      }
      if (e.key !== "Tab" || !dialog) return;
      const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled);
      const active = document.activeElement;
      if (!items.length) {
        e.preventDefault();
        dialog.focus();
      } else if (!dialog.contains(active)) {
        e.preventDefault();
        items[0].focus();
      } else if (e.shiftKey && (active === items[0] || active === dialog)) {
        e.preventDefault();
        items.at(-1).focus();
      } else if (!e.shiftKey && active === items.at(-1)) {
        e.preventDefault();
        items[0].focus();
      }
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      const target = returnFocus?.current ?? before;
      if (target && typeof target.focus === "function" && document.contains(target)) target.focus();
    };
  }, []);

  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setMessage(null);
  };

  const setEmail = (key) => (value) => {
    email.set(key)(value);
    setMessage(null);
  };

  async function save(e) {
    e.preventDefault();
    if (!form || busy) return;
    setBusy(true);
    setMessage(null);
    try {
      // Both at once: this computer's preferences, and the e-mail one when it changed.
      const [desk, mail] = await Promise.allSettled([api.saveDesktopPreferences(token, preferencesOf(form)), email.save()]);
      if (!live.current) return;
      const refusals = [];
      if (desk.status === "fulfilled") {
        const p = preferencesOf(desk.value);
        setSaved(p);
        setForm(p);
        setErrors({});
      } else {
        // What the person typed stays; Rust's words go under the fields it names.
        setErrors(desk.reason?.fieldMap?.() ?? {});
        refusals.push(desk.reason?.message ?? String(desk.reason));
      }
      if (mail.status === "rejected") refusals.push(mail.reason?.message ?? String(mail.reason));
      if (refusals.length) {
        setMessage({ kind: "error", text: refusals.join(" ") });
      } else {
        setSavedOnce(true);
        setMessage({ kind: "info", text: SAVED });
      }
    } finally {
      if (live.current) setBusy(false);
    }
  }

  async function test() {
    if (testing) return;
    setTesting(true);
    setTestResult(null);
    try {
      const r = await api.testNotification(token);
      if (!live.current) return;
      setServer({ actions: !!r?.actions, server: r?.server ?? null });
      setTestResult({ ok: true, text: r?.message || "Notificação de teste enviada." });
    } catch (err) {
      if (live.current) setTestResult({ ok: false, text: err.message });
    } finally {
      if (live.current) setTesting(false);
    }
  }

  const dirty = (!!form && !same(form, saved)) || email.dirty;
  const approver = role === "ADMINISTRADOR" || role === "APROVADOR";

  return (
    <div className="modal-backdrop">
      <div
        className="modal prefs-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="prefs-title"
        tabIndex={-1}
        ref={dialogRef}
        data-testid="preferences-dialog"
      >
        <header className="modal__header">
          <h2 id="prefs-title">Preferências deste computador</h2>
        </header>
        <form className="modal__body" onSubmit={save} noValidate aria-busy={form && !busy ? "false" : "true"}>
          <div data-testid="pref-message">
            <Banner>{loadError ?? (message?.kind === "error" ? message.text : null)}</Banner>
            <Banner kind="info">{message?.kind === "info" ? message.text : null}</Banner>
          </div>
          {!form && !loadError && (
            <p className="progress" role="status">
              <span className="spinner" aria-hidden="true" /> Carregando as preferências…
            </p>
          )}
          {form && (
            <>
              <fieldset>
                <legend>Notificar quando</legend>
                <Toggle id="pref-notify-waiting" label="Uma fatura chegar para aprovação" checked={form.notify_waiting} onChange={set("notify_waiting")} />
                <Toggle id="pref-notify-attention" label="Um processo precisar de atenção" checked={form.notify_attention} onChange={set("notify_attention")} />
                {!approver && <p className="muted small pref-hint">As notificações de faturas para aprovação chegam apenas a aprovadores e administradores.</p>}
              </fieldset>
              <fieldset>
                <legend>Horário de silêncio</legend>
                <Toggle
                  id="pref-quiet-hours"
                  label="Não mostrar notificações neste horário"
                  checked={form.quiet_hours}
                  onChange={set("quiet_hours")}
                  describedBy="pref-quiet-hint"
                />
                <div className="inline-fields pref-times">
                  <TimeField
                    id="pref-quiet-start"
                    name="quiet_start"
                    label="Início"
                    value={form.quiet_start}
                    error={errors.quiet_start}
                    disabled={!form.quiet_hours}
                    onChange={set("quiet_start")}
                  />
                  <TimeField
                    id="pref-quiet-end"
                    name="quiet_end"
                    label="Fim"
                    value={form.quiet_end}
                    error={errors.quiet_end}
                    disabled={!form.quiet_hours}
                    onChange={set("quiet_end")}
                  />
                </div>
                <p className="muted small pref-hint" id="pref-quiet-hint">
                  As notificações desse horário ficam guardadas e chegam num único resumo quando ele termina.
                </p>
              </fieldset>
              <Toggle
                id="pref-close-to-tray"
                label="Ao fechar a janela, continuar na bandeja (notificações e robô seguem ativos)"
                checked={form.close_to_tray}
                onChange={set("close_to_tray")}
              />
              <Toggle
                id="pref-start-with-system"
                label="Iniciar o BRM RPA Desk junto com o sistema (ao entrar neste computador)"
                checked={form.start_with_system}
                onChange={set("start_with_system")}
              />
              <EmailPreferenceFields state={{ ...email, set: setEmail }} />
            </>
          )}
          {server && (
            <div className="pref-server">
              <p data-testid="pref-actions" data-actions={server.actions ? "true" : "false"}>
                {server.actions ? ACTIONS_YES : ACTIONS_NO}
              </p>
              {server.server && <p className="muted small">Servidor de notificações: {server.server}</p>}
              <button type="button" disabled={testing} onClick={test} data-testid="pref-test">
                {testing ? "Enviando…" : "Enviar notificação de teste"}
              </button>
              <div role="status" aria-live="polite" data-testid="pref-test-result" aria-busy={testing ? "true" : "false"}>
                {testing && (
                  <p className="progress">
                    <span className="spinner" aria-hidden="true" /> Enviando a notificação de teste…
                  </p>
                )}
                {testResult && (
                  <p className={`connection-result connection-result--${testResult.ok ? "ok" : "fail"}`}>{testResult.text}</p>
                )}
              </div>
            </div>
          )}
          <div className="actions modal__actions">
            <button type="submit" className="primary" disabled={!form || busy} data-testid="pref-save">
              {busy ? "Salvando…" : "Salvar"}
            </button>
            <button type="button" onClick={onClose} data-testid="pref-cancel">
              {savedOnce && !dirty ? "Fechar" : "Cancelar"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

export default PreferencesDialog;
