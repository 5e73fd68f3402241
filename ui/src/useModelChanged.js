// Runs `handler(payload)` on every `model-changed` event while the component is mounted.
// The latest handler is used (it may close over the current filter or id) without
// listening again on every render.
import { useEffect, useRef } from "preact/hooks";
import { onModelChanged, touches } from "./events.js";

export function useModelChanged(handler) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => onModelChanged((payload) => latest.current(payload ?? {})), []);
}

// Calls `reload()` when a change concerns one of `kinds` (or everything), unless
// `paused` (e.g. the list is hidden behind a detail). Bursts of events within `delay` ms
// become one reload, so a busy poller does not make the list read itself ten times.
export function useReloadOn(kinds, reload, { paused = false, delay = 150 } = {}) {
  const timer = useRef(null);
  const latest = useRef({ reload, paused });
  latest.current = { reload, paused };
  useEffect(() => () => clearTimeout(timer.current), []);
  useModelChanged((payload) => {
    if (latest.current.paused || !touches(payload, ...kinds)) return;
    clearTimeout(timer.current);
    if (delay <= 0) latest.current.reload();
    else timer.current = setTimeout(() => latest.current.reload(), delay);
  });
}
