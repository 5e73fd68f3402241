// Runs `handler(payload)` on every `model-changed` event while the component is mounted.
// The latest handler is used (it may close over the current filter or id) without
// listening again on every render.
import { useEffect, useRef } from "preact/hooks";
import { onModelChanged } from "./events.js";

export function useModelChanged(handler) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => onModelChanged((payload) => latest.current(payload ?? {})), []);
}
