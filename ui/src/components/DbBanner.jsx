// The persistent warning that the database is out of reach. Rust reports the state once
// when asked (`database_status`, on mount) and then pushes every change as a `db-status`
// event; between events the banner counts down to the next reconnection attempt.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { onDbStatus } from "../events.js";

export function DbBanner({ token }) {
  const [status, setStatus] = useState(null); // the last payload: {state, message, retry_in_secs}
  const [secs, setSecs] = useState(0);

  useEffect(() => {
    let live = true;
    let heard = false; // an event newer than the answer to database_status wins
    const apply = (s) => {
      if (!live || !s) return;
      setStatus(s);
      setSecs(Math.max(0, Math.round(s.retry_in_secs ?? 0)));
    };
    const stop = onDbStatus((s) => {
      heard = true;
      apply(s);
    });
    api
      .databaseStatus(token)
      .then((s) => heard || apply(s))
      .catch(() => {}); // an answer error is itself a sign the events will tell the rest
    return () => {
      live = false;
      stop();
    };
  }, [token]);

  const down = status?.state === "down";

  useEffect(() => {
    if (!down) return undefined;
    const timer = setInterval(() => setSecs((s) => (s > 0 ? s - 1 : 0)), 1000);
    return () => clearInterval(timer);
  }, [down, status]);

  if (!down) return null;
  return (
    <div className="db-banner" role="alert" data-testid="db-banner">
      <strong>
        Sem conexão com o banco de dados.{" "}
        {secs > 0 ? `Tentando reconectar em ${secs} s…` : "Tentando reconectar…"}
      </strong>{" "}
      Alterações estão bloqueadas até a conexão voltar.
      {status.message && <span className="db-banner__detail">{status.message}</span>}
    </div>
  );
}
