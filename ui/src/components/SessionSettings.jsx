// Configurações → Sessões: after how many hours without using the window a session
// ends (1 to 24; 8 by default). Every desktop applies a change within seconds (Rust's
// session guard reads it at each round).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { Field } from "./Field.jsx";

export function validIdleHours(text) {
  const t = String(text ?? "").trim();
  return /^\d{1,2}$/.test(t) && Number(t) >= 1 && Number(t) <= 24;
}

export function SessionSettings({ token, onSaved }) {
  const [hours, setHours] = useState(null);
  const [fieldError, setFieldError] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .getSessionSettings(token)
      .then((s) => live && setHours(String(s.idle_hours)))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  async function save(e) {
    e.preventDefault();
    setError(null);
    if (!validIdleHours(hours)) {
      setFieldError("Informe um número inteiro de horas, de 1 a 24.");
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const saved = await api.saveSessionSettings(token, { idle_hours: Number(hours) });
      setHours(String(saved.idle_hours));
      onSaved("Configurações de sessão salvas.");
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      if (map.idle_hours) setFieldError(map.idle_hours);
      else setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="session-settings" aria-busy={hours === null && !error ? "true" : "false"}>
      <h2>Sessões</h2>
      {error && (
        <p className="field__error" role="alert" data-testid="session-settings-error">
          {error}
        </p>
      )}
      {hours === null && !error && <p className="muted">Carregando…</p>}
      {hours !== null && (
        <>
          <Field
            label="Encerrar a sessão após quantas horas sem uso da janela"
            name="idle_hours"
            inputMode="numeric"
            value={hours}
            onChange={setHours}
            error={fieldError}
            data-testid="settings-idle-hours"
          />
          <p className="note">
            Vale para todos os computadores. Desativar uma pessoa, mudar o perfil dela ou redefinir a senha encerra ou atualiza a sessão dela em
            qualquer computador em poucos segundos.
          </p>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy} data-testid="btn-salvar-sessao">
              {busy ? "Salvando…" : "Salvar sessões"}
            </button>
          </div>
        </>
      )}
    </form>
  );
}
