// Events Rust pushes to the window. Wrapped here so screens (and their tests) depend on
// small functions instead of the Tauri event API.
import { listen } from "@tauri-apps/api/event";

// Calls `handler(payload)` on every event called `name`; returns a function that stops
// listening. Outside the app (tests, a plain browser) there is no event bus: nothing is
// delivered and stopping is a no-op.
function subscribe(name, handler) {
  let stop = null;
  let stopped = false;
  Promise.resolve()
    .then(() => listen(name, (event) => handler(event.payload)))
    .then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    })
    .catch(() => {});
  return () => {
    stopped = true;
    stop?.();
  };
}

// `db-status`: {state, message, retry_in_secs}.
export const onDbStatus = (handler) => subscribe("db-status", handler);

// `robot-status`: {state: "ok"|"indisponivel"|"token_invalido"|"desconhecido"|"nas_maquinas_robo", message,
// checked_at, jobs_pending, jobs_active}, the same shape `robot_status` answers.
export const onRobotStatus = (handler) => subscribe("robot-status", handler);

// `model-changed`: {processes, executions, clients, operators, users, settings: [ids],
// everything: bool} that changed in the database (batched by Rust, a few per second at
// most), from this window, another window or, on PostgreSQL, another desktop. Screens
// showing one of them read it again; `everything` means "read whatever you show".
export const onModelChanged = (handler) => subscribe("model-changed", handler);

// `session-ended`: {message}: Rust ended this desktop's session (deactivated or password
// reset elsewhere, idle too long). The window goes back to the login screen.
export const onSessionEnded = (handler) => subscribe("session-ended", handler);

// `navigate`: where a notification click, a brm-desk:// link or the tray wants the window
// to land: {to: "processo", id, version} | {to: "aprovacao"} | {to: "atencao"}.
export const onNavigate = (handler) => subscribe("navigate", handler);

// Whether a model-changed payload names `id` in its `kind` list ("processes"/"executions").
export function names(payload, kind, id) {
  const ids = payload?.[kind];
  return Array.isArray(ids) && ids.includes(id);
}

// Whether a model-changed payload concerns any of `kinds` ("processes", "clients", ...):
// one of those lists is non-empty, or the payload says everything changed.
export function touches(payload, ...kinds) {
  if (!payload) return false;
  if (payload.everything === true) return true;
  return kinds.some((kind) => Array.isArray(payload[kind]) && payload[kind].length > 0);
}
