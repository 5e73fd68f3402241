// Events Rust pushes to the window. Wrapped here so screens (and their tests) depend on
// one small function instead of the Tauri event API.
import { listen } from "@tauri-apps/api/event";

// Calls `handler(payload)` on every `db-status` event ({state, message, retry_in_secs});
// returns a function that stops listening. Outside the app (tests, a plain browser)
// there is no event bus: nothing is delivered and stopping is a no-op.
export function onDbStatus(handler) {
  let stop = null;
  let stopped = false;
  Promise.resolve()
    .then(() => listen("db-status", (event) => handler(event.payload)))
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
