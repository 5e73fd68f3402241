// The person's own e-mail preference (issue 21), shown in the Preferências dialog: whether
// they receive the daily digest and the reminders, and at what hour (blank: the office's
// default hour). Unlike the rest of that dialog it lives in the shared database, so it
// follows the person to any computer. Administrators always receive the escalations.
// `useEmailPreference` holds the state so the dialog's one "Salvar" saves it too.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { formatHour } from "../format.js";

// Exactly what Rust takes (MyEmailPreferenceInput), from the form.
export function emailPreferenceInput(form) {
  return { receive: !!form.receive, hour: form.hour === "" || form.hour === null || form.hour === undefined ? null : Number(form.hour) };
}

const formOf = (p) => ({ receive: !!p?.receive, hour: p?.hour === null || p?.hour === undefined ? "" : String(p.hour) });

export function useEmailPreference(token) {
  const [pref, setPref] = useState(null); // MyEmailPreference as Rust last answered it
  const [form, setForm] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [errors, setErrors] = useState({});
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    api
      .getMyEmailPreference(token)
      .then((p) => {
        if (!live.current) return;
        setPref(p);
        setForm(formOf(p));
      })
      .catch((err) => live.current && setLoadError(err.message));
    return () => {
      live.current = false;
    };
  }, [token]);

  const saved = pref ? formOf(pref) : null;
  const dirty = !!form && !!saved && (form.receive !== saved.receive || form.hour !== saved.hour);

  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));

  // Saves when something changed; throws Rust's error after putting its field messages
  // under the fields. Answers whether it saved.
  async function save() {
    if (!dirty) return false;
    try {
      const answer = await api.saveMyEmailPreference(token, emailPreferenceInput(form));
      if (live.current) {
        setPref(answer);
        setForm(formOf(answer));
        setErrors({});
      }
      return true;
    } catch (err) {
      if (live.current) setErrors(err.fieldMap?.() ?? {});
      throw err;
    }
  }

  return { pref, form, set, loadError, errors, dirty, save };
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

export function EmailPreferenceFields({ state }) {
  const { pref, form, set, loadError, errors } = state;
  return (
    <fieldset data-testid="pref-email">
      <legend>E-mail</legend>
      <p className="muted small pref-hint">Vale em qualquer computador: esta preferência fica guardada com o seu usuário, não neste computador.</p>
      {loadError && (
        <p className="field__error" data-testid="pref-email-error">
          Não foi possível ler a sua preferência de e-mail: {loadError}
        </p>
      )}
      {!pref && !loadError && <p className="muted small">Carregando…</p>}
      {pref && form && (
        <>
          <p data-testid="pref-email-address">
            {pref.email ? (
              <>
                Seu e-mail: <strong>{pref.email}</strong>
              </>
            ) : (
              "Você não tem e-mail cadastrado: peça a um administrador."
            )}
          </p>
          <label className="pref-check" htmlFor="pref-email-receive">
            <input
              id="pref-email-receive"
              type="checkbox"
              checked={form.receive}
              disabled={!pref.email}
              onChange={(e) => set("receive")(e.currentTarget.checked)}
              data-testid="pref-email-receive"
            />{" "}
            Receber o resumo diário e os lembretes por e-mail
          </label>
          {errors.receive && (
            <p className="field__error" data-testid="error-email_receive">
              {errors.receive}
            </p>
          )}
          <div className={`field${errors.hour ? " field--error" : ""}`}>
            <label htmlFor="pref-email-hour">Hora do resumo (horário de Brasília)</label>
            <select
              id="pref-email-hour"
              name="email_hour"
              value={form.hour}
              disabled={!pref.email || !form.receive}
              onChange={(e) => set("hour")(e.currentTarget.value)}
              aria-invalid={errors.hour ? "true" : "false"}
              aria-describedby={errors.hour ? "pref-email-hour-err" : undefined}
              data-testid="pref-email-hour"
            >
              {/* effective_hour is the office's default only while no hour of one's own is chosen. */}
              <option value="">{pref.hour === null || pref.hour === undefined ? `Padrão do escritório (${formatHour(pref.effective_hour)})` : "Padrão do escritório"}</option>
              {HOURS.map((h) => (
                <option key={h} value={String(h)}>
                  {formatHour(h)}
                </option>
              ))}
            </select>
            {errors.hour && (
              <p className="field__error" id="pref-email-hour-err" data-testid="error-email_hour">
                {errors.hour}
              </p>
            )}
          </div>
          {pref.email && pref.receive && (
            <p className="muted small" data-testid="pref-email-effective">
              O resumo chega por volta das {formatHour(pref.effective_hour)}.
            </p>
          )}
          {pref.is_admin && (
            <p className="muted small" data-testid="pref-email-admin">
              Como administrador, você sempre recebe os escalonamentos (não podem ser desligados).
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
