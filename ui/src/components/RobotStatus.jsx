// The robot service's health in the header. Rust answers it once when asked
// (`robot_status`, on mount) and pushes every change as a `robot-status` event; an event
// newer than the answer wins. The robot's own words go in the tooltip.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { onRobotStatus } from "../events.js";
import { formatDateTime } from "../format.js";

const LABEL = {
  ok: "Robô: disponível",
  indisponivel: "Robô: indisponível",
  token_invalido: "Robô: token inválido — avise um administrador",
  desconhecido: "Robô: verificando…",
  nas_maquinas_robo: "Robô: nas máquinas robô",
};

export function robotTooltip(status) {
  if (!status) return "Consultando o serviço do robô…";
  const parts = [];
  if (status.message) parts.push(status.message);
  if (status.checked_at) parts.push(`Verificado em ${formatDateTime(status.checked_at, { seconds: true })}`);
  if (status.jobs_pending !== null && status.jobs_pending !== undefined) {
    parts.push(`Tarefas na fila: ${status.jobs_pending} · em andamento: ${status.jobs_active ?? 0}`);
  }
  return parts.join("\n");
}

export function RobotStatus({ token }) {
  const [status, setStatus] = useState(null);

  useEffect(() => {
    let live = true;
    let heard = false;
    const apply = (s) => live && s && setStatus(s);
    const stop = onRobotStatus((s) => {
      heard = true;
      apply(s);
    });
    api
      .robotStatus(token)
      .then((s) => heard || apply(s))
      .catch((err) => heard || apply({ state: "desconhecido", message: err.message }));
    return () => {
      live = false;
      stop();
    };
  }, [token]);

  const state = status?.state ?? "desconhecido";
  return (
    <span
      className={`robot-status robot-status--${state}`}
      role="status"
      title={robotTooltip(status)}
      data-testid="robot-status"
      id="robot-status"
      data-state={state}
    >
      {LABEL[state] ?? LABEL.desconhecido}
    </span>
  );
}
