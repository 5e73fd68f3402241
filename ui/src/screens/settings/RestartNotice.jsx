// After a saved change that takes effect at the next start: says so and offers
// "Reiniciar agora" (administrators; the app answers, then restarts as a backup restore
// does).
import { useState } from "preact/hooks";
import { api } from "../../api.js";

export function RestartNotice({ token, message, testid }) {
  const [state, setState] = useState(null); // null | "asking" | "restarting" | {error}
  if (!message) return null;
  async function restart() {
    setState("asking");
    try {
      await api.restartApp(token);
      setState("restarting");
    } catch (err) {
      setState({ error: err.message });
    }
  }
  return (
    <div className="restart-notice" role="status" data-testid={testid}>
      <p>{message}</p>
      {state === "restarting" ? (
        <p className="progress">
          <span className="spinner" aria-hidden="true" /> O aplicativo vai reiniciar…
        </p>
      ) : (
        <button type="button" onClick={restart} disabled={state === "asking"} data-testid={`${testid}-restart`}>
          {state === "asking" ? "Reiniciando…" : "Reiniciar agora"}
        </button>
      )}
      {state?.error && (
        <p className="field__error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

export default RestartNotice;
