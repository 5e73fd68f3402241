import { describe, expect, it, vi } from "vitest";

// Stands in for Tauri's event bus, which only exists inside the application.
const unlisten = vi.fn();
const listeners = {};
vi.mock("@tauri-apps/api/event", () => ({
  listen: async (name, cb) => {
    listeners[name] = cb;
    return unlisten;
  },
}));

const { onDbStatus } = await import("./events.js");
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("onDbStatus", () => {
  it("hands over the payload of each db-status event and stops listening", async () => {
    const seen = [];
    const stop = onDbStatus((p) => seen.push(p));
    await settle();
    listeners["db-status"]({ payload: { state: "down", message: "x", retry_in_secs: 5 } });
    expect(seen).toEqual([{ state: "down", message: "x", retry_in_secs: 5 }]);
    stop();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });

  it("stops a listener that was still being registered", async () => {
    unlisten.mockClear();
    const stop = onDbStatus(() => {});
    stop();
    await settle();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});
