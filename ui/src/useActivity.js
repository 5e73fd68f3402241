// Tells Rust the person is using the window (a click, a key, the wheel), at most once a
// minute, so the session's idle limit (8 h by default) counts from the last real use and
// not from background refreshes. Rust refuses a session idle past the limit on its own;
// this only keeps a working person's session alive.
import { useEffect } from "preact/hooks";
import { api } from "./api.js";

export const TOUCH_EVERY_MS = 60_000;
const EVENTS = ["pointerdown", "keydown", "wheel"];

export function useActivity(token, { every = TOUCH_EVERY_MS, now = () => Date.now() } = {}) {
  useEffect(() => {
    if (!token) return undefined;
    let last = now();
    const onActivity = () => {
      const t = now();
      if (t - last < every) return;
      last = t;
      api.touchSession(token).catch(() => {}); // a refused session is handled by api.call's listeners
    };
    for (const e of EVENTS) globalThis.addEventListener?.(e, onActivity, { passive: true, capture: true });
    return () => {
      for (const e of EVENTS) globalThis.removeEventListener?.(e, onActivity, { capture: true });
    };
  }, [token]);
}
